#!/usr/bin/env bash
# Runs chrooted in a matrix root (see matrix.sh), with the repository at /work/repo (read-only),
# ../shared at /work/shared (read-only) and /work/results writable.
#
#     inside.sh provision        Debian packages and the test venv (/opt/s2gm-venv)
#     inside.sh test [ARGS...]   tests/qgis and tests/matrix; ARGS go to pytest
set -euo pipefail

VENV=/opt/s2gm-venv
# What the QGIS tests need, as on a user's Debian: QGIS with its Python bindings and providers,
# the libraries the plugin uses from QGIS (GDAL, pyproj, requests, numpy), qgis_process (in qgis),
# the servers of tests/servers (PostgreSQL + PostGIS for stac-fastapi-pgstac, nginx), pylupdate5
# and lrelease for the translation checks, and PyQt6 for the Qt6 name check (not used by QGIS
# itself, which is a Qt5 build in these suites).
PACKAGES="qgis python3-qgis qgis-providers python3-gdal python3-pyproj python3-requests python3-numpy
  python3-venv pyqt5-dev-tools qttools5-dev-tools python3-pyqt6 nginx postgresql ca-certificates"

provision() {
  update-ca-certificates >/dev/null
  apt-get update -q
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $PACKAGES
  # PostGIS for the PostgreSQL major version this suite ships (15 on bookworm, 17 on trixie, ...).
  local major
  major=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
  apt-get install -y -q --no-install-recommends "postgresql-$major-postgis-3"
  # No cluster is needed: the tests make their own with initdb in a temporary folder.
  apt-get clean
  [ -x "$VENV/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$VENV"
  PIP_CERT=/etc/ssl/certs/ca-certificates.crt "$VENV/bin/python" -m pip install -q \
    --disable-pip-version-check --no-cache-dir -r /work/repo/requirements-dev.txt
  # pyproj looks for PROJ data under sys.prefix, which in a venv is the venv (as in the Makefile).
  echo "import os; os.environ.setdefault('PROJ_DATA', '/usr/share/proj'); os.environ.setdefault('PROJ_LIB', '/usr/share/proj')" \
    > "$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/s2gm_proj_data.pth"
}

versions() {
  "$VENV/bin/python" - <<'PY'
import platform, sys
from osgeo import gdal
import numpy, pyproj
from qgis.core import Qgis
from qgis.PyQt.QtCore import PYQT_VERSION_STR, QT_VERSION_STR
print(f"Debian {open('/etc/debian_version').read().strip()}, Python {platform.python_version()}")
print(f"QGIS {Qgis.QGIS_VERSION}, Qt {QT_VERSION_STR}, PyQt {PYQT_VERSION_STR}")
print(f"GDAL {gdal.__version__}, PROJ {pyproj.proj_version_str}, pyproj {pyproj.__version__}, numpy {numpy.__version__}")
PY
  /usr/bin/python3 -c 'from PyQt6.QtCore import PYQT_VERSION_STR as p, QT_VERSION_STR as q
print(f"PyQt6 {p} on Qt {q} (for the Qt6 name check only)")' 2>/dev/null || true
}

run_tests() {
  mkdir -p "$HOME"
  export XDG_RUNTIME_DIR=/tmp/runtime
  mkdir -m 700 -p "$XDG_RUNTIME_DIR"
  cd /work
  versions | tee /work/results/versions.txt
  # The repository is read-only: no bytecode, no pytest cache, temporary files in /tmp (a tmpfs).
  export PYTHONDONTWRITEBYTECODE=1 QT_QPA_PLATFORM=offscreen S2GM_SHARED=/work/shared
  if [ -f /work/results/plugin.zip ]; then export S2GM_PLUGIN_ZIP=/work/results/plugin.zip; fi
  # pytest-qgis keeps its QGIS settings folder in pytest's rootdir: /work (a tmpfs), not the
  # repository, with the repository's pytest.ini all the same.
  exec "$VENV/bin/python" -m pytest -c /work/repo/pytest.ini --rootdir /work -p no:cacheprovider \
    --junitxml=/work/results/junit.xml repo/tests/qgis repo/tests/matrix "$@"
}

case "${1:-}" in
  provision) provision ;;
  test) shift; run_tests "$@" ;;
  *) echo "usage: inside.sh provision | test [PYTEST-ARGS...]" >&2; exit 2 ;;
esac
