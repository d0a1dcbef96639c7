"""The written review record (数据审核记录): an Excel workbook and a printable HTML page.

Both state who reviewed, when, what was checked (scope and rules), the counts
per rule and per township, and each finding; with a spot-check sample they
also list how the sample was drawn and which patches it holds.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from rsgeo.audit.findings import ReviewCoverage, ReviewResult
from rsgeo.audit.sampling import SpotCheckResult
from rsgeo.errors import InputError, OutputExistsError, format_problems
from rsgeo.geo.units import format_half_up
from rsgeo.outputs.excel import (
    Looks,
    append_row,
    declare_extent,
    new_workbook,
    save_workbook,
    text_width,
    write_columns,
)
from rsgeo.schema.labels import COLUMN_LABELS, SEVERITY_NAMES, SIGNATURE_LABELS
from rsgeo.schema.review_rules import RULES

__all__ = ["record_tables", "write_review_record"]

_FINDING_COLUMNS = ("rule_id", "severity", "patch_id", "township_code", "message")


def _esc(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def record_tables(
    findings: pd.DataFrame, coverage: ReviewCoverage | None = None
) -> dict[str, pd.DataFrame]:
    """The tables of the review record, with Chinese headers.

    ``coverage`` (from :func:`rsgeo.audit.findings.run_review`) says which
    rules ran and how many patches each township had; without it every rule
    is listed as checked and townships are those of the findings.

    Returns ``{"按规则统计": ..., "按乡镇统计": ..., "问题清单": ...}``.

    Examples
    --------
    >>> f = pd.DataFrame({"rule_id": ["R01"], "severity": ["error"], "patch_id": ["a"],
    ...                   "township_code": ["450225100"], "township_name": ["融水镇"],
    ...                   "message": ["没有合法性判定结果"]})
    >>> t = record_tables(f)
    >>> int(t["按规则统计"].set_index("规则编号").loc["R01", "问题数"])
    1
    >>> t["按乡镇统计"]["问题数"].tolist()
    [1]
    """
    skipped: Mapping[str, str] = coverage.rules_skipped if coverage else {}
    run = coverage.rules_run if coverage else tuple(RULES)
    per_town = coverage.patches_per_township if coverage else {}
    counts = findings["rule_id"].value_counts()
    by_rule = pd.DataFrame(
        [
            {
                "规则编号": r.rule_id,
                "规则名称": r.name_zh,
                "严重程度": SEVERITY_NAMES[r.severity],
                "问题数": int(counts.get(r.rule_id, 0)),
                "检查情况": "已检查"
                if r.rule_id in run
                else "未检查：" + skipped.get(r.rule_id, "未选用"),
                "说明": r.description_zh,
            }
            for r in RULES.values()
        ]
    )
    names = {c: v[0] for c, v in per_town.items()}
    checked = {c: v[1] for c, v in per_town.items()}
    for code, name in zip(
        findings["township_code"], findings.get("township_name", ""), strict=False
    ):
        names.setdefault(str(code), str(name))
    town_rows = []
    for code in sorted(names):
        sub = findings[findings["township_code"].astype(str) == code]
        row: dict[str, Any] = {
            COLUMN_LABELS["township_code"]: code,
            "乡镇名称": names[code],
            "审核图斑数": checked.get(code, ""),
            "问题数": len(sub),
            SEVERITY_NAMES["error"]: int((sub["severity"] == "error").sum()),
            SEVERITY_NAMES["warning"]: int((sub["severity"] == "warning").sum()),
            "涉及图斑数": int(sub["patch_id"].nunique()),
        }
        for rule_id in RULES:
            row[rule_id] = int((sub["rule_id"] == rule_id).sum())
        town_rows.append(row)
    by_town = pd.DataFrame(
        town_rows,
        columns=[
            COLUMN_LABELS["township_code"],
            "乡镇名称",
            "审核图斑数",
            "问题数",
            SEVERITY_NAMES["error"],
            SEVERITY_NAMES["warning"],
            "涉及图斑数",
            *RULES,
        ],
    )
    listing = pd.DataFrame(
        {
            "序号": range(1, len(findings) + 1),
            "规则编号": findings["rule_id"].to_numpy(),
            "规则名称": [RULES[r].name_zh for r in findings["rule_id"]],
            "严重程度": [SEVERITY_NAMES.get(s, s) for s in findings["severity"]],
            "监测编号": findings["patch_id"].to_numpy(),
            COLUMN_LABELS["township_code"]: findings["township_code"].to_numpy(),
            "乡镇名称": findings.get(
                "township_name", pd.Series("", index=findings.index)
            ).to_numpy(),
            "问题说明": findings["message"].to_numpy(),
        }
    )
    return {"按规则统计": by_rule, "按乡镇统计": by_town, "问题清单": listing}


def _summary(
    findings: pd.DataFrame, coverage: ReviewCoverage, reviewer: str, review_date: str, scope: str
) -> list[tuple[str, str]]:
    opts = coverage.options
    n_err = int((findings["severity"] == "error").sum())
    n_warn = int((findings["severity"] == "warning").sum())
    rows = [
        ("审核人", reviewer),
        ("审核日期", review_date),
        ("审核范围", scope),
        ("审核图斑数", str(coverage.n_checked)),
        (
            "军用土地图斑",
            f"{coverage.n_military_excluded} 个（按机要件另行报送，不列入本记录）",
        ),
        (
            "发现问题",
            f"{len(findings)} 条（错误 {n_err} 条，警告 {n_warn} 条），涉及图斑 "
            f"{findings['patch_id'].nunique()} 个",
        ),
    ]
    rows.append(
        (
            "审核参数",
            f"面积相对误差允许 {format_half_up(opts.area_rel_tolerance * 100)}%；"
            f"县域外面积比例允许 {format_half_up(opts.outside_max_share * 100)}%；"
            f"重叠面积阈值 {format_half_up(opts.min_overlap_m2)} 平方米",
        )
    )
    return rows


def _sample_tables(
    spot: SpotCheckResult,
) -> tuple[list[tuple[str, str]], pd.DataFrame, pd.DataFrame]:
    sample, how = spot.sample, spot.method
    method = [
        ("抽样方法", how.method_zh),
        ("随机数种子", str(how.options.seed)),
        ("每乡镇抽取", str(how.options.per_township)),
        ("分层依据", COLUMN_LABELS.get(how.options.by, how.options.by)),
        ("总体图斑数", str(how.n_population)),
        ("抽中图斑数", str(len(sample))),
    ]
    alloc = pd.DataFrame(list(how.allocation))
    if not alloc.empty:
        alloc = alloc.rename(
            columns={
                "township_code": COLUMN_LABELS["township_code"],
                "township_name": "乡镇名称",
                "stratum": "层（判定结果）",
                "size": "层内图斑数",
                "drawn": "抽取数",
            }
        )
    listing = pd.DataFrame(
        {
            "监测编号": sample.index.astype(str),
            COLUMN_LABELS["township_code"]: sample.get("township_code", ""),
            "乡镇名称": sample.get("township_name", ""),
            "层（判定结果）": sample.get("stratum", ""),
            "层内顺位": sample.get("draw_rank", ""),
        }
    ).reset_index(drop=True)
    return method, alloc, listing


def _check_paths(outdir: Path, basename: str, overwrite: bool) -> tuple[Path, Path]:
    problems = []
    if not basename or any(c in basename for c in '/\\:*?"<>|') or basename in (".", ".."):
        problems.append(f"basename {basename!r} is not a plain file name")
    if problems:
        raise InputError(format_problems("write_review_record():", problems))
    xlsx, page = outdir / f"{basename}.xlsx", outdir / f"{basename}.html"
    existing = [str(p) for p in (xlsx, page) if p.exists()]
    if existing and not overwrite:
        raise OutputExistsError(f"{', '.join(existing)} exist(s); pass overwrite=True to replace")
    return xlsx, page


_PAGE_WIDTH_UNITS = {"portrait": 95.0, "landscape": 140.0}
"""Column width units (Excel's, about one Latin digit each) that print on an A4
page at full size within the margins, by orientation."""

_WRAP_AT = 48
"""Free text longer than this (width units) wraps inside its column."""

_FREE_TEXT = frozenset({"说明", "问题说明", "检查情况", "内容", "规则名称"})
"""Columns of free text: the only ones that wrap (names, ids and counts never do)."""


def _width(value: Any) -> int:
    """Printed width of a value in Excel width units: a Chinese character counts two."""
    return max((text_width(line) for line in str(value).split("\n")), default=0)


def _print_setup(ws: Any, title: str, widths: list[float], *, title_rows: str | None) -> None:
    """A4, portrait when the columns fit, else landscape; all columns on one page width;
    the header row on every page; the title above and page numbers below every page."""
    total = sum(widths)
    ws.page_setup.paperSize = _PAPER_A4
    ws.page_setup.orientation = (
        "portrait" if total <= _PAGE_WIDTH_UNITS["portrait"] else "landscape"
    )
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddHeader.center.text = title
    ws.oddHeader.center.size = 12
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 10


_PAPER_A4 = "9"
"""The paper size code of A4 in a sheet's page setup."""

_LINE_PT = 15.0
"""Height of one line of 11 pt text in a row (points)."""


def _fit_columns(
    frame: pd.DataFrame,
) -> tuple[list[float], list[bool], list[bool], list[int]]:
    """Column widths from the text; free text wraps at :data:`_WRAP_AT`, nothing else wraps.

    Returns the widths, which columns wrap (free text), whose header wraps,
    and the lines of each row (the header row first): a row with wrapped
    text gets the height of its lines, as LibreOffice and Excel keep the
    height a file gives and would otherwise cut the text at one line.
    """
    values = [max([0] + [_width(v) for v in frame[col].head(500)]) for col in frame.columns]
    heads = [_width(col) for col in frame.columns]
    # a table wider than a landscape page breaks its long headers over two lines
    # (never its values) before the page is shrunk to fit
    if (
        sum(max(h, v) + 3 for h, v in zip(heads, values, strict=True))
        > _PAGE_WIDTH_UNITS["landscape"]
    ):
        heads = [max(-(-h // 2), 4) if h >= 8 else h for h in heads]
    widths: list[float] = []
    frees: list[bool] = []
    head_wraps: list[bool] = []
    lines = [1] * (len(frame) + 1)
    for j, col in enumerate(frame.columns):
        longest = max(heads[j], values[j])
        free = col in _FREE_TEXT and longest > _WRAP_AT
        width = float(min(longest, _WRAP_AT) + 3)
        widths.append(width)
        frees.append(free)
        head_wraps.append(_width(col) > width - 3)
        if free:  # a character may not fit at a line's end: a line per (width - 3) units
            per_line = int(width - 3)
            for i, value in enumerate([col, *frame[col]]):
                if value is not None and not (isinstance(value, float) and pd.isna(value)):
                    lines[i] = max(lines[i], -(-_width(value) // per_line))
    if any(head_wraps):
        lines[0] = max(lines[0], 2)
    return widths, frees, head_wraps, lines


def _signature_rows(ws: Any, looks: Looks, first_row: int) -> list[list[Any]]:
    """Wide boxes to sign in: the opinion over two columns, then reviewer, checker, date.

    Sets the rows' heights (from ``first_row`` on) and returns their cells.
    """
    from openpyxl.styles import Alignment, Border, Font, Side

    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    middle = Alignment(vertical="center", wrap_text=False)
    bold = Font(bold=True)
    rows = [
        (SIGNATURE_LABELS["opinion"], 80.0),
        (SIGNATURE_LABELS["reviewer"], 36.0),
        (SIGNATURE_LABELS["checker"], 36.0),
        (SIGNATURE_LABELS["date"], 28.0),
    ]
    out = []
    for i, (label, height) in enumerate(rows):
        ws.row_dimensions[first_row + i].height = height
        out.append(
            [
                looks.cell(label, font=bold, border=box, alignment=middle),
                looks.cell(None, border=box, alignment=middle),
            ]
        )
    return out


def _write_xlsx(
    path: Path,
    title: str,
    summary: list[tuple[str, str]],
    tables: dict[str, pd.DataFrame],
    sample: tuple[list[tuple[str, str]], pd.DataFrame, pd.DataFrame] | None,
) -> None:
    """The workbook, streamed: each sheet's layout and print settings first, then its rows."""
    from openpyxl.styles import Alignment, Border, Font, Side

    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    bold = Font(bold=True)
    top = {wraps: Alignment(wrap_text=wraps, vertical="top") for wraps in (False, True)}
    wb = new_workbook()
    ws = wb.create_sheet("审核记录")
    looks = Looks(ws)
    key_width = max(
        [_width(k) + 4 for k, _ in summary] + [_width(v) + 4 for v in SIGNATURE_LABELS.values()]
    )
    value_width = _PAGE_WIDTH_UNITS["portrait"] - key_width
    ws.column_dimensions["A"].width = key_width
    ws.column_dimensions["B"].width = value_width
    _print_setup(ws, title, [_PAGE_WIDTH_UNITS["portrait"]], title_rows=None)
    ws.merged_cells.add("A1:B1")
    ws.row_dimensions[1].height = 30
    rows: list[list[Any]] = [
        [looks.cell(title, font=Font(bold=True, size=16), alignment=Alignment(horizontal="center"))]
    ]
    for key, value in summary:
        rows.append(
            [
                looks.cell(key, font=bold, border=border, alignment=top[False]),
                looks.cell(value, border=border, alignment=top[True]),
            ]
        )
        n_lines = -(-_width(value) // int(value_width - 3))
        if n_lines > 1:  # the row's height holds its wrapped lines (see _fit_columns)
            ws.row_dimensions[len(rows)].height = n_lines * _LINE_PT
    rows.append([])  # one empty row before the signatures
    rows.extend(_signature_rows(ws, looks, len(rows) + 1))
    declare_extent(ws, len(rows), 2)
    for row in rows:
        append_row(ws, row)

    def put(sheet_title: str, frame: pd.DataFrame, text_cols: tuple[str, ...] = ()) -> None:
        from openpyxl.utils import get_column_letter

        sheet = wb.create_sheet(sheet_title)
        looks = Looks(sheet)
        widths, frees, head_wraps, lines = _fit_columns(frame)
        for j, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(j)].width = width
        if lines[0] > 1:  # the header row's; the others' go with the rows
            sheet.row_dimensions[1].height = lines[0] * _LINE_PT
        sheet.freeze_panes = "A2"
        _print_setup(sheet, f"{title}　{sheet_title}", widths, title_rows="1:1")
        declare_extent(sheet, len(frame) + 1, len(frame.columns))
        append_row(
            sheet,
            [
                looks.cell(str(col), font=bold, border=border, alignment=top[free or head])
                for col, free, head in zip(frame.columns, frees, head_wraps, strict=True)
            ],
        )
        styles = [
            looks.style(
                border=border,
                alignment=top[free],
                number_format="@" if col in text_cols else None,
            )
            for col, free in zip(frame.columns, frees, strict=True)
        ]
        heights = [n * _LINE_PT if n > 1 else None for n in lines[1:]]
        write_columns(
            sheet, [frame[col].tolist() for col in frame.columns], styles, heights=heights
        )

    put("按规则统计", tables["按规则统计"])
    put("按乡镇统计", tables["按乡镇统计"], (COLUMN_LABELS["township_code"],))
    put("问题清单", tables["问题清单"], ("监测编号", COLUMN_LABELS["township_code"]))
    if sample is not None:
        method, alloc, listing = sample
        put("抽查方法", pd.DataFrame(method, columns=["项目", "内容"]))
        if not alloc.empty:
            put("抽查分层", alloc, (COLUMN_LABELS["township_code"],))
        put("抽查样本", listing, ("监测编号", COLUMN_LABELS["township_code"]))
    save_workbook(wb, path)


_CSS = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "SimSun", sans-serif;
       margin: 2em; color: #111; }
h1 { text-align: center; font-size: 1.6em; }
h2 { font-size: 1.15em; border-bottom: 1px solid #444; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border: 1px solid #666; padding: 3px 6px; text-align: left; vertical-align: top;
         white-space: nowrap; }
th { background: #eee; }
td.num { text-align: right; }
td.free { white-space: normal; min-width: 12em; }
.kv, .sign { width: 100%; }
.kv th, .sign th { width: 9em; }
.kv td { white-space: normal; }
.sign td { height: 3em; }
.sign tr.opinion td { height: 8em; }
section.wide table { font-size: 0.75em; }
section.wide th, section.wide td { padding: 2px 3px; }
@media print {
  @page { size: A4; margin: 15mm; @bottom-center { content: counter(page) " / " counter(pages); } }
  @page wide { size: A4 landscape; }
  section.wide { page: wide; }
  body { margin: 0; }
  h2 { page-break-after: avoid; }
  tr { page-break-inside: avoid; }
  thead { display: table-header-group; }
}
"""

_WIDE_COLUMNS = 10
"""A table of more columns prints on a landscape page."""

_SIGN_CLASS = {"opinion": ' class="opinion"'}


def _html_table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in frame.columns)
    free = [c in _FREE_TEXT for c in frame.columns]
    body = []
    for values in frame.itertuples(index=False):
        cells = []
        for v, wraps in zip(values, free, strict=True):
            if wraps:
                cls = ' class="free"'
            elif isinstance(v, int | float) and not isinstance(v, bool):
                cls = ' class="num"'
            else:
                cls = ""
            cells.append(f"<td{cls}>{_esc(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _section(heading: str, *content: str, columns: int = 0) -> str:
    """A section of the page; one with a table of many columns prints in landscape."""
    wide = ' class="wide"' if columns > _WIDE_COLUMNS else ""
    return f"<section{wide}>{heading}{''.join(content)}</section>"


def _kv_table(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in rows)
    return f'<table class="kv"><tbody>{body}</tbody></table>'


def _write_html(
    path: Path,
    title: str,
    summary: list[tuple[str, str]],
    tables: dict[str, pd.DataFrame],
    sample: tuple[list[tuple[str, str]], pd.DataFrame, pd.DataFrame] | None,
) -> None:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_esc(title)}</h1>",
        _section("<h2>一、基本情况</h2>", _kv_table(summary)),
        _section("<h2>二、审核规则与问题数</h2>", _html_table(tables["按规则统计"])),
        _section(
            "<h2>三、按乡镇统计</h2>",
            _html_table(tables["按乡镇统计"]),
            columns=len(tables["按乡镇统计"].columns),
        ),
        _section(
            "<h2>四、问题清单</h2>",
            _html_table(tables["问题清单"]) if len(tables["问题清单"]) else "<p>未发现问题。</p>",
        ),
    ]
    if sample is not None:
        method, alloc, listing = sample
        parts += [_section("<h2>五、抽查</h2>", _kv_table(method))]
        if not alloc.empty:
            parts += [_section("<h3>分层与抽取数</h3>", _html_table(alloc))]
        parts += [_section("<h3>抽中图斑</h3>", _html_table(listing))]
    parts += [
        f'<h2>{_esc(SIGNATURE_LABELS["opinion"])}</h2><table class="sign"><tbody>',
        *(
            f"<tr{_SIGN_CLASS.get(k, '')}><th>{_esc(v)}</th><td></td></tr>"
            for k, v in SIGNATURE_LABELS.items()
            if k != "surveyor"
        ),
        "</tbody></table>",
        "</body></html>",
    ]
    path.write_text("\n".join(parts), encoding="utf-8")


def write_review_record(
    review: ReviewResult,
    outdir: str | Path,
    *,
    reviewer: str,
    review_date: dt.date | str | None = None,
    scope: str | None = None,
    spot_check: SpotCheckResult | None = None,
    title: str = "数据审核记录",
    basename: str = "review_record",
    overwrite: bool = False,
) -> dict[str, Path]:
    """Write the review record as ``{basename}.xlsx`` and a printable ``{basename}.html``.

    Parameters
    ----------
    review : ReviewResult
        From :func:`rsgeo.run_review`: the findings and what the review
        covered (patches checked, military patches set aside, rules skipped,
        the tolerances used).
    outdir : path
        Folder for the two files (created when missing).
    reviewer : str
        Who reviewed (审核人).
    review_date : date or str, optional
        When (审核日期); today by default.
    scope : str, optional
        What was reviewed (审核范围), e.g. the batch; by default the number of
        patches and rules checked.
    spot_check : SpotCheckResult, optional
        From :func:`rsgeo.run_spot_check`; the record then lists how the
        sample was drawn and which patches it holds.
    title, basename : str
        Title of the record, and the file name without extension.
    overwrite : bool, default False
        Replace existing files; otherwise raise :class:`OutputExistsError`.

    Returns
    -------
    dict
        ``{"xlsx": Path, "html": Path}``.
    """
    problems = []
    if not isinstance(review, ReviewResult):
        raise InputError(
            f"review must be the result of rsgeo.run_review, not {type(review).__name__}"
        )
    findings, coverage = review.findings, review.coverage
    missing = [c for c in _FINDING_COLUMNS if c not in findings.columns]
    if missing:
        problems.append(f"findings lacks columns {missing} (pass the result of rsgeo.run_review)")
    if not str(reviewer).strip():
        problems.append("reviewer (审核人) must not be empty")
    if problems:
        raise InputError(format_problems("write_review_record():", problems))
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    xlsx, page = _check_paths(out, basename, overwrite)
    when = review_date if review_date is not None else dt.date.today()
    when_text = when.isoformat() if isinstance(when, dt.date) else str(when)
    if scope is None:
        scope = f"{coverage.n_checked} 个图斑，{len(coverage.rules_run)} 项审核规则"
    summary = _summary(findings, coverage, str(reviewer), when_text, scope)
    tables = record_tables(findings, coverage)
    sample_parts = _sample_tables(spot_check) if spot_check is not None else None
    _write_xlsx(xlsx, title, summary, tables, sample_parts)
    _write_html(page, title, summary, tables, sample_parts)
    return {"xlsx": xlsx, "html": page}
