"""Synthetic Sentinel-2 L1C products in the compact SAFE layout, with a datastrip (MTD_DS.xml:
band time stamps, GPS ephemeris) and detector footprints (GML before baseline 04.00, rasters
from 04.00), modelled on the real N0301 and N0500 products in ../shared/data/s2-samples."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Optional, Union

import numpy as np

from s2gm_qgis.core.bands import BANDS, CENTRAL_WAVELENGTH_NM, NATIVE_RESOLUTION_M

from . import naming as N
from . import radiometry as R
from . import xmlwrite as X
from .acquisition import (Acquisition, DateLike, acquire, finish, footprint_lonlat,
                          write_tile_angles, write_tile_geocoding)
from .datastrip import write_datastrip
from .footprints import write_detfoo_gml, write_detfoo_raster
from .l2a import TCI_MAX_REFLECTANCE, _check, _effective_scene
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
    _check(fmt, baseline, size_10m, scene)
    scene = scene if scene is not None else Scene.uniform(size_10m, Surface.VEGETATION)
    acq = acquire(spacecraft, tile, size_10m, date, offset_10m=offset_10m,
                  cross_track_km=cross_track_km, swath_edge=swath_edge)
    scene = _effective_scene(scene, acq)
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
    masks = _write_footprints(safe, granule_rel, acq, fmt, baseline, abs_orbit, generated)
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
    offset = R.radiometric_offset(baseline)
    rel = f"{granule_rel}/IMG_DATA/{stem}_TCI"
    writer = StripWriter(safe / f"{rel}.{fmt}", geo.size(10), geo.size(10), np.uint8, geo.epsg,
                         geo.geotransform(10), fmt, bands=3)
    streams = [R.iter_band_dn(scene, b, (10,), seed=seed, baseline=baseline, level="L1C")
               for b in ("B04", "B03", "B02")]
    for (_, row0, red), (_, _, green), (_, _, blue) in zip(*streams):
        planes = []
        for dn in (red, green, blue):
            refl = (dn.astype(np.float32) + np.float32(offset)) / np.float32(R.QUANTIFICATION)
            value = np.clip(np.rint(refl / TCI_MAX_REFLECTANCE * 254) + 1, 1, 255).astype(np.uint8)
            value[dn == 0] = 0
            planes.append(value)
        writer.write(row0, np.stack(planes))
    writer.close()
    listed.append(rel)
    return listed


def _write_footprints(safe: Path, granule_rel: str, acq: Acquisition, fmt: str, baseline: str,
                      abs_orbit: int, generated: datetime) -> list[tuple[dict, str]]:
    raster = float(baseline) >= 4.0
    listed = []
    for band_id, band in enumerate(BANDS):
        if raster:
            rel = f"{granule_rel}/QI_DATA/MSK_DETFOO_{band}.{fmt}"
            write_detfoo_raster(safe / rel, acq, NATIVE_RESOLUTION_M[band], fmt)
        else:
            rel = f"{granule_rel}/QI_DATA/MSK_DETFOO_{band}.gml"
            mask_id = (f"{acq.spacecraft}_OPER_MSK_DETFOO_{N.PROCESSING_CENTRE[acq.spacecraft]}_"
                       f"{N.stamp(generated)}_A{abs_orbit:06d}_T{acq.tile.tile}_{band}_MSIL1C")
            write_detfoo_gml(safe / rel, acq, band, mask_id)
        listed.append(({"bandId": band_id, "type": "MSK_DETFOO"}, rel))
    return listed


def _write_tile_metadata(path: Path, acq: Acquisition, scene: Scene, baseline: str,
                         generated: datetime, abs_orbit: int, masks, cloud_pct: float,
                         granule_rel: str, stem: str) -> None:
    top = X.root("Level-1C_Tile_ID", NS_TILE)
    general = X.n1(top, "General_Info", NS_TILE)
    X.sub(general, "TILE_ID", N.tile_id(acq.spacecraft, "L1C", generated, abs_orbit,
                                        acq.tile.tile, baseline), metadataLevel="Brief")
    X.sub(general, "DATASTRIP_ID", N.datastrip_id(acq.spacecraft, "L1C", generated,
                                                  acq.datastrip_start, baseline),
          metadataLevel="Standard")
    X.sub(general, "DOWNLINK_PRIORITY", "NOMINAL", metadataLevel="Standard")
    X.sub(general, "SENSING_TIME", X.utc_text(acq.sensing_time, 6), metadataLevel="Standard")
    archiving = X.sub(general, "Archiving_Info", metadataLevel="Expertise")
    X.sub(archiving, "ARCHIVING_CENTRE", N.PROCESSING_CENTRE[acq.spacecraft])
    X.sub(archiving, "ARCHIVING_TIME", X.utc_text(generated, 6))
    geometric = X.n1(top, "Geometric_Info", NS_TILE)
    write_tile_geocoding(geometric, acq.tile)
    write_tile_angles(geometric, acq, scene.view_zenith_deg)
    quality = X.n1(top, "Quality_Indicators_Info", NS_TILE, metadataLevel="Standard")
    content = X.sub(quality, "Image_Content_QI")
    X.sub(content, "CLOUDY_PIXEL_PERCENTAGE", f"{cloud_pct:.4f}")
    X.sub(content, "DEGRADED_MSI_DATA_PERCENTAGE", 0)
    pixel = X.sub(quality, "Pixel_Level_QI", geometry="FULL_RESOLUTION")
    for attrs, rel in masks:
        X.sub(pixel, "MASK_FILENAME", rel, **attrs)
    X.sub(quality, "PVI_FILENAME", f"{granule_rel}/QI_DATA/{stem}_PVI.jp2")
    X.write(top, path)


def _write_product_metadata(path: Path, acq: Acquisition, baseline: str, generated: datetime,
                            abs_orbit: int, relative_orbit: int, name: str, images: list[str],
                            cloud_pct: float, fmt: str) -> None:
    top = X.root("Level-1C_User_Product", NS_PRODUCT)
    general = X.n1(top, "General_Info", NS_PRODUCT)
    info = X.sub(general, "Product_Info")
    X.sub(info, "PRODUCT_START_TIME", X.utc_text(acq.datatake_start))
    X.sub(info, "PRODUCT_STOP_TIME", X.utc_text(acq.datatake_start))
    X.sub(info, "PRODUCT_URI", f"{name}.SAFE")
    X.sub(info, "PROCESSING_LEVEL", "Level-1C")
    X.sub(info, "PRODUCT_TYPE", "S2MSI1C")
    X.sub(info, "PROCESSING_BASELINE", baseline)
    X.sub(info, "GENERATION_TIME", X.utc_text(generated, 6))
    X.sub(info, "PREVIEW_IMAGE_URL", "Not applicable")
    X.sub(info, "PREVIEW_GEO_INFO", "Not applicable")
    datatake = X.sub(info, "Datatake", datatakeIdentifier=N.datatake_id(
        acq.spacecraft, acq.datatake_start, abs_orbit, baseline))
    X.sub(datatake, "SPACECRAFT_NAME", N.SPACECRAFT_NAME[acq.spacecraft])
    X.sub(datatake, "DATATAKE_TYPE", "INS-NOBS")
    X.sub(datatake, "DATATAKE_SENSING_START", X.utc_text(acq.datatake_start))
    X.sub(datatake, "SENSING_ORBIT_NUMBER", relative_orbit)
    X.sub(datatake, "SENSING_ORBIT_DIRECTION", "DESCENDING")
    options = X.sub(info, "Query_Options", completeSingleTile="true")
    X.sub(options, "PRODUCT_FORMAT", "SAFE_COMPACT")
    granules = X.sub(X.sub(info, "Product_Organisation"), "Granule_List")
    granule = X.sub(granules, "Granule", datastripIdentifier=N.datastrip_id(
        acq.spacecraft, "L1C", generated, acq.datastrip_start, baseline),
        granuleIdentifier=N.tile_id(acq.spacecraft, "L1C", generated, abs_orbit, acq.tile.tile,
                                    baseline),
        imageFormat="JPEG2000" if fmt == "jp2" else "GEOTIFF")
    for rel in images:
        X.sub(granule, "IMAGE_FILE", rel)
    chars = X.sub(general, "Product_Image_Characteristics")
    for text, index in (("NODATA", R.NODATA_DN), ("SATURATED", R.SATURATED_DN)):
        special = X.sub(chars, "Special_Values")
        X.sub(special, "SPECIAL_VALUE_TEXT", text)
        X.sub(special, "SPECIAL_VALUE_INDEX", index)
    order = X.sub(chars, "Image_Display_Order")
    X.sub(order, "RED_CHANNEL", 3)
    X.sub(order, "GREEN_CHANNEL", 2)
    X.sub(order, "BLUE_CHANNEL", 1)
    X.sub(chars, "QUANTIFICATION_VALUE", f"{R.QUANTIFICATION:.0f}", unit="none")
    offset = R.radiometric_offset(baseline)
    if offset:
        offsets = X.sub(chars, "Radiometric_Offset_List")
        for band_id in range(len(BANDS)):
            X.sub(offsets, "RADIO_ADD_OFFSET", f"{offset:.0f}", band_id=band_id)
    spectral = X.sub(chars, "Spectral_Information_List")
    for band_id, band in enumerate(BANDS):
        element = X.sub(spectral, "Spectral_Information", bandId=band_id,
                        physicalBand=band.replace("B0", "B"))
        X.sub(element, "RESOLUTION", NATIVE_RESOLUTION_M[band])
        X.sub(X.sub(element, "Wavelength"), "CENTRAL", CENTRAL_WAVELENGTH_NM[band], unit="nm")
    geometric = X.n1(top, "Geometric_Info", NS_PRODUCT)
    outer = X.sub(geometric, "Product_Footprint")
    footprint = X.sub(X.sub(outer, "Product_Footprint"), "Global_Footprint")
    X.sub(footprint, "EXT_POS_LIST", " ".join(f"{lat!r} {lon!r}" for lon, lat in
                                              footprint_lonlat(acq.tile)) + " ")
    X.sub(outer, "RASTER_CS_TYPE", "POINT")
    X.sub(outer, "PIXEL_ORIGIN", 1)
    crs = X.sub(geometric, "Coordinate_Reference_System")
    X.sub(crs, "GEO_TABLES", "EPSG", version="1")
    X.sub(crs, "HORIZONTAL_CS_TYPE", "GEOGRAPHIC")
    X.n1(top, "Auxiliary_Data_Info", NS_PRODUCT)
    quality = X.n1(top, "Quality_Indicators_Info", NS_PRODUCT)
    X.sub(quality, "Cloud_Coverage_Assessment", f"{cloud_pct:.4f}")
    technical = X.sub(quality, "Technical_Quality_Assessment")
    X.sub(technical, "DEGRADED_ANC_DATA_PERCENTAGE", "0.0")
    X.sub(technical, "DEGRADED_MSI_DATA_PERCENTAGE", "0")
    X.write(top, path)
