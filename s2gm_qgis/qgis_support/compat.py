"""What differs between the QGIS versions the plugin supports (3.22 on Qt5 to QGIS 4 on Qt6), and
between the versions of the libraries QGIS ships with (pyproj). Each name here is chosen by what
the API offers, never by version number where the API itself can be asked."""
from __future__ import annotations

import threading

from qgis.core import Qgis, QgsMapLayerProxyModel, QgsRasterBandStats

try:  # Qt6 moved QAction (and QActionGroup) from QtWidgets to QtGui; qgis.PyQt follows Qt.
    from qgis.PyQt.QtGui import QAction
except ImportError:
    from qgis.PyQt.QtWidgets import QAction  # Qt5 only

__all__ = ["BAND_STATISTIC", "FIELD_TYPES", "LAYER_FILTER", "LAYER_FILTERS", "QAction", "keep_pyproj_context"]

# QgsField takes a QMetaType type from QGIS 3.38 on; Qt6 builds (QGIS 4) have no QVariant.Type.
if Qgis.QGIS_VERSION_INT >= 33800:
    from qgis.PyQt.QtCore import QMetaType

    #: Python type -> the field type QgsField expects on this QGIS.
    FIELD_TYPES = {str: QMetaType.Type.QString, int: QMetaType.Type.Int,
                   float: QMetaType.Type.Double}
else:
    from qgis.PyQt.QtCore import QVariant  # Qt5 only (QGIS < 3.38)

    FIELD_TYPES = {str: QVariant.String, int: QVariant.Int, float: QVariant.Double}  # Qt5 only

#: The layer filters of QgsMapLayerComboBox.setFilters: Qgis.LayerFilter(s) from QGIS 3.34 on
#: (QgsMapLayerProxyModel's own enum before). Pass ``LAYER_FILTERS(a | b)``: from 3.34 on, ``a | b``
#: alone is an int, which the bindings give to the deprecated int overload of setFilters.
LAYER_FILTER = getattr(Qgis, "LayerFilter", None) or QgsMapLayerProxyModel.Filter
LAYER_FILTERS = getattr(Qgis, "LayerFilters", None) or QgsMapLayerProxyModel.Filters

#: The statistics asked of QgsRasterInterface.bandStatistics: Qgis.RasterBandStatistic from QGIS
#: 3.36 on (QgsRasterBandStats.Stats, its old name, is an alias there). QGIS 3.40 and 3.44 still
#: report the call as deprecated: their bindings match any such value to the int overload first
#: (checked: the enum, its flags class, keywords); only the default (all statistics) avoids it,
#: at about three times the cost (0.31 s instead of 0.12 s for 30 million pixels).
BAND_STATISTIC = getattr(Qgis, "RasterBandStatistic", None) or QgsRasterBandStats.Stats

#: The pyproj context of each QgsTask worker thread, kept alive (see keep_pyproj_context).
_pyproj_contexts: dict[int, object] = {}
_pyproj_lock = threading.Lock()


def keep_pyproj_context() -> None:
    """Call first in every ``QgsTask.run`` (and ``processAlgorithm``) that reaches pyproj.

    pyproj 3.7 keeps one PROJ context per thread: a pointer in the OS thread's storage, freed
    with the Python thread-local object that owns it. A QgsTask runs on a QThreadPool thread that
    Python did not create, so each run gets a new Python thread state that ends with the run,
    taking the owner (and the context) with it while the pointer stays: the next task on that
    pooled thread then uses a freed context and QGIS crashes (pyproj issues #1509 and #1541;
    seen with Debian trixie's pyproj 3.7.1 under QGIS 3.40; pyproj 3.8.0, in forky, keeps the
    context in the thread-local object alone).
    ``pyproj.set_use_global_context`` is no remedy: pyproj 3.7 made it a no-op.

    This makes the calling thread's context now and keeps its owner for the life of the thread,
    so the pointer never dangles. With pyproj before 3.7 (one context per object) or from 3.8
    on (no such pointer) it does no harm: at most one small context per worker thread.
    """
    try:
        from pyproj import _context
        from pyproj.datadir import get_user_data_dir
    except ImportError:
        return
    get_manager = getattr(_context, "get_context_manager", None)
    if get_manager is None:  # pyproj < 3.7: no per-thread context to keep
        return
    get_user_data_dir()  # makes this thread's context if it has none yet
    manager = get_manager()
    if manager is not None:  # made now, by this call: keep it
        with _pyproj_lock:
            _pyproj_contexts[threading.get_native_id()] = manager
