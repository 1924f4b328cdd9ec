"""Which detector imaged a point where footprints overlap or touch.

- **Overlaps** (the simplified GML footprints of baselines before 02.09, e.g. N02.04 and N02.06:
  neighbouring detectors' polygons overlap by about 1.5 km across track, since each outlines its
  detector's whole field of view). Odd and even detectors look fore and aft, so the delays change
  sign between neighbours: the choice matters. The overlap is split at its mid-line across track
  (as CNES S2Shores does): at the point's ordinate, the overlap is the x-span where both
  footprints hold; the western detector keeps its western half, the eastern one the rest. Both
  candidates are reported. The pixel-step footprints (02.09 on) and the rasters (04.00 on) are
  ESA's own seam and never overlap.
- **Shared edges** (pixel-step and raster footprints): footprints are half-open as GDAL's pixels
  are, ``x_start <= x < x_end`` and ``y_bottom < y <= y_top``: a point exactly on a vertical edge
  belongs to the detector east of it, on a horizontal edge to the detector south of it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .scanline import FootprintIndex

#: The rule as the readout's warnings state it.
HALF_OPEN_RULE = ("footprints are half-open (x_start <= x < x_end, y_bottom < y <= y_top, as "
                  "GDAL's pixels): a point on a vertical edge belongs to the detector east of it, "
                  "on a horizontal edge to the detector south of it")
MIDLINE_RULE = ("the overlap is split at its mid-line across track: the western detector "
                "keeps its western half")


@dataclass(frozen=True)
class DetectorChoice:
    """The detector chosen for a band at a point, and why.

    ``candidates``: every detector whose footprint holds or touches the point, ascending;
    ``rule``: None (one footprint holds the point, no other touches it), "midline" (footprints
    overlap) or "half-open" (the point lies on an edge shared by footprints); ``overlap_x``:
    for "midline", the overlap's x-span at the point's ordinate and its mid-line
    (x_start, x_mid, x_end), tile CRS.
    """

    detector: Optional[int]
    candidates: tuple[int, ...]
    rule: Optional[str] = None
    overlap_x: Optional[tuple[float, float, float]] = None


def choose_detector(index: FootprintIndex, band: str, x: float, y: float,
                    holding: tuple[int, ...]) -> DetectorChoice:
    """The detector of ``band`` at (x, y) (tile CRS); ``holding`` is what the half-open lookup
    found there (``index.lookup(x, y)[band]``)."""
    spans = index.intervals_at(band, x, y)
    if len(holding) > 1:
        # Per detector, its interval holding x; sorted west to east by their western ends.
        inside = sorted(((a, e, d) for d, a, e in spans if d in holding and a <= x < e))
        chosen, bounds = inside[-1][2], None
        for (a0, e0, d0), (a1, e1, _d1) in zip(inside, inside[1:]):
            mid = 0.5 * (a1 + min(e0, e1))
            if x < mid:
                chosen, bounds = d0, (a1, mid, min(e0, e1))
                break
            bounds = (a1, mid, min(e0, e1))
        return DetectorChoice(chosen, tuple(sorted(holding)), "midline", bounds)
    if not holding:
        return DetectorChoice(None, ())
    touching = {d for d, a, e in spans if e == x} | set(index.detectors_north(band, x, y))
    touching.discard(holding[0])
    if touching:
        return DetectorChoice(holding[0], tuple(sorted(touching | {holding[0]})), "half-open")
    return DetectorChoice(holding[0], holding)


def choice_warning(band: str, choice: DetectorChoice) -> Optional[str]:
    """The readout's warning for a choice that needed a rule, else None."""
    others = " and ".join(map(str, choice.candidates))
    if choice.rule == "midline":
        start, mid, end = choice.overlap_x
        return (f"{band}: the point lies where detectors {others} overlap (x {start:.1f}.."
                f"{end:.1f} here; footprints before baseline 02.09 overlap); {MIDLINE_RULE} "
                f"(x {mid:.1f}): delays use detector {choice.detector}; the other candidates' "
                f"delays are in alternative_delays (pass detector= / --detector to choose)")
    if choice.rule == "half-open":
        return (f"{band}: the point lies exactly on the edge shared by detectors {others}; "
                f"{HALF_OPEN_RULE}: delays use detector {choice.detector}; the other candidates' "
                f"delays are in alternative_delays")
    return None
