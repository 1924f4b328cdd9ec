"""Which map layers show an L1C product: those the plugin loaded (tagged with a custom
property), and any raster layer whose source lies inside an L1C product however it was loaded (a
band JP2, a ``/vsizip/`` path, a GDAL ``SENTINEL2_L1C:`` subdataset, ``MTD_MSIL1C.xml``).

Finding the product lists folders or a zip's directory, so the answer is cached per layer id
and source: the hover tool asks on every mouse move.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from qgis.core import QgsMapLayer, QgsMapLayerType

from ...core.errors import ProductError
from ...core.safe.locate import locate_product

#: Custom property holding the product path on layers the plugin adds.
PRODUCT_PROPERTY = "s2gm_qgis/l1c_product"
#: Level-1C product metadata: compact MTD_MSIL1C.xml or a PSD-13 *_MTD_SAFL1C_*.xml.
_L1C_METADATA = re.compile(r"^(MTD_MSIL1C|S2[ABCD_]_[A-Z]{4}_MTD_SAFL1C_.*)\.xml$", re.IGNORECASE)
_GRANULE = re.compile(r"^GRANULE/([^/]+)(/|$)")


@dataclass(frozen=True)
class ProductRef:
    """An L1C product a layer shows: ``path`` (SAFE folder or zip) and, when the layer's file
    lies inside a granule folder, that folder's name (which tile of a multi-tile product)."""

    path: str
    granule_folder: Optional[str] = None


def l1c_product_of(source: str) -> Optional[ProductRef]:
    """The L1C product a file, folder or GDAL source string lies in; None for anything else
    (another level, not a product, unreadable)."""
    try:
        location = locate_product(source)
    except (ProductError, OSError, ValueError):
        return None
    if not _L1C_METADATA.match(location.metadata_name):
        return None
    match = _GRANULE.match(location.inner)
    return ProductRef(location.product_path, match.group(1) if match else None)


class LayerRecognizer:
    """``product_of(layer)`` with a cache keyed by layer id and source."""

    def __init__(self):
        self._cache: dict[tuple[str, str], Optional[ProductRef]] = {}

    def product_of(self, layer: QgsMapLayer) -> Optional[ProductRef]:
        if layer is None or layer.type() != QgsMapLayerType.RasterLayer:
            return None
        tagged = layer.customProperty(PRODUCT_PROPERTY)
        if tagged:
            granule = layer.customProperty(PRODUCT_PROPERTY + "_granule") or None
            return ProductRef(str(tagged), str(granule) if granule else None)
        key = (layer.id(), layer.source())
        if key not in self._cache:
            self._cache[key] = l1c_product_of(layer.source())
        return self._cache[key]

    def forget(self, layer_ids) -> None:
        """Drop cached answers of removed layers."""
        gone = set(layer_ids)
        for key in [k for k in self._cache if k[0] in gone]:
            del self._cache[key]


def tag_layer(layer: QgsMapLayer, ref: ProductRef) -> None:
    """Mark a layer the plugin made (e.g. a VRT in the cache folder) as showing ``ref``."""
    layer.setCustomProperty(PRODUCT_PROPERTY, ref.path)
    if ref.granule_folder:
        layer.setCustomProperty(PRODUCT_PROPERTY + "_granule", ref.granule_folder)
