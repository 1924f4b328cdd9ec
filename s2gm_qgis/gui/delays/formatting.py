"""Text of a delay readout and of a velocity for the dock, the status bar and the clipboard.

Precision follows the data: delays to 10 µs (the CNES table's values carry 1e-8 s but the method's
accuracy is about 0.3 %, i.e. 1-7 ms), correction to 0.001 %, H_sat to 0.1 m, V_ground to 0.01 m/s.
"""
from __future__ import annotations

from typing import Optional

from ...core.bands import BANDS
from ...core.delays import OUTSIDE_MESSAGE, DelayReadout, VelocityEstimate
from ...qgis_support.i18n import tr


def seconds(value: float) -> str:
    return f"{value:+.5f}"


def percent(value: float) -> str:
    return f"{value:+.3f}"


def detectors_text(detectors) -> str:
    """'6' or '6, 7' (overlap); '–' when no detector sees the point."""
    return ", ".join(str(d) for d in detectors) if detectors else "–"


def detector_summary(readout: DelayReadout) -> str:
    """The detector of the source band, plus the bands where it differs, plus every candidate
    where footprints overlap or the point lies on a shared edge."""
    source = readout.detector
    if source is None:
        return "–"
    others = {band: dets for band, dets in readout.detectors.items()
              if dets and tuple(dets) != (source,)}
    if not others:
        summary = tr("{detector} (all bands)").format(detector=source)
    else:
        differing = "; ".join(f"{band}: {detectors_text(dets)}" for band, dets in others.items())
        summary = tr("{detector} ({band}); elsewhere {differing}").format(
            detector=source, band=readout.source_band, differing=differing)
    if len(readout.detector_candidates) > 1:
        return tr("{summary} – candidates {detectors}").format(
            summary=summary, detectors=detectors_text(readout.detector_candidates))
    return summary


def point_text(readout: DelayReadout) -> str:
    p = readout.point
    return tr("{x:.1f} E, {y:.1f} N ({crs}) – lon {lon:.6f}°, lat {lat:.6f}°").format(
        x=p.x, y=p.y, crs=p.crs, lon=p.lon, lat=p.lat)


def ephemeris_text(readout: DelayReadout) -> str:
    sample = readout.ephemeris
    if sample is None:
        return tr("none: delays are the table's reference values, not corrected for the orbit")
    where = tr("nearest the tile centre") if sample.selection == "tile-centre" \
        else tr("nearest the point")
    return tr("H_sat {h:.1f} m, V_ground {v:.2f} m/s – sample {index} ({where}), "
              "UTC {utc}").format(h=sample.h_sat_m, v=sample.v_ground_m_s, index=sample.sample_index,
                                  where=where, utc=sample.utc_time)


def message_text(readout: DelayReadout) -> str:
    """Why there are no delays (outside every footprint...), translated, or ''."""
    if readout.message is None:
        return ""
    if readout.detector is None and readout.message.startswith(OUTSIDE_MESSAGE):
        return tr("Outside every detector footprint of {band}: no delays here.").format(
            band=readout.source_band)
    return readout.message


#: How the core's per-point warnings that ``readout_notes`` words itself begin.
_SEAM_WARNING = "near a detector seam:"
_OVERLAP_WARNING = "{band}: the point lies where detectors"
_EDGE_WARNING = "{band}: the point lies exactly on the edge shared"


def readout_notes(readout: DelayReadout) -> list[str]:
    """What the dock says under a readout, translated: why there are no delays, detectors
    overlapping, bands on the other side of a detector seam (both worked out from the readout's
    detectors); then the core's other warnings (about the product) as it words them."""
    notes = [message_text(readout)] if readout.message else []
    chosen, source = readout.detector, readout.source_band
    if chosen is not None:
        seen = readout.detectors.get(source, ())
        candidates = readout.detector_candidates
        if len(seen) > 1:
            notes.append(tr("{band} sees this point with detectors {detectors} (overlapping "
                            "footprints): the overlap is split at its mid-line, delays use "
                            "detector {detector}").format(band=source,
                                                          detectors=detectors_text(seen),
                                                          detector=chosen))
        elif len(candidates) > 1:
            notes.append(tr("The point lies on the edge shared by detectors {detectors}: it "
                            "belongs to the detector east (or south) of the edge, delays use "
                            "detector {detector}").format(detectors=detectors_text(candidates),
                                                          detector=chosen))
        across = [band for band, dets in readout.detectors.items() if dets and chosen not in dets]
        if across:
            notes.append(tr("Near a detector seam: {bands} see this point with another "
                            "detector; their delays assume detector {detector}").format(
                                bands=", ".join(across), detector=chosen))
    worded = (_SEAM_WARNING, _OVERLAP_WARNING.format(band=source),
              _EDGE_WARNING.format(band=source))
    return notes + [w for w in readout.warnings if not w.startswith(worded)]


def status_summary(readout: DelayReadout) -> str:
    """One line for the QGIS status bar."""
    if readout.detector is None:
        return tr("S2GM {tile}: {message}").format(tile=readout.tile,
                                                   message=message_text(readout))
    nearest = [d for d in readout.delays if d.dst in ("B04", "B03", "B08")][:2]
    delays = ", ".join(f"{d.src}→{d.dst} {d.dt_s:+.4f} s" for d in nearest)
    return tr("S2GM {tile} detector {detector}: {delays}").format(
        tile=readout.tile, detector=readout.detector, delays=delays)


def sensing_text(readout: DelayReadout, band: str) -> str:
    """Time of day the band sensed the point, UTC to the microsecond ('03:21:01.514464'); the
    date is the ephemeris line's."""
    when = (readout.sensing_time_utc or {}).get(band, "")
    return when.split("T", 1)[-1].rstrip("Z")


def velocity_lines(estimate: VelocityEstimate) -> dict[str, str]:
    """Labelled values of a velocity for the dock."""
    return {
        "speed": tr("{ms:.2f} m/s ({kmh:.1f} km/h, {kn:.1f} kn)").format(
            ms=estimate.speed_m_s, kmh=estimate.speed_km_h, kn=estimate.speed_knots),
        "heading": tr("{deg:.1f}° from true north").format(deg=estimate.heading_deg),
        "uncertainty": tr("± {u:.2f} m/s").format(u=estimate.uncertainty_m_s),
        "displacement": tr("{d:.1f} m in {dt:+.5f} s ({a} → {b}, detector {det})").format(
            d=estimate.distance_m, dt=estimate.dt_s, a=estimate.band_a, b=estimate.band_b,
            det=estimate.detector),
    }


def readout_rows(readout: DelayReadout) -> list[tuple[str, str, str, str, str, str, str]]:
    """Table rows (band, detectors, dt, LUT, ESA, correction %, sensing time of day UTC), all 13
    bands in band order; the source band's row has no delay."""
    by_band = {d.dst: d for d in readout.delays}
    rows = []
    for band in BANDS:
        dets = detectors_text(readout.detectors.get(band, ()))
        when = sensing_text(readout, band)
        delay = by_band.get(band)
        if delay is None:
            label = tr("source") if band == readout.source_band and readout.detector else ""
            rows.append((band, dets, label, "", "", "", when))
        else:
            rows.append((band, dets, seconds(delay.dt_s), seconds(delay.dt_lut_s),
                         f"{delay.dt_esa_s:+.3f}", percent(delay.correction_pct), when))
    return rows


def clipboard_text(readout: Optional[DelayReadout]) -> str:
    """A readout as tab-separated text (pastes into a spreadsheet)."""
    if readout is None:
        return ""
    p = readout.point
    lines = [f"product\t{readout.product}", f"tile\t{readout.tile}",
             f"x\t{p.x:.3f}", f"y\t{p.y:.3f}", f"crs\t{p.crs}", f"lon\t{p.lon:.7f}",
             f"lat\t{p.lat:.7f}", f"source band\t{readout.source_band}",
             f"detector\t{readout.detector if readout.detector is not None else ''}"]
    if readout.ephemeris is not None:
        lines += [f"h_sat_m\t{readout.ephemeris.h_sat_m:.3f}",
                  f"v_ground_m_s\t{readout.ephemeris.v_ground_m_s:.4f}",
                  f"ephemeris_utc\t{readout.ephemeris.utc_time}"]
    lines.append("band\tdetectors\tdt_s\tdt_lut_s\tdt_esa_s\tcorrection_pct\tsensing_utc")
    times = readout.sensing_time_utc or {}
    for row in readout_rows(readout):
        lines.append("\t".join(row[:6] + (times.get(row[0], ""),)))
    return "\n".join(lines) + "\n"
