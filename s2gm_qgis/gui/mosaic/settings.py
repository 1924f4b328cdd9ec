"""What the mosaic dock remembers between sessions (QgsSettings keys under ``s2gm_qgis/mosaic/``,
through the plugin's one settings mechanism): the options of the last order placed and the area
above which an order asks for confirmation. Where orders run and where their observations come
from are preferences (:mod:`s2gm_qgis.qgis_support.preferences`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ...qgis_support.settings import PREFIX, StoredSettings

#: AOIs above this area (km2) ask for confirmation unless the user set another limit.
DEFAULT_CONFIRM_AREA_KM2 = 10_000.0


@dataclass(frozen=True)
class MosaicDockSettings(StoredSettings):
    """The dock's remembered choices. Immutable: change with ``dataclasses.replace``."""

    GROUP: ClassVar[str] = PREFIX + "mosaic/"

    #: ``OptionsWidget.state()`` of the last order placed.
    options: dict[str, Any] = field(default_factory=dict)
    confirm_area_km2: float = DEFAULT_CONFIRM_AREA_KM2
