#!/usr/bin/env python3
"""``make demo``: the main job end to end.

1. Makes a small synthetic L2A archive (five dates of one tile, June 2024, clouds on two of them)
   in ``./demo-output/archive``.
2. Orders a month mosaic of an AOI inside it through the orders core (``OrderStore`` +
   ``OrderRunner``: the path the dock's embedded engine takes) and prints the result folder and
   its files.
3. With a DISPLAY, opens QGIS with the plugin, its dock, and the result loaded in a layer group.
   Headless, loads the result with the plugin's result loader in a headless QGIS, renders the map
   to ``demo-output/mosaic-map.png`` and says so.

``--screenshot PATH`` (under a display, e.g. ``xvfb-run``) instead drives the dock itself (AOI,
options, embedded order, result) and saves a picture of it: the README's screenshot.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# Run as a script, Python puts tests/ first on the path, where tests/qgis would shadow QGIS.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO_ROOT / "tests"]
sys.path.insert(0, str(REPO_ROOT))
OUTPUT = REPO_ROOT / "demo-output"

from s2gm_qgis.core.mosaic.order import MosaicOrder  # noqa: E402
from s2gm_qgis.core.orders import OrderRunner, OrderStore  # noqa: E402
from s2gm_qgis.core.orders.datadir import DataDir, results_dir  # noqa: E402
from tests.synthetic.tiles import tile_geometry  # noqa: E402

SIZE_10M = 240
DATES = ("2024-06-03T10:36:29", "2024-06-08T10:36:29", "2024-06-13T10:36:29",
         "2024-06-18T10:36:29", "2024-06-23T10:36:29")


def make_archive(folder: Path) -> Path:
    """Five L2A products of 32TQM (2.4 km windows): a lake, bare soil, clouds on two dates."""
    from tests.synthetic import Scene, Surface, make_l2a_series

    scenes = []
    for index in range(len(DATES)):
        scene = (Scene.uniform(SIZE_10M, Surface.VEGETATION)
                 .with_surface(slice(120, 240), slice(0, 110), Surface.WATER)
                 .with_surface(slice(20, 90), slice(150, 230), Surface.SOIL))
        if index == 0:
            scene = scene.with_cloud(slice(0, 120), slice(100, 240)).with_shadow(
                slice(130, 200), slice(150, 240))
        if index == 1:
            scene = scene.with_cloud(slice(100, 200), slice(0, 140), medium=True)
        scenes.append(scene)
    folder.mkdir(parents=True, exist_ok=True)
    make_l2a_series(folder, DATES, scenes, tile="32TQM", size_10m=SIZE_10M, fmt="tif")
    return folder


def aoi_wkt_utm() -> str:
    """An AOI polygon inside the products' window, in UTM 32N metres."""
    tile = tile_geometry("32TQM", SIZE_10M)
    x, y = tile.ulx_m, tile.uly_m
    corners = [(x + 200, y - 150), (x + 2200, y - 300), (x + 2250, y - 2250), (x + 900, y - 2200),
               (x + 150, y - 1300)]
    return "POLYGON((" + ", ".join(f"{a} {b}" for a, b in corners + corners[:1]) + "))"


def aoi_geojson() -> dict:
    from pyproj import Transformer

    from s2gm_qgis.core.mosaic.aoi import aoi_from_wkt

    to_lonlat = Transformer.from_crs(32632, 4326, always_xy=True)
    body = aoi_wkt_utm()[len("POLYGON(("):-2]
    points = [to_lonlat.transform(*map(float, p.split())) for p in body.split(", ")]
    wkt = "POLYGON((" + ", ".join(f"{lon:.8f} {lat:.8f}" for lon, lat in points) + "))"
    return aoi_from_wkt(wkt).geojson()


def order_mosaic(archive: Path, data: DataDir) -> tuple[str, Path]:
    """Place and run the order the way the dock's embedded engine does."""
    order = MosaicOrder.create(
        name="demo-lake", aoi=aoi_geojson(), period="month", start="2024-06-01",
        resolution_m=20, bands=["B02", "B03", "B04", "B08", "quality_scene_classification",
                                "quality_cloud_confidence", "source_index", "valid_obs"])
    runner = OrderRunner(OrderStore(data.store_path), data.results_root, [archive],
                         catalogue_path=data.catalogue_path)
    record = runner.submit(order)
    print(f"order {record.id} placed: {order.name}, {order.period} from {order.start}, "
          f"{order.resolution_m} m, AOI {order.aoi.area_km2:.2f} km²")

    def progress(fraction: float, message: str = "") -> None:
        print(f"\r  {100 * fraction:5.1f} % {message[:60]:<60}", end="", flush=True)

    started = time.perf_counter()
    record = runner.execute(record.id, progress=progress)
    print(f"\norder {record.state} in {time.perf_counter() - started:.1f} s")
    if record.state != "finished":
        raise SystemExit(f"the order did not finish: {record.error}")
    return record.id, results_dir(data.results_root, record.id)


def print_result(store_path: Path, order_id: str, folder: Path) -> None:
    store = OrderStore(store_path)
    record = store.get(order_id)
    counts = record.result["counts"]
    print(f"\nresult folder: {folder / record.result['output_dir']}")
    for item in store.files(order_id):
        print(f"  {item.rel_path:<80} {item.size_bytes:>9} B  {item.layer or ''}")
    print(f"pixels with data {counts['pixels_with_data']}: medoid {counts['medoid']}, "
          f"short-term composite {counts['stc']}, single {counts['single']}, "
          f"none {counts['none']}")


def load_headless(store_path: Path, order_id: str, folder: Path) -> None:
    """The plugin's result loader in a headless QGIS; renders the map to a PNG."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import Qgis, QgsApplication, QgsMapRendererParallelJob, QgsMapSettings, QgsProject
    from qgis.PyQt.QtCore import QSize

    app = QgsApplication([], False)
    app.initQgis()
    from s2gm_qgis.qgis_support.results import load_result

    order = OrderStore(store_path).get(order_id).to_json_dict()
    group = load_result(order, folder)
    print(f"\nheadless QGIS {Qgis.QGIS_VERSION}: loaded layer "
          f"group {group.name()!r} with the plugin's result loader:")
    for node in group.findLayers():
        renderer = node.layer().renderer()
        print(f"  {node.layer().name():<45} {type(renderer).__name__}"
              f"{'  (visible)' if node.isVisible() else ''}")
    visible = [n.layer() for n in group.findLayers() if n.isVisible()]
    settings = QgsMapSettings()
    settings.setLayers(visible)
    settings.setDestinationCrs(visible[0].crs())
    settings.setExtent(visible[0].extent())
    settings.setOutputSize(QSize(600, 600))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    picture = OUTPUT / "mosaic-map.png"
    job.renderedImage().save(str(picture))
    project = OUTPUT / "demo.qgz"
    QgsProject.instance().write(str(project))
    print(f"map rendered to {picture}; project saved to {project} (open it in QGIS)")
    QgsProject.instance().clear()
    app.exitQgis()


def open_qgis(store_path: Path, order_id: str, folder: Path) -> int:
    """Start QGIS (its own demo profile) with the plugin started and the result loaded."""
    qgis = shutil.which("qgis")
    if qgis is None:
        print("no qgis executable found; showing the result headless instead")
        load_headless(store_path, order_id, folder)
        return 0
    startup = OUTPUT / "open_in_qgis.py"
    startup.write_text(f"""
import sys
sys.path.insert(0, {str(REPO_ROOT)!r})
from qgis.utils import iface
from s2gm_qgis.core.orders import OrderStore
from s2gm_qgis.qgis_support.results import load_result
from s2gm_qgis.gui.plugin import S2gmPlugin
plugin = S2gmPlugin(iface)
plugin.initGui()
mosaic = plugin.features.get("mosaic")
if dock is not None:
    mosaic.dock.show()
group = load_result(OrderStore({str(store_path)!r}).get({order_id!r}).to_json_dict(),
                    __import__("pathlib").Path({str(folder)!r}))
iface.mapCanvas().setExtent(group.findLayers()[0].layer().extent())
iface.mapCanvas().refresh()
""")
    print(f"\nopening QGIS with the plugin and the result loaded ({qgis} --code {startup})")
    return subprocess.call([qgis, "--nologo", "--profiles-path", str(OUTPUT / "qgis-profiles"),
                            "--code", str(startup)])


def screenshot(target: Path) -> None:
    """Drive the dock in a window (canvas + dock) and save a picture of it."""
    from qgis.core import (QgsApplication, QgsCoordinateReferenceSystem, QgsProject,
                           QgsRectangle)
    from qgis.gui import QgsLayerTreeMapCanvasBridge, QgsMapCanvas, QgsMessageBar
    from qgis.PyQt.QtCore import QCoreApplication, Qt
    from qgis.PyQt.QtWidgets import QMainWindow

    QCoreApplication.setOrganizationName("QGIS")
    QCoreApplication.setApplicationName("QGIS3-s2gm-demo")
    os.environ["QGIS_CUSTOM_CONFIG_PATH"] = str(OUTPUT / "qgis-profiles")
    app = QgsApplication([], True)
    app.initQgis()
    from s2gm_qgis.gui.mosaic.feature import MosaicFeature
    from s2gm_qgis.gui.mosaic.options import ADVANCED
    from s2gm_qgis.qgis_support.results import find_order_group
    from s2gm_qgis.qgis_support.preferences import Preferences
    from tests.qgis.test_mosaic_dock import click_polygon, wait_for

    archive = OUTPUT / "archive"
    if not archive.is_dir():
        make_archive(archive)
    work = OUTPUT / "screenshot"
    shutil.rmtree(work, ignore_errors=True)
    Preferences(archive_folders=(str(archive),), results_folder=str(work / "results"),
                cache_folder=str(work / "cache")).save()

    class Iface:
        def __init__(self):
            self.window, self.canvas, self.bar = QMainWindow(), QgsMapCanvas(), QgsMessageBar()
        def mapCanvas(self):  # noqa: E301,N802
            return self.canvas
        def messageBar(self):  # noqa: N802
            return self.bar
        def mainWindow(self):  # noqa: N802
            return self.window

    iface = Iface()
    window, canvas = iface.window, iface.canvas
    QgsLayerTreeMapCanvasBridge(QgsProject.instance().layerTreeRoot(), canvas, window)
    window.setCentralWidget(canvas)
    window.resize(1400, 1180)
    mosaic = MosaicFeature(iface, dock_parent=window)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, mosaic.dock)
    mosaic.dock.setMinimumWidth(460)
    window.show()
    QCoreApplication.processEvents()
    tile = tile_geometry("32TQM", SIZE_10M)
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:32632"))
    canvas.setExtent(QgsRectangle(tile.ulx_m - 400, tile.uly_m - 2800, tile.ulx_m + 2800,
                                  tile.uly_m + 400))
    QCoreApplication.processEvents()
    mosaic.dock.polygon_button.click()
    body = aoi_wkt_utm()[len("POLYGON(("):-2].split(", ")[:-1]
    click_polygon(canvas, [tuple(map(float, p.split())) for p in body])
    mosaic.dock.options.set_mode(ADVANCED)
    mosaic.dock.options.set_period("month")
    mosaic.dock.options.name_edit.setText("lake-june")
    mosaic.dock.options.preset_combo.setCurrentIndex(
        mosaic.dock.options.preset_combo.findData("true_colour_quality"))
    from datetime import date
    mosaic.dock.options.set_start(date(2024, 6, 10))
    mosaic.dock.order_button.click()
    wait_for(lambda: mosaic.aoi_ordered or mosaic.dock.problem_label.isVisible(), 60,
             "the order to be placed")
    if mosaic.selection is None or not mosaic.aoi_ordered:
        raise SystemExit(f"the dock did not place the order: "
                         f"{mosaic.dock.aoi_message_label.text()} "
                         f"{mosaic.dock.problem_label.text()}")
    order_id = mosaic.engine.store.orders()[0].id
    wait_for(lambda: mosaic.engine.store.get(order_id).is_terminal, 300, "the demo order")
    record = mosaic.engine.store.get(order_id)
    if record.state != "finished":
        raise SystemExit(f"the demo order {record.state}: {record.error}")
    wait_for(lambda: find_order_group(order_id) is not None, 60, "the result to load")
    mosaic.refresh()
    mosaic.dock.select_order(order_id)
    for _ in range(30):
        QCoreApplication.processEvents()
        time.sleep(0.05)
    target.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(target))
    print(f"screenshot saved to {target}")
    mosaic.teardown()
    window.close()
    QgsProject.instance().clear()
    del mosaic, window, iface
    app.exitQgis()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screenshot", type=Path, help="save a picture of the dock instead")
    parser.add_argument("--headless", action="store_true", help="never open the QGIS window")
    args = parser.parse_args()
    if args.screenshot:
        screenshot(args.screenshot.resolve())
        # The picture is saved; skip the interpreter's teardown, where PyQt may destroy widgets
        # after QGIS has exited and crash on the way out.
        sys.stdout.flush()
        os._exit(0)
    archive = OUTPUT / "archive"
    shutil.rmtree(OUTPUT / "archive", ignore_errors=True)
    shutil.rmtree(OUTPUT / "engine", ignore_errors=True)
    started = time.perf_counter()
    make_archive(archive)
    print(f"synthetic archive: {len(DATES)} L2A products of tile 32TQM in {archive} "
          f"({time.perf_counter() - started:.1f} s)")
    data = DataDir(OUTPUT / "engine").create()
    order_id, folder = order_mosaic(archive, data)
    print_result(data.store_path, order_id, folder)
    if os.environ.get("DISPLAY") and not args.headless:
        return open_qgis(data.store_path, order_id, folder)
    print("\nno DISPLAY: showing the result in a headless QGIS")
    load_headless(data.store_path, order_id, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
