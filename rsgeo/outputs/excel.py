"""The one Excel writer: every workbook rsgeo writes goes through here.

A :class:`Sheet` collects headers, columns and number formats;
:func:`write_sheet` lays it out for the screen and for A4 paper (title rows
and signature line of a :class:`PrintHeading`, bold header row, columns
fitted to their text with Chinese characters counted double, long text
wrapped in rows that grow, the largest print that fits the page and never
below :data:`MIN_PRINTED_PT`, a print area of the key columns where a sheet
says so, wide tables narrowed widest column first (:func:`fit_widths`) and,
when still too wide, printed in blocks of columns with the key columns and
the header row repeated, page numbers in the footer); :func:`append_row` is
the only way a row reaches a worksheet, and
text that starts with ``=`` stays text (never a formula); :func:`save_workbook`
writes the file atomically (a temporary file beside it, then a rename), so an
interrupted run never leaves half a workbook.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rsgeo.errors import OutputExistsError

__all__ = [
    "BODY_FONT_PT",
    "MIN_PRINTED_PT",
    "PageLayout",
    "PrintHeading",
    "Sheet",
    "append_row",
    "atomic_save",
    "cell_value",
    "check_outputs",
    "column_pt",
    "fit_widths",
    "header_width",
    "new_workbook",
    "page_layout",
    "row_height_pt",
    "save_workbook",
    "text_units",
    "text_width",
    "wrapped_lines",
    "write_sheet",
]


def append_row(ws: Any, values: Sequence[Any]) -> None:
    """Append a row of cell values; text that starts with "=" stays text (never a formula).

    Constant time per cell: only the cells that need it are touched again, at
    the row ``append`` just wrote (``ws.max_row`` would scan the whole sheet).
    """
    row = [cell_value(v) for v in values]
    ws.append(row)
    formula_like = [j for j, v in enumerate(row, 1) if isinstance(v, str) and v.startswith("=")]
    if formula_like:
        r = ws._current_row  # the row append just wrote
        for j in formula_like:
            ws.cell(row=r, column=j).data_type = "s"


def new_workbook() -> Any:
    """An empty openpyxl workbook (no sheet yet)."""
    from openpyxl import Workbook

    wb = Workbook()
    default_sheet = wb.active
    assert default_sheet is not None  # a new Workbook always has one worksheet
    wb.remove(default_sheet)
    return wb


def save_workbook(wb: Any, path: str | os.PathLike[str]) -> Path:
    """Save ``wb`` to ``path`` atomically."""
    out = Path(path)
    atomic_save(out, wb.save)
    return out


def cell_value(value: Any) -> Any:
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


def text_width(value: Any) -> int:
    """The width of ``value`` in GBK bytes (a Chinese character counts 2), longest line."""
    text = "" if value is None else str(value)
    if isinstance(value, float):
        text = f"{value:.2f}"
    longest = max((len(line.encode("gbk", "replace")) for line in text.split("\n")), default=0)
    return longest


def header_width(header: str) -> int:
    """Column width for a header that wraps: up to 6 Chinese characters on one
    line, a longer one on three lines at most.

    >>> header_width("图斑总数（个）"), header_width("乡镇名称"), header_width("说明")
    (7, 9, 5)
    """
    size = HEADER_FONT_PT
    one_line = text_units(header, size)
    if one_line <= text_units("\u3000" * 6, size):
        return math.ceil(one_line) + 1
    return max(math.ceil(one_line / 3) + 2, 6)


# ------------------------------------------------------------------ printing

BODY_FONT_PT = 10.0
"""Font size of the table body, the header row and the notes."""
HEADER_FONT_PT = 10.0
TITLE_FONT_PT = 14.0
MIN_PRINTED_PT = 9.0
"""No sheet prints its body smaller than this: a sheet too wide for the page at
this size is split into column blocks (the key columns repeated) instead."""
MAX_WIDTH = 40
"""Widest column (Excel width units); longer text wraps and its row grows."""
PAGE_WIDTH_PT = {"portrait": 595.3, "landscape": 841.9}
"""A4 paper width in points by orientation."""
PAGE_HEIGHT_PT = {"portrait": 841.9, "landscape": 595.3}
MARGIN_IN = 0.4
"""Left and right page margin in inches (top and bottom leave room for header and footer)."""
_UNIT_PT = 5.25
"""One Excel width unit: the digit width of the default font (7 px at 96 dpi), in points."""
_PAD_PT = 3.75
"""The padding Excel adds to every column (5 px), in points."""
_WIDE_UNIT_PT = 7.0
"""One Excel width unit where the workbook's default font (Calibri) is missing:
LibreOffice without Calibri or Carlito measures it in DejaVu Sans digits, 7 pt
(measured on its PDF). Pages are planned for the wider of the two."""
_LINE = 1.3
"""Line height of wrapped text, in font sizes."""
_MIN_SCALE = math.ceil(MIN_PRINTED_PT / BODY_FONT_PT * 100)
"""The smallest print scale (%): the body at :data:`MIN_PRINTED_PT`."""
NARROW_TEXT = 10
"""The narrowest a column of wrapped text becomes when a table is fitted to the page."""
HEADER_LINES = 6
"""The most lines a header takes when a table is fitted to the page."""


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _em(ch: str) -> float:
    if _is_wide(ch):
        return 1.0
    return 0.55 if ch.isdigit() else 0.6


def text_units(text: Any, size_pt: float = BODY_FONT_PT) -> float:
    """Printed width of ``text`` (its longest line) in Excel width units at ``size_pt``.

    A Chinese (wide) character is one em, a digit 0.55 em, any other character
    at most 0.6 em.

    >>> round(text_units("乡镇名称", 10.5), 2), round(text_units("2020", 10.5), 2)
    (8.0, 4.4)
    """
    if isinstance(text, float):
        text = f"{text:.2f}"
    elif isinstance(text, _dt.datetime):
        text = text.strftime("%Y-%m-%d")
    lines = ("" if text is None else str(text)).split("\n")
    ems = max((sum(_em(c) for c in line) for line in lines), default=0.0)
    return ems * size_pt / _UNIT_PT


def column_pt(width: float) -> float:
    """The printed width (points, at 100 %) of a column ``width`` Excel units wide:
    the wider of Excel's (Calibri) and LibreOffice's without Calibri.

    >>> column_pt(1), column_pt(10)
    (9.0, 70.0)
    """
    return max(width * _UNIT_PT + _PAD_PT, width * _WIDE_UNIT_PT)


def wrapped_lines(text: Any, width: float, size_pt: float = BODY_FONT_PT) -> int:
    """How many lines ``text`` takes wrapped in a column ``width`` units wide."""
    room = max(width - 1.0, 1.0)  # the cell's inner margins
    if isinstance(text, float | int) and not isinstance(text, bool):
        return 1
    lines = ("" if text is None else str(text)).split("\n")
    return sum(max(1, math.ceil(text_units(line, size_pt) / room - 1e-9)) for line in lines)


def row_height_pt(n_lines: int, size_pt: float = BODY_FONT_PT) -> float:
    """Row height (points) for ``n_lines`` lines of text at ``size_pt``."""
    return round(n_lines * size_pt * _LINE + 4.0, 1)


@dataclass(frozen=True)
class PrintHeading:
    """What a printed sheet says around its table.

    ``title`` is the first row, ``lines`` the row below it (填报单位, 制表日期,
    joined by wide spaces; the sheet's own units are added), ``signature`` the
    line under the table, ``footer`` the page footer (Excel codes: ``&P`` the
    page, ``&N`` the pages).
    """

    title: str
    lines: tuple[str, ...] = ()
    signature: str = ""
    footer: str = ""


@dataclass(frozen=True)
class PageLayout:
    """How a sheet prints on A4: orientation, scale and the column blocks of each page."""

    orientation: str
    scale: int
    blocks: tuple[tuple[int, int], ...]
    """Column ranges (first, last; 1-based), one page wide each; the first holds
    the key columns, which every later block prints again on its left."""

    @property
    def printed_pt(self) -> float:
        """The body font size on paper."""
        return BODY_FONT_PT * self.scale / 100


def _room_pt(orientation: str, scale: int) -> float:
    """The printable page width at ``scale`` %, in points at 100 % (3 % to spare)."""
    return (PAGE_WIDTH_PT[orientation] - 2 * 72 * MARGIN_IN) / (scale / 100) * 0.97


def fit_widths(widths: Sequence[float], narrowest: Sequence[float]) -> list[float]:
    """Column widths that fit one A4 landscape page width at :data:`MIN_PRINTED_PT`.

    ``widths`` are kept when they fit; otherwise the widest columns give way
    first: every column is cut to one common width, never below its
    ``narrowest`` (wrapped text and headers take more lines). When even the
    narrowest widths do not fit, those are returned (the table then prints
    in column blocks).

    >>> fit_widths([10, 40], [10, 12])
    [10, 40]
    >>> fit_widths([40] * 6, [12] * 6)
    [20.0, 20.0, 20.0, 20.0, 20.0, 20.0]
    >>> fit_widths([40] * 20, [12] * 20) == [12] * 20
    True
    """
    room = _room_pt("landscape", _MIN_SCALE)
    total = sum(column_pt(w) for w in widths)
    if total <= room:
        return list(widths)
    low = [min(n, w) for n, w in zip(narrowest, widths, strict=True)]
    least = sum(column_pt(w) for w in low)
    if least >= room:
        return low

    def cut(cap: float) -> list[float]:
        return [max(n, min(w, cap)) for w, n in zip(widths, low, strict=True)]

    below, above = 0.0, float(max(widths))
    for _ in range(50):  # the widest common width that fits
        mid = (below + above) / 2
        if sum(column_pt(w) for w in cut(mid)) <= room:
            below = mid
        else:
            above = mid
    return cut(math.floor(below * 4) / 4)


def page_layout(widths: Sequence[float], *, key_columns: int = 1) -> PageLayout:
    """The A4 page layout of columns ``widths``: the largest print that fits, never below 9 pt.

    Portrait when the table fits a portrait page at 100 %, else landscape,
    shrunk to the page width as far as :data:`MIN_PRINTED_PT` allows; a
    wider table prints at that size in blocks of columns, the first
    ``key_columns`` repeated on every page.

    >>> page_layout([10, 10]).orientation, page_layout([10] * 12).scale
    ('portrait', 90)
    >>> lay = page_layout([20] * 20, key_columns=2); lay.scale, lay.blocks[:3]
    (90, ((1, 6), (7, 10), (11, 14)))
    """
    pts = [column_pt(w) for w in widths]
    total = sum(pts)
    min_scale = _MIN_SCALE
    for orientation in ("portrait", "landscape"):
        fit = _room_pt(orientation, 100) / total * 100 if total else 100.0
        if fit >= 100 or (orientation == "landscape" and fit >= min_scale):
            return PageLayout(orientation, min(100, math.floor(fit)), ((1, len(pts)),))
    room = _room_pt("landscape", min_scale)
    keys = min(key_columns, len(pts) - 1)
    free = room - sum(pts[:keys])
    blocks: list[tuple[int, int]] = []
    first, used = keys + 1, 0.0
    for j in range(keys, len(pts)):
        if used and used + pts[j] > free:
            blocks.append((first, j))
            first, used = j + 1, 0.0
        used += pts[j]
    blocks.append((first, len(pts)))
    if keys:
        blocks[0] = (1, blocks[0][1])
    return PageLayout("landscape", min_scale, tuple(blocks))


class Sheet:
    """Collects a table for one sheet: headers, rows, number formats, notes below.

    ``units`` says the units of the sheet's figures in its heading;
    ``key_columns`` are the leading columns that name a row (repeated on
    every page when the sheet prints in column blocks); ``print_columns``,
    when given, are the leading columns that print (the sheet's print area):
    the columns after them are on screen only, one line each.
    """

    def __init__(
        self,
        title: str,
        *,
        units: str = "",
        key_columns: int = 1,
        print_columns: int | None = None,
    ) -> None:
        self.title = title
        self.units = units
        self.key_columns = key_columns
        self.print_columns = print_columns
        self.notes: list[str] = []
        self.headers: list[str] = []
        self.formats: list[str | None] = []
        self.columns: list[list[Any]] = []
        self.bold_rows: set[int] = set()
        self.flag_columns: set[int] = set()

    def add(self, header: str, values: Sequence[Any], fmt: str | None = None) -> None:
        self.headers.append(header)
        self.formats.append(fmt)
        self.columns.append([cell_value(v) for v in values])

    def widths(self) -> list[float]:
        """Each column's width (Excel units): header and values fitted, at most :data:`MAX_WIDTH`."""
        out: list[float] = []
        for header, values in zip(self.headers, self.columns, strict=True):
            body = max((text_units(v) for v in values), default=0.0)
            out.append(float(min(max(header_width(header), math.ceil(body) + 1, 6), MAX_WIDTH)))
        return out

    def narrowest_widths(self) -> list[float]:
        """The narrowest each column may print: figures and unbroken words (codes,
        numbers) on one line, text wrapped down to :data:`NARROW_TEXT`,
        headers on at most :data:`HEADER_LINES` lines (two characters a line at least);
        the key columns (codes and names) keep their width."""
        out = []
        for k, (header, values, natural) in enumerate(
            zip(self.headers, self.columns, self.widths(), strict=True)
        ):
            if k < self.key_columns:
                out.append(float(natural))
                continue
            words = max((_word_units(v) for v in values), default=0.0)
            head = max(
                text_units(header, HEADER_FONT_PT) / HEADER_LINES,
                text_units("\u3000" * 2, HEADER_FONT_PT),
                _word_units(header, HEADER_FONT_PT),
            )
            text = max((text_units(v) for v in values if isinstance(v, str)), default=0.0)
            least = max(math.ceil(words) + 1, math.ceil(head) + 1)
            if text:  # Chinese text wraps, down to NARROW_TEXT
                least = max(least, min(math.ceil(text) + 1, NARROW_TEXT))
            out.append(float(min(natural, least)))
        return out


def _word_units(value: Any, size_pt: float = BODY_FONT_PT) -> float:
    """The widest part of ``value`` that cannot wrap: a number, or a run of
    Latin letters and digits (Chinese text wraps between any two characters)."""
    if value is None:
        return 0.0
    if not isinstance(value, str):
        return text_units(value, size_pt)
    words = re.split(r"[\s\u3000-\u9fff\uff00-\uffef]+", value)
    return max((text_units(w, size_pt) for w in words), default=0.0)


def write_sheet(ws: Any, sheet: Sheet, heading: PrintHeading | None = None) -> None:
    """Lay ``sheet`` out on the worksheet ``ws`` and set it up to print on A4.

    With ``heading``: a title row and a row of 填报单位/制表日期/units above
    the header row, the signature line under the notes, page numbers in the
    footer. The printed columns (all, or the sheet's ``print_columns``) are
    fitted to the page width, narrowed down to their narrowest widths when
    needed; every printed text fits its cell: long text wraps and its row
    grows. The header row (and the key columns, when the sheet still prints
    in column blocks) repeat on every page; the body never prints below 9 pt.
    Columns outside the print area keep their text on one line.
    """
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    body_font = Font(size=BODY_FONT_PT)
    header_font = Font(bold=True, size=HEADER_FONT_PT)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    alert_font = Font(color="C00000", bold=True, size=BODY_FONT_PT)
    widths = sheet.widths()
    n_cols = max(len(widths), 1)
    printed = min(sheet.print_columns or len(widths), len(widths))
    widths[:printed] = fit_widths(widths[:printed], sheet.narrowest_widths()[:printed])
    layout = page_layout(widths[:printed], key_columns=sheet.key_columns)
    keys = min(sheet.key_columns, max(printed - 1, 0))
    # lines above and below the table span the first page's columns; with column
    # blocks they start right of the key columns, which every later block repeats
    span_first = keys + 1 if len(layout.blocks) > 1 else 1
    span_last = max(layout.blocks[0][1] if widths else 1, span_first)
    span_width = sum(widths[span_first - 1 : span_last]) or 40.0

    def merged_line(text: str, font: Any, *, center: bool = False) -> None:
        append_row(ws, [None] * (span_first - 1) + [text])
        r = ws._current_row
        cell = ws.cell(row=r, column=span_first)
        cell.font = font
        cell.alignment = Alignment(
            wrap_text=True, vertical="center", horizontal="center" if center else "left"
        )
        if span_last > span_first:
            ws.merge_cells(start_row=r, start_column=span_first, end_row=r, end_column=span_last)
        size = font.sz or BODY_FONT_PT
        ws.row_dimensions[r].height = row_height_pt(wrapped_lines(text, span_width, size), size)

    if heading is not None:
        merged_line(heading.title, Font(bold=True, size=TITLE_FONT_PT), center=True)
        info = [*heading.lines, *([sheet.units] if sheet.units else [])]
        merged_line("\u3000\u3000".join(info), body_font)
    header_row = ws._current_row + 1
    ws.append(sheet.headers)
    header_lines = 1
    for j, cell in enumerate(ws[header_row]):
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        header_lines = max(header_lines, wrapped_lines(sheet.headers[j], widths[j], HEADER_FONT_PT))
    ws.row_dimensions[header_row].height = row_height_pt(header_lines, HEADER_FONT_PT)
    n_rows = len(sheet.columns[0]) if sheet.columns else 0
    for i in range(n_rows):
        append_row(ws, [col[i] for col in sheet.columns])
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    lines = [1] * n_rows
    tall_rows = any(  # rows that grow: every cell at the top of its row
        isinstance(v, str) and text_units(v) > w - 1
        for values, w in zip(sheet.columns[:printed], widths, strict=False)
        for v in values
    )
    for j, (fmt, values) in enumerate(zip(sheet.formats, sheet.columns, strict=True), start=1):
        for i in range(n_rows):
            cell = ws.cell(row=header_row + 1 + i, column=j)
            value = values[i]
            cell.font = header_font if i in sheet.bold_rows else body_font
            if fmt and value is not None and not isinstance(value, str):
                cell.number_format = fmt
            if (j - 1) in sheet.flag_columns and value == "是":
                cell.font = alert_font
            if (
                j <= printed
                and isinstance(value, str)
                and ("\n" in value or text_units(value) > widths[j - 1] - 1)
            ):
                cell.alignment = wrap
                lines[i] = max(lines[i], wrapped_lines(value, widths[j - 1]))
            elif tall_rows:
                cell.alignment = top
        ws.column_dimensions[get_column_letter(j)].width = widths[j - 1]
    for i, n in enumerate(lines):
        if n > 1:
            ws.row_dimensions[header_row + 1 + i].height = row_height_pt(n)
    if sheet.notes:  # below the table, after one empty row
        append_row(ws, [])
        for note in sheet.notes:
            merged_line(note, Font(color="C00000", size=BODY_FONT_PT))
    if heading is not None and heading.signature:
        append_row(ws, [])
        merged_line(heading.signature, body_font)
        ws.row_dimensions[ws._current_row].height = max(
            ws.row_dimensions[ws._current_row].height or 0, 30.0
        )
    key = get_column_letter(keys + 1) if len(layout.blocks) > 1 else "A"
    ws.freeze_panes = f"{key}{header_row + 1}"
    if printed < n_cols:
        ws.print_area = f"A1:{get_column_letter(printed)}{ws._current_row}"
    _page_setup(ws, layout, header_row, keys, heading)


def _page_setup(
    ws: Any, layout: PageLayout, header_row: int, key_columns: int, heading: PrintHeading | None
) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.pagebreak import Break

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = layout.orientation
    ws.page_setup.scale = layout.scale
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_margins.left = ws.page_margins.right = MARGIN_IN
    ws.page_margins.top = ws.page_margins.bottom = 0.7
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    if len(layout.blocks) > 1 and key_columns:
        ws.print_title_cols = f"A:{get_column_letter(key_columns)}"
        for _first, last in layout.blocks[:-1]:
            ws.col_breaks.append(Break(id=last))
    if heading is not None and heading.footer:
        ws.oddFooter.center.text = heading.footer
        ws.oddFooter.center.size = BODY_FONT_PT
        ws.evenFooter.center.size = BODY_FONT_PT
        ws.evenFooter.center.text = heading.footer


def check_outputs(paths: Sequence[Path], overwrite: bool) -> None:
    existing = [str(p) for p in paths if p.exists()]
    if existing and not overwrite:
        raise OutputExistsError(
            f"Output exists already: {', '.join(existing)}; pass overwrite=True to replace it"
        )


def atomic_save(path: Path, save: Callable[[str], Any]) -> None:
    fd, tmp = tempfile.mkstemp(suffix=path.suffix, prefix=".rsgeo-", dir=path.parent)
    os.close(fd)
    try:
        save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
