"""Command line over the core. Each sub-command lives in its own module, which exposes
``register(subparsers)`` adding its parser with ``set_defaults(run=callable)``; ``run(args)``
returns the exit code (0 success, 2 bad input with the reason on stderr)."""
from __future__ import annotations

import argparse
import importlib
import sys

from .. import __version__
from ..core.errors import S2GMError

#: Modules under s2gm_qgis.cli that provide sub-commands, in help order.
COMMAND_MODULES: tuple[str, ...] = ("engine", "delays", "mosaic", "pts")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python3 -m s2gm_qgis",
        description="Sentinel-2 global mosaics and inter-band delays, without QGIS.",
    )
    parser.add_argument("--version", action="version", version=f"s2gm_qgis {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.run(args) or 0)
    except S2GMError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
