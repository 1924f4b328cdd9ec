"""Messages to the user: the QGIS message bar for what needs attention, the QGIS log (tag "S2GM")
for everything, following the QGIS habit of short bar messages and details in the log.

Two ways in:

* ``push_message(iface, text, level)`` from GUI code on the main thread;
* the standard ``logging`` module from anywhere, including the core and QgsTask threads:
  ``logging.getLogger(__name__)`` under ``s2gm_qgis`` reaches ``QgisLogHandler``, which the plugin
  installs while it is loaded. INFO and above go to the log; WARNING and above also to the bar.
  ``extra={"bar": True}`` sends a record to the bar whatever its level (e.g. "mosaic loaded"),
  ``extra={"bar": False}`` keeps it out.

The message bar is a widget, so a record logged from a worker thread reaches it through a queued
signal, on the main thread; QgsMessageLog itself is thread-safe.
"""
from __future__ import annotations

import logging
from typing import Optional

from qgis.core import Qgis, QgsMessageLog
from qgis.PyQt.QtCore import QObject, pyqtSignal

#: The tag of the plugin's tab in the QGIS log panel.
TAG = "S2GM"
#: The logger the plugin's modules log under (``logging.getLogger(__name__)`` in s2gm_qgis.*).
LOGGER_NAME = "s2gm_qgis"

#: Seconds a bar message stays; 0 keeps it until the user closes it.
BAR_DURATION_S = {
    Qgis.MessageLevel.Info: 5,
    Qgis.MessageLevel.Success: 5,
    Qgis.MessageLevel.Warning: 10,
    Qgis.MessageLevel.Critical: 0,
}


def qgis_level(levelno: int) -> Qgis.MessageLevel:
    """The QGIS message level of a ``logging`` level number."""
    if levelno >= logging.ERROR:
        return Qgis.MessageLevel.Critical
    if levelno >= logging.WARNING:
        return Qgis.MessageLevel.Warning
    return Qgis.MessageLevel.Info


def log_message(text: str, level: Qgis.MessageLevel = Qgis.MessageLevel.Info) -> None:
    """Write ``text`` to the QGIS log under the plugin's tag (any thread)."""
    QgsMessageLog.logMessage(text, TAG, level)


def push_message(
    iface,
    text: str,
    level: Qgis.MessageLevel = Qgis.MessageLevel.Info,
    *,
    title: str = TAG,
    details: Optional[str] = None,
    duration_s: Optional[int] = None,
) -> None:
    """Show ``text`` in the QGIS message bar and write it (with ``details``) to the log.

    ``details`` (e.g. a traceback) sits behind the bar's "Show more" button. Main thread only;
    from other threads, log through ``logging`` instead.
    """
    _show_in_bar(iface, title, text, details, level, duration_s)
    log_message(f"{text}\n{details}" if details else text, level)


def _show_in_bar(iface, title, text, details, level, duration_s=None) -> None:
    duration = BAR_DURATION_S.get(level, 5) if duration_s is None else duration_s
    bar = iface.messageBar()
    if details:
        bar.pushMessage(title, text, details, level, duration)
    else:
        bar.pushMessage(title, text, level, duration)


class _MainThreadBridge(QObject):
    """Carries bar messages to the thread this object lives in (the main thread)."""

    message = pyqtSignal(str, str, int)  # text, details, Qgis.MessageLevel as int

    def __init__(self, iface):
        super().__init__()
        self._iface = iface
        self.message.connect(self._push)

    def _push(self, text: str, details: str, level: int) -> None:
        _show_in_bar(self._iface, TAG, text, details, Qgis.MessageLevel(level))


class QgisLogHandler(logging.Handler):
    """A ``logging`` handler writing to the QGIS log and, from ``bar_level`` up, to the bar."""

    def __init__(self, iface, bar_level: int = logging.WARNING):
        super().__init__(logging.INFO)
        self.bar_level = bar_level
        self.setFormatter(logging.Formatter("%(message)s"))
        # Created here, on the main thread, so that its queued slot runs there.
        self._bridge = _MainThreadBridge(iface)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level = qgis_level(record.levelno)
            full_text = self.format(record)
            log_message(full_text, level)
            if getattr(record, "bar", record.levelno >= self.bar_level):
                text = record.getMessage()
                details = full_text[len(text):].strip()
                self._bridge.message.emit(text, details, int(level))
        except Exception:  # noqa: BLE001 (logging must never raise into the caller)
            self.handleError(record)


def install_log_handler(iface, logger_name: str = LOGGER_NAME) -> QgisLogHandler:
    """Attach a ``QgisLogHandler`` to ``logger_name`` and lower it to INFO while attached.

    Undo with ``remove_log_handler``.
    """
    logger = logging.getLogger(logger_name)
    handler = QgisLogHandler(iface)
    handler.previous_logger_level = logger.level
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return handler


def remove_log_handler(handler: QgisLogHandler, logger_name: str = LOGGER_NAME) -> None:
    """Detach ``handler`` and restore the logger's level as it was before installing it."""
    logger = logging.getLogger(logger_name)
    logger.removeHandler(handler)
    logger.setLevel(handler.previous_logger_level)
    handler.close()
