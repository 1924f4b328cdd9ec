"""``open_product``: a Sentinel-2 L1C/L2A product (folder or zip, compact or PSD-13) as a Product.

Only metadata is read (product and tile XML, folder or zip listings); no raster is opened, GDAL
is not called and nothing is written anywhere. Image and mask names come from the metadata
(``IMAGE_FILE`` / ``IMAGE_ID`` / ``MASK_FILENAME``) and are resolved against the files actually
present, whatever their extension (.jp2 and .tif both occur). Listed files that are absent are
reported in ``Granule.missing_images`` / ``missing_masks`` instead of failing.
"""
from __future__ import annotations

import os
import posixpath
import re
from typing import Optional

from ..bands import NATIVE_RESOLUTION_M
from ..errors import ProductError
from .locate import AWS_TILE_INFO, DATASTRIP_METADATA_RE, TILE_METADATA_RE, locate_product
from .model import Granule, Product
from .product_metadata import GranuleEntry, ProductMetadata, parse_product_metadata
from .storage import ProductFiles
from .tile_metadata import MaskEntry, TileMetadata, parse_tile_metadata, tile_code
from .xmlutil import parse_xml

#: Layer and resolution at the end of an image name: ..._B8A, ..._TCI, ..._SCL_20m, ..._B02_10m.
_IMAGE_LAYER_RE = re.compile(r"(?:^|_)(B\d{2}|B8A|TCI|AOT|WVP|SCL|PVI)(?:_(\d{2})m)?$")
_RESOLUTION_IN_NAME_RE = re.compile(r"_(\d{2})m(?:$|\.)")
#: A Sentinel-2 product name: S2A_MSIL1C_..., S2B_OPER_PRD_MSIL1C_PDMC_...
_PRODUCT_NAME_RE = re.compile(r"^S2[ABCD_]_", re.IGNORECASE)
#: When the same stem exists with several extensions, the SAFE format's own comes first.
_EXTENSION_PREFERENCE = (".jp2", ".tif", ".tiff", ".gml")


class _Listing:
    """Folder listings of a product, cached: names are resolved against what is present."""

    def __init__(self, files: ProductFiles):
        self.files = files
        self._cache: dict[str, list[str]] = {}

    def names(self, folder: str) -> list[str]:
        if folder not in self._cache:
            self._cache[folder] = self.files.list_dir(folder)
        return self._cache[folder]

    def resolve(self, rel: str) -> Optional[str]:
        """The present file for a listed path: itself, or a file with the same stem and any
        extension (IMAGE_FILE carries none; some producers write .tif for .jp2)."""
        folder, _, name = rel.rpartition("/")
        names = self.names(folder)
        if name in names and not self.files.is_dir(rel):
            return rel
        stem = name.rsplit(".", 1)[0] if "." in name else name
        matches = [n for n in names if n.rsplit(".", 1)[0] == stem and n != stem and "." in n]
        if not matches:
            return None
        matches.sort(key=lambda n: (
            _EXTENSION_PREFERENCE.index(ext) if (ext := os.path.splitext(n)[1].lower())
            in _EXTENSION_PREFERENCE else len(_EXTENSION_PREFERENCE), n))
        return f"{folder}/{matches[0]}" if folder else matches[0]


def _image_layer(stem: str) -> Optional[tuple[str, int]]:
    """'T48LWP_20210713T032051_B01' -> ('B01', 60); 'T01KAB_..._SCL_20m' -> ('SCL', 20)."""
    match = _IMAGE_LAYER_RE.search(stem)
    if not match:
        return None
    layer, resolution = match.group(1), match.group(2)
    if resolution:
        return layer, int(resolution)
    if layer in NATIVE_RESOLUTION_M:
        return layer, NATIVE_RESOLUTION_M[layer]
    return layer, 10  # TCI/PVI of L1C: TCI is 10 m; the name carries no resolution


def _granule_folder(entry: GranuleEntry, listing: _Listing) -> Optional[str]:
    """Folder of a granule relative to the product root, None when it is not in the product."""
    candidates = []
    for image in entry.image_files:
        parts = image.replace("\\", "/").split("/")
        if len(parts) >= 3 and parts[0] == "GRANULE":
            candidates.append("GRANULE/" + parts[1])
    candidates.append("GRANULE/" + entry.granule_identifier)
    granule_names = listing.names("GRANULE")
    for candidate in candidates:
        if candidate.split("/", 1)[1] in granule_names:
            return candidate
    # Granule folder renamed by some tool: accept the only folder of the same tile.
    code = tile_code(entry.granule_identifier)
    if code:
        same_tile = [n for n in granule_names if tile_code(n) == code]
        if len(same_tile) == 1:
            return "GRANULE/" + same_tile[0]
    return None


def _tile_metadata_name(folder: str, listing: _Listing) -> Optional[str]:
    names = [n for n in listing.names(folder) if TILE_METADATA_RE.match(n)]
    names.sort(key=lambda n: n != "MTD_TL.xml")
    return names[0] if names else None


def _mask_key(entry: MaskEntry) -> Optional[str]:
    """Band for per-band masks, '20m' for L2A probability masks, None for whole-tile masks."""
    if entry.band:
        return entry.band
    match = _RESOLUTION_IN_NAME_RE.search(posixpath.basename(entry.filename))
    return f"{match.group(1)}m" if match else None


def _resolve_mask(filename: str, granule_folder: Optional[str], listing: _Listing
                  ) -> tuple[Optional[str], str]:
    """(present relative path or None, the path to report). Compact products give the path from
    the product root; PSD-13 gives a bare name in the granule's QI_DATA."""
    clean = filename.replace("\\", "/").lstrip("/")
    candidates = [clean]
    if granule_folder:
        candidates += [
            f"{granule_folder}/{clean}",
            f"{granule_folder}/QI_DATA/{posixpath.basename(clean)}",
        ]
    for candidate in candidates:
        found = listing.resolve(candidate)
        if found:
            return found, found
    return None, candidates[-1] if "/" not in clean else clean


def _datastrip(metadata_ids: list[Optional[str]], listing: _Listing
               ) -> tuple[Optional[str], Optional[str]]:
    """(datastrip metadata path relative to root, problem) for the product's datastrip."""
    folders = [n for n in listing.names("DATASTRIP") if listing.files.is_dir(f"DATASTRIP/{n}")]
    if not folders:
        if listing.files.is_dir("DATASTRIP"):
            return None, "the DATASTRIP folder holds no datastrip metadata (MTD_DS.xml absent)"
        return None, "the product has no DATASTRIP folder (datastrip metadata MTD_DS.xml absent)"
    # ``metadata_ids`` come in order of preference (the selected tile's first): a PSD-13 product
    # may hold tiles of several datastrips.
    chosen = next(
        (
            folder
            for identifier in metadata_ids if identifier
            for folder in folders
            # Compact: DS_VGS4_20210713T054224_S20210713T032054 inside the identifier
            # S2A_OPER_MSI_L1C_DS_VGS4_20210713T054224_S20210713T032054_N03.01; PSD-13: equal.
            if (folder[3:] if folder.startswith("DS_") else folder) in identifier
        ),
        folders[0],
    )
    names = [n for n in listing.names(f"DATASTRIP/{chosen}") if DATASTRIP_METADATA_RE.match(n)]
    if not names:
        return None, f"DATASTRIP/{chosen} holds no datastrip metadata (MTD_DS.xml)"
    rel = f"DATASTRIP/{chosen}/{names[0]}"
    size = listing.files.size(rel)
    if not size:
        return rel, f"{names[0]} is empty (0 bytes)"
    return rel, None


def _read_granule(entry: GranuleEntry, files: ProductFiles, listing: _Listing,
                  metadata_name: str) -> tuple[Granule, Optional[str]]:
    folder = _granule_folder(entry, listing)
    if folder is not None:
        tile_name = _tile_metadata_name(folder, listing)
        if tile_name is None:
            raise ProductError(files.gdal_path(folder),
                               "granule folder holds no tile metadata (MTD_TL.xml)")
        tile_rel = f"{folder}/{tile_name}"
    else:
        # A folder holding only the metadata (no GRANULE tree): the tile metadata lies beside
        # the product metadata. Only unambiguous for a single-tile product.
        tile_name = _tile_metadata_name("", listing)
        if tile_name is None:
            raise ProductError(
                files.gdal_path("GRANULE"),
                f"granule {entry.granule_identifier} of {metadata_name} is not in the product "
                "and no tile metadata (MTD_TL.xml) lies beside the product metadata",
            )
        tile_rel = tile_name
    tile_path = files.gdal_path(tile_rel)
    root = parse_xml(files.read_bytes(tile_rel), tile_path, "tile metadata")
    fallback_tile = tile_code(folder or "") or tile_code(entry.granule_identifier)
    tile: TileMetadata = parse_tile_metadata(root, tile_path, fallback_tile=fallback_tile)

    images: dict[tuple[str, int], str] = {}
    missing_images: dict[tuple[str, int], str] = {}
    references = list(entry.image_files)
    if entry.image_ids:
        # PSD-13: IMAGE_ID is a bare stem in the granule's IMG_DATA (R10m/... for L2A).
        base = f"{folder}/IMG_DATA" if folder else "IMG_DATA"
        subfolders = [n for n in listing.names(base) if re.fullmatch(r"R\d{2}m", n)]
        for image_id in entry.image_ids:
            found = _image_layer(image_id)
            sub = f"R{found[1]:02d}m" if found and f"R{found[1]:02d}m" in subfolders else None
            references.append(f"{base}/{sub}/{image_id}" if sub else f"{base}/{image_id}")
    for reference in references:
        stem = posixpath.basename(reference.replace("\\", "/"))
        if stem.lower().endswith((".jp2", ".tif", ".tiff")):
            stem = stem.rsplit(".", 1)[0]
        layer = _image_layer(stem)
        if layer is None or layer[0] == "PVI":
            continue
        present = listing.resolve(reference.replace("\\", "/"))
        if present is not None:
            images[layer] = files.gdal_path(present)
        else:
            missing_images[layer] = files.gdal_path(reference)

    masks: dict[tuple[str, Optional[str]], str] = {}
    missing_masks: dict[tuple[str, Optional[str]], str] = {}
    for mask in tile.masks:
        key = (mask.mask_type, _mask_key(mask))
        present, reported = _resolve_mask(mask.filename, folder, listing)
        if present is not None:
            masks[key] = files.gdal_path(present)
        else:
            missing_masks[key] = files.gdal_path(reported)

    granule = Granule(
        granule_id=entry.granule_identifier,
        tile_id=tile.tile_id,
        epsg=tile.epsg,
        sensing_time_utc=tile.sensing_time_utc,
        datastrip_id=tile.datastrip_id or entry.datastrip_identifier,
        metadata_path=tile_path,
        grids=tile.grids,
        images=images,
        masks=masks,
        angles=tile.angles,
        missing_images=missing_images,
        missing_masks=missing_masks,
    )
    return granule, folder


def _select(granules: list[Granule], folders: list[Optional[str]], inner: str,
            tile: Optional[str], product_path: str) -> tuple[int, Optional[str]]:
    """(index, how) of the tile asked for by ``tile`` ("tile") or by the path inside a granule
    ("path"), else (0, None)."""
    by_path = None
    for index, folder in enumerate(folders):
        if folder and (inner == folder or inner.startswith(folder + "/")):
            by_path = index
            break
    if tile is None:
        return (by_path, "path") if by_path is not None else (0, None)
    wanted = tile.strip().upper()
    wanted = wanted[1:] if len(wanted) == 6 and wanted.startswith("T") else wanted
    matches = [i for i, g in enumerate(granules) if g.tile_id == wanted]
    if not matches:
        available = ", ".join(sorted({g.tile_id for g in granules}))
        raise ProductError(product_path,
                           f"tile {tile!r} is not in the product (tiles: {available})")
    if by_path is not None and by_path not in matches:
        raise ProductError(
            product_path, f"the path given lies in tile {granules[by_path].tile_id}, not {wanted}"
        )
    return (by_path, "path") if by_path is not None else (matches[0], "tile")


def _product_name(metadata: ProductMetadata, files: ProductFiles, location_path: str) -> str:
    # PSD-13 products from the PDMC hub carry an order id there (PRODUCT_URI
    # "791_2016-09-05T10_37" in a real N02.04 product), not the product name: the folder's wins.
    if metadata.product_uri and _PRODUCT_NAME_RE.match(metadata.product_uri):
        return re.sub(r"\.SAFE$", "", metadata.product_uri, flags=re.IGNORECASE)
    base = posixpath.basename(files.root) if files.root else os.path.basename(location_path)
    return re.sub(r"\.(SAFE|zip)$", "", base, flags=re.IGNORECASE)


def open_product(path: str | os.PathLike, tile: Optional[str] = None) -> Product:
    """Open a Sentinel-2 L1C/L2A product from its folder, its zip or any file inside it: SAFE
    (compact or PSD-13) or a tile in the AWS layout (``aws_tile.py``).

    ``tile`` ("48LWP" or "T48LWP") selects the granule of a multi-tile product; a path inside a
    granule selects that granule too. Raises ProductError naming the file at fault when the path
    is not a Sentinel-2 product or its metadata is missing, empty or malformed. A missing or
    empty datastrip is not an error: ``datastrip_problem`` says why it is unusable.
    """
    location = locate_product(path)
    if location.metadata_name == AWS_TILE_INFO:
        from .aws_tile import open_aws_tile  # it builds on this module's helpers

        return open_aws_tile(location, tile)
    with ProductFiles(location.root, location.zip_path) as files:
        listing = _Listing(files)
        metadata_path = files.gdal_path(location.metadata_name)
        root = parse_xml(files.read_bytes(location.metadata_name), metadata_path,
                         "product metadata")
        metadata = parse_product_metadata(root, metadata_path)
        granules: list[Granule] = []
        folders: list[Optional[str]] = []
        for entry in metadata.granules:
            granule, folder = _read_granule(entry, files, listing, location.metadata_name)
            granules.append(granule)
            folders.append(folder)
        selected, selected_by = _select(granules, folders, location.inner, tile,
                                        location.product_path)
        datastrip_ids = [granules[selected].datastrip_id,
                         metadata.granules[selected].datastrip_identifier]
        datastrip_ids += [g.datastrip_id for g in granules]
        datastrip_rel, problem = _datastrip(datastrip_ids, listing)
        return Product(
            path=location.product_path,
            root=files.gdal_path(""),
            name=_product_name(metadata, files, location.product_path),
            level=metadata.level,
            spacecraft=metadata.spacecraft,
            processing_baseline=metadata.processing_baseline,
            sensing_start_utc=metadata.sensing_start_utc,
            relative_orbit=metadata.relative_orbit,
            metadata_path=metadata_path,
            quantification_value=metadata.quantification_value,
            radiometric_offset=metadata.radiometric_offset,
            aot_quantification_value=metadata.aot_quantification_value,
            wvp_quantification_value=metadata.wvp_quantification_value,
            cloud_cover_pct=metadata.cloud_cover_pct,
            granules=tuple(granules),
            datastrip_path=files.gdal_path(datastrip_rel) if datastrip_rel else None,
            datastrip_problem=problem,
            selected_granule=selected,
            selected_by=selected_by,
            footprint_lonlat=metadata.footprint_lonlat,
            orbit_direction=metadata.orbit_direction,
            layout="compact" if location.metadata_name.upper().startswith("MTD_MSI") else "psd13",
        )
