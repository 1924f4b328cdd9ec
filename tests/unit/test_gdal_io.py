"""core/gdal_io.py: the GDAL habits the readers and writers share."""
import threading

from osgeo import gdal

from s2gm_qgis.core.gdal_io import no_sidecars, thread_gdal_options


def test_thread_options_hold_in_the_block_for_this_thread_only_and_are_restored():
    gdal.SetThreadLocalConfigOption("ZSTD_LEVEL_OVERVIEW", "7")
    seen_elsewhere = []
    try:
        with thread_gdal_options({"ZSTD_LEVEL_OVERVIEW": "1", "GDAL_HTTP_TIMEOUT": "5"}):
            assert gdal.GetConfigOption("ZSTD_LEVEL_OVERVIEW") == "1"
            assert gdal.GetConfigOption("GDAL_HTTP_TIMEOUT") == "5"
            other = threading.Thread(
                target=lambda: seen_elsewhere.append(gdal.GetConfigOption("GDAL_HTTP_TIMEOUT")))
            other.start()
            other.join()
        assert gdal.GetThreadLocalConfigOption("ZSTD_LEVEL_OVERVIEW", None) == "7"
        assert gdal.GetThreadLocalConfigOption("GDAL_HTTP_TIMEOUT", None) is None
        assert seen_elsewhere and seen_elsewhere[0] != "5"
    finally:
        gdal.SetThreadLocalConfigOption("ZSTD_LEVEL_OVERVIEW", None)


def test_thread_options_are_restored_when_the_block_raises():
    try:
        with thread_gdal_options({"GDAL_PAM_ENABLED": "NO"}):
            raise ValueError("boom")
    except ValueError:
        pass
    assert gdal.GetThreadLocalConfigOption("GDAL_PAM_ENABLED", None) is None


def test_no_sidecars_switches_pam_off_meanwhile():
    with no_sidecars():
        assert gdal.GetConfigOption("GDAL_PAM_ENABLED") == "NO"
    assert gdal.GetThreadLocalConfigOption("GDAL_PAM_ENABLED", None) is None
