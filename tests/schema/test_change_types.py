"""The change-type (TBLX) table of DOMAIN.md §5: names, kinds, and what the rules make of them."""

from __future__ import annotations

import pandas as pd
import pytest

from rsgeo.analysis.classification import classify
from rsgeo.options import ClassificationRules
from rsgeo.schema.classes import (
    AGRICULTURAL_CHANGE_TYPES,
    CHANGE_TYPE_KINDS,
    CONSTRUCTION_CHANGE_TYPES,
    MINERAL_CHANGE_TYPES,
    normalize_code,
)
from rsgeo.schema.labels import CHANGE_TYPE_NAMES

DOMAIN_CODES = [
    "01",
    "02",
    "03",
    "04",
    "20",
    "YH",
    "DT",
    "TD",
    "TP",
    "DL1",
    "DL2",
    "DL3",
    "TL",
    "ND",
    "SJ",
    "CK",
    "GF",
    "KT",
    "SM",
    "SK",
    "HL",
    "GQ",
    "WL",
    "YT",
    "LD",
    "QT",
    "GEF",
    "ZQC",
    "JC",
    "LT",
    "LY",
    "WH",
    "TH",
]


def test_every_code_of_the_2026_table_has_a_name_and_a_kind() -> None:
    assert set(DOMAIN_CODES) <= set(CHANGE_TYPE_NAMES)
    assert set(CHANGE_TYPE_NAMES) == set(CHANGE_TYPE_KINDS)
    assert CHANGE_TYPE_NAMES["GEF"] == "高尔夫球场" and CHANGE_TYPE_NAMES["DL2"] == "道路（在建）"


@pytest.mark.parametrize("written", ["1", "01", 1, 1.0, " 1 "])
def test_one_and_zero_one_are_one_code(written: object) -> None:
    code = normalize_code(written)
    assert code == "01"
    assert CHANGE_TYPE_KINDS[code] == "agricultural"


def test_the_rules_defaults_come_from_the_kinds() -> None:
    rules = ClassificationRules()
    assert rules.agricultural_types == AGRICULTURAL_CHANGE_TYPES == ("01", "02", "03", "04", "KT")
    assert rules.mineral_change_types == MINERAL_CHANGE_TYPES == ("CK",)
    assert rules.construction_types == CONSTRUCTION_CHANGE_TYPES
    assert set(rules.agricultural_types) | set(rules.construction_types) == set(CHANGE_TYPE_KINDS)


def test_2026_codes_are_known_to_the_rules_and_named_in_the_reasons() -> None:
    """Before: DL2, TP, SK … were 'not in the rule code table' and 1 was never 01."""
    codes = ["1", "DL2", "TP", "SK", "CK", "GEF"]
    frame = pd.DataFrame(
        {"change_type": codes, "area_m2": 1000.0},
        index=pd.Index([f"p{i}" for i in range(len(codes))], name="patch_id"),
    )
    out = classify(frame)
    report = out.attrs["rsgeo_classify_report"]
    assert report.unknown_change_types == {}
    assert out["is_construction"].tolist() == [False, True, True, True, True, True]
    assert out["flag_mineral"].tolist() == [False, False, False, False, True, False]
    assert "图斑类型 DL2（道路（在建））" in out.loc["p1", "suggested_reason"]
    assert "图斑类型 01（耕地）" in out.loc["p0", "suggested_reason"]
