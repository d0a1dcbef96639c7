"""Tests of rsgeo.classify and the rule table (hand-built overlay tables)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from rsgeo.analysis.classification import OUTPUT_COLUMNS, classify
from rsgeo.errors import FieldError, InputError
from rsgeo.options import ClassificationRules
from rsgeo.schema.classes import RULE_NAMES, normalize_code


def table(rows: list[dict], ids: list[str] | None = None) -> pd.DataFrame:
    """A patch-level overlay table; area 1000 m² unless given."""
    frame = pd.DataFrame(rows)
    if "area_m2" not in frame:
        frame["area_m2"] = 1000.0
    frame.index = pd.Index(ids or [f"p{i + 1}" for i in range(len(rows))], name="patch_id")
    return frame


def one(row: dict, **kwargs) -> pd.Series:
    return classify(table([row]), **kwargs).iloc[0]


# ---------------------------------------------------------------- approvals
def test_approved_share_reason_names_numbers_and_document():
    r = one(
        {
            "change_type": "20",
            "approved_m2": 973.0,
            "approved_doc_number": "桂政土批〔2019〕12号",
            "date_after": "2021-03-01",
        }
    )
    assert (r.suggested_class, r.suggested_subtype, r.suggested_rule) == (
        "合法",
        "批准用地",
        "approved",
    )
    assert r.suggested_reason.startswith(
        "批准用地覆盖 97.3%（≥95%），批准文号：桂政土批〔2019〕12号"
    )
    assert bool(r.is_construction)


def test_approved_threshold_is_inclusive_and_reason_never_rounds_across_it():
    out = classify(
        table(
            [
                {"change_type": "20", "approved_m2": 950.0},
                {"change_type": "20", "approved_m2": 949.96},
            ]
        )
    )
    assert out["suggested_class"].tolist() == ["合法", "违法"]
    # 94.996 % must not be shown as "95.0%（<95%）"
    assert "批准用地覆盖 94.996%（<95%）" in out["suggested_reason"].iloc[1]


def test_approved_threshold_configurable():
    row = {"change_type": "20", "approved_m2": 920.0}
    assert one(row).suggested_class == "违法"
    assert one(row, rules={"approved_min_share": 0.9}).suggested_class == "合法"
    assert one(row, rules=ClassificationRules(approved_min_share=0.9)).suggested_class == "合法"


# ---------------------------------------------------------------- facility / temporary
def test_facility_land_is_other():
    r = one({"change_type": "YH", "approved_m2": 0.0, "facility_m2": 1000.0})
    assert (r.suggested_class, r.suggested_subtype) == ("其他", "设施农用地")
    assert "设施农用地覆盖 100.0%（≥95%）" in r.suggested_reason


@pytest.mark.parametrize(
    ("valid_to", "valid_from", "date_after", "expected", "words"),
    [
        ("2022-06-30", None, "2021-03-15", "其他", "有效期至 2022-06-30"),
        ("2021-03-15", None, "2021-03-15", "其他", "在有效期内"),  # same day: still valid
        (
            "2021-03-14",
            None,
            "2021-03-15",
            "违法",
            "已过有效期（有效期至 2021-03-14，早于后时相 2021-03-15）",
        ),
        ("2020-01-01; 2022-01-01", None, "2021-03-15", "其他", "有效期至 2022-01-01"),
        ("2022-06-30", "2021-04-01", "2021-03-15", "违法", "尚未生效"),
        ("2022-06-30", None, None, "违法", "后时相缺失"),
        ("20220630", None, "2021年3月15日", "其他", "有效期至 2022-06-30"),
    ],
)
def test_temporary_land_needs_validity_on_date_after(
    valid_to, valid_from, date_after, expected, words
):
    row = {
        "change_type": "20",
        "approved_m2": 0.0,
        "temporary_m2": 1000.0,
        "temporary_valid_to": valid_to,
        "date_after": date_after,
    }
    if valid_from is not None:
        row["temporary_valid_from"] = valid_from
    r = one(row)
    assert r.suggested_class == expected
    assert words in r.suggested_reason
    if expected == "其他":
        assert r.suggested_subtype == "临时用地"


@pytest.mark.parametrize("layer", ["temporary", "mining_rights"])
def test_a_permit_is_valid_on_its_first_and_its_last_day(layer: str) -> None:
    """Validity includes both days: valid_from ≤ date_after ≤ valid_to."""
    rows = []
    for since, to in [
        ("2021-06-01", "2022-01-01"),  # first day
        ("2020-01-01", "2021-06-01"),  # last day
        ("2021-06-01", "2021-06-01"),  # a one-day permit
        ("2021-06-02", "2022-01-01"),  # starts the day after
        ("2020-01-01", "2021-05-31"),  # ended the day before
    ]:
        row = {
            "change_type": "CK" if layer == "mining_rights" else "20",
            "date_after": "2021-06-01",
        }
        row.update({f"{layer}_m2": 1000.0, f"{layer}_valid_from": since, f"{layer}_valid_to": to})
        rows.append(row)
    out = classify(table(rows))
    ok, bad = ("合法", "违法") if layer == "mining_rights" else ("其他", "违法")
    assert out["suggested_class"].tolist() == [ok, ok, ok, bad, bad]
    reasons = out["suggested_reason"].tolist()
    assert all("在有效期内" in r for r in reasons[:3])
    assert "尚未生效（有效期自 2021-06-02，晚于后时相 2021-06-01）" in reasons[3]
    assert "已过有效期（有效期至 2021-05-31，早于后时相 2021-06-01）" in reasons[4]


def test_several_permits_run_from_the_earliest_start_to_the_latest_end() -> None:
    rows = [
        {
            "change_type": "20",
            "temporary_m2": 1000.0,
            "temporary_valid_from": "2021-03-01; 2021-06-01",
            "temporary_valid_to": "2021-04-30; 2021-12-31",
            "date_after": after,
        }
        for after in ("2021-03-01", "2021-12-31", "2021-02-28", "2022-01-01")
    ]
    out = classify(table(rows))
    assert out["suggested_class"].tolist() == ["其他", "其他", "违法", "违法"]


def test_temporary_without_validity_field_is_not_accepted():
    r = one({"change_type": "20", "temporary_m2": 1000.0, "date_after": "2021-01-01"})
    assert r.suggested_class == "违法"
    assert "temporary_valid_to" in r.suggested_reason


def test_temporary_dates_as_datetime_dtype():
    t = table([{"change_type": "20", "temporary_m2": 990.0}])
    t["temporary_valid_to"] = pd.to_datetime(["2022-01-01"])
    t["date_after"] = pd.to_datetime(["2021-06-01"])
    assert classify(t)["suggested_subtype"].iloc[0] == "临时用地"


# ---------------------------------------------------------------- agricultural / pseudo
@pytest.mark.parametrize("code", ["01", "02", "03", "04", "KT", 1, 4.0, " kt "])
def test_agricultural_change_is_other_and_not_construction(code):
    r = one({"change_type": code, "approved_m2": 0.0, "land_class_code": "1001"})
    assert (r.suggested_class, r.suggested_subtype) == ("其他", "农业结构调整")
    assert not bool(r.is_construction)


def test_pseudo_change_code_and_same_land_class():
    out = classify(
        table(
            [
                {"change_type": "WBH", "land_class_code": "0101"},
                {"change_type": "03", "land_class_code": "0301", "land_class_name": "乔木林地"},
                {"change_type": "03", "land_class_code": "0101"},
                {"change_type": "KT", "land_class_code": "1104"},
            ]
        )
    )
    assert out["suggested_subtype"].tolist() == ["伪变化", "伪变化", "农业结构调整", "伪变化"]
    assert set(out["suggested_class"]) == {"其他"}
    assert out["is_construction"].tolist() == [False, False, False, False]
    assert "0301（乔木林地）" in out["suggested_reason"].iloc[1]
    off = classify(
        table([{"change_type": "03", "land_class_code": "0301"}]),
        rules={"pseudo_same_land_class": False},
    )
    assert off["suggested_subtype"].iloc[0] == "农业结构调整"


# ---------------------------------------------------------------- construction
@pytest.mark.parametrize("code", ["20", "YH", "DT", "TD", "DL", "ND", "GF"])
def test_construction_without_approval_is_suspected_illegal(code):
    r = one({"change_type": code, "approved_m2": 100.0})
    assert (r.suggested_class, r.suggested_subtype, r.suggested_rule) == (
        "违法",
        "疑似违法",
        "construction",
    )
    assert "建议判定为违法（疑似违法）" in r.suggested_reason
    assert "系统建议" in r.suggested_reason
    assert "批准用地覆盖 10.0%（<95%）" in r.suggested_reason
    assert bool(r.is_construction)


def test_unknown_and_missing_change_types_are_construction_and_reported():
    out = classify(table([{"change_type": "ZZ"}, {"change_type": None}, {"change_type": "20"}]))
    assert out["is_construction"].tolist() == [True, True, True]
    assert out["suggested_class"].tolist() == ["违法"] * 3
    assert "ZZ 不在规则代码表中" in out["suggested_reason"].iloc[0]
    assert "图斑类型缺失" in out["suggested_reason"].iloc[1]
    rep = out.attrs["rsgeo_classify_report"]
    assert rep.unknown_change_types == {"ZZ": 1}
    assert rep.missing_change_type == 1


def test_is_construction_code_list_configurable():
    t = table([{"change_type": "GF"}])
    out = classify(
        t,
        rules={
            "agricultural_types": ["01", "02", "03", "04", "KT", "GF"],
            "construction_types": ["20"],
        },
    )
    assert not bool(out["is_construction"].iloc[0])
    assert out["suggested_subtype"].iloc[0] == "农业结构调整"


# ---------------------------------------------------------------- mining
def mining_row(**kw):
    row = {
        "change_type": "CK",
        "approved_m2": 0.0,
        "mining_rights_m2": 1000.0,
        "mining_rights_valid_to": "2025-12-31",
        "mining_rights_mineral": "建筑用砂岩",
        "date_after": "2021-06-01",
    }
    row.update(kw)
    return row


def test_mining_with_valid_licence_is_legal():
    r = one(mining_row())
    assert (r.suggested_class, r.suggested_subtype) == ("合法", "持证采矿")
    assert "采矿权覆盖 100.0%（≥95%）" in r.suggested_reason
    assert "矿种：建筑用砂岩" in r.suggested_reason
    assert bool(r.flag_mineral) and not bool(r.flag_rare_earth)


def test_mining_with_expired_licence_or_outside_is_illegal():
    out = classify(
        table(
            [
                mining_row(mining_rights_valid_to="2021-05-31"),
                mining_row(mining_rights_m2=400.0),
                mining_row(
                    mining_rights_m2=0.0, mining_rights_mineral=None, mining_rights_valid_to=None
                ),
                mining_row(approved_m2=1000.0, mining_rights_valid_to="2000-01-01"),
            ]
        )
    )
    assert out["suggested_class"].tolist() == ["违法", "违法", "违法", "合法"]
    assert out["suggested_subtype"].tolist() == ["疑似违法采矿"] * 3 + ["批准用地"]
    assert "已过有效期" in out["suggested_reason"].iloc[0]
    assert "采矿权覆盖 40.0%（<95%）" in out["suggested_reason"].iloc[1]
    assert out["flag_mineral"].tolist() == [True] * 4


def test_mining_rule_skipped_without_licence_layer():
    t = table([{"change_type": "CK", "approved_m2": 0.0}])
    out = classify(t)
    assert out["suggested_subtype"].iloc[0] == "疑似违法"
    assert "mining_rights_m2" in out["suggested_reason"].iloc[0]
    assert out.attrs["rsgeo_classify_report"].skipped_rules["mining"] == ["mining_rights_m2"]
    assert bool(out["flag_mineral"].iloc[0])


def test_rare_earth_flags():
    out = classify(
        table(
            [
                mining_row(mining_rights_mineral="稀土; 铁矿"),
                {"change_type": "DT", "mineral": "离子型稀土"},
                {"change_type": "20", "mining_rights_m2": 0.5, "mining_rights_mineral": "稀土"},
                {"change_type": "20", "mining_rights_m2": 0.0},
            ]
        )
    )
    assert out["flag_rare_earth"].tolist() == [True, True, False, False]
    assert out["flag_mineral"].tolist() == [True, True, False, False]
    assert "涉及稀土矿产" in out["suggested_reason"].iloc[1]


# ---------------------------------------------------------------- flags
def test_touch_flags_thresholds():
    t = table(
        [
            {"change_type": "20", "pbf_m2": 0.5, "redline_m2": 0.0, "protected_m2": 1000.0},
            {"change_type": "20", "pbf_m2": 1.0, "redline_m2": 50.0, "protected_m2": 0.0},
            {"change_type": "20", "pbf_m2": 300.0, "redline_m2": 120.0, "protected_m2": 0.0},
        ]
    )
    out = classify(t)
    assert out["flag_pbf"].tolist() == [False, True, True]
    assert out["flag_redline"].tolist() == [False, True, True]
    assert out["flag_protected"].tolist() == [True, False, False]
    assert "涉及永久基本农田 300.00 m²（30.0%）" in out["suggested_reason"].iloc[2]
    strict = classify(t, rules={"touch_min_share": 0.1, "touch_min_m2": 0})
    assert strict["flag_pbf"].tolist() == [False, False, True]
    assert strict["flag_redline"].tolist() == [False, False, True]


def test_redline_name_in_reason():
    r = one({"change_type": "20", "redline_m2": 200.0, "redline_name": "元宝山水源涵养红线"})
    assert "涉及生态保护红线（元宝山水源涵养红线） 200.00 m²（20.0%）" in r.suggested_reason


def test_in_urban_share():
    t = table([{"urban_m2": 500.0}, {"urban_m2": 499.0}, {"urban_m2": 0.0}])
    t["change_type"] = "20"
    assert classify(t)["in_urban"].tolist() == [True, False, False]
    assert classify(t, rules={"urban_min_share": 0.4})["in_urban"].tolist() == [True, True, False]
    assert "位于城镇开发边界内（50.0%，≥50%）" in classify(t)["suggested_reason"].iloc[0]


def test_military_from_field_and_layer_reuses_military_filter():
    t = table(
        [
            {"change_type": "20", "military": "是"},
            {"change_type": "20", "military": "", "military_m2": 300.0},
            {"change_type": "20", "military": None, "military_m2": 0.0},
        ]
    )
    out = classify(t)
    assert out["flag_military"].tolist() == [True, True, False]
    assert "军用土地图斑" in out["suggested_reason"].iloc[0]


def test_missing_flag_layers_are_false_and_reported():
    out = classify(table([{"change_type": "20"}]))
    for col in ("flag_pbf", "flag_redline", "flag_protected", "in_urban"):
        assert out[col].dtype == bool
        assert not out[col].iloc[0]
    rep = out.attrs["rsgeo_classify_report"]
    assert rep.missing_flag_columns["flag_pbf"] == "pbf_m2"


# ---------------------------------------------------------------- missing columns
def test_missing_layers_skip_rules_and_say_so():
    out = classify(table([{"change_type": "20"}, {"change_type": "01"}]))
    rep = out.attrs["rsgeo_classify_report"]
    assert set(rep.skipped_rules) == {"approved", "facility", "temporary", "mining"}
    reason = out["suggested_reason"].iloc[0]
    for col in ("approved_m2", "facility_m2", "temporary_m2", "mining_rights_m2"):
        assert col in reason
    assert out["suggested_class"].tolist() == ["违法", "其他"]


def test_skip_note_only_for_rules_before_the_deciding_one():
    t = table(
        [{"change_type": "20", "approved_m2": 1000.0}, {"change_type": "20", "approved_m2": 0.0}]
    )
    out = classify(t)
    assert "facility_m2" not in out["suggested_reason"].iloc[0]  # decided before facility
    assert "facility_m2" in out["suggested_reason"].iloc[1]


def test_without_change_type_column():
    out = classify(table([{"approved_m2": 0.0}]))
    assert out["suggested_class"].iloc[0] == "违法"
    assert bool(out["is_construction"].iloc[0])
    assert "change_type" in out["suggested_reason"].iloc[0]


def test_rule_order_switches_rules_off():
    t = table([{"change_type": "20", "approved_m2": 1000.0}])
    order = [n for n in RULE_NAMES if n != "approved"]
    assert classify(t, rules={"order": order})["suggested_class"].iloc[0] == "违法"
    none = classify(t, rules={"order": []})
    assert none["suggested_subtype"].iloc[0] == "未判定"


# ---------------------------------------------------------------- input handling
def test_input_never_mutated_and_output_columns_added():
    t = table([{"change_type": "20", "approved_m2": 10.0}, {"change_type": "01"}])
    before = t.copy(deep=True)
    out = classify(t)
    pd.testing.assert_frame_equal(t, before)
    assert list(out.index) == ["p1", "p2"]
    for col in OUTPUT_COLUMNS:
        assert col in out.columns
    assert out["suggested_reason"].map(lambda s: isinstance(s, str) and len(s) > 0).all()


def test_geodataframe_stays_geodataframe_and_reclassify_replaces():
    gdf = gpd.GeoDataFrame(
        {"change_type": ["20", "01"], "area_m2": [100.0, 100.0], "approved_m2": [99.0, 0.0]},
        geometry=[box(0, 0, 10, 10), box(20, 0, 30, 10)],
        crs="EPSG:4545",
        index=pd.Index(["a", "b"], name="patch_id"),
    )
    out = classify(gdf)
    assert isinstance(out, gpd.GeoDataFrame)
    assert out.crs == gdf.crs
    assert out.geometry.equals(gdf.geometry)
    again = classify(out, rules={"approved_min_share": 1.0})
    assert again["suggested_class"].tolist() == ["违法", "其他"]
    assert list(again.columns).count("suggested_class") == 1


def test_missing_area_is_field_error():
    with pytest.raises(FieldError, match="area_m2"):
        classify(pd.DataFrame({"change_type": ["20"]}))


def test_bad_area_columns_all_listed():
    t = table([{"change_type": "20", "approved_m2": "abc", "pbf_m2": -5.0}])
    with pytest.raises(InputError) as info:
        classify(t)
    msg = str(info.value)
    assert "approved_m2" in msg and "pbf_m2" in msg and "negative" in msg


# ---------------------------------------------------------------- rules validation
def test_bad_rules_one_error_listing_every_problem():
    with pytest.raises(InputError) as info:
        ClassificationRules.from_mapping(
            {
                "approved_min_share": 95,
                "urban_min_share": -0.1,
                "touch_min_m2": "big",
                "order": ["approved", "magic"],
                "colour": "red",
                "agricultural_types": ["01", "20"],
            }
        )
    msg = str(info.value)
    for word in (
        "approved_min_share",
        "urban_min_share",
        "touch_min_m2",
        "magic",
        "'colour'",
        "share codes ['20']",
    ):
        assert word in msg, word
    assert msg.startswith("6 problem(s)")


def test_rules_direct_construction_validates_and_normalises():
    with pytest.raises(InputError, match="facility_min_share"):
        ClassificationRules(facility_min_share=0.0)
    rules = ClassificationRules(agricultural_types=["1", "kt"], layer_keys={"approved": "gongdi"})
    assert rules.agricultural_types == ("01", "KT")
    assert rules.key("approved") == "gongdi"
    assert rules.key("pbf") == "pbf"
    assert rules.replace(approved_min_share=0.8).approved_min_share == 0.8
    with pytest.raises(InputError, match="layer_keys"):
        ClassificationRules(layer_keys={"farm": "x"})


def test_layer_keys_rename_overlay_columns():
    t = table([{"change_type": "20", "gongdi_m2": 990.0, "gongdi_doc_number": "X1"}])
    r = classify(t, rules={"layer_keys": {"approved": "gongdi"}}).iloc[0]
    assert r.suggested_class == "合法"
    assert "批准文号：X1" in r.suggested_reason


def test_normalize_code():
    assert normalize_code(2) == "02"
    assert normalize_code("gf") == "GF"
    assert normalize_code(float("nan")) is None
    assert normalize_code("  ") is None


# ---------------------------------------------------------------- property test
CODES = ["01", "03", "KT", "20", "YH", "CK", "WBH", "ZZ", None]


def reference_class(row: dict) -> tuple[str, str]:
    """Straightforward per-patch reading of DOMAIN.md §3 with the default rules."""
    area = row["area_m2"]
    code = row["change_type"]

    def share(key: str) -> float:
        return min(row[f"{key}_m2"] / area, 1.0) if area > 0 else 0.0

    after = pd.Timestamp(row["date_after"]) if row["date_after"] else None

    def valid(key: str) -> bool:
        # valid from the first day to the last, both included
        to, since = row[f"{key}_valid_to"], row[f"{key}_valid_from"]
        if after is None or to is None:
            return False
        return pd.Timestamp(to) >= after and (since is None or pd.Timestamp(since) <= after)

    agricultural = code in ("01", "02", "03", "04", "KT")
    if code == "WBH":
        return "其他", "伪变化"
    if agricultural and row["land_class_code"].startswith(
        {"01": "01", "03": "03", "KT": "1104"}[code]
    ):
        return "其他", "伪变化"
    if share("approved") >= 0.95:
        return "合法", "批准用地"
    if share("facility") >= 0.95:
        return "其他", "设施农用地"
    if share("temporary") >= 0.95 and valid("temporary"):
        return "其他", "临时用地"
    touch_mining = row["mining_rights_m2"] >= 1.0 and row["mining_rights_m2"] > 0
    if (code == "CK" or touch_mining) and not agricultural:
        if share("mining_rights") >= 0.95 and valid("mining_rights"):
            return "合法", "持证采矿"
        return "违法", "疑似违法采矿"
    if agricultural:
        return "其他", "农业结构调整"
    return "违法", "疑似违法"


area_st = st.floats(min_value=0.0, max_value=1.0)


@st.composite
def patch_rows(draw):
    area = draw(st.sampled_from([0.0, 200.0, 1000.0, 37.5]))

    def part():
        return draw(st.sampled_from([0.0, 0.5, 0.949, 0.95, 1.0])) * area

    date = st.sampled_from([None, "2020-12-21", "2021-01-01", "2021-06-30"])
    since = st.sampled_from([None, "2020-12-21", "2021-01-01", "2021-01-02"])
    return {
        "area_m2": area,
        "change_type": draw(st.sampled_from(CODES)),
        "land_class_code": draw(st.sampled_from(["0101", "0301", "1104", "0702"])),
        "approved_m2": part(),
        "facility_m2": part(),
        "temporary_m2": part(),
        "temporary_valid_to": draw(date),
        "temporary_valid_from": draw(since),
        "mining_rights_m2": part(),
        "mining_rights_valid_to": draw(date),
        "mining_rights_valid_from": draw(since),
        "pbf_m2": part(),
        "urban_m2": part(),
        "date_after": draw(st.sampled_from([None, "2021-01-01"])),
    }


@settings(max_examples=60, deadline=None)
@given(st.lists(patch_rows(), min_size=1, max_size=12))
def test_matches_straightforward_reference(rows):
    t = table(rows)
    out = classify(t)
    assert len(out) == len(t) and list(out.index) == list(t.index)
    for (_, row), (_, res) in zip(t.iterrows(), out.iterrows(), strict=True):
        d = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
        expected = reference_class(d)
        assert (res.suggested_class, res.suggested_subtype) == expected, (d, res.suggested_reason)
        assert bool(res.is_construction) == (d["change_type"] not in ("01", "03", "KT", "WBH"))
        assert bool(res.flag_pbf) == (d["pbf_m2"] >= 1.0)
        share = d["urban_m2"] / d["area_m2"] if d["area_m2"] > 0 else 0.0
        assert bool(res.in_urban) == (share >= 0.5)


def test_reclassify_after_determinations_updates_only_suggested_final_class():
    from rsgeo.analysis.determination import apply_determinations

    t = table(
        [{"change_type": "20", "approved_m2": 930.0}, {"change_type": "20", "approved_m2": 930.0}]
    )
    det = apply_determinations(
        classify(t), pd.DataFrame({"监测编号": ["p1"], "判定结果": ["其他"]})
    )
    assert det["final_class"].tolist() == ["其他", "违法"]
    again = classify(det, rules={"approved_min_share": 0.9})
    assert again["suggested_class"].tolist() == ["合法", "合法"]
    assert again["final_class"].tolist() == ["其他", "合法"]


def test_zero_overlap_never_touches_even_with_zero_thresholds():
    t = table([{"change_type": "20", "pbf_m2": 0.0}, {"change_type": "20", "pbf_m2": 0.01}])
    out = classify(t, rules={"touch_min_m2": 0.0, "touch_min_share": 0.0})
    assert out["flag_pbf"].tolist() == [False, True]


def test_military_layer_attributes_never_reach_an_ordinary_patch():
    """A patch touching the military layer below the threshold is ordinary and
    shows nothing of that layer; a sealed one keeps it (for the sealed folder)."""
    t = pd.DataFrame(
        {
            "change_type": ["20", "20"],
            "area_m2": [1000.0, 1000.0],
            "military_m2": [0.4, 600.0],  # below touch_min_m2 = 1.0, and well above
            "military_name": ["某部队营区", "某部队营区"],
        },
        index=pd.Index(["ordinary", "sealed"], name="patch_id"),
    )
    r = classify(t)
    assert r["flag_military"].tolist() == [False, True]
    assert pd.isna(r.loc["ordinary", "military_m2"]) and pd.isna(r.loc["ordinary", "military_name"])
    assert r.loc["sealed", "military_name"] == "某部队营区"
    assert "某部队营区" not in r.loc["ordinary", "suggested_reason"]


# ---------------------------------------------------------------- reasons word for word
def test_reasons_word_for_word():
    """Every part of a reason, its order and its numbers (500 / 1000 m² = 50.0 %, ...)."""
    t = table(
        [
            {"change_type": "20", "approved_m2": 500.0, "urban_m2": 300.0, "military": "否",
             "approved_doc_number": "桂政土批〔2019〕1号"},
            {"change_type": "20", "approved_m2": 0.0, "urban_m2": 0.0, "pbf_m2": 10.0,
             "military": "是", "facility_m2": 990.0, "facility_doc_number": "备2020-1"},
            {"change_type": None, "approved_m2": 0.0, "urban_m2": 600.0, "date_after": "2021-01-01",
             "mining_rights_m2": 1000.0, "mining_rights_valid_to": "2030-01-01",
             "mining_rights_licence_number": "C450"},
            {"change_type": "20", "approved_m2": 0.0, "temporary_m2": 990.0, "mineral": "砂石",
             "temporary_valid_to": "2030-01-01", "temporary_doc_number": "临2020-9",
             "date_after": "2021-01-01"},
        ]
    )  # fmt: skip
    t["pbf_m2"] = t["pbf_m2"].fillna(0.0)
    out = classify(t)
    assert out["suggested_reason"].tolist() == [
        "建设类图斑（图斑类型 20（建筑）），未见足以覆盖的批准用地、设施农用地或有效临时用地，"
        "建议判定为违法（疑似违法），为系统建议，以实地核查和技术人员判定为准；"
        "批准用地覆盖 50.0%（<95%），批准文号：桂政土批〔2019〕1号；"
        "位于城镇开发边界外（边界内仅 30.0%，<50%）",
        "设施农用地覆盖 99.0%（≥95%），备案号：备2020-1；军用土地图斑（单独上报，不列入普通成果）；"
        "涉及永久基本农田 10.00 m²（1.0%）；位于城镇开发边界外",
        "矿产图斑（图斑类型 （缺失）），采矿权覆盖 100.0%（≥95%），有效期至 2030-01-01，"
        "后时相 2021-01-01 在有效期内，许可证号：C450；位于城镇开发边界内（60.0%，≥50%）；矿产图斑",
        "临时用地覆盖 99.0%（≥95%），有效期至 2030-01-01，后时相 2021-01-01 在有效期内，"
        "批准文号：临2020-9；位于城镇开发边界外；矿产图斑",
    ]
    # a mineral named in the patch's own field makes a mineral patch
    assert out["flag_mineral"].tolist() == [False, False, True, True]
    assert out["in_urban"].tolist() == [False, False, True, False]
    report = out.attrs["rsgeo_classify_report"]
    assert report.missing_change_type == 1
    assert report.summary().splitlines() == [
        "4 patches classified: {'违法': 1, '其他': 2, '合法': 1}",
        "flag_redline is False everywhere: missing redline_m2",
        "flag_protected is False everywhere: missing protected_m2",
        "1 patches without change_type",
    ]
    # no rule applies: the class 其他, the sub-type 未判定, and the reason says why
    only = classify(t, rules={"order": ["approved"]}).iloc[1]
    assert (only.suggested_class, only.suggested_subtype) == ("其他", "未判定")
    assert only.suggested_rule == ""
    assert only.suggested_reason.startswith("没有适用的规则（见 rules.order）；军用土地图斑")


def test_a_fresh_report_is_empty():
    from rsgeo.analysis.classification import ClassifyReport

    r = ClassifyReport()
    assert (r.n_patches, r.missing_change_type, r.bad_dates) == (0, 0, [])
    assert r.summary() == "0 patches classified: {}"


def test_urban_boundary_missing_is_reported():
    out = classify(table([{"change_type": "20"}]))
    assert out.attrs["rsgeo_classify_report"].missing_flag_columns["in_urban"] == "urban_m2"


def test_bad_areas_name_five_patches_and_count_all():
    t = table([{"change_type": "20", "approved_m2": -0.5}] * 7)
    with pytest.raises(InputError) as info:
        classify(t)
    text = str(info.value)
    assert "approved_m2: 7 negative areas (patches ['p1', 'p2', 'p3', 'p4', 'p5'])" in text
    t = table([{"change_type": "20", "approved_m2": "x"}] * 6)
    with pytest.raises(InputError) as info:
        classify(t)
    assert "approved_m2: 6 values are not numbers (patches ['p1', 'p2', 'p3', 'p4', 'p5'])" in str(
        info.value
    )


def test_a_final_class_without_its_source_is_left_alone():
    t = table([{"change_type": "20", "approved_m2": 1000.0, "final_class": "违法"}])
    assert classify(t)["final_class"].tolist() == ["违法"]


def test_shares_at_the_edges():
    t = table(
        [
            {"change_type": "20", "approved_m2": 1200.0, "area_m2": 1000.0},  # more than it: 100 %
            {"change_type": "20", "approved_m2": 5.0, "pbf_m2": 5.0, "area_m2": 0.0},
            {"change_type": "20", "approved_m2": 0.5, "area_m2": 0.5},  # under 1 m², whole
            {"change_type": "20", "approved_m2": 949.9, "area_m2": 1000.0},
        ]
    )
    out = classify(t, rules={"touch_min_m2": 0.0})
    assert out["suggested_class"].tolist() == ["合法", "违法", "合法", "违法"]
    assert out["suggested_reason"].iloc[0] == "批准用地覆盖 100.0%（≥95%）"
    assert out["suggested_reason"].iloc[3].split("；")[1] == "批准用地覆盖 94.99%（<95%）"
    # a patch of no area touches a layer it overlaps, whatever its share
    assert out["flag_pbf"].tolist() == [False, True, False, False]


@pytest.mark.parametrize(("layer", "ok"), [("temporary", "其他"), ("mining_rights", "合法")])
def test_exactly_95_percent_of_a_permit_is_enough(layer, ok):
    row = {"change_type": "CK", "date_after": "2021-01-01", f"{layer}_m2": 950.0}
    row[f"{layer}_valid_to"] = "2022-01-01"
    assert one(row).suggested_class == ok


def test_notes_of_the_layers_a_patch_falls_short_of():
    out = classify(
        table(
            [
                {"change_type": "20", "approved_m2": 0.0, "facility_m2": 300.0,
                 "temporary_m2": 200.0, "temporary_valid_to": "2030-01-01",
                 "date_after": "2021-01-01"},
                {"change_type": "20", "approved_m2": 0.0, "facility_m2": 0.0,
                 "temporary_m2": 0.0, "temporary_valid_to": "2030-01-01",
                 "date_after": "2021-01-01"},
            ]
        )
    )  # fmt: skip

    def notes(i):
        return [
            n for n in out["suggested_reason"].iloc[i].split("；")[1:] if not n.startswith("缺少")
        ]

    assert notes(0) == [
        "批准用地覆盖 0.0%（<95%）",
        "设施农用地覆盖 30.0%（<95%）",
        "临时用地覆盖 20.0%（<95%）",
    ]
    # no share of a facility or a temporary permit: no note of them, approval always
    assert notes(1) == ["批准用地覆盖 0.0%（<95%）"]


def test_reasons_without_document_numbers():
    out = classify(
        table(
            [
                {"change_type": "20", "approved_m2": 1000.0},
                {"change_type": "20", "temporary_m2": 1000.0, "temporary_valid_to": "2030-01-01",
                 "date_after": "2021-01-01"},
                {"change_type": "CK", "mining_rights_m2": 1000.0,
                 "mining_rights_valid_to": "2030-01-01", "date_after": "2021-01-01"},
                {"change_type": "01", "land_class_code": "0103"},
            ]
        )
    )  # fmt: skip
    assert [r.split("；")[0] for r in out["suggested_reason"]][:3] == [
        "批准用地覆盖 100.0%（≥95%）",
        "临时用地覆盖 100.0%（≥95%），有效期至 2030-01-01，后时相 2021-01-01 在有效期内",
        "矿产图斑（图斑类型 CK（采矿）），采矿权覆盖 100.0%（≥95%），有效期至 2030-01-01，"
        "后时相 2021-01-01 在有效期内",
    ]
    assert out["suggested_reason"].iloc[3].startswith("原地类 0103 与图斑类型 01")


def test_the_report_counts_change_types():
    out = classify(table([{"change_type": "01"}, {"change_type": "WBH"}, {"change_type": "ZZ"}]))
    report = out.attrs["rsgeo_classify_report"]
    assert report.unknown_change_types == {"ZZ": 1}
    assert report.missing_change_type == 0
    bare = classify(table([{"approved_m2": 0.0}]))
    assert bare.attrs["rsgeo_classify_report"].missing_change_type == 0


def test_notes_of_a_later_rule_never_reach_a_patch_decided_before():
    t = table([{"change_type": "20", "approved_m2": 500.0}])
    out = classify(t, rules={"order": ["construction", "approved"]})
    assert "批准用地覆盖" not in out["suggested_reason"].iloc[0]
