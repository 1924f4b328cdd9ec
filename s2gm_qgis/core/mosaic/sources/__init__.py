"""Where the mosaic's observations come from: the engine's source seam.

An :class:`ObservationSource` finds the observations of an AOI and period (a local SAFE archive:
:mod:`.safe_archive`; a STAC API: :mod:`.stac`); each :class:`Observation` reads a layer window
on an output block, gives its view/sun angles there, its datatake key, its sensing time and its
product id. The engine (:mod:`..engine`) schedules blocks and composites; it knows nothing of
where pixels are stored. In the spirit of odc-stac's reader protocol: the source plans, the
observation reads only the windows a block needs.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Mapping, Optional, Protocol, runtime_checkable

import numpy as np

from .layers import (  # noqa: F401  (re-exported: the layer names every source uses)
    ANGLE_LAYERS, AOT, CLOUD_PROBABILITY, MASK_LAYERS, SCL, SCL_NODATA, SNOW_PROBABILITY,
    SUN_AZIMUTH, SUN_ZENITH, VIEW_AZIMUTH, VIEW_ZENITH,
)

ProgressFn = Callable[[float, str], Any]


@runtime_checkable
class Observation(Protocol):
    """One acquisition of one tile, a candidate observation of the mosaic.

    ``source_index`` is its row in the mosaic's SourceProductIndices (the ``source_index``
    layer's value where it is chosen)."""

    source_index: int

    @property
    def product_id(self) -> str: ...

    @property
    def tile_id(self) -> str: ...

    @property
    def sensing_time_utc(self) -> datetime: ...

    @property
    def datatake_key(self) -> tuple: ...

    def reaches(self, grid) -> bool:
        """True when the observation's extent meets the output grid's."""

    def read(self, layer: str, block, datasets, out: Optional[np.ndarray] = None
             ) -> Optional[np.ndarray]:
        """The layer (band, SCL, AOT, MSK_CLDPRB, MSK_SNWPRB) on the block in physical values,
        or None when the observation does not reach the block."""

    def angles_on(self, layer: str, block, pixels: Optional[np.ndarray] = None) -> np.ndarray:
        """An angle layer (degrees) at the block's pixel centres."""

    def source_row(self) -> dict[str, Any]:
        """Its SourceProductIndices row (index, product_id, tile_id, sensing_time_utc, path)."""

    # Optional, used when present (:class:`.granule.GranuleSource` has them all):
    # ``owns(path)`` (a failed read names one of its files), ``read_ahead(layer, block,
    # datasets)`` (read the tiles ``read`` will use, without computing values) and
    # ``tile_origin_m(resolution_m)`` ((EPSG, x, y) where its source tiles start, so that the
    # engine's jobs start there too).


@dataclass(frozen=True)
class FoundObservations:
    """What a source found: observations in sensing-time order (``source_index`` = position),
    and (what, reason) of the products it could not use."""

    observations: tuple[Observation, ...]
    skipped: tuple[tuple[str, str], ...] = ()


@runtime_checkable
class ObservationSource(Protocol):
    """Finds the observations of an AOI and period."""

    def find(self, aoi, start: date, end: date, *, progress: Optional[ProgressFn] = None,
             cancel: Callable[[], bool] = lambda: False) -> FoundObservations:
        """The L2A observations over ``aoi`` sensed from ``start`` to ``end`` (inclusive dates).
        ``progress(fraction, message)`` with fraction in 0..1 of the search; raises
        CancelledError when ``cancel()`` turns True."""

    def describe(self) -> Mapping[str, Any]:
        """JSON-ready description of the source for the mosaic's metadata (no secrets)."""

    def close(self) -> None:
        """Release what the source holds (indexes, HTTP sessions)."""


def as_source(source: Any, *, catalogue_path=None) -> ObservationSource:
    """``source`` as an :class:`ObservationSource`: one already, a STAC source specification
    (:class:`.spec.SourceSpec`), or local archive folders / a ready catalogue."""
    if isinstance(source, ObservationSource):
        return source
    from .spec import SourceSpec

    if isinstance(source, SourceSpec):
        return source.open(catalogue_path=catalogue_path)
    from .safe_archive import SafeArchiveSource

    return SafeArchiveSource(source, catalogue_path=catalogue_path)

