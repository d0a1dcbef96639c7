"""Reading a determinations table (判定结果): headers, units, values, duplicate rows.

:func:`load_table` turns the county's field-verification table (an .xlsx/.csv
file or a DataFrame, Chinese headers, a title row allowed above the header)
into one typed row per patch: headers mapped to canonical names (a unit in
the header, such as ``违法面积（亩）``, converted to m²), determinations and
rectification methods normalised, dates and areas parsed, duplicate rows that
agree merged. A determination written with its sub-type (``非农违法-工矿商服``,
``合法（批文）``) is split into ``determination`` and ``determination_subtype``,
and the vocabulary profile of the values is detected or checked
(:func:`rsgeo.schema.profiles.resolve_profile`). Every problem goes to the
:class:`~rsgeo.analysis.determination.DeterminationsReport`;
:mod:`rsgeo.analysis.determination` decides whether they raise or warn.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rsgeo._util import choice_problem
from rsgeo.errors import FieldError, InputError, ProfileError, format_problems
from rsgeo.geo.units import UNIT_FACTORS_M2, unit_in_header
from rsgeo.io.tables import read_table
from rsgeo.options import DeterminationOptions
from rsgeo.schema.cells import is_missing, parse_dates, parse_numbers
from rsgeo.schema.fields import DETERMINATION_FIELDS, canonical_name
from rsgeo.schema.military import military_status, redact_ids
from rsgeo.schema.profiles import merge_subtype, resolve_profile, split_determination
from rsgeo.schema.vocabulary import (
    DETERMINATION_VALUES,
    DETERMINATION_WORDS,
    EMPTY_WORDS,
    MILITARY_WORDS,
    RECTIFICATION_METHODS,
    RECTIFICATION_WORDS,
    normalize_word,
)

__all__ = [
    "DATE_COLUMNS",
    "DeterminationWarning",
    "DeterminationsReport",
    "ParsedTable",
    "load_table",
    "read_determinations",
]

DATE_COLUMNS: tuple[str, ...] = ("rectification_date", "deduction_date")
"""Columns of the table read as dates."""

_UNIT_SUFFIX = re.compile(r"^(.*?)\s*[（(]\s*([^（()）]+?)\s*[)）]\s*$")
"""A header with its unit in brackets at the end: 面积（亩）, JCMJ(m2)."""


def _text_or_none(value: Any) -> str | None:
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return None if text.casefold() in EMPTY_WORDS else text


def _patch_id(value: Any) -> str | None:
    if is_missing(value):
        return None
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _map_header(
    header: Any, fields: Mapping[str, str] | None
) -> tuple[str | None, float | None, str | None]:
    """(canonical name, unit factor to m², unit word) of one header."""
    name = "" if is_missing(header) else str(header).strip()
    if not name:
        return None, None, None
    if fields:
        for source, target in fields.items():
            if normalize_word(source) == normalize_word(name):
                return target, None, None
    canon = canonical_name(name, DETERMINATION_FIELDS)
    if canon is not None:
        return canon, None, None
    match = _UNIT_SUFFIX.match(name)
    unit = None if match is None else unit_in_header(match.group(2))
    if match and unit is not None:
        canon = canonical_name(match.group(1), DETERMINATION_FIELDS)
        if canon is not None and canon.endswith("_m2"):
            return canon, UNIT_FACTORS_M2[unit], match.group(2)
        if canon is not None:
            return canon, None, None
    return None, None, None


def _find_header_row(raw: pd.DataFrame, fields: Mapping[str, str] | None) -> int | None:
    for row in range(min(len(raw), 20)):
        for value in raw.iloc[row].tolist():
            if _map_header(value, fields)[0] == "patch_id":
                return row
    return None


def _read_raw(path: Path, *, sheet: str | int, encoding: str | None) -> pd.DataFrame:
    return read_table(
        path, sheet=sheet, encoding=encoding, header=False, what="determinations table"
    )


@dataclass
class ParsedTable:
    """The checked table (index ``patch_id``) and the patches whose rows disagree."""

    table: pd.DataFrame
    conflicting: set[str]


def _parse_table(
    raw: pd.DataFrame,
    row_labels: list[str],
    fields: Mapping[str, str] | None,
    report: DeterminationsReport,
    profile: str = "auto",
) -> ParsedTable:
    """Canonical, typed, de-duplicated table indexed by patch_id; problems go to report."""
    problems = report.problems
    columns: dict[str, Any] = {}
    factors: dict[str, float] = {}
    sources: dict[str, str] = {}
    for pos, header in enumerate(raw.columns):
        canon, factor, unit = _map_header(header, fields)
        data = raw.iloc[:, pos]
        label = "" if is_missing(header) else str(header).strip()
        if canon is None:
            if label and not label.startswith("Unnamed:"):
                report.unknown_columns.append(label)
            elif data.map(_text_or_none).notna().any():
                report.unknown_columns.append(f"<column {pos + 1} without header>")
            continue
        if canon in columns:
            problems.append(
                f"headers {sources[canon]!r} and {label!r} both mean {canon}; keep one of them"
            )
            continue
        columns[canon] = data
        sources[canon] = label
        report.columns[label] = canon
        if factor is not None and factor != 1.0 and unit is not None:
            factors[canon] = factor
            report.unit_conversions[canon] = unit
    if "patch_id" not in columns:
        aliases = ", ".join(DETERMINATION_FIELDS["patch_id"])
        raise FieldError(
            f"the determinations table has no patch id column (one of: {aliases}); "
            f"headers found: {[str(c) for c in raw.columns]}"
        )

    frame = pd.DataFrame({k: v.to_numpy() for k, v in columns.items()})
    labels = pd.Series(row_labels, dtype=object)
    blank = frame.map(_text_or_none).isna().all(axis=1).to_numpy()
    frame = frame.loc[~blank].reset_index(drop=True)
    labels = labels.loc[~blank].reset_index(drop=True)
    report.n_rows = len(frame)
    looks_like = [h for h in report.unknown_columns if re.search("判定|合法性|性质", h)]
    if "determination" not in columns and len(frame) and (len(columns) == 1 or looks_like):
        # a misspelt header (判定结论) must not leave every patch on its suggestion
        expected = ", ".join(DETERMINATION_FIELDS["determination"])
        seen = [str(c) for c in raw.columns if not is_missing(c)]
        why = f"{looks_like} look like one" if looks_like else "nothing but the patch id is known"
        raise FieldError(
            f"the determinations table has no determination column ({why}); headers seen: "
            f"{seen}; expected one of: {expected} (or map yours with "
            "fields={'your header': 'determination'})"
        )

    ids = frame["patch_id"].map(_patch_id)
    for i in np.flatnonzero(ids.isna().to_numpy()).tolist():
        problems.append(f"{labels[i]}: no patch id (监测编号)")
    keep = ids.notna().to_numpy()
    frame, labels, ids = frame.loc[keep], labels.loc[keep], ids.loc[keep]

    def where(i: Any) -> str:
        return f"{labels[i]} (监测编号 {ids[i]})"

    out = pd.DataFrame(index=frame.index)
    out["patch_id"] = ids.astype(object)
    subtypes: list[str] = []  # sub-types written in the determination cell
    lookups = {
        "determination": (DETERMINATION_WORDS, DETERMINATION_VALUES),
        "rectification_method": (RECTIFICATION_WORDS, RECTIFICATION_METHODS),
    }
    for canon in frame.columns:
        if canon == "patch_id":
            continue
        label = sources[canon]
        values = frame[canon]
        if canon in lookups:
            lookup, allowed = lookups[canon]
            texts = pd.Series(
                [_text_or_none(v) for v in values.tolist()], index=values.index, dtype=object
            )
            mapped = pd.Series(
                [None if t is None else lookup.get(normalize_word(t)) for t in texts.tolist()],
                index=values.index,
                dtype=object,
            )
            if canon == "determination":  # a class written with its sub-type
                split = [split_determination(t) if t else (None, "") for t in texts.tolist()]
                mapped = mapped.where(
                    mapped.notna(),
                    pd.Series([c for c, _ in split], index=values.index, dtype=object),
                )
                subtypes = [sub for _, sub in split]
            bad = texts.notna() & mapped.isna()
            for i in bad[bad].index:
                problems.append(
                    f"{where(i)}: {label} {texts[i]!r} is not one of {', '.join(allowed)}"
                )
            out[canon] = mapped.astype(object)
        elif canon in DATE_COLUMNS:
            dates, bad = parse_dates(values.map(lambda v: None if _text_or_none(v) is None else v))
            for i in bad[bad].index:
                problems.append(f"{where(i)}: {label} {values[i]!r} is not a date")
            out[canon] = dates
        elif canon.endswith("_m2"):
            numbers, bad = parse_numbers(
                values.map(lambda v: None if _text_or_none(v) is None else v)
            )
            for i in bad[bad].index:
                problems.append(f"{where(i)}: {label} {values[i]!r} is not a number")
            negative = numbers < 0
            for i in negative[negative].index:
                problems.append(f"{where(i)}: {label} {values[i]!r} is negative")
            out[canon] = numbers.where(~negative) * factors.get(canon, 1.0)
        else:
            out[canon] = values.map(_text_or_none).astype(object)
    if "determination" in frame.columns and any(subtypes):
        given = out.get("determination_subtype")
        merged = [
            merge_subtype(sub, "" if given is None or is_missing(given[i]) else str(given[i]))
            or None
            for i, sub in zip(out.index, subtypes, strict=True)
        ]
        out["determination_subtype"] = pd.Series(merged, index=out.index, dtype=object)
    if "determination" in out.columns:
        try:
            found = resolve_profile(
                out["determination"].tolist(), profile, source=f"the determinations {report.source}"
            )
        except ProfileError as err:
            report.profile_problem = str(err)
        else:
            report.profile, report.profile_how = found.profile, found.how
            report.profile_reason = found.reason

    # duplicates: merge rows that agree (blanks filled), report those that don't
    conflicting: set[str] = set()
    dup_mask = out["patch_id"].duplicated(keep=False)
    merged_rows: dict[str, pd.Series] = {}
    for pid, group in out.loc[dup_mask].groupby("patch_id", sort=False):
        pid = str(pid)
        disagreements: list[str] = []
        combined = group.iloc[0].copy()
        for canon in out.columns:
            if canon == "patch_id":
                continue
            present = group[canon].dropna()
            distinct = list(dict.fromkeys(_comparable(v) for v in present.tolist()))
            if len(distinct) > 1:
                shown = " vs ".join(_show(v) for v in dict.fromkeys(present.tolist()))
                disagreements.append(f"{sources[canon]} {shown}")
            elif len(present):
                combined[canon] = present.iloc[0]
        rows = ", ".join(str(labels[i]) for i in group.index)
        if disagreements:
            conflicting.add(pid)
            problems.append(
                f"patch {pid} has {len(group)} rows that disagree ({rows}): "
                + "; ".join(disagreements)
            )
        else:
            merged_rows[pid] = combined
    report.merged_duplicates = list(merged_rows)
    report.conflicts = sorted(conflicting)
    single = out.loc[~dup_mask]
    if merged_rows:
        single = pd.concat([single, pd.DataFrame(list(merged_rows.values()))])
    if conflicting:  # keep one row so the id is still known; it is dropped later
        first = out.loc[dup_mask & out["patch_id"].isin(conflicting)].drop_duplicates("patch_id")
        single = pd.concat([single, first])
    table = single.set_index("patch_id")
    table.index = pd.Index([str(i) for i in table.index], name="patch_id")
    for canon in DATE_COLUMNS:
        if canon in table.columns:
            table[canon] = pd.to_datetime(table[canon]).astype("datetime64[ns]")
    for canon in table.columns:
        if canon.endswith("_m2"):
            table[canon] = table[canon].astype("float64")
    return ParsedTable(table, conflicting)


def _comparable(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def _show(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value)


def load_table(
    table: pd.DataFrame | str | PathLike[str],
    *,
    sheet: str | int,
    encoding: str | None,
    fields: Mapping[str, str] | None,
    report: DeterminationsReport,
    profile: str = "auto",
) -> ParsedTable:
    """Read (a path) or take (a DataFrame) the table and check it into ``report``.

    ``profile`` is the vocabulary to check the determinations against, or
    ``"auto"`` to detect it (:func:`rsgeo.schema.profiles.resolve_profile`).
    """
    if fields:
        wrong = [f"{k!r} -> {v!r}" for k, v in fields.items() if v not in DETERMINATION_FIELDS]
        if wrong:
            raise InputError(
                format_problems(
                    f"fields maps to unknown names (known: {', '.join(DETERMINATION_FIELDS)}):",
                    wrong,
                )
            )
    if isinstance(table, pd.DataFrame):
        frame = table
        has_id = any(_map_header(c, fields)[0] == "patch_id" for c in frame.columns)
        if not has_id and _map_header(frame.index.name, fields)[0] == "patch_id":
            frame = frame.reset_index()
        labels = [f"table row {i + 1}" for i in range(len(frame))]
        raw = frame.copy()
        raw.columns = pd.Index(list(frame.columns), dtype=object)
        raw = raw.astype(object).reset_index(drop=True)
        return _redacted(_parse_table(raw, labels, fields, report, profile), raw, fields, report)
    if not isinstance(table, (str, PathLike)):
        raise InputError(
            f"table must be a DataFrame or a path to .xlsx/.csv, got {type(table).__name__}"
        )
    path = Path(table)
    report.source = str(path)
    raw = _read_raw(path, sheet=sheet, encoding=encoding)
    header_row = _find_header_row(raw, fields)
    if header_row is None:
        aliases = ", ".join(DETERMINATION_FIELDS["patch_id"])
        first = [str(v) for v in raw.iloc[0].tolist()] if len(raw) else []
        raise FieldError(
            f"{path}: no header row with a patch id column (one of: {aliases}) in the first "
            f"20 rows; first row: {first}"
        )
    data = raw.iloc[header_row + 1 :].reset_index(drop=True)
    data.columns = pd.Index(raw.iloc[header_row].tolist(), dtype=object)
    # spreadsheet row numbers: header is row header_row + 1 (1-based)
    labels = [f"row {header_row + 2 + i}" for i in range(len(data))]
    return _redacted(_parse_table(data, labels, fields, report, profile), data, fields, report)


def _redacted(
    parsed: ParsedTable,
    data: pd.DataFrame,
    fields: Mapping[str, str] | None,
    report: DeterminationsReport,
) -> ParsedTable:
    """Problems never name a patch the table itself marks as military land.

    A row is military when any of its cells names 军用/军事 or its military
    field (SFJY) is not plainly "no" (:func:`rsgeo.schema.military.military_status`).
    """
    id_cols = [c for c in data.columns if _map_header(c, fields)[0] == "patch_id"]
    if not id_cols or data.empty:
        return parsed
    text = data.astype("string").fillna("")
    marked = text.apply(lambda col: col.str.contains("|".join(MILITARY_WORDS))).any(axis=1)
    military_cols = [c for c in data.columns if _map_header(c, fields)[0] == "military"]
    if military_cols:
        status = military_status(pd.DataFrame({"military": data[military_cols[0]]}))
        marked |= (status != "ordinary").to_numpy()
    sealed = [i for i in (_patch_id(v) for v in data.loc[marked.to_numpy(), id_cols[0]]) if i]
    if sealed:
        report.problems[:] = [redact_ids(p, sealed) for p in report.problems]
    return parsed


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
    profile : str
        The vocabulary profile of the determinations (``"2020"``, ``"2026"``;
        ``""`` when the table has no determination column).
    profile_how : str
        ``"set"`` (given and checked), ``"detected"`` (from the values) or
        ``"default"`` (the values do not tell).
    profile_reason : str
        Why, in one sentence (the values that decided).
    profile_problem : str
        Values of two profiles, or values outside the profile set: always an
        error, whatever ``on_invalid`` says.
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
    profile: str = ""
    profile_how: str = ""
    profile_reason: str = ""
    profile_problem: str = ""

    def __deepcopy__(self, memo: dict[int, Any]) -> DeterminationsReport:
        # finished when attached (read_determinations, apply_determinations):
        # pandas deep-copies ``attrs`` on every operation on the table, and the
        # copies share this one report
        return self


def check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    problem = choice_problem(name, value, allowed)
    if problem:
        raise InputError(problem)


def read_determinations(
    path: str | PathLike[str] | pd.DataFrame,
    *,
    sheet: str | int = 0,
    encoding: str | None = None,
    fields: Mapping[str, str] | None = None,
    options: DeterminationOptions | None = None,
    **overrides: Any,
) -> pd.DataFrame:
    """Read and check a determinations table (Excel .xlsx or CSV, Chinese headers).

    Headers are matched to :data:`rsgeo.schema.fields.DETERMINATION_FIELDS` (case and
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
    options : DeterminationOptions, optional
        Its ``on_invalid`` (:class:`rsgeo.options.DeterminationOptions`):
        ``"raise"`` (default): one :class:`~rsgeo.errors.InputError` lists
        every problem. ``"warn"``: bad values become missing, patches whose
        rows disagree are left out, and a :class:`DeterminationWarning` lists
        them.
    **overrides
        Its fields as keywords, e.g. ``on_invalid="warn"``.

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
    opts = DeterminationOptions.resolve(options, overrides)
    report = DeterminationsReport()
    parsed = load_table(
        path, sheet=sheet, encoding=encoding, fields=fields, report=report, profile=opts.profile
    )
    finish_report(report, opts.on_invalid, [])
    table = parsed.table.drop(index=sorted(parsed.conflicting))
    if "note" in table.columns:
        table = table.rename(columns={"note": "determination_note"})
    table.attrs = {"rsgeo_determinations_report": report}
    return table


def finish_report(report: DeterminationsReport, on_invalid: str, id_problems: list[str]) -> None:
    """Raise or warn about the problems gathered in report.

    A profile problem (:attr:`DeterminationsReport.profile_problem`) always
    raises a :class:`~rsgeo.errors.ProfileError`, listing the other problems too.
    """
    problems = report.problems + id_problems
    if report.profile_problem:
        problems = [report.profile_problem, *problems]
        header = f"{len(problems)} problem(s) in the determinations table {report.source}:"
        raise ProfileError(format_problems(header, problems))
    if not problems:
        return
    header = f"{len(problems)} problem(s) in the determinations table {report.source}:"
    if on_invalid == "raise":
        raise InputError(format_problems(header, problems))
    warnings.warn(format_problems(header, problems), DeterminationWarning, stacklevel=3)
