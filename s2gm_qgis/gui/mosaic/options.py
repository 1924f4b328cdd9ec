"""The order options: Basic mode (a month and the AOI give a true-colour quick-look, as S2GM's
basic order) and Advanced mode (everything the engine accepts).

``OptionsWidget.order_fields()`` returns the keyword fields of ``MosaicOrder.create`` except the
AOI; the dock adds the AOI and lets the core validate everything at once.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from qgis.PyQt.QtCore import QDate, QRegularExpression, Qt, pyqtSignal
from qgis.PyQt.QtGui import QRegularExpressionValidator
from qgis.PyQt.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...core.mosaic.layers import (
    DEFAULT_PRESET, LAYERS, PRESETS, QUALITY_LAYER_NAMES, REFLECTANCE_BANDS,
)
from ...core.mosaic.order import (
    BIT_DEPTHS, BRIGHTEARTH_LAYERS, CLOUD_MASKS, NAME_PATTERN, PREFERENCES, PRODUCTS, RESOLUTIONS_M,
)
from ...core.mosaic.periods import period_of, snap
from ...qgis_support.i18n import tr
from ...qgis_support.labels import (
    cloud_mask_labels, layer_label, period_labels, preference_labels, preset_labels, product_labels,
)

BASIC = "basic"
ADVANCED = "advanced"

#: What a Basic order is: S2GM's quick-look of a month, light enough to come back in minutes.
BASIC_ORDER: Mapping[str, Any] = {
    "period": "month",
    "resolution_m": 60,
    "crs": "utm",
    "format": "gtiff",
    "bit_depth": 8,
    "bands": ("B02", "B03", "B04", "valid_obs"),
}

def to_qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def to_date(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


class OptionsWidget(QWidget):
    """Mode, period, resolution, CRS, format, bit depth, layers and the order name."""

    #: Emitted whenever an option changes (the dock re-validates).
    changed = pyqtSignal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("s2gm_qgis_mosaic_options")
        self._building = True
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        mode_row = QHBoxLayout()
        self.basic_radio = QRadioButton(tr("Basic"), self)
        self.basic_radio.setToolTip(tr("A month and the AOI: a true-colour quick-look at 60 m"))
        self.advanced_radio = QRadioButton(tr("Advanced"), self)
        self.advanced_radio.setToolTip(tr("Every option of the mosaic engine"))
        self._mode_group = QButtonGroup(self)
        self._mode_group.addButton(self.basic_radio)
        self._mode_group.addButton(self.advanced_radio)
        mode_row.addWidget(self.basic_radio)
        mode_row.addWidget(self.advanced_radio)
        mode_row.addStretch(1)
        layout.addLayout(mode_row)

        form = QFormLayout()
        self.name_edit = QLineEdit("mosaic", self)
        self.name_edit.setObjectName("name_edit")
        self.name_edit.setValidator(QRegularExpressionValidator(
            QRegularExpression(NAME_PATTERN.pattern), self))
        self.name_edit.setToolTip(tr("1 to 64 letters, digits or '-'; it names the output "
                                     "folder and the layer group"))
        form.addRow(tr("Order name:"), self.name_edit)

        self.period_combo = QComboBox(self)
        for key, label in period_labels().items():
            self.period_combo.addItem(label, key)
        self.period_combo.setCurrentIndex(self.period_combo.findData("month"))
        form.addRow(tr("Period:"), self.period_combo)
        self.date_edit = QDateEdit(self)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setMinimumDate(QDate(2015, 6, 23))
        self.date_edit.setDate(to_qdate(snap("month", date.today().replace(day=1))).addMonths(-1))
        form.addRow(tr("Starting:"), self.date_edit)
        self.period_label = QLabel(self)
        self.period_label.setObjectName("period_label")
        form.addRow("", self.period_label)
        layout.addLayout(form)

        self.stack = QStackedWidget(self)
        self.basic_page = QLabel(tr(
            "Quick-look: true colour (B04, B03, B02) and the number of valid observations, "
            "60 m, 8-bit GeoTIFF, UTM."), self)
        self.basic_page.setWordWrap(True)
        self.stack.addWidget(self.basic_page)
        self.stack.addWidget(self._build_advanced())
        layout.addWidget(self.stack)

        self.basic_radio.toggled.connect(self._on_mode)
        self.period_combo.currentIndexChanged.connect(self._on_period)
        self.date_edit.dateChanged.connect(self._on_date)
        self.name_edit.textChanged.connect(self.changed)
        self.advanced_radio.setChecked(True)
        self.set_mode(BASIC)
        self._building = False
        self._on_period()

    def _build_advanced(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        self.product_combo = QComboBox(page)
        self.product_combo.setObjectName("product_combo")
        for key in PRODUCTS:
            self.product_combo.addItem(product_labels()[key], key)
        self.product_combo.setToolTip(tr(
            "BrightEarth: RGB only, with a cloud mask of its own, made for viewing (no cloud "
            "borders, haze or seamlines)"))
        form.addRow(tr("Product:"), self.product_combo)
        self.cloud_mask_combo = QComboBox(page)
        self.cloud_mask_combo.setObjectName("cloud_mask_combo")
        for key in CLOUD_MASKS:
            self.cloud_mask_combo.addItem(cloud_mask_labels()[key], key)
        form.addRow(tr("Cloud mask:"), self.cloud_mask_combo)
        self.preference_combo = QComboBox(page)
        self.preference_combo.setObjectName("preference_combo")
        for key in PREFERENCES:
            self.preference_combo.addItem(preference_labels()[key], key)
        self.preference_combo.setToolTip(tr(
            "Which valid observation a pixel takes: the medoid (standard), the greenest "
            "(vegetation) or the barest (soil)"))
        form.addRow(tr("Preference:"), self.preference_combo)
        self.resolution_combo = QComboBox(page)
        for value in RESOLUTIONS_M:
            self.resolution_combo.addItem(tr("{metres} m").format(metres=value), value)
        self.resolution_combo.setCurrentIndex(RESOLUTIONS_M.index(20))
        form.addRow(tr("Resolution:"), self.resolution_combo)
        self.crs_combo = QComboBox(page)
        self.crs_combo.addItem(tr("UTM of the AOI (Sentinel-2 tiles)"), "utm")
        self.crs_combo.addItem(tr("WGS 84 latitude/longitude (EPSG:4326)"), "wgs84")
        form.addRow(tr("CRS:"), self.crs_combo)
        self.format_combo = QComboBox(page)
        for key, label in (("gtiff", tr("GeoTIFF")), ("cog", tr("Cloud Optimized GeoTIFF")),
                           ("jp2", tr("JPEG 2000 (lossless)")), ("netcdf", tr("NetCDF-4 (CF)"))):
            self.format_combo.addItem(label, key)
        form.addRow(tr("Format:"), self.format_combo)
        self.bit_depth_combo = QComboBox(page)
        for depth in BIT_DEPTHS:
            self.bit_depth_combo.addItem(tr("{bits} bit").format(bits=depth), depth)
        self.bit_depth_combo.setCurrentIndex(BIT_DEPTHS.index(16))
        form.addRow(tr("Bit depth:"), self.bit_depth_combo)

        self.preset_combo = QComboBox(page)
        for key, label in preset_labels().items():
            self.preset_combo.addItem(label, key)
        form.addRow(tr("Layers:"), self.preset_combo)
        self.band_list = self._checklist(page, REFLECTANCE_BANDS, "band_list")
        form.addRow(tr("Bands:"), self.band_list)
        self.quality_list = self._checklist(page, QUALITY_LAYER_NAMES, "quality_list")
        form.addRow(tr("Quality layers:"), self.quality_list)

        self.confirm_spin = QDoubleSpinBox(page)
        self.confirm_spin.setObjectName("confirm_spin")
        self.confirm_spin.setRange(1.0, 1_000_000.0)
        self.confirm_spin.setDecimals(0)
        self.confirm_spin.setSuffix(" km²")
        self.confirm_spin.setToolTip(tr("Placing an order with a larger AOI asks for confirmation"))
        form.addRow(tr("Confirm AOIs above:"), self.confirm_spin)

        for combo in (self.resolution_combo, self.crs_combo, self.format_combo,
                      self.bit_depth_combo, self.cloud_mask_combo, self.preference_combo):
            combo.currentIndexChanged.connect(self.changed)
        self.product_combo.currentIndexChanged.connect(self._on_product)
        self.preset_combo.currentIndexChanged.connect(self._on_preset)
        self.band_list.itemChanged.connect(self._on_checklist)
        self.quality_list.itemChanged.connect(self._on_checklist)
        self.set_layers(PRESETS[DEFAULT_PRESET])
        return page

    def _checklist(self, parent: QWidget, names, object_name: str) -> QListWidget:
        widget = QListWidget(parent)
        widget.setObjectName(object_name)
        for name in names:
            item = QListWidgetItem(layer_label(name) if name not in REFLECTANCE_BANDS else name)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(LAYERS[name].description)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            widget.addItem(item)
        widget.setMaximumHeight(96)
        return widget

    # ---------------------------------------------------------------- state

    @property
    def mode(self) -> str:
        return BASIC if self.basic_radio.isChecked() else ADVANCED

    def set_mode(self, mode: str) -> None:
        (self.basic_radio if mode == BASIC else self.advanced_radio).setChecked(True)
        self._on_mode()

    def set_layers(self, names) -> None:
        """Check exactly ``names`` in the checklists (those a BrightEarth mosaic has, when it is
        the product); the preset follows."""
        wanted = set(names)
        if self.product_combo.currentData() == "brightearth":
            wanted &= set(BRIGHTEARTH_LAYERS)
        for widget in (self.band_list, self.quality_list):
            widget.blockSignals(True)
            for row in range(widget.count()):
                item = widget.item(row)
                checked = item.data(Qt.ItemDataRole.UserRole) in wanted
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            widget.blockSignals(False)
        self._sync_preset()
        self.changed.emit()

    def checked_layers(self) -> tuple[str, ...]:
        names = []
        for widget in (self.band_list, self.quality_list):
            for row in range(widget.count()):
                item = widget.item(row)
                if item.checkState() == Qt.CheckState.Checked:
                    names.append(item.data(Qt.ItemDataRole.UserRole))
        return tuple(n for n in LAYERS if n in names)

    def set_start(self, day: date) -> None:
        self.date_edit.setDate(to_qdate(day))

    def set_period(self, period: str) -> None:
        self.period_combo.setCurrentIndex(self.period_combo.findData(period))

    def period(self) -> str:
        return BASIC_ORDER["period"] if self.mode == BASIC else self.period_combo.currentData()

    def start(self) -> date:
        return snap(self.period(), to_date(self.date_edit.date()))

    def order_fields(self) -> dict[str, Any]:
        """The fields of ``MosaicOrder.create`` the options give (all but the AOI)."""
        fields: dict[str, Any] = {"name": self.name_edit.text().strip(), "start": self.start()}
        if self.mode == BASIC:
            fields.update({k: (list(v) if isinstance(v, tuple) else v)
                           for k, v in BASIC_ORDER.items()})
            return fields
        fields.update({
            "period": self.period(),
            "resolution_m": self.resolution_combo.currentData(),
            "crs": self.crs_combo.currentData(),
            "format": self.format_combo.currentData(),
            "bit_depth": self.bit_depth_combo.currentData(),
            "bands": list(self.checked_layers()),
            "product": self.product_combo.currentData(),
            "cloud_mask": self.cloud_mask_combo.currentData(),
            "preference": self.preference_combo.currentData(),
        })
        return fields

    # ---------------------------------------------------------------- slots

    def _on_mode(self) -> None:
        basic = self.mode == BASIC
        self.stack.setCurrentIndex(0 if basic else 1)
        self.period_combo.setEnabled(not basic)
        if basic:
            self.date_edit.setDisplayFormat("MMMM yyyy")
        else:
            self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self._on_date()

    def _on_period(self) -> None:
        self._on_date()

    def _on_date(self) -> None:
        """Snap the date to the first day of its period and show the period."""
        if self._building:
            return
        period = period_of(self.period(), to_date(self.date_edit.date()))
        if to_qdate(period.start) != self.date_edit.date():
            self.date_edit.blockSignals(True)
            self.date_edit.setDate(to_qdate(period.start))
            self.date_edit.blockSignals(False)
        self.period_label.setText(tr("{first} to {last} ({days} days)").format(
            first=period.start.isoformat(), last=period.end.isoformat(), days=period.days))
        self.changed.emit()

    def _on_product(self) -> None:
        """BrightEarth is RGB with its own mask and no preference: the other choices are
        fixed while it is chosen; the layers outside it cannot be checked."""
        brightearth = self.product_combo.currentData() == "brightearth"
        if brightearth:
            self.cloud_mask_combo.setCurrentIndex(self.cloud_mask_combo.findData("brightearth"))
            self.preference_combo.setCurrentIndex(self.preference_combo.findData("STD"))
        self.cloud_mask_combo.setEnabled(not brightearth)
        self.preference_combo.setEnabled(not brightearth)
        self.preset_combo.setEnabled(not brightearth)
        for widget in (self.band_list, self.quality_list):
            widget.blockSignals(True)
            for row in range(widget.count()):
                item = widget.item(row)
                allowed = not brightearth or item.data(Qt.ItemDataRole.UserRole) in \
                    BRIGHTEARTH_LAYERS
                flags = item.flags()
                item.setFlags(flags | Qt.ItemFlag.ItemIsEnabled if allowed
                              else flags & ~Qt.ItemFlag.ItemIsEnabled)
            widget.blockSignals(False)
        if brightearth:
            chosen = [n for n in self.checked_layers() if n in BRIGHTEARTH_LAYERS]
            self.set_layers(chosen if {"B02", "B03", "B04"} <= set(chosen)
                            else BRIGHTEARTH_LAYERS)
        self.changed.emit()

    def _on_preset(self) -> None:
        key = self.preset_combo.currentData()
        if key in PRESETS:
            self.set_layers(PRESETS[key])

    def _on_checklist(self, _item=None) -> None:
        self._sync_preset()
        self.changed.emit()

    def _sync_preset(self) -> None:
        chosen = set(self.checked_layers())
        key = next((k for k, names in PRESETS.items() if set(names) == chosen), "custom")
        self.preset_combo.blockSignals(True)
        self.preset_combo.setCurrentIndex(self.preset_combo.findData(key))
        self.preset_combo.blockSignals(False)

    # ---------------------------------------------------------------- persistence

    def state(self) -> dict[str, Any]:
        """What to remember between sessions."""
        return {"mode": self.mode, "period": self.period_combo.currentData(),
                "resolution_m": self.resolution_combo.currentData(),
                "crs": self.crs_combo.currentData(), "format": self.format_combo.currentData(),
                "bit_depth": self.bit_depth_combo.currentData(),
                "bands": list(self.checked_layers()),
                "product": self.product_combo.currentData(),
                "cloud_mask": self.cloud_mask_combo.currentData(),
                "preference": self.preference_combo.currentData()}

    def restore(self, state: Mapping[str, Any]) -> None:
        """Apply a ``state()`` (unknown or bad values are ignored)."""
        for combo, key in ((self.period_combo, "period"), (self.resolution_combo, "resolution_m"),
                           (self.crs_combo, "crs"), (self.format_combo, "format"),
                           (self.bit_depth_combo, "bit_depth"),
                           (self.product_combo, "product"),
                           (self.cloud_mask_combo, "cloud_mask"),
                           (self.preference_combo, "preference")):
            if key in state:
                for index in range(combo.count()):
                    if str(combo.itemData(index)) == str(state[key]):
                        combo.setCurrentIndex(index)
        bands = [b for b in state.get("bands") or () if b in LAYERS]
        if bands:
            self.set_layers(bands)
        if state.get("mode") in (BASIC, ADVANCED):
            self.set_mode(state["mode"])
