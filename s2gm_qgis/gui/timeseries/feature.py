"""The time-series feature: a map tool that takes a click, a task that reads the point's series
from the data source of the settings (local archive or STAC API, as the mosaic dock chose), and
the dock (:mod:`.dock`) that plots it (bands or NDVI / NDWI), marks the date a mosaic chose for
that pixel when a mosaic layer is under the click, and exports the series to CSV or the plot to
PNG. The feature owns the tool, the marker and the task; the dock only shows (one pattern with
the mosaic and delay features).

The work is the core's (:func:`s2gm_qgis.core.timeseries.series.point_time_series`); this
module only hands it the point, the options and the source.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional

from qgis.core import (
    QgsApplication, QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsPointXY, QgsProject,
    QgsRasterLayer,
)
from qgis.gui import QgsMapToolEmitPoint, QgsVertexMarker
from qgis.PyQt.QtCore import QObject, Qt, pyqtSignal
from qgis.PyQt.QtGui import QColor

from ...core.errors import S2GMError, ValidationError
from ...core.timeseries.point import GeoPoint
from ...qgis_support.i18n import tr
from ...qgis_support.preferences import Preferences
from ...qgis_support.remote import prepare_remote_reads
from ...qgis_support.results import LAYER_PROPERTY
from ..mosaic.sources import SourceQueryTask
from .dock import TimeSeriesDock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MosaicChoice:
    """What a mosaic layer under the click says: the observation it chose for that pixel."""

    layer_name: str
    source_index: int
    product_id: str
    sensing_time_utc: datetime


def mosaic_choice_at(point: QgsPointXY, crs: QgsCoordinateReferenceSystem
                     ) -> Optional[MosaicChoice]:
    """The choice of the topmost visible mosaic ``source_index`` layer at ``point`` (in
    ``crs``), read from its pixel and the ``SourceProductIndices`` of the mosaic's metadata."""
    project = QgsProject.instance()
    root = project.layerTreeRoot()
    for tree_layer in root.findLayers():
        layer = tree_layer.layer()
        if not isinstance(layer, QgsRasterLayer) or not tree_layer.isVisible():
            continue
        if layer.customProperty(LAYER_PROPERTY) != "source_index":
            continue
        try:
            here = QgsCoordinateTransform(crs, layer.crs(), project).transform(point)
        except Exception:  # noqa: BLE001 (a point outside the layer's CRS domain)
            continue
        if not layer.extent().contains(here):
            continue
        value, ok = layer.dataProvider().sample(here, 1)
        if not ok or value != value:  # no data or NaN
            continue
        found = _source_product(Path(layer.source()), int(value))
        if found is not None:
            return MosaicChoice(layer.name(), int(value), *found)
    return None


def _source_product(raster: Path, index: int) -> Optional[tuple[str, datetime]]:
    # The metadata JSON sits beside the layers (or one folder up, in multi-grid orders).
    for metadata in sorted(raster.parent.glob("*.json")) + sorted(raster.parent.parent.glob(
            "*.json")):
        try:
            document = json.loads(metadata.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        entry = (document.get("SourceProductIndices") or {}).get(str(index))
        if entry:
            when = datetime.fromisoformat(str(entry["sensing_time_utc"]).replace("Z", "+00:00"))
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            return str(entry.get("product_id", "")), when
    return None


class TimeSeriesTool(QgsMapToolEmitPoint):
    """Click on the map: ``picked(point, crs)`` with the map CRS."""

    picked = pyqtSignal(QgsPointXY, QgsCoordinateReferenceSystem)

    def __init__(self, canvas):
        super().__init__(canvas)
        self.canvas_ = canvas
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.canvasClicked.connect(self._clicked)

    def _clicked(self, point, button) -> None:
        if button == Qt.MouseButton.LeftButton:
            self.picked.emit(QgsPointXY(point), self.canvas_.mapSettings().destinationCrs())


class TimeSeriesFeature(QObject):
    """Everything the time-series feature adds to QGIS, built by ``init_gui``; ``dock_parent``
    is the parent widget of the dock (QGIS's main window in the plugin)."""

    def __init__(self, iface, dock_parent=None, parent=None):
        super().__init__(parent)
        self.iface = iface
        self.canvas = iface.mapCanvas()
        self.dock = TimeSeriesDock(dock_parent)
        self.tool = TimeSeriesTool(self.canvas)
        self.tool.picked.connect(self.compute_at)
        self.tool.deactivated.connect(lambda: self.dock.pick_button.setChecked(False))
        self.marker: Optional[QgsVertexMarker] = None
        self.task: Optional[SourceQueryTask] = None
        self.series = None
        self.choice: Optional[MosaicChoice] = None
        self.dock.pick_toggled.connect(self._on_pick_toggled)
        self.dock.quantities_changed.connect(self._replot)
        self.dock.export_csv_requested.connect(lambda: self.export_csv())
        self.dock.export_png_requested.connect(lambda: self.export_png())

    def _on_pick_toggled(self, checked: bool) -> None:
        if checked:
            self.canvas.setMapTool(self.tool)
        elif self.canvas.mapTool() is self.tool:
            self.canvas.unsetMapTool(self.tool)

    # ---------------------------------------------------------------- computing

    def compute_at(self, point: QgsPointXY, crs: QgsCoordinateReferenceSystem) -> None:
        """Read the series at ``point`` (in ``crs``) in a task, from the settings' source."""
        from ...core.timeseries.series import point_time_series

        if self.task is not None:
            self.task.cancel()
            self.task = None
        self._mark(point, crs)
        prefs = Preferences.load()
        start, end = self.dock.period()
        try:
            spec = prefs.source_spec()
        except ValidationError as exc:
            self.dock.set_status("; ".join(exc.errors.values()), error=True)
            return
        if spec is None and not prefs.archive_folders:
            self.dock.set_status(tr("No archive folder is set: add one in the S2GM settings, or "
                                "choose a STAC source in the mosaic dock"), error=True)
            return
        for warning in prepare_remote_reads(prefs, spec):
            self.dock.set_status(warning, error=True)
            return
        wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
        lonlat = QgsCoordinateTransform(crs, wgs84, QgsProject.instance()).transform(point)
        source = spec if spec is not None else list(prefs.archive_folders)
        catalogue = prefs.catalogue_path
        catalogue.parent.mkdir(parents=True, exist_ok=True)
        resolution = self.dock.resolution_m()
        window = self.dock.window()
        self.choice = mosaic_choice_at(point, crs)

        def run(progress, cancel):  # worker thread
            return point_time_series(
                source, GeoPoint.lonlat(lonlat.x(), lonlat.y()), start, end, resolution, window,
                progress=progress, cancel=cancel, catalogue_path=catalogue,
                on_read_error=prefs.on_read_error)

        self.dock.set_status(tr("Reading the observations at {lon:.5f}°, {lat:.5f}° from {start} "
                                "to {end}…").format(lon=lonlat.x(), lat=lonlat.y(),
                                                    start=start.isoformat(), end=end.isoformat()))
        self.dock.plot.set_message(tr("Reading…"))
        task = SourceQueryTask(tr("S2GM time series"), run, self._on_series,
                               self._on_failed)
        self.task = task
        QgsApplication.taskManager().addTask(task)

    def _on_series(self, series) -> None:
        self.task = None
        self.series = series
        valid = len(series.valid_observations)
        text = tr("{n} observation(s), {valid} valid, at {lon:.5f}°, {lat:.5f}° ({res} m, "
                  "{window}×{window})").format(n=len(series.observations), valid=valid,
                                                lon=series.lon, lat=series.lat,
                                                res=series.resolution_m, window=series.window)
        if self.choice is not None:
            text += " " + tr("— {layer} chose {date} ({product})").format(
                layer=self.choice.layer_name,
                date=self.choice.sensing_time_utc.strftime("%Y-%m-%d"),
                product=self.choice.product_id)
        if series.skipped:
            text += " " + tr("— {n} skipped: {what}").format(
                n=len(series.skipped), what="; ".join(f"{w}: {r}" for w, r in series.skipped[:3]))
        self.dock.set_status(text)
        self._replot()
        self._update_exports()

    def _on_failed(self, error: S2GMError) -> None:
        self.task = None
        self.series = None
        self.dock.set_status(str(error), error=True)
        self.dock.plot.set_message(str(error))
        self._update_exports()

    def _replot(self) -> None:
        if self.series is not None:
            self.dock.plot.set_series(self.series, self.dock.quantities(),
                                      self.choice.sensing_time_utc if self.choice else None)

    def _update_exports(self) -> None:
        self.dock.show_exports(self.series is not None and bool(self.series.observations))

    def _mark(self, point: QgsPointXY, crs: QgsCoordinateReferenceSystem) -> None:
        if self.marker is None:
            self.marker = QgsVertexMarker(self.canvas)
            self.marker.setIconType(QgsVertexMarker.IconType.ICON_CROSS)
            self.marker.setColor(QColor("#d62728"))
            self.marker.setIconSize(14)
            self.marker.setPenWidth(2)
        canvas_crs = self.canvas.mapSettings().destinationCrs()
        self.marker.setCenter(QgsCoordinateTransform(crs, canvas_crs, QgsProject.instance())
                              .transform(point))

    # ---------------------------------------------------------------- exports

    def export_csv(self, path: Optional[str] = None) -> Optional[Path]:
        """Write the series as the command line's CSV (same columns)."""
        from ...core.timeseries.writers import write_csv

        def write(target: Path) -> Optional[str]:
            try:
                write_csv(self.series, target)  # whole, then renamed into place
            except OSError as exc:
                return tr("{path}: cannot write ({error})").format(
                    path=target, error=exc.strerror or exc)
            return None

        return self._export(path, tr("Export the time series"), tr("CSV files (*.csv)"), write)

    def export_png(self, path: Optional[str] = None) -> Optional[Path]:
        """Save the plot as it is shown."""
        def write(target: Path) -> Optional[str]:
            if self.dock.plot.grab().save(str(target), "PNG"):
                return None
            return tr("{path}: cannot write the image").format(path=target)

        return self._export(path, tr("Export the plot"), tr("PNG images (*.png)"), write)

    def _export(self, path: Optional[str], title: str, filter_text: str,
                write: Callable[[Path], Optional[str]]) -> Optional[Path]:
        """``write(target)`` (None, or the problem) to ``path``, asked for when None; the
        written path, or None (nothing to export, no path given, or the problem shown)."""
        if self.series is None:
            return None
        path = path if path is not None else self.dock.ask_path(title, filter_text)
        if not path:
            return None
        problem = write(Path(path))
        if problem is not None:
            self.dock.set_status(problem, error=True)
            return None
        return Path(path)

    # ---------------------------------------------------------------- teardown

    def teardown(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.task = None
        if self.canvas.mapTool() is self.tool:
            self.canvas.unsetMapTool(self.tool)
        if self.marker is not None:
            self.canvas.scene().removeItem(self.marker)
            self.marker = None
