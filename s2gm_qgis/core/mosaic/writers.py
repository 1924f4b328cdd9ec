"""Writing a mosaic: blocks of physical values in, S2GM files out.

:class:`MosaicWriter` writes one output grid. The engine hands it blocks of physical values
(reflectance 0-1, degrees, %, counts, class codes; NaN = no data) with :meth:`~MosaicWriter.write_block`,
in any order and from several threads; each block is encoded per :mod:`.layers` and goes straight
to disk, so memory does not grow with the grid. :meth:`~MosaicWriter.finalize` produces:

* ``gtiff``: one GeoTIFF per layer, tiled 512 x 512, DEFLATE with predictor, written in place;
* ``cog``: one Cloud Optimized GeoTIFF per layer (GDAL's COG driver: DEFLATE, 512 tiles,
  overviews by averaging, or nearest for class layers), from a staging GeoTIFF;
* ``jp2``: one lossless JPEG2000 per layer (JP2OpenJPEG, reversible 5/3 wavelet), from a staging
  GeoTIFF; GDAL keeps the band name, no-data and scale of JPEG2000 files in a ``.aux.xml`` beside
  each file;
* ``netcdf``: one NetCDF-4 file, CF-1.8: one variable per layer (``time, y, x``; packed with
  ``scale_factor``/``add_offset``/``_FillValue``), the grid mapping of the CRS, ``time`` at the
  middle of the period with ``time_bnds`` = [first day 00:00, day after the last 00:00);
* the metadata JSON (order, period, grid, layers and their encodings, software version, and what
  the engine passes, notably ``SourceProductIndices``) and a true-colour quick-look PNG (B04, B03,
  B02; reflectance 0-0.3 stretched linearly to 0-255, transparent where there is no data) when the
  order has those bands.

:class:`OrderOutput` stages every grid of an order in a hidden sibling of the S2GM folder and moves
it into place only when all grids are complete (see :mod:`.atomic`).
"""
from __future__ import annotations

import json
import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import numpy as np
from osgeo import gdal

from ... import __version__
from ..gdal_io import srs_of_epsg, thread_gdal_options
from ..errors import S2GMError
from .atomic import StagedFolder
from .grid import OutputGrid
from .layers import LAYERS, TRUE_COLOUR, Layer
from .naming import (
    grid_subfolder, layer_file_name, metadata_file_name, netcdf_file_name, next_order_number,
    order_folder_name, quicklook_file_name,
)
from .order import MosaicOrder

#: Tile size of GeoTIFF/COG outputs; engine blocks that are multiples of it write whole tiles.
TILE = 512
QUICKLOOK_MAX_PX = 1024
#: Reflectance mapped to 255 in the quick-look (linear stretch from 0).
QUICKLOOK_WHITE = 0.3

#: DEFLATE effort of GeoTIFF and COG outputs. Compression is the largest cost of writing a
#: mosaic: on a 5490 x 5490 reflectance layer (libdeflate, predictor 2) level 1 takes 1.7 s of
#: CPU against 5.5 s for GDAL's default 6, for files 1.5 % larger over all layers of a mosaic
#: (3.6 % on a noisy reflectance band). Pixels are the same at every level.
DEFLATE_LEVEL = 1

_GTIFF_OPTIONS = [
    "TILED=YES", f"BLOCKXSIZE={TILE}", f"BLOCKYSIZE={TILE}", "COMPRESS=DEFLATE", "PREDICTOR=2",
    f"ZLEVEL={DEFLATE_LEVEL}", "BIGTIFF=IF_SAFER", "NUM_THREADS=ALL_CPUS",
]
# Staging copies for COG/JP2: fast to write, read once, deleted.
_STAGING_OPTIONS = [
    "TILED=YES", f"BLOCKXSIZE={TILE}", f"BLOCKYSIZE={TILE}", "COMPRESS=ZSTD", "ZSTD_LEVEL=1",
    "BIGTIFF=IF_SAFER",
]
#: GDAL configuration option of the ZSTD level of overviews, which the COG driver's temporary
#: overview file follows (see :meth:`MosaicWriter._convert`).
_TMP_OVERVIEW_LEVEL_KEY = "ZSTD_LEVEL_OVERVIEW"
_NETCDF_LOCK = threading.Lock()  # the netCDF/HDF5 libraries are not thread-safe
#: Layers converted to COG/JPEG2000 at the same time when a grid is finalized.
_CONVERT_WORKERS = max(1, min(4, os.cpu_count() or 1))


def source_product_indices(source_products: Sequence[Mapping[str, Any]]) -> dict[str, dict]:
    """``SourceProductIndices`` of the metadata JSON: ``{"<index>": {"product_id",
    "sensing_time_utc"}}`` from the engine's list of source products (dicts with ``index``,
    ``product_id``, ``sensing_time_utc``); the keys are the values of the ``source_index`` layer."""
    out = {}
    for item in source_products:
        when = item.get("sensing_time_utc")
        out[str(int(item["index"]))] = {
            "product_id": item["product_id"],
            "sensing_time_utc": when.isoformat() if isinstance(when, datetime) else when,
        }
    return out


class MosaicWriter:
    """Writes the layers of one order on one output grid into ``staging_dir``.

    Blocks never written stay no data. Thread-safe: blocks of different layers are written in
    parallel, blocks of one layer one after the other.
    """

    def __init__(self, order: MosaicOrder, grid: OutputGrid, staging_dir: str | os.PathLike):
        self.order = order
        self.grid = grid
        self.folder = Path(staging_dir)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._work = self.folder / ".work"
        self._srs = srs_of_epsg(grid.epsg, gis_order=False)
        self._locks = {name: threading.Lock() for name in order.bands}
        self._datasets: dict[str, gdal.Dataset] = {}
        self._nc: Optional[gdal.Dataset] = None
        self._nc_arrays: dict[str, gdal.MDArray] = {}
        self._created: list[Path] = []
        self.state = "open"
        self.metadata_path: Optional[Path] = None
        self.quicklook_path: Optional[Path] = None
        try:
            if order.format == "netcdf":
                self._open_netcdf()
            else:
                for name in order.bands:
                    self._datasets[name] = self._create_gtiff(name)
        except Exception:
            self.abort()
            raise

    # -- writing -------------------------------------------------------------------------------
    def write_block(self, layer: str, row0: int, col0: int, array_float: np.ndarray) -> None:
        """Encode and write a block of physical values (NaN = no data) at (row0, col0)."""
        if self.state != "open":
            raise S2GMError(f"writer of grid {self.grid.name} is {self.state}")
        if layer not in self._locks:
            raise ValueError(f"layer {layer!r} is not in the order (bands: {', '.join(self.order.bands)})")
        values = np.asarray(array_float)
        if values.ndim != 2:
            raise ValueError(f"block of {layer} has shape {values.shape}; expected (rows, cols)")
        rows, cols = values.shape
        if row0 < 0 or col0 < 0 or row0 + rows > self.grid.height or col0 + cols > self.grid.width:
            raise ValueError(
                f"block of {layer} at row {row0}, col {col0} of shape {values.shape} falls outside"
                f" grid {self.grid.name} ({self.grid.height} x {self.grid.width})"
            )
        self.write_codes(layer, row0, col0, self.order.encoding(layer).encode(values))

    def write_codes(self, layer: str, row0: int, col0: int, codes: np.ndarray) -> None:
        """Write a block already encoded per the order's encoding of ``layer`` (what
        :meth:`write_block` writes; the distributed engine's staged parts hold these codes)."""
        if self.state != "open":
            raise S2GMError(f"writer of grid {self.grid.name} is {self.state}")
        rows, cols = codes.shape
        if self._nc is not None:
            with _NETCDF_LOCK:
                self._nc_arrays[layer].Write(codes[np.newaxis], array_start_idx=[0, row0, col0],
                                             count=[1, rows, cols])
            return
        with self._locks[layer]:
            self._datasets[layer].GetRasterBand(1).WriteArray(codes, col0, row0)

    # -- finishing -----------------------------------------------------------------------------
    def finalize(self, metadata: Optional[Mapping[str, Any]] = None) -> dict[str, Path]:
        """Close every layer into its final format, write the metadata JSON and the quick-look;
        returns {layer: path} (for NetCDF every layer maps to the one ``.nc``). On error the
        writer's files are removed and the error re-raised."""
        if self.state != "open":
            raise S2GMError(f"writer of grid {self.grid.name} is {self.state}")
        try:
            files = self._finish_layers()
            self.quicklook_path = self._quicklook(files)
            self.metadata_path = self._write_metadata(files, dict(metadata or {}))
            shutil.rmtree(self._work, ignore_errors=True)
        except Exception:
            self.abort()
            raise
        self.state = "finalized"
        return files

    def abort(self) -> None:
        """Close and delete everything this writer created (idempotent)."""
        self._datasets.clear()
        self._nc_arrays.clear()
        self._nc = None
        for path in self._created:
            for candidate in (path, Path(f"{path}.aux.xml")):
                try:
                    candidate.unlink()
                except FileNotFoundError:
                    pass
        shutil.rmtree(self._work, ignore_errors=True)
        try:
            self.folder.rmdir()  # only if now empty
        except OSError:
            pass
        self.state = "aborted"

    # -- GeoTIFF / COG / JPEG2000 --------------------------------------------------------------
    def _final_path(self, layer: str) -> Path:
        return self.folder / layer_file_name(self.order, layer)

    def _create_gtiff(self, name: str) -> gdal.Dataset:
        layer = LAYERS[name]
        encoding = self.order.encoding(layer.name)
        if self.order.format == "gtiff":
            path, options = self._final_path(name), _GTIFF_OPTIONS
        else:
            self._work.mkdir(exist_ok=True)
            path, options = self._work / f"{name}.tif", _STAGING_OPTIONS
        self._created.append(path)
        dataset = gdal.GetDriverByName("GTiff").Create(
            str(path), self.grid.width, self.grid.height, 1, encoding.gdal_type, options=options
        )
        if dataset is None:
            raise S2GMError(f"{path}: GDAL cannot create it ({gdal.GetLastErrorMsg()})")
        dataset.SetGeoTransform(self.grid.geotransform)
        dataset.SetProjection(self._srs.ExportToWkt())
        dataset.SetMetadata(self._dataset_metadata())
        band = dataset.GetRasterBand(1)
        band.SetDescription(name)
        band.SetNoDataValue(encoding.nodata)
        band.SetScale(encoding.scale)
        band.SetOffset(encoding.offset)
        band.SetUnitType(layer.units)
        band.SetMetadata(_band_metadata(layer))
        return dataset

    def _dataset_metadata(self) -> dict[str, str]:
        period = self.order.interval
        return {
            "TIFFTAG_SOFTWARE": f"s2gm_qgis {__version__}",
            "TIFFTAG_DATETIME": datetime.now(timezone.utc).strftime("%Y:%m:%d %H:%M:%S"),
            "S2GM_ORDER_NAME": self.order.name,
            "S2GM_PERIOD": f"{period.type} {period.start.isoformat()}/{period.end.isoformat()}",
            "S2GM_GRID": self.grid.name,
        }

    def _finish_layers(self) -> dict[str, Path]:
        if self._nc is not None:
            with _NETCDF_LOCK:
                self._nc_arrays.clear()
                self._nc = None  # closes and flushes the file
            path = self.folder / netcdf_file_name(self.order)
            return {name: path for name in self.order.bands}
        staged: dict[str, Path] = {}
        for name in self.order.bands:
            with self._locks[name]:
                dataset = self._datasets.pop(name)
                dataset.FlushCache()
                staged[name] = Path(dataset.GetDescription())
                dataset = None
        files = {name: self._final_path(name) for name in self.order.bands}
        if self.order.format == "gtiff":
            return files
        # One layer's conversion keeps a core busy only part of the time (overviews are computed
        # on one thread, decoding the staging copy too): converting layers side by side does
        # the same work in less time. Each conversion has its own datasets (GDAL releases the
        # GIL); an error stops the conversions not yet started and is raised.
        self._created.extend(files.values())  # abort() removes a half-written one
        with ThreadPoolExecutor(max_workers=_CONVERT_WORKERS,
                                thread_name_prefix="s2gm-convert") as pool:
            futures = [pool.submit(self._convert, staged[name], files[name], LAYERS[name])
                       for name in self.order.bands]
            try:
                for future in futures:
                    future.result()
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        for path in staged.values():
            os.unlink(path)
        return files

    def _convert(self, source: Path, target: Path, layer: Layer) -> None:
        if self.order.format == "cog":
            options = [
                "COMPRESS=DEFLATE", "PREDICTOR=YES", f"LEVEL={DEFLATE_LEVEL}",
                f"BLOCKSIZE={TILE}", "BIGTIFF=IF_SAFER",
                "NUM_THREADS=ALL_CPUS", "OVERVIEWS=IGNORE_EXISTING",
                f"RESAMPLING={'NEAREST' if layer.is_class else 'AVERAGE'}",
            ]
            driver = "COG"
        else:
            options = [
                "REVERSIBLE=YES", "QUALITY=100", "YCBCR420=NO", "BLOCKXSIZE=1024",
                "BLOCKYSIZE=1024", "WRITE_METADATA=YES",
            ]
            driver = "JP2OpenJPEG"
        # GDAL's COG driver computes the overviews into a temporary file compressed with ZSTD at
        # its default level (9): a third of the conversion's CPU on a 5490 x 5490 mosaic. That
        # file is read back once and deleted; level 1 (set for this thread only) gives the same
        # COG, byte for byte in its pixels, for about 30 % less CPU.
        with thread_gdal_options({_TMP_OVERVIEW_LEVEL_KEY: "1"}):
            result = gdal.Translate(str(target), str(source), format=driver,
                                    creationOptions=options)
        if result is None:
            raise S2GMError(f"{target}: GDAL {driver} failed ({gdal.GetLastErrorMsg()})")
        result = None

    # -- NetCDF --------------------------------------------------------------------------------
    def _open_netcdf(self) -> None:
        path = self.folder / netcdf_file_name(self.order)
        self._created.append(path)
        with _NETCDF_LOCK:
            dataset = gdal.GetDriverByName("netCDF").CreateMultiDimensional(
                str(path), [], ["FORMAT=NC4"]
            )
            if dataset is None:
                raise S2GMError(f"{path}: GDAL cannot create it ({gdal.GetLastErrorMsg()})")
            root = dataset.GetRootGroup()
            geographic = self.grid.epsg == 4326
            x_name, y_name = ("lon", "lat") if geographic else ("x", "y")
            dim_t = root.CreateDimension("time", gdal.DIM_TYPE_TEMPORAL, None, 1)
            dim_nv = root.CreateDimension("nv", None, None, 2)
            dim_y = root.CreateDimension(y_name, gdal.DIM_TYPE_HORIZONTAL_Y, None, self.grid.height)
            dim_x = root.CreateDimension(x_name, gdal.DIM_TYPE_HORIZONTAL_X, None, self.grid.width)
            f64 = gdal.ExtendedDataType.Create(gdal.GDT_Float64)
            x0, dx, _, y0, _, dy = self.grid.geotransform
            x = root.CreateMDArray(x_name, [dim_x], f64)
            x.Write(x0 + dx * (np.arange(self.grid.width) + 0.5))
            y = root.CreateMDArray(y_name, [dim_y], f64)
            y.Write(y0 + dy * (np.arange(self.grid.height) + 0.5))
            if geographic:
                _attrs(x, standard_name="longitude", long_name="longitude", units="degrees_east",
                       axis="X")
                _attrs(y, standard_name="latitude", long_name="latitude", units="degrees_north",
                       axis="Y")
            else:
                _attrs(x, axis="X")
                _attrs(y, axis="Y")
            period = self.order.interval
            start = (period.start_utc - datetime(1970, 1, 1, tzinfo=timezone.utc)).days
            end = start + period.days
            time = root.CreateMDArray("time", [dim_t], f64)
            time.Write(np.array([(start + end) / 2.0]))
            _attrs(time, standard_name="time", long_name="middle of the compositing period",
                   units="days since 1970-01-01 00:00:00", calendar="standard", axis="T",
                   bounds="time_bnds")
            bounds = root.CreateMDArray("time_bnds", [dim_t, dim_nv], f64)
            bounds.Write(np.array([[float(start), float(end)]]))
            for name in self.order.bands:
                layer = LAYERS[name]
                encoding = self.order.encoding(layer.name)
                chunk_y, chunk_x = min(TILE, self.grid.height), min(TILE, self.grid.width)
                array = root.CreateMDArray(
                    name, [dim_t, dim_y, dim_x], gdal.ExtendedDataType.Create(encoding.gdal_type),
                    ["COMPRESS=DEFLATE", "ZLEVEL=4", f"BLOCKSIZE=1,{chunk_y},{chunk_x}"],
                )
                array.SetNoDataValueDouble(encoding.nodata)
                array.SetScale(encoding.scale)
                array.SetOffset(encoding.offset)
                array.SetUnit(layer.units)
                array.SetSpatialRef(self._srs)
                extra: dict[str, Any] = {"long_name": layer.description, "s2gm_alias": layer.alias,
                                         # CF 2.5.1: of the variable's (packed) type
                                         "valid_min": encoding.numpy_dtype.type(encoding.min_code),
                                         "valid_max": encoding.numpy_dtype.type(encoding.max_code)}
                if layer.standard_name:
                    extra["standard_name"] = layer.standard_name
                if layer.classes:
                    codes = [c for c in sorted(layer.classes) if c != encoding.nodata]
                    extra["flag_values"] = np.array(codes, dtype=encoding.numpy_dtype)
                    extra["flag_meanings"] = " ".join(layer.classes[c].lower() for c in codes)
                _attrs(array, **extra)
                self._nc_arrays[name] = array
            _attrs(root, Conventions="CF-1.8",
                   title=f"S2GM temporal mosaic {self.order.name} ({period.type} from"
                         f" {period.start.isoformat()})",
                   source="Copernicus Sentinel-2 Level-2A surface reflectance (Sen2Cor)",
                   history=f"{datetime.now(timezone.utc):%Y-%m-%dT%H:%M:%SZ} s2gm_qgis {__version__}",
                   references="S2GM Algorithm Theoretical Basis Document v1.3.3",
                   time_coverage_start=period.start_utc.isoformat(),
                   time_coverage_end=period.end_utc.isoformat(),
                   s2gm_order=self.order.to_json(), s2gm_grid=self.grid.name)
            self._nc = dataset

    # -- metadata and quick-look ---------------------------------------------------------------
    def _write_metadata(self, files: Mapping[str, Path], extra: dict[str, Any]) -> Path:
        period = self.order.interval
        encodings = {}
        for name in self.order.bands:
            layer = LAYERS[name]
            enc = self.order.encoding(layer.name)
            encodings[name] = {
                "file": files[name].name, "alias": layer.alias, "kind": layer.kind,
                "units": layer.units, "description": layer.description, "dtype": enc.dtype,
                "scale_factor": enc.scale, "add_offset": enc.offset, "nodata": enc.nodata,
                "valid_range": [enc.min_code, enc.max_code],
                "resampling": "nearest" if layer.is_class else "mean",
            }
        document: dict[str, Any] = {
            "order": self.order.to_dict(),
            "period": {"type": period.type, "letter": period.letter,
                       "start": period.start.isoformat(), "end": period.end.isoformat()},
            "grid": {"name": self.grid.name, "epsg": self.grid.epsg,
                     "geotransform": list(self.grid.geotransform), "width": self.grid.width,
                     "height": self.grid.height, "resolution_m": self.grid.resolution},
            "layers": encodings,
            "quicklook": self.quicklook_path.name if self.quicklook_path else None,
            "software": {"name": "s2gm_qgis", "version": __version__},
            "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if "SourceProductIndices" not in extra and "source_products" in extra:
            extra["SourceProductIndices"] = source_product_indices(extra["source_products"])
        document.update(extra)
        path = self.folder / metadata_file_name(self.order)
        self._created.append(path)
        path.write_text(json.dumps(document, indent=2, default=_json_default), encoding="utf-8")
        return path

    def _quicklook(self, files: Mapping[str, Path]) -> Optional[Path]:
        if not all(band in files for band in TRUE_COLOUR):
            return None
        scale = min(1.0, QUICKLOOK_MAX_PX / max(self.grid.width, self.grid.height))
        width = max(1, round(self.grid.width * scale))
        height = max(1, round(self.grid.height * scale))
        channels = []
        valid = np.ones((height, width), dtype=bool)
        for band in TRUE_COLOUR:
            source = str(files[band])
            if self.order.format == "netcdf":
                source = f'NETCDF:"{source}":{band}'
            # Average of the codes (GDAL skips no-data pixels), then decoded: the quick-look
            # never reads the full-resolution layer into memory.
            small = gdal.Translate("", source, format="MEM", width=width, height=height,
                                   resampleAlg="average")
            if small is None:
                raise S2GMError(f"{source}: cannot read it back for the quick-look")
            codes = small.GetRasterBand(1).ReadAsArray()
            if codes.ndim == 3:
                codes = codes[0]
            reflectance = self.order.encoding(band).decode(codes)
            valid &= np.isfinite(reflectance)
            channels.append(np.clip(np.nan_to_num(reflectance) / QUICKLOOK_WHITE * 255.0, 0, 255))
        image = gdal.GetDriverByName("MEM").Create("", width, height, 4, gdal.GDT_Byte)
        for index, channel in enumerate(channels, start=1):
            image.GetRasterBand(index).WriteArray(np.where(valid, np.rint(channel), 0).astype(np.uint8))
        image.GetRasterBand(4).WriteArray(np.where(valid, 255, 0).astype(np.uint8))
        path = self.folder / quicklook_file_name(self.order)
        self._created.append(path)
        png = gdal.GetDriverByName("PNG").CreateCopy(str(path), image)
        if png is None:
            raise S2GMError(f"{path}: GDAL cannot write the quick-look ({gdal.GetLastErrorMsg()})")
        png = None
        return path


def _band_metadata(layer: Layer) -> dict[str, str]:
    items = {"alias": layer.alias, "kind": layer.kind, "long_name": layer.description}
    if layer.standard_name:
        items["standard_name"] = layer.standard_name
    if layer.classes:
        items["classes"] = json.dumps({str(k): v for k, v in layer.classes.items()})
    return items


def _attrs(target: Any, **values: Any) -> None:
    """Write attributes on a GDAL multidimensional group or array."""
    for key, value in values.items():
        if isinstance(value, str):
            attribute = target.CreateAttribute(key, [], gdal.ExtendedDataType.CreateString())
            attribute.Write(value)
            continue
        array = np.atleast_1d(np.asarray(value))
        gdal_type = {
            "f": gdal.GDT_Float64, "u": {1: gdal.GDT_Byte, 2: gdal.GDT_UInt16}.get(array.itemsize,
                                                                              gdal.GDT_UInt32),
            "i": gdal.GDT_Int32,
        }[array.dtype.kind]
        dims = [] if np.ndim(value) == 0 else [array.size]
        attribute = target.CreateAttribute(key, dims, gdal.ExtendedDataType.Create(gdal_type))
        attribute.Write(value if np.ndim(value) == 0 else array)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


@dataclass(frozen=True)
class OrderFiles:
    """What a committed order produced. ``files[layer]`` has one path per grid, in grid order."""

    folder: Path
    grids: tuple[OutputGrid, ...]
    files: dict[str, list[Path]]
    metadata_paths: list[Path]
    quicklook_paths: list[Path]


class OrderOutput:
    """Stages all grids of an order in ``out_dir`` and moves the S2GM folder into place at once.

    Usage (the engine)::

        output = OrderOutput(order, grids, out_dir)
        try:
            for grid in grids: ... output.writer(grid).write_block(layer, r, c, values) ...
            files = output.commit(metadata)        # the folder appears now, complete
        except BaseException:
            output.abort()                         # nothing is left behind
            raise
    """

    def __init__(self, order: MosaicOrder, grids: Sequence[OutputGrid],
                 out_dir: str | os.PathLike, *, order_number: Optional[int] = None):
        if not grids:
            raise S2GMError("the order has no output grid")
        self.order = order
        self.grids = tuple(grids)
        number = order_number or next_order_number(out_dir)
        self.folder_name = order_folder_name(order, number)
        self.staged = StagedFolder(Path(out_dir) / self.folder_name)
        self._writers: dict[str, MosaicWriter] = {}
        try:
            for grid in self.grids:
                sub = grid_subfolder(self.grids, grid)
                self._writers[grid.name] = MosaicWriter(order, grid, self.staged.path / sub)
        except BaseException:
            self.abort()
            raise

    @property
    def final_path(self) -> Path:
        return self.staged.final_path

    def writer(self, grid: OutputGrid | str) -> MosaicWriter:
        return self._writers[grid if isinstance(grid, str) else grid.name]

    def commit(self, metadata: Optional[Mapping[str, Any]] = None) -> OrderFiles:
        """Finalize every grid (each gets ``metadata`` plus the product name) and move the folder
        into place; on any error everything is removed and the error re-raised."""
        files: dict[str, list[Path]] = {name: [] for name in self.order.bands}
        metadata_paths: list[Path] = []
        quicklooks: list[Path] = []
        try:
            staged_root = self.staged.path
            for grid in self.grids:
                writer = self._writers[grid.name]
                extra = {"product": self.folder_name, **dict(metadata or {})}
                for name, path in writer.finalize(extra).items():
                    files[name].append(path.relative_to(staged_root))
                metadata_paths.append(writer.metadata_path.relative_to(staged_root))
                if writer.quicklook_path:
                    quicklooks.append(writer.quicklook_path.relative_to(staged_root))
            final = self.staged.commit()
        except BaseException:
            self.abort()
            raise
        return OrderFiles(
            folder=final,
            grids=self.grids,
            files={name: [final / p for p in paths] for name, paths in files.items()},
            metadata_paths=[final / p for p in metadata_paths],
            quicklook_paths=[final / p for p in quicklooks],
        )

    def abort(self) -> None:
        for writer in self._writers.values():
            if writer.state == "open":
                writer.abort()
        self.staged.abort()

    def __enter__(self) -> "OrderOutput":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            self.abort()
        return False
