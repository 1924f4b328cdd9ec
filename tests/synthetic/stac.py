"""Synthetic L2A products published as a STAC catalogue would publish them (tests, benchmark).

``publish(products, asset_dir, base_url, style)`` writes each product's layers as the files a
catalogue serves under ``asset_dir`` and returns the STAC items pointing at them, shaped after
the real items of ../shared/data/stac-items:

* ``earth-search``: Earth Search v1 ``sentinel-2-c1-l2a`` (stactools-sentinel2 asset keys
  ``blue``, ``red_20m``, ``scl``, ``cloud``, ``snow``, ``granule_metadata``...; DEFLATE COGs;
  raster:bands scale 0.0001 / offset -0.1; ESA's DN).
* ``earth-search-shifted``: Earth Search ``sentinel-2-l2a`` items whose COGs had the BOA offset
  applied by Element 84 (DN - 1000; ``earthsearch:boa_offset_applied: true``) while
  raster:bands still says offset -0.1: the published pitfall.
* ``cdse``: Copernicus Data Space items (``B02_10m``, ``SCL_20m``, ``AOT_60m``...;
  ``processing:version``, ``product:type``; JPEG 2000 files as in the SAFE; hrefs on
  ``s3://eodata/...``: ``base_url`` is then ignored), no cloud/snow probability assets.

The pixels are the products' own, so a mosaic from the items equals the archive's mosaic.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterable

import numpy as np
from osgeo import gdal

from s2gm_qgis.core.safe import open_product

ES_NAMES = {"B01": "coastal", "B02": "blue", "B03": "green", "B04": "red", "B05": "rededge1",
            "B06": "rededge2", "B07": "rededge3", "B08": "nir", "B8A": "nir08", "B09": "nir09",
            "B11": "swir16", "B12": "swir22", "SCL": "scl", "AOT": "aot", "WVP": "wvp",
            "MSK_CLDPRB": "cloud", "MSK_SNWPRB": "snow"}
NATIVE = {"B01": 60, "B02": 10, "B03": 10, "B04": 10, "B05": 20, "B06": 20, "B07": 20,
          "B08": 10, "B8A": 20, "B09": 60, "B11": 20, "B12": 20, "SCL": 20, "AOT": 20, "WVP": 20,
          "MSK_CLDPRB": 20, "MSK_SNWPRB": 20}
STYLES = ("earth-search", "earth-search-shifted", "cdse")
COG_OPTIONS = ["COMPRESS=DEFLATE", "BLOCKSIZE=1024", "PREDICTOR=2", "OVERVIEWS=NONE"]


def _key(layer: str, resolution: int, style: str) -> str:
    if style == "cdse":
        return f"{layer}_{resolution}m"
    name = ES_NAMES[layer]
    return name if resolution == NATIVE[layer] else f"{name}_{resolution}m"


def _raster_bands(layer: str, resolution: int, dtype: str) -> list[dict]:
    band = {"nodata": 0, "data_type": dtype, "spatial_resolution": resolution}
    if layer.startswith("B"):
        band.update(scale=0.0001, offset=-0.1)
    elif layer in ("AOT", "WVP"):
        band.update(scale=0.001, offset=0)
    return [band]


def _write_asset_job(args) -> tuple[list, list, str]:
    src, dst, style, shift = args
    return _write_asset(src, Path(dst), style, shift)


def _write_asset(src: str, dst: Path, style: str, shift: bool) -> tuple[list, list, str]:
    dst.parent.mkdir(parents=True, exist_ok=True)
    source = gdal.Open(src)
    transform = source.GetGeoTransform()
    shape = [source.RasterYSize, source.RasterXSize]
    dtype = gdal.GetDataTypeName(source.GetRasterBand(1).DataType).lower()
    proj_transform = [transform[1], transform[2], transform[0], transform[4], transform[5],
                      transform[3]]
    if dst.exists():
        return proj_transform, shape, dtype
    final, dst = dst, dst.with_name(dst.name + ".partial" + dst.suffix)
    if style == "cdse":
        shutil.copyfile(src, dst)  # the SAFE's own JPEG 2000
    elif shift:
        data = source.GetRasterBand(1).ReadAsArray().astype(np.int32)
        data = np.where(data > 0, np.maximum(data - 1000, 1), 0).astype(np.uint16)
        memory = gdal.GetDriverByName("MEM").Create("", shape[1], shape[0], 1, gdal.GDT_UInt16)
        memory.SetGeoTransform(transform)
        memory.SetProjection(source.GetProjection())
        memory.GetRasterBand(1).WriteArray(data)
        memory.GetRasterBand(1).SetNoDataValue(0)
        gdal.Translate(str(dst), memory, format="COG", creationOptions=COG_OPTIONS)
    else:
        gdal.Translate(str(dst), source, format="COG", creationOptions=COG_OPTIONS,
                       noData=0)
    for sidecar in dst.parent.glob(dst.name + ".aux.xml"):
        sidecar.unlink()
    dst.replace(final)
    return proj_transform, shape, dtype


def publish(products: Iterable[Path], asset_dir: Path, base_url: str, style: str = "earth-search",
            collection: str | None = None, only=None, workers: int = 1) -> list[dict]:
    """The STAC items of ``products`` (synthetic L2A SAFE folders), their files in ``asset_dir``
    (written once: existing files are kept). ``only``: the (layer, resolution) assets to
    publish (default: all); ``workers``: processes converting files."""
    if style not in STYLES:
        raise ValueError(f"style {style!r} is not one of {STYLES}")
    collection = collection or {"earth-search": "sentinel-2-c1-l2a",
                                "earth-search-shifted": "sentinel-2-l2a",
                                "cdse": "sentinel-2-l2a"}[style]
    base_url = base_url.rstrip("/")
    items = []
    for path in products:
        product = open_product(str(path))
        granule = product.granule
        item_id = product.name if style == "cdse" else (
            f"{product.spacecraft}_{granule.tile_id}_{granule.sensing_time_utc:%Y%m%d}_0_L2A")
        folder = Path(asset_dir) / item_id
        ext = "jp2" if style == "cdse" else "tif"

        def href(rel: str) -> str:
            if style == "cdse":
                return f"s3://eodata/Sentinel-2/MSI/L2A/{item_id}.SAFE/{rel}"
            return f"{base_url}/{item_id}/{rel}"

        assets: dict[str, dict] = {}
        layers = [(name, res, p) for (name, res), p in granule.images.items()
                  if name in ES_NAMES]
        layers += [(kind, int(key[:-1]), p) for (kind, key), p in granule.masks.items()
                   if kind in ("MSK_CLDPRB", "MSK_SNWPRB") and key and key.endswith("m")
                   and style != "cdse"]
        if only is not None:
            layers = [item for item in layers if (item[0], item[1]) in only]
        jobs = []
        for name, res, src in sorted(layers):
            rel = f"R{res}m/{name}_{res}m.{ext}"
            target = (folder / rel) if style != "cdse" else (
                Path(asset_dir) / "eodata" / "Sentinel-2" / "MSI" / "L2A" / f"{item_id}.SAFE"
                / rel)
            jobs.append((name, res, rel, (src, str(target), style,
                                          style == "earth-search-shifted"
                                          and name.startswith("B"))))
        if workers > 1:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(workers) as pool:
                written = list(pool.map(_write_asset_job, [job[3] for job in jobs]))
        else:
            written = [_write_asset_job(job[3]) for job in jobs]
        for (name, res, rel, _), (transform, shape, dtype) in zip(jobs, written):
            assets[_key(name, res, style)] = {
                "href": href(rel),
                "type": ("image/jp2" if style == "cdse" else
                         "image/tiff; application=geotiff; profile=cloud-optimized"),
                "roles": ["data"], "gsd": res,
                "proj:shape": shape, "proj:transform": transform,
                "raster:bands": _raster_bands(name, res, dtype),
            }
        metadata = (Path(asset_dir) / "eodata" / "Sentinel-2" / "MSI" / "L2A"
                    / f"{item_id}.SAFE" / "MTD_TL.xml") if style == "cdse" else (
            folder / "MTD_TL.xml")
        metadata.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(granule.metadata_path, metadata)
        assets["granule_metadata"] = {"href": href("MTD_TL.xml"), "type": "application/xml",
                                      "roles": ["metadata"]}
        bounds = _lonlat_bounds(granule)
        properties = {
            "datetime": granule.sensing_time_utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "platform": f"sentinel-{product.spacecraft[1:].lower()}",
            "constellation": "sentinel-2", "instruments": ["msi"],
            "eo:cloud_cover": float(product.cloud_cover_pct or 0.0),
            "sat:relative_orbit": product.relative_orbit,
            "grid:code": f"MGRS-{granule.tile_id}",
            "proj:code": f"EPSG:{granule.epsg}",
        }
        if style == "cdse":
            properties.update({"processing:version": product.processing_baseline,
                               "product:type": "S2MSI2A"})
        else:
            properties.update({
                "s2:processing_baseline": product.processing_baseline,
                "s2:product_type": "S2MSI2A",
                "s2:product_uri": f"{product.name}.SAFE",
                "mgrs:utm_zone": int(granule.tile_id[:2]),
                "mgrs:latitude_band": granule.tile_id[2],
                "mgrs:grid_square": granule.tile_id[3:],
            })
            if style == "earth-search-shifted":
                properties["earthsearch:boa_offset_applied"] = True
        x0, y0, x1, y1 = bounds
        items.append({
            "type": "Feature", "stac_version": "1.0.0", "id": item_id, "collection": collection,
            "stac_extensions": [
                "https://stac-extensions.github.io/eo/v1.1.0/schema.json",
                "https://stac-extensions.github.io/projection/v2.0.0/schema.json",
                "https://stac-extensions.github.io/raster/v1.1.0/schema.json",
            ],
            "bbox": [x0, y0, x1, y1],
            "geometry": {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1],
                                                             [x0, y1], [x0, y0]]]},
            "properties": properties, "assets": assets,
            "links": [{"rel": "collection", "href": f"{base_url}/collections/{collection}"}],
        })
    return items


def _lonlat_bounds(granule) -> tuple[float, float, float, float]:
    from osgeo import osr

    grid = granule.grids[min(granule.grids)]
    xmin, ymin, xmax, ymax = grid.bounds_m
    src, dst = osr.SpatialReference(), osr.SpatialReference()
    src.ImportFromEPSG(granule.epsg)
    dst.ImportFromEPSG(4326)
    for srs in (src, dst):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    t = osr.CoordinateTransformation(src, dst)
    points = [t.TransformPoint(x, y)[:2] for x in (xmin, xmax) for y in (ymin, ymax)]
    lons, lats = zip(*points)
    return (min(lons), min(lats), max(lons), max(lats))
