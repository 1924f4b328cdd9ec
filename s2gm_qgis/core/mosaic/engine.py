"""``run_mosaic``: an order in, an S2GM temporal mosaic folder out.

1. The order's :class:`~.sources.ObservationSource` finds the L2A observations over the AOI and
   period (local archives: :mod:`.sources.safe_archive`; STAC APIs: :mod:`.sources.stac`), each
   with its ``source_index`` (row of SourceProductIndices, in sensing-time order).
2. Every output grid (:func:`~.grid.plan_output_grids`) is processed in blocks of 512 x 512
   pixels (the writers' tile size), on a pool of threads (numpy and GDAL release the GIL, so both
   cores work); a worker takes the 2 x 2 blocks of one 1024-pixel source tile at a time (the
   jobs start on the observations' tiles, :func:`job_phase`, wherever the AOI's grid starts)
   and reads each tile once (:class:`~.sources.gdal_reads.DatasetCache`); a run with fewer jobs
   than workers (a small AOI) has every worker read the job's tiles ahead, one observation
   each, before one composites it. A block reads, for each
   observation reaching it, the SCL first (one with no data there is skipped), then the
   reflectance bands and the view zenith; applies the compositor's valid filter, merges
   granules of the same datatake (smaller AOT), lets the compositor choose per pixel
   (:mod:`.compositors`; the temporal mosaic: none, single, STC, medoid), then reads the quality layers and angles of the chosen
   observations only, and hands physical values to the grid's writer. A block whose stack of
   observations is long (more than :data:`SAMPLES_PER_STRIP` samples) is composited in strips
   of rows, and each worker composites one block at a time, so memory depends neither on the
   area nor on the number of observations.
3. The writers stage everything beside the final folder, which appears only when complete; on
   an error or a cancel every staged file is removed.

Pixels outside the AOI are no data in every layer and are not counted.
"""
from __future__ import annotations

import ctypes
import os
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence, Union

import numpy as np

from ... import __version__
from ..cancel import CancelFlag, cancel_check
from ..errors import CancelledError, NoProductsError, RemoteReadError, S2GMError
from ..gdal_io import thread_gdal_options
from .blocks import Block
from .compositors import TEMPORAL, BlockContext, Compositor, compositor_for
from .datatakes import datatake_groups, merge_same_datatake
from .grid import OutputGrid, aoi_mask, plan_output_grids
from .layers import LAYERS, REFLECTANCE
from .order import MosaicOrder
from .select import selected_positions, take_selected
from .sources import (
    AOT, CLOUD_PROBABILITY, SCL, SNOW_PROBABILITY, SUN_AZIMUTH, SUN_ZENITH, VIEW_AZIMUTH,
    VIEW_ZENITH, Observation, ObservationSource, as_source,
)
from .sources.gdal_reads import REGION_CACHE_BYTES, DatasetCache
from .writers import OrderOutput

ProgressCallback = Callable[[float, str], Any]

#: Output block edge, pixels: the GeoTIFF/COG tile size, so each block writes whole tiles.
BLOCK_PX = 512
#: Observation samples (observations x pixels) a worker composites at once: a whole block of 12
#: observations (about 150 MB of stacks). A block with a longer stack (a quarter, a year, tile
#: overlaps) is composited in strips of fewer rows, so memory does not grow with the number of
#: observations.
SAMPLES_PER_STRIP = 12 * BLOCK_PX * BLOCK_PX
#: Worker threads when the caller does not say: each holds up to about 0.6 GB (its kept
#: source tiles and the stacks of one block), so a many-core desktop running the engine inside
#: QGIS does not give it several GB; ``workers=`` (``--workers``) asks for more.
DEFAULT_MAX_WORKERS = 4
#: A job (one worker) is a square of JOB_BLOCKS x JOB_BLOCKS blocks: one 1024 x 1024 tile of a
#: Sentinel-2 JPEG 2000 raster (at 10 m, 2 x 2 such squares: see :func:`job_squares`).
JOB_BLOCKS = 2
#: Resolution of the source tiles most layers of a product share (the 20 m bands, SCL, the
#: probability masks), metres.
SHARED_TILE_RESOLUTION_M = 20


def job_squares(grid: OutputGrid) -> int:
    """Squares of :data:`JOB_BLOCKS` x :data:`JOB_BLOCKS` blocks along the edge of a job of
    ``grid``: 1, or 2 on a 10 m grid, where one 1024-pixel tile of the 20 m layers covers 2 x 2
    squares. Jobs of one square there read each 20 m tile in four jobs, whole each time: over
    HTTP, 3.3 times the bytes of those files (12.5 times for SCL) on the STAC benchmark's
    products."""
    return max(1, int(SHARED_TILE_RESOLUTION_M // float(grid.resolution)))

#: Output layers read from the chosen observation's product (layer -> product layer).
_PRODUCT_QUALITY = {
    "quality_aot": AOT,
    "quality_cloud_confidence": CLOUD_PROBABILITY,
    "quality_snow_confidence": SNOW_PROBABILITY,
}
#: Output angle layers computed for the chosen observation.
_ANGLES = {
    "view_azimuth_mean": VIEW_AZIMUTH,
    "sun_zenith": SUN_ZENITH,
    "sun_azimuth": SUN_AZIMUTH,
}
COUNT_KEYS = TEMPORAL.count_keys


@dataclass(frozen=True)
class MosaicResult:
    """What a run produced.

    ``files``: layer -> one path per output grid (grid order); ``source_products``: the
    SourceProductIndices rows (index, product_id, tile_id, sensing_time_utc, path); ``counts``:
    AOI pixels with data, chosen by medoid / STC / single observation, and with none;
    ``skipped``: (path, reason) of products that could not be used.
    """

    output_dir: Path
    files: Mapping[str, tuple[Path, ...]]
    source_products: tuple[Mapping[str, Any], ...]
    counts: Mapping[str, int]
    metadata_paths: tuple[Path, ...]
    quicklook_paths: tuple[Path, ...]
    grids: tuple[OutputGrid, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    elapsed_s: float = 0.0

    @property
    def metadata_path(self) -> Path:
        """The metadata JSON of the first grid (every grid has one)."""
        return self.metadata_paths[0]

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready summary (what the command line prints with --json)."""
        return {
            "output_dir": str(self.output_dir),
            "files": {layer: [str(p) for p in paths] for layer, paths in self.files.items()},
            "source_products": [
                {**item, "sensing_time_utc": item["sensing_time_utc"].isoformat()
                 if hasattr(item["sensing_time_utc"], "isoformat") else item["sensing_time_utc"]}
                for item in self.source_products
            ],
            "counts": dict(self.counts),
            "metadata_path": str(self.metadata_path),
            "metadata_paths": [str(p) for p in self.metadata_paths],
            "quicklook_paths": [str(p) for p in self.quicklook_paths],
            "grids": [
                {"name": g.name, "epsg": g.epsg, "width": g.width, "height": g.height,
                 "geotransform": list(g.geotransform), "resolution_m": g.resolution}
                for g in self.grids
            ],
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "elapsed_s": round(self.elapsed_s, 3),
            "software_version": __version__,
        }


# --------------------------------------------------------------------------------------------
# One block
# --------------------------------------------------------------------------------------------

@dataclass
class BlockOutput:
    """Physical values per output layer of one block, and its pixel counts."""

    values: dict[str, np.ndarray]
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))


def composite_block(
    sources: Sequence[Observation],
    block: Block,
    layers: Sequence[str],
    datasets: DatasetCache,
    aoi: Optional[np.ndarray] = None,
    compositor: Compositor = TEMPORAL,
    period_end=None,
) -> BlockOutput:
    """Composite one block of a grid from the observations ``sources`` (see the module
    docstring) with ``compositor``; ``period_end`` (a date) for compositors that prefer recent
    observations.

    ``layers``: the output layers to return; ``aoi``: boolean (nrows, ncols), False outside
    the AOI (None: everywhere inside). Every returned array is float32 (nrows, ncols) with NaN
    for no data, as the writers take them.
    """
    halo = compositor.halo_px(block.grid.resolution)
    if halo:
        return _with_halo(sources, block, layers, datasets, aoi, compositor, period_end, halo)
    return _composite_block(sources, block, layers, datasets, aoi, compositor, period_end,
                            None, 0)


def _with_halo(sources, block: Block, layers, datasets, aoi, compositor, period_end, halo
               ) -> BlockOutput:
    """A compositor that looks at neighbouring pixels (the BrightEarth mask's dilation) gets
    the block with ``halo`` pixels around it (within the grid); the values and counts are
    those of the block itself."""
    grid = block.grid
    r0, c0 = max(0, block.row0 - halo), max(0, block.col0 - halo)
    r1 = min(grid.height, block.row0 + block.nrows + halo)
    c1 = min(grid.width, block.col0 + block.ncols + halo)
    big = Block(grid, r0, c0, r1 - r0, c1 - c0)
    rows = slice(block.row0 - r0, block.row0 - r0 + block.nrows)
    cols = slice(block.col0 - c0, block.col0 - c0 + block.ncols)
    big_aoi = np.ones(big.shape, dtype=bool)
    if getattr(grid, "aoi_wkt", None):
        big_aoi = aoi_mask(grid, r0, c0, big.nrows, big.ncols)
    if aoi is not None:
        big_aoi[rows, cols] = aoi
    counted = np.zeros(big.shape, dtype=bool)
    counted[rows, cols] = True
    out = _composite_block(sources, big, layers, datasets, big_aoi, compositor, period_end,
                           counted.reshape(-1), halo)
    return BlockOutput({name: np.ascontiguousarray(values[rows, cols])
                        for name, values in out.values.items()}, out.counts)


def _composite_block(sources, block: Block, layers, datasets, aoi, compositor, period_end,
                     counted: Optional[np.ndarray], halo: int) -> BlockOutput:
    """:func:`composite_block` on ``block``; counts over the ``counted`` pixels (None: all);
    ``halo``: rows of context each strip of a long stack keeps around it."""
    shape = block.shape
    n_pixels = shape[0] * shape[1]
    inside = np.ones(n_pixels, dtype=bool) if aoi is None else aoi.reshape(-1)
    counted = inside if counted is None else counted & inside

    # Which granules have data here: SCL is one byte per pixel and tells no data (class 0).
    active: list[Observation] = []
    scl_rows: list[np.ndarray] = []
    if inside.any():
        for source in sources:
            scl = source.read(SCL, block, datasets)
            if scl is None:
                continue
            scl = scl.reshape(-1)
            if not (scl[inside] != 0).any():
                continue
            active.append(source)
            scl_rows.append(scl)

    ages = _ages_days(active, period_end)
    rows = strip_rows(len(active), block.nrows, block.ncols)
    if rows >= block.nrows:
        return _composite(active, scl_rows, block, layers, datasets, inside, compositor,
                          counted, ages)
    # A long stack: strips of fewer rows, so the samples held stay within the budget (each
    # with the compositor's halo of rows around it).
    out = BlockOutput({name: np.empty(shape, dtype=np.float32) for name in layers},
                      dict.fromkeys(compositor.count_keys, 0))
    inside_2d = inside.reshape(shape)
    counted_2d = counted.reshape(shape)
    for r0 in range(0, block.nrows, rows):
        r1 = min(r0 + rows, block.nrows)
        h0, h1 = max(0, r0 - halo), min(block.nrows, r1 + halo)
        strip = Block(block.grid, block.row0 + h0, block.col0, h1 - h0, block.ncols)
        flat = slice(h0 * block.ncols, h1 * block.ncols)
        strip_counted = np.zeros((h1 - h0, block.ncols), dtype=bool)
        strip_counted[r0 - h0:r1 - h0] = counted_2d[r0:r1]
        part = _composite(active, [scl[flat] for scl in scl_rows], strip, layers, datasets,
                          inside_2d[h0:h1].reshape(-1), compositor, strip_counted.reshape(-1),
                          ages)
        for name, values in part.values.items():
            out.values[name][r0:r1] = values[r0 - h0:r1 - h0]
        for key, value in part.counts.items():
            out.counts[key] += value
    return out


def _ages_days(active: Sequence[Observation], period_end) -> np.ndarray:
    """Days from each observation's sensing time to the end of the period (0 without one)."""
    if period_end is None or not active:
        return np.zeros(len(active), dtype=np.float64)
    end = datetime.combine(period_end, datetime.max.time(), tzinfo=timezone.utc)
    return np.array([(end - o.sensing_time_utc).total_seconds() / 86400.0 for o in active])


def strip_rows(n_obs: int, nrows: int, ncols: int) -> int:
    """Rows of a block composited at once: all of them up to :data:`SAMPLES_PER_STRIP`
    observation samples, fewer for longer stacks (at least one)."""
    return max(1, min(nrows, SAMPLES_PER_STRIP // max(1, n_obs * ncols)))


def _composite(active: Sequence[Observation], scl_rows: Sequence[np.ndarray], block: Block,
               layers: Sequence[str], datasets: DatasetCache, inside: np.ndarray,
               compositor: Compositor, counted: np.ndarray, ages: np.ndarray) -> BlockOutput:
    """:func:`composite_block` once the observations with data in the block are known
    (``scl_rows``: their SCL on the block, flat)."""
    shape = block.shape
    n_pixels = shape[0] * shape[1]
    n_obs = len(active)

    bands = {b: np.empty((n_obs, n_pixels), dtype=np.float32) for b in compositor.input_bands}
    vza = np.empty((n_obs, n_pixels), dtype=np.float32)
    for row, source in enumerate(active):
        for band in compositor.input_bands:
            # Straight into the stack's row (a view of the block's shape).
            if source.read(band, block, datasets, out=bands[band][row].reshape(shape)) is None:
                bands[band][row] = np.nan
        vza[row] = source.angles_on(VIEW_ZENITH, block).reshape(-1)
    scl_stack = (np.stack(scl_rows) if scl_rows
                 else np.zeros((0, n_pixels), dtype=np.uint8))

    valid = (compositor.valid(bands, scl_stack, vza,
                              BlockContext(shape, block.grid.resolution, ages)) if n_obs
             else np.zeros((0, n_pixels), bool))
    valid &= inside[None, :]

    # One sample per datatake: granules of the same acquisition overlap along tile edges.
    groups = datatake_groups(active)
    if any(len(g) > 1 for g in groups):
        has_data = scl_stack != 0
        for stack in bands.values():
            has_data &= np.isfinite(stack)
        aot = {}
        for members in groups:
            if len(members) > 1:
                for row in members:
                    values = active[row].read(AOT, block, datasets)
                    aot[row] = (np.full(n_pixels, np.nan, np.float32) if values is None
                                else values.reshape(-1))
        member_row = merge_same_datatake(groups, has_data, aot)
        ages = np.array([ages[members[0]] for members in groups])
        bands = {b: np.take_along_axis(s, member_row, axis=0) for b, s in bands.items()}
        scl_stack = np.take_along_axis(scl_stack, member_row, axis=0)
        vza = np.take_along_axis(vza, member_row, axis=0)
        valid = np.take_along_axis(valid, member_row, axis=0)
    else:
        member_row = np.broadcast_to(np.arange(n_obs)[:, None], (n_obs, n_pixels))

    composite = compositor.select(bands, scl_stack, valid, counted,
                                  BlockContext(shape, block.grid.resolution, ages))
    selection = composite.selection
    index = selection.index
    chosen = np.full(n_pixels, -1, dtype=np.intp)  # row in ``active`` per pixel
    has = index >= 0
    if has.any():
        chosen[has] = member_row[index[has], np.flatnonzero(has)]

    # The pixels each observation was chosen for (flat indices), for the layers read or
    # computed per observation: each is then filled with one gather per observation.
    chosen_pixels = [(row, pixels) for row in range(len(active))
                     for pixels in (np.flatnonzero(chosen == row),) if pixels.size]

    positions = selected_positions(index)
    out: dict[str, np.ndarray] = {}
    for name in layers:
        layer = LAYERS[name]
        if layer.kind == REFLECTANCE:
            values = take_selected(bands[name], index, positions=positions)
        elif name == "quality_scene_classification":
            values = take_selected(scl_stack, index, positions=positions)
        elif name == "view_zenith_mean":
            values = take_selected(vza, index, positions=positions)
        elif name in _PRODUCT_QUALITY:
            values = np.full(n_pixels, np.nan, dtype=np.float32)
            for row, pixels in chosen_pixels:
                data = active[row].read(_PRODUCT_QUALITY[name], block, datasets)
                if data is not None:
                    values[pixels] = data.reshape(-1)[pixels]
        elif name in _ANGLES:
            values = np.full(n_pixels, np.nan, dtype=np.float32)
            for row, pixels in chosen_pixels:
                values[pixels] = active[row].angles_on(_ANGLES[name], block, pixels)
        elif name == "source_index":
            lookup = np.array([s.source_index for s in active] + [0], dtype=np.float32)
            values = np.where(has, lookup[chosen], np.nan).astype(np.float32)
        elif name == "valid_obs":
            values = selection.valid_obs.astype(np.float32)
        elif name == "medoid_mos":
            values = selection.medoid_mos
        else:
            raise S2GMError(f"the engine does not know how to make layer {name!r}")
        values = np.asarray(values, dtype=np.float32)
        if not inside.all():
            values = np.where(inside, values, np.float32(np.nan))
        out[name] = values.reshape(shape)

    return BlockOutput(out, dict(composite.counts))


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------

def _progress_reporter(progress: Optional[ProgressCallback]) -> Callable[[float, str], None]:
    lock = threading.Lock()
    last = [0.0]

    def report(fraction: float, message: str) -> None:
        if progress is None:
            return
        with lock:  # monotonic, whatever thread reports
            last[0] = max(last[0], min(1.0, fraction))
            value = last[0]
        progress(value, message)

    return report


def run_mosaic(
    order: MosaicOrder,
    source: Union[ObservationSource, Sequence[Union[str, os.PathLike]], str, os.PathLike, Any],
    out_dir: Union[str, os.PathLike],
    *,
    catalogue_path: Optional[Union[str, os.PathLike]] = None,
    progress: Optional[ProgressCallback] = None,
    cancel: CancelFlag = None,
    workers: Optional[int] = None,
    grids: Optional[Sequence[OutputGrid]] = None,
) -> MosaicResult:
    """Composite ``order`` from the L2A observations of ``source`` into ``out_dir``.

    ``source``: an :class:`~.sources.ObservationSource`, or local archive folders to index (with
    ``catalogue_path`` the index persists and re-scans are incremental; without, a temporary
    one is used) or a ready :class:`~.catalogue.Catalogue`. An order naming its own source
    (``order.source``, e.g. a STAC API) is composited from that one instead.
    ``progress(fraction, message)`` is called from worker threads; ``cancel`` is a callable
    returning True or a ``threading.Event``: the run stops at the next block, removes what it
    staged and raises CancelledError. Raises NoProductsError when no usable L2A product covers
    the AOI in the period. ``grids`` replaces the planned output grids (e.g. a Sentinel-2 tile's
    own 20 m grid, to composite tile by tile); their ``aoi_wkt`` masks them as usual.
    """
    started = time.perf_counter()
    cancelled = cancel_check(cancel)
    report = _progress_reporter(progress)
    workers = max(1, int(workers or min(os.cpu_count() or 1, DEFAULT_MAX_WORKERS)))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    compositor = compositor_for(order)

    plan = plan_run(order, source, catalogue_path=catalogue_path, cancelled=cancelled,
                    report=report, grids=grids)
    datasets = DatasetCache(cancelled=cancelled, tile_cache=plan.tile_cache)
    try:
        output = OrderOutput(order, plan.grids, out_dir)
        try:
            run = _run_blocks(order, plan.grids, plan.per_grid, output, datasets, workers,
                              report, cancelled, compositor, plan.gdal_options)
            _release_freed_memory()
            report(0.95, "writing files")
            files = output.commit(plan.metadata(run.counts, run.dropped.values()))
        except BaseException:
            output.abort()
            raise
    finally:
        datasets.close()
        plan.close()
    report(1.0, "done")
    return plan.result(files, run.counts, run.dropped.values(), time.perf_counter() - started)


@dataclass
class RunPlan:
    """What a run composites: the observation source (open until :meth:`close`), the
    observations found (in SourceProductIndices order), the products skipped, the output grids
    and the observations reaching each (grid name -> observations). Made by :func:`plan_run`;
    shared by :func:`run_mosaic` and the distributed engine (:mod:`..orders.dask_engine`), so
    both write the same metadata and results."""

    source: Any
    sources: list
    skipped: list
    grids: list
    per_grid: dict
    gdal_options: Optional[Mapping[str, str]] = None
    tile_cache: Any = None

    def metadata(self, counts: Mapping[str, int], dropped=()) -> dict[str, Any]:
        """The run's part of every grid's metadata JSON; ``dropped``: (observation, asset,
        reason) of observations left out after a failed remote read."""
        metadata = {
            "source": dict(self.source.describe()),
            "source_products": [s.source_row() for s in self.sources],
            "counts": dict(counts),
            "software_version": __version__,
            "skipped_products": [{"path": p, "reason": r} for p, r in self.skipped],
        }
        dropped = list(dropped)
        if dropped:
            metadata["skipped_observations"] = [
                {"index": s.source_index, "product_id": s.product_id, "tile_id": s.tile_id,
                 "asset": asset, "reason": reason,
                 "note": "a read failed after retries: blocks composited after that"
                         " leave it out"}
                for s, asset, reason in dropped]
        return metadata

    def result(self, files, counts: Mapping[str, int], dropped, elapsed_s: float
               ) -> "MosaicResult":
        skipped = list(self.skipped) + [(str(asset), f"{s.product_id}: {reason}")
                                        for s, asset, reason in dropped]
        return MosaicResult(
            output_dir=files.folder,
            files={layer: tuple(paths) for layer, paths in files.files.items()},
            source_products=tuple(s.source_row() for s in self.sources),
            counts=dict(counts),
            metadata_paths=tuple(files.metadata_paths),
            quicklook_paths=tuple(files.quicklook_paths),
            grids=tuple(self.grids),
            skipped=tuple(skipped),
            elapsed_s=elapsed_s,
        )

    def close(self) -> None:
        self.source.close()


def plan_run(order: MosaicOrder, source, *, catalogue_path=None,
             cancelled: Callable[[], bool] = lambda: False,
             report: Callable[[float, str], None] = lambda fraction, message: None,
             grids: Optional[Sequence[OutputGrid]] = None) -> RunPlan:
    """Find the order's observations and plan its output grids (progress 0-0.05). Raises
    NoProductsError when no usable observation reaches the grids, CancelledError on cancel;
    the source is closed when this raises."""
    period = order.interval
    if getattr(order, "source", None) is not None:
        source = order.source
    observation_source = as_source(source, catalogue_path=catalogue_path)
    try:
        # Remote sources' GDAL settings (HTTP, S3 keys), set in the engine's threads only.
        gdal_options = getattr(observation_source, "gdal_options", lambda: None)()
        report(0.0, "finding observations")
        with thread_gdal_options(gdal_options):
            found = observation_source.find(
                order.aoi, period.start, period.end, cancel=cancelled,
                progress=lambda fraction, message: report(0.05 * float(fraction), message))
        if cancelled():
            raise CancelledError("mosaic cancelled while finding the observations")
        sources = list(found.observations)
        if not sources:
            raise NoProductsError(f"no usable L2A observation for the AOI between {period.start}"
                                  f" and {period.end}")
        grids = list(grids) if grids else plan_output_grids(order)
        per_grid = {g.name: [s for s in sources if s.reaches(g)] for g in grids}
        if not any(per_grid.values()):
            raise NoProductsError(
                f"the {len(sources)} product(s) found for {period.start}..{period.end} do not"
                " reach the AOI's output grid")
        report(0.05, f"{len(sources)} observation(s), {len(grids)} output grid(s)")
        tile_cache = getattr(observation_source, "tile_cache", lambda: None)()
    except BaseException:
        observation_source.close()
        raise
    return RunPlan(observation_source, sources, list(found.skipped), grids, per_grid,
                   gdal_options, tile_cache)


def _release_freed_memory() -> None:
    """Return the memory the blocks' arrays were freed from to the system before the layers are
    converted (which needs some more): glibc keeps freed memory in its per-thread arenas, so
    the process's peak would otherwise be the two phases' sum. A no-op elsewhere than glibc."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        pass


@dataclass
class _BlocksRun:
    """What the block loop gives back: the pixel counts, and the observations dropped after a
    remote read failed (source_index -> (observation, asset, reason)), in the order they failed."""

    counts: dict[str, int]
    dropped: dict[int, tuple[Any, str, str]]


def _owner_of(error: RemoteReadError, candidates: Sequence[Observation]) -> Optional[Observation]:
    """The observation whose asset ``error`` names."""
    for observation in candidates:
        owns = getattr(observation, "owns", None)
        if owns is not None and owns(error.path):
            return observation
    return None


Window = tuple[int, int, int, int]  # row0, col0, nrows, ncols of a block


def job_windows(grid: OutputGrid, region: Optional[tuple[int, int, int, int]] = None,
                phase: Optional[tuple[int, int]] = None) -> list[list[list[Window]]]:
    """The jobs of a grid, or of the ``region`` (row0, col0, nrows, ncols) of it: squares of
    :func:`job_squares` x :func:`job_squares` squares of :data:`JOB_BLOCKS` x
    :data:`JOB_BLOCKS` blocks; each job a list of its squares, each square a list of its block
    windows (row0, col0, nrows, ncols). A region whose edges are multiples of :data:`BLOCK_PX` (or the
    grid's) has exactly the blocks the whole grid has there, so its pixels are the same.

    ``phase`` (rows, columns; see :func:`job_phase`): the jobs, squares and blocks start at
    those offsets of the grid (plus multiples of their size) instead of at its corner, the
    first ones narrower: aligned on the source tiles, each job reads whole the tiles it
    covers and no other job reads them. Pixels do not depend on where blocks start."""
    r0, c0, nrows, ncols = region if region is not None else (0, 0, grid.height, grid.width)
    r_end, c_end = min(grid.height, r0 + nrows), min(grid.width, c0 + ncols)
    square = BLOCK_PX * JOB_BLOCKS
    step = square * job_squares(grid)
    phase_r, phase_c = phase if phase is not None else (r0, c0)

    def spans(start: int, end: int, size: int, at: int) -> list[tuple[int, int]]:
        """[start, end) cut at ``at`` + multiples of ``size``."""
        first = start + ((at - start) % size or size)
        cuts = [start] + list(range(first, end, size)) + [end]
        return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]

    return [[[(r, c, r1 - r, c1 - c)
              for r, r1 in spans(sr, sr1, BLOCK_PX, phase_r)
              for c, c1 in spans(sc, sc1, BLOCK_PX, phase_c)]
             for sr, sr1 in spans(jr, jr1, square, phase_r)
             for sc, sc1 in spans(jc, jc1, square, phase_c)]
            for jr, jr1 in spans(r0, r_end, step, phase_r)
            for jc, jc1 in spans(c0, c_end, step, phase_c)]


def job_phase(grid: OutputGrid, observations: Sequence[Any]) -> Optional[tuple[int, int]]:
    """Where the jobs of ``grid`` start (rows, columns), so that they are the source tiles of
    most of its observations: the 1024-pixel tiles of their 20 m layers (the shared tiles of
    the 20 m bands, SCL and masks), at the offset of the observations' 20 m grid from the
    output grid. None when the grid has no such alignment (another CRS, another resolution
    than 10 or 20 m, a granule off the output pixel grid): jobs start at its corner.

    An AOI's grid starts at the AOI, not at a tile corner: jobs from its corner straddle 2 x 2
    source tiles each, and each tile was read by four jobs (on the 4392 px STAC benchmark
    products, 5.5 times the bytes of the assets)."""
    x0, dx, _, y0, _, dy = grid.geotransform
    tile_px = BLOCK_PX * JOB_BLOCKS * SHARED_TILE_RESOLUTION_M / float(grid.resolution)
    if dx <= 0 or dy >= 0 or tile_px != int(tile_px) or int(tile_px) % BLOCK_PX:
        return None
    step = BLOCK_PX * JOB_BLOCKS * job_squares(grid)
    phases: dict[tuple[int, int], int] = {}
    for observation in observations:
        origin = getattr(observation, "tile_origin_m", lambda resolution_m: None)(
            SHARED_TILE_RESOLUTION_M)
        if origin is None or origin[0] != grid.epsg:
            continue
        cols, rows = (origin[1] - x0) / dx, (origin[2] - y0) / dy
        if abs(cols - round(cols)) > 1e-6 or abs(rows - round(rows)) > 1e-6:
            continue
        key = (int(round(rows)) % step, int(round(cols)) % step)
        phases[key] = phases.get(key, 0) + 1
    return max(phases, key=phases.get) if phases else None


def _run_blocks(order, grids, per_grid, output, datasets, workers, report, cancelled,
                compositor: Compositor = TEMPORAL, gdal_options=None,
                regions: Optional[Mapping[str, tuple[int, int, int, int]]] = None) -> _BlocksRun:
    """Composite and write every block of every grid (or of its region in ``regions``, grid
    name -> (row0, col0, nrows, ncols)) on ``workers`` threads.

    A job is the square of :data:`JOB_BLOCKS` x :data:`JOB_BLOCKS` blocks that one 1024-pixel
    source tile covers (20 m bands of a tile's grid; at 10 m, the 2 x 2 such squares one 20 m
    tile covers, :func:`job_windows`): one worker does its blocks one after the other, square
    after square, so each source tile is read once (see :class:`DatasetCache`; each square is
    a "job" of its kept tiles, so the finer tiles of the squares done make room first).

    A remote read that failed after retries (:class:`RemoteReadError`) fails the run, or, when
    the order says ``on_read_error="skip"``, drops that observation: the block is composited
    again without it, and so are all the blocks after; blocks composited before keep its
    pixels (they were read whole). The dropped observations are reported, never hidden."""
    # A whole grid's jobs on its observations' source tiles; a region (a part of a distributed
    # run) keeps the blocks of its corner.
    phases = {grid.name: (job_phase(grid, per_grid[grid.name]) if not regions else None)
              for grid in grids}
    jobs = [(grid, squares) for grid in grids
            for squares in job_windows(grid, (regions or {}).get(grid.name), phases[grid.name])]
    total = sum(len(windows) for _, squares in jobs for windows in squares)
    counts = dict.fromkeys(compositor.count_keys, 0)
    layers = tuple(order.bands)
    skip_failed = getattr(order, "on_read_error", "fail") == "skip"
    dropped: dict[int, tuple[Any, str, str]] = {}
    dropped_lock = threading.Lock()

    def composite(grid, block, mask):
        while True:
            with dropped_lock:
                candidates = [s for s in per_grid[grid.name] if s.source_index not in dropped]
            try:
                return composite_block(candidates, block, layers, datasets, mask, compositor,
                                       order.end)
            except RemoteReadError as exc:
                owner = _owner_of(exc, candidates) if skip_failed else None
                if owner is None:
                    raise
                with dropped_lock:
                    dropped.setdefault(owner.source_index, (owner, exc.path, exc.reason))
                report(0.05, f"skipping {owner.product_id}: {exc.reason}")
    progress_lock = threading.Lock()
    blocks_done = [0]

    failed = threading.Event()  # one block failed: the others stop at once
    started = time.perf_counter()

    def work(grid: OutputGrid, squares) -> dict[str, int]:
        try:
            with thread_gdal_options(gdal_options):
                return work_job(grid, squares)
        finally:
            datasets.release_handles()

    def work_job(grid: OutputGrid, squares) -> dict[str, int]:
        job_counts = dict.fromkeys(compositor.count_keys, 0)
        for windows in squares:
            datasets.next_job()  # a new square: the tiles kept so far may make room first
            for row0, col0, nrows, ncols in windows:
                if cancelled() or failed.is_set():
                    return job_counts
                block = Block(grid, row0, col0, nrows, ncols)
                mask = aoi_mask(grid, row0, col0, nrows, ncols)
                result = composite(grid, block, mask)
                writer = output.writer(grid)
                for name, values in result.values.items():
                    writer.write_block(name, row0, col0, values)
                for key, value in result.counts.items():
                    job_counts[key] += value
                with progress_lock:
                    blocks_done[0] += 1
                    done = blocks_done[0]
                busy = time.perf_counter() - started
                reading = min(1.0, datasets.read_seconds() / max(busy * workers, 1e-9))
                report(0.05 + 0.9 * done / total,
                       f"block {done} of {total}: reading {reading:.0%}, compositing"
                       f" {1 - reading:.0%} of the time")
        return job_counts

    # Fewer jobs than workers (a small AOI: one 1024-pixel tile is one job): idle workers would
    # leave the job's reads to one thread, one request after the other. Its tiles are read
    # ahead instead, one observation per task on every worker, then the job is composited.
    # The reflectance bands only: the quality layers are read for the observations chosen
    # somewhere in a block, which only compositing tells.
    ahead_layers = tuple(compositor.input_bands)
    read_ahead_first = (workers > 1 and len(jobs) < workers
                        and not any(compositor.halo_px(grid.resolution) for grid in grids))
    ahead_budget = REGION_CACHE_BYTES * workers

    def read_ahead(grid: OutputGrid, windows, masks, source) -> None:
        """One observation's tiles for the blocks of a job, as composite_block reads them: the
        SCL, then the reflectance bands where the SCL has data inside the AOI (``masks``, one
        per block). Stops when the shared tiles reach their budget (the job reads the rest)."""
        reader = getattr(source, "read_ahead", None)
        if reader is None:
            return
        try:
            with thread_gdal_options(gdal_options), datasets.reading_ahead():
                for (row0, col0, nrows, ncols), inside in zip(windows, masks):
                    if (cancelled() or failed.is_set()
                            or datasets.shared_nbytes() >= ahead_budget):
                        return
                    if not inside.any():
                        continue
                    block = Block(grid, row0, col0, nrows, ncols)
                    try:
                        scl = source.read(SCL, block, datasets)
                        if scl is None or not (scl.reshape(-1)[inside] != 0).any():
                            continue
                        for layer in ahead_layers:
                            reader(layer, block, datasets)
                    except S2GMError:
                        continue  # the job reads it again and reports what fails
        finally:
            datasets.release_handles()

    def run_job_ahead(pool: ThreadPoolExecutor, grid: OutputGrid, squares) -> None:
        windows = [window for square in squares for window in square]
        masks = [aoi_mask(grid, *window).reshape(-1) for window in windows]
        futures = [pool.submit(read_ahead, grid, windows, masks, source)
                   for source in per_grid[grid.name]]
        try:
            for future in futures:
                future.result()
            # One worker composites the job (the blocks of a job on several workers would
            # each need a handle of every file: opened again, the files' headers would be
            # fetched again).
            futures = [pool.submit(work, grid, squares)]
            for key, value in futures[0].result().items():
                counts[key] += value
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        finally:
            datasets.drop_shared()

    pending: set[Future] = set()
    jobs_iter = iter(jobs)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="s2gm-mosaic") as pool:
        try:
            if read_ahead_first:
                for grid, squares in jobs:
                    if cancelled():
                        break
                    run_job_ahead(pool, grid, squares)
                jobs_iter = iter(())
            while True:
                while len(pending) < 2 * workers and not cancelled():
                    job = next(jobs_iter, None)
                    if job is None:
                        break
                    pending.add(pool.submit(work, *job))
                if not pending:
                    break
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    for key, value in future.result().items():
                        counts[key] += value
        except BaseException:
            failed.set()
            for future in pending:
                future.cancel()
            raise
    if cancelled():
        raise CancelledError("mosaic cancelled; nothing was written")
    return _BlocksRun(counts, dropped)
