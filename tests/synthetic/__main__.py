"""``python -m tests.synthetic l2a|l1c|archive --out DIR [options]``: write synthetic products."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .l1c import make_l1c
from .l2a import make_l2a
from .scene import Scene, Surface
from .series import make_l2a_series

#: The demo archive: six June dates, a field mosaic under clouds that move.
ARCHIVE_DATES = ("2024-06-02", "2024-06-07", "2024-06-12", "2024-06-17", "2024-06-22",
                 "2024-06-27")


def archive_scenes(size: int) -> list[Scene]:
    """Vegetation, soil, a lake; each date a different cloud / shadow / haze pattern."""
    half, third = size // 2, size // 3
    base = (Scene.uniform(size, Surface.VEGETATION)
            .with_surface((half, size), (0, third), Surface.SOIL)
            .with_surface((0, third), (2 * third, size), Surface.WATER))
    step = size // 6
    scenes = []
    for index in range(len(ARCHIVE_DATES)):
        scene = base
        if index % 3 != 2:  # every third date is clear
            r0 = (index * step) % (size - 2 * step)
            scene = scene.with_cloud((r0, r0 + 2 * step), (step, 3 * step))
            scene = scene.with_shadow((r0 + 2 * step, r0 + 3 * step), (2 * step, 4 * step))
        if index == 4:
            scene = scene.with_haze((0, size), (4 * step, 5 * step))
        scenes.append(scene)
    return scenes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.synthetic",
                                     description="Write synthetic Sentinel-2 products.")
    parser.add_argument("kind", choices=("l2a", "l1c", "archive"))
    parser.add_argument("--out", required=True, type=Path, help="output folder (created)")
    parser.add_argument("--tile", default="32TQM")
    parser.add_argument("--date", default="2024-06-12T10:36:29",
                        help="datatake start (a bare date gets the 10:30-node overpass time)")
    parser.add_argument("--spacecraft", default=None, help="S2A, S2B or S2C")
    parser.add_argument("--size", type=int, default=240, help="pixels at 10 m (multiple of 6)")
    parser.add_argument("--baseline", default=None, help="processing baseline, e.g. 05.10")
    parser.add_argument("--format", dest="fmt", choices=("jp2", "tif"), default="jp2")
    parser.add_argument("--zip", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--swath-edge", action="store_true")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    common = dict(tile=args.tile, size_10m=args.size, fmt=args.fmt, zip=args.zip)
    try:
        if args.kind == "l2a":
            paths = [make_l2a(args.out, date=args.date, spacecraft=args.spacecraft or "S2B",
                              baseline=args.baseline or "05.10", seed=args.seed,
                              swath_edge=args.swath_edge, **common)]
        elif args.kind == "l1c":
            paths = [make_l1c(args.out, date=args.date, spacecraft=args.spacecraft or "S2A",
                              baseline=args.baseline or "03.01", seed=args.seed,
                              swath_edge=args.swath_edge, **common)]
        else:
            paths = make_l2a_series(args.out, ARCHIVE_DATES, archive_scenes(args.size),
                                    seed=args.seed, spacecraft=args.spacecraft or "S2B",
                                    baseline=args.baseline or "05.10", **common)
    except (ValueError, FileExistsError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
