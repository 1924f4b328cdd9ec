"""The mosaic engine on a Dask distributed cluster (``engine serve --dask ADDRESS|local[:N]``).

An order outgrowing one computer (a country-wide quarter) runs on an existing distributed engine,
Dask's, instead of a scheduler of our own:

1. The service host finds the order's observations and plans its output grids, as
   :func:`~..mosaic.engine.run_mosaic` does (:func:`~..mosaic.engine.plan_run`).
2. The order is cut into independent parts (:func:`~..mosaic.parts.plan_parts`: one per output
   grid / MGRS tile, large grids into groups of blocks); each part is one Dask task, run on the
   cluster's workers with the observations reaching its grid, and writes its own staged part
   folder (:func:`~..mosaic.parts.run_part`).
3. Only when every part succeeded are they assembled into the S2GM folder (COG / JPEG 2000 /
   NetCDF conversion included), atomically as in a single-process run; the parts are removed.

Progress: each task sends events (started, blocks done, finished; ``Worker.log_event`` on a topic
of the run) that become its :class:`~.store.OrderTask` row in the order store and the order's
progress. Cancel: an order's cancel sets a Dask ``Event`` of the run, which running tasks poll
between blocks (they stop and remove what they wrote); the service waits for them, then cancels
the futures left. A worker that dies mid-task (killed, out of memory) gets the task re-run on
another worker by the scheduler; parts are written whole or not at all and a re-run finds a part
its predecessor completed, so the pixels are those of a run without failure. A task failing
with an exception is re-run ``retries`` times. A scheduler that goes away fails the order with
the reason; the order can be retried, and the engine reconnects for the next order.

Workers need the ``s2gm_qgis`` package, read access to the archives (at the same paths) and
write access to the service's data folder (at the same path: a shared file system), since parts
are written there. Memory per worker: a task composites like one engine thread (one block's
stacks, a 1024 px source tile kept per source), whatever the area or the number of observations;
run workers with one thread each and a memory limit (``dask worker ADDRESS --nthreads 1
--memory-limit 2GB``; a local cluster does so).

Dask (``pip install dask distributed``) is imported only when a :class:`DaskEngine` starts: the
plugin in QGIS never imports it.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

from ..errors import CancelledError, S2GMError
from ..cancel import cancel_check
from ..mosaic.engine import _progress_reporter, plan_run
from ..mosaic.parts import PART_PX, PartResult, PartSpec, assemble, plan_parts, run_part
from .store import OrderTask

#: Worker processes of ``--dask local`` without a number.
DEFAULT_LOCAL_WORKERS = 2
#: Memory limit of each local worker process (Dask restarts a worker above it; its task re-runs).
DEFAULT_WORKER_MEMORY = "2GB"
#: Re-runs of a task that raised an unexpected exception (a worker's death is handled by the
#: scheduler: ``distributed.scheduler.allowed-failures``, default 3).
TASK_RETRIES = 2
#: Seconds between two looks of a task at the run's cancel event, and between two progress
#: events of a task.
TASK_POLL_S = 0.5
#: Seconds the service waits for running tasks to stop after a cancel or a failed part.
STOP_WAIT_S = 60.0
#: Seconds between two writes of the task rows to the store.
TASKS_WRITE_INTERVAL_S = 0.5
#: The folder of the staged parts inside the order's output folder (removed after assembly).
PARTS_FOLDER = ".parts"

_LOCAL = re.compile(r"^local(?::(\d+))?$")


class SchedulerLost(S2GMError):
    """The Dask scheduler cannot be reached, or went away during an order."""


def parse_dask_address(text: str) -> tuple[Optional[int], Optional[str]]:
    """``local`` / ``local:N`` -> (N workers, None); a scheduler address -> (None, address)."""
    text = str(text or "").strip()
    match = _LOCAL.match(text)
    if match:
        n = int(match.group(1) or DEFAULT_LOCAL_WORKERS)
        if n < 1:
            raise S2GMError(f"--dask {text}: a local cluster needs at least 1 worker")
        return n, None
    if not text:
        raise S2GMError("--dask: expected a scheduler address (tcp://host:8786) or local[:N]")
    if "://" not in text:
        text = f"tcp://{text}"
    if not re.match(r"^[a-z]+://[^/\s]+$", text):
        raise S2GMError(f"--dask {text!r}: expected a scheduler address such as "
                        "tcp://host:8786, or local[:N]")
    return None, text


def _distributed():
    """The ``distributed`` module, or a clear error when Dask is not installed."""
    try:
        import distributed
    except ImportError as exc:
        raise S2GMError(
            f"--dask needs Dask on the service host and its workers ({exc}): "
            "pip install dask distributed") from None
    return distributed


# --------------------------------------------------------------------------------------------
# On a worker
# --------------------------------------------------------------------------------------------

def run_part_task(order, part: PartSpec, observations: Sequence[Any], parts_dir: str,
                  run_id: str, gdal_options: Optional[Mapping[str, str]], threads: int
                  ) -> dict[str, Any]:
    """One part of an order, as a Dask task on a worker. Returns ``{"status": "done",
    "result": PartResult}``, ``{"status": "cancelled"}`` or ``{"status": "failed", "error":
    reason}`` for errors of the data (S2GMError: they would fail again, so they are not
    raised into Dask's retries); anything else is raised (and retried)."""
    from distributed import Event, get_worker

    worker = get_worker()
    topic = f"s2gm-{run_id}"
    event = Event(f"s2gm-cancel-{run_id}")
    looked = [0.0]
    flagged = [False]
    sent = [0.0]

    def send(state: str, fraction: float, message: str) -> None:
        worker.log_event(topic, {"key": part.key, "state": state, "progress": float(fraction),
                                 "message": message, "worker": worker.address,
                                 "pid": os.getpid()})

    def cancelled() -> bool:
        now = time.monotonic()
        if not flagged[0] and now - looked[0] >= TASK_POLL_S:
            looked[0] = now
            flagged[0] = bool(event.is_set())
        return flagged[0]

    def progress(fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - sent[0] >= TASK_POLL_S:
            sent[0] = now
            send("running", fraction, message)

    if cancelled():
        send("cancelled", 0.0, "not started: the order was stopped")
        return {"status": "cancelled"}
    send("running", 0.0, "started")
    try:
        result = run_part(order, part, observations, parts_dir, workers=threads,
                          cancel=cancelled, progress=progress, gdal_options=gdal_options)
    except CancelledError:
        send("cancelled", 0.0, "stopped: the order was stopped")
        return {"status": "cancelled"}
    except S2GMError as exc:
        send("failed", 0.0, str(exc))
        return {"status": "failed", "error": str(exc)}
    send("done", 1.0, f"done in {result.elapsed_s:.1f} s")
    return {"status": "done", "result": result}


# --------------------------------------------------------------------------------------------
# On the service host
# --------------------------------------------------------------------------------------------

class _Tracker:
    """The tasks of one run as their events tell (thread-safe: events arrive on Dask's thread)."""

    def __init__(self, parts: Sequence[PartSpec]):
        self._lock = threading.Lock()
        self._tasks = {p.key: OrderTask(p.key, p.label, "waiting") for p in parts}
        self.pids: dict[str, int] = {}

    def on_event(self, event) -> None:
        message = event[1] if isinstance(event, tuple) else event
        if not isinstance(message, Mapping) or message.get("key") not in self._tasks:
            return
        with self._lock:
            task = self._tasks[message["key"]]
            if task.state in ("done", "failed"):
                return
            attempts = task.attempts
            text = str(message.get("message", ""))
            if text == "started":
                attempts += 1
                if attempts > 1:
                    text = (f"started again on {message.get('worker')} (start {attempts}; the "
                            f"worker of the previous start, {task.worker}, stopped)")
            self._tasks[task.key] = replace(
                task, state=str(message.get("state", task.state)),
                progress=float(message.get("progress", task.progress)), message=text,
                worker=message.get("worker") or task.worker, attempts=attempts)
            if message.get("worker") and message.get("pid"):
                self.pids[str(message["worker"])] = int(message["pid"])

    def mark(self, key: str, state: str, progress: float, message: str) -> None:
        with self._lock:
            self._tasks[key] = replace(self._tasks[key], state=state, progress=progress,
                                       message=message)

    def snapshot(self) -> list[OrderTask]:
        with self._lock:
            return list(self._tasks.values())


class DaskEngine:
    """An engine with :func:`~..mosaic.engine.run_mosaic`'s contract whose parts run on a Dask
    cluster: a scheduler at ``address`` (``tcp://host:8786``) or ``local[:N]`` (a
    ``LocalCluster`` of N worker processes on 127.0.0.1, each with one thread and
    ``worker_memory``). Call :meth:`start` first, :meth:`close` at the end."""

    #: :func:`~.runner.execute_order` passes ``task_progress`` to engines that say so.
    reports_tasks = True

    def __init__(self, address: str, *, worker_memory: str = DEFAULT_WORKER_MEMORY,
                 part_px: int = PART_PX, retries: int = TASK_RETRIES,
                 connect_timeout_s: float = 10.0, task_threads: int = 1,
                 stop_wait_s: float = STOP_WAIT_S):
        self.local_workers, self.address = parse_dask_address(address)
        self.spec = str(address)
        self.worker_memory = worker_memory
        self.part_px = int(part_px)
        plan_parts([], self.part_px)  # validates part_px
        self.retries = int(retries)
        self.connect_timeout_s = float(connect_timeout_s)
        self.task_threads = max(1, int(task_threads))
        self.stop_wait_s = float(stop_wait_s)
        self._cluster = None
        self._client = None
        self._lock = threading.Lock()

    # -- cluster -------------------------------------------------------------------------------

    def start(self) -> "DaskEngine":
        """Start the local cluster (``local[:N]``) and connect to the scheduler."""
        distributed = _distributed()
        if self.local_workers is not None and self._cluster is None:
            self._cluster = distributed.LocalCluster(
                n_workers=self.local_workers, threads_per_worker=1, processes=True,
                memory_limit=self.worker_memory, host="127.0.0.1", dashboard_address=None)
            self.address = self._cluster.scheduler_address
        self.client()
        return self

    def client(self):
        """A connected Dask client: the current one, or a new one when the scheduler was lost
        (it may be back). Raises SchedulerLost when it cannot be reached."""
        distributed = _distributed()
        with self._lock:
            if self._client is not None and self._client.status == "running":
                return self._client
            old, self._client = self._client, None
            if old is not None:
                try:
                    old.close(timeout=2)
                except Exception:  # noqa: BLE001 (a lost client may fail to close: drop it)
                    pass
            try:
                self._client = distributed.Client(self.address, timeout=self.connect_timeout_s,
                                                  set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise SchedulerLost(f"cannot reach the Dask scheduler at {self.address}: "
                                    f"{exc}") from None
            return self._client

    def worker_pids(self) -> dict[str, int]:
        """Worker address -> process id (for operators and tests)."""
        return dict(self.client().run(os.getpid))

    def describe(self) -> dict[str, Any]:
        """For the service's health answer."""
        info: dict[str, Any] = {"type": "dask", "scheduler": self.address,
                                "local": self.local_workers is not None}
        client = self._client
        if client is not None and client.status == "running":
            try:
                info["workers"] = len(client.scheduler_info(n_workers=-1)["workers"])
            except Exception as exc:  # noqa: BLE001
                info["error"] = f"{type(exc).__name__}: {exc}"
        else:
            info["connected"] = False
        return info

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
            cluster, self._cluster = self._cluster, None
        if client is not None:
            try:
                client.close(timeout=5)
            except Exception:  # noqa: BLE001
                pass
        if cluster is not None:
            cluster.close(timeout=10)

    def __enter__(self) -> "DaskEngine":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # -- an order ------------------------------------------------------------------------------

    def __call__(self, order, source, out_dir, *, catalogue_path=None, progress=None,
                 cancel=None, workers: Optional[int] = None,
                 task_progress: Optional[Callable[[list[OrderTask]], None]] = None,
                 grids=None):
        """Composite ``order`` on the cluster into ``out_dir`` (see the module docstring);
        ``workers``: threads per task (default ``task_threads``). Returns a
        :class:`~..mosaic.engine.MosaicResult`; raises CancelledError (nothing left behind),
        NoProductsError, SchedulerLost or S2GMError naming the part that failed."""
        started = time.perf_counter()
        cancelled = cancel_check(cancel)
        report = _progress_reporter(progress)
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        plan = plan_run(order, source, catalogue_path=catalogue_path, cancelled=cancelled,
                        report=report, grids=grids)
        parts_dir = out_dir / PARTS_FOLDER
        try:
            parts = plan_parts(plan.grids, self.part_px)
            parts_dir.mkdir()
            results = self._run_parts(order, plan, parts, parts_dir, cancelled, report,
                                      task_progress, workers or self.task_threads)
            counts: dict[str, int] = {}
            dropped: dict[int, tuple[Any, str, str]] = {}
            by_index = {s.source_index: s for s in plan.sources}
            for spec in parts:
                for key, value in results[spec.key].counts.items():
                    counts[key] = counts.get(key, 0) + int(value)
                for index, asset, reason in results[spec.key].dropped:
                    dropped.setdefault(index, (by_index[index], asset, reason))
            report(0.9, f"assembling {len(parts)} part(s)")
            files = assemble(order, plan.grids, [(s, results[s.key].folder) for s in parts],
                             out_dir, plan.metadata(counts, dropped.values()), cancel=cancelled,
                             progress=lambda f, m: report(0.9 + 0.09 * f, m))
        finally:
            shutil.rmtree(parts_dir, ignore_errors=True)
            plan.close()
        report(1.0, "done")
        return plan.result(files, counts, dropped.values(), time.perf_counter() - started)

    def _run_parts(self, order, plan, parts: Sequence[PartSpec], parts_dir: Path,
                   cancelled: Callable[[], bool], report, task_progress, threads: int
                   ) -> dict[str, PartResult]:
        distributed = _distributed()
        client = self.client()
        run_id = uuid.uuid4().hex[:12]
        topic = f"s2gm-{run_id}"
        tracker = _Tracker(parts)
        client.subscribe_topic(topic, tracker.on_event)
        event = distributed.Event(f"s2gm-cancel-{run_id}", client=client)
        futures = []
        results: dict[str, PartResult] = {}
        last_write = [0.0]

        def publish(force: bool = False) -> None:
            now = time.monotonic()
            if task_progress is not None and (force or now - last_write[0]
                                               >= TASKS_WRITE_INTERVAL_S):
                last_write[0] = now
                task_progress(tracker.snapshot())

        try:
            for spec in parts:
                futures.append((spec, client.submit(
                    run_part_task, order, spec, plan.per_grid[spec.grid.name], str(parts_dir),
                    run_id, plan.gdal_options, threads, key=f"s2gm-{run_id}-{spec.key}",
                    retries=self.retries, pure=False)))
            publish(force=True)
            while len(results) < len(parts):
                if cancelled():
                    self._stop(client, event, futures, results)
                    publish(force=True)
                    raise CancelledError("mosaic cancelled; the cluster's tasks were stopped "
                                         "and their parts removed")
                for spec, future in futures:
                    if spec.key in results:
                        continue
                    status = future.status
                    if status == "pending":
                        continue
                    if status in ("cancelled", "lost") or client.status != "running":
                        raise self._lost(len(results), len(parts))
                    if status == "error":
                        reason = self._task_error(future)
                        tracker.mark(spec.key, "failed", 0.0, reason)
                        self._stop(client, event, futures, results)
                        publish(force=True)
                        raise S2GMError(f"{spec.label} failed on the Dask cluster: {reason}")
                    outcome = future.result()
                    if outcome["status"] == "done":
                        results[spec.key] = outcome["result"]
                        tracker.mark(spec.key, "done", 1.0,
                                     f"done in {outcome['result'].elapsed_s:.2f} s")
                    elif outcome["status"] == "failed":
                        tracker.mark(spec.key, "failed", 0.0, outcome["error"])
                        self._stop(client, event, futures, results)
                        publish(force=True)
                        raise S2GMError(f"{spec.label}: {outcome['error']}")
                    else:  # the task saw the run's cancel event
                        if not cancelled():
                            raise S2GMError(f"{spec.label} was stopped on the cluster")
                if client.status != "running":
                    raise self._lost(len(results), len(parts))
                tasks = tracker.snapshot()
                running = sum(1 for t in tasks if t.state == "running")
                fraction = sum(1.0 if t.key in results else t.progress for t in tasks) / len(tasks)
                report(0.05 + 0.85 * fraction,
                       f"{len(results)} of {len(parts)} part(s) done, {running} running on the "
                       f"Dask cluster")
                publish()
                if len(results) < len(parts):
                    time.sleep(0.05)
            publish(force=True)
            return results
        finally:
            left = [f for _, f in futures if f.status == "pending"]
            if left and client.status == "running":
                try:
                    client.cancel(left)
                except Exception:  # noqa: BLE001 (the client may be lost by now)
                    pass
            try:
                client.unsubscribe_topic(topic)
            except Exception:  # noqa: BLE001
                pass

    def _stop(self, client, event, futures, results) -> None:
        """Tell running tasks to stop (the run's event) and wait for them; tasks not started
        see the event as they start and return at once."""
        try:
            event.set()
        except Exception:  # noqa: BLE001 (a lost scheduler: nothing runs any more)
            return
        deadline = time.monotonic() + self.stop_wait_s
        while time.monotonic() < deadline and client.status == "running":
            if all(f.status != "pending" for _, f in futures):
                return
            time.sleep(0.05)

    def _lost(self, done: int, total: int) -> SchedulerLost:
        return SchedulerLost(
            f"the Dask scheduler at {self.address} went away while the order ran ({done} of "
            f"{total} part(s) done); retry the order once the scheduler is back")

    @staticmethod
    def _task_error(future) -> str:
        try:
            exc = future.exception(timeout=5)
        except Exception as err:  # noqa: BLE001
            return f"{type(err).__name__}: {err}"
        if type(exc).__name__ == "KilledWorker":
            return ("its worker process died each time it ran it (killed, or above its memory "
                    f"limit): {exc}")
        return f"{type(exc).__name__}: {exc}"
