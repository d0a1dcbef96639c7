"""The ratio's denominator from the annual land change survey (年度国土变更调查).

The accountability ratio divides illegal farmland by the farmland occupied by
all new construction land of the year (新增建设用地占用耕地面积). Officially
that figure comes from the annual change survey, per township, not from the
patches (``docs/statistics.md``). :func:`read_denominator_table` reads the
county's table of it: one row per township, a township code, the area (its
unit taken from the header: m², 亩 or 公顷) and optionally the source.

Examples
--------
>>> import pandas as pd
>>> t = read_denominator_table(pd.DataFrame({"乡镇代码": ["450225100", 450225101],
...     "新增建设用地占用耕地面积（亩）": [30, "12.5"]}), source="2020年度变更调查")
>>> t.round(2).to_dict("index")
{'450225100': {'denominator_m2': 20000.0, 'denominator_source': '2020年度变更调查'}, '450225101': {'denominator_m2': 8333.33, 'denominator_source': '2020年度变更调查'}}
"""

from __future__ import annotations

import os
import re

import pandas as pd

from rsgeo.errors import FieldError, InputError, format_problems
from rsgeo.geo.units import UNIT_FACTORS_M2, unit_in_header
from rsgeo.io.tables import read_table
from rsgeo.schema.cells import parse_number
from rsgeo.schema.contract import normalize_township_code
from rsgeo.schema.fields import DENOMINATOR_FIELDS, TOWNSHIP_FIELDS, canonical_name
from rsgeo.schema.labels import DENOMINATOR_SOURCE_LABELS

__all__ = ["read_denominator_table"]


def read_denominator_table(
    table: pd.DataFrame | str | os.PathLike[str],
    *,
    sheet: str | int = 0,
    encoding: str | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """Read the change survey's farmland occupied by new construction, per township.

    Parameters
    ----------
    table : DataFrame or path
        An ``.xlsx``/``.csv`` file or a DataFrame: a township code column
        (乡镇代码, XZQDM, township_code), an area column whose header names
        its unit (e.g. 新增建设用地占用耕地面积（亩）, ``area_m2``, …（公顷）),
        and optionally a source column (来源, 数据来源).
    sheet, encoding
        As in :func:`rsgeo.io.tables.read_table`.
    source : str, optional
        The source to record for rows without one (e.g. "2020年度国土变更调查").

    Returns
    -------
    pandas.DataFrame
        Indexed by ``township_code``: ``denominator_m2`` (float, m²) and
        ``denominator_source`` (text).

    Raises
    ------
    rsgeo.errors.FieldError
        No township code column, no area column, or an area header without
        a unit.
    rsgeo.errors.InputError
        Every bad row at once: duplicated codes, missing or negative areas.
    """
    if isinstance(table, str | os.PathLike):
        frame = read_table(table, sheet=sheet, encoding=encoding, what="denominator table")
        where = str(table)
    else:
        frame, where = pd.DataFrame(table), "denominator table"
    code_col = area_col = source_col = None
    for col in frame.columns:
        name = str(col).strip()
        base = re.sub(r"\s*[（(][^（()）]*[)）]\s*$", "", name)  # the unit in brackets
        canon = canonical_name(name, TOWNSHIP_FIELDS) or canonical_name(base, DENOMINATOR_FIELDS)
        if canon == "township_code" and code_col is None:
            code_col = col
        elif canon == "source" and source_col is None:
            source_col = col
        elif canon == "area" and area_col is None:
            area_col = col
    problems = []
    if code_col is None:
        problems.append("no township code column (乡镇代码, XZQDM, township_code)")
    if area_col is None:
        problems.append(
            "no area column (新增建设用地占用耕地面积 with its unit, e.g. "
            "新增建设用地占用耕地面积（亩）, or area_m2)"
        )
    unit = None if area_col is None else unit_in_header(str(area_col))
    if area_col is not None and unit is None:
        problems.append(
            f"the area column {str(area_col)!r} names no unit; write it in the header: "
            "（平方米）, （亩） or （公顷）"
        )
    if problems:
        raise FieldError(
            format_problems(
                f"{where}: cannot read it (headers: {[str(c) for c in frame.columns]}):",
                problems,
            )
        )
    assert code_col is not None and area_col is not None and unit is not None
    codes = [normalize_township_code(c) for c in frame[code_col].tolist()]
    areas = []
    bad = []
    for row, (code, value) in enumerate(zip(codes, frame[area_col].tolist(), strict=True), 2):
        try:
            number: float | None = (
                float(value) if isinstance(value, int | float) else parse_number(value)
            )
        except ValueError:
            number = None
        if number is not None and number != number:  # NaN: an empty cell
            number = None
        if not code:
            bad.append(f"row {row}: no township code")
        if number is None or number < 0:
            bad.append(f"row {row} ({code or '?'}): area {value!r} is not a number ≥ 0")
        areas.append(float("nan") if number is None else number * UNIT_FACTORS_M2[unit])
    dup = sorted({c for c in codes if c and codes.count(c) > 1})
    if dup:
        bad.append(f"duplicated township codes: {dup}")
    if bad:
        raise InputError(format_problems(f"{where}: {len(bad)} problem(s):", bad))
    given = (
        frame[source_col].astype("string").fillna("").str.strip().tolist()
        if source_col is not None
        else [""] * len(codes)
    )
    default = source or DENOMINATOR_SOURCE_LABELS["change_survey"]
    out = pd.DataFrame(
        {
            "denominator_m2": pd.array(areas, dtype="float64"),
            "denominator_source": [g or default for g in given],
        },
        index=pd.Index(codes, name="township_code"),
    )
    return out
