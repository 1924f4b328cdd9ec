"""The order store: every mosaic order, its specification, state, progress, messages and result
files, in one SQLite file shared by the embedded engine (QGIS tasks) and the engine service.

Durability rules:

- WAL journal with ``synchronous=NORMAL``: a process that dies (even by SIGKILL) never corrupts
  the store nor loses a committed transaction; a power cut may lose the last commits, never the
  file's integrity (SQLite's documented WAL guarantees).
- Every state change is one ``BEGIN IMMEDIATE`` transaction that checks the current state and
  writes the new one, its timestamps and its message together, so concurrent callers (HTTP
  threads, runner threads, another process) never interleave half-done changes.
- A fresh connection per operation, so the store is usable from any thread (QgsTask threads,
  ThreadingHTTPServer request threads) without sharing a connection; ``busy_timeout`` makes
  writers wait for each other instead of failing.
- The schema is versioned with ``PRAGMA user_version`` and upgraded by :data:`MIGRATIONS`, each
  applied in its own transaction; a store written by a newer version is refused, not damaged.

Order life cycle (:data:`STATES`)::

    placed -> queued -> processing -> finished | partially_finished | failed | cancelled
      |         |           |
      +---------+-----------+--> cancelled (cancel; a processing order stops at the engine's
                                 next cancel check)
    placed --queue, above the service's area threshold--> needs_approval --approve--> queued
    needs_approval --cancel--> cancelled (orders above the threshold wait for an operator, as
                                          S2GM's orders above 1 million km2 did)
    failed | cancelled | partially_finished --retry--> queued (needs_approval again when the
                                                      approval it needed was never given)
    processing --process died--> queued (resume, attempt counted) or failed (attempts used up)
"""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence

from ..errors import S2GMError

class OrderState(str, Enum):
    """The state of an order, in life-cycle order (see the module docstring). A ``str``: each
    member equals, hashes and prints as its value, which is what the store and the HTTP API
    hold, so stored and received states compare with the members directly."""

    PLACED = "placed"
    NEEDS_APPROVAL = "needs_approval"
    QUEUED = "queued"
    PROCESSING = "processing"
    FINISHED = "finished"
    PARTIALLY_FINISHED = "partially_finished"
    FAILED = "failed"
    CANCELLED = "cancelled"

    __str__ = str.__str__
    __format__ = str.__format__
    __hash__ = str.__hash__


PLACED = OrderState.PLACED
NEEDS_APPROVAL = OrderState.NEEDS_APPROVAL
QUEUED = OrderState.QUEUED
PROCESSING = OrderState.PROCESSING
FINISHED = OrderState.FINISHED
PARTIALLY_FINISHED = OrderState.PARTIALLY_FINISHED
FAILED = OrderState.FAILED
CANCELLED = OrderState.CANCELLED

#: Every state an order can be in, in life-cycle order (the values, as stored).
STATES: tuple[str, ...] = tuple(state.value for state in OrderState)
#: The states of schema version 1 (frozen: migration 0 must create the same table forever).
_STATES_V1: tuple[str, ...] = (
    "placed", "queued", "processing", "finished", "partially_finished", "failed", "cancelled",
)
#: States an order never leaves by itself (only retry or delete change them).
TERMINAL_STATES: frozenset[str] = frozenset({FINISHED, PARTIALLY_FINISHED, FAILED, CANCELLED})
#: States from which ``retry`` re-queues an order.
RETRYABLE_STATES: frozenset[str] = frozenset({PARTIALLY_FINISHED, FAILED, CANCELLED})
#: States of an order on its way to an end state without anyone's action (it may be cancelled).
IN_PROGRESS_STATES: frozenset[str] = frozenset({PLACED, QUEUED, PROCESSING})
#: States of an order with result files.
RESULT_STATES: frozenset[str] = frozenset({FINISHED, PARTIALLY_FINISHED})

MESSAGE_LEVELS: tuple[str, ...] = ("info", "warning", "error")
#: States of one task of an order run on a distributed engine (:class:`OrderTask`).
TASK_STATES: tuple[str, ...] = ("waiting", "running", "done", "failed", "cancelled")

_ORDERS_V1_COLUMNS = (
    "id, name, spec_json, state, progress, progress_message, attempts, cancel_requested, owner, "
    "heartbeat_utc, created_utc, updated_utc, queued_utc, started_utc, finished_utc, "
    "result_json, error"
)

#: Schema migrations: MIGRATIONS[k] upgrades a store from user_version k to k + 1.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        f"""CREATE TABLE orders (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            spec_json TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ({", ".join(repr(s) for s in _STATES_V1)})),
            progress REAL NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
            progress_message TEXT NOT NULL DEFAULT '',
            attempts INTEGER NOT NULL DEFAULT 0,
            cancel_requested INTEGER NOT NULL DEFAULT 0,
            owner TEXT,
            heartbeat_utc TEXT,
            created_utc TEXT NOT NULL,
            updated_utc TEXT NOT NULL,
            queued_utc TEXT,
            started_utc TEXT,
            finished_utc TEXT,
            result_json TEXT,
            error TEXT
        )""",
        "CREATE INDEX orders_by_state ON orders (state, queued_utc)",
        "CREATE INDEX orders_by_creation ON orders (created_utc)",
        """CREATE TABLE order_messages (
            id INTEGER PRIMARY KEY,
            order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
            time_utc TEXT NOT NULL,
            level TEXT NOT NULL CHECK (level IN ('info', 'warning', 'error')),
            text TEXT NOT NULL
        )""",
        "CREATE INDEX order_messages_by_order ON order_messages (order_id, id)",
        """CREATE TABLE order_files (
            order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
            rel_path TEXT NOT NULL,
            layer TEXT,
            size_bytes INTEGER NOT NULL,
            PRIMARY KEY (order_id, rel_path)
        )""",
    ),
    # Version 2: the needs_approval state and the approval columns (SQLite cannot change a
    # CHECK constraint: the table is rebuilt, the documented way, with foreign keys off), and
    # the tasks of orders run on a distributed engine.
    (
        f"""CREATE TABLE orders_v2 (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            spec_json TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ({", ".join(repr(s) for s in STATES)})),
            progress REAL NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
            progress_message TEXT NOT NULL DEFAULT '',
            attempts INTEGER NOT NULL DEFAULT 0,
            cancel_requested INTEGER NOT NULL DEFAULT 0,
            owner TEXT,
            heartbeat_utc TEXT,
            created_utc TEXT NOT NULL,
            updated_utc TEXT NOT NULL,
            queued_utc TEXT,
            started_utc TEXT,
            finished_utc TEXT,
            result_json TEXT,
            error TEXT,
            area_km2 REAL,
            approval_required INTEGER NOT NULL DEFAULT 0,
            approved_utc TEXT,
            approved_by TEXT
        )""",
        f"INSERT INTO orders_v2 ({_ORDERS_V1_COLUMNS}) SELECT {_ORDERS_V1_COLUMNS} FROM orders",
        "DROP TABLE orders",
        "ALTER TABLE orders_v2 RENAME TO orders",
        "CREATE INDEX orders_by_state ON orders (state, queued_utc)",
        "CREATE INDEX orders_by_creation ON orders (created_utc)",
        f"""CREATE TABLE order_tasks (
            order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            label TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ({", ".join(repr(s) for s in TASK_STATES)})),
            progress REAL NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
            message TEXT NOT NULL DEFAULT '',
            worker TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            updated_utc TEXT NOT NULL,
            PRIMARY KEY (order_id, key)
        )""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(S2GMError):
    """The store file cannot be used (unreadable, newer schema, not an order store)."""


class OrderNotFound(S2GMError):
    """No order has this id."""

    def __init__(self, order_id: str):
        self.order_id = order_id
        super().__init__(f"no order with id {order_id!r}")


class OrderStateError(S2GMError):
    """The operation is not allowed in the order's current state (HTTP 409)."""

    def __init__(self, order_id: str, state: str, reason: str):
        self.order_id = order_id
        self.state = state
        super().__init__(f"order {order_id} is {state.replace('_', ' ')}: {reason}")


def _times(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def utc_now() -> str:
    """Current time as ISO 8601 UTC with milliseconds, e.g. ``2024-06-12T10:36:29.123Z``."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_utc(text: str) -> datetime:
    """Inverse of :func:`utc_now`."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def new_order_id() -> str:
    """A random UUID4 as a string: unguessable, so ids do not leak how many orders exist."""
    return str(uuid.uuid4())


#: Tells this process apart from an earlier one that had the same pid (pids are reused after a
#: reboot, and a service in a container is pid 1 at every start).
_PROCESS_TOKEN = uuid.uuid4().hex[:16]


def process_owner() -> str:
    """Identifies this process as the owner of the orders it processes: ``host:pid:token``."""
    return f"{socket.gethostname()}:{os.getpid()}:{_PROCESS_TOKEN}"


def owner_is_alive(owner: Optional[str]) -> Optional[bool]:
    """Whether the process named by ``owner`` (``host:pid:token``, or ``host:pid`` as written by
    earlier versions) still runs.

    An owner with this process's pid but not its token was an earlier process: dead. ``None``
    when it cannot be known (another host, or a malformed owner): callers then rely on the
    heartbeat's age.
    """
    parts = (owner or "").split(":")
    if len(parts) == 2:
        parts.append("")
    if len(parts) != 3:
        return None
    host, pid_text, token = parts
    if host != socket.gethostname() or not pid_text.isdigit():
        return None
    pid = int(pid_text)
    if pid == os.getpid():
        return token == _PROCESS_TOKEN
    return _pid_alive(pid)


_WINDOWS = os.name == "nt"
_STILL_ACTIVE = 259  # GetExitCodeProcess of a running process
_ERROR_INVALID_PARAMETER = 87  # OpenProcess of a pid no process has


def _windows_kernel32():
    """kernel32 and its last-error getter (Windows only)."""
    import ctypes

    return ctypes.WinDLL("kernel32", use_last_error=True), ctypes.get_last_error


def _pid_alive(pid: int) -> Optional[bool]:
    """Whether process ``pid`` of this host runs; None when it cannot be known.

    POSIX: ``kill(pid, 0)``. Windows asks the process table instead, because there
    ``os.kill(pid, 0)`` sends CTRL_C_EVENT (signal 0) to the processes sharing a console.
    """
    if _WINDOWS:
        import ctypes

        kernel32, last_error = _windows_kernel32()
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False if last_error() == _ERROR_INVALID_PARAMETER else None
        try:
            code = ctypes.c_ulong()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return None
            return code.value == _STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    except OSError:
        return None
    return True


@dataclass(frozen=True)
class OrderMessage:
    """One entry of an order's history (state changes, warnings, reasons of failure)."""

    time_utc: str
    level: str
    text: str

    def to_json_dict(self) -> dict[str, str]:
        return {"time_utc": self.time_utc, "level": self.level, "text": self.text}


@dataclass(frozen=True)
class OrderFile:
    """A result file of an order; ``rel_path`` is relative to the order's results folder and
    uses ``/`` separators; ``layer`` is the output layer it holds (None for metadata and
    quick-looks)."""

    rel_path: str
    layer: Optional[str]
    size_bytes: int

    def to_json_dict(self) -> dict[str, Any]:
        return {"path": self.rel_path, "layer": self.layer, "size_bytes": self.size_bytes}


@dataclass(frozen=True)
class OrderTask:
    """One task of an order run on a distributed engine (a part of the order: a grid or a
    group of its blocks): its state (:data:`TASK_STATES`), progress 0-1, last message, the
    worker running it and how many times it was started (more than 1: re-run after its worker
    died)."""

    key: str
    label: str
    state: str
    progress: float = 0.0
    message: str = ""
    worker: Optional[str] = None
    attempts: int = 0

    def to_json_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "state": self.state,
                "progress": self.progress, "message": self.message, "worker": self.worker,
                "attempts": self.attempts}


@dataclass(frozen=True)
class OrderRecord:
    """An order as stored. ``spec`` is the order specification (``MosaicOrder.to_dict()``);
    ``progress`` is a fraction 0-1; ``result`` the engine's result (``MosaicResult.to_json_dict()``
    with paths relative to the results folder) once finished; ``error`` the reason of a failure."""

    id: str
    name: str
    state: OrderState
    spec: Mapping[str, Any]
    progress: float
    progress_message: str
    attempts: int
    cancel_requested: bool
    owner: Optional[str]
    heartbeat_utc: Optional[str]
    created_utc: str
    updated_utc: str
    queued_utc: Optional[str]
    started_utc: Optional[str]
    finished_utc: Optional[str]
    result: Optional[Mapping[str, Any]]
    error: Optional[str]
    messages: tuple[OrderMessage, ...] = ()
    #: AOI area (km2) when the order was placed through a service; None before schema 2.
    area_km2: Optional[float] = None
    #: Whether the order needed an operator's approval, and who gave it when.
    approval_required: bool = False
    approved_utc: Optional[str] = None
    approved_by: Optional[str] = None
    #: Its tasks on a distributed engine (only :meth:`OrderStore.get` loads them).
    tasks: tuple[OrderTask, ...] = ()

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    @property
    def in_progress(self) -> bool:
        return self.state in IN_PROGRESS_STATES

    @property
    def has_result(self) -> bool:
        return self.state in RESULT_STATES

    @classmethod
    def from_json_dict(cls, data: Mapping[str, Any]) -> "OrderRecord":
        """The record of :meth:`to_json_dict` (an engine service's answer); what the API does
        not show (owner, heartbeat) is None."""
        approval = data.get("approval") or {}
        return cls(
            id=str(data["id"]), name=str(data.get("name") or ""),
            state=OrderState(data["state"]), spec=dict(data.get("spec") or {}),
            progress=float(data.get("progress") or 0.0),
            progress_message=str(data.get("progress_message") or ""),
            attempts=int(data.get("attempts") or 0),
            cancel_requested=bool(data.get("cancel_requested")), owner=None, heartbeat_utc=None,
            created_utc=str(data.get("created_utc") or ""),
            updated_utc=str(data.get("updated_utc") or ""), queued_utc=data.get("queued_utc"),
            started_utc=data.get("started_utc"), finished_utc=data.get("finished_utc"),
            result=data.get("result"), error=data.get("error"),
            messages=tuple(OrderMessage(m.get("time_utc", ""), m.get("level", "info"),
                                        m.get("text", "")) for m in data.get("messages") or ()),
            area_km2=None if data.get("area_km2") is None else float(data["area_km2"]),
            approval_required=bool(approval.get("required")),
            approved_utc=approval.get("approved_utc"), approved_by=approval.get("approved_by"),
            tasks=tuple(OrderTask(t["key"], t.get("label", ""), t.get("state", "waiting"),
                                  float(t.get("progress") or 0.0), t.get("message", ""),
                                  t.get("worker"), int(t.get("attempts") or 0))
                        for t in data.get("tasks") or ()),
        )

    def to_json_dict(self) -> dict[str, Any]:
        """The order as the HTTP API and ``engine orders --json`` show it."""
        return {
            "id": self.id,
            "name": self.name,
            "state": self.state.value,
            "progress": self.progress,
            "progress_message": self.progress_message,
            "attempts": self.attempts,
            "cancel_requested": self.cancel_requested,
            "created_utc": self.created_utc,
            "updated_utc": self.updated_utc,
            "queued_utc": self.queued_utc,
            "started_utc": self.started_utc,
            "finished_utc": self.finished_utc,
            "spec": dict(self.spec),
            "result": dict(self.result) if self.result is not None else None,
            "error": self.error,
            "messages": [m.to_json_dict() for m in self.messages],
            "area_km2": self.area_km2,
            "approval": {"required": self.approval_required, "approved_utc": self.approved_utc,
                         "approved_by": self.approved_by},
            "tasks": [t.to_json_dict() for t in self.tasks],
        }


@dataclass(frozen=True)
class Recovery:
    """What :meth:`OrderStore.recover_interrupted` did to one interrupted order."""

    order_id: str
    state: OrderState  # QUEUED (resumed) or FAILED (attempts used up)
    message: str


_ORDER_COLUMNS = (
    "id, name, state, spec_json, progress, progress_message, attempts, cancel_requested, owner, "
    "heartbeat_utc, created_utc, updated_utc, queued_utc, started_utc, finished_utc, "
    "result_json, error, area_km2, approval_required, approved_utc, approved_by"
)


class OrderStore:
    """The SQLite order store at ``path`` (created, or upgraded, on first use).

    Thread-safe and multi-process safe: each call opens its own connection.
    """

    def __init__(self, path: str | os.PathLike, *, busy_timeout_s: float = 30.0):
        self.path = Path(path)
        self.busy_timeout_s = float(busy_timeout_s)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._open_and_migrate()
        # SQLite checkpoints and deletes the WAL when its last connection closes, with an fsync
        # each time: one idle connection kept open makes per-operation connections cheap
        # (about 0.5 ms instead of 10+ ms per transaction).
        self._keeper: Optional[sqlite3.Connection] = self._connect()

    def close(self) -> None:
        """Close the store's idle connection (the store stays usable; it reopens per call)."""
        keeper, self._keeper = self._keeper, None
        if keeper is not None:
            keeper.close()

    def __enter__(self) -> "OrderStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- connections and schema ----------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path, timeout=self.busy_timeout_s, isolation_level=None,
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open the order store: {exc}") from exc
        return conn

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every SELECT inside sees the same snapshot."""
        conn = self._connect()
        try:
            conn.execute("BEGIN")
            yield conn
            conn.execute("COMMIT")
        finally:
            conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front (BEGIN IMMEDIATE) so that the state read inside
        it cannot change before the write."""
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def _open_and_migrate(self) -> None:
        conn = self._connect()
        try:
            try:
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                version = conn.execute("PRAGMA user_version").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path}: not an order store (SQLite said: {exc})") from exc
            if mode.lower() != "wal":
                raise StoreError(
                    f"{self.path}: cannot switch the store to WAL (journal mode {mode})"
                )
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: order store schema version {version} was written by a newer "
                    f"s2gm_qgis (this one knows up to version {SCHEMA_VERSION}); upgrade the plugin"
                )
            if version == 0 and self._has_foreign_tables(conn):
                raise StoreError(
                    f"{self.path}: this SQLite file is not an order store (it has other tables)"
                )
            # Rebuilding a table (migration 1) must not cascade to the rows that refer to it;
            # the pragma is a no-op inside a transaction, so it is set around them.
            conn.execute("PRAGMA foreign_keys = OFF")
            for target in range(version, SCHEMA_VERSION):
                conn.execute("BEGIN IMMEDIATE")
                try:
                    # Another process may have migrated between our read and our lock.
                    current = conn.execute("PRAGMA user_version").fetchone()[0]
                    if current == target:
                        for statement in MIGRATIONS[target]:
                            conn.execute(statement)
                        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
                        if broken:
                            raise StoreError(f"{self.path}: upgrading the order store to "
                                             f"version {target + 1} broke {len(broken)} "
                                             "references; the store was left as it was")
                        conn.execute(f"PRAGMA user_version = {target + 1}")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
        finally:
            conn.close()

    @staticmethod
    def _has_foreign_tables(conn: sqlite3.Connection) -> bool:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return bool(rows)

    def schema_version(self) -> int:
        conn = self._connect()
        try:
            return conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            conn.close()

    def integrity_check(self) -> str:
        """``PRAGMA integrity_check`` of the store: ``"ok"`` when intact."""
        conn = self._connect()
        try:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
        finally:
            conn.close()
        return "; ".join(str(r[0]) for r in rows)

    # -- reading -------------------------------------------------------------------------------

    def get(self, order_id: str) -> OrderRecord:
        """The order with its messages; :class:`OrderNotFound` if there is none."""
        with self._read() as conn:
            return self._load(conn, order_id)

    def orders(self, state: Optional[str] = None, limit: Optional[int] = None) -> list[OrderRecord]:
        """Orders, newest first, optionally only those in ``state``."""
        if state is not None and state not in STATES:
            raise ValueError(f"unknown order state {state!r}; expected one of {', '.join(STATES)}")
        sql = f"SELECT {_ORDER_COLUMNS} FROM orders"
        params: list[Any] = []
        if state is not None:
            sql += " WHERE state = ?"
            params.append(state)
        sql += " ORDER BY created_utc DESC, rowid DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        with self._read() as conn:
            rows = conn.execute(sql, params).fetchall()
            messages = self._messages(conn, [r[0] for r in rows])
        return [self._record(row, messages.get(row[0], ())) for row in rows]

    def files(self, order_id: str) -> list[OrderFile]:
        """The result files of an order, sorted by path."""
        with self._read() as conn:
            self._state(conn, order_id)
            rows = conn.execute(
                "SELECT rel_path, layer, size_bytes FROM order_files WHERE order_id = ? "
                "ORDER BY rel_path", (order_id,),
            ).fetchall()
        return [OrderFile(*row) for row in rows]

    def is_cancel_requested(self, order_id: str) -> bool:
        with self._read() as conn:
            row = conn.execute(
                "SELECT cancel_requested FROM orders WHERE id = ?", (order_id,)
            ).fetchone()
        if row is None:
            raise OrderNotFound(order_id)
        return bool(row[0])

    # -- state changes (one transaction each) --------------------------------------------------

    def create(self, spec: Mapping[str, Any], name: str, *, queue: bool = False,
               order_id: Optional[str] = None, area_km2: Optional[float] = None,
               approval_reason: Optional[str] = None) -> OrderRecord:
        """Record a new order (``placed``; ``queued`` at once when ``queue``). With an
        ``approval_reason`` (e.g. its area is above the service's threshold) the order needs
        an operator's approval: queueing it makes it ``needs_approval`` instead."""
        order_id = order_id or new_order_id()
        now = utc_now()
        spec_json = json.dumps(dict(spec), sort_keys=True, ensure_ascii=False)
        needs = approval_reason is not None
        state = (NEEDS_APPROVAL if needs else QUEUED) if queue else PLACED
        with self._write() as conn:
            conn.execute(
                "INSERT INTO orders (id, name, spec_json, state, created_utc, updated_utc, "
                "queued_utc, area_km2, approval_required) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (order_id, name, spec_json, state, now, now, now if state == QUEUED else None,
                 None if area_km2 is None else float(area_km2), int(needs)),
            )
            text = {QUEUED: "order placed and queued", PLACED: "order placed",
                    NEEDS_APPROVAL: f"order placed; it waits for an operator's approval: "
                                    f"{approval_reason}"}[state]
            self._message(conn, order_id, now, "info", text)
            return self._load(conn, order_id)

    def enqueue(self, order_id: str) -> OrderRecord:
        """``placed`` -> ``queued`` (or ``needs_approval`` when it needs an approval not yet
        given); a queued or waiting order is left as it is."""
        with self._write() as conn:
            state = self._state(conn, order_id)
            if state in (QUEUED, NEEDS_APPROVAL):
                return self._load(conn, order_id)
            if state != PLACED:
                raise OrderStateError(order_id, state, "only a placed order can be queued")
            now = utc_now()
            target = NEEDS_APPROVAL if self._awaits_approval(conn, order_id) else QUEUED
            conn.execute(
                "UPDATE orders SET state = ?, queued_utc = ?, updated_utc = ? WHERE id = ?",
                (target, now if target == QUEUED else None, now, order_id),
            )
            self._message(conn, order_id, now, "info", "order queued" if target == QUEUED
                          else "order waits for an operator's approval")
            return self._load(conn, order_id)

    def approve(self, order_id: str, by: str) -> OrderRecord:
        """``needs_approval`` -> ``queued``: an operator (``by``) approved the order."""
        with self._write() as conn:
            state = self._state(conn, order_id)
            if state != NEEDS_APPROVAL:
                raise OrderStateError(order_id, state,
                                      "only an order waiting for approval can be approved")
            now = utc_now()
            conn.execute(
                "UPDATE orders SET state = ?, queued_utc = ?, updated_utc = ?, approved_utc = ?, "
                "approved_by = ? WHERE id = ?", (QUEUED, now, now, now, by, order_id),
            )
            self._message(conn, order_id, now, "info", f"approved by {by}; queued")
            return self._load(conn, order_id)

    @staticmethod
    def _awaits_approval(conn: sqlite3.Connection, order_id: str) -> bool:
        row = conn.execute("SELECT approval_required, approved_utc FROM orders WHERE id = ?",
                           (order_id,)).fetchone()
        return bool(row[0]) and row[1] is None

    def claim(self, order_id: str, owner: Optional[str] = None) -> OrderRecord:
        """``placed``/``queued`` -> ``processing`` for ``owner`` (default: this process), counting
        one attempt. Used to execute one given order (embedded engine)."""
        with self._write() as conn:
            state = self._state(conn, order_id)
            if state not in (PLACED, QUEUED):
                raise OrderStateError(order_id, state, "only a placed or queued order can start")
            if self._awaits_approval(conn, order_id):
                raise OrderStateError(order_id, state, "it waits for an operator's approval")
            self._start(conn, order_id, owner or process_owner())
            return self._load(conn, order_id)

    def next_queued(self) -> Optional[OrderRecord]:
        """The order :meth:`claim_next` would take now (the oldest queued), or None."""
        with self._read() as conn:
            order_id = self._next_queued_id(conn)
            return None if order_id is None else self._load(conn, order_id)

    def claim_next(self, owner: Optional[str] = None) -> Optional[OrderRecord]:
        """Take the oldest queued order (``processing`` for ``owner``), or None if none waits."""
        with self._write() as conn:
            order_id = self._next_queued_id(conn)
            if order_id is None:
                return None
            self._start(conn, order_id, owner or process_owner())
            return self._load(conn, order_id)

    @staticmethod
    def _next_queued_id(conn: sqlite3.Connection) -> Optional[str]:
        row = conn.execute(
            "SELECT id FROM orders WHERE state = ? ORDER BY queued_utc, rowid LIMIT 1", (QUEUED,),
        ).fetchone()
        return None if row is None else row[0]

    def _start(self, conn: sqlite3.Connection, order_id: str, owner: str) -> None:
        now = utc_now()
        conn.execute(
            "UPDATE orders SET state = ?, attempts = attempts + 1, owner = ?, heartbeat_utc = ?, "
            "started_utc = ?, updated_utc = ?, progress = 0, progress_message = '', "
            "finished_utc = NULL, error = NULL, result_json = NULL WHERE id = ?",
            (PROCESSING, owner, now, now, now, order_id),
        )
        conn.execute("DELETE FROM order_tasks WHERE order_id = ?", (order_id,))
        attempts = conn.execute("SELECT attempts FROM orders WHERE id = ?", (order_id,)).fetchone()
        self._message(conn, order_id, now, "info",
                      f"processing started (attempt {attempts[0]}) by {owner}")

    def report_progress(self, order_id: str, fraction: float, message: str = "") -> None:
        """Progress of a processing order (fraction clipped to 0-1); also a heartbeat.
        Ignored when the order is no longer processing (e.g. deleted or recovered elsewhere)."""
        fraction = min(1.0, max(0.0, float(fraction)))
        now = utc_now()
        with self._write() as conn:
            conn.execute(
                "UPDATE orders SET progress = ?, progress_message = ?, heartbeat_utc = ?, "
                "updated_utc = ? WHERE id = ? AND state = ?",
                (fraction, str(message), now, now, order_id, PROCESSING),
            )

    def report_tasks(self, order_id: str, tasks: Sequence[OrderTask]) -> None:
        """The state of the tasks of a processing order on a distributed engine (each row
        replaced); also a heartbeat. Ignored when the order is no longer processing."""
        now = utc_now()
        for task in tasks:
            if task.state not in TASK_STATES:
                raise ValueError(f"task state {task.state!r} is not one of {TASK_STATES}")
        with self._write() as conn:
            row = conn.execute("SELECT state FROM orders WHERE id = ?", (order_id,)).fetchone()
            if row is None or row[0] != PROCESSING:
                return
            conn.executemany(
                "INSERT OR REPLACE INTO order_tasks (order_id, key, label, state, progress, "
                "message, worker, attempts, updated_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(order_id, t.key, t.label, t.state, min(1.0, max(0.0, float(t.progress))),
                  t.message, t.worker, int(t.attempts), now) for t in tasks],
            )
            conn.execute("UPDATE orders SET heartbeat_utc = ? WHERE id = ?", (now, order_id))

    def tasks(self, order_id: str) -> list[OrderTask]:
        """The tasks of an order's last run on a distributed engine, by key."""
        with self._read() as conn:
            self._state(conn, order_id)
            return list(self._tasks(conn, order_id))

    @staticmethod
    def _tasks(conn: sqlite3.Connection, order_id: str) -> tuple[OrderTask, ...]:
        rows = conn.execute(
            "SELECT key, label, state, progress, message, worker, attempts FROM order_tasks "
            "WHERE order_id = ? ORDER BY key", (order_id,)).fetchall()
        return tuple(OrderTask(k, lab, st, float(p), m, w, int(a))
                     for k, lab, st, p, m, w, a in rows)

    def heartbeat(self, order_ids: Sequence[str]) -> None:
        """Mark processing orders as still alive (see :meth:`recover_interrupted`)."""
        if not order_ids:
            return
        now = utc_now()
        with self._write() as conn:
            conn.executemany(
                "UPDATE orders SET heartbeat_utc = ? WHERE id = ? AND state = ?",
                [(now, oid, PROCESSING) for oid in order_ids],
            )

    def request_cancel(self, order_id: str) -> OrderRecord:
        """Cancel: a placed or queued order is cancelled at once; a processing order is flagged
        and stops at the engine's next cancel check. Cancelling a cancelled order does nothing;
        a finished or failed order cannot be cancelled."""
        with self._write() as conn:
            state = self._state(conn, order_id)
            now = utc_now()
            if state in (PLACED, QUEUED, NEEDS_APPROVAL):
                conn.execute(
                    "UPDATE orders SET state = ?, cancel_requested = 1, finished_utc = ?, "
                    "updated_utc = ? WHERE id = ?", (CANCELLED, now, now, order_id),
                )
                self._message(conn, order_id, now, "info",
                              f"cancelled while {state.replace('_', ' ')}")
            elif state == PROCESSING:
                conn.execute(
                    "UPDATE orders SET cancel_requested = 1, updated_utc = ? WHERE id = ?",
                    (now, order_id),
                )
                self._message(conn, order_id, now, "info", "cancel requested while processing")
            elif state != CANCELLED:
                raise OrderStateError(order_id, state, "it has already ended")
            return self._load(conn, order_id)

    def finish(self, order_id: str, result: Mapping[str, Any], files: Sequence[OrderFile], *,
               partial_reason: Optional[str] = None) -> OrderRecord:
        """``processing`` -> ``finished`` (or ``partially_finished`` with ``partial_reason``),
        with the engine's result and the result files, in one transaction."""
        state_after = PARTIALLY_FINISHED if partial_reason else FINISHED
        with self._write() as conn:
            state = self._state(conn, order_id)
            if state != PROCESSING:
                raise OrderStateError(order_id, state, "only a processing order can finish")
            now = utc_now()
            conn.execute(
                "UPDATE orders SET state = ?, progress = 1, progress_message = ?, finished_utc = ?,"
                " updated_utc = ?, heartbeat_utc = ?, result_json = ?, error = NULL, owner = NULL "
                "WHERE id = ?",
                (state_after, "done", now, now, now,
                 json.dumps(dict(result), sort_keys=True, ensure_ascii=False), order_id),
            )
            conn.execute("DELETE FROM order_files WHERE order_id = ?", (order_id,))
            conn.executemany(
                "INSERT INTO order_files (order_id, rel_path, layer, size_bytes) "
                "VALUES (?, ?, ?, ?)",
                [(order_id, f.rel_path, f.layer, int(f.size_bytes)) for f in files],
            )
            if partial_reason:
                self._message(conn, order_id, now, "warning",
                              f"partially finished: {partial_reason}")
            else:
                self._message(conn, order_id, now, "info", f"finished: {len(files)} result files")
            return self._load(conn, order_id)

    def fail(self, order_id: str, reason: str) -> OrderRecord:
        """``processing`` (or placed/queued, when the order cannot even start) -> ``failed``."""
        with self._write() as conn:
            state = self._state(conn, order_id)
            if state in TERMINAL_STATES:
                raise OrderStateError(order_id, state, "it has already ended")
            now = utc_now()
            conn.execute(
                "UPDATE orders SET state = ?, error = ?, finished_utc = ?, updated_utc = ?, "
                "owner = NULL WHERE id = ?", (FAILED, reason, now, now, order_id),
            )
            self._message(conn, order_id, now, "error", f"failed: {reason}")
            return self._load(conn, order_id)

    def mark_cancelled(self, order_id: str, message: str = "cancelled while processing; "
                       "partial output removed") -> OrderRecord:
        """``processing`` -> ``cancelled`` once the engine has stopped and cleaned up."""
        with self._write() as conn:
            state = self._state(conn, order_id)
            if state == CANCELLED:
                return self._load(conn, order_id)
            if state != PROCESSING:
                raise OrderStateError(order_id, state, "only a processing order stops by cancel")
            now = utc_now()
            conn.execute(
                "UPDATE orders SET state = ?, cancel_requested = 1, finished_utc = ?, "
                "updated_utc = ?, owner = NULL WHERE id = ?", (CANCELLED, now, now, order_id),
            )
            self._message(conn, order_id, now, "info", message)
            return self._load(conn, order_id)

    def requeue(self, order_id: str, message: str, *, count_attempt: bool = False) -> OrderRecord:
        """``processing`` -> ``queued``, e.g. when the service shuts down gracefully and stops an
        order so the next start resumes it. Unless ``count_attempt``, the stopped attempt is not
        counted against the order's attempts."""
        with self._write() as conn:
            state = self._state(conn, order_id)
            if state != PROCESSING:
                raise OrderStateError(order_id, state, "only a processing order can be re-queued")
            now = utc_now()
            conn.execute(
                "UPDATE orders SET state = ?, queued_utc = ?, updated_utc = ?, progress = 0, "
                "progress_message = '', owner = NULL, attempts = attempts - ? WHERE id = ?",
                (QUEUED, now, now, 0 if count_attempt else 1, order_id),
            )
            self._message(conn, order_id, now, "info", message)
            return self._load(conn, order_id)

    def retry(self, order_id: str) -> OrderRecord:
        """A failed, cancelled or partially finished order is queued again from scratch (its
        attempts, result and files are reset; the caller removes its result folder). An order
        that needed an approval never given waits for it again (``needs_approval``)."""
        with self._write() as conn:
            state = self._state(conn, order_id)
            if state not in RETRYABLE_STATES:
                raise OrderStateError(
                    order_id, state, "only a failed, cancelled or partially finished order can be "
                    "retried",
                )
            now = utc_now()
            target = NEEDS_APPROVAL if self._awaits_approval(conn, order_id) else QUEUED
            conn.execute(
                "UPDATE orders SET state = ?, attempts = 0, cancel_requested = 0, progress = 0, "
                "progress_message = '', queued_utc = ?, updated_utc = ?, started_utc = NULL, "
                "finished_utc = NULL, result_json = NULL, error = NULL, owner = NULL WHERE id = ?",
                (target, now if target == QUEUED else None, now, order_id),
            )
            conn.execute("DELETE FROM order_files WHERE order_id = ?", (order_id,))
            conn.execute("DELETE FROM order_tasks WHERE order_id = ?", (order_id,))
            self._message(conn, order_id, now, "info", f"retry requested (was {state})" + (
                "; it waits for an operator's approval" if target == NEEDS_APPROVAL else ""))
            return self._load(conn, order_id)

    def delete(self, order_id: str) -> OrderRecord:
        """Remove an order that is not processing (its messages and file list go with it); returns
        the record as it was. The caller removes its result folder."""
        with self._write() as conn:
            record = self._load(conn, order_id)
            if record.state == PROCESSING:
                raise OrderStateError(order_id, record.state, "cancel it before deleting it")
            conn.execute("DELETE FROM orders WHERE id = ?", (order_id,))
            return record

    def add_message(self, order_id: str, level: str, text: str) -> None:
        with self._write() as conn:
            self._state(conn, order_id)
            self._message(conn, order_id, utc_now(), level, text)

    def recover_interrupted(
        self,
        max_attempts: int,
        *,
        stale_after_s: float = 120.0,
        is_alive: Callable[[Optional[str]], Optional[bool]] = owner_is_alive,
        on_recover: Optional[Callable[[str], None]] = None,
    ) -> list[Recovery]:
        """Orders left ``processing`` by a process that died are re-queued to resume (while they
        have used fewer than ``max_attempts`` attempts) or failed with the reason.

        An order is orphaned when its owner process is known dead (same host, pid gone) or, when
        that cannot be known, when its heartbeat is older than ``stale_after_s``. Orders of live
        owners are left alone, so several QGIS sessions may share one store. ``on_recover(id)`` is
        called inside the transaction before the state changes (e.g. to remove partial output);
        if it raises, nothing changes for that order.
        """
        recovered: list[Recovery] = []
        now_dt = datetime.now(timezone.utc)
        with self._write() as conn:
            rows = conn.execute(
                "SELECT id, owner, heartbeat_utc, attempts FROM orders WHERE state = ?",
                (PROCESSING,),
            ).fetchall()
            for order_id, owner, heartbeat, attempts in rows:
                alive = is_alive(owner)
                if alive is None:
                    age_s = (now_dt - parse_utc(heartbeat)).total_seconds() if heartbeat else 1e9
                    alive = age_s < stale_after_s
                    why = f"no heartbeat from {owner or 'its owner'} for {age_s:.0f} s"
                else:
                    why = f"the process {owner} that was processing it stopped"
                if alive:
                    continue
                if on_recover is not None:
                    on_recover(order_id)
                now = utc_now()
                if attempts < max_attempts:
                    message = (f"interrupted: {why} during attempt {attempts} of {max_attempts}; "
                               "partial output removed, re-queued to resume")
                    conn.execute(
                        "UPDATE orders SET state = ?, queued_utc = ?, updated_utc = ?, "
                        "progress = 0, progress_message = '', owner = NULL WHERE id = ?",
                        (QUEUED, now, now, order_id),
                    )
                    self._message(conn, order_id, now, "warning", message)
                    recovered.append(Recovery(order_id, QUEUED, message))
                else:
                    reason = (f"interrupted {_times(attempts, 'time')} (last: {why}); gave up "
                              f"after {_times(max_attempts, 'attempt')}")
                    conn.execute(
                        "UPDATE orders SET state = ?, error = ?, finished_utc = ?, updated_utc = ?,"
                        " owner = NULL WHERE id = ?", (FAILED, reason, now, now, order_id),
                    )
                    self._message(conn, order_id, now, "error", f"failed: {reason}")
                    recovered.append(Recovery(order_id, FAILED, reason))
        return recovered

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _state(conn: sqlite3.Connection, order_id: str) -> OrderState:
        row = conn.execute("SELECT state FROM orders WHERE id = ?", (order_id,)).fetchone()
        if row is None:
            raise OrderNotFound(order_id)
        return OrderState(row[0])

    @staticmethod
    def _message(conn: sqlite3.Connection, order_id: str, time_utc: str, level: str,
                 text: str) -> None:
        if level not in MESSAGE_LEVELS:
            raise ValueError(f"message level {level!r} is not one of {MESSAGE_LEVELS}")
        conn.execute(
            "INSERT INTO order_messages (order_id, time_utc, level, text) VALUES (?, ?, ?, ?)",
            (order_id, time_utc, level, text),
        )

    @staticmethod
    def _messages(conn: sqlite3.Connection,
                  order_ids: Sequence[str]) -> dict[str, tuple[OrderMessage, ...]]:
        out: dict[str, list[OrderMessage]] = {}
        # Chunked to stay below SQLite's bound-parameter limit.
        for k in range(0, len(order_ids), 500):
            chunk = list(order_ids[k:k + 500])
            marks = ", ".join("?" * len(chunk))
            for oid, time_utc, level, text in conn.execute(
                f"SELECT order_id, time_utc, level, text FROM order_messages "
                f"WHERE order_id IN ({marks}) ORDER BY id", chunk,
            ):
                out.setdefault(oid, []).append(OrderMessage(time_utc, level, text))
        return {k: tuple(v) for k, v in out.items()}

    def _load(self, conn: sqlite3.Connection, order_id: str) -> OrderRecord:
        row = conn.execute(
            f"SELECT {_ORDER_COLUMNS} FROM orders WHERE id = ?", (order_id,)
        ).fetchone()
        if row is None:
            raise OrderNotFound(order_id)
        return self._record(row, self._messages(conn, [order_id]).get(order_id, ()),
                            self._tasks(conn, order_id))

    @staticmethod
    def _record(row: Sequence[Any], messages: tuple[OrderMessage, ...],
                tasks: tuple[OrderTask, ...] = ()) -> OrderRecord:
        (oid, name, state, spec_json, progress, progress_message, attempts, cancel_requested,
         owner, heartbeat, created, updated, queued, started, finished, result_json, error,
         area_km2, approval_required, approved_utc, approved_by) = row
        return OrderRecord(
            id=oid, name=name, state=OrderState(state), spec=json.loads(spec_json),
            progress=float(progress),
            progress_message=progress_message, attempts=int(attempts),
            cancel_requested=bool(cancel_requested), owner=owner, heartbeat_utc=heartbeat,
            created_utc=created, updated_utc=updated, queued_utc=queued, started_utc=started,
            finished_utc=finished,
            result=json.loads(result_json) if result_json else None, error=error,
            messages=messages, area_km2=None if area_km2 is None else float(area_km2),
            approval_required=bool(approval_required), approved_utc=approved_utc,
            approved_by=approved_by, tasks=tasks,
        )
