"""Benchmark of the whole job (``rsgeo run --timings``) at province size, stage by stage.

Generates the province set with the project's generator
(:func:`rsgeo.synthetic.county.write_province`, cached in ``--data``), writes a
job file (farmland + red line + townships), runs the whole job in a child
process (so its peak RSS is the job's own) and prints, for each scale:

* the load average at the start and the end;
* every stage's wall / CPU seconds and peak RSS (``run.json`` "timings");
* the whole run's wall seconds and peak RSS (``wait4`` rusage of the child;
  the benchmark's own process stays small, since Linux carries a process's
  peak RSS through fork and exec into the child's figure);
* output sizes: county map, largest field map, KB per dossier, the folder;
* the overlay compared in the same run, on the same data, with DuckDB spatial
  and ``geopandas.overlay`` (patches × farmland, each patch's area inside it);
* every target of the whole-job issue, met / not met / not measured.

Each scale's figures are also kept in ``--data``/results.json (with the
commit and the time they were measured), so the benchmark can be run in
pieces and the targets table printed from all of them::

    python benchmarks/bench_job.py --scale demo
    python benchmarks/bench_job.py --scale 5k-100k          # quick: 5,000 x 100,000
    python benchmarks/bench_job.py --scale 5k --scale 50k    # 5,000 / 50,000 x 1,000,000
    python benchmarks/bench_job.py --scale 50k --dossiers    # dossiers too
    python benchmarks/bench_job.py --scale 500k --no-geopandas
    python benchmarks/bench_job.py --all                     # every scale, in order
    python benchmarks/bench_job.py --scale 50k --overlay-only   # only the overlay comparison
    python benchmarks/bench_job.py --targets                 # the table from results.json

DuckDB spatial comes from the ``bench`` extra (``duckdb``,
``duckdb-extensions``, ``duckdb-extension-spatial``; loaded offline).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

SCALES: dict[str, tuple[int, int]] = {
    "5k-100k": (5_000, 100_000),
    "5k": (5_000, 1_000_000),
    "50k": (50_000, 1_000_000),
    "500k": (500_000, 1_000_000),
}
"""Preset scales: patches × farmland polygons (``demo`` is the bundled sample)."""

ALL = ("demo", "5k", "50k", "500k")

JOB_NAME = "省级合成数据"

# --------------------------------------------------------------------------- data


def province_data(data: Path, n_patches: int, n_farmland: int, *, seed: int) -> Path:
    """The province set in ``data/PxF-sSEED``, generated once (by the project's generator)."""
    folder = data / f"{n_patches}x{n_farmland}-s{seed}"
    done = folder / ".complete"
    if not done.exists():
        t = time.perf_counter()
        cmd = [
            sys.executable,
            "-m",
            "rsgeo.synthetic.county",
            "--province",
            "--patches",
            str(n_patches),
            "--farmland",
            str(n_farmland),
            "--seed",
            str(seed),
            "--out",
            str(folder),
            "--overwrite",
        ]
        subprocess.run(cmd, check=True, env=_env())
        done.write_text(f"{time.perf_counter() - t:.1f} s\n")
    return folder


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


# --------------------------------------------------------------------------- the job


def run_child(cmd: list[str], *, timeout_s: float | None = None) -> dict[str, Any]:
    """Run ``cmd``: exit code, wall s, CPU s, peak RSS MB (its own, ``wait4``), stage starts.

    The child's standard error is passed on with the seconds since its start
    in front of each "rsgeo: …" line, and those lines are kept as the stage
    starts: a run stopped by ``timeout_s`` still says how far it got and when.
    """
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=_env(), stderr=subprocess.PIPE, text=True, bufsize=1)
    starts: list[tuple[float, str]] = []

    def tee() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            now = time.perf_counter() - t
            if line.startswith("rsgeo: "):
                starts.append((round(now, 1), line[7:].strip()))
                line = f"[{now:8.1f} s] {line}"
            sys.stderr.write(line)
            sys.stderr.flush()

    reader = threading.Thread(target=tee, daemon=True)
    reader.start()
    timer = threading.Timer(timeout_s, proc.kill) if timeout_s else None
    if timer is not None:
        timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if timer is not None:
        timer.cancel()
    reader.join(timeout=5)
    rss_mb = usage.ru_maxrss / 1024.0 / (1024.0 if sys.platform == "darwin" else 1.0)
    return {
        "code": os.waitstatus_to_exitcode(status),
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "rss_mb": rss_mb,
        "starts": starts,
        "timed_out": bool(timeout_s and wall >= timeout_s),
    }


def _size_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 1e6
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def output_sizes(out: Path) -> dict[str, Any]:
    """Sizes of the outputs the targets name, in MB (KB per dossier)."""
    sizes: dict[str, Any] = {"folder_mb": round(_size_mb(out), 1)}
    county = out / "maps" / "county_map.html"
    if county.exists():
        sizes["county_map_mb"] = round(_size_mb(county), 2)
    field = sorted((out / "maps" / "field").glob("*.html"), key=lambda p: p.stat().st_size)
    if field:
        sizes["field_maps"] = len(field)
        sizes["largest_field_map_mb"] = round(_size_mb(field[-1]), 2)
        tiles = field[-1].with_name(field[-1].stem + "_tiles")
        if tiles.exists():
            sizes["largest_field_map_tiles_mb"] = round(_size_mb(tiles), 2)
    dossiers = out / "dossiers"
    if dossiers.exists():
        folders = [p.parent for p in dossiers.glob("*/dossier.html")]
        n = len(folders)
        sizes["dossiers"] = n
        if n:
            # the whole dossiers folder (township PDFs included) per patch, and each
            # patch's own folder (page, PDF, pictures): the target is the folder
            sizes["kb_per_dossier"] = round(_size_mb(dossiers) * 1000 / n, 1)
            kb = [_size_mb(f) * 1000 for f in folders]
            sizes["dossier_folder_kb_mean"] = round(sum(kb) / n, 1)
            sizes["dossier_folder_kb_max"] = round(max(kb), 1)
            pdf_kb = [(f / "dossier.pdf").stat().st_size / 1000 for f in folders]
            sizes["dossier_pdf_kb_mean"] = round(sum(pdf_kb) / n, 1)
            # what the bound holds (photos, attachments and imagery chips aside), and the
            # same with the chips, which are in the folder and again, as they are, in the PDF
            from rsgeo.outputs.dossier.build import own_bytes

            own = [own_bytes(f) / 1000 for f in folders]
            sizes["dossier_own_kb_max"] = round(max(own), 1)
            chips = [sum(c.stat().st_size for c in f.glob("imagery_*")) / 1000 for f in folders]
            with_chips = [o + 2 * c for o, c in zip(own, chips, strict=True) if c]
            if with_chips:
                sizes["dossiers_with_chips"] = len(with_chips)
                sizes["dossier_with_chips_kb_max"] = round(max(with_chips), 1)
    return sizes


def run_job(
    scale: str,
    data: Path,
    work: Path,
    *,
    dossiers: bool,
    seed: int,
    timeout_s: float | None = None,
) -> tuple[dict[str, Any], Path | None]:
    """Run the whole job of one scale in a child process; its figures and its data folder."""
    out = work / f"out-{scale}"
    if scale == "demo":
        folder = None
        cmd = ["demo", "--out", str(out)]
    else:
        n_p, n_f = SCALES[scale]
        folder = province_data(data, n_p, n_f, seed=seed)
        job = work / f"job-{scale}.toml"
        from rsgeo.synthetic.county import province_job  # here: the benchmark's process stays small

        text = province_job(folder, name=JOB_NAME, outputs={"dossiers": dossiers})
        job.write_text(text, encoding="utf-8")
        cmd = ["run", str(job), "--out", str(out)]
    cmd = [
        sys.executable,
        "-c",
        "import sys; from rsgeo.cli import main; sys.exit(main())",
        *cmd,
        "--overwrite",
        "--timings",
    ]
    print(f"\n== {scale}: {' '.join(cmd[3:])}", flush=True)
    load0 = os.getloadavg()
    child = run_child(cmd, timeout_s=timeout_s)
    load1 = os.getloadavg()
    wall, cpu, rss = child["wall_s"], child["cpu_s"], child["rss_mb"]
    if child["code"] != 0 and not child["timed_out"]:
        raise SystemExit(
            f"the job failed with exit code {child['code']} after {wall:.1f} s wall, "
            f"{cpu:.1f} s CPU, peak RSS {rss:.0f} MB; stages begun: {child['starts']}"
        )
    if child["timed_out"]:  # the stages so far, from the times their lines came
        starts = child["starts"]
        ends = [s for s, _ in starts[1:]] + [wall]
        stages = [
            {"stage": label, "wall_s": round(end - s, 1), "cpu_s": None, "peak_rss_mb": None}
            for (s, label), end in zip(starts, ends, strict=True)
        ]
        print(f"stopped after {timeout_s:.0f} s (--timeout); the stages so far:")
        for st in stages:
            print(f"  {st['wall_s']:9.1f} s  {st['stage']}")
        patches = None
    else:
        run = json.loads((out / "run.json").read_text(encoding="utf-8"))
        stages = run.get("timings", [])
        patches = run.get("patches")
    res: dict[str, Any] = {
        "scale": scale,
        "patches": patches,
        "farmland": None if scale == "demo" else SCALES[scale][1],
        "dossiers": dossiers or scale == "demo",
        "load_start": [round(v, 2) for v in load0],
        "load_end": [round(v, 2) for v in load1],
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "peak_rss_mb": round(rss, 1),
        "timed_out": child["timed_out"],
        "stage_starts": child["starts"],
        "stages": stages,
        "sizes": output_sizes(out),
    }
    if child["timed_out"]:
        return res, folder
    dossier_stage = _stage(res, "dossiers")
    if dossier_stage is not None and res["sizes"].get("dossiers"):
        n = res["sizes"]["dossiers"]
        res["dossier_ms_cpu"] = round(1000 * dossier_stage["cpu_s"] / n, 1)
    print_job(res)
    return res, folder


def print_job(res: dict[str, Any]) -> None:
    print(f"\n{res['scale']}: {res['patches']} patches; load average {res['load_start']} at start")
    print(f"{'wall s':>9} {'share':>6} {'CPU s':>9} {'peak RSS MB':>12}  stage")
    total = sum(s["wall_s"] for s in res["stages"]) or 1.0
    for s in res["stages"]:
        share = 100 * s["wall_s"] / total
        rss = "" if s["peak_rss_mb"] is None else f"{s['peak_rss_mb']:.0f}"
        print(f"{s['wall_s']:9.2f} {share:5.1f}% {s['cpu_s']:9.2f} {rss:>12}  {s['stage']}")
    print(
        f"whole run (child process, start-up and moving the outputs included): "
        f"{res['wall_s']:.1f} s wall, {res['cpu_s']:.1f} s CPU, peak RSS {res['peak_rss_mb']:.0f} MB"
    )
    print(f"outputs: {res['sizes']}")
    if "dossier_ms_cpu" in res:
        print(f"dossiers: {res['dossier_ms_cpu']} ms CPU per dossier")
    print(f"load average at the end: {res['load_end']}")


# --------------------------------------------------------------------------- overlay comparison


def duckdb_areas(patches: Any, farmland: Any) -> Any:
    """Each patch's planar area inside the farmland layer, by DuckDB spatial (R-tree join).

    The geometries go in as WKB (a pandas frame DuckDB scans); the time includes building
    DuckDB's geometries from them (as rsgeo's includes its own preparation).
    """
    import duckdb
    import duckdb_extensions
    import numpy as np
    import pandas as pd
    import shapely

    duckdb_extensions.import_extension("spatial")
    con = duckdb.connect()
    con.execute("LOAD spatial")
    wkb = shapely.to_wkb(patches.geometry.values)
    p = pd.DataFrame({"pid": np.arange(len(patches)), "wkb": np.asarray(wkb, dtype=object)})
    f = pd.DataFrame({"wkb": np.asarray(shapely.to_wkb(farmland.geometry.values), dtype=object)})
    con.register("p_in", p)
    con.register("f_in", f)
    con.execute("CREATE TABLE p AS SELECT pid, ST_GeomFromWKB(wkb) AS geom FROM p_in")
    con.execute("CREATE TABLE f AS SELECT ST_GeomFromWKB(wkb) AS geom FROM f_in")
    got = con.execute(
        "SELECT p.pid, SUM(ST_Area(ST_Intersection(p.geom, f.geom))) AS a "
        "FROM p JOIN f ON ST_Intersects(p.geom, f.geom) GROUP BY p.pid"
    ).fetchnumpy()
    con.close()
    return got


def geopandas_areas(patches: Any, farmland: Any) -> Any:
    """``geopandas.overlay`` + groupby: each patch's planar area inside the layer."""
    import geopandas as gpd

    left = patches.reset_index()[["patch_id", "geometry"]]
    pieces = gpd.overlay(left, farmland[["geometry"]], how="intersection", keep_geom_type=True)
    return pieces.area.groupby(pieces["patch_id"]).sum()


def compare_overlay(folder: Path, *, geopandas: bool, n_jobs: int | None) -> dict[str, Any]:
    """rsgeo.overlay vs DuckDB spatial vs geopandas.overlay, patches × farmland, same data."""
    import geopandas as gpd

    from rsgeo.analysis.layer_overlay import overlay

    arrow = importlib.util.find_spec("pyarrow") is not None
    patches = gpd.read_file(folder / "patches.gpkg", engine="pyogrio", use_arrow=arrow)
    patches = patches.set_index("patch_id") if "patch_id" in patches.columns else patches
    patches.index.name = "patch_id"
    patches = patches[["geometry"]]
    farmland = gpd.read_file(folder / "farmland.gpkg", engine="pyogrio", use_arrow=arrow)
    farmland = farmland[["geometry"]]
    print(
        f"\noverlay, same run, same data: {len(patches):,} patches x {len(farmland):,} farmland "
        f"polygons (read before timing); load average {tuple(round(v, 2) for v in os.getloadavg())}"
    )
    overlay(patches.iloc[:20], {"farmland": farmland.iloc[:2000]}, progress=False)  # warm up

    def timed(label: str, fn: Callable[[], Any]) -> tuple[Any, float]:
        t = time.perf_counter()
        got = fn()
        sec = time.perf_counter() - t
        print(f"  {label:<34s} {sec:8.2f} s", flush=True)
        return got, sec

    res: dict[str, Any] = {"load_start": [round(v, 2) for v in os.getloadavg()]}
    kw: dict[str, Any] = {"progress": False, "n_jobs": n_jobs}
    ours, res["rsgeo_s"] = timed(
        "rsgeo.overlay", lambda: overlay(patches, {"farmland": farmland}, **kw)
    )
    duck, res["duckdb_s"] = timed("DuckDB spatial", lambda: duckdb_areas(patches, farmland))
    res["vs_duckdb"] = round(res["duckdb_s"] / res["rsgeo_s"], 2)
    # a check that both computed the same thing: total area inside farmland (DuckDB planar,
    # rsgeo ellipsoidal with overlapping copies counted once, so close but not equal)
    res["total_ha"] = {
        "rsgeo": round(float(ours["farmland_m2"].sum()) / 1e4, 1),
        "duckdb": round(float(duck["a"].sum()) / 1e4, 1),
    }
    if geopandas:
        gp, res["geopandas_s"] = timed(
            "geopandas.overlay + groupby", lambda: geopandas_areas(patches, farmland)
        )
        res["vs_geopandas"] = round(res["geopandas_s"] / res["rsgeo_s"], 2)
        res["total_ha"]["geopandas"] = round(float(gp.sum()) / 1e4, 1)
    print(
        f"  => rsgeo is {res['vs_duckdb']:.2f}x DuckDB spatial"
        + (f", {res['vs_geopandas']:.2f}x geopandas.overlay" if geopandas else "")
        + f"; area inside farmland, ha: {res['total_ha']}"
    )
    res["load_end"] = [round(v, 2) for v in os.getloadavg()]
    return res


# --------------------------------------------------------------------------- targets


def _stage(res: dict[str, Any], key: str) -> dict[str, Any] | None:
    """A stage's figures; for ``dossiers``, its start and its wait at the end together
    (the workers build while the other outputs are written, and their CPU is counted
    when they end, in the wait)."""
    found = [
        s
        for s in res.get("stages", [])
        if s["stage"] == key or (key == "dossiers" and s["stage"] == "dossiers_wait")
    ]
    if not found:
        return None
    if len(found) == 1:
        return dict(found[0])
    cpu = [s["cpu_s"] for s in found]
    return {
        "stage": key,
        "wall_s": round(sum(s["wall_s"] for s in found), 3),
        "cpu_s": None if None in cpu else round(sum(cpu), 3),
        "peak_rss_mb": found[-1]["peak_rss_mb"],
    }


def targets(results: dict[str, dict[str, Any]]) -> list[tuple[str, str, str]]:
    """Each target of the issue: (target, measured, met / not met / not measured)."""
    rows: list[tuple[str, str, str]] = []
    # an entry made by --overlay-only holds no job figures
    runs = {k: r for k, r in results.items() if "wall_s" in r}

    def add(name: str, measured: str | None, ok: bool | None) -> None:
        verdict = "not measured" if ok is None else ("met" if ok else "NOT MET")
        rows.append((name, measured or "—", verdict))

    demo = runs.get("demo")
    add(
        "rsgeo demo (all outputs, dossiers included) < 10 s wall",
        demo and f"{demo['wall_s']:.1f} s" + (" (stopped)" if demo.get("timed_out") else ""),
        demo and demo["wall_s"] < 10 and not demo.get("timed_out"),
    )
    for scale, wall_max, rss_max in (("50k", 120, 4096), ("500k", 900, 8192)):
        r = runs.get(scale) or runs.get(f"{scale}+dossiers")
        if r is not None and r.get("timed_out"):  # stopped: only a lower bound
            add(
                f"{scale} x 1M, all outputs except dossiers < {wall_max // 60} min",
                f"> {r['wall_s']:.0f} s (stopped)",
                False if r["wall_s"] >= wall_max else None,
            )
            rss = r.get("peak_rss_mb")
            add(
                f"{scale} x 1M, peak RSS < {rss_max // 1024} GB",
                None if rss is None else f">= {rss / 1024:.1f} GB (stopped)",
                None if rss is None or rss < rss_max else False,
            )
            continue
        wall = None
        if r is not None:  # the run without its dossiers stage
            d = _stage(r, "dossiers")
            wall = r["wall_s"] - (d["wall_s"] if d else 0.0)
        add(
            f"{scale} x 1M, all outputs except dossiers < {wall_max // 60} min",
            None if wall is None else f"{wall:.0f} s",
            None if wall is None else wall < wall_max,
        )
        add(
            f"{scale} x 1M, peak RSS < {rss_max // 1024} GB",
            r and f"{r['peak_rss_mb'] / 1024:.1f} GB",
            r and r["peak_rss_mb"] < rss_max,
        )
    r = runs.get("50k+dossiers")
    d = r and _stage(r, "dossiers")
    add(
        "dossiers for 50k patches < 15 min more",
        d and f"{d['wall_s'] / 60:.1f} min",
        d and d["wall_s"] < 900,
    )
    for scale in ("demo", "50k+dossiers", "5k+dossiers", "5k-100k+dossiers"):
        r = runs.get(scale)
        if r and "dossier_ms_cpu" in r:
            add(
                f"dossier <= 20 ms CPU ({scale})",
                f"{r['dossier_ms_cpu']} ms",
                r["dossier_ms_cpu"] <= 20,
            )
            sizes = r["sizes"]
            own = sizes.get("dossier_own_kb_max")
            kb = sizes.get("dossier_folder_kb_mean", sizes.get("kb_per_dossier"))
            add(
                f"dossier folder <= 80 KB ({scale}), photos, attachments, chips aside",
                None if own is None else f"largest {own} KB (mean {kb} KB with everything)",
                None if own is None else own <= 80,
            )
            chips = sizes.get("dossier_with_chips_kb_max")
            if chips is not None:
                add(
                    f"dossier folder <= 80 KB ({scale}) with its imagery chips",
                    f"largest {chips} KB ({sizes['dossiers_with_chips']} dossiers with chips)",
                    chips <= 80,
                )
    r = runs.get("50k")
    sizes = r and r["sizes"]
    add(
        "county map at 50k < 30 MB",
        sizes and f"{sizes.get('county_map_mb')} MB",
        sizes and sizes.get("county_map_mb", 1e9) < 30,
    )
    add(
        "each field map at 50k < 15 MB",
        sizes and f"{sizes.get('largest_field_map_mb')} MB (largest)",
        sizes and sizes.get("largest_field_map_mb", 1e9) < 15,
    )
    for scale in ("5k", "50k", "500k"):
        r = results.get(scale) or results.get(f"{scale}+dossiers")
        o = r and r.get("overlay")
        add(
            f"overlay >= 2x DuckDB spatial at {scale} x 1M",
            o and f"{o['vs_duckdb']:.2f}x ({o['rsgeo_s']:.1f} s vs {o['duckdb_s']:.1f} s)",
            o and o["vs_duckdb"] >= 2,
        )
    return rows


def print_targets(results: dict[str, dict[str, Any]]) -> None:
    print("\ntargets (figures from results.json; when and on which commit each was measured):")
    for key, r in sorted(results.items()):
        if "wall_s" in r:
            print(f"  {key}: {r['measured_at']} commit {r['commit']} load {r['load_start']}")
        if "overlay" in r:
            o = r["overlay"]
            print(
                f"  {key} overlay: {o.get('measured_at', r.get('measured_at'))} "
                f"commit {o.get('commit', r.get('commit'))} load {o['load_start']}"
            )
    rows = targets(results)
    width = max(len(r[0]) for r in rows)
    for name, measured, verdict in rows:
        print(f"  {name:<{width}}  {measured:>28}  {verdict}")


def _commit() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return head + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _load(store: Path) -> dict[str, dict[str, Any]]:
    return json.loads(store.read_text(encoding="utf-8")) if store.exists() else {}


def _store(store: Path, key: str, res: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Add one scale's figures to the store, re-read first (runs in pieces may overlap)."""
    results = _load(store)
    results[key] = res
    tmp = store.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(store)
    return results


def compile_package() -> None:
    """rsgeo's modules compiled to bytecode, as installing the package leaves them.

    Python compiles a module without it at every start when it may not write
    the bytecode (``PYTHONDONTWRITEBYTECODE``, a read-only checkout): 0.2 s of
    every run here, which an installed rsgeo does not spend.
    """
    import compileall

    import rsgeo

    compileall.compile_dir(Path(rsgeo.__file__).parent, quiet=1)
    print("rsgeo's bytecode compiled (as an installed package has it)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--scale", action="append", choices=["demo", *SCALES], default=[], help="repeatable"
    )
    ap.add_argument("--all", action="store_true", help=f"every scale: {', '.join(ALL)}")
    ap.add_argument("--targets", action="store_true", help="only print the targets table")
    ap.add_argument("--data", type=Path, default=Path("/tmp/rsgeo-bench-data"))
    ap.add_argument(
        "--work", type=Path, default=None, help="job files and outputs (default --data/runs)"
    )
    ap.add_argument("--results", type=Path, default=None, help="default: --data/results.json")
    ap.add_argument("--dossiers", action="store_true", help="province runs with dossiers too")
    ap.add_argument(
        "--no-overlay", action="store_true", help="skip the DuckDB / geopandas comparison"
    )
    ap.add_argument(
        "--overlay-only", action="store_true", help="only the overlay comparison (no job run)"
    )
    ap.add_argument("--no-geopandas", action="store_true", help="compare with DuckDB only")
    ap.add_argument("--jobs", type=int, default=None, help="rsgeo.overlay n_jobs in the comparison")
    ap.add_argument(
        "--timeout", type=float, default=None, help="stop a job after this many seconds"
    )
    ap.add_argument("--keep", action="store_true", help="keep the job outputs")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    work = args.work or args.data / "runs"
    work.mkdir(parents=True, exist_ok=True)
    store = args.results or args.data / "results.json"
    results = _load(store)
    scales = [] if args.targets else list(ALL) if args.all else args.scale
    print(f"cores: {os.cpu_count()}, load average at start: {os.getloadavg()}")
    if scales and not args.overlay_only:
        compile_package()
    for scale in scales:
        key = scale + ("+dossiers" if args.dossiers and scale != "demo" else "")
        if args.overlay_only:
            if scale == "demo":
                continue
            folder = province_data(args.data, *SCALES[scale], seed=args.seed)
            commit = _commit()
            res = results.get(key, {"scale": scale})
            res["overlay"] = compare_overlay(
                folder, geopandas=not args.no_geopandas, n_jobs=args.jobs
            )
            res["overlay"]["measured_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            res["overlay"]["commit"] = commit
            results = _store(store, key, res)
            continue
        commit, started = _commit(), dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        res, folder = run_job(
            scale, args.data, work, dossiers=args.dossiers, seed=args.seed, timeout_s=args.timeout
        )
        res["measured_at"], res["commit"] = started, commit  # the code the run started on
        results = _store(store, key, res)
        if folder is not None and not args.no_overlay:
            # in a child of its own: this process stays small, and Linux hands a
            # process's peak RSS on through fork and exec to the next job's child
            cmd = [sys.executable, __file__, "--scale", scale, "--overlay-only"]
            cmd += ["--data", str(args.data), "--results", str(store), "--seed", str(args.seed)]
            cmd += ["--no-geopandas"] if args.no_geopandas else []
            cmd += ["--dossiers"] if args.dossiers else []
            cmd += ["--jobs", str(args.jobs)] if args.jobs else []
            subprocess.run(cmd, check=True, env=_env())
        if not args.keep:
            shutil.rmtree(work / f"out-{scale}", ignore_errors=True)
    print_targets(_load(store))
    print(f"\nload average at the end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
