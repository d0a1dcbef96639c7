"""The survey procedure compiled with numba, in blocks of points run in SIMD lanes.

The formulas are those of :mod:`rsgeo.geo.survey_area` and
:mod:`rsgeo.geo.gauss_kruger`, called with the same arguments in the same
order, so every point and every area is the same to the last bit as the
plain per-point loop. Only the order of the work changes: the points of many
rings go into a block (about a thousand points), and each stage runs over the
whole block at once:

1. cuts and the 0.1 mm grid, ring by ring (scalar: the number of cuts
   depends on the edge); each point keeps its ring's first point (the anchor
   of the series in sin ξ′, sinh η′);
2. the Gauss-Krüger inverse up to its two inverse tangents
   (:func:`~rsgeo.geo.gauss_kruger._inverse_parts`): no calls and no branch,
   so LLVM runs it in SIMD lanes (8 points at a time with AVX-512);
3. the inverse tangents (a scalar loop, the C library's ``atan2``);
4. the trapezoids (:func:`~rsgeo.geo.survey_area._series`), again in lanes;
5. the ring sums, edge after edge as before.

A point more than 0.05 rad from its ring's first point (a ring over 300 km
across), where the per-point code takes ``sin``/``cos`` instead of the
series, goes through that per-point code (``_inverse_near_nb``,
``_trapezoid_near_nb``); its lanes are computed and thrown away.

Lon/lat input first goes to the plane of its 3-degree zone the same way
(:func:`lonlat_to_plane`): the zone of each polygon (the centre of its
bounding box), the sine and cosine of the latitude from those of an anchor
(the polygon's first vertex, moved when a vertex is 0.05 rad away), the
Krüger series in lanes, then ``atan2`` and ``asinh`` per point. The anchor
restarts at every polygon, so a polygon's area does not depend on the
polygons before it.

Everything runs without the GIL: the threads of
:func:`rsgeo.ellipsoidal_area` work on their chunks at the same time.

numba's cache of these kernels follows this file only: after editing a
formula in ``gauss_kruger.py`` or ``survey_area.py``, touch this file (or
remove ``rsgeo/geo/__pycache__``) so that the kernels are compiled again.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from rsgeo.geo._numba import HAVE_NUMBA, jit

__all__ = ["lonlat_to_plane", "plane_ring_areas"]

_BLOCK = 1024  # points per block: the buffers of a block stay in the L2 cache

if HAVE_NUMBA:
    from rsgeo.geo.gauss_kruger import (
        _AR,
        _SMALL,
        _forward_finish,
        _forward_parts,
        _forward_sc_nb,
        _inverse_finish,
        _inverse_near_nb,
        _inverse_parts,
        _near_sines,
        _sin_cos_small,
    )
    from rsgeo.geo.survey_area import (
        _B2,
        _MAX_PARTS,
        _near_half_angles,
        _series,
        _trapezoid_near_nb,
    )


def _inverse_lanes(
    dxi: npt.NDArray[np.float64],
    deta: npt.NDArray[np.float64],
    a_s: npt.NDArray[np.float64],
    a_c: npt.NDArray[np.float64],
    a_sh: npt.NDArray[np.float64],
    a_ch: npt.NDArray[np.float64],
    n: int,
    s_xi: npt.NDArray[np.float64],
    c_xi: npt.NDArray[np.float64],
    sh_eta: npt.NDArray[np.float64],
    root: npt.NDArray[np.float64],
    corr: npt.NDArray[np.float64],
) -> None:
    """Stage 2: the inverse of points ``:n`` up to its inverse tangents."""
    for p in range(n):
        sin_p, cos_p, sinh_p, cosh_p = _near_sines(
            dxi[p], deta[p], a_s[p], a_c[p], a_sh[p], a_ch[p]
        )
        s_xi[p], c_xi[p], sh_eta[p], root[p], corr[p] = _inverse_parts(sin_p, cos_p, sinh_p, cosh_p)


def _trapezoid_lanes(
    phi: npt.NDArray[np.float64],
    lam: npt.NDArray[np.float64],
    t_b: npt.NDArray[np.float64],
    t_s: npt.NDArray[np.float64],
    t_c: npt.NDArray[np.float64],
    t_l: npt.NDArray[np.float64],
    n: int,
    term: npt.NDArray[np.float64],
) -> None:
    """Stage 4: the trapezoid of the edge from point p to p + 1, p < n − 1."""
    for p in range(n - 1):
        b1 = phi[p]
        b2 = phi[p + 1]
        s0, c0 = _near_half_angles(0.5 * (b2 - b1), 0.5 * (b1 + b2) - t_b[p], t_s[p], t_c[p])
        term[p] = _series(s0, c0, lam[p] + lam[p + 1] - 2.0 * t_l[p])


def _new_points(cap: int) -> tuple:
    """The per-point buffers of a block (see :func:`_flush` for their use)."""
    return (
        np.empty(cap),  # 0 ξ′
        np.empty(cap),  # 1 η′
        np.empty(cap),  # 2 ξ′ − ξ′ of the ring's first point, later φ
        np.empty(cap),  # 3 η′ − η′ of the ring's first point, later λ
        np.empty(cap),  # 4 sin ξ′ of the first point, later φ of the first point
        np.empty(cap),  # 5 cos ξ′ of the first point, later sin φ of the first point
        np.empty(cap),  # 6 sinh η′ of the first point, later cos φ of the first point
        np.empty(cap),  # 7 cosh η′ of the first point, later λ of the first point
        np.empty(cap),  # 8 sin ξ
        np.empty(cap),  # 9 cos ξ
        np.empty(cap),  # 10 sinh η
        np.empty(cap),  # 11 √(sinh² η + cos² ξ)
        np.empty(cap),  # 12 φ − χ, later the edge's trapezoid
        np.empty(cap, dtype=np.bool_),  # 13 far from the ring's first point
    )


def _put(
    pts: tuple,
    q: int,
    xi: float,
    et: float,
    xip0: float,
    etap0: float,
    sin0: float,
    cos0: float,
    sinh0: float,
    cosh0: float,
) -> None:
    """Stage 1: point q of a block at (ξ′, η′), in the ring whose first point is (ξ′0, η′0)."""
    d_xi = xi - xip0
    d_et = et - etap0
    pts[0][q] = xi
    pts[1][q] = et
    pts[2][q] = d_xi
    pts[3][q] = d_et
    pts[4][q] = sin0
    pts[5][q] = cos0
    pts[6][q] = sinh0
    pts[7][q] = cosh0
    pts[13][q] = not (abs(d_xi) < _SMALL and abs(d_et) < _SMALL)


def _flush(
    nr: int,
    rstart: npt.NDArray[np.int64],
    ring_id: npt.NDArray[np.int64],
    pts: tuple,
    out: npt.NDArray[np.float64],
) -> None:
    """Stages 2–5 for the ``nr`` rings of a block; ring r is points rstart[r]:rstart[r + 1]."""
    xip, etap, dxi, deta, a_s, a_c, a_sh, a_ch, s_xi, c_xi, sh_eta, root, corr, far = pts
    n = rstart[nr]
    _inverse_lanes_nb(dxi, deta, a_s, a_c, a_sh, a_ch, n, s_xi, c_xi, sh_eta, root, corr)
    phi = dxi  # each point's dxi, deta are read before its φ, λ are written
    lam = deta
    for r in range(nr):
        p0 = rstart[r]
        p1 = rstart[r + 1]
        for p in range(p0, p1):
            if far[p]:
                phi[p], lam[p] = _inverse_near_nb(
                    xip[p], etap[p], xip[p0], etap[p0], a_s[p], a_c[p], a_sh[p], a_ch[p]
                )
            else:
                phi[p], lam[p] = _inverse_finish(s_xi[p], c_xi[p], sh_eta[p], root[p], corr[p])
        b_ref = phi[p0]
        sin_b = np.sin(b_ref)
        cos_b = np.cos(b_ref)
        l_ref = lam[p0]
        for p in range(p0, p1):
            a_s[p] = b_ref
            a_c[p] = sin_b
            a_sh[p] = cos_b
            a_ch[p] = l_ref
    term = corr
    _trapezoid_lanes_nb(phi, lam, a_s, a_c, a_sh, a_ch, n, term)
    for r in range(nr):
        acc = 0.0
        for p in range(rstart[r], rstart[r + 1] - 1):
            b1 = phi[p]
            b2 = phi[p + 1]
            if abs(0.5 * (b2 - b1)) < _SMALL and abs(0.5 * (b1 + b2) - a_s[p]) < _SMALL:
                acc += term[p]
            else:
                two_lm = lam[p] + lam[p + 1] - 2.0 * a_ch[p]
                acc += _trapezoid_near_nb(b1, b2, two_lm, a_s[p], a_c[p], a_sh[p])
        out[ring_id[r]] = abs(acc) * _B2


def _plane_ring_areas(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    offsets: npt.NDArray[np.int64],
    step_m: float,
    k0: float,
    fe: float,
    fn: float,
) -> npt.NDArray[np.float64]:
    n_rings = len(offsets) - 1
    out = np.zeros(n_rings)
    scale = 1.0 / (k0 * _AR)
    cap = _BLOCK
    pts = _new_points(cap)
    rstart = np.zeros(cap + 1, dtype=np.int64)
    ring_id = np.zeros(cap, dtype=np.int64)
    ncut = np.zeros(64, dtype=np.int64)
    nr = 0
    for rg in range(n_rings):
        s = offsets[rg]
        e = offsets[rg + 1]
        if e - s < 2:
            continue
        # stage 1: cuts and grid; first the number of points
        if e - s > len(ncut):
            ncut = np.zeros(2 * (e - s), dtype=np.int64)
        m = 1
        for j in range(s, e - 1):
            dx = x[j + 1] - x[j]
            dy = y[j + 1] - y[j]
            length = np.sqrt(dx * dx + dy * dy)
            n = 0
            if step_m > 0 and length > step_m:
                n = int(min(np.floor(length / step_m), _MAX_PARTS - 1.0))
            ncut[j - s] = n
            m += n + 1
        if nr > 0 and rstart[nr] + m > cap:
            _flush(nr, rstart, ring_id, pts, out)
            nr = 0
        if m > cap:
            cap = m
            pts = _new_points(cap)
            rstart = np.zeros(cap + 1, dtype=np.int64)
            ring_id = np.zeros(cap, dtype=np.int64)
        xip0 = (np.floor(y[s] * 1e4 + 0.5) / 1e4 - fn) * scale
        etap0 = (np.floor(x[s] * 1e4 + 0.5) / 1e4 - fe) * scale
        sin0 = np.sin(xip0)
        cos0 = np.cos(xip0)
        sinh0 = np.sinh(etap0)
        cosh0 = np.cosh(etap0)
        q = rstart[nr]
        _put(pts, q, xip0, etap0, xip0, etap0, sin0, cos0, sinh0, cosh0)
        q += 1
        for j in range(s, e - 1):
            n = ncut[j - s]
            xa = x[j]
            ya = y[j]
            dx = x[j + 1] - xa
            dy = y[j + 1] - ya
            for k in range(1, n + 2):
                if k == n + 1:
                    px = x[j + 1]
                    py = y[j + 1]
                else:
                    t = k / (n + 1)
                    px = xa + t * dx
                    py = ya + t * dy
                xi = (np.floor(py * 1e4 + 0.5) / 1e4 - fn) * scale
                et = (np.floor(px * 1e4 + 0.5) / 1e4 - fe) * scale
                _put(pts, q, xi, et, xip0, etap0, sin0, cos0, sinh0, cosh0)
                q += 1
        ring_id[nr] = rg
        nr += 1
        rstart[nr] = q
    if nr > 0:
        _flush(nr, rstart, ring_id, pts, out)
    return out


def _forward_lanes(
    d: npt.NDArray[np.float64],
    a_s: npt.NDArray[np.float64],
    a_c: npt.NDArray[np.float64],
    lam: npt.NDArray[np.float64],
    n: int,
    taup: npt.NDArray[np.float64],
    cos_lam: npt.NDArray[np.float64],
    slr: npt.NDArray[np.float64],
    dxi: npt.NDArray[np.float64],
    deta: npt.NDArray[np.float64],
) -> None:
    """The forward projection of points ``:n`` up to its atan2 and asinh."""
    for k in range(n):
        sd, cd = _sin_cos_small(d[k])
        sl, cl = _sin_cos_small(lam[k])
        s0 = a_s[k]
        c0 = a_c[k]
        taup[k], slr[k], dxi[k], deta[k] = _forward_parts(
            sl, cl, s0 * cd + c0 * sd, c0 * cd - s0 * sd
        )
        cos_lam[k] = cl


def _lonlat_to_plane(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], poly_start: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    n_polys = len(poly_start) - 1
    nv = len(lon)
    x = np.empty(nv)
    y = np.empty(nv)
    # the zone of each polygon: round(lon / 3) of the centre of its bounding box
    lon0 = np.zeros(max(n_polys, 1))
    for p in range(n_polys):
        west = np.inf
        east = -np.inf
        for i in range(poly_start[p], poly_start[p + 1]):
            v = lon[i]
            if v < west:
                west = v
            if v > east:
                east = v
        zone = np.floor((west + east) / 6.0 + 0.5)
        lon0[p] = 3.0 * zone if np.isfinite(zone) else 0.0
    d = np.empty(_BLOCK)
    a_s = np.empty(_BLOCK)
    a_c = np.empty(_BLOCK)
    lam = np.empty(_BLOCK)
    taup = np.empty(_BLOCK)
    cos_lam = np.empty(_BLOCK)
    slr = np.empty(_BLOCK)
    dxi = np.empty(_BLOCK)
    deta = np.empty(_BLOCK)
    p = -1
    phi0 = np.nan
    sin0 = 0.0
    cos0 = 1.0
    for b0 in range(0, nv, _BLOCK):
        n = min(nv - b0, _BLOCK)
        for k in range(n):
            i = b0 + k
            while i >= poly_start[p + 1]:  # a new polygon: a new anchor
                p += 1
                phi0 = np.nan
            # sin and cos of φ from those of a nearby latitude (re-anchored when
            # more than 0.05 rad away), as :func:`gk_forward`
            phi = np.radians(lat[i])
            dk = phi - phi0
            if not abs(dk) < _SMALL:
                phi0 = phi
                sin0 = np.sin(phi)
                cos0 = np.cos(phi)
                dk = 0.0
            d[k] = dk
            a_s[k] = sin0
            a_c[k] = cos0
            lam[k] = np.radians(lon[i] - lon0[p])
        _forward_lanes_nb(d, a_s, a_c, lam, n, taup, cos_lam, slr, dxi, deta)
        for k in range(n):
            if abs(lam[k]) < _SMALL:
                xk, yk = _forward_finish(taup[k], cos_lam[k], slr[k], dxi[k], deta[k])
            else:  # more than 0.05 rad from the CM: sin λ and cos λ directly
                sd, cd = _sin_cos_small(d[k])
                s0 = a_s[k]
                c0 = a_c[k]
                xk, yk = _forward_sc_nb(
                    np.sin(lam[k]), np.cos(lam[k]), s0 * cd + c0 * sd, c0 * cd - s0 * sd
                )
            x[b0 + k] = xk + 500000.0
            y[b0 + k] = yk
    return x, y


if HAVE_NUMBA:
    _inverse_lanes_nb = jit(_inverse_lanes, error_model="numpy")
    _trapezoid_lanes_nb = jit(_trapezoid_lanes, error_model="numpy")
    _forward_lanes_nb = jit(_forward_lanes, error_model="numpy")
    _new_points = jit(_new_points)
    _put = jit(_put, inline=True)
    _flush = jit(_flush)
    _plane_ring_areas_nb = jit(_plane_ring_areas)
    _lonlat_to_plane_nb = jit(_lonlat_to_plane)


def plane_ring_areas(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    offsets: npt.NDArray[np.int64],
    step_m: float,
    k0: float,
    false_easting: float,
    false_northing: float,
) -> npt.NDArray[np.float64]:
    """Survey area (m², unsigned) of every ring of plane vertices (numba only)."""
    return np.asarray(
        _plane_ring_areas_nb(x, y, offsets, step_m, k0, false_easting, false_northing)
    )


def lonlat_to_plane(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], poly_start: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Vertices (degrees) to the Gauss-Krüger plane (false easting 500 km) of their polygon's zone.

    Polygon ``i`` is ``lon[poly_start[i]:poly_start[i + 1]]`` (numba only).
    """
    x, y = _lonlat_to_plane_nb(
        np.ascontiguousarray(lon, dtype=np.float64),
        np.ascontiguousarray(lat, dtype=np.float64),
        np.ascontiguousarray(poly_start, dtype=np.int64),
    )
    return np.asarray(x), np.asarray(y)
