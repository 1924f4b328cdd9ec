"""What the delay inspector remembers between sessions (QgsSettings keys under
``s2gm_qgis/delays/``, through the plugin's one settings mechanism): the source band, the bands
shown, the ephemeris sample choice, the two bands of the velocity probe, the band of the
footprint overlay and the last folder used.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

from ...core.bands import BANDS
from ...core.delays.ephemeris import SELECTIONS
from ...qgis_support.settings import PREFIX, StoredSettings

BAND_FIELDS = ("source_band", "velocity_band_a", "velocity_band_b", "footprint_band")


@dataclass(frozen=True)
class DelaySettings(StoredSettings):
    """The inspector's choices. Immutable: change with ``dataclasses.replace``."""

    GROUP: ClassVar[str] = PREFIX + "delays/"

    source_band: str = "B02"
    #: Bands listed in the delay table (the source band is always left out of it).
    shown_bands: tuple[str, ...] = BANDS
    #: "tile-centre" (the paper's choice) or "point" (the sample nearest the point).
    ephemeris: str = "tile-centre"
    velocity_band_a: str = "B02"
    velocity_band_b: str = "B04"
    footprint_band: str = "B02"
    last_folder: str = ""

    def normalised(self) -> "DelaySettings":
        """Stored values where valid, defaults elsewhere (a stale or hand-edited key never
        breaks the dock)."""
        defaults = type(self)()
        values = {name: getattr(self, name) if getattr(self, name) in BANDS
                  else getattr(defaults, name) for name in BAND_FIELDS}
        if self.ephemeris not in SELECTIONS:
            values["ephemeris"] = defaults.ephemeris
        values["shown_bands"] = tuple(band for band in BANDS if band in set(self.shown_bands)) \
            or defaults.shown_bands
        if values["velocity_band_a"] == values["velocity_band_b"]:
            values["velocity_band_a"] = defaults.velocity_band_a
            values["velocity_band_b"] = defaults.velocity_band_b
        return dataclasses.replace(self, **values)
