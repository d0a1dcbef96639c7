"""Tests of rsgeo.apply_determinations / read_determinations."""

from __future__ import annotations

import datetime as dt
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from rsgeo.analysis.determination import DETERMINATION_COLUMNS, apply_determinations
from rsgeo.errors import DataFileError, DuplicateIdError, FieldError, InputError
from rsgeo.io.determination_table import DeterminationWarning, read_determinations
from rsgeo.schema.cells import parse_dates

MU = 10000.0 / 15.0  # m² per 亩, written out independently of rsgeo.geo.units


def classified(n: int = 4) -> pd.DataFrame:
    ids = [f"4502251{i:05d}" for i in range(1, n + 1)]
    return pd.DataFrame(
        {
            "area_m2": [1000.0] * n,
            "suggested_class": ["违法", "合法", "其他", "违法", "违法", "违法"][:n],
            "suggested_subtype": ["疑似违法", "批准用地", "农业结构调整", "疑似违法", "x", "x"][:n],
            "flag_military": [False] * n,
        },
        index=pd.Index(ids, name="patch_id"),
    )


P1, P2, P3, P4 = (f"4502251{i:05d}" for i in range(1, 5))


def test_merge_determination_wins_and_suggestion_stays():
    c = classified()
    t = pd.DataFrame(
        {
            "监测编号": [P1, P3],
            "判定结果": ["合法", "违法"],
            "违法类型": [None, "未报即用"],
            "立案号": ["/", "融自然资〔2021〕3号"],
        }
    )
    out = apply_determinations(c, t)
    assert out["final_class"].tolist() == ["合法", "合法", "违法", "违法"]
    assert out["class_source"].tolist() == [
        "determination",
        "suggested",
        "determination",
        "suggested",
    ]
    assert out["suggested_class"].tolist() == c["suggested_class"].tolist()
    assert out["determination"].isna().tolist() == [False, True, False, True]
    assert out.loc[P3, "illegal_type"] == "未报即用"
    assert pd.isna(out.loc[P1, "case_number"])  # "/" counts as blank
    for col in DETERMINATION_COLUMNS:
        assert col in out.columns
    rep = out.attrs["rsgeo_determinations_report"]
    assert rep.n_applied == 2 and rep.n_rows == 2


def test_input_never_mutated_and_all_patches_kept_in_order():
    c = classified()
    t = pd.DataFrame({"监测编号": [P4, P2], "判定结果": ["其他", "违法"]})
    c0, t0 = c.copy(deep=True), t.copy(deep=True)
    out = apply_determinations(c, t)
    pd.testing.assert_frame_equal(c, c0)
    pd.testing.assert_frame_equal(t, t0)
    assert list(out.index) == list(c.index)


def test_area_units_from_headers():
    c = classified()
    t = pd.DataFrame(
        {
            "监测编号": [P1, P2],
            "违法面积（亩）": [1.5, "0.3"],
            "违法占用耕地面积": ["1,234.5", 0],  # no unit: m²
            "整改面积(公顷)": [0.1, None],
        }
    )
    out = apply_determinations(c, t)
    assert out.loc[P1, "illegal_area_m2"] == pytest.approx(1.5 * MU)
    assert out.loc[P2, "illegal_area_m2"] == pytest.approx(0.3 * MU)
    assert out.loc[P1, "illegal_farmland_m2"] == pytest.approx(1234.5)
    assert out.loc[P1, "rectified_area_m2"] == pytest.approx(1000.0)
    assert np.isnan(out.loc[P3, "illegal_area_m2"])
    for col in ("illegal_area_m2", "illegal_farmland_m2", "rectified_area_m2"):
        assert out[col].dtype == np.float64
    rep = out.attrs["rsgeo_determinations_report"]
    assert rep.unit_conversions == {"illegal_area_m2": "亩", "rectified_area_m2": "公顷"}
    # the other spellings of the units (the grammar the denominator table uses too)
    t2 = pd.DataFrame({"监测编号": [P1], "违法面积（㎡）": [12.5], "整改面积(hm²)": [0.5]})
    out2 = apply_determinations(c, t2)
    assert out2.loc[P1, "illegal_area_m2"] == pytest.approx(12.5)
    assert out2.loc[P1, "rectified_area_m2"] == pytest.approx(5000.0)


def test_dates_and_method_aliases():
    c = classified()
    t = pd.DataFrame(
        {
            "监测编号": [P1, P2, P3, P4],
            "整改方式": ["拆除复垦", "补办用地手续", " 没收 ", "整改中"],
            "整改日期": ["2020/12/21", "2020年12月22日", dt.date(2021, 1, 5), 44196],
        }
    )
    out = apply_determinations(c, t)
    assert out["rectification_method"].tolist() == ["拆除复耕", "补办手续", "没收", "未整改"]
    assert out["rectification_date"].dtype.kind == "M"
    assert out["rectification_date"].tolist() == [
        pd.Timestamp("2020-12-21"),
        pd.Timestamp("2020-12-22"),
        pd.Timestamp("2021-01-05"),
        pd.Timestamp("2020-12-31"),  # Excel serial day 44196
    ]


def test_every_problem_in_one_error():
    c = classified()
    t = pd.DataFrame(
        {
            "监测编号": [P1, P2, P3, P3, None, P4],
            "判定结果": ["疑似", "合法", "违法", "合法", "违法", "违法"],
            "整改方式": ["拆掉了", None, None, None, None, None],
            "整改日期": [None, "2020-13-01", None, None, None, None],
            "违法面积（亩）": [None, None, "很多", None, None, -1],
        }
    )
    with pytest.raises(InputError) as info:
        apply_determinations(c, t)
    msg = str(info.value)
    assert msg.startswith("7 problem(s)")
    assert (
        "table row 1 (监测编号 450225100001): 判定结果 '疑似' is not one of 合法, 违法, 其他" in msg
    )
    assert "整改方式 '拆掉了' is not one of 拆除复耕, 补办手续, 没收, 未整改" in msg
    assert "table row 2 (监测编号 450225100002): 整改日期 '2020-13-01' is not a date" in msg
    assert "违法面积（亩） '很多' is not a number" in msg
    assert "违法面积（亩） -1 is negative" in msg
    assert "table row 5: no patch id" in msg
    assert (
        f"patch {P3} has 2 rows that disagree (table row 3, table row 4): 判定结果 '违法' vs '合法'"
        in msg
    )


def test_duplicates_that_agree_are_merged():
    c = classified()
    t = pd.DataFrame(
        {
            "监测编号": [P1, P1, P2, P2],
            "判定结果": ["违法", "违法", "合法", None],
            "立案号": [None, "A-1", None, None],
        }
    )
    out = apply_determinations(c, t)
    assert out.loc[P1, "determination"] == "违法"
    assert out.loc[P1, "case_number"] == "A-1"
    assert out.loc[P2, "final_class"] == "合法"
    assert out.attrs["rsgeo_determinations_report"].merged_duplicates == [P1, P2]


def test_unknown_ids_warn_raise_ignore():
    """A table mostly of other ids (accepted here with min_matched_share=0)."""
    c = classified()
    t = pd.DataFrame({"监测编号": [P1, "999", "998"], "判定结果": ["违法", "合法", "合法"]})
    with pytest.warns(DeterminationWarning, match="2 patch id"):
        out = apply_determinations(c, t, min_matched_share=0)
    assert out.attrs["rsgeo_determinations_report"].unknown_ids == ["999", "998"]
    assert len(out) == 4
    with pytest.raises(InputError, match="not in the batch: 999, 998"):
        apply_determinations(c, t, min_matched_share=0, unknown_ids="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = apply_determinations(c, t, min_matched_share=0, unknown_ids="ignore")
    assert quiet.attrs["rsgeo_determinations_report"].unknown_ids == ["999", "998"]
    with pytest.raises(InputError, match=r"\['raise', 'warn', 'ignore'\]"):
        apply_determinations(c, t, min_matched_share=0, unknown_ids="drop")  # type: ignore[arg-type]


def test_on_invalid_warn_blanks_bad_values_and_drops_conflicts():
    c = classified()
    t = pd.DataFrame(
        {
            "监测编号": [P1, P2, P2, P3],
            "判定结果": ["疑似", "合法", "违法", "违法"],
            "整改日期": [None, None, None, "昨天"],
        }
    )
    with pytest.warns(DeterminationWarning, match="3 problem"):
        out = apply_determinations(c, t, on_invalid="warn")
    assert pd.isna(out.loc[P1, "determination"])
    assert out.loc[P1, "final_class"] == "违法"  # the suggestion
    assert pd.isna(out.loc[P2, "determination"])
    assert out.loc[P3, "determination"] == "违法"
    assert pd.isna(out.loc[P3, "rectification_date"])
    assert out.attrs["rsgeo_determinations_report"].conflicts == [P2]


def test_military_from_table_sets_flag():
    c = classified()
    t = pd.DataFrame(
        {
            "监测编号": [P1, P2],
            "是否军用": ["是", "否"],
            "判定子类": [None, "军用土地"],
        }
    )
    out = apply_determinations(c, t)
    assert out["flag_military"].tolist() == [True, True, False, False]


def test_requires_classified_table_and_unique_ids():
    t = pd.DataFrame({"监测编号": [P1], "判定结果": ["违法"]})
    with pytest.raises(FieldError, match="classify"):
        apply_determinations(pd.DataFrame({"area_m2": [1.0]}, index=[P1]), t)
    dup = classified().iloc[[0, 0]]
    with pytest.raises(DuplicateIdError):
        apply_determinations(dup, t)
    with pytest.raises(FieldError, match="patch id column"):
        apply_determinations(classified(), pd.DataFrame({"判定结果": ["违法"]}))


def test_ambiguous_headers_reported():
    t = pd.DataFrame({"监测编号": [P1], "违法面积": [1.0], "违法面积（亩）": [1.0]})
    with pytest.raises(InputError, match="both mean illegal_area_m2"):
        apply_determinations(classified(), t)


def test_reapplying_replaces_previous_determinations_and_keeps_geometry():
    gdf = gpd.GeoDataFrame(
        classified(2), geometry=[box(0, 0, 1, 1), box(2, 0, 3, 1)], crs="EPSG:4545"
    )
    first = apply_determinations(gdf, pd.DataFrame({"监测编号": [P1], "判定结果": ["合法"]}))
    second = apply_determinations(first, pd.DataFrame({"监测编号": [P2], "判定结果": ["其他"]}))
    assert isinstance(second, gpd.GeoDataFrame) and second.crs == gdf.crs
    assert second["final_class"].tolist() == ["违法", "其他"]
    assert list(second.columns).count("final_class") == 1


def test_numeric_ids_and_canonical_headers_and_index_named_patch_id():
    c = pd.DataFrame(
        {"suggested_class": ["违法", "违法"]},
        index=pd.Index(["450225001", "450225002"], name="patch_id"),
    )
    t = pd.DataFrame({"determination": ["合法"]}, index=pd.Index([450225002.0], name="patch_id"))
    out = apply_determinations(c, t)
    assert out["final_class"].tolist() == ["违法", "合法"]


def test_xlsx_round_trip_with_title_row(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "判定.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["融水县2020年卫片执法图斑判定汇总表"])
    ws.append(
        [
            "序号",
            "监测编号",
            "判定结果",
            "违法面积（亩）",
            "整改方式",
            "整改日期",
            "责任主体",
            "备注",
        ]
    )
    ws.append([1, P1, "违法", 1.5, "拆除复耕", dt.datetime(2020, 12, 21), "张三", "已核实"])
    ws.append([2, P2, "合法", None, None, None, None, None])
    ws.append([3, 450225100004, "其它", None, "/", None, None, None])  # id typed as a number
    ws.append([None] * 8)  # trailing blank row
    wb.save(path)

    out = apply_determinations(classified(), path)
    assert out["final_class"].tolist() == ["违法", "合法", "其他", "其他"]
    assert out["class_source"].tolist() == [
        "determination",
        "determination",
        "suggested",
        "determination",
    ]
    assert out.loc[P1, "illegal_area_m2"] == pytest.approx(1000.0)
    assert out.loc[P1, "rectification_date"] == pd.Timestamp("2020-12-21")
    assert out.loc[P1, "responsible_party"] == "张三"
    assert out.loc[P1, "determination_note"] == "已核实"
    assert pd.isna(out.loc[P4, "rectification_method"])
    rep = out.attrs["rsgeo_determinations_report"]
    assert rep.n_rows == 3
    assert rep.unknown_columns == ["序号"]
    assert rep.source == str(path)


def test_xlsx_errors_cite_spreadsheet_rows(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "bad.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["监测编号", "判定结果"])
    ws.append([P1, "违法"])
    ws.append([P2, "待定"])
    wb.save(path)
    with pytest.raises(InputError, match=r"row 3 \(监测编号 450225100002\): 判定结果 '待定'"):
        apply_determinations(classified(), path)


def test_gbk_csv(tmp_path):
    path = tmp_path / "判定.csv"
    text = f"监测编号,判定结果,违法面积（亩）\n{P1},违法,3\n0{P2},合法,\n"
    path.write_bytes(text.encode("gbk"))
    out = read_determinations(path)
    assert out.index.tolist() == [P1, "0" + P2]  # text ids keep their leading zero
    assert out.loc[P1, "illegal_area_m2"] == pytest.approx(2000.0)


def test_file_errors(tmp_path):
    with pytest.raises(DataFileError, match="not found"):
        read_determinations(tmp_path / "missing.xlsx")
    old = tmp_path / "old.xls"
    old.write_bytes(b"x")
    with pytest.raises(DataFileError, match=r"save it as \.xlsx"):
        read_determinations(old)
    bad = tmp_path / "t.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(FieldError, match="no header row"):
        read_determinations(bad)


def test_fields_override():
    t = pd.DataFrame({"编号": [P1], "结论": ["违法"]})
    out = read_determinations(t, fields={"编号": "patch_id", "结论": "determination"})
    assert out.loc[P1, "determination"] == "违法"
    with pytest.raises(InputError, match="unknown names"):
        read_determinations(t, fields={"编号": "id"})


def test_parse_dates_formats():
    values = pd.Series(["2020.12.21", "2020-12-21 08:30:00", 20201221, "2021-2-3", "abc", None])
    dates, bad = parse_dates(values)
    assert dates.iloc[:4].tolist() == [
        pd.Timestamp("2020-12-21"),
        pd.Timestamp("2020-12-21"),
        pd.Timestamp("2020-12-21"),
        pd.Timestamp("2021-02-03"),
    ]
    assert bad.tolist() == [False, False, False, False, True, False]


def test_sealed_ids_never_reach_a_warning_or_an_error() -> None:
    """A sealed patch of the batch, and a row the table marks as military land,
    are named in no message: the 'not in the batch' warning, the bad-date error."""
    c = classified()
    c.loc[P2, "flag_military"] = True
    outside = "450225199999"  # not in the batch, marked as military land by the table
    t = pd.DataFrame(
        {
            "监测编号": [P1, outside, "450225188888"],
            "判定结果": ["违法", "违法", "合法"],
            "判定子类": [None, "军用土地", None],
        }
    )
    with pytest.warns(DeterminationWarning) as seen:
        apply_determinations(c, t, min_matched_share=0)  # a table mostly of other ids
    text = " ".join(str(w.message) for w in seen)
    assert "450225188888" in text  # an ordinary unknown id is still named
    assert outside not in text and "〔军用土地图斑，略〕" in text
    bad = pd.DataFrame(
        {"监测编号": [P2, P1], "判定结果": ["违法", "违法"], "整改日期": ["明天", "昨天"]}
    )
    with pytest.raises(InputError) as err:
        apply_determinations(c, bad)
    assert P2 not in str(err.value) and P1 in str(err.value)


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        (["监测编号", "判定结论"], "look like one"),  # misspelt: 判定结果
        (["监测编号", "结论", "说明2"], "nothing but the patch id"),
    ],
)
def test_a_table_whose_determinations_cannot_be_read_fails_loudly(
    headers: list[str], why: str
) -> None:
    """Before, such a table was ignored whole and every patch kept its suggestion."""
    t = pd.DataFrame([[P1, "违法", "x"][: len(headers)]], columns=headers)
    with pytest.raises(FieldError, match=why) as err:
        apply_determinations(classified(), t)
    text = str(err.value)
    assert "判定结论" in text or "结论" in text  # the headers seen
    assert "判定结果" in text  # and those expected


def test_a_table_of_rectifications_only_is_still_read() -> None:
    t = pd.DataFrame({"监测编号": [P1], "整改方式": ["拆除复耕"], "整改日期": ["2020-12-01"]})
    out = apply_determinations(classified(), t)
    assert out.loc[P1, "rectification_method"] == "拆除复耕"


def test_another_batchs_table_is_refused_not_ignored() -> None:
    """The Q1 table given for Q3 patches: before, 195 of 196 patches silently kept
    their suggestions; now the table is refused, with the counts and the fix."""
    c = classified()
    other = pd.DataFrame(
        {"监测编号": [P1] + [f"450225900{i:03d}" for i in range(9)], "判定结果": ["违法"] * 10}
    )
    with pytest.raises(InputError, match=r"in 1 of its 10 rows \(10%") as err:
        apply_determinations(c, other)
    assert "another batch" in str(err.value) and "min_matched_share" in str(err.value)
    out = apply_determinations(c, other, min_matched_share=0.1, unknown_ids="ignore")
    assert out.loc[P1, "class_source"] == "determination"
