"""Small helpers to write SAFE metadata with ElementTree: only the root's children carry the
``n1:`` prefix (as on real products); everything below is un-namespaced."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Optional

import numpy as np

XSI = "http://www.w3.org/2001/XMLSchema-instance"


def root(tag: str, namespace: str) -> ET.Element:
    ET.register_namespace("n1", namespace)
    ET.register_namespace("xsi", XSI)
    element = ET.Element(f"{{{namespace}}}{tag}")
    element.set(f"{{{XSI}}}schemaLocation", namespace)
    return element


def n1(parent: ET.Element, tag: str, namespace: str, **attrs) -> ET.Element:
    return ET.SubElement(parent, f"{{{namespace}}}{tag}", {k: str(v) for k, v in attrs.items()})


def sub(parent: ET.Element, tag: str, text: Optional[object] = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.rstrip("_"): str(v) for k, v in attrs.items()})
    if text is not None:
        element.text = str(text)
    return element


def write(element: ET.Element, path: Path) -> None:
    ET.indent(element, space="  ")
    tree = ET.ElementTree(element)
    with open(path, "wb") as handle:
        handle.write(b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n')
        tree.write(handle, encoding="utf-8", xml_declaration=False)


def utc_text(when: datetime, digits: int = 3) -> str:
    """'2024-06-12T10:36:29.024Z' (UTC, ``digits`` decimals)."""
    when = when.astimezone(timezone.utc)
    base = when.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        base += f".{when.microsecond:06d}"[: digits + 1]
    return base + "Z"


def values_rows(parent: ET.Element, grid: np.ndarray) -> None:
    """``Values_List/VALUES`` rows as real files print them (NaN spelled 'NaN')."""
    values = sub(parent, "Values_List")
    for row in grid:
        sub(values, "VALUES", " ".join("NaN" if np.isnan(v) else f"{v:.6g}" for v in row))


def pos_list(points: Iterable[tuple[float, float]]) -> str:
    return " ".join(f"{a!r} {b!r}" for a, b in points)
