"""Synthetic Sentinel-2 L2A products in the compact SAFE layout (as written by the ESA ground
segment from baseline 02.07 on; metadata modelled on the real 05.09 product in
../shared/data/s2-samples)."""
from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Optional, Union

import numpy as np

from s2gm_qgis.core.bands import BANDS

from . import metadata as M
from . import naming as N
from . import radiometry as R
from . import xmlwrite as X
from .acquisition import Acquisition, DateLike, acquire, check_options, effective_scene, finish
from .footprints import write_detector_footprints
from .raster import StripWriter
from .scene import Scene, Surface

NS_PRODUCT = "https://psd-14.sentinel2.eo.esa.int/PSD/User_Product_Level-2A.xsd"
NS_TILE = "https://psd-14.sentinel2.eo.esa.int/PSD/S2_PDI_Level-2A_Tile_Metadata.xsd"

#: Layers of each IMG_DATA/Rxxm folder, in the order of the real Granule_List.
L2A_LAYERS: dict[int, tuple[str, ...]] = {
    10: ("B02", "B03", "B04", "B08", "TCI", "AOT", "WVP"),
    20: ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B8A", "B11", "B12", "TCI", "AOT",
         "WVP", "SCL"),
    60: ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B8A", "B09", "B11", "B12", "TCI",
         "AOT", "WVP", "SCL"),
}
L2A_BANDS = tuple(b for b in BANDS if b != "B10")
SCL_NAMES = ("SC_NODATA", "SC_SATURATED_DEFECTIVE", "SC_DARK_FEATURE_SHADOW", "SC_CLOUD_SHADOW",
             "SC_VEGETATION", "SC_NOT_VEGETATED", "SC_WATER", "SC_UNCLASSIFIED",
             "SC_CLOUD_MEDIUM_PROBA", "SC_CLOUD_HIGH_PROBA", "SC_THIN_CIRRUS", "SC_SNOW_ICE")


@dataclasses.dataclass(frozen=True)
class _Layout:
    safe: Path
    granule_rel: str  # GRANULE/L2A_T...
    stem: str  # T32TQM_20240612T103629
    ext: str

    def image_rel(self, layer: str, res: int) -> str:
        return f"{self.granule_rel}/IMG_DATA/R{res}m/{self.stem}_{layer}_{res}m"

    def qi_rel(self, name: str) -> str:
        return f"{self.granule_rel}/QI_DATA/{name}.{self.ext}"


def make_l2a(out_dir: Union[str, Path], *, tile: str = "32TQM",
             date: DateLike = "2024-06-12T10:36:29", spacecraft: str = "S2B",
             size_10m: int = 240, baseline: str = "05.10", scene: Optional[Scene] = None,
             relative_orbit: int = 8, fmt: str = "jp2", zip: bool = False, seed: int = 0,
             offset_10m: tuple[int, int] = (0, 0), cross_track_km: Optional[float] = None,
             swath_edge: bool = False) -> Path:
    """Write a synthetic L2A product into ``out_dir``; return the .SAFE folder (or the .zip).

    ``scene`` (default: uniform vegetation) says what lies where at 10 m; it must be
    ``size_10m`` square. ``date`` is the datatake start in the product name (a bare date gets
    the time of a 10:30-descending-node overpass). Reflectance DN = reflectance * 10000 -
    BOA_ADD_OFFSET (-1000 from baseline 04.00, none before); ``radiometry.expected_*`` give
    back exactly what is written for (scene, seed, baseline). ``offset_10m`` moves the written
    window inside the tile (rows, cols); ``cross_track_km`` is the image centre's distance east
    of the nadir track (default 10 km) and ``swath_edge`` puts it at 136 km, where the viewing
    zenith reaches 11 deg.
    """
    check_options(fmt, baseline, size_10m, scene)
    scene = scene if scene is not None else Scene.uniform(size_10m, Surface.VEGETATION)
    acq = acquire(spacecraft, tile, size_10m, date, offset_10m=offset_10m,
                  cross_track_km=cross_track_km, swath_edge=swath_edge)
    scene = effective_scene(scene, acq)
    geo = acq.tile
    generated = acq.generation_time
    abs_orbit = N.absolute_orbit(acq.spacecraft, acq.datatake_start)
    name = N.product_name("L2A", acq.spacecraft, acq.datatake_start, baseline, relative_orbit,
                          geo.tile, generated)
    out_dir = Path(out_dir)
    safe = out_dir / f"{name}.SAFE"
    if safe.exists() or safe.with_suffix(".zip").exists():
        raise FileExistsError(f"{safe}: product already exists; choose another out_dir or date")
    layout = _Layout(safe=safe,
                     granule_rel="GRANULE/" + N.granule_folder("L2A", geo.tile, abs_orbit,
                                                               acq.datastrip_start),
                     stem=f"T{geo.tile}_{N.stamp(acq.datatake_start)}", ext=fmt)
    for res in (10, 20, 60):
        (safe / layout.granule_rel / "IMG_DATA" / f"R{res}m").mkdir(parents=True)
    (safe / layout.granule_rel / "QI_DATA").mkdir()
    (safe / layout.granule_rel / "AUX_DATA").mkdir()
    (safe / "DATASTRIP" / N.datastrip_folder(acq.spacecraft, generated, acq.datastrip_start)
     / "QI_DATA").mkdir(parents=True)

    _write_rasters(layout, scene, geo, fmt, seed, baseline)
    scl20 = R.expected_layer(scene, "SCL", 20)
    masks = write_detector_footprints(safe, layout.granule_rel, acq, "L2A", baseline, fmt,
                                      abs_orbit, generated)
    masks += _write_qi_masks(layout, scene, geo, fmt)
    _write_tile_metadata(layout, acq, scene, baseline, generated, abs_orbit, scl20, masks)
    _write_product_metadata(layout, acq, baseline, generated, abs_orbit, relative_orbit, scl20,
                            name, scene.aot)
    return finish(safe, zip)


def _writer(layout: _Layout, rel: str, geo, res: int, fmt: str, dtype, bands: int = 1):
    return StripWriter(layout.safe / f"{rel}.{fmt}" if not rel.endswith(f".{fmt}")
                       else layout.safe / rel, geo.size(res), geo.size(res), dtype, geo.epsg,
                       geo.geotransform(res), fmt, bands=bands)


def _write_rasters(layout: _Layout, scene: Scene, geo, fmt: str, seed: int,
                   baseline: str) -> None:
    for band in L2A_BANDS:
        resolutions = tuple(r for r in (10, 20, 60) if band in L2A_LAYERS[r])
        writers = {res: _writer(layout, layout.image_rel(band, res), geo, res, fmt, np.uint16)
                   for res in resolutions}
        for res, row0, dn in R.iter_band_dn(scene, band, resolutions, seed=seed,
                                            baseline=baseline):
            writers[res].write(row0, dn)
        for writer in writers.values():
            writer.close()
    tci = {res: _writer(layout, layout.image_rel("TCI", res), geo, res, fmt, np.uint8, 3)
           for res in (10, 20, 60)}
    for res, row0, rgb in R.iter_tci(scene, (10, 20, 60), seed=seed, baseline=baseline):
        tci[res].write(row0, rgb)
    for writer in tci.values():
        writer.close()
    for layer in ("AOT", "WVP", "SCL"):
        for res in (10, 20, 60):
            if layer not in L2A_LAYERS[res]:
                continue
            dtype = np.uint8 if layer == "SCL" else np.uint16
            writer = _writer(layout, layout.image_rel(layer, res), geo, res, fmt, dtype)
            for row0, array in R.iter_layer_strips(scene, layer, res):
                writer.write(row0, array)
            writer.close()


def _write_qi_masks(layout: _Layout, scene: Scene, geo, fmt: str) -> list[tuple[dict, str]]:
    """MSK_CLDPRB / MSK_SNWPRB at 20 m and 60 m; returns (attributes, path) for MTD_TL."""
    listed = []
    for layer, mask_type in (("CLDPRB", "MSK_CLDPRB"), ("SNWPRB", "MSK_SNWPRB")):
        for res in (20, 60):
            rel = layout.qi_rel(f"{mask_type}_{res}m")
            writer = _writer(layout, rel, geo, res, fmt, np.uint8)
            for row0, array in R.iter_layer_strips(scene, layer, res):
                writer.write(row0, array)
            writer.close()
            listed.append(({"type": mask_type}, rel))
    listed.sort(key=lambda item: item[1].endswith("60m." + fmt))  # 20 m first, as real files
    return listed


def _scl_percentages(scl20: np.ndarray) -> dict[int, float]:
    counts = np.bincount(scl20.ravel(), minlength=12)
    total = max(int(counts.sum()), 1)
    valid = max(total - int(counts[0]), 1)
    out = {cls: 100.0 * counts[cls] / valid for cls in range(1, 12)}
    out[0] = 100.0 * counts[0] / total
    return out


def _cloud_cover(scl20: np.ndarray) -> float:
    pct = _scl_percentages(scl20)
    return pct[8] + pct[9] + pct[10]


def _image_content_qi(parent, scl20: np.ndarray, aot: float, product_level: bool) -> None:
    pct = _scl_percentages(scl20)
    qi = X.sub(parent, "Image_Content_QI")
    if not product_level:
        X.sub(qi, "CLOUDY_PIXEL_PERCENTAGE", f"{_cloud_cover(scl20):.6f}")
    land = scl20[(scl20 != 0) & (scl20 != 6)]
    land_cloud = 100.0 * np.isin(land, (8, 9, 10)).sum() / max(land.size, 1)
    X.sub(qi, "CLOUDY_PIXEL_OVER_LAND_PERCENTAGE", f"{land_cloud:.6f}")
    if not product_level:
        X.sub(qi, "DEGRADED_MSI_DATA_PERCENTAGE", "0.000000")
    for tag, cls in (("NODATA_PIXEL_PERCENTAGE", 0), ("SATURATED_DEFECTIVE_PIXEL_PERCENTAGE", 1),
                     ("DARK_FEATURES_PERCENTAGE", 2), ("CLOUD_SHADOW_PERCENTAGE", 3),
                     ("VEGETATION_PERCENTAGE", 4), ("NOT_VEGETATED_PERCENTAGE", 5),
                     ("WATER_PERCENTAGE", 6), ("UNCLASSIFIED_PERCENTAGE", 7),
                     ("MEDIUM_PROBA_CLOUDS_PERCENTAGE", 8), ("HIGH_PROBA_CLOUDS_PERCENTAGE", 9),
                     ("THIN_CIRRUS_PERCENTAGE", 10), ("SNOW_ICE_PERCENTAGE", 11)):
        X.sub(qi, tag, f"{pct[cls]:.6f}")
    X.sub(qi, "AOT_RETRIEVAL_METHOD", "CAMS")
    X.sub(qi, "GRANULE_MEAN_AOT", f"{aot:.6f}")
    X.sub(qi, "GRANULE_MEAN_WV", f"{R.WATER_VAPOUR_CM:.6f}")


def _write_tile_metadata(layout: _Layout, acq: Acquisition, scene: Scene, baseline: str,
                         generated: datetime, abs_orbit: int, scl20: np.ndarray,
                         masks: M.MaskList) -> None:
    M.write_tile_metadata(
        layout.safe / layout.granule_rel / "MTD_TL.xml", "L2A", NS_TILE, acq, scene, baseline,
        generated, abs_orbit, masks, f"{layout.granule_rel}/QI_DATA/{layout.stem}_PVI.jp2",
        lambda quality: _image_content_qi(quality, scl20, scene.aot, product_level=False))


def _write_product_metadata(layout: _Layout, acq: Acquisition, baseline: str,
                            generated: datetime, abs_orbit: int, relative_orbit: int,
                            scl20: np.ndarray, name: str, aot: float) -> None:
    top = X.root("Level-2A_User_Product", NS_PRODUCT)
    general = X.n1(top, "General_Info", NS_PRODUCT)
    granule = M.write_product_info(general, "L2A", acq, name, baseline, generated, abs_orbit,
                                   relative_orbit, layout.ext)
    for res in (10, 20, 60):
        for layer in L2A_LAYERS[res]:
            X.sub(granule, "IMAGE_FILE", layout.image_rel(layer, res))
    chars = X.sub(general, "Product_Image_Characteristics")
    M.write_display_values(chars)
    quant = X.sub(chars, "QUANTIFICATION_VALUES_LIST")
    X.sub(quant, "BOA_QUANTIFICATION_VALUE", f"{R.QUANTIFICATION:.0f}", unit="none")
    X.sub(quant, "AOT_QUANTIFICATION_VALUE", f"{R.AOT_QUANTIFICATION:.1f}", unit="none")
    X.sub(quant, "WVP_QUANTIFICATION_VALUE", f"{R.WVP_QUANTIFICATION:.1f}", unit="cm")
    M.write_radiometric_offsets(chars, baseline, "BOA_ADD_OFFSET_VALUES_LIST", "BOA_ADD_OFFSET")
    M.write_spectral_information(chars)
    X.sub(chars, "REFERENCE_BAND", 3)
    classes = X.sub(chars, "Scene_Classification_List")
    for index, text in enumerate(SCL_NAMES):
        element = X.sub(classes, "Scene_Classification_ID")
        X.sub(element, "SCENE_CLASSIFICATION_TEXT", text)
        X.sub(element, "SCENE_CLASSIFICATION_INDEX", index)
    quality = M.write_product_tail(top, NS_PRODUCT, acq, f"{_cloud_cover(scl20):.6f}")
    _image_content_qi(quality, scl20, aot, product_level=True)
    X.write(top, layout.safe / "MTD_MSIL2A.xml")
