"""Read the datastrip metadata (compact ``MTD_DS.xml``, PSD-13 ``*_MTD_L1C_DS_*.xml``) once, fast.

XML paths (../shared/docs/safe-format.md and delays-method.md):
``General_Info/Datatake_Info/{SPACECRAFT_NAME, SENSING_ORBIT_NUMBER, SENSING_ORBIT_DIRECTION}``,
``General_Info/Datastrip_Time_Info/DATASTRIP_SENSING_START|STOP``,
``General_Info/Processing_Info/PROCESSING_BASELINE``,
``Image_Data_Info/Sensor_Configuration/Time_Stamp/{LINE_PERIOD (ms),
Band_Time_Stamp[@bandId]/Detector[@detectorId]/{REFERENCE_LINE, GPS_TIME}}``,
``Satellite_Ancillary_Data_Info/Time_Correlation_Data_List/Time_Correlation_Data/{GPS_TIME,
UTC_TIME}`` and ``Satellite_Ancillary_Data_Info/Ephemeris/GPS_Points_List/GPS_Point/
{POSITION_VALUES (mm), VELOCITY_VALUES (mm/s), GPS_TIME}`` (Earth-fixed; not AOCS_Ephemeris).

The file reaches 10+ MB, mostly attitude and quality data placed after the GPS points: it is
streamed (expat pull parser, 64 KiB chunks, zip members decompressed as read) and parsing stops
once ``GPS_Points_List`` is closed, since the schema orders everything needed before it. A file
truncated after that point is therefore read without error; one truncated before it is reported.
Results are cached per path, size and modification time.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from functools import lru_cache
from typing import Optional

import numpy as np

from ..bands import band_from_id
from ..errors import ProductError
from .model import BandTimeStamp, Datastrip, GpsEphemeris, Product
from .storage import VSIZIP, ZIP_MEMBER_ERRORS, open_binary, stat_path
from .xmlutil import local, parse_spacecraft, parse_utc

_CHUNK_BYTES = 1 << 16
_ROOT_RE = re.compile(rb"<(?![?!])(?:[\w.-]+:)?([\w.-]+)")
_DATASTRIP_ROOT_RE = re.compile(r"^Level-(1B|1C|2A)_DataStrip_ID$")

#: GPS - UTC (leap seconds) since the dates given, IERS Bulletin C; used only when the datastrip
#: has no Time_Correlation_Data to read the offset from.
_GPS_MINUS_UTC_S = (
    (np.datetime64("2017-01-01T00:00:00", "ns"), 18),
    (np.datetime64("2015-07-01T00:00:00", "ns"), 17),
    (np.datetime64("2012-07-01T00:00:00", "ns"), 16),
)

#: Elements read at the end of their container; they must survive until the container ends.
_KEPT = frozenset({
    "SPACECRAFT_NAME", "SENSING_ORBIT_NUMBER", "SENSING_ORBIT_DIRECTION",
    "DATASTRIP_SENSING_START", "DATASTRIP_SENSING_STOP", "PROCESSING_BASELINE",
    "Detector", "REFERENCE_LINE", "GPS_TIME", "UTC_TIME", "POSITION_VALUES", "VELOCITY_VALUES",
})
_UNIT_SCALE = {"mm": 1e-3, "m": 1.0, "mm/s": 1e-3, "m/s": 1.0}


def gps_minus_utc_s(gps_time: np.datetime64) -> int:
    """Leap seconds between GPS time and UTC at ``gps_time`` (from 2012-07-01 on)."""
    for since, offset in _GPS_MINUS_UTC_S:
        if gps_time >= since:
            return offset
    return 15


class _Collector:
    """Accumulates what the streaming parse finds."""

    def __init__(self, path: str):
        self.path = path
        self.general: dict[str, str] = {}
        self.line_period_ms: Optional[float] = None
        self.stamps: dict[tuple[str, int], BandTimeStamp] = {}
        self.correlation: Optional[tuple[str, str]] = None
        self.positions: list[str] = []
        self.velocities: list[str] = []
        self.gps_times: list[str] = []
        self.position_scale = 1e-3
        self.velocity_scale = 1e-3
        self.done = False

    def _text(self, element: ET.Element, name: str) -> Optional[str]:
        for node in element:
            if local(node.tag) == name:
                return (node.text or "").strip() or None
        return None

    def end(self, element: ET.Element) -> None:
        name = local(element.tag)
        if name in _KEPT:
            return
        if name in ("Datatake_Info", "Datastrip_Time_Info", "Processing_Info"):
            for node in element:
                if node.text and node.text.strip():
                    self.general.setdefault(local(node.tag), node.text.strip())
        elif name == "LINE_PERIOD" and self.line_period_ms is None:
            self.line_period_ms = self._float(element.text, "LINE_PERIOD")
            if element.get("unit", "ms") not in ("ms",):
                raise ProductError(self.path, f"LINE_PERIOD unit {element.get('unit')!r}, expected ms")
        elif name == "Band_Time_Stamp":
            self._band_time_stamp(element)
        elif name == "Time_Correlation_Data" and self.correlation is None:
            gps, utc = self._text(element, "GPS_TIME"), self._text(element, "UTC_TIME")
            if gps and utc:
                self.correlation = (gps, utc)
        elif name == "GPS_Point":
            self._gps_point(element)
        elif name == "GPS_Points_List":
            self.done = True
        element.clear()

    def _float(self, text: Optional[str], field: str) -> float:
        try:
            return float((text or "").strip())
        except ValueError as exc:
            raise ProductError(self.path, f"{field} {text!r} is not a number") from exc

    def _band_time_stamp(self, element: ET.Element) -> None:
        try:
            band = band_from_id(element.get("bandId", ""))
        except ValueError as exc:
            raise ProductError(self.path, f"Band_Time_Stamp: {exc}") from exc
        for detector_el in element:
            if local(detector_el.tag) != "Detector":
                continue
            detector_id = detector_el.get("detectorId", "")
            line = self._text(detector_el, "REFERENCE_LINE")
            gps = self._text(detector_el, "GPS_TIME")
            field = f"Band_Time_Stamp[{band}]/Detector[{detector_id}]"
            if not detector_id.isdigit() or line is None or gps is None:
                raise ProductError(self.path, f"{field} lacks detectorId, REFERENCE_LINE or GPS_TIME")
            try:
                stamp = np.datetime64(gps.rstrip("Z"), "ns")
                reference_line = int(float(line))
            except ValueError as exc:
                raise ProductError(self.path, f"{field}: {exc}") from exc
            self.stamps[(band, int(detector_id))] = BandTimeStamp(
                band=band, detector=int(detector_id), reference_line=reference_line, gps_time=stamp,
            )

    def _gps_point(self, element: ET.Element) -> None:
        position = velocity = gps = None
        for node in element:
            name = local(node.tag)
            if name == "POSITION_VALUES":
                position = node.text
                self.position_scale = _UNIT_SCALE.get(node.get("unit", "mm"), 0.0)
            elif name == "VELOCITY_VALUES":
                velocity = node.text
                self.velocity_scale = _UNIT_SCALE.get(node.get("unit", "mm/s"), 0.0)
            elif name == "GPS_TIME":
                gps = node.text
        if not position or not velocity or not gps:
            raise ProductError(self.path, f"GPS_Point {len(self.gps_times) + 1} lacks "
                               "POSITION_VALUES, VELOCITY_VALUES or GPS_TIME")
        if not self.position_scale or not self.velocity_scale:
            raise ProductError(self.path, "GPS_Point units are not mm / mm/s (or m / m/s)")
        self.positions.append(position)
        self.velocities.append(velocity)
        self.gps_times.append(gps.strip().rstrip("Z"))

    def ephemeris(self) -> Optional[GpsEphemeris]:
        if not self.gps_times:
            return None
        try:
            position = np.array(" ".join(self.positions).split(), dtype=np.float64)
            velocity = np.array(" ".join(self.velocities).split(), dtype=np.float64)
            gps = np.array(self.gps_times, dtype="datetime64[ns]")
        except ValueError as exc:
            raise ProductError(self.path, f"GPS_Points_List: {exc}") from exc
        count = len(self.gps_times)
        if position.size != 3 * count or velocity.size != 3 * count:
            raise ProductError(self.path, "GPS_Point POSITION_VALUES/VELOCITY_VALUES need 3 values")
        if self.correlation is not None:
            # The datastrip's own GPS/UTC pair gives the leap seconds in force.
            pair_gps = np.datetime64(self.correlation[0].rstrip("Z"), "ns")
            pair_utc = np.datetime64(self.correlation[1].rstrip("Z"), "ns")
            offset_s = int(round((pair_gps - pair_utc) / np.timedelta64(1, "s")))
        else:
            offset_s = gps_minus_utc_s(gps[0])
        utc = gps - np.timedelta64(offset_s, "s")
        position_m = (position * self.position_scale).reshape(count, 3)
        velocity_m_s = (velocity * self.velocity_scale).reshape(count, 3)
        # Shared through the per-process cache: nobody may modify them in place.
        for array in (position_m, velocity_m_s, gps, utc):
            array.setflags(write=False)
        return GpsEphemeris(
            position_m=position_m, velocity_m_s=velocity_m_s, gps_time=gps, utc_time=utc,
        )


def _parse(path: str) -> Datastrip:
    collector = _Collector(path)
    parser = ET.XMLPullParser(events=("end",))
    root_name: Optional[str] = None
    with open_binary(path) as stream:
        while not collector.done:
            try:
                chunk = stream.read(_CHUNK_BYTES)
            except (OSError, *ZIP_MEMBER_ERRORS) as exc:
                reason = "cannot be read from the zip" if path.startswith(VSIZIP) else \
                    "cannot be read"
                raise ProductError(path, f"{reason} ({exc})") from exc
            if not chunk:
                break
            if root_name is None:
                match = _ROOT_RE.search(chunk)
                root_name = match.group(1).decode("ascii", "replace") if match else ""
                if not _DATASTRIP_ROOT_RE.match(root_name):
                    raise ProductError(path, f"not Sentinel-2 datastrip metadata: root element is "
                                       f"{root_name!r}, expected Level-1C_DataStrip_ID")
            try:
                parser.feed(chunk)
                for _, element in parser.read_events():
                    collector.end(element)
                    if collector.done:
                        break
            except ET.ParseError as exc:
                raise ProductError(path, f"datastrip metadata is not well-formed XML ({exc})") from exc
    if root_name is None:
        raise ProductError(path, "datastrip metadata is empty (0 bytes)")
    if not collector.done:
        try:
            parser.close()
            for _, element in parser.read_events():
                collector.end(element)
        except ET.ParseError as exc:
            raise ProductError(path, f"datastrip metadata is not well-formed XML ({exc}); "
                               "truncated?") from exc
    return _assemble(collector, path)


def _assemble(collector: _Collector, path: str) -> Datastrip:
    general = collector.general
    spacecraft = parse_spacecraft(general.get("SPACECRAFT_NAME"), path,
                                  "Datatake_Info/SPACECRAFT_NAME")
    orbit = general.get("SENSING_ORBIT_NUMBER")
    if orbit is not None and not orbit.isdigit():
        raise ProductError(path, f"SENSING_ORBIT_NUMBER {orbit!r} is not an integer")

    def when(field: str) -> Optional[datetime]:
        text = general.get(field)
        return parse_utc(text, path, field) if text else None

    return Datastrip(
        path=path,
        spacecraft=spacecraft,
        orbit_number=int(orbit) if orbit is not None else None,
        orbit_direction=general.get("SENSING_ORBIT_DIRECTION"),
        sensing_start_utc=when("DATASTRIP_SENSING_START"),
        sensing_stop_utc=when("DATASTRIP_SENSING_STOP"),
        processing_baseline=general.get("PROCESSING_BASELINE"),
        line_period_ms=collector.line_period_ms,
        band_time_stamps=collector.stamps,
        ephemeris=collector.ephemeris(),
    )


@lru_cache(maxsize=16)
def _cached(path: str, size: int, mtime_ns: int) -> Datastrip:
    del size, mtime_ns  # part of the cache key only: a changed file is parsed again
    return _parse(path)


def read_datastrip(path: str) -> Datastrip:
    """Parse a datastrip metadata file (plain or ``/vsizip/`` path), once per file version.

    Raises ProductError naming the file when it is missing, empty, not well-formed, not a
    Sentinel-2 datastrip or names an unknown spacecraft. The returned arrays are read-only.
    """
    path = str(path)
    stat = stat_path(path)
    if stat is None:
        raise ProductError(path, "datastrip metadata not found")
    if stat.size == 0:
        raise ProductError(path, "datastrip metadata is empty (0 bytes)")
    return _cached(path, stat.size, stat.mtime_ns)


def product_datastrip(product: Product) -> Optional[Datastrip]:
    """The product's datastrip, or None when the product has none or it is known unusable
    (``product.datastrip_problem`` says why). A datastrip that turns out corrupt when parsed
    raises ProductError naming the file."""
    if product.datastrip_path is None or product.datastrip_problem:
        return None
    return read_datastrip(product.datastrip_path)
