"""Sentinel-2 SAFE product reader: compact (PSD-14) and old multi-tile (PSD-13) L1C/L2A, from a
folder, a zip (read in place) or any file inside one. Pure Python: no GDAL call, no writes.

Public API::

    open_product(path, tile=None) -> Product
    read_datastrip(path) -> Datastrip         # MTD_DS.xml, streamed, cached per path+mtime
    product_datastrip(product) -> Datastrip | None
    is_sentinel2_product(path) -> bool        # cheap, no XML parsed
    product_path_of(path) -> str | None       # the product folder or zip a path belongs to
    source_path(source) -> str                # file path of a GDAL subdataset / QGIS source
    gdal_subdataset(product, resolution_m, epsg=None) -> str   # SENTINEL2_L1C:...:10m:EPSG_x
    vsizip_path(zip_path, member) / split_vsizip(path)         # GDAL /vsizip/ paths
    read_tile_angles(granule) -> TileAngles | None

Angles are parsed eagerly by ``open_product`` (about 25 ms per real tile), so
``read_tile_angles`` just returns ``granule.angles``.
"""
from __future__ import annotations

from typing import Optional

from .datastrip import product_datastrip, read_datastrip
from .locate import gdal_subdataset, is_sentinel2_product, product_path_of, source_path
from .model import (
    AngleGrid, BandTimeStamp, Datastrip, GpsEphemeris, Granule, GridGeometry, Product, TileAngles,
)
from .reader import open_product
from .storage import split_vsizip, vsizip_path


def read_tile_angles(granule: Granule) -> Optional[TileAngles]:
    """Sun and viewing angle grids of a tile; None when its metadata has none.

    Parsed eagerly with the tile metadata (cheap), so this is ``granule.angles``.
    """
    return granule.angles


__all__ = [
    "AngleGrid", "BandTimeStamp", "Datastrip", "GpsEphemeris", "Granule", "GridGeometry",
    "gdal_subdataset",
    "Product", "TileAngles", "is_sentinel2_product", "open_product", "product_datastrip",
    "product_path_of", "read_datastrip", "read_tile_angles", "source_path", "split_vsizip",
    "vsizip_path",
]
