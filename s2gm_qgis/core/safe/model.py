"""What the SAFE reader returns: frozen dataclasses with units in their names.

Every path is a string GDAL can open: a plain file path for SAFE folders, a ``/vsizip/`` path for
products read inside a zip. Nothing here is ever written next to a user's product.
Facts on the layouts: ../shared/docs/safe-format.md (checked on real products).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping, Optional

import numpy as np


@dataclass(frozen=True)
class GridGeometry:
    """The raster grid of a tile at one resolution (MTD_TL ``Geoposition`` + ``Size``).

    ``ydim_m`` is negative (north-up), as in the metadata.
    """

    resolution_m: int
    ulx_m: float
    uly_m: float
    xdim_m: float
    ydim_m: float
    nrows: int
    ncols: int

    @property
    def geotransform(self) -> tuple[float, float, float, float, float, float]:
        """GDAL geotransform of the grid."""
        return (self.ulx_m, self.xdim_m, 0.0, self.uly_m, 0.0, self.ydim_m)

    @property
    def bounds_m(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) in the tile's CRS, metres."""
        return (
            self.ulx_m,
            self.uly_m + self.ydim_m * self.nrows,
            self.ulx_m + self.xdim_m * self.ncols,
            self.uly_m,
        )


@dataclass(frozen=True)
class AngleGrid:
    """An angle pair on the tile's coarse grid (MTD_TL ``Tile_Angles``), degrees.

    Arrays are (rows, cols), usually 23 x 23 at 5000 m steps; NaN where undefined (a viewing grid
    is NaN outside its detector). Node (0, 0) sits on the tile's upper-left corner.
    """

    zenith_deg: np.ndarray
    azimuth_deg: np.ndarray
    ulx_m: float
    uly_m: float
    col_step_m: float
    row_step_m: float


@dataclass(frozen=True)
class TileAngles:
    """Sun and viewing angles of a tile (MTD_TL ``Tile_Angles``)."""

    sun: Optional[AngleGrid]
    #: (band, detector number 1-12) -> viewing incidence angles of that detector.
    viewing: Mapping[tuple[str, int], AngleGrid]
    mean_sun_zenith_deg: Optional[float]
    mean_sun_azimuth_deg: Optional[float]
    #: band -> (mean viewing zenith, mean viewing azimuth), degrees.
    mean_viewing_deg: Mapping[str, tuple[float, float]]


@dataclass(frozen=True)
class Granule:
    """One tile of a product (MTD_TL.xml and the files it and the product metadata list)."""

    granule_id: str
    tile_id: str  # e.g. "48LWP" (no leading T)
    epsg: int
    sensing_time_utc: datetime  # timezone-aware, UTC
    datastrip_id: Optional[str]
    metadata_path: str  # MTD_TL.xml
    grids: Mapping[int, GridGeometry]  # resolution_m -> grid
    #: (layer, resolution_m) -> image path. Layers: "B01".."B12", "B8A", "TCI", and for L2A also
    #: "AOT", "WVP", "SCL". L1C bands appear at their native resolution only.
    images: Mapping[tuple[str, int], str]
    #: (mask type, key) -> mask path. key is the band ("B02") for per-band masks (MSK_DETFOO,
    #: MSK_QUALIT, MSK_CLOUDS...), or the resolution ("20m") for L2A MSK_CLDPRB / MSK_SNWPRB,
    #: or None for a mask of the whole tile (e.g. MSK_CLOUDS_B00, MSK_CLASSI_B00).
    masks: Mapping[tuple[str, Optional[str]], str]
    angles: Optional[TileAngles]  # None when the metadata has no angle grids
    #: Footprint of the granule's valid data, lon/lat ring(s) in EPSG:4326, when known.
    footprint_lonlat: Optional[tuple[tuple[float, float], ...]] = None
    #: Images the product metadata lists but that are not in the product (e.g. a folder holding
    #: only the metadata): (layer, resolution_m) -> the listed path (IMAGE_FILE has no extension).
    missing_images: Mapping[tuple[str, int], str] = field(default_factory=dict)
    #: Masks MTD_TL.xml lists but that are not in the product, keyed like ``masks``.
    missing_masks: Mapping[tuple[str, Optional[str]], str] = field(default_factory=dict)

    def image(self, layer: str, resolution_m: Optional[int] = None) -> str:
        """Path of a layer, at ``resolution_m`` or at the finest resolution available."""
        if resolution_m is not None:
            return self.images[(layer, resolution_m)]
        found = sorted((res, path) for (name, res), path in self.images.items() if name == layer)
        if not found:
            raise KeyError(layer)
        return found[0][1]

    def mask(self, mask_type: str, key: Optional[str] = None) -> str:
        """Path of a mask (``mask("MSK_DETFOO", "B02")``, ``mask("MSK_CLDPRB", "20m")``).

        Raises ProductError naming the tile metadata when the mask is not listed there, or the
        listed file when it is missing from the product.
        """
        from ..errors import ProductError  # local: the model stays importable on its own

        found = self.masks.get((mask_type, key))
        if found is not None:
            return found
        label = f"{mask_type} {key}" if key else mask_type
        missing = self.missing_masks.get((mask_type, key))
        if missing is not None:
            raise ProductError(missing, f"missing mask: {label} is listed in "
                               f"{self.metadata_path} but the file is not in the product")
        listed = sorted({f"{t} {k}" if k else t for t, k in (*self.masks, *self.missing_masks)})
        raise ProductError(self.metadata_path, f"missing mask: no {label} listed there "
                           f"(listed: {', '.join(listed) or 'none'})")


@dataclass(frozen=True)
class BandTimeStamp:
    """MTD_DS ``Band_Time_Stamp/Detector``: the GPS time of ``reference_line`` for one band and
    detector; ``gps_time`` as numpy datetime64[ns] in the GPS time scale."""

    band: str
    detector: int
    reference_line: int
    gps_time: np.datetime64


@dataclass(frozen=True)
class GpsEphemeris:
    """MTD_DS ``Ephemeris/GPS_Points_List``: Earth-fixed (ITRF) samples, usually at 1 Hz.

    ``position_m`` and ``velocity_m_s`` are (N, 3) float64; times are datetime64[ns] arrays.
    GPS time is 18 s ahead of UTC.
    """

    position_m: np.ndarray
    velocity_m_s: np.ndarray
    gps_time: np.ndarray
    utc_time: np.ndarray


@dataclass(frozen=True)
class Datastrip:
    """What the delay core needs from MTD_DS.xml."""

    path: str
    spacecraft: str  # "S2A" | "S2B" | "S2C"
    orbit_number: Optional[int]  # SENSING_ORBIT_NUMBER (relative orbit)
    orbit_direction: Optional[str]  # "DESCENDING" | "ASCENDING"
    sensing_start_utc: Optional[datetime]
    sensing_stop_utc: Optional[datetime]
    processing_baseline: Optional[str]
    line_period_ms: Optional[float]
    #: (band, detector) -> time stamp
    band_time_stamps: Mapping[tuple[str, int], BandTimeStamp]
    ephemeris: Optional[GpsEphemeris]


@dataclass(frozen=True)
class Product:
    """A Sentinel-2 L1C or L2A product, compact (PSD-14) or old multi-tile (PSD-13) layout."""

    path: str  # what the user gave, normalised (SAFE folder or zip)
    root: str  # GDAL path of the .SAFE folder (a /vsizip/ path for zips)
    name: str  # product name without .SAFE / .zip
    level: str  # "L1C" | "L2A"
    spacecraft: str  # "S2A" | "S2B" | "S2C"
    processing_baseline: str  # "03.01", "05.09", ...
    sensing_start_utc: datetime  # PRODUCT_START_TIME, timezone-aware UTC
    relative_orbit: Optional[int]
    metadata_path: str  # MTD_MSIL1C.xml / MTD_MSIL2A.xml (or the PSD-13 MTD_SAFL1C file)
    #: Reflectance = (DN + offset) / quantification_value; DN 0 is no-data.
    quantification_value: float
    #: band -> radiometric offset (RADIO_ADD_OFFSET / BOA_ADD_OFFSET); 0 before baseline 04.00.
    radiometric_offset: Mapping[str, float]
    aot_quantification_value: Optional[float]  # L2A only
    wvp_quantification_value: Optional[float]  # L2A only
    cloud_cover_pct: Optional[float]
    granules: tuple[Granule, ...]
    datastrip_path: Optional[str]  # MTD_DS.xml when the product has one (may be empty/corrupt)
    #: Reason the datastrip is absent or unusable, when it is (e.g. "MTD_DS.xml is empty").
    datastrip_problem: Optional[str] = None
    #: Index of the tile selected by the path the user gave (a file inside a granule), else 0.
    selected_granule: int = 0
    #: How the tile was selected: "path" (a path inside its granule), "tile" (asked by name)
    #: or None (neither: the first granule).
    selected_by: Optional[str] = None
    #: Product footprint (lon, lat) ring from the product metadata, when present.
    footprint_lonlat: Optional[tuple[tuple[float, float], ...]] = field(default=None)
    #: SENSING_ORBIT_DIRECTION of the datatake ("DESCENDING" | "ASCENDING"), when given.
    orbit_direction: Optional[str] = None
    #: "compact" (PSD-14, MTD_MSIL1C.xml) or "psd13" (old multi-tile layout).
    layout: str = "compact"

    @property
    def granule(self) -> Granule:
        """The selected tile (the only one for compact products)."""
        return self.granules[self.selected_granule]

    def reflectance(self, dn: np.ndarray, band: str, out: Optional[np.ndarray] = None
                    ) -> np.ndarray:
        """(DN + offset) / quantification as float32, NaN where DN is 0 (no-data).

        ``out``: a float32 array of ``dn``'s shape to write the result into (and return),
        e.g. a row of an observation stack; the values are the same either way."""
        dn = np.asarray(dn)
        offset = np.float32(self.radiometric_offset.get(band, 0.0))
        if out is None:
            out = dn.astype(np.float32) + offset
        else:  # the same float32 sum, without the temporary copies
            np.add(dn, offset, out=out, dtype=np.float32)
        out /= np.float32(self.quantification_value)
        if not dn.all():  # no-data is rare inside a tile: skip the mask when there is none
            out[dn == 0] = np.nan
        return out
