"""A point time series as CSV and JSON.

CSV (issue 12, exact column order, used by automated checks): one row per observation in time
order, ``date_utc,product_id,tile,valid,reject_reason,B01,...,B12,B8A,scl,cloud_prob,
snow_prob,aot,view_zenith,sun_zenith,n_pixels``; reflectance as floats (the shortest decimal
of the float32 value, e.g. 0.0423), ``valid`` ``true``/``false``, empty fields for no data.
JSON: the point, the grid read and the source, then the same rows as objects with the same keys
(``null`` for no data) plus ``source_index``.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
from contextlib import contextmanager
from typing import IO, Any, Iterator, Optional, Union

from .series import PTS_BANDS, PointObservation, PointSeries

COLUMNS: tuple[str, ...] = (
    ("date_utc", "product_id", "tile", "valid", "reject_reason") + PTS_BANDS
    + ("scl", "cloud_prob", "snow_prob", "aot", "view_zenith", "sun_zenith", "n_pixels")
)

Target = Union[str, os.PathLike, IO[str]]


def date_utc(observation: PointObservation) -> str:
    """ISO 8601 UTC to the millisecond, ``Z`` suffix: ``2024-06-03T10:36:29.024Z``."""
    return observation.sensing_time_utc.isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def _number(value: Optional[float]) -> Optional[float]:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def row(observation: PointObservation) -> dict[str, Any]:
    """The observation's values by column name (None for no data)."""
    values: dict[str, Any] = {
        "date_utc": date_utc(observation),
        "product_id": observation.product_id,
        "tile": observation.tile_id,
        "valid": observation.valid,
        "reject_reason": observation.reject_reason,
    }
    for band in PTS_BANDS:
        values[band] = _number(observation.reflectance[band])
    values.update({
        "scl": observation.scl,
        "cloud_prob": _number(observation.cloud_probability_pct),
        "snow_prob": _number(observation.snow_probability_pct),
        "aot": _number(observation.aot),
        "view_zenith": _number(observation.view_zenith_deg),
        "sun_zenith": _number(observation.sun_zenith_deg),
        "n_pixels": observation.n_pixels,
    })
    return values


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # the values are float32's shortest decimals already
    return str(value)


@contextmanager
def _opened(target: Target, newline: Optional[str] = None) -> Iterator[IO[str]]:
    if hasattr(target, "write"):
        yield target  # type: ignore[misc]
        return
    path = os.fspath(target)
    partial = f"{path}.partial"
    with open(partial, "w", encoding="utf-8", newline=newline) as handle:
        yield handle
    os.replace(partial, path)  # complete or absent, never half-written


def write_csv(series: PointSeries, target: Target) -> None:
    """The CSV of the module docstring into a path (written whole, then renamed) or a text
    stream."""
    with _opened(target, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for observation in series.observations:
            values = row(observation)
            writer.writerow([_text(values[name]) for name in COLUMNS])


def csv_text(series: PointSeries) -> str:
    buffer = io.StringIO()
    write_csv(series, buffer)
    return buffer.getvalue()


def to_json_dict(series: PointSeries) -> dict[str, Any]:
    """JSON-ready form of the series (see the module docstring)."""
    point = series.point
    return {
        "point": {"x": point.x, "y": point.y, "crs": point.crs, "lon": series.lon,
                  "lat": series.lat},
        "start": series.start.isoformat(),
        "end": series.end.isoformat(),
        "resolution_m": series.resolution_m,
        "window": series.window,
        "crs": series.crs,
        "grid_epsg": series.grid_epsg,
        "pixel_centre": list(series.pixel_centre),
        "source": dict(series.source),
        "columns": list(COLUMNS),
        "observations": [{**row(o), "source_index": o.source_index}
                         for o in series.observations],
        "skipped": [{"path": p, "reason": r} for p, r in series.skipped],
    }


def write_json(series: PointSeries, target: Target) -> None:
    """:func:`to_json_dict` as JSON (NaN never appears: no data is ``null``)."""
    with _opened(target) as handle:
        json.dump(to_json_dict(series), handle, allow_nan=False)
        handle.write("\n")
