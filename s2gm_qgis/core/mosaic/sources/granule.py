"""One L2A granule seen through an output grid: its layers and angles for a block of the mosaic.

Whatever holds the product (a SAFE folder or zip of a local archive, COGs or JPEG 2000 files
behind a STAC catalogue), a granule is a :class:`~s2gm_qgis.core.safe.model.Product` and
:class:`~s2gm_qgis.core.safe.model.Granule` whose paths GDAL opens, and this is its observation.

* Reflectance = (DN + BOA_ADD_OFFSET) / BOA_QUANTIFICATION_VALUE per band (the product's own
  offset and quantification), NaN where DN is 0; AOT = DN / AOT_QUANTIFICATION_VALUE (DN 0 is no
  data); SCL as classes (0 = no data); MSK_CLDPRB / MSK_SNWPRB as percentages.
* Same CRS as the tile: windows are read with GDAL and resampled by :mod:`..resample` (exact
  nearest / mean aggregation on aligned grids). Another CRS (another UTM zone, WGS84): a GDAL
  warped VRT of the layer onto the whole output grid (nearest, or average when aggregating),
  from which blocks are read.
* Angles: :class:`.angles.AngleField`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional, Sequence

import numpy as np
from osgeo import gdal, osr

from ...bands import NATIVE_RESOLUTION_M
from ...errors import ProductError
from ...safe.model import Granule, Product
from ..blocks import Block
from ..grid import OutputGrid
from ..resample import AVERAGE, BlockResampler, ResampleRule, resampling_rule
from ..select import REFLECTANCE_BANDS
from .angles import AngleField
from ...gdal_io import srs_of_epsg
from .gdal_reads import DatasetCache, _open_raster, _read_window
from .layers import AOT, MASK_LAYERS as _MASK_LAYERS, SCL, SCL_NODATA

#: Bands read as reflectance: the mosaic's, and B09 (water vapour), which only the point time
#: series reads (same harmonisation).
_REFLECTANCE_LAYERS = frozenset(REFLECTANCE_BANDS) | {"B09"}


@dataclass(frozen=True)
class GranuleSource:
    """One granule of one product, a candidate observation of the mosaic.

    ``source_index`` is its row in the mosaic's SourceProductIndices (the ``source_index``
    layer's value where it is chosen).
    """

    product: Product
    granule: Granule
    source_index: int
    angles: AngleField = field(repr=False, compare=False)
    #: Layers the catalogue does not publish, read as no data instead of an error (e.g. the
    #: cloud and snow probabilities of CDSE items).
    absent_layers: frozenset = field(default=frozenset(), compare=False)

    @classmethod
    def create(cls, product: Product, granule: Granule, source_index: int,
               absent_layers: frozenset = frozenset()) -> "GranuleSource":
        return cls(product, granule, source_index, AngleField.from_granule(granule),
                   frozenset(absent_layers))

    @property
    def product_id(self) -> str:
        return self.product.name

    @property
    def tile_id(self) -> str:
        return self.granule.tile_id

    @property
    def sensing_time_utc(self) -> datetime:
        return self.granule.sensing_time_utc

    def source_row(self) -> dict:
        """Its SourceProductIndices row."""
        return {"index": self.source_index, "product_id": self.product_id,
                "tile_id": self.granule.tile_id, "sensing_time_utc": self.sensing_time_utc,
                "path": self.product.path}

    def owns(self, path: str) -> bool:
        """True when ``path`` is one of the granule's files (a failed read names it)."""
        return (path in self.granule.images.values() or path in self.granule.masks.values()
                or path == self.granule.metadata_path)

    def tile_origin_m(self, resolution_m: int) -> Optional[tuple[int, float, float]]:
        """(EPSG, upper-left x, upper-left y in metres) of the granule's raster grid at
        ``resolution_m``, where its source tiles start; None when it has no such grid."""
        grid = self.granule.grids.get(resolution_m)
        return None if grid is None else (self.granule.epsg, grid.ulx_m, grid.uly_m)

    def reaches(self, grid: OutputGrid) -> bool:
        """True when the granule's extent (transformed into the grid's CRS) meets the grid's."""
        granule = self.granule
        if not granule.grids:
            return False
        xmin, ymin, xmax, ymax = next(iter(granule.grids.values())).bounds_m
        t = np.linspace(0.0, 1.0, 9)
        xs = np.concatenate([xmin + (xmax - xmin) * t, np.full(9, xmax),
                             xmax - (xmax - xmin) * t, np.full(9, xmin)])
        ys = np.concatenate([np.full(9, ymax), ymax - (ymax - ymin) * t, np.full(9, ymin),
                             ymin + (ymax - ymin) * t])
        if granule.epsg != grid.epsg:
            transform = osr.CoordinateTransformation(srs_of_epsg(granule.epsg),
                                                     srs_of_epsg(grid.epsg))
            points = np.asarray(transform.TransformPoints(np.column_stack([xs, ys])))
            xs, ys = points[:, 0], points[:, 1]
        gx0, gy0, gx1, gy1 = grid.bounds
        return bool(xs.min() < gx1 and xs.max() > gx0 and ys.min() < gy1 and ys.max() > gy0)

    @property
    def datatake_key(self) -> tuple:
        """Spacecraft and relative orbit: granules sharing it and sensed within
        :data:`~..datatakes.SAME_PASS_MAX_GAP` of each other are the same acquisition
        (see :func:`~..datatakes.datatake_groups`)."""
        return (self.product.spacecraft, self.product.relative_orbit)

    def available(self, layer: str) -> dict[int, str]:
        """resolution_m -> GDAL path of a product layer (band, SCL, AOT, MSK_CLDPRB...)."""
        if layer in _MASK_LAYERS:
            out = {}
            for (kind, key), path in self.granule.masks.items():
                if kind == layer and key and key.endswith("m") and key[:-1].isdigit():
                    out[int(key[:-1])] = path
            return out
        return {res: path for (name, res), path in self.granule.images.items() if name == layer}

    def rule(self, layer: str, resolution_m: int) -> tuple[ResampleRule, str]:
        """The resampling rule of a layer at the output resolution, and the file it reads."""
        available = self.available(layer)
        if not available:
            raise ProductError(self.granule.metadata_path,
                               f"the product has no {layer} layer (needed by the mosaic)")
        rule = resampling_rule(resolution_m, available, is_class=layer == SCL,
                               native_m=NATIVE_RESOLUTION_M.get(layer))
        return rule, available[rule.source_resolution_m]

    # -- conversion of stored values to physical ones ----------------------------------------
    def _physical(self, layer: str, data: np.ndarray) -> np.ndarray:
        if layer in _REFLECTANCE_LAYERS:
            return self.product.reflectance(data, layer)
        if layer == AOT:
            quantification = self.product.aot_quantification_value or 1000.0
            out = data.astype(np.float32) / np.float32(quantification)
            out[data == 0] = np.nan
            return out
        if layer in _MASK_LAYERS:
            return data.astype(np.float32)
        if layer == SCL:
            return data.astype(np.uint8, copy=False)
        raise ValueError(f"unknown product layer {layer!r}")

    def read(self, layer: str, block: Block, datasets: DatasetCache,
             out: Optional[np.ndarray] = None) -> Optional[np.ndarray]:
        """The layer on the block, physical values (reflectance, AOT, %, SCL classes): float32
        with NaN where the granule has no data, uint8 with 0 for SCL. None when the granule
        does not reach the block at all.

        ``out``: an array of the block's shape to write the values into (and return), e.g. a
        row of the block's observation stack; reflectance read at the output resolution is
        then computed there directly."""
        if layer in self.absent_layers and not self.available(layer):
            return None
        started = time.perf_counter()
        try:
            values = self._read(layer, block, datasets, out)
        finally:
            datasets.add_read_time(time.perf_counter() - started)
        if out is None or values is None or values is out:
            return values
        out[...] = values
        return out

    def _read(self, layer: str, block: Block, datasets: DatasetCache,
              out: Optional[np.ndarray]) -> Optional[np.ndarray]:
        rule, path = self.rule(layer, block.grid.resolution)
        fill = SCL_NODATA if layer == SCL else np.nan
        if block.grid.epsg == self.granule.epsg:
            stored = self._stored(rule, path, block, datasets)
            if stored is None:
                return None
            resampler, window, data = stored
            if (out is not None and layer in REFLECTANCE_BANDS and out.dtype == np.float32
                    and resampler.is_identity(data.shape, window[0], window[1])):
                return self.product.reflectance(data, layer, out=out)
            values = self._physical(layer, data)
            return resampler.apply(values, window[0], window[1], fill=fill)
        return self._read_warped(layer, rule, path, block, datasets, fill)

    def read_ahead(self, layer: str, block: Block, datasets: DatasetCache) -> None:
        """Read the source tiles :meth:`read` of the layer on the block will use, without
        computing its values (the engine calls it in
        :meth:`~.gdal_reads.DatasetCache.reading_ahead`). Layers read through a warped VRT
        (another CRS) are not read ahead."""
        if (layer in self.absent_layers and not self.available(layer)) or (
                block.grid.epsg != self.granule.epsg):
            return
        started = time.perf_counter()
        try:
            self._stored(*self.rule(layer, block.grid.resolution), block, datasets)
        finally:
            datasets.add_read_time(time.perf_counter() - started)

    def _stored(self, rule: ResampleRule, path: str, block: Block, datasets: DatasetCache):
        """(resampler, window, stored values) of a layer file on a block of a grid in the
        tile's CRS, read through ``datasets``; None when the block misses the raster. What
        :meth:`read` computes from and :meth:`read_ahead` reads, so both read the same tiles."""
        dataset, resampler, window = self._source_window(rule, path, block, datasets)
        if window is None:
            return None
        data = datasets.read_window(dataset, path, *window,
                                    coarse=_coarse(rule, block.grid.resolution))
        return resampler, window, data

    def _source_window(self, rule: ResampleRule, path: str, block: Block,
                       datasets: DatasetCache):
        """(dataset, resampler, window) of a layer file on a block of a grid in the tile's CRS;
        the window (col0, row0, ncols, nrows) is None when the block misses the raster."""
        dataset = datasets.get(path, lambda: _open_raster(path, datasets.cancelled))
        x0, dx, _, y0, _, dy = dataset.GetGeoTransform(can_return_null=True) or (
            self._grid_geotransform(rule.source_resolution_m))
        # The file's own pixel size wins over the nominal one (same on real products).
        resampler = BlockResampler.create(
            ResampleRule(abs(dx), rule.method), (x0, y0), block.origin,
            abs(block.grid.geotransform[1]), block.shape,
        )
        return dataset, resampler, resampler.window(dataset.RasterYSize, dataset.RasterXSize)

    def _grid_geotransform(self, resolution_m: int):
        grid = self.granule.grids.get(resolution_m)
        if grid is None:
            raise ProductError(self.granule.metadata_path,
                               f"no {resolution_m} m geoposition and the raster has none")
        return grid.geotransform

    def _read_warped(self, layer: str, rule: ResampleRule, path: str, block: Block,
                     datasets: DatasetCache, fill) -> Optional[np.ndarray]:
        grid = block.grid
        key = ("warp", path, grid.name, grid.epsg, grid.geotransform, rule.method)

        def open_warped():
            source = _open_raster(path, datasets.cancelled)
            # DN 0 is no data for bands, SCL and AOT; the probability masks have no no-data
            # value (0 %) so pixels outside the tile get 255 there.
            src_nodata = None if layer in _MASK_LAYERS else 0
            dst_nodata = 255 if layer in _MASK_LAYERS else 0
            options = gdal.WarpOptions(
                format="VRT", dstSRS=srs_of_epsg(grid.epsg).ExportToWkt(),
                outputBounds=grid.bounds, width=grid.width, height=grid.height,
                resampleAlg="average" if rule.method == AVERAGE else "near",
                srcNodata=src_nodata, dstNodata=dst_nodata, multithread=False,
            )
            try:
                warped = gdal.Warp("", source, options=options)
            except RuntimeError as exc:
                raise ProductError(path, f"cannot reproject to EPSG:{grid.epsg}: {exc}") from exc
            if warped is None:
                raise ProductError(path, f"cannot reproject to EPSG:{grid.epsg}: "
                                         f"{gdal.GetLastErrorMsg()}")
            return warped, source  # keep the source alive as long as the VRT

        warped, _ = datasets.get(key, open_warped)
        data = _read_window(warped, path, block.col0, block.row0, block.ncols, block.nrows,
                            datasets.cancelled)
        if layer in _MASK_LAYERS:
            out = data.astype(np.float32)
            out[data == 255] = np.nan
            return None if np.isnan(out).all() else out
        if layer == SCL:
            return None if not data.any() else data.astype(np.uint8, copy=False)
        values = self._physical(layer, data)
        return None if np.isnan(values).all() else values

    def angles_on(self, layer: str, block: Block, pixels: Optional[np.ndarray] = None
                  ) -> np.ndarray:
        """An angle layer (degrees) at the block's pixel centres, (nrows, ncols) float32; or
        at the flat indices ``pixels`` of the block only."""
        if block.grid.epsg == self.granule.epsg:
            return self.angles.on_block(layer, block, pixels)
        xs, ys = block.centres()
        x_m, y_m = _to_tile_crs(block.grid.epsg, self.granule.epsg, xs, ys)
        values = self.angles.sample(layer, x_m, y_m)
        return values if pixels is None else values.reshape(-1)[pixels]


def _coarse(rule: ResampleRule, resolution_m: float) -> bool:
    """True for a layer read from a file more than twice as coarse as the output (B01's 60 m
    into 20 or 10 m): one of its tiles covers the jobs around (see
    :meth:`~.gdal_reads.DatasetCache.read_window`)."""
    return rule.source_resolution_m > 2 * float(resolution_m)


def _to_tile_crs(src_epsg: int, dst_epsg: int, xs: np.ndarray, ys: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Pixel centres (mesh of xs by ys) from the grid's CRS to the tile's."""
    mesh_x, mesh_y = np.meshgrid(xs, ys)
    points = np.column_stack([mesh_x.ravel(), mesh_y.ravel()])
    transform = osr.CoordinateTransformation(srs_of_epsg(src_epsg), srs_of_epsg(dst_epsg))
    out = np.asarray(transform.TransformPoints(points))
    return out[:, 0].reshape(mesh_x.shape), out[:, 1].reshape(mesh_x.shape)


def index_granules(granules: Sequence[tuple]) -> list[GranuleSource]:
    """Observations of (product, granule[, absent layers]) in (sensing time, product, tile)
    order, which gives ``source_index``; a granule listed twice (the same product in two
    places) once."""
    seen: set[tuple[str, str]] = set()
    unique = []
    for product, granule, *rest in granules:
        key = (product.name, granule.tile_id)
        if key not in seen:
            seen.add(key)
            unique.append((granule.sensing_time_utc, product.name, granule.tile_id, product,
                           granule, rest[0] if rest else frozenset()))
    unique.sort(key=lambda item: item[:3])
    return [GranuleSource.create(product, granule, index, absent)
            for index, (_, _, _, product, granule, absent) in enumerate(unique)]
