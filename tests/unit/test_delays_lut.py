"""The embedded delay table equals the published CNES / ESA CSVs and behaves as documented."""
import numpy as np
import pytest

from s2gm_qgis.core.bands import BANDS
from s2gm_qgis.core.delays.lut import (
    LUT_PATH, available_spacecrafts, corrected_delay_s, load_delay_table, read_lut_csv,
)
from s2gm_qgis.core.errors import S2GMError
from tests.conftest import SHARED

LUT_DIR = SHARED / "data" / "lut"
SPACECRAFTS = ("S2A", "S2B", "S2C")


def _csv_values(path):
    """(src, dst, detector) -> tuple of floats, parsed independently of the module."""
    out = {}
    lines = path.read_text().splitlines()
    for line in lines[1:]:
        fields = line.strip().split(";")
        out[(fields[0], fields[1], int(fields[2][1:]))] = tuple(float(v) for v in fields[3:])
    return out


@pytest.mark.parametrize("code", SPACECRAFTS)
def test_shipped_table_equals_shared_csvs_exactly(code):
    table = load_delay_table(code)
    cnes = _csv_values(LUT_DIR / f"{code}_cnes.csv")
    esa = _csv_values(LUT_DIR / f"{code}_esa.csv")
    assert len(cnes) == len(esa) == 13 * 12 * 12
    for (src, dst, det), (dt, h, v) in cnes.items():
        i, j = BANDS.index(src), BANDS.index(dst)
        assert table.dt_ref_s[i, j, det - 1] == dt
        assert table.h_sat_ref_m[i, j, det - 1] == h
        assert table.v_ground_ref_m_s[i, j, det - 1] == v
        assert table.dt_esa_s[i, j, det - 1] == esa[(src, dst, det)][0]
    # Nothing else in the table: every off-diagonal entry came from a CSV row.
    off_diagonal = ~np.eye(13, dtype=bool)[:, :, None].repeat(12, axis=2)
    assert np.isfinite(table.dt_ref_s[off_diagonal]).all()
    assert np.isnan(table.dt_ref_s[~off_diagonal]).all()


@pytest.mark.parametrize("code", SPACECRAFTS)
def test_table_is_antisymmetric(code):
    table = load_delay_table(code)
    dt = table.dt_ref_s
    # Published CNES values were measured in each direction: equal and opposite to 0.3 ms
    # (0.07 % of the delay at most); the ESA constants exactly.
    np.testing.assert_allclose(dt, -dt.transpose(1, 0, 2), atol=3.5e-4, rtol=0)
    assert np.nanmax(np.abs(dt + dt.transpose(1, 0, 2)) / np.abs(dt)) < 1e-3
    esa = table.dt_esa_s
    assert np.array_equal(esa, -esa.transpose(1, 0, 2), equal_nan=True)


def test_sign_alternates_between_odd_and_even_detectors():
    table = load_delay_table("S2A")
    signs = np.sign(table.dt_ref_s[BANDS.index("B02"), BANDS.index("B04"), :])
    assert signs.tolist() == [1, -1] * 6


def test_s2c_has_its_own_table():
    assert available_spacecrafts() == SPACECRAFTS
    assert not np.array_equal(load_delay_table("S2C").dt_ref_s, load_delay_table("S2A").dt_ref_s)


def test_reference_correction_matches_the_method_document():
    table = load_delay_table("Sentinel-2A")
    dt_ref, h_ref, v_ref, esa = table.lookup("B02", "B04", 1)
    assert (round(dt_ref, 5), esa) == (1.00784, 1.005)
    assert corrected_delay_s(dt_ref, 793916.9, h_ref, 6710.62, v_ref) == pytest.approx(1.01196, abs=1e-5)
    assert table.delay_s("B02", "B04", 1, 793916.9, 6710.62) == pytest.approx(1.01196, abs=1e-5)


def test_unknown_spacecraft_and_bad_keys_are_errors():
    with pytest.raises(S2GMError, match="S2D"):
        load_delay_table("S2D")
    table = load_delay_table("S2B")
    with pytest.raises(ValueError, match="itself"):
        table.lookup("B02", "B2", 1)
    with pytest.raises(ValueError, match="1..12"):
        table.lookup("B02", "B04", 13)


def test_malformed_csv_is_reported_with_file_and_line(tmp_path):
    bad = tmp_path / "bad_cnes.csv"
    text = (LUT_DIR / "S2A_cnes.csv").read_text().splitlines()
    text[5] = text[5].replace(";", ";x", 1)
    bad.write_text("\n".join(text))
    with pytest.raises(S2GMError, match=r"bad_cnes.csv, line 6"):
        read_lut_csv(str(bad), str(LUT_DIR / "S2A_esa.csv"), "S2A")


def test_attribution_ships_beside_the_table():
    import os

    data = os.path.dirname(LUT_PATH)
    notice = open(os.path.join(data, "NOTICE.md")).read()
    assert "Binet" in notice and "S2Shores" in notice and "Apache" in notice
    assert "Apache License" in open(os.path.join(data, "LICENSE-Apache-2.0.txt")).read()
