"""``point_time_series``: every observation of a source over a point, as the mosaic sees it.

S2GM's Point Time Series product (seed 000, issue 12): for a point and a date range, each
observation's reflectances (B01-B12, B8A), scene class, cloud and snow probability, AOT,
view and sun zenith, sensing time, product and tile, and whether the temporal mosaic's valid
filter keeps it, with the first test that rejects it otherwise.

Nothing is computed differently from the mosaic: the observations come from the same
:class:`~..mosaic.sources.ObservationSource` (local SAFE archive, STAC API), each is read on a
tiny output grid (:mod:`.point`) by its own ``read`` / ``angles_on`` (harmonised reflectance,
the resampling rules of :mod:`..mosaic.resample`, warped VRTs across CRSs) through a
:class:`~..mosaic.sources.gdal_reads.DatasetCache` that reads the window's pixels only, and the
valid filter is :func:`~..mosaic.select.reject_reasons`, test by test the mosaic's
:func:`~..mosaic.select.valid_observations` on the temporal compositor's bands.

Window 3 x 3: each value is the mean over the window's valid pixels, ``n_pixels`` their count,
``scl`` their most frequent class; with no valid pixel, the centre pixel's values and reason
(``n_pixels`` 0). Window 1 x 1: the pixel, ``n_pixels`` 1 when valid, else 0.

Granules of one datatake overlapping at a tile edge are listed each (their tiles differ); the
mosaic keeps one sample of them (the smaller AOT, :mod:`..mosaic.datatakes`).
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, Callable, Mapping, Optional, Sequence, Union

import numpy as np

from ..cancel import CancelFlag, cancel_check
from ..errors import CancelledError, NoProductsError, RemoteReadError, ValidationError
from ..mosaic.blocks import Block
from ..mosaic.compositors import TEMPORAL
from ..mosaic.select import REJECT_NAMES, Reject, reject_reasons
from ..mosaic.sources import (
    AOT, CLOUD_PROBABILITY, SCL, SNOW_PROBABILITY, SUN_ZENITH, VIEW_ZENITH, Observation,
    ObservationSource, as_source,
)
from ..mosaic.sources.gdal_reads import DatasetCache
from ..gdal_io import thread_gdal_options
from .point import GeoPoint, PointGrid, check_options, point_grid, search_area

#: Reflectance bands of a point time series, in the order of its columns (L2A has no B10).
PTS_BANDS: tuple[str, ...] = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B09",
                              "B11", "B12", "B8A")
#: Threads reading observations at once (remote sources are latency-bound).
DEFAULT_WORKERS = 4

ProgressFn = Callable[[float, str], Any]


@dataclass(frozen=True)
class PointObservation:
    """One observation at the point. Reflectance is physical (0-1), NaN where there is no
    data; ``cloud_probability_pct`` / ``snow_probability_pct`` are MSK_CLDPRB / MSK_SNWPRB (%);
    angles in degrees; ``reject_reason`` is "" when ``valid``, else the name of the first
    failing test (``no_data``, ``view_zenith``, ``scl_class``, ``snow_refinement``)."""

    sensing_time_utc: datetime
    product_id: str
    tile_id: str
    source_index: int
    valid: bool
    reject_reason: str
    reflectance: Mapping[str, float]
    scl: Optional[int]
    cloud_probability_pct: float
    snow_probability_pct: float
    aot: float
    view_zenith_deg: float
    sun_zenith_deg: float
    n_pixels: int


@dataclass(frozen=True)
class PointSeries:
    """The time series at one point: its observations in sensing-time order.

    ``point``: as given; ``lon`` / ``lat``: in degrees; ``grid_epsg`` / ``pixel_centre``: the
    CRS of the window read and its centre pixel's centre there (``crs="tile"``: of the CRS most
    of the tiles read have); ``skipped``: (what, reason) of products or observations that
    could not be used (unreadable products, remote reads that failed when skipping them)."""

    point: GeoPoint
    lon: float
    lat: float
    start: date
    end: date
    resolution_m: int
    window: int
    crs: str
    grid_epsg: int
    pixel_centre: tuple[float, float]
    observations: tuple[PointObservation, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    source: Mapping[str, Any] = field(default_factory=dict)

    @property
    def valid_observations(self) -> tuple[PointObservation, ...]:
        return tuple(o for o in self.observations if o.valid)


# --------------------------------------------------------------------------------------------
# One observation on one window
# --------------------------------------------------------------------------------------------

def _read(observation: Observation, layer: str, block: Block, datasets: DatasetCache
          ) -> np.ndarray:
    values = observation.read(layer, block, datasets)
    if values is None:
        return np.full(block.shape[0] * block.shape[1], np.nan, dtype=np.float32)
    return np.asarray(values, dtype=np.float32).reshape(-1)


def _float(value) -> float:
    """A float32 result as the float its shortest decimal text is (0.0423, not
    0.042300000786...): what the CSV writes and the JSON carries, the same number."""
    value = np.float32(value)
    return float(np.format_float_positional(value, unique=True, trim="-")) if np.isfinite(
        value) else float("nan")


def _mean(values: np.ndarray, keep: np.ndarray) -> float:
    picked = values[keep].astype(np.float64)
    picked = picked[np.isfinite(picked)]
    return _float(picked.mean()) if picked.size else float("nan")


def observe(observation: Observation, where: PointGrid, datasets: DatasetCache
            ) -> Optional[PointObservation]:
    """The observation on the point's window, or None when it does not reach the window."""
    grid = where.grid
    if not observation.reaches(grid):
        return None
    block = Block(grid, 0, 0, grid.height, grid.width)
    scl = observation.read(SCL, block, datasets)
    if scl is None:
        return None
    scl = np.asarray(scl, dtype=np.uint8).reshape(-1)
    n = scl.size
    nan = np.full(n, np.nan, dtype=np.float32)
    has_scl = bool(scl.any())
    # Outside the data (SCL 0 everywhere: beyond the swath, a no-data corner) the rasters
    # hold DN 0 too: nothing to read.
    bands = {b: (_read(observation, b, block, datasets) if has_scl else nan) for b in PTS_BANDS}
    layers = {name: (_read(observation, name, block, datasets) if has_scl else nan)
              for name in (CLOUD_PROBABILITY, SNOW_PROBABILITY, AOT)}
    view = np.asarray(observation.angles_on(VIEW_ZENITH, block), dtype=np.float32).reshape(-1)
    sun = np.asarray(observation.angles_on(SUN_ZENITH, block), dtype=np.float32).reshape(-1)

    # The temporal mosaic's valid filter on the bands it requires.
    reasons = reject_reasons({b: bands[b] for b in TEMPORAL.input_bands}, scl, view)
    valid_px = reasons == Reject.NONE
    centre = where.centre * grid.width + where.centre
    if valid_px.any() and where.window > 1:
        keep = valid_px
        classes, counts = np.unique(scl[keep], return_counts=True)
        scl_value: Optional[int] = int(classes[np.argmax(counts)])  # the smallest on ties
        reason = Reject.NONE
    else:
        keep = np.zeros(n, dtype=bool)
        keep[centre] = True
        scl_value = int(scl[centre]) if scl[centre] != 0 else None
        reason = Reject(int(reasons[centre]))
    n_valid = int(valid_px.sum()) if where.window > 1 else int(reason == Reject.NONE)
    return PointObservation(
        sensing_time_utc=observation.sensing_time_utc,
        product_id=observation.product_id,
        tile_id=observation.tile_id,
        source_index=int(observation.source_index),
        valid=reason == Reject.NONE,
        reject_reason=REJECT_NAMES[reason],
        reflectance=MappingProxyType({b: _mean(bands[b], keep) for b in PTS_BANDS}),
        scl=scl_value,
        cloud_probability_pct=_mean(layers[CLOUD_PROBABILITY], keep),
        snow_probability_pct=_mean(layers[SNOW_PROBABILITY], keep),
        aot=_mean(layers[AOT], keep),
        view_zenith_deg=_mean(view, keep),
        sun_zenith_deg=_mean(sun, keep),
        n_pixels=n_valid,
    )


# --------------------------------------------------------------------------------------------
# The series
# --------------------------------------------------------------------------------------------

def _as_point(point: Union[GeoPoint, tuple]) -> GeoPoint:
    if isinstance(point, GeoPoint):
        return point
    if isinstance(point, (tuple, list)) and len(point) in (2, 3):
        return GeoPoint(float(point[0]), float(point[1]), *point[2:])
    raise ValidationError({"point": f"{point!r}: expected a GeoPoint or (x, y[, crs])"})


def _as_date(value: Union[date, str], name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError({name: f"{value!r} is not a date YYYY-MM-DD"}) from None


def point_time_series(
    source: Any, point: Union[GeoPoint, tuple], start: Union[date, str], end: Union[date, str],
    resolution_m: int = 20, window: int = 1, *, crs: str = "utm",
    progress: Optional[ProgressFn] = None, cancel: CancelFlag = None,
    catalogue_path=None, workers: Optional[int] = None, on_read_error: str = "fail",
) -> PointSeries:
    """The time series at ``point`` from ``start`` to ``end`` (inclusive dates, UTC).

    ``source``: an :class:`~..mosaic.sources.ObservationSource`, a STAC
    :class:`~..mosaic.sources.spec.SourceSpec`, or archive folders (indexed in
    ``catalogue_path``, else a temporary catalogue); ``point``: a :class:`GeoPoint` or
    ``(lon, lat)``; ``resolution_m`` 10, 20, 30 or 60; ``window`` 1 or 3; ``crs`` as
    :mod:`.point`. ``progress(fraction, message)``; ``cancel`` a callable or an Event: raises
    CancelledError at the next observation. ``on_read_error="skip"`` leaves out an observation
    whose remote read failed after retries (listed in ``skipped``) instead of failing.
    Raises ValidationError for bad options and NoProductsError when no product is over the
    point in the period.
    """
    series = point_time_series_at(source, [point], start, end, resolution_m, window, crs=crs,
                                  progress=progress, cancel=cancel,
                                  catalogue_path=catalogue_path, workers=workers,
                                  on_read_error=on_read_error, require=True)
    return series[0]


def point_time_series_at(
    source: Any, points: Sequence[Union[GeoPoint, tuple]], start: Union[date, str],
    end: Union[date, str], resolution_m: int = 20, window: int = 1, *, crs: str = "utm",
    progress: Optional[ProgressFn] = None, cancel: CancelFlag = None,
    catalogue_path=None, workers: Optional[int] = None, on_read_error: str = "fail",
    require: bool = False,
) -> list[PointSeries]:
    """:func:`point_time_series` at several points with one search of the source: one
    :class:`PointSeries` per point, in order (an empty one for a point no product reaches,
    unless ``require``, which raises NoProductsError naming it)."""
    check_options(resolution_m, window, crs)
    if on_read_error not in ("fail", "skip"):
        raise ValidationError({"on_read_error": f"{on_read_error!r}: expected fail or skip"})
    start, end = _as_date(start, "start"), _as_date(end, "end")
    if start > end:
        raise ValidationError({"end": f"{end} is before the start {start}"})
    points = [_as_point(p) for p in points]
    if not points:
        raise ValidationError({"points": "no point given"})
    cancelled = cancel_check(cancel)
    report = progress or (lambda fraction, message: None)
    # The mosaic's grid of each point; crs="tile" searches with it too (same ground).
    search_grids = [point_grid(p, resolution_m, window, crs="utm" if crs == "tile" else crs)
                    for p in points]
    lonlats = [p.to_lonlat() for p in points]

    owned = not isinstance(source, ObservationSource)
    observation_source = as_source(source, catalogue_path=catalogue_path)
    try:
        found, per_point, skipped, described = _run(
            observation_source, points, search_grids, lonlats, start, end, resolution_m,
            window, crs, report, cancelled, workers, on_read_error)
    finally:
        if owned:
            observation_source.close()
    if require and not per_point[0]:
        raise NoProductsError(
            f"{_describe_points(lonlats)} is outside every product: the"
            f" {len(found.observations)} observation(s) found for {start}..{end} do not"
            " reach it")
    report(1.0, "done")
    out = []
    for index, point in enumerate(points):
        items = sorted((item for item, _ in per_point[index]),
                       key=lambda o: (o.sensing_time_utc, o.product_id, o.tile_id))
        grid = search_grids[index]
        epsgs = [epsg for _, epsg in per_point[index]]
        if crs == "tile" and epsgs:  # the CRS of most of the tiles read
            grid = point_grid(point, resolution_m, window, epsg=max(set(epsgs), key=epsgs.count))
        out.append(PointSeries(
            point=point, lon=lonlats[index][0], lat=lonlats[index][1], start=start, end=end,
            resolution_m=int(resolution_m), window=int(window), crs=crs,
            grid_epsg=grid.grid.epsg, pixel_centre=grid.pixel_centre,
            observations=tuple(items), skipped=tuple(skipped), source=described))
    return out


def _run(observation_source, points, search_grids, lonlats, start, end, resolution_m, window,
         crs, report, cancelled, workers, on_read_error):
    """Find the observations over the points' windows and read each at every point it
    reaches, on a few threads: (found, observations per point, skipped, source description)."""
    gdal_options = getattr(observation_source, "gdal_options", lambda: None)()
    tile_cache = getattr(observation_source, "tile_cache", lambda: None)()
    where = _describe_points(lonlats)
    report(0.0, "finding observations")
    try:
        with thread_gdal_options(gdal_options):
            found = observation_source.find(
                search_area(search_grids), start, end, cancel=cancelled,
                progress=lambda fraction, message: report(0.3 * float(fraction), message))
    except NoProductsError as exc:
        raise NoProductsError(f"no observation over {where} between {start} and {end}:"
                              f" {exc}") from None
    described = dict(observation_source.describe())
    if cancelled():
        raise CancelledError("time series cancelled while finding the observations")
    observations = list(found.observations)
    skipped = list(found.skipped)

    def grid_of(index: int, observation) -> PointGrid:
        if crs != "tile":
            return search_grids[index]
        granule = getattr(observation, "granule", None)
        epsg = getattr(granule, "epsg", None)
        return point_grid(points[index], resolution_m, window, crs="utm", epsg=epsg)

    done = [0]
    lock = threading.Lock()

    def read_one(observation):
        """The observation at every point it reaches: [(point index, PointObservation)]."""
        if cancelled():
            raise CancelledError("time series cancelled; nothing was written")
        datasets = DatasetCache(region_cache_bytes=0, cancelled=cancelled, tile_cache=tile_cache)
        try:
            with thread_gdal_options(gdal_options):
                out = []
                for index in range(len(points)):
                    where = grid_of(index, observation)
                    seen = observe(observation, where, datasets)
                    if seen is not None:
                        out.append((index, seen, where.grid.epsg))
                return out, None
        except RemoteReadError as exc:
            if on_read_error != "skip":
                raise
            return [], (exc.path, f"{observation.product_id}: {exc.reason}")
        finally:
            datasets.close()
            with lock:
                done[0] += 1
                count = done[0]
            report(0.3 + 0.7 * count / max(1, len(observations)),
                   f"observation {count} of {len(observations)}")

    n_workers = max(1, int(workers or DEFAULT_WORKERS))
    with ThreadPoolExecutor(max_workers=min(n_workers, max(1, len(observations))),
                            thread_name_prefix="s2gm-pts") as pool:
        results = list(pool.map(read_one, observations))
    per_point: list[list[tuple[PointObservation, int]]] = [[] for _ in points]
    for seen, problem in results:
        for index, item, epsg in seen:
            per_point[index].append((item, epsg))
        if problem is not None:
            skipped.append(problem)
    return found, per_point, skipped, described


def _describe_points(lonlats: Sequence[tuple[float, float]]) -> str:
    if len(lonlats) == 1:
        lon, lat = lonlats[0]
        return f"the point lon {lon:.6f}, lat {lat:.6f}"
    return f"the {len(lonlats)} points"
