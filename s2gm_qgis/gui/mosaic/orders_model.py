"""The orders list: a table model over order records and a delegate drawing the progress bar."""
from __future__ import annotations

from typing import Any, Mapping, Optional

from qgis.PyQt.QtCore import QAbstractTableModel, QModelIndex, Qt
from qgis.PyQt.QtGui import QBrush, QColor
from qgis.PyQt.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionProgressBar

from ...core.orders.store import (
    CANCELLED, FAILED, FINISHED, NEEDS_APPROVAL, PARTIALLY_FINISHED, PLACED, PROCESSING, QUEUED,
    OrderRecord, OrderState,
)
from ...qgis_support.i18n import tr
from ...qgis_support.labels import period_labels

NAME, STATE, PROGRESS, PERIOD, CREATED = range(5)
#: The OrderRecord of a row (``index.data(ORDER_ROLE)``).
ORDER_ROLE = Qt.ItemDataRole.UserRole + 1
#: Progress 0-100 of a row (the delegate draws it).
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 2

_STATE_COLOURS = {
    FINISHED: QColor(0, 128, 0), PARTIALLY_FINISHED: QColor(180, 110, 0),
    FAILED: QColor(190, 0, 30), CANCELLED: QColor(110, 110, 110),
    NEEDS_APPROVAL: QColor(0, 90, 170),
}


def state_labels() -> dict[OrderState, str]:
    return {
        PLACED: tr("Placed"), NEEDS_APPROVAL: tr("Needs approval"),
        QUEUED: tr("Queued"), PROCESSING: tr("Processing"),
        FINISHED: tr("Finished"), PARTIALLY_FINISHED: tr("Partially finished"),
        FAILED: tr("Failed"), CANCELLED: tr("Cancelled"),
    }


def period_text(spec: Mapping[str, Any]) -> str:
    """'Month 2024-06-01, 20 m' (translated period name) from an order specification."""
    if not spec:
        return ""
    period = spec.get("period", "")
    return tr("{period} {start}, {resolution} m").format(
        period=period_labels().get(period, period), start=spec.get("start", ""),
        resolution=spec.get("resolution_m", ""))


class OrdersModel(QAbstractTableModel):
    """Rows are order records (newest first), as the engines give them."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.orders: list[OrderRecord] = []

    def rowCount(self, parent=QModelIndex()):  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self.orders)

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else 5

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return (tr("Order"), tr("State"), tr("Progress"), tr("Period"), tr("Placed"))[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.orders):
            return None
        order = self.orders[index.row()]
        column = index.column()
        if role == ORDER_ROLE:
            return order
        if role == PROGRESS_ROLE:
            return int(round(100 * float(order.progress or 0)))
        if role == Qt.ItemDataRole.DisplayRole:
            if column == NAME:
                return order.name or order.id[:8]
            if column == STATE:
                return state_labels().get(order.state, order.state.value)
            if column == PROGRESS:
                return f"{int(round(100 * float(order.progress or 0)))} %"
            if column == PERIOD:
                return period_text(order.spec or {})
            if column == CREATED:
                return str(order.created_utc or "")[:16].replace("T", " ")
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [f"{order.name} ({order.id})"]
            if order.progress_message:
                lines.append(order.progress_message)
            if order.error:
                lines.append(order.error)
            lines += [m.text for m in order.messages[-3:]]
            return "\n".join(lines)
        if role == Qt.ItemDataRole.ForegroundRole and column == STATE:
            colour = _STATE_COLOURS.get(order.state)
            return QBrush(colour) if colour is not None else None
        return None

    def set_orders(self, orders: list[OrderRecord]) -> None:
        """Replace the rows; the same orders in the same order only update their cells, so the
        selection stays."""
        same_rows = [o.id for o in orders] == [o.id for o in self.orders]
        if same_rows:
            self.orders = list(orders)
            if orders:
                self.dataChanged.emit(self.index(0, 0), self.index(len(orders) - 1, 4))
            return
        self.beginResetModel()
        self.orders = list(orders)
        self.endResetModel()

    def order(self, row: int) -> Optional[OrderRecord]:
        return self.orders[row] if 0 <= row < len(self.orders) else None

    def row_of(self, order_id: str) -> int:
        return next((i for i, o in enumerate(self.orders) if o.id == order_id), -1)


class ProgressDelegate(QStyledItemDelegate):
    """Draws the progress column as a progress bar."""

    def paint(self, painter, option, index):
        if index.column() != PROGRESS:
            super().paint(painter, option, index)
            return
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.minimum = 0
        bar.maximum = 100
        bar.progress = int(index.data(PROGRESS_ROLE) or 0)
        bar.text = f"{bar.progress} %"
        bar.textVisible = True
        bar.state = option.state
        QApplication.style().drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter)
