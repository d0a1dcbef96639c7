"""Red and black lists: ranking worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rsgeo.errors import FieldError, InputError
from rsgeo.stats.ranking import red_black_lists

NAN = np.nan


def make_stats() -> pd.DataFrame:
    # code: n_criteria, ratio, rectification, performance, farmland, area, n_illegal_after
    rows = {
        "T1": (0, 0.0, 1.0, 1.0, 0.0, 0.0, 0),
        "T2": (0, NAN, NAN, NAN, 0.0, 0.0, 0),  # no patch at all: ranks like T1
        "T3": (0, 0.05, 0.8, 0.9, 100.0, 200.0, 2),
        "T4": (2, 0.30, 0.1, 0.2, 9000.0, 9500.0, 9),
        "T5": (1, 0.20, 0.5, 0.5, 5000.0, 6000.0, 5),
        "T6": (0, 0.10, 0.5, 0.6, 300.0, 400.0, 3),
    }
    cols = [
        "n_criteria",
        "illegal_farmland_ratio",
        "rectification_rate",
        "performance_rate",
        "illegal_farmland_after_deductions_m2",
        "illegal_area_after_deductions_m2",
        "n_illegal_after_deductions",
    ]
    s = pd.DataFrame.from_dict(rows, orient="index", columns=cols)
    s.insert(0, "township_name", [f"乡{i}" for i in range(1, 7)])
    s["criteria_met"] = ["", "", "", "一、四", "四", ""]
    total = pd.DataFrame([{"township_name": "合计", "n_criteria": 0}], index=["total"])
    return pd.concat([s, total])


def members(lists: pd.DataFrame, which: str) -> list[str]:
    return lists.index[lists["list"] == which].tolist()


def test_default_lists() -> None:
    lists = red_black_lists(make_stats())
    # best first: T1, T2 (tie with T1, smaller code first), T3, T6, T5, T4
    assert members(lists, "red") == ["T1", "T2", "T3"]
    # criteria met, worst first: T4 (2 criteria), T5; filled with the worst remaining: T6
    assert members(lists, "black") == ["T4", "T5", "T6"]
    assert lists["rank"].tolist() == [1, 2, 3, 1, 2, 3]
    assert lists.loc["T4", "reason"].startswith("触发问责标准一、四")
    assert lists.loc["T6", "reason"].startswith("综合排序靠后")
    assert lists.loc["T1", "reason"].startswith("未触发问责标准")
    assert "total" not in lists.index


def test_sizes_and_options() -> None:
    s = make_stats()
    lists = red_black_lists(s, red_size=5, black_size=1, black_includes_all_met=True)
    assert members(lists, "black") == ["T4", "T5"]  # every township meeting a criterion
    assert members(lists, "red") == ["T1", "T2", "T3", "T6"]
    lists = red_black_lists(s, red_size=1, black_size=1)  # the default: black_size holds
    assert members(lists, "black") == ["T4"]
    assert members(lists, "red") == ["T1"]
    lists = red_black_lists(s, black_size=4, fill_black=False)
    assert members(lists, "black") == ["T4", "T5"]


def test_clean_township_is_never_filled_into_black_list() -> None:
    s = make_stats()
    s.loc["T6", "n_illegal_after_deductions"] = 0
    s.loc["T3", "n_illegal_after_deductions"] = 0
    lists = red_black_lists(s, black_size=5)
    assert members(lists, "black") == ["T4", "T5"]


def test_custom_ranking() -> None:
    s = make_stats()
    lists = red_black_lists(
        s, red_size=2, black_size=0, ranking=[("illegal_area_after_deductions_m2", True)]
    )
    # T1, T2 have 0 m²; then T3 with 200 m²
    assert members(lists, "red") == ["T1", "T2"]
    with pytest.raises(FieldError, match="nope"):
        red_black_lists(s, ranking=[("nope", True)])
    with pytest.raises(InputError, match="red_size"):
        red_black_lists(s, red_size=-1)


def test_with_township_stats() -> None:
    from rsgeo.stats.township import township_stats

    towns = pd.DataFrame(
        {"township_code": ["450225100", "450225101"], "township_name": ["融水镇", "和睦镇"]}
    )
    result = pd.DataFrame(
        {
            "township_code": ["450225100"],
            "area_m2": [100000.0],
            "farmland_net_m2": [80000.0],
            "final_class": ["违法"],
            "is_construction": [True],
        },
        index=pd.Index(["p1"], name="patch_id"),
    )
    lists = red_black_lists(township_stats(result, townships=towns), red_size=1, black_size=1)
    assert members(lists, "red") == ["450225101"]
    assert members(lists, "black") == ["450225100"]
