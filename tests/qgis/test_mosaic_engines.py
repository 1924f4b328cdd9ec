"""The dock's engines in real QGIS: nothing that may wait runs on the GUI thread (store reads and
writes, result folders removed, the pixel statistics of the result styles), unloading leaves no
thread, task, tool or rubber band behind and re-queues the running order, and the proxy QGIS
would use for the service is the one the client uses."""
from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from qgis.core import QgsApplication, QgsCoordinateReferenceSystem, QgsNetworkAccessManager
from qgis.PyQt.QtNetwork import QNetworkProxy

from s2gm_qgis.core.errors import S2GMError
from s2gm_qgis.core.mosaic.order import MosaicOrder
from s2gm_qgis.core.orders import runner as runner_module
from s2gm_qgis.core.orders.datadir import results_dir, staging_dir
from s2gm_qgis.core.orders.store import OrderStore
from s2gm_qgis.qgis_support import aoi as aoi_sources
from s2gm_qgis.gui.mosaic import engines as engines_module
from s2gm_qgis.qgis_support import results as results_module
from s2gm_qgis.qgis_support.remote import qgis_proxies
from s2gm_qgis.gui.mosaic import feature as feature_module
from s2gm_qgis.qgis_support.results import find_order_group, remove_order_group

from tests.unit.test_orders_support import scripted_engine, spec

from .test_mosaic_dock import (  # noqa: F401 (fixtures)
    UTM32N, mosaic_factory, polygon_inside_tile, set_june_order, synthetic_archive, wait_for,
    wait_for_placed,
)


def _row(mosaic, order_id):
    row = mosaic.orders_model.row_of(order_id)
    return mosaic.orders_model.order(row) if row >= 0 else None


def _state(mosaic, order_id):
    order = _row(mosaic, order_id)
    return order.state if order else None


@pytest.fixture
def gui_thread_calls(monkeypatch):
    """Records what ran on the GUI thread of: every OrderStore method, the removal of result
    folders, and the pixel statistics of the result styles."""
    calls = []

    def watch(owner, name):
        real = getattr(owner, name)

        def watched(*args, **kwargs):
            if threading.current_thread() is threading.main_thread():
                calls.append(f"{getattr(owner, '__name__', owner)}.{name}")
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, watched)

    for name, value in list(vars(OrderStore).items()):
        if callable(value) and (not name.startswith("_") or name == "__init__"):
            watch(OrderStore, name)
    watch(engines_module, "remove_order_output")
    watch(results_module, "reflectance_stretch_max")
    watch(results_module, "_band_max")
    return calls


def test_orders_and_results_never_wait_on_the_gui_thread(mosaic_factory, synthetic_archive,
                                                        gui_thread_calls, monkeypatch, tmp_path):
    mosaic = mosaic_factory(archive_folders=(str(synthetic_archive),))
    corners = polygon_inside_tile()
    wkt = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in corners + corners[:1]) + "))"
    mosaic.set_aoi(aoi_sources.aoi_from_wkt_text(wkt, QgsCoordinateReferenceSystem(UTM32N)))
    set_june_order(mosaic, "threads", resolution_m=60)
    mosaic.dock.order_button.click()
    wait_for_placed(mosaic)
    wait_for(lambda: mosaic.orders_model.rowCount() == 1, 30, "the order to be listed")
    order_id = mosaic.orders_model.order(0).id
    wait_for(lambda: find_order_group(order_id) is not None, 180, "the result to be loaded")
    assert _state(mosaic, order_id) == "finished"

    # Retry: the loaded result goes at once (its files go), and comes back when finished.
    mosaic.dock.select_order(order_id)
    mosaic.retry_selected()
    assert find_order_group(order_id) is None
    wait_for(lambda: find_order_group(order_id) is not None, 180, "the retried result")

    # Load result and Open folder, from the list.
    opened = []
    monkeypatch.setattr(feature_module.QDesktopServices, "openUrl", opened.append)
    remove_order_group(order_id)
    mosaic.dock.select_order(order_id)
    assert mosaic.dock.load_button.isEnabled() and mosaic.dock.folder_button.isEnabled()
    mosaic.dock.load_button.click()
    wait_for(lambda: find_order_group(order_id) is not None, 60, "the result to be reloaded")
    mosaic.dock.folder_button.click()
    assert [Path(url.toLocalFile()) for url in opened] == [
        results_dir(tmp_path / "results", order_id)]

    # Delete: the layer group, the order and its files go.
    mosaic.dock.select_order(order_id)
    mosaic.delete_selected(confirm=False)
    assert find_order_group(order_id) is None
    wait_for(lambda: mosaic.orders_model.rowCount() == 0, 30, "the order to be deleted")
    assert not results_dir(tmp_path / "results", order_id).exists()
    mosaic.teardown()
    assert gui_thread_calls == []


def test_unload_stops_the_running_order_and_leaves_nothing_behind(mosaic_factory, qgis_canvas,
                                                                  monkeypatch, tmp_path):
    monkeypatch.setattr(runner_module, "run_mosaic_engine", scripted_engine)
    mosaic = mosaic_factory(archive_folders=(str(tmp_path),))
    mosaic.set_aoi(aoi_sources.aoi_from_wkt_text(
        "POLYGON((9 45, 9.05 45, 9.05 45.05, 9 45.05, 9 45))", aoi_sources.wgs84()))
    mosaic.dock.polygon_button.click()
    placed = []
    # ten seconds of work
    mosaic.engine.place(MosaicOrder.from_dict(spec("slow-100")), placed.append)
    wait_for(lambda: placed, 30, "the order to be placed")
    order_id = placed[0].id
    wait_for(lambda: _state(mosaic, order_id) == "processing", 30, "the order to start")
    task = mosaic.engine.task
    threads = [t for t in threading.enumerate() if t.name.startswith("s2gm-embedded-engine")]
    assert threads

    mosaic.teardown()
    assert not mosaic.timer.isActive() and mosaic.engine is None
    assert qgis_canvas.mapTool() not in (mosaic.rectangle_tool, mosaic.polygon_tool,
                                         mosaic.vertex_tool)
    items = qgis_canvas.scene().items()
    for band in (mosaic.rubber_band.band, mosaic.rubber_band.vertices, mosaic.highlight.band,
                 mosaic.polygon_tool._band, mosaic.rectangle_tool._band, mosaic.vertex_tool._band):
        assert band not in items
    wait_for(lambda: not any(t.is_alive() for t in threads), 10, "the engine thread to end")
    wait_for(lambda: QgsApplication.taskManager().task(
        QgsApplication.taskManager().taskId(task)) is None, 30, "the order's task to end")
    store = OrderStore(tmp_path / "results" / "orders.sqlite")
    record = store.get(order_id)
    assert record.state == "queued", record.messages  # resumed by the next session
    assert "re-queued" in record.messages[-1].text
    assert not staging_dir(tmp_path / "results", order_id).exists()
    store.close()


def test_cancel_and_zoom_from_the_orders_list(mosaic_factory, qgis_canvas, monkeypatch,
                                             tmp_path):
    monkeypatch.setattr(runner_module, "run_mosaic_engine", scripted_engine)
    mosaic = mosaic_factory(archive_folders=(str(tmp_path),))
    placed = []
    mosaic.engine.place(MosaicOrder.from_dict(spec("slow-100")), placed.append)
    wait_for(lambda: placed, 30, "the order to be placed")
    order_id = placed[0].id
    wait_for(lambda: _state(mosaic, order_id) == "processing", 30, "the order to start")
    mosaic.dock.select_order(order_id)
    assert mosaic.dock.cancel_button.isEnabled() and not mosaic.dock.delete_button.isEnabled()
    mosaic.dock.cancel_button.click()
    wait_for(lambda: _state(mosaic, order_id) == "cancelled", 30, "the order to stop")
    assert "partial output removed" in _row(mosaic, order_id).messages[-1].text
    assert not results_dir(tmp_path / "results", order_id).exists()
    assert not staging_dir(tmp_path / "results", order_id).exists()
    assert mosaic.dock.retry_button.isEnabled() and not mosaic.dock.load_button.isEnabled()

    # Zoom to AOI: the map (in Web Mercator here) shows the order's AOI, highlighted.
    qgis_canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    mosaic.dock.zoom_button.click()
    shown = mosaic.highlight.band.asGeometry().boundingBox()
    assert qgis_canvas.extent().contains(shown) and shown.width() > 5000  # ~5.6 km
    assert 1_000_000 < shown.xMinimum() < 1_002_000  # 9 degrees east


def test_an_order_left_processing_by_a_crashed_qgis_is_resumed(mosaic_factory, monkeypatch,
                                                              tmp_path):
    monkeypatch.setattr(runner_module, "run_mosaic_engine", scripted_engine)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a pid that no process has any more: the QGIS that crashed
    store = OrderStore(tmp_path / "results" / "orders.sqlite")
    order = store.create(spec("fast"), "fast", queue=True)
    store.claim(order.id, f"{socket.gethostname()}:{dead.pid}:0123456789abcdef")
    staging_dir(tmp_path / "results", order.id).mkdir(parents=True)  # its partial output
    store.close()

    mosaic = mosaic_factory(archive_folders=(str(tmp_path),))
    wait_for(lambda: _state(mosaic, order.id) == "finished", 60, "the order to be resumed")
    texts = [m.text for m in _row(mosaic, order.id).messages]
    assert any("re-queued to resume" in t for t in texts), texts
    assert _row(mosaic, order.id).attempts == 2


class _FakeProxy(BaseHTTPRequestHandler):
    """An HTTP proxy that answers for the engine service it stands in front of."""

    seen: list[tuple[str, str]] = []

    def do_GET(self):  # noqa: N802 (stdlib name)
        self.seen.append((self.path, self.headers.get("Proxy-Authorization", "")))
        body = json.dumps({"orders": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def qgis_proxy():
    """A proxy on 127.0.0.1 set in QGIS's network settings (with credentials); yields a
    function that sets the proxy type and the URLs that bypass it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeProxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    manager = QgsNetworkAccessManager.instance()
    saved = (manager.fallbackProxy(), manager.excludeList(), manager.noProxyList())
    _FakeProxy.seen = []

    def configure(kind=QNetworkProxy.ProxyType.HttpProxy, excluded=(), no_proxy=()):
        proxy = QNetworkProxy(kind, "127.0.0.1", server.server_address[1], "us er", "p@ss:w")
        manager.setFallbackProxyAndExcludes(proxy, list(excluded), list(no_proxy))
        return server.server_address[1]

    yield configure
    manager.setFallbackProxyAndExcludes(*saved)
    server.shutdown()
    server.server_close()


def test_the_service_is_reached_through_the_qgis_proxy(mosaic_factory, qgis_proxy):
    port = qgis_proxy()
    url = "http://engine.invalid:8765"
    proxy_url = f"http://us%20er:p%40ss%3Aw@127.0.0.1:{port}"
    assert qgis_proxies(url) == {"http": proxy_url, "https": proxy_url}

    mosaic = mosaic_factory(engine="service", service_url=url)
    wait_for(lambda: _FakeProxy.seen, 30, "the orders list to go through the proxy")
    path, authorization = _FakeProxy.seen[0]
    assert path == f"{url}/orders?limit=200"
    assert authorization == "Basic " + base64.b64encode(b"us er:p@ss:w").decode()
    wait_for(lambda: not mosaic._first_refresh, 30, "the answer to reach the dock")
    assert not mosaic.dock.status_label.isVisible(), mosaic.dock.status_label.text()

    # Addresses QGIS does not send through its proxy are reached directly.
    qgis_proxy(excluded=["http://engine.invalid"])
    assert qgis_proxies(url) == {}
    qgis_proxy(no_proxy=["http://engine.invalid:8765/"])
    assert qgis_proxies(url) == {}
    qgis_proxy(kind=QNetworkProxy.ProxyType.NoProxy)
    assert qgis_proxies(url) == {}

    # A SOCKS proxy cannot be used by requests: said, not ignored.
    qgis_proxy(kind=QNetworkProxy.ProxyType.Socks5Proxy)
    with pytest.raises(S2GMError, match="SOCKS5"):
        qgis_proxies(url)
    mosaic.set_preferences(mosaic.preferences)
    assert mosaic.engine is None and "SOCKS5" in mosaic.dock.status_label.text()


def test_a_store_that_cannot_be_opened_is_reported_not_raised(mosaic_factory, tmp_path):
    blocker = tmp_path / "results"
    blocker.write_text("a file where the results folder should be")
    mosaic = mosaic_factory(archive_folders=(str(tmp_path),))
    wait_for(lambda: mosaic.dock.status_label.isVisible(), 30, "the problem to be shown")
    assert "results" in mosaic.dock.status_label.text()
    assert mosaic.engine.store is None and mosaic.engine.task is None
