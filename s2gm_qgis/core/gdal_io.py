"""GDAL habits every reader of user products shares."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from osgeo import gdal


@contextmanager
def no_sidecars() -> Iterator[None]:
    """Switch GDAL's PAM off for datasets opened in this thread meanwhile.

    PAM is read when a dataset opens; with it on, GDAL keeps statistics and metadata in an
    ``.aux.xml`` next to the file when the dataset closes (QGIS computes statistics for its
    default raster renderers), i.e. inside the user's product. Thread-local, so other threads
    and the user's own layers keep GDAL's defaults.
    """
    old = gdal.GetThreadLocalConfigOption("GDAL_PAM_ENABLED", None)
    gdal.SetThreadLocalConfigOption("GDAL_PAM_ENABLED", "NO")
    try:
        yield
    finally:
        gdal.SetThreadLocalConfigOption("GDAL_PAM_ENABLED", old)
