"""The ratio's denominator from the annual change survey, or the labelled fallback.

Before, the denominator was always the farmland of the construction patches;
the official figure (年度国土变更调查, per township) could not be given.
Expected values are hand-computed from the tables written here.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sheet_tables

from rsgeo.errors import FieldError, InputError
from rsgeo.io.denominator import read_denominator_table
from rsgeo.io.sample import sample_path
from rsgeo.job import OUTPUT_KINDS, LayerSource, load_job
from rsgeo.pipeline import WORKBOOK_NAME, run_job
from rsgeo.preflight import check_inputs
from rsgeo.schema.labels import DENOMINATOR_SOURCE_LABELS
from rsgeo.stats.township import TOTAL_LABEL, township_stats

MU = 10000.0 / 15.0
TOWNS = pd.DataFrame(
    {"township_code": ["450225100", "450225101"], "township_name": ["融水镇", "和睦镇"]}
)


def _result() -> pd.DataFrame:
    rows = []
    for pid, town, farm in (("a", "450225100", 600.0), ("b", "450225101", 300.0)):
        rows.append(
            {
                "patch_id": pid,
                "township_code": town,
                "n_townships": 1,
                "area_m2": 1000.0,
                "farmland_m2": farm,
                "farmland_net_m2": farm,
                "pbf_m2": 0.0,
                "redline_m2": 0.0,
                "final_class": "违法",
                "is_construction": True,
                "flag_military": False,
            }
        )
    return pd.DataFrame(rows).set_index("patch_id")


@pytest.mark.parametrize(
    ("header", "value", "m2"),
    [
        ("新增建设用地占用耕地面积（亩）", 3, 2000.0),
        ("新增建设用地占用耕地面积(公顷)", 0.25, 2500.0),
        ("新增建设用地占用耕地面积（平方米）", "1,234.5", 1234.5),
        ("area_m2", 10.0, 10.0),
        ("area_mu", 1.5, 1000.0),
    ],
)
def test_the_unit_is_taken_from_the_header(header: str, value: object, m2: float) -> None:
    t = read_denominator_table(pd.DataFrame({"XZQDM": ["450225100"], header: [value]}))
    assert t.loc["450225100", "denominator_m2"] == pytest.approx(m2)
    assert t.loc["450225100", "denominator_source"] == DENOMINATOR_SOURCE_LABELS["change_survey"]


def test_a_header_without_unit_and_bad_rows_are_refused_with_every_problem() -> None:
    with pytest.raises(FieldError, match="names no unit"):
        read_denominator_table(pd.DataFrame({"乡镇代码": ["1"], "新增建设用地占用耕地面积": [1]}))
    bad = pd.DataFrame(
        {
            "乡镇代码": ["450225100", "450225100", None],
            "新增建设用地占用耕地面积（亩）": ["x", 1, -2],
        }
    )
    with pytest.raises(InputError) as err:
        read_denominator_table(bad)
    text = str(err.value)
    assert "row 2 (450225100): area 'x'" in text and "row 4: no township code" in text
    assert "row 4 (?): area -2" in text and "duplicated township codes: ['450225100']" in text


def test_the_ratio_divides_by_the_change_survey_figure() -> None:
    table = pd.DataFrame(
        {
            "乡镇代码": [450225100, "450225101"],
            "新增建设用地占用耕地面积（亩）": [4.5, 1.2],  # 3000 m², 800 m²
            "来源": ["2020年度变更调查", ""],
        }
    )
    s = township_stats(_result(), townships=TOWNS, denominator=table)
    # illegal farmland 600 and 300 m² (whole patches illegal, no deductions)
    assert s.loc["450225100", "illegal_farmland_ratio"] == pytest.approx(600 / 3000)
    assert s.loc["450225101", "illegal_farmland_ratio"] == pytest.approx(300 / 800)
    assert s.loc[TOTAL_LABEL, "illegal_farmland_ratio"] == pytest.approx(900 / 3800)
    assert s.loc[TOTAL_LABEL, "denominator_m2"] == pytest.approx(3800.0)
    # the patches' own figure is still there, beside it
    assert s.loc["450225100", "construction_farmland_m2"] == 600.0
    assert s.loc["450225100", "denominator_source"] == "2020年度变更调查"
    assert s.loc["450225101", "denominator_source"] == DENOMINATOR_SOURCE_LABELS["change_survey"]


def test_without_a_table_the_fallback_is_labelled() -> None:
    s = township_stats(_result(), townships=TOWNS)
    assert (s["denominator_m2"] == s["construction_farmland_m2"]).all()
    assert set(s["denominator_source"]) == {DENOMINATOR_SOURCE_LABELS["patches"]}
    assert s.loc["450225100", "illegal_farmland_ratio"] == 1.0


def test_townships_missing_from_the_table_are_listed_at_once() -> None:
    towns = pd.DataFrame(
        {"township_code": ["450225100", "450225101", "450225102"], "township_name": list("甲乙丙")}
    )
    table = pd.DataFrame({"乡镇代码": ["450225100", "450225999"], "area_m2": [1.0, 2.0]})
    with pytest.raises(InputError) as err:
        township_stats(_result(), townships=towns, denominator=table)
    text = str(err.value)
    assert "2 township(s) of the townships table are not in it: ['450225101', '450225102']" in text
    assert "not in the townships table: ['450225999']" in text


def _job(**outputs: bool):  # type: ignore[no-untyped-def]
    job = load_job(sample_path("rongshui_2020.toml"))
    return dataclasses.replace(
        job,
        patches=job.patches[2:3],
        determinations=job.determinations[2:3],
        denominator=LayerSource(path=sample_path("change_survey/2020_denominator.xlsx")),
        outputs={k: outputs.get(k, False) for k in OUTPUT_KINDS},
    )


def test_a_run_on_the_samples_change_survey_table(tmp_path: Path) -> None:
    jr = run_job(_job(workbook=True, csv=True), tmp_path / "out", progress=False)
    sheet = pd.read_excel(
        sample_path("change_survey/2020_denominator.xlsx"), dtype={"乡镇代码": str}
    )
    den_m2 = sheet.set_index("乡镇代码")["新增建设用地占用耕地面积（亩）"] * MU
    stats = pd.read_csv(
        tmp_path / "out" / "csv" / "township_stats.csv", dtype={"township_code": str}
    )
    stats = stats.set_index("township_code")
    towns = stats.drop(index=[TOTAL_LABEL])
    expected = towns["illegal_farmland_after_deductions_m2"] / den_m2.reindex(towns.index)
    pd.testing.assert_series_equal(
        towns["illegal_farmland_ratio"], expected, check_names=False, rtol=1e-12
    )
    assert jr.stats.loc[TOTAL_LABEL, "denominator_source"].startswith(
        "2020年度国土变更调查（示例数据"
    )
    wb = openpyxl.load_workbook(tmp_path / "out" / WORKBOOK_NAME)
    notes = sheet_tables.notes(wb["乡镇汇总"])
    assert any("分母" in n and "2020年度国土变更调查（示例数据" in n for n in notes)
    run = (tmp_path / "out" / "run.json").read_text(encoding="utf-8")
    assert '"role": "denominator"' in run


def test_rsgeo_check_finds_a_township_missing_from_the_table(tmp_path: Path) -> None:
    sheet = pd.read_excel(sample_path("change_survey/2020_denominator.xlsx"), dtype=str)
    short = tmp_path / "short.xlsx"
    sheet.iloc[1:].to_excel(short, index=False)
    job = dataclasses.replace(_job(), denominator=LayerSource(path=short))
    problems = check_inputs(job)
    assert [p for p in problems if p.startswith("denominator:")] == [
        f"denominator: townships not in the table: ['{sheet.iloc[0]['乡镇代码']}']"
    ]


def test_the_job_file_names_the_table_and_its_source(tmp_path: Path) -> None:
    text = sample_path("rongshui_2020.toml").read_text(encoding="utf-8")
    data = sample_path("rongshui_2020.toml").parent
    for key in ("path", "before", "after", "basemap"):
        text = text.replace(f'{key} = "', f'{key} = "{data}/')
    text += (
        '\n[denominator]\npath = "change_survey/2020_denominator.xlsx"\n'
        'source = "2020年度国土变更调查"\n'
    ).replace('path = "', f'path = "{data}/')
    path = tmp_path / "job.toml"
    path.write_text(text, encoding="utf-8")
    job = load_job(path)
    assert job.denominator is not None
    assert job.denominator.path == data / "change_survey/2020_denominator.xlsx"
    assert job.denominator_label == "2020年度国土变更调查"
    path.write_text(text.replace("source =", "sauce ="), encoding="utf-8")
    with pytest.raises(ValueError, match=r"denominator\.sauce: unknown key"):
        load_job(path)
