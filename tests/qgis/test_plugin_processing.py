"""The Processing provider and its "Read Sentinel-2 product metadata" algorithm, run through
Processing on real products (issue: foundation)."""
from __future__ import annotations

import pytest
from qgis.core import QgsApplication, QgsProcessingException, QgsWkbTypes

from s2gm_qgis.processing.provider import ALGORITHM_FACTORIES


@pytest.fixture
def run_algorithm(started_plugin, qgis_processing):
    import processing

    def run(**parameters):
        parameters.setdefault("OUTPUT", "TEMPORARY_OUTPUT")
        return processing.run("s2gm:productmetadata", parameters)["OUTPUT"]
    return run


def test_provider_lists_every_factory(started_plugin):
    provider = QgsApplication.processingRegistry().providerById("s2gm")
    assert sorted(a.name() for a in provider.algorithms()) == sorted(
        f().name() for f in ALGORITHM_FACTORIES)
    algorithm = QgsApplication.processingRegistry().algorithmById("s2gm:productmetadata")
    assert algorithm.displayName() == "Read Sentinel-2 product metadata"


def test_product_metadata_of_a_zipped_l1c(run_algorithm, n0301_zip):
    layer = run_algorithm(INPUT=str(n0301_zip))
    assert layer.featureCount() == 1
    assert layer.crs().authid() == "EPSG:4326"
    feature = next(layer.getFeatures())
    assert feature["product"] == "S2A_MSIL1C_20210713T032051_N0301_R032_T48LWP_20210713T054224"
    assert (feature["level"], feature["spacecraft"], feature["baseline"]) == ("L1C", "S2A", "03.01")
    assert (feature["tile"], feature["epsg"], feature["rel_orbit"]) == ("48LWP", 32748, 32)
    assert feature["quantif"] == 10000.0
    assert feature["datastrip"].startswith("S2A_OPER_MSI_L1C_DS_")
    assert not feature["ds_problem"]
    geometry = feature.geometry()
    assert QgsWkbTypes.geometryType(geometry.wkbType()) == QgsWkbTypes.GeometryType.PolygonGeometry
    centre = geometry.centroid().asPoint()
    # MGRS 48LWP: UTM zone 48 (102-108 deg E), latitude band L (16-8 deg S).
    assert 102 < centre.x() < 108 and -16 < centre.y() < -8


def test_a_missing_datastrip_is_reported_not_fatal(run_algorithm, n0500_safe):
    feature = next(run_algorithm(INPUT=str(n0500_safe / "MTD_MSIL1C.xml")).getFeatures())
    assert feature["tile"] == "30TXR" and feature["baseline"] == "05.00"
    assert "DATASTRIP" in feature["ds_problem"]


def test_a_folder_that_is_no_product_fails_with_the_reason(run_algorithm, tmp_path):
    (tmp_path / "notes.txt").write_text("not a product")
    with pytest.raises(QgsProcessingException) as failure:
        run_algorithm(INPUT=str(tmp_path / "notes.txt"))
    assert "notes.txt" in str(failure.value)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]  # nothing written beside it


def test_tile_parameter_selects_a_tile_and_refuses_an_absent_one(run_algorithm, n0301_zip):
    layer = run_algorithm(INPUT=str(n0301_zip), TILE="T48LWP")
    assert [f["tile"] for f in layer.getFeatures()] == ["48LWP"]
    with pytest.raises(QgsProcessingException, match="31TCJ"):
        run_algorithm(INPUT=str(n0301_zip), TILE="31TCJ")
