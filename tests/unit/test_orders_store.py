"""The SQLite order store: schema, life cycle, one transaction per change, restart recovery."""
from __future__ import annotations

import sqlite3
import threading

import pytest

from s2gm_qgis.core.orders import store as store_module
from s2gm_qgis.core.orders.store import (
    CANCELLED, FAILED, FINISHED, PARTIALLY_FINISHED, PLACED, PROCESSING, QUEUED, SCHEMA_VERSION,
    OrderFile, OrderNotFound, OrderStateError, OrderStore, StoreError, parse_utc,
)

SPEC = {"name": "t1", "period": "month", "start": "2024-06-01"}
DEAD_OWNER = "this-host-does-not-exist:1"


@pytest.fixture
def store(tmp_path):
    return OrderStore(tmp_path / "orders.sqlite")


def test_new_store_is_wal_versioned_and_reopens(tmp_path):
    path = tmp_path / "sub" / "orders.sqlite"
    OrderStore(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
    again = OrderStore(path)  # re-opening migrates nothing and keeps the data
    assert again.schema_version() == SCHEMA_VERSION
    assert again.integrity_check() == "ok"


def test_store_from_a_newer_version_is_refused_untouched(tmp_path):
    path = tmp_path / "orders.sqlite"
    OrderStore(path).create(SPEC, "t1")
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer s2gm_qgis"):
        OrderStore(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 1
    conn.close()


def test_other_sqlite_files_and_garbage_are_refused(tmp_path):
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE products (id TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not an order store"):
        OrderStore(other)
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database file at all" * 200)
    with pytest.raises(StoreError, match="garbage.sqlite"):
        OrderStore(garbage)


def test_migrations_upgrade_an_older_store(tmp_path, monkeypatch):
    path = tmp_path / "orders.sqlite"
    OrderStore(path).create(SPEC, "kept")
    extra = ("ALTER TABLE orders ADD COLUMN priority INTEGER NOT NULL DEFAULT 0",)
    monkeypatch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS + (extra,))
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    upgraded = OrderStore(path)
    assert upgraded.schema_version() == SCHEMA_VERSION + 1
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT name, priority FROM orders").fetchall() == [("kept", 0)]
    conn.close()


def test_create_get_and_list_newest_first(store):
    a = store.create(SPEC, "a")
    b = store.create(SPEC, "b", queue=True)
    assert a.state == PLACED and b.state == QUEUED
    assert store.get(a.id).spec == SPEC
    assert [r.name for r in store.orders()] == ["b", "a"]
    assert [r.name for r in store.orders(state=QUEUED)] == ["b"]
    assert [r.name for r in store.orders(limit=1)] == ["b"]
    assert parse_utc(a.created_utc).utcoffset().total_seconds() == 0
    assert a.created_utc.endswith("Z")
    assert [m.text for m in store.get(a.id).messages] == ["order placed"]
    with pytest.raises(ValueError, match="unknown order state"):
        store.orders(state="done")
    with pytest.raises(OrderNotFound, match="nope"):
        store.get("nope")


def test_life_cycle_to_finished_with_files(store):
    order = store.create(SPEC, "a")
    store.enqueue(order.id)
    claimed = store.claim_next("me:1")
    assert claimed.id == order.id and claimed.state == PROCESSING and claimed.attempts == 1
    assert store.claim_next("me:1") is None
    store.report_progress(order.id, 1.7, "block 3")
    assert store.get(order.id).progress == 1.0
    store.report_progress(order.id, 0.25, "block 1")
    assert (store.get(order.id).progress, store.get(order.id).progress_message) == (0.25, "block 1")
    files = [OrderFile("m/B04.tif", "B04", 10), OrderFile("m/metadata.json", None, 3)]
    done = store.finish(order.id, {"files": {"B04": ["m/B04.tif"]}}, files)
    assert done.state == FINISHED and done.progress == 1.0 and done.finished_utc
    assert done.result == {"files": {"B04": ["m/B04.tif"]}}
    assert store.files(order.id) == sorted(files, key=lambda f: f.rel_path)
    with pytest.raises(OrderStateError, match="already ended"):
        store.request_cancel(order.id)
    with pytest.raises(OrderStateError, match="finished"):
        store.retry(order.id)


def test_claim_is_fifo_and_partial_and_fail_are_recorded(store):
    first = store.create(SPEC, "first", queue=True)
    second = store.create(SPEC, "second", queue=True)
    assert store.claim_next("me:1").id == first.id
    assert store.claim_next("me:1").id == second.id
    partial = store.finish(first.id, {}, [], partial_reason="no output for B12")
    assert partial.state == PARTIALLY_FINISHED
    assert "no output for B12" in partial.messages[-1].text
    failed = store.fail(second.id, "no product covers the AOI")
    assert failed.state == FAILED and failed.error == "no product covers the AOI"
    assert failed.messages[-1].level == "error"


def test_cancel_retry_delete(store):
    queued = store.create(SPEC, "q", queue=True)
    assert store.request_cancel(queued.id).state == CANCELLED
    assert store.request_cancel(queued.id).state == CANCELLED  # idempotent

    running = store.create(SPEC, "r", queue=True)
    store.claim(running.id, "me:1")
    flagged = store.request_cancel(running.id)
    assert flagged.state == PROCESSING and flagged.cancel_requested
    assert store.is_cancel_requested(running.id)
    with pytest.raises(OrderStateError, match="cancel it before deleting"):
        store.delete(running.id)
    assert store.mark_cancelled(running.id).state == CANCELLED

    again = store.retry(running.id)
    assert again.state == QUEUED and again.attempts == 0 and not again.cancel_requested
    assert again.started_utc is None and again.error is None

    store.delete(queued.id)
    with pytest.raises(OrderNotFound):
        store.get(queued.id)
    conn = sqlite3.connect(store.path)
    assert conn.execute("SELECT COUNT(*) FROM order_messages WHERE order_id = ?",
                        (queued.id,)).fetchone()[0] == 0
    conn.close()


def test_requeue_after_shutdown_does_not_count_the_attempt(store):
    order = store.create(SPEC, "a", queue=True)
    store.claim_next("me:1")
    requeued = store.requeue(order.id, "service stopped")
    assert requeued.state == QUEUED and requeued.attempts == 0 and requeued.owner is None


def test_failed_transaction_changes_nothing(store):
    order = store.create(SPEC, "a", queue=True)
    store.claim_next("me:1")
    bad_files = [OrderFile("x.tif", "B04", 1), OrderFile("x.tif", "B04", 1)]  # duplicate key
    with pytest.raises(sqlite3.IntegrityError):
        store.finish(order.id, {}, bad_files)
    after = store.get(order.id)
    assert after.state == PROCESSING and store.files(order.id) == []


def test_recovery_resumes_then_fails_orders_of_dead_processes(store):
    order = store.create(SPEC, "a", queue=True)
    store.claim_next(DEAD_OWNER)

    def dead(owner):
        return False if owner == DEAD_OWNER else True

    recovered = store.recover_interrupted(2, is_alive=dead)
    assert [(r.order_id, r.state) for r in recovered] == [(order.id, QUEUED)]
    record = store.get(order.id)
    assert record.state == QUEUED and record.attempts == 1
    last = record.messages[-1].text
    assert "interrupted" in last and "attempt 1 of 2" in last

    store.claim_next(DEAD_OWNER)  # second attempt, dies again
    recovered = store.recover_interrupted(2, is_alive=dead)
    assert recovered[0].state == FAILED
    record = store.get(order.id)
    assert record.state == FAILED
    assert "gave up after 2 attempts" in record.error


def test_recovery_leaves_live_owners_and_fresh_heartbeats_alone(store):
    mine = store.create(SPEC, "mine", queue=True)
    store.claim_next()  # this process: alive
    remote = store.create(SPEC, "remote", queue=True)
    store.claim_next("another-host:42")  # unknown liveness, fresh heartbeat
    assert store.recover_interrupted(3) == []
    assert store.get(mine.id).state == PROCESSING
    # A stale heartbeat from a host we cannot check counts as dead.
    recovered = store.recover_interrupted(3, stale_after_s=0.0)
    assert [r.order_id for r in recovered] == [remote.id]
    assert "no heartbeat from another-host:42" in recovered[0].message


def test_recovery_hook_failure_changes_nothing(store):
    order = store.create(SPEC, "a", queue=True)
    store.claim_next(DEAD_OWNER)

    def refuse(order_id):
        raise OSError("disk full")

    with pytest.raises(OSError):
        store.recover_interrupted(3, is_alive=lambda o: False, on_recover=refuse)
    assert store.get(order.id).state == PROCESSING


def test_concurrent_claims_take_each_order_once(store):
    ids = {store.create(SPEC, f"o{k}", queue=True).id for k in range(30)}
    taken: list[str] = []
    lock = threading.Lock()

    def worker():
        while (record := store.claim_next(f"w:{threading.get_ident()}")) is not None:
            with lock:
                taken.append(record.id)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == sorted(ids)
    assert store.integrity_check() == "ok"


def test_recovery_frees_orders_left_by_an_earlier_process_with_our_pid(store):
    """After a reboot, or in a container where the service is always pid 1, a new process may
    get the pid of the one that died; the orders that one left processing are still orphans."""
    import os
    import socket

    host, pid = socket.gethostname(), os.getpid()
    earlier = store.create(SPEC, "earlier", queue=True)
    store.claim_next(f"{host}:{pid}")  # how owners were written before the process token
    other = store.create(SPEC, "other", queue=True)
    store.claim_next(f"{host}:{pid}:0123456789abcdef")  # same pid, another process
    mine = store.create(SPEC, "mine", queue=True)
    store.claim_next()  # this very process: still running it
    recovered = store.recover_interrupted(3)
    assert sorted(r.order_id for r in recovered) == sorted([earlier.id, other.id])
    assert all("stopped" in r.message for r in recovered)
    assert store.get(mine.id).state == PROCESSING
    assert store_module.owner_is_alive(store_module.process_owner()) is True


class FakeKernel32:
    """The three kernel32 calls the Windows liveness check makes, over a table of processes
    (pid -> exit code; 259 is STILL_ACTIVE)."""

    def __init__(self, processes):
        self.processes = processes
        self.last_error = 0
        self.closed = []

    def OpenProcess(self, access, inherit, pid):  # noqa: N802 (Windows API names)
        if pid not in self.processes:
            self.last_error = 87  # ERROR_INVALID_PARAMETER: no such process
            return 0
        return 1000 + pid

    def GetExitCodeProcess(self, handle, code_ref):  # noqa: N802
        code_ref._obj.value = self.processes[handle - 1000]
        return 1

    def CloseHandle(self, handle):  # noqa: N802
        self.closed.append(handle)
        return 1


def test_liveness_on_windows_asks_the_process_table_never_os_kill(monkeypatch):
    """On Windows os.kill(pid, 0) is not a probe: signal 0 is CTRL_C_EVENT, which would send
    Ctrl+C to processes sharing QGIS's or the service's console."""
    import socket

    kernel32 = FakeKernel32({4242: 259, 4243: 0})
    monkeypatch.setattr(store_module, "_WINDOWS", True)
    monkeypatch.setattr(store_module, "_windows_kernel32", lambda: (kernel32,
                                                                    lambda: kernel32.last_error))

    def no_kill(*args):
        raise AssertionError("os.kill called on Windows")

    monkeypatch.setattr(store_module.os, "kill", no_kill)
    host = socket.gethostname()
    assert store_module.owner_is_alive(f"{host}:4242:abc") is True  # still active
    assert store_module.owner_is_alive(f"{host}:4243:abc") is False  # exited, handle kept
    assert store_module.owner_is_alive(f"{host}:4244:abc") is False  # gone
    assert kernel32.closed == [1000 + 4242, 1000 + 4243]
