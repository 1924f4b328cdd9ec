"""The mosaic feature: AOI tools, order options, embedded or service engine, orders list and
result loading (issue "Mosaic orders from QGIS").

Modules: :mod:`.feature` (the controller: tools, orders model, engine, tasks), :mod:`.dock` (the
widgets, which only show), :mod:`.aoi_tools` (map tools and rubber bands), :mod:`.options`
(Basic/Advanced options), :mod:`.engines` (embedded QgsTask engine, HTTP service engine),
:mod:`.orders_model` (orders list), :mod:`.sources` (connection test and scenes queries),
:mod:`.settings` (what the dock remembers). AOIs from QGIS things and the loading of results
are :mod:`s2gm_qgis.qgis_support`'s, shared with Processing.
"""
from __future__ import annotations

from ...qgis_support.i18n import tr


def init_gui(plugin):
    """Create the feature and its dock, its S2GM menu/toolbar action, and follow the
    preferences."""
    from .feature import MosaicFeature

    feature = MosaicFeature(plugin.iface, open_settings=plugin.show_settings,
                            dock_parent=plugin.iface.mainWindow())
    action = plugin.add_action("mosaic_dock", tr("Mosaics…"), "mosaic_dock.svg",
                               tooltip=tr("Order cloud-free Sentinel-2 mosaics of an area"))
    plugin.add_dock(feature.dock, action=action)
    plugin.connect(plugin.preferences_changed, feature.set_preferences)
    # Before add_dock's removal (registrations are undone newest first).
    plugin.on_unload(feature.teardown)
    return feature
