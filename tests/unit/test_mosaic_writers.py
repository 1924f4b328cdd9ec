"""Writers: every format opens in GDAL with the right georeferencing, no-data, band names and
values; outputs appear only when complete; abort leaves nothing."""
import json
import threading

import numpy as np
import pytest
from osgeo import gdal

from s2gm_qgis.core.mosaic.grid import plan_output_grids
from s2gm_qgis.core.mosaic.layers import LAYER_NAMES, LAYERS
from s2gm_qgis.core.mosaic.order import MosaicOrder
from s2gm_qgis.core.mosaic.writers import MosaicWriter, OrderOutput

BANDS = ("B02", "B03", "B04", "quality_scene_classification", "sun_zenith", "view_azimuth_mean",
         "source_index", "valid_obs", "medoid_mos")
SOURCES = [
    {"index": 0, "product_id": "S2A_MSIL2A_20230803T101031_N0509_R022_T32TPR_20230803T150000",
     "sensing_time_utc": "2023-08-03T10:10:31Z", "path": "/archive/a.zip"},
    {"index": 1, "product_id": "S2B_MSIL2A_20230808T101029_N0509_R022_T32TPR_20230808T140000",
     "sensing_time_utc": "2023-08-08T10:10:29Z", "path": "/archive/b.zip"},
]


def make_order(fmt, bit_depth=16, bands=BANDS, crs="utm", bbox="10.60,45.50,11.05,45.80"):
    return MosaicOrder.create(name="Garda", aoi=bbox, period="month", start="2023-08-01",
                              resolution_m=60, crs=crs, format=fmt, bit_depth=bit_depth,
                              bands=bands)


def physical(layer, shape, rng):
    """Plausible physical values for a layer with some NaN (no data)."""
    kind = LAYERS[layer]
    if kind.kind == "reflectance":
        values = rng.uniform(0.0, 0.6, shape)
    elif layer == "quality_scene_classification":
        values = rng.choice([2, 4, 5, 6, 11], shape).astype(float)
    elif layer in ("source_index", "valid_obs"):
        values = rng.integers(0, 2, shape).astype(float)
    elif "azimuth" in layer:
        values = rng.uniform(0, 360, shape)
    elif "zenith" in layer:
        values = rng.uniform(0, 80, shape)
    else:
        values = rng.uniform(0, 0.3, shape)
    values[rng.random(shape) < 0.05] = np.nan
    return values


def write_all(writer, rng, block=(200, 300)):
    grid = writer.grid
    truth = {}
    for layer in writer.order.bands:
        full = physical(layer, grid.shape, rng)
        truth[layer] = full
        for r, c, h, w in grid.blocks(*block):
            writer.write_block(layer, r, c, full[r:r + h, c:c + w])
    return truth


def open_layer(path, layer, fmt):
    name = f'NETCDF:"{path}":{layer}' if fmt == "netcdf" else str(path)
    dataset = gdal.Open(name)
    assert dataset is not None, name
    return dataset


@pytest.mark.parametrize("fmt, bit_depth", [("gtiff", 16), ("cog", 8), ("jp2", 16),
                                            ("netcdf", 8), ("netcdf", 16)])
def test_every_format_opens_with_georeferencing_nodata_names_and_values(tmp_path, fmt, bit_depth):
    order = make_order(fmt, bit_depth)
    (grid,) = plan_output_grids(order)
    assert grid.width > 512  # so the COG gets overviews
    rng = np.random.default_rng(1)
    output = OrderOutput(order, [grid], tmp_path)
    truth = write_all(output.writer(grid), rng)
    result = output.commit({"source_products": SOURCES})
    assert result.folder.name.startswith("S2GM_M60_20230801_20230831_Garda_STD_v")
    assert sorted(p.name for p in tmp_path.iterdir()) == [result.folder.name]
    for layer in order.bands:
        (path,) = result.files[layer]
        assert path.is_file() and path.parent == result.folder
        dataset = open_layer(path, layer, fmt)
        assert dataset.GetGeoTransform() == pytest.approx(grid.geotransform)
        srs = dataset.GetSpatialRef()
        srs.AutoIdentifyEPSG()
        assert srs.GetAuthorityCode(None) == str(grid.epsg)
        assert (dataset.RasterXSize, dataset.RasterYSize) == (grid.width, grid.height)
        band = dataset.GetRasterBand(1)
        encoding = LAYERS[layer].encoding(bit_depth)
        assert band.GetNoDataValue() == encoding.nodata
        assert band.DataType == encoding.gdal_type
        assert (band.GetScale() or 1.0) == pytest.approx(encoding.scale)
        if fmt != "netcdf":  # NetCDF layers are named by their variable (the subdataset)
            assert band.GetDescription() == layer
        codes = band.ReadAsArray()
        assert np.array_equal(codes, encoding.encode(truth[layer])), layer
        if fmt == "cog":
            assert band.GetOverviewCount() >= 1
            assert dataset.GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE") == "COG"
        dataset = None
    metadata = json.loads(result.metadata_paths[0].read_text())
    assert metadata["SourceProductIndices"]["1"]["product_id"].startswith("S2B_MSIL2A_20230808")
    assert metadata["order"] == order.to_dict()
    assert metadata["period"] == {"type": "month", "letter": "M", "start": "2023-08-01",
                                  "end": "2023-08-31"}
    assert metadata["layers"]["B02"]["scale_factor"] == LAYERS["B02"].encoding(bit_depth).scale
    assert metadata["software"]["name"] == "s2gm_qgis"
    (quicklook,) = result.quicklook_paths
    png = gdal.Open(str(quicklook))
    assert png.RasterCount == 4 and max(png.RasterXSize, png.RasterYSize) <= 1024
    alpha = png.GetRasterBand(4).ReadAsArray()
    assert 0 < (alpha == 0).mean() < 0.5
    leftovers = [p.name for p in result.folder.rglob("*") if p.name.startswith(".")
                 or (p.suffix == ".xml" and fmt != "jp2")]
    assert leftovers == []


def test_netcdf_is_cf_with_time_bounds_and_grid_mapping(tmp_path):
    order = make_order("netcdf", 16, bands=("B04", "quality_scene_classification"))
    (grid,) = plan_output_grids(order)
    output = OrderOutput(order, [grid], tmp_path)
    write_all(output.writer(grid), np.random.default_rng(2))
    result = output.commit({})
    path = result.files["B04"][0]
    dataset = gdal.OpenEx(str(path), gdal.OF_MULTIDIM_RASTER)
    root = dataset.GetRootGroup()
    attrs = {a.GetName(): a.Read() for a in root.GetAttributes()}
    assert attrs["Conventions"] == "CF-1.8"
    time = root.OpenMDArray("time")
    assert {a.GetName(): a.Read() for a in time.GetAttributes()}["bounds"] == "time_bnds"
    bounds = root.OpenMDArray("time_bnds").ReadAsArray()
    # 2023-08-01 is day 19570 since 1970-01-01; the period ends before 2023-09-01 (day 19601)
    assert bounds.tolist() == [[19570.0, 19601.0]]
    assert time.ReadAsArray().tolist() == [19585.5]
    b04 = root.OpenMDArray("B04")
    b04_attrs = {a.GetName(): a.Read() for a in b04.GetAttributes()}
    assert b04_attrs["standard_name"] == "surface_bidirectional_reflectance"
    assert b04.GetSpatialRef().GetAuthorityCode(None) == str(grid.epsg)
    classic = gdal.Open(f'NETCDF:"{path}":B04').GetMetadata()
    mapping = classic["B04#grid_mapping"]
    assert classic[f"{mapping}#grid_mapping_name"] == "transverse_mercator"
    assert [d.GetName() for d in b04.GetDimensions()] == ["time", "y", "x"]
    scl_attrs = {a.GetName(): a.Read() for a in root.OpenMDArray(
        "quality_scene_classification").GetAttributes()}
    assert "snow" in scl_attrs["flag_meanings"] and len(scl_attrs["flag_values"]) == 11


@pytest.mark.parametrize("bit_depth", [8, 16])
def test_netcdf_valid_range_attributes_have_the_variable_type(tmp_path, bit_depth):
    """CF 2.5.1: valid_min / valid_max (and flag_values) are of the variable's (packed) type;
    Int32 attributes on a UInt16 or Byte variable fail CF checkers."""
    order = make_order("netcdf", bit_depth, bands=("B04", "quality_aot",
                                                   "quality_scene_classification", "valid_obs"))
    (grid,) = plan_output_grids(order)
    output = OrderOutput(order, [grid], tmp_path)
    write_all(output.writer(grid), np.random.default_rng(4))
    path = output.commit({}).files["B04"][0]
    root = gdal.OpenEx(str(path), gdal.OF_MULTIDIM_RASTER).GetRootGroup()
    for name in order.bands:
        array = root.OpenMDArray(name)
        variable_type = array.GetDataType().GetNumericDataType()
        for attribute in array.GetAttributes():
            if attribute.GetName() in ("valid_min", "valid_max", "flag_values"):
                assert attribute.GetDataType().GetNumericDataType() == variable_type, (
                    name, attribute.GetName())


def test_wgs84_netcdf_uses_lon_lat(tmp_path):
    order = make_order("netcdf", 16, bands=("B02",), crs="wgs84")
    (grid,) = plan_output_grids(order)
    output = OrderOutput(order, [grid], tmp_path)
    write_all(output.writer(grid), np.random.default_rng(3))
    path = output.commit({}).files["B02"][0]
    dataset = gdal.Open(f'NETCDF:"{path}":B02')
    assert dataset.GetGeoTransform() == pytest.approx(grid.geotransform)
    assert dataset.GetSpatialRef().IsGeographic()


def test_unwritten_pixels_are_nodata_and_parallel_writes_work(tmp_path):
    order = make_order("gtiff", 16, bands=("B02", "B03", "valid_obs"))
    (grid,) = plan_output_grids(order)
    writer = MosaicWriter(order, grid, tmp_path / "g")
    ones = np.full((100, 100), 0.5)

    def fill(layer):
        for r, c, h, w in grid.blocks(100, 100):
            if (r // 100 + c // 100) % 2 == 0:
                writer.write_block(layer, r, c, ones[:h, :w])

    threads = [threading.Thread(target=fill, args=(layer,)) for layer in order.bands]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    files = writer.finalize({})
    codes = gdal.Open(str(files["B03"])).ReadAsArray()
    assert codes[0, 0] == 5000 and codes[0, 100] == 0 and codes[100, 100] == 5000


def test_bad_blocks_are_refused_with_the_reason(tmp_path):
    order = make_order("gtiff", 16, bands=("B02",))
    (grid,) = plan_output_grids(order)
    writer = MosaicWriter(order, grid, tmp_path / "g")
    with pytest.raises(ValueError, match="not in the order"):
        writer.write_block("B03", 0, 0, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="falls outside"):
        writer.write_block("B02", grid.height - 1, 0, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="expected \\(rows, cols\\)"):
        writer.write_block("B02", 0, 0, np.zeros(4))
    writer.abort()
    assert not (tmp_path / "g").exists()


@pytest.mark.parametrize("fmt", ["gtiff", "cog", "netcdf"])
def test_abort_leaves_nothing_behind(tmp_path, fmt):
    order = make_order(fmt, 16, bands=("B02", "B03", "B04"))
    (grid,) = plan_output_grids(order)
    output = OrderOutput(order, [grid], tmp_path)
    write_all(output.writer(grid), np.random.default_rng(4))
    output.abort()
    assert list(tmp_path.iterdir()) == []


def test_split_grids_go_to_subfolders_and_all_layers_at_16_bit(tmp_path):
    order = MosaicOrder.create(name="big", aoi="-0.3,44.95,0.3,45.05", period="day",
                               start="2023-08-01", resolution_m=60, format="gtiff",
                               bands=LAYER_NAMES)
    grids = plan_output_grids(order)
    assert len(grids) == 2  # zone 30 / zone 31
    output = OrderOutput(order, grids, tmp_path)
    rng = np.random.default_rng(5)
    for grid in grids:
        write_all(output.writer(grid), rng, block=(512, 512))
    result = output.commit({"source_products": SOURCES})
    assert len(result.metadata_paths) == 2 and len(result.quicklook_paths) == 2
    for layer in LAYER_NAMES:
        assert [p.parent.name for p in result.files[layer]] == [g.name for g in grids]
        assert all(p.is_file() for p in result.files[layer])


@pytest.mark.parametrize("fmt", ["cog", "jp2"])
def test_a_failed_conversion_among_parallel_ones_leaves_nothing_behind(tmp_path, fmt,
                                                                     monkeypatch):
    order = make_order(fmt, 16, bands=("B02", "B03", "B04", "B05", "B06"))
    (grid,) = plan_output_grids(order)
    output = OrderOutput(order, [grid], tmp_path)
    write_all(output.writer(grid), np.random.default_rng(6))
    convert = MosaicWriter._convert

    def failing(self, source, target, layer):
        if layer.name == "B04":
            raise RuntimeError("disk full")
        convert(self, source, target, layer)

    monkeypatch.setattr(MosaicWriter, "_convert", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        output.commit({"source_products": SOURCES})
    assert list(tmp_path.iterdir()) == []
