"""``rsgeo run`` with the platform's overlay figures: R19 findings in the review record."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from rsgeo.job import JobFileError, load_job
from rsgeo.pipeline import run_job

MU = 10000.0 / 15.0


def test_the_review_record_lists_the_platform_differences(
    small_job: Path, small_run: Path, tmp_path: Path
) -> None:
    patches = pd.read_csv(
        small_run / "csv" / "patches.csv", encoding="utf-8-sig", dtype={"patch_id": str}
    )
    with_farmland = patches.loc[patches["farmland_net_m2"] > 100].reset_index(drop=True)
    assert len(with_farmland) >= 2
    table = pd.DataFrame(
        {
            "监测编号": with_farmland["patch_id"],
            "耕地面积（亩）": (with_farmland["farmland_net_m2"] / MU).round(6),
        }
    )
    off = str(table.loc[0, "监测编号"])
    table.loc[0, "耕地面积（亩）"] += 0.02
    table.to_csv(tmp_path / "套合结果.csv", index=False, encoding="gbk")
    text = small_job.read_text(encoding="utf-8")
    job_file = tmp_path / "job.toml"
    job_file.write_text(
        text.replace(
            "[townships]", '[platform_figures]\npath = "套合结果.csv"\n\n[townships]'
        ).replace(
            'path = "patches.gpkg"', f'path = "{(small_job.parent / "patches.gpkg").as_posix()}"'
        ),
        encoding="utf-8",
    )
    job = load_job(job_file)
    assert job.platform_figures is not None
    only = {k: k == "review" for k in job.outputs}
    ran = run_job(dataclasses.replace(job, outputs=only), tmp_path / "out", progress=False)
    assert ran.review is not None
    r19 = ran.review.findings.loc[ran.review.findings["rule_id"] == "R19"]
    assert r19["patch_id"].tolist() == [off]
    assert "R19" in ran.review.coverage.rules_run
    book = openpyxl.load_workbook(next((tmp_path / "out" / "review").glob("*.xlsx")))
    cells = [str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row]
    assert any(off in c for c in cells)
    assert any("平台" in c and "相差 0.0200 亩" in c for c in cells)


def test_the_job_file_checks_the_platform_table(small_job: Path, tmp_path: Path) -> None:
    text = small_job.read_text(encoding="utf-8").replace(
        'path = "patches.gpkg"', f'path = "{(small_job.parent / "patches.gpkg").as_posix()}"'
    )
    bad = tmp_path / "bad.toml"
    bad.write_text(
        text + '\n[platform_figures]\npath = "none.csv"\nunit = "ha"\nsheet = 1\n', encoding="utf-8"
    )
    with pytest.raises(JobFileError) as err:
        load_job(bad)
    message = str(err.value)
    assert "platform_figures.path: file not found" in message
    assert "platform_figures.unit: must be one of ['mu', 'm2']" in message
    assert "platform_figures.sheet: unknown key" in message
