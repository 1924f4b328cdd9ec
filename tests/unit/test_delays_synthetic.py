"""DelayInspector on synthetic L1C products, where the generator knows the right answer: the
orbit (H_sat, V_ground), the detector under each pixel and when each band and detector sees a
ground point. Variants the real samples do not cover: Sentinel-2C, a tile across the
antimeridian, baseline 02.04 GML footprints, 05.10 raster footprints as GeoTIFF inside a zip."""
from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from s2gm_qgis.core.bands import BANDS
from s2gm_qgis.core.delays import DelayInspector, load_delay_table
from tests.synthetic import make_l1c
from tests.synthetic.acquisition import acquire
from tests.synthetic.footprints import detector_raster

SIZE = 120
VARIANTS = {
    "S2C-01KAB-N0204-gml": dict(spacecraft="S2C", tile="01KAB", baseline="02.04",
                                date="2025-01-10", cross_track_km=None),
    "S2B-32TQM-N0510-tif-zip": dict(spacecraft="S2B", tile="32TQM", baseline="05.10",
                                    date="2024-06-12T10:36:29", cross_track_km=60.0,
                                    fmt="tif", zip=True),
}


@pytest.fixture(scope="module", params=list(VARIANTS))
def synthetic(request, tmp_path_factory):
    options = dict(VARIANTS[request.param])
    path = make_l1c(tmp_path_factory.mktemp(request.param), size_10m=SIZE, **options)
    acq = acquire(options["spacecraft"], options["tile"], SIZE, options["date"],
                  cross_track_km=options["cross_track_km"])
    return DelayInspector.open(str(path)), acq


def test_known_answer_at_the_image_centre(synthetic):
    inspector, acq = synthetic
    assert inspector.satellite == acq.spacecraft and inspector.warnings == ()
    cx, cy = acq.tile.centre_m
    readout = inspector.readout(cx + 5.0, cy - 5.0)  # a pixel centre, off the 60 m edges
    # The detector the generator put there, in every band.
    row = col = SIZE // 2
    expected = int(detector_raster(acq, 10)[row, col])
    assert readout.detector == expected and readout.warnings == ()
    assert set(readout.detectors.values()) == {(expected,)}
    # The generator's orbit, at the sample nearest the tile centre (1 Hz samples).
    assert readout.ephemeris.h_sat_m == pytest.approx(acq.track.h_sat_m, abs=20.0)
    assert readout.ephemeris.v_ground_m_s == pytest.approx(acq.track.v_ground_m_s, abs=0.05)
    # Delays: this satellite's own table, corrected (eq. 12), equal to the generator's timing
    # (to the H_sat difference between the 1 Hz sample and the generator's exact time).
    table = load_delay_table(acq.spacecraft)
    offsets = acq.time_offsets_s()
    for delay in readout.delays:
        assert delay.dt_lut_s == table.lookup("B02", delay.dst, expected)[0]
        truth = offsets[(delay.dst, expected)] - offsets[("B02", expected)]
        assert delay.dt_s == pytest.approx(truth, rel=3e-5), delay.dst
    # Sensing time: the nadir is abeam the point along/V after the tile's sensing time, and
    # B02 of this detector sees it offsets[B02] later.
    along_km, _ = acq.track.along_cross_km(cx + 5.0, cy - 5.0)
    truth = (acq.sensing_time + timedelta(seconds=float(along_km) * 1000 / acq.track.v_ground_m_s
                                          + offsets[("B02", expected)])).replace(tzinfo=None)
    got = np.datetime64(readout.sensing_time_utc["B02"].rstrip("Z"))
    assert abs((got - np.datetime64(truth)) / np.timedelta64(1, "ms")) < 5.0
    assert list(readout.sensing_time_utc) == list(BANDS)


def test_lon_lat_input_and_point_ephemeris(synthetic):
    """01KAB lies in UTM zone 1 but its west part is beyond the antimeridian (lon > 179)."""
    inspector, acq = synthetic
    readout = inspector.readout(*acq.tile.centre_m)
    lon, lat = (float(v) for v in acq.tile.to_lonlat(*acq.tile.centre_m))
    assert lon > 179.0 if acq.tile.tile == "01KAB" else 0 < lon < 20
    assert (readout.point.lon, readout.point.lat) == pytest.approx((lon, lat))
    again = inspector.readout(lon, lat, crs="EPSG:4326", ephemeris="point")
    assert again.detector == readout.detector
    assert again.ephemeris.selection == "point"
    assert abs(again.ephemeris.sample_index - readout.ephemeris.sample_index) <= 1


def test_overlapping_detectors_at_a_seam(tmp_path):
    """Before baseline 02.09 neighbouring detector footprints overlap (as on real N0204
    products): at the seam between detectors 08 and 09 both are reported, the overlap is split
    at its mid-line (each side gets its own detector), a warning says so; ``detector=`` picks
    the other."""
    from s2gm_qgis.core.delays.overlaps import choose_detector

    seam_km = -145.0 + 8 * 290.0 / 12
    path = make_l1c(tmp_path, size_10m=60, baseline="02.06", cross_track_km=seam_km)
    inspector = DelayInspector.open(str(path))
    grid = inspector.product.granule.grids[10]
    cx, cy = grid.ulx_m + 300, grid.uly_m - 300  # the image centre, on the seam
    readout = inspector.readout(cx, cy)
    assert set(readout.detectors.values()) == {(8, 9)}
    assert readout.detector_candidates == (8, 9)
    assert any("detectors 8 and 9 overlap" in w for w in readout.warnings)
    start, mid, end = choose_detector(inspector.index, "B02", cx, cy, (8, 9)).overlap_x
    west = inspector.readout(0.5 * (start + mid), cy)
    east = inspector.readout(0.5 * (mid + end), cy)
    assert {west.detector, east.detector} == {8, 9}
    other = inspector.readout(cx, cy, detector=17 - readout.detector)
    assert other.detector == 17 - readout.detector and other.warnings == ()
    assert np.sign(other.delay("B04").dt_s) == -np.sign(readout.delay("B04").dt_s)
