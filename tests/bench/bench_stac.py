"""Benchmark of the STAC source -> tests/bench/results/stac.json (``--quick``: stac_quick.json).

The products of the mosaic benchmark (one Sentinel-2 tile, 12 L2A observations of June 2024;
full size: 10980 px at 10 m) published as Earth Search ``sentinel-2-c1-l2a`` items (DEFLATE
COGs, 1024 px blocks) by ``tests/synthetic/stac.py``, the items in stac-fastapi-pgstac, the COGs
served by nginx with Range requests, all on 127.0.0.1. A 20 m mosaic of the whole tile (every
band and quality layer, COG out) is measured in one run against:

* ``gdal_read_s``: GDAL alone reading over /vsicurl/, with the engine's HTTP settings and as
  many threads, the same assets the engine reads, whole (the tile's mosaic needs every window
  of them), in 512-row strips. Both sides fetch over the same loopback, so the ratio is the
  engine's overhead over the reads it cannot avoid;
* ``bytes_fetched`` (nginx's access log: body bytes sent for the engine's run) against
  ``bytes_needed`` (the sizes of the assets the engine reads; the COGs have no overviews);
* ``peak_rss_mb`` of the engine's process (a child process, GDAL block cache as the command
  line sets it);
* CPU seconds of both sides (``engine_cpu_s``, ``gdal_cpu_s``; nginx's in ``*server_cpu_s``):
  on the uncapped loopback GDAL's reads keep both cores busy, so the ratio there is the
  engine's CPU over the decoding GDAL alone does.

``--link RATE`` (e.g. ``300mbit``) runs the same in a network namespace whose loopback carries
at most RATE for every connection together (tc's token bucket), as a user's link to Earth
Search would: results in stac_<N>_<RATE>.json. ``S2GM_BENCH_ENGINE_WORKERS=K``: the engine on K
threads (GDAL alone keeps as many as the cores), results named ..._<K>workers.json.

Targets (issue "Mosaics from remote Sentinel-2 L2A catalogues"): end to end <= 1.5 x GDAL alone,
bytes fetched <= 1.2 x bytes needed. The products and their COGs are made once into
tests/bench/cache/ (gitignored; the full size takes about 30 minutes on two cores).
"""
from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "bench"))

from bench_mosaic import WORKERS, prepare  # noqa: E402

COLLECTION = "sentinel-2-c1-l2a"


def published(products: list[Path], size: int, base_url: str) -> tuple[Path, list[dict]]:
    """The COGs of ``products`` under the cache (written once) and their items for ``base_url``."""
    from tests.synthetic.stac import publish

    folder = ROOT / "tests" / "bench" / "cache" / f"stac_{size}"
    folder.mkdir(parents=True, exist_ok=True)
    items = publish(products, folder, base_url, "earth-search", collection=COLLECTION,
                    workers=WORKERS)
    return folder, items


def warm_page_cache(folder: Path) -> None:
    """Read every served file once, so that neither side pays for the disk."""
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                while handle.read(2**24):
                    pass


def gdal_read(hrefs: list[str], threads: int) -> float:
    """Seconds for GDAL alone to read every asset whole over /vsicurl/ (engine settings)."""
    from osgeo import gdal

    from s2gm_qgis.core.mosaic.sources.network import HTTP_OPTIONS

    def read(href: str) -> None:
        for key, value in HTTP_OPTIONS.items():
            gdal.SetThreadLocalConfigOption(key, value)
        dataset = gdal.Open("/vsicurl/" + href)
        band = dataset.GetRasterBand(1)
        for row in range(0, dataset.RasterYSize, 512):
            band.ReadRaster(0, row, dataset.RasterXSize, min(512, dataset.RasterYSize - row))
        dataset = None

    gdal.VSICurlClearCache()
    start, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(read, hrefs))
    return time.perf_counter() - start, time.process_time() - cpu


def server_cpu_s(assets) -> float:
    """CPU seconds (user + system) of nginx's processes so far: its master and its workers."""
    master = int((assets.tempdir / "nginx.pid").read_text())
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == master or ppid == master:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def engine_child(api_url: str, out: str, product: str) -> dict:
    """In a child process: the mosaic of the whole tile from the STAC API, time and memory."""
    from s2gm_qgis.cli.mosaic import limit_gdal_cache
    from s2gm_qgis.core.mosaic.engine import run_mosaic
    from s2gm_qgis.core.mosaic.grid import OutputGrid
    from s2gm_qgis.core.mosaic.order import MosaicOrder
    from s2gm_qgis.core.mosaic.sources.spec import SourceSpec
    from s2gm_qgis.core.safe import open_product

    granule = open_product(product).granule
    grid = granule.grids[20]
    ring = granule.footprint_lonlat or open_product(product).footprint_lonlat
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    order = MosaicOrder.create(
        name="bench", aoi=f"{min(lons)},{min(lats)},{max(lons)},{max(lats)}", period="month",
        start="2024-06-01", resolution_m=20, format="cog",
        source=SourceSpec("custom", api_url, COLLECTION).to_dict())
    tile_grid = OutputGrid(f"T{granule.tile_id}", granule.epsg, grid.geotransform, grid.ncols,
                           grid.nrows, 20)
    limit_gdal_cache()
    stages: dict[str, float] = {}

    def progress(fraction: float, message: str) -> None:
        key = message.split(" ")[0]
        stages.setdefault(key, time.perf_counter())

    start, cpu = time.perf_counter(), time.process_time()
    workers = int(os.environ.get("S2GM_BENCH_ENGINE_WORKERS", WORKERS))
    result = run_mosaic(order, (), out, workers=workers, grids=[tile_grid], progress=progress)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "end_to_end_s": round(elapsed, 2),
        "engine_cpu_s": round(cpu, 1),
        "engine_workers": workers,
        "until_first_block_s": round(stages.get("block", start) - start, 2),
        "phases_s": {
            "until_first_block_done": round(stages.get("block", start) - start, 2),
            "blocks": round(stages.get("writing", start) - stages.get("block", start), 2),
            "writing_files": round(start + elapsed - stages.get("writing", start), 2),
        },
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "observations": len(result.source_products),
        "output_grid": f"{tile_grid.width}x{tile_grid.height}",
    }


@contextlib.contextmanager
def serving(size: int):
    """The products of ``size`` px published as STAC items and COGs on 127.0.0.1:
    yields (api, assets, products, folder), the page cache warm, the access log empty."""
    from tests.servers.assets import AssetServer
    from tests.servers.stac_api import StacApi

    products = prepare(size)
    folder = ROOT / "tests" / "bench" / "cache" / f"stac_{size}"
    folder.mkdir(parents=True, exist_ok=True)
    assets = AssetServer(folder)
    api = StacApi()
    try:
        _, items = published(products, size, assets.url)
        api.add_collection({
            "type": "Collection", "stac_version": "1.0.0", "id": COLLECTION,
            "license": "proprietary", "description": "synthetic Sentinel-2 L2A", "links": [],
            "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]},
                       "temporal": {"interval": [["2015-06-23T00:00:00Z", None]]}}})
        for item in items:
            item["collection"] = COLLECTION
        api.add_items(items)
        warm_page_cache(folder)
        assets.reset_log()
        yield api, assets, products, folder
    finally:
        api.stop()
        assets.stop()


def on_capped_link(rate: str) -> int:
    """This benchmark again in a network namespace whose loopback carries at most ``rate``
    (tc's token bucket filter: every connection of both sides shares it, as on a real link;
    needs root or user namespaces, and tc)."""
    setup = (f"ip link set lo up && tc qdisc add dev lo root tbf rate {rate} burst 256kb "
             f"latency 50ms && exec \"$@\"")
    command = ["unshare", "--net", "--map-root-user"] if os.geteuid() else ["unshare", "--net"]
    env = dict(os.environ, S2GM_BENCH_LINK=rate)
    return subprocess.run(command + ["sh", "-c", setup, "sh", sys.executable, *sys.argv],
                          env=env).returncode


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--engine-child":
        print(json.dumps(engine_child(sys.argv[2], sys.argv[3], sys.argv[4])))
        return 0
    quick = "--quick" in sys.argv
    # --size N: products of N px at 10 m (between the quick 1098 and the full 10980, for
    # profiling), results in stac_<N>.json.
    size = int(sys.argv[sys.argv.index("--size") + 1]) if "--size" in sys.argv else (
        1098 if quick else 10980)
    # --link RATE (e.g. 300mbit): the same run on a loopback capped at RATE for all connections
    # together (a token bucket on the loopback of a network namespace of its own), standing for
    # a user's link to the catalogue; results in stac_<N>_<RATE>.json.
    rate = sys.argv[sys.argv.index("--link") + 1] if "--link" in sys.argv else None
    if rate and os.environ.get("S2GM_BENCH_LINK") != rate:
        return on_capped_link(rate)
    work = Path(tempfile.mkdtemp(prefix="bench_stac_"))
    try:
        with serving(size) as (api, assets, products, folder):
            server_cpu = server_cpu_s(assets)
            child = subprocess.run(
                [sys.executable, __file__, "--engine-child", api.url, str(work / "out"),
                 str(products[0])], capture_output=True, text=True, cwd=ROOT)
            if child.returncode != 0:
                print(child.stderr, file=sys.stderr)
                return 1
            engine = json.loads(child.stdout.strip().splitlines()[-1])
            engine["server_cpu_s"] = round(server_cpu_s(assets) - server_cpu, 1)
            stats = assets.stats(r"\.tif$")
            # The rasters the engine chose to read (the tile's mosaic needs all of each), whole.
            paths = sorted({r.path for r in assets.requests(r"\.tif$")})
            bytes_needed = sum((folder / p.lstrip("/")).stat().st_size for p in paths)
            hrefs = [assets.url + p for p in paths]
            assets.reset_log()
            server_cpu = server_cpu_s(assets)
            gdal_s, gdal_cpu = gdal_read(hrefs, WORKERS)
            gdal_server_cpu = server_cpu_s(assets) - server_cpu
            gdal_stats = assets.stats(r"\.tif$")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    results = {
        "tile_size_10m": size, "link": rate or "loopback, uncapped",
        "observations": len(products), "output_resolution_m": 20,
        "workers": WORKERS, "assets_read": len(hrefs),
        "gdal_read_s": round(gdal_s, 2), "gdal_cpu_s": round(gdal_cpu, 1),
        "gdal_server_cpu_s": round(gdal_server_cpu, 1), "gdal_read_mb": round(gdal_stats.body_bytes / 1e6, 1),
        "gdal_requests": gdal_stats.requests, "gdal_connections": gdal_stats.connections,
        **engine,
        "end_to_end_over_gdal_read": round(engine["end_to_end_s"] / gdal_s, 2),
        "bytes_needed_mb": round(bytes_needed / 1e6, 1),
        "bytes_fetched_mb": round(stats.body_bytes / 1e6, 1),
        "requests": stats.requests, "range_requests": stats.range_requests,
        "connections": stats.connections,
        "fetched_over_needed": round(stats.body_bytes / bytes_needed, 3),
    }
    results["targets"] = {
        "end_to_end_le_1.5x_gdal_read": results["end_to_end_over_gdal_read"] <= 1.5,
        "bytes_fetched_le_1.2x_needed": results["fetched_over_needed"] <= 1.2,
    }
    name = "stac_quick.json" if size == 1098 else "stac.json" if size == 10980 else f"stac_{size}.json"
    if rate:
        name = f"stac_{size}_{rate}.json"
    if engine["engine_workers"] != WORKERS:
        name = name.replace(".json", f"_{engine['engine_workers']}workers.json")
    out = ROOT / "tests" / "bench" / "results" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
