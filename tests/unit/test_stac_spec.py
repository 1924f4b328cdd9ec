"""STAC source specifications: validation, order round trip, command-line options."""
from __future__ import annotations

import argparse

import pytest

from s2gm_qgis.cli.mosaic import build_order, register
from s2gm_qgis.core.errors import ValidationError
from s2gm_qgis.core.mosaic.order import MosaicOrder
from s2gm_qgis.core.mosaic.sources.spec import CDSE, EARTH_SEARCH, SourceSpec

AOI = "11.0,45.0,11.1,45.1"


def test_known_providers_fill_url_and_collection():
    spec = SourceSpec()
    assert (spec.provider, spec.url, spec.collection) == (
        "earth-search", EARTH_SEARCH.url, "sentinel-2-c1-l2a")
    cdse = SourceSpec(provider="CDSE")
    assert cdse.url == CDSE.url and cdse.collection == "sentinel-2-l2a" and cdse.needs_s3_keys


def test_every_bad_field_is_named():
    with pytest.raises(ValidationError) as info:
        SourceSpec(provider="custom", url="ftp://x", max_cloud_pct=120)
    assert set(info.value.errors) == {"source.url", "source.collection", "source.max_cloud_pct"}
    with pytest.raises(ValidationError, match="source.provider"):
        SourceSpec(provider="planetary")


def test_order_round_trip_with_source_and_read_policy():
    order = MosaicOrder.create(aoi=AOI, period="month", start="2024-06-03", resolution_m=20,
                               source={"type": "stac", "url": "http://127.0.0.1:9/stac",
                                       "collection": "s2", "max_cloud_pct": 40},
                               on_read_error="skip")
    assert order.source == SourceSpec("custom", "http://127.0.0.1:9/stac", "s2", 40.0)
    data = order.to_dict()
    assert data["source"]["provider"] == "custom" and data["on_read_error"] == "skip"
    assert MosaicOrder.from_dict(data) == order


def test_archive_orders_keep_their_canonical_form():
    data = MosaicOrder.create(aoi=AOI, period="month", start="2024-06-03",
                              resolution_m=20).to_dict()
    assert "source" not in data and "on_read_error" not in data


def test_bad_source_in_an_order_is_reported_with_the_other_fields():
    with pytest.raises(ValidationError) as info:
        MosaicOrder.create(aoi=AOI, period="month", start="2024-06-03", resolution_m=25,
                           source={"type": "archive", "folders": ["/"]}, on_read_error="retry")
    assert {"resolution_m", "source.type", "on_read_error"} <= set(info.value.errors)


def _args(*argv):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    return parser.parse_args(["mosaic", *argv])


def test_command_line_stac_options():
    args = _args("--stac", "earth-search", "--max-cloud", "30", "--aoi", AOI, "--period",
                 "month", "--start", "2024-06-01", "--resolution", "20", "--out", "/tmp/x",
                 "--on-read-error", "skip")
    order = build_order(args)
    assert order.source == SourceSpec("earth-search", max_cloud_pct=30)
    assert order.on_read_error == "skip"
    args = _args("--stac", "http://127.0.0.1:1/api", "--collection", "c", "--aoi", AOI,
                 "--period", "month", "--start", "2024-06-01", "--resolution", "20",
                 "--out", "/tmp/x")
    assert build_order(args).source.url == "http://127.0.0.1:1/api"


def test_command_line_names_the_bad_stac_options():
    args = _args("--stac", "ftp://h", "--max-cloud", "-3", "--aoi", AOI, "--period", "month",
                 "--start", "2024-06-01", "--resolution", "20", "--out", "/tmp/x")
    with pytest.raises(ValidationError) as info:
        build_order(args)
    assert {"--stac", "--collection", "--max-cloud"} <= set(info.value.errors)
    args = _args("--archive", "/tmp", "--collection", "x", "--aoi", AOI, "--period", "month",
                 "--start", "2024-06-01", "--resolution", "20", "--out", "/tmp/x")
    with pytest.raises(ValidationError, match="--collection: only with --stac"):
        build_order(args)
