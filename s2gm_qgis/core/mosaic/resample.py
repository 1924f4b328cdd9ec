"""From a product's rasters at 10/20/60 m to the mosaic's 10/20/30/60 m grid (S2GM rules).

The rules of ../shared/docs/mosaic-algorithm.md section 3, stated once for every layer:

* a layer the product holds at the output resolution is taken as is (20 m output: B02-B04 from
  the product's R20m; 60 m output: the R60m bands, SCL_60m, MSK_*_60m);
* otherwise, a layer held at a finer resolution is down-sampled by mean aggregation of the
  finest one (B08 at 20, 30 and 60 m; 10 m bands at 30 m, 3 x 3), or - class layers (SCL) -
  by taking the finer pixel under the output pixel's centre: classes are never averaged;
* otherwise the layer is up-sampled by nearest neighbour (everything at 10 m except the 10 m
  bands; B01 at 10, 20 and 30 m).

At 30 m a 20 m layer covers the output pixel 1.5 x 1.5 times: mean aggregation then weighs each
20 m pixel by the area it shares with the 30 m pixel (weights 1 and 0.5 per axis), which is
exactly the mean of the 10 m-equivalent sub-pixels.

Both grids are north-up and share a CRS here (reprojection goes through GDAL warped VRTs in
:mod:`.observations`). Coordinates along an axis are measured from the grid origin in the
direction of increasing pixel index (x to the east, y to the south).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Optional

import numpy as np

#: Output resolutions of a mosaic, metres.
OUTPUT_RESOLUTIONS_M: tuple[int, ...] = (10, 20, 30, 60)

COPY = "copy"
AVERAGE = "average"
NEAREST = "nearest"

#: Overlaps shorter than this fraction of an output pixel come from rounding, not geometry.
_OVERLAP_EPS = 1e-6


@dataclass(frozen=True)
class ResampleRule:
    """Where a layer is read from and how it reaches the output resolution."""

    source_resolution_m: int
    method: str  # COPY | AVERAGE | NEAREST


def resampling_rule(
    output_resolution_m: int, available_m: Iterable[int], *, is_class: bool,
    native_m: int | None = None,
) -> ResampleRule:
    """The S2GM rule for a layer the product holds at ``available_m`` resolutions.

    ``native_m``: the band's native resolution; copies finer than it (Sen2Cor's B01_20m) are
    up-sampled derivatives and are not used, so B01 always comes from 60 m by nearest neighbour
    as the note says. Raises ValueError when the layer has no resolution at all.
    """
    available = sorted(set(int(r) for r in available_m))
    if not available:
        raise ValueError("the layer is not available at any resolution")
    if native_m is not None and any(r >= native_m for r in available):
        available = [r for r in available if r >= native_m]
    if output_resolution_m in available:
        return ResampleRule(output_resolution_m, COPY)
    finer = [r for r in available if r < output_resolution_m]
    if finer:
        return ResampleRule(finer[0], NEAREST if is_class else AVERAGE)
    return ResampleRule(available[0], NEAREST)


@dataclass(frozen=True)
class AxisMap:
    """How the output pixels of one axis take their values from source pixels.

    ``indices[t, k]`` / ``weights[t, k]``: the t-th source pixel of output pixel k and its weight
    (weights of an output pixel sum to 1; unused slots have weight 0 and repeat a used index).
    Indices are absolute in the source grid and may fall outside it (no data there).
    """

    indices: np.ndarray  # int64 (taps, n_out)
    weights: np.ndarray  # float32 (taps, n_out)

    @property
    def span(self) -> tuple[int, int]:
        """First and one-past-last source index used."""
        return int(self.indices.min()), int(self.indices.max()) + 1


def nearest_axis(out_start_m: float, out_step_m: float, n_out: int, src_step_m: float) -> AxisMap:
    """Source pixel containing each output pixel's centre. ``out_start_m`` is the output block's
    edge measured from the source grid's origin."""
    centres = out_start_m + (np.arange(n_out) + 0.5) * out_step_m
    indices = np.floor(centres / src_step_m + 1e-9).astype(np.int64)
    return AxisMap(indices[None, :], np.ones((1, n_out), dtype=np.float32))


def average_axis(out_start_m: float, out_step_m: float, n_out: int, src_step_m: float) -> AxisMap:
    """Area-weighted source pixels of each output pixel (mean aggregation): the weight of a source
    pixel is the length it shares with the output pixel over the output pixel's length."""
    edges = out_start_m + np.arange(n_out + 1) * out_step_m
    first = np.floor(edges[:-1] / src_step_m + _OVERLAP_EPS).astype(np.int64)
    last = np.ceil(edges[1:] / src_step_m - _OVERLAP_EPS).astype(np.int64)  # exclusive
    taps = int((last - first).max())
    indices = first[None, :] + np.arange(taps)[:, None]
    lo = np.maximum(indices * src_step_m, edges[None, :-1])
    hi = np.minimum((indices + 1) * src_step_m, edges[None, 1:])
    weights = np.clip(hi - lo, 0.0, None) / out_step_m
    weights[weights < _OVERLAP_EPS] = 0.0
    unused = indices >= last[None, :]
    indices[unused] = np.broadcast_to(first, indices.shape)[unused]
    return AxisMap(indices, weights.astype(np.float32))


def axis_map(method: str, out_start_m: float, out_step_m: float, n_out: int,
             src_step_m: float) -> AxisMap:
    """The :class:`AxisMap` of a rule's method (COPY is NEAREST at equal steps)."""
    if method == AVERAGE:
        return average_axis(out_start_m, out_step_m, n_out, src_step_m)
    if method in (COPY, NEAREST):
        return nearest_axis(out_start_m, out_step_m, n_out, src_step_m)
    raise ValueError(f"unknown resampling method {method!r}")


def apply_axis_maps(window: np.ndarray, rows: AxisMap, cols: AxisMap, row0: int, col0: int,
                    *, fill=np.nan) -> np.ndarray:
    """Resample a source ``window`` whose pixel (0, 0) is source pixel (``row0``, ``col0``).

    Source pixels outside the window count as no data: the output is ``fill`` where any pixel
    with a positive weight is missing, and NaN propagates through averages, so an averaged output
    pixel is no data as soon as one of its source pixels is (no partial edge pixels).
    Class layers (NEAREST / COPY) keep the window's dtype.
    """
    return _WindowPlan.create(rows, cols, row0, col0, *window.shape).apply(window, fill)


def _as_index(idx: np.ndarray):
    """``idx`` as a slice when it is a regular progression (a view instead of a gather: the
    copies at the output resolution and the 2 x 2 / 3 x 3 means of aligned grids)."""
    if idx.size == 0:
        return idx
    if idx.size == 1:
        return slice(int(idx[0]), int(idx[0]) + 1)
    step = int(idx[1] - idx[0])
    if step > 0 and (np.diff(idx) == step).all():
        return slice(int(idx[0]), int(idx[-1]) + 1, step)
    return idx


@dataclass(frozen=True)
class _WindowPlan:
    """Which window pixels (slices or indices per tap) and weights make each output pixel, for
    one window position and size; output rows / cols with a missing tap are ``fill``."""

    out_shape: tuple[int, int]
    nearest: bool
    rows: tuple  # per tap: slice or index array into the window's rows
    cols: tuple
    row_weights: tuple  # per tap: (n_out_rows, 1) float32
    col_weights: tuple  # per tap: (1, n_out_cols) float32
    row_missing: Optional[np.ndarray]  # bool (n_out_rows,), None when nothing is missing
    col_missing: Optional[np.ndarray]
    empty: bool
    identity: bool  # the output is the window itself (a copy at the output resolution)

    @classmethod
    def create(cls, rows: AxisMap, cols: AxisMap, row0: int, col0: int, h: int, w: int
               ) -> "_WindowPlan":
        r_idx = rows.indices - row0
        c_idx = cols.indices - col0
        r_ok = (r_idx >= 0) & (r_idx < h)
        c_ok = (c_idx >= 0) & (c_idx < w)
        r_safe = np.clip(r_idx, 0, max(h - 1, 0))
        c_safe = np.clip(c_idx, 0, max(w - 1, 0))
        # An output pixel is missing when a weighted tap falls outside the window.
        r_missing = ((~r_ok) & (rows.weights > 0)).any(axis=0)
        c_missing = ((~c_ok) & (cols.weights > 0)).any(axis=0)
        out_shape = (rows.indices.shape[1], cols.indices.shape[1])
        nearest = rows.indices.shape[0] == 1 and cols.indices.shape[0] == 1
        row_index = tuple(_as_index(r) for r in r_safe)
        col_index = tuple(_as_index(c) for c in c_safe)
        return cls(
            out_shape=out_shape,
            nearest=nearest,
            rows=row_index,
            cols=col_index,
            row_weights=tuple(wt[:, None] for wt in rows.weights),
            col_weights=tuple(wt[None, :] for wt in cols.weights),
            row_missing=r_missing if r_missing.any() else None,
            col_missing=c_missing if c_missing.any() else None,
            empty=h == 0 or w == 0,
            identity=(nearest and out_shape == (h, w) and not r_missing.any()
                      and not c_missing.any() and row_index[0] == slice(0, h, 1)
                      and col_index[0] == slice(0, w, 1)),
        )

    def apply(self, window: np.ndarray, fill) -> np.ndarray:
        if self.nearest:
            if self.empty:
                out = np.empty(self.out_shape, dtype=window.dtype)
                out[...] = fill
                return out
            out = _take_rows_cols(window, self.rows[0], self.cols[0])
        else:
            if self.empty:
                return np.full(self.out_shape, fill, np.float32)
            src = window.astype(np.float32, copy=False)
            partial = None
            for rows, weight in zip(self.rows, self.row_weights):  # a few taps (at most 7)
                term = src[rows, :] * weight
                partial = term if partial is None else partial + term
            out = None
            for cols, weight in zip(self.cols, self.col_weights):
                term = partial[:, cols] * weight
                out = term if out is None else out + term
        if self.row_missing is not None or self.col_missing is not None:
            if np.issubdtype(out.dtype, np.integer) and isinstance(fill, float):
                out = out.astype(np.float32)
            if self.row_missing is not None:
                out[self.row_missing, :] = fill
            if self.col_missing is not None:
                out[:, self.col_missing] = fill
        return out


def _take_rows_cols(window: np.ndarray, rows, cols) -> np.ndarray:
    """window[rows][:, cols] for slices or index arrays (a view when both are slices)."""
    if isinstance(rows, slice) and isinstance(cols, slice):
        return window[rows, cols]
    if isinstance(rows, slice):
        return window[rows][:, cols]
    if isinstance(cols, slice):
        return window[:, cols][rows]
    return window[np.ix_(rows, cols)]


@dataclass(frozen=True)
class BlockResampler:
    """Resampling of one layer of one product onto one output block (same CRS, north-up).

    ``src_origin_xy_m``: upper-left corner of the source grid; ``out_origin_xy_m``: upper-left
    corner of the output block; steps are positive pixel sizes in metres. :meth:`create` returns
    the same (immutable) resampler for the same arguments: the granules of a tile share their
    grids, so one block's resamplers serve every observation.
    """

    rows: AxisMap
    cols: AxisMap
    _plans: dict = field(default_factory=dict, repr=False, compare=False, hash=False)

    @classmethod
    def create(cls, rule: ResampleRule, src_origin_xy_m: tuple[float, float],
               out_origin_xy_m: tuple[float, float], out_step_m: float,
               out_shape: tuple[int, int]) -> "BlockResampler":
        return _block_resampler(rule, tuple(map(float, src_origin_xy_m)),
                                tuple(map(float, out_origin_xy_m)), float(out_step_m),
                                tuple(map(int, out_shape)))

    def window(self, src_rows: int, src_cols: int) -> tuple[int, int, int, int] | None:
        """``(col0, row0, ncols, nrows)`` of the source pixels to read, clipped to a source
        raster of ``src_rows`` x ``src_cols``; None when the block misses the raster."""
        r0, r1 = self.rows.span
        c0, c1 = self.cols.span
        r0, c0 = max(r0, 0), max(c0, 0)
        r1, c1 = min(r1, src_rows), min(c1, src_cols)
        if r0 >= r1 or c0 >= c1:
            return None
        return c0, r0, c1 - c0, r1 - r0

    def apply(self, window: np.ndarray, col0: int, row0: int, *, fill=np.nan) -> np.ndarray:
        """The output block from the source pixels read at :meth:`window`."""
        return self._plan(window.shape, col0, row0).apply(window, fill)

    def is_identity(self, window_shape: tuple[int, int], col0: int, row0: int) -> bool:
        """True when :meth:`apply` returns the window as it is (the source grid is the output
        grid and the window covers the block): values can then be made in place."""
        return self._plan(window_shape, col0, row0).identity

    def _plan(self, window_shape: tuple[int, int], col0: int, row0: int) -> "_WindowPlan":
        key = (row0, col0) + tuple(window_shape)
        plan = self._plans.get(key)
        if plan is None:  # the plan of a window is computed once (dict writes are atomic)
            plan = self._plans[key] = _WindowPlan.create(self.rows, self.cols, row0, col0,
                                                         *window_shape)
        return plan


@lru_cache(maxsize=512)
def _block_resampler(rule: ResampleRule, src_origin_xy_m: tuple[float, float],
                     out_origin_xy_m: tuple[float, float], out_step_m: float,
                     out_shape: tuple[int, int]) -> BlockResampler:
    step = float(rule.source_resolution_m)
    start_x = out_origin_xy_m[0] - src_origin_xy_m[0]
    start_y = src_origin_xy_m[1] - out_origin_xy_m[1]  # rows grow southwards
    return BlockResampler(
        rows=axis_map(rule.method, start_y, out_step_m, out_shape[0], step),
        cols=axis_map(rule.method, start_x, out_step_m, out_shape[1], step),
    )
