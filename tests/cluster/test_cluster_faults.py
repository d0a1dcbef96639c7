"""Faults on a cluster: a worker killed mid-run, a county whose inputs are bad."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from cluster_province import assert_same_figures, write_job

from rsgeo.cluster import cluster_client, run_job_on_cluster
from rsgeo.job import load_job
from rsgeo.pipeline import JobResult


class Killer(threading.Thread):
    """Kills (SIGKILL) the process of a worker as soon as it runs a partition."""

    def __init__(self, address: str) -> None:
        super().__init__(daemon=True)
        self.address = address
        self.killed: tuple[int, list[str]] | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        from distributed import Client

        try:
            with Client(self.address) as c:
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    for worker, keys in c.processing().items():
                        mine = [str(k) for k in keys if str(k).startswith("rsgeo-")]
                        if mine:
                            pid = c.run(os.getpid, workers=[worker])[worker]
                            os.kill(pid, signal.SIGKILL)
                            self.killed = (pid, mine)
                            return
                    time.sleep(0.01)
        except BaseException as err:  # shown by the test
            self.error = err


def _dead(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_worker_killed_mid_run_changes_no_figure(
    province_folder: Path, single_run: JobResult
) -> None:
    job = load_job(write_job(province_folder, cluster={"max_patches": 50}, name="kill"))
    with cluster_client(workers=2, memory_limit="1GB") as client:
        killer = Killer(client.scheduler.address)
        killer.start()
        run = run_job_on_cluster(job, province_folder / "out_kill", client=client, progress=False)
        killer.join(timeout=10)
    assert killer.error is None and killer.killed is not None, "no worker was killed"
    pid, keys = killer.killed
    assert _dead(pid)
    # the partitions the dead worker was running were run again, by another process
    ran_by = {p["key"]: p["pid"] for p in run.partitions}
    for key in keys:
        assert ran_by[key.split("-", 2)[2]] != pid
    assert run.reported == [] and run.patches_in == run.patches_out
    assert_same_figures(run.job_result, single_run)


def test_a_partition_whose_worker_keeps_dying_is_reported_and_the_others_finish(
    province_folder: Path,
) -> None:
    job = load_job(write_job(province_folder, cluster={"max_patches": 50}, name="dying"))
    # no retry: the partition killed with its worker is given up, like one that is
    # killed each time for memory
    with cluster_client(workers=2, memory_limit="1GB", allowed_failures=0) as client:
        killer = Killer(client.scheduler.address)
        killer.start()
        run = run_job_on_cluster(job, province_folder / "out_dying", client=client, progress=False)
        killer.join(timeout=10)
    assert killer.killed is not None
    reported = {b.key for b in run.reported}
    # the partition seen running on the killed worker is reported (with any other the
    # worker held), the others finished
    assert {k.split("-", 2)[2] for k in killer.killed[1]} <= reported
    assert len(run.partitions) >= 4 and not reported & {p["key"] for p in run.partitions}
    assert all("KilledWorker" in b.reason for b in run.reported)
    n_reported = sum(b.n_patches for b in run.reported) + run.sealed_reported
    assert run.patches_in == run.patches_out + n_reported
    assert n_reported > 0 and run.patches_out > 0


N_SEALED = 2


@pytest.fixture()
def bad_township_folder(province_folder: Path, tmp_path: Path) -> tuple[Path, str, int, list[str]]:
    """The province with one township's code erased: its name, the count of its patches
    and the ids of the two of them marked military land (sealed)."""
    for key in ("farmland", "redline"):
        shutil.copy(province_folder / f"{key}.gpkg", tmp_path / f"{key}.gpkg")
    towns = gpd.read_file(province_folder / "townships.gpkg")
    row = 4
    name = str(towns.loc[row, "township_name"])
    towns["township_code"] = towns["township_code"].astype(object)
    towns.loc[row, "township_code"] = None
    towns.to_file(tmp_path / "townships.gpkg", layer="townships", driver="GPKG")
    # the reference count: patches whose inside point lies in that township (GeoPandas)
    patches = gpd.read_file(province_folder / "patches.gpkg")
    inside = patches.representative_point().within(towns.geometry.iloc[row])
    sealed = list(patches.loc[inside, "patch_id"].iloc[:N_SEALED])
    patches["military"] = np.where(patches["patch_id"].isin(sealed), "是", "")
    patches.to_file(tmp_path / "patches.gpkg", layer="patches", driver="GPKG")
    return tmp_path, name, int(inside.sum()), sealed


def test_a_county_with_a_missing_township_code_is_reported_by_name(
    bad_township_folder: tuple[Path, str, int, list[str]], client: Any
) -> None:
    folder, name, n_inside, sealed = bad_township_folder
    assert n_inside > N_SEALED
    job = load_job(write_job(folder, name="missing_code"))
    run = run_job_on_cluster(job, folder / "out", client=client, progress=False)
    assert [b.name for b in run.reported] == [name]
    # the township's ordinary patches by name; its sealed ones only in a province count
    assert run.reported[0].n_patches == n_inside - N_SEALED
    assert run.sealed_reported == N_SEALED
    assert run.patches_in == run.patches_out + n_inside
    assert name in run.summary()
    text = (folder / "out" / "run.json").read_text(encoding="utf-8")
    assert name in text and not any(i in text for i in sealed)
    # the other counties finished
    assert len({p["county_code"] for p in run.partitions}) == 4
