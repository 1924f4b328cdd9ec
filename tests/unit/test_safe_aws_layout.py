"""Tiles in the AWS layout (the public Sentinel-2 buckets: tileInfo.json, metadata.xml, B01.jp2...
or R10m/..., qi/, datastrip/ when downloaded): the real tileInfo.json + metadata.xml of
../shared/data/aws-layout, and real / synthetic SAFE products rewritten in that layout (folder
and zip), which must give the same delays (L1C) and the same mosaics (L2A) as the SAFE."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from osgeo import gdal

from s2gm_qgis.core.errors import ProductError
from s2gm_qgis.core.mosaic.catalogue import Catalogue
from s2gm_qgis.core.safe import is_sentinel2_product, open_product, product_path_of
from tests.conftest import SHARED
from tests.synthetic import Scene, Surface, make_l2a
from tests.synthetic.layouts import aws_tile_from_safe

AWS = SHARED / "data" / "aws-layout"
L1C_2018 = AWS / "S2A_OPER_MSI_L1C_TL_SGS__20181231T203637_A018414_T10SDG"
L2A_2024 = AWS / "S2A_OPER_MSI_L2A_TL_2APS_20240108T121951_A044635_T34VEL"
L2A_60C = AWS / "S2A_T60CWS_20240109T203651_L2A"
POINT = (554880.0, 8845120.0)


def test_real_aws_tile_metadata(shared_samples):
    product = open_product(L1C_2018)
    assert product.layout == "aws" and product.level == "L1C"
    assert product.name == "S2A_MSIL1C_20181231T185801_N0207_R113_T10SDG_20181231T203637"
    assert (product.spacecraft, product.processing_baseline, product.relative_orbit) == (
        "S2A", "02.07", 113)
    assert set(product.radiometric_offset.values()) == {0.0}
    granule = product.granule
    assert granule.tile_id == "10SDG" and granule.epsg == 32610
    assert granule.grids[10].ulx_m == 399960.0 and len(granule.angles.viewing) == 52
    assert granule.datastrip_id.endswith("_S20181231T190045_N02.07")
    # Only the two metadata files are there: masks are reported missing where qi/ would hold them.
    assert not granule.images
    assert granule.missing_masks[("MSK_DETFOO", "B02")].endswith("/qi/MSK_DETFOO_B02.gml")
    with pytest.raises(ProductError, match="missing mask: MSK_DETFOO B02 is listed"):
        granule.mask("MSK_DETFOO", "B02")
    assert "no datastrip/ folder" in product.datastrip_problem
    lons = [lon for lon, _ in granule.footprint_lonlat]
    assert -124.0 < min(lons) < max(lons) < -121.5  # tileDataGeometry, in lon/lat

    for folder, tile in ((L2A_2024, "34VEL"), (L2A_60C, "60CWS")):
        l2a = open_product(folder)
        assert (l2a.level, l2a.processing_baseline, l2a.granule.tile_id) == ("L2A", "05.10", tile)
        assert set(l2a.radiometric_offset.values()) == {-1000.0}
        assert l2a.quantification_value == 10000.0 and l2a.aot_quantification_value == 1000.0


def test_a_file_inside_an_aws_tile_locates_it(tmp_path, shared_samples):
    tile = tmp_path / "0"
    shutil.copytree(L1C_2018, tile)
    (tile / "qi").mkdir()
    (tile / "qi" / "MSK_DETFOO_B02.gml").write_text("<gml/>")
    assert product_path_of(tile / "qi" / "MSK_DETFOO_B02.gml") == str(tile)
    assert is_sentinel2_product(tile / "metadata.xml")
    assert open_product(tile / "qi").granule.mask("MSK_DETFOO", "B02").endswith(
        "/qi/MSK_DETFOO_B02.gml")
    with pytest.raises(ProductError, match="tile '10SDF' is not in the product"):
        open_product(tile, tile="10SDF")
    (tile / "tileInfo.json").write_text("{not json")
    with pytest.raises(ProductError, match="tileInfo.json: not valid JSON"):
        open_product(tile)


def test_aws_tile_of_another_tile_than_its_metadata_is_refused(tmp_path, shared_samples):
    tile = tmp_path / "0"
    shutil.copytree(L1C_2018, tile)
    info = json.loads((tile / "tileInfo.json").read_text())
    info["gridSquare"] = "DH"
    (tile / "tileInfo.json").write_text(json.dumps(info))
    with pytest.raises(ProductError, match="names tile 10SDH, but metadata.xml is of tile 10SDG"):
        open_product(tile)


# -- L1C: delays ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def aws_l1c(n0301_zip, tmp_path_factory):
    base = tmp_path_factory.mktemp("aws")
    return {
        "folder": aws_tile_from_safe(n0301_zip, base / "folder", SHARED),
        "zip": aws_tile_from_safe(n0301_zip, base / "zip", SHARED, as_zip=True),
        "bare": aws_tile_from_safe(n0301_zip, base / "bare", SHARED, datastrip=False),
    }


def delays_json(path, x, y, *extra):
    out = subprocess.run([sys.executable, "-m", "s2gm_qgis", "delays", str(path), "--x", str(x),
                          "--y", str(y), "--json", *extra], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_aws_l1c_reads_like_the_safe(aws_l1c, n0301_zip):
    safe = open_product(n0301_zip)
    for key in ("folder", "zip"):
        product = open_product(aws_l1c[key])
        assert product.layout == "aws" and product.name == safe.name
        assert (product.spacecraft, product.processing_baseline, product.relative_orbit) == (
            safe.spacecraft, safe.processing_baseline, safe.relative_orbit)
        assert product.granule.tile_id == "48LWP" and product.datastrip_problem is None
        assert sorted(product.granule.images) == sorted(safe.granule.images)
        assert sorted(product.granule.masks) == sorted(safe.granule.masks)
        assert product.granule.angles.viewing.keys() == safe.granule.angles.viewing.keys()
    assert open_product(aws_l1c["zip"]).granule.image("B02").startswith("/vsizip/")


def test_delays_on_aws_folder_and_zip_equal_the_safe(aws_l1c, n0301_zip):
    reference = delays_json(n0301_zip, *POINT)
    assert reference["ephemeris"] is not None and reference["detector"] is not None
    folder = aws_l1c["folder"]
    for path in (folder, aws_l1c["zip"], folder / "qi" / "MSK_DETFOO_B02.gml", folder / "B04.jp2",
                 folder / "metadata.xml"):
        data = delays_json(path, *POINT)
        for key in ("product", "tile", "point", "detector", "detector_candidates", "detectors",
                    "ephemeris", "delays", "sensing_time_utc", "warnings"):
            assert data[key] == reference[key], (path, key)
    lonlat = delays_json(aws_l1c["zip"], reference["point"]["lon"], reference["point"]["lat"],
                         "--crs", "EPSG:4326", "--from", "B04")
    assert lonlat["detector"] == reference["detectors"]["B04"][0]


def test_aws_tile_without_datastrip_falls_back_to_the_lut(aws_l1c, n0301_zip):
    reference = delays_json(n0301_zip, *POINT)
    data = delays_json(aws_l1c["bare"], *POINT)
    assert data["detector"] == reference["detector"] and data["ephemeris"] is None
    assert data["sensing_time_utc"] is None
    assert [d["dt_s"] for d in data["delays"]] == [d["dt_lut_s"] for d in reference["delays"]]
    assert any("no usable datastrip (the AWS tile has no datastrip/ folder" in w
               for w in data["warnings"])


# -- L2A: mosaics --------------------------------------------------------------------------------
DATES = ("2024-06-03", "2024-06-08", "2024-06-13", "2024-06-18")


@pytest.fixture(scope="module")
def twin_archives(tmp_path_factory):
    """Four synthetic L2A products as SAFE, and the same as AWS tiles (two folders, two zips)."""
    safe_dir = tmp_path_factory.mktemp("safe_archive")
    aws_dir = tmp_path_factory.mktemp("aws_archive")
    for index, date in enumerate(DATES):
        scene = Scene.uniform(60, Surface.VEGETATION).with_cloud((0, 30), (index * 12, index * 12 + 24))
        safe = make_l2a(safe_dir, scene=scene, tile="32TQM", date=date, size_10m=60, seed=index)
        aws_tile_from_safe(safe, aws_dir / f"p{index}", SHARED, as_zip=bool(index % 2))
    return safe_dir, aws_dir


def test_catalogue_indexes_aws_tiles(twin_archives, tmp_path):
    safe_dir, aws_dir = twin_archives
    report = Catalogue(tmp_path / "aws.sqlite").scan([aws_dir])
    assert len(report.added) == 4 and not report.failed, report.failed
    assert sum(path.endswith(".zip") for path in report.added) == 2
    entries = Catalogue(tmp_path / "aws.sqlite").entries()
    safe_entries = Catalogue(tmp_path / "safe.sqlite")
    safe_entries.scan([safe_dir])
    assert [(e.product_id, e.tile_id, e.sensing_time_utc, e.relative_orbit, e.epsg)
            for e in entries] == [(e.product_id, e.tile_id, e.sensing_time_utc, e.relative_orbit,
                                   e.epsg) for e in safe_entries.entries()]
    again = Catalogue(tmp_path / "aws.sqlite").scan([aws_dir])
    assert again.unchanged == 4 and not again.added


def test_mosaic_of_aws_tiles_equals_the_mosaic_of_the_safe_products(twin_archives, tmp_path):
    from s2gm_qgis.core.mosaic.engine import run_mosaic
    from s2gm_qgis.core.mosaic.order import MosaicOrder

    safe_dir, aws_dir = twin_archives
    ring = open_product(next(safe_dir.glob("*.SAFE"))).footprint_lonlat
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    order = MosaicOrder.create(name="aws", period="month", start="2024-06-01", resolution_m=20,
                               aoi=f"{min(lons) + 0.001},{min(lats) + 0.001},"
                                   f"{max(lons) - 0.001},{max(lats) - 0.001}")
    from_safe = run_mosaic(order, [safe_dir], tmp_path / "safe", workers=1)
    from_aws = run_mosaic(order, [aws_dir], tmp_path / "aws", workers=1)
    assert from_aws.counts == from_safe.counts and from_safe.counts["pixels_with_data"] > 0
    assert [p["product_id"] for p in from_aws.source_products] == [
        p["product_id"] for p in from_safe.source_products]
    assert sorted(from_aws.files) == sorted(from_safe.files)
    for layer, paths in from_safe.files.items():
        for a, b in zip(paths, from_aws.files[layer]):
            assert np.array_equal(gdal.Open(str(a)).ReadAsArray(),
                                  gdal.Open(str(b)).ReadAsArray()), layer
