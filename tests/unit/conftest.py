"""Unit tests of the core run with plain pytest: no QGIS application, no Qt."""
import sys

import pytest

FORBIDDEN = ("qgis", "PyQt5", "PyQt6", "sip")


@pytest.fixture(scope="session", autouse=True)
def core_stays_free_of_qt():
    yield
    leaked = sorted(name for name in sys.modules if name.split(".")[0] in FORBIDDEN)
    assert not leaked, f"the core imported Qt/QGIS modules: {leaked[:10]}"


# Real servers on 127.0.0.1 for the STAC source tests: stac-fastapi-pgstac, nginx, a fault proxy.
from tests.servers.fixtures import *  # noqa: E402,F401,F403
