"""Loading a finished mosaic into the project: a layer group named after the order with the
true-colour composite on top and the quality layers below, each with a style and a legend.

Styles:

* true colour: B04/B03/B02 with one stretch for the three bands (so colours keep their balance),
  from reflectance 0 to the 98th percentile of the brightest band, clamped to 0.12-0.5 (water
  scenes stay readable, deserts and snow do not burn out); QGIS applies the files' scale, so
  values are reflectance;
* scene classification: the Sen2Cor colours of the SCL classes (ESA L2A product specification,
  as in the SCL quick-looks of L2A products and SNAP);
* valid_obs: a Viridis ramp, one class per count; source_index: one colour per source product
  from a Spectral ramp, labelled with its sensing date, spacecraft and tile;
* the other quality layers: continuous ramps from their statistics (probabilities 0-100 %).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

from osgeo import gdal
from qgis.core import (
    QgsColorRampShader,
    QgsContrastEnhancement,
    QgsGradientColorRamp,
    QgsLayerTreeGroup,
    QgsMultiBandColorRenderer,
    QgsPalettedRasterRenderer,
    QgsProject,
    QgsRasterBandStats,
    QgsRasterLayer,
    QgsRasterShader,
    QgsSingleBandPseudoColorRenderer,
    QgsStyle,
)
from qgis.PyQt.QtGui import QColor

from ...core.errors import S2GMError
from ...core.mosaic.layers import LAYERS, REFLECTANCE, TRUE_COLOUR
from ..i18n import tr
from .options import layer_label

#: Custom property of a layer group holding the id of the order it shows.
ORDER_PROPERTY = "s2gm_qgis/order_id"
#: Custom property of a layer holding the mosaic layer name it shows.
LAYER_PROPERTY = "s2gm_qgis/layer"
TRUE_COLOUR_KEY = "true_colour"

#: Sen2Cor scene classification colours (class -> RGB).
SCL_COLOURS: Mapping[int, tuple[int, int, int]] = {
    0: (0, 0, 0), 1: (255, 0, 0), 2: (47, 47, 47), 3: (100, 50, 0), 4: (0, 160, 0),
    5: (255, 230, 90), 6: (0, 0, 255), 7: (128, 128, 128), 8: (192, 192, 192),
    9: (255, 255, 255), 10: (100, 200, 255), 11: (255, 150, 255),
}
#: Reflectance stretch of the true colour: percentile and clamp of the upper end.
STRETCH_PERCENTILE = 0.98
STRETCH_MAX_RANGE = (0.12, 0.5)
STRETCH_FALLBACK_MAX = 0.3
#: valid_obs counts up to this get one exact class each; above, an interpolated ramp.
EXACT_COUNT_CLASSES = 16


def scl_labels() -> dict[int, str]:
    return {
        0: tr("No data"), 1: tr("Saturated or defective"), 2: tr("Dark area pixels"),
        3: tr("Cloud shadows"), 4: tr("Vegetation"), 5: tr("Not vegetated"), 6: tr("Water"),
        7: tr("Unclassified"), 8: tr("Cloud, medium probability"),
        9: tr("Cloud, high probability"), 10: tr("Thin cirrus"), 11: tr("Snow or ice"),
    }


# ----------------------------------------------------------------------------------- ramps

def _ramp(name: str, fallback: tuple[str, str]) -> QgsGradientColorRamp:
    """A ramp of the QGIS default style, or a two-colour gradient when the style lacks it."""
    ramp = QgsStyle.defaultStyle().colorRamp(name)
    if ramp is None:
        ramp = QgsGradientColorRamp(QColor(fallback[0]), QColor(fallback[1]))
    return ramp


def _colour_at(ramp, fraction: float) -> QColor:
    return ramp.color(min(1.0, max(0.0, fraction)))


# ----------------------------------------------------------------------------------- styles

def _band_max(layer: QgsRasterLayer, band: int) -> Optional[float]:
    stats = layer.dataProvider().bandStatistics(band, QgsRasterBandStats.Stats.Max)
    return None if stats.elementCount == 0 and stats.maximumValue == 0 else stats.maximumValue


def reflectance_stretch_max(layer: QgsRasterLayer, bands: Iterable[int] = (1, 2, 3)) -> float:
    """The upper end of the common true-colour stretch (see the module docstring)."""
    provider = layer.dataProvider()
    highs = []
    for band in bands:
        _low, high = provider.cumulativeCut(band, 0.0, STRETCH_PERCENTILE, layer.extent(),
                                            250_000)
        if high == high and high > 0:  # not NaN
            highs.append(high)
    if not highs:
        return STRETCH_FALLBACK_MAX
    return min(STRETCH_MAX_RANGE[1], max(STRETCH_MAX_RANGE[0], max(highs)))


def style_true_colour(layer: QgsRasterLayer) -> None:
    renderer = QgsMultiBandColorRenderer(layer.dataProvider(), 1, 2, 3)
    top = reflectance_stretch_max(layer)
    for band, setter in ((1, renderer.setRedContrastEnhancement),
                         (2, renderer.setGreenContrastEnhancement),
                         (3, renderer.setBlueContrastEnhancement)):
        enhancement = QgsContrastEnhancement(layer.dataProvider().dataType(band))
        enhancement.setContrastEnhancementAlgorithm(
            QgsContrastEnhancement.ContrastEnhancementAlgorithm.StretchToMinimumMaximum)
        enhancement.setMinimumValue(0.0)
        enhancement.setMaximumValue(top)
        setter(enhancement)
    layer.setRenderer(renderer)


def style_scene_classification(layer: QgsRasterLayer) -> None:
    labels = scl_labels()
    classes = [QgsPalettedRasterRenderer.Class(code, QColor(*SCL_COLOURS[code]),
                                               f"{code} {labels[code]}")
               for code in range(1, 12)]  # 0 is the files' no data
    layer.setRenderer(QgsPalettedRasterRenderer(layer.dataProvider(), 1, classes))


def style_valid_obs(layer: QgsRasterLayer) -> None:
    top = max(1, int(round(_band_max(layer, 1) or 1)))
    ramp = _ramp("Viridis", ("#440154", "#fde725"))
    if top <= EXACT_COUNT_CLASSES:
        items = [QgsColorRampShader.ColorRampItem(n, _colour_at(ramp, n / top), str(n))
                 for n in range(0, top + 1)]
        kind = QgsColorRampShader.Type.Exact
    else:
        items = [QgsColorRampShader.ColorRampItem(top * k / 5, _colour_at(ramp, k / 5),
                                                  f"{top * k / 5:.0f}") for k in range(6)]
        kind = QgsColorRampShader.Type.Interpolated
    _pseudocolour(layer, items, kind, 0, top, ramp)


def style_source_index(layer: QgsRasterLayer, source_products: Iterable[Mapping[str, Any]]
                       ) -> None:
    products = sorted(source_products, key=lambda p: int(p.get("index", 0)))
    ramp = _ramp("Spectral", ("#d7191c", "#2b83ba"))
    classes = []
    count = max(1, len(products) - 1)
    for rank, product in enumerate(products):
        when = str(product.get("sensing_time_utc", ""))[:10]
        spacecraft = str(product.get("product_id", ""))[:3]
        label = f"{product.get('index')}: {when} {spacecraft} {product.get('tile_id', '')}".strip()
        classes.append(QgsPalettedRasterRenderer.Class(
            int(product.get("index", rank)), _colour_at(ramp, rank / count), label))
    if not classes:  # no metadata: a class per value present, still a legend
        top = max(0, int(_band_max(layer, 1) or 0))
        classes = [QgsPalettedRasterRenderer.Class(i, _colour_at(ramp, i / max(1, top)), str(i))
                   for i in range(top + 1)]
    layer.setRenderer(QgsPalettedRasterRenderer(layer.dataProvider(), 1, classes))


def style_continuous(layer: QgsRasterLayer, name: str) -> None:
    """Probabilities 0-100 %, AOT, angles, medoid spread: a ramp over the layer's range."""
    if name in ("quality_cloud_confidence", "quality_snow_confidence"):
        low, high, ramp = 0.0, 100.0, _ramp("Blues", ("#f7fbff", "#08306b"))
    else:
        stats = layer.dataProvider().bandStatistics(
            1, QgsRasterBandStats.Stats.Min | QgsRasterBandStats.Stats.Max)
        low, high = stats.minimumValue, stats.maximumValue
        if not high > low:
            high = low + 1.0
        ramp = _ramp("Magma" if name in ("quality_aot", "medoid_mos") else "Viridis",
                     ("#000004", "#fcfdbf"))
    units = LAYERS[name].units
    suffix = "" if units == "1" else (" %" if units == "%" else "°")
    items = [QgsColorRampShader.ColorRampItem(low + (high - low) * k / 4, _colour_at(ramp, k / 4),
                                              f"{low + (high - low) * k / 4:.3g}{suffix}")
             for k in range(5)]
    _pseudocolour(layer, items, QgsColorRampShader.Type.Interpolated, low, high, ramp)


def _pseudocolour(layer, items, kind, low, high, ramp) -> None:
    shader_function = QgsColorRampShader(low, high)
    shader_function.setColorRampType(kind)
    shader_function.setSourceColorRamp(ramp.clone())
    shader_function.setColorRampItemList(items)
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(shader_function)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader)
    renderer.setClassificationMin(low)
    renderer.setClassificationMax(high)
    layer.setRenderer(renderer)


def style_layer(layer: QgsRasterLayer, name: str,
                source_products: Iterable[Mapping[str, Any]] = ()) -> None:
    """Apply the style of mosaic layer ``name`` (or ``TRUE_COLOUR_KEY``) to ``layer``."""
    if name == TRUE_COLOUR_KEY:
        style_true_colour(layer)
    elif name == "quality_scene_classification":
        style_scene_classification(layer)
    elif name == "valid_obs":
        style_valid_obs(layer)
    elif name == "source_index":
        style_source_index(layer, source_products)
    elif name in LAYERS and LAYERS[name].kind != REFLECTANCE:
        style_continuous(layer, name)
    layer.setCustomProperty(LAYER_PROPERTY, name)
    layer.triggerRepaint()


# ----------------------------------------------------------------------------------- sources

def gdal_source(path: Path, layer_name: str) -> str:
    """What GDAL (and QGIS) open for a layer file: NetCDF holds every layer as a variable."""
    if path.suffix.lower() == ".nc":
        return f'NETCDF:"{path}":{layer_name}'
    return str(path)


def true_colour_vrt(sources: list[str], target: Path) -> Path:
    """A three-band VRT (red, green, blue) over the layer files, with their scale and offset,
    written beside them (in the mosaic's own folder, never in a user's product)."""
    options = gdal.BuildVRTOptions(separate=True)
    vrt = gdal.BuildVRT(str(target), sources, options=options)
    if vrt is None:
        raise S2GMError(tr("{path}: GDAL cannot build the true-colour composite").format(
            path=target))
    for index, source in enumerate(sources, start=1):
        dataset = gdal.Open(source)
        band = dataset.GetRasterBand(1)
        target_band = vrt.GetRasterBand(index)
        target_band.SetScale(band.GetScale() or 1.0)
        target_band.SetOffset(band.GetOffset() or 0.0)
        if band.GetNoDataValue() is not None:
            target_band.SetNoDataValue(band.GetNoDataValue())
        dataset = None
    vrt.FlushCache()
    vrt = None
    return target


def _grid_label(paths_per_layer: Mapping[str, list[Path]], grid: int) -> str:
    if max(len(p) for p in paths_per_layer.values()) <= 1:
        return ""
    any_paths = next(iter(paths_per_layer.values()))
    return f" ({any_paths[grid].parent.name})" if grid < len(any_paths) else ""


# ----------------------------------------------------------------------------------- loading

def order_group_name(order: Mapping[str, Any]) -> str:
    spec = order.get("spec") or {}
    return f"{order.get('name') or spec.get('name') or order['id']}"


def find_order_group(order_id: str, project: Optional[QgsProject] = None
                     ) -> Optional[QgsLayerTreeGroup]:
    root = (project or QgsProject.instance()).layerTreeRoot()
    for group in root.findGroups(True):
        if group.customProperty(ORDER_PROPERTY) == order_id:
            return group
    return None


def load_result(order: Mapping[str, Any], folder: Path,
                project: Optional[QgsProject] = None) -> QgsLayerTreeGroup:
    """Add the order's result (files relative to ``folder``) to ``project`` as a layer group
    named after the order; a group already showing this order is replaced. Returns the group.
    Raises S2GMError when the order has no result or a file cannot be opened."""
    project = project or QgsProject.instance()
    result = order.get("result") or {}
    files = result.get("files") or {}
    if not files:
        raise S2GMError(tr("order {name} has no result files").format(name=order.get("name")))
    paths = {name: [folder / p for p in ([ps] if isinstance(ps, str) else list(ps))]
             for name, ps in files.items() if name in LAYERS}
    products = result.get("source_products") or []

    root = project.layerTreeRoot()
    old = find_order_group(order["id"], project)
    index = root.children().index(old) if old is not None and old.parent() is root else 0
    if old is not None:
        old.parent().removeChildNode(old)
    group = root.insertGroup(index, order_group_name(order))
    group.setCustomProperty(ORDER_PROPERTY, order["id"])

    loaded: list[QgsRasterLayer] = []
    n_grids = max(len(p) for p in paths.values())

    def add(source: str, name: str, title: str, visible: bool, parent=group) -> QgsRasterLayer:
        layer = QgsRasterLayer(source, title, "gdal")
        if not layer.isValid():
            raise S2GMError(tr("{source}: QGIS cannot open this result file").format(
                source=source))
        style_layer(layer, name, products)
        project.addMapLayer(layer, False)
        node = parent.addLayer(layer)
        node.setItemVisibilityChecked(visible)
        node.setExpanded(name in ("quality_scene_classification", "source_index", "valid_obs"))
        loaded.append(layer)
        return layer

    has_rgb = all(b in paths for b in TRUE_COLOUR)
    order_of_layers = (["quality_scene_classification", "valid_obs", "source_index"]
                       + [n for n in LAYERS if LAYERS[n].kind != REFLECTANCE
                          and n not in ("quality_scene_classification", "valid_obs",
                                        "source_index")])
    for grid in range(n_grids):
        suffix = _grid_label(paths, grid)
        if has_rgb:
            sources = [gdal_source(paths[b][grid], b) for b in TRUE_COLOUR]
            vrt = paths[TRUE_COLOUR[0]][grid].parent / f"true_colour_{order['id'][:8]}.vrt"
            add(str(true_colour_vrt(sources, vrt)), TRUE_COLOUR_KEY,
                tr("True colour (B04, B03, B02)") + suffix, True)
        for name in order_of_layers:
            if name in paths and grid < len(paths[name]):
                add(gdal_source(paths[name][grid], name), name, layer_label(name) + suffix,
                    visible=not has_rgb and not loaded)
        bands = [n for n in LAYERS if LAYERS[n].kind == REFLECTANCE and n in paths]
        if bands:
            subgroup = group.addGroup(tr("Reflectance bands") + suffix)
            subgroup.setExpanded(False)
            for name in bands:
                add(gdal_source(paths[name][grid], name), name, name + suffix,
                    visible=not has_rgb and not loaded, parent=subgroup)
            subgroup.setItemVisibilityChecked(not has_rgb)
    group.setExpanded(True)
    return group


def read_result_metadata(path: Path) -> dict:
    """The metadata JSON of a mosaic (used when loading a folder without an order record)."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
