"""Unloading the plugin takes everything of the delay inspector away: map tools, pin markers,
the probe's arrow, canvas and project connections, the drop handler, opening tasks, and the
opened products themselves (issue "Delay inspector in QGIS"; foundation: clean unload)."""
from __future__ import annotations

import gc
import weakref

from qgis.core import QgsApplication, QgsProject
from qgis.PyQt.QtCore import QPoint

from s2gm_qgis.gui.plugin import S2gmPlugin

from .conftest import plugin_leftovers, process_deferred_deletes
from .delay_support import click, move, pixel_of, show_tile, wait_until


def connections(canvas) -> dict:
    project = QgsProject.instance()
    return {
        "layers removed": project.receivers(project.layersRemoved),
        "canvas crs": canvas.receivers(canvas.destinationCrsChanged),
        "canvas layers": canvas.receivers(canvas.layersChanged),
        "scene items": len(canvas.scene().items()),
    }


def test_unload_leaves_nothing_and_frees_the_products(qgis_iface, clean_settings, n0301_zip,
                                                      tmp_path):
    clean_settings.setValue("s2gm_qgis/cache_folder", str(tmp_path))
    canvas = qgis_iface.mapCanvas()
    before = connections(canvas)
    plugin = S2gmPlugin(qgis_iface, features=("delays",))
    plugin.initGui()
    feature = plugin.features["delays"]
    ref = feature.open_product(str(n0301_zip))
    wait_until(lambda: feature.registry.inspector_for(ref) is not None
               and not feature._load_on_open)
    inspector = feature.registry.inspector_for(ref)
    show_tile(canvas, inspector.epsg, inspector.product.granule.grids[10].bounds_m)
    canvas.setMapTool(feature.hover_tool)
    move(feature.hover_tool, canvas, QPoint(300, 200))
    click(feature.hover_tool, canvas, pixel_of(canvas, 554880, 8845120))
    canvas.setMapTool(feature.velocity_tool)
    click(feature.velocity_tool, canvas, pixel_of(canvas, 554880, 8845120))
    click(feature.velocity_tool, canvas, pixel_of(canvas, 555200, 8845400))
    assert feature.markers and feature.dock.velocity is not None
    alive = [weakref.ref(obj) for obj in (feature, inspector, feature.hover_tool,
                                           feature.velocity_tool, feature.registry)]
    handler = feature.drop_handler
    del feature, inspector

    plugin.unload()
    assert plugin.unload_errors == []
    qgis_iface.unregisterCustomDropHandler.assert_called_with(handler)
    # the stand-in iface's mocks remember their arguments; QGIS itself keeps no reference
    qgis_iface.registerCustomDropHandler.reset_mock()
    qgis_iface.unregisterCustomDropHandler.reset_mock()
    del handler, plugin
    assert plugin_leftovers(qgis_iface) == []  # runs the deferred deletes, as QGIS's loop would
    for _round in range(2):  # a collected cycle may post more deferred deletes
        gc.collect()
        process_deferred_deletes()
    assert canvas.mapTool() is None
    assert connections(canvas) == before
    assert QgsApplication.taskManager().countActiveTasks() == 0
    assert [ref() for ref in alive] == [None] * len(alive)
    QgsProject.instance().removeAllMapLayers()
