"""Layouts beyond the three samples, built in tmp_path from the real sample XML: the old PSD-13
multi-tile layout, a compact L2A product with its R10m/R20m/R60m rasters, GeoTIFF files named in
place of JPEG2000, and the same products zipped (with and without the .SAFE folder)."""
from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest

from s2gm_qgis.core.errors import ProductError
from s2gm_qgis.core.safe import open_product, product_datastrip, product_path_of

PSD13_NAME = "S2A_OPER_PRD_MSIL1C_PDMC_20160108T180000_R094_V20160107T105652_20160107T105652"
PSD13_DS = "S2A_OPER_MSI_L1C_DS_SGS__20160107T163245_S20160107T105652_N02.01"
PSD13_STAMP = "SGS__20160107T163245_A002846"


def psd13_granule(tile: str) -> str:
    return f"S2A_OPER_MSI_L1C_TL_{PSD13_STAMP}_T{tile}_N02.01"


def psd13_image_id(tile: str, band: str) -> str:
    return f"S2A_OPER_MSI_L1C_TL_{PSD13_STAMP}_T{tile}_{band}"


def psd13_mask(tile: str, mask_type: str, band: str) -> str:
    return f"S2A_OPER_{mask_type}_{PSD13_STAMP}_T{tile}_{band}_MSIL1C.gml"


BANDS_L1C = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10",
             "B11", "B12")


def zip_folder(folder: Path, zip_path: Path, top_level: bool = False) -> Path:
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder if top_level else folder.parent)
            archive.write(path, relative.as_posix())
    return zip_path


@pytest.fixture()
def psd13(tmp_path, n0500_safe, n0301_zip) -> Path:
    """Two-tile PSD-13 product (tiles 30TXR and 30TYR) from the N0500 and N0301 metadata."""
    safe = tmp_path / f"{PSD13_NAME}.SAFE"
    raster = next(n0500_safe.glob("GRANULE/*/IMG_DATA/*_B02.jp2")).read_bytes()
    product_xml = (n0500_safe / "MTD_MSIL1C.xml").read_text(encoding="utf-8")
    product_xml = product_xml.replace("psd-14.sentinel2", "psd-13.sentinel2")
    product_xml = product_xml.replace("<PROCESSING_BASELINE>05.00<", "<PROCESSING_BASELINE>02.01<")
    product_xml = re.sub(r"<PRODUCT_URI>.*?</PRODUCT_URI>",
                         f"<PRODUCT_URI>{PSD13_NAME}.SAFE</PRODUCT_URI>", product_xml)
    product_xml = re.sub(r"<Radiometric_Offset_List>.*?</Radiometric_Offset_List>", "",
                         product_xml, flags=re.S)
    granules = "".join(
        f'<Granules datastripIdentifier="{PSD13_DS}" granuleIdentifier="{psd13_granule(tile)}" '
        f'imageFormat="JPEG2000">'
        + "".join(f"<IMAGE_ID>{psd13_image_id(tile, band)}</IMAGE_ID>" for band in BANDS_L1C)
        + "</Granules>"
        for tile in ("30TXR", "30TYR")
    )
    product_xml = re.sub(r"<Granule .*?</Granule>", granules, product_xml, flags=re.S)
    safe.mkdir()
    (safe / f"S2A_OPER_MTD_SAFL1C_PDMC_20160108T180000_R094_V20160107T105652_20160107T105652.xml"
     ).write_text(product_xml, encoding="utf-8")

    tile_xml = next(n0500_safe.glob("GRANULE/*/MTD_TL.xml")).read_text(encoding="utf-8")
    for tile, ulx in (("30TXR", "600000"), ("30TYR", "699960")):
        folder = safe / "GRANULE" / psd13_granule(tile)
        (folder / "IMG_DATA").mkdir(parents=True)
        (folder / "QI_DATA").mkdir()
        xml = re.sub(r"<TILE_ID([^>]*)>.*?</TILE_ID>",
                     rf"<TILE_ID\1>S2A_OPER_MSI_L1C_TL_{PSD13_STAMP}_T{tile}_N02.01</TILE_ID>",
                     tile_xml)
        xml = xml.replace("<ULX>600000</ULX>", f"<ULX>{ulx}</ULX>")
        # PSD-13 lists masks by bare file name (found in the granule's QI_DATA).
        xml = re.sub(r"<Pixel_Level_QI([^>]*)>.*?</Pixel_Level_QI>",
                     r"<Pixel_Level_QI\1>" + "".join(
                         f'<MASK_FILENAME bandId="{i}" type="MSK_DETFOO">'
                         f"{psd13_mask(tile, 'MSK_DETFOO', band)}</MASK_FILENAME>"
                         for i, band in enumerate(BANDS_L1C))
                     + f'<MASK_FILENAME type="MSK_CLOUDS">'
                       f"{psd13_mask(tile, 'MSK_CLOUDS', 'B00')}</MASK_FILENAME>"
                     + "</Pixel_Level_QI>", xml, flags=re.S)
        (folder / f"S2A_OPER_MTD_L1C_TL_{PSD13_STAMP}_T{tile}.xml").write_text(xml, encoding="utf-8")
        for band in BANDS_L1C:
            (folder / "IMG_DATA" / f"{psd13_image_id(tile, band)}.jp2").write_bytes(raster)
            (folder / "QI_DATA" / psd13_mask(tile, "MSK_DETFOO", band)).write_text("<gml/>")
        (folder / "QI_DATA" / psd13_mask(tile, "MSK_CLOUDS", "B00")).write_text("<gml/>")
    ds_folder = safe / "DATASTRIP" / PSD13_DS
    ds_folder.mkdir(parents=True)
    with zipfile.ZipFile(n0301_zip) as archive:
        mtd_ds = next(n for n in archive.namelist() if n.endswith("MTD_DS.xml"))
        (ds_folder / "S2A_OPER_MTD_L1C_DS_SGS__20160107T163245_S20160107T105652.xml").write_bytes(
            archive.read(mtd_ds))
    return safe


def test_psd13_multi_tile(psd13):
    product = open_product(psd13)
    assert product.layout == "psd13" and product.level == "L1C"
    assert product.processing_baseline == "02.01" and product.name == PSD13_NAME
    assert set(product.radiometric_offset.values()) == {0.0}
    assert [g.tile_id for g in product.granules] == ["30TXR", "30TYR"]
    assert product.selected_granule == 0
    second = product.granules[1]
    assert second.granule_id == psd13_granule("30TYR")
    assert second.grids[10].ulx_m == 699960.0
    assert len(second.images) == 13 and not second.missing_images
    assert second.images[("B8A", 20)] == str(
        psd13 / "GRANULE" / psd13_granule("30TYR") / "IMG_DATA" / f"{psd13_image_id('30TYR', 'B8A')}.jp2")
    assert second.mask("MSK_DETFOO", "B02").endswith(
        f"/QI_DATA/{psd13_mask('30TYR', 'MSK_DETFOO', 'B02')}")
    assert second.mask("MSK_CLOUDS").endswith("_B00_MSIL1C.gml")
    assert product.datastrip_path.endswith(
        f"/DATASTRIP/{PSD13_DS}/S2A_OPER_MTD_L1C_DS_SGS__20160107T163245_S20160107T105652.xml")
    assert len(product_datastrip(product).ephemeris.gps_time) == 94


def test_psd13_tile_selection(psd13):
    assert open_product(psd13, tile="30TYR").selected_granule == 1
    assert open_product(psd13, tile="T30TXR").granule.tile_id == "30TXR"
    band = psd13 / "GRANULE" / psd13_granule("30TYR") / "IMG_DATA" / f"{psd13_image_id('30TYR', 'B04')}.jp2"
    assert open_product(band).granule.tile_id == "30TYR"
    assert product_path_of(band) == str(psd13)
    with pytest.raises(ProductError, match="lies in tile 30TYR, not 30TXR"):
        open_product(band, tile="30TXR")


def test_psd13_zipped(psd13, tmp_path):
    zip_path = zip_folder(psd13, tmp_path / f"{PSD13_NAME}.zip")
    member = f"{PSD13_NAME}.SAFE/GRANULE/{psd13_granule('30TYR')}/QI_DATA/" + psd13_mask(
        "30TYR", "MSK_DETFOO", "B03")
    product = open_product(f"/vsizip/{zip_path}/{member}")
    assert product.path == str(zip_path)
    assert product.granule.tile_id == "30TYR"
    assert product.granule.image("B02").startswith(f"/vsizip/{zip_path}/{PSD13_NAME}.SAFE/GRANULE/")


@pytest.fixture()
def l2a_safe(tmp_path, l2a_metadata, n0500_safe) -> Path:
    """The real L2A metadata laid out as a compact product with every listed raster present
    (small GeoTIFF stand-ins named .jp2, as in the samples)."""
    safe = tmp_path / "S2A_MSIL2A_20230821T221941_N0509_R029_T01KAB_20230822T021825.SAFE"
    safe.mkdir()
    shutil.copy(l2a_metadata / "MTD_MSIL2A.xml", safe)
    raster = next(n0500_safe.glob("GRANULE/*/IMG_DATA/*_B02.jp2")).read_bytes()
    product_xml = (l2a_metadata / "MTD_MSIL2A.xml").read_text(encoding="utf-8")
    for image in re.findall(r"<IMAGE_FILE>(.*?)</IMAGE_FILE>", product_xml):
        path = safe / f"{image}.jp2"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raster)
    granule = safe / "GRANULE" / "L2A_T01KAB_A042640_20230821T221944"
    shutil.copy(l2a_metadata / "MTD_TL.xml", granule)
    (granule / "QI_DATA").mkdir()
    tile_xml = (granule / "MTD_TL.xml").read_text(encoding="utf-8")
    for mask in re.findall(r"<MASK_FILENAME[^>]*>(.*?)</MASK_FILENAME>", tile_xml):
        (safe / mask).write_bytes(raster)
    (safe / "DATASTRIP").mkdir()
    return safe


def test_compact_l2a_with_rasters(l2a_safe):
    product = open_product(l2a_safe)
    granule = product.granule
    assert product.level == "L2A" and not granule.missing_images and not granule.missing_masks
    img = f"{l2a_safe}/GRANULE/L2A_T01KAB_A042640_20230821T221944/IMG_DATA"
    assert granule.images[("B02", 10)] == f"{img}/R10m/T01KAB_20230821T221941_B02_10m.jp2"
    assert granule.images[("SCL", 20)] == f"{img}/R20m/T01KAB_20230821T221941_SCL_20m.jp2"
    assert granule.images[("SCL", 60)].endswith("/R60m/T01KAB_20230821T221941_SCL_60m.jp2")
    assert granule.images[("AOT", 10)].endswith("_AOT_10m.jp2")
    assert granule.image("B02") == granule.images[("B02", 10)]  # finest first
    assert granule.image("B01") == granule.images[("B01", 20)]
    assert ("SCL", 10) not in granule.images  # SCL comes at 20 m and 60 m only
    assert len(granule.images) == 36
    assert granule.mask("MSK_CLDPRB", "20m").endswith("/QI_DATA/MSK_CLDPRB_20m.jp2")
    assert granule.mask("MSK_SNWPRB", "60m").endswith("/QI_DATA/MSK_SNWPRB_60m.jp2")
    assert granule.mask("MSK_CLASSI").endswith("/QI_DATA/MSK_CLASSI_B00.jp2")
    assert granule.mask("MSK_DETFOO", "B8A").endswith("/QI_DATA/MSK_DETFOO_B8A.jp2")
    assert product.datastrip_problem == (
        "the DATASTRIP folder holds no datastrip metadata (MTD_DS.xml absent)")


def test_geotiff_extension_resolved_from_files_present(l2a_safe):
    r20 = next(l2a_safe.glob("GRANULE/*/IMG_DATA/R20m"))
    (r20 / "T01KAB_20230821T221941_SCL_20m.jp2").rename(r20 / "T01KAB_20230821T221941_SCL_20m.tif")
    qi = next(l2a_safe.glob("GRANULE/*/QI_DATA"))
    (qi / "MSK_CLDPRB_20m.jp2").rename(qi / "MSK_CLDPRB_20m.tif")
    granule = open_product(l2a_safe).granule
    assert granule.images[("SCL", 20)].endswith("/R20m/T01KAB_20230821T221941_SCL_20m.tif")
    assert granule.mask("MSK_CLDPRB", "20m").endswith("/QI_DATA/MSK_CLDPRB_20m.tif")


@pytest.mark.parametrize("top_level", [False, True])
def test_compact_l2a_zipped(l2a_safe, tmp_path, top_level):
    zip_path = zip_folder(l2a_safe, tmp_path / f"{l2a_safe.stem}.zip", top_level=top_level)
    product = open_product(zip_path)
    prefix = f"/vsizip/{zip_path}" + ("" if top_level else f"/{l2a_safe.name}")
    assert product.root == prefix
    assert product.granule.images[("SCL", 20)] == (
        f"{prefix}/GRANULE/L2A_T01KAB_A042640_20230821T221944/IMG_DATA/R20m/"
        "T01KAB_20230821T221941_SCL_20m.jp2")
    assert product.granule.mask("MSK_CLDPRB", "20m").startswith(prefix + "/GRANULE/")
    assert len(product.granule.images) == 36


@pytest.fixture()
def l2a_psd142(l2a_safe) -> Path:
    """The compact L2A rewritten with the names of PSD 14.2 (ESA L2A baselines 02.0x):
    L2A_Product_Info, IMAGE_FILE_2A, L2A_BOA_QUANTIFICATION_VALUE, TILE_ID_2A,
    L1C_Pixel_Level_QI and L2A_Pixel_Level_QI confidence masks named *_CLD_20m.jp2."""
    metadata = l2a_safe / "MTD_MSIL2A.xml"
    xml = metadata.read_text(encoding="utf-8")
    for old, new in (("Product_Info>", "L2A_Product_Info>"),
                     ("Product_Organisation>", "L2A_Product_Organisation>"),
                     ("IMAGE_FILE>", "IMAGE_FILE_2A>"), ("PRODUCT_URI>", "PRODUCT_URI_2A>"),
                     ("Product_Image_Characteristics>", "L2A_Product_Image_Characteristics>"),
                     ("QUANTIFICATION_VALUES_LIST>", "L1C_L2A_Quantification_Values_List>"),
                     ("BOA_QUANTIFICATION_VALUE", "L2A_BOA_QUANTIFICATION_VALUE"),
                     ("AOT_QUANTIFICATION_VALUE", "L2A_AOT_QUANTIFICATION_VALUE"),
                     ("WVP_QUANTIFICATION_VALUE", "L2A_WVP_QUANTIFICATION_VALUE")):
        xml = xml.replace(f"<{old}", f"<{new}").replace(f"</{old}", f"</{new}")
    xml = xml.replace("<PROCESSING_BASELINE>05.09<", "<PROCESSING_BASELINE>02.06<")
    xml = re.sub(r"<BOA_ADD_OFFSET_VALUES_LIST>.*?</BOA_ADD_OFFSET_VALUES_LIST>", "", xml,
                 flags=re.S)
    metadata.write_text(xml, encoding="utf-8")
    granule = next(l2a_safe.glob("GRANULE/*"))
    tile = granule / "MTD_TL.xml"
    xml = tile.read_text(encoding="utf-8")
    xml = xml.replace("<TILE_ID ", "<TILE_ID_2A ").replace("</TILE_ID>", "</TILE_ID_2A>")
    xml = xml.replace("Pixel_Level_QI", "L1C_Pixel_Level_QI")
    xml = re.sub(r'<MASK_FILENAME type="MSK_(CLDPRB|SNWPRB|CLASSI)">.*?</MASK_FILENAME>', "", xml)
    xml = xml.replace("<PVI_FILENAME>", "<L2A_Pixel_Level_QI>"
                      "<CLOUD_CONFIDENCE_MASK>L2A_T01KAB_20230821T221941_CLD</CLOUD_CONFIDENCE_MASK>"
                      "<SNOW_ICE_CONFIDENCE_MASK>L2A_T01KAB_20230821T221941_SNW"
                      "</SNOW_ICE_CONFIDENCE_MASK></L2A_Pixel_Level_QI><PVI_FILENAME>")
    tile.write_text(xml, encoding="utf-8")
    for name in ("MSK_CLDPRB_20m", "MSK_CLDPRB_60m", "MSK_SNWPRB_20m", "MSK_SNWPRB_60m"):
        kind = "CLD" if "CLD" in name else "SNW"
        (granule / "QI_DATA" / f"{name}.jp2").rename(
            granule / "QI_DATA" / f"L2A_T01KAB_20230821T221941_{kind}_{name[-3:]}.jp2")
    return l2a_safe


def test_l2a_psd142_names(l2a_psd142):
    product = open_product(l2a_psd142)
    granule = product.granule
    assert (product.level, product.processing_baseline) == ("L2A", "02.06")
    assert product.name == l2a_psd142.stem
    assert product.quantification_value == 10000.0 and product.aot_quantification_value == 1000.0
    assert set(product.radiometric_offset.values()) == {0.0}
    assert granule.granule_id.endswith("_T01KAB_N05.09") and granule.tile_id == "01KAB"
    assert len(granule.images) == 36 and not granule.missing_masks
    assert granule.mask("MSK_CLDPRB", "20m").endswith("/QI_DATA/L2A_T01KAB_20230821T221941_CLD_20m.jp2")
    assert granule.mask("MSK_SNWPRB", "60m").endswith("/QI_DATA/L2A_T01KAB_20230821T221941_SNW_60m.jp2")
    assert granule.mask("MSK_DETFOO", "B03").endswith("/QI_DATA/MSK_DETFOO_B03.jp2")


def test_psd13_tiles_of_two_datastrips(psd13):
    """A PSD-13 product can hold tiles of several datastrips: the selected tile's is used."""
    second_ds = "S2A_OPER_MSI_L1C_DS_SGS__20160107T170000_S20160107T105700_N02.01"
    for tile, ds in (("30TXR", PSD13_DS), ("30TYR", second_ds)):
        path = next((psd13 / "GRANULE" / psd13_granule(tile)).glob("*_MTD_L1C_TL_*.xml"))
        xml = re.sub(r"<DATASTRIP_ID([^>]*)>.*?</DATASTRIP_ID>", rf"<DATASTRIP_ID\1>{ds}</DATASTRIP_ID>",
                     path.read_text(encoding="utf-8"))
        path.write_text(xml, encoding="utf-8")
    first = next((psd13 / "DATASTRIP" / PSD13_DS).iterdir())
    (psd13 / "DATASTRIP" / second_ds).mkdir()
    shutil.copy(first, psd13 / "DATASTRIP" / second_ds / first.name.replace("163245", "170000"))
    assert f"/DATASTRIP/{PSD13_DS}/" in open_product(psd13).datastrip_path
    product = open_product(psd13, tile="30TYR")
    assert product.granule.datastrip_id == second_ds
    assert f"/DATASTRIP/{second_ds}/" in product.datastrip_path
