"""A Sentinel-2 tile in the AWS layout (the public L1C and L2A buckets, folder or zip) as a Product.

The layout (one folder per tile and date, ``tiles/<utm>/<band>/<square>/<y>/<m>/<d>/<n>/``):
``tileInfo.json`` (tile and product names, datastrip id, data footprint, cloud cover),
``metadata.xml`` (the tile metadata, MTD_TL.xml's schema), ``productInfo.json``, the L1C bands
at the top (``B01.jp2`` ... ``B12.jp2``, ``B8A.jp2``, ``TCI.jp2``) or, for L2A, in ``R10m/``,
``R20m/``, ``R60m/`` (``B02.jp2``, ``SCL.jp2``, ``AOT.jp2``...), the masks in ``qi/`` under the
base names MTD_TL lists (``MSK_DETFOO_B02.gml`` / ``.jp2``; the L2A probabilities also as
``CLD_20m.jp2`` / ``SNW_20m.jp2``), and a ``datastrip/`` folder when the datastrip was
downloaded with the tile (``datastrip/metadata.xml``, or ``datastrip/<n>/metadata.xml`` as in
the bucket's ``products/.../datastrip/<n>/``). Checked on the real tileInfo.json and
metadata.xml of ../shared/data/aws-layout (stactools-packages/sentinel2 test data).

The product metadata (MTD_MSIL1C.xml) is not part of a tile folder, so what it would say is
derived: spacecraft, processing baseline and relative orbit from the product name in
tileInfo.json (``S2A_MSIL1C_20181231T185801_N0207_R113_T10SDG_...``) or from TILE_ID; the
quantification values (10000 for L1C and L2A reflectance, 1000 for AOT and WVP) and the
radiometric offset (-1000 from baseline 04.00 on, 0 before) are the fixed values of the product
specification (PB 04.00 note), as every baseline writes them.
"""
from __future__ import annotations

import json
import posixpath
import re
from datetime import datetime, timezone
from typing import Optional

from ..bands import BANDS, NATIVE_RESOLUTION_M, spacecraft_code
from ..errors import ProductError
from .locate import AWS_TILE_METADATA, DATASTRIP_METADATA_RE, ProductLocation
from .model import Granule, Product
from .reader import _Listing
from .storage import ProductFiles
from .tile_metadata import parse_tile_metadata
from .xmlutil import local, parse_xml

_PRODUCT_NAME_RE = re.compile(
    r"^(S2[ABCD])_MSIL(1C|2A)_(\d{8}T\d{6})_N(\d{2})(\d{2})_R(\d{3})_T(\d{2}[A-Z]{3})_")
_TILE_ID_RE = re.compile(r"^(S2[ABCD])_[A-Z]{4}_MSI_L(1C|2A)_.*_N(\d{2})\.(\d{2})$")
_RASTER_EXTENSIONS = (".jp2", ".tif", ".tiff")
_L2A_LAYERS = BANDS + ("TCI", "AOT", "WVP", "SCL")
#: The AWS L2A bucket's names of the probability masks MTD_TL lists as MSK_CLDPRB / MSK_SNWPRB.
_AWS_MASK_ALIASES = {"MSK_CLDPRB": "CLD", "MSK_SNWPRB": "SNW"}
QUANTIFICATION = 10000.0
AOT_WVP_QUANTIFICATION = 1000.0
OFFSET_FROM_04_00 = -1000.0


def _read_json(files: ProductFiles, rel: str) -> dict:
    path = files.gdal_path(rel)
    try:
        value = json.loads(files.read_bytes(rel).decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ProductError(path, f"not UTF-8 text ({exc})") from None
    except json.JSONDecodeError as exc:
        raise ProductError(path, f"not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ProductError(path, f"expected a JSON object, found {type(value).__name__}")
    return value


def _lonlat_ring(geometry, path: str) -> Optional[tuple[tuple[float, float], ...]]:
    """tileDataGeometry (a UTM polygon naming its CRS) as a lon/lat ring, None if unusable."""
    if not isinstance(geometry, dict) or geometry.get("type") != "Polygon":
        return None
    try:
        ring = geometry["coordinates"][0]
        name = geometry["crs"]["properties"]["name"]
        epsg = int(re.search(r"(\d{4,6})\s*$", name).group(1))
    except (KeyError, IndexError, TypeError, AttributeError, ValueError):
        return None
    import pyproj  # the reader stays light for callers that never need a footprint

    transformer = pyproj.Transformer.from_crs(epsg, 4326, always_xy=True)
    xs = [float(point[0]) for point in ring]
    ys = [float(point[1]) for point in ring]
    lons, lats = transformer.transform(xs, ys)
    return tuple(zip((float(v) for v in lons), (float(v) for v in lats)))


def _images(listing: _Listing, files: ProductFiles) -> dict[tuple[str, int], str]:
    """L1C bands at the tile folder's top (native resolution); L2A layers in R10m/R20m/R60m."""
    images: dict[tuple[str, int], str] = {}
    for name in listing.names(""):
        stem, ext = posixpath.splitext(name)
        if ext.lower() in _RASTER_EXTENSIONS and stem in NATIVE_RESOLUTION_M:
            images.setdefault((stem, NATIVE_RESOLUTION_M[stem]), files.gdal_path(name))
        elif ext.lower() in _RASTER_EXTENSIONS and stem == "TCI":
            images.setdefault(("TCI", 10), files.gdal_path(name))
    for resolution in (10, 20, 60):
        folder = f"R{resolution:02d}m"
        for name in listing.names(folder):
            stem, ext = posixpath.splitext(name)
            # Some copies keep the SAFE suffix: B02_10m.jp2.
            stem = re.sub(rf"_{resolution:02d}m$", "", stem)
            if ext.lower() in _RASTER_EXTENSIONS and stem in _L2A_LAYERS:
                images.setdefault((stem, resolution), files.gdal_path(f"{folder}/{name}"))
    return images


def _mask_candidates(mask_type: str, filename: str) -> list[str]:
    base = posixpath.basename(filename.replace("\\", "/"))
    candidates = [f"qi/{base}", base]
    alias = _AWS_MASK_ALIASES.get(mask_type)
    if alias:
        found = re.search(r"_(\d{2}m)", base)
        if found:
            candidates.append(f"qi/{alias}_{found.group(1)}")
    return candidates


def _datastrip(listing: _Listing, files: ProductFiles) -> tuple[Optional[str], Optional[str]]:
    """(datastrip metadata path relative to the tile folder, problem)."""
    if not files.is_dir("datastrip"):
        return None, ("the AWS tile has no datastrip/ folder (the datastrip metadata is "
                      "downloaded separately from products/.../datastrip/)")
    folders = [""] + [n for n in listing.names("datastrip") if files.is_dir(f"datastrip/{n}")]
    for folder in folders:
        base = f"datastrip/{folder}".rstrip("/")
        names = [n for n in listing.names(base)
                 if n == AWS_TILE_METADATA or DATASTRIP_METADATA_RE.match(n)]
        if names:
            rel = f"{base}/{sorted(names)[0]}"
            if not files.size(rel):
                return rel, f"{sorted(names)[0]} is empty (0 bytes)"
            return rel, None
    return None, "the datastrip/ folder holds no datastrip metadata (metadata.xml or MTD_DS.xml)"


def open_aws_tile(location: ProductLocation, tile: Optional[str]) -> Product:
    """The tile of ``location`` (its ``metadata_name`` is tileInfo.json) as a one-granule
    Product whose ``layout`` is "aws"."""
    with ProductFiles(location.root, location.zip_path) as files:
        listing = _Listing(files)
        info = _read_json(files, location.metadata_name)
        info_path = files.gdal_path(location.metadata_name)
        tile_path = files.gdal_path(AWS_TILE_METADATA)
        root = parse_xml(files.read_bytes(AWS_TILE_METADATA), tile_path, "tile metadata")
        kind = local(root.tag)
        level = {"Level-1C_Tile_ID": "L1C", "Level-2A_Tile_ID": "L2A"}.get(kind)
        if level is None:
            raise ProductError(tile_path, f"not Sentinel-2 tile metadata: root element is "
                                          f"{kind!r}, expected Level-1C_Tile_ID or "
                                          "Level-2A_Tile_ID")
        zone = str(info.get("utmZone", ""))
        fallback = (f"{int(zone):02d}{info.get('latitudeBand', '')}{info.get('gridSquare', '')}"
                    if zone.isdigit() else None)
        metadata = parse_tile_metadata(root, tile_path, fallback_tile=fallback)
        if fallback and len(fallback) == 5 and fallback != metadata.tile_id:
            raise ProductError(info_path, f"names tile {fallback}, but {AWS_TILE_METADATA} is "
                                          f"of tile {metadata.tile_id}")
        if tile is not None:
            wanted = tile.strip().upper()
            wanted = wanted[1:] if len(wanted) == 6 and wanted.startswith("T") else wanted
            if wanted != metadata.tile_id:
                raise ProductError(location.product_path, f"tile {tile!r} is not in the product "
                                                          f"(tiles: {metadata.tile_id})")

        product_info = {}
        if files.size("productInfo.json"):
            product_info = _read_json(files, "productInfo.json")
        name = str(info.get("productName") or product_info.get("name") or "")
        name_match = _PRODUCT_NAME_RE.match(name)
        id_match = _TILE_ID_RE.match(metadata.granule_identifier or "")
        if name_match:
            spacecraft, baseline = name_match.group(1), f"{name_match.group(4)}.{name_match.group(5)}"
            relative_orbit: Optional[int] = int(name_match.group(6))
            start = datetime.strptime(name_match.group(3), "%Y%m%dT%H%M%S").replace(
                tzinfo=timezone.utc)
        elif id_match:
            spacecraft, baseline = id_match.group(1), f"{id_match.group(3)}.{id_match.group(4)}"
            relative_orbit, start = None, metadata.sensing_time_utc
        else:
            raise ProductError(info_path, f"productName {name!r} and TILE_ID "
                                          f"{metadata.granule_identifier!r} name no spacecraft "
                                          "and processing baseline (expected S2A_MSIL1C_<date>_"
                                          "N<baseline>_R<orbit>_T<tile>_...)")
        spacecraft = spacecraft_code(spacecraft)
        offset = OFFSET_FROM_04_00 if baseline >= "04.00" else 0.0

        images = _images(listing, files)
        masks: dict[tuple[str, Optional[str]], str] = {}
        missing_masks: dict[tuple[str, Optional[str]], str] = {}
        for mask in metadata.masks:
            key = (mask.mask_type, mask.band or (
                m.group(1) + "m" if (m := re.search(r"_(\d{2})m(?:$|\.)",
                                                     posixpath.basename(mask.filename))) else None))
            candidates = _mask_candidates(mask.mask_type, mask.filename)
            present = next((found for c in candidates if (found := listing.resolve(c))), None)
            if present is not None:
                masks[key] = files.gdal_path(present)
            else:
                missing_masks[key] = files.gdal_path(candidates[0])

        datastrip_rel, problem = _datastrip(listing, files)
        cloud = info.get("cloudyPixelPercentage")
        granule = Granule(
            granule_id=metadata.granule_identifier or f"T{metadata.tile_id}",
            tile_id=metadata.tile_id,
            epsg=metadata.epsg,
            sensing_time_utc=metadata.sensing_time_utc,
            datastrip_id=metadata.datastrip_id or (info.get("datastrip") or {}).get("id"),
            metadata_path=tile_path,
            grids=metadata.grids,
            images=images,
            masks=masks,
            angles=metadata.angles,
            footprint_lonlat=_lonlat_ring(info.get("tileDataGeometry"), info_path),
            missing_images={},
            missing_masks=missing_masks,
        )
        return Product(
            path=location.product_path,
            root=files.gdal_path(""),
            name=name or posixpath.basename(location.product_path.rstrip("/")),
            level=level,
            spacecraft=spacecraft,
            processing_baseline=baseline,
            sensing_start_utc=start,
            relative_orbit=relative_orbit,
            metadata_path=tile_path,
            quantification_value=QUANTIFICATION,
            radiometric_offset={band: offset for band in BANDS},
            aot_quantification_value=AOT_WVP_QUANTIFICATION if level == "L2A" else None,
            wvp_quantification_value=AOT_WVP_QUANTIFICATION if level == "L2A" else None,
            cloud_cover_pct=float(cloud) if isinstance(cloud, (int, float)) else None,
            granules=(granule,),
            datastrip_path=files.gdal_path(datastrip_rel) if datastrip_rel else None,
            datastrip_problem=problem,
            selected_granule=0,
            selected_by="tile" if tile is not None else None,
            footprint_lonlat=granule.footprint_lonlat,
            orbit_direction=None,
            layout="aws",
        )
