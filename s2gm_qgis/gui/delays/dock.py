"""The Delay dock: what the hover tool reads, the pinned readouts and the velocity probe.

The dock only shows: the tools and the feature (``feature.py``) compute, and call
``show_readout`` / ``show_message`` / ``show_velocity``. ``show_readout`` is on the mouse-move path,
so it only sets texts of widgets made once (13 table rows, fixed labels).
"""
from __future__ import annotations

import dataclasses
from typing import Optional

from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QAbstractItemView, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView,
    QLabel, QMenu, QPushButton, QSizePolicy, QTableView, QTableWidget, QTableWidgetItem,
    QTabWidget, QToolButton, QVBoxLayout, QWidget,
)

from ...core.bands import BANDS
from ...core.delays import DelayReadout, VelocityEstimate
from ...qgis_support.i18n import tr
from ...qgis_support.compat import QAction
from . import formatting as F
from .pins import PinsModel
from .settings import DelaySettings

OBJECT_NAME = "s2gm_qgis_delay_dock"


class DelayDock(QgsDockWidget):
    """Readout, pins and velocity of the delay inspector."""

    #: The user changed a choice (source band, bands shown, ephemeris, velocity bands...).
    settings_changed = pyqtSignal(object)
    open_product_requested = pyqtSignal()
    footprints_requested = pyqtSignal(str)
    copy_pins_requested = pyqtSignal()
    export_pins_requested = pyqtSignal()
    remove_pins_requested = pyqtSignal(list)
    clear_pins_requested = pyqtSignal()
    copy_readout_requested = pyqtSignal()

    def __init__(self, settings: DelaySettings, pins: PinsModel, parent=None):
        super().__init__(tr("Sentinel-2 inter-band delays"), parent)
        self.setObjectName(OBJECT_NAME)
        self.settings = settings
        self.pins_model = pins
        #: The readout shown (None when the dock shows a message instead).
        self.readout: Optional[DelayReadout] = None
        self.velocity: Optional[VelocityEstimate] = None
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self._build_product_row())
        layout.addLayout(self._build_choice_row())
        self.tabs = QTabWidget(body)
        self.readout_tab = self._build_readout_tab()
        self.pins_tab = self._build_pins_tab()
        self.velocity_tab = self._build_velocity_tab()
        self.tabs.addTab(self.readout_tab, tr("Readout"))
        self.tabs.addTab(self.pins_tab, tr("Pins"))
        self.tabs.addTab(self.velocity_tab, tr("Velocity"))
        layout.addWidget(self.tabs, 1)
        self.setWidget(body)
        self._apply_shown_bands()
        self.show_message(tr("Pick the delay tool and move the mouse over an L1C product."))

    # -- building -----------------------------------------------------------------------------------
    def _band_combo(self, value: str) -> QComboBox:
        combo = QComboBox(self)
        combo.addItems(BANDS)
        combo.setCurrentText(value)
        return combo

    def _build_product_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.open_button = QPushButton(tr("Open L1C product…"), self)
        self.open_button.clicked.connect(self.open_product_requested)
        row.addWidget(self.open_button)
        row.addStretch(1)
        row.addWidget(QLabel(tr("Footprints of"), self))
        self.footprint_band_combo = self._band_combo(self.settings.footprint_band)
        self.footprint_band_combo.currentTextChanged.connect(
            lambda band: self._update_settings(footprint_band=band))
        row.addWidget(self.footprint_band_combo)
        self.footprints_button = QPushButton(tr("Show"), self)
        self.footprints_button.setToolTip(tr("Add the detector footprints of this band to the map"))
        self.footprints_button.clicked.connect(
            lambda: self.footprints_requested.emit(self.footprint_band_combo.currentText()))
        row.addWidget(self.footprints_button)
        return row

    def _build_choice_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("From band"), self))
        self.source_combo = self._band_combo(self.settings.source_band)
        self.source_combo.setToolTip(tr("Source band: delays are t(other band) − t(source band)"))
        self.source_combo.currentTextChanged.connect(
            lambda band: self._update_settings(source_band=band))
        row.addWidget(self.source_combo)
        self.bands_button = QToolButton(self)
        self.bands_button.setText(tr("Bands"))
        self.bands_button.setToolTip(tr("Bands listed in the table"))
        self.bands_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.bands_button)
        self.band_actions: dict[str, QAction] = {}
        for band in BANDS:
            action = menu.addAction(band)
            action.setCheckable(True)
            action.setChecked(band in self.settings.shown_bands)
            action.toggled.connect(self._on_band_toggled)
            self.band_actions[band] = action
        self.bands_button.setMenu(menu)
        row.addWidget(self.bands_button)
        row.addWidget(QLabel(tr("Ephemeris"), self))
        self.ephemeris_combo = QComboBox(self)
        self.ephemeris_combo.addItem(tr("nearest the tile centre"), "tile-centre")
        self.ephemeris_combo.addItem(tr("nearest the point"), "point")
        self.ephemeris_combo.setToolTip(tr(
            "Ephemeris sample whose nadir is nearest the tile centre (Binet et al. 2022) or "
            "nearest the point"))
        self.ephemeris_combo.setCurrentIndex(max(0, self.ephemeris_combo.findData(
            self.settings.ephemeris)))
        self.ephemeris_combo.currentIndexChanged.connect(
            lambda _i: self._update_settings(ephemeris=self.ephemeris_combo.currentData()))
        row.addWidget(self.ephemeris_combo)
        row.addStretch(1)
        return row

    def _value_label(self) -> QLabel:
        label = QLabel("", self)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setWordWrap(True)
        label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        # two lines at most: a fixed height keeps the dock's layout still while the mouse moves
        label.setFixedHeight(2 * label.fontMetrics().lineSpacing() + 2)
        return label

    def _build_readout_tab(self) -> QWidget:
        tab = QWidget(self)
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(2, 2, 2, 2)
        form = QFormLayout()
        self.product_label = self._value_label()
        self.satellite_label = self._value_label()
        self.point_label = self._value_label()
        self.detector_label = self._value_label()
        self.ephemeris_label = self._value_label()
        form.addRow(tr("Product"), self.product_label)
        form.addRow(tr("Satellite, tile"), self.satellite_label)
        form.addRow(tr("Point"), self.point_label)
        form.addRow(tr("Detector"), self.detector_label)
        form.addRow(tr("Orbit"), self.ephemeris_label)
        layout.addLayout(form)
        self.message_label = self._value_label()
        self.message_label.setStyleSheet("QLabel { color: #8a4b00; }")
        # Room for three lines, always: a label that grows or hides re-lays out the whole dock
        # on a mouse move.
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.message_label.setFixedHeight(3 * self.message_label.fontMetrics().lineSpacing() + 4)
        layout.addWidget(self.message_label)
        self.table = QTableWidget(len(BANDS), 7, tab)
        self.table.setHorizontalHeaderLabels([
            tr("Band"), tr("Detector"), tr("Δt (s)"), tr("LUT (s)"), tr("ESA (s)"),
            tr("Correction (%)"), tr("Sensed (UTC)"),
        ])
        self.table.horizontalHeaderItem(2).setToolTip(tr(
            "t(band) − t(source band), corrected for the detector and the orbit"))
        self.table.horizontalHeaderItem(3).setToolTip(tr(
            "CNES reference value of the detector (Binet et al. 2022)"))
        self.table.horizontalHeaderItem(4).setToolTip(tr("ESA handbook value"))
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        # Column widths are fitted once per product, not on every move: ResizeToContents would
        # measure every cell each time a text changes, milliseconds per mouse move.
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self._fitted_product: Optional[str] = None
        self.cells: list[list[QTableWidgetItem]] = []
        for row, band in enumerate(BANDS):
            items = []
            for column in range(7):
                item = QTableWidgetItem(band if column == 0 else "")
                if 1 <= column <= 5:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
                items.append(item)
            self.cells.append(items)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.copy_readout_button = QPushButton(tr("Copy readout"), tab)
        self.copy_readout_button.clicked.connect(self.copy_readout_requested)
        buttons.addStretch(1)
        buttons.addWidget(self.copy_readout_button)
        layout.addLayout(buttons)
        return tab

    def _build_pins_tab(self) -> QWidget:
        tab = QWidget(self)
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(2, 2, 2, 2)
        hint = QLabel(tr("Click on the map with the delay tool to pin a readout."), tab)
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.pins_view = QTableView(tab)
        self.pins_view.setModel(self.pins_model)
        self.pins_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.pins_view.verticalHeader().setVisible(False)
        self.pins_view.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.pins_view, 1)
        buttons = QHBoxLayout()
        self.copy_pins_button = QPushButton(tr("Copy"), tab)
        self.copy_pins_button.setToolTip(tr("Copy the pins to the clipboard (tab-separated)"))
        self.copy_pins_button.clicked.connect(self.copy_pins_requested)
        self.export_pins_button = QPushButton(tr("Export…"), tab)
        self.export_pins_button.setToolTip(tr("Save the pins as CSV or GeoJSON"))
        self.export_pins_button.clicked.connect(self.export_pins_requested)
        self.remove_pins_button = QPushButton(tr("Remove"), tab)
        self.remove_pins_button.clicked.connect(self._remove_selected_pins)
        self.clear_pins_button = QPushButton(tr("Clear"), tab)
        self.clear_pins_button.clicked.connect(self.clear_pins_requested)
        for button in (self.copy_pins_button, self.export_pins_button, self.remove_pins_button,
                       self.clear_pins_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        return tab

    def _build_velocity_tab(self) -> QWidget:
        tab = QWidget(self)
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(2, 2, 2, 2)
        bands = QHBoxLayout()
        bands.addWidget(QLabel(tr("Band A"), tab))
        self.band_a_combo = self._band_combo(self.settings.velocity_band_a)
        bands.addWidget(self.band_a_combo)
        bands.addWidget(QLabel(tr("Band B"), tab))
        self.band_b_combo = self._band_combo(self.settings.velocity_band_b)
        bands.addWidget(self.band_b_combo)
        bands.addStretch(1)
        self.band_a_combo.currentTextChanged.connect(
            lambda band: self._update_settings(velocity_band_a=band))
        self.band_b_combo.currentTextChanged.connect(
            lambda band: self._update_settings(velocity_band_b=band))
        layout.addLayout(bands)
        self.velocity_hint = QLabel("", tab)
        self.velocity_hint.setWordWrap(True)
        layout.addWidget(self.velocity_hint)
        box = QGroupBox(tr("Velocity"), tab)
        form = QFormLayout(box)
        self.speed_label = self._value_label()
        self.heading_label = self._value_label()
        self.uncertainty_label = self._value_label()
        self.displacement_label = self._value_label()
        form.addRow(tr("Speed"), self.speed_label)
        form.addRow(tr("Heading"), self.heading_label)
        form.addRow(tr("Uncertainty"), self.uncertainty_label)
        form.addRow(tr("Displacement"), self.displacement_label)
        layout.addWidget(box)
        layout.addStretch(1)
        self.show_velocity_hint(0)
        return tab

    # -- choices ------------------------------------------------------------------------------------
    def _on_band_toggled(self, _checked: bool) -> None:
        shown = tuple(band for band in BANDS if self.band_actions[band].isChecked())
        self._update_settings(shown_bands=shown)

    def _update_settings(self, **changes) -> None:
        updated = dataclasses.replace(self.settings, **changes)
        if updated == self.settings:
            return
        self.settings = updated
        if "shown_bands" in changes or "source_band" in changes:
            self._apply_shown_bands()
        if "velocity_band_a" in changes or "velocity_band_b" in changes:
            self.show_velocity_hint(0)
        self.settings_changed.emit(updated)

    def _apply_shown_bands(self) -> None:
        shown = set(self.settings.shown_bands) | {self.settings.source_band}
        for row, band in enumerate(BANDS):
            self.table.setRowHidden(row, band not in shown)

    def _remove_selected_pins(self) -> None:
        rows = sorted({index.row() for index in self.pins_view.selectionModel().selectedRows()})
        if rows:
            self.remove_pins_requested.emit(rows)

    # -- showing (mouse-move path) -------------------------------------------------------------
    def show_readout(self, readout: DelayReadout) -> None:
        """Show a readout: header labels and the 13 table rows (texts only)."""
        self.readout = readout
        self.product_label.setText(readout.product)
        self.satellite_label.setText(f"{readout.satellite}, {readout.tile}")
        self.point_label.setText(F.point_text(readout))
        self.detector_label.setText(F.detector_summary(readout))
        self.ephemeris_label.setText(F.ephemeris_text(readout))
        self._set_message("\n".join(F.readout_notes(readout)))
        for items, values in zip(self.cells, F.readout_rows(readout)):
            for item, text in zip(items[1:], values[1:]):
                if item.text() != text:
                    item.setText(text)
        self._set_table_enabled(readout.detector is not None)
        if readout.detector is not None and self._fitted_product != readout.product:
            self._fitted_product = readout.product
            self.table.resizeColumnsToContents()

    def _set_message(self, text: str) -> None:
        if self.message_label.text() != text:
            self.message_label.setText(text)

    def _set_table_enabled(self, enabled: bool) -> None:
        if self.table.isEnabled() != enabled:
            self.table.setEnabled(enabled)

    def show_message(self, text: str) -> None:
        """No readout here (outside any product, product opening...): say why."""
        self.readout = None
        for label in (self.product_label, self.satellite_label, self.point_label,
                      self.detector_label, self.ephemeris_label):
            label.setText("")
        self._set_message(text)
        for items in self.cells:
            for item in items[1:]:
                if item.text():
                    item.setText("")
        self._set_table_enabled(False)

    def show_readout_tab(self) -> None:
        """Bring the dock forward on the readout (the delay tool was picked)."""
        self.show()
        self.raise_()
        self.tabs.setCurrentWidget(self.readout_tab)

    def show_velocity_tab(self) -> None:
        """Bring the dock forward on the velocity probe."""
        self.show()
        self.raise_()
        self.tabs.setCurrentWidget(self.velocity_tab)

    def show_velocity_hint(self, step: int) -> None:
        """Where the velocity probe stands: 0 waiting for band A's click, 1 for band B's."""
        a, b = self.settings.velocity_band_a, self.settings.velocity_band_b
        if step == 0:
            text = tr("With the velocity probe, click the object in the {a} image, then in the "
                      "{b} image.").format(a=a, b=b)
        else:
            text = tr("Now click the same object in the {b} image.").format(b=b)
        self.velocity_hint.setText(text)

    def show_velocity(self, estimate: Optional[VelocityEstimate], problem: str = "") -> None:
        self.velocity = estimate
        self.tabs.setCurrentWidget(self.velocity_tab)
        if estimate is None:
            for label in (self.speed_label, self.heading_label, self.uncertainty_label,
                          self.displacement_label):
                label.setText("")
            self.velocity_hint.setText(problem)
            return
        lines = F.velocity_lines(estimate)
        self.speed_label.setText(lines["speed"])
        self.heading_label.setText(lines["heading"])
        self.uncertainty_label.setText(lines["uncertainty"])
        self.displacement_label.setText(lines["displacement"])
        self.show_velocity_hint(0)
