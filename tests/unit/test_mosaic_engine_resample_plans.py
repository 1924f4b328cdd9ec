"""The block resampler's fast paths (slices for regular steps, plans cached per window) give the
values of a plain gather of every tap, to the last bit, at every output resolution and at the
edges of the source raster."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from s2gm_qgis.core.mosaic.resample import AVERAGE, COPY, NEAREST, BlockResampler, ResampleRule


def gathered(window, resampler, row0, col0, fill):
    """Straightforward reference: every tap by fancy indexing, missing taps -> fill."""
    rows, cols = resampler.rows, resampler.cols
    h, w = window.shape
    r_idx, c_idx = rows.indices - row0, cols.indices - col0
    r_safe, c_safe = np.clip(r_idx, 0, h - 1), np.clip(c_idx, 0, w - 1)
    if rows.indices.shape[0] == 1 and cols.indices.shape[0] == 1:
        out = window[np.ix_(r_safe[0], c_safe[0])]
    else:
        src = window.astype(np.float32)
        partial = None
        for t in range(rows.indices.shape[0]):
            term = src[r_safe[t], :] * rows.weights[t][:, None]
            partial = term if partial is None else partial + term
        out = None
        for t in range(cols.indices.shape[0]):
            term = partial[:, c_safe[t]] * cols.weights[t][None, :]
            out = term if out is None else out + term
    r_missing = (((r_idx < 0) | (r_idx >= h)) & (rows.weights > 0)).any(axis=0)
    c_missing = (((c_idx < 0) | (c_idx >= w)) & (cols.weights > 0)).any(axis=0)
    if r_missing.any() or c_missing.any():
        if np.issubdtype(out.dtype, np.integer) and isinstance(fill, float):
            out = out.astype(np.float32)
        out[r_missing, :] = fill
        out[:, c_missing] = fill
    return out


CASES = [(o, s, m) for o, s, m in itertools.product((10, 20, 30, 60), (10, 20, 60),
                                                    (COPY, AVERAGE, NEAREST))
         if not (m == COPY and o != s) and not (m == AVERAGE and s >= o)]


@pytest.mark.parametrize("out_res, src_res, method", CASES)
def test_fast_resampling_equals_a_plain_gather(out_res, src_res, method):
    rng = np.random.default_rng(out_res * 100 + src_res)
    for _ in range(12):
        src_rows, src_cols = (int(v) for v in rng.integers(40, 200, 2))
        classes = method != AVERAGE and rng.random() < 0.5
        if classes:
            data, fill = rng.integers(0, 12, (src_rows, src_cols)).astype(np.uint8), 0
        else:
            data = rng.random((src_rows, src_cols)).astype(np.float32)
            data[rng.random(data.shape) < 0.02] = np.nan
            fill = np.nan
        shape = tuple(int(v) for v in rng.integers(1, 120, 2))
        # Block origins on the output grid, partly off the source raster.
        origin = (float(rng.integers(-20, 150)) * out_res,
                  -float(rng.integers(-20, 150)) * out_res)
        resampler = BlockResampler.create(ResampleRule(src_res, method), (0.0, 0.0), origin,
                                          out_res, shape)
        window = resampler.window(src_rows, src_cols)
        if window is None:
            continue
        c0, r0, nc, nr = window
        part = data[r0:r0 + nr, c0:c0 + nc]
        expected = gathered(part, resampler, r0, c0, fill)
        for _ in range(2):  # the second time from the cached plan
            got = resampler.apply(part, c0, r0, fill=fill)
            assert got.dtype == expected.dtype and got.shape == expected.shape
            assert np.array_equal(np.ascontiguousarray(got).view(np.uint8),
                                  np.ascontiguousarray(expected).view(np.uint8))
