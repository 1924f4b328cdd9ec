"""Writing product rasters through GDAL, strip by strip, as JPEG 2000 or GeoTIFF.

JPEG 2000 goes through GDAL's JP2OpenJPEG driver (lossless: REVERSIBLE=YES, QUALITY=100), which
can only CreateCopy: strips are first written into an uncompressed GeoTIFF in /vsimem/. When
the driver is missing, GeoTIFF content is written under the requested name (GDAL opens files
by content, and real products from some processing centres do the same). GeoTIFF output is
tiled and DEFLATE-compressed with the horizontal predictor. PAM is off so no .aux.xml appears.
"""
from __future__ import annotations

import contextlib
import itertools
from pathlib import Path
from typing import Optional

import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()

_GDAL_TYPES = {np.dtype(np.uint8): gdal.GDT_Byte, np.dtype(np.uint16): gdal.GDT_UInt16}
_TIFF_OPTIONS = ["TILED=YES", "COMPRESS=DEFLATE", "PREDICTOR=2", "ZLEVEL=1", "BIGTIFF=IF_SAFER"]
_JP2_OPTIONS = ["REVERSIBLE=YES", "QUALITY=100", "YCC=NO", "CODEC=JP2"]
_counter = itertools.count()


@contextlib.contextmanager
def _no_pam():
    """GDAL_PAM_ENABLED=NO for the duration (restoring the caller's value)."""
    previous = gdal.GetConfigOption("GDAL_PAM_ENABLED")
    gdal.SetConfigOption("GDAL_PAM_ENABLED", "NO")
    try:
        yield
    finally:
        gdal.SetConfigOption("GDAL_PAM_ENABLED", previous)


def jp2_available() -> bool:
    return gdal.GetDriverByName("JP2OpenJPEG") is not None


class StripWriter:
    """A raster written in row strips; ``close()`` finishes the file (JP2 encoding happens there).

    ``fmt`` is "jp2" or "tif"; ``path`` carries the extension already.
    """

    def __init__(self, path: Path, rows: int, cols: int, dtype, epsg: int,
                 geotransform: tuple, fmt: str, bands: int = 1, nodata: Optional[int] = 0):
        self.path = Path(path)
        self.fmt = fmt
        self.dtype = np.dtype(dtype)
        self._jp2 = fmt == "jp2" and jp2_available()
        target = f"/vsimem/s2synthetic_{next(_counter)}.tif" if self._jp2 else str(self.path)
        options = [] if self._jp2 else list(_TIFF_OPTIONS)
        if bands > 1 and not self._jp2:
            options.append("PHOTOMETRIC=RGB")
        self._target = target
        with _no_pam():
            self._ds = gdal.GetDriverByName("GTiff").Create(
                target, cols, rows, bands, _GDAL_TYPES[self.dtype], options=options)
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(epsg)
        self._ds.SetProjection(srs.ExportToWkt())
        self._ds.SetGeoTransform(geotransform)
        if nodata is not None:
            for index in range(1, bands + 1):
                self._ds.GetRasterBand(index).SetNoDataValue(nodata)
        self._nodata = nodata

    def write(self, row0: int, array: np.ndarray) -> None:
        """Write rows from ``row0``; ``array`` is (rows, cols) or (bands, rows, cols)."""
        if array.ndim == 2:
            self._ds.GetRasterBand(1).WriteArray(array, 0, row0)
        else:
            for index, plane in enumerate(array, start=1):
                self._ds.GetRasterBand(index).WriteArray(plane, 0, row0)

    def close(self) -> Path:
        with _no_pam():
            if self._jp2:
                options = list(_JP2_OPTIONS)
                driver = gdal.GetDriverByName("JP2OpenJPEG")
                out = driver.CreateCopy(str(self.path), self._ds, strict=0, options=options)
                out = None  # noqa: F841 - flush
                self._ds = None
                gdal.Unlink(self._target)
            else:
                self._ds.FlushCache()
                self._ds = None
        return self.path


def write_array(path: Path, array: np.ndarray, epsg: int, geotransform: tuple, fmt: str,
                nodata: Optional[int] = 0) -> Path:
    """Write a whole (rows, cols) or (bands, rows, cols) array in one go."""
    bands = 1 if array.ndim == 2 else array.shape[0]
    rows, cols = array.shape[-2:]
    writer = StripWriter(path, rows, cols, array.dtype, epsg, geotransform, fmt, bands, nodata)
    writer.write(0, array)
    return writer.close()
