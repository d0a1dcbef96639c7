"""Per-patch figures behind the township statistics: illegal areas and deductions (扣减).

:func:`patch_figures` decides, patch by patch, what counts as illegal, how much
of it is illegal farmland, whether it was rectified, and which share is
deducted (rectified by a deductible method on or before the cutoff day).
:func:`rsgeo.stats.township.township_stats` spreads these figures over township pieces.
Every formula and default is in ``docs/statistics.md``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from rsgeo._util import flag_column, number_column
from rsgeo.errors import InputError, format_problems
from rsgeo.options import StatsOptions
from rsgeo.schema.cells import parse_date
from rsgeo.schema.deduction_classes import (
    CASE_AGES,
    DEDUCTION_CLASSES,
    METHOD_DEDUCTION_CLASS,
    STOCK_CASE,
    case_age,
    deduction_class,
)
from rsgeo.schema.military import is_military
from rsgeo.schema.profiles import resolve_profile
from rsgeo.stats.pieces import pieces_frame

__all__ = ["patch_figures"]

_RECTIFIED_TOL_M2 = 0.01


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series("", index=frame.index, dtype="string")
    return frame[col].astype("string").fillna("").str.strip()


def _days(result: pd.DataFrame, col: str, problems: list[str]) -> list[dt.date | None]:
    if col not in result.columns:
        return [None] * len(result)
    days: list[dt.date | None] = []
    for pid, value in zip(result.index, result[col].tolist(), strict=True):
        try:
            days.append(parse_date(value))
        except ValueError:
            days.append(None)
            problems.append(f"patch {pid!r}: {col} {value!r} is not a date")
    return days


def patch_figures(
    result: pd.DataFrame,
    pieces: pd.DataFrame | None = None,
    *,
    options: StatsOptions | None = None,
    patch_area_m2: pd.Series | None = None,
    patch_farmland_m2: pd.Series | None = None,
    **overrides: Any,
) -> pd.DataFrame:
    """Per-patch figures behind the statistics: illegal areas and deductions.

    Parameters
    ----------
    result : pandas.DataFrame
        Patch table indexed by ``patch_id`` (``docs/columns.md``).
    pieces : pandas.DataFrame, optional
        Township pieces (:func:`rsgeo.overlay_pieces`): a patch's area and
        farmland are then the sums of its pieces, as in
        :func:`rsgeo.township_stats`.
    options : StatsOptions, optional
        Cutoff, deductible methods, classes and bases
        (:class:`rsgeo.options.StatsOptions`, defaults when None).
    patch_area_m2, patch_farmland_m2 : pandas.Series, optional
        Patch area and farmland; default the sums of ``pieces``, else the
        patch table's ``area_m2`` and farmland column.
    **overrides
        Fields of :class:`~rsgeo.options.StatsOptions` to change, e.g.
        ``cutoff="2021-06-30"``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``result``: ``is_illegal``, ``is_legal``, ``is_non_grain``
        (a class counted apart, see ``StatsOptions.non_grain_classes``),
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
    opts = StatsOptions.resolve(options, overrides)
    illegal_farmland = opts.illegal_farmland
    problems: list[str] = []
    if pieces is not None and patch_area_m2 is None:
        frame = pieces_frame(result, pieces, opts.farmland_column, problems)
        if not problems:
            patch_area_m2 = frame.groupby("patch_id")["area_m2"].sum()
            patch_farmland_m2 = frame.groupby("patch_id")["farmland_m2"].sum()
    if "final_class" not in result.columns:
        problems.append("patch table lacks column 'final_class' (run rsgeo.apply_determinations)")
    if "is_construction" not in result.columns:
        problems.append("patch table lacks column 'is_construction' (run rsgeo.classify)")
    farmland_col = opts.farmland_column
    if patch_area_m2 is None and "area_m2" not in result.columns:
        problems.append("patch table lacks column 'area_m2'")
    if patch_farmland_m2 is None and farmland_col not in result.columns:
        hint = " (or use farmland_basis='gross')" if opts.farmland_basis == "net" else ""
        problems.append(f"patch table lacks column {farmland_col!r}{hint}")
    days = _days(result, "rectification_date", problems)
    deduction_days = _days(result, "deduction_date", problems)
    classes = _text(result, "deduction_class").map(deduction_class)
    unknown = sorted(set(_text(result, "deduction_class")[classes.isna()]))
    if unknown:
        problems.append(
            f"unknown deduction classes (扣减类型) {unknown}; known: {', '.join(DEDUCTION_CLASSES)}"
        )
    ages = _text(result, "case_age").map(case_age)
    unknown = sorted(set(_text(result, "case_age")[ages.isna()]))
    if unknown:
        problems.append(f"unknown case ages (新增/存量) {unknown}; known: {', '.join(CASE_AGES)}")
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
    # the vocabulary of final_class: the profile set, checked, or the one its values speak
    profile = resolve_profile(final.tolist(), opts.profile, source="final_class").profile
    illegal_classes, legal_classes, non_grain_classes = opts.classes(profile)
    is_illegal = final.isin(list(illegal_classes)).astype(bool)
    is_legal = final.isin(list(legal_classes)).astype(bool)
    is_non_grain = final.isin(list(non_grain_classes)).astype(bool) & ~is_illegal & ~is_legal
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
    unrectified = set(opts.unrectified_methods) | {""}
    acted = ~method.isin(list(unrectified))
    day = pd.Series(days, index=idx, dtype=object)
    by_area = (rectified_m2 / illegal_area.where(illegal_area > 0)).clip(0.0, 1.0)
    full = rectified_m2.isna() | (rectified_m2 >= illegal_area - _RECTIFIED_TOL_M2)
    share = by_area.where(~full, 1.0).fillna(1.0)
    # the class: the determination's, else the one the rectification method implies
    # (a deductible method of the options with no class of its own deducts under its
    # own name, on the statistics' cutoff)
    implied = method.map(lambda m: METHOD_DEDUCTION_CLASS.get(m, m)).where(
        method.isin(list(opts.deductible_methods)), ""
    )
    klass = classes.fillna("").where(classes.fillna("") != "", implied)
    # the day that counts: the deduction's own, else the rectification's
    when = pd.Series(deduction_days, index=idx, dtype=object).where(
        pd.Series(deduction_days, index=idx).notna(), day
    )
    # a plain list: Series.map on an Arrow-backed text column would infer a date
    # column with <NA> (which has no truth value) from the dates and Nones
    class_cutoff = [
        opts.class_cutoff(k) if k in DEDUCTION_CLASSES else (opts.cutoff if k else None)
        for k in klass.tolist()
    ]
    on_time = pd.Series(
        [
            d is not None and c is not None and d <= c
            for d, c in zip(when, class_cutoff, strict=True)
        ],
        index=idx,
        dtype=bool,
    )
    deductible = on_time & is_illegal
    deducted_share = share.where(deductible, 0.0)
    is_stock = ages.fillna("").eq(STOCK_CASE) & is_illegal
    rectified_share = share.where(acted & is_illegal, 0.0)
    case = _text(result, "case_number")
    is_handled = is_illegal & ((case != "") | acted | (deducted_share > 0))

    return pd.DataFrame(
        {
            "is_illegal": is_illegal.to_numpy(),
            "is_legal": is_legal.to_numpy(),
            "is_non_grain": is_non_grain.to_numpy(),
            "is_construction": flag_column(result, "is_construction").to_numpy(),
            "is_military": is_military(result).to_numpy(),
            "counted_illegal_area_m2": illegal_area.to_numpy(dtype="float64"),
            "counted_illegal_farmland_m2": illegal_farm.to_numpy(dtype="float64"),
            "illegal_fraction": fraction.where(is_illegal, 0.0).to_numpy(dtype="float64"),
            "deducted_share": deducted_share.to_numpy(dtype="float64"),
            "is_deducted": (deducted_share > 0).to_numpy(),
            "deduction_class": klass.where(deducted_share > 0, "").to_numpy(dtype=object),
            "is_stock": is_stock.to_numpy(dtype=bool),
            "is_handled": is_handled.to_numpy(dtype=bool),
            "rectified_share": rectified_share.to_numpy(dtype="float64"),
            "is_rectified": (rectified_share >= 1.0).to_numpy(),
            "rectification_day": day.to_numpy(),
        },
        index=idx,
    )
