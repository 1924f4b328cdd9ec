"""Point time series (issue 12): values equal the product pixels of synthetic archives with
known values, the 3 x 3 window's mean and count, each reject reason named, the valid filter the
mosaic's own (the mosaic's valid_obs count at the pixel), CSV / JSON, cancel and progress."""
from __future__ import annotations

import csv
import io
import json
import threading

import numpy as np
import pytest

from s2gm_qgis.core.errors import CancelledError, NoProductsError, ValidationError
from s2gm_qgis.core.mosaic.engine import run_mosaic
from s2gm_qgis.core.mosaic.order import MosaicOrder
from s2gm_qgis.core.mosaic.select import (
    REFLECTANCE_BANDS, Reject, reject_reasons, valid_observations,
)
from s2gm_qgis.core.timeseries import (
    COLUMNS, PTS_BANDS, GeoPoint, csv_text, point_grid, point_time_series,
    point_time_series_at, to_json_dict, write_csv, write_json,
)
from tests.synthetic import Scene, Surface, expected_layer, expected_reflectance, make_l2a
from tests.synthetic.tiles import tile_geometry

SIZE = 120  # 10 m pixels of the written window (1.2 km)
TILE = tile_geometry("32TQM", SIZE)
#: (date, scene) of each product; the point P is the 20 m pixel (40, 20).
ROW, COL = 40, 20
CLEAR = Scene.uniform(SIZE, Surface.VEGETATION)
PRODUCTS = (
    ("2024-06-02", CLEAR),
    ("2024-06-05", CLEAR.with_cloud(slice(0, SIZE), slice(0, SIZE))),  # scl_class
    ("2024-06-09", CLEAR.with_nodata(slice(0, SIZE), slice(0, 60))),  # no_data at P
    ("2024-06-12", CLEAR.with_view_zenith(12.0)),  # view_zenith
    ("2024-06-15", CLEAR.with_cloud(slice(0, SIZE), slice(0, SIZE), as_snow=True)),  # snow ref.
    ("2024-06-19", Scene.uniform(SIZE, Surface.SNOW)),  # real snow: valid
    # cloud over the top row of P's 3 x 3 window (20 m row 39 = 10 m rows 78-79)
    ("2024-06-22", CLEAR.with_cloud(slice(78, 80), slice(30, 50))),
)
REASONS = ("", "scl_class", "no_data", "view_zenith", "snow_refinement", "", "")


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pts-archive")
    for seed, (day, scene) in enumerate(PRODUCTS):
        make_l2a(folder, tile="32TQM", size_10m=SIZE, date=f"{day}T10:36:29", scene=scene,
                 seed=seed, fmt="tif")
    return folder


def centre_of(row: int, col: int, res: int = 20) -> GeoPoint:
    return GeoPoint(TILE.ulx_m + (col + 0.5) * res, TILE.uly_m - (row + 0.5) * res, 32632)


def expected_value(scene, seed, band, res, row, col) -> float:
    """What the mosaic's resampling rules give at output pixel (row, col) of ``res``."""
    if band in ("B01", "B09"):  # 60 m native: nearest from 60 m
        return float(expected_reflectance(scene, band, 60, seed=seed)[row * res // 60,
                                                                       col * res // 60])
    if band == "B08" and res > 10:  # 10 m only: mean aggregation
        k = res // 10
        fine = expected_reflectance(scene, band, 10, seed=seed)
        return float(fine[row * k:(row + 1) * k, col * k:(col + 1) * k].astype(np.float64).mean())
    return float(expected_reflectance(scene, band, res, seed=seed)[row, col])


@pytest.mark.parametrize("res", [20, 60])
def test_values_equal_the_product_pixels(archive, res):
    row, col = (ROW, COL) if res == 20 else (ROW // 3, COL // 3)
    series = point_time_series([archive], centre_of(row, col, res), "2024-06-01", "2024-06-30",
                               res, 1)
    assert len(series.observations) == len(PRODUCTS)
    assert [o.sensing_time_utc.day for o in series.observations] == [2, 5, 9, 12, 15, 19, 22]
    assert series.grid_epsg == 32632
    assert series.pixel_centre == pytest.approx((centre_of(row, col, res).x,
                                                 centre_of(row, col, res).y))
    for seed, ((_, scene), seen) in enumerate(zip(PRODUCTS, series.observations)):
        if seen.reject_reason == "no_data":
            assert all(np.isnan(v) for v in seen.reflectance.values()) and seen.scl is None
            continue
        for band in PTS_BANDS:
            assert seen.reflectance[band] == pytest.approx(
                expected_value(scene, seed, band, res, row, col), rel=2e-6), (seed, band)
        assert seen.scl == int(expected_layer(scene, "SCL", res)[row, col])
        assert seen.cloud_probability_pct == float(expected_layer(scene, "CLDPRB", res)[row, col])
        assert seen.snow_probability_pct == float(expected_layer(scene, "SNWPRB", res)[row, col])
        assert seen.aot == pytest.approx(float(expected_layer(scene, "AOT", res)[row, col]) / 1000)
        assert seen.tile_id == "32TQM" and seen.product_id.startswith("S2B_MSIL2A_")
        assert 0 < seen.sun_zenith_deg < 90
    assert [o.reject_reason for o in series.observations] == list(REASONS)
    assert [o.valid for o in series.observations] == [not r for r in REASONS]
    assert [o.n_pixels for o in series.observations] == [int(not r) for r in REASONS]
    assert series.observations[3].view_zenith_deg == pytest.approx(12.0)
    assert series.observations[0].view_zenith_deg < 11


def test_window_3x3_is_the_mean_of_the_valid_pixels(archive):
    series = point_time_series([archive], centre_of(ROW, COL), "2024-06-22", "2024-06-22",
                               20, 3)
    (seen,) = series.observations
    scene, seed = PRODUCTS[6][1], 6
    assert seen.valid and seen.n_pixels == 6  # the cloudy top row of the window left out
    for band in ("B02", "B8A", "B11", "B08"):
        values = [expected_value(scene, seed, band, 20, r, c)
                  for r in (ROW, ROW + 1) for c in (COL - 1, COL, COL + 1)]
        assert seen.reflectance[band] == pytest.approx(float(np.mean(values)), rel=2e-6)
    assert seen.scl == 4
    one = point_time_series([archive], centre_of(ROW - 1, COL), "2024-06-22", "2024-06-22",
                            20, 1).observations[0]
    assert (one.valid, one.reject_reason, one.n_pixels) == (False, "scl_class", 0)
    # A window with no valid pixel gives the centre pixel's values and reason, count 0.
    cloudy = point_time_series([archive], centre_of(ROW, COL), "2024-06-05", "2024-06-05",
                               20, 3).observations[0]
    assert (cloudy.valid, cloudy.reject_reason, cloudy.n_pixels, cloudy.scl) == (
        False, "scl_class", 0, 9)
    assert cloudy.reflectance["B04"] == pytest.approx(
        expected_value(PRODUCTS[1][1], 1, "B04", 20, ROW, COL), rel=2e-6)


def test_valid_observations_are_those_the_mosaic_counts(archive, tmp_path):
    """The mosaic's valid_obs layer at the pixel is the number of valid observations of the
    series (no datatake overlaps here), and the date it chose is one of them."""
    x, y = centre_of(ROW, COL).x, centre_of(ROW, COL).y
    lonlat = [GeoPoint(x + dx, y + dy, 32632).to_lonlat()
              for dx, dy in ((-30, -30), (30, -30), (30, 30), (-30, 30))]
    wkt = "POLYGON((" + ", ".join(f"{a} {b}" for a, b in lonlat + lonlat[:1]) + "))"
    order = MosaicOrder.create(name="pts", aoi=wkt, period="month", start="2024-06-01",
                               resolution_m=20, bands=["valid_obs", "source_index"])
    result = run_mosaic(order, [archive], tmp_path / "out")
    from osgeo import gdal

    grid = result.grids[0]
    col = int((x - grid.geotransform[0]) // 20)
    row = int((grid.geotransform[3] - y) // 20)
    valid_obs = gdal.Open(str(result.files["valid_obs"][0])).ReadAsArray()[row, col]
    chosen = gdal.Open(str(result.files["source_index"][0])).ReadAsArray()[row, col]
    series = point_time_series([archive], GeoPoint(x, y, 32632), "2024-06-01", "2024-06-30")
    assert valid_obs == len(series.valid_observations) == 3
    assert int(chosen) in {o.source_index for o in series.valid_observations}


def test_reject_reasons_are_the_valid_filter_test_by_test():
    rng = np.random.default_rng(12)
    shape = (6, 4000)
    bands = {b: rng.uniform(0.0, 0.9, shape).astype(np.float32) for b in REFLECTANCE_BANDS}
    bands["B11"][:, :1000] = rng.uniform(0.0, 0.1, (6, 1000))  # snow-like NDSI
    holes = rng.random(shape) < 0.05
    bands["B04"][holes] = np.nan
    scl = rng.choice(np.array([0, 2, 3, 4, 5, 6, 8, 9, 11, 11, 11], dtype=np.uint8), shape)
    vza = rng.uniform(0.0, 13.0, shape).astype(np.float32)
    vza[rng.random(shape) < 0.02] = np.nan
    reasons = reject_reasons(bands, scl, vza)
    np.testing.assert_array_equal(reasons == Reject.NONE, valid_observations(bands, scl, vza))
    assert set(np.unique(reasons)) == set(Reject)
    assert (reasons[holes] == Reject.NO_DATA).all()
    assert (reasons[scl == 0] == Reject.NO_DATA).all()
    later = (reasons == Reject.SCL_CLASS) | (reasons == Reject.SNOW_REFINEMENT)
    assert (vza[later] < 11).all()  # the view test comes before the class tests


def test_csv_and_json_writers(archive, tmp_path):
    series = point_time_series([archive], centre_of(ROW, COL), "2024-06-01", "2024-06-30")
    text = csv_text(series)
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert ",".join(header) == ("date_utc,product_id,tile,valid,reject_reason,B01,B02,B03,B04,"
                                "B05,B06,B07,B08,B09,B11,B12,B8A,scl,cloud_prob,snow_prob,aot,"
                                "view_zenith,sun_zenith,n_pixels")
    assert tuple(header) == COLUMNS and len(rows) == len(PRODUCTS)
    first = dict(zip(header, rows[0]))
    assert first["date_utc"].startswith("2024-06-02T10:36") and first["date_utc"].endswith("Z")
    assert (first["valid"], first["reject_reason"], first["tile"]) == ("true", "", "32TQM")
    assert float(first["B02"]) == series.observations[0].reflectance["B02"]
    assert np.float32(first["B02"]) == np.float32(expected_value(CLEAR, 0, "B02", 20, ROW, COL))
    nodata = dict(zip(header, rows[2]))
    assert (nodata["valid"], nodata["reject_reason"], nodata["B02"], nodata["scl"]) == (
        "false", "no_data", "", "")
    write_csv(series, tmp_path / "pts.csv")
    assert (tmp_path / "pts.csv").read_text() == text
    write_json(series, tmp_path / "pts.json")
    data = json.loads((tmp_path / "pts.json").read_text())
    assert data == json.loads(json.dumps(to_json_dict(series)))
    assert data["columns"] == list(COLUMNS) and data["grid_epsg"] == 32632
    assert data["observations"][2]["B02"] is None
    assert data["observations"][0]["B02"] == float(first["B02"])
    assert [o["reject_reason"] for o in data["observations"]] == list(REASONS)
    assert not list(tmp_path.glob("*.partial"))


def test_lonlat_point_and_the_mosaic_grid(archive):
    lon, lat = centre_of(ROW, COL).to_lonlat()
    series = point_time_series([archive], (lon, lat), "2024-06-01", "2024-06-02")
    assert (series.lon, series.lat) == pytest.approx((lon, lat))
    assert series.pixel_centre == pytest.approx((centre_of(ROW, COL).x, centre_of(ROW, COL).y))
    grid = point_grid(GeoPoint.lonlat(lon, lat), 30, 3).grid
    assert grid.epsg == 32632 and grid.shape == (3, 3)
    assert grid.geotransform[0] % 30 == 0 and grid.geotransform[3] % 30 == 0
    wgs = point_time_series([archive], (lon, lat), "2024-06-01", "2024-06-02", crs="wgs84")
    assert wgs.grid_epsg == 4326
    # Reprojected by the mosaic's warped read (nearest): one of the product's pixels.
    b11 = expected_reflectance(CLEAR, "B11", 20, seed=0)
    assert np.isclose(b11, wgs.observations[0].reflectance["B11"], rtol=1e-6).any()
    tile = point_time_series([archive], (lon, lat), "2024-06-01", "2024-06-02", crs="tile")
    assert tile.observations == series.observations


def test_points_outside_and_bad_options(archive):
    far = (TILE.ulx_m + 5000, TILE.uly_m - 5000)  # in the tile, outside the written window
    with pytest.raises(NoProductsError, match="lon .* lat"):
        point_time_series([archive], GeoPoint(*far, 32632), "2024-06-01", "2024-06-30")
    with pytest.raises(NoProductsError, match="between 2024-07-01 and 2024-07-31"):
        point_time_series([archive], centre_of(ROW, COL), "2024-07-01", "2024-07-31")
    several = point_time_series_at([archive], [centre_of(ROW, COL), GeoPoint(*far, 32632)],
                                   "2024-06-01", "2024-06-30")
    assert [len(s.observations) for s in several] == [len(PRODUCTS), 0]
    with pytest.raises(ValidationError) as bad:
        point_time_series([archive], centre_of(ROW, COL), "2024-06-01", "2024-06-30", 25, 2)
    assert set(bad.value.errors) == {"resolution_m", "window"}
    with pytest.raises(ValidationError, match="before the start"):
        point_time_series([archive], centre_of(ROW, COL), "2024-06-30", "2024-06-01")
    with pytest.raises(ValidationError, match="not a date"):
        point_time_series([archive], centre_of(ROW, COL), "June", "2024-06-01")
    with pytest.raises(ValidationError, match="CRS"):
        point_time_series([archive], GeoPoint(1, 2, "EPSG:999999"), "2024-06-01", "2024-06-30")


def test_progress_and_cancel(archive):
    messages = []
    point_time_series([archive], centre_of(ROW, COL), "2024-06-01", "2024-06-30",
                      progress=lambda f, m: messages.append((f, m)), workers=2)
    fractions = [f for f, _ in messages]
    assert fractions[-1] == 1.0 and all(0 <= f <= 1 for f in fractions)
    assert any(m.startswith("observation 7 of 7") for _, m in messages)
    stop = threading.Event()

    def progress(fraction, message):
        if message.startswith("observation"):
            stop.set()

    with pytest.raises(CancelledError):
        point_time_series([archive], centre_of(ROW, COL), "2024-06-01", "2024-06-30",
                          progress=progress, cancel=stop, workers=1)
