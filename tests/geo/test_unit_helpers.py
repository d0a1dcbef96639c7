"""The unit helpers against exact arithmetic: every helper, scalars and arrays.

References are computed with :class:`fractions.Fraction` from the definitions
(1 公顷 = 10000 m² = 15 亩, so 1 亩 = 2000/3 m²), never with rsgeo's own
constants; the rounding helper is checked against a second implementation in
exact arithmetic and against hand-computed tables.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rsgeo.geo.units import (
    M2_PER_HA,
    M2_PER_MU,
    MU_PER_HA,
    ha_to_m2,
    m2_to_ha,
    m2_to_mu,
    mu_to_m2,
    round_preserving_total,
)

M2_PER_MU_EXACT = Fraction(10000, 15)  # 666 2/3 m²
HELPERS = [
    (m2_to_mu, 1 / M2_PER_MU_EXACT),
    (mu_to_m2, M2_PER_MU_EXACT),
    (m2_to_ha, Fraction(1, 10000)),
    (ha_to_m2, Fraction(10000)),
]
VALUES = [0.0, 1.0, 2.5, 15.0, 100.0, 666.6666666666666, 123456.789, -3.0]


def test_constants_are_the_definitions() -> None:
    assert M2_PER_MU == float(M2_PER_MU_EXACT)
    assert M2_PER_HA == 10000.0
    assert MU_PER_HA == 15.0


@pytest.mark.parametrize(("helper", "factor"), HELPERS, ids=lambda h: getattr(h, "__name__", ""))
def test_scalars(helper, factor) -> None:  # type: ignore[no-untyped-def]
    for value in [*VALUES, 7, np.float32(0.5), np.float64(3.0)]:
        got = helper(value)
        assert isinstance(got, float)
        assert got == pytest.approx(float(Fraction(float(value)) * factor), rel=1e-14, abs=1e-300)


@pytest.mark.parametrize(("helper", "factor"), HELPERS, ids=lambda h: getattr(h, "__name__", ""))
@pytest.mark.parametrize("form", ["list", "tuple", "float64", "float32", "int", "2-d"])
def test_arrays(helper, factor, form: str) -> None:  # type: ignore[no-untyped-def]
    values = {
        "list": list(VALUES),
        "tuple": tuple(VALUES),
        "float64": np.array(VALUES),
        "float32": np.array([0.0, 0.5, 1.5, 1024.0], dtype=np.float32),
        "int": np.array([0, 3, 15, 10000]),
        "2-d": np.array([[1.0, 2.0], [15.0, 10000.0]]),
    }[form]
    got = helper(values)
    assert isinstance(got, np.ndarray)
    assert got.dtype == np.float64
    flat = np.asarray(values, dtype=object).reshape(-1)
    want = np.array([float(Fraction(float(v)) * factor) for v in flat]).reshape(got.shape)
    assert got.shape == np.shape(values)
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=0)


def test_hand_values() -> None:
    assert mu_to_m2(np.array([1.5, 3.0])).tolist() == pytest.approx([1000.0, 2000.0])
    assert mu_to_m2(15) == pytest.approx(10000.0)
    assert m2_to_mu(np.array([2000.0])).tolist() == pytest.approx([3.0])
    assert m2_to_ha([25000.0, 5000.0]).tolist() == pytest.approx([2.5, 0.5])
    assert ha_to_m2(np.array([0.15, 2.0])).tolist() == pytest.approx([1500.0, 20000.0])
    # a round trip through both directions
    x = np.array([0.01, 1.0, 99999.0])
    np.testing.assert_allclose(mu_to_m2(m2_to_mu(x)), x, rtol=1e-15)
    np.testing.assert_allclose(ha_to_m2(m2_to_ha(x)), x, rtol=1e-15)


# ---- round_preserving_total ----------------------------------------------


def _reference(values: list[float], decimals: int, total: float | None) -> list[float]:
    """Largest remainders in exact arithmetic, written from the docstring."""
    scale = 10**decimals
    keep = [i for i, v in enumerate(values) if math.isfinite(v)]
    if not keep:
        return [math.nan] * len(values)
    exact = {i: Fraction(values[i]) * scale for i in keep}
    floors = {i: math.floor(exact[i]) for i in keep}
    rest = {i: exact[i] - floors[i] for i in keep}
    goal = Fraction(total) if total is not None else sum(Fraction(values[i]) for i in keep)
    missing = math.floor(goal * scale + Fraction(1, 2)) - sum(floors.values())
    add = dict.fromkeys(keep, 0)
    if missing > 0:
        order = sorted(keep, key=lambda i: (-rest[i], i))
        for i in order[:missing]:
            add[i] += 1
        if missing > len(order):
            add[order[0]] += missing - len(order)
    elif missing < 0:
        order = sorted(keep, key=lambda i: (rest[i], i))
        for i in order[:-missing]:
            add[i] -= 1
    return [
        float(Fraction(floors[i] + add[i], scale)) if i in add else math.nan
        for i in range(len(values))
    ]


# multiples of 1/16 are exact in binary, times 1, 10 and 100 too: no
# representation error, so the reference and the helper see the same remainders
sixteenths = st.integers(-200_000, 200_000).map(lambda k: k / 16)


@given(
    values=st.lists(st.one_of(sixteenths, st.just(math.nan)), min_size=1, max_size=12),
    decimals=st.integers(0, 2),
    total=st.one_of(st.none(), sixteenths),
)
def test_rounding_matches_an_exact_reference(
    values: list[float], decimals: int, total: float | None
) -> None:
    got = round_preserving_total(values, decimals=decimals, total=total)
    want = _reference(values, decimals, total)
    np.testing.assert_array_equal(got, np.array(want))


@pytest.mark.parametrize(
    ("values", "kwargs", "want"),
    [
        # floors 0 and 10, remainders .4 and .1, total 10.5 -> 11: the .4 gets the unit
        ([0.4, 10.1], {"decimals": 0}, [1.0, 10.0]),
        # ties go to the earlier value
        ([0.5, 0.5, 0.5], {"decimals": 0}, [1.0, 1.0, 0.0]),
        # the default keeps 2 decimals
        ([0.125, 0.125, 0.25], {}, [0.13, 0.12, 0.25]),
        # a total far above the sum: one unit each, the rest to the largest remainder
        ([1.0], {"decimals": 0, "total": 3.0}, [3.0]),
        ([1.25, 2.5], {"decimals": 0, "total": 6.0}, [2.0, 4.0]),
        # a total below the sum: the smallest remainders lose a unit, ties the earlier
        ([1.5, 2.25, 3.0], {"decimals": 0, "total": 4.0}, [1.0, 1.0, 2.0]),
        ([2.0, 2.0, 2.5], {"decimals": 0, "total": 5.0}, [1.0, 2.0, 2.0]),
        # decimal values whose binary form falls just below: 0.285 × 100 = 28.4999…
        ([0.285], {"decimals": 2}, [0.29]),
        ([0.5, 0.29], {"decimals": 2, "total": 0.78}, [0.49, 0.29]),
        ([0.29, 0.5], {"decimals": 2, "total": 0.8}, [0.3, 0.5]),
        # NaN stays NaN and is not in the total
        ([math.nan, 0.25, 0.25], {"decimals": 0}, [math.nan, 1.0, 0.0]),
        ([math.nan], {"decimals": 1}, [math.nan]),
    ],
)
def test_rounding_hand_tables(values: list[float], kwargs: dict, want: list[float]) -> None:
    np.testing.assert_array_equal(round_preserving_total(values, **kwargs), np.array(want))
