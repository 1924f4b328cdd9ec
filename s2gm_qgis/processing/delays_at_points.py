"""Processing algorithm "Detector and inter-band delays at points" (``s2gm:delaysatpoints``).

Batch form of the delay inspector: for every point of a layer, the detector of the source band
and the inter-band time delays from it to every other band, corrected for that detector and the
orbit (Binet et al. 2022, eq. 12: ``dt = dt_ref * (H_sat / H_sat_ref) * (V_ground_ref /
V_ground)``; ``dt(src -> dst) = t(dst) - t(src)``), with H_sat, V_ground, the ephemeris time and
the source band's sensing time. Each granule is opened once, when a point first falls in it (a
point of a multi-tile product is read in its own tile, ``GranuleInspectors``); each point is then
a microsecond lookup. Points outside the tile(s) or every footprint keep NULL values and a note.
"""
from __future__ import annotations

from qgis.core import (
    QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsCsException, QgsFeature,
    QgsFeatureSink, QgsField, QgsFields, QgsProcessing,
    QgsProcessingException, QgsProcessingParameterEnum, QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource, QgsProcessingParameterFile,
    QgsProcessingParameterString,
)
from ..core.bands import BANDS
from ..core.delays.granules import GranuleInspectors
from ..core.delays.ephemeris import SELECTIONS
from ..core.errors import CancelledError, S2GMError
from ..qgis_support.i18n import tr
from ..qgis_support.compat import keep_pyproj_context
from .algorithm import S2gmAlgorithm
from ..qgis_support.compat import FIELD_TYPES


def delay_field_name(band: str) -> str:
    """``dt_B04``: at most 10 characters, so the columns survive a Shapefile."""
    return f"dt_{band}"


def added_fields(source_band: str) -> list[QgsField]:
    """The columns the algorithm appends, in order."""
    fields = [
        QgsField("detector", FIELD_TYPES[int]),
        QgsField("src_band", FIELD_TYPES[str]),
        QgsField("h_sat_m", FIELD_TYPES[float]),
        QgsField("v_ground", FIELD_TYPES[float]),
        QgsField("eph_utc", FIELD_TYPES[str]),
        QgsField("sensed_utc", FIELD_TYPES[str]),
    ]
    fields += [QgsField(delay_field_name(band), FIELD_TYPES[float]) for band in BANDS
               if band != source_band]
    fields.append(QgsField("s2_note", FIELD_TYPES[str]))
    return fields


class DelaysAtPointsAlgorithm(S2gmAlgorithm):
    """L1C product + point layer -> the points with detector, H_sat, V_ground and delays."""

    ALGORITHM_ID = "delaysatpoints"
    GROUP_ID = "delays"

    PRODUCT = "PRODUCT"
    INPUT = "INPUT"
    SOURCE_BAND = "SOURCE_BAND"
    EPHEMERIS = "EPHEMERIS"
    TILE = "TILE"
    OUTPUT = "OUTPUT"

    def displayName(self) -> str:  # noqa: N802 (QGIS API)
        return tr("Detector and inter-band delays at points")

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API)
        return tr(
            "For every point of the input layer, reads in a Sentinel-2 L1C product (a .zip, a "
            ".SAFE folder or a file inside it) the detector that sensed the point in the source "
            "band and the time delays from that band to every other band, dt = t(band) − "
            "t(source band) in seconds, corrected for the detector and the orbit with the CNES "
            "lookup table and the datastrip ephemeris (Binet et al. 2022). Adds the columns "
            "detector, src_band, h_sat_m (satellite altitude, m), v_ground (nadir ground speed, "
            "m/s), eph_utc (ephemeris sample time), sensed_utc (when the source band sensed the "
            "point), dt_<band> and s2_note (why a point has no values, or warnings). In a "
            "multi-tile product each point is read in its own tile, unless a tile is given. "
            "Points outside the tile(s) or every detector footprint keep empty values."
        )

    def initAlgorithm(self, config=None) -> None:  # noqa: N802 (QGIS API)
        self.addParameter(QgsProcessingParameterFile(
            self.PRODUCT, tr("Sentinel-2 L1C product (.zip, .SAFE folder or a file inside it)"),
            behavior=QgsProcessingParameterFile.Behavior.File,
            fileFilter=tr("Sentinel-2 products (*.zip *.xml);;All files (*)"),
        ))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, tr("Points"), [QgsProcessing.SourceType.TypeVectorPoint],
        ))
        self.addParameter(QgsProcessingParameterEnum(
            self.SOURCE_BAND, tr("Source band"), options=list(BANDS),
            defaultValue=BANDS.index("B02"),
        ))
        self.addParameter(QgsProcessingParameterEnum(
            self.EPHEMERIS, tr("Ephemeris sample"),
            options=[tr("nearest the tile centre"), tr("nearest the point")], defaultValue=0,
        ))
        self.addParameter(QgsProcessingParameterString(
            self.TILE, tr("Tile of a multi-tile product (e.g. 53HLA)"), optional=True,
        ))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, tr("Points with delays"), QgsProcessing.SourceType.TypeVectorPoint,
        ))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API)
        keep_pyproj_context()  # a Processing task thread, like a QgsTask's
        path = self.parameterAsFile(parameters, self.PRODUCT, context)
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        source_band = BANDS[self.parameterAsEnum(parameters, self.SOURCE_BAND, context)]
        ephemeris = SELECTIONS[self.parameterAsEnum(parameters, self.EPHEMERIS, context)]
        tile = (self.parameterAsString(parameters, self.TILE, context) or "").strip()
        tile = tile.upper().removeprefix("T") or None

        def cancel_only(_fraction: float, _message: str) -> None:
            if feedback.isCanceled():
                raise CancelledError("cancelled")

        def progress(fraction: float, message: str) -> None:
            cancel_only(fraction, message)
            feedback.setProgress(10.0 * fraction)

        feedback.pushInfo(tr("Opening {path}").format(path=path))
        try:
            inspectors = GranuleInspectors(path, tile, ephemeris=ephemeris, progress=progress)
            first = inspectors.inspector(inspectors.product.selected_granule)
        except CancelledError:
            return {}
        except (S2GMError, OSError) as exc:
            raise QgsProcessingException(str(exc)) from exc
        if inspectors.product.level != "L1C":
            raise QgsProcessingException(tr(
                "{path} is a {level} product: detector footprints and delays need L1C").format(
                    path=path, level=inspectors.product.level))
        for warning in first.warnings:
            feedback.pushWarning(warning)

        # The other granules open in the middle of the points: their opening must not move the
        # progress bar back.
        inspectors.progress = cancel_only
        opened = {inspectors.product.selected_granule}
        tiles = inspectors.readable_tiles
        outside = (tr("outside tile {tile}").format(tile=tiles[0]) if len(tiles) == 1 else
                   tr("outside every tile of the product ({tiles})").format(tiles=", ".join(tiles)))

        fields = QgsFields(source.fields())
        new_fields = added_fields(source_band)
        taken = {field.name().lower() for field in source.fields()}
        clashes = [f.name() for f in new_fields if f.name().lower() in taken]
        if clashes:
            raise QgsProcessingException(tr(
                "the point layer already has the columns {names}: rename them first").format(
                    names=", ".join(clashes)))
        for field in new_fields:
            fields.append(field)
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, fields,
                                             source.wkbType(), source.sourceCrs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))

        # Points go to the first granule's CRS through QGIS (the project's datum transformations
        # apply); a granule of another UTM zone is then reached by the core.
        epsg = first.epsg
        transform = QgsCoordinateTransform(source.sourceCrs(),
                                           QgsCoordinateReferenceSystem(f"EPSG:{epsg}"),
                                           context.transformContext())
        total = source.featureCount() or 1
        empty = [None] * len(new_fields)
        for number, feature in enumerate(source.getFeatures()):
            if feedback.isCanceled():
                break
            values, note = list(empty), None
            geometry = feature.geometry()
            if geometry.isEmpty():
                note = tr("no geometry")
            elif geometry.isMultipart() and geometry.constGet().numGeometries() != 1:
                note = tr("a multipoint of several points: give single points")
            else:
                try:
                    point = transform.transform(geometry.vertexAt(0).x(), geometry.vertexAt(0).y())
                except QgsCsException as exc:
                    note = tr("cannot be transformed to EPSG:{epsg} ({error})").format(
                        epsg=epsg, error=exc)
                else:
                    index = inspectors.index_containing(point.x(), point.y(), epsg)
                    if index is None:
                        note = outside
                    else:
                        try:
                            inspector = inspectors.inspector(index)
                        except CancelledError:
                            break
                        except (S2GMError, OSError) as exc:
                            raise QgsProcessingException(str(exc)) from exc
                        if index not in opened:
                            opened.add(index)
                            for warning in inspector.warnings:
                                feedback.pushWarning(f"{inspector.tile_id}: {warning}")
                        values, note = self._values(inspector, point.x(), point.y(), epsg,
                                                    source_band, ephemeris, new_fields)
            values[-1] = note
            out = QgsFeature(fields)
            out.setGeometry(geometry)
            out.setAttributes(feature.attributes() + values)
            sink.addFeature(out, QgsFeatureSink.Flag.FastInsert)
            feedback.setProgress(10.0 + 90.0 * (number + 1) / total)
        return {self.OUTPUT: dest_id}

    @staticmethod
    def _values(inspector, x, y, epsg, source_band, ephemeris, new_fields):
        readout = inspector.readout(x, y, crs=epsg, source_band=source_band, ephemeris=ephemeris)
        names = [field.name() for field in new_fields]
        values = [None] * len(names)
        sample = readout.ephemeris
        values[names.index("src_band")] = source_band
        if sample is not None:
            values[names.index("h_sat_m")] = sample.h_sat_m
            values[names.index("v_ground")] = sample.v_ground_m_s
            values[names.index("eph_utc")] = sample.utc_time
        notes = list(readout.warnings)
        if readout.detector is None:
            notes.insert(0, readout.message or "")
            return values, "; ".join(n for n in notes if n) or None
        values[names.index("detector")] = readout.detector
        if readout.sensing_time_utc:
            values[names.index("sensed_utc")] = readout.sensing_time_utc.get(source_band)
        for delay in readout.delays:
            values[names.index(delay_field_name(delay.dst))] = delay.dt_s
        return values, "; ".join(notes) or None
