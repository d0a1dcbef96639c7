"""Technicians' determinations (判定结果) merged into the classified patches.

The county's field-verification table (Excel or CSV, Chinese headers, one row
per patch) says what each patch really is: 合法 / 违法 / 其他, the illegal
area, the rectification method and date, the case number. :func:`read_determinations`
reads and checks such a table; :func:`apply_determinations` merges it into the
output of :func:`rsgeo.classify` by patch id. The technician's determination
wins (``final_class``); the suggestion stays beside it.

What is an error and what is a warning
--------------------------------------
* **One** :class:`~rsgeo.errors.InputError` lists every problem in the table:
  unknown determination or rectification-method values, dates and areas that
  cannot be read, negative areas, rows without a patch id, two headers meaning
  the same field, and duplicate rows of one patch that disagree (duplicates
  that agree, or only fill each other's blanks, are merged). With
  ``on_invalid="warn"`` the bad values become missing, conflicting patches
  are left out, and a :class:`DeterminationWarning` lists them instead.
* Patch ids of the table that are not in the batch give a
  :class:`DeterminationWarning` by default (a yearly table often covers
  several batches); ``unknown_ids="raise"`` makes them part of the error,
  ``"ignore"`` only records them.

Whatever happens, ``result.attrs["rsgeo_determinations_report"]`` holds a
:class:`DeterminationsReport` with every finding.

Reading and checking the table itself (headers, units, values, duplicate rows)
is in :mod:`rsgeo.determination_table`, the date and number parsers in
:mod:`rsgeo.cell_parsing`; their public names are importable from here too.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from typing import Literal, TypeVar

import numpy as np
import pandas as pd

from rsgeo._util import choice_problem
from rsgeo.cell_parsing import parse_dates, parse_numbers
from rsgeo.determination_table import (
    DATE_COLUMNS,
    DETERMINATION_VALUES,
    RECTIFICATION_METHODS,
    load_table,
)
from rsgeo.errors import DuplicateIdError, FieldError, InputError, format_problems
from rsgeo.military import is_military

__all__ = [
    "DETERMINATION_COLUMNS",
    "DETERMINATION_VALUES",
    "RECTIFICATION_METHODS",
    "DeterminationWarning",
    "DeterminationsReport",
    "apply_determinations",
    "parse_dates",
    "parse_numbers",
    "read_determinations",
]

FrameT = TypeVar("FrameT", bound=pd.DataFrame)
UnknownIds = Literal["raise", "warn", "ignore"]
OnInvalid = Literal["raise", "warn"]

DETERMINATION_COLUMNS: tuple[str, ...] = (
    "determination",
    "determination_subtype",
    "actual_use",
    "illegal_type",
    "illegal_area_m2",
    "illegal_farmland_m2",
    "rectification_method",
    "rectification_date",
    "rectified_area_m2",
    "case_number",
    "responsible_party",
    "determination_note",
)
"""Columns :func:`apply_determinations` always adds (missing values where the
table has no such column or no row for the patch)."""

_OUTPUT = (*DETERMINATION_COLUMNS, "final_class", "class_source")
_AREA_COLUMNS = ("illegal_area_m2", "illegal_farmland_m2", "rectified_area_m2")


class DeterminationWarning(UserWarning):
    """Findings in a determinations table that did not stop the merge."""


@dataclass
class DeterminationsReport:
    """What :func:`apply_determinations` found and did.

    Attributes
    ----------
    source : str
        File name, or ``"<DataFrame>"``.
    n_rows : int
        Data rows read (blank rows left out).
    n_applied : int
        Patches of the batch that received a row.
    columns : dict
        Source header → canonical column.
    unit_conversions : dict
        Canonical area column → unit of the source (``"亩"``, ``"公顷"``),
        converted to m².
    unknown_columns : list of str
        Headers that match no field (ignored).
    unknown_ids : list of str
        Patch ids of the table that are not in the batch.
    merged_duplicates : list of str
        Patch ids with several rows that agreed (merged into one).
    conflicts : list of str
        Patch ids whose rows disagree.
    problems : list of str
        Every problem found, one readable line each.
    """

    source: str = "<DataFrame>"
    n_rows: int = 0
    n_applied: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    unit_conversions: dict[str, str] = field(default_factory=dict)
    unknown_columns: list[str] = field(default_factory=list)
    unknown_ids: list[str] = field(default_factory=list)
    merged_duplicates: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    problem = choice_problem(name, value, allowed)
    if problem:
        raise InputError(problem)


def read_determinations(
    path: str | PathLike[str] | pd.DataFrame,
    *,
    sheet: str | int = 0,
    encoding: str | None = None,
    fields: Mapping[str, str] | None = None,
    on_invalid: OnInvalid = "raise",
) -> pd.DataFrame:
    """Read and check a determinations table (Excel .xlsx or CSV, Chinese headers).

    Headers are matched to :data:`rsgeo.fields.DETERMINATION_FIELDS` (case and
    spaces ignored); a header naming a unit, such as ``违法面积（亩）`` or
    ``整改面积(公顷)``, is converted to m². The header row is found among the
    first 20 rows (a title row above it is fine); blank rows are left out.
    Determinations and rectification methods are normalised to
    :data:`DETERMINATION_VALUES` / :data:`RECTIFICATION_METHODS`, dates
    parsed to datetime64, areas to float m². Cells holding ``/``, ``-`` or
    ``无`` count as blank.

    Parameters
    ----------
    path : str, path or DataFrame
        The .xlsx/.xlsm or .csv file (a DataFrame is checked the same way).
    sheet : str or int, default 0
        Excel sheet name or position.
    encoding : str, optional
        CSV encoding; by default UTF-8 (with or without BOM), then GB18030.
    fields : mapping, optional
        Extra ``{source header: canonical name}`` pairs, tried first.
    on_invalid : {"raise", "warn"}, default "raise"
        ``"raise"``: one :class:`~rsgeo.errors.InputError` lists every
        problem. ``"warn"``: bad values become missing, patches whose rows
        disagree are left out, and a :class:`DeterminationWarning` lists them.

    Returns
    -------
    DataFrame
        Indexed by ``patch_id`` (str), one row per patch, canonical columns
        (``note`` becomes ``determination_note``). ``attrs["rsgeo_determinations_report"]``
        holds the :class:`DeterminationsReport`.

    Examples
    --------
    >>> t = pd.DataFrame({"监测编号": ["p1", "p2"], "判定结果": ["违法", "合法用地"],
    ...                   "违法面积（亩）": [1.5, None], "整改日期": ["2020年12月21日", ""]})
    >>> d = read_determinations(t)
    >>> d["determination"].tolist()
    ['违法', '合法']
    >>> float(d.loc["p1", "illegal_area_m2"])
    1000.0
    >>> str(d.loc["p1", "rectification_date"].date())
    '2020-12-21'
    """
    _check_choice("on_invalid", on_invalid, ("raise", "warn"))
    report = DeterminationsReport()
    parsed = load_table(path, sheet=sheet, encoding=encoding, fields=fields, report=report)
    _finish(report, on_invalid, [])
    table = parsed.table.drop(index=sorted(parsed.conflicting))
    if "note" in table.columns:
        table = table.rename(columns={"note": "determination_note"})
    table.attrs = {"rsgeo_determinations_report": report}
    return table


def _finish(report: DeterminationsReport, on_invalid: str, id_problems: list[str]) -> None:
    """Raise or warn about the problems gathered in report."""
    problems = report.problems + id_problems
    if not problems:
        return
    header = f"{len(problems)} problem(s) in the determinations table {report.source}:"
    if on_invalid == "raise":
        raise InputError(format_problems(header, problems))
    warnings.warn(format_problems(header, problems), DeterminationWarning, stacklevel=3)


def apply_determinations(
    classified: FrameT,
    table: pd.DataFrame | str | PathLike[str],
    *,
    sheet: str | int = 0,
    encoding: str | None = None,
    fields: Mapping[str, str] | None = None,
    unknown_ids: UnknownIds = "warn",
    on_invalid: OnInvalid = "raise",
) -> FrameT:
    """Merge the technicians' determinations into the classified patches.

    Parameters
    ----------
    classified : GeoDataFrame or DataFrame
        Output of :func:`rsgeo.classify` (index ``patch_id``, unique;
        ``suggested_class``).
    table : DataFrame or path
        The determinations: a DataFrame, or an .xlsx/.csv file with Chinese
        headers (see :func:`read_determinations` for headers, units and values).
    sheet, encoding, fields
        As in :func:`read_determinations`.
    unknown_ids : {"warn", "raise", "ignore"}, default "warn"
        What to do with patch ids of the table that are not in ``classified``.
    on_invalid : {"raise", "warn"}, default "raise"
        What to do with invalid values and disagreeing duplicate rows.

    Returns
    -------
    same type as ``classified``
        A copy with every patch kept and the columns
        :data:`DETERMINATION_COLUMNS` (missing where the table has no row or
        no value), ``final_class`` (the determination when present, else
        ``suggested_class``) and ``class_source`` (``"determination"`` /
        ``"suggested"``). ``flag_military`` also becomes true when the table
        marks a patch as military land (是否军用, or 军用/军事 in the sub-type
        or actual use). ``attrs["rsgeo_determinations_report"]`` holds a
        :class:`DeterminationsReport`.

    Raises
    ------
    FieldError
        ``classified`` has no ``suggested_class``; the table has no patch id column.
    DuplicateIdError
        ``classified`` has duplicate patch ids.
    InputError
        One error listing every problem in the table (see the module notes).
    DataFileError
        The file cannot be found or read.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"suggested_class": ["违法", "违法"]},
    ...                  index=pd.Index(["p1", "p2"], name="patch_id"))
    >>> t = pd.DataFrame({"监测编号": ["p1"], "判定结果": ["合法"]})
    >>> r = apply_determinations(c, t)
    >>> r[["suggested_class", "final_class", "class_source"]].values.tolist()
    [['违法', '合法', 'determination'], ['违法', '违法', 'suggested']]
    """
    _check_choice("unknown_ids", unknown_ids, ("raise", "warn", "ignore"))
    _check_choice("on_invalid", on_invalid, ("raise", "warn"))
    if not isinstance(classified, pd.DataFrame):
        raise InputError(
            f"apply_determinations expects a (Geo)DataFrame, got {type(classified).__name__}"
        )
    if "suggested_class" not in classified.columns:
        raise FieldError(
            "the patch table has no 'suggested_class'; run rsgeo.classify(overlaid) first"
        )
    keys = pd.Index([str(i) for i in classified.index])
    if keys.has_duplicates:
        dups = sorted(set(keys[keys.duplicated()]))
        raise DuplicateIdError(
            format_problems(f"{len(dups)} patch id(s) appear more than once:", dups)
        )

    report = DeterminationsReport()
    parsed = load_table(table, sheet=sheet, encoding=encoding, fields=fields, report=report)
    det = parsed.table.drop(index=sorted(parsed.conflicting))
    if "note" in det.columns:
        det = det.rename(columns={"note": "determination_note"})

    known = set(keys)
    unknown = [pid for pid in parsed.table.index if pid not in known]
    report.unknown_ids = unknown
    id_problems: list[str] = []
    if unknown and unknown_ids == "raise":
        id_problems.append(
            f"{len(unknown)} patch id(s) of the table are not in the batch: {', '.join(unknown)}"
        )
    _finish(report, on_invalid, id_problems)
    if unknown and unknown_ids == "warn":
        warnings.warn(
            f"{len(unknown)} patch id(s) of the determinations table are not in the batch "
            f"and were ignored: {', '.join(unknown[:20])}" + (" ..." if len(unknown) > 20 else ""),
            DeterminationWarning,
            stacklevel=2,
        )

    det = det.loc[det.index.isin(keys)]
    aligned = det.reindex(keys)
    out = classified.drop(columns=[c for c in _OUTPUT if c in classified.columns]).copy()
    for name in DETERMINATION_COLUMNS:
        if name in aligned.columns:
            values = aligned[name].to_numpy()
        elif name in _AREA_COLUMNS:
            values = np.full(len(out), np.nan)
        elif name in DATE_COLUMNS:
            values = np.full(len(out), np.datetime64("NaT"), dtype="datetime64[ns]")
        else:
            values = np.full(len(out), None, dtype=object)
        out[name] = values
    determined = (
        aligned["determination"].notna().to_numpy()
        if "determination" in aligned
        else (np.zeros(len(out), dtype=bool))
    )
    final = np.where(
        determined,
        out["determination"].to_numpy(dtype=object),
        classified["suggested_class"].to_numpy(dtype=object),
    )
    out["final_class"] = final
    out["class_source"] = np.where(determined, "determination", "suggested")

    military = is_military(out).to_numpy()
    if "military" in aligned.columns:
        marked = is_military(pd.DataFrame({"military": aligned["military"].to_numpy()}))
        military = military | marked.to_numpy()
    out["flag_military"] = military.astype(bool)

    report.n_applied = int(det.index.isin(keys).sum())
    out.attrs = {**classified.attrs, "rsgeo_determinations_report": report}
    return out
