"""What lies where on a synthetic tile: a surface map plus atmospheric and defect masks at 10 m.

A ``Scene`` is plain data (numpy arrays the caller sets); ``radiometry`` turns it into the
reflectances, SCL and probability layers a product carries, so a test can compute from the
Scene alone what a correct mosaic must return.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import IntEnum
from typing import Optional, Union

import numpy as np


class Surface(IntEnum):
    """Ground cover. Values are the SCL class Sen2Cor gives it when seen clear."""

    VEGETATION = 4
    SOIL = 5
    WATER = 6
    SNOW = 11


#: Names of the boolean masks a Scene carries, in the order they override each other
#: (first wins): no-data, saturated, opaque cloud, medium cloud, cirrus, shadow, haze.
MASKS: tuple[str, ...] = (
    "nodata", "saturated", "cloud", "cloud_medium", "cirrus", "shadow", "haze",
)

Span = Union[slice, tuple, int, None]


def _span(value: Span) -> slice:
    if value is None:
        return slice(None)
    if isinstance(value, slice):
        return value
    if isinstance(value, tuple):
        return slice(*value)
    return slice(int(value), int(value) + 1)


@dataclass(frozen=True, eq=False)
class Scene:
    """Per-pixel description of a tile at 10 m, shape (rows, cols).

    ``surface`` holds ``Surface`` values (uint8). Masks are boolean arrays or None (nowhere):
    - ``cloud``: opaque cloud (SCL 9, MSK_CLDPRB ~95); ``cloud_medium``: semi-transparent
      cloud, half cloud half ground (SCL 8, ~60); ``cirrus``: thin cirrus (SCL 10, ~25);
    - ``shadow``: cloud shadow, ground darkened to 0.3x (SCL 3);
    - ``haze``: undetected haze, blue-weighted additive brightening (SCL stays the surface's,
      MSK_CLDPRB ~30): an outlier only the temporal statistics can reject;
    - ``saturated``: DN 65535 in every band (SCL 1); ``nodata``: DN 0 everywhere (SCL 0);
    - ``cloud_as_snow``: where a cloud (opaque or medium) is, SCL says 11 SNOW_ICE instead
      (the misclassification the S2GM snow refinement test must catch).
    ``aot`` is the aerosol optical thickness at 550 nm over the clear scene (hazy pixels +0.3);
    ``noise`` the relative standard deviation of the seeded per-pixel reflectance noise;
    ``view_zenith_deg``, when set, replaces every viewing zenith value of the angle grids.
    """

    surface: np.ndarray
    cloud: Optional[np.ndarray] = None
    cloud_medium: Optional[np.ndarray] = None
    cirrus: Optional[np.ndarray] = None
    shadow: Optional[np.ndarray] = None
    haze: Optional[np.ndarray] = None
    saturated: Optional[np.ndarray] = None
    nodata: Optional[np.ndarray] = None
    cloud_as_snow: Optional[np.ndarray] = None
    aot: float = 0.1
    noise: float = 0.02
    view_zenith_deg: Optional[float] = None

    def __post_init__(self):
        surface = np.asarray(self.surface)
        if surface.ndim != 2:
            raise ValueError(f"Scene.surface: expected a 2-D array, got shape {surface.shape}")
        allowed = np.array([s.value for s in Surface], dtype=np.uint8)
        if not np.isin(surface, allowed).all():
            raise ValueError(
                "Scene.surface: values must be Surface members "
                f"({', '.join(f'{s.name}={s.value}' for s in Surface)})"
            )
        object.__setattr__(self, "surface", surface.astype(np.uint8, copy=False))
        for name in MASKS + ("cloud_as_snow",):
            mask = getattr(self, name)
            if mask is None:
                continue
            mask = np.asarray(mask)
            if mask.shape != surface.shape:
                raise ValueError(
                    f"Scene.{name}: shape {mask.shape} differs from the surface's {surface.shape}"
                )
            object.__setattr__(self, name, mask.astype(bool, copy=False))
        if not 0 <= self.noise < 0.5:
            raise ValueError(f"Scene.noise={self.noise}: expected a relative sigma in [0, 0.5)")
        if not 0 <= self.aot <= 5:
            raise ValueError(f"Scene.aot={self.aot}: expected an optical thickness in [0, 5]")

    # -- construction helpers (each returns a new Scene) -----------------------------------
    @classmethod
    def uniform(cls, size: int, surface: Surface = Surface.VEGETATION, **fields) -> "Scene":
        """A square scene of ``size`` x ``size`` pixels of one surface."""
        return cls(surface=np.full((size, size), int(surface), dtype=np.uint8), **fields)

    @property
    def shape(self) -> tuple[int, int]:
        return self.surface.shape

    def _with_mask(self, name: str, rows: Span, cols: Span) -> "Scene":
        current = getattr(self, name)
        mask = np.zeros(self.shape, dtype=bool) if current is None else current.copy()
        mask[_span(rows), _span(cols)] = True
        return dataclasses.replace(self, **{name: mask})

    def with_surface(self, rows: Span, cols: Span, surface: Surface) -> "Scene":
        out = self.surface.copy()
        out[_span(rows), _span(cols)] = int(surface)
        return dataclasses.replace(self, surface=out)

    def with_cloud(self, rows: Span, cols: Span, *, medium: bool = False,
                   as_snow: bool = False) -> "Scene":
        """Opaque cloud (SCL 9), or medium-probability cloud (SCL 8) when ``medium``; with
        ``as_snow`` the SCL of those pixels says 11 SNOW_ICE instead."""
        scene = self._with_mask("cloud_medium" if medium else "cloud", rows, cols)
        return scene._with_mask("cloud_as_snow", rows, cols) if as_snow else scene

    def with_cirrus(self, rows: Span, cols: Span) -> "Scene":
        return self._with_mask("cirrus", rows, cols)

    def with_shadow(self, rows: Span, cols: Span) -> "Scene":
        return self._with_mask("shadow", rows, cols)

    def with_haze(self, rows: Span, cols: Span) -> "Scene":
        return self._with_mask("haze", rows, cols)

    def with_saturated(self, rows: Span, cols: Span) -> "Scene":
        return self._with_mask("saturated", rows, cols)

    def with_nodata(self, rows: Span, cols: Span) -> "Scene":
        return self._with_mask("nodata", rows, cols)

    def with_aot(self, aot: float) -> "Scene":
        return dataclasses.replace(self, aot=float(aot))

    def with_noise(self, noise: float) -> "Scene":
        return dataclasses.replace(self, noise=float(noise))

    def with_view_zenith(self, view_zenith_deg: Optional[float]) -> "Scene":
        return dataclasses.replace(self, view_zenith_deg=view_zenith_deg)
