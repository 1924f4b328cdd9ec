"""STAC items of real Sentinel-2 L2A products (../shared/data/stac-items) read as granules:
asset keys of each convention, resolutions, CRS, tile, the reflectance harmonisation rule."""
from __future__ import annotations

import copy
import json

import pytest

from s2gm_qgis.core.errors import ProductError
from s2gm_qgis.core.mosaic.sources.stac_items import (
    asset_layer, gdal_path, item_granule, reflectance_offset,
)
from tests.conftest import L2A_METADATA, SHARED

ITEMS = SHARED / "data" / "stac-items"
AWS = SHARED / "data" / "aws-layout"


def load(name: str) -> dict:
    return json.loads((ITEMS / name).read_text())


def no_fetch(href):
    raise AssertionError(f"unexpected fetch of {href}")


def without_metadata(item: dict) -> dict:
    item = copy.deepcopy(item)
    item["assets"].pop("granule_metadata", None)
    return item


N0509 = "stactools_S2A_MSIL2A_20230821T221941_N0509_R029_T01KAB_20230822T021825.json"
N0400 = "stactools_S2B_MSIL2A_20220413T150759_N0400_R025_T33XWJ_20220414T082126.json"
N0214 = "stactools_esa_S2B_MSIL2A_20210122T133229_N0214_R081_T22HBD_20210122T155500.json"
AWS_L2A = "stactools_S2A_OPER_MSI_L2A_TL_2APS_20240108T121951_A044635_T34VEL.json"
ES_V0 = "S2A_28QCH_20200714_0_L2A.json"


@pytest.mark.parametrize("key, expected", [
    ("blue", ("B02", None)), ("red_20m", ("B04", 20)), ("nir08", ("B8A", None)),
    ("coastal_20m", ("B01", 20)), ("scl", ("SCL", None)), ("aot_60m", ("AOT", 60)),
    ("cloud", ("MSK_CLDPRB", None)), ("snow", ("MSK_SNWPRB", None)),
    ("B04_10m", ("B04", 10)), ("SCL_20m", ("SCL", 20)), ("B8A_60m", ("B8A", 60)),
    ("B11", ("B11", None)), ("visual", None), ("granule_metadata", None), ("thumbnail", None),
])
def test_asset_keys_of_each_convention(key, expected):
    assert asset_layer(key) == expected


def test_hrefs_become_gdal_paths():
    assert gdal_path("https://h/x/B04.tif") == "/vsicurl/https://h/x/B04.tif"
    assert gdal_path("s3://eodata/Sentinel-2/x.jp2") == "/vsis3/eodata/Sentinel-2/x.jp2"
    with pytest.raises(ValueError, match="ftp"):
        gdal_path("ftp://h/x.tif")


def test_stactools_item_with_its_granule_metadata():
    """Baseline 05.09, offset -0.1 in raster:bands: ESA's DN, reflectance = (DN - 1000) / 1e4;
    tile geometry and angle grids from the real MTD_TL.xml of the same product."""
    item = load(N0509)
    fetched = []

    def fetch(href):
        fetched.append(href)
        return (L2A_METADATA / "MTD_TL.xml").read_bytes()

    product, granule, absent = item_granule(item, "sentinel-2-l2a", "https://api", fetch)
    assert fetched and fetched[0].endswith("MTD_TL.xml")
    assert product.name == "S2A_MSIL2A_20230821T221941_N0509_R029_T01KAB_20230822T021825"
    assert product.spacecraft == "S2A" and product.relative_orbit == 29
    assert product.quantification_value == 10000.0
    assert product.radiometric_offset["B04"] == -1000.0
    assert product.aot_quantification_value == 1000.0
    assert granule.tile_id == "01KAB" and granule.epsg == 32701
    assert granule.angles is not None and granule.angles.sun is not None
    assert sorted(granule.grids) == [10, 20, 60]
    assert granule.grids[20].ncols == 5490
    # every band at the resolutions Earth Search publishes
    assert {res for (name, res) in granule.images if name == "B04"} == {10, 20, 60}
    assert {res for (name, res) in granule.images if name == "B01"} == {20, 60}
    assert (("SCL", 20) in granule.images) and (("B8A", 20) in granule.images)
    assert granule.images[("B04", 10)].startswith("/vsicurl/")
    assert absent == {"MSK_CLDPRB", "MSK_SNWPRB"}  # this item has no cloud / snow assets


def test_baseline_before_04_has_no_offset_whatever_raster_bands_say():
    item = without_metadata(load(N0214))
    for asset in item["assets"].values():
        for band in asset.get("raster:bands", ()):
            if "offset" in band and band.get("scale") == 0.0001:
                band["offset"] = -0.1  # the wrong offset some pipelines wrote
    product, granule, _ = item_granule(item, "sentinel-2-l2a", "https://api", no_fetch)
    assert product.radiometric_offset["B04"] == 0.0
    assert granule.epsg == 32722 and granule.tile_id == "22HBD"
    # no granule metadata: grids from proj:transform / proj:shape, uniform mean angles
    assert granule.grids[10].ncols == 10980 and granule.grids[10].xdim_m == 10.0
    assert granule.angles is not None and granule.angles.mean_sun_zenith_deg is not None


def test_earth_search_offset_already_applied_is_believed():
    """Element84/earth-search issue 9: ``boa_offset_applied: true`` while raster:bands still
    says -0.1: the DN were shifted already, offset 0."""
    item = without_metadata(load(N0400))
    item["properties"]["earthsearch:boa_offset_applied"] = True
    product, _, _ = item_granule(item, "sentinel-2-l2a", "https://api", no_fetch)
    assert product.radiometric_offset["B02"] == 0.0
    # the same item in another collection (c1-l2a, CDSE): raster:bands apply
    product, _, _ = item_granule(item, "sentinel-2-c1-l2a", "https://api", no_fetch)
    assert product.radiometric_offset["B02"] == -1000.0
    item["properties"]["earthsearch:boa_offset_applied"] = False
    product, _, _ = item_granule(item, "sentinel-2-l2a", "https://api", no_fetch)
    assert product.radiometric_offset["B02"] == -1000.0


@pytest.mark.parametrize("properties, raster_offset, expected", [
    ({"s2:processing_baseline": "03.01"}, -0.1, 0.0),
    ({"s2:processing_baseline": "04.00"}, -0.1, -1000.0),
    ({"s2:processing_baseline": "05.10"}, None, -1000.0),
    ({"processing:version": "05.11"}, -0.1, -1000.0),
    ({"s2:processing_baseline": "02.12"}, None, 0.0),
    ({"datetime": "2021-06-01T10:00:00Z"}, None, 0.0),
    ({"datetime": "2023-06-01T10:00:00Z"}, None, -1000.0),
])
def test_harmonisation_rule(properties, raster_offset, expected):
    assert reflectance_offset(properties, "sentinel-2-c1-l2a", raster_offset, 10000.0) == expected


def test_aws_layout_tile_metadata_as_granule_metadata():
    item = load(AWS_L2A)
    folder = AWS / "S2A_OPER_MSI_L2A_TL_2APS_20240108T121951_A044635_T34VEL"
    product, granule, _ = item_granule(item, "sentinel-2-l2a", "https://api",
                                       lambda href: (folder / "metadata.xml").read_bytes())
    assert granule.tile_id == "34VEL" and granule.epsg == 32634
    assert granule.angles is not None and granule.angles.viewing


def test_earth_search_v0_keys():
    item = without_metadata(load(ES_V0))
    product, granule, _ = item_granule(item, "sentinel-s2-l2a-cogs", "https://api", no_fetch)
    assert granule.tile_id == "28QCH"
    assert ("B04", 10) in granule.images and ("SCL", 20) in granule.images
    assert ("B01", 60) in granule.images


def test_item_without_scl_is_refused_with_its_url():
    item = without_metadata(load(N0400))
    item["assets"] = {k: v for k, v in item["assets"].items() if not k.startswith("scl")}
    item["links"] = [{"rel": "self", "href": "https://api/collections/c/items/x"}]
    with pytest.raises(ProductError, match=r"https://api/collections/c/items/x.*scene class"):
        item_granule(item, "sentinel-2-l2a", "https://api", no_fetch)


def test_l1c_item_is_refused():
    item = without_metadata(load(N0400))
    item["properties"]["s2:product_type"] = "S2MSI1C"
    with pytest.raises(ProductError, match="L2A"):
        item_granule(item, "sentinel-2-l1c", "https://api", no_fetch)
