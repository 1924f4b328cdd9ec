"""``import s2gm_qgis`` and its core must not import Qt or QGIS (issue: foundation)."""
import subprocess
import sys


def test_package_and_core_import_without_qt():
    code = (
        "import sys, pkgutil, importlib, s2gm_qgis, s2gm_qgis.core, s2gm_qgis.cli\n"
        "for m in pkgutil.walk_packages(s2gm_qgis.core.__path__, 's2gm_qgis.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "s2gm_qgis.cli.build_parser()\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('qgis', 'PyQt5', 'PyQt6')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_command_line_help_runs():
    out = subprocess.run(
        [sys.executable, "-m", "s2gm_qgis", "--help"], capture_output=True, text=True, check=True
    )
    assert "python3 -m s2gm_qgis" in out.stdout
