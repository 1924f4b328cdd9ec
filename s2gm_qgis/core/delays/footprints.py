"""Detector footprints of a tile, read from its MSK_DETFOO masks without writing anything.

Two formats (../shared/docs/safe-format.md):
- before baseline 04.00, GML: ``eop:MaskFeature`` features with ``gml:id`` like
  ``detector_footprint-B02-03-1`` (03 = detector), polygons with a 3D ``gml:posList``, unsorted;
  from N02.09 on pixel-step outlines. Parsed with ElementTree, never with OGR's GML driver
  (which writes a ``.gfs`` sidecar next to the file).
- from 04.00 on, a raster whose pixel value is the detector number (0 outside), JP2 or GeoTIFF
  whatever the extension says. Read with GDAL in row blocks, PAM switched off so that no
  ``.aux.xml`` is written.

The format is sniffed from the content, not the file name. Paths are plain files or GDAL
``/vsizip/`` paths (zip members are read in place).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Iterator, Optional

import numpy as np
from osgeo import gdal, ogr

from ..errors import ProductError
from ..gdal_io import no_sidecars, open_raster
from .scanline import SlabIntervals, intervals_from_raster_rows, intervals_from_rings

N_DETECTORS = 12
_DETECTOR_ID = re.compile(r"detector_footprint-([A-Za-z0-9]+)-(\d{1,2})(?:-\d+)?$", re.IGNORECASE)
_EPSG_IN_SRS = re.compile(r"EPSG(?::[\d.]*)?[:/](?:0/)?(\d{4,6})\s*$", re.IGNORECASE)
_ROW_BLOCK = 512


@dataclass(frozen=True)
class DetectorPolygon:
    """One footprint polygon: ``rings[0]`` the exterior, then holes; (N, 2) x, y in the tile
    CRS, closed (first point repeated last)."""

    detector: int
    rings: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class BandFootprints:
    """What one MSK_DETFOO mask says: its slab intervals (for lookups) and, for GML masks, the
    polygons (raster masks are polygonised only on demand, see ``footprint_polygons``)."""

    band: str
    path: str
    kind: str  # "gml" | "raster"
    intervals: SlabIntervals
    polygons: Optional[tuple[DetectorPolygon, ...]]
    detectors: tuple[int, ...]


# -- reading bytes through GDAL's virtual file system (plain files and /vsizip/) ------------------
def read_bytes(path: str) -> bytes:
    """Whole content of a plain or ``/vsizip/`` file; ProductError naming it otherwise."""
    stat = gdal.VSIStatL(path)
    if stat is None or stat.IsDirectory():
        raise ProductError(path, "file not found")
    handle = gdal.VSIFOpenL(path, "rb")
    if handle is None:
        raise ProductError(path, "cannot be opened for reading")
    try:
        data = gdal.VSIFReadL(1, stat.size, handle)
    finally:
        gdal.VSIFCloseL(handle)
    if data is None or len(data) != stat.size:
        raise ProductError(path, f"read {0 if data is None else len(data)} of {stat.size} bytes")
    return bytes(data)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attribute(element: ET.Element, name: str) -> Optional[str]:
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return None


def _epsg_of(srs_name: Optional[str]) -> Optional[int]:
    if not srs_name:
        return None
    match = _EPSG_IN_SRS.search(srs_name.strip())
    return int(match.group(1)) if match else None


def _ring_coordinates(ring: ET.Element, path: str, where: str) -> np.ndarray:
    """(N, 2) coordinates of a gml:LinearRing (posList, pos or coordinates)."""
    for child in ring:
        name = _local(child.tag)
        if name == "posList":
            # np.fromstring in text mode (sep given) parses in C, ten times faster than split().
            values = np.fromstring(child.text or "", dtype=np.float64, sep=" ")
            dim = _attribute(child, "srsDimension") or _attribute(ring, "srsDimension")
            dim = int(dim) if dim else 2
            if dim not in (2, 3) or values.shape[0] % dim:
                raise ProductError(path, f"{where}: posList of {values.shape[0]} values does not "
                                         f"split into {dim}-D points")
            return values.reshape(-1, dim)[:, :2]
    points = [
        (child.text or "").split()[:2] for child in ring if _local(child.tag) == "pos"
    ]
    if points:
        return np.array(points, dtype=np.float64)
    for child in ring:
        if _local(child.tag) == "coordinates":
            pairs = [p.split(",")[:2] for p in (child.text or "").split()]
            return np.array(pairs, dtype=np.float64)
    raise ProductError(path, f"{where}: LinearRing without coordinates")


def parse_detfoo_gml(data: bytes, path: str, epsg: Optional[int] = None) -> tuple[DetectorPolygon, ...]:
    """Detector polygons of an MSK_DETFOO GML document.

    ``epsg``, when given, is the tile's CRS: a mask declaring another CRS is an error rather
    than a silent shift. Features without a detector in their ``gml:id`` are an error too.
    """
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ProductError(path, f"not a well-formed GML mask ({exc})") from None
    srs_epsg = None
    for element in root.iter():
        srs_epsg = _epsg_of(_attribute(element, "srsName"))
        if srs_epsg:
            break
    if epsg is not None and srs_epsg is not None and srs_epsg != epsg:
        raise ProductError(path, f"mask is in EPSG:{srs_epsg}, the tile in EPSG:{epsg}")
    polygons = []
    for feature in root.iter():
        if _local(feature.tag) != "MaskFeature":
            continue
        feature_id = _attribute(feature, "id") or ""
        match = _DETECTOR_ID.search(feature_id)
        if not match:
            raise ProductError(path, f"feature gml:id {feature_id!r} does not name a detector "
                                     f"(expected detector_footprint-<band>-<NN>-<i>)")
        detector = int(match.group(2))
        if not 1 <= detector <= N_DETECTORS:
            raise ProductError(path, f"feature {feature_id!r}: detector {detector} not in 1..12")
        for polygon in feature.iter():
            if _local(polygon.tag) != "Polygon":
                continue
            rings = []
            for boundary in polygon:
                if _local(boundary.tag) not in ("exterior", "interior"):
                    continue
                for ring in boundary:
                    if _local(ring.tag) == "LinearRing":
                        coords = _ring_coordinates(ring, path, feature_id)
                        if coords.shape[0] and not np.array_equal(coords[0], coords[-1]):
                            coords = np.vstack([coords, coords[:1]])
                        if _local(boundary.tag) == "exterior":
                            rings.insert(0, coords)
                        else:
                            rings.append(coords)
            if rings:
                polygons.append(DetectorPolygon(detector, tuple(rings)))
    return tuple(polygons)


def _is_xml(data_head: bytes) -> bool:
    head = data_head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<")


def _raster_geometry(dataset, path: str) -> tuple[tuple[float, ...], Optional[int]]:
    gt = tuple(dataset.GetGeoTransform(can_return_null=True) or ())
    if len(gt) != 6 or gt[2] != 0 or gt[4] != 0 or gt[1] <= 0 or gt[5] >= 0:
        raise ProductError(path, f"detector raster is not north-up georeferenced (geotransform {gt})")
    srs = dataset.GetSpatialRef()
    epsg = None
    if srs is not None:
        srs.AutoIdentifyEPSG()
        code = srs.GetAuthorityCode(None)
        epsg = int(code) if code and code.isdigit() else None
    return gt, epsg


def read_detfoo_raster(path: str, epsg: Optional[int] = None) -> SlabIntervals:
    """Slab intervals of a raster MSK_DETFOO (pixel value = detector), read in row blocks."""
    with no_sidecars():
        dataset = open_raster(path, "not a readable detector raster ({reason})")
        gt, raster_epsg = _raster_geometry(dataset, path)
        if epsg is not None and raster_epsg is not None and raster_epsg != epsg:
            raise ProductError(path, f"mask is in EPSG:{raster_epsg}, the tile in EPSG:{epsg}")
        band = dataset.GetRasterBand(1)
        nodata = band.GetNoDataValue()
        nodata = int(nodata) if nodata is not None and float(nodata).is_integer() else None
        n_rows, n_cols = dataset.RasterYSize, dataset.RasterXSize

        def blocks() -> Iterator[tuple[int, np.ndarray]]:
            for row0 in range(0, n_rows, _ROW_BLOCK):
                count = min(_ROW_BLOCK, n_rows - row0)
                block = band.ReadAsArray(0, row0, n_cols, count)
                if block is None:
                    raise ProductError(path, f"cannot read rows {row0}..{row0 + count - 1}")
                values = block if nodata is None else np.where(block == nodata, 0, block)
                if values.size and (values.max() > N_DETECTORS or values.min() < 0):
                    raise ProductError(path, f"pixel values {values.min()}..{values.max()}: a "
                                             f"detector mask holds 0 (outside) or 1..12")
                yield row0, values

        intervals = intervals_from_raster_rows(blocks(), n_rows, gt)
        dataset = None
    return intervals


def polygonise_detfoo_raster(path: str) -> tuple[DetectorPolygon, ...]:
    """Polygons of a raster MSK_DETFOO, in memory (GDAL Polygonize into an OGR Memory layer)."""
    with no_sidecars():
        dataset = open_raster(path, "not a readable detector raster ({reason})")
        _raster_geometry(dataset, path)
        band = dataset.GetRasterBand(1)
        memory = ogr.GetDriverByName("Memory").CreateDataSource("detfoo")
        layer = memory.CreateLayer("detfoo", srs=dataset.GetSpatialRef())
        layer.CreateField(ogr.FieldDefn("detector", ogr.OFTInteger))
        gdal.Polygonize(band, band, layer, 0, [], callback=None)
        polygons = []
        for feature in layer:
            detector = feature.GetField(0)
            geometry = feature.GetGeometryRef()
            parts = [geometry] if geometry.GetGeometryType() in (ogr.wkbPolygon, ogr.wkbPolygon25D) \
                else [geometry.GetGeometryRef(i) for i in range(geometry.GetGeometryCount())]
            for part in parts:
                rings = tuple(
                    np.array(part.GetGeometryRef(i).GetPoints(), dtype=np.float64)[:, :2]
                    for i in range(part.GetGeometryCount())
                )
                if 1 <= detector <= N_DETECTORS and rings:
                    polygons.append(DetectorPolygon(int(detector), rings))
        dataset = None
    return tuple(polygons)


def read_band_footprints(path: str, band: str, epsg: Optional[int] = None) -> BandFootprints:
    """Read one band's MSK_DETFOO (GML or raster, sniffed from the content) and index it."""
    stat = gdal.VSIStatL(path)
    if stat is None:
        raise ProductError(path, "detector footprint mask not found")
    if stat.size == 0:
        raise ProductError(path, "detector footprint mask is empty (0 bytes)")
    handle = gdal.VSIFOpenL(path, "rb")
    if handle is None:
        raise ProductError(path, "cannot be opened for reading")
    try:
        head = gdal.VSIFReadL(1, 64, handle) or b""
    finally:
        gdal.VSIFCloseL(handle)
    if _is_xml(bytes(head)):
        polygons = parse_detfoo_gml(read_bytes(path), path, epsg)
        try:
            intervals = intervals_from_rings((p.detector, ring) for p in polygons for ring in p.rings)
        except ValueError as exc:
            raise ProductError(path, str(exc)) from None
        detectors = tuple(sorted({p.detector for p in polygons}))
        return BandFootprints(band, path, "gml", intervals, polygons, detectors)
    intervals = read_detfoo_raster(path, epsg)
    detectors = tuple(sorted(set(np.unique(intervals.det).tolist())))
    return BandFootprints(band, path, "raster", intervals, None, detectors)
