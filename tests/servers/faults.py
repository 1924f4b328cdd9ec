"""A small threaded HTTP fault proxy (stdlib only) in front of an upstream on 127.0.0.1.

    proxy = FaultProxy(stac_api.url)          # or FaultProxy(asset_server.url)
    proxy.fail(r"/search$", status=500, times=2)    # first 2 matching requests answer 500
    proxy.fail(r"\\.tif$", status=429, times=1, retry_after=1)
    proxy.slow(0.5)                            # every response delayed 0.5 s
    proxy.loop_paging()                        # /search `next` links point back to the same page
    proxy.truncate(r"B04\\.tif$", times=1, keep=0.5) # body cut at half, then the connection closed
    proxy.reset()                              # no faults, empty log
    proxy.log / proxy.requests(r"/search")     # what went through, with what was injected

Requests are passed through as they came (method, path and query, headers including Range and
Host, body); responses come back as the upstream sent them (status, headers, body), except for
hop-by-hop headers. Because Host is passed on, links that the upstream builds from it (STAC
self/next links) point at the proxy. The proxy speaks HTTP/1.1 with keep-alive to its clients
and opens one upstream connection per request.

Faults are rules matched in the order they were added against the request path (re.search;
path without query string) and, when given, the method; a rule with `times` stops after that
many matches. An injected error (fail) does not reach the upstream.
"""
from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from ._proc import HOST

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "proxy-connection"}


@dataclass
class Rule:
    kind: str                     # "fail", "slow", "loop", "truncate"
    path_regex: str | None
    method: str | None = None
    times: int | None = None      # None: every matching request
    status: int = 500
    retry_after: float | int | None = None
    body: bytes = b""
    seconds: float = 0.0
    keep: float | int = 0.5       # truncate: fraction (<1) or byte count (>=1) of the body kept
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path_regex is None or re.search(self.path_regex, path) is not None


@dataclass
class ProxyRecord:
    """One request through the proxy."""
    method: str
    path: str                     # with query string
    headers: dict[str, str]
    body: bytes
    status: int | None = None     # status sent to the client (None: connection failed/closed)
    injected: list[str] = field(default_factory=list)  # e.g. ["fail:500"], ["slow:0.5", "loop"]
    bytes_sent: int = 0           # body bytes sent to the client
    started: float = 0.0
    seconds: float = 0.0

    @property
    def range(self) -> str | None:
        return self.headers.get("range")

    def json(self):
        return json.loads(self.body) if self.body else None


class FaultProxy:
    """Threaded HTTP proxy on 127.0.0.1:<port> (free port by default) to `upstream`
    ("http://127.0.0.1:PORT[/prefix]"); started by the constructor, stopped by stop()/with."""

    def __init__(self, upstream: str, *, port: int = 0, upstream_timeout: float = 60.0) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"upstream must be http://host:port, got {upstream!r}")
        self.upstream = upstream.rstrip("/")
        self._up_host, self._up_port = parts.hostname, parts.port or 80
        self._up_prefix = parts.path.rstrip("/")
        self.upstream_timeout = upstream_timeout
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        self.log: list[ProxyRecord] = []
        self._sockets: set[socket.socket] = set()
        proxy = self

        class Handler(_Handler):
            owner = proxy

        self._server = ThreadingHTTPServer((HOST, port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://{HOST}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"fault-proxy-{self.port}", daemon=True)
        self._thread.start()

    # ---------------------------------------------------------------- configuration

    def _add(self, rule: Rule) -> Rule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def fail(self, path_regex: str | None = None, status: int = 500, times: int | None = 1, *,
             method: str | None = None, retry_after: float | int | None = None, body: bytes | str | None = None) -> Rule:
        """Answer the first `times` matching requests (None: all) with `status` instead of
        passing them on. 429 and 503 get `Retry-After: 0` unless retry_after says otherwise."""
        if retry_after is None and status in (429, 503):
            retry_after = 0
        if body is None:
            body = json.dumps({"code": str(status), "description": f"injected by FaultProxy ({status})"})
        return self._add(Rule("fail", path_regex, method, times, status=status, retry_after=retry_after,
                              body=body.encode() if isinstance(body, str) else body))

    def slow(self, seconds: float, path_regex: str | None = None, *, times: int | None = None,
             method: str | None = None) -> Rule | None:
        """Delay each matching response by `seconds` before its status line. slow(0) removes the
        slow rules."""
        if seconds <= 0:
            with self._lock:
                self._rules = [r for r in self._rules if r.kind != "slow"]
            return None
        return self._add(Rule("slow", path_regex, method, times, seconds=seconds))

    def loop_paging(self, path_regex: str | None = r"/search$", *, times: int | None = None) -> Rule:
        """In JSON answers of matching requests, point the rel=next link back at the request
        just made (same href, method and body): a server stuck on one page."""
        return self._add(Rule("loop", path_regex, None, times))

    def truncate(self, path_regex: str | None = None, times: int | None = 1, *, keep: float | int = 0.5,
                 method: str | None = None) -> Rule:
        """Send the full Content-Length but only part of the body (`keep` < 1: fraction, else a
        byte count), then close the connection."""
        return self._add(Rule("truncate", path_regex, method, times, keep=keep))

    def reset(self) -> None:
        """No faults, empty log."""
        with self._lock:
            self._rules.clear()
            self.log.clear()

    def requests(self, path_regex: str | None = None, method: str | None = None) -> list[ProxyRecord]:
        with self._lock:
            rows = list(self.log)
        return [r for r in rows if (path_regex is None or re.search(path_regex, r.path.split("?")[0]))
                and (method is None or r.method == method.upper())]

    def _take(self, kind: str, method: str, path: str) -> Rule | None:
        with self._lock:
            for rule in self._rules:
                if rule.kind == kind and rule.matches(method, path):
                    rule.hits += 1
                    return rule
        return None

    # ---------------------------------------------------------------- life cycle

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:  # keep-alive clients still connected
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    owner: FaultProxy
    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections are closed after this
    server_version = "FaultProxy"

    def setup(self) -> None:
        super().setup()
        with self.owner._lock:
            self.owner._sockets.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.owner._lock:
                self.owner._sockets.discard(self.connection)

    def log_message(self, format, *args) -> None:  # noqa: A002 - quiet: the log is ProxyRecord
        pass

    def do_GET(self): self._proxy()          # noqa: E704
    def do_HEAD(self): self._proxy()         # noqa: E704
    def do_POST(self): self._proxy()         # noqa: E704
    def do_PUT(self): self._proxy()          # noqa: E704
    def do_DELETE(self): self._proxy()       # noqa: E704
    def do_PATCH(self): self._proxy()        # noqa: E704
    def do_OPTIONS(self): self._proxy()      # noqa: E704

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _proxy(self) -> None:
        owner = self.owner
        method = self.command
        path_only = self.path.split("?", 1)[0]
        body = self._read_body()
        record = ProxyRecord(method=method, path=self.path, body=body, started=time.monotonic(),
                             headers={k.lower(): v for k, v in self.headers.items()})
        with owner._lock:
            owner.log.append(record)
        try:
            slow = owner._take("slow", method, path_only)
            if slow is not None:
                record.injected.append(f"slow:{slow.seconds:g}")
            failure = owner._take("fail", method, path_only)
            if failure is not None:
                record.injected.append(f"fail:{failure.status}")
                headers = [("Content-Type", "application/json")]
                if failure.retry_after is not None:
                    headers.append(("Retry-After", f"{failure.retry_after:g}"))
                self._respond(record, failure.status, "Injected", headers, failure.body,
                              delay=slow.seconds if slow else 0.0, head=(method == "HEAD"))
                return
            status, reason, headers, payload = self._upstream(method, body)
            loop = owner._take("loop", method, path_only) if status == 200 else None
            if loop is not None:
                looped = self._loop_next(payload, body)
                if looped is not None:  # None: not a JSON object with links, sent as it came
                    payload = looped
                    headers = [(k, v) for k, v in headers if k.lower() != "content-encoding"]
                    record.injected.append("loop")
            cut = owner._take("truncate", method, path_only)
            keep = None
            if cut is not None and payload:
                keep = int(len(payload) * cut.keep) if cut.keep < 1 else min(int(cut.keep), len(payload) - 1)
                record.injected.append(f"truncate:{keep}/{len(payload)}")
            self._respond(record, status, reason, headers, payload, delay=slow.seconds if slow else 0.0,
                          keep=keep, head=(method == "HEAD"))
        except (ConnectionError, socket.timeout, http.client.HTTPException, OSError) as error:
            if record.status is None:
                try:
                    message = json.dumps({"code": "502", "description": f"upstream: {error}"}).encode()
                    self._respond(record, 502, "Bad Gateway", [("Content-Type", "application/json")], message,
                                  head=(method == "HEAD"))
                except OSError:
                    self.close_connection = True
        finally:
            record.seconds = time.monotonic() - record.started

    def _upstream(self, method: str, body: bytes):
        owner = self.owner
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        if body or method in ("POST", "PUT", "PATCH"):
            headers["Content-Length"] = str(len(body))
        with owner._lock:
            looping = any(r.kind == "loop" for r in owner._rules)
        if looping:
            headers.pop("Accept-Encoding", None)  # the JSON must be readable to rewrite it
            headers.pop("accept-encoding", None)
        conn = http.client.HTTPConnection(owner._up_host, owner._up_port, timeout=owner.upstream_timeout)
        try:
            conn.request(method, owner._up_prefix + self.path, body=body or None, headers=headers)
            response = conn.getresponse()
            payload = response.read() if method != "HEAD" else b""
            out_headers = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
            return response.status, response.reason, out_headers, payload
        finally:
            conn.close()

    def _loop_next(self, payload: bytes, request_body: bytes) -> bytes | None:
        try:
            doc = json.loads(payload)
        except ValueError:
            return None
        if not isinstance(doc, dict) or not any(l.get("rel") == "next" for l in doc.get("links", [])):
            return None
        host = self.headers.get("Host", f"{HOST}:{self.owner.port}")
        here = f"http://{host}{self.path}"
        for link in doc.get("links", []):
            if link.get("rel") == "next":
                link["href"] = here
                if self.command == "POST":
                    link["method"] = "POST"
                    try:
                        link["body"] = json.loads(request_body) if request_body else {}
                    except ValueError:
                        pass
                else:
                    link.pop("body", None)
                    link["method"] = "GET"
        return json.dumps(doc).encode()

    def _respond(self, record: ProxyRecord, status: int, reason: str, headers, payload: bytes, *,
                 delay: float = 0.0, keep: int | None = None, head: bool = False) -> None:
        if delay:
            time.sleep(delay)
        self.send_response_only(status, reason)
        length_sent = False
        for key, value in headers:
            if key.lower() == "content-length":
                if head:
                    self.send_header(key, value)
                    length_sent = True
                continue
            self.send_header(key, value)
        if not head or not length_sent:  # a HEAD answer tells the length of what GET would send
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        record.status = status
        if not head:
            data = payload if keep is None else payload[:keep]
            self.wfile.write(data)
            record.bytes_sent = len(data)
        self.wfile.flush()
        if keep is not None:
            self.close_connection = True
