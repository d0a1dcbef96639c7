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

Its parts, each of one topic: :mod:`rsgeo.outputs.xlsx_layout` (widths of
text, heights of rows, the A4 page layout), :mod:`rsgeo.outputs.xlsx_rows`
(a streaming sheet's rows written as XML text) and
:mod:`rsgeo.outputs.xlsx_package` (the rows put into the file openpyxl
writes). Import from here.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as _dt
import math
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rsgeo.errors import OutputExistsError
from rsgeo.outputs.xlsx_layout import (
    BODY_FONT_PT,
    HEADER_FONT_PT,
    HEADER_LINES,
    MARGIN_IN,
    MAX_WIDTH,
    MIN_PRINTED_PT,
    NARROW_TEXT,
    TITLE_FONT_PT,
    PageLayout,
    PrintHeading,
    column_pt,
    fit_widths,
    header_width,
    page_layout,
    row_height_pt,
    text_units,
    text_width,
    word_units,
    wrapped_lines,
)
from rsgeo.outputs.xlsx_package import save_package
from rsgeo.outputs.xlsx_rows import SheetRows, cells_xml, render_block

_NONE = type(None)

__all__ = [
    "BODY_FONT_PT",
    "MIN_PRINTED_PT",
    "Looks",
    "PageLayout",
    "PrintHeading",
    "Sheet",
    "append_row",
    "atomic_save",
    "cell_value",
    "check_outputs",
    "column_pt",
    "declare_extent",
    "fit_widths",
    "header_width",
    "new_workbook",
    "page_layout",
    "row_height_pt",
    "save_workbook",
    "text_units",
    "text_width",
    "wrapped_lines",
    "write_columns",
    "write_rows",
    "write_sheet",
]


def append_row(ws: Any, values: Sequence[Any]) -> None:
    """Append a row of cell values; text that starts with "=" stays text (never a formula).

    Works on a streaming (write-only) worksheet and on an ordinary one; a
    value may be a cell made by :class:`Looks` (a styled cell). On a
    streaming sheet the row is written as XML text at once
    (:mod:`rsgeo.outputs.xlsx_rows`); constant time per cell: nothing
    already written is looked at again.
    """
    rows = _rows_of(ws)
    if rows is None:
        _append_ordinary(ws, values)
        return
    cells: list[tuple[int, Any] | None] = []
    for v in values:
        if type(v) is _Styled:
            cells.append((v.style, v.value))
            continue
        v = cell_value(v)
        if v is None:
            cells.append(None)
        else:
            date = isinstance(v, _dt.date)
            cells.append((_date_style(ws, _date_format(v)) if date else 0, v))
    r = rows.n_rows + 1
    xml, last = cells_xml(r, cells)
    rows.append(xml, last, _row_attrs(ws, r))


class _Styled:
    """A cell value with the index of its style in the workbook (what :meth:`Looks.cell` makes)."""

    __slots__ = ("style", "value")

    def __init__(self, value: Any, style: int) -> None:
        self.value = value
        self.style = style


def _rows_of(ws: Any) -> SheetRows | None:
    """The rows written so far of a streaming sheet (None for an ordinary worksheet)."""
    rows = ws.__dict__.get("_rsgeo_rows")
    if rows is None:
        from openpyxl.worksheet._write_only import WriteOnlyWorksheet

        if not isinstance(ws, WriteOnlyWorksheet):
            return None
        sheet: Any = ws
        rows = sheet._rsgeo_rows = SheetRows()
    return rows


def _row_attrs(ws: Any, r: int) -> str:
    """A row's attributes set through ``ws.row_dimensions`` (its height)."""
    dims = ws.row_dimensions
    if r not in dims:
        return ""
    return "".join(f' {k}="{v}"' for k, v in dims[r])


def _date_format(value: _dt.date) -> str:
    """The number format openpyxl gives a date or a date and time of its own."""
    return "yyyy-mm-dd h:mm:ss" if isinstance(value, _dt.datetime) else "yyyy-mm-dd"


def _date_style(ws: Any, number_format: str) -> int:
    """The style index of an unstyled date cell: the default look with a date format."""
    from openpyxl.cell import WriteOnlyCell

    cell: Any = WriteOnlyCell(ws)
    cell.number_format = number_format
    return int(ws.parent._cell_styles.add(cell._style))


def _append_ordinary(ws: Any, values: Sequence[Any]) -> None:
    """:func:`append_row` on an ordinary (not streaming) worksheet: openpyxl's cells."""
    from openpyxl.cell import Cell

    new: Any = Cell
    row = []
    for v in values:
        styled = type(v) is _Styled
        cell = new(ws, value=v.value if styled else cell_value(v))
        if styled:
            cell._style = copy.copy(ws.parent._cell_styles[v.style])
        if cell.data_type == "f":  # text that starts with "=" stays text
            cell.data_type = "s"
        row.append(cell)
    ws.append(row)


class Looks:
    """Styled cells, each look's style registered once in the workbook.

    Setting a font or alignment on an openpyxl cell hashes the style objects
    and looks them up in the workbook, per cell; a table of many rows shares
    a few looks, so each look (a font, fill, alignment, border and number
    format) is registered once and every cell with that look carries only
    its style index. Text that starts with "=" stays text.
    """

    def __init__(self, ws: Any) -> None:
        self._ws = ws
        self._ids: dict[tuple[int, int, int, int, str | None], int] = {}
        self._keep: list[Any] = []

    def style(
        self,
        *,
        font: Any = None,
        fill: Any = None,
        alignment: Any = None,
        border: Any = None,
        number_format: str | None = None,
    ) -> int:
        """The index of a look's style in the workbook (registered the first time)."""
        key = (id(font), id(fill), id(alignment), id(border), number_format)
        style = self._ids.get(key)
        if style is None:
            from openpyxl.cell import WriteOnlyCell

            cell: Any = WriteOnlyCell(self._ws)
            for name, look in (
                ("font", font),
                ("fill", fill),
                ("alignment", alignment),
                ("border", border),
            ):
                if look is not None:
                    setattr(cell, name, look)
            if number_format is not None:
                cell.number_format = number_format
            self._keep.extend((font, fill, alignment, border))  # the ids stay theirs
            style = self._ids[key] = int(self._ws.parent._cell_styles.add(cell._style))
        return style

    def cell(
        self,
        value: Any,
        *,
        font: Any = None,
        fill: Any = None,
        alignment: Any = None,
        border: Any = None,
        number_format: str | None = None,
    ) -> Any:
        """A cell holding ``value`` (see :func:`cell_value`) with the given look.

        A date without a number format gets openpyxl's date format.
        """
        value = cell_value(value)
        if number_format is None and isinstance(value, _dt.date):
            number_format = _date_format(value)
        style = self.style(
            font=font, fill=fill, alignment=alignment, border=border, number_format=number_format
        )
        return _Styled(value, style)


def declare_extent(ws: Any, n_rows: int, n_cols: int) -> None:
    """Say how many rows and columns a streaming sheet will have.

    The sheet's ``<dimension>`` (``A1:E20``), written at its top, is the
    larger of this and the cells written: readers that trust it (openpyxl's
    read-only mode, which pandas uses) pad every row to that width, as they
    do for an ordinary sheet. An ordinary worksheet works its extent out
    itself and is left alone.
    """
    if _rows_of(ws) is not None:
        sheet: Any = ws
        sheet._rsgeo_extent = (n_rows, n_cols)


def write_rows(ws: Any, rows: Sequence[Sequence[Any]]) -> None:
    """Write ``rows`` (values or :class:`Looks` cells) to a new sheet, its extent declared first.

    For a small sheet laid out by hand; set its widths and panes before.
    """
    declare_extent(ws, len(rows), max((len(r) for r in rows), default=1))
    for row in rows:
        append_row(ws, row)


def new_workbook() -> Any:
    """An empty streaming workbook (openpyxl write-only mode, no sheet yet).

    Its sheets' rows are written as XML text as they are appended
    (:func:`append_row`); column widths, frozen panes, print settings,
    merged ranges and the heights of rows are set before the rows they
    concern (:func:`write_sheet` does).
    """
    from openpyxl import Workbook

    return Workbook(write_only=True)


def save_workbook(wb: Any, path: str | os.PathLike[str]) -> Path:
    """Save ``wb`` to ``path`` atomically.

    A streaming workbook is written by openpyxl with its sheets' rows
    spliced in (:func:`rsgeo.outputs.xlsx_package.save_package`).
    """
    out = Path(path)
    if not getattr(wb, "write_only", False):
        atomic_save(out, wb.save)
        return out
    rows = {  # a sheet openpyxl has begun writing rows into itself is left to it
        ws: r
        for ws in wb.worksheets
        if getattr(ws, "_rows", None) is None and (r := _rows_of(ws)) is not None
    }
    try:
        atomic_save(out, lambda tmp: save_package(wb, tmp, rows))
    finally:
        for r in rows.values():
            r.close()
    return out


def cell_value(value: Any) -> Any:
    """A value openpyxl can write (None for missing)."""
    kind = type(value)
    if kind is str or kind is int:  # most cells: as they are
        return value
    if kind is float:
        return value if math.isfinite(value) else None
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
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).to_pydatetime()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _cell_values(values: Sequence[Any]) -> list[Any]:
    """:func:`cell_value` of each value; text, whole numbers and floats at C speed."""
    out = list(values)
    kinds = set(map(type, out))
    if kinds <= {str, int, _NONE}:
        return out
    if kinds <= {str, int, float, _NONE}:
        finite = math.isfinite
        return [v if type(v) is not float or finite(v) else None for v in out]
    return [cell_value(v) for v in out]


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
        self.columns.append(_cell_values(values))

    def widths(self) -> list[float]:
        """Each column's width (Excel units): header and values fitted, at most :data:`MAX_WIDTH`."""
        return self._widths(self._measures())

    def narrowest_widths(self) -> list[float]:
        """The narrowest each column may print: figures and unbroken words (codes,
        numbers) on one line, text wrapped down to :data:`NARROW_TEXT`,
        headers on at most :data:`HEADER_LINES` lines (two characters a line at least);
        the key columns (codes and names) keep their width."""
        measures = self._measures()
        return self._narrowest(measures, self._widths(measures))

    def _measures(self) -> list[_Measure]:
        return [
            _measure(values, words=k >= self.key_columns) for k, values in enumerate(self.columns)
        ]

    def _widths(self, measures: Sequence[_Measure]) -> list[float]:
        out: list[float] = []
        for header, m in zip(self.headers, measures, strict=True):
            body = max(m.text, m.other)
            out.append(float(min(max(header_width(header), math.ceil(body) + 1, 6), MAX_WIDTH)))
        return out

    def _narrowest(self, measures: Sequence[_Measure], widths: Sequence[float]) -> list[float]:
        out = []
        for k, (header, m, natural) in enumerate(zip(self.headers, measures, widths, strict=True)):
            if k < self.key_columns:
                out.append(float(natural))
                continue
            words = max(m.words, m.other)
            head = max(
                text_units(header, HEADER_FONT_PT) / HEADER_LINES,
                text_units("\u3000" * 2, HEADER_FONT_PT),
                word_units(header, HEADER_FONT_PT),
            )
            least = max(math.ceil(words) + 1, math.ceil(head) + 1)
            if m.text:  # Chinese text wraps, down to NARROW_TEXT
                least = max(least, min(math.ceil(m.text) + 1, NARROW_TEXT))
            out.append(float(min(natural, least)))
        return out


@dataclass(frozen=True)
class _Measure:
    """What a column's values need: the widest text, the widest other value (a
    number or date), the widest unbreakable word of the text, whether some text
    holds a line break; in Excel width units at :data:`BODY_FONT_PT`."""

    text: float
    other: float
    words: float
    newline: bool
    dates: bool


def _measure(values: Sequence[Any], *, words: bool = True) -> _Measure:
    """Measure a column once per distinct text; of numbers only the extremes.

    The printed width of a number (``%.2f`` for a float) grows with its
    magnitude, a minus sign adding to it, so the widest number of a column is
    its largest or its smallest (or a negative zero, printed "-0.00").
    """
    kinds = set(map(type, values))
    kinds.discard(_NONE)
    texts: set[str] = set()
    others: list[Any] = []
    if kinds <= {str}:
        texts = set(values)
        texts.discard(None)  # type: ignore[arg-type]
    elif kinds == {float} or kinds == {int}:
        numbers = [v for v in values if v is not None]
        others = [min(numbers), max(numbers)]
        if (
            kinds == {float}
            and others[0] >= 0
            and 0.0 in numbers
            and any(math.copysign(1.0, v) < 0 for v in numbers if v == 0.0)
        ):
            others.append(-0.0)
    else:
        floats: list[float] = []
        ints: list[int] = []
        for v in values:
            kind = type(v)
            if kind is str:
                texts.add(v)
            elif kind is float:
                floats.append(v)
            elif kind is int:
                ints.append(v)
            elif v is not None:
                others.append(v)
        with contextlib.suppress(TypeError):  # dates: each distinct one measured once
            others = list(set(others))
        for numbers in (floats, ints):  # type: ignore[assignment]
            if numbers:
                others += [min(numbers), max(numbers)]
        if any(v == 0.0 and math.copysign(1.0, v) < 0 for v in floats):
            others.append(-0.0)
    return _Measure(
        text=max((text_units(t) for t in texts), default=0.0),
        other=max((text_units(v) for v in others), default=0.0),
        words=max((word_units(t) for t in texts), default=0.0) if words else 0.0,
        newline=any("\n" in t for t in texts),
        dates=any(issubclass(k, _dt.date) for k in kinds),
    )


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

    ``ws`` is a new, empty worksheet, streaming (:func:`new_workbook`) or
    not: the layout and print settings are worked out first (each column
    measured once per distinct text) and set before the first row, then the
    rows are written once, top to bottom, each cell with one of a few shared
    looks (:class:`Looks`); on a streaming sheet the table's body is written
    as XML text column by column, a block of rows at a time
    (:func:`rsgeo.outputs.xlsx_rows.render_block`).
    """
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    body_font = Font(size=BODY_FONT_PT)
    header_font = Font(bold=True, size=HEADER_FONT_PT)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    alert_font = Font(color="C00000", bold=True, size=BODY_FONT_PT)
    note_font = Font(color="C00000", size=BODY_FONT_PT)
    title_font = Font(bold=True, size=TITLE_FONT_PT)
    looks = Looks(ws)
    measures = sheet._measures()
    widths = sheet._widths(measures)
    n_cols = max(len(widths), 1)
    printed = min(sheet.print_columns or len(widths), len(widths))
    narrowest = sheet._narrowest(measures, widths)
    widths[:printed] = fit_widths(widths[:printed], narrowest[:printed])
    layout = page_layout(widths[:printed], key_columns=sheet.key_columns)
    keys = min(sheet.key_columns, max(printed - 1, 0))
    # lines above and below the table span the first page's columns; with column
    # blocks they start right of the key columns, which every later block repeats
    span_first = keys + 1 if len(layout.blocks) > 1 else 1
    span_last = max(layout.blocks[0][1] if widths else 1, span_first)
    span_width = sum(widths[span_first - 1 : span_last]) or 40.0
    n_rows = len(sheet.columns[0]) if sheet.columns else 0

    # the rows above and below the table: (cells, height in points or None, merged)
    above: list[tuple[list[Any], float | None, bool]] = []
    below: list[tuple[list[Any], float | None, bool]] = []

    def merged_line(rows: list[Any], text: str, font: Any, *, center: bool = False) -> None:
        alignment = Alignment(
            wrap_text=True, vertical="center", horizontal="center" if center else "left"
        )
        size = font.sz or BODY_FONT_PT
        height = row_height_pt(wrapped_lines(text, span_width, size), size)
        cells = [None] * (span_first - 1) + [looks.cell(text, font=font, alignment=alignment)]
        rows.append((cells, height, span_last > span_first))

    if heading is not None:
        merged_line(above, heading.title, title_font, center=True)
        info = [*heading.lines, *([sheet.units] if sheet.units else [])]
        merged_line(above, "\u3000\u3000".join(info), body_font)
    header_row = len(above) + 1
    header_align = Alignment(wrap_text=True, vertical="center", horizontal="center")
    header_lines = max(
        [1]
        + [
            wrapped_lines(h, widths[j], HEADER_FONT_PT)
            for j, h in enumerate(sheet.headers)
            if j < len(widths)
        ]
    )
    above.append(
        (
            [
                looks.cell(h, font=header_font, fill=header_fill, alignment=header_align)
                for h in sheet.headers
            ],
            row_height_pt(header_lines, HEADER_FONT_PT),
            False,
        )
    )
    # the body: which cells wrap (their rows grow), which sit at the top of a tall row
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    lines = [1] * n_rows
    wraps: list[set[int]] = []
    for j, (values, m) in enumerate(zip(sheet.columns, measures, strict=True)):
        wrapped: set[int] = set()
        room = widths[j] - 1
        if j < printed and (m.newline or m.text > room):
            grows = {
                t: wrapped_lines(t, widths[j])
                for t in {v for v in values if type(v) is str}
                if "\n" in t or text_units(t) > room
            }
            for i, value in enumerate(values):
                n = grows.get(value) if type(value) is str else None
                if n is not None:
                    wrapped.add(i)
                    lines[i] = max(lines[i], n)
        wraps.append(wrapped)
    # rows that grow: every cell at the top of its row
    tall_rows = any(m.text > w - 1 for m, w in zip(measures[:printed], widths, strict=False))
    plain = top if tall_rows else None
    flags = [(j in sheet.flag_columns) for j in range(len(sheet.columns))]

    def body_cell(i: int, j: int) -> Any:
        """The cell (i, j) of the body with its look."""
        value = sheet.columns[j][i]
        font = header_font if i in sheet.bold_rows else body_font
        if flags[j] and value == "是":
            font = alert_font
        fmt = sheet.formats[j]
        number = fmt if fmt and value is not None and not isinstance(value, str) else None
        align = wrap if i in wraps[j] else plain
        return looks.cell(value, font=font, alignment=align, number_format=number)

    if sheet.notes:  # below the table, after one empty row
        below.append(([], None, False))
        for note in sheet.notes:
            merged_line(below, note, note_font)
    if heading is not None and heading.signature:
        below.append(([], None, False))
        merged_line(below, heading.signature, body_font)
        cells, height, merged = below[-1]
        below[-1] = (cells, max(height or 0, 30.0), merged)
    heights = [row_height_pt(n) if n > 1 else None for n in lines]
    n_all = len(above) + n_rows + len(below)

    # before the first row: widths, panes, heights, merged ranges and print settings
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    key = get_column_letter(keys + 1) if len(layout.blocks) > 1 else "A"
    ws.freeze_panes = f"{key}{header_row + 1}"
    streaming = _rows_of(ws) is not None
    first_below = len(above) + n_rows + 1
    edges = [*enumerate(above, start=1), *enumerate(below, start=first_below)]
    for r, (_cells, height, merged) in edges:
        if height is not None:
            ws.row_dimensions[r].height = height
        if merged:
            ws.merged_cells.add(
                f"{get_column_letter(span_first)}{r}:{get_column_letter(span_last)}{r}"
            )
    if not streaming:
        for i, height in enumerate(heights):
            if height is not None:
                ws.row_dimensions[header_row + 1 + i].height = height
    if printed < n_cols:
        ws.print_area = f"A1:{get_column_letter(printed)}{n_all}"
    _page_setup(ws, layout, header_row, keys, heading)
    declare_extent(ws, n_all, max(len(sheet.headers), span_last))
    for cells, _height, _merged in above:
        append_row(ws, cells)
    if streaming:
        _write_body(ws, sheet, looks, body_cell, wraps, flags, heights, plain, body_font, measures)
    else:
        for i in range(n_rows):
            append_row(ws, [body_cell(i, j) for j in range(len(sheet.columns))])
    for cells, _height, _merged in below:
        append_row(ws, cells)


_BLOCK_ROWS = 2048
"""Rows of a table's body rendered together (each column's cells, then the rows)."""


def _write_body(
    ws: Any,
    sheet: Sheet,
    looks: Looks,
    body_cell: Callable[[int, int], Any],
    wraps: Sequence[set[int]],
    flags: Sequence[bool],
    heights: Sequence[float | None],
    plain: Any,
    body_font: Any,
    measures: Sequence[_Measure],
) -> None:
    """The body of :func:`write_sheet` on a streaming sheet, written as XML text.

    Each column has a look for its text, its numbers and its dates; the cells
    that differ (bold rows, wrapped text, flags that say 是) take the look
    :func:`write_sheet` gives each cell, so the file is the same as the one
    written cell by cell.
    """
    rows = _rows_of(ws)
    assert rows is not None
    n_rows = len(heights)
    columns: list[tuple[list[Any], int, int, dict[int, int]]] = []
    for j, (values, fmt, m) in enumerate(zip(sheet.columns, sheet.formats, measures, strict=True)):
        text = looks.style(font=body_font, alignment=plain)
        number = looks.style(font=body_font, alignment=plain, number_format=fmt) if fmt else text
        special = set(wraps[j]) | {i for i in sheet.bold_rows if i < n_rows}
        if flags[j]:
            special |= {i for i, v in enumerate(values) if v == "是"}
        if m.dates and not fmt:  # a date of its own takes openpyxl's date format
            special |= {i for i, v in enumerate(values) if isinstance(v, _dt.date)}
        over = {i: body_cell(i, j).style for i in special}
        columns.append((values, text, number, over))
    _write_blocks(rows, columns, heights)


def _write_blocks(
    rows: SheetRows,
    columns: Sequence[tuple[Sequence[Any], int, int, dict[int, int]]],
    heights: Sequence[float | None],
) -> None:
    first = rows.n_rows + 1
    for start in range(0, len(heights), _BLOCK_ROWS):
        stop = min(start + _BLOCK_ROWS, len(heights))
        block, last = render_block(columns, start, stop, first, heights)
        rows.append_block(block, stop - start, last)


def write_columns(
    ws: Any,
    columns: Sequence[Sequence[Any]],
    styles: Sequence[int],
    *,
    heights: Sequence[float | None] | None = None,
) -> None:
    """Append a table's rows given column by column, every cell of a column in one look.

    ``styles`` are the columns' looks (:meth:`Looks.style`), ``heights`` the
    rows' heights in points (None: the default). Values are taken as
    :func:`append_row` takes them (text that starts with "=" stays text; a
    date keeps the column's look, so give a date column a date format). On a
    streaming sheet the rows are written as XML text a block at a time,
    else cell by cell.
    """
    n_rows = len(columns[0]) if columns else 0
    heights = list(heights) if heights is not None else [None] * n_rows
    rows = _rows_of(ws)
    if rows is None:
        for i in range(n_rows):
            append_row(
                ws, [_Styled(cell_value(c[i]), s) for c, s in zip(columns, styles, strict=True)]
            )
            if heights[i]:
                ws.row_dimensions[ws._current_row].height = heights[i]
        return
    values = [_cell_values(c) for c in columns]
    _write_blocks(rows, [(v, s, s, {}) for v, s in zip(values, styles, strict=True)], heights)


_PAPER_A4 = "9"
"""The paper size code of A4 in a sheet's page setup."""


def _page_setup(
    ws: Any, layout: PageLayout, header_row: int, key_columns: int, heading: PrintHeading | None
) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.pagebreak import Break

    ws.page_setup.paperSize = _PAPER_A4
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
