"""README screenshot of the delay inspector: a QGIS-like window (real QgsMapCanvas, message bar,
status bar, the Delay dock) over the shared real N0301 product, with the B02 detector footprints
shown, one pin and the mouse hovering near a detector seam.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python tests/screenshots/delay_inspector.py

Writes resources/screenshots/delay-inspector.png.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from qgis.core import QgsApplication, QgsSettings  # noqa: E402

APP = QgsApplication([], True)
APP.initQgis()

from qgis.core import QgsRectangle  # noqa: E402
from qgis.PyQt.QtCore import QCoreApplication, QEvent, QPoint, QPointF, QSettings, Qt  # noqa: E402
from qgis.PyQt.QtGui import QMouseEvent  # noqa: E402

from s2gm_qgis.gui.delays.feature import DelayFeature  # noqa: E402
from tests.bench.delay_gui_window import WindowIface, wait_until  # noqa: E402

SHARED = Path(os.environ.get("S2GM_SHARED", REPO_ROOT.parent / "shared"))
N0301_ZIP = SHARED / "data/s2-samples/S2A_MSIL1C_20210713T032051_N0301_R032_T48LWP_20210713T054224.zip"
OUT = REPO_ROOT / "resources/screenshots/delay-inspector.png"
#: Where the mouse hovers (EPSG:32748): inside detector 4 of every band. The pink marker is
#: the pin at PIN_M (detector 6).
HOVER_M = (526000.0, 8862000.0)
PIN_M = (566000.0, 8826000.0)


def mouse(canvas, kind, x_m, y_m, button=Qt.MouseButton.NoButton):
    pixel = canvas.getCoordinateTransform().transform(x_m, y_m)
    event = QMouseEvent(kind, QPointF(QPoint(int(pixel.x()), int(pixel.y()))), button, button,
                        Qt.KeyboardModifier.NoModifier)
    QCoreApplication.sendEvent(canvas.viewport(), event)


def main() -> None:
    with tempfile.TemporaryDirectory() as settings_dir:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
        QgsSettings().setValue("s2gm_qgis/cache_folder", settings_dir)
        iface = WindowIface(1560, 900)
        feature = DelayFeature(iface)
        iface.add_dock(feature.dock)
        iface.window.resizeDocks([feature.dock], [640], Qt.Orientation.Horizontal)
        iface.window.show()
        ref = feature.open_product(str(N0301_ZIP))
        wait_until(lambda: feature.registry.inspector_for(ref) is not None
                   and not feature._load_on_open)
        inspector = feature.registry.inspector_for(ref)
        canvas = iface.canvas
        canvas.setDestinationCrs(canvas.layers()[0].crs())
        feature.show_footprints("B02")
        xmin, ymin, xmax, ymax = inspector.product.granule.grids[10].bounds_m
        canvas.setExtent(QgsRectangle(xmin, ymin, xmax, ymax))
        canvas.setMapTool(feature.hover_tool)
        QCoreApplication.processEvents()
        mouse(canvas, QEvent.Type.MouseButtonRelease, *PIN_M, Qt.MouseButton.LeftButton)
        mouse(canvas, QEvent.Type.MouseMove, *HOVER_M)
        canvas.refresh()
        canvas.waitWhileRendering()
        for _ in range(20):
            QCoreApplication.processEvents()
        OUT.parent.mkdir(parents=True, exist_ok=True)
        # full colour: a 256-colour palette would blur the 12 detector colours together
        image = iface.window.grab().toImage()
        image.save(str(OUT), "PNG", 9)
        print(f"{OUT} {image.width()}x{image.height()}, {OUT.stat().st_size // 1024} KB; "
              f"dock: {feature.dock.detector_label.text()}")
        feature.shutdown()


if __name__ == "__main__":
    main()
