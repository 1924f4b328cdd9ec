"""A window of an output grid: the unit the engine composites and the sources read."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .grid import OutputGrid


@dataclass(frozen=True)
class Block:
    """A window of an output grid: rows ``row0..row0+nrows``, cols ``col0..col0+ncols``."""

    grid: OutputGrid
    row0: int
    col0: int
    nrows: int
    ncols: int

    @property
    def shape(self) -> tuple[int, int]:
        return (self.nrows, self.ncols)

    @property
    def origin(self) -> tuple[float, float]:
        """Upper-left corner of the block in the grid's CRS."""
        x0, dx, _, y0, _, dy = self.grid.geotransform
        return (x0 + self.col0 * dx, y0 + self.row0 * dy)

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """x (ncols,) and y (nrows,) of the pixel centres in the grid's CRS."""
        x0, dx, _, y0, _, dy = self.grid.geotransform
        xs = x0 + (self.col0 + np.arange(self.ncols) + 0.5) * dx
        ys = y0 + (self.row0 + np.arange(self.nrows) + 0.5) * dy
        return xs, ys
