"""MTD_DS.xml of a synthetic L1C datastrip: Band_Time_Stamp per band and detector, and the GPS
ephemeris (Earth-fixed, 1 Hz, mm and mm/s, GPS time = UTC + 18 s, no zone suffix) sampled from
the Keplerian orbit of the acquisition (``orbit``)."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from s2gm_qgis.core.bands import BANDS

from . import naming as N
from . import xmlwrite as X
from .acquisition import Acquisition
from .focal_plane import DETECTORS
from .metadata import write_datatake
from .orbit import GPS_MINUS_UTC_S

NS_DATASTRIP = "https://psd-14.sentinel2.eo.esa.int/PSD/S2_PDI_Level-1C_Datastrip_Metadata.xsd"
#: Line period of the 10 m bands, ms (real N0301 datastrip: 1.565873622).
LINE_PERIOD_MS = 1.565873622
#: GPS samples before the datastrip start and in total (real N0301: 34 s before, 94 samples).
EPHEMERIS_LEAD_S = 34
EPHEMERIS_POINTS = 94
#: The reference ground line (REFERENCE_LINE 1) passes under the nadir this long after the
#: datastrip start, so every band and detector time stamp follows the start.
REFERENCE_LINE_DELAY_S = 5.0


def gps_text(when: datetime) -> str:
    """GPS time as MTD_DS writes it: UTC + 18 s, ISO without zone, microseconds trimmed."""
    gps = (when + timedelta(seconds=GPS_MINUS_UTC_S)).replace(tzinfo=None)
    text = gps.isoformat(timespec="microseconds")
    return text.rstrip("0").rstrip(".") if "." in text else text


def band_time_stamps(acq: Acquisition) -> dict[tuple[str, int], datetime]:
    """UTC time at which each band and detector senses the reference line."""
    reference = acq.datastrip_start + timedelta(seconds=REFERENCE_LINE_DELAY_S)
    return {key: reference + timedelta(seconds=offset)
            for key, offset in acq.time_offsets_s().items()}


def ephemeris(acq: Acquisition) -> tuple[list[datetime], np.ndarray, np.ndarray]:
    """(UTC times on whole GPS seconds, positions m, velocities m/s) of the GPS points."""
    start_gps = acq.datastrip_start + timedelta(seconds=GPS_MINUS_UTC_S)
    first_gps = start_gps.replace(microsecond=0) - timedelta(seconds=EPHEMERIS_LEAD_S)
    times = [first_gps - timedelta(seconds=GPS_MINUS_UTC_S) + timedelta(seconds=k)
             for k in range(EPHEMERIS_POINTS)]
    dt = np.array([(t - acq.orbit.epoch).total_seconds() for t in times])
    position, velocity = acq.orbit.earth_fixed(dt)
    return times, position, velocity


def write_datastrip(path: Path, acq: Acquisition, baseline: str, relative_orbit: int,
                    abs_orbit: int, generated: datetime, tile_ids: list[str]) -> Path:
    top = X.root("Level-1C_DataStrip_ID", NS_DATASTRIP)
    general = X.n1(top, "General_Info", NS_DATASTRIP)
    write_datatake(general, "Datatake_Info", acq, abs_orbit, baseline, relative_orbit,
                   metadataLevel="Brief")
    times = X.sub(general, "Datastrip_Time_Info", metadataLevel="Brief")
    X.sub(times, "DATASTRIP_SENSING_START", X.utc_text(acq.datastrip_start))
    stop = acq.sensing_time + (acq.sensing_time - acq.datastrip_start)
    X.sub(times, "DATASTRIP_SENSING_STOP", X.utc_text(stop))
    processing = X.sub(general, "Processing_Info", metadataLevel="Expertise")
    X.sub(processing, "PROCESSING_BASELINE", baseline)
    X.sub(processing, "PROCESSING_CENTER", N.PROCESSING_CENTRE[acq.spacecraft])
    X.sub(processing, "UTC_DATE_TIME", X.utc_text(generated, 0))

    image = X.n1(top, "Image_Data_Info", NS_DATASTRIP)
    tiles = X.sub(X.sub(image, "Tiles_Information", metadataLevel="Standard"), "Tile_List")
    for tile_id in tile_ids:
        X.sub(tiles, "Tile", tileId=tile_id)
    sensor = X.sub(image, "Sensor_Configuration")
    stamp = X.sub(sensor, "Time_Stamp", metadataLevel="Standard", usedModel="EXOGENEOUS")
    X.sub(stamp, "LINE_PERIOD", repr(LINE_PERIOD_MS), unit="ms")
    stamps = band_time_stamps(acq)
    for band_id, band in enumerate(BANDS):
        element = X.sub(stamp, "Band_Time_Stamp", bandId=band_id)
        for det in DETECTORS:
            detector = X.sub(element, "Detector", detectorId=f"{det:02d}")
            X.sub(detector, "REFERENCE_LINE", 1)
            X.sub(detector, "GPS_TIME", gps_text(stamps[(band, det)]))

    ancillary = X.n1(top, "Satellite_Ancillary_Data_Info", NS_DATASTRIP)
    ephem = X.sub(ancillary, "Ephemeris", metadataLevel="Standard")
    point_times, position, velocity = ephemeris(acq)
    numbers = X.sub(ephem, "GPS_Number_List")
    gps = X.sub(numbers, "Gps_Number", id="GPS-A")
    X.sub(gps, "GPS_TIME_START", gps_text(point_times[0]))
    X.sub(gps, "GPS_TIME_END", gps_text(point_times[-1]))
    points = X.sub(ephem, "GPS_Points_List")
    pos_mm = np.rint(position * 1000).astype(np.int64)
    vel_mm = np.rint(velocity * 1000).astype(np.int64)
    for when, pos, vel in zip(point_times, pos_mm, vel_mm):
        point = X.sub(points, "GPS_Point")
        X.sub(point, "POSITION_VALUES", " ".join(str(v) for v in pos), unit="mm")
        X.sub(point, "POSITION_ERRORS", "1000 1000 1000", unit="mm")
        X.sub(point, "VELOCITY_VALUES", " ".join(str(v) for v in vel), unit="mm/s")
        X.sub(point, "VELOCITY_ERRORS", "10 10 10", unit="mm/s")
        X.sub(point, "GPS_TIME", gps_text(when))
        X.sub(point, "NSM", "KALMAN_FILTER")
        X.sub(point, "QUALITY_INDEX", 7)
    X.n1(top, "Quality_Indicators_Info", NS_DATASTRIP, metadataLevel="Brief")
    X.write(top, path)
    return path
