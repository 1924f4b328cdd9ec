"""Bad inputs get a ProductError naming the file and what is wrong; optional parts are reported
as absent; opening never writes into the product folder. Inputs are altered copies of the real
samples, made in tmp_path."""
from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest
from osgeo import gdal

from s2gm_qgis.core.errors import ProductError
from s2gm_qgis.core.safe import (
    gdal_subdataset, is_sentinel2_product, open_product, product_datastrip, read_datastrip,
)

N0500_GRANULE = "GRANULE/L1C_T30TXR_A026117_20200622T105647"


def writable_copy(src: Path, dst: Path) -> Path:
    """Copy a (read-only) sample folder and make the copy writable, so that a test can see a
    file appear in it if the reader ever wrote one."""
    shutil.copytree(src, dst)
    for folder, dirs, files in os.walk(dst):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    return dst


def extract_metadata(zip_path: Path, dst: Path) -> Path:
    """The N0301 product as a folder: metadata, masks and image stand-ins (small files)."""
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(dst)
    safe = next(dst.glob("*.SAFE"))
    for folder, dirs, files in os.walk(safe):
        os.chmod(folder, 0o755)
    return safe


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture()
def n0500_copy(n0500_safe, tmp_path) -> Path:
    return writable_copy(n0500_safe, tmp_path / n0500_safe.name)


def test_random_folder(tmp_path):
    folder = tmp_path / "holiday_photos"
    folder.mkdir()
    (folder / "beach.jpg").write_bytes(b"\xff\xd8\xff")
    with pytest.raises(ProductError, match="not a Sentinel-2 product") as info:
        open_product(folder)
    assert info.value.path == str(folder)
    assert not is_sentinel2_product(folder / "beach.jpg")


def test_missing_path(tmp_path):
    with pytest.raises(ProductError, match="file not found"):
        open_product(tmp_path / "nothing.SAFE")


def test_zip_that_is_not_a_product(tmp_path):
    path = tmp_path / "S2A_MSIL1C_fake.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ProductError, match="the zip holds no product metadata") as info:
        open_product(path)
    assert info.value.path == str(path)
    assert not is_sentinel2_product(path)


def test_file_named_zip_that_is_not_a_zip(tmp_path):
    path = tmp_path / "product.zip"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(ProductError, match="not a readable zip file"):
        open_product(path)


def test_truncated_product_metadata(n0500_copy):
    metadata = n0500_copy / "MTD_MSIL1C.xml"
    data = metadata.read_bytes()
    metadata.write_bytes(data[: len(data) // 2])
    with pytest.raises(ProductError, match="product metadata is not well-formed XML") as info:
        open_product(n0500_copy)
    assert info.value.path == str(metadata)


def test_empty_product_metadata(n0500_copy):
    (n0500_copy / "MTD_MSIL1C.xml").write_bytes(b"")
    with pytest.raises(ProductError, match=r"product metadata is empty \(0 bytes\)"):
        open_product(n0500_copy)


def test_other_xml_named_like_product_metadata(n0500_copy):
    (n0500_copy / "MTD_MSIL1C.xml").write_text('<?xml version="1.0"?><kml><Document/></kml>')
    with pytest.raises(ProductError, match="root element is 'kml'"):
        open_product(n0500_copy)


def test_unknown_spacecraft(n0500_copy):
    metadata = n0500_copy / "MTD_MSIL1C.xml"
    metadata.write_bytes(metadata.read_bytes().replace(b">Sentinel-2A<", b">Sentinel-2X<"))
    with pytest.raises(ProductError, match="unknown spacecraft 'Sentinel-2X'") as info:
        open_product(n0500_copy)
    assert info.value.path == str(metadata)


def test_sentinel_2c_is_known(n0500_copy):
    metadata = n0500_copy / "MTD_MSIL1C.xml"
    metadata.write_bytes(metadata.read_bytes().replace(b">Sentinel-2A<", b">Sentinel-2C<"))
    assert open_product(n0500_copy).spacecraft == "S2C"


def test_truncated_tile_metadata(n0500_copy):
    tile = n0500_copy / N0500_GRANULE / "MTD_TL.xml"
    data = tile.read_bytes()
    tile.write_bytes(data[: len(data) // 3])
    with pytest.raises(ProductError, match="tile metadata is not well-formed XML") as info:
        open_product(n0500_copy)
    assert info.value.path == str(tile)


def test_missing_tile_metadata(n0500_copy):
    (n0500_copy / N0500_GRANULE / "MTD_TL.xml").unlink()
    with pytest.raises(ProductError, match=r"holds no tile metadata \(MTD_TL.xml\)") as info:
        open_product(n0500_copy)
    assert info.value.path == str(n0500_copy / N0500_GRANULE)


def test_tile_metadata_without_epsg(n0500_copy):
    tile = n0500_copy / N0500_GRANULE / "MTD_TL.xml"
    tile.write_bytes(tile.read_bytes().replace(b"EPSG:32630", b"UTM30N"))
    with pytest.raises(ProductError, match="HORIZONTAL_CS_CODE 'UTM30N' is not 'EPSG:<code>'"):
        open_product(n0500_copy)


def test_missing_mask_file(n0500_copy):
    (n0500_copy / N0500_GRANULE / "QI_DATA" / "MSK_DETFOO_B04.jp2").unlink()
    granule = open_product(n0500_copy).granule
    assert ("MSK_DETFOO", "B04") in granule.missing_masks
    with pytest.raises(ProductError, match="missing mask: MSK_DETFOO B04") as info:
        granule.mask("MSK_DETFOO", "B04")
    assert info.value.path == str(n0500_copy / N0500_GRANULE / "QI_DATA" / "MSK_DETFOO_B04.jp2")


def test_empty_datastrip_is_reported_not_fatal(n0301_zip, tmp_path):
    safe = extract_metadata(n0301_zip, tmp_path)
    mtd_ds = next(safe.glob("DATASTRIP/*/MTD_DS.xml"))
    mtd_ds.write_bytes(b"")
    product = open_product(safe)
    assert product.datastrip_path == str(mtd_ds)
    assert product.datastrip_problem == "MTD_DS.xml is empty (0 bytes)"
    assert product_datastrip(product) is None
    with pytest.raises(ProductError, match="empty"):
        read_datastrip(product.datastrip_path)


def test_corrupt_datastrip_raises_when_read(n0301_zip, tmp_path):
    safe = extract_metadata(n0301_zip, tmp_path)
    mtd_ds = next(safe.glob("DATASTRIP/*/MTD_DS.xml"))
    mtd_ds.write_bytes(mtd_ds.read_bytes()[:5000])
    product = open_product(safe)
    assert product.datastrip_problem is None  # only parsing can tell
    with pytest.raises(ProductError, match="not well-formed XML") as info:
        product_datastrip(product)
    assert info.value.path == str(mtd_ds)


def test_opening_writes_nothing_into_the_product(n0500_copy, n0301_zip, tmp_path):
    before = snapshot(n0500_copy)
    product = open_product(n0500_copy / N0500_GRANULE / "IMG_DATA" / "T30TXR_20200622T105631_B02.jp2")
    assert is_sentinel2_product(product.granule.metadata_path)
    product_datastrip(product)
    # The paths handed out open in GDAL read-only; GDAL leaves no .aux.xml behind either.
    for path in (product.granule.image("B02"), product.granule.mask("MSK_DETFOO", "B02")):
        dataset = gdal.OpenEx(path, gdal.OF_RASTER | gdal.OF_READONLY)
        assert (dataset.RasterXSize, dataset.RasterYSize) == (523, 106)
        dataset = None
    dataset = gdal.OpenEx(gdal_subdataset(product, 10), gdal.OF_RASTER | gdal.OF_READONLY)
    assert dataset.GetGeoTransform() == product.granule.grids[10].geotransform
    dataset = None
    assert snapshot(n0500_copy) == before

    zip_copy = tmp_path / n0301_zip.name
    shutil.copy(n0301_zip, zip_copy)
    zip_before = snapshot(tmp_path)
    product = open_product(zip_copy)
    product_datastrip(product)
    assert snapshot(tmp_path) == zip_before


def corrupt_member(zip_path: Path, target: Path, suffix: str, offset: int = 150) -> Path:
    """Copy of a zip with bytes of the compressed data of the member ending with ``suffix``
    inverted (as a damaged download): its CRC no longer matches and inflating it fails."""
    shutil.copy(zip_path, target)
    target.chmod(0o644)
    with zipfile.ZipFile(target) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith(suffix))
    with open(target, "r+b") as stream:
        stream.seek(info.header_offset + 30 + len(info.filename.encode()) + offset)
        data = stream.read(64)
        stream.seek(-len(data), 1)
        stream.write(bytes(b ^ 0xFF for b in data))
    return target


def test_corrupt_zip_members_are_named(n0301_zip, tmp_path):
    damaged = corrupt_member(n0301_zip, tmp_path / "tile.zip", "/MTD_TL.xml")
    with pytest.raises(ProductError, match="cannot be read from the zip") as info:
        open_product(damaged)
    assert info.value.path.endswith("/MTD_TL.xml")
    damaged = corrupt_member(n0301_zip, tmp_path / "datastrip.zip", "/MTD_DS.xml")
    product = open_product(damaged)
    with pytest.raises(ProductError, match="cannot be read from the zip") as info:
        product_datastrip(product)
    assert info.value.path == product.datastrip_path
