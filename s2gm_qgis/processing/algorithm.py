"""What every algorithm of the S2GM provider shares: its id and group from two class attributes,
and a new instance of its own class for Processing."""
from __future__ import annotations

from qgis.core import QgsProcessingAlgorithm

from ..qgis_support.i18n import tr


def group_names() -> dict[str, str]:
    """Toolbox group id -> its translated name."""
    return {"products": tr("Sentinel-2 products"), "delays": tr("Inter-band delays"),
            "mosaics": tr("Mosaics")}


class S2gmAlgorithm(QgsProcessingAlgorithm):
    """Base of the provider's algorithms; a subclass sets :attr:`ALGORITHM_ID` and
    :attr:`GROUP_ID` and gives ``displayName``, ``shortHelpString``, ``initAlgorithm`` and
    ``processAlgorithm``."""

    #: The id after ``s2gm:`` (``qgis_process run s2gm:<id>``).
    ALGORITHM_ID = ""
    #: A key of :func:`group_names`.
    GROUP_ID = ""

    def name(self) -> str:
        return self.ALGORITHM_ID

    def group(self) -> str:
        return group_names()[self.GROUP_ID]

    def groupId(self) -> str:  # noqa: N802 (QGIS API)
        return self.GROUP_ID

    def createInstance(self) -> "S2gmAlgorithm":  # noqa: N802 (QGIS API)
        return type(self)()
