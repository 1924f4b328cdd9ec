"""The science and the engine of s2gm_qgis: pure Python on numpy, GDAL, pyproj and requests.

Nothing in this package imports Qt or QGIS, so it runs in scripts, services and plain pytest.
"""
