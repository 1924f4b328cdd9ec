"""Benchmark of the engine on Dask -> tests/bench/results/dask.json.

A 4-tile order (four Sentinel-2 tiles of UTM zone 32, 32TNM 32TPM 32TNL 32TPL, three June 2024
dates each, a 12 km window per tile at 10 m: four output grids of about 1160 x 1160 px, every layer, COG out; one Dask task per grid)
measured in one run:

* ``single_process_s``: ``run_mosaic`` in this process with one engine thread (the work of one
  Dask worker, without Dask);
* ``dask_1_worker_s`` / ``dask_2_workers_s``: the same order on a ``LocalCluster`` of 1 and
  then 2 worker processes (one thread each, 2 GB each), cluster start excluded (``start_s``);
  ``speedup_2_vs_1`` is their ratio (the machine has ``cpu_count`` cores, shared);
* ``task_s_N`` (each task's own time on its worker), ``until_assembly_s_N`` and ``assembly_s_N``
  (the parts copied into the S2GM folder and converted to COG, on the service host);
* ``overhead_per_task_s``: what Dask adds per task of the order, (dask_1_worker_s -
  single_process_s) / tasks: shipping the observations, the part written then copied into the
  S2GM folder, events; and ``noop_task_roundtrip_ms``: submit-to-result of an empty task on
  the cluster (the scheduler's own cost).

Outputs are checked equal to the single-process run's. The products are generated once into
tests/bench/cache/dask_<size> (a minute). ``--quick``: 2.4 km windows.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.common import REPO_ROOT, write_results  # noqa: E402


def _noop(x):
    return x


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    size = 240 if args.quick else 1200

    from s2gm_qgis.core.mosaic.engine import run_mosaic
    from s2gm_qgis.core.mosaic.order import MosaicOrder
    from s2gm_qgis.core.orders.dask_engine import DaskEngine
    from tests.unit.dask_support import INTERIOR_TILES, assert_same_rasters, four_tile_archive

    cache = REPO_ROOT / "tests/bench/cache" / f"dask_{size}"
    started = time.perf_counter()
    cache.mkdir(parents=True, exist_ok=True)
    aoi = four_tile_archive(cache, size_10m=size, tiles=INTERIOR_TILES)
    generate_s = time.perf_counter() - started
    order = MosaicOrder.create(name="bench", aoi=aoi, period="month", start="2024-06-01",
                               resolution_m=10, format="cog")
    work = Path(tempfile.mkdtemp(prefix="s2gm-bench-dask-"))
    results = {"order": {"tiles": 4, "dates": 3, "window_10m_px": size, "resolution_m": 10,
                         "format": "cog", "layers": len(order.bands)},
               "cpu_count": os.cpu_count(), "generate_s": round(generate_s, 1)}
    try:
        # A first run warms the page cache and the catalogue for all three measured runs.
        run_mosaic(order, [cache], work / "warm", workers=1,
                   catalogue_path=work / "catalogue.sqlite")
        t0 = time.perf_counter()
        single = run_mosaic(order, [cache], work / "single", workers=1,
                            catalogue_path=work / "catalogue.sqlite")
        results["single_process_s"] = round(time.perf_counter() - t0, 2)
        results["grids"] = [{"name": g.name, "width": g.width, "height": g.height}
                            for g in single.grids]
        for n in (1, 2):
            t0 = time.perf_counter()
            engine = DaskEngine(f"local:{n}").start()
            results[f"start_{n}_s"] = round(time.perf_counter() - t0, 2)
            try:
                client = engine.client()
                t0 = time.perf_counter()
                client.gather(client.map(_noop, range(200), pure=False))
                results[f"noop_task_roundtrip_ms_{n}"] = round(
                    (time.perf_counter() - t0) / 200 * 1000, 2)
                tasks = []
                assembling = []
                t0 = time.perf_counter()
                result = engine(order, [cache], work / f"dask{n}",
                                catalogue_path=work / "catalogue.sqlite",
                                task_progress=lambda ts: tasks.append(ts),
                                progress=lambda f, m: assembling.append(time.perf_counter())
                                if m.startswith("assembling") and not assembling else None)
                elapsed = time.perf_counter() - t0
                # Time inside the tasks (their own report), and the assembly on the service.
                results[f"task_s_{n}"] = [float(t.message.split()[2]) for t in tasks[-1]]
                results[f"until_assembly_s_{n}"] = round(assembling[0] - t0, 2)
                results[f"assembly_s_{n}"] = round(time.perf_counter() - assembling[0], 2)
                key = "dask_1_worker_s" if n == 1 else "dask_2_workers_s"
                results[key] = round(elapsed, 2)
                results["tasks"] = len(tasks[-1])
                results[f"workers_used_{n}"] = len({t.worker for t in tasks[-1]})
                results["identical_pixels"] = assert_same_rasters(single, result) > 0
            finally:
                engine.close()
        results["speedup_2_vs_1"] = round(results["dask_1_worker_s"]
                                          / results["dask_2_workers_s"], 2)
        results["overhead_per_task_s"] = round(
            (results["dask_1_worker_s"] - results["single_process_s"]) / results["tasks"], 3)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write_results("dask" if not args.quick else "dask_quick", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
