"""rsgeo run on the bundled sample: determinations that fail loudly."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import pytest
import sheet_tables

from rsgeo.errors import InputError
from rsgeo.io.sample import sample_path
from rsgeo.job import OUTPUT_KINDS, load_job
from rsgeo.pipeline import WORKBOOK_NAME, run_job


def _q3(**outputs: bool):  # type: ignore[no-untyped-def]
    job = load_job(sample_path("rongshui_2020.toml"))
    return dataclasses.replace(
        job,
        patches=job.patches[2:3],
        determinations=job.determinations[2:3],
        outputs={k: outputs.get(k, False) for k in OUTPUT_KINDS},
    )


def test_another_quarters_table_is_refused_by_name(tmp_path: Path) -> None:
    """The Q1 table given for Q3 patches: before, the run went on with 195 of 196
    patches on their suggestions and exit 0; now it stops, naming the table."""
    tables = load_job(sample_path("rongshui_2020.toml")).determinations
    job = dataclasses.replace(_q3(), determinations=(tables[2], tables[0]))
    with pytest.raises(
        InputError,
        match=r"2020Q1_determinations\.xlsx names patches of this batch in 1 of its 194 rows",
    ):
        run_job(job, tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_classes_resting_on_a_suggestion_are_counted_and_said(tmp_path: Path) -> None:
    job = _q3(workbook=True)
    full = run_job(job, tmp_path / "full", progress=False)
    plain = full.result.loc[~full.result["flag_military"]]
    assert "classes resting on a suggestion (no determination yet): " in full.summary()
    n_before = int((plain["class_source"] == "suggested").sum())
    # the same batch without its determination table: every class is a suggestion
    bare = run_job(dataclasses.replace(job, determinations=()), tmp_path / "bare", progress=False)
    n = len(bare.result.loc[~bare.result["flag_military"]])
    assert f"no determination yet): {n} of {n}" in bare.summary()
    assert n > n_before
    wb = openpyxl.load_workbook(tmp_path / "bare" / WORKBOOK_NAME)
    for title in ("乡镇汇总", "问责预警"):
        notes = sheet_tables.notes(wb[title])
        assert (
            f"注：{n} 个图斑尚无人工判定，其分类为系统建议（见图斑明细“判定来源”），本表相关数字以判定完成后为准。"
            in notes
        )
    detail = sheet_tables.table_rows(wb["图斑明细"])
    source = detail[0].index("判定来源")
    assert {r[source] for r in detail[1:]} == {"系统建议（尚无人工判定）"}


def test_an_empty_patch_file_is_named(tmp_path: Path) -> None:
    """Before: "cannot choose a zone for empty data", naming no file."""
    import geopandas as gpd

    empty = gpd.GeoDataFrame({"JCBH": []}, geometry=[], crs=4490)
    empty.to_file(tmp_path / "empty.gpkg", driver="GPKG")
    job = _q3()
    source = dataclasses.replace(job.patches[0], path=tmp_path / "empty.gpkg")
    with pytest.raises(InputError, match=r"empty\.gpkg: the file") as err:
        run_job(dataclasses.replace(job, patches=(source,)), tmp_path / "out", progress=False)
    assert "no patch with a geometry" in str(err.value)
