"""Orders above the service's area threshold wait in ``needs_approval`` until an operator approves
them (S2GM sent orders above 1 million km2 to people for review): the store's state machine,
the schema upgrade that brought the state, and the token-protected approve endpoint, for real on
127.0.0.1."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest
import requests

from s2gm_qgis.core.mosaic.order import MAX_AOI_KM2, MosaicOrder
from s2gm_qgis.core.orders.datadir import DataDir
from s2gm_qgis.core.orders.openapi import openapi_document
from s2gm_qgis.core.orders.runner import OrderRunner
from s2gm_qgis.core.orders.service import EngineService, make_server, parse_service_order
from s2gm_qgis.core.orders.store import (
    CANCELLED, FAILED, MIGRATIONS, NEEDS_APPROVAL, PLACED, QUEUED, SCHEMA_VERSION, OrderStateError,
    OrderStore, OrderTask, process_owner,
)

from .test_orders_support import scripted_engine, spec

TOKEN = "user-t0ken"
OPERATOR = "operator-t0ken"
#: 1 x 1 degree at 45 N: about 8,700 km2.
LARGE_AOI = [9.0, 45.0, 10.0, 46.0]


def test_the_default_threshold_is_s2gms_million_km2_and_larger_orders_are_valid():
    assert MAX_AOI_KM2 == 1_000_000.0
    order = MosaicOrder.create(aoi="-10,30,20,60", period="month", start="2024-06-01",
                               resolution_m=60)
    assert order.aoi.area_km2 > MAX_AOI_KM2


def test_state_machine(tmp_path):
    store = OrderStore(tmp_path / "orders.sqlite")
    record = store.create(spec(), "big", queue=True, area_km2=2e6,
                          approval_reason="2,000,000 km2 is more than 1,000,000 km2")
    assert record.state == NEEDS_APPROVAL and record.approval_required
    assert record.area_km2 == 2e6 and record.queued_utc is None
    assert "waits for an operator's approval: 2,000,000 km2" in record.messages[-1].text
    # Never taken by a runner, nor started by hand.
    assert store.claim_next(process_owner()) is None
    with pytest.raises(OrderStateError, match="only a placed or queued order can start"):
        store.claim(record.id)
    # Approval queues it, once.
    approved = store.approve(record.id, by="operator at 127.0.0.1")
    assert approved.state == QUEUED and approved.approved_by == "operator at 127.0.0.1"
    assert approved.approved_utc and approved.queued_utc
    with pytest.raises(OrderStateError, match="only an order waiting for approval"):
        store.approve(record.id, by="again")
    # An approved order that failed is retried without a second approval.
    assert store.claim_next(process_owner()).id == record.id
    store.fail(record.id, "disk full")
    assert store.retry(record.id).state == QUEUED

    # Cancelled while waiting: at once; a retry waits for the approval again.
    other = store.create(spec(), "big2", queue=True, approval_reason="large")
    cancelled = store.request_cancel(other.id)
    assert cancelled.state == CANCELLED and "cancelled while needs approval" in \
        cancelled.messages[-1].text
    again = store.retry(other.id)
    assert again.state == NEEDS_APPROVAL and "waits for an operator's approval" in \
        again.messages[-1].text

    # Placed first, queued later: waits too; a small order is queued directly.
    placed = store.create(spec(), "big3", approval_reason="large")
    assert placed.state == PLACED
    with pytest.raises(OrderStateError, match="waits for an operator's approval"):
        store.claim(placed.id)  # the embedded engine's way cannot bypass the approval either
    assert store.enqueue(placed.id).state == NEEDS_APPROVAL
    assert store.create(spec(), "small", queue=True).state == QUEUED
    assert {r.id for r in store.orders(state=NEEDS_APPROVAL)} == {other.id, placed.id}


def test_task_rows_are_kept_per_attempt(tmp_path):
    store = OrderStore(tmp_path / "orders.sqlite")
    record = store.create(spec(), "t", queue=True)
    store.report_tasks(record.id, [OrderTask("a", "grid A", "running")])
    assert store.tasks(record.id) == []  # only while processing
    store.claim_next(process_owner())
    store.report_tasks(record.id, [OrderTask("a", "grid A", "running", 0.5, "block 1", "w1", 1),
                                   OrderTask("b", "grid B", "waiting")])
    store.report_tasks(record.id, [OrderTask("a", "grid A", "done", 1.0, "done", "w1", 2)])
    tasks = {t.key: t for t in store.get(record.id).tasks}
    assert tasks["a"] == OrderTask("a", "grid A", "done", 1.0, "done", "w1", 2)
    assert tasks["b"].state == "waiting"
    assert store.get(record.id).to_json_dict()["tasks"][0]["attempts"] == 2
    with pytest.raises(ValueError, match="task state"):
        store.report_tasks(record.id, [OrderTask("c", "grid C", "exploded")])
    store.fail(record.id, "x")
    store.retry(record.id)
    assert store.tasks(record.id) == []


def test_a_version_1_store_is_upgraded_with_its_orders_messages_and_files(tmp_path):
    path = tmp_path / "orders.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO orders (id, name, spec_json, state, created_utc, updated_utc, result_json) "
        "VALUES ('o1', 'old', '{\"name\": \"old\"}', 'finished', '2024-01-01T00:00:00.000Z', "
        "'2024-01-01T00:00:00.000Z', '{}')")
    conn.execute("INSERT INTO order_messages (order_id, time_utc, level, text) VALUES "
                 "('o1', '2024-01-01T00:00:00.000Z', 'info', 'finished: 1 result files')")
    conn.execute("INSERT INTO order_files VALUES ('o1', 'a/B04.tif', 'B04', 123)")
    with pytest.raises(sqlite3.IntegrityError):  # version 1 knows no needs_approval
        conn.execute("UPDATE orders SET state = 'needs_approval' WHERE id = 'o1'")
    conn.close()

    store = OrderStore(path)
    assert store.schema_version() == SCHEMA_VERSION == 2
    assert store.integrity_check() == "ok"
    record = store.get("o1")
    assert record.state == "finished" and record.name == "old"
    assert [m.text for m in record.messages] == ["finished: 1 result files"]
    assert [f.rel_path for f in store.files("o1")] == ["a/B04.tif"]
    assert not record.approval_required and record.area_km2 is None and record.tasks == ()
    # The rebuilt table still cascades deletes to the messages and files.
    store.delete("o1")
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT COUNT(*) FROM order_messages").fetchone()[0] == 0
        assert check.execute("SELECT COUNT(*) FROM order_files").fetchone()[0] == 0


class ApprovalService:
    def __init__(self, root, *, operator_token=OPERATOR, threshold_km2=5000.0):
        self.data = DataDir(root).create()
        self.store = OrderStore(self.data.store_path)
        self.runner = OrderRunner(self.store, self.data.results_root, [root], scripted_engine,
                                  parse_order=parse_service_order, poll_s=0.1,
                                  approval_above_km2=threshold_km2)
        self.runner.start()
        self.server = make_server(EngineService(self.runner, token=TOKEN,
                                                operator_token=operator_token), "127.0.0.1", 0)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def request(self, method, path, token=TOKEN, **kwargs):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.request(method, self.server.url + path, headers=headers, timeout=10,
                                **kwargs)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.runner.stop(timeout_s=5)


@pytest.fixture
def approval_service(tmp_path):
    svc = ApprovalService(tmp_path / "data")
    yield svc
    svc.close()


def test_large_orders_wait_until_the_operator_approves_them(approval_service):
    svc = approval_service
    small = svc.request("POST", "/orders", json=spec("small")).json()
    assert small["state"] == "queued" and small["approval"]["required"] is False
    created = svc.request("POST", "/orders", json=spec("large", aoi=LARGE_AOI))
    assert created.status_code == 201
    large = created.json()
    assert large["state"] == "needs_approval" and large["approval"]["required"] is True
    assert large["area_km2"] == pytest.approx(8_700, rel=0.05)
    assert large["links"]["approve"] == f"/orders/{large['id']}/approve"
    assert "more than the 5,000 km2" in large["messages"][-1]["text"]
    health = svc.request("GET", "/health").json()
    assert health["needs_approval"] == 1 and health["approval_above_km2"] == 5000.0
    assert health["engine"] == {"type": "local"}

    time.sleep(0.5)  # the runner has had time to take it, and did not
    assert svc.store.get(large["id"]).state == NEEDS_APPROVAL

    # The user's token does not approve; a wrong token is refused; the operator's does.
    refused = svc.request("POST", f"/orders/{large['id']}/approve")
    assert refused.status_code == 403 and "operator token" in refused.json()["error"]
    assert svc.request("POST", f"/orders/{large['id']}/approve",
                       token="guess").status_code == 401
    # The operator token is also good for reading.
    assert svc.request("GET", f"/orders/{large['id']}", token=OPERATOR).status_code == 200
    approved = svc.request("POST", f"/orders/{large['id']}/approve", token=OPERATOR)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["state"] in ("queued", "processing", "finished")
    assert body["approval"]["approved_by"] == "operator at 127.0.0.1"
    again = svc.request("POST", f"/orders/{large['id']}/approve", token=OPERATOR)
    assert again.status_code == 409
    assert svc.runner.wait_until_idle(20)
    assert svc.store.get(large["id"]).state == "finished"
    assert svc.request("POST", "/orders/nope/approve", token=OPERATOR).status_code == 404


def test_cancel_refuses_a_waiting_order(approval_service):
    svc = approval_service
    large = svc.request("POST", "/orders", json=spec("large", aoi=LARGE_AOI)).json()
    cancelled = svc.request("POST", f"/orders/{large['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    retried = svc.request("POST", f"/orders/{large['id']}/retry").json()
    assert retried["state"] == "needs_approval"


def test_without_an_operator_token_nobody_can_approve(tmp_path):
    svc = ApprovalService(tmp_path / "data", operator_token=None)
    try:
        large = svc.request("POST", "/orders", json=spec("large", aoi=LARGE_AOI)).json()
        answer = svc.request("POST", f"/orders/{large['id']}/approve")
        assert answer.status_code == 403
        assert "--operator-token-file" in answer.json()["error"]
        assert svc.store.get(large["id"]).state == NEEDS_APPROVAL
    finally:
        svc.close()


def test_openapi_describes_approval():
    doc = openapi_document()
    approve = doc["paths"]["/orders/{order_id}/approve"]["post"]
    assert approve["security"] == [{"operatorBearer": []}]
    assert set(approve["responses"]) >= {"200", "401", "403", "404", "409"}
    assert "needs_approval" in doc["components"]["schemas"]["Order"]["properties"]["state"][
        "enum"]
    assert "operatorBearer" in doc["components"]["securitySchemes"]
    assert doc["components"]["schemas"]["Order"]["properties"]["tasks"]["items"] == {
        "$ref": "#/components/schemas/Task"}


def test_a_failed_store_state_is_unchanged_by_approve(tmp_path):
    store = OrderStore(tmp_path / "orders.sqlite")
    record = store.create(spec(), "x", queue=True)
    store.claim_next(process_owner())
    store.fail(record.id, "boom")
    with pytest.raises(OrderStateError, match="is failed"):
        store.approve(record.id, by="op")
    assert store.get(record.id).state == FAILED
