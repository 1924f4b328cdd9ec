"""The mosaic dock: choose an AOI, set the options, place the order with the embedded engine or
an engine service, follow it in the orders list and get the result loaded into the map."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from qgis.core import (
    Qgis, QgsApplication, QgsDistanceArea, QgsMapLayerProxyModel, QgsProject, QgsSettings,
)
from qgis.gui import QgsDockWidget, QgsMapLayerComboBox, QgsProjectionSelectionWidget
from qgis.PyQt.QtCore import QTimer, QUrl, Qt
from qgis.PyQt.QtGui import QDesktopServices, QIcon
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import S2GMError, ValidationError
from ...core.mosaic.aoi import parse_aoi
from ...core.mosaic.order import MosaicOrder
from ...resources import icon_path
from ...qgis_support.i18n import tr
from ...qgis_support.messages import push_message
from ...qgis_support import aoi as aoi_sources
from ...qgis_support.aoi import AoiSelection
from ...qgis_support.labels import source_labels
from ...qgis_support.preferences import LOCAL, Preferences
from ...qgis_support.remote import prepare_remote_reads, qgis_proxies
from ...qgis_support.results import LoadResultTask, remove_order_group
from ...qgis_support.secrets import s3_keys, service_token
from .aoi_tools import AoiRubberBand, PolygonTool, RectangleTool, VertexTool
from .engines import EmbeddedEngine, OrdersEngine, ServiceEngine
from .options import OptionsWidget
from .orders_model import ORDER_ROLE, OrdersModel, ProgressDelegate
from .sources import (
    SourceQueryTask, archive_scenes_query, connection_query, describe_scenes, known_collections,
    scenes_query,
)

DOCK_OBJECT_NAME = "s2gm_qgis_mosaic_dock"
SETTINGS_OPTIONS = "s2gm_qgis/mosaic/options"
SETTINGS_CONFIRM = "s2gm_qgis/mosaic/confirm_area_km2"
#: AOIs above this area (km2) ask for confirmation unless the user set another limit.
DEFAULT_CONFIRM_AREA_KM2 = 10_000.0
#: Orders list refresh period, ms (the store is local; the service is across a network).
POLL_EMBEDDED_MS = 1000
POLL_SERVICE_MS = 2000


def field_label(field: str) -> str:
    labels = {
        "name": tr("Order name"), "aoi": tr("Area of interest"), "period": tr("Period"),
        "start": tr("Starting"), "resolution_m": tr("Resolution"), "crs": tr("CRS"),
        "bands": tr("Layers"), "format": tr("Format"), "bit_depth": tr("Bit depth"),
        "order": tr("Order"), "product": tr("Product"), "cloud_mask": tr("Cloud mask"),
        "preference": tr("Preference"), "source": tr("Data source"),
        "source.url": tr("STAC API address"), "source.collection": tr("Collection"),
        "source.max_cloud_pct": tr("Maximum cloud cover"), "stac_url": tr("STAC API address"),
        "stac_collection": tr("Collection"), "max_cloud_pct": tr("Maximum cloud cover"),
        "data_source": tr("Data source"), "on_read_error": tr("Unreadable images"),
    }
    return labels.get(field, field)


class WktDialog(QDialog):
    """Paste WKT and say its CRS."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(tr("Area of interest from WKT"))
        layout = QVBoxLayout(self)
        self.text_edit = QPlainTextEdit(self)
        self.text_edit.setPlaceholderText("POLYGON ((10.6 45.6, 10.8 45.6, 10.8 45.8, 10.6 45.6))")
        layout.addWidget(self.text_edit)
        self.crs_widget = QgsProjectionSelectionWidget(self)
        self.crs_widget.setCrs(aoi_sources.wgs84())
        layout.addWidget(QLabel(tr("Coordinates are in:"), self))
        layout.addWidget(self.crs_widget)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class MosaicDock(QgsDockWidget):
    """AOI, options, engine, orders. ``iface`` gives the canvas and the message bar;
    ``open_settings`` opens the plugin's settings dialog."""

    def __init__(self, iface, open_settings: Optional[Callable[[], None]] = None, parent=None):
        super().__init__(tr("S2GM mosaics"), parent)
        self.setObjectName(DOCK_OBJECT_NAME)
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
        #: Asked before ordering an AOI larger than the limit; returns True to go on.
        self.confirm_large_aoi: Callable[[float, float], bool] = self._ask_large_aoi
        self.loaded_groups: dict[str, Any] = {}
        #: Results being prepared for the map, by order id.
        self.load_tasks: dict[str, LoadResultTask] = {}
        #: The running connection test or scenes query (one at a time).
        self.query_task: Optional[SourceQueryTask] = None
        self._first_refresh = True

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

        self._build()
        self._restore_settings()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.set_preferences(self.preferences)

    # ------------------------------------------------------------------ widgets

    def _build(self) -> None:
        content = QWidget(self)
        layout = QVBoxLayout(content)
        layout.addWidget(self._build_aoi_group(content))
        layout.addWidget(self._build_source_group(content))
        options_group = QGroupBox(tr("Options"), content)
        options_layout = QVBoxLayout(options_group)
        self.options = OptionsWidget(options_group)
        options_layout.addWidget(self.options)
        layout.addWidget(options_group)

        engine_row = QHBoxLayout()
        engine_row.addWidget(QLabel(tr("Engine:"), content))
        self.engine_combo = QComboBox(content)
        self.engine_combo.setObjectName("engine_combo")
        self.engine_combo.addItem(tr("Embedded (QGIS task)"), "embedded")
        self.engine_combo.addItem(tr("Service (HTTP)"), "service")
        self.engine_combo.activated.connect(self._on_engine_chosen)
        engine_row.addWidget(self.engine_combo, 1)
        settings_button = QToolButton(content)
        settings_button.setIcon(QIcon(icon_path("settings.svg")))
        settings_button.setToolTip(tr("Archive folders, results folder, service address and "
                                      "token"))
        settings_button.clicked.connect(lambda: self.open_settings and self.open_settings())
        engine_row.addWidget(settings_button)
        layout.addLayout(engine_row)
        self.engine_label = QLabel(content)
        self.engine_label.setObjectName("engine_label")
        self.engine_label.setWordWrap(True)
        layout.addWidget(self.engine_label)

        self.problem_label = QLabel(content)
        self.problem_label.setObjectName("problem_label")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #b00020;")
        self.problem_label.hide()
        layout.addWidget(self.problem_label)
        self.order_button = QPushButton(tr("Place order"), content)
        self.order_button.setObjectName("order_button")
        self.order_button.clicked.connect(self.place_order)
        layout.addWidget(self.order_button)
        layout.addWidget(self._build_orders_group(content), 1)

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        self.setWidget(scroll)

    def _build_aoi_group(self, parent) -> QGroupBox:
        group = QGroupBox(tr("Area of interest"), parent)
        grid = QGridLayout(group)

        def button(text, tip, slot, checkable=False) -> QPushButton:
            widget = QPushButton(text, group)
            widget.setToolTip(tip)
            widget.setCheckable(checkable)
            widget.clicked.connect(slot)
            return widget

        self.rectangle_button = button(tr("Rectangle"), tr("Drag a rectangle on the map"),
                                       lambda: self._activate(self.rectangle_tool), True)
        self.polygon_button = button(tr("Polygon"), tr(
            "Click the corners on the map; right click or double click closes the polygon"),
            lambda: self._activate(self.polygon_tool), True)
        self.edit_button = button(tr("Edit"), tr("Drag the corners of the AOI (until it is "
                                                 "ordered)"), self._activate_vertex_tool, True)
        self.clear_button = button(tr("Clear"), tr("Remove the area of interest"), self.clear_aoi)
        for column, widget in enumerate((self.rectangle_button, self.polygon_button,
                                         self.edit_button, self.clear_button)):
            grid.addWidget(widget, 0, column)
        self.canvas_button = button(tr("Map extent"), tr("The extent shown in the map"),
                                    lambda: self._set_from(aoi_sources.aoi_from_canvas,
                                                           self.canvas))
        self.file_button = button(tr("File…"), tr("GeoJSON, KML, GeoPackage, shapefile..."),
                                  self._choose_file)
        self.wkt_button = button(tr("WKT…"), tr("Paste a POLYGON or MULTIPOLYGON"),
                                 self._paste_wkt)
        grid.addWidget(self.canvas_button, 1, 0, 1, 2)
        grid.addWidget(self.file_button, 1, 2)
        grid.addWidget(self.wkt_button, 1, 3)
        self.layer_combo = QgsMapLayerComboBox(group)
        self.layer_combo.setFilters(QgsMapLayerProxyModel.Filter.HasGeometry
                                    | QgsMapLayerProxyModel.Filter.RasterLayer)
        grid.addWidget(self.layer_combo, 2, 0, 1, 2)
        self.layer_extent_button = button(
            tr("Layer extent"), tr("The extent of the chosen layer"),
            lambda: self._set_from(aoi_sources.aoi_from_layer_extent,
                                   self.layer_combo.currentLayer()))
        self.selected_button = button(
            tr("Selected"), tr("The selected polygons of the chosen layer"),
            lambda: self._set_from(aoi_sources.aoi_from_selected_features,
                                   self.layer_combo.currentLayer()))
        grid.addWidget(self.layer_extent_button, 2, 2)
        grid.addWidget(self.selected_button, 2, 3)
        self.area_label = QLabel(tr("No area of interest"), group)
        self.area_label.setObjectName("area_label")
        self.area_label.setWordWrap(True)
        grid.addWidget(self.area_label, 3, 0, 1, 4)
        self.aoi_message_label = QLabel(group)
        self.aoi_message_label.setObjectName("aoi_message_label")
        self.aoi_message_label.setWordWrap(True)
        grid.addWidget(self.aoi_message_label, 4, 0, 1, 4)
        return group

    def _build_source_group(self, parent) -> QGroupBox:
        group = QGroupBox(tr("Data source"), parent)
        grid = QGridLayout(group)
        self.source_combo = QComboBox(group)
        self.source_combo.setObjectName("source_combo")
        for key, label in source_labels().items():
            self.source_combo.addItem(label, key)
        self.source_combo.setToolTip(tr(
            "Where the Sentinel-2 L2A observations come from: your archive folders, or a STAC "
            "catalogue read over the network (only the parts of the images the mosaic needs)"))
        grid.addWidget(self.source_combo, 0, 0, 1, 4)
        self.stac_url_label = QLabel(tr("STAC API:"), group)
        self.stac_url_edit = QLineEdit(group)
        self.stac_url_edit.setObjectName("stac_url_edit")
        self.stac_url_edit.setPlaceholderText("https://example.org/stac/v1")
        grid.addWidget(self.stac_url_label, 1, 0)
        grid.addWidget(self.stac_url_edit, 1, 1, 1, 3)
        self.collection_label = QLabel(tr("Collection:"), group)
        self.collection_combo = QComboBox(group)
        self.collection_combo.setObjectName("collection_combo")
        self.collection_combo.setEditable(True)
        grid.addWidget(self.collection_label, 2, 0)
        grid.addWidget(self.collection_combo, 2, 1, 1, 3)
        self.max_cloud_label = QLabel(tr("Scenes up to:"), group)
        self.max_cloud_spin = QSpinBox(group)
        self.max_cloud_spin.setObjectName("max_cloud_spin")
        self.max_cloud_spin.setRange(0, 100)
        self.max_cloud_spin.setSuffix(tr(" % cloud"))
        self.max_cloud_spin.setToolTip(tr(
            "Leave out scenes whose cloud cover (as the catalogue gives it) is higher; 100: all"))
        grid.addWidget(self.max_cloud_label, 3, 0)
        grid.addWidget(self.max_cloud_spin, 3, 1)
        self.skip_unreadable_check = QCheckBox(tr("Skip unreadable images"), group)
        self.skip_unreadable_check.setObjectName("skip_unreadable_check")
        self.skip_unreadable_check.setToolTip(tr(
            "When an image cannot be read after retries: leave that observation out and list "
            "it in the metadata, instead of failing the order"))
        grid.addWidget(self.skip_unreadable_check, 3, 2, 1, 2)
        self.test_connection_button = QPushButton(tr("Test connection"), group)
        self.test_connection_button.setObjectName("test_connection_button")
        self.test_connection_button.clicked.connect(self.test_connection)
        self.find_scenes_button = QPushButton(tr("Find scenes"), group)
        self.find_scenes_button.setObjectName("find_scenes_button")
        self.find_scenes_button.setToolTip(tr("The scenes an order of this area and period "
                                              "would use, before placing it"))
        self.find_scenes_button.clicked.connect(self.find_scenes)
        grid.addWidget(self.test_connection_button, 4, 0, 1, 2)
        grid.addWidget(self.find_scenes_button, 4, 2, 1, 2)
        self.source_status_label = QLabel(group)
        self.source_status_label.setObjectName("source_status_label")
        self.source_status_label.setWordWrap(True)
        self.source_status_label.hide()
        grid.addWidget(self.source_status_label, 5, 0, 1, 4)

        self.source_combo.activated.connect(self._on_source_edited)
        self.stac_url_edit.editingFinished.connect(self._on_source_edited)
        self.collection_combo.activated.connect(self._on_source_edited)
        self.collection_combo.lineEdit().editingFinished.connect(self._on_source_edited)
        self.max_cloud_spin.editingFinished.connect(self._on_source_edited)
        self.skip_unreadable_check.toggled.connect(self._on_source_edited)
        return group

    def _build_orders_group(self, parent) -> QGroupBox:
        group = QGroupBox(tr("Orders"), parent)
        layout = QVBoxLayout(group)
        self.orders_model = OrdersModel(self)
        self.orders_view = QTreeView(group)
        self.orders_view.setObjectName("orders_view")
        self.orders_view.setModel(self.orders_model)
        self.orders_view.setRootIsDecorated(False)
        self.orders_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.orders_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.orders_view.setItemDelegate(ProgressDelegate(self.orders_view))
        self.orders_view.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.orders_view.setMinimumHeight(120)
        self.orders_view.doubleClicked.connect(lambda _i: self.load_selected())
        self.orders_view.selectionModel().selectionChanged.connect(self._update_buttons)
        layout.addWidget(self.orders_view, 1)
        self.status_label = QLabel(group)
        self.status_label.setObjectName("status_label")
        self.status_label.setWordWrap(True)
        self.status_label.setStyleSheet("color: #b00020;")
        self.status_label.hide()
        layout.addWidget(self.status_label)
        row = QGridLayout()
        self.cancel_button = QPushButton(tr("Cancel"), group)
        self.retry_button = QPushButton(tr("Retry"), group)
        self.zoom_button = QPushButton(tr("Zoom to AOI"), group)
        self.folder_button = QPushButton(tr("Open folder"), group)
        self.load_button = QPushButton(tr("Load result"), group)
        self.delete_button = QPushButton(tr("Delete"), group)
        slots = (self.cancel_selected, self.retry_selected, self.zoom_to_selected,
                 self.open_selected_folder, self.load_selected, self.delete_selected)
        buttons = (self.cancel_button, self.retry_button, self.zoom_button, self.folder_button,
                   self.load_button, self.delete_button)
        for index, (widget, slot) in enumerate(zip(buttons, slots)):
            widget.clicked.connect(slot)
            row.addWidget(widget, index // 3, index % 3)
        layout.addLayout(row)
        self._update_buttons()
        return group

    # ------------------------------------------------------------------ preferences and engine

    def set_preferences(self, preferences: Preferences) -> None:
        """Use ``preferences`` (after the settings dialog saved them): rebuild the engine."""
        self.preferences = preferences
        self.engine_combo.setCurrentIndex(max(0, self.engine_combo.findData(preferences.engine)))
        self._show_source(preferences)
        self._start_engine()

    # ------------------------------------------------------------------ data source

    def _show_source(self, prefs: Preferences) -> None:
        """The source widgets as the preferences say (no signal loops: they save on edit)."""
        widgets = (self.source_combo, self.stac_url_edit, self.collection_combo,
                   self.max_cloud_spin, self.skip_unreadable_check)
        for widget in widgets:
            widget.blockSignals(True)
        self.source_combo.setCurrentIndex(max(0, self.source_combo.findData(prefs.data_source)))
        self.stac_url_edit.setText(prefs.stac_url)
        self.collection_combo.clear()
        collections = known_collections(prefs.data_source)
        self.collection_combo.addItems(list(collections))
        self.collection_combo.setEditText(prefs.stac_collection or
                                          (collections[0] if collections else ""))
        self.max_cloud_spin.setValue(prefs.max_cloud_pct)
        self.skip_unreadable_check.setChecked(prefs.on_read_error == "skip")
        for widget in widgets:
            widget.blockSignals(False)
        remote = prefs.data_source != LOCAL
        custom = prefs.data_source == "custom"
        self.stac_url_label.setVisible(custom)
        self.stac_url_edit.setVisible(custom)
        for widget in (self.collection_label, self.collection_combo, self.max_cloud_label,
                       self.max_cloud_spin, self.skip_unreadable_check,
                       self.test_connection_button):
            widget.setVisible(remote)

    def _source_from_widgets(self) -> Preferences:
        data_source = self.source_combo.currentData()
        collection = self.collection_combo.currentText().strip()
        known = known_collections(data_source)
        if data_source != self.preferences.data_source:
            collection = ""  # another provider: its own default collection
        elif known and collection == known[0]:
            collection = ""  # the default, stored as such so a better default reaches users
        return dataclasses.replace(
            self.preferences, data_source=data_source,
            stac_url=self.stac_url_edit.text().strip(), stac_collection=collection,
            max_cloud_pct=int(self.max_cloud_spin.value()),
            on_read_error="skip" if self.skip_unreadable_check.isChecked() else "fail")

    def _on_source_edited(self, *_args) -> None:
        """Save the source choice at once (it is part of the preferences, not of one order)."""
        preferences = self._source_from_widgets()
        if preferences != self.preferences:
            self.preferences = preferences
            preferences.save()
            self._show_source(preferences)
            self._describe_engine()
        self._set_source_status("")

    def _set_source_status(self, text: str, *, error: bool = False) -> None:
        self.source_status_label.setText(text)
        self.source_status_label.setStyleSheet("color: #b00020;" if error else "")
        self.source_status_label.setVisible(bool(text))

    def _checked_source(self):
        """The STAC spec of the preferences (None: local); None with the problem shown when the
        source is unusable (e.g. a custom API without an address)."""
        problems = {k: v for k, v in self.preferences.problems().items()
                    if k in ("data_source", "stac_url", "stac_collection", "max_cloud_pct")}
        if problems:
            self._set_source_status("\n".join(
                tr("{field}: {reason}").format(field=field_label(k), reason=v)
                for k, v in problems.items()), error=True)
            raise ValidationError(problems)
        return self.preferences.source_spec()

    def _run_query(self, description: str, query, on_done) -> None:
        if self.query_task is not None:
            self.query_task.cancel()

        def done(value):
            self.query_task = None
            self._set_query_buttons(True)
            on_done(value)

        def failed(error):
            self.query_task = None
            self._set_query_buttons(True)
            self._set_source_status(str(error), error=True)

        task = SourceQueryTask(description, query, done, failed)
        task.taskTerminated.connect(lambda: self._set_query_buttons(True))
        self.query_task = task
        self._set_query_buttons(False)
        QgsApplication.taskManager().addTask(task)

    def _set_query_buttons(self, enabled: bool) -> None:
        self.test_connection_button.setEnabled(enabled)
        self.find_scenes_button.setEnabled(enabled)

    def test_connection(self) -> None:
        """Reach the STAC API and its collection in a task; say what was found."""
        try:
            spec = self._checked_source()
        except ValidationError:
            return
        if spec is None:
            return
        for warning in prepare_remote_reads(self.preferences, spec):
            self._set_source_status(warning, error=True)
        self._set_source_status(tr("Connecting to {url}…").format(url=spec.url))

        def done(report):
            if report.collection_found:
                text = tr("Connected to {title}: collection {collection} ({found})").format(
                    title=report.title, collection=spec.collection, found=report.collection_title)
                if spec.needs_s3_keys and s3_keys(self.preferences.s3_auth_config_id) is None:
                    text += tr("; no S3 keys stored: add them in the S2GM settings")
                self._set_source_status(text)
            else:
                self._set_source_status(tr("{url} answers, but has no collection {collection}"
                                           ).format(url=spec.url, collection=spec.collection),
                                        error=True)

        self._run_query(tr("S2GM: testing {url}").format(url=spec.url),
                        connection_query(spec), done)

    def find_scenes(self) -> None:
        """The scenes an order of the AOI and period would use, found in a task."""
        try:
            spec = self._checked_source()
            order = self.build_order()
        except ValidationError as exc:
            self._show_field_errors(exc.errors)
            return
        self.problem_label.hide()
        period = order.interval
        if spec is None:
            if not self.preferences.archive_folders:
                self._set_source_status(tr("No archive folder is set: add one in the S2GM "
                                           "settings"), error=True)
                return
            query = archive_scenes_query(self.preferences.archive_folders,
                                         Path(self.preferences.cache_folder) /
                                         "catalogue.sqlite", order.aoi, period.start, period.end)
            where = tr("the archive folders")
        else:
            prepare_remote_reads(self.preferences, spec)
            query = scenes_query(spec, order.aoi, period.start, period.end)
            where = spec.title
        self._set_source_status(tr("Searching {where} from {start} to {end}…").format(
            where=where, start=period.start.isoformat(), end=period.end.isoformat()))
        self._run_query(tr("S2GM: finding scenes"), query,
                        lambda scenes: self._set_source_status(describe_scenes(scenes)))

    def _on_engine_chosen(self) -> None:
        engine = self.engine_combo.currentData()
        if engine != self.preferences.engine:
            preferences = dataclasses.replace(self.preferences, engine=engine)
            preferences.save()
            self.set_preferences(preferences)

    def _start_engine(self) -> None:
        self.stop_engine()
        self.orders_model.set_orders([])
        self._first_refresh = True
        prefs = self.preferences
        try:
            if prefs.engine == "service":
                engine = ServiceEngine(prefs.service_url, service_token(prefs.auth_config_id),
                                       prefs.results_folder,
                                       proxies=qgis_proxies(prefs.service_url), parent=self)
                self.timer.setInterval(POLL_SERVICE_MS)
            else:
                engine = EmbeddedEngine(prefs.results_folder, prefs.cache_folder,
                                        prefs.archive_folders, parent=self)
                engine.task_ended.connect(self._on_task_ended)
                self.timer.setInterval(POLL_EMBEDDED_MS)
        except S2GMError as exc:
            self._set_status(tr("The mosaic engine cannot start: {error}").format(error=exc))
            return
        engine.orders_changed.connect(self._on_orders)
        engine.status_changed.connect(self._set_status)
        self.engine = engine
        self._describe_engine()
        self._set_status("")
        engine.start()
        self.timer.start()

    def _describe_engine(self) -> None:
        prefs = self.preferences
        try:
            spec = prefs.source_spec()
        except ValidationError:
            spec = None
        if prefs.engine == "service":
            text = tr("Orders go to the engine service at {url}.").format(url=prefs.service_url)
            if spec is not None:
                text += " " + tr("It reads {source}.").format(source=spec.title)
        elif spec is not None:
            text = tr("Orders run in QGIS, reading {source}. Results: {results}.").format(
                source=spec.title, results=prefs.results_folder)
        else:
            folders = ", ".join(prefs.archive_folders) or tr("none: add one in the settings")
            text = tr("Orders run in QGIS on the archive: {folders}. Results: {results}.").format(
                folders=folders, results=prefs.results_folder)
        self.engine_label.setText(text)

    def stop_engine(self) -> None:
        """Stop polling and the engine's work for this session (its orders stay stored)."""
        self.timer.stop()
        if self.engine is not None:
            self.engine.stop()
            self.engine.orders_changed.disconnect(self._on_orders)
            self.engine.status_changed.disconnect(self._set_status)
            self.engine.deleteLater()
            self.engine = None

    def refresh(self) -> None:
        if self.engine is not None:
            self.engine.refresh()

    def _set_status(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))

    # ------------------------------------------------------------------ AOI

    def _activate(self, tool) -> None:
        for button, owner in ((self.rectangle_button, self.rectangle_tool),
                              (self.polygon_button, self.polygon_tool),
                              (self.edit_button, self.vertex_tool)):
            button.setChecked(owner is tool)
        self.canvas.setMapTool(tool)

    def _activate_vertex_tool(self) -> None:
        if self.selection is None or self.aoi_ordered:
            self.edit_button.setChecked(False)
            self._aoi_message(tr("Nothing to edit: draw or choose a new area of interest"),
                              error=True)
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
            self._aoi_message(str(exc.errors.get("aoi", exc)), error=True)
            return
        except S2GMError as exc:
            self._aoi_message(str(exc), error=True)
            return
        self.set_aoi(selection)

    def _show_area(self) -> None:
        if self.selection is None:
            self.area_label.setText(tr("No area of interest"))
        else:
            self.area_label.setText(tr("{area} km² ({source})").format(
                area=_format_area(self.selection.area_km2), source=self.selection.source))

    def _show_drawing_area(self, geometry) -> None:
        """The geodesic area of the shape being drawn, as the mouse moves."""
        if geometry.isEmpty():
            self._show_area()
            return
        measure = QgsDistanceArea()
        measure.setSourceCrs(self.canvas.mapSettings().destinationCrs(),
                             QgsProject.instance().transformContext())
        measure.setEllipsoid("EPSG:7030")  # WGS 84: square metres on the ellipsoid
        self.area_label.setText(tr("{area} km² (drawing)").format(
            area=_format_area(measure.measureArea(geometry) / 1e6)))

    def set_aoi(self, selection: AoiSelection) -> None:
        self.selection = selection
        self.aoi_ordered = False
        self.rubber_band.show(selection.geometry, selection.crs)
        self.highlight.clear()
        self._show_area()
        if selection.repaired:
            self._aoi_message(tr("The geometry was invalid (e.g. self-intersecting) and was "
                                 "repaired"), error=False)
        else:
            self._aoi_message("", error=False)
        self.problem_label.hide()

    def clear_aoi(self) -> None:
        self.selection = None
        self.aoi_ordered = False
        self.rubber_band.clear()
        self._show_area()
        self._aoi_message("", error=False)
        if self.canvas.mapTool() is self.vertex_tool:
            self.canvas.unsetMapTool(self.vertex_tool)

    def _aoi_message(self, text: str, *, error: bool) -> None:
        self.aoi_message_label.setText(text)
        self.aoi_message_label.setStyleSheet("color: #b00020;" if error else "color: #8a5a00;")
        self.aoi_message_label.setVisible(bool(text))

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, tr("Area of interest from a file"), "",
            tr("Vector files (*.geojson *.json *.kml *.gpkg *.shp *.gml);;All files (*)"))
        if path:
            self._set_from(aoi_sources.aoi_from_vector_file, path)

    def _paste_wkt(self) -> None:
        dialog = WktDialog(self)
        if dialog.exec():
            self._set_from(aoi_sources.aoi_from_wkt_text, dialog.text_edit.toPlainText(),
                           dialog.crs_widget.crs())

    # ------------------------------------------------------------------ ordering

    @property
    def confirm_area_km2(self) -> float:
        return float(self.options.confirm_spin.value())

    def build_order(self) -> MosaicOrder:
        """The order the dock shows; ValidationError with every bad field."""
        fields = self.options.order_fields()
        errors: dict[str, str] = {}
        try:
            spec = self._checked_source()
        except ValidationError as exc:
            errors.update(exc.errors)
        else:
            if spec is not None:
                fields["source"] = spec.to_dict()
                fields["on_read_error"] = self.preferences.on_read_error
        if self.selection is None:
            errors["aoi"] = tr("draw or choose an area of interest first")
            try:
                MosaicOrder.create(aoi="0,0,1,1", **fields)
            except ValidationError as exc:
                errors.update(exc.errors)
        if errors:
            raise ValidationError(errors)
        return MosaicOrder.create(aoi=self.selection.aoi, **fields)

    def place_order(self) -> None:
        """Validate, confirm a large AOI, and hand the order to the engine."""
        self.problem_label.hide()
        try:
            order = self.build_order()
        except ValidationError as exc:
            self._show_field_errors(exc.errors)
            return
        if self.engine is None:
            self._show_problem(tr("The mosaic engine is not running: check the S2GM settings"))
            return
        area = order.aoi.area_km2
        if area > self.confirm_area_km2 and not self.confirm_large_aoi(area,
                                                                       self.confirm_area_km2):
            return
        if order.source is not None and self.preferences.engine == "embedded":
            # The service reads with its host's keys and proxy; the embedded engine with ours.
            warnings = prepare_remote_reads(self.preferences, order.source)
            if warnings:
                self._show_problem("\n".join(warnings))
                return
        self._save_settings()
        self.order_button.setEnabled(False)
        self.engine.place(order.to_dict(), self._on_placed, self._on_place_failed)

    def _on_placed(self, order: Mapping[str, Any]) -> None:
        self.order_button.setEnabled(True)
        self.autoload.add(order["id"])
        self.aoi_ordered = True
        if self.selection is not None:
            self.rubber_band.show(self.selection.geometry, self.selection.crs, ordered=True)
        if self.canvas.mapTool() is self.vertex_tool:
            self.canvas.unsetMapTool(self.vertex_tool)
        self.edit_button.setChecked(False)
        push_message(self.iface, tr("Mosaic order {name} placed").format(name=order["name"]),
                     Qgis.MessageLevel.Info)

    def _on_place_failed(self, error: S2GMError) -> None:
        self.order_button.setEnabled(True)
        if isinstance(error, ValidationError):
            self._show_field_errors(error.errors)
        else:
            self._show_problem(str(error))

    def _show_field_errors(self, errors: Mapping[str, str]) -> None:
        self._show_problem("\n".join(
            tr("{field}: {reason}").format(field=field_label(k), reason=v)
            for k, v in errors.items()))

    def _show_problem(self, text: str) -> None:
        self.problem_label.setText(text)
        self.problem_label.show()

    def _ask_large_aoi(self, area_km2: float, limit_km2: float) -> bool:
        answer = QMessageBox.question(
            self, tr("Large area of interest"),
            tr("The area of interest covers {area} km², more than {limit} km². The mosaic may "
               "take long and need much disk space. Place the order anyway?").format(
                area=_format_area(area_km2), limit=_format_area(limit_km2)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    # ------------------------------------------------------------------ orders list

    def _on_orders(self, orders: list) -> None:
        selected = self.selected_order()
        self.orders_model.set_orders(orders)
        if selected is not None:
            row = self.orders_model.row_of(selected["id"])
            if row >= 0 and self.orders_view.currentIndex().row() != row:
                self.orders_view.setCurrentIndex(self.orders_model.index(row, 0))
        for order in orders:
            state = order.get("state")
            if state in ("placed", "queued", "processing"):
                if self._first_refresh:
                    self.autoload.add(order["id"])
            elif order["id"] in self.autoload:
                self.autoload.discard(order["id"])
                self._announce_end(order)
        self._first_refresh = False
        self._update_buttons()

    def _on_task_ended(self, _order_id: str, _state: str) -> None:
        self.refresh()

    def _announce_end(self, order: Mapping[str, Any]) -> None:
        state = order.get("state")
        if state in ("finished", "partially_finished"):
            self.load_order(order)
            if state == "partially_finished":
                push_message(self.iface, tr("Mosaic {name} is partially finished: {reason}").format(
                    name=order["name"], reason=_last_message(order)), Qgis.MessageLevel.Warning)
        elif state == "failed":
            push_message(self.iface, tr("Mosaic {name} failed: {reason}").format(
                name=order["name"], reason=order.get("error") or _last_message(order)),
                Qgis.MessageLevel.Critical)

    def selected_order(self) -> Optional[dict]:
        index = self.orders_view.currentIndex()
        return index.data(ORDER_ROLE) if index.isValid() else None

    def select_order(self, order_id: str) -> None:
        row = self.orders_model.row_of(order_id)
        if row >= 0:
            self.orders_view.setCurrentIndex(self.orders_model.index(row, 0))

    def _update_buttons(self, *_args) -> None:
        order = self.selected_order()
        state = order.get("state") if order else None
        self.cancel_button.setEnabled(state in ("placed", "queued", "processing"))
        self.retry_button.setEnabled(state in ("failed", "cancelled", "partially_finished"))
        self.zoom_button.setEnabled(order is not None)
        done = state in ("finished", "partially_finished")
        self.folder_button.setEnabled(done)
        self.load_button.setEnabled(done)
        self.delete_button.setEnabled(order is not None and state != "processing")

    def _failed(self, what: str):
        def report(error):
            push_message(self.iface, tr("{action}: {error}").format(action=what, error=error),
                         Qgis.MessageLevel.Warning)
        return report

    def cancel_selected(self) -> None:
        order = self.selected_order()
        if order and self.engine:
            self.engine.cancel(order["id"], self._failed(tr("Cancel")))

    def retry_selected(self) -> None:
        order = self.selected_order()
        if order and self.engine:
            self.autoload.add(order["id"])
            self._unload(order["id"])  # its files are removed before the new attempt
            self.engine.retry(order["id"], self._failed(tr("Retry")))

    def delete_selected(self, *, confirm: bool = True) -> None:
        order = self.selected_order()
        if not order or not self.engine:
            return
        if confirm and QMessageBox.question(
                self, tr("Delete order"),
                tr("Delete order {name} and its result files?").format(name=order["name"]),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No) != QMessageBox.StandardButton.Yes:
            return
        self.autoload.discard(order["id"])
        self._unload(order["id"])
        self.engine.delete(order["id"], self._failed(tr("Delete")))

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
            aoi = parse_aoi((order.get("spec") or {}).get("aoi"))
        except ValidationError as exc:
            self._set_status(str(exc))
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
        if order and order.get("state") in ("finished", "partially_finished"):
            self.load_order(order)

    def load_order(self, order: Mapping[str, Any]) -> None:
        """Fetch (service) and load a finished order's result as a layer group; the layers
        are opened and styled in a task."""
        if self.engine is None:
            return
        order = dict(order)
        order_id = order["id"]

        def loaded(group) -> None:
            self.load_tasks.pop(order_id, None)
            self.loaded_groups[order_id] = group
            push_message(self.iface, tr("Mosaic {name} loaded").format(name=order["name"]),
                         Qgis.MessageLevel.Success)

        def failed(error: Optional[S2GMError]) -> None:
            self.load_tasks.pop(order_id, None)
            if error is None:  # cancelled
                return
            push_message(self.iface, tr("Mosaic {name} cannot be loaded: {error}").format(
                name=order["name"], error=error), Qgis.MessageLevel.Critical)

        def ready(folder: Path) -> None:
            if order_id in self.load_tasks:
                return  # already being loaded
            task = LoadResultTask(order, folder, loaded, failed)
            self.load_tasks[order_id] = task
            QgsApplication.taskManager().addTask(task)

        self.engine.fetch_result(order, ready, self._failed(tr("Load result")))

    # ------------------------------------------------------------------ settings

    def _restore_settings(self) -> None:
        settings = QgsSettings()
        try:
            state = json.loads(str(settings.value(SETTINGS_OPTIONS, "{}") or "{}"))
        except ValueError:
            state = {}
        if isinstance(state, dict):
            self.options.restore(state)
        try:
            limit = float(settings.value(SETTINGS_CONFIRM, DEFAULT_CONFIRM_AREA_KM2))
        except (TypeError, ValueError):
            limit = DEFAULT_CONFIRM_AREA_KM2
        self.options.confirm_spin.setValue(limit)

    def _save_settings(self) -> None:
        settings = QgsSettings()
        settings.setValue(SETTINGS_OPTIONS, json.dumps(self.options.state()))
        settings.setValue(SETTINGS_CONFIRM, self.confirm_area_km2)

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


def _format_area(area_km2: float) -> str:
    return f"{area_km2:,.1f}".replace(",", "\u202f") if area_km2 < 1e5 else \
        f"{area_km2:,.0f}".replace(",", "\u202f")


def _last_message(order: Mapping[str, Any]) -> str:
    messages = order.get("messages") or []
    return messages[-1].get("text", "") if messages else ""
