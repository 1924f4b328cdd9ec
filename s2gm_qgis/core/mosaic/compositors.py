"""How a pixel is chosen: the compositor registry.

A compositor takes one block's stack of observations (after the sources read it and samples
of one datatake were merged) and returns, per pixel, the chosen observation (or none), the
method that chose it and its own quality values, with its pixel counts computed once from the
methods. The S2GM temporal mosaic (valid filter, then single / STC / medoid by the number of
valid observations; ../shared/docs/mosaic-algorithm.md) is the entry ``temporal``; the other
product types register here too, so the engine's block loop stays the same for all of them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Protocol

import numpy as np

from .select import Method, Selection, select_best, valid_observations


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

    def valid(self, bands: Mapping[str, np.ndarray], scl: np.ndarray,
              view_zenith_deg: np.ndarray) -> np.ndarray:
        """``(n_obs, pixels)`` True where an observation's sample may be chosen."""

    def select(self, bands: Mapping[str, np.ndarray], scl: np.ndarray, valid: np.ndarray,
               inside: np.ndarray) -> Composite:
        """The selection over the stacks; counts over the ``inside`` (AOI) pixels."""


class TemporalMosaic:
    """S2GM's temporal mosaic: valid filter, then by number of valid observations none (0),
    single (1), short-term composite (2-3) or medoid (4 and more); see :mod:`.select`."""

    name = "temporal"
    count_keys = ("pixels_with_data", "medoid", "stc", "single", "none")

    def valid(self, bands, scl, view_zenith_deg):
        return valid_observations(bands, scl, view_zenith_deg)

    def select(self, bands, scl, valid, inside) -> Composite:
        selection = select_best(bands, scl, valid)
        per_method = np.bincount(selection.method[inside], minlength=len(Method))
        counts = {
            "pixels_with_data": int(inside.sum() - per_method[Method.NONE]),
            "medoid": int(per_method[Method.MEDOID]),
            "stc": int(per_method[Method.STC]),
            "single": int(per_method[Method.SINGLE]),
            "none": int(per_method[Method.NONE]),
        }
        return Composite(selection, counts)


#: name -> compositor. Product types of an order map to one entry each.
COMPOSITORS: dict[str, Compositor] = {}


def register(compositor: Compositor) -> Compositor:
    """Add a compositor under its name (a second one with the same name is an error)."""
    if compositor.name in COMPOSITORS:
        raise ValueError(f"a compositor named {compositor.name!r} is registered already")
    COMPOSITORS[compositor.name] = compositor
    return compositor


def compositor_named(name: str) -> Compositor:
    try:
        return COMPOSITORS[name]
    except KeyError:
        raise ValueError(f"no compositor {name!r} (known: {', '.join(sorted(COMPOSITORS))})"
                         ) from None


TEMPORAL = register(TemporalMosaic())
