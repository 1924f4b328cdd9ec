"""One acquisition of a tile: times, orbit, nadir track and angle grids, shared by the L1C and
L2A writers, plus the parts of MTD_TL.xml both levels have in common."""
from __future__ import annotations

import dataclasses
import shutil
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional, Union

import numpy as np
from pyproj import Geod

from s2gm_qgis.core.bands import BANDS, spacecraft_code

from . import xmlwrite as X
from .angles import (GRID_STEP_M, Track, look_along_km, sun_grids, viewing_grids)
from .focal_plane import SWATH_KM, band_time_offsets_s
from .orbit import (Orbit, descending_overpass_utc, ground_speed_m_s, orbit_over,
                    track_heading_deg)
from .scene import Scene
from .tiles import TileGeometry, tile_geometry

_GEOD = Geod(ellps="WGS84")
#: Offsets from the datatake start (the time in the product name) to the datastrip start and
#: to the tile's SENSING_TIME, as on the real N0301 product (3.4 s and 13.4 s).
DATASTRIP_DELAY = timedelta(seconds=3.435)
TILE_SENSING_DELAY = timedelta(seconds=13.373)
#: Cross-track distance (km, east positive on a descending pass) of the image centre from the
#: nadir track by default: inside detector 07, near nadir.
DEFAULT_CROSS_TRACK_KM = 10.0
#: With ``swath_edge``: the image centre sits where the viewing zenith averaged over the bands
#: is this (about 135 km from nadir; the 145 km swath edge lies ~10 km further east).
SWATH_EDGE_VIEW_ZENITH_DEG = 11.0

DateLike = Union[str, datetime]


def parse_date(value: DateLike, tile: TileGeometry) -> datetime:
    """UTC datetime of the datatake start. A date without time of day gets the time at which a
    10:30-descending-node orbit flies over the tile (minus the tile's sensing delay)."""
    if isinstance(value, datetime):
        when = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return when.astimezone(timezone.utc)
    text = str(value).strip().rstrip("Z")
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"date {value!r}: expected ISO 8601 like 2024-06-12T10:36:29") from exc
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    if "T" not in text and " " not in text:
        lon, lat = tile.to_lonlat(*tile.centre_m)
        overpass = descending_overpass_utc(float(lon), float(lat), when)
        return (overpass - TILE_SENSING_DELAY).replace(microsecond=overpass.microsecond // 1000
                                                       * 1000)
    return when.astimezone(timezone.utc)


@dataclass(frozen=True)
class Acquisition:
    spacecraft: str
    tile: TileGeometry
    datatake_start: datetime
    datastrip_start: datetime
    sensing_time: datetime  # tile SENSING_TIME: the nadir passes abeam the image centre
    orbit: Orbit
    track: Track
    cross_track_km: float

    @property
    def generation_time(self) -> datetime:
        from .naming import GENERATION_DELAY
        return (self.datatake_start + GENERATION_DELAY).replace(microsecond=0)

    def time_offsets_s(self) -> dict[tuple[str, int], float]:
        return band_time_offsets_s(self.spacecraft, self.track.h_sat_m, self.track.v_ground_m_s)

    def sun_grids(self):
        return sun_grids(self.tile, self.sensing_time)

    def viewing_grids(self, zenith_override_deg: Optional[float] = None):
        look = look_along_km(self.track, self.time_offsets_s())
        return viewing_grids(self.tile, self.track, look, BANDS, zenith_override_deg)

    def outside_swath(self, resolution_m: int = 10) -> Optional[np.ndarray]:
        """Boolean mask of image pixels beyond the 290 km swath, or None when there are none."""
        size = self.tile.size(resolution_m)
        width = self.tile.size_10m * 10.0
        corners_x = self.tile.ulx_m + np.array([0.0, width, 0.0, width])
        corners_y = self.tile.uly_m - np.array([0.0, 0.0, width, width])
        _, cross = self.track.along_cross_km(corners_x, corners_y)
        if np.abs(cross).max() <= SWATH_KM / 2:
            return None
        centres = self.tile.ulx_m + (np.arange(size) + 0.5) * resolution_m
        x, y = np.meshgrid(centres, self.tile.uly_m - (np.arange(size) + 0.5) * resolution_m)
        _, cross = self.track.along_cross_km(x, y)
        return np.abs(cross) > SWATH_KM / 2


def acquire(spacecraft: str, tile: str, size_10m: int, date: DateLike, *,
            offset_10m: tuple[int, int] = (0, 0), cross_track_km: Optional[float] = None,
            swath_edge: bool = False) -> Acquisition:
    """Place the orbit so the nadir track passes ``cross_track_km`` west of the image centre
    at the tile's sensing time."""
    spacecraft = spacecraft_code(spacecraft)
    geometry = tile_geometry(tile, size_10m, offset_10m)
    start = parse_date(date, geometry)
    sensing = start + TILE_SENSING_DELAY
    if swath_edge and cross_track_km is None:
        near = acquire(spacecraft, tile, size_10m, date, offset_10m=offset_10m,
                       cross_track_km=130.0)
        cross_track_km = _cross_track_at_zenith(near, SWATH_EDGE_VIEW_ZENITH_DEG)
    if cross_track_km is None:
        cross_track_km = DEFAULT_CROSS_TRACK_KM
    lon, lat = (float(v) for v in geometry.to_lonlat(*geometry.centre_m))
    heading = track_heading_deg(orbit_over(lon, lat, sensing))
    # the nadir lies cross_track_km to the right of the motion (west when descending)
    nadir_lon, nadir_lat, _ = _GEOD.fwd(lon, lat, heading + 90.0, cross_track_km * 1000.0)
    orbit = orbit_over(float(nadir_lon), float(nadir_lat), sensing)
    lons, lats, heights = orbit.nadir_lonlat(np.array([0.0, -5.0, 5.0]))
    xs, ys = geometry.from_lonlat(lons, lats)
    dx, dy = xs[2] - xs[1], ys[2] - ys[1]
    norm = float(np.hypot(dx, dy))
    # grid convergence: grid azimuth of true north at the image centre
    north_lon, north_lat, _ = _GEOD.fwd(lon, lat, 0.0, 1000.0)
    nx, ny = geometry.from_lonlat(north_lon, north_lat)
    cx, cy = geometry.centre_m
    convergence = -float(np.degrees(np.arctan2(nx - cx, ny - cy)))
    track = Track(x0_m=float(xs[0]), y0_m=float(ys[0]), dx=float(dx / norm), dy=float(dy / norm),
                  h_sat_m=float(heights[0]), v_ground_m_s=ground_speed_m_s(orbit, 0.0),
                  grid_convergence_deg=convergence)
    return Acquisition(spacecraft=spacecraft, tile=geometry, datatake_start=start,
                       datastrip_start=start + DATASTRIP_DELAY, sensing_time=sensing,
                       orbit=orbit, track=track, cross_track_km=float(cross_track_km))


def _cross_track_at_zenith(acquisition: Acquisition, zenith_deg: float) -> float:
    """Cross-track distance (km, east) where the viewing zenith averaged over the bands of the
    detector there equals ``zenith_deg`` (bisection; the zenith grows with distance)."""
    from .angles import incidence_zenith_deg
    from .focal_plane import DETECTORS, detector_span_km
    look = look_along_km(acquisition.track, acquisition.time_offsets_s())

    def mean_zenith(cross: float) -> float:
        det = next(d for d in DETECTORS if detector_span_km(d, overlap=False)[1] >= cross)
        along = np.array([look[(band, det)] for band in BANDS])
        return float(np.mean(incidence_zenith_deg(np.hypot(cross, along),
                                                  acquisition.track.h_sat_m)))

    low, high = 0.0, SWATH_KM / 2
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (middle, high) if mean_zenith(middle) < zenith_deg else (low, middle)
    return (low + high) / 2


def check_options(fmt: str, baseline: str, size_10m: int, scene: Optional[Scene]) -> None:
    """ValueError naming the option when a product cannot be made as asked."""
    if fmt not in ("jp2", "tif"):
        raise ValueError(f"fmt={fmt!r}: expected 'jp2' or 'tif'")
    try:
        major, minor = baseline.split(".")
        int(major), int(minor)
    except ValueError:
        raise ValueError(f"baseline={baseline!r}: expected 'NN.NN' like '05.10'") from None
    if scene is not None and scene.shape != (size_10m, size_10m):
        raise ValueError(f"scene shape {scene.shape} differs from size_10m={size_10m}")


def effective_scene(scene: Scene, acquisition: Acquisition) -> Scene:
    """The scene with the pixels beyond the swath turned into no-data."""
    outside = acquisition.outside_swath(10)
    if outside is None:
        return scene
    nodata = outside if scene.nodata is None else (scene.nodata | outside)
    return dataclasses.replace(scene, nodata=nodata)


def footprint_lonlat(tile: TileGeometry) -> list[tuple[float, float]]:
    """Closed (lon, lat) ring of the image extent, clockwise from the upper-left corner."""
    x0, y0 = tile.ulx_m, tile.uly_m
    x1, y1 = x0 + tile.size_10m * 10, y0 - tile.size_10m * 10
    xs = np.array([x0, x1, x1, x0, x0])
    ys = np.array([y0, y0, y1, y1, y0])
    lon, lat = tile.to_lonlat(xs, ys)
    return [(float(a), float(b)) for a, b in zip(lon, lat)]


def write_tile_geocoding(geometric_info, tile: TileGeometry) -> None:
    geocoding = X.sub(geometric_info, "Tile_Geocoding", metadataLevel="Brief")
    X.sub(geocoding, "HORIZONTAL_CS_NAME", tile.cs_name)
    X.sub(geocoding, "HORIZONTAL_CS_CODE", f"EPSG:{tile.epsg}")
    for res in (10, 20, 60):
        size = X.sub(geocoding, "Size", resolution=res)
        X.sub(size, "NROWS", tile.size(res))
        X.sub(size, "NCOLS", tile.size(res))
    for res in (10, 20, 60):
        geo = X.sub(geocoding, "Geoposition", resolution=res)
        X.sub(geo, "ULX", f"{tile.ulx_m:.0f}")
        X.sub(geo, "ULY", f"{tile.uly_m:.0f}")
        X.sub(geo, "XDIM", res)
        X.sub(geo, "YDIM", -res)


def _angle_pair(parent, zenith: np.ndarray, azimuth: np.ndarray) -> None:
    for name, grid in (("Zenith", zenith), ("Azimuth", azimuth)):
        element = X.sub(parent, name)
        X.sub(element, "COL_STEP", f"{GRID_STEP_M:.0f}", unit="m")
        X.sub(element, "ROW_STEP", f"{GRID_STEP_M:.0f}", unit="m")
        X.values_rows(element, grid)


def write_tile_angles(geometric_info, acquisition: Acquisition,
                      zenith_override_deg: Optional[float] = None) -> dict:
    """Tile_Angles: sun grid, per band and detector viewing grids, means. Returns the viewing
    grids written ((band, detector) -> (zenith, azimuth))."""
    angles = X.sub(geometric_info, "Tile_Angles", metadataLevel="Standard")
    sun_zenith, sun_azimuth = acquisition.sun_grids()
    _angle_pair(X.sub(angles, "Sun_Angles_Grid"), sun_zenith, sun_azimuth)
    mean = X.sub(angles, "Mean_Sun_Angle")
    X.sub(mean, "ZENITH_ANGLE", repr(float(np.mean(sun_zenith))), unit="deg")
    X.sub(mean, "AZIMUTH_ANGLE", repr(float(np.mean(sun_azimuth))), unit="deg")
    grids = acquisition.viewing_grids(zenith_override_deg)
    for (band, det), (zenith, azimuth) in grids.items():
        element = X.sub(angles, "Viewing_Incidence_Angles_Grids", bandId=BANDS.index(band),
                        detectorId=det)
        _angle_pair(element, zenith, azimuth)
    means = X.sub(angles, "Mean_Viewing_Incidence_Angle_List")
    for band_id, band in enumerate(BANDS):
        zen = [g[0] for (b, _), g in grids.items() if b == band]
        azi = [g[1] for (b, _), g in grids.items() if b == band]
        element = X.sub(means, "Mean_Viewing_Incidence_Angle", bandId=band_id)
        X.sub(element, "ZENITH_ANGLE", repr(float(np.nanmean(np.stack(zen)))), unit="deg")
        X.sub(element, "AZIMUTH_ANGLE", repr(float(np.nanmean(np.stack(azi)))), unit="deg")
    return grids


def finish(safe_dir: Path, as_zip: bool) -> Path:
    """Return the .SAFE folder, or zip it (the .SAFE folder as the top entry) and remove it."""
    if not as_zip:
        return safe_dir
    archive = safe_dir.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for path in sorted(safe_dir.rglob("*")):
            zf.write(path, path.relative_to(safe_dir.parent).as_posix())
    shutil.rmtree(safe_dir)
    return archive
