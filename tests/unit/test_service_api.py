"""The HTTP engine service, for real on 127.0.0.1 (in-process server, real runner, real store),
driven with plain HTTP and with EngineClient."""
from __future__ import annotations

import http.client
import json
import socket
import threading
import time

import pytest
import requests

from s2gm_qgis.core.orders.client import EngineClient, ServiceError, ServiceUnavailable
from s2gm_qgis.core.orders.datadir import DataDir
from s2gm_qgis.core.orders.runner import OrderRunner
from s2gm_qgis.core.orders.service import (
    EngineService, make_server, parse_range, parse_service_order, HttpError,
)
from s2gm_qgis.core.orders.store import OrderStore

from .test_orders_support import FILE_BYTES, layer_bytes, scripted_engine, spec

TOKEN = "s3cr3t-token"


class Service:
    """A running service: ``url``, ``store``, ``runner``, ``request(method, path, ...)``."""

    def __init__(self, root, token=None):
        self.data = DataDir(root).create()
        self.store = OrderStore(self.data.store_path)
        self.runner = OrderRunner(self.store, self.data.results_root, [root], scripted_engine,
                                  parse_order=parse_service_order, poll_s=0.1)
        self.runner.start()
        self.server = make_server(EngineService(self.runner, token=token), "127.0.0.1", 0)
        self.url = self.server.url
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.token = token

    def request(self, method, path, *, token=True, **kwargs):
        headers = kwargs.pop("headers", {})
        if token and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return requests.request(method, self.url + path, headers=headers, timeout=10, **kwargs)

    def client(self, **kwargs):
        return EngineClient(self.url, token=self.token, **kwargs)

    def wait_state(self, order_id, states, timeout_s=10.0):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            record = self.store.get(order_id)
            if record.state in states:
                return record
            time.sleep(0.03)
        raise AssertionError(f"order {order_id} stayed {self.store.get(order_id).state}")

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.runner.stop(timeout_s=5)


@pytest.fixture
def service(tmp_path):
    svc = Service(tmp_path / "data")
    yield svc
    svc.close()


@pytest.fixture
def secured(tmp_path):
    svc = Service(tmp_path / "data", token=TOKEN)
    yield svc
    svc.close()


@pytest.fixture
def finished(service):
    client = service.client()
    order = client.create_order(spec())
    service.wait_state(order["id"], {"finished"})
    return service, order["id"]


def test_health_and_openapi_describe_every_route(service):
    health = service.request("GET", "/health").json()
    assert health["status"] == "ok" and health["queued"] == 0
    doc = service.request("GET", "/openapi.json").json()
    assert doc["openapi"].startswith("3.0")
    assert set(doc["paths"]) == {
        "/orders", "/orders/{order_id}", "/orders/{order_id}/cancel", "/orders/{order_id}/retry",
        "/orders/{order_id}/approve", "/orders/{order_id}/files", "/orders/{order_id}/files/{path}", "/health",
        "/openapi.json",
    }

    def refs(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(doc):
        target = doc
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]  # every $ref resolves
    spec_schema = doc["components"]["schemas"]["OrderSpec"]
    assert set(spec()) <= set(spec_schema["properties"])
    assert 20 in spec_schema["properties"]["resolution_m"]["enum"]


def test_create_order_runs_it_and_lists_it(service):
    response = service.request("POST", "/orders", json=spec())
    assert response.status_code == 201
    order = response.json()
    assert response.headers["Location"] == f"/orders/{order['id']}"
    assert order["state"] == "queued" and order["spec"]["resolution_m"] == 20
    assert order["spec"]["aoi"]["type"] == "MultiPolygon"  # canonical form stored
    service.wait_state(order["id"], {"finished"})
    got = service.request("GET", f"/orders/{order['id']}").json()
    assert got["state"] == "finished" and got["progress"] == 1.0
    listing = service.request("GET", "/orders?state=finished").json()["orders"]
    assert [o["id"] for o in listing] == [order["id"]]
    assert service.request("GET", "/orders?state=queued").json()["orders"] == []


@pytest.mark.parametrize("body, status, text", [
    (b"{not json", 400, "malformed JSON: Expecting property name enclosed in double quotes at "
                        "line 1 column 2"),
    (b"[1, 2]", 400, "must be a JSON object"),
    (b"\xff\xfe", 400, "not UTF-8"),
])
def test_malformed_bodies_are_400(service, body, status, text):
    response = service.request("POST", "/orders", data=body,
                               headers={"Content-Type": "application/json"})
    assert response.status_code == status
    assert text in response.json()["error"]
    assert service.store.orders() == []


def test_invalid_fields_are_422_with_every_field(service):
    bad = dict(spec(), resolution_m=25, period="fortnight", colour="red")
    response = service.request("POST", "/orders", json=bad)
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert {"resolution_m", "period", "colour"} <= set(fields)
    assert "10, 20, 30, 60" in fields["resolution_m"]


def test_aoi_file_paths_are_refused_over_http(service, tmp_path):
    (tmp_path / "aoi.geojson").write_text('{"type": "Point", "coordinates": [0, 0]}')
    response = service.request("POST", "/orders", json=spec(aoi=str(tmp_path / "aoi.geojson")))
    assert response.status_code == 422
    assert "not a file path" in response.json()["fields"]["aoi"]
    wkt = "POLYGON((9 45, 9.05 45, 9.05 45.05, 9 45.05, 9 45))"
    assert service.request("POST", "/orders", json=spec(aoi=wkt)).status_code == 201


def test_body_length_rules(service):
    conn = http.client.HTTPConnection("127.0.0.1", service.server.server_address[1], timeout=5)
    conn.putrequest("POST", "/orders")
    conn.putheader("Content-Length", str(10**9))
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 413
    conn.close()
    body = json.dumps(spec()).encode()
    chunked = service.request("POST", "/orders", data=iter([body[:10], body[10:]]))
    assert chunked.status_code == 201
    bad = service.request("POST", "/orders", data=iter([b"{oops"]))
    assert bad.status_code == 400 and "malformed JSON" in bad.json()["error"]
    conn = http.client.HTTPConnection("127.0.0.1", service.server.server_address[1], timeout=5)
    conn.putrequest("POST", "/orders")
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 411 and "Content-Length" in json.loads(response.read())["error"]
    conn.close()


def test_unknown_ids_routes_and_methods(service):
    assert service.request("GET", "/orders/0123-nope").status_code == 404
    assert service.request("POST", "/orders/0123-nope/cancel").status_code == 404
    assert service.request("DELETE", "/orders/0123-nope").status_code == 404
    assert service.request("GET", "/orders/0123-nope/files").status_code == 404
    missing = service.request("GET", "/elsewhere")
    assert missing.status_code == 404 and missing.json()["error"].startswith("no such resource")
    wrong = service.request("PUT", "/orders")
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "GET, HEAD, POST"
    bad_query = service.request("GET", "/orders?state=done&limit=x")
    assert bad_query.status_code == 400
    assert set(bad_query.json()["fields"]) == {"state", "limit"}


@pytest.mark.parametrize("method, path", [
    ("GET", "/health"), ("GET", "/openapi.json"), ("GET", "/orders"), ("POST", "/orders"),
    ("GET", "/orders/x"), ("POST", "/orders/x/cancel"), ("POST", "/orders/x/retry"),
    ("DELETE", "/orders/x"), ("GET", "/orders/x/files"), ("GET", "/orders/x/files/a.tif"),
])
def test_every_call_needs_the_token(secured, method, path):
    missing = secured.request(method, path, token=False, json=spec())
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert "needs a token" in missing.json()["error"]
    wrong = secured.request(method, path, token=False, json=spec(),
                            headers={"Authorization": "Bearer " + TOKEN[:-1] + "X"})
    assert wrong.status_code == 401 and "not valid" in wrong.json()["error"]
    basic = secured.request(method, path, token=False, headers={"Authorization": "Basic " + TOKEN})
    assert basic.status_code == 401
    assert secured.store.orders() == []


def test_token_accepted(secured):
    client = secured.client()
    assert client.health()["status"] == "ok"
    order = client.create_order(spec())
    assert secured.wait_state(order["id"], {"finished"})
    with pytest.raises(ServiceError) as info:
        EngineClient(secured.url, token="wrong").list_orders()
    assert info.value.status == 401


def test_cancel_mid_run_then_retry_then_delete(service):
    client = service.client()
    order = client.create_order(spec("slow-50"))
    service.wait_state(order["id"], {"processing"})
    response = service.request("POST", f"/orders/{order['id']}/cancel")
    assert response.status_code == 202 and response.json()["cancel_requested"]
    record = service.wait_state(order["id"], {"cancelled"}, timeout_s=3)
    assert "partial output removed" in record.messages[-1].text
    assert not (service.data.results_root / order["id"]).exists()

    conflict = service.request("DELETE", f"/orders/{client.retry(order['id'])['id']}")
    assert conflict.status_code in (204, 409)  # queued: deletable; processing: refused
    if conflict.status_code == 409:
        assert conflict.json()["fields"]["state"] == "processing"
        client.cancel(order["id"])
        service.wait_state(order["id"], {"cancelled"})
        assert service.request("DELETE", f"/orders/{order['id']}").status_code == 204
    assert service.request("GET", f"/orders/{order['id']}").status_code == 404


def test_state_conflicts_are_409(finished):
    service, order_id = finished
    response = service.request("POST", f"/orders/{order_id}/cancel")
    assert response.status_code == 409
    assert "already ended" in response.json()["error"]
    assert service.request("POST", f"/orders/{order_id}/retry").status_code == 409


def test_files_are_listed_and_downloaded_whole(finished, tmp_path):
    service, order_id = finished
    files = service.request("GET", f"/orders/{order_id}/files").json()["files"]
    assert len(files) == 5
    b04 = next(f for f in files if f["layer"] == "B04")
    assert b04["size_bytes"] == FILE_BYTES
    response = service.request("GET", b04["href"])
    assert response.status_code == 200
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Content-Type"] == "image/tiff"
    assert response.content == layer_bytes("B04")
    head = service.request("HEAD", b04["href"])
    assert head.status_code == 200 and head.headers["Content-Length"] == str(FILE_BYTES)


def test_range_requests(finished):
    service, order_id = finished
    href = next(f["href"] for f in service.request("GET", f"/orders/{order_id}/files").json()
                ["files"] if f["layer"] == "B03")
    whole = layer_bytes("B03")
    part = service.request("GET", href, headers={"Range": "bytes=100-299999"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-299999/{FILE_BYTES}"
    assert part.content == whole[100:300000]
    tail = service.request("GET", href, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == whole[-10:]
    rest = service.request("GET", href, headers={"Range": f"bytes={FILE_BYTES - 5}-"})
    assert rest.content == whole[-5:]
    beyond = service.request("GET", href, headers={"Range": f"bytes={FILE_BYTES}-"})
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{FILE_BYTES}"
    etag = part.headers["ETag"]
    same = service.request("GET", href, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert same.status_code == 206 and same.content == whole[:10]
    changed = service.request("GET", href, headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert changed.status_code == 200 and changed.content == whole
    multi = service.request("GET", href, headers={"Range": "bytes=0-1,5-6"})
    assert multi.status_code == 200 and len(multi.content) == FILE_BYTES


@pytest.mark.parametrize("raw_path", [
    "/files/../../orders.sqlite", "/files/%2e%2e/%2e%2e/orders.sqlite",
    "/files/x/..%2f..%2forders.sqlite", "/files//etc/passwd", "/files/a%5c..%5cb",
])
def test_path_traversal_is_refused(finished, raw_path):
    service, order_id = finished
    conn = http.client.HTTPConnection("127.0.0.1", service.server.server_address[1], timeout=5)
    conn.request("GET", f"/orders/{order_id}{raw_path}")
    response = conn.getresponse()
    body = json.loads(response.read())
    conn.close()
    assert response.status == 400
    assert body["fields"]["path"] == "path traversal refused"


def test_unknown_file_and_files_of_unfinished_orders_are_404(finished):
    service, order_id = finished
    assert service.request("GET", f"/orders/{order_id}/files/none.tif").status_code == 404
    queued = service.client().create_order(spec("slow-50"))
    response = service.request("GET", f"/orders/{queued['id']}/files/x.tif")
    assert response.status_code == 404 and "no result files" in response.json()["error"]


def test_parse_range_rules():
    assert parse_range(None, 10) is None
    assert parse_range("bytes=2-4", 10) == (2, 4)
    assert parse_range("bytes=2-", 10) == (2, 9)
    assert parse_range("bytes=-3", 10) == (7, 9)
    assert parse_range("bytes=-30", 10) == (0, 9)
    assert parse_range("bytes=5-100", 10) == (5, 9)
    assert parse_range("bytes=4-2", 10) is None
    assert parse_range("items=1-2", 10) is None
    with pytest.raises(HttpError):
        parse_range("bytes=10-", 10)
    with pytest.raises(HttpError):
        parse_range("bytes=-0", 10)


def test_client_full_cycle_with_download(finished, tmp_path):
    service, order_id = finished
    client = service.client()
    assert client.get_order(order_id)["state"] == "finished"
    assert order_id in [o["id"] for o in client.list_orders(state="finished")]
    files = client.list_files(order_id)
    rel = next(f["path"] for f in files if f["layer"] == "B02")
    seen = []
    dest = client.download(order_id, rel, tmp_path / "dl" / "B02.tif",
                           progress=lambda done, total: seen.append((done, total)))
    assert dest.read_bytes() == layer_bytes("B02")
    assert seen[-1] == (FILE_BYTES, FILE_BYTES)
    assert not (tmp_path / "dl" / "B02.tif.part").exists()
    with pytest.raises(ServiceError) as info:
        client.create_order(dict(spec(), bit_depth=12))
    assert info.value.status == 422 and "bit_depth" in info.value.fields
    with pytest.raises(ServiceError) as info:
        client.get_order("0000-missing")
    assert info.value.status == 404
    client.delete(order_id)
    assert client.list_orders() == []


def test_client_resumes_a_partial_download(finished, tmp_path):
    service, order_id = finished
    client = service.client()
    rel = next(f["path"] for f in client.list_files(order_id) if f["layer"] == "B04")
    href = next(f["href"] for f in client.list_files(order_id) if f["layer"] == "B04")
    first = service.request("GET", href, headers={"Range": "bytes=0-99999"})
    dest = tmp_path / "B04.tif"
    (tmp_path / "B04.tif.part").write_bytes(first.content)
    (tmp_path / "B04.tif.part.etag").write_text(first.headers["ETag"])
    seen = []
    client.download(order_id, rel, dest, progress=lambda done, total: seen.append(done))
    assert dest.read_bytes() == layer_bytes("B04")
    assert seen[0] > 100000  # continued after the bytes already there
    # A stale partial file (no validator) is not trusted: the file is fetched again.
    (tmp_path / "again.tif.part").write_bytes(b"garbage" * 1000)
    client.download(order_id, rel, tmp_path / "again.tif")
    assert (tmp_path / "again.tif").read_bytes() == layer_bytes("B04")


def test_client_says_when_the_service_is_down():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = EngineClient(f"http://127.0.0.1:{port}")
    with pytest.raises(ServiceUnavailable) as info:
        client.health()
    assert str(info.value) == (f"the engine service at http://127.0.0.1:{port} is not "
                               "reachable: connection refused")


def test_client_times_out_on_a_silent_service():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        client = EngineClient(f"http://127.0.0.1:{port}", timeout_s=(1, 0.5))
        with pytest.raises(ServiceUnavailable, match="no answer within 0.5 s"):
            client.list_orders()
    finally:
        listener.close()


def test_client_recognises_something_that_is_not_the_service(tmp_path):
    from http.server import HTTPServer, SimpleHTTPRequestHandler

    (tmp_path / "health").write_text("<html>hello</html>")

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(tmp_path), **k)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = EngineClient(f"http://127.0.0.1:{server.server_address[1]}")
        with pytest.raises(ServiceUnavailable, match="not JSON; is this URL an engine service"):
            client.health()
        with pytest.raises(ServiceError) as info:
            client.list_orders()
        assert info.value.status == 404
    finally:
        server.shutdown()
        server.server_close()


def test_client_bypasses_proxies_for_loopback_and_uses_given_ones_elsewhere(service):
    proxies = {"http": "http://127.0.0.1:9", "https": "http://127.0.0.1:9"}
    local = service.client(proxies=proxies)
    assert local.health()["status"] == "ok"  # the dead proxy was not used
    remote = EngineClient("http://engine.example.invalid:8765", proxies=proxies,
                          timeout_s=(1, 1))
    assert remote.session.proxies == proxies and remote.session.trust_env is False
    with pytest.raises(ServiceUnavailable, match="proxy"):
        remote.health()
    with pytest.raises(Exception, match="expected http://host:port"):
        EngineClient("ftp://127.0.0.1")


def test_client_goes_direct_when_told_no_proxy_whatever_the_environment(monkeypatch):
    """QGIS says "no proxy" for this address (proxy off, or the address excluded): the
    environment's proxy variables must not send the calls through a proxy anyway."""
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    direct = EngineClient("http://engine.example.invalid:8765", proxies={})
    assert direct.session.trust_env is False and direct.session.proxies == {}
    default = EngineClient("http://engine.example.invalid:8765")  # no advice: the environment
    assert default.session.trust_env is True


def test_downloads_stream_without_loading_the_file(service, tmp_path):
    import tracemalloc

    from s2gm_qgis.core.orders.store import OrderFile

    record = service.store.create(spec(), "big")
    service.store.claim(record.id, "test:1")
    folder = service.data.results_root / record.id
    folder.mkdir(parents=True)
    size = 64 * 1024 * 1024
    with open(folder / "big.tif", "wb") as handle:  # sparse: instant to write
        handle.truncate(size)
    service.store.finish(record.id, {}, [OrderFile("big.tif", "B04", size)])

    tracemalloc.start()
    try:
        client = service.client()
        dest = client.download(record.id, "big.tif", tmp_path / "big.tif")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert dest.stat().st_size == size
    assert peak < 8 * 1024 * 1024, f"peak Python allocations {peak / 2**20:.1f} MiB"
