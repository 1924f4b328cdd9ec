"""The disk cache of remote tiles: hits, LRU eviction within the budget, no torn files."""
from __future__ import annotations

import os
import time

import numpy as np

from s2gm_qgis.core.mosaic.sources.tile_cache import TileCache


def tile(value, shape=(64, 64)):
    return np.full(shape, value, dtype=np.uint16)


def test_tiles_come_back_equal_and_read_only(tmp_path):
    cache = TileCache(tmp_path, max_bytes=10 * 2**20)
    url = "/vsicurl/http://127.0.0.1:1/a/B04.tif"
    assert cache.get(url, 0, 0, 64, 64) is None
    cache.put(url, 0, 0, tile(7))
    got = cache.get(url, 0, 0, 64, 64)
    np.testing.assert_array_equal(got, tile(7))
    assert cache.get(url, 64, 0, 64, 64) is None  # another window
    assert cache.get(url, 0, 0, 32, 64) is None  # another shape


def test_least_recently_used_tiles_go_first(tmp_path):
    one = tile(1).nbytes + 128  # .npy header
    cache = TileCache(tmp_path, max_bytes=3 * one)
    for i in range(3):
        cache.put("u", i, 0, tile(i))
        time.sleep(0.01)
    os.utime(next(iter(sorted(tmp_path.glob("*.npy"), key=lambda p: p.stat().st_mtime))))
    cache.get("u", 0, 0, 64, 64)  # tile 0 used again: tile 1 is now the oldest
    time.sleep(0.01)
    cache.put("u", 3, 0, tile(3))
    assert cache.nbytes <= 3 * one
    assert cache.get("u", 1, 0, 64, 64) is None
    assert cache.get("u", 3, 0, 64, 64) is not None


def test_partial_files_of_an_interrupted_run_are_removed(tmp_path):
    (tmp_path / "abc.npy.part123").write_bytes(b"torn")
    (tmp_path / "bad.npy").write_bytes(b"not numpy")
    cache = TileCache(tmp_path)
    assert not list(tmp_path.glob("*.part*"))
    assert cache.get("x", 0, 0, 1, 1) is None
