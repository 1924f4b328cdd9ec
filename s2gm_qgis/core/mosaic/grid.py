"""Output grids of an order: where the mosaic's pixels are.

Rules:

* ``crs="utm"``: the AOI is cut along the UTM zones of the MGRS (with its Norway and Svalbard
  exceptions: 32V is 3-12 E, and 31X/33X/35X/37X are 9 or 12 degrees wide) and the equator,
  because Sentinel-2 tiles follow the MGRS and use EPSG:326zz north of the equator and 327zz south
  of it. A piece no larger than one Sentinel-2 tile (109.8 km) in each direction gives one grid
  named ``UTM{zz}{N|S}``; a larger piece is split further along the MGRS 100 km squares, one grid
  per square, named like the Sentinel-2 tile of that square (``31UDQ``), as S2GM does for large
  areas. Grid corners are multiples of the resolution, like every Sentinel-2 tile corner
  (e.g. 99960, 600000, 5100000 m), so Sentinel-2 pixels are never shifted. At 30 and 60 m the 100 km
  square edges are not multiples of the pixel size: neighbouring squares then share one pixel
  column or row (identical values), never leave a gap.
* ``crs="wgs84"``: EPSG:4326 with a step of ``1 / round(111320 / resolution_m)`` degree (the
  resolution at the equator, on a step that divides one degree so grids of different orders line
  up); corners are multiples of the step. An AOI split at the antimeridian gives one grid per side.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator, Optional

import numpy as np
from osgeo import gdal, ogr, osr

from ..gdal_io import srs_of_epsg
from .order import MosaicOrder

#: Sentinel-2 tile width (m): 100 km MGRS square plus 9.8 km overlap.
S2_TILE_M = 109_800.0
MGRS_SQUARE_M = 100_000.0
_LAT_BANDS = "CDEFGHJKLMNPQRSTUVWX"  # 8 degrees each from 80 S, X is 72-84 N
_COLUMN_SETS = ("STUVWXYZ", "ABCDEFGH", "JKLMNPQR")  # indexed by zone % 3
_ROW_LETTERS = "ABCDEFGHJKLMNPQRSTUV"
_METRES_PER_DEGREE = 111_320.0
#: Densification step (degrees) before projecting AOI edges, which are straight in lon/lat.
_DENSIFY_DEG = 0.01


@dataclass(frozen=True)
class OutputGrid:
    """One raster grid of an order.

    ``resolution`` is the order's nominal resolution in metres (10, 20, 30 or 60); the pixel size
    in the grid's CRS is ``geotransform[1]`` (metres for UTM, degrees for EPSG:4326).
    ``aoi_wkt`` is the part of the AOI this grid covers, in the grid's CRS (see :func:`aoi_mask`).
    """

    name: str
    epsg: int
    geotransform: tuple[float, float, float, float, float, float]
    width: int
    height: int
    resolution: int
    aoi_wkt: str = ""

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return (self.height, self.width)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) in the grid's CRS."""
        x0, dx, _, y0, _, dy = self.geotransform
        return (x0, y0 + dy * self.height, x0 + dx * self.width, y0)

    @property
    def srs_wkt(self) -> str:
        return srs_of_epsg(self.epsg).ExportToWkt()

    def blocks(self, rows: int = 512, cols: int = 512) -> Iterator[tuple[int, int, int, int]]:
        """(row0, col0, nrows, ncols) windows covering the grid, row-major."""
        for row0 in range(0, self.height, rows):
            for col0 in range(0, self.width, cols):
                yield row0, col0, min(rows, self.height - row0), min(cols, self.width - col0)


def utm_zone(lon: float, lat: float) -> int:
    """MGRS/UTM zone number of a point, with the Norway (32V) and Svalbard (31X-37X) exceptions."""
    lon = ((lon + 180.0) % 360.0) - 180.0
    if 56.0 <= lat < 64.0 and 3.0 <= lon < 12.0:
        return 32
    if 72.0 <= lat <= 84.0 and 0.0 <= lon < 42.0:
        return 31 if lon < 9 else 33 if lon < 21 else 35 if lon < 33 else 37
    return min(60, int((lon + 180.0) // 6.0) + 1)


def latitude_band(lat: float) -> str:
    """MGRS latitude band letter (C..X; X spans 72-84 N)."""
    if not -80.0 <= lat <= 84.0:
        raise ValueError(f"latitude {lat} is outside the MGRS bands (80 S to 84 N)")
    return _LAT_BANDS[min(19, int((lat + 80.0) // 8.0))]


def mgrs_tile_id(zone: int, lat: float, easting_m: float, northing_m: float) -> str:
    """Sentinel-2 / MGRS tile id (e.g. '31UDQ') of the 100 km square holding a UTM point.

    ``northing_m`` is as in EPSG:327zz south of the equator (false northing 10,000,000 m).
    Column letters cycle through three sets with the zone; row letters start at A in odd zones and
    at F in even zones (MGRS, DMA TM 8358.1).
    """
    column = _COLUMN_SETS[zone % 3][int(easting_m // MGRS_SQUARE_M) - 1]
    row_index = int(northing_m // MGRS_SQUARE_M) + (0 if zone % 2 else 5)
    return f"{zone:02d}{latitude_band(lat)}{column}{_ROW_LETTERS[row_index % 20]}"


def _zone_cells(bounds: tuple[float, float, float, float]) -> Iterator[tuple[int, bool, ogr.Geometry]]:
    """(zone, north, lon/lat box) for every MGRS zone x band cell touching the bounds."""
    minx, miny, maxx, maxy = bounds
    band_edges = [-80.0 + 8.0 * i for i in range(20)] + [84.0]
    for lat0, lat1 in zip(band_edges[:-1], band_edges[1:]):
        if lat1 <= miny or lat0 >= maxy:
            continue
        # Split the band at the equator so hemispheres never share a cell (none does: 0 is an edge).
        edges = [-180.0 + 6.0 * i for i in range(61)]
        if lat0 == 56.0:
            edges = sorted(set(edges) - {6.0} | {3.0})  # 31V is 0-3 E, 32V is 3-12 E
        if lat0 == 72.0:
            edges = sorted(set(edges) - {6.0, 12.0, 18.0, 24.0, 30.0, 36.0} | {9.0, 21.0, 33.0})
        for lon0, lon1 in zip(edges[:-1], edges[1:]):
            if lon1 <= minx or lon0 >= maxx:
                continue
            zone = utm_zone((lon0 + lon1) / 2.0, (lat0 + lat1) / 2.0)
            ring = ogr.Geometry(ogr.wkbLinearRing)
            for x, y in ((lon0, lat0), (lon1, lat0), (lon1, lat1), (lon0, lat1), (lon0, lat0)):
                ring.AddPoint_2D(x, y)
            box = ogr.Geometry(ogr.wkbPolygon)
            box.AddGeometry(ring)
            yield zone, lat0 >= 0.0, box


def _aligned(bounds: tuple[float, float, float, float], step: float) -> tuple[float, float, int, int]:
    """(x0, y0, width, height) of the grid of ``step`` covering bounds, corners on multiples of
    ``step``. A relative tolerance keeps exact multiples from growing by a pixel."""
    minx, miny, maxx, maxy = bounds
    eps = 1e-7
    i0 = math.floor(minx / step + eps)
    i1 = math.ceil(maxx / step - eps)
    j0 = math.floor(miny / step + eps)
    j1 = math.ceil(maxy / step - eps)
    return i0 * step, j1 * step, max(1, i1 - i0), max(1, j1 - j0)


def _grid(name: str, epsg: int, geometry: ogr.Geometry, step: float, resolution: int) -> OutputGrid:
    minx, maxx, miny, maxy = geometry.GetEnvelope()
    x0, y0, width, height = _aligned((minx, miny, maxx, maxy), step)
    return OutputGrid(name, epsg, (x0, step, 0.0, y0, 0.0, -step), width, height, resolution,
                      geometry.ExportToWkt())


def plan_output_grids(order: MosaicOrder) -> list[OutputGrid]:
    """The output grids of an order (see the module docstring for the rules), sorted by name."""
    aoi = order.aoi.ogr_geometry()
    if order.crs == "wgs84":
        return _wgs84_grids(order, aoi)
    wgs84 = srs_of_epsg(4326)
    pieces: dict[tuple[int, bool], ogr.Geometry] = {}
    for zone, north, box in _zone_cells(order.aoi.bounds):
        part = aoi.Intersection(box)
        if part is None or part.IsEmpty() or part.GetArea() <= 0:
            continue
        key = (zone, north)
        pieces[key] = part if key not in pieces else pieces[key].Union(part)
    grids: list[OutputGrid] = []
    for (zone, north), part in sorted(pieces.items()):
        epsg = (32600 if north else 32700) + zone
        projected = _polygonal(part.Clone())
        projected.Segmentize(_DENSIFY_DEG)
        projected.AssignSpatialReference(wgs84)
        projected.TransformTo(srs_of_epsg(epsg))
        minx, maxx, miny, maxy = projected.GetEnvelope()
        if maxx - minx <= S2_TILE_M and maxy - miny <= S2_TILE_M:
            grids.append(_grid(f"UTM{zone:02d}{'N' if north else 'S'}", epsg, projected,
                               order.resolution_m, order.resolution_m))
            continue
        to_lonlat = osr.CoordinateTransformation(srs_of_epsg(epsg), wgs84)
        for i in range(int(minx // MGRS_SQUARE_M), int(maxx // MGRS_SQUARE_M) + 1):
            for j in range(int(miny // MGRS_SQUARE_M), int(maxy // MGRS_SQUARE_M) + 1):
                square = _box(i * MGRS_SQUARE_M, j * MGRS_SQUARE_M, MGRS_SQUARE_M)
                piece = projected.Intersection(square)
                if piece is None or piece.IsEmpty() or piece.GetArea() <= 0:
                    continue
                piece = _polygonal(piece)
                cx, cy = (i + 0.5) * MGRS_SQUARE_M, (j + 0.5) * MGRS_SQUARE_M
                lat = to_lonlat.TransformPoint(cx, cy)[1]
                lat = min(max(lat, -80.0), 84.0)
                name = mgrs_tile_id(zone, lat, cx, cy)
                grids.append(_grid(name, epsg, piece, order.resolution_m, order.resolution_m))
    return sorted(grids, key=lambda g: g.name)


def wgs84_step_deg(resolution_m: int) -> float:
    """Degree step equivalent to ``resolution_m`` at the equator, dividing one degree exactly."""
    return 1.0 / round(_METRES_PER_DEGREE / resolution_m)


def _wgs84_grids(order: MosaicOrder, aoi: ogr.Geometry) -> list[OutputGrid]:
    step = wgs84_step_deg(order.resolution_m)
    minx, _, maxx, _ = order.aoi.bounds
    if maxx - minx <= 180.0:
        return [_grid("WGS84", 4326, aoi, step, order.resolution_m)]
    # An AOI split at the antimeridian: one grid per side instead of one around the globe.
    grids = []
    for name, lon0, lon1 in (("WGS84E", 0.0, 180.0), ("WGS84W", -180.0, 0.0)):
        side = aoi.Intersection(_box(lon0, -90.0, 180.0, 180.0))
        if side is not None and not side.IsEmpty() and side.GetArea() > 0:
            grids.append(_grid(name, 4326, _polygonal(side), step, order.resolution_m))
    return grids


def _box(x0: float, y0: float, width: float, height: Optional[float] = None) -> ogr.Geometry:
    height = width if height is None else height
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for x, y in ((x0, y0), (x0 + width, y0), (x0 + width, y0 + height), (x0, y0 + height),
                 (x0, y0)):
        ring.AddPoint_2D(x, y)
    box = ogr.Geometry(ogr.wkbPolygon)
    box.AddGeometry(ring)
    return box


def _polygonal(geometry: ogr.Geometry) -> ogr.Geometry:
    """Only the polygons of an intersection result (drop touching lines and points)."""
    out = ogr.Geometry(ogr.wkbMultiPolygon)

    def walk(g: ogr.Geometry) -> None:
        kind = ogr.GT_Flatten(g.GetGeometryType())
        if kind == ogr.wkbPolygon:
            out.AddGeometry(g)
        elif kind in (ogr.wkbMultiPolygon, ogr.wkbGeometryCollection):
            for k in range(g.GetGeometryCount()):
                walk(g.GetGeometryRef(k))

    walk(geometry)
    return out


def aoi_mask(grid: OutputGrid, row0: int = 0, col0: int = 0, rows: Optional[int] = None,
             cols: Optional[int] = None) -> np.ndarray:
    """Boolean (rows, cols) array: True where the pixel centre lies inside the grid's AOI part.

    Rasterised with GDAL (pixel-centre rule, as gdal_rasterize without ALL_TOUCHED). A grid
    without ``aoi_wkt`` is all True.
    """
    rows = grid.height - row0 if rows is None else rows
    cols = grid.width - col0 if cols is None else cols
    if not grid.aoi_wkt:
        return np.ones((rows, cols), dtype=bool)
    x0, dx, _, y0, _, dy = grid.geotransform
    target = gdal.GetDriverByName("MEM").Create("", cols, rows, 1, gdal.GDT_Byte)
    target.SetGeoTransform((x0 + col0 * dx, dx, 0.0, y0 + row0 * dy, 0.0, dy))
    source = ogr.GetDriverByName("Memory").CreateDataSource("")
    layer = source.CreateLayer("aoi", srs_of_epsg(grid.epsg), ogr.wkbMultiPolygon)
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetGeometry(ogr.CreateGeometryFromWkt(grid.aoi_wkt))
    layer.CreateFeature(feature)
    gdal.RasterizeLayer(target, [1], layer, burn_values=[1])
    return target.GetRasterBand(1).ReadAsArray().astype(bool)
