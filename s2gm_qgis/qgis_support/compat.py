"""What differs between the QGIS versions the plugin supports (3.22 on Qt5 to QGIS 4 on Qt6)."""
from __future__ import annotations

from qgis.core import Qgis

# QgsField takes a QMetaType type from QGIS 3.38 on; Qt6 builds (QGIS 4) have no QVariant.Type.
if Qgis.QGIS_VERSION_INT >= 33800:
    from qgis.PyQt.QtCore import QMetaType

    #: Python type -> the field type QgsField expects on this QGIS.
    FIELD_TYPES = {str: QMetaType.Type.QString, int: QMetaType.Type.Int,
                   float: QMetaType.Type.Double}
else:
    from qgis.PyQt.QtCore import QVariant

    FIELD_TYPES = {str: QVariant.String, int: QVariant.Int, float: QVariant.Double}
