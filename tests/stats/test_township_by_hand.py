"""Every additive column of the township statistics, worked out by hand.

Seven patches in two townships cover each rule of ``docs/statistics.md``: a
patch split across townships, a technician's illegal area (φ = 0.5), a
deduction on the cutoff day, a partial deduction, a rectification the day
after the cutoff, a legal and an *other* patch, a 存量 (older) case and an
unrectified illegal mineral patch. The expected figures are computed in the
comments from the formulas, never from rsgeo.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rsgeo.errors import InputError
from rsgeo.stats.deductions import patch_figures
from rsgeo.stats.township import (
    ADDITIVE_COLUMNS,
    OUTSIDE_LABEL,
    TOTAL_LABEL,
    add_total_row,
    row_name,
    township_stats,
)

A, B, C = "450225100", "450225101", "450225102"
TOWNS = pd.DataFrame({"township_code": [A, B, C], "township_name": ["融水镇", "和睦镇", "三防镇"]})


def _patches() -> tuple[pd.DataFrame, pd.DataFrame]:
    def p(pid: str, **kw: object) -> dict[str, object]:
        row: dict[str, object] = {
            "patch_id": pid,
            "final_class": "违法",
            "is_construction": True,
            "flag_pbf": False,
            "flag_redline": False,
            "flag_mineral": False,
            "flag_rare_earth": False,
            "flag_military": False,
            "illegal_area_m2": np.nan,
            "illegal_farmland_m2": np.nan,
            "rectification_method": "",
            "rectification_date": None,
            "rectified_area_m2": np.nan,
            "case_number": "",
            "case_age": "",
        }
        row.update(kw)
        return row

    result = pd.DataFrame(
        [
            # p1: deducted whole, rectified on the cutoff day
            p("p1", flag_mineral=True, rectification_method="拆除复耕",
              rectification_date="2020-12-21", case_number="融自然资罚〔2020〕1号"),
            # p2: half of it illegal (φ = 0.5), half of that made good by the cutoff (δ = 0.5)
            p("p2", illegal_area_m2=500.0, flag_mineral=True, flag_rare_earth=True,
              rectification_method="补办手续", rectification_date="2020-12-01",
              rectified_area_m2=250.0),
            # p3: rectified the day after the cutoff: rectified, not deducted
            p("p3", flag_redline=True, rectification_method="拆除复耕",
              rectification_date="2020-12-22"),
            p("p4", final_class="合法"),
            p("p5", final_class="其他", is_construction=False),
            p("p6", case_age="存量"),  # an older case: reported apart
            p("p7", flag_mineral=True, rectification_method="未整改"),  # nothing done
        ]
    ).set_index("patch_id")  # fmt: skip
    pieces = pd.DataFrame(
        [
            # patch, township, area, net farmland, basic farmland, red line
            ("p1", A, 1000.0, 600.0, 300.0, 100.0),
            ("p2", A, 300.0, 150.0, 60.0, 0.0),
            ("p2", B, 700.0, 450.0, 0.0, 0.0),
            ("p3", B, 400.0, 200.0, 0.0, 50.0),
            ("p4", A, 500.0, 100.0, 0.0, 0.0),
            ("p5", A, 200.0, 50.0, 0.0, 0.0),
            ("p6", B, 300.0, 90.0, 0.0, 0.0),
            ("p7", A, 100.0, 100.0, 0.0, 0.0),
        ],
        columns=["patch_id", "township_code", "area_m2", "farmland_net_m2", "pbf_m2", "redline_m2"],
    ).set_index(["patch_id", "township_code"])
    return result, pieces


# Per patch: φ (illegal share), δ (deducted share), ρ (rectified share)
#   p1 φ 1,   δ 1,   ρ 1;  p2 φ 0.5, δ 0.5, ρ 0.5;  p3 φ 1, δ 0, ρ 1;  p7 φ 1, δ 0, ρ 0
# p2's illegal area 500 is spread by area (300:700), its illegal farmland
# 600 × 0.5 = 300 by farmland (150:450).
EXPECTED = {
    A: {
        "area_m2": 1000 + 300 + 500 + 200 + 100,
        "non_grain_area_m2": 0.0,
        "construction_area_m2": 1000 + 300 + 500 + 100,
        "construction_farmland_m2": 600 + 150 + 100 + 100,
        "illegal_area_m2": 1000 + 150 + 100,
        "illegal_area_after_deductions_m2": 0 + 150 * 0.5 + 100,
        "deducted_area_m2": 1000 + 150 * 0.5,
        "illegal_farmland_m2": 600 + 75 + 100,
        "illegal_farmland_after_deductions_m2": 0 + 75 * 0.5 + 100,
        "deducted_farmland_m2": 600 + 75 * 0.5,
        "illegal_pbf_m2": 300 * 1 * 0 + 60 * 0.5 * 0.5,  # pbf × φ × (1 − δ)
        "illegal_redline_m2": 100 * 1 * 0,
        "mineral_area_m2": 1000 + 300 + 100,
        "mineral_illegal_area_m2": 0 + 150 * 0.5 + 100,
        "handled_area_m2": 1000 + 150,
        "rectified_area_m2": 1000 + 150 * 0.5,
        "illegal_stock_area_m2": 0.0,
        "illegal_stock_farmland_m2": 0.0,
        # counts: p2 is counted in B, where most of it lies
        "n_patches": 4,  # p1 p4 p5 p7
        "n_legal": 1,
        "n_illegal": 2,  # p1 p7
        "n_other": 1,
        "n_non_grain": 0,
        "n_construction": 3,
        "n_illegal_after_deductions": 1,  # p7 (p1 is deducted whole)
        "n_deducted": 1,
        "n_illegal_pbf": 0,  # p1 touches it but is deducted whole
        "n_illegal_redline": 0,
        "n_mineral": 2,
        "n_mineral_illegal": 1,
        "n_mineral_unrectified": 1,
        "n_rare_earth": 0,
        "n_rare_earth_illegal": 0,
        "n_handled": 1,  # p1 (p7: no case, nothing done)
        "n_rectified": 1,
        "n_illegal_stock": 0,
    },
    B: {
        "area_m2": 700 + 400 + 300,
        "non_grain_area_m2": 0.0,
        "construction_area_m2": 700 + 400 + 300,
        "construction_farmland_m2": 450 + 200,  # p6, an older case, is not the year's
        "illegal_area_m2": 350 + 400,
        "illegal_area_after_deductions_m2": 350 * 0.5 + 400,
        "deducted_area_m2": 350 * 0.5,
        "illegal_farmland_m2": 225 + 200,
        "illegal_farmland_after_deductions_m2": 225 * 0.5 + 200,
        "deducted_farmland_m2": 225 * 0.5,
        "illegal_pbf_m2": 0.0,
        "illegal_redline_m2": 50 * 1 * 1,
        "mineral_area_m2": 700,
        "mineral_illegal_area_m2": 350 * 0.5,
        "handled_area_m2": 350 + 400,
        "rectified_area_m2": 350 * 0.5 + 400,
        "illegal_stock_area_m2": 300,
        "illegal_stock_farmland_m2": 90,
        "n_patches": 3,  # p2 p3 p6
        "n_legal": 0,
        "n_illegal": 2,  # p2 p3; p6 is reported apart
        "n_other": 1,
        "n_non_grain": 0,
        "n_construction": 3,
        "n_illegal_after_deductions": 2,
        "n_deducted": 1,
        "n_illegal_pbf": 1,  # p2, through its piece in A
        "n_illegal_redline": 1,
        "n_mineral": 1,
        "n_mineral_illegal": 1,
        "n_mineral_unrectified": 1,
        "n_rare_earth": 1,
        "n_rare_earth_illegal": 1,
        "n_handled": 2,
        "n_rectified": 1,  # p3; p2 only half
        "n_illegal_stock": 1,
    },
}


def test_every_additive_column() -> None:
    result, pieces = _patches()
    s = township_stats(result, pieces, townships=TOWNS)
    assert s.index.tolist() == [A, B, C, TOTAL_LABEL]
    assert set(EXPECTED[A]) == set(ADDITIVE_COLUMNS) - {"denominator_m2"}
    # no change-survey table: the denominator is the patches' construction farmland
    want = {c: {**e, "denominator_m2": e["construction_farmland_m2"]} for c, e in EXPECTED.items()}
    for col in ADDITIVE_COLUMNS:
        for code in (A, B):
            assert s.loc[code, col] == pytest.approx(want[code][col], abs=1e-9), (code, col)
        assert s.loc[C, col] == 0, col
        total = want[A][col] + want[B][col]
        assert s.loc[TOTAL_LABEL, col] == pytest.approx(total, abs=1e-9), col
    for code in (A, B):
        row = s.loc[code]
        assert row["n_legal"] + row["n_illegal"] + row["n_other"] == row["n_patches"]


def test_ratio_and_rates_by_count_and_by_area() -> None:
    result, pieces = _patches()
    s = township_stats(result, pieces, townships=TOWNS)
    assert s.loc[A, "illegal_farmland_ratio"] == pytest.approx(137.5 / 950)
    assert s.loc[B, "illegal_farmland_ratio"] == pytest.approx(312.5 / 650)
    assert s.loc[TOTAL_LABEL, "illegal_farmland_ratio"] == pytest.approx(450 / 1600)
    assert (s.loc[A, "performance_rate"], s.loc[A, "rectification_rate"]) == (0.5, 0.5)
    assert (s.loc[B, "performance_rate"], s.loc[B, "rectification_rate"]) == (1.0, 0.5)
    assert s.loc[TOTAL_LABEL, "performance_rate"] == pytest.approx(3 / 4)
    assert s.loc[TOTAL_LABEL, "rectification_rate"] == pytest.approx(2 / 4)
    assert np.isnan(s.loc[C, "illegal_farmland_ratio"]) and np.isnan(s.loc[C, "performance_rate"])
    by_area = township_stats(result, pieces, townships=TOWNS, rate_basis="area")
    assert by_area.loc[A, "performance_rate"] == pytest.approx(1150 / 1250)
    assert by_area.loc[A, "rectification_rate"] == pytest.approx(1075 / 1250)
    assert by_area.loc[B, "performance_rate"] == pytest.approx(1.0)
    assert by_area.loc[B, "rectification_rate"] == pytest.approx(575 / 750)
    assert by_area.loc[TOTAL_LABEL, "performance_rate"] == pytest.approx(1900 / 2000)


def test_basic_farmland_and_red_line_are_net_of_deductions() -> None:
    """A deducted patch's basic farmland and red line leave the figures with it."""
    result, pieces = _patches()
    s = township_stats(result, pieces, townships=TOWNS)
    assert s.loc[A, "illegal_pbf_m2"] == pytest.approx(15.0)  # not 300 + 30
    assert s.loc[A, "illegal_redline_m2"] == 0.0  # not 100
    # without any deduction the same patches count whole
    late = township_stats(result, pieces, townships=TOWNS, cutoff="2020-11-30")
    assert late.loc[A, "illegal_pbf_m2"] == pytest.approx(300 + 30)
    assert late.loc[A, "illegal_redline_m2"] == pytest.approx(100)
    assert late.loc[A, "n_illegal_pbf"] == 1  # p1 now
    assert late.loc[B, "n_illegal_pbf"] == 1  # p2, counted where most of it lies


def test_the_denominator_without_illegal_construction_flag() -> None:
    """An illegal patch not marked construction enters the denominator only by the option."""
    result, pieces = _patches()
    result.loc["p7", "is_construction"] = False
    s = township_stats(result, pieces, townships=TOWNS)
    assert s.loc[A, "construction_farmland_m2"] == 950
    assert s.loc[A, "construction_area_m2"] == 1800
    s = township_stats(result, pieces, townships=TOWNS, denominator_includes_illegal=False)
    assert s.loc[A, "construction_farmland_m2"] == 850


def test_a_flag_alone_marks_basic_farmland_and_red_line() -> None:
    """flag_pbf / flag_redline count the patch even when its pieces hold no such area."""
    result, pieces = _patches()
    result.loc["p7", ["flag_pbf", "flag_redline"]] = True
    s = township_stats(result, pieces, townships=TOWNS)
    assert (s.loc[A, "n_illegal_pbf"], s.loc[A, "n_illegal_redline"]) == (1, 1)
    assert (s.loc[A, "illegal_pbf_m2"], s.loc[A, "illegal_redline_m2"]) == (15.0, 0.0)


def test_figures_without_the_age_column_hold_no_older_case() -> None:
    """Figures computed without is_stock (an older rsgeo): every case is the year's."""
    result, pieces = _patches()
    result["case_age"] = ""
    figures = patch_figures(result, pieces).drop(columns=["is_stock"])
    s = township_stats(result, pieces, townships=TOWNS, figures=figures)
    assert (s.loc[B, "n_illegal"], s.loc[B, "n_illegal_stock"]) == (3, 0)
    assert s.loc[B, "illegal_area_m2"] == pytest.approx(350 + 400 + 300)
    assert s.loc[B, "illegal_stock_area_m2"] == 0.0


def test_bad_pieces_are_an_input_error_with_a_military_patch_too() -> None:
    result, pieces = _patches()
    result.loc["p4", "flag_military"] = True
    with pytest.raises(InputError, match="pieces lack column 'area_m2'"):
        township_stats(result, pieces.drop(columns=["area_m2"]), townships=TOWNS)


def test_row_names() -> None:
    assert row_name(TOTAL_LABEL) == "合计"
    assert row_name(OUTSIDE_LABEL, "x") == "县外/未落入乡镇"
    assert row_name(A, "融水镇") == "融水镇"
    assert row_name(A) == row_name(A, None) == row_name(A, np.nan) == row_name(A, pd.NA) == ""


def test_the_total_row_keeps_the_townships_own_rates() -> None:
    """add_total_row recomputes the rates of the total only; rates given stay."""
    s = pd.DataFrame(
        {
            "township_name": ["甲", "乙"],
            "n_illegal": [2, 2],
            "n_handled": [1, 2],
            "n_rectified": [0, 2],
            "construction_farmland_m2": [10.0, 10.0],
            "illegal_farmland_after_deductions_m2": [5.0, 0.0],
            "illegal_farmland_ratio": [0.9, 0.8],
            "performance_rate": [0.7, 0.6],
            "rectification_rate": [0.5, 0.4],
        },
        index=["1", "2"],
    )
    t = add_total_row(s)
    assert t.loc[
        "1", ["illegal_farmland_ratio", "performance_rate", "rectification_rate"]
    ].tolist() == [0.9, 0.7, 0.5]
    assert t.loc[
        TOTAL_LABEL, ["illegal_farmland_ratio", "performance_rate", "rectification_rate"]
    ].tolist() == [0.25, 0.75, 0.5]


def test_a_patch_of_no_area_is_spread_evenly_over_its_pieces() -> None:
    """Pieces of 0 m² (a sliver): the technician's figures go half and half."""
    result = pd.DataFrame(
        {
            "final_class": ["违法"],
            "is_construction": [True],
            "illegal_area_m2": [100.0],
            "illegal_farmland_m2": [40.0],
        },
        index=pd.Index(["s"], name="patch_id"),
    )
    pieces = pd.DataFrame(
        {
            "patch_id": ["s", "s"],
            "township_code": [A, B],
            "area_m2": [0.0, 0.0],
            "farmland_net_m2": [0.0, 0.0],
        }
    ).set_index(["patch_id", "township_code"])
    s = township_stats(result, pieces, townships=TOWNS)
    assert (s.loc[A, "illegal_area_m2"], s.loc[B, "illegal_area_m2"]) == (50.0, 50.0)
    assert (s.loc[A, "illegal_farmland_m2"], s.loc[B, "illegal_farmland_m2"]) == (20.0, 20.0)
    # some farmland in one piece: the farmland follows it
    pieces["farmland_net_m2"] = [0.0, 5.0]
    s = township_stats(result, pieces, townships=TOWNS)
    assert (s.loc[A, "illegal_farmland_m2"], s.loc[B, "illegal_farmland_m2"]) == (0.0, 40.0)


def test_tiny_areas_and_missing_layer_areas() -> None:
    """A patch under 1 m² is still split by area; a missing pbf_m2 or redline_m2 of a
    piece counts as none; a fraction of a square metre of basic farmland touches it."""
    base = {"final_class": "违法", "is_construction": True}
    result = pd.DataFrame(
        [
            # t1: 0.8 m², split 0.6 : 0.2, its 0.4 m² of farmland 0.1 : 0.3
            {**base, "illegal_area_m2": 100.0, "illegal_farmland_m2": 40.0},
            {**base},  # t2: basic farmland and red line unknown (NaN)
            {**base},  # t3: 0.5 m² of each, no flag
            {**base, "final_class": "合法"},  # t4: legal, on both layers
            {**base, "illegal_area_m2": 50.0},  # t5: φ = 0.5, on both layers
        ],
        index=pd.Index(["t1", "t2", "t3", "t4", "t5"], name="patch_id"),
    )
    pieces = pd.DataFrame(
        [
            ("t1", A, 0.6, 0.1, 0.0, 0.0),
            ("t1", B, 0.2, 0.3, 0.0, 0.0),
            ("t2", A, 10.0, 10.0, np.nan, np.nan),
            ("t3", B, 10.0, 0.0, 0.5, 0.5),
            ("t4", A, 10.0, 0.0, 20.0, 20.0),
            ("t5", B, 100.0, 0.0, 40.0, 30.0),
        ],
        columns=["patch_id", "township_code", "area_m2", "farmland_net_m2", "pbf_m2", "redline_m2"],
    ).set_index(["patch_id", "township_code"])
    s = township_stats(result, pieces, townships=TOWNS)
    assert s.loc[A, "illegal_area_m2"] == pytest.approx(75.0 + 10.0)
    assert s.loc[B, "illegal_area_m2"] == pytest.approx(25.0 + 10.0 + 50.0)
    assert s.loc[A, "illegal_farmland_m2"] == pytest.approx(10.0 + 10.0)
    assert s.loc[B, "illegal_farmland_m2"] == pytest.approx(30.0)
    assert (s.loc[A, "illegal_pbf_m2"], s.loc[A, "illegal_redline_m2"]) == (0.0, 0.0)
    assert s.loc[B, "illegal_pbf_m2"] == pytest.approx(0.5 + 40 * 0.5)
    assert s.loc[B, "illegal_redline_m2"] == pytest.approx(0.5 + 30 * 0.5)
    assert (s.loc[A, "n_illegal_pbf"], s.loc[A, "n_illegal_redline"]) == (0, 0)
    assert (s.loc[B, "n_illegal_pbf"], s.loc[B, "n_illegal_redline"]) == (2, 2)


def test_an_older_case_split_across_townships_is_reported_in_each() -> None:
    result = pd.DataFrame(
        {"final_class": ["违法"], "is_construction": [True], "case_age": ["存量"]},
        index=pd.Index(["o"], name="patch_id"),
    )
    pieces = pd.DataFrame(
        {
            "patch_id": ["o", "o"],
            "township_code": [A, B],
            "area_m2": [300.0, 100.0],
            "farmland_net_m2": [20.0, 60.0],
            "pbf_m2": [10.0, 0.0],
            "redline_m2": [5.0, 0.0],
        }
    ).set_index(["patch_id", "township_code"])
    s = township_stats(result, pieces, townships=TOWNS)
    # an older case is none of the year's basic farmland or red line
    assert (s.loc[A, "illegal_pbf_m2"], s.loc[A, "illegal_redline_m2"]) == (0.0, 0.0)
    assert (s.loc[A, "illegal_stock_area_m2"], s.loc[B, "illegal_stock_area_m2"]) == (300.0, 100.0)
    assert (s.loc[A, "illegal_stock_farmland_m2"], s.loc[B, "illegal_stock_farmland_m2"]) == (
        20.0,
        60.0,
    )
    assert (s.loc[A, "n_illegal_stock"], s.loc[B, "n_illegal_stock"]) == (1, 0)
    assert s.loc[A, "construction_farmland_m2"] == 0.0


def test_pieces_without_basic_farmland_or_red_line_give_no_figure() -> None:
    result, pieces = _patches()
    s = township_stats(result, pieces.drop(columns=["pbf_m2"]), townships=TOWNS)
    assert s["illegal_pbf_m2"].isna().all()  # unknown, also on the total row
    assert s.loc[B, "illegal_redline_m2"] == 50.0
    s = township_stats(result, pieces.drop(columns=["redline_m2"]), townships=TOWNS)
    assert s["illegal_redline_m2"].isna().all()
    assert s.loc[A, "illegal_pbf_m2"] == pytest.approx(15.0)


def test_a_denominator_table_with_the_outside_row_and_two_sources() -> None:
    result, pieces = _patches()
    pieces = pieces.rename(index={B: ""}, level="township_code")  # B's pieces fall outside
    table = pd.DataFrame(
        {
            "denominator_m2": [1000.0, 0.0, 500.0],
            "denominator_source": ["甲调查", "乙调查", "乙调查"],
        },
        index=[A, B, C],
    )
    s = township_stats(result, pieces, townships=TOWNS, denominator=table)
    assert s.index.tolist() == [A, B, C, "outside", "total"]  # the labels docs/statistics.md names
    assert s.loc[OUTSIDE_LABEL, "denominator_m2"] == 0.0
    assert s.loc[OUTSIDE_LABEL, "denominator_source"] == ""
    assert s.loc[TOTAL_LABEL, "denominator_m2"] == 1500.0
    assert s.loc[TOTAL_LABEL, "denominator_source"] == "甲调查；乙调查"
    assert s.loc[A, "illegal_farmland_ratio"] == pytest.approx(137.5 / 1000)
    # the change survey says 0 where the patches have none: no ratio, never infinite
    assert np.isnan(s.loc[B, "illegal_farmland_ratio"])
    assert s.loc[C, "illegal_farmland_ratio"] == 0.0
    table.loc[A, "denominator_m2"] = 0.0
    s = township_stats(result, pieces, townships=TOWNS, denominator=table)
    assert np.isnan(s.loc[A, "illegal_farmland_ratio"])
    assert s.loc[OUTSIDE_LABEL, "n_criteria"] == 0 and s.loc[TOTAL_LABEL, "n_criteria"] == 0
    assert (
        s.loc[OUTSIDE_LABEL, "criterion_1_reason"] == s.loc[TOTAL_LABEL, "criterion_1_reason"] == ""
    )


def test_figures_without_the_class_counted_apart() -> None:
    result, pieces = _patches()
    figures = patch_figures(result, pieces)
    s = township_stats(
        result, pieces, townships=TOWNS, figures=figures.drop(columns=["is_non_grain"])
    )
    assert s["n_non_grain"].sum() == 0 and s["non_grain_area_m2"].sum() == 0
    figures["is_non_grain"] = pd.Series([None] * len(figures), index=figures.index, dtype=object)
    s = township_stats(result, pieces, townships=TOWNS, figures=figures)
    assert s["n_non_grain"].sum() == 0
