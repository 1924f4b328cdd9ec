"""Processing algorithm "Point time series" (``s2gm:pointtimeseries``).

S2GM's Point Time Series at every point of a layer: a table with one row per point and
observation, the point's id first, then the columns of the command line's CSV
(:mod:`s2gm_qgis.core.timeseries.writers`). One search of the archive for all points
(:func:`~s2gm_qgis.core.timeseries.point_time_series_at`); a point no product reaches gives no
row and a warning.
"""
from __future__ import annotations

from qgis.core import (
    QgsFeature, QgsFeatureSink, QgsField, QgsFields, QgsProcessing,
    QgsProcessingException, QgsProcessingParameterDateTime, QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink, QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField, QgsWkbTypes,
)

from ..core.errors import CancelledError, S2GMError
from ..core.mosaic.resample import OUTPUT_RESOLUTIONS_M
from ..core.timeseries.point import WINDOWS
from ..core.timeseries.writers import COLUMNS, row
from ..qgis_support.compat import FIELD_TYPES
from ..qgis_support.i18n import tr
from ..qgis_support.compat import keep_pyproj_context
from ..qgis_support.preferences import Preferences
from .source_parameters import DataSourceAlgorithm, source_spec

#: Python type of each column of the table (after ``point_id``).
_INT_COLUMNS = ("valid", "scl", "n_pixels")
_STR_COLUMNS = ("date_utc", "product_id", "tile", "reject_reason")


def table_fields() -> QgsFields:
    """``point_id`` and the CSV columns (valid as 1 / 0)."""
    fields = QgsFields()
    fields.append(QgsField("point_id", FIELD_TYPES[str]))
    for name in COLUMNS:
        kind = str if name in _STR_COLUMNS else int if name in _INT_COLUMNS else float
        fields.append(QgsField(name, FIELD_TYPES[kind]))
    return fields


class PointTimeSeriesAlgorithm(DataSourceAlgorithm):
    """Point layer + archive + dates -> table of observations per point."""

    ALGORITHM_ID = "pointtimeseries"
    GROUP_ID = "mosaics"

    INPUT = "INPUT"
    ID_FIELD = "ID_FIELD"
    START = "START"
    END = "END"
    RESOLUTION = "RESOLUTION"
    WINDOW = "WINDOW"
    OUTPUT = "OUTPUT"

    def displayName(self) -> str:  # noqa: N802 (QGIS API)
        return tr("Point time series")

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API)
        return tr(
            "For every point of the layer, every Sentinel-2 L2A observation of the archive "
            "between the two dates, read on the mosaic's pixel at the chosen resolution: "
            "B01-B12 and B8A reflectance, scene class, cloud and snow probability (%), AOT, "
            "view and sun zenith (degrees), and whether the mosaic's valid filter keeps it "
            "(valid 1) or the first test that rejects it (reject_reason: no_data, view_zenith, "
            "scl_class, snow_refinement). With the 3 x 3 window, values are the mean of the "
            "window's valid pixels and n_pixels their count. One row per point and "
            "observation, in time order. Without an archive folder, the folders of the S2GM "
            "settings are used; the observations may also come from a STAC catalogue (Earth "
            "Search, the Copernicus Data Space, any STAC API address)."
        )

    def initAlgorithm(self, config=None) -> None:  # noqa: N802 (QGIS API)
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, tr("Points"), [QgsProcessing.SourceType.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterField(
            self.ID_FIELD, tr("Point id field (default: the feature id)"),
            parentLayerParameterName=self.INPUT, optional=True))
        self.add_source_parameters()
        self.addParameter(QgsProcessingParameterDateTime(
            self.START, tr("First day"), type=QgsProcessingParameterDateTime.Type.Date))
        self.addParameter(QgsProcessingParameterDateTime(
            self.END, tr("Last day"), type=QgsProcessingParameterDateTime.Type.Date))
        self.addParameter(QgsProcessingParameterEnum(
            self.RESOLUTION, tr("Resolution (m)"),
            options=[str(r) for r in OUTPUT_RESOLUTIONS_M],
            defaultValue=OUTPUT_RESOLUTIONS_M.index(20)))
        self.addParameter(QgsProcessingParameterEnum(
            self.WINDOW, tr("Pixels"), options=[tr("1 x 1"), tr("3 x 3 (mean of the valid)")],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, tr("Time series"), QgsProcessing.SourceType.TypeVector))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API)
        keep_pyproj_context()  # a Processing task thread, like a QgsTask's
        from ..core.timeseries import GeoPoint, point_time_series_at

        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        id_field = self.parameterAsString(parameters, self.ID_FIELD, context)
        start = self.parameterAsDateTime(parameters, self.START, context).date()
        end = self.parameterAsDateTime(parameters, self.END, context).date()
        resolution = OUTPUT_RESOLUTIONS_M[self.parameterAsEnum(parameters, self.RESOLUTION,
                                                               context)]
        window = WINDOWS[self.parameterAsEnum(parameters, self.WINDOW, context)]
        spec = source_spec(self, parameters, context)
        archives = spec if spec is not None else self.archive_folders(parameters, context)
        crs = source.sourceCrs()
        crs_text = crs.authid() if crs.authid().startswith("EPSG:") else crs.toWkt()

        ids, points = [], []
        for feature in source.getFeatures():
            geometry = feature.geometry()
            label = str(feature[id_field]) if id_field else str(feature.id())
            if geometry.isEmpty() or (geometry.isMultipart()
                                      and geometry.constGet().numGeometries() != 1):
                feedback.pushWarning(tr("Point {id}: not a single point, left out").format(
                    id=label))
                continue
            vertex = geometry.vertexAt(0)
            ids.append(label)
            points.append(GeoPoint(vertex.x(), vertex.y(), crs_text))
        if not points:
            raise QgsProcessingException(tr("The layer has no point"))

        def progress(fraction: float, message: str = "") -> None:
            feedback.setProgress(100.0 * fraction)

        catalogue = Preferences.load().catalogue_path
        catalogue.parent.mkdir(parents=True, exist_ok=True)
        try:
            series = point_time_series_at(
                archives, points, f"{start.year():04d}-{start.month():02d}-{start.day():02d}",
                f"{end.year():04d}-{end.month():02d}-{end.day():02d}", resolution, window,
                catalogue_path=catalogue, progress=progress, cancel=feedback.isCanceled)
        except CancelledError:
            raise QgsProcessingException(tr("Cancelled; nothing was written")) from None
        except S2GMError as exc:
            raise QgsProcessingException(str(exc)) from None

        fields = table_fields()
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, fields,
                                             QgsWkbTypes.Type.NoGeometry, crs)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        for label, one in zip(ids, series):
            if not one.observations:
                feedback.pushWarning(tr("Point {id}: outside every product of the period").format(
                    id=label))
            for observation in one.observations:
                values = row(observation)
                values["valid"] = int(values["valid"])
                out = QgsFeature(fields)
                out.setAttributes([label] + [values[name] for name in COLUMNS])
                sink.addFeature(out, QgsFeatureSink.Flag.FastInsert)
        feedback.pushInfo(tr("{rows} observation(s) at {points} point(s)").format(
            rows=sum(len(s.observations) for s in series), points=len(series)))
        return {self.OUTPUT: dest_id}
