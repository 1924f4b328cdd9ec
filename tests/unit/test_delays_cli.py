"""``python3 -m s2gm_qgis delays``, run as a user would, in a subprocess."""
import json
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "s2gm_qgis", "delays", *map(str, args)],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)


def test_json_on_the_shared_product(n0301_zip):
    result = run_cli(n0301_zip, "--x", 554880, "--y", 8845120, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)  # exactly one JSON object
    assert data["satellite"] == "S2A" and data["tile"] == "48LWP" and data["detector"] == 6
    assert data["point"]["crs"] == "EPSG:32748"
    assert data["ephemeris"]["sample_index"] == 43
    assert data["ephemeris"]["h_sat_m"] == pytest.approx(793916.9, abs=1.0)
    assert data["ephemeris"]["v_ground_m_s"] == pytest.approx(6710.62, abs=0.05)
    assert len(data["delays"]) == 12 and data["warnings"] == []
    assert "Qt" not in result.stderr


def test_reference_delay_detector_1_with_lon_lat(n0301_zip):
    result = run_cli(n0301_zip, "--x", 105.5014449, "--y", -10.4470126, "--crs", "EPSG:4326",
                     "--detector", 1, "--from", "B02", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    b04 = next(d for d in data["delays"] if d["to"] == "B04")
    assert b04["detector"] == 1 and b04["dt_s"] == pytest.approx(1.01196, abs=1e-5)
    assert b04["dt_lut_s"] == pytest.approx(1.00784, abs=1e-5) and b04["dt_esa_s"] == 1.005


def test_readable_table(n0301_zip):
    result = run_cli(n0301_zip, "--x", 554880, "--y", 8845120, "--from", "B8A", "--ephemeris", "point")
    assert result.returncode == 0, result.stderr
    assert "detector   6 (band B8A)" in result.stdout
    assert "sample 43 (point)" in result.stdout and "(source)" in result.stdout


def test_outside_and_missing_datastrip_still_succeed(n0301_zip, n0500_safe):
    outside = run_cli(n0301_zip, "--x", 700000, "--y", 8845120, "--json")
    assert outside.returncode == 0
    assert json.loads(outside.stdout)["detector"] is None
    raster = run_cli(n0500_safe, "--x", 639095, "--y", 5023595, "--json")
    assert raster.returncode == 0, raster.stderr
    data = json.loads(raster.stdout)
    assert data["detector"] == 5 and data["ephemeris"] is None and data["sensing_time_utc"] is None
    assert any("not corrected for this orbit" in w for w in data["warnings"])


@pytest.mark.parametrize("args, reason", [
    (("--x", 1, "--y", 2, "--from", "B13"), "source_band"),
    (("--x", 1, "--y", 2, "--crs", "nonsense"), "crs"),
])
def test_bad_input_exits_2_with_the_reason(n0301_zip, args, reason):
    result = run_cli(n0301_zip, *args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines()[-1].startswith("error:") and reason in result.stderr


def test_missing_product_exits_2(tmp_path):
    result = run_cli(tmp_path / "nothing.zip", "--x", 1, "--y", 2)
    assert result.returncode == 2 and "error:" in result.stderr


def test_outside_every_footprint_says_so_in_the_json(n0301_zip):
    """Issue: a point outside every footprint gets detector null *and a clear message*; the
    JSON has no field of its own for it, so it is one of the warnings."""
    inside_tile = json.loads(run_cli(n0301_zip, "--x", 510000, "--y", 8890000, "--json").stdout)
    assert inside_tile["detector"] is None and inside_tile["delays"] == []
    assert any("outside every detector footprint of B02" in w for w in inside_tile["warnings"])
    far = json.loads(run_cli(n0301_zip, "--x", 0, "--y", 0, "--json").stdout)
    assert any("outside the tile 48LWP" in w for w in far["warnings"])


@pytest.mark.parametrize("x, y", [("nan", 8845120), ("inf", 8845120), ("-inf", 8845120),
                                  (1e9, 1e9)])
def test_non_finite_coordinates_exit_2(n0301_zip, x, y):
    """NaN or infinite coordinates, or ones without a longitude / latitude, are bad input (and
    would make the JSON invalid)."""
    result = run_cli(n0301_zip, f"--x={x}", "--y", y, "--json", "--ephemeris", "point")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: invalid input: point:"), result.stderr
