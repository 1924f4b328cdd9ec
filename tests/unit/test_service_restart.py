"""The engine service as a real process: killed mid-order (SIGKILL) and restarted, the order is
resumed or failed with a reason and the store is intact; SIGTERM re-queues; one service per data
folder; the ``engine orders`` listing."""
from __future__ import annotations

import json
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from s2gm_qgis.core.orders.client import EngineClient
from s2gm_qgis.core.orders.service import is_loopback_host, read_token_file
from s2gm_qgis.core.errors import S2GMError

from ..conftest import REPO_ROOT
from .test_orders_support import layer_bytes, spec

ENGINE = "tests.unit.test_orders_support:scripted_engine"


class ServiceProcess:
    def __init__(self, data, archive, *extra):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "s2gm_qgis", "engine", "serve", "--archive", str(archive),
             "--data", str(data), "--port", "0", "--engine", ENGINE, "--quiet", *extra],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        line = self._readline(self.proc.stdout, 30.0)
        match = re.search(r"listening on (http://\S+)", line or "")
        if not match:
            self.proc.kill()
            raise AssertionError(f"the service did not start: {line!r} {self.proc.stderr.read()}")
        self.url = match.group(1)

    @staticmethod
    def _readline(stream, timeout_s):
        ready, _, _ = select.select([stream], [], [], timeout_s)
        return stream.readline() if ready else None

    def stop(self, sig, timeout_s=15.0):
        self.proc.send_signal(sig)
        self.proc.wait(timeout_s)
        return self.proc.returncode, self.proc.stderr.read()


def private_file(path, text):
    """A file only its owner may read (as a token file must be)."""
    path.write_text(text)
    path.chmod(0o600)
    return path


def wait_order(client, order_id, predicate, timeout_s=20.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        order = client.get_order(order_id)
        if predicate(order):
            return order
        time.sleep(0.05)
    raise AssertionError(f"order {order_id} stayed {client.get_order(order_id)['state']}")


def integrity(data):
    conn = sqlite3.connect(data / "orders.sqlite")
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def dirs(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    return tmp_path / "data", archive


def test_sigkill_mid_order_then_restart_resumes_it(dirs):
    data, archive = dirs
    first = ServiceProcess(data, archive)
    client = EngineClient(first.url)
    order = client.create_order(spec("slow-20"))
    wait_order(client, order["id"], lambda o: o["state"] == "processing" and o["progress"] > 0)
    first.stop(signal.SIGKILL)
    partial = data / "results" / order["id"]
    assert partial.is_dir()  # the dead run left partial output behind
    assert integrity(data) == "ok"

    second = ServiceProcess(data, archive)
    try:
        client = EngineClient(second.url)
        done = wait_order(client, order["id"], lambda o: o["state"] in ("finished", "failed"))
        assert done["state"] == "finished", done["messages"]
        assert done["attempts"] == 2
        texts = [m["text"] for m in done["messages"]]
        assert any("interrupted: the process" in t and "re-queued to resume" in t for t in texts)
        on_disk = sorted(p.relative_to(partial).as_posix() for p in partial.rglob("*")
                         if p.is_file())
        assert on_disk == sorted(f["path"] for f in client.list_files(order["id"]))
        rel = next(f["path"] for f in client.list_files(order["id"]) if f["layer"] == "B04")
        dest = client.download(order["id"], rel, data.parent / "B04.tif")
        assert dest.read_bytes() == layer_bytes("B04")
    finally:
        code, _ = second.stop(signal.SIGTERM)
    assert code == 0
    assert integrity(data) == "ok"


def test_sigkill_after_the_last_attempt_fails_the_order_with_the_reason(dirs):
    data, archive = dirs
    first = ServiceProcess(data, archive, "--max-attempts", "1")
    client = EngineClient(first.url)
    order = client.create_order(spec("slow-20"))
    wait_order(client, order["id"], lambda o: o["state"] == "processing")
    first.stop(signal.SIGKILL)

    second = ServiceProcess(data, archive, "--max-attempts", "1")
    try:
        failed = EngineClient(second.url).get_order(order["id"])
    finally:
        _, stderr = second.stop(signal.SIGTERM)
    assert failed["state"] == "failed"
    assert "interrupted 1 time (last: the process" in failed["error"]
    assert "gave up after 1 attempt" in failed["error"]
    assert f"order {order['id']}: interrupted" in stderr
    assert integrity(data) == "ok"


def test_sigterm_requeues_the_running_order_for_the_next_start(dirs):
    data, archive = dirs
    first = ServiceProcess(data, archive)
    client = EngineClient(first.url)
    order = client.create_order(spec("slow-50"))
    wait_order(client, order["id"], lambda o: o["state"] == "processing")
    started = time.monotonic()
    code, stderr = first.stop(signal.SIGTERM)
    assert code == 0 and time.monotonic() - started < 5.0
    assert f"1 running order(s) re-queued for the next start: {order['id']}" in stderr

    listing = subprocess.run(
        [sys.executable, "-m", "s2gm_qgis", "engine", "orders", "--data", str(data), "--json"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    )
    (stored,) = json.loads(listing.stdout)
    assert stored["state"] == "queued" and stored["attempts"] == 0
    table = subprocess.run(
        [sys.executable, "-m", "s2gm_qgis", "engine", "orders", "--data", str(data)],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    ).stdout
    assert order["id"] in table and "queued" in table and "re-queued" in table

    second = ServiceProcess(data, archive)
    try:
        done = wait_order(EngineClient(second.url), order["id"],
                          lambda o: o["state"] == "finished")
        assert done["attempts"] == 1
    finally:
        second.stop(signal.SIGTERM)


def test_one_service_per_data_folder_and_token_file(dirs, tmp_path):
    data, archive = dirs
    token_file = private_file(tmp_path / "token", "abc123\n")
    first = ServiceProcess(data, archive, "--token-file", str(token_file))
    try:
        assert first.url.startswith("http://127.0.0.1:")  # loopback unless --host says else
        assert EngineClient(first.url, token="abc123").health()["status"] == "ok"
        second = subprocess.run(
            [sys.executable, "-m", "s2gm_qgis", "engine", "serve", "--archive", str(archive),
             "--data", str(data), "--port", "0", "--engine", ENGINE],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=30,
        )
        assert second.returncode == 2
        assert "another engine service uses this data folder" in second.stderr
    finally:
        first.stop(signal.SIGINT)


def test_serve_refuses_bad_arguments(dirs, tmp_path):
    data, archive = dirs
    empty = private_file(tmp_path / "empty-token", "  \n")
    cases = [
        (["--archive", str(tmp_path / "nowhere")], "--archive: not a folder"),
        (["--archive", str(archive), "--token-file", str(empty)], "the token file is empty"),
        (["--archive", str(archive), "--engine", "nowhere"], "expected MODULE:FUNCTION"),
        (["--archive", str(archive), "--concurrency", "0"], "--concurrency must be at least 1"),
    ]
    for args, text in cases:
        out = subprocess.run(
            [sys.executable, "-m", "s2gm_qgis", "engine", "serve", "--data", str(data), *args],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=30,
        )
        assert out.returncode == 2 and text in out.stderr, (args, out.stderr)
    missing = subprocess.run(
        [sys.executable, "-m", "s2gm_qgis", "engine", "orders", "--data", str(tmp_path / "x")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=30,
    )
    assert missing.returncode == 2 and "no order store" in missing.stderr


def test_loopback_detection_and_token_files(tmp_path):
    assert is_loopback_host("127.0.0.1") and is_loopback_host("::1")
    assert is_loopback_host("localhost") and is_loopback_host("127.0.0.2")
    assert not is_loopback_host("0.0.0.0") and not is_loopback_host("192.168.1.10")
    private_file(tmp_path / "t", "two words")
    with pytest.raises(S2GMError, match="one word"):
        read_token_file(tmp_path / "t")
    with pytest.raises(S2GMError, match="cannot read the token file"):
        read_token_file(tmp_path / "missing")
    private_file(tmp_path / "ok", " tok-1 \n")
    assert read_token_file(tmp_path / "ok") == "tok-1"
    (tmp_path / "ok").chmod(0o640)  # readable by the service's group: still private
    assert read_token_file(tmp_path / "ok") == "tok-1"


@pytest.mark.parametrize("mode", [0o644, 0o606, 0o602])
def test_a_token_file_other_users_can_read_or_change_is_refused(tmp_path, mode):
    token_file = tmp_path / "token"
    token_file.write_text("tok-1\n")
    token_file.chmod(mode)
    with pytest.raises(S2GMError, match=r"other users can read or change it.*chmod 600"):
        read_token_file(token_file)
