# s2gm_qgis developer targets. Everything runs in .venv, made from Debian's /usr/bin/python3
# (the interpreter QGIS uses) with --system-site-packages so it sees QGIS, GDAL, numpy, pyproj.
SHELL := /bin/bash
.DEFAULT_GOAL := help

SYSTEM_PYTHON := /usr/bin/python3
VENV := .venv
PY := $(VENV)/bin/python
VERSION := $(shell sed -n 's/^version=//p' metadata.txt)
PLUGIN := s2gm_qgis
ZIP := dist/$(PLUGIN)-$(VERSION).zip
APT_PACKAGES := qgis python3-qgis qgis-providers python3-gdal python3-pyproj python3-requests \
	python3-numpy python3-venv pyqt5-dev-tools qttools5-dev-tools xvfb xauth \
	nginx postgresql postgresql-15-postgis-3
export QT_QPA_PLATFORM ?= offscreen
export PYTHONDONTWRITEBYTECODE := 1
export DEBIAN_FRONTEND := noninteractive

.PHONY: help setup system-packages test test-unit test-qgis test-matrix matrix-host-packages package \
	deploy translations demo bench clean

help:
	@echo "make setup         install what is missing (Debian packages, .venv with pytest-qgis)"
	@echo "make test          setup, then every test headless (core with plain pytest, GUI in real QGIS)"
	@echo "make test-matrix   the QGIS tests and the packaged zip on QGIS 3.40 (trixie) and 3.44 (forky)"
	@echo "make demo          the main job, end to end"
	@echo "make bench         benchmarks; results in tests/bench/results/"
	@echo "make package       dist/$(PLUGIN)-<version>.zip for the plugin manager, validated"
	@echo "make deploy        install the package into your QGIS profile"
	@echo "make translations  pylupdate5 + lrelease over i18n/"

setup: system-packages $(VENV)/.setup-done

# $(call apt-ensure,PACKAGES): install the Debian packages that are missing. Fast when everything
# is there: one dpkg-query per package, no apt call.
define apt-ensure
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	fi
endef

system-packages:
	$(call apt-ensure,$(APT_PACKAGES))

# pyproj looks for PROJ data under sys.prefix, which in a venv is .venv: point it at Debian's
# data (as Debian's own python3 finds it) through a .pth line run at interpreter start.
$(VENV)/.setup-done: requirements-dev.txt
	@test -x $(PY) || $(SYSTEM_PYTHON) -m venv --system-site-packages $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@echo "import os; os.environ.setdefault('PROJ_DATA', '/usr/share/proj'); os.environ.setdefault('PROJ_LIB', '/usr/share/proj')" \
	  > "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/s2gm_proj_data.pth"
	@touch $@

test: setup
	$(MAKE) --no-print-directory test-unit test-qgis

# The core must run without QGIS: pytest-qgis is switched off and a fixture checks that no
# Qt/QGIS module was imported by the time the session ends.
test-unit: setup
	$(PY) -m pytest -p no:pytest_qgis -p no:cacheprovider tests/unit

test-qgis: setup
	$(PY) -m pytest -p no:cacheprovider tests/qgis

# The QGIS tests (tests/qgis, the install-from-zip test on the zip packaged here, tests/matrix) in
# Debian trixie (QGIS 3.40 LTR) and forky (QGIS 3.44) roots made with debootstrap, cached in
# .cache/matrix (or $$S2GM_MATRIX_CACHE); SUITES="trixie" for one. See tests/matrix/matrix.sh.
MATRIX_HOST_PACKAGES := debootstrap
test-matrix: matrix-host-packages package
	tests/matrix/matrix.sh --zip $(ZIP) $(SUITES)

matrix-host-packages:
	$(call apt-ensure,$(MATRIX_HOST_PACKAGES))

package: setup translations
	$(PY) .ci/package.py --out $(ZIP)

# Into $(QGIS_PROFILE_DIR) or the default profile; ENABLE=1 also marks it active in QGIS3.ini.
deploy: package
	$(PY) .ci/package.py --deploy $(ZIP) $(if $(filter 1 yes true,$(ENABLE)),--enable)

translations: setup
	$(PY) .ci/translations.py

demo: setup
	$(PY) tests/demo.py

bench: setup
	@mkdir -p tests/bench/results
	@set -e; for b in tests/bench/bench_*.py; do echo "== $$b"; $(PY) $$b; done
	@echo "results: tests/bench/results/"

clean:
	rm -rf dist build .pytest_cache
	find . -path ./.cache -prune -o -name __pycache__ -prune -exec rm -rf {} +
