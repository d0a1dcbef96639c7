"""The geodesic area (PostGIS ``ST_Area(geography)``) on CGCS2000: ``method="geodesic"``.

The second method of :func:`rsgeo.ellipsoidal_area` (the first is the
land-survey procedure, :mod:`rsgeo.geo.survey_area`), vectorised with NumPy
over all vertices: no Python loop per polygon.

Method
------
*Vertex method* (lon/lat input; large polygons in a projected CRS).
Vertices are taken to geodetic latitude/longitude (with PROJ, when the input
is projected), then mapped to the authalic sphere of the ellipsoid, an
equal-area mapping, so areas are preserved exactly. On that sphere each edge
contributes the signed spherical excess of the quadrilateral between the edge
(a great-circle arc) and the equator::

    tan(E / 2) = tan(Δλ / 2) · sin((β1 + β2) / 2) / cos((β1 − β2) / 2)

and a ring's area is ``R_q² · |Σ E|``. Exterior rings add, holes subtract,
whatever their orientation.

*Plane-moment method* (polygons up to 2 km across in a Gauss-Krüger / transverse
Mercator CRS). The area is ∬ dA / k² over the plane polygon, k the point scale
of the projection, with k² taken at the polygon's area centroid (the
first-order term cancels there; what is left is below Var(x) / R², about 1e-10
for a 5 ha patch and 2.5e-8 at 2 km), plus, for each edge, the thin area
between the straight plane edge and the geodesic through its two vertices
(l³ · ∂ln k/∂n / 12). This avoids projecting every vertex back to lon/lat.

Edges and accuracy
------------------
A polygon is given by its vertices; the edge between two vertices is a
geodesic for PostGIS ``ST_Area(geography)``, QGIS ``$area`` and GeographicLib,
a straight line in (B, L) for the land-survey formula (TD/T 1055), and a great
circle of the authalic sphere for the vertex method. For patch-sized polygons
these differ by about 1e-8 of the area (edges of ~150 m), far below the 0.01 m²
reported. The plane-moment method follows the geodesic (within ~3e-9 of
GeographicLib in the tests); the vertex method is within ~2e-8 of it. The
tests hold PostGIS values and compare with GeographicLib (``pyproj.Geod``),
whose polygon area has an absolute floor of about 1e-4 m², i.e. 1e-7 relative
on a 1,000 m² polygon.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from rsgeo.geo._rings import ring_layout
from rsgeo.geo.gauss_kruger import TransverseMercator, transverse_mercator

__all__ = [
    "CGCS2000_A",
    "CGCS2000_F",
    "areal_scale_gradient",
    "geodesic_polygon_areas",
    "projected_polygon_areas",
    "vertex_polygon_areas",
]

CGCS2000_A = 6378137.0
CGCS2000_F = 1.0 / 298.257222101
_E2 = CGCS2000_F * (2.0 - CGCS2000_F)
_E = np.sqrt(_E2)


def _q(sin_phi: npt.NDArray[np.float64] | float) -> Any:
    """Snyder's q(φ) for the authalic latitude."""
    es = _E * sin_phi
    return (1.0 - _E2) * (sin_phi / (1.0 - es * es) + np.arctanh(es) / _E)


_QP = float(_q(1.0))
_RQ2 = CGCS2000_A * CGCS2000_A * _QP / 2.0  # squared radius of the authalic sphere

_FAST_SPAN_M = 2000.0  # projected polygons up to this size use the plane-moment path


def _ring_excess(
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    ring_offsets: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """Absolute spherical excess of every ring on the authalic sphere (steradians)."""
    n_rings = len(ring_offsets) - 1
    if n_rings == 0 or len(lon) < 2:
        return np.zeros(n_rings)
    # sin and cos of the authalic latitude β of every vertex
    sin_b = np.sin(np.radians(lat))
    sin_b = _q(sin_b)
    sin_b /= _QP
    np.clip(sin_b, -1.0, 1.0, out=sin_b)
    cos_b = np.sqrt(1.0 - sin_b * sin_b)
    # Edge i runs from vertex i to vertex i + 1. With the identity
    # sin((β1+β2)/2) / cos((β1-β2)/2) = (sin β1 + sin β2) / (1 + cos(β1 - β2))
    # no inverse sine is needed.
    k = sin_b[1:] + sin_b[:-1]
    den = cos_b[1:] * cos_b[:-1]
    den += sin_b[1:] * sin_b[:-1]
    den += 1.0
    k /= den
    dlam = np.radians(lon[1:] - lon[:-1])
    if np.abs(dlam).max(initial=0.0) > np.pi:  # edges across the antimeridian
        dlam = (dlam + np.pi) % (2.0 * np.pi) - np.pi
    # E = 2 atan(k tan(Δλ/2)) = k Δλ (1 + Δλ² (1 - k²) / 12) + O(Δλ⁵): the
    # series is exact in double precision for short edges; long edges
    # (over 1e-3 rad, about 100 km) take the closed form.
    excess = k * k
    np.subtract(1.0, excess, out=excess)
    excess *= dlam
    excess *= dlam
    excess *= 1.0 / 12.0
    excess += 1.0
    excess *= k
    excess *= dlam
    long_edges = np.flatnonzero(np.abs(dlam) > 1e-3)
    if len(long_edges):
        excess[long_edges] = 2.0 * np.arctan(k[long_edges] * np.tan(0.5 * dlam[long_edges]))
    # zero the edges that leave a ring's last vertex (into the next ring)
    last = ring_offsets[1:-1] - 1
    excess[last[(last >= 0) & (last < len(excess))]] = 0.0
    csum = np.empty(len(excess) + 1)
    csum[0] = 0.0
    np.cumsum(excess, out=csum[1:])
    starts = ring_offsets[:-1]
    ends = np.maximum(ring_offsets[1:] - 1, starts)  # edges start..end-1 of each ring
    return np.abs(csum[ends] - csum[starts])


def _plane_moments(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    offsets: npt.NDArray[np.int64],
    sign: npt.NDArray[np.float64],
    false_easting: float,
) -> tuple[npt.NDArray[np.float64], ...]:
    """Per ring: plane area, first moments and the edge-bulge sum, holes negative.

    The bulge sum is Σ l² Δy (x_mid − false easting) over the edges: with the
    gradient of ln k of the Gauss-Krüger projection it gives the area between
    each straight plane edge and the geodesic through the same two vertices.
    Coordinates are shifted to each ring's first vertex before the sums, so
    7-digit northings lose no precision. Any ring orientation.
    """
    counts = np.diff(offsets)
    starts = offsets[:-1]
    has = counts > 0
    x0 = np.zeros(len(counts))
    y0 = np.zeros(len(counts))
    x0[has] = x[starts[has]]
    y0[has] = y[starts[has]]
    rx0 = np.repeat(x0, counts)
    dx = x - rx0
    dy = y - np.repeat(y0, counts)
    x_a, x_b, y_a, y_b = dx[:-1], dx[1:], dy[:-1], dy[1:]
    # edge i runs from vertex i to i + 1; the edge leaving a ring's last vertex
    # (into the next ring) is zeroed
    cut = offsets[1:-1] - 1
    cut = cut[(cut >= 0) & (cut < len(x_a))]
    cross = x_a * y_b
    cross -= x_b * y_a
    cross[cut] = 0.0
    sum_x = x_a + x_b
    sum_y = y_a + y_b
    ex = x_b - x_a
    ey = y_b - y_a
    bulge = ex * ex
    bulge += ey * ey
    bulge *= ey
    mid_e = sum_x * 0.5
    mid_e += rx0[:-1] - false_easting
    bulge *= mid_e
    bulge[cut] = 0.0
    sum_x *= cross
    sum_y *= cross

    nonempty = np.flatnonzero(has & (starts < len(cross)))

    def ring_sum(v: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        out = np.zeros(len(counts))
        if len(nonempty):
            out[nonempty] = np.add.reduceat(v, starts[nonempty])
        return out

    area = 0.5 * ring_sum(cross)
    sx = ring_sum(sum_x) / 6.0
    sy = ring_sum(sum_y) / 6.0
    bulge_sum = ring_sum(bulge)
    orient = np.where(area < 0, -1.0, 1.0) * sign
    area *= orient
    sx *= orient
    sy *= orient
    bulge_sum *= orient
    return area, sx + x0 * area, sy + y0 * area, bulge_sum


def _tm_scale(
    tm: TransverseMercator, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Point scale k of the Transverse Mercator and 1 / (k0² ρ ν) at points.

    k: Snyder (1987) eq. 8-11, within 5e-12 of the exact scale (Karney 2011)
    up to 1.5° from the central meridian and 2e-10 at 3.5°
    (``tests/geo/test_geodesic_area.py``). ln k ≈ E² / (2 k0² ρ ν), so
    1 / (k0² ρ ν) is the easting gradient of ln k per metre of easting.
    """
    ep2 = tm.e2 / (1.0 - tm.e2)
    phi = np.radians(lat)
    sin_phi = np.sin(phi)
    cos_phi = np.cos(phi)
    a_ = np.radians(lon - tm.lon0) * cos_phi
    t = (sin_phi / cos_phi) ** 2
    c = ep2 * cos_phi**2
    a2 = a_ * a_
    k = tm.k0 * (
        1.0
        + (1.0 + c) * a2 / 2.0
        + (5.0 - 4.0 * t + 42.0 * c + 13.0 * c * c - 28.0 * ep2) * a2 * a2 / 24.0
        + (61.0 - 148.0 * t + 16.0 * t * t) * a2 * a2 * a2 / 720.0
    )
    w = 1.0 - tm.e2 * sin_phi * sin_phi
    rho_nu = CGCS2000_A * CGCS2000_A * (1.0 - tm.e2) / (w * w)
    return k, 1.0 / (tm.k0 * tm.k0 * rho_nu)


def areal_scale_gradient(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], crs: Any
) -> npt.NDArray[np.float64]:
    """Gradient per metre of ln m at plane points, m the areal scale of a projected CRS.

    Used to carry a patch's ellipsoidal/plane area ratio to pieces of the patch
    (first order in the distance from the patch centroid). For a Gauss-Krüger
    (transverse Mercator) CRS it is analytic: ln m = 2 ln k ≈ E² / (k0² ρ ν),
    so ∂ln m/∂x = 2E / (k0² ρ ν) and ∂ln m/∂y is below 1e-12 per metre; other
    projected CRSs take finite differences of PROJ's areal scale. Rows with
    non-finite coordinates give 0.

    Examples
    --------
    >>> import numpy as np
    >>> g = areal_scale_gradient(np.array([650000.0]), np.array([2800000.0]), 4545)
    >>> round(float(g[0, 0]) * 1e9, 2), float(g[0, 1])  # 150 km east of the CM
    (7.41, 0.0)
    """
    crs = pyproj.CRS.from_user_input(crs)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    out = np.zeros((len(x), 2))
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return out
    to_geo = pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
    tm = transverse_mercator(crs)
    if tm is not None:
        lon, lat = to_geo.transform(x[ok], y[ok])
        _, inv_rho_nu = _tm_scale(tm, np.asarray(lon), np.asarray(lat))
        out[ok, 0] = 2.0 * (x[ok] - tm.false_easting) * inv_rho_nu
        return out
    h = 100.0
    px = np.concatenate([x[ok], x[ok] + h, x[ok]])
    py = np.concatenate([y[ok], y[ok], y[ok] + h])
    lon, lat = to_geo.transform(px, py)
    ln_m = np.log(np.asarray(pyproj.Proj(crs).get_factors(lon, lat).areal_scale))
    n = int(ok.sum())
    out[ok, 0] = (ln_m[n : 2 * n] - ln_m[:n]) / h
    out[ok, 1] = (ln_m[2 * n :] - ln_m[:n]) / h
    return out


def geodesic_polygon_areas(
    polys: npt.NDArray[np.object_], transformer: pyproj.Transformer | None
) -> npt.NDArray[np.float64]:
    """Geodesic areas of polygons (holes subtract); ``transformer`` to lon/lat or None.

    The plane-moment method in a transverse Mercator CRS, the vertex method
    otherwise.
    """
    tm = None
    if transformer is not None:
        tm = transverse_mercator(pyproj.CRS.from_user_input(transformer.source_crs))
    if tm is not None and transformer is not None:
        return projected_polygon_areas(polys, transformer, tm)
    return vertex_polygon_areas(polys, transformer)


def vertex_polygon_areas(
    polys: npt.NDArray[np.object_], transformer: pyproj.Transformer | None
) -> npt.NDArray[np.float64]:
    """The vertex method: every vertex to lon/lat, edge sums on the authalic sphere."""
    if len(polys) == 0:
        return np.zeros(0)
    offsets, sign, ring_owner = ring_layout(polys)
    coords = shapely.get_coordinates(polys)
    x = np.ascontiguousarray(coords[:, 0])
    y = np.ascontiguousarray(coords[:, 1])
    if transformer is not None:
        x, y = transformer.transform(x, y)
    ring_area = _ring_excess(np.asarray(x), np.asarray(y), offsets) * _RQ2
    return np.bincount(ring_owner, weights=ring_area * sign, minlength=len(polys)).astype(
        np.float64
    )


def projected_polygon_areas(
    polys: npt.NDArray[np.object_], transformer: pyproj.Transformer, tm: TransverseMercator
) -> npt.NDArray[np.float64]:
    """Small polygons in a Gauss-Krüger plane: the plane-moment method.

    The ellipsoidal area of the polygon whose vertices are given is
    ∬ dA / k² over the plane polygon, plus the thin areas between each
    straight plane edge and the geodesic through its vertices (the geodesic's
    image bends towards larger scale by ∂ln k/∂n, bulging by l³ ∂ln k/∂n / 12).
    Taking k² at the area centroid cancels the first-order term; what is left
    is below Var(x) / R² ≤ (span² / 4) / R², about 2.5e-8 for polygons up to
    ``_FAST_SPAN_M`` across and 1e-10 for a 5 ha patch. Larger polygons, and
    polygons more than 3.5° from the central meridian, take the vertex method.
    """
    out = np.zeros(len(polys))
    bounds = shapely.bounds(polys)
    span = np.fmax(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
    small = span <= _FAST_SPAN_M  # NaN spans (empty polygons) are not small
    idx = np.flatnonzero(small)
    vertex = np.flatnonzero(~small & np.isfinite(span))
    if len(idx):
        sub = polys[idx]
        offsets, sign, ring_owner = ring_layout(sub)
        coords = shapely.get_coordinates(sub)
        area_r, sx_r, sy_r, bulge_r = _plane_moments(
            np.ascontiguousarray(coords[:, 0]),
            np.ascontiguousarray(coords[:, 1]),
            offsets,
            sign,
            tm.false_easting,
        )

        def per_polygon(v: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
            return np.bincount(ring_owner, weights=v, minlength=len(sub)).astype(np.float64)

        area_p = per_polygon(area_r)
        ok = area_p > 0
        cx = np.divide(per_polygon(sx_r), area_p, out=bounds[idx, 0].copy(), where=ok)
        cy = np.divide(per_polygon(sy_r), area_p, out=bounds[idx, 1].copy(), where=ok)
        lon, lat = transformer.transform(cx, cy)
        lon, lat = np.asarray(lon), np.asarray(lat)
        k, grad = _tm_scale(tm, lon, lat)
        geodesic_area = area_p + per_polygon(bulge_r) * grad / 12.0
        out[idx] = np.where(ok, geodesic_area / (k * k), 0.0)
        far = np.abs(lon - tm.lon0) > 3.5
        vertex = np.concatenate([vertex, idx[far]])
    if len(vertex):
        out[vertex] = vertex_polygon_areas(polys[vertex], transformer)
    return out
