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
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
import pandas as pd

from rsgeo.errors import DataFileError, DuplicateIdError, FieldError, InputError, format_problems
from rsgeo.fields import DETERMINATION_FIELDS, canonical_name
from rsgeo.military import is_military
from rsgeo.units import M2_PER_HA, M2_PER_MU

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

DETERMINATION_VALUES: dict[str, tuple[str, ...]] = {
    "合法": ("合法", "合法用地", "legal"),
    "违法": ("违法", "违法用地", "违法违规", "illegal"),
    "其他": ("其他", "其它", "other"),
}
"""Allowed determinations and the spellings read as each."""

RECTIFICATION_METHODS: dict[str, tuple[str, ...]] = {
    "拆除复耕": (
        "拆除复耕",
        "拆除复垦",
        "拆除",
        "已拆除",
        "复耕",
        "复垦",
        "拆除到位",
        "拆除恢复",
        "恢复原状",
    ),
    "补办手续": ("补办手续", "补办用地手续", "完善手续", "完善用地手续", "补办", "已补办手续"),
    "没收": ("没收", "依法没收", "没收建筑物", "没收地上建筑物"),
    "未整改": ("未整改", "整改中", "正在整改", "未处理"),
}
"""Known rectification methods and the spellings read as each."""

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
_DATE_COLUMNS = ("rectification_date",)
_EMPTY_WORDS = {"", "/", "-", "—", "——", "无", "nan", "none", "<na>", "nat"}
_UNIT_RE = re.compile(r"^(.*?)\s*[（(]\s*(亩|平方米|m2|m²|㎡|公顷|ha)\s*[)）]\s*$", re.IGNORECASE)
_UNIT_FACTORS = {
    "亩": M2_PER_MU,
    "平方米": 1.0,
    "m2": 1.0,
    "m²": 1.0,
    "㎡": 1.0,
    "公顷": M2_PER_HA,
    "ha": M2_PER_HA,
}


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


_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and value.strip().casefold() in {"", "nan", "nat", "none", "<na>"}


def _parse_date(value: Any) -> pd.Timestamp | None:
    """One value to a Timestamp; None when it cannot be read as a date."""
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None) if value.tzinfo is not None else value
    if isinstance(value, dt.datetime):
        return pd.Timestamp(value.replace(tzinfo=None))
    if isinstance(value, dt.date):
        return pd.Timestamp(value)
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer() and 19000101 <= number <= 29991231:
            return _parse_date(str(int(number)))
        if 20000 <= number < 80000:  # Excel serial day (1954-2119)
            return pd.Timestamp(_EXCEL_EPOCH + dt.timedelta(days=number))
        return None
    if isinstance(value, str):
        text = value.strip()
        match = _DATE_RE.match(text) or _COMPACT_RE.match(text)
        if match is None:
            if re.fullmatch(r"\d+(\.\d+)?", text):
                return _parse_date(float(text))
            return None
        year, month, day = (int(g) for g in match.groups())
        try:
            return pd.Timestamp(year=year, month=month, day=day)
        except ValueError:
            return None
    return None


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse dates written the ways county tables write them.

    Accepts datetimes, ``2020-12-21``, ``2020/12/21``, ``2020.12.21``,
    ``2020年12月21日``, ``20201221`` and Excel serial day numbers.

    Returns
    -------
    (dates, bad) : (Series of datetime64, Series of bool)
        ``bad`` marks non-empty values that are not dates (they become NaT).

    Examples
    --------
    >>> d, bad = parse_dates(pd.Series(["2020年12月21日", "20201221", "", "2020-02-30"]))
    >>> [str(x.date()) if pd.notna(x) else None for x in d]
    ['2020-12-21', '2020-12-21', None, None]
    >>> bad.tolist()
    [False, False, False, True]
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        dates = values
        if getattr(values.dt, "tz", None) is not None:
            dates = values.dt.tz_localize(None)
        return dates.astype("datetime64[ns]"), pd.Series(False, index=values.index)
    cache: dict[Any, pd.Timestamp | None] = {}
    parsed: list[Any] = []
    bad: list[bool] = []
    for value in values.tolist():
        if _is_missing(value):
            parsed.append(pd.NaT)
            bad.append(False)
            continue
        try:
            stamp = cache[value]
        except (KeyError, TypeError):
            stamp = _parse_date(value)
            with contextlib.suppress(TypeError):
                cache[value] = stamp
        parsed.append(pd.NaT if stamp is None else stamp)
        bad.append(stamp is None)
    dates = pd.to_datetime(pd.Series(parsed, dtype=object))
    dates.index = values.index
    return dates.astype("datetime64[ns]"), pd.Series(bad, index=values.index, dtype=bool)


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse numbers (thousands separators and spaces allowed).

    Returns ``(numbers, bad)`` where ``bad`` marks non-empty values that are
    not numbers.

    >>> n, bad = parse_numbers(pd.Series(["1,234.5", 7, None, "约10"]))
    >>> n.tolist()[:2], bad.tolist()
    ([1234.5, 7.0], [False, False, False, True])
    """
    out: list[float] = []
    bad: list[bool] = []
    for value in values.tolist():
        if _is_missing(value):
            out.append(np.nan)
            bad.append(False)
            continue
        if isinstance(value, bool):
            out.append(np.nan)
            bad.append(True)
            continue
        if isinstance(value, (int, float, np.integer, np.floating)):
            out.append(float(value))
            bad.append(not np.isfinite(float(value)))
            continue
        text = re.sub(r"[\s,，]", "", str(value))
        try:
            number = float(text)
        except ValueError:
            out.append(np.nan)
            bad.append(True)
            continue
        out.append(number)
        bad.append(not np.isfinite(number))
    return (
        pd.Series(out, index=values.index, dtype="float64"),
        pd.Series(bad, index=values.index, dtype=bool),
    )


def _norm_word(value: str) -> str:
    return re.sub(r"\s+", "", value).casefold()


def _lookup(table: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    return {_norm_word(alias): canon for canon, aliases in table.items() for alias in aliases}


def _text_or_none(value: Any) -> str | None:
    if _is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return None if text.casefold() in _EMPTY_WORDS else text


def _patch_id(value: Any) -> str | None:
    if _is_missing(value):
        return None
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _map_header(
    header: Any, fields: Mapping[str, str] | None
) -> tuple[str | None, float | None, str | None]:
    """(canonical name, unit factor to m², unit word) of one header."""
    name = "" if _is_missing(header) else str(header).strip()
    if not name:
        return None, None, None
    if fields:
        for source, target in fields.items():
            if _norm_word(source) == _norm_word(name):
                return target, None, None
    canon = canonical_name(name, DETERMINATION_FIELDS)
    if canon is not None:
        return canon, None, None
    match = _UNIT_RE.match(name)
    if match:
        canon = canonical_name(match.group(1), DETERMINATION_FIELDS)
        unit = match.group(2)
        if canon is not None and canon.endswith("_m2"):
            return canon, _UNIT_FACTORS[unit.casefold() if unit.isascii() else unit], unit
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
    suffix = path.suffix.casefold()
    if not path.exists():
        raise DataFileError(f"determinations table not found: {path}")
    try:
        if suffix in {".xlsx", ".xlsm"}:
            return pd.read_excel(path, sheet_name=sheet, header=None, dtype=object)
        if suffix in {".csv", ".txt"}:
            tried = [encoding] if encoding else ["utf-8-sig", "gb18030"]
            last: Exception | None = None
            for enc in tried:
                try:
                    return pd.read_csv(
                        path, header=None, dtype=str, keep_default_na=False, encoding=enc
                    )
                except UnicodeDecodeError as exc:
                    last = exc
            raise DataFileError(
                f"cannot decode {path} with {tried}; pass encoding=... (e.g. 'gbk')"
            ) from last
    except (ValueError, KeyError) as exc:
        raise DataFileError(f"cannot read {path}: {exc}") from exc
    if suffix == ".xls":
        raise DataFileError(f"{path}: old .xls files are not read; save it as .xlsx")
    raise DataFileError(f"{path}: unsupported file type {suffix!r}; use .xlsx or .csv")


@dataclass
class _Parsed:
    table: pd.DataFrame
    conflicting: set[str]


def _parse_table(
    raw: pd.DataFrame,
    row_labels: list[str],
    fields: Mapping[str, str] | None,
    report: DeterminationsReport,
) -> _Parsed:
    """Canonical, typed, de-duplicated table indexed by patch_id; problems go to report."""
    problems = report.problems
    columns: dict[str, Any] = {}
    factors: dict[str, float] = {}
    sources: dict[str, str] = {}
    for pos, header in enumerate(raw.columns):
        canon, factor, unit = _map_header(header, fields)
        data = raw.iloc[:, pos]
        label = "" if _is_missing(header) else str(header).strip()
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

    ids = frame["patch_id"].map(_patch_id)
    for i in np.flatnonzero(ids.isna().to_numpy()).tolist():
        problems.append(f"{labels[i]}: no patch id (监测编号)")
    keep = ids.notna().to_numpy()
    frame, labels, ids = frame.loc[keep], labels.loc[keep], ids.loc[keep]

    def where(i: Any) -> str:
        return f"{labels[i]} (监测编号 {ids[i]})"

    out = pd.DataFrame(index=frame.index)
    out["patch_id"] = ids.astype(object)
    lookups = {
        "determination": (_lookup(DETERMINATION_VALUES), DETERMINATION_VALUES),
        "rectification_method": (_lookup(RECTIFICATION_METHODS), RECTIFICATION_METHODS),
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
                [None if t is None else lookup.get(_norm_word(t)) for t in texts.tolist()],
                index=values.index,
                dtype=object,
            )
            bad = texts.notna() & mapped.isna()
            for i in bad[bad].index:
                problems.append(
                    f"{where(i)}: {label} {texts[i]!r} is not one of {', '.join(allowed)}"
                )
            out[canon] = mapped.astype(object)
        elif canon in _DATE_COLUMNS:
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
    for canon in _DATE_COLUMNS:
        if canon in table.columns:
            table[canon] = pd.to_datetime(table[canon]).astype("datetime64[ns]")
    for canon in table.columns:
        if canon.endswith("_m2"):
            table[canon] = table[canon].astype("float64")
    return _Parsed(table, conflicting)


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


def _load(
    table: pd.DataFrame | str | PathLike[str],
    *,
    sheet: str | int,
    encoding: str | None,
    fields: Mapping[str, str] | None,
    report: DeterminationsReport,
) -> _Parsed:
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
        raw = raw.astype(object)
        return _parse_table(raw.reset_index(drop=True), labels, fields, report)
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
    return _parse_table(data, labels, fields, report)


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InputError(f"{name} must be one of {list(allowed)}, got {value!r}")


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
    parsed = _load(path, sheet=sheet, encoding=encoding, fields=fields, report=report)
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
    parsed = _load(table, sheet=sheet, encoding=encoding, fields=fields, report=report)
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
        elif name in _DATE_COLUMNS:
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
