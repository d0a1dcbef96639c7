"""The one Excel writer: every workbook rsgeo writes goes through here.

A :class:`Sheet` collects headers, columns and number formats;
:func:`write_sheet` lays it out (bold header row, fitted columns, frozen
header, landscape printing fitted to the page width with the header row
repeated); :func:`append_row` is the only way a row reaches a worksheet, and
text that starts with ``=`` stays text (never a formula); :func:`save_workbook`
writes the file atomically (a temporary file beside it, then a rename), so an
interrupted run never leaves half a workbook.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rsgeo.errors import OutputExistsError

__all__ = [
    "Sheet",
    "append_row",
    "atomic_save",
    "cell_value",
    "check_outputs",
    "header_width",
    "new_workbook",
    "save_workbook",
    "text_width",
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
    text = "" if value is None else str(value)
    if isinstance(value, float):
        text = f"{value:.2f}"
    longest = max((len(line.encode("gbk", "replace")) for line in text.split("\n")), default=0)
    return longest


def header_width(header: str) -> int:
    """Column width for a wrapped header: the name on one line, the unit on the next.

    Chinese characters print about 2.4 width units wide (GBK counts 2).

    >>> header_width("图斑总数（个）"), header_width("乡镇名称")
    (11, 6)
    """
    name, sep, unit = header.partition("（")
    if sep and text_width(name) <= 24:
        return round(max(text_width(name), text_width(sep + unit)) * 1.2) + 1
    return text_width(header) // 2 + 2


class Sheet:
    """Collects a table for one sheet: headers, rows, number formats, notes below."""

    def __init__(self, title: str) -> None:
        self.title = title
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


def write_sheet(ws: Any, sheet: Sheet) -> None:
    """Lay ``sheet`` out on the worksheet ``ws`` (see the module notes)."""
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
        append_row(ws, [col[i] for col in sheet.columns])
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
            [header_width(sheet.headers[j - 1])] + [text_width(v) for v in values[:500]] + [6]
        )
        ws.column_dimensions[letter].width = min(width + 2, 60)
        if width > 60:
            for i in range(n_rows):
                ws.cell(row=i + 2, column=j).alignment = Alignment(wrap_text=True)
    if sheet.notes:  # below the table, after one empty row
        note_font = Font(color="C00000")
        append_row(ws, [])
        for note in sheet.notes:
            append_row(ws, [note])
            ws.cell(row=ws.max_row, column=1).font = note_font
    ws.row_dimensions[1].height = 36
    ws.freeze_panes = "A2"
    # printing: landscape, all columns on the page width, the header row on every page
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3 if len(sheet.headers) > 12 else ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:1"


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
