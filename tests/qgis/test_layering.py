"""The QGIS side is layered: ``s2gm_qgis.qgis_support`` (QGIS helpers that are not widgets) lies
below both ``s2gm_qgis.gui`` (docks, dialogs) and ``s2gm_qgis.processing`` (algorithms), and
neither of the lower two imports ``gui`` (issue "One QGIS layer under gui and processing"), as
the core imports no Qt (tests/unit/test_import_without_qgis.py)."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "s2gm_qgis"


def imported_modules(path: Path) -> list[str]:
    """The absolute names of the modules a source file imports (relative imports resolved)."""
    package = ".".join(("s2gm_qgis",) + path.relative_to(PACKAGE).parent.parts)
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] \
                if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names += [module] + [f"{module}.{alias.name}" for alias in node.names]
    return names


@pytest.mark.parametrize("layer", ["processing", "qgis_support"])
def test_layer_never_imports_gui(layer):
    offending = {
        str(path.relative_to(PACKAGE)): [n for n in imported_modules(path)
                                         if n == "s2gm_qgis.gui" or n.startswith("s2gm_qgis.gui.")]
        for path in sorted((PACKAGE / layer).rglob("*.py"))
    }
    assert not {k: v for k, v in offending.items() if v}


def test_qgis_support_never_imports_processing():
    offending = [str(path.relative_to(PACKAGE)) for path in (PACKAGE / "qgis_support").rglob("*.py")
                 if any(n.startswith("s2gm_qgis.processing") for n in imported_modules(path))]
    assert not offending


def test_processing_imports_without_gui_at_run_time():
    code = (
        "import sys, pkgutil, importlib, s2gm_qgis.processing, s2gm_qgis.qgis_support\n"
        "for package in (s2gm_qgis.qgis_support, s2gm_qgis.processing):\n"
        "    for m in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "from s2gm_qgis.processing.provider import S2gmProvider\n"
        "S2gmProvider().loadAlgorithms()\n"
        "bad = [m for m in sys.modules if m.startswith('s2gm_qgis.gui')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PACKAGE.parent)
