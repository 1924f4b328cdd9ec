"""A six-granule PSD-13 product organised as the real PDMC products of baseline 02.04 (one
Granule_List per granule, PRODUCT_URI an order id), built from the real N0301 metadata: its tile
48LWP is the 5th granule, unchanged, so its readouts must equal those of the real compact
product; the five other granules are its neighbours (see tests/synthetic/layouts.py)."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest

from s2gm_qgis.core.delays import DelayInspector
from s2gm_qgis.core.delays.granules import GranuleInspectors, granule_index_at
from s2gm_qgis.core.safe import open_product
from tests.synthetic.layouts import PSD13_NAME, psd13_from_compact, psd13_granule, psd13_mask

TILES = ("48LVP", "48LVQ", "48LWQ", "48LXQ", "48LWP", "48LXP")
POINT = (554880.0, 8845120.0)  # in 48LWP, away from its neighbours' overlap


@pytest.fixture(scope="module")
def psd13(n0301_zip, tmp_path_factory):
    return psd13_from_compact(n0301_zip, tmp_path_factory.mktemp("psd13"), TILES)


@pytest.fixture(scope="module")
def psd13_zip(psd13, tmp_path_factory):
    zip_path = tmp_path_factory.mktemp("psd13zip") / f"{PSD13_NAME}.zip"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(psd13.rglob("*")):
            archive.write(path, path.relative_to(psd13.parent).as_posix())
    return zip_path


@pytest.fixture(scope="module")
def compact_json(n0301_zip):
    return delays_json(n0301_zip, *POINT)


def delays_json(path, x, y, *extra):
    out = subprocess.run([sys.executable, "-m", "s2gm_qgis", "delays", str(path), "--x", str(x),
                          "--y", str(y), "--json", *extra], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def same_readout(a: dict, b: dict) -> None:
    for key in ("tile", "point", "detector", "detectors", "ephemeris", "delays",
                "sensing_time_utc", "warnings"):
        assert a[key] == b[key], key


def test_every_granule_list_is_read(psd13):
    product = open_product(psd13)
    assert [g.tile_id for g in product.granules] == list(TILES)
    assert product.name == PSD13_NAME  # PRODUCT_URI is an order id: the folder names it
    assert product.selected_granule == 0 and product.selected_by is None
    assert product.granules[4].grids[10].ulx_m == 499980.0
    assert product.granules[5].grids[10].ulx_m == 600000.0
    assert product.granules[1].grids[10].uly_m == 9000020.0


def _paths_in_fifth(root):
    granule = root / "GRANULE" / psd13_granule("48LWP")
    return [
        next(granule.glob("*_MTD_L1C_TL_*.xml")),                # the tile metadata XML
        next((granule / "IMG_DATA").glob("*_B04.jp2")),          # a band image
        granule / "QI_DATA" / psd13_mask("48LWP", "B02"),        # a mask
        granule,                                                 # the granule folder
        granule / "IMG_DATA",                                    # a folder inside it
    ]


def test_every_path_inside_the_fifth_granule_selects_it(psd13):
    for path in _paths_in_fifth(psd13):
        product = open_product(path)
        assert product.granule.tile_id == "48LWP", path
        assert product.selected_by == "path"
        assert product.path == str(psd13)


def test_paths_inside_the_zip_select_their_granule(psd13_zip):
    member = f"{PSD13_NAME}.SAFE/GRANULE/{psd13_granule('48LWP')}"
    for inner in (member, f"{member}/QI_DATA/{psd13_mask('48LWP', 'B03')}"):
        assert open_product(f"/vsizip/{psd13_zip}/{inner}").granule.tile_id == "48LWP"


def test_delays_from_any_path_in_the_fifth_granule_equal_the_compact_product(psd13, compact_json):
    for path in _paths_in_fifth(psd13)[:4]:
        data = delays_json(path, *POINT)
        same_readout(data, compact_json)
        assert data["product"] == PSD13_NAME


def test_tile_option(psd13, compact_json):
    same_readout(delays_json(psd13, *POINT, "--tile", "48LWP"), compact_json)
    same_readout(delays_json(psd13, *POINT, "--tile", "T48LWP"), compact_json)
    wrong = subprocess.run([sys.executable, "-m", "s2gm_qgis", "delays",
                            str(next(iter(_paths_in_fifth(psd13)))), "--x", "0", "--y", "0",
                            "--tile", "48LVP"], capture_output=True, text=True)
    assert wrong.returncode == 2 and "lies in tile 48LWP, not 48LVP" in wrong.stderr


def test_a_point_anywhere_reads_its_own_granule(psd13, psd13_zip, compact_json):
    """The product itself (folder or zip), no tile: the point chooses the granule."""
    same_readout(delays_json(psd13, *POINT), compact_json)
    same_readout(delays_json(psd13_zip, *POINT), compact_json)
    lon, lat = compact_json["point"]["lon"], compact_json["point"]["lat"]
    by_lonlat = delays_json(psd13, lon, lat, "--crs", "EPSG:4326")
    assert by_lonlat["tile"] == "48LWP" and by_lonlat["delays"] == compact_json["delays"]
    # Points in other granules read those granules (not 48LWP, not the first).
    for tile, (x, y) in (("48LXP", (655000.0, 8845000.0)), ("48LVQ", (455000.0, 8945000.0))):
        data = delays_json(psd13, x, y)
        assert data["tile"] == tile
        assert not any("outside the tile" in w for w in data["warnings"])


def test_granule_choice_in_the_overlap_of_two_tiles(psd13):
    """Neighbouring tiles overlap by 9.8 km: the tile holding the point deepest wins."""
    product = open_product(psd13)
    assert granule_index_at(product, 599990.0, 8845000.0) == 4   # 10 m inside 48LXP, 9.8 km in LWP
    assert granule_index_at(product, 609770.0, 8845000.0) == 5   # 10 m inside LWP, 9.8 km in LXP
    assert granule_index_at(product, 100.0, 100.0) is None
    inspectors = GranuleInspectors(psd13)
    assert inspectors.inspector_at(*POINT).tile_id == "48LWP"
    assert inspectors.inspector_at(100.0, 100.0).tile_id == "48LVP"  # outside all: the first
    assert isinstance(inspectors.inspector_at(*POINT), DelayInspector)
