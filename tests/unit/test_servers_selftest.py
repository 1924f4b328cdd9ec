"""Self-test of the test-harness servers in tests/servers/: a real STAC API
(stac-fastapi-pgstac on pgstac, PostgreSQL + PostGIS), nginx serving assets with Range
requests read by GDAL over /vsicurl/, and the fault proxy. Plain pytest, no Qt."""
from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from tests.servers import AssetServer, FaultProxy, StacApi, post_json, search_all
from tests.servers._proc import DIRECT, pid_alive
from tests.servers.fixtures import *  # noqa: F401,F403 - the fixtures under test
from tests.servers.stac_items import cdse_item, collection, earth_search_item, items_series, without_inferred_links

REPO = Path(__file__).resolve().parents[2]


def urlopen(request, timeout: float = 10.0):
    return DIRECT.open(request, timeout=timeout)


def get_json(url: str, timeout: float = 10.0) -> dict:
    with urlopen(url, timeout) as response:
        return json.load(response)


def ids(pages) -> list[str]:
    return [f["id"] for page in pages for f in page["features"]]


@pytest.fixture
def s2_25(stac_api, stac_collection_id):
    """A collection of 25 Earth Search-shaped items, one a day from 2023-06-01, cloud cover 4*i,
    bbox (12 + 0.1 i, 52, 13.5 + 0.1 i, 53)."""
    stac_api.add_collection(collection(stac_collection_id))
    items = items_series(25, stac_collection_id)
    assert stac_api.add_items(items) == 25
    return stac_collection_id, items


# ---------------------------------------------------------------------------------- STAC API

def test_stac_api_pages_post_search_through_next_links(stac_api, s2_25):
    cid, items = s2_25
    assert stac_api.item_count(cid) == 25
    pages = search_all(stac_api.url, {"collections": [cid], "limit": 10})
    assert [len(p["features"]) for p in pages] == [10, 10, 5]
    assert sorted(ids(pages)) == sorted(i["id"] for i in items)
    assert pages[0]["numberMatched"] == 25 and pages[0]["numberReturned"] == 10
    nxt = [l for l in pages[0]["links"] if l["rel"] == "next"]
    assert len(nxt) == 1 and nxt[0]["method"] == "POST" and nxt[0]["href"] == stac_api.url + "/search"
    assert nxt[0]["body"]["collections"] == [cid] and nxt[0]["body"]["limit"] == 10
    assert nxt[0]["body"]["token"].startswith("next:")
    assert not [l for l in pages[-1]["links"] if l["rel"] == "next"]


def test_stac_api_get_search_pages_with_token_in_href(stac_api, s2_25):
    cid, _ = s2_25
    first = get_json(f"{stac_api.url}/search?collections={cid}&limit=10")
    nxt = next(l for l in first["links"] if l["rel"] == "next")
    assert nxt["method"] == "GET" and "token=next%3A" in nxt["href"] and "body" not in nxt
    pages = search_all(stac_api.url, {"collections": [cid], "limit": 10})
    assert len(pages) == 3


def test_stac_api_server_page_cap_overrides_client_limit(stac_api, s2_25):
    cid, _ = s2_25
    stac_api.max_page_size = 4
    try:
        pages = search_all(stac_api.url, {"collections": [cid], "limit": 100})
        assert [len(p["features"]) for p in pages] == [4, 4, 4, 4, 4, 4, 1]
        assert len(set(ids(pages))) == 25
        got = get_json(f"{stac_api.url}/collections/{cid}/items?limit=100")
        assert len(got["features"]) == 4
    finally:
        stac_api.max_page_size = None
    assert len(search_all(stac_api.url, {"collections": [cid], "limit": 100})[0]["features"]) == 25


def test_stac_api_bbox_datetime_query_and_cql2_filters(stac_api, s2_25):
    cid, items = s2_25

    def found(body):
        return sorted(ids(search_all(stac_api.url, {"collections": [cid], "limit": 50, **body})))

    def names(indexes):
        return sorted(f"{cid}_{i:02d}" for i in indexes)

    # bbox: item i spans longitudes 12 + 0.1 i .. 13.5 + 0.1 i
    assert found({"bbox": [15.45, 52.2, 15.6, 52.8]}) == names(range(20, 25))
    assert found({"intersects": {"type": "Point", "coordinates": [12.05, 52.5]}}) == names([0])
    # datetime: one item a day from 2023-06-01T10:15:59.024Z
    assert found({"datetime": "2023-06-03T00:00:00Z/2023-06-05T23:59:59Z"}) == names([2, 3, 4])
    assert found({"datetime": "2023-06-24T00:00:00Z/.."}) == names([23, 24])
    # STAC query extension: cloud cover is 4 i
    assert found({"query": {"eo:cloud_cover": {"lt": 20}}}) == names(range(5))
    assert found({"query": {"eo:cloud_cover": {"gte": 40, "lte": 48}}}) == names([10, 11, 12])
    # CQL2 (filter extension), JSON encoding in POST ...
    cql = {"op": "and", "args": [{"op": "<", "args": [{"property": "eo:cloud_cover"}, 20]},
                                 {"op": "=", "args": [{"property": "platform"}, "sentinel-2b"]}]}
    assert found({"filter-lang": "cql2-json", "filter": cql}) == names(range(5))
    # ... and text encoding in GET
    text = urllib.request.quote("eo:cloud_cover < 8")
    got = get_json(f"{stac_api.url}/search?collections={cid}&filter-lang=cql2-text&filter={text}&limit=50")
    assert sorted(f["id"] for f in got["features"]) == names([0, 1])
    # all together, as a client would send them
    assert found({"bbox": [13.0, 52.2, 13.1, 52.8], "datetime": "2023-06-01T00:00:00Z/2023-06-30T00:00:00Z",
                  "query": {"eo:cloud_cover": {"lt": 30}}}) == names(range(0, 8))
    assert found({"ids": [f"{cid}_03", f"{cid}_07"]}) == names([3, 7])


def test_stac_api_items_come_back_with_their_fields(stac_api, stac_collection_id):
    cid = stac_collection_id
    stac_api.add_collection(collection(cid))
    es = earth_search_item(f"{cid}-es", cid, "2023-06-01T10:15:59.024000Z", (13.123456789012, 52.1, 14.6543210987, 53.0),
                           cloud_cover=12.345678, href_base="http://127.0.0.1:9/cogs")
    cd = cdse_item(f"{cid}-cdse", cid, "2023-06-02T10:05:59.024000Z", (13.1, 52.1, 14.6, 53.0), cloud_cover=0.0)
    stac_api.add_items([es, cd])
    for given in (es, cd):
        served = get_json(f"{stac_api.url}/collections/{cid}/items/{given['id']}")
        searched = post_json(stac_api.url + "/search", {"ids": [given["id"]]})["features"][0]
        for got in (served, searched):
            assert without_inferred_links(got) == without_inferred_links(given)
            # the links the server infers point at it
            rels = {l["rel"]: l["href"] for l in got["links"]}
            assert rels["self"] == f"{stac_api.url}/collections/{cid}/items/{given['id']}"
            assert rels["collection"] == rels["parent"] == f"{stac_api.url}/collections/{cid}"
    # spot checks of what a client reads
    red = get_json(f"{stac_api.url}/collections/{cid}/items/{es['id']}")["assets"]["red"]
    assert red["raster:bands"][0] == {"nodata": 0, "data_type": "uint16", "bits_per_sample": 15,
                                      "spatial_resolution": 10, "scale": 0.0001, "offset": -0.1}
    assert red["proj:transform"] == [10.0, 0.0, 399960.0, 0.0, -10.0, 5900040.0]
    b04 = get_json(f"{stac_api.url}/collections/{cid}/items/{cd['id']}")["assets"]["B04_10m"]
    assert b04["alternate"]["https"]["href"].startswith("https://eodata.dataspace.copernicus.eu/")
    assert b04["proj:code"] == "EPSG:32633"


def test_stac_api_drops_top_level_null_properties(stac_api, stac_collection_id):
    """Documented pgstac behaviour, so that tests do not rely on null properties."""
    cid = stac_collection_id
    stac_api.add_collection(collection(cid))
    item = items_series(1, cid)[0]
    item["properties"]["s2:null_here"] = None
    item["properties"]["nested"] = {"a": [1, None]}
    stac_api.add_items([item])
    got = get_json(f"{stac_api.url}/collections/{cid}/items/{item['id']}")["properties"]
    assert "s2:null_here" not in got and got["nested"] == {"a": [1, None]}


def test_stac_api_empty_fixture_clears(stac_api_empty):
    assert stac_api_empty.collection_ids() == [] and stac_api_empty.item_count() == 0
    assert get_json(stac_api_empty.url + "/collections")["collections"] == []


# ---------------------------------------------------------------------------------- nginx

def test_nginx_answers_range_requests_with_206_and_counts_bytes(asset_server, asset_dir):
    data = bytes(range(256)) * 400  # 102400 bytes
    (asset_dir / "sub dir").mkdir()
    (asset_dir / "sub dir" / "x.bin").write_bytes(data)
    url = asset_server.url_for("sub dir/x.bin")
    request = urllib.request.Request(url, headers={"Range": "bytes=1000-1999"})
    with urlopen(request) as response:
        assert response.status == 206
        assert response.headers["Content-Range"] == "bytes 1000-1999/102400"
        assert response.read() == data[1000:2000]
    with urlopen(urllib.request.Request(url, headers={"Range": "bytes=-10"})) as response:
        assert response.status == 206 and response.read() == data[-10:]
    with urlopen(url) as response:
        assert response.status == 200 and response.headers["Accept-Ranges"] == "bytes"
        assert response.read() == data
    with pytest.raises(urllib.error.HTTPError) as error:
        urlopen(urllib.request.Request(url, headers={"Range": "bytes=200000-"}))
    assert error.value.code == 416

    rows = asset_server.requests(at_least=4)
    assert [(r.status, r.range) for r in rows] == [(206, "bytes=1000-1999"), (206, "bytes=-10"), (200, None),
                                                   (416, "bytes=200000-")]
    assert rows[0].path == "/sub dir/x.bin" and rows[0].body_bytes == 1000 and rows[0].bytes_sent > 1000
    stats = asset_server.stats(r"x\.bin$")
    assert stats.requests == 4 and stats.range_requests == 3
    assert stats.body_bytes == 1000 + 10 + len(data) + rows[3].body_bytes  # + nginx's 416 error page
    asset_server.reset_log()
    assert asset_server.stats().requests == 0


@pytest.fixture
def gdal_http():
    """GDAL set up as a client of the test servers; its /vsicurl/ cache emptied before and after."""
    options = {"GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
               "GDAL_HTTP_MAX_RETRY": "0", "GDAL_HTTP_TIMEOUT": "10", "VSI_CACHE": "FALSE",
               "GDAL_HTTP_PROXY": None, "CPL_VSIL_CURL_CHUNK_SIZE": "16384"}
    saved = {key: gdal.GetConfigOption(key) for key in options}
    for key, value in options.items():
        gdal.SetConfigOption(key, value)
    gdal.VSICurlClearCache()
    yield gdal.SetConfigOption
    gdal.VSICurlClearCache()
    for key, value in saved.items():
        gdal.SetConfigOption(key, value)


def make_geotiff(path: Path, size: int = 1024, tile: int = 256) -> np.ndarray:
    values = (np.arange(size * size, dtype=np.uint32).reshape(size, size) % 65521).astype(np.uint16)
    driver = gdal.GetDriverByName("GTiff")
    ds = driver.Create(str(path), size, size, 1, gdal.GDT_UInt16,
                       options=["TILED=YES", f"BLOCKXSIZE={tile}", f"BLOCKYSIZE={tile}", "COMPRESS=NONE"])
    ds.SetGeoTransform([399960.0, 10.0, 0.0, 5900040.0, 0.0, -10.0])
    ds.GetRasterBand(1).WriteArray(values)
    ds = None
    return values


def test_gdal_reads_a_geotiff_over_vsicurl_with_range_requests(asset_server, asset_dir, gdal_http):
    values = make_geotiff(asset_dir / "x.tif")
    size = (asset_dir / "x.tif").stat().st_size
    ds = gdal.Open(asset_server.vsicurl("x.tif"))
    assert ds is not None, gdal.GetLastErrorMsg()
    assert (ds.RasterXSize, ds.RasterYSize) == (1024, 1024)
    assert ds.GetGeoTransform() == (399960.0, 10.0, 0.0, 5900040.0, 0.0, -10.0)
    window = ds.GetRasterBand(1).ReadAsArray(512, 768, 100, 50)
    np.testing.assert_array_equal(window, values[768:818, 512:612])
    ds = None
    rows = asset_server.requests(r"x\.tif$")
    gets = [r for r in rows if r.method == "GET"]
    assert len(gets) >= 2 and all(r.status == 206 and r.range for r in gets), rows
    assert {r.method for r in rows} <= {"HEAD", "GET"}
    stats = asset_server.stats(r"x\.tif$")
    # one 256x256 uint16 tile (128 KiB) and the header, not the 2 MiB file
    assert stats.body_bytes < size / 4, str(stats)


def test_gdal_retries_through_the_fault_proxy(asset_server, asset_dir, gdal_http, fault_proxy_factory):
    values = make_geotiff(asset_dir / "y.tif", size=512)
    proxy = fault_proxy_factory(asset_server.url)
    gdal_http("GDAL_HTTP_MAX_RETRY", "3")
    gdal_http("GDAL_HTTP_RETRY_DELAY", "0.1")
    proxy.fail(r"y\.tif$", status=503, times=2)
    ds = gdal.Open(f"/vsicurl/{proxy.url}/y.tif")
    assert ds is not None, gdal.GetLastErrorMsg()
    np.testing.assert_array_equal(ds.GetRasterBand(1).ReadAsArray(300, 10, 20, 20), values[10:30, 300:320])
    ds = None
    rows = proxy.requests(r"y\.tif$")
    assert [(r.method, r.status, r.injected) for r in rows[:3]] == [
        ("HEAD", 503, ["fail:503"]), ("HEAD", 503, ["fail:503"]), ("HEAD", 200, [])]
    gets = [r for r in rows if r.method == "GET"]
    assert gets and all(r.status == 206 and r.range for r in gets)
    assert gets[0].range.startswith("bytes=0-")
    # the proxied requests reached nginx with their Range header
    served = asset_server.requests(r"y\.tif$")
    assert [r.range for r in served if r.method == "GET"] == [r.range for r in gets]


# ---------------------------------------------------------------------------------- fault proxy

def http_status(request, timeout=10.0):
    try:
        with urlopen(request, timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def search_request(url, body):
    return urllib.request.Request(url + "/search", data=json.dumps(body).encode(), method="POST",
                                  headers={"Content-Type": "application/json"})


def test_fault_proxy_500_then_recovers_and_passes_requests_through(stac_api, s2_25, fault_proxy_factory):
    cid, _ = s2_25
    proxy = fault_proxy_factory(stac_api.url)
    proxy.fail(r"/search$", status=500, times=2)
    body = {"collections": [cid], "limit": 10}
    assert http_status(search_request(proxy.url, body))[0] == 500
    assert http_status(search_request(proxy.url, body))[0] == 500
    status, _, payload = http_status(search_request(proxy.url, body))
    assert status == 200
    page = json.loads(payload)
    assert len(page["features"]) == 10
    # links are built from the Host header, which the proxy passes on: they point at the proxy
    assert next(l for l in page["links"] if l["rel"] == "next")["href"] == proxy.url + "/search"
    assert len(ids(search_all(proxy.url, body))) == 25
    log = proxy.requests(r"/search$")
    assert [r.injected for r in log[:3]] == [["fail:500"], ["fail:500"], []]
    assert log[0].json() == body and log[0].method == "POST"
    assert proxy.requests(r"/collections")  == []
    proxy.reset()
    assert proxy.log == []


def test_fault_proxy_429_with_retry_after(stac_api, fault_proxy_factory):
    proxy = fault_proxy_factory(stac_api.url)
    proxy.fail(r"/search$", status=429, times=1, retry_after=1)
    proxy.fail(r"/collections$", status=429, times=1)
    status, headers, _ = http_status(search_request(proxy.url, {}))
    assert status == 429 and headers["Retry-After"] == "1"
    status, headers, _ = http_status(proxy.url + "/collections")
    assert status == 429 and headers["Retry-After"] == "0"
    assert http_status(search_request(proxy.url, {}))[0] == 200
    assert http_status(proxy.url + "/collections")[0] == 200


def test_fault_proxy_loops_paging(stac_api, s2_25, fault_proxy_factory):
    cid, _ = s2_25
    proxy = fault_proxy_factory(stac_api.url)
    proxy.loop_paging()
    body = {"collections": [cid], "limit": 10}
    pages = search_all(proxy.url, body, max_pages=4)
    assert len(pages) == 4
    assert all(ids([p]) == ids([pages[0]]) for p in pages)
    nxt = next(l for l in pages[0]["links"] if l["rel"] == "next")
    assert nxt["body"] == body and nxt["href"] == proxy.url + "/search"
    assert all(r.injected == ["loop"] for r in proxy.requests(r"/search$"))
    proxy.reset()
    assert len(search_all(proxy.url, body)) == 3


def test_fault_proxy_slow_and_truncated(stac_api, asset_server, asset_dir, fault_proxy_factory):
    proxy = fault_proxy_factory(stac_api.url)
    proxy.slow(0.4)
    started = time.monotonic()
    assert http_status(proxy.url + "/collections")[0] == 200
    assert time.monotonic() - started >= 0.4
    with pytest.raises((TimeoutError, OSError)):
        with urlopen(proxy.url + "/collections", timeout=0.15) as response:
            response.read()
    proxy.slow(0)
    started = time.monotonic()
    assert http_status(proxy.url + "/collections")[0] == 200
    assert time.monotonic() - started < 0.4

    (asset_dir / "z.bin").write_bytes(os.urandom(50_000))
    files = fault_proxy_factory(asset_server.url)
    files.truncate(r"z\.bin$", times=1, keep=0.5)
    with pytest.raises(http.client.IncompleteRead):
        with urlopen(files.url + "/z.bin") as response:
            response.read()
    with urlopen(urllib.request.Request(files.url + "/z.bin", headers={"Range": "bytes=10-19"})) as response:
        assert response.status == 206 and response.read() == (asset_dir / "z.bin").read_bytes()[10:20]
    assert files.requests()[0].injected == ["truncate:25000/50000"]


# ---------------------------------------------------------------------------------- clean-up

def test_servers_stop_cleanly_in_order(tmp_path):
    with StacApi(max_page_size=3) as api, AssetServer(tmp_path) as assets, FaultProxy(api.url) as proxy:
        pids, dirs = api.pids + assets.pids, [api.tempdir, assets.tempdir]
        assert api.max_page_size == 3
        assert get_json(proxy.url + "/")["type"] == "Catalog"
        assert all(pid_alive(p) for p in pids) and all(d.is_dir() for d in dirs)
    assert not any(pid_alive(p) for p in pids)
    assert not any(d.exists() for d in dirs)


def test_servers_are_cleaned_up_when_the_test_process_is_killed(tmp_path):
    """SIGKILL of the process that started them: the watchdog stops postgres, uvicorn and
    nginx and removes their temp folders."""
    script = textwrap.dedent(f"""
        import json, os, signal, sys
        sys.path.insert(0, {str(REPO)!r})
        from tests.servers import AssetServer, StacApi
        api, assets = StacApi(), AssetServer({str(tmp_path)!r})
        print(json.dumps({{"pids": api.pids + assets.pids, "dirs": [str(api.tempdir), str(assets.tempdir)]}}), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == -signal.SIGKILL, done.stderr
    left = json.loads(done.stdout.strip().splitlines()[-1])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (any(pid_alive(p) for p in left["pids"])
                                           or any(Path(d).exists() for d in left["dirs"])):
        time.sleep(0.1)
    assert not [p for p in left["pids"] if pid_alive(p)]
    assert not [d for d in left["dirs"] if Path(d).exists()]
