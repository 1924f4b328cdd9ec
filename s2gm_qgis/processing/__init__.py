"""Processing algorithms of s2gm_qgis: thin QGIS adapters over ``s2gm_qgis.core``.

The provider (``provider.S2gmProvider``, id ``s2gm``) is registered by the plugin's
``initProcessing()``; its algorithms are listed in ``provider.ALGORITHM_FACTORIES``.
"""
