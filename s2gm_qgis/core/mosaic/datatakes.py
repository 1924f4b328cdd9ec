"""Same datatake over two granules (same spacecraft, day and relative orbit, i.e. the tiles'
overlap): :func:`merge_same_datatake` keeps per pixel the sample with the smaller AOT."""
from __future__ import annotations

from datetime import timedelta
from typing import Mapping, Sequence

import numpy as np

from .sources import Observation


#: Granules of one spacecraft and relative orbit sensed closer than this in time are one pass:
#: the tiles of a datatake are seconds to minutes apart, the same orbit comes back 10 days later.
#: (Not the UTC date: passes near 157 E are sensed around 00:00 UTC, over two dates.)
SAME_PASS_MAX_GAP = timedelta(minutes=30)


def datatake_groups(sources: Sequence[Observation]) -> list[list[int]]:
    """Rows of ``sources`` grouped by datatake (same spacecraft and relative orbit, sensing times
    chained less than :data:`SAME_PASS_MAX_GAP` apart), rows ascending within a group, groups
    in the order of their first member."""
    groups: list[list[int]] = []
    last_group: dict[tuple, list[int]] = {}
    for row in sorted(range(len(sources)), key=lambda r: sources[r].sensing_time_utc):
        key = sources[row].datatake_key
        group = last_group.get(key)
        if group is not None and (sources[row].sensing_time_utc
                                  - sources[group[-1]].sensing_time_utc) < SAME_PASS_MAX_GAP:
            group.append(row)
            continue
        last_group[key] = [row]
        groups.append(last_group[key])
    for group in groups:
        group.sort()
    return sorted(groups, key=lambda g: g[0])


def merge_same_datatake(
    groups: Sequence[Sequence[int]],
    has_data: np.ndarray,
    aot: Mapping[int, np.ndarray],
) -> np.ndarray:
    """Which row each datatake keeps, per pixel: ``(len(groups), pixels)`` row indices.

    Where several granules of a datatake have data, the sample with the smaller AOT is kept
    (ties: the first row); where none has, the first row (it is invalid anyway).
    ``has_data``: ``(rows, pixels)``; ``aot``: row -> ``(pixels,)`` AOT for the rows of
    groups with more than one member (NaN counts as the largest).
    """
    n_pixels = has_data.shape[1]
    out = np.empty((len(groups), n_pixels), dtype=np.intp)
    for g, members in enumerate(groups):
        if len(members) == 1:
            out[g] = members[0]
            continue
        keys = np.stack([
            np.where(has_data[m], np.nan_to_num(aot[m], nan=np.inf), np.inf) for m in members
        ]).astype(np.float64)
        # Rows with data but no AOT still beat rows without data.
        keys[np.isinf(keys) & has_data[list(members)]] = np.finfo(np.float64).max
        out[g] = np.asarray(members)[np.argmin(keys, axis=0)]
    return out
