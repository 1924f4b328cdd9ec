"""A real engine function for the order tests (the runner takes the engine as a parameter).

``scripted_engine`` has ``run_mosaic``'s contract: it writes one GeoTIFF-named file per
requested layer plus a metadata JSON into ``out_dir``, reports progress, honours cancel between
steps (removing what it wrote, then raising CancelledError) and returns a result dict shaped like
``MosaicResult.to_json_dict()``. Its behaviour is chosen by the order name, the one free field of
a MosaicOrder:

- ``slow-<tenths>``: take that many tenths of a second (``slow-30`` = 3 s)
- ``nodata``: raise NoProducts-like S2GMError; ``crash``: raise a bug (RuntimeError)
- ``partial``: produce no file for the last requested layer
- anything else: finish in about 0.2 s

The service test starts ``python3 -m s2gm_qgis engine serve --engine
tests.unit.test_orders_support:scripted_engine``.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

from s2gm_qgis.core.errors import CancelledError, S2GMError

#: Size of each written layer file: several chunks of the service's streaming, for range tests.
FILE_BYTES = 600_000
ORDER_SPEC = {
    "name": "fast",
    "aoi": [9.0, 45.0, 9.05, 45.05],
    "period": "month",
    "start": "2024-06-12",
    "resolution_m": 20,
    "bands": ["B04", "B03", "B02", "source_index"],
    "format": "gtiff",
}


def spec(name: str = "fast", **changes) -> dict:
    """A valid order specification for MosaicOrder.from_dict, named ``name``."""
    out = dict(ORDER_SPEC, name=name)
    out.update(changes)
    return out


def layer_bytes(layer: str, size: int = FILE_BYTES) -> bytes:
    """Deterministic content of a layer file (so downloads can be compared byte for byte)."""
    block = hashlib.sha256(layer.encode()).digest()
    return (block * (size // len(block) + 1))[:size]


def _duration_s(name: str) -> float:
    if name.startswith("slow-") and name[5:].isdigit():
        return int(name[5:]) / 10.0
    return 0.2


def scripted_engine(order, archives, out_dir, *, catalogue_path=None, progress=None, cancel=None,
                    workers=None):
    name = order.name
    if name == "nodata":
        raise S2GMError("no Sentinel-2 L2A product in the archives covers the AOI in 2024-06")
    if name == "crash":
        raise RuntimeError("simulated engine bug")
    folder = Path(out_dir) / f"S2GM_M20_20240601_20240630_{name}_STD_v1.0.0"
    folder.mkdir(parents=True)
    layers = list(order.bands)
    written = layers[:-1] if name == "partial" else layers
    steps = max(4, int(_duration_s(name) / 0.05))
    files = {}
    for step in range(steps):
        if cancel is not None and cancel():
            shutil.rmtree(folder)
            raise CancelledError("cancelled by the caller")
        time.sleep(_duration_s(name) / steps)
        if progress is not None:
            progress((step + 1) / steps, f"block {step + 1} of {steps}")
        if step < len(written):
            layer = written[step]
            path = folder / f"{layer}_S2GM_M20_20240601_{name}_STD_v1.0.0_32632.tif"
            path.write_bytes(layer_bytes(layer))
            files[layer] = [str(path)]
    for layer in written[steps:]:
        path = folder / f"{layer}_S2GM_M20_20240601_{name}_STD_v1.0.0_32632.tif"
        path.write_bytes(layer_bytes(layer))
        files[layer] = [str(path)]
    metadata = folder / "metadata.json"
    metadata.write_text(json.dumps({"order": order.to_dict()}), encoding="utf-8")
    return {
        "output_dir": str(folder),
        "files": files,
        "source_products": [{"index": 0, "product_id": "S2B_MSIL2A_20240612T103629_N0510_R008_"
                             "T32TQM_20240612T134016", "sensing_time_utc": "2024-06-12T10:36:29Z",
                             "path": str(Path(archives[0]) / "x.SAFE") if archives else ""}],
        "counts": {"pixels_with_data": 100, "medoid": 60, "stc": 30, "single": 10, "none": 0},
        "metadata_path": str(metadata),
        "grids": [{"name": "32TQM", "epsg": 32632}],
        "workers": workers,
        "catalogue_path": str(catalogue_path) if catalogue_path else None,
    }


def test_scripted_engine_writes_every_layer_and_honours_cancel(tmp_path):
    from s2gm_qgis.core.mosaic.order import MosaicOrder

    order = MosaicOrder.from_dict(spec())
    result = scripted_engine(order, [tmp_path], tmp_path / "a")
    assert sorted(result["files"]) == sorted(order.bands)
    assert Path(result["files"]["B04"][0]).read_bytes() == layer_bytes("B04")

    calls = []
    try:
        scripted_engine(MosaicOrder.from_dict(spec("slow-10")), [], tmp_path / "b",
                        cancel=lambda: len(calls) > 2, progress=lambda f, m: calls.append(f))
    except CancelledError:
        pass
    else:
        raise AssertionError("the engine did not stop on cancel")
    assert not any((tmp_path / "b").iterdir())
