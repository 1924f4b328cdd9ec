"""DelayInspector: open a product once, then read detectors, corrected inter-band delays and
sensing times at any point in microseconds.

Method: Binet et al. 2022 (../shared/docs/delays-method.md): detector from the band's
MSK_DETFOO, ``dt = dt_ref * (H_sat / H_sat_ref) * (V_ground_ref / V_ground)`` with the embedded
CNES table and the datastrip's GPS ephemeris; ``dt(src -> dst) = t(dst) - t(src)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional

import numpy as np
import pyproj

from ..bands import BANDS, normalise_band
from ..errors import ProductError, S2GMError, ValidationError
from ..safe import open_product, product_datastrip
from ..safe.model import Product
from .ephemeris import (
    SELECTIONS, EphemerisError, EphemerisSample, EphemerisTrack, ephemeris_track, geodetic_to_ecef,
    nearest_sample_index, sample_at,
)
from .footprints import BandFootprints, polygonise_detfoo_raster, read_band_footprints
from .lut import BAND_INDEX, DelayTable, corrected_delay_s, load_delay_table
from .overlaps import DetectorChoice, choice_warning, choose_detector
from .scanline import FootprintIndex, empty_intervals
from .sensing import (
    LosGrid, TrackLists, band_times_s, ground_point, los_crossing_time_s, nadir_anchor_s,
    nadir_crossing_time_s,
)

OUTSIDE_MESSAGE = "outside every detector footprint"
#: Beyond this distance from every nadir sample, the ephemeris is not this tile's (the swath is
#: 290 km wide, so a tile centre lies within about 160 km of the ground track).
MAX_NADIR_DISTANCE_M = 400e3

Progress = Callable[[float, str], None]


def crs_label(epsg: int) -> str:
    return f"EPSG:{epsg}"


@dataclass(frozen=True)
class ReadoutPoint:
    """The point read: x, y in ``crs`` as given, and its WGS84 longitude / latitude."""

    x: float
    y: float
    crs: str  # "EPSG:n"
    lon: float
    lat: float

    @property
    def epsg(self) -> int:
        return int(self.crs.split(":")[1])

    def to_json_dict(self) -> dict:
        return {"x": self.x, "y": self.y, "crs": self.crs, "lon": self.lon, "lat": self.lat}


@dataclass(frozen=True)
class BandDelay:
    """dt(src -> dst) = t(dst) - t(src) at one detector, seconds.

    ``dt_s`` is corrected for this orbit (eq. 12) when the ephemeris is usable, else equal to
    ``dt_lut_s`` (the CNES reference value); ``dt_esa_s`` is the ESA handbook constant with the
    detector's sign; ``correction_pct = 100 * (dt_s / dt_lut_s - 1)``.
    """

    src: str
    dst: str
    detector: int
    dt_s: float
    dt_lut_s: float
    dt_esa_s: float
    correction_pct: float

    def to_json_dict(self) -> dict:
        return {
            "from": self.src, "to": self.dst, "detector": self.detector, "dt_s": self.dt_s,
            "dt_lut_s": self.dt_lut_s, "dt_esa_s": self.dt_esa_s,
            "correction_pct": self.correction_pct,
        }


@dataclass(frozen=True)
class DelayReadout:
    """Everything known at one point; ``to_json_dict()`` is the command line's JSON."""

    product: str
    satellite: str
    tile: str
    point: ReadoutPoint
    detector: Optional[int]  # detector of the source band used for the delays
    detectors: Mapping[str, tuple[int, ...]]  # every detector seeing the point, per band
    ephemeris: Optional[EphemerisSample]
    delays: tuple[BandDelay, ...]  # one per other band, in band order
    sensing_time_utc: Optional[Mapping[str, str]]
    warnings: tuple[str, ...]
    message: Optional[str] = None
    source_band: str = "B02"
    #: Detectors of the source band whose footprints hold or touch the point (two or more where
    #: footprints overlap or the point lies on a shared edge; see ``overlaps.py``), ascending.
    detector_candidates: tuple[int, ...] = ()
    #: The delays the other candidates would give: detector -> one BandDelay per other band.
    alternative_delays: Mapping[int, tuple[BandDelay, ...]] = field(default_factory=dict)

    def delay(self, dst: str) -> BandDelay:
        """The delay from the source band to ``dst``; KeyError if there is none."""
        dst = normalise_band(dst)
        for item in self.delays:
            if item.dst == dst:
                return item
        raise KeyError(dst)

    def to_json_dict(self) -> dict:
        """The command line's JSON. The JSON has no field for ``message`` (why there are no
        delays): it comes first among the warnings."""
        warnings = ([self.message] if self.message else []) + list(self.warnings)
        return {
            "product": self.product,
            "satellite": self.satellite,
            "tile": self.tile,
            "point": self.point.to_json_dict(),
            "detector": self.detector,
            "detector_candidates": list(self.detector_candidates),
            "detectors": {band: list(dets) for band, dets in self.detectors.items()},
            "ephemeris": None if self.ephemeris is None else self.ephemeris.to_json_dict(),
            "delays": [item.to_json_dict() for item in self.delays],
            "alternative_delays": {str(det): [item.to_json_dict() for item in delays]
                                   for det, delays in self.alternative_delays.items()},
            "sensing_time_utc": None if self.sensing_time_utc is None else dict(self.sensing_time_utc),
            "warnings": warnings,
        }


def _validate_selection(value: str) -> str:
    if value not in SELECTIONS:
        raise ValidationError({"ephemeris": f"{value!r}: expected one of {', '.join(SELECTIONS)}"})
    return value


def _epsg_of_crs(crs) -> int:
    """EPSG code of 'EPSG:4326', 4326, '4326' or a pyproj CRS; ValidationError otherwise."""
    if isinstance(crs, int):
        return crs
    if isinstance(crs, pyproj.CRS):
        code = crs.to_epsg()
        if code is None:
            raise ValidationError({"crs": f"{crs.name!r} has no EPSG code"})
        return int(code)
    text = str(crs).strip()
    if text.upper().startswith("EPSG:"):
        text = text[5:]
    if text.isdigit():
        return int(text)
    raise ValidationError({"crs": f"{crs!r}: expected EPSG:<code>"})


class DelayInspector:
    """A product opened for delay readouts. Use :meth:`open`.

    Attributes: ``product`` (Product), ``satellite`` ('S2A'|'S2B'|'S2C'), ``tile_id``, ``epsg``,
    ``warnings`` (tuple of str, product-level), ``bands`` (bands whose detector footprints are
    known), ``table`` (DelayTable), ``track`` (EphemerisTrack or None), ``ephemeris_selection``.
    """

    def __init__(
        self,
        product: Product,
        table: DelayTable,
        footprints: Mapping[str, BandFootprints],
        track: Optional[EphemerisTrack],
        *,
        ephemeris: str = "tile-centre",
        warnings: tuple[str, ...] = (),
    ):
        granule = product.granule
        self.product = product
        self.satellite = table.spacecraft
        self.tile_id = granule.tile_id
        self.epsg = granule.epsg
        self.table = table
        self.track = track
        self.ephemeris_selection = _validate_selection(ephemeris)
        self.footprints = dict(footprints)
        self.bands = tuple(b for b in BANDS if b in self.footprints)
        self.index = FootprintIndex({b: (self.footprints[b].intervals if b in self.footprints
                                         else empty_intervals()) for b in BANDS})
        self._to_lonlat = pyproj.Transformer.from_crs(self.epsg, 4326, always_xy=True)
        self._from_crs: dict[int, pyproj.Transformer] = {}
        self._delay_cache: dict[tuple[str, int, int], tuple[tuple[BandDelay, ...], dict]] = {}
        self._point_samples: dict[int, EphemerisSample] = {}
        self._others = {b: tuple(o for o in BANDS if o != b) for b in BANDS}
        self._los: dict[tuple[str, int], LosGrid] = {}
        if granule.angles is not None:
            for key, grid in granule.angles.viewing.items():
                self._los[key] = LosGrid.from_angles(grid)
        warnings = list(warnings)
        self.tile_centre_sample: Optional[EphemerisSample] = None
        self._bounds = min(granule.grids.values(), key=lambda g: g.resolution_m).bounds_m
        lists = TrackLists(track) if track is not None else None
        if track is not None:
            xmin, ymin, xmax, ymax = self._bounds
            lon, lat = self._to_lonlat.transform(0.5 * (xmin + xmax), 0.5 * (ymin + ymax))
            centre = geodetic_to_ecef(lon, lat)
            index = nearest_sample_index(track, centre)
            distance = float(np.linalg.norm(track.nadir_ecef_m[index] - centre))
            if distance > MAX_NADIR_DISTANCE_M:
                warnings.append(
                    f"the datastrip ephemeris passes {distance / 1000:.0f} km from the tile "
                    f"centre at its nearest: it is not this tile's orbit; delays are not "
                    f"corrected for the orbit"
                )
                self.track = None
            else:
                t_s = nadir_crossing_time_s(lists, centre, index)
                if not track.t_s[0] - 0.5 <= t_s <= track.t_s[-1] + 0.5:
                    warnings.append("the tile centre lies beyond the ephemeris time span: the "
                                    "nearest sample, at an end of the list, is used")
                self.tile_centre_sample = sample_at(track, index, "tile-centre")
        self._lists = lists if self.track is not None else None
        self.warnings = tuple(warnings)

    # -- opening ------------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path,
        tile: Optional[str] = None,
        *,
        ephemeris: str = "tile-centre",
        progress: Optional[Progress] = None,
    ) -> "DelayInspector":
        """Open a product (SAFE folder, zip, or a file inside; ``tile`` picks a granule of a
        multi-tile product) and do all the slow work once: metadata, datastrip ephemeris, the
        delay table, the 13 detector footprint indexes.

        Raises S2GMError (ProductError, ValidationError) for an unreadable product, an unknown
        spacecraft or a bad option. A missing or corrupt datastrip, or missing footprint masks,
        only add ``warnings``.
        """
        _validate_selection(ephemeris)
        report = progress or (lambda fraction, message: None)
        report(0.0, "reading product metadata")
        product = open_product(path, tile)
        table = load_delay_table(product.spacecraft)
        warnings: list[str] = []
        report(0.05, "reading the datastrip ephemeris")
        track = cls._read_track(product, warnings)
        footprints: dict[str, BandFootprints] = {}
        granule = product.granule
        unlisted: list[str] = []
        for number, band in enumerate(BANDS):
            report(0.1 + 0.85 * number / len(BANDS), f"indexing detector footprints of {band}")
            path_of_mask = granule.masks.get(("MSK_DETFOO", band))
            absent = granule.missing_masks.get(("MSK_DETFOO", band))
            if absent is not None:
                warnings.append(f"no MSK_DETFOO mask for {band}: listed in "
                                f"{granule.metadata_path} but missing from the product ({absent})")
            elif path_of_mask is None:
                unlisted.append(band)
            else:
                try:
                    footprints[band] = read_band_footprints(path_of_mask, band, granule.epsg)
                except ProductError as exc:
                    warnings.append(f"{band}: detector footprints unusable ({exc})")
        if unlisted:
            warnings.append(f"no MSK_DETFOO mask for {', '.join(unlisted)}: not listed in "
                            f"{granule.metadata_path}; detectors unknown there")
        report(0.97, "ready")
        inspector = cls(product, table, footprints, track, ephemeris=ephemeris,
                        warnings=tuple(warnings))
        report(1.0, "ready")
        return inspector

    @staticmethod
    def _read_track(product: Product, warnings: list[str]) -> Optional[EphemerisTrack]:
        suffix = "delays are the lookup table's reference values, not corrected for this orbit"
        if product.datastrip_problem or product.datastrip_path is None:
            warnings.append(f"no usable datastrip ({product.datastrip_problem or 'none found'}): "
                            f"{suffix}")
            return None
        try:
            datastrip = product_datastrip(product)
        except ProductError as exc:
            warnings.append(f"datastrip unusable ({exc}): {suffix}")
            return None
        if datastrip is None:
            warnings.append(f"no usable datastrip: {suffix}")
            return None
        if datastrip.spacecraft != product.spacecraft:
            warnings.append(f"datastrip {datastrip.path} is of {datastrip.spacecraft}, the "
                            f"product of {product.spacecraft}: {suffix}")
            return None
        try:
            return ephemeris_track(datastrip.ephemeris, datastrip.path)
        except EphemerisError as exc:
            warnings.append(f"{exc}: {suffix}")
            return None

    # -- geometry -----------------------------------------------------------------------------
    def _to_tile(self, x: float, y: float, crs) -> tuple[float, float, str]:
        if not (np.isfinite(x) and np.isfinite(y)):
            raise ValidationError({"point": f"({x}, {y}): coordinates must be finite numbers"})
        if crs is None:
            return x, y, crs_label(self.epsg)
        epsg = _epsg_of_crs(crs)
        if epsg == self.epsg:
            return x, y, crs_label(epsg)
        transformer = self._from_crs.get(epsg)
        if transformer is None:
            try:
                transformer = pyproj.Transformer.from_crs(epsg, self.epsg, always_xy=True)
            except pyproj.exceptions.CRSError as exc:
                raise ValidationError({"crs": f"EPSG:{epsg}: {exc}"}) from None
            self._from_crs[epsg] = transformer
        tx, ty = transformer.transform(x, y)
        if not (np.isfinite(tx) and np.isfinite(ty)):
            raise ValidationError({"point": f"({x}, {y}) in EPSG:{epsg} has no position in "
                                            f"the tile's EPSG:{self.epsg}"})
        return float(tx), float(ty), crs_label(epsg)

    def _outside_tile(self, x: float, y: float) -> str:
        """': the point lies outside the tile ...' when (x, y) (tile CRS) is off the tile's grid,
        else ''."""
        xmin, ymin, xmax, ymax = self._bounds
        if xmin <= x <= xmax and ymin <= y <= ymax:
            return ""
        return (f": the point lies outside the tile {self.tile_id} (x {xmin:.0f}..{xmax:.0f}, "
                f"y {ymin:.0f}..{ymax:.0f} in EPSG:{self.epsg})")

    def detectors_at(self, x: float, y: float, *, crs=None) -> dict[str, tuple[int, ...]]:
        """band -> detectors seeing the point (all 13 bands; empty where unknown or outside)."""
        tx, ty, _ = self._to_tile(float(x), float(y), crs)
        return self.index.lookup(tx, ty)

    def detector_footprints(self, band: str) -> list[tuple[int, tuple[np.ndarray, ...]]]:
        """[(detector, rings)] of a band for an overlay layer: rings[0] the exterior, then holes,
        (N, 2) arrays in the tile CRS. Raster masks are polygonised on first call (cached)."""
        band = normalise_band(band)
        footprint = self.footprints.get(band)
        if footprint is None:
            return []
        if footprint.polygons is None:
            polygons = polygonise_detfoo_raster(footprint.path)
            footprint = BandFootprints(footprint.band, footprint.path, footprint.kind,
                                       footprint.intervals, polygons, footprint.detectors)
            self.footprints[band] = footprint
        return [(p.detector, p.rings) for p in footprint.polygons]

    # -- delays -------------------------------------------------------------------------------
    def sample_for(self, lon: float, lat: float, selection: Optional[str] = None) -> Optional[EphemerisSample]:
        """The ephemeris sample used at a point for a selection mode (None without ephemeris)."""
        selection = self.ephemeris_selection if selection is None else _validate_selection(selection)
        if self.track is None:
            return None
        if selection == "tile-centre":
            return self.tile_centre_sample
        return self._point_sample(ground_point(lon, lat)[0])

    def _point_sample(self, ground_ecef) -> EphemerisSample:
        index = nearest_sample_index(self.track, np.array(ground_ecef))
        sample = self._point_samples.get(index)
        if sample is None:
            sample = self._point_samples[index] = sample_at(self.track, index, "point")
        return sample

    def delay_s(self, src: str, dst: str, detector: int,
                sample: Optional[EphemerisSample] = None) -> float:
        """dt(src -> dst) at ``detector``: corrected with ``sample`` (default: the tile-centre
        sample) when the ephemeris is usable, else the reference value."""
        sample = sample or self.tile_centre_sample
        if sample is None:
            return self.table.delay_s(src, dst, detector)
        return self.table.delay_s(src, dst, detector, sample.h_sat_m, sample.v_ground_m_s)

    def _delays(self, src: str, detector: int, sample: Optional[EphemerisSample]):
        key = (src, detector, -1 if sample is None else sample.sample_index)
        cached = self._delay_cache.get(key)
        if cached is not None:
            return cached
        i, d = BAND_INDEX[src], detector - 1
        dt_ref = self.table.dt_ref_s[i, :, d]
        if sample is None:
            dt = dt_ref
        else:
            dt = corrected_delay_s(dt_ref, sample.h_sat_m, self.table.h_sat_ref_m[i, :, d],
                                   sample.v_ground_m_s, self.table.v_ground_ref_m_s[i, :, d])
        esa = self.table.dt_esa_s[i, :, d]
        delays = tuple(
            BandDelay(src, BANDS[j], detector, float(dt[j]), float(dt_ref[j]), float(esa[j]),
                      float(100.0 * (dt[j] / dt_ref[j] - 1.0)))
            for j in range(len(BANDS)) if j != i
        )
        relative = {BANDS[j]: (0.0 if j == i else float(dt[j])) for j in range(len(BANDS))}
        self._delay_cache[key] = (delays, relative)
        return delays, relative

    def _sensing_times(self, x, y, ground, src, detector, relative, warnings):
        """UTC per band: the anchor from the first band (source first) whose viewing angles of
        this detector cover the point, the rest from the corrected delays."""
        lists = self._lists
        position, east, north, up = ground
        k0 = self.tile_centre_sample.sample_index
        for band in (src,) + self._others[src]:
            grid = self._los.get((band, detector))
            los = grid.at(x, y) if grid is not None else None
            if los is not None:
                t_band = los_crossing_time_s(lists, position, east, north, up, los, k0)
                times = band_times_s(band, t_band, relative)
                break
        else:
            t_nadir = nadir_crossing_time_s(lists, position, k0)
            times = band_times_s(src, nadir_anchor_s(t_nadir, relative), relative)
            warnings.append(f"no viewing angles of detector {detector} here: sensing times "
                            f"assume the bands' mid-time at nadir (a few seconds uncertain)")
        first, last = min(times.values()), max(times.values())
        if first < lists.t_s[0] - 1.0 or last > lists.t_s[-1] + 1.0:
            warnings.append("the point was sensed beyond the ephemeris time span: sensing times "
                            "are extrapolated")
        return {band: lists.utc_iso(t) for band, t in times.items()}

    def readout(
        self,
        x: float,
        y: float,
        *,
        crs=None,
        source_band: str = "B02",
        ephemeris: Optional[str] = None,
        detector: Optional[int] = None,
    ) -> DelayReadout:
        """Detector, corrected delays from ``source_band`` to every other band, and sensing
        times at (x, y) (tile CRS unless ``crs``, e.g. 'EPSG:4326', is given).

        ``ephemeris`` overrides the selection mode ('tile-centre' | 'point'); ``detector``
        forces the source detector (e.g. to choose within an overlap of two detectors). Where
        footprints overlap or touch, the detector follows ``overlaps.py`` (mid-line split,
        half-open edges) and the other candidates' delays are in ``alternative_delays``.
        """
        try:
            src = source_band if source_band in BAND_INDEX else normalise_band(source_band)
        except ValueError as exc:
            raise ValidationError({"source_band": str(exc)}) from None
        selection = self.ephemeris_selection if ephemeris is None else _validate_selection(ephemeris)
        x, y = float(x), float(y)
        tx, ty, label = self._to_tile(x, y, crs)
        lon, lat = self._to_lonlat.transform(tx, ty)
        lon, lat = float(lon), float(lat)
        if not (np.isfinite(lon) and np.isfinite(lat)):
            raise ValidationError({"point": f"({x}, {y}) in {label} has no longitude/latitude "
                                            f"(EPSG:{self.epsg} cannot place it on the Earth)"})
        point = ReadoutPoint(x, y, label, lon, lat)
        detectors = self.index.lookup(tx, ty)
        warnings = list(self.warnings)
        seen = detectors[src]
        message = None
        choice = DetectorChoice(None, ())
        if detector is not None:
            if not 1 <= int(detector) <= 12:
                raise ValidationError({"detector": f"{detector!r} is not in 1..12"})
            chosen: Optional[int] = int(detector)
            if seen and chosen not in seen:
                warnings.append(f"detector {chosen} was asked for, but {src} sees the point with "
                                f"detector {', '.join(map(str, seen))}")
        elif not seen:
            chosen = None
            if src not in self.footprints:
                message = f"detector footprints of {src} unknown: no delays"
            else:
                message = f"{OUTSIDE_MESSAGE} of {src}{self._outside_tile(tx, ty)}"
        else:
            choice = choose_detector(self.index, src, tx, ty, seen)
            chosen = choice.detector
            note = choice_warning(src, choice)
            if note:
                warnings.append(note)
        sample = None
        ground = None
        if self.track is not None:
            if selection == "tile-centre":
                sample = self.tile_centre_sample
            else:
                ground = ground_point(lon, lat)
                sample = self._point_sample(ground[0])
        if chosen is None:
            return DelayReadout(self.product.name, self.satellite, self.tile_id, point, None,
                                detectors, sample, (), None, tuple(warnings), message, src)
        delays, relative = self._delays(src, chosen, sample)
        alternatives = {det: self._delays(src, det, sample)[0]
                        for det in choice.candidates if det != chosen}
        other = sorted(b for b, dets in detectors.items() if dets and chosen not in dets)
        if other:
            warnings.append(f"near a detector seam: {', '.join(other)} do not see the point with "
                            f"detector {chosen}; their delays assume detector {chosen}")
        sensing = None
        if self.track is not None:
            ground = ground or ground_point(lon, lat)
            sensing = self._sensing_times(tx, ty, ground, src, chosen, relative, warnings)
        return DelayReadout(self.product.name, self.satellite, self.tile_id, point, chosen,
                            detectors, sample, delays, sensing, tuple(warnings), message, src,
                            choice.candidates, alternatives)


def open_inspector(path, tile: Optional[str] = None, **options) -> DelayInspector:
    """Shorthand for :meth:`DelayInspector.open`."""
    return DelayInspector.open(path, tile, **options)

