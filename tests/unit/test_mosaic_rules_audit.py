"""Acceptance audit of the selection rules: the vectorised kernels of select.py against a plain,
one-pixel-at-a-time transcription of ../shared/docs/mosaic-algorithm.md (section 1 and 2), on
random stacks drawn around real surface spectra so that every rule and clause is reached.

The transcription below is deliberately naive (Python floats, if/else in the order of the note):
it is the note, not the code, that it reproduces.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from s2gm_qgis.core.mosaic.select import (
    REFLECTANCE_BANDS, Method, cloud_test, select_best, snow_test, stc_decide,
    valid_observations,
)

# --------------------------------------------------------------------------------------------
# The note, transcribed for one observation / one pixel
# --------------------------------------------------------------------------------------------


def nd(a, b):
    return (a - b) / (a + b)


def tcb(s, nir="B8A"):
    return (0.3029 * s["B02"] + 0.2786 * s["B03"] + 0.4733 * s["B04"] + 0.5599 * s[nir]
            + 0.508 * s["B11"] + 0.1872 * s["B12"])


def snow_ref(s, scl):
    return scl == 11 and nd(s["B03"], s["B11"]) > 0.6 and tcb(s) > 0.36


def cloud_clauses(s):
    """(snow_like, high, low) of the note's cloudTest for one observation."""
    r = s["B03"] / s["B11"]
    rgb = (s["B02"] + s["B03"] + s["B04"]) / 3
    haze = (-0.8239 * s["B02"] + 0.0849 * s["B03"] + 0.4396 * s["B04"] - 0.058 * s["B8A"]
            + 0.2013 * s["B11"] - 0.2773 * s["B12"])
    ndv = nd(s["B08"], s["B11"])
    ndsi = nd(s["B03"], s["B11"])
    snow_like = ndsi > 0.7 and not (r > 1 and tcb(s, nir="B08") < 0.36)
    high = (((r > 1 and rgb > 0.3) and (haze < -0.1 or (haze > -0.08 and ndv < 0.4)))
            or haze < -0.2
            or ((r > 1 and rgb < 0.3) and (haze < -0.055 and rgb > 0.12))
            or (not (r > 1 and rgb < 0.3) and (haze < -0.09 and rgb > 0.12)))
    low = (((1 / r > 1 and rgb < 0.2) and (haze < -0.1 or (haze < -0.08 and ndv < 0.4)))
           or haze < -0.2
           or ((r > 1 and rgb < 0.2) and (haze < -0.055 and rgb > 0.12))
           or (not (r > 1 and rgb < 0.2) and (haze < -0.02 and rgb > 0.12)))
    return snow_like, high, low


def cloud_ref(s):
    return any(cloud_clauses(s))


def valid_ref(s, scl, vza):
    if any(not math.isfinite(v) for v in s.values()):
        return False
    if not vza < 11.0:
        return False
    if scl not in (2, 4, 5, 6, 11):
        return False
    if scl == 11 and not snow_ref(s, scl):
        return False
    return True


def stc_ref(obs, scls):
    """(branch, row) of the note's STC tree over valid observations ``obs`` (row numbers are
    positions in ``obs``); row None = no pixel."""
    ndvi = [nd(s["B08"], s["B04"]) for s in obs]
    mndwi = [nd(s["B03"], s["B11"]) for s in obs]
    tcbs = [tcb(s) for s in obs]
    n = len(obs)
    mean_ndvi, mean_mndwi, mean_tcb = sum(ndvi) / n, sum(mndwi) / n, sum(tcbs) / n
    max_ndvi_row = max(range(n), key=lambda i: ndvi[i])
    if mean_mndwi < -0.55 and max(ndvi) - mean_ndvi < 0.05:
        return 1, max_ndvi_row
    if mean_ndvi < -0.3 and mean_mndwi - min(mndwi) < 0.05:
        return 2, max(range(n), key=lambda i: mndwi[i])
    if mean_ndvi > 0.6 and mean_tcb < 0.45:
        return 3, max_ndvi_row
    m = min(range(n), key=lambda i: tcbs[i])
    if not cloud_ref(obs[m]):
        return 4, m
    if not snow_ref(obs[m], scls[m]):
        return 5, (m if tcbs[m] <= 1.0 else None)
    if mean_ndvi < -0.2:
        return 6, max(range(n), key=lambda i: mndwi[i])
    if mean_tcb > 0.45:
        return 7, min(range(n), key=lambda i: ndvi[i])
    return 8, max_ndvi_row


# --------------------------------------------------------------------------------------------
# Random stacks around real spectra
# --------------------------------------------------------------------------------------------

# (B02, B03, B04, B08, B8A, B11, B12) of typical surfaces and clouds.
BASES = np.array([
    (0.04, 0.07, 0.04, 0.35, 0.36, 0.18, 0.09),    # vegetation
    (0.10, 0.14, 0.18, 0.24, 0.25, 0.32, 0.26),    # soil
    (0.55, 0.53, 0.52, 0.55, 0.55, 0.40, 0.28),    # thick cloud
    (0.35, 0.33, 0.32, 0.36, 0.36, 0.28, 0.20),    # thin cloud
    (0.80, 0.78, 0.75, 0.70, 0.68, 0.08, 0.05),    # snow
    (0.25, 0.24, 0.22, 0.20, 0.19, 0.02, 0.01),    # dim snow
    (0.85, 0.82, 0.80, 0.50, 0.48, 0.03, 0.04),    # snow with negative NDVI
    (0.06, 0.06, 0.05, 0.02, 0.015, 0.01, 0.005),  # water
    (0.12, 0.11, 0.10, 0.12, 0.12, 0.09, 0.06),    # haze over dark land
    (0.05, 0.05, 0.10, 0.30, 0.31, 0.25, 0.20),    # dry vegetation, low mNDWI
], dtype=np.float64)
CORE = ("B02", "B03", "B04", "B08", "B8A", "B11", "B12")


def random_observations(rng, n_obs, pixels, noise=0.25):
    """band -> (n_obs, pixels) float32 around random base spectra (multiplicative noise)."""
    kind = rng.integers(0, len(BASES), size=(n_obs, pixels))
    factor = 1.0 + noise * rng.standard_normal((7, n_obs, pixels))
    values = np.clip(BASES[kind].transpose(2, 0, 1) * factor, 0.001, 1.6)
    bands = {band: values[i].astype(np.float32) for i, band in enumerate(CORE)}
    for band in REFLECTANCE_BANDS:
        if band not in bands:
            bands[band] = (0.5 * (bands["B04"] + bands["B8A"])).astype(np.float32)
    return bands


def observation(bands, row, pixel):
    return {band: float(stack[row, pixel]) for band, stack in bands.items()}


def test_cloud_test_equals_the_note_clause_by_clause():
    rng = np.random.default_rng(11)
    bands = random_observations(rng, 1, 40_000, noise=0.35)
    flags = cloud_test({b: s[0] for b, s in bands.items()})
    clauses = np.array([cloud_clauses(observation(bands, 0, p)) for p in range(40_000)])
    expected = clauses.any(axis=1)
    # Every clause decides somewhere on its own, so each one is checked.
    alone = clauses & (clauses.sum(axis=1, keepdims=True) == 1)
    assert alone.any(axis=0).all(), alone.sum(axis=0)
    np.testing.assert_array_equal(flags, expected)


def test_cloud_test_snow_like_rule_uses_b08_for_tcb_prime():
    # NDSI 0.75 and r = B03/B11 = 7 > 1. With B8A (0.30), TCB = 0.395 >= 0.36; with B08 (0.10)
    # TCB' = 0.283 < 0.36, so the snow-like rule must NOT fire; the haze and rgb values keep the
    # high/low cloud rules quiet (haze 0.0076, rgb 0.19).
    s = {"B02": 0.12, "B03": 0.21, "B04": 0.24, "B08": 0.10, "B8A": 0.30, "B11": 0.03,
         "B12": 0.02}
    assert tcb(s) > 0.36 > tcb(s, nir="B08")
    assert cloud_clauses(s) == (False, False, False)
    flags = cloud_test({b: np.array([v], dtype=np.float32) for b, v in s.items()})
    assert flags.tolist() == [False]
    # The same spectrum with B08 = B8A is snow-like.
    s["B08"] = 0.30
    assert cloud_clauses(s)[0]
    assert cloud_test({b: np.array([v], dtype=np.float32) for b, v in s.items()}).tolist() == [True]


def test_valid_filter_and_snow_refinement_equal_the_note():
    rng = np.random.default_rng(5)
    n_obs, pixels = 6, 3000
    bands = random_observations(rng, n_obs, pixels)
    scl = rng.choice(np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 11, 11], np.uint8),
                     size=(n_obs, pixels))
    vza = rng.uniform(0.0, 12.5, size=(n_obs, pixels)).astype(np.float32)
    vza[0, :10] = 11.0  # exactly the limit: rejected
    for band, bad in (("B05", np.nan), ("B12", np.inf), ("B01", -np.inf)):
        rows = rng.integers(0, n_obs, 50)
        cols = rng.integers(0, pixels, 50)
        bands[band][rows, cols] = bad
    valid = valid_observations(bands, scl, vza)
    expected = np.array([[valid_ref(observation(bands, r, p), int(scl[r, p]), float(vza[r, p]))
                          for p in range(pixels)] for r in range(n_obs)])
    np.testing.assert_array_equal(valid, expected)
    snow = snow_test(bands, scl)
    expected_snow = np.array([[snow_ref(observation(bands, r, p), int(scl[r, p]))
                               for p in range(pixels)] for r in range(n_obs)])
    np.testing.assert_array_equal(snow, expected_snow)


@pytest.mark.parametrize("n_obs", [2, 3, 5])
def test_stc_tree_equals_the_note_on_random_stacks(n_obs):
    rng = np.random.default_rng(100 + n_obs)
    pixels = 6000
    bands = random_observations(rng, n_obs, pixels, noise=0.2)
    scl = rng.choice(np.array([4, 5, 6, 11], np.uint8), size=(n_obs, pixels))
    valid = np.ones((n_obs, pixels), dtype=bool)
    if n_obs == 5:  # 2 or 3 valid among 5: the invalid ones must not count
        valid[:] = False
        for p in range(pixels):
            valid[rng.choice(5, size=rng.integers(2, 4), replace=False), p] = True
    index, branch = stc_decide(bands, scl, valid)
    seen = set()
    for p in range(pixels):
        rows = np.flatnonzero(valid[:, p])
        obs = [observation(bands, r, p) for r in rows]
        ref_branch, ref_pos = stc_ref(obs, [int(scl[r, p]) for r in rows])
        ref_row = -1 if ref_pos is None else int(rows[ref_pos])
        assert (int(branch[p]), int(index[p])) == (ref_branch, ref_row), p
        seen.add(ref_branch)
    assert seen == set(range(1, 9)), sorted(seen)


def test_select_best_dispatches_by_n_and_medoid_mos_is_sum_over_n():
    rng = np.random.default_rng(8)
    n_obs, pixels = 7, 2000
    bands = random_observations(rng, n_obs, pixels, noise=0.1)
    scl = np.full((n_obs, pixels), 4, np.uint8)
    valid = rng.random((n_obs, pixels)) < 0.45
    result = select_best(bands, scl, valid)
    n = valid.sum(axis=0)
    assert (result.valid_obs == n).all()
    assert (result.method[n == 0] == Method.NONE).all()
    assert (result.method[n == 1] == Method.SINGLE).all()
    assert (result.index[n == 1] == np.argmax(valid, axis=0)[n == 1]).all()
    assert np.isin(result.method[(n == 2) | (n == 3)], (Method.STC, Method.NONE)).all()
    assert (result.method[n >= 4] == Method.MEDOID).all()
    assert np.isnan(result.medoid_mos[n < 4]).all()
    medoid_bands = ("B02", "B03", "B04", "B06", "B08", "B11", "B12")
    x = np.stack([bands[b].astype(np.float64) for b in medoid_bands])  # (7, n_obs, pixels)
    for p in np.flatnonzero(n >= 4)[:300]:
        rows = np.flatnonzero(valid[:, p])
        pts = x[:, rows, p].T
        sums = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(axis=2)).sum(axis=1)
        best = int(np.argmin(sums))
        if np.sort(sums)[1] - sums[best] > 1e-5:  # no near tie: float32 cannot differ
            assert int(result.index[p]) == int(rows[best])
        assert result.medoid_mos[p] == pytest.approx(sums.min() / len(rows), rel=1e-5)
