"""The plugin in the QGIS desktop: the plugin class (``plugin.S2gmPlugin``), its settings and
about dialogs, and the feature packages listed in ``plugin.FEATURES`` (each a controller and a
dock that only shows).

Everything here may import QGIS and ``s2gm_qgis.qgis_support`` (the QGIS helpers it shares with
Processing); nothing in ``s2gm_qgis.core``, ``qgis_support`` or ``processing`` imports from here.
"""
