"""What the delay inspector remembers between sessions (QgsSettings keys under
``s2gm_qgis/delays/``): the source band, the bands shown, the ephemeris sample choice, the two
bands of the velocity probe, the band of the footprint overlay and the last folder used.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional

from qgis.core import QgsSettings

from ...core.bands import BANDS
from ...core.delays.ephemeris import SELECTIONS

PREFIX = "s2gm_qgis/delays/"


@dataclass(frozen=True)
class DelaySettings:
    """The inspector's choices. Immutable: change with ``dataclasses.replace``."""

    source_band: str = "B02"
    #: Bands listed in the delay table (the source band is always left out of it).
    shown_bands: tuple[str, ...] = BANDS
    #: "tile-centre" (the paper's choice) or "point" (the sample nearest the point).
    ephemeris: str = "tile-centre"
    velocity_band_a: str = "B02"
    velocity_band_b: str = "B04"
    footprint_band: str = "B02"
    last_folder: str = ""

    @classmethod
    def load(cls, settings: Optional[QgsSettings] = None) -> "DelaySettings":
        """Stored values where valid, defaults elsewhere (a stale or hand-edited key never
        breaks the dock)."""
        settings = settings if settings is not None else QgsSettings()
        defaults = cls()
        values = {}
        for name in ("source_band", "velocity_band_a", "velocity_band_b", "footprint_band"):
            value = str(settings.value(PREFIX + name, getattr(defaults, name)) or "")
            values[name] = value if value in BANDS else getattr(defaults, name)
        ephemeris = str(settings.value(PREFIX + "ephemeris", defaults.ephemeris) or "")
        values["ephemeris"] = ephemeris if ephemeris in SELECTIONS else defaults.ephemeris
        raw = settings.value(PREFIX + "shown_bands", None)
        if raw is not None:
            items = [raw] if isinstance(raw, str) else list(raw)
            shown = tuple(band for band in BANDS if band in {str(item) for item in items})
            values["shown_bands"] = shown or defaults.shown_bands
        values["last_folder"] = str(settings.value(PREFIX + "last_folder", "") or "")
        if values["velocity_band_a"] == values["velocity_band_b"]:
            values["velocity_band_a"] = defaults.velocity_band_a
            values["velocity_band_b"] = defaults.velocity_band_b
        return dataclasses.replace(defaults, **values)

    def save(self, settings: Optional[QgsSettings] = None) -> None:
        settings = settings if settings is not None else QgsSettings()
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            settings.setValue(PREFIX + item.name, list(value) if isinstance(value, tuple) else value)
        settings.sync()
