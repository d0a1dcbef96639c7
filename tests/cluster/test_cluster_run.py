"""The job on a LocalCluster gives the figures of the single-process run."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from cluster_province import N_COUNTIES, REL, assert_same_figures, write_job

from rsgeo.cluster import plan_partitions, run_job_on_cluster, time_job_on_local_cluster
from rsgeo.job import load_job
from rsgeo.options import ClusterOptions
from rsgeo.pipeline import JobResult


def test_partitions_follow_the_county_codes(province_folder: Path) -> None:
    patches = gpd.read_file(province_folder / "patches.gpkg").set_index("patch_id")
    towns = gpd.read_file(province_folder / "townships.gpkg")
    parts, bad = plan_partitions(patches, towns, options=ClusterOptions())
    assert bad == [] and len(parts) == N_COUNTIES
    assert sorted(i for p in parts for i in p.patch_ids) == sorted(patches.index)
    # the reference: each patch's county from a spatial join of its inside point (GeoPandas)
    points = gpd.GeoDataFrame(geometry=patches.representative_point(), index=patches.index)
    joined = gpd.sjoin(points, towns, predicate="within").groupby(level=0).first()
    for p in parts:
        assert set(joined.loc[list(p.patch_ids), "county_code"]) == {p.county_code}
        assert (
            p.county_name == towns.loc[towns["county_code"] == p.county_code, "county_name"].iloc[0]
        )
    # a budget cuts the counties into tiles of at most that many patches, each compact
    tiles, _ = plan_partitions(patches, towns, options=ClusterOptions(max_patches=40))
    assert max(len(t.patch_ids) for t in tiles) <= 40 and len(tiles) > N_COUNTIES
    assert sorted(i for p in tiles for i in p.patch_ids) == sorted(patches.index)
    assert {t.county_code for t in tiles} == {p.county_code for p in parts}
    # tiles regardless of counties
    free, _ = plan_partitions(
        patches, towns, options=ClusterOptions(partition_by="tile", max_patches=150)
    )
    assert [len(t.patch_ids) for t in free] == [134, 133, 133]
    assert sorted(i for p in free for i in p.patch_ids) == sorted(patches.index)
    assert {t.county_code for t in free} == {""}


def test_the_cluster_run_gives_the_single_run_figures(
    province_folder: Path, single_run: JobResult, client: Any
) -> None:
    job = load_job(write_job(province_folder, cluster={"max_patches": 60}, name="cluster"))
    out = province_folder / "out_cluster"
    run = run_job_on_cluster(job, out, client=client, progress=False)
    assert len(run.partitions) > N_COUNTIES  # counties cut into tiles
    assert run.reported == [] and run.patches_in == run.patches_out == len(single_run.result)
    assert_same_figures(run.job_result, single_run)
    # the CSV tables written by the two runs, read back: the same figures
    for name in ("township_stats.csv", "patches.csv"):
        a = pd.read_csv(out / "csv" / name)
        b = pd.read_csv(province_folder / "out_single" / "csv" / name)
        pd.testing.assert_frame_equal(a, b, rtol=REL, check_exact=False)
    # the statistics by county, in the CSV tables: a row per county and the province's
    counties = pd.read_csv(out / "csv" / "county_stats.csv", dtype={"township_code": str})
    assert len(counties) == N_COUNTIES + 1
    assert run.county_stats is not None
    assert counties["n_patches"].tolist() == run.county_stats["n_patches"].tolist()
    run_json = json.loads((out / "run.json").read_text(encoding="utf-8"))
    cluster = run_json["cluster"]
    assert cluster["patches_in"] == cluster["patches_out"]
    assert cluster["patches_reported"] == 0 and cluster["reported"] == []
    assert {p["key"] for p in cluster["partitions"]} == {p["key"] for p in run.partitions}
    # each task read only part of the farmland: the features its patches' boxes meet
    n_farmland = pyogrio.read_info(province_folder / "farmland.gpkg")["features"]
    farm = next(i for i in run_json["inputs"] if i["role"] == "layers.farmland")
    assert farm["read"]["partitions_touched"] == len(cluster["partitions"])
    assert farm["read"]["features_in_file"] == n_farmland
    # the workers did the overlay: more than one worker process ran partitions
    assert len({p["pid"] for p in cluster["partitions"]}) == 2
    # each left what it had imported out of the collector's full searches
    import gc

    assert all(n > 10_000 for n in client.run(gc.get_freeze_count).values())
    # and took no stack samples for dask's profile page while the partitions ran
    assert client.profile()["count"] == 0
    ticks = client.run(lambda: __import__("dask").config.get("distributed.admin.tick.interval"))
    assert set(ticks.values()) == {"1s"}


def test_the_timing_hook_reports_stages_partitions_and_worker_memory(
    province_folder: Path, single_run: JobResult
) -> None:
    job = write_job(province_folder, cluster={"max_patches": 100}, name="timed")
    # the client has held 1 GB: a worker's peak is its own, not carried over from the
    # process that started it (ru_maxrss would carry it over on Linux)
    block = np.ones(1 << 27)  # 1 GiB, touched
    del block
    report = time_job_on_local_cluster(job, province_folder / "out_timed", workers=2)
    stages = [s["stage"] for s in report["stages"]]
    assert stages[:2] == ["reading", "cluster_overlay"] and "stats" in stages
    assert stages[-1] == "county_outputs"
    assert report["patches_in"] == report["patches_out"] == len(single_run.result)
    # the workers' peaks are those of the two worker processes, not the client's
    pids = {str(p["pid"]) for p in report["partitions"]}
    assert pids <= set(report["worker_peak_rss_mb"]) and str(os.getpid()) not in pids
    assert all(0 < mb < 900 for mb in report["worker_peak_rss_mb"].values())
    # the projection: one worker runs the partitions one after the other
    task_s = [sum(p["wall_s"].values()) for p in report["partitions"]]
    assert report["projected_overlay_s"][1] == pytest.approx(sum(task_s), abs=0.01)
    assert report["projected_overlay_s"][32] == pytest.approx(max(task_s), abs=0.01)
