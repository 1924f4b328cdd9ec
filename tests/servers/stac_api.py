"""A real STAC API on 127.0.0.1 for tests: stac-fastapi-pgstac (uvicorn) on pgstac, in a
throwaway PostgreSQL 15 + PostGIS cluster made in a temp folder.

    with StacApi() as api:                     # ~3 s: initdb, postgres, pypgstac migrate, uvicorn
        api.add_collection(collection_dict)
        api.add_items([item_dict, ...])        # stored by pgstac's own upsert_items()
        api.max_page_size = 10                 # optional server-side page cap (see below)
        requests.post(api.url + "/search", json={"limit": 100})

What the server does with the items is what stac-fastapi-pgstac does (it is not a mock):
- properties, assets (raster:bands, proj:*, alternate, ...), geometry, bbox and
  stac_extensions come back as given; a *top-level* property whose value is null is dropped
  by pgstac (nulls nested in lists or objects are kept);
- links whose rel the server infers (self, parent, collection, root, item, items, child) are
  replaced by the server's own, pointing at this server; every other link is kept as given;
- POST /search pages with a `next` link {"rel": "next", "method": "POST", "href": ".../search",
  "body": {<the request body>, "token": "next:<collection>:<item id>"}}; GET /search and
  /collections/{id}/items page with a GET href carrying `token=next:...`;
- filters: bbox, intersects, datetime, ids, collections, `query` (STAC query extension, e.g.
  {"eo:cloud_cover": {"lt": 20}}) and CQL2 `filter` (cql2-json and cql2-text), sortby,
  fields; `numberMatched` is returned (pgstac's "context" setting is on, see `count_matched`).

The PostgreSQL processes run as the `postgres` OS user when the tests run as root (as
Debian's package creates it; `nobody` otherwise), as the current user if not root.
"""
from __future__ import annotations

import glob
import json
import os
import pwd
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Iterable

from ._proc import HOST, DIRECT, ServerBase, ServerError, bound_socket, free_port, http_ok, tail, wait_until

STARTUP_TIMEOUT = 60.0


def pg_bindir() -> Path:
    """The newest /usr/lib/postgresql/<major>/bin with a postgres binary (S2GM_PG_BINDIR wins)."""
    if os.environ.get("S2GM_PG_BINDIR"):
        return Path(os.environ["S2GM_PG_BINDIR"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda p: int(re.search(r"/(\d+)/bin/", p).group(1)))
    if not found:
        raise ServerError("PostgreSQL not installed: apt-get install postgresql postgresql-15-postgis-3")
    return Path(found[-1]).parent


def _db_user() -> pwd.struct_passwd | None:
    """The OS user PostgreSQL runs as: None for the current user (not root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise ServerError("running as root but there is no 'postgres' or 'nobody' user to run PostgreSQL")


class StacApi(ServerBase):
    """stac-fastapi-pgstac + pgstac + PostgreSQL, all on 127.0.0.1, started by the constructor.

    Args:
        max_page_size: cap applied to `limit` of /search and /collections/{id}/items (None: the
            server honours the client's limit, up to stac-fastapi's 10 000). Settable later.
        count_matched: pgstac "context" on, so searches return numberMatched (as Earth Search).
        base_dir: where the temp folder is made (default: tempfile.gettempdir()); must be
            traversable by the `postgres` user when run as root.
        startup_timeout: seconds allowed to each start-up step.

    Attributes: url (http://127.0.0.1:PORT, no trailing slash), dsn (postgresql://...),
    pg_port, tempdir, timings (seconds per start-up step and "total").
    """

    def __init__(self, *, max_page_size: int | None = None, count_matched: bool = True,
                 base_dir: str | os.PathLike | None = None, startup_timeout: float = STARTUP_TIMEOUT) -> None:
        super().__init__()
        self.timings: dict[str, float] = {}
        self._lock = threading.Lock()
        self._conn = None
        started = time.monotonic()
        self.tempdir = self._tempdir(Path(tempfile.mkdtemp(prefix="s2gm-stac-", dir=base_dir)))
        try:
            self._user = _db_user()
            if self._user is not None:
                os.chown(self.tempdir, self._user.pw_uid, self._user.pw_gid)
            self._cap_file = self.tempdir / "page-size-cap"
            self.max_page_size = max_page_size
            self._start_postgres(startup_timeout)
            self._migrate(startup_timeout, count_matched)
            self._start_api(startup_timeout)
        except BaseException:
            self.stop()
            raise
        self.timings["total"] = time.monotonic() - started

    # ---------------------------------------------------------------- start-up

    def _as_db_user(self) -> dict[str, Any]:
        if self._user is None:
            return {}
        env = dict(os.environ, HOME=str(self.tempdir), USER=self._user.pw_name, LOGNAME=self._user.pw_name)
        return {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": [], "env": env}

    def _start_postgres(self, timeout: float) -> None:
        bindir = pg_bindir()
        data = self.tempdir / "data"
        t0 = time.monotonic()
        log = self.tempdir / "initdb.log"
        with open(log, "wb") as out:
            result = subprocess.run(
                [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--locale=C", "--no-sync", "--no-instructions"],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd=self.tempdir,
                timeout=timeout, **self._as_db_user())
        if result.returncode:
            raise ServerError(f"initdb failed ({result.returncode}):\n{tail(log)}")
        self.timings["initdb"] = time.monotonic() - t0

        t0 = time.monotonic()
        for attempt in range(3):
            self.pg_port = free_port()
            log = self.tempdir / f"postgres-{attempt}.log"
            log.touch()
            if self._user is not None:
                os.chown(log, self._user.pw_uid, self._user.pw_gid)
            child = self._spawn(
                [str(bindir / "postgres"), "-D", str(data), "-p", str(self.pg_port),
                 "-c", f"listen_addresses={HOST}", "-c", f"unix_socket_directories={self.tempdir}",
                 "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off",
                 "-c", "max_connections=50", "-c", "shared_buffers=64MB", "-c", "log_min_messages=warning",
                 "-c", "logging_collector=off"],
                log=log, stop_signal=signal.SIGINT, grace=15.0, cwd=self.tempdir, **self._as_db_user())
            self.dsn = f"postgresql://postgres@{HOST}:{self.pg_port}/postgres"
            try:
                wait_until(self._pg_ready, timeout=timeout, what="PostgreSQL", child=child)
                break
            except ServerError:
                child.stop()
                if attempt == 2 or "could not bind" not in tail(log):
                    raise
        self.timings["postgres"] = time.monotonic() - t0

    def _pg_ready(self) -> bool:
        import psycopg

        with psycopg.connect(self.dsn, connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True

    def _migrate(self, timeout: float, count_matched: bool) -> None:
        t0 = time.monotonic()
        log = self.tempdir / "migrate.log"
        with open(log, "wb") as out:
            result = subprocess.run([sys.executable, "-m", "pypgstac.pypgstac", "migrate", "--dsn", self.dsn],
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    cwd=self.tempdir, timeout=timeout)
        if result.returncode:
            raise ServerError(f"pypgstac migrate failed ({result.returncode}):\n{tail(log)}")
        self._sql("INSERT INTO pgstac_settings (name, value) VALUES ('context', %s) "
                  "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value", ["on" if count_matched else "off"])
        self.timings["migrate"] = time.monotonic() - t0

    def _start_api(self, timeout: float) -> None:
        t0 = time.monotonic()
        sock = bound_socket()
        try:
            port = sock.getsockname()[1]
            env = dict(os.environ, PGHOST=HOST, PGPORT=str(self.pg_port), PGUSER="postgres",
                       PGPASSWORD="unused", PGDATABASE="postgres", DB_MIN_CONN_SIZE="1", DB_MAX_CONN_SIZE="5",
                       STAC_FASTAPI_TITLE="s2gm test STAC API", STAC_FASTAPI_DESCRIPTION="stac-fastapi-pgstac for tests",
                       STAC_FASTAPI_LANDING_ID="s2gm-test", STAC_FASTAPI_VERSION="test",
                       S2GM_STAC_PAGE_CAP_FILE=str(self._cap_file))
            child = self._spawn([sys.executable, str(Path(__file__).with_name("_stac_app.py")),
                                 "--fd", str(sock.fileno())],
                                log=self.tempdir / "api.log", stop_signal=signal.SIGTERM, grace=10.0,
                                cwd=self.tempdir, env=env, pass_fds=(sock.fileno(),))
        finally:
            sock.close()  # the child has its own copy
        self.url = f"http://{HOST}:{port}"
        wait_until(lambda: http_ok(self.url + "/_mgmt/ping"), timeout=timeout, what="stac-fastapi-pgstac",
                   child=child, interval=0.1)
        self.timings["api"] = time.monotonic() - t0

    # ---------------------------------------------------------------- data

    def _sql(self, query: str, params: Iterable[Any] = ()) -> list[tuple]:
        import psycopg

        with self._lock:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(self.dsn, autocommit=True, options="-c search_path=pgstac,public")
            cur = self._conn.execute(query, list(params))
            return cur.fetchall() if cur.description else []

    def add_collection(self, collection: dict) -> str:
        """Create or replace a collection (pgstac upsert_collection); returns its id."""
        self._sql("SELECT upsert_collection(%s::text::jsonb)", [json.dumps(collection)])
        return collection["id"]

    def add_items(self, items: Iterable[dict]) -> int:
        """Create or replace items (pgstac upsert_items); each names an existing collection in
        "collection". Returns how many were given."""
        items = list(items)
        if items:
            self._sql("SELECT upsert_items(%s::text::jsonb)", [json.dumps(items)])
        return len(items)

    def delete_collection(self, collection_id: str) -> None:
        """Delete a collection and its items (nothing if it does not exist)."""
        if self._sql("SELECT 1 FROM collections WHERE id = %s", [collection_id]):
            self._sql("SELECT delete_collection(%s)", [collection_id])

    def collection_ids(self) -> list[str]:
        return [row[0] for row in self._sql("SELECT id FROM collections ORDER BY id")]

    def item_count(self, collection_id: str | None = None) -> int:
        if collection_id is None:
            return self._sql("SELECT count(*) FROM items")[0][0]
        return self._sql("SELECT count(*) FROM items WHERE collection = %s", [collection_id])[0][0]

    def clear(self) -> None:
        """Delete every collection and item; reset the page-size cap."""
        for collection_id in self.collection_ids():
            self._sql("SELECT delete_collection(%s)", [collection_id])
        self.max_page_size = None

    @property
    def max_page_size(self) -> int | None:
        text = self._cap_file.read_text().strip() if self._cap_file.exists() else ""
        return int(text) if text else None

    @max_page_size.setter
    def max_page_size(self, value: int | None) -> None:
        if value is not None and int(value) < 1:
            raise ValueError("max_page_size must be >= 1 or None")
        tmp = self._cap_file.with_suffix(".tmp")
        tmp.write_text("" if value is None else str(int(value)))
        tmp.replace(self._cap_file)

    # ---------------------------------------------------------------- HTTP helpers

    def get(self, path: str, **query) -> dict:
        """GET JSON from this server (path relative to url, e.g. "/collections")."""
        from urllib.parse import urlencode

        url = self.url + path + (("?" + urlencode(query)) if query else "")
        with DIRECT.open(url, timeout=30) as response:
            return json.load(response)

    def search(self, body: dict | None = None) -> dict:
        """One POST /search page."""
        return post_json(self.url + "/search", body or {})

    def logs(self) -> str:
        """The API process's log (uvicorn warnings and tracebacks)."""
        return tail(self.tempdir / "api.log", 200)

    def stop(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.close()
                except Exception:  # noqa: BLE001
                    pass
                self._conn = None
        super().stop()


def post_json(url: str, body: Any, timeout: float = 30.0) -> dict:
    """POST a JSON body, return the JSON answer (urllib; no proxy from the environment)."""
    import urllib.request

    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Accept": "application/geo+json"})
    with DIRECT.open(request, timeout=timeout) as response:
        return json.load(response)


def search_all(url: str, body: dict, *, max_pages: int = 100) -> list[dict]:
    """Follow `next` links from POST {url}/search (as a STAC client does): returns the pages."""
    pages = []
    link = {"href": url.rstrip("/") + "/search", "method": "POST", "body": body}
    while link is not None and len(pages) < max_pages:
        if link.get("method", "GET").upper() == "POST":
            page = post_json(link["href"], link.get("body", {}))
        else:
            with DIRECT.open(link["href"], timeout=30) as response:
                page = json.load(response)
        pages.append(page)
        link = next((l for l in page.get("links", []) if l.get("rel") == "next"), None)
    return pages
