"""nginx (Debian's package) serving a folder on 127.0.0.1, for GDAL /vsicurl/ and asset tests.

    with AssetServer(folder) as assets:
        gdal.Open("/vsicurl/" + assets.url_for("T33UUP/B04.tif"))
        assets.stats()        # AssetStats(requests=3, range_requests=2, bytes_sent=..., body_bytes=...)

nginx serves static files with Range support (206, multipart for several ranges), ETag and
Last-Modified, keep-alive, as in production. Everything it writes (config, pid, error and access
logs, temp folders) is in its own temp folder; /etc/nginx and /var/lib/nginx are not used.
Started as root, its worker runs as root too (`user root root;`) so that it can read test
folders of mode 0700 such as pytest's tmp_path.

Each request is logged as a JSON line (method, uri, status, bytes_sent incl. headers,
body_bytes_sent, Range header, request_time), read back by `requests()` / `stats()`.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from ._proc import HOST, ServerBase, ServerError, free_port, http_ok, tail, wait_until

NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/bin/nginx")

MIME_TYPES = """
    types {
        image/tiff                  tif tiff;
        image/jp2                   jp2 j2k;
        application/json            json;
        application/geo+json        geojson;
        application/xml             xml;
        text/plain                  txt;
        text/html                   html;
        image/png                   png;
        image/jpeg                  jpg jpeg;
        application/zip             zip;
        application/x-netcdf        nc;
        application/vnd.apache.parquet parquet;
    }
    default_type application/octet-stream;
"""

LOG_FORMAT = (
    '{"msec":"$msec","method":"$request_method","uri":"$request_uri","status":"$status",'
    '"bytes_sent":"$bytes_sent","body_bytes_sent":"$body_bytes_sent","range":"$http_range",'
    '"request_time":"$request_time","connection":"$connection","connection_requests":"$connection_requests"}'
)


def nginx_binary() -> str:
    for candidate in (os.environ.get("S2GM_NGINX"), *NGINX_CANDIDATES, shutil.which("nginx")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise ServerError("nginx not installed: apt-get install nginx")


@dataclass(frozen=True)
class AssetRequest:
    """One line of the access log."""
    method: str
    uri: str            # as requested, with query string
    path: str           # decoded path without query string
    status: int
    bytes_sent: int     # headers + body, as sent on the socket
    body_bytes: int     # body only
    range: str | None   # the request's Range header, None if absent
    seconds: float
    connection: int     # nginx connection serial number (keep-alive reuse shows here)


@dataclass(frozen=True)
class AssetStats:
    requests: int
    range_requests: int
    bytes_sent: int
    body_bytes: int
    connections: int

    def __str__(self) -> str:
        return (f"{self.requests} requests ({self.range_requests} with Range) on {self.connections} connections, "
                f"{self.body_bytes} body bytes, {self.bytes_sent} bytes sent")


class AssetServer(ServerBase):
    """nginx serving `folder` (read-only) on 127.0.0.1:<free port>, started by the constructor.

    Attributes: url (http://127.0.0.1:PORT, no trailing slash), port, folder, tempdir,
    startup_seconds.
    """

    def __init__(self, folder: str | os.PathLike, *, startup_timeout: float = 20.0,
                 base_dir: str | os.PathLike | None = None) -> None:
        super().__init__()
        self.folder = Path(folder).resolve()
        if not self.folder.is_dir():
            self.stop()
            raise ServerError(f"not a folder: {self.folder}")
        started = time.monotonic()
        self.tempdir = self._tempdir(Path(tempfile.mkdtemp(prefix="s2gm-nginx-", dir=base_dir)))
        self._access_log = self.tempdir / "access.log"
        binary = nginx_binary()
        try:
            for attempt in range(3):
                self.port = free_port()
                conf = self._write_conf()
                error_log = self.tempdir / "error.log"
                child = self._spawn([binary, "-p", str(self.tempdir), "-c", str(conf), "-e", str(error_log)],
                                    log=self.tempdir / f"nginx-{attempt}.out", stop_signal=signal.SIGTERM,
                                    grace=10.0, cwd=self.tempdir)
                self.url = f"http://{HOST}:{self.port}"
                try:
                    wait_until(lambda: http_ok(self.url + "/.s2gm-nginx-alive"), timeout=startup_timeout,
                               what="nginx", child=child)
                    break
                except ServerError as error:
                    child.stop()
                    if attempt == 2 or "Address already in use" not in (tail(error_log) + str(error)):
                        raise ServerError(f"{error}\n{tail(error_log)}") from None
            self.startup_seconds = time.monotonic() - started
            self.reset_log()
        except BaseException:
            self.stop()
            raise

    def _write_conf(self) -> Path:
        t = self.tempdir
        user = "user root root;" if os.geteuid() == 0 else ""
        conf = t / "nginx.conf"
        conf.write_text(f"""
daemon off;
master_process on;
worker_processes 1;
{user}
pid {t}/nginx.pid;
error_log {t}/error.log warn;
events {{ worker_connections 512; }}
http {{
{MIME_TYPES}
    log_format s2gm escape=json '{LOG_FORMAT}';
    access_log {t}/access.log s2gm;
    client_body_temp_path {t}/client_body;
    proxy_temp_path {t}/proxy;
    fastcgi_temp_path {t}/fastcgi;
    uwsgi_temp_path {t}/uwsgi;
    scgi_temp_path {t}/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 30s;
    keepalive_requests 10000;
    server_tokens off;
    server {{
        listen {HOST}:{self.port};
        server_name localhost;
        root {self.folder};
        location = /.s2gm-nginx-alive {{ access_log off; return 204; }}
        location / {{ autoindex on; }}
    }}
}}
""")
        return conf

    # ---------------------------------------------------------------- URLs

    def url_for(self, relpath: str | os.PathLike) -> str:
        """http URL of a file given relative to the folder (or as an absolute path inside it)."""
        path = Path(relpath)
        if path.is_absolute():
            path = path.resolve().relative_to(self.folder)
        return f"{self.url}/{quote(path.as_posix())}"

    def vsicurl(self, relpath: str | os.PathLike) -> str:
        """GDAL path /vsicurl/http://127.0.0.1:PORT/relpath."""
        return "/vsicurl/" + self.url_for(relpath)

    # ---------------------------------------------------------------- access log

    def reset_log(self) -> None:
        """Forget the requests so far (nginx appends to the same file, which is truncated)."""
        self._settle()
        with open(self._access_log, "w"):
            pass

    def _lines(self) -> list[str]:
        try:
            return self._access_log.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return []

    def _settle(self, settle: float = 0.05, timeout: float = 2.0, at_least: int = 0) -> list[str]:
        """nginx writes a log line after the response's last byte: wait until the count of
        lines has stopped changing for `settle` seconds (and reached `at_least`)."""
        deadline = time.monotonic() + timeout
        lines = self._lines()
        while True:
            time.sleep(settle)
            again = self._lines()
            if (len(again) == len(lines) and len(again) >= at_least) or time.monotonic() > deadline:
                return again
            lines = again

    def requests(self, path_regex: str | None = None, *, at_least: int = 0, timeout: float = 2.0) -> list[AssetRequest]:
        """Requests served since the start or the last reset_log(), oldest first; only those whose
        decoded path matches `path_regex` (re.search) if given."""
        out = []
        for line in self._settle(at_least=at_least, timeout=timeout):
            try:
                row = json.loads(line)
            except ValueError:
                continue
            path = unquote(urlsplit(row["uri"]).path)
            if path_regex is not None and not re.search(path_regex, path):
                continue
            out.append(AssetRequest(
                method=row["method"], uri=row["uri"], path=path, status=int(row["status"]),
                bytes_sent=int(row["bytes_sent"] or 0), body_bytes=int(row["body_bytes_sent"] or 0),
                range=row["range"] or None, seconds=float(row["request_time"] or 0),
                connection=int(row["connection"] or 0)))
        return out

    def stats(self, path_regex: str | None = None, **kwargs) -> AssetStats:
        """Totals over requests(path_regex): to compare bytes fetched with bytes needed."""
        rows = self.requests(path_regex, **kwargs)
        return AssetStats(
            requests=len(rows), range_requests=sum(1 for r in rows if r.range),
            bytes_sent=sum(r.bytes_sent for r in rows), body_bytes=sum(r.body_bytes for r in rows),
            connections=len({r.connection for r in rows}))

    def error_log(self) -> str:
        return tail(self.tempdir / "error.log", 200)
