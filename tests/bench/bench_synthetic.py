"""Benchmark: time to generate synthetic products -> tests/bench/results/synthetic.json.

Full-size (10980 x 10980) L2A tile as compressed GeoTIFF; 240 px L2A and L1C as JPEG 2000.
Run with ``make bench`` (or alone: .venv/bin/python tests/bench/bench_synthetic.py [--quick]).
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.common import write_results  # noqa: E402
from tests.synthetic import Scene, Surface, make_l1c, make_l2a  # noqa: E402


def _timed(function, **kwargs) -> tuple[float, Path]:
    start = time.perf_counter()
    path = function(**kwargs)
    return time.perf_counter() - start, path


def main() -> int:
    quick = "--quick" in sys.argv
    results: dict[str, float | int | str] = {}
    work = Path(tempfile.mkdtemp(prefix="bench_synthetic_"))
    try:
        small, _ = _timed(make_l2a, out_dir=work / "a")
        results["l2a_240px_jp2_s"] = round(small, 3)
        l1c, _ = _timed(make_l1c, out_dir=work / "b")
        results["l1c_240px_jp2_gml_s"] = round(l1c, 3)
        size = 1098 if quick else 10980
        scene = (Scene.uniform(size, Surface.VEGETATION)
                 .with_surface((size // 2, size), (0, size // 2), Surface.WATER)
                 .with_cloud((0, size // 4), (0, size // 4)))
        full, path = _timed(make_l2a, out_dir=work / "c", size_10m=size, scene=scene, fmt="tif")
        results[f"l2a_{size}px_tif_s"] = round(full, 1)
        results[f"l2a_{size}px_tif_mb"] = round(
            sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6, 1)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write_results("synthetic", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
