"""The pieces of the geodesic method (``rsgeo.geo.geodesic_area``) against other code.

References: GEOS (shapely) for plane areas and centroids, a plain loop for the
edge-bulge sum, GeographicLib on the authalic sphere (``pyproj.Geod`` with
f = 0) for great-circle polygons, and PROJ's scale factors for the transverse
Mercator scale and the areal-scale gradient.
"""

from __future__ import annotations

import cmath
import itertools
import math

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import Polygon, box

from rsgeo.geo import gauss_kruger as gk
from rsgeo.geo import geodesic_area as ga
from rsgeo.geo._rings import ring_layout
from rsgeo.geo.gauss_kruger import TransverseMercator, transverse_mercator

A_M = 6378137.0
F = 1.0 / 298.257222101
E2 = F * (2.0 - F)
E = math.sqrt(E2)


def _q(phi: float) -> float:
    """Snyder's q(φ) (eq. 3-12), in its logarithmic form."""
    s = math.sin(phi)
    return (1 - E2) * (s / (1 - E2 * s * s) - math.log((1 - E * s) / (1 + E * s)) / (2 * E))


QP = _q(math.pi / 2)
R_AUTHALIC = A_M * math.sqrt(QP / 2)
SPHERE = pyproj.Geod(a=R_AUTHALIC, f=0.0)


def _authalic_deg(lat_deg: np.ndarray) -> np.ndarray:
    return np.degrees([math.asin(_q(math.radians(v)) / QP) for v in lat_deg])


def _sphere_area(poly: Polygon) -> float:
    """The polygon's area on the authalic sphere with great-circle edges (GeographicLib)."""
    total = 0.0
    for k, ring in enumerate([poly.exterior, *poly.interiors]):
        xy = np.asarray(ring.coords)
        area, _ = SPHERE.polygon_area_perimeter(xy[:, 0], _authalic_deg(xy[:, 1]))
        total += abs(area) * (1 if k == 0 else -1)
    return total


def test_vertex_method_is_the_great_circle_polygon_on_the_authalic_sphere() -> None:
    """Edges of 10°, 1° and 10 m; a polygon across the antimeridian; a hole."""
    big = Polygon([(100.0, 20.0), (110.0, 20.0), (105.0, 30.0)])
    across = Polygon([(179.0, 10.0), (-179.0, 10.0), (-179.0, 12.0), (179.0, 12.0)])
    holed = Polygon(
        [(100.0, 30.0), (104.0, 30.0), (104.0, 33.0), (100.0, 33.0)],
        [[(101.0, 31.0), (102.0, 31.0), (102.0, 32.0)]],
    )
    small = box(108.5, 25.0, 108.5001, 25.0001)
    polys = np.array([big, across, holed, small], dtype=object)
    got = ga.vertex_polygon_areas(polys, None)
    want = [_sphere_area(p) for p in polys]
    np.testing.assert_allclose(got[:3], want[:3], rtol=1e-12)
    assert got[3] == pytest.approx(want[3], abs=3e-4)  # GeographicLib's floor, ~1e-4 m²


def test_plane_moments_are_geos_areas_and_centroids() -> None:
    """Per ring: the signed area (holes negative) and first moments; per polygon they
    give GEOS's area and centroid; the bulge sum is Σ l² Δy (x_mid − FE) by a loop."""
    x0, y0 = 530000.0, 2770000.0
    outer = box(x0, y0, x0 + 400, y0 + 250)
    hole = Polygon([(x0 + 50, y0 + 50), (x0 + 150, y0 + 60), (x0 + 120, y0 + 180)])
    polys = np.array(
        [
            Polygon(outer.exterior.coords, [hole.exterior.coords]),
            Polygon(list(outer.exterior.coords)[::-1]),  # clockwise
            Polygon([(x0 - 900, y0), (x0 - 700, y0 + 10), (x0 - 800, y0 + 300)]),
        ],
        dtype=object,
    )
    offsets, sign, owner = ring_layout(polys)
    xy = shapely.get_coordinates(polys)
    area, sx, sy, bulge = ga._plane_moments(
        np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1]), offsets, sign, 500000.0
    )
    per = [np.bincount(owner, weights=v, minlength=len(polys)) for v in (area, sx, sy)]
    np.testing.assert_allclose(per[0], shapely.area(polys), rtol=1e-12)
    centroids = shapely.get_coordinates(shapely.centroid(polys))
    np.testing.assert_allclose(per[1] / per[0], centroids[:, 0], rtol=1e-12)
    np.testing.assert_allclose(per[2] / per[0], centroids[:, 1], rtol=1e-12)
    for r in range(len(offsets) - 1):
        ring = xy[offsets[r] : offsets[r + 1]]
        by_loop = 0.0
        for (xa, ya), (xb, yb) in itertools.pairwise(ring):
            by_loop += ((xb - xa) ** 2 + (yb - ya) ** 2) * (yb - ya) * ((xa + xb) / 2 - 500000.0)
        # the ring's orientation is taken out, holes count negative, as the area's sign
        ring_area = shapely.area(Polygon(ring))
        orient = math.copysign(1.0, area[r]) * math.copysign(1.0, _signed(ring))
        assert bulge[r] == pytest.approx(orient * by_loop, rel=1e-12, abs=1e-6)
        assert abs(area[r]) == pytest.approx(ring_area, rel=1e-12)


def _signed(ring: np.ndarray) -> float:
    return 0.5 * float(np.sum(ring[:-1, 0] * ring[1:, 1] - ring[1:, 0] * ring[:-1, 1]))


def _k_exact(lon: float, lat: float, tm: TransverseMercator) -> float:
    """The exact point scale of the transverse Mercator (Karney 2011, eqs. 25–28): the
    conformal sphere's scale times |dζ/dζ′| of Krüger's series (its α from
    rsgeo.geo.gauss_kruger, checked against exact arithmetic in test_gauss_kruger.py)."""
    phi, lam = math.radians(lat), math.radians(lon - tm.lon0)
    tau = math.tan(phi)
    sigma = math.sinh(E * math.atanh(E * math.sin(phi)))
    taup = tau * math.sqrt(1 + sigma * sigma) - sigma * math.sqrt(1 + tau * tau)
    r = math.hypot(taup, math.cos(lam))
    zeta = complex(math.atan2(taup, math.cos(lam)), math.asinh(math.sin(lam) / r))
    alpha = (gk._AL1, gk._AL2, gk._AL3, gk._AL4, gk._AL5, gk._AL6)
    dz = 1 + sum(2 * j * a * cmath.cos(2 * j * zeta) for j, a in enumerate(alpha, start=1))
    spherical = math.sqrt(1 - E2 * math.sin(phi) ** 2) * math.sqrt(1 + tau * tau) / r
    return tm.k0 * gk._AR / A_M * spherical * abs(dz)


def _k_snyder(lon: float, lat: float, tm: TransverseMercator) -> float:
    """Snyder (1987) eq. 8-11 with his T, C, A and e′², term by term."""
    ep2 = tm.e2 / (1 - tm.e2)
    phi = math.radians(lat)
    t = math.tan(phi) ** 2
    c = ep2 * math.cos(phi) ** 2
    a = math.radians(lon - tm.lon0) * math.cos(phi)
    return tm.k0 * (
        1
        + (1 + c) * a**2 / 2
        + (5 - 4 * t + 42 * c + 13 * c**2 - 28 * ep2) * a**4 / 24
        + (61 - 148 * t + 16 * t**2) * a**6 / 720
    )


@pytest.mark.parametrize("epsg", [4545, 32649])  # k0 = 1 and k0 = 0.9996
def test_transverse_mercator_scale(epsg: int) -> None:
    """k is Snyder's eq. 8-11 (written here term by term), within 5e-12 of the exact
    scale up to 1.5° from the central meridian and 2e-10 at 3.5°; 1 / (k0² ρ ν) from
    the radii of curvature written here."""
    tm = transverse_mercator(pyproj.CRS.from_epsg(epsg))
    assert tm is not None
    rng = np.random.default_rng(1)
    for half_width, exact_rtol in ((1.5, 5e-12), (3.5, 2e-10)):
        lon = tm.lon0 + rng.uniform(-half_width, half_width, 300)
        lat = rng.uniform(3.0, 54.0, 300)
        k, inv = ga._tm_scale(tm, lon, lat)
        snyder = [_k_snyder(a, b, tm) for a, b in zip(lon, lat, strict=True)]
        np.testing.assert_allclose(k, snyder, rtol=5e-14)
        exact = [_k_exact(a, b, tm) for a, b in zip(lon, lat, strict=True)]
        np.testing.assert_allclose(k, exact, rtol=exact_rtol)
        s2 = np.sin(np.radians(lat)) ** 2  # the CRS's own ellipsoid (WGS 84 for UTM)
        rho = A_M * (1 - tm.e2) / (1 - tm.e2 * s2) ** 1.5
        nu = A_M / np.sqrt(1 - tm.e2 * s2)
        np.testing.assert_allclose(inv, 1.0 / (tm.k0**2 * rho * nu), rtol=1e-12)


def test_areal_scale_gradient_in_web_mercator() -> None:
    """Another projection: finite differences of PROJ's areal scale, one row per point,
    rows with a missing coordinate give 0."""
    x = np.array([1.207e7, 1.21e7, np.nan, 1.209e7])
    y = np.array([2.87e6, 2.9e6, 2.9e6, np.nan])
    got = ga.areal_scale_gradient(x, y, 3857)
    assert got.shape == (4, 2)
    assert (got[2:] == 0.0).all()
    proj = pyproj.Proj(pyproj.CRS.from_epsg(3857))
    back = pyproj.Transformer.from_crs(3857, 4326, always_xy=True)

    def ln_m(px: np.ndarray, py: np.ndarray) -> np.ndarray:
        lon, lat = back.transform(px, py)
        return np.log(np.asarray(proj.get_factors(lon, lat).areal_scale))

    ok = slice(0, 2)
    fd_x = (ln_m(x[ok] + 50, y[ok]) - ln_m(x[ok] - 50, y[ok])) / 100
    fd_y = (ln_m(x[ok], y[ok] + 50) - ln_m(x[ok], y[ok] - 50)) / 100
    np.testing.assert_allclose(got[ok, 0], fd_x, atol=1e-12)
    np.testing.assert_allclose(got[ok, 1], fd_y, rtol=1e-4)
    assert (got[ok, 1] > 1e-8).all()  # the scale grows northwards, by ~1e-7 per metre
