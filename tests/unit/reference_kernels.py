"""Plain, slow reference implementations the tests and benchmarks check the engine's fast kernels
against (kept out of the production modules, which only hold what a run uses)."""
from __future__ import annotations

from typing import Optional

import numpy as np

from s2gm_qgis.core.mosaic.select import _check_medoid_inputs
from s2gm_qgis.core.mosaic.sources.angles import _axis_weights


def medoid_select_pairwise(
    features: np.ndarray, valid: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Reference medoid: every pairwise distance of every pixel at once, then the row sums.

    Same contract as :func:`~s2gm_qgis.core.mosaic.select.medoid_select`; memory grows as
    bands x n_obs^2 x pixels.
    """
    _check_medoid_inputs(features, valid)
    features = np.asarray(features)
    x = np.where(valid[None], features, np.float32(0.0)).astype(np.float32, copy=False)
    diff = x[:, None, :, :] - x[:, :, None, :]  # (bands, i, j, pixels): x_j - x_i
    dist = np.sqrt(np.sum(np.square(diff), axis=0))  # (i, j, pixels)
    pair_valid = valid[:, None, :] & valid[None, :, :]
    dist = np.where(pair_valid, dist, np.float32(0.0))
    sums = np.zeros(dist.shape[1:], dtype=np.float32)
    for j in range(dist.shape[1]):  # left to right, as the fast kernel adds its terms
        sums += dist[:, j, :]
    sums[~valid] = np.inf
    index = np.argmin(sums, axis=0).astype(np.int16)
    best = np.take_along_axis(sums, index[None, :].astype(np.intp), axis=0)[0]
    none = ~valid.any(axis=0)
    index[none] = -1
    best[none] = np.nan
    return index, best.astype(np.float32)


def bilinear_separable(nodes: Optional[np.ndarray], where, xs: np.ndarray,
                       ys: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of angle nodes on the (ys x xs) mesh of a north-up block as two
    small matrix products, W_rows @ nodes @ W_cols.T (``where``: an AngleField)."""
    xs = np.asarray(xs, dtype=np.float64)
    ys = np.asarray(ys, dtype=np.float64)
    if nodes is None:
        return np.full((ys.size, xs.size), np.nan, dtype=np.float32)
    rows, cols = nodes.shape
    w_rows = _axis_weights(-ys, -where.uly_m, where.row_step_m, rows)
    w_cols = _axis_weights(xs, where.ulx_m, where.col_step_m, cols)
    return (w_rows @ nodes @ w_cols.T).astype(np.float32)


def angles_on_mesh(angles, layer: str, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """An angle layer of an AngleField on the (ys x xs) mesh, by :func:`bilinear_separable`."""
    return angles.layer_values(layer, lambda nodes: bilinear_separable(nodes, angles, xs, ys))
