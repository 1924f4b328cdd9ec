"""The two map tools: the hover readout (move to read, click to pin) and the velocity probe
(click an object in band A's image, then in band B's). They only forward map points to the
feature, which computes and updates the dock; the probe draws its marks on the canvas."""
from __future__ import annotations

import math
from typing import Optional

from qgis.core import QgsGeometry, QgsPointXY, QgsWkbTypes
from qgis.gui import QgsMapTool, QgsRubberBand, QgsVertexMarker
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QColor


class DelayHoverTool(QgsMapTool):
    """Moving updates the Delay dock; a left click pins the readout."""

    def __init__(self, canvas, feature):
        super().__init__(canvas)
        self.feature = feature
        self.setCursor(Qt.CursorShape.CrossCursor)

    def canvasMoveEvent(self, event) -> None:  # noqa: N802 (QGIS API)
        self.feature.hover(event.mapPoint())

    def canvasReleaseEvent(self, event) -> None:  # noqa: N802 (QGIS API)
        if event.button() == Qt.MouseButton.LeftButton:
            self.feature.pin(event.mapPoint())

    def activate(self) -> None:
        super().activate()
        self.feature.tool_activated()

    def deactivate(self) -> None:
        self.feature.tool_deactivated()
        super().deactivate()


#: Arrow head length relative to the arrow, and its half-angle.
ARROW_HEAD_FRACTION = 0.25
ARROW_HEAD_ANGLE_DEG = 25.0


def arrow_geometry(start: QgsPointXY, end: QgsPointXY) -> QgsGeometry:
    """A multi-line arrow from ``start`` to ``end`` (shaft and two head strokes), map units."""
    dx, dy = end.x() - start.x(), end.y() - start.y()
    length = math.hypot(dx, dy)
    lines = [[start, end]]
    if length > 0:
        head = ARROW_HEAD_FRACTION * length
        back = math.atan2(-dy, -dx)
        for sign in (1, -1):
            angle = back + sign * math.radians(ARROW_HEAD_ANGLE_DEG)
            lines.append([end, QgsPointXY(end.x() + head * math.cos(angle),
                                          end.y() + head * math.sin(angle))])
    return QgsGeometry.fromMultiPolylineXY(lines)


class VelocityProbeTool(QgsMapTool):
    """Two clicks: the object in band A's image, then in band B's. Right click or Esc restarts."""

    def __init__(self, canvas, feature):
        super().__init__(canvas)
        self.feature = feature
        self.setCursor(Qt.CursorShape.CrossCursor)
        #: Map point of the first click (band A), None while waiting for it.
        self.first: Optional[QgsPointXY] = None
        self.arrow = QgsRubberBand(canvas, QgsWkbTypes.GeometryType.LineGeometry)
        self.arrow.setColor(QColor(230, 0, 90))
        self.arrow.setWidth(3)
        self.marker: Optional[QgsVertexMarker] = None

    def canvasMoveEvent(self, event) -> None:  # noqa: N802 (QGIS API)
        if self.first is not None:
            self.arrow.setToGeometry(QgsGeometry.fromPolylineXY([self.first, event.mapPoint()]),
                                     None)

    def canvasReleaseEvent(self, event) -> None:  # noqa: N802 (QGIS API)
        if event.button() == Qt.MouseButton.RightButton:
            self.restart()
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = event.mapPoint()
        if self.first is None:
            if self.feature.velocity_first_click(point):
                self.restart()
                self.first = point
                self.marker = QgsVertexMarker(self.canvas())
                self.marker.setColor(QColor(230, 0, 90))
                self.marker.setIconSize(12)
                self.marker.setPenWidth(2)
                self.marker.setCenter(point)
            return
        first, self.first = self.first, None
        estimate = self.feature.velocity_second_click(first, point)
        if estimate is None:
            self.restart()
            return
        # The arrow follows the motion: from A to B when band B saw the object later.
        start, end = (first, point) if estimate.dt_s > 0 else (point, first)
        self.arrow.setToGeometry(arrow_geometry(start, end), None)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (QGIS API)
        if event.key() == Qt.Key.Key_Escape:
            self.restart()
            self.feature.velocity_restarted()

    def restart(self) -> None:
        """Forget the first click and take the drawings off the map."""
        self.first = None
        self.arrow.reset(QgsWkbTypes.GeometryType.LineGeometry)
        if self.marker is not None:
            self.canvas().scene().removeItem(self.marker)
            self.marker = None

    def activate(self) -> None:
        super().activate()
        self.feature.velocity_tool_activated()

    def deactivate(self) -> None:
        if self.first is not None:  # an unfinished probe; a finished arrow stays visible
            self.restart()
        super().deactivate()

    def remove_drawings(self) -> None:
        self.restart()
        self.canvas().scene().removeItem(self.arrow)
