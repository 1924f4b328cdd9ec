"""Which detector imaged a point where footprints overlap (GML before baseline 02.09) or touch
(pixel-step GML from 02.09, rasters from 04.00), on the real N0301 and N0500 samples.

The overlapping footprints are built from the real N0301 pixel-step masks the way the older
masks are shaped (real N02.04 products: a polygon per detector, vertices every ~16 km along
track, neighbours overlapping by ~1.5 km): the real seam then lies on the overlap's mid-line,
so the mid-line split must give back the real N0301 detector on both sides of it.
"""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from s2gm_qgis.core.delays import DelayInspector
from s2gm_qgis.core.delays.overlaps import HALF_OPEN_RULE, MIDLINE_RULE, choose_detector
from tests.synthetic.layouts import with_overlapping_footprints

ROWS_Y = (8845120.0, 8800000.0, 8820000.0)


@pytest.fixture(scope="module")
def real(n0301_zip):
    return DelayInspector.open(n0301_zip)


@pytest.fixture(scope="module")
def overlapping(n0301_zip, tmp_path_factory):
    safe = with_overlapping_footprints(n0301_zip, tmp_path_factory.mktemp("n0204_like"))
    return DelayInspector.open(safe)


def real_seams(inspector, y):
    """(x of the seam, western detector, eastern detector) along the row y of B02."""
    xs = np.arange(500000.0, 609780.0, 10.0)
    dets = inspector.index.detectors_at("B02", xs, np.full_like(xs, y)).max(axis=1)
    cut = np.flatnonzero((np.diff(dets) != 0) & (dets[:-1] > 0) & (dets[1:] > 0))
    return [(xs[i + 1], int(dets[i]), int(dets[i + 1])) for i in cut]


def test_overlapping_shapes_overlap(overlapping):
    seams = real_seams(overlapping, ROWS_Y[0])
    assert len(seams) >= 4
    x, west, east = seams[1]
    assert overlapping.index.lookup(x, ROWS_Y[0])["B02"] == (min(west, east), max(west, east))


@pytest.mark.parametrize("y", ROWS_Y)
def test_midline_split_gives_the_real_detector_on_both_sides(real, overlapping, y):
    seams = real_seams(real, y)
    assert seams
    for x_seam, west, east in seams:
        for offset, expected in ((-300.0, west), (-60.0, west), (60.0, east), (300.0, east)):
            readout = overlapping.readout(x_seam + offset, y)
            assert real.readout(x_seam + offset, y).detector == expected
            assert readout.detector == expected, (x_seam, offset)
        inside = overlapping.readout(x_seam - 60.0, y)
        assert inside.detector_candidates == tuple(sorted((west, east)))
        choice = choose_detector(overlapping.index, "B02", x_seam - 60.0, y,
                                 inside.detectors["B02"])
        start, mid, end = choice.overlap_x
        assert start < mid < end and end - start == pytest.approx(1500.0, abs=60.0)
        # The older shapes put the mid-line on the real seam (symmetric overlap; vertices
        # every 16 km follow the straight seam within a few tens of metres).
        assert abs(mid - x_seam) < 50.0


def test_both_candidates_and_their_delays_reported(overlapping, real):
    x_seam, west, east = real_seams(real, ROWS_Y[0])[2]
    readout = overlapping.readout(x_seam - 60.0, ROWS_Y[0])
    assert readout.detector == west
    assert readout.detector_candidates == tuple(sorted((west, east)))
    assert set(readout.alternative_delays) == {east}
    forced = overlapping.readout(x_seam - 60.0, ROWS_Y[0], detector=east)
    assert readout.alternative_delays[east] == forced.delays
    # Odd and even detectors look fore and aft: the delay changes sign across the seam.
    b04 = {d.dst: d for d in readout.alternative_delays[east]}["B04"]
    assert np.sign(b04.dt_s) == -np.sign(readout.delay("B04").dt_s)
    warning = next(w for w in readout.warnings if w.startswith("B02: the point lies where"))
    assert f"detectors {min(west, east)} and {max(west, east)} overlap" in warning
    assert MIDLINE_RULE in warning and f"delays use detector {west}" in warning
    # The readout of a point off every overlap names one candidate and no alternative.
    clear = overlapping.readout(x_seam - 5000.0, ROWS_Y[0])
    assert clear.detector_candidates == (west,) and clear.alternative_delays == {}


def test_json_of_an_overlap(overlapping, real):
    x_seam, west, east = real_seams(real, ROWS_Y[0])[2]
    out = subprocess.run(
        [sys.executable, "-m", "s2gm_qgis", "delays", overlapping.product.path,
         "--x", str(x_seam + 100.0), "--y", str(ROWS_Y[0]), "--json"],
        capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    assert data["detector"] == east
    assert data["detector_candidates"] == sorted((west, east))
    assert list(data["alternative_delays"]) == [str(west)]
    assert data["alternative_delays"][str(west)][0]["detector"] == west
    assert any(MIDLINE_RULE in w for w in data["warnings"])


def _vertical_edge(inspector, y):
    """(x, western detector, eastern detector) of a pixel-step seam edge in B02's row y."""
    spans = sorted(inspector.index.intervals_at("B02", 0.0, y) or ())
    xs = np.arange(500000.0, 609780.0, 10.0)
    for x in xs:
        found = inspector.index.intervals_at("B02", float(x), y)
        ends = {d for d, a, e in found if e == x}
        starts = {d for d, a, e in found if a == x}
        if ends and starts and ends != starts:
            return float(x), ends.pop(), starts.pop()
    raise AssertionError(f"no shared vertical edge in row {y} ({spans})")


def test_point_on_a_shared_vertical_edge_is_the_eastern_detector(real):
    y = ROWS_Y[0] - 5.0  # inside a pixel row, away from its horizontal edges
    x, west, east = _vertical_edge(real, y)
    readout = real.readout(x, y)
    assert readout.detector == east
    assert readout.detector_candidates == tuple(sorted((west, east)))
    assert set(readout.alternative_delays) == {west}
    warning = next(w for w in readout.warnings if "edge shared" in w)
    assert HALF_OPEN_RULE in warning and f"delays use detector {east}" in warning
    data = readout.to_json_dict()
    assert any("belongs to the detector east of it" in w for w in data["warnings"])
    # A hair west of the edge is the western detector, with no rule needed.
    assert real.readout(x - 0.01, y).detector_candidates == (west,)


def test_point_on_a_shared_horizontal_edge_is_the_southern_detector(real):
    """Pixel-step seams move by whole pixels from row to row: on the row edge between two
    such rows, a point between the two seam positions is the southern row's detector."""
    y0 = ROWS_Y[0]
    for step in range(200):
        y_edge = y0 - 10.0 * step
        below = _vertical_edge(real, y_edge - 5.0)
        above = _vertical_edge(real, y_edge + 5.0)
        if below[0] != above[0] and (below[1], below[2]) == (above[1], above[2]):
            break
    else:
        raise AssertionError("no step in the seam found")
    x = 0.5 * (below[0] + above[0])
    south = real.readout(x, y_edge - 5.0).detector
    north = real.readout(x, y_edge + 5.0).detector
    assert south != north
    readout = real.readout(x, y_edge)
    assert readout.detector == south
    assert readout.detector_candidates == tuple(sorted((south, north)))
    assert any("south of it" in w for w in readout.warnings)


def test_raster_mask_edge_is_half_open_too(n0500_safe):
    """N0500 (raster MSK_DETFOO): row 50 of the crop has detector 5 up to x 639540, then 6."""
    inspector = DelayInspector.open(n0500_safe)
    y = 5023120.0 - 5.0
    readout = inspector.readout(639540.0, y)
    assert readout.detector == 6 and readout.detector_candidates == (5, 6)
    assert inspector.readout(639539.9, y).detector_candidates == (5,)
