"""Synthetic Sentinel-2 L2A products in the compact SAFE layout (as written by the ESA ground
segment from baseline 02.07 on; metadata modelled on the real 05.09 product in
../shared/data/s2-samples)."""
from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from s2gm_qgis.core.bands import BANDS, CENTRAL_WAVELENGTH_NM, NATIVE_RESOLUTION_M

from . import naming as N
from . import radiometry as R
from . import xmlwrite as X
from .acquisition import Acquisition, DateLike, acquire, finish, footprint_lonlat
from .acquisition import write_tile_angles, write_tile_geocoding
from .raster import StripWriter
from .scene import Scene, Surface
from .tiles import _ROW_LETTERS, parse_tile

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
#: TCI: reflectance 0..0.2 stretched to 1..255 (0 is no-data), as the L2A true-colour image.
TCI_MAX_REFLECTANCE = 0.2


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


def _check(fmt: str, baseline: str, size_10m: int, scene: Optional[Scene]) -> None:
    if fmt not in ("jp2", "tif"):
        raise ValueError(f"fmt={fmt!r}: expected 'jp2' or 'tif'")
    try:
        major, minor = baseline.split(".")
        int(major), int(minor)
    except ValueError:
        raise ValueError(f"baseline={baseline!r}: expected 'NN.NN' like '05.10'") from None
    if scene is not None and scene.shape != (size_10m, size_10m):
        raise ValueError(f"scene shape {scene.shape} differs from size_10m={size_10m}")


def _effective_scene(scene: Scene, acquisition: Acquisition) -> Scene:
    """The scene with the pixels beyond the swath turned into no-data."""
    outside = acquisition.outside_swath(10)
    if outside is None:
        return scene
    nodata = outside if scene.nodata is None else (scene.nodata | outside)
    return dataclasses.replace(scene, nodata=nodata)


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
    _check(fmt, baseline, size_10m, scene)
    scene = scene if scene is not None else Scene.uniform(size_10m, Surface.VEGETATION)
    acq = acquire(spacecraft, tile, size_10m, date, offset_10m=offset_10m,
                  cross_track_km=cross_track_km, swath_edge=swath_edge)
    scene = _effective_scene(scene, acq)
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
    masks = _write_detector_footprints(layout, acq, fmt, baseline, abs_orbit, generated)
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
    offset = R.radiometric_offset(baseline)
    tci = {res: _writer(layout, layout.image_rel("TCI", res), geo, res, fmt, np.uint8, 3)
           for res in (10, 20, 60)}
    streams = [R.iter_band_dn(scene, b, (10, 20, 60), seed=seed, baseline=baseline)
               for b in ("B04", "B03", "B02")]
    for (res, row0, red), (_, _, green), (_, _, blue) in zip(*streams):
        planes = []
        for dn in (red, green, blue):
            refl = (dn.astype(np.float32) + np.float32(offset)) / np.float32(R.QUANTIFICATION)
            value = np.clip(np.rint(refl / TCI_MAX_REFLECTANCE * 254) + 1, 1, 255)
            value = value.astype(np.uint8)
            value[dn == 0] = 0
            planes.append(value)
        tci[res].write(row0, np.stack(planes))
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


def _write_detector_footprints(layout: _Layout, acq: Acquisition, fmt: str, baseline: str,
                               abs_orbit: int, generated: datetime) -> list[tuple[dict, str]]:
    """MSK_DETFOO per band: rasters from baseline 04.00 (as the real 05.09 L2A), GML before."""
    from .footprints import write_detfoo_gml, write_detfoo_raster
    listed = []
    for band_id, band in enumerate(BANDS):
        if float(baseline) >= 4.0:
            rel = layout.qi_rel(f"MSK_DETFOO_{band}")
            write_detfoo_raster(layout.safe / rel, acq, NATIVE_RESOLUTION_M[band], fmt)
        else:
            rel = f"{layout.granule_rel}/QI_DATA/MSK_DETFOO_{band}.gml"
            write_detfoo_gml(layout.safe / rel, acq, band,
                             f"{acq.spacecraft}_OPER_MSK_DETFOO_{N.PROCESSING_CENTRE[acq.spacecraft]}"
                             f"_{N.stamp(generated)}_A{abs_orbit:06d}_T{acq.tile.tile}_{band}_MSIL2A")
        listed.append(({"bandId": band_id, "type": "MSK_DETFOO"}, rel))
    return listed


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
                         masks: list[tuple[dict, str]]) -> None:
    geo = acq.tile
    top = X.root("Level-2A_Tile_ID", NS_TILE)
    general = X.n1(top, "General_Info", NS_TILE)
    X.sub(general, "L1C_TILE_ID", N.tile_id(acq.spacecraft, "L1C", generated, abs_orbit,
                                            geo.tile, baseline), metadataLevel="Brief")
    X.sub(general, "TILE_ID", N.tile_id(acq.spacecraft, "L2A", generated, abs_orbit, geo.tile,
                                        baseline), metadataLevel="Brief")
    X.sub(general, "DATASTRIP_ID", N.datastrip_id(acq.spacecraft, "L2A", generated,
                                                  acq.datastrip_start, baseline),
          metadataLevel="Standard")
    X.sub(general, "DOWNLINK_PRIORITY", "NOMINAL", metadataLevel="Standard")
    X.sub(general, "SENSING_TIME", X.utc_text(acq.sensing_time, 6), metadataLevel="Standard")
    archiving = X.sub(general, "Archiving_Info", metadataLevel="Expertise")
    X.sub(archiving, "ARCHIVING_CENTRE", N.PROCESSING_CENTRE[acq.spacecraft])
    X.sub(archiving, "ARCHIVING_TIME", X.utc_text(generated, 6))
    geometric = X.n1(top, "Geometric_Info", NS_TILE)
    write_tile_geocoding(geometric, geo)
    write_tile_angles(geometric, acq, scene.view_zenith_deg)
    quality = X.n1(top, "Quality_Indicators_Info", NS_TILE, metadataLevel="Standard")
    _image_content_qi(quality, scl20, scene.aot, product_level=False)
    pixel = X.sub(quality, "Pixel_Level_QI", geometry="FULL_RESOLUTION")
    for attrs, rel in masks:
        X.sub(pixel, "MASK_FILENAME", rel, **attrs)
    X.sub(quality, "PVI_FILENAME", layout.qi_rel(f"{layout.stem}_PVI").rsplit(".", 1)[0] + ".jp2")
    X.write(top, layout.safe / layout.granule_rel / "MTD_TL.xml")


def _write_product_metadata(layout: _Layout, acq: Acquisition, baseline: str,
                            generated: datetime, abs_orbit: int, relative_orbit: int,
                            scl20: np.ndarray, name: str, aot: float) -> None:
    top = X.root("Level-2A_User_Product", NS_PRODUCT)
    general = X.n1(top, "General_Info", NS_PRODUCT)
    info = X.sub(general, "Product_Info")
    X.sub(info, "PRODUCT_START_TIME", X.utc_text(acq.datatake_start))
    X.sub(info, "PRODUCT_STOP_TIME", X.utc_text(acq.datatake_start))
    X.sub(info, "PRODUCT_URI", f"{name}.SAFE")
    X.sub(info, "PROCESSING_LEVEL", "Level-2A")
    X.sub(info, "PRODUCT_TYPE", "S2MSI2A")
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
    organisation = X.sub(info, "Product_Organisation")
    granules = X.sub(organisation, "Granule_List")
    granule = X.sub(granules, "Granule", datastripIdentifier=N.datastrip_id(
        acq.spacecraft, "L2A", generated, acq.datastrip_start, baseline),
        granuleIdentifier=N.tile_id(acq.spacecraft, "L2A", generated, abs_orbit,
                                    acq.tile.tile, baseline),
        imageFormat="JPEG2000" if layout.ext == "jp2" else "GEOTIFF")
    for res in (10, 20, 60):
        for layer in L2A_LAYERS[res]:
            X.sub(granule, "IMAGE_FILE", layout.image_rel(layer, res))
    chars = X.sub(general, "Product_Image_Characteristics")
    for text, index in (("NODATA", R.NODATA_DN), ("SATURATED", R.SATURATED_DN)):
        special = X.sub(chars, "Special_Values")
        X.sub(special, "SPECIAL_VALUE_TEXT", text)
        X.sub(special, "SPECIAL_VALUE_INDEX", index)
    order = X.sub(chars, "Image_Display_Order")
    X.sub(order, "RED_CHANNEL", 3)
    X.sub(order, "GREEN_CHANNEL", 2)
    X.sub(order, "BLUE_CHANNEL", 1)
    quant = X.sub(chars, "QUANTIFICATION_VALUES_LIST")
    X.sub(quant, "BOA_QUANTIFICATION_VALUE", f"{R.QUANTIFICATION:.0f}", unit="none")
    X.sub(quant, "AOT_QUANTIFICATION_VALUE", f"{R.AOT_QUANTIFICATION:.1f}", unit="none")
    X.sub(quant, "WVP_QUANTIFICATION_VALUE", f"{R.WVP_QUANTIFICATION:.1f}", unit="cm")
    offset = R.radiometric_offset(baseline)
    if offset:
        offsets = X.sub(chars, "BOA_ADD_OFFSET_VALUES_LIST")
        for band_id in range(len(BANDS)):
            X.sub(offsets, "BOA_ADD_OFFSET", f"{offset:.0f}", band_id=band_id)
    spectral = X.sub(chars, "Spectral_Information_List")
    for band_id, band in enumerate(BANDS):
        element = X.sub(spectral, "Spectral_Information", bandId=band_id,
                        physicalBand=band.replace("B0", "B"))
        X.sub(element, "RESOLUTION", NATIVE_RESOLUTION_M[band])
        wavelength = X.sub(element, "Wavelength")
        X.sub(wavelength, "CENTRAL", CENTRAL_WAVELENGTH_NM[band], unit="nm")
    X.sub(chars, "REFERENCE_BAND", 3)
    classes = X.sub(chars, "Scene_Classification_List")
    for index, text in enumerate(SCL_NAMES):
        element = X.sub(classes, "Scene_Classification_ID")
        X.sub(element, "SCENE_CLASSIFICATION_TEXT", text)
        X.sub(element, "SCENE_CLASSIFICATION_INDEX", index)
    geometric = X.n1(top, "Geometric_Info", NS_PRODUCT)
    outer = X.sub(geometric, "Product_Footprint")
    inner = X.sub(outer, "Product_Footprint")
    footprint = X.sub(inner, "Global_Footprint")
    X.sub(footprint, "EXT_POS_LIST", " ".join(f"{lat!r} {lon!r}" for lon, lat in
                                              footprint_lonlat(acq.tile)) + " ")
    X.sub(outer, "RASTER_CS_TYPE", "POINT")
    X.sub(outer, "PIXEL_ORIGIN", 1)
    crs = X.sub(geometric, "Coordinate_Reference_System")
    X.sub(crs, "GEO_TABLES", "EPSG", version="1")
    X.sub(crs, "HORIZONTAL_CS_TYPE", "GEOGRAPHIC")
    X.n1(top, "Auxiliary_Data_Info", NS_PRODUCT)
    quality = X.n1(top, "Quality_Indicators_Info", NS_PRODUCT)
    X.sub(quality, "Cloud_Coverage_Assessment", f"{_cloud_cover(scl20):.6f}")
    technical = X.sub(quality, "Technical_Quality_Assessment")
    X.sub(technical, "DEGRADED_ANC_DATA_PERCENTAGE", "0.0")
    X.sub(technical, "DEGRADED_MSI_DATA_PERCENTAGE", "0")
    _image_content_qi(quality, scl20, aot, product_level=True)
    X.write(top, layout.safe / "MTD_MSIL2A.xml")
