"""The plugin in QGIS never needs Dask (an optional extra of the engine service's host): every
module of the plugin, its GUI and Processing adapters included, imports in a QGIS Python where
``import dask`` / ``import distributed`` fail, and none of them imports Dask where it is
installed. Run in a fresh interpreter, so no other test's imports count."""
import os
import subprocess
import sys

from ..conftest import REPO_ROOT

CODE = r"""
import importlib, importlib.abc, pkgutil, sys

class NoDask(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('dask', 'distributed'):
            raise ImportError(f'{name} is not installed here (test)')
        return None

BLOCK = sys.argv[1] == 'block'
if BLOCK:
    sys.meta_path.insert(0, NoDask())
from qgis.core import QgsApplication
app = QgsApplication([], False)
app.initQgis()
import s2gm_qgis
names = []
for package in ('s2gm_qgis.core', 's2gm_qgis.gui', 's2gm_qgis.processing', 's2gm_qgis.cli'):
    module = importlib.import_module(package)
    names.append(package)
    for info in pkgutil.walk_packages(module.__path__, package + '.'):
        importlib.import_module(info.name)
        names.append(info.name)
assert 's2gm_qgis.gui.plugin' in names and 's2gm_qgis.core.orders.dask_engine' in names
s2gm_qgis.classFactory  # the entry point QGIS calls
leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed'))
assert not leaked, leaked
if BLOCK:
    from s2gm_qgis.core.errors import S2GMError
    from s2gm_qgis.core.orders.dask_engine import DaskEngine
    try:
        DaskEngine('local:1').start()
    except S2GMError as exc:
        assert 'pip install dask distributed' in str(exc), exc
    else:
        raise AssertionError('DaskEngine started without Dask')
print('ok', len(names))
"""


def _run(mode: str) -> str:
    # The repository on the path whatever the working folder (the matrix runs from outside it).
    path = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=path)
    out = subprocess.run([sys.executable, "-c", CODE, mode], capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def test_the_plugin_imports_without_dask_installed():
    assert "ok" in _run("block")


def test_the_plugin_does_not_import_dask_where_it_is_installed():
    assert "ok" in _run("plain")
