"""When each band sensed a ground point (UTC), from the ephemeris, the viewing angles and the delays.

Relative times between bands come from the corrected delays (the accurate part). The absolute
anchor comes from geometry: the tile metadata gives, per band and detector, the viewing
incidence zenith and azimuth on a 5 km grid (MTD_TL ``Viewing_Incidence_Angles_Grids``), i.e.
the line of sight from the point to the satellite at the moment that band saw it. The
satellite crossed the plane holding that line of sight and the across-track direction at that
moment; solving for the crossing on the GPS ephemeris (positions and velocities, Earth-fixed)
gives the time. Odd and even detectors look fore and aft (their time stamps differ by about
4.7 s on the shared product), which this captures and a nadir-only estimate would not.

Without a usable viewing-angle grid the anchor falls back to the nadir crossing of the point,
taking the middle of the bands' time span as seen at nadir: good to a few seconds only, and
said so in a warning.
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Mapping, Optional

import numpy as np

from ..safe.model import AngleGrid
from .ephemeris import WGS84_A_M, WGS84_E2, EphemerisTrack


@dataclass(frozen=True)
class LosGrid:
    """Horizontal line-of-sight offsets per unit height, (tan z sin az, tan z cos az) (east,
    north), on a viewing-angle grid: smooth across nadir, where the azimuth itself jumps.
    Nested lists of floats (NaN outside the detector): scalar lookups in plain Python are several
    times faster than numpy on 2 x 2 nodes."""

    east: list
    north: list
    ulx_m: float
    uly_m: float
    col_step_m: float
    row_step_m: float

    @classmethod
    def from_angles(cls, grid: AngleGrid) -> "LosGrid":
        tan_z = np.tan(np.radians(np.asarray(grid.zenith_deg, dtype=np.float64)))
        az = np.radians(np.asarray(grid.azimuth_deg, dtype=np.float64))
        return cls((tan_z * np.sin(az)).tolist(), (tan_z * np.cos(az)).tolist(), grid.ulx_m,
                   grid.uly_m, grid.col_step_m, grid.row_step_m)

    def at(self, x: float, y: float) -> Optional[tuple[float, float]]:
        """Bilinear value at (x, y) in the tile CRS over the cell's defined nodes; None when
        none of the cell's four nodes is defined (outside the detector) or off the grid."""
        fc = (x - self.ulx_m) / self.col_step_m
        fr = (self.uly_m - y) / self.row_step_m
        c0, r0 = math.floor(fc), math.floor(fr)
        if not (0 <= r0 < len(self.east) - 1 and 0 <= c0 < len(self.east[0]) - 1):
            return None
        wc, wr = fc - c0, fr - r0
        # Nodes outside the detector are NaN. Only the along-track part of the line of sight
        # matters for the time, and it varies slowly across the 5 km cell, so the valid nodes
        # of the cell, reweighted, are used near a detector edge.
        east = north = weight_sum = 0.0
        for dr, dc, weight in ((0, 0, (1 - wr) * (1 - wc)), (0, 1, (1 - wr) * wc),
                               (1, 0, wr * (1 - wc)), (1, 1, wr * wc)):
            e = self.east[r0 + dr][c0 + dc]
            n = self.north[r0 + dr][c0 + dc]
            if e == e and n == n:  # not NaN
                weight += 1e-9  # a node still counts when the point sits on the far edge
                east += weight * e
                north += weight * n
                weight_sum += weight
        if weight_sum == 0.0:
            return None
        out = (east / weight_sum, north / weight_sum)
        return out[0], out[1]


class TrackLists:
    """The ephemeris as Python float tuples, for scalar solves that numpy would slow down."""

    def __init__(self, track: EphemerisTrack):
        self.t_s = track.t_s.tolist()
        self.position = [tuple(p) for p in track.position_m.tolist()]
        self.velocity = [tuple(v) for v in track.velocity_m_s.tolist()]
        self.nadir = [tuple(n) for n in track.nadir_ecef_m.tolist()]
        self.nadir_velocity = [tuple(v) for v in track.nadir_velocity_m_s.tolist()]
        self.utc0 = datetime.fromisoformat(
            str(np.datetime_as_string(np.datetime64(track.utc_time[0], "us"), unit="us"))
        ).replace(tzinfo=timezone.utc)

    def nearest(self, t: float) -> int:
        """Index of the sample nearest in time to ``t``."""
        i = bisect.bisect_left(self.t_s, t)
        if i <= 0:
            return 0
        if i >= len(self.t_s):
            return len(self.t_s) - 1
        return i if self.t_s[i] - t < t - self.t_s[i - 1] else i - 1

    def utc_iso(self, t: float) -> str:
        """'2021-07-13T03:21:03.123456Z' at ``t`` seconds after the first sample."""
        moment = self.utc0 + timedelta(seconds=t - self.t_s[0])
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _dot(a, b) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _cross(a, b) -> tuple[float, float, float]:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _sub(a, b) -> tuple[float, float, float]:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def ground_point(lon_deg: float, lat_deg: float):
    """Earth-fixed position on the WGS84 ellipsoid and east, north, up unit vectors there."""
    lon, lat = math.radians(lon_deg), math.radians(lat_deg)
    sl, cl, sp, cp = math.sin(lon), math.cos(lon), math.sin(lat), math.cos(lat)
    n = WGS84_A_M / math.sqrt(1.0 - WGS84_E2 * sp * sp)
    position = (n * cp * cl, n * cp * sl, n * (1.0 - WGS84_E2) * sp)
    return position, (-sl, cl, 0.0), (-sp * cl, -sp * sl, cp), (cp * cl, cp * sl, sp)


def nadir_crossing_time_s(lists: TrackLists, ground, k: int) -> float:
    """When the nadir line passes over a ground point (Earth-fixed, on the ellipsoid): seconds
    after the first sample, starting the search at sample k.

    Yaw steering keeps the detector arrays perpendicular to the nadir ground velocity (paper
    section 2.1), so that instant solves (P - N(t)) . V_N(t) = 0; linearised around the nearest
    sample: t = t_k + (P - N_k) . V_k / |V_k|^2, iterated on the sample nearest the new time."""
    t = lists.t_s[k]
    for _ in range(4):
        v = lists.nadir_velocity[k]
        t = lists.t_s[k] + _dot(_sub(ground, lists.nadir[k]), v) / _dot(v, v)
        k_next = lists.nearest(t)
        if k_next == k:
            break
        k = k_next
    return t


def los_crossing_time_s(lists: TrackLists, ground, east, north, up, los_en, k: int) -> float:
    """Time (seconds after the first sample) at which the satellite crossed the plane holding
    the line of sight ``los_en`` (east, north offsets per unit height) from the ground point
    and the across-track direction, starting from sample k; linear motion around the nearest
    sample (1 Hz samples: at most 0.5 s of extrapolation, about 1 m of curvature error)."""
    los = tuple(east[i] * los_en[0] + north[i] * los_en[1] + up[i] for i in range(3))
    t = lists.t_s[k]
    for _ in range(4):
        normal = _cross(los, _cross(up, lists.nadir_velocity[k]))
        t = lists.t_s[k] - _dot(_sub(lists.position[k], ground), normal) / _dot(
            lists.velocity[k], normal)
        k_next = lists.nearest(t)
        if k_next == k:
            break
        k = k_next
    return t


def band_times_s(
    anchor_band: str,
    anchor_time_s: float,
    relative_s: Mapping[str, float],
) -> dict[str, float]:
    """Times of every band given the anchor band's time and the delays relative to the source
    band (``relative_s[b] = dt(src -> b)``, 0 for the source)."""
    base = anchor_time_s - relative_s[anchor_band]
    return {band: base + rel for band, rel in relative_s.items()}


def nadir_anchor_s(nadir_time_s: float, relative_s: Mapping[str, float]) -> float:
    """Fallback: the source band's time assuming the middle of the bands' time span is seen at
    nadir (the MSI main line of sight points at the Earth's centre)."""
    values = list(relative_s.values())
    return nadir_time_s - 0.5 * (max(values) + min(values))
