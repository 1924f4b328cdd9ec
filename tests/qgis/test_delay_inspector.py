"""The delay inspector on a real canvas: open a product (action, drop), recognise layers loaded
by other means, hover with simulated mouse events and compare the dock with the core, pins and
their exports, footprint overlay (issue "Delay inspector in QGIS")."""
from __future__ import annotations

import csv
import gc
import dataclasses
import io
import json
import os
import threading
import zipfile
from pathlib import Path

import pytest
from qgis.core import (
    Qgis, QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsPointXY, QgsProject,
    QgsRasterLayer, QgsVectorLayer,
)
from qgis.PyQt.QtCore import QPoint
from qgis.PyQt.QtWidgets import QApplication

from s2gm_qgis.core.bands import BANDS
from s2gm_qgis.core.delays import DelayInspector
from s2gm_qgis.gui.delays import formatting as F
from s2gm_qgis.gui.delays.feature import DelayFeature, ProductDropHandler
from s2gm_qgis.gui.delays.layers import DETECTOR_COLOURS
from s2gm_qgis.gui.delays.recognition import LayerRecognizer, l1c_product_of
from s2gm_qgis.gui.delays.settings import DelaySettings
from tests.synthetic import make_l1c

from .conftest import process_deferred_deletes
from .delay_support import click, dispose, move, pixel_of, show_tile, wait_until


@pytest.fixture
def feature(qgis_iface, qgis_new_project, clean_settings, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # the VRT cache folder default lives under HOME
    clean_settings.setValue("s2gm_qgis/cache_folder", str(tmp_path / "cache"))
    qgis_iface.messageBar().clear_messages()
    made = DelayFeature(qgis_iface)
    yield made
    dispose(made)
    QgsProject.instance().removeAllMapLayers()


def open_and_wait(feature, path):
    ref = feature.open_product(str(path))
    assert ref is not None
    wait_until(lambda: feature.registry.inspector_for(ref) is not None
               and not feature._load_on_open)
    return ref, feature.registry.inspector_for(ref)


def footprints_of(feature, band):
    """The footprint layer of ``band``, once a task has polygonised a raster mask if needed."""
    layer = feature.show_footprints(band)
    if layer is None:
        name = f"Detectors {band} "
        wait_until(lambda: any(l.name().startswith(name)
                               for l in QgsProject.instance().mapLayers().values()))
        layer = next(l for l in QgsProject.instance().mapLayers().values()
                     if l.name().startswith(name))
    return layer


def product_files(folder: Path) -> dict[str, int]:
    """Every file of a product folder, once QGIS has closed its layers' datasets (GDAL writes
    an ``.aux.xml`` on close)."""
    QgsProject.instance().removeAllMapLayers()
    process_deferred_deletes()
    gc.collect()
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns
            for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def seam_product(tmp_path_factory):
    """A synthetic baseline-05.00 product (raster footprints) over the seam of detectors 7 and 8."""
    return make_l1c(tmp_path_factory.mktemp("seam"), size_10m=120, baseline="05.00",
                    cross_track_km=24.1667)


@pytest.fixture(scope="module")
def edge_product(tmp_path_factory):
    """A synthetic baseline-03.01 product (GML footprints) whose east half is off the swath."""
    return make_l1c(tmp_path_factory.mktemp("edge"), size_10m=120, cross_track_km=145.0)


def assert_dock_equals_core(dock, core):
    """Every value the dock shows is the core's, formatted."""
    assert dock.readout == core
    assert dock.product_label.text() == core.product
    assert dock.satellite_label.text() == f"{core.satellite}, {core.tile}"
    assert dock.detector_label.text() == F.detector_summary(core)
    assert dock.ephemeris_label.text() == F.ephemeris_text(core)
    assert dock.message_label.text() == "\n".join(F.readout_notes(core))
    for row, band in enumerate(BANDS):
        cells = [item.text() for item in dock.cells[row]]
        assert cells[0] == band
        assert cells[1] == F.detectors_text(core.detectors[band])
        when = (core.sensing_time_utc or {}).get(band, "")
        assert cells[6] == (when[11:-1] if when else "")  # time of day of the ISO UTC time
        if band == core.source_band or core.detector is None:
            assert cells[2] == ("source" if core.detector is not None else "")
            continue
        delay = core.delay(band)
        assert float(cells[2]) == pytest.approx(delay.dt_s, abs=5e-6)
        assert float(cells[3]) == pytest.approx(delay.dt_lut_s, abs=5e-6)
        assert float(cells[4]) == pytest.approx(delay.dt_esa_s, abs=5e-4)
        assert float(cells[5]) == pytest.approx(delay.correction_pct, abs=5e-4)


# -- the real N0301 product -------------------------------------------------------------------
def test_open_action_loads_true_colour_and_hover_matches_the_core(feature, n0301_zip, qgis_iface):
    canvas = qgis_iface.mapCanvas()
    ref, inspector = open_and_wait(feature, n0301_zip)
    layers = list(QgsProject.instance().mapLayers().values())
    assert len(layers) == 1 and isinstance(layers[0], QgsRasterLayer) and layers[0].isValid()
    assert "TCI" in layers[0].source()
    assert qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Critical) == []

    core = DelayInspector.open(n0301_zip)
    bounds = inspector.product.granule.grids[10].bounds_m
    show_tile(canvas, inspector.epsg, bounds)
    canvas.setMapTool(feature.hover_tool)
    assert feature.dock.isVisibleTo(feature.dock.parentWidget()) or not feature.dock.isHidden()
    centre = pixel_of(canvas, 554880, 8845120)
    corner = pixel_of(canvas, bounds[0] + 2000, bounds[3] - 2000)  # no data: outside footprints
    for pixel in (centre, QPoint(centre.x() + 37, centre.y() - 11), corner):
        event = move(feature.hover_tool, canvas, pixel)
        point = event.mapPoint()
        expected = core.readout(point.x(), point.y(), source_band="B02")
        assert_dock_equals_core(feature.dock, expected)
        status = qgis_iface.statusBarIface().showMessage.call_args[0][0]
        assert status == F.status_summary(expected)
    # reference values of delays-method.md at the tile centre
    event = move(feature.hover_tool, canvas, centre)
    assert feature.dock.readout.detector == 6
    assert feature.dock.readout.ephemeris.sample_index == 43
    assert "793916.9 m" in feature.dock.ephemeris_label.text()


def test_seam_and_overlap_notes_are_the_dock_s_own_words(feature, n0301_zip, qgis_iface):
    """Near a seam the core warns in English for the command line ("pass detector= /
    --detector"); the dock says it in words it can translate, from the readout's detectors."""
    canvas = qgis_iface.mapCanvas()
    _, inspector = open_and_wait(feature, n0301_zip)
    show_tile(canvas, inspector.epsg, inspector.product.granule.grids[10].bounds_m)
    canvas.setMapTool(feature.hover_tool)
    move(feature.hover_tool, canvas, pixel_of(canvas, 502950, 8845120))
    readout = feature.dock.readout
    assert any(w.startswith("near a detector seam") for w in readout.warnings)
    text = feature.dock.message_label.text()
    # The hover lands exactly on a pixel corner of the B02 seam: the shared-edge note comes
    # first (see test_dock_shows_both_candidates...), then the seam note.
    edge_note, seam_note = text.splitlines()[:2]
    assert edge_note.startswith("The point lies on the edge shared by detectors 3, 4")
    assert seam_note.startswith("Near a detector seam: B01, B03")
    assert "near a detector seam" not in text
    assert seam_note.endswith(
        "see this point with another detector; their delays assume detector 4")
    overlap = dataclasses.replace(
        readout, detectors={**readout.detectors, "B02": (4, 5)},
        warnings=readout.warnings + ("B02: the point lies where detectors 4 and 5 overlap; delays "
                                     "use detector 4 (pass detector= / --detector to choose)",))
    notes = F.readout_notes(overlap)
    assert notes[0] == ("B02 sees this point with detectors 4, 5 (overlapping footprints): the "
                        "overlap is split at its mid-line, delays use detector 4")
    assert len(notes) == 2 and not any("--detector" in note for note in notes)


def test_dock_shows_both_candidates_of_an_overlap_and_of_a_shared_edge(
        feature, n0301_zip, tmp_path, qgis_iface):
    """Overlapping footprints (shapes of baselines before 02.09 built from the real N0301
    seams) and an edge shared by the real pixel-step footprints: the dock's detector line and
    notes name both candidates, in its own translatable words."""
    from tests.synthetic.layouts import with_overlapping_footprints

    safe = with_overlapping_footprints(n0301_zip, tmp_path / "n0204_like")
    _, inspector = open_and_wait(feature, safe)
    dock = feature.dock
    overlap = inspector.readout(552230.0 - 60.0, 8845120.0)  # 60 m west of the 5|6 seam
    assert overlap.detector == 5 and overlap.detector_candidates == (5, 6)
    dock.show_readout(overlap)
    assert dock.detector_label.text().endswith(" – candidates 5, 6")
    assert dock.message_label.text().splitlines()[0] == (
        "B02 sees this point with detectors 5, 6 (overlapping footprints): the overlap is split "
        "at its mid-line, delays use detector 5")
    assert "alternative_delays" not in dock.message_label.text()

    real = DelayInspector.open(n0301_zip)
    edge = real.readout(502950.0, 8845115.0)  # on the vertical edge between detectors 3 and 4
    assert edge.detector == 4 and edge.detector_candidates == (3, 4)
    dock.show_readout(edge)
    assert dock.detector_label.text().endswith(" – candidates 3, 4")
    assert dock.message_label.text().splitlines()[0] == (
        "The point lies on the edge shared by detectors 3, 4: it belongs to the detector east "
        "(or south) of the edge, delays use detector 4")
    clear = real.readout(540000.0, 8845115.0)
    dock.show_readout(clear)
    assert "candidates" not in dock.detector_label.text()


def test_source_band_ephemeris_and_bands_shown_are_applied_and_remembered(
        feature, n0301_zip, qgis_iface):
    canvas = qgis_iface.mapCanvas()
    _, inspector = open_and_wait(feature, n0301_zip)
    show_tile(canvas, inspector.epsg, inspector.product.granule.grids[10].bounds_m)
    canvas.setMapTool(feature.hover_tool)
    dock = feature.dock
    dock.source_combo.setCurrentText("B04")
    dock.ephemeris_combo.setCurrentIndex(dock.ephemeris_combo.findData("point"))
    dock.band_actions["B10"].setChecked(False)
    event = move(feature.hover_tool, canvas, QPoint(200, 150))
    point = event.mapPoint()
    core = DelayInspector.open(n0301_zip).readout(point.x(), point.y(), source_band="B04",
                                                  ephemeris="point")
    assert_dock_equals_core(dock, core)
    assert dock.cells[BANDS.index("B02")][2].text() == F.seconds(core.delay("B02").dt_s)
    assert dock.table.isRowHidden(BANDS.index("B10"))
    assert not dock.table.isRowHidden(BANDS.index("B04"))  # the source band stays
    stored = DelaySettings.load()
    assert (stored.source_band, stored.ephemeris) == ("B04", "point")
    assert "B10" not in stored.shown_bands
    again = DelayFeature(qgis_iface)
    assert again.dock.source_combo.currentText() == "B04"
    dispose(again)


def test_layers_loaded_by_other_means_are_recognised(feature, n0301_zip, qgis_iface):
    with zipfile.ZipFile(n0301_zip) as archive:
        member = next(n for n in archive.namelist() if n.endswith("_B8A.jp2"))
    band_layer = QgsRasterLayer(f"/vsizip/{n0301_zip}/{member}", "B8A", "gdal")
    assert band_layer.isValid()
    recognizer = LayerRecognizer()
    ref = recognizer.product_of(band_layer)
    assert ref is not None and ref.path == str(n0301_zip)
    assert l1c_product_of(f"SENTINEL2_L1C:/vsizip/{n0301_zip}/"
                          f"{member.split('/')[0]}/MTD_MSIL1C.xml:10m:EPSG_32748").path == str(n0301_zip)
    QgsProject.instance().addMapLayer(band_layer)
    canvas = qgis_iface.mapCanvas()
    canvas.setLayers([band_layer])
    core = DelayInspector.open(n0301_zip)
    show_tile(canvas, core.epsg, core.product.granule.grids[10].bounds_m)
    canvas.setMapTool(feature.hover_tool)
    pixel = QPoint(300, 240)
    move(feature.hover_tool, canvas, pixel)
    assert feature.dock.readout is None and "Opening" in feature.dock.message_label.text()
    wait_until(lambda: feature.registry.inspector_for(ref) is not None)
    event = move(feature.hover_tool, canvas, pixel)
    assert_dock_equals_core(feature.dock, core.readout(event.mapPoint().x(), event.mapPoint().y()))


def test_opening_reports_progress_on_the_gui_thread(feature, n0301_zip):
    """The task reports progress from its worker thread; what reaches the dock (a widget) must
    run on the GUI thread."""
    threads = []
    feature.registry.progress.connect(lambda _ref, _p: threads.append(threading.get_ident()))
    feature.registry.opened.connect(lambda _ref, _i: threads.append(threading.get_ident()))
    ref = feature.open_product(str(n0301_zip))
    wait_until(lambda: feature.registry.inspector_for(ref) is not None)
    assert len(threads) > 2 and set(threads) == {threading.get_ident()}


def test_not_l1c_rasters_and_outside_points_say_so(feature, l2a_metadata, n0301_zip, qgis_iface,
                                                  tmp_path):
    assert l1c_product_of(str(l2a_metadata / "MTD_MSIL2A.xml")) is None
    assert l1c_product_of(str(tmp_path)) is None
    ref, inspector = open_and_wait(feature, n0301_zip)
    canvas = qgis_iface.mapCanvas()
    xmin, ymin, xmax, ymax = inspector.product.granule.grids[10].bounds_m
    show_tile(canvas, inspector.epsg, (xmin - 150e3, ymin, xmax + 150e3, ymax))
    canvas.setMapTool(feature.hover_tool)
    move(feature.hover_tool, canvas, QPoint(3, 200))
    assert feature.dock.readout is None
    assert feature.dock.message_label.text() == "Not over a Sentinel-2 L1C product."
    assert qgis_iface.statusBarIface().showMessage.call_args[0][0] == \
        "Not over a Sentinel-2 L1C product."


# -- synthetic products -----------------------------------------------------------------------
def test_hover_over_a_seam_in_another_crs_matches_the_core(feature, seam_product, qgis_iface):
    canvas = qgis_iface.mapCanvas()
    _, inspector = open_and_wait(feature, seam_product)
    layer = next(iter(QgsProject.instance().mapLayers().values()))
    assert layer.source().endswith("_TCI.jp2")
    core = DelayInspector.open(seam_product)
    show_tile(canvas, inspector.epsg, inspector.product.granule.grids[10].bounds_m,
              crs="EPSG:4326")
    canvas.setMapTool(feature.hover_tool)
    to_tile = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"),
                                     QgsCoordinateReferenceSystem(f"EPSG:{core.epsg}"),
                                     QgsProject.instance())
    size = canvas.mapSettings().outputSize()
    seen = set()
    for fraction in (0.1, 0.3, 0.5, 0.7, 0.9):
        event = move(feature.hover_tool, canvas, QPoint(int(size.width() * fraction),
                                                        size.height() // 2))
        tile_point = to_tile.transform(event.mapPoint())
        expected = core.readout(tile_point.x(), tile_point.y())
        assert_dock_equals_core(feature.dock, expected)
        seen.add(expected.detector)
    assert {7, 8} <= seen  # both sides of the seam were read


def test_outside_every_footprint_the_dock_says_so(feature, edge_product, qgis_iface):
    canvas = qgis_iface.mapCanvas()
    _, inspector = open_and_wait(feature, edge_product)
    show_tile(canvas, inspector.epsg, inspector.product.granule.grids[10].bounds_m)
    canvas.setMapTool(feature.hover_tool)
    xmin, ymin, xmax, ymax = inspector.product.granule.grids[10].bounds_m
    move(feature.hover_tool, canvas, pixel_of(canvas, xmax - 30, (ymin + ymax) / 2))
    readout = feature.dock.readout
    assert readout is not None and readout.detector is None
    assert feature.dock.message_label.text().startswith(
        "Outside every detector footprint of B02: no delays here.")
    assert all(feature.dock.cells[row][2].text() == "" for row in range(len(BANDS)))
    move(feature.hover_tool, canvas, pixel_of(canvas, xmin + 30, (ymin + ymax) / 2))
    assert feature.dock.readout.detector == 12


def test_opening_writes_nothing_in_the_product(feature, tmp_path, qgis_iface):
    product = make_l1c(tmp_path, size_10m=60, baseline="05.00", date="2024-07-01T10:36:29")
    before = product_files(product)
    _, inspector = open_and_wait(feature, product)
    canvas = qgis_iface.mapCanvas()
    show_tile(canvas, inspector.epsg, inspector.product.granule.grids[10].bounds_m)
    footprints_of(feature, "B04")
    canvas.setLayers(list(QgsProject.instance().mapLayers().values()))
    canvas.refresh()
    canvas.waitWhileRendering()
    assert product_files(product) == before


def test_band_composite_when_the_product_has_no_tci(feature, tmp_path, qgis_iface):
    product = make_l1c(tmp_path, size_10m=60, date="2024-07-02T10:36:29")
    tci = next(product.rglob("*_TCI.jp2"))
    tci.unlink()
    metadata = product / "MTD_MSIL1C.xml"
    text = metadata.read_text()
    metadata.write_text("\n".join(l for l in text.splitlines() if "_TCI" not in l))
    before = product_files(product)
    open_and_wait(feature, product)
    layer = next(iter(QgsProject.instance().mapLayers().values()))
    assert layer.isValid() and layer.bandCount() == 3
    assert layer.source().endswith("_B04B03B02.vrt")
    assert str(tmp_path / "cache") in layer.source()
    del layer
    assert product_files(product) == before  # no .vrt, no .aux.xml of statistics


def test_an_unreadable_band_image_gives_no_miscoloured_composite(feature, tmp_path, qgis_iface):
    """GDAL's BuildVRT skips a source it cannot read: B04/B02 would show as red/green."""
    product = make_l1c(tmp_path, size_10m=60, date="2024-07-04T10:36:29")
    next(product.rglob("*_TCI.jp2")).unlink()
    metadata = product / "MTD_MSIL1C.xml"
    metadata.write_text("\n".join(l for l in metadata.read_text().splitlines() if "_TCI" not in l))
    next(product.rglob("*_B03.jp2")).write_bytes(b"not a JPEG 2000 image")
    ref = feature.open_product(str(product))
    wait_until(lambda: feature.registry.inspector_for(ref) is not None
               or feature.registry.failure(ref) is not None)
    wait_until(lambda: not feature._load_on_open)
    assert QgsProject.instance().count() == 0
    bar = qgis_iface.messageBar()
    messages = bar.get_messages(Qgis.MessageLevel.Warning) + \
        bar.get_messages(Qgis.MessageLevel.Critical)
    assert any("B03" in m for m in messages), messages


def test_bad_products_give_a_message_bar_error(feature, tmp_path, qgis_iface, l2a_metadata):
    bar = qgis_iface.messageBar()
    not_zip = tmp_path / "S2A_MSIL1C_broken.zip"
    not_zip.write_bytes(b"not a zip")
    assert feature.open_product(str(not_zip)) is None
    assert "not a readable zip file" in bar.get_messages(Qgis.MessageLevel.Critical)[-1]
    folder = tmp_path / "holiday photos"
    folder.mkdir()
    (folder / "beach.txt").write_text("sand")
    assert feature.open_product(str(folder)) is None
    assert str(folder) in bar.get_messages(Qgis.MessageLevel.Critical)[-1]
    assert feature.open_product(str(l2a_metadata)) is None
    assert "MTD_MSIL2A.xml is not a Level-1C product" in \
        bar.get_messages(Qgis.MessageLevel.Critical)[-1]
    broken = make_l1c(tmp_path, size_10m=60, date="2024-07-03T10:36:29")
    (broken / "MTD_MSIL1C.xml").write_text("<not-closed>")
    ref = feature.open_product(str(broken))
    assert ref is not None
    wait_until(lambda: feature.registry.failure(ref) is not None)
    QApplication.processEvents()
    messages = bar.get_messages(Qgis.MessageLevel.Critical)
    assert any(str(broken) in m and "MTD_MSIL1C.xml" in m for m in messages)
    assert QgsProject.instance().count() == 0


def test_dropping_a_product_opens_it_and_other_files_are_left_to_qgis(feature, n0301_zip,
                                                                      l2a_metadata, tmp_path):
    handler = ProductDropHandler(feature)
    other = tmp_path / "notes.txt"
    other.write_text("x")
    assert handler.handleFileDrop(str(other)) is False
    assert handler.handleFileDrop(str(l2a_metadata)) is False  # L2A: not for the inspector
    assert handler.handleFileDrop(str(n0301_zip)) is True
    wait_until(lambda: QgsProject.instance().count() == 1)


def test_pins_markers_exports_and_clipboard(feature, n0301_zip, qgis_iface, tmp_path):
    canvas = qgis_iface.mapCanvas()
    _, inspector = open_and_wait(feature, n0301_zip)
    show_tile(canvas, inspector.epsg, inspector.product.granule.grids[10].bounds_m)
    canvas.setMapTool(feature.hover_tool)
    core = DelayInspector.open(n0301_zip)
    expected = []
    for pixel in (QPoint(100, 100), QPoint(400, 300)):
        event = click(feature.hover_tool, canvas, pixel)
        expected.append(core.readout(event.mapPoint().x(), event.mapPoint().y()))
    assert [pin.readout for pin in feature.pins.pins] == expected
    assert len(feature.markers) == 2
    assert feature.markers[1].center().x() == pytest.approx(expected[0].point.x, abs=1e-3)
    model = feature.pins
    assert model.rowCount() == 2
    assert model.data(model.index(1, 3)) == f"{expected[1].delay('B04').dt_s:+.5f}"

    assert feature.export_pins(str(tmp_path / "pins.csv"))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "pins.csv").read_text())))
    assert [int(r["detector"]) for r in rows] == [r.detector for r in expected]
    assert float(rows[1]["dt_B04_s"]) == expected[1].delay("B04").dt_s
    assert rows[0]["utc_B08"] == expected[0].sensing_time_utc["B08"]
    assert float(rows[0]["h_sat_m"]) == expected[0].ephemeris.h_sat_m
    assert feature.export_pins(str(tmp_path / "pins.geojson"))
    collection = json.loads((tmp_path / "pins.geojson").read_text(),
                            parse_constant=lambda name: pytest.fail(f"{name} is not JSON"))
    # RFC 7946: read back by OGR as points in WGS84 (CRS84), longitude first
    exported = QgsVectorLayer(str(tmp_path / "pins.geojson"), "pins", "ogr")
    assert exported.isValid() and exported.crs().authid() == "EPSG:4326"
    points = [f.geometry().asPoint() for f in exported.getFeatures()]
    assert [(p.x(), p.y()) for p in points] == [(r.point.lon, r.point.lat) for r in expected]
    assert [f["detector"] for f in exported.getFeatures()] == [r.detector for r in expected]
    assert collection["features"][0]["geometry"]["coordinates"] == [expected[0].point.lon,
                                                                     expected[0].point.lat]
    assert collection["features"][1]["properties"]["dt_B8A_s"] == expected[1].delay("B8A").dt_s
    assert not feature.export_pins(str(tmp_path / "no-such-folder" / "pins.csv"))
    assert qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Critical)

    feature.copy_pins()
    lines = QApplication.clipboard().text().splitlines()
    assert lines[0].split("\t")[:3] == ["pin", "product", "satellite"] and len(lines) == 3
    feature.remove_pins([0])
    assert [p.number for p in feature.pins.pins] == [2] and list(feature.markers) == [2]
    feature.clear_pins()
    assert feature.pins.rowCount() == 0 and feature.markers == {}


def test_pin_markers_follow_the_canvas_crs(feature, n0301_zip, qgis_iface):
    canvas = qgis_iface.mapCanvas()
    _, inspector = open_and_wait(feature, n0301_zip)
    show_tile(canvas, inspector.epsg, inspector.product.granule.grids[10].bounds_m)
    canvas.setMapTool(feature.hover_tool)
    click(feature.hover_tool, canvas, QPoint(100, 100))
    readout = feature.pins.pins[0].readout
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    feature.crs_changed()
    marker = feature.markers[1]
    assert (marker.center().x(), marker.center().y()) == pytest.approx(
        (readout.point.lon, readout.point.lat), abs=1e-9)
    # the far side of the Earth: no position, the marker hides (no exception in the slot)
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem.fromProj(
        "+proj=ortho +lat_0=60 +lon_0=-75 +datum=WGS84"))
    feature.crs_changed()
    assert not marker.isVisible()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem(f"EPSG:{inspector.epsg}"))
    feature.crs_changed()
    assert marker.isVisible() and marker.center().x() == pytest.approx(readout.point.x, abs=1e-3)


def test_footprint_overlay_has_12_colours_labels_and_the_core_polygons(feature, n0301_zip):
    _, inspector = open_and_wait(feature, n0301_zip)
    layer = feature.show_footprints("B8A")
    assert layer is not None and layer.isValid() and layer.crs().authid() == "EPSG:32748"
    core = DelayInspector.open(n0301_zip).detector_footprints("B8A")
    assert sorted(f["detector"] for f in layer.getFeatures()) == sorted({d for d, _ in core})
    assert all(f["band"] == "B8A" for f in layer.getFeatures())
    renderer = layer.renderer()
    assert [c.value() for c in renderer.categories()] == list(range(1, 13))
    colours = {c.symbol().color().name() for c in renderer.categories()}
    assert colours == {c.lower() for c in DETECTOR_COLOURS} and len(colours) == 12
    assert layer.labelsEnabled() and layer.labeling().settings().fieldName == "detector"
    vertices = sum(len(ring) for _, rings in core for ring in rings)
    assert sum(f.geometry().constGet().nCoordinates() for f in layer.getFeatures()) == vertices


def test_raster_footprints_are_polygonised_in_a_task(feature, seam_product):
    """GDAL Polygonize of a 10 m raster mask takes seconds on a real tile: not on the GUI
    thread. The band chosen in the dock is polygonised while the product opens."""
    _, inspector = open_and_wait(feature, seam_product)
    assert feature.show_footprints("B02") is not None  # the dock's band, done at opening
    assert feature.show_footprints("B8A") is None  # another one: a task, then the layer
    layer = footprints_of(feature, "B8A")
    core = DelayInspector.open(seam_product).detector_footprints("B8A")
    assert sorted(f["detector"] for f in layer.getFeatures()) == sorted({d for d, _ in core})
    assert feature.show_footprints("B8A") is not None  # polygons kept: at once now


def test_real_n0500_folder_raster_footprints_without_datastrip(feature, n0500_safe, qgis_iface):
    """Baseline 05.00 SAFE folder, cropped: raster MSK_DETFOO, B02/B04 only, no datastrip."""
    before = product_files(n0500_safe)
    ref, inspector = open_and_wait(feature, n0500_safe)
    layer = next(iter(QgsProject.instance().mapLayers().values()))
    assert layer.isValid() and layer.name().endswith("– B04")
    warnings = qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Warning)
    assert any("no usable datastrip" in w for w in warnings)
    canvas = qgis_iface.mapCanvas()
    # the crop: 523 x 106 pixels at 10 m from its upper-left corner (638840, 5023620)
    show_tile(canvas, inspector.epsg, (638840, 5022560, 644070, 5023620))
    canvas.setMapTool(feature.hover_tool)
    core = DelayInspector.open(n0500_safe)
    seen = set()
    for x in (639100, 641500, 643800):
        event = move(feature.hover_tool, canvas, pixel_of(canvas, x, 5023100))
        expected = core.readout(event.mapPoint().x(), event.mapPoint().y())
        assert_dock_equals_core(feature.dock, expected)
        assert expected.ephemeris is None  # LUT values, said so in the dock
        seen.add(expected.detector)
    assert "not corrected for the orbit" in feature.dock.ephemeris_label.text()
    assert seen == {5, 6}
    assert footprints_of(feature, "B04").featureCount() >= 1
    assert product_files(n0500_safe) == before
