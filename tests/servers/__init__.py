"""Real servers on 127.0.0.1 for tests: a STAC API (stac-fastapi-pgstac on pgstac/PostgreSQL),
nginx for assets read with HTTP Range requests (GDAL /vsicurl/), and a fault-injecting proxy.
Fixtures: tests/servers/fixtures.py. Nothing is started on import."""
from .assets import AssetRequest, AssetServer, AssetStats
from .faults import FaultProxy, ProxyRecord
from .stac_api import StacApi, post_json, search_all

__all__ = ["AssetRequest", "AssetServer", "AssetStats", "FaultProxy", "ProxyRecord", "StacApi",
           "post_json", "search_all"]
