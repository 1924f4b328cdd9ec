"""The point time-series feature (S2GM's PTS product in QGIS): a map tool, a task over the core's
:func:`~s2gm_qgis.core.timeseries.series.point_time_series`, a dock plotting the series.

Modules: :mod:`.feature` (the controller: map tool, marker, task, exports), :mod:`.dock` (the
widgets, which only show), :mod:`.plot` (the QPainter plot), :mod:`.quantities` (bands and
indices, no Qt).
"""
from __future__ import annotations

from ...qgis_support.i18n import tr


def init_gui(plugin):
    """Create the feature, its dock and its S2GM menu/toolbar action; the dock's button
    activates the tool."""
    from .feature import TimeSeriesFeature

    feature = TimeSeriesFeature(plugin.iface, dock_parent=plugin.iface.mainWindow())
    action = plugin.add_action("timeseries_dock", tr("Time series…"), "timeseries.svg",
                               tooltip=tr("Every observation of a point: reflectance, indices, "
                                          "and what the valid filter says"))
    plugin.add_dock(feature.dock, action=action)
    plugin.add_map_tool(feature.tool)
    plugin.on_unload(feature.teardown)
    feature.dock.hide()
    return feature
