"""Map layers of an opened product: its true-colour image and its detector footprints.

True colour: the product's TCI image when it has one; otherwise a VRT stacking B04, B03, B02,
written to the plugin's cache folder (never into the product); for a product lacking those (e.g.
a cropped one), its first band image in grey. The renderers get explicit reflectance ranges. QGIS
still computes statistics for its default renderer when it makes the layer, and GDAL would keep
them in an ``.aux.xml`` next to the user's images (through a VRT too): the layers are made with
GDAL's PAM switched off in this thread, so their datasets never write one.

Footprints: a memory layer, one multipolygon per detector, categorised in 12 distinct colours
(ColorBrewer "Paired", ordered so that neighbouring detectors differ in hue) and labelled with
the detector number.
"""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
from osgeo import gdal
from qgis.core import (
    QgsCategorizedSymbolRenderer, QgsContrastEnhancement, QgsCoordinateReferenceSystem,
    QgsFeature, QgsField, QgsFillSymbol, QgsGeometry, QgsMultiBandColorRenderer,
    QgsPalLayerSettings, QgsRasterLayer, QgsRendererCategory, QgsSingleBandGrayRenderer, QgsTextBufferSettings,
    QgsTextFormat, QgsVectorLayer, QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor

from ...core.delays import DelayInspector
from ...core.errors import ProductError
from ...core.gdal_io import no_sidecars
from ...qgis_support.compat import FIELD_TYPES
from ...qgis_support.i18n import tr
from .recognition import ProductRef, tag_layer

#: Fill colour of each detector 1..12.
DETECTOR_COLOURS = (
    "#1f78b4", "#ff7f00", "#33a02c", "#e31a1c", "#6a3d9a", "#b15928",
    "#a6cee3", "#fdbf6f", "#b2df8a", "#fb9a99", "#cab2d6", "#ffff99",
)
#: Top-of-atmosphere reflectance shown white in the B04/B03/B02 composite (as the TCI's 0.25
#: saturation, Sentinel-2 L1C product specification).
TRUE_COLOUR_MAX_REFLECTANCE = 0.25


# -- detector footprints ----------------------------------------------------------------------
def _polygon_wkb(rings) -> bytes:
    parts = [struct.pack("<BII", 1, 3, len(rings))]
    for ring in rings:
        coords = np.ascontiguousarray(np.asarray(ring, dtype=np.float64)[:, :2], dtype="<f8")
        parts.append(struct.pack("<I", coords.shape[0]))
        parts.append(coords.tobytes())
    return b"".join(parts)


def multipolygon_wkb(polygons) -> bytes:
    """WKB MultiPolygon of ``polygons`` (each a sequence of (N, 2) rings, exterior first)."""
    return struct.pack("<BII", 1, 6, len(polygons)) + b"".join(_polygon_wkb(r) for r in polygons)


def footprint_layer(inspector: DelayInspector, band: str) -> QgsVectorLayer:
    """A styled memory layer of ``band``'s detector footprints (ProductError if unknown)."""
    polygons = inspector.detector_footprints(band)
    if not polygons:
        raise ProductError(inspector.product.path,
                           tr("no detector footprints of {band} in this product").format(band=band))
    crs = QgsCoordinateReferenceSystem(f"EPSG:{inspector.epsg}")
    name = tr("Detectors {band} – {tile}").format(band=band, tile=inspector.tile_id)
    layer = QgsVectorLayer("MultiPolygon", name, "memory")
    layer.setCrs(crs)
    provider = layer.dataProvider()
    provider.addAttributes([QgsField("detector", FIELD_TYPES[int]),
                            QgsField("band", FIELD_TYPES[str])])
    layer.updateFields()
    by_detector: dict[int, list] = {}
    for detector, rings in polygons:
        by_detector.setdefault(detector, []).append(rings)
    features = []
    for detector in sorted(by_detector):
        geometry = QgsGeometry()
        geometry.fromWkb(multipolygon_wkb(by_detector[detector]))
        feature = QgsFeature(layer.fields())
        feature.setGeometry(geometry)
        feature.setAttributes([detector, band])
        features.append(feature)
    provider.addFeatures(features)
    layer.updateExtents()
    _style_footprints(layer)
    return layer


def _style_footprints(layer: QgsVectorLayer) -> None:
    categories = []
    for detector, colour in enumerate(DETECTOR_COLOURS, start=1):
        fill = QColor(colour)
        fill.setAlpha(70)
        symbol = QgsFillSymbol.createSimple({
            "color": f"{fill.red()},{fill.green()},{fill.blue()},{fill.alpha()}",
            "outline_color": colour, "outline_width": "0.5",
        })
        categories.append(QgsRendererCategory(detector, symbol,
                                              tr("Detector {n}").format(n=detector)))
    layer.setRenderer(QgsCategorizedSymbolRenderer("detector", categories))
    settings = QgsPalLayerSettings()
    settings.fieldName = "detector"
    text = QgsTextFormat()
    text.setSize(11)
    text.setColor(QColor("black"))
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setColor(QColor("white"))
    buffer.setSize(1.2)
    text.setBuffer(buffer)
    settings.setFormat(text)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


# -- true colour --------------------------------------------------------------------------------
def _raster_layer(path: str, name: str) -> QgsRasterLayer:
    """A GDAL raster layer whose datasets write no ``.aux.xml``; ProductError if unreadable."""
    with no_sidecars():
        layer = QgsRasterLayer(path, name, "gdal")
    if not layer.isValid():
        raise ProductError(path, tr("GDAL cannot read this image"))
    return layer


def true_colour_layer(inspector: DelayInspector, ref: ProductRef, cache_folder: str) -> QgsRasterLayer:
    """The product's TCI, or a B04/B03/B02 VRT in ``cache_folder``; ProductError if neither."""
    granule = inspector.product.granule
    name = tr("{product} – true colour").format(product=inspector.product.name)
    tci = granule.images.get(("TCI", 10))
    if tci is not None:
        layer = _raster_layer(tci, name)
        renderer = QgsMultiBandColorRenderer(layer.dataProvider(), 1, 2, 3)
        layer.setRenderer(renderer)  # 8-bit RGB shown as is: no statistics computed
    else:
        layer = _band_composite(inspector, name, cache_folder)
    tag_layer(layer, ref)
    return layer


def _single_band(inspector: DelayInspector, missing: list[str]) -> QgsRasterLayer:
    """The first band image the product has (e.g. a cropped product with B02 and B04 only),
    in grey over the same reflectance range as the composite."""
    product = inspector.product
    images = product.granule.images
    preferred = [b for b in ("B04", "B03", "B02", "B08") if (b, 10) in images]
    keys = [(b, 10) for b in preferred] or sorted(k for k in images if k[0].startswith("B"))
    if not keys:
        raise ProductError(product.path, tr("no TCI image and no {bands} image to show").format(
            bands=", ".join(missing)))
    band, resolution = keys[0]
    layer = _raster_layer(images[(band, resolution)],
                          tr("{product} – {band}").format(product=product.name, band=band))
    renderer = QgsSingleBandGrayRenderer(layer.dataProvider(), 1)
    renderer.setContrastEnhancement(_reflectance_stretch(product, band, layer))
    layer.setRenderer(renderer)
    return layer


def _reflectance_stretch(product, band: str, layer: QgsRasterLayer) -> QgsContrastEnhancement:
    """Stretch of TOA reflectance 0..TRUE_COLOUR_MAX_REFLECTANCE, in DN, set explicitly (no
    statistics): DN = reflectance * quantification - offset (offset -1000 from baseline 04.00)."""
    offset = product.radiometric_offset.get(band, 0.0)
    enhancement = QgsContrastEnhancement(layer.dataProvider().dataType(1))
    enhancement.setContrastEnhancementAlgorithm(
        QgsContrastEnhancement.ContrastEnhancementAlgorithm.StretchToMinimumMaximum)
    enhancement.setMinimumValue(-offset)
    enhancement.setMaximumValue(TRUE_COLOUR_MAX_REFLECTANCE * product.quantification_value - offset)
    return enhancement


def _band_composite(inspector: DelayInspector, name: str, cache_folder: str) -> QgsRasterLayer:
    product = inspector.product
    granule = product.granule
    missing = [b for b in ("B04", "B03", "B02") if (b, 10) not in granule.images]
    if missing:
        return _single_band(inspector, missing)
    folder = Path(cache_folder) / "delays"
    folder.mkdir(parents=True, exist_ok=True)
    vrt = folder / f"{product.name}_T{granule.tile_id}_B04B03B02.vrt"
    sources = [granule.images[(b, 10)] for b in ("B04", "B03", "B02")]
    gdal.ErrorReset()
    try:
        dataset = gdal.BuildVRT(str(vrt), sources, separate=True)
    except RuntimeError:  # when the host enabled gdal.UseExceptions()
        dataset = None
    # BuildVRT skips a source it cannot open: two bands would show B02 as green
    complete = dataset is not None and dataset.RasterCount == len(sources)
    dataset = None  # written on close
    if not complete:
        vrt.unlink(missing_ok=True)
        raise ProductError(sources[0], tr("GDAL cannot stack B04, B03, B02: {error}").format(
            error=gdal.GetLastErrorMsg()))
    layer = _raster_layer(str(vrt), name)
    renderer = QgsMultiBandColorRenderer(layer.dataProvider(), 1, 2, 3)
    enhancements = [_reflectance_stretch(product, band, layer) for band in ("B04", "B03", "B02")]
    renderer.setRedContrastEnhancement(enhancements[0])
    renderer.setGreenContrastEnhancement(enhancements[1])
    renderer.setBlueContrastEnhancement(enhancements[2])
    layer.setRenderer(renderer)
    return layer
