"""The time-series plot, drawn with QPainter (no plotting library: QGIS ships none on every
platform, and the plugin installs nothing).

Time runs along x (UTC sensing times), the chosen quantities along y: reflectance (0-based) or
indices (-1 to 1). Valid observations are filled dots joined by a line; observations the
mosaic's valid filter rejects are hollow grey rings, not joined (they are not surface values to
follow). The observation a mosaic chose for the clicked pixel, when a mosaic layer is under the
click, is marked by a vertical line. Hovering a dot shows its date, product, values and, when
rejected, the reason.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional, Sequence

from qgis.PyQt.QtCore import QPointF, QRectF, Qt, pyqtSignal
from qgis.PyQt.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from qgis.PyQt.QtWidgets import QSizePolicy, QToolTip, QWidget

from ...qgis_support.i18n import tr
from .quantities import is_index, value_of

#: Colours of the plotted quantities, in order (Okabe-Ito, readable by colour-blind users).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
           "#F0E442")
REJECTED_COLOUR = "#8c8c8c"
CHOSEN_COLOUR = "#d62728"
#: Distance (px) within which the mouse "hovers" a dot.
HOVER_PX = 9.0


def reject_label(reason: str) -> str:
    return {"no_data": tr("no data"), "view_zenith": tr("view zenith too large"),
            "scl_class": tr("scene class not valid (cloud, shadow, ...)"),
            "snow_refinement": tr("snow (spectral test)")}.get(reason, reason)


@dataclass(frozen=True)
class PlottedPoint:
    """A dot of the plot: where it is drawn and what it shows."""

    x: float
    y: float
    quantity: str
    value: float
    observation: object


def _epoch(moment: datetime) -> float:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


class SeriesPlot(QWidget):
    """Plot of one :class:`~s2gm_qgis.core.timeseries.series.PointSeries`."""

    #: The hover text ("" when the mouse leaves the dots).
    hovered = pyqtSignal(str)

    MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 52, 12, 26, 34

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("s2gm_qgis_series_plot")
        self.setMouseTracking(True)
        self.setMinimumSize(320, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.series = None
        self.quantities: tuple[str, ...] = ()
        self.chosen_time: Optional[datetime] = None
        self.message = tr("Click the map with the time-series tool")
        self.hover_text = ""
        self._points: list[PlottedPoint] = []

    # ---------------------------------------------------------------- data

    def set_series(self, series, quantities: Sequence[str],
                   chosen_time: Optional[datetime] = None, message: str = "") -> None:
        self.series = series
        self.quantities = tuple(quantities)
        self.chosen_time = chosen_time
        self.message = message
        self.hover_text = ""
        self.update()

    def set_message(self, message: str) -> None:
        self.series = None
        self.message = message
        self.update()

    def points(self) -> list[PlottedPoint]:
        """The dots at the widget's current size (computed as they are drawn)."""
        self._layout()
        return list(self._points)

    # ---------------------------------------------------------------- geometry

    def _area(self) -> QRectF:
        return QRectF(self.MARGIN_LEFT, self.MARGIN_TOP,
                      max(10, self.width() - self.MARGIN_LEFT - self.MARGIN_RIGHT),
                      max(10, self.height() - self.MARGIN_TOP - self.MARGIN_BOTTOM))

    def _ranges(self):
        observations = self.series.observations
        times = [_epoch(o.sensing_time_utc) for o in observations]
        if self.chosen_time is not None:
            times.append(_epoch(self.chosen_time))
        t0, t1 = min(times), max(times)
        pad = max(86400.0, 0.03 * (t1 - t0))
        values = [v for q in self.quantities for v in map(value_of(q), observations)
                  if not math.isnan(v)]
        if self.quantities and all(is_index(q) for q in self.quantities):
            y0, y1 = -1.0, 1.0
        else:
            top = max(values, default=0.5)
            bottom = min(values, default=0.0)
            y0 = min(0.0, bottom - 0.05 * abs(bottom))
            y1 = max(top * 1.08, y0 + 0.05)
        return t0 - pad, t1 + pad, y0, y1

    def _layout(self) -> None:
        self._points = []
        if self.series is None or not self.series.observations:
            return
        area = self._area()
        t0, t1, y0, y1 = self._ranges()
        for quantity in self.quantities:
            value = value_of(quantity)
            for observation in self.series.observations:
                v = value(observation)
                if math.isnan(v):
                    continue
                x = area.left() + area.width() * (_epoch(observation.sensing_time_utc) - t0) \
                    / (t1 - t0)
                y = area.bottom() - area.height() * (v - y0) / (y1 - y0)
                self._points.append(PlottedPoint(x, y, quantity, v, observation))

    # ---------------------------------------------------------------- painting

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt API)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        if self.series is None or not self.series.observations:
            painter.setPen(QColor("#555555"))
            painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignCenter |
                                              Qt.TextFlag.TextWordWrap),
                             self.message or tr("No observation at this point in the period"))
            painter.end()
            return
        self._layout()
        area = self._area()
        t0, t1, y0, y1 = self._ranges()
        self._draw_axes(painter, area, t0, t1, y0, y1)
        if self.chosen_time is not None:
            x = area.left() + area.width() * (_epoch(self.chosen_time) - t0) / (t1 - t0)
            pen = QPen(QColor(CHOSEN_COLOUR), 1.5, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))
            painter.drawText(QPointF(x + 3, area.top() + 11), tr("mosaic"))
        for index, quantity in enumerate(self.quantities):
            colour = QColor(PALETTE[index % len(PALETTE)])
            mine = [p for p in self._points if p.quantity == quantity]
            valid = [p for p in mine if p.observation.valid]
            if len(valid) > 1:
                path = QPainterPath(QPointF(valid[0].x, valid[0].y))
                for p in valid[1:]:
                    path.lineTo(QPointF(p.x, p.y))
                painter.setPen(QPen(colour, 1.4))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawPath(path)
            for p in mine:
                if p.observation.valid:
                    painter.setPen(QPen(colour, 1.0))
                    painter.setBrush(colour)
                    painter.drawEllipse(QPointF(p.x, p.y), 3.5, 3.5)
                else:
                    painter.setPen(QPen(QColor(REJECTED_COLOUR), 1.3))
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.drawEllipse(QPointF(p.x, p.y), 3.5, 3.5)
        self._draw_legend(painter, area)
        painter.end()

    def _draw_axes(self, painter: QPainter, area: QRectF, t0, t1, y0, y1) -> None:
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        painter.setFont(font)
        painter.setPen(QPen(QColor("#333333"), 1))
        painter.drawRect(area)
        grid = QPen(QColor("#e3e3e3"), 1)
        for i in range(5):
            v = y0 + (y1 - y0) * i / 4
            y = area.bottom() - area.height() * i / 4
            painter.setPen(grid)
            painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            painter.setPen(QColor("#333333"))
            painter.drawText(QRectF(0, y - 8, area.left() - 4, 16),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             f"{v:.2f}")
        span_days = (t1 - t0) / 86400.0
        ticks = 5
        for i in range(ticks + 1):
            t = t0 + (t1 - t0) * i / ticks
            x = area.left() + area.width() * i / ticks
            moment = datetime.fromtimestamp(t, tz=timezone.utc)
            label = moment.strftime("%Y-%m-%d" if span_days < 400 else "%Y-%m")
            painter.setPen(QColor("#333333"))
            painter.drawLine(QPointF(x, area.bottom()), QPointF(x, area.bottom() + 3))
            painter.drawText(QRectF(x - 40, area.bottom() + 4, 80, 14),
                             int(Qt.AlignmentFlag.AlignHCenter), label)
        unit = tr("index") if all(is_index(q) for q in self.quantities) else tr("reflectance")
        painter.drawText(QRectF(area.left(), area.bottom() + 18, area.width(), 14),
                         int(Qt.AlignmentFlag.AlignHCenter),
                         tr("sensing date (UTC); y: {unit}").format(unit=unit))

    def _draw_legend(self, painter: QPainter, area: QRectF) -> None:
        x = area.left()
        y = 6.0
        for index, quantity in enumerate(self.quantities):
            colour = QColor(PALETTE[index % len(PALETTE)])
            painter.setPen(QPen(colour, 1))
            painter.setBrush(colour)
            painter.drawEllipse(QPointF(x + 4, y + 7), 3.5, 3.5)
            painter.setPen(QColor("#333333"))
            painter.drawText(QPointF(x + 11, y + 11), quantity)
            x += 16 + painter.fontMetrics().horizontalAdvance(quantity) + 8
        painter.setPen(QPen(QColor(REJECTED_COLOUR), 1.3))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(QPointF(x + 4, y + 7), 3.5, 3.5)
        painter.setPen(QColor("#333333"))
        painter.drawText(QPointF(x + 11, y + 11), tr("rejected by the valid filter"))

    # ---------------------------------------------------------------- hover

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt API)
        position = event.position() if hasattr(event, "position") else QPointF(event.pos())
        self.hover_at(position.x(), position.y(), global_pos=event.globalPos()
                      if hasattr(event, "globalPos") else None)

    def hover_at(self, x: float, y: float, global_pos=None) -> str:
        """The text of the dot nearest (x, y) within HOVER_PX (also shown as a tooltip)."""
        best, best_d = None, HOVER_PX
        for p in self._points:
            d = math.hypot(p.x - x, p.y - y)
            if d <= best_d:
                best, best_d = p, d
        text = self.describe(best) if best is not None else ""
        if text != self.hover_text:
            self.hover_text = text
            self.hovered.emit(text)
        if global_pos is not None:
            if text:
                QToolTip.showText(global_pos, text, self)
            else:
                QToolTip.hideText()
        return text

    def describe(self, point: PlottedPoint) -> str:
        o = point.observation
        when = o.sensing_time_utc.strftime("%Y-%m-%d %H:%M UTC")
        lines = [f"{when} — {o.tile_id}", o.product_id,
                 f"{point.quantity} = {point.value:.4f}"]
        others = [q for q in self.quantities if q != point.quantity]
        for quantity in others:
            v = value_of(quantity)(o)
            if not math.isnan(v):
                lines.append(f"{quantity} = {v:.4f}")
        if o.valid:
            lines.append(tr("valid ({n} pixel(s))").format(n=o.n_pixels))
        else:
            lines.append(tr("rejected: {reason}").format(reason=reject_label(o.reject_reason)))
        return "\n".join(lines)

    def leaveEvent(self, _event) -> None:  # noqa: N802 (Qt API)
        if self.hover_text:
            self.hover_text = ""
            self.hovered.emit("")

