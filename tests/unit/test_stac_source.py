"""Mosaics from a STAC API over real HTTP on 127.0.0.1: stac-fastapi-pgstac (the server CDSE
runs) answering POST /search with paging, nginx serving COG / JPEG 2000 assets with Range
requests read by GDAL over /vsicurl/ and /vsis3/, and a fault proxy for 5xx, 429, paging
loops, truncated bodies and slow answers. The assets are synthetic products with known pixels,
so the mosaic from the catalogue must equal, pixel for pixel, the archive's mosaic."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from s2gm_qgis.core.errors import CancelledError, NoProductsError, RemoteReadError, SourceError
from s2gm_qgis.core.mosaic.engine import run_mosaic
from s2gm_qgis.core.mosaic.order import MosaicOrder
from s2gm_qgis.core.mosaic.sources import network
from s2gm_qgis.core.mosaic.sources.spec import SourceSpec
from s2gm_qgis.core.mosaic.sources.stac import preview_scenes, test_connection as connect
from tests.synthetic.stac import publish

REPO = Path(__file__).resolve().parents[2]
DATES = ("2024-06-03T10:36:29", "2024-06-08T10:36:29", "2024-06-13T10:36:29",
         "2024-06-18T10:36:29", "2024-06-23T10:36:29")
BANDS = ("B02,B04,B8A,B11,AOT,CLOUD,SNOW,SCENE,view_zenith_mean,sun_azimuth,INDEX,VALID_OBS,"
         "MEDOID_MOS")


@pytest.fixture(scope="module")
def products(tmp_path_factory):
    """Five synthetic L2A products of one tile (clouds on two dates) and the AOI inside."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("demo", REPO / "tests" / "demo.py")
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    archive = tmp_path_factory.mktemp("archive")
    demo.make_archive(archive)
    return archive, sorted(archive.glob("*.SAFE")), demo.aoi_geojson()


def order_of(aoi, **fields):
    return MosaicOrder.create(name="stac", aoi=aoi, period="month", start="2024-06-01",
                              resolution_m=20, bands=BANDS, **fields)


@pytest.fixture(scope="module")
def archive_mosaic(products, tmp_path_factory):
    archive, _, aoi = products
    return run_mosaic(order_of(aoi), [archive], tmp_path_factory.mktemp("reference"))


def collection(cid):
    return {"type": "Collection", "stac_version": "1.0.0", "id": cid, "license": "proprietary",
            "description": "synthetic Sentinel-2 L2A", "links": [],
            "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]},
                       "temporal": {"interval": [["2015-06-23T00:00:00Z", None]]}}}


def serve(stac_api, cid, items):
    stac_api.add_collection(collection(cid))
    for item in items:
        item["collection"] = cid
    stac_api.add_items(items)


def layers_of(result):
    return {name: gdal.Open(str(paths[0])).ReadAsArray() for name, paths in result.files.items()}


def assert_same_pixels(result, reference, *, except_layers=()):
    got, expected = layers_of(result), layers_of(reference)
    assert set(got) == set(expected)
    for name in expected:
        if name in except_layers:
            continue
        np.testing.assert_array_equal(got[name], expected[name], err_msg=name)


def test_mosaic_from_stac_equals_the_archive_mosaic(products, archive_mosaic, stac_api,
                                                    stac_collection_id, asset_dir,
                                                    asset_server, tmp_path):
    _, safes, aoi = products
    items = publish(safes, asset_dir, asset_server.url, "earth-search")
    serve(stac_api, stac_collection_id, items)
    stac_api.max_page_size = 2  # three pages for five items
    try:
        spec = SourceSpec("custom", stac_api.url, stac_collection_id)
        messages = []
        result = run_mosaic(order_of(aoi, source=spec.to_dict()), (), tmp_path / "out",
                            progress=lambda f, m: messages.append(m))
    finally:
        stac_api.max_page_size = None
    assert_same_pixels(result, archive_mosaic)
    assert len(result.source_products) == 5
    assert all(p["path"].startswith(stac_api.url) for p in result.source_products)
    meta = json.loads(result.metadata_path.read_text())
    assert meta["source"]["url"] == stac_api.url
    assert any(m.startswith("searching") for m in messages)
    assert any(m.startswith("block") and "reading" in m for m in messages)
    stats = asset_server.stats()
    assert stats.range_requests > 0  # windows, not whole files


def test_earth_search_items_with_the_offset_already_applied(products, archive_mosaic, stac_api,
                                                            asset_dir, asset_server, tmp_path):
    """Items of Earth Search's sentinel-2-l2a collection whose COGs had the BOA offset added
    (DN - 1000) while raster:bands still says -0.1: read by the documented rule, the mosaic is
    the archive's."""
    _, safes, aoi = products
    stac_api.delete_collection("sentinel-2-l2a")
    items = publish(safes, asset_dir, asset_server.url, "earth-search-shifted")
    serve(stac_api, "sentinel-2-l2a", items)
    try:
        spec = SourceSpec("custom", stac_api.url, "sentinel-2-l2a")
        result = run_mosaic(order_of(aoi, source=spec.to_dict()), (), tmp_path / "out")
    finally:
        stac_api.delete_collection("sentinel-2-l2a")
    assert_same_pixels(result, archive_mosaic)


def test_cdse_items_over_s3(products, archive_mosaic, stac_api, stac_collection_id, asset_dir,
                            asset_server, tmp_path, monkeypatch):
    """CDSE's layout: JPEG 2000 files on s3://eodata read through /vsis3/ with the user's keys
    (an S3 path-style endpoint on 127.0.0.1 here). No cloud / snow probability assets: those
    two layers are no data, every other layer equals the archive mosaic."""
    _, safes, aoi = products
    items = publish(safes, asset_dir, asset_server.url, "cdse")
    serve(stac_api, stac_collection_id, items)
    monkeypatch.setenv("AWS_S3_ENDPOINT", asset_server.url.split("://", 1)[1])
    monkeypatch.setenv("AWS_HTTPS", "NO")
    network.set_s3_credentials(asset_server.url.split("://", 1)[1], "test-key", "test-secret")
    try:
        spec = SourceSpec("cdse", stac_api.url, stac_collection_id)
        result = run_mosaic(order_of(aoi, source=spec.to_dict()), (), tmp_path / "out")
    finally:
        network.clear_s3_credentials()
    assert_same_pixels(result, archive_mosaic,
                       except_layers=("quality_cloud_confidence", "quality_snow_confidence"))
    cloud = gdal.Open(str(result.files["quality_cloud_confidence"][0])).ReadAsArray()
    assert (cloud == 255).all()  # no data, not a made-up 0 %
    assert all(r.uri.startswith("/eodata/") for r in asset_server.requests())
    assert "test-secret" not in result.metadata_path.read_text()


@pytest.fixture
def catalogue(products, stac_api, stac_collection_id, asset_dir, asset_server):
    _, safes, aoi = products
    items = publish(safes, asset_dir, asset_server.url, "earth-search")
    serve(stac_api, stac_collection_id, items)
    return stac_collection_id, aoi, items


def test_preview_and_connection(catalogue, stac_api):
    cid, aoi, _ = catalogue
    spec = SourceSpec("custom", stac_api.url, cid)
    order = order_of(aoi)
    scenes = preview_scenes(spec, order.aoi, order.interval.start, order.interval.end)
    assert [s.sensing_time_utc.day for s in scenes] == [3, 8, 13, 18, 23]
    assert {s.tile_id for s in scenes} == {"32TQM"}
    report = connect(spec)
    assert report.collection_found and cid in report.message
    missing = connect(SourceSpec("custom", stac_api.url, "no-such-collection"))
    assert not missing.collection_found and "no-such-collection" in missing.message


def test_cloud_ceiling_and_empty_period(catalogue, stac_api, tmp_path):
    cid, aoi, items = catalogue
    ceiling = sorted(i["properties"]["eo:cloud_cover"] for i in items)[2]
    spec = SourceSpec("custom", stac_api.url, cid, max_cloud_pct=ceiling)
    order = order_of(aoi)
    scenes = preview_scenes(spec, order.aoi, order.interval.start, order.interval.end)
    assert scenes and all(s.cloud_cover_pct <= ceiling for s in scenes)
    july = MosaicOrder.create(aoi=aoi, period="month", start="2024-07-01", resolution_m=20,
                              source=SourceSpec("custom", stac_api.url, cid).to_dict())
    with pytest.raises(NoProductsError, match=stac_api.url):
        run_mosaic(july, (), tmp_path / "out")
    assert not list((tmp_path / "out").iterdir())


def test_search_recovers_from_500_and_429(catalogue, stac_api, fault_proxy_factory, tmp_path):
    cid, aoi, _ = catalogue
    proxy = fault_proxy_factory(stac_api.url)
    proxy.fail(r"/search$", status=500, times=2)
    proxy.fail(r"/search$", status=429, times=1, retry_after=0)
    spec = SourceSpec("custom", proxy.url, cid)
    result = run_mosaic(order_of(aoi, source=spec.to_dict()), (), tmp_path / "out")
    assert len(result.source_products) == 5
    statuses = [r.status for r in proxy.requests(r"/search$")]
    assert statuses[:4] == [500, 500, 429, 200]


def test_search_errors_name_the_url(catalogue, stac_api, fault_proxy_factory, tmp_path):
    cid, aoi, _ = catalogue
    proxy = fault_proxy_factory(stac_api.url)
    proxy.fail(r"/search$", status=400, times=None)
    spec = SourceSpec("custom", proxy.url, cid)
    with pytest.raises(SourceError, match=rf"{proxy.url}/search: HTTP 400"):
        run_mosaic(order_of(aoi, source=spec.to_dict()), (), tmp_path / "out")
    proxy.reset()
    proxy.fail(r"/search$", status=503, times=None)
    with pytest.raises(SourceError, match="failed 5 times"):
        run_mosaic(order_of(aoi, source=spec.to_dict()), (), tmp_path / "out")
    assert not list((tmp_path / "out").iterdir())


def test_paging_loop_is_an_error(catalogue, stac_api, fault_proxy_factory, tmp_path):
    cid, aoi, _ = catalogue
    stac_api.max_page_size = 2
    proxy = fault_proxy_factory(stac_api.url)
    proxy.loop_paging()
    try:
        with pytest.raises(SourceError, match="paging loop"):
            run_mosaic(order_of(aoi, source=SourceSpec("custom", proxy.url, cid).to_dict()),
                       (), tmp_path / "out")
    finally:
        stac_api.max_page_size = None
    assert len(proxy.requests(r"/search$")) <= 3


def _break_asset(items, asset_dir, key="red_20m", index=2):
    href = items[index]["assets"][key]["href"]
    rel = href.split("/", 3)[3]
    return asset_dir / rel, href


def test_missing_asset_fails_the_order_naming_it(catalogue, stac_api, asset_dir, tmp_path):
    cid, aoi, items = catalogue
    path, href = _break_asset(items, asset_dir)
    path.unlink()
    spec = SourceSpec("custom", stac_api.url, cid)
    with pytest.raises(RemoteReadError, match=href):
        run_mosaic(order_of(aoi, source=spec.to_dict()), (), tmp_path / "out")
    assert not list((tmp_path / "out").iterdir())  # nothing half-written


def test_missing_asset_skipped_when_the_order_says_so(catalogue, stac_api, asset_dir, tmp_path):
    cid, aoi, items = catalogue
    path, href = _break_asset(items, asset_dir)
    path.unlink()
    spec = SourceSpec("custom", stac_api.url, cid)
    result = run_mosaic(order_of(aoi, source=spec.to_dict(), on_read_error="skip"), (),
                        tmp_path / "out")
    meta = json.loads(result.metadata_path.read_text())
    (skipped,) = meta["skipped_observations"]
    assert skipped["asset"].endswith(href) and skipped["index"] == 2
    index = gdal.Open(str(result.files["source_index"][0])).ReadAsArray()
    assert 2 not in np.unique(index)  # never chosen: its pixels were not read
    assert any(href in path for path, _ in result.skipped)


def test_truncated_asset_fails_naming_it(catalogue, stac_api, asset_dir, tmp_path):
    cid, aoi, items = catalogue
    path, href = _break_asset(items, asset_dir, key="scl")
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 3])
    spec = SourceSpec("custom", stac_api.url, cid)
    with pytest.raises(RemoteReadError, match=href):
        run_mosaic(order_of(aoi, source=spec.to_dict()), (), tmp_path / "out")
    assert not list((tmp_path / "out").iterdir())


def test_asset_500_then_recovery(catalogue, stac_api, asset_server, fault_proxy_factory,
                                 tmp_path, products, archive_mosaic):
    """A flaky asset host (500 on the first requests of a file) is retried: same mosaic."""
    cid, aoi, items = catalogue
    proxy = fault_proxy_factory(asset_server.url)
    for item in items:
        for asset in item["assets"].values():
            asset["href"] = asset["href"].replace(asset_server.url, proxy.url)
    stac_api.add_items(items)
    proxy.fail(r"B04_20m\.tif$", status=500, times=3)
    spec = SourceSpec("custom", stac_api.url, cid)
    result = run_mosaic(order_of(aoi, source=spec.to_dict()), (), tmp_path / "out")
    assert_same_pixels(result, archive_mosaic)
    assert [r.status for r in proxy.requests(r"B04_20m\.tif$")][:3] == [500, 500, 500]


def test_cancel_during_slow_reads_stops_promptly(catalogue, stac_api, asset_server,
                                                 fault_proxy_factory, tmp_path):
    cid, aoi, items = catalogue
    proxy = fault_proxy_factory(asset_server.url)
    for item in items:
        for asset in item["assets"].values():
            asset["href"] = asset["href"].replace(asset_server.url, proxy.url)
    stac_api.add_items(items)
    proxy.slow(0.3, r"\.tif$")
    cancel = threading.Event()
    timer = threading.Timer(1.5, cancel.set)
    timer.start()
    started = time.monotonic()
    spec = SourceSpec("custom", stac_api.url, cid)
    try:
        with pytest.raises(CancelledError):
            run_mosaic(order_of(aoi, source=spec.to_dict()), (), tmp_path / "out",
                       cancel=cancel)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 1.5 + 5.0  # a few window reads after the cancel
    assert not list((tmp_path / "out").iterdir())


def test_command_line_with_stac(catalogue, stac_api, tmp_path):
    cid, aoi, _ = catalogue
    aoi_file = tmp_path / "aoi.geojson"
    aoi_file.write_text(json.dumps(aoi))
    run = subprocess.run(
        [sys.executable, "-m", "s2gm_qgis", "mosaic", "--stac", stac_api.url, "--collection",
         cid, "--aoi", str(aoi_file), "--period", "month", "--start", "2024-06-01",
         "--resolution", "20", "--bands", "B04,INDEX", "--out", str(tmp_path / "out"),
         "--json", "--tile-cache", str(tmp_path / "tiles")],
        capture_output=True, text=True, cwd=REPO, timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert len(data["source_products"]) == 5
    assert list((tmp_path / "tiles").glob("*.npy"))  # the fetched tiles were kept
