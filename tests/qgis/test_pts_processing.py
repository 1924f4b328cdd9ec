"""Processing algorithm "Point time series" in real QGIS: points of a layer in UTM and in
WGS84 in, a table out (one row per point and observation, the point id first) with the values
of the core's series; a point outside every product warned about, no point refused."""
from __future__ import annotations

import pytest
from qgis.core import QgsProcessingException, QgsWkbTypes

from s2gm_qgis.core.timeseries import COLUMNS, GeoPoint, point_time_series
from s2gm_qgis.core.timeseries.writers import row

from .processing_support import points_layer
from .test_mosaic_dock import ULX, ULY, synthetic_archive  # noqa: F401 (fixture)


LAKE = (ULX + 300, ULY - 900)  # water of the synthetic archive, always clear
FIELD = (ULX + 900, ULY - 200)  # vegetation under a cloud on the first two dates
OUTSIDE = (ULX + 9000, ULY - 9000)


def test_time_series_table_at_the_points_of_a_layer(provider, synthetic_archive):
    import processing

    assert provider.algorithm("pointtimeseries") is not None
    layer = points_layer("EPSG:32632", [("lake", LAKE), ("field", FIELD), ("far", OUTSIDE)])
    result = processing.run("s2gm:pointtimeseries", {
        "INPUT": layer, "ID_FIELD": "name", "ARCHIVE": str(synthetic_archive),
        "START": "2024-06-01", "END": "2024-06-30", "RESOLUTION": 1, "WINDOW": 1,
        "OUTPUT": "TEMPORARY_OUTPUT"})
    table = result["OUTPUT"]
    assert table.wkbType() == QgsWkbTypes.Type.NoGeometry
    assert table.fields().names() == ["point_id", *COLUMNS]
    features = list(table.getFeatures())
    assert [f["point_id"] for f in features] == ["lake"] * 5 + ["field"] * 5
    expected = point_time_series([synthetic_archive], GeoPoint(*FIELD, 32632), "2024-06-01",
                                 "2024-06-30", 20, 3)
    for feature, observation in zip(features[5:], expected.observations):
        values = row(observation)
        assert feature["date_utc"] == values["date_utc"]
        assert feature["valid"] == int(values["valid"])
        assert feature["reject_reason"] == values["reject_reason"]
        assert feature["B8A"] == pytest.approx(values["B8A"])
        assert feature["n_pixels"] == values["n_pixels"]
    assert [f["reject_reason"] for f in features[5:]] == ["scl_class"] * 2 + [""] * 3
    assert all(f["valid"] == 1 and f["n_pixels"] == 9 and f["scl"] == 6 for f in features[:5])


def test_points_in_wgs84_and_bad_input(provider, synthetic_archive):
    import processing

    lon, lat = GeoPoint(*FIELD, 32632).to_lonlat()
    layer = points_layer("EPSG:4326", [("field", (lon, lat))])
    table = processing.run("s2gm:pointtimeseries", {
        "INPUT": layer, "ARCHIVE": str(synthetic_archive), "START": "2024-06-01",
        "END": "2024-06-30", "OUTPUT": "TEMPORARY_OUTPUT"})["OUTPUT"]
    features = list(table.getFeatures())
    assert len(features) == 5 and features[0]["point_id"] == "1"  # the feature id
    assert all(f["tile"] == "32TQM" for f in features)
    with pytest.raises(QgsProcessingException, match="before the start"):
        processing.run("s2gm:pointtimeseries", {
            "INPUT": layer, "ARCHIVE": str(synthetic_archive), "START": "2024-06-30",
            "END": "2024-06-01", "OUTPUT": "TEMPORARY_OUTPUT"})
    with pytest.raises(QgsProcessingException, match="no observation over"):
        processing.run("s2gm:pointtimeseries", {
            "INPUT": layer, "ARCHIVE": str(synthetic_archive), "START": "2024-07-01",
            "END": "2024-07-30", "OUTPUT": "TEMPORARY_OUTPUT"})
