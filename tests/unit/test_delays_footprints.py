"""Detector lookups agree with a plain point-in-polygon test and with raster pixel values, and
reading masks writes nothing anywhere."""
import os
import shutil
import zipfile

import numpy as np
import pytest
from osgeo import gdal

from s2gm_qgis.core.bands import BANDS
from s2gm_qgis.core.delays.footprints import parse_detfoo_gml, read_band_footprints
from s2gm_qgis.core.delays.scanline import FootprintIndex, intervals_from_rings
from s2gm_qgis.core.errors import ProductError
from s2gm_qgis.core.safe import open_product

EPSG = 32748


def point_in_rings(rings, x, y):
    """Plain even-odd ray casting, the reference the index must agree with: a point is inside
    when a ray towards +x crosses the rings' edges an odd number of times (an edge crosses the
    ray when min(y0, y1) <= y < max(y0, y1)). Vectorised over (edge, point) pairs of matching
    y so that pixel-step outlines of tens of thousands of edges stay fast."""
    if not rings:
        return np.zeros(x.shape, dtype=bool)
    edges = np.vstack([np.column_stack([r[:-1], r[1:]]) for r in rings])
    x0, y0, x1, y1 = edges[edges[:, 1] != edges[:, 3]].T
    order = np.argsort(y, kind="stable")
    y_sorted = y[order]
    first = np.searchsorted(y_sorted, np.minimum(y0, y1), side="left")
    last = np.searchsorted(y_sorted, np.maximum(y0, y1), side="left")
    count = last - first
    edge = np.repeat(np.arange(len(x0)), count)
    point = order[np.repeat(first, count) + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)]
    x_cross = x0[edge] + (y[point] - y0[edge]) * (x1[edge] - x0[edge]) / (y1[edge] - y0[edge])
    hits = np.bincount(point[x[point] < x_cross], minlength=len(x))
    return hits % 2 == 1


@pytest.fixture(scope="module")
def n0301(n0301_zip):
    product = open_product(str(n0301_zip))
    granule = product.granule
    footprints = {b: read_band_footprints(granule.masks[("MSK_DETFOO", b)], b, EPSG) for b in BANDS}
    index = FootprintIndex({b: f.intervals for b, f in footprints.items()})
    return footprints, index


def _seam_points(footprint, rng, n):
    """Points within 15 m of random footprint vertices: on both sides of seams and outer edges,
    a few millimetres off the 10 m pixel grid so none sits exactly on an edge."""
    vertices = np.vstack([ring for p in footprint.polygons for ring in p.rings])
    pick = vertices[rng.integers(0, len(vertices), n)]
    return pick + rng.uniform(-15, 15, pick.shape) + 0.003


@pytest.mark.parametrize("band", BANDS)
def test_gml_lookup_agrees_with_point_in_polygon(n0301, band):
    footprints, index = n0301
    footprint = footprints[band]
    assert footprint.kind == "gml" and footprint.detectors == (3, 4, 5, 6, 7, 8)
    rng = np.random.default_rng(BANDS.index(band))
    uniform = np.column_stack([rng.uniform(499000, 610800, 1500), rng.uniform(8789000, 8901000, 1500)])
    points = np.vstack([uniform, _seam_points(footprint, rng, 1500)])
    got = index.detectors_at(band, points[:, 0], points[:, 1])
    for detector in range(1, 13):
        rings = [r for p in footprint.polygons if p.detector == detector for r in p.rings]
        expected = point_in_rings(rings, points[:, 0], points[:, 1])
        np.testing.assert_array_equal((got == detector).any(axis=1), expected,
                                      err_msg=f"{band} detector {detector}")
    # The seam sample sees several detectors; this product's pixel-step footprints abut
    # exactly (no overlap), so no point may see two (overlaps: synthetic test below).
    assert len(set(got.max(axis=1).tolist()) - {0}) >= 4
    assert ((got > 0).sum(axis=1) <= 1).all()


def test_point_exactly_on_a_shared_seam_belongs_to_one_detector(n0301):
    footprints, index = n0301
    intervals = footprints["B02"].intervals
    order = np.lexsort((intervals.xa, intervals.k))
    k, xa, xb = intervals.k[order], intervals.xa[order], intervals.xb[order]
    touching = np.flatnonzero((k[1:] == k[:-1]) & (xb[:-1] == xa[1:]))
    assert touching.size > 1000
    for i in touching[:: max(1, touching.size // 200)]:
        y = 0.5 * (intervals.ys[k[i]] + intervals.ys[k[i] + 1])
        assert len(index.lookup(float(xb[i]), float(y))["B02"]) == 1


def test_scalar_lookup_matches_vectorised_lookup(n0301):
    footprints, index = n0301
    rng = np.random.default_rng(7)
    points = _seam_points(footprints["B02"], rng, 300)
    for band in ("B02", "B8A", "B10"):
        many = index.detectors_at(band, points[:, 0], points[:, 1])
        for (x, y), row in zip(points, many):
            assert index.lookup(x, y)[band] == tuple(sorted(int(d) for d in row if d))


def test_tile_centre_is_detector_6(n0301):
    _, index = n0301
    assert set(index.lookup(554880.0, 8845120.0).values()) == {(6,)}
    assert set(index.lookup(400000.0, 8845120.0).values()) == {()}


def test_sloped_polygon_with_hole_agrees_with_point_in_polygon():
    square = np.array([[0, 0], [100, 10], [90, 110], [-10, 95], [0, 0]], float)
    hole = np.array([[30, 30], [60, 35], [50, 70], [30, 30]], float)
    other = np.array([[80, 0], [200, 0], [200, 100], [85, 100], [80, 0]], float)  # overlaps
    intervals = intervals_from_rings([(1, square), (1, hole), (2, other)])
    index = FootprintIndex({"B01": intervals})
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-20, 210, 20000), rng.uniform(-10, 120, 20000)
    got = index.detectors_at("B01", x, y)
    np.testing.assert_array_equal((got == 1).any(1), point_in_rings([square, hole], x, y))
    np.testing.assert_array_equal((got == 2).any(1), point_in_rings([other], x, y))
    both = ((got == 1).any(1) & (got == 2).any(1))
    assert both.any()
    i = int(np.flatnonzero(both)[0])
    assert index.lookup(x[i], y[i])["B01"] == (1, 2)


def test_raster_mask_gives_the_pixel_value(n0500_safe):
    granule = open_product(str(n0500_safe)).granule
    for band in ("B02", "B04"):
        path = granule.masks[("MSK_DETFOO", band)]
        before = sorted(os.listdir(os.path.dirname(path)))
        footprint = read_band_footprints(path, band, granule.epsg)
        assert footprint.kind == "raster" and footprint.detectors == (5, 6)
        index = FootprintIndex({band: footprint.intervals})
        dataset = gdal.Open(path)
        values = dataset.ReadAsArray()
        ulx, dx, _, uly, _, dy = dataset.GetGeoTransform()
        rng = np.random.default_rng(0)
        rows = rng.integers(0, values.shape[0], 5000)
        cols = rng.integers(0, values.shape[1], 5000)
        x = ulx + (cols + rng.uniform(0, 1, 5000)) * dx
        y = uly + (rows + rng.uniform(0, 1, 5000)) * dy
        got = index.detectors_at(band, x, y)
        assert (got > 0).sum(axis=1).max() == 1  # one detector per raster pixel
        np.testing.assert_array_equal(got.max(axis=1), values[rows, cols])
        dataset = None
        assert sorted(os.listdir(os.path.dirname(path))) == before  # no .aux.xml


def test_gml_read_from_a_folder_writes_no_sidecar(n0301_zip, tmp_path):
    with zipfile.ZipFile(n0301_zip) as archive:
        name = next(n for n in archive.namelist() if n.endswith("MSK_DETFOO_B01.gml"))
        target = tmp_path / "MSK_DETFOO_B01.gml"
        with archive.open(name) as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out)
    footprint = read_band_footprints(str(target), "B01", EPSG)
    assert footprint.detectors == (3, 4, 5, 6, 7, 8)
    assert sorted(os.listdir(tmp_path)) == ["MSK_DETFOO_B01.gml"]


def test_bad_masks_are_reported_with_their_path(tmp_path):
    empty = tmp_path / "MSK_DETFOO_B02.gml"
    empty.write_bytes(b"")
    with pytest.raises(ProductError, match="empty"):
        read_band_footprints(str(empty), "B02")
    broken = tmp_path / "broken.gml"
    broken.write_text("<eop:Mask xmlns:eop='x'><unclosed></eop:Mask>")
    with pytest.raises(ProductError, match="broken.gml.*well-formed"):
        read_band_footprints(str(broken), "B02")
    gml = ("<Mask xmlns:gml='http://www.opengis.net/gml/3.2'><maskMembers>"
           "<MaskFeature gml:id='something-else'/></maskMembers></Mask>")
    with pytest.raises(ProductError, match="does not name a detector"):
        parse_detfoo_gml(gml.encode(), "x.gml")
    wrong_crs = ("<Mask xmlns:gml='http://www.opengis.net/gml/3.2'><gml:Envelope "
                 "srsName='urn:ogc:def:crs:EPSG:8.7:32631'/></Mask>")
    with pytest.raises(ProductError, match="EPSG:32631, the tile in EPSG:32748"):
        parse_detfoo_gml(wrong_crs.encode(), "x.gml", 32748)
    with pytest.raises(ProductError, match="not found"):
        read_band_footprints(str(tmp_path / "absent.gml"), "B02")
