"""Areas of interest: a (multi)polygon in EPSG:4326 (longitude, latitude), shapely-free.

Accepted input (:func:`parse_aoi`): GeoJSON (a geometry, a Feature or a FeatureCollection, as a
dict, as text or as a .json/.geojson file), any other vector file OGR reads (GeoPackage,
shapefile, KML...; reprojected to EPSG:4326), WKT, or a bounding box ``"minx,miny,maxx,maxy"``
in degrees (``minx > maxx`` means the box crosses the antimeridian; it is split in two, as RFC 7946
section 3.1.9 asks). Invalid polygons (self-intersections, bow-ties) are repaired with GEOS
MakeValid; what cannot be repaired into a polygon of non-zero area is refused with the reason.
Geometry operations go through GDAL/OGR; areas are geodesic on the WGS84 ellipsoid.
"""
from __future__ import annotations

import json
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from osgeo import ogr, osr

from ..gdal_io import srs_of_epsg
from ..errors import ValidationError

Ring = tuple[tuple[float, float], ...]
PolygonCoords = tuple[Ring, ...]

_BBOX = re.compile(r"^\s*(-?[\d.eE+-]+)\s*,\s*(-?[\d.eE+-]+)\s*,\s*(-?[\d.eE+-]+)\s*,\s*(-?[\d.eE+-]+)\s*$")
_WKT = re.compile(r"^\s*(SRID=\d+;\s*)?(MULTI)?POLYGON\b|^\s*GEOMETRYCOLLECTION\b", re.IGNORECASE)
_POLYGONAL = (ogr.wkbPolygon, ogr.wkbMultiPolygon)


@dataclass(frozen=True)
class Aoi:
    """A MultiPolygon in EPSG:4326: ``coordinates[polygon][ring][vertex] = (lon, lat)``, as in
    GeoJSON (first ring exterior, the others holes; rings closed)."""

    coordinates: tuple[PolygonCoords, ...]

    def geojson(self) -> dict:
        """GeoJSON MultiPolygon geometry (lists, ready for json.dumps)."""
        return {
            "type": "MultiPolygon",
            "coordinates": [[[list(p) for p in ring] for ring in poly] for poly in self.coordinates],
        }

    def ogr_geometry(self) -> ogr.Geometry:
        """A new OGR MultiPolygon with the EPSG:4326 (lon, lat order) spatial reference."""
        geometry = ogr.CreateGeometryFromJson(json.dumps(self.geojson()))
        geometry.AssignSpatialReference(srs_of_epsg(4326))
        return geometry

    @property
    def wkt(self) -> str:
        return self.ogr_geometry().ExportToWkt()

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat), degrees."""
        lons = [p[0] for poly in self.coordinates for p in poly[0]]
        lats = [p[1] for poly in self.coordinates for p in poly[0]]
        return (min(lons), min(lats), max(lons), max(lats))

    @property
    def area_km2(self) -> float:
        """Geodesic area on the WGS84 ellipsoid (holes subtracted), km2."""
        geod = _geod()
        total = 0.0
        for poly in self.coordinates:
            for i, ring in enumerate(poly):
                lons, lats = zip(*ring)
                area = abs(geod.polygon_area_perimeter(lons, lats)[0])
                total += -area if i else area
        return total / 1e6

    def intersects(self, other: "Aoi | str | ogr.Geometry") -> bool:
        """True if the AOI intersects another AOI, a WKT in EPSG:4326 or an OGR geometry."""
        if isinstance(other, Aoi):
            geometry = other.ogr_geometry()
        elif isinstance(other, str):
            geometry = ogr.CreateGeometryFromWkt(other)
        else:
            geometry = other
        return bool(geometry is not None and self.ogr_geometry().Intersects(geometry))


def _geod():
    """pyproj's geodesic calculator (Karney's algorithm; needs no PROJ database, so the warning
    pyproj gives when it cannot find one, e.g. in a virtualenv, does not concern it)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Valid PROJ data directory not found")
        from pyproj import Geod
    return Geod(ellps="WGS84")


def _refuse(reason: str) -> ValidationError:
    return ValidationError({"aoi": reason})


def parse_aoi(value: Any) -> Aoi:
    """An AOI from GeoJSON (dict or text), a vector file path, WKT, a bbox text or a sequence
    ``(minx, miny, maxx, maxy)``, or an Aoi (returned as is).

    Raises ValidationError({"aoi": reason}).
    """
    if isinstance(value, Aoi):
        return value
    if isinstance(value, dict):
        return aoi_from_geojson(value)
    if isinstance(value, (list, tuple)) and len(value) == 4 and all(
        isinstance(v, (int, float)) for v in value
    ):
        return aoi_from_bbox(*value)
    if isinstance(value, Path):
        return aoi_from_file(value)
    if not isinstance(value, str) or not value.strip():
        raise _refuse(
            "expected GeoJSON, WKT, 'minx,miny,maxx,maxy' or a vector file path,"
            f" got {type(value).__name__} {value!r:.60}"
        )
    text = value.strip()
    if text.startswith("{"):
        try:
            return aoi_from_geojson(json.loads(text))
        except json.JSONDecodeError as exc:
            raise _refuse(f"GeoJSON text is not valid JSON: {exc}") from None
    match = _BBOX.match(text)
    if match:
        try:
            numbers = [float(g) for g in match.groups()]
        except ValueError:
            raise _refuse(f"{text!r} is not 'minx,miny,maxx,maxy' in degrees") from None
        return aoi_from_bbox(*numbers)
    if _WKT.match(text):
        return aoi_from_wkt(text)
    if os.path.exists(text) or _looks_like_a_path(text):
        return aoi_from_file(text)
    raise _refuse(
        f"{text[:80]!r} is neither a file, GeoJSON, WKT (POLYGON/MULTIPOLYGON) nor"
        " 'minx,miny,maxx,maxy'"
    )


#: Extensions of vector files an AOI is commonly given in.
_VECTOR_EXTENSIONS = (".json", ".geojson", ".gpkg", ".shp", ".kml", ".kmz", ".gml", ".fgb",
                      ".sqlite", ".zip")


def _looks_like_a_path(text: str) -> bool:
    """True for text meant as a file name (a folder separator or a vector file extension), so
    a missing file is reported as such rather than as unrecognised text."""
    return (os.sep in text or "/" in text
            or os.path.splitext(text)[1].lower() in _VECTOR_EXTENSIONS)


def aoi_from_bbox(minx: float, miny: float, maxx: float, maxy: float) -> Aoi:
    """A box in degrees; ``minx > maxx`` crosses the antimeridian and gives two polygons."""
    for name, v, lim in (("minx", minx, 180), ("maxx", maxx, 180), ("miny", miny, 90),
                         ("maxy", maxy, 90)):
        if not -lim <= v <= lim:
            raise _refuse(f"bbox {name}={v} is outside [-{lim}, {lim}] degrees")
    if miny >= maxy:
        raise _refuse(f"bbox miny={miny} must be smaller than maxy={maxy}")
    if minx == maxx:
        raise _refuse(f"bbox minx={minx} equals maxx: the box has no width")

    def box(x0: float, x1: float) -> PolygonCoords:
        return (((x0, miny), (x1, miny), (x1, maxy), (x0, maxy), (x0, miny)),)

    if minx < maxx:
        return Aoi((box(minx, maxx),))
    return Aoi((box(minx, 180.0), box(-180.0, maxx)))


def aoi_from_wkt(text: str) -> Aoi:
    """A POLYGON / MULTIPOLYGON (or a collection of them) in EPSG:4326 lon/lat."""
    body = re.sub(r"^\s*SRID=(\d+);", "", text.strip())
    srid = re.match(r"^\s*SRID=(\d+);", text.strip())
    if srid and srid.group(1) != "4326":
        raise _refuse(f"WKT has SRID={srid.group(1)}; expected EPSG:4326 longitude/latitude")
    from osgeo import gdal

    gdal.PushErrorHandler("CPLQuietErrorHandler")  # the reason goes in the ValidationError
    try:
        geometry = ogr.CreateGeometryFromWkt(body)
    except RuntimeError:  # when the host enabled GDAL exceptions
        geometry = None
    finally:
        gdal.PopErrorHandler()
    if geometry is None:
        raise _refuse(f"WKT {text[:80]!r} cannot be parsed")
    return _from_ogr(geometry, "WKT")


def aoi_from_geojson(obj: dict) -> Aoi:
    """A GeoJSON geometry, Feature or FeatureCollection (coordinates in EPSG:4326)."""
    if not isinstance(obj, dict) or "type" not in obj:
        raise _refuse("GeoJSON object has no 'type'")
    kind = obj["type"]
    if kind == "FeatureCollection":
        features = obj.get("features") or []
        geometries = [f.get("geometry") for f in features if isinstance(f, dict)]
        geometries = [g for g in geometries if g]
        if not geometries:
            raise _refuse("GeoJSON FeatureCollection has no feature with a geometry")
        return _union([_geometry_from_geojson(g) for g in geometries], "GeoJSON")
    if kind == "Feature":
        if not obj.get("geometry"):
            raise _refuse("GeoJSON Feature has no geometry")
        return _from_ogr(_geometry_from_geojson(obj["geometry"]), "GeoJSON")
    return _from_ogr(_geometry_from_geojson(obj), "GeoJSON")


def aoi_from_file(path: str | os.PathLike) -> Aoi:
    """Every polygon of a vector file, merged: GeoJSON read directly, other formats with OGR
    (reprojected to EPSG:4326). The file is opened read-only; nothing is written next to it."""
    path = Path(path)
    if not path.is_file():
        raise _refuse(f"{path}: no such file")
    if path.suffix.lower() in (".json", ".geojson"):
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _refuse(f"{path}: not a readable GeoJSON file ({exc})") from None
        try:
            return aoi_from_geojson(obj)
        except ValidationError as exc:
            raise _refuse(f"{path}: {exc.errors['aoi']}") from None
    from osgeo import gdal

    options = ["WRITE_GFS=NO"] if path.suffix.lower() == ".gml" else []
    try:
        dataset = gdal.OpenEx(str(path), gdal.OF_VECTOR | gdal.OF_READONLY, open_options=options)
    except RuntimeError:  # raised instead of returning None when GDAL exceptions are on
        dataset = None
    if dataset is None:
        raise _refuse(f"{path}: OGR cannot read it as a vector file")
    target = srs_of_epsg(4326)
    geometries = []
    for layer_index in range(dataset.GetLayerCount()):
        layer = dataset.GetLayer(layer_index)
        source_srs = layer.GetSpatialRef()
        transform = None
        if source_srs is not None:
            source_srs = source_srs.Clone()
            source_srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
            if not source_srs.IsSame(target):
                transform = osr.CoordinateTransformation(source_srs, target)
        for feature in layer:
            geometry = feature.GetGeometryRef()
            if geometry is None:
                continue
            geometry = geometry.Clone()
            if transform is not None:
                geometry.Transform(transform)
            geometries.append(geometry)
    if not geometries:
        raise _refuse(f"{path}: no feature with a geometry")
    try:
        return _union(geometries, str(path))
    except ValidationError as exc:
        raise _refuse(f"{path}: {exc.errors['aoi']}") from None


def _geometry_from_geojson(geometry: dict) -> ogr.Geometry:
    if not isinstance(geometry, dict) or "coordinates" not in geometry and geometry.get(
        "type"
    ) != "GeometryCollection":
        raise _refuse(f"GeoJSON geometry {str(geometry)[:80]} has no coordinates")
    result = ogr.CreateGeometryFromJson(json.dumps(geometry))
    if result is None:
        raise _refuse(f"GeoJSON geometry of type {geometry.get('type')!r} cannot be read")
    return result


def _union(geometries: Sequence[ogr.Geometry], source: str) -> Aoi:
    merged = ogr.Geometry(ogr.wkbMultiPolygon)
    for geometry in geometries:
        for part in _polygon_parts(_repaired(geometry, source), source):
            merged.AddGeometry(part)
    # UnionCascaded dissolves overlaps between features so areas are not counted twice.
    return _from_ogr(merged.UnionCascaded() if merged.GetGeometryCount() > 1 else merged, source)


def _polygon_parts(geometry: ogr.Geometry, source: str) -> Iterable[ogr.Geometry]:
    kind = ogr.GT_Flatten(geometry.GetGeometryType())
    if kind == ogr.wkbPolygon:
        yield geometry
    elif kind in (ogr.wkbMultiPolygon, ogr.wkbGeometryCollection):
        for i in range(geometry.GetGeometryCount()):
            yield from _polygon_parts(geometry.GetGeometryRef(i), source)
    elif kind in (ogr.wkbPoint, ogr.wkbMultiPoint, ogr.wkbLineString, ogr.wkbMultiLineString):
        # Degenerate pieces produced by MakeValid (spikes, collapsed rings) carry no area.
        return
    else:
        raise _refuse(f"{source} geometry of type {geometry.GetGeometryName()} is not a polygon")


def _repaired(geometry: ogr.Geometry, source: str) -> ogr.Geometry:
    geometry = geometry.Clone()
    geometry.FlattenTo2D()
    kind = ogr.GT_Flatten(geometry.GetGeometryType())
    if kind not in _POLYGONAL + (ogr.wkbGeometryCollection,):
        raise _refuse(
            f"{source} geometry is a {geometry.GetGeometryName()}; expected a Polygon or"
            " MultiPolygon"
        )
    envelope = geometry.GetEnvelope()  # (minx, maxx, miny, maxy)
    if geometry.IsEmpty():
        raise _refuse(f"{source} geometry is empty")
    if not (-180 <= envelope[0] and envelope[1] <= 180 and -90 <= envelope[2] and envelope[3] <= 90):
        raise _refuse(
            f"{source} coordinates span lon {envelope[0]:g}..{envelope[1]:g}, lat"
            f" {envelope[2]:g}..{envelope[3]:g}: expected EPSG:4326 degrees (lon in [-180, 180],"
            " lat in [-90, 90], longitude first)"
        )
    if envelope[1] - envelope[0] > 180:
        raise _refuse(
            f"{source} polygon spans {envelope[1] - envelope[0]:g} degrees of longitude: a polygon"
            " crossing the antimeridian must be split in two at 180 degrees (RFC 7946 3.1.9)"
        )
    if not geometry.IsValid():
        fixed = geometry.MakeValid()
        if fixed is None or fixed.IsEmpty():
            raise _refuse(f"{source} polygon is invalid and cannot be repaired")
        geometry = fixed
    return geometry


def _from_ogr(geometry: ogr.Geometry, source: str) -> Aoi:
    geometry = _repaired(geometry, source)
    polygons: list[PolygonCoords] = []
    for part in _polygon_parts(geometry, source):
        if part.GetArea() <= 0:
            continue
        rings = []
        for i in range(part.GetGeometryCount()):
            ring = part.GetGeometryRef(i)
            rings.append(tuple((float(x), float(y)) for x, y, *_ in ring.GetPoints() or ()))
        polygons.append(tuple(rings))
    if not polygons:
        raise _refuse(f"{source} geometry has no area (expected a polygon with an inside)")
    return Aoi(tuple(polygons))
