"""Output grids: UTM zones (with MGRS exceptions), hemispheres, MGRS 100 km splits named like
Sentinel-2 tiles, corners on multiples of the resolution, WGS84 steps, AOI masks."""
import re

import numpy as np
import pytest

from s2gm_qgis.core.mosaic.grid import (
    aoi_mask, latitude_band, mgrs_tile_id, plan_output_grids, utm_zone, wgs84_step_deg,
)
from s2gm_qgis.core.mosaic.order import MosaicOrder


def order(aoi, resolution_m=20, crs="utm"):
    return MosaicOrder.create(aoi=aoi, period="month", start="2023-08-01",
                              resolution_m=resolution_m, crs=crs)


def test_small_aoi_gives_one_aligned_utm_grid_covering_it():
    grids = plan_output_grids(order("10.0,45.0,10.2,45.1", resolution_m=60))
    assert len(grids) == 1
    grid = grids[0]
    assert (grid.name, grid.epsg, grid.resolution) == ("UTM32N", 32632, 60)
    x0, dx, rx, y0, ry, dy = grid.geotransform
    assert (dx, dy, rx, ry) == (60, -60, 0, 0)
    assert x0 % 60 == 0 and y0 % 60 == 0
    # 0.2 x 0.1 degree at 45 N is about 15.8 x 11.1 km
    assert 15_700 / 60 < grid.width < 16_000 / 60 + 2
    # taller than 11.1 km: the box is 1 degree east of the central meridian (grid convergence)
    assert 11_000 / 60 < grid.height < 11_400 / 60 + 2
    mask = aoi_mask(grid)
    assert mask.shape == grid.shape
    area_km2 = mask.sum() * 0.06 * 0.06
    assert area_km2 == pytest.approx(order("10.0,45.0,10.2,45.1").aoi.area_km2, rel=0.03)
    # a window of the mask equals the same window of the whole mask
    assert np.array_equal(aoi_mask(grid, 10, 20, 30, 40), mask[10:40, 20:60])


def test_aoi_across_a_zone_edge_and_the_equator_is_split():
    grids = plan_output_grids(order("11.9,-0.1,12.1,0.1"))
    assert [g.name for g in grids] == ["UTM32N", "UTM32S", "UTM33N", "UTM33S"]
    assert [g.epsg for g in grids] == [32632, 32732, 32633, 32733]
    # the southern grids use the false northing of 10,000,000 m, like Sentinel-2 tiles there
    assert grids[1].geotransform[3] == pytest.approx(10_000_000, abs=20)


def test_norway_and_svalbard_exceptions():
    assert utm_zone(5.0, 60.0) == 32 and utm_zone(2.0, 60.0) == 31 and utm_zone(5.0, 50.0) == 31
    assert [utm_zone(lon, 78.0) for lon in (5, 10, 20, 25, 35)] == [31, 33, 33, 35, 37]
    grids = plan_output_grids(order("4.5,60.0,5.5,60.2", resolution_m=60))
    assert [g.epsg for g in grids] == [32632]


def test_tile_ids_match_real_sentinel2_tiles():
    assert mgrs_tile_id(30, 45.5, 650_000, 5_050_000) == "30TXR"  # real sample T30TXR
    assert mgrs_tile_id(1, -16.5, 150_000, 8_150_000) == "01KAB"  # real sample T01KAB
    assert mgrs_tile_id(31, 48.85, 448_000, 5_411_000) == "31UDQ"  # Paris
    assert latitude_band(72.5) == "X" and latitude_band(84.0) == "X" and latitude_band(-80) == "C"


def test_large_aoi_is_split_per_mgrs_square_like_sentinel2_tiles():
    from s2gm_qgis.core.mosaic.aoi import parse_aoi

    # 2.2 x 1.3 degree holding T30TXR (UTM 30N, 600000..709800 E, 4990200..5100000 N)
    bbox = "-2.0,44.9,0.2,46.2"
    grids = plan_output_grids(order(bbox))
    names = [g.name for g in grids]
    assert all(re.fullmatch(r"(30|31)T[A-Z]{2}", n) for n in names)
    assert len(set(names)) == len(names)
    txr = next(g for g in grids if g.name == "30TXR")
    xmin, ymin, xmax, ymax = txr.bounds
    assert (xmin, ymin, xmax, ymax) == (600_000, 5_000_000, 700_000, 5_100_000)
    assert txr.epsg == 32630 and txr.width == txr.height == 5000
    assert {g.epsg for g in grids} == {32630, 32631}
    assert any(n.startswith("31T") for n in names)
    # Together the grids cover the AOI once.
    grids60 = plan_output_grids(order(bbox, resolution_m=60))
    total = sum(aoi_mask(g).sum() for g in grids60) * 0.06 * 0.06
    assert total == pytest.approx(parse_aoi(bbox).area_km2, rel=0.01)


def test_60m_grids_of_neighbouring_squares_share_at_most_one_pixel():
    grids = [g for g in plan_output_grids(order("-2.0,44.9,0.2,46.2", resolution_m=60))
             if g.epsg == 32630]
    for g in grids:
        x0, _, _, y0, _, _ = g.geotransform
        assert x0 % 60 == 0 and y0 % 60 == 0
        xmin, ymin, xmax, ymax = g.bounds
        assert (xmax - xmin) <= 100_000 + 120 and (ymax - ymin) <= 100_000 + 120


def test_wgs84_grid_step_alignment_and_antimeridian():
    assert wgs84_step_deg(10) == 1 / 11132 and wgs84_step_deg(60) == 1 / 1855
    (grid,) = plan_output_grids(order("10.0,45.0,10.2,45.1", resolution_m=60, crs="wgs84"))
    x0, dx, _, y0, _, dy = grid.geotransform
    assert grid.epsg == 4326 and grid.name == "WGS84" and dx == -dy == 1 / 1855
    assert round(x0 * 1855, 6) == round(x0 * 1855) and round(y0 * 1855, 6) == round(y0 * 1855)
    assert grid.width == 371 and grid.height == 186  # 0.2 x 1855 = 371, 0.1 x 1855 = 185.5
    grids = plan_output_grids(order("179.9,-17,-179.9,-16.9", resolution_m=60, crs="wgs84"))
    assert [g.name for g in grids] == ["WGS84E", "WGS84W"]
    assert grids[0].bounds[2] == pytest.approx(180) and grids[1].bounds[0] == pytest.approx(-180)


def test_blocks_cover_the_grid_exactly_once():
    (grid,) = plan_output_grids(order("10.0,45.0,10.2,45.1", resolution_m=60))
    seen = np.zeros(grid.shape, dtype=int)
    for r, c, h, w in grid.blocks(100, 70):
        seen[r:r + h, c:c + w] += 1
    assert np.all(seen == 1)
