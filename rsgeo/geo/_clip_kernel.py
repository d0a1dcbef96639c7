"""Area and first moments of polygon intersections, without building geometry.

The overlay only needs, for each (patch piece, feature) pair, the plane area of
their intersection and its centroid (for the ellipsoidal scale), not the
intersection polygon. Green's theorem gives both from the boundary::

    area(A ∩ B) = ∮ x dy  over ∂(A ∩ B) = (∂A inside B) ∪ (∂B inside A)

so each edge of A contributes the part of its integral that lies inside B and
vice versa. Along an edge the inside indicator starts at a point-in-polygon
value and flips at each crossing with the other boundary, which makes the
contribution ``g0·F(1) + Σ s_j (F(1) − F(t_j))`` for the antiderivative F of
the integrand: no sorting and no polygon construction, a few hundred
floating-point operations per pair instead of a full overlay.

Degenerate contacts (shared vertices, edges shared by two parcels of a
tessellation, patches digitised along parcel edges) are resolved by
simulation of simplicity: B is taken as shifted by the infinitesimal vector
(ε, ε²). The area is continuous in that shift, so the limit is the exact area,
and every orientation test has a definite sign. Orientation values too close
to zero for their floating-point sign to be trusted (near-collinear points:
a layer against its own copy after a round trip through another CRS moves
vertices by 1e-9 m) are recomputed exactly (:mod:`rsgeo.geo._exact_orient`),
so every decision is the exact one and an exact zero is a true zero.

Nearly parallel edges also cross at a point that the rounding of the
orientation values moves along the edges by centimetres, so the integrals of
the two boundaries no longer meet there. Each crossing therefore carries a
bound of that error (the rounding of the orientation values over the sine of
the crossing angle, times the integrand along the edge); a crossing whose
bound exceeds ``_REFINE_M2`` is placed again with the exactly rounded values,
which brings its bound to about 1e-10 m². A crossing whose bound still
exceeds ``_MAX_ERR_M2``, a coordinate difference that is not exact in floating point
(the exact orientation needs it), a ring whose inside indicator does not
return to its start, or a result outside ``[0, min(area A, area B)]`` flag
the pair; the caller recomputes flagged pairs with GEOS.

The kernel is compiled with numba when it is installed (``pip install
numba``); without numba the caller uses GEOS for every pair. Setting the
environment variable ``RSGEO_NO_NUMBA=1`` before rsgeo is imported makes
``HAVE_NUMBA`` False even where numba is installed (:mod:`rsgeo.geo._numba`;
CI runs the overlay tests that way too).

The pairs are read from flat vertex arrays (:mod:`rsgeo.geo._ragged`). Also
here, compiled the same way: :func:`group_pairs` (feature pairs met by one
work piece, for the union test). The validity check of simple rings is in
:mod:`rsgeo.geo._ring_check`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from rsgeo.geo._exact_orient import REL_ERR as _REL_ERR
from rsgeo.geo._exact_orient import orient_exact as _orient_exact
from rsgeo.geo._exact_orient import side as _side
from rsgeo.geo._numba import HAVE_NUMBA, numba
from rsgeo.geo._ragged import RaggedPolygons

__all__ = ["HAVE_NUMBA", "group_pairs", "pair_moments"]

_ROUND = 8.0 * 2.0**-52  # bound on the relative rounding error of an orientation value
_REFINE_M2 = 1e-9  # crossings that may move the area (plane m²) more than this are placed exactly
_MAX_ERR_M2 = 1e-6  # a crossing placed exactly that may still move it more: the pair goes to GEOS


def _edges_inside(
    ax: Any,
    ay: Any,
    a_ring: Any,
    a_geom: Any,
    ga: int,
    bx: Any,
    by: Any,
    b_ring: Any,
    b_geom: Any,
    gb: int,
    bbx0: float,
    bby0: float,
    bbx1: float,
    bby1: float,
    abx0: float,
    aby0: float,
    abx1: float,
    aby1: float,
    ox: float,
    oy: float,
    shift: float,
    buf: Any,
    box: Any,
) -> tuple[float, float, float, bool]:
    """Integrals of the edges of geometry ga of A lying inside geometry gb of B.

    ``(bbx0, bby0, bbx1, bby1)`` is the box of B and ``(abx0, ...)`` the box
    of A, both widened by a margin. ``shift`` is +1 when B is the shifted one
    (B + e), -1 when A is (A + e, i.e. B shifted by -e relative to A).
    ``buf`` and ``box`` are scratch space for the indices and boxes of B's
    edges that meet A's box: only those can cross an edge of A, so a small A
    inside a large B costs a pass over B's edges instead of one per edge of A.
    """
    area = 0.0
    sx = 0.0
    sy = 0.0
    bad = False
    n_near = 0
    for rb in range(b_geom[gb], b_geom[gb + 1]):
        for j in range(b_ring[rb], b_ring[rb + 1] - 1):
            ux = bx[j]
            uy = by[j]
            vx = bx[j + 1]
            vy = by[j + 1]
            x0 = min(ux, vx)
            x1 = max(ux, vx)
            y0 = min(uy, vy)
            y1 = max(uy, vy)
            if x1 < abx0 or x0 > abx1 or y1 < aby0 or y0 > aby1:
                continue
            buf[n_near] = j
            box[n_near, 0] = x0
            box[n_near, 1] = x1
            box[n_near, 2] = y0
            box[n_near, 3] = y1
            n_near += 1
    for r in range(a_geom[ga], a_geom[ga + 1]):
        start = a_ring[r]
        end = a_ring[r + 1]
        have = False
        status = 0
        first_status = -1
        complete = True
        for k in range(start, end - 1):
            px = ax[k]
            py = ay[k]
            qx = ax[k + 1]
            qy = ay[k + 1]
            dx = qx - px
            dy = qy - py
            if dx == 0.0 and dy == 0.0:
                continue
            if max(px, qx) < bbx0 or min(px, qx) > bbx1 or max(py, qy) < bby0 or min(py, qy) > bby1:
                # the edge, so its end, lies outside B's widened box: the next
                # edge starts outside B
                if have and status != 0:
                    bad = True
                have = True
                status = 0
                complete = False
                continue
            if not have and (px < bbx0 or px > bbx1 or py < bby0 or py > bby1):
                have = True
                status = 0
            if not have:
                # point-in-polygon of p in (B shifted), crossing number
                inside = False
                for rb in range(b_geom[gb], b_geom[gb + 1]):
                    for j in range(b_ring[rb], b_ring[rb + 1] - 1):
                        ux = bx[j]
                        uy = by[j]
                        vx = bx[j + 1]
                        vy = by[j + 1]
                        if shift > 0:  # ray from p - e: straddle uses >=
                            su = uy >= py
                            sv = vy >= py
                        else:  # ray from p + e: strict
                            su = uy > py
                            sv = vy > py
                        if su == sv:
                            continue
                        ex = vx - ux
                        ey = vy - uy
                        t1 = ex * (py - uy)
                        t2 = ey * (px - ux)
                        d = t1 - t2
                        err = _REL_ERR * (abs(t1) + abs(t2))
                        # orientation of p relative to the shifted edge of B
                        o, _, unsure = _side(d, err, ux, uy, vx, vy, px, py, -shift)
                        if unsure:
                            bad = True
                        if (sv and o > 0) or (su and o < 0):  # upward edge, p on its left
                            inside = not inside
                status = 1 if inside else 0
                have = True
            if first_status < 0 and k == start:
                first_status = status
            # crossings of edge p->q with every edge of B
            lpx = px - ox
            lpy = py - oy
            f1a = dy * (lpx + 0.5 * dx)
            f1x = 0.5 * dy * (lpx * lpx + lpx * dx + dx * dx / 3.0)
            f1y = dy * (lpx * lpy + 0.5 * (lpx * dy + lpy * dx) + dx * dy / 3.0)
            acc_a = status * f1a
            acc_x = status * f1x
            acc_y = status * f1y
            flips = 0
            ex0 = min(px, qx)
            ex1 = max(px, qx)
            ey0 = min(py, qy)
            ey1 = max(py, qy)
            for m in range(n_near):
                if box[m, 1] < ex0 or box[m, 0] > ex1 or box[m, 3] < ey0 or box[m, 2] > ey1:
                    continue
                j = buf[m]
                ux = bx[j]
                uy = by[j]
                vx = bx[j + 1]
                vy = by[j + 1]
                ex = vx - ux
                ey = vy - uy
                if ex == 0.0 and ey == 0.0:
                    continue
                # orientation of u, v (shifted by shift*e) w.r.t. p->q
                t1 = dx * (uy - py)
                t2 = dy * (ux - px)
                du = t1 - t2
                ou, _, f1 = _side(du, _REL_ERR * (abs(t1) + abs(t2)), px, py, qx, qy, ux, uy, shift)
                t1 = dx * (vy - py)
                t2 = dy * (vx - px)
                dv = t1 - t2
                ov, _, f2 = _side(dv, _REL_ERR * (abs(t1) + abs(t2)), px, py, qx, qy, vx, vy, shift)
                if f1 or f2:
                    bad = True
                if ou == ov:
                    continue
                # orientation of p, q w.r.t. the shifted u->v
                t1 = ex * (py - uy)
                t2 = ey * (px - ux)
                dp = t1 - t2
                size_p = abs(t1) + abs(t2)
                op, dp, f3 = _side(dp, _REL_ERR * size_p, ux, uy, vx, vy, px, py, -shift)
                t1 = ex * (qy - uy)
                t2 = ey * (qx - ux)
                dq = t1 - t2
                size_q = abs(t1) + abs(t2)
                oq, dq, f4 = _side(dq, _REL_ERR * size_q, ux, uy, vx, vy, qx, qy, -shift)
                if f3 or f4:
                    bad = True
                if op == oq:
                    continue
                # parameter along p->q: dp, dq have opposite signs, no cancellation;
                # their rounding moves the crossing along the edge by up to
                # _ROUND (size_p + size_q) / |dp - dq| of it, and the area integrand
                # there is dy times the local x (at most |lpx| + |dx|)
                denom = dp - dq
                scale = _ROUND * abs(dy) * (abs(lpx) + abs(dx))
                if scale * (size_p + size_q) > _REFINE_M2 * abs(denom):
                    # nearly parallel edges: dp, dq exactly rounded instead
                    dp, ok_p = _orient_exact(ux, uy, vx, vy, px, py)
                    dq, ok_q = _orient_exact(ux, uy, vx, vy, qx, qy)
                    denom = dp - dq
                    if not (ok_p and ok_q) or scale * (abs(dp) + abs(dq)) > _MAX_ERR_M2 * abs(
                        denom
                    ):
                        bad = True
                t = dp / denom if denom != 0.0 else 0.0
                t = min(1.0, max(0.0, t))
                s = 1 if op < 0 else -1  # entering B when p is on its right
                fa = dy * (lpx * t + 0.5 * dx * t * t)
                fx = 0.5 * dy * (lpx * lpx * t + lpx * dx * t * t + dx * dx * t * t * t / 3.0)
                fy = dy * (
                    lpx * lpy * t + 0.5 * (lpx * dy + lpy * dx) * t * t + dx * dy * t * t * t / 3.0
                )
                acc_a += s * (f1a - fa)
                acc_x += s * (f1x - fx)
                acc_y += s * (f1y - fy)
                flips += s
            area += acc_a
            sx += acc_x
            sy += acc_y
            status += flips
            if status < 0 or status > 1:
                bad = True
                status = 1 if status > 1 else 0
        if complete and have and first_status >= 0 and status != first_status:
            bad = True
    return area, sx, sy, bad


def _pair_moments_py(
    ax: Any,
    ay: Any,
    a_ring: Any,
    a_geom: Any,
    a_bounds: Any,
    a_area: Any,
    bx: Any,
    by: Any,
    b_ring: Any,
    b_geom: Any,
    b_bounds: Any,
    b_area: Any,
    ia: Any,
    ib: Any,
    origin: Any,
    out_area: Any,
    out_sx: Any,
    out_sy: Any,
    out_bad: Any,
    buf: Any,
    box: Any,
) -> None:
    margin = 1e-6
    for i in range(len(ia)):
        ga = ia[i]
        gb = ib[i]
        o_x = origin[i, 0]
        o_y = origin[i, 1]
        a_x0 = a_bounds[ga, 0] - margin
        a_y0 = a_bounds[ga, 1] - margin
        a_x1 = a_bounds[ga, 2] + margin
        a_y1 = a_bounds[ga, 3] + margin
        b_x0 = b_bounds[gb, 0] - margin
        b_y0 = b_bounds[gb, 1] - margin
        b_x1 = b_bounds[gb, 2] + margin
        b_y1 = b_bounds[gb, 3] + margin
        a1, x1, y1, bad1 = _edges_inside(
            ax,
            ay,
            a_ring,
            a_geom,
            ga,
            bx,
            by,
            b_ring,
            b_geom,
            gb,
            b_x0,
            b_y0,
            b_x1,
            b_y1,
            a_x0,
            a_y0,
            a_x1,
            a_y1,
            o_x,
            o_y,
            1.0,
            buf,
            box,
        )
        a2, x2, y2, bad2 = _edges_inside(
            bx,
            by,
            b_ring,
            b_geom,
            gb,
            ax,
            ay,
            a_ring,
            a_geom,
            ga,
            a_x0,
            a_y0,
            a_x1,
            a_y1,
            b_x0,
            b_y0,
            b_x1,
            b_y1,
            o_x,
            o_y,
            -1.0,
            buf,
            box,
        )
        total = a1 + a2
        limit = min(a_area[ga], b_area[gb])
        tol = 1e-9 * max(limit, 1.0)
        bad = bad1 or bad2 or total < -tol or total > limit + tol
        out_area[i] = min(max(total, 0.0), limit)
        out_sx[i] = x1 + x2
        out_sy[i] = y1 + y2
        out_bad[i] = bad


def _group_pairs_py(grp: Any, fi: Any, src: Any, bounds: Any, out: Any) -> int:
    """Codes ``lo * n + hi`` of feature pairs met in one group (``grp`` sorted).

    Pairs of cells of one feature (same ``src``) and pairs whose boxes do not
    overlap are left out. Returns the number of codes written to ``out``.
    """
    n = len(grp)
    nf = len(src)
    m = 0
    s = 0
    while s < n:
        e = s + 1
        while e < n and grp[e] == grp[s]:
            e += 1
        for i in range(s, e):
            a = fi[i]
            for j in range(i + 1, e):
                b = fi[j]
                if src[a] == src[b]:
                    continue
                if min(bounds[a, 2], bounds[b, 2]) <= max(bounds[a, 0], bounds[b, 0]):
                    continue
                if min(bounds[a, 3], bounds[b, 3]) <= max(bounds[a, 1], bounds[b, 1]):
                    continue
                out[m] = min(a, b) * nf + max(a, b)
                m += 1
        s = e
    return m


if HAVE_NUMBA:
    _group_pairs_jit = numba.njit(cache=True, nogil=True)(_group_pairs_py)
    _edges_inside = numba.njit(cache=True, nogil=True)(_edges_inside)
    _pair_moments_jit = numba.njit(cache=True, nogil=True)(_pair_moments_py)
else:  # pragma: no cover
    _pair_moments_jit = None  # type: ignore[assignment]
    _group_pairs_jit = None  # type: ignore[assignment]


def group_pairs(
    grp: npt.NDArray[np.int64],
    fi: npt.NDArray[np.int64],
    src: npt.NDArray[np.int64],
    bounds: npt.NDArray[np.float64],
) -> npt.NDArray[np.int64]:
    """Distinct codes ``lo * n + hi`` of the feature pairs sharing a group.

    ``grp`` (sorted) groups the entries of ``fi`` (e.g. by work piece); pairs
    with the same ``src`` or boxes that do not overlap are left out.
    """
    if len(grp) < 2:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
    counts = np.diff(np.r_[starts, len(grp)])
    out = np.empty(int((counts * (counts - 1) // 2).sum()), dtype=np.int64)
    fn = _group_pairs_jit if _group_pairs_jit is not None else _group_pairs_py
    m = fn(
        np.ascontiguousarray(grp, dtype=np.int64),
        np.ascontiguousarray(fi, dtype=np.int64),
        np.ascontiguousarray(src, dtype=np.int64),
        np.ascontiguousarray(bounds, dtype=np.float64),
        out,
    )
    codes = np.sort(out[:m])
    return codes[np.r_[True, codes[1:] != codes[:-1]]] if m else codes


def pair_moments(
    a: RaggedPolygons,
    b: RaggedPolygons,
    ia: npt.NDArray[np.int64],
    ib: npt.NDArray[np.int64],
    origin: npt.NDArray[np.float64],
    *,
    compiled: bool = True,
) -> tuple[
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.bool_],
]:
    """Plane area and first moments of ``A[ia] ∩ B[ib]`` for every pair.

    Parameters
    ----------
    a, b : RaggedPolygons
    ia, ib : int arrays
        Pair indices into ``a`` and ``b``.
    origin : (n, 2) float array
        Per-pair local origin for the moments (use a nearby point: the patch
        centroid).
    compiled : bool
        Use the numba-compiled kernel (False runs the same code in Python,
        only for tests on a few pairs).

    Returns
    -------
    area, sx, sy, bad
        ``sx / area`` and ``sy / area`` are the centroid relative to the
        origin; ``bad`` marks pairs to recompute with GEOS.
    """
    n = len(ia)
    out_area = np.zeros(n)
    out_sx = np.zeros(n)
    out_sy = np.zeros(n)
    out_bad = np.zeros(n, dtype=np.bool_)
    if n == 0:
        return out_area, out_sx, out_sy, out_bad
    fn = _pair_moments_jit if (compiled and HAVE_NUMBA) else _pair_moments_py
    size = max(a.max_vertices, b.max_vertices, 1)
    fn(
        a.x,
        a.y,
        a.ring_off,
        a.geom_off,
        a.bounds,
        a.area,
        b.x,
        b.y,
        b.ring_off,
        b.geom_off,
        b.bounds,
        b.area,
        np.ascontiguousarray(ia, dtype=np.int64),
        np.ascontiguousarray(ib, dtype=np.int64),
        np.ascontiguousarray(origin, dtype=np.float64),
        out_area,
        out_sx,
        out_sy,
        out_bad,
        np.empty(size, dtype=np.int64),
        np.empty((size, 4)),
    )
    return out_area, out_sx, out_sy, out_bad
