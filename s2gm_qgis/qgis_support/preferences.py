"""The plugin's preferences: what the settings dialog edits, stored like every setting of the
plugin (:class:`~.settings.StoredSettings`, keys under ``s2gm_qgis/``).

    prefs = Preferences.load()                      # defaults where nothing is stored
    prefs = dataclasses.replace(prefs, engine="service")
    problems = prefs.problems()                     # {} when valid, else field -> reason
    prefs.save()

Adding a preference (later issues): add a typed field with its default to ``Preferences``; the
key is ``s2gm_qgis/<field name>``. Check its values in ``problems()``.

Secrets never go to QgsSettings (a plain ini file): the engine service token lives in the QGIS
authentication database (QgsAuthManager), and the preferences keep only the id of that
authentication configuration (``auth_config_id``); see :mod:`.secrets`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional
from urllib.parse import urlparse

from qgis.core import QgsApplication

from ..core.errors import ValidationError
from ..core.mosaic.catalogue import CATALOGUE_NAME
from ..core.mosaic.sources.spec import CDSE, CUSTOM, EARTH_SEARCH, ON_READ_ERROR, SourceSpec
from .i18n import tr
from .settings import StoredSettings

#: Where orders are computed: inside QGIS, or by an engine service over HTTP.
ENGINES = ("embedded", "service")
#: Default address of a local engine service (``python3 -m s2gm_qgis serve``).
DEFAULT_SERVICE_URL = "http://127.0.0.1:8765"

#: Where the observations of an order come from: the archive folders, or a STAC API.
LOCAL = "local"
DATA_SOURCES = (LOCAL, EARTH_SEARCH.name, CDSE.name, CUSTOM)


def default_cache_folder() -> str:
    """``<QGIS profile>/s2gm_qgis/cache``: per-profile, out of the user's documents."""
    return str(Path(QgsApplication.qgisSettingsDirPath()) / "s2gm_qgis" / "cache")


def default_results_folder() -> str:
    """``~/S2GM``: mosaics are user documents, easy to find and to back up."""
    return str(Path.home() / "S2GM")


@dataclass(frozen=True)
class Preferences(StoredSettings):
    """What the user chose in the settings dialog. Immutable: change with dataclasses.replace."""

    #: "embedded" (orders run in QGIS tasks) or "service" (sent to ``service_url``).
    engine: str = "embedded"
    service_url: str = DEFAULT_SERVICE_URL
    #: Id of the QgsAuthManager configuration holding the service token; "" for no token.
    auth_config_id: str = ""
    #: Folders holding Sentinel-2 L2A products (SAFE folders or zips) the embedded engine indexes.
    archive_folders: tuple[str, ...] = ()
    #: Where the engine keeps its product index and intermediate files.
    cache_folder: str = field(default_factory=default_cache_folder)
    #: Where finished mosaics are written.
    results_folder: str = field(default_factory=default_results_folder)
    #: Where observations come from: one of DATA_SOURCES.
    data_source: str = LOCAL
    #: API address of a custom STAC source (the known providers have their own).
    stac_url: str = ""
    #: STAC collection; "" for the provider's default.
    stac_collection: str = ""
    #: Scenes above this cloud cover (%, the item's eo:cloud_cover) are not searched; 100: all.
    max_cloud_pct: int = 100
    #: What a remote read that fails after retries does: "fail" the order or "skip" the
    #: observation (recorded in the metadata JSON).
    on_read_error: str = "fail"
    #: Id of the QgsAuthManager configuration holding the CDSE S3 keys; "" for none.
    s3_auth_config_id: str = ""
    #: Size bound of the disk cache of fetched remote tiles (MB, under the cache folder); 0: off.
    tile_cache_mb: int = 0

    @property
    def catalogue_path(self) -> Path:
        """The index of the archive folders the engine keeps between runs (in the cache)."""
        return Path(self.cache_folder) / CATALOGUE_NAME

    def source_spec(self) -> Optional[SourceSpec]:
        """The STAC source of orders, None for the local archive; ValidationError if unusable."""
        if self.data_source == LOCAL:
            return None
        return SourceSpec(self.data_source,
                          self.stac_url if self.data_source == CUSTOM else "",
                          self.stac_collection,
                          None if self.max_cloud_pct >= 100 else float(self.max_cloud_pct))

    def problems(self) -> dict[str, str]:
        """Field name -> what is wrong with its value; empty when the preferences are usable."""
        found = {}
        if self.engine not in ENGINES:
            found["engine"] = tr("{value} is not one of {choices}").format(
                value=repr(self.engine), choices=", ".join(ENGINES)
            )
        url = urlparse(self.service_url.strip())
        if self.engine == "service" and (url.scheme not in ("http", "https") or not url.netloc):
            found["service_url"] = tr(
                "{value} is not an http:// or https:// address with a host name"
            ).format(value=repr(self.service_url))
        for name in ("cache_folder", "results_folder"):
            path = getattr(self, name).strip()
            if not path:
                found[name] = tr("a folder is required")
            elif Path(path).exists() and not Path(path).is_dir():
                found[name] = tr("{path} exists and is not a folder").format(path=path)
        if self.data_source not in DATA_SOURCES:
            found["data_source"] = tr("{value} is not one of {choices}").format(
                value=repr(self.data_source), choices=", ".join(DATA_SOURCES))
        else:
            try:
                self.source_spec()
            except ValidationError as exc:
                field_of = {"source.url": "stac_url", "source.collection": "stac_collection",
                            "source.max_cloud_pct": "max_cloud_pct"}
                for key, reason in exc.errors.items():
                    found[field_of.get(key, "data_source")] = reason
        if self.on_read_error not in ON_READ_ERROR:
            found["on_read_error"] = tr("{value} is not one of {choices}").format(
                value=repr(self.on_read_error), choices=", ".join(ON_READ_ERROR))
        if not 0 <= self.max_cloud_pct <= 100:
            found["max_cloud_pct"] = tr("{value} is not between 0 and 100").format(
                value=self.max_cloud_pct)
        if self.tile_cache_mb < 0:
            found["tile_cache_mb"] = tr("{value} is negative").format(value=self.tile_cache_mb)
        missing = [folder for folder in self.archive_folders if not Path(folder).is_dir()]
        if missing:
            found["archive_folders"] = tr("not a folder: {paths}").format(paths=", ".join(missing))
        return found
