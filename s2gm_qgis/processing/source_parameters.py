"""The data-source parameters the mosaic and time-series algorithms share: local archive
folders (an ``ARCHIVE`` parameter, else those of the settings), Earth Search, Copernicus Data
Space or a custom STAC API (address, collection, cloud ceiling), and the network settings of
QGIS handed to the core before the run (:class:`DataSourceAlgorithm`)."""
from __future__ import annotations

from typing import Optional

from qgis.core import (
    QgsProcessingException, QgsProcessingParameterEnum, QgsProcessingParameterFile,
    QgsProcessingParameterNumber, QgsProcessingParameterString,
)

from ..core.errors import ValidationError
from ..core.mosaic.sources.spec import SourceSpec
from ..qgis_support.i18n import tr
from ..qgis_support.labels import source_labels
from ..qgis_support.preferences import DATA_SOURCES, LOCAL, Preferences
from ..qgis_support.remote import prepare_remote_reads
from .algorithm import S2gmAlgorithm

SOURCE = "SOURCE"
STAC_URL = "STAC_URL"
COLLECTION = "COLLECTION"
MAX_CLOUD = "MAX_CLOUD"


def add_source_parameters(algorithm) -> None:
    algorithm.addParameter(QgsProcessingParameterEnum(
        SOURCE, tr("Data source"), options=[source_labels()[k] for k in DATA_SOURCES],
        defaultValue=0))
    algorithm.addParameter(QgsProcessingParameterString(
        STAC_URL, tr("STAC API address (custom STAC API)"), optional=True))
    algorithm.addParameter(QgsProcessingParameterString(
        COLLECTION, tr("STAC collection (default: the provider's)"), optional=True))
    algorithm.addParameter(QgsProcessingParameterNumber(
        MAX_CLOUD, tr("Leave out scenes above this cloud cover (%)"),
        type=QgsProcessingParameterNumber.Type.Double, minValue=0, maxValue=100,
        defaultValue=100))


def source_spec(algorithm, parameters, context) -> Optional[SourceSpec]:
    """The STAC source the parameters name, None for the local archive."""
    kind = DATA_SOURCES[algorithm.parameterAsEnum(parameters, SOURCE, context)]
    if kind == LOCAL:
        return None
    cloud = algorithm.parameterAsDouble(parameters, MAX_CLOUD, context)
    try:
        return SourceSpec(kind, algorithm.parameterAsString(parameters, STAC_URL, context),
                          algorithm.parameterAsString(parameters, COLLECTION, context),
                          None if cloud >= 100 else cloud)
    except ValidationError as exc:
        raise QgsProcessingException("; ".join(f"{k}: {v}" for k, v in exc.errors.items()))


def prepare_network(algorithm, parameters, context, feedback) -> None:
    """On the GUI thread (prepareAlgorithm): the QGIS proxy and the CDSE S3 keys of the
    authentication database (which may ask for its master password) for remote reads."""
    for warning in prepare_remote_reads(Preferences.load(),
                                        source_spec(algorithm, parameters, context)):
        feedback.reportError(warning)


class DataSourceAlgorithm(S2gmAlgorithm):
    """An algorithm reading Sentinel-2 observations: the source parameters above, and an
    ``ARCHIVE`` folder parameter of its own."""

    ARCHIVE = "ARCHIVE"

    def add_source_parameters(self) -> None:
        """The ``ARCHIVE`` folder, then the source parameters."""
        self.addParameter(QgsProcessingParameterFile(
            self.ARCHIVE, tr("Archive folder of L2A products (default: the S2GM settings)"),
            behavior=QgsProcessingParameterFile.Behavior.Folder, optional=True))
        add_source_parameters(self)

    def archive_folders(self, parameters, context) -> list[str]:
        """The ``ARCHIVE`` folder, else the archive folders of the S2GM settings."""
        folder = self.parameterAsFile(parameters, self.ARCHIVE, context)
        if folder:
            return [folder]
        folders = list(Preferences.load().archive_folders)
        if not folders:
            raise QgsProcessingException(tr("No archive folder: give one, or add one in the "
                                            "S2GM settings"))
        return folders

    def prepareAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API)
        prepare_network(self, parameters, context, feedback)
        return True
