"""The one Excel writer streams (openpyxl write-only mode) and loses nothing.

A sheet of 20,000 rows written by :func:`rsgeo.outputs.excel.write_sheet` is
read back with openpyxl (ordinary and read-only mode) and with pandas, and
compared with the values it was handed: text that starts with "=" stays
text, numbers stay numbers, dates stay dates. The print settings are read
from the file's XML; LibreOffice prints a smaller sheet and poppler reads
the text, formula-like text printed as written. The CSV writer's chunks
join into the file pandas writes in one go.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import numpy as np
import office
import openpyxl
import pandas as pd
import pytest

from rsgeo.outputs import csv_tables
from rsgeo.outputs.csv_tables import escape_cell, write_csv
from rsgeo.outputs.excel import PrintHeading, Sheet, new_workbook, save_workbook, write_sheet

N_ROWS = 20_000
TRICKY = ("=1+1", '=HYPERLINK("http://x")', "+86", "-cmd", "@SUM(A1)", "融水镇\n第二行")


def _columns(n: int) -> dict[str, list[object]]:
    """A table of every kind of cell, ``n`` rows, tricky text spread through it."""
    rng = np.random.default_rng(7)
    day = dt.datetime(2020, 1, 1)
    text: list[object] = [
        TRICKY[i % len(TRICKY)] if i % 97 == 0 else f"图斑{i:06d}" for i in range(n)
    ]
    return {
        "监测编号": [f"4502251{i:07d}" for i in range(n)],
        "说明": text,
        "面积（亩）": [float(v) for v in np.round(rng.uniform(0, 100, n), 2)],
        "个数": [int(v) for v in rng.integers(0, 1000, n)],
        "日期": [day + dt.timedelta(days=i % 365) for i in range(n)],
        "空": [None if i % 3 else "有" for i in range(n)],
    }


def _book(path: Path, n: int) -> tuple[Path, dict[str, list[object]]]:
    cols = _columns(n)
    sheet = Sheet("图斑明细", units="单位：亩", key_columns=1)
    for header, values in cols.items():
        fmt = "0.00" if header == "面积（亩）" else ("yyyy-mm-dd" if header == "日期" else None)
        sheet.add(header, values, fmt)
    sheet.notes.append("=说明：不是公式。")
    heading = PrintHeading(
        title="测试表", lines=("填报单位：某县",), signature="审核人：", footer="第 &P 页"
    )
    wb = new_workbook()
    write_sheet(wb.create_sheet(sheet.title), sheet, heading)
    return save_workbook(wb, path), cols


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[object]]]:
    return _book(tmp_path_factory.mktemp("stream") / "big.xlsx", N_ROWS)


def test_a_large_sheet_reads_back_as_written(big: tuple[Path, dict[str, list[object]]]) -> None:
    path, cols = big
    ws = openpyxl.load_workbook(path)["图斑明细"]
    header_row = 3  # the title and the 填报单位 line above it
    assert [c.value for c in ws[header_row]] == list(cols)
    rows = list(ws.iter_rows(min_row=header_row + 1, max_row=header_row + N_ROWS))
    assert len(rows) == N_ROWS
    for j, (header, values) in enumerate(cols.items()):
        got = [r[j].value for r in rows]
        assert got == values, header
    formula_like = [r[1] for r in rows if str(r[1].value).startswith("=")]
    assert len(formula_like) > 30
    assert all(c.data_type == "s" for c in formula_like)
    assert all(r[2].number_format == "0.00" and r[2].data_type == "n" for r in rows[:50])
    # the heading and the lines below the table
    assert ws.cell(1, 1).value == "测试表"
    tail = [ws.cell(r, 1).value for r in range(header_row + N_ROWS + 1, ws.max_row + 1)]
    assert tail == [None, "=说明：不是公式。", None, "审核人："]
    assert ws.cell(header_row + N_ROWS + 2, 1).data_type == "s"


def test_read_only_readers_and_pandas_get_the_same_table(
    big: tuple[Path, dict[str, list[object]]],
) -> None:
    path, cols = big
    ro = openpyxl.load_workbook(path, read_only=True)["图斑明细"]
    widths = {len(r) for r in ro.iter_rows(values_only=True)}
    assert widths == {len(cols)}  # every row padded to the sheet's declared extent
    frame = pd.read_excel(path, sheet_name="图斑明细", header=2, nrows=N_ROWS, dtype=object)
    assert list(frame.columns) == list(cols)
    assert frame["监测编号"].tolist() == cols["监测编号"]
    assert frame["说明"].tolist() == cols["说明"]
    assert frame["个数"].astype(int).tolist() == cols["个数"]


def test_print_settings_are_in_the_file(big: tuple[Path, dict[str, list[object]]]) -> None:
    path, _ = big
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        book = z.read("xl/workbook.xml").decode()
    top = sheet[: sheet.index("<sheetData")]
    assert re.search(r'<dimension ref="A1:F\d+"/>', top)
    assert 'topLeftCell="A4"' in top and 'state="frozen"' in top  # below the header row
    assert top.count("<col ") == 6 and 'customWidth="1"' in top
    assert re.search(r'<row r="1" [^>]*ht="[\d.]+" customHeight="1"', sheet)
    tail = sheet[sheet.index("</sheetData>") :]
    assert '<mergeCell ref="A1:F1"/>' in tail
    assert '<printOptions horizontalCentered="1"/>' in tail
    setup = re.search(r"<pageSetup [^>]*/>", tail)
    assert setup and 'paperSize="9"' in setup.group(0) and "scale=" in setup.group(0)
    assert "&amp;P" in tail  # the page number in the footer
    titles = re.search(r'<definedName name="_xlnm.Print_Titles"[^>]*>([^<]+)<', book)
    assert titles and titles.group(1).endswith("$3:$3")


def test_libreoffice_prints_formula_like_text_as_written(tmp_path: Path) -> None:
    path, cols = _book(tmp_path / "small.xlsx", 300)
    pages = office.pdf_pages(office.to_pdf(path, tmp_path))
    printed = re.sub(r"\s+", "", "".join(pages))  # wrapped text joined again
    tricky = {str(v) for v in cols["说明"] if v in TRICKY}
    assert {"=1+1", "-cmd"} <= tricky
    for text in [*tricky, "=说明：不是公式。", "图斑000001", "45022510000299"]:
        assert re.sub(r"\s+", "", text) in printed, text
    assert "#NAME?" not in printed and "Err:" not in printed


def test_csv_chunks_join_into_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 2_345
    frame = pd.DataFrame(
        {
            "text": [TRICKY[i % len(TRICKY)] for i in range(n)],
            "area_m2": np.linspace(0, 1, n),
            "flag_military": [i % 500 == 7 for i in range(n)],
        },
        index=pd.Index([f"p{i}" for i in range(n)], name="patch_id"),
    )
    monkeypatch.setattr(csv_tables, "CSV_CHUNK_ROWS", 1000)
    written = write_csv(tmp_path / "chunked.csv", frame).read_bytes()
    # the reference: pandas in one go on the ordinary rows, escaped cell by cell here
    plain = frame.loc[~frame["flag_military"]].copy()
    plain["text"] = plain["text"].map(escape_cell)
    plain.to_csv(tmp_path / "whole.csv", encoding="utf-8-sig")
    assert written == (tmp_path / "whole.csv").read_bytes()
    assert written.count(b"\xef\xbb\xbf") == 1  # one byte-order mark, at the start
