"""Hilbert order: the distance of grid cells along a Hilbert curve, and boxes sorted by it.

Rows sorted by the Hilbert index of their bounding-box centres lie near
their neighbours on the ground: a run of rows covers a compact piece of it
(:mod:`rsgeo.io.geoparquet` writes layers in this order, so that the
statistics of a row group say where it lies).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from rsgeo.errors import InputError

__all__ = ["HILBERT_ORDER", "hilbert_index", "hilbert_sort"]

HILBERT_ORDER = 16
"""Bits per axis of the Hilbert grid the bbox centres are placed on (65,536²)."""


def hilbert_index(
    x: npt.ArrayLike, y: npt.ArrayLike, *, order: int = HILBERT_ORDER
) -> npt.NDArray[np.uint64]:
    """Distance along the Hilbert curve of cells ``(x, y)`` of a ``2**order`` grid.

    Vectorised over numpy arrays (one pass per bit). The curve starts at
    ``(0, 0)`` and ends at ``(2**order - 1, 0)``; consecutive distances are
    neighbouring cells. An odd order starts upwards, an even one to the right.

    Parameters
    ----------
    x, y : array of int
        Cell columns and rows, ``0 <= x, y < 2**order``.
    order : int
        Bits per axis (at most 31).

    Returns
    -------
    ndarray of uint64

    Examples
    --------
    >>> hilbert_index([0, 0, 1, 1], [0, 1, 1, 0], order=1).tolist()
    [0, 1, 2, 3]
    """
    if not 1 <= order <= 31:
        raise InputError(f"order must be between 1 and 31, got {order}")
    xi = np.asarray(x, dtype=np.int64).copy()
    yi = np.asarray(y, dtype=np.int64).copy()
    n = np.int64(1) << order
    if xi.size and (xi.min() < 0 or yi.min() < 0 or xi.max() >= n or yi.max() >= n):
        raise InputError(f"cells must lie in 0 .. {n - 1}")
    d = np.zeros(np.broadcast(xi, yi).shape, dtype=np.uint64)
    s = n >> 1
    while s > 0:
        rx = (xi & s) > 0
        ry = (yi & s) > 0
        d += (np.uint64(s) * np.uint64(s)) * ((3 * rx) ^ ry).astype(np.uint64)
        # rotate the quadrant so the sub-curve starts and ends where the curve needs it
        flip = ~ry & rx
        xi = np.where(flip, s - 1 - xi, xi)
        yi = np.where(flip, s - 1 - yi, yi)
        swap = ~ry
        xi, yi = np.where(swap, yi, xi), np.where(swap, xi, yi)
        xi &= s - 1
        yi &= s - 1
        s >>= 1
    return d


def hilbert_sort(bounds: npt.ArrayLike, *, order: int = HILBERT_ORDER) -> npt.NDArray[np.intp]:
    """Row order of boxes by the Hilbert index of their centres.

    The centres are placed on a ``2**order`` grid over their own extent;
    boxes without finite bounds (missing or empty geometry) go last, in
    their original order (the sort is stable).

    Parameters
    ----------
    bounds : array of shape (n, 4)
        ``minx, miny, maxx, maxy``.

    Returns
    -------
    ndarray of int
        A permutation of ``range(n)``.
    """
    b = np.asarray(bounds, dtype=np.float64).reshape(-1, 4)
    cx = (b[:, 0] + b[:, 2]) / 2
    cy = (b[:, 1] + b[:, 3]) / 2
    ok = np.isfinite(cx) & np.isfinite(cy)
    keys = np.full(len(b), np.iinfo(np.uint64).max, dtype=np.uint64)
    if ok.any():
        top = (1 << order) - 1
        x0, x1 = cx[ok].min(), cx[ok].max()
        y0, y1 = cy[ok].min(), cy[ok].max()
        span = max(x1 - x0, y1 - y0) or 1.0  # one scale for both axes keeps the curve square
        gx = np.clip(((cx[ok] - x0) / span * top).round(), 0, top).astype(np.int64)
        gy = np.clip(((cy[ok] - y0) / span * top).round(), 0, top).astype(np.int64)
        keys[ok] = hilbert_index(gx, gy, order=order)
    return np.argsort(keys, kind="stable")
