"""Preferences over QgsSettings, the settings dialog, and the service token in the QGIS
authentication database (issue: foundation, settings)."""
from __future__ import annotations

import dataclasses

import pytest
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication

from s2gm_qgis.qgis_support.preferences import (
    DEFAULT_SERVICE_URL,
    Preferences,
    default_cache_folder,
    default_results_folder,
)
from s2gm_qgis.gui.settings_dialog import SettingsDialog

from .conftest import run_in_fresh_qgis


def test_defaults_when_nothing_is_stored(clean_settings):
    prefs = Preferences.load()
    assert prefs == Preferences()
    assert prefs.engine == "embedded" and prefs.service_url == DEFAULT_SERVICE_URL
    assert prefs.auth_config_id == "" and prefs.archive_folders == ()
    assert prefs.cache_folder == default_cache_folder()
    assert prefs.results_folder == default_results_folder()


def test_save_load_round_trip_with_typed_values(clean_settings, tmp_path):
    prefs = Preferences(
        engine="service", service_url="https://engine.example.org:8443", auth_config_id="ab12cd3",
        archive_folders=(str(tmp_path / "a"), str(tmp_path / "b")),
        cache_folder=str(tmp_path / "cache"), results_folder=str(tmp_path / "out"),
    )
    prefs.save()
    assert clean_settings.value("s2gm_qgis/engine") == "service"
    assert Preferences.load() == prefs


def test_a_single_archive_folder_survives_the_ini_format(clean_settings, tmp_path):
    """QSettings' ini files give a one-element list back as a plain string."""
    Preferences(archive_folders=(str(tmp_path),)).save()
    assert Preferences.load().archive_folders == (str(tmp_path),)


def test_values_at_their_default_are_not_stored(clean_settings):
    Preferences(engine="service").save()
    keys = [k for k in clean_settings.allKeys() if k.startswith("s2gm_qgis/")]
    assert keys == ["s2gm_qgis/engine"]
    Preferences().save()
    assert not [k for k in clean_settings.allKeys() if k.startswith("s2gm_qgis/")]


def test_problems_name_the_field_and_the_reason(tmp_path):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    prefs = Preferences(
        engine="cloud", service_url="127.0.0.1:8765", archive_folders=(str(tmp_path / "gone"),),
        cache_folder=str(a_file), results_folder=" ",
    )
    problems = prefs.problems()
    assert set(problems) == {"engine", "archive_folders", "cache_folder", "results_folder"}
    assert "'cloud' is not one of embedded, service" == problems["engine"]
    assert str(tmp_path / "gone") in problems["archive_folders"]
    assert "is not a folder" in problems["cache_folder"]
    service = dataclasses.replace(prefs, engine="service").problems()
    assert "not an http:// or https:// address" in service["service_url"]
    assert Preferences(cache_folder=str(tmp_path), results_folder=str(tmp_path)).problems() == {}


def test_settings_dialog_shows_edits_and_saves(clean_settings, tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    dialog = SettingsDialog(Preferences.load())
    assert dialog.embedded_radio.isChecked() and not dialog.service_url_edit.isEnabled()
    dialog.service_radio.setChecked(True)
    assert dialog.service_url_edit.isEnabled() and dialog.token_edit.isEnabled()
    dialog.service_url_edit.setText("  http://10.0.0.5:8765  ")
    dialog.add_archive_folder(str(archive))
    dialog.add_archive_folder(str(archive))  # no duplicates
    dialog.cache_widget.setFilePath(str(tmp_path / "cache"))
    dialog.results_widget.setFilePath(str(tmp_path / "results"))
    dialog.accept()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    expected = Preferences(engine="service", service_url="http://10.0.0.5:8765",
                           archive_folders=(str(archive),), cache_folder=str(tmp_path / "cache"),
                           results_folder=str(tmp_path / "results"))
    assert dialog.saved_preferences == expected
    assert Preferences.load() == expected


def test_settings_dialog_keeps_bad_input_and_saves_nothing(clean_settings, tmp_path):
    dialog = SettingsDialog(Preferences.load())
    dialog.service_radio.setChecked(True)
    dialog.service_url_edit.setText("engine.example.org")
    dialog.add_archive_folder(str(tmp_path / "missing"))
    dialog.accept()
    assert dialog.result() != SettingsDialog.DialogCode.Accepted
    assert dialog.saved_preferences is None
    text = dialog.problem_label.text()
    assert "Service address: 'engine.example.org'" in text
    assert f"Sentinel-2 archive: not a folder: {tmp_path / 'missing'}" in text
    assert dialog.service_url_edit.text() == "engine.example.org"  # the user's input stays
    assert not [k for k in clean_settings.allKeys() if k.startswith("s2gm_qgis/")]


def test_restore_defaults_keeps_the_token_reference(clean_settings, tmp_path):
    dialog = SettingsDialog(Preferences(engine="service", auth_config_id="ab12cd3",
                                        archive_folders=(str(tmp_path),)))
    dialog.restore_defaults()
    assert dialog.preferences() == Preferences(auth_config_id="ab12cd3")


def test_settings_action_opens_the_dialog_and_announces_saved_preferences(
    started_plugin, tmp_path
):
    received = []
    started_plugin.preferences_changed.connect(received.append)
    seen = {}

    def answer():
        dialog = QApplication.activeModalWidget()
        seen["title"] = dialog.windowTitle()
        dialog.cache_widget.setFilePath(str(tmp_path / "cache"))
        dialog.results_widget.setFilePath(str(tmp_path / "results"))
        dialog.accept()

    QTimer.singleShot(0, answer)
    started_plugin.settings_action.trigger()  # modal: returns once answer() accepted it
    assert seen["title"] == "S2GM settings"
    assert len(received) == 1 and received[0].cache_folder == str(tmp_path / "cache")
    assert Preferences.load() == received[0]


def test_about_action_opens_the_about_dialog(started_plugin):
    seen = {}

    def answer():
        dialog = QApplication.activeModalWidget()
        seen["title"] = dialog.windowTitle()
        seen["text"] = dialog.text_label.text()
        dialog.reject()

    QTimer.singleShot(0, answer)
    started_plugin.about_action.trigger()
    assert seen["title"] == "About S2GM"
    assert "Version 0.1.0" in seen["text"] and "GNU General Public License" in seen["text"]
    assert 'href="https://github.com/s2gm-qgis/s2gm_qgis/issues"' in seen["text"]


@pytest.mark.slow
def test_service_token_lives_in_the_qgis_authentication_database(tmp_path):
    """Typed in the dialog, stored through QgsAuthManager, only its id in the settings; then
    forgotten. Runs in its own QGIS so that the session's authentication database is untouched."""
    result = run_in_fresh_qgis(
        """
        from qgis.core import QgsSettings
        from s2gm_qgis.qgis_support.preferences import Preferences
        from s2gm_qgis.qgis_support.secrets import service_token
        from s2gm_qgis.gui.settings_dialog import SettingsDialog
        assert QgsApplication.authManager().setMasterPassword("master-pw", True)

        dialog = SettingsDialog(Preferences.load())
        dialog.service_radio.setChecked(True)
        dialog.token_edit.setText("s3cret-token")
        dialog.accept()
        prefs = Preferences.load()
        assert prefs.auth_config_id, "no auth config id saved"
        assert service_token(prefs.auth_config_id) == "s3cret-token"
        settings_file = open(QgsSettings().fileName()).read()
        assert "s3cret-token" not in settings_file and prefs.auth_config_id in settings_file

        # Typing a new token updates the same configuration.
        dialog = SettingsDialog(prefs)
        dialog.token_edit.setText("second-token")
        dialog.accept()
        assert Preferences.load().auth_config_id == prefs.auth_config_id
        assert service_token(prefs.auth_config_id) == "second-token"

        # Forget removes it from the authentication database and the settings.
        dialog = SettingsDialog(Preferences.load())
        assert dialog.forget_token_button.isEnabled()
        dialog.forget_token_button.click()
        dialog.accept()
        assert Preferences.load().auth_config_id == ""
        assert prefs.auth_config_id not in QgsApplication.authManager().configIds()
        print("token ok")
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "token ok" in result.stdout


@pytest.mark.slow
def test_a_token_that_cannot_be_stored_is_reported_in_the_dialog(tmp_path):
    """No master password can be asked headless: the dialog says why and saves nothing."""
    result = run_in_fresh_qgis(
        """
        from s2gm_qgis.qgis_support.preferences import Preferences
        from s2gm_qgis.gui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(Preferences.load())
        dialog.service_radio.setChecked(True)
        dialog.token_edit.setText("s3cret-token")
        dialog.accept()
        assert dialog.saved_preferences is None
        assert "Service token:" in dialog.problem_label.text(), dialog.problem_label.text()
        assert Preferences.load().auth_config_id == ""
        print(dialog.problem_label.text())
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "master password" in result.stdout
