"""Several products at once: a time series of one tile, and same-date overlapping granules."""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence, Union

from .acquisition import DateLike
from .l2a import make_l2a
from .scene import Scene
from .tiles import FULL_SIZE_10M, TILE_SIZE_M, _ROW_LETTERS, parse_tile


def make_l2a_series(out_dir: Union[str, Path], dates: Sequence[DateLike],
                    scenes: Union[Scene, Sequence[Optional[Scene]], None] = None, *,
                    seed: int = 0, **options) -> list[Path]:
    """One L2A product of the same tile per date; ``scenes`` is one Scene for all dates or one
    per date (None = uniform vegetation). Product i uses seed ``seed + i`` so the noise differs
    between dates. Other options go to ``make_l2a``."""
    if scenes is None or isinstance(scenes, Scene):
        scenes = [scenes] * len(dates)
    if len(scenes) != len(dates):
        raise ValueError(f"{len(scenes)} scenes for {len(dates)} dates: give one per date")
    return [make_l2a(out_dir, date=date, scene=scene, seed=seed + index, **options)
            for index, (date, scene) in enumerate(zip(dates, scenes))]


def southern_neighbour(tile: str) -> str:
    """The tile 100 km south in the same UTM zone and column ('32TQM' -> '32TQL')."""
    zone, band, col, row = parse_tile(tile)
    return f"{zone:02d}{band}{col}{_ROW_LETTERS[_ROW_LETTERS.index(row) - 1]}"


def make_l2a_overlap(out_dir: Union[str, Path], *, tile: str = "32TQM",
                     date: DateLike = "2024-06-12T10:36:29", size_10m: int = 240,
                     scenes: Sequence[Optional[Scene]] = (None, None), seed: int = 0,
                     **options) -> tuple[Path, Path]:
    """Two granules of the same datatake, ``tile`` and its southern neighbour, whose written
    windows cover the same ground (inside the 9.8 km the two tiles share). Give the scenes
    different ``aot`` to exercise the S2GM rule "keep the sample with the smaller AOT".
    Returns (north product, south product)."""
    if size_10m > (TILE_SIZE_M - 100_000) // 10:
        raise ValueError(f"size_10m={size_10m}: the shared strip is only 980 px tall")
    south = southern_neighbour(tile)
    north_row = 100_000 // 10  # row of the northern tile that is row 0 of the southern one
    first = make_l2a(out_dir, tile=tile, date=date, size_10m=size_10m, scene=scenes[0],
                     seed=seed, offset_10m=(north_row, 0), **options)
    second = make_l2a(out_dir, tile=south, date=date, size_10m=size_10m, scene=scenes[1],
                      seed=seed + 1, offset_10m=(0, 0), **options)
    assert FULL_SIZE_10M - north_row >= size_10m
    return first, second
