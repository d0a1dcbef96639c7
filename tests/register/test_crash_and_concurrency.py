"""A killed ingest leaves the register as it was; two writers at once lose nothing.

Both run real processes (``worker.py``) against a GeoPackage file and a
PostGIS database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from rsgeo.register import Register

from .worker import patches

WORKER = Path(__file__).with_name("worker.py")
ROOT = Path(__file__).resolve().parents[2]


def _spawn(*args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.Popen(
        [sys.executable, str(WORKER), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def _counts(reg: Register) -> tuple[int, int, int]:
    return len(reg.events()), len(reg.batches()), len(reg.patches())


def test_sigkill_in_the_middle_of_an_ingest(target: str) -> None:
    with Register.create(target, crs=4524) as reg:
        reg.ingest(patches("p", 10), batch="2020Q1", delivered_on="2020-04-05")
        before = _counts(reg)
    proc = _spawn("crash", target)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "INSIDE"  # rows written, not committed
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with Register(target) as reg:
        assert _counts(reg) == before
        assert "killed" not in reg.batches().index
        # the register is whole and takes the batch again
        reg.ingest(patches("k", 500), batch="killed", delivered_on="2020-07-05")
        assert len(reg.patches()) == 510
    if not target.startswith("postgresql"):
        import sqlite3

        con = sqlite3.connect(target)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.close()


def test_two_writers_at_once_lose_no_update(target: str) -> None:
    with Register.create(target, crs=4524) as reg:
        reg.ingest(patches("p", 20), batch="2020Q1", delivered_on="2020-04-05")
    procs = [_spawn("close", target, name) for name in ("甲", "乙")]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "READY"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    closed = [int(o.split()[-1]) for o in outs]
    with Register(target) as reg:
        events = reg.events()
        state = reg.state()
        batches = reg.batches()
    # each patch closed exactly once, by one writer or the other
    closes = events[events["kind"] == "close"]
    assert sum(closed) == 20 == len(closes) == closes["patch_id"].nunique()
    assert state.loc[[f"p{i}" for i in range(20)], "closed_on"].notna().all()
    # every batch of both writers is there, with all its patches and events
    assert len(batches) == 1 + 2 * 5
    assert (events["kind"] == "deliver").sum() == 20 + 2 * 5 * 3
