"""Names and identifiers as real products spell them (PSD-14 compact naming)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

#: (UTC time, absolute orbit) anchors. S2A: the shared N0301 product (A031632); S2B and S2C:
#: their launch orbit. Sentinel-2 flies 143 orbits in 10 days.
_ORBIT_ANCHORS = {
    "S2A": (datetime(2021, 7, 13, 3, 20, 51, tzinfo=timezone.utc), 31632),
    "S2B": (datetime(2017, 3, 7, 1, 49, tzinfo=timezone.utc), 1),
    "S2C": (datetime(2024, 9, 5, 1, 50, tzinfo=timezone.utc), 1),
}
ORBITS_PER_DAY = 14.3
PROCESSING_CENTRE = {"S2A": "2APS", "S2B": "2BPS", "S2C": "2CPS"}
#: Delay from sensing to the generation time stamped in product names (typical of real ones).
GENERATION_DELAY = timedelta(hours=3, minutes=3, seconds=47)


def stamp(when: datetime) -> str:
    """'20240612T103629'."""
    return when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S")


def absolute_orbit(spacecraft: str, when: datetime) -> int:
    anchor, orbit = _ORBIT_ANCHORS[spacecraft]
    return max(1, orbit + int(round((when - anchor).total_seconds() / 86400 * ORBITS_PER_DAY)))


def baseline_code(baseline: str) -> str:
    """'05.10' -> 'N0510'."""
    return "N" + baseline.replace(".", "")


def product_name(level: str, spacecraft: str, datatake: datetime, baseline: str,
                 relative_orbit: int, tile: str, generated: datetime) -> str:
    """S2B_MSIL2A_20240612T103629_N0510_R008_T32TQM_20240612T134016 (without .SAFE)."""
    return (f"{spacecraft}_MSI{level}_{stamp(datatake)}_{baseline_code(baseline)}_"
            f"R{relative_orbit:03d}_T{tile}_{stamp(generated)}")


def granule_folder(level: str, tile: str, abs_orbit: int, datastrip_start: datetime) -> str:
    """L2A_T32TQM_A037567_20240612T103632."""
    return f"{level}_T{tile}_A{abs_orbit:06d}_{stamp(datastrip_start)}"


def tile_id(spacecraft: str, level: str, generated: datetime, abs_orbit: int, tile: str,
            baseline: str) -> str:
    return (f"{spacecraft}_OPER_MSI_{level}_TL_{PROCESSING_CENTRE[spacecraft]}_"
            f"{stamp(generated)}_A{abs_orbit:06d}_T{tile}_N{baseline}")


def datastrip_id(spacecraft: str, level: str, generated: datetime, start: datetime,
                 baseline: str) -> str:
    return (f"{spacecraft}_OPER_MSI_{level}_DS_{PROCESSING_CENTRE[spacecraft]}_"
            f"{stamp(generated)}_S{stamp(start)}_N{baseline}")


def datastrip_folder(spacecraft: str, generated: datetime, start: datetime) -> str:
    """DS_2APS_20210713T054224_S20210713T032054."""
    return f"DS_{PROCESSING_CENTRE[spacecraft]}_{stamp(generated)}_S{stamp(start)}"


def datatake_id(spacecraft: str, datatake: datetime, abs_orbit: int, baseline: str) -> str:
    return f"G{spacecraft}_{stamp(datatake)}_{abs_orbit:06d}_N{baseline}"


SPACECRAFT_NAME = {"S2A": "Sentinel-2A", "S2B": "Sentinel-2B", "S2C": "Sentinel-2C"}
