"""Recognising paths and GDAL/QGIS source strings that lie inside a Sentinel-2 product."""
from __future__ import annotations

import pytest

from s2gm_qgis.core.safe import (
    gdal_subdataset, is_sentinel2_product, open_product, product_path_of, source_path,
    split_vsizip, vsizip_path,
)

N0301_SAFE = "S2A_MSIL1C_20210713T032051_N0301_R032_T48LWP_20210713T054224.SAFE"
N0500_GRANULE = "GRANULE/L1C_T30TXR_A026117_20200622T105647"


def test_source_path_strips_gdal_and_qgis_decorations():
    assert source_path("SENTINEL2_L1C:/p/X.SAFE/MTD_MSIL1C.xml:10m:EPSG_32748") == (
        "/p/X.SAFE/MTD_MSIL1C.xml")
    assert source_path("SENTINEL2_L2A:/vsizip//p/x.zip/X.SAFE/MTD_MSIL2A.xml:20m:EPSG_32701") == (
        "/vsizip//p/x.zip/X.SAFE/MTD_MSIL2A.xml")
    assert source_path('SENTINEL2_L1C:"C:\\data\\X.SAFE\\MTD_MSIL1C.xml":10m:EPSG_32630') == (
        "C:\\data\\X.SAFE\\MTD_MSIL1C.xml")
    assert source_path("/p/QI_DATA/MSK_DETFOO_B02.gml|layername=MaskFeature") == (
        "/p/QI_DATA/MSK_DETFOO_B02.gml")
    assert source_path("/p/B02.jp2") == "/p/B02.jp2"


def test_vsizip_paths():
    assert split_vsizip("/vsizip//a/b.zip/X.SAFE/MTD_MSIL1C.xml") == ("/a/b.zip", "X.SAFE/MTD_MSIL1C.xml")
    assert split_vsizip("/vsizip/{/a/b.zip}/X.SAFE") == ("/a/b.zip", "X.SAFE")
    assert split_vsizip("/vsizip//a/b.zip") == ("/a/b.zip", "")
    assert split_vsizip("/a/b.zip") is None
    assert vsizip_path("/a/b.zip", "X.SAFE/m.xml") == "/vsizip//a/b.zip/X.SAFE/m.xml"


def test_recognised_sources(n0301_zip, n0500_safe, l2a_metadata):
    inside_zip = f"/vsizip/{n0301_zip}/{N0301_SAFE}"
    cases = {
        str(n0301_zip): str(n0301_zip),
        f"{inside_zip}/MTD_MSIL1C.xml": str(n0301_zip),
        f"{inside_zip}/GRANULE/L1C_T48LWP_A031632_20210713T032054/QI_DATA/MSK_DETFOO_B02.gml"
        "|layername=MaskFeature": str(n0301_zip),
        f"SENTINEL2_L1C:{inside_zip}/MTD_MSIL1C.xml:10m:EPSG_32748": str(n0301_zip),
        str(n0500_safe): str(n0500_safe),
        str(n0500_safe / "MTD_MSIL1C.xml"): str(n0500_safe),
        str(n0500_safe / N0500_GRANULE / "IMG_DATA" / "T30TXR_20200622T105631_B04.jp2"): str(n0500_safe),
        str(n0500_safe / N0500_GRANULE / "QI_DATA"): str(n0500_safe),
        f"SENTINEL2_L1C:{n0500_safe}/MTD_MSIL1C.xml:60m:EPSG_32630": str(n0500_safe),
        str(l2a_metadata / "MTD_TL.xml"): str(l2a_metadata),
    }
    for source, product in cases.items():
        assert product_path_of(source) == product, source
        assert is_sentinel2_product(source), source


def test_not_recognised(tmp_path, shared_samples):
    (tmp_path / "a.tif").write_bytes(b"II*\x00")
    for source in (tmp_path / "a.tif", tmp_path, tmp_path / "missing.jp2", shared_samples / "README.md",
                   "SENTINEL2_L1C:/nowhere/MTD_MSIL1C.xml:10m:EPSG_32630", "/vsizip//nowhere.zip/x"):
        assert product_path_of(source) is None, source
        assert not is_sentinel2_product(source), source


def test_gdal_subdataset(n0301_zip, n0500_safe):
    product = open_product(n0301_zip)
    assert gdal_subdataset(product, 20) == (
        f"SENTINEL2_L1C:/vsizip/{n0301_zip}/{N0301_SAFE}/MTD_MSIL1C.xml:20m:EPSG_32748")
    assert gdal_subdataset(open_product(n0500_safe), 60, epsg=32631).endswith(":60m:EPSG_32631")
    with pytest.raises(ValueError):
        gdal_subdataset(product, 30)
