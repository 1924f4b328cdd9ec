"""A STAC API client over ``requests``: landing page, collection, item search with paging.

Search is ``POST {api}/search`` (STAC API - Item Search) with ``intersects``, ``datetime``,
``collections``, ``limit`` and, for a cloud-cover ceiling, the CQL2 ``filter`` or the
``query`` extension, whichever the API's ``conformsTo`` lists (and always checked again on
the items returned). Pages are followed through their ``next`` link (GET, or POST with the
link's ``body``, merged into the request's when ``merge`` is true); a page seen twice is a
paging loop and an error, not an endless run. 429 and 5xx answers, time-outs and dropped
connections are retried with exponential back-off (``Retry-After`` honoured, capped); any other
error names the URL, the HTTP status and the start of the answer.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Optional

import requests

from .... import __version__
from ...errors import CancelledError, SourceError
from . import network

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Attempts of one request (the first and its retries).
ATTEMPTS = 5
#: Back-off before the n-th retry: BACKOFF_S * 2**(n-1), capped at MAX_WAIT_S (as Retry-After).
BACKOFF_S = 0.5
MAX_WAIT_S = 30.0
#: Items asked per page, and pages followed at most (a bound on a runaway search).
PAGE_LIMIT = 100
MAX_PAGES = 500
TIMEOUT_S = (10.0, 60.0)


def _excerpt(response: requests.Response) -> str:
    text = (response.text or "").strip().replace("\n", " ")
    return text[:200] + ("..." if len(text) > 200 else "")


class StacClient:
    """Requests to one STAC API root URL; ``cancel()`` True stops between requests/retries."""

    def __init__(self, url: str, *, session: Optional[requests.Session] = None,
                 cancel: Callable[[], bool] = lambda: False,
                 sleep: Callable[[float], None] = time.sleep):
        self.url = url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", f"s2gm_qgis/{__version__}")
        chosen = network.proxies()
        if chosen is not None:  # QGIS's proxy (or {} for none), not the environment's
            self.session.trust_env = False
            self.session.proxies = dict(chosen)
        self.cancel = cancel
        self._sleep = sleep
        self._landing: Optional[dict] = None

    def close(self) -> None:
        self.session.close()

    # -- one request with retries ------------------------------------------------------------
    def _wait(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while True:
            if self.cancel():
                raise CancelledError("search cancelled")
            left = end - time.monotonic()
            if left <= 0:
                return
            self._sleep(min(left, 0.1))

    def request_json(self, method: str, url: str, body: Optional[Mapping] = None,
                     headers: Optional[Mapping[str, str]] = None) -> dict:
        """The JSON object answered to ``method url`` (with a JSON ``body``), retried on 429 /
        5xx / network failures; SourceError naming the URL otherwise."""
        last = ""
        for attempt in range(1, ATTEMPTS + 1):
            if self.cancel():
                raise CancelledError("search cancelled")
            try:
                response = self.session.request(method, url, json=body, timeout=TIMEOUT_S,
                                                headers={"Accept": "application/geo+json, "
                                                         "application/json", **(headers or {})})
            except (requests.ConnectionError, requests.Timeout) as exc:
                last = f"{type(exc).__name__}: {exc}"
                wait = BACKOFF_S * 2 ** (attempt - 1)
            except requests.RequestException as exc:
                raise SourceError(f"{method} {url}: {exc}") from exc
            else:
                if response.status_code in RETRY_STATUSES:
                    last = f"HTTP {response.status_code} {response.reason}: {_excerpt(response)}"
                    wait = BACKOFF_S * 2 ** (attempt - 1)
                    retry_after = response.headers.get("Retry-After", "")
                    if retry_after.strip().isdigit():
                        wait = max(wait, float(retry_after))
                elif not response.ok:
                    raise SourceError(f"{method} {url}: HTTP {response.status_code} "
                                      f"{response.reason}: {_excerpt(response)}")
                else:
                    try:
                        data = response.json()
                    except ValueError:
                        raise SourceError(f"{method} {url}: the answer is not JSON: "
                                          f"{_excerpt(response)}") from None
                    if not isinstance(data, dict):
                        raise SourceError(f"{method} {url}: expected a JSON object, got "
                                          f"{type(data).__name__}")
                    return data
            if attempt < ATTEMPTS:
                self._wait(min(wait, MAX_WAIT_S))
        raise SourceError(f"{method} {url}: failed {ATTEMPTS} times, last: {last}")

    # -- API ---------------------------------------------------------------------------------
    def landing(self) -> dict:
        if self._landing is None:
            self._landing = self.request_json("GET", self.url)
        return self._landing

    def conforms_to(self, fragment: str) -> bool:
        return any(fragment in str(c) for c in self.landing().get("conformsTo", ()))

    def collection(self, collection_id: str) -> dict:
        return self.request_json("GET", f"{self.url}/collections/{collection_id}")

    def search(self, body: Mapping[str, Any], *, on_page: Optional[Callable[[int, int], Any]]
               = None) -> Iterator[dict]:
        """Every item of the search, page after page (``on_page(pages, items)`` after each)."""
        method, url, request_body, headers = "POST", f"{self.url}/search", dict(body), None
        seen: set[str] = set()
        count = 0
        for page in range(1, MAX_PAGES + 1):
            key = json.dumps([method, url, request_body], sort_keys=True, default=str)
            if key in seen:
                raise SourceError(f"{url}: paging loop, the API's 'next' link points to a page"
                                  f" already read (page {page})")
            seen.add(key)
            data = self.request_json(method, url, request_body if method == "POST" else None,
                                     headers)
            features = data.get("features")
            if not isinstance(features, list):
                raise SourceError(f"{method} {url}: the answer has no 'features' list (is it a"
                                  " STAC API search endpoint?)")
            for item in features:
                if isinstance(item, dict):
                    count += 1
                    yield item
            if on_page is not None:
                on_page(page, count)
            following = next((link for link in data.get("links", ())
                              if isinstance(link, dict) and link.get("rel") == "next"), None)
            if following is None or not features:
                return
            url = following.get("href") or url
            method = str(following.get("method", "GET")).upper()
            headers = following.get("headers") or None
            if method == "POST":
                link_body = following.get("body")
                if link_body is None:
                    pass  # same body, new URL
                elif following.get("merge"):
                    request_body = {**request_body, **link_body}
                else:
                    request_body = dict(link_body)
        raise SourceError(f"{self.url}/search: more than {MAX_PAGES} pages; narrow the AOI or"
                          " the period")
