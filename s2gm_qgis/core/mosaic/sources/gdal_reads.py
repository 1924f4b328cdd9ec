"""GDAL reads of source rasters: per-thread handles and the whole tiles a worker keeps.

GDAL handles are not shared between threads: each worker thread opens its own
(:class:`DatasetCache`). Nothing is ever written next to a source (no statistics, no .aux.xml).
The paths are anything GDAL opens: local files, ``/vsizip/``, ``/vsicurl/``, ``/vsis3/``.
"""
from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
from osgeo import gdal

from ...gdal_io import open_raster
from ...errors import CancelledError, ProductError, RemoteReadError

#: GDAL virtual file systems that go over the network.
REMOTE_PREFIXES = ("/vsicurl/", "/vsis3/", "/vsigs/", "/vsiaz/", "/vsiadls/", "/vsiswift/")
#: Attempts of one remote open or window read (GDAL retries each HTTP request too, see
#: :mod:`.http_settings`): a read that fails this many times fails the order, or drops the
#: observation when the order says so.
REMOTE_ATTEMPTS = 3
#: Wait before the second attempt, seconds; doubled for each next one.
REMOTE_RETRY_DELAY_S = 0.5


def is_remote(path: str) -> bool:
    return str(path).startswith(REMOTE_PREFIXES)


def _attempts(path: str, what, describe: str, cancelled=None):
    """``what()`` once for a local path; for a remote one up to :data:`REMOTE_ATTEMPTS` times,
    GDAL's cache of that file cleared between attempts (it remembers failures), raising
    :class:`RemoteReadError` naming the URL after the last."""
    if not is_remote(path):
        return what()
    delay = REMOTE_RETRY_DELAY_S
    for attempt in range(1, REMOTE_ATTEMPTS + 1):
        if cancelled is not None and cancelled():
            raise CancelledError(f"cancelled while reading {path}")
        try:
            return what()
        except ProductError as exc:
            if attempt == REMOTE_ATTEMPTS:
                raise RemoteReadError(path, f"{describe} failed {REMOTE_ATTEMPTS} times: "
                                            f"{exc.reason}") from exc
        gdal.VSICurlPartialClearCache(path)
        time.sleep(delay)
        delay *= 2


def _open_raster(path: str, cancelled=None) -> gdal.Dataset:
    return _attempts(path, lambda: open_raster(path), "opening", cancelled)


#: Raster tiles up to this edge (pixels) are read whole and kept (see :class:`DatasetCache`).
REGION_MAX_PX = 2048
#: Bytes of whole tiles one worker thread keeps: the tiles a 1024 x 1024 job of a 20 m mosaic
#: needs from 12 JPEG 2000 observations (25 MB each: nine 20 m bands, SCL, AOT, the two
#: probability masks, B01's 60 m tile), or a square of a 10 m job (27 MB each: the 20 m tiles
#: of the job, the 10 m tiles of the square, B01's tile).
REGION_CACHE_BYTES = 352 * 2**20
#: Bytes of the tiles of coarse layers kept for all threads (see DatasetCache.read_window):
#: B01's 60 m tiles of 12 observations of a whole tile are 96 MB.
COARSE_TILE_BYTES = 128 * 2**20


@dataclass
class _KeptTiles:
    """Whole tiles and their byte count: (path, x0, y0) -> (pixels from the tile at (x0, y0)
    on, the job they were last used in), in the order put. One thread's tiles (``job`` is its
    current job), or the tiles every thread shares (read ahead, coarse layers)."""

    job: int = 0
    entries: dict = field(default_factory=dict)
    #: Bytes of the entries' pixels, kept up to date by :meth:`pop` and :meth:`put` (summing
    #: the entries on every read cost more than some of the reads).
    nbytes: int = 0

    def pop(self, key):
        entry = self.entries.pop(key, None)
        if entry is not None:
            self.nbytes -= entry[0].nbytes
        return entry

    def put(self, key, data: np.ndarray) -> None:
        """Keep ``data`` under ``key`` (the newest entry: entries are in the order put)."""
        self.pop(key)
        self.entries[key] = (data, self.job)
        self.nbytes += data.nbytes

    def tile(self, key, height: int, width: int):
        """The pixels kept under ``key`` when they cover ``height`` x ``width``, else None."""
        entry = self.entries.get(key)
        if entry is None or entry[0].shape[0] < height or entry[0].shape[1] < width:
            return None
        return entry[0]

    def drop_oldest(self, max_bytes: int) -> None:
        """Drop the oldest entries while they hold more than ``max_bytes`` (the newest stays)."""
        while self.nbytes > max_bytes and len(self.entries) > 1:
            self.pop(next(iter(self.entries)))


class DatasetCache:
    """GDAL datasets opened per thread (a handle must not be used by two threads at once), and
    the tiles each thread read for its current job.

    :meth:`read_window` reads the source tiles (the file's blocks) a window touches, whole, and
    keeps them: JPEG 2000 products (1024 x 1024 tiles, as ESA distributes them) decode a whole
    tile for any window in it, and the engine's 512-pixel blocks need each 20 m tile four
    times. Keeping the tiles in the worker rather than in GDAL's block cache decodes each tile
    once whatever size the host gave that cache. The engine gives a worker the blocks of one
    tile as a job and calls :meth:`next_job` between jobs (and between the squares of a 10 m
    job, whose 20 m tiles every square uses again, so keeps again); when the kept tiles reach
    :data:`REGION_CACHE_BYTES`, tiles not used by the current job make room first, and a tile
    that finds no room is read for the window only (a long stack then decodes some tiles more
    than once, with memory bounded).
    ``close()`` drops every handle and tile of every thread; call it when the run ends.

    Reading ahead (:meth:`reading_ahead`): when a run has fewer jobs than worker threads, the
    engine has its idle workers read a job's tiles beforehand, one observation each, and then
    composites the job on one worker: tiles read by a thread inside ``reading_ahead()`` are
    shared (read-only) with every thread until :meth:`drop_shared`, so each is still fetched
    and decoded once, and the handles the readers opened are released
    (:meth:`release_handles`) to the worker that composites.
    """

    def __init__(self, region_cache_bytes: int = REGION_CACHE_BYTES, cancelled=None,
                 tile_cache=None):
        #: Optional disk cache of remote tiles (:class:`.tile_cache.TileCache`).
        self.tile_cache = tile_cache
        #: A callable turning True when the run is cancelled: remote reads stop at the next
        #: window (a network read in flight ends by its HTTP timeout).
        self.cancelled = cancelled
        self._local = threading.local()
        self._all: list[dict] = []
        self._lock = threading.Lock()
        self._region_budget = int(region_cache_bytes)
        self._reset_shared()

    def _reset_shared(self) -> None:
        """Empty what every thread shares (with the lock held, or before any thread runs)."""
        #: Tiles read ahead for the current job: (path, x0, y0) -> pixels (read-only).
        self._shared = _KeptTiles()
        #: Handles no thread holds now (released at the end of a task): key -> [handle, ...].
        self._idle: dict = {}
        #: Tiles of coarse layers, for every thread: (path, x0, y0) -> pixels, least recently
        #: used first.
        self._coarse = _KeptTiles()

    def _mine(self) -> dict:
        cache = getattr(self._local, "cache", None)
        if cache is None:
            cache = self._local.cache = {}
            with self._lock:
                self._all.append(cache)
        return cache

    def add_read_time(self, seconds: float) -> None:
        """Time the calling thread spent reading sources (for progress: reading vs compositing)."""
        cache = self._mine()
        cache[_READ_SECONDS] = cache.get(_READ_SECONDS, 0.0) + seconds

    def read_seconds(self) -> float:
        """Time all threads spent reading sources so far."""
        with self._lock:
            return sum(cache.get(_READ_SECONDS, 0.0) for cache in self._all)

    def get(self, key, opener):
        """The calling thread's handle of ``key``: one it holds, else one another thread
        released (:meth:`release_handles`), else ``opener()``."""
        cache = self._mine()
        dataset = cache.get(key)
        if dataset is None:
            with self._lock:
                idle = self._idle.get(key)
                dataset = idle.pop() if idle else None
            if dataset is None:
                dataset = opener()
            cache[key] = dataset
        return dataset

    def release_handles(self) -> None:
        """The calling thread is done with its handles for now (a task ends): other threads
        may take them instead of opening the files again. A remote file opened again costs
        requests (its header, cached by GDAL only while little else was read since)."""
        cache = self._mine()
        handles = [(key, value) for key, value in cache.items()
                   if key is not _REGIONS and key is not _READ_SECONDS]
        with self._lock:
            for key, value in handles:
                del cache[key]
                self._idle.setdefault(key, []).append(value)

    def _kept(self) -> _KeptTiles:
        cache = self._mine()
        kept = cache.get(_REGIONS)
        if kept is None:
            kept = cache[_REGIONS] = _KeptTiles()
        return kept

    def next_job(self) -> None:
        """The calling thread starts a new job: the tiles it kept become the first to go."""
        self._kept().job += 1

    @contextlib.contextmanager
    def reading_ahead(self) -> Iterator[None]:
        """Tiles the calling thread reads in this context are shared with every thread (see
        the class docstring) until :meth:`drop_shared`."""
        self._local.ahead = True
        try:
            yield
        finally:
            self._local.ahead = False

    def shared_nbytes(self) -> int:
        """Bytes of the tiles read ahead and not dropped yet."""
        return self._shared.nbytes

    def drop_shared(self) -> None:
        """Forget the tiles read ahead (the job they were read for is done)."""
        with self._lock:
            self._shared = _KeptTiles()

    def read_window(self, dataset: gdal.Dataset, path: str, xoff: int, yoff: int, xsize: int,
                    ysize: int, *, coarse: bool = False) -> np.ndarray:
        """Pixels (xoff, yoff, xsize, ysize) of band 1 (read-only when they come from kept
        tiles): the tiles the window touches are read whole and kept when they are at most
        :data:`REGION_MAX_PX` on a side (tiled files; not whole-width strips).

        ``coarse``: a layer whose tiles cover several jobs (B01's 60 m tiles in a 20 m mosaic:
        3 x 3 jobs): its tiles are kept for every thread, the least recently used dropped past
        :data:`COARSE_TILE_BYTES`, so the jobs around read each once, not each their own."""
        bx, by = dataset.GetRasterBand(1).GetBlockSize()
        if bx > REGION_MAX_PX or by > REGION_MAX_PX or self._region_budget <= 0:
            return _read_window(dataset, path, xoff, yoff, xsize, ysize, self.cancelled)
        x0, y0 = xoff // bx * bx, yoff // by * by
        x1 = min(-(-(xoff + xsize) // bx) * bx, dataset.RasterXSize)
        y1 = min(-(-(yoff + ysize) // by) * by, dataset.RasterYSize)
        if coarse:
            return self._coarse_tiles(dataset, path, x0, y0, x1, y1)[
                yoff - y0:yoff - y0 + ysize, xoff - x0:xoff - x0 + xsize]
        if (x0, y0, x1, y1) == (xoff, yoff, xoff + xsize, yoff + ysize):
            return self._tiles(dataset, path, xoff, yoff, xsize, ysize)
        kept = self._kept()
        key = (path, x0, y0)  # tiles kept from the tile where the window starts
        entry = kept.pop(key)
        if entry is not None and x1 - x0 <= entry[0].shape[1] and y1 - y0 <= entry[0].shape[0]:
            data = entry[0]  # (an entry too small for this window was dropped)
        else:
            data = self._tiles(dataset, path, x0, y0, x1 - x0, y1 - y0)
            data.flags.writeable = False  # shared by the windows of the tile
            room = self._region_budget - kept.nbytes - data.nbytes
            if room < 0:
                # Tiles of earlier jobs make room, least recently used first; the current
                # job's stay (dropping them for a long stack would decode every tile once per
                # block).
                for old in sorted((k for k, (_, job) in kept.entries.items() if job < kept.job),
                                  key=lambda k: kept.entries[k][1]):
                    if room >= 0:
                        break
                    room += kept.pop(old)[0].nbytes
            if room < 0:  # no room: read for this window only
                return data[yoff - y0:yoff - y0 + ysize, xoff - x0:xoff - x0 + xsize]
        kept.put(key, data)
        return data[yoff - y0:yoff - y0 + ysize, xoff - x0:xoff - x0 + xsize]

    def _coarse_tiles(self, dataset: gdal.Dataset, path: str, x0: int, y0: int, x1: int,
                      y1: int) -> np.ndarray:
        """The whole tiles (x0, y0)-(x1, y1) of a coarse layer (see :meth:`read_window`)."""
        key = (path, x0, y0)
        with self._lock:
            data = self._coarse.tile(key, y1 - y0, x1 - x0)
            if data is not None:
                self._coarse.put(key, data)  # the most recently used now
                return data
        data = self._tiles(dataset, path, x0, y0, x1 - x0, y1 - y0)
        data.flags.writeable = False  # read by several threads
        with self._lock:
            self._coarse.put(key, data)
            self._coarse.drop_oldest(COARSE_TILE_BYTES)
        return data

    def _tiles(self, dataset: gdal.Dataset, path: str, x0: int, y0: int, width: int,
               height: int) -> np.ndarray:
        """Whole tiles: read ahead by a thread (see :meth:`reading_ahead`), or from the disk
        cache for remote files when there is one, or read now."""
        shared = self._shared.tile((path, x0, y0), height, width)
        if shared is not None:
            return shared[:height, :width]
        cache = self.tile_cache if is_remote(path) else None
        data = cache.get(path, x0, y0, width, height) if cache is not None else None
        if data is None:
            data = _whole_tiles(dataset, path, x0, y0, width, height, self.cancelled)
            if cache is not None:
                cache.put(path, x0, y0, data)
        if getattr(self._local, "ahead", False):
            data.flags.writeable = False  # read by several threads
            with self._lock:
                known = self._shared.entries.get((path, x0, y0))
                if known is None or known[0].size < data.size:
                    self._shared.put((path, x0, y0), data)
        return data

    def close(self) -> None:
        with self._lock:
            for cache in self._all:
                cache.clear()
            self._all.clear()
            self._reset_shared()
        self._local = threading.local()


_REGIONS = object()  # key of a thread's kept tiles in its cache dict
_READ_SECONDS = object()  # key of a thread's time spent reading


def _whole_tiles(dataset: gdal.Dataset, path: str, xoff: int, yoff: int, xsize: int,
                 ysize: int, cancelled=None) -> np.ndarray:
    """A window of whole tiles, dropped from GDAL's block cache once read: nothing reads them
    again through GDAL, and decoded JPEG 2000 tiles would otherwise fill that cache twice over
    (the writers' blocks live there too)."""
    data = _read_window(dataset, path, xoff, yoff, xsize, ysize, cancelled)
    dataset.GetRasterBand(1).FlushCache()
    return data


def _read_window(dataset: gdal.Dataset, path: str, xoff: int, yoff: int, xsize: int,
                 ysize: int, cancelled=None) -> np.ndarray:
    return _attempts(path, lambda: _read_once(dataset, path, xoff, yoff, xsize, ysize),
                     f"reading pixels ({xoff}, {yoff}, {xsize} x {ysize})", cancelled)


def _read_once(dataset: gdal.Dataset, path: str, xoff: int, yoff: int, xsize: int,
               ysize: int) -> np.ndarray:
    try:
        data = dataset.GetRasterBand(1).ReadAsArray(xoff, yoff, xsize, ysize)
    except RuntimeError as exc:
        raise ProductError(path, f"cannot read pixels ({xoff}, {yoff}, {xsize} x {ysize}):"
                                 f" {exc}") from exc
    if data is None:
        raise ProductError(path, f"cannot read pixels ({xoff}, {yoff}, {xsize} x {ysize}):"
                                 f" {gdal.GetLastErrorMsg() or 'unknown GDAL error'}")
    return data
