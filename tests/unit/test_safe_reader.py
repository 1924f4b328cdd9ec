"""open_product on the real samples of ../shared/data/s2-samples (values read off their XML)."""
from __future__ import annotations

import math
import os
from datetime import datetime, timezone

import numpy as np
import pytest

from s2gm_qgis.core.errors import ProductError
from s2gm_qgis.core.safe import open_product, read_tile_angles

N0301_NAME = "S2A_MSIL1C_20210713T032051_N0301_R032_T48LWP_20210713T054224"
N0301_GRANULE = "GRANULE/L1C_T48LWP_A031632_20210713T032054"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def n0301(n0301_zip):
    return open_product(n0301_zip)


def test_n0301_zip_read_in_place(n0301, n0301_zip):
    p = n0301
    assert p.path == str(n0301_zip)
    assert p.root == f"/vsizip/{n0301_zip}/{N0301_NAME}.SAFE"
    assert p.metadata_path == f"{p.root}/MTD_MSIL1C.xml"
    assert p.name == N0301_NAME
    assert (p.level, p.spacecraft, p.processing_baseline, p.layout) == ("L1C", "S2A", "03.01", "compact")
    assert p.sensing_start_utc == utc(2021, 7, 13, 3, 20, 51, 24000)
    assert p.relative_orbit == 32 and p.orbit_direction == "DESCENDING"
    assert p.quantification_value == 10000.0
    # Before baseline 04.00 there is no offset.
    assert set(p.radiometric_offset.values()) == {0.0} and len(p.radiometric_offset) == 13
    assert p.aot_quantification_value is None
    assert p.cloud_cover_pct == pytest.approx(98.9175)
    assert p.footprint_lonlat[0] == pytest.approx((105.02791703905606, -10.943885972658917))
    assert p.datastrip_problem is None
    assert p.datastrip_path == (
        f"{p.root}/DATASTRIP/DS_VGS4_20210713T054224_S20210713T032054/MTD_DS.xml"
    )


def test_n0301_tile(n0301):
    g = n0301.granule
    assert len(n0301.granules) == 1 and n0301.selected_granule == 0
    assert g.tile_id == "48LWP" and g.epsg == 32748
    assert g.granule_id == "S2A_OPER_MSI_L1C_TL_VGS4_20210713T054224_A031632_T48LWP_N03.01"
    assert g.datastrip_id == "S2A_OPER_MSI_L1C_DS_VGS4_20210713T054224_S20210713T032054_N03.01"
    assert g.sensing_time_utc == utc(2021, 7, 13, 3, 21, 4, 397174)
    assert g.metadata_path == f"{n0301.root}/{N0301_GRANULE}/MTD_TL.xml"
    assert sorted(g.grids) == [10, 20, 60]
    assert g.grids[10].geotransform == (499980.0, 10.0, 0.0, 8900020.0, 0.0, -10.0)
    assert (g.grids[10].nrows, g.grids[20].ncols, g.grids[60].nrows) == (10980, 5490, 1830)
    assert g.grids[60].bounds_m == (499980.0, 8900020.0 - 109800.0, 499980.0 + 109800.0, 8900020.0)


def test_n0301_images_resolved_from_image_file(n0301):
    g = n0301.granule
    # 13 bands at their native resolution + TCI; IMAGE_FILE has no extension: .jp2 found.
    assert len(g.images) == 14 and not g.missing_images
    assert g.images[("B02", 10)] == (
        f"{n0301.root}/{N0301_GRANULE}/IMG_DATA/T48LWP_20210713T032051_B02.jp2"
    )
    assert ("B8A", 20) in g.images and ("B10", 60) in g.images and ("TCI", 10) in g.images
    assert g.image("B01") == g.images[("B01", 60)]


def test_n0301_masks(n0301):
    g = n0301.granule
    # 13 bands x (DEFECT, DETFOO, NODATA, SATURA, TECQUA) + MSK_CLOUDS for the whole tile.
    assert len(g.masks) == 66 and not g.missing_masks
    assert g.mask("MSK_DETFOO", "B02") == f"{n0301.root}/{N0301_GRANULE}/QI_DATA/MSK_DETFOO_B02.gml"
    assert g.masks[("MSK_CLOUDS", None)].endswith("/QI_DATA/MSK_CLOUDS_B00.gml")
    with pytest.raises(ProductError, match="missing mask: no MSK_CLDPRB 20m listed"):
        g.mask("MSK_CLDPRB", "20m")


def test_n0301_angles(n0301):
    angles = read_tile_angles(n0301.granule)
    assert angles is n0301.granule.angles
    assert angles.sun.zenith_deg.shape == (23, 23)
    assert angles.sun.zenith_deg[0, 0] == pytest.approx(40.8607)
    assert angles.sun.zenith_deg[1, 0] == pytest.approx(40.894)
    assert (angles.sun.ulx_m, angles.sun.uly_m, angles.sun.col_step_m) == (499980.0, 8900020.0, 5000.0)
    assert angles.mean_sun_zenith_deg == pytest.approx(40.9276677669808)
    assert angles.mean_sun_azimuth_deg == pytest.approx(37.8903447301577)
    assert angles.mean_viewing_deg["B01"] == pytest.approx((3.3701705195723, 141.70880635687))
    # 13 bands x 6 detectors (3..8) cross this tile.
    assert len(angles.viewing) == 78
    assert {d for (_, d) in angles.viewing} == {3, 4, 5, 6, 7, 8}
    b01_d3 = angles.viewing[("B01", 3)].zenith_deg
    assert math.isnan(b01_d3[0, 0])
    assert b01_d3[4, 0] == pytest.approx(6.78325) and b01_d3[4, 2] == pytest.approx(6.02908)
    assert not b01_d3.flags.writeable


def test_n0500_cropped_folder_with_raster_masks(n0500_safe):
    p = open_product(n0500_safe)
    g = p.granule
    assert p.path == str(n0500_safe) and p.root == str(n0500_safe)
    assert (p.level, p.spacecraft, p.processing_baseline) == ("L1C", "S2A", "05.00")
    assert p.sensing_start_utc == utc(2020, 6, 22, 10, 56, 31, 24000)
    assert (p.relative_orbit, p.orbit_direction) == (94, "ASCENDING")
    assert p.radiometric_offset["B02"] == -1000.0 and p.radiometric_offset["B12"] == -1000.0
    assert p.cloud_cover_pct == 0.0
    assert p.datastrip_path is None and "no DATASTRIP" in p.datastrip_problem
    assert (g.tile_id, g.epsg) == ("30TXR", 32630)
    assert g.sensing_time_utc == utc(2020, 6, 22, 11, 8, 38, 840367)
    assert (g.grids[10].ulx_m, g.grids[10].uly_m) == (600000.0, 5100000.0)
    # Only B02 and B04 are present: the other 12 listed images are reported, not fatal.
    assert sorted(g.images) == [("B02", 10), ("B04", 10)]
    assert len(g.missing_images) == 12 and ("TCI", 10) in g.missing_images
    assert g.mask("MSK_DETFOO", "B04") == os.path.join(
        str(n0500_safe), "GRANULE/L1C_T30TXR_A026117_20200622T105647/QI_DATA/MSK_DETFOO_B04.jp2"
    )
    # MSK_QUALIT is listed in MTD_TL.xml but not shipped in the cropped sample.
    with pytest.raises(ProductError, match="missing mask: MSK_QUALIT B02 is listed") as info:
        g.mask("MSK_QUALIT", "B02")
    assert info.value.path.endswith("QI_DATA/MSK_QUALIT_B02.jp2")
    assert g.angles.sun.zenith_deg[0, 0] == pytest.approx(25.6982)
    assert g.angles.mean_sun_zenith_deg == pytest.approx(25.0026349326874)
    assert len(g.angles.viewing) == 91
    dn = np.array([0, 1000, 2000, 11000], dtype=np.uint16)
    refl = p.reflectance(dn, "B02")
    assert math.isnan(refl[0]) and refl[1:].tolist() == pytest.approx([0.0, 0.1, 1.0])


def test_l2a_metadata_folder_without_rasters(l2a_metadata):
    p = open_product(l2a_metadata)
    g = p.granule
    assert p.path == str(l2a_metadata)
    assert p.name == "S2A_MSIL2A_20230821T221941_N0509_R029_T01KAB_20230822T021825"
    assert (p.level, p.spacecraft, p.processing_baseline) == ("L2A", "S2A", "05.09")
    assert p.sensing_start_utc == utc(2023, 8, 21, 22, 19, 41, 24000)
    assert (p.relative_orbit, p.orbit_direction) == (29, "DESCENDING")
    assert p.quantification_value == 10000.0
    assert p.aot_quantification_value == 1000.0 and p.wvp_quantification_value == 1000.0
    assert p.radiometric_offset["B8A"] == -1000.0
    assert p.cloud_cover_pct == pytest.approx(59.050727)
    assert p.datastrip_path is None and p.datastrip_problem
    assert (g.tile_id, g.epsg) == ("01KAB", 32701)
    assert g.metadata_path == os.path.join(str(l2a_metadata), "MTD_TL.xml")
    assert (g.grids[20].ulx_m, g.grids[20].uly_m, g.grids[20].nrows) == (99960.0, 8200000.0, 5490)
    # No rasters: every listed image and mask is reported as absent.
    assert not g.images and not g.masks
    assert len(g.missing_images) == 36
    assert ("SCL", 20) in g.missing_images and ("AOT", 10) in g.missing_images
    assert ("B02", 60) in g.missing_images and ("WVP", 20) in g.missing_images
    assert ("MSK_CLDPRB", "20m") in g.missing_masks and ("MSK_SNWPRB", "60m") in g.missing_masks
    assert ("MSK_CLASSI", None) in g.missing_masks
    with pytest.raises(ProductError, match="missing mask"):
        g.mask("MSK_DETFOO", "B02")
    assert g.angles.sun.zenith_deg[0, 0] == pytest.approx(38.4066)
    assert len(g.angles.viewing) == 78


def test_open_from_a_file_inside(n0301_zip, n0500_safe, l2a_metadata):
    inside_zip = f"/vsizip/{n0301_zip}/{N0301_NAME}.SAFE/{N0301_GRANULE}/IMG_DATA/T48LWP_20210713T032051_B03.jp2"
    assert open_product(inside_zip).path == str(n0301_zip)
    band = n0500_safe / "GRANULE/L1C_T30TXR_A026117_20200622T105647/IMG_DATA/T30TXR_20200622T105631_B02.jp2"
    assert open_product(band).path == str(n0500_safe)
    assert open_product(n0500_safe / "MTD_MSIL1C.xml").path == str(n0500_safe)
    tile_md = n0500_safe / "GRANULE/L1C_T30TXR_A026117_20200622T105647/MTD_TL.xml"
    assert open_product(tile_md).granule.tile_id == "30TXR"
    assert open_product(l2a_metadata / "MTD_TL.xml").granule.tile_id == "01KAB"
    sub = f"SENTINEL2_L1C:{n0500_safe}/MTD_MSIL1C.xml:10m:EPSG_32630"
    assert open_product(sub).path == str(n0500_safe)


def test_tile_argument(n0500_safe):
    assert open_product(n0500_safe, tile="T30TXR").granule.tile_id == "30TXR"
    with pytest.raises(ProductError, match="tile '31TCJ' is not in the product"):
        open_product(n0500_safe, tile="31TCJ")
