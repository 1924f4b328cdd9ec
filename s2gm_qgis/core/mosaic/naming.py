"""S2GM folder and file names (../shared/docs/mosaic-algorithm.md section 5, S2GM PUM).

* Folder: ``S2GM_{T}{SS}_{start}_{end}_{name}_{CCC}_v{X.Y.Z}_{DDD}``, e.g.
  ``S2GM_M20_20230801_20230831_Lake-Garda_STD_v0.1.0_001``: T the period letter, SS the
  resolution, dates as YYYYMMDD, CCC the preference, X.Y.Z the version of the software that made
  the mosaic (s2gm_qgis) and DDD an order number, one more than the highest in the output folder.
* Layer files: ``{layer}_{T}{SS}_{start}_{name}.tiff`` (GeoTIFF and COG) or ``.jp2``.
* NetCDF: a single ``S2GM_{T}{SS}_{start}_{end}_{name}.nc`` holding every layer.
* Beside them: ``metadata_{T}{SS}_{start}_{name}.json`` and ``quicklook_{T}{SS}_{start}_{name}.png``.
* An order split into several grids (large UTM AOIs) puts each grid's files in a sub-folder named
  after the grid (the Sentinel-2 tile id, e.g. ``31UDQ``, or ``UTM32N``).
"""
from __future__ import annotations

import os
import re
from typing import Optional, Sequence

from ... import __version__
from ..errors import S2GMError
from .grid import OutputGrid
from .order import MosaicOrder

FOLDER_PATTERN = re.compile(
    r"^S2GM_(?P<letter>[DTMQY])(?P<resolution>\d{2})_(?P<start>\d{8})_(?P<end>\d{8})_"
    r"(?P<name>[A-Za-z0-9-]+)_(?P<preference>[A-Z]{3})_v(?P<version>[0-9][0-9A-Za-z.+-]*)_"
    r"(?P<number>\d{3,})$"
)
EXTENSIONS = {"gtiff": ".tiff", "cog": ".tiff", "jp2": ".jp2", "netcdf": ".nc"}


def product_code(order: MosaicOrder) -> str:
    """Period letter and resolution, e.g. 'M20', 'T10', 'Y60'."""
    return f"{order.interval.letter}{order.resolution_m:02d}"


def _stem(order: MosaicOrder) -> str:
    return f"{product_code(order)}_{order.start:%Y%m%d}_{order.name}"


def order_folder_name(order: MosaicOrder, order_number: int = 1,
                      version: str = __version__) -> str:
    """The S2GM output folder name of an order."""
    if not 0 < order_number < 1000:
        raise ValueError(f"order number {order_number} is outside 1..999")
    period = order.interval
    return (
        f"S2GM_{product_code(order)}_{period.start:%Y%m%d}_{period.end:%Y%m%d}_{order.name}_"
        f"{order.preference}_v{version}_{order_number:03d}"
    )


def layer_file_name(order: MosaicOrder, layer: str) -> str:
    """File of one layer (GeoTIFF, COG, JPEG2000); NetCDF orders use :func:`netcdf_file_name`."""
    if order.format == "netcdf":
        return netcdf_file_name(order)
    return f"{layer}_{_stem(order)}{EXTENSIONS[order.format]}"


def netcdf_file_name(order: MosaicOrder) -> str:
    period = order.interval
    return f"S2GM_{product_code(order)}_{period.start:%Y%m%d}_{period.end:%Y%m%d}_{order.name}.nc"


def metadata_file_name(order: MosaicOrder) -> str:
    return f"metadata_{_stem(order)}.json"


def quicklook_file_name(order: MosaicOrder) -> str:
    return f"quicklook_{_stem(order)}.png"


def grid_subfolder(grids: Sequence[OutputGrid], grid: OutputGrid) -> str:
    """'' when the order has one grid, else the grid's name (its files' sub-folder)."""
    return "" if len(grids) <= 1 else grid.name


def parse_folder_name(name: str) -> Optional[dict]:
    """The fields of an S2GM folder name (letter, resolution, start, end, name, preference,
    version, number as str), or None if ``name`` is not one."""
    match = FOLDER_PATTERN.match(os.path.basename(name.rstrip("/")))
    return match.groupdict() if match else None


def next_order_number(out_dir: str | os.PathLike) -> int:
    """One more than the highest order number of the S2GM folders (finished or being written)
    in ``out_dir``; 1 when there is none."""
    highest = 0
    try:
        names = os.listdir(out_dir)
    except FileNotFoundError:
        return 1
    for entry in names:
        fields = parse_folder_name(_unstaged(entry))
        if fields:
            highest = max(highest, int(fields["number"]))
    if highest >= 999:
        raise S2GMError(f"{out_dir} already holds order number 999: use another output folder")
    return highest + 1


def _unstaged(entry: str) -> str:
    """Final name of a staging folder '.{name}.partial-XXXX' (see atomic.py)."""
    match = re.match(r"^\.(.+)\.partial-[^.]+$", entry)
    return match.group(1) if match else entry
