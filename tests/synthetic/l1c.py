"""Synthetic Sentinel-2 L1C products in the compact SAFE layout, with a datastrip (MTD_DS.xml:
band time stamps, GPS ephemeris) and detector footprints (GML before baseline 04.00, rasters
from 04.00), modelled on the real N0301 and N0500 products in ../shared/data/s2-samples."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Optional, Union

import numpy as np

from s2gm_qgis.core.bands import BANDS, NATIVE_RESOLUTION_M

from . import metadata as M
from . import naming as N
from . import radiometry as R
from . import xmlwrite as X
from .acquisition import Acquisition, DateLike, acquire, check_options, effective_scene, finish
from .datastrip import write_datastrip
from .footprints import write_detector_footprints
from .raster import StripWriter
from .scene import Scene, Surface

NS_PRODUCT = "https://psd-14.sentinel2.eo.esa.int/PSD/User_Product_Level-1C.xsd"
NS_TILE = "https://psd-14.sentinel2.eo.esa.int/PSD/S2_PDI_Level-1C_Tile_Metadata.xsd"


def make_l1c(out_dir: Union[str, Path], *, tile: str = "32TQM",
             date: DateLike = "2024-06-12T10:36:29", spacecraft: str = "S2A",
             size_10m: int = 240, baseline: str = "03.01", scene: Optional[Scene] = None,
             relative_orbit: int = 8, fmt: str = "jp2", zip: bool = False,
             with_datastrip: bool = True, seed: int = 0, offset_10m: tuple[int, int] = (0, 0),
             cross_track_km: Optional[float] = None, swath_edge: bool = False) -> Path:
    """Write a synthetic L1C product; return the .SAFE folder (or the .zip).

    Top-of-atmosphere reflectance from ``scene`` (``radiometry``, level "L1C"); DN =
    reflectance * 10000 - RADIO_ADD_OFFSET (-1000 from 04.00). Detector footprints are GML
    (``baseline`` < 04.00) or MSK_DETFOO rasters at each band's resolution (>= 04.00).
    ``with_datastrip=False`` leaves DATASTRIP/ without MTD_DS.xml (as some real products).
    Other options as ``make_l2a``.
    """
    check_options(fmt, baseline, size_10m, scene)
    scene = scene if scene is not None else Scene.uniform(size_10m, Surface.VEGETATION)
    acq = acquire(spacecraft, tile, size_10m, date, offset_10m=offset_10m,
                  cross_track_km=cross_track_km, swath_edge=swath_edge)
    scene = effective_scene(scene, acq)
    geo = acq.tile
    generated = acq.generation_time
    abs_orbit = N.absolute_orbit(acq.spacecraft, acq.datatake_start)
    name = N.product_name("L1C", acq.spacecraft, acq.datatake_start, baseline, relative_orbit,
                          geo.tile, generated)
    safe = Path(out_dir) / f"{name}.SAFE"
    if safe.exists() or safe.with_suffix(".zip").exists():
        raise FileExistsError(f"{safe}: product already exists; choose another out_dir or date")
    granule_rel = "GRANULE/" + N.granule_folder("L1C", geo.tile, abs_orbit, acq.datastrip_start)
    stem = f"T{geo.tile}_{N.stamp(acq.datatake_start)}"
    for sub in ("IMG_DATA", "QI_DATA", "AUX_DATA"):
        (safe / granule_rel / sub).mkdir(parents=True)
    ds_dir = safe / "DATASTRIP" / N.datastrip_folder(acq.spacecraft, generated,
                                                      acq.datastrip_start)
    (ds_dir / "QI_DATA").mkdir(parents=True)

    images = _write_images(safe, granule_rel, stem, scene, acq, fmt, seed, baseline)
    masks = write_detector_footprints(safe, granule_rel, acq, "L1C", baseline, fmt, abs_orbit,
                                      generated)
    tile_id = N.tile_id(acq.spacecraft, "L1C", generated, abs_orbit, geo.tile, baseline)
    scl = R.expected_layer(scene, "SCL", 20)
    cloud_pct = 100.0 * float(np.isin(scl[scl != 0], (8, 9, 10)).mean()) if (scl != 0).any() \
        else 0.0
    _write_tile_metadata(safe / granule_rel / "MTD_TL.xml", acq, scene, baseline, generated,
                         abs_orbit, masks, cloud_pct, granule_rel, stem)
    _write_product_metadata(safe / "MTD_MSIL1C.xml", acq, baseline, generated, abs_orbit,
                            relative_orbit, name, images, cloud_pct, fmt)
    if with_datastrip:
        write_datastrip(ds_dir / "MTD_DS.xml", acq, baseline, relative_orbit, abs_orbit,
                        generated, [tile_id])
    return finish(safe, zip)


def _write_images(safe: Path, granule_rel: str, stem: str, scene: Scene, acq: Acquisition,
                  fmt: str, seed: int, baseline: str) -> list[str]:
    geo = acq.tile
    listed = []
    for band in BANDS:
        res = NATIVE_RESOLUTION_M[band]
        rel = f"{granule_rel}/IMG_DATA/{stem}_{band}"
        writer = StripWriter(safe / f"{rel}.{fmt}", geo.size(res), geo.size(res), np.uint16,
                             geo.epsg, geo.geotransform(res), fmt)
        for _, row0, dn in R.iter_band_dn(scene, band, (res,), seed=seed, baseline=baseline,
                                          level="L1C"):
            writer.write(row0, dn)
        writer.close()
        listed.append(rel)
    rel = f"{granule_rel}/IMG_DATA/{stem}_TCI"
    writer = StripWriter(safe / f"{rel}.{fmt}", geo.size(10), geo.size(10), np.uint8, geo.epsg,
                         geo.geotransform(10), fmt, bands=3)
    for _, row0, rgb in R.iter_tci(scene, (10,), seed=seed, baseline=baseline, level="L1C"):
        writer.write(row0, rgb)
    writer.close()
    listed.append(rel)
    return listed


def _write_tile_metadata(path: Path, acq: Acquisition, scene: Scene, baseline: str,
                         generated: datetime, abs_orbit: int, masks: M.MaskList,
                         cloud_pct: float, granule_rel: str, stem: str) -> None:
    def content_qi(quality) -> None:
        content = X.sub(quality, "Image_Content_QI")
        X.sub(content, "CLOUDY_PIXEL_PERCENTAGE", f"{cloud_pct:.4f}")
        X.sub(content, "DEGRADED_MSI_DATA_PERCENTAGE", 0)

    M.write_tile_metadata(path, "L1C", NS_TILE, acq, scene, baseline, generated, abs_orbit, masks,
                          f"{granule_rel}/QI_DATA/{stem}_PVI.jp2", content_qi)


def _write_product_metadata(path: Path, acq: Acquisition, baseline: str, generated: datetime,
                            abs_orbit: int, relative_orbit: int, name: str, images: list[str],
                            cloud_pct: float, fmt: str) -> None:
    top = X.root("Level-1C_User_Product", NS_PRODUCT)
    general = X.n1(top, "General_Info", NS_PRODUCT)
    granule = M.write_product_info(general, "L1C", acq, name, baseline, generated, abs_orbit,
                                   relative_orbit, fmt)
    for rel in images:
        X.sub(granule, "IMAGE_FILE", rel)
    chars = X.sub(general, "Product_Image_Characteristics")
    M.write_display_values(chars)
    X.sub(chars, "QUANTIFICATION_VALUE", f"{R.QUANTIFICATION:.0f}", unit="none")
    M.write_radiometric_offsets(chars, baseline, "Radiometric_Offset_List", "RADIO_ADD_OFFSET")
    M.write_spectral_information(chars)
    M.write_product_tail(top, NS_PRODUCT, acq, f"{cloud_pct:.4f}")
    X.write(top, path)
