"""The delay inspector in QGIS: ties the map tools, the dock, the opened products and the pins.

Per mouse move (``hover``): the visible layers are matched to products through a cache, the
map point is transformed into the tile's CRS with a cached QgsCoordinateTransform, and the
core's microsecond lookup gives the readout. Opening a product happens once, in a QgsTask.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from qgis.core import (
    Qgis, QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsCsException, QgsPointXY,
    QgsProject,
)
from qgis.gui import QgsCustomDropHandler, QgsVertexMarker
from qgis.PyQt.QtCore import QObject
from qgis.PyQt.QtGui import QColor
from qgis.PyQt.QtWidgets import QApplication, QFileDialog

from ...core.delays import DelayInspector, DelayReadout, VelocityEstimate, velocity_from_positions
from ...core.errors import ProductError, S2GMError
from ...core.safe.locate import locate_product
from ...qgis_support.i18n import tr
from ...qgis_support.messages import push_message
from ...qgis_support.preferences import Preferences
from . import formatting as F
from .dock import DelayDock
from .layers import footprint_layer, true_colour_layer
from .pins import PinsModel, export_pins, pins_clipboard_text
from .recognition import PRODUCT_PROPERTY, LayerRecognizer, ProductRef, l1c_product_of
from .registry import InspectorRegistry
from .settings import DelaySettings
from .task import footprints_ready
from .tools import DelayHoverTool, VelocityProbeTool

@dataclass(frozen=True)
class Located:
    """A map point over an opened product: its inspector and the point in the tile's CRS."""

    inspector: DelayInspector
    ref: ProductRef
    x: float
    y: float


class ProductDropHandler(QgsCustomDropHandler):
    """Opens a Sentinel-2 L1C ``.SAFE`` folder, ``.zip`` or ``MTD_MSIL1C.xml`` dropped on QGIS;
    leaves everything else (including single band images) to QGIS."""

    def __init__(self, feature: "DelayFeature"):
        super().__init__()
        self.feature = feature

    def handleFileDrop(self, file: str) -> bool:  # noqa: N802 (QGIS API)
        if not is_product_itself(file) or l1c_product_of(file) is None:
            return False
        self.feature.open_product(file)  # returns at once: the work is in a task
        return True


def pins_delay_band(source_band: str) -> str:
    """The band whose delay the pin list shows: B04 (the red band most users pair with B02),
    B02 when B04 is the source."""
    return "B02" if source_band == "B04" else "B04"


def is_product_itself(path: str) -> bool:
    """True for a product folder or zip, or its product metadata file (not a file deeper in)."""
    try:
        location = locate_product(path)
    except (ProductError, OSError, ValueError):
        return False
    return location.inner in ("", location.metadata_name)


class DelayFeature(QObject):
    """Everything the delay inspector adds to QGIS, built by ``init_gui``."""

    def __init__(self, iface, parent=None):
        super().__init__(parent)
        self.iface = iface
        self.canvas = iface.mapCanvas()
        self.settings = DelaySettings.load()
        self.recognizer = LayerRecognizer()
        self.registry = InspectorRegistry(self)
        self.registry.ephemeris = self.settings.ephemeris
        self.pins = PinsModel(self)
        self.pins.set_delay_band(pins_delay_band(self.settings.source_band))
        self.dock = DelayDock(self.settings, self.pins, iface.mainWindow())
        self.hover_tool = DelayHoverTool(self.canvas, self)
        self.velocity_tool = VelocityProbeTool(self.canvas, self)
        self.drop_handler = ProductDropHandler(self)
        self.markers: dict[int, QgsVertexMarker] = {}
        self._transforms: dict[int, QgsCoordinateTransform] = {}
        self._bounds: dict[int, tuple[float, float, float, float]] = {}
        #: Products opened by an explicit request: their layers are added once open.
        self._load_on_open: set[ProductRef] = set()
        self._reported_failures: set[ProductRef] = set()
        self._last_point: Optional[QgsPointXY] = None
        self._last_located: Optional[Located] = None
        self.velocity_first: Optional[Located] = None
        self.registry.opened.connect(self._on_opened)
        self.registry.failed.connect(self._on_failed)
        self.registry.progress.connect(self._on_progress)
        self.registry.footprints_ready.connect(self._add_footprints)
        self.registry.footprints_failed.connect(self._footprints_failed)
        self.dock.settings_changed.connect(self.on_settings)
        self.dock.open_product_requested.connect(self.open_product_dialog)
        self.dock.footprints_requested.connect(self.show_footprints)
        self.dock.copy_pins_requested.connect(self.copy_pins)
        self.dock.export_pins_requested.connect(self.export_pins_dialog)
        self.dock.remove_pins_requested.connect(self.remove_pins)
        self.dock.clear_pins_requested.connect(self.clear_pins)
        self.dock.copy_readout_requested.connect(self.copy_readout)

    # -- geometry -------------------------------------------------------------------------------
    def _transform_to(self, epsg: int) -> QgsCoordinateTransform:
        transform = self._transforms.get(epsg)
        if transform is None:
            transform = QgsCoordinateTransform(
                self.canvas.mapSettings().destinationCrs(),
                QgsCoordinateReferenceSystem(f"EPSG:{epsg}"), QgsProject.instance())
            self._transforms[epsg] = transform
        return transform

    def _tile_bounds(self, inspector: DelayInspector) -> tuple[float, float, float, float]:
        key = id(inspector)
        bounds = self._bounds.get(key)
        if bounds is None:
            grids = inspector.product.granule.grids
            bounds = self._bounds[key] = grids[min(grids)].bounds_m
        return bounds

    def crs_changed(self) -> None:
        """The canvas CRS changed: drop cached transforms and move the pin markers (hidden
        where the new CRS cannot show their point, e.g. the far side of an orthographic map)."""
        self._transforms.clear()
        transform = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"),
                                           self.canvas.mapSettings().destinationCrs(),
                                           QgsProject.instance())
        for pin in self.pins.pins:
            marker = self.markers.get(pin.number)
            if marker is None:
                continue
            try:
                marker.setCenter(transform.transform(QgsPointXY(pin.readout.point.lon,
                                                                pin.readout.point.lat)))
            except QgsCsException:
                marker.setVisible(False)
            else:
                marker.setVisible(True)

    def locate(self, point: QgsPointXY) -> Union[Located, str]:
        """The topmost visible L1C layer's product under ``point``, or why there is none."""
        pending = failed = None
        for layer in self.canvas.layers():
            ref = self.recognizer.product_of(layer)
            if ref is None:
                continue
            inspector = self.registry.inspector_for(ref)
            if inspector is None:
                failure = self.registry.failure(ref)
                if failure is not None:
                    failed = failed or failure
                    continue
                tagged = layer.customProperty(PRODUCT_PROPERTY)
                self.registry.request(ref, ref.path if tagged else layer.source())
                pending = pending or ref
                continue
            try:
                tile_point = self._transform_to(inspector.epsg).transform(point)
            except QgsCsException:
                continue
            x, y = tile_point.x(), tile_point.y()
            xmin, ymin, xmax, ymax = self._tile_bounds(inspector)
            if xmin <= x <= xmax and ymin <= y <= ymax:
                return Located(inspector, ref, x, y)
        if pending is not None:
            percent = self.registry.progress_of(pending) or 0.0
            return tr("Opening the product… {percent:.0f} %").format(percent=percent)
        if failed is not None:
            return tr("This product cannot be read: {error}").format(error=failed)
        return tr("Not over a Sentinel-2 L1C product.")

    # -- hover tool --------------------------------------------------------------------------------
    def readout_at(self, located: Located) -> DelayReadout:
        return located.inspector.readout(located.x, located.y,
                                         source_band=self.settings.source_band,
                                         ephemeris=self.settings.ephemeris)

    def hover(self, point: QgsPointXY) -> Optional[DelayReadout]:
        """Update the dock and the status bar for the map point under the mouse."""
        self._last_point = point
        found = self.locate(point)
        if isinstance(found, str):
            self._last_located = None
            self.dock.show_message(found)
            self._status(found)
            return None
        self._last_located = found
        try:
            readout = self.readout_at(found)
        except S2GMError as exc:
            self.dock.show_message(str(exc))
            self._status(str(exc))
            return None
        self.dock.show_readout(readout)
        self._status(F.status_summary(readout))
        return readout

    def _status(self, text: str) -> None:
        self.iface.statusBarIface().showMessage(text, 0)

    def tool_activated(self) -> None:
        self.dock.show_readout_tab()

    def velocity_tool_activated(self) -> None:
        self.dock.show_velocity_tab()
        self.velocity_restarted()

    def tool_deactivated(self) -> None:
        self.iface.statusBarIface().clearMessage()

    # -- pins ------------------------------------------------------------------------------------
    def pin(self, point: QgsPointXY):
        """Pin the readout at ``point`` (nothing outside every product)."""
        readout = self.hover(point)
        if readout is None:
            return None
        pin = self.pins.add(readout)
        marker = QgsVertexMarker(self.canvas)
        marker.setIconType(QgsVertexMarker.IconType.ICON_CIRCLE)
        marker.setColor(QColor(255, 0, 140))
        marker.setFillColor(QColor(255, 255, 255, 160))
        marker.setIconSize(11)
        marker.setPenWidth(2)
        marker.setCenter(point)
        marker.setToolTip(tr("Pin {n}").format(n=pin.number))
        self.markers[pin.number] = marker
        return pin

    def _remove_markers(self, pins) -> None:
        for pin in pins:
            marker = self.markers.pop(pin.number, None)
            if marker is not None:
                self.canvas.scene().removeItem(marker)

    def remove_pins(self, rows) -> None:
        self._remove_markers(self.pins.remove_rows(rows))

    def clear_pins(self) -> None:
        self._remove_markers(self.pins.clear())

    def copy_pins(self) -> None:
        QApplication.clipboard().setText(pins_clipboard_text(self.pins.pins))

    def copy_readout(self) -> None:
        QApplication.clipboard().setText(F.clipboard_text(self.dock.readout))

    def export_pins_dialog(self) -> None:
        if not self.pins.pins:
            push_message(self.iface, tr("No pins to export: click on the map with the delay tool "
                                        "to pin readouts."), Qgis.MessageLevel.Warning)
            return
        path, chosen = QFileDialog.getSaveFileName(
            self.dock, tr("Export pins"), self.settings.last_folder,
            tr("CSV (*.csv);;GeoJSON (*.geojson)"))
        if not path:
            return
        if Path(path).suffix.lower() not in (".csv", ".geojson", ".json"):
            path += ".geojson" if "geojson" in chosen.lower() else ".csv"
        self.export_pins(path)

    def export_pins(self, path: str) -> bool:
        try:
            export_pins(self.pins.pins, path)
        except (OSError, ValueError) as exc:
            push_message(self.iface, tr("Pins not exported: {error}").format(error=exc),
                         Qgis.MessageLevel.Critical)
            return False
        self._remember_folder(path)
        push_message(self.iface, tr("{n} pins exported to {path}").format(
            n=len(self.pins.pins), path=path), Qgis.MessageLevel.Success)
        return True

    # -- velocity probe ---------------------------------------------------------------------------
    def velocity_first_click(self, point: QgsPointXY) -> bool:
        found = self.locate(point)
        if isinstance(found, str):
            self.dock.show_velocity(None, found)
            return False
        self.velocity_first = found
        self.dock.show_velocity_tab()
        self.dock.show_velocity_hint(1)
        return True

    def velocity_second_click(self, first: QgsPointXY, point: QgsPointXY) -> Optional[VelocityEstimate]:
        """Speed and heading from the band A position (first click) to the band B position."""
        a = self.velocity_first
        self.velocity_first = None
        if a is None:
            return None
        try:
            b = self._transform_to(a.inspector.epsg).transform(point)
            band_a, band_b = self.settings.velocity_band_a, self.settings.velocity_band_b
            # The readout at A (source band A) carries A's detector and the ephemeris sample
            # chosen in the dock; positions are in the tile's CRS.
            readout_a = a.inspector.readout(a.x, a.y, source_band=band_a,
                                            ephemeris=self.settings.ephemeris)
            if readout_a.detector is None:
                raise S2GMError(tr("the first point is outside every detector footprint of "
                                   "{band}").format(band=band_a))
            estimate = velocity_from_positions(readout_a, (a.x, a.y), (b.x(), b.y()),
                                               band_a, band_b)
        except (S2GMError, QgsCsException) as exc:
            self.dock.show_velocity(None, tr("No velocity: {error}").format(error=exc))
            return None
        self.dock.show_velocity(estimate)
        self._status(tr("S2GM velocity: {speed}, heading {heading}").format(
            speed=F.velocity_lines(estimate)["speed"], heading=f"{estimate.heading_deg:.1f}°"))
        return estimate

    def velocity_restarted(self) -> None:
        self.velocity_first = None
        self.dock.show_velocity_hint(0)

    # -- opening products -------------------------------------------------------------------------
    def open_product_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.dock, tr("Open a Sentinel-2 L1C product"), self.settings.last_folder,
            tr("Sentinel-2 L1C products (*.zip MTD_MSIL1C.xml *MTD_SAFL1C*.xml);;All files (*)"))
        if path:
            self._remember_folder(path)
            self.open_product(path)

    def open_product(self, path: str) -> Optional[ProductRef]:
        """Open a product (folder, zip or a file inside) and add its true-colour layer once
        open; a bad product gives a message-bar error."""
        ref = l1c_product_of(path)
        if ref is None:
            try:
                location = locate_product(path)
            except (ProductError, OSError, ValueError) as exc:
                reason = str(exc)
            else:
                reason = tr("{name} is not a Level-1C product: the delay inspector needs L1C "
                            "(detector footprints and datastrip)").format(name=location.metadata_name)
            push_message(self.iface, tr("Cannot open {path}: {reason}").format(
                path=path, reason=reason), Qgis.MessageLevel.Critical)
            return None
        self._load_on_open.add(ref)
        self._reported_failures.discard(ref)
        inspector = self.registry.inspector_for(ref)
        if inspector is not None:
            self._on_opened(ref, inspector)
        else:
            self.registry.request(ref, path, retry=True,
                                  footprint_bands=(self.settings.footprint_band,))
        return ref

    def _on_opened(self, ref: ProductRef, inspector: DelayInspector) -> None:
        if ref in self._load_on_open:
            self._load_on_open.discard(ref)
            try:
                layer = true_colour_layer(inspector, ref, Preferences.load().cache_folder)
            except (S2GMError, OSError) as exc:
                push_message(self.iface, tr("{product}: no true-colour layer ({error})").format(
                    product=inspector.product.name, error=exc), Qgis.MessageLevel.Warning)
            else:
                QgsProject.instance().addMapLayer(layer)
            for warning in inspector.warnings:
                push_message(self.iface, f"{inspector.product.name}: {warning}",
                             Qgis.MessageLevel.Warning)
        if self._last_point is not None and self.canvas.mapTool() is self.hover_tool:
            self.hover(self._last_point)

    def _on_failed(self, ref: ProductRef, error: str) -> None:
        self._load_on_open.discard(ref)
        if ref in self._reported_failures:
            return
        self._reported_failures.add(ref)
        push_message(self.iface, tr("Cannot open {path}: {reason}").format(
            path=ref.path, reason=error), Qgis.MessageLevel.Critical)
        if self._last_point is not None and self.canvas.mapTool() is self.hover_tool:
            self.hover(self._last_point)

    def _on_progress(self, _ref: ProductRef, _percent: float) -> None:
        if self._last_point is not None and self._last_located is None \
                and self.canvas.mapTool() is self.hover_tool:
            self.hover(self._last_point)

    def current_inspector(self) -> Optional[DelayInspector]:
        """The product under the mouse, else the last one opened."""
        if self._last_located is not None:
            return self._last_located.inspector
        opened = self.registry.inspectors()
        return opened[-1] if opened else None

    def show_footprints(self, band: Optional[str] = None):
        """Add ``band``'s detector footprints of the current product as a styled layer: at once
        when its polygons are known, else once a task has polygonised its raster mask (then
        None is returned)."""
        band = band or self.settings.footprint_band
        inspector = self.current_inspector()
        if inspector is None:
            push_message(self.iface, tr("Open an L1C product first (or hover over one with the "
                                        "delay tool)."), Qgis.MessageLevel.Warning)
            return None
        if not footprints_ready(inspector, band):
            self.registry.polygonise(inspector, band)
            return None
        return self._add_footprints(inspector, band)

    def _add_footprints(self, inspector: DelayInspector, band: str):
        try:
            layer = footprint_layer(inspector, band)
        except S2GMError as exc:
            self._footprints_failed(inspector, band, str(exc))
            return None
        QgsProject.instance().addMapLayer(layer)
        return layer

    def _footprints_failed(self, _inspector, _band: str, error: str) -> None:
        push_message(self.iface, tr("No detector footprints: {error}").format(error=error),
                     Qgis.MessageLevel.Critical)

    # -- settings and teardown ----------------------------------------------------------------
    def on_settings(self, settings: DelaySettings) -> None:
        self.settings = settings
        settings.save()
        self.pins.set_delay_band(pins_delay_band(settings.source_band))
        if self._last_point is not None and self._last_located is not None:
            self.hover(self._last_point)

    def _remember_folder(self, path: str) -> None:
        folder = str(Path(path).parent)
        if folder != self.settings.last_folder:
            self.settings = dataclasses.replace(self.settings, last_folder=folder)
            self.dock.settings = dataclasses.replace(self.dock.settings, last_folder=folder)
            self.settings.save()

    def layers_removed(self, layer_ids) -> None:
        self.recognizer.forget(layer_ids)

    def shutdown(self) -> None:
        """Plugin unload: cancel opening tasks, drop the opened products, take the pins and the
        arrow off the canvas and free the map tools."""
        self.registry.clear()
        self._remove_markers(list(self.pins.pins))
        self.velocity_tool.remove_drawings()
        # A QgsMapTool is owned by C++ (its constructor hands it to the canvas), which never
        # deletes it: without this, the tools and the feature they refer to would outlive the
        # plugin, with every product opened. Deferred: the plugin unsets the tools after this.
        self.hover_tool.deleteLater()
        self.velocity_tool.deleteLater()
