"""Benchmark of rsgeo.analysis.layer_overlay against geopandas.overlay + groupby, same data, same run.

Synthetic province-sized data (EPSG:4545, rsgeo.synthetic.province): change
patches of 0.03-5 ha, a cultivated-land tessellation (~20 vertices, 0.34 ha,
with 1 % duplicates and overlapping copies) and a red line of large polygons
with ~4,000 vertices. Every figure is printed as a ratio against the baseline
measured here; peak memory is the process's peak resident set during the call
(Linux /proc; "n/a" elsewhere).

    python benchmarks/bench_overlay.py                       # 50k x 1M, red line, county job
    python benchmarks/bench_overlay.py --patches 5000 --features 100000   # quick
    python benchmarks/bench_overlay.py --large 500000        # also 500k x 1M (rsgeo only)
    python benchmarks/bench_overlay.py --peers 5000,50000,500000 --only-peers
                                            # rsgeo vs DuckDB spatial vs geopandas per size

The peers (``--peers``) are timed in the same process, one after the
other, on the same in-memory data: rsgeo.overlay, DuckDB spatial (the
``bench`` extra: ``pip install rsgeo[bench]``; the query is in
:func:`duckdb_peer` and ``benchmarks/README.md``) and geopandas.overlay +
groupby (up to ``--geopandas-max`` patches).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from rsgeo.analysis.layer_overlay import overlay
from rsgeo.geo.area import ellipsoidal_area
from rsgeo.synthetic import province as pv


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_gb() -> str:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return f"{int(line.split()[1]) / 2**20:.2f} GB"
    except OSError:
        pass
    return "n/a"


def timed(label: str, fn: Callable[[], Any]) -> tuple[Any, float, str]:
    _reset_peak()
    t = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t
    peak = _peak_gb()
    print(f"  {label:<46s} {dt:8.2f} s   peak RSS {peak}", flush=True)
    return out, dt, peak


def baseline(
    patches: gpd.GeoDataFrame, layer: gpd.GeoDataFrame
) -> tuple[pd.Series, gpd.GeoDataFrame]:
    """geopandas.overlay + groupby: the area of each patch inside the layer."""
    left = patches.reset_index()[["patch_id", "geometry"]]
    pieces = gpd.overlay(left, layer[["fid", "geometry"]], how="intersection", keep_geom_type=True)
    pieces["a"] = pieces.area
    return pieces.groupby("patch_id")["a"].sum(), pieces


DUCKDB_QUERY = """
SELECT p.id, SUM(ST_Area(ST_Intersection(p.geom, f.geom))) AS area_m2
FROM p JOIN f ON ST_Intersects(p.geom, f.geom)
GROUP BY p.id
"""


def duckdb_peer(
    patches: gpd.GeoDataFrame, layer: gpd.GeoDataFrame, threads: int | None = None
) -> tuple[pd.Series, float, float]:
    """DuckDB spatial: intersection area per patch, (areas, load seconds, query seconds).

    The geometries go in as WKB (``ST_GeomFromWKB``, timed as "load"); the
    query joins on ``ST_Intersects``, which DuckDB plans as a SPATIAL_JOIN
    (an R-tree built on the fly), and sums ``ST_Area(ST_Intersection(...))``
    per patch: plane areas of every pair, no union of overlapping features.
    """
    import duckdb
    import duckdb_extensions
    import shapely

    duckdb_extensions.import_extension("spatial")
    con = duckdb.connect()
    con.execute("LOAD spatial")
    con.execute(f"SET threads={threads or os.cpu_count() or 1}")
    t = time.perf_counter()
    pdf = pd.DataFrame(
        {"id": np.arange(len(patches)), "wkb": shapely.to_wkb(patches.geometry.array)}
    )
    fdf = pd.DataFrame({"id": np.arange(len(layer)), "wkb": shapely.to_wkb(layer.geometry.array)})
    con.register("pdf", pdf)
    con.register("fdf", fdf)
    con.execute("CREATE TABLE p AS SELECT id, ST_GeomFromWKB(wkb) AS geom FROM pdf")
    con.execute("CREATE TABLE f AS SELECT id, ST_GeomFromWKB(wkb) AS geom FROM fdf")
    t_load = time.perf_counter() - t
    del pdf, fdf
    t = time.perf_counter()
    out = con.execute(DUCKDB_QUERY).df()
    t_query = time.perf_counter() - t
    con.close()
    areas = pd.Series(out["area_m2"].to_numpy(), index=patches.index[out["id"].to_numpy()])
    return areas, t_load, t_query


def peers(
    sizes: list[int],
    all_patches: gpd.GeoDataFrame,
    farm: gpd.GeoDataFrame,
    kw: dict[str, Any],
    geopandas_max: int,
) -> None:
    """rsgeo.overlay against DuckDB spatial and geopandas at each size, same run."""
    print(
        f"\n0. peers: N patches x {len(farm):,} farmland polygons, same process, one after the other"
    )
    for n in sizes:
        pts = all_patches.iloc[:n][["geometry"]]
        print(f"  -- {n:,} patches (load average {os.getloadavg()[0]:.1f})")
        res, t_rs, _ = timed(
            "rsgeo.overlay", lambda pts=pts: overlay(pts, {"farmland": farm}, **kw)
        )
        rep = res.attrs["rsgeo_overlay_report"].timings
        (d_area, t_load, t_q), _, _ = timed(
            "DuckDB spatial (load + query)",
            lambda pts=pts: duckdb_peer(pts, farm, kw.get("n_jobs")),
        )
        print(
            f"     DuckDB load {t_load:.2f} s, query {t_q:.2f} s; rsgeo prepare {rep['prepare']:.2f} s"
        )
        line = (
            f"  => rsgeo {t_rs:.2f} s: {t_q / t_rs:.2f}x DuckDB's query, "
            f"{(t_load + t_q) / t_rs:.2f}x DuckDB's load + query (target >= 2x)"
        )
        if n <= geopandas_max:
            _, t_gp, _ = timed("geopandas.overlay + groupby", lambda pts=pts: baseline(pts, farm))
            line += f", {t_gp / t_rs:.2f}x geopandas"
        print(line, flush=True)
        del res, d_area


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--patches", type=int, default=50_000)
    ap.add_argument("--features", type=int, default=1_000_000)
    ap.add_argument("--redline", type=int, default=300)
    ap.add_argument("--redline-vertices", type=int, default=4000)
    ap.add_argument("--county-patches", type=int, default=5000)
    ap.add_argument("--large", type=int, default=0, help="also run this many patches (rsgeo only)")
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--peers", default="", help="sizes for the peer comparison, e.g. 5000,50000")
    ap.add_argument("--only-peers", action="store_true", help="run only the peer comparison")
    ap.add_argument("--geopandas-max", type=int, default=50_000)
    args = ap.parse_args()
    sizes = [int(v) for v in args.peers.split(",") if v.strip()]
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()}")

    t = time.perf_counter()
    farm = pv.make_farmland(args.features, seed=args.seed)
    bounds = farm.total_bounds
    n_gen = max(args.patches, args.large, args.county_patches, *sizes)
    all_patches = pv.make_patches(n_gen, bounds=bounds, seed=args.seed + 1)
    red = pv.make_redline(
        args.redline, bounds=bounds, n_vertices=args.redline_vertices, seed=args.seed + 2
    )
    print(
        f"generated {len(farm):,} farmland polygons, {n_gen:,} patches, {len(red)} red-line "
        f"polygons in {time.perf_counter() - t:.1f} s"
    )
    farm["fid"] = np.arange(len(farm))
    red["fid"] = np.arange(len(red))
    patches = all_patches.iloc[: args.patches][["geometry"]]
    n_extra = round(args.features * 0.01)
    kw = {"progress": False, "n_jobs": args.jobs, "min_piece_m2": 0.0}  # exact comparison

    t = time.perf_counter()
    overlay(patches.iloc[:50], {"farmland": farm.iloc[:20_000]}, **kw)
    print(
        f"first call in the process (numba kernels loaded from cache): "
        f"{time.perf_counter() - t:.2f} s, not in the figures below"
    )

    if sizes:
        peers(sizes, all_patches, farm, kw, args.geopandas_max)
    if args.only_peers:
        print(f"\nload average at the end: {os.getloadavg()}")
        return

    print(f"\n1. farmland: {len(patches):,} patches x {len(farm):,} polygons")
    res, t_rs, peak = timed("rsgeo.overlay", lambda: overlay(patches, {"farmland": farm}, **kw))
    (b_sum, b_pieces), t_gp, _ = timed(
        "geopandas.overlay + groupby", lambda: baseline(patches, farm)
    )
    print(
        f"  => rsgeo is {t_gp / t_rs:.2f}x faster (target >= 4x), peak RSS {peak} (target < 3 GB)"
    )
    # agreement where no duplicated / overlapping feature is involved
    touched = b_pieces.groupby("patch_id")["fid"].max() >= len(farm) - n_extra
    clean = touched.index[~touched]
    b_ell = (
        pd.Series(ellipsoidal_area(b_pieces), index=b_pieces.index)
        .groupby(b_pieces["patch_id"])
        .sum()
    )
    got = res.loc[clean, "farmland_m2"]
    rel = (np.abs(got - b_ell.loc[clean]) / np.maximum(b_ell.loc[clean], 1.0)).max()
    print(
        f"  max relative difference to the baseline's pieces (ellipsoidal) on {len(clean):,} "
        f"patches without overlapping features: {rel:.1e} (target <= 1e-6)"
    )
    print(
        f"  rsgeo timings: { {k: round(v, 2) for k, v in res.attrs['rsgeo_overlay_report'].timings.items()} }"
    )
    del b_pieces, b_sum, res

    print(
        f"\n2. red line: {len(patches):,} patches x {len(red)} polygons of ~{args.redline_vertices} vertices"
    )
    res, t_rs, _ = timed("rsgeo.overlay", lambda: overlay(patches, {"redline": red}, **kw))
    (_b_sum, _bp), t_gp, _ = timed("geopandas.overlay + groupby", lambda: baseline(patches, red))
    print(f"  => rsgeo is {t_gp / t_rs:.2f}x faster (target >= 4x)")
    print(
        f"  rsgeo timings: { {k: round(v, 2) for k, v in res.attrs['rsgeo_overlay_report'].timings.items()} }"
    )
    del res, _bp

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "farmland.gpkg"
        t = time.perf_counter()
        farm.drop(columns="fid").to_file(path, layer="farmland", driver="GPKG", engine="pyogrio")
        print(
            f"\n3. county job: {args.county_patches:,} patches x {len(farm):,}-polygon GeoPackage "
            f"(written in {time.perf_counter() - t:.1f} s, not timed)"
        )
        county = all_patches.iloc[: args.county_patches][["geometry"]]
        _, t_rs, _ = timed(
            "rsgeo.overlay(path) reading included",
            lambda: overlay(county, {"farmland": path}, **kw),
        )

        def full_read() -> Any:
            lay = gpd.read_file(path, engine="pyogrio")
            lay["fid"] = np.arange(len(lay))
            return baseline(county, lay)

        _, t_gp, _ = timed("read_file + geopandas.overlay + groupby", full_read)
        print(
            f"  => {t_rs:.2f} s (target < 2 s), {t_gp / t_rs:.1f}x faster than reading everything"
        )

    if args.large:
        big = all_patches.iloc[: args.large][["geometry"]]
        print(
            f"\n4. large: {len(big):,} patches x {len(farm):,} polygons (rsgeo only; target < 30 s)"
        )
        res, t_big, _ = timed("rsgeo.overlay", lambda: overlay(big, {"farmland": farm}, **kw))
        print(f"  => {t_big:.1f} s (target < 30 s)")
        print(
            f"  rsgeo timings: { {k: round(v, 2) for k, v in res.attrs['rsgeo_overlay_report'].timings.items()} }"
        )
    print(f"\nload average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
