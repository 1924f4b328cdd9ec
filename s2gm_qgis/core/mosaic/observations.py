"""One L2A granule seen through an output grid: its layers and angles for a block of the mosaic.

* Reflectance = (DN + BOA_ADD_OFFSET) / BOA_QUANTIFICATION_VALUE per band (the product's own
  offset and quantification), NaN where DN is 0; AOT = DN / AOT_QUANTIFICATION_VALUE (DN 0 is no
  data); SCL as classes (0 = no data); MSK_CLDPRB / MSK_SNWPRB as percentages.
* Same CRS as the tile: windows are read with GDAL and resampled by :mod:`.resample` (exact
  nearest / mean aggregation on aligned grids). Another CRS (another UTM zone, WGS84): a GDAL
  warped VRT of the layer onto the whole output grid (nearest, or average when aggregating),
  from which blocks are read.
* Angles: the 5 km MTD_TL grids. View angles are averaged over detectors (they overlap), then
  over bands (azimuths as unit vectors); nodes outside the swath are filled by linear
  extrapolation along the grid rows, then columns, so pixels near the swath edge get a view
  zenith that grows as it should instead of NaN; the filled grids are interpolated bilinearly
  at each output pixel centre.
* Same datatake over two granules (same spacecraft, day and relative orbit, i.e. the tiles'
  overlap): :func:`merge_same_datatake` keeps per pixel the sample with the smaller AOT.

GDAL handles are not shared between threads: each worker thread opens its own
(:class:`DatasetCache`). Nothing is ever written next to a product (no statistics, no .aux.xml).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Mapping, Optional, Sequence

import numpy as np
from osgeo import gdal, osr

from ..bands import NATIVE_RESOLUTION_M
from ..errors import ProductError
from ..safe.model import AngleGrid, Granule, Product
from .grid import OutputGrid
from .resample import AVERAGE, BlockResampler, ResampleRule, resampling_rule
from .select import REFLECTANCE_BANDS

#: Product layers an observation can read, beyond the reflectance bands.
SCL = "SCL"
AOT = "AOT"
CLOUD_PROBABILITY = "MSK_CLDPRB"
SNOW_PROBABILITY = "MSK_SNWPRB"
#: Angle layers (computed from the metadata, not read from rasters).
VIEW_ZENITH = "view_zenith_mean"
VIEW_AZIMUTH = "view_azimuth_mean"
SUN_ZENITH = "sun_zenith"
SUN_AZIMUTH = "sun_azimuth"
ANGLE_LAYERS = (VIEW_ZENITH, VIEW_AZIMUTH, SUN_ZENITH, SUN_AZIMUTH)
_MASK_LAYERS = (CLOUD_PROBABILITY, SNOW_PROBABILITY)
#: Fill of the class layer where the product has nothing (SCL 0 = NO_DATA).
SCL_NODATA = 0


@dataclass(frozen=True)
class Block:
    """A window of an output grid: rows ``row0..row0+nrows``, cols ``col0..col0+ncols``."""

    grid: OutputGrid
    row0: int
    col0: int
    nrows: int
    ncols: int

    @property
    def shape(self) -> tuple[int, int]:
        return (self.nrows, self.ncols)

    @property
    def origin(self) -> tuple[float, float]:
        """Upper-left corner of the block in the grid's CRS."""
        x0, dx, _, y0, _, dy = self.grid.geotransform
        return (x0 + self.col0 * dx, y0 + self.row0 * dy)

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """x (ncols,) and y (nrows,) of the pixel centres in the grid's CRS."""
        x0, dx, _, y0, _, dy = self.grid.geotransform
        xs = x0 + (self.col0 + np.arange(self.ncols) + 0.5) * dx
        ys = y0 + (self.row0 + np.arange(self.nrows) + 0.5) * dy
        return xs, ys


# --------------------------------------------------------------------------------------------
# Angles
# --------------------------------------------------------------------------------------------

def _extrapolate_line(values: np.ndarray) -> np.ndarray:
    """Fill the NaN ends of a 1-D array by linear extrapolation of its two outermost valid
    values (inner gaps by linear interpolation); unchanged when fewer than two are valid."""
    ok = np.flatnonzero(np.isfinite(values))
    if ok.size < 2:
        return values
    out = values.copy()
    idx = np.arange(values.size)
    inner = np.isnan(out) & (idx > ok[0]) & (idx < ok[-1])
    out[inner] = np.interp(idx[inner], ok, values[ok])
    lo, hi = ok[0], ok[-1]
    left_slope = (values[ok[1]] - values[lo]) / (ok[1] - lo)
    right_slope = (values[hi] - values[ok[-2]]) / (hi - ok[-2])
    out[:lo] = values[lo] + (idx[:lo] - lo) * left_slope
    out[hi + 1:] = values[hi] + (idx[hi + 1:] - hi) * right_slope
    return out


def fill_angle_nodes(grid: np.ndarray) -> np.ndarray:
    """Fill NaN nodes of a 2-D angle grid: along rows, then along columns, by linear
    extrapolation; any node still empty takes the mean of the grid (NaN if it has no value)."""
    out = np.array(grid, dtype=np.float64)
    if not np.isnan(out).any():
        return out
    out = np.vstack([_extrapolate_line(row) for row in out])
    out = np.vstack([_extrapolate_line(col) for col in out.T]).T
    if np.isnan(out).any() and np.isfinite(out).any():
        out[np.isnan(out)] = np.nanmean(out)
    return out


def _circular_mean_deg(azimuths: Sequence[np.ndarray]) -> np.ndarray:
    """Mean direction (degrees, 0-360) of same-shape azimuth grids, NaN-aware."""
    rad = np.deg2rad(np.stack(azimuths))
    with np.errstate(invalid="ignore"), _quiet_nan_warnings():
        s = np.nanmean(np.sin(rad), axis=0)
        c = np.nanmean(np.cos(rad), axis=0)
    return np.rad2deg(np.arctan2(s, c)) % 360.0


class _quiet_nan_warnings:
    """np.nanmean warns on all-NaN slices, which are expected outside the swath."""

    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


@dataclass(frozen=True)
class AngleField:
    """Filled node grids of one granule's angles (degrees) and their geometry (tile CRS).

    Azimuths are kept as unit-vector components so interpolation never crosses 0/360 badly.
    A layer missing from the metadata is None (its values are then NaN).
    """

    ulx_m: float
    uly_m: float
    col_step_m: float
    row_step_m: float
    view_zenith: Optional[np.ndarray]
    view_azimuth_sin: Optional[np.ndarray]
    view_azimuth_cos: Optional[np.ndarray]
    sun_zenith: Optional[np.ndarray]
    sun_azimuth_sin: Optional[np.ndarray]
    sun_azimuth_cos: Optional[np.ndarray]

    @classmethod
    def from_granule(cls, granule: Granule) -> "AngleField":
        """Mean view angles over bands (each band: mean over its detectors) and sun angles.

        Without grids, the metadata's mean angles are used as uniform values; without those
        either, the angles are unknown (NaN).
        """
        angles = granule.angles
        none = (None,) * 6
        if angles is None:
            return cls(0.0, 0.0, 5000.0, 5000.0, *none)
        ref: Optional[AngleGrid] = angles.sun or next(iter(angles.viewing.values()), None)
        per_band_zenith, per_band_azimuth = [], []
        for band in sorted({b for b, _ in angles.viewing}):
            grids = [g for (b, _), g in angles.viewing.items() if b == band]
            with _quiet_nan_warnings():
                per_band_zenith.append(np.nanmean(np.stack([g.zenith_deg for g in grids]), axis=0))
            per_band_azimuth.append(_circular_mean_deg([g.azimuth_deg for g in grids]))
        shape = ref.zenith_deg.shape if ref is not None else (2, 2)
        if per_band_zenith:
            with _quiet_nan_warnings():
                view_zenith = fill_angle_nodes(np.nanmean(np.stack(per_band_zenith), axis=0))
            view_azimuth = fill_angle_nodes(_unwrap_fill(_circular_mean_deg(per_band_azimuth)))
        elif angles.mean_viewing_deg:
            means = list(angles.mean_viewing_deg.values())
            view_zenith = np.full(shape, float(np.mean([m[0] for m in means])))
            view_azimuth = np.full(shape, float(_circular_mean_deg(
                [np.array(m[1]) for m in means])))
        else:
            view_zenith = view_azimuth = None
        if angles.sun is not None:
            sun_zenith = fill_angle_nodes(angles.sun.zenith_deg)
            sun_azimuth = fill_angle_nodes(_unwrap_fill(angles.sun.azimuth_deg))
        elif angles.mean_sun_zenith_deg is not None:
            sun_zenith = np.full(shape, float(angles.mean_sun_zenith_deg))
            sun_azimuth = np.full(shape, float(angles.mean_sun_azimuth_deg or np.nan))
        else:
            sun_zenith = sun_azimuth = None

        def components(azimuth):
            if azimuth is None:
                return None, None
            rad = np.deg2rad(azimuth)
            return np.sin(rad), np.cos(rad)

        va_sin, va_cos = components(view_azimuth)
        sa_sin, sa_cos = components(sun_azimuth)
        if ref is None:  # uniform values only: any geometry will do
            ulx, uly, cstep, rstep = 0.0, 0.0, 1e9, 1e9
        else:
            ulx, uly, cstep, rstep = ref.ulx_m, ref.uly_m, ref.col_step_m, ref.row_step_m
        return cls(ulx, uly, cstep, rstep, view_zenith, va_sin, va_cos, sun_zenith,
                   sa_sin, sa_cos)

    def sample(self, layer: str, x_m: np.ndarray, y_m: np.ndarray, *,
               separable: bool = False) -> np.ndarray:
        """Bilinear value of an angle layer at tile-CRS points (any same-shape arrays); with
        ``separable``, ``x_m`` (ncols,) and ``y_m`` (nrows,) are the columns and rows of a
        north-up block and the result is (nrows, ncols)."""
        interpolate = _bilinear_separable if separable else _bilinear
        if layer == VIEW_ZENITH:
            return interpolate(self.view_zenith, self, x_m, y_m)
        if layer == SUN_ZENITH:
            return interpolate(self.sun_zenith, self, x_m, y_m)
        if layer in (VIEW_AZIMUTH, SUN_AZIMUTH):
            s, c = ((self.view_azimuth_sin, self.view_azimuth_cos) if layer == VIEW_AZIMUTH
                    else (self.sun_azimuth_sin, self.sun_azimuth_cos))
            sin_v = interpolate(s, self, x_m, y_m)
            cos_v = interpolate(c, self, x_m, y_m)
            return (np.rad2deg(np.arctan2(sin_v, cos_v)) % 360.0).astype(np.float32)
        raise ValueError(f"unknown angle layer {layer!r}")

    def on_block(self, layer: str, block: "Block", pixels: Optional[np.ndarray] = None
                 ) -> np.ndarray:
        """An angle layer at the pixel centres of a block of a grid in the tile's CRS: the
        values of ``sample(layer, *block.centres(), separable=True)``, (nrows, ncols) float32,
        or only at the flat indices ``pixels`` (the trigonometry of the azimuths is then done
        for those pixels alone; every value is the same to the last bit)."""
        if layer in (VIEW_ZENITH, SUN_ZENITH):
            nodes = self.view_zenith if layer == VIEW_ZENITH else self.sun_zenith
            return self._interpolated(nodes, block, pixels)
        if layer in (VIEW_AZIMUTH, SUN_AZIMUTH):
            s, c = ((self.view_azimuth_sin, self.view_azimuth_cos) if layer == VIEW_AZIMUTH
                    else (self.sun_azimuth_sin, self.sun_azimuth_cos))
            sin_v = self._interpolated(s, block, pixels)
            cos_v = self._interpolated(c, block, pixels)
            return (np.rad2deg(np.arctan2(sin_v, cos_v)) % 360.0).astype(np.float32)
        raise ValueError(f"unknown angle layer {layer!r}")

    def _interpolated(self, nodes: Optional[np.ndarray], block: "Block",
                      pixels: Optional[np.ndarray]) -> np.ndarray:
        shape = block.shape if pixels is None else pixels.shape
        if nodes is None:
            return np.full(shape, np.nan, dtype=np.float32)
        x0, dx, _, y0, _, dy = block.grid.geotransform
        w_rows, w_cols = _block_axis_weights(
            float(x0), float(dx), block.col0, block.ncols, float(y0), float(dy), block.row0,
            block.nrows, self.ulx_m, self.uly_m, self.col_step_m, self.row_step_m, nodes.shape)
        # w_rows @ nodes @ w_cols.T, as _bilinear_separable
        values = _matmul_by_rows(_matmul_by_rows(w_rows, nodes), w_cols.T)
        if pixels is not None:
            values = values.reshape(-1)[pixels]
        return values.astype(np.float32)


#: OpenBLAS computes a product on all cores when m * n * k exceeds this, and its idle threads
#: then spin for a while: called block after block by the mosaic's own worker threads, they kept
#: a core busy doing nothing. Below it a product runs on the calling thread.
_BLAS_ONE_THREAD_MNK = 262144


def _matmul_by_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` in row slices small enough for OpenBLAS to run each on the calling thread.

    The interpolation weights have at most two non-zero terms per row, so every element is the
    same two-term sum however the rows are sliced (checked against the whole product)."""
    rows = max(1, _BLAS_ONE_THREAD_MNK // max(1, b.shape[0] * b.shape[1]))
    if a.shape[0] <= rows:
        return a @ b
    out = np.empty((a.shape[0], b.shape[1]), dtype=np.result_type(a, b))
    for r0 in range(0, a.shape[0], rows):
        np.matmul(a[r0:r0 + rows], b, out=out[r0:r0 + rows])
    return out


@lru_cache(maxsize=32)
def _block_axis_weights(x0: float, dx: float, col0: int, ncols: int, y0: float, dy: float,
                        row0: int, nrows: int, ulx_m: float, uly_m: float, col_step_m: float,
                        row_step_m: float, node_shape: tuple[int, int]
                        ) -> tuple[np.ndarray, np.ndarray]:
    """The (read-only) interpolation weights of :func:`_bilinear_separable` along the rows and
    columns of a block (pixel centres as :meth:`Block.centres`): the granules of a tile share
    their angle grid geometry, so one block computes them once for all its observations."""
    xs = x0 + (col0 + np.arange(ncols) + 0.5) * dx
    ys = y0 + (row0 + np.arange(nrows) + 0.5) * dy
    rows, cols = node_shape
    w_rows = _axis_weights(-ys, -uly_m, row_step_m, rows)
    w_cols = _axis_weights(xs, ulx_m, col_step_m, cols)
    w_rows.flags.writeable = False
    w_cols.flags.writeable = False
    return w_rows, w_cols


def _unwrap_fill(azimuth_deg: np.ndarray) -> np.ndarray:
    """Azimuths made continuous along rows before extrapolation (no jump at 0/360)."""
    out = np.array(azimuth_deg, dtype=np.float64)
    for row in out:
        ok = np.isfinite(row)
        if ok.sum() > 1:
            row[ok] = np.rad2deg(np.unwrap(np.deg2rad(row[ok])))
    return out


def _axis_weights(coords: np.ndarray, origin: float, step: float, n_nodes: int) -> np.ndarray:
    """(len(coords), n_nodes) linear-interpolation weights along one axis of the node grid
    (positions clamped to the grid, as in :func:`_bilinear`)."""
    f = np.clip((coords - origin) / step, 0.0, n_nodes - 1)
    i0 = np.minimum(np.floor(f).astype(np.intp), max(n_nodes - 2, 0))
    i1 = np.minimum(i0 + 1, n_nodes - 1)
    t = f - i0
    weights = np.zeros((coords.size, n_nodes))
    rows = np.arange(coords.size)
    # Each statement touches one node per row, so += adds like np.add.at (i0 == i1 only with a
    # single node, where the second adds to the first as np.add.at does).
    weights[rows, i0] += 1.0 - t
    weights[rows, i1] += t
    return weights


def _bilinear_separable(nodes: Optional[np.ndarray], where: AngleField, xs: np.ndarray,
                        ys: np.ndarray) -> np.ndarray:
    """Bilinear interpolation on the (ys x xs) mesh of a north-up block as two small matrix
    products, W_rows @ nodes @ W_cols.T: the same values as :func:`_bilinear` at a fraction of
    the cost (the node grid is only 23 x 23)."""
    xs = np.asarray(xs, dtype=np.float64)
    ys = np.asarray(ys, dtype=np.float64)
    if nodes is None:
        return np.full((ys.size, xs.size), np.nan, dtype=np.float32)
    rows, cols = nodes.shape
    w_rows = _axis_weights(-ys, -where.uly_m, where.row_step_m, rows)
    w_cols = _axis_weights(xs, where.ulx_m, where.col_step_m, cols)
    return (w_rows @ nodes @ w_cols.T).astype(np.float32)


def _bilinear(nodes: Optional[np.ndarray], where: AngleField, x_m: np.ndarray,
              y_m: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of node values at points; node (0, 0) is the grid's upper-left
    corner; points beyond the last node take the edge cell's extrapolation clamped to it."""
    x_m, y_m = np.broadcast_arrays(np.asarray(x_m, dtype=np.float64),
                                   np.asarray(y_m, dtype=np.float64))
    if nodes is None:
        return np.full(x_m.shape, np.nan, dtype=np.float32)
    rows, cols = nodes.shape
    fr = np.clip((where.uly_m - y_m) / where.row_step_m, 0.0, rows - 1)
    fc = np.clip((x_m - where.ulx_m) / where.col_step_m, 0.0, cols - 1)
    r0 = np.minimum(np.floor(fr).astype(np.intp), max(rows - 2, 0))
    c0 = np.minimum(np.floor(fc).astype(np.intp), max(cols - 2, 0))
    r1 = np.minimum(r0 + 1, rows - 1)
    c1 = np.minimum(c0 + 1, cols - 1)
    t = fr - r0
    u = fc - c0
    out = ((1 - t) * (1 - u) * nodes[r0, c0] + (1 - t) * u * nodes[r0, c1]
           + t * (1 - u) * nodes[r1, c0] + t * u * nodes[r1, c1])
    return out.astype(np.float32)


# --------------------------------------------------------------------------------------------
# GDAL access
# --------------------------------------------------------------------------------------------

def _open_raster(path: str) -> gdal.Dataset:
    try:
        dataset = gdal.OpenEx(path, gdal.OF_RASTER | gdal.OF_READONLY)
    except RuntimeError as exc:  # when the host enabled gdal.UseExceptions()
        raise ProductError(path, f"GDAL cannot open it: {exc}") from exc
    if dataset is None:
        raise ProductError(path, f"GDAL cannot open it: {gdal.GetLastErrorMsg() or 'unknown'}")
    return dataset


#: Raster tiles up to this edge (pixels) are read whole and kept (see :class:`DatasetCache`).
REGION_MAX_PX = 2048
#: Bytes of whole tiles one worker thread keeps: the tiles a 1024 x 1024 job of a 20 m mosaic
#: needs from 12 JPEG 2000 observations (25 MB each: nine 20 m bands, SCL, AOT, the two
#: probability masks, B01's 60 m tile).
REGION_CACHE_BYTES = 320 * 2**20


@dataclass
class _KeptTiles:
    """One thread's whole tiles: (path, x0, y0) -> (pixels from the tile at (x0, y0) on, the
    job they were last used in); ``job`` is the thread's current job."""

    job: int = 0
    entries: dict = field(default_factory=dict)

    @property
    def nbytes(self) -> int:
        return sum(data.nbytes for data, _ in self.entries.values())


class DatasetCache:
    """GDAL datasets opened per thread (a handle must not be used by two threads at once), and
    the tiles each thread read for its current job.

    :meth:`read_window` reads the source tiles (the file's blocks) a window touches, whole, and
    keeps them: JPEG 2000 products (1024 x 1024 tiles, as ESA distributes them) decode a whole
    tile for any window in it, and the engine's 512-pixel blocks need each 20 m tile four
    times. Keeping the tiles in the worker rather than in GDAL's block cache decodes each tile
    once whatever size the host gave that cache. The engine gives a worker the blocks of one
    tile as a job and calls :meth:`next_job` between jobs; when the kept tiles reach
    :data:`REGION_CACHE_BYTES`, tiles not used by the current job make room first, and a tile
    that finds no room is read for the window only (a long stack then decodes some tiles more
    than once, with memory bounded).
    ``close()`` drops every handle and tile of every thread; call it when the run ends.
    """

    def __init__(self, region_cache_bytes: int = REGION_CACHE_BYTES):
        self._local = threading.local()
        self._all: list[dict] = []
        self._lock = threading.Lock()
        self._region_budget = int(region_cache_bytes)

    def _mine(self) -> dict:
        cache = getattr(self._local, "cache", None)
        if cache is None:
            cache = self._local.cache = {}
            with self._lock:
                self._all.append(cache)
        return cache

    def get(self, key, opener):
        cache = self._mine()
        dataset = cache.get(key)
        if dataset is None:
            dataset = cache[key] = opener()
        return dataset

    def _kept(self) -> _KeptTiles:
        cache = self._mine()
        kept = cache.get(_REGIONS)
        if kept is None:
            kept = cache[_REGIONS] = _KeptTiles()
        return kept

    def next_job(self) -> None:
        """The calling thread starts a new job: the tiles it kept become the first to go."""
        self._kept().job += 1

    def read_window(self, dataset: gdal.Dataset, path: str, xoff: int, yoff: int, xsize: int,
                    ysize: int) -> np.ndarray:
        """Pixels (xoff, yoff, xsize, ysize) of band 1 (read-only when they come from kept
        tiles): the tiles the window touches are read whole and kept when they are at most
        :data:`REGION_MAX_PX` on a side (tiled files; not whole-width strips)."""
        bx, by = dataset.GetRasterBand(1).GetBlockSize()
        if bx > REGION_MAX_PX or by > REGION_MAX_PX or self._region_budget <= 0:
            return _read_window(dataset, path, xoff, yoff, xsize, ysize)
        x0, y0 = xoff // bx * bx, yoff // by * by
        x1 = min(-(-(xoff + xsize) // bx) * bx, dataset.RasterXSize)
        y1 = min(-(-(yoff + ysize) // by) * by, dataset.RasterYSize)
        if (x0, y0, x1, y1) == (xoff, yoff, xoff + xsize, yoff + ysize):
            return _whole_tiles(dataset, path, xoff, yoff, xsize, ysize)
        kept = self._kept()
        key = (path, x0, y0)  # tiles kept from the tile where the window starts
        entry = kept.entries.pop(key, None)
        if entry is not None and x1 - x0 <= entry[0].shape[1] and y1 - y0 <= entry[0].shape[0]:
            data = entry[0]  # (an entry too small for this window was dropped)
        else:
            data = _whole_tiles(dataset, path, x0, y0, x1 - x0, y1 - y0)
            data.flags.writeable = False  # shared by the windows of the tile
            room = self._region_budget - kept.nbytes - data.nbytes
            # Tiles of earlier jobs make room, least recently used first; the current job's
            # stay (dropping them for a long stack would decode every tile once per block).
            for old in sorted((k for k, (_, job) in kept.entries.items() if job < kept.job),
                              key=lambda k: kept.entries[k][1]):
                if room >= 0:
                    break
                room += kept.entries.pop(old)[0].nbytes
            if room < 0:  # no room: read for this window only
                return data[yoff - y0:yoff - y0 + ysize, xoff - x0:xoff - x0 + xsize]
        kept.entries[key] = (data, kept.job)
        return data[yoff - y0:yoff - y0 + ysize, xoff - x0:xoff - x0 + xsize]

    def close(self) -> None:
        with self._lock:
            for cache in self._all:
                cache.clear()
            self._all.clear()
        self._local = threading.local()


_REGIONS = object()  # key of a thread's kept tiles in its cache dict


def _whole_tiles(dataset: gdal.Dataset, path: str, xoff: int, yoff: int, xsize: int,
                 ysize: int) -> np.ndarray:
    """A window of whole tiles, dropped from GDAL's block cache once read: nothing reads them
    again through GDAL, and decoded JPEG 2000 tiles would otherwise fill that cache twice over
    (the writers' blocks live there too)."""
    data = _read_window(dataset, path, xoff, yoff, xsize, ysize)
    dataset.GetRasterBand(1).FlushCache()
    return data


def _srs_of_epsg(epsg: int) -> osr.SpatialReference:
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(int(epsg))
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def _read_window(dataset: gdal.Dataset, path: str, xoff: int, yoff: int, xsize: int,
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


# --------------------------------------------------------------------------------------------
# One granule as an observation
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GranuleSource:
    """One granule of one product, a candidate observation of the mosaic.

    ``source_index`` is its row in the mosaic's SourceProductIndices (the ``source_index``
    layer's value where it is chosen).
    """

    product: Product
    granule: Granule
    source_index: int
    angles: AngleField = field(repr=False, compare=False)

    @classmethod
    def create(cls, product: Product, granule: Granule, source_index: int) -> "GranuleSource":
        return cls(product, granule, source_index, AngleField.from_granule(granule))

    @property
    def product_id(self) -> str:
        return self.product.name

    @property
    def sensing_time_utc(self) -> datetime:
        return self.granule.sensing_time_utc

    @property
    def datatake_key(self) -> tuple:
        """Spacecraft and relative orbit: granules sharing it and sensed within
        :data:`SAME_PASS_MAX_GAP` of each other are the same acquisition (see
        :func:`datatake_groups`)."""
        return (self.product.spacecraft, self.product.relative_orbit)

    def available(self, layer: str) -> dict[int, str]:
        """resolution_m -> GDAL path of a product layer (band, SCL, AOT, MSK_CLDPRB...)."""
        if layer in _MASK_LAYERS:
            out = {}
            for (kind, key), path in self.granule.masks.items():
                if kind == layer and key and key.endswith("m") and key[:-1].isdigit():
                    out[int(key[:-1])] = path
            return out
        return {res: path for (name, res), path in self.granule.images.items() if name == layer}

    def rule(self, layer: str, resolution_m: int) -> tuple[ResampleRule, str]:
        """The resampling rule of a layer at the output resolution, and the file it reads."""
        available = self.available(layer)
        if not available:
            raise ProductError(self.granule.metadata_path,
                               f"the product has no {layer} layer (needed by the mosaic)")
        rule = resampling_rule(resolution_m, available, is_class=layer == SCL,
                               native_m=NATIVE_RESOLUTION_M.get(layer))
        return rule, available[rule.source_resolution_m]

    # -- conversion of stored values to physical ones ----------------------------------------
    def _physical(self, layer: str, data: np.ndarray) -> np.ndarray:
        if layer in REFLECTANCE_BANDS:
            return self.product.reflectance(data, layer)
        if layer == AOT:
            quantification = self.product.aot_quantification_value or 1000.0
            out = data.astype(np.float32) / np.float32(quantification)
            out[data == 0] = np.nan
            return out
        if layer in _MASK_LAYERS:
            return data.astype(np.float32)
        if layer == SCL:
            return data.astype(np.uint8, copy=False)
        raise ValueError(f"unknown product layer {layer!r}")

    def read(self, layer: str, block: Block, datasets: DatasetCache,
             out: Optional[np.ndarray] = None) -> Optional[np.ndarray]:
        """The layer on the block, physical values (reflectance, AOT, %, SCL classes): float32
        with NaN where the granule has no data, uint8 with 0 for SCL. None when the granule
        does not reach the block at all.

        ``out``: an array of the block's shape to write the values into (and return), e.g. a
        row of the block's observation stack; reflectance read at the output resolution is
        then computed there directly."""
        values = self._read(layer, block, datasets, out)
        if out is None or values is None or values is out:
            return values
        out[...] = values
        return out

    def _read(self, layer: str, block: Block, datasets: DatasetCache,
              out: Optional[np.ndarray]) -> Optional[np.ndarray]:
        rule, path = self.rule(layer, block.grid.resolution)
        fill = SCL_NODATA if layer == SCL else np.nan
        if block.grid.epsg == self.granule.epsg:
            dataset = datasets.get(path, lambda: _open_raster(path))
            x0, dx, _, y0, _, dy = dataset.GetGeoTransform(can_return_null=True) or (
                self._grid_geotransform(rule.source_resolution_m))
            step = abs(dx)
            # The file's own pixel size wins over the nominal one (same on real products).
            resampler = BlockResampler.create(
                ResampleRule(step, rule.method), (x0, y0), block.origin,
                abs(block.grid.geotransform[1]), block.shape,
            )
            window = resampler.window(dataset.RasterYSize, dataset.RasterXSize)
            if window is None:
                return None
            data = datasets.read_window(dataset, path, *window)
            if (out is not None and layer in REFLECTANCE_BANDS and out.dtype == np.float32
                    and resampler.is_identity(data.shape, window[0], window[1])):
                return self.product.reflectance(data, layer, out=out)
            values = self._physical(layer, data)
            return resampler.apply(values, window[0], window[1], fill=fill)
        return self._read_warped(layer, rule, path, block, datasets, fill)

    def _grid_geotransform(self, resolution_m: int):
        grid = self.granule.grids.get(resolution_m)
        if grid is None:
            raise ProductError(self.granule.metadata_path,
                               f"no {resolution_m} m geoposition and the raster has none")
        return grid.geotransform

    def _read_warped(self, layer: str, rule: ResampleRule, path: str, block: Block,
                     datasets: DatasetCache, fill) -> Optional[np.ndarray]:
        grid = block.grid
        key = ("warp", path, grid.name, grid.epsg, grid.geotransform, rule.method)

        def open_warped():
            source = _open_raster(path)
            # DN 0 is no data for bands, SCL and AOT; the probability masks have no no-data
            # value (0 %) so pixels outside the tile get 255 there.
            src_nodata = None if layer in _MASK_LAYERS else 0
            dst_nodata = 255 if layer in _MASK_LAYERS else 0
            options = gdal.WarpOptions(
                format="VRT", dstSRS=_srs_of_epsg(grid.epsg).ExportToWkt(),
                outputBounds=grid.bounds, width=grid.width, height=grid.height,
                resampleAlg="average" if rule.method == AVERAGE else "near",
                srcNodata=src_nodata, dstNodata=dst_nodata, multithread=False,
            )
            try:
                warped = gdal.Warp("", source, options=options)
            except RuntimeError as exc:
                raise ProductError(path, f"cannot reproject to EPSG:{grid.epsg}: {exc}") from exc
            if warped is None:
                raise ProductError(path, f"cannot reproject to EPSG:{grid.epsg}: "
                                         f"{gdal.GetLastErrorMsg()}")
            return warped, source  # keep the source alive as long as the VRT

        warped, _ = datasets.get(key, open_warped)
        data = _read_window(warped, path, block.col0, block.row0, block.ncols, block.nrows)
        if layer in _MASK_LAYERS:
            out = data.astype(np.float32)
            out[data == 255] = np.nan
            return None if np.isnan(out).all() else out
        if layer == SCL:
            return None if not data.any() else data.astype(np.uint8, copy=False)
        values = self._physical(layer, data)
        return None if np.isnan(values).all() else values

    def angles_on(self, layer: str, block: Block, pixels: Optional[np.ndarray] = None
                  ) -> np.ndarray:
        """An angle layer (degrees) at the block's pixel centres, (nrows, ncols) float32; or
        at the flat indices ``pixels`` of the block only."""
        if block.grid.epsg == self.granule.epsg:
            return self.angles.on_block(layer, block, pixels)
        xs, ys = block.centres()
        x_m, y_m = _to_tile_crs(block.grid.epsg, self.granule.epsg, xs, ys)
        values = self.angles.sample(layer, x_m, y_m)
        return values if pixels is None else values.reshape(-1)[pixels]


def _to_tile_crs(src_epsg: int, dst_epsg: int, xs: np.ndarray, ys: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Pixel centres (mesh of xs by ys) from the grid's CRS to the tile's."""
    mesh_x, mesh_y = np.meshgrid(xs, ys)
    points = np.column_stack([mesh_x.ravel(), mesh_y.ravel()])
    transform = osr.CoordinateTransformation(_srs_of_epsg(src_epsg), _srs_of_epsg(dst_epsg))
    out = np.asarray(transform.TransformPoints(points))
    return out[:, 0].reshape(mesh_x.shape), out[:, 1].reshape(mesh_x.shape)


# --------------------------------------------------------------------------------------------
# Same datatake over two granules
# --------------------------------------------------------------------------------------------

#: Granules of one spacecraft and relative orbit sensed closer than this in time are one pass:
#: the tiles of a datatake are seconds to minutes apart, the same orbit comes back 10 days later.
#: (Not the UTC date: passes near 157 E are sensed around 00:00 UTC, over two dates.)
SAME_PASS_MAX_GAP = timedelta(minutes=30)


def datatake_groups(sources: Sequence[GranuleSource]) -> list[list[int]]:
    """Rows of ``sources`` grouped by datatake (same spacecraft and relative orbit, sensing times
    chained less than :data:`SAME_PASS_MAX_GAP` apart), rows ascending within a group, groups
    in the order of their first member."""
    groups: list[list[int]] = []
    last_group: dict[tuple, list[int]] = {}
    for row in sorted(range(len(sources)), key=lambda r: sources[r].sensing_time_utc):
        key = sources[row].datatake_key
        group = last_group.get(key)
        if group is not None and (sources[row].sensing_time_utc
                                  - sources[group[-1]].sensing_time_utc) < SAME_PASS_MAX_GAP:
            group.append(row)
            continue
        last_group[key] = [row]
        groups.append(last_group[key])
    for group in groups:
        group.sort()
    return sorted(groups, key=lambda g: g[0])


def merge_same_datatake(
    groups: Sequence[Sequence[int]],
    has_data: np.ndarray,
    aot: Mapping[int, np.ndarray],
) -> np.ndarray:
    """Which row each datatake keeps, per pixel: ``(len(groups), pixels)`` row indices.

    Where several granules of a datatake have data, the sample with the smaller AOT is kept
    (ties: the first row); where none has, the first row (it is invalid anyway).
    ``has_data``: ``(rows, pixels)``; ``aot``: row -> ``(pixels,)`` AOT for the rows of
    groups with more than one member (NaN counts as the largest).
    """
    n_pixels = has_data.shape[1]
    out = np.empty((len(groups), n_pixels), dtype=np.intp)
    for g, members in enumerate(groups):
        if len(members) == 1:
            out[g] = members[0]
            continue
        keys = np.stack([
            np.where(has_data[m], np.nan_to_num(aot[m], nan=np.inf), np.inf) for m in members
        ]).astype(np.float64)
        # Rows with data but no AOT still beat rows without data.
        keys[np.isinf(keys) & has_data[list(members)]] = np.finfo(np.float64).max
        out[g] = np.asarray(members)[np.argmin(keys, axis=0)]
    return out
