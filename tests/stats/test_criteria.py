"""Accountability criteria 1-5 on hand-made township statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rsgeo.errors import FieldError, InputError
from rsgeo.options import CriteriaThresholds
from rsgeo.stats.criteria import evaluate_criteria, read_manual_flags

MU = 10000.0 / 15.0


def stats(**cols: list[float]) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base: dict[str, list[float]] = {
        "illegal_farmland_ratio": [0.0] * n,
        "illegal_farmland_after_deductions_m2": [0.0] * n,
        "n_mineral_illegal": [0] * n,
        "n_mineral_unrectified": [0] * n,
        "n_rare_earth_illegal": [0] * n,
        "performance_rate": [1.0] * n,
        "rectification_rate": [1.0] * n,
    }
    base.update(cols)
    return pd.DataFrame(base, index=[f"45022510{i}" for i in range(n)])


def test_criterion_1_boundaries() -> None:
    s = stats(
        illegal_farmland_ratio=[0.15, 0.15, 0.1499999, 0.5, np.nan],
        illegal_farmland_after_deductions_m2=[150 * MU, 100 * MU, 150 * MU, 100.01 * MU, 500 * MU],
    )
    c = evaluate_criteria(s)
    assert c["criterion_1"].tolist() == [True, False, False, True, False]
    # a ratio that rounds to 15.00 % but is below it says so with more digits
    assert (
        "14.9999900%" in c["criterion_1_reason"].iloc[2]
        or "14.99999" in (c["criterion_1_reason"].iloc[2])
    )
    assert "100.01 亩 > 100 亩" in c["criterion_1_reason"].iloc[3]


def test_criterion_1_thresholds_configurable() -> None:
    s = stats(illegal_farmland_ratio=[0.10], illegal_farmland_after_deductions_m2=[60 * MU])
    assert not evaluate_criteria(s)["criterion_1"].iloc[0]
    t = CriteriaThresholds(ratio_min=0.10, illegal_farmland_min_mu=50)
    c = evaluate_criteria(s, thresholds=t)
    assert c["criterion_1"].iloc[0]
    assert "10.00% ≥ 10%" in c["criterion_1_reason"].iloc[0]
    assert "60.00 亩 > 50 亩" in c["criterion_1_reason"].iloc[0]
    with pytest.raises(InputError, match="ratio_min"):
        CriteriaThresholds(ratio_min=15)


def test_criterion_3_ranking_unrectified_and_rare_earth() -> None:
    s = stats(
        n_mineral_illegal=[5, 4, 4, 1, 0, 1],
        n_mineral_unrectified=[0, 0, 0, 0, 0, 1],
        n_rare_earth_illegal=[0, 0, 0, 1, 0, 0],
    )
    t = CriteriaThresholds(mineral_top_n=2)
    c = evaluate_criteria(s, thresholds=t)
    # top 2 by count: 5 and the tie at 4 -> three townships; rare earth; one
    # unrectified patch is a case, not 查处不力: the last township does not meet it
    assert c["criterion_3"].tolist() == [True, True, True, True, False, False]
    assert "稀土" in c["criterion_3_reason"].iloc[3]
    assert c["criterion_3_reason"].iloc[5] == "违法矿产图斑 1 个，未整改 1 个，排序未进前 2 位"
    assert c["criterion_3_reason"].iloc[4] == "无违法矿产图斑"
    one = CriteriaThresholds(mineral_top_n=2, mineral_unrectified_min=1)
    assert evaluate_criteria(s, thresholds=one)["criterion_3"].iloc[5]
    off = CriteriaThresholds(
        mineral_top_n=0, mineral_unrectified_min=None, rare_earth_triggers=False
    )
    assert not evaluate_criteria(s, thresholds=off)["criterion_3"].any()


@pytest.mark.parametrize(
    ("n_illegal", "n_unrectified", "met"),
    [
        (3, 3, True),  # three, all unrectified
        (6, 3, True),  # exactly half
        (7, 3, False),  # under half
        (2, 2, False),  # all, but only two
        (10, 6, True),
        (8, 5, True),  # 62.5 % is shown as 63 %, half up
    ],
)
def test_criterion_3_unchecked_mining_needs_count_and_share(
    n_illegal: int, n_unrectified: int, met: bool
) -> None:
    s = stats(
        n_mineral_illegal=[n_illegal],
        n_mineral_unrectified=[n_unrectified],
        n_rare_earth_illegal=[0],
    )
    c = evaluate_criteria(s, thresholds=CriteriaThresholds(mineral_top_n=0))
    assert c["criterion_3"].iloc[0] == met
    if met:
        share = {3: 100, 6: 50, 10: 60, 8: 63}[n_illegal]
        assert c["criterion_3_reason"].iloc[0] == (
            f"查处不力：违法矿产图斑 {n_illegal} 个，未整改 {n_unrectified} 个（{share}%）"
        )


@pytest.mark.parametrize(
    ("ratio", "mu", "ratio_cmp", "area_cmp", "met"),
    [
        (0.15, 100.01, ">=", ">", True),
        (0.15, 100.0, ">=", ">", False),  # strict > on the area by default
        (0.15, 100.0, ">=", ">=", True),
        (0.15, 100.01, ">", ">", False),  # Hunan: strict > on both
        (0.1501, 100.01, ">", ">", True),
    ],
)
def test_criterion_1_comparators_are_configurable(
    ratio: float, mu: float, ratio_cmp: str, area_cmp: str, met: bool
) -> None:
    s = stats(illegal_farmland_ratio=[ratio], illegal_farmland_after_deductions_m2=[mu / 0.0015])
    t = CriteriaThresholds(ratio_comparator=ratio_cmp, illegal_farmland_comparator=area_cmp)
    c = evaluate_criteria(s, thresholds=t)
    assert c["criterion_1"].iloc[0] == met
    with pytest.raises(ValueError, match=r"ratio_comparator.*'>='.*'>'"):
        CriteriaThresholds(ratio_comparator="=>")


def test_criterion_4_bottom_of_county() -> None:
    s = stats(
        performance_rate=[1.0, 0.5, 0.9, np.nan, 0.5, 0.95],
        rectification_rate=[1.0, 0.9, 0.2, np.nan, 0.95, 0.95],
    )
    c = evaluate_criteria(s, thresholds=CriteriaThresholds(rate_bottom_n=1))
    # lowest performance: 0.5 twice (tie); lowest rectification: 0.2
    assert c["criterion_4"].tolist() == [False, True, True, False, True, False]
    assert "无违法图斑" in c["criterion_4_reason"].iloc[3]
    # a county where every rate is 100 % has nobody at the bottom
    full = stats(performance_rate=[1.0, 1.0], rectification_rate=[1.0, 1.0])
    assert not evaluate_criteria(full)["criterion_4"].any()
    floor = CriteriaThresholds(rate_bottom_n=0, rectification_rate_min=0.93)
    c = evaluate_criteria(s, thresholds=floor)
    assert c["criterion_4"].tolist() == [False, True, True, False, False, False]


def test_manual_flags_2_and_5() -> None:
    s = stats(illegal_farmland_ratio=[0.0, 0.0, 0.0])
    flags = pd.DataFrame(
        {
            "乡镇代码": ["450225100", 450225102, "450225102"],
            "标准": ["二", 5, "标准五"],
            "备注": ["违法占用永久基本农田问题突出", "抽查发现瞒案不报", "压案不查"],
        }
    )
    c = evaluate_criteria(s, flags)
    assert c["criterion_2"].tolist() == [True, False, False]
    assert c["criterion_5"].tolist() == [False, False, True]
    assert c["criterion_2_reason"].iloc[0] == "人工认定：违法占用永久基本农田问题突出"
    assert c["criterion_5_reason"].iloc[2] == "人工认定：抽查发现瞒案不报；压案不查"
    assert c["criterion_5_reason"].iloc[0] == "未认定"
    assert c["n_criteria"].tolist() == [1, 0, 1]
    assert c["criteria_met"].tolist() == ["二", "", "五"]


def test_manual_flags_problems() -> None:
    bad = pd.DataFrame({"township_code": ["450225100", ""], "criterion": [1, 2], "note": ["x", ""]})
    with pytest.raises(InputError) as info:
        read_manual_flags(bad)
    text = str(info.value)
    assert "not a manual criterion" in text and "note is empty" in text
    with pytest.raises(FieldError, match="note"):
        read_manual_flags(pd.DataFrame({"township_code": ["1"], "criterion": [2]}))
    s = stats(illegal_farmland_ratio=[0.0])
    unknown = pd.DataFrame({"township_code": ["999"], "criterion": [2], "note": ["x"]})
    with pytest.raises(InputError, match="999"):
        evaluate_criteria(s, unknown)


def test_township_stats_passes_manual_flags_and_thresholds() -> None:
    from rsgeo.stats.township import township_stats

    towns = pd.DataFrame({"township_code": ["450225100"], "township_name": ["融水镇"]})
    result = pd.DataFrame(
        {
            "township_code": ["450225100"],
            "area_m2": [70000.0],
            "farmland_net_m2": [60 * MU],
            "final_class": ["违法"],
            "is_construction": [True],
        },
        index=pd.Index(["p1"], name="patch_id"),
    )
    flags = {"township_code": ["450225100"], "criterion": [2], "note": ["秩序混乱"]}
    s = township_stats(
        result,
        townships=towns,
        manual_flags=flags,
        thresholds=CriteriaThresholds(illegal_farmland_min_mu=50),
    )
    assert bool(s.loc["450225100", "criterion_1"]) and bool(s.loc["450225100", "criterion_2"])
    # the only illegal patch is neither handled nor rectified: rates 0 % -> criterion 4
    assert s.loc["450225100", "performance_rate"] == 0.0
    assert s.loc["450225100", "criteria_met"] == "一、二、四"
    assert not bool(s.loc["total", "criterion_1"])
