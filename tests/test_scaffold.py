"""``rsgeo init FOLDER``: the job-file template for the files found in a folder.

The round trip: ``rsgeo init`` on a copy of the bundled sample folder writes a
job that ``rsgeo check`` and ``rsgeo run`` accept, naming the same inputs with
the same options as the sample's own job file, and the run's township figures
are the committed figures of that job (tests/data/rongshui_2020_township_stats.csv).
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import shutil
import tomllib
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from rsgeo.cli import EXIT_CODES, main
from rsgeo.io.sample import sample_path
from rsgeo.job import Job, JobFileError, LayerSource, load_job
from rsgeo.schema.job_notes import SECTION_NOTES

REFERENCE = Path(__file__).parent / "data" / "rongshui_2020_township_stats.csv"


@pytest.fixture(scope="module")
def sample_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("init") / "县局数据"  # a Chinese folder name
    shutil.copytree(sample_path(), folder, ignore=shutil.ignore_patterns("*.toml"))
    return folder


def _rel(source: LayerSource | None, root: Path) -> tuple[object, ...] | None:
    if source is None:
        return None
    return (
        source.path.resolve().relative_to(root.resolve()).as_posix(),
        source.layer,
        source.encoding,
        source.crs,
        source.fields,
        source.batch,
    )


def _inputs(job: Job, root: Path) -> dict[str, object]:
    """What a job reads, relative to its folder, and every option object."""
    return {
        "patches": [_rel(s, root) for s in job.patches],
        "layers": {k: _rel(s, root) for k, s in job.layers.items()},
        "townships": _rel(job.townships, root),
        "county": _rel(job.county, root),
        "determinations": [_rel(s, root) for s in job.determinations],
        "manual_flags": _rel(job.manual_flags, root),
        "denominator": _rel(job.denominator, root),
        "imagery": [
            p.resolve().relative_to(root.resolve()).as_posix() if p else None
            for p in (job.imagery_before, job.imagery_after)
        ],
        "working_crs": job.working_crs,
        "outputs": job.outputs,
        **{
            name: getattr(job, name)
            for name in (
                "rules",
                "statistics",
                "criteria",
                "lists",
                "review",
                "spot_check",
                "determination_checks",
            )
        },
    }


@pytest.mark.slow
def test_init_on_the_sample_gives_the_sample_jobs_figures(
    sample_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(sample_copy), "--year", "2020"]) == 0
    out = capsys.readouterr().out
    job_path = sample_copy / "job.toml"
    assert str(job_path) in out and "已写出" in out and "written" in out
    text = job_path.read_text(encoding="utf-8")
    mine = load_job(job_path)
    theirs = load_job(sample_path("rongshui_2020.toml"))
    expected = _inputs(theirs, sample_path())
    # the sample's own file lists its layers' default attributes; the template
    # leaves them to the defaults (the same fields, layer_overlay.DEFAULT_ATTRIBUTES)
    assert _inputs(mine, sample_copy) == expected
    # every key the template sets or suggests has a comment with Chinese and English
    for line in text.splitlines():
        if line.startswith("# ") and " / " in line:
            left, right = line[2:].split(" / ", 1)
            assert re.search(r"[\u4e00-\u9fff]", left) or re.search(r"[\u4e00-\u9fff]", right)
    assert "# [denominator]" in text  # found, suggested, left for a person to switch on
    assert "2026M03" in text and '[[patches]]\npath = "clues' not in text  # other year: off

    assert main(["check", str(job_path)]) == 0
    assert "检查通过" in capsys.readouterr().out
    # the run: CSV tables only, appended as the [outputs] the template leaves commented
    csv_only = "\n[outputs]\n" + "".join(
        f"{k} = {'true' if k == 'csv' else 'false'}\n" for k in mine.outputs
    )
    job_path.write_text(text + csv_only, encoding="utf-8")
    run_out = sample_copy / "成果"
    assert main(["run", str(job_path), "--out", str(run_out), "--quiet"]) == 0
    now = pd.read_csv(
        run_out / "csv" / "township_stats.csv", dtype={"township_code": str}, index_col=0
    )
    before = pd.read_csv(REFERENCE, dtype={"township_code": str}, index_col="township_code")
    now = now.loc[before.index]
    # 20 townships and the total; criterion 3 was reworded after the reference was
    # written (test_pipeline_2026.py)
    reworded = {"criterion_3", "criterion_3_reason", "n_criteria", "criteria_met"}
    kept = [c for c in before.columns if c not in reworded]
    floats = [c for c in kept if before[c].dtype.kind == "f"]
    exact = [c for c in kept if c not in floats]
    assert len(before) == 21 and len(exact) > 10 and len(floats) > 10
    pd.testing.assert_frame_equal(before[exact], now[exact], check_dtype=False)
    pd.testing.assert_frame_equal(before[floats], now[floats], rtol=1e-6, atol=0.05)
    # a second init finds the output folder and leaves it out
    assert main(["init", str(sample_copy), "--year", "2020", "--overwrite", "--quiet"]) == 0
    assert 'path = "成果' not in (sample_copy / "job.toml").read_text(encoding="utf-8")


def test_without_a_year_the_latest_batches_are_used(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(sample_path(), folder, ignore=shutil.ignore_patterns("*.toml"))
    assert main(["init", str(folder), "--quiet"]) == 0
    job = load_job(folder / "job.toml")
    sample_2026 = load_job(sample_path("rongshui_2026.toml"))
    for key in ("patches", "determinations", "townships", "county"):
        assert _inputs(job, folder)[key] == _inputs(sample_2026, sample_path())[key], key
    data = tomllib.loads((folder / "job.toml").read_text(encoding="utf-8"))
    assert [p["batch"] for p in data["patches"]] == ["2026M03"]
    # the 2020 batches are there, commented out
    text = (folder / "job.toml").read_text(encoding="utf-8")
    assert text.count('# batch = "2020Q') == 4
    assert "2026" in text.split("cutoff")[0] or "请核对" in text  # the cutoff's year flagged


def test_init_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(sample_path("boundaries", "townships.gpkg"), tmp_path / "xzq.gpkg")
    mine = tmp_path / "job.toml"
    mine.write_text("# my own job\n", encoding="utf-8")
    assert main(["init", str(tmp_path)]) == EXIT_CODES["exists"]
    err = capsys.readouterr().err
    assert "已存在" in err and "job file exists" in err and "--overwrite" in err
    assert mine.read_text(encoding="utf-8") == "# my own job\n"
    assert main(["init", str(tmp_path), "--overwrite", "--quiet"]) == 0
    assert "[townships]" in mine.read_text(encoding="utf-8")


def test_inputs_are_told_by_their_fields_when_the_names_say_nothing(tmp_path: Path) -> None:
    """Files named a, b, c: the patches by JCBH and QSX, the townships by XZQDM and
    XZQMC, the determination table by its headers; an unknown file is listed."""
    for src, name in (
        (("patches", "2020Q3_jctb.gpkg"), "a"),
        (("boundaries", "townships.gpkg"), "b"),
    ):
        frame = pyogrio.read_dataframe(sample_path(*src))
        pyogrio.write_dataframe(frame, tmp_path / f"{name}.gpkg", layer=name)
    shutil.copy(sample_path("determinations", "2020Q3_determinations.xlsx"), tmp_path / "c.xlsx")
    (tmp_path / "notes.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    assert main(["init", str(tmp_path), "--quiet"]) == 0
    text = (tmp_path / "job.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert data["patches"] == [{"path": "a.gpkg", "batch": "a"}]
    assert data["townships"] == {"path": "b.gpkg"}
    assert data["determinations"] == [{"path": "c.xlsx"}]
    assert "#   notes.csv" in text
    # no reference layer was found: the job says what is missing, in its own words
    with pytest.raises(JobFileError, match="layers"):
        load_job(tmp_path / "job.toml")


def test_unsure_inputs_are_suggested_not_filled(tmp_path: Path) -> None:
    """Two township layers: both suggested, commented; a shapefile without .prj
    gets a commented crs; the job refuses to load until a person chooses."""
    for name in ("xzq_2019.gpkg", "xzq_2020.gpkg"):
        shutil.copy(sample_path("boundaries", "townships.gpkg"), tmp_path / name)
    shp = pyogrio.read_dataframe(sample_path("patches", "2020Q1", "2020Q1_jctb.shp"))
    pyogrio.write_dataframe(shp.iloc[:5], tmp_path / "2020Q1_jctb.shp", encoding="UTF-8")
    (tmp_path / "2020Q1_jctb.prj").unlink()
    assert main(["init", str(tmp_path), "--quiet"]) == 0
    text = (tmp_path / "job.toml").read_text(encoding="utf-8")
    assert text.count("# [townships]  # ") == 2 and "\n[townships]" not in text
    assert '# crs = "EPSG:4490"' in text
    data = tomllib.loads(text)
    assert data["patches"][0]["batch"] == "2020Q1"
    with pytest.raises(JobFileError, match="townships"):
        load_job(tmp_path / "job.toml")
    # choosing one (uncommenting its lines) gives a job that names it
    chosen = text.replace("# [townships]  #", "[townships]  #", 1)
    chosen = chosen.replace('# path = "xzq_2019.gpkg"', 'path = "xzq_2019.gpkg"', 1)
    chosen += '\n[layers.pbf]\npath = "xzq_2020.gpkg"\n'
    (tmp_path / "job.toml").write_text(chosen, encoding="utf-8")
    job = load_job(tmp_path / "job.toml")
    assert dataclasses.asdict(job.townships)["path"].name == "xzq_2019.gpkg"


def test_not_a_folder_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path / "nowhere")]) == EXIT_CODES["file"]
    err = capsys.readouterr().err
    assert "不是文件夹" in err and "not a folder" in err


def test_an_evidence_package_is_taken_and_a_basemap_suggested(tmp_path: Path) -> None:
    """A SQLite file with a photo table FJ is the evidence package; one without it is
    listed as not recognised; an MBTiles file is suggested as the basemap, commented."""
    import sqlite3

    shutil.copy(sample_path("boundaries", "townships.gpkg"), tmp_path / "xzq.gpkg")
    with contextlib.closing(sqlite3.connect(tmp_path / "举证包.db")) as db:
        db.execute("CREATE TABLE fj (BSM TEXT, FJ BLOB)")
    with contextlib.closing(sqlite3.connect(tmp_path / "other.db")) as db:
        db.execute("CREATE TABLE notes (x TEXT)")
    (tmp_path / "底图.mbtiles").write_bytes(b"")
    assert main(["init", str(tmp_path), "--quiet"]) == 0
    text = (tmp_path / "job.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert data["evidence"] == {"path": "举证包.db"}
    assert "maps" not in data and '# basemap = "底图.mbtiles"' in text
    unused = text.split(SECTION_NOTES["unused"])[1]
    assert "other.db" in unused and "举证包.db" not in unused
