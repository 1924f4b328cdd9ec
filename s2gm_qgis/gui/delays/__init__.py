"""Delay inspector (plugin feature ``delays``): hover an L1C tile to read the detector and the
inter-band time delays corrected for that detector and orbit, pin readouts and export them,
measure velocities between two bands, overlay detector footprints.

Modules: ``feature`` (the controller), ``dock``, ``tools`` (hover tool, velocity probe),
``registry`` + ``task`` (products opened once in a QgsTask), ``recognition`` (which layers show
an L1C product), ``layers`` (true colour and footprint layers), ``pins`` (pins and exports),
``formatting`` (texts), ``settings`` (what is remembered). The science is
``s2gm_qgis.core.delays``.
"""
from __future__ import annotations

from qgis.core import QgsProject

from ...qgis_support.i18n import tr
from .feature import DelayFeature


def init_gui(plugin) -> DelayFeature:
    iface = plugin.iface
    feature = DelayFeature(iface)
    plugin.add_action("delay_open", tr("Open L1C product…"), "delay_open.svg",
                      lambda _checked=False: feature.open_product_dialog(),
                      tooltip=tr("Open a Sentinel-2 L1C product (.zip, .SAFE) for delay "
                                 "inspection"))
    hover_action = plugin.add_action(
        "delay_inspector", tr("Delay inspector"), "delay_inspector.svg", checkable=True,
        tooltip=tr("Read the detector and the inter-band delays under the mouse; click to pin"))
    plugin.add_map_tool(feature.hover_tool, hover_action)
    velocity_action = plugin.add_action(
        "velocity_probe", tr("Velocity probe"), "velocity_probe.svg", checkable=True,
        tooltip=tr("Click an object in band A's image, then in band B's: speed and heading"))
    plugin.add_map_tool(feature.velocity_tool, velocity_action)
    plugin.add_action("delay_footprints", tr("Detector footprints"), None,
                      lambda _checked=False: feature.show_footprints(), toolbar=False,
                      tooltip=tr("Add the detector footprints of the band chosen in the Delay "
                                 "dock"))
    plugin.add_dock(feature.dock)
    feature.dock.hide()
    iface.registerCustomDropHandler(feature.drop_handler)
    plugin.on_unload(iface.unregisterCustomDropHandler, feature.drop_handler)
    plugin.connect(QgsProject.instance().layersRemoved, feature.layers_removed)
    plugin.connect(iface.mapCanvas().destinationCrsChanged, feature.crs_changed)
    plugin.on_unload(feature.shutdown)
    return feature
