"""Point time series from every source the engine reads: a STAC API over real HTTP on
127.0.0.1 (stac-fastapi-pgstac, nginx assets; rows equal the archive's, a missing asset failing
or skipped), and the real L2A metadata sample of ../shared/data/s2-samples (its BOA offset and
its angle grids give the reflectance and the sun / view zenith at the point)."""
from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from osgeo import gdal

from s2gm_qgis.core.errors import RemoteReadError
from s2gm_qgis.core.mosaic.sources.spec import SourceSpec
from s2gm_qgis.core.timeseries import GeoPoint, point_time_series
from s2gm_qgis.core.timeseries.writers import row
from tests.synthetic import Scene, Surface, make_l2a
from tests.synthetic.stac import publish
from tests.synthetic.tiles import tile_geometry

SIZE = 60
TILE = tile_geometry("32TQM", SIZE)
POINT = GeoPoint(TILE.ulx_m + 210, TILE.uly_m - 330, 32632)


@pytest.fixture(scope="module")
def safes(tmp_path_factory):
    out = tmp_path_factory.mktemp("pts_stac_archive")
    paths = []
    for i, day in enumerate(("2024-06-03", "2024-06-08", "2024-06-13")):
        scene = Scene.uniform(SIZE, Surface.VEGETATION).with_surface((0, 20), None, Surface.SOIL)
        if i == 1:
            scene = scene.with_cloud((20, 40), (0, 60))
        paths.append(make_l2a(out, size_10m=SIZE, date=day, scene=scene, seed=i, fmt="tif"))
    return out, paths


@pytest.fixture
def served(safes, stac_api, stac_collection_id, asset_dir, asset_server):
    _, paths = safes
    items = publish(paths, asset_dir, asset_server.url, "earth-search")
    stac_api.add_collection({
        "type": "Collection", "stac_version": "1.0.0", "id": stac_collection_id,
        "license": "proprietary", "description": "synthetic Sentinel-2 L2A", "links": [],
        "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]},
                   "temporal": {"interval": [["2015-06-23T00:00:00Z", None]]}}})
    for item in items:
        item["collection"] = stac_collection_id
    stac_api.add_items(items)
    return SourceSpec("custom", stac_api.url, stac_collection_id), items


@pytest.mark.parametrize("window", [1, 3])
def test_stac_series_equals_the_archive_series(safes, served, asset_server, window):
    archive, _ = safes
    spec, _ = served
    local = point_time_series([archive], POINT, "2024-06-01", "2024-06-30", 20, window)
    remote = point_time_series(spec, POINT, "2024-06-01", "2024-06-30", 20, window)
    assert [row(o) for o in remote.observations] == [row(o) for o in local.observations]
    assert [o.reject_reason for o in remote.observations] == ["", "scl_class", ""]
    assert remote.source["url"] == spec.url
    assert asset_server.stats().range_requests > 0  # windows, not whole files


def test_a_missing_asset_fails_or_is_skipped(safes, served, asset_dir):
    spec, items = served
    href = items[1]["assets"]["red_20m"]["href"]  # B04 at 20 m
    (asset_dir / href.split("/", 3)[3]).unlink()
    with pytest.raises(RemoteReadError, match=re.escape(href)):
        point_time_series(spec, POINT, "2024-06-01", "2024-06-30")
    series = point_time_series(spec, POINT, "2024-06-01", "2024-06-30", on_read_error="skip")
    assert [o.sensing_time_utc.day for o in series.observations] == [3, 13]
    assert any(href in path for path, _ in series.skipped)


# --------------------------------------------------------------------------------------------
# The real L2A metadata (T01KAB, baseline 05.09) with small rasters beside it
# --------------------------------------------------------------------------------------------

#: The rasters' window: 600 m from (x0, y0) of EPSG:32701, inside the swath.
X0, Y0, WINDOW_M = 99960.0 + 54000.0, 8200000.0 - 54000.0, 600.0
DN = {"B01": 1100, "B02": 1200, "B03": 1300, "B04": 1400, "B05": 1500, "B06": 1600,
      "B07": 1700, "B08": 1800, "B8A": 1900, "B09": 2000, "B11": 2100, "B12": 2200,
      "SCL": 4, "AOT": 150, "MSK_CLDPRB": 12, "MSK_SNWPRB": 3}


def _stand_in(path, layer: str, res: int) -> None:
    """A GeoTIFF (named as the product names it, .jp2) of the window, one value."""
    size = int(WINDOW_M // res)
    dtype = gdal.GDT_Byte if layer in ("SCL", "MSK_CLDPRB", "MSK_SNWPRB") else gdal.GDT_UInt16
    path.parent.mkdir(parents=True, exist_ok=True)
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), size, size, 1, dtype)
    dataset.SetGeoTransform((X0, res, 0.0, Y0, 0.0, -res))
    from osgeo import osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32701)
    dataset.SetProjection(srs.ExportToWkt())
    dataset.GetRasterBand(1).Fill(DN.get(layer, 1))
    dataset = None


@pytest.fixture(scope="module")
def real_l2a(tmp_path_factory, shared_samples):
    from tests.conftest import L2A_METADATA

    folder = tmp_path_factory.mktemp("pacific")
    safe = folder / (L2A_METADATA.name.removesuffix(".metadata") + ".SAFE")
    safe.mkdir()
    shutil.copy(L2A_METADATA / "MTD_MSIL2A.xml", safe)
    product_xml = (L2A_METADATA / "MTD_MSIL2A.xml").read_text(encoding="utf-8")
    for image in re.findall(r"<IMAGE_FILE>(.*?)</IMAGE_FILE>", product_xml):
        layer, res = re.search(r"_([A-Z0-9]+)_(\d\d)m$", image).groups()
        _stand_in(safe / f"{image}.jp2", layer, int(res))
    granule = safe / "GRANULE" / "L2A_T01KAB_A042640_20230821T221944"
    shutil.copy(L2A_METADATA / "MTD_TL.xml", granule)
    tile_xml = (granule / "MTD_TL.xml").read_text(encoding="utf-8")
    for mask in re.findall(r"<MASK_FILENAME[^>]*>(.*?)</MASK_FILENAME>", tile_xml):
        match = re.search(r"(MSK_[A-Z]+)_(\d\d)m", mask)
        layer, res = (match.group(1), int(match.group(2))) if match else ("other", 20)
        _stand_in(safe / mask, layer, res)
    return folder, granule / "MTD_TL.xml"


def _sun_zenith_nodes(tile_xml) -> np.ndarray:
    root = ET.parse(tile_xml).getroot()
    values = next(e for e in root.iter() if e.tag.endswith("Sun_Angles_Grid"))
    zenith = next(e for e in values if e.tag.endswith("Zenith"))
    rows = next(e for e in zenith if e.tag.endswith("Values_List"))
    return np.array([[float(v) for v in r.text.split()] for r in rows])


def _bilinear(nodes: np.ndarray, x: float, y: float) -> float:
    """Nodes every 5 km from the tile's upper-left corner (99960, 8200000)."""
    fc, fr = (x - 99960.0) / 5000.0, (8200000.0 - y) / 5000.0
    c, r = int(fc), int(fr)
    tc, tr = fc - c, fr - r
    top = nodes[r, c] * (1 - tc) + nodes[r, c + 1] * tc
    bottom = nodes[r + 1, c] * (1 - tc) + nodes[r + 1, c + 1] * tc
    return float(top * (1 - tr) + bottom * tr)


def test_real_l2a_metadata_gives_reflectance_and_angles(real_l2a):
    folder, tile_xml = real_l2a
    point = GeoPoint(X0 + 310.0, Y0 - 250.0, 32701)
    series = point_time_series([folder], point, "2023-08-21", "2023-08-21", 20, 1, crs="tile")
    (seen,) = series.observations
    assert seen.product_id == "S2A_MSIL2A_20230821T221941_N0509_R029_T01KAB_20230822T021825"
    assert seen.tile_id == "01KAB" and seen.valid and seen.scl == 4
    # Baseline 05.09: reflectance = (DN - 1000) / 10000 (BOA_ADD_OFFSET of MTD_MSIL2A.xml).
    for band, dn in DN.items():
        if band.startswith("B"):
            assert seen.reflectance[band] == pytest.approx((dn - 1000) / 10000, rel=1e-6), band
    assert seen.aot == pytest.approx(0.15)  # AOT_QUANTIFICATION_VALUE 1000
    assert (seen.cloud_probability_pct, seen.snow_probability_pct) == (12.0, 3.0)
    # The 20 m pixel holding the point: centre (X0 + 310, Y0 - 250).
    x, y = X0 + 310.0, Y0 - 250.0
    assert series.pixel_centre == pytest.approx((x, y)) and series.grid_epsg == 32701
    assert seen.sun_zenith_deg == pytest.approx(_bilinear(_sun_zenith_nodes(tile_xml), x, y),
                                                abs=1e-4)
    assert 0.0 < seen.view_zenith_deg < 11.0
    # In the mosaic's UTM grid the point is in zone 60 (west of 180 deg): a warped read of the
    # same product, the same constant values, angles at that pixel's centre.
    utm = point_time_series([folder], point, "2023-08-21", "2023-08-21", 20, 1)
    assert utm.grid_epsg == 32760
    assert utm.observations[0].reflectance == seen.reflectance
    assert utm.observations[0].sun_zenith_deg == pytest.approx(seen.sun_zenith_deg, abs=0.01)
