"""What one Dask task does: read a partition's layer features, overlay its patches.

:func:`run_partition` runs on a worker. It reads each reference layer for the
partition's patches only (:func:`rsgeo.io.windowed.read_layer_near`: from a
GeoPackage, the features whose boxes meet a patch's box), brings them into
the working CRS and runs the pipeline's own overlay stage
(:func:`rsgeo.pipeline.overlay_stage`). It returns the pieces and the
per-patch table of its patches, how each layer was read, and its own time and
memory; the client puts the partitions together and ends the run in
:func:`rsgeo.pipeline.finish_run`, as a single run does.

Everything a task is handed is plain data (no :class:`~rsgeo.job.Job`, whose
option objects hold read-only mappings that do not pickle).
"""

from __future__ import annotations

import gc
import os
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd

from rsgeo.cluster.partition import Partition
from rsgeo.io.windowed import read_layer_near
from rsgeo.job import LayerSource
from rsgeo.pipeline import kept_as_read, overlay_stage, to_working_crs
from rsgeo.schema.military import is_military, redact_ids
from rsgeo.stage_clock import peak_rss_mb

__all__ = ["PartitionResult", "PartitionTask", "process_peak_mb", "run_partition"]


def process_peak_mb() -> float | None:
    """This process's own peak resident memory in MB.

    On Linux the high-water mark of the process's memory (``VmHWM``): unlike
    ``ru_maxrss``, it does not carry over the parent's peak into a worker
    process started by fork and exec. Elsewhere
    :func:`rsgeo.stage_clock.peak_rss_mb`.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return peak_rss_mb()


@dataclass(frozen=True)
class PartitionTask:
    """Everything one task needs: its patches and where the layers are."""

    partition: Partition
    patches: gpd.GeoDataFrame
    layers: dict[str, LayerSource]
    attributes: dict[str, list[str]]
    working_crs: str


@dataclass
class PartitionResult:
    """What a task returns: its pieces and per-patch table, and how it ran."""

    key: str
    pieces: gpd.GeoDataFrame
    result: gpd.GeoDataFrame
    reads: dict[str, dict[str, Any]] = field(default_factory=dict)
    wall_s: dict[str, float] = field(default_factory=dict)
    cpu_s: float = 0.0
    peak_rss_mb: float | None = None
    pid: int = 0
    warnings: list[str] = field(default_factory=list)


_FROZEN = False


def freeze_imports() -> bool:
    """Leave what the process holds now (the modules a task imports: pandas, geopandas,
    numba, pyarrow, dask's worker) out of the garbage collector's full searches, once
    per process; True the first time.

    A worker builds tens of thousands of objects a task, and each full collection
    searched the 100,000 objects of the modules again: about a tenth of a task's CPU
    time on the province of ``benchmarks/bench_cluster.py``. Objects frozen are still
    freed when nothing refers to them; only cycles among them wait for the process to end.
    """
    global _FROZEN
    if _FROZEN:
        return False
    gc.freeze()
    _FROZEN = True
    return True


def run_partition(task: PartitionTask, townships: gpd.GeoDataFrame) -> PartitionResult:
    """Read the layer features a partition's patches touch and overlay them.

    Parameters
    ----------
    task : PartitionTask
    townships : GeoDataFrame
        Every township of the job (scattered to the workers once): a patch on
        a county's border is cut by the townships of both counties.

    Returns
    -------
    PartitionResult
        Warnings raised on the way are returned as text, with sealed
        (military) patch ids replaced (they are shown by the client).
    """
    freeze_imports()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    patches = task.patches
    sealed = [str(i) for i in patches.index[is_military(patches).to_numpy()]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layers: dict[str, gpd.GeoDataFrame] = {}
        reads: dict[str, dict[str, Any]] = {}
        checked = []  # read, checked and repaired by rsgeo's reader, not reprojected since
        for key, src in task.layers.items():
            gdf, window = read_layer_near(patches, src.path, **src.read_kwargs())
            layers[key] = to_working_crs(gdf, task.working_crs, src)
            reads[key] = window.as_dict()
            if kept_as_read(gdf, task.working_crs):
                checked.append(key)
        t1 = time.perf_counter()
        pieces, result = overlay_stage(
            patches, layers, townships, attributes=task.attributes, checked=checked, progress=False
        )
    t2 = time.perf_counter()
    return PartitionResult(
        key=task.partition.key,
        pieces=pieces,
        result=result,
        reads=reads,
        wall_s={"reading": t1 - t0, "overlay": t2 - t1},
        cpu_s=time.process_time() - cpu0,
        peak_rss_mb=process_peak_mb(),
        pid=os.getpid(),
        warnings=[redact_ids(str(w.message), sealed) for w in caught],
    )
