"""End to end with the real mosaic engine: a synthetic L2A archive, the engine service on
127.0.0.1, an order placed with EngineClient, its GeoTIFFs downloaded and opened with GDAL."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from osgeo import gdal

from s2gm_qgis.core.orders.client import EngineClient
from s2gm_qgis.core.orders.datadir import DataDir
from s2gm_qgis.core.orders.runner import OrderRunner
from s2gm_qgis.core.orders.service import EngineService, make_server, parse_service_order
from s2gm_qgis.core.orders.store import OrderStore
from tests.synthetic import make_l2a_series
from tests.unit.dask_support import lonlat_ring

SIZE_10M = 120


@pytest.fixture
def engine_service(tmp_path):
    archive = tmp_path / "archive"
    products = make_l2a_series(archive, ["2024-06-03T10:36:29", "2024-06-08T10:36:29",
                              "2024-06-13T10:36:29", "2024-06-18T10:36:29"],
                    tile="32TQM", size_10m=SIZE_10M, fmt="tif")
    data = DataDir(tmp_path / "data").create()
    store = OrderStore(data.store_path)
    runner = OrderRunner(store, data.results_root, [archive], catalogue_path=data.catalogue_path,
                         parse_order=parse_service_order, poll_s=0.1, workers=1)
    runner.start()
    server = make_server(EngineService(runner, token="t0k"), "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.url, archive, products[0]
    server.shutdown()
    server.server_close()
    runner.stop(timeout_s=30)


def aoi_inside(product) -> dict:
    """A GeoJSON polygon 200 m inside the product's written window."""
    return {"type": "Polygon", "coordinates": [lonlat_ring(product, 200.0)]}


def test_order_through_the_service_with_the_real_engine(engine_service, tmp_path):
    url, archive, product = engine_service
    client = EngineClient(url, token="t0k")
    order = client.create_order({
        "name": "e2e", "aoi": aoi_inside(product), "period": "month", "start": "2024-06-01",
        "resolution_m": 20, "bands": ["B02", "B03", "B04", "source_index", "valid_obs"],
        "format": "gtiff",
    })
    deadline = time.monotonic() + 120
    while (state := client.get_order(order["id"]))["state"] in ("queued", "processing"):
        assert time.monotonic() < deadline, "the engine did not finish in 120 s"
        time.sleep(0.2)
    assert state["state"] == "finished", (state["error"], state["messages"])
    assert state["result"]["counts"]["pixels_with_data"] > 0
    assert not state["result"]["output_dir"].startswith("/")

    files = {f["layer"]: f for f in client.list_files(order["id"])}
    assert {"B02", "B03", "B04", "source_index", "valid_obs"} <= set(files)
    dest = client.download(order["id"], files["valid_obs"]["path"], tmp_path / "valid_obs.tif")
    dataset = gdal.Open(str(dest))
    assert dataset.GetSpatialRef().GetAuthorityCode(None) == "32632"
    assert dataset.GetGeoTransform()[1] == 20.0
    valid = dataset.GetRasterBand(1).ReadAsArray()
    nodata = dataset.GetRasterBand(1).GetNoDataValue()
    counted = valid[valid != nodata]
    assert counted.size > 0 and np.all(counted == 4)  # four clear dates everywhere in the AOI
    dataset = None
    assert not list(archive.rglob("*.aux.xml"))  # nothing written into the user's products


def test_an_order_without_products_fails_with_the_engine_reason(engine_service):
    url, _, product = engine_service
    client = EngineClient(url, token="t0k")
    order = client.create_order({"name": "empty", "aoi": aoi_inside(product), "period": "month",
                                 "start": "2023-01-01", "resolution_m": 60})
    deadline = time.monotonic() + 60
    while (state := client.get_order(order["id"]))["state"] in ("queued", "processing"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert state["state"] == "failed"
    assert "no L2A product" in state["error"] and "2023-01-01" in state["error"]
    assert client.list_files(order["id"]) == []
