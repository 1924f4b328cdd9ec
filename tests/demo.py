#!/usr/bin/env python3
"""``make demo`` (interim, until the mosaic demo replaces it): the plugin, packaged and installed
into a fresh QGIS profile, running in the real QGIS desktop.

1. Build ``dist/s2gm_qgis-<version>.zip`` with .ci/package.py (the ``make package`` zip) and
   install it, enabled, into a new temporary profile folder (your own profile is not touched).
2. With a display: start ``qgis --profiles-path <tmp>`` and wait until you close it.
   Without one (CI, ssh): start the same QGIS on a virtual X server (``xvfb-run``), let it load
   the plugin the way it loads any enabled plugin, print what the plugin added (menu, toolbar,
   Processing algorithms), and quit.

Options: ``--lang fr`` starts QGIS in French; ``--screenshots DIR`` saves pictures of the S2GM
menu and of the settings and about dialogs, then quits (with or without a display);
``--headless`` forces step 2's second branch; ``--keep`` leaves the temporary profile.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_SCRIPT = ROOT / ".ci" / "package.py"

#: Runs inside QGIS (``qgis --code``) once it has started: reports what the plugin added,
#: optionally takes screenshots, then quits QGIS.
INSPECT_CODE = """
import json, traceback
import qgis.utils
from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication

REPORT = {report!r}
SHOTS = {shots!r}


def wait(ms):
    from qgis.PyQt.QtCore import QEventLoop
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def screenshots(plugin, iface):
    import os
    os.makedirs(SHOTS, exist_ok=True)
    window = iface.mainWindow()
    window.showNormal()
    window.setGeometry(0, 0, 1280, 800)
    wait(800)
    bar = window.menuBar()
    plugin.menu.popup(bar.mapToGlobal(bar.actionGeometry(plugin.menu.menuAction()).bottomLeft()))
    wait(500)
    QApplication.primaryScreen().grabWindow(0).save(os.path.join(SHOTS, "s2gm-menu.png"))
    plugin.menu.hide()
    from s2gm_qgis.gui.about import AboutDialog
    from s2gm_qgis.gui.preferences import Preferences
    from s2gm_qgis.gui.settings_dialog import SettingsDialog
    for name, dialog in (("s2gm-settings.png", SettingsDialog(Preferences.load(), window)),
                         ("s2gm-about.png", AboutDialog(window))):
        dialog.show()
        wait(400)
        dialog.grab().save(os.path.join(SHOTS, name))
        dialog.close()


def inspect():
    result = {{"active_plugins": list(qgis.utils.active_plugins)}}
    try:
        plugin = qgis.utils.plugins.get("s2gm_qgis")
        result["loaded"] = plugin is not None
        if plugin is not None:
            iface = qgis.utils.iface
            result["plugin_file"] = qgis.utils.pluginDirectory("s2gm_qgis")
            result["menu_bar"] = [a.text() for a in iface.mainWindow().menuBar().actions()]
            result["menu"] = [a.text() for a in plugin.menu.actions() if a.text()]
            result["toolbar"] = [a.text() for a in plugin.toolbar.actions() if a.text()]
            provider = QgsApplication.processingRegistry().providerById("s2gm")
            result["algorithms"] = [a.id() for a in provider.algorithms()] if provider else []
            if SHOTS:
                screenshots(plugin, iface)
    except Exception:
        result["error"] = traceback.format_exc()
    with open(REPORT, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    QgsApplication.exit(0)


QTimer.singleShot(1000, inspect)
"""


def build_and_install(profiles_root: Path) -> Path:
    """Build the package zip and install it, enabled, into ``profiles_root``/profiles/default."""
    metadata = (ROOT / "metadata.txt").read_text(encoding="utf-8")
    version = re.search(r"^version=(.+)$", metadata, re.M).group(1).strip()
    zip_path = ROOT / "dist" / f"s2gm_qgis-{version}.zip"
    subprocess.run([sys.executable, str(PACKAGE_SCRIPT), "--out", str(zip_path)], check=True)
    subprocess.run([sys.executable, str(PACKAGE_SCRIPT), "--deploy", str(zip_path), "--profile",
                    str(profiles_root / "profiles" / "default"), "--enable"], check=True)
    return zip_path


def qgis_command(profiles_root: Path, lang: str | None, code: Path | None = None) -> list[str]:
    qgis = shutil.which("qgis")
    if qgis is None:
        raise SystemExit("qgis not found: install QGIS (make setup)")
    command = [qgis, "--profiles-path", str(profiles_root), "--nologo", "--noversioncheck"]
    if lang:
        command += ["--lang", lang]
    if code is not None:
        command += ["--code", str(code)]
    return command


def qgis_env() -> dict[str, str]:
    """The environment for the QGIS window: no QT_QPA_PLATFORM (``make`` exports "offscreen"
    for the tests), so that Qt draws on the X display, real or virtual."""
    return {key: value for key, value in os.environ.items() if key != "QT_QPA_PLATFORM"}


def run_and_inspect(profiles_root: Path, lang: str | None, shots: Path | None,
                    virtual_display: bool) -> dict:
    """Start QGIS with the inspection script; return what it reported."""
    report = profiles_root / "report.json"
    code = profiles_root / "inspect.py"
    code.write_text(textwrap.dedent(INSPECT_CODE.format(
        report=str(report), shots=str(shots) if shots else "")))
    command = qgis_command(profiles_root, lang, code)
    if virtual_display:
        if shutil.which("xvfb-run") is None:
            raise SystemExit("no display and no xvfb-run: install xvfb (make setup)")
        command = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", *command]
    completed = subprocess.run(command, env=qgis_env(), capture_output=True, text=True,
                               timeout=300)
    if not report.exists():
        raise SystemExit(f"QGIS exited ({completed.returncode}) without a report:\n"
                         f"{completed.stderr[-3000:]}")
    return json.loads(report.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", help="QGIS interface language, e.g. fr")
    parser.add_argument("--screenshots", type=Path, metavar="DIR",
                        help="save screenshots of the S2GM menu and dialogs here, then quit")
    parser.add_argument("--headless", action="store_true",
                        help="do not open a window even if a display is available")
    parser.add_argument("--keep", action="store_true", help="keep the temporary QGIS profile")
    args = parser.parse_args(argv)

    profiles_root = Path(tempfile.mkdtemp(prefix="s2gm-demo-profile-"))
    try:
        zip_path = build_and_install(profiles_root)
        print(f"installed {zip_path.name} into a fresh QGIS profile under {profiles_root}")
        has_display = bool(os.environ.get("DISPLAY")) and not args.headless
        if has_display and not args.screenshots:
            print("starting QGIS with that profile; the S2GM menu and toolbar are in the main "
                  "window. Close QGIS to end the demo.")
            return subprocess.run(qgis_command(profiles_root, args.lang), env=qgis_env()).returncode
        result = run_and_inspect(profiles_root, args.lang, args.screenshots,
                                 virtual_display=not has_display)
    finally:
        if args.keep:
            print(f"profile kept: {profiles_root}")
        else:
            shutil.rmtree(profiles_root, ignore_errors=True)

    where = "on this display" if has_display else "on a virtual X server (no display here)"
    if not result.get("loaded"):
        print(f"QGIS started {where} but did not load s2gm_qgis:\n"
              f"{result.get('error') or json.dumps(result, indent=2)}", file=sys.stderr)
        return 1
    print(f"QGIS desktop started {where}, loaded the installed plugin and quit:")
    print(f"  plugin folder : {result['plugin_file']}")
    print(f"  menu bar      : {' | '.join(result['menu_bar'])}")
    print(f"  S2GM menu     : {' | '.join(result['menu'])}")
    print(f"  S2GM toolbar  : {' | '.join(result['toolbar'])}")
    print(f"  Processing    : {', '.join(result['algorithms']) or '(no algorithm)'}")
    if result.get("error"):
        print(f"but the inspection failed:\n{result['error']}", file=sys.stderr)
        return 1
    if args.screenshots:
        print(f"  screenshots   : {args.screenshots}/s2gm-menu.png, s2gm-settings.png, "
              "s2gm-about.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
