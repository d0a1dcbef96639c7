"""The Gauss-Krüger projection of ``rsgeo.geo.gauss_kruger`` against PROJ and exact arithmetic.

The references: PROJ's ``tmerc`` (its own implementation of the Krüger
series) for points, ``math`` for the small-angle series, and the Krüger
coefficients of Karney (2011, eqs. 35–36 and the conformal-latitude series)
evaluated here in exact rational arithmetic with ``fractions``. The
per-point code the compiled kernels use is run in Python and compared with
the array code.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pyproj
import pytest

from rsgeo.geo import gauss_kruger as gkm
from rsgeo.geo.gauss_kruger import (
    GaussKruger,
    gauss_kruger_plane,
    gk_forward,
    gk_inverse,
    transverse_mercator,
)

_F = Fraction(1) / Fraction("298.257222101")  # CGCS2000
_N = _F / (2 - _F)

# coefficients of n, n², … n⁶ (Karney 2011): α_j (forward), β_j (inverse), δ_j (χ → φ)
_ALPHA = {
    1: [(1, 2), (-2, 3), (5, 16), (41, 180), (-127, 288), (7891, 37800)],
    2: [(13, 48), (-3, 5), (557, 1440), (281, 630), (-1983433, 1935360)],
    3: [(61, 240), (-103, 140), (15061, 26880), (167603, 181440)],
    4: [(49561, 161280), (-179, 168), (6601661, 7257600)],
    5: [(34729, 80640), (-3418889, 1995840)],
    6: [(212378941, 319334400)],
}
_BETA = {
    1: [(1, 2), (-2, 3), (37, 96), (-1, 360), (-81, 512), (96199, 604800)],
    2: [(1, 48), (1, 15), (-437, 1440), (46, 105), (-1118711, 3870720)],
    3: [(17, 480), (-37, 840), (-209, 4480), (5569, 90720)],
    4: [(4397, 161280), (-11, 504), (-830251, 7257600)],
    5: [(4583, 161280), (-108847, 3991680)],
    6: [(20648693, 638668800)],
}
_DELTA = {
    1: [(2, 1), (-2, 3), (-2, 1), (116, 45), (26, 45), (-2854, 675)],
    2: [(7, 3), (-8, 5), (-227, 45), (2704, 315), (2323, 945)],
    3: [(56, 15), (-136, 35), (-1262, 105), (73814, 2835)],
    4: [(4279, 630), (-332, 35), (-399572, 14175)],
    5: [(4174, 315), (-144838, 6237)],
    6: [(601676, 22275)],
}


def _series(terms: list[tuple[int, int]], first_power: int) -> Fraction:
    return sum(
        (Fraction(a, b) * _N ** (first_power + i) for i, (a, b) in enumerate(terms)), Fraction(0)
    )


@pytest.mark.parametrize(
    ("prefix", "table"),
    [("_AL", _ALPHA), ("_BE", _BETA), ("_DE", _DELTA)],
    ids=["alpha", "beta", "delta"],
)
def test_krueger_coefficients_in_exact_arithmetic(prefix: str, table: dict) -> None:
    """Each coefficient within 4 units in the last place of its exact value (the
    rounding of its own evaluation in double precision): a wrong term that moves
    the float by more than that fails."""
    for j, terms in table.items():
        exact = _series(terms, j)
        got = getattr(gkm, f"{prefix}{j}")
        assert abs(Fraction(got) - exact) <= 4 * Fraction(math.ulp(float(exact))), f"{prefix}{j}"
    # the rectifying radius A = a / (1 + n) (1 + n²/4 + n⁴/64 + n⁶/256)
    exact_ar = Fraction(6378137) / (1 + _N) * (1 + _N**2 / 4 + _N**4 / 64 + _N**6 / 256)
    assert abs(Fraction(gkm._AR) - exact_ar) <= 4 * Fraction(math.ulp(float(exact_ar)))
    assert gkm._E2 == pytest.approx(float(_F * (2 - _F)), rel=1e-16)
    assert gkm._E == pytest.approx(math.sqrt(float(_F * (2 - _F))), rel=1e-16)


def _tmerc(lon0: float, k0: float = 1.0, x0: float = 500000.0, y0: float = 0.0) -> pyproj.CRS:
    return pyproj.CRS.from_proj4(
        f"+proj=tmerc +lat_0=0 +lon_0={lon0} +k={k0} +x_0={x0} +y_0={y0} +ellps=GRS80 "
        "+units=m +no_defs"
    )


def _points(seed: int, n: int, half_width_deg: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lat = rng.uniform(3.0, 54.0, n)  # China from the Nansha islands to Mohe
    dlon = rng.uniform(-half_width_deg, half_width_deg, n)
    return dlon, lat


@pytest.mark.parametrize("half_width_deg", [1.5, 3.5])
def test_forward_matches_proj(half_width_deg: float) -> None:
    """Within a 3-degree zone, and out to 3.5° from the central meridian (where the
    per-point loop takes sin and cos instead of the series): PROJ to 1e-8 m."""
    lon0 = 108.0
    dlon, lat = _points(1, 4000, half_width_deg)
    want_x, want_y = pyproj.Transformer.from_crs(4490, _tmerc(lon0), always_xy=True).transform(
        lon0 + dlon, lat
    )
    x, y = gk_forward(lon0 + dlon, lat, np.full(len(lat), lon0))
    np.testing.assert_allclose(x, want_x, rtol=0, atol=1e-8)
    np.testing.assert_allclose(y, want_y, rtol=0, atol=1e-8)
    # the array code and the per-point loop (run here in Python) give the same plane
    ax, ay = gkm._forward(np.radians(dlon), np.radians(lat))
    np.testing.assert_allclose(ax + 500000.0, want_x, rtol=0, atol=1e-8)
    np.testing.assert_allclose(ay, want_y, rtol=0, atol=1e-8)
    order = np.argsort(lat)  # neighbouring latitudes: the loop's anchor moves seldom
    lx, ly = gkm._forward_loop((lon0 + dlon)[order][:600], lat[order][:600], np.full(600, lon0))
    np.testing.assert_allclose(lx + 500000.0, np.asarray(want_x)[order][:600], rtol=0, atol=1e-8)
    np.testing.assert_allclose(ly, np.asarray(want_y)[order][:600], rtol=0, atol=1e-8)


@pytest.mark.parametrize(
    ("k0", "x0", "y0"), [(1.0, 500000.0, 0.0), (0.9996, 36500000.0, -10000.0)], ids=str
)
def test_inverse_matches_proj(k0: float, x0: float, y0: float) -> None:
    """gk_inverse with the plane's scale factor and false origin: PROJ to 1e-13 degrees."""
    lon0 = 108.0
    dlon, lat = _points(2, 4000, 1.6)
    crs = _tmerc(lon0, k0, x0, y0)
    x, y = pyproj.Transformer.from_crs(4490, crs, always_xy=True).transform(lon0 + dlon, lat)
    got_lon, got_lat = gk_inverse(np.asarray(x), np.asarray(y), GaussKruger(k0, x0, y0))
    np.testing.assert_allclose(got_lon, dlon, rtol=0, atol=1e-13)
    np.testing.assert_allclose(got_lat, lat, rtol=0, atol=1e-13)
    assert gauss_kruger_plane(crs) == GaussKruger(k0, x0, y0)


@pytest.mark.parametrize("spread", [0.04, 0.2])
def test_inverse_near_a_reference_point_equals_the_inverse(spread: float) -> None:
    """The per-point inverse of the kernels (sines from those of a reference point by
    the addition theorems, or directly when 0.05 rad away) against the array inverse."""
    rng = np.random.default_rng(3)
    ar = gkm._AR
    for _ in range(300):
        xip0 = rng.uniform(0.05, 0.95)
        etap0 = rng.uniform(-0.03, 0.03)
        xip = xip0 + rng.uniform(-spread, spread)
        etap = etap0 + rng.uniform(-spread / 2, spread / 2)
        phi, lam = gkm._inverse_near(
            xip,
            etap,
            xip0,
            etap0,
            math.sin(xip0),
            math.cos(xip0),
            math.sinh(etap0),
            math.cosh(etap0),
        )
        want_phi, want_lam = gkm._inverse(etap * ar, xip * ar)
        assert phi == pytest.approx(float(want_phi), rel=0, abs=2e-15)
        assert lam == pytest.approx(float(want_lam), rel=0, abs=2e-15)


def test_small_angle_series_are_exact_in_double_precision() -> None:
    for d in np.linspace(-0.05, 0.05, 1001):
        s, c = gkm._sin_cos_small(float(d))
        sh, ch = gkm._sinh_cosh_small(float(d))
        for got, want in (
            (s, math.sin(d)),
            (c, math.cos(d)),
            (sh, math.sinh(d)),
            (ch, math.cosh(d)),
        ):
            assert abs(got - want) <= 2 * math.ulp(want), d


def test_transverse_mercator_parameters_come_from_the_crs() -> None:
    tm = transverse_mercator(pyproj.CRS.from_epsg(4545))  # CGCS2000 / 3-degree GK CM 108E
    assert tm is not None
    assert (tm.lon0, tm.k0, tm.false_easting) == (108.0, 1.0, 500000.0)
    assert tm.e2 == pytest.approx(float(_F * (2 - _F)), rel=1e-15)
    prefixed = transverse_mercator(pyproj.CRS.from_epsg(4524))  # zone 36 with its prefix
    assert prefixed is not None and prefixed.false_easting == 36500000.0
    utm = transverse_mercator(pyproj.CRS.from_epsg(32649))
    assert utm is not None and utm.k0 == 0.9996 and utm.lon0 == 111.0
    assert transverse_mercator(pyproj.CRS.from_epsg(4490)) is None  # geographic
    assert transverse_mercator(pyproj.CRS.from_epsg(3857)) is None  # another projection
    assert transverse_mercator(None) is None
    feet = pyproj.CRS.from_proj4("+proj=tmerc +lon_0=108 +k=1 +x_0=500000 +ellps=GRS80 +units=ft")
    assert transverse_mercator(feet) is None
    away = _tmerc(108.0).to_proj4().replace("+lat_0=0", "+lat_0=20")
    assert transverse_mercator(pyproj.CRS.from_proj4(away)) is not None
    assert gauss_kruger_plane(pyproj.CRS.from_proj4(away)) is None  # origin off the equator
    assert gauss_kruger_plane(pyproj.CRS.from_epsg(4490)) is None
