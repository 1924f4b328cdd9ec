"""The S2GM settings dialog: engine choice, engine service address and token, folders.

It edits a ``Preferences`` and saves it on OK, after checking it (``Preferences.problems``): a
problem is shown in the dialog, which stays open, and nothing is saved. The service token and the
CDSE S3 keys go to the QGIS authentication database, never to the settings file. The data source
itself is chosen in the mosaic dock.

Later settings: add the field to ``Preferences``, a widget in a group here, and read/write it in
``set_preferences`` / ``preferences``.
"""
from __future__ import annotations

import dataclasses
from typing import Optional

from qgis.gui import QgsFileWidget, QgsPasswordLineEdit
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import S2GMError
from ..qgis_support.i18n import tr
from ..qgis_support.preferences import Preferences
from ..qgis_support.secrets import (
    forget_auth_config, forget_service_token, store_s3_keys, store_service_token,
)
from .widgets import message_label


class SettingsDialog(QDialog):
    """Edit and save the plugin's preferences. ``saved_preferences`` is set once OK succeeded."""

    def __init__(self, preferences: Preferences, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("s2gm_qgis_settings_dialog")
        self.setWindowTitle(tr("S2GM settings"))
        self.setMinimumWidth(560)
        #: The preferences saved by the last successful OK, else None.
        self.saved_preferences: Optional[Preferences] = None
        self._initial = preferences
        self._forget_token = False
        self._forget_s3_keys = False
        self._build()
        self.set_preferences(preferences)

    # ------------------------------------------------------------------ widgets

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(self._build_engine_group())
        layout.addWidget(self._build_folders_group())
        layout.addWidget(self._build_remote_group())
        self.problem_label = message_label(self, "problem_label", error=True, hidden=True)
        layout.addWidget(self.problem_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults,
            self,
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            self.restore_defaults
        )
        self.button_box = buttons
        layout.addWidget(buttons)

    def _build_engine_group(self) -> QGroupBox:
        group = QGroupBox(tr("Mosaic engine"), self)
        form = QFormLayout(group)
        self.embedded_radio = QRadioButton(tr("Embedded in QGIS, on my local archive"), group)
        self.service_radio = QRadioButton(tr("Engine service, over HTTP"), group)
        self._engine_group = QButtonGroup(self)
        self._engine_group.addButton(self.embedded_radio)
        self._engine_group.addButton(self.service_radio)
        self.service_radio.toggled.connect(self._update_service_widgets)
        form.addRow(self.embedded_radio)
        form.addRow(self.service_radio)

        self.service_url_edit = QLineEdit(group)
        self.service_url_edit.setPlaceholderText("http://127.0.0.1:8765")
        form.addRow(tr("Service address:"), self.service_url_edit)

        self.token_edit = QgsPasswordLineEdit(group)
        self.token_edit.setToolTip(tr(
            "Sent to the engine service as 'Authorization: Bearer'; kept in the QGIS "
            "authentication database, not in the settings file"
        ))
        self.forget_token_button = QPushButton(tr("Forget"), group)
        self.forget_token_button.setToolTip(
            tr("Remove the stored token from the QGIS authentication database")
        )
        self.forget_token_button.clicked.connect(self._on_forget_token)
        token_row = QHBoxLayout()
        token_row.addWidget(self.token_edit, 1)
        token_row.addWidget(self.forget_token_button)
        form.addRow(tr("Service token:"), token_row)
        return group

    def _build_folders_group(self) -> QGroupBox:
        group = QGroupBox(tr("Folders"), self)
        form = QFormLayout(group)
        self.archive_list = QListWidget(group)
        self.archive_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.archive_list.setToolTip(
            tr("Folders holding Sentinel-2 L2A products (.SAFE folders or .zip files)")
        )
        self.archive_list.setMaximumHeight(110)
        add_button = QPushButton(tr("Add…"), group)
        add_button.clicked.connect(self._on_add_archive_folder)
        self.remove_archive_button = QPushButton(tr("Remove"), group)
        self.remove_archive_button.clicked.connect(self._on_remove_archive_folders)
        self.remove_archive_button.setEnabled(False)
        self.archive_list.itemSelectionChanged.connect(
            lambda: self.remove_archive_button.setEnabled(bool(self.archive_list.selectedItems()))
        )
        buttons = QVBoxLayout()
        buttons.addWidget(add_button)
        buttons.addWidget(self.remove_archive_button)
        buttons.addStretch(1)
        archive_row = QHBoxLayout()
        archive_row.addWidget(self.archive_list, 1)
        archive_row.addLayout(buttons)
        form.addRow(tr("Sentinel-2 archive:"), archive_row)

        self.cache_widget = self._folder_widget(group, tr("Cache folder"))
        form.addRow(tr("Cache folder:"), self.cache_widget)
        self.results_widget = self._folder_widget(group, tr("Results folder"))
        form.addRow(tr("Results folder:"), self.results_widget)
        return group

    def _build_remote_group(self) -> QGroupBox:
        group = QGroupBox(tr("Remote catalogues (STAC)"), self)
        form = QFormLayout(group)
        note = QLabel(tr(
            "Earth Search needs nothing. The Copernicus Data Space serves its images from S3: "
            "create S3 keys in your CDSE account (eodata S3 access) and enter them here; they "
            "are kept in the QGIS authentication database, not in the settings file."), group)
        note.setWordWrap(True)
        form.addRow(note)
        self.s3_key_edit = QLineEdit(group)
        self.s3_key_edit.setObjectName("s3_key_edit")
        self.s3_secret_edit = QgsPasswordLineEdit(group)
        self.s3_secret_edit.setObjectName("s3_secret_edit")
        self.forget_s3_button = QPushButton(tr("Forget"), group)
        self.forget_s3_button.setToolTip(
            tr("Remove the stored S3 keys from the QGIS authentication database"))
        self.forget_s3_button.clicked.connect(self._on_forget_s3_keys)
        form.addRow(tr("CDSE S3 access key:"), self.s3_key_edit)
        secret_row = QHBoxLayout()
        secret_row.addWidget(self.s3_secret_edit, 1)
        secret_row.addWidget(self.forget_s3_button)
        form.addRow(tr("CDSE S3 secret key:"), secret_row)
        self.tile_cache_spin = QSpinBox(group)
        self.tile_cache_spin.setObjectName("tile_cache_spin")
        self.tile_cache_spin.setRange(0, 1_000_000)
        self.tile_cache_spin.setSingleStep(512)
        self.tile_cache_spin.setSuffix(" MB")
        self.tile_cache_spin.setSpecialValueText(tr("off"))
        self.tile_cache_spin.setToolTip(tr(
            "Keep fetched image tiles in the cache folder, up to this size, so that a second "
            "order over the same area reads them from disk"))
        form.addRow(tr("Tile cache:"), self.tile_cache_spin)
        return group

    @staticmethod
    def _folder_widget(parent: QWidget, title: str) -> QgsFileWidget:
        widget = QgsFileWidget(parent)
        widget.setStorageMode(QgsFileWidget.StorageMode.GetDirectory)
        widget.setDialogTitle(title)
        return widget

    # ------------------------------------------------------------------ preferences <-> widgets

    def set_preferences(self, preferences: Preferences) -> None:
        """Show ``preferences`` in the widgets (the typed token is left as it is)."""
        self._initial = preferences
        self._forget_token = False
        self._forget_s3_keys = False
        (self.service_radio if preferences.engine == "service" else self.embedded_radio).setChecked(
            True
        )
        self.service_url_edit.setText(preferences.service_url)
        self.archive_list.clear()
        self.archive_list.addItems(list(preferences.archive_folders))
        self.cache_widget.setFilePath(preferences.cache_folder)
        self.results_widget.setFilePath(preferences.results_folder)
        self.tile_cache_spin.setValue(preferences.tile_cache_mb)
        self._update_s3_placeholder()
        self._update_token_placeholder()
        self._update_service_widgets()

    def preferences(self) -> Preferences:
        """The preferences the widgets show (the token itself is not part of them)."""
        folders = [self.archive_list.item(row).text() for row in range(self.archive_list.count())]
        return dataclasses.replace(
            self._initial,
            engine="service" if self.service_radio.isChecked() else "embedded",
            service_url=self.service_url_edit.text().strip(),
            archive_folders=tuple(folders),
            cache_folder=self.cache_widget.filePath().strip(),
            results_folder=self.results_widget.filePath().strip(),
            auth_config_id="" if self._forget_token else self._initial.auth_config_id,
            s3_auth_config_id="" if self._forget_s3_keys else self._initial.s3_auth_config_id,
            tile_cache_mb=int(self.tile_cache_spin.value()),
        )

    def restore_defaults(self) -> None:
        """Show the default preferences, keeping the stored token."""
        self.set_preferences(Preferences(auth_config_id=self._initial.auth_config_id,
                                         s3_auth_config_id=self._initial.s3_auth_config_id))

    # ------------------------------------------------------------------ OK

    def accept(self) -> None:
        """Check, store the token, save; on a problem show it and stay open."""
        preferences = self.preferences()
        problems = preferences.problems()
        if problems:
            self._show_problems(problems)
            return
        key, secret = self.s3_key_edit.text().strip(), self.s3_secret_edit.text().strip()
        if bool(key) != bool(secret):
            self._show_problems({"s3_auth_config_id": tr(
                "give both the access key and the secret key")})
            return
        try:
            preferences = self._store_token(preferences)
        except S2GMError as exc:
            self._show_problems({"auth_config_id": str(exc)})
            return
        try:
            preferences = self._store_s3_keys(preferences, key, secret)
        except S2GMError as exc:
            self._show_problems({"s3_auth_config_id": str(exc)})
            return
        preferences.save()
        self.saved_preferences = preferences
        self._initial = preferences
        super().accept()

    def _store_token(self, preferences: Preferences) -> Preferences:
        token = self.token_edit.text().strip()
        if token:
            config_id = store_service_token(
                token, preferences.auth_config_id, preferences.service_url
            )
            self.token_edit.clear()
            return dataclasses.replace(preferences, auth_config_id=config_id)
        if self._forget_token and self._initial.auth_config_id:
            forget_service_token(self._initial.auth_config_id)
        return preferences

    def _store_s3_keys(self, preferences: Preferences, key: str, secret: str) -> Preferences:
        if key and secret:
            config_id = store_s3_keys(key, secret, preferences.s3_auth_config_id)
            self.s3_key_edit.clear()
            self.s3_secret_edit.clear()
            return dataclasses.replace(preferences, s3_auth_config_id=config_id)
        if self._forget_s3_keys and self._initial.s3_auth_config_id:
            forget_auth_config(self._initial.s3_auth_config_id)
        return preferences

    def _show_problems(self, problems: dict[str, str]) -> None:
        labels = {
            "engine": tr("Mosaic engine"),
            "service_url": tr("Service address"),
            "auth_config_id": tr("Service token"),
            "archive_folders": tr("Sentinel-2 archive"),
            "cache_folder": tr("Cache folder"),
            "results_folder": tr("Results folder"),
            "s3_auth_config_id": tr("CDSE S3 keys"),
            "tile_cache_mb": tr("Tile cache"),
            "data_source": tr("Data source"),
            "stac_url": tr("STAC API address"),
            "stac_collection": tr("Collection"),
            "max_cloud_pct": tr("Maximum cloud cover"),
            "on_read_error": tr("Unreadable images"),
        }
        lines = [
            tr("{field}: {reason}").format(field=labels.get(name, name), reason=reason)
            for name, reason in problems.items()
        ]
        self.problem_label.setText("\n".join(lines))
        self.problem_label.show()

    # ------------------------------------------------------------------ slots

    def _update_service_widgets(self) -> None:
        enabled = self.service_radio.isChecked()
        for widget in (self.service_url_edit, self.token_edit):
            widget.setEnabled(enabled)
        self.forget_token_button.setEnabled(
            enabled and bool(self._initial.auth_config_id) and not self._forget_token
        )

    def _update_s3_placeholder(self) -> None:
        stored = bool(self._initial.s3_auth_config_id) and not self._forget_s3_keys
        self.s3_key_edit.setPlaceholderText(
            tr("stored; type new keys to replace them") if stored else tr("none"))
        self.s3_secret_edit.setPlaceholderText(tr("stored") if stored else tr("none"))
        self.forget_s3_button.setEnabled(stored)

    def _on_forget_s3_keys(self) -> None:
        self._forget_s3_keys = True
        self.s3_key_edit.clear()
        self.s3_secret_edit.clear()
        self._update_s3_placeholder()

    def _update_token_placeholder(self) -> None:
        if self._initial.auth_config_id and not self._forget_token:
            self.token_edit.setPlaceholderText(tr("stored; type a new one to replace it"))
        else:
            self.token_edit.setPlaceholderText(tr("none"))

    def _on_forget_token(self) -> None:
        self._forget_token = True
        self.token_edit.clear()
        self._update_token_placeholder()
        self._update_service_widgets()

    def _on_add_archive_folder(self) -> None:
        start = self.archive_list.currentItem().text() if self.archive_list.currentItem() else ""
        folder = QFileDialog.getExistingDirectory(self, tr("Add a Sentinel-2 archive folder"), start)
        if folder:
            self.add_archive_folder(folder)

    def add_archive_folder(self, folder: str) -> None:
        """Append ``folder`` to the archive list unless it is already there."""
        existing = {self.archive_list.item(row).text() for row in range(self.archive_list.count())}
        if folder not in existing:
            self.archive_list.addItem(folder)

    def _on_remove_archive_folders(self) -> None:
        for item in self.archive_list.selectedItems():
            self.archive_list.takeItem(self.archive_list.row(item))
