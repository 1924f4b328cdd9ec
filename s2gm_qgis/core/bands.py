"""Sentinel-2 MSI band facts shared by the reader, the delay core and the mosaic engine.

Band order and ``bandId`` numbering follow the product metadata (MTD_TL.xml ``bandId`` 0-12 is
B01..B08, B8A, B09..B12); native resolutions from the Sentinel-2 User Handbook.
"""
from __future__ import annotations

#: The 13 MSI bands in metadata order: ``BANDS[bandId]``.
BANDS: tuple[str, ...] = (
    "B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12",
)

#: Native ground sampling distance of each band, metres.
NATIVE_RESOLUTION_M: dict[str, int] = {
    "B01": 60, "B02": 10, "B03": 10, "B04": 10, "B05": 20, "B06": 20, "B07": 20,
    "B08": 10, "B8A": 20, "B09": 60, "B10": 60, "B11": 20, "B12": 20,
}

#: Central wavelength (S2A), nanometres.
CENTRAL_WAVELENGTH_NM: dict[str, float] = {
    "B01": 442.7, "B02": 492.4, "B03": 559.8, "B04": 664.6, "B05": 704.1, "B06": 740.5,
    "B07": 782.8, "B08": 832.8, "B8A": 864.7, "B09": 945.1, "B10": 1373.5, "B11": 1613.7,
    "B12": 2202.4,
}

SPACECRAFTS: tuple[str, ...] = ("S2A", "S2B", "S2C")


def band_from_id(band_id: int | str) -> str:
    """Band name of a metadata ``bandId`` (0-12); raises ValueError outside that range."""
    index = int(band_id)
    if not 0 <= index < len(BANDS):
        raise ValueError(f"bandId {band_id!r} is not in 0..12")
    return BANDS[index]


def normalise_band(name: str) -> str:
    """'B2', 'b02', 'B8a' -> 'B02', 'B02', 'B8A'; raises ValueError for anything else."""
    text = name.strip().upper()
    if text in BANDS:
        return text
    if text.startswith("B") and text[1:].isdigit():
        candidate = f"B{int(text[1:]):02d}"
        if candidate in BANDS:
            return candidate
    raise ValueError(f"{name!r} is not a Sentinel-2 band (expected one of {', '.join(BANDS)})")


def spacecraft_code(name: str) -> str:
    """'Sentinel-2A' / 'S2A' / 'SENTINEL-2B' -> 'S2A' / 'S2B'; ValueError if unknown."""
    text = name.strip().upper().replace("SENTINEL-", "S")
    if text in SPACECRAFTS:
        return text
    raise ValueError(f"unknown spacecraft {name!r} (expected Sentinel-2A, -2B or -2C)")
