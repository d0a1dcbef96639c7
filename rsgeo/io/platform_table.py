"""The platform's overlay figures per patch (套合结果), for the platform check.

The national platform (and the provincial 国土调查云 sub-centres) overlay each
patch with the land survey and return figures such as GDMJ 耕地面积, JCGDMJ
监测耕地面积, YJJBNTMJ 永久基本农田面积 and JSYDMJ 建设用地面积. Counties are
asked to check them against what they filled in, to 0.01 亩.
:func:`read_platform_table` reads such a table — Excel, CSV, or the DBF (or
shapefile, GeoPackage) of the platform's export — keyed by the patch id
(JCBH), finds the columns through :data:`rsgeo.schema.fields.PLATFORM_FIELDS`
and returns every figure in m². The comparison is review rule R19
(:mod:`rsgeo.audit.platform_check`).

Examples
--------
>>> import pandas as pd
>>> t = read_platform_table(pd.DataFrame({"JCBH": ["P1", "P2"], "GDMJ（亩）": [1.5, "0"]}))
>>> t.round(2).to_dict("index")
{'P1': {'farmland_m2': 1000.0}, 'P2': {'farmland_m2': 0.0}}
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from rsgeo._util import choice_problem
from rsgeo.errors import DataFileError, FieldError, InputError, format_problems
from rsgeo.geo.units import UNIT_FACTORS_M2, unit_in_header
from rsgeo.io.tables import read_table
from rsgeo.schema.cells import is_missing, parse_number
from rsgeo.schema.fields import PLATFORM_FIELDS, PLATFORM_UNITS, canonical_name

__all__ = ["PLATFORM_SUFFIXES", "PlatformUnit", "read_platform_table"]

PlatformUnit = Literal["mu", "m2"]
"""The unit of figures whose header names none (the ministry's codes: GDMJ …)."""

PLATFORM_SUFFIXES: tuple[str, ...] = (".xlsx", ".xlsm", ".csv", ".txt", ".dbf", ".shp", ".gpkg")
"""File types the platform table may come in."""

_BRACKETED = re.compile(r"\s*[（(][^（()）]*[)）]\s*$")
_LISTED = 20


def _read_file(path: Path, *, sheet: str | int, encoding: str | None) -> pd.DataFrame:
    suffix = path.suffix.casefold()
    if suffix not in (".dbf", ".shp", ".gpkg"):
        return read_table(path, sheet=sheet, encoding=encoding, what="platform table")
    import pyogrio

    if not path.exists():
        raise DataFileError(f"platform table not found: {path}")
    layer = sheet if isinstance(sheet, str) else None
    try:
        return pd.DataFrame(
            pyogrio.read_dataframe(path, layer=layer, encoding=encoding, read_geometry=False)
        )
    except Exception as err:  # GDAL's own errors have no common base class
        raise DataFileError(f"cannot read the platform table {path}: {err}") from err


def _header(col: Any) -> tuple[str | None, str | None]:
    """(canonical name, unit named in the header) of one column."""
    name = str(col).strip()
    canon = canonical_name(name, PLATFORM_FIELDS)
    if canon is None:
        canon = canonical_name(_BRACKETED.sub("", name), PLATFORM_FIELDS)
    return canon, (unit_in_header(name) if canon not in (None, "patch_id") else None)


def _patch_id(value: Any) -> str:
    if is_missing(value):
        return ""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        value = int(value)
    return str(value).strip()


def _number(value: Any) -> float:
    """A figure cell as a float (NaN when empty); ValueError when it is no number."""
    if is_missing(value):
        return float("nan")
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    text = str(value).strip()
    return float("nan") if not text else parse_number(text)


def read_platform_table(
    table: pd.DataFrame | str | os.PathLike[str],
    *,
    sheet: str | int = 0,
    encoding: str | None = None,
    unit: PlatformUnit | None = None,
) -> pd.DataFrame:
    """Read the platform's overlay figures per patch, in m².

    Parameters
    ----------
    table : DataFrame or path
        ``.xlsx``/``.csv`` (:func:`rsgeo.io.tables.read_table`), a ``.dbf``,
        ``.shp`` or ``.gpkg`` (its attributes), or a DataFrame: a patch id
        column (JCBH, 监测编号 …) and one or more figure columns (GDMJ 耕地面积,
        JCGDMJ 监测耕地面积, YJJBNTMJ 永久基本农田面积, JSYDMJ 建设用地面积);
        other columns are ignored.
    sheet : str or int, default 0
        The sheet (Excel) or layer (GeoPackage).
    encoding : str, optional
        Text encoding of a CSV or DBF file.
    unit : {"mu", "m2"}, optional
        Unit of the figure columns whose header names none (GDMJ); a unit in
        a header (耕地面积（亩）, GDMJ(平方米)) wins. Without it, every figure
        column must name its unit.

    Returns
    -------
    pandas.DataFrame
        Index ``patch_id`` (text); one float column ``{figure}_m2`` per
        figure found (``farmland_m2``, ``reported_farmland_m2``, ``pbf_m2``,
        ``construction_m2``); an empty cell is NaN (not compared).

    Raises
    ------
    rsgeo.errors.FieldError
        No patch id column, no figure column, or figure columns without a
        unit (each listed).
    rsgeo.errors.InputError
        A bad ``unit``; every bad row at once: missing or duplicated ids,
        cells that are no number or are negative.
    rsgeo.errors.DataFileError
        The file cannot be read.
    """
    problem = None if unit is None else choice_problem("unit", unit, PLATFORM_UNITS)
    if problem:
        raise InputError(f"platform table: {problem}")
    if isinstance(table, str | os.PathLike):
        where = str(table)
        frame = _read_file(Path(table), sheet=sheet, encoding=encoding)
    else:
        where, frame = "platform table", pd.DataFrame(table)
    id_col = None
    figures: dict[str, tuple[Any, str | None]] = {}
    for col in frame.columns:
        canon, named = _header(col)
        if canon == "patch_id" and id_col is None:
            id_col = col
        elif canon is not None and canon != "patch_id" and canon not in figures:
            figures[canon] = (col, named)
    problems = []
    if id_col is None:
        problems.append("no patch id column (" + ", ".join(PLATFORM_FIELDS["patch_id"]) + ")")
    if not figures:
        wanted = [a for k, v in PLATFORM_FIELDS.items() if k != "patch_id" for a in v[:2]]
        problems.append("no figure column (" + ", ".join(wanted) + ")")
    no_unit = [str(col) for col, named in figures.values() if named is None and unit is None]
    if no_unit:
        problems.append(
            f"the figure columns {no_unit} name no unit: write it in the header "
            '(耕地面积（亩）, GDMJ(平方米)) or give unit = "mu" or "m2"'
        )
    if problems:
        headers = [str(c) for c in frame.columns]
        raise FieldError(
            format_problems(f"{where}: cannot read it (headers: {headers}):", problems)
        )
    assert id_col is not None
    ids = [_patch_id(v) for v in frame[id_col].tolist()]
    bad: list[str] = []
    out: dict[str, list[float]] = {}
    for canon, (col, named) in figures.items():
        factor = UNIT_FACTORS_M2[named or unit or "m2"]
        values = []
        for row, value in enumerate(frame[col].tolist(), start=2):
            try:
                number = _number(value)
            except ValueError:
                bad.append(f"row {row}, {col}: {value!r} is no number")
                number = float("nan")
            if number < 0:
                bad.append(f"row {row}, {col}: {value!r} is negative")
            values.append(number * factor)
        out[f"{canon}_m2"] = values
    empty = [str(row) for row, pid in enumerate(ids, start=2) if not pid]
    if empty:
        bad.append(f"rows without a patch id: {', '.join(empty[:_LISTED])}")
    seen = pd.Series(ids)
    dup = sorted(set(seen[seen.duplicated() & seen.ne("")]))
    if dup:
        more = f" (and {len(dup) - _LISTED} more)" if len(dup) > _LISTED else ""
        bad.append(f"patch ids listed more than once: {', '.join(dup[:_LISTED])}{more}")
    if bad:
        raise InputError(format_problems(f"{where}: {len(bad)} problem(s):", bad))
    return pd.DataFrame(out, index=pd.Index(ids, name="patch_id", dtype=object))
