"""What the benchmark scripts share: where the repository and the real samples are, and how a
benchmark records its numbers (``tests/bench/results/<topic>.json``, also printed).

The scripts run as ``python tests/bench/bench_<topic>.py``: each puts the repository root on
``sys.path`` before importing this module.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("S2GM_SHARED", REPO_ROOT.parent / "shared"))
N0301_ZIP = SHARED / "data/s2-samples/S2A_MSIL1C_20210713T032051_N0301_R032_T48LWP_20210713T054224.zip"
RESULTS_DIR = REPO_ROOT / "tests/bench/results"


def write_results(topic: str, results: dict) -> Path:
    """Write ``results`` to results/<topic>.json (whole or not at all) and print them."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{topic}.json"
    text = json.dumps(results, indent=2) + "\n"
    partial = path.with_suffix(".json.tmp")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
    print(text, end="")
    return path
