"""The data source of the mosaic dock, the settings and Processing in real QGIS, against real
servers on 127.0.0.1: stac-fastapi-pgstac (POST /search with paging) and nginx serving the
synthetic products' COGs with Range requests, read by GDAL over /vsicurl/.

Choosing the source, testing the connection and finding the scenes before the order (in
QgsTasks), an order from the catalogue with no archive folder at all, the CDSE S3 keys in the
QGIS authentication database, the QGIS proxy handed to remote reads, the product type /
cloud mask / preference of the options, and the Processing algorithm with a STAC source."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from qgis.core import QgsCoordinateReferenceSystem, QgsNetworkAccessManager, QgsSettings
from qgis.PyQt.QtNetwork import QNetworkProxy

from s2gm_qgis.core.mosaic.sources import network
from s2gm_qgis.core.mosaic.sources.spec import SourceSpec
from s2gm_qgis.core.orders import runner as runner_module
from s2gm_qgis.core.orders.datadir import results_dir
from s2gm_qgis.core.orders.store import OrderStore
from s2gm_qgis.qgis_support import aoi as aoi_sources
from s2gm_qgis.gui.mosaic.options import ADVANCED
from s2gm_qgis.qgis_support.results import find_order_group
from s2gm_qgis.qgis_support.remote import prepare_remote_reads
from s2gm_qgis.qgis_support.preferences import Preferences

from tests.servers.fixtures import *  # noqa: F401,F403 (the real servers)
from tests.synthetic.stac import publish

from .conftest import run_in_fresh_qgis
from .test_mosaic_dock import (  # noqa: F401 (fixtures)
    UTM32N, mosaic_factory, polygon_inside_tile, set_june_order, synthetic_archive, wait_for,
    wait_for_placed,
)


def _collection(cid: str) -> dict:
    return {"type": "Collection", "stac_version": "1.0.0", "id": cid, "license": "proprietary",
            "description": "synthetic Sentinel-2 L2A", "links": [],
            "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]},
                       "temporal": {"interval": [["2015-06-23T00:00:00Z", None]]}}}


@pytest.fixture
def catalogue(synthetic_archive, stac_api, stac_collection_id, asset_dir, asset_server):
    """The five synthetic products of the dock tests, published as Earth Search items."""
    items = publish(sorted(synthetic_archive.glob("*.SAFE")), asset_dir, asset_server.url,
                    "earth-search")
    stac_api.add_collection(_collection(stac_collection_id))
    for item in items:
        item["collection"] = stac_collection_id
    stac_api.add_items(items)
    return stac_api.url, stac_collection_id


def _aoi_inside(mosaic) -> None:
    corners = polygon_inside_tile()
    wkt = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in corners + corners[:1]) + "))"
    mosaic.set_aoi(aoi_sources.aoi_from_wkt_text(wkt, QgsCoordinateReferenceSystem(UTM32N)))


def _choose_custom(mosaic, url: str, collection: str) -> None:
    mosaic.dock.source_combo.setCurrentIndex(mosaic.dock.source_combo.findData("custom"))
    mosaic.dock.source_combo.activated.emit(mosaic.dock.source_combo.currentIndex())
    mosaic.dock.stac_url_edit.setText(url)
    mosaic.dock.stac_url_edit.editingFinished.emit()
    mosaic.dock.collection_combo.setEditText(collection)
    mosaic.dock.collection_combo.lineEdit().editingFinished.emit()


def _status(mosaic) -> str:
    return mosaic.dock.source_status_label.text()


def test_source_choice_is_a_saved_preference_and_shapes_the_widgets(mosaic_factory, tmp_path):
    mosaic = mosaic_factory()
    assert mosaic.dock.source_combo.currentData() == "local"
    assert mosaic.dock.collection_combo.isHidden() and mosaic.dock.test_connection_button.isHidden()

    mosaic.dock.source_combo.setCurrentIndex(mosaic.dock.source_combo.findData("earth-search"))
    mosaic.dock.source_combo.activated.emit(mosaic.dock.source_combo.currentIndex())
    assert Preferences.load().data_source == "earth-search"
    assert mosaic.dock.collection_combo.currentText() == "sentinel-2-c1-l2a"
    collections = mosaic.dock.collection_combo
    assert [collections.itemText(i) for i in range(collections.count())] == [
        "sentinel-2-c1-l2a", "sentinel-2-l2a"]
    assert not mosaic.dock.collection_combo.isHidden() and mosaic.dock.stac_url_edit.isHidden()
    assert "Earth Search" in mosaic.dock.engine_label.text()

    # A custom API without an address: the order names the field, nothing is placed.
    mosaic.dock.source_combo.setCurrentIndex(mosaic.dock.source_combo.findData("custom"))
    mosaic.dock.source_combo.activated.emit(mosaic.dock.source_combo.currentIndex())
    assert not mosaic.dock.stac_url_edit.isHidden()
    _aoi_inside(mosaic)
    set_june_order(mosaic, "nourl")
    mosaic.dock.order_button.click()
    assert mosaic.dock.problem_label.isVisible()
    assert "STAC API address" in mosaic.dock.problem_label.text()

    _choose_custom(mosaic, "http://127.0.0.1:9/stac", "my-l2a")
    mosaic.dock.max_cloud_spin.setValue(40)
    mosaic.dock.max_cloud_spin.editingFinished.emit()
    mosaic.dock.skip_unreadable_check.setChecked(True)
    prefs = Preferences.load()
    assert (prefs.data_source, prefs.stac_url, prefs.stac_collection, prefs.max_cloud_pct,
            prefs.on_read_error) == ("custom", "http://127.0.0.1:9/stac", "my-l2a", 40, "skip")
    order = mosaic.build_order()
    assert order.source == SourceSpec("custom", "http://127.0.0.1:9/stac", "my-l2a", 40.0)
    assert order.on_read_error == "skip"

    # A new dock (next QGIS session) shows the same choice.
    again = mosaic_factory(data_source="custom", stac_url="http://127.0.0.1:9/stac",
                         stac_collection="my-l2a", max_cloud_pct=40, on_read_error="skip")
    assert again.dock.source_combo.currentData() == "custom"
    assert again.dock.stac_url_edit.text() == "http://127.0.0.1:9/stac"
    assert again.dock.collection_combo.currentText() == "my-l2a"
    assert again.dock.max_cloud_spin.value() == 40 and again.dock.skip_unreadable_check.isChecked()


def test_test_connection_and_find_scenes_before_ordering(mosaic_factory, catalogue, stac_api):
    url, collection = catalogue
    mosaic = mosaic_factory()
    _choose_custom(mosaic, url, collection)

    mosaic.dock.test_connection_button.click()
    assert not mosaic.dock.test_connection_button.isEnabled()  # one query at a time, in a task
    wait_for(lambda: mosaic.query_task is None, 60, "the connection test")
    assert "Connected to" in _status(mosaic) and collection in _status(mosaic), _status(mosaic)

    _aoi_inside(mosaic)
    set_june_order(mosaic, "preview")
    mosaic.dock.find_scenes_button.click()
    wait_for(lambda: mosaic.query_task is None, 60, "the scenes query")
    text = _status(mosaic)
    assert text.startswith("5 scene(s) found on tile(s) 32TQM"), text
    for day in ("2024-06-03", "2024-06-08", "2024-06-13", "2024-06-18", "2024-06-23"):
        assert day in text

    # Another month: none.
    mosaic.dock.options.set_start(date(2024, 8, 1))
    mosaic.dock.find_scenes_button.click()
    wait_for(lambda: mosaic.query_task is None, 60, "the empty scenes query")
    assert _status(mosaic) == "No scene found for this area and period"

    # A collection the API does not have, then an address nothing answers on: said plainly.
    _choose_custom(mosaic, url, "no-such-collection")
    mosaic.dock.test_connection_button.click()
    wait_for(lambda: mosaic.query_task is None, 60, "the second connection test")
    assert "no collection no-such-collection" in _status(mosaic), _status(mosaic)
    _choose_custom(mosaic, "http://127.0.0.1:9/stac", collection)
    mosaic.dock.test_connection_button.click()
    wait_for(lambda: mosaic.query_task is None, 120, "the failed connection test")
    assert "127.0.0.1:9" in _status(mosaic), _status(mosaic)
    assert mosaic.dock.test_connection_button.isEnabled()


def test_find_scenes_of_the_local_archive(mosaic_factory, synthetic_archive):
    mosaic = mosaic_factory(archive_folders=(str(synthetic_archive),))
    _aoi_inside(mosaic)
    set_june_order(mosaic, "local")
    mosaic.dock.find_scenes_button.click()
    wait_for(lambda: mosaic.query_task is None, 120, "the archive query")
    assert _status(mosaic).startswith("5 scene(s) found on tile(s) 32TQM"), _status(mosaic)


def test_order_from_a_stac_catalogue_with_no_local_archive(mosaic_factory, catalogue, tmp_path,
                                                          monkeypatch):
    """Nothing on disk: the embedded engine reads the windows over HTTP, the result loads, its
    metadata names the catalogue, and the orders list told reading from compositing."""
    url, collection = catalogue
    mosaic = mosaic_factory()
    _choose_custom(mosaic, url, collection)
    _aoi_inside(mosaic)
    set_june_order(mosaic, "fromstac", resolution_m=60)
    # What the orders list shows as the order's progress message: every report, written.
    messages = []
    real_report = OrderStore.report_progress
    monkeypatch.setattr(runner_module, "PROGRESS_WRITE_INTERVAL_S", 0.0)
    monkeypatch.setattr(OrderStore, "report_progress", lambda self, oid, fraction, message="":
                        (messages.append(message), real_report(self, oid, fraction, message))[1])
    mosaic.dock.order_button.click()
    wait_for_placed(mosaic)
    wait_for(lambda: mosaic.orders_model.rowCount() == 1, 30, "the order to be listed")
    order_id = mosaic.orders_model.order(0).id
    wait_for(lambda: find_order_group(order_id) is not None, 300, "the result to be loaded")
    order = mosaic.orders_model.order(0)
    assert order.state == "finished", order
    metadata = next(results_dir(tmp_path / "results", order_id).rglob("*metadata*.json"))
    meta = json.loads(metadata.read_text())
    assert meta["source"]["url"] == url
    assert len(meta["source_products"]) == 5
    assert any(m.startswith("searching") for m in messages), messages
    assert any("reading" in m and "compositing" in m for m in messages), messages


def test_the_qgis_proxy_reaches_remote_reads(clean_settings):
    manager = QgsNetworkAccessManager.instance()
    previous = manager.fallbackProxy()
    try:
        manager.setFallbackProxyAndExcludes(
            QNetworkProxy(QNetworkProxy.ProxyType.HttpProxy, "proxy.example", 3128), [], [])
        spec = SourceSpec("earth-search")
        assert prepare_remote_reads(Preferences(), spec) == []
        assert network.proxies() == {"http": "http://proxy.example:3128",
                                     "https": "http://proxy.example:3128"}
        assert network.gdal_options()["GDAL_HTTP_PROXY"] == "http://proxy.example:3128"
    finally:
        manager.setFallbackProxyAndExcludes(previous, [], [])
        network.set_proxies(None)


def test_cdse_without_keys_is_refused_before_ordering(mosaic_factory):
    mosaic = mosaic_factory(data_source="cdse")
    _aoi_inside(mosaic)
    set_june_order(mosaic, "nokeys")
    mosaic.dock.order_button.click()
    assert mosaic.dock.problem_label.isVisible()
    assert "S3 keys" in mosaic.dock.problem_label.text()
    assert mosaic.orders_model.rowCount() == 0


def test_options_product_cloud_mask_and_preference(mosaic_factory):
    mosaic = mosaic_factory()
    options = mosaic.dock.options
    options.set_mode(ADVANCED)
    options.preference_combo.setCurrentIndex(options.preference_combo.findData("VEG"))
    fields = options.order_fields()
    assert (fields["product"], fields["cloud_mask"], fields["preference"]) == (
        "temporal", "scl", "VEG")

    options.product_combo.setCurrentIndex(options.product_combo.findData("brightearth"))
    assert not options.cloud_mask_combo.isEnabled() and not options.preference_combo.isEnabled()
    fields = options.order_fields()
    assert (fields["product"], fields["cloud_mask"], fields["preference"]) == (
        "brightearth", "brightearth", "STD")
    assert set(fields["bands"]) <= {"B02", "B03", "B04", "source_index", "valid_obs"}
    assert {"B02", "B03", "B04"} <= set(fields["bands"])
    _aoi_inside(mosaic)
    set_june_order(mosaic, "bright")
    options.product_combo.setCurrentIndex(options.product_combo.findData("brightearth"))
    assert mosaic.build_order().product == "brightearth"

    options.product_combo.setCurrentIndex(options.product_combo.findData("temporal"))
    options.cloud_mask_combo.setCurrentIndex(options.cloud_mask_combo.findData("brightearth"))
    assert options.order_fields()["cloud_mask"] == "brightearth"
    state = options.state()
    assert (state["product"], state["cloud_mask"]) == ("temporal", "brightearth")


def test_processing_builds_a_mosaic_from_a_stac_source(catalogue, provider, tmp_path):
    import processing

    url, collection = catalogue
    corners = polygon_inside_tile()
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    result = processing.run("s2gm:buildmosaic", {
        "EXTENT": f"{min(xs)},{max(xs)},{min(ys)},{max(ys)} [{UTM32N}]", "PERIOD": 2,
        "START": "2024-06-10", "RESOLUTION": 3, "NAME": "stacalg", "SOURCE": 3,
        "STAC_URL": url, "COLLECTION": collection, "PREFERENCE": 1, "LOAD": False,
        "OUTPUT": str(tmp_path / "out")})
    folder = Path(result["MOSAIC_FOLDER"])
    assert "_stacalg_VEG_" in folder.name, folder
    meta = json.loads(next(folder.rglob("*metadata*.json")).read_text())
    assert meta["source"]["url"] == url and len(meta["source_products"]) == 5


@pytest.mark.slow
def test_cdse_s3_keys_live_in_the_qgis_authentication_database(tmp_path):
    """Typed in the settings, stored through QgsAuthManager, only its id in the settings file;
    handed to the core's in-memory store for /vsis3/; then forgotten. Own QGIS process, so that
    the session's authentication database is untouched."""
    result = run_in_fresh_qgis(
        """
        from qgis.core import QgsSettings
        from s2gm_qgis.core.mosaic.sources import network
        from s2gm_qgis.core.mosaic.sources.spec import CDSE, SourceSpec
        from s2gm_qgis.qgis_support.remote import prepare_remote_reads
        from s2gm_qgis.qgis_support.preferences import Preferences
        from s2gm_qgis.qgis_support.secrets import s3_keys
        from s2gm_qgis.gui.settings_dialog import SettingsDialog
        assert QgsApplication.authManager().setMasterPassword("master-pw", True)

        dialog = SettingsDialog(Preferences.load())
        dialog.s3_key_edit.setText("AKIDEXAMPLE")
        dialog.accept()
        assert dialog.saved_preferences is None, "one key alone was accepted"
        assert "CDSE S3 keys:" in dialog.problem_label.text()
        dialog.s3_secret_edit.setText("s3cret-key")
        dialog.accept()
        prefs = Preferences.load()
        assert prefs.s3_auth_config_id, "no auth config id saved"
        assert s3_keys(prefs.s3_auth_config_id) == ("AKIDEXAMPLE", "s3cret-key")
        settings_file = open(QgsSettings().fileName()).read()
        assert "s3cret-key" not in settings_file and "AKIDEXAMPLE" not in settings_file
        assert prefs.s3_auth_config_id in settings_file

        assert prepare_remote_reads(prefs, SourceSpec("cdse")) == []
        keys = network.s3_credentials(CDSE.s3_endpoint)
        assert (keys.access_key_id, keys.secret_access_key) == ("AKIDEXAMPLE", "s3cret-key")
        assert "s3cret" not in repr(keys)
        options = network.gdal_options(CDSE.s3_endpoint)
        assert options["AWS_SECRET_ACCESS_KEY"] == "s3cret-key"

        dialog = SettingsDialog(Preferences.load())
        assert dialog.forget_s3_button.isEnabled()
        dialog.forget_s3_button.click()
        dialog.accept()
        assert Preferences.load().s3_auth_config_id == ""
        assert prefs.s3_auth_config_id not in QgsApplication.authManager().configIds()
        warnings = prepare_remote_reads(Preferences.load(), SourceSpec("cdse"))
        assert warnings and "S3 keys" in warnings[0], warnings
        print("s3 keys ok")
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "s3 keys ok" in result.stdout


def test_processing_point_time_series_from_a_stac_source(catalogue, provider, tmp_path,
                                                         synthetic_archive):
    """Points -> table from the catalogue: the rows equal those from the local archive."""
    import processing
    from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer

    url, collection = catalogue
    layer = QgsVectorLayer(f"Point?crs={UTM32N}&field=name:string", "points", "memory")
    feature = QgsFeature(layer.fields())
    x, y = polygon_inside_tile()[0]
    feature.setGeometry(QgsGeometry.fromWkt(f"POINT({x + 100} {y - 100})"))
    feature["name"] = "p1"
    layer.dataProvider().addFeatures([feature])
    common = {"INPUT": layer, "ID_FIELD": "name", "START": "2024-06-01", "END": "2024-06-30",
              "RESOLUTION": 1, "WINDOW": 0}

    def rows(**extra):
        result = processing.run("s2gm:pointtimeseries", {**common, **extra,
                                                         "OUTPUT": "memory:"})
        table = result["OUTPUT"]
        names = [f.name() for f in table.fields()]
        return [dict(zip(names, f.attributes())) for f in table.getFeatures()]

    remote = rows(SOURCE=3, STAC_URL=url, COLLECTION=collection)
    local = rows(ARCHIVE=str(synthetic_archive))
    assert len(remote) == 5 and [r["point_id"] for r in remote] == ["p1"] * 5
    for a, b in zip(remote, local):
        assert {k: v for k, v in a.items() if k != "product_id"} == \
            {k: v for k, v in b.items() if k != "product_id"}
