"""Benchmark of the SAFE reader (issue "Read real Sentinel-2 products").

Measures opening the shared real N0301 zip (product + tile metadata with 156 angle grids) plus
parsing its 2.7 MB MTD_DS.xml (94 GPS points, 156 Band_Time_Stamp), target < 0.5 s:
- cold: the first open in a fresh interpreter (imports done beforehand, nothing cached in the
  process; the OS file cache is left alone: dropping it would hurt the other users of the machine);
- warm: later opens in the same process, with the datastrip cache cleared before each so that the
  datastrip is really parsed again;
- cached: ``read_datastrip`` again for the same file version (the per-process cache hit);
- inflated datastrip: the same MTD_DS.xml padded to about 12 MB with attitude records after the
  GPS points (real files reach 10+ MB that way), parsed from a plain file.
Writes tests/bench/results/reader.json and prints it.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from s2gm_qgis.core.safe import open_product, product_datastrip, read_datastrip  # noqa: E402
from s2gm_qgis.core.safe.datastrip import _cached  # noqa: E402
from tests.bench.common import N0301_ZIP, REPO_ROOT, write_results  # noqa: E402

TARGET_S = 0.5
RUNS = 15

COLD_SNIPPET = """
import sys, time
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
from s2gm_qgis.core.safe import open_product, product_datastrip
t1 = time.perf_counter()
product = open_product({zip!r})
datastrip = product_datastrip(product)
t2 = time.perf_counter()
assert len(datastrip.ephemeris.gps_time) == 94
print(t1 - t0, t2 - t1)
"""


def open_and_parse(path: str) -> float:
    _cached.cache_clear()
    start = time.perf_counter()
    product = open_product(path)
    datastrip = product_datastrip(product)
    elapsed = time.perf_counter() - start
    assert len(datastrip.ephemeris.gps_time) == 94
    return elapsed


def cold_runs(count: int) -> tuple[list[float], list[float]]:
    imports, opens = [], []
    code = COLD_SNIPPET.format(root=str(REPO_ROOT), zip=str(N0301_ZIP))
    for _ in range(count):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout.split()
        imports.append(float(out[0]))
        opens.append(float(out[1]))
    return imports, opens


def inflated_datastrip(folder: str) -> tuple[str, int]:
    with zipfile.ZipFile(N0301_ZIP) as archive:
        name = next(n for n in archive.namelist() if n.endswith("/MTD_DS.xml"))
        data = archive.read(name)
    marker = b"</n1:Satellite_Ancillary_Data_Info>"
    record = (b"<Attitude_Padding><QUATERNION_VALUES>0.1 0.2 0.3 0.4</QUATERNION_VALUES>"
              b"<GPS_TIME>2021-07-13T03:20:38.000000</GPS_TIME></Attitude_Padding>\n")
    padding = record * (9_500_000 // len(record))
    inflated = data.replace(marker, padding + marker, 1)
    path = os.path.join(folder, "MTD_DS.xml")
    with open(path, "wb") as stream:
        stream.write(inflated)
    return path, len(inflated)


def main() -> dict:
    path = str(N0301_ZIP)
    cold_import_s, cold_open_s = cold_runs(5)
    warm = [open_and_parse(path) for _ in range(RUNS)]
    product = open_product(path)
    product_datastrip(product)
    cached = []
    for _ in range(RUNS):
        start = time.perf_counter()
        read_datastrip(product.datastrip_path)
        cached.append(time.perf_counter() - start)
    open_only = []
    for _ in range(RUNS):
        start = time.perf_counter()
        open_product(path)
        open_only.append(time.perf_counter() - start)
    with tempfile.TemporaryDirectory() as folder:
        big_path, big_size = inflated_datastrip(folder)
        inflated = []
        for _ in range(5):
            _cached.cache_clear()
            start = time.perf_counter()
            datastrip = read_datastrip(big_path)
            inflated.append(time.perf_counter() - start)
            assert len(datastrip.ephemeris.gps_time) == 94
    results = {
        "product": N0301_ZIP.name,
        "target_open_plus_datastrip_s": TARGET_S,
        "cold_open_plus_datastrip_median_s": round(statistics.median(cold_open_s), 4),
        "cold_runs": len(cold_open_s),
        "cold_import_median_s": round(statistics.median(cold_import_s), 4),
        "warm_open_plus_datastrip_median_s": round(statistics.median(warm), 4),
        "warm_open_plus_datastrip_max_s": round(max(warm), 4),
        "warm_runs": len(warm),
        "open_product_only_median_s": round(statistics.median(open_only), 4),
        "datastrip_cache_hit_median_s": round(statistics.median(cached), 6),
        "inflated_datastrip_bytes": big_size,
        "inflated_datastrip_parse_median_s": round(statistics.median(inflated), 4),
        "meets_target": max(statistics.median(cold_open_s), statistics.median(warm)) < TARGET_S,
        "python": sys.version.split()[0],
    }
    write_results("reader", results)
    return results


if __name__ == "__main__":
    sys.exit(0 if main()["meets_target"] else 1)
