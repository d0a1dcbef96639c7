"""The whole job on a LocalCluster, timed: the benchmark's hook.

:func:`time_job_on_local_cluster` runs a job as ``rsgeo run --workers N``
does and returns what a benchmark reports: the client's stage times
(:class:`rsgeo.stage_clock.StageClock`), each partition's reading and overlay
times, CPU seconds and worker peak memory, the peak memory of each worker
process, and a projection of the overlay stage to other worker counts from
the partitions' own times (:func:`projected_wall_s`).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rsgeo.cluster.run import cluster_client, run_job_on_cluster
from rsgeo.cluster.task import process_peak_mb
from rsgeo.job import Job, load_job

__all__ = ["projected_wall_s", "time_job_on_local_cluster"]


def projected_wall_s(task_s: Sequence[float], workers: int) -> float:
    """The wall time of tasks of the given durations on ``workers`` workers.

    Longest first, each to the worker free first (LPT scheduling, within 4/3
    of the best order); no transfer or scheduling cost is counted.

    >>> projected_wall_s([4, 3, 3, 2], 2), projected_wall_s([4, 3, 3, 2], 1)
    (6.0, 12.0)
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    free = [0.0] * workers
    for t in sorted((float(t) for t in task_s), reverse=True):
        heapq.heappush(free, heapq.heappop(free) + t)
    return max(free)


def time_job_on_local_cluster(
    job: Job | str | Path,
    out_dir: str | Path,
    *,
    workers: int = 2,
    memory_limit: str | float | None = None,
    overwrite: bool = True,
    project_to: Sequence[int] = (1, 2, 4, 8, 16, 32),
) -> dict[str, Any]:
    """Run the whole job on a new LocalCluster and time it.

    Parameters
    ----------
    job : Job or path
        The job, or its job file.
    out_dir : str or Path
        Output folder.
    workers : int, default 2
        Worker processes (one thread each).
    memory_limit : str or float, optional
        Per worker (``"4GB"``).
    overwrite : bool, default True
        Replace the outputs of an earlier run.
    project_to : sequence of int
        Worker counts to project the overlay stage to.

    Returns
    -------
    dict
        ``wall_s`` (the whole run, cluster start included), ``stages`` (the
        client's stage records: ``stage``, ``wall_s``, ``cpu_s`` of the
        client process, ``peak_rss_mb``), ``partitions`` (per partition:
        ``key``, ``county_code``, ``wall_s`` {reading, overlay}, ``cpu_s``,
        ``peak_rss_mb`` of its worker process so far, ``pid``), ``county_tasks``
        (the same for each county's maps and dossiers drawn by a worker),
        ``worker_peak_rss_mb`` (per worker process id, the largest seen),
        ``client_peak_rss_mb``, ``patches_in``, ``patches_out``,
        ``reported`` and ``projected_overlay_s`` (workers → seconds).
    """
    loaded = job if isinstance(job, Job) else load_job(job)
    t0 = time.perf_counter()
    with cluster_client(
        workers=workers,
        memory_limit=memory_limit,
        allowed_failures=loaded.cluster.allowed_failures,
    ) as client:
        run = run_job_on_cluster(
            loaded, out_dir, client=client, overwrite=overwrite, progress=False
        )
        live = client.run(process_peak_mb)  # the workers alive at the end, by address
        pids = client.run(_pid)
    wall = time.perf_counter() - t0
    peaks: dict[int, float] = {}
    for rec in run.partitions:
        if rec["peak_rss_mb"] is not None:
            peaks[rec["pid"]] = max(peaks.get(rec["pid"], 0.0), float(rec["peak_rss_mb"]))
    for rec in run.county_tasks:
        if rec["peak_rss_mb"] is not None:
            peaks[rec["pid"]] = max(peaks.get(rec["pid"], 0.0), float(rec["peak_rss_mb"]))
    for addr, mb in live.items():
        if mb is not None:
            pid = int(pids[addr])
            peaks[pid] = max(peaks.get(pid, 0.0), float(mb))
    task_s = [sum(rec["wall_s"].values()) for rec in run.partitions]
    timings = run.job_result.timings
    return {
        "wall_s": round(wall, 3),
        "workers": workers,
        "stages": [] if timings is None else timings.as_records(),
        "partitions": run.partitions,
        "county_tasks": run.county_tasks,
        "worker_peak_rss_mb": {str(k): round(v, 1) for k, v in sorted(peaks.items())},
        "client_peak_rss_mb": process_peak_mb(),
        "patches_in": run.patches_in,
        "patches_out": run.patches_out,
        "reported": [b.as_dict() for b in run.reported],
        "projected_overlay_s": {n: round(projected_wall_s(task_s, n), 3) for n in project_to},
    }


def _pid() -> int:
    import os

    return os.getpid()
