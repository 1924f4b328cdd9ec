"""An optional, size-bounded disk cache of the source tiles fetched from remote catalogues.

A user who orders the same area again (other bands, another format, the next dekad overlapping
the same scenes) should not download the same tiles again. The engine reads remote rasters in
whole tiles (:class:`~.gdal_reads.DatasetCache`); with a cache, each tile's pixels are kept as a
``.npy`` file under the cache folder, named by a hash of (GDAL path, window). Files are written
atomically (temporary name, then rename), so an interrupted run never leaves a torn tile; when
the folder exceeds its budget the least recently used tiles go first. Local files are never
cached (they are read from disk anyway).
"""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Optional

import numpy as np

#: Default budget of the cache folder.
DEFAULT_MAX_BYTES = 2 * 2**30


class TileCache:
    """Tiles (read-only arrays) by (path, x0, y0, width, height), in ``folder``, at most
    ``max_bytes`` on disk."""

    def __init__(self, folder, max_bytes: int = DEFAULT_MAX_BYTES):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.max_bytes = int(max_bytes)
        self._lock = threading.Lock()
        self._bytes = sum(p.stat().st_size for p in self.folder.glob("*.npy"))
        for stale in self.folder.glob("*.npy.part*"):
            stale.unlink(missing_ok=True)

    def _file(self, path: str, x0: int, y0: int, width: int, height: int) -> Path:
        digest = hashlib.sha256(f"{path}|{x0}|{y0}|{width}|{height}".encode()).hexdigest()
        return self.folder / f"{digest[:40]}.npy"

    def get(self, path: str, x0: int, y0: int, width: int, height: int) -> Optional[np.ndarray]:
        file = self._file(path, x0, y0, width, height)
        try:
            data = np.load(file, allow_pickle=False)
        except (OSError, ValueError):
            return None
        if data.shape != (height, width):
            return None
        os.utime(file)  # most recently used
        return data

    def put(self, path: str, x0: int, y0: int, data: np.ndarray) -> None:
        if data.nbytes > self.max_bytes:
            return
        file = self._file(path, x0, y0, data.shape[1], data.shape[0])
        part = file.with_name(f"{file.name}.part{threading.get_ident()}")
        try:
            with open(part, "wb") as handle:
                np.save(handle, data, allow_pickle=False)
            os.replace(part, file)
        except OSError:  # a full disk must not fail the mosaic: the tile is just not cached
            part.unlink(missing_ok=True)
            return
        with self._lock:
            self._bytes += file.stat().st_size
            if self._bytes > self.max_bytes:
                self._evict()

    def _evict(self) -> None:
        files = sorted(self.folder.glob("*.npy"), key=lambda p: p.stat().st_mtime)
        total = sum(p.stat().st_size for p in files)
        for old in files:
            if total <= self.max_bytes * 0.9:
                break
            size = old.stat().st_size
            old.unlink(missing_ok=True)
            total -= size
        self._bytes = total

    @property
    def nbytes(self) -> int:
        return self._bytes


_default: Optional[TileCache] = None
_default_lock = threading.Lock()


def set_default_tile_cache(folder, max_bytes: int = DEFAULT_MAX_BYTES) -> Optional[TileCache]:
    """The cache remote sources use in this process (None: no cache), e.g. under the plugin's
    cache folder; the command line sets it with ``--tile-cache DIR``."""
    global _default
    with _default_lock:
        _default = None if folder is None else TileCache(folder, max_bytes)
        return _default


def default_tile_cache() -> Optional[TileCache]:
    with _default_lock:
        return _default
