"""Processing algorithm "Build S2GM mosaic" (``s2gm:buildmosaic``).

An AOI (polygon features, or an extent), a period and the options of a mosaic order in; an S2GM
mosaic folder out, composited by ``s2gm_qgis.core.orders.runner.run_order`` from the L2A
products of the archive folders, with the true colour and the quality layers loaded and styled
as the mosaic dock does. Usable in models and from ``qgis_process``; the order is validated by
``MosaicOrder`` (every bad parameter named at once).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from qgis.core import (
    QgsFeatureRequest,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputFolder,
    QgsProcessingOutputMultipleLayers,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDateTime,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterString,
    QgsRasterLayer,
)

from ..core.errors import CancelledError, S2GMError, ValidationError
from ..core.mosaic.layers import DEFAULT_PRESET, LAYER_NAMES, PRESETS, TRUE_COLOUR
from ..core.mosaic.order import (
    BIT_DEPTHS, CLOUD_MASKS, CRS_CHOICES, FORMATS, PREFERENCES, PRODUCTS, RESOLUTIONS_M, MosaicOrder,
)
from ..core.mosaic.periods import PERIOD_TYPES
from ..qgis_support import aoi as aoi_sources
from ..qgis_support.i18n import tr
from ..qgis_support.compat import keep_pyproj_context
from ..qgis_support.preferences import Preferences
from ..qgis_support.labels import cloud_mask_labels, preference_labels, product_labels
from ..qgis_support.results import TRUE_COLOUR_KEY, result_layers, style_layer, style_statistics
from .source_parameters import DataSourceAlgorithm, source_spec


class StyleOnLoad(QgsProcessingLayerPostProcessorInterface):
    """Applies the dock's style to a mosaic layer once Processing has loaded it (on the GUI
    thread), with the value range the algorithm read from the pixels on its own thread."""

    #: Processing keeps only a pointer to post-processors: they must outlive the algorithm.
    _alive: list["StyleOnLoad"] = []

    def __init__(self, layer_name: str, source_products, value_range):
        super().__init__()
        self.layer_name = layer_name
        self.source_products = list(source_products)
        self.value_range = value_range

    @classmethod
    def create(cls, layer_name: str, source_products, value_range) -> "StyleOnLoad":
        processor = cls(layer_name, source_products, value_range)
        cls._alive = cls._alive[-63:] + [processor]
        return processor

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        if isinstance(layer, QgsRasterLayer) and layer.isValid():
            style_layer(layer, self.layer_name, self.source_products, self.value_range)


class BuildMosaicAlgorithm(DataSourceAlgorithm):
    """AOI + period + options -> S2GM mosaic folder and loaded layers."""

    ALGORITHM_ID = "buildmosaic"
    GROUP_ID = "mosaics"

    AOI = "AOI"
    EXTENT = "EXTENT"
    PERIOD = "PERIOD"
    START = "START"
    RESOLUTION = "RESOLUTION"
    CRS = "CRS"
    FORMAT = "FORMAT"
    BIT_DEPTH = "BIT_DEPTH"
    LAYERS = "LAYERS"
    NAME = "NAME"
    SKIP_UNREADABLE = "SKIP_UNREADABLE"
    PRODUCT = "PRODUCT"
    CLOUD_MASK = "CLOUD_MASK"
    PREFERENCE = "PREFERENCE"
    LOAD = "LOAD"
    OUTPUT = "OUTPUT"
    MOSAIC_FOLDER = "MOSAIC_FOLDER"
    OUTPUT_LAYERS = "OUTPUT_LAYERS"

    def displayName(self) -> str:  # noqa: N802 (QGIS API)
        return tr("Build S2GM mosaic")

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API)
        return tr(
            "Composites a cloud-free Sentinel-2 mosaic of an area of interest over a period the "
            "way the Copernicus Sentinel-2 Global Mosaic service does (medoid or short-term "
            "composite per pixel, with quality layers), from the L2A products of an archive "
            "folder. The area is the union of the polygons of a layer (or its selected "
            "features) or an extent. The result is an S2GM folder in the output folder; the "
            "true colour and the quality layers are loaded with their styles. Without an "
            "archive folder, the folders of the S2GM settings are used. The observations may "
            "also come from a STAC catalogue: Earth Search (no login), the Copernicus Data "
            "Space (with the S3 keys of the S2GM settings) or any STAC API address; only the "
            "parts of the images the mosaic needs are read. Product: temporal mosaic or "
            "BrightEarth (RGB for viewing); preference: standard, vegetation or bare soil."
        )

    def initAlgorithm(self, config=None) -> None:  # noqa: N802 (QGIS API)
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.AOI, tr("Area of interest (polygons)"),
            [QgsProcessing.SourceType.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterExtent(
            self.EXTENT, tr("Area of interest as an extent (when no polygon layer is given)"),
            optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.PERIOD, tr("Period"), options=list(PERIOD_TYPES),
            defaultValue=PERIOD_TYPES.index("month")))
        self.addParameter(QgsProcessingParameterDateTime(
            self.START, tr("A day in the period (snapped to its first day)"),
            type=QgsProcessingParameterDateTime.Type.Date))
        self.addParameter(QgsProcessingParameterEnum(
            self.RESOLUTION, tr("Resolution (m)"), options=[str(r) for r in RESOLUTIONS_M],
            defaultValue=RESOLUTIONS_M.index(20)))
        self.addParameter(QgsProcessingParameterEnum(
            self.CRS, tr("Output CRS"), options=list(CRS_CHOICES), defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.FORMAT, tr("Format"), options=list(FORMATS), defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.BIT_DEPTH, tr("Bit depth"), options=[str(b) for b in BIT_DEPTHS],
            defaultValue=BIT_DEPTHS.index(16)))
        self.addParameter(QgsProcessingParameterEnum(
            self.LAYERS, tr("Layers"), options=list(LAYER_NAMES), allowMultiple=True,
            defaultValue=[LAYER_NAMES.index(n) for n in PRESETS[DEFAULT_PRESET]]))
        self.addParameter(QgsProcessingParameterString(
            self.NAME, tr("Order name (letters, digits, '-')"), defaultValue="mosaic"))
        self.add_source_parameters()
        self.addParameter(QgsProcessingParameterBoolean(
            self.SKIP_UNREADABLE, tr("Skip images that cannot be read (listed in the metadata)"),
            defaultValue=False))
        self.addParameter(QgsProcessingParameterEnum(
            self.PRODUCT, tr("Product"), options=[product_labels()[k] for k in PRODUCTS],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.CLOUD_MASK, tr("Cloud mask"),
            options=[cloud_mask_labels()[k] for k in CLOUD_MASKS], defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.PREFERENCE, tr("Preference"),
            options=[preference_labels()[k] for k in PREFERENCES], defaultValue=0))
        self.addParameter(QgsProcessingParameterBoolean(
            self.LOAD, tr("Load the result into the project"), defaultValue=True))
        self.addParameter(QgsProcessingParameterFolderDestination(
            self.OUTPUT, tr("Output folder")))
        self.addOutput(QgsProcessingOutputFolder(self.MOSAIC_FOLDER, tr("Mosaic folder")))
        self.addOutput(QgsProcessingOutputMultipleLayers(self.OUTPUT_LAYERS, tr("Mosaic layers")))

    # ---------------------------------------------------------------- run

    def _aoi(self, parameters, context) -> Any:
        source = self.parameterAsSource(parameters, self.AOI, context)
        try:
            if source is not None:
                geometries = [f.geometry() for f in source.getFeatures(QgsFeatureRequest())
                              if f.hasGeometry()]
                if not geometries:
                    raise QgsProcessingException(tr("The area of interest layer has no "
                                                    "polygon"))
                merged = QgsGeometry.unaryUnion(
                    [g if g.isGeosValid() else g.makeValid() for g in geometries])
                return aoi_sources.aoi_from_geometry(merged, source.sourceCrs(),
                                                     tr("area of interest layer")).aoi
            if parameters.get(self.EXTENT):
                crs = self.parameterAsExtentCrs(parameters, self.EXTENT, context)
                extent = self.parameterAsExtent(parameters, self.EXTENT, context)
                return aoi_sources.aoi_from_rectangle(extent, crs, tr("extent")).aoi
        except ValidationError as exc:
            raise QgsProcessingException(str(exc.errors.get("aoi", exc))) from None
        raise QgsProcessingException(tr("Give an area of interest: a polygon layer or an "
                                        "extent"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API)
        keep_pyproj_context()  # a Processing task thread, like a QgsTask's
        from ..core.orders.runner import run_order  # the engine: only when the algorithm runs

        aoi = self._aoi(parameters, context)
        spec = source_spec(self, parameters, context)
        start = self.parameterAsDateTime(parameters, self.START, context).date()
        layer_indices = self.parameterAsEnums(parameters, self.LAYERS, context)
        try:
            order = MosaicOrder.create(
                name=self.parameterAsString(parameters, self.NAME, context),
                aoi=aoi,
                period=PERIOD_TYPES[self.parameterAsEnum(parameters, self.PERIOD, context)],
                start=f"{start.year():04d}-{start.month():02d}-{start.day():02d}",
                resolution_m=RESOLUTIONS_M[self.parameterAsEnum(parameters, self.RESOLUTION,
                                                                context)],
                crs=CRS_CHOICES[self.parameterAsEnum(parameters, self.CRS, context)],
                format=FORMATS[self.parameterAsEnum(parameters, self.FORMAT, context)],
                bit_depth=BIT_DEPTHS[self.parameterAsEnum(parameters, self.BIT_DEPTH, context)],
                bands=[LAYER_NAMES[i] for i in layer_indices],
                product=PRODUCTS[self.parameterAsEnum(parameters, self.PRODUCT, context)],
                cloud_mask=CLOUD_MASKS[self.parameterAsEnum(parameters, self.CLOUD_MASK,
                                                            context)],
                preference=PREFERENCES[self.parameterAsEnum(parameters, self.PREFERENCE,
                                                            context)],
                source=spec.to_dict() if spec is not None else None,
                on_read_error="skip" if self.parameterAsBoolean(
                    parameters, self.SKIP_UNREADABLE, context) else "fail",
            )
        except ValidationError as exc:
            raise QgsProcessingException("; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
        archives = self.archive_folders(parameters, context) if spec is None else []
        out_dir = Path(self.parameterAsString(parameters, self.OUTPUT, context))
        feedback.pushInfo(tr("Order {name}: {period} from {start}, {area:.1f} km², from "
                             "{source}").format(name=order.name, period=order.period,
                                                start=order.start.isoformat(),
                                                area=order.aoi.area_km2,
                                                source=spec.title if spec is not None
                                                else ", ".join(archives)))
        last = [""]

        def progress(fraction: float, message: str = "") -> None:
            feedback.setProgress(100.0 * fraction)
            # Block reports ("block 3 of 12: reading 70 %, compositing 30 % of the time") once a
            # quarter; every other stage (searching, indexing, finding) once.
            key = f"block {int(4 * fraction)}" if message.startswith("block") else message
            if key and key != last[0]:
                last[0] = key
                feedback.pushInfo(message)

        catalogue = Preferences.load().catalogue_path
        catalogue.parent.mkdir(parents=True, exist_ok=True)
        try:
            result = run_order(order, out_dir, archives=archives, catalogue_path=catalogue,
                               progress=progress, cancel=feedback.isCanceled)
        except CancelledError:
            raise QgsProcessingException(tr("Cancelled; nothing was written")) from None
        except S2GMError as exc:
            raise QgsProcessingException(str(exc)) from None
        feedback.pushInfo(tr("Mosaic written to {folder} in {seconds:.1f} s").format(
            folder=result.output_dir, seconds=result.elapsed_s))

        loaded = self._layers_to_load(order, result)
        if self.parameterAsBoolean(parameters, self.LOAD, context):
            products = [dict(p, sensing_time_utc=str(p["sensing_time_utc"]))
                        for p in result.source_products]
            for key, source, title in loaded:
                # The statistics of the style read pixels: here, not on the GUI thread.
                value_range = style_statistics(QgsRasterLayer(source, title, "gdal"), key,
                                               products)
                details = QgsProcessingContext.LayerDetails(title, context.project(),
                                                            self.OUTPUT_LAYERS)
                details.setPostProcessor(StyleOnLoad.create(key, products, value_range))
                context.addLayerToLoadOnCompletion(source, details)
        return {self.OUTPUT: str(out_dir), self.MOSAIC_FOLDER: str(result.output_dir),
                self.OUTPUT_LAYERS: [source for _key, source, _title in loaded]}

    @staticmethod
    def _layers_to_load(order: MosaicOrder, result) -> list[tuple[str, str, str]]:
        """(style key, source, title): the dock's list of layers (:func:`result_layers`), less
        the bands the true colour shows (Processing loads no sub-group)."""
        layers = result_layers(result.files)
        has_rgb = any(item.key == TRUE_COLOUR_KEY for item in layers)
        return [(item.key, item.source, f"{order.name} {item.title}") for item in layers
                if not (has_rgb and item.key in TRUE_COLOUR)]
