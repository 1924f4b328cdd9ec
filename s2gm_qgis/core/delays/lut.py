"""The per-detector inter-band delay lookup tables (CNES, Binet et al. 2022) and the ESA handbook
constants, embedded in the plugin.

Source tables: ``S2{A,B,C}_cnes.csv`` (``bande_src;bande_dst;detecteur;delta_t;Hsat;vground``,
seconds, metres, m/s) and ``S2{A,B,C}_esa.csv`` (``bande_src;bande_dst;detecteur;delta_t``) from
the CNES S2Shores project (Apache License 2.0), values of Binet, Bergsma, Poulain, "Accurate
Sentinel-2 inter-band time delays" (ISPRS Annals 2022). They ship as ``data/delay_lut.npz``
(float64 arrays parsed from the CSV text, hence bit-identical to it); attribution in
``data/NOTICE.md``.

Sign convention: ``dt(src -> dst) = t(dst) - t(src)``, the time band ``dst`` senses a ground point
minus the time band ``src`` senses it. The sign alternates between odd and even detectors
because the band order in the focal plane is reversed between them.
"""
from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping, Optional

import numpy as np

from ..bands import BANDS, SPACECRAFTS, normalise_band, spacecraft_code
from ..errors import S2GMError

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
LUT_PATH = os.path.join(DATA_DIR, "delay_lut.npz")
N_DETECTORS = 12

#: Index of each band in the table axes (metadata order, ``BANDS``).
BAND_INDEX: dict[str, int] = {band: index for index, band in enumerate(BANDS)}

_CNES_COLUMNS = ("bande_src", "bande_dst", "detecteur", "delta_t", "Hsat", "vground")
_ESA_COLUMNS = ("bande_src", "bande_dst", "detecteur", "delta_t")
_ARRAYS = ("dt_ref_s", "h_sat_ref_m", "v_ground_ref_m_s", "dt_esa_s")


@dataclass(frozen=True)
class DelayTable:
    """Reference delays of one spacecraft, indexed ``[src band, dst band, detector - 1]``.

    Axes follow ``BANDS`` (``BAND_INDEX``). The diagonal (src == dst) is NaN. Each CNES entry
    carries the satellite altitude ``h_sat_ref_m`` (WGS84 ellipsoidal height) and nadir ground
    speed ``v_ground_ref_m_s`` of the L1B reference product it was measured on: a few rows of the
    published tables have their own reference pair, so it is kept per entry.
    """

    spacecraft: str
    dt_ref_s: np.ndarray
    h_sat_ref_m: np.ndarray
    v_ground_ref_m_s: np.ndarray
    dt_esa_s: np.ndarray
    source: str

    def lookup(self, src: str, dst: str, detector: int) -> tuple[float, float, float, float]:
        """(dt_ref_s, h_sat_ref_m, v_ground_ref_m_s, dt_esa_s) of one band pair and detector."""
        i, j, d = self._indices(src, dst, detector)
        return (
            float(self.dt_ref_s[i, j, d]),
            float(self.h_sat_ref_m[i, j, d]),
            float(self.v_ground_ref_m_s[i, j, d]),
            float(self.dt_esa_s[i, j, d]),
        )

    def delay_s(
        self,
        src: str,
        dst: str,
        detector: int,
        h_sat_m: Optional[float] = None,
        v_ground_m_s: Optional[float] = None,
    ) -> float:
        """dt(src -> dst) at ``detector``, corrected for the orbit when both H_sat and V_ground
        are given (paper eq. 12), else the reference value."""
        dt_ref, h_ref, v_ref, _ = self.lookup(src, dst, detector)
        if h_sat_m is None or v_ground_m_s is None:
            return dt_ref
        return float(corrected_delay_s(dt_ref, h_sat_m, h_ref, v_ground_m_s, v_ref))

    def _indices(self, src: str, dst: str, detector: int) -> tuple[int, int, int]:
        i = BAND_INDEX[normalise_band(src)]
        j = BAND_INDEX[normalise_band(dst)]
        if i == j:
            raise ValueError(f"no delay between a band and itself ({BANDS[i]})")
        d = int(detector)
        if not 1 <= d <= N_DETECTORS:
            raise ValueError(f"detector {detector!r} is not in 1..{N_DETECTORS}")
        return i, j, d - 1


def corrected_delay_s(dt_ref_s, h_sat_m, h_sat_ref_m, v_ground_m_s, v_ground_ref_m_s):
    """Binet et al. 2022, eq. 12: ``dt = dt_ref * (H_sat / H_sat_ref) * (V_ground_ref / V_ground)``.

    Works element-wise on floats or numpy arrays. The delay is the along-track ground distance
    between two band arrays (proportional to the altitude) over the ground speed.
    """
    return dt_ref_s * (h_sat_m / h_sat_ref_m) * (v_ground_ref_m_s / v_ground_m_s)


# -- reading the published CSV tables ----------------------------------------------------------
def _parse_rows(text: str, path: str, columns: tuple[str, ...]) -> Iterable[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    header = tuple(name.strip() for name in (reader.fieldnames or ()))
    if header != columns:
        raise S2GMError(f"{path}: header {';'.join(header)!r}, expected {';'.join(columns)!r}")
    for line_number, row in enumerate(reader, start=2):
        yield line_number, row


def _table_from_rows(text: str, path: str, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
    shape = (len(BANDS), len(BANDS), N_DETECTORS)
    arrays = {name: np.full(shape, np.nan) for name in columns[3:]}
    seen = np.zeros(shape, dtype=bool)
    for line_number, row in _parse_rows(text, path, columns):
        where = f"{path}, line {line_number}"
        try:
            i = BAND_INDEX[normalise_band(row["bande_src"])]
            j = BAND_INDEX[normalise_band(row["bande_dst"])]
        except (ValueError, AttributeError) as exc:
            raise S2GMError(f"{where}: {exc}") from None
        detector_text = (row["detecteur"] or "").strip().upper()
        if not (detector_text.startswith("D") and detector_text[1:].isdigit()):
            raise S2GMError(f"{where}: detecteur {detector_text!r}, expected D01..D12")
        d = int(detector_text[1:]) - 1
        if not 0 <= d < N_DETECTORS or i == j:
            raise S2GMError(f"{where}: band pair {BANDS[i]}->{BANDS[j]} / {detector_text} invalid")
        if seen[i, j, d]:
            raise S2GMError(f"{where}: duplicate row for {BANDS[i]}->{BANDS[j]} {detector_text}")
        seen[i, j, d] = True
        for name in columns[3:]:
            try:
                arrays[name][i, j, d] = float(row[name])
            except (TypeError, ValueError):
                raise S2GMError(f"{where}: {name} {row[name]!r} is not a number") from None
    missing = (~seen).sum() - len(BANDS) * N_DETECTORS  # the diagonal is never present
    if missing:
        raise S2GMError(
            f"{path}: {missing} band pair / detector rows missing "
            f"(expected every ordered pair of the 13 bands for D01..D12)"
        )
    return arrays


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="ascii", newline="") as stream:
            return stream.read()
    except OSError as exc:
        raise S2GMError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise S2GMError(f"{path}: not an ASCII CSV table ({exc})") from None


def read_lut_csv(cnes_csv: str, esa_csv: str, spacecraft: str) -> DelayTable:
    """A DelayTable from the published CSV pair (e.g. a newer CNES table a user has).

    Raises S2GMError naming the file and line of any malformed or missing row.
    """
    cnes = _table_from_rows(_read_text(cnes_csv), cnes_csv, _CNES_COLUMNS)
    esa = _table_from_rows(_read_text(esa_csv), esa_csv, _ESA_COLUMNS)
    return DelayTable(
        spacecraft=spacecraft_code(spacecraft),
        dt_ref_s=cnes["delta_t"],
        h_sat_ref_m=cnes["Hsat"],
        v_ground_ref_m_s=cnes["vground"],
        dt_esa_s=esa["delta_t"],
        source=f"{os.path.basename(cnes_csv)} + {os.path.basename(esa_csv)}",
    )


def write_lut_npz(tables: Mapping[str, DelayTable], path: str) -> None:
    """Write tables (spacecraft -> DelayTable) as the compressed archive the plugin ships.

    How ``data/delay_lut.npz`` was made (from the project root, with ../shared beside it)::

        from s2gm_qgis.core.delays.lut import read_lut_csv, write_lut_npz
        d = "../shared/data/lut"
        write_lut_npz({s: read_lut_csv(f"{d}/{s}_cnes.csv", f"{d}/{s}_esa.csv", s)
                       for s in ("S2A", "S2B", "S2C")}, "s2gm_qgis/core/delays/data/delay_lut.npz")
    """
    arrays: dict[str, np.ndarray] = {"bands": np.array(BANDS)}
    for code, table in tables.items():
        for name in _ARRAYS:
            arrays[f"{code}_{name}"] = np.asarray(getattr(table, name), dtype=np.float64)
    np.savez_compressed(path, **arrays)


@lru_cache(maxsize=None)
def _load_npz(path: str) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            data = {name: archive[name] for name in archive.files}
    except (OSError, ValueError) as exc:
        raise S2GMError(f"{path}: the embedded delay table cannot be read ({exc})") from None
    if tuple(str(b) for b in data.get("bands", ())) != BANDS:
        raise S2GMError(f"{path}: band axis differs from {BANDS}")
    for array in data.values():
        array.setflags(write=False)
    return data


def load_delay_table(spacecraft: str, path: str = LUT_PATH) -> DelayTable:
    """The embedded table of a spacecraft ('S2A', 'Sentinel-2B', ...).

    Raises S2GMError for a spacecraft the table does not cover: S2C has its own table and
    nothing is borrowed from another satellite.
    """
    try:
        code = spacecraft_code(spacecraft)
    except ValueError as exc:
        raise S2GMError(f"no inter-band delay table: {exc}") from None
    data = _load_npz(path)
    if f"{code}_dt_ref_s" not in data:
        raise S2GMError(f"{path}: no inter-band delay table for {code}")
    return DelayTable(
        spacecraft=code,
        source=f"embedded CNES table {code} (Binet et al. 2022, S2Shores, Apache-2.0)",
        **{name: data[f"{code}_{name}"] for name in _ARRAYS},
    )


def available_spacecrafts(path: str = LUT_PATH) -> tuple[str, ...]:
    """Spacecrafts the embedded table covers."""
    data = _load_npz(path)
    return tuple(code for code in SPACECRAFTS if f"{code}_dt_ref_s" in data)
