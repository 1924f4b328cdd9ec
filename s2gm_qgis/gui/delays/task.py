"""Slow product work for the delay inspector, off the GUI thread.

``OpenInspectorTask`` runs ``DelayInspector.open`` (metadata, datastrip ephemeris, 13 detector
footprint indexes: about a second on a real product) in a QgsTask with progress and cancel, and
polygonises the footprints of the bands asked for. ``PolygoniseFootprintsTask`` polygonises one
more band of an open product on request (GDAL Polygonize of a raster MSK_DETFOO: about 2 s for a
10 m band). Neither touches a widget: the caller reads ``inspector`` / ``error`` once QGIS
reports the task completed or terminated, on the main thread.
"""
from __future__ import annotations

import traceback
from typing import Callable, Optional

from qgis.core import QgsTask

from ...core.delays import DelayInspector
from ...core.errors import CancelledError, S2GMError
from ...qgis_support.i18n import tr
from ...qgis_support.compat import keep_pyproj_context
from .recognition import ProductRef


class _GuardedTask(QgsTask):
    """A QgsTask whose work never raises: ``error`` (for the message bar) and ``details`` (a
    traceback, for the log) say what went wrong; both stay None on success and on cancel."""

    def __init__(self, description: str, path: str):
        super().__init__(description, QgsTask.Flag.CanCancel)
        self.path = path
        self.error: Optional[str] = None
        self.details: Optional[str] = None

    def guarded(self, work: Callable[[], None]) -> bool:
        keep_pyproj_context()
        try:
            work()
        except CancelledError:
            return False
        except S2GMError as exc:
            self.error = str(exc)
            return False
        except Exception as exc:  # noqa: BLE001 (a bad product must never crash QGIS)
            self.error = tr("unexpected error while reading {path}: {error}").format(
                path=self.path, error=exc)
            self.details = traceback.format_exc()
            return False
        return not self.isCanceled()


class OpenInspectorTask(_GuardedTask):
    """Open ``open_path`` (the product, or a file inside it that selects the tile)."""

    def __init__(self, ref: ProductRef, open_path: str, *, ephemeris: str = "tile-centre",
                 footprint_bands: tuple[str, ...] = ()):
        super().__init__(tr("Opening Sentinel-2 product {name}").format(name=_short(ref.path)),
                         open_path)
        self.ref = ref
        self.open_path = open_path
        self.ephemeris = ephemeris
        self.footprint_bands = footprint_bands
        self.inspector: Optional[DelayInspector] = None

    def run(self) -> bool:
        def progress(fraction: float, _message: str) -> None:
            if self.isCanceled():
                raise CancelledError("opening cancelled")
            self.setProgress(100.0 * fraction)

        def work() -> None:
            inspector = DelayInspector.open(self.open_path, ephemeris=self.ephemeris,
                                            progress=progress)
            for band in self.footprint_bands:
                if self.isCanceled():
                    return
                inspector.detector_footprints(band)  # polygonises raster masks once, here
            self.inspector = inspector

        return self.guarded(work)


class PolygoniseFootprintsTask(_GuardedTask):
    """Polygonise ``band``'s detector footprints of an open product (cached in the inspector)."""

    def __init__(self, inspector: DelayInspector, band: str):
        super().__init__(tr("Detector footprints of {band} – {tile}").format(
            band=band, tile=inspector.tile_id), inspector.product.path)
        self.inspector = inspector
        self.band = band

    def run(self) -> bool:
        return self.guarded(lambda: self.inspector.detector_footprints(self.band))


def footprints_ready(inspector: DelayInspector, band: str) -> bool:
    """True when ``band``'s footprint polygons need no more work (known, or absent)."""
    footprint = inspector.footprints.get(band)
    return footprint is None or footprint.polygons is not None


def _short(path: str) -> str:
    name = path.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1]
    for suffix in (".zip", ".SAFE"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name
