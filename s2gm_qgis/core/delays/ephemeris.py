"""Satellite altitude and nadir ground speed from the datastrip's GPS ephemeris.

Binet et al. 2022, section 5.2: the ITRF (Earth-fixed) positions of MTD_DS.xml
``Ephemeris/GPS_Points_List`` (1 Hz) give, through the ITRF -> WGS84 transform, the satellite's
ellipsoidal height ``H_sat[k]`` and its nadir point on the ellipsoid; differentiating the nadir
positions over time gives the nadir ground speed ``V_ground[k]``. The sample used for a tile is
the one whose nadir is nearest the tile centre (the paper's choice); nearest the point itself is
the finer option. The sample is taken as is, without interpolation, as in the paper (the altitude
varies at very low frequency).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import numpy as np
import pyproj

from ..errors import S2GMError
from ..safe.model import GpsEphemeris

# WGS84 ellipsoid (EPSG:7030).
WGS84_A_M = 6378137.0
WGS84_F = 1.0 / 298.257223563
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)

#: Plausibility bounds of a Sentinel-2 ephemeris (orbit radius about 7171 km, H_sat 788-818 km,
#: V_ground about 6700-6716 m/s): a sample outside them means a corrupt or mis-scaled file.
ORBIT_RADIUS_RANGE_M = (6.9e6, 7.5e6)
H_SAT_RANGE_M = (600e3, 1000e3)
V_GROUND_RANGE_M_S = (6000.0, 7500.0)

SELECTIONS = ("tile-centre", "point")


@lru_cache(maxsize=1)
def _ecef_to_llh() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True)


class EphemerisError(S2GMError):
    """The datastrip's GPS ephemeris cannot be used (missing, too short, corrupt)."""


@dataclass(frozen=True)
class EphemerisTrack:
    """Per-sample orbit quantities of a datastrip, all arrays of length N.

    ``t_s`` is seconds since the first sample (GPS scale); ``nadir_ecef_m`` the nadir point on
    the WGS84 ellipsoid (ITRF, metres) and ``nadir_velocity_m_s`` its Earth-fixed velocity
    (central differences), whose norm is ``v_ground_m_s``.
    """

    gps_time: np.ndarray  # datetime64[ns], GPS time scale
    utc_time: np.ndarray  # datetime64[ns], UTC
    t_s: np.ndarray
    position_m: np.ndarray  # (N, 3) ITRF
    velocity_m_s: np.ndarray  # (N, 3) Earth-fixed satellite velocity
    h_sat_m: np.ndarray
    nadir_lon_deg: np.ndarray
    nadir_lat_deg: np.ndarray
    nadir_ecef_m: np.ndarray  # (N, 3)
    nadir_velocity_m_s: np.ndarray  # (N, 3)
    v_ground_m_s: np.ndarray

    def __len__(self) -> int:
        return int(self.t_s.shape[0])


@dataclass(frozen=True)
class EphemerisSample:
    """The ephemeris sample used to correct the delays at a point (JSON ``ephemeris``)."""

    h_sat_m: float
    v_ground_m_s: float
    gps_time: str  # ISO 8601, GPS time scale (no zone suffix: it is not UTC)
    utc_time: str  # ISO 8601 with Z
    sample_index: int  # 0-based index in GPS_Points_List
    selection: str  # "tile-centre" | "point"

    def to_json_dict(self) -> dict:
        return {
            "h_sat_m": self.h_sat_m,
            "v_ground_m_s": self.v_ground_m_s,
            "gps_time": self.gps_time,
            "utc_time": self.utc_time,
            "sample_index": self.sample_index,
            "selection": self.selection,
        }


def format_gps_time(value: np.datetime64) -> str:
    """'2021-07-13T03:21:21.000000' (GPS scale, microseconds, no zone)."""
    return str(np.datetime_as_string(np.datetime64(value, "us"), unit="us"))


def format_utc(value: np.datetime64) -> str:
    """'2021-07-13T03:21:03.000000Z'."""
    return format_gps_time(value) + "Z"


def geodetic_to_ecef(lon_deg, lat_deg, h_m=0.0) -> np.ndarray:
    """WGS84 geodetic -> Earth-fixed cartesian (metres), closed form; arrays broadcast to (..., 3).

    X = (N + h) cos(lat) cos(lon), Y = (N + h) cos(lat) sin(lon), Z = (N (1 - e^2) + h) sin(lat)
    with N = a / sqrt(1 - e^2 sin^2(lat)).
    """
    lon = np.radians(lon_deg)
    lat = np.radians(lat_deg)
    sin_lat = np.sin(lat)
    n = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * sin_lat * sin_lat)
    cos_lat = np.cos(lat)
    return np.stack(
        np.broadcast_arrays(
            (n + h_m) * cos_lat * np.cos(lon),
            (n + h_m) * cos_lat * np.sin(lon),
            (n * (1.0 - WGS84_E2) + h_m) * sin_lat,
        ),
        axis=-1,
    )


def ephemeris_track(ephemeris: Optional[GpsEphemeris], source: str = "MTD_DS.xml") -> EphemerisTrack:
    """H_sat, nadir points and V_ground for every GPS sample; EphemerisError when unusable.

    ``source`` names the file in error messages.
    """
    if ephemeris is None:
        raise EphemerisError(f"{source}: no GPS_Points_List ephemeris")
    position = np.asarray(ephemeris.position_m, dtype=np.float64)
    velocity = np.asarray(ephemeris.velocity_m_s, dtype=np.float64)
    gps_time = np.asarray(ephemeris.gps_time).astype("datetime64[ns]")
    utc_time = np.asarray(ephemeris.utc_time).astype("datetime64[ns]")
    n = position.shape[0] if position.ndim == 2 else 0
    if position.ndim != 2 or position.shape[1] != 3 or n < 3:
        raise EphemerisError(
            f"{source}: GPS ephemeris has {n} usable points, at least 3 are needed"
        )
    if gps_time.shape != (n,) or utc_time.shape != (n,) or velocity.shape != (n, 3):
        raise EphemerisError(f"{source}: GPS ephemeris has {n} positions but other time or velocity counts")
    if np.isnat(gps_time).any() or not (np.isfinite(position).all() and np.isfinite(velocity).all()):
        raise EphemerisError(f"{source}: GPS ephemeris holds missing times or non-finite positions")
    t_s = (gps_time - gps_time[0]).astype(np.int64) / 1e9
    if np.any(np.diff(t_s) <= 0):
        raise EphemerisError(f"{source}: GPS_TIME of the ephemeris is not strictly increasing")
    radius = np.linalg.norm(position, axis=1)
    if radius.min() < ORBIT_RADIUS_RANGE_M[0] or radius.max() > ORBIT_RADIUS_RANGE_M[1]:
        raise EphemerisError(
            f"{source}: ephemeris orbit radius {radius.min():.0f}..{radius.max():.0f} m, expected "
            f"about 7.17e6 m (POSITION_VALUES in mm, Earth-fixed)"
        )
    lon, lat, h_sat = _ecef_to_llh().transform(position[:, 0], position[:, 1], position[:, 2])
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    h_sat = np.asarray(h_sat, dtype=np.float64)
    nadir = geodetic_to_ecef(lon, lat, 0.0)
    # Central differences inside, one-sided at the two ends (numpy.gradient, uneven spacing ok).
    nadir_velocity = np.gradient(nadir, t_s, axis=0)
    v_ground = np.linalg.norm(nadir_velocity, axis=1)
    if h_sat.min() < H_SAT_RANGE_M[0] or h_sat.max() > H_SAT_RANGE_M[1]:
        raise EphemerisError(f"{source}: satellite height {h_sat.min():.0f}..{h_sat.max():.0f} m "
                             f"is not a Sentinel-2 orbit")
    if v_ground.min() < V_GROUND_RANGE_M_S[0] or v_ground.max() > V_GROUND_RANGE_M_S[1]:
        raise EphemerisError(
            f"{source}: nadir ground speed {v_ground.min():.1f}..{v_ground.max():.1f} m/s is not "
            f"a Sentinel-2 orbit (are the GPS samples 1 s apart and their times right?)"
        )
    for array in (t_s, position, velocity, h_sat, lon, lat, nadir, nadir_velocity, v_ground):
        array.setflags(write=False)
    return EphemerisTrack(
        gps_time=gps_time, utc_time=utc_time, t_s=t_s, position_m=position, velocity_m_s=velocity, h_sat_m=h_sat,
        nadir_lon_deg=lon, nadir_lat_deg=lat, nadir_ecef_m=nadir,
        nadir_velocity_m_s=nadir_velocity, v_ground_m_s=v_ground,
    )


def nearest_sample_index(track: EphemerisTrack, ground_ecef_m: np.ndarray) -> int:
    """Index of the sample whose nadir is nearest a ground point (Earth-fixed, on the ellipsoid).

    The straight-line (chord) distance between two points of the ellipsoid grows monotonically
    with their great-circle distance over the few hundred km that matter here, so its minimum
    is the paper's nearest-nadir sample; a unit test checks it against geodesic distances.
    """
    diff = track.nadir_ecef_m - ground_ecef_m
    return int(np.argmin(np.einsum("ij,ij->i", diff, diff)))


def sample_at(track: EphemerisTrack, index: int, selection: str) -> EphemerisSample:
    """The EphemerisSample of one GPS point."""
    return EphemerisSample(
        h_sat_m=float(track.h_sat_m[index]),
        v_ground_m_s=float(track.v_ground_m_s[index]),
        gps_time=format_gps_time(track.gps_time[index]),
        utc_time=format_utc(track.utc_time[index]),
        sample_index=int(index),
        selection=selection,
    )
