"""The S2GM Processing provider (id ``s2gm``): what the Processing toolbox and ``qgis_process``
list under "S2GM" once the plugin is enabled.

Adding an algorithm (later issues): write it in its own module under ``s2gm_qgis.processing``
(an :class:`~.algorithm.S2gmAlgorithm`, or a :class:`~.source_parameters.DataSourceAlgorithm`
when it reads observations; strings through ``qgis_support.i18n.tr``, work done by
``s2gm_qgis.core``), import its class here and append it to ``ALGORITHM_FACTORIES``.
The provider calls each factory with no argument whenever Processing (re)loads algorithms, so a
class works as its own factory.
"""
from __future__ import annotations

from typing import Callable

from qgis.core import QgsProcessingAlgorithm, QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..qgis_support.i18n import tr
from ..resources import icon_path
from .delays_at_points import DelaysAtPointsAlgorithm
from .mosaic import BuildMosaicAlgorithm
from .point_time_series import PointTimeSeriesAlgorithm
from .product_info import ProductMetadataAlgorithm

#: Zero-argument callables returning a new algorithm each, in toolbox order.
ALGORITHM_FACTORIES: list[Callable[[], QgsProcessingAlgorithm]] = [
    ProductMetadataAlgorithm,
    DelaysAtPointsAlgorithm,
    BuildMosaicAlgorithm,
    PointTimeSeriesAlgorithm,
]


class S2gmProvider(QgsProcessingProvider):
    """Groups the plugin's algorithms in the Processing toolbox."""

    def id(self) -> str:  # noqa: A003 (QGIS API)
        return "s2gm"

    def name(self) -> str:
        return "S2GM"

    def longName(self) -> str:  # noqa: N802 (QGIS API)
        return tr("S2GM: Sentinel-2 mosaics and inter-band delays")

    def icon(self) -> QIcon:
        return QIcon(icon_path("s2gm.svg"))

    def svgIconPath(self) -> str:  # noqa: N802 (QGIS API)
        return icon_path("s2gm.svg")

    def loadAlgorithms(self) -> None:  # noqa: N802 (QGIS API)
        for factory in ALGORITHM_FACTORIES:
            self.addAlgorithm(factory())
