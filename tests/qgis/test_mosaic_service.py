"""The mosaic dock with the engine service: ``python -m s2gm_qgis engine serve`` runs as a
subprocess on 127.0.0.1 (free port, bearer token) over a synthetic archive; the dock, configured
with the service address and the token kept in QgsAuthManager, gets a polygon drawn with
simulated mouse clicks, places the order over HTTP, polls it, downloads the result and loads it
as a styled layer group.

The dock runs in a fresh QGIS (``run_in_fresh_qgis``) so that the token goes to a throw-away
authentication database, never to the session's."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..conftest import REPO_ROOT
from .conftest import run_in_fresh_qgis
from .test_mosaic_dock import make_archive

TOKEN = "s2gm-test-token"


@pytest.fixture
def engine_service(tmp_path):
    """The service subprocess; yields its URL. Stopped with SIGTERM at the end."""
    archive = make_archive(tmp_path / "archive")
    token_file = tmp_path / "token.txt"
    token_file.write_text(TOKEN + "\n")
    token_file.chmod(0o600)  # the service refuses a token file other users can read
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    process = subprocess.Popen(
        [sys.executable, "-m", "s2gm_qgis", "engine", "serve", "--archive", str(archive),
         "--data", str(tmp_path / "service-data"), "--host", "127.0.0.1", "--port", "0",
         "--token-file", str(token_file), "--workers", "1"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = None
    deadline = time.monotonic() + 60
    lines = []
    while url is None and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if match:
            url = match.group(1)
    if url is None:
        process.kill()
        pytest.fail("the engine service did not start:\n" + "".join(lines))
    yield url, archive
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


SCENARIO = """
import json, sys
from pathlib import Path
sys.path.insert(0, {repo!r})
from qgis.core import QgsProject
from qgis.gui import QgsMapCanvas
from qgis.PyQt.QtWidgets import QMainWindow
from qgis.gui import QgsMessageBar
import dataclasses

from s2gm_qgis.gui.mosaic.feature import MosaicFeature
from s2gm_qgis.qgis_support.results import find_order_group
from s2gm_qgis.qgis_support.preferences import Preferences
from s2gm_qgis.qgis_support.secrets import store_service_token
from tests.qgis import test_mosaic_dock as helpers

url, work = {url!r}, Path({work!r})
class Iface:  # what the dock uses of QgisInterface
    def __init__(self):
        self.window, self.canvas, self.bar = QMainWindow(), QgsMapCanvas(), QgsMessageBar()
    def mapCanvas(self):
        return self.canvas
    def messageBar(self):
        return self.bar
    def mainWindow(self):
        return self.window

iface = Iface()
canvas = iface.canvas

# Without the token the service refuses, and the dock says so instead of blocking.
prefs = dataclasses.replace(Preferences(), engine="service", service_url=url,
                            results_folder=str(work / "results"), cache_folder=str(work / "cache"))
prefs.save()
mosaic = MosaicFeature(iface)
helpers.wait_for(lambda: mosaic.dock.status_label.text() != "", 30, "the 401 to be reported")
status = mosaic.dock.status_label.text()
assert "401" in status or "token" in status.lower(), \\
    mosaic.dock.status_label.text()
mosaic.teardown()

assert QgsApplication.authManager().setMasterPassword("master-pw", True)
config_id = store_service_token({token!r}, "", url)
prefs = dataclasses.replace(prefs, auth_config_id=config_id)
prefs.save()
settings_text = open(__import__("qgis.core").core.QgsSettings().fileName()).read()
assert {token!r} not in settings_text

mosaic = MosaicFeature(iface)
mosaic.dock.resize(420, 900)
mosaic.dock.show()
assert mosaic.engine.kind == "service"
helpers.wait_for(lambda: not mosaic.dock.status_label.isVisible() and not mosaic._first_refresh, 30,
                 "the first poll of the service")
helpers.show_tile(canvas)
mosaic.dock.polygon_button.click()
helpers.click_polygon(canvas, helpers.polygon_inside_tile())
assert mosaic.selection is not None, mosaic.dock.aoi_message_label.text()
helpers.set_june_order(mosaic, "e2e-service")
mosaic.dock.order_button.click()
helpers.wait_for(lambda: mosaic.orders_model.rowCount() == 1, 30, "the order to be listed")
order_id = mosaic.orders_model.order(0).id
helpers.wait_for(lambda: mosaic.orders_model.order(0).state in
                 ("finished", "failed", "cancelled"), 180, "the service to finish the order")
order = mosaic.orders_model.order(0)
assert order.state == "finished", (order.error, order.messages)
helpers.wait_for(lambda: find_order_group(order_id) is not None, 60,
                 "the result to be downloaded and loaded")
helpers.assert_styled_group(order_id, expected_products=len(helpers.DATES))
downloaded = work / "results" / "service" / order_id
assert any(p.suffix == ".tiff" for p in downloaded.rglob("*")), list(downloaded.rglob("*"))

# Delete: the order goes from the service, its download and its layer group from QGIS.
mosaic.dock.select_order(order_id)
mosaic.delete_selected(confirm=False)
assert find_order_group(order_id) is None
helpers.wait_for(lambda: mosaic.orders_model.rowCount() == 0, 30, "the order to be deleted")
helpers.wait_for(lambda: not downloaded.exists(), 30, "the download to be removed")
mosaic.teardown()
print("service scenario ok")
"""


def test_order_through_the_engine_service(engine_service, tmp_path):
    url, archive = engine_service
    work = tmp_path / "qgis"
    work.mkdir()
    result = run_in_fresh_qgis(
        SCENARIO.format(repo=str(REPO_ROOT), url=url, work=str(work), token=TOKEN), work,
        timeout_s=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    assert "service scenario ok" in result.stdout
    assert not list(archive.rglob("*.aux.xml"))
