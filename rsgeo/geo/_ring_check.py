"""A conservative validity check of simple rings, compiled with numba.

:func:`surely_valid` says True only for single-ring polygons that are
certainly valid: closed, finite, at least three distinct points, and no two
edges meeting except consecutive ones at their common vertex. Any contact,
and any orientation value too close to zero for its floating-point sign to
be trusted, gives False ("not decided here"), and the caller asks GEOS
``is_valid``. Most features of a land-use layer are decided here, which
spares GEOS for them. Without numba every answer is False.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from rsgeo.geo._exact_orient import REL_ERR as _REL_ERR
from rsgeo.geo._numba import HAVE_NUMBA, numba
from rsgeo.geo._ragged import RaggedPolygons

__all__ = ["surely_valid"]

_MAX_CHECKED = 128  # rings with more vertices are left to GEOS by surely_valid


def _ring_is_simple(x: Any, y: Any, s: int, e: int, buf: Any) -> bool:
    """True when the closed ring ``s:e`` is certainly a valid polygon shell.

    Valid means: finite, closed, at least 3 distinct points, and no two edges
    meeting except consecutive ones at their common vertex (without folding
    back). Any orientation value too close to zero to trust, and any contact,
    gives False: the caller then asks GEOS. ``buf`` is scratch space of shape
    (at least the ring's length, 6): the ring's distinct vertices, then each
    edge's box, read from one row in the pair test.
    """
    if e - s < 4 or x[s] != x[e - 1] or y[s] != y[e - 1]:
        return False
    m = 0
    for k in range(s, e):
        xk = x[k]
        yk = y[k]
        if not (np.isfinite(xk) and np.isfinite(yk)):
            return False
        if m > 0 and xk == buf[m - 1, 0] and yk == buf[m - 1, 1]:
            continue
        buf[m, 0] = xk
        buf[m, 1] = yk
        m += 1
    nseg = m - 1
    if nseg < 3:
        return False
    for i in range(nseg):
        buf[i, 2] = min(buf[i, 0], buf[i + 1, 0])
        buf[i, 3] = max(buf[i, 0], buf[i + 1, 0])
        buf[i, 4] = min(buf[i, 1], buf[i + 1, 1])
        buf[i, 5] = max(buf[i, 1], buf[i + 1, 1])
    for i in range(nseg):
        px = buf[i, 0]
        py = buf[i, 1]
        qx = buf[i + 1, 0]
        qy = buf[i + 1, 1]
        lo_x = buf[i, 2]
        hi_x = buf[i, 3]
        lo_y = buf[i, 4]
        hi_y = buf[i, 5]
        dx = qx - px
        dy = qy - py
        for j in range(i + 1, nseg):
            if buf[j, 3] < lo_x or buf[j, 2] > hi_x or buf[j, 5] < lo_y or buf[j, 4] > hi_y:
                continue  # the edges' boxes do not meet
            ux = buf[j, 0]
            uy = buf[j, 1]
            vx = buf[j + 1, 0]
            vy = buf[j + 1, 1]
            if j == i + 1 or (i == 0 and j == nseg - 1):
                # consecutive edges: they may only share the common vertex
                if j == i + 1:  # p -> q=u -> v
                    ax, ay, cx, cy = px - qx, py - qy, vx - qx, vy - qy
                else:  # u -> v=p -> q
                    ax, ay, cx, cy = ux - px, uy - py, qx - px, qy - py
                t1 = ax * cy
                t2 = ay * cx
                if abs(t1 - t2) <= _REL_ERR * (abs(t1) + abs(t2)) and (
                    t1 - t2 != 0.0 or ax * cx + ay * cy >= 0.0
                ):
                    return False  # unsure, or folding back
                continue
            ex = vx - ux
            ey = vy - uy
            t1 = dx * (uy - py)
            t2 = dy * (ux - px)
            d1 = t1 - t2
            if abs(d1) <= _REL_ERR * (abs(t1) + abs(t2)):
                return False
            t1 = dx * (vy - py)
            t2 = dy * (vx - px)
            d2 = t1 - t2
            if abs(d2) <= _REL_ERR * (abs(t1) + abs(t2)):
                return False
            if (d1 > 0) == (d2 > 0):
                continue
            t1 = ex * (py - uy)
            t2 = ey * (px - ux)
            d3 = t1 - t2
            if abs(d3) <= _REL_ERR * (abs(t1) + abs(t2)):
                return False
            t1 = ex * (qy - uy)
            t2 = ey * (qx - ux)
            d4 = t1 - t2
            if abs(d4) <= _REL_ERR * (abs(t1) + abs(t2)):
                return False
            if (d3 > 0) != (d4 > 0):
                return False  # proper crossing
    return True


def _rings_simple_py(x: Any, y: Any, starts: Any, ends: Any, out: Any, buf: Any) -> None:
    for r in range(len(starts)):
        out[r] = _ring_is_simple(x, y, starts[r], ends[r], buf)


if HAVE_NUMBA:
    _ring_is_simple = numba.njit(cache=True, nogil=True)(_ring_is_simple)
    _rings_simple_jit = numba.njit(cache=True, nogil=True)(_rings_simple_py)
else:  # pragma: no cover
    _rings_simple_jit = None  # type: ignore[assignment]


def surely_valid(
    geoms: npt.NDArray[np.object_], flat: RaggedPolygons | None = None
) -> npt.NDArray[np.bool_]:
    """True for single-ring polygons that are certainly valid (numba check).

    False means "not decided here": holes, several parts, other types, any
    contact or near-degenerate vertex. Ask ``shapely.is_valid`` for those.
    Without numba every value is False. ``flat``, the flat arrays of the same
    geometries when already built, saves reading the vertices again.
    """
    geoms = np.asarray(geoms, dtype=object)
    out = np.zeros(len(geoms), dtype=np.bool_)
    if not HAVE_NUMBA or len(geoms) == 0:
        return out
    if flat is not None:
        n_rings = np.diff(flat.geom_off)
        first = flat.geom_off[:-1]
        starts = flat.ring_off[np.minimum(first, len(flat.ring_off) - 2)]
        ends = flat.ring_off[np.minimum(first + 1, len(flat.ring_off) - 1)]
        one = np.flatnonzero((n_rings == 1) & (ends - starts <= _MAX_CHECKED))
        if len(one) == 0:
            return out
        out[one] = _rings_simple(flat.x, flat.y, starts[one], ends[one])
        return out
    types = shapely.get_type_id(geoms)
    one = np.flatnonzero(
        (types == 3)
        & (shapely.get_num_interior_rings(geoms) == 0)
        & (shapely.get_num_coordinates(geoms) <= _MAX_CHECKED)  # pair test is quadratic
    )
    if len(one) == 0:
        return out
    n_coords = shapely.get_num_coordinates(geoms[one]).astype(np.int64)
    xy = shapely.get_coordinates(geoms[one])
    ends = np.cumsum(n_coords)
    x = np.ascontiguousarray(xy[:, 0])
    y = np.ascontiguousarray(xy[:, 1])
    out[one] = _rings_simple(x, y, ends - n_coords, ends)
    return out


def _rings_simple(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
) -> npt.NDArray[np.bool_]:
    """:func:`_ring_is_simple` of every ring, in chunks on threads (nogil kernel)."""
    res = np.zeros(len(starts), dtype=np.bool_)
    size = max(int((ends - starts).max()), 1) if len(starts) else 1

    def run(lo_hi: tuple[int, int]) -> None:
        lo, hi = lo_hi
        buf = np.empty((size, 6))
        part = np.zeros(hi - lo, dtype=np.bool_)
        _rings_simple_jit(x, y, starts[lo:hi], ends[lo:hi], part, buf)
        res[lo:hi] = part

    workers = min(os.cpu_count() or 1, 8)
    step = max(50_000, -(-len(starts) // (workers * 2)))
    spans = [(lo, min(lo + step, len(starts))) for lo in range(0, len(starts), step)]
    if workers == 1 or len(spans) <= 1:
        for sp in spans:
            run(sp)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, spans))
    return res
