"""The QGIS side of s2gm_qgis: the plugin class (``plugin.S2gmPlugin``), its preferences,
dialogs, translations and messages, and the feature modules listed in ``plugin.FEATURES``.

Everything here may import QGIS; nothing in ``s2gm_qgis.core`` may import from here.
"""
