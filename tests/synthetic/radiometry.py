"""From a Scene to the values a product stores: reflectances (per band, per resolution), SCL,
cloud and snow probabilities, AOT and water vapour.

Spectra are typical surface reflectances read off Sentinel-2 L2A products (green vegetation:
red-edge rise, B04 ~0.04, B08 ~0.35; bare soil rising with wavelength; clear water dark beyond
the green, B11 ~0.005; snow bright in the visible and dark at 1.6 um; clouds bright and flat
with a high B11, so NDSI stays low). L1C (top of atmosphere) adds a Rayleigh path term
0.1 * (443 nm / lambda)^4 and carries B10 (1375 nm cirrus band, near 0 over clear ground).

Every value is deterministic given (scene, seed): generation runs in strips of
``STRIP_ROWS_10M`` rows and draws its noise from ``numpy.random.default_rng((seed, band,
resolution, strip))``, and the ``expected_*`` functions run the same code, so a test can
compute from the Scene what the product holds, to the last DN.
"""
from __future__ import annotations

from typing import Iterator, Optional

import numpy as np

from s2gm_qgis.core.bands import BANDS, CENTRAL_WAVELENGTH_NM, NATIVE_RESOLUTION_M

from .scene import MASKS, Scene, Surface

#: Rows (at 10 m) generated at once: a multiple of 6 so 20 m and 60 m strips stay whole.
STRIP_ROWS_10M = 1098
QUANTIFICATION = 10000.0
AOT_QUANTIFICATION = 1000.0
WVP_QUANTIFICATION = 1000.0
WATER_VAPOUR_CM = 1.5
NODATA_DN = 0
SATURATED_DN = 65535

# Surface reflectance per band for (VEGETATION, SOIL, WATER, SNOW), and for opaque cloud.
_SURFACE_ORDER = (Surface.VEGETATION, Surface.SOIL, Surface.WATER, Surface.SNOW)
SPECTRA: dict[str, tuple[float, float, float, float]] = {
    "B01": (0.030, 0.120, 0.070, 0.920),
    "B02": (0.040, 0.140, 0.070, 0.910),
    "B03": (0.070, 0.180, 0.060, 0.900),
    "B04": (0.040, 0.220, 0.035, 0.880),
    "B05": (0.100, 0.250, 0.025, 0.860),
    "B06": (0.250, 0.270, 0.015, 0.840),
    "B07": (0.310, 0.280, 0.012, 0.820),
    "B08": (0.350, 0.290, 0.010, 0.800),
    "B8A": (0.370, 0.300, 0.008, 0.780),
    "B09": (0.300, 0.280, 0.005, 0.600),
    "B10": (0.004, 0.008, 0.001, 0.010),
    "B11": (0.190, 0.350, 0.005, 0.050),
    "B12": (0.090, 0.300, 0.003, 0.030),
}
CLOUD: dict[str, float] = {
    "B01": 0.70, "B02": 0.68, "B03": 0.67, "B04": 0.66, "B05": 0.66, "B06": 0.66, "B07": 0.66,
    "B08": 0.65, "B8A": 0.65, "B09": 0.40, "B10": 0.20, "B11": 0.45, "B12": 0.35,
}
SHADOW_FACTOR = 0.3
MEDIUM_CLOUD_FRACTION = 0.5
#: Thin cirrus: flat additive brightening (B10 sees it strongly in L1C).
CIRRUS_ADD = {band: (0.06 if band == "B10" else 0.08 if CENTRAL_WAVELENGTH_NM[band] < 1000
                     else 0.05) for band in BANDS}
#: Haze: aerosol path reflectance, 0.12 at 490 nm falling as lambda^-2.
HAZE_ADD = {band: 0.12 * (490.0 / CENTRAL_WAVELENGTH_NM[band]) ** 2 for band in BANDS}
HAZE_AOT_ADD = 0.3
RAYLEIGH_TOA = {band: 0.1 * (443.0 / CENTRAL_WAVELENGTH_NM[band]) ** 4 for band in BANDS}

#: MSK_CLDPRB (%) by condition, and MSK_SNWPRB (%).
CLOUD_PROBABILITY = {"cloud": 95, "cloud_medium": 60, "cirrus": 25, "haze": 30}
SNOW_PROBABILITY = {"snow": 90, "cloud_as_snow": 70}

#: SCL values (SAFE format: Scene_Classification_List).
SCL_SATURATED, SCL_SHADOW, SCL_CLOUD_MEDIUM, SCL_CLOUD_HIGH = 1, 3, 8, 9
SCL_CIRRUS, SCL_SNOW = 10, 11


def radiometric_offset(baseline: str) -> float:
    """BOA_ADD_OFFSET / RADIO_ADD_OFFSET: -1000 from processing baseline 04.00 on, else 0."""
    return -1000.0 if float(baseline) >= 4.0 else 0.0


def _sample(array: Optional[np.ndarray], resolution_m: int) -> Optional[np.ndarray]:
    """The 10 m value at the centre of each coarser pixel (sub-pixel (1,1) of 2x2, (3,3) of 6x6)."""
    if array is None or resolution_m == 10:
        return array
    factor = resolution_m // 10
    return array[factor // 2::factor, factor // 2::factor]


class _State:
    """The scene over 10 m rows [row0, row1), sampled on the grid of one resolution."""

    def __init__(self, scene: Scene, row0: int, row1: int, resolution_m: int):
        self.surface = _sample(scene.surface[row0:row1], resolution_m)
        for name in MASKS + ("cloud_as_snow",):
            mask = getattr(scene, name)
            setattr(self, name, None if mask is None else _sample(mask[row0:row1], resolution_m))

    def any(self, name: str) -> bool:
        mask = getattr(self, name)
        return mask is not None and bool(mask.any())

    def clouded(self) -> np.ndarray:
        """Opaque or medium cloud (boolean)."""
        out = np.zeros(self.surface.shape, dtype=bool)
        for name in ("cloud", "cloud_medium"):
            if self.any(name):
                out |= getattr(self, name)
        return out


def _clean(state: _State, band: str, level: str) -> np.ndarray:
    """Noise-free reflectance of one band from a sampled state (float32)."""
    lut = np.zeros(256, dtype=np.float32)
    for surface, value in zip(_SURFACE_ORDER, SPECTRA[band]):
        lut[int(surface)] = value
    refl = lut[state.surface]
    if state.any("shadow"):
        refl[state.shadow] *= SHADOW_FACTOR
    if state.any("haze"):
        refl[state.haze] += HAZE_ADD[band]
    if state.any("cirrus"):
        refl[state.cirrus] += CIRRUS_ADD[band]
    if state.any("cloud_medium"):
        m = state.cloud_medium
        refl[m] = (1 - MEDIUM_CLOUD_FRACTION) * refl[m] + MEDIUM_CLOUD_FRACTION * CLOUD[band]
    if state.any("cloud"):
        refl[state.cloud] = CLOUD[band]
    if level == "L1C":
        refl += RAYLEIGH_TOA[band]
    return refl


def _strips(rows_10m: int) -> Iterator[tuple[int, int, int]]:
    for index, row0 in enumerate(range(0, rows_10m, STRIP_ROWS_10M)):
        yield index, row0, min(row0 + STRIP_ROWS_10M, rows_10m)


def _block_mean(array: np.ndarray, factor: int) -> np.ndarray:
    rows, cols = array.shape
    return array.reshape(rows // factor, factor, cols // factor, factor).mean(axis=(1, 3),
                                                                              dtype=np.float32)


def iter_band_strips(scene: Scene, band: str, resolutions: tuple[int, ...], *, seed: int,
                     level: str = "L2A") -> Iterator[tuple[int, int, np.ndarray]]:
    """Yield (resolution_m, first row at that resolution, reflectance float32) strip by strip.

    The band is generated at its native resolution (noise included), then mean-aggregated to
    coarser and repeated (nearest neighbour) to finer ``resolutions``, as Sen2Cor does.
    """
    native = NATIVE_RESOLUTION_M[band]
    band_index = BANDS.index(band)
    for strip, row0, row1 in _strips(scene.shape[0]):
        refl = _clean(_State(scene, row0, row1, native), band, level)
        if scene.noise > 0:
            rng = np.random.default_rng((seed, band_index, native, strip))
            noise = rng.standard_normal(refl.shape, dtype=np.float32)
            noise *= np.float32(scene.noise)
            noise += np.float32(1)
            refl *= noise
        for res in resolutions:
            if res == native:
                out = refl
            elif res > native:
                out = _block_mean(refl, res // native)
            else:
                factor = native // res
                out = np.repeat(np.repeat(refl, factor, axis=0), factor, axis=1)
            yield res, row0 * 10 // res, out


def to_dn(refl: np.ndarray, state_nodata: Optional[np.ndarray],
          state_saturated: Optional[np.ndarray], offset: float) -> np.ndarray:
    """DN = round(reflectance * 10000 - offset), kept in 1..65534; 0 no-data, 65535 saturated."""
    dn = np.rint(refl * np.float32(QUANTIFICATION) - np.float32(offset))
    dn = np.clip(dn, 1, 65534).astype(np.uint16)
    if state_saturated is not None:
        dn[state_saturated] = SATURATED_DN
    if state_nodata is not None:
        dn[state_nodata] = NODATA_DN
    return dn


def iter_band_dn(scene: Scene, band: str, resolutions: tuple[int, ...], *, seed: int,
                 baseline: str, level: str = "L2A") -> Iterator[tuple[int, int, np.ndarray]]:
    """Like ``iter_band_strips`` but quantised to the product's uint16 DN."""
    offset = radiometric_offset(baseline)
    for res, row0, refl in iter_band_strips(scene, band, resolutions, seed=seed, level=level):
        rows = refl.shape[0] * res // 10
        state = _State(scene, row0 * res // 10, row0 * res // 10 + rows, res)
        yield res, row0, to_dn(refl, state.nodata, state.saturated, offset)


#: TCI: reflectance 0..0.2 stretched to 1..255 (0 is no-data), as the true-colour image.
TCI_MAX_REFLECTANCE = 0.2


def iter_tci(scene: Scene, resolutions: tuple[int, ...], *, seed: int, baseline: str,
             level: str = "L2A") -> Iterator[tuple[int, int, np.ndarray]]:
    """(resolution, first row, uint8 (3, rows, cols) red/green/blue strip) of the TCI image,
    from the B04/B03/B02 DN written for the same (scene, seed, baseline)."""
    offset = radiometric_offset(baseline)
    streams = [iter_band_dn(scene, band, resolutions, seed=seed, baseline=baseline, level=level)
               for band in ("B04", "B03", "B02")]
    for (res, row0, red), (_, _, green), (_, _, blue) in zip(*streams):
        planes = []
        for dn in (red, green, blue):
            refl = (dn.astype(np.float32) + np.float32(offset)) / np.float32(QUANTIFICATION)
            value = np.clip(np.rint(refl / TCI_MAX_REFLECTANCE * 254) + 1, 1, 255)
            value = value.astype(np.uint8)
            value[dn == 0] = 0
            planes.append(value)
        yield res, row0, np.stack(planes)


def scl_strip(state: _State) -> np.ndarray:
    """SCL classes of a sampled state (SAFE Scene_Classification_List values)."""
    scl = state.surface.copy()  # undetected haze keeps the ground's class on purpose
    if state.any("shadow"):
        scl[state.shadow] = SCL_SHADOW
    if state.any("cirrus"):
        scl[state.cirrus] = SCL_CIRRUS
    if state.any("cloud_medium"):
        scl[state.cloud_medium] = SCL_CLOUD_MEDIUM
    if state.any("cloud"):
        scl[state.cloud] = SCL_CLOUD_HIGH
    if state.any("cloud_as_snow"):
        scl[state.clouded() & state.cloud_as_snow] = SCL_SNOW
    if state.any("saturated"):
        scl[state.saturated] = SCL_SATURATED
    return scl


def cloud_probability_strip(state: _State) -> np.ndarray:
    prob = np.zeros(state.surface.shape, dtype=np.uint8)
    for name in ("haze", "cirrus", "cloud_medium", "cloud"):  # later wins
        if state.any(name):
            prob[getattr(state, name)] = CLOUD_PROBABILITY[name]
    return prob


def snow_probability_strip(state: _State) -> np.ndarray:
    prob = np.where(state.surface == int(Surface.SNOW), SNOW_PROBABILITY["snow"], 0)
    prob = prob.astype(np.uint8)
    clouded = state.clouded()
    prob[clouded] = 0
    if state.any("cloud_as_snow"):
        prob[clouded & state.cloud_as_snow] = SNOW_PROBABILITY["cloud_as_snow"]
    return prob


def aot_strip(state: _State, aot: float) -> np.ndarray:
    """AOT layer DN (AOT_QUANTIFICATION_VALUE 1000)."""
    value = np.full(state.surface.shape, aot, dtype=np.float32)
    if state.any("haze"):
        value[state.haze] += HAZE_AOT_ADD
    return np.clip(np.rint(value * AOT_QUANTIFICATION), 1, 65535).astype(np.uint16)


def wvp_strip(state: _State) -> np.ndarray:
    return np.full(state.surface.shape, int(WATER_VAPOUR_CM * WVP_QUANTIFICATION), np.uint16)


def iter_layer_strips(scene: Scene, layer: str, resolution_m: int) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (first row at resolution, array) of SCL, CLDPRB, SNWPRB, AOT or WVP."""
    for _, row0, row1 in _strips(scene.shape[0]):
        state = _State(scene, row0, row1, resolution_m)
        if layer == "SCL":
            out = scl_strip(state)
        elif layer == "CLDPRB":
            out = cloud_probability_strip(state)
        elif layer == "SNWPRB":
            out = snow_probability_strip(state)
        elif layer == "AOT":
            out = aot_strip(state, scene.aot)
        elif layer == "WVP":
            out = wvp_strip(state)
        else:
            raise ValueError(f"unknown layer {layer!r} (SCL, CLDPRB, SNWPRB, AOT, WVP)")
        if state.any("nodata"):
            out[state.nodata] = 0  # SCL class 0 NO_DATA; 0 is no-data in every other layer
        yield row0 * 10 // resolution_m, out


def _assemble(strips: Iterator[tuple], rows: int, cols: int, dtype) -> np.ndarray:
    out = np.empty((rows, cols), dtype=dtype)
    for item in strips:
        row0, array = item[-2], item[-1]
        out[row0:row0 + array.shape[0]] = array
    return out


# -- what a test can expect -------------------------------------------------------------------
def expected_dn(scene: Scene, band: str, resolution_m: Optional[int] = None, *, seed: int = 0,
                baseline: str = "05.10", level: str = "L2A") -> np.ndarray:
    """The uint16 DN array the generator writes for ``band`` at ``resolution_m`` (default:
    native) for a product made from ``scene`` with ``seed``."""
    res = resolution_m or NATIVE_RESOLUTION_M[band]
    size = scene.shape[0] * 10 // res
    return _assemble(iter_band_dn(scene, band, (res,), seed=seed, baseline=baseline, level=level),
                     size, scene.shape[1] * 10 // res, np.uint16)


def expected_reflectance(scene: Scene, band: str, resolution_m: Optional[int] = None, *,
                         seed: int = 0, baseline: str = "05.10", level: str = "L2A") -> np.ndarray:
    """Reflectance a reader gets back: (DN + offset) / 10000 as float32, NaN where DN is 0."""
    dn = expected_dn(scene, band, resolution_m, seed=seed, baseline=baseline, level=level)
    refl = (dn.astype(np.float32) + np.float32(radiometric_offset(baseline))) / np.float32(
        QUANTIFICATION)
    refl[dn == 0] = np.nan
    return refl


def expected_layer(scene: Scene, layer: str, resolution_m: int = 20) -> np.ndarray:
    """SCL / CLDPRB / SNWPRB (uint8) or AOT / WVP (uint16 DN) as written, at ``resolution_m``."""
    size = scene.shape[0] * 10 // resolution_m
    dtype = np.uint16 if layer in ("AOT", "WVP") else np.uint8
    return _assemble(iter_layer_strips(scene, layer, resolution_m), size,
                     scene.shape[1] * 10 // resolution_m, dtype)
