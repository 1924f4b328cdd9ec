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

Loading reads pixels (the statistics of the styles) and writes the true-colour VRT: the dock does
it in a :class:`LoadResultTask`, whose :func:`prepare_result` opens and styles the layers on a
worker thread and hands them to the GUI thread, which only adds them to the project
(:func:`add_result`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional

from osgeo import gdal
from qgis.core import (
    QgsApplication,
    QgsColorRamp,
    QgsColorRampShader,
    QgsContrastEnhancement,
    QgsGradientColorRamp,
    QgsLayerTreeGroup,
    QgsMultiBandColorRenderer,
    QgsPalettedRasterRenderer,
    QgsProject,
    QgsRasterLayer,
    QgsRasterShader,
    QgsSingleBandPseudoColorRenderer,
    QgsStyle,
    QgsTask,
)
from qgis.PyQt.QtGui import QColor

from ..core.errors import S2GMError
from ..core.mosaic.layers import LAYERS, REFLECTANCE, TRUE_COLOUR
from .i18n import tr
from .compat import BAND_STATISTIC, keep_pyproj_context
from .labels import layer_label

#: Quality layers in percent, stretched over 0-100 whatever their values.
CONFIDENCE_LAYERS = ("quality_cloud_confidence", "quality_snow_confidence")
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
#: Colour ramps of the QGIS default style the styles use (with a fallback gradient each).
RAMPS: Mapping[str, tuple[str, str]] = {
    "Viridis": ("#440154", "#fde725"), "Spectral": ("#d7191c", "#2b83ba"),
    "Blues": ("#f7fbff", "#08306b"), "Magma": ("#000004", "#fcfdbf"),
}
#: Value range a style stretches over: (low, high).
ValueRange = tuple[float, float]


def scl_labels() -> dict[int, str]:
    return {
        0: tr("No data"), 1: tr("Saturated or defective"), 2: tr("Dark area pixels"),
        3: tr("Cloud shadows"), 4: tr("Vegetation"), 5: tr("Not vegetated"), 6: tr("Water"),
        7: tr("Unclassified"), 8: tr("Cloud, medium probability"),
        9: tr("Cloud, high probability"), 10: tr("Thin cirrus"), 11: tr("Snow or ice"),
    }


# ----------------------------------------------------------------------------------- ramps

_ramps: dict[str, QgsColorRamp] = {}


def load_ramps() -> None:
    """Read the ramps of :data:`RAMPS` from the QGIS default style, once, on the GUI thread
    (the style and its database belong to it); styles made on worker threads use copies."""
    if _ramps:
        return
    style = QgsStyle.defaultStyle()
    for name, (first, last) in RAMPS.items():
        ramp = style.colorRamp(name) if style is not None else None
        _ramps[name] = ramp or QgsGradientColorRamp(QColor(first), QColor(last))


def _ramp(name: str) -> QgsColorRamp:
    """A copy of ramp ``name`` of :data:`RAMPS`."""
    load_ramps()
    return _ramps[name].clone()


def _colour_at(ramp, fraction: float) -> QColor:
    return ramp.color(min(1.0, max(0.0, fraction)))


# ----------------------------------------------------------------------------------- styles

def _band_max(layer: QgsRasterLayer, band: int) -> Optional[float]:
    stats = layer.dataProvider().bandStatistics(band, BAND_STATISTIC.Max)
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


def style_true_colour(layer: QgsRasterLayer, top: float) -> None:
    """Red, green and blue stretched together from reflectance 0 to ``top``."""
    renderer = QgsMultiBandColorRenderer(layer.dataProvider(), 1, 2, 3)
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


def style_valid_obs(layer: QgsRasterLayer, largest: float) -> None:
    """A class per count 0..``largest`` (an interpolated ramp above EXACT_COUNT_CLASSES)."""
    top = max(1, int(round(largest or 1)))
    ramp = _ramp("Viridis")
    if top <= EXACT_COUNT_CLASSES:
        items = [QgsColorRampShader.ColorRampItem(n, _colour_at(ramp, n / top), str(n))
                 for n in range(0, top + 1)]
        kind = QgsColorRampShader.Type.Exact
    else:
        items = [QgsColorRampShader.ColorRampItem(top * k / 5, _colour_at(ramp, k / 5),
                                                  f"{top * k / 5:.0f}") for k in range(6)]
        kind = QgsColorRampShader.Type.Interpolated
    _pseudocolour(layer, items, kind, 0, top, ramp)


def style_source_index(layer: QgsRasterLayer, source_products: Iterable[Mapping[str, Any]],
                       largest: Optional[float] = None) -> None:
    """A class per source product, labelled; without product metadata, a class per index
    0..``largest``."""
    products = sorted(source_products, key=lambda p: int(p.get("index", 0)))
    ramp = _ramp("Spectral")
    classes = []
    count = max(1, len(products) - 1)
    for rank, product in enumerate(products):
        when = str(product.get("sensing_time_utc", ""))[:10]
        spacecraft = str(product.get("product_id", ""))[:3]
        label = f"{product.get('index')}: {when} {spacecraft} {product.get('tile_id', '')}".strip()
        classes.append(QgsPalettedRasterRenderer.Class(
            int(product.get("index", rank)), _colour_at(ramp, rank / count), label))
    if not classes:  # no metadata: a class per value present, still a legend
        top = max(0, int(largest or 0))
        classes = [QgsPalettedRasterRenderer.Class(i, _colour_at(ramp, i / max(1, top)), str(i))
                   for i in range(top + 1)]
    layer.setRenderer(QgsPalettedRasterRenderer(layer.dataProvider(), 1, classes))


def style_continuous(layer: QgsRasterLayer, name: str, value_range: ValueRange) -> None:
    """Probabilities 0-100 %, AOT, angles, medoid spread: a ramp over ``value_range``."""
    low, high = value_range
    if not high > low:
        high = low + 1.0
    if name in CONFIDENCE_LAYERS:
        ramp = _ramp("Blues")
    else:
        ramp = _ramp("Magma" if name in ("quality_aot", "medoid_mos") else "Viridis")
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


def style_statistics(layer: QgsRasterLayer, name: str,
                     source_products: Iterable[Mapping[str, Any]] = ()) -> Optional[ValueRange]:
    """The value range the style of ``name`` stretches over, read from the layer's pixels (a
    whole-file read for counts and ramps: call it off the GUI thread); None when the style
    needs none."""
    if name == TRUE_COLOUR_KEY:
        return 0.0, reflectance_stretch_max(layer)
    if name == "valid_obs" or (name == "source_index" and not list(source_products)):
        return 0.0, _band_max(layer, 1) or 0.0
    if name in CONFIDENCE_LAYERS:
        return 0.0, 100.0
    if name in LAYERS and LAYERS[name].kind != REFLECTANCE and name not in (
            "quality_scene_classification", "source_index"):
        stats = layer.dataProvider().bandStatistics(1, BAND_STATISTIC.Min | BAND_STATISTIC.Max)
        return stats.minimumValue, stats.maximumValue
    return None


def style_layer(layer: QgsRasterLayer, name: str,
                source_products: Iterable[Mapping[str, Any]] = (),
                value_range: Optional[ValueRange] = None) -> None:
    """Apply the style of mosaic layer ``name`` (or ``TRUE_COLOUR_KEY``) to ``layer``, with
    the ``value_range`` of :func:`style_statistics` (computed here when not given)."""
    source_products = list(source_products)
    if value_range is None:
        value_range = style_statistics(layer, name, source_products)
    if name == TRUE_COLOUR_KEY:
        style_true_colour(layer, value_range[1])
    elif name == "quality_scene_classification":
        style_scene_classification(layer)
    elif name == "valid_obs":
        style_valid_obs(layer, value_range[1])
    elif name == "source_index":
        style_source_index(layer, source_products, value_range[1] if value_range else None)
    elif value_range is not None:
        style_continuous(layer, name, value_range)
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


@dataclass(frozen=True)
class ResultLayer:
    """One layer of a result as the plugin loads it: the style key (a mosaic layer name or
    ``TRUE_COLOUR_KEY``), what GDAL opens, its title, whether it starts visible, and the
    sub-group it goes in ("" for the order's group)."""

    key: str
    source: str
    title: str
    visible: bool
    subgroup: str = ""


#: The quality layers, in the order they are listed below the true colour.
QUALITY_ORDER = (["quality_scene_classification", "valid_obs", "source_index"]
                 + [n for n in LAYERS if LAYERS[n].kind != REFLECTANCE
                    and n not in ("quality_scene_classification", "valid_obs", "source_index")])


def result_layers(files: Mapping[str, Any], folder: Path = Path(), *,
                  vrt_name: str = "true_colour.vrt") -> list[ResultLayer]:
    """The layers of a result, in the order they are listed (every grid: the true colour, a
    VRT named ``vrt_name`` written beside the band files; the quality layers; then the
    reflectance bands in a sub-group). ``files``: layer name -> path or paths (one per output
    grid), relative to ``folder`` or absolute. The one list the dock and Processing load."""
    paths = {name: [folder / p for p in ([ps] if isinstance(ps, (str, Path)) else list(ps))]
             for name, ps in files.items() if name in LAYERS}
    if not paths:
        return []
    has_rgb = all(b in paths for b in TRUE_COLOUR)
    layers: list[ResultLayer] = []

    def add(source: str, key: str, title: str, visible: bool, subgroup: str = "") -> None:
        layers.append(ResultLayer(key, source, title, visible, subgroup))

    for grid in range(max(len(p) for p in paths.values())):
        suffix = _grid_label(paths, grid)
        if has_rgb:
            sources = [gdal_source(paths[b][grid], b) for b in TRUE_COLOUR]
            vrt = paths[TRUE_COLOUR[0]][grid].parent / vrt_name
            add(str(true_colour_vrt(sources, vrt)), TRUE_COLOUR_KEY,
                tr("True colour (B04, B03, B02)") + suffix, True)
        for name in QUALITY_ORDER:
            if name in paths and grid < len(paths[name]):
                add(gdal_source(paths[name][grid], name), name, layer_label(name) + suffix,
                    visible=not has_rgb and not layers)
        subgroup = tr("Reflectance bands") + suffix
        for name in (n for n in LAYERS if LAYERS[n].kind == REFLECTANCE and n in paths):
            add(gdal_source(paths[name][grid], name), name, name + suffix,
                visible=not has_rgb and not layers, subgroup=subgroup)
    return layers


@dataclass
class PreparedLayer:
    """A styled layer of a result, waiting to be added to the project on the GUI thread;
    ``subgroup`` names the sub-group it goes in ("" for the order's group)."""

    layer: QgsRasterLayer
    key: str
    visible: bool
    subgroup: str = ""


def prepare_result(order: Mapping[str, Any], folder: Path,
                   is_canceled: Callable[[], bool] = lambda: False) -> list[PreparedLayer]:
    """Open and style the layers of the order's result (:func:`result_layers`, files relative
    to ``folder``). Reads pixels for the styles: any thread but the GUI's. Raises S2GMError
    when the order has no result or a file cannot be opened; stops early (returning what it
    has) when ``is_canceled()``."""
    result = order.get("result") or {}
    planned = result_layers(result.get("files") or {}, folder,
                            vrt_name=f"true_colour_{order['id'][:8]}.vrt")
    if not planned:
        raise S2GMError(tr("order {name} has no result files").format(name=order.get("name")))
    products = result.get("source_products") or []
    prepared: list[PreparedLayer] = []
    for item in planned:
        if item.key != TRUE_COLOUR_KEY and is_canceled():
            return prepared
        layer = QgsRasterLayer(item.source, item.title, "gdal")
        if not layer.isValid():
            raise S2GMError(tr("{source}: QGIS cannot open this result file").format(
                source=item.source))
        style_layer(layer, item.key, products)
        prepared.append(PreparedLayer(layer, item.key, item.visible, item.subgroup))
    return prepared


def add_result(order: Mapping[str, Any], prepared: list[PreparedLayer],
               project: Optional[QgsProject] = None) -> QgsLayerTreeGroup:
    """Add prepared layers to ``project`` (GUI thread) as a layer group named after the order,
    replacing a group already showing this order; quality legends expanded, the reflectance
    bands in a collapsed sub-group. Returns the group."""
    project = project or QgsProject.instance()
    root = project.layerTreeRoot()
    old = find_order_group(order["id"], project)
    index = root.children().index(old) if old is not None and old.parent() is root else 0
    if old is not None:
        old.parent().removeChildNode(old)
    group = root.insertGroup(index, order_group_name(order))
    group.setCustomProperty(ORDER_PROPERTY, order["id"])
    has_rgb = any(item.key == TRUE_COLOUR_KEY for item in prepared)
    subgroups: dict[str, QgsLayerTreeGroup] = {}
    for item in prepared:
        parent = group
        if item.subgroup:
            parent = subgroups.get(item.subgroup)
            if parent is None:
                parent = subgroups[item.subgroup] = group.addGroup(item.subgroup)
                parent.setExpanded(False)
                parent.setItemVisibilityChecked(not has_rgb)
        project.addMapLayer(item.layer, False)
        node = parent.addLayer(item.layer)
        node.setItemVisibilityChecked(item.visible)
        node.setExpanded(item.key in ("quality_scene_classification", "source_index",
                                      "valid_obs"))
    group.setExpanded(True)
    return group


def load_result(order: Mapping[str, Any], folder: Path,
                project: Optional[QgsProject] = None) -> QgsLayerTreeGroup:
    """:func:`prepare_result` then :func:`add_result`, on the calling thread (scripts, the
    demo); the dock uses :class:`LoadResultTask`."""
    return add_result(order, prepare_result(order, folder), project)


def remove_order_group(order_id: str, project: Optional[QgsProject] = None) -> None:
    """Take the layer group of an order out of the project (its files are about to go)."""
    project = project or QgsProject.instance()
    group = find_order_group(order_id, project)
    if group is not None:
        layer_ids = [node.layerId() for node in group.findLayers()]
        group.parent().removeChildNode(group)
        project.removeMapLayers(layer_ids)


class LoadResultTask(QgsTask):
    """Prepares a result's layers on a worker thread (:func:`prepare_result`), then adds them
    on the GUI thread and calls ``on_loaded(group)``; else ``on_failed(S2GMError)``, or
    ``on_failed(None)`` when it was cancelled."""

    def __init__(self, order: Mapping[str, Any], folder: Path,
                 on_loaded: Callable[[QgsLayerTreeGroup], None],
                 on_failed: Callable[[Optional[S2GMError]], None]):
        super().__init__(tr("Loading S2GM mosaic {name}").format(name=order.get("name")),
                         QgsTask.Flag.CanCancel)
        load_ramps()
        self.order = dict(order)
        self.folder = Path(folder)
        self.on_loaded = on_loaded
        self.on_failed = on_failed
        self.prepared: list[PreparedLayer] = []
        self.error: Optional[S2GMError] = None

    def run(self) -> bool:  # worker thread
        keep_pyproj_context()
        try:
            self.prepared = prepare_result(self.order, self.folder, self.isCanceled)
        except Exception as exc:  # noqa: BLE001 (GDAL or QGIS errors reach the user too)
            self.error = exc if isinstance(exc, S2GMError) else S2GMError(
                f"{type(exc).__name__}: {exc}")
            self.prepared = []
            return False
        gui_thread = QgsApplication.instance().thread()
        for item in self.prepared:
            item.layer.moveToThread(gui_thread)  # layers join a project on the GUI thread
        return not self.isCanceled()

    def finished(self, ok: bool) -> None:  # GUI thread
        prepared, self.prepared = self.prepared, []
        if ok:
            self.on_loaded(add_result(self.order, prepared))
        else:
            self.on_failed(self.error)
