"""S2GM's Point Time Series (PTS), without Qt: every observation of a source over a point.

``point_time_series(source, point, start, end, resolution_m, window)`` gives a
:class:`PointSeries` of :class:`PointObservation`, in time order (:mod:`.series`), read on the
mosaic's pixel holding the point (:mod:`.point`) with the mosaic's own sources, resampling and
valid filter; :func:`write_csv` / :func:`write_json` write it (:mod:`.writers`).
"""
from .point import CRS_CHOICES, WINDOWS, GeoPoint, PointGrid, point_grid
from .series import (
    PTS_BANDS, PointObservation, PointSeries, point_time_series, point_time_series_at,
)
from .writers import COLUMNS, csv_text, to_json_dict, write_csv, write_json

__all__ = [
    "COLUMNS", "CRS_CHOICES", "GeoPoint", "PTS_BANDS", "PointGrid", "PointObservation",
    "PointSeries", "WINDOWS", "csv_text", "point_grid", "point_time_series",
    "point_time_series_at", "to_json_dict", "write_csv", "write_json",
]
