"""Half-up rounding of reported figures, and 平差 on top of it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import sheet_tables
from hypothesis import given, settings
from hypothesis import strategies as st

from rsgeo.geo.units import format_half_up, round_half_up, round_preserving_total

HAND_CASES = [
    # (value, decimals, half-up) — Python's round() gives the half-even/binary result
    (0.005, 2, 0.01),  # round: 0.01 (binary 0.005000000000000000104)
    (0.015, 2, 0.02),  # round: 0.01 (binary 0.01499999999999999944)
    (0.025, 2, 0.03),  # round: 0.03
    (0.125, 2, 0.13),  # round: 0.12 (exact binary half, to even)
    (0.375, 2, 0.38),
    (2.675, 2, 2.68),  # round: 2.67 (binary 2.67499999999999982236)
    (1.005, 2, 1.01),  # round: 1.0
    (2.5, 0, 3.0),  # round: 2
    (0.5, 0, 1.0),  # round: 0
    (12345.675, 2, 12345.68),
    (-0.005, 2, -0.01),  # halves away from zero
    (-2.675, 2, -2.68),
    (-0.125, 2, -0.13),
    (float(np.nextafter(2.675, 0.0)), 2, 2.67),  # the float below: repr 2.6749999999999994
    (0.00049999, 3, 0.0),
    (1.00005, 4, 1.0001),  # 公顷 to 4 decimals
    (0.0, 2, 0.0),
]


@pytest.mark.parametrize(("value", "decimals", "want"), HAND_CASES)
def test_hand_cases(value: float, decimals: int, want: float) -> None:
    assert round_half_up(value, decimals) == want
    assert round_half_up(np.array([value]), decimals)[0] == want  # the vectorised path
    assert format_half_up(value, decimals) == f"{want:.{decimals}f}".replace("-0.00", "0.00")


def test_python_round_differs_on_these() -> None:
    """The cases that motivated this: what round() and format specs give."""
    assert round(0.125, 2) == 0.12 and f"{0.125:.2f}" == "0.12"
    assert round(2.675, 2) == 2.67 and f"{2.675:.2f}" == "2.67"
    assert round(2.5) == 2 and round(0.015, 2) == 0.01 and np.round(0.125, 2) == 0.12
    assert format_half_up(0.125) == "0.13" and format_half_up(2.675) == "2.68"


def test_missing_and_non_finite() -> None:
    assert format_half_up(float("nan")) == "—" and format_half_up(None) == "—"
    out = round_half_up(np.array([np.nan, np.inf, -np.inf, 1e300]))
    assert np.isnan(out[0]) and out[1] == np.inf and out[2] == -np.inf and out[3] == 1e300
    assert format_half_up(-0.004) == "0.00"  # no negative zero in a report


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.floats(-1e9, 1e9, allow_nan=False),
        # decimals ending in 5 at the third place: the halves
        st.integers(-(10**9), 10**9).map(lambda k: (k * 10 + 5) / 1000),
    ),
    st.integers(0, 4),
)
def test_vectorised_equals_decimal_rounding_of_the_repr(value: float, decimals: int) -> None:
    want = float(
        Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    )
    assert round_half_up(np.array([value]), decimals)[0] == want
    assert round_half_up(value, decimals) == want


def test_round_preserving_total_rounds_the_total_half_up() -> None:
    # total 0.125: half-up 0.13, rows adjusted to it
    out = round_preserving_total([0.0625, 0.0625], decimals=2)
    assert out.sum() == pytest.approx(0.13)
    # a single row is rounded as round_half_up rounds it
    for v in (2.675, 0.005, 1.005, 0.125):
        assert round_preserving_total([v])[0] == round_half_up(v)


# --- every figure shown is half-up ---------------------------------------------------

MU = 10000.0 / 15.0


def _small_case(areas_m2: list[float]) -> pd.DataFrame:
    n = len(areas_m2)
    r = pd.DataFrame(
        {
            "patch_id": [f"p{i}" for i in range(n)],
            "township_code": ["450225100"] * n,
            "area_m2": areas_m2,
            "farmland_net_m2": areas_m2,
            "flag_military": False,
            "flag_mineral": False,
            "rectification_method": None,
            "rectification_date": None,
        }
    ).set_index("patch_id")
    r["final_class"] = "违法"
    r["is_construction"] = True
    r["pbf_m2"] = 0.0
    r["redline_m2"] = 0.0
    return r


def test_workbook_cells_are_half_up(tmp_path: Path) -> None:
    from rsgeo.options import CriteriaThresholds, StatsOptions
    from rsgeo.outputs.workbook import write_workbook
    from rsgeo.stats.deductions import patch_figures
    from rsgeo.stats.ranking import red_black_lists
    from rsgeo.stats.township import township_stats

    # m² figures that are halves at the second decimal, and one 亩 figure: 2.675 亩
    areas = [0.125, 2.675, 1.005, 2.675 * MU]
    result = _small_case(areas)
    towns = pd.DataFrame({"township_code": ["450225100"], "township_name": ["融水镇"]})
    options = StatsOptions()
    stats = township_stats(result, townships=towns, options=options)
    path = write_workbook(
        tmp_path / "out.xlsx",
        stats,
        result,
        red_black_lists(stats),
        figures=patch_figures(result, options=options),
        options=options,
        thresholds=CriteriaThresholds(),
    )
    ws = openpyxl.load_workbook(path)["图斑明细"]
    rows = sheet_tables.table_rows(ws)
    m2 = [r[rows[0].index("图斑面积（平方米）")] for r in rows[1:]]
    mu = [r[rows[0].index("图斑面积（亩）")] for r in rows[1:]]
    assert m2[:3] == [0.13, 2.68, 1.01]  # half-even would give 0.12, 2.67, 1.0
    assert mu[3] == 2.68  # 2.675 亩 (2.675 * MU / MU is 2.6750000000000003 or 2.675)
    summary = sheet_tables.table_rows(openpyxl.load_workbook(path)["乡镇汇总"])
    col = summary[0].index("图斑总面积（亩）")
    total_mu = sum(areas) / MU
    total = next(r for r in summary if r[0] == "合计")
    assert total[col] == round_half_up(total_mu, 2)


def test_workbook_percentages_are_half_up(tmp_path: Path) -> None:
    """Illegal farmland 1 m² of 800 m² occupied: 0.125 %, shown as 0.13 (half-even: 0.12)."""
    from rsgeo.options import CriteriaThresholds, StatsOptions
    from rsgeo.outputs.workbook import write_workbook
    from rsgeo.stats.deductions import patch_figures
    from rsgeo.stats.ranking import red_black_lists
    from rsgeo.stats.township import township_stats

    result = _small_case([1.0, 799.0])
    result.loc["p1", "final_class"] = "合法"
    towns = pd.DataFrame({"township_code": ["450225100"], "township_name": ["融水镇"]})
    options = StatsOptions()
    stats = township_stats(result, townships=towns, options=options)
    assert stats.loc["450225100", "illegal_farmland_ratio"] * 100 == pytest.approx(0.125)
    path = write_workbook(
        tmp_path / "out.xlsx",
        stats,
        result,
        red_black_lists(stats),
        figures=patch_figures(result, options=options),
        options=options,
        thresholds=CriteriaThresholds(),
    )
    rows = sheet_tables.table_rows(openpyxl.load_workbook(path)["乡镇汇总"])
    col = rows[0].index("违法占用耕地比例（%）")
    assert rows[1][col] == 0.13


def test_csv_keeps_full_precision(tmp_path: Path) -> None:
    """CSV tables are for scripts: never rounded, so never half-even either."""
    from rsgeo.outputs.csv_tables import write_csv

    result = _small_case([0.125, 2.675])
    path = write_csv(tmp_path / "p.csv", result.drop(columns=["rectification_date"]))
    back = pd.read_csv(path).set_index("patch_id")
    assert back["area_m2"].tolist() == [0.125, 2.675]


def test_review_messages_are_half_up() -> None:
    import geopandas as gpd
    from shapely.geometry import box

    from rsgeo.audit.findings import review

    x0, y0 = 600_000.0, 2_780_000.0
    t = gpd.GeoDataFrame(
        {
            "patch_id": ["A", "B"],
            "township_code": ["450225100", "450225100"],
            "area_m2": [10000.0, 10000.0],
            "determination": ["违法", "违法"],
            "suggested_class": ["违法", "违法"],
            "illegal_type": ["未报即用"] * 2,
            "case_number": ["1号", "2号"],
            "responsible_party": ["某", "某"],
            "illegal_area_m2": [2.675, 10000.0],
            "rectification_method": ["拆除复耕", None],
            "rectification_date": ["2020-10-01", None],
            "rectified_area_m2": [2.685, np.nan],
            "outside_townships_m2": [0.0, 0.125],
        },
        geometry=[box(x0, y0, x0 + 100, y0 + 100), box(x0 + 200, y0, x0 + 300, y0 + 100)],
        crs=4545,
    ).set_index("patch_id")
    findings = review(t)
    text = " ".join(findings["message"])
    assert "整改面积 2.69 平方米大于违法面积 2.68 平方米" in text  # half-even: 2.69 / 2.67
    assert "0.13 平方米" in text  # half-even: 0.12
    assert "2.67 平方米" not in text and "0.12 平方米" not in text
