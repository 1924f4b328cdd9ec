"""The data source of orders in the dock: the collections it proposes, and the queries it makes
before an order is placed (connection test, scenes found), in QgsTasks.

The core does the work (``core.mosaic.sources.stac``); what remote reads need from QGIS (proxy,
S3 keys, tile cache) is :mod:`s2gm_qgis.qgis_support.remote`.
"""
from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any, Callable, Optional

from qgis.core import QgsTask

from ...core.errors import NoProductsError, S2GMError
from ...core.mosaic.sources.spec import CDSE, EARTH_SEARCH, SourceSpec
from ...qgis_support.i18n import tr
from ...qgis_support.compat import keep_pyproj_context

log = logging.getLogger(__name__)

#: Scene dates the dock lists in full; more are summarised as first ... last.
DATES_SHOWN = 12


def known_collections(data_source: str) -> tuple[str, ...]:
    """The collections the dock proposes for a source (a custom API: none known)."""
    provider = {EARTH_SEARCH.name: EARTH_SEARCH, CDSE.name: CDSE}.get(data_source)
    return provider.collections if provider else ()


def describe_scenes(scenes) -> str:
    """'5 scenes: 2024-06-03 (12 % cloud), ...' for the dock."""
    if not scenes:
        return tr("No scene found for this area and period")
    days = []
    for scene in scenes:
        day = scene.sensing_time_utc.date().isoformat()
        if scene.cloud_cover_pct is not None:
            day += tr(" ({cloud} % cloud)").format(cloud=round(scene.cloud_cover_pct))
        days.append(day)
    if len(days) > DATES_SHOWN:
        days = days[:DATES_SHOWN // 2] + ["…"] + days[-DATES_SHOWN // 2:]
    tiles = sorted({s.tile_id for s in scenes if s.tile_id})
    text = tr("{count} scene(s) found").format(count=len(scenes))
    if tiles:
        text += tr(" on tile(s) {tiles}").format(tiles=", ".join(tiles))
    return text + ": " + ", ".join(days)


class SourceQueryTask(QgsTask):
    """Runs ``call(progress, cancel)`` (a core call that may wait on the network or the disk)
    on a worker thread, then ``on_done(value)`` or ``on_failed(S2GMError)`` on the GUI thread; a
    cancelled call reports neither. The core checks ``cancel`` between requests and reads."""

    def __init__(self, description: str, call: Callable[..., Any],
                 on_done: Callable[[Any], None], on_failed: Callable[[S2GMError], None]):
        super().__init__(description, QgsTask.Flag.CanCancel)
        self.call = call
        self.on_done: Optional[Callable[[Any], None]] = on_done
        self.on_failed: Optional[Callable[[S2GMError], None]] = on_failed
        self.value: Any = None
        self.error: Optional[S2GMError] = None

    def run(self) -> bool:  # worker thread
        keep_pyproj_context()
        try:
            self.value = self.call(
                lambda fraction, _message="": self.setProgress(100.0 * fraction),
                self.isCanceled)
        except S2GMError as exc:
            self.error = exc
            return False
        except Exception as exc:  # noqa: BLE001 (a bug reaches the user, QGIS stays up)
            log.exception("%s failed", self.description())
            self.error = S2GMError(f"{type(exc).__name__}: {exc}")
            return False
        return not self.isCanceled()

    def finished(self, ok: bool) -> None:  # GUI thread
        on_done, on_failed, self.on_done, self.on_failed = self.on_done, self.on_failed, None, None
        if self.isCanceled() or on_done is None:
            return
        if ok:
            on_done(self.value)
        elif on_failed is not None:
            on_failed(self.error or S2GMError(tr("the query failed")))


def connection_query(spec: SourceSpec) -> Callable[..., Any]:
    from ...core.mosaic.sources.stac import test_connection

    return lambda _progress, cancel: test_connection(spec, cancel=cancel)


def scenes_query(spec: SourceSpec, aoi, start: date, end: date
                 ) -> Callable[..., Any]:
    from ...core.mosaic.sources.stac import preview_scenes

    return lambda _progress, cancel: preview_scenes(spec, aoi, start, end, cancel=cancel)


def archive_scenes_query(folders, catalogue_path: Path, aoi, start: date, end: date
                         ) -> Callable[..., Any]:
    """The products of the local archive folders over the AOI and period, as the engine finds
    them (the index is brought up to date on the way, as an order would)."""
    from ...core.mosaic.sources.safe_archive import SafeArchiveSource
    from ...core.mosaic.sources.stac import SceneSummary

    def query(_progress, cancel):
        catalogue_path.parent.mkdir(parents=True, exist_ok=True)
        source = SafeArchiveSource(list(folders), catalogue_path=catalogue_path)
        try:
            found = source.find(aoi, start, end, cancel=cancel)
        except NoProductsError:
            return []
        finally:
            source.close()
        scenes = [SceneSummary(o.product_id, o.product_id, o.tile_id, o.sensing_time_utc, None)
                  for o in found.observations]
        return sorted(scenes, key=lambda s: (s.sensing_time_utc, s.item_id))

    return query
