"""A STAC item of a Sentinel-2 L2A product as the reader's :class:`Product` and :class:`Granule`.

The asset conventions understood (checked on the real items in ../shared/data/stac-items):

* Earth Search v1 / stactools-sentinel2: ``coastal`` (B01), ``blue`` (B02), ``green``, ``red``,
  ``rededge1..3`` (B05-B07), ``nir`` (B08), ``nir08`` (B8A), ``nir09`` (B09), ``swir16``
  (B11), ``swir22`` (B12), ``scl``, ``aot``, ``wvp``, ``cloud`` (cloud probability, MSK_CLDPRB),
  ``snow`` (MSK_SNWPRB), each with ``_10m`` / ``_20m`` / ``_60m`` variants, and
  ``granule_metadata`` (MTD_TL.xml: tile geometry and the angle grids).
* Copernicus Data Space Ecosystem: ``B04_10m``, ``SCL_20m``, ``AOT_60m``, ... (band or layer
  name and resolution) and ``granule_metadata``; hrefs on ``s3://eodata/``.
* Earth Search v0: ``B01``..``B12``, ``SCL``, ``AOT``, ``WVP`` at their native resolution.

The resolution of an asset is its own ``proj:transform`` pixel size, else its raster:bands
``spatial_resolution``, else its ``gsd``, else the key's suffix, else the band's native one.

**Reflectance (harmonisation rule).** reflectance = (DN + offset) / quantification with
quantification = 1 / raster:bands ``scale`` (10000) and the offset decided per item:

1. Processing baseline before 04.00 (products sensed before 25 January 2022 and not
   reprocessed): offset 0. ESA added BOA_ADD_OFFSET = -1000 from baseline 04.00 on, so an
   offset of -0.1 written in such an item's raster:bands is wrong and ignored.
2. Earth Search ``sentinel-2-l2a`` (the first COG pipeline) with
   ``earthsearch:boa_offset_applied: true``: Element 84 already added the offset to the DN of
   the COGs, so offset 0 even though raster:bands still says -0.1 (Element84/earth-search
   issue 9: "boa_offset_applied is the truth").
3. Otherwise the item's raster:bands ``offset`` (-0.1 -> -1000 DN), or, without one, -1000 for
   baseline 04.00 and later, 0 before (``sentinel-2-c1-l2a``, CDSE, other APIs: ESA's DN).

Known limit (Element84/earth-search issues 66, 71): some ``sentinel-2-l2a`` items say
``boa_offset_applied: false`` although their COGs were shifted; nothing in such an item tells
them apart, so they are read by rule 3 (reflectance 0.1 too low). ``sentinel-2-c1-l2a`` has no
such items: prefer it (the default).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Optional
from urllib.parse import urljoin, urlparse

from ...bands import NATIVE_RESOLUTION_M
from ...errors import ProductError
from ...safe.model import Granule, GridGeometry, Product, TileAngles
from ...safe.tile_metadata import parse_tile_metadata
from ...safe.xmlutil import parse_xml
from .layers import AOT, CLOUD_PROBABILITY, SCL, SNOW_PROBABILITY

EARTH_SEARCH_KEYS = {
    "coastal": "B01", "blue": "B02", "green": "B03", "red": "B04", "rededge1": "B05",
    "rededge2": "B06", "rededge3": "B07", "nir": "B08", "nir08": "B8A", "nir09": "B09",
    "swir16": "B11", "swir22": "B12", "scl": SCL, "aot": AOT, "wvp": "WVP",
    "cloud": CLOUD_PROBABILITY, "snow": SNOW_PROBABILITY,
}
_LAYER_KEY = re.compile(r"^(B0[1-9]|B1[0-2]|B8A|SCL|AOT|WVP|MSK_CLDPRB|MSK_SNWPRB)(?:_(\d{2})m)?$",
                        re.IGNORECASE)
_ES_KEY = re.compile(r"^([a-z0-9]+?)(?:_(\d{2})m)?$")
_MASK_LAYERS = (CLOUD_PROBABILITY, SNOW_PROBABILITY)
#: ESA's BOA_ADD_OFFSET from processing baseline 04.00 on (DN).
BOA_ADD_OFFSET_DN = -1000.0
DEFAULT_QUANTIFICATION = 10000.0


def asset_layer(key: str) -> Optional[tuple[str, Optional[int]]]:
    """(layer, resolution from the key or None) of an asset key, or None for other assets."""
    match = _LAYER_KEY.match(key)
    if match:
        return match.group(1).upper(), int(match.group(2)) if match.group(2) else None
    match = _ES_KEY.match(key)
    if match and match.group(1) in EARTH_SEARCH_KEYS:
        return EARTH_SEARCH_KEYS[match.group(1)], int(match.group(2)) if match.group(2) else None
    return None


def gdal_path(href: str) -> str:
    """The GDAL path of an asset href: ``/vsicurl/`` for HTTP(S), ``/vsis3/`` for s3://."""
    parsed = urlparse(href)
    if parsed.scheme in ("http", "https"):
        return "/vsicurl/" + href
    if parsed.scheme == "s3":
        return f"/vsis3/{parsed.netloc}{parsed.path}"
    if parsed.scheme in ("", "file"):
        return parsed.path
    raise ValueError(f"unsupported asset href scheme {parsed.scheme!r}: {href}")


def _resolution(asset: Mapping[str, Any], from_key: Optional[int], layer: str) -> Optional[int]:
    transform = asset.get("proj:transform")
    if isinstance(transform, (list, tuple)) and transform and transform[0]:
        return int(round(abs(float(transform[0]))))
    bands = asset.get("raster:bands") or ()
    if bands and isinstance(bands[0], Mapping) and bands[0].get("spatial_resolution"):
        return int(round(float(bands[0]["spatial_resolution"])))
    if asset.get("gsd"):
        return int(round(float(asset["gsd"])))
    if from_key:
        return from_key
    return NATIVE_RESOLUTION_M.get(layer, 20)


def _baseline(properties: Mapping[str, Any], product_id: str) -> Optional[float]:
    value = properties.get("s2:processing_baseline") or properties.get(
        "sentinel:processing_baseline") or properties.get("processing:version")
    if value is None:
        match = re.search(r"_N(\d{2})(\d{2})_", product_id)
        value = f"{match.group(1)}.{match.group(2)}" if match else None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def reflectance_offset(properties: Mapping[str, Any], collection: str,
                       raster_offset: Optional[float], quantification: float,
                       product_id: str = "") -> float:
    """The offset (DN) of the harmonisation rule of this module's docstring."""
    baseline = _baseline(properties, product_id)
    if baseline is not None and baseline < 4.0:
        return 0.0
    applied = properties.get("earthsearch:boa_offset_applied",
                             properties.get("sentinel:boa_offset_applied"))
    if collection == "sentinel-2-l2a" and applied is True and (
            "earthsearch:boa_offset_applied" in properties
            or "sentinel:boa_offset_applied" in properties):
        return 0.0
    if raster_offset is not None:
        return round(float(raster_offset) * quantification, 6)
    return BOA_ADD_OFFSET_DN if baseline is not None or _after_2022(properties) else 0.0


def _after_2022(properties: Mapping[str, Any]) -> bool:
    text = str(properties.get("datetime") or "")
    return text[:10] >= "2022-01-25"


def _utc(text: str, where: str) -> datetime:
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise ProductError(where, f"properties.datetime {text!r} is not an ISO 8601 time") from None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(
        timezone.utc)


def _tile(properties: Mapping[str, Any], item_id: str) -> Optional[str]:
    code = str(properties.get("grid:code") or "")
    if code.upper().startswith("MGRS-"):
        return code[5:].upper()
    if properties.get("s2:mgrs_tile"):
        return str(properties["s2:mgrs_tile"]).upper().lstrip("T")
    zone = properties.get("mgrs:utm_zone", properties.get("sentinel:utm_zone"))
    band = properties.get("mgrs:latitude_band", properties.get("sentinel:latitude_band"))
    square = properties.get("mgrs:grid_square", properties.get("sentinel:grid_square"))
    if zone and band and square:
        return f"{int(zone):02d}{band}{square}".upper()
    match = re.search(r"_T(\d{2}[A-Z]{3})_", str(properties.get("s2:tile_id") or "")) or \
        re.search(r"(?:^|_)T?(\d{2}[A-Z]{3})(?:_|$)", item_id)
    return match.group(1) if match else None


def _epsg(item: Mapping[str, Any], assets: Mapping[str, Any]) -> Optional[int]:
    for holder in (item.get("properties", {}), *assets.values()):
        if not isinstance(holder, Mapping):
            continue
        if holder.get("proj:epsg"):
            return int(holder["proj:epsg"])
        code = str(holder.get("proj:code") or "")
        if code.upper().startswith("EPSG:"):
            return int(code[5:])
    return None


def _spacecraft(properties: Mapping[str, Any], product_id: str) -> str:
    platform = str(properties.get("platform") or "").lower()
    match = re.fullmatch(r"sentinel-?2([a-d])", platform)
    if match:
        return f"S2{match.group(1).upper()}"
    match = re.match(r"S2[A-D]", product_id)
    return match.group(0) if match else "S2?"


def _relative_orbit(properties: Mapping[str, Any], product_id: str) -> Optional[int]:
    for key in ("sat:relative_orbit", "s2:relative_orbit", "sentinel:relative_orbit"):
        if properties.get(key) is not None:
            return int(properties[key])
    match = re.search(r"_R(\d{3})_", product_id)
    return int(match.group(1)) if match else None


def item_href(item: Mapping[str, Any], fallback: str) -> str:
    for link in item.get("links", ()):
        if isinstance(link, Mapping) and link.get("rel") == "self" and link.get("href"):
            return str(link["href"])
    return fallback


def item_granule(item: Mapping[str, Any], collection: str, api_url: str,
                 read_bytes: Callable[[str], bytes]) -> tuple[Product, Granule, frozenset]:
    """The product, its granule, and the layers it does not have that read as no data
    (cloud / snow probability on catalogues that publish none, e.g. CDSE).

    ``read_bytes(href)`` fetches the ``granule_metadata`` asset (MTD_TL.xml). Raises
    ProductError naming the item and the field at fault.
    """
    item_id = str(item.get("id") or "")
    where = item_href(item, f"{api_url}/collections/{collection}/items/{item_id}")
    properties = item.get("properties")
    assets = item.get("assets")
    if not isinstance(properties, Mapping) or not isinstance(assets, Mapping):
        raise ProductError(where, "not a STAC item: 'properties' or 'assets' is missing")
    product_type = str(properties.get("s2:product_type") or properties.get("product:type") or "")
    if product_type and product_type not in ("S2MSI2A", "S2MSI2Ap"):
        raise ProductError(where, f"s2:product_type is {product_type}; mosaics need L2A"
                                  " (S2MSI2A)")
    product_id = re.sub(r"\.SAFE$", "", str(properties.get("s2:product_uri") or item_id))
    if "datetime" not in properties or properties["datetime"] is None:
        raise ProductError(where, "properties.datetime is missing")
    sensing = _utc(properties["datetime"], where)

    images: dict[tuple[str, int], str] = {}
    masks: dict[tuple[str, Optional[str]], str] = {}
    scales: dict[str, tuple[Optional[float], Optional[float]]] = {}
    grids: dict[int, GridGeometry] = {}
    for key, asset in assets.items():
        if not isinstance(asset, Mapping) or not asset.get("href"):
            continue
        found = asset_layer(key)
        if found is None:
            continue
        layer, key_res = found
        resolution = _resolution(asset, key_res, layer)
        href = urljoin(where, str(asset["href"]))
        try:
            path = gdal_path(href)
        except ValueError as exc:
            raise ProductError(where, f"assets.{key}: {exc}") from None
        if layer in _MASK_LAYERS:
            masks[(layer, f"{resolution}m")] = path
        else:
            images[(layer, resolution)] = path
        bands = asset.get("raster:bands") or ()
        if bands and isinstance(bands[0], Mapping):
            scales.setdefault(layer, (bands[0].get("scale"), bands[0].get("offset")))
        transform, shape = asset.get("proj:transform"), asset.get("proj:shape")
        if (resolution not in grids and isinstance(transform, (list, tuple)) and len(transform) >= 6
                and isinstance(shape, (list, tuple)) and len(shape) == 2):
            grids[resolution] = GridGeometry(resolution, float(transform[2]), float(transform[5]),
                                             float(transform[0]), float(transform[4]),
                                             int(shape[0]), int(shape[1]))
    if (SCL, 20) not in images and not any(name == SCL for name, _ in images):
        raise ProductError(where, "the item has no scene classification asset (scl / SCL_20m);"
                                  " mosaics need it")

    tile = _tile(properties, item_id)
    epsg = _epsg(item, assets)
    angles: Optional[TileAngles] = None
    metadata_path = where
    metadata = assets.get("granule_metadata")
    if isinstance(metadata, Mapping) and metadata.get("href"):
        href = urljoin(where, str(metadata["href"]))
        root = parse_xml(read_bytes(href), href, "tile metadata")
        tile_md = parse_tile_metadata(root, href, fallback_tile=tile)
        tile, epsg, angles, metadata_path = tile_md.tile_id, tile_md.epsg, tile_md.angles, href
        grids = {**grids, **tile_md.grids}
    else:
        angles = _mean_angles(properties)
    if tile is None:
        raise ProductError(where, "no MGRS tile in grid:code, mgrs:* or s2:tile_id")
    if epsg is None:
        raise ProductError(where, "no CRS: proj:epsg / proj:code missing and no granule_metadata")
    if not grids:
        raise ProductError(where, "no grid: the assets have no proj:transform/proj:shape and"
                                  " there is no granule_metadata")

    reflectance_scale = next((s for layer, (s, _) in scales.items()
                              if layer.startswith("B") and s), None)
    # round(): 1 / 0.0001 and -0.1 / 0.0001 are not exact in binary floating point
    quantification = (round(1.0 / float(reflectance_scale), 6) if reflectance_scale
                      else DEFAULT_QUANTIFICATION)
    offsets = {}
    for (layer, _res) in images:
        if layer.startswith("B"):
            raster_offset = scales.get(layer, (None, None))[1]
            offsets[layer] = reflectance_offset(properties, collection, raster_offset,
                                                quantification, product_id)
    aot_scale = scales.get(AOT, (None, None))[0]
    wvp_scale = scales.get("WVP", (None, None))[0]
    granule = Granule(
        granule_id=str(properties.get("s2:tile_id") or item_id), tile_id=tile, epsg=epsg,
        sensing_time_utc=sensing, datastrip_id=properties.get("s2:datastrip_id"),
        metadata_path=metadata_path, grids=grids, images=images, masks=masks, angles=angles)
    product = Product(
        path=where, root=where, name=product_id, level="L2A",
        spacecraft=_spacecraft(properties, product_id),
        processing_baseline=str(properties.get("s2:processing_baseline") or ""),
        sensing_start_utc=sensing, relative_orbit=_relative_orbit(properties, product_id),
        metadata_path=where, quantification_value=quantification, radiometric_offset=offsets,
        aot_quantification_value=round(1.0 / float(aot_scale), 6) if aot_scale else 1000.0,
        wvp_quantification_value=round(1.0 / float(wvp_scale), 6) if wvp_scale else 1000.0,
        cloud_cover_pct=_float(properties.get("eo:cloud_cover")), granules=(granule,),
        datastrip_path=None)
    absent = frozenset(layer for layer in _MASK_LAYERS
                       if not any(kind == layer for kind, _ in masks))
    return product, granule, absent


def _float(value) -> Optional[float]:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _mean_angles(properties: Mapping[str, Any]) -> Optional[TileAngles]:
    """Uniform angles from the view extension when the item has no granule metadata."""
    incidence = _float(properties.get("view:incidence_angle"))
    elevation = _float(properties.get("view:sun_elevation"))
    if incidence is None and elevation is None:
        return None
    azimuth = _float(properties.get("view:azimuth"))
    return TileAngles(
        sun=None, viewing={},
        mean_sun_zenith_deg=None if elevation is None else 90.0 - elevation,
        mean_sun_azimuth_deg=_float(properties.get("view:sun_azimuth")),
        mean_viewing_deg={} if incidence is None else {
            "B04": (incidence, azimuth if azimuth is not None else float("nan"))})
