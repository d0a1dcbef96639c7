"""The 约谈/问责建议 list: townships meeting an accountability criterion, with figures and reasons.

The work plan (§三(六), §五(四)) brings every township meeting one of the five
criteria into 警示约谈 and leaves to the bureau whether to propose 问责 to the
discipline inspection or personnel department. The list prints, for each such
township, the criteria met, the figures behind them (as the workbook prints
them) and the reason the statistics give for each criterion; the decision on
问责 is a marked place a person fills in. Written as a Word table and as an
Excel sheet (the one Excel writer, :mod:`rsgeo.outputs.excel`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from rsgeo.geo.units import format_half_up
from rsgeo.outputs.excel import Sheet, new_workbook, save_workbook, write_sheet
from rsgeo.outputs.reports.document import Document
from rsgeo.schema.labels import COLUMN_LABELS
from rsgeo.schema.reports import (
    ACCOUNTABILITY_COLUMNS,
    ACCOUNTABILITY_INTRO,
    ACCOUNTABILITY_MEASURE,
    ACCOUNTABILITY_NONE,
    ACCOUNTABILITY_REFERRAL,
    ACCOUNTABILITY_SHEET,
    ACCOUNTABILITY_TITLE,
    DRAFT_MARK,
    SIGNATURE,
    placeholder,
)

__all__ = ["accountability_table", "add_accountability_table", "write_accountability"]


def accountability_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The printed list: a number, the township's rows, the measure and the 问责 decision."""
    table = rows.drop(columns=[COLUMN_LABELS["township_code"]])
    table.insert(0, ACCOUNTABILITY_COLUMNS["number"], [str(i + 1) for i in range(len(table))])
    table[ACCOUNTABILITY_COLUMNS["measure"]] = ACCOUNTABILITY_MEASURE
    table[ACCOUNTABILITY_COLUMNS["referral"]] = placeholder(ACCOUNTABILITY_REFERRAL)
    return table


def add_accountability_table(
    doc: Document, rows: pd.DataFrame, *, decimals: Mapping[str, int]
) -> None:
    """The list as a Word table in ``doc`` (a sentence when no township is listed).

    The measure (纳入警示约谈范围) is the same for every row: the sentence
    before the table says it, the Excel list has it as a column.

    ``decimals`` gives the decimals of each figure column (``ShownFigures.decimals``).
    """
    if not len(rows):
        doc.paragraph(ACCOUNTABILITY_NONE)
        return
    table = accountability_table(rows).drop(columns=[ACCOUNTABILITY_COLUMNS["measure"]])
    headers = list(table.columns)
    cells = [
        [
            format_half_up(v, decimals[h]) if h in decimals else str(v)
            for h, v in zip(headers, r, strict=True)
        ]
        for r in table.itertuples(index=False)
    ]
    doc.table(headers, cells, numeric=[h in decimals for h in headers])


def write_accountability(
    rows: pd.DataFrame,
    docx_path: Path,
    xlsx_path: Path,
    *,
    decimals: Mapping[str, int],
    subtitle: str,
) -> tuple[Path, Path]:
    """Write the list as ``docx_path`` (Word) and ``xlsx_path`` (one sheet).

    Parameters
    ----------
    rows : pandas.DataFrame
        :func:`rsgeo.outputs.reports.figures.accountability_rows`.
    docx_path, xlsx_path : Path
        The files to write (replaced if present; the caller checks).
    decimals : mapping
        Decimals of each figure column (``ShownFigures.decimals``).
    subtitle : str
        The job's name, under the title.
    """
    doc = Document(ACCOUNTABILITY_TITLE + DRAFT_MARK, subtitle, landscape=True)
    if len(rows):
        doc.paragraph(ACCOUNTABILITY_INTRO)
    add_accountability_table(doc, rows, decimals=decimals)
    doc.signature([SIGNATURE["county"], SIGNATURE["date"]])
    doc.save(docx_path)

    table = accountability_table(rows) if len(rows) else accountability_table(rows).iloc[0:0]
    sheet = Sheet(ACCOUNTABILITY_SHEET)
    codes = rows[COLUMN_LABELS["township_code"]].tolist() if len(rows) else []
    sheet.add(COLUMN_LABELS["township_code"], codes)
    for header in table.columns:
        if header == ACCOUNTABILITY_COLUMNS["number"]:
            continue
        fmt = None if header not in decimals else "0" if decimals[header] == 0 else "0.00"
        values = table[header].tolist()
        if header in decimals:  # numbers stay numbers; a figure that cannot be computed is empty
            values = [None if pd.isna(v) else v for v in values]
        sheet.add(header, values, fmt)
    if not len(rows):
        sheet.notes.append(ACCOUNTABILITY_NONE)
    wb = new_workbook()
    write_sheet(wb.create_sheet(sheet.title), sheet)
    save_workbook(wb, xlsx_path)
    return docx_path, xlsx_path
