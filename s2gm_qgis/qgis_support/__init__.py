"""The QGIS helpers that are not widgets, shared by the dock features (``s2gm_qgis.gui``) and
the Processing algorithms (``s2gm_qgis.processing``), which never import each other's code:

- :mod:`.aoi`: areas of interest from QGIS geometries, layers, files and WKT;
- :mod:`.results`: a finished mosaic's layers, styled, as one list, and their loading;
- :mod:`.labels`: the translated names of the order's choices;
- :mod:`.settings` and :mod:`.preferences`: everything the plugin remembers, one mechanism;
- :mod:`.secrets`: the service token and S3 keys in the QGIS authentication database;
- :mod:`.remote`: what remote reads need from QGIS (proxy, S3 keys, tile cache);
- :mod:`.i18n`, :mod:`.messages`: translation, the message bar and the log;
- :mod:`.compat`: what differs between the QGIS versions supported.

Everything here may import QGIS; nothing here imports ``s2gm_qgis.gui`` or
``s2gm_qgis.processing``.
"""
