"""A second process writing to a register, for the crash and concurrency tests.

python worker.py crash TARGET        ingest a batch, stop inside the transaction
python worker.py close TARGET NAME   close (销号) p0…p19, ingest batches NAME-0…4
"""

from __future__ import annotations

import sys
import time

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from rsgeo.errors import RegisterError
from rsgeo.register import Register
from rsgeo.register.store import Store


def patches(prefix: str, n: int) -> gpd.GeoDataFrame:
    geoms = [
        box(36_500_000 + 100 * i, 2_770_000, 36_500_050 + 100 * i, 2_770_040) for i in range(n)
    ]
    ids = pd.Index([f"{prefix}{i}" for i in range(n)], name="patch_id")
    return gpd.GeoDataFrame({"change_type": ["20"] * n}, geometry=geoms, index=ids, crs=4524)


def crash(target: str) -> None:
    real = Store.executemany

    def stop_inside(self: Store, cur: object, sql: str, rows: object) -> None:
        real(self, cur, sql, rows)  # the patches are written, the transaction is open
        print("INSIDE", flush=True)
        time.sleep(120)

    Store.executemany = stop_inside  # type: ignore[method-assign]
    Register(target).ingest(patches("k", 500), batch="killed", delivered_on="2020-07-05")


def close_all(target: str, name: str) -> None:
    reg = Register(target, user=name)
    print("READY", flush=True)
    sys.stdin.readline()  # both start together
    closed = 0
    for i in range(20):
        try:
            reg.close_patch(f"p{i}", on="2020-06-01", note=name)
            closed += 1
        except RegisterError:
            pass
        if i % 4 == 0:
            reg.ingest(patches(f"{name}-{i}-", 3), batch=f"{name}-{i}", delivered_on="2020-06-01")
    print(f"CLOSED {closed}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "crash":
        crash(sys.argv[2])
    else:
        close_all(sys.argv[2], sys.argv[3])
