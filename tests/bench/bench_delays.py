"""Benchmark of the inter-band delay core on the shared real N0301 zip.

- open: ``DelayInspector.open`` = product metadata, datastrip ephemeris, delay table and the 13
  MSK_DETFOO footprint indexes (pixel-step GML, 4.4 MB together). Cold = first open in a fresh
  interpreter (imports done beforehand); warm = later opens with the datastrip cache cleared.
  Target under 1 s.
- readout: ``inspector.readout(x, y)`` (all 13 bands: detectors, 12 corrected delays, sensing
  times) at 10,000 uniformly random points of the tile, in the default tile-centre mode and in
  point mode. Target median under 0.2 ms, p99 under 1 ms.
- naive: the same detectors through a naive path that re-reads and parses each band's mask and
  runs a point-in-polygon test per point, to show what the index saves (ratio of medians).
Writes tests/bench/results/delays.json and prints it.
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from s2gm_qgis.core.bands import BANDS  # noqa: E402
from s2gm_qgis.core.delays import DelayInspector, load_delay_table  # noqa: E402
from s2gm_qgis.core.delays.footprints import parse_detfoo_gml, read_bytes  # noqa: E402
from s2gm_qgis.core.safe.datastrip import _cached  # noqa: E402
from tests.bench.common import N0301_ZIP, REPO_ROOT, write_results  # noqa: E402

OPEN_TARGET_S = 1.0
READOUT_MEDIAN_TARGET_MS = 0.2
READOUT_P99_TARGET_MS = 1.0
N_POINTS = 10_000
N_NAIVE_POINTS = 15
WARM_RUNS = 5

COLD_SNIPPET = """
import sys, time
sys.path.insert(0, {root!r})
from s2gm_qgis.core.delays import DelayInspector
start = time.perf_counter()
DelayInspector.open({path!r})
print(time.perf_counter() - start)
"""


def cold_open_s() -> float:
    out = subprocess.run(
        [sys.executable, "-c", COLD_SNIPPET.format(root=str(REPO_ROOT), path=str(N0301_ZIP))],
        capture_output=True, text=True, check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def warm_open_s() -> list[float]:
    times = []
    for _ in range(WARM_RUNS):
        _cached.cache_clear()
        start = time.perf_counter()
        DelayInspector.open(str(N0301_ZIP))
        times.append(time.perf_counter() - start)
    return times


def random_points(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(499980, 609780, n), rng.uniform(8790220, 8900020, n)])


def time_readouts(inspector: DelayInspector, points: np.ndarray, mode: str) -> np.ndarray:
    inspector.readout(*points[0], ephemeris=mode)  # warm the per-detector delay cache
    times = np.empty(len(points))
    for i, (x, y) in enumerate(points):
        start = time.perf_counter()
        inspector.readout(x, y, ephemeris=mode)
        times[i] = time.perf_counter() - start
    return times


def _inside(rings, x, y) -> bool:
    inside = False
    for ring in rings:
        for (x0, y0), (x1, y1) in zip(ring[:-1].tolist(), ring[1:].tolist()):
            if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                inside = not inside
    return inside


def naive_readout(mask_paths: dict, table, x: float, y: float) -> dict:
    """Detectors of all bands by re-reading each mask and testing each polygon, then the
    delays from B02: what a lookup costs without the index."""
    detectors = {}
    for band, path in mask_paths.items():
        polygons = parse_detfoo_gml(read_bytes(path), path)
        found = sorted({p.detector for p in polygons if _inside(p.rings, x, y)})
        detectors[band] = tuple(found)
    if detectors["B02"]:
        d = detectors["B02"][0]
        _ = [table.delay_s("B02", b, d) for b in BANDS if b != "B02"]
    return detectors


def main() -> dict:
    cold = cold_open_s()
    warm = warm_open_s()
    inspector = DelayInspector.open(str(N0301_ZIP))
    points = random_points(N_POINTS)
    tile_centre = time_readouts(inspector, points, "tile-centre")
    point_mode = time_readouts(inspector, points, "point")
    inside = sum(1 for x, y in points[:2000] if inspector.index.lookup(x, y)["B02"]) / 2000

    masks = {b: inspector.product.granule.masks[("MSK_DETFOO", b)] for b in BANDS}
    table = load_delay_table("S2A")
    naive_points = random_points(N_NAIVE_POINTS, seed=1)
    naive_times = []
    for x, y in naive_points:
        start = time.perf_counter()
        expected = naive_readout(masks, table, x, y)
        naive_times.append(time.perf_counter() - start)
        assert expected == inspector.index.lookup(x, y), (x, y)

    def ms(values, q):
        return float(np.percentile(values, q) * 1e3)

    results = {
        "product": N0301_ZIP.name,
        "open_cold_s": round(cold, 4),
        "open_warm_median_s": round(statistics.median(warm), 4),
        "open_target_s": OPEN_TARGET_S,
        "open_ok": cold < OPEN_TARGET_S,
        "index_memory_mb": round(inspector.index.nbytes / 1e6, 2),
        "readout_points": N_POINTS,
        "readout_share_inside_b02_footprints": round(inside, 3),
        "readout_median_ms": round(ms(tile_centre, 50), 4),
        "readout_p99_ms": round(ms(tile_centre, 99), 4),
        "readout_point_mode_median_ms": round(ms(point_mode, 50), 4),
        "readout_point_mode_p99_ms": round(ms(point_mode, 99), 4),
        "readout_median_target_ms": READOUT_MEDIAN_TARGET_MS,
        "readout_p99_target_ms": READOUT_P99_TARGET_MS,
        "readout_ok": ms(tile_centre, 50) < READOUT_MEDIAN_TARGET_MS
        and ms(tile_centre, 99) < READOUT_P99_TARGET_MS,
        "naive_points": N_NAIVE_POINTS,
        "naive_median_ms": round(statistics.median(naive_times) * 1e3, 2),
        "naive_over_indexed_ratio": round(statistics.median(naive_times) / float(np.median(tile_centre))),
        "python": sys.version.split()[0],
    }
    write_results("delays", results)
    return results


if __name__ == "__main__":
    main()
