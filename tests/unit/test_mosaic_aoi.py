"""AOI parsing: GeoJSON in every shape, WKT, bbox, files; repair or refusal; geodesic area."""
import json

import pytest

from s2gm_qgis.core.errors import ValidationError
from s2gm_qgis.core.mosaic.aoi import aoi_from_bbox, parse_aoi

SQUARE = [[[10.0, 45.0], [10.1, 45.0], [10.1, 45.1], [10.0, 45.1], [10.0, 45.0]]]


def test_geojson_geometry_feature_collection_and_text_agree():
    polygon = {"type": "Polygon", "coordinates": SQUARE}
    from_geometry = parse_aoi(polygon)
    assert from_geometry == parse_aoi({"type": "Feature", "properties": {}, "geometry": polygon})
    assert from_geometry == parse_aoi(json.dumps(polygon))
    assert from_geometry.geojson()["type"] == "MultiPolygon"
    assert from_geometry.bounds == (10.0, 45.0, 10.1, 45.1)


def test_feature_collection_is_dissolved():
    a = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": SQUARE}}
    shifted = [[[x + 0.05, y] for x, y in SQUARE[0]]]
    b = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": shifted}}
    aoi = parse_aoi({"type": "FeatureCollection", "features": [a, b]})
    one = parse_aoi({"type": "Polygon", "coordinates": SQUARE}).area_km2
    assert aoi.area_km2 == pytest.approx(1.5 * one, rel=1e-3)


def test_area_is_geodesic():
    # 1 x 1 degree at the equator: 12,308.8 km2 on WGS84
    assert parse_aoi("0,0,1,1").area_km2 == pytest.approx(12308.78, rel=1e-5)
    # holes are subtracted
    with_hole = "POLYGON((0 0,1 0,1 1,0 1,0 0),(0.25 0.25,0.75 0.25,0.75 0.75,0.25 0.75,0.25 0.25))"
    assert parse_aoi(with_hole).area_km2 == pytest.approx(12308.78 * 0.75, rel=1e-3)


def test_wkt_bbox_and_antimeridian_box():
    assert parse_aoi("POLYGON((10 45,10.1 45,10.1 45.1,10 45.1,10 45))").area_km2 > 80
    assert parse_aoi("SRID=4326;MULTIPOLYGON(((10 45,10.1 45,10.1 45.1,10 45)))")
    box = parse_aoi(" 179.5 , -17 , -179.5 , -16 ")
    assert len(box.coordinates) == 2
    # geodesic edges: splitting at 180 changes the area by the sliver between geodesic and parallel
    assert box.area_km2 == pytest.approx(aoi_from_bbox(0, -17, 1, -16).area_km2, rel=1e-4)


def test_bow_tie_is_repaired_into_two_triangles():
    aoi = parse_aoi("POLYGON((0 0,1 1,1 0,0 1,0 0))")
    assert len(aoi.coordinates) == 2
    assert aoi.area_km2 == pytest.approx(parse_aoi("0,0,1,1").area_km2 / 2, rel=1e-2)


@pytest.mark.parametrize(
    "value, reason",
    [
        ("0,0,0,1", "no width"),
        ("0,1,1,0", "smaller than maxy"),
        ("0,0,1,95", "outside [-90, 90]"),
        ('{"type": "Point", "coordinates": [1, 2]}', "expected a Polygon"),
        ("POLYGON((0 0,1 1,2 2,0 0))", "no area"),
        ("POLYGON((500000 4000000,510000 4000000,510000 4010000,500000 4000000))",
         "EPSG:4326 degrees"),
        ("POLYGON((-179 0,179 0,179 1,-179 1,-179 0))", "antimeridian"),
        ('{"type": "FeatureCollection", "features": []}', "no feature"),
        ("{not json", "not valid JSON"),
        ("POLYGON((0 0, 1 1", "cannot be parsed"),
        ("somewhere over the rainbow", "neither a file"),
        ("SRID=3857;POLYGON((0 0,1 0,1 1,0 0))", "SRID=3857"),
    ],
)
def test_bad_aois_are_refused_with_the_reason(value, reason):
    with pytest.raises(ValidationError) as info:
        parse_aoi(value)
    assert reason in info.value.errors["aoi"]


def test_geojson_file_and_geopackage_in_another_crs(tmp_path):
    path = tmp_path / "aoi.geojson"
    path.write_text(json.dumps({"type": "Polygon", "coordinates": SQUARE}))
    assert parse_aoi(str(path)).bounds == (10.0, 45.0, 10.1, 45.1)

    from osgeo import ogr, osr

    utm = osr.SpatialReference()
    utm.ImportFromEPSG(32632)
    gpkg = tmp_path / "aoi.gpkg"
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(gpkg))
    layer = ds.CreateLayer("aoi", utm, ogr.wkbPolygon)
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetGeometry(ogr.CreateGeometryFromWkt(
        "POLYGON((600000 5000000,610000 5000000,610000 5010000,600000 5010000,600000 5000000))"))
    layer.CreateFeature(feature)
    ds = None
    before = sorted(p.name for p in tmp_path.iterdir())
    aoi = parse_aoi(gpkg)
    assert aoi.area_km2 == pytest.approx(100.0, rel=0.01)  # UTM scale factor near the meridian
    minx, miny, maxx, maxy = aoi.bounds
    assert 10.2 < minx < maxx < 10.5 and 45.1 < miny < maxy < 45.3
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_missing_file_and_non_vector_file(tmp_path):
    with pytest.raises(ValidationError, match="no such file"):
        parse_aoi(tmp_path / "nope.geojson")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01garbage")
    with pytest.raises(ValidationError, match="cannot read it as a vector file"):
        parse_aoi(str(junk))


@pytest.mark.parametrize("name", ["nope.geojson", "nope.gpkg", "sub/aoi.shp"])
def test_a_missing_file_given_as_text_says_so(tmp_path, name):
    with pytest.raises(ValidationError) as info:
        parse_aoi(str(tmp_path / name))
    assert "no such file" in info.value.errors["aoi"]
    assert name.split("/")[-1] in info.value.errors["aoi"]


def test_unparsable_wkt_prints_nothing_on_stderr(capfd):
    with pytest.raises(ValidationError, match="cannot be parsed"):
        parse_aoi("POLYGON((0 0, 1 1")
    assert capfd.readouterr().err == ""
