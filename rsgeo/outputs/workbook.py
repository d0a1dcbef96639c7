"""The county workbook (Excel) and CSV tables.

:func:`write_workbook` writes the workbook a county office hands in: Chinese
headers with units, figures rounded as DOMAIN.md says (亩 and m² to 2 decimals,
公顷 to 4, percentages to 2) and township rows adjusted by largest remainders
(平差) so they add up to the county total row. :func:`write_csv` writes any
rsgeo table with its English snake_case columns, full precision, for scripts.

Military-land patches are in no figure and no listing: the statistics are
computed from ordinary patches only and every patch listing goes through
:func:`rsgeo.schema.military.ordinary` first.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from rsgeo._util import choice_problem, flag_column
from rsgeo.errors import InputError
from rsgeo.geo.units import M2_PER_HA, M2_PER_MU, round_half_up, round_preserving_total
from rsgeo.options import CriteriaThresholds, StatsOptions
from rsgeo.outputs.csv_tables import patch_csv_table, write_csv
from rsgeo.outputs.excel import (
    PrintHeading,
    Sheet,
    check_outputs,
    new_workbook,
    save_workbook,
    write_sheet,
)
from rsgeo.schema.cells import parse_date
from rsgeo.schema.labels import (
    CLASS_SOURCE_LABELS,
    COLUMN_LABELS,
    CRITERION_NAMES,
    FLAG_LABELS,
    PRINT_LABELS,
    ROLE_LABELS,
    TOTAL_ROW_NAME,
)
from rsgeo.schema.military import is_military, ordinary
from rsgeo.schema.profiles import resolve_profile
from rsgeo.stats.township import (
    OUTSIDE_LABEL,
    TOTAL_LABEL,
    row_name,
    summed_rows,
    township_rows,
)

__all__ = ["SUMMARY_COLUMNS", "AreaUnit", "write_workbook"]

AreaUnit = Literal["mu", "ha", "m2"]
_UNIT = {"mu": ("亩", M2_PER_MU, 2), "ha": ("公顷", M2_PER_HA, 4), "m2": ("平方米", 1.0, 2)}

# (stats column, Chinese header, kind); kind: text, count, area, pct
SUMMARY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("township_name", "乡镇名称", "text"),
    ("n_patches", "图斑总数（个）", "count"),
    ("n_legal", "合法图斑（个）", "count"),
    ("n_illegal", "违法图斑（个）", "count"),
    ("n_other", "其他图斑（个）", "count"),
    ("n_non_grain", "非粮违法图斑（个，单列）", "count"),
    ("area_m2", "图斑总面积", "area"),
    ("non_grain_area_m2", "非粮违法面积（单列）", "area"),
    ("construction_area_m2", "新增建设用地面积", "area"),
    ("construction_farmland_m2", "图斑中新增建设用地占用耕地面积", "area"),
    ("denominator_m2", "比例分母：新增建设用地占用耕地面积", "area"),
    ("illegal_area_m2", "违法用地面积（扣减前）", "area"),
    ("deducted_area_m2", "扣减违法用地面积", "area"),
    ("illegal_area_after_deductions_m2", "违法用地面积（扣减后）", "area"),
    ("illegal_farmland_m2", "违法占用耕地面积（扣减前）", "area"),
    ("deducted_farmland_m2", "扣减违法占用耕地面积", "area"),
    ("illegal_farmland_after_deductions_m2", "违法占用耕地面积（扣减后）", "area"),
    ("illegal_farmland_ratio", "违法占用耕地比例（%）", "pct"),
    ("n_deducted", "扣减图斑（个）", "count"),
    ("n_illegal_after_deductions", "违法图斑（扣减后，个）", "count"),
    ("n_illegal_pbf", "违法占用永久基本农田图斑（扣减后，个）", "count"),
    ("illegal_pbf_m2", "违法占用永久基本农田面积（扣减后）", "area"),
    ("n_illegal_redline", "违法占用生态保护红线图斑（扣减后，个）", "count"),
    ("illegal_redline_m2", "违法占用生态保护红线面积（扣减后）", "area"),
    ("n_mineral", "矿产图斑（个）", "count"),
    ("mineral_area_m2", "矿产图斑面积", "area"),
    ("n_mineral_illegal", "违法矿产图斑（扣减后，个）", "count"),
    ("mineral_illegal_area_m2", "违法矿产图斑面积（扣减后）", "area"),
    ("n_mineral_unrectified", "违法矿产图斑未整改（个）", "count"),
    ("n_rare_earth_illegal", "违法稀土矿产图斑（个）", "count"),
    ("n_illegal_stock", "存量违法图斑（个，不计入本年比例）", "count"),
    ("illegal_stock_area_m2", "存量违法用地面积", "area"),
    ("illegal_stock_farmland_m2", "存量违法占用耕地面积", "area"),
    ("performance_rate", "履职率（%）", "pct"),
    ("rectification_rate", "查处整改到位率（%）", "pct"),
    ("criteria_met", "触发问责标准", "text"),
)

# (column, Chinese header, kind) of the patch listings; kind: text, m2, mu, flag, date
_PATCH_SPEC: tuple[tuple[str, str, str], ...] = (
    ("township_code", COLUMN_LABELS["township_code"], "text"),
    ("township_name", "乡镇名称", "text"),
    ("_batches", COLUMN_LABELS["batch"], "text"),
    ("change_type", COLUMN_LABELS["change_type"], "text"),
    ("land_class_name", COLUMN_LABELS["land_class_name"], "text"),
    ("date_before", COLUMN_LABELS["date_before"], "date"),
    ("date_after", COLUMN_LABELS["date_after"], "date"),
    ("area_m2", "图斑面积（平方米）", "m2"),
    ("_area_mu", "图斑面积（亩）", "mu"),
    ("reported_area_m2", PRINT_LABELS["reported_area"], "m2"),
    ("_area_difference_m2", PRINT_LABELS["area_difference"], "m2"),
    ("point_x_m", PRINT_LABELS["center_x"], "xy"),
    ("point_y_m", PRINT_LABELS["center_y"], "xy"),
    ("point_lon", PRINT_LABELS["center_lon"], "lonlat"),
    ("point_lat", PRINT_LABELS["center_lat"], "lonlat"),
    ("farmland_net_m2", "占用耕地面积（扣除田坎，平方米）", "m2"),
    ("pbf_m2", "占用永久基本农田面积（平方米）", "m2"),
    ("redline_m2", "占用生态保护红线面积（平方米）", "m2"),
    ("n_townships", "涉及乡镇数（个）", "count"),
    ("flag_pbf", "是否涉及永久基本农田", "flag"),
    ("flag_redline", "是否涉及生态保护红线", "flag"),
    ("flag_protected", "是否涉及自然保护地", "flag"),
    ("in_urban", "是否在城镇开发边界内", "flag"),
    ("flag_mineral", "是否矿产图斑", "flag"),
    ("flag_rare_earth", "是否稀土等重要矿种", "flag"),
    ("approved_doc_number", COLUMN_LABELS["approved_doc_number"], "text"),
    ("mining_rights_licence_number", COLUMN_LABELS["mining_rights_licence_number"], "text"),
    ("suggested_class", "建议判定", "text"),
    ("suggested_reason", "建议依据", "text"),
    ("final_class", COLUMN_LABELS["determination"], "text"),
    ("_class_source", COLUMN_LABELS["class_source"], "text"),
    ("determination_subtype", COLUMN_LABELS["determination_subtype"], "text"),
    ("actual_use", COLUMN_LABELS["actual_use"], "text"),
    ("illegal_type", COLUMN_LABELS["illegal_type"], "text"),
    ("_illegal_area_m2", "计入违法面积（平方米）", "m2"),
    ("_illegal_farmland_m2", "计入违法占用耕地面积（平方米）", "m2"),
    ("rectification_method", COLUMN_LABELS["rectification_method"], "text"),
    ("rectification_date", COLUMN_LABELS["rectification_date"], "date"),
    ("rectified_area_m2", "整改面积（平方米）", "m2"),
    ("_deducted", "是否扣减", "text"),
    ("_deduction_class", COLUMN_LABELS["deduction_class"], "text"),
    ("case_age", COLUMN_LABELS["case_age"], "text"),
    ("case_number", COLUMN_LABELS["case_number"], "text"),
    ("responsible_party", COLUMN_LABELS["responsible_party"], "text"),
    ("note", COLUMN_LABELS["note"], "text"),
)
_PATCH_COLUMNS: tuple[tuple[str, str, str], ...] = tuple(
    (col, f"是否{FLAG_LABELS[col]}" if kind == "flag" else COLUMN_LABELS.get(col, header), kind)
    for col, header, kind in _PATCH_SPEC
)
"""The patch listings' columns: flags and text columns are labelled from ``rsgeo.schema.labels``."""
_PATCH_PRINTED = (
    "township_name",
    "area_m2",
    "_area_mu",
    "farmland_net_m2",
    "final_class",
    "_class_source",
    "_illegal_area_m2",
    "_deducted",
    "rectification_method",
    "note",
)
"""The patch listings' columns that print (after 监测编号), in this order: what a
county signs for each patch. The other columns follow on screen only."""
_MINERAL_SKIP = {"flag_mineral", "flag_pbf", "flag_redline", "flag_protected", "in_urban"}

_FORMATS = {
    "count": "0",
    "pct": "0.00",
    "m2": "0.00",
    "mu": "0.00",
    "ha": "0.0000",
    "xy": "0.00",
    "lonlat": "0.000000",
}
_DECIMALS = {"m2": 2, "mu": 2, "xy": 2, "lonlat": 6}


def _unit_header(header: str, unit: str) -> str:
    if header.endswith("）"):
        return f"{header[:-1]}，{unit}）"
    return f"{header}（{unit}）"


_APART_COLUMNS = ("n_non_grain", "non_grain_area_m2")
"""Summary columns shown only when the profile counts a class apart (2026)."""


def shown_areas(
    stats: pd.DataFrame, column: str, *, factor: float = M2_PER_MU, decimals: int = 2
) -> tuple[list[float], float] | None:
    """An area column of 乡镇汇总 as it is printed: rows and total, or None without a total.

    The rows that add up to the total (:func:`rsgeo.stats.township.summed_rows`:
    the townships, then the outside row) and the total, in square metres / ``factor``,
    rounded half-up; the rows adjusted by largest remainders (平差) so that they add up
    to the rounded total. The map and the reports print the workbook's figures
    through this too.

    Examples
    --------
    >>> stats = pd.DataFrame({"a_m2": [1000.0, 1000.0, 1000.0, 3000.0]},
    ...                      index=["1", "2", "3", "total"])
    >>> shown_areas(stats, "a_m2")
    ([1.5, 1.5, 1.5], 4.5)
    """
    total = float(stats[column][TOTAL_LABEL]) / factor
    if not np.isfinite(total):
        return None
    raw = summed_rows(stats)[column].astype("float64").to_numpy() / factor
    rows = round_preserving_total(raw, decimals=decimals, total=total)
    return [float(v) for v in rows], round_half_up(total, decimals)


def _summary_sheet(stats: pd.DataFrame, area_unit: str, *, apart: bool = False) -> Sheet:
    unit, factor, decimals = _UNIT[area_unit]
    # township rows, then the outside row when there is one: they add up to the total
    towns = summed_rows(stats)
    codes = ["" if c == OUTSIDE_LABEL else c for c in towns.index.astype(str)]
    sheet = Sheet("乡镇汇总", units=f"{PRINT_LABELS['area_unit']}：{unit}", key_columns=2)
    sheet.add(COLUMN_LABELS["township_code"], [*codes, TOTAL_ROW_NAME])
    for col, header, kind in SUMMARY_COLUMNS:
        if col not in stats.columns or (col in _APART_COLUMNS and not apart):
            continue
        total = stats[col][TOTAL_LABEL]
        if kind == "text":
            if col == "township_name":
                names = [*(row_name(c, n) for c, n in towns[col].items()), ""]
            else:
                names = [*towns[col].tolist(), ""]
            sheet.add(header, names)
        elif kind == "count":
            sheet.add(header, [*towns[col].astype("int64"), int(total)], _FORMATS["count"])
        elif kind == "area":
            shown = shown_areas(stats, col, factor=factor, decimals=decimals)
            rounded, tot_rounded = shown if shown else ([None] * len(towns), None)
            sheet.add(_unit_header(header, unit), [*rounded, tot_rounded], _FORMATS[area_unit])
        else:
            values = [*towns[col].astype("float64"), float(total)]
            pct = [None if not np.isfinite(v) else round_half_up(v * 100, 2) for v in values]
            sheet.add(header, pct, _FORMATS["pct"])
    sheet.bold_rows.add(len(towns))
    return sheet


def _criteria_sheet(stats: pd.DataFrame, summary: Sheet) -> Sheet:
    towns = township_rows(stats)
    n = len(towns)
    sheet = Sheet("问责预警", units=summary.units, key_columns=2)
    take = {COLUMN_LABELS["township_code"], "乡镇名称", "违法占用耕地比例（%）"}
    for header, fmt, values in zip(summary.headers, summary.formats, summary.columns, strict=True):
        if header in take or header.startswith("违法占用耕地面积（扣减后"):
            sheet.add(header, values[:n], fmt)
    numbers = "一二三四五"
    for k in range(1, 6):
        col = f"criterion_{k}"
        if col not in towns.columns:
            continue
        sheet.add(f"标准{numbers[k - 1]}：{CRITERION_NAMES[k]}", towns[col].astype(bool).tolist())
        sheet.flag_columns.add(len(sheet.headers) - 1)
        sheet.add(f"标准{numbers[k - 1]}说明", towns[f"{col}_reason"].tolist())
    if "criteria_met" in towns.columns:
        sheet.add("触发问责标准", towns["criteria_met"].tolist())
    return sheet


def _lists_sheet(lists: pd.DataFrame, area_unit: str, summary: Sheet) -> Sheet:
    unit, factor, decimals = _UNIT[area_unit]
    # the same (adjusted) figures as the summary sheet
    codes = summary.columns[0]
    area_header = _unit_header("违法占用耕地面积（扣减后）", unit)
    shown = (
        dict(zip(codes, summary.columns[summary.headers.index(area_header)], strict=True))
        if area_header in summary.headers
        else {}
    )
    sheet = Sheet("红黑榜", units=f"{PRINT_LABELS['area_unit']}：{unit}", key_columns=4)
    sheet.add("榜单", ["红榜" if v == "red" else "黑榜" for v in lists["list"]])
    sheet.add("名次", lists["rank"].astype("int64").tolist(), "0")
    sheet.add(COLUMN_LABELS["township_code"], lists.index.astype(str).tolist())
    sheet.add("乡镇名称", lists["township_name"].tolist())
    if "criteria_met" in lists.columns:
        sheet.add("触发问责标准", lists["criteria_met"].tolist())
    for col, header in (
        ("illegal_farmland_ratio", "违法占用耕地比例（%）"),
        ("rectification_rate", "查处整改到位率（%）"),
        ("performance_rate", "履职率（%）"),
    ):
        if col in lists.columns:
            values = lists[col].astype("float64")
            sheet.add(
                header,
                [None if not np.isfinite(v) else round_half_up(v * 100, 2) for v in values],
                "0.00",
            )
    col = "illegal_farmland_after_deductions_m2"
    if col in lists.columns:
        values = lists[col].astype("float64") / factor
        sheet.add(
            area_header,
            [
                shown.get(str(code), round_half_up(v, decimals))
                for code, v in zip(lists.index, values, strict=True)
            ],
            _FORMATS[area_unit],
        )
    sheet.add("说明", lists["reason"].tolist())
    return sheet


_PIECES_PRINTED = (
    "area_m2",
    "construction_area_m2",
    "construction_farmland_m2",
    "illegal_area_after_deductions_m2",
    "illegal_farmland_after_deductions_m2",
    "illegal_pbf_m2",
)
"""The pieces sheet's areas that print (after 监测编号, 乡镇代码, 乡镇名称 and
计入图斑个数), in this order; the other areas follow on screen only."""


def _pieces_sheet(pieces: pd.DataFrame, area_unit: str, summary: Sheet) -> Sheet:
    """One row per patch × township piece; SUMIF by township gives the summary's figures.

    Each area column is rounded within each township so that its pieces add up
    to the township's figure on the summary sheet (the same 平差).
    """
    unit, factor, decimals = _UNIT[area_unit]
    sheet = Sheet(PRINT_LABELS["pieces_sheet"], units=summary.units, print_columns=4)
    codes = pieces["township_code"].astype(str)
    shown_codes = ["" if c == OUTSIDE_LABEL else c for c in codes]
    sheet.add("监测编号", pieces["patch_id"].astype(str).tolist())
    sheet.add(COLUMN_LABELS["township_code"], shown_codes)
    sheet.add(
        "乡镇名称",
        [row_name(c, n) for c, n in zip(codes, pieces["township_name"], strict=True)],
    )
    sheet.add(PRINT_LABELS["counted"], pieces["is_counted"].astype("int64").tolist(), "0")
    summary_codes = summary.columns[0]
    order = {col: k for k, col in enumerate(_PIECES_PRINTED)}
    for col, header, kind in sorted(SUMMARY_COLUMNS, key=lambda c: order.get(c[0], len(order))):
        head = _unit_header(header, unit)
        if kind != "area" or col not in pieces.columns or head not in summary.headers:
            continue
        township_figure = dict(
            zip(summary_codes, summary.columns[summary.headers.index(head)], strict=True)
        )
        raw = pieces[col].astype("float64").to_numpy() / factor
        out = np.full(len(raw), np.nan)
        for code, rows in pd.Series(np.arange(len(raw))).groupby(np.asarray(shown_codes)):
            target = township_figure.get(code)
            if target is None:
                continue
            idx = rows.to_numpy()
            out[idx] = round_preserving_total(raw[idx], decimals=decimals, total=target)
        sheet.add(head, out.tolist(), _FORMATS[area_unit])  # NaN: an empty cell
        if col in order:
            sheet.print_columns = len(sheet.headers)
    return sheet


def _patch_sheet(title: str, table: pd.DataFrame, figures: pd.DataFrame, *, mineral: bool) -> Sheet:
    sheet = Sheet(title, units=f"{PRINT_LABELS['area_unit']}：平方米、亩", print_columns=1)
    sheet.add("监测编号", table.index.astype(str).tolist())
    derived = {
        "_area_mu": lambda t: (
            pd.to_numeric(t["area_m2"], errors="coerce") / M2_PER_MU
            if "area_m2" in t.columns
            else None
        ),
        "_class_source": lambda t: (
            t["class_source"].map(dict(CLASS_SOURCE_LABELS))
            if "class_source" in t.columns
            else None
        ),
        "_batches": lambda t: (
            t["batches"] if "batches" in t.columns else t["batch"] if "batch" in t.columns else None
        ),
        "_area_difference_m2": lambda t: (
            pd.to_numeric(t["area_m2"], errors="coerce")
            - pd.to_numeric(t["reported_area_m2"], errors="coerce")
            if {"area_m2", "reported_area_m2"} <= set(t.columns)
            else None
        ),
        "_illegal_area_m2": lambda t: figures["counted_illegal_area_m2"],
        "_illegal_farmland_m2": lambda t: figures["counted_illegal_farmland_m2"],
        "_deducted": lambda t: _deducted_text(figures),
        "_deduction_class": lambda t: (
            figures["deduction_class"] if "deduction_class" in figures.columns else None
        ),
    }
    order = {col: k for k, col in enumerate(_PATCH_PRINTED)}
    columns = sorted(_PATCH_COLUMNS, key=lambda c: order.get(c[0], len(order)))
    for col, header, kind in columns:
        if mineral and col in _MINERAL_SKIP:
            continue
        if col in derived:
            values = derived[col](table)
            if values is None:
                continue
        elif col in table.columns:
            values = table[col]
        else:
            continue
        values = pd.Series(values).reindex(table.index) if len(table) else pd.Series([])
        if col in order:
            sheet.print_columns = len(sheet.headers) + 1
        if kind in _DECIMALS:
            nums = pd.to_numeric(values, errors="coerce").astype("float64")
            rounded = round_half_up(nums.to_numpy(), _DECIMALS[kind])
            sheet.add(header, rounded.tolist(), _FORMATS[kind])  # NaN: an empty cell
        elif kind == "count":
            sheet.add(header, values.tolist(), "0")
        elif kind == "flag":
            sheet.add(header, flag_column(table, col).tolist())
        elif kind == "date":
            sheet.add(header, [_date_cell(v) for v in values.tolist()], "yyyy-mm-dd")
        else:
            sheet.add(header, values.tolist())
    return sheet


def _date_cell(value: Any) -> Any:
    try:
        day = parse_date(value)
    except ValueError:
        return str(value)
    return None if day is None else _dt.datetime(day.year, day.month, day.day)


def _deducted_text(figures: pd.DataFrame) -> pd.Series:
    share = figures["deducted_share"].astype("float64")
    text = pd.Series("", index=figures.index, dtype=object)
    illegal = figures["is_illegal"].astype(bool)
    text[illegal] = "否"
    text[illegal & (share >= 1.0)] = "是"
    text[illegal & (share > 0) & (share < 1.0)] = "部分扣减"
    return text


_CMP = {">=": "≥", ">": ">"}


def _criterion_3_text(t: CriteriaThresholds) -> str:
    parts = []
    if t.mineral_top_n:
        parts.append(f"违法矿产图斑数全县排序前 {t.mineral_top_n} 位")
    if t.mineral_unrectified_min is not None:
        parts.append(
            f"查处不力（违法矿产图斑未整改不少于 {t.mineral_unrectified_min} 个，且占该乡镇违法"
            f"矿产图斑的 {t.mineral_unrectified_share_min * 100:g}% 及以上）"
        )
    if t.rare_earth_triggers:
        parts.append("违法开采稀土等重要矿种")
    return "；或".join(parts) + "。" if parts else "不计算。"


def _profile_of(options: StatsOptions, result: pd.DataFrame | None) -> str:
    """The profile the figures speak: the one set, else the one ``final_class`` speaks."""
    if options.profile != "auto":
        return options.profile
    if result is None or "final_class" not in result.columns:
        return resolve_profile([], source="final_class").profile
    return resolve_profile(result["final_class"].tolist(), source="final_class").profile


def _notes_sheet(
    area_unit: str,
    options: StatsOptions,
    thresholds: CriteriaThresholds,
    n_sealed: int,
    profile: str = "2020",
) -> Sheet:
    unit, _factor, decimals = _UNIT[area_unit]
    illegal, legal, apart = options.classes(profile)
    classes = (
        f"按 {profile} 年口径：{'、'.join(illegal)}计为违法，{'、'.join(legal)}计为合法"
        + (f"，{'、'.join(apart)}单列统计，不计入违法占用耕地比例和问责标准" if apart else "")
        + "，其余分类计为其他。"
    )
    ratio_min = thresholds.ratio_min * 100
    mu_min = thresholds.illegal_farmland_min_mu
    methods = "、".join(options.deductible_methods)
    basis = "按图斑个数" if options.rate_basis == "count" else "按违法面积"
    net = "扣除田坎后的净面积" if options.farmland_basis == "net" else "毛面积（未扣除田坎）"
    rows = [
        ("判定口径", classes),
        ("面积", "CGCS2000 椭球面积；1 亩 = 10000/15 平方米，1 公顷 = 15 亩。"),
        (
            "取舍与平差",
            f"面积以{unit}为单位保留 {decimals} 位小数（平方米、亩 2 位，公顷 4 位），"
            "比例以百分数保留 2 位小数，均四舍五入（0.005 进为 0.01）。计算全部使用未取舍的数值；乡镇汇总表中各乡镇面积按最大余数法"
            "平差，使各乡镇之和等于合计行。",
        ),
        (
            "扣减",
            f"违法图斑在 {options.cutoff.isoformat()}（含当日）前以{methods}方式"
            "消除违法状态的，不再作为违法统计；整改面积小于违法面积的按整改面积部分扣减。",
        ),
        (
            "违法占用耕地比例",
            "扣减后违法占用耕地面积 ÷ 新增建设用地占用耕地面积（比例分母，来源见乡镇汇总表的注）；"
            f"耕地面积为{net}。分母为 0 时比例无法计算，表中留空。",
        ),
        (
            "问责标准一",
            f"违法占用耕地比例 {_CMP[thresholds.ratio_comparator]} {ratio_min:g}% 且违法占用耕地面积 "
            f"{_CMP[thresholds.illegal_farmland_comparator]} {mu_min:g} 亩（均按未取舍数值判断）。",
        ),
        ("问责标准二、五", "由人工认定，表中列出认定说明。"),
        ("问责标准三", _criterion_3_text(thresholds)),
        (
            "问责标准四",
            f"履职率或查处整改到位率全县排序靠后（{basis}计算）。"
            "履职率 = 已立案或已查处整改的违法图斑 ÷ 违法图斑；查处整改到位率 = 整改到位的违法图斑 ÷ 违法图斑。",
        ),
        (
            "红黑榜",
            "触发问责标准的乡镇列入黑榜；其余乡镇按触发标准数、违法占用耕地比例、查处整改到位率、"
            "履职率、违法占用耕地面积、违法用地面积排序，靠前者列入红榜。",
        ),
        (
            ROLE_LABELS["military"],
            "军用土地图斑不计入本表的任何数字、名单和明细，按规定以机要件单独上报。"
            + (f"另有 {n_sealed} 个图斑单独报送。" if n_sealed else ""),
        ),
        ("图斑计数", "跨乡镇图斑的面积按各乡镇内的面积分别计入；图斑个数计入面积最大的乡镇。"),
    ]
    sheet = Sheet("说明")
    sheet.add("项目", [r[0] for r in rows])
    sheet.add("内容", [r[1] for r in rows])
    return sheet


def write_workbook(
    path: str | os.PathLike[str],
    stats: pd.DataFrame,
    result: pd.DataFrame | None = None,
    lists: pd.DataFrame | None = None,
    *,
    figures: pd.DataFrame | None = None,
    options: StatsOptions,
    thresholds: CriteriaThresholds,
    area_unit: AreaUnit = "mu",
    n_sealed: int = 0,
    pieces: pd.DataFrame | None = None,
    title: str = "",
    filing_unit: str = "",
    date: _dt.date | None = None,
    csv: bool = False,
    overwrite: bool = False,
) -> Path:
    """Write the county workbook (.xlsx) from the figures it is handed.

    Sheets: 乡镇汇总 (township figures and the 合计 row), 图斑明细 (one row per
    ordinary patch), 问责预警 (criteria 1–5 with reasons), 红黑榜, 矿产图斑 and
    说明 (definitions, thresholds, rounding and 平差). Military-land patches
    are in no figure, list or row (the statistics handed in leave them out). Nothing is recomputed here: the
    statistics, per-patch figures, lists, options and thresholds are the ones
    the stages produced and used.

    Parameters
    ----------
    path : str or path-like
        The ``.xlsx`` file to write.
    stats : pandas.DataFrame
        Output of :func:`rsgeo.township_stats`, with its total row.
    result : pandas.DataFrame, optional
        The patch table given to ``township_stats``; without it the patch
        sheets are left out.
    lists : pandas.DataFrame, optional
        Output of :func:`rsgeo.red_black_lists`; without it there is no
        红黑榜 sheet.
    figures : pandas.DataFrame, optional
        The per-patch figures of :func:`rsgeo.patch_figures` (same options
        and pieces as the statistics); needed with ``result``.
    options : StatsOptions
        The statistics options the figures were computed with (printed in 说明).
    thresholds : CriteriaThresholds
        The criteria thresholds the statistics used (printed in 说明).
    area_unit : {"mu", "ha", "m2"}, default "mu"
        Area unit of the township sheets (亩 2 decimals, 公顷 4, 平方米 2);
        the patch sheets always show 平方米 and 亩.
    n_sealed : int, default 0
        The number of military-land patches reported under seal; the 说明
        sheet says "另有 N 个图斑单独报送" and nothing more about them.
    pieces : pandas.DataFrame, optional
        The figures piece by piece of :func:`rsgeo.township_pieces` (same
        arguments as the statistics); with it the sheet 图斑分乡镇面积 lists
        every patch × township piece, rounded so that SUMIF per township
        gives the figures of 乡镇汇总.
    title : str, default ""
        The job's name, printed in the title row of every sheet.
    filing_unit : str, default ""
        填报单位, printed under the title (a blank to fill in when empty).
    date : datetime.date, optional
        制表日期; today when not given.
    csv : bool, default False
        Also write ``<stem>_township_stats.csv`` and ``<stem>_patches.csv``
        (see :func:`rsgeo.write_csv`) beside the workbook.
    overwrite : bool, default False
        Replace existing files; otherwise :class:`rsgeo.errors.OutputExistsError`.

    Returns
    -------
    pathlib.Path
        The workbook written.
    """
    problems = []
    unit_problem = choice_problem("area_unit", area_unit, get_args(AreaUnit))
    if unit_problem:
        problems.append(unit_problem)
    if "township_name" not in stats.columns or "n_patches" not in stats.columns:
        problems.append("stats must be the output of rsgeo.township_stats")
    elif TOTAL_LABEL not in stats.index.astype(str):
        problems.append("stats lacks the county total row (call township_stats with total=True)")
    if result is not None and figures is None:
        problems.append(
            "with result, pass figures=rsgeo.patch_figures(result, pieces, options=options) "
            "(the per-patch figures of the statistics)"
        )
    if not isinstance(options, StatsOptions):
        problems.append(f"options must be a StatsOptions, got {type(options).__name__}")
    if not isinstance(thresholds, CriteriaThresholds):
        problems.append(f"thresholds must be a CriteriaThresholds, got {type(thresholds).__name__}")
    if problems:
        raise InputError("write_workbook: " + "; ".join(problems))
    out = Path(path)
    csv_paths = (
        [out.with_name(f"{out.stem}_township_stats.csv"), out.with_name(f"{out.stem}_patches.csv")]
        if csv
        else []
    )
    check_outputs([out, *csv_paths], overwrite)

    profile = _profile_of(options, result)
    apart = bool(options.classes(profile)[2]) or bool(
        stats.get("n_non_grain", pd.Series(0, index=stats.index)).sum()
    )
    summary = _summary_sheet(stats, area_unit, apart=apart)
    sheets = [summary]
    plain = plain_fig = None
    if result is not None and figures is not None:
        figures = figures.reindex(result.index)
        military = is_military(result).to_numpy()
        plain = ordinary(result)
        plain_fig = figures.loc[~military]
        sheets.append(_patch_sheet("图斑明细", plain, plain_fig, mineral=False))
    criteria = _criteria_sheet(stats, summary)
    if plain is not None and "class_source" in plain.columns:
        n_suggested = int((plain["class_source"].astype(str) == "suggested").sum())
        if n_suggested:  # every figure that rests on a suggestion says so
            note = (
                f"注：{n_suggested} 个图斑尚无人工判定，其分类为系统建议（见图斑明细“判定来源”），"
                "本表相关数字以判定完成后为准。"
            )
            summary.notes.append(note)
            criteria.notes.append(note)
    if "denominator_source" in stats.columns:
        source = str(stats.loc[TOTAL_LABEL, "denominator_source"])
        summary.notes.append(
            f"注：违法占用耕地比例的分母（新增建设用地占用耕地面积）来源：{source}。"
        )
        criteria.notes.append(summary.notes[-1])
    if OUTSIDE_LABEL in stats.index.astype(str):
        summary.notes.append(
            f"注：“{row_name(OUTSIDE_LABEL)}”一行是落在各乡镇边界之外的图斑面积（及没有图形的"
            "图斑），计入合计，不参与问责标准和红黑榜；涉及的图斑见数据审核记录。"
        )
    sheets.append(criteria)
    if lists is not None:
        sheets.append(_lists_sheet(lists, area_unit, summary))
    if pieces is not None:
        sheets.insert(2 if plain is not None else 1, _pieces_sheet(pieces, area_unit, summary))
    if plain is not None and plain_fig is not None:
        mineral = plain.index[_bool_col(plain, "flag_mineral")]
        sheets.append(
            _patch_sheet(
                FLAG_LABELS["flag_mineral"],
                plain.loc[mineral],
                plain_fig.loc[mineral],
                mineral=True,
            )
        )
    sheets.append(_notes_sheet(area_unit, options, thresholds, n_sealed, profile))

    day = date or _dt.date.today()
    wb = new_workbook()
    for sheet in sheets:
        heading = _heading(title, sheet.title, filing_unit, day)
        write_sheet(wb.create_sheet(sheet.title), sheet, heading)
    save_workbook(wb, out)
    if csv:
        write_csv(csv_paths[0], stats, overwrite=True)
        if result is not None and figures is not None:
            write_csv(csv_paths[1], patch_csv_table(result, figures), overwrite=True)
    return out


def _heading(title: str, sheet: str, filing_unit: str, day: _dt.date) -> PrintHeading:
    """The printed heading of a sheet: title, 填报单位, 制表日期, the signature line, page numbers."""
    blank = "\u3000" * 8
    *roles, signed_on = PRINT_LABELS["signature"].split("、")
    signature = "\u3000\u3000".join(
        [
            *(f"{r}：{blank}" for r in roles),
            f"{signed_on}：\u3000\u3000年\u3000月\u3000日",
        ]
    )
    return PrintHeading(
        title=f"{title}\u3000{sheet}" if title else sheet,
        lines=(
            f"{PRINT_LABELS['filing_unit']}：{filing_unit or blank}",
            f"{PRINT_LABELS['date']}：{day.year}年{day.month}月{day.day}日",
        ),
        signature=signature,
        footer=PRINT_LABELS["page_footer"],
    )


def _bool_col(frame: pd.DataFrame, col: str) -> np.ndarray:
    return flag_column(frame, col).to_numpy(dtype=bool)
