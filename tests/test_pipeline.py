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


def test_evidence_photos_reach_their_dossiers(tmp_path: Path) -> None:
    """[evidence] in the job: photos land in their patches' dossiers, one photo that
    finds no patch is listed on the index page, and each township gets its combined PDF."""
    import sys

    from rsgeo.job import LayerSource
    from rsgeo.pipeline import prepare_inputs

    sys.path.insert(0, str(Path(__file__).resolve().parent / "io"))
    import geopandas as gpd
    import test_evidence as ev

    job = _q3()
    # a dozen patches of the Q3 batch, without determinations: a quick run
    source = job.patches[0]
    few = gpd.read_file(source.path, layer=source.layer, encoding=source.encoding).head(12)
    few.to_file(tmp_path / "few.gpkg", driver="GPKG")
    job = dataclasses.replace(
        job,
        patches=(dataclasses.replace(source, path=tmp_path / "few.gpkg", layer=None),),
        determinations=(),
        outputs={k: k == "dossiers" for k in OUTPUT_KINDS},
    )
    patches = prepare_inputs(job, progress=False)[0]
    from rsgeo.schema.military import is_military

    ids = [str(p) for p in patches.index[~is_military(patches).to_numpy()]][:2]
    package = ev.make_package(
        tmp_path / "举证包.db",
        [
            {"BSM": "A", "JCBH": ids[0], "FJMC": "现场照片甲", "FJ": ev.jpeg(1), "PSJD": 90.0},
            {"BSM": "B", "JCBH": ids[1], "FJMC": "现场照片乙", "FJ": ev.jpeg(2)},
            {
                "BSM": "C",
                "JCBH": "",
                "FJMC": "现场照片丙",
                "FJ": ev.jpeg(3),
                "lon": 0.5,
                "lat": 0.5,
            },
        ],
    )
    jr = run_job(
        dataclasses.replace(job, evidence=LayerSource(path=package)),
        tmp_path / "out",
        progress=False,
    )
    dossiers = tmp_path / "out" / "dossiers"
    assert jr.outputs["n_unplaced_photos"] == 1
    import hashlib
    import json

    run = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    evidence = [i for i in run["inputs"] if i["role"] == "evidence"]
    assert evidence == [
        {
            "role": "evidence",
            "path": str(package),
            "sha256": hashlib.sha256(package.read_bytes()).hexdigest(),
        }
    ]
    assert "现场照片甲" in (dossiers / ids[0] / "dossier.html").read_text(encoding="utf-8")
    assert "现场照片乙" in (dossiers / ids[1] / "dossier.html").read_text(encoding="utf-8")
    assert "现场照片丙" in (dossiers / "index.html").read_text(encoding="utf-8")
    towns = set(jr.result.loc[~jr.result["flag_military"].astype(bool), "township_name"])
    assert {p.name for p in dossiers.glob("卷宗_*.pdf")} == {f"卷宗_{t}.pdf" for t in towns}
