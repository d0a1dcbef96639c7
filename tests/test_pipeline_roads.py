"""One road: the library calls and ``rsgeo run`` give the same figures.

The library road is the README's: read the sample, overlay, classify, apply
the determinations, compute the statistics, with every option left at its
default. The job road is :func:`rsgeo.pipeline.run_job` on the bundled job
file restricted to the same batches. Every column of the township statistics
must agree exactly. A second test changes every threshold in a job and looks
for it in every output that prints it.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sheet_tables

import rsgeo
from rsgeo.job import OUTPUT_KINDS, load_job
from rsgeo.options import CriteriaThresholds
from rsgeo.pipeline import run_job


def _job_for(quarters: tuple[str, ...], **outputs: bool):  # type: ignore[no-untyped-def]
    job = load_job(rsgeo.sample_path("rongshui_2020.toml"))
    return dataclasses.replace(
        job,
        patches=tuple(p for p in job.patches if p.batch in quarters),
        determinations=tuple(
            d for d in job.determinations if d.path.name.split("_")[0] in quarters
        ),
        outputs={k: outputs.get(k, False) for k in OUTPUT_KINDS},
    )


def _library_road(quarters: tuple[str, ...]) -> pd.DataFrame:
    s = rsgeo.load_sample(quarters=list(quarters))
    working = rsgeo.choose_gk_crs(s.patches[quarters[0]])
    patches = rsgeo.combine_batches({q: s.patches[q].to_crs(working) for q in quarters})
    layers = {k: v.to_crs(working) for k, v in s.layers.items()}
    townships = s.townships.to_crs(working)
    pieces = rsgeo.overlay_pieces(patches, layers, townships=townships)
    result = rsgeo.classify(rsgeo.patches_from_pieces(pieces, patches))
    determinations = pd.concat([s.determinations[q] for q in quarters])
    determinations = determinations[~determinations.index.duplicated(keep="last")]
    result = rsgeo.apply_determinations(result, determinations)
    return rsgeo.township_stats(result, pieces, townships=townships)


@pytest.mark.slow
@pytest.mark.parametrize(
    "quarters",
    [("2020Q3",), ("2020Q1", "2020Q2", "2020Q3", "2020Q4")],
    ids=["one batch", "all four"],
)
def test_library_calls_and_rsgeo_run_give_identical_statistics(
    tmp_path: Path, quarters: tuple[str, ...]
) -> None:
    job = _job_for(quarters)
    ran = run_job(job, tmp_path / "out", progress=False)
    library = _library_road(quarters)
    assert len(ran.result) == len(
        rsgeo.combine_batches(
            {
                q: rsgeo.load_sample(quarters=[q], determinations=False).patches[q].to_crs(4545)
                for q in quarters
            }
        )
    )
    pd.testing.assert_frame_equal(library, ran.stats, check_exact=True)
    # the figures are not trivially equal: illegal farmland exists and differs by township
    towns = rsgeo.stats.township.township_rows(library)
    assert towns["illegal_farmland_after_deductions_m2"].nunique() > 3


def test_a_jobs_thresholds_reach_every_output(tmp_path: Path) -> None:
    job = _job_for(("2020Q3",), workbook=True, csv=True, county_map=True)
    changed = CriteriaThresholds(ratio_min=0.2, illegal_farmland_min_mu=80.0)
    job = dataclasses.replace(job, criteria=changed)
    out = tmp_path / "out"
    ran = run_job(job, out, progress=False)
    # the statistics used them: criterion 1 recomputed by hand from the unrounded figures
    towns = rsgeo.stats.township.township_rows(ran.stats)
    mu = towns["illegal_farmland_after_deductions_m2"] / (10000.0 / 15.0)
    by_hand = (towns["illegal_farmland_ratio"] >= 0.2) & (mu > 80.0)
    assert towns["criterion_1"].astype(bool).tolist() == by_hand.tolist()
    # the workbook's notes print them
    wb = openpyxl.load_workbook(out / "统计报表.xlsx")
    notes = {r[0]: r[1] for r in sheet_tables.table_rows(wb["说明"])[1:]}
    assert "≥ 20%" in notes["问责标准一"] and "> 80 亩" in notes["问责标准一"]
    assert "15" not in notes["问责标准一"]
    # the county map's legend prints the same criterion 1
    page = (out / "maps" / "county_map.html").read_text(encoding="utf-8")
    page = page.replace("\\u003e", ">")  # as the page's JSON writes it
    assert "违法占用耕地比例 ≥ 20% 且违法占用耕地面积 > 80 亩" in page
    assert "≥ 15%" not in page and "100 亩" not in page
    # run.json records them
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["options"]["criteria"]["ratio_min"] == 0.2
    assert run["options"]["criteria"]["illegal_farmland_min_mu"] == 80.0
