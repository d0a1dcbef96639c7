"""Criterion 1 at its thresholds: the tolerance band, the comparators and the words.

Only floating-point representation error is absorbed at a threshold (a
relative 1e-9, ``docs/statistics.md``); the reason shows as many decimals as
it takes not to look equal to the threshold when the value is not. Expected
texts are written out by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rsgeo.options import CriteriaThresholds
from rsgeo.stats.criteria import evaluate_criteria

MU = 10000.0 / 15.0
TOL = 1e-9


def _one(ratio: float, farmland_m2: float, **thresholds: object) -> tuple[bool, str]:
    s = pd.DataFrame(
        {
            "illegal_farmland_ratio": [ratio],
            "illegal_farmland_after_deductions_m2": [farmland_m2],
            "n_mineral_illegal": [0],
            "n_mineral_unrectified": [0],
            "n_rare_earth_illegal": [0],
            "performance_rate": [1.0],
            "rectification_rate": [1.0],
        },
        index=["450225100"],
    )
    c = evaluate_criteria(s, thresholds=CriteriaThresholds(**thresholds))  # type: ignore[arg-type]
    return bool(c["criterion_1"].iloc[0]), str(c["criterion_1_reason"].iloc[0])


LIMIT = 100 * MU  # 100 亩 in m²


def test_the_edges_of_the_tolerance_band_belong_to_it() -> None:
    big = 200 * MU
    # ratio >= 15 %: down to 15 % × (1 − 1e-9) is 15 %
    assert _one(0.15 * (1 - TOL), big)[0]
    assert not _one(0.15 * (1 - 2 * TOL), big)[0]
    # ratio > 15 % (comparator ">"): from 15 % × (1 + 1e-9) on it is not 15 %
    assert not _one(0.15 * (1 + TOL), big, ratio_comparator=">")[0]
    assert _one(0.15 * (1 + 2 * TOL), big, ratio_comparator=">")[0]
    # area > 100 亩: up to 100 亩 + 1e-9 relative is 100 亩
    assert not _one(0.5, LIMIT + TOL * LIMIT)[0]
    assert _one(0.5, LIMIT + 2 * TOL * LIMIT)[0]
    # area >= 100 亩 (comparator ">="): down to 100 亩 − 1e-9 relative is 100 亩
    assert _one(0.5, LIMIT - TOL * LIMIT, illegal_farmland_comparator=">=")[0]
    assert not _one(0.5, LIMIT - 2 * TOL * LIMIT, illegal_farmland_comparator=">=")[0]


def test_a_zero_area_threshold_absorbs_a_nanometre_square() -> None:
    # below 1 m² the tolerance is 1e-9 m², not 1e-9 of the threshold
    assert not _one(0.5, 1e-9, illegal_farmland_min_mu=0)[0]
    assert _one(0.5, 3e-9, illegal_farmland_min_mu=0)[0]


@pytest.mark.parametrize(
    ("ratio", "shown"),
    [
        (0.1499999, "14.999990%"),  # 2 and 4 decimals look like 15 %
        (0.149999, "14.9999%"),
        (0.14999999, "14.999999%"),
        (0.1499999999, "14.999999990%"),
        (0.15, "15.00%"),
        (float(np.nextafter(0.15, 1)), "15.00%"),  # equal but for the last bit
        (0.2, "20.00%"),
    ],
)
def test_the_ratio_shows_the_digits_that_tell_it_from_the_threshold(
    ratio: float, shown: str
) -> None:
    reason = _one(ratio, 200 * MU)[1]
    assert reason.startswith(f"违法占用耕地比例 {shown} ")


@pytest.mark.parametrize(
    ("mu", "shown"),
    [
        (100.001, "100.0010"),
        (100.00001, "100.000010"),
        (99.99999, "99.999990"),
        (100.00000001, "100.00"),  # within the tolerance: shown as the threshold
        (100.0, "100.00"),
        (123.456, "123.46"),
    ],
)
def test_the_area_shows_the_digits_that_tell_it_from_the_threshold(mu: float, shown: str) -> None:
    reason = _one(0.5, mu * MU)[1]
    assert f"违法占用耕地 {shown} 亩 " in reason


def test_the_words_of_each_comparator() -> None:
    assert (
        _one(0.15, 150 * MU)[1] == "违法占用耕地比例 15.00% ≥ 15%，违法占用耕地 150.00 亩 > 100 亩"
    )
    assert _one(0.1, 50 * MU)[1] == "违法占用耕地比例 10.00% < 15%，违法占用耕地 50.00 亩 ≤ 100 亩"
    strict = {"ratio_comparator": ">", "illegal_farmland_comparator": ">="}
    assert _one(0.2, 100 * MU, **strict)[1] == (
        "违法占用耕地比例 20.00% > 15%，违法占用耕地 100.00 亩 ≥ 100 亩"
    )
    assert _one(0.15, 50 * MU, **strict)[1] == (
        "违法占用耕地比例 15.00% ≤ 15%，违法占用耕地 50.00 亩 < 100 亩"
    )


def test_criteria_met_names_each_criterion() -> None:
    s = pd.DataFrame(
        {
            "illegal_farmland_ratio": [0.5, 0.0, 0.0],
            "illegal_farmland_after_deductions_m2": [200 * MU, 0.0, 0.0],
            "n_mineral_illegal": [0, 4, 0],
            "n_mineral_unrectified": [0, 0, 0],
            "n_rare_earth_illegal": [0, 0, 0],
            "performance_rate": [1.0, 1.0, 0.1],
            "rectification_rate": [1.0, 1.0, 1.0],
        },
        index=["450225100", "450225101", "450225102"],
    )
    flags = pd.DataFrame(
        {"township_code": ["450225100", "450225101"], "criterion": [2, 5], "note": ["甲", "乙"]}
    )
    c = evaluate_criteria(s, flags, thresholds=CriteriaThresholds(rate_bottom_n=1))
    assert c["criteria_met"].tolist() == ["一、二", "三、五", "四"]
    assert c["n_criteria"].tolist() == [2, 2, 1]


def test_reasons_of_criteria_3_and_4_word_for_word() -> None:
    s = pd.DataFrame(
        {
            "illegal_farmland_ratio": [0.0] * 4,
            "illegal_farmland_after_deductions_m2": [0.0] * 4,
            "n_mineral_illegal": [5, 2, 0, 4],
            "n_mineral_unrectified": [4, 0, 0, 1],
            "n_rare_earth_illegal": [1, 0, 0, 0],
            "performance_rate": [0.5, 0.9, 1.0, np.nan],
            "rectification_rate": [0.2, 0.9, 1.0, np.nan],
        },
        index=["450225100", "450225101", "450225102", "450225103"],
    )
    t = CriteriaThresholds(
        mineral_top_n=1, rate_bottom_n=1, performance_rate_min=0.9, rectification_rate_min=0.9
    )
    c = evaluate_criteria(s, thresholds=t)
    assert c["criterion_3_reason"].tolist() == [
        "违法矿产图斑 5 个，全县排序前 1 位；查处不力：违法矿产图斑 5 个，未整改 4 个（80%）；"
        "违法开采稀土等重要矿种图斑 1 个",
        "违法矿产图斑 2 个，均已整改，排序未进前 1 位",
        "无违法矿产图斑",
        "违法矿产图斑 4 个，未整改 1 个，排序未进前 1 位",
    ]
    # a rate at the floor (90 %) is not below it
    assert c["criterion_4_reason"].tolist() == [
        "履职率 50.00%，全县排序后 1 位；查处整改到位率 20.00%，全县排序后 1 位",
        "履职率 90.00%，查处整改到位率 90.00%，排序未靠后",
        "履职率 100.00%，查处整改到位率 100.00%，排序未靠后",
        "无违法图斑，不参加排序",
    ]
    assert c["criterion_4"].tolist() == [True, False, False, False]
    below = CriteriaThresholds(rate_bottom_n=0, performance_rate_min=0.95)
    assert evaluate_criteria(s, thresholds=below)["criterion_4_reason"].iloc[1] == (
        "履职率 90.00% 低于 95%"
    )
    # an empty manual flags table flags nothing
    assert evaluate_criteria(s, pd.DataFrame(), thresholds=t)["n_criteria"].tolist() == [2, 0, 0, 0]


def test_more_digits_up_to_nine() -> None:
    assert "违法占用耕地 100.000000200 亩 > 100 亩" in _one(0.5, 100.0000002 * MU)[1]
    # a zero threshold: 1.5e-9 m² is over it (the tolerance is 1e-9 m²)
    assert _one(0.5, 1.5e-9, illegal_farmland_min_mu=0)[0]
