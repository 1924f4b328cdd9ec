"""Helpers of the delay inspector tests (tests/qgis/test_delay_*.py): a DelayFeature on the
real pytest-qgis canvas, waiting for its QgsTask, and simulated mouse events at map points."""
from __future__ import annotations

import time

from qgis.core import QgsCoordinateReferenceSystem, QgsPointXY, QgsProject, QgsRectangle
from qgis.gui import QgsMapMouseEvent
from qgis.PyQt.QtCore import QCoreApplication, QEvent, QPoint, Qt


def wait_until(condition, timeout_s: float = 60.0) -> None:
    """Run the event loop until ``condition()`` is true (the QgsTask reports through it)."""
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {condition}")
        QCoreApplication.processEvents()
        time.sleep(0.005)


def show_tile(canvas, epsg: int, bounds, crs: str = None) -> None:
    """Point the canvas at a tile's bounds (in its EPSG), optionally in another CRS.

    The canvas is shown first: a hidden canvas keeps a tiny output size (98 x 28), which would
    make every pixel kilometres wide."""
    if not canvas.isVisible():
        # a hidden widget gets no resize event, and the canvas sizes its map in resizeEvent
        canvas.window().show()
        canvas.resize(642, 482)
        QCoreApplication.processEvents()
    tile_crs = QgsCoordinateReferenceSystem(f"EPSG:{epsg}")
    target = QgsCoordinateReferenceSystem(crs) if crs else tile_crs
    canvas.setDestinationCrs(target)
    extent = QgsRectangle(*bounds)
    if target != tile_crs:
        from qgis.core import QgsCoordinateTransform
        extent = QgsCoordinateTransform(tile_crs, target, QgsProject.instance()).transformBoundingBox(extent)
    canvas.setExtent(extent)
    canvas.refresh()


def pixel_of(canvas, map_x: float, map_y: float) -> QPoint:
    pixel = canvas.getCoordinateTransform().transform(QgsPointXY(map_x, map_y))
    return QPoint(int(round(pixel.x())), int(round(pixel.y())))


def move(tool, canvas, pixel: QPoint) -> QgsMapMouseEvent:
    event = QgsMapMouseEvent(canvas, QEvent.Type.MouseMove, pixel)
    tool.canvasMoveEvent(event)
    return event


def click(tool, canvas, pixel: QPoint, button=Qt.MouseButton.LeftButton) -> QgsMapMouseEvent:
    event = QgsMapMouseEvent(canvas, QEvent.Type.MouseButtonRelease, pixel, button, button)
    tool.canvasReleaseEvent(event)
    return event


def dispose(feature) -> None:
    """Undo a DelayFeature made outside the plugin (the plugin's unload does this otherwise)."""
    canvas = feature.canvas
    for tool in (feature.hover_tool, feature.velocity_tool):
        if canvas.mapTool() is tool:
            canvas.unsetMapTool(tool)
    feature.shutdown()
    feature.dock.deleteLater()
    QCoreApplication.processEvents()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
