"""The plugin in real QGIS: what initGui adds, and that unload() removes all of it, also what
features add through the registration API (issue: foundation, "unload test")."""
from __future__ import annotations

import logging
import sys
import types

import pytest
from qgis.core import Qgis, QgsApplication, QgsMapLayerType, QgsProject
from qgis.gui import QgsMapToolPan
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QDockWidget, QToolBar

from s2gm_qgis.qgis_support.compat import QAction
from s2gm_qgis.gui.plugin import FEATURES, S2gmPlugin

from .conftest import plugin_leftovers, process_deferred_deletes


def snapshot(iface) -> dict:
    """Counts of everything a plugin could leave behind in QGIS."""
    process_deferred_deletes()
    main_window = iface.mainWindow()
    return {
        "menu bar entries": len(main_window.menuBar().actions()),
        "actions": len(main_window.findChildren(QAction)),
        "toolbars": len(main_window.findChildren(QToolBar)),
        "docks": len(main_window.findChildren(QDockWidget)),
        "providers": len(QgsApplication.processingRegistry().providers()),
        "log handlers": len(logging.getLogger("s2gm_qgis").handlers),
        "project receivers": QgsProject.instance().receivers(QgsProject.instance().layersAdded),
    }


def test_init_gui_adds_the_s2gm_menu_toolbar_and_provider(started_plugin, qgis_iface):
    menu_entries = [a for a in qgis_iface.mainWindow().menuBar().actions() if a.text() == "S2GM"]
    assert menu_entries and menu_entries[0].menu() is started_plugin.menu
    names = [action.objectName() for action in started_plugin.menu.actions()]
    assert names[-2:] == ["s2gm_qgis_settings", "s2gm_qgis_about"]  # below the features'
    assert started_plugin.toolbar.objectName() == "s2gm_qgis_toolbar"
    assert started_plugin.settings_action in started_plugin.toolbar.actions()
    assert not started_plugin.settings_action.icon().isNull()
    provider = QgsApplication.processingRegistry().providerById("s2gm")
    assert provider is not None and provider.name() == "S2GM"


def test_every_listed_feature_starts(started_plugin):
    """Each module of FEATURES starts without error in real QGIS (a failure would be undone
    and reported, but it is a bug)."""
    assert started_plugin.failed_features == {}
    assert set(started_plugin.features) == set(FEATURES)


def test_core_actions_alone_without_features(qgis_iface, clean_settings):
    plugin = S2gmPlugin(qgis_iface, features=())
    plugin.initGui()
    try:
        names = [action.objectName() for action in plugin.menu.actions()]
        assert names == ["s2gm_qgis_settings", "s2gm_qgis_about"]  # no leading separator
        assert [a.objectName() for a in plugin.toolbar.actions()] == ["s2gm_qgis_settings"]
    finally:
        plugin.unload()


def test_load_unload_load_unload_leaves_nothing(qgis_iface, clean_settings):
    before = snapshot(qgis_iface)
    for _round in range(2):
        plugin = S2gmPlugin(qgis_iface)
        plugin.initGui()
        assert plugin_leftovers(qgis_iface), "initGui added nothing?"
        plugin.unload()
        assert plugin.unload_errors == []
        assert plugin_leftovers(qgis_iface) == []
        assert snapshot(qgis_iface) == before


def test_init_processing_alone_then_gui_registers_the_provider_once(qgis_iface, clean_settings):
    plugin = S2gmPlugin(qgis_iface)
    plugin.initProcessing()  # what qgis_process does
    plugin.initGui()  # desktop: initGui also calls initProcessing
    ids = [p.id() for p in QgsApplication.processingRegistry().providers()]
    assert ids.count("s2gm") == 1
    plugin.unload()
    assert plugin_leftovers(qgis_iface) == []


@pytest.fixture
def feature_module(monkeypatch):
    """Install a fake feature module ``s2gm_qgis.gui.<name>`` built from ``init_gui``."""
    def install(name, init_gui, unload=None):
        module = types.ModuleType(f"s2gm_qgis.gui.{name}")
        module.init_gui = init_gui
        if unload is not None:
            module.unload = unload
        monkeypatch.setitem(sys.modules, module.__name__, module)
        return module
    return install


def test_everything_a_feature_registers_is_undone(qgis_iface, clean_settings, feature_module):
    calls = []
    before = snapshot(qgis_iface)

    def init_gui(plugin):
        action = plugin.add_action("probe", "Probe", "velocity_probe.svg")
        dock = QDockWidget("Probe", qgis_iface.mainWindow())
        dock.setObjectName("s2gm_qgis_probe_dock")
        plugin.add_dock(dock, Qt.DockWidgetArea.RightDockWidgetArea, action=action)
        tool = plugin.add_map_tool(QgsMapToolPan(qgis_iface.mapCanvas()), action)
        layer_action = QAction("Inspect", qgis_iface.mainWindow())
        plugin.add_layer_action(layer_action, QgsMapLayerType.RasterLayer)
        plugin.connect(QgsProject.instance().layersAdded, lambda layers: calls.append("layers"))
        plugin.on_unload(calls.append, "on_unload")
        return {"dock": dock, "tool": tool, "action": action}

    feature_module("probe_feature", init_gui, unload=lambda plugin: calls.append("unload"))
    plugin = S2gmPlugin(qgis_iface, features=("probe_feature",))
    plugin.initGui()
    feature = plugin.features["probe_feature"]
    assert [a.objectName() for a in plugin.menu.actions()][0] == "s2gm_qgis_probe"
    feature["action"].trigger()
    assert qgis_iface.mapCanvas().mapTool() is feature["tool"]
    qgis_iface.addCustomActionForLayerType.assert_called_once()

    plugin.unload()
    assert plugin.unload_errors == []
    assert calls == ["unload", "on_unload"]  # the feature's unload first, then newest first
    assert qgis_iface.mapCanvas().mapTool() is None
    qgis_iface.removeCustomActionForLayerType.assert_called_once()
    assert plugin_leftovers(qgis_iface) == []
    assert snapshot(qgis_iface) == before
    assert plugin.features == {}


def test_a_failing_feature_is_undone_and_the_others_start(
    qgis_iface, clean_settings, feature_module
):
    def broken(plugin):
        plugin.add_action("broken_tool", "Broken", "about.svg")
        raise RuntimeError("no delay table")

    feature_module("broken_feature", broken)
    feature_module("working_feature", lambda plugin: plugin.add_action("ok_tool", "OK"))
    qgis_iface.messageBar().clear_messages()
    plugin = S2gmPlugin(qgis_iface, features=("broken_feature", "working_feature"))
    plugin.initGui()
    names = [action.objectName() for action in plugin.menu.actions()]
    assert "s2gm_qgis_broken_tool" not in names
    assert "s2gm_qgis_ok_tool" in names and "s2gm_qgis_settings" in names
    assert set(plugin.failed_features) == {"broken_feature"}
    assert "working_feature" in plugin.features
    critical = qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Critical)
    assert any("broken_feature" in m and "no delay table" in m for m in critical)
    plugin.unload()
    assert plugin_leftovers(qgis_iface) == []


def test_a_failing_unload_step_is_recorded_and_the_rest_still_runs(qgis_iface, clean_settings):
    plugin = S2gmPlugin(qgis_iface)
    plugin.initGui()

    def boom():
        raise ValueError("cannot close")

    plugin.on_unload(boom)
    plugin.unload()
    assert [str(e) for e in plugin.unload_errors] == ["cannot close"]
    assert plugin_leftovers(qgis_iface) == []


def test_init_gui_failure_undoes_what_was_added(qgis_iface, clean_settings, monkeypatch):
    plugin = S2gmPlugin(qgis_iface)
    add_action = plugin.add_action

    def add_action_failing_on_about(name, *args, **kwargs):
        if name == "about":
            raise RuntimeError("icon missing")
        return add_action(name, *args, **kwargs)

    monkeypatch.setattr(plugin, "add_action", add_action_failing_on_about)
    with pytest.raises(RuntimeError, match="icon missing"):
        plugin.initGui()
    assert plugin_leftovers(qgis_iface) == []


def test_a_dock_without_object_name_is_refused(started_plugin, qgis_iface):
    with pytest.raises(ValueError, match="objectName"):
        started_plugin.add_dock(QDockWidget("nameless", qgis_iface.mainWindow()))
