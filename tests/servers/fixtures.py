"""pytest fixtures for the test servers. Register them in a conftest.py with

    from tests.servers.fixtures import *  # noqa: F401,F403  (works in any conftest or test module)

or, in the top-level tests/conftest.py only (pytest refuses pytest_plugins in a conftest that
is not loaded at start-up):

    pytest_plugins = ["tests.servers.fixtures"]

Fixtures:
    stac_api (session)            StacApi: stac-fastapi-pgstac + PostgreSQL, started once (~3 s)
    stac_api_empty (function)     the same server, emptied (no collections, no page cap) first
    stac_collection_id (function) a collection id unique to the test; the collection is deleted after
    asset_dir (function)          tmp_path / "assets", created
    asset_server (function)       AssetServer (nginx) serving asset_dir (~0.1 s)
    asset_server_factory (function) callable(folder) -> AssetServer; all stopped after the test
    fault_proxy_factory (function)  callable(upstream_url) -> FaultProxy; all stopped after the test
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pytest

from .assets import AssetServer
from .faults import FaultProxy
from .stac_api import StacApi

__all__ = ["stac_api", "stac_api_empty", "stac_collection_id", "asset_dir", "asset_server",
           "asset_server_factory", "fault_proxy_factory"]


@pytest.fixture(scope="session")
def stac_api():
    """One STAC API for the session. Tests sharing it isolate themselves by collection id
    (stac_collection_id) or start from stac_api_empty. Tests that change max_page_size should
    use stac_api_empty (which resets it) or set it back."""
    api = StacApi()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture
def stac_api_empty(stac_api: StacApi) -> StacApi:
    stac_api.clear()
    yield stac_api
    stac_api.max_page_size = None


@pytest.fixture
def stac_collection_id(request, stac_api: StacApi) -> str:
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40]
    collection_id = f"t-{name}-{id(request.node) & 0xFFFFFF:06x}"
    stac_api.delete_collection(collection_id)
    yield collection_id
    stac_api.delete_collection(collection_id)


@pytest.fixture
def asset_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "assets"
    folder.mkdir()
    return folder


@pytest.fixture
def asset_server_factory() -> Callable[[Path], AssetServer]:
    servers: list[AssetServer] = []

    def start(folder) -> AssetServer:
        server = AssetServer(folder)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def asset_server(asset_dir: Path, asset_server_factory) -> AssetServer:
    return asset_server_factory(asset_dir)


@pytest.fixture
def fault_proxy_factory() -> Callable[[str], FaultProxy]:
    proxies: list[FaultProxy] = []

    def start(upstream: str) -> FaultProxy:
        proxy = FaultProxy(upstream)
        proxies.append(proxy)
        return proxy

    yield start
    for proxy in proxies:
        proxy.stop()
