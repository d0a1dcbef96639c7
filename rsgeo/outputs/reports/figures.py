"""The figures the reports print, taken and rounded as the workbook prints them.

Nothing is computed here that a stage computes: the township figures are the
columns of :func:`rsgeo.township_stats` (ordinary patches only), the patch
figures those of :func:`rsgeo.patch_figures`, the criteria and their reasons
those the statistics carry. What happens here is the printing: the same
headers as the workbook's 乡镇汇总 (:data:`rsgeo.outputs.workbook.SUMMARY_COLUMNS`
with the unit), areas in 亩 to 2 decimals with the township rows adjusted by
largest remainders to the county row (:func:`rsgeo.geo.units.round_preserving_total`),
percentages to 2 decimals, all rounded half-up (:func:`rsgeo.geo.units.format_half_up`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rsgeo._util import flag_column
from rsgeo.geo.units import M2_PER_MU, format_half_up, round_half_up
from rsgeo.outputs.workbook import SUMMARY_COLUMNS, shown_areas
from rsgeo.schema.labels import COLUMN_LABELS, CRITERION_NAMES
from rsgeo.schema.military import is_military
from rsgeo.schema.reports import ACCOUNTABILITY_COLUMNS, MET_WORDS, NUMERALS, PATCH_COLUMNS
from rsgeo.stats.township import TOTAL_LABEL, row_name, summed_rows, township_rows

__all__ = [
    "AREA_DECIMALS",
    "ShownFigures",
    "accountability_rows",
    "listed_patches",
    "patch_rows",
    "shown_figures",
    "suggested_count",
    "township_positions",
]

AREA_DECIMALS = 2
"""Decimals of areas in 亩 (DOMAIN.md: 亩 and m² to 2 decimals)."""
_UNIT = "亩"


def unit_header(header: str, unit: str = _UNIT) -> str:
    """A header with its unit, as the workbook writes it.

    >>> unit_header("图斑总面积"), unit_header("违法用地面积（扣减后）")
    ('图斑总面积（亩）', '违法用地面积（扣减后，亩）')
    """
    if header.endswith("）"):
        return f"{header[:-1]}，{unit}）"
    return f"{header}（{unit}）"


@dataclass(frozen=True)
class ShownFigures:
    """The township figures as printed: one row per township, the outside row, the total.

    Attributes
    ----------
    values : pandas.DataFrame
        Indexed by row code (township codes, ``outside``, ``total``), one
        column per printed header; counts as int, areas and percentages
        already rounded (floats, NaN where the figure cannot be computed),
        text as str.
    headers : dict
        The printed header of each statistics column (``area_m2`` →
        ``图斑总面积（亩）``).
    decimals : dict
        Decimals of each numeric header (0 for counts).
    townships : tuple of str
        The township codes (no outside or total row), in the order of the statistics.
    """

    values: pd.DataFrame
    headers: dict[str, str]
    decimals: dict[str, int]
    townships: tuple[str, ...]

    def header(self, column: str) -> str:
        """The printed header of a statistics column."""
        return self.headers[column]

    def text(self, code: Any, column: str) -> str:
        """The printed text of one figure (— where it cannot be computed)."""
        header = self.headers[column]
        value: Any = self._cells[header][str(code)]
        if header not in self.decimals:
            return (
                ""
                if value is None or (isinstance(value, float) and np.isnan(value))
                else str(value)
            )
        return format_half_up(value, self.decimals[header])

    @functools.cached_property
    def _cells(self) -> dict[str, dict[str, Any]]:
        """Header → row code → value (the values' own scalars), for :meth:`text`."""
        codes = [str(c) for c in self.values.index]
        return {
            str(h): dict(zip(codes, self.values[h].to_numpy(), strict=True))
            for h in self.values.columns
        }

    def has(self, column: str) -> bool:
        """Whether the statistics had this column."""
        return column in self.headers


def shown_figures(stats: pd.DataFrame) -> ShownFigures:
    """The township figures of ``stats`` as the workbook's 乡镇汇总 prints them (areas in 亩).

    Parameters
    ----------
    stats : pandas.DataFrame
        Output of :func:`rsgeo.township_stats` with its total row.

    Returns
    -------
    ShownFigures
    """
    rows = summed_rows(stats)  # townships, then the outside row: they add up to the total
    codes = [*rows.index.astype(str), TOTAL_LABEL]
    table: dict[str, list[Any]] = {}
    headers: dict[str, str] = {}
    decimals: dict[str, int] = {}
    for col, header, kind in SUMMARY_COLUMNS:
        if col not in stats.columns:
            continue
        total = stats[col][TOTAL_LABEL]
        values: list[Any]
        if kind == "text":
            if col == "township_name":
                values = [row_name(c, n) for c, n in rows[col].items()]
                values.append(row_name(TOTAL_LABEL))
            else:
                values = [*("" if pd.isna(v) else str(v) for v in rows[col]), ""]
        elif kind == "count":
            values = [*rows[col].astype("int64").tolist(), int(total)]
            decimals[header] = 0
        elif kind == "area":
            header = unit_header(header)
            shown = shown_areas(stats, col, decimals=AREA_DECIMALS)
            values = [*shown[0], shown[1]] if shown else [float("nan")] * len(codes)
            decimals[header] = AREA_DECIMALS
        else:  # a rate: a percentage to 2 decimals
            rates = [*rows[col].astype("float64"), float(total)]
            values = [round_half_up(v * 100, 2) if np.isfinite(v) else float("nan") for v in rates]
            decimals[header] = 2
        headers[col] = header
        table[header] = values
    frame = pd.DataFrame(table, index=pd.Index(codes, dtype=object))
    towns = tuple(township_rows(stats).index.astype(str))
    return ShownFigures(values=frame, headers=headers, decimals=decimals, townships=towns)


def criteria_met(stats: pd.DataFrame, code: str) -> list[int]:
    """The criteria (1–5) a township meets, as the statistics say."""
    met = []
    for k in CRITERION_NAMES:
        col = f"criterion_{k}"
        if col in stats.columns and bool(pd.Series([stats.at[code, col]]).fillna(False).iloc[0]):
            met.append(k)
    return met


def criterion_title(k: int) -> str:
    """标准一：… as the workbook's 问责预警 heads it."""
    return f"标准{NUMERALS[k - 1]}：{CRITERION_NAMES[k]}"


ACCOUNTABILITY_FIGURES: tuple[str, ...] = (
    "illegal_farmland_after_deductions_m2",
    "illegal_farmland_ratio",
    "n_mineral_illegal",
    "performance_rate",
    "rectification_rate",
)
"""The figures shown beside each township of the 约谈/问责建议 list."""


def accountability_rows(stats: pd.DataFrame, shown: ShownFigures) -> pd.DataFrame:
    """The townships meeting a criterion, with the figures and reasons behind each.

    One row per township meeting at least one of criteria 1–5 (in the order of
    the statistics): its code and name, the criteria met (一、三), the printed
    figures of :data:`ACCOUNTABILITY_FIGURES` and the reason the statistics
    give for each criterion met. Figures as :class:`ShownFigures` holds them
    (rounded numbers; ``shown.decimals`` says how to print each).
    """
    towns = township_rows(stats)
    records = []
    for code in towns.index.astype(str):
        met = criteria_met(towns, code)
        if not met:
            continue
        record = {
            COLUMN_LABELS["township_code"]: code,
            shown.header("township_name"): shown.text(code, "township_name"),
            ACCOUNTABILITY_COLUMNS["criteria"]: "、".join(NUMERALS[k - 1] for k in met),
        }
        for col in ACCOUNTABILITY_FIGURES:
            if shown.has(col):
                record[shown.header(col)] = shown.values.at[code, shown.header(col)]
        record[ACCOUNTABILITY_COLUMNS["reasons"]] = "；".join(
            f"{criterion_title(k)}，{towns.at[code, f'criterion_{k}_reason']!s}" for k in met
        )
        records.append(record)
    columns = [
        COLUMN_LABELS["township_code"],
        shown.header("township_name"),
        ACCOUNTABILITY_COLUMNS["criteria"],
        *(shown.header(c) for c in ACCOUNTABILITY_FIGURES if shown.has(c)),
        ACCOUNTABILITY_COLUMNS["reasons"],
    ]
    return pd.DataFrame.from_records(records, columns=columns)


_LISTED = (
    "township_code",
    "batch",
    "change_type",
    "area_m2",
    "final_class",
    "rectification_method",
    "flag_pbf",
    "class_source",
)


def listed_patches(result: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """The ordinary patches with the columns the reports list, one light table for all.

    Military-land patches are dropped; geometry and the columns no report
    lists are left behind, and the counted illegal farmland of ``figures``
    is joined by patch id (``counted_illegal_farmland_m2``). Made once per
    run: :func:`township_positions` then finds each township's rows.
    """
    keep = ~is_military(result).to_numpy()
    cols = [c for c in _LISTED if c in result.columns]
    listed = pd.DataFrame({c: result[c].to_numpy()[keep] for c in cols}, index=result.index[keep])
    if "counted_illegal_farmland_m2" in figures.columns:
        counted = figures["counted_illegal_farmland_m2"].reindex(listed.index)
        listed["counted_illegal_farmland_m2"] = counted.to_numpy()
    return listed


def township_positions(listed: pd.DataFrame) -> dict[str, np.ndarray]:
    """Township code → positions of its rows in ``listed``, in the table's order."""
    if "township_code" not in listed.columns or not len(listed):
        return {}
    codes = listed["township_code"].astype(str).to_numpy()
    groups = pd.Series(np.arange(len(codes))).groupby(codes, sort=False)
    return {str(code): np.asarray(pos, dtype=np.int64) for code, pos in groups.indices.items()}


def patch_rows(listed: pd.DataFrame) -> pd.DataFrame:
    """The patches of one township as listed, with their printed figures.

    ``listed`` is a slice of :func:`listed_patches` (the township's rows: a
    patch crossing townships is listed under the one holding most of it, as
    in 图斑明细). Areas in 亩 to 2 decimals, rounded half-up.
    """
    table: dict[str, list[str]] = {PATCH_COLUMNS["patch_id"]: listed.index.astype(str).tolist()}
    for col in ("batch", "change_type"):
        if col in listed.columns:
            table[COLUMN_LABELS[col]] = [_text(v) for v in listed[col]]
    if "area_m2" in listed.columns:
        area = pd.to_numeric(listed["area_m2"], errors="coerce").astype("float64") / M2_PER_MU
    else:
        area = pd.Series(float("nan"), index=listed.index)
    table[PATCH_COLUMNS["area_mu"]] = [format_half_up(v, AREA_DECIMALS) for v in area]
    if "final_class" in listed.columns:
        table[COLUMN_LABELS["final_class"]] = [_text(v) for v in listed["final_class"]]
    if "counted_illegal_farmland_m2" in listed.columns:
        counted = listed["counted_illegal_farmland_m2"].astype("float64") / M2_PER_MU
        table[PATCH_COLUMNS["counted_farmland_mu"]] = [
            format_half_up(v, AREA_DECIMALS) for v in counted
        ]
    if "rectification_method" in listed.columns:
        table[COLUMN_LABELS["rectification_method"]] = [
            _text(v) for v in listed["rectification_method"]
        ]
    pbf = flag_column(listed, "flag_pbf")
    table[PATCH_COLUMNS["flag_pbf"]] = [MET_WORDS[bool(v)] for v in pbf.tolist()]
    return pd.DataFrame(table)


def suggested_count(listed: pd.DataFrame) -> int:
    """Patches of ``listed`` (:func:`listed_patches`, or a slice) whose class rests on a suggestion."""
    if "class_source" not in listed.columns:
        return 0
    return int((listed["class_source"].astype(str) == "suggested").sum())


def _text(value: Any) -> str:
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)
