"""Sentinel-2 L2A collections and items shaped like those of two public STAC APIs, for loading
into `StacApi`: Earth Search v1 (Element 84: COG assets named by band, raster:bands with
scale/offset, proj:epsg, eo:bands) and the Copernicus Data Space Ecosystem STAC
(JPEG 2000 assets named B04_10m..., s3:// hrefs with an https `alternate`, proj:code,
raster:scale/raster:offset, storage/auth refs). Field names follow those services; values are
made up. Asset hrefs point wherever `href_base` says (e.g. an AssetServer's url).
"""
from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Sequence

COG = "image/tiff; application=geotiff; profile=cloud-optimized"
JP2 = "image/jp2"

# name: (common name, centre wavelength um, FWHM um, resolution m)
S2_BANDS = {
    "B01": ("coastal", 0.443, 0.027, 60), "B02": ("blue", 0.49, 0.098, 10), "B03": ("green", 0.56, 0.045, 10),
    "B04": ("red", 0.665, 0.038, 10), "B05": ("rededge", 0.704, 0.019, 20), "B06": ("rededge", 0.74, 0.018, 20),
    "B07": ("rededge", 0.783, 0.028, 20), "B08": ("nir", 0.842, 0.145, 10), "B8A": ("nir08", 0.865, 0.033, 20),
    "B09": ("nir09", 0.945, 0.026, 60), "B11": ("swir16", 1.61, 0.143, 20), "B12": ("swir22", 2.19, 0.242, 20),
}
# Earth Search asset keys (v1) for the bands
EARTH_SEARCH_KEYS = {"B01": "coastal", "B02": "blue", "B03": "green", "B04": "red", "B05": "rededge1",
                     "B06": "rededge2", "B07": "rededge3", "B08": "nir", "B8A": "nir08", "B09": "nir09",
                     "B11": "swir16", "B12": "swir22"}


def _iso(value: str | datetime) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def _polygon(bbox: Sequence[float]) -> dict:
    w, s, e, n = bbox
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def collection(collection_id: str, *, title: str | None = None, item_assets: dict | None = None) -> dict:
    """A minimal valid STAC collection (global extent, open-ended interval)."""
    doc = {
        "type": "Collection", "stac_version": "1.0.0", "id": collection_id,
        "title": title or collection_id, "description": f"test collection {collection_id}",
        "license": "proprietary",
        "extent": {"spatial": {"bbox": [[-180.0, -90.0, 180.0, 90.0]]},
                   "temporal": {"interval": [["2015-06-27T10:25:31.456000Z", None]]}},
        "links": [{"rel": "license", "href": "https://sentinel.esa.int/documents/247904/690755/Sentinel_Data_Legal_Notice"}],
    }
    if item_assets:
        doc["item_assets"] = item_assets
    return doc


def earth_search_item(item_id: str, collection_id: str, when: str | datetime, bbox: Sequence[float], *,
                      cloud_cover: float = 10.0, epsg: int = 32633, tile: str = "33UUP",
                      href_base: str = "https://sentinel-cogs.s3.us-west-2.amazonaws.com/sentinel-s2-l2a-cogs",
                      bands: Sequence[str] = ("B02", "B03", "B04", "B08", "B11", "B12"),
                      transform_origin: tuple[float, float] = (399960.0, 5900040.0)) -> dict:
    """An item as Earth Search v1 serves sentinel-2-l2a (assets: COG per band + scl, visual)."""
    when = _iso(when)
    x0, y0 = transform_origin
    assets = {}
    for band in bands:
        common, centre, fwhm, res = S2_BANDS[band]
        size = 109800 // res
        assets[EARTH_SEARCH_KEYS[band]] = {
            "href": f"{href_base}/{tile}/{item_id}/{band}.tif",
            "type": COG, "title": f"{common} - {res}m", "roles": ["data", "reflectance"], "gsd": res,
            "eo:bands": [{"name": band, "common_name": common, "center_wavelength": centre,
                          "full_width_half_max": fwhm}],
            "proj:shape": [size, size], "proj:transform": [float(res), 0.0, x0, 0.0, -float(res), y0],
            "raster:bands": [{"nodata": 0, "data_type": "uint16", "bits_per_sample": 15,
                              "spatial_resolution": res, "scale": 0.0001, "offset": -0.1}],
        }
    assets["scl"] = {
        "href": f"{href_base}/{tile}/{item_id}/SCL.tif", "type": COG, "title": "Scene classification map (SCL)",
        "roles": ["data", "reflectance"], "gsd": 20, "proj:shape": [5490, 5490],
        "proj:transform": [20.0, 0.0, x0, 0.0, -20.0, y0],
        "raster:bands": [{"nodata": 0, "data_type": "uint8", "spatial_resolution": 20, "unit": "1"}],
    }
    assets["thumbnail"] = {"href": f"{href_base}/{tile}/{item_id}/thumbnail.jpg", "type": "image/jpeg",
                           "title": "Thumbnail image", "roles": ["thumbnail"]}
    assets["granule_metadata"] = {"href": f"{href_base}/{tile}/{item_id}/granule_metadata.xml",
                                  "type": "application/xml", "roles": ["metadata"]}
    return {
        "type": "Feature", "stac_version": "1.0.0",
        "stac_extensions": ["https://stac-extensions.github.io/eo/v1.1.0/schema.json",
                            "https://stac-extensions.github.io/projection/v1.1.0/schema.json",
                            "https://stac-extensions.github.io/raster/v1.1.0/schema.json",
                            "https://stac-extensions.github.io/mgrs/v1.0.0/schema.json",
                            "https://stac-extensions.github.io/grid/v1.0.0/schema.json"],
        "id": item_id, "collection": collection_id,
        "geometry": _polygon(bbox), "bbox": list(bbox),
        "properties": {
            "created": "2023-06-01T13:21:47.311Z", "updated": "2023-06-01T13:21:47.311Z",
            "platform": "sentinel-2b", "constellation": "sentinel-2", "instruments": ["msi"],
            "eo:cloud_cover": cloud_cover, "proj:epsg": epsg,
            "mgrs:utm_zone": int(tile[:2]), "mgrs:latitude_band": tile[2], "mgrs:grid_square": tile[3:],
            "grid:code": f"MGRS-{tile}", "view:sun_azimuth": 162.48, "view:sun_elevation": 58.91,
            "s2:degraded_msi_data_percentage": 0.0, "s2:nodata_pixel_percentage": 1.25,
            "s2:processing_baseline": "05.09", "s2:product_type": "S2MSI2A",
            "s2:product_uri": f"S2B_MSIL2A_{when[:4]}{when[5:7]}{when[8:10]}T101559_N0509_R065_T{tile}.SAFE",
            "earthsearch:boa_offset_applied": True, "processing:software": {"sentinel2-to-stac": "0.1.1"},
            "datetime": when,
        },
        "assets": assets,
        "links": [
            {"rel": "self", "type": "application/geo+json",
             "href": f"https://earth-search.aws.element84.com/v1/collections/{collection_id}/items/{item_id}"},
            {"rel": "canonical", "type": "application/json",
             "href": f"s3://sentinel-cogs/sentinel-s2-l2a-cogs/{tile}/{item_id}/{item_id}.json"},
            {"rel": "license", "href": "https://sentinel.esa.int/documents/247904/690755/Sentinel_Data_Legal_Notice"},
            {"rel": "derived_from", "type": "application/geo+json",
             "href": f"https://earth-search.aws.element84.com/v1/collections/sentinel-2-l1c/items/{item_id.replace('L2A', 'L1C')}"},
            {"rel": "parent", "type": "application/json",
             "href": f"https://earth-search.aws.element84.com/v1/collections/{collection_id}"},
        ],
    }


def cdse_item(item_id: str, collection_id: str, when: str | datetime, bbox: Sequence[float], *,
              cloud_cover: float = 10.0, epsg: int = 32633, tile: str = "33UUP",
              href_base: str = "s3://eodata/Sentinel-2/MSI/L2A/2023/06/01",
              https_base: str = "https://eodata.dataspace.copernicus.eu/Sentinel-2/MSI/L2A/2023/06/01",
              bands: Sequence[str] = ("B02", "B03", "B04", "B08", "B11", "B12"),
              transform_origin: tuple[float, float] = (399960.0, 5900040.0)) -> dict:
    """An item as the Copernicus Data Space STAC serves sentinel-2-l2a (JPEG 2000 per band and
    resolution, s3 hrefs with an https alternate)."""
    when = _iso(when)
    x0, y0 = transform_origin
    safe = f"{item_id}.SAFE"
    granule = f"{safe}/GRANULE/L2A_T{tile}_A000000_{when[:4]}{when[5:7]}{when[8:10]}T101559/IMG_DATA"
    assets = {}
    for band in bands:
        common, centre, fwhm, res = S2_BANDS[band]
        size = 109800 // res
        name = f"T{tile}_{when[:4]}{when[5:7]}{when[8:10]}T101559_{band}_{res}m.jp2"
        rel = f"{granule}/R{res}m/{name}"
        assets[f"{band}_{res}m"] = {
            "href": f"{href_base}/{rel}", "type": JP2, "title": f"{common} ({band}) - {res}m",
            "roles": ["data", "reflectance"], "gsd": res,
            "bands": [{"name": band, "eo:common_name": common, "eo:center_wavelength": centre,
                       "eo:full_width_half_max": fwhm}],
            "nodata": 0, "data_type": "uint16", "raster:scale": 0.0001, "raster:offset": -0.1,
            "raster:spatial_resolution": res,
            "proj:code": f"EPSG:{epsg}", "proj:shape": [size, size],
            "proj:bbox": [x0, y0 - 109800.0, x0 + 109800.0, y0],
            "proj:transform": [float(res), 0.0, x0, 0.0, -float(res), y0],
            "alternate": {"https": {"href": f"{https_base}/{rel}", "auth:refs": ["oidc"],
                                    "storage:refs": []}},
            "auth:refs": ["s3"], "storage:refs": ["cdse-s3", "creodias-s3"],
        }
    assets["SCL_20m"] = {
        "href": f"{href_base}/{granule}/R20m/T{tile}_SCL_20m.jp2", "type": JP2,
        "title": "Scene classification map (SCL)", "roles": ["data"], "gsd": 20, "nodata": 0, "data_type": "uint8",
        "proj:code": f"EPSG:{epsg}", "proj:shape": [5490, 5490],
        "proj:transform": [20.0, 0.0, x0, 0.0, -20.0, y0],
        "alternate": {"https": {"href": f"{https_base}/{granule}/R20m/T{tile}_SCL_20m.jp2", "auth:refs": ["oidc"]}},
        "auth:refs": ["s3"], "storage:refs": ["cdse-s3", "creodias-s3"],
    }
    assets["Product"] = {"href": f"https://download.dataspace.copernicus.eu/odata/v1/Products('{item_id}')/$value",
                         "type": "application/zip", "title": "Zipped product", "roles": ["data", "archive"],
                         "auth:refs": ["oidc"]}
    return {
        "type": "Feature", "stac_version": "1.1.0",
        "stac_extensions": ["https://stac-extensions.github.io/eo/v2.0.0/schema.json",
                            "https://stac-extensions.github.io/projection/v2.0.0/schema.json",
                            "https://stac-extensions.github.io/raster/v2.0.0/schema.json",
                            "https://stac-extensions.github.io/grid/v1.1.0/schema.json",
                            "https://stac-extensions.github.io/sat/v1.1.0/schema.json",
                            "https://stac-extensions.github.io/storage/v2.0.0/schema.json",
                            "https://stac-extensions.github.io/authentication/v1.1.0/schema.json",
                            "https://stac-extensions.github.io/alternate-assets/v1.2.0/schema.json"],
        "id": item_id, "collection": collection_id,
        "geometry": _polygon(bbox), "bbox": list(bbox),
        "properties": {
            "datetime": when, "start_datetime": when, "end_datetime": when,
            "created": "2023-06-01T14:02:11.000000Z", "updated": "2023-06-01T14:05:09.518000Z",
            "platform": "sentinel-2b", "constellation": "sentinel-2", "instruments": ["msi"],
            "eo:cloud_cover": cloud_cover, "eo:snow_cover": 0.0, "proj:code": f"EPSG:{epsg}",
            "grid:code": f"MGRS-{tile}", "product:type": "S2MSI2A", "processing:version": "05.09",
            "sat:relative_orbit": 65, "sat:absolute_orbit": 32500, "sat:orbit_state": "descending",
            "view:sun_azimuth": 162.48, "view:sun_elevation": 58.91,
            "storage:schemes": {
                "cdse-s3": {"platform": "https://eodata.dataspace.copernicus.eu", "type": "custom-s3",
                            "title": "Copernicus Data Space Ecosystem S3", "requester_pays": False},
                "creodias-s3": {"platform": "https://eodata.cloudferro.com", "type": "custom-s3",
                                "title": "CREODIAS S3", "requester_pays": True}},
            "auth:schemes": {"s3": {"type": "s3"},
                             "oidc": {"type": "openIdConnect",
                                      "openIdConnectUrl": "https://identity.dataspace.copernicus.eu/auth/realms/CDSE/.well-known/openid-configuration"}},
        },
        "assets": assets,
        "links": [
            {"rel": "self", "type": "application/geo+json",
             "href": f"https://stac.dataspace.copernicus.eu/v1/collections/{collection_id}/items/{item_id}"},
            {"rel": "license", "href": "https://sentinel.esa.int/documents/247904/690755/Sentinel_Data_Legal_Notice",
             "type": "application/pdf", "title": "Legal notice on the use of Copernicus Sentinel Data"},
            {"rel": "via", "type": "application/json",
             "href": f"https://catalogue.dataspace.copernicus.eu/odata/v1/Products?$filter=Name eq '{safe}'"},
        ],
    }


def items_series(count: int, collection_id: str, *, style: str = "earth_search", start: str = "2023-06-01",
                 bbox: Sequence[float] = (12.0, 52.0, 13.5, 53.0), **kwargs) -> list[dict]:
    """`count` items one day apart from `start`, cloud cover 0, 4, 8, ... (mod 100), bboxes
    shifted east by 0.1 degree each, ids <collection>_<nn>."""
    make = {"earth_search": earth_search_item, "cdse": cdse_item}[style]
    day0 = datetime.fromisoformat(start).replace(tzinfo=timezone.utc)
    out = []
    for i in range(count):
        when = day0.replace(hour=10, minute=15, second=59, microsecond=24000) + timedelta(days=i)
        w, s, e, n = bbox
        box = (round(w + 0.1 * i, 6), s, round(e + 0.1 * i, 6), n)
        out.append(make(f"{collection_id}_{i:02d}", collection_id, when, box, cloud_cover=float((4 * i) % 100), **kwargs))
    return out


def without_inferred_links(item: dict) -> dict:
    """The item without the links a STAC API replaces with its own (self, parent, collection,
    root, item, items, child): what to compare a served item with."""
    item = copy.deepcopy(item)
    item["links"] = [l for l in item.get("links", []) if l.get("rel") not in
                     ("self", "parent", "collection", "root", "item", "items", "child")]
    return item
