"""Hilbert order (rsgeo.geo.hilbert) against a hand-drawn curve and the curve's own property."""

from __future__ import annotations

import numpy as np
import pytest

from rsgeo.errors import InputError
from rsgeo.geo.hilbert import hilbert_index, hilbert_sort

# The Hilbert curve of order 2, drawn by hand: HAND[y][x] is the distance of cell (x, y).
HAND = [
    [0, 1, 14, 15],
    [3, 2, 13, 12],
    [4, 7, 8, 11],
    [5, 6, 9, 10],
]


def test_hilbert_index_of_a_4x4_grid_is_the_hand_drawn_curve() -> None:
    x, y = np.meshgrid(np.arange(4), np.arange(4))
    assert hilbert_index(x, y, order=2).tolist() == HAND


def test_hilbert_index_steps_to_a_neighbour_at_every_order() -> None:
    for order in (1, 3, 5):
        n = 1 << order
        x, y = np.meshgrid(np.arange(n), np.arange(n))
        d = hilbert_index(x.ravel(), y.ravel(), order=order)
        assert sorted(d.tolist()) == list(range(n * n))
        path = np.column_stack([x.ravel(), y.ravel()])[np.argsort(d)]
        steps = np.abs(np.diff(path, axis=0)).sum(axis=1)
        assert (steps == 1).all()


def test_hilbert_sort_orders_boxes_by_their_centres_and_puts_empty_ones_last() -> None:
    # centres on the 4 x 4 grid (the extent is the grid's), given row by row, one box empty
    cells = [(x, y) for y in range(4) for x in range(4)]
    bounds = np.array([[x - 0.5, y - 0.5, x + 0.5, y + 0.5] for x, y in cells], dtype=float)
    bounds = np.vstack([bounds, [np.nan] * 4])
    order = hilbert_sort(bounds)
    assert order[-1] == 16
    assert [HAND[cells[i][1]][cells[i][0]] for i in order[:-1]] == list(range(16))


def test_cells_outside_the_grid_are_refused() -> None:
    with pytest.raises(InputError, match=r"0 \.\. 3"):
        hilbert_index([4], [0], order=2)
