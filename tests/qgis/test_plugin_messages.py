"""Messages: the message bar and the QGIS log under the tag S2GM, fed directly or through the
``logging`` module, also from worker threads (issue: foundation)."""
from __future__ import annotations

import logging
import threading

import pytest
from qgis.core import Qgis, QgsApplication

from s2gm_qgis.qgis_support.messages import TAG, push_message

from .conftest import process_deferred_deletes


@pytest.fixture
def qgis_log():
    """(tag, level, text) of every message written to the QGIS log during the test."""
    received = []

    def record(text, tag, level):
        received.append((tag, level, text))

    log = QgsApplication.messageLog()
    log.messageReceived.connect(record)
    yield received
    log.messageReceived.disconnect(record)


@pytest.fixture
def bar(qgis_iface):
    qgis_iface.messageBar().clear_messages()
    return qgis_iface.messageBar()


def test_push_message_goes_to_the_bar_and_the_log(qgis_iface, bar, qgis_log):
    push_message(qgis_iface, "Mosaic loaded", Qgis.MessageLevel.Success)
    push_message(qgis_iface, "Service down", Qgis.MessageLevel.Critical, details="refused")
    assert bar.get_messages(Qgis.MessageLevel.Success) == ["S2GM:Mosaic loaded"]
    assert bar.get_messages(Qgis.MessageLevel.Critical) == ["S2GM:Service down"]
    assert (TAG, Qgis.MessageLevel.Success, "Mosaic loaded") in qgis_log
    assert (TAG, Qgis.MessageLevel.Critical, "Service down\nrefused") in qgis_log


def test_logging_reaches_qgis_while_the_plugin_is_loaded(started_plugin, bar, qgis_log):
    logger = logging.getLogger("s2gm_qgis.core.orders.client")
    logger.info("order 12 queued")
    logger.warning("product %s skipped: no SCL", "T31TCJ")
    logger.info("mosaic written", extra={"bar": True})
    logger.error("not shown in the bar", extra={"bar": False})
    process_deferred_deletes()
    assert bar.get_messages(Qgis.MessageLevel.Info) == ["S2GM:mosaic written"]
    assert bar.get_messages(Qgis.MessageLevel.Warning) == ["S2GM:product T31TCJ skipped: no SCL"]
    assert bar.get_messages(Qgis.MessageLevel.Critical) == []
    assert (TAG, Qgis.MessageLevel.Info, "order 12 queued") in qgis_log
    assert (TAG, Qgis.MessageLevel.Critical, "not shown in the bar") in qgis_log


def test_an_exception_shows_its_message_and_logs_its_traceback(started_plugin, bar, qgis_log):
    try:
        raise ValueError("bad MTD_DS.xml")
    except ValueError:
        logging.getLogger("s2gm_qgis.gui").exception("cannot read the datastrip")
    process_deferred_deletes()
    assert bar.get_messages(Qgis.MessageLevel.Critical) == ["S2GM:cannot read the datastrip"]
    logged = [text for tag, _level, text in qgis_log if tag == TAG][-1]
    assert logged.startswith("cannot read the datastrip") and "ValueError: bad MTD_DS.xml" in logged


def test_a_worker_thread_reaches_the_bar_through_the_main_thread(started_plugin, bar):
    worker = threading.Thread(
        target=logging.getLogger("s2gm_qgis.core.mosaic").warning, args=("tile T31TCJ empty",)
    )
    worker.start()
    worker.join()
    assert bar.get_messages(Qgis.MessageLevel.Warning) == []  # queued, not pushed from the thread
    process_deferred_deletes()
    assert bar.get_messages(Qgis.MessageLevel.Warning) == ["S2GM:tile T31TCJ empty"]


def test_after_unload_logging_no_longer_reaches_the_bar(qgis_iface, bar, clean_settings):
    from s2gm_qgis.gui.plugin import S2gmPlugin

    logger = logging.getLogger("s2gm_qgis")
    level_before = logger.level
    plugin = S2gmPlugin(qgis_iface)
    plugin.initGui()
    plugin.unload()
    logging.getLogger("s2gm_qgis.core").warning("after unload")
    process_deferred_deletes()
    assert bar.get_messages(Qgis.MessageLevel.Warning) == []
    assert logger.level == level_before
