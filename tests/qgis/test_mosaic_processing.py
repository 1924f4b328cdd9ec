"""Processing algorithm "Build S2GM mosaic" in real QGIS: a polygon layer in UTM and a period
in, an S2GM folder out, its layers loaded with the dock's styles; bad parameters named."""
from __future__ import annotations

import pytest
from qgis.core import (
    QgsFeature,
    QgsGeometry,
    QgsMultiBandColorRenderer,
    QgsPalettedRasterRenderer,
    QgsProcessingException,
    QgsProject,
    QgsVectorLayer,
)

from s2gm_qgis.qgis_support.results import LAYER_PROPERTY, TRUE_COLOUR_KEY

from .test_mosaic_dock import ULX, ULY, synthetic_archive  # noqa: F401 (fixture)


@pytest.fixture
def layer_tree_view(qgis_iface, qgis_new_project, monkeypatch):
    """A real layer tree view in the test interface: from QGIS 3.44 on, Processing's
    runAndLoadResults hands ``iface.layerTreeView()`` to QgsProcessingGuiUtils.addResultLayers,
    which takes a QgsLayerTreeView (pytest-qgis's interface answers a MagicMock)."""
    from qgis.core import QgsLayerTreeModel
    from qgis.gui import QgsLayerTreeView

    view = QgsLayerTreeView()
    model = QgsLayerTreeModel(QgsProject.instance().layerTreeRoot(), view)
    view.setModel(model)
    monkeypatch.setattr(qgis_iface, "layerTreeView", lambda: view, raising=False)
    yield view
    view.deleteLater()


def aoi_layer() -> QgsVectorLayer:
    layer = QgsVectorLayer("Polygon?crs=EPSG:32632", "aoi", "memory")
    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromWkt(
        f"POLYGON(({ULX + 100} {ULY - 100}, {ULX + 1100} {ULY - 100}, {ULX + 1100} {ULY - 1100},"
        f" {ULX + 100} {ULY - 1100}, {ULX + 100} {ULY - 100}))"))
    layer.dataProvider().addFeatures([feature])
    return layer


def test_build_mosaic_writes_the_folder_and_loads_styled_layers(provider, synthetic_archive,
                                                                 tmp_path, qgis_new_project,
                                                                 layer_tree_view):
    import processing

    assert provider.algorithm("buildmosaic") is not None
    results = processing.runAndLoadResults("s2gm:buildmosaic", {
        "AOI": aoi_layer(), "PERIOD": 2, "START": "2024-06-20", "RESOLUTION": 3,
        "NAME": "toolbox", "ARCHIVE": str(synthetic_archive), "OUTPUT": str(tmp_path / "out"),
    })
    folder = results["MOSAIC_FOLDER"]
    assert "S2GM_M60_20240601_20240630_toolbox_STD" in folder
    assert len(results["OUTPUT_LAYERS"]) == 4  # true colour, SCL, source_index, valid_obs
    layers = {layer.customProperty(LAYER_PROPERTY): layer
              for layer in QgsProject.instance().mapLayers().values()}
    assert isinstance(layers[TRUE_COLOUR_KEY].renderer(), QgsMultiBandColorRenderer)
    assert isinstance(layers["quality_scene_classification"].renderer(),
                      QgsPalettedRasterRenderer)
    assert len(layers["source_index"].renderer().classes()) == 5


def test_bad_parameters_are_named(provider, synthetic_archive, tmp_path):
    import processing

    with pytest.raises(QgsProcessingException, match="name.*letters, digits"):
        processing.run("s2gm:buildmosaic", {
            "AOI": aoi_layer(), "START": "2024-06-20", "NAME": "with spaces",
            "ARCHIVE": str(synthetic_archive), "OUTPUT": str(tmp_path / "out")})
    with pytest.raises(QgsProcessingException, match="area of interest"):
        processing.run("s2gm:buildmosaic", {
            "START": "2024-06-20", "ARCHIVE": str(synthetic_archive),
            "OUTPUT": str(tmp_path / "out")})
    with pytest.raises(QgsProcessingException, match="no L2A product"):
        processing.run("s2gm:buildmosaic", {
            "AOI": aoi_layer(), "START": "2023-01-20", "ARCHIVE": str(synthetic_archive),
            "OUTPUT": str(tmp_path / "out")})
