#!/usr/bin/env python3
"""Build, validate and deploy the plugin zip (``make package``, ``make deploy``).

    package.py --out dist/s2gm_qgis-0.1.0.zip     build the zip, then validate it
    package.py --validate ZIP                      validate an existing zip
    package.py --deploy ZIP [--profile DIR] [--enable]
                                                   install it into a QGIS profile

The zip holds one top folder ``s2gm_qgis/``: the package's sources, ``metadata.txt``, ``LICENSE``,
``resources/`` (icons) and ``i18n/*.qm`` (compiled translations); no tests, caches or bytecode.
Validation applies the plugin repository's upload rules (plugins.qgis.org, summarised in
../shared/docs/qgis-plugin-notes.md) plus this project's: version equal to
``s2gm_qgis.__version__``, GPL-compatible LICENSE, icon present, a .qm for each .ts. The URL
checks of the repository that need the network (does the homepage answer?) are left to it.

Deploying does what the QGIS plugin manager does when installing from a zip: remove the old
plugin folder, extract into ``<profile>/python/plugins``, and with ``--enable`` mark the plugin
active (``[PythonPlugins] s2gm_qgis=true`` in ``<profile>/QGIS/QGIS3.ini``). The profile is
``--profile``, else ``$QGIS_PROFILE_DIR``, else ~/.local/share/QGIS/QGIS3/profiles/default.
Standard library only.
"""
from __future__ import annotations

import argparse
import configparser
import os
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "s2gm_qgis"
#: plugins.qgis.org refuses uploads above this size (PLUGIN_MAX_UPLOAD_SIZE, bytes).
MAX_ZIP_BYTES = 25_000_000
#: Keys plugins.qgis.org requires in metadata.txt.
REQUIRED_KEYS = (
    "name", "description", "about", "version", "qgisMinimumVersion", "author", "email",
    "repository", "tracker",
)
#: Keys this project sets as well (issue: foundation).
PROJECT_KEYS = (
    "homepage", "changelog", "tags", "category", "icon", "experimental", "hasProcessingProvider",
    "supportsQt6",
)
#: Path components plugins.qgis.org refuses, plus what must not ship from a checkout.
FORBIDDEN_PARTS = {"__MACOSX", ".git", "__pycache__", ".pytest_cache", ".mypy_cache", "tests"}
#: Folders of resources/ that document the project in the README and are not used by the plugin.
DOCUMENTATION_PARTS = {"screenshots"}
#: File name patterns that never ship.
EXCLUDED_FILES = re.compile(r"(\.py[co]|\.orig|\.rej|~|\.aux\.xml|\.gfs|\.DS_Store|\.gitignore)$")
#: First lines of licenses compatible with the GPL-2.0-or-later of QGIS.
GPL_COMPATIBLE = ("GNU GENERAL PUBLIC LICENSE", "MIT License", "BSD", "Apache License")
PACKAGE_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]+$")
DEFAULT_PROFILE = Path.home() / ".local/share/QGIS/QGIS3/profiles/default"


class PackageError(Exception):
    """The package cannot be built, validated or deployed; the message says why."""


# ----------------------------------------------------------------------------- build

def package_version() -> str:
    """``__version__`` of s2gm_qgis/__init__.py, read without importing the package."""
    text = (ROOT / PACKAGE / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', text, re.M)
    if not match:
        raise PackageError(f"{ROOT / PACKAGE / '__init__.py'}: no __version__ = '...' line")
    return match.group(1)


def _ships(relative: PurePosixPath) -> bool:
    return not (set(relative.parts) & FORBIDDEN_PARTS) and not EXCLUDED_FILES.search(relative.name)


def package_members() -> list[tuple[Path, str]]:
    """(source file, name in the zip) for every file that ships, in a stable order."""
    members = []
    package_dir = ROOT / PACKAGE
    for path in sorted(package_dir.rglob("*")):
        relative = PurePosixPath(path.relative_to(package_dir).as_posix())
        # resources/ and i18n/ of the package come from the repository root (below), never from
        # a stray copy inside the source package.
        if path.is_file() and relative.parts[0] not in ("resources", "i18n") and _ships(relative):
            members.append((path, f"{PACKAGE}/{relative}"))
    for name in ("metadata.txt", "LICENSE"):
        members.append((ROOT / name, f"{PACKAGE}/{name}"))
    for path in sorted((ROOT / "resources").rglob("*")):
        relative = PurePosixPath(path.relative_to(ROOT).as_posix())
        if path.is_file() and _ships(relative) and not set(relative.parts) & DOCUMENTATION_PARTS:
            members.append((path, f"{PACKAGE}/{relative}"))
    for path in sorted((ROOT / "i18n").glob("*.qm")):
        members.append((path, f"{PACKAGE}/i18n/{path.name}"))
    return members


def build(out: Path) -> Path:
    """Write the plugin zip to ``out`` (atomically) and return it."""
    for ts in sorted((ROOT / "i18n").glob("*.ts")):
        if not ts.with_suffix(".qm").exists():
            raise PackageError(f"{ts.relative_to(ROOT)} has no compiled .qm: run make translations")
    members = package_members()
    out.parent.mkdir(parents=True, exist_ok=True)
    folders = sorted({f"{folder}/" for _, name in members
                      for folder in PurePosixPath(name).parents if str(folder) != "."})
    handle, tmp_name = tempfile.mkstemp(prefix=out.name, suffix=".tmp", dir=out.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(tmp_name, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            # Folder entries first: the repository takes the top folder from the first name.
            for folder in folders:
                archive.writestr(zipfile.ZipInfo(folder), b"")
            for path, name in members:
                archive.write(path, name)
        os.replace(tmp_name, out)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return out


# ----------------------------------------------------------------------------- validation

def validate(zip_path: Path, expected_version: str | None = None) -> list[str]:
    """Every rule the zip breaks (empty list: it is fine to upload and to install)."""
    problems: list[str] = []
    size = zip_path.stat().st_size
    if size > MAX_ZIP_BYTES:
        problems.append(f"the zip is {size} bytes; the plugin repository accepts "
                        f"{MAX_ZIP_BYTES} at most")
    try:
        archive = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile as exc:
        return problems + [f"not a zip file: {exc}"]
    with archive:
        names = archive.namelist()
        if not names:
            return problems + ["the zip is empty"]
        bad = archive.testzip()
        if bad:
            problems.append(f"corrupt member (CRC error): {bad}")
        problems += _check_names(names)
        top = names[0].split("/")[0] if "/" in names[0] else ""
        if not top:
            return problems + [f"the first entry {names[0]!r} is not inside a top folder"]
        if top != PACKAGE:
            problems.append(f"the top folder is {top!r}; QGIS imports the plugin as {PACKAGE!r}")
        if not PACKAGE_NAME_RE.match(top):
            problems.append(f"top folder {top!r}: ASCII letter first, then letters, digits, - or _")
        tops = sorted({name.split("/")[0] for name in names})
        if tops != [top]:
            problems.append(f"more than one top-level entry: {', '.join(tops)}")
        for required in ("__init__.py", "metadata.txt", "LICENSE"):
            if f"{top}/{required}" not in names:
                problems.append(f"{top}/{required} is missing")
        if f"{top}/__init__.py" in names:
            init = archive.read(f"{top}/__init__.py").decode("utf-8")
            if not re.search(r"^def classFactory\(", init, re.M):
                problems.append(f"{top}/__init__.py defines no classFactory(iface)")
        if f"{top}/LICENSE" in names:
            license_text = archive.read(f"{top}/LICENSE").decode("utf-8", "replace")
            if not any(marker in license_text[:2000] for marker in GPL_COMPATIBLE):
                problems.append(f"{top}/LICENSE is not a license known to be GPL-compatible")
        if f"{top}/metadata.txt" in names:
            metadata_text = archive.read(f"{top}/metadata.txt").decode("utf-8")
            problems += check_metadata(metadata_text, names, top, expected_version)
        for ts_name in [n for n in names if n.endswith(".ts")]:
            problems.append(f"{ts_name}: translation sources do not ship, only .qm")
        if not any(n.startswith(f"{top}/i18n/") and n.endswith(".qm") for n in names):
            problems.append(f"no compiled translation in {top}/i18n/")
    return problems


def _check_names(names: list[str]) -> list[str]:
    problems = []
    for name in names:
        parts = name.rstrip("/").split("/")
        if name.startswith("/") or ".." in parts or "\\" in name:
            problems.append(f"{name}: absolute or parent path")
        if ".pyc" in name or name.endswith(".pyo"):
            problems.append(f"{name}: compiled Python is refused by the plugin repository")
        if set(parts) & FORBIDDEN_PARTS:
            problems.append(f"{name}: {', '.join(sorted(set(parts) & FORBIDDEN_PARTS))} "
                            "must not ship")
    return problems


def check_metadata(text: str, names: list[str], top: str,
                   expected_version: str | None = None) -> list[str]:
    """Problems of a metadata.txt: missing keys, bad values, icon absent from ``names``."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive (qgisMinimumVersion)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        return [f"metadata.txt cannot be parsed: {exc}"]
    if not parser.has_section("general"):
        return ["metadata.txt has no [general] section"]
    meta = {key: value.strip() for key, value in parser.items("general")}
    problems = [f"metadata.txt: {key} is missing or empty"
                for key in REQUIRED_KEYS + PROJECT_KEYS if not meta.get(key)]
    version = meta.get("version", "")
    if version and not re.match(r"^\d+\.\d+(\.\d+)?([-.]?\w+)?$", version):
        problems.append(f"metadata.txt: version {version!r} is not like 1.2.3")
    if expected_version and version and version != expected_version:
        problems.append(f"metadata.txt: version {version} differs from "
                        f"s2gm_qgis.__version__ {expected_version}")
    if meta.get("qgisMinimumVersion") and meta["qgisMinimumVersion"] != "3.22":
        problems.append(f"metadata.txt: qgisMinimumVersion is {meta['qgisMinimumVersion']}; "
                        "the project targets 3.22")
    if "/" in meta.get("author", ""):
        problems.append("metadata.txt: author must not contain slashes")
    if meta.get("email") and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", meta["email"]):
        problems.append(f"metadata.txt: email {meta['email']!r} is not an address")
    for key in ("homepage", "repository", "tracker"):
        url = urlparse(meta.get(key, ""))
        if meta.get(key) and (url.scheme not in ("http", "https") or not url.netloc):
            problems.append(f"metadata.txt: {key} {meta[key]!r} is not an http(s) URL")
    for key in ("experimental", "deprecated", "server", "supportsQt6"):
        if key in meta and meta[key].lower() not in ("true", "false", "1", "0"):
            problems.append(f"metadata.txt: {key} must be True or False, not {meta[key]!r}")
    if meta.get("supportsQt6", "").lower() not in ("true", "1"):
        problems.append("metadata.txt: supportsQt6 must be True (the plugin targets Qt5 and Qt6)")
    if meta.get("hasProcessingProvider", "").lower() not in ("yes", "true"):
        problems.append("metadata.txt: hasProcessingProvider must be yes (the plugin has one)")
    icon = meta.get("icon", "")
    if icon and f"{top}/{icon.removeprefix('./')}" not in names:
        problems.append(f"metadata.txt: icon {icon} is not in the zip")
    return problems


# ----------------------------------------------------------------------------- deploy

def profile_dir(option: str | None) -> Path:
    """The QGIS profile to deploy into: --profile, $QGIS_PROFILE_DIR, or QGIS's default."""
    chosen = option or os.environ.get("QGIS_PROFILE_DIR")
    return Path(chosen).expanduser() if chosen else DEFAULT_PROFILE


def deploy(zip_path: Path, profile: Path, enable: bool = False) -> Path:
    """Install ``zip_path`` into ``profile``'s plugins folder; return the plugin folder."""
    problems = validate(zip_path)
    if problems:
        raise PackageError(f"{zip_path} is not a valid plugin zip:\n  " + "\n  ".join(problems))
    plugins = profile / "python" / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    target = plugins / PACKAGE
    # Like the plugin manager: a test extraction first, so a bad zip leaves the old plugin.
    with tempfile.TemporaryDirectory(dir=plugins, prefix=".s2gm_qgis-") as staging:
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(staging)
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.exists():
            shutil.rmtree(target)
        os.replace(Path(staging) / PACKAGE, target)
    if enable:
        enable_plugin(profile / "QGIS" / "QGIS3.ini", PACKAGE)
    return target


def enable_plugin(ini: Path, plugin: str) -> None:
    """Set ``[PythonPlugins] <plugin>=true`` in a QGIS3.ini, leaving every other line as is."""
    lines = ini.read_text(encoding="utf-8").splitlines() if ini.exists() else []
    entry = f"{plugin}=true"
    section_start = next((i for i, line in enumerate(lines) if line.strip() == "[PythonPlugins]"),
                         None)
    if section_start is None:
        if lines and lines[-1].strip():
            lines.append("")
        lines += ["[PythonPlugins]", entry]
    else:
        end = next((i for i in range(section_start + 1, len(lines))
                    if lines[i].startswith("[")), len(lines))
        for i in range(section_start + 1, end):
            if lines[i].split("=", 1)[0].strip() == plugin:
                lines[i] = entry
                break
        else:
            lines.insert(section_start + 1, entry)
    ini.parent.mkdir(parents=True, exist_ok=True)
    ini.write_text("\n".join(lines) + "\n", encoding="utf-8")


# ----------------------------------------------------------------------------- command line

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build, validate or deploy the plugin zip.")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--out", type=Path, help="build the zip here, then validate it")
    action.add_argument("--validate", type=Path, metavar="ZIP", help="validate a zip")
    action.add_argument("--deploy", type=Path, metavar="ZIP", help="install a zip into QGIS")
    parser.add_argument("--profile", help="QGIS profile folder (default: $QGIS_PROFILE_DIR or "
                                          f"{DEFAULT_PROFILE})")
    parser.add_argument("--enable", action="store_true",
                        help="with --deploy: mark the plugin active in the profile's QGIS3.ini")
    args = parser.parse_args(argv)
    try:
        if args.deploy:
            target = deploy(args.deploy, profile_dir(args.profile), args.enable)
            state = "enabled" if args.enable else "enable it in Plugins > Manage and Install"
            print(f"installed {args.deploy} into {target} ({state}); restart QGIS to load it")
            return 0
        version = package_version()
        zip_path = build(args.out) if args.out else args.validate
        problems = validate(zip_path, expected_version=version)
    except (PackageError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if problems:
        print(f"{zip_path} breaks the plugin repository's rules:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    with zipfile.ZipFile(zip_path) as archive:
        count = sum(1 for name in archive.namelist() if not name.endswith("/"))
    print(f"{zip_path}: {count} files, {zip_path.stat().st_size / 1e6:.2f} MB, valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
