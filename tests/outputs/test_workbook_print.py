"""The county workbook printed on A4 by LibreOffice and read back with poppler and pypdf.

The small run's workbook (tests/conftest.py ``small_run``) is printed as a
user prints it; the PDF is checked for the paper, the pages, the printed
font size, page numbers, title rows and the repeated header, and the
workbook's cells for text that would overflow them. The pieces sheet is
summed per township (pandas, as SUMIF does) and compared with 乡镇汇总.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import office
import openpyxl
import pandas as pd
import pytest

A4_PT = (595.3, 841.9)
MIN_PT = 9.0


@pytest.fixture(scope="module")
def printed(small_run: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The small run's workbook (a copy) and its PDF printed by LibreOffice."""
    folder = tmp_path_factory.mktemp("print")
    book = folder / "workbook.xlsx"
    shutil.copy(small_run / "统计报表.xlsx", book)
    return book, office.to_pdf(book, folder)


def _pypdf():  # type: ignore[no-untyped-def]
    """pypdf (the ``test`` extra); skips without it, fails under CI."""
    try:
        import pypdf
    except ImportError:
        why = "pypdf reads the printed font sizes (pip install -e '.[test]')"
        if office.IN_CI:
            pytest.fail(f"{why}: CI must run this test")
        pytest.skip(why)
    return pypdf


def _header_row(ws: openpyxl.worksheet.worksheet.Worksheet) -> int:
    """The header row: the row the sheet repeats on every printed page."""
    m = re.fullmatch(r"\$?(\d+):\$?(\d+)", ws.print_title_rows or "")
    assert m, f"{ws.title}: no print title rows"
    return int(m.group(1))


def _table(ws: openpyxl.worksheet.worksheet.Worksheet) -> pd.DataFrame:
    """The sheet's table: header row, then rows down to the first empty one."""
    rows = list(ws.iter_rows(min_row=_header_row(ws), values_only=True))
    end = next((i for i, r in enumerate(rows) if all(v is None for v in r)), len(rows))
    return pd.DataFrame(rows[1:end], columns=rows[0])


def test_pages_are_a4_and_numbered(printed: tuple[Path, Path]) -> None:
    book, pdf = printed
    sizes = office.pdf_page_sizes_pt(pdf)
    for w, h in sizes:
        assert sorted((round(w, 1), round(h, 1))) == pytest.approx(sorted(A4_PT), abs=1.0)
    pages = office.pdf_pages(pdf)
    assert len(pages) == len(sizes)
    # no more pages than the rows' heights and the column blocks ask for
    wb = openpyxl.load_workbook(book)
    bound = sum(_page_bound(ws) for ws in wb.worksheets)
    assert len(pages) <= bound, (len(pages), bound)
    # every page says its number and the number of pages of its sheet
    for i, text in enumerate(pages):
        found = re.search(r"第\s*(\d+)\s*页\s*共\s*(\d+)\s*页", text)
        assert found, f"page {i + 1} has no page number"
        assert 1 <= int(found.group(1)) <= int(found.group(2))


def _printed_columns(ws: openpyxl.worksheet.worksheet.Worksheet) -> int:
    """The last column the sheet prints: its print area's, else its last column."""
    if ws.print_area:
        last = str(ws.print_area).split("!")[-1].split(":")[1].replace("$", "")
        return openpyxl.utils.cell.column_index_from_string(last.rstrip("0123456789"))
    return ws.max_column


def _page_bound(ws: openpyxl.worksheet.worksheet.Worksheet) -> int:
    """The most pages the sheet may print on: its rows' heights (15 pt where not set,
    Excel's default and more than LibreOffice's) over the height of a page at the
    sheet's scale, less the repeated header row and the tallest row (a page ends
    before a row that does not fit), times its column blocks."""
    scale = (ws.page_setup.scale or 100) / 100
    page_h = 595.3 if ws.page_setup.orientation == "landscape" else 841.9
    usable = (page_h - 72 * (ws.page_margins.top + ws.page_margins.bottom)) / scale
    header = ws.row_dimensions[_header_row(ws)].height or 15.0
    heights = [ws.row_dimensions[r].height or 15.0 for r in range(1, ws.max_row + 1)]
    blocks = len(ws.col_breaks.brk) + 1
    return blocks * math.ceil(sum(heights) / (usable - header - max(heights)))


def _printed_sizes(pdf: Path) -> list[tuple[int, float, str]]:
    """(page, font size on paper in points, text) of every text run (pypdf)."""
    pypdf = _pypdf()
    runs: list[tuple[int, float, str]] = []
    for n, page in enumerate(pypdf.PdfReader(pdf).pages):

        def visit(text, cm, tm, font, size, n=n):  # type: ignore[no-untyped-def]
            if text.strip():
                a = tm[0] * cm[0] + tm[1] * cm[2]
                b = tm[0] * cm[1] + tm[1] * cm[3]
                c = tm[2] * cm[0] + tm[3] * cm[2]
                d = tm[2] * cm[1] + tm[3] * cm[3]
                runs.append((n, size * math.sqrt(abs(a * d - b * c)), text))

        page.extract_text(visitor_text=visit)
    return runs


def test_body_text_prints_at_9_pt_or_more(printed: tuple[Path, Path]) -> None:
    book, pdf = printed
    runs = _printed_sizes(pdf)
    assert runs
    small = [(p + 1, round(s, 2), t) for p, s, t in runs if s < MIN_PT - 0.05]
    assert small == [], small[:10]
    # the word boxes of poppler agree: no text shorter than the body's
    heights = office.pdf_font_sizes_pt(pdf)
    body = pd.Series(heights).mode().iloc[0]
    assert min(heights) >= body - 0.05
    # and the workbook says the same: print scale × the smallest font of each sheet
    wb = openpyxl.load_workbook(book)
    for ws in wb.worksheets:
        scale = (ws.page_setup.scale or 100) / 100
        assert not ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        sizes = [c.font.sz for row in ws.iter_rows() for c in row if c.value is not None]
        assert min(sizes) * scale >= MIN_PT, ws.title
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)


def test_title_rows_header_repeated_and_signature(printed: tuple[Path, Path]) -> None:
    book, pdf = printed
    pages = office.pdf_pages(pdf)
    wb = openpyxl.load_workbook(book)
    # each sheet starts on the first page with its title row
    starts = [
        next(i for i, text in enumerate(pages) if re.search(rf"small job\s+{ws.title}", text))
        for ws in wb.worksheets
    ]
    assert starts == sorted(starts) and starts[0] == 0
    sheet_pages = {
        ws.title: pages[a:b]
        for ws, a, b in zip(wb.worksheets, starts, [*starts[1:], len(pages)], strict=True)
    }
    for title, texts in sheet_pages.items():
        first = texts[0]
        assert "small job" in first and title in first, title
        assert "填报单位" in first and "制表日期" in first, title
        signed = "".join(texts)
        assert "审核人" in signed and "负责人" in signed and "填表人" in signed, title
        header = _table(wb[title]).columns[0]
        for n, text in enumerate(texts):
            assert re.sub(r"\s", "", str(header)) in re.sub(r"\s", "", text), (title, n + 1)
    detail = sheet_pages["图斑明细"]
    assert len(detail) >= 2
    # page 2 repeats the header row (and the patch-id column)
    assert "监测编号" in detail[1]


def _em(ch: str) -> float:
    """Width of a character in ems: GBK double-byte characters are square, others at most 0.6."""
    return 1.0 if len(ch.encode("gbk", "replace")) == 2 else 0.6


def test_no_text_overflows_its_cell(printed: tuple[Path, Path]) -> None:
    book, pdf = printed
    wb = openpyxl.load_workbook(book)
    problems = []
    for ws in wb.worksheets:
        spans = {}
        for rng in ws.merged_cells.ranges:
            spans[(rng.min_row, rng.min_col)] = range(rng.min_col, rng.max_col + 1)
        # the columns outside the print area are on screen only (one line each)
        for row in ws.iter_rows(max_col=_printed_columns(ws)):
            for cell in row:
                if cell.value is None or not isinstance(cell.value, str):
                    continue
                cols = spans.get((cell.row, cell.column), [cell.column])
                # a column of width w is 7w + 5 px at 96 dpi; 2 px of margin each side
                width_pt = sum(
                    (ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width * 7 + 1) * 0.75
                    for c in cols
                )
                size = cell.font.sz or 11
                lines = cell.value.split("\n")
                need = [sum(_em(ch) for ch in line) * size for line in lines]
                if not (cell.alignment and cell.alignment.wrap_text):
                    if max(need) > width_pt:
                        problems.append((ws.title, cell.coordinate, cell.value[:20]))
                    continue
                n_lines = sum(max(1, math.ceil(n / width_pt)) for n in need)
                height = ws.row_dimensions[cell.row].height or 15
                if n_lines * size * 1.15 > height:
                    problems.append((ws.title, cell.coordinate, n_lines, height))
    assert problems == [], problems[:10]
    # on paper: no two words overprint each other (no box overlaps another)
    out = subprocess.run(
        [office.need("pdftotext", "poppler-utils"), "-bbox", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for n, page in enumerate(out.split("<page ")[1:], start=1):
        boxes = [
            tuple(map(float, m.groups()))
            for m in re.finditer(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', page
            )
        ]
        boxes.sort()
        for i, (x0, y0, x1, y1) in enumerate(boxes):
            for u0, v0, u1, v1 in boxes[i + 1 :]:
                if u0 >= x1 - 0.5:
                    break
                overlap_y = min(y1, v1) - max(y0, v0)
                overlap_x = min(x1, u1) - max(x0, u0)
                assert not (overlap_x > 0.5 and overlap_y > 0.5), (n, (x0, y0, x1, y1))


def test_sumif_over_the_pieces_gives_the_township_summary(printed: tuple[Path, Path]) -> None:
    book, _pdf = printed
    wb = openpyxl.load_workbook(book)
    pieces = _table(wb["图斑分乡镇面积"])
    summary = _table(wb["乡镇汇总"])
    towns = summary[summary["乡镇代码"] != "合计"].set_index("乡镇名称")
    areas = [c for c in pieces.columns if str(c).endswith("亩）")]
    assert "图斑总面积（亩）" in areas and "违法占用耕地面积（扣减后，亩）" in areas
    # a patch split over townships: several pieces with one id
    assert pieces["监测编号"].duplicated().any() or len(pieces) == len(_table(wb["图斑明细"]))
    for col in areas:
        if towns[col].isna().all():  # a figure without its layer: empty in both sheets
            assert pieces[col].isna().all(), col
            continue
        sumif = pieces.groupby("乡镇名称")[col].sum().reindex(towns.index, fill_value=0.0)
        assert sumif.round(2).tolist() == pytest.approx(towns[col].tolist(), abs=1e-9), col
    counted = pieces.groupby("乡镇名称")["计入图斑个数"].sum().reindex(towns.index, fill_value=0)
    assert counted.tolist() == towns["图斑总数（个）"].tolist()


def _sheet_pages(pages: list[str], titles: list[str], job: str) -> dict[str, int]:
    """The pages of each sheet: a sheet starts on the page its title row opens."""
    starts = []
    for title in titles:
        heading = re.compile(rf"{re.escape(job)}\s+{re.escape(title)}\s*$")
        starts.append(
            next(
                i
                for i, text in enumerate(pages)
                if any(heading.search(line.strip()) for line in text.splitlines()[:3])
            )
        )
    assert starts == sorted(starts) and starts[0] == 0, starts
    ends = [*starts[1:], len(pages)]
    return {t: b - a for t, a, b in zip(titles, starts, ends, strict=True)}


def test_the_demo_workbook_prints_in_few_pages(tmp_path: Path) -> None:
    """The demo's 778 patches: the listings print their key columns, about 30 rows a page."""
    import dataclasses

    from rsgeo.io.sample import sample_path
    from rsgeo.job import load_job
    from rsgeo.pipeline import run_job

    job = load_job(sample_path("rongshui_2020.toml"))
    job = dataclasses.replace(job, outputs={k: k == "workbook" for k in job.outputs})
    run_job(job, tmp_path / "out", progress=False)
    book = tmp_path / "workbook.xlsx"
    shutil.copy(tmp_path / "out" / "统计报表.xlsx", book)
    pages = office.pdf_pages(office.to_pdf(book, tmp_path))
    wb = openpyxl.load_workbook(book)
    counts = _sheet_pages(pages, wb.sheetnames, job.name)
    for ws in wb.worksheets:
        assert counts[ws.title] <= _page_bound(ws), (ws.title, counts[ws.title])
    # a listing row is one line: a landscape page at 90 % holds its rows of 15 pt
    detail = wb["图斑明细"]
    n_rows = _table(detail).shape[0]
    assert n_rows > 700
    usable = (595.3 - 72 * (detail.page_margins.top + detail.page_margins.bottom)) / 0.9
    per_page = math.floor((usable - 2 * 15.0) / 15.0)  # less the header row (two lines)
    assert per_page >= 30
    assert counts["图斑明细"] <= math.ceil(n_rows / per_page) + 1, counts
    assert not detail.col_breaks.brk
    # the township sheets but 乡镇汇总 (35 figures a row) print one page wide
    for title in ("问责预警", "红黑榜", "说明"):
        assert not wb[title].col_breaks.brk, title
    assert len(pages) < 100, counts
    # the heading and the signature print once a sheet, on no block page again
    printed = "".join(pages)
    assert printed.count("填报单位") == printed.count("审核人") == len(wb.sheetnames)
    # and every page of 乡镇汇总 (in blocks) shows the key columns' headers and names
    summary = pages[: counts["乡镇汇总"]]
    assert len(summary) >= 2
    for text in summary:
        assert "乡镇代码" in text and "乡镇名称" in text and "同练瑶族乡" in text
