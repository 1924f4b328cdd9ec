"""Resampling rules of the S2GM note (section 3) and their numbers on small hand-made rasters."""
from __future__ import annotations

import numpy as np
import pytest

from s2gm_qgis.core.bands import NATIVE_RESOLUTION_M
from s2gm_qgis.core.mosaic.resample import (
    AVERAGE,
    COPY,
    NEAREST,
    BlockResampler,
    ResampleRule,
    average_axis,
    resampling_rule,
)

# What a Sen2Cor L2A product holds, per layer (resolutions in metres).
L2A_AVAILABLE = {
    "B01": (20, 60), "B02": (10, 20, 60), "B03": (10, 20, 60), "B04": (10, 20, 60),
    "B05": (20, 60), "B06": (20, 60), "B07": (20, 60), "B08": (10,), "B8A": (20, 60),
    "B11": (20, 60), "B12": (20, 60), "SCL": (20, 60), "AOT": (10, 20, 60),
    "MSK_CLDPRB": (20, 60),
}


def rule(layer, out, available=None):
    return resampling_rule(out, available or L2A_AVAILABLE[layer], is_class=layer == "SCL",
                           native_m=NATIVE_RESOLUTION_M.get(layer))


def test_10m_upsamples_20m_and_60m_layers_and_scl_by_nearest():
    assert rule("B02", 10) == ResampleRule(10, COPY)
    assert rule("B08", 10) == ResampleRule(10, COPY)
    assert rule("B05", 10) == ResampleRule(20, NEAREST)
    assert rule("B8A", 10) == ResampleRule(20, NEAREST)
    assert rule("SCL", 10) == ResampleRule(20, NEAREST)
    assert rule("B01", 10) == ResampleRule(60, NEAREST)


def test_20m_averages_b08_and_upsamples_b01():
    assert rule("B08", 20) == ResampleRule(10, AVERAGE)
    # Sen2Cor's B01_20m is itself up-sampled: the note's nearest from 60 m is used instead.
    assert rule("B01", 20) == ResampleRule(60, NEAREST)
    assert rule("B02", 20) == ResampleRule(20, COPY)  # the product's own R20m band
    assert rule("SCL", 20) == ResampleRule(20, COPY)


def test_60m_uses_r60m_and_averages_b08_from_10m():
    assert rule("B08", 60) == ResampleRule(10, AVERAGE)
    assert rule("B05", 60) == ResampleRule(60, COPY)
    assert rule("B05", 60, (20,)) == ResampleRule(20, AVERAGE)  # "where needed"
    assert rule("SCL", 60, (20,)) == ResampleRule(20, NEAREST)  # classes never averaged


def test_30m_like_20m_inputs_mean_aggregated():
    assert rule("B02", 30) == ResampleRule(10, AVERAGE)
    assert rule("B08", 30) == ResampleRule(10, AVERAGE)
    assert rule("B05", 30) == ResampleRule(20, AVERAGE)
    assert rule("SCL", 30) == ResampleRule(20, NEAREST)
    assert rule("B01", 30) == ResampleRule(60, NEAREST)
    assert rule("B01", 60) == ResampleRule(60, COPY)


def test_no_resolution_is_refused():
    with pytest.raises(ValueError):
        resampling_rule(20, (), is_class=False)


def resample(src, src_res, out_res, out_shape, method, out_offset=(0.0, 0.0), fill=np.nan):
    """Resample a whole source raster whose origin is (0, 0); the output block starts at
    ``out_offset`` metres (east, south) from it."""
    r = BlockResampler.create(ResampleRule(src_res, method), (0.0, 0.0),
                              (out_offset[0], -out_offset[1]), out_res, out_shape)
    window = r.window(*src.shape)
    assert window is not None
    col0, row0, ncols, nrows = window
    return r.apply(src[row0:row0 + nrows, col0:col0 + ncols], col0, row0, fill=fill)


def test_mean_aggregation_2x2():
    src = np.arange(16, dtype=np.float32).reshape(4, 4)
    out = resample(src, 10, 20, (2, 2), AVERAGE)
    np.testing.assert_allclose(out, [[2.5, 4.5], [10.5, 12.5]])


def test_mean_aggregation_6x6_for_b08_at_60m():
    src = np.random.default_rng(0).random((12, 12)).astype(np.float32)
    out = resample(src, 10, 60, (2, 2), AVERAGE)
    expected = src.reshape(2, 6, 2, 6).mean(axis=(1, 3))
    np.testing.assert_allclose(out, expected, rtol=1e-5)


def test_20m_to_30m_is_the_mean_of_the_10m_sub_pixels():
    src20 = np.random.default_rng(1).random((6, 6)).astype(np.float32)
    out = resample(src20, 20, 30, (4, 4), AVERAGE)
    src10 = src20.repeat(2, axis=0).repeat(2, axis=1)  # the same field at 10 m
    expected = src10.reshape(4, 3, 4, 3).mean(axis=(1, 3))
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    # The weights per axis are 1 and 0.5, over 1.5.
    axis = average_axis(0.0, 30.0, 2, 20.0)
    np.testing.assert_allclose(axis.weights * 1.5, [[1.0, 0.5], [0.5, 1.0]])
    assert axis.indices.tolist() == [[0, 1], [1, 2]]


def test_nearest_upsampling_repeats_pixels_and_keeps_classes():
    scl = np.array([[4, 5], [6, 11]], dtype=np.uint8)
    out = resample(scl, 20, 10, (4, 4), NEAREST, fill=0)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, scl.repeat(2, axis=0).repeat(2, axis=1))
    # 60 m to 20 m: 3 x 3 repeats.
    b01 = np.array([[0.1, 0.2]], dtype=np.float32)
    np.testing.assert_array_equal(resample(b01, 60, 20, (3, 6), NEAREST),
                                  b01.repeat(3, axis=0).repeat(3, axis=1))


def test_classes_at_30m_take_the_pixel_under_the_centre():
    scl = np.arange(9, dtype=np.uint8).reshape(3, 3)  # 20 m, 60 m square
    out = resample(scl, 20, 30, (2, 2), NEAREST, fill=0)
    # Output centres at 15 and 45 m fall in 20 m pixels 0 and 2.
    np.testing.assert_array_equal(out, [[0, 2], [6, 8]])


def test_an_average_with_a_no_data_source_pixel_is_no_data():
    src = np.ones((4, 4), dtype=np.float32)
    src[0, 1] = np.nan
    out = resample(src, 10, 20, (2, 2), AVERAGE)
    assert np.isnan(out[0, 0]) and np.isfinite(out[[0, 1, 1], [1, 0, 1]]).all()


def test_block_offsets_and_outside_the_source_are_no_data():
    src = np.arange(36, dtype=np.float32).reshape(6, 6)  # 10 m pixels
    # Output block of 20 m pixels starting 40 m east, 20 m south: source cols 4.., rows 2..
    out = resample(src, 10, 20, (2, 2), AVERAGE, out_offset=(40.0, 20.0))
    np.testing.assert_allclose(out, [[src[2:4, 4:6].mean(), np.nan], [src[4:6, 4:6].mean(),
                                                                          np.nan]])
    r = BlockResampler.create(ResampleRule(10, COPY), (0.0, 0.0), (100.0, 0.0), 10, (2, 2))
    assert r.window(6, 6) is None  # entirely east of the raster
