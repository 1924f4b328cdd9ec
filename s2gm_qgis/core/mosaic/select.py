"""Per-pixel choice of the best observation, the S2GM way (ATBD v1.3.3, mosaics V1.1.0).

Everything works on stacks shaped ``(n_obs, pixels)``: one row per observation (a product's
sample of the output grid), one column per output pixel. Reflectances are physical (0-1, NaN for
no-data). The rules are those of ../shared/docs/mosaic-algorithm.md:

1. valid observation: every band finite, mean view zenith < 11 deg, SCL in {2, 4, 5, 6, 11}, and
   SCL 11 (snow/ice) only when the snow refinement test passes
   (NDSI > 0.6 and TCB > 0.36);
2. by the number n of valid observations: none (n = 0), the single one (n = 1), the short-term
   composite decision tree (n = 2 or 3), the medoid (n >= 4, Flood 2013) in the space of B02, B03,
   B04, B06, B08, B11, B12.

No per-pixel Python: each rule is a numpy expression over whole stacks. The medoid kernel
(:func:`medoid_select`) visits each unordered pair of observations once, on cache-sized pixel
chunks, leaving out observations with no valid sample in a chunk (and, for long mostly cloudy
stacks, compacting each pixel's valid observations first); the tests and the benchmark check it
(bit for bit) against a straightforward all-pairs version (tests/unit/reference_kernels.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Mapping, Optional

import numpy as np

#: The reflectance bands of an S2GM temporal mosaic (every MSI band except B09 and B10).
REFLECTANCE_BANDS: tuple[str, ...] = (
    "B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B11", "B12",
)
#: The feature space of the medoid (ATBD: the bands not affected by water vapour or aerosols).
MEDOID_BANDS: tuple[str, ...] = ("B02", "B03", "B04", "B06", "B08", "B11", "B12")
#: Scene classes accepted as valid: dark feature/shadow, vegetation, not vegetated, water, snow/ice.
SCL_VALID_CLASSES: tuple[int, ...] = (2, 4, 5, 6, 11)
SCL_SNOW_ICE = 11
_SCL_VALID_TABLE = np.isin(np.arange(256), SCL_VALID_CLASSES)  # uint8 class -> valid class
#: Observations seen at a mean view zenith at or above this are swath-border samples, rejected.
VIEW_ZENITH_LIMIT_DEG = 11.0
#: Tasselled-cap brightness coefficients (B02, B03, B04, B8A, B11, B12), from the ATBD.
TCB_COEFFICIENTS: tuple[tuple[str, float], ...] = (
    ("B02", 0.3029), ("B03", 0.2786), ("B04", 0.4733), ("B8A", 0.5599), ("B11", 0.508),
    ("B12", 0.1872),
)
#: Haze index coefficients of the ATBD's cloud test (B02, B03, B04, B8A, B11, B12).
HAZE_COEFFICIENTS: tuple[tuple[str, float], ...] = (
    ("B02", -0.8239), ("B03", 0.0849), ("B04", 0.4396), ("B8A", -0.058), ("B11", 0.2013),
    ("B12", -0.2773),
)

#: Pixels per chunk of the medoid kernel: the chunk's (7 bands, n_obs, 4096) float32 samples
#: and its (n_obs, 4096) distance rows stay in the L2 cache.
MEDOID_CHUNK_PIXELS = 4096
#: The medoid kernel first compacts each pixel's valid observations (a gather) when that leaves
#: less than this fraction of the pair distances to compute (sum of n_valid^2 against n_obs^2 per
#: pixel): long, mostly cloudy stacks. Otherwise the gather costs more than the pairs it saves.
MEDOID_COMPACT_BELOW = 0.25


class Method(IntEnum):
    """How a pixel's observation was chosen (the ``method`` array of a :class:`Selection`)."""

    NONE = 0  # no valid observation, or the STC tree refused the only candidate
    SINGLE = 1  # n = 1
    STC = 2  # n = 2 or 3
    MEDOID = 3  # n >= 4
    PREFERENCE = 4  # VEG / SOI preference decided (n >= 2)
    CLEAR = 5  # BrightEarth: the least hazy clear observation
    HAZY = 6  # BrightEarth: nothing clear, the least hazy observation with data


@dataclass(frozen=True)
class Selection:
    """The choice made for each pixel of a block.

    ``index``: row of the chosen observation in the stack, -1 where none; ``method``: a
    :class:`Method` code per pixel; ``valid_obs``: number of valid observations (n);
    ``medoid_mos``: sum of the chosen observation's distances to the other valid observations
    divided by n (reflectance units), NaN where the medoid was not used.
    """

    index: np.ndarray  # int16 (pixels,)
    method: np.ndarray  # uint8 (pixels,)
    valid_obs: np.ndarray  # uint16 (pixels,)
    medoid_mos: np.ndarray  # float32 (pixels,)

    def counts(self) -> dict[str, int]:
        """Pixels per method: medoid, stc, single, none (none includes STC refusals)."""
        per_method = np.bincount(self.method, minlength=len(Method))
        return {
            "medoid": int(per_method[Method.MEDOID]),
            "stc": int(per_method[Method.STC]),
            "single": int(per_method[Method.SINGLE]),
            "none": int(per_method[Method.NONE]),
        }


# --------------------------------------------------------------------------------------------
# Spectral indices (elementwise; any array shape)
# --------------------------------------------------------------------------------------------

def normalised_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(a - b) / (a + b); NaN where a + b is 0 and either is NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return (a - b) / (a + b)


def tasselled_cap_brightness(bands: Mapping[str, np.ndarray], *, nir: str = "B8A") -> np.ndarray:
    """TCB = 0.3029 B02 + 0.2786 B03 + 0.4733 B04 + 0.5599 B8A + 0.508 B11 + 0.1872 B12.

    ``nir="B08"`` gives the TCB' of the cloud test's snow-like rule (B08 in place of B8A).
    """
    total = None
    for band, weight in TCB_COEFFICIENTS:
        term = np.float32(weight) * bands[nir if band == "B8A" else band]
        total = term if total is None else total + term
    return total


def haze_index(bands: Mapping[str, np.ndarray]) -> np.ndarray:
    """haze = -0.8239 B02 + 0.0849 B03 + 0.4396 B04 - 0.058 B8A + 0.2013 B11 - 0.2773 B12."""
    total = None
    for band, weight in HAZE_COEFFICIENTS:
        term = np.float32(weight) * bands[band]
        total = term if total is None else total + term
    return total


def snow_test(bands: Mapping[str, np.ndarray], scl: np.ndarray) -> np.ndarray:
    """snowTest: SCL is 11 (snow/ice) and NDSI = (B03-B11)/(B03+B11) > 0.6 and TCB > 0.36.

    The refinement that keeps real snow and rejects bright cloud that Sen2Cor labelled snow.
    """
    ndsi = normalised_difference(bands["B03"], bands["B11"])
    return (scl == SCL_SNOW_ICE) & (ndsi > 0.6) & (tasselled_cap_brightness(bands) > 0.36)


def cloud_test(bands: Mapping[str, np.ndarray]) -> np.ndarray:
    """The ATBD's isCloudOrSnow on single observations (elementwise), true for snow-like,
    high-probability cloud or low-probability cloud samples.

    With r = B03/B11, rgb = (B02+B03+B04)/3, nd = (B08-B11)/(B08+B11), haze as
    :func:`haze_index` and TCB' the brightness with B08 for B8A:
    snow-like: NDSI > 0.7 and not (r > 1 and TCB' < 0.36);
    high: ((r > 1 and rgb > 0.3) and (haze < -0.1 or (haze > -0.08 and nd < 0.4))) or haze < -0.2
    or ((r > 1 and rgb < 0.3) and (haze < -0.055 and rgb > 0.12))
    or (not (r > 1 and rgb < 0.3) and (haze < -0.09 and rgb > 0.12));
    low: ((1/r > 1 and rgb < 0.2) and (haze < -0.1 or (haze < -0.08 and nd < 0.4)))
    or haze < -0.2 or ((r > 1 and rgb < 0.2) and (haze < -0.055 and rgb > 0.12))
    or (not (r > 1 and rgb < 0.2) and (haze < -0.02 and rgb > 0.12)).
    """
    b02, b03, b04, b08, b11 = (bands[b] for b in ("B02", "B03", "B04", "B08", "B11"))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = b03 / b11
        r_inv = b11 / b03
    rgb = (b02 + b03 + b04) / np.float32(3.0)
    haze = haze_index(bands)
    nd = normalised_difference(b08, b11)
    ndsi = normalised_difference(b03, b11)
    tcb_b08 = tasselled_cap_brightness(bands, nir="B08")

    snow_like = (ndsi > 0.7) & ~((r > 1) & (tcb_b08 < 0.36))
    high = (
        (((r > 1) & (rgb > 0.3)) & ((haze < -0.1) | ((haze > -0.08) & (nd < 0.4))))
        | (haze < -0.2)
        | (((r > 1) & (rgb < 0.3)) & ((haze < -0.055) & (rgb > 0.12)))
        | (~((r > 1) & (rgb < 0.3)) & ((haze < -0.09) & (rgb > 0.12)))
    )
    low = (
        (((r_inv > 1) & (rgb < 0.2)) & ((haze < -0.1) | ((haze < -0.08) & (nd < 0.4))))
        | (haze < -0.2)
        | (((r > 1) & (rgb < 0.2)) & ((haze < -0.055) & (rgb > 0.12)))
        | (~((r > 1) & (rgb < 0.2)) & ((haze < -0.02) & (rgb > 0.12)))
    )
    return snow_like | high | low


# --------------------------------------------------------------------------------------------
# Valid observations
# --------------------------------------------------------------------------------------------

def valid_observations(
    bands: Mapping[str, np.ndarray],
    scl: np.ndarray,
    view_zenith_mean_deg: np.ndarray,
) -> np.ndarray:
    """The pre-filter: a boolean ``(n_obs, pixels)`` mask of valid observations.

    ``bands`` maps every band that must have data (the engine passes all reflectance bands of the
    mosaic) to an ``(n_obs, pixels)`` reflectance stack with NaN for no-data; ``scl`` is the scene
    classification; ``view_zenith_mean_deg`` the view zenith averaged over the bands (NaN where
    unknown counts as not below the limit, so the sample is rejected).
    """
    scl = np.asarray(scl)
    if scl.dtype == np.uint8:  # a table lookup (np.isin sorts)
        valid = _SCL_VALID_TABLE[scl]
    else:
        valid = np.isin(scl, SCL_VALID_CLASSES)
    test = np.empty(valid.shape, dtype=bool)  # one buffer for every test
    with np.errstate(invalid="ignore"):
        np.less(view_zenith_mean_deg, VIEW_ZENITH_LIMIT_DEG, out=test)
    valid &= test
    for stack in bands.values():
        np.isfinite(stack, out=test)
        valid &= test
    snow = np.nonzero(valid & (scl == SCL_SNOW_ICE))
    if snow[0].size:  # the refinement only where it applies (snow is rare)
        subset = {band: stack[snow] for band, stack in bands.items()}
        valid[snow] = snow_test(subset, scl[snow])
    return valid


class Reject(IntEnum):
    """The first test of the valid filter (:func:`valid_observations`) a sample fails, in the
    order of ../shared/docs/mosaic-algorithm.md section 1 (``NONE``: it passes all)."""

    NONE = 0
    NO_DATA = 1  # a band without data, or SCL 0 (no data)
    VIEW_ZENITH = 2  # mean view zenith not below VIEW_ZENITH_LIMIT_DEG (or unknown)
    SCL_CLASS = 3  # a scene class outside SCL_VALID_CLASSES
    SNOW_REFINEMENT = 4  # SCL 11 whose NDSI / TCB fail snow_test (bright cloud taken for snow)


#: What the point time series writes for each :class:`Reject` code ("" when valid).
REJECT_NAMES: dict[int, str] = {
    Reject.NONE: "", Reject.NO_DATA: "no_data", Reject.VIEW_ZENITH: "view_zenith",
    Reject.SCL_CLASS: "scl_class", Reject.SNOW_REFINEMENT: "snow_refinement",
}


def reject_reasons(
    bands: Mapping[str, np.ndarray],
    scl: np.ndarray,
    view_zenith_mean_deg: np.ndarray,
) -> np.ndarray:
    """The valid filter of :func:`valid_observations`, test by test: a uint8 :class:`Reject`
    code per sample, the first test it fails (same arguments, any same shape).

    The tests are that function's own (its class table, zenith limit and :func:`snow_test`),
    so ``reject_reasons(...) == Reject.NONE`` is exactly ``valid_observations(...)`` (checked
    by the tests); SCL 0 is reported as no data rather than as a class.
    """
    scl = np.asarray(scl)
    reason = np.full(scl.shape, Reject.NONE, dtype=np.uint8)
    has_data = scl != 0
    for stack in bands.values():
        has_data &= np.isfinite(stack)
    with np.errstate(invalid="ignore"):
        view_ok = np.asarray(view_zenith_mean_deg) < VIEW_ZENITH_LIMIT_DEG
    class_ok = _SCL_VALID_TABLE[scl] if scl.dtype == np.uint8 else np.isin(scl, SCL_VALID_CLASSES)
    snow = has_data & view_ok & class_ok & (scl == SCL_SNOW_ICE)
    snow_ok = np.ones(scl.shape, dtype=bool)
    if snow.any():
        snow_ok[snow] = snow_test({band: stack[snow] for band, stack in bands.items()},
                                  scl[snow])
    # Assigned from the last test to the first, so the first failing one is what remains.
    reason[~snow_ok] = Reject.SNOW_REFINEMENT
    reason[~class_ok] = Reject.SCL_CLASS
    reason[~view_ok] = Reject.VIEW_ZENITH
    reason[~has_data] = Reject.NO_DATA
    return reason


# --------------------------------------------------------------------------------------------
# Medoid
# --------------------------------------------------------------------------------------------

def _check_medoid_inputs(features, valid: np.ndarray) -> None:
    shapes = {np.shape(f) for f in features}
    if len(shapes) != 1 or len(next(iter(shapes))) != 2:
        raise ValueError("features must be (bands, n_obs, pixels) or a sequence of same-shape"
                         f" (n_obs, pixels) arrays, got shapes {sorted(shapes)}")
    if valid.shape != next(iter(shapes)):
        raise ValueError(f"valid must be (n_obs, pixels) = {next(iter(shapes))}, got shape"
                         f" {valid.shape}")


def medoid_select(features, valid: np.ndarray, *, compact: Optional[bool] = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Medoid of the valid observations of each pixel (Flood 2013).

    ``features``: ``(bands, n_obs, pixels)`` reflectances, or a sequence of ``(n_obs, pixels)``
    arrays, one per band (float32; values at invalid samples are ignored, NaN allowed);
    ``valid``: ``(n_obs, pixels)``. Returns ``(index, distance_sum)``:
    the observation i minimising S_i = sum_j ||x_j - x_i|| over valid i, j (the lowest index on
    ties; -1 where no observation is valid) and S_i (float32, NaN where none).

    Each unordered pair is computed once and added to both members' sums, on chunks of
    :data:`MEDOID_CHUNK_PIXELS` pixels. Invalid samples are zeroed and the distances of pairs
    with an invalid member multiplied by 0, so they add exactly 0. With ``compact`` (by default
    when that leaves few of the pairs, see :data:`MEDOID_COMPACT_BELOW`) pixels are first
    ordered by their number of valid observations and each pixel's valid observations moved to
    the front (keeping their order), so a chunk only computes the pairs its pixels have. Either
    way the sums add the same float32 terms in the same order as the all-pairs reference
    (band by band, then j by j; zeros change nothing), so both give bit-identical results.
    """
    _check_medoid_inputs(features, valid)
    n_obs, n_pixels = valid.shape
    index = np.full(n_pixels, -1, dtype=np.int16)
    best = np.full(n_pixels, np.nan, dtype=np.float32)
    counts = valid.sum(axis=0)
    if n_pixels == 0 or not counts.any():
        return index, best
    features = [np.asarray(f, dtype=np.float32) for f in features]
    if compact is None:
        pairs_compacted = float(np.square(counts, dtype=np.float64).sum())
        compact = pairs_compacted < MEDOID_COMPACT_BELOW * float(n_obs) ** 2 * n_pixels
    kernel = _MedoidChunks(len(features), n_obs)
    if compact:
        _medoid_compacted(features, valid, counts, kernel, index, best)
    else:
        _medoid_in_place(features, valid, counts, kernel, index, best)
    return index, best


class _MedoidChunks:
    """Work buffers of the medoid kernel, and the distance sums of one chunk of pixels."""

    def __init__(self, n_bands: int, n_obs: int):
        chunk = MEDOID_CHUNK_PIXELS
        rows = max(n_obs - 1, 1)
        self.x = np.empty((n_bands, n_obs, chunk), dtype=np.float32)
        self.mask = np.empty((n_obs, chunk), dtype=np.int32)
        self.weight = np.empty((n_obs, chunk), dtype=np.float32)
        self.sums = np.empty((n_obs, chunk), dtype=np.float32)
        self.dist = np.empty((rows, chunk), dtype=np.float32)
        self.term = np.empty((rows, chunk), dtype=np.float32)

    def sums_of(self, samples, valid: np.ndarray) -> np.ndarray:
        """S_i of each observation slot of a chunk, +inf at invalid slots.

        ``samples``: one ``(n, width)`` array per band; ``valid``: ``(n, width)``.
        Pair (i, j), i < j: d = sqrt(sum_b (x_bj - x_bi)^2), bands added in order; d is added
        to S_j (in the order of i) and then to S_i (in the order of j), so every S_i adds its
        terms in the order of j as the reference does.
        """
        n, width = valid.shape
        # Invalid samples become +0.0 through a bitwise AND with an all-ones / all-zeros mask,
        # which also clears NaN (a masked copy costs several times more).
        mask = self.mask[:n, :width]
        np.negative(valid, out=mask, dtype=np.int32, casting="unsafe")
        x = self.x[:, :n, :width]
        for b, band in enumerate(samples):
            np.bitwise_and(band.view(np.int32), mask, out=x[b].view(np.int32))
        row_full = valid.all(axis=1)
        weight = None
        if not row_full.all():
            weight = self.weight[:n, :width]
            np.copyto(weight, valid, casting="unsafe")
        sums = self.sums[:n, :width]
        sums.fill(0.0)
        for i in range(n - 1):
            m = n - 1 - i
            d, t = self.dist[:m, :width], self.term[:m, :width]
            np.subtract(x[0, i + 1:], x[0, i], out=d)
            np.multiply(d, d, out=d)
            for b in range(1, len(x)):
                np.subtract(x[b, i + 1:], x[b, i], out=t)
                np.multiply(t, t, out=t)
                np.add(d, t, out=d)
            np.sqrt(d, out=d)
            if weight is not None:  # pairs with an invalid member add exactly 0
                if not row_full[i]:
                    np.multiply(d, weight[i], out=d)
                if not row_full[i + 1:].all():
                    np.multiply(d, weight[i + 1:], out=d)
            sums[i + 1:] += d
            s_i = sums[i]
            for k in range(m):  # one by one, so S_i adds its terms in the order of j
                s_i += d[k]
        if weight is not None:
            # +inf at invalid slots: the bits of +inf where the mask is 0, of +0.0 elsewhere;
            # max(S, +0.0) is S (sums are >= +0), max(S, inf) is inf.
            barrier = np.bitwise_and(np.invert(mask), np.int32(0x7F800000))
            np.maximum(sums, barrier.view(np.float32), out=sums)
        return sums


def _argmin_rows(sums: np.ndarray) -> np.ndarray:
    """np.argmin over axis 0 (first minimum), through the transposed view (faster here)."""
    return np.argmin(sums.T, axis=1)


def _medoid_in_place(features, valid, counts, kernel: _MedoidChunks, index, best) -> None:
    """The medoid on contiguous chunks of pixels, every observation slot kept."""
    n_obs, n_pixels = valid.shape
    for c0 in range(0, n_pixels, MEDOID_CHUNK_PIXELS):
        c1 = min(c0 + MEDOID_CHUNK_PIXELS, n_pixels)
        chunk_counts = counts[c0:c1]
        if not chunk_counts.any():
            continue
        v = valid[:, c0:c1]
        # Observations with no valid sample in the chunk (a cloud over these pixels) are left
        # out: they only add zeros. Clouds are patches, so this is common on real stacks.
        rows = np.flatnonzero(v.any(axis=1))
        if rows.size < n_obs:
            sums = kernel.sums_of([f[rows, c0:c1] for f in features], v[rows])
        else:
            sums = kernel.sums_of([f[:, c0:c1] for f in features], v)
        k_best = _argmin_rows(sums)
        cols = np.arange(c1 - c0)
        total = sums[k_best, cols]
        chosen = (rows[k_best] if rows.size < n_obs else k_best).astype(np.int16)
        none = chunk_counts == 0
        if none.any():
            chosen[none] = -1
            total[none] = np.nan
        index[c0:c1] = chosen
        best[c0:c1] = total


def _medoid_compacted(features, valid, counts, kernel: _MedoidChunks, index, best) -> None:
    """The medoid on chunks of pixels sorted by their number of valid observations, each
    pixel's valid observations first (in their order): a chunk computes only its pairs."""
    n_obs, n_pixels = valid.shape
    pixels = np.flatnonzero(counts)
    pixels = pixels[np.argsort(counts[pixels], kind="stable")]
    counts = counts[pixels]
    # Per pixel, the valid observations first, in their original order.
    order = np.argsort(~valid[:, pixels], axis=0, kind="stable")
    flat_features = [np.reshape(f, -1) for f in features]
    for c0 in range(0, pixels.size, MEDOID_CHUNK_PIXELS):
        c1 = min(c0 + MEDOID_CHUNK_PIXELS, pixels.size)
        chunk = pixels[c0:c1]
        n_max = int(counts[c1 - 1])  # counts are sorted: the last pixel has the most
        # Flat positions of sample (k-th valid observation, pixel) in each (n_obs, pixels) band.
        flat = order[:n_max, c0:c1] * n_pixels + chunk[None, :]
        slots = np.arange(n_max)[:, None] < counts[c0:c1][None, :]
        samples = [np.take(f, flat) for f in flat_features]
        sums = kernel.sums_of(samples, slots)
        k_best = _argmin_rows(sums)
        cols = np.arange(c1 - c0)
        best[chunk] = sums[k_best, cols]
        index[chunk] = order[k_best, c0 + cols]


# --------------------------------------------------------------------------------------------
# Short-term composite (n = 2 or 3)
# --------------------------------------------------------------------------------------------

def _masked_arg(values: np.ndarray, valid: np.ndarray, *, largest: bool) -> np.ndarray:
    """Row of the largest / smallest value among valid rows (the first on ties)."""
    fill = -np.inf if largest else np.inf
    masked = np.where(valid, np.nan_to_num(values, nan=fill), fill)
    return np.argmax(masked, axis=0) if largest else np.argmin(masked, axis=0)


def stc_select(bands: Mapping[str, np.ndarray], scl: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Short-term composite: the chosen row per pixel, -1 where the tree gives no pixel
    (see :func:`stc_decide`)."""
    return stc_decide(bands, scl, valid)[0]


def stc_decide(
    bands: Mapping[str, np.ndarray], scl: np.ndarray, valid: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Short-term composite decision tree over the valid observations of each pixel.

    ``bands``: band -> ``(n_obs, pixels)`` reflectance (B02, B03, B04, B08, B8A, B11, B12 are
    used); ``scl``: ``(n_obs, pixels)``; ``valid``: at least one valid observation per pixel
    (meant for n = 2 or 3). Returns ``(index, branch)``: the chosen row per pixel (-1 where the
    tree gives no pixel) and the number (1-8) of the rule that decided.
    Means are over the valid observations; in order:

    1. mean mNDWI < -0.55 and max NDVI - mean NDVI < 0.05: max-NDVI observation;
    2. mean NDVI < -0.3 and mean mNDWI - min mNDWI < 0.05: max-mNDWI observation;
    3. mean NDVI > 0.6 and mean TCB < 0.45: max-NDVI observation;
    4. m = min-TCB observation; not cloudTest(m): m;
    5. not snowTest(m): m if TCB(m) <= 1.0 else no pixel;
    6. mean NDVI < -0.2: max-mNDWI; 7. mean TCB > 0.45: min-NDVI; 8. max-NDVI.
    """
    n_valid = valid.sum(axis=0).astype(np.float32)
    if np.any(n_valid == 0):
        raise ValueError("stc_select needs at least one valid observation per pixel")
    ndvi = normalised_difference(bands["B08"], bands["B04"])
    mndwi = normalised_difference(bands["B03"], bands["B11"])
    tcb = tasselled_cap_brightness(bands)

    def mean(values):
        return np.where(valid, np.nan_to_num(values, nan=0.0), 0.0).sum(axis=0) / n_valid

    mean_ndvi, mean_mndwi, mean_tcb = mean(ndvi), mean(mndwi), mean(tcb)
    max_ndvi_row = _masked_arg(ndvi, valid, largest=True)
    min_ndvi_row = _masked_arg(ndvi, valid, largest=False)
    max_mndwi_row = _masked_arg(mndwi, valid, largest=True)
    min_tcb_row = _masked_arg(tcb, valid, largest=False)
    cols = np.arange(valid.shape[1])
    max_ndvi = ndvi[max_ndvi_row, cols]
    min_mndwi = np.where(valid, np.nan_to_num(mndwi, nan=np.inf), np.inf).min(axis=0)

    m_bands = {band: stack[min_tcb_row, cols] for band, stack in bands.items()}
    m_scl = scl[min_tcb_row, cols]
    m_cloud = cloud_test(m_bands)
    m_snow = snow_test(m_bands, m_scl)
    m_tcb = tcb[min_tcb_row, cols]

    with np.errstate(invalid="ignore"):
        conditions = [
            (mean_mndwi < -0.55) & (max_ndvi - mean_ndvi < 0.05),
            (mean_ndvi < -0.3) & (mean_mndwi - min_mndwi < 0.05),
            (mean_ndvi > 0.6) & (mean_tcb < 0.45),
            ~m_cloud,
            ~m_snow,
            mean_ndvi < -0.2,
            mean_tcb > 0.45,
        ]
    choices = [
        max_ndvi_row,
        max_mndwi_row,
        max_ndvi_row,
        min_tcb_row,
        np.where(m_tcb <= 1.0, min_tcb_row, -1),
        max_mndwi_row,
        min_ndvi_row,
    ]
    index = np.select(conditions, choices, default=max_ndvi_row).astype(np.int16)
    branch = np.select(conditions, range(1, len(conditions) + 1), default=len(conditions) + 1)
    return index, branch.astype(np.uint8)


# --------------------------------------------------------------------------------------------
# The whole choice
# --------------------------------------------------------------------------------------------

def select_best(
    bands: Mapping[str, np.ndarray],
    scl: np.ndarray,
    valid: np.ndarray,
) -> Selection:
    """Choose each pixel's observation by its number n of valid observations: none, single,
    STC (n = 2, 3) or medoid (n >= 4, on :data:`MEDOID_BANDS`).

    ``bands``: band -> ``(n_obs, pixels)`` reflectance stacks (at least the medoid bands, B8A,
    B11, B12); ``scl``: ``(n_obs, pixels)``; ``valid``: from :func:`valid_observations`.
    """
    n_obs, n_pixels = valid.shape
    if n_obs > np.iinfo(np.int16).max:
        raise ValueError(f"too many observations in one stack ({n_obs})")
    n_valid = valid.sum(axis=0)
    index = np.full(n_pixels, -1, dtype=np.int16)
    method = np.zeros(n_pixels, dtype=np.uint8)
    medoid_mos = np.full(n_pixels, np.nan, dtype=np.float32)

    single = np.flatnonzero(n_valid == 1)
    if single.size:
        index[single] = np.argmax(valid[:, single], axis=0)
        method[single] = Method.SINGLE

    stc = np.flatnonzero((n_valid == 2) | (n_valid == 3))
    if stc.size:
        chosen = stc_select(
            {band: stack[:, stc] for band, stack in bands.items()}, scl[:, stc], valid[:, stc]
        )
        index[stc] = chosen
        method[stc] = np.where(chosen >= 0, Method.STC, Method.NONE)

    medoid = np.flatnonzero(n_valid >= 4)
    if medoid.size:
        if medoid.size == n_pixels:  # the usual case with long stacks: no copies
            features = [bands[band] for band in MEDOID_BANDS]
            chosen, distance_sum = medoid_select(features, valid)
        else:
            features = [bands[band][:, medoid] for band in MEDOID_BANDS]
            chosen, distance_sum = medoid_select(features, valid[:, medoid])
        index[medoid] = chosen
        method[medoid] = Method.MEDOID
        medoid_mos[medoid] = distance_sum / n_valid[medoid].astype(np.float32)

    return Selection(
        index=index,
        method=method,
        valid_obs=n_valid.astype(np.uint16),
        medoid_mos=medoid_mos,
    )


def selected_positions(index: np.ndarray) -> np.ndarray:
    """Flat positions, in a C-contiguous ``(n_obs, pixels)`` stack, of the chosen sample of
    each pixel (of row 0 where ``index`` is -1): computed once, they serve every layer of
    :func:`take_selected`."""
    n_pixels = index.shape[0]
    positions = np.where(index >= 0, index, 0).astype(np.intp)
    positions *= n_pixels
    positions += np.arange(n_pixels)
    return positions


def take_selected(stack: np.ndarray, index: np.ndarray, *, fill=np.nan,
                  positions: Optional[np.ndarray] = None) -> np.ndarray:
    """Values of the chosen observation per pixel: ``stack[index[p], p]``, ``fill`` where
    ``index`` is -1. The result has ``stack``'s dtype (float for a NaN fill). ``positions``:
    :func:`selected_positions` of ``index``, when several stacks are taken."""
    if stack.shape[0] == 0:  # no observation at all
        dtype = np.float32 if isinstance(fill, float) and np.isnan(fill) else stack.dtype
        return np.full(index.shape, fill, dtype=dtype)
    if stack.flags.c_contiguous:  # one gather from the flat stack
        if positions is None:
            positions = selected_positions(index)
        out = np.take(stack.reshape(-1), positions)
    else:
        safe = np.where(index >= 0, index, 0).astype(np.intp)
        out = np.take_along_axis(stack, safe[None, :], axis=0)[0]
    missing = index < 0
    if missing.any():
        if np.issubdtype(out.dtype, np.integer) and isinstance(fill, float) and np.isnan(fill):
            out = out.astype(np.float32)
        out[missing] = fill
    return out
