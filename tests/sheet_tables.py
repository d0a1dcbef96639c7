"""Reading the county workbook's sheets as a user reads them: the table under its
title rows (the header row is the row the sheet repeats on every printed page),
and the notes under the table."""

from __future__ import annotations

import re
from typing import Any


def header_row(ws: Any) -> int:
    """The header row: the row the sheet repeats on every printed page."""
    m = re.fullmatch(r"\$?(\d+):\$?(\d+)", ws.print_title_rows or "")
    assert m, f"{ws.title}: no print title rows"
    return int(m.group(1))


def table_rows(ws: Any) -> list[tuple[Any, ...]]:
    """The header row, then the table's rows down to the first empty row."""
    rows = list(ws.iter_rows(min_row=header_row(ws), values_only=True))
    end = next((i for i, r in enumerate(rows) if all(v is None for v in r)), len(rows))
    return rows[:end]


def notes(ws: Any) -> list[str]:
    """The notes under the table: the rows whose first text starts with 注."""
    out = []
    for row in ws.iter_rows(min_row=header_row(ws) + 1, values_only=True):
        first = next((v for v in row if v is not None), None)
        if isinstance(first, str) and first.startswith("注"):
            out.append(first)
    return out
