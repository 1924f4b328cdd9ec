"""Drawing and editing the AOI on the map: rectangle and polygon map tools, a vertex tool that
drags the AOI's corners while it is not ordered yet, and the rubber bands that show it.

The tools only emit geometries in the canvas CRS; the dock turns them into AOIs
(:mod:`.aoi`), so every source of an AOI goes through the same validation.
"""
from __future__ import annotations

from typing import Optional

from qgis.core import (
    Qgis,
    QgsCoordinateTransform,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
    QgsVertexId,
    QgsWkbTypes,
)
from qgis.gui import QgsMapTool, QgsRubberBand
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QColor

#: Pixels around a vertex in which a press grabs it.
GRAB_TOLERANCE_PX = 10

_EDIT_COLOUR = QColor(255, 140, 0)  # an AOI still being drawn or edited
_AOI_COLOUR = QColor(220, 30, 120)
_ORDERED_COLOUR = QColor(40, 120, 220)


def _remove_from_canvas(*items) -> None:
    """Take canvas items off their scene for good (plugin unload); twice does no harm."""
    for item in items:
        if item.scene() is not None:
            item.scene().removeItem(item)


def _polygon_band(canvas, colour: QColor, fill_alpha: int = 40, width: int = 2) -> QgsRubberBand:
    band = QgsRubberBand(canvas, QgsWkbTypes.GeometryType.PolygonGeometry)
    band.setStrokeColor(colour)
    fill = QColor(colour)
    fill.setAlpha(fill_alpha)
    band.setFillColor(fill)
    band.setWidth(width)
    return band


class AoiRubberBand:
    """The AOI on the canvas: one rubber band, styled "editable" or "ordered"."""

    def __init__(self, canvas):
        self.canvas = canvas
        self.band = _polygon_band(canvas, _AOI_COLOUR)
        self.vertices = QgsRubberBand(canvas, QgsWkbTypes.GeometryType.PointGeometry)
        self.vertices.setIcon(QgsRubberBand.IconType.ICON_BOX)
        self.vertices.setIconSize(8)
        self.vertices.setColor(_AOI_COLOUR)

    def show(self, geometry: Optional[QgsGeometry], crs, *, ordered: bool = False) -> None:
        """Show ``geometry`` (in ``crs``), with its vertices when it may still be edited."""
        colour = _ORDERED_COLOUR if ordered else _AOI_COLOUR
        self.band.setStrokeColor(colour)
        fill = QColor(colour)
        fill.setAlpha(40)
        self.band.setFillColor(fill)
        self.band.reset(QgsWkbTypes.GeometryType.PolygonGeometry)
        self.vertices.reset(QgsWkbTypes.GeometryType.PointGeometry)
        if geometry is None or geometry.isEmpty():
            return
        layer_crs = crs
        self.band.setToGeometry(geometry, layer_crs)
        if not ordered:
            shown = self.band.asGeometry()
            for vertex in shown.vertices():
                self.vertices.addPoint(QgsPointXY(vertex.x(), vertex.y()), False)
            self.vertices.updatePosition()
            self.vertices.update()

    def clear(self) -> None:
        self.band.reset(QgsWkbTypes.GeometryType.PolygonGeometry)
        self.vertices.reset(QgsWkbTypes.GeometryType.PointGeometry)

    def remove(self) -> None:
        """Take the rubber bands off the canvas for good (plugin unload)."""
        _remove_from_canvas(self.band, self.vertices)


class _DrawingTool(QgsMapTool):
    """A map tool drawing its work in progress with a rubber band of its own."""

    #: The polygon being drawn (canvas CRS) as the mouse moves, so its area can be shown live;
    #: an empty geometry when there is none (drawing done, abandoned, or fewer than 3 corners).
    changing = pyqtSignal(QgsGeometry)

    def __init__(self, canvas, cursor: Qt.CursorShape, fill_alpha: int = 40):
        super().__init__(canvas)
        self.setCursor(cursor)
        self._band = _polygon_band(canvas, _EDIT_COLOUR, fill_alpha=fill_alpha)

    def _draw(self, geometry: QgsGeometry) -> None:
        self._band.setToGeometry(geometry, None)
        self.changing.emit(geometry)

    def _clear(self) -> None:
        self._band.reset(QgsWkbTypes.GeometryType.PolygonGeometry)
        self.changing.emit(QgsGeometry())

    def remove(self) -> None:
        """Take the tool's rubber band off the canvas for good (plugin unload)."""
        _remove_from_canvas(self._band)


class RectangleTool(_DrawingTool):
    """Press, drag, release: emits ``drawn`` with the rectangle (canvas CRS)."""

    drawn = pyqtSignal(QgsGeometry)

    def __init__(self, canvas):
        super().__init__(canvas, Qt.CursorShape.CrossCursor)
        self._start: Optional[QgsPointXY] = None

    def canvasPressEvent(self, event):  # noqa: N802 (QGIS API)
        if event.button() == Qt.MouseButton.LeftButton:
            self._start = event.mapPoint()
            self._clear()

    def canvasMoveEvent(self, event):  # noqa: N802
        if self._start is not None:
            self._draw(QgsGeometry.fromRect(QgsRectangle(self._start, event.mapPoint())))

    def canvasReleaseEvent(self, event):  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton or self._start is None:
            return
        rectangle = QgsRectangle(self._start, event.mapPoint())
        self._start = None
        self._clear()
        if rectangle.width() > 0 and rectangle.height() > 0:
            self.drawn.emit(QgsGeometry.fromRect(rectangle))

    def keyPressEvent(self, event):  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            self._start = None
            self._clear()

    def deactivate(self):
        self._start = None
        self._clear()
        super().deactivate()


class PolygonTool(_DrawingTool):
    """Left click adds a vertex; right click or double click closes the polygon (3 vertices at
    least); Backspace removes the last vertex; Escape starts again. Emits ``drawn``."""

    drawn = pyqtSignal(QgsGeometry)

    def __init__(self, canvas):
        super().__init__(canvas, Qt.CursorShape.CrossCursor)
        self.points: list[QgsPointXY] = []

    def _redraw(self, moving: Optional[QgsPointXY] = None) -> None:
        corners = self.points + ([moving] if moving is not None else [])
        if len(corners) >= 3:
            self._draw(QgsGeometry.fromPolygonXY([corners + corners[:1]]))
            return
        self._clear()
        for point in corners:
            self._band.addPoint(point, False)
        self._band.updatePosition()
        self._band.update()

    def canvasReleaseEvent(self, event):  # noqa: N802 (QGIS API)
        if event.button() == Qt.MouseButton.LeftButton:
            point = event.mapPoint()
            if not self.points or point != self.points[-1]:
                self.points.append(point)
            self._redraw()
        elif event.button() == Qt.MouseButton.RightButton:
            self.finish()

    def canvasDoubleClickEvent(self, event):  # noqa: N802
        # The double click's first press already added its vertex through the release event.
        if event.button() == Qt.MouseButton.LeftButton:
            self.finish()

    def canvasMoveEvent(self, event):  # noqa: N802
        if self.points:
            self._redraw(event.mapPoint())

    def keyPressEvent(self, event):  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            self.reset()
        elif event.key() == Qt.Key.Key_Backspace and self.points:
            self.points.pop()
            self._redraw()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish()

    def finish(self) -> None:
        """Close the polygon and emit it (nothing if it has fewer than 3 vertices)."""
        points = list(self.points)
        self.reset()
        if len(points) >= 3:
            self.drawn.emit(QgsGeometry.fromPolygonXY([points + points[:1]]))

    def reset(self) -> None:
        self.points = []
        self._clear()

    def deactivate(self):
        self.reset()
        super().deactivate()


class VertexTool(_DrawingTool):
    """Drag a vertex of the AOI to move it (the AOI is editable until it is ordered).

    ``geometry`` and ``crs`` are set by the dock; ``edited`` carries the changed geometry in the
    same CRS. The first and last vertex of a ring move together, keeping it closed.
    """

    edited = pyqtSignal(QgsGeometry)

    def __init__(self, canvas):
        super().__init__(canvas, Qt.CursorShape.PointingHandCursor, fill_alpha=20)
        self.geometry: Optional[QgsGeometry] = None
        self.crs = None
        self._grabbed: Optional[int] = None

    def _to_canvas(self) -> QgsCoordinateTransform:
        return QgsCoordinateTransform(self.crs, self.canvas().mapSettings().destinationCrs(),
                                      QgsProject.instance())

    def _canvas_geometry(self) -> QgsGeometry:
        shown = QgsGeometry(self.geometry)
        if self.crs is not None:
            shown.transform(self._to_canvas())
        return shown

    def canvasPressEvent(self, event):  # noqa: N802 (QGIS API)
        if self.geometry is None or event.button() != Qt.MouseButton.LeftButton:
            return
        shown = self._canvas_geometry()
        point = event.mapPoint()
        _vertex, index, _before, _after, squared = shown.closestVertex(point)
        tolerance = GRAB_TOLERANCE_PX * self.canvas().mapUnitsPerPixel()
        if index >= 0 and squared <= tolerance * tolerance:
            self._grabbed = index

    def canvasMoveEvent(self, event):  # noqa: N802
        if self._grabbed is None:
            return
        self._draw(self._moved(self._canvas_geometry(), event.mapPoint()))

    def canvasReleaseEvent(self, event):  # noqa: N802
        if self._grabbed is None:
            return
        shown = self._moved(self._canvas_geometry(), event.mapPoint())
        self._grabbed = None
        self._clear()
        if self.crs is not None:
            shown.transform(self._to_canvas(), Qgis.TransformDirection.Reverse)
        self.edited.emit(shown)

    def _moved(self, shown: QgsGeometry, point: QgsPointXY) -> QgsGeometry:
        moved = QgsGeometry(shown)
        moved.moveVertex(point.x(), point.y(), self._grabbed)
        # A ring's closing vertex duplicates its first: move both, or the ring opens.
        twin = self._closing_twin(shown, self._grabbed)
        if twin is not None:
            moved.moveVertex(point.x(), point.y(), twin)
        return moved

    @staticmethod
    def _closing_twin(geometry: QgsGeometry, index: int) -> Optional[int]:
        ok, vertex_id = geometry.vertexIdFromVertexNr(index)
        if not ok:
            return None
        count = geometry.constGet().vertexCount(vertex_id.part, vertex_id.ring)
        first = geometry.vertexNrFromVertexId(QgsVertexId(vertex_id.part, vertex_id.ring, 0))
        if vertex_id.vertex == 0:
            return first + count - 1
        if vertex_id.vertex == count - 1:
            return first
        return None

    def deactivate(self):
        self._grabbed = None
        self._clear()
        super().deactivate()

