"""supportsQt6 evidence without a Qt6 build of QGIS: every Qt name the plugin takes from
``qgis.PyQt`` (the names imported and the ``Name.attribute.chains`` read from them: scoped enums,
static methods) must exist in real PyQt6, looked up in a separate interpreter that imports PyQt6
alone (``qgis.PyQt`` is not involved, nor the Qt5 of the QGIS under test).

Names imported in alternatives (``try``/``except ImportError``, or the branches of an ``if``)
pass when one alternative resolves: compat.py takes QAction from QtGui (Qt6) or QtWidgets (Qt5).
What this does not see: attributes of instances (``widget.exec()``), names on QGIS classes
(``QgsTask.Flag``), and behaviour; those need QGIS built on Qt6 (QGIS 4), not tested here.
Runs where PyQt6 is installed (python3-pyqt6: the matrix roots install it)."""
from __future__ import annotations

import ast
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from ..conftest import REPO_ROOT

SOURCES = [path for package in ("gui", "processing", "qgis_support")
           for path in sorted((REPO_ROOT / "s2gm_qgis" / package).rglob("*.py"))]
#: The interpreter that has Debian's PyQt6 (the system one; the test venv sees it too).
SYSTEM_PYTHON = "/usr/bin/python3"

RESOLVE = r"""
import importlib, json, sys
wanted = json.load(sys.stdin)
missing = []
for module, dotted in wanted:
    try:
        obj = importlib.import_module("PyQt6." + module)
        for part in dotted.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        missing.append([module, dotted, f"{type(exc).__name__}: {exc}"])
json.dump(missing, sys.stdout)
"""


def _pyqt6_available() -> bool:
    if shutil.which(SYSTEM_PYTHON) is None:
        return False
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import PyQt6.QtCore"], capture_output=True)
    return probe.returncode == 0


def _chain(node: ast.AST) -> list[str] | None:
    """``a.b.c`` -> ["a", "b", "c"]; None for anything that is not a plain name chain."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


def qt_names(path: Path) -> tuple[dict[str, list[tuple[str, str]]], set[tuple[str, str, int]]]:
    """What ``path`` takes from qgis.PyQt.

    Returns (bound name -> [(Qt module, name in it), ...] one per import of it; the uses
    {(bound name, "attr.chain", line)}, the longest chain of each expression). Lines marked
    ``# Qt5 only`` (code that only QGIS before 3.38 runs, never a Qt6 build) are left out."""
    text = path.read_text(encoding="utf-8")
    qt5_only = {number for number, line in enumerate(text.splitlines(), start=1)
                if "# Qt5 only" in line}
    tree = ast.parse(text, str(path))
    bound: dict[str, list[tuple[str, str]]] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child.parent = node  # type: ignore[attr-defined]
        if not isinstance(node, ast.ImportFrom) or not node.module or node.lineno in qt5_only:
            continue
        if node.module.startswith("qgis.PyQt."):
            qt_module = node.module.split(".", 2)[2]
            for alias in node.names:
                bound.setdefault(alias.asname or alias.name, []).append((qt_module, alias.name))
        elif node.module == "qgis.PyQt":
            for alias in node.names:
                if alias.name.startswith("Qt"):  # a module: from qgis.PyQt import QtCore
                    bound.setdefault(alias.asname or alias.name, []).append((alias.name, ""))
    uses = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and not isinstance(node.parent, ast.Attribute)
                and node.lineno not in qt5_only):
            chain = _chain(node)
            if chain and chain[0] in bound:
                uses.add((chain[0], ".".join(chain[1:]), node.lineno))
    return bound, uses


def plugin_qt_names() -> tuple[list[tuple[str, str]], list[tuple[str, list[list[str]]]]]:
    """Every lookup to make in PyQt6, and the places that need each one.

    Returns (lookups [(Qt module, dotted name)], needs [(where, [[module, dotted], ...]) where
    any one alternative resolving is enough])."""
    lookups: set[tuple[str, str]] = set()
    needs = []
    for path in SOURCES:
        bound, uses = qt_names(path)
        where = str(path.relative_to(REPO_ROOT))
        for name, origins in sorted(bound.items()):
            options = [[module, imported] if imported else [module, "staticMetaObject"]
                       for module, imported in origins]
            if any(not imported for _module, imported in origins):  # a module itself
                options = [[module, "__name__"] for module, _ in origins]
            lookups.update(map(tuple, options))
            needs.append((f"{where}: import {name}", options))
        for name, dotted, line in sorted(uses):
            options = [[module, f"{imported}.{dotted}" if imported else dotted]
                       for module, imported in bound[name]]
            lookups.update(map(tuple, options))
            needs.append((f"{where}:{line}: {name}.{dotted}", options))
    return sorted(lookups), needs


def test_the_scan_sees_the_plugins_qt_names():
    """The scan itself: it finds the imports and the scoped enums it is meant to check."""
    lookups, needs = plugin_qt_names()
    assert ("QtGui", "QAction") in lookups
    assert any(dotted.startswith("Qt.") and dotted.count(".") >= 2 for _m, dotted in lookups)
    assert len(needs) > 100


@pytest.mark.skipif(not _pyqt6_available(), reason="PyQt6 not installed (python3-pyqt6)")
def test_every_qt_name_of_the_plugin_exists_in_pyqt6():
    lookups, needs = plugin_qt_names()
    result = subprocess.run([SYSTEM_PYTHON, "-c", RESOLVE], input=json.dumps(lookups),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    missing = {(module, dotted): why for module, dotted, why in json.loads(result.stdout)}
    failures = [f"{where} -> " + "; ".join(missing[tuple(option)] for option in options)
                for where, options in needs
                if all(tuple(option) in missing for option in options)]
    assert failures == [], "\n".join(failures)
