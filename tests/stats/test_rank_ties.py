"""Ranks at a cutoff with ties: criteria 3 and 4, and the red and black lists.

Each ranking is checked against a second formulation written from the work
plan's wording, never against rsgeo's output: a township is among the top n
when fewer than n townships have a strictly larger count (ties at the cutoff
all enter), among the bottom n when fewer than n have a strictly smaller
rate; the lists sort whole rows with Python's ``sorted`` on explicit keys.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rsgeo.options import CriteriaThresholds
from rsgeo.stats.criteria import evaluate_criteria
from rsgeo.stats.ranking import red_black_lists


def _stats(n: int, **cols: list[float]) -> pd.DataFrame:
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
    return pd.DataFrame(base, index=[f"4502251{i:02d}" for i in range(n)])


def top(values: list[float], n: int) -> list[bool]:
    """Among the n largest positive values, ties at the cutoff included."""
    return [v > 0 and sum(w > v for w in values) < n for v in values]


def bottom(values: list[float], n: int) -> list[bool]:
    """Among the n smallest rates below 100 %, ties included; no rate never ranks."""
    ranked = [v for v in values if math.isfinite(v) and v < 1.0]
    return [math.isfinite(v) and v < 1.0 and sum(w < v for w in ranked) < n for v in values]


ONLY_RANK_3 = {"mineral_unrectified_min": None, "rare_earth_triggers": False}
ONLY_RANK_4 = {"performance_rate_min": None, "rectification_rate_min": None}


def test_criterion_3_ties_at_the_cutoff_by_hand() -> None:
    counts = [5, 4, 4, 4, 1, 0, 2]
    s = _stats(len(counts), n_mineral_illegal=counts)
    c = evaluate_criteria(s, thresholds=CriteriaThresholds(mineral_top_n=2, **ONLY_RANK_3))
    # 5 first, then three townships tied second: all three are in the top 2
    assert c["criterion_3"].tolist() == [True, True, True, True, False, False, False]
    c = evaluate_criteria(s, thresholds=CriteriaThresholds(mineral_top_n=4, **ONLY_RANK_3))
    assert c["criterion_3"].tolist() == [True, True, True, True, False, False, False]
    c = evaluate_criteria(s, thresholds=CriteriaThresholds(mineral_top_n=5, **ONLY_RANK_3))
    assert c["criterion_3"].tolist() == [True, True, True, True, False, False, True]
    c = evaluate_criteria(s, thresholds=CriteriaThresholds(mineral_top_n=1, **ONLY_RANK_3))
    assert c["criterion_3"].tolist() == [True, False, False, False, False, False, False]
    assert "全县排序前 1 位" in c["criterion_3_reason"].iloc[0]
    # more places than townships with mining: every one with a patch, never one without
    c = evaluate_criteria(s, thresholds=CriteriaThresholds(mineral_top_n=20, **ONLY_RANK_3))
    assert c["criterion_3"].tolist() == [v > 0 for v in counts]
    c = evaluate_criteria(s, thresholds=CriteriaThresholds(mineral_top_n=0, **ONLY_RANK_3))
    assert not c["criterion_3"].any()


def test_criterion_4_ties_at_the_cutoff_by_hand() -> None:
    perf = [0.9, 0.5, 0.7, 0.7, np.nan, 1.0, 0.7, 0.95]
    s = _stats(len(perf), performance_rate=perf)
    c = evaluate_criteria(s, thresholds=CriteriaThresholds(rate_bottom_n=2, **ONLY_RANK_4))
    # 0.5 last, then three tied at 0.7: all of them among the last 2
    assert c["criterion_4"].tolist() == [False, True, True, True, False, False, True, False]
    c = evaluate_criteria(s, thresholds=CriteriaThresholds(rate_bottom_n=1, **ONLY_RANK_4))
    assert c["criterion_4"].tolist() == [False, True, False, False, False, False, False, False]
    c = evaluate_criteria(s, thresholds=CriteriaThresholds(rate_bottom_n=5, **ONLY_RANK_4))
    assert c["criterion_4"].tolist() == [True, True, True, True, False, False, True, False]
    # the rectification rate ranks on its own
    s = _stats(4, rectification_rate=[0.2, 0.2, 0.3, 1.0])
    c = evaluate_criteria(s, thresholds=CriteriaThresholds(rate_bottom_n=1, **ONLY_RANK_4))
    assert c["criterion_4"].tolist() == [True, True, False, False]


@settings(max_examples=60)
@given(
    counts=st.lists(st.integers(0, 4), min_size=1, max_size=9),
    n=st.integers(0, 6),
)
def test_criterion_3_rank_matches_the_counting_definition(counts: list[int], n: int) -> None:
    s = _stats(len(counts), n_mineral_illegal=counts)
    c = evaluate_criteria(s, thresholds=CriteriaThresholds(mineral_top_n=n, **ONLY_RANK_3))
    assert c["criterion_3"].tolist() == top([float(v) for v in counts], n)


rates = st.sampled_from([0.0, 0.25, 0.5, 0.5, 0.75, 0.999, 1.0, math.nan])


@settings(max_examples=60)
@given(
    perf=st.lists(rates, min_size=1, max_size=9),
    rect=st.lists(rates, min_size=9, max_size=9),
    n=st.integers(0, 6),
)
def test_criterion_4_rank_matches_the_counting_definition(
    perf: list[float], rect: list[float], n: int
) -> None:
    rect = rect[: len(perf)]
    s = _stats(len(perf), performance_rate=perf, rectification_rate=rect)
    c = evaluate_criteria(s, thresholds=CriteriaThresholds(rate_bottom_n=n, **ONLY_RANK_4))
    want = [a or b for a, b in zip(bottom(perf, n), bottom(rect, n), strict=True)]
    assert c["criterion_4"].tolist() == want


# ---- the red and black lists ----------------------------------------------

RANKING = [
    ("n_criteria", True),
    ("illegal_farmland_ratio", True),
    ("rectification_rate", False),
    ("performance_rate", False),
    ("illegal_farmland_after_deductions_m2", True),
    ("illegal_area_after_deductions_m2", True),
]
NAN_AS = {"illegal_farmland_ratio": 0.0, "performance_rate": 1.0, "rectification_rate": 1.0}


def _lists_by_hand(
    rows: pd.DataFrame, red_size: int, black_size: int, *, all_met: bool, fill: bool
) -> tuple[list[str], list[str]]:
    def goodness(code: str) -> tuple[float, ...]:
        key = []
        for col, smaller_better in RANKING:
            v = float(rows.at[code, col])
            if math.isnan(v):
                v = NAN_AS.get(col, math.inf if smaller_better else -math.inf)
            key.append(v if smaller_better else -v)
        return tuple(key)

    codes = list(rows.index)
    best = sorted(codes, key=lambda c: (goodness(c), c))
    worst = sorted(codes, key=lambda c: (tuple(-k for k in goodness(c)), c))
    met = [c for c in worst if rows.at[c, "n_criteria"] > 0]
    black = met if all_met else met[:black_size]
    if fill:
        for c in worst:
            if len(black) >= black_size:
                break
            if c not in black and rows.at[c, "n_illegal_after_deductions"] > 0:
                black.append(c)
    red = [c for c in best if rows.at[c, "n_criteria"] == 0 and c not in black][:red_size]
    return red, black


values = st.sampled_from([0.0, 0.1, 0.1, 0.5, 1.0, math.nan])


@st.composite
def county(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 8))
    rows = {}
    for i in range(n):
        rows[f"T{i}"] = {
            "township_name": f"乡{i}",
            "n_criteria": draw(st.sampled_from([0, 0, 0, 1, 2])),
            "illegal_farmland_ratio": draw(values),
            "rectification_rate": draw(values),
            "performance_rate": draw(values),
            "illegal_farmland_after_deductions_m2": draw(st.sampled_from([0.0, 10.0, 10.0])),
            "illegal_area_after_deductions_m2": draw(st.sampled_from([0.0, 20.0, 20.0])),
            "n_illegal_after_deductions": draw(st.sampled_from([0, 1, 2])),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    # codes in an order unlike the row order: ties go to the smaller code
    return frame.sample(frac=1.0, random_state=draw(st.integers(0, 99)))


@settings(max_examples=60)
@given(
    rows=county(),
    red_size=st.integers(0, 5),
    black_size=st.integers(0, 5),
    all_met=st.booleans(),
    fill=st.booleans(),
)
def test_lists_match_a_sort_by_hand(
    rows: pd.DataFrame, red_size: int, black_size: int, all_met: bool, fill: bool
) -> None:
    lists = red_black_lists(
        rows,
        red_size=red_size,
        black_size=black_size,
        black_includes_all_met=all_met,
        fill_black=fill,
    )
    red, black = _lists_by_hand(rows, red_size, black_size, all_met=all_met, fill=fill)
    assert lists.index[lists["list"] == "red"].tolist() == red
    assert lists.index[lists["list"] == "black"].tolist() == black
    assert lists["rank"].tolist() == [*range(1, len(red) + 1), *range(1, len(black) + 1)]


def test_a_tie_at_the_end_of_a_list_goes_to_the_smaller_code() -> None:
    cols = ["n_criteria", "illegal_farmland_ratio", "rectification_rate", "performance_rate"]
    rows = pd.DataFrame(
        [
            [0, 0.0, 1.0, 1.0],  # T3: best
            [0, 0.1, 0.5, 0.5],  # T9, T2, T5: tied second
            [0, 0.1, 0.5, 0.5],
            [0, 0.1, 0.5, 0.5],
            [1, 0.3, 0.1, 0.1],  # T1, T7: tied worst, both meet a criterion
            [1, 0.3, 0.1, 0.1],
        ],
        columns=cols,
        index=["T3", "T9", "T2", "T5", "T7", "T1"],
    )
    rows["township_name"] = rows.index
    rows["illegal_farmland_after_deductions_m2"] = 1.0
    rows["illegal_area_after_deductions_m2"] = 1.0
    rows["n_illegal_after_deductions"] = 1
    lists = red_black_lists(rows, red_size=2, black_size=1)
    assert lists.index[lists["list"] == "red"].tolist() == ["T3", "T2"]
    assert lists.index[lists["list"] == "black"].tolist() == ["T1"]
    lists = red_black_lists(rows, red_size=3, black_size=3)
    # the worst of the rest fills the black list: of the tied second, the smaller code
    assert lists.index[lists["list"] == "black"].tolist() == ["T1", "T7", "T2"]
    assert lists.index[lists["list"] == "red"].tolist() == ["T3", "T5", "T9"]


@pytest.mark.parametrize("size", [0, 1])
def test_empty_lists(size: int) -> None:
    rows = pd.DataFrame(
        {
            "township_name": ["甲"],
            "n_criteria": [0],
            "illegal_farmland_ratio": [0.0],
            "rectification_rate": [1.0],
            "performance_rate": [1.0],
            "illegal_farmland_after_deductions_m2": [0.0],
            "illegal_area_after_deductions_m2": [0.0],
            "n_illegal_after_deductions": [0],
        },
        index=["T1"],
    )
    lists = red_black_lists(rows, red_size=size, black_size=1)
    assert lists.index[lists["list"] == "red"].tolist() == ["T1"][:size]
    assert (lists["list"] == "black").sum() == 0


def _two() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "township_name": ["甲", "乙"],
            "n_criteria": [0, 1],
            "criteria_met": ["", "一"],
            "illegal_farmland_ratio": [np.nan, 0.2],
            "rectification_rate": [np.nan, 0.5],
            "performance_rate": [np.nan, 0.25],
            "illegal_farmland_after_deductions_m2": [0.0, 9e4],
            "illegal_area_after_deductions_m2": [0.0, 1e5],
            "n_illegal_after_deductions": [0, 5],
        },
        index=["101", "102"],
    )


def test_the_reasons_word_for_word() -> None:
    lists = red_black_lists(_two(), red_size=1, black_size=1)
    assert lists.columns.tolist() == [
        "list",
        "rank",
        "township_name",
        "n_criteria",
        "illegal_farmland_ratio",
        "rectification_rate",
        "performance_rate",
        "illegal_farmland_after_deductions_m2",
        "illegal_area_after_deductions_m2",
        "criteria_met",
        "reason",
    ]
    assert lists["rank"].dtype == np.int64
    assert lists.loc["101", "reason"] == (
        "未触发问责标准；违法占用耕地比例 无（分母为 0），查处整改到位率 无违法图斑，履职率 无违法图斑"
    )
    assert lists.loc["102", "reason"] == (
        "触发问责标准一；违法占用耕地比例 20.00%，查处整改到位率 50.00%，履职率 25.00%"
    )


def test_without_criteria_met_the_reason_counts_the_criteria() -> None:
    s = _two().drop(columns=["criteria_met"])
    lists = red_black_lists(s, red_size=0, black_size=1)
    assert lists.loc["102", "reason"].startswith("触发问责标准1；")
    assert "criteria_met" not in lists.columns
    # a ranking on the criteria column names it once
    lists = red_black_lists(_two(), ranking=[("criteria_met", True), ("n_criteria", True)])
    assert lists.columns.tolist().count("criteria_met") == 1


def test_a_short_ranking_summarises_what_it_has() -> None:
    s = _two()[["township_name", "n_criteria", "illegal_area_after_deductions_m2"]]
    lists = red_black_lists(
        s, ranking=[("illegal_area_after_deductions_m2", True)], red_size=1, black_size=1
    )
    assert lists.loc["101", "reason"] == "未触发问责标准；"
    # without n_illegal_after_deductions any township may fill the black list
    lists = red_black_lists(s, ranking=[("illegal_area_after_deductions_m2", True)], black_size=2)
    assert lists.index[lists["list"] == "black"].tolist() == ["102", "101"]


def test_a_missing_value_ranks_worst_on_a_column_without_a_rule_for_it() -> None:
    s = _two()
    s["handled_area_m2"] = [np.nan, 10.0]  # larger is better; no nan_as entry
    s["n_criteria"] = [0, 0]
    lists = red_black_lists(s, ranking=[("handled_area_m2", False)], red_size=1, black_size=0)
    assert lists.index.tolist() == ["102"]


def test_missing_columns_are_named_once() -> None:
    from rsgeo.errors import FieldError

    with pytest.raises(FieldError) as info:
        red_black_lists(_two().drop(columns=["township_name", "n_criteria"]))
    text = str(info.value)
    assert text.count("'n_criteria'") == 1 and "'township_name'" in text
