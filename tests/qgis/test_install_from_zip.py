"""The packaged zip, installed into a fresh QGIS profile the way the plugin manager does, loads and
starts inside real QGIS through qgis.utils, shows its menu and toolbar, and unloads cleanly
(issue: foundation, "install test")."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import qgis.utils
from qgis.core import QgsApplication

from ..conftest import REPO_ROOT
from .conftest import plugin_leftovers

PACKAGE_SCRIPT = REPO_ROOT / ".ci" / "package.py"


@pytest.fixture(scope="module")
def plugin_zip(tmp_path_factory) -> Path:
    """The zip ``make package`` builds (same script), validated by it; or, when S2GM_PLUGIN_ZIP
    names one (``make test-matrix`` passes the zip it packaged on the host), that very zip,
    validated the same way."""
    given = os.environ.get("S2GM_PLUGIN_ZIP")
    if given:
        result = subprocess.run([sys.executable, str(PACKAGE_SCRIPT), "--validate", given],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
        return Path(given)
    out = tmp_path_factory.mktemp("dist") / "s2gm_qgis.zip"
    result = subprocess.run([sys.executable, str(PACKAGE_SCRIPT), "--out", str(out)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def installed_plugin_dir(plugin_zip, tmp_path, monkeypatch):
    """Deploy the zip into a fresh profile and make QGIS see only that copy of s2gm_qgis."""
    profile = tmp_path / "profiles" / "default"
    result = subprocess.run(
        [sys.executable, str(PACKAGE_SCRIPT), "--deploy", str(plugin_zip), "--profile",
         str(profile), "--enable"], capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    plugins = profile / "python" / "plugins"
    assert "s2gm_qgis=true" in (profile / "QGIS" / "QGIS3.ini").read_text()

    # The repository's copy of the package is already imported by the test session: set it
    # aside so that qgis.utils imports the installed copy, and put it back afterwards.
    repo_modules = {name: module for name, module in sys.modules.items()
                    if name == "s2gm_qgis" or name.startswith("s2gm_qgis.")}
    for name in repo_modules:
        del sys.modules[name]
    monkeypatch.syspath_prepend(str(plugins))
    monkeypatch.setattr(qgis.utils, "plugin_paths", [str(plugins)])
    monkeypatch.setattr(qgis.utils, "available_plugins", [])
    monkeypatch.setattr(qgis.utils, "plugins_metadata_parser", {})
    try:
        yield plugins
    finally:
        if "s2gm_qgis" in qgis.utils.active_plugins:
            qgis.utils.unloadPlugin("s2gm_qgis")
        for name in [n for n in sys.modules if n == "s2gm_qgis" or n.startswith("s2gm_qgis.")]:
            del sys.modules[name]
        sys.modules.update(repo_modules)


def test_installed_zip_loads_starts_and_unloads_in_qgis(installed_plugin_dir, qgis_iface,
                                                         clean_settings):
    assert qgis.utils.iface is qgis_iface
    qgis.utils.updateAvailablePlugins()
    assert qgis.utils.available_plugins == ["s2gm_qgis"]
    assert qgis.utils.pluginMetadata("s2gm_qgis", "name") == "S2GM for QGIS"

    assert qgis.utils.loadPlugin("s2gm_qgis")
    module = sys.modules["s2gm_qgis"]
    assert Path(module.__file__).is_relative_to(installed_plugin_dir)
    assert qgis.utils.startPlugin("s2gm_qgis")
    assert qgis.utils.isPluginLoaded("s2gm_qgis")
    plugin = qgis.utils.plugins["s2gm_qgis"]

    main_window = qgis_iface.mainWindow()
    assert any(a.text() == "S2GM" for a in main_window.menuBar().actions())
    assert plugin.toolbar is not None and plugin.toolbar.actions()
    assert [a.text() for a in plugin.menu.actions()][-2:] == ["Settings…", "About S2GM…"]
    assert plugin.failed_features == {}
    # Icons and translations come from the installed copy, not from the repository.
    resources = sys.modules["s2gm_qgis.resources"]
    assert Path(resources.icon_path("s2gm.svg")).is_relative_to(installed_plugin_dir)
    assert Path(sys.modules["s2gm_qgis.qgis_support.i18n"].translation_file("fr")).is_relative_to(
        installed_plugin_dir)
    assert QgsApplication.processingRegistry().providerById("s2gm") is not None

    assert qgis.utils.unloadPlugin("s2gm_qgis")
    assert "s2gm_qgis" not in sys.modules  # QGIS dropped the plugin's modules
    assert plugin.unload_errors == []
    assert plugin_leftovers(qgis_iface) == []


def test_installed_zip_starts_for_processing_only(installed_plugin_dir, qgis_iface,
                                                  clean_settings):
    """What qgis_process does with a plugin whose metadata says hasProcessingProvider=yes."""
    qgis.utils.updateAvailablePlugins()
    assert qgis.utils.pluginMetadata("s2gm_qgis", "hasProcessingProvider") == "yes"
    assert qgis.utils.loadPlugin("s2gm_qgis")
    assert qgis.utils.startProcessingPlugin("s2gm_qgis")
    assert QgsApplication.processingRegistry().providerById("s2gm") is not None
    assert not any(a.text() == "S2GM" for a in qgis_iface.mainWindow().menuBar().actions())
    assert qgis.utils.unloadPlugin("s2gm_qgis")
    assert plugin_leftovers(qgis_iface) == []


def qgis_process_command() -> list[str] | None:
    """qgis_process; Debian's wrapper script adds QGIS_OPTS=--noversioncheck from
    /etc/default/qgis, an option qgis_process rejects, so its binary is called directly."""
    wrapper = shutil.which("qgis_process")
    if wrapper is None:
        return None
    binary = Path(wrapper + ".bin")
    return [str(binary)] if binary.exists() else [wrapper]


@pytest.mark.skipif(qgis_process_command() is None, reason="qgis_process not installed")
def test_qgis_process_runs_the_installed_algorithm(plugin_zip, tmp_path, n0301_zip):
    """The command-line Processing runner loads the enabled plugin (hasProcessingProvider=yes)
    from a fresh profile and runs its algorithm on a real product."""
    profile = tmp_path / "profiles" / "default"
    subprocess.run([sys.executable, str(PACKAGE_SCRIPT), "--deploy", str(plugin_zip),
                    "--profile", str(profile), "--enable"], check=True, capture_output=True)
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=str(tmp_path), QT_QPA_PLATFORM="offscreen")
    listing = subprocess.run([*qgis_process_command(), "list"], env=env, capture_output=True,
                             text=True, timeout=120)
    assert "s2gm:productmetadata" in listing.stdout, listing.stderr[-2000:]
    out = tmp_path / "facts.gpkg"
    run = subprocess.run(
        [*qgis_process_command(), "run", "s2gm:productmetadata", "--",
         f"INPUT={n0301_zip}", f"OUTPUT={out}"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    from osgeo import ogr

    dataset = ogr.Open(str(out))
    feature = dataset.GetLayer(0).GetNextFeature()
    assert (feature.GetField("tile"), feature.GetField("baseline")) == ("48LWP", "03.01")
