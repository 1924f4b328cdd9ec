"""Other layouts of real (or synthetic) products, for the reader and delay tests:

- ``aws_tile_from_safe``: a SAFE product (folder or zip) rewritten as one tile of the public AWS
  buckets (``tiles/<utm>/<band>/<square>/<y>/<m>/<d>/0/`` with tileInfo.json shaped like the real
  one in ../shared/data/aws-layout, metadata.xml = the product's MTD_TL.xml byte for byte,
  productInfo.json, ``B01.jp2``... or ``R10m/B02.jp2``..., ``qi/`` masks and, optionally,
  ``datastrip/0/metadata.xml`` = its MTD_DS.xml), as a folder or a zip.
- ``psd13_from_compact``: a six-granule PSD-13 product organised as the real PDMC products of
  baseline 02.04 are (one ``Granule_List`` per granule, PRODUCT_URI an order id, long names,
  bare mask names in each granule's QI_DATA), from a compact product's real metadata: its tile
  is one of the six, unchanged; the five others are copies moved to the neighbouring MGRS
  squares (tile metadata and detector footprints shifted by whole tiles).

Only test data: nothing here is shipped.
"""
from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Sequence

import numpy as np

from s2gm_qgis.core.bands import BANDS
from s2gm_qgis.core.safe import open_product
from s2gm_qgis.core.safe.storage import open_binary

_SHARED_TILE_INFO = ("data", "aws-layout", "S2A_OPER_MSI_L1C_TL_SGS__20181231T203637_A018414_T10SDG",
                     "tileInfo.json")


def _read(path: str) -> bytes:
    with open_binary(path) as stream:
        return stream.read()


def _extension(path: str) -> str:
    return "." + path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ".jp2"


def _zip_folder(folder: Path, zip_path: Path, base: Path) -> Path:
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, path.relative_to(base).as_posix())
    return zip_path


def aws_tile_from_safe(safe, out_dir, shared: Path, *, as_zip: bool = False,
                       datastrip: bool = True) -> Path:
    """Write ``safe``'s (selected) tile in the AWS layout under ``out_dir``; return the tile
    folder, or the zip holding ``tiles/...`` when ``as_zip``."""
    product = open_product(safe)
    granule = product.granule
    tile = granule.tile_id
    when = product.sensing_start_utc
    rel = f"tiles/{int(tile[:2])}/{tile[2]}/{tile[3:]}/{when.year}/{when.month}/{when.day}/0"
    out_dir = Path(out_dir)
    folder = out_dir / rel
    (folder / "qi").mkdir(parents=True)
    (folder / "metadata.xml").write_bytes(_read(granule.metadata_path))

    template = json.loads((shared.joinpath(*_SHARED_TILE_INFO)).read_text(encoding="utf-8"))
    crs = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG:8.8.1:{granule.epsg}"}}
    xmin, ymin, xmax, ymax = granule.grids[min(granule.grids)].bounds_m
    square = [[[xmin, ymax], [xmax, ymax], [xmax, ymin], [xmin, ymin], [xmin, ymax]]]
    product_path = f"products/{when.year}/{when.month}/{when.day}/{product.name}"
    info = dict(template)
    info.update({
        "path": rel, "timestamp": granule.sensing_time_utc.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "utmZone": int(tile[:2]), "latitudeBand": tile[2], "gridSquare": tile[3:],
        "datastrip": {"id": granule.datastrip_id, "path": f"{product_path}/datastrip/0"},
        "tileGeometry": {"type": "Polygon", "crs": crs, "coordinates": square},
        "tileDataGeometry": {"type": "Polygon", "crs": crs, "coordinates": square},
        "tileOrigin": {"type": "Point", "crs": crs, "coordinates": [xmin, ymax]},
        "dataCoveragePercentage": 100.0, "cloudyPixelPercentage": product.cloud_cover_pct or 0.0,
        "productName": product.name, "productPath": product_path,
    })
    (folder / "tileInfo.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    (folder / "productInfo.json").write_text(json.dumps({
        "name": product.name, "id": "00000000-0000-0000-0000-000000000000", "path": product_path,
        "timestamp": info["timestamp"], "tiles": [{"path": rel, "timestamp": info["timestamp"],
                                                    "utmZone": info["utmZone"],
                                                    "latitudeBand": tile[2],
                                                    "gridSquare": tile[3:]}],
        "datastrips": [{"id": granule.datastrip_id, "path": f"{product_path}/datastrip/0"}],
    }, indent=2), encoding="utf-8")

    for (layer, resolution), path in granule.images.items():
        if product.level == "L1C":
            target = folder / f"{layer}{_extension(path)}"
        else:
            target = folder / f"R{resolution:02d}m" / f"{layer}{_extension(path)}"
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(_read(path))
    for path in granule.masks.values():
        (folder / "qi" / path.rsplit("/", 1)[-1]).write_bytes(_read(path))
    if datastrip and product.datastrip_path:
        (folder / "datastrip" / "0").mkdir(parents=True)
        (folder / "datastrip" / "0" / "metadata.xml").write_bytes(_read(product.datastrip_path))
    if as_zip:
        zip_path = _zip_folder(folder, out_dir / f"{product.name}_aws.zip", folder.parent)
        shutil.rmtree(out_dir / "tiles")
        return zip_path
    return folder


# -- PSD-13 ------------------------------------------------------------------------------------
PSD13_STAMP = "VGS4_20210713T054224_A031632"
PSD13_NAME = "S2A_OPER_PRD_MSIL1C_PDMC_20210713T060000_R032_V20210713T032051_20210713T032054"
#: PRODUCT_URI of the real PDMC products is an order id, not the product name.
PSD13_ORDER_URI = "791_2021-07-13T06_00"
_COLUMNS = "STUVWXYZ"  # MGRS 100 km column letters of zones 3, 6, ... (48 among them)
_ROWS = "ABCDEFGHJKLMNPQRSTUV"  # MGRS 100 km row letters (no I, no O)


def psd13_granule(tile: str) -> str:
    return f"S2A_OPER_MSI_L1C_TL_{PSD13_STAMP}_T{tile}_N02.04"


def psd13_mask(tile: str, band: str) -> str:
    return f"S2A_OPER_MSK_DETFOO_{PSD13_STAMP}_T{tile}_{band}_MSIL1C.gml"


def _neighbour_shift(tile: str, base: str) -> tuple[float, float]:
    """Metres from ``base``'s grid to ``tile``'s (same zone, neighbouring 100 km squares)."""
    dx = (_COLUMNS.index(tile[3]) - _COLUMNS.index(base[3])) * 100000.0
    dy = (_ROWS.index(tile[4]) - _ROWS.index(base[4])) * 100000.0
    # Tile origins sit 20 m west of the square's edge west of the central meridian.
    snap = {-1: -20.0, 0: 0.0, 1: 20.0}
    return dx + snap[int(np.sign(dx))] if dx else 0.0, dy


def _shift_gml(text: str, dx: float, dy: float) -> str:
    def move(match: re.Match) -> str:
        values = np.array(match.group(2).split(), dtype=np.float64).reshape(-1, 3)
        values[:, 0] += dx
        values[:, 1] += dy
        return match.group(1) + " ".join(f"{v:.6f}" for v in values.ravel()) + match.group(3)

    text = re.sub(r"(<gml:posList[^>]*>)([^<]*)(</gml:posList>)", move, text)

    def corner(match: re.Match) -> str:
        x, y, z = (float(v) for v in match.group(2).split())
        return f"{match.group(1)}{x + dx} {y + dy} {z}{match.group(3)}"

    return re.sub(r"(<gml:(?:lower|upper)Corner>)([^<]*)(</gml:(?:lower|upper)Corner>)", corner, text)


def psd13_from_compact(compact_zip, out_dir, tiles: Sequence[str]) -> Path:
    """A PSD-13 product of ``tiles`` (one must be the compact product's own tile; the others its
    neighbours in the same zone); return its .SAFE folder."""
    compact = open_product(compact_zip)
    base = compact.granule
    with zipfile.ZipFile(compact_zip) as archive:
        names = archive.namelist()
        product_xml = archive.read(next(n for n in names if n.endswith("MTD_MSIL1C.xml"))).decode()
        tile_xml = archive.read(next(n for n in names if n.endswith("MTD_TL.xml"))).decode()
        mtd_ds = archive.read(next(n for n in names if n.endswith("MTD_DS.xml")))
    bands = [band for band in BANDS if ("MSK_DETFOO", band) in base.masks]
    datastrip_id = base.datastrip_id
    safe = Path(out_dir) / f"{PSD13_NAME}.SAFE"
    safe.mkdir(parents=True)

    xml = product_xml.replace("psd-14.sentinel2", "psd-13.sentinel2")
    xml = xml.replace("<PROCESSING_BASELINE>03.01<", "<PROCESSING_BASELINE>02.04<")
    xml = re.sub(r"<PRODUCT_URI>.*?</PRODUCT_URI>", f"<PRODUCT_URI>{PSD13_ORDER_URI}</PRODUCT_URI>",
                 xml)
    lists = "".join(
        f"<Granule_List><Granules datastripIdentifier=\"{datastrip_id}\" "
        f"granuleIdentifier=\"{psd13_granule(tile)}\" imageFormat=\"JPEG2000\">"
        + "".join(f"<IMAGE_ID>S2A_OPER_MSI_L1C_TL_{PSD13_STAMP}_T{tile}_{band}</IMAGE_ID>"
                  for band in bands)
        + "</Granules></Granule_List>"
        for tile in tiles)
    xml = re.sub(r"<Granule_List>.*?</Granule_List>", lists, xml, flags=re.S)
    (safe / f"S2A_OPER_MTD_SAFL1C_PDMC_20210713T060000_R032_V20210713T032051_20210713T032054.xml"
     ).write_text(xml, encoding="utf-8")

    raster = _read(base.image("B02"))
    masks = {band: _read(base.mask("MSK_DETFOO", band)).decode() for band in bands}
    for tile in tiles:
        dx, dy = _neighbour_shift(tile, base.tile_id)
        folder = safe / "GRANULE" / psd13_granule(tile)
        (folder / "IMG_DATA").mkdir(parents=True)
        (folder / "QI_DATA").mkdir()
        text = re.sub(r"<TILE_ID([^>]*)>.*?</TILE_ID>", rf"<TILE_ID\1>{psd13_granule(tile)}</TILE_ID>",
                      tile_xml)
        text = re.sub(r"<DATASTRIP_ID([^>]*)>.*?</DATASTRIP_ID>",
                      rf"<DATASTRIP_ID\1>{datastrip_id}</DATASTRIP_ID>", text)
        text = re.sub(r"<ULX>([^<]*)</ULX>", lambda m: f"<ULX>{float(m.group(1)) + dx:.0f}</ULX>", text)
        text = re.sub(r"<ULY>([^<]*)</ULY>", lambda m: f"<ULY>{float(m.group(1)) + dy:.0f}</ULY>", text)
        text = re.sub(r"<Pixel_Level_QI([^>]*)>.*?</Pixel_Level_QI>",
                      r"<Pixel_Level_QI\1>" + "".join(
                          f'<MASK_FILENAME bandId="{BANDS.index(band)}" type="MSK_DETFOO">'
                          f"{psd13_mask(tile, band)}</MASK_FILENAME>"
                          for band in bands) + "</Pixel_Level_QI>",
                      text, flags=re.S)
        (folder / f"S2A_OPER_MTD_L1C_TL_{PSD13_STAMP}_T{tile}.xml").write_text(text, encoding="utf-8")
        for band in bands:
            (folder / "IMG_DATA" / f"S2A_OPER_MSI_L1C_TL_{PSD13_STAMP}_T{tile}_{band}.jp2"
             ).write_bytes(raster)
            (folder / "QI_DATA" / psd13_mask(tile, band)).write_text(
                _shift_gml(masks[band], dx, dy) if (dx or dy) else masks[band], encoding="utf-8")
    ds_folder = safe / "DATASTRIP" / datastrip_id
    ds_folder.mkdir(parents=True)
    (ds_folder / "S2A_OPER_MTD_L1C_DS_VGS4_20210713T054224_S20210713T032054.xml").write_bytes(mtd_ds)
    return safe


# -- footprints as before baseline 02.09 --------------------------------------------------------
def simplified_overlapping_gml(pixel_step: str, band: str, epsg: int, *, overlap_m: float = 1500.0,
                               step_m: float = 16000.0) -> str:
    """An MSK_DETFOO GML shaped like those of baselines before 02.09 (N02.04, N02.06) from a
    pixel-step one (02.09 on): per detector a polygon with vertices every ``step_m`` along track,
    widened by ``overlap_m / 2`` on both sides, so neighbours overlap by ``overlap_m`` (about
    1.5 km and 16 km in the real N02.04 masks) symmetrically about the pixel-step seam."""
    from s2gm_qgis.core.delays.footprints import parse_detfoo_gml
    from s2gm_qgis.core.delays.scanline import intervals_from_rings

    polygons = parse_detfoo_gml(pixel_step.encode(), "pixel-step", epsg)
    slabs = intervals_from_rings((p.detector, ring) for p in polygons for ring in p.rings)
    xmin = min(float(r[:, 0].min()) for p in polygons for r in p.rings)
    xmax = max(float(r[:, 0].max()) for p in polygons for r in p.rings)
    features = []
    for number, detector in enumerate(sorted({p.detector for p in polygons})):
        mine = slabs.det == detector
        ks = np.unique(slabs.k[mine])
        y_lo, y_hi = float(slabs.ys[ks.min()]), float(slabs.ys[ks.max() + 1])
        ys = np.unique(np.r_[np.arange(y_hi, y_lo, -step_m), y_lo])[::-1]  # north to south
        west, east = [], []
        for y in ys:
            k = int(np.clip(np.searchsorted(slabs.ys, y, side="left") - 1, ks.min(), ks.max()))
            sel = mine & (slabs.k == k)
            if not sel.any():
                continue
            west.append((max(xmin, float(slabs.xa[sel].min()) - overlap_m / 2), y))
            east.append((min(xmax, float(slabs.xb[sel].max()) + overlap_m / 2), y))
        ring = east + west[::-1] + east[:1]
        pos = " ".join(f"{x:.6f} {y:.6f} 0" for x, y in ring)
        features.append(
            f'<eop:MaskFeature gml:id="detector_footprint-{band}-{detector:02d}-{number}">'
            '<eop:maskType codeSpace="urn:gs2:S2PDGS:maskType">DETECTOR_FOOTPRINT</eop:maskType>'
            f'<eop:extentOf><gml:Polygon gml:id="DETECTOR_FOOTPRINT.{number}_Polygon"><gml:exterior>'
            f'<gml:LinearRing><gml:posList srsDimension="3">{pos}</gml:posList></gml:LinearRing>'
            '</gml:exterior></gml:Polygon></eop:extentOf></eop:MaskFeature>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<eop:Mask xmlns:eop="http://www.opengis.net/eop/2.0"'
            ' xmlns:gml="http://www.opengis.net/gml/3.2" gml:id="MSK_DETFOO">'
            f'<gml:boundedBy><gml:Envelope srsName="urn:ogc:def:crs:EPSG:8.7:{epsg}"/></gml:boundedBy>'
            f'<eop:maskMembers>{"".join(features)}</eop:maskMembers></eop:Mask>\n')


def with_overlapping_footprints(compact_zip, out_dir, **options) -> Path:
    """The compact product unzipped into ``out_dir`` with every MSK_DETFOO GML replaced by
    ``simplified_overlapping_gml`` of it; return the .SAFE folder."""
    out_dir = Path(out_dir)
    with zipfile.ZipFile(compact_zip) as archive:
        archive.extractall(out_dir)
    safe = next(out_dir.glob("*.SAFE"))
    product = open_product(safe)
    for (kind, band), path in product.granule.masks.items():
        if kind == "MSK_DETFOO":
            text = Path(path).read_text(encoding="utf-8")
            Path(path).write_text(simplified_overlapping_gml(text, band, product.granule.epsg,
                                                             **options), encoding="utf-8")
    return safe
