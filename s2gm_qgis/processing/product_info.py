"""Processing algorithm "Read Sentinel-2 product metadata" (``s2gm:productmetadata``).

One feature per tile (granule) of a Sentinel-2 L1C/L2A product, SAFE folder or zip, with the
product and tile facts the other tools rely on (level, spacecraft, processing baseline, orbit,
sensing times, quantification, datastrip) and the data footprint as its geometry (EPSG:4326),
so that a folder of products can be listed, filtered and mapped in a model or with qgis_process.
The reading is ``s2gm_qgis.core.safe.open_product``; nothing is written in the product.
"""
from __future__ import annotations

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsPointXY,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
    QgsWkbTypes,
)
from ..core.errors import S2GMError
from ..core.safe import open_product
from ..qgis_support.compat import FIELD_TYPES
from ..qgis_support.i18n import tr
from ..qgis_support.compat import keep_pyproj_context
from .algorithm import S2gmAlgorithm

#: (field name, Python type) of the output, in order.
FIELDS = (
    ("product", str),
    ("level", str),
    ("spacecraft", str),
    ("baseline", str),
    ("start_utc", str),
    ("rel_orbit", int),
    ("cloud_pct", float),
    ("quantif", float),
    ("tile", str),
    ("epsg", int),
    ("sensed_utc", str),
    ("n_images", int),
    ("datastrip", str),
    ("ds_problem", str),
    ("path", str),
)


def output_fields() -> QgsFields:
    fields = QgsFields()
    for name, kind in FIELDS:
        fields.append(QgsField(name, FIELD_TYPES[kind]))
    return fields


def footprint_geometry(ring) -> QgsGeometry:
    """Polygon of a (lon, lat) ring; an empty geometry when the metadata gives none."""
    if not ring or len(ring) < 3:
        return QgsGeometry()
    return QgsGeometry.fromPolygonXY([[QgsPointXY(lon, lat) for lon, lat in ring]])


class ProductMetadataAlgorithm(S2gmAlgorithm):
    """Sentinel-2 product -> one feature per tile with its facts and footprint."""

    ALGORITHM_ID = "productmetadata"
    GROUP_ID = "products"

    INPUT = "INPUT"
    TILE = "TILE"
    OUTPUT = "OUTPUT"

    def displayName(self) -> str:  # noqa: N802 (QGIS API)
        return tr("Read Sentinel-2 product metadata")

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API)
        return tr(
            "Reads a Sentinel-2 L1C or L2A product (a .SAFE folder, a .zip, or any file inside "
            "one such as MTD_MSIL1C.xml) and writes one feature per tile: product name, level, "
            "spacecraft, processing baseline, sensing start, relative orbit, cloud cover, "
            "quantification value, tile, EPSG code, tile sensing time, number of images, "
            "datastrip and, if the datastrip is missing or unusable, why. The geometry is the "
            "data footprint in WGS 84 when the metadata gives one. Nothing is written in the "
            "product."
        )

    def initAlgorithm(self, config=None) -> None:  # noqa: N802 (QGIS API)
        self.addParameter(QgsProcessingParameterFile(
            self.INPUT, tr("Sentinel-2 product (.zip, .SAFE folder or a file inside it)"),
            behavior=QgsProcessingParameterFile.Behavior.File,
            fileFilter=tr("Sentinel-2 products (*.zip *.xml);;All files (*)"),
        ))
        self.addParameter(QgsProcessingParameterString(
            self.TILE, tr("Only this tile (e.g. 31TCJ)"), optional=True,
        ))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, tr("Product metadata"), QgsProcessing.SourceType.TypeVectorPolygon,
        ))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API)
        keep_pyproj_context()  # a Processing task thread, like a QgsTask's
        path = self.parameterAsFile(parameters, self.INPUT, context)
        tile = (self.parameterAsString(parameters, self.TILE, context) or "").strip()
        tile = tile.upper().removeprefix("T") or None
        try:
            product = open_product(path, tile=tile)
        except (S2GMError, OSError) as exc:
            raise QgsProcessingException(str(exc)) from exc
        sink, dest_id = self.parameterAsSink(
            parameters, self.OUTPUT, context, output_fields(), QgsWkbTypes.Type.Polygon,
            QgsCoordinateReferenceSystem("EPSG:4326"),
        )
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        granules = [product.granule] if tile else list(product.granules)
        for index, granule in enumerate(granules):
            if feedback.isCanceled():
                break
            feature = QgsFeature(output_fields())
            feature.setGeometry(footprint_geometry(
                granule.footprint_lonlat
                or (product.footprint_lonlat if len(product.granules) == 1 else None)
            ))
            feature.setAttributes([
                product.name, product.level, product.spacecraft, product.processing_baseline,
                product.sensing_start_utc.isoformat(), product.relative_orbit,
                product.cloud_cover_pct, product.quantification_value, granule.tile_id,
                granule.epsg, granule.sensing_time_utc.isoformat(), len(granule.images),
                granule.datastrip_id, product.datastrip_problem, product.path,
            ])
            sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert)
            feedback.setProgress(100.0 * (index + 1) / len(granules))
        return {self.OUTPUT: dest_id}
