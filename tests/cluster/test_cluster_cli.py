"""``rsgeo run JOB --workers N`` and ``--cluster ADDRESS``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from cluster_province import write_job

from rsgeo.cli import main
from rsgeo.pipeline import JobResult


def test_run_with_workers_prints_each_partition_and_writes_the_single_run_tables(
    province_folder: Path, single_run: JobResult, capsys: pytest.CaptureFixture[str]
) -> None:
    job = write_job(province_folder, cluster={"max_patches": 150}, name="cli")
    out = province_folder / "out_cli"
    assert main(["run", str(job), "--out", str(out), "--workers", "2"]) == 0
    err = capsys.readouterr().err
    done = [line for line in err.splitlines() if "partition done" in line]
    assert len(done) >= 4 and done[-1].count(f"({len(done)}/{len(done)})") == 1
    a = pd.read_csv(out / "csv" / "township_stats.csv")
    b = pd.read_csv(province_folder / "out_single" / "csv" / "township_stats.csv")
    pd.testing.assert_frame_equal(a, b, rtol=1e-9, check_exact=False)


def test_run_on_a_running_scheduler(province_folder: Path, client: Any) -> None:
    job = write_job(province_folder, name="address")
    out = province_folder / "out_address"
    address = client.scheduler.address
    assert main(["run", str(job), "--out", str(out), "--cluster", address, "--quiet"]) == 0
    a = pd.read_csv(out / "csv" / "patches.csv")
    b = pd.read_csv(province_folder / "out_single" / "csv" / "patches.csv")
    pd.testing.assert_frame_equal(a, b, rtol=1e-9, check_exact=False)


def test_bad_worker_counts_are_refused(
    province_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = write_job(province_folder, name="bad")
    out = province_folder / "out_bad"
    assert main(["run", str(job), "--out", str(out), "--workers", "0", "--quiet"]) == 3
    assert "workers must be a whole number >= 1" in capsys.readouterr().err
    both = ["run", str(job), "--out", str(out), "--workers", "2", "--cluster", "tcp://x:1"]
    assert main(both) == 2
    assert not out.exists()
