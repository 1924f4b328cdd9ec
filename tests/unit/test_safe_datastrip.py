"""read_datastrip on the real N0301 MTD_DS.xml (inside the zip) and on altered copies of it."""
from __future__ import annotations

import os
import zipfile
from datetime import datetime, timezone

import numpy as np
import pytest

from s2gm_qgis.core.errors import ProductError
from s2gm_qgis.core.safe import open_product, product_datastrip, read_datastrip
from s2gm_qgis.core.safe.datastrip import gps_minus_utc_s


@pytest.fixture(scope="module")
def n0301(n0301_zip):
    return open_product(n0301_zip)


@pytest.fixture(scope="module")
def datastrip(n0301):
    return product_datastrip(n0301)


@pytest.fixture(scope="module")
def mtd_ds_bytes(n0301_zip):
    with zipfile.ZipFile(n0301_zip) as archive:
        name = next(n for n in archive.namelist() if n.endswith("/MTD_DS.xml"))
        return archive.read(name)


def test_general_info(datastrip, n0301):
    d = datastrip
    assert d.path == n0301.datastrip_path
    assert (d.spacecraft, d.orbit_number, d.orbit_direction) == ("S2A", 32, "DESCENDING")
    assert d.sensing_start_utc == datetime(2021, 7, 13, 3, 20, 54, 459000, tzinfo=timezone.utc)
    assert d.sensing_stop_utc == datetime(2021, 7, 13, 3, 21, 12, 498000, tzinfo=timezone.utc)
    assert d.processing_baseline == "03.01"
    assert d.line_period_ms == pytest.approx(1.565873622)


def test_band_time_stamps(datastrip):
    stamps = datastrip.band_time_stamps
    assert len(stamps) == 13 * 12
    b01 = stamps[("B01", 1)]
    assert (b01.band, b01.detector, b01.reference_line) == ("B01", 1, 1)
    assert b01.gps_time == np.datetime64("2021-07-13T03:21:19.813672", "ns")
    assert stamps[("B01", 2)].gps_time == np.datetime64("2021-07-13T03:21:13.058493", "ns")
    # delays-method.md: t(B01) - t(B02) at detector 01 is about +2.36 s on this product.
    dt_s = (b01.gps_time - stamps[("B02", 1)].gps_time) / np.timedelta64(1, "s")
    assert dt_s == pytest.approx(2.362904, abs=1e-6)


def test_gps_ephemeris(datastrip):
    e = datastrip.ephemeris
    assert e.position_m.shape == (94, 3) and e.velocity_m_s.shape == (94, 3)
    assert e.position_m.dtype == np.float64
    # First GPS_Point: POSITION_VALUES in mm, VELOCITY_VALUES in mm/s.
    np.testing.assert_allclose(e.position_m[0], [-1987673.421, 6819054.127, -986550.837])
    np.testing.assert_allclose(e.velocity_m_s[0], [1854.891, -507.814, -7302.768])
    assert e.gps_time[0] == np.datetime64("2021-07-13T03:20:38", "ns")
    assert e.gps_time[-1] == np.datetime64("2021-07-13T03:22:11", "ns")
    assert e.gps_time.dtype == np.dtype("datetime64[ns]")
    # GPS is 18 s ahead of UTC (read from the datastrip's Time_Correlation_Data).
    assert np.all(e.gps_time - e.utc_time == np.timedelta64(18, "s"))
    assert np.all(np.diff(e.gps_time) == np.timedelta64(1, "s"))
    radius_m = np.linalg.norm(e.position_m, axis=1)
    assert 7.16e6 < radius_m.min() and radius_m.max() < 7.18e6
    assert np.linalg.norm(e.velocity_m_s, axis=1).mean() == pytest.approx(7551, abs=2)
    assert not e.position_m.flags.writeable


def test_parsed_once_per_file_version(datastrip, n0301):
    assert read_datastrip(n0301.datastrip_path) is datastrip


def test_leap_seconds_table():
    assert gps_minus_utc_s(np.datetime64("2016-06-01T00:00:00", "ns")) == 17
    assert gps_minus_utc_s(np.datetime64("2021-07-13T00:00:00", "ns")) == 18


def test_plain_file_changed_is_parsed_again(tmp_path, mtd_ds_bytes):
    path = tmp_path / "MTD_DS.xml"
    path.write_bytes(mtd_ds_bytes)
    first = read_datastrip(str(path))
    assert len(first.ephemeris.gps_time) == 94
    changed = mtd_ds_bytes.replace(b"<SENSING_ORBIT_NUMBER>32<", b"<SENSING_ORBIT_NUMBER>33<", 1)
    path.write_bytes(changed)
    os.utime(path, ns=(1, 1))
    assert read_datastrip(str(path)).orbit_number == 33


def test_empty_datastrip(tmp_path):
    path = tmp_path / "MTD_DS.xml"
    path.write_bytes(b"")
    with pytest.raises(ProductError, match="empty") as info:
        read_datastrip(str(path))
    assert info.value.path == str(path)


@pytest.mark.parametrize("cut_at", [b"<GPS_Point>", b"<Band_Time_Stamp bandId=\"5\">"])
def test_truncated_datastrip(tmp_path, mtd_ds_bytes, cut_at):
    path = tmp_path / "MTD_DS.xml"
    index = mtd_ds_bytes.index(cut_at) + 200
    path.write_bytes(mtd_ds_bytes[:index])
    with pytest.raises(ProductError, match="not well-formed XML") as info:
        read_datastrip(str(path))
    assert info.value.path == str(path)


def test_unknown_spacecraft(tmp_path, mtd_ds_bytes):
    path = tmp_path / "MTD_DS.xml"
    path.write_bytes(mtd_ds_bytes.replace(b"Sentinel-2A<", b"Sentinel-2X<", 1))
    with pytest.raises(ProductError, match="unknown spacecraft 'Sentinel-2X'"):
        read_datastrip(str(path))


def test_not_a_datastrip(tmp_path, n0500_safe):
    path = tmp_path / "MTD_DS.xml"
    path.write_bytes((n0500_safe / "MTD_MSIL1C.xml").read_bytes())
    with pytest.raises(ProductError, match="not Sentinel-2 datastrip metadata"):
        read_datastrip(str(path))


def test_missing_datastrip(tmp_path):
    with pytest.raises(ProductError, match="not found"):
        read_datastrip(str(tmp_path / "MTD_DS.xml"))


def test_product_without_datastrip(n0500_safe):
    assert product_datastrip(open_product(n0500_safe)) is None
