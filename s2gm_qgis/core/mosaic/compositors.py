"""How a pixel is chosen: the compositor registry.

A compositor takes one block's stack of observations (after the sources read it and samples
of one datatake were merged) and returns, per pixel, the chosen observation (or none), the
method that chose it and its own quality values, with its pixel counts computed once from the
methods. Entries, by the order's product type:

* ``temporal``: S2GM's temporal mosaic (valid filter, then single / STC / medoid by the number
  of valid observations; ../shared/docs/mosaic-algorithm.md), with the order's preference (STD,
  VEG, SOI) and cloud mask (ESA's SCL, or the BrightEarth mask of :mod:`.brightearth`);
* ``brightearth``: the RGB BrightEarth mosaic (:mod:`.brightearth`).

The engine's block loop is the same for all of them; a compositor says which bands it reads
(``input_bands``) and how many pixels of context around a block it needs (``halo_px``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Protocol

import numpy as np

from . import brightearth as be
from .select import (
    REFLECTANCE_BANDS, SCL_SNOW_ICE, VIEW_ZENITH_LIMIT_DEG, Method, Selection,
    normalised_difference, select_best, valid_observations,
)

#: SOI candidates: Sen2Cor's vegetation and not-vegetated classes (not water, snow, shadow).
SOIL_CANDIDATE_CLASSES = (4, 5)


@dataclass(frozen=True)
class BlockContext:
    """What a compositor may know of the block beyond its stacks."""

    shape: tuple[int, int]  # (rows, cols) of the block
    resolution_m: float
    #: (n_rows,) days from each row's sensing time to the end of the period.
    age_days: np.ndarray


@dataclass(frozen=True)
class Composite:
    """A compositor's answer on a block: the selection and its pixel counts (AOI pixels)."""

    selection: Selection
    counts: Mapping[str, int]


class Compositor(Protocol):
    """Chooses each pixel's observation from a block's stacks."""

    name: str
    #: Keys of :attr:`Composite.counts`, in the order reports list them.
    count_keys: tuple[str, ...]
    #: Reflectance bands the compositor reads (the engine reads these, and no others).
    input_bands: tuple[str, ...]

    def halo_px(self, resolution_m: float) -> int:
        """Pixels of context needed around a block (0: none)."""

    def valid(self, bands: Mapping[str, np.ndarray], scl: np.ndarray,
              view_zenith_deg: np.ndarray, context: BlockContext) -> np.ndarray:
        """``(n_obs, pixels)`` True where an observation's sample may be chosen."""

    def select(self, bands: Mapping[str, np.ndarray], scl: np.ndarray, valid: np.ndarray,
               inside: np.ndarray, context: BlockContext) -> Composite:
        """The selection over the stacks; counts over the ``inside`` (AOI) pixels."""


def _counts(method: np.ndarray, inside: np.ndarray, keys: Mapping[str, Method]) -> dict:
    per_method = np.bincount(method[inside], minlength=len(Method))
    counts = {"pixels_with_data": int(inside.sum() - per_method[Method.NONE])}
    counts.update({key: int(per_method[m]) for key, m in keys.items()})
    return counts


def _data_and_view(bands, scl, view_zenith_deg) -> np.ndarray:
    """Samples with every band, a scene class (not no-data) and a view zenith below the limit."""
    ok = np.asarray(scl) != 0
    with np.errstate(invalid="ignore"):
        ok &= view_zenith_deg < VIEW_ZENITH_LIMIT_DEG
    for stack in bands.values():
        ok &= np.isfinite(stack)
    return ok


class TemporalMosaic:
    """S2GM's temporal mosaic (see :mod:`.select`) with a preference and a cloud mask.

    * ``STD``: by the number of valid observations n: none (0), single (1), short-term
      composite (2-3), medoid (4+).
    * ``VEG`` (vegetation preference): for n >= 2, the valid observation of greatest NDVI (the
      maximum-value composite, Holben 1986): the greenest state of the period, what vegetation
      mapping wants; n = 1 single.
    * ``SOI`` (bare-soil preference): for n >= 2, among the valid observations Sen2Cor classed
      vegetation or not-vegetated (not water, snow or shadow, whose NDVI is low for other
      reasons), the one of smallest NDVI: the barest state (ploughed fields, dry season);
      where no such candidate exists, the STD choice.
    * cloud mask ``scl``: Sen2Cor's classes (the valid filter of the ATBD); ``brightearth``:
      no-data and view-zenith tests, then the BrightEarth temporal cloud/shadow mask instead of
      the classes (see :mod:`.brightearth`).
    """

    input_bands = REFLECTANCE_BANDS

    def __init__(self, preference: str = "STD", cloud_mask: str = "scl"):
        self.preference = preference
        self.cloud_mask = cloud_mask
        self.name = "temporal" + ("" if preference == "STD" else f"-{preference.lower()}") + (
            "" if cloud_mask == "scl" else f"-{cloud_mask}")
        self.count_keys = ("pixels_with_data", "medoid", "stc", "single", "none") + (
            () if preference == "STD" else ("preference",))

    def halo_px(self, resolution_m: float) -> int:
        return be.dilation_px(resolution_m) if self.cloud_mask == "brightearth" else 0

    def valid(self, bands, scl, view_zenith_deg, context):
        if self.cloud_mask == "brightearth":
            has_data = _data_and_view(bands, scl, view_zenith_deg)
            return be.brightearth_clear(bands, has_data, context.shape, context.resolution_m)
        return valid_observations(bands, scl, view_zenith_deg)

    def select(self, bands, scl, valid, inside, context) -> Composite:
        selection = select_best(bands, scl, valid)
        if self.preference != "STD":
            selection = self._prefer(bands, scl, valid, selection)
        keys = {"medoid": Method.MEDOID, "stc": Method.STC, "single": Method.SINGLE,
                "none": Method.NONE}
        if self.preference != "STD":
            keys["preference"] = Method.PREFERENCE
        return Composite(selection, _counts(selection.method, inside, keys))

    def _prefer(self, bands, scl, valid, selection: Selection) -> Selection:
        ndvi = normalised_difference(bands["B08"], bands["B04"])
        candidates = valid.copy()
        if self.preference == "SOI":
            candidates &= np.isin(scl, SOIL_CANDIDATE_CLASSES) & (scl != SCL_SNOW_ICE)
            key = np.where(candidates, ndvi, np.inf)
            chosen = np.argmin(key, axis=0)
        else:
            key = np.where(candidates, ndvi, -np.inf)
            chosen = np.argmax(key, axis=0)
        decide = (valid.sum(axis=0) >= 2) & candidates.any(axis=0)
        index = selection.index.copy()
        method = selection.method.copy()
        index[decide] = chosen[decide]
        method[decide] = Method.PREFERENCE
        medoid_mos = np.where(decide, np.float32(np.nan), selection.medoid_mos)
        return Selection(index=index, method=method, valid_obs=selection.valid_obs,
                         medoid_mos=medoid_mos.astype(np.float32))


class BrightEarthMosaic:
    """S2GM's BrightEarth RGB mosaic (see :mod:`.brightearth`)."""

    name = "brightearth"
    count_keys = ("pixels_with_data", "clear", "hazy", "none")
    input_bands = be.INPUT_BANDS

    def halo_px(self, resolution_m: float) -> int:
        return be.dilation_px(resolution_m)

    def valid(self, bands, scl, view_zenith_deg, context):
        # Data and geometry only: the mask is computed on the merged stack in select().
        return _data_and_view(bands, scl, view_zenith_deg)

    def select(self, bands, scl, valid, inside, context) -> Composite:
        clear = be.brightearth_clear(bands, valid, context.shape, context.resolution_m)
        index, was_clear = be.brightearth_select(bands, valid, clear, context.age_days)
        method = np.where(index < 0, Method.NONE,
                          np.where(was_clear, Method.CLEAR, Method.HAZY)).astype(np.uint8)
        selection = Selection(index=index, method=method,
                              valid_obs=clear.sum(axis=0).astype(np.uint16),
                              medoid_mos=np.full(index.shape, np.nan, dtype=np.float32))
        keys = {"clear": Method.CLEAR, "hazy": Method.HAZY, "none": Method.NONE}
        return Composite(selection, _counts(method, inside, keys))


#: product type -> compositor for an order (preference and cloud mask are order fields).
COMPOSITORS: dict[str, Callable[..., Compositor]] = {}


def register(product: str, factory: Callable[..., Compositor]) -> None:
    """Add the compositor factory of a product type (``factory(order) -> Compositor``)."""
    if product in COMPOSITORS:
        raise ValueError(f"a compositor for {product!r} is registered already")
    COMPOSITORS[product] = factory


def compositor_for(order) -> Compositor:
    """The compositor of an order (its product type, preference and cloud mask)."""
    product = getattr(order, "product", "temporal")
    try:
        factory = COMPOSITORS[product]
    except KeyError:
        raise ValueError(f"no compositor for product {product!r} (known: "
                         f"{', '.join(sorted(COMPOSITORS))})") from None
    return factory(order)


register("temporal", lambda order: TemporalMosaic(getattr(order, "preference", "STD"),
                                                  getattr(order, "cloud_mask", "scl")))
register("brightearth", lambda order: BrightEarthMosaic())
TEMPORAL = TemporalMosaic()
