"""Synthetic L1C products: datastrip ephemeris from the Keplerian orbit, band time stamps with
the delay table's signs, detector footprints as GML (< 04.00) or rasters (>= 04.00)."""
from __future__ import annotations

import csv
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from osgeo import gdal, ogr
from pyproj import Geod, Transformer

from s2gm_qgis.core.safe import open_product, product_datastrip
from tests.conftest import SHARED
from tests.synthetic import Scene, Surface, expected_reflectance, make_l1c

gdal.UseExceptions()
GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def l1c_gml(tmp_path_factory):
    scene = Scene.uniform(240, Surface.WATER).with_cloud((0, 60), (0, 60))
    return make_l1c(tmp_path_factory.mktemp("l1c"), scene=scene, cross_track_km=0.5, seed=1)


@pytest.fixture(scope="module")
def l1c_raster(tmp_path_factory):
    return make_l1c(tmp_path_factory.mktemp("l1c4"), baseline="05.00", cross_track_km=0.5,
                    size_10m=120, spacecraft="S2B")


def _nadir(ephemeris):
    to_geodetic = Transformer.from_crs(4978, 4979, always_xy=True)
    pos = ephemeris.position_m
    return to_geodetic.transform(pos[:, 0], pos[:, 1], pos[:, 2])


def test_ephemeris_is_a_real_looking_orbit(l1c_gml):
    product = open_product(l1c_gml)
    datastrip = product_datastrip(product)
    eph = datastrip.ephemeris
    assert eph.position_m.shape == (94, 3)
    steps = np.diff(eph.gps_time).astype("timedelta64[ms]").astype(int)
    assert (steps == 1000).all()
    assert ((eph.gps_time - eph.utc_time) == np.timedelta64(18, "s")).all()
    radius_km = np.linalg.norm(eph.position_m, axis=1) / 1000
    assert (7150 < radius_km).all() and (radius_km < 7180).all()
    speed = np.linalg.norm(eph.velocity_m_s, axis=1)
    assert np.allclose(speed, 7551.7, atol=15)
    lon, lat, height = _nadir(eph)
    assert (788e3 < height).all() and (height < 818e3).all()
    _, _, dist = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    assert 6650 < np.median(dist) < 6760  # V_ground, m/s at 1 Hz
    assert lat[0] > lat[-1]  # descending
    # velocity is the derivative of position
    mid = np.gradient(eph.position_m, axis=0)[1:-1]
    assert np.allclose(mid, eph.velocity_m_s[1:-1], atol=2.0)


def test_nadir_track_passes_over_the_tile(l1c_gml):
    product = open_product(l1c_gml)
    grid = product.granule.grids[10]
    xmin, ymin, xmax, ymax = grid.bounds_m
    to_lonlat = Transformer.from_crs(product.granule.epsg, 4326, always_xy=True)
    clon, clat = to_lonlat.transform((xmin + xmax) / 2, (ymin + ymax) / 2)
    lon, lat, _ = _nadir(product_datastrip(product).ephemeris)
    fine = np.linspace(0, len(lon) - 1, 100 * len(lon))  # the track between 1 Hz samples
    lon, lat = np.interp(fine, np.arange(len(lon)), lon), np.interp(fine, np.arange(len(lat)), lat)
    _, _, dist = GEOD.inv(np.full(lon.shape, clon), np.full(lat.shape, clat), lon, lat)
    assert 300 < dist.min() < 700  # the image centre is 0.5 km off the nadir track


def test_band_time_stamps_follow_delay_table_signs(l1c_gml):
    stamps = product_datastrip(open_product(l1c_gml)).band_time_stamps
    assert len(stamps) == 13 * 12
    with open(SHARED / "data" / "lut" / "S2A_cnes.csv", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    checked = 0
    for row in rows:
        src, dst, det = row["bande_src"], row["bande_dst"], int(row["detecteur"][1:])
        lut = float(row["delta_t"])
        if abs(lut) < 0.05:
            continue
        dt = (stamps[(dst, det)].gps_time - stamps[(src, det)].gps_time) / np.timedelta64(1, "s")
        assert np.sign(dt) == np.sign(lut), (src, dst, det, dt, lut)
        assert dt == pytest.approx(lut, rel=0.03, abs=0.03)
        checked += 1
    assert checked > 1500
    b01 = (stamps[("B01", 1)].gps_time - stamps[("B02", 1)].gps_time) / np.timedelta64(1, "s")
    assert b01 == pytest.approx(2.33, abs=0.05)  # real N0301: +2.36 s


def test_gml_footprints(l1c_gml):
    granule = open_product(l1c_gml).granule
    path = granule.masks[("MSK_DETFOO", "B02")]
    assert path.endswith(".gml")
    root = ET.parse(path).getroot()
    ids = [f.get("{http://www.opengis.net/gml/3.2}id") for f in root.iter(
        "{http://www.opengis.net/eop/2.0}MaskFeature")]
    assert sorted(ids) == ["detector_footprint-B02-06-0", "detector_footprint-B02-07-0"]
    pos = next(root.iter("{http://www.opengis.net/gml/3.2}posList"))
    assert pos.get("srsDimension") == "3" and len(pos.text.split()) % 3 == 0
    ds = ogr.Open(path)
    layer = ds.GetLayer(0)
    xmin, ymin, xmax, ymax = granule.grids[10].bounds_m
    area = sum(f.GetGeometryRef().GetArea() for f in layer)
    assert area == pytest.approx((xmax - xmin) * (ymax - ymin), rel=0.35)
    assert area > (xmax - xmin) * (ymax - ymin)  # neighbours overlap slightly


def test_raster_footprints_and_offset(l1c_raster):
    product = open_product(l1c_raster)
    assert product.radiometric_offset["B02"] == -1000
    granule = product.granule
    path = granule.masks[("MSK_DETFOO", "B02")]
    values = gdal.Open(path).ReadAsArray()
    assert values.shape == (120, 120) and set(np.unique(values)) == {6, 7}
    b01 = gdal.Open(granule.masks[("MSK_DETFOO", "B01")]).ReadAsArray()
    assert b01.shape == (20, 20)
    assert not list(l1c_raster.rglob("*.aux.xml"))


def test_toa_values_and_without_datastrip(l1c_gml, tmp_path):
    product = open_product(l1c_gml)
    dn = gdal.Open(product.granule.image("B03")).ReadAsArray()
    scene = Scene.uniform(240, Surface.WATER).with_cloud((0, 60), (0, 60))
    expected = expected_reflectance(scene, "B03", seed=1, baseline="03.01", level="L1C")
    np.testing.assert_allclose(product.reflectance(dn, "B03"), expected, atol=1e-6)
    b10 = product.reflectance(gdal.Open(product.granule.image("B10")).ReadAsArray(), "B10")
    assert b10[:10, :10].mean() > 0.15 and b10[-10:, -10:].mean() < 0.02
    bare = make_l1c(tmp_path, size_10m=60, with_datastrip=False, zip=True)
    reopened = open_product(bare)
    assert product_datastrip(reopened) is None
