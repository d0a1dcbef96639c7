"""The draft reports against the workbook of the same run, read independently.

The reports of :func:`small_run` (written by ``rsgeo run``) are opened with
python-docx and printed to PDF by LibreOffice (read back with poppler); their
figures are compared with the cells of 统计报表.xlsx read with openpyxl, and
the 约谈/问责建议 list with the townships the 问责预警 sheet marks.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import office
import openpyxl
import pandas as pd
import pytest
from sheet_tables import table_rows

try:
    import docx
except ImportError:  # under CI a missing python-docx fails the run instead
    if office.IN_CI:
        raise
    pytest.skip("python-docx is needed: pip install 'rsgeo[reports]'", allow_module_level=True)

from rsgeo.errors import InputError, OutputExistsError
from rsgeo.outputs.reports import write_reports

REPORTS = "reports"
MARK = "【待填写："


# --------------------------------------------------------------------------- reading


def _sheet(book: Path, title: str) -> pd.DataFrame:
    """A sheet's table: under the title rows of the county workbook (tests/sheet_tables.py)."""
    ws = openpyxl.load_workbook(book, data_only=True)[title]
    if ws.print_title_rows:  # the county workbook: a table under its title rows
        rows = [list(r) for r in table_rows(ws)]
    else:  # the other workbooks: the header row starts the sheet's table
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        start = next(i for i, r in enumerate(rows) if r and r[0] in ("乡镇代码", "监测编号"))
        rows = [rows[start]] + [r for r in rows[start + 1 :] if any(v is not None for v in r[1:])]
    return pd.DataFrame(rows[1:], columns=[str(h) for h in rows[0]])


def _cell_text(value: Any, decimals: int) -> str:
    """How a workbook cell reads at the report's decimals (empty: —)."""
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return f"{value:.{decimals}f}"
    return str(value)


def _decimals(header: str, text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def _tables(path: Path) -> list[list[list[str]]]:
    document = docx.Document(str(path))
    return [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]


def _summary_by_name(book: Path) -> dict[str, pd.Series]:
    summary = _sheet(book, "乡镇汇总")
    rows = {}
    for _, row in summary.iterrows():
        name = "合计" if row["乡镇代码"] == "合计" else str(row["乡镇名称"])
        rows[name] = row
    return rows


@pytest.fixture(scope="module")
def run(small_run: Path) -> dict[str, Any]:
    out = small_run
    return {
        "out": out,
        "book": out / "统计报表.xlsx",
        "county": next((out / REPORTS).glob("卫片执法工作报告*.docx")),
        "towns": sorted((out / REPORTS / "乡镇工作情况报告").glob("*.docx")),
        "list_docx": next((out / REPORTS).glob("约谈问责建议名单*.docx")),
        "list_xlsx": out / REPORTS / "约谈问责建议名单.xlsx",
    }


# --------------------------------------------------------------------------- figures


def _compare(table: list[list[str]], summary: dict[str, pd.Series]) -> int:
    """Every figure of a township table against the workbook's 乡镇汇总; the number compared."""
    header, *body = table
    n = 0
    for row in body:
        name = row[0]
        assert name in summary, f"{name} is not a row of 乡镇汇总"
        for h, text in zip(header[1:], row[1:], strict=True):
            assert h in summary[name].index, f"{h} is not a column of 乡镇汇总"
            want = _cell_text(summary[name][h], _decimals(h, text))
            if h == "触发问责标准" and want == "—":
                want = ""
            assert text == want, f"{name} {h}: report {text!r}, workbook {want!r}"
            n += 1
    return n


def test_county_report_tables_are_the_workbook_summary(run: dict[str, Any]) -> None:
    summary = _summary_by_name(run["book"])
    tables = _tables(run["county"])
    n = _compare(tables[0], summary) + _compare(tables[1], summary)
    names = [r[0] for r in tables[0][1:]]
    assert names == list(summary), "every township and the 合计 row, in the workbook's order"
    assert n >= 20 * 8


def test_county_report_sentences_use_the_total_row(run: dict[str, Any]) -> None:
    total = _summary_by_name(run["book"])["合计"]
    text = "\n".join(p.text for p in docx.Document(str(run["county"])).paragraphs)
    assert (
        f"本期共核查卫片图斑 {total['图斑总数（个）']} 个，面积 {total['图斑总面积（亩）']:.2f} 亩"
        in text
    )
    assert f"违法占用耕地面积（扣减后）{total['违法占用耕地面积（扣减后，亩）']:.2f} 亩" in text


def test_township_reports_are_the_workbook_rows(run: dict[str, Any]) -> None:
    summary = _summary_by_name(run["book"])
    patches = _sheet(run["book"], "图斑明细")
    towns = [n for n in summary if n != "合计"]
    assert len(run["towns"]) == len(towns)
    listed: list[str] = []
    for path in run["towns"]:
        name = next(n for n in towns if f"_{n}卫片执法" in path.name)
        tables = _tables(path)
        indicators = tables[0]
        assert indicators[0] == ["指标", "本乡镇", "全县合计"]
        for header, mine, county in indicators[1:]:
            assert mine == _cell_text(summary[name][header], _decimals(header, mine)), (
                name,
                header,
            )
            assert county == _cell_text(summary["合计"][header], _decimals(header, county))
        own = patches.loc[patches["乡镇"] == name]
        if len(own):
            table = tables[1]
            head = table[0]
            ids = [r[head.index("监测编号")] for r in table[1:]]
            assert ids == own["监测编号"].astype(str).tolist()
            for r, (_, row) in zip(table[1:], own.iterrows(), strict=True):
                area = r[head.index("图斑面积（亩）")]
                assert area == f"{row['图斑面积（亩）']:.2f}"
                counted = float(r[head.index("计入违法占用耕地面积（亩）")])
                assert counted == pytest.approx(
                    row["计入违法占用耕地面积（平方米）"] * 15 / 10000, abs=0.006
                )
            listed += ids
    assert sorted(listed) == sorted(patches["监测编号"].astype(str)), "each patch in one report"


def test_accountability_list_is_the_criteria_sheet(run: dict[str, Any]) -> None:
    criteria = _sheet(run["book"], "问责预警")
    met = criteria.loc[criteria["触发问责标准"].fillna("").astype(str) != ""]
    assert len(met), "the small run has townships meeting a criterion"
    listed = _sheet(run["list_xlsx"], "约谈问责建议")
    assert listed["乡镇代码"].astype(str).tolist() == met["乡镇代码"].astype(str).tolist()
    assert listed["触发标准"].tolist() == met["触发问责标准"].tolist()
    for col in ("违法占用耕地面积（扣减后，亩）", "违法占用耕地比例（%）"):
        assert listed[col].fillna("").tolist() == met[col].fillna("").tolist()
    for (_, mine), (_, row) in zip(listed.iterrows(), met.iterrows(), strict=True):
        for numeral in "一二三四五":
            flag = next(c for c in criteria.columns if c.startswith(f"标准{numeral}："))
            if row[flag] == "是":
                assert str(row[f"标准{numeral}说明"]) in mine["触发依据"]
        assert mine["问责建议"].startswith(MARK)
    table = _tables(run["list_docx"])[0]
    assert [r[1] for r in table[1:]] == met["乡镇名称"].tolist()
    county_table = next(t for t in _tables(run["county"]) if t[0][0] == "序号")
    assert county_table == table


def test_placeholders_are_highlighted(run: dict[str, Any]) -> None:
    for path in [run["county"], run["towns"][0], run["list_docx"]]:
        document = docx.Document(str(path))
        runs = [r for p in document.paragraphs for r in p.runs if r.text.startswith(MARK)]
        if path != run["list_docx"]:
            assert len(runs) >= 3, path.name
        assert all(r.font.highlight_color is not None for r in runs)
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        assert runs or any(MARK in c for c in cells)


def test_no_text_below_9_pt(run: dict[str, Any]) -> None:
    for path in [run["county"], run["towns"][0], run["list_docx"]]:
        document = docx.Document(str(path))
        normal = document.styles["Normal"].font.size.pt
        assert normal >= 12
        runs = [r for p in document.paragraphs for r in p.runs]
        runs += [r for t in document.tables for c in t._cells for p in c.paragraphs for r in p.runs]
        sizes = {r.font.size.pt for r in runs if r.font.size is not None}
        assert sizes and min(sizes) >= 9.0, (path.name, sorted(sizes))


# --------------------------------------------------------------------------- sealed


def _sealed(run: dict[str, Any], small_job: Path) -> tuple[list[str], list[str]]:
    """The sealed patches' ids and areas (亩 and m², 2 decimals), found without rsgeo."""
    given = gpd.read_file(small_job.parent / "patches.gpkg")
    listed = set(_sheet(run["book"], "图斑明细")["监测编号"].astype(str))
    id_col = next(c for c in given.columns if given[c].astype(str).str.fullmatch(r"\d{15}").all())
    ids = sorted(set(given[id_col].astype(str)) - listed)
    register = _sheet(
        next((run["out"] / "机要_军用土地").rglob("军用土地登记表.xlsx")), "乡镇统计（机要）"
    )
    mu = [f"{v:.2f}" for v in register["图斑面积（亩）"] if v]
    return ids, mu + [f"{float(v) * 10000 / 15:.2f}" for v in mu]


def test_no_sealed_patch_in_any_report(run: dict[str, Any], small_job: Path) -> None:
    ids, areas = _sealed(run, small_job)
    assert ids and areas
    import zipfile

    for path in sorted((run["out"] / REPORTS).rglob("*")):
        if path.suffix not in (".docx", ".xlsx"):
            continue
        with zipfile.ZipFile(path) as z:
            xml = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        for word in [*ids, *areas]:
            assert word not in xml, f"{word} in {path.name}"
        assert not any(i in path.name for i in ids)


# --------------------------------------------------------------------------- printed


@pytest.fixture(scope="module")
def printed(run: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("reports_pdf")
    with_patches = next(p for p in run["towns"] if "融水镇" in p.name)
    return {
        "county": office.to_pdf(run["county"], out),
        "town": office.to_pdf(with_patches, out),
        "list": office.to_pdf(run["list_docx"], out),
    }


def test_printed_on_a4_with_page_numbers(printed: dict[str, Path]) -> None:
    for key, pdf in printed.items():
        sizes = office.pdf_page_sizes_pt(pdf)
        assert sizes
        for w, h in sizes:
            assert sorted((round(w), round(h))) == [595, 842], (key, w, h)
        pages = office.pdf_pages(pdf)
        for i, page in enumerate(pages, 1):
            assert page.strip().splitlines()[-1].strip() == str(i), (key, i)
    assert len(office.pdf_pages(printed["county"])) >= 2


def test_printed_figures_are_the_workbook_figures(
    run: dict[str, Any], printed: dict[str, Path]
) -> None:
    """In the printed county report, each township's line of 表 1 reads as its workbook row."""
    summary = _summary_by_name(run["book"])
    header = _tables(run["county"])[0][0]
    lines = "\n".join(office.pdf_pages(printed["county"])).splitlines()
    for name, row in summary.items():
        want = [_cell_text(row[h], 0 if "个" in h else 2) for h in header[1:]]
        found = [ln for ln in lines if re.match(rf"\s*{name}\s", ln)]
        assert found, f"{name} not printed"
        assert re.findall(r"\d+(?:\.\d+)?", found[0]) == want, (name, found[0])


def test_printed_reports_keep_the_marked_places(printed: dict[str, Path]) -> None:
    for key, pdf in printed.items():
        text = "".join(office.pdf_pages(pdf))
        assert "待填写" in text, key
    town = "".join(office.pdf_pages(printed["town"]))
    assert "问责标准对照" in town and "主要指标" in town


# --------------------------------------------------------------------------- library call


def test_write_reports_refuses_stats_without_total_and_existing_files(
    tmp_path: Path, run: dict[str, Any]
) -> None:
    stats = pd.DataFrame({"township_name": ["甲"], "n_patches": [1]}, index=["450225100"])
    with pytest.raises(InputError, match="total row"):
        write_reports(tmp_path, stats, pd.DataFrame(), figures=pd.DataFrame(), subtitle="x")
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / run["county"].name).write_text("old", encoding="utf-8")
    stats = pd.read_csv(run["out"] / "csv" / "township_stats.csv", dtype={"township_code": str})
    stats = stats.set_index("township_code")
    with pytest.raises(OutputExistsError):
        write_reports(tmp_path / "r", stats, pd.DataFrame(), figures=pd.DataFrame(), subtitle="x")
