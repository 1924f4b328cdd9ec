"""Fixtures shared by the unit tests (plain pytest) and the QGIS tests (pytest-qgis)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
#: ../shared next to the project (tests may read it; the plugin never does).
SHARED = Path(os.environ.get("S2GM_SHARED", REPO_ROOT.parent / "shared"))
SAMPLES = SHARED / "data" / "s2-samples"

N0301_ZIP = SAMPLES / "S2A_MSIL1C_20210713T032051_N0301_R032_T48LWP_20210713T054224.zip"
N0500_SAFE = SAMPLES / "S2A_MSIL1C_20200622T105631_N0500_R094_T30TXR_20231110T094313.SAFE"
L2A_METADATA = SAMPLES / "S2A_MSIL2A_20230821T221941_N0509_R029_T01KAB_20230822T021825.metadata"


def _listing(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*")} if folder.is_dir() else set()


@pytest.fixture(scope="session", autouse=True)
def real_samples_stay_untouched():
    """Nothing may ever be written into a user's product: the real samples are the canary
    (GDAL .aux.xml statistics, OGR .gfs sidecars, caches). New files are removed, then reported."""
    before = _listing(SAMPLES)
    yield
    added = sorted(_listing(SAMPLES) - before)
    for name in reversed(added):
        path = SAMPLES / name
        path.unlink() if path.is_file() else None
    assert not added, f"tests wrote into the real products in {SAMPLES}: {added}"


@pytest.fixture(scope="session")
def shared_samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.fail(f"real Sentinel-2 samples not found at {SAMPLES} (set S2GM_SHARED)")
    return SAMPLES


@pytest.fixture(scope="session")
def n0301_zip(shared_samples) -> Path:
    return N0301_ZIP


@pytest.fixture(scope="session")
def n0500_safe(shared_samples) -> Path:
    return N0500_SAFE


@pytest.fixture(scope="session")
def l2a_metadata(shared_samples) -> Path:
    return L2A_METADATA
