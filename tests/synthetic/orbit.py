"""A Keplerian model of the Sentinel-2 orbit, placed so its descending pass flies over a point.

Orbit facts (../shared/docs/safe-format.md, paper table 1): a = 7164.257 km, e = 0.0011584,
i = 98.49 deg, argument of perigee 90.74 deg, sun-synchronous with the descending node at
10:30 local solar time. Two-body motion (no J2: over a few minutes of datastrip the difference
is a slow drift of the node and of the perigee, far below what the tests look at), then the
inertial frame is turned into Earth-fixed by the Greenwich mean sidereal angle (IAU 1982,
UT1 ~ UTC), which is what "ITRF" means at this level of realism (no polar motion, precession
or nutation). Earth-fixed velocity = R(theta) v_inertial - omega_E x r_EarthFixed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import numpy as np
from pyproj import Geod, Transformer

MU_M3_S2 = 3.986004418e14
OMEGA_EARTH_RAD_S = 7.2921150e-5
SEMI_MAJOR_AXIS_M = 7_164_257.0
ECCENTRICITY = 0.0011584
INCLINATION_DEG = 98.49
ARG_PERIGEE_DEG = 90.74
NODE_LOCAL_TIME_H = 10.5
GPS_MINUS_UTC_S = 18  # leap seconds since 2017 (valid for all Sentinel-2 data from 2017 on)

_J2000 = datetime(2000, 1, 1, 12, tzinfo=timezone.utc)
_GEOD = Geod(ellps="WGS84")


@lru_cache(maxsize=None)
def _ecef_to_geodetic() -> Transformer:
    return Transformer.from_crs(4978, 4979, always_xy=True)


@lru_cache(maxsize=None)
def _geodetic_to_ecef() -> Transformer:
    return Transformer.from_crs(4979, 4978, always_xy=True)


def gmst_rad(days_since_j2000: np.ndarray) -> np.ndarray:
    """Greenwich mean sidereal angle (IAU 1982, linear term; radians)."""
    deg = 280.46061837 + 360.98564736629 * np.asarray(days_since_j2000, dtype=np.float64)
    return np.radians(np.mod(deg, 360.0))


def days_since_j2000(when: datetime) -> float:
    return (when - _J2000).total_seconds() / 86400.0


@dataclass(frozen=True)
class Orbit:
    """Keplerian elements at ``epoch`` (UTC): angles in radians, a in metres."""

    epoch: datetime
    a_m: float
    e: float
    i_rad: float
    argp_rad: float
    raan_rad: float
    mean_anomaly_rad: float

    @property
    def mean_motion_rad_s(self) -> float:
        return float(np.sqrt(MU_M3_S2 / self.a_m ** 3))

    def inertial(self, dt_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Position (m) and velocity (m/s), (N, 3), at ``dt_s`` seconds from the epoch."""
        dt_s = np.atleast_1d(np.asarray(dt_s, dtype=np.float64))
        mean = self.mean_anomaly_rad + self.mean_motion_rad_s * dt_s
        ecc = mean.copy()
        for _ in range(8):  # Newton on Kepler's equation E - e sin E = M
            ecc -= (ecc - self.e * np.sin(ecc) - mean) / (1 - self.e * np.cos(ecc))
        nu = 2 * np.arctan2(np.sqrt(1 + self.e) * np.sin(ecc / 2),
                            np.sqrt(1 - self.e) * np.cos(ecc / 2))
        p = self.a_m * (1 - self.e ** 2)
        r = p / (1 + self.e * np.cos(nu))
        pos_pf = np.stack([r * np.cos(nu), r * np.sin(nu), np.zeros_like(r)], axis=1)
        k = np.sqrt(MU_M3_S2 / p)
        vel_pf = np.stack([-k * np.sin(nu), k * (self.e + np.cos(nu)), np.zeros_like(r)], axis=1)
        rot = _perifocal_to_inertial(self.raan_rad, self.i_rad, self.argp_rad)
        return pos_pf @ rot.T, vel_pf @ rot.T

    def earth_fixed(self, dt_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Earth-fixed position (m) and velocity (m/s), (N, 3), at ``dt_s`` from the epoch."""
        dt_s = np.atleast_1d(np.asarray(dt_s, dtype=np.float64))
        pos_i, vel_i = self.inertial(dt_s)
        theta = gmst_rad(days_since_j2000(self.epoch) + dt_s / 86400.0)
        c, s = np.cos(theta), np.sin(theta)
        pos = np.stack([c * pos_i[:, 0] + s * pos_i[:, 1], -s * pos_i[:, 0] + c * pos_i[:, 1],
                        pos_i[:, 2]], axis=1)
        vel = np.stack([c * vel_i[:, 0] + s * vel_i[:, 1], -s * vel_i[:, 0] + c * vel_i[:, 1],
                        vel_i[:, 2]], axis=1)
        vel[:, 0] += OMEGA_EARTH_RAD_S * pos[:, 1]
        vel[:, 1] -= OMEGA_EARTH_RAD_S * pos[:, 0]
        return pos, vel

    def nadir_lonlat(self, dt_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Geodetic (lon, lat, ellipsoidal height of the satellite) at ``dt_s``."""
        pos, _ = self.earth_fixed(dt_s)
        return _ecef_to_geodetic().transform(pos[:, 0], pos[:, 1], pos[:, 2])


def _perifocal_to_inertial(raan: float, inc: float, argp: float) -> np.ndarray:
    def rz(a):
        return np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])

    def rx(a):
        return np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])

    return rz(raan) @ rx(inc) @ rz(argp)


def orbit_over(lon_deg: float, lat_deg: float, when_utc: datetime) -> Orbit:
    """The descending-pass orbit whose geodetic nadir is (lon, lat) at ``when_utc``.

    The satellite must sit on the ellipsoid normal of the point: iterate on its height, then
    solve the argument of latitude u on the descending branch (sin(lat_c) = sin i sin u,
    u in (90, 270) deg) and the node so the inertial longitude matches.
    """
    inc = np.radians(INCLINATION_DEG)
    argp = np.radians(ARG_PERIGEE_DEG)
    theta = float(gmst_rad(days_since_j2000(when_utc)))
    height = SEMI_MAJOR_AXIS_M - 6_378_137.0
    for _ in range(4):
        x, y, z = _geodetic_to_ecef().transform(lon_deg, lat_deg, height)
        r_sat = float(np.sqrt(x * x + y * y + z * z))
        lat_c = np.arcsin(z / r_sat)
        u = np.pi - np.arcsin(np.sin(lat_c) / np.sin(inc))
        nu = u - argp
        r_kepler = SEMI_MAJOR_AXIS_M * (1 - ECCENTRICITY ** 2) / (1 + ECCENTRICITY * np.cos(nu))
        height += r_kepler - r_sat
    alpha = np.arctan2(y, x) + theta  # inertial right ascension of the satellite
    raan = alpha - np.arctan2(np.cos(inc) * np.sin(u), np.cos(u))
    ecc = 2 * np.arctan2(np.sqrt(1 - ECCENTRICITY) * np.sin(nu / 2),
                         np.sqrt(1 + ECCENTRICITY) * np.cos(nu / 2))
    mean = ecc - ECCENTRICITY * np.sin(ecc)
    return Orbit(epoch=when_utc, a_m=SEMI_MAJOR_AXIS_M, e=ECCENTRICITY, i_rad=float(inc),
                 argp_rad=float(argp), raan_rad=float(np.mod(raan, 2 * np.pi)),
                 mean_anomaly_rad=float(np.mod(mean, 2 * np.pi)))


def ground_speed_m_s(orbit: Orbit, dt_s: float, step_s: float = 1.0) -> float:
    """Speed of the geodetic nadir point on the ellipsoid around ``dt_s`` (central difference)."""
    lon, lat, _ = orbit.nadir_lonlat(np.array([dt_s - step_s / 2, dt_s + step_s / 2]))
    _, _, dist = _GEOD.inv(lon[0], lat[0], lon[1], lat[1])
    return float(dist / step_s)


def track_heading_deg(orbit: Orbit, dt_s: float = 0.0) -> float:
    """Azimuth (deg from north, clockwise) of the nadir track's motion at ``dt_s``."""
    lon, lat, _ = orbit.nadir_lonlat(np.array([dt_s - 0.5, dt_s + 0.5]))
    azimuth, _, _ = _GEOD.inv(lon[0], lat[0], lon[1], lat[1])
    return float(np.mod(azimuth, 360.0))


def descending_overpass_utc(lon_deg: float, lat_deg: float, day: datetime) -> datetime:
    """UTC time on ``day`` at which a sun-synchronous orbit with its descending node at 10:30
    local solar time flies over latitude ``lat_deg`` near longitude ``lon_deg``.

    Mean local solar time at the node is 10:30; at latitude lat the satellite is earlier by
    the travel time from lat to the node and the track is displaced in longitude by
    atan(cos i tan u') (u' the angle still to go); local mean time = UTC + lon / 15 h.
    """
    inc = np.radians(INCLINATION_DEG)
    lat_c = np.radians(lat_deg)
    u_left = np.arcsin(np.sin(lat_c) / np.sin(inc))  # from the point to the node, descending
    period_s = 2 * np.pi * np.sqrt(SEMI_MAJOR_AXIS_M ** 3 / MU_M3_S2)
    travel_s = u_left / (2 * np.pi) * period_s
    # inertial longitude gained between point and node (negative: retrograde), plus Earth turn
    dlon_inertial = np.degrees(np.arctan2(np.cos(inc) * np.sin(u_left), np.cos(u_left)))
    node_lon = lon_deg + dlon_inertial - np.degrees(OMEGA_EARTH_RAD_S * travel_s)
    node_utc_h = NODE_LOCAL_TIME_H - node_lon / 15.0
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    at_node = start + timedelta(hours=float(np.mod(node_utc_h, 24.0)))
    return at_node - timedelta(seconds=float(travel_s))
