"""The velocity probe on a real canvas: two simulated clicks give the core's velocity in the dock
and a displacement arrow on the map (issue "Delay inspector in QGIS", velocity probe)."""
from __future__ import annotations

import pytest
from qgis.core import QgsProject, QgsWkbTypes
from qgis.PyQt.QtCore import Qt

from s2gm_qgis.core.delays import DelayInspector, velocity_from_positions
from s2gm_qgis.gui.delays import formatting as F
from s2gm_qgis.gui.delays.feature import DelayFeature

from .delay_support import click, dispose, pixel_of, show_tile, wait_until


@pytest.fixture
def feature(qgis_iface, qgis_new_project, clean_settings):
    made = DelayFeature(qgis_iface)
    yield made
    dispose(made)
    QgsProject.instance().removeAllMapLayers()


def opened(feature, path):
    ref = feature.open_product(str(path))
    wait_until(lambda: feature.registry.inspector_for(ref) is not None)
    return feature.registry.inspector_for(ref)


def test_two_clicks_give_the_core_velocity_and_an_arrow(feature, n0301_zip, qgis_iface):
    canvas = qgis_iface.mapCanvas()
    inspector = opened(feature, n0301_zip)
    show_tile(canvas, inspector.epsg, (550000, 8840000, 560000, 8850000))
    feature.dock.band_a_combo.setCurrentText("B02")
    feature.dock.band_b_combo.setCurrentText("B04")
    canvas.setMapTool(feature.velocity_tool)
    first = click(feature.velocity_tool, canvas, pixel_of(canvas, 554880, 8845120)).mapPoint()
    assert "B04" in feature.dock.velocity_hint.text()
    second = click(feature.velocity_tool, canvas, pixel_of(canvas, 555200, 8845400)).mapPoint()
    core = DelayInspector.open(n0301_zip)
    readout_a = core.readout(first.x(), first.y(), source_band="B02")
    expected = velocity_from_positions(readout_a, (first.x(), first.y()),
                                       (second.x(), second.y()), "B02", "B04")
    # same as the inspector form of the core API (detector and sample taken at A)
    assert velocity_from_positions(core, (first.x(), first.y()), (second.x(), second.y()),
                                   "B02", "B04") == expected
    dock = feature.dock
    assert dock.velocity == expected
    lines = F.velocity_lines(expected)
    assert dock.speed_label.text() == lines["speed"]
    assert dock.heading_label.text() == lines["heading"]
    assert dock.uncertainty_label.text() == lines["uncertainty"]
    assert dock.displacement_label.text() == lines["displacement"]
    assert dock.tabs.currentIndex() == 2
    # dt(B02 -> B04) < 0 at detector 6: B04 saw the object first, so it moved from B to A
    assert expected.dt_s < 0
    arrow = feature.velocity_tool.arrow.asGeometry()
    assert arrow.type() == QgsWkbTypes.GeometryType.LineGeometry
    shaft = arrow.asMultiPolyline()[0]
    assert (shaft[0].x(), shaft[0].y()) == pytest.approx((second.x(), second.y()))
    assert (shaft[1].x(), shaft[1].y()) == pytest.approx((first.x(), first.y()))
    assert len(arrow.asMultiPolyline()) == 3  # shaft and two head strokes


def test_a_first_click_outside_gives_a_reason_and_right_click_restarts(feature, n0301_zip,
                                                                        qgis_iface):
    canvas = qgis_iface.mapCanvas()
    inspector = opened(feature, n0301_zip)
    xmin, ymin, xmax, ymax = inspector.product.granule.grids[10].bounds_m
    show_tile(canvas, inspector.epsg, (xmin - 50e3, ymin, xmax, ymax))
    canvas.setMapTool(feature.velocity_tool)
    click(feature.velocity_tool, canvas, pixel_of(canvas, xmin - 30e3, ymin + 50e3))
    assert feature.velocity_tool.first is None
    assert feature.dock.velocity_hint.text() == "Not over a Sentinel-2 L1C product."
    click(feature.velocity_tool, canvas, pixel_of(canvas, 554880, 8845120))
    assert feature.velocity_tool.first is not None and feature.velocity_tool.marker is not None
    click(feature.velocity_tool, canvas, pixel_of(canvas, 554880, 8845120),
          Qt.MouseButton.RightButton)
    assert feature.velocity_tool.first is None and feature.velocity_tool.marker is None
    # a probe from a point outside every footprint of band A names the reason
    click(feature.velocity_tool, canvas, pixel_of(canvas, xmin + 1000, ymax - 1000))
    click(feature.velocity_tool, canvas, pixel_of(canvas, xmin + 1500, ymax - 1000))
    assert feature.dock.velocity is None
    assert "outside every detector footprint of B02" in feature.dock.velocity_hint.text()
