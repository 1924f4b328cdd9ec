"""Detector footprints of a tile (MSK_DETFOO): GML polygons before baseline 04.00, rasters
(value = detector number, 0 outside) from 04.00 on.

Detector d covers the cross-track band ``focal_plane.detector_span_km(d)`` (with the small
overlap with its neighbours); polygons are that band clipped to the written image
(Sutherland-Hodgman against two half-planes). Rasters give each pixel the detector whose span
without overlap holds its centre (a raster cannot hold two values).
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import numpy as np

from s2gm_qgis.core.bands import BANDS, NATIVE_RESOLUTION_M

from . import naming as N
from .acquisition import Acquisition
from .focal_plane import DETECTOR_WIDTH_KM, DETECTORS, SWATH_KM, detector_span_km
from .raster import write_array

NS_EOP = "http://www.opengis.net/eop/2.0"
NS_GML = "http://www.opengis.net/gml/3.2"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"


def detector_raster(acq: Acquisition, resolution_m: int) -> np.ndarray:
    """uint8 (rows, cols): detector number under each pixel centre, 0 beyond the swath."""
    tile = acq.tile
    size = tile.size(resolution_m)
    centres = (np.arange(size) + 0.5) * resolution_m
    x, y = np.meshgrid(tile.ulx_m + centres, tile.uly_m - centres)
    _, cross = acq.track.along_cross_km(x, y)
    det = np.floor((cross + SWATH_KM / 2) / DETECTOR_WIDTH_KM).astype(np.int32) + 1
    det[(cross < -SWATH_KM / 2) | (cross > SWATH_KM / 2)] = 0
    return np.clip(det, 0, len(DETECTORS)).astype(np.uint8)


def _clip(ring: list[tuple[float, float]], keep) -> list[tuple[float, float]]:
    """Clip a closed-free ring by a half-plane given as value(point) >= 0 (linear)."""
    out = []
    for index, current in enumerate(ring):
        previous = ring[index - 1]
        v_cur, v_prev = keep(current), keep(previous)
        if v_cur >= 0:
            if v_prev < 0:
                t = v_prev / (v_prev - v_cur)
                out.append((previous[0] + t * (current[0] - previous[0]),
                            previous[1] + t * (current[1] - previous[1])))
            out.append(current)
        elif v_prev >= 0:
            t = v_prev / (v_prev - v_cur)
            out.append((previous[0] + t * (current[0] - previous[0]),
                        previous[1] + t * (current[1] - previous[1])))
    return out


def detector_polygons(acq: Acquisition) -> dict[int, list[tuple[float, float]]]:
    """detector -> closed ring (x, y metres) of its footprint inside the written image."""
    tile = acq.tile
    width = tile.size_10m * 10.0
    rect = [(tile.ulx_m, tile.uly_m), (tile.ulx_m, tile.uly_m - width),
            (tile.ulx_m + width, tile.uly_m - width), (tile.ulx_m + width, tile.uly_m)]

    def cross_km(point):
        return float(acq.track.along_cross_km(point[0], point[1])[1])

    polygons = {}
    for det in DETECTORS:
        low, high = detector_span_km(det)
        ring = _clip(rect, lambda p, low=low: cross_km(p) - low)
        ring = _clip(ring, lambda p, high=high: high - cross_km(p)) if ring else ring
        if len(ring) >= 3:
            polygons[det] = ring + [ring[0]]
    return polygons


def write_detfoo_gml(path: Path, acq: Acquisition, band: str, mask_id: str) -> Path:
    """eop:Mask of DETECTOR_FOOTPRINT features, ids 'detector_footprint-B02-03-0', 3D posList."""
    ET.register_namespace("eop", NS_EOP)
    ET.register_namespace("gml", NS_GML)
    ET.register_namespace("xsi", NS_XSI)
    root = ET.Element(f"{{{NS_EOP}}}Mask", {f"{{{NS_GML}}}id": mask_id})
    ET.SubElement(root, f"{{{NS_GML}}}name").text = (
        f"MSK_DETFOO pixels mask from data-strip {mask_id}")
    polygons = detector_polygons(acq)
    srs = f"urn:ogc:def:crs:EPSG:8.7:{acq.tile.epsg}"
    if polygons:
        xs = [x for ring in polygons.values() for x, _ in ring]
        ys = [y for ring in polygons.values() for _, y in ring]
        bounded = ET.SubElement(root, f"{{{NS_GML}}}boundedBy")
        envelope = ET.SubElement(bounded, f"{{{NS_GML}}}Envelope", srsName=srs)
        ET.SubElement(envelope, f"{{{NS_GML}}}lowerCorner").text = f"{min(xs):.0f} {min(ys):.0f} 0"
        ET.SubElement(envelope, f"{{{NS_GML}}}upperCorner").text = f"{max(xs):.0f} {max(ys):.0f} 0"
    members = ET.SubElement(root, f"{{{NS_EOP}}}maskMembers")
    for index, (det, ring) in enumerate(sorted(polygons.items(), key=lambda kv: -kv[0])):
        feature = ET.SubElement(members, f"{{{NS_EOP}}}MaskFeature",
                                {f"{{{NS_GML}}}id": f"detector_footprint-{band}-{det:02d}-0"})
        ET.SubElement(feature, f"{{{NS_EOP}}}maskType",
                      codeSpace="urn:gs2:S2PDGS:maskType").text = "DETECTOR_FOOTPRINT"
        extent = ET.SubElement(feature, f"{{{NS_EOP}}}extentOf")
        polygon = ET.SubElement(extent, f"{{{NS_GML}}}Polygon",
                                {f"{{{NS_GML}}}id": f"DETECTOR_FOOTPRINT.{index}_Polygon"})
        exterior = ET.SubElement(polygon, f"{{{NS_GML}}}exterior")
        linear = ET.SubElement(exterior, f"{{{NS_GML}}}LinearRing")
        ET.SubElement(linear, f"{{{NS_GML}}}posList", srsDimension="3").text = " ".join(
            f"{x:.2f} {y:.2f} 0" for x, y in ring)
    ET.indent(root, space="  ")
    with open(path, "wb") as handle:
        handle.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
        ET.ElementTree(root).write(handle, encoding="utf-8", xml_declaration=False)
    return path


def write_detfoo_raster(path: Path, acq: Acquisition, resolution_m: int, fmt: str) -> Path:
    return write_array(path, detector_raster(acq, resolution_m), acq.tile.epsg,
                       acq.tile.geotransform(resolution_m), fmt, nodata=None)


def write_detector_footprints(safe: Path, granule_rel: str, acq: Acquisition, level: str,
                              baseline: str, fmt: str, abs_orbit: int,
                              generated: datetime) -> list[tuple[dict, str]]:
    """MSK_DETFOO of every band in the granule's QI_DATA: rasters at the band's resolution from
    baseline 04.00 (as the real N0500 and 05.09 products), GML before (as N0301). Returns the
    (attributes, path from the product root) of each for MTD_TL.xml."""
    listed = []
    for band_id, band in enumerate(BANDS):
        if float(baseline) >= 4.0:
            rel = f"{granule_rel}/QI_DATA/MSK_DETFOO_{band}.{fmt}"
            write_detfoo_raster(safe / rel, acq, NATIVE_RESOLUTION_M[band], fmt)
        else:
            rel = f"{granule_rel}/QI_DATA/MSK_DETFOO_{band}.gml"
            mask_id = (f"{acq.spacecraft}_OPER_MSK_DETFOO_{N.PROCESSING_CENTRE[acq.spacecraft]}_"
                       f"{N.stamp(generated)}_A{abs_orbit:06d}_T{acq.tile.tile}_{band}_MSI{level}")
            write_detfoo_gml(safe / rel, acq, band, mask_id)
        listed.append(({"bandId": band_id, "type": "MSK_DETFOO"}, rel))
    return listed
