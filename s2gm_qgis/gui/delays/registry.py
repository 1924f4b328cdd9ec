"""The products opened for delay readouts, and the tasks opening them.

The hover tool asks ``inspector_for(ref)`` on every mouse move (a dict lookup); the first time a
product is met it calls ``request(ref, path)``, which starts one ``OpenInspectorTask`` and keeps a
reference to it until it ends; ``polygonise(inspector, band)`` does the same for one band's
detector footprints. Results come back through the signals, on the main thread.
"""
from __future__ import annotations

from typing import Optional

from qgis.core import Qgis, QgsApplication, QgsTask
from qgis.PyQt.QtCore import QObject, pyqtSignal

from ...core.delays import DelayInspector
from ...qgis_support.messages import log_message
from .recognition import ProductRef
from .task import OpenInspectorTask, PolygoniseFootprintsTask


class InspectorRegistry(QObject):
    """Opened inspectors by product, opening tasks, and products that failed to open."""

    #: (ProductRef, DelayInspector) once a product is ready.
    opened = pyqtSignal(object, object)
    #: (ProductRef, message) when a product cannot be opened.
    failed = pyqtSignal(object, str)
    #: (ProductRef, percent) while opening.
    progress = pyqtSignal(object, float)
    #: (DelayInspector, band) once the band's footprint polygons are ready.
    footprints_ready = pyqtSignal(object, str)
    #: (DelayInspector, band, message) when they cannot be made.
    footprints_failed = pyqtSignal(object, str, str)

    def __init__(self, parent: Optional[QObject] = None):
        super().__init__(parent)
        self._inspectors: dict[ProductRef, DelayInspector] = {}
        self._by_path: dict[str, list[DelayInspector]] = {}
        self._tasks: dict[ProductRef, OpenInspectorTask] = {}
        self._failed: dict[ProductRef, str] = {}
        self._footprint_tasks: dict[tuple[DelayInspector, str], PolygoniseFootprintsTask] = {}
        self.ephemeris = "tile-centre"

    # -- lookups (per mouse move) -----------------------------------------------------------------
    def inspector_for(self, ref: ProductRef) -> Optional[DelayInspector]:
        """The inspector of ``ref``, or None while it is not open. A compact product has one
        tile, so an inspector opened through any of its layers serves all of them."""
        found = self._inspectors.get(ref)
        if found is not None:
            return found
        for inspector in self._by_path.get(ref.path, ()):
            if len(inspector.product.granules) == 1 or (
                    ref.granule_folder and ref.granule_folder in inspector.product.granule.metadata_path):
                self._inspectors[ref] = inspector
                return inspector
        return None

    def progress_of(self, ref: ProductRef) -> Optional[float]:
        task = self._tasks.get(ref)
        return None if task is None else task.progress()

    def failure(self, ref: ProductRef) -> Optional[str]:
        return self._failed.get(ref)

    def inspectors(self) -> list[DelayInspector]:
        return list(dict.fromkeys(self._inspectors.values()))

    # -- opening -----------------------------------------------------------------------------------
    def request(self, ref: ProductRef, open_path: str, *, retry: bool = False,
                footprint_bands: tuple[str, ...] = ()) -> Optional[OpenInspectorTask]:
        """Start opening ``ref`` unless it is open, opening, or failed (``retry`` tries again)."""
        if self.inspector_for(ref) is not None or ref in self._tasks:
            return self._tasks.get(ref)
        if ref in self._failed and not retry:
            return None
        self._failed.pop(ref, None)
        task = OpenInspectorTask(ref, open_path, ephemeris=self.ephemeris,
                                 footprint_bands=footprint_bands)
        self._tasks[ref] = task
        task.progressChanged.connect(lambda value, r=ref: self.progress.emit(r, float(value)))
        task.taskCompleted.connect(lambda t=task: self._finished(t))
        task.taskTerminated.connect(lambda t=task: self._finished(t))
        QgsApplication.taskManager().addTask(task)
        return task

    def _finished(self, task: OpenInspectorTask) -> None:
        ref = task.ref
        if self._tasks.get(ref) is not task:
            return
        del self._tasks[ref]
        if task.inspector is not None:
            self._inspectors[ref] = task.inspector
            self._by_path.setdefault(ref.path, []).append(task.inspector)
            self.opened.emit(ref, task.inspector)
            return
        if task.error is None:  # cancelled: may be asked again
            return
        self._failed[ref] = task.error
        if task.details:
            log_message(task.details, Qgis.MessageLevel.Critical)
        self.failed.emit(ref, task.error)

    def polygonise(self, inspector: DelayInspector, band: str) -> None:
        """Polygonise ``band``'s detector footprints in a task (once at a time per band)."""
        key = (inspector, band)
        if key in self._footprint_tasks:
            return
        task = PolygoniseFootprintsTask(inspector, band)
        self._footprint_tasks[key] = task
        task.taskCompleted.connect(lambda k=key: self._polygonised(k, True))
        task.taskTerminated.connect(lambda k=key: self._polygonised(k, False))
        QgsApplication.taskManager().addTask(task)

    def _polygonised(self, key, completed: bool) -> None:
        task = self._footprint_tasks.pop(key, None)
        if task is None:  # cancelled at unload
            return
        if completed:
            self.footprints_ready.emit(task.inspector, task.band)
        elif task.error is not None:
            if task.details:
                log_message(task.details, Qgis.MessageLevel.Critical)
            self.footprints_failed.emit(task.inspector, task.band, task.error)

    def cancel_all(self) -> None:
        """Cancel running tasks (at unload); their results are dropped."""
        tasks = list(self._tasks.values()) + list(self._footprint_tasks.values())
        self._tasks, self._footprint_tasks = {}, {}
        for task in tasks:
            if task.status() not in (QgsTask.TaskStatus.Complete, QgsTask.TaskStatus.Terminated):
                task.cancel()

    def clear(self) -> None:
        self.cancel_all()
        self._inspectors.clear()
        self._by_path.clear()
        self._failed.clear()
