"""Township statistics, deductions (扣减) and the accountability ratio.

:func:`township_stats` turns the patch table (overlay + classification +
determinations, see ``docs/columns.md``) into one row per township, with a
county total row, and evaluates the accountability criteria
(:mod:`rsgeo.criteria`). Every formula and default is in
``docs/statistics.md``.

Areas are credited by *piece*: a patch crossing a township boundary adds to
each township the area inside it (pass the pieces of
:func:`rsgeo.overlay_pieces`). Counts credit each patch once, to the township
holding the largest share of its area, so township counts add up to the county.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from rsgeo.criteria import CriteriaThresholds, evaluate_criteria
from rsgeo.errors import DuplicateIdError, FieldError, InputError, format_problems
from rsgeo.fields import TOWNSHIP_FIELDS, canonical_name
from rsgeo.military import is_military

__all__ = [
    "ADDITIVE_COLUMNS",
    "DEFAULT_DEDUCTIBLE_METHODS",
    "DEFAULT_UNRECTIFIED_METHODS",
    "TOTAL_LABEL",
    "add_total_row",
    "normalize_township_code",
    "parse_date",
    "patch_figures",
    "township_rows",
    "township_stats",
]

TOTAL_LABEL = "total"
"""Index label of the county total row (township codes are digits, never this)."""

DEFAULT_CUTOFF = "2020-12-21"
DEFAULT_DEDUCTIBLE_METHODS: tuple[str, ...] = ("补办手续", "拆除复耕")
"""Rectification methods that eliminate the illegal state (扣减) by default."""
DEFAULT_UNRECTIFIED_METHODS: tuple[str, ...] = ("未整改", "无", "/")
"""Rectification-method values that mean "nothing done yet"."""

IllegalFarmland = Literal["auto", "overlay", "determination"]
FarmlandBasis = Literal["net", "gross"]
RateBasis = Literal["count", "area"]

# Columns that add up from townships to the county (the others are ratios,
# names, criteria).
ADDITIVE_COLUMNS: tuple[str, ...] = (
    "n_patches",
    "n_legal",
    "n_illegal",
    "n_other",
    "n_construction",
    "area_m2",
    "construction_area_m2",
    "construction_farmland_m2",
    "n_illegal_after_deductions",
    "n_deducted",
    "illegal_area_m2",
    "illegal_area_after_deductions_m2",
    "deducted_area_m2",
    "illegal_farmland_m2",
    "illegal_farmland_after_deductions_m2",
    "deducted_farmland_m2",
    "n_illegal_pbf",
    "illegal_pbf_m2",
    "n_illegal_redline",
    "illegal_redline_m2",
    "n_mineral",
    "mineral_area_m2",
    "n_mineral_illegal",
    "mineral_illegal_area_m2",
    "n_mineral_unrectified",
    "n_rare_earth",
    "n_rare_earth_illegal",
    "n_handled",
    "n_rectified",
    "handled_area_m2",
    "rectified_area_m2",
)
_RATE_COLUMNS = ("illegal_farmland_ratio", "performance_rate", "rectification_rate")
_RECTIFIED_TOL_M2 = 0.01


def normalize_township_code(value: object) -> str:
    """A township code as a string: 9 digits, or as given when not numeric.

    Numbers lose a trailing ``.0``; a 12-digit code ending in ``000`` (the
    village-level form) is cut to its 9 digits. Missing values give ``""``.

    Examples
    --------
    >>> normalize_township_code(450225101.0)
    '450225101'
    >>> normalize_township_code("450225101000")
    '450225101'
    >>> normalize_township_code(None)
    ''
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if len(text) == 12 and text.isdigit() and text.endswith("000"):
        text = text[:9]
    return text


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


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> str | None:
    if value not in allowed:
        return f"{name}={value!r} is not allowed; choose one of {list(allowed)}"
    return None


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series("", index=frame.index, dtype="string")
    return frame[col].astype("string").fillna("").str.strip()


def _number(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[col], errors="coerce").astype("float64")


def _flag(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series(False, index=frame.index)
    values = frame[col]
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return values.fillna(0).astype(bool)
    text = values.astype("string").str.strip().str.casefold()
    return text.isin(["1", "true", "t", "y", "yes", "是"]).fillna(False).astype(bool)


def _township_table(townships: pd.DataFrame) -> pd.Series:
    """township_code -> township_name, codes normalised, order kept."""
    frame = pd.DataFrame(townships)
    renames = {}
    for col in frame.columns:
        canon = canonical_name(str(col), TOWNSHIP_FIELDS)
        if canon is not None and canon not in frame.columns:
            renames[col] = canon
    frame = frame.rename(columns=renames)
    if "township_code" not in frame.columns:
        if frame.index.name in ("township_code", "XZQDM"):
            frame = frame.reset_index().rename(columns={frame.index.name: "township_code"})
        else:
            raise FieldError(
                "townships needs a township_code column (XZQDM, 行政区代码); "
                f"got {list(frame.columns)}"
            )
    codes = [normalize_township_code(c) for c in frame["township_code"].tolist()]
    names = (
        frame["township_name"].astype("string").fillna("").tolist()
        if "township_name" in frame.columns
        else [""] * len(codes)
    )
    problems = []
    if any(c == "" for c in codes):
        problems.append("townships has rows without township_code")
    dup = sorted({c for c in codes if codes.count(c) > 1 and c})
    if dup:
        problems.append(f"townships has duplicated township codes: {dup}")
    if TOTAL_LABEL in codes:
        problems.append(f"township code {TOTAL_LABEL!r} is reserved for the total row")
    if problems:
        raise InputError(format_problems("Invalid townships table:", problems))
    return pd.Series(names, index=pd.Index(codes, name="township_code"), name="township_name")


def _pieces_frame(
    result: pd.DataFrame,
    pieces: pd.DataFrame | None,
    farmland_col: str,
    problems: list[str],
) -> pd.DataFrame:
    """Columns patch_id, township_code, area_m2, farmland_m2, pbf_m2, redline_m2."""
    if pieces is None:
        src = pd.DataFrame(result)
        for col in ("township_code", "area_m2", farmland_col):
            if col not in src.columns:
                problems.append(f"patch table lacks column {col!r}")
        if "n_townships" in src.columns:
            multi = src.index[pd.to_numeric(src["n_townships"], errors="coerce").fillna(1) > 1]
            if len(multi):
                problems.append(
                    f"{len(multi)} patches lie in more than one township "
                    f"(n_townships > 1, e.g. {list(map(str, multi[:5]))}); pass the pieces "
                    "of rsgeo.overlay_pieces(...) as the second argument so each township "
                    "is credited by the area inside it"
                )
        patch_ids = src.index.astype(str)
    else:
        src = pd.DataFrame(pieces)
        if isinstance(src.index, pd.MultiIndex) and {"patch_id", "township_code"} <= set(
            src.index.names
        ):
            keys = src.index.to_frame(index=False)
            patch_ids = pd.Index(keys["patch_id"].astype(str))
            src = src.reset_index(drop=True)
            src["township_code"] = keys["township_code"].to_numpy()
        elif {"patch_id", "township_code"} <= set(src.columns):
            patch_ids = pd.Index(src["patch_id"].astype(str))
            src = src.reset_index(drop=True)
        else:
            problems.append(
                "pieces must be indexed by (patch_id, township_code), as returned by "
                "rsgeo.overlay_pieces, or have those two columns"
            )
            return pd.DataFrame()
        for col in ("area_m2", farmland_col):
            if col not in src.columns:
                problems.append(f"pieces lack column {col!r}")
    if problems:
        return pd.DataFrame()
    out = pd.DataFrame(
        {
            "patch_id": np.asarray(patch_ids, dtype=object),
            "township_code": [normalize_township_code(c) for c in src["township_code"].tolist()],
            "area_m2": _number(src, "area_m2").to_numpy(),
            "farmland_m2": _number(src, farmland_col).fillna(0.0).to_numpy(),
            "pbf_m2": _number(src, "pbf_m2").to_numpy(),
            "redline_m2": _number(src, "redline_m2").to_numpy(),
        }
    )
    for col in ("pbf_m2", "redline_m2"):
        if col not in src.columns:
            out.attrs.setdefault("missing", []).append(col)
    bad = out["area_m2"].isna() | (out["area_m2"] < 0)
    if bad.any():
        problems.append(
            f"{int(bad.sum())} pieces have a missing or negative area_m2 "
            f"(e.g. patch {out.loc[bad, 'patch_id'].iloc[0]!r})"
        )
    return out


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
        As in :func:`township_stats`.
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
        msg = _check_choice(name, value, allowed)
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
        values = _number(result, col)
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
        else _number(result, "area_m2").fillna(0.0)
    )
    farm = (
        patch_farmland_m2.reindex(idx).astype("float64")
        if patch_farmland_m2 is not None
        else _number(result, farmland_col).fillna(0.0)
    )
    final = _text(result, "final_class")
    is_illegal = final.isin(list(illegal_classes)).astype(bool)
    is_legal = final.isin(list(legal_classes)).astype(bool)
    tech_area = _number(result, "illegal_area_m2")
    tech_farm = _number(result, "illegal_farmland_m2")
    rectified_m2 = _number(result, "rectified_area_m2")

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
            "is_construction": _flag(result, "is_construction").to_numpy(),
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


def township_rows(stats: pd.DataFrame) -> pd.DataFrame:
    """The township rows of a statistics table (the total row removed).

    >>> import pandas as pd
    >>> township_rows(pd.DataFrame({"n": [1, 1]}, index=["450225101", "total"])).index.tolist()
    ['450225101']
    """
    return stats.loc[stats.index.astype(str) != TOTAL_LABEL]


def _sum_by(values: pd.Series, keys: pd.Series, codes: pd.Index) -> pd.Series:
    return values.groupby(keys.to_numpy()).sum().reindex(codes, fill_value=0.0)


def township_stats(
    result: pd.DataFrame,
    pieces: pd.DataFrame | None = None,
    *,
    townships: pd.DataFrame,
    cutoff: str | _dt.date = DEFAULT_CUTOFF,
    deductible_methods: Iterable[str] = DEFAULT_DEDUCTIBLE_METHODS,
    unrectified_methods: Iterable[str] = DEFAULT_UNRECTIFIED_METHODS,
    illegal_classes: Iterable[str] = ("违法",),
    legal_classes: Iterable[str] = ("合法",),
    illegal_farmland: IllegalFarmland = "auto",
    farmland_basis: FarmlandBasis = "net",
    denominator_includes_illegal: bool = True,
    rate_basis: RateBasis = "count",
    thresholds: CriteriaThresholds | None = None,
    manual_flags: pd.DataFrame | Mapping[str, Any] | None = None,
    total: bool = True,
) -> pd.DataFrame:
    """Per-township figures, deductions and accountability criteria.

    Parameters
    ----------
    result : pandas.DataFrame
        Patch table indexed by ``patch_id``: ``final_class``,
        ``is_construction``, the flags (``flag_pbf``, ``flag_mineral``,
        ``flag_rare_earth``, ``flag_military``), the determination columns
        and, without ``pieces``, ``township_code``, ``area_m2`` and
        ``farmland_net_m2``.
    pieces : pandas.DataFrame, optional
        Township pieces from :func:`rsgeo.overlay_pieces`, MultiIndex
        ``(patch_id, township_code)`` with ``area_m2``, ``farmland_net_m2``,
        ``pbf_m2``, ``redline_m2``. Without it each patch is credited whole
        to its ``township_code``; a patch with ``n_townships > 1`` is then
        an error.
    townships : pandas.DataFrame
        Township table (or GeoDataFrame) with ``township_code`` and
        ``township_name`` (aliases XZQDM/XZQMC); every township gets a row,
        also those without patches, in this order.
    cutoff : str or date, default "2020-12-21"
        Illegal patches rectified by a deductible method **on or before**
        this day are deducted.
    deductible_methods : iterable of str, default ("补办手续", "拆除复耕")
        Rectification methods that eliminate the illegal state (exact match
        after stripping white space).
    unrectified_methods : iterable of str, default ("未整改", "无", "/")
        Method values meaning nothing was done (as is an empty value).
    illegal_classes, legal_classes : iterable of str
        ``final_class`` values counted as illegal (default "违法") and legal
        (default "合法"); every other value counts as other.
    illegal_farmland : {"auto", "overlay", "determination"}, default "auto"
        Illegal farmland of an illegal patch. "auto": the technician's
        ``illegal_farmland_m2`` when given, else the overlay farmland times the
        illegal share of the patch (``illegal_area_m2 / area_m2``, 1 without
        ``illegal_area_m2``); "overlay": always the latter; "determination":
        only the technician's value (missing counts 0). Spread over pieces in
        proportion to their farmland.
    farmland_basis : {"net", "gross"}, default "net"
        Farmland net of ridges (``farmland_net_m2``) or gross
        (``farmland_m2``), for numerator and denominator alike.
    denominator_includes_illegal : bool, default True
        The ratio's denominator is the farmland of all construction patches
        (``is_construction``); with True, illegal patches not marked as
        construction are added too, so the ratio never exceeds its
        own numerator's share.
    rate_basis : {"count", "area"}, default "count"
        Performance and rectification rates by number of illegal patches or
        by illegal area.
    thresholds : CriteriaThresholds, optional
        Thresholds of criteria 1, 3, 4.
    manual_flags : pandas.DataFrame, optional
        Criteria 2 and 5 (``township_code``, ``criterion``, ``note``), see
        :func:`rsgeo.criteria.read_manual_flags`.
    total : bool, default True
        Append the county total row, index label ``"total"``
        (:data:`TOTAL_LABEL`), ``township_name`` "合计". Use
        :func:`township_rows` to drop it before summing columns.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``township_code``; columns in ``docs/statistics.md``.
        ``illegal_farmland_ratio`` and the rates are fractions (0–1), NaN when
        their denominator is 0. ``attrs["rsgeo_stats"]`` records the options.

    Examples
    --------
    >>> import pandas as pd
    >>> towns = pd.DataFrame({"township_code": ["450225100", "450225101"],
    ...                       "township_name": ["融水镇", "和睦镇"]})
    >>> patches = pd.DataFrame({"township_code": ["450225100"], "area_m2": [1000.0],
    ...     "farmland_net_m2": [600.0], "final_class": ["违法"],
    ...     "is_construction": [True]}, index=pd.Index(["p1"], name="patch_id"))
    >>> s = township_stats(patches, townships=towns)
    >>> s[["n_illegal", "illegal_farmland_ratio"]]
                   n_illegal  illegal_farmland_ratio
    township_code
    450225100              1                     1.0
    450225101              0                     NaN
    total                  1                     1.0
    """
    problems: list[str] = []
    for name, value, allowed in (
        ("illegal_farmland", illegal_farmland, get_args(IllegalFarmland)),
        ("farmland_basis", farmland_basis, get_args(FarmlandBasis)),
        ("rate_basis", rate_basis, get_args(RateBasis)),
    ):
        msg = _check_choice(name, value, allowed)
        if msg:
            problems.append(msg)
    if problems:
        raise InputError(format_problems("Invalid options:", problems))
    thresholds = thresholds if thresholds is not None else CriteriaThresholds()
    deductible_methods = tuple(deductible_methods)
    unrectified_methods = tuple(unrectified_methods)
    illegal_classes = tuple(illegal_classes)
    legal_classes = tuple(legal_classes)

    towns = _township_table(townships)
    codes = towns.index
    result = pd.DataFrame(result)
    ids = result.index.astype("string")
    if ids.isna().any() or (ids == "").any():
        raise DuplicateIdError("patch table has missing patch ids")
    dups = ids[ids.duplicated()].unique()
    if len(dups):
        raise DuplicateIdError(
            f"patch table has {len(dups)} duplicated patch ids, e.g. {list(dups[:5])}"
        )
    result = result.set_axis(pd.Index(ids.astype(str), name="patch_id"), axis=0)

    farmland_col = "farmland_net_m2" if farmland_basis == "net" else "farmland_m2"
    frame = _pieces_frame(result, pieces, farmland_col, problems)
    if not problems:
        unknown_patches = sorted(set(frame["patch_id"]) - set(result.index))
        if unknown_patches:
            problems.append(
                f"{len(unknown_patches)} pieces name patches not in the patch table, "
                f"e.g. {unknown_patches[:5]}"
            )
        no_piece = sorted(set(result.index) - set(frame["patch_id"]))
        if no_piece:
            problems.append(
                f"{len(no_piece)} patches have no township piece (outside every township?), "
                f"e.g. {no_piece[:5]}"
            )
        unknown_codes = sorted(set(frame["township_code"]) - set(codes))
        if unknown_codes:
            problems.append(
                f"township codes not in the townships table: {unknown_codes[:10]} "
                f"(known: {list(codes[:5])}...)"
            )
    if problems:
        raise InputError(format_problems("Cannot compute township statistics:", problems))

    patch_area = frame.groupby("patch_id")["area_m2"].sum()
    patch_farm = frame.groupby("patch_id")["farmland_m2"].sum()
    fig = patch_figures(
        result,
        cutoff=cutoff,
        deductible_methods=deductible_methods,
        unrectified_methods=unrectified_methods,
        illegal_classes=illegal_classes,
        legal_classes=legal_classes,
        patch_area_m2=patch_area,
        patch_farmland_m2=patch_farm,
        illegal_farmland=illegal_farmland,
        farmland_basis=farmland_basis,
    )
    flags = pd.DataFrame(
        {
            "mineral": _flag(result, "flag_mineral"),
            "rare_earth": _flag(result, "flag_rare_earth"),
            "pbf": _flag(result, "flag_pbf"),
            "redline": _flag(result, "flag_redline"),
        },
        index=result.index,
    )

    # ---- areas, by piece ----
    pid = frame["patch_id"]
    p = fig.reindex(pid.to_numpy())
    f = flags.reindex(pid.to_numpy())
    key = frame["township_code"]
    a_tot = patch_area.reindex(pid.to_numpy()).to_numpy()
    fa_tot = patch_farm.reindex(pid.to_numpy()).to_numpy()
    area = frame["area_m2"].to_numpy()
    farm = frame["farmland_m2"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        n_pieces = frame.groupby("patch_id")["area_m2"].transform("size").to_numpy()
        area_share = np.where(a_tot > 0, area / a_tot, 1.0 / n_pieces)
        farm_share = np.where(fa_tot > 0, farm / fa_tot, area_share)
    illegal = p["is_illegal"].to_numpy(dtype=bool)
    keep = 1.0 - p["deducted_share"].to_numpy(dtype="float64")
    frac = p["illegal_fraction"].to_numpy(dtype="float64")
    construction = p["is_construction"].to_numpy(dtype=bool)
    in_denominator = construction | (illegal & denominator_includes_illegal)
    ill_area = p["counted_illegal_area_m2"].to_numpy(dtype="float64") * area_share
    ill_farm = p["counted_illegal_farmland_m2"].to_numpy(dtype="float64") * farm_share
    mineral = f["mineral"].to_numpy(dtype=bool)
    piece_values = pd.DataFrame(
        {
            "area_m2": area,
            "construction_area_m2": area * construction,
            "construction_farmland_m2": farm * in_denominator,
            "illegal_area_m2": ill_area,
            "illegal_area_after_deductions_m2": ill_area * keep,
            "deducted_area_m2": ill_area * (1 - keep),
            "illegal_farmland_m2": ill_farm,
            "illegal_farmland_after_deductions_m2": ill_farm * keep,
            "deducted_farmland_m2": ill_farm * (1 - keep),
            "illegal_pbf_m2": frame["pbf_m2"].fillna(0.0).to_numpy() * frac * illegal * keep,
            "illegal_redline_m2": frame["redline_m2"].fillna(0.0).to_numpy()
            * frac
            * illegal
            * keep,
            "mineral_area_m2": area * mineral,
            "mineral_illegal_area_m2": ill_area * keep * mineral,
            "handled_area_m2": ill_area * p["is_handled"].to_numpy(dtype=bool),
            "rectified_area_m2": ill_area * p["rectified_share"].to_numpy(dtype="float64"),
        }
    )
    sums = {c: _sum_by(piece_values[c], key, codes) for c in piece_values.columns}

    # ---- counts, each patch once in its main township ----
    order = frame.assign(_neg=-frame["area_m2"]).sort_values(
        ["patch_id", "_neg", "township_code"], kind="stable"
    )
    main = order.drop_duplicates("patch_id").set_index("patch_id")["township_code"]
    main = main.reindex(result.index)
    pbf_any = flags["pbf"] | (
        frame.groupby("patch_id")["pbf_m2"].sum().reindex(result.index).fillna(0) > 0
    )
    red_any = flags["redline"] | (
        frame.groupby("patch_id")["redline_m2"].sum().reindex(result.index).fillna(0) > 0
    )
    counted = fig["is_illegal"] & (fig["deducted_share"] < 1.0)
    unrectified_mineral = counted & flags["mineral"] & ~fig["is_rectified"]
    count_masks = {
        "n_patches": pd.Series(True, index=result.index),
        "n_legal": fig["is_legal"],
        "n_illegal": fig["is_illegal"],
        "n_other": ~(fig["is_legal"] | fig["is_illegal"]),
        "n_construction": fig["is_construction"],
        "n_illegal_after_deductions": counted,
        "n_deducted": fig["is_deducted"],
        "n_illegal_pbf": counted & pbf_any,
        "n_illegal_redline": counted & red_any,
        "n_mineral": flags["mineral"],
        "n_mineral_illegal": counted & flags["mineral"],
        "n_mineral_unrectified": unrectified_mineral,
        "n_rare_earth": flags["rare_earth"],
        "n_rare_earth_illegal": counted & flags["rare_earth"],
        "n_handled": fig["is_handled"],
        "n_rectified": fig["is_rectified"] & fig["is_illegal"],
    }
    counts = {
        c: m.astype("int64").groupby(main.to_numpy()).sum().reindex(codes, fill_value=0)
        for c, m in count_masks.items()
    }

    data: dict[str, Any] = {"township_name": towns}
    for col in ADDITIVE_COLUMNS:
        data[col] = counts[col].astype("int64") if col in counts else sums[col].astype("float64")
    stats = pd.DataFrame(data, index=codes)
    missing = frame.attrs.get("missing", [])
    if "pbf_m2" in missing:
        stats["illegal_pbf_m2"] = np.nan
    if "redline_m2" in missing:
        stats["illegal_redline_m2"] = np.nan
    _add_rates(stats, rate_basis)
    criteria = evaluate_criteria(
        stats,
        None if manual_flags is None else pd.DataFrame(manual_flags),
        thresholds=thresholds,
    )
    stats = pd.concat([stats, criteria], axis=1)
    stats.index.name = "township_code"
    if total:
        stats = add_total_row(stats, rate_basis=rate_basis)
    stats.attrs["rsgeo_stats"] = {
        "cutoff": str(parse_date(cutoff)),
        "deductible_methods": list(deductible_methods),
        "unrectified_methods": list(unrectified_methods),
        "illegal_classes": list(illegal_classes),
        "legal_classes": list(legal_classes),
        "illegal_farmland": illegal_farmland,
        "farmland_basis": farmland_basis,
        "denominator_includes_illegal": denominator_includes_illegal,
        "rate_basis": rate_basis,
        "thresholds": asdict(thresholds),
        "total_label": TOTAL_LABEL if total else None,
    }
    return stats


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    den = den.astype("float64")
    return (num.astype("float64") / den.where(den > 0)).astype("float64")


def _add_rates(stats: pd.DataFrame, rate_basis: str) -> None:
    stats["illegal_farmland_ratio"] = _ratio(
        stats["illegal_farmland_after_deductions_m2"], stats["construction_farmland_m2"]
    )
    if rate_basis == "count":
        stats["performance_rate"] = _ratio(stats["n_handled"], stats["n_illegal"])
        stats["rectification_rate"] = _ratio(stats["n_rectified"], stats["n_illegal"])
    else:
        stats["performance_rate"] = _ratio(stats["handled_area_m2"], stats["illegal_area_m2"])
        stats["rectification_rate"] = _ratio(stats["rectified_area_m2"], stats["illegal_area_m2"])


def add_total_row(stats: pd.DataFrame, *, rate_basis: RateBasis = "count") -> pd.DataFrame:
    """Append the county total row (index :data:`TOTAL_LABEL`) to township rows.

    Additive columns are summed; the ratio and the rates are recomputed from
    the sums (never summed or averaged); criteria are False with empty
    reasons. A total row already present is replaced.

    >>> import pandas as pd
    >>> s = pd.DataFrame({"township_name": ["甲", "乙"], "n_illegal": [1, 2],
    ...     "n_handled": [1, 0], "n_rectified": [0, 0],
    ...     "construction_farmland_m2": [10.0, 0.0],
    ...     "illegal_farmland_after_deductions_m2": [5.0, 0.0]}, index=["1", "2"])
    >>> t = add_total_row(s).loc["total"]
    >>> int(t["n_illegal"]), float(t["illegal_farmland_ratio"]), round(float(t["performance_rate"]), 4)
    (3, 0.5, 0.3333)
    """
    stats = township_rows(stats).copy()
    if any(c not in stats.columns for c in _RATE_COLUMNS):
        _add_rates(stats, rate_basis)
    row: dict[str, Any] = {}
    for col in stats.columns:
        if col in ADDITIVE_COLUMNS:
            row[col] = stats[col].sum(min_count=1) if stats[col].isna().all() else stats[col].sum()
        elif col.startswith("criterion_") and col.endswith("_reason"):
            row[col] = ""
        elif col.startswith("criterion_"):
            row[col] = False
        elif col == "n_criteria":
            row[col] = 0
        elif col == "criteria_met":
            row[col] = ""
        elif col == "township_name":
            row[col] = "合计"
        else:
            row[col] = np.nan
    total = pd.DataFrame([row], index=pd.Index([TOTAL_LABEL], name=stats.index.name))
    _add_rates(total, rate_basis)
    total = total[stats.columns].astype(stats.dtypes.to_dict())
    out = pd.concat([stats, total])
    out.attrs = dict(stats.attrs)
    return out
