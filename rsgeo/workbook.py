"""The county workbook (Excel) and CSV tables.

:func:`write_workbook` writes the workbook a county office hands in: Chinese
headers with units, figures rounded as DOMAIN.md says (亩 and m² to 2 decimals,
公顷 to 4, percentages to 2) and township rows adjusted by largest remainders
(平差) so they add up to the county total row. :func:`write_csv` writes any
rsgeo table with its English snake_case columns, full precision, for scripts.

Military-land patches are counted in the statistics but never listed: every
patch listing goes through :func:`rsgeo.military.ordinary` first.
"""

from __future__ import annotations

import datetime as _dt
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from rsgeo._util import choice_problem, flag_column
from rsgeo.deductions import DEFAULT_CUTOFF, DEFAULT_DEDUCTIBLE_METHODS, parse_date, patch_figures
from rsgeo.errors import InputError, OutputExistsError
from rsgeo.military import is_military, ordinary
from rsgeo.stats import TOTAL_LABEL, add_total_row, township_rows
from rsgeo.units import M2_PER_HA, M2_PER_MU, round_preserving_total

__all__ = ["SUMMARY_COLUMNS", "AreaUnit", "write_csv", "write_workbook"]

AreaUnit = Literal["mu", "ha", "m2"]
_UNIT = {"mu": ("亩", M2_PER_MU, 2), "ha": ("公顷", M2_PER_HA, 4), "m2": ("平方米", 1.0, 2)}

# (stats column, Chinese header, kind); kind: text, count, area, pct
SUMMARY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("township_name", "乡镇名称", "text"),
    ("n_patches", "图斑总数（个）", "count"),
    ("n_legal", "合法图斑（个）", "count"),
    ("n_illegal", "违法图斑（个）", "count"),
    ("n_other", "其他图斑（个）", "count"),
    ("area_m2", "图斑总面积", "area"),
    ("construction_area_m2", "新增建设用地面积", "area"),
    ("construction_farmland_m2", "新增建设用地占用耕地面积", "area"),
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
    ("performance_rate", "履职率（%）", "pct"),
    ("rectification_rate", "查处整改到位率（%）", "pct"),
    ("criteria_met", "触发问责标准", "text"),
)

# (column, Chinese header, kind) of the patch listings; kind: text, m2, mu, flag, date
_PATCH_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("township_code", "乡镇代码", "text"),
    ("township_name", "乡镇名称", "text"),
    ("batch", "批次", "text"),
    ("change_type", "图斑类型", "text"),
    ("date_before", "前时相", "date"),
    ("date_after", "后时相", "date"),
    ("area_m2", "图斑面积（平方米）", "m2"),
    ("_area_mu", "图斑面积（亩）", "mu"),
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
    ("mining_rights_licence_number", "采矿权许可证号", "text"),
    ("suggested_class", "建议判定", "text"),
    ("suggested_reason", "建议依据", "text"),
    ("final_class", "判定结果", "text"),
    ("_class_source", "判定来源", "text"),
    ("determination_subtype", "判定子类", "text"),
    ("actual_use", "实际用途", "text"),
    ("illegal_type", "违法类型", "text"),
    ("_illegal_area_m2", "计入违法面积（平方米）", "m2"),
    ("_illegal_farmland_m2", "计入违法占用耕地面积（平方米）", "m2"),
    ("rectification_method", "整改方式", "text"),
    ("rectification_date", "整改日期", "date"),
    ("rectified_area_m2", "整改面积（平方米）", "m2"),
    ("_deducted", "是否扣减", "text"),
    ("case_number", "立案号", "text"),
    ("responsible_party", "责任主体", "text"),
)
_MINERAL_SKIP = {"flag_mineral", "flag_pbf", "flag_redline", "flag_protected", "in_urban"}

_FORMATS = {"count": "0", "pct": "0.00", "m2": "0.00", "mu": "0.00", "ha": "0.0000"}


def _cell(value: Any) -> Any:
    """A value openpyxl can write (None for missing)."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return "是" if bool(value) else "否"
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else float(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _text_width(value: Any) -> int:
    text = "" if value is None else str(value)
    if isinstance(value, float):
        text = f"{value:.2f}"
    longest = max((len(line.encode("gbk", "replace")) for line in text.split("\n")), default=0)
    return longest


def _header_width(header: str) -> int:
    """Column width for a wrapped header: the name on one line, the unit on the next.

    Chinese characters print about 2.4 width units wide (GBK counts 2).

    >>> _header_width("图斑总数（个）"), _header_width("乡镇名称")
    (11, 6)
    """
    name, sep, unit = header.partition("（")
    if sep and _text_width(name) <= 24:
        return round(max(_text_width(name), _text_width(sep + unit)) * 1.2) + 1
    return _text_width(header) // 2 + 2


def _unit_header(header: str, unit: str) -> str:
    if header.endswith("）"):
        return f"{header[:-1]}，{unit}）"
    return f"{header}（{unit}）"


def _round_half_up(value: float, decimals: int) -> float:
    scale = 10.0**decimals
    return float(np.floor(value * scale + 0.5 + 1e-9) / scale)


class _Sheet:
    """Collects a table for one sheet: headers, rows, number formats."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.headers: list[str] = []
        self.formats: list[str | None] = []
        self.columns: list[list[Any]] = []
        self.bold_rows: set[int] = set()
        self.flag_columns: set[int] = set()

    def add(self, header: str, values: Sequence[Any], fmt: str | None = None) -> None:
        self.headers.append(header)
        self.formats.append(fmt)
        self.columns.append([_cell(v) for v in values])


def _summary_sheet(stats: pd.DataFrame, area_unit: str) -> _Sheet:
    unit, factor, decimals = _UNIT[area_unit]
    towns = township_rows(stats)
    sheet = _Sheet("乡镇汇总")
    sheet.add("乡镇代码", [*towns.index.astype(str), "合计"])
    for col, header, kind in SUMMARY_COLUMNS:
        if col not in stats.columns:
            continue
        total = stats[col][TOTAL_LABEL]
        if kind == "text":
            values = [*towns[col].tolist(), ""]
            sheet.add(header, values)
        elif kind == "count":
            sheet.add(header, [*towns[col].astype("int64"), int(total)], _FORMATS["count"])
        elif kind == "area":
            raw = towns[col].astype("float64").to_numpy() / factor
            tot = float(total) / factor
            if not np.isfinite(tot):
                rows = [None] * len(raw)
                sheet.add(_unit_header(header, unit), [*rows, None], _FORMATS[area_unit])
                continue
            tot_rounded = _round_half_up(tot, decimals)
            rounded = round_preserving_total(raw, decimals=decimals, total=tot)
            sheet.add(_unit_header(header, unit), [*rounded, tot_rounded], _FORMATS[area_unit])
        else:
            values = [*towns[col].astype("float64"), float(total)]
            pct = [None if not np.isfinite(v) else round(v * 100, 2) for v in values]
            sheet.add(header, pct, _FORMATS["pct"])
    sheet.bold_rows.add(len(towns))
    return sheet


def _criteria_sheet(stats: pd.DataFrame, summary: _Sheet) -> _Sheet:
    from rsgeo.criteria import CRITERION_NAMES

    towns = township_rows(stats)
    n = len(towns)
    sheet = _Sheet("问责预警")
    take = {"乡镇代码", "乡镇名称", "违法占用耕地比例（%）"}
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


def _lists_sheet(lists: pd.DataFrame, area_unit: str, summary: _Sheet) -> _Sheet:
    unit, factor, decimals = _UNIT[area_unit]
    # the same (adjusted) figures as the summary sheet
    codes = summary.columns[0]
    area_header = _unit_header("违法占用耕地面积（扣减后）", unit)
    shown = (
        dict(zip(codes, summary.columns[summary.headers.index(area_header)], strict=True))
        if area_header in summary.headers
        else {}
    )
    sheet = _Sheet("红黑榜")
    sheet.add("榜单", ["红榜" if v == "red" else "黑榜" for v in lists["list"]])
    sheet.add("名次", lists["rank"].astype("int64").tolist(), "0")
    sheet.add("乡镇代码", lists.index.astype(str).tolist())
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
                [None if not np.isfinite(v) else round(v * 100, 2) for v in values],
                "0.00",
            )
    col = "illegal_farmland_after_deductions_m2"
    if col in lists.columns:
        values = lists[col].astype("float64") / factor
        sheet.add(
            area_header,
            [
                shown.get(str(code), _round_half_up(v, decimals))
                for code, v in zip(lists.index, values, strict=True)
            ],
            _FORMATS[area_unit],
        )
    sheet.add("说明", lists["reason"].tolist())
    return sheet


def _patch_sheet(
    title: str, table: pd.DataFrame, figures: pd.DataFrame, *, mineral: bool
) -> _Sheet:
    sheet = _Sheet(title)
    sheet.add("监测编号", table.index.astype(str).tolist())
    derived = {
        "_area_mu": lambda t: (
            pd.to_numeric(t["area_m2"], errors="coerce") / M2_PER_MU
            if "area_m2" in t.columns
            else None
        ),
        "_class_source": lambda t: (
            t["class_source"].map({"determination": "人工判定", "suggested": "系统建议"})
            if "class_source" in t.columns
            else None
        ),
        "_illegal_area_m2": lambda t: figures["counted_illegal_area_m2"],
        "_illegal_farmland_m2": lambda t: figures["counted_illegal_farmland_m2"],
        "_deducted": lambda t: _deducted_text(figures),
    }
    for col, header, kind in _PATCH_COLUMNS:
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
        if kind in ("m2", "mu"):
            nums = pd.to_numeric(values, errors="coerce").astype("float64")
            sheet.add(
                header,
                [_round_half_up(v, 2) if np.isfinite(v) else None for v in nums],
                _FORMATS[kind],
            )
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


def _notes_sheet(stats: pd.DataFrame, area_unit: str) -> _Sheet:
    opts = stats.attrs.get("rsgeo_stats", {})
    unit, _factor, decimals = _UNIT[area_unit]
    thresholds = opts.get("thresholds", {})
    ratio_min = thresholds.get("ratio_min", 0.15) * 100
    mu_min = thresholds.get("illegal_farmland_min_mu", 100.0)
    methods = "、".join(opts.get("deductible_methods", DEFAULT_DEDUCTIBLE_METHODS))
    basis = "按图斑个数" if opts.get("rate_basis", "count") == "count" else "按违法面积"
    net = (
        "扣除田坎后的净面积"
        if opts.get("farmland_basis", "net") == "net"
        else "毛面积（未扣除田坎）"
    )
    rows = [
        ("面积", "CGCS2000 椭球面积；1 亩 = 10000/15 平方米，1 公顷 = 15 亩。"),
        (
            "取舍与平差",
            f"面积以{unit}为单位保留 {decimals} 位小数（平方米、亩 2 位，公顷 4 位），"
            "比例以百分数保留 2 位小数。计算全部使用未取舍的数值；乡镇汇总表中各乡镇面积按最大余数法"
            "平差，使各乡镇之和等于合计行。",
        ),
        (
            "扣减",
            f"违法图斑在 {opts.get('cutoff', DEFAULT_CUTOFF)}（含当日）前以{methods}方式"
            "消除违法状态的，不再作为违法统计；整改面积小于违法面积的按整改面积部分扣减。",
        ),
        (
            "违法占用耕地比例",
            "扣减后违法占用耕地面积 ÷ 新增建设用地占用耕地面积；"
            f"耕地面积为{net}。分母为 0 时比例无法计算，表中留空。",
        ),
        (
            "问责标准一",
            f"违法占用耕地比例 ≥ {ratio_min:g}% 且违法占用耕地面积 > {mu_min:g} 亩"
            "（均按未取舍数值判断）。",
        ),
        ("问责标准二、五", "由人工认定，表中列出认定说明。"),
        ("问责标准三", "违法矿产图斑数全县排序靠前、违法矿产图斑未整改或违法开采稀土等重要矿种。"),
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
            "军用土地",
            "军用土地图斑计入统计数字，但不在任何明细表中列出，另按规定以机要件单独上报。",
        ),
        ("图斑计数", "跨乡镇图斑的面积按各乡镇内的面积分别计入；图斑个数计入面积最大的乡镇。"),
    ]
    sheet = _Sheet("说明")
    sheet.add("项目", [r[0] for r in rows])
    sheet.add("内容", [r[1] for r in rows])
    return sheet


def _write_sheet(ws: Any, sheet: _Sheet) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    alert_font = Font(color="C00000", bold=True)
    ws.append(sheet.headers)
    for cell in ws[1]:
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    n_rows = len(sheet.columns[0]) if sheet.columns else 0
    for i in range(n_rows):
        ws.append([col[i] for col in sheet.columns])
    for j, (fmt, values) in enumerate(zip(sheet.formats, sheet.columns, strict=True), start=1):
        letter = get_column_letter(j)
        for i in range(n_rows):
            cell = ws.cell(row=i + 2, column=j)
            if fmt and values[i] is not None and not isinstance(values[i], str):
                cell.number_format = fmt
            if i in sheet.bold_rows:
                cell.font = header_font
            if (j - 1) in sheet.flag_columns and values[i] == "是":
                cell.font = alert_font
        width = max(
            [_header_width(sheet.headers[j - 1])] + [_text_width(v) for v in values[:500]] + [6]
        )
        ws.column_dimensions[letter].width = min(width + 2, 60)
        if width > 60:
            for i in range(n_rows):
                ws.cell(row=i + 2, column=j).alignment = Alignment(wrap_text=True)
    ws.row_dimensions[1].height = 36
    ws.freeze_panes = "A2"
    # printing: landscape, all columns on the page width, the header row on every page
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3 if len(sheet.headers) > 12 else ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:1"


def _check_outputs(paths: Sequence[Path], overwrite: bool) -> None:
    existing = [str(p) for p in paths if p.exists()]
    if existing and not overwrite:
        raise OutputExistsError(
            f"Output exists already: {', '.join(existing)}; pass overwrite=True to replace it"
        )


def _atomic_save(path: Path, save: Any) -> None:
    fd, tmp = tempfile.mkstemp(suffix=path.suffix, prefix=".rsgeo-", dir=path.parent)
    os.close(fd)
    try:
        save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _figures_for(result: pd.DataFrame, stats: pd.DataFrame) -> pd.DataFrame:
    opts = stats.attrs.get("rsgeo_stats", {})
    keys = (
        "cutoff",
        "deductible_methods",
        "unrectified_methods",
        "illegal_classes",
        "legal_classes",
        "illegal_farmland",
        "farmland_basis",
    )
    return patch_figures(result, **{k: opts[k] for k in keys if k in opts})


def write_workbook(
    path: str | os.PathLike[str],
    stats: pd.DataFrame,
    result: pd.DataFrame | None = None,
    lists: pd.DataFrame | None = None,
    *,
    area_unit: AreaUnit = "mu",
    csv: bool = False,
    overwrite: bool = False,
) -> Path:
    """Write the county workbook (.xlsx).

    Sheets: 乡镇汇总 (township figures and the 合计 row), 图斑明细 (one row per
    ordinary patch), 问责预警 (criteria 1–5 with reasons), 红黑榜, 矿产图斑 and
    说明 (definitions, thresholds, rounding and 平差). Military-land patches are
    counted in the figures but never listed.

    Parameters
    ----------
    path : str or path-like
        The ``.xlsx`` file to write.
    stats : pandas.DataFrame
        Output of :func:`rsgeo.township_stats` (with or without total row).
    result : pandas.DataFrame, optional
        The patch table given to ``township_stats``; without it the patch
        sheets are left out.
    lists : pandas.DataFrame, optional
        Output of :func:`rsgeo.red_black_lists`; default computed from
        ``stats`` with default sizes.
    area_unit : {"mu", "ha", "m2"}, default "mu"
        Area unit of the township sheets (亩 2 decimals, 公顷 4, 平方米 2);
        the patch sheets always show 平方米 and 亩.
    csv : bool, default False
        Also write ``<stem>_township_stats.csv`` and ``<stem>_patches.csv``
        (see :func:`write_csv`) beside the workbook.
    overwrite : bool, default False
        Replace existing files; otherwise :class:`rsgeo.errors.OutputExistsError`.

    Returns
    -------
    pathlib.Path
        The workbook written.
    """
    unit_problem = choice_problem("area_unit", area_unit, get_args(AreaUnit))
    if unit_problem:
        raise InputError(unit_problem)
    out = Path(path)
    csv_paths = (
        [out.with_name(f"{out.stem}_township_stats.csv"), out.with_name(f"{out.stem}_patches.csv")]
        if csv
        else []
    )
    _check_outputs([out, *csv_paths], overwrite)
    if "township_name" not in stats.columns or "n_patches" not in stats.columns:
        raise InputError("stats must be the output of rsgeo.township_stats")
    if TOTAL_LABEL not in stats.index.astype(str):
        stats = add_total_row(
            stats, rate_basis=stats.attrs.get("rsgeo_stats", {}).get("rate_basis", "count")
        )
    if lists is None:
        from rsgeo.lists import red_black_lists

        lists = red_black_lists(stats)

    from openpyxl import Workbook

    summary = _summary_sheet(stats, area_unit)
    sheets = [summary]
    figures = None
    if result is not None:
        figures = _figures_for(result, stats)
        plain = ordinary(result)
        plain_fig = figures.loc[~is_military(result).to_numpy()]
        sheets.append(_patch_sheet("图斑明细", plain, plain_fig, mineral=False))
    sheets.append(_criteria_sheet(stats, summary))
    sheets.append(_lists_sheet(lists, area_unit, summary))
    if result is not None and figures is not None:
        mineral = plain.index[_bool_col(plain, "flag_mineral")]
        sheets.append(
            _patch_sheet("矿产图斑", plain.loc[mineral], plain_fig.loc[mineral], mineral=True)
        )
    sheets.append(_notes_sheet(stats, area_unit))

    wb = Workbook()
    default_sheet = wb.active
    assert default_sheet is not None  # a new Workbook always has one worksheet
    wb.remove(default_sheet)
    for sheet in sheets:
        _write_sheet(wb.create_sheet(sheet.title), sheet)
    _atomic_save(out, wb.save)
    if csv:
        write_csv(csv_paths[0], stats, overwrite=True)
        if result is not None and figures is not None:
            write_csv(csv_paths[1], _patch_csv_table(result, figures), overwrite=True)
    return out


def _bool_col(frame: pd.DataFrame, col: str) -> np.ndarray:
    return flag_column(frame, col).to_numpy(dtype=bool)


def _patch_csv_table(result: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    extra = figures[
        ["counted_illegal_area_m2", "counted_illegal_farmland_m2", "deducted_share", "is_deducted"]
    ]
    return pd.concat(
        [pd.DataFrame(result).drop(columns="geometry", errors="ignore"), extra], axis=1
    )


def write_csv(
    path: str | os.PathLike[str],
    frame: pd.DataFrame,
    *,
    patches: pd.DataFrame | None = None,
    overwrite: bool = False,
    encoding: str = "utf-8-sig",
) -> Path:
    """Write an rsgeo table as CSV with its English snake_case columns.

    Values are written at full precision (no rounding) for scripts; the
    index (``township_code`` or ``patch_id``) becomes the first column(s) and
    geometry is left out. Military-land rows are removed
    (:func:`rsgeo.military.ordinary`); for a table without military columns
    whose index (or index level ``patch_id``) holds patch ids, pass the patch
    table as ``patches`` so they can be recognised.

    Parameters
    ----------
    path : str or path-like
        The CSV file to write.
    frame : pandas.DataFrame
        Any rsgeo table: township statistics, patch table, pieces, lists.
    patches : pandas.DataFrame, optional
        Patch table used to find military patches by id.
    overwrite : bool, default False
        Replace an existing file; otherwise
        :class:`rsgeo.errors.OutputExistsError`.
    encoding : str, default "utf-8-sig"
        UTF-8 with a byte-order mark, so Excel reads the Chinese text.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> df = pd.DataFrame({"area_m2": [1.5, 2.0], "flag_military": [False, True]},
    ...                   index=pd.Index(["p1", "p2"], name="patch_id"))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = write_csv(pathlib.Path(d) / "t.csv", df)
    ...     print(p.read_text(encoding="utf-8-sig").strip())
    patch_id,area_m2,flag_military
    p1,1.5,False
    """
    out = Path(path)
    _check_outputs([out], overwrite)
    table = ordinary(pd.DataFrame(frame))
    if patches is not None:
        military_ids = set(patches.index[is_military(patches).to_numpy()].astype(str))
        if military_ids:
            if isinstance(table.index, pd.MultiIndex) and "patch_id" in table.index.names:
                ids = table.index.get_level_values("patch_id").astype(str)
            else:
                ids = table.index.astype(str)
            table = table.loc[~ids.isin(military_ids)]
    table = table.drop(columns="geometry", errors="ignore")
    for col in table.columns:
        if table[col].dtype == object and len(table) and hasattr(table[col].iloc[0], "wkt"):
            table = table.drop(columns=col)
    _atomic_save(out, lambda tmp: table.to_csv(tmp, encoding=encoding, index=True))
    return out
