"""MosaicOrder: validation of every field at once, normalisation, JSON round trip, layers."""
import json
from datetime import date

import numpy as np
import pytest

from s2gm_qgis.core.errors import ValidationError
from s2gm_qgis.core.mosaic.layers import (
    LAYER_NAMES, LAYERS, REFLECTANCE_BANDS, layer, normalise_layer,
)
from s2gm_qgis.core.mosaic.order import MAX_AOI_KM2, MosaicOrder

BBOX = "10.0,45.0,10.2,45.1"


def test_create_normalises_loose_spellings_and_snaps_start():
    order = MosaicOrder.create(
        name="Lake-Garda", aoi=BBOX, period="TENDAYS", start="2023-08-15", resolution_m="R20m",
        crs="UTM", bands="b2,B03,b4,AOT,index,VALID_OBS", format="GEO_TIFF", bit_depth="8",
    )
    assert order.period == "dekad"
    assert order.start == date(2023, 8, 11)
    assert order.end == date(2023, 8, 20)
    assert order.resolution_m == 20
    assert order.bands == ("B02", "B03", "B04", "quality_aot", "source_index", "valid_obs")
    assert order.reflectance_bands == ("B02", "B03", "B04")
    assert (order.format, order.bit_depth, order.crs) == ("gtiff", 8, "utm")
    assert order.interval.letter == "T"


def test_defaults_are_all_layers_gtiff_16_bit_utm_std_scl():
    order = MosaicOrder.create(aoi=BBOX, period="month", start="2023-08-01", resolution_m=10)
    assert order.bands == LAYER_NAMES
    assert (order.name, order.format, order.bit_depth, order.crs) == ("mosaic", "gtiff", 16, "utm")
    assert (order.preference, order.cloud_mask) == ("STD", "scl")


def test_json_round_trip_gives_an_equal_order():
    order = MosaicOrder.create(
        name="x", aoi={"type": "Polygon", "coordinates": [[[10, 45], [10.1, 45], [10.1, 45.1],
                                                            [10, 45]]]},
        period="quarter", start=date(2022, 5, 5), resolution_m=60, crs="wgs84", format="netcdf",
        bands=["B8A", "medoid_mos"],
    )
    text = order.to_json()
    data = json.loads(text)
    assert data["aoi"]["type"] == "MultiPolygon"
    assert data["start"] == "2022-04-01"
    assert MosaicOrder.from_json(text) == order
    assert MosaicOrder.from_dict(order.to_dict()) == order


def test_every_invalid_field_is_reported_at_once():
    with pytest.raises(ValidationError) as info:
        MosaicOrder.create(
            name="my mosaic", aoi="0,0,0,1", period="week", start="2023-13-01", resolution_m=15,
            crs="lambert", bands="B02,B09,NDVI", format="png", bit_depth=12, preference="MAX",
            cloud_mask="s2cloudless", colour="red",
        )
    errors = info.value.errors
    assert set(errors) == {"name", "aoi", "period", "start", "resolution_m", "crs", "bands",
                           "format", "bit_depth", "preference", "cloud_mask", "colour"}
    assert "underscores" in errors["name"]
    assert "B09 and B10" in errors["bands"] and "'NDVI'" in errors["bands"]
    assert "10, 20, 30, 60" in errors["resolution_m"]
    assert "unknown field" in errors["colour"]


def test_required_fields_are_named():
    with pytest.raises(ValidationError) as info:
        MosaicOrder.create(name="a")
    assert set(info.value.errors) == {"aoi", "period", "start", "resolution_m"}


def test_invalid_combinations_are_refused_with_a_reason():
    with pytest.raises(ValidationError) as info:
        MosaicOrder.create(aoi="10,84.2,11,84.5", period="month", start="2023-07-01",
                           resolution_m=60)
    assert "use crs wgs84" in info.value.errors["crs"]
    # the same AOI in WGS84 is fine
    MosaicOrder.create(aoi="10,84.2,11,84.5", period="month", start="2023-07-01",
                       resolution_m=60, crs="wgs84")
    # Above S2GM's review threshold: a valid order (the engine service holds it for approval).
    large = MosaicOrder.create(aoi="-10,30,20,60", period="month", start="2023-07-01",
                               resolution_m=60)
    assert large.aoi.area_km2 > MAX_AOI_KM2
    with pytest.raises(ValidationError) as info:
        MosaicOrder.create(aoi=BBOX, period="year", start="2014-03-01", resolution_m=60)
    assert "first acquisitions" in info.value.errors["start"]


def test_direct_construction_is_validated_too():
    order = MosaicOrder.create(aoi=BBOX, period="month", start="2023-08-01", resolution_m=10)
    with pytest.raises(ValidationError, match="bit_depth"):
        MosaicOrder(order.name, order.aoi, "month", date(2023, 8, 1), 10, bit_depth=32)
    again = MosaicOrder(order.name, order.aoi, "M", date(2023, 8, 9), 10)
    assert again == order


def test_layer_registry_names_aliases_and_kinds():
    assert REFLECTANCE_BANDS == ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A",
                                 "B11", "B12")
    assert len(LAYERS) == 11 + 4 + 4 + 3
    aliases = {layer.alias for layer in LAYERS.values()}
    assert {"AOT", "CLOUD", "SNOW", "SCENE", "INDEX", "MEDOID_MOS", "SUN_ZENITH", "SUN_AZIMUTH",
            "VIEW_ZENITH_MEAN", "VIEW_AZIMUTH_MEAN", "VALID_OBS"} <= aliases
    assert normalise_layer("Quality_AOT") == "quality_aot"
    assert normalise_layer("b8a") == "B8A"
    assert layer("SCENE").is_class and layer("INDEX").is_class and not layer("B02").is_class
    assert layer("SCENE").classes[11] == "SNOW"


def test_reflectance_encodings_follow_the_documented_laws():
    refl = np.array([np.nan, -0.05, 0.0, 0.12344, 0.12346, 1.0, 1.02, 7.0])
    enc16 = LAYERS["B04"].encoding(16)
    codes = enc16.encode(refl)
    assert codes.dtype == np.uint16
    assert codes.tolist() == [0, 1, 1, 1234, 1235, 10000, 10200, 65535]
    enc8 = LAYERS["B04"].encoding(8)
    codes8 = enc8.encode(refl)
    assert codes8.dtype == np.uint8
    # byte = clip(round(reflectance * 250), 1, 255), 0 = no data
    assert codes8.tolist() == [0, 1, 1, 31, 31, 250, 255, 255]
    decoded = enc8.decode(codes8)
    assert np.isnan(decoded[0]) and decoded[5] == pytest.approx(1.0)


@pytest.mark.parametrize("name", LAYER_NAMES)
@pytest.mark.parametrize("bit_depth", (8, 16))
def test_every_encoding_round_trips_within_half_a_step(name, bit_depth):
    enc = LAYERS[name].encoding(bit_depth)
    low = enc.min_code * enc.scale + enc.offset
    high = enc.max_code * enc.scale + enc.offset
    values = np.linspace(low, high, 997)
    values[3] = np.nan
    codes = enc.encode(values)
    assert codes.dtype == np.dtype(enc.dtype)
    back = enc.decode(codes)
    assert np.isnan(back[3]) and codes[3] == enc.nodata
    ok = np.isfinite(values)
    assert not np.any(codes[ok] == enc.nodata)
    assert np.all(np.abs(back[ok] - values[ok]) <= enc.scale / 2 + 1e-6 * max(1, abs(high)))
