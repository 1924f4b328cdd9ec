"""What remote reads need from QGIS, handed to the core before an order or a query reads a STAC
catalogue: the proxy QGIS uses, the CDSE S3 keys from the QGIS authentication database, the tile
cache under the cache folder. Keys go from the authentication database to the core's in-memory
store (``network.set_s3_credentials``), never to settings, orders or logs."""
from __future__ import annotations

from pathlib import Path
from typing import Optional
from urllib.parse import quote

from qgis.core import QgsNetworkAccessManager
from qgis.PyQt.QtCore import QUrl

from ..core.errors import S2GMError
from ..core.mosaic.sources import network
from ..core.mosaic.sources.spec import SourceSpec
from ..core.mosaic.sources.tile_cache import set_default_tile_cache
from .i18n import tr
from .preferences import Preferences
from .secrets import s3_keys

#: Sub-folder of the cache folder holding fetched remote tiles.
TILE_CACHE_FOLDER = "tiles"


def qgis_proxies(url: str) -> dict[str, str]:
    """The proxy QGIS itself would use for ``url``, as a ``requests`` proxies mapping: ``{}``
    for a direct connection.

    Asks the QGIS network access manager's proxy factory, so that everything of Settings >
    Options > Network counts: the proxy type (HTTP, HTTP caching, system default), host, port
    and credentials (from the settings or an authentication configuration), and the URLs that
    bypass the proxy. Raises S2GMError for a SOCKS5 proxy, which ``requests`` cannot use
    without an extra package QGIS does not ship.
    """
    from qgis.PyQt.QtNetwork import QNetworkProxy, QNetworkProxyFactory, QNetworkProxyQuery

    # What QGIS matches its bypass lists against: the URL of a request to the service.
    query = QNetworkProxyQuery(QUrl(url.rstrip("/") + "/"))
    factory = QgsNetworkAccessManager.instance().proxyFactory()
    found = factory.queryProxy(query) if factory is not None else []
    proxy = found[0] if found else QNetworkProxy(QNetworkProxy.ProxyType.DefaultProxy)
    if proxy.type() == QNetworkProxy.ProxyType.DefaultProxy:  # Qt's application-wide choice
        found = QNetworkProxyFactory.proxyForQuery(query)
        proxy = found[0] if found else QNetworkProxy(QNetworkProxy.ProxyType.NoProxy)
    kind = proxy.type()
    if kind == QNetworkProxy.ProxyType.Socks5Proxy:
        raise S2GMError(tr("QGIS reaches {url} through a SOCKS5 proxy, which the plugin cannot "
                           "use: set an HTTP proxy, or exclude this address from the proxy, in "
                           "the QGIS network settings").format(url=url))
    if kind not in (QNetworkProxy.ProxyType.HttpProxy,
                    QNetworkProxy.ProxyType.HttpCachingProxy) or not proxy.hostName():
        return {}
    credentials = ""
    if proxy.user():
        credentials = f"{quote(proxy.user(), safe='')}:{quote(proxy.password(), safe='')}@"
    port = f":{proxy.port()}" if proxy.port() > 0 else ""
    proxy_url = f"http://{credentials}{proxy.hostName()}{port}"
    return {"http": proxy_url, "https": proxy_url}


def prepare_remote_reads(preferences: Preferences, spec: Optional[SourceSpec]) -> list[str]:
    """Hand the core what remote reads need, on the GUI thread (the authentication database may
    ask for the master password): the proxy QGIS uses for the API, the CDSE S3 keys, and the
    tile cache. Returns the warnings to show (e.g. CDSE without keys)."""
    warnings: list[str] = []
    if spec is None:
        return warnings
    try:
        network.set_proxies(qgis_proxies(spec.url))
    except S2GMError as exc:
        warnings.append(str(exc))
    if spec.needs_s3_keys:
        keys = s3_keys(preferences.s3_auth_config_id)
        if keys is not None:
            network.set_s3_credentials(spec.known.s3_endpoint, *keys)
        else:
            network.clear_s3_credentials(spec.known.s3_endpoint)
            warnings.append(tr("No Copernicus Data Space S3 keys are stored: add them in the "
                               "S2GM settings to read the images"))
    if preferences.tile_cache_mb > 0:
        set_default_tile_cache(Path(preferences.cache_folder) / TILE_CACHE_FOLDER,
                               preferences.tile_cache_mb * 2**20)
    else:
        set_default_tile_cache(None)
    return warnings
