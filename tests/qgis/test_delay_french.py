"""The delay inspector speaks French when QGIS does (issue "Delay inspector in QGIS":
everything translatable, French kept complete)."""
from __future__ import annotations

from qgis.core import QgsApplication

from s2gm_qgis.gui.plugin import S2gmPlugin

from .delay_support import move, pixel_of, show_tile, wait_until


def test_actions_dock_and_readout_are_french(qgis_iface, clean_settings, n0301_zip, tmp_path):
    clean_settings.setValue("locale/overrideFlag", True)
    clean_settings.setValue("locale/userLocale", "fr")
    clean_settings.setValue("s2gm_qgis/cache_folder", str(tmp_path))
    plugin = S2gmPlugin(qgis_iface)
    plugin.initGui()
    try:
        feature = plugin.features["delays"]
        names = {a.objectName(): a.text() for a in plugin.menu.actions()}
        assert names["s2gm_qgis_delay_open"] == "Ouvrir un produit L1C…"
        assert names["s2gm_qgis_delay_inspector"] == "Inspecteur de décalages"
        assert names["s2gm_qgis_velocity_probe"] == "Sonde de vitesse"
        dock = feature.dock
        assert dock.windowTitle() == "Décalages entre bandes Sentinel-2"
        assert [dock.tabs.tabText(i) for i in range(3)] == ["Lecture", "Épingles", "Vitesse"]
        assert dock.table.horizontalHeaderItem(6).text() == "Acquis (UTC)"
        algorithm = QgsApplication.processingRegistry().algorithmById("s2gm:delaysatpoints")
        assert algorithm.displayName() == "Détecteur et décalages entre bandes en des points"

        ref = feature.open_product(str(n0301_zip))
        wait_until(lambda: feature.registry.inspector_for(ref) is not None)
        inspector = feature.registry.inspector_for(ref)
        canvas = qgis_iface.mapCanvas()
        show_tile(canvas, inspector.epsg, inspector.product.granule.grids[10].bounds_m)
        canvas.setMapTool(feature.hover_tool)
        move(feature.hover_tool, canvas, pixel_of(canvas, 554880, 8845120))
        detector = dock.detector_label.text()
        assert detector.startswith("6 (") and ("toutes les bandes" in detector or "ailleurs" in detector)
        assert dock.ephemeris_label.text().startswith("H_sat 793916.9 m, V_sol 6710.62 m/s")
        assert "la plus proche du centre de la tuile" in dock.ephemeris_label.text()
        move(feature.hover_tool, canvas, pixel_of(canvas, 502950, 8845120))  # near a seam
        edge_note, seam_note = dock.message_label.text().splitlines()[:2]  # on a pixel corner
        assert edge_note.startswith("Le point est sur le bord commun aux détecteurs 3, 4 : il "
                                    "appartient au détecteur à l'est (ou au sud) du bord")
        assert seam_note.startswith("Près d'une jonction de détecteurs : B01, B03")
        assert "leurs décalages supposent le détecteur 4" in dock.message_label.text()
        move(feature.hover_tool, canvas, pixel_of(canvas, 400000, 8845120))
        assert dock.message_label.text() == "Hors de tout produit Sentinel-2 L1C."
    finally:
        plugin.unload()
