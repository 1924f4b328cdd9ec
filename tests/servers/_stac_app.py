"""Entry point of the STAC API test server process: stac-fastapi-pgstac's own application
(`stac_fastapi.pgstac.app.create_app`, every default extension: query, filter (CQL2), sort,
fields, ...) served by uvicorn on a listening socket inherited from the test process.

One addition, off unless used: when the file named by S2GM_STAC_PAGE_CAP_FILE holds a number,
`limit` in GET /search, GET /collections/{id}/items and POST /search is lowered to it before the
application sees the request (as a public server caps the page size whatever a client asks
for). The file is read on every request, so a test can change the cap at run time.

Usage: python _stac_app.py --fd N   (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE set)
"""
from __future__ import annotations

import argparse
import json
import os
import socket
from urllib.parse import parse_qsl, urlencode

DEFAULT_LIMIT = 10  # stac-fastapi's default page size


def read_cap(path: str | None) -> int | None:
    if not path:
        return None
    try:
        with open(path, encoding="ascii") as handle:
            text = handle.read().strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None


class PageSizeCap:
    """ASGI middleware: caps `limit` of item searches (GET query string or POST JSON body)."""

    def __init__(self, app, cap_file: str | None) -> None:
        self.app = app
        self.cap_file = cap_file

    async def __call__(self, scope, receive, send):
        cap = read_cap(self.cap_file) if scope["type"] == "http" else None
        path = scope.get("path", "")
        if cap is None or not (path.endswith("/search") or path.endswith("/items")):
            return await self.app(scope, receive, send)
        if scope["method"] == "GET":
            query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            limit = DEFAULT_LIMIT
            for key, value in query:
                if key == "limit":
                    try:
                        limit = int(value)
                    except ValueError:
                        return await self.app(scope, receive, send)  # let the app reject it
            if limit > cap:
                query = [(k, v) for k, v in query if k != "limit"] + [("limit", str(cap))]
                scope = dict(scope, query_string=urlencode(query).encode("latin-1"))
            return await self.app(scope, receive, send)
        if scope["method"] != "POST" or not path.endswith("/search"):
            return await self.app(scope, receive, send)

        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return await self.app(scope, receive, send)
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        try:
            doc = json.loads(body) if body else {}
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            limit = doc.get("limit", DEFAULT_LIMIT)
            if isinstance(limit, int) and limit > cap:
                doc["limit"] = cap
                body = json.dumps(doc).encode()
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        scope = dict(scope, headers=headers)
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)


def create_app():
    from stac_fastapi.pgstac.app import create_app as pgstac_app

    return PageSizeCap(pgstac_app(), os.environ.get("S2GM_STAC_PAGE_CAP_FILE"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()

    import uvicorn

    sock = socket.socket(fileno=args.fd)
    config = uvicorn.Config(create_app(), log_level=args.log_level, access_log=False, lifespan="on",
                            timeout_graceful_shutdown=3)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
