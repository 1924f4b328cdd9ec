"""Small helpers over xml.etree for Sentinel-2 metadata.

Only the ``n1:`` children of the root are namespaced in Sentinel-2 metadata and the namespace URI
changes between schema versions (psd-13, psd-14, ...): every lookup here matches local names.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Iterator, Optional

from ..bands import spacecraft_code
from ..errors import ProductError


def local(tag: str) -> str:
    """Local name of a tag: '{uri}Name' -> 'Name'."""
    return tag.rsplit("}", 1)[-1]


def parse_xml(data: bytes, path: str, what: str) -> ET.Element:
    """Root element of an XML document; ProductError naming ``path`` when it is empty or broken.

    ``what`` says which metadata file was expected (e.g. "tile metadata MTD_TL.xml").
    """
    if not data.strip():
        raise ProductError(path, f"{what} is empty ({len(data)} bytes)")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise ProductError(path, f"{what} is not well-formed XML ({exc})") from exc


def children(element: ET.Element, name: str) -> Iterator[ET.Element]:
    """Direct children with local name ``name``."""
    for child in element:
        if local(child.tag) == name:
            yield child


def child(element: Optional[ET.Element], name: str) -> Optional[ET.Element]:
    """First direct child with local name ``name``, or None."""
    if element is None:
        return None
    return next(children(element, name), None)


def find(element: Optional[ET.Element], *names: str) -> Optional[ET.Element]:
    """Follow a path of local names through direct children; None if a step is missing."""
    for name in names:
        element = child(element, name)
        if element is None:
            return None
    return element


def iter_named(element: ET.Element, name: str) -> Iterator[ET.Element]:
    """Every descendant (depth first) with local name ``name``."""
    for node in element.iter():
        if local(node.tag) == name:
            yield node


def first_named(element: ET.Element, name: str) -> Optional[ET.Element]:
    return next(iter_named(element, name), None)


def text_of(element: Optional[ET.Element]) -> Optional[str]:
    """Stripped text of an element, None when the element is missing or empty."""
    if element is None or element.text is None:
        return None
    text = element.text.strip()
    return text or None


def first_text(element: ET.Element, name: str) -> Optional[str]:
    """Text of the first descendant named ``name``."""
    return text_of(first_named(element, name))


def parse_utc(text: str, path: str, field: str) -> datetime:
    """ISO 8601 UTC time of the metadata ('2021-07-13T03:21:04.397174Z') as an aware datetime.

    A missing zone means UTC (product and tile metadata always mean UTC). Fractions longer than
    microseconds are truncated.
    """
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1]
    head, dot, fraction = value.partition(".")
    if dot:
        value = f"{head}.{(fraction + '000000')[:6]}"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ProductError(path, f"{field} {text!r} is not an ISO 8601 time") from exc
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def parse_float(text: Optional[str], path: str, field: str) -> float:
    if text is None:
        raise ProductError(path, f"{field} is missing")
    try:
        return float(text)
    except ValueError as exc:
        raise ProductError(path, f"{field} {text!r} is not a number") from exc


def parse_int(text: Optional[str], path: str, field: str) -> int:
    if text is None:
        raise ProductError(path, f"{field} is missing")
    try:
        return int(text)
    except ValueError as exc:
        raise ProductError(path, f"{field} {text!r} is not an integer") from exc


def parse_spacecraft(text: Optional[str], path: str, field: str) -> str:
    """'Sentinel-2A' -> 'S2A'; ProductError naming ``field`` when missing or unknown."""
    if text is None:
        raise ProductError(path, f"{field} is missing")
    try:
        return spacecraft_code(text)
    except ValueError as exc:
        raise ProductError(path, f"SPACECRAFT_NAME: {exc}") from exc
