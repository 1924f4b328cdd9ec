"""``make package`` / ``make deploy`` (.ci/package.py): the zip's content, the plugin repository's
rules, and installing into a QGIS profile (issue: foundation, packaging)."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ..conftest import REPO_ROOT

SCRIPT = REPO_ROOT / ".ci" / "package.py"


def load_script():
    spec = importlib.util.spec_from_file_location("package_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


package = load_script()


@pytest.fixture(scope="module")
def built_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist") / "s2gm_qgis-test.zip"
    result = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout
    return out


def names_of(zip_path: Path) -> list[str]:
    with zipfile.ZipFile(zip_path) as archive:
        return archive.namelist()


def rewrite(src: Path, dst: Path, drop=(), add=(), replace=None) -> Path:
    """A copy of the zip ``src`` with members dropped, added or their content replaced."""
    replace = replace or {}
    with zipfile.ZipFile(src) as archive, zipfile.ZipFile(dst, "w") as out:
        for info in archive.infolist():
            if info.filename in drop:
                continue
            data = replace.get(info.filename, archive.read(info.filename))
            out.writestr(info.filename, data)
        for name, data in add:
            out.writestr(name, data)
    return dst


def test_zip_has_one_top_folder_with_what_qgis_needs(built_zip):
    names = names_of(built_zip)
    assert names[0] == "s2gm_qgis/"
    assert {name.split("/")[0] for name in names} == {"s2gm_qgis"}
    for required in ("__init__.py", "metadata.txt", "LICENSE", "resources/icons/s2gm.svg",
                     "i18n/s2gm_qgis_fr.qm", "gui/plugin.py", "processing/provider.py",
                     "resources.py", "core/bands.py", "core/delays/data/delay_lut.npz",
                     "core/delays/data/NOTICE.md"):
        assert f"s2gm_qgis/{required}" in names, required


def test_zip_leaves_the_readme_screenshots_in_the_repository(built_zip):
    assert (REPO_ROOT / "resources" / "screenshots").is_dir()
    assert not [name for name in names_of(built_zip) if "/screenshots/" in name]


def test_zip_holds_no_tests_caches_bytecode_or_translation_sources(built_zip):
    for name in names_of(built_zip):
        parts = name.split("/")
        assert "tests" not in parts and "__pycache__" not in parts, name
        assert not name.endswith((".pyc", ".pyo", ".ts", ".aux.xml")), name


def test_built_zip_passes_validation_and_matches_the_package_version(built_zip):
    assert package.validate(built_zip, expected_version=package.package_version()) == []
    with zipfile.ZipFile(built_zip) as archive:
        metadata = archive.read("s2gm_qgis/metadata.txt").decode()
    assert f"version={package.package_version()}" in metadata


def test_zip_member_content_matches_the_sources(built_zip):
    with zipfile.ZipFile(built_zip) as archive:
        assert archive.read("s2gm_qgis/LICENSE") == (REPO_ROOT / "LICENSE").read_bytes()
        assert archive.read("s2gm_qgis/gui/plugin.py") == (
            REPO_ROOT / "s2gm_qgis/gui/plugin.py").read_bytes()


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"add": [("s2gm_qgis/gui/__pycache__/plugin.cpython-311.pyc", b"x")]}, ".pyc"),
        ({"add": [("other_plugin/__init__.py", b"")]}, "more than one top-level entry"),
        ({"add": [("s2gm_qgis/.git/config", b"")]}, ".git must not ship"),
        ({"drop": ["s2gm_qgis/LICENSE"]}, "s2gm_qgis/LICENSE is missing"),
        ({"drop": ["s2gm_qgis/resources/icons/s2gm.svg"]}, "icon resources/icons/s2gm.svg"),
        ({"drop": ["s2gm_qgis/i18n/s2gm_qgis_fr.qm"]}, "no compiled translation"),
        ({"replace": {"s2gm_qgis/LICENSE": b"All rights reserved."}}, "GPL-compatible"),
        ({"replace": {"s2gm_qgis/__init__.py": b"x = 1\n"}}, "no classFactory"),
    ],
)
def test_validation_names_each_broken_rule(built_zip, tmp_path, change, expected):
    broken = rewrite(built_zip, tmp_path / "broken.zip", **change)
    problems = package.validate(broken)
    assert any(expected in problem for problem in problems), problems


def test_validation_checks_metadata_keys_and_version(built_zip, tmp_path):
    with zipfile.ZipFile(built_zip) as archive:
        metadata = archive.read("s2gm_qgis/metadata.txt").decode()
    lines = [line for line in metadata.splitlines() if not line.startswith(("tracker=", "email="))]
    lines = [line.replace("supportsQt6=True", "supportsQt6=no") for line in lines]
    broken = rewrite(built_zip, tmp_path / "broken.zip",
                     replace={"s2gm_qgis/metadata.txt": "\n".join(lines).encode()})
    problems = package.validate(broken, expected_version="9.9.9")
    text = "\n".join(problems)
    assert "tracker is missing" in text and "email is missing" in text
    assert "supportsQt6 must be True" in text
    assert "differs from s2gm_qgis.__version__ 9.9.9" in text


def test_validation_refuses_an_oversized_zip(built_zip, monkeypatch):
    monkeypatch.setattr(package, "MAX_ZIP_BYTES", 1000)
    assert any("accepts 1000 at most" in p for p in package.validate(built_zip))


def test_deploy_installs_replaces_and_enables(built_zip, tmp_path):
    profile = tmp_path / "profiles" / "default"
    ini = profile / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True)
    ini.write_text("[qgis]\nstyleSheetMacOS=x\n\n[PythonPlugins]\nprocessing=true\n")
    stale = profile / "python" / "plugins" / "s2gm_qgis" / "old_module.py"
    stale.parent.mkdir(parents=True)
    stale.write_text("# from an earlier version")

    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--deploy", str(built_zip), "--enable"],
        capture_output=True, text=True, env={"QGIS_PROFILE_DIR": str(profile), "PATH": "/usr/bin"},
    )
    assert result.returncode == 0, result.stderr
    target = profile / "python" / "plugins" / "s2gm_qgis"
    assert (target / "__init__.py").is_file() and (target / "metadata.txt").is_file()
    assert not stale.exists()  # the old folder is replaced, as the plugin manager does
    assert ini.read_text() == (
        "[qgis]\nstyleSheetMacOS=x\n\n[PythonPlugins]\ns2gm_qgis=true\nprocessing=true\n"
    )
    assert [p.name for p in target.parent.iterdir()] == ["s2gm_qgis"]  # no staging left


def test_enable_plugin_updates_an_existing_entry(tmp_path):
    ini = tmp_path / "QGIS3.ini"
    ini.write_text("[PythonPlugins]\ns2gm_qgis=false\n[Other]\na=1\n")
    package.enable_plugin(ini, "s2gm_qgis")
    assert ini.read_text() == "[PythonPlugins]\ns2gm_qgis=true\n[Other]\na=1\n"


def test_deploy_refuses_an_invalid_zip_and_keeps_the_installed_plugin(built_zip, tmp_path):
    profile = tmp_path / "profile"
    package.deploy(built_zip, profile)
    broken = rewrite(built_zip, tmp_path / "broken.zip", drop=["s2gm_qgis/LICENSE"])
    with pytest.raises(package.PackageError, match="LICENSE is missing"):
        package.deploy(broken, profile)
    assert (profile / "python/plugins/s2gm_qgis/LICENSE").is_file()


def test_installed_package_imports_without_qt(built_zip, tmp_path):
    """What the command line and the core need: the installed copy, no Qt, no QGIS."""
    target = package.deploy(built_zip, tmp_path / "profile")
    code = (
        "import sys, s2gm_qgis, s2gm_qgis.core, s2gm_qgis.resources as r\n"
        f"assert s2gm_qgis.__file__.startswith({str(target)!r}), s2gm_qgis.__file__\n"
        f"assert r.icon_path('s2gm.svg').startswith({str(target)!r})\n"
        "assert r.plugin_metadata()['version'] == s2gm_qgis.__version__\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('qgis', 'PyQt5', 'PyQt6')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path,
                   env={"PYTHONPATH": str(target.parent), "PATH": "/usr/bin"})
