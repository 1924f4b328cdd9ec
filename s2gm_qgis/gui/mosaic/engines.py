"""Where orders run: embedded in QGIS (QgsTask over the SQLite order store) or in an engine
service (HTTP, ``EngineClient``). Both give the dock the same interface and the same order
dicts (``OrderRecord.to_json_dict()``, which is also what the service answers).

Nothing here blocks the GUI thread: the embedded engine computes in a QgsTask and only reads the
store (SQLite WAL: readers never wait for the writer) on the GUI thread; the service engine calls
the service on one background thread with short timeouts and hands the answers back to the GUI
thread through a queued signal; result files are downloaded in a QgsTask.
"""
from __future__ import annotations

import logging
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

from qgis.core import QgsApplication, QgsNetworkAccessManager, QgsSettings, QgsTask
from qgis.PyQt.QtCore import QObject, pyqtSignal

from ...core.errors import S2GMError, ValidationError
from ...core.mosaic.order import MosaicOrder
from ...core.orders.datadir import remove_order_output, results_dir
from ...core.orders.runner import execute_order
from ...core.orders.store import (
    PROCESSING, QUEUED, TERMINAL_STATES, OrderStateError, OrderStore,
)
from ..i18n import tr

log = logging.getLogger(__name__)

#: Orders the list shows (newest first).
ORDER_LIMIT = 200
#: Attempts of an embedded order interrupted by QGIS crashing before it is failed.
MAX_ATTEMPTS = 3
#: (connect, read) timeouts of the calls the orders list makes to the service, seconds.
SERVICE_TIMEOUT_S = (3.05, 10.0)
#: File name of the embedded engine's order store in the results folder.
STORE_FILE = "orders.sqlite"
#: Sub-folder of the results folder where results of service orders are downloaded.
SERVICE_DOWNLOADS = "service"

OrderDict = dict[str, Any]
Callback = Optional[Callable[[Any], None]]


class OrdersEngine(QObject):
    """What the dock talks to. Subclasses: :class:`EmbeddedEngine`, :class:`ServiceEngine`."""

    #: The current orders (list of order dicts, newest first).
    orders_changed = pyqtSignal(list)
    #: A problem reaching the engine (text for the user); "" when it is solved.
    status_changed = pyqtSignal(str)

    kind = ""

    def start(self) -> None:
        """Begin work (recover, run what waits)."""

    def stop(self) -> None:
        """Stop what runs on behalf of this QGIS session (plugin unload)."""

    def refresh(self) -> None:
        raise NotImplementedError

    def place(self, spec: Mapping[str, Any], on_placed: Callback = None,
              on_failed: Callback = None) -> None:
        """Place an order; ``on_placed(order dict)`` or ``on_failed(S2GMError)`` on the GUI
        thread (ValidationError carries the field errors)."""
        raise NotImplementedError

    def cancel(self, order_id: str, on_failed: Callback = None) -> None:
        raise NotImplementedError

    def retry(self, order_id: str, on_failed: Callback = None) -> None:
        raise NotImplementedError

    def delete(self, order_id: str, on_failed: Callback = None) -> None:
        raise NotImplementedError

    def fetch_result(self, order: Mapping[str, Any], on_ready: Callable[[Path], None],
                     on_failed: Callback = None) -> None:
        """Make the result files of a finished order available locally; ``on_ready(folder)``
        with the folder the result's relative paths start from."""
        raise NotImplementedError

    def local_folder(self, order: Mapping[str, Any]) -> Path:
        """Where the order's results are (or will be) on this computer."""
        raise NotImplementedError


# ------------------------------------------------------------------------------------- embedded

class MosaicOrderTask(QgsTask):
    """Runs one stored order with ``execute_order`` (never touches a widget).

    Progress goes to ``setProgress``; the user's cancel is ``isCanceled()``. Stopping QGIS (or
    the plugin) is not a cancel: ``shutdown`` re-queues the order for the next session.
    """

    def __init__(self, store: OrderStore, order_id: str, name: str, *, archives: Sequence[str],
                 results_root: Path, catalogue_path: Path):
        super().__init__(tr("S2GM mosaic {name}").format(name=name), QgsTask.Flag.CanCancel)
        self.store = store
        self.order_id = order_id
        self.archives = list(archives)
        self.results_root = results_root
        self.catalogue_path = catalogue_path
        self.shutdown = threading.Event()
        #: The final state, or None when another process ran the order.
        self.final_state: Optional[str] = None
        self.error: Optional[str] = None

    def run(self) -> bool:  # worker thread
        try:
            record = execute_order(
                self.store, self.order_id, archives=self.archives,
                results_root=self.results_root, catalogue_path=self.catalogue_path,
                progress=lambda fraction, _message="": self.setProgress(100.0 * fraction),
                cancel=lambda: self.isCanceled() and not self.shutdown.is_set(),
                shutdown=self.shutdown,
            )
        except OrderStateError:
            return True  # another QGIS session (sharing the results folder) took it first
        except Exception as exc:  # the store is unreadable: report, the order stays for later
            self.error = f"{type(exc).__name__}: {exc}"
            log.error("order %s could not run:\n%s", self.order_id, traceback.format_exc())
            return False
        self.final_state = record.state
        return True


class EmbeddedEngine(OrdersEngine):
    """Orders run in this QGIS, one at a time, in QgsTasks, on the archive folders of the
    preferences. The store (``<results folder>/orders.sqlite``) and the results
    (``<results folder>/<order id>/``) live together, so orders survive a QGIS restart and a
    change of results folder shows that folder's orders."""

    kind = "embedded"

    #: Emitted with (order id, final state) when a task of this session ends.
    task_ended = pyqtSignal(str, str)

    def __init__(self, results_folder: str | Path, cache_folder: str | Path,
                 archive_folders: Sequence[str], parent: Optional[QObject] = None):
        super().__init__(parent)
        self.results_root = Path(results_folder)
        self.results_root.mkdir(parents=True, exist_ok=True)
        self.catalogue_path = Path(cache_folder) / "catalogue.sqlite"
        self.catalogue_path.parent.mkdir(parents=True, exist_ok=True)
        self.archive_folders = tuple(archive_folders)
        self.store = OrderStore(self.results_root / STORE_FILE)
        self.task: Optional[MosaicOrderTask] = None
        self._stopped = False

    def start(self) -> None:
        self._stopped = False
        for recovery in self.store.recover_interrupted(
                MAX_ATTEMPTS, on_recover=lambda oid: remove_order_output(self.results_root, oid)):
            log.warning("order %s: %s", recovery.order_id, recovery.message)
        self._pump()
        self.refresh()

    def stop(self, wait_ms: int = 15000) -> None:
        """Stop the running task; its order goes back to the queue for the next session."""
        self._stopped = True
        task = self.task
        if task is not None:
            task.shutdown.set()
            task.cancel()
            task.waitForFinished(wait_ms)

    def refresh(self) -> None:
        try:
            orders = [r.to_json_dict() for r in self.store.orders(limit=ORDER_LIMIT)]
        except S2GMError as exc:
            self.status_changed.emit(str(exc))
            return
        self.orders_changed.emit(orders)

    def place(self, spec, on_placed=None, on_failed=None) -> None:
        try:
            if not self.archive_folders:
                raise S2GMError(tr("no Sentinel-2 archive folder is set: add one in the S2GM "
                                   "settings"))
            order = MosaicOrder.from_dict(dict(spec))
            record = self.store.create(order.to_dict(), order.name, queue=True)
        except S2GMError as exc:
            if on_failed:
                on_failed(exc)
            return
        self._pump()
        self.refresh()
        if on_placed:
            on_placed(record.to_json_dict())

    def cancel(self, order_id, on_failed=None) -> None:
        self._change(lambda: self.store.request_cancel(order_id), on_failed)
        if self.task is not None and self.task.order_id == order_id:
            self.task.cancel()

    def retry(self, order_id, on_failed=None) -> None:
        def retry():
            self.store.retry(order_id)
            remove_order_output(self.results_root, order_id)
        self._change(retry, on_failed)
        self._pump()

    def delete(self, order_id, on_failed=None) -> None:
        def delete():
            self.store.delete(order_id)
            remove_order_output(self.results_root, order_id)
        self._change(delete, on_failed)

    def _change(self, action, on_failed) -> None:
        try:
            action()
        except (S2GMError, OSError) as exc:
            if on_failed:
                on_failed(exc if isinstance(exc, S2GMError) else S2GMError(str(exc)))
        self.refresh()

    def local_folder(self, order) -> Path:
        return results_dir(self.results_root, order["id"])

    def fetch_result(self, order, on_ready, on_failed=None) -> None:
        folder = self.local_folder(order)
        if folder.is_dir():
            on_ready(folder)
        elif on_failed:
            on_failed(S2GMError(tr("{folder}: the results folder is gone").format(
                folder=folder)))

    def _pump(self) -> None:
        """Start the oldest queued order when nothing runs."""
        if self._stopped or self.task is not None:
            return
        try:
            queued = self.store.orders(state=QUEUED)
        except S2GMError as exc:
            self.status_changed.emit(str(exc))
            return
        if not queued:
            return
        record = queued[-1]  # newest first: the last one waited longest
        task = MosaicOrderTask(self.store, record.id, record.name,
                               archives=self.archive_folders, results_root=self.results_root,
                               catalogue_path=self.catalogue_path)
        task.taskCompleted.connect(lambda: self._task_done(task))
        task.taskTerminated.connect(lambda: self._task_done(task))
        self.task = task
        QgsApplication.taskManager().addTask(task)

    def _task_done(self, task: MosaicOrderTask) -> None:
        if self.task is task:
            self.task = None
        if task.error:
            self.status_changed.emit(tr("order {id} could not run: {error}").format(
                id=task.order_id, error=task.error))
        self.refresh()
        if task.final_state is not None:
            self.task_ended.emit(task.order_id, task.final_state)
        self._pump()

    @property
    def running_ids(self) -> list[str]:
        return [self.task.order_id] if self.task is not None else []


# ------------------------------------------------------------------------------------- service

def qgis_proxies() -> Optional[dict[str, str]]:
    """The QGIS proxy settings (Settings > Options > Network) for ``requests``, or None when
    QGIS uses no proxy of its own (then the system's settings apply).

    QgsNetworkAccessManager holds the proxy QGIS applies (an explicit one from "proxy/..." keys);
    only HTTP proxies are passed (SOCKS needs an extra Python package requests does not ship).
    """
    from qgis.PyQt.QtNetwork import QNetworkProxy

    settings = QgsSettings()
    if not str(settings.value("proxy/proxyEnabled", False)).lower() in ("true", "1"):
        return None
    proxy = QgsNetworkAccessManager.instance().fallbackProxy()
    if proxy.type() not in (QNetworkProxy.ProxyType.HttpProxy,
                            QNetworkProxy.ProxyType.HttpCachingProxy) or not proxy.hostName():
        host = str(settings.value("proxy/proxyHost", "") or "")
        port = str(settings.value("proxy/proxyPort", "") or "")
        user = str(settings.value("proxy/proxyUser", "") or "")
        password = str(settings.value("proxy/proxyPassword", "") or "")
    else:
        host, port = proxy.hostName(), str(proxy.port())
        user, password = proxy.user(), proxy.password()
    if not host:
        return None
    credentials = f"{user}:{password}@" if user else ""
    url = f"http://{credentials}{host}" + (f":{port}" if port and port != "0" else "")
    return {"http": url, "https": url}


class _GuiThreadBridge(QObject):
    """Carries the outcome of a background call to the GUI thread (queued signal)."""

    delivered = pyqtSignal(object, object)  # callback, value

    def __init__(self):
        super().__init__()
        self.delivered.connect(lambda callback, value: callback(value))


class DownloadTask(QgsTask):
    """Downloads the result files of a service order (resuming partial downloads)."""

    def __init__(self, client_factory: Callable[[], Any], order: Mapping[str, Any],
                 folder: Path):
        super().__init__(tr("Downloading S2GM mosaic {name}").format(name=order.get("name")),
                         QgsTask.Flag.CanCancel)
        self.client_factory = client_factory
        self.order_id = order["id"]
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
        return True


class ServiceEngine(OrdersEngine):
    """Orders sent to an engine service. Calls run one after another on a background thread;
    results are downloaded into ``<results folder>/service/<order id>/``."""

    kind = "service"

    def __init__(self, url: str, token: Optional[str], results_folder: str | Path,
                 proxies: Optional[Mapping[str, str]] = None, parent: Optional[QObject] = None):
        super().__init__(parent)
        from ...core.orders.client import EngineClient

        self.url = url
        self._client_args = dict(token=token, proxies=proxies)
        self.client = EngineClient(url, timeout_s=SERVICE_TIMEOUT_S, **self._client_args)
        self.downloads_root = Path(results_folder) / SERVICE_DOWNLOADS
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="s2gm-service")
        self._bridge = _GuiThreadBridge()
        self._refreshing = False
        self._closed = False
        self.tasks: dict[str, DownloadTask] = {}

    def _client_factory(self):
        from ...core.orders.client import EngineClient

        return EngineClient(self.url, timeout_s=(3.05, 60.0), **self._client_args)

    def _call(self, fn: Callable[[], Any], on_done: Callback, on_failed: Callback) -> None:
        """Run ``fn`` on the background thread; hand its value or S2GMError to the GUI thread."""
        def work():
            try:
                value = fn()
            except S2GMError as exc:
                if on_failed is not None and not self._closed:
                    self._bridge.delivered.emit(on_failed, exc)
                return
            except Exception as exc:  # noqa: BLE001 (a bug must reach the user, not vanish)
                log.error("engine service call failed:\n%s", traceback.format_exc())
                if on_failed is not None and not self._closed:
                    self._bridge.delivered.emit(on_failed, S2GMError(f"{type(exc).__name__}: "
                                                                     f"{exc}"))
                return
            if on_done is not None and not self._closed:
                self._bridge.delivered.emit(on_done, value)
        if not self._closed:
            self._pool.submit(work)

    def stop(self) -> None:
        self._closed = True
        for task in list(self.tasks.values()):
            task.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.client.close()

    def refresh(self) -> None:
        if self._refreshing:
            return  # the previous poll has not come back yet: do not pile calls up
        self._refreshing = True

        def done(orders):
            self._refreshing = False
            self.status_changed.emit("")
            self.orders_changed.emit(list(orders))

        def failed(exc):
            self._refreshing = False
            self.status_changed.emit(tr("engine service: {error}").format(error=exc))

        self._call(lambda: self.client.list_orders(limit=ORDER_LIMIT), done, failed)

    def place(self, spec, on_placed=None, on_failed=None) -> None:
        from ...core.orders.client import ServiceError

        def create():
            try:
                return self.client.create_order(dict(spec))
            except ServiceError as exc:
                if exc.fields:
                    raise ValidationError(dict(exc.fields)) from None
                raise

        def placed(order):
            self.refresh()
            if on_placed:
                on_placed(order)

        self._call(create, placed, on_failed)

    def _simple(self, fn, on_failed) -> None:
        self._call(fn, lambda _value: self.refresh(), on_failed)

    def cancel(self, order_id, on_failed=None) -> None:
        self._simple(lambda: self.client.cancel(order_id), on_failed)

    def retry(self, order_id, on_failed=None) -> None:
        self._simple(lambda: self.client.retry(order_id), on_failed)

    def delete(self, order_id, on_failed=None) -> None:
        self._simple(lambda: self.client.delete(order_id), on_failed)

    def local_folder(self, order) -> Path:
        return self.downloads_root / order["id"]

    def fetch_result(self, order, on_ready, on_failed=None) -> None:
        order_id = order["id"]
        if order_id in self.tasks:
            return  # already downloading; it will call its own on_ready
        folder = self.local_folder(order)
        task = DownloadTask(self._client_factory, order, folder)

        def ended():
            self.tasks.pop(order_id, None)
            if task.error is None and not task.isCanceled():
                on_ready(folder)
            elif on_failed:
                on_failed(task.error or S2GMError(tr("download cancelled")))

        task.taskCompleted.connect(ended)
        task.taskTerminated.connect(ended)
        self.tasks[order_id] = task
        QgsApplication.taskManager().addTask(task)


def is_terminal(order: Mapping[str, Any]) -> bool:
    return order.get("state") in TERMINAL_STATES


def is_processing(order: Mapping[str, Any]) -> bool:
    return order.get("state") == PROCESSING
