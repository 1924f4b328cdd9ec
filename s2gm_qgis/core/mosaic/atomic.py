"""All-or-nothing output folders: write into a hidden sibling, rename into place when complete.

``StagedFolder(final)`` creates ``{parent}/.{name}.partial-XXXXXXXX`` (same file system, so the
final ``os.rename`` is atomic). ``commit()`` renames it to ``final``; ``abort()`` (or leaving the
``with`` block by an exception) deletes it, so a failed or cancelled run leaves nothing behind.
"""
from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

from ..errors import S2GMError


def _make_staging_folder(parent: Path, prefix: str) -> Path:
    """A new, uniquely named folder ``{prefix}XXXXXXXX`` in ``parent`` with the process's usual
    permissions (tempfile.mkdtemp makes it 0700, which the final folder would keep: other users,
    e.g. QGIS reading a service's results, could not open the mosaic)."""
    for _ in range(100):
        path = parent / f"{prefix}{secrets.token_hex(4)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise S2GMError(f"{parent}: cannot create a folder in it ({exc.strerror})") from None
        return path
    raise S2GMError(f"{parent}: no free name for a staging folder {prefix}*")


class StagedFolder:
    """A folder that appears at ``final_path`` only once :meth:`commit` is called."""

    def __init__(self, final_path: str | os.PathLike):
        self.final_path = Path(final_path)
        parent = self.final_path.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise S2GMError(f"{parent}: cannot create the output folder ({exc.strerror})") from None
        if self.final_path.exists():
            raise S2GMError(f"{self.final_path} already exists; refusing to overwrite it")
        self.path = _make_staging_folder(parent, f".{self.final_path.name}.partial-")
        self.state = "open"

    def commit(self) -> Path:
        """Rename the staged folder to its final name; returns the final path."""
        if self.state != "open":
            raise S2GMError(f"{self.final_path}: staging already {self.state}")
        if self.final_path.exists():
            self.abort()
            raise S2GMError(f"{self.final_path} appeared while writing; refusing to overwrite it")
        os.rename(self.path, self.final_path)
        self.state = "committed"
        return self.final_path

    def abort(self) -> None:
        """Delete the staged folder and everything in it (idempotent)."""
        if self.state == "open":
            shutil.rmtree(self.path, ignore_errors=True)
            self.state = "aborted"

    def __enter__(self) -> "StagedFolder":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            self.abort()
        return False
