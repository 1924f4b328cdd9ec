"""The BrightEarth cloud mask and selection: mosaics made for viewing.

S2GM's BrightEarth product is an RGB mosaic (B02, B03, B04) with "a cloud mask of its own"
(seed 000) and no visible cloud borders, haze or seamlines; the public material does not publish
the rule, so this is ours, step by step, each for a reason:

1. **Temporal tests against the stack** (:func:`transient_clouds_and_shadows`). Sen2Cor's SCL
   judges each scene alone and misses thin clouds, haze and cloud shadows over dark ground. A
   pixel's own history does better: clouds and haze are *transient and bright*, shadows
   *transient and dark*, whereas water, snow fields and dark forests persist. The reference is
   the per-pixel median over the observations with data (robust to a minority of cloudy
   dates); a sample is cloud/haze when its visible brightness exceeds the reference by
   :data:`CLOUD_BRIGHTENING` or its haze (HOT, the haze-optimised transform of Zhang, Guindon &
   Cihlar 2002, B02 - 0.5 B04) by :data:`HAZE_EXCESS`; shadow when both its visible brightness
   and its NIR (B08) fall below :data:`SHADOW_RATIO` of the reference (a shadow darkens every
   band by a factor; a wet field less, and only some bands). With fewer than :data:`MIN_OBS_FOR_REFERENCE` samples
   there is no usable reference and only the absolute test applies.
2. **An absolute test** for what the brightness history alone may miss: the ATBD's spectral
   cloud test (:func:`.select.cloud_test`), counted only where it fires on a minority of a
   pixel's dates: bright soil and sand fail that test on every date (they are not clouds), and
   a pixel cloudy on most dates has no clear sample to find anyway (it takes the least hazy);
   with too short a history for a reference, it applies everywhere.
3. **Dilation** of cloud and shadow by :data:`DILATION_M` (square, in output pixels): cloud
   edges are thin and semi-transparent, exactly what makes visible borders in a mosaic.
4. **Selection** (:func:`brightearth_select`): among the clear samples, the least hazy (lowest
   HOT), with a small preference for recent ones (:data:`RECENCY_WEIGHT` per 30 days) so the
   image shows the end of the period when dates are equally clear. Where nothing is clear, the
   least hazy sample with data (a mosaic for viewing has no holes where data exist).

Per-pixel choices between orbits can make seamlines; the HOT criterion is continuous across
orbits (haze, not the view geometry, drives it), and the 8-bit output uses a fixed stretch
(:data:`BRIGHTEARTH_8BIT_SCALE`), the same for every tile and date, so neighbouring tiles and
orders match. The engine reads blocks with a halo of the dilation radius so masks do not stop
at block edges.
"""
from __future__ import annotations

import math
from typing import Mapping

import numpy as np

from .select import cloud_test, normalised_difference

#: Bands the BrightEarth mask and selection read (RGB out; NIR and SWIR for the tests).
INPUT_BANDS = ("B02", "B03", "B04", "B08", "B8A", "B11", "B12")
RGB_BANDS = ("B02", "B03", "B04")
#: Visible-brightness excess over the pixel's median that marks a transient cloud (reflectance).
CLOUD_BRIGHTENING = 0.04
#: HOT excess over the pixel's median that marks haze / thin cloud (reflectance).
HAZE_EXCESS = 0.02
#: A sample darker than this fraction of the pixel's median, in the visible and in B08 alike,
#: is a shadow: a shadow is lit by diffuse light only (about 0.3-0.5 of the direct), so it
#: darkens every band by a factor; wet ground after rain darkens less, and unevenly.
SHADOW_RATIO = 0.7
#: Samples with data a pixel needs for its median to be a reference.
MIN_OBS_FOR_REFERENCE = 3
#: Cloud and shadow edges are grown by this distance (metres).
DILATION_M = 60.0
#: Score penalty per 30 days of age (HOT units): prefers recent dates when equally clear.
RECENCY_WEIGHT = 0.002
#: 8-bit BrightEarth: code = clip(round(reflectance * 850), 1, 255): 0.3 reflectance (bright
#: soil, clouds' edges) saturates; a fixed, linear stretch, so scale/offset in the files hold.
BRIGHTEARTH_8BIT_SCALE = 850.0


def hot(bands: Mapping[str, np.ndarray]) -> np.ndarray:
    """Haze-optimised transform (Zhang et al. 2002) with the clear-sky line B02 = 0.5 B04."""
    return bands["B02"] - np.float32(0.5) * bands["B04"]


def dilation_px(resolution_m: float) -> int:
    return max(1, int(math.ceil(DILATION_M / float(resolution_m))))


def _visible(bands) -> np.ndarray:
    return (bands["B02"] + bands["B03"] + bands["B04"]) / np.float32(3.0)


def transient_clouds_and_shadows(bands: Mapping[str, np.ndarray], has_data: np.ndarray
                                 ) -> tuple[np.ndarray, np.ndarray]:
    """(cloud, shadow) boolean ``(n_obs, pixels)`` by the temporal and absolute tests."""
    with np.errstate(invalid="ignore"):
        visible = np.where(has_data, _visible(bands), np.nan)
        haze = np.where(has_data, hot(bands), np.nan)
        nir = np.where(has_data, bands["B08"], np.nan)
        n_data = has_data.sum(axis=0)
        reference = n_data >= MIN_OBS_FOR_REFERENCE
        cloud = np.zeros(has_data.shape, dtype=bool)
        shadow = np.zeros(has_data.shape, dtype=bool)
        if reference.any():
            cols = np.flatnonzero(reference)
            med_visible = np.nanmedian(visible[:, cols], axis=0)
            med_haze = np.nanmedian(haze[:, cols], axis=0)
            med_nir = np.nanmedian(nir[:, cols], axis=0)
            cloud[:, cols] = ((visible[:, cols] - med_visible > CLOUD_BRIGHTENING)
                              | (haze[:, cols] - med_haze > HAZE_EXCESS))
            shadow[:, cols] = ((visible[:, cols] < SHADOW_RATIO * med_visible)
                               & (nir[:, cols] < SHADOW_RATIO * med_nir))
        # snow is bright but not a cloud: NDSI > 0.6 and not hazy
        ndsi = normalised_difference(bands["B03"], bands["B11"])
        absolute = cloud_test(bands) & ~(ndsi > 0.6) & has_data
        # A spectral "cloud" on most dates of a pixel is the ground (bright soil, sand, salt
        # flats fail the ATBD's test every time) or a pixel cloudy on most dates: the test
        # cannot tell those apart, so it only counts where it fires on a minority of dates
        # (clouds are transient). Mostly cloudy pixels then fall back to the least hazy sample.
        # Without a history (fewer than MIN_OBS_FOR_REFERENCE samples) it is all there is.
        persistent = (2 * absolute.sum(axis=0) > n_data) & reference
        cloud |= absolute & ~persistent
    cloud &= has_data
    shadow &= has_data
    return cloud, shadow


def dilate(mask: np.ndarray, shape: tuple[int, int], radius: int) -> np.ndarray:
    """Square binary dilation of each row of ``mask`` (n_obs, rows*cols) seen as a 2-D image."""
    if radius <= 0 or not mask.any():
        return mask
    n = mask.shape[0]
    image = mask.reshape(n, *shape)
    out = image.copy()
    # separable: along columns, then along rows (a square structuring element)
    for step in range(1, radius + 1):
        out[:, :, step:] |= image[:, :, :-step]
        out[:, :, :-step] |= image[:, :, step:]
    rows = out.copy()
    for step in range(1, radius + 1):
        out[:, step:, :] |= rows[:, :-step, :]
        out[:, :-step, :] |= rows[:, step:, :]
    return out.reshape(n, -1)


def brightearth_clear(bands: Mapping[str, np.ndarray], has_data: np.ndarray,
                      shape: tuple[int, int], resolution_m: float) -> np.ndarray:
    """Samples the BrightEarth mask keeps: data, and neither cloud nor shadow nor their edges."""
    cloud, shadow = transient_clouds_and_shadows(bands, has_data)
    masked = dilate(cloud | shadow, shape, dilation_px(resolution_m))
    return has_data & ~masked


def brightearth_select(bands: Mapping[str, np.ndarray], has_data: np.ndarray,
                       clear: np.ndarray, age_days: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel the chosen row (-1 where no data at all) and whether it was clear.

    ``age_days``: (n_obs,) days from each observation to the end of the period."""
    with np.errstate(invalid="ignore"):
        score = hot(bands) + np.float32(RECENCY_WEIGHT / 30.0) * age_days.astype(
            np.float32)[:, None]
    score = np.where(np.isfinite(score), score, np.inf)
    any_clear = clear.any(axis=0)
    any_data = has_data.any(axis=0)
    best_clear = np.argmin(np.where(clear, score, np.inf), axis=0)
    best_data = np.argmin(np.where(has_data, score, np.inf), axis=0)
    index = np.where(any_clear, best_clear, np.where(any_data, best_data, -1))
    return index.astype(np.int16), any_clear
