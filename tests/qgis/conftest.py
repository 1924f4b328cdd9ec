"""Fixtures for the tests that run inside real QGIS (pytest-qgis, headless).

Every QgsSettings write of these tests goes to a temporary folder, not to the settings folder
pytest-qgis keeps in the repository, so tests neither dirty the working tree nor see each other's
leftovers from earlier runs.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from qgis.core import QgsApplication, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QEvent, QSettings
from qgis.PyQt.QtWidgets import QDockWidget, QMenu, QToolBar

from s2gm_qgis.qgis_support.compat import QAction
from s2gm_qgis.gui.plugin import OBJECT_PREFIX, S2gmPlugin

from ..conftest import REPO_ROOT


@pytest.fixture(scope="session", autouse=True)
def isolated_qgis_settings(tmp_path_factory):
    """Point QSettings (hence QgsSettings) at an empty temporary folder for the session."""
    folder = tmp_path_factory.mktemp("qgis-settings")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    assert str(folder) in QgsSettings().fileName()
    return folder


@pytest.fixture
def clean_settings():
    """Empty the plugin's and the locale's settings before and after a test."""
    def wipe():
        settings = QgsSettings()
        settings.remove("s2gm_qgis")
        settings.remove("locale")
        settings.sync()
    wipe()
    yield QgsSettings()
    wipe()


def process_deferred_deletes() -> None:
    """Run pending deleteLater() calls, as the QGIS event loop would."""
    QCoreApplication.processEvents()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def plugin_leftovers(iface) -> list[str]:
    """What of the plugin is still in the main window and in QGIS registries."""
    process_deferred_deletes()
    main_window = iface.mainWindow()
    found = []
    for kind in (QAction, QMenu, QToolBar, QDockWidget):
        for widget in main_window.findChildren(kind):
            if widget.objectName().startswith(OBJECT_PREFIX):
                found.append(f"{kind.__name__} {widget.objectName()}")
    for action in main_window.menuBar().actions():
        if action.menu() is not None and action.menu().objectName().startswith(OBJECT_PREFIX):
            found.append(f"menu bar entry {action.text()}")
    if QgsApplication.processingRegistry().providerById("s2gm") is not None:
        found.append("Processing provider s2gm")
    return found


@pytest.fixture
def started_plugin(qgis_iface, clean_settings):
    """The plugin after initGui, unloaded (and checked clean) at the end of the test."""
    plugin = S2gmPlugin(qgis_iface)
    plugin.initGui()
    yield plugin
    plugin.unload()
    assert plugin.unload_errors == []
    assert plugin_leftovers(qgis_iface) == []


def run_in_fresh_qgis(code: str, tmp_path, timeout_s: int = 120) -> subprocess.CompletedProcess:
    """Run ``code`` in a new Python with its own QgsApplication, QGIS settings and
    authentication database under ``tmp_path`` (tests that must not touch the session's)."""
    prelude = textwrap.dedent(
        """
        import sys
        from qgis.core import QgsApplication
        from qgis.PyQt.QtCore import QCoreApplication
        QCoreApplication.setOrganizationName("QGIS")
        QCoreApplication.setApplicationName("QGIS3")
        app = QgsApplication([], True)
        app.initQgis()
        """
    )
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        QGIS_AUTH_DB_DIR_PATH=str(tmp_path),
        QGIS_CUSTOM_CONFIG_PATH=str(tmp_path),
        PYTHONPATH=str(REPO_ROOT),
        HOME=str(tmp_path),
    )
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=timeout_s,
    )


@pytest.fixture
def provider(qgis_processing, clean_settings, tmp_path):
    """The S2GM Processing provider registered (once), with a cache folder of the test's."""
    from s2gm_qgis.processing.provider import S2gmProvider
    from s2gm_qgis.qgis_support.preferences import Preferences

    Preferences(cache_folder=str(tmp_path / "cache")).save()
    registry = QgsApplication.processingRegistry()
    if registry.providerById("s2gm") is None:
        provider = S2gmProvider()
        registry.addProvider(provider)
        yield provider
        registry.removeProvider(provider)
    else:
        yield registry.providerById("s2gm")
