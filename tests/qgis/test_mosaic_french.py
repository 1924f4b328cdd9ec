"""The mosaic dock and its algorithm in French when QGIS runs in French."""
from __future__ import annotations

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication

from s2gm_qgis.qgis_support.i18n import install_translator
from s2gm_qgis.gui.mosaic.feature import MosaicFeature
from s2gm_qgis.gui.mosaic.orders_model import period_text
from s2gm_qgis.qgis_support.results import scl_labels
from s2gm_qgis.processing.mosaic import BuildMosaicAlgorithm


def test_dock_and_algorithm_speak_french(qgis_iface, clean_settings, tmp_path):
    clean_settings.setValue("s2gm_qgis/results_folder", str(tmp_path / "results"))
    clean_settings.setValue("s2gm_qgis/cache_folder", str(tmp_path / "cache"))
    translator = install_translator("fr")
    assert translator is not None
    try:
        mosaic = MosaicFeature(qgis_iface)
        try:
            assert mosaic.dock.windowTitle() == "Mosaïques S2GM"
            assert mosaic.dock.order_button.text() == "Commander"
            assert mosaic.dock.polygon_button.text() == "Polygone"
            assert mosaic.dock.area_label.text() == "Pas de zone d'intérêt"
            assert mosaic.dock.options.basic_radio.text() == "Simple"
            assert mosaic.dock.options.period_combo.itemText(1) == "10 jours (décade)"
            mosaic.dock.order_button.click()
            assert mosaic.dock.problem_label.text().startswith(
                "Zone d'intérêt\u00a0: dessinez ou choisissez d'abord une zone d'intérêt")
            headers = [mosaic.orders_model.headerData(i, 1) for i in range(5)]
            assert headers == ["Commande", "État", "Avancement", "Période", "Passée"]
            assert period_text({"period": "month", "start": "2024-06-01",
                                "resolution_m": 20}).startswith("Mois 2024-06-01")
        finally:
            mosaic.teardown()
        assert scl_labels()[4] == "Végétation"
        assert BuildMosaicAlgorithm().displayName() == "Construire une mosaïque S2GM"
    finally:
        QCoreApplication.removeTranslator(translator)
    assert QgsApplication.translate("@default", "Place order") == "Place order"
