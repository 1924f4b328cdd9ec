"""Opening a product for delay readouts, off the GUI thread.

``OpenInspectorTask`` runs ``DelayInspector.open`` (metadata, datastrip ephemeris, 13 detector
footprint indexes: about a second on a real product) in a QgsTask with progress and cancel, and
polygonises the footprints of the bands asked for. It never touches a widget: the caller reads
``inspector`` / ``error`` once QGIS reports the task completed or terminated, on the main thread.
"""
from __future__ import annotations

import logging
import traceback
from typing import Optional

from qgis.core import QgsTask

from ...core.delays import DelayInspector
from ...core.errors import CancelledError, S2GMError
from ..i18n import tr
from .recognition import ProductRef

LOG = logging.getLogger(__name__)


class OpenInspectorTask(QgsTask):
    """Open ``open_path`` (the product, or a file inside it that selects the tile)."""

    def __init__(self, ref: ProductRef, open_path: str, *, ephemeris: str = "tile-centre",
                 footprint_bands: tuple[str, ...] = ()):
        super().__init__(tr("Opening Sentinel-2 product {name}").format(name=_short(ref.path)),
                         QgsTask.Flag.CanCancel)
        self.ref = ref
        self.open_path = open_path
        self.ephemeris = ephemeris
        self.footprint_bands = footprint_bands
        self.inspector: Optional[DelayInspector] = None
        #: What went wrong, for the message bar (None when the product opened or on cancel).
        self.error: Optional[str] = None
        #: Traceback of an unexpected exception, for the log.
        self.details: Optional[str] = None

    def run(self) -> bool:
        def progress(fraction: float, _message: str) -> None:
            if self.isCanceled():
                raise CancelledError("opening cancelled")
            self.setProgress(100.0 * fraction)

        try:
            inspector = DelayInspector.open(self.open_path, ephemeris=self.ephemeris,
                                            progress=progress)
            for band in self.footprint_bands:
                if self.isCanceled():
                    return False
                inspector.detector_footprints(band)  # polygonises raster masks once, here
        except CancelledError:
            return False
        except S2GMError as exc:
            self.error = str(exc)
            return False
        except Exception as exc:  # noqa: BLE001 (a bad product must never crash QGIS)
            self.error = tr("unexpected error while reading {path}: {error}").format(
                path=self.open_path, error=exc)
            self.details = traceback.format_exc()
            return False
        self.inspector = inspector
        return True


def _short(path: str) -> str:
    name = path.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1]
    for suffix in (".zip", ".SAFE"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name
