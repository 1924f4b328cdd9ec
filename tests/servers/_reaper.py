"""Clean-up watchdog for the test servers: run as a separate process by `_proc.Reaper`.

It reads JSON lines on stdin from the test process that started it:
``{"pid": N, "start": T, "sig": S}`` registers a server process (T is its start time in
/proc/N/stat, so a recycled pid is never signalled), ``{"rmtree": PATH}`` a temp folder,
``{"done": true}`` says the servers were stopped in order (exit without doing anything).

If stdin reaches EOF without "done" (the test process died, was killed, or exited without
stopping its servers), every registered process still alive is sent its signal, then SIGKILL
after a grace period, and the folders are removed. Only processes registered here are ever
signalled.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time


def start_time(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        if fields[0] in ("Z", "X"):  # a zombie has already exited
            return None
        return fields[19]  # field 22 of proc(5): starttime
    except (OSError, IndexError):
        return None


def alive(pid: int, start: str | None) -> bool:
    now = start_time(pid)
    return now is not None and (start is None or now == start)


def main() -> int:
    for name in ("SIGINT", "SIGHUP", "SIGTERM"):
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    procs: list[tuple[int, str | None, int]] = []
    folders: list[str] = []
    for line in sys.stdin:
        try:
            order = json.loads(line)
        except ValueError:
            continue
        if order.get("done"):
            return 0
        if "pid" in order:
            procs.append((int(order["pid"]), order.get("start"), int(order.get("sig", signal.SIGTERM))))
        if "rmtree" in order:
            folders.append(order["rmtree"])
    # The parent is gone without saying "done": stop what it left, newest first.
    for pid, start, sig in reversed(procs):
        if alive(pid, start):
            try:
                os.kill(pid, sig)
            except OSError:
                pass
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline and any(alive(pid, start) for pid, start, _ in procs):
        time.sleep(0.1)
    for pid, start, _ in procs:
        if alive(pid, start):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    time.sleep(0.2)
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
