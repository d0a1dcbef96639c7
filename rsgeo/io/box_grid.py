"""Which boxes meet any of a set of query boxes: a grid join in numpy.

:func:`rsgeo.io.geoparquet.read_geoparquet` keeps the rows whose bbox meets
a patch's box. A tree of the query boxes needs a geometry per row to query
it with (about 2 µs a row to make); here the query boxes are put in the
cells of a regular grid (cell size about the boxes' own size), each row is
paired with the boxes of the cells its box covers, and the pairs are tested
exactly: numpy throughout, a fraction of a microsecond a row. Edges
touching count as meeting, as in an R-tree.

Boxes or rows that cover many cells (a tile's box, a row group's extent, a
township-sized polygon) are tested against every box instead, in blocks.

Examples
--------
>>> import numpy as np
>>> grid = BoxGrid(np.array([[0, 0, 1, 1], [10, 10, 11, 11]], dtype=float))
>>> rows = np.array([[1, 1, 2, 2], [3, 3, 4, 4], [9, 9, 12, 12]], dtype=float)
>>> grid.meets(*rows.T).tolist()
[True, False, True]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["BoxGrid"]

_MAX_CELLS = 64  # a box or row covering more cells is tested against every box
_BLOCK = 4_000_000  # (row, box) comparisons at a time in the brute-force test
_ROWS_AT_ONCE = 500_000
_MAX_TABLE = 4_000_000  # cells in the grid up to which a cell's boxes are found by lookup  # rows paired with the grid at a time (bounds the pairs' memory)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class BoxGrid:
    """Query boxes in the cells of a regular grid.

    Parameters
    ----------
    boxes : array of shape (n, 4)
        ``minx, miny, maxx, maxy`` rows, finite (at least one).
    """

    def __init__(self, boxes: FloatArray) -> None:
        b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        if len(b) == 0:
            raise ValueError("BoxGrid needs at least one box")
        self.boxes = b
        self.extent = (
            float(b[:, 0].min()),
            float(b[:, 1].min()),
            float(b[:, 2].max()),
            float(b[:, 3].max()),
        )
        x0, y0, x1, y1 = self.extent
        size = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])
        spread = np.sqrt(max((x1 - x0) * (y1 - y0), 0.0) / len(b))
        cell = max(float(np.median(size)), float(spread), 1e-9 * max(abs(x0), abs(y0), 1.0))
        self.cell = cell
        self.nx = int((x1 - x0) // cell) + 1
        self.ny = int((y1 - y0) // cell) + 1
        ix0, iy0, ix1, iy1 = self._cells(*b.T)
        n_cells = (ix1 - ix0 + 1) * (iy1 - iy0 + 1)
        big = n_cells > _MAX_CELLS
        self.big = np.flatnonzero(big)  # tested against every row that reaches them
        small = np.flatnonzero(~big)
        ids, cells = _expand(small, ix0[small], iy0[small], ix1[small], iy1[small], self.nx)
        order = np.argsort(cells, kind="stable")
        self._cell_ids = cells[order]
        self._box_ids = ids[order]
        self._sorted_boxes = b[self._box_ids]  # the boxes in the order of their cells
        # where each cell's boxes start among them, and how many: a lookup, not a search
        self._first: npt.NDArray[np.int64] | None = None
        if self.nx * self.ny <= _MAX_TABLE:
            count = np.bincount(self._cell_ids, minlength=self.nx * self.ny)
            self._count = count.astype(np.int64)
            self._first = np.cumsum(self._count) - self._count

    def _cells(
        self, xmin: FloatArray, ymin: FloatArray, xmax: FloatArray, ymax: FloatArray
    ) -> tuple[npt.NDArray[np.int64], ...]:
        x0, y0 = self.extent[:2]
        c = self.cell

        def at(v: FloatArray, origin: float, n: int) -> npt.NDArray[np.int64]:
            return np.clip(np.floor((v - origin) / c), 0, n - 1).astype(np.int64)

        return (
            at(xmin, x0, self.nx),
            at(ymin, y0, self.ny),
            at(xmax, x0, self.nx),
            at(ymax, y0, self.ny),
        )

    def meets(
        self, xmin: FloatArray, ymin: FloatArray, xmax: FloatArray, ymax: FloatArray
    ) -> BoolArray:
        """For each row box, whether it meets one of the query boxes (NaN rows: False)."""
        xmin, ymin, xmax, ymax = (np.asarray(v, dtype=np.float64) for v in (xmin, ymin, xmax, ymax))
        x0, y0, x1, y1 = self.extent
        # rows outside the extent of all the boxes are out at the cost of four comparisons
        # (NaN compares False)
        ok = (xmax >= x0) & (xmin <= x1) & (ymax >= y0) & (ymin <= y1)
        mask = np.zeros(len(xmin), dtype=bool)
        rows = np.flatnonzero(ok)
        for start in range(0, len(rows), _ROWS_AT_ONCE):
            block = rows[start : start + _ROWS_AT_ONCE]
            mask[block] = self._meets(xmin[block], ymin[block], xmax[block], ymax[block])
        return mask

    def _meets(
        self, xmin: FloatArray, ymin: FloatArray, xmax: FloatArray, ymax: FloatArray
    ) -> BoolArray:
        out = np.zeros(len(xmin), dtype=bool)
        ix0, iy0, ix1, iy1 = self._cells(xmin, ymin, xmax, ymax)
        n_cells = (ix1 - ix0 + 1) * (iy1 - iy0 + 1)
        wide = n_cells > _MAX_CELLS
        if wide.any():
            w = np.flatnonzero(wide)
            out[w] = _brute(self.boxes, xmin[w], ymin[w], xmax[w], ymax[w])
        narrow = np.flatnonzero(~wide)
        if len(self.big) and len(narrow):
            out[narrow] |= _brute(
                self.boxes[self.big], xmin[narrow], ymin[narrow], xmax[narrow], ymax[narrow]
            )
        if len(narrow) and len(self._cell_ids):
            rows, cells = _expand(
                narrow, ix0[narrow], iy0[narrow], ix1[narrow], iy1[narrow], self.nx
            )
            if self._first is not None:
                lo, counts = self._first[cells], self._count[cells]
            else:
                lo = np.searchsorted(self._cell_ids, cells, side="left")
                counts = np.searchsorted(self._cell_ids, cells, side="right") - lo
            has = counts > 0
            rows, lo, counts = rows[has], lo[has], counts[has]
            pair_row = np.repeat(rows, counts)
            start = np.cumsum(counts) - counts
            at = np.repeat(lo - start, counts) + np.arange(len(pair_row))
            b = self._sorted_boxes[at]
            hit = (
                (xmax[pair_row] >= b[:, 0])
                & (xmin[pair_row] <= b[:, 2])
                & (ymax[pair_row] >= b[:, 1])
                & (ymin[pair_row] <= b[:, 3])
            )
            out[pair_row[hit]] = True
        return out


def _expand(
    ids: npt.NDArray[np.int64],
    ix0: npt.NDArray[np.int64],
    iy0: npt.NDArray[np.int64],
    ix1: npt.NDArray[np.int64],
    iy1: npt.NDArray[np.int64],
    nx: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """One (id, cell) pair for every cell of every box (cell = iy * nx + ix)."""
    w = ix1 - ix0 + 1
    n = w * (iy1 - iy0 + 1)
    rep = np.repeat(np.arange(len(ids)), n)
    k = np.arange(len(rep)) - np.repeat(np.cumsum(n) - n, n)
    cx = ix0[rep] + k % w[rep]
    cy = iy0[rep] + k // w[rep]
    return np.asarray(ids)[rep], cy * nx + cx


def _brute(
    boxes: FloatArray, xmin: FloatArray, ymin: FloatArray, xmax: FloatArray, ymax: FloatArray
) -> BoolArray:
    """Rows meeting any of ``boxes``, every pair tested (in blocks of rows)."""
    out = np.zeros(len(xmin), dtype=bool)
    step = max(1, _BLOCK // max(len(boxes), 1))
    bx0, by0, bx1, by1 = (boxes[:, i][None, :] for i in range(4))
    for s in range(0, len(xmin), step):
        sl = slice(s, s + step)
        hit = (
            (xmax[sl, None] >= bx0)
            & (xmin[sl, None] <= bx1)
            & (ymax[sl, None] >= by0)
            & (ymin[sl, None] <= by1)
        )
        out[sl] = hit.any(axis=1)
    return out
