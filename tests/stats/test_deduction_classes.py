"""Deduction classes, each switchable with its own cutoff, and 新增/存量 cases apart.

Before, one list of rectification methods and one cutoff decided every
deduction, no row said what deducted a patch, and an older (存量) illegal case
counted in the year's ratio. Expected values are hand-computed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rsgeo.errors import InputError
from rsgeo.io.sample import sample_path
from rsgeo.job import load_job
from rsgeo.options import StatsOptions
from rsgeo.stats.deductions import patch_figures
from rsgeo.stats.township import TOTAL_LABEL, township_rows, township_stats

TOWNS = pd.DataFrame(
    {"township_code": ["450225100", "450225101"], "township_name": ["融水镇", "和睦镇"]}
)


def patch(pid: str, town: str = "450225100", **kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "patch_id": pid,
        "township_code": town,
        "n_townships": 1,
        "area_m2": 1000.0,
        "farmland_m2": 400.0,
        "farmland_net_m2": 400.0,
        "pbf_m2": 0.0,
        "redline_m2": 0.0,
        "final_class": "违法",
        "is_construction": True,
        "flag_military": False,
        "rectification_method": None,
        "rectification_date": None,
        "rectified_area_m2": np.nan,
    }
    row.update(kw)
    return row


def table(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows)).set_index("patch_id")


def test_the_method_implies_the_class_and_every_row_names_it() -> None:
    t = table(
        patch("a", rectification_method="补办手续", rectification_date="2020-12-21"),
        patch("b", rectification_method="拆除复耕", rectification_date="2020-12-01"),
        patch("c", rectification_method="拆除复耕", rectification_date="2020-12-22"),
        patch("d"),
    )
    f = patch_figures(t)
    assert f["deduction_class"].tolist() == ["已补办(农转用)", "已拆除复耕到位", "", ""]
    assert f["deducted_share"].tolist() == [1.0, 1.0, 0.0, 0.0]


def test_each_class_has_its_own_cutoff_and_can_be_switched_off() -> None:
    t = table(
        patch("a", rectification_method="拆除复耕", rectification_date="2020-12-28"),
        patch("b", rectification_method="补办手续", rectification_date="2020-12-01"),
        patch("c", deduction_class="省级及以上重点工程", deduction_date="2021-02-01"),
        patch("d", deduction_class="重点工程", deduction_date="2021-04-02"),
        patch("e", deduction_class="保障性安居工程", deduction_date="2020-06-01"),
    )
    # the defaults: 补办手续 and 拆除复耕 on the statistics' cutoff (2020-12-21)
    f = patch_figures(t)
    assert f["deduction_class"].tolist() == ["", "已补办(农转用)", "", "", ""]
    opts = StatsOptions(
        deduction_classes={
            "已拆除复耕到位": "2020-12-31",  # a later cutoff for this class only
            "已补办(农转用)": False,  # switched off
            "省级及以上重点工程": "2021-03-31",
        }
    )
    f = patch_figures(t, options=opts)
    assert f["deduction_class"].tolist() == [
        "已拆除复耕到位",  # 12-28 ≤ 12-31
        "",  # class off
        "省级及以上重点工程",  # 2021-02-01 ≤ 2021-03-31
        "",  # 2021-04-02 is after it
        "",  # 保障性安居工程 is not on
    ]
    s = township_stats(t, townships=TOWNS, options=opts)
    # five illegal patches of 400 m² farmland; two deducted whole
    assert s.loc["450225100", "n_deducted"] == 2
    assert s.loc["450225100", "illegal_farmland_after_deductions_m2"] == pytest.approx(1200.0)


def test_unknown_classes_and_ages_are_refused_with_the_known_ones() -> None:
    t = table(patch("a", deduction_class="随便扣"), patch("b", case_age="旧的"))
    with pytest.raises(InputError) as err:
        patch_figures(t)
    text = str(err.value)
    assert "['随便扣']" in text and "未供即用" in text
    assert "['旧的']" in text and "新增, 存量" in text
    with pytest.raises(ValueError, match="unknown class 'x'; allowed: 未供即用"):
        StatsOptions(deduction_classes=["x"])


def test_older_cases_are_reported_apart_and_not_in_the_years_ratio() -> None:
    t = table(
        patch("new", case_age="新增"),
        patch("old", case_age="存量违法", farmland_net_m2=300.0, farmland_m2=300.0),
        patch("legal", final_class="合法", farmland_net_m2=600.0, farmland_m2=600.0),
    )
    s = township_stats(t, townships=TOWNS)
    row = s.loc["450225100"]
    assert (row["n_illegal"], row["n_illegal_stock"]) == (1, 1)
    assert row["illegal_farmland_after_deductions_m2"] == 400.0
    assert row["illegal_stock_farmland_m2"] == 300.0
    assert row["illegal_stock_area_m2"] == 1000.0
    # the denominator: new construction of the year (new 400 + legal 600), not the old case
    assert row["construction_farmland_m2"] == 1000.0
    assert row["illegal_farmland_ratio"] == pytest.approx(400 / 1000)
    assert s.loc[TOTAL_LABEL, "n_illegal_stock"] == township_rows(s)["n_illegal_stock"].sum()


def test_the_job_file_switches_classes(tmp_path: Path) -> None:
    data = sample_path("rongshui_2020.toml").parent
    text = sample_path("rongshui_2020.toml").read_text(encoding="utf-8")
    for key in ("path", "before", "after", "basemap"):
        text = text.replace(f'{key} = "', f'{key} = "{data}/')
    text += '\n[deductions]\n"已补办(农转用)" = false\n"未供即用" = true\n"已拆除复耕到位" = 2020-12-31\n'
    path = tmp_path / "job.toml"
    path.write_text(text, encoding="utf-8")
    classes = dict(load_job(path).statistics.deduction_classes)
    assert list(classes) == ["未供即用", "已拆除复耕到位"]
    assert classes["未供即用"] is None and str(classes["已拆除复耕到位"]) == "2020-12-31"
    path.write_text(text + '"乱写" = true\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"deductions: unknown class '乱写'"):
        load_job(path)


# The spellings met in provincial tables, written out by hand, each with the
# class and the age it is read as.
SPELLINGS = {
    "未供即用": "未供即用",
    "先用后供": "未供即用",
    "未批先用已供地": "未供即用",
    "已补办(农转用)": "已补办(农转用)",
    "已补办（农转用）": "已补办(农转用)",
    "已补办农转用": "已补办(农转用)",
    "补办农转用": "已补办(农转用)",
    " 补办 农转用 ": "已补办(农转用)",
    "已补办(设施农用地/临时用地)": "已补办(设施农用地/临时用地)",
    "已补办（设施农用地/临时用地）": "已补办(设施农用地/临时用地)",
    "已补办设施农用地": "已补办(设施农用地/临时用地)",
    "已补办临时用地": "已补办(设施农用地/临时用地)",
    "补办设施农用地": "已补办(设施农用地/临时用地)",
    "补办临时用地": "已补办(设施农用地/临时用地)",
    "省级及以上重点工程": "省级及以上重点工程",
    "重点工程": "省级及以上重点工程",
    "国家重点工程": "省级及以上重点工程",
    "省级重点工程": "省级及以上重点工程",
    "保障性安居工程": "保障性安居工程",
    "安居工程": "保障性安居工程",
    "保障房": "保障性安居工程",
    "已拆除复耕到位": "已拆除复耕到位",
    "拆除复耕到位": "已拆除复耕到位",
    "已拆除复耕": "已拆除复耕到位",
    "已复耕到位": "已拆除复耕到位",
}
AGES = {
    "新增": "新增",
    "新增违法": "新增",
    "本年新增": "新增",
    "新增建设用地违法": "新增",
    "存量": "存量",
    "存量违法": "存量",
    "历史存量": "存量",
    "往年": "存量",
    "存量建设用地违法": "存量",
}


def test_every_spelling_of_a_class_and_an_age() -> None:
    from rsgeo.schema.deduction_classes import case_age, deduction_class

    assert {k: deduction_class(k) for k in SPELLINGS} == SPELLINGS
    assert {k: case_age(k) for k in AGES} == AGES
    for empty in ("", None, float("nan"), "  ", "/", "无", "－", "——"):
        assert deduction_class(empty) == "" and case_age(empty) == "", empty
    assert deduction_class("拆除") is None and case_age("今年") is None
    # a number in the column is no class and no age, not an empty cell
    assert deduction_class(1.5) is None and case_age(2020.0) is None
