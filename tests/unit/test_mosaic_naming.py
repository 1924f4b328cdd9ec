"""S2GM folder and file names, order numbers, staging folders."""
import os
import stat

import pytest

from s2gm_qgis import __version__
from s2gm_qgis.core.errors import S2GMError
from s2gm_qgis.core.mosaic.atomic import StagedFolder
from s2gm_qgis.core.mosaic.naming import (
    layer_file_name, metadata_file_name, netcdf_file_name, next_order_number, order_folder_name,
    parse_folder_name, product_code, quicklook_file_name,
)
from s2gm_qgis.core.mosaic.order import MosaicOrder


def make(**kw):
    base = dict(name="Lake-Garda", aoi="10.6,45.5,10.8,45.8", period="dekad", start="2023-08-25",
                resolution_m=20)
    base.update(kw)
    return MosaicOrder.create(**base)


def test_folder_and_file_names_follow_s2gm():
    order = make()
    assert product_code(order) == "T20"
    folder = order_folder_name(order, 7)
    assert folder == f"S2GM_T20_20230821_20230831_Lake-Garda_STD_v{__version__}_007"
    assert layer_file_name(order, "B02") == "B02_T20_20230821_Lake-Garda.tiff"
    assert layer_file_name(make(format="cog"), "quality_aot") == "quality_aot_T20_20230821_Lake-Garda.tiff"
    assert layer_file_name(make(format="jp2"), "B8A") == "B8A_T20_20230821_Lake-Garda.jp2"
    assert layer_file_name(make(format="netcdf"), "B8A") == netcdf_file_name(make(format="netcdf"))
    assert netcdf_file_name(order) == "S2GM_T20_20230821_20230831_Lake-Garda.nc"
    assert metadata_file_name(order) == "metadata_T20_20230821_Lake-Garda.json"
    assert quicklook_file_name(order) == "quicklook_T20_20230821_Lake-Garda.png"
    assert product_code(make(period="year", resolution_m=60)) == "Y60"
    fields = parse_folder_name(folder)
    assert fields == {"letter": "T", "resolution": "20", "start": "20230821", "end": "20230831",
                      "name": "Lake-Garda", "preference": "STD", "version": __version__,
                      "number": "007"}
    assert parse_folder_name("S2GM_T20_2023_x") is None


def test_order_numbers_count_finished_and_staged_folders(tmp_path):
    assert next_order_number(tmp_path / "missing") == 1
    assert next_order_number(tmp_path) == 1
    order = make()
    (tmp_path / order_folder_name(order, 3)).mkdir()
    (tmp_path / "unrelated").mkdir()
    assert next_order_number(tmp_path) == 4
    staged = StagedFolder(tmp_path / order_folder_name(order, 4))
    assert staged.path.name.startswith(".S2GM_T20_") and ".partial-" in staged.path.name
    assert next_order_number(tmp_path) == 5
    staged.abort()
    assert next_order_number(tmp_path) == 4


def test_staged_folder_commits_atomically_and_aborts_cleanly(tmp_path):
    target = tmp_path / "out" / "S2GM_X"
    with StagedFolder(target) as staged:
        (staged.path / "a.txt").write_text("x")
        assert not target.exists()
        staged.commit()
    assert (target / "a.txt").read_text() == "x"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["S2GM_X"]
    with pytest.raises(S2GMError, match="already exists"):
        StagedFolder(target)
    with pytest.raises(RuntimeError):
        with StagedFolder(tmp_path / "out" / "S2GM_Y") as staged:
            (staged.path / "b.txt").write_text("y")
            raise RuntimeError("boom")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["S2GM_X"]


def test_committed_folder_has_the_usual_permissions_not_private_ones(tmp_path):
    umask = os.umask(0o022)
    try:
        staged = StagedFolder(tmp_path / "S2GM_P")
        final = staged.commit()
    finally:
        os.umask(umask)
    # mkdtemp makes 0700 folders: other users (a QGIS user reading a service's results) could
    # not open the mosaic.
    assert stat.S_IMODE(final.stat().st_mode) == 0o755


def test_a_full_output_folder_is_an_s2gm_error_naming_it(tmp_path):
    """Order number 999 taken: the run must end with a message (exit 2 on the command line),
    not a ValueError traceback."""
    order = make()
    (tmp_path / order_folder_name(order, 999)).mkdir()
    with pytest.raises(S2GMError, match=str(tmp_path)):
        next_order_number(tmp_path)
