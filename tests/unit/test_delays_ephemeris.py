"""H_sat, V_ground and sample choice from the real datastrip; corrupt ephemerides refused."""
import numpy as np
import pyproj
import pytest

from s2gm_qgis.core.delays.ephemeris import (
    EphemerisError, ephemeris_track, geodetic_to_ecef, nearest_sample_index,
)
from s2gm_qgis.core.delays.sensing import TrackLists, nadir_crossing_time_s
from s2gm_qgis.core.safe import open_product, product_datastrip
from s2gm_qgis.core.safe.model import GpsEphemeris

TILE_CENTRE = (554880.0, 8845120.0)  # EPSG:32748, delays-method.md


@pytest.fixture(scope="module")
def track(n0301_zip):
    return ephemeris_track(product_datastrip(open_product(str(n0301_zip))).ephemeris)


def _lonlat(x, y):
    return pyproj.Transformer.from_crs(32748, 4326, always_xy=True).transform(x, y)


def test_reference_values_at_the_tile_centre(track):
    lon, lat = _lonlat(*TILE_CENTRE)
    index = nearest_sample_index(track, geodetic_to_ecef(lon, lat))
    assert index == 43
    assert track.h_sat_m[index] == pytest.approx(793916.9, abs=1.0)
    assert track.v_ground_m_s[index] == pytest.approx(6710.62, abs=0.05)


def test_height_matches_pyproj_and_ground_speed_is_plausible(track):
    assert len(track) == 94
    assert 788e3 < track.h_sat_m.min() and track.h_sat_m.max() < 818e3
    assert np.all(np.abs(track.v_ground_m_s - 6710) < 20)
    # The nadir points lie on the ellipsoid, under the satellite.
    lon, lat, h = pyproj.Transformer.from_crs(4978, 4979, always_xy=True).transform(
        *track.nadir_ecef_m.T)
    np.testing.assert_allclose(h, 0.0, atol=1e-3)
    np.testing.assert_allclose(lon, track.nadir_lon_deg, atol=1e-9)


def test_chord_distance_picks_the_geodesic_nearest_sample(track):
    geod = pyproj.Geod(ellps="WGS84")
    xs, ys = np.meshgrid(np.linspace(499980, 609780, 9), np.linspace(8790220, 8900020, 9))
    for x, y in zip(xs.ravel(), ys.ravel()):
        lon, lat = _lonlat(x, y)
        _, _, distance = geod.inv(np.full(len(track), lon), np.full(len(track), lat),
                                  track.nadir_lon_deg, track.nadir_lat_deg)
        assert nearest_sample_index(track, geodetic_to_ecef(lon, lat)) == int(np.argmin(distance))


def test_nadir_crossing_time_is_within_half_a_sample_of_the_nearest(track):
    lon, lat = _lonlat(*TILE_CENTRE)
    t = nadir_crossing_time_s(TrackLists(track), geodetic_to_ecef(lon, lat), 0)
    assert abs(t - track.t_s[43]) < 0.5 + 1e-6


def _ephemeris(position_m, seconds=None):
    n = len(position_m)
    seconds = np.arange(n) if seconds is None else np.asarray(seconds)
    gps = np.datetime64("2021-07-13T03:20:38", "ns") + (np.asarray(seconds) * 1e9).astype("timedelta64[ns]")
    return GpsEphemeris(np.asarray(position_m, float), np.zeros((n, 3)), gps, gps - np.timedelta64(18, "s"))


def test_corrupt_ephemerides_are_refused(track):
    good = track.position_m
    with pytest.raises(EphemerisError, match="no GPS_Points_List"):
        ephemeris_track(None, "MTD_DS.xml")
    with pytest.raises(EphemerisError, match="at least 3"):
        ephemeris_track(_ephemeris(good[:2]))
    with pytest.raises(EphemerisError, match="orbit radius"):
        ephemeris_track(_ephemeris(good * 1000.0))  # millimetres read as metres
    with pytest.raises(EphemerisError, match="strictly increasing"):
        ephemeris_track(_ephemeris(good[:5], [0, 1, 1, 2, 3]))
    with pytest.raises(EphemerisError, match="ground speed"):
        ephemeris_track(_ephemeris(good[:10], np.arange(10) * 2.0))  # wrong time step
