"""An order in independent parts, for engines that composite on several machines.

:func:`plan_parts` cuts the order's output grids (one per UTM zone or MGRS tile, see
:mod:`.grid`) into parts: a grid that fits in :data:`PART_PX` x :data:`PART_PX` pixels is one
part, a larger one is cut into regions of that size (groups of blocks). Region edges are
multiples of the engine's block size, so a part has exactly the blocks the whole grid has there
and its pixels are those :func:`~.engine.run_mosaic` writes.

:func:`run_part` composites one part (the engine's block loop, restricted to the region) and
writes the encoded layers (the codes the final files hold) into a staged part folder, renamed
into place only when complete; a second run of the same part (a task re-run after its worker
died) finds the folder there and drops its own copy, so the parts are the same whichever run
wrote them. :func:`assemble` copies the parts' codes into the order's S2GM folder, which the
writers stage and move into place at once (COG / JPEG 2000 / NetCDF conversion included, see
:mod:`.writers`), once every part is there.

Memory of a part's run is the engine's (one block's stacks per thread, see :mod:`.engine`): it
grows neither with the area nor with the number of observations.
"""
from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

from osgeo import gdal

from ..errors import CancelledError, S2GMError
from .compositors import compositor_for
from .engine import BLOCK_PX, _release_freed_memory, _run_blocks
from .grid import OutputGrid
from .order import MosaicOrder
from .sources.gdal_reads import DatasetCache
from .writers import OrderFiles, OrderOutput

#: Edge of a part's region, pixels: 8 x 8 blocks (4096 px; a 20 m Sentinel-2 tile of 5490 px
#: is 4 parts, a 10 m one 9). A multiple of the engine's blocks, so pixels do not change.
PART_PX = 8 * BLOCK_PX
#: Staged parts hold codes compressed fast: they are written once and read once.
#: The part's counts and dropped observations, written last into its folder.
_SUMMARY = "part.json"
_PART_OPTIONS = ["TILED=YES", f"BLOCKXSIZE={BLOCK_PX}", f"BLOCKYSIZE={BLOCK_PX}",
                 "COMPRESS=ZSTD", "ZSTD_LEVEL=1", "BIGTIFF=IF_SAFER"]


@dataclass(frozen=True)
class PartSpec:
    """One part of an order: the region (row0, col0, nrows, ncols) of output grid ``grid``."""

    index: int
    grid: OutputGrid
    row0: int
    col0: int
    nrows: int
    ncols: int

    @property
    def key(self) -> str:
        """Unique in the order; the name of the part's folder."""
        return f"part-{self.index:05d}-{self.grid.name}-r{self.row0}-c{self.col0}"

    @property
    def region(self) -> tuple[int, int, int, int]:
        return (self.row0, self.col0, self.nrows, self.ncols)

    @property
    def label(self) -> str:
        """For people: grid, and the region when the part is not the whole grid."""
        if (self.nrows, self.ncols) == (self.grid.height, self.grid.width):
            return f"grid {self.grid.name}"
        return (f"grid {self.grid.name} rows {self.row0}-{self.row0 + self.nrows} cols "
                f"{self.col0}-{self.col0 + self.ncols}")


@dataclass(frozen=True)
class PartResult:
    """What a part's run gives back (small: it travels from the worker to the service).

    ``folder``: the completed part folder; ``counts``: its pixel counts (they add up over the
    parts to the order's); ``dropped``: (source_index, asset, reason) of observations left out
    after a remote read failed (``on_read_error="skip"``)."""

    key: str
    folder: str
    counts: Mapping[str, int]
    dropped: tuple[tuple[int, str, str], ...] = ()
    elapsed_s: float = 0.0


def plan_parts(grids: Sequence[OutputGrid], part_px: int = PART_PX) -> list[PartSpec]:
    """The parts of an order's grids, in grid order, regions row-major."""
    if part_px < BLOCK_PX or part_px % BLOCK_PX:
        raise ValueError(f"part_px must be a multiple of {BLOCK_PX} px, got {part_px}")
    parts: list[PartSpec] = []
    for grid in grids:
        if grid.width <= part_px and grid.height <= part_px:
            parts.append(PartSpec(len(parts), grid, 0, 0, grid.height, grid.width))
            continue
        for row0 in range(0, grid.height, part_px):
            for col0 in range(0, grid.width, part_px):
                parts.append(PartSpec(len(parts), grid, row0, col0,
                                      min(part_px, grid.height - row0),
                                      min(part_px, grid.width - col0)))
    return parts


def _layer_path(folder: Path, layer: str) -> Path:
    return folder / f"{layer}.tif"


class PartOutput:
    """The engine's output seam for one part: blocks of physical values in, the order's codes
    out, one staged GeoTIFF per layer of the part's region."""

    def __init__(self, order: MosaicOrder, part: PartSpec, folder: Path):
        self.order = order
        self.part = part
        self._locks = {name: threading.Lock() for name in order.bands}
        self._datasets: dict[str, gdal.Dataset] = {}
        driver = gdal.GetDriverByName("GTiff")
        for name in order.bands:
            path = _layer_path(folder, name)
            dataset = driver.Create(str(path), part.ncols, part.nrows, 1,
                                    order.encoding(name).gdal_type, options=_PART_OPTIONS)
            if dataset is None:
                raise S2GMError(f"{path}: GDAL cannot create the part ({gdal.GetLastErrorMsg()})")
            self._datasets[name] = dataset

    def writer(self, grid) -> "PartOutput":
        return self

    def write_block(self, layer: str, row0: int, col0: int, values) -> None:
        codes = self.order.encoding(layer).encode(values)
        with self._locks[layer]:
            band = self._datasets[layer].GetRasterBand(1)
            if band.WriteArray(codes, col0 - self.part.col0, row0 - self.part.row0) != 0:
                raise S2GMError(f"part {self.part.key}: cannot write layer {layer} "
                                f"({gdal.GetLastErrorMsg()})")

    def close(self) -> None:
        for name in list(self._datasets):
            with self._locks[name]:
                dataset = self._datasets.pop(name)
                dataset.FlushCache()
                dataset = None


def run_part(
    order: MosaicOrder,
    part: PartSpec,
    observations: Sequence[Any],
    parts_dir: str | os.PathLike,
    *,
    workers: int = 1,
    cancel: Callable[[], bool] = lambda: False,
    progress: Optional[Callable[[float, str], None]] = None,
    gdal_options: Optional[Mapping[str, str]] = None,
) -> PartResult:
    """Composite ``part`` from ``observations`` (those reaching its grid) into
    ``parts_dir/<part.key>``; returns the part's counts. ``progress(fraction, message)`` with
    the part's own fraction 0-1. Raises CancelledError when ``cancel()`` turns true, having
    removed what it wrote.

    ``parts_dir`` must exist: it is never created here, so a part run after its order was
    cancelled and cleaned up cannot leave files behind."""
    started = time.perf_counter()
    parts_dir = Path(parts_dir)
    final = parts_dir / part.key
    if (final / _SUMMARY).is_file():
        # An earlier run completed the part but its worker died before telling: same pixels.
        return _read_summary(final, part)
    staged = parts_dir / f".{part.key}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        staged.mkdir()
    except FileNotFoundError:
        raise CancelledError(f"{parts_dir} is gone: the order was stopped") from None
    datasets = DatasetCache(cancelled=cancel)
    report = progress or (lambda fraction, message: None)
    try:
        output = PartOutput(order, part, staged)
        try:
            run = _run_blocks(
                order, [part.grid], {part.grid.name: list(observations)}, output, datasets,
                max(1, int(workers)),
                lambda fraction, message: report(max(0.0, (fraction - 0.05) / 0.9), message),
                cancel, compositor_for(order), gdal_options, regions={part.grid.name: part.region})
        finally:
            output.close()
        result = PartResult(
            key=part.key, folder=str(final), counts=dict(run.counts),
            dropped=tuple((index, str(asset), str(reason))
                          for index, (_, asset, reason) in run.dropped.items()),
            elapsed_s=time.perf_counter() - started,
        )
        (staged / _SUMMARY).write_text(json.dumps(
            {"counts": result.counts, "dropped": [list(d) for d in result.dropped],
             "elapsed_s": result.elapsed_s}), encoding="utf-8")
        try:
            os.rename(staged, final)
        except OSError:
            if not final.is_dir():
                raise
            shutil.rmtree(staged, ignore_errors=True)  # a twin run finished first: same pixels
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    finally:
        datasets.close()
        _release_freed_memory()
    return result


def _read_summary(folder: Path, part: PartSpec) -> PartResult:
    try:
        summary = json.loads((folder / _SUMMARY).read_text(encoding="utf-8"))
        return PartResult(key=part.key, folder=str(folder),
                          counts={k: int(v) for k, v in summary["counts"].items()},
                          dropped=tuple((int(i), str(a), str(r)) for i, a, r in summary["dropped"]),
                          elapsed_s=float(summary.get("elapsed_s", 0.0)))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise S2GMError(f"{folder / _SUMMARY}: unreadable part summary ({exc})") from exc


def assemble(order: MosaicOrder, grids: Sequence[OutputGrid],
             parts: Sequence[tuple[PartSpec, str | os.PathLike]], out_dir: str | os.PathLike,
             metadata: Mapping[str, Any], *,
             cancel: Callable[[], bool] = lambda: False,
             progress: Optional[Callable[[float, str], None]] = None) -> OrderFiles:
    """The S2GM folder of the order in ``out_dir`` from its completed parts ((spec, folder),
    every part of :func:`plan_parts`): their codes are copied block by block into the grids'
    writers, which then finalize (conversion, metadata JSON with ``metadata``, quick-look) and
    move the folder into place. Nothing is left in ``out_dir`` on an error or a cancel."""
    report = progress or (lambda fraction, message: None)
    covered = {g.name: 0 for g in grids}
    for spec, _ in parts:
        covered[spec.grid.name] = covered.get(spec.grid.name, 0) + spec.nrows * spec.ncols
    short = [g.name for g in grids if covered[g.name] != g.width * g.height]
    if short:
        raise S2GMError(f"the parts do not cover grid(s) {', '.join(short)}")
    output = OrderOutput(order, grids, out_dir)
    try:
        for done, (spec, folder) in enumerate(parts):
            if cancel():
                raise CancelledError("mosaic cancelled while assembling its parts")
            writer = output.writer(spec.grid)
            for name in order.bands:
                path = _layer_path(Path(folder), name)
                dataset = gdal.Open(str(path))
                if dataset is None or (dataset.RasterYSize, dataset.RasterXSize) != (
                        spec.nrows, spec.ncols):
                    raise S2GMError(f"{path}: the part of layer {name} is missing or not "
                                    f"{spec.nrows} x {spec.ncols} px")
                band = dataset.GetRasterBand(1)
                for r in range(0, spec.nrows, BLOCK_PX):
                    for c in range(0, spec.ncols, BLOCK_PX):
                        codes = band.ReadAsArray(c, r, min(BLOCK_PX, spec.ncols - c),
                                                 min(BLOCK_PX, spec.nrows - r))
                        if codes is None:
                            raise S2GMError(f"{path}: cannot read the part "
                                            f"({gdal.GetLastErrorMsg()})")
                        writer.write_codes(name, spec.row0 + r, spec.col0 + c, codes)
                dataset = None
            report((done + 1) / len(parts), f"assembled part {done + 1} of {len(parts)}")
        return output.commit(metadata)
    except BaseException:
        output.abort()
        raise
