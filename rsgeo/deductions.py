"""Per-patch figures behind the township statistics: illegal areas and deductions (扣减).

:func:`patch_figures` decides, patch by patch, what counts as illegal, how much
of it is illegal farmland, whether it was rectified, and which share is
deducted (rectified by a deductible method on or before the cutoff day).
:func:`rsgeo.stats.township_stats` spreads these figures over township pieces.
Every formula and default is in ``docs/statistics.md``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Literal, get_args

import numpy as np
import pandas as pd

from rsgeo._util import choice_problem, flag_column, number_column
from rsgeo.errors import InputError, format_problems
from rsgeo.military import is_military

__all__ = [
    "DEFAULT_CUTOFF",
    "DEFAULT_DEDUCTIBLE_METHODS",
    "DEFAULT_UNRECTIFIED_METHODS",
    "parse_date",
    "patch_figures",
]

DEFAULT_CUTOFF = "2020-12-21"
DEFAULT_DEDUCTIBLE_METHODS: tuple[str, ...] = ("补办手续", "拆除复耕")
"""Rectification methods that eliminate the illegal state (扣减) by default."""
DEFAULT_UNRECTIFIED_METHODS: tuple[str, ...] = ("未整改", "无", "/")
"""Rectification-method values that mean "nothing done yet"."""

IllegalFarmland = Literal["auto", "overlay", "determination"]
FarmlandBasis = Literal["net", "gross"]

_RECTIFIED_TOL_M2 = 0.01


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def parse_date(value: object) -> _dt.date | None:
    """Parse a rectification date; None when missing; ValueError when unreadable.

    Accepts dates, datetimes, pandas Timestamps, ``YYYY-MM-DD``, ``YYYY/MM/DD``,
    ``YYYY.MM.DD``, ``YYYYMMDD``, ``YYYY年MM月DD日`` (a time part is dropped) and
    Excel serial day numbers.

    Examples
    --------
    >>> parse_date("2020年12月21日")
    datetime.date(2020, 12, 21)
    >>> parse_date(44186)
    datetime.date(2020, 12, 21)
    >>> parse_date("") is None
    True
    """
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).date()
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, (int, float, np.integer, np.floating)):
        if pd.isna(value):
            return None
        number = float(value)
        if number.is_integer() and 19000101 <= number <= 29991231:
            return _dt.datetime.strptime(str(int(number)), "%Y%m%d").date()
        if 1 <= number < 2958466:  # Excel serial day (1900 date system)
            return (_dt.datetime(1899, 12, 30) + _dt.timedelta(days=int(number))).date()
        raise ValueError(f"cannot read {value!r} as a date")
    text = str(value).strip()
    if not text or text.casefold() in {"nan", "nat", "none", "null", "/", "-", "—"}:
        return None
    head = text.split("T")[0].split(" ")[0]
    for fmt in _DATE_FORMATS:
        try:
            return _dt.datetime.strptime(head, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"cannot read {value!r} as a date")


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series("", index=frame.index, dtype="string")
    return frame[col].astype("string").fillna("").str.strip()


def patch_figures(
    result: pd.DataFrame,
    *,
    cutoff: str | _dt.date = DEFAULT_CUTOFF,
    deductible_methods: Iterable[str] = DEFAULT_DEDUCTIBLE_METHODS,
    unrectified_methods: Iterable[str] = DEFAULT_UNRECTIFIED_METHODS,
    illegal_classes: Iterable[str] = ("违法",),
    legal_classes: Iterable[str] = ("合法",),
    patch_area_m2: pd.Series | None = None,
    patch_farmland_m2: pd.Series | None = None,
    illegal_farmland: IllegalFarmland = "auto",
    farmland_basis: FarmlandBasis = "net",
) -> pd.DataFrame:
    """Per-patch figures behind the statistics: illegal areas and deductions.

    Parameters
    ----------
    result : pandas.DataFrame
        Patch table indexed by ``patch_id`` (``docs/columns.md``).
    cutoff, deductible_methods, unrectified_methods, illegal_classes, legal_classes,
    illegal_farmland, farmland_basis
        As in :func:`rsgeo.stats.township_stats`.
    patch_area_m2, patch_farmland_m2 : pandas.Series, optional
        Patch area and farmland (sum of its pieces); default the patch
        table's ``area_m2`` and farmland column.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``result``: ``is_illegal``, ``is_legal``,
        ``is_construction``, ``is_military``, ``counted_illegal_area_m2``
        (before deductions), ``counted_illegal_farmland_m2``,
        ``illegal_fraction`` (share of the patch that is illegal),
        ``deducted_share`` (0–1), ``is_deducted``, ``is_handled``,
        ``rectified_share``, ``is_rectified``, ``rectification_day``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"final_class": ["违法", "违法"], "is_construction": [True, True],
    ...     "area_m2": [1000.0, 1000.0], "farmland_net_m2": [800.0, 800.0],
    ...     "rectification_method": ["拆除复耕", "拆除复耕"],
    ...     "rectification_date": ["2020-12-21", "2020-12-22"]}, index=["a", "b"])
    >>> patch_figures(r)["is_deducted"].tolist()
    [True, False]
    """
    problems: list[str] = []
    for name, value, allowed in (
        ("illegal_farmland", illegal_farmland, get_args(IllegalFarmland)),
        ("farmland_basis", farmland_basis, get_args(FarmlandBasis)),
    ):
        msg = choice_problem(name, value, allowed)
        if msg:
            problems.append(msg)
    try:
        cutoff_day = parse_date(cutoff)
    except ValueError as exc:
        problems.append(f"cutoff: {exc}")
        cutoff_day = None
    if cutoff_day is None and not problems:
        problems.append("cutoff must be a date such as '2020-12-21'")
    if "final_class" not in result.columns:
        problems.append("patch table lacks column 'final_class' (run rsgeo.apply_determinations)")
    if "is_construction" not in result.columns:
        problems.append("patch table lacks column 'is_construction' (run rsgeo.classify)")
    farmland_col = "farmland_net_m2" if farmland_basis == "net" else "farmland_m2"
    if patch_area_m2 is None and "area_m2" not in result.columns:
        problems.append("patch table lacks column 'area_m2'")
    if patch_farmland_m2 is None and farmland_col not in result.columns:
        hint = " (or use farmland_basis='gross')" if farmland_basis == "net" else ""
        problems.append(f"patch table lacks column {farmland_col!r}{hint}")
    days: list[_dt.date | None] = []
    if "rectification_date" in result.columns:
        for pid, value in zip(result.index, result["rectification_date"].tolist(), strict=True):
            try:
                days.append(parse_date(value))
            except ValueError:
                days.append(None)
                problems.append(f"patch {pid!r}: rectification_date {value!r} is not a date")
    else:
        days = [None] * len(result)
    for col in ("illegal_area_m2", "illegal_farmland_m2", "rectified_area_m2"):
        values = number_column(result, col)
        neg = values < 0
        if neg.any():
            problems.append(
                f"{int(neg.sum())} patches have a negative {col} "
                f"(e.g. {list(map(str, result.index[neg][:3]))})"
            )
    if problems:
        raise InputError(format_problems("Cannot compute patch statistics:", problems))
    assert cutoff_day is not None

    idx = result.index
    area = (
        patch_area_m2.reindex(idx).astype("float64")
        if patch_area_m2 is not None
        else number_column(result, "area_m2").fillna(0.0)
    )
    farm = (
        patch_farmland_m2.reindex(idx).astype("float64")
        if patch_farmland_m2 is not None
        else number_column(result, farmland_col).fillna(0.0)
    )
    final = _text(result, "final_class")
    is_illegal = final.isin(list(illegal_classes)).astype(bool)
    is_legal = final.isin(list(legal_classes)).astype(bool)
    tech_area = number_column(result, "illegal_area_m2")
    tech_farm = number_column(result, "illegal_farmland_m2")
    rectified_m2 = number_column(result, "rectified_area_m2")

    safe_area = area.where(area > 0)
    fraction = (tech_area / safe_area).clip(0.0, 1.0).fillna(1.0)
    fraction = fraction.where(tech_area.notna(), 1.0)
    illegal_area = tech_area.where(tech_area.notna(), area).where(is_illegal, 0.0)
    overlay_farm = farm * fraction
    if illegal_farmland == "auto":
        illegal_farm = tech_farm.where(tech_farm.notna(), overlay_farm)
    elif illegal_farmland == "overlay":
        illegal_farm = overlay_farm
    else:
        illegal_farm = tech_farm.fillna(0.0)
    illegal_farm = illegal_farm.where(is_illegal, 0.0)

    method = _text(result, "rectification_method")
    unrectified = set(unrectified_methods) | {""}
    acted = ~method.isin(list(unrectified))
    day = pd.Series(days, index=idx, dtype=object)
    on_time = day.map(lambda d: d is not None and d <= cutoff_day).astype(bool)
    by_area = (rectified_m2 / illegal_area.where(illegal_area > 0)).clip(0.0, 1.0)
    full = rectified_m2.isna() | (rectified_m2 >= illegal_area - _RECTIFIED_TOL_M2)
    share = by_area.where(~full, 1.0).fillna(1.0)
    deductible = method.isin(list(deductible_methods)) & on_time & is_illegal
    deducted_share = share.where(deductible, 0.0)
    rectified_share = share.where(acted & is_illegal, 0.0)
    case = _text(result, "case_number")
    is_handled = is_illegal & ((case != "") | acted | (deducted_share > 0))

    return pd.DataFrame(
        {
            "is_illegal": is_illegal.to_numpy(),
            "is_legal": is_legal.to_numpy(),
            "is_construction": flag_column(result, "is_construction").to_numpy(),
            "is_military": is_military(result).to_numpy(),
            "counted_illegal_area_m2": illegal_area.to_numpy(dtype="float64"),
            "counted_illegal_farmland_m2": illegal_farm.to_numpy(dtype="float64"),
            "illegal_fraction": fraction.where(is_illegal, 0.0).to_numpy(dtype="float64"),
            "deducted_share": deducted_share.to_numpy(dtype="float64"),
            "is_deducted": (deducted_share > 0).to_numpy(),
            "is_handled": is_handled.to_numpy(dtype=bool),
            "rectified_share": rectified_share.to_numpy(dtype="float64"),
            "is_rectified": (rectified_share >= 1.0).to_numpy(),
            "rectification_day": day.to_numpy(),
        },
        index=idx,
    )
