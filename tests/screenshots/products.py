"""README pictures of the S2GM products on the benchmark's synthetic stack (12 dates of one
tile, June 2024, with moving clouds, shadows, haze and thin clouds that the SCL misses):

* resources/screenshots/temporal-vs-brightearth.png: the same AOI and month, a temporal mosaic
  (SCL mask, medoid) beside a BrightEarth mosaic, true colour with one fixed stretch;
* resources/screenshots/timeseries-dock.png: the time-series dock after a click on a pixel,
  NDVI and B04 over the month, rejected observations as grey rings, the date the mosaic chose
  marked.

    xvfb-run -a -s "-screen 0 1400x1000x24" .venv/bin/python tests/screenshots/products.py

(the products are generated once by ``tests/bench/bench_mosaic.py``'s ``prepare``, 1098 px).
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "tests" / "bench"))

import numpy as np  # noqa: E402
from osgeo import gdal  # noqa: E402
from qgis.core import QgsApplication  # noqa: E402

APP = QgsApplication([], True)
APP.initQgis()

from qgis.core import (  # noqa: E402
    QgsCoordinateReferenceSystem, QgsPointXY, QgsProject, QgsRasterLayer,
)
from qgis.PyQt.QtCore import QCoreApplication  # noqa: E402

from bench_mosaic import prepare  # noqa: E402
from s2gm_qgis.core.mosaic.engine import run_mosaic  # noqa: E402
from s2gm_qgis.core.mosaic.order import MosaicOrder  # noqa: E402
from s2gm_qgis.core.safe import open_product  # noqa: E402

OUT = REPO_ROOT / "resources" / "screenshots"
#: True colour stretch of both pictures: reflectance 0 -> 0, 0.25 -> 255.
STRETCH_MAX = 0.25


def rgb(result) -> np.ndarray:
    bands = []
    for name in ("B04", "B03", "B02"):
        dataset = gdal.Open(str(result.files[name][0]))
        band = dataset.GetRasterBand(1)
        values = band.ReadAsArray().astype("float64")
        scale, offset = band.GetScale() or 1.0, band.GetOffset() or 0.0
        nodata = band.GetNoDataValue()
        reflectance = values * scale + offset
        if nodata is not None:
            reflectance[values == nodata] = 0
        bands.append(np.clip(reflectance / STRETCH_MAX * 255, 0, 255).astype("uint8"))
    return np.stack(bands)


def write_png(array: np.ndarray, path: Path) -> None:
    memory = gdal.GetDriverByName("MEM").Create("", array.shape[2], array.shape[1], 3,
                                                gdal.GDT_Byte)
    for index in range(3):
        memory.GetRasterBand(index + 1).WriteArray(array[index])
    gdal.GetDriverByName("PNG").CreateCopy(str(path), memory)


def main() -> int:
    products = prepare(1098)
    product = open_product(products[0])
    ring = product.granule.footprint_lonlat or product.footprint_lonlat
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    aoi = f"{min(lons) + 0.01},{min(lats) + 0.01},{max(lons) - 0.01},{max(lats) - 0.01}"
    work = Path(tempfile.mkdtemp(prefix="s2gm-shots-"))
    common = dict(aoi=aoi, period="month", start="2024-06-01", resolution_m=20, bit_depth=16)
    temporal = run_mosaic(MosaicOrder.create(name="temporal", bands=["B02", "B03", "B04",
                                                                     "source_index"], **common),
                          [str(products[0].parent)], work / "temporal")
    bright = run_mosaic(MosaicOrder.create(name="brightearth", product="brightearth", **common),
                        [str(products[0].parent)], work / "brightearth")
    left, right = rgb(temporal), rgb(bright)
    height = min(left.shape[1], right.shape[1])
    width = min(left.shape[2], right.shape[2])
    gap = np.full((3, height, 8), 255, dtype="uint8")
    side = np.concatenate([left[:, :height, :width], gap, right[:, :height, :width]], axis=2)
    OUT.mkdir(parents=True, exist_ok=True)
    write_png(side, OUT / "temporal-vs-brightearth.png")

    from s2gm_qgis.qgis_support.results import style_layer
    from s2gm_qgis.qgis_support.preferences import Preferences
    from s2gm_qgis.gui.timeseries.feature import TimeSeriesFeature
    from tests.bench.delay_gui_window import WindowIface

    Preferences(archive_folders=(str(products[0].parent),),
                cache_folder=str(work / "cache")).save()
    layer = QgsRasterLayer(str(temporal.files["source_index"][0]), "temporal source_index",
                           "gdal")
    style_layer(layer, "source_index", temporal.source_products)
    QgsProject.instance().addMapLayer(layer)
    iface = WindowIface()
    series_feature = TimeSeriesFeature(iface)
    series_feature.dock.resize(620, 560)
    series_feature.dock.set_period(__import__("datetime").date(2024, 6, 1),
                    __import__("datetime").date(2024, 6, 30))
    series_feature.dock.set_quantities(["NDVI", "B04", "B08"])
    extent = layer.extent()
    # A pixel that some dates' clouds cover (the clouds move diagonally over the month).
    point = QgsPointXY(extent.xMinimum() + 0.40 * extent.width(),
                       extent.yMaximum() - 0.30 * extent.height())
    series_feature.dock.show()
    series_feature.compute_at(point, layer.crs())
    deadline = time.monotonic() + 120
    while (series_feature.task is not None or series_feature.series is None) \
            and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.02)
    valid = [p for p in series_feature.dock.plot.points()
             if p.observation.valid and p.quantity == "NDVI"]
    if valid:
        series_feature.dock.plot.hover_at(valid[len(valid) // 2].x, valid[len(valid) // 2].y)
    QCoreApplication.processEvents()
    series_feature.dock.grab().save(str(OUT / "timeseries-dock.png"), "PNG")
    print(OUT / "temporal-vs-brightearth.png", OUT / "timeseries-dock.png")
    series_feature.teardown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
