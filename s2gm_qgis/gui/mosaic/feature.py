"""The mosaic feature in QGIS: ties the AOI map tools, the dock, the orders model, the engine and
the tasks (queries before an order, loading of results) together, as the delay inspector's
feature does. The dock (:mod:`.dock`) only shows; everything that acts is here.

An order goes typed from end to end: the dock's AOI selection (parsed once, when chosen) and
options make a ``MosaicOrder``, the engine stores it or sends it, and the orders list shows the
``OrderRecord``s the engine gives back, their states those of the store (``OrderState``).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Callable, Optional

from qgis.core import Qgis, QgsApplication, QgsDistanceArea, QgsProject
from qgis.PyQt.QtCore import QObject, QTimer, QUrl
from qgis.PyQt.QtGui import QDesktopServices

from ...core.errors import S2GMError, ValidationError
from ...core.mosaic.aoi import parse_aoi
from ...core.mosaic.order import MosaicOrder
from ...core.orders.store import FAILED, IN_PROGRESS_STATES, PARTIALLY_FINISHED, OrderRecord
from ...qgis_support import aoi as aoi_sources
from ...qgis_support.aoi import AoiSelection
from ...qgis_support.i18n import tr
from ...qgis_support.messages import push_message
from ...qgis_support.preferences import Preferences
from ...qgis_support.remote import prepare_remote_reads, qgis_proxies
from ...qgis_support.results import LoadResultTask, remove_order_group
from ...qgis_support.secrets import s3_keys, service_token
from .aoi_tools import AoiRubberBand, PolygonTool, RectangleTool, VertexTool
from .dock import EDIT, POLYGON, RECTANGLE, MosaicDock, field_errors_text
from .engines import EmbeddedEngine, OrdersEngine, ServiceEngine
from .orders_model import OrdersModel
from .settings import MosaicDockSettings
from .sources import (
    SourceQueryTask, archive_scenes_query, connection_query, describe_scenes, known_collections,
    scenes_query,
)

#: Orders list refresh period, ms (the store is local; the service is across a network).
POLL_EMBEDDED_MS = 1000
POLL_SERVICE_MS = 2000
#: The preference fields of the data source (the dock's source widgets).
SOURCE_FIELDS = ("data_source", "stac_url", "stac_collection", "max_cloud_pct")


class MosaicFeature(QObject):
    """Everything the mosaic feature adds to QGIS, built by ``init_gui``. ``iface`` gives the
    canvas and the message bar; ``open_settings`` opens the plugin's settings dialog;
    ``dock_parent`` is the parent widget of the dock (QGIS's main window in the plugin)."""

    def __init__(self, iface, open_settings: Optional[Callable[[], None]] = None,
                 dock_parent=None, parent=None):
        super().__init__(parent)
        self.iface = iface
        self.canvas = iface.mapCanvas()
        self.open_settings = open_settings
        self.preferences = Preferences.load()
        self.engine: Optional[OrdersEngine] = None
        self.selection: Optional[AoiSelection] = None
        #: True once the shown AOI was ordered: it is no longer editable.
        self.aoi_ordered = False
        #: Ids of orders to load automatically when they finish (seen unfinished here).
        self.autoload: set[str] = set()
        self.loaded_groups: dict[str, Any] = {}
        #: Results being prepared for the map, by order id.
        self.load_tasks: dict[str, LoadResultTask] = {}
        #: The running connection test or scenes query (one at a time).
        self.query_task: Optional[SourceQueryTask] = None
        self._first_refresh = True

        self.orders_model = OrdersModel(self)
        self.dock = MosaicDock(self.orders_model, dock_parent)
        #: Asked before ordering an AOI larger than the limit; returns True to go on.
        self.confirm_large_aoi: Callable[[float, float], bool] = self.dock.ask_large_aoi
        self.rubber_band = AoiRubberBand(self.canvas)
        self.highlight = AoiRubberBand(self.canvas)
        self.rectangle_tool = RectangleTool(self.canvas)
        self.polygon_tool = PolygonTool(self.canvas)
        self.vertex_tool = VertexTool(self.canvas)
        self.rectangle_tool.drawn.connect(lambda g: self._set_drawn(g, tr("drawn rectangle")))
        self.polygon_tool.drawn.connect(lambda g: self._set_drawn(g, tr("drawn polygon")))
        self.vertex_tool.edited.connect(self._on_vertex_edited)
        for tool in (self.rectangle_tool, self.polygon_tool, self.vertex_tool):
            tool.changing.connect(self._show_drawing_area)
        self._connect_dock()

        self.restore_settings()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.set_preferences(self.preferences)

    def _connect_dock(self) -> None:
        dock = self.dock
        tools = {RECTANGLE: self.rectangle_tool, POLYGON: self.polygon_tool}
        dock.tool_requested.connect(
            lambda name: self._activate_vertex_tool() if name == EDIT
            else self._activate(tools[name]))
        dock.clear_aoi_requested.connect(self.clear_aoi)
        dock.canvas_aoi_requested.connect(
            lambda: self._set_from(aoi_sources.aoi_from_canvas, self.canvas))
        dock.file_aoi_requested.connect(
            lambda path: self._set_from(aoi_sources.aoi_from_vector_file, path))
        dock.wkt_aoi_requested.connect(
            lambda text, crs: self._set_from(aoi_sources.aoi_from_wkt_text, text, crs))
        dock.layer_extent_aoi_requested.connect(
            lambda layer: self._set_from(aoi_sources.aoi_from_layer_extent, layer))
        dock.selected_features_aoi_requested.connect(
            lambda layer: self._set_from(aoi_sources.aoi_from_selected_features, layer))
        dock.source_edited.connect(self._on_source_edited)
        dock.test_connection_requested.connect(self.test_connection)
        dock.find_scenes_requested.connect(self.find_scenes)
        dock.engine_chosen.connect(self._on_engine_chosen)
        dock.settings_requested.connect(lambda: self.open_settings and self.open_settings())
        dock.place_order_requested.connect(self.place_order)
        dock.cancel_requested.connect(self.cancel_selected)
        dock.retry_requested.connect(self.retry_selected)
        dock.zoom_requested.connect(self.zoom_to_selected)
        dock.open_folder_requested.connect(self.open_selected_folder)
        dock.load_requested.connect(self.load_selected)
        dock.delete_requested.connect(self.delete_selected)

    # ------------------------------------------------------------------ preferences and engine

    def set_preferences(self, preferences: Preferences) -> None:
        """Use ``preferences`` (after the settings dialog saved them): rebuild the engine."""
        self.preferences = preferences
        self.dock.show_source(preferences)
        self._start_engine()

    def _on_engine_chosen(self, engine: str) -> None:
        if engine != self.preferences.engine:
            preferences = dataclasses.replace(self.preferences, engine=engine)
            preferences.save()
            self.set_preferences(preferences)

    def _start_engine(self) -> None:
        self.stop_engine()
        self.orders_model.set_orders([])
        self._first_refresh = True
        prefs = self.preferences
        self.dock.show_engine(prefs)
        try:
            if prefs.engine == "service":
                engine = ServiceEngine(prefs.service_url, service_token(prefs.auth_config_id),
                                       prefs.results_folder,
                                       proxies=qgis_proxies(prefs.service_url), parent=self)
                self.timer.setInterval(POLL_SERVICE_MS)
            else:
                engine = EmbeddedEngine(prefs.results_folder, prefs.catalogue_path,
                                        prefs.archive_folders, parent=self)
                engine.task_ended.connect(self._on_task_ended)
                self.timer.setInterval(POLL_EMBEDDED_MS)
        except S2GMError as exc:
            self.dock.set_status(tr("The mosaic engine cannot start: {error}").format(error=exc))
            return
        engine.orders_changed.connect(self._on_orders)
        engine.status_changed.connect(self.dock.set_status)
        self.engine = engine
        self.dock.set_status("")
        engine.start()
        self.timer.start()

    def stop_engine(self) -> None:
        """Stop polling and the engine's work for this session (its orders stay stored)."""
        self.timer.stop()
        if self.engine is not None:
            self.engine.stop()
            self.engine.orders_changed.disconnect(self._on_orders)
            self.engine.status_changed.disconnect(self.dock.set_status)
            self.engine.deleteLater()
            self.engine = None

    def refresh(self) -> None:
        if self.engine is not None:
            self.engine.refresh()

    # ------------------------------------------------------------------ data source

    def _source_from_dock(self) -> Preferences:
        choice = self.dock.source_choice()
        known = known_collections(choice["data_source"])
        if choice["data_source"] != self.preferences.data_source:
            choice["stac_collection"] = ""  # another provider: its own default collection
        elif known and choice["stac_collection"] == known[0]:
            choice["stac_collection"] = ""  # the default, stored as such: a better one reaches users
        return dataclasses.replace(self.preferences, **choice)

    def _on_source_edited(self) -> None:
        """Save the source choice at once (it is part of the preferences, not of one order)."""
        preferences = self._source_from_dock()
        if preferences != self.preferences:
            self.preferences = preferences
            preferences.save()
            self.dock.show_source(preferences)
            self.dock.show_engine(preferences)
        self.dock.set_source_status("")

    def _checked_source(self):
        """The STAC spec of the preferences (None: local); ValidationError, with the problem
        shown, when the source is unusable (e.g. a custom API without an address)."""
        problems = {k: v for k, v in self.preferences.problems().items() if k in SOURCE_FIELDS}
        if problems:
            self.dock.set_source_status(field_errors_text(problems), error=True)
            raise ValidationError(problems)
        return self.preferences.source_spec()

    def _run_query(self, description: str, query, on_done) -> None:
        if self.query_task is not None:
            self.query_task.cancel()

        def done(value):
            self.query_task = None
            self.dock.set_query_buttons(True)
            on_done(value)

        def failed(error):
            self.query_task = None
            self.dock.set_query_buttons(True)
            self.dock.set_source_status(str(error), error=True)

        task = SourceQueryTask(description, query, done, failed)
        task.taskTerminated.connect(lambda: self.dock.set_query_buttons(True))
        self.query_task = task
        self.dock.set_query_buttons(False)
        QgsApplication.taskManager().addTask(task)

    def test_connection(self) -> None:
        """Reach the STAC API and its collection in a task; say what was found."""
        try:
            spec = self._checked_source()
        except ValidationError:
            return
        if spec is None:
            return
        for warning in prepare_remote_reads(self.preferences, spec):
            self.dock.set_source_status(warning, error=True)
        self.dock.set_source_status(tr("Connecting to {url}…").format(url=spec.url))

        def done(report):
            if report.collection_found:
                text = tr("Connected to {title}: collection {collection} ({found})").format(
                    title=report.title, collection=spec.collection, found=report.collection_title)
                if spec.needs_s3_keys and s3_keys(self.preferences.s3_auth_config_id) is None:
                    text += tr("; no S3 keys stored: add them in the S2GM settings")
                self.dock.set_source_status(text)
            else:
                self.dock.set_source_status(
                    tr("{url} answers, but has no collection {collection}").format(
                        url=spec.url, collection=spec.collection), error=True)

        self._run_query(tr("S2GM: testing {url}").format(url=spec.url),
                        connection_query(spec), done)

    def find_scenes(self) -> None:
        """The scenes an order of the AOI and period would use, found in a task."""
        try:
            spec = self._checked_source()
            order = self.build_order()
        except ValidationError as exc:
            self.dock.show_field_errors(exc.errors)
            return
        self.dock.hide_problem()
        period = order.interval
        if spec is None:
            if not self.preferences.archive_folders:
                self.dock.set_source_status(tr("No archive folder is set: add one in the S2GM "
                                               "settings"), error=True)
                return
            query = archive_scenes_query(self.preferences.archive_folders,
                                         self.preferences.catalogue_path, order.aoi,
                                         period.start, period.end)
            where = tr("the archive folders")
        else:
            prepare_remote_reads(self.preferences, spec)
            query = scenes_query(spec, order.aoi, period.start, period.end)
            where = spec.title
        self.dock.set_source_status(tr("Searching {where} from {start} to {end}…").format(
            where=where, start=period.start.isoformat(), end=period.end.isoformat()))
        self._run_query(tr("S2GM: finding scenes"), query,
                        lambda scenes: self.dock.set_source_status(describe_scenes(scenes)))

    # ------------------------------------------------------------------ AOI

    def _activate(self, tool) -> None:
        self.dock.show_tool({self.rectangle_tool: RECTANGLE, self.polygon_tool: POLYGON,
                             self.vertex_tool: EDIT}.get(tool))
        self.canvas.setMapTool(tool)

    def _activate_vertex_tool(self) -> None:
        if self.selection is None or self.aoi_ordered:
            self.dock.edit_button.setChecked(False)
            self.dock.show_aoi_message(tr("Nothing to edit: draw or choose a new area of "
                                          "interest"), error=True)
            return
        self.vertex_tool.geometry = self.selection.geometry
        self.vertex_tool.crs = self.selection.crs
        self._activate(self.vertex_tool)

    def _set_drawn(self, geometry, source: str) -> None:
        self._set_from(aoi_sources.aoi_from_geometry, geometry,
                       self.canvas.mapSettings().destinationCrs(), source)

    def _on_vertex_edited(self, geometry) -> None:
        if self.selection is None:
            return
        self._set_from(aoi_sources.aoi_from_geometry, geometry, self.selection.crs,
                       self.selection.source)
        self.vertex_tool.geometry = self.selection.geometry if self.selection else None

    def _set_from(self, factory, *args) -> None:
        """Build an AOI with ``factory(*args)``; show it, or the reason it was refused (the
        previous AOI then stays)."""
        try:
            selection = factory(*args)
        except ValidationError as exc:
            self.dock.show_aoi_message(str(exc.errors.get("aoi", exc)), error=True)
            return
        except S2GMError as exc:
            self.dock.show_aoi_message(str(exc), error=True)
            return
        self.set_aoi(selection)

    def _show_drawing_area(self, geometry) -> None:
        """The geodesic area of the shape being drawn, as the mouse moves."""
        if geometry.isEmpty():
            self.dock.show_area(self.selection)
            return
        measure = QgsDistanceArea()
        measure.setSourceCrs(self.canvas.mapSettings().destinationCrs(),
                             QgsProject.instance().transformContext())
        measure.setEllipsoid("EPSG:7030")  # WGS 84: square metres on the ellipsoid
        self.dock.show_drawing_area(measure.measureArea(geometry) / 1e6)

    def set_aoi(self, selection: AoiSelection) -> None:
        self.selection = selection
        self.aoi_ordered = False
        self.rubber_band.show(selection.geometry, selection.crs)
        self.highlight.clear()
        self.dock.show_area(selection)
        if selection.repaired:
            self.dock.show_aoi_message(tr("The geometry was invalid (e.g. self-intersecting) and "
                                          "was repaired"), error=False)
        else:
            self.dock.show_aoi_message("", error=False)
        self.dock.hide_problem()

    def clear_aoi(self) -> None:
        self.selection = None
        self.aoi_ordered = False
        self.rubber_band.clear()
        self.dock.show_area(None)
        self.dock.show_aoi_message("", error=False)
        if self.canvas.mapTool() is self.vertex_tool:
            self.canvas.unsetMapTool(self.vertex_tool)

    # ------------------------------------------------------------------ ordering

    def build_order(self) -> MosaicOrder:
        """The order the dock shows; ValidationError with every bad field (the AOI's first)."""
        fields = self.dock.options.order_fields()
        errors: dict[str, str] = {}
        try:
            spec = self._checked_source()
        except ValidationError as exc:
            errors.update(exc.errors)
        else:
            if spec is not None:
                fields["source"] = spec
                fields["on_read_error"] = self.preferences.on_read_error
        if self.selection is None:
            errors["aoi"] = tr("draw or choose an area of interest first")
        try:
            order = MosaicOrder.create(
                aoi=self.selection.aoi if self.selection is not None else None, **fields)
        except ValidationError as exc:
            errors.update({k: v for k, v in exc.errors.items() if k not in errors})
        if errors:
            raise ValidationError(errors)
        return order

    def place_order(self) -> None:
        """Validate, confirm a large AOI, and hand the order to the engine."""
        self.dock.hide_problem()
        try:
            order = self.build_order()
        except ValidationError as exc:
            self.dock.show_field_errors(exc.errors)
            return
        if self.engine is None:
            self.dock.show_problem(tr("The mosaic engine is not running: check the S2GM "
                                      "settings"))
            return
        area, limit = order.aoi.area_km2, self.dock.confirm_area_km2
        if area > limit and not self.confirm_large_aoi(area, limit):
            return
        if order.source is not None and self.preferences.engine == "embedded":
            # The service reads with its host's keys and proxy; the embedded engine with ours.
            warnings = prepare_remote_reads(self.preferences, order.source)
            if warnings:
                self.dock.show_problem("\n".join(warnings))
                return
        self.save_settings()
        self.dock.set_order_enabled(False)
        self.engine.place(order, self._on_placed, self._on_place_failed)

    def _on_placed(self, order: OrderRecord) -> None:
        self.dock.set_order_enabled(True)
        self.autoload.add(order.id)
        self.aoi_ordered = True
        if self.selection is not None:
            self.rubber_band.show(self.selection.geometry, self.selection.crs, ordered=True)
        if self.canvas.mapTool() is self.vertex_tool:
            self.canvas.unsetMapTool(self.vertex_tool)
        self.dock.edit_button.setChecked(False)
        push_message(self.iface, tr("Mosaic order {name} placed").format(name=order.name),
                     Qgis.MessageLevel.Info)

    def _on_place_failed(self, error: S2GMError) -> None:
        self.dock.set_order_enabled(True)
        if isinstance(error, ValidationError):
            self.dock.show_field_errors(error.errors)
        else:
            self.dock.show_problem(str(error))

    # ------------------------------------------------------------------ orders list

    def _on_orders(self, orders: list[OrderRecord]) -> None:
        selected = self.dock.selected_order()
        self.orders_model.set_orders(orders)
        if selected is not None:
            self.dock.select_order(selected.id)
        for order in orders:
            if order.state in IN_PROGRESS_STATES:
                if self._first_refresh:
                    self.autoload.add(order.id)
            elif order.id in self.autoload:
                self.autoload.discard(order.id)
                self._announce_end(order)
        self._first_refresh = False
        self.dock.update_buttons()

    def _on_task_ended(self, _order_id: str, _state: str) -> None:
        self.refresh()

    def _announce_end(self, order: OrderRecord) -> None:
        if order.has_result:
            self.load_order(order)
            if order.state == PARTIALLY_FINISHED:
                push_message(self.iface, tr("Mosaic {name} is partially finished: {reason}").format(
                    name=order.name, reason=_last_message(order)), Qgis.MessageLevel.Warning)
        elif order.state == FAILED:
            push_message(self.iface, tr("Mosaic {name} failed: {reason}").format(
                name=order.name, reason=order.error or _last_message(order)),
                Qgis.MessageLevel.Critical)

    def selected_order(self) -> Optional[OrderRecord]:
        return self.dock.selected_order()

    def _failed(self, what: str):
        def report(error):
            push_message(self.iface, tr("{action}: {error}").format(action=what, error=error),
                         Qgis.MessageLevel.Warning)
        return report

    def cancel_selected(self) -> None:
        order = self.selected_order()
        if order and self.engine:
            self.engine.cancel(order.id, self._failed(tr("Cancel")))

    def retry_selected(self) -> None:
        order = self.selected_order()
        if order and self.engine:
            self.autoload.add(order.id)
            self._unload(order.id)  # its files are removed before the new attempt
            self.engine.retry(order.id, self._failed(tr("Retry")))

    def delete_selected(self, *, confirm: bool = True) -> None:
        order = self.selected_order()
        if not order or not self.engine:
            return
        if confirm and not self.dock.confirm_delete(order.name):
            return
        self.autoload.discard(order.id)
        self._unload(order.id)
        self.engine.delete(order.id, self._failed(tr("Delete")))

    def _unload(self, order_id: str) -> None:
        """Stop loading, and take out of the project, the result of an order whose files go."""
        task = self.load_tasks.pop(order_id, None)
        if task is not None:
            task.cancel()
        self.loaded_groups.pop(order_id, None)
        remove_order_group(order_id)

    def zoom_to_selected(self) -> None:
        order = self.selected_order()
        if not order:
            return
        try:
            aoi = parse_aoi(order.spec.get("aoi"))
        except ValidationError as exc:
            self.dock.set_status(str(exc))
            return
        crs = self.canvas.mapSettings().destinationCrs()
        geometry = aoi_sources.aoi_geometry_in(aoi, crs)
        self.highlight.show(geometry, crs, ordered=True)
        extent = geometry.boundingBox()
        extent.scale(1.2)
        self.canvas.setExtent(extent)
        self.canvas.refresh()

    def open_selected_folder(self) -> None:
        order = self.selected_order()
        if order and self.engine:
            self.engine.fetch_result(
                order, lambda folder: QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))),
                self._failed(tr("Open folder")))

    def load_selected(self) -> None:
        order = self.selected_order()
        if order and order.has_result:
            self.load_order(order)

    def load_order(self, order: OrderRecord) -> None:
        """Fetch (service) and load a finished order's result as a layer group; the layers
        are opened and styled in a task."""
        if self.engine is None:
            return
        order_id = order.id

        def loaded(group) -> None:
            self.load_tasks.pop(order_id, None)
            self.loaded_groups[order_id] = group
            push_message(self.iface, tr("Mosaic {name} loaded").format(name=order.name),
                         Qgis.MessageLevel.Success)

        def failed(error: Optional[S2GMError]) -> None:
            self.load_tasks.pop(order_id, None)
            if error is None:  # cancelled
                return
            push_message(self.iface, tr("Mosaic {name} cannot be loaded: {error}").format(
                name=order.name, error=error), Qgis.MessageLevel.Critical)

        def ready(folder: Path) -> None:
            if order_id in self.load_tasks:
                return  # already being loaded
            task = LoadResultTask(order.to_json_dict(), folder, loaded, failed)
            self.load_tasks[order_id] = task
            QgsApplication.taskManager().addTask(task)

        self.engine.fetch_result(order, ready, self._failed(tr("Load result")))

    # ------------------------------------------------------------------ settings

    def restore_settings(self) -> None:
        settings = MosaicDockSettings.load()
        self.dock.options.restore(settings.options)
        self.dock.options.confirm_spin.setValue(settings.confirm_area_km2)

    def save_settings(self) -> None:
        MosaicDockSettings(options=self.dock.options.state(),
                           confirm_area_km2=self.dock.confirm_area_km2).save()

    # ------------------------------------------------------------------ teardown

    def teardown(self) -> None:
        """Stop the engine and the loading of results, and take the tools and rubber bands off
        the canvas (unload)."""
        self.stop_engine()
        if self.query_task is not None:
            self.query_task.cancel()
            self.query_task = None
        tasks, self.load_tasks = list(self.load_tasks.values()), {}
        for task in tasks:  # a task not started yet ends (and says so) inside cancel()
            task.cancel()
        for tool in (self.rectangle_tool, self.polygon_tool, self.vertex_tool):
            if self.canvas.mapTool() is tool:
                self.canvas.unsetMapTool(tool)
            tool.remove()
        self.rubber_band.remove()
        self.highlight.remove()


def _last_message(order: OrderRecord) -> str:
    return order.messages[-1].text if order.messages else ""
