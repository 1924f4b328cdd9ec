"""``python3 -m s2gm_qgis engine serve --dask local:2``: the service as an operator runs it, for
real (a process, a local Dask cluster of 2 workers, HTTP on 127.0.0.1): an order above the area
threshold waits, the operator approves it, the cluster composites its four tiles."""
from __future__ import annotations

import re
import select
import signal
import subprocess
import sys
import time

import pytest
import requests

pytest.importorskip("distributed")

from s2gm_qgis.cli import main  # noqa: E402
from s2gm_qgis.core.orders.client import EngineClient  # noqa: E402

from ..conftest import REPO_ROOT  # noqa: E402
from .dask_support import four_tile_archive  # noqa: E402


def private_file(path, text):
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_serve_on_a_local_dask_cluster_with_approval(tmp_path):
    archive = tmp_path / "archive"
    aoi = four_tile_archive(archive)
    user = private_file(tmp_path / "token", "user-tok")
    operator = private_file(tmp_path / "operator", "operator-tok")
    proc = subprocess.Popen(
        [sys.executable, "-m", "s2gm_qgis", "engine", "serve", "--archive", str(archive),
         "--data", str(tmp_path / "data"), "--port", "0", "--dask", "local:2",
         "--dask-part-px", "512", "--approval-above-km2", "1", "--token-file", str(user),
         "--operator-token-file", str(operator), "--quiet"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = None
        deadline = time.monotonic() + 90
        while url is None and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 5)
            line = proc.stdout.readline() if ready else ""
            match = re.search(r"listening on (http://\S+)", line)
            url = match.group(1) if match else None
            assert proc.poll() is None, proc.stderr.read()
        assert url, "the service did not start"
        client = EngineClient(url, token="user-tok")
        health = requests.get(url + "/health", headers={"Authorization": "Bearer user-tok"},
                              timeout=10).json()
        assert health["engine"]["type"] == "dask" and health["engine"]["workers"] == 2
        assert health["approval_above_km2"] == 1.0

        order = client.create_order({"name": "four", "aoi": aoi, "period": "month",
                                     "start": "2024-06-01", "resolution_m": 20,
                                     "bands": ["B02", "B03", "B04", "valid_obs"]})
        assert order["state"] == "needs_approval"
        approve = f"{url}/orders/{order['id']}/approve"
        assert requests.post(approve, headers={"Authorization": "Bearer user-tok"},
                             timeout=10).status_code == 403
        answer = requests.post(approve, headers={"Authorization": "Bearer operator-tok"},
                               timeout=10)
        assert answer.status_code == 200, answer.text
        deadline = time.monotonic() + 120
        while (state := client.get_order(order["id"]))["state"] in ("queued", "processing"):
            assert time.monotonic() < deadline, state
            time.sleep(0.2)
        assert state["state"] == "finished", (state["error"], state["messages"])
        assert len(state["tasks"]) == 4 and {t["state"] for t in state["tasks"]} == {"done"}
        assert len(state["result"]["grids"]) == 4
        files = client.list_files(order["id"])
        assert sum(1 for f in files if f["layer"] == "B04") == 4
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


@pytest.mark.parametrize("extra, message", [
    (["--dask-part-px", "1024"], "--dask-part-px needs --dask"),
    (["--dask", "local:2", "--engine", "x:y"], "--dask and --engine: choose one"),
    (["--dask", "local:2", "--dask-part-px", "1000"], "multiple of 512"),
    (["--dask", "local:0"], "at least 1 worker"),
    (["--approval-above-km2", "0"], "must be positive"),
])
def test_serve_options_are_checked(tmp_path, capsys, extra, message):
    code = main(["engine", "serve", "--archive", str(tmp_path), "--data", str(tmp_path / "d"),
                 *extra])
    assert code == 2
    assert message in capsys.readouterr().err
