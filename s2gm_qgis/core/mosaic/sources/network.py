"""How remote sources reach the network: GDAL's HTTP settings for COGs, proxies, S3 keys.

* GDAL reads assets through ``/vsicurl/`` (HTTP) or ``/vsis3/`` (CDSE's ``s3://eodata``) with
  the settings GDAL documents for cloud-optimised files: no directory listing on open, merged
  consecutive ranges, HTTP retries on 429/5xx, bounded timeouts and a bounded per-file cache.
  They are set **per thread** (``gdal.SetThreadLocalConfigOption``) in the engine's own threads
  only, so the QGIS process around the engine keeps its own GDAL configuration.
* Proxies: inside QGIS the plugin passes the proxy QGIS uses (Settings > Options > Network);
  from the command line and the service the usual ``HTTP(S)_PROXY`` environment applies.
* CDSE S3 keys: the plugin reads them from the QGIS authentication database and hands them to
  :func:`set_s3_credentials` (kept in this process's memory only, never written to settings,
  orders or logs); the command line and the service take ``AWS_ACCESS_KEY_ID`` /
  ``AWS_SECRET_ACCESS_KEY`` (and ``AWS_S3_ENDPOINT``) from the environment, as GDAL does.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Mapping, Optional

from .... import __version__

#: GDAL configuration for remote COG / JPEG 2000 reads (GDAL's "cloud optimized" advice).
HTTP_OPTIONS: dict[str, str] = {
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".tif,.TIF,.tiff,.TIFF,.jp2,.JP2,.xml,.XML",
    "GDAL_HTTP_MERGE_CONSECUTIVE_RANGES": "YES",
    "GDAL_HTTP_MULTIPLEX": "YES",
    "GDAL_HTTP_MAX_RETRY": "3",
    "GDAL_HTTP_RETRY_DELAY": "0.5",
    "GDAL_HTTP_CONNECTTIMEOUT": "15",
    "GDAL_HTTP_TIMEOUT": "60",
    "GDAL_HTTP_USERAGENT": f"s2gm_qgis/{__version__}",
    "VSI_CACHE": "TRUE",
    "VSI_CACHE_SIZE": str(16 * 2**20),  # bytes per open file
    "GDAL_INGESTED_BYTES_AT_OPEN": "32768",  # COG headers of S2 bands fit in the first 32 KB
}


@dataclass(frozen=True)
class S3Credentials:
    access_key_id: str
    secret_access_key: str
    endpoint: str

    def __repr__(self) -> str:  # never print the secret
        return f"S3Credentials(endpoint={self.endpoint!r}, access_key_id=***)"


_lock = threading.Lock()
_s3: dict[str, S3Credentials] = {}
_proxy: dict[str, str] = {}


def set_s3_credentials(endpoint: str, access_key_id: str, secret_access_key: str) -> None:
    """Keys for an S3 endpoint (e.g. CDSE's ``eodata.dataspace.copernicus.eu``), in memory."""
    with _lock:
        _s3[endpoint] = S3Credentials(access_key_id, secret_access_key, endpoint)


def clear_s3_credentials(endpoint: Optional[str] = None) -> None:
    with _lock:
        if endpoint is None:
            _s3.clear()
        else:
            _s3.pop(endpoint, None)


def s3_credentials(endpoint: str) -> Optional[S3Credentials]:
    """Keys set by :func:`set_s3_credentials`, else those of the environment, else None."""
    with _lock:
        found = _s3.get(endpoint)
    if found is not None:
        return found
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if key and secret:
        return S3Credentials(key, secret, os.environ.get("AWS_S3_ENDPOINT") or endpoint)
    return None


def set_proxies(proxies: Optional[Mapping[str, str]]) -> None:
    """The proxy to use (a ``requests`` proxies mapping, ``{}`` for a direct connection; None:
    the environment's), e.g. the one QGIS uses."""
    with _lock:
        _proxy.clear()
        if proxies is not None:
            _proxy.update(proxies)
            _proxy.setdefault("__set__", "1")


def proxies() -> Optional[dict[str, str]]:
    """The proxies mapping for ``requests`` (None: let requests use the environment's)."""
    with _lock:
        if "__set__" not in _proxy:
            return None
        return {k: v for k, v in _proxy.items() if k != "__set__"}


def gdal_options(s3_endpoint: Optional[str] = None) -> dict[str, str]:
    """The GDAL configuration of remote reads: :data:`HTTP_OPTIONS`, the proxy, S3 keys."""
    options = dict(HTTP_OPTIONS)
    chosen = proxies()
    if chosen is not None:
        proxy = chosen.get("https") or chosen.get("http")
        if proxy:
            options["GDAL_HTTP_PROXY"] = proxy
    if s3_endpoint:
        # AWS_S3_ENDPOINT / AWS_HTTPS of the environment win (a mirror, a test server).
        endpoint = os.environ.get("AWS_S3_ENDPOINT") or s3_endpoint
        keys = s3_credentials(endpoint)
        options.update({"AWS_S3_ENDPOINT": endpoint, "AWS_VIRTUAL_HOSTING": "FALSE",
                        "AWS_HTTPS": os.environ.get("AWS_HTTPS") or "YES"})
        if keys is not None:
            options["AWS_ACCESS_KEY_ID"] = keys.access_key_id
            options["AWS_SECRET_ACCESS_KEY"] = keys.secret_access_key
    return options


