"""The local SAFE archive as an observation source: folders of L2A products (SAFE folders or
zips) indexed in a :class:`~..catalogue.Catalogue` (SQLite, incremental re-scans) and queried
for the products over the AOI and period; each product granule becomes a
:class:`~.granule.GranuleSource`."""
from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Union

from ...errors import CancelledError, NoProductsError, S2GMError
from ...safe import open_product
from .granule import GranuleSource, index_granules
from . import FoundObservations, ProgressFn


def open_sources(entries: Iterable[Any]) -> tuple[list[GranuleSource], list[tuple[str, str]]]:
    """Open the catalogue entries' products as granule sources, in sensing-time order (which
    gives ``source_index``); unreadable or non-L2A products are returned as (path, reason)."""
    granules = []
    skipped: list[tuple[str, str]] = []
    for entry in entries:
        path = str(entry.path)
        tile = getattr(entry, "tile_id", None)
        try:
            product = open_product(path, tile=tile) if tile else open_product(path)
        except S2GMError as exc:
            skipped.append((path, str(exc)))
            continue
        if product.level != "L2A":
            skipped.append((path, f"a {product.level} product; mosaics need L2A (Sen2Cor)"))
            continue
        for granule in (product.granule,) if tile else product.granules:
            granules.append((product, granule))
    return index_granules(granules), skipped


class SafeArchiveSource:
    """L2A products in local folders (or a ready catalogue).

    ``archives``: folders to index (with ``catalogue_path`` the index persists and re-scans are
    incremental; without, a temporary one is used and removed by :meth:`close`) or a
    :class:`~..catalogue.Catalogue`, queried as it is.
    """

    def __init__(self, archives: Union[Iterable[Union[str, os.PathLike]], str, os.PathLike, Any],
                 *, catalogue_path: Optional[Union[str, os.PathLike]] = None):
        from ..catalogue import Catalogue  # the index is only needed by a run, not by importers

        self._catalogue: Optional[Catalogue] = None
        self._workdir: Optional[Path] = None
        self._catalogue_path = catalogue_path
        if isinstance(archives, Catalogue):
            self._catalogue, self.folders = archives, None
            return
        if isinstance(archives, (str, os.PathLike)):
            archives = [archives]
        self.folders = [str(a) for a in archives]

    def describe(self) -> dict[str, Any]:
        return {"type": "archive", "folders": list(self.folders or [])}

    def _open_catalogue(self):
        from ..catalogue import CATALOGUE_NAME, Catalogue

        if not self.folders:
            raise S2GMError("no archive folder given")
        for folder in self.folders:
            if not os.path.isdir(folder):
                raise S2GMError(f"{folder}: archive folder does not exist")
        path = self._catalogue_path
        if path is None:
            self._workdir = Path(tempfile.mkdtemp(prefix="s2gm-catalogue-"))
            path = self._workdir / CATALOGUE_NAME
        return Catalogue(path)

    def find(self, aoi, start: date, end: date, *, progress: Optional[ProgressFn] = None,
             cancel: Callable[[], bool] = lambda: False) -> FoundObservations:
        report = progress or (lambda fraction, message: None)
        failures: list[tuple[str, str]] = []
        if self._catalogue is None or self.folders is not None:
            if self._catalogue is None:
                self._catalogue = self._open_catalogue()

            def scan_progress(fraction, message=""):
                report(float(fraction), f"indexing archives: {message}".rstrip(": "))

            scan = self._catalogue.scan(self.folders, progress=scan_progress, cancel=cancel)
            failures = [(str(p), str(r)) for p, r in getattr(scan, "failed", [])]
        if cancel():
            raise CancelledError("mosaic cancelled while indexing the archives")
        # A persistent catalogue may index other archives too: only this run's folders count.
        entries = self._catalogue.query(aoi, start, end, roots=self.folders)
        if not entries:
            raise NoProductsError(f"no L2A product in the archive covers the AOI between {start}"
                                  f" and {end}")
        observations, skipped = open_sources(entries)
        skipped = failures + skipped
        if not observations:
            reasons = "; ".join(f"{p}: {r}" for p, r in skipped[:5])
            raise NoProductsError(f"no usable L2A product for the AOI between {start} and"
                                  f" {end}: {reasons}")
        return FoundObservations(tuple(observations), tuple(skipped))

    def close(self) -> None:
        if self._workdir is not None:
            if self._catalogue is not None and hasattr(self._catalogue, "close"):
                self._catalogue.close()
            self._catalogue = None
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
