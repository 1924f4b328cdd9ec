"""Running orders with the mosaic engine: the one way every path runs an order.

- :func:`run_order` composites one order into a folder: the only call of the engine. The
  command line and the Processing algorithm call it directly (no store); :func:`execute_order`
  calls it for a stored order.
- :func:`execute_order` runs one order from the store to its end state, from any thread.
- :class:`OrderRunner` holds everything a store of orders needs (submit, cancel, retry, delete,
  restart recovery, :meth:`OrderRunner.execute`). Started, it takes queued orders, oldest first,
  ``concurrency`` at a time in worker threads, with heartbeats and graceful shutdown (the engine
  service); not started, its owner runs the orders (the embedded engine, one per QgsTask).

The engine and the order parser are parameters (defaults: ``run_mosaic`` and
``MosaicOrder.from_dict``), so anything with the same contract can be driven:

    engine(order, archives, out_dir, *, catalogue_path=None, progress=None, cancel=None,
           workers=None) -> result with .to_json_dict() (or a dict), raising CancelledError when
           cancel() turns true, after removing its partial output.

An engine with ``reports_tasks = True`` (the distributed engine, :mod:`.dask_engine`) also gets
``task_progress(tasks)``, a list of :class:`~.store.OrderTask`, written to the store.

One staging step: the engine writes the mosaic folder inside the order's results folder under a
hidden name and renames it when complete (``core.mosaic.atomic``); whatever a stopped or dead run
left in the order's results folder is removed before the next attempt, so the results folder only
ever shows complete output.
"""
from __future__ import annotations

import logging
import os
import threading
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

from ..cancel import CancelFlag, cancel_check
from ..errors import CancelledError, S2GMError, ValidationError
from .datadir import remove_order_output, results_dir
from .store import (
    OrderFile, OrderNotFound, OrderRecord, OrderStateError, OrderStore, OrderTask, Recovery,
    process_owner,
)

log = logging.getLogger(__name__)

ProgressFn = Optional[Callable[[float, str], None]]

#: Seconds between two progress writes to the store (the engine may report far more often).
PROGRESS_WRITE_INTERVAL_S = 0.5
#: Seconds between two reads of the store's cancel flag (cancels made by another process).
CANCEL_POLL_INTERVAL_S = 0.5


def parse_mosaic_order(spec: Mapping[str, Any]):
    """Default order parser: ``MosaicOrder.from_dict`` (raises ValidationError per field)."""
    from ..mosaic.order import MosaicOrder

    return MosaicOrder.from_dict(dict(spec))


def run_mosaic_engine(order, archives, out_dir, **kwargs):
    """Default engine: ``s2gm_qgis.core.mosaic.engine.run_mosaic`` (imported on first use)."""
    from ..mosaic.engine import run_mosaic

    return run_mosaic(order, archives, out_dir, **kwargs)


def result_to_dict(result: Any) -> dict[str, Any]:
    """The engine's result as a JSON-ready dict (``to_json_dict()`` or a mapping)."""
    if hasattr(result, "to_json_dict"):
        return dict(result.to_json_dict())
    if isinstance(result, Mapping):
        return dict(result)
    raise TypeError(f"the engine returned {type(result).__name__}, expected a result object")


def _relativise(value: Any, base: Path) -> Any:
    """Paths inside ``base`` (the order's results folder) become paths relative to it, with
    ``/``: the result then reveals no server paths."""
    if isinstance(value, str):
        try:
            rel = Path(value).relative_to(base)
        except ValueError:
            return value
        return rel.as_posix() if rel.parts else "."
    if isinstance(value, Mapping):
        return {k: _relativise(v, base) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_relativise(v, base) for v in value]
    return value


def _layer_of_files(result: Mapping[str, Any]) -> dict[str, str]:
    """rel_path -> layer name from the result's ``files`` (layer -> path or list of paths)."""
    out: dict[str, str] = {}
    files = result.get("files") or {}
    if isinstance(files, Mapping):
        for layer, paths in files.items():
            for path in [paths] if isinstance(paths, str) else list(paths or ()):
                out[str(path)] = str(layer)
    return out


def collect_files(folder: Path, result: Mapping[str, Any]) -> list[OrderFile]:
    """Every regular file under ``folder`` (relative, ``/``-separated, sorted), tagged with the
    layer the engine's result says it holds."""
    layers = _layer_of_files(result)
    files = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(folder).as_posix()
        files.append(OrderFile(rel, layers.get(rel), path.stat().st_size))
    return files


def missing_layers(spec: Mapping[str, Any], result: Mapping[str, Any]) -> list[str]:
    """Requested layers the result has no file for, or fewer files than output grids (S2GM's
    "partially finished": some of the order's parts could not be produced)."""
    files = result.get("files") or {}
    grids = result.get("grids")
    n_grids = len(grids) if isinstance(grids, (list, tuple)) and grids else 1
    missing = []
    for layer in spec.get("bands") or ():
        paths = files.get(layer) if isinstance(files, Mapping) else None
        count = 1 if isinstance(paths, str) else len(paths or ())
        if count < n_grids:
            missing.append(str(layer) if count == 0 else f"{layer} ({count} of {n_grids} grids)")
    return missing


def _discard_output(results_root: Path, order_id: str) -> Optional[str]:
    """Remove what runs of the order wrote; None, or why that failed (logged)."""
    try:
        remove_order_output(results_root, order_id)
    except OSError as exc:
        log.error("order %s: cannot remove its partial output: %s", order_id, exc)
        return f"its partial output could not be removed: {exc.strerror or exc}"
    return None


def _fail(store: OrderStore, results_root: Path, order_id: str, reason: str) -> OrderRecord:
    """Remove the order's partial output and end it ``failed`` with ``reason``."""
    problem = _discard_output(results_root, order_id)
    return store.fail(order_id, f"{reason}; {problem}" if problem else reason)


def run_order(
    order: Any,
    out_dir: str | os.PathLike,
    *,
    archives: Sequence[Any] = (),
    engine: Optional[Callable[..., Any]] = None,
    catalogue_path: Optional[str | os.PathLike] = None,
    progress: ProgressFn = None,
    cancel: CancelFlag = None,
    workers: Optional[int] = None,
    task_progress: Optional[Callable[[Sequence[OrderTask]], None]] = None,
) -> Any:
    """Composite ``order`` (a :class:`~..mosaic.order.MosaicOrder`) from its own source or the
    ``archives`` into ``out_dir`` with ``engine`` (default ``run_mosaic``) and return the
    engine's result. Raises what the engine raises: CancelledError once ``cancel()`` turned true
    (nothing left behind), S2GMError for bad input or no product. ``task_progress`` reaches
    engines that report tasks (``reports_tasks``)."""
    engine = engine or run_mosaic_engine
    extra: dict[str, Any] = {}
    if task_progress is not None and getattr(engine, "reports_tasks", False):
        extra["task_progress"] = task_progress
    return engine(order, list(archives), out_dir, catalogue_path=catalogue_path,
                  progress=progress, cancel=cancel, workers=workers, **extra)


def execute_order(
    store: OrderStore,
    order_id: str,
    engine: Optional[Callable[..., Any]] = None,
    *,
    archives: Sequence[Any],
    results_root: str | os.PathLike,
    catalogue_path: Optional[str | os.PathLike] = None,
    progress: ProgressFn = None,
    cancel: CancelFlag = None,
    shutdown: CancelFlag = None,
    workers: Optional[int] = None,
    parse_order: Callable[[Mapping[str, Any]], Any] = parse_mosaic_order,
    owner: Optional[str] = None,
    claim: bool = True,
) -> OrderRecord:
    """Run order ``order_id`` to its end and return its final record. Usable from any thread.

    ``claim``: move the order from placed/queued to processing first (False when the caller
    already claimed it, as :meth:`OrderStore.claim_next` does). ``cancel`` (a callable or an
    Event) is the user's cancel; the store's cancel flag, set by another thread or process, is
    honoured too; either way the order ends ``cancelled``. ``shutdown`` stops the run without
    cancelling the order: it goes back to ``queued`` for the next start. ``progress(fraction,
    message)`` is called with every engine report; the store gets one write per
    :data:`PROGRESS_WRITE_INTERVAL_S`. Engine errors (S2GMError: bad input, no product for the AOI
    and period), unexpected exceptions and results folders that cannot be written (disk full) end
    the order ``failed`` with the reason, its partial output removed; nothing is raised for them,
    so a caller that runs orders alone (the embedded engine's QgsTask) never leaves one
    ``processing``. Only store errors (the SQLite file itself failing) are raised.
    """
    engine = engine or run_mosaic_engine
    owner = owner or process_owner()
    record = store.claim(order_id, owner) if claim else store.get(order_id)
    results_root = Path(results_root)
    final = results_dir(results_root, order_id)
    user_cancel = cancel_check(cancel)
    stop = cancel_check(shutdown)

    try:
        order = parse_order(record.spec)
    except ValidationError as exc:
        return store.fail(order_id, f"the stored order specification is no longer valid: {exc}")

    try:
        # A previous attempt (or a retried order) may have left output: start from nothing.
        remove_order_output(results_root, order_id)
        final.mkdir(parents=True)
    except OSError as exc:
        return _fail(store, results_root, order_id,
                     f"cannot prepare the results folder: {exc.strerror or exc}")

    last_write = [0.0]
    last_poll = [0.0]
    flagged = [False]

    def on_progress(fraction: float, message: str = "") -> None:
        now = time.monotonic()
        if now - last_write[0] >= PROGRESS_WRITE_INTERVAL_S:
            last_write[0] = now
            store.report_progress(order_id, fraction, message)
        if progress is not None:
            progress(fraction, message)

    def cancelled_by_user() -> bool:
        if user_cancel():
            return True
        now = time.monotonic()
        if not flagged[0] and now - last_poll[0] >= CANCEL_POLL_INTERVAL_S:
            last_poll[0] = now
            try:
                flagged[0] = store.is_cancel_requested(order_id)
            except OrderNotFound:
                flagged[0] = True
        return flagged[0]

    def should_stop() -> bool:
        return cancelled_by_user() or stop()

    try:
        result = run_order(
            order, final, archives=archives, engine=engine, catalogue_path=catalogue_path,
            progress=on_progress, cancel=should_stop, workers=workers,
            task_progress=lambda tasks: store.report_tasks(order_id, tasks),
        )
        result_dict = result_to_dict(result)
    except CancelledError:
        problem = _discard_output(results_root, order_id)
        if user_cancel() or store.is_cancel_requested(order_id):
            return store.mark_cancelled(order_id, "cancelled while processing; " + (
                problem or "partial output removed"))
        return store.requeue(
            order_id, "stopped because the engine shut down; " + (
                problem or "partial output removed") + "; re-queued to resume at the next start",
        )
    except S2GMError as exc:
        return _fail(store, results_root, order_id, str(exc))
    except Exception as exc:  # a bug in the engine: keep the service alive, keep the reason
        log.error("order %s: engine error\n%s", order_id, traceback.format_exc())
        return _fail(store, results_root, order_id,
                     f"internal error in the engine: {type(exc).__name__}: {exc}")

    # A cancel that came too late for the engine is still the user's wish: keep nothing. (A
    # shutdown that came too late does not discard complete work.)
    if user_cancel() or store.is_cancel_requested(order_id):
        problem = _discard_output(results_root, order_id)
        return store.mark_cancelled(order_id, "cancelled; " + (
            problem or "the output the engine had just completed was removed"))

    try:
        result_dict = _relativise(result_dict, final)
        files = collect_files(final, result_dict)
    except OSError as exc:
        return _fail(store, results_root, order_id,
                     f"cannot store the results: {exc.strerror or exc}")
    missing = missing_layers(record.spec, result_dict)
    reason = f"no output for {', '.join(missing)}" if missing else None
    if not files:
        reason = "the engine produced no file"
    try:
        return store.finish(order_id, result_dict, files, partial_reason=reason)
    except (OrderStateError, OrderNotFound):
        remove_order_output(results_root, order_id)
        raise


class OrderRunner:
    """Runs queued orders of ``store``, ``concurrency`` at a time, in worker threads.

    Graceful shutdown (:meth:`stop`): running orders are stopped through the engine's cancel hook,
    their partial output removed, and they go back to ``queued`` without counting an attempt, so
    the next start resumes them. (An engine that does not stop within the timeout is abandoned
    with the process; the next start then finds the order ``processing`` and recovers it.)
    """

    def __init__(
        self,
        store: OrderStore,
        results_root: str | os.PathLike,
        archives: Sequence[Any],
        engine: Optional[Callable[..., Any]] = None,
        *,
        catalogue_path: Optional[str | os.PathLike] = None,
        parse_order: Callable[[Mapping[str, Any]], Any] = parse_mosaic_order,
        concurrency: int = 1,
        workers: Optional[int] = None,
        max_attempts: int = 3,
        poll_s: float = 2.0,
        heartbeat_s: float = 15.0,
        stale_after_s: float = 120.0,
        approval_above_km2: Optional[float] = None,
    ):
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
        self.store = store
        self.results_root = Path(results_root)
        self.archives = list(archives)
        self.engine = engine or run_mosaic_engine
        self.catalogue_path = catalogue_path
        self.parse_order = parse_order
        self.concurrency = int(concurrency)
        self.workers = workers
        self.max_attempts = int(max_attempts)
        self.poll_s = float(poll_s)
        self.heartbeat_s = float(heartbeat_s)
        self.stale_after_s = float(stale_after_s)
        #: Orders whose AOI is larger (km2) wait for an operator's approval; None: none waits.
        self.approval_above_km2 = None if approval_above_km2 is None else float(
            approval_above_km2)
        self.owner = process_owner()
        self._stopping = threading.Event()
        self._cv = threading.Condition()
        self._generation = 0
        self._lock = threading.Lock()
        self._running: dict[str, threading.Event] = {}
        self._threads: list[threading.Thread] = []

    # -- life cycle ----------------------------------------------------------------------------

    def recover(self) -> list[Recovery]:
        """Resume or fail the orders a dead process left ``processing`` (see
        :meth:`OrderStore.recover_interrupted`), removing their partial output first."""
        return self.store.recover_interrupted(
            self.max_attempts, stale_after_s=self.stale_after_s,
            on_recover=lambda oid: remove_order_output(self.results_root, oid),
        )

    def start(self) -> list[Recovery]:
        """Recover interrupted orders, then start the workers. Returns what was recovered."""
        if self._threads:
            raise RuntimeError("the runner is already started")
        self.results_root.mkdir(parents=True, exist_ok=True)
        recovered = self.recover()
        for recovery in recovered:
            log.warning("order %s: %s", recovery.order_id, recovery.message)
        self._stopping.clear()
        for k in range(self.concurrency):
            thread = threading.Thread(target=self._work, name=f"s2gm-order-worker-{k}",
                                      daemon=True)
            thread.start()
            self._threads.append(thread)
        beat = threading.Thread(target=self._beat, name="s2gm-order-heartbeat", daemon=True)
        beat.start()
        self._threads.append(beat)
        return recovered

    def stop(self, timeout_s: Optional[float] = 30.0) -> list[str]:
        """Stop taking orders, stop running ones (re-queued) and wait for the workers up to
        ``timeout_s``. Returns the ids of the orders that were running."""
        with self._lock:
            interrupted = list(self._running)
        self._stopping.set()
        self._wake()
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        for thread in self._threads:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            thread.join(remaining)
        self._threads = [t for t in self._threads if t.is_alive()]
        return interrupted

    @property
    def running(self) -> list[str]:
        """Ids of the orders being processed by this runner."""
        with self._lock:
            return list(self._running)

    # -- order operations ----------------------------------------------------------------------

    def submit(self, order: Any) -> OrderRecord:
        """Queue ``order`` (``needs_approval`` when its AOI is larger than
        :attr:`approval_above_km2`): a parsed order (a ``MosaicOrder``, stored as it is), or a
        specification the order parser validates (raises ValidationError)."""
        if isinstance(order, Mapping):
            order = self.parse_order(order)
        aoi = getattr(order, "aoi", None)
        area = float(aoi.area_km2) if aoi is not None and hasattr(aoi, "area_km2") else None
        reason = None
        if area is not None and self.approval_above_km2 is not None \
                and area > self.approval_above_km2:
            reason = (f"its area of interest covers {area:,.0f} km2, more than the "
                      f"{self.approval_above_km2:,.0f} km2 this service runs without review")
        record = self.store.create(order.to_dict(), getattr(order, "name", "") or "", queue=True,
                                   area_km2=area, approval_reason=reason)
        self._wake()
        return record

    def approve(self, order_id: str, by: str = "operator") -> OrderRecord:
        """An operator approves an order waiting for it: it is queued."""
        record = self.store.approve(order_id, by)
        self._wake()
        return record

    def cancel(self, order_id: str) -> OrderRecord:
        """Cancel an order (see :meth:`OrderStore.request_cancel`); a running one stops at the
        engine's next cancel check."""
        record = self.store.request_cancel(order_id)
        with self._lock:
            event = self._running.get(order_id)
        if event is not None:
            event.set()
        return record

    def retry(self, order_id: str) -> OrderRecord:
        record = self.store.retry(order_id)
        self._wake()
        return record

    def delete(self, order_id: str) -> OrderRecord:
        """Delete an order that is not processing, and its results folder."""
        record = self.store.delete(order_id)
        remove_order_output(self.results_root, order_id)
        return record

    def wait_until_idle(self, timeout_s: float) -> bool:
        """Block until no order is queued or processing (tests, scripts). True if reached."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            busy = self.store.orders(state="queued") or self.store.orders(state="processing")
            if not busy:
                return True
            time.sleep(0.05)
        return False

    # -- workers -------------------------------------------------------------------------------

    def _wake(self) -> None:
        with self._cv:
            self._generation += 1
            self._cv.notify_all()

    def _work(self) -> None:
        while not self._stopping.is_set():
            with self._cv:
                generation = self._generation
            try:
                record = self.store.claim_next(self.owner)
            except Exception:  # the store is busy or broken: say so, try again later
                log.error("cannot take the next order:\n%s", traceback.format_exc())
                record = None
            if record is None:
                with self._cv:
                    if self._generation == generation and not self._stopping.is_set():
                        self._cv.wait(self.poll_s)
                continue
            self._run(record)

    def execute(self, order_id: str, *, claim: bool = True, cancel: CancelFlag = None,
                shutdown: CancelFlag = None, progress: ProgressFn = None) -> OrderRecord:
        """Run order ``order_id`` to its end with this runner's engine, archives and folders
        (:func:`execute_order`), from any thread: the runner's workers, and the embedded
        engine's QgsTask."""
        return execute_order(
            self.store, order_id, self.engine, archives=self.archives,
            results_root=self.results_root, catalogue_path=self.catalogue_path,
            progress=progress, cancel=cancel, shutdown=shutdown, workers=self.workers,
            parse_order=self.parse_order, owner=self.owner, claim=claim,
        )

    def _run(self, record: OrderRecord) -> None:
        event = threading.Event()
        if record.cancel_requested:
            event.set()
        with self._lock:
            self._running[record.id] = event
        try:
            self.execute(record.id, claim=False, cancel=event, shutdown=self._stopping)
        except Exception as exc:  # the store failed (SQLite error): try to record it anyway
            log.error("order %s: could not be run to its end:\n%s", record.id,
                      traceback.format_exc())
            try:
                _fail(self.store, self.results_root, record.id,
                      f"the runner failed: {type(exc).__name__}: {exc}")
            except Exception:  # noqa: BLE001 (the store is unusable: recovery will see it)
                log.error("order %s: cannot record the failure:\n%s", record.id,
                          traceback.format_exc())
        finally:
            with self._lock:
                self._running.pop(record.id, None)

    def _beat(self) -> None:
        while not self._stopping.wait(self.heartbeat_s):
            try:
                self.store.heartbeat(self.running)
            except Exception:
                log.error("heartbeat failed:\n%s", traceback.format_exc())
