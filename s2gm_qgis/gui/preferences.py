"""The plugin's preferences: one frozen dataclass over QgsSettings (keys under ``s2gm_qgis/``).

    prefs = Preferences.load()                      # defaults where nothing is stored
    prefs = dataclasses.replace(prefs, engine="service")
    problems = prefs.problems()                     # {} when valid, else field -> reason
    prefs.save()

Adding a preference (later issues): add a typed field with its default to ``Preferences``; the
key is ``s2gm_qgis/<field name>``; ``load``/``save`` handle ``str``, ``bool``, ``int``, ``float``
and ``tuple[str, ...]`` fields without further code. Check its values in ``problems()``.

Secrets never go to QgsSettings (a plain ini file): the engine service token lives in the QGIS
authentication database (QgsAuthManager), and the preferences keep only the id of that
authentication configuration (``auth_config_id``); see ``store_service_token``.
"""
from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional
from urllib.parse import urlparse

from qgis.core import QgsApplication, QgsAuthMethodConfig, QgsSettings

from ..core.errors import S2GMError, ValidationError
from ..core.mosaic.sources.spec import CDSE, CUSTOM, EARTH_SEARCH, ON_READ_ERROR, SourceSpec
from .i18n import tr

#: QgsSettings group of every key of the plugin.
PREFIX = "s2gm_qgis/"
#: Where orders are computed: inside QGIS, or by an engine service over HTTP.
ENGINES = ("embedded", "service")
#: Default address of a local engine service (``python3 -m s2gm_qgis serve``).
DEFAULT_SERVICE_URL = "http://127.0.0.1:8765"

#: QGIS authentication method used as the vault of the service token. QGIS 3.22 has no generic
#: "API header" method (it came in 3.26); "EsriToken" holds exactly one secret named ``token``
#: and its editor in the QGIS authentication settings shows a single "Token" field. The plugin
#: only reads the secret back and sends it as ``Authorization: Bearer``.
TOKEN_AUTH_METHOD = "EsriToken"
TOKEN_CONFIG_NAME = "S2GM engine service"
#: Where the observations of an order come from: the archive folders, or a STAC API.
LOCAL = "local"
DATA_SOURCES = (LOCAL, EARTH_SEARCH.name, CDSE.name, CUSTOM)
#: The CDSE S3 keys are a "Basic" configuration: user name = access key id, password = secret.
S3_KEYS_AUTH_METHOD = "Basic"
S3_KEYS_CONFIG_NAME = "S2GM Copernicus Data Space S3 keys"


def default_cache_folder() -> str:
    """``<QGIS profile>/s2gm_qgis/cache``: per-profile, out of the user's documents."""
    return str(Path(QgsApplication.qgisSettingsDirPath()) / "s2gm_qgis" / "cache")


def default_results_folder() -> str:
    """``~/S2GM``: mosaics are user documents, easy to find and to back up."""
    return str(Path.home() / "S2GM")


@dataclass(frozen=True)
class Preferences:
    """What the user chose in the settings dialog. Immutable: change with dataclasses.replace."""

    #: "embedded" (orders run in QGIS tasks) or "service" (sent to ``service_url``).
    engine: str = "embedded"
    service_url: str = DEFAULT_SERVICE_URL
    #: Id of the QgsAuthManager configuration holding the service token; "" for no token.
    auth_config_id: str = ""
    #: Folders holding Sentinel-2 L2A products (SAFE folders or zips) the embedded engine indexes.
    archive_folders: tuple[str, ...] = ()
    #: Where the engine keeps its product index and intermediate files.
    cache_folder: str = field(default_factory=default_cache_folder)
    #: Where finished mosaics are written.
    results_folder: str = field(default_factory=default_results_folder)
    #: Where observations come from: one of DATA_SOURCES.
    data_source: str = LOCAL
    #: API address of a custom STAC source (the known providers have their own).
    stac_url: str = ""
    #: STAC collection; "" for the provider's default.
    stac_collection: str = ""
    #: Scenes above this cloud cover (%, the item's eo:cloud_cover) are not searched; 100: all.
    max_cloud_pct: int = 100
    #: What a remote read that fails after retries does: "fail" the order or "skip" the
    #: observation (recorded in the metadata JSON).
    on_read_error: str = "fail"
    #: Id of the QgsAuthManager configuration holding the CDSE S3 keys; "" for none.
    s3_auth_config_id: str = ""
    #: Size bound of the disk cache of fetched remote tiles (MB, under the cache folder); 0: off.
    tile_cache_mb: int = 0

    def source_spec(self) -> Optional[SourceSpec]:
        """The STAC source of orders, None for the local archive; ValidationError if unusable."""
        if self.data_source == LOCAL:
            return None
        return SourceSpec(self.data_source,
                          self.stac_url if self.data_source == CUSTOM else "",
                          self.stac_collection,
                          None if self.max_cloud_pct >= 100 else float(self.max_cloud_pct))

    @classmethod
    def load(cls, settings: Optional[QgsSettings] = None) -> "Preferences":
        """Read every field from QgsSettings, the default where a key is absent or unreadable."""
        settings = settings if settings is not None else QgsSettings()
        defaults = cls()
        hints = typing.get_type_hints(cls)
        values = {}
        for item in dataclasses.fields(cls):
            key = PREFIX + item.name
            if settings.contains(key):
                values[item.name] = _coerce(
                    settings.value(key), hints[item.name], getattr(defaults, item.name)
                )
        return dataclasses.replace(defaults, **values)

    def save(self, settings: Optional[QgsSettings] = None) -> None:
        """Write the fields that differ from their defaults; remove the others' keys.

        Keys at their default are not stored, so that a better default in a later version reaches
        users who never changed that preference.
        """
        settings = settings if settings is not None else QgsSettings()
        defaults = type(self)()
        for item in dataclasses.fields(self):
            key = PREFIX + item.name
            value = getattr(self, item.name)
            if value == getattr(defaults, item.name):
                settings.remove(key)
            else:
                settings.setValue(key, list(value) if isinstance(value, tuple) else value)
        settings.sync()

    def problems(self) -> dict[str, str]:
        """Field name -> what is wrong with its value; empty when the preferences are usable."""
        found = {}
        if self.engine not in ENGINES:
            found["engine"] = tr("{value} is not one of {choices}").format(
                value=repr(self.engine), choices=", ".join(ENGINES)
            )
        url = urlparse(self.service_url.strip())
        if self.engine == "service" and (url.scheme not in ("http", "https") or not url.netloc):
            found["service_url"] = tr(
                "{value} is not an http:// or https:// address with a host name"
            ).format(value=repr(self.service_url))
        for name in ("cache_folder", "results_folder"):
            path = getattr(self, name).strip()
            if not path:
                found[name] = tr("a folder is required")
            elif Path(path).exists() and not Path(path).is_dir():
                found[name] = tr("{path} exists and is not a folder").format(path=path)
        if self.data_source not in DATA_SOURCES:
            found["data_source"] = tr("{value} is not one of {choices}").format(
                value=repr(self.data_source), choices=", ".join(DATA_SOURCES))
        else:
            try:
                self.source_spec()
            except ValidationError as exc:
                field_of = {"source.url": "stac_url", "source.collection": "stac_collection",
                            "source.max_cloud_pct": "max_cloud_pct"}
                for key, reason in exc.errors.items():
                    found[field_of.get(key, "data_source")] = reason
        if self.on_read_error not in ON_READ_ERROR:
            found["on_read_error"] = tr("{value} is not one of {choices}").format(
                value=repr(self.on_read_error), choices=", ".join(ON_READ_ERROR))
        if not 0 <= self.max_cloud_pct <= 100:
            found["max_cloud_pct"] = tr("{value} is not between 0 and 100").format(
                value=self.max_cloud_pct)
        if self.tile_cache_mb < 0:
            found["tile_cache_mb"] = tr("{value} is negative").format(value=self.tile_cache_mb)
        missing = [folder for folder in self.archive_folders if not Path(folder).is_dir()]
        if missing:
            found["archive_folders"] = tr("not a folder: {paths}").format(paths=", ".join(missing))
        return found


def _coerce(raw, hint, default):
    """A stored QgsSettings value as the field's type (the ini format stores text)."""
    try:
        if hint is bool:
            return raw if isinstance(raw, bool) else str(raw).strip().lower() in ("true", "1", "yes")
        if hint in (int, float):
            return hint(raw)
        if typing.get_origin(hint) is tuple:
            # One-element lists come back from the ini file as a plain string, none as None.
            items = [] if raw is None else [raw] if isinstance(raw, str) else list(raw)
            return tuple(str(item) for item in items if str(item))
        return "" if raw is None else str(raw)
    except (TypeError, ValueError):
        return default


def _store_config(method: str, name: str, uri: str, values: dict, auth_config_id: str,
                  what: str) -> str:
    """Store ``values`` in a QgsAuthManager configuration (updating ``auth_config_id`` when it
    exists); return its id. ``what`` names the secret in the errors."""
    manager = QgsApplication.authManager()
    if manager.isDisabled():
        raise S2GMError(tr(
            "the QGIS authentication system is disabled (see the QGIS log): {what} cannot be "
            "stored safely").format(what=what))
    config = QgsAuthMethodConfig(method)
    config.setName(name)
    config.setUri(uri)
    for key, value in values.items():
        config.setConfig(key, value)
    if auth_config_id and auth_config_id in manager.configIds():
        config.setId(auth_config_id)
        stored = manager.updateAuthenticationConfig(config)
    else:
        stored = manager.storeAuthenticationConfig(config)
    ok, config = stored if isinstance(stored, tuple) else (stored, config)
    if not ok or not config.id():
        raise S2GMError(tr(
            "QGIS refused to store {what} (is the master password of the QGIS authentication "
            "database set?)").format(what=what))
    return config.id()


def store_service_token(token: str, auth_config_id: str = "", service_url: str = "") -> str:
    """Store ``token`` in the QGIS authentication database; return its configuration id.

    Updates the configuration ``auth_config_id`` when it exists, else creates one. QGIS asks the
    user for the master password if it is not set yet in this session. Raises S2GMError if the
    authentication system is disabled or refuses to store the configuration.
    """
    return _store_config(TOKEN_AUTH_METHOD, TOKEN_CONFIG_NAME, service_url, {"token": token},
                         auth_config_id, tr("the service token"))


def service_token(auth_config_id: str) -> Optional[str]:
    """The token stored under ``auth_config_id``, or None when there is none.

    Reads the ``token`` of an "EsriToken" configuration (the one ``store_service_token`` makes)
    or the password of a "Basic" one, so that users may also pick a configuration they made in
    the QGIS authentication settings.
    """
    config = _load_config(auth_config_id)
    if config is None:
        return None
    secret = config.config("password" if config.method() == "Basic" else "token")
    return secret or None


def forget_service_token(auth_config_id: str) -> None:
    """Remove the configuration holding the service token (nothing if it does not exist)."""
    forget_auth_config(auth_config_id)


def _load_config(auth_config_id: str):
    """The decrypted QgsAuthMethodConfig ``auth_config_id``, or None."""
    if not auth_config_id:
        return None
    manager = QgsApplication.authManager()
    if manager.isDisabled() or auth_config_id not in manager.configIds():
        return None
    config = QgsAuthMethodConfig()
    loaded = manager.loadAuthenticationConfig(auth_config_id, config, True)
    ok, config = loaded if isinstance(loaded, tuple) else (loaded, config)
    return config if ok else None


def store_s3_keys(access_key_id: str, secret_access_key: str, auth_config_id: str = "") -> str:
    """Store the CDSE S3 keys in the QGIS authentication database; return the configuration id.

    A "Basic" configuration (user name = access key id, password = secret), so that the keys can
    also be entered or changed in the QGIS authentication settings. Raises S2GMError when the
    authentication system is disabled or refuses the configuration.
    """
    return _store_config(S3_KEYS_AUTH_METHOD, S3_KEYS_CONFIG_NAME, f"https://{CDSE.s3_endpoint}",
                         {"username": access_key_id, "password": secret_access_key},
                         auth_config_id, tr("the S3 keys"))


def s3_keys(auth_config_id: str) -> Optional[tuple[str, str]]:
    """(access key id, secret) stored under ``auth_config_id``, or None."""
    config = _load_config(auth_config_id)
    if config is None:
        return None
    key, secret = config.config("username"), config.config("password")
    return (key, secret) if key and secret else None


def forget_auth_config(auth_config_id: str) -> None:
    """Remove an authentication configuration of the plugin (nothing if it does not exist)."""
    manager = QgsApplication.authManager()
    if auth_config_id and not manager.isDisabled() and auth_config_id in manager.configIds():
        manager.removeAuthenticationConfig(auth_config_id)
