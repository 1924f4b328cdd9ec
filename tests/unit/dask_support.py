"""Synthetic archives and orders for the Dask engine's tests and benchmark.

``four_tile_archive``: three dates of four Sentinel-2 tiles whose written windows lie at the far
corners of a 2 x 2 block of tiles (32TPM, 32TQM, 32TPL, 32TQL); an AOI of four small squares
inside them is cut into four output grids (32TPL and 32TPM in their own zone, 33TTF and 33TTG
east of 12 E, reprojected from zone 32), one per tile: a multi-tile order."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from osgeo import gdal, osr

from s2gm_qgis.core.safe import open_product
from tests.synthetic import make_l2a_series

DATES = ("2024-06-03T10:36:29", "2024-06-08T10:36:29", "2024-06-13T10:36:29")
#: tile -> where its window lies: (rows, cols) at the tile's top / left (0) or far edge (1).
FOUR_TILES = {"32TPM": (0, 0), "32TQM": (0, 1), "32TPL": (1, 0), "32TQL": (1, 1)}
#: Four tiles inside zone 32 (no grid reprojected): what the benchmark uses, with windows large
#: enough that a reprojected one would reach a second zone-33 square.
INTERIOR_TILES = {"32TNM": (0, 0), "32TPM": (0, 1), "32TNL": (1, 0), "32TPL": (1, 1)}
#: The far edge of a window, 10 m pixels from the tile's corner: inside the tile's own 100 km
#: MGRS square (its first 4 px belong to the square north of it), so a window is in one grid.
_FAR_EDGE_10M = 9900


def lonlat_ring(product, inset_m: float = 200.0) -> list[list[float]]:
    """The product's written window, ``inset_m`` inside, as a closed lon/lat ring."""
    granule = open_product(product).granule
    xmin, ymin, xmax, ymax = granule.grids[10].bounds_m
    src, dst = osr.SpatialReference(), osr.SpatialReference()
    src.ImportFromEPSG(granule.epsg)
    dst.ImportFromEPSG(4326)
    dst.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to_lonlat = osr.CoordinateTransformation(src, dst)
    x0, x1, y0, y1 = xmin + inset_m, xmax - inset_m, ymin + inset_m, ymax - inset_m
    ring = [list(to_lonlat.TransformPoint(x, y)[:2])
            for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
    return ring + ring[:1]


def four_tile_archive(folder: Path, size_10m: int = 120, tiles=FOUR_TILES) -> dict:
    """Write the archive (if not there) and return the AOI (GeoJSON MultiPolygon)."""
    polygons = []
    far = min(9000, _FAR_EDGE_10M - size_10m)
    for tile, (row, col) in tiles.items():
        products = sorted(folder.glob(f"*_T{tile}_*")) or make_l2a_series(
            folder, DATES, tile=tile, size_10m=size_10m, fmt="tif",
            offset_10m=(row * far, col * far))
        polygons.append([lonlat_ring(products[0])])
    return {"type": "MultiPolygon", "coordinates": polygons}


def one_tile_archive(folder: Path, size_10m: int = 1140) -> dict:
    """Three dates of one larger window (32TQM): a grid cut into several groups of blocks."""
    products = sorted(folder.glob("*_T32TQM_*")) or make_l2a_series(
        folder, DATES, tile="32TQM", size_10m=size_10m, fmt="tif")
    return {"type": "Polygon", "coordinates": [lonlat_ring(products[0])]}


def assert_same_rasters(first, second) -> int:
    """Every raster of two MosaicResults is equal pixel for pixel (and in geolocation); returns
    how many were compared."""
    assert set(first.files) == set(second.files)
    compared = 0
    for layer, paths in first.files.items():
        assert len(paths) == len(second.files[layer])
        for a, b in zip(paths, second.files[layer]):
            assert Path(a).name == Path(b).name
            da, db = gdal.Open(str(a)), gdal.Open(str(b))
            assert da.GetGeoTransform() == db.GetGeoTransform(), (layer, a)
            assert np.array_equal(da.ReadAsArray(), db.ReadAsArray()), (layer, a)
            compared += 1
    return compared
