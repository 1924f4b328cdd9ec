"""Reading one granule into an output block: reflectance scaling, resampling at every output
resolution, angle grids, reprojection, and the same-datatake rule. Real GDAL files written by the
synthetic generator; expected values come from the generator's own ``expected_*`` functions."""
from __future__ import annotations

import numpy as np
import pytest

from s2gm_qgis.core.mosaic.grid import OutputGrid
from s2gm_qgis.core.mosaic.blocks import Block
from s2gm_qgis.core.mosaic.datatakes import datatake_groups, merge_same_datatake
from s2gm_qgis.core.mosaic.sources.angles import AngleField, fill_angle_nodes
from s2gm_qgis.core.mosaic.sources.gdal_reads import DatasetCache
from s2gm_qgis.core.mosaic.sources.granule import GranuleSource
from s2gm_qgis.core.safe import open_product
from s2gm_qgis.core.safe.model import AngleGrid
from tests.unit.reference_kernels import angles_on_mesh
from tests.synthetic import Scene, Surface, expected_layer, expected_reflectance, make_l2a

SIZE = 120  # 10 m pixels: 1.2 km, 60 x 60 at 20 m


@pytest.fixture(scope="module")
def scene():
    return (Scene.uniform(SIZE, Surface.VEGETATION)
            .with_surface((0, 60), (60, 120), Surface.WATER)
            .with_cloud((60, 90), (0, 30))
            .with_nodata((114, 120), None))


@pytest.fixture(scope="module")
def products(tmp_path_factory, scene):
    out = tmp_path_factory.mktemp("obs")
    old = make_l2a(out, size_10m=SIZE, scene=scene, fmt="tif", baseline="03.01",
                   date="2021-06-12", seed=3)
    new = make_l2a(out, size_10m=SIZE, scene=scene.with_aot(0.25), fmt="jp2", baseline="05.10",
                   date="2024-06-12", seed=4)
    return {"old": old, "new": new}


def source_of(path, index=0):
    product = open_product(path)
    return GranuleSource.create(product, product.granule, index)


def tile_grid(source, resolution):
    g = source.granule.grids[10]
    width = g.ncols * 10 // resolution
    return OutputGrid("T", source.granule.epsg, (g.ulx_m, float(resolution), 0.0, g.uly_m, 0.0,
                                                 -float(resolution)), width, width, resolution)


def whole(grid):
    return Block(grid, 0, 0, grid.height, grid.width)


@pytest.mark.parametrize("which, baseline, seed", [("old", "03.01", 3), ("new", "05.10", 4)])
def test_reflectance_honours_offset_and_quantification(products, scene, which, baseline, seed):
    source = source_of(products[which])
    assert source.product.radiometric_offset.get("B04", 0.0) == (
        -1000.0 if baseline >= "04.00" else 0.0)
    values = source.read("B04", whole(tile_grid(source, 10)), DatasetCache())
    s = scene if which == "old" else scene.with_aot(0.25)
    expected = expected_reflectance(s, "B04", 10, seed=seed, baseline=baseline)
    np.testing.assert_array_equal(values, expected)  # NaN where DN 0, equal elsewhere
    assert np.isnan(values[-6:]).all()
    # Clear vegetation is dark in red whatever the baseline (the offset is applied).
    assert 0.02 < float(np.mean(values[90:110, 0:60])) < 0.06


def test_each_output_resolution_follows_the_rules(products, scene):
    source = source_of(products["old"])
    cache = DatasetCache()
    b08_10 = expected_reflectance(scene, "B08", 10, seed=3, baseline="03.01")
    b05_20 = expected_reflectance(scene, "B05", 20, seed=3, baseline="03.01")
    b01_60 = expected_reflectance(scene, "B01", 60, seed=3, baseline="03.01")
    scl_20 = expected_layer(scene, "SCL", 20)
    # 20 m: B08 mean of 2 x 2; B01 nearest from 60 m; B05 as is.
    grid = tile_grid(source, 20)
    np.testing.assert_allclose(source.read("B08", whole(grid), cache),
                               b08_10.reshape(60, 2, 60, 2).mean(axis=(1, 3)), rtol=1e-6)
    np.testing.assert_array_equal(source.read("B01", whole(grid), cache),
                                  b01_60.repeat(3, 0).repeat(3, 1))
    np.testing.assert_array_equal(source.read("B05", whole(grid), cache), b05_20)
    # 10 m: SCL and 20 m bands repeated 2 x 2.
    grid = tile_grid(source, 10)
    np.testing.assert_array_equal(source.read("SCL", whole(grid), cache),
                                  scl_20.repeat(2, 0).repeat(2, 1))
    # 30 m: 10 m bands mean of 3 x 3; 20 m bands area-weighted; SCL from the centre pixel.
    grid = tile_grid(source, 30)
    np.testing.assert_allclose(source.read("B08", whole(grid), cache),
                               b08_10.reshape(40, 3, 40, 3).mean(axis=(1, 3)), rtol=1e-6)
    b05_as_10 = b05_20.repeat(2, 0).repeat(2, 1)
    np.testing.assert_allclose(source.read("B05", whole(grid), cache),
                               b05_as_10.reshape(40, 3, 40, 3).mean(axis=(1, 3)), rtol=1e-5)
    centre = (np.arange(40) * 30 + 15) // 20
    np.testing.assert_array_equal(source.read("SCL", whole(grid), cache),
                                  scl_20[np.ix_(centre, centre)])
    # 60 m: B08 mean of 6 x 6, the 20 m bands from the product's R60m.
    grid = tile_grid(source, 60)
    np.testing.assert_allclose(source.read("B08", whole(grid), cache),
                               b08_10.reshape(20, 6, 20, 6).mean(axis=(1, 3)), rtol=1e-6)
    np.testing.assert_array_equal(
        source.read("B05", whole(grid), cache),
        expected_reflectance(scene, "B05", 60, seed=3, baseline="03.01"))


def test_blocks_read_the_same_values_as_the_whole_grid(products):
    source = source_of(products["new"])
    cache = DatasetCache()
    grid = tile_grid(source, 30)
    full = source.read("B11", whole(grid), cache)
    for row0, col0, nrows, ncols in grid.blocks(7, 9):
        part = source.read("B11", Block(grid, row0, col0, nrows, ncols), cache)
        np.testing.assert_array_equal(part, full[row0:row0 + nrows, col0:col0 + ncols])


def test_quality_layers_are_physical(products, scene):
    source = source_of(products["new"])
    cache = DatasetCache()
    block = whole(tile_grid(source, 20))
    aot = source.read("AOT", block, cache)
    assert np.nanmean(aot) == pytest.approx(0.25, abs=0.01)
    cloud = source.read("MSK_CLDPRB", block, cache)
    expected = expected_layer(scene.with_aot(0.25), "CLDPRB", 20).astype(np.float32)
    np.testing.assert_array_equal(cloud, expected)
    assert cloud[35, 5] > 50  # under the cloud


def test_a_block_outside_the_granule_reads_nothing(products):
    source = source_of(products["old"])
    grid = tile_grid(source, 20)
    g = grid.geotransform
    far = OutputGrid("far", grid.epsg, (g[0] + 50_000, g[1], 0, g[3], 0, g[5]), 10, 10, 20)
    assert source.read("B02", whole(far), DatasetCache()) is None


def test_view_zenith_follows_the_metadata_grids(tmp_path):
    # A product whose viewing zenith grids all say 11 deg: the interpolated mean is 11 too.
    path = make_l2a(tmp_path, size_10m=60, fmt="tif",
                    scene=Scene.uniform(60, Surface.SOIL).with_view_zenith(11.0))
    source = source_of(path)
    angles = source.angles_on("view_zenith_mean", whole(tile_grid(source, 20)))
    np.testing.assert_allclose(angles, 11.0, atol=1e-4)
    sun = source.angles_on("sun_zenith", whole(tile_grid(source, 20)))
    assert 10 < float(sun.mean()) < 60  # June, mid-latitude, late morning


def test_swath_edge_products_have_view_zenith_near_11(tmp_path):
    path = make_l2a(tmp_path, size_10m=60, fmt="tif", swath_edge=True)
    source = source_of(path)
    zenith = source.angles_on("view_zenith_mean", whole(tile_grid(source, 20)))
    assert zenith.min() > 10.0 and zenith.max() > 10.8


def test_reprojected_read_matches_the_native_one(products):
    source = source_of(products["old"])
    cache = DatasetCache()
    native = tile_grid(source, 20)
    # The same ground on a WGS84 grid: values come through a GDAL warped VRT.
    from osgeo import osr
    src = osr.SpatialReference()
    src.ImportFromEPSG(native.epsg)
    dst = osr.SpatialReference()
    dst.ImportFromEPSG(4326)
    for srs in (src, dst):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    xmin, ymin, xmax, ymax = native.bounds
    ct = osr.CoordinateTransformation(src, dst)
    lon0, lat0, _ = ct.TransformPoint(xmin + 300, ymax - 300)
    step = 0.0002
    grid = OutputGrid("WGS84", 4326, (lon0, step, 0, lat0, 0, -step), 20, 20, 20)
    warped = source.read("SCL", whole(grid), cache)
    assert warped.dtype == np.uint8 and set(np.unique(warped)) <= {4, 6, 9}
    angles = source.angles_on("view_zenith_mean", whole(grid))
    assert np.isfinite(angles).all()


def test_fill_angle_nodes_extrapolates_linearly():
    nodes = np.array([[np.nan, 2.0, 3.0, 4.0, np.nan],
                      [np.nan, 3.0, 4.0, 5.0, np.nan],
                      [np.nan, np.nan, np.nan, np.nan, np.nan]])
    filled = fill_angle_nodes(nodes)
    np.testing.assert_allclose(filled, [[1, 2, 3, 4, 5], [2, 3, 4, 5, 6], [3, 4, 5, 6, 7]])


def test_angle_field_interpolates_bilinearly_between_nodes():
    zen = np.array([[0.0, 10.0], [20.0, 30.0]])
    grid = AngleGrid(zen, np.full((2, 2), 90.0), 1000.0, 2000.0, 5000.0, 5000.0)

    class Angles:  # the parts of TileAngles AngleField reads
        sun = grid
        viewing = {("B02", 1): grid}
        mean_viewing_deg = {}
        mean_sun_zenith_deg = None
        mean_sun_azimuth_deg = None

    class FakeGranule:
        angles = Angles()

    field = AngleField.from_granule(FakeGranule())
    x = np.array([1000.0, 3500.0, 6000.0, 3500.0])
    y = np.array([2000.0, 2000.0 - 2500.0, -3000.0, -10_000.0])  # last: beyond, clamped
    np.testing.assert_allclose(field.sample("view_zenith_mean", x, y), [0, 15, 30, 25])
    np.testing.assert_allclose(field.sample("view_azimuth_mean", x, y), 90.0, atol=1e-4)


def test_merge_keeps_the_smaller_aot_where_both_have_data():
    has_data = np.array([[True, True, False, False], [True, True, True, False],
                         [True, True, True, True]])
    aot = {0: np.array([0.3, 0.1, 0.0, 0.0]), 1: np.array([0.2, 0.2, 0.5, np.nan])}
    kept = merge_same_datatake([[0, 1], [2]], has_data, aot)
    assert kept.tolist() == [[1, 0, 1, 0], [2, 2, 2, 2]]


def test_datatake_groups_join_same_day_same_orbit(products, tmp_path):
    from tests.synthetic import make_l2a_overlap

    north, south = make_l2a_overlap(tmp_path, size_10m=60, fmt="tif")
    sources = [source_of(products["old"]), source_of(north, 1), source_of(south, 2)]
    assert datatake_groups(sources) == [[0], [1, 2]]


def test_a_datatake_crossing_utc_midnight_is_one_observation(products):
    """Tiles of one pass are seconds apart but may fall on two UTC dates (passes near 157 E,
    e.g. Kamchatka or the Solomon Islands, are sensed around 00:00 UTC): their overlap must
    still count once. Another pass of the same orbit (10 days on) or another spacecraft
    stays apart."""
    from dataclasses import replace
    from datetime import datetime, timezone

    base = source_of(products["new"])

    def at(when, spacecraft=None):
        product = base.product if spacecraft is None else replace(base.product,
                                                                  spacecraft=spacecraft)
        granule = replace(base.granule, sensing_time_utc=when)
        return GranuleSource.create(product, granule, 0)

    utc = timezone.utc
    sources = [
        at(datetime(2024, 6, 12, 23, 59, 58, tzinfo=utc)),
        at(datetime(2024, 6, 13, 0, 0, 3, tzinfo=utc)),   # same pass, next UTC day
        at(datetime(2024, 6, 22, 23, 59, 58, tzinfo=utc)),  # same orbit, 10 days later
        at(datetime(2024, 6, 13, 0, 0, 3, tzinfo=utc), spacecraft="S2A"),
    ]
    assert datatake_groups(sources) == [[0, 1], [2], [3]]


@pytest.mark.parametrize("layer", ["view_zenith_mean", "view_azimuth_mean", "sun_zenith",
                                   "sun_azimuth"])
def test_angles_at_some_pixels_are_those_of_the_whole_block_to_the_last_bit(products, layer):
    # The engine computes the quality angles of each observation at its chosen pixels only;
    # they must be the values the whole-block interpolation gives there.
    source = source_of(products["new"])
    grid = tile_grid(source, 20)
    block = Block(grid, 7, 11, 40, 37)  # not at the grid origin, not square
    xs, ys = block.centres()
    reference = angles_on_mesh(source.angles, layer, xs, ys)
    whole_block = source.angles_on(layer, block)
    pixels = np.flatnonzero(np.random.default_rng(2).random(40 * 37) < 0.3)
    some = source.angles_on(layer, block, pixels)
    assert whole_block.dtype == some.dtype == np.float32
    assert np.array_equal(whole_block.view(np.int32), reference.view(np.int32))
    assert np.array_equal(some.view(np.int32), reference.reshape(-1)[pixels].view(np.int32))


def test_reflectance_written_into_a_stack_row_is_the_same(products):
    # The engine reads 20 m bands straight into its stack rows (Product.reflectance(out=...)).
    source = source_of(products["new"])
    block = whole(tile_grid(source, 20))
    stack = np.full((2,) + block.shape, -1.0, dtype=np.float32)
    for band in ("B02", "B8A", "B08", "B01"):  # copy, copy, 2 x 2 mean, nearest from 60 m
        alone = source.read(band, block, DatasetCache())
        into = source.read(band, block, DatasetCache(), out=stack[1])
        assert into is stack[1] or np.shares_memory(into, stack)
        assert np.array_equal(alone.view(np.int32), stack[1].view(np.int32)), band
        assert np.isnan(alone).any()  # the scene's no-data rows went through the mask
    dn = np.array([[0, 1, 1000, 65535]], dtype=np.uint16)
    out = np.empty(dn.shape, dtype=np.float32)
    expected = source.product.reflectance(dn, "B04")
    assert source.product.reflectance(dn, "B04", out=out) is out
    assert np.array_equal(out.view(np.int32), expected.view(np.int32))


@pytest.fixture
def tile_reads(monkeypatch):
    """The windows GDAL is asked for, in order, by the engine's reads."""
    from s2gm_qgis.core.mosaic.sources import gdal_reads as observations

    reads = []
    real = observations._read_window
    monkeypatch.setattr(observations, "_read_window",
                        lambda ds, path, *w: reads.append(w[:4]) or real(ds, path, *w))
    return reads


_JP2_128 = ["REVERSIBLE=YES", "QUALITY=100", "BLOCKXSIZE=128", "BLOCKYSIZE=128"]


def _raster(path, driver, options, size=(300, 200)):
    from osgeo import gdal

    values = (np.arange(size[0] * size[1], dtype=np.uint32) % 65521).astype(np.uint16)
    values = values.reshape(size[1], size[0])
    mem = gdal.GetDriverByName("MEM").Create("", size[0], size[1], 1, gdal.GDT_UInt16)
    mem.GetRasterBand(1).WriteArray(values)
    gdal.GetDriverByName(driver).CreateCopy(str(path), mem, options=options)
    return gdal.Open(str(path)), values


def test_tiles_are_read_once_and_kept_per_thread(tmp_path, tile_reads):
    """A window inside 128-pixel JPEG 2000 tiles reads its tiles whole once; the other windows
    of those tiles come from the kept copy (read-only), with the same values."""
    dataset, values = _raster(tmp_path / "t.jp2", "JP2OpenJPEG", _JP2_128)
    assert dataset.GetRasterBand(1).GetBlockSize() == [128, 128]
    cache = DatasetCache()
    windows = [(0, 0, 64, 64), (64, 0, 64, 64), (0, 64, 64, 64), (64, 64, 64, 64),
               (100, 100, 50, 40), (250, 150, 50, 50)]
    for xoff, yoff, xsize, ysize in windows:
        data = cache.read_window(dataset, "t.jp2", xoff, yoff, xsize, ysize)
        np.testing.assert_array_equal(data, values[yoff:yoff + ysize, xoff:xoff + xsize])
        assert not data.flags.writeable
    # The first tile once for four windows; (100, 100, 50, 40) spans 2 x 2 tiles (cut to the
    # raster's 200 rows); the last window spans two tiles of the bottom row, the right one cut.
    assert tile_reads == [(0, 0, 128, 128), (0, 0, 256, 200), (128, 128, 172, 72)]


def test_kept_tiles_stay_within_the_budget(tmp_path, tile_reads):
    """Tiles of the current job are never dropped for new ones (a tile with no room is read for
    its window only); tiles of earlier jobs make room."""
    dataset, values = _raster(tmp_path / "t.jp2", "JP2OpenJPEG", _JP2_128)
    cache = DatasetCache(region_cache_bytes=128 * 128 * 2)  # one tile
    for xoff in (0, 128, 0, 128):
        data = cache.read_window(dataset, "t.jp2", xoff, 0, 64, 64)
        np.testing.assert_array_equal(data, values[0:64, xoff:xoff + 64])
    assert tile_reads == [(0, 0, 128, 128), (128, 0, 128, 128), (128, 0, 128, 128)]
    cache.next_job()
    cache.read_window(dataset, "t.jp2", 128, 0, 64, 64)  # the old job's tile goes
    cache.read_window(dataset, "t.jp2", 192, 64, 64, 64)
    assert tile_reads[3:] == [(128, 0, 128, 128)]
    assert cache._kept().nbytes == 128 * 128 * 2


def test_tiles_of_coarse_layers_are_kept_for_every_thread(tmp_path, tile_reads, monkeypatch):
    """A coarse layer's tile (B01 at 60 m covers 3 x 3 jobs of a 20 m mosaic) is read once for
    the jobs of every thread; past the budget the least recently used tile goes."""
    import threading

    from s2gm_qgis.core.mosaic.sources import gdal_reads

    dataset, values = _raster(tmp_path / "t.jp2", "JP2OpenJPEG", _JP2_128)
    cache = DatasetCache()

    def job(xoff, yoff):
        from osgeo import gdal

        mine = gdal.Open(str(tmp_path / "t.jp2"))  # each thread its own handle
        cache.next_job()
        data = cache.read_window(mine, "t.jp2", xoff, yoff, 40, 40, coarse=True)
        np.testing.assert_array_equal(data, values[yoff:yoff + 40, xoff:xoff + 40])
        assert not data.flags.writeable

    for xoff, yoff in ((0, 0), (40, 0), (80, 40), (0, 80)):
        thread = threading.Thread(target=job, args=(xoff, yoff))
        thread.start()
        thread.join()
    assert tile_reads == [(0, 0, 128, 128)]
    monkeypatch.setattr(gdal_reads, "COARSE_TILE_BYTES", 128 * 128 * 2)  # one tile
    job(130, 0)
    job(0, 0)
    assert tile_reads == [(0, 0, 128, 128), (128, 0, 128, 128), (0, 0, 128, 128)]
    # Two tiles of room: a tile used again is the most recent, the other one goes first.
    monkeypatch.setattr(gdal_reads, "COARSE_TILE_BYTES", 2 * 128 * 128 * 2)
    del tile_reads[:]
    job(130, 0)  # kept: (0, 0) and (128, 0)
    job(0, 0)  # used again, the most recent
    job(0, 130)  # (128, 0) makes room
    job(0, 0)
    job(130, 0)
    assert tile_reads == [(128, 0, 128, 128), (0, 128, 128, 72), (128, 0, 128, 128)]


def test_whole_width_strips_are_not_read_whole(tmp_path, monkeypatch, tile_reads):
    """A striped GeoTIFF (blocks as wide as the raster) is read window by window."""
    from s2gm_qgis.core.mosaic.sources import gdal_reads as observations

    monkeypatch.setattr(observations, "REGION_MAX_PX", 256)
    dataset, values = _raster(tmp_path / "s.tif", "GTiff", ["TILED=NO", "BLOCKYSIZE=16"])
    assert dataset.GetRasterBand(1).GetBlockSize() == [300, 16]
    data = DatasetCache().read_window(dataset, "s.tif", 10, 5, 20, 20)
    np.testing.assert_array_equal(data, values[5:25, 10:30])
    assert tile_reads == [(10, 5, 20, 20)]


def test_whole_tiles_read_leave_gdal_block_cache_as_it_was(tmp_path):
    from osgeo import gdal

    dataset, values = _raster(tmp_path / "t.jp2", "JP2OpenJPEG", _JP2_128)
    before = gdal.GetCacheUsed()
    cache = DatasetCache()
    for window in [(0, 0, 64, 64), (128, 0, 128, 128), (0, 128, 300, 72)]:
        data = cache.read_window(dataset, "t.jp2", *window)
        np.testing.assert_array_equal(data, values[window[1]:window[1] + window[3],
                                                   window[0]:window[0] + window[2]])
    assert gdal.GetCacheUsed() == before
