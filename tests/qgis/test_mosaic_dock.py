"""The mosaic dock in real QGIS, end to end with the embedded engine: a polygon AOI drawn with
simulated mouse events on the map canvas, an order placed against a synthetic L2A archive, run in
a QgsTask, and its result loaded as a styled layer group (issue "Mosaic orders from QGIS").

Helpers here are shared with the other ``test_mosaic_*`` modules."""
from __future__ import annotations

import dataclasses
import time
from datetime import date
from pathlib import Path

import pytest
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsMultiBandColorRenderer,
    QgsPalettedRasterRenderer,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
    QgsSingleBandPseudoColorRenderer,
)
from qgis.PyQt.QtCore import QCoreApplication, QPoint, Qt
from qgis.PyQt.QtTest import QTest

from s2gm_qgis.gui.mosaic.feature import MosaicFeature
from s2gm_qgis.gui.mosaic.options import ADVANCED
from s2gm_qgis.qgis_support.results import (
    LAYER_PROPERTY, SCL_COLOURS, TRUE_COLOUR_KEY, find_order_group,
)
from s2gm_qgis.qgis_support.preferences import Preferences

from tests.synthetic.tiles import tile_geometry

SIZE_10M = 120
#: Upper-left corner of the synthetic products' window of tile 32TQM (EPSG:32632 metres).
ULX, ULY = tile_geometry("32TQM", SIZE_10M).ulx_m, tile_geometry("32TQM", SIZE_10M).uly_m
DATES = ("2024-06-03T10:36:29", "2024-06-08T10:36:29", "2024-06-13T10:36:29",
         "2024-06-18T10:36:29", "2024-06-23T10:36:29")
UTM32N = "EPSG:32632"


def make_archive(folder: Path) -> Path:
    """Five small L2A products of one tile in June 2024, a cloud over part of the first two."""
    from tests.synthetic import Scene, Surface, make_l2a_series

    scenes = []
    for index in range(len(DATES)):
        scene = Scene.uniform(SIZE_10M, Surface.VEGETATION).with_surface(
            slice(60, 120), slice(0, 60), Surface.WATER)
        if index < 2:
            scene = scene.with_cloud(slice(0, 40), slice(60, 120))
        scenes.append(scene)
    make_l2a_series(folder, DATES, scenes, tile="32TQM", size_10m=SIZE_10M, fmt="tif")
    return folder


@pytest.fixture(scope="session")
def synthetic_archive(tmp_path_factory) -> Path:
    return make_archive(tmp_path_factory.mktemp("archive"))


def show_tile(canvas) -> None:
    """The canvas in UTM 32N, showing the synthetic window with a margin."""
    canvas.setFixedSize(500, 500)  # pytest-qgis puts the canvas in a small main window
    canvas.window().show()
    canvas.show()
    QCoreApplication.processEvents()  # the canvas learns its size before the extent is set
    assert canvas.mapSettings().outputSize().width() >= 490  # the frame takes a pixel or two
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem(UTM32N))
    canvas.setExtent(QgsRectangle(ULX - 300, ULY - SIZE_10M * 10 - 300, ULX + SIZE_10M * 10 + 300,
                                  ULY + 300))
    canvas.refresh()
    QCoreApplication.processEvents()


def pixel(canvas, x: float, y: float) -> QPoint:
    point = canvas.getCoordinateTransform().transform(QgsPointXY(x, y))
    return QPoint(round(point.x()), round(point.y()))


def click_polygon(canvas, corners) -> None:
    """Left click each corner (map coordinates), then right click to close the polygon."""
    viewport = canvas.viewport()
    for x, y in corners:
        QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         pixel(canvas, x, y))
    x, y = corners[-1]
    QTest.mouseClick(viewport, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier,
                     pixel(canvas, x, y))


def polygon_inside_tile() -> list[tuple[float, float]]:
    """A pentagon inside the written window (UTM 32N metres)."""
    return [(ULX + 150, ULY - 150), (ULX + 1050, ULY - 200), (ULX + 1000, ULY - 1050),
            (ULX + 500, ULY - 1100), (ULX + 200, ULY - 700)]


def wait_for(condition, timeout_s: float = 180.0, what: str = "condition") -> None:
    """Let the Qt event loop run (tasks, timers, queued signals) until ``condition()``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout_s} s waiting for {what}"
        QCoreApplication.processEvents()
        time.sleep(0.02)


def wait_for_placed(mosaic) -> None:
    """Wait until the engine has placed the order the dock handed it (off the GUI thread)."""
    wait_for(lambda: mosaic.aoi_ordered or mosaic.dock.problem_label.isVisible(), 30,
             "the order to be placed")
    problem = mosaic.dock.problem_label
    assert mosaic.aoi_ordered and not problem.isVisible(), problem.text()


def set_june_order(mosaic, name: str, *, resolution_m: int = 20) -> None:
    options = mosaic.dock.options
    options.set_mode(ADVANCED)
    options.set_period("month")
    options.set_start(date(2024, 6, 17))
    options.resolution_combo.setCurrentIndex(options.resolution_combo.findData(resolution_m))
    options.preset_combo.setCurrentIndex(options.preset_combo.findData("true_colour_quality"))
    options.name_edit.setText(name)


def assert_styled_group(order_id: str, expected_products: int) -> None:
    """The layer group of the order exists with true colour, SCL, valid_obs and source_index,
    each with its style."""
    group = find_order_group(order_id)
    assert group is not None, "no layer group for the order"
    layers = {layer.layer().customProperty(LAYER_PROPERTY): layer.layer()
              for layer in group.findLayers()}
    assert {TRUE_COLOUR_KEY, "quality_scene_classification", "valid_obs", "source_index",
            "B02", "B03", "B04"} <= set(layers)

    rgb = layers[TRUE_COLOUR_KEY].renderer()
    assert isinstance(rgb, QgsMultiBandColorRenderer)
    assert (rgb.redBand(), rgb.greenBand(), rgb.blueBand()) == (1, 2, 3)
    top = rgb.redContrastEnhancement().maximumValue()
    assert 0.12 <= top <= 0.5 and rgb.blueContrastEnhancement().maximumValue() == top
    assert group.findLayer(layers[TRUE_COLOUR_KEY].id()).isVisible()

    scl = layers["quality_scene_classification"].renderer()
    assert isinstance(scl, QgsPalettedRasterRenderer)
    colours = {c.value: c.color.getRgb()[:3] for c in scl.classes()}
    assert colours[4] == SCL_COLOURS[4] and colours[6] == SCL_COLOURS[6]
    assert colours[9] == (255, 255, 255)
    assert len(scl.createLegendNodes(group.findLayer(layers["quality_scene_classification"].id()))
               if hasattr(scl, "createLegendNodes") else scl.legendSymbologyItems()) >= 11

    valid = layers["valid_obs"].renderer()
    assert isinstance(valid, QgsSingleBandPseudoColorRenderer)
    items = valid.shader().rasterShaderFunction().colorRampItemList()
    assert len(items) >= 2 and items[0].value == 0

    index = layers["source_index"].renderer()
    assert isinstance(index, QgsPalettedRasterRenderer)
    labels = [c.label for c in index.classes()]
    assert len(labels) == expected_products
    assert labels[0].startswith("0: 2024-06-03")


@pytest.fixture
def mosaic_factory(qgis_iface, qgis_canvas, clean_settings, qgis_new_project, tmp_path):
    """Makes docks over preferences saved for the test; tears them down at the end."""
    mosaics = []

    def make(**preferences) -> MosaicFeature:
        prefs = dataclasses.replace(Preferences(), results_folder=str(tmp_path / "results"),
                                    cache_folder=str(tmp_path / "cache"), **preferences)
        prefs.save()
        mosaic = MosaicFeature(qgis_iface)
        mosaic.dock.resize(420, 900)
        mosaic.dock.show()
        mosaics.append(mosaic)
        return mosaic

    yield make
    for mosaic in mosaics:
        mosaic.teardown()
        mosaic.dock.deleteLater()
    QCoreApplication.processEvents()


def test_polygon_drawn_with_the_mouse_is_ordered_and_loaded(mosaic_factory, qgis_canvas,
                                                            synthetic_archive, tmp_path):
    mosaic = mosaic_factory(archive_folders=(str(synthetic_archive),))
    show_tile(qgis_canvas)

    mosaic.dock.polygon_button.click()
    assert qgis_canvas.mapTool() is mosaic.polygon_tool
    click_polygon(qgis_canvas, polygon_inside_tile())
    assert mosaic.selection is not None, mosaic.dock.aoi_message_label.text()
    assert mosaic.selection.source == "drawn polygon"
    assert mosaic.selection.area_km2 == pytest.approx(0.70, abs=0.02)  # the pentagon
    assert "km²" in mosaic.dock.area_label.text()
    assert mosaic.rubber_band.band.asGeometry().area() == pytest.approx(
        mosaic.selection.geometry.area(), rel=1e-6)

    set_june_order(mosaic, "e2e-embedded")
    mosaic.dock.order_button.click()
    wait_for_placed(mosaic)
    orders = mosaic.engine.store.orders()
    assert [o.name for o in orders] == ["e2e-embedded"]
    order_id = orders[0].id

    wait_for(lambda: mosaic.engine.store.get(order_id).is_terminal, what="the order to end")
    record = mosaic.engine.store.get(order_id)
    assert record.state == "finished", (record.error, record.messages)
    wait_for(lambda: find_order_group(order_id) is not None, timeout_s=30,
             what="the result to be loaded")
    assert record.state == "finished", (record.error, record.messages)
    assert_styled_group(order_id, expected_products=len(DATES))
    assert QgsProject.instance().layerTreeRoot().findGroup("e2e-embedded") is not None

    # The orders list shows it finished at 100 %, and the result folder has the mosaic.
    mosaic.refresh()
    mosaic.dock.select_order(order_id)
    shown = mosaic.selected_order()
    assert shown.state == "finished" and shown.progress == 1.0
    assert mosaic.dock.load_button.isEnabled() and not mosaic.dock.cancel_button.isEnabled()
    folder = mosaic.engine.local_folder(shown)
    assert any(p.name.startswith("S2GM_M20_20240601_20240630_e2e-embedded") for p in
               folder.iterdir())
    assert not list(synthetic_archive.rglob("*.aux.xml"))  # nothing written into products
