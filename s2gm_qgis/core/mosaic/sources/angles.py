"""Sun and view angles of a granule at the pixels of an output block.

The 5 km MTD_TL grids: view angles are averaged over detectors (they overlap), then over bands
(azimuths as unit vectors); nodes outside the swath are filled by linear extrapolation along the
grid rows, then columns, so pixels near the swath edge get a view zenith that grows as it should
instead of NaN; the filled grids are interpolated bilinearly at each output pixel centre.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional, Sequence

import numpy as np

from ...safe.model import AngleGrid, Granule
from ..blocks import Block
from .layers import SUN_AZIMUTH, SUN_ZENITH, VIEW_AZIMUTH, VIEW_ZENITH


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

    def layer_values(self, layer: str, interpolate) -> np.ndarray:
        """An angle layer from ``interpolate(nodes)`` (float32 values of a node grid): the
        zeniths interpolated as they are, the azimuths through their sines and cosines (so
        that 359° and 1° average to 0°, not 180°)."""
        if layer in (VIEW_ZENITH, SUN_ZENITH):
            return interpolate(self.view_zenith if layer == VIEW_ZENITH else self.sun_zenith)
        if layer in (VIEW_AZIMUTH, SUN_AZIMUTH):
            s, c = ((self.view_azimuth_sin, self.view_azimuth_cos) if layer == VIEW_AZIMUTH
                    else (self.sun_azimuth_sin, self.sun_azimuth_cos))
            return (np.rad2deg(np.arctan2(interpolate(s), interpolate(c))) % 360.0
                    ).astype(np.float32)
        raise ValueError(f"unknown angle layer {layer!r}")

    def sample(self, layer: str, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
        """Bilinear value of an angle layer at tile-CRS points (any same-shape arrays)."""
        return self.layer_values(layer, lambda nodes: _bilinear(nodes, self, x_m, y_m))

    def on_block(self, layer: str, block: "Block", pixels: Optional[np.ndarray] = None
                 ) -> np.ndarray:
        """An angle layer at the pixel centres of a block of a grid in the tile's CRS: the
        bilinear values at the block's mesh of pixel centres, as two small matrix products
        (W_rows @ nodes @ W_cols.T; the node grid is only 23 x 23), (nrows, ncols) float32,
        or only at the flat indices ``pixels`` (the trigonometry of the azimuths is then done
        for those pixels alone; every value is the same to the last bit)."""
        return self.layer_values(layer, lambda nodes: self._interpolated(nodes, block, pixels))

    def _interpolated(self, nodes: Optional[np.ndarray], block: "Block",
                      pixels: Optional[np.ndarray]) -> np.ndarray:
        shape = block.shape if pixels is None else pixels.shape
        if nodes is None:
            return np.full(shape, np.nan, dtype=np.float32)
        x0, dx, _, y0, _, dy = block.grid.geotransform
        w_rows, w_cols = _block_axis_weights(
            float(x0), float(dx), block.col0, block.ncols, float(y0), float(dy), block.row0,
            block.nrows, self.ulx_m, self.uly_m, self.col_step_m, self.row_step_m, nodes.shape)
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
    """The (read-only) interpolation weights of :meth:`AngleField.on_block` along the rows and
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
