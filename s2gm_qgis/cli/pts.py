"""``python3 -m s2gm_qgis pts ...``: S2GM's Point Time Series at one point (issue 12).

    python3 -m s2gm_qgis pts (--archive DIR ... | --stac URL ...) --lon LON --lat LAT
        --start YYYY-MM-DD --end YYYY-MM-DD [--resolution 10|20|30|60] [--window 1|3]
        [--csv FILE|-] [--json]

The CSV (columns of :mod:`s2gm_qgis.core.timeseries.writers`) goes to FILE, or to stdout with
``--csv -`` or when neither ``--csv`` nor ``--json`` is given; ``--json`` prints the series as
one JSON object on stdout. Exit 0 on success, 2 on bad input or a point outside every product
(the reason on stderr), 130 when interrupted.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
from datetime import date

from ..core.errors import ValidationError
from ..core.mosaic.resample import OUTPUT_RESOLUTIONS_M
from ..core.timeseries.point import CRS_CHOICES, WINDOWS
from .mosaic import _stderr_progress, _termination_as_interrupt, limit_gdal_cache
from .sources import (
    add_read_error_argument, add_source_arguments, archive_errors, configure_tile_cache,
    stac_spec,
)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "pts",
        help="point time series: every L2A observation over a point, as the mosaic sees it",
        description=(
            "S2GM's Point Time Series: for a point and a date range, every Sentinel-2 L2A "
            "observation of the --archive folders (or of a STAC API, --stac) over it, with "
            "B01-B12 and B8A reflectance, scene class, cloud and snow probability, AOT, view "
            "and sun zenith, and whether the mosaic's valid filter keeps it (else the first "
            "test rejecting it), read on the mosaic's pixel at --resolution."
        ),
    )
    add_source_arguments(parser)
    parser.add_argument("--lon", required=True, type=float, help="longitude, degrees (WGS84)")
    parser.add_argument("--lat", required=True, type=float, help="latitude, degrees (WGS84)")
    parser.add_argument("--start", required=True, metavar="YYYY-MM-DD", help="first day (UTC)")
    parser.add_argument("--end", required=True, metavar="YYYY-MM-DD", help="last day (UTC)")
    parser.add_argument("--resolution", type=int, default=20, choices=OUTPUT_RESOLUTIONS_M,
                        help="pixel size, metres, resampled as the mosaic does (default 20)")
    parser.add_argument("--window", type=int, default=1, choices=WINDOWS,
                        help="1: the pixel; 3: mean of the valid pixels of the 3 x 3 window"
                             " (their count in n_pixels); default 1")
    parser.add_argument("--crs", default="utm", choices=CRS_CHOICES,
                        help="grid of the pixel: utm (the mosaic's UTM zone, default), wgs84,"
                             " or tile (each product's own CRS, no reprojection)")
    parser.add_argument("--csv", default=None, metavar="FILE|-",
                        help="write the CSV to FILE ('-': stdout; the default without --json)")
    parser.add_argument("--json", action="store_true", help="print the series as JSON")
    parser.add_argument("--catalogue", default=None, metavar="FILE",
                        help="SQLite index of the archives to keep between runs (incremental)")
    add_read_error_argument(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(run=run)


def options_errors(args: argparse.Namespace) -> dict[str, str]:
    """Problems of the options argparse cannot see, every one named."""
    errors = archive_errors(args)
    if not (math.isfinite(args.lon) and -180.0 <= args.lon <= 180.0):
        errors["--lon"] = f"{args.lon:g}: expected a longitude in -180..180 degrees"
    if not (math.isfinite(args.lat) and -90.0 <= args.lat <= 90.0):
        errors["--lat"] = f"{args.lat:g}: expected a latitude in -90..90 degrees"
    dates = {}
    for option, text in (("--start", args.start), ("--end", args.end)):
        try:
            dates[option] = date.fromisoformat(text)
        except ValueError:
            errors[option] = f"{text!r}: expected a date YYYY-MM-DD"
    if len(dates) == 2 and dates["--start"] > dates["--end"]:
        errors["--end"] = f"{args.end} is before --start {args.start}"
    if args.csv == "-" and args.json:
        errors["--csv"] = "'-' and --json would both write to stdout: give --csv a FILE"
    if args.csv not in (None, "-"):
        folder = os.path.dirname(os.path.abspath(args.csv))
        if not os.path.isdir(folder):
            errors["--csv"] = f"{args.csv}: the folder {folder} does not exist"
        elif os.path.isdir(args.csv):
            errors["--csv"] = f"{args.csv}: is a folder; expected a file name"
    try:
        stac_spec(args)
    except ValidationError as exc:
        errors.update(exc.errors)
    return errors


def run(args: argparse.Namespace) -> int:
    from ..core.timeseries import GeoPoint, point_time_series, write_csv, write_json

    errors = options_errors(args)
    if errors:
        raise ValidationError(errors)
    source = stac_spec(args) or list(args.archive or ())
    limit_gdal_cache()
    configure_tile_cache(args)
    to_stdout = args.json or args.csv in (None, "-")
    try:
        with _termination_as_interrupt():
            series = point_time_series(
                source, GeoPoint.lonlat(args.lon, args.lat), args.start, args.end,
                args.resolution, args.window, crs=args.crs, catalogue_path=args.catalogue,
                progress=_stderr_progress(args.quiet or to_stdout),
                on_read_error=args.on_read_error)
    except ValidationError as exc:
        option = {"start": "--start", "end": "--end", "point": "--lon/--lat",
                  "resolution_m": "--resolution", "window": "--window"}
        raise ValidationError({option.get(k, k): v for k, v in exc.errors.items()}) from None
    if args.csv not in (None, "-"):
        write_csv(series, args.csv)
    elif not args.json:
        write_csv(series, sys.stdout)
    if args.json:
        write_json(series, sys.stdout)
    for path, reason in series.skipped:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    return 0
