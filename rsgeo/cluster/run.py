"""Run a job on a Dask cluster: partitions on the workers, one ending on the client.

:func:`run_job_on_cluster` is ``rsgeo run JOB --workers N`` (a
:class:`distributed.LocalCluster`) and ``--cluster ADDRESS`` (a running
scheduler):

1. the client reads the patches, townships and county as a single run does
   (:func:`rsgeo.pipeline.prepare_inputs` without the reference layers) and
   cuts the patches into partitions (:func:`rsgeo.cluster.partition.plan_partitions`);
2. one task per partition reads the layer features its patches touch and runs
   the pipeline's overlay stage (:func:`rsgeo.cluster.task.run_partition`);
3. the client puts the pieces and per-patch tables back in the job's patch
   order and ends the run in :func:`rsgeo.pipeline.finish_run`: classes,
   determinations, statistics, lists, review and every output come from the
   code of the single run, on the whole province's tables, so each figure
   has one formula (a province total is the total row of
   :func:`rsgeo.stats.township.township_stats`, not a sum of county sums).

Faults: a worker that dies takes its tasks with it; the scheduler runs them
again elsewhere (up to :attr:`~rsgeo.options.ClusterOptions.allowed_failures`
times), and the figures are those of an undisturbed run. A partition whose
task raises (bad inputs of one county) is reported by name in ``run.json``
and the run's summary, and the other partitions finish: the patches of the
job = the patches of the outputs + the patches reported.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from rsgeo.cluster.county_run import CountyRun, quiet_graph_size
from rsgeo.cluster.county_workbook import write_county_workbook
from rsgeo.cluster.partition import (
    BadPartition,
    Partition,
    county_codes,
    plan_partitions,
)
from rsgeo.cluster.task import PartitionResult, PartitionTask, run_partition
from rsgeo.errors import InputError
from rsgeo.io.windowed import read_layer_near
from rsgeo.job import Job
from rsgeo.options import LOCAL_CLUSTER_DASK_CONFIG, MAP_LAYER_KEYS
from rsgeo.outputs.folder import check_out_dir, stage_outputs
from rsgeo.pipeline import (
    MANAGED_OUTPUTS,
    JobResult,
    Overlaid,
    file_sha256,
    finish_run,
    layer_attributes,
    prepare_inputs,
    stage_steps,
    to_working_crs,
)
from rsgeo.schema.labels import COUNTY_LABELS
from rsgeo.schema.messages import STEPS
from rsgeo.schema.military import is_military, redact_ids, redacting

__all__ = ["ClusterJobResult", "cluster_client", "run_job_on_cluster"]

INSTALL_HINT = "pip install 'rsgeo[cluster]'"


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as err:  # pragma: no cover - the cluster extra is installed in CI
        raise InputError(f"running on a cluster needs dask.distributed: {INSTALL_HINT}") from err
    return distributed


@dataclass
class ClusterJobResult:
    """A job run on a cluster: the single run's :class:`~rsgeo.pipeline.JobResult`, and
    how the partitions went.

    Attributes
    ----------
    job_result : JobResult
        The tables and outputs (the patches of the partitions that finished).
    partitions : list of dict
        Per partition that finished: ``key``, ``county_code``, ``county_name``,
        ``wall_s`` (reading, overlay), ``cpu_s``, ``peak_rss_mb`` and ``pid``
        of the worker process. No patch count: a county's count beside its
        ordinary figures would tell its sealed patches.
    reported : list of BadPartition
        Partitions not run or failed, by name, with their ordinary patches.
    sealed_reported : int
        Sealed (military) patches of those partitions: one province-wide
        count, never by county.
    patches_in : int
        Patches of the job.
    county_stats : DataFrame or None
        The statistics by county (:func:`rsgeo.cluster.counties.county_stats`),
        the province total row included.
    county_tasks : list of dict
        Per county whose maps and dossiers a worker drew: ``county_code``,
        ``wall_s``, ``cpu_s``, ``peak_rss_mb`` and ``pid`` of the worker process.
    """

    job_result: JobResult
    partitions: list[dict[str, Any]] = field(default_factory=list)
    reported: list[BadPartition] = field(default_factory=list)
    sealed_reported: int = 0
    patches_in: int = 0
    county_stats: pd.DataFrame | None = None
    county_tasks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def patches_out(self) -> int:
        """Patches in the outputs (the per-patch table, sealed ones included)."""
        return len(self.job_result.result)

    def summary(self) -> str:
        """The single run's summary, then the partitions and what was reported."""
        lines = [self.job_result.summary()]
        n_rep = sum(b.n_patches for b in self.reported) + self.sealed_reported
        lines.append(
            f"  partitions: {len(self.partitions)} finished, {len(self.reported)} reported; "
            f"patches in {self.patches_in} = out {self.patches_out} + reported {n_rep}"
        )
        for bad in self.reported:
            lines.append(
                f"    reported: {bad.name or bad.key} ({bad.n_patches} patches): {bad.reason}"
            )
        return "\n".join(lines)


@contextlib.contextmanager
def cluster_client(
    *,
    workers: int | None = None,
    address: str | None = None,
    memory_limit: str | float | None = None,
    allowed_failures: int = 3,
) -> Iterator[Any]:
    """A ``distributed.Client``: on a scheduler at ``address``, or on a new LocalCluster.

    Parameters
    ----------
    workers : int, optional
        Worker processes of the LocalCluster (one thread each).
    address : str, optional
        A running scheduler (``tcp://host:8786``); its own retry setting applies.
    memory_limit : str or float, optional
        Per worker of the LocalCluster (``"2GB"``); by default dask's share of
        the machine's memory.
    allowed_failures : int, default 3
        How often the LocalCluster's scheduler runs a task again after its worker died.

    Notes
    -----
    The LocalCluster runs with :data:`rsgeo.options.LOCAL_CLUSTER_DASK_CONFIG`
    (dask's sampling profiler off, the event loops' lateness check once a
    second); a running scheduler and its workers keep their own settings.
    """
    distributed = _distributed()
    import dask

    if (workers is None) == (address is None):
        raise InputError("give either workers (a LocalCluster) or address (a running scheduler)")
    if address is not None:
        with distributed.Client(address) as client:
            yield client
        return
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers must be a whole number >= 1, got {workers!r}")
    settings = {
        **LOCAL_CLUSTER_DASK_CONFIG,
        "distributed.scheduler.allowed-failures": allowed_failures,
    }
    with dask.config.set(settings):  # the nannies hand them to their workers
        cluster = distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=memory_limit if memory_limit is not None else "auto",
            dashboard_address=":0",  # a free port: never a clash with another run
        )
        try:
            with distributed.Client(cluster) as client:
                yield client
        finally:
            cluster.close()


def run_job_on_cluster(
    job: Job,
    out_dir: str | Path,
    *,
    client: Any = None,
    workers: int | None = None,
    address: str | None = None,
    memory_limit: str | float | None = None,
    overwrite: bool = False,
    progress: bool = True,
) -> ClusterJobResult:
    """Run a job with its overlay cut into partitions on a Dask cluster.

    Parameters
    ----------
    job : Job
        From :func:`rsgeo.job.load_job`; ``job.cluster`` says how to partition.
    out_dir : str or Path
        Output folder, as for :func:`rsgeo.pipeline.run_job`.
    client : distributed.Client, optional
        A client to use (left open); else one is made from ``workers`` or
        ``address`` (:func:`cluster_client`) and closed at the end.
    workers, address, memory_limit
        See :func:`cluster_client`.
    overwrite, progress
        As for :func:`rsgeo.pipeline.run_job`.

    Returns
    -------
    ClusterJobResult
    """
    if client is None:
        with cluster_client(
            workers=workers,
            address=address,
            memory_limit=memory_limit,
            allowed_failures=job.cluster.allowed_failures,
        ) as made:
            return run_job_on_cluster(
                job, out_dir, client=made, overwrite=overwrite, progress=progress
            )
    out = Path(out_dir)
    own = (*MANAGED_OUTPUTS, "dossiers", COUNTY_LABELS["workbook"])
    cleaned = check_out_dir(out, overwrite=overwrite, own_names=own)
    reuse = ("dossiers",) if job.outputs["dossiers"] else ()
    with stage_outputs(out, overwrite=overwrite, reuse=reuse) as staging:
        clock, step = stage_steps(progress)
        for note in cleaned:
            if progress:
                print(f"rsgeo: {note}", file=sys.stderr)
        step("reading")
        patches, _, townships, county, provenance = prepare_inputs(
            job, progress=progress, layers=False
        )
        parts, bad = plan_partitions(patches, townships, options=job.cluster)
        # a township naming no county is reported with its patches and left out: a
        # neighbour's patch reaching into it counts that part outside every township
        townships = townships.loc[county_codes(townships).to_numpy() != ""]
        step(
            "cluster_overlay",
            patches=len(patches),
            partitions=len(parts),
            layers=len(job.layers),
        )
        done, failed = _run_partitions(client, job, patches, townships, parts, progress=progress)
        bad += failed
        if not done:
            raise InputError(
                "no partition finished: " + "; ".join(f"{b.name or b.key}: {b.reason}" for b in bad)
            )
        military = is_military(patches).to_numpy()
        reported_ids = set(patches.index) - {i for r in done for i in r.result.index}
        rows = np.asarray([i in reported_ids for i in patches.index], dtype=bool)
        sealed_reported = int((rows & military).sum())
        bad = _ordinary_counts(bad, parts, patches.index[rows & ~military])
        kept = patches.loc[~rows]
        pieces, result = _combine(done, kept)
        layers = _map_layers(job, kept, step, progress)
        by_key = {p.key: p for p in parts}
        records = [
            {
                "key": r.key,
                "county_code": by_key[r.key].county_code,
                "county_name": by_key[r.key].county_name,
                "wall_s": {k: round(v, 3) for k, v in r.wall_s.items()},
                "cpu_s": round(r.cpu_s, 3),
                "peak_rss_mb": None if r.peak_rss_mb is None else round(r.peak_rss_mb, 1),
                "pid": r.pid,
            }
            for r in done
        ]
        _note_layers(provenance, job, done)
        provenance["cluster"] = {
            "scheduler": str(getattr(client, "scheduler", {}) and client.scheduler.address),
            "options": job.cluster.as_dict(),
            "patches_in": len(patches),
            "patches_out": len(kept),
            "patches_reported": int(rows.sum()),
            "sealed_reported": sealed_reported,
            "partitions": records,
            "reported": [b.as_dict() for b in bad],
        }
        overlaid = Overlaid(kept, layers, townships, county, provenance, pieces, result)
        # maps and dossiers are written by county below, never one page for the province:
        # handed to the workers as soon as the tables are made, drawn while this writes
        counties_run = CountyRun(
            client,
            parts,
            staging.path,
            dossier_counties=job.cluster.dossier_counties,
            want=job.outputs,
            overwrite=overwrite,
            progress=progress,
        )
        by_county = dict.fromkeys(("county_map", "field_maps", "dossiers"), False)
        try:
            jr = finish_run(
                dataclasses.replace(job, outputs={**job.outputs, **by_county}),
                overlaid,
                staging,
                out=out,
                clock=clock,
                step=step,
                overwrite=overwrite,
                progress=progress,
                announce_move=False,
                before_writers=counties_run.start,
            )
            step("county_outputs")  # after run.json: in the stage table, not in run.json
            assert counties_run.stats is not None  # made by start, before the writers
            counties = counties_run.stats
            sealed = set(jr.result.index[is_military(jr.result).to_numpy()].astype(str))
            with redacting(sealed):  # as in finish_run: no sealed id in a county's error
                _write_county_tables(jr, staging.path, counties, overwrite=overwrite)
                jr.outputs.update(counties_run.wait())
        except BaseException:
            counties_run.cancel()
            raise
        clock.stop()  # as in a single run: moving the outputs in is not timed
        step("moving", out=out)
    jr.out_dir = out
    jr.outputs = {k: staging.final(v) for k, v in jr.outputs.items()}
    return ClusterJobResult(
        jr, records, bad, sealed_reported, len(patches), counties, counties_run.records
    )


def _write_county_tables(
    jr: JobResult, folder: Path, stats: pd.DataFrame, *, overwrite: bool
) -> None:
    """分县统计.xlsx and csv/county_stats.csv when the job writes the workbook and the
    CSV tables (written into the staging folder, before the move)."""
    from rsgeo.outputs.csv_tables import write_csv

    want = jr.job.outputs
    if want["workbook"]:
        jr.outputs["county_workbook"] = write_county_workbook(
            folder / COUNTY_LABELS["workbook"], stats, jr.stats, overwrite=overwrite
        )
    if want["csv"]:
        (folder / "csv").mkdir(exist_ok=True)
        jr.outputs["csv_county_stats"] = write_csv(
            folder / "csv" / "county_stats.csv", stats, overwrite=overwrite
        )


def _run_partitions(
    client: Any,
    job: Job,
    patches: gpd.GeoDataFrame,
    townships: gpd.GeoDataFrame,
    parts: list[Partition],
    *,
    progress: bool,
) -> tuple[list[PartitionResult], list[BadPartition]]:
    """Submit one task per partition; the results in plan order, and the partitions that failed."""
    distributed = _distributed()
    towns = client.scatter(townships, broadcast=True, hash=False)
    working = patches.crs.to_wkt()
    attributes = layer_attributes(job)
    run_id = uuid.uuid4().hex[:8]
    futures = {}
    with quiet_graph_size():  # each task carries its patches: it can run again elsewhere
        for part in parts:
            task = PartitionTask(
                partition=part,
                patches=patches.loc[list(part.patch_ids)],
                layers=dict(job.layers),
                attributes=attributes,
                working_crs=working,
            )
            fut = client.submit(
                run_partition, task, towns, key=f"rsgeo-{run_id}-{part.key}", pure=False
            )
            futures[fut.key] = (fut, part)
    results: dict[str, PartitionResult] = {}
    failed: list[BadPartition] = []
    completed = distributed.as_completed([f for f, _ in futures.values()])
    for n, fut in enumerate(completed, start=1):
        part = futures[fut.key][1]
        if fut.status == "finished":
            res = fut.result()
            results[part.key] = res
            for text in res.warnings:
                print(f"rsgeo: {part.label}: {text}", file=sys.stderr)
            if progress:  # the ordinary patches only (docs/sealed.md)
                n_ordinary = len(part.patch_ids) - len(_sealed_ids(patches, part))
                line = STEPS["partition_done"].format(
                    done=n, total=len(parts), label=part.label, patches=n_ordinary
                )
                print(f"rsgeo: {line}", file=sys.stderr)
        else:
            err = fut.exception()
            sealed = _sealed_ids(patches, part)
            reason = redact_ids(f"{type(err).__name__}: {err}", sealed)
            failed.append(
                BadPartition(part.key, part.label, len(part.patch_ids), reason, part.patch_ids)
            )
            if progress:
                line = STEPS["partition_failed"].format(
                    done=n, total=len(parts), label=part.label, reason=reason
                )
                print(f"rsgeo: {line}", file=sys.stderr)
        fut.release()
    return [results[p.key] for p in parts if p.key in results], failed


def _sealed_ids(patches: gpd.GeoDataFrame, part: Partition) -> list[str]:
    sub = patches.loc[list(part.patch_ids)]
    return [str(i) for i in sub.index[is_military(sub).to_numpy()]]


def _ordinary_counts(
    bad: list[BadPartition], parts: list[Partition], ordinary: pd.Index
) -> list[BadPartition]:
    """Each reported partition with its count of ordinary patches (sealed ones are counted
    once for the province, never by county)."""
    keep = set(map(str, ordinary))
    members = {p.key: p.patch_ids for p in parts}
    out = []
    for b in bad:
        ids = b.patch_ids or members.get(b.key, ())
        n = sum(1 for i in ids if i in keep)
        out.append(BadPartition(b.key, b.name, n, b.reason, ids))
    return out


def _combine(
    done: list[PartitionResult], kept: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The partitions' pieces and per-patch tables as one, in the job's patch order."""
    result = pd.concat([r.result for r in done])
    result = result.loc[kept.index]
    result.attrs = dict(done[0].result.attrs)
    pieces = pd.concat([r.pieces for r in done])
    pos = pd.Index(kept.index).get_indexer(pieces.index.get_level_values(0))
    pieces = pieces.iloc[np.argsort(pos, kind="stable")]
    pieces.attrs = dict(done[0].pieces.attrs)
    return pieces, result


def _map_layers(
    job: Job, kept: gpd.GeoDataFrame, step: Any, progress: bool
) -> dict[str, gpd.GeoDataFrame]:
    """The layers the maps draw, near the patches (only when maps are written)."""
    keys = [k for k in MAP_LAYER_KEYS if k in job.layers]
    if not keys or not (job.outputs["county_map"] or job.outputs["field_maps"]):
        return {}
    step("map_layers")
    out = {}
    for key in keys:
        src = job.layers[key]
        gdf, _ = read_layer_near(kept, src.path, **src.read_kwargs())
        out[key] = to_working_crs(gdf, kept.crs, src)
    return out


def _note_layers(provenance: dict[str, Any], job: Job, done: list[PartitionResult]) -> None:
    """What each reference layer was, and how much of it the partitions read."""
    for key, src in job.layers.items():
        reads = [r.reads[key] for r in done if key in r.reads]
        provenance["inputs"].append(
            {
                "role": f"layers.{key}",
                "path": str(src.path),
                "sha256": file_sha256(src.path),
                "features": sum(int(r["features_read"]) for r in reads),
                "read": {
                    "mode": "by partition",
                    "features_in_file": reads[0]["features_in_file"] if reads else None,
                    "partitions_touched": sum(r["mode"] == "touched" for r in reads),
                    "partitions_whole": sum(r["mode"] == "whole" for r in reads),
                },
            }
        )
