"""The time-series dock: the options (period, pixel, quantities), the plot, the status and the
export buttons of the time-series feature; it shows and emits, :mod:`.feature` acts."""
from __future__ import annotations

from datetime import date
from typing import Optional

from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QComboBox, QDateEdit, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QListWidget,
    QListWidgetItem, QPushButton, QVBoxLayout, QWidget,
)

from ...qgis_support.i18n import tr
from ..mosaic.options import to_date, to_qdate
from ..widgets import ERROR_STYLE, message_label
from .plot import SeriesPlot
from .quantities import DEFAULT_QUANTITIES, QUANTITIES

DOCK_OBJECT_NAME = "s2gm_qgis_timeseries_dock"
RESOLUTIONS_M = (10, 20, 30, 60)


class TimeSeriesDock(QgsDockWidget):
    """Options, the plot and the exports of the point time series."""

    #: The "Pick a point" button was toggled (on: the map tool should be active).
    pick_toggled = pyqtSignal(bool)
    #: The checked quantities changed.
    quantities_changed = pyqtSignal()
    export_csv_requested = pyqtSignal()
    export_png_requested = pyqtSignal()

    def __init__(self, parent=None):
        super().__init__(tr("S2GM time series"), parent)
        self.setObjectName(DOCK_OBJECT_NAME)
        self._build()

    def _build(self) -> None:
        content = QWidget(self)
        layout = QVBoxLayout(content)
        form = QFormLayout()
        today = date.today()
        self.start_edit = QDateEdit(content)
        self.start_edit.setObjectName("start_edit")
        self.start_edit.setCalendarPopup(True)
        self.start_edit.setDisplayFormat("yyyy-MM-dd")
        self.start_edit.setDate(to_qdate(date(today.year - 1, today.month, 1)))
        self.end_edit = QDateEdit(content)
        self.end_edit.setObjectName("end_edit")
        self.end_edit.setCalendarPopup(True)
        self.end_edit.setDisplayFormat("yyyy-MM-dd")
        self.end_edit.setDate(to_qdate(today))
        dates = QHBoxLayout()
        dates.addWidget(self.start_edit)
        dates.addWidget(QLabel("–", content))
        dates.addWidget(self.end_edit)
        form.addRow(tr("Period:"), dates)
        self.resolution_combo = QComboBox(content)
        self.resolution_combo.setObjectName("resolution_combo")
        for value in RESOLUTIONS_M:
            self.resolution_combo.addItem(tr("{metres} m").format(metres=value), value)
        self.resolution_combo.setCurrentIndex(RESOLUTIONS_M.index(20))
        self.window_combo = QComboBox(content)
        self.window_combo.setObjectName("window_combo")
        self.window_combo.addItem(tr("1 × 1 pixel"), 1)
        self.window_combo.addItem(tr("3 × 3 pixels (mean of the valid ones)"), 3)
        pixel = QHBoxLayout()
        pixel.addWidget(self.resolution_combo)
        pixel.addWidget(self.window_combo, 1)
        form.addRow(tr("Pixel:"), pixel)
        self.quantity_list = QListWidget(content)
        self.quantity_list.setObjectName("quantity_list")
        self.quantity_list.setMaximumHeight(90)
        self.quantity_list.setFlow(QListWidget.Flow.LeftToRight)
        self.quantity_list.setWrapping(True)
        for quantity in QUANTITIES:
            item = QListWidgetItem(quantity)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if quantity in DEFAULT_QUANTITIES
                               else Qt.CheckState.Unchecked)
            self.quantity_list.addItem(item)
        self.quantity_list.itemChanged.connect(lambda _item: self.quantities_changed.emit())
        form.addRow(tr("Show:"), self.quantity_list)
        layout.addLayout(form)

        buttons = QHBoxLayout()
        self.pick_button = QPushButton(tr("Pick a point"), content)
        self.pick_button.setObjectName("pick_button")
        self.pick_button.setCheckable(True)
        self.pick_button.setToolTip(tr("Click the map: the series of every observation there"))
        self.pick_button.toggled.connect(self.pick_toggled)
        self.csv_button = QPushButton(tr("Export CSV…"), content)
        self.csv_button.clicked.connect(self.export_csv_requested)
        self.png_button = QPushButton(tr("Export PNG…"), content)
        self.png_button.clicked.connect(self.export_png_requested)
        for widget in (self.pick_button, self.csv_button, self.png_button):
            buttons.addWidget(widget)
        layout.addLayout(buttons)
        self.status_label = message_label(content, "status_label")
        layout.addWidget(self.status_label)
        self.plot = SeriesPlot(content)
        layout.addWidget(self.plot, 1)
        self.hover_label = message_label(content, "hover_label")
        self.plot.hovered.connect(lambda text: self.hover_label.setText(text.replace("\n", " · ")))
        layout.addWidget(self.hover_label)
        self.setWidget(content)
        self.show_exports(False)

    # ---------------------------------------------------------------- state

    def quantities(self) -> list[str]:
        return [self.quantity_list.item(i).text() for i in range(self.quantity_list.count())
                if self.quantity_list.item(i).checkState() == Qt.CheckState.Checked]

    def set_quantities(self, names) -> None:
        wanted = set(names)
        self.quantity_list.blockSignals(True)
        for i in range(self.quantity_list.count()):
            item = self.quantity_list.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.text() in wanted
                               else Qt.CheckState.Unchecked)
        self.quantity_list.blockSignals(False)
        self.quantities_changed.emit()

    def period(self) -> tuple[date, date]:
        return to_date(self.start_edit.date()), to_date(self.end_edit.date())

    def set_period(self, start: date, end: date) -> None:
        self.start_edit.setDate(to_qdate(start))
        self.end_edit.setDate(to_qdate(end))

    def resolution_m(self) -> int:
        return int(self.resolution_combo.currentData())

    def window(self) -> int:
        return int(self.window_combo.currentData())

    def show_exports(self, enabled: bool) -> None:
        self.csv_button.setEnabled(enabled)
        self.png_button.setEnabled(enabled)

    def set_status(self, text: str, *, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet(ERROR_STYLE if error else "")

    def ask_path(self, title: str, filter_text: str) -> Optional[str]:
        """A file name to save to, or None when the user gave none."""
        path, _ = QFileDialog.getSaveFileName(self, title, "", filter_text)
        return path or None
