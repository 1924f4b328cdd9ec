"""Processing algorithm "Detector and inter-band delays at points" (s2gm:delaysatpoints): the
columns equal the core's readout at every point; points outside keep NULLs and a note."""
from __future__ import annotations

import pytest
from qgis.core import (
    NULL,
    QgsApplication, QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsPointXY,
    QgsProcessingContext, QgsProcessingException,
    QgsProcessingFeedback, QgsProject, QgsVectorLayer,
)

from s2gm_qgis.core.bands import BANDS
from s2gm_qgis.core.delays import DelayInspector
from s2gm_qgis.gui.plugin import S2gmPlugin

from .processing_support import points_layer


@pytest.fixture
def algorithm(qgis_processing, qgis_iface):
    plugin = S2gmPlugin(qgis_iface, features=())
    plugin.initProcessing()
    yield QgsApplication.processingRegistry().createAlgorithmById("s2gm:delaysatpoints")
    plugin.unload()


def run(algorithm, parameters):
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = QgsProcessingFeedback()
    results, ok = algorithm.run(dict(parameters, OUTPUT="memory:"), context, feedback)
    assert ok
    return context.takeResultLayer(results["OUTPUT"])


def test_columns_equal_the_core_readout_in_another_crs(algorithm, n0301_zip):
    core = DelayInspector.open(n0301_zip)
    to_lonlat = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:32748"),
                                       QgsCoordinateReferenceSystem("EPSG:4326"),
                                       QgsProject.instance())
    tile_points = [("centre", (554880, 8845120)), ("east", (590000, 8830000)),
                   ("corner", (500500, 8899500)), ("away", (700000, 8845120))]
    lonlat = [(name, (lambda p: (p.x(), p.y()))(to_lonlat.transform(QgsPointXY(*xy))))
              for name, xy in tile_points]
    layer = points_layer("EPSG:4326", lonlat)
    out = run(algorithm, {"PRODUCT": str(n0301_zip), "INPUT": layer,
                          "SOURCE_BAND": BANDS.index("B03"), "EPHEMERIS": 1})
    rows = {f["name"]: f for f in out.getFeatures()}
    assert out.crs().authid() == "EPSG:4326" and len(rows) == 4
    for name, (lon, lat) in lonlat[:2]:
        expected = core.readout(lon, lat, crs="EPSG:4326", source_band="B03", ephemeris="point")
        row = rows[name]
        assert row["detector"] == expected.detector and row["src_band"] == "B03"
        assert row["h_sat_m"] == pytest.approx(expected.ephemeris.h_sat_m, rel=1e-12)
        assert row["v_ground"] == pytest.approx(expected.ephemeris.v_ground_m_s, rel=1e-12)
        assert row["eph_utc"] == expected.ephemeris.utc_time
        assert row["sensed_utc"] == expected.sensing_time_utc["B03"]
        for delay in expected.delays:
            assert row[f"dt_{delay.dst}"] == pytest.approx(delay.dt_s, abs=1e-9)
        assert "dt_B03" not in out.fields().names()
    assert rows["corner"]["detector"] == NULL
    assert "outside every detector footprint of B03" in rows["corner"]["s2_note"]
    assert rows["away"]["s2_note"] == "outside tile 48LWP"
    assert rows["away"]["dt_B04"] == NULL and rows["away"]["detector"] == NULL


def test_bad_product_and_clashing_columns_are_refused(algorithm, n0301_zip, l2a_metadata,
                                                      tmp_path):
    layer = points_layer("EPSG:32748", [("a", (554880, 8845120))])
    context, feedback = QgsProcessingContext(), QgsProcessingFeedback()
    broken = tmp_path / "x.zip"
    broken.write_bytes(b"nope")
    with pytest.raises(QgsProcessingException, match="not a readable zip"):
        algorithm.processAlgorithm({"PRODUCT": str(broken), "INPUT": layer, "SOURCE_BAND": 1,
                                    "EPHEMERIS": 0, "OUTPUT": "memory:"}, context, feedback)
    clash = QgsVectorLayer("Point?crs=EPSG:32748&field=detector:integer", "p", "memory")
    with pytest.raises(QgsProcessingException, match="detector"):
        algorithm.processAlgorithm({"PRODUCT": str(n0301_zip), "INPUT": clash, "SOURCE_BAND": 1,
                                    "EPHEMERIS": 0, "OUTPUT": "memory:"}, context, feedback)


def test_points_of_a_multi_tile_product_are_read_in_their_own_tiles(algorithm, n0301_zip,
                                                                    tmp_path):
    """A six-granule PSD-13 product (built from the real N0301 metadata): each point gets the
    readout of the granule it lies in, as the core's GranuleInspectors gives it; a tile given
    by name restricts the reading to that tile."""
    from s2gm_qgis.core.delays.granules import GranuleInspectors
    from tests.synthetic.layouts import psd13_from_compact

    tiles = ("48LVP", "48LVQ", "48LWQ", "48LXQ", "48LWP", "48LXP")
    psd13 = psd13_from_compact(n0301_zip, tmp_path, tiles)
    points = [("LWP", (554880.0, 8845120.0)), ("LXP", (655000.0, 8845000.0)),
              ("LVQ", (455000.0, 8945000.0)), ("away", (100.0, 100.0))]
    layer = points_layer("EPSG:32748", points)
    out = run(algorithm, {"PRODUCT": str(psd13), "INPUT": layer,
                          "SOURCE_BAND": BANDS.index("B02")})
    rows = {f["name"]: f for f in out.getFeatures()}
    core = GranuleInspectors(psd13)
    for name, (x, y) in points[:3]:
        inspector = core.inspector_at(x, y)
        assert inspector.tile_id == "48" + name
        expected = inspector.readout(x, y, source_band="B02")
        assert expected.detector is not None
        assert rows[name]["detector"] == expected.detector
        for delay in expected.delays:
            assert rows[name][f"dt_{delay.dst}"] == pytest.approx(delay.dt_s, abs=1e-9)
        assert "outside" not in (rows[name]["s2_note"] or "")
    assert rows["away"]["detector"] == NULL
    assert rows["away"]["s2_note"] == f"outside every tile of the product ({', '.join(tiles)})"

    only = run(algorithm, {"PRODUCT": str(psd13), "INPUT": layer, "TILE": "T48LXP",
                           "SOURCE_BAND": BANDS.index("B02")})
    rows = {f["name"]: f for f in only.getFeatures()}
    assert rows["LXP"]["detector"] == core.inspector_at(655000.0, 8845000.0).readout(
        655000.0, 8845000.0, source_band="B02").detector
    assert rows["LWP"]["s2_note"] == "outside tile 48LXP"
