"""``python3 -m s2gm_qgis pts``: the exact command line of issue 12, its CSV on stdout or in a
file, --json, and exit 2 with the reason for bad input or a point outside every product."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from s2gm_qgis.cli import main
from s2gm_qgis.core.timeseries import COLUMNS, GeoPoint
from tests.conftest import REPO_ROOT
from tests.synthetic import Scene, Surface, expected_reflectance, make_l2a
from tests.synthetic.tiles import tile_geometry

SIZE = 60
TILE = tile_geometry("32TQM", SIZE)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    out = tmp_path_factory.mktemp("pts_cli_archive")
    for i, day in enumerate(("2024-06-03", "2024-06-08", "2024-06-13")):
        scene = Scene.uniform(SIZE, Surface.VEGETATION)
        if i == 1:
            scene = scene.with_cloud((0, 60), (0, 60))
        make_l2a(out, size_10m=SIZE, date=day, scene=scene, seed=i, fmt="tif")
    return out


def lonlat(row=10, col=10, res=20):
    return GeoPoint(TILE.ulx_m + (col + 0.5) * res, TILE.uly_m - (row + 0.5) * res,
                    32632).to_lonlat()


def args_of(archive, *extra, point=None):
    lon, lat = point or lonlat()
    return ["pts", "--archive", str(archive), "--lon", repr(lon), "--lat", repr(lat),
            "--start", "2024-06-01", "--end", "2024-06-30", *extra]


def test_csv_on_stdout_with_the_exact_command_line(archive):
    """As the automated checks run it: a separate interpreter, ``python3 -m s2gm_qgis``."""
    lon, lat = lonlat()
    done = subprocess.run(
        [sys.executable, "-m", "s2gm_qgis", "pts", "--archive", str(archive), "--lon",
         repr(lon), "--lat", repr(lat), "--start", "2024-06-01", "--end", "2024-06-30",
         "--resolution", "20", "--window", "1", "--csv", "-"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    header, *rows = list(csv.reader(io.StringIO(done.stdout)))
    assert tuple(header) == COLUMNS
    assert [r[0][:10] for r in rows] == ["2024-06-03", "2024-06-08", "2024-06-13"]
    assert [(r[3], r[4]) for r in rows] == [("true", ""), ("false", "scl_class"), ("true", "")]
    b04 = float(expected_reflectance(Scene.uniform(SIZE, Surface.VEGETATION), "B04", 20,
                                     seed=0)[10, 10])
    assert float(rows[0][header.index("B04")]) == pytest.approx(b04, rel=1e-6)


def test_csv_file_and_json(archive, tmp_path, capsys):
    target = tmp_path / "series.csv"
    assert main(args_of(archive, "--window", "3", "--resolution", "60", "--csv", str(target),
                        "--json", "--quiet")) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["window"] == 3 and data["resolution_m"] == 60 and data["grid_epsg"] == 32632
    assert [o["n_pixels"] for o in data["observations"]] == [9, 0, 9]
    rows = list(csv.DictReader(target.open()))
    assert [r["n_pixels"] for r in rows] == ["9", "0", "9"]
    assert float(rows[0]["B8A"]) == data["observations"][0]["B8A"]


def test_default_output_is_the_csv(archive, capsys):
    assert main(args_of(archive)) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == ",".join(COLUMNS) and len(out.splitlines()) == 4


@pytest.mark.parametrize("extra, point, message", [
    (("--start", "2024-13-01"), None, "--start: '2024-13-01': expected a date"),
    (("--end", "2024-05-01"), None, "--end: 2024-05-01 is before --start"),
    (("--csv", "-", "--json"), None, "would both write to stdout"),
    (("--collection", "x"), None, "--collection: only with --stac"),
    ((), (200.0, 42.4), "--lon: 200: expected a longitude"),
    ((), (11.0, -95.0), "--lat: -95: expected a latitude"),
])
def test_bad_input_exits_2_with_the_reason(archive, capsys, extra, point, message):
    code = main(args_of(archive, *extra, point=point))
    err = capsys.readouterr().err
    assert code == 2 and message in err, err


def test_missing_archive_and_point_outside_every_product(archive, tmp_path, capsys):
    assert main(["pts", "--archive", str(tmp_path / "nowhere"), "--lon", "11.4", "--lat", "42.4",
                 "--start", "2024-06-01", "--end", "2024-06-30"]) == 2
    assert "nowhere: no such folder" in capsys.readouterr().err
    outside = GeoPoint(TILE.ulx_m + 3000, TILE.uly_m - 3000, 32632).to_lonlat()
    assert main(args_of(archive, point=outside)) == 2
    err = capsys.readouterr().err
    assert "no observation over the point" in err and "error:" in err
    assert main(args_of(archive, "--start", "2024-07-01", "--end", "2024-07-02")) == 2
    assert "between 2024-07-01 and 2024-07-02" in capsys.readouterr().err
    with pytest.raises(SystemExit) as parse_error:
        main(args_of(archive, "--resolution", "25"))
    assert parse_error.value.code == 2
    assert "invalid choice: 25" in capsys.readouterr().err
