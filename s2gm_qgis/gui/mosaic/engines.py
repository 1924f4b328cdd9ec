"""Where orders run: embedded in QGIS (QgsTasks over the SQLite order store, run by the core's
``OrderRunner`` like the engine service's orders) or in an engine service (HTTP,
``EngineClient``). Both take a ``MosaicOrder`` and give the same typed order records
(``OrderRecord``; the service's JSON answers are read back into them).

Nothing here blocks the GUI thread. Each engine has one background thread for everything that
may wait: every order store access (SQLite writes can wait up to the store's busy timeout for
another QGIS session or a running order; reads parse every listed order), removing result
folders, and every call to the service (network timeouts); outcomes come back to the GUI thread
through a queued signal, in the order the calls were made. Orders compute in QgsTasks, and
service results are downloaded in QgsTasks.
"""
from __future__ import annotations

import logging
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from qgis.core import QgsApplication, QgsTask
from qgis.PyQt.QtCore import QObject, pyqtSignal, pyqtSlot

from ...core.errors import S2GMError, ValidationError
from ...core.mosaic.order import MosaicOrder
from ...core.orders.datadir import STORE_NAME, remove_order_output, results_dir
from ...core.orders.runner import OrderRunner
from ...core.orders.store import OrderRecord, OrderState, OrderStateError, OrderStore
from ...qgis_support.i18n import tr
from ...qgis_support.compat import keep_pyproj_context

log = logging.getLogger(__name__)

#: Orders the list shows (newest first).
ORDER_LIMIT = 200
#: Attempts of an embedded order interrupted by QGIS crashing before it is failed.
MAX_ATTEMPTS = 3
#: (connect, read) timeouts of the calls the orders list makes to the service, seconds.
SERVICE_TIMEOUT_S = (3.05, 10.0)
#: Sub-folder of the results folder where results of service orders are downloaded.
SERVICE_DOWNLOADS = "service"

Callback = Optional[Callable[[Any], None]]


class _GuiThreadBridge(QObject):
    """Carries the outcome of a background call to the GUI thread (queued signal). One for the
    whole session, made on the GUI thread and never deleted: an outcome may still be on its
    way when the engine that asked for it is gone."""

    delivered = pyqtSignal(object, object)  # callback, value

    def __init__(self):
        super().__init__()
        self.delivered.connect(self._deliver)

    @pyqtSlot(object, object)
    def _deliver(self, callback, value) -> None:
        callback(value)


_bridge: Optional[_GuiThreadBridge] = None


def gui_thread_bridge() -> _GuiThreadBridge:
    """The session's bridge (made on first use, which must be on the GUI thread)."""
    global _bridge
    if _bridge is None:
        _bridge = _GuiThreadBridge()
    return _bridge


class OrdersEngine(QObject):
    """What the dock talks to. Subclasses: :class:`EmbeddedEngine`, :class:`ServiceEngine`.

    Calls that may wait run one after another on the engine's background thread
    (:meth:`_call`); their callbacks run on the GUI thread, never after :meth:`stop`.
    """

    #: The current orders (list of OrderRecord, newest first).
    orders_changed = pyqtSignal(list)
    #: A problem reaching the engine (text for the user); "" when it is solved.
    status_changed = pyqtSignal(str)

    kind = ""

    def __init__(self, parent: Optional[QObject] = None):
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1,
                                        thread_name_prefix=f"s2gm-{self.kind}-engine")
        self._bridge = gui_thread_bridge()
        self._closed = False
        self._refreshing = False

    def _call(self, fn: Callable[[], Any], on_done: Callback = None,
              on_failed: Callback = None) -> None:
        """Run ``fn`` on the background thread; hand its value or S2GMError to the GUI thread."""
        def work():
            if self._closed:
                return
            try:
                value = fn()
            except S2GMError as exc:
                outcome, callback = exc, on_failed
            except OSError as exc:  # a folder that cannot be written or removed
                outcome, callback = S2GMError(str(exc)), on_failed
            except Exception as exc:  # noqa: BLE001 (a bug must reach the user, not vanish)
                log.error("%s engine call failed:\n%s", self.kind, traceback.format_exc())
                outcome, callback = S2GMError(f"{type(exc).__name__}: {exc}"), on_failed
            else:
                outcome, callback = value, on_done
            if callback is not None and not self._closed:
                self._bridge.delivered.emit(self._unless_stopped(callback), outcome)
        if not self._closed:
            self._pool.submit(work)

    def _unless_stopped(self, callback: Callable[[Any], None]) -> Callable[[Any], None]:
        """``callback``, skipped if the engine stopped while its outcome was on the way."""
        return lambda value: None if self._closed else callback(value)

    def _change(self, fn: Callable[[], Any], on_failed: Callback) -> None:
        """A change of an order in the background, then a refresh of the list."""
        self._call(fn, lambda _value: self.refresh(), on_failed)

    def start(self) -> None:
        """Begin work (recover, run what waits)."""
        self.refresh()

    def stop(self) -> None:
        """Stop what runs on behalf of this QGIS session (plugin unload, engine change). The
        call under way ends on the background thread, which then releases the engine's
        resources and exits; calls still waiting are dropped; no callback runs any more."""
        if self._closed:
            return
        self._closed = True
        self._pool.submit(self._release)
        self._pool.shutdown(wait=False)

    def _release(self) -> None:
        """Free what the background thread uses (runs on it, last)."""

    def refresh(self) -> None:
        """List the orders in the background; ``orders_changed`` (or ``status_changed``) on the
        GUI thread. A refresh still under way makes this one unnecessary."""
        if self._refreshing or self._closed:
            return
        self._refreshing = True

        def done(value):
            self._refreshing = False
            self.status_changed.emit("")
            self._listed(value)

        def failed(exc):
            self._refreshing = False
            self.status_changed.emit(self._problem_text(exc))

        self._call(self._list_orders, done, failed)

    def _list_orders(self) -> Any:
        """The orders (background thread); what :meth:`_listed` gets."""
        raise NotImplementedError

    def _listed(self, value: Any) -> None:
        self.orders_changed.emit(list(value))

    def _problem_text(self, error: S2GMError) -> str:
        return str(error)

    # Each engine says how to create, cancel, retry and delete an order (background thread),
    # and under which folder the results of its orders are on this computer.
    local_root: Path

    def _create(self, order: MosaicOrder) -> OrderRecord:
        raise NotImplementedError

    def _cancel(self, order_id: str) -> Any:
        raise NotImplementedError

    def _retry(self, order_id: str) -> Any:
        raise NotImplementedError

    def _delete(self, order_id: str) -> Any:
        raise NotImplementedError

    def place(self, order: MosaicOrder, on_placed: Callback = None,
              on_failed: Callback = None) -> None:
        """Place an order; ``on_placed(OrderRecord)`` or ``on_failed(S2GMError)`` on the GUI
        thread (ValidationError carries the field errors)."""
        def placed(record):
            self.refresh()
            if on_placed:
                on_placed(record)

        self._call(lambda: self._create(order), placed, on_failed)

    def cancel(self, order_id: str, on_failed: Callback = None) -> None:
        self._change(lambda: self._cancel(order_id), on_failed)

    def retry(self, order_id: str, on_failed: Callback = None) -> None:
        """Queue the order again; the files of its previous result go."""
        def retry():
            self._retry(order_id)
            remove_order_output(self.local_root, order_id)
        self._change(retry, on_failed)

    def delete(self, order_id: str, on_failed: Callback = None) -> None:
        """Delete the order and its result files."""
        def delete():
            self._delete(order_id)
            remove_order_output(self.local_root, order_id)
        self._change(delete, on_failed)

    def local_folder(self, order: OrderRecord) -> Path:
        """Where the order's results are (or will be) on this computer."""
        return results_dir(self.local_root, order.id)

    def fetch_result(self, order: OrderRecord, on_ready: Callable[[Path], None],
                     on_failed: Callback = None) -> None:
        """Make the result files of a finished order available locally; ``on_ready(folder)``
        with the folder the result's relative paths start from."""
        raise NotImplementedError


# ------------------------------------------------------------------------------------- embedded

class _EndingTask(QgsTask):
    """A task that calls ``on_ended(task)`` on the GUI thread when it ends, however it ends
    (from ``finished``, which QGIS calls there: no signal connection to outlive the task)."""

    def __init__(self, description: str, on_ended: Callable[[Any], None]):
        super().__init__(description, QgsTask.Flag.CanCancel)
        self.on_ended: Optional[Callable[[Any], None]] = on_ended

    def finished(self, _ok: bool) -> None:  # GUI thread
        on_ended, self.on_ended = self.on_ended, None
        if on_ended is not None:
            on_ended(self)


class MosaicOrderTask(_EndingTask):
    """Runs one stored order with the runner (``OrderRunner.execute``; never touches a widget).

    Progress goes to ``setProgress``; the user's cancel is ``isCanceled()``. Stopping QGIS (or
    the plugin) is not a cancel: ``shutdown`` re-queues the order for the next session.
    """

    def __init__(self, runner: OrderRunner, order_id: str, name: str,
                 on_ended: Callable[["MosaicOrderTask"], None]):
        super().__init__(tr("S2GM mosaic {name}").format(name=name), on_ended)
        self.runner = runner
        self.order_id = order_id
        self.shutdown = threading.Event()
        #: The final state, or None when another process ran the order.
        self.final_state: Optional[OrderState] = None
        self.error: Optional[str] = None

    def run(self) -> bool:  # worker thread
        keep_pyproj_context()
        try:
            record = self.runner.execute(
                self.order_id,
                progress=lambda fraction, _message="": self.setProgress(100.0 * fraction),
                cancel=lambda: self.isCanceled() and not self.shutdown.is_set(),
                shutdown=self.shutdown,
            )
        except OrderStateError:
            return True  # another QGIS session (sharing the results folder) took it first
        except Exception as exc:  # the store is unusable: report; recovery will see the order
            self.error = f"{type(exc).__name__}: {exc}"
            log.error("order %s could not run:\n%s", self.order_id, traceback.format_exc())
            return False
        self.final_state = record.state
        return True


class EmbeddedEngine(OrdersEngine):
    """Orders run in this QGIS, one at a time, in QgsTasks, on the archive folders of the
    preferences, by the core's :class:`OrderRunner` (not started: no worker threads of its own;
    each task runs one order with it, as the service's workers do). The store
    (``<results folder>/orders.sqlite``) and the results (``<results folder>/<order id>/``) live
    together, so orders survive a QGIS restart and a change of results folder shows that
    folder's orders.

    The store is opened (created, migrated) on the background thread at the first call; the
    orders list's poll also starts the order the runner would take next when none runs."""

    kind = "embedded"

    #: Emitted with (order id, final state) when a task of this session ends.
    task_ended = pyqtSignal(str, str)

    def __init__(self, results_folder: str | Path, catalogue_path: str | Path,
                 archive_folders: Sequence[str], parent: Optional[QObject] = None):
        super().__init__(parent)
        self.results_root = self.local_root = Path(results_folder)
        self.catalogue_path = Path(catalogue_path)
        self.archive_folders = tuple(archive_folders)
        #: The order store and its runner, once the background thread has opened them.
        self.store: Optional[OrderStore] = None
        self.runner: Optional[OrderRunner] = None
        self.task: Optional[MosaicOrderTask] = None

    def _runner(self) -> OrderRunner:  # background thread
        if self.runner is None:
            self.results_root.mkdir(parents=True, exist_ok=True)
            self.catalogue_path.parent.mkdir(parents=True, exist_ok=True)
            self.store = OrderStore(self.results_root / STORE_NAME)
            self.runner = OrderRunner(self.store, self.results_root, self.archive_folders,
                                      catalogue_path=self.catalogue_path,
                                      max_attempts=MAX_ATTEMPTS)
        return self.runner

    def start(self) -> None:
        def recover():
            return self._runner().recover()

        def recovered(recoveries):
            for recovery in recoveries:
                log.warning("order %s: %s", recovery.order_id, recovery.message)
            self.refresh()

        self._call(recover, recovered, lambda exc: self.status_changed.emit(str(exc)))

    def stop(self) -> None:
        """Stop the running task (its order goes back to the queue for the next session, at the
        engine's next cancel check) without waiting for it."""
        super().stop()
        task, self.task = self.task, None
        if task is not None:
            task.shutdown.set()
            task.cancel()

    def _release(self) -> None:
        if self.store is not None:
            self.store.close()

    def _list_orders(self):
        runner = self._runner()
        return runner.store.orders(limit=ORDER_LIMIT), runner.store.next_queued()

    def _listed(self, value) -> None:
        orders, next_queued = value
        self.orders_changed.emit(orders)
        if next_queued is not None and self.task is None:
            self._run(next_queued)

    def place(self, order, on_placed=None, on_failed=None) -> None:
        if not self.archive_folders and order.source is None:  # a STAC order needs none
            if on_failed:
                on_failed(S2GMError(tr("no Sentinel-2 archive folder is set: add one in the "
                                       "S2GM settings")))
            return
        super().place(order, on_placed, on_failed)

    def _create(self, order):
        return self._runner().submit(order)

    def cancel(self, order_id, on_failed=None) -> None:
        if self.task is not None and self.task.order_id == order_id:
            self.task.cancel()
        super().cancel(order_id, on_failed)

    def _cancel(self, order_id):
        return self._runner().cancel(order_id)

    def _retry(self, order_id):
        return self._runner().retry(order_id)

    def _delete(self, order_id):
        return self._runner().delete(order_id)

    def fetch_result(self, order, on_ready, on_failed=None) -> None:
        folder = self.local_folder(order)
        if folder.is_dir():
            on_ready(folder)
        elif on_failed:
            on_failed(S2GMError(tr("{folder}: the results folder is gone").format(
                folder=folder)))

    def _run(self, record) -> None:
        """Start a task for a queued order (GUI thread)."""
        task = MosaicOrderTask(self.runner, record.id, record.name, on_ended=self._task_done)
        self.task = task
        QgsApplication.taskManager().addTask(task)

    def _task_done(self, task: MosaicOrderTask) -> None:
        if self._closed:
            return
        if self.task is task:
            self.task = None
        if task.error:
            self.status_changed.emit(tr("order {id} could not run: {error}").format(
                id=task.order_id, error=task.error))
        self.refresh()
        if task.final_state is not None:
            self.task_ended.emit(task.order_id, task.final_state)


# ------------------------------------------------------------------------------------- service

class DownloadTask(_EndingTask):
    """Downloads the result files of a service order (resuming partial downloads)."""

    def __init__(self, client_factory: Callable[[], Any], order: OrderRecord,
                 folder: Path, on_ended: Callable[["DownloadTask"], None]):
        super().__init__(tr("Downloading S2GM mosaic {name}").format(name=order.name),
                         on_ended)
        self.client_factory = client_factory
        self.order_id = order.id
        self.folder = folder
        self.error: Optional[S2GMError] = None

    def run(self) -> bool:
        try:
            with self.client_factory() as client:
                files = client.list_files(self.order_id)
                total = sum(int(f.get("size_bytes") or 0) for f in files) or 1
                done = 0
                for item in files:
                    if self.isCanceled():
                        return False
                    rel = item["path"]
                    target = self.folder.joinpath(*rel.split("/"))
                    size = int(item.get("size_bytes") or 0)
                    if not (target.is_file() and target.stat().st_size == size):
                        client.download(self.order_id, rel, target)
                    done += size
                    self.setProgress(100.0 * done / total)
        except S2GMError as exc:
            self.error = exc
            return False
        except OSError as exc:  # the downloads folder cannot be written
            self.error = S2GMError(f"{self.folder}: {exc.strerror or exc}")
            return False
        return True


class ServiceEngine(OrdersEngine):
    """Orders sent to an engine service, called on the engine's background thread; results
    are downloaded into ``<results folder>/service/<order id>/`` (removed with the order, and
    when it is retried)."""

    kind = "service"

    def __init__(self, url: str, token: Optional[str], results_folder: str | Path,
                 proxies: Optional[dict[str, str]] = None, parent: Optional[QObject] = None):
        super().__init__(parent)
        from ...core.orders.client import EngineClient

        self.url = url
        self._client_args = dict(token=token, proxies=proxies)
        self.client = EngineClient(url, timeout_s=SERVICE_TIMEOUT_S, **self._client_args)
        self.local_root = Path(results_folder) / SERVICE_DOWNLOADS
        self.tasks: dict[str, DownloadTask] = {}

    def _client_factory(self):
        from ...core.orders.client import EngineClient

        return EngineClient(self.url, timeout_s=(3.05, 60.0), **self._client_args)

    def stop(self) -> None:
        super().stop()
        for task in list(self.tasks.values()):
            task.cancel()

    def _release(self) -> None:
        self.client.close()

    def _list_orders(self):
        return [OrderRecord.from_json_dict(o) for o in self.client.list_orders(limit=ORDER_LIMIT)]

    def _problem_text(self, error: S2GMError) -> str:
        return tr("engine service: {error}").format(error=error)

    def _create(self, order):
        from ...core.orders.client import ServiceError

        try:
            return OrderRecord.from_json_dict(self.client.create_order(order.to_dict()))
        except ServiceError as exc:
            if exc.fields:
                raise ValidationError(dict(exc.fields)) from None
            raise

    def _cancel(self, order_id):
        return self.client.cancel(order_id)

    def _retry(self, order_id):
        return self.client.retry(order_id)

    def _delete(self, order_id):
        return self.client.delete(order_id)

    def fetch_result(self, order, on_ready, on_failed=None) -> None:
        order_id = order.id
        if order_id in self.tasks:
            return  # already downloading; it will call its own on_ready
        folder = self.local_folder(order)

        def ended(task: DownloadTask) -> None:
            self.tasks.pop(order_id, None)
            if self._closed:
                return
            if task.error is None and not task.isCanceled():
                on_ready(folder)
            elif on_failed:
                on_failed(task.error or S2GMError(tr("download cancelled")))

        task = DownloadTask(self._client_factory, order, folder, ended)
        self.tasks[order_id] = task
        QgsApplication.taskManager().addTask(task)
