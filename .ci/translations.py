#!/usr/bin/env python3
"""Refresh and compile the plugin's translations (``make translations``).

1. ``pylupdate5`` collects every ``tr("...")`` string of s2gm_qgis/gui, processing and qgis_support
   (and .ui files, if any) into each ``i18n/s2gm_qgis_<lang>.ts``, keeping the translations already
   there and dropping entries whose source text is gone.
2. Every entry must be translated: the script lists the unfinished ones and fails, so that a new
   string cannot ship in English inside a French interface. Translate them (Qt Linguist, or by
   hand: fill ``<translation>`` and drop ``type="unfinished"``), then run it again.
3. ``lrelease`` compiles each .ts into the ``.qm`` the plugin ships and loads.

``--check`` changes nothing: it runs step 1 on a temporary copy and fails if a .ts is not up to
date with the sources or not complete (used by the tests).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
I18N = ROOT / "i18n"
SOURCE_DIRS = (ROOT / "s2gm_qgis" / "gui", ROOT / "s2gm_qgis" / "processing",
               ROOT / "s2gm_qgis" / "qgis_support")
TS_PREFIX = "s2gm_qgis_"
DEFAULT_LANGUAGES = ("fr",)


def source_files() -> list[Path]:
    """Every file pylupdate5 reads: the .py and .ui files of the GUI and Processing packages."""
    files = []
    for folder in SOURCE_DIRS:
        files += sorted(p for p in folder.rglob("*") if p.suffix in (".py", ".ui"))
    if not files:
        raise SystemExit(f"no .py/.ui file under {', '.join(map(str, SOURCE_DIRS))}")
    return files


def ts_files(languages: list[str]) -> list[Path]:
    """The .ts file of each language asked for, else of each language already present."""
    if languages:
        return [I18N / f"{TS_PREFIX}{lang}.ts" for lang in languages]
    existing = sorted(I18N.glob(f"{TS_PREFIX}*.ts"))
    return existing or [I18N / f"{TS_PREFIX}{lang}.ts" for lang in DEFAULT_LANGUAGES]


def run_pylupdate(ts: Path, sources: list[Path]) -> None:
    """Update ``ts`` from ``sources`` (created if absent), keeping existing translations."""
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    relative = [os.path.relpath(p, ts.parent) for p in sources]
    subprocess.run(
        ["pylupdate5", "-noobsolete", *relative, "-ts", ts.name],
        cwd=ts.parent, env=env, check=True, stdout=subprocess.DEVNULL,
    )


def messages(ts: Path) -> list[dict]:
    """Every current (not obsolete) message of a .ts file: source, translation(s), status."""
    found = []
    for context in ET.parse(ts).getroot().iter("context"):
        context_name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            kind = translation.get("type", "") if translation is not None else "unfinished"
            if kind in ("obsolete", "vanished"):
                continue
            forms = [f.text or "" for f in translation.iter("numerusform")] or [
                translation.text or ""
            ]
            location = message.find("location")
            found.append({
                "context": context_name,
                "source": message.findtext("source", ""),
                "translations": forms,
                "finished": kind != "unfinished" and all(form.strip() for form in forms),
                "where": (f"{location.get('filename')}:{location.get('line')}"
                          if location is not None else "?"),
            })
    return found


def unfinished(ts: Path) -> list[str]:
    """``file:line: source`` of each message of ``ts`` that has no finished translation."""
    return [f"{m['where']}: {m['source']!r}" for m in messages(ts) if not m["finished"]]


def run_lrelease(ts: Path) -> Path:
    qm = ts.with_suffix(".qm")
    subprocess.run(["lrelease", "-silent", str(ts), "-qm", str(qm)], check=True)
    return qm


def check(languages: list[str]) -> int:
    """Fail if a .ts misses a source string or has unfinished entries (nothing is written)."""
    problems = []
    sources = source_files()
    for ts in ts_files(languages):
        if not ts.exists():
            problems.append(f"{ts.relative_to(ROOT)} does not exist (run make translations)")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            # Same relative position to the sources as the real file, so locations match.
            copy = Path(tmp) / "i18n" / ts.name
            copy.parent.mkdir()
            shutil.copy2(ts, copy)
            relocated = [Path(tmp) / p.relative_to(ROOT) for p in sources]
            for src, dst in zip(sources, relocated):
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
            run_pylupdate(copy, relocated)
            current = {(m["context"], m["source"]) for m in messages(ts)}
            fresh = messages(copy)
            missing = [m["source"] for m in fresh if (m["context"], m["source"]) not in current]
            if missing:
                problems.append(f"{ts.name} lacks {len(missing)} source string(s) (run make "
                                f"translations): " + "; ".join(map(repr, missing)))
            problems += [f"{ts.name} {item}" for item in unfinished(copy)]
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


def update(languages: list[str]) -> int:
    """pylupdate5, completeness check, lrelease."""
    I18N.mkdir(exist_ok=True)
    sources = source_files()
    failed = False
    for ts in ts_files(languages):
        run_pylupdate(ts, sources)
        missing = unfinished(ts)
        if missing:
            failed = True
            print(f"{ts.relative_to(ROOT)}: {len(missing)} string(s) without a translation:",
                  file=sys.stderr)
            for item in missing:
                print(f"  {item}", file=sys.stderr)
            continue
        qm = run_lrelease(ts)
        total = len(messages(ts))
        print(f"{ts.relative_to(ROOT)}: {total} strings, all translated -> {qm.relative_to(ROOT)}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", action="append", default=[],
                        help="language code to update or create (default: every existing .ts)")
    parser.add_argument("--check", action="store_true",
                        help="only check that the .ts files are up to date and complete")
    args = parser.parse_args(argv)
    for tool in ("pylupdate5", "lrelease"):
        if shutil.which(tool) is None:
            print(f"{tool} not found: install pyqt5-dev-tools and qttools5-dev-tools "
                  "(make setup)", file=sys.stderr)
            return 2
    return check(args.lang) if args.check else update(args.lang)


if __name__ == "__main__":
    sys.exit(main())
