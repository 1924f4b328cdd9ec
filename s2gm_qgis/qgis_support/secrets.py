"""The plugin's secrets in the QGIS authentication database (QgsAuthManager), never in
QgsSettings (a plain ini file): the engine service token and the Copernicus Data Space S3 keys.
The preferences keep only the ids of the authentication configurations (``auth_config_id``,
``s3_auth_config_id``).
"""
from __future__ import annotations

from typing import Optional

from qgis.core import QgsApplication, QgsAuthMethodConfig

from ..core.errors import S2GMError
from ..core.mosaic.sources.spec import CDSE
from .i18n import tr

#: QGIS authentication method used as the vault of the service token. QGIS 3.22 has no generic
#: "API header" method (it came in 3.26); "EsriToken" holds exactly one secret named ``token``
#: and its editor in the QGIS authentication settings shows a single "Token" field. The plugin
#: only reads the secret back and sends it as ``Authorization: Bearer``.
TOKEN_AUTH_METHOD = "EsriToken"
TOKEN_CONFIG_NAME = "S2GM engine service"
#: The CDSE S3 keys are a "Basic" configuration: user name = access key id, password = secret.
S3_KEYS_AUTH_METHOD = "Basic"
S3_KEYS_CONFIG_NAME = "S2GM Copernicus Data Space S3 keys"


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
