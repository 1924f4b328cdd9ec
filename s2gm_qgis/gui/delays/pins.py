"""Pinned readouts: the list in the dock and its exports (CSV, GeoJSON, clipboard text).

One row per pin with flat columns, as spreadsheet and GIS users expect: the point (tile CRS and
WGS84), the source band and detector, H_sat / V_ground and the ephemeris time, then for every
band its detectors, the corrected delay from the source band and the time it sensed the point.
GeoJSON follows RFC 7946 (WGS84 longitude, latitude).
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from qgis.PyQt.QtCore import QAbstractTableModel, QModelIndex, Qt

from ...core.bands import BANDS
from ...core.delays import DelayReadout
from ...qgis_support.i18n import tr
from .formatting import detectors_text


@dataclass(frozen=True)
class Pin:
    number: int
    readout: DelayReadout


def pin_record(pin: Pin) -> dict:
    """The flat record of a pin (column name -> value; None where unknown)."""
    r = pin.readout
    p = r.point
    sample = r.ephemeris
    record = {
        "pin": pin.number, "product": r.product, "satellite": r.satellite, "tile": r.tile,
        "x": p.x, "y": p.y, "crs": p.crs, "lon": p.lon, "lat": p.lat,
        "source_band": r.source_band, "detector": r.detector,
        "h_sat_m": sample.h_sat_m if sample else None,
        "v_ground_m_s": sample.v_ground_m_s if sample else None,
        "ephemeris_utc": sample.utc_time if sample else None,
        "ephemeris_sample": sample.sample_index if sample else None,
    }
    delays = {d.dst: d for d in r.delays}
    times = r.sensing_time_utc or {}
    for band in BANDS:
        record[f"det_{band}"] = detectors_text(r.detectors.get(band, ())).replace("–", "")
        delay = delays.get(band)
        record[f"dt_{band}_s"] = 0.0 if band == r.source_band and r.detector is not None \
            else (delay.dt_s if delay else None)
        record[f"utc_{band}"] = times.get(band)
    record["warnings"] = " | ".join(r.warnings) or None
    record["note"] = r.message
    return record


def pins_csv_text(pins: Sequence[Pin]) -> str:
    """CSV of the pins (header + one row each; empty cells where unknown)."""
    out = io.StringIO()
    records = [pin_record(pin) for pin in pins]
    names = list(records[0]) if records else _column_names()
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: ("" if v is None else v) for k, v in record.items()})
    return out.getvalue()


def pins_geojson(pins: Sequence[Pin]) -> dict:
    """A GeoJSON FeatureCollection of the pins (points in WGS84)."""
    features = []
    for pin in pins:
        record = pin_record(pin)
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point",
                         "coordinates": [pin.readout.point.lon, pin.readout.point.lat]},
            "properties": record,
        })
    return {"type": "FeatureCollection", "features": features}


def pins_clipboard_text(pins: Sequence[Pin]) -> str:
    """Tab-separated rows with a header: pastes into a spreadsheet."""
    records = [pin_record(pin) for pin in pins]
    names = list(records[0]) if records else _column_names()
    lines = ["\t".join(names)]
    for record in records:
        lines.append("\t".join("" if record[n] is None else str(record[n]) for n in names))
    return "\n".join(lines) + "\n"


def export_pins(pins: Sequence[Pin], path: str) -> str:
    """Write the pins to ``path`` as CSV or GeoJSON (by its extension); return the format.

    Raises OSError when the file cannot be written, ValueError for another extension.
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        Path(path).write_text(pins_csv_text(pins), encoding="utf-8", newline="")
        return "csv"
    if suffix in (".geojson", ".json"):
        Path(path).write_text(json.dumps(pins_geojson(pins), indent=1), encoding="utf-8")
        return "geojson"
    raise ValueError(tr("{path}: expected a .csv or .geojson file name").format(path=path))


def _column_names() -> list[str]:
    names = ["pin", "product", "satellite", "tile", "x", "y", "crs", "lon", "lat",
             "source_band", "detector", "h_sat_m", "v_ground_m_s", "ephemeris_utc",
             "ephemeris_sample"]
    for band in BANDS:
        names += [f"det_{band}", f"dt_{band}_s", f"utc_{band}"]
    return names + ["warnings", "note"]


class PinsModel(QAbstractTableModel):
    """The pinned readouts shown in the dock: pin, tile, detector, delay to one band, point."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pins: list[Pin] = []
        self._next = 1
        #: The band whose delay the list shows (follows the velocity band B / the source band).
        self.delay_band = "B04"

    def headers(self) -> list[str]:
        return [tr("Pin"), tr("Tile"), tr("Detector"),
                tr("Δt {src}→{dst} (s)").format(src=self._source(), dst=self.delay_band),
                tr("Longitude"), tr("Latitude")]

    def _source(self) -> str:
        return self.pins[-1].readout.source_band if self.pins else "…"

    def add(self, readout: DelayReadout) -> Pin:
        pin = Pin(self._next, readout)
        self._next += 1
        row = len(self.pins)
        self.beginInsertRows(QModelIndex(), row, row)
        self.pins.append(pin)
        self.endInsertRows()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.headers()) - 1)
        return pin

    def remove_rows(self, rows: Sequence[int]) -> list[Pin]:
        removed = []
        for row in sorted(set(rows), reverse=True):
            if 0 <= row < len(self.pins):
                self.beginRemoveRows(QModelIndex(), row, row)
                removed.append(self.pins.pop(row))
                self.endRemoveRows()
        return removed

    def clear(self) -> list[Pin]:
        removed = list(self.pins)
        self.beginResetModel()
        self.pins.clear()
        self.endResetModel()
        return removed

    def set_delay_band(self, band: str) -> None:
        self.delay_band = band
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.headers()) - 1)
        if self.pins:
            self.dataChanged.emit(self.index(0, 3), self.index(len(self.pins) - 1, 3))

    # -- QAbstractTableModel ----------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self.pins)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else 6

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers()[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole,
                                               Qt.ItemDataRole.ToolTipRole):
            return None
        pin = self.pins[index.row()]
        r = pin.readout
        if role == Qt.ItemDataRole.ToolTipRole:
            return r.product
        column = index.column()
        if column == 0:
            return str(pin.number)
        if column == 1:
            return r.tile
        if column == 2:
            return "–" if r.detector is None else str(r.detector)
        if column == 3:
            for delay in r.delays:
                if delay.dst == self.delay_band:
                    return f"{delay.dt_s:+.5f}"
            return "–"
        if column == 4:
            return f"{r.point.lon:.6f}"
        return f"{r.point.lat:.6f}"
