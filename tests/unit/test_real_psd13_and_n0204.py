"""Issue 14 on real ESA metadata (tests/data/real, see its README.md): the PSD-13 product
S2A_OPER_PRD_MSIL1C_PDMC_20160905T104813 of baseline 02.04 (six granules, the 5th T53HPA, the
first T53HLA) and the detector footprints of the real N02.04 compact product T32TNM, whose
neighbouring detectors' polygons overlap."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from s2gm_qgis.core.delays import DelayInspector
from s2gm_qgis.core.delays.footprints import read_band_footprints
from s2gm_qgis.core.delays.granules import GranuleInspectors, granule_index_at
from s2gm_qgis.core.delays.overlaps import MIDLINE_RULE, choice_warning, choose_detector
from s2gm_qgis.core.delays.scanline import FootprintIndex, empty_intervals
from s2gm_qgis.core.bands import BANDS
from s2gm_qgis.core.safe import open_product

REAL = Path(__file__).resolve().parents[1] / "data" / "real"
NAME = "S2A_OPER_PRD_MSIL1C_PDMC_20160905T104813_R002_V20160905T005712_20160905T010424"
PSD13 = REAL / f"{NAME}.SAFE"
STAMP = "SGS__20160905T073438_A006291"
TILES = ["53HLA", "53HMA", "53HNA", "53HNV", "53HPA", "53HPV"]
HPA = PSD13 / "GRANULE" / f"S2A_OPER_MSI_L1C_TL_{STAMP}_T53HPA_N02.04"
HPA_XML = HPA / f"S2A_OPER_MTD_L1C_TL_{STAMP}_T53HPA.xml"
HPA_B02 = HPA / "QI_DATA" / f"S2A_OPER_MSK_DETFOO_{STAMP}_T53HPA_B02_MSIL1C.gml"
#: In T53HPA (x 600000..709800, y 5990200..6100000), inside its real B02 detector 12 polygon
#: (x 600000 to about 610600 at this row) and in no other granule of the product.
POINT = (605000.0, 6050000.0)
N0204_B02 = (REAL / "S2A_MSIL1C_20170226T102021_N0204_R065_T32TNM_20170226T102458.SAFE" / "GRANULE"
             / "L1C_T32TNM_A008785_20170226T102458" / "QI_DATA" / "MSK_DETFOO_B02.gml")


def delays(path, x, y, *extra, code=0):
    out = subprocess.run([sys.executable, "-m", "s2gm_qgis", "delays", str(path), "--x", str(x),
                          "--y", str(y), "--json", *extra], capture_output=True, text=True)
    assert out.returncode == code, out.stderr
    return json.loads(out.stdout) if code == 0 else out.stderr


# -- PSD-13, six granules ---------------------------------------------------------------------
def test_granule_list_complete():
    product = open_product(PSD13)
    assert [g.tile_id for g in product.granules] == TILES
    assert product.layout == "psd13" and product.processing_baseline == "02.04"
    assert product.name == NAME  # PRODUCT_URI is the order id "791_2016-09-05T10_37"
    assert product.selected_granule == 0 and product.selected_by is None
    assert [g.grids[10].ulx_m for g in product.granules] == [300000.0, 399960.0, 499980.0,
                                                             499980.0, 600000.0, 600000.0]
    assert {g.epsg for g in product.granules} == {32753}
    assert {g.datastrip_id for g in product.granules} == {
        "S2A_OPER_MSI_L1C_DS_SGS__20160905T073438_S20160905T010424_N02.04"}
    assert product.datastrip_path is None and "no DATASTRIP folder" in product.datastrip_problem
    hpa = product.granules[4]
    assert ("MSK_DETFOO", "B02") in hpa.masks and ("MSK_DETFOO", "B03") in hpa.missing_masks


@pytest.mark.parametrize("path", [HPA_XML, HPA_B02, HPA, HPA / "QI_DATA"],
                         ids=["tile-xml", "mask", "granule-folder", "qi-folder"])
def test_a_path_inside_the_fifth_granule_selects_it(path):
    product = open_product(path)
    assert product.granule.tile_id == "53HPA" and product.selected_granule == 4
    assert product.selected_by == "path" and product.path == str(PSD13)


def test_the_point_chooses_its_granule():
    product = open_product(PSD13)
    assert granule_index_at(product, *POINT) == 4
    assert granule_index_at(product, 350000.0, 6050000.0) == 0     # T53HLA
    assert granule_index_at(product, 650000.0, 5950000.0) == 5     # T53HPV
    inspectors = GranuleInspectors(PSD13)
    assert inspectors.inspector_at(*POINT).tile_id == "53HPA"
    readout = inspectors.inspector_at(*POINT).readout(*POINT)
    assert readout.detector == 12 and readout.detector_candidates == (12,)


def _same(a: dict, b: dict) -> None:
    for key in ("tile", "point", "detector", "detector_candidates", "detectors", "delays"):
        assert a[key] == b[key], key


def test_delays_command_on_the_product_reads_the_fifth_granule():
    data = delays(PSD13, *POINT)
    assert data["tile"] == "53HPA" and data["product"] == NAME
    assert data["detector"] == 12 and data["detectors"]["B02"] == [12]
    assert not any("outside" in w for w in data["warnings"])
    assert any("no usable datastrip" in w for w in data["warnings"])  # LUT fallback
    assert data["ephemeris"] is None and data["sensing_time_utc"] is None
    # The LUT's reference delays of detector 12: B02 -> B04 about -1.01 s (ESA -1.005 s).
    b04 = next(d for d in data["delays"] if d["to"] == "B04")
    assert b04["dt_s"] == b04["dt_lut_s"] and b04["dt_esa_s"] == pytest.approx(-1.005)
    for path in (HPA_XML, HPA_B02, HPA):
        _same(delays(path, *POINT), data)
    lonlat = delays(PSD13, data["point"]["lon"], data["point"]["lat"], "--crs", "EPSG:4326")
    assert lonlat["tile"] == "53HPA" and lonlat["delays"] == data["delays"]


def test_delays_command_tile_option():
    data = delays(PSD13, *POINT)
    _same(delays(PSD13, *POINT, "--tile", "53HPA"), data)
    _same(delays(PSD13, *POINT, "--tile", "T53HPA"), data)
    err = delays(HPA_XML, *POINT, "--tile", "53HLA", code=2)
    assert "lies in tile 53HPA, not 53HLA" in err
    err = delays(PSD13, *POINT, "--tile", "32TNM", code=2)
    assert "not in the product" in err and "53HLA, 53HMA, 53HNA, 53HNV, 53HPA, 53HPV" in err


def test_a_point_in_the_first_granule_reads_it():
    """T53HLA's masks are not in tests/data/real: the readout says so, in T53HLA."""
    data = delays(PSD13, 350000.0, 6050000.0)
    assert data["tile"] == "53HLA" and data["detector"] is None
    assert data["warnings"][0] == "detector footprints of B02 unknown: no delays"
    # Asked for T53HPA by its XML, the same point is outside that tile.
    outside = delays(HPA_XML, 350000.0, 6050000.0)
    assert outside["tile"] == "53HPA" and "outside the tile 53HPA" in outside["warnings"][0]


# -- N02.04 GML footprints that overlap ---------------------------------------------------------
@pytest.fixture(scope="module")
def n0204():
    footprints = read_band_footprints(str(N0204_B02), "B02", 32632)
    assert footprints.kind == "gml" and footprints.detectors == (9, 10, 11, 12)
    return FootprintIndex({b: footprints.intervals if b == "B02" else empty_intervals()
                           for b in BANDS})


def overlap_at(index, y, west, east):
    """(x_start, x_end) where the real polygons of ``west`` and ``east`` both hold row y."""
    spans = {}
    for x in np.arange(500000.0, 581000.0, 500.0):
        spans.update({d: (a, e) for d, a, e in index.intervals_at("B02", float(x), y)})
    (a0, e0), (a1, e1) = spans[west], spans[east]
    assert a1 < e0, (west, east, spans)  # they overlap
    return a1, min(e0, e1)


# Detector 10 leaves the tile through its western edge near y 4602000.
@pytest.mark.parametrize("y,west,east", [(4695000.0, 10, 11), (4650000.0, 10, 11),
                                         (4695000.0, 11, 12), (4650000.0, 11, 12),
                                         (4600000.0, 11, 12)])
def test_real_overlap_split_at_its_midline(n0204, y, west, east):
    start, end = overlap_at(n0204, y, west, east)
    # Odd and even detectors overlap by 1.1 to 2.7 km in this real N02.04 mask.
    assert 1000.0 < end - start < 3000.0
    mid = 0.5 * (start + end)
    for x, expected in ((start + 20.0, west), (mid - 20.0, west), (mid + 20.0, east),
                        (end - 20.0, east)):
        holding = n0204.lookup(x, y)["B02"]
        assert holding == (west, east), (x, holding)
        choice = choose_detector(n0204, "B02", x, y, holding)
        assert choice.detector == expected, (x, y)
        assert choice.candidates == (west, east) and choice.rule == "midline"
        assert choice.overlap_x == pytest.approx((start, mid, end))
        warning = choice_warning("B02", choice)
        assert f"detectors {west} and {east} overlap" in warning and MIDLINE_RULE in warning
        assert f"delays use detector {expected}" in warning
    # Outside the overlap a single detector holds the point, no rule needed.
    for x, only in ((start - 200.0, west), (end + 200.0, east)):
        choice = choose_detector(n0204, "B02", x, y, n0204.lookup(x, y)["B02"])
        assert choice.detector == only and choice.candidates == (only,) and choice.rule is None


def test_overlap_delays_change_sign_between_the_candidates():
    """Both candidates' delays, as the readout reports them (alternative_delays): the real
    B02 -> B04 delay of detector 10 and 11 have opposite signs."""
    inspector = DelayInspector.open(PSD13, "53HPA")
    ten = inspector.delay_s("B02", "B04", 10)
    eleven = inspector.delay_s("B02", "B04", 11)
    assert np.sign(ten) == -np.sign(eleven)
