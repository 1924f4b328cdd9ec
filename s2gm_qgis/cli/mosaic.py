"""``python3 -m s2gm_qgis mosaic ...``: an S2GM temporal mosaic from local L2A archives or a
STAC API (``--stac``).

Exit 0 on success, 2 on bad input (the reason on stderr: invalid fields, missing archive, no
product for the AOI and period), 130 when interrupted by Ctrl-C, SIGTERM or SIGHUP (nothing is
left behind).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading

from ..core.errors import ValidationError
from ..core.mosaic.order import BIT_DEPTHS, FORMATS, PRODUCTS, RESOLUTIONS_M, MosaicOrder
from ..core.mosaic.periods import PERIOD_TYPES
from .sources import (
    add_read_error_argument, add_source_arguments, archive_errors, configure_tile_cache, stac_spec,
)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "mosaic",
        help="composite a cloud-free S2GM temporal mosaic from local L2A products",
        description=(
            "Composite the Sentinel-2 L2A products of --archive folders (or of a STAC API, "
            "--stac) over an AOI and a period the way the Copernicus Sentinel-2 Global Mosaic does (valid-pixel filter, "
            "medoid for 4+ observations, short-term composite for 2-3, quality layers), into an "
            "S2GM-named folder under --out."
        ),
    )
    add_source_arguments(parser)
    parser.add_argument("--aoi", required=True, metavar="GEOJSON|WKT|BBOX",
                        help="GeoJSON text or file, WKT, or minx,miny,maxx,maxy in EPSG:4326")
    parser.add_argument("--period", required=True, choices=PERIOD_TYPES,
                        help="compositing period type")
    parser.add_argument("--start", required=True, metavar="YYYY-MM-DD",
                        help="a day of the period (snapped to its first day)")
    parser.add_argument("--resolution", required=True, type=int, choices=RESOLUTIONS_M,
                        help="output pixel size, metres")
    parser.add_argument("--crs", default="utm", choices=("utm", "wgs84"),
                        help="UTM of the AOI (split per zone / MGRS tile) or WGS84 (default utm)")
    parser.add_argument("--format", default="gtiff", choices=FORMATS,
                        help="output format (default gtiff)")
    parser.add_argument("--bit-depth", type=int, default=16, choices=BIT_DEPTHS,
                        help="16: reflectance x 10000 as UInt16; 8: reflectance x 250 as Byte")
    parser.add_argument("--bands", default=None, metavar="B02,B03,...",
                        help="comma-separated layers (bands, quality layers or S2GM aliases);"
                             " default: all")
    parser.add_argument("--product", default="temporal", choices=PRODUCTS,
                        help="temporal: S2GM's temporal mosaic (all bands, medoid / STC);"
                             " brightearth: RGB mosaic for viewing with its own cloud mask")
    parser.add_argument("--cloud-mask", default="esa", choices=("esa", "brightearth"),
                        help="valid-pixel mask of the temporal mosaic: esa (Sen2Cor SCL,"
                             " default) or brightearth (temporal cloud / haze / shadow tests)")
    parser.add_argument("--preference", default="std", choices=("std", "veg", "soi"),
                        help="pixel preference: std (medoid), veg (greenest: max NDVI), soi"
                             " (barest: min NDVI over land)")
    parser.add_argument("--name", default="mosaic", help="order name used in the file names")
    parser.add_argument("--out", required=True, metavar="DIR", help="where the mosaic folder goes")
    parser.add_argument("--catalogue", default=None, metavar="FILE",
                        help="SQLite index of the archives to keep between runs (incremental)")
    add_read_error_argument(parser)
    parser.add_argument("--workers", type=int, default=None,
                        help="threads (default: the number of CPUs, at most 4; each needs"
                             " up to about 0.6 GB)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object: folder, files, source products, counts")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(run=run)


def output_folder_problem(out: str) -> str | None:
    """Why the mosaic cannot be written under ``out`` (None when it can), checked before any
    work and without creating anything: ``out``, or its nearest existing parent, must be a
    folder this process may write into."""
    path = os.path.abspath(out)
    existing = path
    while not os.path.exists(existing):
        parent = os.path.dirname(existing)
        if parent == existing:
            break
        existing = parent
    if not os.path.isdir(existing):
        return f"{out}: {existing} is not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{out}: {existing} is not writable"
    return None


def run_options_errors(args: argparse.Namespace) -> dict[str, str]:
    """Problems of the options that are not part of the order (--archive, --out, --workers)."""
    errors = archive_errors(args)
    problem = output_folder_problem(args.out)
    if problem:
        errors["--out"] = problem
    if args.workers is not None and args.workers < 1:
        errors["--workers"] = f"{args.workers}: expected a number of threads of at least 1"
    return errors


def build_order(args: argparse.Namespace) -> MosaicOrder:
    """The order of the command-line arguments; ValidationError names every bad option."""
    fields = {
        "name": args.name, "aoi": args.aoi, "period": args.period, "start": args.start,
        "resolution_m": args.resolution, "crs": args.crs, "format": args.format,
        "bit_depth": args.bit_depth,
        "on_read_error": getattr(args, "on_read_error", "fail"),
        "product": getattr(args, "product", "temporal"),
        "cloud_mask": getattr(args, "cloud_mask", "esa"),
        "preference": getattr(args, "preference", "std"),
    }
    source_errors = {}
    try:
        fields["source"] = stac_spec(args)
    except ValidationError as exc:
        source_errors = exc.errors
    if args.bands:
        fields["bands"] = [b for b in (part.strip() for part in args.bands.split(",")) if b]
    try:
        order = MosaicOrder.create(**fields)
    except ValidationError as exc:
        option = {"resolution_m": "--resolution", "bit_depth": "--bit-depth",
                  "on_read_error": "--on-read-error", "cloud_mask": "--cloud-mask"}
        raise ValidationError({**{option.get(k, f"--{k}"): v for k, v in exc.errors.items()},
                               **source_errors}) from None
    if source_errors:
        raise ValidationError(source_errors)
    return order


#: GDAL block cache of a command-line run, MB. The engine reads each input window once and
#: writes whole output tiles, so a large cache only holds memory (GDAL's default is 5 % of RAM);
#: GDAL_CACHEMAX in the environment wins.
BATCH_GDAL_CACHE_MB = 256


def limit_gdal_cache() -> None:
    """Set GDAL's block cache for a batch run (this process only; QGIS never calls it)."""
    from osgeo import gdal

    if not os.environ.get("GDAL_CACHEMAX"):
        gdal.SetCacheMax(BATCH_GDAL_CACHE_MB * 2**20)


@contextlib.contextmanager
def _termination_as_interrupt():
    """SIGTERM / SIGHUP (a task manager, a service, a closed terminal) stop the run like Ctrl-C:
    as KeyboardInterrupt, so the engine removes its staged output (the default action of these
    signals ends the process at once and leaves a hidden .partial folder). The previous
    handlers are restored afterwards; outside the main thread nothing is changed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    names = [name for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {name: signal.signal(getattr(signal, name), interrupt) for name in names}
    try:
        yield
    finally:
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)


def _stderr_progress(quiet: bool):
    if quiet:
        return None
    state = {"last": -1}

    def report(fraction: float, message: str) -> None:
        percent = int(fraction * 100)
        if percent != state["last"]:
            state["last"] = percent
            print(f"\r{percent:3d}% {message[:60]:<60}", end="", file=sys.stderr, flush=True)
            if fraction >= 1.0:
                print(file=sys.stderr)

    return report


_METHOD_LABELS = {"stc": "STC", "preference": "by preference", "clear": "clear",
                  "hazy": "least hazy (nothing clear)"}


def run(args: argparse.Namespace) -> int:
    from ..core.orders.runner import run_order  # GDAL-heavy: only when the command runs

    errors = run_options_errors(args)
    try:
        order = build_order(args)
    except ValidationError as exc:
        raise ValidationError({**exc.errors, **errors}) from None
    if errors:
        raise ValidationError(errors)
    limit_gdal_cache()
    configure_tile_cache(args)
    with _termination_as_interrupt():
        result = run_order(order, args.out, archives=args.archive or (),
                           catalogue_path=args.catalogue,
                           progress=_stderr_progress(args.quiet or args.json),
                           workers=args.workers)
    if args.json:
        json.dump(result.to_json_dict(), sys.stdout)
        sys.stdout.write("\n")
        return 0
    counts = result.counts
    total = counts["pixels_with_data"] + counts["none"]
    chosen = ", ".join(f"{counts[k]} {_METHOD_LABELS.get(k, k)}" for k in counts
                       if k not in ("pixels_with_data", "none"))
    print(f"mosaic     {result.output_dir}")
    print(f"sources    {len(result.source_products)} observation(s) of "
          f"{order.interval.start}..{order.interval.end}")
    print(f"grids      {', '.join(f'{g.name} (EPSG:{g.epsg}, {g.width} x {g.height})' for g in result.grids)}")
    print(f"pixels     {counts['pixels_with_data']} of {total} with data: {chosen}; "
          f"{counts['none']} without a valid observation")
    for path, reason in result.skipped:
        print(f"skipped    {path}: {reason}")
    print(f"metadata   {result.metadata_path}")
    return 0
