"""execute_order and OrderRunner with a real engine function (tests/unit/test_orders_support.py)
and the real MosaicOrder parser."""
from __future__ import annotations

import threading
import time

import pytest

from s2gm_qgis.core.orders.datadir import results_dir, staging_dir
from s2gm_qgis.core.orders.runner import OrderRunner, execute_order
from s2gm_qgis.core.orders.store import (
    CANCELLED, FAILED, FINISHED, PARTIALLY_FINISHED, PROCESSING, QUEUED, OrderStateError,
    OrderStore,
)

from .test_orders_support import layer_bytes, scripted_engine, spec


@pytest.fixture
def store(tmp_path):
    return OrderStore(tmp_path / "data" / "orders.sqlite")


@pytest.fixture
def results(tmp_path):
    return tmp_path / "data" / "results"


def run(store, results, order_id, **kwargs):
    return execute_order(store, order_id, scripted_engine, archives=[results.parent],
                         results_root=results, **kwargs)


def wait_for(predicate, timeout_s=10.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_execute_order_finishes_with_relative_result_files(store, results):
    order = store.create(spec(), "fast")
    seen = []
    record = run(store, results, order.id, progress=lambda f, m: seen.append(f), workers=2)
    assert record.state == FINISHED, record.messages
    assert seen and seen[-1] == 1.0
    folder = results_dir(results, order.id)
    assert not staging_dir(results, order.id).exists()
    paths = [f.rel_path for f in store.files(order.id)]
    assert len(paths) == 5 and all(not p.startswith("/") for p in paths)
    assert {f.layer for f in store.files(order.id)} == {"B02", "B03", "B04", "source_index", None}
    b04 = record.result["files"]["B04"][0]
    assert (folder / b04).read_bytes() == layer_bytes("B04")
    assert record.result["workers"] == 2
    assert str(results.parent) not in str(record.result["output_dir"])


def test_cancel_mid_run_leaves_nothing(store, results):
    order = store.create(spec("slow-30"), "slow")
    cancel = threading.Event()
    timer = threading.Timer(0.3, cancel.set)
    timer.start()
    record = run(store, results, order.id, cancel=cancel)
    assert record.state == CANCELLED
    assert not results_dir(results, order.id).exists()
    assert not staging_dir(results, order.id).exists()


def test_cancel_through_the_store_from_another_thread(store, results):
    order = store.create(spec("slow-30"), "slow")
    threading.Timer(0.3, lambda: store.request_cancel(order.id)).start()
    started = time.monotonic()
    record = run(store, results, order.id)
    assert record.state == CANCELLED
    assert time.monotonic() - started < 2.0


def test_shutdown_requeues_without_counting_the_attempt(store, results):
    order = store.create(spec("slow-30"), "slow")
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    record = run(store, results, order.id, shutdown=stop)
    assert record.state == QUEUED and record.attempts == 0
    assert "re-queued" in record.messages[-1].text
    assert not staging_dir(results, order.id).exists()


@pytest.mark.parametrize("name, state, text", [
    ("nodata", FAILED, "no Sentinel-2 L2A product"),
    ("crash", FAILED, "internal error in the engine: RuntimeError: simulated engine bug"),
    ("partial", PARTIALLY_FINISHED, "no output for source_index"),
])
def test_engine_errors_and_partial_results(store, results, name, state, text):
    order = store.create(spec(name), name)
    record = run(store, results, order.id)
    assert record.state == state
    assert text in (record.error or record.messages[-1].text)
    if state == FAILED:
        assert not results_dir(results, order.id).exists()


def test_a_stored_spec_that_no_longer_validates_fails_with_the_reason(store, results):
    order = store.create(dict(spec(), resolution_m=25), "old")
    record = run(store, results, order.id)
    assert record.state == FAILED
    assert "resolution_m" in record.error


def test_execute_order_refuses_an_order_that_is_not_waiting(store, results):
    order = store.create(spec(), "fast")
    run(store, results, order.id)
    with pytest.raises(OrderStateError, match="finished"):
        run(store, results, order.id)


def test_resumed_order_starts_from_clean_output(store, results):
    order = store.create(spec(), "fast", queue=True)
    leftover = staging_dir(results, order.id) / "half-written.tif"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"x")
    record = run(store, results, order.id)
    assert record.state == FINISHED
    assert "half-written.tif" not in [f.rel_path for f in store.files(order.id)]


def make_runner(store, results, **kwargs):
    kwargs.setdefault("poll_s", 0.1)
    return OrderRunner(store, results, [results.parent], scripted_engine, **kwargs)


def test_runner_runs_queued_orders_concurrently(store, results):
    runner = make_runner(store, results, concurrency=2)
    runner.start()
    try:
        ids = [runner.submit(spec(f"slow-{k}")).id for k in (5, 5, 2)]
        assert wait_for(lambda: len(runner.running) == 2, 3.0)
        assert runner.wait_until_idle(10.0)
    finally:
        runner.stop()
    assert [store.get(i).state for i in ids] == [FINISHED] * 3


def test_runner_cancel_retry_delete(store, results):
    runner = make_runner(store, results)
    runner.start()
    try:
        order = runner.submit(spec("slow-50"))
        assert wait_for(lambda: runner.running == [order.id])
        assert runner.cancel(order.id).cancel_requested
        assert wait_for(lambda: store.get(order.id).state == CANCELLED, 3.0)
        assert runner.cancel(order.id).state == CANCELLED  # cancelling again changes nothing
        runner.retry(order.id)
        assert wait_for(lambda: store.get(order.id).state == PROCESSING, 3.0)
        runner.cancel(order.id)
        assert wait_for(lambda: store.get(order.id).state == CANCELLED, 3.0)

        fast = runner.submit(spec())
        assert wait_for(lambda: store.get(fast.id).state == FINISHED, 5.0)
        assert results_dir(results, fast.id).is_dir()
        runner.delete(fast.id)
        assert not results_dir(results, fast.id).exists()
    finally:
        runner.stop()


def test_runner_stop_requeues_running_orders_and_next_start_resumes(store, results):
    runner = make_runner(store, results)
    runner.start()
    order = runner.submit(spec("slow-50"))
    assert wait_for(lambda: runner.running == [order.id])
    assert runner.stop(timeout_s=5.0) == [order.id]
    record = store.get(order.id)
    assert record.state == QUEUED and record.attempts == 0

    second = make_runner(store, results)
    second.start()
    try:
        assert wait_for(lambda: store.get(order.id).state == FINISHED, 10.0)
    finally:
        second.stop()
    assert store.get(order.id).attempts == 1


def test_runner_start_recovers_orders_of_a_dead_process(store, results):
    order = store.create(spec(), "fast", queue=True)
    store.claim_next("this-host-does-not-exist:1")
    staging_dir(results, order.id).mkdir(parents=True)
    runner = make_runner(store, results, stale_after_s=0.0)
    recovered = runner.start()
    try:
        assert [r.order_id for r in recovered] == [order.id]
        assert wait_for(lambda: store.get(order.id).state == FINISHED, 5.0)
    finally:
        runner.stop()
    texts = [m.text for m in store.get(order.id).messages]
    assert any("re-queued to resume" in t for t in texts)


def test_runner_validates_before_queueing(store, results):
    from s2gm_qgis.core.errors import ValidationError

    runner = make_runner(store, results)
    with pytest.raises(ValidationError) as info:
        runner.submit(dict(spec(), resolution_m=25, period="fortnight"))
    assert {"resolution_m", "period"} <= set(info.value.errors)
    assert store.orders() == []


def test_runner_fails_an_order_it_cannot_finish_and_keeps_going(store, results, monkeypatch):
    from s2gm_qgis.core.orders import runner as runner_module

    def disk_full(folder, result):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runner_module, "collect_files", disk_full)
    runner = make_runner(store, results)
    runner.start()
    try:
        order = runner.submit(spec())
        assert wait_for(lambda: store.get(order.id).state == FAILED, 5.0)
        assert "No space left on device" in store.get(order.id).error
        assert not results_dir(results, order.id).exists()
        monkeypatch.undo()
        second = runner.submit(spec())
        assert wait_for(lambda: store.get(second.id).state == FINISHED, 5.0)
    finally:
        runner.stop()


@pytest.mark.parametrize("where", ["collect_files", "remove_order_output"])
def test_execute_order_fails_the_order_when_its_folders_cannot_be_written(store, results,
                                                                         monkeypatch, where):
    """The embedded engine's QgsTask calls execute_order alone: a full disk while the results
    are stored (or while the folder of a new attempt is prepared) must end the order failed
    with the reason, not leave it processing for the rest of the session."""
    from s2gm_qgis.core.orders import runner as runner_module

    real = getattr(runner_module, where)
    calls = []

    def disk_full(*args):
        calls.append(args)
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        return real(*args)

    monkeypatch.setattr(runner_module, where, disk_full)
    order = store.create(spec(), "fast", queue=True)
    record = run(store, results, order.id)
    assert record.state == FAILED
    assert "No space left on device" in record.error
    assert not results_dir(results, order.id).exists()
    assert not staging_dir(results, order.id).exists()
