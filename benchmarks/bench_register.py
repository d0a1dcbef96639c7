"""The patch register: ingest 100,000 patches; the state as of a day over 1,000,000 events.

    python benchmarks/bench_register.py                 # GeoPackage
    python benchmarks/bench_register.py --postgis       # and PostGIS beside it (a throw-away
                                                        # cluster, tests/postgis.py)
    python benchmarks/bench_register.py --patches 20000 # smaller

Goals (issue: the patch register): ingest 100,000 patches into the GeoPackage
register in < 30 s; the state as of a day (patches, determinations and the
reconciliation) over 1,000,000 events in < 10 s. The patches come from
``rsgeo.synthetic.province.make_patches``; the events are one ``deliver`` per
patch, then rounds of determination tables (each row a ``determine`` event,
half of them with a ``rectify`` event) until there are a million.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from rsgeo.register import Register
from rsgeo.register.record import record_determinations
from rsgeo.synthetic.province import make_patches

BOUNDS = (480_000, 2_700_000, 560_000, 2_800_000)  # EPSG:4545, Rongshui


def _table(ids: pd.Index, round_no: int, rng: np.random.Generator) -> pd.DataFrame:
    n = len(ids)
    rect = rng.random(n) < 0.5
    day = pd.Timestamp("2021-01-01") + pd.to_timedelta(round_no * 30 + 10, unit="D")
    return pd.DataFrame(
        {
            "determination": np.where(rng.random(n) < 0.4, "违法", "合法"),
            "illegal_area_m2": rng.uniform(100, 5000, n),
            "rectification_method": np.where(rect, "拆除复耕", None),
            "rectification_date": pd.Series(np.where(rect, day, pd.NaT), dtype="datetime64[ns]"),
            "responsible_party": [f"当事人{i % 997}" for i in range(n)],
        },
        index=pd.Index(ids, name="patch_id"),
    )


def run(target: str, n_patches: int, n_events: int) -> dict[str, float]:
    patches = make_patches(n_patches, bounds=BOUNDS, seed=1)
    times: dict[str, float] = {}
    reg = Register.create(target, crs=4545, user="bench")
    t = time.perf_counter()
    reg.ingest(patches, batch="2021M01", delivered_on="2021-01-05")
    times["ingest"] = time.perf_counter() - t
    rng = np.random.default_rng(0)
    events = len(reg.events())
    round_no = 0
    t = time.perf_counter()
    while events < n_events:
        table = _table(patches.index, round_no, rng)
        done = record_determinations(
            reg._store,
            table,
            on=dt.date(2021, 1, 5) + dt.timedelta(days=30 * round_no),
            source=None,
            sha256=None,
            by="bench",
        )
        events += done["determinations"] + done["rectifications"]
        round_no += 1
    times["record"] = time.perf_counter() - t
    times["events"] = float(events)
    day = dt.date(2021, 1, 5) + dt.timedelta(days=30 * round_no // 2)
    t = time.perf_counter()
    reg.patches(as_of=day)
    times["patches_as_of"] = time.perf_counter() - t
    t = time.perf_counter()
    reg.determinations(as_of=day)
    times["determinations_as_of"] = time.perf_counter() - t
    t = time.perf_counter()
    reg.reconcile(as_of=day)
    times["reconcile_as_of"] = time.perf_counter() - t
    reg.close()
    return times


@contextlib.contextmanager
def _postgis() -> Iterator[str]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import postgis

    with postgis.cluster() as running:
        yield postgis.new_database(running.url)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patches", type=int, default=100_000)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--postgis", action="store_true")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}; {args.patches} patches, {args.events} events")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["GeoPackage"] = run(str(Path(tmp) / "台账.gpkg"), args.patches, args.events)
    if args.postgis:
        with _postgis() as url:
            results["PostGIS"] = run(url, args.patches, args.events)
    keys = ["ingest", "record", "patches_as_of", "determinations_as_of", "reconcile_as_of"]
    print(f"{'':12}" + "".join(f"{k:>22}" for k in keys) + f"{'events':>10}")
    for name, t in results.items():
        cells = "".join(f"{t[k]:>21.2f}s" for k in keys)
        print(f"{name:12}{cells}{int(t['events']):>10}")


if __name__ == "__main__":
    main()
