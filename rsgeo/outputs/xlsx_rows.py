"""A worksheet's rows written as XML text: the ``<sheetData>`` of a streaming sheet.

Each cell is written straight from its value and a style index: text as an
inline string (XML-escaped, the escape worked out once per distinct text),
numbers by ``repr`` (the shortest text that reads back as the same float),
dates as Excel serial days with a date style. No cell is ever a formula:
text that starts with ``=`` is an inline string like any other. The rows go
to a temporary file in blocks, so memory does not grow with the rows;
:mod:`rsgeo.outputs.xlsx_package` puts the file into the workbook when it is
saved.

Characters XML cannot hold (control characters other than tab, line feed
and carriage return, unpaired surrogates) are written as U+FFFD; text is cut
at Excel's 32,767 characters a cell.
"""

from __future__ import annotations

import datetime as _dt
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from typing import IO, Any

__all__ = [
    "MAX_TEXT",
    "SheetRows",
    "cells_xml",
    "column_letter",
    "excel_serial",
    "render_block",
    "style_attr",
    "value_tail",
]

MAX_TEXT = 32767
"""The most characters a cell holds (Excel's limit; openpyxl cut text there too)."""

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_EPOCH = _dt.datetime(1899, 12, 30)
_FLUSH_CHARS = 1 << 20
"""Rows are written to the temporary file in blocks of about this many characters."""
_TEXT_CACHE = 1 << 14
"""At most this many distinct texts keep their escaped XML (then the cache starts again)."""

_LETTERS: list[str] = []


def column_letter(col: int) -> str:
    """The letters of column ``col`` (1-based).

    >>> column_letter(1), column_letter(26), column_letter(27), column_letter(16384)
    ('A', 'Z', 'AA', 'XFD')
    """
    while len(_LETTERS) < col:
        n, name = len(_LETTERS) + 1, ""
        while n:
            n, r = divmod(n - 1, 26)
            name = chr(65 + r) + name
        _LETTERS.append(name)
    return _LETTERS[col - 1]


def style_attr(style: int) -> str:
    """The ``s`` attribute of a cell of style index ``style`` (none for the default, 0)."""
    return f' s="{style}"' if style else ""


def excel_serial(value: _dt.date) -> float | int:
    """Days since Excel's epoch (1900 date system), as openpyxl counts them.

    >>> excel_serial(_dt.date(2020, 12, 21)), excel_serial(_dt.datetime(1900, 1, 1, 12))
    (44186, 1.5)
    """
    if not isinstance(value, _dt.datetime):
        value = _dt.datetime(value.year, value.month, value.day)
    elif value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # the wall-clock time, as written
    delta = value - _EPOCH
    days = delta.days
    if 0 < days <= 60:  # Excel's 29 February 1900
        days -= 1
    seconds = delta.seconds + delta.microseconds / 1e6
    return days + seconds / 86400 if seconds else days


_texts: dict[str, str] = {}


def _text_tail(text: str) -> str:
    """The rest of a text cell after its reference and style: type and inline string."""
    tail = _texts.get(text)
    if tail is not None:
        return tail
    if not text:  # an empty text is an empty cell, as openpyxl writes it
        return "/>"
    clean = text[:MAX_TEXT]
    if _ILLEGAL.search(clean):
        clean = _ILLEGAL.sub("\ufffd", clean)
    escaped = clean.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "\r" in escaped:
        escaped = escaped.replace("\r", "&#13;")
    space = ' xml:space="preserve"' if clean != clean.strip() else ""
    tail = f' t="inlineStr"><is><t{space}>{escaped}</t></is></c>'
    if len(_texts) >= _TEXT_CACHE:
        _texts.clear()
    _texts[text] = tail
    return tail


def value_tail(value: Any) -> str:
    """The rest of a cell holding ``value`` (after ``<c r=".." s=".."``).

    ``value`` is what :func:`rsgeo.outputs.excel.cell_value` gives: None,
    text, a number or a date. Anything else is written as its text.

    >>> value_tail("=1+1"), value_tail(2.5), value_tail(None)
    (' t="inlineStr"><is><t>=1+1</t></is></c>', '><v>2.5</v></c>', '/>')
    """
    kind = type(value)
    if kind is str:
        return _texts.get(value) or _text_tail(value)
    if kind is float:
        return f"><v>{value!r}</v></c>"
    if value is None:
        return "/>"
    if kind is int:
        return f"><v>{value}</v></c>"
    if isinstance(value, _dt.date):
        return f"><v>{excel_serial(value)!r}</v></c>"
    if isinstance(value, bool):
        return f' t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f"><v>{float(value)!r}</v></c>"
    return _text_tail(str(value))


def cells_xml(row: int, cells: Sequence[tuple[int, Any] | None]) -> tuple[str, int]:
    """The cells of row ``row``: ``(style, value)`` pairs (None: no cell); XML and last column."""
    parts = []
    last = 0
    for col, cell in enumerate(cells, start=1):
        if cell is None:
            continue
        style, value = cell
        if value is None and not style:
            continue
        parts.append(f'<c r="{column_letter(col)}{row}"{style_attr(style)}{value_tail(value)}')
        last = col
    return "".join(parts), last


def render_block(
    columns: Sequence[tuple[Sequence[Any], int, int, Mapping[int, int]]],
    start: int,
    stop: int,
    first_row: int,
    heights: Sequence[float | None],
) -> tuple[list[str], int]:
    """The ``<row>`` elements of rows ``start:stop`` of a table, column by column.

    ``columns`` holds, for each column, its values, the style of its text and
    empty cells, the style of its numbers and dates, and the styles of the
    cells that differ (by index into the values); the table's row ``i`` is
    the sheet's row ``first_row + i``, ``heights[i]`` its height in points
    (None: the default). Every cell is written, an empty one with its style.
    Returns the rows and the last column.
    """
    texts = _texts
    rendered = []
    for col, (values, text_style, number_style, over) in enumerate(columns, start=1):
        letter = column_letter(col)
        text_s, number_s = style_attr(text_style), style_attr(number_style)
        cells: list[str] = []
        add = cells.append
        for i in range(start, stop):
            v = values[i]
            kind = type(v)
            if kind is str:
                s, tail = text_s, texts.get(v) or _text_tail(v)
            elif kind is float:
                s, tail = number_s, f"><v>{v!r}</v></c>"
            elif v is None:
                s, tail = text_s, "/>"
            else:
                s, tail = number_s, value_tail(v)
            if over:
                o = over.get(i)
                if o is not None:
                    s = style_attr(o)
            add(f'<c r="{letter}{i + first_row}"{s}{tail}')
        rendered.append(cells)
    rows = []
    for i, row in enumerate(zip(*rendered, strict=True), start=start):
        height = heights[i]
        attrs = f' ht="{height:.16g}" customHeight="1"' if height else ""
        rows.append(f'<row r="{i + first_row}"{attrs}>{"".join(row)}</row>')
    if not rendered:
        rows = [f'<row r="{i + first_row}"/>' for i in range(start, stop)]
    return rows, len(columns)


class SheetRows:
    """The ``<row>`` elements of one sheet, in order, kept in a temporary file.

    ``n_rows`` and ``n_cols`` say how far the written cells reach (the
    sheet's extent).
    """

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self._parts: list[str] = []
        self._chars = 0
        self.n_rows = 0
        self.n_cols = 0

    def append(self, cells: str, last_col: int, attrs: str = "") -> int:
        """Write the next row (its cells' XML, the last column it reaches); its number."""
        self.n_rows += 1
        r = self.n_rows
        self.n_cols = max(self.n_cols, last_col)
        text = f'<row r="{r}"{attrs}>{cells}</row>' if cells else f'<row r="{r}"{attrs}/>'
        self._parts.append(text)
        self._chars += len(text)
        if self._chars > _FLUSH_CHARS:
            self.flush()
        return r

    def append_block(self, rows: Sequence[str], n_rows: int, last_col: int) -> None:
        """Write ``n_rows`` whole ``<row>`` elements numbered from ``n_rows + 1`` on."""
        self.n_rows += n_rows
        self.n_cols = max(self.n_cols, last_col)
        self._parts.extend(rows)
        self._chars += sum(map(len, rows))
        if self._chars > _FLUSH_CHARS:
            self.flush()

    def flush(self) -> None:
        if not self._parts:
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="rsgeo-sheet-")  # noqa: SIM115 (closed in close)
        self._file.write("".join(self._parts).encode("utf-8", "replace"))
        self._parts = []
        self._chars = 0

    def size(self) -> int:
        """Bytes written so far (after :meth:`flush`)."""
        return 0 if self._file is None else self._file.tell()

    def copy_to(self, out: IO[bytes]) -> None:
        """Copy every row written into ``out``, then let the temporary file go."""
        self.flush()
        if self._file is None:
            return
        self._file.seek(0)
        shutil.copyfileobj(self._file, out, 1 << 20)
        self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._parts = []
