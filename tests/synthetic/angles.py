"""Sun and viewing angle grids of a tile (MTD_TL ``Tile_Angles``): 23 x 23 nodes at 5000 m from
the tile's upper-left corner, as on real products.

Sun: NOAA solar position equations (Spencer/Michalsky-type series for declination and the
equation of time), good to ~0.1 deg, enough for "plausible for date and latitude".

Viewing: the nadir track is a straight line through the nadir point at the tile's sensing time
with the track's heading (both from ``orbit``). A ground point at cross-track distance c is
seen by band b of detector d when the satellite is a(b, d) = -V_ground * t(b, d) along track
away (``focal_plane`` timing), so the ground distance to the sub-satellite point is
g = sqrt(c^2 + a^2) and the incidence zenith is eta + gamma on a sphere of radius R with
gamma = g / R and tan(eta) = R sin(gamma) / (R + H - R cos(gamma)): ~0 at nadir, ~11.7 deg at
the 145 km swath edge. A detector's grid is NaN where the node lies outside its footprint.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from s2gm_qgis.core.bands import BANDS

from .focal_plane import DETECTORS, SWATH_KM, detector_span_km
from .tiles import TileGeometry

GRID_NODES = 23
GRID_STEP_M = 5000.0
EARTH_RADIUS_M = 6_371_000.0


@dataclass(frozen=True)
class Track:
    """The nadir track near a tile, in the tile's UTM plane (metres)."""

    x0_m: float  # nadir point at the reference time
    y0_m: float
    dx: float  # unit vector of the motion
    dy: float
    h_sat_m: float
    v_ground_m_s: float
    grid_convergence_deg: float  # true azimuth = grid azimuth + this, at the tile

    def along_cross_km(self, x_m, y_m):
        """(along-track s, cross-track c) km of points; c > 0 left of the motion."""
        ex, ey = np.asarray(x_m) - self.x0_m, np.asarray(y_m) - self.y0_m
        along = ex * self.dx + ey * self.dy
        cross = -ex * self.dy + ey * self.dx
        return along / 1000.0, cross / 1000.0


def grid_node_coordinates(tile: TileGeometry) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of the 23 x 23 nodes; node (0, 0) on the tile's upper-left corner."""
    offsets = np.arange(GRID_NODES) * GRID_STEP_M
    return np.meshgrid(tile.ulx_m + offsets, tile.uly_m - offsets)


def sun_angles_deg(lon_deg, lat_deg, when_utc: datetime) -> tuple[np.ndarray, np.ndarray]:
    """(zenith, azimuth from north clockwise) of the sun, degrees (NOAA equations)."""
    day_of_year = when_utc.timetuple().tm_yday
    hour = when_utc.hour + when_utc.minute / 60 + when_utc.second / 3600
    gamma = 2 * np.pi / 365 * (day_of_year - 1 + (hour - 12) / 24)
    eqtime_min = 229.18 * (0.000075 + 0.001868 * np.cos(gamma) - 0.032077 * np.sin(gamma)
                           - 0.014615 * np.cos(2 * gamma) - 0.040849 * np.sin(2 * gamma))
    decl = (0.006918 - 0.399912 * np.cos(gamma) + 0.070257 * np.sin(gamma)
            - 0.006758 * np.cos(2 * gamma) + 0.000907 * np.sin(2 * gamma)
            - 0.002697 * np.cos(3 * gamma) + 0.00148 * np.sin(3 * gamma))
    true_solar_min = hour * 60 + eqtime_min + 4 * np.asarray(lon_deg)
    hour_angle = np.radians(true_solar_min / 4 - 180)
    lat = np.radians(np.asarray(lat_deg))
    cos_zen = np.sin(lat) * np.sin(decl) + np.cos(lat) * np.cos(decl) * np.cos(hour_angle)
    zenith = np.arccos(np.clip(cos_zen, -1, 1))
    azimuth = np.arctan2(np.sin(hour_angle),
                         np.cos(hour_angle) * np.sin(lat) - np.tan(decl) * np.cos(lat))
    return np.degrees(zenith), np.mod(np.degrees(azimuth) + 180, 360)


def sun_grids(tile: TileGeometry, when_utc: datetime) -> tuple[np.ndarray, np.ndarray]:
    x, y = grid_node_coordinates(tile)
    lon, lat = tile.to_lonlat(x, y)
    return sun_angles_deg(np.asarray(lon), np.asarray(lat), when_utc)


def incidence_zenith_deg(ground_distance_km, h_sat_m: float) -> np.ndarray:
    """Viewing incidence zenith of a point ``ground_distance_km`` from the sub-satellite point."""
    gamma = np.asarray(ground_distance_km) * 1000.0 / EARTH_RADIUS_M
    eta = np.arctan2(EARTH_RADIUS_M * np.sin(gamma),
                     EARTH_RADIUS_M + h_sat_m - EARTH_RADIUS_M * np.cos(gamma))
    return np.degrees(eta + gamma)


def look_along_km(track: Track, time_offsets_s: dict[tuple[str, int], float]
                  ) -> dict[tuple[str, int], float]:
    """Along-track distance (km) ahead of the nadir at which each band and detector looks."""
    return {key: -track.v_ground_m_s * dt / 1000.0 for key, dt in time_offsets_s.items()}


def viewing_grids(tile: TileGeometry, track: Track, look_km: dict[tuple[str, int], float],
                  bands: tuple[str, ...] = BANDS, zenith_override_deg: float | None = None
                  ) -> dict[tuple[str, int], tuple[np.ndarray, np.ndarray]]:
    """(band, detector) -> (zenith, azimuth) grids for every detector that sees the tile."""
    x, y = grid_node_coordinates(tile)
    _, cross = track.along_cross_km(x, y)
    out = {}
    for det in DETECTORS:
        low, high = detector_span_km(det)
        inside = (cross >= low) & (cross <= high) & (np.abs(cross) <= SWATH_KM / 2 + 0.5)
        if not inside.any():
            continue
        for band in bands:
            along = look_km[(band, det)]
            zenith = incidence_zenith_deg(np.hypot(cross, along), track.h_sat_m)
            if zenith_override_deg is not None:
                zenith = np.full_like(zenith, float(zenith_override_deg))
            # direction from the ground point to the sub-satellite point, grid then true azimuth
            vx = cross * track.dy - along * track.dx
            vy = -cross * track.dx - along * track.dy
            azimuth = np.mod(np.degrees(np.arctan2(vx, vy)) + track.grid_convergence_deg, 360)
            out[(band, det)] = (np.where(inside, zenith, np.nan),
                                np.where(inside, azimuth, np.nan))
    return out
