"""A STAC API as an observation source (Earth Search, Copernicus Data Space, any STAC API).

:class:`StacSource` searches the API (:mod:`.stac_client`) for the L2A items over the AOI and
period, turns each into a granule observation (:mod:`.stac_items`: assets, harmonised
reflectance, the MTD_TL angle grids of its ``granule_metadata``) and lets GDAL read only the
windows each block needs over ``/vsicurl/`` or ``/vsis3/`` (:mod:`.network` for the settings).
Items that cannot be used (no SCL asset, unreadable metadata) are skipped with their reason.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Optional

import requests
from osgeo import gdal

from ...errors import CancelledError, NoProductsError, ProductError, S2GMError, SourceError
from ...gdal_io import thread_gdal_options
from . import FoundObservations, ProgressFn, network
from .granule import index_granules
from .spec import SourceSpec
from .stac_client import PAGE_LIMIT, StacClient
from .stac_items import _tile, _utc, gdal_path, item_granule, item_href

#: Threads fetching the items' tile metadata (MTD_TL.xml, ~0.5 MB each) at once.
METADATA_THREADS = 4


@dataclass(frozen=True)
class SceneSummary:
    """One item found by a search: what the dock lists before an order is placed."""

    item_id: str
    product_id: str
    tile_id: Optional[str]
    sensing_time_utc: datetime
    cloud_cover_pct: Optional[float]


def search_body(spec: SourceSpec, client: StacClient, aoi, start: date, end: date) -> dict:
    """The POST /search body: AOI geometry, the period's days (UTC), collection, and the
    cloud-cover ceiling as a CQL2 filter or a ``query``, whichever the API conforms to."""
    body: dict[str, Any] = {
        "collections": [spec.collection],
        "intersects": aoi.geojson(),
        "datetime": f"{start.isoformat()}T00:00:00Z/{end.isoformat()}T23:59:59.999Z",
        "limit": PAGE_LIMIT,
    }
    if spec.max_cloud_pct is not None:
        if client.conforms_to("item-search#filter"):
            body["filter-lang"] = "cql2-json"
            body["filter"] = {"op": "<=", "args": [{"property": "eo:cloud_cover"},
                                                   spec.max_cloud_pct]}
        elif client.conforms_to("item-search#query"):
            body["query"] = {"eo:cloud_cover": {"lte": spec.max_cloud_pct}}
    return body


def _cloud_ok(item: dict, ceiling: Optional[float]) -> bool:
    if ceiling is None:
        return True
    value = item.get("properties", {}).get("eo:cloud_cover")
    try:
        return value is None or float(value) <= ceiling
    except (TypeError, ValueError):
        return True


def search_items(spec: SourceSpec, aoi, start: date, end: date, *,
                 cancel: Callable[[], bool] = lambda: False,
                 progress: Optional[ProgressFn] = None,
                 session: Optional[requests.Session] = None) -> list[dict]:
    """Every item of the spec's collection over the AOI and period (cloud ceiling applied)."""
    client = StacClient(spec.url, cancel=cancel, session=session)
    try:
        body = search_body(spec, client, aoi, start, end)

        def on_page(pages, count):
            if progress is not None:
                progress(min(0.5, 0.05 * pages), f"searching {spec.title}: {count} item(s),"
                                                 f" page {pages}")

        items = [item for item in client.search(body, on_page=on_page)
                 if _cloud_ok(item, spec.max_cloud_pct)]
    finally:
        client.close()
    return items


def preview_scenes(spec: SourceSpec, aoi, start: date, end: date, *,
                   cancel: Callable[[], bool] = lambda: False) -> list[SceneSummary]:
    """The scenes an order would find, in time order (no metadata fetched)."""
    scenes = []
    for item in search_items(spec, aoi, start, end, cancel=cancel):
        properties = item.get("properties") or {}
        item_id = str(item.get("id") or "")
        try:
            when = _utc(properties.get("datetime"), item_id)
        except S2GMError:
            continue
        cloud = properties.get("eo:cloud_cover")
        scenes.append(SceneSummary(
            item_id, str(properties.get("s2:product_uri") or item_id).removesuffix(".SAFE"),
            _tile(properties, item_id), when, float(cloud) if cloud is not None else None))
    return sorted(scenes, key=lambda s: (s.sensing_time_utc, s.item_id))


@dataclass(frozen=True)
class ConnectionReport:
    title: str
    url: str
    collection_found: bool
    collection_title: str
    message: str


def test_connection(spec: SourceSpec, *, cancel: Callable[[], bool] = lambda: False
                    ) -> ConnectionReport:
    """Reach the API's landing page and the spec's collection; SourceError if unreachable."""
    client = StacClient(spec.url, cancel=cancel)
    try:
        landing = client.landing()
        title = str(landing.get("title") or landing.get("id") or spec.url)
        try:
            collection = client.collection(spec.collection)
        except SourceError as exc:
            if "HTTP 404" not in str(exc):
                raise
            return ConnectionReport(title, spec.url, False, "",
                                    f"{spec.url} has no collection {spec.collection!r}")
        found_title = str(collection.get("title") or spec.collection)
        message = f"{title}: collection {spec.collection!r} ({found_title})"
        if spec.needs_s3_keys:
            keys = network.s3_credentials(spec.known.s3_endpoint)
            message += ("; S3 keys set" if keys else
                        "; no S3 keys: add them (Settings) to read the images")
        return ConnectionReport(title, spec.url, True, found_title, message)
    finally:
        client.close()


class StacSource:
    """The observations of a STAC API collection (see the module docstring)."""

    def __init__(self, spec: SourceSpec, *, session: Optional[requests.Session] = None):
        self.spec = spec
        self._session = session

    def describe(self) -> dict[str, Any]:
        return self.spec.to_dict()

    def tile_cache(self):
        """The disk cache of fetched tiles, when one is set for this process."""
        from .tile_cache import default_tile_cache

        return default_tile_cache()

    def gdal_options(self) -> dict[str, str]:
        """GDAL settings of this source's reads (set per engine thread)."""
        known = self.spec.known
        return network.gdal_options(known.s3_endpoint if known and known.needs_s3_keys else None)

    def _read_bytes(self, href: str, cancel: Callable[[], bool]) -> bytes:
        path = gdal_path(href)
        if path.startswith("/vsicurl/"):
            client = StacClient(self.spec.url, session=self._session, cancel=cancel)
            for attempt in range(3):
                try:
                    response = client.session.get(href, timeout=(10, 60))
                except requests.RequestException as exc:
                    problem = str(exc)
                else:
                    if response.ok:
                        return response.content
                    problem = f"HTTP {response.status_code} {response.reason}"
                    if response.status_code not in (429, 500, 502, 503, 504):
                        break
                client._wait(0.5 * 2 ** attempt)
            raise ProductError(href, f"cannot fetch the granule metadata: {problem}")
        with thread_gdal_options(self.gdal_options()):
            handle = gdal.VSIFOpenL(path, "rb")
            if handle is None:
                raise ProductError(href, "cannot open the granule metadata: "
                                         f"{gdal.GetLastErrorMsg() or 'not found'}")
            try:
                chunks = []
                while True:
                    chunk = gdal.VSIFReadL(1, 1 << 20, handle)
                    if not chunk:
                        break
                    chunks.append(chunk)
                return b"".join(chunks)
            finally:
                gdal.VSIFCloseL(handle)

    def find(self, aoi, start: date, end: date, *, progress: Optional[ProgressFn] = None,
             cancel: Callable[[], bool] = lambda: False) -> FoundObservations:
        report = progress or (lambda fraction, message: None)
        report(0.0, f"searching {self.spec.title}")
        items = search_items(self.spec, aoi, start, end, cancel=cancel, progress=report,
                             session=self._session)
        if not items:
            ceiling = (f" with at most {self.spec.max_cloud_pct:g} % cloud cover"
                       if self.spec.max_cloud_pct is not None else "")
            raise NoProductsError(f"{self.spec.url}: no {self.spec.collection} item{ceiling}"
                                  f" over the AOI between {start} and {end}")
        done = [0]

        def build(item):
            if cancel():
                raise CancelledError("cancelled while reading the items' metadata")
            where = item_href(item, f"{self.spec.url}/collections/{self.spec.collection}/items/"
                                    f"{item.get('id')}")
            try:
                return item_granule(item, self.spec.collection, self.spec.url,
                                    lambda href: self._read_bytes(href, cancel)), None
            except S2GMError as exc:
                if isinstance(exc, CancelledError):
                    raise
                return None, (where, str(exc))
            finally:
                done[0] += 1
                report(0.5 + 0.5 * done[0] / len(items),
                       f"reading item metadata {done[0]} of {len(items)}")

        with ThreadPoolExecutor(METADATA_THREADS, thread_name_prefix="s2gm-stac") as pool:
            built = list(pool.map(build, items))
        granules = [g for g, _ in built if g is not None]
        skipped = [problem for _, problem in built if problem is not None]
        observations = index_granules(granules)
        if not observations:
            reasons = "; ".join(f"{p}: {r}" for p, r in skipped[:5])
            raise NoProductsError(f"{self.spec.url}: none of the {len(items)} item(s) found is"
                                  f" usable: {reasons}")
        return FoundObservations(tuple(observations), tuple(skipped))

    def close(self) -> None:
        pass
