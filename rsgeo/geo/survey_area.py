"""The land-survey procedure for ellipsoidal areas (椭球面积, TD/T 1055-2019).

County figures (TBMJ) come from the national land-survey desktop software,
which computes the ellipsoidal area of a polygon given in Gauss-Krüger
coordinates like this (``/work/shared/DOMAIN.md`` §3, ``docs/areas.md``):

1. every plane edge longer than ``step_m`` (70 m) is cut into n + 1 equal
   parts, n = floor(length / step_m): the k-th cut point is
   ``p1 + k / (n + 1) · (p2 − p1)``, k = 1 … n (``step_m=0``: no cuts);
2. every plane coordinate is rounded half-up to the 0.1 mm grid
   (``floor(v · 10⁴ + 0.5) / 10⁴``; the grid is the same with or without the
   zone prefix of EPSG:4513–4533, whose false eastings are whole metres);
3. every point goes to geodetic latitude and longitude (B, L) by the
   Gauss-Krüger inverse on CGCS2000;
4. every edge between consecutive points adds the trapezoid between the edge
   and a meridian::

       2 b² Lm [A sin(ΔB/2) cos Bm − B′ sin(3ΔB/2) cos 3Bm + C sin(5ΔB/2) cos 5Bm
                − D sin(7ΔB/2) cos 7Bm + E sin(9ΔB/2) cos 9Bm]

   with b the semi-minor axis, Lm the mean longitude of the edge in radians,
   ΔB = B2 − B1 and Bm = (B1 + B2) / 2;
5. a ring's area is the absolute value of its sum; holes subtract.

The series
----------
The area element of the ellipsoid is ``dS = M N cos B dB dL =
b² cos B / (1 − e² sin² B)² dB dL``. Expanding ``(1 − e² sin² B)⁻² =
Σ (k + 1) e²ᵏ sin²ᵏ B`` and integrating term by term,
``∫ cos B (1 − e² sin² B)⁻² dB = sin B + ⅔ e² sin³ B + ⅗ e⁴ sin⁵ B +
⁴⁄₇ e⁶ sin⁷ B + ⁵⁄₉ e⁸ sin⁹ B + …``; writing the odd powers of sin B as sines
of multiple angles gives ``G(B) = A sin B − B′ sin 3B + C sin 5B − D sin 7B +
E sin 9B`` with::

    A  = 1 + e²/2 + 3e⁴/8 + 5e⁶/16 + 35e⁸/128
    B′ = e²/6 + 3e⁴/16 + 3e⁶/16 + 35e⁸/192
    C  = 3e⁴/80 + e⁶/16 + 5e⁸/64
    D  = e⁶/112 + 5e⁸/256
    E  = 5e⁸/2304

the coefficients of the national land survey's technical rules (第二次全国土地
调查技术规程 TD/T 1014-2007 appendix, kept in TD/T 1055-2019, where they are
written A = 1 + (3/6)e² + (30/80)e⁴ + (35/112)e⁶ + (630/2304)e⁸ and so on).
The first omitted terms are of order e¹⁰ ≈ 1.4e-11, below 1e-6 m² on a
10 km² polygon. Since ``2 sin(kΔB/2) cos(kBm) = sin kB2 − sin kB1``, an edge
adds ``b² Lm (G(B2) − G(B1))``: the series is the mean-longitude (midpoint)
rule for the strip between the edge and the meridian.

Lm: relative or absolute?
    Either: a constant added to every Lm adds ``c · Σ (G(B2) − G(B1))``,
    which is exactly 0 on a closed ring. Numerically it matters: with
    absolute longitudes (about 1.9 rad) each edge adds some 1e9 m² and the
    rounding of the sum is about 1e-6 m²; rsgeo measures Lm from the ring's
    first point (terms of about 1e4 m², rounding below 1e-10 m²). The product
    form ``sin(kΔB/2) cos(kBm)`` is used as written (not the difference
    ``G(B2) − G(B1)``, which cancels), with the multiple angles from the
    Chebyshev recurrences.
The Gauss-Krüger projection, both ways, is :mod:`rsgeo.geo.gauss_kruger`.

Everything is vectorised: with numba, the compiled kernel of
:mod:`rsgeo.geo._survey_kernel` runs the scalar formulas of this module and
of :mod:`rsgeo.geo.gauss_kruger` over blocks of points in SIMD lanes
(without the GIL, so the threads of :func:`rsgeo.ellipsoidal_area` run in
parallel); without numba, NumPy runs over all points at once. The public
entry point is :func:`rsgeo.ellipsoidal_area` (``method="survey"``, the
default).

Lon/lat input: a computed projection is rounded to 0.1 mm, so two correct
implementations of the forward projection (differing by 1e-9 m) put a point
on different sides of a grid line now and then, a few thousandths of a m² on
that polygon. The compiled path takes each polygon's latitudes from an
anchor at its own first vertex, so a polygon's figure never depends on the
polygons around it; the NumPy path (``RSGEO_NO_NUMBA=1``) computes them
directly and differs from it so on about one benchmark polygon in 25,000
(up to 0.003 m²).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from rsgeo.geo._numba import HAVE_NUMBA, jit
from rsgeo.geo._rings import ring_layout
from rsgeo.geo.gauss_kruger import (
    _A,
    _E2,
    _F,
    _SMALL,
    GaussKruger,
    _inverse,
    _sin_cos_small,
    gauss_kruger_plane,
    gk_forward,
    gk_inverse,
)

__all__ = [
    "DEFAULT_STEP_M",
    "SERIES",
    "GaussKruger",
    "gk_forward",
    "gk_inverse",
    "survey_polygon_areas",
    "survey_ring_sums",
]

DEFAULT_STEP_M = 70.0
"""Plane edges longer than this (m) are cut into equal parts of at most this length."""

_B2 = (_A * (1.0 - _F)) ** 2  # b², the semi-minor axis squared
_PLANE = GaussKruger()  # k0 = 1, false easting 500 km, no false northing

# the area series (module notes)
_E4 = _E2 * _E2
_E6 = _E4 * _E2
_E8 = _E6 * _E2
_SA = 1.0 + _E2 / 2.0 + 3.0 * _E4 / 8.0 + 5.0 * _E6 / 16.0 + 35.0 * _E8 / 128.0
_SB = _E2 / 6.0 + 3.0 * _E4 / 16.0 + 3.0 * _E6 / 16.0 + 35.0 * _E8 / 192.0
_SC = 3.0 * _E4 / 80.0 + _E6 / 16.0 + 5.0 * _E8 / 64.0
_SD = _E6 / 112.0 + 5.0 * _E8 / 256.0
_SE = 5.0 * _E8 / 2304.0
SERIES: dict[str, float] = {"A": _SA, "B": _SB, "C": _SC, "D": _SD, "E": _SE}
"""The coefficients A, B′, C, D, E of the trapezoid series on CGCS2000."""

_MAX_PARTS = 100_000  # an edge is cut into at most this many parts (7,000 km at 70 m)


def _grid(v: npt.NDArray[np.float64] | float) -> npt.NDArray[np.float64] | float:
    """Round half-up to the 0.1 mm grid."""
    return np.floor(v * 1e4 + 0.5) / 1e4


def _series(s0: Any, c0: Any, two_lm: Any) -> Any:
    """``2 Lm [A sin(ΔB/2) cos Bm − …]`` from s0 = sin(ΔB/2) and c0 = cos Bm. Elementwise.

    The multiple angles come from the Chebyshev recurrences: no calls, so
    the compiled kernel runs it in SIMD lanes.
    """
    c2d = 2.0 * (1.0 - 2.0 * s0 * s0)  # 2 cos ΔB
    c2b = 2.0 * (2.0 * c0 * c0 - 1.0)  # 2 cos 2Bm
    # sin((2k+1)d) and cos((2k+1)Bm): x_{k+1} = 2 cos(2·) x_k − x_{k−1}, x_{−1} = ∓x_0
    s1 = c2d * s0 + s0
    s2 = c2d * s1 - s0
    s3 = c2d * s2 - s1
    s4 = c2d * s3 - s2
    k1 = c2b * c0 - c0
    k2 = c2b * k1 - c0
    k3 = c2b * k2 - k1
    k4 = c2b * k3 - k2
    return two_lm * (_SA * s0 * c0 - _SB * s1 * k1 + _SC * s2 * k2 - _SD * s3 * k3 + _SE * s4 * k4)


def _trapezoid(
    b1: npt.NDArray[np.float64] | float,
    b2: npt.NDArray[np.float64] | float,
    two_lm: npt.NDArray[np.float64] | float,
) -> npt.NDArray[np.float64] | float:
    """The edge's term divided by b²: ``2 Lm [A sin(ΔB/2) cos Bm − …]``. Elementwise."""
    return _series_np(np.sin(0.5 * (b2 - b1)), np.cos(0.5 * (b1 + b2)), two_lm)


def _n_cuts(length: npt.NDArray[np.float64] | float, step_m: float) -> npt.NDArray[np.float64]:
    """n = floor(length / step) for edges longer than the step, else 0 (float, elementwise)."""
    if step_m <= 0:
        return np.zeros(np.shape(length))
    n = np.where(length > step_m, np.floor(length / step_m), 0.0)
    return np.where(np.isfinite(n), np.minimum(n, _MAX_PARTS - 1.0), 0.0)


def _near_half_angles(d: float, dm: float, sin_b0: float, cos_b0: float) -> tuple[float, float]:
    """sin d and cos(B0 + dm) for |d|, |dm| < 0.05, from sin B0 and cos B0 (no calls)."""
    s0, _ = _sin_cos_small(d)
    sdm, cdm = _sin_cos_small(dm)
    return s0, cos_b0 * cdm - sin_b0 * sdm


def _trapezoid_near(
    b1: float, b2: float, two_lm: float, b0: float, sin_b0: float, cos_b0: float
) -> float:
    """:func:`_trapezoid` for one edge near latitude ``b0`` (scalar, compiled)."""
    d = 0.5 * (b2 - b1)
    dm = 0.5 * (b1 + b2) - b0
    if abs(d) < _SMALL and abs(dm) < _SMALL:
        s0, c0 = _near_half_angles(d, dm, sin_b0, cos_b0)
    else:
        s0 = np.sin(d)
        c0 = np.cos(0.5 * (b1 + b2))
    return _series(s0, c0, two_lm)


# NumPy keeps the Python function; compiled code calls the compiled one by the same name
_series_np = _series

if HAVE_NUMBA:
    _series = jit(_series, inline=True)
    _near_half_angles = jit(_near_half_angles, inline=True)
    _trapezoid_near_nb = jit(_trapezoid_near, inline=True)


def _survey_numpy(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    offsets: npt.NDArray[np.int64],
    step_m: float,
    gk: GaussKruger,
) -> npt.NDArray[np.float64]:
    """The same procedure with NumPy over all points at once (without numba)."""
    n_rings = len(offsets) - 1
    if len(x) < 2:
        return np.zeros(n_rings)
    dx = x[1:] - x[:-1]
    dy = y[1:] - y[:-1]
    # edge i runs from vertex i to i + 1; the one leaving a ring's last vertex
    # (into the next ring) is not an edge and gets no cuts
    cross = np.zeros(len(dx), dtype=bool)
    last = offsets[1:-1] - 1
    cross[last[(last >= 0) & (last < len(dx))]] = True
    parts = np.where(cross, 1, _n_cuts(np.hypot(dx, dy), step_m).astype(np.int64) + 1)
    # the points: each edge's start and its cut points, then the very last vertex
    edge = np.repeat(np.arange(len(dx)), parts)
    first = np.cumsum(parts) - parts
    t = (np.arange(len(edge)) - first[edge]) / parts[edge]
    px = np.append(x[:-1][edge] + t * dx[edge], x[-1])
    py = np.append(y[:-1][edge] + t * dy[edge], y[-1])
    phi, lam = _inverse(
        (_grid(px) - gk.false_easting) / gk.k0, (_grid(py) - gk.false_northing) / gk.k0
    )
    # sub-edge p runs from point p to p + 1
    ring = np.repeat(np.arange(n_rings), np.diff(offsets))[edge]
    p = np.flatnonzero(~cross[edge])
    has = np.diff(offsets) >= 2
    l_ref = np.zeros(n_rings)
    l_ref[has] = lam[first[offsets[:-1][has]]]
    term = _trapezoid(phi[p], phi[p + 1], lam[p] + lam[p + 1] - 2.0 * l_ref[ring[p]])
    return np.abs(np.bincount(ring[p], weights=term, minlength=n_rings)) * _B2


def survey_ring_sums(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    offsets: npt.NDArray[np.int64],
    *,
    gk: GaussKruger = _PLANE,
    step_m: float = DEFAULT_STEP_M,
) -> npt.NDArray[np.float64]:
    """Survey area (m², unsigned) of every ring given by plane vertices.

    Parameters
    ----------
    x, y : numpy.ndarray
        Gauss-Krüger eastings and northings of all rings, concatenated; each
        ring is closed (its last vertex repeats its first).
    offsets : numpy.ndarray
        Ring ``i`` is ``x[offsets[i]:offsets[i + 1]]``.
    gk : GaussKruger
        The plane's scale factor and false origin.
    step_m : float, default 70.0
        Edges longer than this are cut into equal parts (0: no cuts).

    Examples
    --------
    A 100 m square on the central meridian of zone 36 at 25.3 °N (each edge is
    cut once, into 50 m halves):

    >>> import numpy as np
    >>> x = np.array([500000.0, 500100.0, 500100.0, 500000.0, 500000.0])
    >>> y = np.array([2800000.0, 2800000.0, 2800100.0, 2800100.0, 2800000.0])
    >>> round(float(survey_ring_sums(x, y, np.array([0, 5]))[0]), 6)
    9999.999999
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    if HAVE_NUMBA:
        from rsgeo.geo._survey_kernel import plane_ring_areas  # it imports this module

        return plane_ring_areas(
            x, y, offsets, float(step_m), gk.k0, gk.false_easting, gk.false_northing
        )
    return _survey_numpy(x, y, offsets, float(step_m), gk)


def survey_polygon_areas(
    polys: npt.NDArray[np.object_], transformer: pyproj.Transformer | None, step_m: float
) -> npt.NDArray[np.float64]:
    """The survey procedure for polygons (holes subtract); ``transformer`` to lon/lat or None.

    Gauss-Krüger input is used as it is; lon/lat input goes to the 3-degree
    zone of each polygon (the zone of the centre of its bounding box, as
    :func:`rsgeo.geo.crs.gk_zone`); other projected input goes to lon/lat
    with PROJ first, then to its zone.
    """
    if len(polys) == 0:
        return np.zeros(0)
    offsets, sign, ring_owner = ring_layout(polys)
    coords = shapely.get_coordinates(polys)
    x = np.ascontiguousarray(coords[:, 0])
    y = np.ascontiguousarray(coords[:, 1])
    gk = None
    if transformer is not None:
        gk = gauss_kruger_plane(pyproj.CRS.from_user_input(transformer.source_crs))
        if gk is None:
            x, y = (np.asarray(v) for v in transformer.transform(x, y))
    if gk is None and HAVE_NUMBA:
        from rsgeo.geo._survey_kernel import lonlat_to_plane  # it imports this module

        first_ring = np.searchsorted(ring_owner, np.arange(len(polys) + 1))
        x, y = lonlat_to_plane(x, y, np.ascontiguousarray(offsets[first_ring]))
        gk = _PLANE
    if gk is None:
        counts = np.bincount(ring_owner, weights=np.diff(offsets), minlength=len(polys))
        counts = counts.astype(np.int64)
        start = np.concatenate(([0], np.cumsum(counts)[:-1]))
        has = counts > 0
        zone = np.zeros(len(polys))
        if has.any():
            west = np.fmin.reduceat(x, start[has])
            east = np.fmax.reduceat(x, start[has])
            zone[has] = np.floor((west + east) / 6.0 + 0.5)  # round(lon / 3), halves up
        zone = np.where(np.isfinite(zone), zone, 0.0)
        x, y = gk_forward(x, y, np.repeat(3.0 * zone, counts))
        gk = GaussKruger()
    ring_area = survey_ring_sums(x, y, offsets, gk=gk, step_m=step_m)
    return np.bincount(ring_owner, weights=ring_area * sign, minlength=len(polys)).astype(
        np.float64
    )
