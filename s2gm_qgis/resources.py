"""Where the plugin's files live, in a source checkout and in an installed plugin.

In the repository, icons, translations and ``metadata.txt`` sit beside the package
(``resources/``, ``i18n/``, ``metadata.txt`` at the repository root). ``make package`` copies them
into the package (``s2gm_qgis/resources/``, ``s2gm_qgis/i18n/``, ``s2gm_qgis/metadata.txt``), which
is the layout QGIS loads from its profile. The installed copy wins when both exist.

The installed ``resources/`` folder has the same name as this module; Python still imports this
module because a folder without ``__init__.py`` is only a namespace candidate, and a module file
found in the same directory takes precedence over it.

No Qt import here: the command line and the core may use these helpers too.
"""
from __future__ import annotations

import configparser
from functools import lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: Repository root when running from a source checkout (its resources sit beside the package).
SOURCE_ROOT = PACKAGE_DIR.parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.exists():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"s2gm_qgis resource not found; looked in: {tried}")


def resources_dir() -> Path:
    """The folder holding ``icons/`` (installed: ``s2gm_qgis/resources``; source: ``resources``)."""
    return _first_existing(PACKAGE_DIR / "resources", SOURCE_ROOT / "resources")


def icon_path(name: str) -> str:
    """Absolute path of an icon, e.g. ``icon_path("s2gm.svg")``; FileNotFoundError if absent."""
    return str(_first_existing(
        PACKAGE_DIR / "resources" / "icons" / name, SOURCE_ROOT / "resources" / "icons" / name
    ))


def i18n_dir() -> Path:
    """The folder holding the compiled translations ``s2gm_qgis_<locale>.qm``."""
    return _first_existing(PACKAGE_DIR / "i18n", SOURCE_ROOT / "i18n")


def metadata_path() -> Path:
    """The plugin's ``metadata.txt`` (installed copy first, then the repository's)."""
    return _first_existing(PACKAGE_DIR / "metadata.txt", SOURCE_ROOT / "metadata.txt")


@lru_cache(maxsize=1)
def plugin_metadata() -> dict[str, str]:
    """The ``[general]`` section of ``metadata.txt`` as a dict (version, homepage, tracker...)."""
    parser = configparser.ConfigParser(interpolation=None)
    path = metadata_path()
    with open(path, encoding="utf-8") as handle:
        parser.read_file(handle)
    if not parser.has_section("general"):
        raise ValueError(f"{path}: no [general] section")
    return dict(parser.items("general"))
