"""The engine service: a JSON API over HTTP for the order store and runner, on the standard
library's ``ThreadingHTTPServer``.

Endpoints (all JSON unless noted; described for machines at ``GET /openapi.json``)::

    POST   /orders                         create an order (body: the order spec)   201
    GET    /orders[?state=S&limit=N]       orders, newest first                     200
    GET    /orders/{id}                    one order                                200
    POST   /orders/{id}/cancel             cancel (202 while the run is stopping)   200/202
    POST   /orders/{id}/retry              queue a failed/cancelled/partial order   200
    POST   /orders/{id}/approve            an operator approves an order waiting    200
                                           for it (operator token only)
    DELETE /orders/{id}                    delete an order that is not running      204
    GET    /orders/{id}/files              the result files                         200
    GET    /orders/{id}/files/{path}       one result file (bytes; Range supported) 200/206
    GET    /health                         service state                            200
    GET    /openapi.json                   OpenAPI 3.0 description                  200

Errors are ``{"error": "...", "fields": {field: reason}}`` with 400 (malformed request or JSON),
401 (token missing or wrong), 403 (approving without the operator token), 404 (unknown id, file
or path), 405, 409 (not allowed in the order's state), 411/413 (body length), 416 (range), 422
(invalid order fields).

When a token is configured every request needs ``Authorization: Bearer <token>``; the comparison
takes constant time (``hmac.compare_digest``). The operator token (``operator_token``) is accepted
wherever the token is, and is the only one that approves orders waiting for approval (orders
above the runner's ``approval_above_km2``). Files are streamed from disk in chunks of
:data:`CHUNK_BYTES`, never read whole into memory; a single ``Range: bytes=a-b`` (or ``a-``,
``-n``) is answered with 206 and ``Content-Range`` (multi-range requests get the whole file, as
RFC 9110 allows); ``If-Range`` with the file's ETag makes resumed downloads safe.
"""
from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import mimetypes
import os
import re
import socket
import traceback
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Mapping, Optional
from urllib.parse import parse_qs, quote, unquote, urlsplit

from ... import __version__
from ..errors import S2GMError, ValidationError
from .datadir import results_dir
from .openapi import openapi_document
from .runner import OrderRunner, parse_mosaic_order
from .store import (
    FINISHED, NEEDS_APPROVAL, PARTIALLY_FINISHED, PROCESSING, STATES, OrderNotFound,
    OrderStateError,
)

log = logging.getLogger(__name__)

#: Largest request body accepted (an order with a detailed AOI polygon fits easily).
MAX_BODY_BYTES = 16 * 1024 * 1024
#: Size of the pieces a result file is streamed in.
CHUNK_BYTES = 256 * 1024
#: Seconds a connection may stay silent before its thread gives up (slow or dead clients).
REQUEST_TIMEOUT_S = 60

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$")
_ORDER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


_BBOX_TEXT = re.compile(r"^\s*[-+0-9.eE]+(\s*,\s*[-+0-9.eE]+){3}\s*$")
_WKT_TEXT = re.compile(
    r"^\s*(SRID=\d+;\s*)?(MULTI)?(POINT|LINESTRING|POLYGON|SURFACE|GEOMETRYCOLLECTION)\s*"
    r"(ZM|Z|M)?\s*(\(|EMPTY)", re.IGNORECASE,
)


def parse_service_order(spec: Mapping[str, Any]):
    """``MosaicOrder.from_dict`` for orders coming over the network: the AOI may be GeoJSON,
    WKT or a bbox, but not a file path (that would let clients make the server open its own
    files)."""
    aoi = spec.get("aoi") if isinstance(spec, Mapping) else None
    if isinstance(aoi, str) and not (aoi.lstrip().startswith("{") or _BBOX_TEXT.match(aoi)
                                     or _WKT_TEXT.match(aoi)):
        raise ValidationError({"aoi": "the engine service takes GeoJSON, WKT or "
                                      "'minx,miny,maxx,maxy', not a file path"})
    return parse_mosaic_order(spec)


class HttpError(Exception):
    """An error answer: status, message and optional field errors."""

    def __init__(self, status: int, message: str, fields: Optional[Mapping[str, str]] = None,
                 headers: Optional[Mapping[str, str]] = None):
        super().__init__(message)
        self.status = int(status)
        self.message = message
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (a name or an address) only reaches this machine."""
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos)


def read_token_file(path: str | os.PathLike) -> str:
    """The bearer token stored in ``path`` (surrounding whitespace ignored).

    On POSIX systems the file must not be readable or writable by other users (as ``ssh``
    requires of private keys): any local account could otherwise read the secret, or change it.
    Access for the file's group is allowed (e.g. ``root:s2gm 0640`` for a service account).
    """
    try:
        mode = os.stat(path).st_mode
        if os.name == "posix" and mode & 0o007:
            raise S2GMError(
                f"{path}: other users can read or change it (mode {mode & 0o777:04o}); keep the "
                f"token private: chmod 600 {path}"
            )
        token = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise S2GMError(f"{path}: cannot read the token file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise S2GMError(f"{path}: the token file is not UTF-8 text") from exc
    if not token:
        raise S2GMError(f"{path}: the token file is empty; expected the token on one line")
    if any(c.isspace() for c in token):
        raise S2GMError(f"{path}: the token must be one word without spaces")
    return token


def parse_range(header: Optional[str], size: int) -> Optional[tuple[int, int]]:
    """``(first, last)`` byte positions (inclusive) asked by a single-range ``Range`` header, or
    None to send the whole file (no header, several ranges, or a syntax this server ignores).
    Raises HttpError 416 when the range cannot be satisfied."""
    if not header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    unsatisfiable = HttpError(
        HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
        f"range {header.strip()!r} is outside the file ({size} bytes)",
        headers={"Content-Range": f"bytes */{size}"},
    )
    if not first_text:  # suffix range: the last n bytes
        n = int(last_text)
        if n == 0 or size == 0:
            raise unsatisfiable
        return max(0, size - n), size - 1
    first = int(first_text)
    if last_text and int(last_text) < first:
        return None  # syntactically invalid: ignored, as RFC 9110 says
    if first >= size:
        raise unsatisfiable
    last = int(last_text) if last_text else size - 1
    return first, min(last, size - 1)


def file_etag(stat: os.stat_result) -> str:
    """A strong validator of a result file: size and modification time."""
    return f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'


@dataclass
class EngineService:
    """What the HTTP handler serves: a runner (with its store) and an optional token."""

    runner: OrderRunner
    token: Optional[str] = None
    max_body_bytes: int = MAX_BODY_BYTES
    #: The token that approves orders waiting for approval (None: nobody can approve).
    operator_token: Optional[str] = None

    @property
    def store(self):
        return self.runner.store

    def file_path(self, order_id: str, rel_path: str) -> Path:
        """The path of a result file of a finished order, refusing anything that is not one of
        the order's recorded files or that resolves outside its results folder."""
        record = self.store.get(order_id)
        if record.state not in (FINISHED, PARTIALLY_FINISHED):
            raise HttpError(HTTPStatus.NOT_FOUND,
                            f"order {order_id} has no result files (it is "
                            f"{record.state.replace('_', ' ')})")
        known = {f.rel_path for f in self.store.files(order_id)}
        if rel_path not in known:
            raise HttpError(HTTPStatus.NOT_FOUND,
                            f"order {order_id} has no result file {rel_path!r}")
        folder = results_dir(self.runner.results_root, order_id).resolve()
        path = (folder / rel_path).resolve()
        if not path.is_relative_to(folder):
            raise HttpError(HTTPStatus.BAD_REQUEST, f"path {rel_path!r} leaves the results folder",
                            {"path": "must stay inside the order's results folder"})
        if not path.is_file():
            raise HttpError(HTTPStatus.NOT_FOUND,
                            f"result file {rel_path!r} of order {order_id} is missing on the "
                            "server (removed by hand?)")
        return path


class EngineRequestHandler(BaseHTTPRequestHandler):
    """Routes one HTTP request to the service; see the module docstring for the API."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and
    # the client's delayed ACK add ~40 ms to every answer on a kept-alive connection.
    disable_nagle_algorithm = True
    server_version = f"s2gm-engine/{__version__}"
    timeout = REQUEST_TIMEOUT_S

    # -- plumbing ------------------------------------------------------------------------------

    @property
    def service(self) -> EngineService:
        return self.server.service  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        log.info("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:  # noqa: N802 (stdlib names)
        self._handle("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._handle("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle("DELETE")

    def do_PUT(self) -> None:  # noqa: N802
        self._handle("PUT")

    def do_PATCH(self) -> None:  # noqa: N802
        self._handle("PATCH")

    def _handle(self, method: str) -> None:
        self._body_read = False
        try:
            self._check_token()
            self._route(method)
        except HttpError as exc:
            self._send_error(exc)
        except OrderNotFound as exc:
            self._send_error(HttpError(HTTPStatus.NOT_FOUND, str(exc)))
        except OrderStateError as exc:
            self._send_error(HttpError(HTTPStatus.CONFLICT, str(exc), {"state": exc.state}))
        except ValidationError as exc:
            self._send_error(HttpError(HTTPStatus.UNPROCESSABLE_ENTITY,
                                       "invalid order: " + "; ".join(
                                           f"{k}: {v}" for k, v in exc.errors.items()),
                                       exc.errors))
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            self.close_connection = True
        except Exception as exc:  # a bug: answer 500, keep serving
            log.error("%s %s failed:\n%s", method, self.path, traceback.format_exc())
            try:
                self._send_error(HttpError(HTTPStatus.INTERNAL_SERVER_ERROR,
                                           f"internal error: {type(exc).__name__}: {exc}"))
            except OSError:
                self.close_connection = True

    def _check_token(self) -> None:
        token, operator = self.service.token, self.service.operator_token
        header = self.headers.get("Authorization", "")
        scheme, _, given = header.partition(" ")
        given_bytes = given.strip().encode("utf-8")
        bearer = scheme.lower() == "bearer"
        # Both comparisons always run, so the time taken tells nothing about either token.
        is_operator = bool(operator) & hmac.compare_digest(
            given_bytes, (operator or "\x00").encode("utf-8")) & bearer
        is_user = bool(token) & hmac.compare_digest(
            given_bytes, (token or "\x00").encode("utf-8")) & bearer
        self._operator = is_operator
        if not token:
            return
        challenge = {"WWW-Authenticate": 'Bearer realm="s2gm engine"'}
        if not header:
            raise HttpError(HTTPStatus.UNAUTHORIZED,
                            "this engine service needs a token: send 'Authorization: Bearer "
                            "<token>'", headers=challenge)
        if not (is_user or is_operator):
            raise HttpError(HTTPStatus.UNAUTHORIZED, "the token is not valid for this engine "
                            "service", headers=challenge)

    def _send_json(self, status: int, payload: Any, headers: Optional[Mapping[str, str]] = None,
                   head_only: bool = False) -> None:
        body = (json.dumps(payload, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
        self._finish_body_before_answer()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def _send_no_content(self) -> None:
        self._finish_body_before_answer()
        self.send_response(HTTPStatus.NO_CONTENT)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send_error(self, exc: HttpError) -> None:
        payload = {"error": exc.message, "fields": exc.fields}
        self._send_json(exc.status, payload, exc.headers,
                        head_only=self.command == "HEAD")

    def _finish_body_before_answer(self) -> None:
        """A request body left unread would be taken as the next request on a kept-alive
        connection: answer with ``Connection: close`` instead."""
        if not self._body_read and self.headers.get("Content-Length", "0").strip() not in ("", "0"):
            self.close_connection = True
        if self.headers.get("Transfer-Encoding") and not self._body_read:
            self.close_connection = True

    def _read_chunked(self) -> bytes:
        """A ``Transfer-Encoding: chunked`` body (RFC 9112 section 7.1), at most
        ``max_body_bytes``; trailers are read and ignored."""
        limit = self.service.max_body_bytes
        parts, total = [], 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                self.close_connection = True
                raise HttpError(HTTPStatus.BAD_REQUEST, "malformed chunked body") from None
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass
                self._body_read = True
                return b"".join(parts)
            total += size
            if total > limit:
                self.close_connection = True
                raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                                f"the body exceeds {limit} bytes")
            data = self.rfile.read(size)
            self.rfile.readline(3)  # the CRLF after each chunk
            if len(data) != size:
                self.close_connection = True
                raise HttpError(HTTPStatus.BAD_REQUEST, "the chunked body ended early")
            parts.append(data)

    def _read_json(self) -> Any:
        encoding = self.headers.get("Transfer-Encoding", "").strip().lower()
        if encoding == "chunked":
            return self._decode_json(self._read_chunked())
        if encoding:
            raise HttpError(HTTPStatus.NOT_IMPLEMENTED,
                            f"Transfer-Encoding {encoding!r} is not supported; send the body "
                            "with a Content-Length")
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            raise HttpError(HTTPStatus.LENGTH_REQUIRED, "the request needs a Content-Length")
        try:
            length = int(length_text)
        except ValueError:
            raise HttpError(HTTPStatus.BAD_REQUEST,
                            f"Content-Length {length_text!r} is not a number") from None
        if length < 0:
            raise HttpError(HTTPStatus.BAD_REQUEST, "Content-Length is negative")
        if length > self.service.max_body_bytes:
            raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                            f"the body has {length} bytes; at most "
                            f"{self.service.max_body_bytes} are accepted")
        raw = self.rfile.read(length)
        self._body_read = True
        if len(raw) != length:
            self.close_connection = True
            raise HttpError(HTTPStatus.BAD_REQUEST,
                            f"the body ended after {len(raw)} of {length} bytes")
        return self._decode_json(raw)

    @staticmethod
    def _decode_json(raw: bytes) -> Any:
        try:
            return json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise HttpError(HTTPStatus.BAD_REQUEST,
                            f"malformed JSON: the body is not UTF-8 ({exc.reason} at byte "
                            f"{exc.start})") from None
        except json.JSONDecodeError as exc:
            raise HttpError(HTTPStatus.BAD_REQUEST,
                            f"malformed JSON: {exc.msg} at line {exc.lineno} column "
                            f"{exc.colno}") from None

    # -- routing -------------------------------------------------------------------------------

    def _route(self, method: str) -> None:
        split = urlsplit(self.path)
        raw_segments = split.path.split("/")[1:]
        if raw_segments and raw_segments[-1] == "" and len(raw_segments) > 1:
            raw_segments = raw_segments[:-1]  # tolerate a trailing slash
        segments = [unquote(s) for s in raw_segments]
        query = parse_qs(split.query, keep_blank_values=True)

        if segments == ["health"]:
            self._allow(method, "GET", "HEAD")
            return self._send_json(200, self._health(), head_only=method == "HEAD")
        if segments == ["openapi.json"]:
            self._allow(method, "GET", "HEAD")
            return self._send_json(200, openapi_document(), head_only=method == "HEAD")
        if segments == ["orders"]:
            self._allow(method, "GET", "HEAD", "POST")
            if method == "POST":
                return self._create_order()
            return self._send_json(200, self._list_orders(query), head_only=method == "HEAD")
        if len(segments) >= 2 and segments[0] == "orders":
            order_id = segments[1]
            if not _ORDER_ID.match(order_id):
                raise HttpError(HTTPStatus.NOT_FOUND, f"no order with id {order_id!r}")
            rest = segments[2:]
            if not rest:
                self._allow(method, "GET", "HEAD", "DELETE")
                if method == "DELETE":
                    self.service.runner.delete(order_id)
                    return self._send_no_content()
                record = self.service.store.get(order_id)
                return self._send_json(200, self._order_json(record), head_only=method == "HEAD")
            if rest == ["cancel"]:
                self._allow(method, "POST")
                record = self.service.runner.cancel(order_id)
                status = 202 if record.state == PROCESSING else 200
                return self._send_json(status, self._order_json(record))
            if rest == ["retry"]:
                self._allow(method, "POST")
                return self._send_json(200, self._order_json(self.service.runner.retry(order_id)))
            if rest == ["approve"]:
                self._allow(method, "POST")
                return self._approve(order_id)
            if rest == ["files"]:
                self._allow(method, "GET", "HEAD")
                return self._send_json(200, self._list_files(order_id),
                                       head_only=method == "HEAD")
            if rest[0] == "files":
                self._allow(method, "GET", "HEAD")
                rel_path = self._safe_rel_path(rest[1:])
                return self._send_file(order_id, rel_path, head_only=method == "HEAD")
        raise HttpError(HTTPStatus.NOT_FOUND, f"no such resource: {split.path}")

    def _allow(self, method: str, *allowed: str) -> None:
        if method not in allowed:
            raise HttpError(HTTPStatus.METHOD_NOT_ALLOWED,
                            f"{method} is not allowed here; use {' or '.join(allowed)}",
                            headers={"Allow": ", ".join(allowed)})

    @staticmethod
    def _safe_rel_path(segments: list[str]) -> str:
        bad = [s for s in segments
               if s in ("", ".", "..") or "/" in s or "\\" in s or "\x00" in s or ":" in s]
        if not segments or bad:
            raise HttpError(HTTPStatus.BAD_REQUEST,
                            "refused file path: it must be a relative path inside the order's "
                            "results, without '..', '.', empty parts, backslashes or drive letters",
                            {"path": "path traversal refused"})
        return "/".join(segments)

    # -- endpoints -----------------------------------------------------------------------------

    def _order_json(self, record) -> dict[str, Any]:
        payload = record.to_json_dict()
        base = f"/orders/{quote(record.id)}"
        payload["links"] = {"self": base, "files": f"{base}/files", "cancel": f"{base}/cancel",
                            "retry": f"{base}/retry"}
        if record.state == NEEDS_APPROVAL:
            payload["links"]["approve"] = f"{base}/approve"
        return payload

    def _approve(self, order_id: str) -> None:
        if not self.service.operator_token:
            raise HttpError(HTTPStatus.FORBIDDEN,
                            "this engine service has no operator token, so nobody can approve "
                            "orders: start it with --operator-token-file")
        if not getattr(self, "_operator", False):
            raise HttpError(HTTPStatus.FORBIDDEN,
                            "approving an order needs the operator token ('Authorization: "
                            "Bearer <operator token>')",
                            headers={"WWW-Authenticate": 'Bearer realm="s2gm operator"'})
        host = self.client_address[0] if self.client_address else "?"
        record = self.service.runner.approve(order_id, by=f"operator at {host}")
        self._send_json(200, self._order_json(record))

    def _create_order(self) -> None:
        spec = self._read_json()
        if not isinstance(spec, dict):
            raise HttpError(HTTPStatus.BAD_REQUEST,
                            f"the order must be a JSON object, not {type(spec).__name__}")
        record = self.service.runner.submit(spec)
        self._send_json(201, self._order_json(record),
                        headers={"Location": f"/orders/{quote(record.id)}"})

    def _list_orders(self, query: Mapping[str, list[str]]) -> dict[str, Any]:
        fields = {}
        state = (query.get("state") or [None])[-1]
        if state is not None and state not in STATES:
            fields["state"] = f"unknown state {state!r}; expected one of {', '.join(STATES)}"
        limit_text = (query.get("limit") or ["1000"])[-1]
        limit = int(limit_text) if limit_text.isdigit() else -1
        if not 1 <= limit <= 10000:
            fields["limit"] = f"expected a whole number from 1 to 10000, got {limit_text!r}"
        if fields:
            raise HttpError(HTTPStatus.BAD_REQUEST, "invalid query", fields)
        records = self.service.store.orders(state=state, limit=limit)
        return {"orders": [self._order_json(r) for r in records]}

    def _list_files(self, order_id: str) -> dict[str, Any]:
        record = self.service.store.get(order_id)
        files = self.service.store.files(order_id)
        base = f"/orders/{quote(order_id)}/files/"
        return {
            "order_id": order_id,
            "state": record.state,
            "files": [dict(f.to_json_dict(), href=base + quote(f.rel_path)) for f in files],
        }

    def _health(self) -> dict[str, Any]:
        store = self.service.store
        return {
            "status": "ok",
            "version": __version__,
            "schema_version": store.schema_version(),
            "running": self.service.runner.running,
            "queued": len(store.orders(state="queued")),
            "needs_approval": len(store.orders(state=NEEDS_APPROVAL)),
            "approval_above_km2": self.service.runner.approval_above_km2,
            "concurrency": self.service.runner.concurrency,
            "engine": _describe_engine(self.service.runner.engine),
        }

    def _send_file(self, order_id: str, rel_path: str, head_only: bool) -> None:
        path = self.service.file_path(order_id, rel_path)
        with open(path, "rb") as handle:
            stat = os.fstat(handle.fileno())
            size = stat.st_size
            etag = file_etag(stat)
            if_range = self.headers.get("If-Range")
            wanted = None
            if if_range is None or if_range.strip() == etag:
                wanted = parse_range(self.headers.get("Range"), size)
            first, last = wanted if wanted else (0, size - 1)
            length = last - first + 1 if size else 0
            self._finish_body_before_answer()
            self.send_response(206 if wanted else 200)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(length))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", self.date_time_string(int(stat.st_mtime)))
            self.send_header("Content-Disposition", f"attachment; filename*=UTF-8''"
                                                    f"{quote(path.name)}")
            if wanted:
                self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
            self.end_headers()
            if head_only or length == 0:
                return
            handle.seek(first)
            remaining = length
            while remaining > 0:
                chunk = handle.read(min(CHUNK_BYTES, remaining))
                if not chunk:  # the file shrank under us: the client sees a short body
                    self.close_connection = True
                    return
                self.wfile.write(chunk)
                remaining -= len(chunk)


def _describe_engine(engine: Any) -> dict[str, Any]:
    """What the health answer says of the engine: ``{"type": "local"}`` or the engine's own
    description (the Dask engine: scheduler address and workers)."""
    describe = getattr(engine, "describe", None)
    if callable(describe):
        try:
            return dict(describe())
        except Exception as exc:  # noqa: BLE001 (health must answer even then)
            return {"type": "unknown", "error": f"{type(exc).__name__}: {exc}"}
    return {"type": "local"}


class EngineHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server bound to one :class:`EngineService`; one thread per connection,
    daemon threads so a stuck client never blocks shutdown."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], service: EngineService):
        host = address[0]
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.service = service
        super().__init__(address, EngineRequestHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}"


def make_server(service: EngineService, host: str = "127.0.0.1", port: int = 8765
                ) -> EngineHTTPServer:
    """Bind the service to ``host:port`` (port 0: a free port, see ``server.url``)."""
    try:
        return EngineHTTPServer((host, int(port)), service)
    except OSError as exc:
        raise S2GMError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
