"""Detector and corrected inter-band time delays at any point of a Sentinel-2 L1C tile.

Binet, Bergsma, Poulain (CNES), "Accurate Sentinel-2 inter-band time delays" (2022):
``dt(src -> dst) = dt_ref * (H_sat / H_sat_ref) * (V_ground_ref / V_ground)``, with the embedded
per-detector CNES table (``data/``, attribution in ``data/NOTICE.md``), the satellite altitude
and nadir ground speed from the datastrip's GPS ephemeris, and the detector from the tile's
MSK_DETFOO masks. Sign: ``dt(src -> dst) = t(dst) - t(src)``.

Public API (the QGIS dock and the ``delays`` command line use only this)::

    inspector = DelayInspector.open(path, tile=None, ephemeris="tile-centre", progress=None)
    readout = inspector.readout(x, y, crs=None, source_band="B02", ephemeris=None)
    readout.to_json_dict()
    inspector.detector_footprints("B02")          # [(detector, rings)] in the tile CRS
    velocity_from_positions(inspector, xy_a, xy_b, "B02", "B04")
    load_delay_table("S2A").delay_s("B02", "B04", detector=1, h_sat_m=..., v_ground_m_s=...)
"""
from .ephemeris import EphemerisError, EphemerisSample, EphemerisTrack, ephemeris_track
from .footprints import BandFootprints, DetectorPolygon, read_band_footprints
from .inspector import (
    OUTSIDE_MESSAGE, BandDelay, DelayInspector, DelayReadout, ReadoutPoint, open_inspector,
)
from .lut import DelayTable, corrected_delay_s, load_delay_table, read_lut_csv
from .scanline import FootprintIndex
from .velocity import DelayParameters, VelocityEstimate, velocity_from_positions

__all__ = [
    "OUTSIDE_MESSAGE", "BandDelay", "BandFootprints", "DelayInspector", "DelayParameters",
    "DelayReadout", "DelayTable", "DetectorPolygon", "EphemerisError", "EphemerisSample",
    "EphemerisTrack", "FootprintIndex", "ReadoutPoint", "VelocityEstimate", "corrected_delay_s",
    "ephemeris_track", "load_delay_table", "open_inspector", "read_band_footprints",
    "read_lut_csv", "velocity_from_positions",
]
