"""The throw-away PostgreSQL + PostGIS of the tests (tests/postgis.py) against the real server.

Geometry goes in and out as WKB and is measured by PostGIS, compared with
shapely; the server's isolation is shown on interleavings fixed by hand (a
lost update without a lock, refused under SERIALIZABLE, prevented by
``SELECT … FOR UPDATE``) and on two connections incrementing at once: the
patterns the register's concurrency tests follow. Last, a pytest run in a
child process shows the cluster's folder and processes gone after the
session, after a failing test too, and after the test process is killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import postgis
import psutil
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon

TESTS = Path(__file__).resolve().parent


def _connect(url: str, **kwargs: Any) -> Any:
    return postgis.psycopg().connect(url, **kwargs)


def test_polygon_round_trip_in_epsg_4545(postgis_db: str) -> None:
    # a Gauss-Krüger plane (CGCS2000, 3° zone at 108° E) patch with a hole, and
    # a multipolygon, as the register stores patches
    outer = [
        (500_000.0, 2_800_000.0),
        (500_130.5, 2_800_010.25),
        (500_120.0, 2_800_095.75),
        (500_002.0, 2_800_090.0),
    ]
    hole = [(500_040.0, 2_800_020.0), (500_080.0, 2_800_030.0), (500_070.0, 2_800_050.0)]
    shapes = [
        Polygon(outer, [hole]),
        MultiPolygon(
            [
                Polygon([(501_000, 2_801_000), (501_200, 2_801_000), (501_100, 2_801_150)]),
                Polygon([(502_000, 2_801_000), (502_010, 2_801_000), (502_010, 2_801_010)]),
            ]
        ),
    ]
    with _connect(postgis_db) as conn:
        conn.execute("CREATE TABLE patch (id int PRIMARY KEY, geom geometry(Geometry, 4545))")
        for i, shape in enumerate(shapes):
            conn.execute(
                "INSERT INTO patch VALUES (%s, ST_GeomFromWKB(%s, 4545))",
                (i, shapely.to_wkb(shape)),
            )
        conn.commit()
        rows = conn.execute(
            "SELECT id, ST_Area(geom), ST_AsBinary(geom), ST_SRID(geom), "
            "(SELECT auth_name || ':' || auth_srid FROM spatial_ref_sys WHERE srid = 4545) "
            "FROM patch ORDER BY id"
        ).fetchall()
    assert len(rows) == len(shapes)
    for (i, area_m2, wkb, srid, crs), shape in zip(rows, shapes, strict=True):
        assert srid == 4545 and crs == "EPSG:4545"
        assert area_m2 == pytest.approx(shape.area, rel=1e-12)
        back = shapely.from_wkb(bytes(wkb))
        assert back.geom_type == shape.geom_type
        assert shapely.equals_exact(back, shape, tolerance=0.0), i


def _read(conn: Any) -> int:
    return int(conn.execute("SELECT n FROM counter WHERE id = 1").fetchone()[0])


def _counter(url: str) -> None:
    with _connect(url) as conn:
        conn.execute("CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)")
        conn.execute("INSERT INTO counter VALUES (1, 0)")


def test_read_modify_write_without_lock_loses_an_update(postgis_db: str) -> None:
    # the hazard the register must guard against, shown on the real server:
    # both read 0, both write 1
    _counter(postgis_db)
    with _connect(postgis_db) as a, _connect(postgis_db) as b:
        n_a, n_b = _read(a), _read(b)
        a.execute("UPDATE counter SET n = %s WHERE id = 1", (n_a + 1,))
        a.commit()
        b.execute("UPDATE counter SET n = %s WHERE id = 1", (n_b + 1,))
        b.commit()
        assert _read(a) == 1


def test_serializable_refuses_the_second_writer(postgis_db: str) -> None:
    psycopg = postgis.psycopg()
    _counter(postgis_db)
    with _connect(postgis_db) as a, _connect(postgis_db) as b:
        for conn in (a, b):
            conn.isolation_level = psycopg.IsolationLevel.SERIALIZABLE
        n_a, n_b = _read(a), _read(b)
        a.execute("UPDATE counter SET n = %s WHERE id = 1", (n_a + 1,))
        a.commit()
        with pytest.raises(psycopg.errors.SerializationFailure):
            b.execute("UPDATE counter SET n = %s WHERE id = 1", (n_b + 1,))
        b.rollback()
        assert _read(b) == 1  # a's update, and b may retry on it


def test_select_for_update_waits_for_the_first_writer(postgis_db: str) -> None:
    _counter(postgis_db)
    seen: list[int] = []
    with _connect(postgis_db) as a, _connect(postgis_db) as b:
        n_a = int(a.execute("SELECT n FROM counter WHERE id = 1 FOR UPDATE").fetchone()[0])
        b_pid = b.info.backend_pid

        def second() -> None:
            seen.append(
                int(b.execute("SELECT n FROM counter WHERE id = 1 FOR UPDATE").fetchone()[0])
            )
            b.execute("UPDATE counter SET n = %s WHERE id = 1", (seen[0] + 1,))
            b.commit()

        thread = threading.Thread(target=second)
        thread.start()
        with _connect(postgis_db, autocommit=True) as watch:
            for _ in range(200):  # the server itself says b waits on a's row lock
                wait = watch.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (b_pid,)
                ).fetchone()
                if wait is not None and wait[0] == "Lock":
                    break
                time.sleep(0.02)
            else:
                pytest.fail("the second SELECT … FOR UPDATE did not wait for the row lock")
        assert seen == []
        a.execute("UPDATE counter SET n = %s WHERE id = 1", (n_a + 1,))
        a.commit()
        thread.join(timeout=30)
        assert seen == [1]  # b read a's committed value after the lock was released
        assert _read(a) == 2


@pytest.mark.parametrize("how", ["for_update", "serializable"])
def test_two_connections_incrementing_at_once_lose_nothing(postgis_db: str, how: str) -> None:
    psycopg = postgis.psycopg()
    _counter(postgis_db)
    rounds = 40
    start = threading.Barrier(2)
    retries: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with _connect(postgis_db) as conn:
                if how == "serializable":
                    conn.isolation_level = psycopg.IsolationLevel.SERIALIZABLE
                lock = " FOR UPDATE" if how == "for_update" else ""
                start.wait()
                for _ in range(rounds):
                    while True:
                        try:
                            row = conn.execute(
                                f"SELECT n FROM counter WHERE id = 1{lock}"
                            ).fetchone()
                            conn.execute("UPDATE counter SET n = %s WHERE id = 1", (row[0] + 1,))
                            conn.commit()
                            break
                        except psycopg.errors.SerializationFailure:
                            conn.rollback()
                            retries.append(1)
        except BaseException as exc:  # reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with _connect(postgis_db) as conn:
        assert _read(conn) == 2 * rounds
    if how == "for_update":
        assert retries == []


# A session of its own in a child pytest: the real fixture, a passing and a
# failing test; each writes the data directory the server reports.
_CHILD_CONFTEST = """
import importlib.util, sys
sys.path.insert(0, {tests!r})
spec = importlib.util.spec_from_file_location("rsgeo_tests_conftest", {conftest!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
postgis_url = module.postgis_url
"""

_CHILD_TEST = """
from pathlib import Path
import postgis

def _record(url, name):
    with postgis.psycopg().connect(url) as conn:
        folder = conn.execute("SHOW data_directory").fetchone()[0]
    Path({record!r}, name).write_text(folder)

def test_passes(postgis_url):
    _record(postgis_url, "pass")
    assert Path({record!r}, "pass").read_text()

def test_fails(postgis_url):
    _record(postgis_url, "fail")
    assert False, "a failing test"
"""


def _leftovers(folder: str) -> list[str]:
    """Processes whose command line names ``folder`` (the cluster's server)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if folder in cmdline:
            found.append(cmdline)
    return found


def _gone(data_dir: str, *, within_s: float = 20.0) -> None:
    folder = str(Path(data_dir).parent)
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline and (Path(folder).exists() or _leftovers(folder)):
        time.sleep(0.1)
    assert not Path(folder).exists(), f"{folder} left behind"
    assert _leftovers(folder) == []


def test_cluster_is_gone_after_a_session_with_a_failing_test(tmp_path: Path) -> None:
    postgis.require()
    postgis.psycopg()
    child = tmp_path / "child"
    record = tmp_path / "record"
    child.mkdir()
    record.mkdir()
    (child / "conftest.py").write_text(
        _CHILD_CONFTEST.format(tests=str(TESTS), conftest=str(TESTS / "conftest.py"))
    )
    (child / "test_child.py").write_text(_CHILD_TEST.format(record=str(record)))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(child)],
        cwd=child,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "1 failed, 1 passed" in done.stdout, done.stdout + done.stderr
    data_dir = (record / "pass").read_text()
    assert (record / "fail").read_text() == data_dir  # one cluster for the session
    _gone(data_dir)


def test_cluster_is_gone_after_the_test_process_is_killed(tmp_path: Path) -> None:
    postgis.require()
    postgis.psycopg()
    script = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(TESTS)!r})
        import postgis
        with postgis.cluster() as running:
            with postgis.psycopg().connect(running.url) as conn:
                print(conn.execute("SHOW data_directory").fetchone()[0], flush=True)
            time.sleep(600)
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    try:
        assert child.stdout is not None
        data_dir = child.stdout.readline().strip()
        assert data_dir and Path(data_dir).is_dir()
        assert _leftovers(str(Path(data_dir).parent)) != []  # the server runs
    finally:
        child.send_signal(signal.SIGKILL)  # no teardown: only the watchdog is left to clean
        child.wait(timeout=30)
    _gone(data_dir)
