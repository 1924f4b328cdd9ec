"""s2gm_qgis: Sentinel-2 mosaics on demand and inter-band delay inspection for QGIS.

Importing this package imports neither Qt nor QGIS: the command line (``python3 -m s2gm_qgis``)
and the core (``s2gm_qgis.core``) run without a QGIS application. QGIS calls ``classFactory``,
which imports the GUI lazily.
"""
from __future__ import annotations

__version__ = "0.1.0"


def classFactory(iface):  # noqa: N802 (name required by QGIS)
    """Entry point QGIS calls when it loads the plugin."""
    from .gui.plugin import S2gmPlugin

    return S2gmPlugin(iface)
