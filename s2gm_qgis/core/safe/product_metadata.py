"""Parse a product's metadata (``MTD_MSIL1C.xml``, ``MTD_MSIL2A.xml``, PSD-13 ``*_MTD_SAFL1C_*.xml``).

XML paths (../shared/docs/safe-format.md): ``General_Info/Product_Info/{PRODUCT_START_TIME,
PRODUCT_URI, PROCESSING_BASELINE, Datatake/SPACECRAFT_NAME, Product_Organisation/Granule_List}``,
``General_Info/Product_Image_Characteristics`` for the radiometry:
L1C ``QUANTIFICATION_VALUE`` and, from baseline 04.00, ``RADIO_ADD_OFFSET[@band_id]``;
L2A ``BOA_QUANTIFICATION_VALUE``, ``AOT_/WVP_QUANTIFICATION_VALUE`` and ``BOA_ADD_OFFSET[@band_id]``.
Reflectance = (DN + offset) / quantification (Sentinel-2 L1C/L2A product specification, PB 04.00).
L2A products of PSD 14.2 (ESA baselines 02.0x, Sen2Cor 2.4-2.5) prefix several names:
``L2A_Product_Info``, ``L2A_Product_Organisation``, ``IMAGE_FILE_2A`` / ``IMAGE_ID_2A``,
``PRODUCT_URI_2A``, ``L2A_Product_Image_Characteristics``, ``L2A_BOA_QUANTIFICATION_VALUE``.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from ..bands import BANDS, band_from_id
from ..errors import ProductError
from .xmlutil import (
    find, first_text, iter_named, local, parse_float, parse_int, parse_spacecraft,
    parse_utc, text_of,
)

_ROOT_RE = re.compile(r"^Level-(1C|2A)_User_Product$")
_BASELINE_IN_NAME_RE = re.compile(r"_N(\d{2})(\d{2})_")


@dataclass(frozen=True)
class GranuleEntry:
    """A ``Granule`` (compact) or ``Granules`` (PSD-13) element of the product metadata.

    ``image_files``: compact ``IMAGE_FILE`` paths relative to the product root, without
    extension; ``image_ids``: PSD-13 ``IMAGE_ID`` file stems (no folder, no extension).
    """

    granule_identifier: str
    datastrip_identifier: Optional[str]
    image_files: tuple[str, ...]
    image_ids: tuple[str, ...]


@dataclass(frozen=True)
class ProductMetadata:
    level: str
    spacecraft: str
    processing_baseline: str
    product_uri: Optional[str]
    sensing_start_utc: datetime
    relative_orbit: Optional[int]
    orbit_direction: Optional[str]
    quantification_value: float
    radiometric_offset: dict[str, float]
    aot_quantification_value: Optional[float]
    wvp_quantification_value: Optional[float]
    cloud_cover_pct: Optional[float]
    footprint_lonlat: Optional[tuple[tuple[float, float], ...]]
    granules: tuple[GranuleEntry, ...]


def _footprint(root: ET.Element) -> Optional[tuple[tuple[float, float], ...]]:
    """``Global_Footprint/EXT_POS_LIST`` ('lat lon lat lon ...') as (lon, lat) pairs."""
    text = first_text(root, "EXT_POS_LIST")
    if not text:
        return None
    try:
        values = [float(v) for v in text.split()]
    except ValueError:
        return None
    if len(values) < 6 or len(values) % 2:
        return None
    return tuple((values[i + 1], values[i]) for i in range(0, len(values), 2))


def _offsets(characteristics: Optional[ET.Element], tag: str, path: str) -> dict[str, float]:
    """``<tag band_id="0">-1000</tag>`` entries as band -> offset; every band 0 when absent."""
    offsets = {band: 0.0 for band in BANDS}
    if characteristics is None:
        return offsets
    for element in iter_named(characteristics, tag):
        band_id = element.get("band_id", element.get("bandId"))
        try:
            band = band_from_id(band_id if band_id is not None else "")
        except ValueError as exc:
            raise ProductError(path, f"{tag}: {exc}") from exc
        offsets[band] = parse_float(text_of(element), path, f"{tag}[{band_id}]")
    return offsets


def _quantification(characteristics: Optional[ET.Element], suffix: str) -> Optional[str]:
    """Text of the first element whose local name ends with ``suffix`` (L2A names vary:
    ``BOA_QUANTIFICATION_VALUE``, ``L2A_BOA_QUANTIFICATION_VALUE``)."""
    if characteristics is None:
        return None
    for element in characteristics.iter():
        if local(element.tag).endswith(suffix):
            return text_of(element)
    return None


def _texts(element: ET.Element, names: tuple[str, ...]) -> tuple[str, ...]:
    """Non-empty texts of the direct children whose local name is one of ``names``."""
    found = (text_of(node) for node in element if local(node.tag) in names)
    return tuple(text for text in found if text)


def parse_product_metadata(root: ET.Element, path: str) -> ProductMetadata:
    """Read a parsed product metadata document; ProductError for anything not Sentinel-2."""
    kind = local(root.tag)
    match = _ROOT_RE.match(kind)
    if not match:
        raise ProductError(
            path, f"not Sentinel-2 product metadata: root element is {kind!r}, expected "
            "Level-1C_User_Product or Level-2A_User_Product",
        )
    level = "L" + match.group(1)
    info = find(root, "General_Info", "Product_Info")
    if info is None:
        info = find(root, "General_Info", "L2A_Product_Info")
    if info is None:
        raise ProductError(path, "General_Info/Product_Info is missing")
    spacecraft = parse_spacecraft(text_of(find(info, "Datatake", "SPACECRAFT_NAME")), path,
                                  "Product_Info/Datatake/SPACECRAFT_NAME")
    product_uri = text_of(find(info, "PRODUCT_URI")) or text_of(find(info, "PRODUCT_URI_2A"))
    baseline = text_of(find(info, "PROCESSING_BASELINE"))
    if baseline is None and product_uri:
        found = _BASELINE_IN_NAME_RE.search(product_uri)
        baseline = f"{found.group(1)}.{found.group(2)}" if found else None
    if baseline is None:
        raise ProductError(path, "Product_Info/PROCESSING_BASELINE is missing")
    start = text_of(find(info, "PRODUCT_START_TIME"))
    if start is None:
        raise ProductError(path, "Product_Info/PRODUCT_START_TIME is missing")
    orbit = text_of(find(info, "Datatake", "SENSING_ORBIT_NUMBER"))

    characteristics = find(root, "General_Info", "Product_Image_Characteristics")
    if characteristics is None:
        characteristics = find(root, "General_Info", "L2A_Product_Image_Characteristics")
    if level == "L1C":
        quant_text = _quantification(characteristics, "QUANTIFICATION_VALUE")
        offsets = _offsets(characteristics, "RADIO_ADD_OFFSET", path)
        aot = wvp = None
    else:
        quant_text = _quantification(characteristics, "BOA_QUANTIFICATION_VALUE")
        offsets = _offsets(characteristics, "BOA_ADD_OFFSET", path)
        aot_text = _quantification(characteristics, "AOT_QUANTIFICATION_VALUE")
        wvp_text = _quantification(characteristics, "WVP_QUANTIFICATION_VALUE")
        aot = parse_float(aot_text, path, "AOT_QUANTIFICATION_VALUE") if aot_text else None
        wvp = parse_float(wvp_text, path, "WVP_QUANTIFICATION_VALUE") if wvp_text else None
    quantification = parse_float(quant_text, path, "QUANTIFICATION_VALUE")
    if quantification <= 0:
        raise ProductError(path, f"QUANTIFICATION_VALUE {quantification} is not positive")

    entries: list[GranuleEntry] = []
    # Compact products have one Granule_List; PSD-13 products write one Granule_List per granule
    # (a six-tile product has six, each with one Granules element): read them all.
    for granule_list in iter_named(info, "Granule_List"):
        for granule_el in granule_list.iter():
            if local(granule_el.tag) not in ("Granule", "Granules"):
                continue
            identifier = granule_el.get("granuleIdentifier")
            if not identifier:
                raise ProductError(path, "a Granule of Granule_List has no granuleIdentifier")
            entries.append(GranuleEntry(
                granule_identifier=identifier,
                datastrip_identifier=granule_el.get("datastripIdentifier"),
                image_files=_texts(granule_el, ("IMAGE_FILE", "IMAGE_FILE_2A")),
                image_ids=_texts(granule_el, ("IMAGE_ID", "IMAGE_ID_2A")),
            ))
    if not entries:
        raise ProductError(path, "Product_Organisation/Granule_List lists no granule")

    cloud = first_text(root, "Cloud_Coverage_Assessment")
    return ProductMetadata(
        level=level,
        spacecraft=spacecraft,
        processing_baseline=baseline,
        product_uri=product_uri,
        sensing_start_utc=parse_utc(start, path, "PRODUCT_START_TIME"),
        relative_orbit=parse_int(orbit, path, "SENSING_ORBIT_NUMBER") if orbit else None,
        orbit_direction=text_of(find(info, "Datatake", "SENSING_ORBIT_DIRECTION")),
        quantification_value=quantification,
        radiometric_offset=offsets,
        aot_quantification_value=aot,
        wvp_quantification_value=wvp,
        cloud_cover_pct=parse_float(cloud, path, "Cloud_Coverage_Assessment") if cloud else None,
        footprint_lonlat=_footprint(root),
        granules=tuple(entries),
    )
