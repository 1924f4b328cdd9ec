"""Sentinel-2 tile geometry: UTM zone, EPSG code and upper-left corner of an MGRS tile.

The Sentinel-2 tiling follows the MGRS 100 km grid (AA lettering scheme): the column letter
sets repeat every 3 zones (A-H, J-R, S-Z, 100 km steps from easting 100 000 m), the 20 row
letters (A-V without I and O) repeat every 2 000 km of northing, offset by 5 letters in even
zones; the latitude band (C..X, 8 degrees each from 80 S) removes the 2 000 km ambiguity.
A Sentinel-2 tile is 109 800 m square: the 100 km square plus 9 800 m of overlap to the east
and south, with its upper-left corner a few tens of metres off the square's corner.

Corners read off real products are kept in ``KNOWN_CORNERS`` (they win over the rule).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pyproj import Transformer

TILE_SIZE_M = 109_800
FULL_SIZE_10M = 10_980

_COLUMN_SETS = ("STUVWXYZ", "ABCDEFGH", "JKLMNPQR")  # indexed by zone % 3
_ROW_LETTERS = "ABCDEFGHJKLMNPQRSTUV"
_LAT_BANDS = "CDEFGHJKLMNPQRSTUVWX"

#: (ULX, ULY) of real tiles, metres in their UTM zone, from real MTD_TL.xml files:
#: 48LWP (shared N0301 sample), 01KAB (shared L2A 05.09 sample), 30TXR (shared N0500 sample).
#: 32TQM covers Rome (41.9 N); its corner follows the rule (row M = 4 600 km + 100 km).
KNOWN_CORNERS: dict[str, tuple[int, int]] = {
    "48LWP": (499980, 8900020),
    "01KAB": (99960, 8200000),
    "30TXR": (600000, 5100000),
    "32TQM": (699960, 4700040),
}

#: Offset of derived corners from the MGRS square corner (metres), as most real tiles have.
_DERIVED_DX_M = -40
_DERIVED_DY_M = 40


@dataclass(frozen=True)
class TileGeometry:
    """A tile's grid as written in MTD_TL.xml: ``size_10m`` pixels at 10 m from (ulx_m, uly_m)."""

    tile: str  # "32TQM"
    zone: int
    south: bool
    epsg: int
    ulx_m: float
    uly_m: float
    size_10m: int

    @property
    def cs_name(self) -> str:
        """HORIZONTAL_CS_NAME, e.g. 'WGS84 / UTM zone 32N'."""
        return f"WGS84 / UTM zone {self.zone:02d}{'S' if self.south else 'N'}"

    def size(self, resolution_m: int) -> int:
        """Rows (= columns) at ``resolution_m`` (10, 20 or 60)."""
        return self.size_10m * 10 // resolution_m

    def geotransform(self, resolution_m: int) -> tuple[float, float, float, float, float, float]:
        return (self.ulx_m, float(resolution_m), 0.0, self.uly_m, 0.0, -float(resolution_m))

    @property
    def centre_m(self) -> tuple[float, float]:
        """Centre of the written image (not of the full tile when the image is smaller)."""
        half = self.size_10m * 10 / 2
        return (self.ulx_m + half, self.uly_m - half)

    def to_lonlat(self, x_m, y_m):
        """UTM metres -> (lon, lat) degrees (arrays welcome)."""
        return _to_lonlat(self.epsg).transform(x_m, y_m)

    def from_lonlat(self, lon, lat):
        return _from_lonlat(self.epsg).transform(lon, lat)


@lru_cache(maxsize=None)
def _to_lonlat(epsg: int) -> Transformer:
    return Transformer.from_crs(epsg, 4326, always_xy=True)


@lru_cache(maxsize=None)
def _from_lonlat(epsg: int) -> Transformer:
    return Transformer.from_crs(4326, epsg, always_xy=True)


def parse_tile(tile: str) -> tuple[int, str, str, str]:
    """'32TQM' or 'T32TQM' -> (32, 'T', 'Q', 'M'); ValueError naming what is wrong."""
    text = tile.strip().upper()
    if text.startswith("T") and len(text) == 6:
        text = text[1:]
    if len(text) != 5 or not text[:2].isdigit():
        raise ValueError(f"tile {tile!r}: expected an MGRS tile like '32TQM' (zone, band, square)")
    zone, band, col, row = int(text[:2]), text[2], text[3], text[4]
    if not 1 <= zone <= 60:
        raise ValueError(f"tile {tile!r}: UTM zone {zone} is not in 1..60")
    if band not in _LAT_BANDS:
        raise ValueError(f"tile {tile!r}: latitude band {band!r} is not one of {_LAT_BANDS}")
    if col not in _COLUMN_SETS[zone % 3]:
        raise ValueError(
            f"tile {tile!r}: column letter {col!r} is not used in zone {zone} "
            f"(expected one of {_COLUMN_SETS[zone % 3]})"
        )
    if row not in _ROW_LETTERS:
        raise ValueError(f"tile {tile!r}: row letter {row!r} is not one of {_ROW_LETTERS}")
    return zone, band, col, row


def mgrs_square_corner(tile: str) -> tuple[int, int]:
    """South-west corner (easting, northing) of the tile's MGRS 100 km square, metres."""
    zone, band, col, row = parse_tile(tile)
    south = band < "N"
    easting = (_COLUMN_SETS[zone % 3].index(col) + 1) * 100_000
    offset = 5 if zone % 2 == 0 else 0
    northing_mod = ((_ROW_LETTERS.index(row) - offset) % 20) * 100_000
    band_min_lat = -80 + 8 * _LAT_BANDS.index(band)
    epsg = (32700 if south else 32600) + zone
    central_lon = -183 + 6 * zone
    _, band_min_n = _from_lonlat(epsg).transform(central_lon, band_min_lat)
    # The lowest northing with this row letter whose square reaches into the latitude band.
    northing = northing_mod
    while northing + 100_000 <= band_min_n:
        northing += 2_000_000
    return easting, northing


def tile_geometry(tile: str = "32TQM", size_10m: int = FULL_SIZE_10M,
                  offset_10m: tuple[int, int] = (0, 0)) -> TileGeometry:
    """The tile's CRS and the written image's corner: ``size_10m`` pixels square, starting
    ``offset_10m`` = (rows, cols) pixels from the tile's upper-left corner (metadata
    Geoposition and Size then describe that window, consistently with the images)."""
    zone, band, _, _ = parse_tile(tile)
    name = f"{zone:02d}{tile.strip().upper()[-3:]}"
    if size_10m <= 0 or size_10m % 6 or size_10m > FULL_SIZE_10M:
        raise ValueError(
            f"size_10m={size_10m}: expected a positive multiple of 6 up to {FULL_SIZE_10M} "
            "(so the 20 m and 60 m grids stay whole)"
        )
    row_off, col_off = (int(v) for v in offset_10m)
    if not (0 <= row_off <= FULL_SIZE_10M - size_10m and 0 <= col_off <= FULL_SIZE_10M - size_10m):
        raise ValueError(f"offset_10m={offset_10m}: the {size_10m} px window must fit in the tile")
    south = band < "N"
    if name in KNOWN_CORNERS:
        ulx, uly = KNOWN_CORNERS[name]
    else:
        easting, northing = mgrs_square_corner(name)
        ulx, uly = easting + _DERIVED_DX_M, northing + 100_000 + _DERIVED_DY_M
    return TileGeometry(
        tile=name, zone=zone, south=south, epsg=(32700 if south else 32600) + zone,
        ulx_m=float(ulx + 10 * col_off), uly_m=float(uly - 10 * row_off), size_10m=size_10m,
    )
