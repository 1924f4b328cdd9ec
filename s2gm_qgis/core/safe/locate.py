"""Find the Sentinel-2 product a path belongs to, without parsing any XML.

Accepted paths: a product folder (``*.SAFE``, or a folder holding only the metadata), a ``.zip``
of a product, any file or folder inside either (band image, ``MTD_TL.xml``, mask...), a GDAL
``/vsizip/`` path, a GDAL subdataset string (``SENTINEL2_L1C:/p/MTD_MSIL1C.xml:10m:EPSG_32748``)
and a QGIS layer source (``/p/MSK_DETFOO_B02.gml|layername=MaskFeature``).
File names of the layouts: ../shared/docs/safe-format.md (compact PSD-14 and old PSD-13).
"""
from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass
from typing import Optional

from ..errors import ProductError
from .model import Product
from .storage import split_vsizip

#: Product metadata: compact ``MTD_MSIL1C.xml`` / ``MTD_MSIL2A.xml``; PSD-13
#: ``S2A_OPER_MTD_SAFL1C_PDMC_<...>.xml`` (``S2A_USER_MTD_SAFL2A_...`` for Sen2Cor L2A).
PRODUCT_METADATA_RE = re.compile(
    r"^(MTD_MSIL(1C|2A)|S2[ABCD_]_[A-Z]{4}_MTD_SAFL(1C|2A)_.*)\.xml$", re.IGNORECASE
)
#: Tile metadata: compact ``MTD_TL.xml``; PSD-13 ``S2A_OPER_MTD_L1C_TL_<...>.xml``.
TILE_METADATA_RE = re.compile(r"^(MTD_TL|S2[ABCD_]_[A-Z]{4}_MTD_L(1C|2A)_TL_.*)\.xml$", re.IGNORECASE)
#: Datastrip metadata: compact ``MTD_DS.xml``; PSD-13 ``S2A_OPER_MTD_L1C_DS_<...>.xml``.
DATASTRIP_METADATA_RE = re.compile(
    r"^(MTD_DS|S2[ABCD_]_[A-Z]{4}_MTD_L(1C|2A)_DS_.*)\.xml$", re.IGNORECASE
)
#: The AWS tile layout (public Sentinel-2 buckets, ``tiles/<utm>/<band>/<square>/<y>/<m>/<d>/<n>/``):
#: ``tileInfo.json`` beside ``metadata.xml`` (the tile metadata, MTD_TL's schema) marks a tile.
AWS_TILE_INFO = "tileInfo.json"
AWS_TILE_METADATA = "metadata.xml"
_SUBDATASET_RE = re.compile(r"^SENTINEL2_L(?:1B|1C|2A)(?:_TILE)?:(.+)$", re.IGNORECASE)
#: How far above a file its product folder can be (GRANULE/<g>/IMG_DATA/R10m/<file>: 5 levels).
_MAX_DEPTH = 7


@dataclass(frozen=True)
class ProductLocation:
    """Where a product lies and which of its files the user pointed at.

    ``product_path``: the SAFE (or metadata) folder, or the zip. ``zip_path``: the zip or None.
    ``root``: the product folder on disk, or its member prefix inside the zip ("" at top level).
    ``metadata_name``: file name of the product metadata, in ``root`` (``tileInfo.json`` for a
    tile in the AWS layout).
    ``inner``: the path the user gave, relative to ``root`` ("" for the product itself).
    """

    product_path: str
    zip_path: Optional[str]
    root: str
    metadata_name: str
    inner: str


def source_path(source: str) -> str:
    """The file path inside a GDAL subdataset string or a QGIS layer source.

    'SENTINEL2_L1C:/p/MTD_MSIL1C.xml:10m:EPSG_32748' -> '/p/MTD_MSIL1C.xml';
    '/p/MSK_DETFOO_B02.gml|layername=MaskFeature' -> '/p/MSK_DETFOO_B02.gml'.
    """
    text = os.fspath(source).strip()
    text = text.split("|", 1)[0]
    match = _SUBDATASET_RE.match(text)
    if match:
        rest = match.group(1)
        if rest.startswith('"'):
            end = rest.find('"', 1)
            return rest[1:end] if end > 0 else rest[1:]
        cut = rest.lower().rfind(".xml")
        if cut >= 0:
            return rest[: cut + 4]
        return rest.split(":", 1)[0]
    return text


def gdal_subdataset(product: Product, resolution_m: int, epsg: Optional[int] = None) -> str:
    """GDAL SENTINEL2 driver subdataset of a product: all bands at one resolution in one UTM zone,
    e.g. 'SENTINEL2_L1C:/p/X.SAFE/MTD_MSIL1C.xml:10m:EPSG_32748' (the string GDAL lists itself).
    ``epsg`` defaults to the selected tile's."""
    if resolution_m not in (10, 20, 60):
        raise ValueError(f"resolution_m {resolution_m} is not 10, 20 or 60")
    code = epsg if epsg is not None else product.granule.epsg
    return f"SENTINEL2_{product.level}:{product.metadata_path}:{resolution_m}m:EPSG_{code}"


def _product_metadata_in(names: list[str]) -> Optional[str]:
    found = sorted(name for name in names if PRODUCT_METADATA_RE.match(name))
    # A compact name wins over anything else lying around (e.g. a copied PSD-13 file).
    found.sort(key=lambda name: not name.upper().startswith("MTD_MSI"))
    if found:
        return found[0]
    if AWS_TILE_INFO in names and AWS_TILE_METADATA in names:
        return AWS_TILE_INFO
    return None


def _locate_in_zip(zip_path: str, member: str) -> ProductLocation:
    try:
        with zipfile.ZipFile(zip_path) as archive:
            names = [name.rstrip("/") for name in archive.namelist()]
    except FileNotFoundError as exc:
        raise ProductError(zip_path, "file not found") from exc
    except (OSError, zipfile.BadZipFile) as exc:
        raise ProductError(zip_path, f"not a readable zip file ({exc})") from exc
    present = set(names)
    candidates = [
        name for name in names if PRODUCT_METADATA_RE.match(name.rsplit("/", 1)[-1])
    ]
    if not candidates:
        # An AWS tile: tileInfo.json with metadata.xml beside it.
        candidates = [
            name for name in names if name.rsplit("/", 1)[-1] == AWS_TILE_INFO
            and (name[: -len(AWS_TILE_INFO)] + AWS_TILE_METADATA) in present
        ]
    if not candidates:
        raise ProductError(
            zip_path,
            "not a Sentinel-2 product: the zip holds no product metadata "
            "(MTD_MSIL1C.xml, MTD_MSIL2A.xml, a PSD-13 *_MTD_SAFL1C_*.xml, or an AWS tile's "
            "tileInfo.json with metadata.xml)",
        )
    member = member.strip("/")
    # Several products in one zip: take the one the member lies in; else the shallowest.
    candidates.sort(key=lambda name: (name.count("/"), name))
    chosen = candidates[0]
    for name in candidates:
        root = name.rsplit("/", 1)[0] if "/" in name else ""
        if member and root and (member == root or member.startswith(root + "/")):
            chosen = name
            break
    root, _, metadata_name = chosen.rpartition("/")
    if member and root:
        if member == root:
            inner = ""
        elif member.startswith(root + "/"):
            inner = member[len(root) + 1:]
        else:
            raise ProductError(
                f"/vsizip/{zip_path}/{member}", f"not inside the product {root} of the zip"
            )
    else:
        inner = member
    return ProductLocation(
        product_path=zip_path, zip_path=zip_path, root=root, metadata_name=metadata_name,
        inner=inner,
    )


def _locate_on_disk(path: str) -> ProductLocation:
    absolute = os.path.abspath(path)
    if not os.path.exists(absolute):
        raise ProductError(path, "file not found")
    folder = absolute if os.path.isdir(absolute) else os.path.dirname(absolute)
    for _ in range(_MAX_DEPTH):
        try:
            names = os.listdir(folder)
        except OSError as exc:
            raise ProductError(folder, f"cannot be listed ({exc.strerror or exc})") from exc
        metadata_name = _product_metadata_in(names)
        if metadata_name is not None:
            inner = os.path.relpath(absolute, folder).replace(os.sep, "/")
            return ProductLocation(
                product_path=folder, zip_path=None, root=folder, metadata_name=metadata_name,
                inner="" if inner == "." else inner,
            )
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    raise ProductError(
        path,
        "not a Sentinel-2 product: no product metadata (MTD_MSIL1C.xml, MTD_MSIL2A.xml, a "
        "PSD-13 *_MTD_SAFL1C_*.xml, or an AWS tile's tileInfo.json with metadata.xml) in it or "
        "in the folders above it",
    )


def locate_product(path: str | os.PathLike) -> ProductLocation:
    """Where the product of ``path`` lies; ProductError when ``path`` is not in a product."""
    text = source_path(os.fspath(path))
    split = split_vsizip(text)
    if split is not None:
        return _locate_in_zip(os.path.abspath(split[0]), split[1])
    if text.lower().endswith(".zip") and os.path.isfile(text):
        return _locate_in_zip(os.path.abspath(text), "")
    return _locate_on_disk(text)


def product_path_of(path: str | os.PathLike) -> Optional[str]:
    """The product folder or zip that a file, folder or GDAL source string belongs to, or None.

    Cheap: it lists folders (or a zip's central directory) but parses no XML.
    """
    try:
        return locate_product(path).product_path
    except (ProductError, OSError, ValueError):
        return None


def is_sentinel2_product(path: str | os.PathLike) -> bool:
    """True when ``path`` (file, folder, zip, /vsizip/ path, GDAL subdataset string or QGIS
    layer source) is, or lies inside, a Sentinel-2 product."""
    return product_path_of(path) is not None
