"""The command line, driven through its entry point, on the bundled sample.

The demo runs once per test session; its figures are compared with the
library's own calls on the same data, and every ordinary output is scanned
for the military-land patches' ids.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import rsgeo
from rsgeo.cli import EXIT_CODES, main
from rsgeo.io.sample import sample_manifest, sample_path
from rsgeo.stats.township import township_rows


@pytest.fixture(scope="session")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "out"
    assert main(["demo", "--out", str(out), "--quiet"]) == 0
    return out


@pytest.fixture(scope="session")
def library_run() -> dict[str, object]:
    """The same job as library calls, without the pipeline module."""
    s = rsgeo.load_sample()
    frames = []
    for q in sorted(s.patches):  # quarter order: the later delivery wins
        g = s.patches[q].to_crs(4545).copy()
        frames.append(g)
    allp = pd.concat(frames)
    patches = allp[~allp.index.duplicated(keep="last")]
    layers = {k: v.to_crs(4545) for k, v in s.layers.items()}
    codes = layers["farmland"]["land_class_code"].astype(str)
    layers["farmland"] = layers["farmland"][codes.isin(["0101", "0102", "0103"])]
    townships = s.townships.to_crs(4545)
    pieces = rsgeo.overlay_pieces(patches, layers, townships=townships)
    result = rsgeo.classify(rsgeo.patches_from_pieces(pieces, patches))
    dets = pd.concat([s.determinations[q] for q in sorted(s.determinations)])
    result = rsgeo.apply_determinations(result, dets[~dets.index.duplicated(keep="last")])
    stats = rsgeo.township_stats(result, pieces, townships=townships, cutoff="2020-12-21")
    return {"result": result, "stats": stats}


def test_demo_writes_every_output(demo_out: Path) -> None:
    expected = [
        "统计报表.xlsx",
        "csv/township_stats.csv",
        "csv/patches.csv",
        "maps/county_map.html",
        "review/review_record.html",
        "review/review_record.xlsx",
        "dossiers/index.html",
        "run.json",
    ]
    for rel in expected:
        assert (demo_out / rel).is_file(), rel
    assert len(list((demo_out / "maps" / "field").glob("*.html"))) == 20
    run = json.loads((demo_out / "run.json").read_text(encoding="utf-8"))
    assert run["patches"] > 700 and run["military_sealed"] == 2
    assert all(len(i.get("sha256") or "x" * 64) == 64 for i in run["inputs"])
    # the layers read in the working CRS reach the overlay as the reader checked them
    in_working_crs = {
        i["role"].removeprefix("layers.")
        for i in run["inputs"]
        if i["role"].startswith("layers.") and i["crs"] == run["working_crs"]
    }
    assert in_working_crs and set(run["layers_as_read"]) == in_working_crs


def test_demo_numbers_equal_the_library_calls(demo_out: Path, library_run: dict) -> None:
    csv = pd.read_csv(demo_out / "csv" / "township_stats.csv", dtype={"township_code": str})
    csv = csv.set_index("township_code")
    stats = library_run["stats"]
    codes = list(township_rows(stats).index)
    assert codes == sorted(codes) and len(codes) == 20  # county tables list townships by code
    for col in (
        "illegal_farmland_after_deductions_m2",
        "illegal_farmland_ratio",
        "new_construction_farmland_m2",
    ):
        if col not in stats.columns:
            continue
        mine = township_rows(stats)[col].astype(float)
        theirs = csv.loc[mine.index, col].astype(float)
        pd.testing.assert_series_equal(mine, theirs, check_names=False, rtol=1e-9)
    # the crafted criterion-1 case of the sample (data/manifest.json)
    crafted = sample_manifest()["criterion_1"]["townships"]
    trips = {code for code, case in crafted.items() if case["case"] == "trips"}
    hit = set(csv.index[csv["criterion_1"].astype(str).str.lower() == "true"])
    assert hit == trips


def _ordinary_texts(out: Path) -> dict[Path, str]:
    texts: dict[Path, str] = {}
    for path in out.rglob("*"):
        if not path.is_file() or path.is_relative_to(out / "机要_军用土地"):
            continue
        if path.suffix in (".xlsx", ".zip"):
            with zipfile.ZipFile(path) as z:
                texts[path] = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        elif path.suffix == ".pdf" and shutil.which("pdftotext"):
            done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True)
            texts[path] = done.stdout.decode("utf-8", "replace")
        else:
            texts[path] = path.read_bytes().decode("utf-8", "replace")
    return texts


def test_no_military_patch_in_any_ordinary_output(demo_out: Path, library_run: dict) -> None:
    from rsgeo.schema.military import is_military

    result = library_run["result"]
    military = list(result.index[is_military(result)])
    assert len(military) == 2
    ordinary_id = str(result.index[~is_military(result)][0])
    texts = _ordinary_texts(demo_out)
    assert any(ordinary_id in t for t in texts.values())  # the scan can see ids
    leaks = [(p.name, m) for p, t in texts.items() for m in military if m in t]
    assert not leaks
    sealed = list((demo_out / "机要_军用土地").rglob("*.xlsx"))
    assert sealed and any(
        military[0]
        in "".join(
            zipfile.ZipFile(p).read(n).decode("utf-8", "replace")
            for n in zipfile.ZipFile(p).namelist()
        )
        for p in sealed
    )


def test_refuses_to_overwrite(demo_out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["demo", "--out", str(demo_out), "--quiet"])
    assert code == EXIT_CODES["exists"]
    assert "--overwrite" in capsys.readouterr().err


def test_bad_job_file_lists_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = tmp_path / "job.toml"
    job.write_text(
        '[job]\ncutoff = "someday"\n[[patches]]\npath = "nope.shp"\n[outputs]\nmaps = true\n',
        encoding="utf-8",
    )
    code = main(["run", str(job), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == EXIT_CODES["input"]
    for piece in ("job.cutoff", "patches[0].path: file not found", "outputs.maps", "townships"):
        assert piece in err, piece
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_missing_job_file_and_debug(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "none.toml")]) == EXIT_CODES["file"]
    assert "job file not found" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "none.toml"), "--debug"]) == EXIT_CODES["file"]
    assert "Traceback" in capsys.readouterr().err


def test_check_and_info(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(sample_path("rongshui_2020.toml"))]) == 0
    assert "OK" in capsys.readouterr().out
    shp = sample_path("patches", "2020Q1", "2020Q1_jctb.shp")
    assert main(["info", str(shp), "--patches"]) == 0
    out = capsys.readouterr().out
    assert "GBK" in out.upper() or "GB18030" in out.upper()
    assert "patch_id" not in out.split("fields:")[1]  # the id is the index, not a field


def test_console_script_is_installed() -> None:
    exe = shutil.which("rsgeo", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("package not installed with its console script")
    done = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and rsgeo.__version__ in done.stdout


def test_a_repaired_military_patch_is_not_named_in_reports(tmp_path: Path) -> None:
    """Read reports list repaired features by id: a military one must not show up."""
    import dataclasses
    import warnings

    import pyogrio
    from shapely.geometry import Polygon

    from rsgeo.job import LayerSource, load_job
    from rsgeo.pipeline import run_job

    raw = pyogrio.read_dataframe(sample_path("patches", "2020Q3_jctb.gpkg"))
    ordinary_id = str(raw.loc[1, "JCBH"])
    x, y = raw.geometry.iloc[0].centroid.coords[0]
    bow_tie = Polygon([(x, y), (x + 40, y + 40), (x + 40, y), (x, y + 40)])  # invalid
    raw.loc[0, "SFJY"] = "是"
    raw.loc[1, "SFJY"] = ""
    raw.loc[[0, 1], "geometry"] = [bow_tie, bow_tie]
    military_id = str(raw.loc[0, "JCBH"])
    path = tmp_path / "q3.gpkg"
    pyogrio.write_dataframe(raw, path, layer="JCTB")
    job = load_job(sample_path("rongshui_2020.toml"))
    outputs = dict.fromkeys(job.outputs, False) | {"csv": True}
    job = dataclasses.replace(
        job, patches=(LayerSource(path=path, batch="2020Q3"),), determinations=(), outputs=outputs
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_job(job, tmp_path / "out", progress=False)
    run = (tmp_path / "out" / "run.json").read_text(encoding="utf-8")
    assert ordinary_id in run  # the ordinary repaired patch is named
    assert military_id not in run
    assert not [w for w in caught if military_id in str(w.message)]


def test_patch_csv_lists_the_ordinary_patches(demo_out: Path, library_run: dict) -> None:
    from rsgeo.schema.military import is_military

    table = pd.read_csv(demo_out / "csv" / "patches.csv", dtype={"patch_id": str})
    result = library_run["result"]
    assert table.columns[0] == "patch_id"
    assert sorted(table["patch_id"]) == sorted(result.index[~is_military(result)])
    assert {"area_m2", "final_class", "township_code"} <= set(table.columns)


def test_overwrite_leaves_no_stale_output(tmp_path: Path) -> None:
    import dataclasses

    from rsgeo.job import load_job
    from rsgeo.pipeline import run_job

    job = load_job(sample_path("rongshui_2020.toml"))
    quick = dict.fromkeys(job.outputs, False) | {"csv": True, "sealed": True}
    out = tmp_path / "out"
    first = run_job(dataclasses.replace(job, outputs=quick), out, progress=False)
    assert first.n_military == 2 and (out / "机要_军用土地").is_dir()
    (out / "csv" / "my_extra.csv").write_text("the user's", encoding="utf-8")
    (out / "my_notes.txt").write_text("keep me", encoding="utf-8")
    # a later run of Q1 only (no military patch there) with --overwrite
    q1 = dataclasses.replace(
        job, patches=job.patches[:1], determinations=job.determinations[:1], outputs=quick
    )
    second = run_job(q1, out, overwrite=True, progress=False)
    assert second.n_military == 0
    assert not (out / "机要_军用土地").exists()  # the old sealed output is gone
    # files rsgeo did not write stay, in its folders too (before: csv/ was removed whole)
    assert (out / "csv" / "my_extra.csv").read_text(encoding="utf-8") == "the user's"
    assert (out / "my_notes.txt").read_text(encoding="utf-8") == "keep me"


def test_bad_command_line_returns_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == EXIT_CODES["usage"]
    assert main(["--version"]) == 0
    assert rsgeo.__version__ in capsys.readouterr().out


def test_manual_flags_from_a_gbk_csv_set_criterion_2(tmp_path: Path) -> None:
    import dataclasses

    from rsgeo.job import LayerSource, load_job
    from rsgeo.pipeline import run_job

    flags = tmp_path / "flags.CSV"
    flags.write_bytes("乡镇代码,标准,备注\n450225104,二,永久基本农田管理混乱\n".encode("gbk"))
    job = load_job(sample_path("rongshui_2020.toml"))
    job = dataclasses.replace(
        job,
        patches=job.patches[:1],
        determinations=job.determinations[:1],
        manual_flags=LayerSource(path=flags),
        outputs=dict.fromkeys(job.outputs, False),
    )
    stats = run_job(job, tmp_path / "out", progress=False).stats
    assert bool(stats.loc["450225104", "criterion_2"]) is True
    assert "永久基本农田管理混乱" in str(stats.loc["450225104", "criterion_2_reason"])
    assert not township_rows(stats).drop(index="450225104")["criterion_2"].any()


def test_only_the_command_freezes_the_garbage_collector(tmp_path: Path) -> None:
    """The command leaves its objects to the process's end; a call from Python does not."""
    probe = (
        "import gc, sys\n"
        "from rsgeo.cli import main\n"
        "called = main(['check', sys.argv[1]])\n"
        "after_call = gc.get_freeze_count()\n"
        "sys.argv = ['rsgeo', 'check', sys.argv[1]]\n"
        "command = main()\n"
        "print(called, command, after_call, gc.get_freeze_count())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "none.toml")],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(rsgeo.__file__).parents[1],
    )
    called, command, after_call, after_command = map(int, done.stdout.split())
    assert called == command == EXIT_CODES["file"]
    assert after_call == 0 and after_command > 10_000
