"""Tests of rsgeo.review (data review rules) and the written review record."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import box

from rsgeo.audit.findings import FINDING_COLUMNS, review, run_review
from rsgeo.errors import CRSMismatchError, InputError, OutputExistsError
from rsgeo.outputs.review_record import write_review_record
from rsgeo.schema.review_rules import RULES

X0, Y0 = 600_000.0, 2_780_000.0  # EPSG:4545, near Rongshui
COUNTY = box(X0 - 1000, Y0 - 1000, X0 + 5000, Y0 + 1000)


def good_result() -> gpd.GeoDataFrame:
    """Three consistent patches (legal, illegal rectified, other) and one military patch."""
    rows = {
        "patch_id": ["G1", "G2", "G3", "M1"],
        "township_code": ["450225100", "450225100", "450225101", "450225101"],
        "township_name": ["融水镇", "融水镇", "和睦镇", "和睦镇"],
        "area_m2": [10000.0, 10000.0, 10000.0, 10000.0],
        "reported_area_m2": [10020.0, 9990.0, 10000.0, 30000.0],
        "pbf_m2": [500.0, 0.0, 0.0, 800.0],
        "approved_m2": [10000.0, 0.0, 0.0, 0.0],
        "facility_m2": [0.0, 0.0, 0.0, 0.0],
        "temporary_m2": [0.0, 0.0, 0.0, 0.0],
        "flag_pbf": [True, False, False, True],
        "suggested_class": ["合法", "违法", "其他", "违法"],
        "determination": ["合法", "违法", "其他", "合法"],
        "illegal_type": [None, "未报即用", None, None],
        "case_number": [None, "融自然资罚〔2020〕1号", None, None],
        "responsible_party": [None, "某建材公司", None, None],
        "illegal_area_m2": [np.nan, 10000.0, np.nan, np.nan],
        "rectification_method": [None, "拆除复耕", None, "拆除复耕"],
        "rectification_date": [None, "2020-10-01", None, None],
        "rectified_area_m2": [np.nan, 8000.0, np.nan, 99999.0],
        "flag_military": [False, False, False, True],
        "outside_townships_m2": [0.0, 0.0, 0.0, 40.0],
        "geometry_status": ["", "", "", "empty"],
    }
    geoms = [box(X0 + i * 1000, Y0, X0 + i * 1000 + 100, Y0 + 100) for i in range(4)]
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4545").set_index("patch_id")


def _set(pid: str, **values: object) -> Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]:
    def change(t: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        for k, v in values.items():
            t.loc[pid, k] = v
        return t

    return change


def _move(pid: str, dx: float) -> Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]:
    def change(t: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        minx, miny, maxx, maxy = t.loc[pid, "geometry"].bounds
        t.loc[pid, "geometry"] = box(minx + dx, miny, maxx + dx, maxy)
        return t

    return change


# rule id -> (change making one record bad, patch that must be reported)
BAD_CASES: dict[str, tuple[Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame], str]] = {
    "R01": (_set("G3", determination=None), "G3"),
    "R02": (_set("G2", illegal_type=""), "G2"),
    "R03": (_set("G2", case_number=None), "G2"),
    "R04": (_set("G2", responsible_party="  "), "G2"),
    "R05": (_set("G2", rectification_method=None), "G2"),
    "R06": (_set("G2", rectification_date=None), "G2"),
    "R07": (_set("G2", rectified_area_m2=np.nan), "G2"),
    "R08": (_set("G2", rectified_area_m2=12000.0), "G2"),
    "R09": (_set("G1", reported_area_m2=11000.0), "G1"),
    "R12": (_move("G3", 10_000.0), "G3"),
    # the county ends at X0 + 5000; G3 spans X0+2000..X0+2100, move it so 30 m stick out
    "R13": (_move("G3", 2930.0), "G3"),
    "R14": (_set("G1", approved_m2=0.0), "G1"),
    "R15": (
        _set("G1", approved_m2=0.0, pbf_m2=0.0, flag_pbf=False, suggested_class="违法"),
        "G1",
    ),
    "R16": (_set("G2", outside_townships_m2=12.5), "G2"),
    "R17": (_set("G3", geometry_status="empty"), "G3"),
    "R18": (_set("G1", geometry_status="nonfinite_vertices"), "G1"),
}


def _fired(findings: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(findings["rule_id"], findings["patch_id"], strict=True))


def test_good_records_give_no_finding() -> None:
    reviewed = run_review(good_result(), county=COUNTY)
    findings = reviewed.findings
    assert list(findings.columns) == FINDING_COLUMNS
    assert findings.empty
    assert reviewed.coverage.n_checked == 3
    assert reviewed.coverage.n_military_excluded == 1
    # the platform check (R19) needs the platform's table, which is not given here
    assert list(reviewed.coverage.rules_skipped) == ["R19"]


@pytest.mark.parametrize("rule_id", sorted(BAD_CASES))
def test_each_rule_fires_on_its_bad_record_only(rule_id: str) -> None:
    change, pid = BAD_CASES[rule_id]
    bad = change(good_result())
    findings = review(bad, county=COUNTY)
    assert _fired(findings) == {(rule_id, pid)}
    row = findings.iloc[0]
    assert row["severity"] == RULES[rule_id].severity
    assert row["township_code"] == bad.loc[pid, "township_code"]
    assert row["message"]


def test_rectification_method_not_yet_counts_as_missing() -> None:
    bad = _set("G2", rectification_method="未整改")(good_result())
    assert _fired(review(bad)) == {("R05", "G2")}


def test_duplicate_ids_found_in_raw_table_with_column_or_index() -> None:
    t = good_result()
    raw = pd.concat([t, t.loc[["G1"]]])  # index has G1 twice
    findings = review(raw)
    dup = findings[findings["rule_id"] == "R10"]
    assert dup["patch_id"].tolist() == ["G1", "G1"]
    assert "2 次" in dup["message"].iloc[0]
    as_column = raw.reset_index()
    assert _fired(review(as_column)) == {("R10", "G1")}
    assert len(review(as_column).query("rule_id == 'R10'")) == 2


def test_missing_patch_id() -> None:
    t = good_result().reset_index()
    t.loc[2, "patch_id"] = None
    findings = review(t)
    assert findings["rule_id"].tolist() == ["R11"]
    assert "第 3 行" in findings["message"].iloc[0]


def test_area_tolerance_is_configurable_and_strict() -> None:
    t = _set("G1", reported_area_m2=10500.0)(good_result())  # exactly 5 % off
    assert review(t, area_rel_tolerance=0.05).empty
    f = review(t, area_rel_tolerance=0.04)
    assert _fired(f) == {("R09", "G1")}
    assert "5.00%" in f["message"].iloc[0]


def test_outside_share_is_computed_and_configurable() -> None:
    t = _move("G3", 2930.0)(good_result())  # 30 of 100 m outside
    f = review(t, county=COUNTY)
    assert "30.00%" in f["message"].iloc[0]
    assert review(t, county=COUNTY, outside_max_share=0.31).empty
    # a sliver of 0.5 m (0.5 %) stays under the default 1 %
    assert review(_move("G3", 2900.5)(good_result()), county=COUNTY).empty


def test_county_as_geodataframe_and_crs_mismatch() -> None:
    halves = gpd.GeoDataFrame(
        geometry=[
            box(X0 - 1000, Y0 - 1000, X0 + 2000, Y0 + 1000),
            box(X0 + 2000, Y0 - 1000, X0 + 5000, Y0 + 1000),
        ],
        crs="EPSG:4545",
    )
    assert review(good_result(), county=halves).empty
    with pytest.raises(CRSMismatchError) as err:
        review(good_result(), county=halves.to_crs("EPSG:4490"))
    assert "EPSG:4490" in str(err.value) and "EPSG:4545" in str(err.value)


def test_military_patches_never_listed() -> None:
    t = good_result()
    t.loc["M1", ["determination", "illegal_type"]] = [None, None]
    t.loc["M1", "geometry"] = box(X0 + 90_000, Y0, X0 + 90_100, Y0 + 100)
    reviewed = run_review(t, county=COUNTY)
    assert "M1" not in set(reviewed.findings["patch_id"])
    assert reviewed.coverage.n_military_excluded == 1


def test_rules_skipped_when_columns_or_county_missing() -> None:
    t = good_result().drop(columns=["reported_area_m2", "approved_m2"])
    skipped = run_review(t).coverage.rules_skipped
    assert set(skipped) == {"R09", "R12", "R13", "R14", "R15", "R19"}
    assert "reported_area_m2" in skipped["R09"]
    t = good_result().drop(columns=["outside_townships_m2", "geometry_status"])
    skipped = run_review(t, county=COUNTY).coverage.rules_skipped
    assert set(skipped) == {"R16", "R17", "R18", "R19"}
    assert "outside_townships_m2" in skipped["R16"] and "geometry_status" in skipped["R18"]


def test_geometry_and_outside_findings_say_what_happened() -> None:
    t = _set("G2", outside_townships_m2=12.5)(good_result())
    t = _set("G1", geometry_status="collapsed")(t)
    f = review(t).set_index("rule_id")["message"]
    assert (
        f["R16"]
        == "图斑有 12.50 平方米（共 10000.00 平方米）落在各乡镇边界之外，计入“县外/未落入乡镇”"
    )
    assert f["R17"] == "修复后无面状部分（面积为零）"


def test_bad_options_collected_in_one_error() -> None:
    with pytest.raises(InputError) as err:
        review(good_result(), area_rel_tolerance=-1, outside_max_share=2, rules=["R99"])
    text = str(err.value)
    assert "area_rel_tolerance" in text and "outside_max_share" in text and "R99" in text


def test_input_not_mutated() -> None:
    t = good_result()
    before = t.copy()
    review(t, county=COUNTY)
    pd.testing.assert_frame_equal(t, before)


def _sheet(path: Path, name: str) -> list[tuple[object, ...]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    return [tuple(r) for r in wb[name].iter_rows(values_only=True)]


def test_review_record_counts_and_escaping(tmp_path: Path) -> None:
    t = good_result()
    t = _set("G2", case_number=None, responsible_party=None)(t)
    t = _set("G3", determination=None)(t)
    t = t.rename(index={"G3": "<script>alert(1)</script>"})
    findings = run_review(t)
    paths = write_review_record(
        findings, tmp_path, reviewer="李四 <审核>", review_date="2021-01-15", scope="2020年度"
    )
    # counts per rule, computed here from the findings independently
    by_rule = {r[0]: r[3] for r in _sheet(paths["xlsx"], "按规则统计")[1:]}
    assert by_rule["R03"] == 1 and by_rule["R04"] == 1 and by_rule["R01"] == 1
    assert sum(by_rule.values()) == 3
    towns = {r[0]: r for r in _sheet(paths["xlsx"], "按乡镇统计")[1:]}
    assert towns["450225100"][2:4] == (2, 2)  # 2 patches checked, 2 findings
    assert towns["450225101"][2:4] == (1, 1)
    listing = _sheet(paths["xlsx"], "问题清单")
    assert len(listing) == 1 + 3
    summary = dict(r[:2] for r in _sheet(paths["xlsx"], "审核记录") if r[0])
    assert summary["审核人"] == "李四 <审核>"
    assert summary["审核日期"] == "2021-01-15"
    assert summary["审核范围"] == "2020年度"
    assert summary["军用土地图斑"].startswith("1 个")
    page = paths["html"].read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "李四 &lt;审核&gt;" in page
    with pytest.raises(OutputExistsError):
        write_review_record(findings, tmp_path, reviewer="李四")
    write_review_record(findings, tmp_path, reviewer="李四", overwrite=True)


def test_review_record_needs_reviewer(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        write_review_record(run_review(good_result()), tmp_path, reviewer=" ")


def test_rsgeo_review_callable_after_submodule_import() -> None:
    import rsgeo
    import rsgeo.audit.findings  # binds the submodule on the package

    t = good_result()
    t.loc["G3", "determination"] = None
    assert _fired(rsgeo.review(t)) == {("R01", "G3")}


def test_record_cells_starting_with_equals_stay_text(tmp_path: Path) -> None:
    t = _set("G2", case_number=None)(good_result()).rename(index={"G2": "=1+1"})
    paths = write_review_record(run_review(t), tmp_path, reviewer="=SUM(A1)")
    wb = openpyxl.load_workbook(paths["xlsx"])
    cells = [
        c for ws in wb for row in ws.iter_rows() for c in row if c.value in ("=1+1", "=SUM(A1)")
    ]
    assert len(cells) == 2
    assert all(c.data_type == "s" for c in cells)


@pytest.mark.parametrize("word", ["非农违法", "非粮违法", "非农违法-工矿商服"])
def test_a_2026_violation_needs_its_case_data_too(word: str) -> None:
    """Before, R02–R04 looked for determinations starting with 违法 only."""
    t = _set("G2", determination=word, case_number=None, illegal_type="")(good_result())
    assert _fired(review(t)) == {("R02", "G2"), ("R03", "G2")}


def test_outside_share_against_the_difference_with_the_county() -> None:
    """R13's share outside the county, for patches inside, across, on and off the
    outline, against shapely's own difference (area outside / area)."""
    from shapely.geometry import Point

    t = good_result().iloc[:3].copy()
    across = box(X0 + 4950, Y0, X0 + 5030, Y0 + 100)  # 30 of 80 m outside
    edge = box(X0 + 4900, Y0, X0 + 5000, Y0 + 100)  # inside, touching the outline
    far = box(X0 + 9000, Y0, X0 + 9100, Y0 + 100)  # all outside
    extra = t.iloc[[0, 0, 0, 0]].copy()
    extra.index = pd.Index(["A1", "A2", "A3", "A4"], name="patch_id")
    t = pd.concat([t, extra])
    t.loc[["A1", "A2", "A3", "A4"], "geometry"] = [across, edge, far, Point(X0, Y0)]
    t = gpd.GeoDataFrame(t, geometry="geometry", crs="EPSG:4545")
    got = review(t, county=COUNTY, outside_max_share=0.1)
    messages = dict(zip(got["patch_id"] + got["rule_id"], got["message"], strict=True))
    expected = across.difference(COUNTY).area / across.area  # 0.375
    assert f"图斑 {expected * 100:.2f}% 的面积在县域外" in messages["A1R13"]
    assert "A3R12" in messages
    assert not any(k.startswith(("A2", "A4", "G")) for k in messages)
