"""Process plumbing shared by the test servers: free loopback ports, child processes that are
always stopped (in order by `stop()`, at interpreter exit, or by a watchdog if the test process
is killed), and waiting for a server to answer."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import weakref
from pathlib import Path
from typing import Callable, Sequence

from ._reaper import start_time

HOST = "127.0.0.1"

#: urllib opener that never goes through an HTTP proxy from the environment.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerError(RuntimeError):
    """A test server could not be started; the message carries the tail of its log."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (a server that binds it later may still lose a
    race; the servers here retry with another port when the bind fails)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def bound_socket() -> socket.socket:
    """A listening socket on 127.0.0.1:<free port>, to hand to a child by file descriptor."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    sock.listen(128)
    return sock


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class Reaper:
    """A watchdog process (`_reaper.py`) holding a pipe from this process. Registered children
    and folders are cleaned up by it only if this process dies without calling `done()`."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("_reaper.py"))],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, close_fds=True, text=True,
        )
        self._lock = threading.Lock()

    def _send(self, order: dict) -> None:
        with self._lock:
            if self._proc.stdin is None or self._proc.stdin.closed:
                return
            try:
                self._proc.stdin.write(json.dumps(order) + "\n")
                self._proc.stdin.flush()
            except (BrokenPipeError, OSError):
                pass

    def watch(self, pid: int, sig: int = signal.SIGTERM) -> None:
        self._send({"pid": pid, "start": start_time(pid), "sig": int(sig)})

    def rmtree(self, folder: Path | str) -> None:
        self._send({"rmtree": str(folder)})

    def done(self) -> None:
        self._send({"done": True})
        with self._lock:
            try:
                if self._proc.stdin:
                    self._proc.stdin.close()
            except OSError:
                pass
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


class Child:
    """One server process, in its own session (a Ctrl-C in the terminal does not reach it before
    the orderly stop), stopped with `stop_signal`, then SIGKILL after `grace` seconds."""

    def __init__(self, argv: Sequence[str], *, log: Path, reaper: Reaper, stop_signal: int = signal.SIGTERM,
                 grace: float = 10.0, **popen) -> None:
        self.argv = list(argv)
        self.log = log
        self.stop_signal = stop_signal
        self.grace = grace
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True, close_fds=True, **popen,
            )
        reaper.watch(self.proc.pid, stop_signal)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(self.stop_signal)
                self.proc.wait(timeout=self.grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        return self.proc.returncode


def wait_until(check: Callable[[], bool], *, timeout: float, what: str, child: Child | None = None,
               interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if child is not None and not child.alive():
            raise ServerError(f"{what}: process exited with {child.proc.returncode}\n{tail(child.log)}")
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - not ready yet, whatever the reason
            pass
        if time.monotonic() > deadline:
            log = f"\n{tail(child.log)}" if child is not None else ""
            raise ServerError(f"{what}: not ready after {timeout:.0f} s{log}")
        time.sleep(interval)


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with DIRECT.open(url, timeout=timeout) as response:
            return 200 <= response.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


class ServerBase:
    """Temp dir + reaper + children, stopped by `stop()`, `with`, garbage collection or exit."""

    def __init__(self) -> None:
        self._children: list[Child] = []
        self._tempdirs: list[Path] = []
        self._reaper = Reaper()
        self._stopped = False
        # Runs on stop(), on garbage collection, or at interpreter exit (finalize.atexit).
        self._finalizer = weakref.finalize(self, ServerBase._cleanup, self._children, self._tempdirs, self._reaper)

    def _spawn(self, argv: Sequence[str], **kwargs) -> Child:
        child = Child(argv, reaper=self._reaper, **kwargs)
        self._children.append(child)
        return child

    def _tempdir(self, path: Path) -> Path:
        self._tempdirs.append(path)
        self._reaper.rmtree(path)
        return path

    @staticmethod
    def _cleanup(children: list[Child], tempdirs: list[Path], reaper: Reaper) -> None:
        for child in reversed(children):
            child.stop()
        for folder in tempdirs:
            shutil.rmtree(folder, ignore_errors=True)
        reaper.done()

    def stop(self) -> None:
        """Stop every process of this server and remove its temp folder (idempotent)."""
        self._stopped = True
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def pids(self) -> list[int]:
        return [child.pid for child in self._children]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return start_time(pid) is not None
