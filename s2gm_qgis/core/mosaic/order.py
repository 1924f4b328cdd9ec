"""A mosaic order: what to composite, where, when and how to deliver it.

The fields follow the historic S2GM order (../shared/docs/mosaic-algorithm.md section 6) with
units in the names. An order is validated when it is built, every field at once:
``MosaicOrder.create(**kwargs)`` and ``MosaicOrder.from_dict(d)`` accept loose spellings ("20m",
"R20m", "TENDAYS", "GEO_TIFF", "AOT", "b2") and raise ``ValidationError({field: reason})``.
The start date is snapped to the first day of its period. ``to_dict()`` / ``to_json()`` give the
canonical form, which ``from_dict`` reads back to an equal order.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any, Mapping, Optional

from ..errors import ValidationError
from .aoi import Aoi, parse_aoi
from .layers import LAYER_NAMES, LAYERS, REFLECTANCE, Layer, normalise_layer
from .periods import PERIOD_TYPES, Period, normalise_period_type, parse_date, period_of, snap
from .sources.spec import ON_READ_ERROR, SourceSpec

RESOLUTIONS_M: tuple[int, ...] = (10, 20, 30, 60)
CRS_CHOICES: tuple[str, ...] = ("utm", "wgs84")
FORMATS: tuple[str, ...] = ("gtiff", "cog", "jp2", "netcdf")
BIT_DEPTHS: tuple[int, ...] = (8, 16)
#: Pixel-selection preference (S2GM "CCC" of the folder name): standard, vegetation, bare soil
#: (what each changes: :class:`~.compositors.TemporalMosaic`).
PREFERENCES: tuple[str, ...] = ("STD", "VEG", "SOI")
#: Cloud mask: "scl" is the ESA Sen2Cor scene classification the algorithm note describes;
#: "brightearth" the temporal cloud/shadow mask of :mod:`.brightearth`.
CLOUD_MASKS: tuple[str, ...] = ("scl", "brightearth")
_CLOUD_MASK_SYNONYMS = {"scl": "scl", "esa": "scl", "sen2cor": "scl",
                        "brightearth": "brightearth", "bright_earth": "brightearth",
                        "bright-earth": "brightearth"}
#: Product types: S2GM's temporal mosaic and BrightEarth RGB mosaic (:mod:`.compositors`).
PRODUCTS: tuple[str, ...] = ("temporal", "brightearth")
_PRODUCT_SYNONYMS = {"temporal": "temporal", "temporal_mosaic": "temporal", "mosaic": "temporal",
                     "brightearth": "brightearth", "bright_earth": "brightearth",
                     "bright-earth": "brightearth"}
#: The layers of a BrightEarth mosaic: RGB, and the quality layers that mean something there.
BRIGHTEARTH_LAYERS: tuple[str, ...] = ("B02", "B03", "B04", "source_index", "valid_obs")
#: S2GM sent orders above this area (km2) to people for review: the engine service holds them
#: in ``needs_approval`` until an operator approves them (``engine serve --approval-above-km2``).
MAX_AOI_KM2 = 1_000_000.0
#: UTM is defined between 80 S and 84 N (beyond, UPS applies): refuse UTM outside.
UTM_LAT_RANGE = (-80.0, 84.0)
#: Sentinel-2A's first acquisitions (June 2015): a period ending before has no data.
SENTINEL2_FIRST_DAY = date(2015, 6, 23)
NAME_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,64}$")

_FORMAT_SYNONYMS = {
    "gtiff": "gtiff", "geotiff": "gtiff", "geo_tiff": "gtiff", "tif": "gtiff", "tiff": "gtiff",
    "cog": "cog", "cloud_optimized_geotiff": "cog",
    "jp2": "jp2", "jpeg2000": "jp2", "jpg2000": "jp2", "j2k": "jp2",
    "netcdf": "netcdf", "nc": "netcdf", "netcdf4": "netcdf",
}
_CRS_SYNONYMS = {"utm": "utm", "wgs84": "wgs84", "epsg:4326": "wgs84", "4326": "wgs84",
                 "wgs_84": "wgs84", "latlon": "wgs84"}


@dataclass(frozen=True)
class MosaicOrder:
    """A validated mosaic order. Build it with :meth:`create` or :meth:`from_dict`; building it
    directly validates and normalises the same way."""

    name: str
    aoi: Aoi
    period: str  # one of PERIOD_TYPES
    start: date  # first day of the period
    resolution_m: int  # 10 | 20 | 30 | 60
    crs: str = "utm"  # "utm" | "wgs84"
    bands: tuple[str, ...] = LAYER_NAMES  # layer names, canonical order, no duplicates
    format: str = "gtiff"  # "gtiff" | "cog" | "jp2" | "netcdf"
    bit_depth: int = 16  # 8 | 16 (see layers.py for the storage laws)
    preference: str = "STD"
    cloud_mask: str = "scl"
    #: "temporal" (S2GM's temporal mosaic) or "brightearth" (RGB, its own cloud mask).
    product: str = "temporal"
    #: Where the observations come from: None for the engine's own local archives, else a STAC
    #: API (:class:`~.sources.spec.SourceSpec`; in JSON ``{"type": "stac", "provider": ...}``).
    source: Optional[SourceSpec] = None
    #: A remote read that fails after retries: "fail" the order (naming the asset) or "skip"
    #: that observation (listed in the metadata JSON as a skipped observation).
    on_read_error: str = "fail"

    def __post_init__(self) -> None:
        values, errors = _normalise({f.name: getattr(self, f.name) for f in fields(self)})
        if errors:
            raise ValidationError(errors)
        for key, value in values.items():
            object.__setattr__(self, key, value)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def create(cls, **kwargs: Any) -> "MosaicOrder":
        """Validate and normalise keyword fields; ValidationError lists every bad field."""
        errors: dict[str, str] = {}
        known = {f.name for f in fields(cls)}
        for key in kwargs:
            if key not in known:
                errors[key] = f"unknown field (expected one of {', '.join(sorted(known))})"
        for key in ("aoi", "period", "start", "resolution_m"):
            if kwargs.get(key) in (None, ""):
                errors[key] = "required"
        values = {k: v for k, v in kwargs.items() if k in known and v is not None}
        values.setdefault("name", "mosaic")
        normalised, field_errors = _normalise(values)
        errors.update({k: v for k, v in field_errors.items() if k not in errors})
        if errors:
            raise ValidationError(errors)
        return cls(**normalised)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "MosaicOrder":
        """The inverse of :meth:`to_dict` (also accepts the loose spellings of :meth:`create`)."""
        if not isinstance(data, Mapping):
            raise ValidationError({"order": f"expected a JSON object, got {type(data).__name__}"})
        return cls.create(**dict(data))

    @classmethod
    def from_json(cls, text: str) -> "MosaicOrder":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError({"order": f"not valid JSON: {exc}"}) from None
        return cls.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        """Canonical JSON-ready form: the AOI as a GeoJSON MultiPolygon, the start as ISO date."""
        return {
            "name": self.name,
            "aoi": self.aoi.geojson(),
            "period": self.period,
            "start": self.start.isoformat(),
            "resolution_m": self.resolution_m,
            "crs": self.crs,
            "bands": list(self.bands),
            "format": self.format,
            "bit_depth": self.bit_depth,
            "preference": self.preference,
            "cloud_mask": self.cloud_mask,
            **({"product": self.product} if self.product != "temporal" else {}),
            # Written only when set, so the canonical form of archive orders is unchanged.
            **({"source": self.source.to_dict()} if self.source is not None else {}),
            **({"on_read_error": self.on_read_error} if self.on_read_error != "fail" else {}),
        }

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    # -- derived ------------------------------------------------------------------------------
    @property
    def interval(self) -> Period:
        """The compositing period (type, first and last day)."""
        return period_of(self.period, self.start)

    @property
    def end(self) -> date:
        """Last day of the period (inclusive)."""
        return self.interval.end

    @property
    def layers(self) -> tuple[Layer, ...]:
        return tuple(LAYERS[name] for name in self.bands)

    def encoding(self, layer_name: str):
        """How a layer of this order is stored (:class:`~.layers.Encoding`): the layer's own
        at the order's bit depth, except 8-bit BrightEarth reflectance, which uses the fixed
        viewing stretch of :data:`~.brightearth.BRIGHTEARTH_8BIT_SCALE`."""
        layer = LAYERS[layer_name]
        encoding = layer.encoding(self.bit_depth)
        if self.product == "brightearth" and self.bit_depth == 8 and layer.kind == REFLECTANCE:
            from .brightearth import BRIGHTEARTH_8BIT_SCALE

            encoding = replace(encoding, scale=1.0 / BRIGHTEARTH_8BIT_SCALE)
        return encoding

    @property
    def reflectance_bands(self) -> tuple[str, ...]:
        """The ordered Sentinel-2 bands among ``bands``."""
        return tuple(name for name in self.bands if LAYERS[name].kind == REFLECTANCE)


def _normalise(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Normalise every field present in ``values``; returns (normalised, errors)."""
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def check(key: str, fn) -> None:
        if key not in values:
            return
        try:
            out[key] = fn(values[key])
        except (ValueError, TypeError) as exc:
            errors[key] = str(exc)
        except ValidationError as exc:
            errors[key] = "; ".join(exc.errors.values())

    check("name", _name)
    check("aoi", parse_aoi)
    check("period", normalise_period_type)
    check("start", parse_date)
    check("resolution_m", _resolution)
    check("crs", lambda v: _choice(v, _CRS_SYNONYMS, CRS_CHOICES, "CRS"))
    check("bands", _bands)
    check("format", lambda v: _choice(v, _FORMAT_SYNONYMS, FORMATS, "format"))
    check("bit_depth", _bit_depth)
    check("preference", lambda v: _choice(v, {p.lower(): p for p in PREFERENCES}, PREFERENCES,
                                          "preference"))
    check("cloud_mask", lambda v: _choice(v, _CLOUD_MASK_SYNONYMS, CLOUD_MASKS, "cloud mask"))
    check("product", lambda v: _choice(v, _PRODUCT_SYNONYMS, PRODUCTS, "product type"))
    if out.get("product") == "brightearth":
        # BrightEarth is RGB with its own mask, whatever the defaults of the other fields.
        out["cloud_mask"] = "brightearth"
        bands = out.get("bands", LAYER_NAMES)
        if bands == LAYER_NAMES:
            out["bands"] = BRIGHTEARTH_LAYERS
        else:
            extra = [b for b in bands if b not in BRIGHTEARTH_LAYERS]
            if extra:
                errors["bands"] = (f"a BrightEarth mosaic has only {', '.join(BRIGHTEARTH_LAYERS)}"
                                   f" (not {', '.join(extra)})")
    check("on_read_error", lambda v: _choice(v, {c: c for c in ON_READ_ERROR}, ON_READ_ERROR,
                                             "on_read_error"))
    if values.get("source") is not None:
        try:
            out["source"] = SourceSpec.from_dict(values["source"])
        except ValidationError as exc:
            errors.update(exc.errors)

    if "start" in out and "period" in out:
        out["start"] = snap(out["period"], out["start"])
        if period_of(out["period"], out["start"]).end < SENTINEL2_FIRST_DAY:
            errors["start"] = (
                f"the {out['period']} starting {out['start']} ends before Sentinel-2's first"
                f" acquisitions ({SENTINEL2_FIRST_DAY})"
            )
    if "aoi" in out:
        if out.get("crs", values.get("crs", "utm")) == "utm":
            _, min_lat, _, max_lat = out["aoi"].bounds
            if min_lat < UTM_LAT_RANGE[0] or max_lat > UTM_LAT_RANGE[1]:
                errors["crs"] = (
                    f"UTM is defined between {-UTM_LAT_RANGE[0]:g} S and {UTM_LAT_RANGE[1]:g} N;"
                    f" the AOI reaches latitude {min_lat if min_lat < UTM_LAT_RANGE[0] else max_lat:g}:"
                    " use crs wgs84"
                )
    return out, errors


def _name(value: Any) -> str:
    text = str(value).strip()
    if not NAME_PATTERN.match(text):
        raise ValueError(
            f"{text!r}: use 1-64 letters, digits or '-' (underscores separate the fields of S2GM"
            " names; no spaces)"
        )
    return text


def _resolution(value: Any) -> int:
    text = str(value).strip().upper()
    text = text.removeprefix("R").removesuffix("M").strip()
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a resolution (expected one of 10, 20, 30, 60 m)") from None
    if number not in RESOLUTIONS_M:
        raise ValueError(f"{value!r} m is not offered (expected one of 10, 20, 30, 60 m)")
    return int(number)


def _choice(value: Any, synonyms: Mapping[str, str], choices: tuple, what: str) -> str:
    key = str(value).strip().lower()
    if key in synonyms:
        return synonyms[key]
    raise ValueError(f"{value!r} is not a {what} (expected one of {', '.join(map(str, choices))})")


def _bit_depth(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a bit depth (expected 8 or 16)")
    try:
        number = int(str(value).strip().lower().removesuffix("bit").removesuffix("-"))
    except ValueError:
        raise ValueError(f"{value!r} is not a bit depth (expected 8 or 16)") from None
    if number not in BIT_DEPTHS:
        raise ValueError(f"{value!r} is not a bit depth (expected 8 or 16)")
    return number


def _bands(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value)
    items = [str(i).strip() for i in items if str(i).strip()]
    if not items:
        raise ValueError("no band selected (expected at least one of " + ", ".join(LAYER_NAMES) + ")")
    wanted, bad = set(), []
    for item in items:
        try:
            wanted.add(normalise_layer(item))
        except ValueError as exc:
            bad.append(str(exc))
    if bad:
        raise ValueError("; ".join(bad))
    return tuple(name for name in LAYER_NAMES if name in wanted)


__all__ = [
    "MosaicOrder", "RESOLUTIONS_M", "CRS_CHOICES", "FORMATS", "BIT_DEPTHS", "PREFERENCES",
    "CLOUD_MASKS", "MAX_AOI_KM2", "PERIOD_TYPES",
]
