"""The patch-id contract: one check, one error class, at every stage."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

import rsgeo
from rsgeo.errors import DuplicateIdError
from rsgeo.schema.contract import check_patch_table, patch_id_problems

X0, Y0 = 36_500_000.0, 2_790_000.0


def _patches(ids: list[object]) -> gpd.GeoDataFrame:
    geoms = [box(X0 + 200 * i, Y0, X0 + 200 * i + 100, Y0 + 100) for i in range(len(ids))]
    return gpd.GeoDataFrame(
        {"change_type": ["20"] * len(ids)},
        geometry=geoms,
        index=pd.Index(ids, name="patch_id"),
        crs="EPSG:4524",
    )


def test_problems_in_words() -> None:
    assert patch_id_problems(["a", "b"]) == []
    assert patch_id_problems(["a", "a", None, " ", float("nan")]) == [
        "3 patch id(s) missing",
        "1 patch id(s) appear more than once: a",
    ]
    # numbers read from Excel are the same id as their text
    assert patch_id_problems([450225101.0, "450225101"]) == [
        "1 patch id(s) appear more than once: 450225101"
    ]


def test_the_table_comes_back_with_text_ids_and_is_not_modified() -> None:
    t = pd.DataFrame({"patch_id": [1, 2], "x": [1.0, 2.0]})
    out = check_patch_table(t, where="test")
    assert out.index.tolist() == ["1", "2"] and out.index.name == "patch_id"
    assert "patch_id" in t.columns  # input untouched


@pytest.mark.parametrize("ids", [["p1", "p1", "p2"], ["p1", None, "p2"]], ids=["dup", "missing"])
def test_every_stage_raises_the_same_error_class(ids: list[object]) -> None:
    patches = _patches(ids)
    classified = pd.DataFrame(
        {"suggested_class": ["违法"] * 3, "township_code": ["450225100"] * 3},
        index=pd.Index(ids, name="patch_id"),
    )
    stats_input = classified.assign(
        final_class="违法", is_construction=True, area_m2=1.0, farmland_net_m2=0.5
    )
    towns = pd.DataFrame({"township_code": ["450225100"], "township_name": ["融水镇"]})
    stages = {
        "overlay": lambda: rsgeo.overlay(patches, {}),
        "apply_determinations": lambda: rsgeo.apply_determinations(
            classified, pd.DataFrame({"监测编号": ["p2"], "判定结果": ["合法"]})
        ),
        "township_stats": lambda: rsgeo.township_stats(stats_input, townships=towns),
        "spot_check": lambda: rsgeo.spot_check(classified, per_township=1, seed=1),
    }
    for where, call in stages.items():
        with pytest.raises(DuplicateIdError, match="patch-id contract") as err:
            call()
        assert where.split("_")[0] in str(err.value), where


@pytest.mark.parametrize(
    "index",
    [
        pd.Index(["p1", " p1", "p2"], dtype=str),  # the same id with a space
        pd.Index(["p1", "\u3000p1"], dtype=str),  # an ideographic space
        pd.Index(["p1", "p1\x1c"], dtype=str),  # a separator Python takes as space
        pd.Index(["p1", "", "p2"], dtype=str),  # an empty id is missing
        pd.Index(["p1", None, "p1"], dtype=object),
        pd.Index(["p1", "p2", "p2"], dtype="string"),
        pd.Index([1.0, 2.0, 1.0]),
    ],
    ids=["space", "ideographic", "separator", "empty", "none", "string-dtype", "numbers"],
)
def test_text_indexes_take_the_same_checks_as_any_values(index: pd.Index) -> None:
    """Text indexes are checked without a call per id: the problems found are those of
    the id-by-id rules applied to the same values as a plain list."""
    problems = patch_id_problems(index)
    assert problems and problems == patch_id_problems(list(index))


def test_a_clean_text_index_is_handed_on_with_the_same_ids() -> None:
    index = pd.Index([" a", "b ", "c"], dtype=str)
    t = pd.DataFrame({"x": [1, 2, 3]}, index=index)
    assert check_patch_table(t, where="t").index.tolist() == ["a", "b", "c"]
    clean = pd.DataFrame({"x": [1, 2]}, index=pd.Index(["a", "b"], dtype=str))
    out = check_patch_table(clean, where="t")
    assert out.index.tolist() == ["a", "b"] and out.index.name == "patch_id"
