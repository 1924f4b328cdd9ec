"""Synthetic L2A products: real layout and metadata, read back by the product reader and GDAL,
values equal to what the Scene says (issue: synthetic Sentinel-2 generator)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from s2gm_qgis.core.safe import open_product
from tests.synthetic import (Scene, Surface, expected_layer, expected_reflectance, make_l2a,
                             make_l2a_overlap, make_l2a_series)
from tests.synthetic.radiometry import SPECTRA

gdal.UseExceptions()


def _read(path: str) -> np.ndarray:
    ds = gdal.Open(path)
    return ds.ReadAsArray()


def _local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


@pytest.fixture(scope="module")
def mixed_scene() -> Scene:
    return (Scene.uniform(240, Surface.VEGETATION)
            .with_surface((120, 240), (0, 120), Surface.WATER)
            .with_surface((120, 240), (120, 240), Surface.SOIL)
            .with_surface((0, 60), (180, 240), Surface.SNOW)
            .with_cloud((0, 60), (0, 60))
            .with_cloud((60, 120), (0, 60), medium=True)
            .with_cloud((0, 30), (60, 120), as_snow=True)
            .with_shadow((60, 120), (60, 120))
            .with_haze((60, 120), (120, 180))
            .with_cirrus((180, 240), (180, 240))
            .with_saturated((234, 240), (0, 6))
            .with_nodata((234, 240), (234, 240)))


@pytest.fixture(scope="module")
def l2a(tmp_path_factory, mixed_scene) -> Path:
    return make_l2a(tmp_path_factory.mktemp("l2a"), scene=mixed_scene, seed=3)


def test_name_layout_and_no_sidecars(l2a):
    assert l2a.name == "S2B_MSIL2A_20240612T103629_N0510_R008_T32TQM_20240612T134016.SAFE"
    granule = next((l2a / "GRANULE").iterdir())
    assert granule.name.startswith("L2A_T32TQM_A")
    r10 = sorted(p.name for p in (granule / "IMG_DATA" / "R10m").iterdir())
    assert "T32TQM_20240612T103629_B02_10m.jp2" in r10
    assert not list(l2a.rglob("*.aux.xml"))
    assert (granule / "QI_DATA" / "MSK_CLDPRB_20m.jp2").is_file()


def test_reader_round_trip(l2a):
    product = open_product(l2a)
    assert (product.level, product.spacecraft, product.processing_baseline) == ("L2A", "S2B",
                                                                                "05.10")
    assert product.relative_orbit == 8
    assert product.quantification_value == 10000
    assert product.radiometric_offset["B04"] == -1000
    assert product.aot_quantification_value == 1000
    granule = product.granule
    assert granule.tile_id == "32TQM" and granule.epsg == 32632
    assert granule.grids[10].ulx_m == 699960 and granule.grids[10].uly_m == 4700040
    assert (granule.grids[10].nrows, granule.grids[20].nrows, granule.grids[60].nrows) == (
        240, 120, 40)
    assert ("B08", 10) in granule.images and ("SCL", 20) in granule.images
    assert ("B10", 60) not in granule.images
    assert ("MSK_CLDPRB", "20m") in granule.masks
    angles = granule.angles
    assert angles.sun.zenith_deg.shape == (23, 23)
    assert 15 < angles.mean_sun_zenith_deg < 30  # June, 42 N, late morning
    assert any(np.isnan(g.zenith_deg).any() for g in angles.viewing.values())
    for grid in angles.viewing.values():
        assert np.nanmax(grid.zenith_deg) < 12.5


def test_cloud_cover_follows_scl(l2a, mixed_scene):
    product = open_product(l2a)
    scl = expected_layer(mixed_scene, "SCL", 20)
    valid = scl[scl != 0]
    assert product.cloud_cover_pct == pytest.approx(
        100 * np.isin(valid, (8, 9, 10)).mean(), abs=0.01)


def test_reflectances_match_scene(l2a, mixed_scene):
    product = open_product(l2a)
    for band, res in (("B02", 10), ("B04", 10), ("B08", 10), ("B11", 20), ("B02", 20),
                      ("B01", 60), ("B8A", 60)):
        dn = _read(product.granule.image(band, res))
        refl = product.reflectance(dn, band)
        expected = expected_reflectance(mixed_scene, band, res, seed=3)
        np.testing.assert_array_equal(np.isnan(refl), np.isnan(expected))
        np.testing.assert_allclose(refl, expected, atol=1e-6, equal_nan=True)
    b04 = product.reflectance(_read(product.granule.image("B04", 10)), "B04")
    b08 = product.reflectance(_read(product.granule.image("B08", 10)), "B08")
    soil = b04[150:170, 130:150]
    assert abs(np.median(soil) - SPECTRA["B04"][1]) < 0.01
    ndvi = (b08 - b04) / (b08 + b04)
    assert np.nanmedian(ndvi[130:170, 60:110]) < 0  # water
    assert np.nanmedian(ndvi[120:180, 120:180]) > 0  # soil, slightly positive
    assert np.nanmedian(ndvi[0:60, 120:180]) > 0.7  # clear vegetation
    dn = _read(product.granule.image("B02", 10))
    assert (dn[234:, 234:] == 0).all() and (dn[234:, :6] == 65535).all()


def test_scl_and_probabilities_follow_scene(l2a, mixed_scene):
    granule = open_product(l2a).granule
    scl = _read(granule.image("SCL", 20))
    np.testing.assert_array_equal(scl, expected_layer(mixed_scene, "SCL", 20))
    assert scl[0, 0] == 9 and scl[0, 35] == 11 and scl[35, 5] == 8 and scl[35, 35] == 3
    assert scl[35, 75] == 4  # haze keeps the ground's class
    assert scl[100, 100] == 10 and scl[0, 110] == 11 and scl[80, 10] == 6
    assert scl[119, 0] == 1 and scl[119, 119] == 0
    cld = _read(granule.masks[("MSK_CLDPRB", "20m")])
    assert cld[0, 0] >= 90 and cld[80, 80] == 0 and cld[35, 75] > 0
    snw = _read(granule.masks[("MSK_SNWPRB", "20m")])
    assert snw[0, 110] >= 80 and snw[0, 35] > 50 and snw[80, 80] == 0
    aot = _read(granule.image("AOT", 20))
    assert aot[80, 10] == 100 and aot[35, 75] == 400


def test_cloud_and_snow_spectra_are_told_apart(l2a):
    product = open_product(l2a)
    band = {b: product.reflectance(_read(product.granule.image(b, 20)), b)
            for b in ("B03", "B11")}
    ndsi = (band["B03"] - band["B11"]) / (band["B03"] + band["B11"])
    assert np.nanmedian(ndsi[0:30, 0:30]) < 0.3  # cloud, even where SCL says snow
    assert np.nanmedian(ndsi[0:30, 95:120]) > 0.6  # real snow


def test_metadata_matches_real_structure(l2a, l2a_metadata):
    ours = ET.parse(l2a / "MTD_MSIL2A.xml").getroot()
    real = ET.parse(l2a_metadata / "MTD_MSIL2A.xml").getroot()
    assert _local(ours) == _local(real)
    assert [_local(e) for e in ours] == [_local(e) for e in real]
    assert all(e.tag.startswith("{") for e in ours)
    assert not any(e.tag.startswith("{") for child in ours for e in child.iter()
                   if e is not child)
    files = [e.text for e in ours.iter("IMAGE_FILE")]
    assert all("." not in Path(f).name for f in files)
    offsets = ours.findall(".//BOA_ADD_OFFSET")
    assert len(offsets) == 13 and {o.text for o in offsets} == {"-1000"}
    tile = ET.parse(next((l2a / "GRANULE").glob("*/MTD_TL.xml"))).getroot()
    real_tile = ET.parse(l2a_metadata / "MTD_TL.xml").getroot()
    assert [_local(e) for e in tile] == [_local(e) for e in real_tile]
    grids = tile.findall(".//Viewing_Incidence_Angles_Grids")
    assert {g.get("bandId") for g in grids} == {str(i) for i in range(13)}


def test_old_baseline_has_no_offset(tmp_path):
    scene = Scene.uniform(60, Surface.SOIL)
    path = make_l2a(tmp_path, size_10m=60, baseline="02.14", scene=scene)
    product = open_product(path)
    assert product.radiometric_offset.get("B04", 0) == 0
    assert ET.parse(path / "MTD_MSIL2A.xml").getroot().find(".//BOA_ADD_OFFSET") is None
    dn = _read(product.granule.image("B04", 10))
    assert abs(np.median(dn) - SPECTRA["B04"][1] * 10000) < 100


def test_tif_and_zip(tmp_path):
    path = make_l2a(tmp_path, size_10m=60, fmt="tif", zip=True, spacecraft="S2A",
                    date="2023-08-21T22:19:41", tile="01KAB")
    assert path.suffix == ".zip" and not path.with_suffix(".SAFE").exists()
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    assert any(n.endswith("_B02_10m.tif") for n in names)
    product = open_product(path)
    assert product.granule.epsg == 32701
    assert product.granule.grids[10].ulx_m == 99960
    dn = _read(product.granule.image("B03", 10))
    assert dn.shape == (60, 60)


def test_series_and_noise(tmp_path):
    scene = Scene.uniform(60).with_cloud((0, 30), (0, 30))
    paths = make_l2a_series(tmp_path, ["2024-06-02T10:36:29", "2024-06-12T10:36:29",
                                       "2024-06-22T10:36:29"], scene, size_10m=60)
    assert len({p.name for p in paths}) == 3
    b08 = [_read(open_product(p).granule.image("B08", 10)) for p in paths]
    assert not np.array_equal(b08[0], b08[1])  # the noise differs between dates
    assert abs(int(np.median(b08[0])) - int(np.median(b08[1]))) < 60


def test_same_date_overlap(tmp_path):
    north, south = make_l2a_overlap(tmp_path, size_10m=60, scenes=(
        Scene.uniform(60).with_aot(0.1), Scene.uniform(60).with_aot(0.3)))
    a, b = open_product(north).granule, open_product(south).granule
    assert (a.tile_id, b.tile_id) == ("32TQM", "32TQL")
    assert a.grids[10].bounds_m == b.grids[10].bounds_m
    assert _read(a.image("AOT", 20))[0, 0] == 100 and _read(b.image("AOT", 20))[0, 0] == 300


def test_swath_edge_view_zenith(tmp_path):
    path = make_l2a(tmp_path, size_10m=60, swath_edge=True)
    angles = open_product(path).granule.angles
    node0 = np.nanmean([g.zenith_deg[0, 0] for (b, _), g in angles.viewing.items()])
    node1 = np.nanmean([g.zenith_deg[0, 1] for (b, _), g in angles.viewing.items()])
    assert node0 < 11.0 < node1


def test_bad_input_is_named(tmp_path):
    with pytest.raises(ValueError, match="size_10m"):
        make_l2a(tmp_path, size_10m=100)
    with pytest.raises(ValueError, match="scene shape"):
        make_l2a(tmp_path, size_10m=60, scene=Scene.uniform(120))
    with pytest.raises(ValueError, match="Surface"):
        Scene(surface=np.zeros((6, 6), np.uint8))
    with pytest.raises(ValueError, match="column letter"):
        make_l2a(tmp_path, tile="32TAM")
