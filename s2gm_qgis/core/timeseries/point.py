"""Where a point time series reads: the point, and the mosaic's pixel (and window) holding it.

A point is given in any CRS GDAL knows (EPSG code, ``"EPSG:32632"``, WKT, PROJ text); it is
read on a tiny :class:`~..mosaic.grid.OutputGrid` of 1 x 1 or 3 x 3 pixels whose centre pixel
is the mosaic's pixel holding the point, so the values are those a mosaic of the same
resolution and CRS choice composites there (../shared/docs/mosaic-algorithm.md section 3):

* ``crs="utm"`` (the mosaic's default): the UTM zone of the point by the MGRS rules of
  :func:`~..mosaic.grid.utm_zone` (Norway and Svalbard exceptions), north or south by the
  latitude; pixel edges on multiples of the resolution, as every mosaic grid and every
  Sentinel-2 tile;
* ``crs="wgs84"``: EPSG:4326 on the mosaic's degree step (:func:`~..mosaic.grid.wgs84_step_deg`);
* ``crs="tile"``: each observation on a grid in its own tile's CRS (no reprojection at all:
  the product's own pixels, resampled to the resolution only).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence, Union

from osgeo import ogr, osr

from ..errors import ValidationError
from ..mosaic.aoi import Aoi, parse_aoi
from ..mosaic.grid import OutputGrid, utm_zone, wgs84_step_deg
from ..mosaic.resample import OUTPUT_RESOLUTIONS_M

#: Pixel windows of a point time series: the pixel alone, or it and its 8 neighbours.
WINDOWS = (1, 3)
#: How the point's grid is chosen (see the module docstring).
CRS_CHOICES = ("utm", "wgs84", "tile")


def _srs(crs: Union[int, str]) -> osr.SpatialReference:
    srs = osr.SpatialReference()
    text = f"EPSG:{crs}" if isinstance(crs, int) or str(crs).isdigit() else str(crs)
    try:
        ok = srs.SetFromUserInput(text) == 0
    except RuntimeError:  # when the host enabled GDAL exceptions
        ok = False
    if not ok:
        raise ValidationError({"point.crs": f"{str(crs)[:80]!r} is not a CRS GDAL/PROJ knows"})
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


@dataclass(frozen=True)
class GeoPoint:
    """A point: ``x``, ``y`` in ``crs`` (an EPSG code or anything GDAL's SetFromUserInput
    takes); the default is longitude, latitude in degrees (EPSG:4326)."""

    x: float
    y: float
    crs: Union[int, str] = 4326

    @classmethod
    def lonlat(cls, lon: float, lat: float) -> "GeoPoint":
        return cls(float(lon), float(lat), 4326)

    def in_epsg(self, epsg: int) -> tuple[float, float]:
        """(x, y) in EPSG:``epsg`` (traditional GIS order: easting / longitude first)."""
        if not (math.isfinite(self.x) and math.isfinite(self.y)):
            raise ValidationError({"point": f"({self.x}, {self.y}) is not a finite coordinate"})
        source = _srs(self.crs)
        target = _srs(int(epsg))
        if source.IsSame(target):
            return float(self.x), float(self.y)
        try:
            x, y, _ = osr.CoordinateTransformation(source, target).TransformPoint(
                float(self.x), float(self.y))
        except RuntimeError as exc:
            raise ValidationError({"point": f"({self.x}, {self.y}) cannot be transformed to"
                                            f" EPSG:{epsg}: {exc}"}) from None
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValidationError({"point": f"({self.x}, {self.y}) has no position in"
                                            f" EPSG:{epsg}"})
        return float(x), float(y)

    def to_lonlat(self) -> tuple[float, float]:
        """(longitude, latitude), degrees; ValidationError outside the Earth."""
        lon, lat = self.in_epsg(4326)
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            raise ValidationError({"point": f"lon {lon:g}, lat {lat:g} is outside -180..180,"
                                            " -90..90 degrees"})
        return lon, lat


@dataclass(frozen=True)
class PointGrid:
    """The grid a point is read on: ``grid`` (``window`` x ``window`` pixels) whose centre pixel
    ``(centre, centre)`` holds the point at ``(x, y)`` of the grid's CRS."""

    grid: OutputGrid
    x: float
    y: float
    window: int

    @property
    def centre(self) -> int:
        return self.window // 2

    @property
    def pixel_centre(self) -> tuple[float, float]:
        """The centre pixel's centre in the grid's CRS."""
        x0, dx, _, y0, _, dy = self.grid.geotransform
        return (x0 + (self.centre + 0.5) * dx, y0 + (self.centre + 0.5) * dy)

    def to_lonlat_of_point(self) -> tuple[float, float]:
        if self.grid.epsg == 4326:
            return self.x, self.y
        transform = osr.CoordinateTransformation(_srs(self.grid.epsg), _srs(4326))
        return tuple(transform.TransformPoint(self.x, self.y)[:2])

    def lonlat_polygon(self) -> ogr.Geometry:
        """The window's outline in EPSG:4326 (lon, lat): what a source is searched with."""
        xmin, ymin, xmax, ymax = self.grid.bounds
        ring = ogr.Geometry(ogr.wkbLinearRing)
        corners = [(xmin, ymax), (xmax, ymax), (xmax, ymin), (xmin, ymin)]
        if self.grid.epsg != 4326:
            transform = osr.CoordinateTransformation(_srs(self.grid.epsg), _srs(4326))
            corners = [transform.TransformPoint(x, y)[:2] for x, y in corners]
        lons = [c[0] for c in corners]
        if max(lons) - min(lons) > 180.0:
            # A window across the antimeridian: searched on the side of the point only (the
            # tiles of that side reach the antimeridian, their overlap beyond it too).
            east = self.to_lonlat_of_point()[0] >= 0.0
            edge = 180.0 if east else -180.0
            corners = [(lon if (lon >= 0.0) == east else edge, lat) for lon, lat in corners]
        for lon, lat in corners + corners[:1]:
            ring.AddPoint_2D(lon, lat)
        polygon = ogr.Geometry(ogr.wkbPolygon)
        polygon.AddGeometry(ring)
        return polygon


def check_options(resolution_m: int, window: int, crs: str) -> None:
    """ValidationError naming each bad option."""
    errors = {}
    if resolution_m not in OUTPUT_RESOLUTIONS_M:
        errors["resolution_m"] = (f"{resolution_m!r}: expected one of "
                                  f"{', '.join(map(str, OUTPUT_RESOLUTIONS_M))} (metres)")
    if window not in WINDOWS:
        errors["window"] = f"{window!r}: expected 1 (the pixel) or 3 (3 x 3 pixels)"
    if crs not in CRS_CHOICES:
        errors["crs"] = f"{crs!r}: expected one of {', '.join(CRS_CHOICES)}"
    if errors:
        raise ValidationError(errors)


def mosaic_epsg(lon: float, lat: float) -> int:
    """The EPSG code of the UTM grid a ``crs="utm"`` mosaic puts this point in."""
    return (32600 if lat >= 0.0 else 32700) + utm_zone(lon, lat)


def point_grid(point: GeoPoint, resolution_m: int, window: int = 1, *, crs: str = "utm",
               epsg: int | None = None) -> PointGrid:
    """The grid of ``window`` x ``window`` pixels centred on the mosaic pixel holding the point
    (see the module docstring); ``epsg`` forces the grid's CRS (``crs="tile"``: the tile's)."""
    check_options(resolution_m, window, crs)
    lon, lat = point.to_lonlat()
    if epsg is None:
        epsg = 4326 if crs == "wgs84" else mosaic_epsg(lon, lat)
    if epsg == 4326:
        step = wgs84_step_deg(resolution_m)
        x, y = lon, lat
        name = "WGS84"
    else:
        step = float(resolution_m)
        x, y = point.in_epsg(epsg)
        name = f"EPSG{epsg}"
    col, row = math.floor(x / step), math.floor(y / step)  # the pixel [col, col+1) x [row, row+1)
    half = window // 2
    x0 = (col - half) * step
    y0 = (row + 1 + half) * step
    grid = OutputGrid(name, int(epsg), (x0, step, 0.0, y0, 0.0, -step), window, window,
                      int(resolution_m))
    return PointGrid(grid, x, y, window)


def search_area(grids: Sequence[PointGrid]) -> Aoi:
    """The AOI (EPSG:4326) covering every point's window, to search the sources with."""
    union = ogr.Geometry(ogr.wkbMultiPolygon)
    for grid in grids:
        union.AddGeometry(grid.lonlat_polygon())
    merged = union.UnionCascaded() if len(grids) > 1 else union
    return parse_aoi(merged.ExportToWkt())
