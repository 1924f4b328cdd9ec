"""Ground velocity of a moving object seen at two places in two bands.

v = distance / dt(band_a -> band_b), with dt = t(band_b) - t(band_a) from the corrected delays
(delays-method.md). Distance and heading are geodesic on the WGS84 ellipsoid (pyproj.Geod), so
map-projection scale (up to 0.1 % across a UTM zone) does not bias the speed. When dt < 0 band B
saw the object first, so it moved from B's position to A's.

Uncertainty: root-sum-square of the displacement error, one pixel of the coarser band (each
position picked to +/- half a pixel), and the delay's maximum relative error: 1 % with the
ephemeris correction (Binet et al. 2022, section 5.3), 4.3 % without it (section 3.6, the full
range of the orbit effect on the reference value).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import pyproj

from ..bands import NATIVE_RESOLUTION_M, normalise_band
from ..errors import ValidationError
from .inspector import DelayInspector, DelayReadout, _epsg_of_crs
from .lut import load_delay_table

DELAY_REL_ERROR_CORRECTED = 0.01
DELAY_REL_ERROR_UNCORRECTED = 0.043
KM_H_PER_M_S = 3.6
KNOTS_PER_M_S = 3600.0 / 1852.0

_GEOD = pyproj.Geod(ellps="WGS84")


@dataclass(frozen=True)
class DelayParameters:
    """What a velocity needs without an open product: the spacecraft, the CRS of the positions
    and, for the orbit correction, H_sat and V_ground (both or neither)."""

    satellite: str
    epsg: int
    h_sat_m: Optional[float] = None
    v_ground_m_s: Optional[float] = None


@dataclass(frozen=True)
class VelocityEstimate:
    speed_m_s: float
    speed_km_h: float
    speed_knots: float
    heading_deg: float  # direction of motion, degrees clockwise from true north, [0, 360)
    distance_m: float
    dt_s: float  # dt(band_a -> band_b) = t(band_b) - t(band_a)
    uncertainty_m_s: float
    band_a: str
    band_b: str
    detector: int


def _lonlat(epsg: int, xy, field: str) -> tuple[float, float]:
    """(lon, lat) of a position in EPSG:``epsg``; ValidationError on ``field`` when it has none."""
    lon, lat = float(xy[0]), float(xy[1])
    if epsg != 4326:
        lon, lat = pyproj.Transformer.from_crs(epsg, 4326, always_xy=True).transform(lon, lat)
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise ValidationError({field: f"{source_label(xy, epsg)} has no longitude/latitude"})
    return float(lon), float(lat)


def velocity_from_positions(
    inspector_or_params,
    xy_a,
    xy_b,
    band_a: str,
    band_b: str,
    *,
    detector: Optional[int] = None,
    crs=None,
) -> VelocityEstimate:
    """Speed and heading of an object at ``xy_a`` in ``band_a`` and ``xy_b`` in ``band_b``.

    ``inspector_or_params``: a DelayInspector (the detector defaults to band A's at ``xy_a``,
    the ephemeris sample to the inspector's selection), a DelayReadout (its detector and
    ephemeris sample; positions in its point's CRS) or DelayParameters (``detector`` required).
    ``crs`` overrides the positions' CRS (default: the tile's).
    """
    try:
        band_a, band_b = normalise_band(band_a), normalise_band(band_b)
    except ValueError as exc:
        raise ValidationError({"band": str(exc)}) from None
    if band_a == band_b:
        raise ValidationError({"band_b": f"must differ from band_a ({band_a}): no delay"})
    source = inspector_or_params
    h_sat = v_ground = None
    if isinstance(source, DelayInspector):
        epsg = source.epsg if crs is None else _epsg_of_crs(crs)
        lon_a, lat_a = _lonlat(epsg, xy_a, "xy_a")
        if detector is None:
            seen = source.detectors_at(lon_a, lat_a, crs=4326)[band_a]
            if not seen:
                raise ValidationError({"xy_a": f"{source_label(xy_a, epsg)} is outside every "
                                               f"detector footprint of {band_a}: give detector="})
            detector = seen[0]
        sample = source.sample_for(lon_a, lat_a)
        if sample is not None:
            h_sat, v_ground = sample.h_sat_m, sample.v_ground_m_s
        table = source.table
    elif isinstance(source, DelayReadout):
        epsg = source.point.epsg if crs is None else _epsg_of_crs(crs)
        detector = source.detector if detector is None else detector
        if source.ephemeris is not None:
            h_sat, v_ground = source.ephemeris.h_sat_m, source.ephemeris.v_ground_m_s
        table = load_delay_table(source.satellite)
    elif isinstance(source, DelayParameters):
        epsg = source.epsg if crs is None else _epsg_of_crs(crs)
        h_sat, v_ground = source.h_sat_m, source.v_ground_m_s
        table = load_delay_table(source.satellite)
    else:
        raise ValidationError({"inspector_or_params": f"{type(source).__name__}: expected a "
                               "DelayInspector, DelayReadout or DelayParameters"})
    if detector is None:
        raise ValidationError({"detector": "unknown: the point is outside every footprint; give it"})
    try:
        dt = table.delay_s(band_a, band_b, int(detector), h_sat, v_ground)
    except ValueError as exc:
        raise ValidationError({"detector": str(exc)}) from None
    lon_a, lat_a = _lonlat(epsg, xy_a, "xy_a")
    lon_b, lat_b = _lonlat(epsg, xy_b, "xy_b")
    azimuth_ab, azimuth_ba, distance = _GEOD.inv(lon_a, lat_a, lon_b, lat_b)
    heading = azimuth_ab if dt > 0 else azimuth_ba
    speed = distance / abs(dt)
    pixel_m = max(NATIVE_RESOLUTION_M[band_a], NATIVE_RESOLUTION_M[band_b])
    rel_dt = DELAY_REL_ERROR_CORRECTED if h_sat is not None else DELAY_REL_ERROR_UNCORRECTED
    uncertainty = ((pixel_m / abs(dt)) ** 2 + (speed * rel_dt) ** 2) ** 0.5
    return VelocityEstimate(
        speed_m_s=float(speed),
        speed_km_h=float(speed * KM_H_PER_M_S),
        speed_knots=float(speed * KNOTS_PER_M_S),
        heading_deg=float(heading % 360.0),
        distance_m=float(distance),
        dt_s=float(dt),
        uncertainty_m_s=float(uncertainty),
        band_a=band_a,
        band_b=band_b,
        detector=int(detector),
    )


def source_label(xy, epsg: int) -> str:
    return f"({float(xy[0]):.3f}, {float(xy[1]):.3f}) in EPSG:{epsg}"
