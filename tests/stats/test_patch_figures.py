"""Per-patch figures (``rsgeo.patch_figures``): the rules one at a time, by hand."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from rsgeo.errors import InputError
from rsgeo.options import StatsOptions
from rsgeo.stats.deductions import patch_figures


def _table(**cols: list[object]) -> pd.DataFrame:
    n = len(next(iter(cols.values()), [None]))
    base: dict[str, list[object]] = {
        "final_class": ["违法"] * n,
        "is_construction": [True] * n,
        "area_m2": [1000.0] * n,
        "farmland_net_m2": [400.0] * n,
    }
    base.update(cols)
    return pd.DataFrame(base, index=pd.Index([f"p{i}" for i in range(n)], name="patch_id"))


def test_rectified_area_within_a_hundredth_of_a_square_metre_is_whole() -> None:
    t = _table(
        illegal_area_m2=[1000.0, 1000.0, 1000.0],
        rectified_area_m2=[999.995, 999.5, 1000.0],
        rectification_method=["拆除复耕"] * 3,
        rectification_date=["2020-12-01"] * 3,
    )
    f = patch_figures(t)
    assert f["rectified_share"].tolist() == [1.0, pytest.approx(0.9995), 1.0]
    assert f["is_rectified"].tolist() == [True, False, True]
    assert f["deducted_share"].tolist() == [1.0, pytest.approx(0.9995), 1.0]


def test_rectified_to_exactly_the_tolerance_is_whole() -> None:
    t = _table(
        illegal_area_m2=[1000.0, 0.5],
        rectified_area_m2=[1000.0 - 0.01, 0.2],  # and a patch smaller than 1 m², a part of it
        rectification_method=["拆除复耕"] * 2,
        rectification_date=["2020-12-01"] * 2,
    )
    f = patch_figures(t)
    assert f["rectified_share"].tolist() == [1.0, pytest.approx(0.4)]
    assert f["deducted_share"].tolist() == [1.0, pytest.approx(0.4)]


def test_a_method_that_deducts_nothing_deducts_nothing_whatever_its_date() -> None:
    t = _table(
        rectification_method=["没收", "未整改", "拆除复耕"],
        rectification_date=["2020-12-01"] * 3,
    )
    f = patch_figures(t)
    assert f["deducted_share"].tolist() == [0.0, 0.0, 1.0]
    assert f["deduction_class"].tolist() == ["", "", "已拆除复耕到位"]
    assert f["rectified_share"].tolist() == [1.0, 0.0, 1.0]  # 没收 is an action, 未整改 none


def test_the_illegal_share_is_at_most_the_whole_patch() -> None:
    t = _table(area_m2=[1000.0, 0.5], illegal_area_m2=[1500.0, 0.25], farmland_net_m2=[400.0, 0.5])
    f = patch_figures(t)
    assert f["illegal_fraction"].tolist() == [1.0, 0.5]
    assert f["counted_illegal_farmland_m2"].tolist() == [400.0, 0.25]
    assert f["counted_illegal_area_m2"].tolist() == [1500.0, 0.25]


def test_the_pieces_give_the_patch_area_and_farmland() -> None:
    """With pieces, φ = technician's area / the pieces' area, not the table's area_m2."""
    t = _table(area_m2=[4000.0], farmland_net_m2=[4000.0], illegal_area_m2=[500.0])
    pieces = pd.DataFrame(
        {
            "patch_id": ["p0", "p0"],
            "township_code": ["450225100", "450225101"],
            "area_m2": [600.0, 400.0],
            "farmland_net_m2": [300.0, 100.0],
        }
    ).set_index(["patch_id", "township_code"])
    f = patch_figures(t, pieces)
    assert f.loc["p0", "illegal_fraction"] == pytest.approx(0.5)
    assert f.loc["p0", "counted_illegal_farmland_m2"] == pytest.approx(400.0 * 0.5)
    # given figures win over the pieces
    f = patch_figures(
        t, pieces, patch_area_m2=pd.Series({"p0": 2000.0}), patch_farmland_m2=pd.Series({"p0": 0.0})
    )
    assert f.loc["p0", "illegal_fraction"] == pytest.approx(0.25)
    assert f.loc["p0", "counted_illegal_farmland_m2"] == 0.0


def test_given_areas_need_no_area_columns() -> None:
    t = _table(illegal_area_m2=[250.0]).drop(columns=["area_m2", "farmland_net_m2"])
    f = patch_figures(
        t, patch_area_m2=pd.Series({"p0": 1000.0}), patch_farmland_m2=pd.Series({"p0": 800.0})
    )
    assert f.loc["p0", "illegal_fraction"] == pytest.approx(0.25)
    assert f.loc["p0", "counted_illegal_farmland_m2"] == pytest.approx(200.0)


def test_missing_areas_count_as_nothing() -> None:
    """No area: the technician's area counts whole (φ = 1); no farmland: none illegal."""
    t = _table(
        area_m2=[np.nan, 1000.0],
        farmland_net_m2=[100.0, np.nan],
        illegal_area_m2=[0.5, np.nan],
    )
    f = patch_figures(t)
    assert f["illegal_fraction"].tolist() == [1.0, 1.0]
    assert f["counted_illegal_area_m2"].tolist() == [0.5, 1000.0]
    assert f["counted_illegal_farmland_m2"].tolist() == [100.0, 0.0]


def test_a_patch_without_area_is_not_divided_by_zero() -> None:
    t = _table(area_m2=[0.0, 1000.0], illegal_area_m2=[10.0, 10.0])
    f = patch_figures(t)
    assert f["illegal_fraction"].tolist() == [1.0, pytest.approx(0.01)]


@pytest.mark.parametrize("column", ["illegal_area_m2", "illegal_farmland_m2", "rectified_area_m2"])
def test_negative_areas_are_refused(column: str) -> None:
    t = _table(**{column: [-0.5, 3.0]})
    with pytest.raises(InputError, match=rf"1 patches have a negative {column} \(e.g. \['p0'\]\)"):
        patch_figures(t)
    patch_figures(_table(**{column: [0.0, 3.0]}))


@pytest.mark.parametrize(
    ("drop", "words"),
    [
        ("final_class", "lacks column 'final_class'"),
        ("is_construction", "lacks column 'is_construction'"),
        ("area_m2", "lacks column 'area_m2'"),
        ("farmland_net_m2", "lacks column 'farmland_net_m2' (or use farmland_basis='gross')"),
    ],
)
def test_missing_columns_are_named(drop: str, words: str) -> None:
    with pytest.raises(InputError) as info:
        patch_figures(_table().drop(columns=[drop]))
    assert words in str(info.value)


def test_the_gross_basis_needs_the_gross_column_and_gives_no_hint() -> None:
    with pytest.raises(InputError) as info:
        patch_figures(_table(), farmland_basis="gross")
    assert re.search(r"lacks column 'farmland_m2'$", str(info.value), re.MULTILINE)


def test_classes_counted_apart_are_neither_illegal_nor_legal() -> None:
    t = _table(final_class=["非粮违法", "非农违法", "合法", "其他"])
    f = patch_figures(t, profile="2026")
    assert f["is_non_grain"].tolist() == [True, False, False, False]
    assert f["is_illegal"].tolist() == [False, True, False, False]
    assert f["is_legal"].tolist() == [False, False, True, False]
    # a class named both illegal and apart counts as illegal only
    opts = StatsOptions(profile="2026", non_grain_classes=("非粮违法", "非农违法", "合法"))
    f = patch_figures(t, options=opts)
    assert f["is_non_grain"].tolist() == [True, False, False, False]


def test_a_deduction_alone_makes_a_case_handled() -> None:
    """Deducted by its class and day, with no method and no case number: handled."""
    t = _table(
        deduction_class=["已补办(农转用)", ""],
        deduction_date=["2020-12-01", ""],
    )
    f = patch_figures(t)
    assert f["deducted_share"].tolist() == [1.0, 0.0]
    assert f["is_handled"].tolist() == [True, False]
    assert f["is_rectified"].tolist() == [False, False]


def test_the_other_columns_of_a_patch_that_is_not_illegal() -> None:
    t = _table(
        final_class=["合法", "违法"],
        illegal_area_m2=[500.0, 500.0],
        military=["否", "是"],
    )
    f = patch_figures(t)
    assert f["illegal_fraction"].tolist() == [0.0, 0.5]
    assert f["counted_illegal_area_m2"].tolist() == [0.0, 500.0]
    assert f["is_military"].tolist() == [False, True]
    assert f["is_construction"].tolist() == [True, True]
