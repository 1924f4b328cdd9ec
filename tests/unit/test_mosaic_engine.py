"""Known answers of the compositing engine on a synthetic stack of L2A products.

Seven products of one 1.2 km window of tile 32TQM in June 2024, designed region by region
(10 m pixels, regions on 60 m boundaries so no output pixel mixes two of them):

======  ===============  ==========================================================
region  rows x cols      what the dates see
======  ===============  ==========================================================
R1      0-24 x 0-24      clear on all six dates, undetected haze on date 1 -> medoid,
                         never date 1
R2      0-24 x 24-48     cloud on dates 0-3, clear on 4 and 5 -> STC with n = 2
R3      0-24 x 48-72     shadow (0, 1), saturated (2), no data (3), cirrus (4); clear on
                         date 5 only -> single observation, source_index 5
R4      0-24 x 72-96     cloud on every date -> no data, valid_obs 0
R5      48-72 x 0-24     real snow on every date, cloud labelled snow on dates 0 and 1
                         -> medoid of dates 2-5
R6      48-72 x 24-48    medium cloud on dates 0-2 -> STC with n = 3
======  ===============  ==========================================================

A seventh product (date 6, 2024-06-15) is clear everywhere but seen at a view zenith of 11 deg
(the swath-edge rule rejects >= 11): it is never chosen and never counted.
"""
from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from osgeo import gdal

from s2gm_qgis.core.errors import CancelledError, NoProductsError
from s2gm_qgis.core.mosaic.engine import composite_block
from s2gm_qgis.core.mosaic.grid import OutputGrid
from s2gm_qgis.core.mosaic.layers import LAYER_NAMES
from s2gm_qgis.core.mosaic.blocks import Block
from s2gm_qgis.core.mosaic.sources.gdal_reads import DatasetCache
from s2gm_qgis.core.mosaic.sources.safe_archive import open_sources
from tests.unit.reference_kernels import medoid_select_pairwise
from tests.synthetic import Scene, Surface, expected_reflectance, make_l2a, make_l2a_overlap

SIZE = 120
DATES = ["2024-06-03", "2024-06-08", "2024-06-13", "2024-06-18", "2024-06-23", "2024-06-28"]
SWATH_DATE = "2024-06-15"
R1, R2, R3, R4 = (slice(0, 24), slice(0, 24)), (slice(0, 24), slice(24, 48)), \
    (slice(0, 24), slice(48, 72)), (slice(0, 24), slice(72, 96))
R5, R6 = (slice(48, 72), slice(0, 24)), (slice(48, 72), slice(24, 48))


def scene_of(date_index: int) -> Scene:
    d = date_index
    scene = Scene.uniform(SIZE, Surface.VEGETATION).with_surface(R5[0], R5[1], Surface.SNOW)
    scene = scene.with_cloud(R4[0], R4[1])
    if d == 1:
        scene = scene.with_haze(R1[0], R1[1])
    if d < 4:
        scene = scene.with_cloud(R2[0], R2[1])
    if d in (0, 1):
        scene = scene.with_shadow(R3[0], R3[1]).with_cloud(R5[0], R5[1], as_snow=True)
    if d == 2:
        scene = scene.with_saturated(R3[0], R3[1])
    if d == 3:
        scene = scene.with_nodata(R3[0], R3[1])
    if d == 4:
        scene = scene.with_cirrus(R3[0], R3[1])
    if d < 3:
        scene = scene.with_cloud(R6[0], R6[1], medium=True)
    return scene


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    out = tmp_path_factory.mktemp("archive")
    paths = [make_l2a(out, size_10m=SIZE, date=date, scene=scene_of(i), seed=10 + i, fmt="tif",
                      spacecraft="S2A" if i % 2 else "S2B")
             for i, date in enumerate(DATES)]
    paths.append(make_l2a(out, size_10m=SIZE, date=SWATH_DATE, fmt="tif", seed=99,
                          scene=scene_of(5).with_view_zenith(11.0)))
    return out, paths


class Entry:  # what the catalogue returns, as far as open_sources reads it
    def __init__(self, path):
        self.path = path


@pytest.fixture(scope="module")
def sources(archive):
    found, skipped = open_sources([Entry(p) for p in archive[1]])
    assert not skipped
    return found


def tile_grid(source, resolution):
    g = source.granule.grids[10]
    width = g.ncols * 10 // resolution
    return OutputGrid("T", source.granule.epsg, (g.ulx_m, float(resolution), 0.0, g.uly_m, 0.0,
                                                 -float(resolution)), width, width, resolution)


@pytest.fixture(scope="module")
def composite(sources):
    grid = tile_grid(sources[0], 20)
    return composite_block(sources, Block(grid, 0, 0, grid.height, grid.width), LAYER_NAMES,
                           DatasetCache())


def at20(region):
    """A 20 m view of a 10 m region, one pixel in from its edges."""
    rows, cols = region
    return slice(rows.start // 2 + 1, rows.stop // 2 - 1), slice(cols.start // 2 + 1,
                                                                 cols.stop // 2 - 1)


def date_index(sources, date):
    return next(s.source_index for s in sources if s.sensing_time_utc.date().isoformat() == date)


def test_sources_are_indexed_in_sensing_order(sources):
    times = [s.sensing_time_utc for s in sources]
    assert times == sorted(times)
    assert [s.source_index for s in sources] == list(range(7))


def test_swath_edge_product_is_never_chosen_nor_counted(composite, sources):
    swath = date_index(sources, SWATH_DATE)
    assert not (composite.values["source_index"] == swath).any()
    assert np.nanmax(composite.values["valid_obs"]) == 6
    assert np.nanmax(composite.values["view_zenith_mean"]) < 11.0


def test_medoid_region_rejects_the_hazy_date(composite, sources):
    r = at20(R1)
    hazy = date_index(sources, DATES[1])
    index = composite.values["source_index"][r]
    assert np.isfinite(index).all() and not (index == hazy).any()
    assert (composite.values["valid_obs"][r] == 6).all()
    assert np.isfinite(composite.values["medoid_mos"][r]).all()


def test_medoid_choice_equals_the_reference_on_the_written_reflectances(composite, sources):
    # The six dates' reflectances as the generator wrote them, brought to 20 m by the rules
    # (B08: 2 x 2 mean of 10 m; the others from R20m), then the all-pairs reference medoid.
    features = []
    for band in ("B02", "B03", "B04", "B06", "B08", "B11", "B12"):
        per_date = []
        for i in range(6):
            if band == "B08":
                v = expected_reflectance(scene_of(i), band, 10, seed=10 + i)
                v = v.reshape(60, 2, 60, 2).mean(axis=(1, 3))
            else:
                v = expected_reflectance(scene_of(i), band, 20, seed=10 + i)
            per_date.append(v[at20(R1)].ravel())
        features.append(per_date)
    features = np.asarray(features, dtype=np.float32)
    index, total = medoid_select_pairwise(features, np.ones(features.shape[1:], dtype=bool))
    by_date = [date_index(sources, d) for d in DATES]
    expected = np.array(by_date)[index]
    np.testing.assert_array_equal(composite.values["source_index"][at20(R1)].ravel(), expected)
    np.testing.assert_allclose(composite.values["medoid_mos"][at20(R1)].ravel(), total / 6,
                               rtol=1e-5)


def test_stc_with_two_observations(composite, sources):
    r = at20(R2)
    allowed = {date_index(sources, DATES[4]), date_index(sources, DATES[5])}
    assert set(np.unique(composite.values["source_index"][r])) <= allowed
    assert (composite.values["valid_obs"][r] == 2).all()
    assert np.isnan(composite.values["medoid_mos"][r]).all()


def test_stc_with_three_observations(composite, sources):
    r = at20(R6)
    allowed = {date_index(sources, d) for d in DATES[3:]}
    assert set(np.unique(composite.values["source_index"][r])) <= allowed
    assert (composite.values["valid_obs"][r] == 3).all()


def test_single_observation_after_shadow_saturation_nodata_cirrus(composite, sources):
    r = at20(R3)
    assert (composite.values["source_index"][r] == date_index(sources, DATES[5])).all()
    assert (composite.values["valid_obs"][r] == 1).all()
    assert (composite.values["quality_scene_classification"][r] == 4).all()


def test_cloud_everywhere_gives_no_data(composite):
    r = at20(R4)
    for name in LAYER_NAMES:
        if name != "valid_obs":
            assert np.isnan(composite.values[name][r]).all(), name
    assert (composite.values["valid_obs"][r] == 0).all()


def test_snow_refinement_keeps_snow_and_drops_cloud_called_snow(composite, sources):
    r = at20(R5)
    assert (composite.values["valid_obs"][r] == 4).all()
    allowed = {date_index(sources, d) for d in DATES[2:]}
    assert set(np.unique(composite.values["source_index"][r])) <= allowed
    assert (composite.values["quality_scene_classification"][r] == 11).all()
    assert (composite.values["B03"][r] > 0.5).all()  # bright snow, not a dark fallback


def test_quality_layers_come_from_the_chosen_observation(composite, sources):
    scl = composite.values["quality_scene_classification"]
    cloud = composite.values["quality_cloud_confidence"]
    chosen = np.isfinite(composite.values["source_index"])
    assert set(np.unique(scl[chosen])) <= {4, 11}  # never cloud, shadow, cirrus, saturated
    assert np.nanmax(cloud[chosen]) < 50
    assert np.allclose(composite.values["quality_aot"][chosen], 0.1, atol=0.01)
    for name in ("view_zenith_mean", "view_azimuth_mean", "sun_zenith", "sun_azimuth"):
        assert np.isfinite(composite.values[name][chosen]).all(), name
    # Each date has its own sun position: the sun zenith follows the chosen date.
    sun = composite.values["sun_zenith"]
    source_index = composite.values["source_index"]
    for index in np.unique(source_index[chosen]):
        values = sun[source_index == index]
        assert values.max() - values.min() < 0.05  # one date: nearly uniform over 1.2 km


def test_counts_add_up(composite):
    c = composite.counts
    assert c["pixels_with_data"] + c["none"] == 60 * 60
    assert c["pixels_with_data"] == c["medoid"] + c["stc"] + c["single"]
    assert c["none"] == 12 * 12  # R4
    assert c["single"] == 12 * 12 and c["stc"] == 2 * 12 * 12


@pytest.mark.parametrize("resolution, block", [(20, (16, 23)), (30, (7, 9)), (60, (5, 5))])
def test_block_size_does_not_change_the_result(sources, resolution, block):
    grid = tile_grid(sources[0], resolution)
    cache = DatasetCache()
    layers = ("B02", "B08", "source_index", "valid_obs", "quality_scene_classification")
    full = composite_block(sources, Block(grid, 0, 0, grid.height, grid.width), layers, cache)
    for row0, col0, nrows, ncols in grid.blocks(*block):
        part = composite_block(sources, Block(grid, row0, col0, nrows, ncols), layers, cache)
        for name in layers:
            np.testing.assert_array_equal(part.values[name],
                                          full.values[name][row0:row0 + nrows, col0:col0 + ncols])


def test_long_stacks_are_composited_in_strips_with_the_same_result(sources, monkeypatch):
    """Memory does not grow with the number of observations: past the sample budget a block
    is composited in strips of rows; values and counts are those of the whole block."""
    from s2gm_qgis.core.mosaic import engine

    grid = tile_grid(sources[0], 20)
    cache = DatasetCache()
    layers = ("B02", "B08", "source_index", "valid_obs", "medoid_mos", "sun_zenith",
              "quality_aot", "quality_scene_classification")
    mask = np.ones(grid.shape, dtype=bool)
    mask[5:9, :] = False
    whole = composite_block(sources, Block(grid, 0, 0, grid.height, grid.width), layers, cache,
                            mask)
    seen = []
    real = engine._composite

    def spy(active, scl_rows, block, *args):
        seen.append((len(active), block.nrows))
        return real(active, scl_rows, block, *args)

    monkeypatch.setattr(engine, "_composite", spy)
    n_obs = len(sources)
    monkeypatch.setattr(engine, "SAMPLES_PER_STRIP", n_obs * grid.width * 7)
    assert engine.strip_rows(n_obs, grid.height, grid.width) == 7
    strips = composite_block(sources, Block(grid, 0, 0, grid.height, grid.width), layers, cache,
                             mask)
    assert len(seen) == -(-grid.height // 7) and all(rows <= 7 for _, rows in seen)
    assert strips.counts == whole.counts
    for name in layers:
        np.testing.assert_array_equal(strips.values[name], whole.values[name])


def test_aoi_mask_blanks_and_does_not_count_outside(sources):
    grid = tile_grid(sources[0], 60)
    mask = np.zeros(grid.shape, dtype=bool)
    mask[:, :10] = True
    out = composite_block(sources, Block(grid, 0, 0, grid.height, grid.width),
                          ("B02", "valid_obs"), DatasetCache(), mask)
    assert np.isnan(out.values["valid_obs"][:, 10:]).all()
    assert sum(out.counts[k] for k in ("pixels_with_data", "none")) == mask.sum()


def test_same_datatake_overlap_keeps_the_smaller_aot(tmp_path):
    hazy = Scene.uniform(60, Surface.SOIL).with_aot(0.3)
    clear = Scene.uniform(60, Surface.SOIL).with_aot(0.05)
    north, south = make_l2a_overlap(tmp_path, size_10m=60, scenes=(hazy, clear), fmt="tif")
    found, _ = open_sources([Entry(north), Entry(south)])
    assert [s.granule.tile_id for s in found] in (["32TQM", "32TQL"], ["32TQL", "32TQM"])
    grid = tile_grid(found[0], 20)
    out = composite_block(found, Block(grid, 0, 0, grid.height, grid.width),
                          ("source_index", "valid_obs", "quality_aot"), DatasetCache())
    south_index = next(s.source_index for s in found if s.granule.tile_id == "32TQL")
    assert (out.values["valid_obs"] == 1).all()  # one datatake: one observation
    assert (out.values["source_index"] == south_index).all()
    np.testing.assert_allclose(out.values["quality_aot"], 0.05, atol=0.002)


# ---------------------------------------------------------------------------------------------
# run_mosaic: catalogue, grids, threads, writers, all-or-nothing output
# ---------------------------------------------------------------------------------------------

def aoi_of(sources, shrink_deg=0.001):
    """A bbox AOI slightly inside the products' window."""
    ring = sources[0].granule.footprint_lonlat or sources[0].product.footprint_lonlat
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return (f"{min(lons) + shrink_deg},{min(lats) + shrink_deg},"
            f"{max(lons) - shrink_deg},{max(lats) - shrink_deg}")


def order_of(sources, **fields):
    from s2gm_qgis.core.mosaic.order import MosaicOrder

    values = dict(name="test", aoi=aoi_of(sources), period="month", start="2024-06-01",
                  resolution_m=20)
    values.update(fields)
    return MosaicOrder.create(**values)


def listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def pixel_value(path, x, y):
    """Decoded value of a single-band output at map coordinates (x, y)."""
    dataset = gdal.Open(str(path))
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    col, row = int((x - x0) / dx), int((y - y0) / dy)
    band = dataset.GetRasterBand(1)
    code = band.ReadAsArray(col, row, 1, 1)[0, 0]
    if code == band.GetNoDataValue():
        return None
    return code * (band.GetScale() or 1.0) + (band.GetOffset() or 0.0)


def r3_centre(sources):
    g = sources[0].granule.grids[10]
    return g.ulx_m + 60 * 10.0, g.uly_m - 12 * 10.0  # 10 m row 12, col 60


def test_run_mosaic_end_to_end(archive, sources, tmp_path):
    from s2gm_qgis.core.mosaic.engine import run_mosaic

    folder, _ = archive
    before = listing(folder)
    seen = []
    result = run_mosaic(order_of(sources), [folder], tmp_path / "out",
                        progress=lambda f, m: seen.append(f), workers=2)
    assert listing(folder) == before  # nothing written next to the products
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert result.output_dir.parent == tmp_path / "out"
    assert result.output_dir.name.startswith("S2GM_M20_20240601_20240630_test_STD_")
    assert [p.name for p in (tmp_path / "out").iterdir()] == [result.output_dir.name]
    assert len(result.source_products) == 7

    c = result.counts
    assert c["pixels_with_data"] == c["medoid"] + c["stc"] + c["single"] > 0
    assert c["none"] > 0  # R4

    source_index = result.files["source_index"][0]
    dataset = gdal.Open(str(source_index))
    assert dataset.GetSpatialRef().GetAuthorityCode(None) == "32632"
    assert dataset.GetGeoTransform()[1] == 20.0
    assert dataset.GetRasterBand(1).GetDescription() == "source_index"
    x, y = r3_centre(sources)
    assert pixel_value(source_index, x, y) == date_index(sources, DATES[5])
    assert pixel_value(result.files["valid_obs"][0], x, y) == 1

    metadata = json.loads(result.metadata_path.read_text())
    indices = metadata["SourceProductIndices"]
    assert {int(k) for k in indices} == set(range(7))
    for item in result.source_products:
        assert indices[str(item["index"])]["product_id"] == item["product_id"]
    assert metadata["counts"] == dict(result.counts)
    assert result.quicklook_paths and result.quicklook_paths[0].exists()
    summary = result.to_json_dict()
    json.dumps(summary)
    assert summary["counts"] == dict(c)


def test_a_job_read_ahead_by_several_workers_gives_the_same_mosaic_reading_each_tile_once(
        archive, sources, tmp_path, monkeypatch):
    """A run with fewer jobs than workers (this 60 x 60 grid is one job) has its idle workers
    read the job's tiles ahead, one observation each: the files are those of one worker, every
    tile is read once, by the workers together, and no file is opened twice."""
    from s2gm_qgis.core.mosaic import engine
    from s2gm_qgis.core.mosaic.sources import gdal_reads

    calls: dict[int, list] = {}

    def counting(name, real):
        def wrapper(*args, **kwargs):
            calls.setdefault(workers, []).append(
                (name, threading.current_thread().name,
                 tuple(args[1:6]) if name == "tiles" else args[0]))
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(gdal_reads, "_whole_tiles", counting("tiles", gdal_reads._whole_tiles))
    monkeypatch.setattr(gdal_reads, "open_raster", counting("open", gdal_reads.open_raster))
    monkeypatch.setattr(engine, "job_phase", lambda grid, observations: None)  # one job
    ahead = []
    real_ahead = gdal_reads.DatasetCache.reading_ahead
    monkeypatch.setattr(gdal_reads.DatasetCache, "reading_ahead",
                        lambda self: ahead.append(1) or real_ahead(self))
    outputs = {}
    for workers in (1, 3):
        result = engine.run_mosaic(order_of(sources), [archive[0]], tmp_path / f"w{workers}",
                                   workers=workers)
        outputs[workers] = {name: gdal.Open(str(paths[0])).ReadAsArray()
                            for name, paths in result.files.items()}
        assert result.counts["pixels_with_data"] > 0
    assert outputs[1].keys() == outputs[3].keys()
    for name, values in outputs[1].items():
        np.testing.assert_array_equal(outputs[3][name], values, err_msg=name)
    for workers in (1, 3):
        reads = [path for name, _, path in calls[workers] if name == "tiles"]
        opens = [path for name, _, path in calls[workers] if name == "open"]
        assert len(reads) == len(set(reads)) and len(opens) == len(set(opens))
    assert sorted(p for n, _, p in calls[3] if n == "tiles") == sorted(
        p for n, _, p in calls[1] if n == "tiles")
    assert len({thread for name, thread, _ in calls[3] if name == "tiles"}) > 1
    assert len(ahead) == len(sources)  # workers=3 only: one task per observation


def test_a_10_m_job_is_the_square_of_one_20_m_tile_block_square_after_square():
    """At 20 m a job is the 2 x 2 blocks of one 1024-pixel source tile; at 10 m the 4 x 4
    blocks one 20 m tile covers (each 20 m tile read by one job, not four), listed square of
    2 x 2 blocks after square (the 10 m tiles of a square done make room first)."""
    from s2gm_qgis.core.mosaic.engine import BLOCK_PX, job_windows

    def grid(resolution, size):
        return OutputGrid("T", 32632, (0.0, float(resolution), 0.0, 0.0, 0.0,
                                       -float(resolution)), size, size, resolution)

    at20 = job_windows(grid(20, 2100))
    assert len(at20) == 9 and at20[0] == [[(0, 0, 512, 512), (0, 512, 512, 512),
                                           (512, 0, 512, 512), (512, 512, 512, 512)]]
    at10 = job_windows(grid(10, 2100))
    assert len(at10) == 4 and [len(square) for square in at10[0]] == [4, 4, 4, 4]
    squares = [{(r // 1024, c // 1024) for r, c, _, _ in square} for square in at10[0]]
    assert squares == [{(0, 0)}, {(0, 1)}, {(1, 0)}, {(1, 1)}]
    for jobs, size in ((at20, 2100), (at10, 2100), (job_windows(grid(60, 700)), 700)):
        windows = [w for job in jobs for square in job for w in square]
        assert len(windows) == len(set(windows)) == (-(-size // BLOCK_PX)) ** 2
        assert sum(h * w for _, _, h, w in windows) == size * size


def test_jobs_start_on_the_source_tiles_and_the_pixels_do_not_change(archive, sources,
                                                                     tmp_path, monkeypatch):
    """An AOI's grid starts at the AOI: its jobs start where the observations' 1024-pixel
    20 m tiles do (job_phase), the first ones narrower, and blocks then straddle the output
    files' tiles. The files are the same, pixel for pixel, whatever the phase."""
    from s2gm_qgis.core.mosaic import engine
    from s2gm_qgis.core.mosaic.grid import plan_output_grids

    order = order_of(sources, format="cog")
    (grid,) = plan_output_grids(order)
    tile = sources[0].granule.grids[20]
    rows = round((grid.geotransform[3] - tile.uly_m) / 20.0)
    cols = round((tile.ulx_m - grid.geotransform[0]) / 20.0)
    assert engine.job_phase(grid, sources) == (rows % 1024, cols % 1024)
    at10 = OutputGrid("T", grid.epsg, (grid.geotransform[0], 10.0, 0.0, grid.geotransform[3],
                                       0.0, -10.0), 300, 300, 10)
    assert engine.job_phase(at10, sources) == ((2 * rows) % 2048, (2 * cols) % 2048)
    assert engine.job_phase(tile_grid(sources[0], 60), sources) is None

    outputs = {}
    for phase in (None, (37, 11), (5, 50)):
        monkeypatch.setattr(engine, "BLOCK_PX", 16)  # several jobs and blocks on 60 x 60
        monkeypatch.setattr(engine, "job_phase", lambda grid, observations: phase)
        result = engine.run_mosaic(order, [archive[0]], tmp_path / str(phase), workers=2)
        outputs[phase] = {name: gdal.Open(str(paths[0])) for name, paths in result.files.items()}
    for phase in ((37, 11), (5, 50)):
        for name, dataset in outputs[None].items():
            band, other = dataset.GetRasterBand(1), outputs[phase][name].GetRasterBand(1)
            np.testing.assert_array_equal(other.ReadAsArray(), band.ReadAsArray(), err_msg=name)
            for i in range(band.GetOverviewCount()):
                np.testing.assert_array_equal(other.GetOverview(i).ReadAsArray(),
                                              band.GetOverview(i).ReadAsArray())


def test_run_mosaic_in_wgs84_goes_through_reprojection(archive, sources, tmp_path):
    from s2gm_qgis.core.mosaic.engine import run_mosaic
    from osgeo import osr

    result = run_mosaic(order_of(sources, crs="wgs84", bands="B04,source_index,valid_obs"),
                        [archive[0]], tmp_path / "out")
    path = result.files["source_index"][0]
    assert gdal.Open(str(path)).GetSpatialRef().GetAuthorityCode(None) == "4326"
    utm, wgs = osr.SpatialReference(), osr.SpatialReference()
    utm.ImportFromEPSG(32632)
    wgs.ImportFromEPSG(4326)
    for srs in (utm, wgs):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    lon, lat, _ = osr.CoordinateTransformation(utm, wgs).TransformPoint(*r3_centre(sources))
    assert pixel_value(path, lon, lat) == date_index(sources, DATES[5])
    assert result.counts["pixels_with_data"] > 0


def test_cancel_leaves_nothing_behind(archive, sources, tmp_path):
    from s2gm_qgis.core.mosaic.engine import run_mosaic

    stop = threading.Event()

    def progress(fraction, message):
        if message.startswith("block"):
            stop.set()

    out = tmp_path / "out"
    with pytest.raises(CancelledError):
        run_mosaic(order_of(sources, resolution_m=10), [archive[0]], out, progress=progress,
                   cancel=stop, workers=1)
    assert not out.exists() or listing(out) == []


def test_no_product_for_the_period_is_a_clear_error(archive, sources, tmp_path):
    from s2gm_qgis.core.mosaic.engine import run_mosaic

    with pytest.raises(NoProductsError, match="2023-01-01"):
        run_mosaic(order_of(sources, start="2023-01-01"), [archive[0]], tmp_path / "out")
    assert listing(tmp_path / "out") == []


def test_a_persistent_catalogue_is_reused(archive, sources, tmp_path):
    from s2gm_qgis.core.mosaic.catalogue import Catalogue
    from s2gm_qgis.core.mosaic.engine import run_mosaic

    db = tmp_path / "catalogue.sqlite"
    order = order_of(sources, resolution_m=60, bands="B02,valid_obs")
    first = run_mosaic(order, [archive[0]], tmp_path / "a", catalogue_path=db)
    catalogue = Catalogue(db)
    assert len(catalogue.entries()) == 7
    second = run_mosaic(order, catalogue, tmp_path / "b")  # a ready catalogue, no scan
    assert first.counts == second.counts


def test_a_shared_catalogue_gives_only_the_products_of_the_run_archives(archive, sources,
                                                                       tmp_path):
    import shutil

    from s2gm_qgis.core.mosaic.engine import run_mosaic

    db = tmp_path / "catalogue.sqlite"
    order = order_of(sources, resolution_m=60, bands="B02,source_index")
    run_mosaic(order, [archive[0]], tmp_path / "a", catalogue_path=db)  # indexes 7 products
    other = tmp_path / "other"
    other.mkdir()
    shutil.copytree(archive[1][5], other / archive[1][5].name)
    result = run_mosaic(order, [other], tmp_path / "b", catalogue_path=db)
    assert [s["path"] for s in result.source_products] == [str(other / archive[1][5].name)]


def test_unreadable_products_are_skipped_with_their_reason(archive, sources, tmp_path):
    import shutil

    from s2gm_qgis.core.mosaic.engine import run_mosaic

    folder = tmp_path / "archive"
    shutil.copytree(archive[1][0], folder / archive[1][0].name)
    broken = folder / "S2B_MSIL2A_20240610T101559_N0510_R008_T32TQM_20240610T131912.SAFE"
    broken.mkdir()
    (broken / "MTD_MSIL2A.xml").write_text("<not-xml")
    result = run_mosaic(order_of(sources, resolution_m=60, bands="B02,source_index"), [folder],
                        tmp_path / "out")
    assert [p for p, _ in result.skipped] == [str(broken)]
    assert "MTD_MSIL2A.xml" in result.skipped[0][1]
    assert len(result.source_products) == 1 and result.counts["single"] > 0


def test_a_corrupt_raster_fails_the_run_and_leaves_nothing(archive, sources, tmp_path):
    import shutil

    from s2gm_qgis.core.errors import ProductError
    from s2gm_qgis.core.mosaic.engine import run_mosaic

    folder = tmp_path / "archive"
    copy = folder / archive[1][0].name
    shutil.copytree(archive[1][0], copy)
    band = next(copy.rglob("*_B05_20m.tif"))
    band.write_bytes(b"not a GeoTIFF")
    with pytest.raises(ProductError, match="B05_20m"):
        run_mosaic(order_of(sources, resolution_m=20, bands="B05,valid_obs"), [folder],
                   tmp_path / "out")
    assert listing(tmp_path / "out") == []


def test_zipped_products_are_read_in_place(sources, tmp_path):
    from s2gm_qgis.core.mosaic.engine import run_mosaic

    folder = tmp_path / "zips"
    for i, date in enumerate(DATES[:2]):
        make_l2a(folder, size_10m=60, date=date, seed=i, fmt="jp2", zip=True)
    before = listing(folder)
    assert all(name.endswith(".zip") for name in before)
    result = run_mosaic(order_of(sources, resolution_m=60, bands="B02,B08,source_index"),
                        [folder], tmp_path / "out")
    assert listing(folder) == before
    assert len(result.source_products) == 2
    assert result.counts["stc"] > 0


def test_explicit_output_grid_replaces_the_planned_ones(archive, sources, tmp_path):
    from s2gm_qgis.core.mosaic.engine import run_mosaic

    grid = tile_grid(sources[0], 60)  # the products' own 60 m grid, no AOI mask
    result = run_mosaic(order_of(sources, resolution_m=60, bands="B02,valid_obs"), [archive[0]],
                        tmp_path / "out", grids=[grid])
    assert [g.name for g in result.grids] == ["T"]
    dataset = gdal.Open(str(result.files["B02"][0]))
    assert (dataset.RasterXSize, dataset.RasterYSize) == (20, 20)
    assert dataset.GetGeoTransform() == grid.geotransform
    assert result.counts["pixels_with_data"] + result.counts["none"] == 400
