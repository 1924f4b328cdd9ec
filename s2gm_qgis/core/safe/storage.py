"""Read files of a product where they lie: a folder on disk or members of a .zip.

Zips are read in place with Python's :mod:`zipfile` (no extraction, nothing written anywhere);
the paths handed out are GDAL paths (``/vsizip/<zip>/<member>``) so that GDAL and QGIS open the
same files. Only reads happen here: never open anything of a user's product for writing.
"""
from __future__ import annotations

import os
import posixpath
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Optional

from ..errors import ProductError

VSIZIP = "/vsizip/"
#: What reading a damaged zip member raises besides OSError (bad CRC, truncated or corrupt
#: deflate stream).
ZIP_MEMBER_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError)


def split_vsizip(path: str) -> Optional[tuple[str, str]]:
    """``/vsizip/{/a/b.zip}/m/x`` or ``/vsizip//a/b.zip/m/x`` -> ("/a/b.zip", "m/x"), else None.

    The member part is "" for the zip itself. The brace form is GDAL's quoting for zip paths that
    contain ".zip" twice; without braces the first component ending in ``.zip`` closes the zip path.
    """
    if not path.startswith(VSIZIP):
        return None
    rest = path[len(VSIZIP):]
    if rest.startswith("{"):
        end = rest.find("}")
        if end < 0:
            return None
        return rest[1:end], rest[end + 1:].lstrip("/")
    parts = rest.split("/")
    for index, part in enumerate(parts):
        if part.lower().endswith(".zip"):
            return "/".join(parts[: index + 1]), "/".join(parts[index + 1:])
    return None


def vsizip_path(zip_path: str, member: str) -> str:
    """GDAL path of ``member`` inside ``zip_path`` (absolute zip path, forward slashes)."""
    return f"{VSIZIP}{zip_path}/{member}" if member else f"{VSIZIP}{zip_path}"


@dataclass(frozen=True)
class FileStat:
    """Size and modification time of a file, for caches keyed on a file's version."""

    size: int
    mtime_ns: int


def stat_path(path: str) -> Optional[FileStat]:
    """Size and mtime of a plain or ``/vsizip/`` file; None when it does not exist.

    For a zip member the mtime is the zip's (a zip only changes as a whole).
    """
    split = split_vsizip(path)
    if split is None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        return FileStat(st.st_size, st.st_mtime_ns) if not os.path.isdir(path) else None
    zip_path, member = split
    try:
        mtime = os.stat(zip_path).st_mtime_ns
        with zipfile.ZipFile(zip_path) as archive:
            info = archive.getinfo(member)
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    return FileStat(info.file_size, mtime)


def open_binary(path: str) -> BinaryIO:
    """A binary stream over a plain or ``/vsizip/`` file; ProductError if it cannot be read."""
    split = split_vsizip(path)
    try:
        if split is None:
            return open(path, "rb")
        zip_path, member = split
        archive = zipfile.ZipFile(zip_path)
        try:
            # The member stream keeps the zip's file handle alive after the archive is closed,
            # and decompresses as it is read: large members are streamed, not loaded at once.
            return archive.open(member)
        finally:
            archive.close()
    except FileNotFoundError as exc:
        raise ProductError(path, "file not found") from exc
    except KeyError as exc:
        raise ProductError(path, "not in the zip") from exc
    except zipfile.BadZipFile as exc:
        raise ProductError(path, f"not a readable zip file ({exc})") from exc
    except OSError as exc:
        raise ProductError(path, f"cannot be read ({exc.strerror or exc})") from exc


class ProductFiles:
    """The files of one product, in a folder or inside a zip, addressed relative to its root.

    ``root`` is the product folder (``X.SAFE`` or a metadata folder) on disk, or the member
    prefix of that folder inside the zip ("" when the zip holds the product at its top level).
    The zip is opened once and its member list kept; call :meth:`close` (or use ``with``).
    """

    def __init__(self, root: str, zip_path: Optional[str] = None):
        self.zip_path = zip_path
        self.root = root.strip("/") if zip_path else os.path.abspath(root)
        self._archive: Optional[zipfile.ZipFile] = None
        self._members: dict[str, zipfile.ZipInfo] = {}
        if zip_path:
            try:
                self._archive = zipfile.ZipFile(zip_path)
            except (OSError, zipfile.BadZipFile) as exc:
                raise ProductError(zip_path, f"not a readable zip file ({exc})") from exc
            self._members = {info.filename.rstrip("/"): info for info in self._archive.infolist()}

    def __enter__(self) -> "ProductFiles":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()
            self._archive = None

    # -- addressing ---------------------------------------------------------------------------
    def _member(self, rel: str) -> str:
        rel = posixpath.normpath(rel.replace("\\", "/")).lstrip("/")
        if rel == ".":
            rel = ""
        return posixpath.join(self.root, rel) if self.root and rel else (self.root or rel)

    def gdal_path(self, rel: str = "") -> str:
        """GDAL path of a file given relative to the product root."""
        if self.zip_path:
            return vsizip_path(self.zip_path, self._member(rel)).rstrip("/")
        return os.path.normpath(os.path.join(self.root, rel)) if rel else self.root

    # -- queries ------------------------------------------------------------------------------
    def size(self, rel: str) -> Optional[int]:
        """Size in bytes of a file, None if absent (or a folder)."""
        if self._archive is not None:
            info = self._members.get(self._member(rel))
            return None if info is None or info.is_dir() else info.file_size
        path = self.gdal_path(rel)
        return os.path.getsize(path) if os.path.isfile(path) else None

    def is_dir(self, rel: str) -> bool:
        if self._archive is not None:
            member = self._member(rel)
            info = self._members.get(member)
            if info is not None:
                return info.is_dir()
            prefix = member + "/" if member else ""
            return any(name.startswith(prefix) for name in self._members)
        return os.path.isdir(self.gdal_path(rel))

    def list_dir(self, rel: str = "") -> list[str]:
        """Names (files and folders) directly inside a folder of the product, sorted."""
        if self._archive is not None:
            member = self._member(rel)
            prefix = member + "/" if member else ""
            names = {
                name[len(prefix):].split("/", 1)[0]
                for name in self._members
                if name.startswith(prefix) and len(name) > len(prefix)
            }
            return sorted(names)
        try:
            return sorted(os.listdir(self.gdal_path(rel)))
        except OSError:
            return []

    def read_bytes(self, rel: str) -> bytes:
        """Content of a file; ProductError naming it when it is missing or unreadable."""
        path = self.gdal_path(rel)
        if self._archive is not None:
            try:
                return self._archive.read(self._member(rel))
            except KeyError as exc:
                raise ProductError(path, "file not found in the zip") from exc
            except (OSError, *ZIP_MEMBER_ERRORS) as exc:
                raise ProductError(path, f"cannot be read from the zip ({exc})") from exc
        try:
            with open(path, "rb") as stream:
                return stream.read()
        except FileNotFoundError as exc:
            raise ProductError(path, "file not found") from exc
        except OSError as exc:
            raise ProductError(path, f"cannot be read ({exc.strerror or exc})") from exc
