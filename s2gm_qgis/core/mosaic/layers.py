"""The output layers of a mosaic: names as in S2GM products, the S2GM order-API alias, units, and
how each is stored at 16 and 8 bits.

Layer names and aliases come from the S2GM Product User Manual and the historic order API
(../shared/docs/mosaic-algorithm.md sections 4 and 6). Writers receive *physical* values (float,
NaN = no data) and store them with :meth:`Encoding.encode`; readers get them back with
:meth:`Encoding.decode`, or apply ``physical = code * scale + offset`` themselves (the scale and
offset are written into every output file's metadata).

Storage laws (``code`` is the stored integer):

* Reflectance, 16 bit: ``code = clip(round(reflectance * 10000), 1, 65535)``, 0 = no data
  (UInt16, S2GM's scaling). Negative surface reflectance (possible from baseline 04.00 on, where
  DN < 1000) is stored as 1, i.e. 0.0001.
* Reflectance, 8 bit: ``code = clip(round(reflectance * 250), 1, 255)``, 0 = no data (Byte).
  One step is 0.004 reflectance; everything at or above 1.02 saturates at 255.
* Continuous quality layers (AOT, angles, medoid spread) have a finer step at 16 bit than at 8
  bit and use the top code (65535 / 255) as no data so that 0 stays a valid value.
* Percentages, scene classes, ``source_index`` and ``valid_obs`` are exact integers and are stored
  the same way at both bit depths (bit depth is a property of the reflectance encoding).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

import numpy as np

from ..bands import BANDS, normalise_band

#: Layer kinds.
REFLECTANCE = "reflectance"
QUALITY = "quality"
GEOMETRY = "geometry"
VALIDATION = "validation"
MEDOID = "medoid"

#: Sen2Cor scene classification (../shared/docs/safe-format.md, "SCL classes").
SCL_CLASSES: Mapping[int, str] = {
    0: "NO_DATA", 1: "SATURATED_OR_DEFECTIVE", 2: "DARK_AREA_PIXELS", 3: "CLOUD_SHADOWS",
    4: "VEGETATION", 5: "NOT_VEGETATED", 6: "WATER", 7: "UNCLASSIFIED",
    8: "CLOUD_MEDIUM_PROBABILITY", 9: "CLOUD_HIGH_PROBABILITY", 10: "THIN_CIRRUS", 11: "SNOW",
}

_GDAL_TYPES = {"uint8": 1, "uint16": 2}  # gdal.GDT_Byte, gdal.GDT_UInt16 (no osgeo import here)


@dataclass(frozen=True)
class Encoding:
    """How a layer is stored: ``physical = code * scale + offset``; valid codes are
    ``min_code..max_code``; ``nodata`` marks pixels without a value."""

    dtype: str  # numpy dtype name: "uint8" | "uint16"
    scale: float
    offset: float
    nodata: int
    min_code: int
    max_code: int

    @property
    def numpy_dtype(self) -> np.dtype:
        return np.dtype(self.dtype)

    @property
    def gdal_type(self) -> int:
        """GDAL data type code (GDT_Byte = 1, GDT_UInt16 = 2)."""
        return _GDAL_TYPES[self.dtype]

    def encode(self, values: np.ndarray) -> np.ndarray:
        """Physical values (float, NaN/inf = no data) -> stored codes, rounded to nearest and
        clipped to ``min_code..max_code``."""
        values = np.asarray(values, dtype=np.float64)
        finite = np.isfinite(values)
        codes = np.where(finite, (values - self.offset) / self.scale, 0.0)
        np.rint(codes, out=codes)
        np.clip(codes, self.min_code, self.max_code, out=codes)
        out = codes.astype(self.numpy_dtype)
        out[~finite] = self.nodata
        return out

    def decode(self, codes: np.ndarray) -> np.ndarray:
        """Stored codes -> physical values as float32, NaN where ``code == nodata``."""
        codes = np.asarray(codes)
        out = codes.astype(np.float32) * np.float32(self.scale) + np.float32(self.offset)
        out[codes == self.nodata] = np.nan
        return out


@dataclass(frozen=True)
class Layer:
    """One output layer of a mosaic."""

    name: str  # S2GM product layer name, e.g. "B02", "quality_aot"
    kind: str  # REFLECTANCE | QUALITY | GEOMETRY | VALIDATION | MEDOID
    alias: str  # S2GM order-API band name, e.g. "B02", "AOT", "INDEX"
    units: str  # UDUNITS-style: "1" (dimensionless), "%", "degree"
    description: str
    #: True for integers that must never be averaged (classes, indices, counts): nearest only.
    is_class: bool
    encoding_16: Encoding
    encoding_8: Encoding
    standard_name: Optional[str] = None  # CF standard name, when one exists
    classes: Mapping[int, str] = field(default_factory=dict)  # code -> meaning, class layers

    def encoding(self, bit_depth: int) -> Encoding:
        """Storage of this layer for an order of ``bit_depth`` 8 or 16."""
        if bit_depth == 16:
            return self.encoding_16
        if bit_depth == 8:
            return self.encoding_8
        raise ValueError(f"bit depth {bit_depth!r} is not 8 or 16")


_REFLECTANCE_16 = Encoding("uint16", 1e-4, 0.0, 0, 1, 65535)
_REFLECTANCE_8 = Encoding("uint8", 1 / 250, 0.0, 0, 1, 255)
_PERCENT = Encoding("uint8", 1.0, 0.0, 255, 0, 100)
_SCL = Encoding("uint8", 1.0, 0.0, 0, 1, 11)
_COUNT = Encoding("uint16", 1.0, 0.0, 65535, 0, 65534)
_ZENITH_16 = Encoding("uint16", 0.01, 0.0, 65535, 0, 18000)
_ZENITH_8 = Encoding("uint8", 0.5, 0.0, 255, 0, 180)
_AZIMUTH_16 = Encoding("uint16", 0.01, 0.0, 65535, 0, 36000)
_AZIMUTH_8 = Encoding("uint8", 1.5, 0.0, 255, 0, 240)

#: Sentinel-2 bands of a mosaic: all except B09 (water vapour) and B10 (cirrus).
REFLECTANCE_BANDS: tuple[str, ...] = tuple(b for b in BANDS if b not in ("B09", "B10"))


def _reflectance(band: str) -> Layer:
    return Layer(
        band, REFLECTANCE, band, "1",
        f"Surface reflectance (L2A BOA) of band {band} of the selected observation",
        False, _REFLECTANCE_16, _REFLECTANCE_8,
        standard_name="surface_bidirectional_reflectance",
    )


_ALL: tuple[Layer, ...] = tuple(_reflectance(b) for b in REFLECTANCE_BANDS) + (
    Layer("quality_aot", QUALITY, "AOT", "1",
          "Aerosol optical thickness at 550 nm (L2A AOT) of the selected observation",
          False, Encoding("uint16", 0.001, 0.0, 65535, 0, 65534),
          Encoding("uint8", 0.01, 0.0, 255, 0, 254),
          standard_name="atmosphere_optical_thickness_due_to_ambient_aerosol_particles"),
    Layer("quality_cloud_confidence", QUALITY, "CLOUD", "%",
          "Cloud probability (L2A MSK_CLDPRB) of the selected observation", False,
          _PERCENT, _PERCENT),
    Layer("quality_snow_confidence", QUALITY, "SNOW", "%",
          "Snow probability (L2A MSK_SNWPRB) of the selected observation", False,
          _PERCENT, _PERCENT),
    Layer("quality_scene_classification", QUALITY, "SCENE", "1",
          "Scene classification (L2A SCL) of the selected observation", True, _SCL, _SCL,
          classes=SCL_CLASSES),
    Layer("view_zenith_mean", GEOMETRY, "VIEW_ZENITH_MEAN", "degree",
          "Viewing zenith angle, mean over bands, of the selected observation", False,
          _ZENITH_16, _ZENITH_8, standard_name="sensor_zenith_angle"),
    Layer("view_azimuth_mean", GEOMETRY, "VIEW_AZIMUTH_MEAN", "degree",
          "Viewing azimuth angle, mean over bands, of the selected observation", False,
          _AZIMUTH_16, _AZIMUTH_8, standard_name="sensor_azimuth_angle"),
    Layer("sun_zenith", GEOMETRY, "SUN_ZENITH", "degree",
          "Sun zenith angle of the selected observation", False, _ZENITH_16, _ZENITH_8,
          standard_name="solar_zenith_angle"),
    Layer("sun_azimuth", GEOMETRY, "SUN_AZIMUTH", "degree",
          "Sun azimuth angle of the selected observation", False, _AZIMUTH_16, _AZIMUTH_8,
          standard_name="solar_azimuth_angle"),
    Layer("source_index", VALIDATION, "INDEX", "1",
          "Index of the selected observation's product in SourceProductIndices (metadata JSON)",
          True, _COUNT, _COUNT),
    Layer("valid_obs", VALIDATION, "VALID_OBS", "1",
          "Number of valid observations of the pixel in the period", True, _COUNT, _COUNT),
    Layer("medoid_mos", MEDOID, "MEDOID_MOS", "1",
          "Medoid spread: sum of the selected observation's reflectance distances to the others"
          " / n (n >= 4 only; no data where STC or a single observation was used)",
          False, Encoding("uint16", 1e-4, 0.0, 65535, 0, 65534),
          Encoding("uint8", 1 / 250, 0.0, 255, 0, 254)),
)

#: Every layer, by name, in the canonical output order (reflectance, quality, geometry,
#: validation, medoid).
LAYERS: Mapping[str, Layer] = {layer.name: layer for layer in _ALL}
LAYER_NAMES: tuple[str, ...] = tuple(LAYERS)
#: Red, green, blue layers of the true-colour quick-look.
TRUE_COLOUR: tuple[str, str, str] = ("B04", "B03", "B02")
QUALITY_LAYER_NAMES: tuple[str, ...] = tuple(n for n in LAYER_NAMES if n not in REFLECTANCE_BANDS)
_BY_ALIAS: Mapping[str, str] = {layer.alias.upper(): layer.name for layer in _ALL}


def layer(name: str) -> Layer:
    """The layer of a name or alias (see :func:`normalise_layer`)."""
    return LAYERS[normalise_layer(name)]


def normalise_layer(name: str) -> str:
    """A layer name, S2GM alias or band spelling -> the layer name, case-insensitively:
    'b2' -> 'B02', 'AOT' -> 'quality_aot', 'index' -> 'source_index'.

    Raises ValueError naming the accepted names (B09 and B10 are refused: S2GM leaves them out).
    """
    text = str(name).strip()
    if text in LAYERS:
        return text
    lower = text.lower()
    for candidate in LAYER_NAMES:
        if candidate.lower() == lower:
            return candidate
    if lower.upper() in _BY_ALIAS:
        return _BY_ALIAS[lower.upper()]
    if text.upper().startswith("B"):
        try:
            band = normalise_band(text)
        except ValueError:
            band = None
        if band in ("B09", "B10"):
            raise ValueError(f"{name!r}: S2GM mosaics leave out B09 and B10 (atmospheric bands)")
        if band in LAYERS:
            return band
    raise ValueError(
        f"{name!r} is not a mosaic layer (expected one of {', '.join(LAYER_NAMES)}, or an S2GM"
        f" alias such as AOT, CLOUD, SNOW, SCENE, INDEX, VALID_OBS, MEDOID_MOS)"
    )


#: Layer presets (name -> layers); "custom" is whatever the checklists say.
PRESETS: Mapping[str, tuple[str, ...]] = {
    "true_colour": ("B02", "B03", "B04"),
    "true_colour_quality": ("B02", "B03", "B04", "quality_scene_classification",
                            "source_index", "valid_obs"),
    "bands_10m": ("B02", "B03", "B04", "B08"),
    "all_bands_quality": tuple(REFLECTANCE_BANDS) + ("quality_scene_classification",
                                                      "quality_aot", "quality_cloud_confidence",
                                                      "quality_snow_confidence", "source_index",
                                                      "valid_obs"),
    "everything": tuple(LAYERS),
}
DEFAULT_PRESET = "true_colour_quality"
