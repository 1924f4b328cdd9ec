"""Compositor registry, VEG / SOI preferences and the BrightEarth mosaic: known answers on
crafted stacks (thin cloud, haze and shadows the SCL misses) and on synthetic products."""
from __future__ import annotations

import numpy as np
import pytest
from osgeo import gdal

from s2gm_qgis.core.mosaic import brightearth as be
from s2gm_qgis.core.mosaic.compositors import (
    BlockContext, BrightEarthMosaic, TemporalMosaic, compositor_for,
)
from s2gm_qgis.core.mosaic.order import MosaicOrder
from s2gm_qgis.core.mosaic.select import REFLECTANCE_BANDS, Method

SHAPE = (8, 8)
N_PIX = SHAPE[0] * SHAPE[1]
#: Surface reflectance per band of a vegetated and a bare-soil ground (B01..B12, B8A order).
VEG = dict(zip(REFLECTANCE_BANDS, (0.03, 0.04, 0.07, 0.04, 0.10, 0.25, 0.30, 0.33, 0.34,
                                    0.18, 0.09)))
SOIL = dict(zip(REFLECTANCE_BANDS, (0.08, 0.10, 0.14, 0.18, 0.20, 0.22, 0.23, 0.24, 0.25,
                                     0.30, 0.26)))


def stack(samples, scl=None):
    """(bands, scl, vza) of observations given as band dicts, uniform over the block."""
    bands = {b: np.array([[s[b]] * N_PIX for s in samples], dtype=np.float32)
             for b in REFLECTANCE_BANDS}
    scl = np.array([[c] * N_PIX for c in (scl or [4] * len(samples))], dtype=np.uint8)
    vza = np.full((len(samples), N_PIX), 5.0, dtype=np.float32)
    return bands, scl, vza


def hazy(sample, amount=0.06):
    """Haze: additive, blue-weighted (as in tests/synthetic/radiometry)."""
    return {b: v + amount * (490.0 / w) ** 2 for (b, v), w in zip(
        sample.items(), (443, 490, 560, 665, 705, 740, 783, 842, 865, 1610, 2190))}


def shadowed(sample, factor=0.4):
    return {b: v * factor for b, v in sample.items()}


def thin_cloud(sample, alpha=0.25):
    return {b: (1 - alpha) * v + alpha * 0.6 for b, v in sample.items()}


def run(compositor, samples, scl=None):
    bands, scl_stack, vza = stack(samples, scl)
    context = BlockContext(SHAPE, 20.0, np.arange(len(samples), 0, -1, dtype=float))
    valid = compositor.valid(bands, scl_stack, vza, context)
    inside = np.ones(N_PIX, dtype=bool)
    return compositor.select(bands, scl_stack, valid, inside, context)


def test_registry_by_order_fields():
    base = dict(aoi="11,45,11.1,45.1", period="month", start="2024-06-01", resolution_m=20)
    assert compositor_for(MosaicOrder.create(**base)).name == "temporal"
    assert compositor_for(MosaicOrder.create(**base, preference="veg")).name == "temporal-veg"
    assert compositor_for(MosaicOrder.create(
        **base, cloud_mask="brightearth")).name == "temporal-brightearth"
    order = MosaicOrder.create(**base, product="brightearth")
    assert compositor_for(order).name == "brightearth"
    assert order.bands == ("B02", "B03", "B04", "source_index", "valid_obs")
    assert order.cloud_mask == "brightearth"


def test_brightearth_orders_refuse_other_bands():
    with pytest.raises(Exception, match="BrightEarth mosaic has only"):
        MosaicOrder.create(aoi="11,45,11.1,45.1", period="month", start="2024-06-01",
                           resolution_m=20, product="brightearth", bands="B02,B08")


def test_veg_takes_the_greenest_and_soi_the_barest():
    samples = [SOIL, VEG, SOIL, {b: 0.5 * (SOIL[b] + VEG[b]) for b in VEG}, SOIL]
    std = run(TemporalMosaic("STD"), samples).selection
    veg = run(TemporalMosaic("VEG"), samples)
    soi = run(TemporalMosaic("SOI"), samples)
    assert (std.method == Method.MEDOID).all()
    assert (veg.selection.index == 1).all() and (veg.selection.method == Method.PREFERENCE).all()
    assert set(np.unique(soi.selection.index)) <= {0, 2, 4}
    assert veg.counts["preference"] == N_PIX and np.isnan(veg.selection.medoid_mos).all()


def test_soi_never_prefers_water_or_snow():
    water = dict(zip(REFLECTANCE_BANDS, (0.05, 0.06, 0.05, 0.03, 0.02, 0.01, 0.01, 0.01, 0.01,
                                         0.005, 0.003)))
    samples = [VEG, water, SOIL]
    soi = run(TemporalMosaic("SOI"), samples, scl=[4, 6, 5]).selection
    assert (soi.index == 2).all()


def test_brightearth_rejects_haze_thin_cloud_and_shadow_the_scl_missed():
    # Every sample says SCL 4 (vegetation): Sen2Cor saw nothing.
    samples = [hazy(VEG), VEG, thin_cloud(VEG), shadowed(VEG), VEG, hazy(VEG, 0.03)]
    result = run(BrightEarthMosaic(), samples)
    chosen = set(np.unique(result.selection.index))
    assert chosen <= {1, 4}
    # the more recent of two equally clear dates (row 4 is younger than row 1)
    assert chosen == {4}
    assert result.counts["clear"] == N_PIX
    # the standard temporal mosaic trusts the SCL and can choose a contaminated date
    std = run(TemporalMosaic("STD"), samples).selection
    assert (std.method == Method.MEDOID).all()


def test_temporal_with_the_brightearth_mask_drops_what_scl_missed():
    samples = [hazy(VEG), VEG, thin_cloud(VEG), shadowed(VEG), VEG, VEG]
    bands, scl, vza = stack(samples)
    context = BlockContext(SHAPE, 20.0, np.zeros(len(samples)))
    valid = TemporalMosaic("STD", "brightearth").valid(bands, scl, vza, context)
    assert valid[[1, 4, 5]].all() and not valid[[0, 2, 3]].any()


def test_cloud_edges_are_dilated():
    mask = np.zeros((1, 100), dtype=bool)
    mask[0, 55] = True
    grown = be.dilate(mask, (10, 10), 2).reshape(10, 10)
    assert grown[3:8, 3:8].all() and grown.sum() == 25


def test_nothing_clear_falls_back_to_the_least_hazy():
    samples = [thin_cloud(VEG, 0.6), thin_cloud(VEG, 0.5)]  # both cloudy, no reference
    result = run(BrightEarthMosaic(), samples)
    assert (result.selection.index == 1).all()  # the less hazy
    assert result.counts["hazy"] == N_PIX and result.counts["clear"] == 0


def test_brightearth_8bit_stretch_is_fixed_and_linear():
    order = MosaicOrder.create(aoi="11,45,11.1,45.1", period="month", start="2024-06-01",
                               resolution_m=20, product="brightearth", bit_depth=8)
    encoding = order.encoding("B04")
    assert encoding.scale == pytest.approx(1 / 850)
    np.testing.assert_array_equal(encoding.encode(np.array([0.1, 0.3, 0.5, np.nan])),
                                  [85, 255, 255, 0])
    std = MosaicOrder.create(aoi="11,45,11.1,45.1", period="month", start="2024-06-01",
                             resolution_m=20, bit_depth=8)
    assert std.encoding("B04").scale == pytest.approx(1 / 250)


def test_brightearth_mosaic_of_synthetic_products(tmp_path):
    """Four dates of one tile: undetected haze (SCL unchanged) over the west half on three of
    them, one clear date. The BrightEarth mosaic takes the clear date there; elsewhere all
    are clear and it takes the most recent."""
    from s2gm_qgis.core.mosaic.engine import run_mosaic
    from tests.synthetic import Scene, Surface, expected_reflectance, make_l2a_series

    dates = ("2024-06-03T10:36:29", "2024-06-08T10:36:29", "2024-06-13T10:36:29",
             "2024-06-18T10:36:29")
    scenes = [Scene.uniform(120, Surface.VEGETATION).with_noise(0.0)
              .with_haze(None, slice(0, 60)) if i != 1 else
              Scene.uniform(120, Surface.VEGETATION).with_noise(0.0) for i in range(4)]
    archive = tmp_path / "archive"
    archive.mkdir()
    make_l2a_series(archive, dates, scenes, tile="32TQM", size_10m=120, fmt="tif")
    from s2gm_qgis.core.safe import open_product

    first = open_product(str(next(archive.glob("*.SAFE"))))
    grid = first.granule.grids[20]
    x0, y1 = grid.ulx_m, grid.uly_m
    x1, y0 = x0 + grid.xdim_m * grid.ncols, y1 + grid.ydim_m * grid.nrows
    from osgeo import osr
    src, dst = osr.SpatialReference(), osr.SpatialReference()
    src.ImportFromEPSG(first.granule.epsg)
    dst.ImportFromEPSG(4326)
    for s in (src, dst):
        s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    t = osr.CoordinateTransformation(src, dst)
    (lon0, lat0, _), (lon1, lat1, _) = t.TransformPoint(x0 + 100, y0 + 100), t.TransformPoint(
        x1 - 100, y1 - 100)
    order = MosaicOrder.create(aoi=f"{lon0},{lat0},{lon1},{lat1}", period="month",
                               start="2024-06-01", resolution_m=20, product="brightearth")
    result = run_mosaic(order, [archive], tmp_path / "out")
    index = gdal.Open(str(result.files["source_index"][0])).ReadAsArray().astype(float)
    values = np.unique(index[index < 65535])
    assert result.counts["clear"] > 0
    rows = [r["index"] for r in result.source_products]
    times = {r["index"]: r["sensing_time_utc"] for r in result.source_products}
    clear_index = [i for i in rows if times[i].day == 8][0]
    latest = [i for i in rows if times[i].day == 18][0]
    assert set(values) <= {clear_index, latest}
    assert clear_index in values and latest in values
    b04 = gdal.Open(str(result.files["B04"][0])).ReadAsArray()
    assert b04.shape == index.shape


def test_bright_soil_is_not_a_cloud_and_its_shadow_is_not_chosen():
    """Bare bright soil fails the ATBD's spectral cloud test on every date: that must not mask
    the whole stack and leave the darkest (shadowed) date as the 'least hazy' choice."""
    from s2gm_qgis.core.mosaic.select import cloud_test

    soil = {b: v * 1.4 for b, v in SOIL.items()}  # B02 0.14, B04 0.25: a bright field
    shadow = shadowed(soil, 0.3)
    probe = {k: np.full(1, v, dtype=np.float32) for k, v in soil.items()}
    assert cloud_test(probe).all()  # the case: the spectral test calls this soil a cloud
    samples = [soil] * 5 + [shadow] + [soil] * 5
    result = run(BrightEarthMosaic(), samples)
    assert (result.selection.index != 5).all()
    assert result.counts["clear"] == N_PIX
