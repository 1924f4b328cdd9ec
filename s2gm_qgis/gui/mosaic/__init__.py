"""The mosaic dock feature: AOI tools, order options, embedded or service engine, orders list and
result loading (issue "Mosaic orders from QGIS").

Modules: :mod:`.dock` (the dock), :mod:`.aoi` (AOIs from QGIS things), :mod:`.aoi_tools` (map
tools and rubber bands), :mod:`.options` (Basic/Advanced options), :mod:`.engines` (embedded
QgsTask engine, HTTP service engine), :mod:`.orders_model` (orders list), :mod:`.results`
(layer group and styles).
"""
from __future__ import annotations

from ...qgis_support.i18n import tr


def init_gui(plugin):
    """Create the dock, its S2GM menu/toolbar action, and follow the preferences."""
    from .dock import MosaicDock

    dock = MosaicDock(plugin.iface, open_settings=plugin.show_settings,
                      parent=plugin.iface.mainWindow())
    action = plugin.add_action("mosaic_dock", tr("Mosaics…"), "mosaic_dock.svg",
                               tooltip=tr("Order cloud-free Sentinel-2 mosaics of an area"))
    plugin.add_dock(dock, action=action)
    plugin.connect(plugin.preferences_changed, dock.set_preferences)
    # Before add_dock's removal (registrations are undone newest first).
    plugin.on_unload(dock.teardown)
    return dock
