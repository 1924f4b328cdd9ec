"""Static checks of the delay inspector's sources for Qt5 and Qt6 alike (issue "Delay inspector
in QGIS"; environment rule: Qt only through ``qgis.PyQt``, fully scoped enums)."""
from __future__ import annotations

import re

import pytest

from ..conftest import REPO_ROOT

SOURCES = sorted((REPO_ROOT / "s2gm_qgis/gui/delays").glob("*.py")) + [
    REPO_ROOT / "s2gm_qgis/processing/delays_at_points.py"]
#: ``Qt.X`` / ``QSomething.X`` where X is a member, not an enum type followed by its member.
UNSCOPED = re.compile(r"\b(Qt|Q[A-Z]\w*)\.([A-Z]\w*)\b(?![.(\w])")
#: Classes that are themselves enums (their members are scoped already), and class constants.
ENUM_CLASSES = {"QgsMapLayerType"}


def findings(path) -> list[str]:
    found = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        code = line.split("#", 1)[0]
        where = f"{path.relative_to(REPO_ROOT)}:{number}"
        if re.search(r"^\s*(from|import)\s+(PyQt5|PyQt6|PySide\d?)\b", code):
            found.append(f"{where}: Qt imported without qgis.PyQt: {line.strip()}")
        for owner, member in UNSCOPED.findall(code):
            if owner not in ENUM_CLASSES and member not in ("PyQt",):
                found.append(f"{where}: unscoped enum {owner}.{member}")
        if re.search(r"\bQVariant\.", code):
            found.append(f"{where}: QVariant.Type is gone in Qt6 (QgsField takes QMetaType "
                         f"from QGIS 3.38)")
        if re.search(r"\bint\(\s*Qt\.", code):
            found.append(f"{where}: int() of a Qt flag fails on PyQt6 (enum.Flag)")
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_qt6_ready(path):
    assert findings(path) == []
