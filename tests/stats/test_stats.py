"""Township statistics: hand-computed expected values."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rsgeo.errors import DuplicateIdError, InputError
from rsgeo.options import StatsOptions
from rsgeo.stats.township import (
    ADDITIVE_COLUMNS,
    OUTSIDE_LABEL,
    TOTAL_LABEL,
    patch_figures,
    summed_rows,
    township_rows,
    township_stats,
)

MU = 10000.0 / 15.0  # m² per 亩

TOWNS = pd.DataFrame(
    {
        "township_code": ["450225100", "450225101", "450225102", "450225103"],
        "township_name": ["融水镇", "和睦镇", "三防镇", "怀宝镇"],
    }
)


def patch(pid: str, town: str, **kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "patch_id": pid,
        "township_code": town,
        "n_townships": 1,
        "area_m2": 1000.0,
        "farmland_m2": 0.0,
        "farmland_net_m2": 0.0,
        "pbf_m2": 0.0,
        "redline_m2": 0.0,
        "final_class": "违法",
        "is_construction": True,
        "flag_pbf": False,
        "flag_redline": False,
        "flag_mineral": False,
        "flag_rare_earth": False,
        "flag_military": False,
        "illegal_area_m2": np.nan,
        "illegal_farmland_m2": np.nan,
        "rectification_method": None,
        "rectification_date": None,
        "rectified_area_m2": np.nan,
        "case_number": None,
    }
    row.update(kw)
    return row


def table(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows)).set_index("patch_id")


def test_ratio_exactly_15_percent_triggers_when_area_over_100_mu() -> None:
    # 150 000 m² illegal farmland (225 亩) / 1 000 000 m² construction farmland = 15 %
    result = table(
        patch("a1", "450225100", area_m2=200000.0, farmland_net_m2=150000.0),
        patch("a2", "450225100", area_m2=900000.0, farmland_net_m2=850000.0, final_class="合法"),
    )
    s = township_stats(result, townships=TOWNS)
    row = s.loc["450225100"]
    assert row["construction_farmland_m2"] == 1_000_000.0
    assert row["illegal_farmland_after_deductions_m2"] == 150000.0
    assert row["illegal_farmland_ratio"] == 0.15
    assert bool(row["criterion_1"]) is True
    assert "15.00% ≥ 15%" in row["criterion_1_reason"]
    assert "225.00 亩 > 100 亩" in row["criterion_1_reason"]


def test_ratio_just_below_15_percent_does_not_trigger() -> None:
    result = table(
        patch("a1", "450225100", area_m2=200000.0, farmland_net_m2=149999.0),
        patch("a2", "450225100", area_m2=900000.0, farmland_net_m2=850001.0, final_class="合法"),
    )
    row = township_stats(result, townships=TOWNS).loc["450225100"]
    assert row["illegal_farmland_ratio"] == pytest.approx(0.149999)
    assert bool(row["criterion_1"]) is False
    assert "<" in row["criterion_1_reason"]


def test_illegal_farmland_exactly_100_mu_does_not_trigger() -> None:
    # ratio 100 %, area exactly 100 亩 = 66 666.67 m²: strict > fails
    result = table(patch("b1", "450225101", area_m2=70000.0, farmland_net_m2=100 * MU))
    row = township_stats(result, townships=TOWNS).loc["450225101"]
    assert row["illegal_farmland_ratio"] == 1.0
    assert bool(row["criterion_1"]) is False
    assert "100.00 亩 ≤ 100 亩" in row["criterion_1_reason"]
    # one square metre more triggers
    result = table(patch("b1", "450225101", area_m2=70000.0, farmland_net_m2=100 * MU + 1))
    assert bool(township_stats(result, townships=TOWNS).loc["450225101", "criterion_1"])


def test_rectified_on_cutoff_is_deducted_day_after_is_not() -> None:
    kw = {"area_m2": 1000.0, "farmland_net_m2": 800.0, "rectification_method": "拆除复耕"}
    result = table(
        patch("c1", "450225102", rectification_date="2020-12-21", **kw),
        patch("c2", "450225102", rectification_date="2020-12-22", **kw),
        patch("c3", "450225102", rectification_date="2020-06-01", **kw),
    )
    # c3 is rectified early but by a non-deductible method
    result.loc["c3", "rectification_method"] = "没收"
    row = township_stats(result, townships=TOWNS).loc["450225102"]
    assert row["n_illegal"] == 3
    assert row["n_deducted"] == 1
    assert row["n_illegal_after_deductions"] == 2
    assert row["illegal_area_m2"] == 3000.0
    assert row["illegal_area_after_deductions_m2"] == 2000.0
    assert row["deducted_area_m2"] == 1000.0
    assert row["illegal_farmland_m2"] == 2400.0
    assert row["illegal_farmland_after_deductions_m2"] == 1600.0
    # the denominator keeps the deducted patch: 1600 / 2400
    assert row["illegal_farmland_ratio"] == pytest.approx(2 / 3)
    # all three rectified (by some method) and handled
    assert row["performance_rate"] == 1.0
    assert row["rectification_rate"] == 1.0


def test_cutoff_and_methods_are_configurable() -> None:
    kw = {"farmland_net_m2": 800.0, "rectification_method": "没收"}
    result = table(patch("c1", "450225102", rectification_date="2020/12/25", **kw))
    s = township_stats(result, townships=TOWNS)
    assert s.loc["450225102", "n_deducted"] == 0
    s = township_stats(result, townships=TOWNS, cutoff="2020-12-31", deductible_methods=["没收"])
    assert s.loc["450225102", "n_deducted"] == 1
    assert s.loc["450225102", "illegal_farmland_after_deductions_m2"] == 0.0
    # the same options as an object give the same figures
    opts = StatsOptions(cutoff="2020-12-31", deductible_methods=("没收",))
    assert township_stats(result, townships=TOWNS, options=opts).equals(s)


def test_partial_rectification_deducts_the_rectified_share() -> None:
    result = table(
        patch(
            "d1",
            "450225100",
            area_m2=1000.0,
            farmland_net_m2=500.0,
            rectification_method="补办手续",
            rectification_date="2020-11-01",
            rectified_area_m2=400.0,
        )
    )
    row = township_stats(result, townships=TOWNS).loc["450225100"]
    assert row["illegal_area_after_deductions_m2"] == pytest.approx(600.0)
    assert row["illegal_farmland_after_deductions_m2"] == pytest.approx(300.0)
    assert row["n_illegal_after_deductions"] == 1  # not fully eliminated
    assert row["n_rectified"] == 0  # not rectified in place
    assert row["rectification_rate"] == 0.0


def test_zero_construction_on_farmland_has_no_ratio() -> None:
    # 和睦镇: construction on non-farmland only; 三防镇, 怀宝镇: no patch at all
    result = table(patch("e1", "450225101", area_m2=500.0, farmland_net_m2=0.0))
    s = township_stats(result, townships=TOWNS)
    assert list(s.index) == [*TOWNS["township_code"], TOTAL_LABEL]
    row = s.loc["450225101"]
    assert row["construction_farmland_m2"] == 0.0
    assert math.isnan(row["illegal_farmland_ratio"])
    assert bool(row["criterion_1"]) is False
    assert "无法计算" in row["criterion_1_reason"]
    empty = s.loc["450225103"]
    assert empty["n_patches"] == 0 and empty["area_m2"] == 0.0
    assert math.isnan(empty["illegal_farmland_ratio"])
    assert math.isnan(empty["performance_rate"])
    assert s.loc[TOTAL_LABEL, "township_name"] == "合计"


def test_patch_split_across_two_townships_credits_area_inside_each() -> None:
    result = table(
        patch(
            "s1",
            "450225100",
            n_townships=2,
            area_m2=400.0,
            farmland_net_m2=250.0,
            pbf_m2=40.0,
            illegal_farmland_m2=100.0,
        ),
        patch("s2", "450225101", area_m2=50.0, farmland_net_m2=50.0, final_class="合法"),
    )
    pieces = pd.DataFrame(
        {
            "patch_id": ["s1", "s1", "s2"],
            "township_code": ["450225100", "450225101", "450225101"],
            "township_name": ["融水镇", "和睦镇", "和睦镇"],
            "area_m2": [300.0, 100.0, 50.0],
            "farmland_m2": [200.0, 50.0, 50.0],
            "farmland_net_m2": [200.0, 50.0, 50.0],
            "pbf_m2": [40.0, 0.0, 0.0],
            "redline_m2": [0.0, 0.0, 0.0],
        }
    ).set_index(["patch_id", "township_code"])
    s = township_stats(result, pieces, townships=TOWNS)
    a, b = s.loc["450225100"], s.loc["450225101"]
    assert (a["area_m2"], b["area_m2"]) == (300.0, 150.0)
    assert (a["illegal_area_m2"], b["illegal_area_m2"]) == (300.0, 100.0)
    # technician's 100 m² illegal farmland, spread by farmland 200:50
    assert a["illegal_farmland_m2"] == pytest.approx(80.0)
    assert b["illegal_farmland_m2"] == pytest.approx(20.0)
    assert (a["construction_farmland_m2"], b["construction_farmland_m2"]) == (200.0, 100.0)
    assert b["illegal_farmland_ratio"] == pytest.approx(0.2)
    assert a["illegal_pbf_m2"] == 40.0
    # counted once, in the township with the larger share
    assert (a["n_illegal"], b["n_illegal"]) == (1, 0)
    assert (a["n_patches"], b["n_patches"]) == (1, 1)
    assert s.loc[TOTAL_LABEL, "area_m2"] == 450.0
    with pytest.raises(InputError, match="pieces"):
        township_stats(result, townships=TOWNS)


def test_pieces_outside_every_township_have_their_own_row() -> None:
    """Before: "township codes not in the townships table: ['']" and no statistics."""
    result = table(
        patch("in", "450225100", area_m2=300.0, farmland_net_m2=120.0),
        patch("cross", "450225101", n_townships=1, area_m2=500.0, farmland_net_m2=100.0),
        patch("away", "", n_townships=0, area_m2=80.0, farmland_net_m2=80.0),
    )
    pieces = pd.DataFrame(
        {
            "patch_id": ["in", "cross", "cross", "away"],
            "township_code": ["450225100", "450225101", "", ""],
            "area_m2": [300.0, 200.0, 300.0, 80.0],
            "farmland_net_m2": [120.0, 40.0, 60.0, 80.0],
            "pbf_m2": [0.0, 0.0, 0.0, 0.0],
            "redline_m2": [0.0, 0.0, 0.0, 0.0],
        }
    ).set_index(["patch_id", "township_code"])
    s = township_stats(result, pieces, townships=TOWNS)
    assert list(s.index[-2:]) == [OUTSIDE_LABEL, TOTAL_LABEL]
    out = s.loc[OUTSIDE_LABEL]
    assert out["township_name"] == "县外/未落入乡镇"
    # 300 m² of "cross" and all 80 m² of "away"; counts go to the larger share
    assert out["area_m2"] == 380.0
    assert (out["n_patches"], s.loc["450225101", "n_patches"]) == (2, 0)
    assert s.loc["450225101", "area_m2"] == 200.0
    assert out["illegal_farmland_m2"] == pytest.approx(60.0 + 80.0)
    assert s.loc[TOTAL_LABEL, "area_m2"] == 880.0
    assert s.loc[TOTAL_LABEL, "n_patches"] == 3
    assert not out[[c for c in s.columns if c.startswith("criterion_")]].astype(bool).any()
    assert out["criteria_met"] == ""
    assert OUTSIDE_LABEL not in township_rows(s).index
    assert list(summed_rows(s).index[-1:]) == [OUTSIDE_LABEL]
    # no piece outside: no such row
    inside = township_stats(result.drop(["cross", "away"]), pieces.loc[["in"]], townships=TOWNS)
    assert OUTSIDE_LABEL not in inside.index


def test_a_township_may_not_use_the_outside_label() -> None:
    towns = pd.DataFrame({"township_code": ["outside"], "township_name": ["x"]})
    with pytest.raises(InputError, match="'outside' is reserved"):
        township_stats(table(patch("p", "outside")), townships=towns)


def test_pieces_without_patch_or_township_are_errors() -> None:
    result = table(patch("p1", "450225100"), patch("p2", "450225100"))
    pieces = pd.DataFrame(
        {
            "patch_id": ["p1", "zz"],
            "township_code": ["450225100", "999999999"],
            "area_m2": [1.0, 1.0],
            "farmland_net_m2": [0.0, 0.0],
        }
    )
    with pytest.raises(InputError) as info:
        township_stats(result, pieces, townships=TOWNS)
    text = str(info.value)
    assert "zz" in text and "p2" in text and "999999999" in text


def test_military_patch_is_left_out_of_ordinary_figures() -> None:
    """Sealed means sealed: no ordinary figure moves with a military patch, and
    the sealed figures (for the sealed folder) hold it alone."""
    result = table(
        patch("m1", "450225100", farmland_net_m2=300.0, flag_military=True),
        patch("m2", "450225100", farmland_net_m2=200.0),
    )
    row = township_stats(result, townships=TOWNS).loc["450225100"]
    assert row["n_illegal"] == 1 and row["n_patches"] == 1
    assert row["illegal_farmland_m2"] == 200.0
    assert "n_military" not in row.index
    without = township_stats(result.drop(index="m1"), townships=TOWNS)
    pd.testing.assert_frame_equal(township_stats(result, townships=TOWNS), without)
    sealed = township_stats(result, townships=TOWNS, sealed=True).loc["450225100"]
    assert sealed["n_patches"] == 1 and sealed["illegal_farmland_m2"] == 300.0


def test_rates_by_count_and_by_area() -> None:
    result = table(
        patch("r1", "450225100", area_m2=100.0, case_number="融资规罚〔2020〕1号"),
        patch(
            "r2",
            "450225100",
            area_m2=300.0,
            rectification_method="拆除复耕",
            rectification_date="2021-03-01",
        ),
        patch("r3", "450225100", area_m2=600.0, rectification_method="未整改"),
        patch("r4", "450225100", area_m2=1000.0, final_class="合法"),
    )
    s = township_stats(result, townships=TOWNS)
    row = s.loc["450225100"]
    assert (row["n_handled"], row["n_rectified"], row["n_illegal"]) == (2, 1, 3)
    assert row["performance_rate"] == pytest.approx(2 / 3)
    assert row["rectification_rate"] == pytest.approx(1 / 3)
    s = township_stats(result, townships=TOWNS, rate_basis="area")
    row = s.loc["450225100"]
    assert row["performance_rate"] == pytest.approx(400 / 1000)
    assert row["rectification_rate"] == pytest.approx(300 / 1000)


def test_mineral_columns() -> None:
    result = table(
        patch("k1", "450225102", area_m2=5000.0, flag_mineral=True, flag_rare_earth=True),
        patch("k2", "450225102", area_m2=2000.0, flag_mineral=True, final_class="合法"),
        patch(
            "k3",
            "450225102",
            area_m2=1000.0,
            flag_mineral=True,
            rectification_method="拆除复耕",
            rectification_date="2021-05-01",
        ),
    )
    row = township_stats(result, townships=TOWNS).loc["450225102"]
    assert row["n_mineral"] == 3
    assert row["mineral_area_m2"] == 8000.0
    assert row["n_mineral_illegal"] == 2
    assert row["mineral_illegal_area_m2"] == 6000.0
    assert row["n_mineral_unrectified"] == 1
    assert (row["n_rare_earth"], row["n_rare_earth_illegal"]) == (1, 1)
    assert bool(row["criterion_3"])


def test_illegal_farmland_options() -> None:
    result = table(
        patch("f1", "450225100", area_m2=1000.0, farmland_net_m2=600.0, illegal_area_m2=500.0),
        patch("f2", "450225100", area_m2=1000.0, farmland_net_m2=600.0, illegal_farmland_m2=100.0),
    )
    auto = township_stats(result, townships=TOWNS).loc["450225100"]
    # f1: 600 × 500/1000 = 300; f2: technician's 100
    assert auto["illegal_farmland_m2"] == pytest.approx(400.0)
    assert auto["illegal_area_m2"] == pytest.approx(1500.0)
    over = township_stats(result, townships=TOWNS, illegal_farmland="overlay")
    assert over.loc["450225100", "illegal_farmland_m2"] == pytest.approx(900.0)
    det = township_stats(result, townships=TOWNS, illegal_farmland="determination")
    assert det.loc["450225100", "illegal_farmland_m2"] == pytest.approx(100.0)
    gross = result.assign(farmland_m2=[700.0, 700.0])
    g = township_stats(gross, townships=TOWNS, farmland_basis="gross", illegal_farmland="overlay")
    assert g.loc["450225100", "illegal_farmland_m2"] == pytest.approx(1050.0)


def test_input_problems_are_collected() -> None:
    result = table(patch("x1", "450225100", rectification_date="not a date"))
    with pytest.raises(InputError, match="not a date"):
        township_stats(result, townships=TOWNS)
    with pytest.raises(InputError, match="rate_basis"):
        township_stats(result, townships=TOWNS, rate_basis="weird")  # type: ignore[arg-type]
    dup = pd.concat([table(patch("x1", "450225100")), table(patch("x1", "450225100"))])
    with pytest.raises(DuplicateIdError):
        township_stats(dup, townships=TOWNS)
    with pytest.raises(InputError, match="final_class"):
        township_stats(table(patch("x1", "450225100")).drop(columns="final_class"), townships=TOWNS)


def test_input_is_not_mutated_and_codes_normalised() -> None:
    result = table(patch("x1", 450225100000))
    before = result.copy()
    towns = TOWNS.rename(columns={"township_code": "XZQDM", "township_name": "XZQMC"})
    s = township_stats(result, townships=towns)
    pd.testing.assert_frame_equal(result, before)
    assert s.loc["450225100", "n_patches"] == 1


def test_patch_figures_dates() -> None:
    r = table(
        patch(
            "a",
            "450225100",
            rectification_method="补办手续",
            rectification_date=pd.Timestamp("2020-12-21 18:30"),
        ),
        patch("b", "450225100", rectification_method="补办手续", rectification_date=20201222),
    )
    fig = patch_figures(r)
    assert fig["is_deducted"].tolist() == [True, False]
    # datetime64 columns, as apply_determinations writes them, with a missing date
    r["rectification_date"] = pd.to_datetime(["2020-12-21", None])
    fig = patch_figures(r)
    assert fig["is_deducted"].tolist() == [True, False]
    assert fig["rectification_day"].tolist() == [dt.date(2020, 12, 21), None]


# ---- property: township rows add up to the county total ----
@st.composite
def county(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = draw(st.integers(1, 12))
    rows, piece_rows = [], []
    codes = TOWNS["township_code"].tolist()
    for i in range(n):
        k = draw(st.integers(1, 3))
        towns = draw(st.lists(st.sampled_from([*codes, ""]), min_size=k, max_size=k, unique=True))
        areas = [draw(st.floats(0.0, 1e5)) for _ in towns]
        farms = [a * draw(st.floats(0.0, 1.0)) for a in areas]
        pid = f"P{i}"
        for t, a, f in zip(towns, areas, farms, strict=True):
            piece_rows.append(
                {
                    "patch_id": pid,
                    "township_code": t,
                    "area_m2": a,
                    "farmland_m2": f,
                    "farmland_net_m2": f * 0.9,
                    "pbf_m2": f / 2,
                    "redline_m2": 0.0,
                }
            )
        rows.append(
            patch(
                pid,
                towns[0],
                n_townships=len(towns),
                final_class=draw(st.sampled_from(["违法", "合法", "其他"])),
                is_construction=draw(st.booleans()),
                flag_mineral=draw(st.booleans()),
                flag_military=draw(st.booleans()),
                rectification_method=draw(
                    st.sampled_from([None, "拆除复耕", "补办手续", "未整改"])
                ),
                rectification_date=draw(st.sampled_from([None, "2020-12-21", "2020-12-22"])),
                rectified_area_m2=draw(st.sampled_from([np.nan, 10.0])),
            )
        )
    pieces = pd.DataFrame(piece_rows).set_index(["patch_id", "township_code"])
    return table(*rows), pieces


@settings(max_examples=40, deadline=None)
@given(county())
def test_township_rows_add_up_to_county_total(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    result, pieces = data
    s = township_stats(result, pieces, townships=TOWNS)
    sealed = township_stats(result, pieces, townships=TOWNS, sealed=True)
    towns = township_rows(s)
    assert len(towns) == len(TOWNS)
    body = summed_rows(s)  # townships, and the outside row when a piece lies outside
    plain = result.loc[~result["flag_military"]]
    outside = pieces.index.get_level_values("township_code") == ""
    owners = pieces.index.get_level_values("patch_id")
    assert (OUTSIDE_LABEL in s.index) == bool((outside & owners.isin(plain.index)).any())
    for col in ADDITIVE_COLUMNS:
        assert body[col].sum() == pytest.approx(s.loc[TOTAL_LABEL, col], rel=1e-9, abs=1e-6)
    assert (
        not s[[c for c in s.columns if c.startswith("criterion_")]]
        .loc[~s.index.isin(towns.index)]
        .astype(bool)
        .any()
        .any()
    )
    # no patch lost: ordinary and sealed figures together hold every patch and piece
    both = s.loc[TOTAL_LABEL] + sealed.loc[TOTAL_LABEL, s.columns.drop("township_name")]
    assert both["n_patches"] == len(result)
    assert both["area_m2"] == pytest.approx(pieces["area_m2"].sum(), abs=1e-6)
    den = s.loc[TOTAL_LABEL, "construction_farmland_m2"]
    if den > 0:
        expected = s.loc[TOTAL_LABEL, "illegal_farmland_after_deductions_m2"] / den
        assert s.loc[TOTAL_LABEL, "illegal_farmland_ratio"] == pytest.approx(expected)
    # after ≤ before, everywhere
    assert (towns["illegal_area_after_deductions_m2"] <= towns["illegal_area_m2"] + 1e-9).all()


def test_a_single_method_given_as_text_is_one_method_not_characters() -> None:
    """deductible_methods = "拆除复耕" (as a TOML user may write) deducts like ["拆除复耕"]."""
    import rsgeo

    towns = pd.DataFrame({"township_code": ["450225100"], "township_name": ["融水镇"]})
    patches = pd.DataFrame(
        {
            "township_code": ["450225100"],
            "area_m2": [1000.0],
            "farmland_net_m2": [1000.0],
            "final_class": ["违法"],
            "is_construction": [True],
            "rectification_method": ["拆除复耕"],
            "rectification_date": ["2020-12-01"],
        },
        index=pd.Index(["p1"], name="patch_id"),
    )
    as_text = rsgeo.township_stats(patches, townships=towns, deductible_methods="拆除复耕")
    as_list = rsgeo.township_stats(patches, townships=towns, deductible_methods=["拆除复耕"])
    # deducted by hand: rectified on 2020-12-01 ≤ cutoff by a deductible method
    assert as_list.loc["450225100", "illegal_farmland_after_deductions_m2"] == 0.0
    assert as_text.loc["450225100", "illegal_farmland_after_deductions_m2"] == 0.0
    with pytest.raises(InputError, match="deductible_methods: must be a list"):
        rsgeo.township_stats(patches, townships=towns, deductible_methods=5)
