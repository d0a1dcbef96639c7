"""The county workbook, read back with openpyxl and checked cell by cell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rsgeo.errors import OutputExistsError
from rsgeo.options import CriteriaThresholds, StatsOptions
from rsgeo.outputs.csv_tables import write_csv
from rsgeo.outputs.workbook import write_workbook
from rsgeo.stats.deductions import patch_figures
from rsgeo.stats.ranking import red_black_lists
from rsgeo.stats.township import township_stats


def _write(path, stats, result=None, lists=None, **kw):  # type: ignore[no-untyped-def]
    """The workbook writer handed what the stages produce, with default options."""
    options, thresholds = StatsOptions(), CriteriaThresholds()
    return write_workbook(
        path,
        stats,
        result,
        red_black_lists(stats) if lists is None else lists,
        figures=None if result is None else patch_figures(result, options=options),
        options=options,
        thresholds=thresholds,
        **kw,
    )


MU = 10000.0 / 15.0

TOWNS = pd.DataFrame(
    {
        "township_code": ["450225100", "450225101", "450225102"],
        "township_name": ["融水镇", "和睦镇", "三防镇"],
    }
)


def small_case() -> pd.DataFrame:
    """Three townships, one patch each; areas chosen in 亩 so rounding needs 平差.

    a1 (融水镇) illegal, 1.0044 亩, all farmland;
    b1 (和睦镇) illegal, 1.0046 亩, half farmland, MILITARY;
    c1 (三防镇) illegal mineral, 1.0045 亩, no farmland, 拆除复耕 on the cutoff day.
    """
    rows = [
        {
            "patch_id": "a1",
            "township_code": "450225100",
            "area_m2": 1.0044 * MU,
            "farmland_net_m2": 1.0044 * MU,
            "flag_military": False,
            "flag_mineral": False,
            "rectification_method": None,
            "rectification_date": None,
        },
        {
            "patch_id": "b1",
            "township_code": "450225101",
            "area_m2": 1.0046 * MU,
            "farmland_net_m2": 0.5023 * MU,
            "flag_military": True,
            "flag_mineral": False,
            "rectification_method": None,
            "rectification_date": None,
        },
        {
            "patch_id": "c1",
            "township_code": "450225102",
            "area_m2": 1.0045 * MU,
            "farmland_net_m2": 0.0,
            "flag_military": False,
            "flag_mineral": True,
            "rectification_method": "拆除复耕",
            "rectification_date": "2020-12-21",
        },
    ]
    r = pd.DataFrame(rows).set_index("patch_id")
    r["final_class"] = "违法"
    r["is_construction"] = True
    r["pbf_m2"] = 0.0
    r["redline_m2"] = 0.0
    return r


def sheet_rows(path: Path, title: str) -> list[tuple[object, ...]]:
    """The table of a sheet: its rows down to the empty row above the notes."""
    wb = openpyxl.load_workbook(path)
    first = int(str(wb[title].print_title_rows).split(":")[0].lstrip("$"))  # the header row
    rows = list(wb[title].iter_rows(min_row=first, values_only=True))
    end = next((i for i, r in enumerate(rows) if all(v is None for v in r)), len(rows))
    return rows[:end]


def sheet_notes(path: Path, title: str) -> list[str]:
    """The notes below a sheet's table."""
    wb = openpyxl.load_workbook(path)
    return [str(r[0]) for r in wb[title].iter_rows(values_only=True) if str(r[0]).startswith("注")]


def test_summary_sheet_cell_by_cell(tmp_path: Path) -> None:
    result = small_case()
    stats = township_stats(result, townships=TOWNS)
    path = _write(tmp_path / "县汇总.xlsx", stats, result)
    rows = sheet_rows(path, "乡镇汇总")
    header, body = rows[0], rows[1:]
    # Hand-computed, in 亩, from the ordinary patches a1 (融水镇) and c1 (三防镇):
    # the military patch b1 (和睦镇) is in no figure. Adjusted (平差) columns: rows
    # add to the total where rounding each row alone would not (1.00 + 1.00 != 2.01).
    expected: dict[str, list[object]] = {
        "乡镇代码": ["450225100", "450225101", "450225102", "合计"],
        "乡镇名称": ["融水镇", "和睦镇", "三防镇", None],
        "图斑总数（个）": [1, 0, 1, 2],
        "合法图斑（个）": [0, 0, 0, 0],
        "违法图斑（个）": [1, 0, 1, 2],
        "其他图斑（个）": [0, 0, 0, 0],
        # 1.0044 + 1.0045 = 2.0089 -> 2.01; the 0.01 goes to the larger remainder (c1)
        "图斑总面积（亩）": [1.00, 0.00, 1.01, 2.01],
        "新增建设用地面积（亩）": [1.00, 0.00, 1.01, 2.01],
        "图斑中新增建设用地占用耕地面积（亩）": [1.00, 0.00, 0.00, 1.00],
        # no change-survey table: the denominator is the patches' figure (the fallback)
        "比例分母：新增建设用地占用耕地面积（亩）": [1.00, 0.00, 0.00, 1.00],
        "违法用地面积（扣减前，亩）": [1.00, 0.00, 1.01, 2.01],
        "扣减违法用地面积（亩）": [0.00, 0.00, 1.00, 1.00],
        "违法用地面积（扣减后，亩）": [1.00, 0.00, 0.00, 1.00],
        "违法占用耕地面积（扣减前，亩）": [1.00, 0.00, 0.00, 1.00],
        "扣减违法占用耕地面积（亩）": [0.00, 0.00, 0.00, 0.00],
        "违法占用耕地面积（扣减后，亩）": [1.00, 0.00, 0.00, 1.00],
        "违法占用耕地比例（%）": [100.0, None, None, 100.0],
        "扣减图斑（个）": [0, 0, 1, 1],
        "违法图斑（扣减后，个）": [1, 0, 0, 1],
        "违法占用永久基本农田图斑（扣减后，个）": [0, 0, 0, 0],
        "违法占用永久基本农田面积（扣减后，亩）": [0.00, 0.00, 0.00, 0.00],
        "违法占用生态保护红线图斑（扣减后，个）": [0, 0, 0, 0],
        "违法占用生态保护红线面积（扣减后，亩）": [0.00, 0.00, 0.00, 0.00],
        "矿产图斑（个）": [0, 0, 1, 1],
        "矿产图斑面积（亩）": [0.00, 0.00, 1.00, 1.00],
        "违法矿产图斑（扣减后，个）": [0, 0, 0, 0],
        "违法矿产图斑面积（扣减后，亩）": [0.00, 0.00, 0.00, 0.00],
        "违法矿产图斑未整改（个）": [0, 0, 0, 0],
        "违法稀土矿产图斑（个）": [0, 0, 0, 0],
        # no case is marked 存量: every illegal case is the year's
        "存量违法图斑（个，不计入本年比例）": [0, 0, 0, 0],
        "存量违法用地面积（亩）": [0.00, 0.00, 0.00, 0.00],
        "存量违法占用耕地面积（亩）": [0.00, 0.00, 0.00, 0.00],
        # a1 neither handled nor rectified; c1 rectified; county 1 of 2; 和睦镇 has
        # no illegal patch, so no rate
        "履职率（%）": [0.0, None, 100.0, 50.0],
        "查处整改到位率（%）": [0.0, None, 100.0, 50.0],
        # the township at the bottom of the rates meets criterion 4 (100 % never does)
        "触发问责标准": ["四", None, None, None],
    }
    assert list(header) == list(expected)
    assert len(body) == 4
    for j, name in enumerate(header):
        got = [row[j] for row in body]
        want = expected[str(name)]
        for g, w in zip(got, want, strict=True):
            if isinstance(w, float):
                assert g == pytest.approx(w, abs=1e-9), (name, got, want)
            else:
                assert g == w, (name, got, want)
    # every adjusted area column adds up to its total row
    for j, name in enumerate(header):
        if str(name).endswith("亩）"):
            assert sum(row[j] for row in body[:-1]) == pytest.approx(body[-1][j], abs=1e-9)


def test_workbook_layout_and_formats(tmp_path: Path) -> None:
    result = small_case()
    stats = township_stats(result, townships=TOWNS)
    path = _write(tmp_path / "out.xlsx", stats, result)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["乡镇汇总", "图斑明细", "问责预警", "红黑榜", "矿产图斑", "说明"]
    for ws in wb:
        first = int(str(ws.print_title_rows).split(":")[0].lstrip("$"))  # the header row
        # scrolling keeps the header row (and the key columns of a sheet printed in
        # column blocks) in view: the panes freeze right under the header row
        frozen = openpyxl.utils.cell.coordinate_from_string(ws.freeze_panes)
        assert frozen[1] == first + 1, ws.title
        keys = ws.print_title_cols
        key_end = (
            openpyxl.utils.column_index_from_string(keys.split(":")[1].lstrip("$")) if keys else 0
        )
        assert openpyxl.utils.column_index_from_string(frozen[0]) == key_end + 1, ws.title
        assert all(c.font.bold for c in ws[first] if c.value is not None), ws.title
        titles = [c for c in ws[1] if c.value is not None]
        assert len(titles) == 1 and titles[0].font.bold, ws.title
        for letter, dim in ws.column_dimensions.items():
            assert 4 <= dim.width <= 40, (ws.title, letter)
    ws = wb["乡镇汇总"]
    first = int(str(ws.print_title_rows).split(":")[0].lstrip("$"))
    headers = [c.value for c in ws[first]]
    area_col = headers.index("图斑总面积（亩）") + 1
    assert ws.cell(row=first + 1, column=area_col).number_format == "0.00"
    assert ws.cell(row=first + 4, column=1).value == "合计"
    assert ws.cell(row=first + 4, column=1).font.bold  # total row
    notes = dict(sheet_rows(path, "说明")[1:])
    assert "平差" in str(notes["取舍与平差"]) and "最大余数" in str(notes["取舍与平差"])
    assert "2020-12-21" in str(notes["扣减"])


def test_military_patch_is_never_listed(tmp_path: Path) -> None:
    result = small_case()
    stats = township_stats(result, townships=TOWNS)
    path = _write(tmp_path / "out.xlsx", stats, result, csv=True)
    wb = openpyxl.load_workbook(path)
    for ws in wb:
        for row in ws.iter_rows(values_only=True):
            assert "b1" not in row, ws.title
    detail = sheet_rows(path, "图斑明细")
    assert [r[0] for r in detail[1:]] == ["a1", "c1"]
    mineral = sheet_rows(path, "矿产图斑")
    assert [r[0] for r in mineral[1:]] == ["c1"]
    # c1 was rectified on the cutoff day: deducted
    head = detail[0]
    c1 = dict(zip(head, detail[2], strict=True))
    assert c1["是否扣减"] == "是"
    assert c1["整改日期"] == dt.datetime(2020, 12, 21)
    assert c1["图斑面积（亩）"] == pytest.approx(1.0)
    assert c1["图斑面积（平方米）"] == pytest.approx(669.67)
    csv = (tmp_path / "out_patches.csv").read_text(encoding="utf-8-sig")
    assert "b1" not in csv and "a1" in csv
    # nor counted: 和睦镇's figures hold nothing of it (it goes to the sealed folder)
    town_csv = pd.read_csv(tmp_path / "out_township_stats.csv", dtype={"township_code": str})
    town_csv = town_csv.set_index("township_code")
    assert town_csv.loc["450225101", "n_illegal"] == 0
    assert town_csv.loc["450225101", "illegal_area_m2"] == 0.0


def test_criteria_and_lists_sheets(tmp_path: Path) -> None:
    result = small_case()
    stats = township_stats(result, townships=TOWNS)
    path = _write(tmp_path / "out.xlsx", stats, result)
    crit = sheet_rows(path, "问责预警")
    head = crit[0]
    rows = [dict(zip(head, r, strict=True)) for r in crit[1:]]
    assert [r["乡镇代码"] for r in rows] == TOWNS["township_code"].tolist()
    k4 = "标准四：履职率、查处整改到位率排序靠后"
    assert [r[k4] for r in rows] == ["是", "否", "否"]
    assert rows[2]["违法占用耕地比例（%）"] is None
    assert "无法计算" in rows[2]["标准一说明"]
    lists = sheet_rows(path, "红黑榜")
    got = [(r[0], r[1], r[2]) for r in lists[1:]]
    # 融水镇 meets criterion 4; no other township has an illegal patch left to
    # fill the black list; the two others tie on every key and rank by code
    assert got == [("红榜", 1, "450225101"), ("红榜", 2, "450225102"), ("黑榜", 1, "450225100")]


def test_never_overwrites(tmp_path: Path) -> None:
    result = small_case()
    stats = township_stats(result, townships=TOWNS)
    path = tmp_path / "out.xlsx"
    path.write_bytes(b"keep me")
    with pytest.raises(OutputExistsError, match="overwrite=True"):
        _write(path, stats, result)
    assert path.read_bytes() == b"keep me"
    _write(path, stats, result, overwrite=True)
    assert openpyxl.load_workbook(path).sheetnames[0] == "乡镇汇总"
    csv = tmp_path / "s.csv"
    write_csv(csv, stats)
    with pytest.raises(OutputExistsError):
        write_csv(csv, stats)
    # an existing CSV beside the workbook also blocks it, before anything is written
    (tmp_path / "new_patches.csv").write_text("x")
    with pytest.raises(OutputExistsError):
        _write(tmp_path / "new.xlsx", stats, result, csv=True)
    assert not (tmp_path / "new.xlsx").exists()


def test_csv_columns_and_precision(tmp_path: Path) -> None:
    result = small_case()
    stats = township_stats(result, townships=TOWNS)
    path = write_csv(tmp_path / "stats.csv", stats)
    back = pd.read_csv(path, dtype={"township_code": str}).set_index("township_code")
    assert back.index.tolist() == [*TOWNS["township_code"], "total"]
    assert "illegal_farmland_after_deductions_m2" in back.columns
    assert all(c.isascii() and c == c.lower() for c in back.columns)
    # full precision, not rounded
    assert back.loc["450225100", "area_m2"] == pytest.approx(1.0044 * MU, rel=1e-12)
    # pieces without military columns: military found through the patch table
    pieces = pd.DataFrame(
        {"area_m2": [1.0, 2.0]},
        index=pd.MultiIndex.from_tuples(
            [("a1", "450225100"), ("b1", "450225101")], names=["patch_id", "township_code"]
        ),
    )
    path = write_csv(tmp_path / "pieces.csv", pieces, patches=result)
    assert "b1" not in path.read_text(encoding="utf-8-sig")


def test_hectares(tmp_path: Path) -> None:
    result = small_case()
    stats = township_stats(result, townships=TOWNS)
    path = _write(tmp_path / "ha.xlsx", stats, area_unit="ha")
    rows = sheet_rows(path, "乡镇汇总")
    j = rows[0].index("图斑总面积（公顷）")
    # the ordinary patches in units of 0.0001 ha: 669.600 (a1), 0 (b1 is sealed),
    # 669.667 (c1); total 2.0089 亩 / 15 = 0.1339 ha. Floors 669 + 669 = 1338, the
    # unit missing goes to the larger remainder (.667): 0.0669, 0.0000, 0.0670.
    values = [r[j] for r in rows[1:]]
    assert values[-1] == pytest.approx(0.1339)
    assert sum(values[:-1]) == pytest.approx(0.1339)
    assert values[:-1] == pytest.approx([0.0669, 0.0, 0.0670])
    assert "图斑明细" not in openpyxl.load_workbook(path).sheetnames


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0.0, 5e4), min_size=1, max_size=8))
def test_rounded_rows_add_up_to_total(areas: list[float]) -> None:
    import tempfile

    codes = [f"4502251{i:02d}" for i in range(len(areas))]
    towns = pd.DataFrame({"township_code": codes, "township_name": codes})
    result = pd.DataFrame(
        {
            "township_code": codes,
            "area_m2": areas,
            "farmland_net_m2": areas,
            "final_class": "违法",
            "is_construction": True,
        },
        index=pd.Index([f"p{i}" for i in range(len(areas))], name="patch_id"),
    )
    stats = township_stats(result, townships=towns)
    with tempfile.TemporaryDirectory() as d:
        path = _write(Path(d) / "w.xlsx", stats)
        rows = sheet_rows(path, "乡镇汇总")
    j = rows[0].index("图斑总面积（亩）")
    values = [r[j] for r in rows[1:]]
    assert sum(values[:-1]) == pytest.approx(values[-1], abs=1e-6)
    assert values[-1] == pytest.approx(np.floor(sum(areas) * 0.0015 * 100 + 0.5) / 100, abs=0.0101)
    # each row is within one unit of its unrounded value
    for v, a in zip(values[:-1], areas, strict=True):
        assert abs(v - a * 0.0015) <= 0.01 + 1e-9


def _printed_columns(ws: openpyxl.worksheet.worksheet.Worksheet) -> int:
    """The last column the sheet prints: its print area's, else its last column."""
    if ws.print_area:
        last = str(ws.print_area).split("!")[-1].split(":")[1].replace("$", "")
        return openpyxl.utils.cell.column_index_from_string(last.rstrip("0123456789"))
    return ws.max_column


def test_sheets_print_on_a4_at_9_pt_within_the_page_width(tmp_path: Path) -> None:
    # LibreOffice without Calibri draws a width unit 7 pt wide at 100 % (measured on
    # its PDF: a 12-unit column spans 84 pt); Excel 5.25 pt plus 3.75 pt padding
    unit_pt = 7.0
    result = small_case()
    stats = township_stats(result, townships=TOWNS)
    path = _write(tmp_path / "wb.xlsx", stats, result)
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4), ws.title
        scale = (ws.page_setup.scale or 100) / 100
        assert not ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert 10 * scale >= 9.0, ws.title  # the body is 10 pt
        page_w = 841.9 if ws.page_setup.orientation == "landscape" else 595.3
        room = page_w - 72 * (ws.page_margins.left + ws.page_margins.right)
        first = int(str(ws.print_title_rows).split(":")[0].lstrip("$"))
        assert ws.print_title_rows == f"${first}:${first}", ws.title
        assert str(ws.cell(row=first, column=1).value) in {"乡镇代码", "监测编号", "榜单", "项目"}
        widths = [
            ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width
            for j in range(1, _printed_columns(ws) + 1)
        ]
        # each page's columns: the blocks between column breaks, the key columns again
        breaks = [b.id for b in ws.col_breaks.brk]
        keys = ws.print_title_cols
        n_keys = (
            openpyxl.utils.column_index_from_string(keys.split(":")[1].lstrip("$")) if keys else 0
        )
        starts = [0, *breaks]
        ends = [*breaks, len(widths)]
        for k, (a, b) in enumerate(zip(starts, ends, strict=True)):
            page = widths[a:b] if k == 0 else widths[:n_keys] + widths[a:b]
            assert sum(page) * unit_pt * scale <= room, (ws.title, k, sum(page))
        assert not breaks or n_keys, ws.title  # blocks repeat the key columns
    # the three summary sheets of three townships print without column blocks but 乡镇汇总
    for title in ("问责预警", "红黑榜", "说明"):
        assert not wb[title].col_breaks.brk, title
    # the patch listings keep every column on screen and print the key ones
    detail = wb["图斑明细"]
    assert detail.print_area and _printed_columns(detail) < detail.max_column
    first = int(str(detail.print_title_rows).split(":")[0].lstrip("$"))
    printed = [c.value for c in detail[first]][: _printed_columns(detail)]
    assert printed[0] == "监测编号" and "图斑面积（亩）" in printed and "最终分类" in printed
    on_screen = [c.value for c in detail[first]]
    assert "乡镇代码" in on_screen and "乡镇代码" not in printed
