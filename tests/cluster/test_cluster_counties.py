"""Province statistics by county, and the workbook by county and township."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from cluster_province import N_COUNTIES, REL

from rsgeo.cluster.counties import county_stats
from rsgeo.cluster.county_workbook import write_county_workbook
from rsgeo.pipeline import JobResult
from rsgeo.schema.labels import COUNTY_LABELS, TOTAL_ROW_NAME
from rsgeo.stats.township import township_rows


@pytest.fixture(scope="module")
def counties(single_run: JobResult) -> pd.DataFrame:
    jr = single_run
    return county_stats(
        jr.result,
        jr.pieces,
        townships=jr.townships,
        options=jr.job.statistics,
        thresholds=jr.job.criteria,
        figures=jr.figures,
    )


def test_county_rows_hold_their_townships_and_the_total_is_the_province(
    single_run: JobResult, counties: pd.DataFrame
) -> None:
    towns = township_rows(single_run.stats)
    assert len(township_rows(counties)) == N_COUNTIES
    # areas: the sum of the county's township rows (summed here, another way)
    areas = [c for c in towns.columns if c.endswith("_m2")]
    by_county = towns[areas].groupby(towns.index.astype(str).str[:6]).sum(min_count=1)
    got = counties.loc[by_county.index, areas].astype(float)
    np.testing.assert_allclose(got.to_numpy(), by_county.to_numpy(), rtol=REL, atol=1e-6)
    # counts: each patch in the county holding most of its area (from the pieces, here)
    flat = single_run.pieces.reset_index()
    flat = flat[flat["township_code"].astype(str).str.fullmatch(r"\d{9}")]
    share = flat.groupby(["patch_id", flat["township_code"].astype(str).str[:6]])["area_m2"].sum()
    main = share.reset_index().sort_values("area_m2", ascending=False, kind="stable")
    main = main.drop_duplicates("patch_id").set_index("patch_id")["township_code"]
    expected = main.value_counts().reindex(by_county.index, fill_value=0)
    assert counties.loc[by_county.index, "n_patches"].tolist() == expected.tolist()
    # the province row is the township statistics' total row
    num = [c for c in counties.columns if pd.api.types.is_numeric_dtype(counties[c])]
    pd.testing.assert_series_equal(
        counties.loc["total", num].astype(float),
        single_run.stats.loc["total", num].astype(float),
        rtol=REL,
        check_names=False,
    )


def test_the_county_workbook_prints_the_county_and_township_rows(
    single_run: JobResult, counties: pd.DataFrame, tmp_path: Path
) -> None:
    path = write_county_workbook(tmp_path / COUNTY_LABELS["workbook"], counties, single_run.stats)
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames == [COUNTY_LABELS["county_sheet"], COUNTY_LABELS["township_sheet"]]
    rows = [r for r in wb[COUNTY_LABELS["county_sheet"]].iter_rows(values_only=True) if any(r)]
    head = next(i for i, r in enumerate(rows) if r[0] == COUNTY_LABELS["county_code"])
    header, body = rows[head], rows[head + 1 : head + 2 + N_COUNTIES]
    n_col = next(i for i, h in enumerate(header) if str(h).startswith("图斑总数"))
    assert [r[0] for r in body] == [*township_rows(counties).index, TOTAL_ROW_NAME]
    assert [r[n_col] for r in body] == counties["n_patches"].astype(int).tolist()
    towns = [r for r in wb[COUNTY_LABELS["township_sheet"]].iter_rows(values_only=True) if any(r)]
    codes = {str(r[2]) for r in towns if r[2] and str(r[2]).isdigit()}
    assert codes == set(township_rows(single_run.stats).index.astype(str))
    assert all(str(r[0]) == str(r[2])[:6] for r in towns if r[2] and str(r[2]).isdigit())
