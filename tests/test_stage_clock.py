"""Stage timings of a run (rsgeo.stage_clock, `rsgeo run --timings`, run.json) and the
first-run compile note."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import pytest

from rsgeo.cli import main
from rsgeo.job import load_job
from rsgeo.pipeline import run_job
from rsgeo.schema.messages import STEPS
from rsgeo.stage_clock import StageClock


def test_the_clock_times_each_stage_apart() -> None:
    """A stage of sleep takes its wall time and (almost) no CPU; a stage of work takes CPU."""
    clock = StageClock()
    clock.start("sleep", "sleeping")
    time.sleep(0.2)
    clock.start("work", "working")
    end = time.process_time() + 0.2
    while time.process_time() < end:
        pass
    clock.stop()
    clock.stop()  # stopping twice adds nothing
    sleep, work = clock.stages
    assert (sleep.key, work.key) == ("sleep", "work")
    assert sleep.wall_s >= 0.2 and sleep.cpu_s < 0.1
    assert work.cpu_s >= 0.19
    assert work.peak_rss_mb is None or work.peak_rss_mb > 10
    records = clock.as_records()
    assert [r["stage"] for r in records] == ["sleep", "work"]
    table = clock.table("HEADER").splitlines()
    assert table[0] == "HEADER" and table[1].endswith("sleeping") and table[2].endswith("working")


def test_run_json_and_the_timings_table(
    small_job: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["run", str(small_job), "--out", str(out), "--timings"]) == 0
    printed = capsys.readouterr().out
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    stages = [t["stage"] for t in run["timings"]]
    assert stages[:3] == ["reading", "overlay", "classifying"] and "workbook" in stages
    assert all(t["wall_s"] >= 0 and t["cpu_s"] >= 0 for t in run["timings"])
    assert "各阶段耗时 / time of each stage" in printed
    for key in stages:
        assert STEPS[key].split(" / ")[0].split("{")[0] in printed, key


def test_a_first_run_says_it_compiles(
    small_job: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    import rsgeo.pipeline as pipeline

    job = load_job(small_job)
    job = dataclasses.replace(job, outputs=dict.fromkeys(job.outputs, False) | {"csv": True})
    monkeypatch.setattr(pipeline, "HAVE_NUMBA", True)
    monkeypatch.setattr(pipeline, "kernels_cached", lambda: False)
    run_job(job, tmp_path / "a", progress=True)
    assert STEPS["compiling"] in capsys.readouterr().err
    monkeypatch.setattr(pipeline, "kernels_cached", lambda: True)
    run_job(job, tmp_path / "b", progress=True)
    assert STEPS["compiling"] not in capsys.readouterr().err


def test_the_cache_is_found_beside_the_kernels(tmp_path: Path, monkeypatch) -> None:
    from rsgeo.geo import _numba

    if not _numba.HAVE_NUMBA:
        assert _numba.kernels_cached()  # nothing to compile
        return
    monkeypatch.setattr(_numba, "_HERE", tmp_path)
    monkeypatch.setattr(_numba.numba.config, "CACHE_DIR", "", raising=False)
    assert not _numba.kernels_cached()
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "_clip_kernel.pair_moments-12.py311.nbi").write_bytes(b"")
    assert _numba.kernels_cached()


def test_an_empty_numba_cache_dir_is_seen(tmp_path: Path) -> None:
    """With NUMBA_CACHE_DIR set to an empty folder, numba compiles there: the run says so."""
    import os
    import subprocess
    import sys

    from rsgeo.geo import _numba

    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    code = "from rsgeo.geo._numba import kernels_cached; print(kernels_cached())"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ("False" if _numba.HAVE_NUMBA else "True")
    if _numba.HAVE_NUMBA:  # an index file written there is found
        folder = tmp_path / "cache" / "rsgeo_geo"
        folder.mkdir(parents=True)
        (folder / "_clip_kernel.pair_moments-12.py311.nbi").write_bytes(b"")
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == "True"
