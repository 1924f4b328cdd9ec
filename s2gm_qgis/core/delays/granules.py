"""The granule a point lies in, so that a point anywhere in a multi-tile (PSD-13) product is read
in its own tile, with that tile's metadata, detector footprints and datastrip.

A path inside a granule (its metadata XML, a band image, a mask, the granule folder) or a tile
asked for by name selects that granule whatever the point (``Product.selected_by``); otherwise
the point chooses. Neighbouring MGRS tiles overlap by about 10 km: there the tile in which the
point lies deepest wins (the same ground seen by the same detectors of the same datatake either
way, so the readout differs only in the tile named).
"""
from __future__ import annotations

from typing import Callable, Optional

import pyproj

from ..safe import open_product
from ..safe.model import Product
from .inspector import DelayInspector, _epsg_of_crs, _validate_selection

Progress = Callable[[float, str], None]


def granule_index_at(product: Product, x: float, y: float, crs=None,
                     transformers: Optional[dict] = None) -> Optional[int]:
    """Index in ``product.granules`` of the granule whose grid holds (x, y), None if none does.

    ``crs`` ('EPSG:4326', 4326, a pyproj CRS) is that of x, y; None means each granule's own CRS.
    ``transformers`` (a dict kept by the caller) keeps the pyproj transformers between calls: a
    batch of points would otherwise build one per point and granule (about a millisecond each).
    """
    return _deepest(product.granules, x, y, crs, {} if transformers is None else transformers)


def _deepest(granules, x: float, y: float, crs, cache: dict) -> Optional[int]:
    """Index in ``granules`` of the one holding (x, y) farthest from its edges, None if none."""
    source = None if crs is None else _epsg_of_crs(crs)
    best, best_depth = None, -1.0
    for index, granule in enumerate(granules):
        tx, ty = x, y
        if source is not None and source != granule.epsg:
            transformer = cache.get((source, granule.epsg))
            if transformer is None:
                transformer = pyproj.Transformer.from_crs(source, granule.epsg, always_xy=True)
                cache[(source, granule.epsg)] = transformer
            tx, ty = transformer.transform(x, y)
        grid = min(granule.grids.values(), key=lambda g: g.resolution_m)
        xmin, ymin, xmax, ymax = grid.bounds_m
        depth = min(tx - xmin, xmax - tx, ty - ymin, ymax - ty)
        if depth >= 0 and depth > best_depth:
            best, best_depth = index, depth
    return best


class GranuleInspectors:
    """One :class:`DelayInspector` per granule of a product, opened when a point first needs it.

    ``inspector_at(x, y, crs)`` is the inspector of the granule the point lies in (see the module
    docstring); a point outside every granule gets the selected (first) granule's, whose readout
    then says the point is outside the tile.
    """

    def __init__(self, path, tile: Optional[str] = None, *, ephemeris: str = "tile-centre",
                 progress: Optional[Progress] = None):
        self.ephemeris = _validate_selection(ephemeris)
        self.progress = progress
        self.path = path
        self.tile = tile
        self.product = open_product(path, tile)
        self._inspectors: dict[int, DelayInspector] = {}
        self._transformers: dict = {}

    def index_at(self, x: float, y: float, crs=None) -> int:
        """Index of the granule that reads (x, y)."""
        product = self.product
        if len(product.granules) == 1 or product.selected_by is not None:
            return product.selected_granule
        found = granule_index_at(product, float(x), float(y), crs, self._transformers)
        return product.selected_granule if found is None else found

    def index_containing(self, x: float, y: float, crs=None) -> Optional[int]:
        """Like :meth:`index_at`, but None when (x, y) lies outside the granule(s) that may read
        it: outside every granule, or outside the one selected by path or tile name."""
        product = self.product
        if len(product.granules) == 1 or product.selected_by is not None:
            selected = product.selected_granule
            inside = _deepest(product.granules[selected:selected + 1], float(x), float(y), crs,
                              self._transformers)
            return None if inside is None else selected
        return granule_index_at(product, float(x), float(y), crs, self._transformers)

    @property
    def readable_tiles(self) -> list[str]:
        """Tile ids a point may be read in (the selected one, or every granule's)."""
        product = self.product
        if len(product.granules) == 1 or product.selected_by is not None:
            return [product.granules[product.selected_granule].tile_id]
        return [granule.tile_id for granule in product.granules]

    def inspector_at(self, x: float, y: float, crs=None) -> DelayInspector:
        return self.inspector(self.index_at(x, y, crs))

    def inspector(self, index: int) -> DelayInspector:
        """The inspector of granule ``index`` (opened on first use)."""
        inspector = self._inspectors.get(index)
        if inspector is None:
            if index == self.product.selected_granule:
                inspector = DelayInspector.open(self.path, self.tile, ephemeris=self.ephemeris,
                                                progress=self.progress)
            else:
                # The product by name and the granule by its tile: the datastrip chosen is then
                # that granule's (a PSD-13 product may hold tiles of several datastrips).
                inspector = DelayInspector.open(self.product.path,
                                                self.product.granules[index].tile_id,
                                                ephemeris=self.ephemeris, progress=self.progress)
            self._inspectors[index] = inspector
        return inspector
