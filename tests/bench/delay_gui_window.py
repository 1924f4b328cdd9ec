"""A QGIS-like window for the delay inspector outside QGIS (benchmark and README screenshot):
a real QgsMapCanvas with a message bar and a status bar in a QMainWindow, the Delay dock on its
right, and the small part of QgisInterface the feature uses."""
from __future__ import annotations

import time

from qgis.core import QgsProject
from qgis.gui import QgsMapCanvas, QgsMessageBar
from qgis.PyQt.QtCore import QCoreApplication, Qt
from qgis.PyQt.QtWidgets import QMainWindow, QVBoxLayout, QWidget


class _StatusBarIface:
    def __init__(self, bar):
        self._bar = bar

    def showMessage(self, text: str, timeout: int = 0) -> None:  # noqa: N802 (QGIS API)
        self._bar.showMessage(text, timeout)

    def clearMessage(self) -> None:  # noqa: N802 (QGIS API)
        self._bar.clearMessage()


class WindowIface:
    """mapCanvas(), mainWindow(), messageBar(), statusBarIface() over a real window."""

    def __init__(self, width: int = 1500, height: int = 900):
        self.window = QMainWindow()
        self.window.setWindowTitle("QGIS – S2GM delay inspector")
        central = QWidget(self.window)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        self.bar = QgsMessageBar(central)
        self.canvas = QgsMapCanvas(central)
        self.canvas.setCanvasColor(Qt.GlobalColor.white)
        layout.addWidget(self.bar)
        layout.addWidget(self.canvas, 1)
        self.window.setCentralWidget(central)
        self.status = _StatusBarIface(self.window.statusBar())
        self.window.resize(width, height)
        QgsProject.instance().layersAdded.connect(self._layers_added)

    def _layers_added(self, layers) -> None:
        self.canvas.setLayers(list(layers) + self.canvas.layers())

    def mapCanvas(self):  # noqa: N802 (QGIS API)
        return self.canvas

    def mainWindow(self):  # noqa: N802 (QGIS API)
        return self.window

    def messageBar(self):  # noqa: N802 (QGIS API)
        return self.bar

    def statusBarIface(self):  # noqa: N802 (QGIS API)
        return self.status

    def add_dock(self, dock) -> None:
        self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        dock.show()


def wait_until(condition, timeout_s: float = 60.0) -> None:
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            raise RuntimeError("timed out")
        QCoreApplication.processEvents()
        time.sleep(0.005)
