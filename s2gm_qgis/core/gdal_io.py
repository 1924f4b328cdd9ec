"""GDAL habits every reader of user products shares."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Mapping, Optional

from osgeo import gdal, osr

from .errors import ProductError


@contextmanager
def no_sidecars() -> Iterator[None]:
    """Switch GDAL's PAM off for datasets opened in this thread meanwhile.

    PAM is read when a dataset opens; with it on, GDAL keeps statistics and metadata in an
    ``.aux.xml`` next to the file when the dataset closes (QGIS computes statistics for its
    default raster renderers), i.e. inside the user's product. Thread-local, so other threads
    and the user's own layers keep GDAL's defaults.
    """
    with thread_gdal_options({"GDAL_PAM_ENABLED": "NO"}):
        yield


@contextmanager
def thread_gdal_options(options: Optional[Mapping[str, str]]) -> Iterator[None]:
    """Set GDAL configuration options for the calling thread only, restored on exit."""
    if not options:
        yield
        return
    previous = {key: gdal.GetThreadLocalConfigOption(key, None) for key in options}
    for key, value in options.items():
        gdal.SetThreadLocalConfigOption(key, value)
    try:
        yield
    finally:
        for key, value in previous.items():
            gdal.SetThreadLocalConfigOption(key, value)


def open_raster(path: str, problem: str = "GDAL cannot open it: {reason}") -> gdal.Dataset:
    """``path`` opened read-only as a raster, whether or not the host switched GDAL exceptions
    on (QGIS plugins may); ProductError(path, ``problem`` with the reason) when it cannot be."""
    try:
        dataset = gdal.OpenEx(path, gdal.OF_RASTER | gdal.OF_READONLY)
    except RuntimeError as exc:
        raise ProductError(path, problem.format(reason=exc)) from exc
    if dataset is None:
        raise ProductError(path, problem.format(reason=gdal.GetLastErrorMsg() or "unknown"))
    return dataset


def srs_of_epsg(epsg: int, *, gis_order: bool = True) -> osr.SpatialReference:
    """The spatial reference of an EPSG code; with ``gis_order``, x = easting/longitude and
    y = northing/latitude (else GDAL 3 follows the authority's axis order: latitude first for
    EPSG:4326, which the multidimensional NetCDF writer keeps). ValueError when GDAL/PROJ does
    not know the code."""
    srs = osr.SpatialReference()
    try:
        known = srs.ImportFromEPSG(int(epsg)) == 0
    except RuntimeError:  # when the host switched GDAL exceptions on
        known = False
    if not known:
        raise ValueError(f"EPSG:{epsg} is unknown to GDAL/PROJ")
    if gis_order:
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs
