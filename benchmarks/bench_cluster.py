"""A province on a LocalCluster: rsgeo's overlay by partition from GeoParquet, DuckDB as the peer.

Data (made once and cached under ``--data``, like ``bench_job.py``): a
synthetic province from the project's generator, 500,000 change patches
against 5,000,000 land-use polygons (EPSG:4545), made tile by tile
(``rsgeo.synthetic.province_tiles``: 1,000,000 polygons at a time, never all
in memory) and written as spatially sorted, partitioned GeoParquet
(``rsgeo.io.geoparquet``); ``--gpkg`` also writes the farmland as a
GeoPackage. The time to make and write each layer and its size on disk are
printed and kept in ``data.json``.

rsgeo: the patches' extent is cut into ``--tiles`` spatial tiles (a patch
belongs to the tile holding its bbox centre); on a
``dask.distributed.LocalCluster`` of ``--workers`` worker processes (one
thread each), each task reads its patches and only the land-use features
their boxes touch from the GeoParquet datasets (bbox filter, row groups
pruned by their statistics; through rsgeo's reader, so the geometry check
and repair are included), then runs ``rsgeo.analysis.layer_overlay.overlay``
on them. Printed: the wall time of the stage (from submitting the first task
to the last result), each task's read and overlay times, the peak resident
memory of each worker process (``client.run`` with ``resource.getrusage``),
and a projection to N workers: the measured task times scheduled
longest-first onto N workers (each task to the worker that frees up first),
whose makespan is the projected stage time; the same model for the measured
worker count is printed beside the measured time as a check.

DuckDB spatial (the ``bench`` extra), in the same run, on the same cores
(``SET threads`` = the number of workers): the same GeoParquet files read by
``read_parquet`` into two tables (``ST_GeomFromWKB``, timed as "load"), then
the query of ``bench_overlay.py`` (``SUM(ST_Area(ST_Intersection(...)))``
over an ``ST_Intersects`` join). It computes less than rsgeo (plane areas of
every pair, overlapping features counted twice); the two totals are printed
as a check that both computed the same thing, close, not equal.

    python benchmarks/bench_cluster.py --data /tmp/bench-data                 # 500k x 5M
    python benchmarks/bench_cluster.py --data /tmp/bench-data --patches 20000 --features 200000
    python benchmarks/bench_cluster.py --data /tmp/bench-data --no-duckdb --whole-job

``--whole-job`` also times the whole job on the cluster
(:func:`time_whole_job`, through ``rsgeo.cluster.run_job_on_cluster`` where
that module is installed; dossiers off).
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import os
import resource
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rsgeo.io.geoparquet import read_geoparquet
from rsgeo.options import LOCAL_CLUSTER_DASK_CONFIG, PARQUET_COMPRESSIONS, ROW_GROUP_ROWS
from rsgeo.synthetic.province_tiles import (
    TiledProvince,
    province_counties,
    write_province_townships,
    write_tiled_province,
)

DUCKDB_QUERY = """
SELECT p.id, SUM(ST_Area(ST_Intersection(p.geom, f.geom))) AS area_m2
FROM p JOIN f ON ST_Intersects(p.geom, f.geom)
GROUP BY p.id
"""  # the query of bench_overlay.py


def _gb(kb: float) -> str:
    return f"{kb / 1024**2:.2f} GB"


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


# --------------------------------------------------------------------------- data


def make_data(
    root: Path,
    n_patches: int,
    n_features: int,
    seed: int,
    gpkg: bool,
    *,
    row_group_rows: int = ROW_GROUP_ROWS,
    compression: str = PARQUET_COMPRESSIONS[0],
) -> dict[str, Any]:
    """The province's GeoParquet datasets under ``root``, made once (``data.json`` last).

    The folder is named by the sizes, the seed, the row group size and the
    compression (a change of rsgeo's defaults never reuses data of another layout).
    """
    layout = f"-rg{row_group_rows}-{compression}"
    folder = root / f"cluster-{n_patches}x{n_features}-s{seed}{layout}"
    done = folder / "data.json"
    if done.exists():
        data: dict[str, Any] = json.loads(done.read_text())
        print(f"data: cached in {folder} (made in {sum(data['seconds'].values()):.0f} s)")
    else:
        print(f"data: making {n_patches:,} patches x {n_features:,} polygons in {folder} ...")
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        made = write_tiled_province(
            folder,
            n_patches=n_patches,
            n_farmland=n_features,
            seed=seed,
            row_group_rows=row_group_rows,
            compression=compression,
            overwrite=True,
            progress=lambda line: print(f"  farmland {line}", flush=True),
        )
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        data = {
            "paths": {k: str(v) for k, v in made.paths.items()},
            "n_patches": made.n_patches,
            "n_farmland": made.n_farmland,
            "bounds": [float(v) for v in made.bounds],
            "seconds": made.seconds,
            "cpu_seconds": r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime,
            "bytes": made.bytes,
            "peak_rss_gb": r1.ru_maxrss / 1024**2,
            "n_counties": province_counties(made.n_patches),
        }
        done.write_text(json.dumps(data, indent=1))
    if "n_counties" not in data:  # made before the province had counties: its townships again
        made = TiledProvince(n_patches=data["n_patches"], bounds=np.asarray(data["bounds"]))
        write_province_townships(made, folder, seed=seed, overwrite=True)
        data["paths"]["townships"] = str(made.paths["townships"])
        data["seconds"]["townships"] = made.seconds["townships"]
        data["bytes"]["townships"] = made.bytes["townships"]
        data["n_counties"] = province_counties(data["n_patches"])
        done.write_text(json.dumps(data, indent=1))
    if gpkg and "gpkg" not in data["paths"]:
        data["paths"]["gpkg"], data["seconds"]["gpkg"] = _write_gpkg(folder, data)
        data["bytes"]["gpkg"] = Path(data["paths"]["gpkg"]).stat().st_size
        done.write_text(json.dumps(data, indent=1))
    for key, secs in data["seconds"].items():
        print(f"  {key:<10s} made and written in {secs:7.1f} s, {data['bytes'][key] / 1e9:6.2f} GB")
    print(
        f"  (CPU {data.get('cpu_seconds', float('nan')):.0f} s, "
        f"peak RSS {data.get('peak_rss_gb', float('nan')):.2f} GB)"
    )
    return data


def _write_gpkg(folder: Path, data: dict[str, Any]) -> tuple[str, float]:
    """The farmland also as a GeoPackage, appended part by part."""
    import pyogrio

    from rsgeo.io.geoparquet import geoparquet_parts

    target = folder / "farmland.gpkg"
    target.unlink(missing_ok=True)
    t = time.perf_counter()
    for i, part in enumerate(geoparquet_parts(data["paths"]["farmland"])):
        gdf = read_geoparquet(part)
        pyogrio.write_dataframe(gdf, target, layer="farmland", append=i > 0)
        print(f"  farmland.gpkg: {part.name} appended", flush=True)
    return str(target), time.perf_counter() - t


# --------------------------------------------------------------------------- partitions


def tile_grid(bounds: list[float], n_tiles: int) -> tuple[int, int]:
    """Columns and rows of near-square tiles, about ``n_tiles`` of them."""
    w, h = bounds[2] - bounds[0], bounds[3] - bounds[1]
    nx = max(1, round(float(np.sqrt(n_tiles * w / h))))
    ny = max(1, round(n_tiles / nx))
    return nx, ny


def run_tile(data: dict[str, Any], grid: tuple[int, int], cell: tuple[int, int]) -> dict[str, Any]:
    """One task: read the tile's patches and the features they touch, overlay them."""
    from rsgeo.analysis.layer_overlay import overlay
    from rsgeo.cluster.task import freeze_imports
    from rsgeo.io.reading import read_layer_boxes

    entered_at = time.time()
    freeze_imports()  # as a job's task does (rsgeo.cluster.task.run_partition)
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    c0 = time.process_time()
    t0 = time.perf_counter()
    (nx, ny), (ix, iy) = grid, cell
    x0, y0, x1, y1 = data["bounds"]
    w, h = (x1 - x0) / nx, (y1 - y0) / ny
    box = np.array([[x0 + ix * w, y0 + iy * h, x0 + (ix + 1) * w, y0 + (iy + 1) * h]])
    patches = read_geoparquet(data["paths"]["patches"], boxes=box, columns=["patch_id"])
    b = patches.geometry.bounds.to_numpy()
    cx = np.clip(((b[:, 0] + b[:, 2]) / 2 - x0) // w, 0, nx - 1)
    cy = np.clip(((b[:, 1] + b[:, 3]) / 2 - y0) // h, 0, ny - 1)
    patches = patches[(cx == ix) & (cy == iy)].set_index("patch_id")[["geometry"]]
    t1, c1 = time.perf_counter(), time.process_time()
    layer = read_layer_boxes(data["paths"]["farmland"], patches.geometry.bounds.to_numpy())
    t2, c2 = time.perf_counter(), time.process_time()
    # read, checked and repaired by rsgeo's reader in the patches' CRS, as a job's task
    res = overlay(
        patches,
        {"farmland": layer},
        progress=False,
        n_jobs=1,
        min_piece_m2=0.0,
        checked=("farmland",),
    )
    t3, c3 = time.perf_counter(), time.process_time()
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "cell": cell,
        "patches": len(patches),
        "features": len(layer),
        "read_patches_s": t1 - t0,
        "read_layer_s": t2 - t1,
        "overlay_s": t3 - t2,
        "wall_s": t3 - t0,
        "read_patches_cpu_s": c1 - c0,
        "read_layer_cpu_s": c2 - c1,
        "overlay_cpu_s": c3 - c2,
        "cpu_s": r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime,
        "farmland_m2": float(res["farmland_m2"].sum()),
        "pid": os.getpid(),
        "entered_at": entered_at,
        "left_at": time.time(),
    }


def _warm() -> float:
    """The overlay's compiled kernels loaded in a worker (not in the figures)."""
    import geopandas as gpd
    from shapely.geometry import box

    from rsgeo.analysis.layer_overlay import overlay

    t = time.perf_counter()
    p = gpd.GeoDataFrame(geometry=[box(5e5, 2.8e6, 5e5 + 50, 2.8e6 + 50)], crs=4545)
    p.index = p.index.astype(str).rename("patch_id")
    f = gpd.GeoDataFrame(geometry=[box(5e5 + 10, 2.8e6, 5e5 + 90, 2.8e6 + 40)], crs=4545)
    overlay(p, {"farmland": f}, progress=False, n_jobs=1)
    return time.perf_counter() - t


def _peak_rss_kb() -> float:
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def lpt_makespan(times: list[float], n_workers: int) -> float:
    """Longest task first, each to the worker that frees up first: the last worker's end.

    >>> lpt_makespan([4, 3, 3, 2, 2], 2)  # 4+2+2 and 3+3 (the best split, 7, is not LPT's)
    8.0
    """
    ends = [0.0] * n_workers
    heapq.heapify(ends)
    for t in sorted(times, reverse=True):
        heapq.heappush(ends, heapq.heappop(ends) + float(t))
    return max(ends)


ARROW_KEEPS_MEMORY = {"MIMALLOC_PURGE_DELAY": "-1"}
"""Environment of the worker processes with ``--arrow-keep-memory``: Arrow's allocator
(mimalloc) keeps the memory a read freed for the next read instead of handing it back to
the system at once (each page handed back is faulted in again by the next read). In one
process under load 5 it cut the system's CPU time of reading the row groups from about
80 to 20 ms a task; on the cluster with a quiet machine the figures were the same either
way (reading 23.0 and 23.2 CPU-s), so it is off by default."""


def rsgeo_on_cluster(
    data: dict[str, Any], workers: int, n_tiles: int, limit: str, *, keep_memory: bool = False
) -> dict[str, Any]:
    """The overlay stage by tiles on a LocalCluster; per-task figures and each worker's peak."""
    import dask
    import distributed  # noqa: F401  (its configuration defaults)
    from dask.distributed import Client, LocalCluster

    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
    if keep_memory:
        environ.update(ARROW_KEEPS_MEMORY)

    grid = tile_grid(data["bounds"], n_tiles)
    cells = [(ix, iy) for ix in range(grid[0]) for iy in range(grid[1])]
    print(
        f"\nrsgeo: {data['n_patches']:,} patches x {data['n_farmland']:,} polygons, "
        f"{len(cells)} tiles ({grid[0]} x {grid[1]}) on a LocalCluster of {workers} workers "
        f"x 1 thread (memory limit {limit} each); load average {os.getloadavg()[0]:.1f}; "
        f"worker environment {environ}; dask settings {dict(LOCAL_CLUSTER_DASK_CONFIG)}"
    )
    t = time.perf_counter()
    with (
        # the workers as rsgeo's own LocalCluster sets them (rsgeo.cluster.cluster_client)
        dask.config.set(
            {**LOCAL_CLUSTER_DASK_CONFIG, "distributed.nanny.pre-spawn-environ": environ}
        ),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=limit,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        start = time.perf_counter() - t
        warm = client.run(_warm)
        seen = client.run(lambda: {k: os.environ.get(k) for k in ARROW_KEEPS_MEMORY})
        print(f"  the workers' {sorted(ARROW_KEEPS_MEMORY)}: {sorted(seen.values(), key=str)}")
        sampling = client.run(lambda: dask.config.get("distributed.worker.profile.enabled"))
        print(f"  dask's sampling profiler on in the workers: {sorted(set(sampling.values()))}")
        print(
            f"  cluster started in {start:.1f} s; kernels loaded in the workers in "
            f"{max(warm.values()):.1f} s (not in the figures)"
        )
        t0 = time.perf_counter()
        c0 = time.process_time()  # this process: the client and the scheduler
        submitted_at = time.time()
        futures = [client.submit(run_tile, data, grid, c, pure=False) for c in cells]
        results = []
        from dask.distributed import as_completed

        for i, fut in enumerate(as_completed(futures), 1):
            r = fut.result()
            results.append(r)
            if i % max(1, len(cells) // 8) == 0 or i == len(cells):
                print(
                    f"  {i}/{len(cells)} tiles done, {time.perf_counter() - t0:.1f} s",
                    flush=True,
                )
        stage = time.perf_counter() - t0
        client_cpu = time.process_time() - c0
        peaks = client.run(_peak_rss_kb)
    return {
        "stage_s": stage,
        "tasks": results,
        "peaks_kb": peaks,
        "grid": grid,
        "submitted_at": submitted_at,
        "client_cpu_s": client_cpu,
    }


def _reading_share(run: dict[str, Any]) -> str:
    """Reading's CPU seconds over the tasks, and per feature read."""
    tasks = run["tasks"]
    read = sum(t["read_patches_cpu_s"] + t["read_layer_cpu_s"] for t in tasks)
    n = sum(t["features"] for t in tasks)
    return (
        f"patches + land use {read:.1f} s CPU of {sum(t['cpu_s'] for t in tasks):.1f} s "
        f"({1e6 * read / max(n, 1):.1f} us per land-use feature read)"
    )


def worker_timelines(run: dict[str, Any]) -> dict[int, dict[str, float]]:
    """Where each worker process's share of the stage's wall time went, in seconds.

    From the submission of the first task to the end of the stage: waiting for
    its first task, inside its tasks on a CPU and off it (waiting for a core, or
    for the disk), between its tasks (Dask handing the result over and the next
    task in, and the task's data freed), and idle after its last task.

    >>> run = {"submitted_at": 0.0, "stage_s": 10.0, "tasks": [
    ...     {"pid": 7, "entered_at": 1.0, "left_at": 4.0, "cpu_s": 2.5},
    ...     {"pid": 7, "entered_at": 4.5, "left_at": 9.0, "cpu_s": 4.5}]}
    >>> worker_timelines(run)[7]
    {'before_first': 1.0, 'tasks_cpu': 7.0, 'tasks_off_cpu': 0.5, 'between': 0.5, 'after_last': 1.0}
    """
    out: dict[int, dict[str, float]] = {}
    start = run["submitted_at"]
    by_pid: dict[int, list[dict[str, Any]]] = {}
    for t in run["tasks"]:
        by_pid.setdefault(t["pid"], []).append(t)
    for pid, tasks in sorted(by_pid.items()):
        tasks.sort(key=lambda t: t["entered_at"])
        inside = sum(t["left_at"] - t["entered_at"] for t in tasks)
        cpu = sum(t["cpu_s"] for t in tasks)
        between = sum(b["entered_at"] - a["left_at"] for a, b in itertools.pairwise(tasks))
        out[pid] = {
            "before_first": tasks[0]["entered_at"] - start,
            "tasks_cpu": cpu,
            "tasks_off_cpu": inside - cpu,
            "between": between,
            "after_last": start + run["stage_s"] - tasks[-1]["left_at"],
        }
    return out


def report_rsgeo(run: dict[str, Any], workers: int) -> None:
    tasks = run["tasks"]
    wall = [t["wall_s"] for t in tasks]
    cpu = [t["cpu_s"] for t in tasks]
    cols = (
        "read_patches_s",
        "read_layer_s",
        "overlay_s",
        "wall_s",
        "read_patches_cpu_s",
        "read_layer_cpu_s",
        "overlay_cpu_s",
        "cpu_s",
    )
    sums = {c: sum(t[c] for t in tasks) for c in cols}
    print(f"  overlay stage (first task submitted to last result): {run['stage_s']:.1f} s wall")
    print(
        "  summed over tasks: "
        + ", ".join(f"{c[:-2]} {sums[c]:.1f} s" for c in cols)
        + f"; features read {sum(t['features'] for t in tasks):,}"
    )
    print(
        f"  per task: wall min {min(wall):.2f} s, median {float(np.median(wall)):.2f} s, "
        f"max {max(wall):.2f} s; patches per task {min(t['patches'] for t in tasks):,}"
        f"-{max(t['patches'] for t in tasks):,}"
    )
    for addr, kb in sorted(run["peaks_kb"].items()):
        print(f"  worker {addr}: peak RSS {_gb(kb)} (target < 4 GB)")
    print(
        f"  the client and scheduler (this process) during the stage: "
        f"{run['client_cpu_s']:.2f} s CPU"
    )
    for pid, share in worker_timelines(run).items():
        print(
            f"  worker process {pid}: "
            + ", ".join(f"{k.replace('_', ' ')} {v:.2f}" for k, v in share.items())
        )
    print(
        f"  projection (measured task times, longest first onto N workers; "
        f"model for N={workers}: {lpt_makespan(wall, workers):.1f} s vs {run['stage_s']:.1f} s "
        "measured):"
    )
    print("    (wall: the task times as measured here; CPU: the same with each task's CPU seconds,")
    print("    what a task takes on a core of its own)")
    for n in (1, 2, 4, 8, 16, 32, 64):
        print(
            f"    {n:3d} workers: {lpt_makespan(wall, n):8.1f} s wall, "
            f"{lpt_makespan(cpu, n):8.1f} s CPU"
        )


# --------------------------------------------------------------------------- the peer


def duckdb_peer(
    data: dict[str, Any], threads: int, timeout_s: float, memory: str = "8GB"
) -> dict[str, Any]:
    """DuckDB spatial on the same GeoParquet files: load, then the query; interrupted at timeout."""
    import duckdb
    import duckdb_extensions

    duckdb_extensions.import_extension("spatial")
    con = duckdb.connect()
    con.execute("LOAD spatial")
    con.execute(f"SET threads={threads}")
    con.execute(f"SET memory_limit='{memory}'")  # a shared machine: DuckDB spills beyond it
    print(
        f"\nDuckDB {duckdb.__version__} spatial, {threads} threads, memory_limit {memory}; load "
        f"average {os.getloadavg()[0]:.1f}"
    )

    def glob(key: str) -> str:
        return (Path(data["paths"][key]) / "*.parquet").as_posix()

    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t = time.perf_counter()
    for table, key in (("p", "patches"), ("f", "farmland")):
        src = f"read_parquet('{glob(key)}')"
        kind = con.execute(f"SELECT typeof(geometry) FROM {src} LIMIT 1").fetchone()[0]
        # DuckDB spatial reads GeoParquet's geometry as GEOMETRY itself; plain WKB is a BLOB
        geom = (
            "geometry" if str(kind).upper().startswith("GEOMETRY") else "ST_GeomFromWKB(geometry)"
        )
        con.execute(
            f"CREATE TABLE {table} AS SELECT row_number() OVER () - 1 AS id, {geom} AS geom "
            f"FROM {src}"
        )
    load = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    load_cpu = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
    print(f"  load (read_parquet into tables, geometry {kind}): {load:.1f} s, {load_cpu:.1f} s CPU")
    timer = threading.Timer(timeout_s, con.interrupt)
    timer.start()
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t = time.perf_counter()
    try:
        out = con.execute(DUCKDB_QUERY).fetchnumpy()
        query, done = time.perf_counter() - t, True
    except duckdb.InterruptException:
        query, done, out = time.perf_counter() - t, False, {"area_m2": np.zeros(0)}
    finally:
        timer.cancel()
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
    peak = _gb(r1.ru_maxrss)
    con.close()
    total = float(np.asarray(out["area_m2"]).sum())
    print(
        f"  query: {query:.1f} s wall, {cpu:.1f} s CPU"
        + ("" if done else f" (interrupted at {timeout_s:.0f} s)")
        + f"; peak RSS of the process {peak}"
    )
    return {
        "load_s": load,
        "load_cpu_s": load_cpu,
        "query_s": query,
        "query_cpu_s": cpu,
        "done": done,
        "area_m2": total,
    }


def compare_with_duckdb(run: dict[str, Any], peer: dict[str, Any]) -> dict[str, float]:
    """The stage, reading included, against DuckDB's load + query: both read the same files.

    By CPU seconds (rsgeo: summed over the tasks; DuckDB: its process during
    the load and during the query) and by wall (the stage against load +
    query); the query alone and rsgeo's overlay alone beside them.
    """
    tasks = run["tasks"]
    cpu = {
        k: sum(t[f"{k}_cpu_s"] for t in tasks) for k in ("read_patches", "read_layer", "overlay")
    }
    rs_cpu = sum(t["cpu_s"] for t in tasks)
    duck_cpu = peer["load_cpu_s"] + peer["query_cpu_s"]
    duck_wall = peer["load_s"] + peer["query_s"]
    more = "" if peer["done"] else " at least"
    out = {
        "by_cpu": duck_cpu / rs_cpu,
        "by_wall": duck_wall / run["stage_s"],
        "query_by_cpu": peer["query_cpu_s"] / rs_cpu,
        "overlay_by_cpu": peer["query_cpu_s"] / cpu["overlay"],
    }
    print(
        "  => the stage (reading included) against DuckDB's load + query, same files, same cores:"
    )
    print(
        f"     by CPU:  rsgeo {rs_cpu:.1f} s (read patches {cpu['read_patches']:.1f} + read land "
        f"use {cpu['read_layer']:.1f} + overlay {cpu['overlay']:.1f}), DuckDB {duck_cpu:.1f} s "
        f"(load {peer['load_cpu_s']:.1f} + query {peer['query_cpu_s']:.1f}): "
        f"{out['by_cpu']:.2f}x{more} (target >= 2x)"
    )
    print(
        f"     by wall: rsgeo {run['stage_s']:.1f} s, DuckDB {duck_wall:.1f} s (load "
        f"{peer['load_s']:.1f} + query {peer['query_s']:.1f}): {out['by_wall']:.2f}x{more}"
    )
    print(
        f"     DuckDB's query alone by CPU: {out['query_by_cpu']:.2f}x{more} rsgeo's stage, "
        f"{out['overlay_by_cpu']:.2f}x{more} rsgeo's overlay alone"
    )
    return out


# --------------------------------------------------------------------------- the whole job


def time_whole_job(data: dict[str, Any], workers: int, out: Path) -> float | None:
    """The whole job (dossiers off) on a LocalCluster, timed: the hook for ``rsgeo.cluster``.

    Writes the province job file (:func:`rsgeo.synthetic.county.province_job`)
    over the benchmark's GeoParquet datasets and runs it through
    ``rsgeo.cluster.timing.time_job_on_local_cluster``: stage times, the
    partitions' times and each worker's peak memory. None (and says so) where
    ``rsgeo.cluster`` is not installed.
    """
    try:
        from rsgeo.cluster.timing import time_job_on_local_cluster
    except ImportError:
        print("\nwhole job: rsgeo.cluster is not in this installation; not timed")
        return None
    from rsgeo.synthetic.county import province_job

    folder = Path(data["paths"]["patches"]).parent
    job_file = folder / "job.toml"
    keys = ("patches", "farmland", "townships")
    job_file.write_text(
        province_job(
            folder,
            name="省级合成数据 / synthetic province",
            outputs={"dossiers": False},
            paths={k: data["paths"][k] for k in keys},
        ),
        encoding="utf-8",
    )
    print(f"\nwhole job on {workers} workers (dossiers off), load {os.getloadavg()[0]:.1f}")
    t = time.perf_counter()
    timed = time_job_on_local_cluster(job_file, out, workers=workers, overwrite=True)
    took = time.perf_counter() - t
    for rec in timed["stages"]:
        print(f"  {rec['stage']:<40} {rec['wall_s']:8.1f} s wall {rec['cpu_s']:8.1f} s CPU")
    parts, counties = timed["partitions"], timed["county_tasks"]
    print(
        f"  on the workers: {len(parts)} partitions "
        f"{sum(sum(r['wall_s'].values()) for r in parts):.1f} s wall "
        f"{sum(r['cpu_s'] for r in parts):.1f} s CPU; {len(counties)} counties' maps "
        f"{sum(r['wall_s'] for r in counties):.1f} s wall {sum(r['cpu_s'] for r in counties):.1f} s CPU"
    )
    print(f"  peak memory per worker (MB): {timed['worker_peak_rss_mb']}")
    print(f"  client peak memory: {timed['client_peak_rss_mb']} MB")
    print(f"  overlay projected to N workers (s): {timed['projected_overlay_s']}")
    print(f"  whole job: {took:.1f} s wall (target < 600 s)")
    return took


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data", type=Path, required=True, help="cache folder for the data")
    ap.add_argument("--patches", type=int, default=500_000)
    ap.add_argument("--features", type=int, default=5_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--tiles", type=int, default=64, help="spatial tiles (tasks), about")
    ap.add_argument("--memory-limit", default="4GB", help="per worker")
    ap.add_argument("--gpkg", action="store_true", help="also write the farmland as GeoPackage")
    ap.add_argument(
        "--row-group-rows", type=int, default=ROW_GROUP_ROWS, help="of the GeoParquet written"
    )
    ap.add_argument(
        "--compression", default=PARQUET_COMPRESSIONS[0], help="of the GeoParquet written"
    )
    ap.add_argument("--only-data", action="store_true", help="make the data and stop")
    ap.add_argument("--no-duckdb", action="store_true")
    ap.add_argument(
        "--arrow-keep-memory",
        action="store_true",
        help="the workers' Arrow allocator keeps freed memory (MIMALLOC_PURGE_DELAY=-1)",
    )
    ap.add_argument("--duckdb-timeout", type=float, default=1800.0)
    ap.add_argument("--duckdb-memory", default="8GB", help="DuckDB's memory_limit")
    ap.add_argument("--whole-job", action="store_true", help="also time the whole job")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()}")
    data = make_data(
        args.data,
        args.patches,
        args.features,
        args.seed,
        args.gpkg,
        row_group_rows=args.row_group_rows,
        compression=args.compression,
    )
    if args.only_data:
        return
    run = rsgeo_on_cluster(
        data, args.workers, args.tiles, args.memory_limit, keep_memory=args.arrow_keep_memory
    )
    report_rsgeo(run, args.workers)
    figures: dict[str, Any] = {"data": data, "rsgeo": run, "workers": args.workers}
    print(f"  reading's share: {_reading_share(run)}")
    rs_total = sum(t["farmland_m2"] for t in run["tasks"])
    if not args.no_duckdb:
        peer = duckdb_peer(data, args.workers, args.duckdb_timeout, args.duckdb_memory)
        figures["duckdb"] = peer
        figures["comparison"] = compare_with_duckdb(run, peer)
        if peer["done"]:
            print(
                f"  farmland inside the patches: rsgeo {rs_total / 1e4:,.1f} ha (ellipsoidal, "
                f"overlaps once), DuckDB {peer['area_m2'] / 1e4:,.1f} ha (plane, every pair)"
            )
    if args.whole_job:
        figures["whole_job_s"] = time_whole_job(
            data, args.workers, Path(data["paths"]["patches"]).parent / "out"
        )
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=1, default=str))
    print(f"\nload average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
