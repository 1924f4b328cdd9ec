"""``python3 -m s2gm_qgis mosaic``: success with --json, every format through the command line,
and exit 2 with a reason on bad input."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from osgeo import gdal

from s2gm_qgis.cli import main
from tests.conftest import REPO_ROOT
from tests.synthetic import Scene, Surface, make_l2a

SIZE = 60


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli_archive")
    paths = []
    for i, date in enumerate(("2024-06-03", "2024-06-08", "2024-06-13", "2024-06-18",
                              "2024-06-23")):
        scene = Scene.uniform(SIZE, Surface.VEGETATION).with_surface((0, 30), None, Surface.WATER)
        if i < 3:
            scene = scene.with_cloud((30, 60), (0, 30))
        paths.append(make_l2a(out, size_10m=SIZE, date=date, scene=scene, seed=i, fmt="tif"))
    from s2gm_qgis.core.safe import open_product

    ring = open_product(paths[0]).footprint_lonlat
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    bbox = f"{min(lons) + 0.0005},{min(lats) + 0.0005},{max(lons) - 0.0005},{max(lats) - 0.0005}"
    return out, bbox


def args_of(archive, out, *extra):
    folder, bbox = archive
    return ["mosaic", "--archive", str(folder), "--aoi", bbox, "--period", "month",
            "--start", "2024-06-17", "--resolution", "20", "--out", str(out), *extra]


def test_json_output_lists_folder_files_sources_and_counts(archive, tmp_path, capsys):
    code = main(args_of(archive, tmp_path, "--json", "--bands", "B02,B03,B04,INDEX,valid_obs",
                        "--name", "cli"))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    result = json.loads(captured.out)
    assert result["output_dir"].startswith(str(tmp_path))
    assert "S2GM_M20_20240601_20240630_cli_STD" in result["output_dir"]
    assert set(result["files"]) == {"B02", "B03", "B04", "source_index", "valid_obs"}
    assert len(result["source_products"]) == 5
    assert [p["index"] for p in result["source_products"]] == list(range(5))
    counts = result["counts"]
    assert set(counts) == {"pixels_with_data", "medoid", "stc", "single", "none"}
    assert counts["medoid"] > 0 and counts["stc"] > 0 and counts["none"] == 0
    for paths in result["files"].values():
        assert gdal.Open(paths[0]) is not None


@pytest.mark.parametrize("fmt, driver", [("gtiff", "GTiff"), ("cog", "GTiff"),
                                         ("jp2", "JP2OpenJPEG"), ("netcdf", "netCDF")])
def test_every_format_opens_in_gdal_with_georeferencing_and_no_data(archive, tmp_path, capsys,
                                                                    fmt, driver):
    code = main(args_of(archive, tmp_path, "--json", "--format", fmt, "--bit-depth", "8",
                        "--bands", "B04,quality_scene_classification,medoid_mos"))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    files = json.loads(captured.out)["files"]
    path = files["B04"][0]
    source = f'NETCDF:"{path}":B04' if fmt == "netcdf" else path
    dataset = gdal.Open(source)
    assert dataset.GetDriver().ShortName == driver
    assert dataset.GetSpatialRef().GetAuthorityCode(None) == "32632"
    assert abs(dataset.GetGeoTransform()[1]) == 20.0
    band = dataset.GetRasterBand(1)
    assert band.DataType == gdal.GDT_Byte  # 8-bit reflectance
    assert band.GetNoDataValue() == 0
    if fmt == "cog":
        assert dataset.GetMetadata("IMAGE_STRUCTURE").get("LAYOUT") == "COG"
    values = band.ReadAsArray()
    if values.ndim == 3:
        values = values[0]
    # Inside the AOI every pixel has a reflectance; the grid's edge pixels whose centres fall
    # outside the (lon/lat) AOI are no data.
    assert (values[3:-3, 3:-3] > 0).all()
    assert (values == 0).any()


def test_text_output(archive, tmp_path, capsys):
    assert main(args_of(archive, tmp_path, "--bands", "B02", "--quiet")) == 0
    out = capsys.readouterr().out
    assert out.startswith("mosaic     ") and "medoid" in out and "STC" in out


@pytest.mark.parametrize("change, field", [
    (("--start", "2024-13-01"), "--start"),
    (("--aoi", "POLYGON((0 0, 1 1))"), "--aoi"),
    (("--bands", "B02,B09"), "--bands"),
    (("--name", "bad name!"), "--name"),
])
def test_bad_input_exits_2_naming_the_option(archive, tmp_path, capsys, change, field):
    argv = args_of(archive, tmp_path)
    if change[0] in argv:
        argv[argv.index(change[0]) + 1] = change[1]
    else:
        argv += list(change)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and field in err
    assert list(tmp_path.iterdir()) == []


def test_missing_archive_and_empty_period_are_clear_errors(archive, tmp_path, capsys):
    argv = args_of(archive, tmp_path)
    argv[argv.index("--archive") + 1] = str(tmp_path / "nowhere")
    assert main(argv) == 2
    assert "nowhere" in capsys.readouterr().err

    argv = args_of(archive, tmp_path / "out")
    argv[argv.index("--start") + 1] = "2019-02-01"
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "no L2A product" in err and "2019-02-01" in err


def test_real_command_line_process(archive, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "s2gm_qgis", *args_of(archive, tmp_path, "--json", "--bands",
                                                     "B8A,valid_obs")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["pixels_with_data"] > 0
    bad = subprocess.run(
        [sys.executable, "-m", "s2gm_qgis", *args_of(archive, tmp_path, "--resolution", "25")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )
    assert bad.returncode == 2 and "--resolution" in bad.stderr


@pytest.mark.parametrize("workers", ["0", "-3"])
def test_workers_must_be_positive(archive, tmp_path, capsys, workers):
    assert main(args_of(archive, tmp_path, "--workers", workers)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "--workers" in err
    assert list(tmp_path.iterdir()) == []


def test_an_archive_that_is_not_a_folder_is_named(archive, tmp_path, capsys):
    not_a_folder = tmp_path / "products.txt"
    not_a_folder.write_text("x")
    argv = args_of(archive, tmp_path / "out", "--archive", str(tmp_path / "nowhere"),
                   "--archive", str(not_a_folder))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--archive" in err and "nowhere: no such folder" in err
    assert "products.txt: not a folder" in err
    assert not (tmp_path / "out").exists()


def test_an_output_folder_that_cannot_be_made_is_bad_input(archive, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert main(args_of(archive, blocker / "out")) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "--out" in err and "a-file" in err
    assert "Traceback" not in err


def test_sigterm_during_a_run_leaves_nothing_behind(archive, tmp_path, capsys, monkeypatch):
    """A task manager or service stopping the command with SIGTERM is a cancel: the staged
    folder must go, as on Ctrl-C (Python's default SIGTERM action skips every cleanup)."""
    import os
    import signal

    from s2gm_qgis.cli import mosaic as cli_mosaic

    def terminate_at_first_block(quiet):
        def report(fraction, message):
            if message.startswith("block"):
                os.kill(os.getpid(), signal.SIGTERM)
        return report

    monkeypatch.setattr(cli_mosaic, "_stderr_progress", terminate_at_first_block)
    previous = signal.getsignal(signal.SIGTERM)
    code = main(args_of(archive, tmp_path, "--bands", "B02", "--workers", "1"))
    assert code == 130
    assert "interrupted" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) is previous  # restored after the run


@pytest.mark.parametrize("crs, east, west", [("utm", "UTM60S", "UTM01S"),
                                             ("wgs84", "WGS84E", "WGS84W")])
def test_aoi_across_the_antimeridian(tmp_path_factory, tmp_path, capsys, crs, east, west):
    """A zone-1 tile (01KAB) whose west edge lies at 179.26 E, an AOI box from 179.25 E to
    179.99 W: one grid per side; the tile's pixels land where its footprint is, in the grid
    east of the antimeridian (zone 60 / WGS84 east), reprojected from zone 1."""
    import numpy as np
    from osgeo import osr

    from s2gm_qgis.core.safe import open_product

    folder = tmp_path_factory.getbasetemp() / "antimeridian"
    if not folder.exists():
        for i, date in enumerate(("2024-06-02", "2024-06-07", "2024-06-12")):
            make_l2a(folder, tile="01KAB", size_10m=60, date=date, seed=i, fmt="tif")
    ring = open_product(next(folder.iterdir())).footprint_lonlat
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    code = main(["mosaic", "--archive", str(folder), "--aoi", "179.25,-16.27,-179.99,-16.24",
                 "--period", "month", "--start", "2024-06-01", "--resolution", "20", "--crs", crs,
                 "--bands", "B04,valid_obs", "--out", str(tmp_path), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    result = json.loads(captured.out)
    assert [g["name"] for g in result["grids"]] == sorted([east, west])
    files = dict(zip([g["name"] for g in result["grids"]], result["files"]["B04"]))
    assert not gdal.Open(files[west]).ReadAsArray().any()
    dataset = gdal.Open(files[east])
    codes = dataset.ReadAsArray()
    rows, cols = np.nonzero(codes)
    assert rows.size > 0.9 * 30 * 30  # the 600 m tile at 20 m
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to_lonlat = osr.CoordinateTransformation(dataset.GetSpatialRef(), wgs84)
    corners = [to_lonlat.TransformPoint(x0 + c * dx, y0 + r * dy)[:2]
               for r, c in ((rows.min(), cols.min()), (rows.max() + 1, cols.max() + 1))]
    assert corners[0] == pytest.approx((min(lons), max(lats)), abs=0.0004)
    assert corners[1] == pytest.approx((max(lons), min(lats)), abs=0.0004)
