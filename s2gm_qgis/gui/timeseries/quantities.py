"""What the time-series plot can show: a reflectance band or a spectral index, per observation.

Indices from the observation's harmonised surface reflectance:

* NDVI = (B08 - B04) / (B08 + B04) (Rouse et al. 1974), vegetation vigour;
* NDWI = (B03 - B08) / (B03 + B08) (McFeeters 1996), open water (positive over water).

No Qt here: the dock and the tests share these values.
"""
from __future__ import annotations

import math
from typing import Callable, Mapping

from ...core.timeseries.series import PTS_BANDS

#: index name -> (numerator band a, band b): (a - b) / (a + b).
NORMALISED_DIFFERENCES: Mapping[str, tuple[str, str]] = {
    "NDVI": ("B08", "B04"),
    "NDWI": ("B03", "B08"),
}
QUANTITIES: tuple[str, ...] = tuple(NORMALISED_DIFFERENCES) + PTS_BANDS
DEFAULT_QUANTITIES: tuple[str, ...] = ("NDVI",)


def normalised_difference(a: float, b: float) -> float:
    """(a - b) / (a + b); NaN where a value is missing or the sum is 0."""
    if math.isnan(a) or math.isnan(b) or a + b == 0:
        return math.nan
    return (a - b) / (a + b)


def value_of(quantity: str) -> Callable[[object], float]:
    """A function observation -> value of ``quantity`` (NaN where it has no data)."""
    if quantity in NORMALISED_DIFFERENCES:
        a, b = NORMALISED_DIFFERENCES[quantity]
        return lambda o: normalised_difference(o.reflectance.get(a, math.nan),
                                               o.reflectance.get(b, math.nan))
    if quantity in PTS_BANDS:
        return lambda o: float(o.reflectance.get(quantity, math.nan))
    raise KeyError(f"{quantity!r} is not one of {', '.join(QUANTITIES)}")


def is_index(quantity: str) -> bool:
    return quantity in NORMALISED_DIFFERENCES
