"""French interface when QGIS runs in French, and a French catalogue complete for every string
(issue: foundation, translations)."""
from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys

import pytest
from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication

from s2gm_qgis.gui.about import AboutDialog
from s2gm_qgis.qgis_support.i18n import install_translator, qgis_locale, translation_file
from s2gm_qgis.gui.plugin import S2gmPlugin
from s2gm_qgis.qgis_support.preferences import Preferences
from s2gm_qgis.gui.settings_dialog import SettingsDialog

from ..conftest import REPO_ROOT

TRANSLATIONS_SCRIPT = REPO_ROOT / ".ci" / "translations.py"


def set_qgis_locale(settings, code: str) -> None:
    """What QGIS > Options > General > "Override system locale" stores."""
    settings.setValue("locale/overrideFlag", True)
    settings.setValue("locale/userLocale", code)


@pytest.fixture
def french_plugin(qgis_iface, clean_settings):
    set_qgis_locale(clean_settings, "fr")
    plugin = S2gmPlugin(qgis_iface)
    plugin.initGui()
    yield plugin
    plugin.unload()


def test_actions_menu_and_provider_are_french(french_plugin):
    assert french_plugin.settings_action.text() == "Paramètres…"
    assert french_plugin.about_action.text() == "À propos de S2GM…"
    assert french_plugin.settings_action.toolTip() == "Moteur, service et dossiers de S2GM"
    provider = QgsApplication.processingRegistry().providerById("s2gm")
    assert provider.longName() == "S2GM\u00a0: mosaïques Sentinel-2 et décalages entre bandes"
    algorithm = QgsApplication.processingRegistry().algorithmById("s2gm:productmetadata")
    assert algorithm.displayName() == "Lire les métadonnées d'un produit Sentinel-2"


def test_dialogs_are_french(french_plugin, tmp_path):
    dialog = SettingsDialog(Preferences(engine="service", service_url="ftp://nowhere"))
    assert dialog.windowTitle() == "Paramètres de S2GM"
    assert dialog.service_radio.text() == "Service de calcul, par HTTP"
    dialog.accept()
    assert dialog.problem_label.text() == (
        "Adresse du service\u00a0: 'ftp://nowhere' n'est pas une adresse http:// ou https:// "
        "avec un nom d'hôte"
    )
    about = AboutDialog()
    assert about.windowTitle() == "À propos de S2GM"
    assert "Logiciel libre sous licence publique générale GNU" in about.text_label.text()


def test_regional_locale_falls_back_to_the_language(qgis_iface, clean_settings):
    set_qgis_locale(clean_settings, "fr_CA")
    assert qgis_locale() == "fr_CA"
    assert translation_file("fr_CA").endswith("s2gm_qgis_fr.qm")
    plugin = S2gmPlugin(qgis_iface)
    plugin.initGui()
    try:
        assert plugin.settings_action.text() == "Paramètres…"
    finally:
        plugin.unload()


def test_other_locales_stay_english(qgis_iface, clean_settings):
    set_qgis_locale(clean_settings, "de_DE")
    assert install_translator() is None
    plugin = S2gmPlugin(qgis_iface)
    plugin.initGui()
    try:
        assert plugin.settings_action.text() == "Settings…"
    finally:
        plugin.unload()


def test_translator_is_removed_on_unload(qgis_iface, clean_settings):
    set_qgis_locale(clean_settings, "fr")
    plugin = S2gmPlugin(qgis_iface)
    plugin.initGui()
    assert QCoreApplication.translate("@default", "Settings…") == "Paramètres…"
    plugin.unload()
    assert QCoreApplication.translate("@default", "Settings…") == "Settings…"


@pytest.mark.skipif(shutil.which("pylupdate5") is None, reason="pylupdate5 not installed")
def test_french_catalogue_is_complete_and_up_to_date():
    """Every tr() string of gui/ and processing/ is in s2gm_qgis_fr.ts, translated."""
    result = subprocess.run(
        [sys.executable, str(TRANSLATIONS_SCRIPT), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("pylupdate5") is None, reason="pylupdate5 not installed")
def test_catalogue_check_reports_a_new_untranslated_string(tmp_path, monkeypatch, capsys):
    spec = importlib.util.spec_from_file_location("translations_script", TRANSLATIONS_SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    root = tmp_path / "repo"
    (root / "i18n").mkdir(parents=True)
    shutil.copy2(REPO_ROOT / "i18n" / "s2gm_qgis_fr.ts", root / "i18n")
    shutil.copytree(REPO_ROOT / "s2gm_qgis" / "gui", root / "s2gm_qgis" / "gui")
    (root / "s2gm_qgis" / "gui" / "new_feature.py").write_text(
        'from .i18n import tr\n\ndef label():\n    return tr("Detector under the cursor")\n'
    )
    monkeypatch.setattr(script, "ROOT", root)
    monkeypatch.setattr(script, "I18N", root / "i18n")
    monkeypatch.setattr(script, "SOURCE_DIRS", (root / "s2gm_qgis" / "gui",))
    assert script.check([]) == 1
    err = capsys.readouterr().err
    assert "'Detector under the cursor'" in err and "new_feature.py" in err
