"""The middle stages of a run (between the overlay and the writers) at N patches.

The bundled Rongshui job (778 patches, four batches, determination tables,
nine reference layers) is read and overlaid once; its patch table, pieces,
batches and determination tables are then repeated with new ids (``ID_0000``,
``ID_0001``, …) up to N patches, and each middle stage of ``rsgeo run`` is
timed on them in the order the pipeline runs them: combine_batches,
patches_from_pieces, classify, the determinations (check_matches and
apply_determinations), patch_figures, township_stats, township_pieces,
red_black_lists, the sealed statistics, run_review and run_spot_check.

The copies are exact repeats (same shapes, same attributes), so every stage
does its full work on every row; a stage whose CPU seconds grow faster than N
is not linear. CPU seconds are the figure to read on a shared machine::

    python benchmarks/bench_middle.py 50000
    python benchmarks/bench_middle.py 500000
    python benchmarks/bench_middle.py 50000 --profile run_review   # cProfile of one stage
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def demo_frames() -> dict[str, Any]:
    """The demo job's inputs after the overlay, as ``rsgeo run`` has them."""
    from rsgeo import pipeline as pl
    from rsgeo.analysis.layer_overlay import overlay_pieces
    from rsgeo.io.determination_table import read_determinations
    from rsgeo.job import load_job

    job = load_job(ROOT / "data" / "rongshui_2020.toml")
    patches, layers, townships, county, _ = pl.prepare_inputs(job)
    attributes = {k: list(s.attributes) for k, s in job.layers.items() if s.attributes}
    pieces = overlay_pieces(
        patches, layers, townships=townships, attributes=attributes or None, progress=False
    )
    dets = [
        read_determinations(
            s.path,
            sheet=s.layer or 0,
            encoding=s.encoding,
            fields=s.fields or None,
            options=job.determination_checks,
        )
        for s in job.determinations
    ]
    batches = {}
    for src in job.patches:
        g = pl._read(src, patches=True)
        g.attrs.clear()
        batches[src.batch] = g.to_crs(patches.crs)
    patches.attrs.clear()
    pieces.attrs.clear()
    return {
        "job": job,
        "patches": patches,
        "pieces": pieces,
        "townships": townships,
        "county": county,
        "dets": dets,
        "batches": batches,
    }


def repeat(frame: pd.DataFrame, k: int) -> pd.DataFrame:
    """``frame`` repeated ``k`` times, the patch ids (index level 0) suffixed ``_0000`` …"""
    n = len(frame)
    out = frame.iloc[np.tile(np.arange(n), k)].copy()
    suffix = np.repeat([f"_{i:04d}" for i in range(k)], n).astype(object)
    if isinstance(frame.index, pd.MultiIndex):
        first = np.tile(frame.index.get_level_values(0).astype(str).to_numpy(object), k)
        levels = [first + suffix] + [
            np.tile(frame.index.get_level_values(i).to_numpy(), k)
            for i in range(1, frame.index.nlevels)
        ]
        out.index = pd.MultiIndex.from_arrays(levels, names=frame.index.names)
    else:
        ids = np.tile(frame.index.astype(str).to_numpy(object), k) + suffix
        out.index = pd.Index(ids, name=frame.index.name)
    return out


def main(argv: list[str] | None = None) -> int:
    from rsgeo.analysis.classification import classify
    from rsgeo.analysis.determination import apply_determinations, check_matches
    from rsgeo.analysis.layer_overlay import patches_from_pieces
    from rsgeo.audit.findings import run_review
    from rsgeo.audit.sampling import run_spot_check
    from rsgeo.io.batches import combine_batches
    from rsgeo.stats.deductions import patch_figures
    from rsgeo.stats.ranking import red_black_lists
    from rsgeo.stats.township import township_pieces, township_stats

    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("patches", type=int, nargs="?", default=50_000)
    ap.add_argument("--profile", default=None, help="cProfile this stage (its name below)")
    args = ap.parse_args(argv)
    print(f"cores: {os.cpu_count()}, load average at start: {os.getloadavg()}")
    t = time.perf_counter()
    d = demo_frames()
    k = -(-args.patches // len(d["patches"]))
    patches, pieces = repeat(d["patches"], k), repeat(d["pieces"], k)
    dets = [repeat(t_, k) for t_ in d["dets"]]
    batches = {b: repeat(g, k) for b, g in d["batches"].items()}
    job, townships, county = d["job"], d["townships"], d["county"]
    print(
        f"the demo x {k}: {len(patches):,} patches, {len(pieces):,} pieces "
        f"(made in {time.perf_counter() - t:.1f} s)"
    )
    total = {"wall": 0.0, "cpu": 0.0}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        t0, c0 = time.perf_counter(), time.process_time()
        if args.profile == name:
            prof = cProfile.Profile()
            out = prof.runcall(fn)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
        else:
            out = fn()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        total["wall"] += wall
        total["cpu"] += cpu
        print(f"  {name:<22s} {wall:8.2f} s wall {cpu:8.2f} s CPU", flush=True)
        return out

    timed("combine_batches", lambda: combine_batches(batches))
    result = timed("patches_from_pieces", lambda: patches_from_pieces(pieces, patches))
    result = timed("classify", lambda: classify(result, rules=job.rules))

    def determinations() -> Any:
        for table in dets:
            check_matches(table, result.index, options=job.determination_checks, source="bench")
        table = pd.concat(dets)
        table = table[~table.index.duplicated(keep="last")]
        return apply_determinations(result, table, options=job.determination_checks)

    result = timed("determinations", determinations)
    job = job.with_profile(result.attrs["rsgeo_determinations_report"].profile)
    opts = job.statistics
    figures = timed("patch_figures", lambda: patch_figures(result, pieces, options=opts))
    kw = {"townships": townships, "options": opts, "figures": figures}
    stats = timed(
        "township_stats",
        lambda: township_stats(result, pieces, thresholds=job.criteria, **kw),
    )
    timed("township_pieces", lambda: township_pieces(result, pieces, **kw))
    timed("red_black_lists", lambda: red_black_lists(stats, options=job.lists))
    timed(
        "sealed_stats",
        lambda: township_stats(result, pieces, thresholds=job.criteria, sealed=True, **kw),
    )
    timed("run_review", lambda: run_review(result, county=county, options=job.review))
    timed("run_spot_check", lambda: run_spot_check(result, options=job.spot_check))
    print(f"  {'total':<22s} {total['wall']:8.2f} s wall {total['cpu']:8.2f} s CPU")
    print(f"load average at the end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
