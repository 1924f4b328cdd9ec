"""metadata.txt carries every key the QGIS plugin repository requires and the project's own,
consistent with the package (issue: foundation)."""
from __future__ import annotations

import configparser

import s2gm_qgis
from s2gm_qgis.resources import icon_path, plugin_metadata

from ..conftest import REPO_ROOT
from .test_package_zip import package


def read_metadata() -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(REPO_ROOT / "metadata.txt", encoding="utf-8")
    return dict(parser.items("general"))


def test_every_required_and_project_key_is_set():
    meta = read_metadata()
    for key in package.REQUIRED_KEYS + package.PROJECT_KEYS:
        assert meta.get(key, "").strip(), key


def test_metadata_passes_the_repository_rules_against_the_package():
    text = (REPO_ROOT / "metadata.txt").read_text(encoding="utf-8")
    names = [f"s2gm_qgis/{read_metadata()['icon']}"]
    assert package.check_metadata(text, names, "s2gm_qgis", s2gm_qgis.__version__) == []


def test_values_the_issue_asks_for():
    meta = read_metadata()
    assert meta["version"] == s2gm_qgis.__version__
    assert meta["qgisMinimumVersion"] == "3.22"
    assert meta["supportsQt6"] == "True"
    assert meta["hasProcessingProvider"] == "yes"
    assert meta["version"] in meta["changelog"]


def test_icon_exists_and_resources_read_the_same_metadata():
    meta = read_metadata()
    assert (REPO_ROOT / meta["icon"]).is_file()
    assert icon_path("s2gm.svg") == str(REPO_ROOT / meta["icon"])
    assert plugin_metadata()["version"] == meta["version"]
