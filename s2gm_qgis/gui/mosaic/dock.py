"""The mosaic dock: the widgets of the mosaic feature (AOI buttons, data source, options, engine,
orders list) and nothing else. It shows what :class:`~.feature.MosaicFeature` gives it and
emits what the user asks for; the feature owns the map tools, the orders model, the engine and
every task (as the delay inspector's feature owns its dock)."""
from __future__ import annotations

from typing import Any, Mapping, Optional

from qgis.core import QgsMapLayerProxyModel
from qgis.gui import QgsDockWidget, QgsMapLayerComboBox, QgsProjectionSelectionWidget
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QIcon
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

from ...core.errors import ValidationError
from ...core.orders.store import IN_PROGRESS_STATES, PROCESSING, RETRYABLE_STATES, OrderRecord
from ...qgis_support import aoi as aoi_sources
from ...qgis_support.aoi import AoiSelection
from ...qgis_support.compat import LAYER_FILTER, LAYER_FILTERS
from ...qgis_support.i18n import tr
from ...qgis_support.labels import source_labels
from ...qgis_support.preferences import LOCAL, Preferences
from ...resources import icon_path
from ..widgets import ERROR_STYLE, message_label
from .options import OptionsWidget
from .orders_model import ORDER_ROLE, OrdersModel, ProgressDelegate
from .sources import known_collections

DOCK_OBJECT_NAME = "s2gm_qgis_mosaic_dock"
#: The map tools the AOI buttons pick.
RECTANGLE, POLYGON, EDIT = "rectangle", "polygon", "edit"


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


def field_errors_text(errors: Mapping[str, str]) -> str:
    """One line per bad field: 'Period: ...'."""
    return "\n".join(tr("{field}: {reason}").format(field=field_label(k), reason=v)
                     for k, v in errors.items())


def format_area(area_km2: float) -> str:
    return f"{area_km2:,.1f}".replace(",", "\u202f") if area_km2 < 1e5 else \
        f"{area_km2:,.0f}".replace(",", "\u202f")


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
    """The widgets; ``orders_model`` is the feature's orders list."""

    #: The user picked an AOI map tool: RECTANGLE, POLYGON or EDIT.
    tool_requested = pyqtSignal(str)
    clear_aoi_requested = pyqtSignal()
    canvas_aoi_requested = pyqtSignal()
    #: A vector file path.
    file_aoi_requested = pyqtSignal(str)
    #: Pasted WKT and its CRS.
    wkt_aoi_requested = pyqtSignal(str, object)
    #: The chosen layer (or None).
    layer_extent_aoi_requested = pyqtSignal(object)
    selected_features_aoi_requested = pyqtSignal(object)
    #: A widget of the data source was edited (read them with :meth:`source_choice`).
    source_edited = pyqtSignal()
    test_connection_requested = pyqtSignal()
    find_scenes_requested = pyqtSignal()
    #: "embedded" or "service".
    engine_chosen = pyqtSignal(str)
    settings_requested = pyqtSignal()
    place_order_requested = pyqtSignal()
    cancel_requested = pyqtSignal()
    retry_requested = pyqtSignal()
    zoom_requested = pyqtSignal()
    open_folder_requested = pyqtSignal()
    load_requested = pyqtSignal()
    delete_requested = pyqtSignal()

    def __init__(self, orders_model: OrdersModel, parent=None):
        super().__init__(tr("S2GM mosaics"), parent)
        self.setObjectName(DOCK_OBJECT_NAME)
        self.orders_model = orders_model
        self._build()

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
        self.engine_combo.activated.connect(
            lambda _i: self.engine_chosen.emit(self.engine_combo.currentData()))
        engine_row.addWidget(self.engine_combo, 1)
        settings_button = QToolButton(content)
        settings_button.setIcon(QIcon(icon_path("settings.svg")))
        settings_button.setToolTip(tr("Archive folders, results folder, service address and "
                                      "token"))
        settings_button.clicked.connect(self.settings_requested)
        engine_row.addWidget(settings_button)
        layout.addLayout(engine_row)
        self.engine_label = message_label(content, "engine_label")
        layout.addWidget(self.engine_label)

        self.problem_label = message_label(content, "problem_label", error=True, hidden=True)
        layout.addWidget(self.problem_label)
        self.order_button = QPushButton(tr("Place order"), content)
        self.order_button.setObjectName("order_button")
        self.order_button.clicked.connect(self.place_order_requested)
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
                                       lambda: self.tool_requested.emit(RECTANGLE), True)
        self.polygon_button = button(tr("Polygon"), tr(
            "Click the corners on the map; right click or double click closes the polygon"),
            lambda: self.tool_requested.emit(POLYGON), True)
        self.edit_button = button(tr("Edit"), tr("Drag the corners of the AOI (until it is "
                                                 "ordered)"),
                                  lambda: self.tool_requested.emit(EDIT), True)
        self.clear_button = button(tr("Clear"), tr("Remove the area of interest"),
                                   self.clear_aoi_requested)
        for column, widget in enumerate((self.rectangle_button, self.polygon_button,
                                         self.edit_button, self.clear_button)):
            grid.addWidget(widget, 0, column)
        self.canvas_button = button(tr("Map extent"), tr("The extent shown in the map"),
                                    self.canvas_aoi_requested)
        self.file_button = button(tr("File…"), tr("GeoJSON, KML, GeoPackage, shapefile..."),
                                  self._choose_file)
        self.wkt_button = button(tr("WKT…"), tr("Paste a POLYGON or MULTIPOLYGON"),
                                 self._paste_wkt)
        grid.addWidget(self.canvas_button, 1, 0, 1, 2)
        grid.addWidget(self.file_button, 1, 2)
        grid.addWidget(self.wkt_button, 1, 3)
        self.layer_combo = QgsMapLayerComboBox(group)
        self.layer_combo.setFilters(
            LAYER_FILTERS(LAYER_FILTER.HasGeometry | LAYER_FILTER.RasterLayer))
        grid.addWidget(self.layer_combo, 2, 0, 1, 2)
        self.layer_extent_button = button(
            tr("Layer extent"), tr("The extent of the chosen layer"),
            lambda: self.layer_extent_aoi_requested.emit(self.layer_combo.currentLayer()))
        self.selected_button = button(
            tr("Selected"), tr("The selected polygons of the chosen layer"),
            lambda: self.selected_features_aoi_requested.emit(self.layer_combo.currentLayer()))
        grid.addWidget(self.layer_extent_button, 2, 2)
        grid.addWidget(self.selected_button, 2, 3)
        self.area_label = message_label(group, "area_label", tr("No area of interest"))
        grid.addWidget(self.area_label, 3, 0, 1, 4)
        self.aoi_message_label = message_label(group, "aoi_message_label")
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
        self.test_connection_button.clicked.connect(self.test_connection_requested)
        self.find_scenes_button = QPushButton(tr("Find scenes"), group)
        self.find_scenes_button.setObjectName("find_scenes_button")
        self.find_scenes_button.setToolTip(tr("The scenes an order of this area and period "
                                              "would use, before placing it"))
        self.find_scenes_button.clicked.connect(self.find_scenes_requested)
        grid.addWidget(self.test_connection_button, 4, 0, 1, 2)
        grid.addWidget(self.find_scenes_button, 4, 2, 1, 2)
        self.source_status_label = message_label(group, "source_status_label", hidden=True)
        grid.addWidget(self.source_status_label, 5, 0, 1, 4)

        self.source_combo.activated.connect(lambda _i: self.source_edited.emit())
        self.stac_url_edit.editingFinished.connect(self.source_edited)
        self.collection_combo.activated.connect(lambda _i: self.source_edited.emit())
        self.collection_combo.lineEdit().editingFinished.connect(self.source_edited)
        self.max_cloud_spin.editingFinished.connect(self.source_edited)
        self.skip_unreadable_check.toggled.connect(lambda _c: self.source_edited.emit())
        return group

    def _build_orders_group(self, parent) -> QGroupBox:
        group = QGroupBox(tr("Orders"), parent)
        layout = QVBoxLayout(group)
        self.orders_view = QTreeView(group)
        self.orders_view.setObjectName("orders_view")
        self.orders_view.setModel(self.orders_model)
        self.orders_view.setRootIsDecorated(False)
        self.orders_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.orders_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.orders_view.setItemDelegate(ProgressDelegate(self.orders_view))
        self.orders_view.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.orders_view.setMinimumHeight(120)
        self.orders_view.doubleClicked.connect(lambda _i: self.load_requested.emit())
        self.orders_view.selectionModel().selectionChanged.connect(self._update_buttons)
        layout.addWidget(self.orders_view, 1)
        self.status_label = message_label(group, "status_label", error=True, hidden=True)
        layout.addWidget(self.status_label)
        row = QGridLayout()
        self.cancel_button = QPushButton(tr("Cancel"), group)
        self.retry_button = QPushButton(tr("Retry"), group)
        self.zoom_button = QPushButton(tr("Zoom to AOI"), group)
        self.folder_button = QPushButton(tr("Open folder"), group)
        self.load_button = QPushButton(tr("Load result"), group)
        self.delete_button = QPushButton(tr("Delete"), group)
        slots = (self.cancel_requested, self.retry_requested, self.zoom_requested,
                 self.open_folder_requested, self.load_requested, self.delete_requested)
        buttons = (self.cancel_button, self.retry_button, self.zoom_button, self.folder_button,
                   self.load_button, self.delete_button)
        for index, (widget, slot) in enumerate(zip(buttons, slots)):
            widget.clicked.connect(slot)
            row.addWidget(widget, index // 3, index % 3)
        layout.addLayout(row)
        self._update_buttons()
        return group

    # ------------------------------------------------------------------ AOI

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, tr("Area of interest from a file"), "",
            tr("Vector files (*.geojson *.json *.kml *.gpkg *.shp *.gml);;All files (*)"))
        if path:
            self.file_aoi_requested.emit(path)

    def _paste_wkt(self) -> None:
        dialog = WktDialog(self)
        if dialog.exec():
            self.wkt_aoi_requested.emit(dialog.text_edit.toPlainText(), dialog.crs_widget.crs())

    def show_tool(self, tool: Optional[str]) -> None:
        """Check the button of the active AOI tool (RECTANGLE, POLYGON, EDIT; None: none)."""
        for button, name in ((self.rectangle_button, RECTANGLE), (self.polygon_button, POLYGON),
                             (self.edit_button, EDIT)):
            button.setChecked(name == tool)

    def show_area(self, selection: Optional[AoiSelection]) -> None:
        if selection is None:
            self.area_label.setText(tr("No area of interest"))
        else:
            self.area_label.setText(tr("{area} km² ({source})").format(
                area=format_area(selection.area_km2), source=selection.source))

    def show_drawing_area(self, area_km2: float) -> None:
        """The geodesic area of the shape being drawn, as the mouse moves."""
        self.area_label.setText(tr("{area} km² (drawing)").format(area=format_area(area_km2)))

    def show_aoi_message(self, text: str, *, error: bool) -> None:
        self.aoi_message_label.setText(text)
        self.aoi_message_label.setStyleSheet(ERROR_STYLE if error else "color: #8a5a00;")
        self.aoi_message_label.setVisible(bool(text))

    # ------------------------------------------------------------------ source and engine

    def show_source(self, prefs: Preferences) -> None:
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

    def source_choice(self) -> dict[str, Any]:
        """What the source widgets say, as preference fields (the collection as typed)."""
        return {
            "data_source": self.source_combo.currentData(),
            "stac_url": self.stac_url_edit.text().strip(),
            "stac_collection": self.collection_combo.currentText().strip(),
            "max_cloud_pct": int(self.max_cloud_spin.value()),
            "on_read_error": "skip" if self.skip_unreadable_check.isChecked() else "fail",
        }

    def set_source_status(self, text: str, *, error: bool = False) -> None:
        self.source_status_label.setText(text)
        self.source_status_label.setStyleSheet(ERROR_STYLE if error else "")
        self.source_status_label.setVisible(bool(text))

    def set_query_buttons(self, enabled: bool) -> None:
        self.test_connection_button.setEnabled(enabled)
        self.find_scenes_button.setEnabled(enabled)

    def show_engine(self, prefs: Preferences) -> None:
        """The engine choice and a sentence on where orders run and what they read."""
        self.engine_combo.setCurrentIndex(max(0, self.engine_combo.findData(prefs.engine)))
        try:
            spec = prefs.source_spec()
        except ValidationError:  # the source's problems are shown where it is chosen
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

    def set_status(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))

    # ------------------------------------------------------------------ ordering

    @property
    def confirm_area_km2(self) -> float:
        return float(self.options.confirm_spin.value())

    def show_problem(self, text: str) -> None:
        self.problem_label.setText(text)
        self.problem_label.show()

    def hide_problem(self) -> None:
        self.problem_label.hide()

    def show_field_errors(self, errors: Mapping[str, str]) -> None:
        self.show_problem(field_errors_text(errors))

    def set_order_enabled(self, enabled: bool) -> None:
        self.order_button.setEnabled(enabled)

    def ask_large_aoi(self, area_km2: float, limit_km2: float) -> bool:
        answer = QMessageBox.question(
            self, tr("Large area of interest"),
            tr("The area of interest covers {area} km², more than {limit} km². The mosaic may "
               "take long and need much disk space. Place the order anyway?").format(
                area=format_area(area_km2), limit=format_area(limit_km2)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def confirm_delete(self, name: str) -> bool:
        return QMessageBox.question(
            self, tr("Delete order"),
            tr("Delete order {name} and its result files?").format(name=name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No) == QMessageBox.StandardButton.Yes

    # ------------------------------------------------------------------ orders list

    def selected_order(self) -> Optional[OrderRecord]:
        index = self.orders_view.currentIndex()
        return index.data(ORDER_ROLE) if index.isValid() else None

    def select_order(self, order_id: str) -> None:
        row = self.orders_model.row_of(order_id)
        if row >= 0 and self.orders_view.currentIndex().row() != row:
            self.orders_view.setCurrentIndex(self.orders_model.index(row, 0))

    def _update_buttons(self, *_args) -> None:
        order = self.selected_order()
        state = order.state if order else None
        self.cancel_button.setEnabled(state in IN_PROGRESS_STATES)
        self.retry_button.setEnabled(state in RETRYABLE_STATES)
        self.zoom_button.setEnabled(order is not None)
        done = order is not None and order.has_result
        self.folder_button.setEnabled(done)
        self.load_button.setEnabled(done)
        self.delete_button.setEnabled(order is not None and state != PROCESSING)

    update_buttons = _update_buttons
