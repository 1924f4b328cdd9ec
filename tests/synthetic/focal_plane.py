"""The MSI focal plane as the generator needs it: 12 staggered detectors across a 290 km swath
and the time at which each band and detector sees a ground line.

Timing model: t(band, det) = T(det) + dt_ref(B02 -> band, det) * (H_sat / H_ref) *
(V_ref / V_ground), where dt_ref, H_ref, V_ref come from the CNES delay table (Binet et al.
2022; sign convention dt(src -> dst) = t(dst) - t(src), ../shared/docs/delays-method.md) and
T(det) is later by ``ODD_EVEN_STAGGER_S`` for odd detectors (odd and even detectors sit on
two staggered rows of the focal plane). So t(dst) - t(src) of any band pair follows the table
(up to its small non-additivity), with the orbit correction of the paper's eq. 12 built in.

Geometry: detector d covers cross-track distances [-145 + (d-1) w, -145 + d w] km (w = 290/12),
widened by ``DETECTOR_OVERLAP_KM`` / 2 each side; the cross-track axis points to the left of the
motion, i.e. east on a descending pass, so detector 01 is the westernmost (as on real products).
"""
from __future__ import annotations

from functools import lru_cache

from s2gm_qgis.core.bands import BANDS
from s2gm_qgis.core.delays.lut import load_delay_table

DETECTORS: tuple[int, ...] = tuple(range(1, 13))
SWATH_KM = 290.0
DETECTOR_WIDTH_KM = SWATH_KM / len(DETECTORS)
DETECTOR_OVERLAP_KM = 0.6
#: t(B02, odd detector) - t(B02, even detector) for the same ground line, seconds: read off the
#: Band_Time_Stamp of the real N0301 datastrip (2.03 to 2.05 s).
ODD_EVEN_STAGGER_S = 2.05
REFERENCE_BAND = "B02"

def detector_span_km(detector: int, overlap: bool = True) -> tuple[float, float]:
    """(low, high) cross-track distance from the nadir track covered by ``detector``, km."""
    low = -SWATH_KM / 2 + (detector - 1) * DETECTOR_WIDTH_KM
    high = low + DETECTOR_WIDTH_KM
    if overlap:
        low -= DETECTOR_OVERLAP_KM / 2
        high += DETECTOR_OVERLAP_KM / 2
    return low, high


@lru_cache(maxsize=None)
def delay_table(spacecraft: str) -> dict[tuple[str, str, int], tuple[float, float, float]]:
    """(src, dst, detector) -> (dt_s, H_ref_m, V_ref_m_s) from the CNES table of ``spacecraft``,
    as embedded in the plugin (s2gm_qgis/core/delays/data, equal to ../shared/data/lut)."""
    lut = load_delay_table(spacecraft)
    table = {}
    for src in BANDS:
        for dst in BANDS:
            if src == dst:
                continue
            for det in DETECTORS:
                dt_ref_s, h_ref_m, v_ref_m_s, _ = lut.lookup(src, dst, det)
                table[(src, dst, det)] = (dt_ref_s, h_ref_m, v_ref_m_s)
    return table


def band_time_offsets_s(spacecraft: str, h_sat_m: float, v_ground_m_s: float
                        ) -> dict[tuple[str, int], float]:
    """(band, detector) -> time (s) at which that band and detector sees a ground line,
    relative to the mean over detectors of B02 (see the module docstring)."""
    table = delay_table(spacecraft)
    out = {}
    for det in DETECTORS:
        base = ODD_EVEN_STAGGER_S / 2 if det % 2 else -ODD_EVEN_STAGGER_S / 2
        for band in BANDS:
            if band == REFERENCE_BAND:
                out[(band, det)] = base
                continue
            dt_ref, h_ref, v_ref = table[(REFERENCE_BAND, band, det)]
            out[(band, det)] = base + dt_ref * (h_sat_m / h_ref) * (v_ref / v_ground_m_s)
    return out
