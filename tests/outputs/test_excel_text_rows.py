"""The streaming sheets' rows written as XML text give the workbook openpyxl writes.

The same table goes through :func:`rsgeo.outputs.excel.write_sheet` (and rows
of :class:`~rsgeo.outputs.excel.Looks` cells through ``write_rows``) twice:
into an ordinary openpyxl workbook, whose cells openpyxl itself serialises
(the reference), and into a streaming workbook (:func:`new_workbook`), whose
rows are written as text (:mod:`rsgeo.outputs.xlsx_rows`). openpyxl reads
both files back: every cell's style (font, fill, alignment, border, number
format), the widths, heights, frozen panes, merged ranges and print settings
are equal, and rows given column by column (``write_columns``) too; the streaming file's
values are exactly the values handed in
(floats to the last bit, text with ``=``, ``<``, ``&``, emoji and CJK, dates),
NaN and None empty, and no cell anywhere is a formula. LibreOffice prints the
streaming file's text as written. Memory while rows stream does not grow with
the rows.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import office
import openpyxl
import pytest
from openpyxl.styles import Alignment, Border, Font, Side

from rsgeo.outputs.excel import (
    Looks,
    PrintHeading,
    Sheet,
    append_row,
    new_workbook,
    save_workbook,
    write_columns,
    write_rows,
    write_sheet,
)

TEXTS = (
    "=1+1",
    '=HYPERLINK("http://x")',
    "+86",
    "-cmd",
    "@SUM(A1)",
    "a < b & c > d",
    "<b>粗体</b>",
    "&amp;",
    "卫星🛰️图斑",
    "融水苗族自治县",
    "  两端有空格  ",
    "第一行\n第二行",
    "回车\r\n换行",
    "#N/A",
    "TRUE",
    "0123",
)
FLOATS = (0.1 + 0.2, 1e-7, -2.5, 123456789.123456, 1 / 3, 2.675, -0.0, 1e20)


def _table(n: int) -> Sheet:
    """Every kind of cell, ``n`` rows: text, floats, ints, dates, empty, flags, wrapped text."""
    sheet = Sheet("图斑明细", units="单位：亩", key_columns=1, print_columns=5)
    sheet.add("监测编号", [f"45022510{i:06d}" for i in range(n)])
    sheet.add("说明", [TEXTS[i % len(TEXTS)] for i in range(n)])
    sheet.add(
        "面积（亩）",
        [FLOATS[i % len(FLOATS)] if i % 11 else (math.nan if i % 2 else None) for i in range(n)],
        "0.00",
    )
    sheet.add("个数", [i * 7 - 30 if i % 5 else None for i in range(n)], "0")
    sheet.add(
        "日期",
        [dt.datetime(2020, 1, 1) + dt.timedelta(days=i) if i % 4 else None for i in range(n)],
        "yyyy-mm-dd",
    )
    sheet.add("是否涉及永久基本农田", [bool(i % 3) for i in range(n)])
    sheet.flag_columns.add(5)
    sheet.add("备注", ["很长的说明文字，" * (1 + i % 6) if i % 3 == 0 else "" for i in range(n)])
    sheet.add("屏幕列", [f"only on screen {i}" for i in range(n)])
    sheet.bold_rows.add(n - 1)
    sheet.notes.append("=注：不是公式。")
    return sheet


HEADING = PrintHeading(
    title="某县　图斑明细",
    lines=("填报单位：某县自然资源局", "制表日期：2026年11月27日"),
    signature="填表人：\u3000\u3000审核人：",
    footer="第 &P 页 共 &N 页",
)


def _looks_rows(ws: Any) -> None:
    """A sheet laid out by hand, as the review record and the sealed register are."""
    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    looks = Looks(ws)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 30
    ws.freeze_panes = "A2"
    ws.row_dimensions[3].height = 45
    ws.merged_cells.add("C1:D1")
    rows = [
        [looks.cell("项目", font=bold, border=box), looks.cell("内容", font=bold, border=box)],
        [looks.cell("=审核人", border=box), looks.cell("张三 & 李四", border=box, alignment=wrap)],
        [looks.cell("日期", border=box), looks.cell(dt.date(2026, 11, 27), border=box)],
        ["plain", 3.25, None, dt.datetime(2026, 1, 2, 12, 30)],
        [looks.cell("编号", number_format="@"), looks.cell(None, border=box), "", 7],
    ]
    write_rows(ws, rows)


def _columns_sheet(ws: Any, n: int) -> None:
    """A listing written column by column, as the review record's sheets are."""
    looks = Looks(ws)
    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    styles = [
        looks.style(border=box, number_format="@"),
        looks.style(border=box, alignment=Alignment(wrap_text=True, vertical="top")),
        looks.style(border=box, number_format="0.00"),
    ]
    append_row(ws, [looks.cell(h, font=Font(bold=True)) for h in ("编号", "问题说明", "面积")])
    columns = [
        [f"{i:05d}" for i in range(n)],
        [TEXTS[i % len(TEXTS)] if i % 7 else None for i in range(n)],
        [FLOATS[i % len(FLOATS)] if i % 9 else math.nan for i in range(n)],
    ]
    write_columns(ws, columns, styles, heights=[30.0 if i % 4 == 0 else None for i in range(n)])


def _both(tmp_path: Path, n: int) -> tuple[Path, Path]:
    """The same sheets written cell by cell by openpyxl and as text; their paths."""
    paths = []
    for name, wb in (("reference", openpyxl.Workbook()), ("text", new_workbook())):
        if name == "reference":
            wb.remove(wb.active)
        write_sheet(wb.create_sheet("图斑明细"), _table(n), HEADING)
        _looks_rows(wb.create_sheet("审核记录"))
        _columns_sheet(wb.create_sheet("问题清单"), n)
        paths.append(save_workbook(wb, tmp_path / f"{name}.xlsx"))
    return paths[0], paths[1]


def _style(cell: Any) -> tuple[Any, ...]:
    f, a, b = cell.font, cell.alignment, cell.border
    return (
        f.b,
        f.sz,
        f.color.rgb if f.color is not None else None,
        cell.fill.fill_type,
        cell.fill.fgColor.rgb,
        a.wrap_text,
        a.vertical,
        a.horizontal,
        b.left.style,
        b.top.style,
        cell.number_format,
    )


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _both(tmp_path_factory.mktemp("text_rows"), 300)


def test_styles_and_layout_equal_openpyxls_own(books: tuple[Path, Path]) -> None:
    ref_book = openpyxl.load_workbook(books[0])
    new_book = openpyxl.load_workbook(books[1])
    assert new_book.sheetnames == ref_book.sheetnames
    for title in ref_book.sheetnames:
        ref, new = ref_book[title], new_book[title]
        assert (new.max_row, new.max_column) == (ref.max_row, ref.max_column), title
        for ref_row, new_row in zip(ref.iter_rows(), new.iter_rows(), strict=True):
            for a, b in zip(ref_row, new_row, strict=True):
                assert _style(b) == _style(a), (title, a.coordinate)
                assert b.value is None or a.value is not None, (title, a.coordinate)
                if a.value is not None and a.data_type != "e":  # "#N/A": text, not an error
                    assert b.data_type == a.data_type, (title, a.coordinate)
        widths = {k: d.width for k, d in ref.column_dimensions.items()}
        assert {k: d.width for k, d in new.column_dimensions.items()} == widths
        heights = {r: d.height for r, d in ref.row_dimensions.items() if d.height}
        assert {r: d.height for r, d in new.row_dimensions.items() if d.height} == heights
        assert new.freeze_panes == ref.freeze_panes
        assert sorted(map(str, new.merged_cells.ranges)) == sorted(
            map(str, ref.merged_cells.ranges)
        )
        assert new.print_title_rows == ref.print_title_rows
        assert new.print_area == ref.print_area
        assert new.page_setup.orientation == ref.page_setup.orientation
        assert new.page_setup.scale == ref.page_setup.scale
        assert new.page_setup.paperSize == ref.page_setup.paperSize
        assert new.oddFooter.center.text == ref.oddFooter.center.text
        assert [b.id for b in new.col_breaks.brk] == [b.id for b in ref.col_breaks.brk]
    # the table's look, read from the file: bold header, formats, flags in red
    ws = new_book["图斑明细"]
    assert ws.cell(3, 1).font.b and ws.cell(3, 1).value == "监测编号"
    assert ws.cell(5, 3).number_format == "0.00" and ws.cell(5, 5).number_format == "yyyy-mm-dd"
    assert ws.cell(5, 6).value == "是" and ws.cell(5, 6).font.color.rgb == "00C00000"


def test_values_read_back_exactly_as_handed_in(books: tuple[Path, Path]) -> None:
    sheet = _table(300)
    ws = openpyxl.load_workbook(books[1])["图斑明细"]
    first = 4  # the title, the 填报单位 line and the header above
    for j, values in enumerate(sheet.columns, start=1):
        got = [ws.cell(first + i, j).value for i in range(len(values))]
        want = [None if v == "" else v for v in values]  # an empty text is an empty cell
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            if isinstance(w, float):  # to the last bit, the sign of zero too
                assert isinstance(g, float) and g.hex() == w.hex(), (j, i, g, w)
            else:
                assert g == w and type(g) is type(w), (j, i, g, w)
    handed = _table(300).columns
    assert handed[2][11] is None and handed[2][33] is None  # NaN and None: empty
    assert ws.cell(first + 11, 3).value is None and ws.cell(first + 33, 3).value is None
    assert {v for v in handed[5]} == {"是", "否"}
    looks = openpyxl.load_workbook(books[1])["审核记录"]
    assert looks["A2"].value == "=审核人" and looks["A2"].data_type == "s"
    assert looks["B3"].value == dt.datetime(2026, 11, 27)
    assert looks["B3"].number_format == "yyyy-mm-dd"
    assert looks["D4"].value == dt.datetime(2026, 1, 2, 12, 30)
    assert looks["D4"].number_format == "yyyy-mm-dd h:mm:ss"
    assert looks["B4"].value == 3.25 and looks["C5"].value is None and looks["D5"].value == 7
    listing = openpyxl.load_workbook(books[1])["问题清单"]
    assert listing["A2"].value == "00000" and listing["A2"].number_format == "@"
    assert listing["B3"].value == TEXTS[1] and listing["B2"].value is None
    assert listing["C3"].value == FLOATS[1] and listing["C2"].value is None  # NaN: empty
    assert listing.row_dimensions[2].height == 30 and listing.row_dimensions[3].height is None


def test_no_cell_is_a_formula(books: tuple[Path, Path]) -> None:
    for path in books[1:]:
        book = openpyxl.load_workbook(path)
        cells = [c for ws in book for row in ws.iter_rows() for c in row]
        assert len(cells) > 2000
        assert all(c.data_type != "f" for c in cells)
        formula_like = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@"]
        assert len(formula_like) > 50
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/"):
                    assert not re.search(rb"<f[ >]", z.read(name)), name


def test_control_characters_are_replaced_not_lost(tmp_path: Path) -> None:
    wb = new_workbook()
    ws = wb.create_sheet("表")
    append_row(ws, ["响铃\x07字符", "制表\t符", "x" * 40_000])
    ws2 = openpyxl.load_workbook(save_workbook(wb, tmp_path / "c.xlsx"))["表"]
    assert ws2["A1"].value == "响铃\ufffd字符" and ws2["B1"].value == "制表\t符"
    assert len(ws2["C1"].value) == 32_767  # Excel's limit, where openpyxl cut too


def test_libreoffice_prints_the_text_as_written(tmp_path: Path) -> None:
    wb = new_workbook()
    write_sheet(wb.create_sheet("图斑明细"), _table(60), HEADING)
    path = save_workbook(wb, tmp_path / "print.xlsx")
    printed = re.sub(r"\s+", "", "".join(office.pdf_pages(office.to_pdf(path, tmp_path))))
    for text in ("=1+1", "a<b&c>d", "<b>粗体</b>", "&amp;", "融水苗族自治县", "=注：不是公式。"):
        assert text in printed, text
    assert "2020-01-02" in printed and "0.30" in printed and "-2.50" in printed
    assert "#NAME?" not in printed and "Err:" not in printed


def _peak_streaming(n_rows: int) -> int:
    wb = new_workbook()
    ws = wb.create_sheet("流")
    looks = Looks(ws)
    bold = Font(bold=True)
    tracemalloc.start()
    for i in range(n_rows):
        append_row(ws, [f"图斑{i:07d}", i * 0.25, looks.cell("融水镇", font=bold), i, None])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    ws.__dict__["_rsgeo_rows"].close()
    return peak


def test_memory_does_not_grow_with_the_rows() -> None:
    # the 60,000 more rows' XML would take about 11 MB in memory (190 characters a row);
    # what stays is a block of rows and the escaped texts of at most 16,384 distinct texts
    small, large = _peak_streaming(20_000), _peak_streaming(80_000)
    assert large < small + 4_000_000, (small, large)
