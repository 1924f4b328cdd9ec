"""Areas of interest from QGIS things: drawn geometries, the canvas extent, a layer's extent, the
selected features of a layer, a vector file or pasted WKT, in any CRS.

Everything ends in the core's :func:`~s2gm_qgis.core.mosaic.aoi.parse_aoi` (EPSG:4326, repaired
with GEOS MakeValid or refused with the reason), so the dock, the Processing algorithm and the
engine agree on what an AOI is. Geometries in a projected CRS are densified before being
reprojected, so that a rectangle drawn on a UTM map stays that rectangle on the ground instead of
becoming a polygon with straight edges in longitude/latitude.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsGeometry,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
    QgsWkbTypes,
)

from ..core.errors import ValidationError
from ..core.mosaic.aoi import Aoi, aoi_from_file, parse_aoi
from .i18n import tr

WGS84 = "EPSG:4326"
#: Edges of a projected AOI are cut into pieces no longer than its size / this before
#: reprojection (64 pieces keep a 100 km UTM edge within metres of its true line).
DENSIFY_PIECES = 64


@dataclass(frozen=True)
class AoiSelection:
    """An AOI the user chose: the validated core ``aoi`` (EPSG:4326), the ``geometry`` as
    given (in ``crs``; what the rubber band shows and the vertex tool edits), where it came
    from, and whether it had to be repaired."""

    aoi: Aoi
    geometry: QgsGeometry
    crs: QgsCoordinateReferenceSystem
    source: str
    repaired: bool = False

    @property
    def area_km2(self) -> float:
        return self.aoi.area_km2


def wgs84() -> QgsCoordinateReferenceSystem:
    return QgsCoordinateReferenceSystem(WGS84)


def _refuse(reason: str) -> ValidationError:
    return ValidationError({"aoi": reason})


def to_wgs84(geometry: QgsGeometry, crs: QgsCoordinateReferenceSystem) -> QgsGeometry:
    """``geometry`` (in ``crs``) densified when projected, then reprojected to EPSG:4326."""
    result = QgsGeometry(geometry)
    if not crs.isValid():
        raise _refuse(tr("the geometry has no valid coordinate reference system"))
    if crs.authid() == WGS84:
        return result
    if not crs.isGeographic():
        box = result.boundingBox()
        step = max(box.width(), box.height()) / DENSIFY_PIECES
        if step > 0:
            result = result.densifyByDistance(step)
    transform = QgsCoordinateTransform(crs, wgs84(), QgsProject.instance())
    try:
        result.transform(transform)
    except Exception as exc:  # QgsCsException: the AOI lies outside the CRS's domain
        raise _refuse(tr("cannot reproject the geometry from {crs} to WGS 84: {error}").format(
            crs=crs.authid() or crs.description(), error=exc)) from None
    return result


def aoi_from_geometry(geometry: QgsGeometry, crs: QgsCoordinateReferenceSystem,
                      source: str) -> AoiSelection:
    """A polygon geometry in ``crs`` -> a validated AOI; invalid polygons are repaired (and
    flagged ``repaired``) or refused with ValidationError({"aoi": reason})."""
    if geometry is None or geometry.isNull() or geometry.isEmpty():
        raise _refuse(tr("{source}: the geometry is empty").format(source=source))
    if geometry.type() != QgsWkbTypes.GeometryType.PolygonGeometry:
        raise _refuse(tr("{source}: an area of interest must be a polygon, not a {kind}").format(
            source=source, kind=QgsWkbTypes.geometryDisplayString(geometry.type())))
    repaired = not geometry.isGeosValid()
    lonlat = to_wgs84(geometry, crs)
    try:
        aoi = parse_aoi(json.loads(lonlat.asJson(12)))
    except ValidationError as exc:
        raise _refuse(tr("{source}: {reason}").format(source=source,
                                                       reason=exc.errors.get("aoi", exc))) from None
    return AoiSelection(aoi, QgsGeometry(geometry), QgsCoordinateReferenceSystem(crs), source,
                        repaired)


def aoi_from_rectangle(rectangle: QgsRectangle, crs: QgsCoordinateReferenceSystem,
                       source: str) -> AoiSelection:
    if rectangle.isEmpty() or rectangle.width() <= 0 or rectangle.height() <= 0:
        raise _refuse(tr("{source}: the rectangle has no area").format(source=source))
    return aoi_from_geometry(QgsGeometry.fromRect(rectangle), crs, source)


def aoi_from_canvas(canvas) -> AoiSelection:
    """The visible extent of the map canvas."""
    return aoi_from_rectangle(canvas.extent(), canvas.mapSettings().destinationCrs(),
                              tr("map canvas extent"))


def aoi_from_layer_extent(layer) -> AoiSelection:
    if layer is None or not layer.isValid():
        raise _refuse(tr("no valid layer chosen"))
    return aoi_from_rectangle(layer.extent(), layer.crs(),
                              tr("extent of layer {name}").format(name=layer.name()))


def aoi_from_selected_features(layer) -> AoiSelection:
    """The union of the selected features of a polygon layer."""
    if not isinstance(layer, QgsVectorLayer) or not layer.isValid():
        raise _refuse(tr("choose a vector layer with selected polygons"))
    source = tr("selected features of layer {name}").format(name=layer.name())
    if layer.geometryType() != QgsWkbTypes.GeometryType.PolygonGeometry:
        raise _refuse(tr("{source}: the layer holds {kind}s; an area of interest needs "
                         "polygons").format(source=source,
                                            kind=QgsWkbTypes.geometryDisplayString(
                                                layer.geometryType())))
    geometries = [f.geometry() for f in layer.getSelectedFeatures() if f.hasGeometry()]
    if not geometries:
        raise _refuse(tr("{source}: no feature is selected").format(source=source))
    # Each part repaired first: the union of an invalid polygon can drop pieces silently.
    repaired = any(not g.isGeosValid() for g in geometries)
    merged = QgsGeometry.unaryUnion([g if g.isGeosValid() else g.makeValid() for g in geometries])
    selection = aoi_from_geometry(merged, layer.crs(), source)
    return AoiSelection(selection.aoi, selection.geometry, selection.crs, source,
                        repaired or selection.repaired)


def aoi_from_vector_file(path: str) -> AoiSelection:
    """Every polygon of a GeoJSON, KML, GeoPackage, shapefile... (read-only, through the core)."""
    aoi = aoi_from_file(path)
    return AoiSelection(aoi, QgsGeometry.fromWkt(aoi.wkt), wgs84(), Path(path).name)


def aoi_from_wkt_text(text: str, crs: QgsCoordinateReferenceSystem) -> AoiSelection:
    """Pasted WKT (POLYGON, MULTIPOLYGON) in ``crs`` (EPSG:4326 longitude/latitude usually)."""
    body = text.strip()
    if body.upper().startswith("SRID="):
        srid, _, body = body.partition(";")
        crs = QgsCoordinateReferenceSystem(f"EPSG:{srid.split('=', 1)[1].strip()}")
    geometry = QgsGeometry.fromWkt(body)
    if geometry.isNull():
        raise _refuse(tr("the text is not WKT (expected POLYGON ((x y, ...)) or MULTIPOLYGON)"))
    return aoi_from_geometry(geometry, crs, tr("pasted WKT"))


def aoi_geometry_in(aoi: Aoi, crs: QgsCoordinateReferenceSystem) -> QgsGeometry:
    """The AOI (lon/lat edges, as the engine understands them) in ``crs`` for display."""
    geometry = QgsGeometry.fromWkt(aoi.wkt)
    if crs.isValid() and crs.authid() != WGS84:
        geometry = geometry.densifyByDistance(0.01)  # degrees: ~1 km, straight lon/lat edges
        geometry.transform(QgsCoordinateTransform(wgs84(), crs, QgsProject.instance()))
    return geometry
