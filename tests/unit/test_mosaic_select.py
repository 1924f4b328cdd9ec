"""Known-answer tests of the S2GM pixel choice on hand-built stacks (no files).

Each spectrum below is designed so that the rule it exercises is known in advance; the comments
give the index values worked out by hand from the formulas of ../shared/docs/mosaic-algorithm.md.
"""
from __future__ import annotations

import numpy as np
import pytest

from s2gm_qgis.core.mosaic import select
from tests.unit.reference_kernels import medoid_select_pairwise
from s2gm_qgis.core.mosaic.select import (
    MEDOID_BANDS,
    REFLECTANCE_BANDS,
    Method,
    cloud_test,
    medoid_select,
    select_best,
    snow_test,
    stc_decide,
    take_selected,
    valid_observations,
)

# Spectra as (B02, B03, B04, B08, B8A, B11, B12); the other bands get plausible values.
SPECTRA = {
    # NDVI 0.79, mNDWI -0.44, TCB 0.36
    "vegetation": (0.04, 0.07, 0.04, 0.35, 0.36, 0.18, 0.09),
    # NDVI 0.14, mNDWI -0.39, TCB 0.47; cloudTest false (haze -0.014)
    "soil": (0.10, 0.14, 0.18, 0.24, 0.25, 0.32, 0.26),
    # TCB 1.12, r 1.33, rgb 0.53, haze -0.21: cloudTest true
    "cloud": (0.55, 0.53, 0.52, 0.55, 0.55, 0.40, 0.28),
    # TCB 0.73, r 1.18, rgb 0.33, haze -0.14: cloudTest true, TCB <= 1
    "thin_cloud": (0.35, 0.33, 0.32, 0.36, 0.36, 0.28, 0.20),
    # NDSI 0.81, TCB 1.25: passes the snow refinement
    "snow": (0.80, 0.78, 0.75, 0.70, 0.68, 0.08, 0.05),
    # NDVI -0.43, mNDWI 0.71
    "water": (0.06, 0.06, 0.05, 0.02, 0.015, 0.01, 0.005),
}
OTHER_BANDS = {"B01": 0.05, "B05": 0.12, "B06": 0.20, "B07": 0.22}
SPECTRAL_ORDER = ("B02", "B03", "B04", "B08", "B8A", "B11", "B12")


def stack(*spectra, others=OTHER_BANDS):
    """band -> (n_obs, 1) float32 stack of one pixel from spectra (names or 7-tuples)."""
    rows = [SPECTRA[s] if isinstance(s, str) else s for s in spectra]
    bands = {band: np.array([[row[i]] for row in rows], dtype=np.float32)
             for i, band in enumerate(SPECTRAL_ORDER)}
    for band, value in others.items():
        bands[band] = np.full((len(rows), 1), value, dtype=np.float32)
    return bands


def column(values, dtype=np.uint8):
    return np.array(values, dtype=dtype)[:, None]


def hstack(*pixels):
    """Join one-pixel stacks (same n_obs) into a multi-pixel stack."""
    return {band: np.concatenate([p[band] for p in pixels], axis=1) for band in pixels[0]}


def index_values(spectrum):
    b02, b03, b04, b08, b8a, b11, b12 = spectrum
    ndvi = (b08 - b04) / (b08 + b04)
    mndwi = (b03 - b11) / (b03 + b11)
    tcb = 0.3029 * b02 + 0.2786 * b03 + 0.4733 * b04 + 0.5599 * b8a + 0.508 * b11 + 0.1872 * b12
    return ndvi, mndwi, tcb


# ---------------------------------------------------------------------------------------------
# Indices and single-observation tests
# ---------------------------------------------------------------------------------------------

def test_tasselled_cap_brightness_matches_the_atbd_coefficients():
    bands = {b: np.float32(1.0) for b in SPECTRAL_ORDER}
    assert select.tasselled_cap_brightness(bands) == pytest.approx(
        0.3029 + 0.2786 + 0.4733 + 0.5599 + 0.508 + 0.1872, abs=1e-6)
    bands = stack("vegetation")
    assert select.tasselled_cap_brightness(bands)[0, 0] == pytest.approx(
        index_values(SPECTRA["vegetation"])[2], abs=1e-6)


def test_cloud_test_flags_clouds_and_snow_like_but_not_clear_surfaces():
    bands = stack("cloud", "thin_cloud", "snow", "soil", "vegetation", "water")
    assert cloud_test(bands)[:, 0].tolist() == [True, True, True, False, False, False]


def test_snow_test_needs_scl_snow_ndsi_and_brightness():
    bands = stack("snow", "snow", "cloud", (0.25, 0.24, 0.22, 0.2, 0.19, 0.02, 0.01),
                  (0.10, 0.10, 0.10, 0.09, 0.09, 0.01, 0.01))
    scl = column([11, 4, 11, 11, 11])
    # real snow; snow spectrum not labelled snow; cloud labelled snow (NDSI 0.14);
    # dim snow TCB 0.365 > 0.36; too dark TCB 0.17
    assert snow_test(bands, scl)[:, 0].tolist() == [True, False, False, True, False]


# ---------------------------------------------------------------------------------------------
# Valid observations
# ---------------------------------------------------------------------------------------------

def test_only_clear_scene_classes_are_valid():
    scl_values = list(range(12))
    bands = stack(*["soil"] * 12)
    vza = np.full((12, 1), 5.0, dtype=np.float32)
    valid = valid_observations(bands, column(scl_values), vza)[:, 0]
    # 0 no data, 1 saturated, 3 cloud shadow, 7 unclassified, 8/9 cloud, 10 cirrus: rejected;
    # 11 with a soil spectrum fails the snow refinement.
    assert valid.tolist() == [False, False, True, False, True, True, True, False, False, False,
                              False, False]


def test_snow_refinement_keeps_real_snow_and_rejects_cloud_flagged_as_snow():
    bands = stack("snow", "cloud")
    valid = valid_observations(bands, column([11, 11]), np.full((2, 1), 3.0))
    assert valid[:, 0].tolist() == [True, False]


def test_swath_edge_and_missing_data_are_never_valid():
    bands = stack(*["vegetation"] * 5)
    bands["B05"][2, 0] = np.nan  # one band no-data
    bands["B12"][3, 0] = np.inf
    vza = column([10.99, 11.0, 5.0, 5.0, np.nan], dtype=np.float32)
    valid = valid_observations(bands, column([4] * 5), vza)
    assert valid[:, 0].tolist() == [True, False, False, False, False]


# ---------------------------------------------------------------------------------------------
# STC: every branch of the decision tree
# ---------------------------------------------------------------------------------------------

STC_CASES = [
    # branch 1: mean mNDWI -0.67 < -0.55, NDVI 0.50 / 0.519 (spread 0.01): max NDVI -> 1
    (1, [(0.05, 0.05, 0.10, 0.30, 0.31, 0.25, 0.20), (0.05, 0.05, 0.095, 0.30, 0.31, 0.25, 0.20)],
     [5, 5], 1),
    # branch 2: NDVI -0.43, mNDWI 0.714 / 0.667 (mean - min 0.024): max mNDWI -> 0
    (2, [(0.06, 0.06, 0.05, 0.02, 0.015, 0.01, 0.005), (0.06, 0.06, 0.05, 0.02, 0.015, 0.012,
                                                         0.005)], [6, 6], 0),
    # branch 3: vegetation, NDVI 0.79 / 0.81, TCB 0.36: max NDVI -> 1
    (3, ["vegetation", (0.04, 0.07, 0.037, 0.35, 0.36, 0.18, 0.09)], [4, 4], 1),
    # branch 4: cloud (SCL misses it) + soil; m = soil, not cloudy -> 1
    (4, ["cloud", "soil"], [5, 5], 1),
    # branch 5: two clouds, m = thin cloud (cloudy, not snow), TCB 0.73 <= 1 -> 1
    (5, ["cloud", "thin_cloud"], [5, 5], 1),
    # branch 5 refusing: both brighter than TCB 1 -> no pixel
    (5, ["cloud", (0.7, 0.68, 0.66, 0.7, 0.7, 0.5, 0.35)], [5, 5], -1),
    # branch 6: two snows with NDVI -0.23: mean NDVI < -0.2; m = 1 (TCB 1.10), max mNDWI -> 0
    (6, [(0.85, 0.82, 0.80, 0.50, 0.48, 0.03, 0.04), (0.80, 0.78, 0.76, 0.48, 0.46, 0.04, 0.03)],
     [11, 11], 0),
    # branch 7: two snows, mean TCB > 0.45; m = 1, min NDVI (-0.071) -> 0
    (7, [(0.8, 0.78, 0.75, 0.65, 0.68, 0.08, 0.05), (0.7, 0.68, 0.66, 0.58, 0.57, 0.07, 0.04)],
     [11, 11], 0),
    # branch 8: two dim snows, mean TCB 0.39; m = 0, max NDVI -> 1
    (8, [(0.25, 0.24, 0.22, 0.2, 0.19, 0.02, 0.01), (0.28, 0.27, 0.25, 0.24, 0.23, 0.025, 0.012)],
     [11, 11], 1),
]


@pytest.mark.parametrize("branch, spectra, scl, expected", STC_CASES)
def test_stc_branch(branch, spectra, scl, expected):
    bands = stack(*spectra)
    scl_stack = column(scl)
    valid = valid_observations(bands, scl_stack, np.full((len(scl), 1), 4.0))
    assert valid.all(), "the designed observations must all be valid"
    index, decided = stc_decide(bands, scl_stack, valid)
    assert (int(decided[0]), int(index[0])) == (branch, expected)


def test_stc_with_three_observations_and_an_invalid_one_ignored():
    # Three clear vegetation samples plus a cloud that SCL caught (class 9): the cloud's very
    # negative mNDWI / low NDVI must not enter the means.
    bands = stack("vegetation", "cloud", (0.04, 0.07, 0.036, 0.36, 0.36, 0.18, 0.09),
                  (0.04, 0.07, 0.045, 0.35, 0.36, 0.18, 0.09))
    scl = column([4, 9, 4, 4])
    valid = valid_observations(bands, scl, np.full((4, 1), 4.0))
    assert valid[:, 0].tolist() == [True, False, True, True]
    index, branch = stc_decide(bands, scl, valid)
    assert (int(branch[0]), int(index[0])) == (3, 2)  # max NDVI among the valid ones


def test_all_stc_branches_decided_at_once_in_one_vectorised_call():
    pixels = [stack(*spectra) for _, spectra, _, _ in STC_CASES]
    bands = hstack(*pixels)
    scl = np.concatenate([column(s) for _, _, s, _ in STC_CASES], axis=1)
    valid = np.ones(scl.shape, dtype=bool)
    index, branch = stc_decide(bands, scl, valid)
    assert branch.tolist() == [case[0] for case in STC_CASES]
    assert index.tolist() == [case[3] for case in STC_CASES]


# ---------------------------------------------------------------------------------------------
# Medoid
# ---------------------------------------------------------------------------------------------

def test_medoid_known_answer_and_mos():
    # Observations with every band equal to v: distances are sqrt(7) |v_i - v_j|.
    # Sums of |v_i - v_j| over j: 0.63, 0.59, 1.15, 0.60, 1.95 -> the medoid is obs 1 (v 0.12).
    levels = [0.10, 0.12, 0.30, 0.11, 0.50]
    features = np.array(levels, dtype=np.float32)[None, :, None].repeat(7, axis=0)
    valid = np.ones((5, 1), dtype=bool)
    index, total = medoid_select(features, valid)
    assert index.tolist() == [1]
    assert total[0] == pytest.approx(np.sqrt(7) * 0.59, rel=1e-5)


def test_medoid_ignores_invalid_observations():
    levels = [0.10, 0.12, 0.30, 0.11, 0.50, 0.90]
    features = np.array(levels, dtype=np.float32)[None, :, None].repeat(7, axis=0)
    features[:, 5, 0] = np.nan  # invalid samples may hold anything
    valid = np.array([[True], [False], [True], [True], [True], [False]])
    # Without obs 1 and 5, the sums of |v_i - v_j| over {0.10, 0.30, 0.11, 0.50} are 0.61,
    # 0.59, 0.59, 1.17: obs 2 and 3 tie in exact arithmetic and float32 rounding decides, so
    # the test checks the candidates and agreement with the reference to the last bit.
    index, total = medoid_select(features, valid)
    ref_index, ref_total = medoid_select_pairwise(features, valid)
    assert index.tolist() == ref_index.tolist()
    assert index[0] in (2, 3)
    assert total[0] == ref_total[0]


def test_medoid_ties_go_to_the_first_observation():
    features = np.zeros((7, 4, 1), dtype=np.float32)  # four identical observations
    index, total = medoid_select(features, np.ones((4, 1), dtype=bool))
    assert index.tolist() == [0] and total.tolist() == [0.0]


@pytest.mark.parametrize("n_obs", [4, 7, 12, 15])
def test_fast_medoid_is_bit_identical_to_the_pairwise_reference(n_obs):
    rng = np.random.default_rng(n_obs)
    pixels = 5000  # more than two kernel chunks
    # Reflectances quantised like real products (1e-4 steps), so exact ties also occur.
    features = (rng.integers(0, 4000, size=(7, n_obs, pixels)) / 10000).astype(np.float32)
    features[:, :, :50] = features[:, :1, :50]  # duplicated observations: exact ties
    valid = rng.random((n_obs, pixels)) < 0.7
    valid[:, 100:200] = False  # pixels with nothing valid
    features[~np.broadcast_to(valid[None], features.shape)] = np.nan
    index, total = medoid_select(features, valid)
    ref_index, ref_total = medoid_select_pairwise(features, valid)
    np.testing.assert_array_equal(index, ref_index)
    np.testing.assert_array_equal(total, ref_total)  # NaN where none, equal elsewhere
    assert (index[100:200] == -1).all()


# ---------------------------------------------------------------------------------------------
# The whole choice: single / STC / medoid / none, quality layers from the chosen observation
# ---------------------------------------------------------------------------------------------

def test_select_best_methods_source_index_valid_obs_and_medoid_mos():
    n = 6
    # pixel 0: nothing valid (clouds, shadow, no data); pixel 1: one valid (obs 4);
    # pixel 2: two valid (branch 4: soil chosen over a cloud missed by SCL);
    # pixel 3: five valid levels (medoid = obs 1), one cloud (obs 5, SCL 9).
    def flat(v):
        return (v,) * 7

    p0 = stack(*["cloud"] * n)
    p1 = stack(*["cloud"] * 4, "vegetation", "cloud")
    p2 = stack("cloud", "soil", *["cloud"] * 4)
    p3 = stack(flat(0.10), flat(0.12), flat(0.30), flat(0.11), flat(0.50), "cloud")
    bands = hstack(p0, p1, p2, p3)
    scl = np.array([
        [9, 8, 3, 0, 10, 1],
        [9, 9, 9, 9, 4, 9],
        [5, 5, 9, 9, 9, 9],
        [5, 5, 5, 5, 5, 9],
    ], dtype=np.uint8).T
    vza = np.full(scl.shape, 6.0, dtype=np.float32)
    valid = valid_observations(bands, scl, vza)
    result = select_best(bands, scl, valid)

    assert result.index.tolist() == [-1, 4, 1, 1]
    assert result.method.tolist() == [Method.NONE, Method.SINGLE, Method.STC, Method.MEDOID]
    assert result.valid_obs.tolist() == [0, 1, 2, 5]
    assert np.isnan(result.medoid_mos[:3]).all()
    # Of the medoid bands, B06 is constant here, so distances are sqrt(6) |v_i - v_j| and
    # medoid_mos = sum of distances / n = sqrt(6) * 0.59 / 5.
    assert result.medoid_mos[3] == pytest.approx(np.sqrt(6) * 0.59 / 5, rel=1e-5)
    assert result.counts() == {"medoid": 1, "stc": 1, "single": 1, "none": 1}

    # Every output layer comes from the chosen observation.
    aot = np.arange(n * 4, dtype=np.float32).reshape(4, n).T
    chosen_aot = take_selected(aot, result.index)
    assert np.isnan(chosen_aot[0])
    assert chosen_aot[1:].tolist() == [aot[4, 1], aot[1, 2], aot[1, 3]]
    chosen_scl = take_selected(scl, result.index, fill=0)
    assert chosen_scl.tolist() == [0, 4, 5, 5]


def test_medoid_uses_only_its_seven_bands():
    rng = np.random.default_rng(3)
    n, pixels = 8, 300
    bands = {b: (rng.integers(200, 3000, (n, pixels)) / 10000).astype(np.float32)
             for b in REFLECTANCE_BANDS}
    scl = np.full((n, pixels), 4, dtype=np.uint8)
    valid = np.ones((n, pixels), dtype=bool)
    first = select_best(bands, scl, valid)
    for band in set(REFLECTANCE_BANDS) - set(MEDOID_BANDS):
        bands[band] = bands[band][::-1].copy()
    second = select_best(bands, scl, valid)
    np.testing.assert_array_equal(first.index, second.index)
    assert (first.method == Method.MEDOID).all()


def test_stc_refusal_counts_as_no_pixel():
    bands = stack("cloud", (0.7, 0.68, 0.66, 0.7, 0.7, 0.5, 0.35))
    scl = column([5, 5])
    result = select_best(bands, scl, np.ones((2, 1), dtype=bool))
    assert result.index.tolist() == [-1]
    assert result.method.tolist() == [Method.NONE]
    assert result.valid_obs.tolist() == [2]


@pytest.mark.parametrize("compact", [True, False])
@pytest.mark.parametrize("n_obs, clouds", [(5, "random"), (12, "patches"), (20, "random")])
def test_both_medoid_strategies_are_bit_identical_to_the_pairwise_reference(compact, n_obs,
                                                                              clouds):
    # Compacted (per-pixel gather of the valid observations) and in place (every slot, invalid
    # ones zeroed; observations cloudy over a whole chunk left out) must add the same terms in
    # the same order as the reference.
    rng = np.random.default_rng(100 + n_obs)
    rows, cols = 24, 512  # 12288 pixels: three kernel chunks
    features = (rng.integers(0, 4000, size=(7, n_obs, rows * cols)) / 10000).astype(np.float32)
    features[:, 1::3, :40] = features[:, :1, :40]  # exact ties
    if clouds == "random":
        valid = rng.random((n_obs, rows * cols)) < 0.6
    else:  # cloud patches: whole chunks without a valid sample for some observations
        valid = np.ones((n_obs, rows, cols), dtype=bool)
        for k in range(n_obs):
            r0, c0 = rng.integers(0, rows), rng.integers(0, cols)
            valid[k, r0:r0 + 10, c0:c0 + 300] = False
        valid = valid.reshape(n_obs, -1)
    valid[:, 5000:5100] = False  # pixels with nothing valid
    features[~np.broadcast_to(valid[None], features.shape)] = np.nan
    index, total = medoid_select(features, valid, compact=compact)
    ref_index, ref_total = medoid_select_pairwise(features, valid)
    np.testing.assert_array_equal(index, ref_index)
    assert np.array_equal(total.view(np.int32), ref_total.view(np.int32))  # to the last bit
    assert (index[5000:5100] == -1).all()


def test_scene_classes_as_bytes_are_judged_like_any_integer_classes():
    # uint8 SCL goes through a lookup table, other integer types through np.isin.
    scl = np.arange(256, dtype=np.uint8).reshape(1, -1)
    bands = {b: np.full(scl.shape, 0.2, dtype=np.float32) for b in select.REFLECTANCE_BANDS}
    bands["B03"][:] = 0.1  # NDSI < 0.6: the snow class fails the refinement either way
    vza = np.full(scl.shape, 5.0, dtype=np.float32)
    as_bytes = valid_observations(bands, scl, vza)
    as_ints = valid_observations(bands, scl.astype(np.int32), vza)
    np.testing.assert_array_equal(as_bytes, as_ints)
    assert np.flatnonzero(as_bytes[0]).tolist() == [2, 4, 5, 6]


def test_take_selected_with_shared_positions_or_a_strided_stack():
    rng = np.random.default_rng(9)
    stack = rng.random((5, 300)).astype(np.float32)
    index = rng.integers(-1, 5, 300).astype(np.int16)
    expected = np.where(index >= 0, stack[np.clip(index, 0, None), np.arange(300)], np.nan)
    positions = select.selected_positions(index)
    for got in (take_selected(stack, index), take_selected(stack, index, positions=positions),
                take_selected(np.asfortranarray(stack), index)):
        np.testing.assert_array_equal(got, expected.astype(np.float32))
    classes = rng.integers(1, 12, (5, 300)).astype(np.uint8)
    picked = take_selected(classes, index, positions=positions)
    assert picked.dtype == np.float32 and np.isnan(picked[index < 0]).all()
