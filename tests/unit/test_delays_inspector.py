"""DelayInspector on the real products: reference values, sign convention against the
datastrip's Band_Time_Stamp, sensing times, graceful degradation, velocity."""
import math
import os
import zipfile

import numpy as np
import pytest

from s2gm_qgis.core.bands import BANDS
from s2gm_qgis.core.delays import (
    DelayInspector, DelayParameters, load_delay_table, velocity_from_positions,
)
from s2gm_qgis.core.errors import S2GMError, ValidationError
from s2gm_qgis.core.safe import product_datastrip

CENTRE = (554880.0, 8845120.0)


@pytest.fixture(scope="module")
def inspector(n0301_zip):
    return DelayInspector.open(str(n0301_zip))


def _a_point_of_detector(inspector, detector, band="B02"):
    rng = np.random.default_rng(detector)
    x = rng.uniform(499980, 609780, 20000)
    y = rng.uniform(8790220, 8900020, 20000)
    hit = np.flatnonzero((inspector.index.detectors_at(band, x, y) == detector).any(axis=1))
    return float(x[hit[0]]), float(y[hit[0]])


def test_reference_values_of_the_method_document(inspector):
    assert (inspector.satellite, inspector.tile_id, inspector.epsg) == ("S2A", "48LWP", 32748)
    assert inspector.warnings == () and inspector.bands == BANDS
    readout = inspector.readout(*CENTRE)
    assert readout.detector == 6 and readout.message is None
    assert readout.ephemeris.sample_index == 43
    assert readout.ephemeris.h_sat_m == pytest.approx(793916.9, abs=1.0)
    assert readout.ephemeris.v_ground_m_s == pytest.approx(6710.62, abs=0.05)
    # Detector 1 is not in this tile: force it, as the method document's value is for D01.
    forced = inspector.readout(*CENTRE, detector=1)
    b04 = forced.delay("B04")
    assert b04.detector == 1
    assert b04.dt_s == pytest.approx(1.01196, abs=1e-5)
    assert b04.dt_lut_s == pytest.approx(1.00784, abs=1e-5)
    assert b04.dt_esa_s == 1.005
    assert b04.correction_pct == pytest.approx(100 * (b04.dt_s / b04.dt_lut_s - 1))
    assert any("detector 1 was asked for" in w for w in forced.warnings)


def test_sign_convention_against_band_time_stamps(inspector):
    """dt(src -> dst) = t(dst) - t(src): the datastrip's line-1 time stamps of each band and
    detector differ by the delays (delays-method.md: t(B01) - t(B02) ~ +2.36 s at D01)."""
    stamps = product_datastrip(inspector.product).band_time_stamps
    table = load_delay_table("S2A")
    checked = 0
    for detector in range(1, 13):
        for src in ("B02", "B8A", "B11"):
            for dst in BANDS:
                if dst == src:
                    continue
                measured = (stamps[(dst, detector)].gps_time - stamps[(src, detector)].gps_time) / np.timedelta64(1, "s")
                lut = table.delay_s(src, dst, detector)
                if abs(lut) > 0.1:
                    assert np.sign(measured) == np.sign(lut), (src, dst, detector)
                    assert measured == pytest.approx(lut, rel=0.05, abs=0.03)
                    checked += 1
    assert checked > 300
    d01 = (stamps[("B01", 1)].gps_time - stamps[("B02", 1)].gps_time) / np.timedelta64(1, "s")
    assert d01 == pytest.approx(2.36, abs=0.01)


def test_sensing_times_follow_the_delays_and_the_datastrip(inspector):
    for detector in (5, 6):
        x, y = _a_point_of_detector(inspector, detector)
        readout = inspector.readout(x, y)
        times = {b: np.datetime64(t.rstrip("Z")) for b, t in readout.sensing_time_utc.items()}
        for delay in readout.delays:
            measured = (times[delay.dst] - times["B02"]) / np.timedelta64(1, "s")
            assert measured == pytest.approx(delay.dt_s, abs=2e-6)
        # Within the datastrip's sensing span (UTC), and the tile sensing time within seconds.
        ds = product_datastrip(inspector.product)
        start = np.datetime64(ds.sensing_start_utc.replace(tzinfo=None)) - np.timedelta64(5, "s")
        stop = np.datetime64(ds.sensing_stop_utc.replace(tzinfo=None)) + np.timedelta64(60, "s")
        assert all(start <= t <= stop for t in times.values())
        assert not any("no viewing angles" in w for w in readout.warnings)


def test_odd_and_even_detectors_look_fore_and_aft(inspector):
    """Across a seam between detectors 5 and 6, B02 of the odd detector senses the ground
    about 2 s after the even one, as the datastrip's time stamps say (B02, D05 - D06)."""
    stamps = product_datastrip(inspector.product).band_time_stamps
    expected = (stamps[("B02", 5)].gps_time - stamps[("B02", 6)].gps_time) / np.timedelta64(1, "s")
    intervals = inspector.footprints["B02"].intervals
    order = np.lexsort((intervals.xa, intervals.k))
    k, det, xa, xb = intervals.k[order], intervals.det[order], intervals.xa[order], intervals.xb[order]
    seams = np.flatnonzero((k[1:] == k[:-1]) & (xb[:-1] == xa[1:]) & (det[:-1] + det[1:] == 11))
    i = seams[len(seams) // 2]
    y = 0.5 * (intervals.ys[k[i]] + intervals.ys[k[i] + 1])
    left = inspector.readout(float(xb[i]) - 5.0, y)
    right = inspector.readout(float(xb[i]) + 5.0, y)
    times = {r.detector: np.datetime64(r.sensing_time_utc["B02"].rstrip("Z")) for r in (left, right)}
    assert sorted(times) == [5, 6]
    assert (times[5] - times[6]) / np.timedelta64(1, "s") == pytest.approx(expected, abs=0.1)


def test_crs_and_ephemeris_options(inspector):
    lon, lat = inspector.readout(*CENTRE).point.lon, inspector.readout(*CENTRE).point.lat
    geo = inspector.readout(lon, lat, crs="EPSG:4326", ephemeris="point", source_band="b8a")
    assert geo.point.crs == "EPSG:4326" and geo.detector == 6
    assert geo.ephemeris.selection == "point" and geo.ephemeris.sample_index == 43
    assert [d.src for d in geo.delays] == ["B8A"] * 12
    assert [d.dst for d in geo.delays] == [b for b in BANDS if b != "B8A"]
    with pytest.raises(ValidationError, match="source_band"):
        inspector.readout(*CENTRE, source_band="B13")
    with pytest.raises(ValidationError, match="ephemeris"):
        inspector.readout(*CENTRE, ephemeris="nearest")
    with pytest.raises(ValidationError, match="crs"):
        inspector.readout(*CENTRE, crs="UTM")


def test_outside_every_footprint(inspector):
    readout = inspector.readout(700000.0, 8845120.0)
    assert readout.detector is None and readout.delays == () and readout.sensing_time_utc is None
    assert "outside every detector footprint" in readout.message
    data = readout.to_json_dict()
    assert data["detector"] is None and data["delays"] == [] and data["detectors"]["B02"] == []


def test_json_has_exactly_the_documented_keys(inspector):
    data = inspector.readout(*CENTRE).to_json_dict()
    assert list(data) == ["product", "satellite", "tile", "point", "detector",
                          "detector_candidates", "detectors", "ephemeris", "delays",
                          "alternative_delays", "sensing_time_utc", "warnings"]
    assert list(data["point"]) == ["x", "y", "crs", "lon", "lat"]
    assert list(data["ephemeris"]) == ["h_sat_m", "v_ground_m_s", "gps_time", "utc_time",
                                       "sample_index", "selection"]
    assert list(data["delays"][0]) == ["from", "to", "detector", "dt_s", "dt_lut_s", "dt_esa_s",
                                       "correction_pct"]
    assert list(data["detectors"]) == list(BANDS) == list(data["sensing_time_utc"])


def test_footprints_for_the_overlay(inspector):
    items = inspector.detector_footprints("B02")
    assert sorted({d for d, _ in items}) == [3, 4, 5, 6, 7, 8]
    assert all(rings[0].shape[1] == 2 and np.array_equal(rings[0][0], rings[0][-1]) for _, rings in items)


def _copy_zip(source, target, replace):
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            for suffix, new in replace.items():
                if info.filename.endswith(suffix):
                    data = new(data)
            out.writestr(info, data)
    return target


def test_empty_datastrip_degrades_to_the_lut(n0301_zip, tmp_path):
    product = _copy_zip(n0301_zip, tmp_path / n0301_zip.name, {"MTD_DS.xml": lambda d: b""})
    inspector = DelayInspector.open(str(product))
    assert any("not corrected for this orbit" in w for w in inspector.warnings)
    readout = inspector.readout(*CENTRE)
    assert readout.ephemeris is None and readout.sensing_time_utc is None
    assert all(d.dt_s == d.dt_lut_s and d.correction_pct == 0.0 for d in readout.delays)
    assert readout.warnings == inspector.warnings


def test_corrupt_ephemeris_degrades_to_the_lut(n0301_zip, tmp_path):
    def scramble(data):
        return data.replace(b"<POSITION_VALUES unit=\"mm\">-19", b"<POSITION_VALUES unit=\"mm\">-99")
    product = _copy_zip(n0301_zip, tmp_path / n0301_zip.name, {"MTD_DS.xml": scramble})
    inspector = DelayInspector.open(str(product))
    assert any("orbit radius" in w or "not a Sentinel-2 orbit" in w for w in inspector.warnings)
    assert inspector.readout(*CENTRE).ephemeris is None


def test_unknown_spacecraft_is_an_error(n0301_zip, tmp_path):
    def rename(data):
        return data.replace(b"Sentinel-2A", b"Sentinel-2Z")
    product = _copy_zip(n0301_zip, tmp_path / n0301_zip.name, {"MTD_MSIL1C.xml": rename})
    with pytest.raises(S2GMError, match="2Z"):
        DelayInspector.open(str(product))


def test_raster_masks_and_no_datastrip(n0500_safe):
    inspector = DelayInspector.open(str(n0500_safe))
    assert inspector.bands == ("B02", "B04")
    assert any("no usable datastrip" in w for w in inspector.warnings)
    # The cropped sample's MTD_TL.xml lists the masks of B02 and B04 only.
    missing = [w for w in inspector.warnings if "no MSK_DETFOO mask for B01" in w]
    assert len(missing) == 1 and "B12" in missing[0] and "B02" not in missing[0]
    assert f"not listed in {inspector.product.granule.metadata_path}" in missing[0]
    readout = inspector.readout(639095.0, 5023595.0)  # a pixel of value 5 in MSK_DETFOO_B02
    assert readout.detector == 5 and readout.ephemeris is None
    assert readout.detectors["B02"] == (5,) and readout.detectors["B04"] == (5,)
    assert readout.detectors["B01"] == () and len(readout.delays) == 12
    items = inspector.detector_footprints("B02")
    assert sorted({d for d, _ in items}) == [5, 6]


def test_velocity_from_positions(inspector):
    x, y = _a_point_of_detector(inspector, 5)
    dt = inspector.readout(x, y).delay("B04").dt_s
    assert dt > 0
    # 20 m north-east in B04 relative to B02.
    estimate = velocity_from_positions(inspector, (x, y), (x + 20.0, y + 20.0), "B02", "B04")
    assert estimate.detector == 5 and estimate.dt_s == pytest.approx(dt)
    assert estimate.distance_m == pytest.approx(math.hypot(20, 20), rel=2e-3)  # UTM scale
    assert estimate.speed_m_s == pytest.approx(estimate.distance_m / dt)
    assert estimate.speed_km_h == pytest.approx(estimate.speed_m_s * 3.6)
    assert estimate.speed_knots == pytest.approx(estimate.speed_m_s * 3600 / 1852)
    assert 40 < estimate.heading_deg < 50  # grid north is within a degree of true north here
    assert estimate.uncertainty_m_s == pytest.approx(
        math.hypot(10 / dt, 0.01 * estimate.speed_m_s))
    # Swapping the bands swaps the sign of dt, not the direction of motion.
    back = velocity_from_positions(inspector, (x + 20.0, y + 20.0), (x, y), "B04", "B02", detector=5)
    assert back.dt_s == pytest.approx(-dt, abs=3.5e-4) and back.heading_deg == pytest.approx(estimate.heading_deg, abs=1e-6)
    # Without an inspector: the LUT only, larger uncertainty.
    params = DelayParameters("S2A", 32748)
    plain = velocity_from_positions(params, (x, y), (x + 20.0, y + 20.0), "B02", "B04", detector=5)
    assert plain.uncertainty_m_s > estimate.uncertainty_m_s
    with pytest.raises(ValidationError):
        velocity_from_positions(params, (x, y), (x, y), "B02", "B02", detector=5)
    with pytest.raises(ValidationError, match="detector"):
        velocity_from_positions(params, (x, y), (x, y), "B02", "B04")
    for bad in ((float("nan"), y), (1e9, 1e9)):
        with pytest.raises(ValidationError, match="xy_b.*no longitude/latitude"):
            velocity_from_positions(params, (x, y), bad, "B02", "B04", detector=5)
        with pytest.raises(ValidationError, match="xy_a.*no longitude/latitude"):
            velocity_from_positions(inspector, bad, (x, y), "B02", "B04")


def test_mask_listed_but_missing_is_named(n0500_safe, tmp_path):
    import shutil

    copy = tmp_path / n0500_safe.name
    shutil.copytree(n0500_safe, copy)
    mask = next(copy.glob("GRANULE/*/QI_DATA/MSK_DETFOO_B04.jp2"))
    mask.parent.chmod(0o755)
    mask.unlink()
    inspector = DelayInspector.open(str(copy))
    assert inspector.bands == ("B02",)
    tile = inspector.product.granule.metadata_path
    assert f"no MSK_DETFOO mask for B04: listed in {tile} but missing from the product ({mask})" \
        in inspector.warnings


def test_inspector_writes_nothing_into_the_product(n0500_safe, n0301_zip, tmp_path):
    """Open, overlay polygons (raster masks polygonised), readouts and a velocity on writable
    copies (GML masks and raster masks): not one file appears or changes (no .gfs, .aux.xml)."""
    import shutil

    raster = tmp_path / n0500_safe.name
    shutil.copytree(n0500_safe, raster)
    with zipfile.ZipFile(n0301_zip) as archive:
        archive.extractall(tmp_path)
    for folder, _, _ in os.walk(tmp_path):
        os.chmod(folder, 0o755)

    def snapshot():
        return sorted((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in tmp_path.rglob("*"))

    before = snapshot()
    for product in tmp_path.glob("*.SAFE"):
        inspector = DelayInspector.open(str(product))
        for band in ("B02", "B04"):
            assert inspector.detector_footprints(band)
        grid = inspector.product.granule.grids[10]
        x, y = grid.ulx_m + 255.0, grid.uly_m - 255.0
        inspector.readout(x, y, ephemeris="point")
        velocity_from_positions(inspector, (x, y), (x + 10, y), "B02", "B04", detector=5)
    assert snapshot() == before


def test_tile_without_angle_grids(n0301_zip, tmp_path):
    """Angles are optional: a tile metadata without Tile_Angles opens with ``angles`` None, and
    sensing times fall back to the nadir crossing with a warning saying how uncertain they are."""
    import re

    with zipfile.ZipFile(n0301_zip) as archive:
        archive.extractall(tmp_path)
    tile = next(tmp_path.glob("*.SAFE/GRANULE/*/MTD_TL.xml"))
    tile.chmod(0o644)
    tile.write_text(re.sub(r"<Tile_Angles.*?</Tile_Angles>", "", tile.read_text(encoding="utf-8"),
                           flags=re.S), encoding="utf-8")
    inspector = DelayInspector.open(str(tile))
    assert inspector.product.granule.angles is None and inspector.warnings == ()
    readout = inspector.readout(*CENTRE)
    assert readout.detector == 6 and readout.ephemeris.sample_index == 43
    assert any("no viewing angles of detector 6" in w for w in readout.warnings)
    times = {b: np.datetime64(t.rstrip("Z")) for b, t in readout.sensing_time_utc.items()}
    assert (times["B04"] - times["B02"]) / np.timedelta64(1, "s") == pytest.approx(
        readout.delay("B04").dt_s, abs=2e-6)
