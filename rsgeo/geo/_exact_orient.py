"""Orientation of three points, exactly, for the near-degenerate cases of the clip kernel.

The kernel of :mod:`rsgeo.geo._clip_kernel` computes the orientation value
``(b − a) × (c − a)`` in floating point and trusts its sign when it is well
away from zero. Near zero (near-collinear points: a layer against its copy
moved by nanometres, vertices of a trimmed feature lying on a patch's edge)
it asks :func:`orient_exact`, which gives the value correctly rounded from
its exact value, so the sign is always right and an exact zero is a true
zero (the kernel's symbolic tie-break then decides). The same value, exact
to the last bit, also places a crossing of two nearly parallel edges far
better than the plain formula.

Method: the coordinate differences are checked to be exact (two-sum: they
are whenever the two coordinates lie within a factor of two of each other,
as the coordinates of one neighbourhood in a projected CRS do); the two
products are split into value and rounding error (Dekker's two-product), and
the four terms are summed as a non-overlapping expansion (Shewchuk's
grow-expansion), whose sum from the smallest term up has the sign of the
exact value. When a difference is not exact the answer is "unknown" and the
kernel hands the pair to GEOS.

:func:`side` is the kernel's orientation test: the floating-point value
when its sign is safe, else the exact one, and the symbolic tie-break of an
exact zero. Both are compiled with numba (inlined into the kernel) when it
is present.
"""

from __future__ import annotations

from rsgeo.geo._numba import jit

__all__ = ["REL_ERR", "orient_exact", "side"]

REL_ERR = 1e-12
"""An orientation value below this share of the sum of its two products' sizes is not
trusted in floating point: the clip kernel recomputes it exactly, the ring check gives up."""

_SPLITTER = 134217729.0  # 2**27 + 1: Dekker's split of a double into two halves


def orient_exact(
    ax: float, ay: float, bx: float, by: float, cx: float, cy: float
) -> tuple[float, bool]:
    """``(b − a) × (c − a)`` correctly signed, and whether that could be ensured.

    Returns the value (its sign exact, its magnitude within a few units in
    the last place) and True; or 0.0 and False when a coordinate difference
    is not exact in floating point (the sign is then unknown). Written out in
    one function (no calls) so that numba compiles it as it stands.
    """
    # differences, with their rounding errors (two-sum of a and -b)
    ux = bx - ax
    t = ux - bx
    e = (bx - (ux - t)) - (ax + t)
    uy = by - ay
    t = uy - by
    e = abs(e) + abs((by - (uy - t)) - (ay + t))
    wx = cx - ax
    t = wx - cx
    e += abs((cx - (wx - t)) - (ax + t))
    wy = cy - ay
    t = wy - cy
    e += abs((cy - (wy - t)) - (ay + t))
    if e != 0.0:
        return 0.0, False
    # p + ep = ux * wy and q + eq = uy * wx exactly (Dekker's two-product)
    p = ux * wy
    c = _SPLITTER * ux
    a_hi = c - (c - ux)
    a_lo = ux - a_hi
    c = _SPLITTER * wy
    b_hi = c - (c - wy)
    b_lo = wy - b_hi
    ep = a_lo * b_lo - (((p - a_hi * b_hi) - a_lo * b_hi) - a_hi * b_lo)
    q = uy * wx
    c = _SPLITTER * uy
    a_hi = c - (c - uy)
    a_lo = uy - a_hi
    c = _SPLITTER * wx
    b_hi = c - (c - wx)
    b_lo = wx - b_hi
    eq = a_lo * b_lo - (((q - a_hi * b_hi) - a_lo * b_hi) - a_hi * b_lo)
    # p - q + ep - eq as a non-overlapping expansion (grow-expansion with
    # two-sums), smallest component first: x0 < x1, then h0 < h1 < s, then g0 < g1 < g2 < s2
    x1 = p - q
    t = x1 - p
    x0 = (p - (x1 - t)) - (q + t)
    s = ep + x0
    t = s - ep
    h0 = (ep - (s - t)) + (x0 - t)
    s1 = s + x1
    t = s1 - s
    h1 = (s - (s1 - t)) + (x1 - t)
    s = -eq + h0
    t = s - (-eq)
    g0 = (-eq - (s - t)) + (h0 - t)
    s2 = s + h1
    t = s2 - s
    g1 = (s - (s2 - t)) + (h1 - t)
    s3 = s2 + s1
    t = s3 - s2
    g2 = (s2 - (s3 - t)) + (s1 - t)
    return ((g0 + g1) + g2) + s3, True


def side(
    d: float,
    err: float,
    ax: float,
    ay: float,
    bx: float,
    by: float,
    cx: float,
    cy: float,
    sign: float,
) -> tuple[int, float, bool]:
    """Side (±1) of c relative to the line a->b, with the symbolic tie-break.

    ``d`` is ``(b − a) × (c − a)`` in floating point and ``err`` the bound below
    which its sign is not trusted: there the value is recomputed exactly
    (:func:`orient_exact`). An exact zero is decided
    by the ε term (``sign * (-dy)`` first, then ``sign * dx``, with
    ``(dx, dy) = b − a``). Returns the side, the value (exactly rounded when
    it was recomputed) and True when the sign could not be ensured.
    """
    if d > err:
        return 1, d, False
    if d < -err:
        return -1, d, False
    # err == 0: both products are exactly zero, so is d; c == b (a shared
    # vertex, the common case of edges shared by two parcels): d is exactly 0
    if err != 0.0 and (cx != bx or cy != by):
        d, ok = orient_exact(ax, ay, bx, by, cx, cy)
        if not ok:
            return 0, 0.0, True
        if d > 0.0:
            return 1, d, False
        if d < 0.0:
            return -1, d, False
    dx = bx - ax
    dy = by - ay
    if dy != 0.0:
        return (1 if -dy * sign > 0 else -1), 0.0, False
    return (1 if dx * sign > 0 else -1), 0.0, False


orient_exact = jit(orient_exact, inline=True)
side = jit(side, inline=True)
