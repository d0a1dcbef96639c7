"""The review record printed on A4 by LibreOffice, read back with poppler.

The xlsx is printed as a user prints it (``office.to_pdf``); the PDF's page
sizes, the positions of the words (``pdftotext -bbox``) and the text of each
page are the reference, never the writer's own settings.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import office
import openpyxl
import pytest
from shapely.geometry import box

from rsgeo.audit.findings import run_review
from rsgeo.audit.sampling import run_spot_check
from rsgeo.outputs.review_record import write_review_record
from rsgeo.schema.labels import SIGNATURE_LABELS

X0, Y0 = 600_000.0, 2_780_000.0
TOWNS = {
    "450225207": "同练瑶族乡",
    "450225208": "滚贝侗族乡",
    "450225100": "融水镇",
    "450225213": "红水乡",
}
A4_PT = (595.3, 841.9)


def _patches() -> gpd.GeoDataFrame:
    """Patches in four townships with faults that fire most rules, many per township."""
    rows = []
    for t, (code, name) in enumerate(TOWNS.items()):
        for i in range(12):
            bad = i % 4
            rows.append(
                {
                    "patch_id": f"{code}-2020-{i:03d}",
                    "township_code": code,
                    "township_name": name,
                    "area_m2": 10000.0,
                    "reported_area_m2": 12500.0 if bad == 1 else 10010.0,
                    "pbf_m2": 300.0,
                    "approved_m2": 0.0 if bad == 2 else 10000.0,
                    "flag_pbf": True,
                    "suggested_class": "违法",
                    "determination": None if bad == 3 else ("合法" if i % 2 else "违法"),
                    "illegal_type": None,
                    "case_number": None,
                    "responsible_party": None,
                    "illegal_area_m2": 10000.0,
                    "rectification_method": "拆除复耕" if bad == 0 else None,
                    "rectification_date": None,
                    "rectified_area_m2": 12000.0 if bad == 0 else np.nan,
                    "flag_military": False,
                    "geometry": box(
                        X0 + i * 200, Y0 + t * 200, X0 + i * 200 + 100, Y0 + t * 200 + 100
                    ),
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4545").set_index("patch_id")


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("record")
    patches = _patches()
    review = run_review(patches)
    assert len(review.findings) > 60  # enough rows to run over several pages
    paths = write_review_record(
        review,
        out,
        reviewer="张三",
        review_date="2021-01-15",
        # a long scope: it wraps in the summary and must print whole
        scope="融水苗族自治县 2020 年度卫片执法图斑（第一季度至第四季度，含补充图斑、"
        "重复下发图斑及跨乡镇图斑，按自然资源部下发图斑及县级补充核查图斑合并审核）",
        spot_check=run_spot_check(patches, per_township=3, seed=7),
    )
    pdf = office.to_pdf(paths["xlsx"], out / "pdf")
    return {"xlsx": paths["xlsx"], "pdf": pdf, "review": review}


def _words(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Each page's words with their boxes (pdftotext -bbox), and the page width."""
    tool = office.need("pdftotext", "poppler-utils")
    xhtml = subprocess.run(
        [tool, "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = []
    for page in re.split(r"<page ", xhtml)[1:]:
        width = float(re.search(r'width="([\d.]+)"', page).group(1))  # type: ignore[union-attr]
        words = [
            (float(a), float(b), float(c), width, w)
            for a, b, c, w in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
                page,
            )
        ]
        pages.append(words)
    return pages


def test_every_page_is_a4(printed: dict) -> None:
    sizes = office.pdf_page_sizes_pt(printed["pdf"])
    assert len(sizes) >= 5  # a summary page and one or more per table sheet
    for w, h in sizes:
        assert sorted((w, h)) == pytest.approx(sorted(A4_PT), abs=1.5)


def test_no_word_runs_off_the_right_edge(printed: dict) -> None:
    for n, words in enumerate(_words(printed["pdf"]), start=1):
        assert words, f"page {n} is empty"
        for x0, _y0, x1, width, text in words:
            assert 0 <= x0 and x1 <= width, (
                f"page {n}: {text!r} at {x0:.0f}–{x1:.0f} of {width:.0f}"
            )


def test_each_table_is_one_page_wide_with_its_header_on_every_page(printed: dict) -> None:
    """All headers of a sheet lie on one page (one page across), repeated on each page."""
    wb = openpyxl.load_workbook(printed["xlsx"], read_only=True)
    pages = office.pdf_pages(printed["pdf"])
    flat = ["".join(p.split()) for p in pages]
    for name in ("按规则统计", "按乡镇统计", "问题清单", "抽查分层", "抽查样本"):
        headers = [str(h) for h in next(wb[name].iter_rows(max_row=1, values_only=True))]
        # the sheet's pages: those carrying its title in the page header
        own = [i for i, p in enumerate(flat) if f"{name}" in p and headers[0] in p]
        assert own, f"{name}: no page shows its header row"
        for i in own:
            # a long header of a wide table may print over two lines: its characters
            missing = [h for h in headers if h not in flat[i] and not set(h) <= set(flat[i])]
            assert missing == [], f"{name}, page {i + 1}: headers not on the page: {missing}"
            assert headers[0] in flat[i] and headers[-1] in flat[i], name
    # the long listing runs over several pages, each with the header row
    listing = [i for i, p in enumerate(flat) if "问题清单" in p]
    assert len(listing) >= 2


def test_township_names_print_whole_on_one_line(printed: dict) -> None:
    lines = [line for page in office.pdf_pages(printed["pdf"]) for line in page.splitlines()]
    for name in TOWNS.values():
        assert any(name in line for line in lines), f"{name} is broken over lines"
        # and never one character per line
        assert not any(line.strip() == name[0] for line in lines)


def test_no_english_words_in_the_chinese_text(printed: dict) -> None:
    """Only codes are Latin: rule ids, field codes (JCMJ, the patch table's columns)
    and the name of the random generator, which the record must state."""
    text = "\n".join(office.pdf_pages(printed["pdf"]))
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9_]*", text))
    codes = {f"R{i:02d}" for i in range(1, 100)} | {"JCMJ", "numpy", "PCG64", "SeedSequence"}
    codes |= {"CRC32"} | set(_patches().columns) | {"outside_townships_m2", "geometry_status"}
    assert words - codes == set()
    # the words a reader must see in Chinese
    for word in ("determination", "county", "error", "warning"):
        assert word not in text


def test_body_text_is_readable_after_fitting(printed: dict) -> None:
    """Fitting to the page width shrinks the widest table (18 rule columns); its text
    stays ≥ 8 pt (the line boxes of pdftotext, a little over the font size)."""
    sizes = office.pdf_font_sizes_pt(printed["pdf"])
    assert sizes and np.percentile(sizes, 5) >= 8.0


def test_signature_block_has_wide_boxes(printed: dict) -> None:
    wb = openpyxl.load_workbook(printed["xlsx"])
    ws = wb["审核记录"]
    labels = [v for k, v in SIGNATURE_LABELS.items() if k != "surveyor"]
    rows = {c.value: c.row for c in ws["A"] if c.value in labels}
    assert set(rows) == set(labels)
    for label, r in rows.items():
        box_cell = ws.cell(row=r, column=2)
        assert box_cell.border.left.style and box_cell.border.right.style, label
        assert (ws.row_dimensions[r].height or 0) >= 24, label
    assert ws.column_dimensions["B"].width >= 60
    # printed: every box label on the first page, each on its own line
    first = office.pdf_pages(printed["pdf"])[0]
    for label in labels:
        assert any(line.strip().startswith(label) for line in first.splitlines()), label


def test_the_html_record_prints_on_a4_with_names_whole(printed: dict, tmp_path: Path) -> None:
    page = printed["xlsx"].with_suffix(".html")
    pdf = office.browser_pdf(page, tmp_path / "record.pdf")
    sizes = office.pdf_page_sizes_pt(pdf)
    for w, h in sizes:
        assert sorted((w, h)) == pytest.approx(sorted(A4_PT), abs=1.5)
    for n, words in enumerate(_words(pdf), start=1):
        for x0, _y0, x1, width, text in words:
            assert 0 <= x0 and x1 <= width, f"page {n}: {text!r} runs off the page"
    texts = office.pdf_pages(pdf)
    lines = [line for text in texts for line in text.splitlines()]
    for name in TOWNS.values():
        assert any(name in line for line in lines), f"{name} is broken over lines"
    # the per-township table (7 + one column per rule) prints on a landscape page
    wide = [i for i, t in enumerate(texts) if "三、按乡镇统计" in t]
    assert wide and sizes[wide[0]][0] > sizes[wide[0]][1]
    assert all(f"R{i:02d}" in "".join(texts[wide[0]].split()) for i in range(1, 19))


def test_long_text_prints_whole(printed: dict) -> None:
    """Wrapped text is not cut at the cell's edge: every rule's description and every
    finding's message are in the printed text (line breaks and spaces aside)."""
    from rsgeo.schema.review_rules import RULES

    flat = "".join("".join(office.pdf_pages(printed["pdf"])).split())
    for rule in RULES.values():
        assert "".join(rule.description_zh.split()) in flat, rule.rule_id
    assert "按自然资源部下发图斑及县级补充核查图斑合并审核）" in flat
    for message in set(printed["review"].findings["message"]):
        assert "".join(str(message).split()) in flat, message
