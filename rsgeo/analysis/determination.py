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
is in :mod:`rsgeo.io.determination_table`, the date and number parsers in
:mod:`rsgeo.schema.cells`; their public names are importable from here too.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from os import PathLike
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from rsgeo.errors import FieldError, InputError
from rsgeo.io.determination_table import (
    DATE_COLUMNS,
    DeterminationsReport,
    DeterminationWarning,
    finish_report,
    load_table,
)
from rsgeo.options import DeterminationOptions
from rsgeo.schema.contract import check_patch_table
from rsgeo.schema.military import is_military, military_status, redacting
from rsgeo.schema.profiles import resolve_profile, restate_suggestion

__all__ = ["DETERMINATION_COLUMNS", "apply_determinations", "check_matches"]

FrameT = TypeVar("FrameT", bound=pd.DataFrame)

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
    "deduction_class",
    "deduction_date",
    "case_age",
)
"""Columns :func:`apply_determinations` always adds (missing values where the
table has no such column or no row for the patch)."""

_OUTPUT = (*DETERMINATION_COLUMNS, "final_class", "class_source")
_AREA_COLUMNS = ("illegal_area_m2", "illegal_farmland_m2", "rectified_area_m2")


def apply_determinations(
    classified: FrameT,
    table: pd.DataFrame | str | PathLike[str],
    *,
    sheet: str | int = 0,
    encoding: str | None = None,
    fields: Mapping[str, str] | None = None,
    options: DeterminationOptions | None = None,
    **overrides: Any,
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
    options : DeterminationOptions, optional
        What to do with ids not in the batch (``unknown_ids``), invalid values
        (``on_invalid``), the share of the table's rows that must name
        patches of the batch (``min_matched_share``, see
        :func:`check_matches`) and the vocabulary profile (``profile``:
        "auto" detects it from the table's determinations, "2020" or "2026"
        refuses values outside it); :class:`rsgeo.options.DeterminationOptions`,
        its defaults when None.
    **overrides
        Its fields as keywords, e.g. ``unknown_ids="raise"``.

    Returns
    -------
    same type as ``classified``
        A copy with every patch kept and the columns
        :data:`DETERMINATION_COLUMNS` (missing where the table has no row or
        no value), ``final_class`` (the determination when present, else
        ``suggested_class``) and ``class_source`` (``"determination"`` /
        ``"suggested"``). ``flag_military`` also becomes true when the table
        marks a patch as military land (是否军用, or 军用/军事 in the sub-type
        or actual use). In the 2026 profile the suggestion is restated in
        2026 words (违法 → 非农违法, 其他/设施农用地 → 设施农用地,
        :func:`rsgeo.schema.profiles.restate_suggestion`).
        ``attrs["rsgeo_determinations_report"]`` holds a
        :class:`DeterminationsReport`, with the profile and why
        (``profile``, ``profile_how``, ``profile_reason``).

    Raises
    ------
    FieldError
        ``classified`` has no ``suggested_class``; the table has no patch id column.
    DuplicateIdError
        ``classified`` has duplicate patch ids.
    InputError
        One error listing every problem in the table (see the module notes).
    ProfileError
        The determinations mix the 2020 and 2026 vocabularies, or hold values
        outside the profile set (always raised, whatever ``on_invalid``).
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
    >>> t26 = pd.DataFrame({"线索编号": ["p1"], "核实认定意见": ["非农违法-工矿商服"]})
    >>> r = apply_determinations(c, t26)
    >>> r.loc["p1", ["final_class", "determination_subtype"]].tolist()
    ['非农违法', '工矿商服']
    >>> r.loc["p2", ["suggested_class", "final_class"]].tolist()
    ['非农违法', '非农违法']
    >>> r.attrs["rsgeo_determinations_report"].profile_reason
    'detected from the determinations <DataFrame>: 非农违法 (1) belong only to the 2026 profile'
    """
    if not isinstance(classified, pd.DataFrame):
        raise InputError(
            f"apply_determinations expects a (Geo)DataFrame, got {type(classified).__name__}"
        )
    # sealed ids never reach a warning or an error of this stage
    opts = DeterminationOptions.resolve(options, overrides)
    sealed = set(classified.index[is_military(classified).to_numpy()].astype(str))
    with redacting(sealed):
        return _apply(classified, table, sheet, encoding, fields, opts, sealed)


def check_matches(
    table: pd.DataFrame,
    batch_ids: Iterable[str],
    *,
    options: DeterminationOptions | None = None,
    source: str = "<DataFrame>",
) -> float:
    """The share of a determination table's rows that name patches of the batch.

    Raises :class:`~rsgeo.errors.InputError` when it is below
    ``options.min_matched_share``: the table is most likely another batch's
    (the Q1 table given for Q3 patches), and applying it would leave almost
    every patch on its suggestion without a word.

    >>> t = pd.DataFrame(index=pd.Index(["a", "b", "x", "y"], name="patch_id"))
    >>> check_matches(t, ["a", "b", "c"])
    0.5
    >>> check_matches(t, ["c"])
    Traceback (most recent call last):
    ...
    rsgeo.errors.InputError: the determinations table <DataFrame> names patches of this batch in 0 of its 4 rows (0%, less than min_matched_share = 50%): is it the table of another batch? ...
    """
    opts = DeterminationOptions.coerce(options)
    ids = table.index.astype(str)
    if not len(ids):
        return 1.0
    matched = int(ids.isin(set(map(str, batch_ids))).sum())
    share = matched / len(ids)
    if share < opts.min_matched_share:
        raise InputError(
            f"the determinations table {source} names patches of this batch in {matched} of "
            f"its {len(ids)} rows ({share:.0%}, less than min_matched_share = "
            f"{opts.min_matched_share:.0%}): is it the table of another batch? Give the "
            "batch's own table, or lower min_matched_share ([determination_checks] in the "
            "job file) to apply it anyway"
        )
    return share


def _apply(
    classified: FrameT,
    table: pd.DataFrame | str | PathLike[str],
    sheet: str | int,
    encoding: str | None,
    fields: Mapping[str, str] | None,
    opts: DeterminationOptions,
    sealed: set[str],
) -> FrameT:
    unknown_ids, on_invalid = opts.unknown_ids, opts.on_invalid
    if "suggested_class" not in classified.columns:
        raise FieldError(
            "the patch table has no 'suggested_class'; run rsgeo.classify(overlaid) first"
        )
    keys = check_patch_table(classified, where="apply_determinations").index

    report = DeterminationsReport()
    parsed = load_table(
        table, sheet=sheet, encoding=encoding, fields=fields, report=report, profile=opts.profile
    )
    if not report.profile and not report.profile_problem:  # no determination column
        found = resolve_profile([], opts.profile, source=f"the determinations {report.source}")
        report.profile, report.profile_how = found.profile, found.how
        report.profile_reason = found.reason
    det = parsed.table.drop(index=sorted(parsed.conflicting))
    # rows the table itself marks as military land are sealed in every message too
    sealed |= set(parsed.table.index[is_military(parsed.table).to_numpy()].astype(str))
    if "note" in det.columns:
        det = det.rename(columns={"note": "determination_note"})

    known = set(keys)
    check_matches(parsed.table, known, options=opts, source=report.source)
    unknown = [pid for pid in parsed.table.index if pid not in known]
    report.unknown_ids = unknown
    id_problems: list[str] = []
    if unknown and unknown_ids == "raise":
        id_problems.append(
            f"{len(unknown)} patch id(s) of the table are not in the batch: {', '.join(unknown)}"
        )
    finish_report(report, on_invalid, id_problems)
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
    if report.profile != "2020":  # the suggestions in the profile's words
        subtype = (
            out["suggested_subtype"]
            if "suggested_subtype" in out
            else pd.Series("", index=out.index)
        )
        restated = [
            restate_suggestion(c, "" if pd.isna(t) else str(t), report.profile)
            for c, t in zip(out["suggested_class"].tolist(), subtype.tolist(), strict=True)
        ]
        out["suggested_class"] = [c for c, _ in restated]
        if "suggested_subtype" in out:
            out["suggested_subtype"] = [t for _, t in restated]
    final = np.where(
        determined,
        out["determination"].to_numpy(dtype=object),
        out["suggested_class"].to_numpy(dtype=object),
    )
    out["final_class"] = final
    out["class_source"] = np.where(determined, "determination", "suggested")

    # flag_military: military land for certain; an ambiguous marking stays in its
    # own field (and sealed), for a person to decide (rsgeo.schema.military)
    military = (military_status(out) == "sealed").to_numpy()
    if "military" in aligned.columns:
        marked = military_status(pd.DataFrame({"military": aligned["military"].to_numpy()}))
        military = military | (marked == "sealed").to_numpy()
        unsure = (marked == "ambiguous").to_numpy() & ~military
        if unsure.any():  # the table's ambiguous marking, kept where it can be read
            column = out["military"].astype(object) if "military" in out.columns else None
            out["military"] = column if column is not None else None
            out.loc[unsure, "military"] = aligned["military"].to_numpy()[unsure]
    out["flag_military"] = military.astype(bool)

    report.n_applied = int(det.index.isin(keys).sum())
    out.attrs = {**classified.attrs, "rsgeo_determinations_report": report}
    return out
