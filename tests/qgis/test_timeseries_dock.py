"""The time-series tool and dock in real QGIS: a simulated click on the canvas over a synthetic
archive, the series read in a QgsTask and plotted (valid and rejected observations told apart,
hover text), the date a mosaic chose marked when its source_index layer is under the click, CSV
and PNG exports; the values are the core's (tested against the product pixels in
tests/unit/test_pts.py)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from qgis.core import (
    QgsApplication, QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsPointXY,
    QgsProject, QgsRasterLayer,
)
from qgis.PyQt.QtCore import QCoreApplication, Qt
from qgis.PyQt.QtGui import QImage
from qgis.PyQt.QtTest import QTest
from osgeo import gdal

from s2gm_qgis.core.mosaic.engine import run_mosaic
from s2gm_qgis.core.mosaic.order import MosaicOrder
from s2gm_qgis.core.timeseries.point import GeoPoint
from s2gm_qgis.core.timeseries.series import point_time_series
from s2gm_qgis.core.timeseries.writers import csv_text
from s2gm_qgis.qgis_support.results import style_layer
from s2gm_qgis.qgis_support.preferences import Preferences
from s2gm_qgis.gui.timeseries.feature import TimeSeriesFeature, mosaic_choice_at

from .test_mosaic_dock import (  # noqa: F401 (fixture)
    DATES, ULX, ULY, UTM32N, pixel, show_tile, synthetic_archive, wait_for,
)

#: Under the cloud of the first two dates (rows 0-40, columns 60-120 of the 10 m window).
CLOUDED = (ULX + 900.0, ULY - 200.0)
#: Clear on every date.
CLEAR = (ULX + 300.0, ULY - 700.0)


@pytest.fixture
def feature(qgis_iface, qgis_canvas, clean_settings, qgis_new_project, synthetic_archive, tmp_path):
    Preferences(archive_folders=(str(synthetic_archive),), cache_folder=str(tmp_path / "cache"),
                results_folder=str(tmp_path / "results")).save()
    feature = TimeSeriesFeature(qgis_iface)
    feature.dock.resize(460, 640)
    feature.dock.show()
    feature.dock.set_period(date(2024, 6, 1), date(2024, 6, 30))
    show_tile(qgis_canvas)
    yield feature
    feature.teardown()
    feature.dock.deleteLater()
    QCoreApplication.processEvents()


def click(canvas, x, y) -> None:
    QTest.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, pixel(canvas, x, y))


def lonlat(x, y):
    transform = QgsCoordinateTransform(QgsCoordinateReferenceSystem(UTM32N),
                                       QgsCoordinateReferenceSystem("EPSG:4326"),
                                       QgsProject.instance())
    point = transform.transform(QgsPointXY(x, y))
    return point.x(), point.y()


def test_click_plots_the_series_with_rejected_observations_apart(feature, qgis_canvas,
                                                                synthetic_archive, tmp_path):
    feature.dock.pick_button.click()
    assert qgis_canvas.mapTool() is feature.tool
    click(qgis_canvas, *CLOUDED)
    wait_for(lambda: feature.task is None and feature.series is not None, 120, "the series")
    series = feature.series
    assert [o.sensing_time_utc.strftime("%Y-%m-%d") for o in series.observations] == \
        [d[:10] for d in DATES]
    assert [o.valid for o in series.observations] == [False, False, True, True, True]
    assert {o.reject_reason for o in series.observations[:2]} == {"scl_class"}
    assert "5 observation(s), 3 valid" in feature.dock.status_label.text()

    # What the task computed is what the core computes at that point.
    clicked = feature.marker.center()
    expected = point_time_series([str(synthetic_archive)], GeoPoint.lonlat(
        *lonlat(clicked.x(), clicked.y())), "2024-06-01", "2024-06-30", 20, 1)
    assert csv_text(series) == csv_text(expected)

    # NDVI (default) and B04: one dot per observation and quantity; rejected ones apart.
    feature.dock.set_quantities(["NDVI", "B04"])
    points = feature.dock.plot.points()
    assert len(points) == 10
    assert {p.quantity for p in points} == {"NDVI", "B04"}
    rejected = [p for p in points if not p.observation.valid]
    assert len(rejected) == 4
    first = min(rejected, key=lambda p: p.x)
    text = feature.dock.plot.hover_at(first.x, first.y)
    assert text.startswith("2024-06-03 10:36 UTC") and "rejected" in text, text
    assert feature.dock.hover_label.text().startswith("2024-06-03 10:36 UTC")
    assert feature.dock.plot.hover_at(first.x + 40, first.y + 40) == ""  # away from every dot
    valid = next(p for p in points if p.observation.valid and p.quantity == "NDVI")
    assert "valid (1 pixel(s))" in feature.dock.plot.hover_at(valid.x, valid.y)
    ndvi = valid.observation.reflectance
    assert valid.value == pytest.approx((ndvi["B08"] - ndvi["B04"]) / (ndvi["B08"] + ndvi["B04"]))

    csv_path = feature.export_csv(str(tmp_path / "series.csv"))
    assert csv_path.read_text() == csv_text(series)
    png_path = feature.export_png(str(tmp_path / "series.png"))
    image = QImage(str(png_path))
    assert not image.isNull() and image.width() == feature.dock.plot.width()


def test_the_date_the_mosaic_chose_is_marked(feature, qgis_canvas, synthetic_archive, tmp_path):
    x0, y0 = lonlat(ULX + 100, ULY - 1100)
    x1, y1 = lonlat(ULX + 1100, ULY - 100)
    order = MosaicOrder.create(name="marked", aoi=f"{x0},{y0},{x1},{y1}", period="month",
                               start="2024-06-01", resolution_m=20,
                               bands=["B04", "source_index"])
    result = run_mosaic(order, [str(synthetic_archive)], tmp_path / "mosaic")
    path = result.files["source_index"][0]
    layer = QgsRasterLayer(str(path), "marked source_index", "gdal")
    style_layer(layer, "source_index", result.source_products)
    QgsProject.instance().addMapLayer(layer)

    # The index the mosaic wrote at the clicked pixel, and its product's date.
    dataset = gdal.Open(str(path))
    gt = dataset.GetGeoTransform()
    here = QgsCoordinateTransform(QgsCoordinateReferenceSystem(UTM32N), layer.crs(),
                                  QgsProject.instance()).transform(QgsPointXY(*CLEAR))
    col, row = int((here.x() - gt[0]) / gt[1]), int((here.y() - gt[3]) / gt[5])
    index = int(dataset.ReadAsArray()[row, col])
    chosen = next(p for p in result.source_products if int(p["index"]) == index)

    choice = mosaic_choice_at(QgsPointXY(*CLEAR), QgsCoordinateReferenceSystem(UTM32N))
    assert choice is not None and choice.source_index == index
    assert choice.product_id == chosen["product_id"]

    feature.dock.pick_button.click()
    click(qgis_canvas, *CLEAR)
    wait_for(lambda: feature.task is None and feature.series is not None, 120, "the series")
    assert feature.dock.plot.chosen_time == choice.sensing_time_utc
    assert choice.sensing_time_utc.strftime("%Y-%m-%d") in feature.dock.status_label.text()
    assert any(o.sensing_time_utc == choice.sensing_time_utc and o.valid
               for o in feature.series.observations)


def test_a_point_outside_every_product_says_so(feature, qgis_canvas):
    feature.compute_at(QgsPointXY(ULX - 50_000, ULY + 50_000), QgsCoordinateReferenceSystem(UTM32N))
    wait_for(lambda: feature.task is None, 120, "the failed series")
    assert feature.series is None
    assert feature.dock.status_label.text(), "no reason shown"
    dock = feature.dock
    assert not dock.csv_button.isEnabled() and not dock.png_button.isEnabled()


def test_no_source_configured_is_said_before_any_task(qgis_iface, clean_settings, tmp_path):
    Preferences(cache_folder=str(tmp_path / "cache")).save()
    feature = TimeSeriesFeature(qgis_iface)
    try:
        feature.compute_at(QgsPointXY(ULX, ULY), QgsCoordinateReferenceSystem(UTM32N))
        assert feature.task is None
        assert "archive folder" in feature.dock.status_label.text()
    finally:
        feature.teardown()
        feature.dock.deleteLater()
