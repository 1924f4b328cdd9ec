"""The parts of the product, tile and datastrip metadata that synthetic L1C and L2A products
share, written once (element order and values as on the real N0301 L1C and 05.09 L2A samples in
../shared/data/s2-samples); what differs between levels stays in ``l1c`` and ``l2a``."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from typing import Callable

from s2gm_qgis.core.bands import BANDS, CENTRAL_WAVELENGTH_NM, NATIVE_RESOLUTION_M

from . import naming as N
from . import radiometry as R
from . import xmlwrite as X
from .acquisition import Acquisition, footprint_lonlat, write_tile_angles, write_tile_geocoding
from .scene import Scene

#: (attributes, path from the product root) of one MASK_FILENAME of MTD_TL.xml.
MaskList = list[tuple[dict, str]]


def write_datatake(parent: ET.Element, tag: str, acq: Acquisition, abs_orbit: int,
                   baseline: str, relative_orbit: int, **attrs) -> ET.Element:
    """``Datatake`` (product metadata) or ``Datatake_Info`` (datastrip): same content."""
    datatake = X.sub(parent, tag, datatakeIdentifier=N.datatake_id(
        acq.spacecraft, acq.datatake_start, abs_orbit, baseline), **attrs)
    X.sub(datatake, "SPACECRAFT_NAME", N.SPACECRAFT_NAME[acq.spacecraft])
    X.sub(datatake, "DATATAKE_TYPE", "INS-NOBS")
    X.sub(datatake, "DATATAKE_SENSING_START", X.utc_text(acq.datatake_start))
    X.sub(datatake, "SENSING_ORBIT_NUMBER", relative_orbit)
    X.sub(datatake, "SENSING_ORBIT_DIRECTION", "DESCENDING")
    return datatake


def write_product_info(general: ET.Element, level: str, acq: Acquisition, name: str,
                       baseline: str, generated: datetime, abs_orbit: int, relative_orbit: int,
                       fmt: str) -> ET.Element:
    """``Product_Info`` up to an empty ``Granule`` of ``Granule_List``, which is returned for
    the caller's ``IMAGE_FILE`` entries. ``level`` is "L1C" or "L2A"."""
    info = X.sub(general, "Product_Info")
    X.sub(info, "PRODUCT_START_TIME", X.utc_text(acq.datatake_start))
    X.sub(info, "PRODUCT_STOP_TIME", X.utc_text(acq.datatake_start))
    X.sub(info, "PRODUCT_URI", f"{name}.SAFE")
    X.sub(info, "PROCESSING_LEVEL", f"Level-{level[1:]}")
    X.sub(info, "PRODUCT_TYPE", f"S2MSI{level[1:]}")
    X.sub(info, "PROCESSING_BASELINE", baseline)
    X.sub(info, "GENERATION_TIME", X.utc_text(generated, 6))
    X.sub(info, "PREVIEW_IMAGE_URL", "Not applicable")
    X.sub(info, "PREVIEW_GEO_INFO", "Not applicable")
    write_datatake(info, "Datatake", acq, abs_orbit, baseline, relative_orbit)
    options = X.sub(info, "Query_Options", completeSingleTile="true")
    X.sub(options, "PRODUCT_FORMAT", "SAFE_COMPACT")
    granules = X.sub(X.sub(info, "Product_Organisation"), "Granule_List")
    return X.sub(granules, "Granule", datastripIdentifier=N.datastrip_id(
        acq.spacecraft, level, generated, acq.datastrip_start, baseline),
        granuleIdentifier=N.tile_id(acq.spacecraft, level, generated, abs_orbit, acq.tile.tile,
                                    baseline),
        imageFormat="JPEG2000" if fmt == "jp2" else "GEOTIFF")


def write_display_values(characteristics: ET.Element) -> None:
    """``Special_Values`` (no-data, saturated DN) and ``Image_Display_Order``."""
    for text, index in (("NODATA", R.NODATA_DN), ("SATURATED", R.SATURATED_DN)):
        special = X.sub(characteristics, "Special_Values")
        X.sub(special, "SPECIAL_VALUE_TEXT", text)
        X.sub(special, "SPECIAL_VALUE_INDEX", index)
    order = X.sub(characteristics, "Image_Display_Order")
    X.sub(order, "RED_CHANNEL", 3)
    X.sub(order, "GREEN_CHANNEL", 2)
    X.sub(order, "BLUE_CHANNEL", 1)


def write_radiometric_offsets(characteristics: ET.Element, baseline: str, list_tag: str,
                              tag: str) -> None:
    """From baseline 04.00: one offset per band (``Radiometric_Offset_List/RADIO_ADD_OFFSET``
    for L1C, ``BOA_ADD_OFFSET_VALUES_LIST/BOA_ADD_OFFSET`` for L2A); nothing before."""
    offset = R.radiometric_offset(baseline)
    if offset:
        offsets = X.sub(characteristics, list_tag)
        for band_id in range(len(BANDS)):
            X.sub(offsets, tag, f"{offset:.0f}", band_id=band_id)


def write_spectral_information(characteristics: ET.Element) -> None:
    spectral = X.sub(characteristics, "Spectral_Information_List")
    for band_id, band in enumerate(BANDS):
        element = X.sub(spectral, "Spectral_Information", bandId=band_id,
                        physicalBand=band.replace("B0", "B"))
        X.sub(element, "RESOLUTION", NATIVE_RESOLUTION_M[band])
        X.sub(X.sub(element, "Wavelength"), "CENTRAL", CENTRAL_WAVELENGTH_NM[band], unit="nm")


def write_product_tail(top: ET.Element, namespace: str, acq: Acquisition,
                       cloud_text: str) -> ET.Element:
    """``Geometric_Info`` (footprint, CRS), ``Auxiliary_Data_Info`` and the start of
    ``Quality_Indicators_Info`` (cloud cover, technical quality), which is returned."""
    geometric = X.n1(top, "Geometric_Info", namespace)
    outer = X.sub(geometric, "Product_Footprint")
    footprint = X.sub(X.sub(outer, "Product_Footprint"), "Global_Footprint")
    X.sub(footprint, "EXT_POS_LIST", " ".join(f"{lat!r} {lon!r}" for lon, lat in
                                              footprint_lonlat(acq.tile)) + " ")
    X.sub(outer, "RASTER_CS_TYPE", "POINT")
    X.sub(outer, "PIXEL_ORIGIN", 1)
    crs = X.sub(geometric, "Coordinate_Reference_System")
    X.sub(crs, "GEO_TABLES", "EPSG", version="1")
    X.sub(crs, "HORIZONTAL_CS_TYPE", "GEOGRAPHIC")
    X.n1(top, "Auxiliary_Data_Info", namespace)
    quality = X.n1(top, "Quality_Indicators_Info", namespace)
    X.sub(quality, "Cloud_Coverage_Assessment", cloud_text)
    technical = X.sub(quality, "Technical_Quality_Assessment")
    X.sub(technical, "DEGRADED_ANC_DATA_PERCENTAGE", "0.0")
    X.sub(technical, "DEGRADED_MSI_DATA_PERCENTAGE", "0")
    return quality


def write_tile_metadata(path: Path, level: str, namespace: str, acq: Acquisition, scene: Scene,
                        baseline: str, generated: datetime, abs_orbit: int, masks: MaskList,
                        pvi_rel: str, content_qi: Callable[[ET.Element], None]) -> None:
    """MTD_TL.xml: General_Info, Tile_Geocoding, Tile_Angles, ``content_qi`` (the level's
    ``Image_Content_QI``), the masks and the PVI name. L2A tiles also name their L1C tile."""
    tile, spacecraft = acq.tile.tile, acq.spacecraft
    top = X.root(f"Level-{level[1:]}_Tile_ID", namespace)
    general = X.n1(top, "General_Info", namespace)
    if level == "L2A":
        X.sub(general, "L1C_TILE_ID", N.tile_id(spacecraft, "L1C", generated, abs_orbit, tile,
                                                baseline), metadataLevel="Brief")
    X.sub(general, "TILE_ID", N.tile_id(spacecraft, level, generated, abs_orbit, tile, baseline),
          metadataLevel="Brief")
    X.sub(general, "DATASTRIP_ID", N.datastrip_id(spacecraft, level, generated,
                                                  acq.datastrip_start, baseline),
          metadataLevel="Standard")
    X.sub(general, "DOWNLINK_PRIORITY", "NOMINAL", metadataLevel="Standard")
    X.sub(general, "SENSING_TIME", X.utc_text(acq.sensing_time, 6), metadataLevel="Standard")
    archiving = X.sub(general, "Archiving_Info", metadataLevel="Expertise")
    X.sub(archiving, "ARCHIVING_CENTRE", N.PROCESSING_CENTRE[spacecraft])
    X.sub(archiving, "ARCHIVING_TIME", X.utc_text(generated, 6))
    geometric = X.n1(top, "Geometric_Info", namespace)
    write_tile_geocoding(geometric, acq.tile)
    write_tile_angles(geometric, acq, scene.view_zenith_deg)
    quality = X.n1(top, "Quality_Indicators_Info", namespace, metadataLevel="Standard")
    content_qi(quality)
    pixel = X.sub(quality, "Pixel_Level_QI", geometry="FULL_RESOLUTION")
    for attrs, rel in masks:
        X.sub(pixel, "MASK_FILENAME", rel, **attrs)
    X.sub(quality, "PVI_FILENAME", pvi_rel)
    X.write(top, path)
