"""Area units and rounding for reports.

1 亩 (mu) is exactly 10000/15 m²; 1 公顷 (hectare) is 15 亩. Keep full
precision in computations and round only when writing a report. This module
is the one home of rounding for display: :func:`round_half_up` (0.005 →
0.01, never Python's round-half-even), :func:`format_half_up` for text, and
:func:`round_preserving_total` so rounded rows add up to the rounded total
(平差, largest-remainder adjustment). ``docs/areas.md`` states the rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import overload

import numpy as np
import numpy.typing as npt

__all__ = [
    "M2_PER_HA",
    "M2_PER_MU",
    "MU_PER_HA",
    "UNIT_FACTORS_M2",
    "format_half_up",
    "ha_to_m2",
    "m2_to_ha",
    "m2_to_mu",
    "mu_to_m2",
    "round_half_up",
    "round_preserving_total",
    "unit_in_header",
]

M2_PER_MU: float = 10000.0 / 15.0
"""Square metres in one 亩 (exact: 666.666…)."""
M2_PER_HA: float = 10000.0
MU_PER_HA: float = 15.0

UNIT_FACTORS_M2: Mapping[str, float] = MappingProxyType(
    {"m2": 1.0, "mu": M2_PER_MU, "ha": M2_PER_HA}
)
"""Square metres per unit, by the unit keys of :func:`unit_in_header`."""

_UNIT_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ha", re.compile(r"公顷|hm2|hm²|hectare|(?<![a-z])ha(?![a-z])", re.I)),
    ("mu", re.compile(r"亩|(?<![a-z])mu(?![a-z])", re.I)),
    ("m2", re.compile(r"平方米|m2|m²|㎡|sq\.?\s*m", re.I)),
)


def unit_in_header(header: str) -> str | None:
    """The area unit a column header names: ``"m2"``, ``"mu"``, ``"ha"`` or None.

    The one grammar of units in headers, for every table rsgeo reads
    (determinations, the change survey's denominator).

    Examples
    --------
    >>> unit_in_header("新增建设用地占用耕地面积（公顷）"), unit_in_header("面积(亩)")
    ('ha', 'mu')
    >>> unit_in_header("area_m2"), unit_in_header("面积（㎡）"), unit_in_header("area_ha")
    ('m2', 'm2', 'ha')
    >>> unit_in_header("Shanghai") is None, unit_in_header("面积") is None
    (True, True)
    """
    for unit, pattern in _UNIT_WORDS:
        if pattern.search(header):
            return unit
    return None


ArrayLike = float | Sequence[float] | npt.NDArray[np.floating]


def m2_to_mu(area_m2: ArrayLike) -> npt.NDArray[np.float64] | float:
    """Convert m² to 亩 (multiply by 0.0015).

    Examples
    --------
    >>> m2_to_mu(666.6666666666666)
    1.0
    >>> m2_to_mu([10000.0, 0.0]).tolist()
    [15.0, 0.0]
    """
    if np.isscalar(area_m2):
        return float(area_m2) * 15.0 / 10000.0  # type: ignore[arg-type]
    return np.asarray(area_m2, dtype="float64") * 15.0 / 10000.0


def mu_to_m2(area_mu: ArrayLike) -> npt.NDArray[np.float64] | float:
    """Convert 亩 to m².

    >>> mu_to_m2(15)
    10000.0
    """
    if np.isscalar(area_mu):
        return float(area_mu) * 10000.0 / 15.0  # type: ignore[arg-type]
    return np.asarray(area_mu, dtype="float64") * 10000.0 / 15.0


def m2_to_ha(area_m2: ArrayLike) -> npt.NDArray[np.float64] | float:
    """Convert m² to 公顷 (hectares).

    >>> m2_to_ha(25000)
    2.5
    """
    if np.isscalar(area_m2):
        return float(area_m2) / M2_PER_HA  # type: ignore[arg-type]
    return np.asarray(area_m2, dtype="float64") / M2_PER_HA


def ha_to_m2(area_ha: ArrayLike) -> npt.NDArray[np.float64] | float:
    """Convert 公顷 to m².

    >>> ha_to_m2(1.5)
    15000.0
    """
    if np.isscalar(area_ha):
        return float(area_ha) * M2_PER_HA  # type: ignore[arg-type]
    return np.asarray(area_ha, dtype="float64") * M2_PER_HA


def _half_up_decimal(value: float, decimals: int) -> float:
    """One value, by its shortest decimal representation (``repr``)."""
    q = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return float(q)


@overload
def round_half_up(values: float, decimals: int = 2) -> float: ...
@overload
def round_half_up(
    values: Sequence[float] | npt.NDArray[np.floating], decimals: int = 2
) -> npt.NDArray[np.float64]: ...
def round_half_up(values: ArrayLike, decimals: int = 2) -> npt.NDArray[np.float64] | float:
    """Round half-up (halves away from zero) to ``decimals``, as reports do.

    Python's ``round``, NumPy's ``round`` and ``f"{x:.2f}"`` round halves to
    even and work on the binary value: ``round(0.125, 2)`` is 0.12 and
    ``f"{2.675:.2f}"`` is '2.67' (2.675 is stored as 2.67499999999999982…).
    Here a value is rounded as the decimal a person reads: the shortest
    decimal that represents the float (its ``repr``), rounded with
    :data:`decimal.ROUND_HALF_UP`. So 0.005 → 0.01, 0.125 → 0.13,
    2.675 → 2.68 and −0.005 → −0.01, while 2.6749999999999998 (a different
    float, whose repr says so) → 2.67. Vectorised: only values within about
    1e-6 of a half (in units of the last decimal) go through
    :class:`decimal.Decimal`. NaN and infinities are returned as they are.

    Parameters
    ----------
    values : float or array-like of float
    decimals : int, default 2

    Returns
    -------
    float or numpy.ndarray
        A float for a scalar, else a float64 array of the input's shape.

    Examples
    --------
    >>> round_half_up(0.005), round_half_up(0.015), round_half_up(2.675), round_half_up(-0.005)
    (0.01, 0.02, 2.68, -0.01)
    >>> round(0.125, 2), round_half_up(0.125)
    (0.12, 0.13)
    >>> round_half_up([1.005, 2.5, np.nan], decimals=0).tolist()
    [1.0, 3.0, nan]
    """
    if np.isscalar(values):
        v = float(values)  # type: ignore[arg-type]
        return _half_up_decimal(v, decimals) if np.isfinite(v) else v
    arr = np.asarray(values, dtype=np.float64)
    out = arr.copy()
    scale = 10.0**decimals
    scaled = np.abs(arr) * scale
    ok = np.isfinite(scaled) & (scaled < 1e15)
    whole = np.floor(scaled, where=ok, out=np.zeros_like(scaled))
    frac = scaled - whole
    # clear cases: far from a half, also after the rounding of ``arr * scale``
    near = ok & (np.abs(frac - 0.5) <= 1e-6 + 1e-14 * scaled)
    clear = ok & ~near
    rounded = whole + (frac > 0.5)
    out[clear] = np.copysign(rounded[clear] / scale, arr[clear])
    for i in np.flatnonzero(near):
        out.flat[i] = _half_up_decimal(float(arr.flat[i]), decimals)
    return out


def format_half_up(value: float, decimals: int = 2, *, missing: str = "—") -> str:
    """Text of a figure rounded half-up (:func:`round_half_up`), ``missing`` for NaN/None.

    >>> format_half_up(0.125), format_half_up(2.675), format_half_up(-0.001), format_half_up(None)
    ('0.13', '2.68', '0.00', '—')
    >>> format_half_up(12.5, 0)
    '13'
    """
    if value is None:
        return missing
    v = float(value)
    if np.isnan(v):
        return missing
    text = f"{round_half_up(v, decimals):.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0.0 else text


def round_preserving_total(
    values: ArrayLike,
    *,
    decimals: int = 2,
    total: float | None = None,
) -> npt.NDArray[np.float64]:
    """Round values so that the rounded values add up to the rounded total.

    Each value is rounded down to ``decimals``; the units still missing from
    the total rounded half-up (:func:`round_half_up`) are handed, one each, to
    the values with the largest remainders (ties go to the earlier value). This is the adjustment (平差)
    county tables use so that township rows add up to the county row.

    Parameters
    ----------
    values : array-like of float
        Unrounded values (NaN is kept as NaN and left out of the total).
    decimals : int, default 2
        Decimal places to keep.
    total : float, optional
        The total the rounded values must add up to, before rounding; by
        default the sum of ``values``.

    Returns
    -------
    numpy.ndarray
        Rounded values; ``round(sum(values), decimals) == sum(result)`` up to
        floating-point representation.

    Examples
    --------
    >>> round_preserving_total([1.005, 1.005, 1.005], decimals=2).tolist()
    [1.01, 1.0, 1.0]
    >>> round_preserving_total([33.333, 33.333, 33.334], decimals=0).tolist()
    [33.0, 33.0, 34.0]
    """
    arr = np.asarray(values, dtype="float64")
    out = np.full(arr.shape, np.nan)
    ok = np.isfinite(arr)
    if not ok.any():
        return out
    scale = 10.0**decimals
    # Work in integer units of 10**-decimals; the small epsilon guards
    # against 0.285 * 100 = 28.499999999999996.
    scaled = arr[ok] * scale
    floors = np.floor(scaled + 1e-9)
    # 0.29 * 100 = 28.999999999999996 floors to 29 and leaves -4e-15, not 0:
    # clipped, it ties with the exact values (ties go to the earlier value)
    remainders = np.maximum(scaled - floors, 0.0)
    target_total = float(np.sum(arr[ok]) if total is None else total)
    target_units = round(round_half_up(target_total, decimals) * scale)
    missing = target_units - int(floors.sum())
    order = np.argsort(-remainders, kind="stable")
    adjust = np.zeros_like(floors)
    if missing > 0:
        adjust[order[: min(missing, len(order))]] = 1.0
        extra = missing - len(order)
        if extra > 0:  # only when a total far from the sum is asked for
            adjust[order[0]] += extra
    elif missing < 0:
        order_low = np.argsort(remainders, kind="stable")
        adjust[order_low[: min(-missing, len(order_low))]] = -1.0
    out[ok] = (floors + adjust) / scale
    return out
