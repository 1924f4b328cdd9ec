"""AOI sources of the mosaic dock in real QGIS: rectangle dragged with the mouse, vertex editing
until ordered, map extent, layer extent, selected features, files, pasted WKT in any CRS,
repair or refusal of invalid geometries, the live area, and the large-AOI confirmation."""
from __future__ import annotations

import json

import pytest
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsGeometry,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QEvent, QPointF, Qt
from qgis.PyQt.QtGui import QMouseEvent
from qgis.PyQt.QtWidgets import QApplication

from s2gm_qgis.core.orders.store import OrderRecord
from s2gm_qgis.qgis_support import aoi as aoi_sources
from s2gm_qgis.gui.mosaic.options import BASIC

from .test_mosaic_dock import (  # noqa: F401 (mosaic_factory is a fixture)
    ULX, ULY, mosaic_factory, pixel, show_tile, wait_for, wait_for_placed,
)


def mouse(canvas, kind, x, y, buttons) -> None:
    point = QPointF(pixel(canvas, x, y))
    button = Qt.MouseButton.LeftButton
    event = QMouseEvent(kind, point, button if kind != QEvent.Type.MouseMove else
                        Qt.MouseButton.NoButton, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas.viewport(), event)


def drag(canvas, start, end) -> None:
    mouse(canvas, QEvent.Type.MouseButtonPress, *start, Qt.MouseButton.LeftButton)
    mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    mouse(canvas, QEvent.Type.MouseMove, *mid, Qt.MouseButton.LeftButton)
    mouse(canvas, QEvent.Type.MouseMove, *end, Qt.MouseButton.LeftButton)
    mouse(canvas, QEvent.Type.MouseButtonRelease, *end, Qt.MouseButton.NoButton)


def memory_layer(wkts, crs="EPSG:4326", kind="Polygon") -> QgsVectorLayer:
    layer = QgsVectorLayer(f"{kind}?crs={crs}", "fields", "memory")
    features = []
    for wkt in wkts:
        feature = QgsFeature()
        feature.setGeometry(QgsGeometry.fromWkt(wkt))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    layer.updateExtents()
    QgsProject.instance().addMapLayer(layer)
    return layer


def test_rectangle_dragged_then_a_corner_moved_until_ordered(mosaic_factory, qgis_canvas):
    mosaic = mosaic_factory()
    show_tile(qgis_canvas)
    mosaic.dock.rectangle_button.click()
    # The area shows live while the mouse drags (geodesic, ~1 km² in UTM near its meridian).
    mouse(qgis_canvas, QEvent.Type.MouseButtonPress, ULX, ULY, Qt.MouseButton.LeftButton)
    mouse(qgis_canvas, QEvent.Type.MouseMove, ULX + 500, ULY - 1000, Qt.MouseButton.LeftButton)
    assert mosaic.dock.area_label.text() == "0.5 km² (drawing)"
    mouse(qgis_canvas, QEvent.Type.MouseMove, ULX + 1000, ULY - 1000, Qt.MouseButton.LeftButton)
    assert mosaic.dock.area_label.text() == "1.0 km² (drawing)"
    mouse(qgis_canvas, QEvent.Type.MouseButtonRelease, ULX + 1000, ULY - 1000,
          Qt.MouseButton.NoButton)
    assert mosaic.selection is not None and mosaic.selection.source == "drawn rectangle"
    assert mosaic.dock.area_label.text() == "1.0 km² (drawn rectangle)"
    assert mosaic.selection.area_km2 == pytest.approx(1.0, rel=0.03)  # UTM scale near 1
    before = mosaic.selection.area_km2

    # Drag the lower-right corner 500 m further east: the AOI grows by half.
    mosaic.dock.edit_button.click()
    assert qgis_canvas.mapTool() is mosaic.vertex_tool
    drag(qgis_canvas, (ULX + 1000, ULY - 1000), (ULX + 2000, ULY - 1000))
    assert mosaic.selection.area_km2 == pytest.approx(before * 1.5, rel=0.03)
    assert mosaic.dock.area_label.text().startswith("1.5")

    # Once ordered, the AOI is frozen.
    mosaic._on_placed(OrderRecord.from_json_dict({"id": "x", "name": "frozen", "state": "queued"}))
    assert mosaic.aoi_ordered and qgis_canvas.mapTool() is not mosaic.vertex_tool
    mosaic.dock.edit_button.click()
    assert qgis_canvas.mapTool() is not mosaic.vertex_tool
    assert "Nothing to edit" in mosaic.dock.aoi_message_label.text()


def test_map_extent_layer_extent_and_selected_features(mosaic_factory, qgis_canvas):
    mosaic = mosaic_factory()
    show_tile(qgis_canvas)
    mosaic.dock.canvas_button.click()
    assert mosaic.selection.source == "map canvas extent"
    extent = qgis_canvas.extent()
    assert mosaic.selection.area_km2 == pytest.approx(extent.area() / 1e6, rel=0.03)

    layer = memory_layer(["POLYGON((10 45, 10.1 45, 10.1 45.1, 10 45.1, 10 45))",
                          "POLYGON((11 45, 11.1 45, 11.1 45.1, 11 45.1, 11 45))"])
    mosaic.dock.layer_combo.setLayer(layer)
    mosaic.dock.layer_extent_button.click()
    assert mosaic.selection.aoi.bounds == pytest.approx((10, 45, 11.1, 45.1))

    mosaic.dock.selected_button.click()  # nothing selected: refused, the previous AOI stays
    assert "no feature is selected" in mosaic.dock.aoi_message_label.text()
    assert mosaic.selection.aoi.bounds == pytest.approx((10, 45, 11.1, 45.1))
    layer.selectByIds([next(layer.getFeatures()).id()])
    mosaic.dock.selected_button.click()
    assert mosaic.selection.aoi.bounds == pytest.approx((10, 45, 10.1, 45.1))
    assert mosaic.selection.area_km2 == pytest.approx(87.6, rel=0.02)

    lines = memory_layer(["LINESTRING(10 45, 11 46)"], kind="LineString")
    lines.selectAll()
    mosaic.dock.layer_combo.setLayer(lines)
    mosaic.dock.selected_button.click()
    assert "needs polygons" in mosaic.dock.aoi_message_label.text()


def test_files_wkt_in_another_crs_and_invalid_geometries(mosaic_factory, tmp_path):
    mosaic = mosaic_factory()
    geojson = tmp_path / "aoi.geojson"
    geojson.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[5, 50], [5.2, 50], [5.2, 50.2], [5, 50.2], [5, 50]]]}}))
    selection = aoi_sources.aoi_from_vector_file(str(geojson))
    mosaic.set_aoi(selection)
    assert selection.source == "aoi.geojson" and selection.aoi.bounds[0] == pytest.approx(5)

    # A GeoPackage in UTM, as written by QGIS users; read-only, nothing written beside it.
    layer = memory_layer(["POLYGON((700000 4700000, 701000 4700000, 701000 4699000, "
                          "700000 4699000, 700000 4700000))"], crs="EPSG:32632")
    from qgis.core import QgsVectorFileWriter
    gpkg = tmp_path / "aoi.gpkg"
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    QgsVectorFileWriter.writeAsVectorFormatV3(layer, str(gpkg), QgsProject.instance()
                                              .transformContext(), options)
    before = sorted(p.name for p in tmp_path.iterdir())
    selection = aoi_sources.aoi_from_vector_file(str(gpkg))
    assert selection.area_km2 == pytest.approx(1.0, rel=0.03)
    assert sorted(p.name for p in tmp_path.iterdir()) == before

    # WKT in UTM 32N metres: reprojected.
    selection = aoi_sources.aoi_from_wkt_text(
        "POLYGON((700000 4700000, 702000 4700000, 702000 4698000, 700000 4698000, "
        "700000 4700000))", QgsCoordinateReferenceSystem("EPSG:32632"))
    assert selection.area_km2 == pytest.approx(4.0, rel=0.03)
    assert 11.4 < selection.aoi.bounds[0] < 11.5

    # A bow-tie is repaired (and said so); a line or garbage is refused with the reason.
    bowtie = "POLYGON((10 45, 10.1 45.1, 10.1 45, 10 45.1, 10 45))"
    mosaic._set_from(aoi_sources.aoi_from_wkt_text, bowtie, aoi_sources.wgs84())
    assert mosaic.selection.repaired and "repaired" in mosaic.dock.aoi_message_label.text()
    assert mosaic.selection.area_km2 > 0
    mosaic._set_from(aoi_sources.aoi_from_wkt_text, "LINESTRING(10 45, 11 46)",
                   aoi_sources.wgs84())
    assert "must be a polygon" in mosaic.dock.aoi_message_label.text()
    mosaic._set_from(aoi_sources.aoi_from_wkt_text, "not wkt", aoi_sources.wgs84())
    assert "not WKT" in mosaic.dock.aoi_message_label.text()
    mosaic._set_from(aoi_sources.aoi_from_vector_file, str(tmp_path / "missing.kml"))
    assert "no such file" in mosaic.dock.aoi_message_label.text()


def test_large_aoi_needs_confirmation_and_errors_name_the_field(mosaic_factory, tmp_path):
    mosaic = mosaic_factory(archive_folders=(str(tmp_path),))
    mosaic.dock.order_button.click()
    assert "Area of interest: draw or choose an area of interest first" in \
        mosaic.dock.problem_label.text()

    mosaic.set_aoi(aoi_sources.aoi_from_rectangle(QgsRectangle(0, 40, 2, 42),
                                                aoi_sources.wgs84(), "box"))
    asked = []
    mosaic.confirm_large_aoi = lambda area, limit: asked.append((area, limit)) or False
    mosaic.dock.options.confirm_spin.setValue(1000)
    mosaic.dock.options.name_edit.setText("big")
    mosaic.dock.order_button.click()
    assert asked and asked[0][0] > 30_000 and asked[0][1] == 1000
    assert not mosaic.aoi_ordered  # refused: nothing placed
    wait_for(lambda: mosaic.engine.store is not None, 30, "the order store to open")
    assert mosaic.engine.store.orders() == []

    mosaic.confirm_large_aoi = lambda area, limit: True
    mosaic.dock.order_button.click()
    wait_for_placed(mosaic)
    assert [o.name for o in mosaic.engine.store.orders()] == ["big"]


def test_basic_mode_orders_a_month_quicklook_and_the_date_snaps(mosaic_factory):
    mosaic = mosaic_factory()
    options = mosaic.dock.options
    options.set_mode(BASIC)
    from datetime import date
    options.set_start(date(2024, 6, 17))
    assert options.start() == date(2024, 6, 1)
    fields = options.order_fields()
    assert fields["period"] == "month" and fields["resolution_m"] == 60
    assert set(fields["bands"]) == {"B02", "B03", "B04", "valid_obs"}

    options.set_mode("advanced")
    options.set_period("dekad")
    options.set_start(date(2024, 6, 17))
    assert options.start() == date(2024, 6, 11)
    assert options.period_label.text().startswith("2024-06-11 to 2024-06-20")
    options.preset_combo.setCurrentIndex(options.preset_combo.findData("bands_10m"))
    assert options.checked_layers() == ("B02", "B03", "B04", "B08")
    options.band_list.item(0).setCheckState(Qt.CheckState.Checked)  # B01: now custom
    assert options.preset_combo.currentData() == "custom"
