"""The mosaic engine on a real Dask cluster on 127.0.0.1: a ``LocalCluster`` of 2 worker
processes (and, for the scheduler's loss, a ``dask scheduler`` and ``dask worker`` started as the
README tells). Results are compared pixel for pixel with the single-process engine."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from s2gm_qgis.core.mosaic.engine import run_mosaic  # noqa: E402
from s2gm_qgis.core.mosaic.order import MosaicOrder  # noqa: E402
from s2gm_qgis.core.mosaic.parts import plan_parts  # noqa: E402
from s2gm_qgis.core.orders.dask_engine import (  # noqa: E402
    PARTS_FOLDER, DaskEngine, SchedulerLost, parse_dask_address,
)
from s2gm_qgis.core.orders.datadir import DataDir, results_dir, staging_dir  # noqa: E402
from s2gm_qgis.core.orders.runner import execute_order  # noqa: E402
from s2gm_qgis.core.orders.store import OrderStore  # noqa: E402
from s2gm_qgis.core.errors import CancelledError, S2GMError  # noqa: E402

from .dask_support import assert_same_rasters, four_tile_archive, one_tile_archive  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def four_tiles(tmp_path_factory):
    folder = tmp_path_factory.mktemp("four-tiles")
    return folder, four_tile_archive(folder)


@pytest.fixture(scope="module")
def one_tile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("one-tile")
    aoi = one_tile_archive(folder)
    order = MosaicOrder.create(name="big", aoi=aoi, period="month", start="2024-06-01",
                               resolution_m=10, format="gtiff",
                               bands=["B02", "B04", "B8A", "quality_scene_classification",
                                      "source_index", "valid_obs", "sun_zenith"])
    single = run_mosaic(order, [folder], tmp_path_factory.mktemp("one-tile-single"), workers=1)
    return folder, order, single


@pytest.fixture(scope="module")
def engine():
    with DaskEngine("local:2", part_px=512) as dask_engine:
        yield dask_engine


def test_addresses_are_parsed_with_clear_errors():
    assert parse_dask_address("local") == (2, None)
    assert parse_dask_address("local:3") == (3, None)
    assert parse_dask_address("tcp://10.0.0.5:8786") == (None, "tcp://10.0.0.5:8786")
    assert parse_dask_address("10.0.0.5:8786") == (None, "tcp://10.0.0.5:8786")
    for bad in ("", "local:0", "tcp://host:8786/path"):
        with pytest.raises(S2GMError, match="--dask"):
            parse_dask_address(bad)
    with pytest.raises(ValueError, match="multiple of 512"):
        DaskEngine("local", part_px=1000)


def test_an_unreachable_scheduler_is_named():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SchedulerLost, match=f"cannot reach the Dask scheduler at "
                                            f"tcp://127.0.0.1:{port}"):
        DaskEngine(f"127.0.0.1:{port}", connect_timeout_s=1).start()


def test_a_multi_tile_order_through_the_store_equals_the_single_process_engine(
        engine, four_tiles, tmp_path):
    folder, aoi = four_tiles
    order = MosaicOrder.create(name="four", aoi=aoi, period="month", start="2024-06-01",
                               resolution_m=10, format="cog")
    single = run_mosaic(order, [folder], tmp_path / "single", workers=1)
    assert [g.name for g in single.grids] == ["32TPL", "32TPM", "33TTF", "33TTG"]

    data = DataDir(tmp_path / "data").create()
    store = OrderStore(data.store_path)
    record = store.create(order.to_dict(), order.name, queue=True)
    progress = []
    final = execute_order(store, record.id, engine, archives=[folder],
                          results_root=data.results_root, progress=lambda f, m: progress.append(m))
    assert final.state == "finished", final.error
    assert final.result["counts"] == dict(single.counts)
    assert final.result["counts"]["pixels_with_data"] > 0
    # One task per output grid, each reported in the store.
    tasks = store.get(record.id).tasks
    assert sorted(t.label for t in tasks) == ["grid 32TPL", "grid 32TPM", "grid 33TTF",
                                              "grid 33TTG"]
    assert all(t.state == "done" and t.progress == 1.0 and t.worker for t in tasks)
    assert len({t.worker for t in tasks}) == 2  # both workers took tasks
    assert any("part(s) done" in m for m in progress)

    folder_out = results_dir(data.results_root, record.id)
    distributed = run_result(final.result, folder_out)
    assert assert_same_rasters(single, distributed) == len(order.bands) * 4
    assert not list(folder_out.rglob(f"*{PARTS_FOLDER}*"))
    assert not staging_dir(data.results_root, record.id).exists()


class _Result:
    """The files of a stored result (paths relative to the results folder)."""

    def __init__(self, files):
        self.files = files


def run_result(result, folder: Path) -> _Result:
    return _Result({layer: [folder / p for p in paths] for layer, paths in result["files"].items()})


def test_a_large_grid_runs_in_groups_of_blocks_with_the_same_pixels(engine, one_tile, tmp_path):
    folder, order, single = one_tile
    grid = single.grids[0]
    assert grid.width > 1024 and grid.height > 1024
    parts = plan_parts(single.grids, 512)
    assert len(parts) == 9 and "rows 512-1024" in parts[4].label
    tasks = []
    result = engine(order, [folder], tmp_path, task_progress=tasks.append)
    assert dict(result.counts) == dict(single.counts)
    assert assert_same_rasters(single, result) == len(order.bands)
    assert len(tasks[-1]) == 9 and all(t.state == "done" for t in tasks[-1])
    assert [p.name for p in tmp_path.iterdir()] == [result.output_dir.name]


def test_killing_a_worker_mid_order_still_gives_identical_pixels(engine, one_tile, tmp_path):
    folder, order, single = one_tile
    pids = engine.worker_pids()
    assert len(pids) == 2
    killed = {}

    def kill_a_busy_worker(tasks):
        if killed:
            return
        for task in tasks:
            if task.state == "running" and task.worker in pids:
                os.kill(pids[task.worker], signal.SIGKILL)
                killed[task.key] = pids[task.worker]
                return

    reports = []

    def on_tasks(tasks):
        reports.append(tasks)
        kill_a_busy_worker(tasks)

    result = engine(order, [folder], tmp_path, task_progress=on_tasks)
    assert killed, "no task was seen running"
    (victim,) = killed.values()
    with pytest.raises(ProcessLookupError):
        os.kill(victim, 0)
    assert dict(result.counts) == dict(single.counts)
    assert assert_same_rasters(single, result) == len(order.bands)
    final = {t.key: t for t in reports[-1]}
    assert all(t.state == "done" for t in final.values())
    restarted = [t for t in final.values() if t.attempts > 1]
    assert restarted, "the killed worker's task was not re-run"
    assert [p.name for p in tmp_path.iterdir()] == [result.output_dir.name]
    # The nanny starts a new worker process: the cluster is whole again.
    deadline = time.monotonic() + 30
    while len(engine.worker_pids()) < 2:
        assert time.monotonic() < deadline, "the killed worker was not replaced"
        time.sleep(0.2)
    assert victim not in engine.worker_pids().values()


def test_cancel_stops_the_tasks_and_leaves_nothing_behind(engine, one_tile, tmp_path):
    folder, order, _ = one_tile
    data = DataDir(tmp_path / "data").create()
    store = OrderStore(data.store_path)
    record = store.create(order.to_dict(), order.name, queue=True)
    cancel = threading.Event()

    class Engine:
        """The engine, with a cancel as soon as the first task runs."""

        reports_tasks = True

        def __call__(self, *args, task_progress=None, **kwargs):
            def tasks_seen(tasks):
                task_progress(tasks)
                if any(t.state == "running" for t in tasks):
                    cancel.set()
            return engine(*args, task_progress=tasks_seen, **kwargs)

    started = time.monotonic()
    final = execute_order(store, record.id, Engine(), archives=[folder],
                          results_root=data.results_root, cancel=cancel)
    assert final.state == "cancelled"
    assert time.monotonic() - started < 60
    assert list(data.results_root.iterdir()) == []
    tasks = store.get(record.id).tasks
    assert tasks and not any(t.state == "done" and t.progress < 1 for t in tasks)
    # The cluster is free for the next order at once.
    time.sleep(1.0)
    assert list(data.results_root.iterdir()) == []


def test_cancel_before_the_first_task(engine, four_tiles, tmp_path):
    folder, aoi = four_tiles
    order = MosaicOrder.create(name="four", aoi=aoi, period="month", start="2024-06-01",
                               resolution_m=20, bands=["B04"])
    with pytest.raises(CancelledError):
        engine(order, [folder], tmp_path, cancel=lambda: True)
    assert list(tmp_path.iterdir()) == []


# -- a scheduler that goes away -----------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """``dask scheduler`` and ``dask worker`` processes on 127.0.0.1 (as the README shows)."""

    def __init__(self, port: int, logs: Path):
        self.port = port
        self.address = f"tcp://127.0.0.1:{port}"
        self.logs = logs
        self.dask = str(Path(sys.executable).parent / "dask")
        self.env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
        self.processes: list[subprocess.Popen] = []
        self.scheduler = None

    def _start(self, *args: str, name: str) -> subprocess.Popen:
        log = open(self.logs / f"{name}-{len(self.processes)}.log", "wb")
        process = subprocess.Popen([self.dask, *args], stdout=log, stderr=subprocess.STDOUT,
                                   env=self.env, cwd=str(self.logs))
        log.close()
        self.processes.append(process)
        return process

    def start_scheduler(self) -> None:
        self.scheduler = self._start("scheduler", "--host", "127.0.0.1", "--port",
                                     str(self.port), "--no-dashboard", name="scheduler")

    def start_workers(self, n: int = 2) -> None:
        for _ in range(n):
            self._start("worker", self.address, "--nthreads", "1", "--memory-limit", "2GB",
                        "--host", "127.0.0.1", "--no-dashboard", name="worker")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)
        self.processes = []


def test_a_lost_scheduler_fails_the_order_which_can_then_be_retried(one_tile, tmp_path):
    folder, order, single = one_tile
    cluster = Cluster(_free_port(), tmp_path)
    dask_engine = None
    try:
        cluster.start_scheduler()
        cluster.start_workers(2)
        dask_engine = DaskEngine(cluster.address, part_px=512, connect_timeout_s=20).start()
        dask_engine.client().wait_for_workers(2, timeout=60)

        data = DataDir(tmp_path / "data").create()
        store = OrderStore(data.store_path)
        record = store.create(order.to_dict(), order.name, queue=True)

        class Engine:
            """The engine, killing the scheduler (SIGKILL) as soon as a task runs."""

            reports_tasks = True

            def __call__(self, *args, task_progress=None, **kwargs):
                def tasks_seen(tasks):
                    task_progress(tasks)
                    if cluster.scheduler.poll() is None and any(t.state == "running"
                                                                for t in tasks):
                        cluster.scheduler.kill()
                return dask_engine(*args, task_progress=tasks_seen, **kwargs)

        failed = execute_order(store, record.id, Engine(), archives=[folder],
                               results_root=data.results_root)
        assert failed.state == "failed"
        assert f"the Dask scheduler at {cluster.address} went away" in failed.error
        assert "retry the order" in failed.error
        assert list(data.results_root.iterdir()) == []

        # While it is down, an order fails at once with the reason.
        cluster.stop()
        store.retry(record.id)
        down = execute_order(store, record.id, dask_engine, archives=[folder],
                             results_root=data.results_root)
        assert down.state == "failed" and "cannot reach the Dask scheduler" in down.error

        # The cluster is back on the same address: the retried order finishes, same pixels.
        cluster.start_scheduler()
        cluster.start_workers(2)
        store.retry(record.id)
        deadline = time.monotonic() + 60
        while True:
            try:
                dask_engine.client().wait_for_workers(2, timeout=60)
                break
            except SchedulerLost:
                assert time.monotonic() < deadline
                time.sleep(0.5)
        done = execute_order(store, record.id, dask_engine, archives=[folder],
                             results_root=data.results_root)
        assert done.state == "finished", done.error
        assert done.result["counts"] == dict(single.counts)
        assert_same_rasters(single, run_result(done.result,
                                               results_dir(data.results_root, record.id)))
    finally:
        if dask_engine is not None:
            dask_engine.close()
        cluster.stop()
