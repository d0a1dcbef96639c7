"""A real PostgreSQL with PostGIS for the tests: a throw-away cluster per test session.

``.ci/install_postgis.sh`` installs the server and PostGIS (Debian packages);
the ``postgis_url`` fixture (tests/conftest.py) starts a cluster of its own
with :func:`cluster`: ``initdb`` into a fresh temporary folder, the server on
a free port of 127.0.0.1 (its unix socket in the same folder, never the
system's), PostGIS created in ``template1`` (so every database created later
has it) and in the database ``rsgeo`` of the URL. The cluster is stopped and
its folder removed when the session ends, also on a failure or Ctrl-C; a
watchdog process does the same if the test process itself is killed.

Run as root (CI containers), the server runs as the ``postgres`` user
(``initdb`` refuses root); as an ordinary user it runs as that user.

Without PostgreSQL, PostGIS or psycopg a test skips and says what to
install; under CI (``CI=true``) it fails instead, so CI never skips a
PostGIS test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
INSTALL = "Debian/Ubuntu: bash .ci/install_postgis.sh (postgresql, postgresql-postgis)"
DATABASE = "rsgeo"
SUPERUSER = "rsgeo"


def _missing(why: str) -> None:
    """Skip with ``why``; under CI fail instead."""
    if IN_CI:
        pytest.fail(f"{why}: CI must run this test")
    pytest.skip(why)


def _bindir_ok(path: Path) -> bool:
    return all((path / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres", "psql"))


def server_bindir() -> Path | None:
    """The folder of ``initdb``, ``pg_ctl``, ``postgres`` and ``psql``, or None.

    ``pg_config --bindir`` first, then the newest ``/usr/lib/postgresql/N/bin``
    (Debian keeps the server off PATH), then ``initdb`` on PATH.
    """
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0 and _bindir_ok(Path(out.stdout.strip())):
            return Path(out.stdout.strip())
    debian = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if p.parent.name.isdigit()),
        key=lambda p: int(p.parent.name),
        reverse=True,
    )
    for path in debian:
        if _bindir_ok(path):
            return path
    initdb = shutil.which("initdb")
    if initdb is not None and _bindir_ok(Path(initdb).parent):
        return Path(initdb).parent
    return None


def _has_postgis(bindir: Path) -> bool:
    """Whether the server of ``bindir`` has the PostGIS extension installed."""
    pg_config = bindir / "pg_config"
    if not pg_config.is_file():
        return True  # no way to look: CREATE EXTENSION says it
    out = subprocess.run([pg_config, "--sharedir"], capture_output=True, text=True, check=False)
    return (Path(out.stdout.strip()) / "extension" / "postgis.control").is_file()


def psycopg() -> Any:
    """The psycopg (v3) module; skips (fails under CI) when it is not installed."""
    try:
        import psycopg as module
    except ImportError:
        _missing('psycopg is not installed (pip install -e ".[postgis]")')
    return module


@dataclass(frozen=True)
class Cluster:
    """A running throw-away cluster: its URL, folder and port."""

    url: str
    folder: Path
    port: int
    bindir: Path


def _server_user() -> dict[str, Any]:
    """Popen arguments that run a command as the server's user (``postgres`` when root)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return {}
    import pwd  # POSIX only

    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    _missing("running as root and no 'postgres' or 'nobody' user to run the server as")
    return {}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _psql(bindir: Path, port: int, database: str, sql: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(bindir / "psql"),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            SUPERUSER,
            "-d",
            database,
            "-c",
            sql,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
    )


# Run by the watchdog: waits for the test process to close the pipe (it does so
# on exit, or the kernel does when it dies), then stops the server and removes
# the cluster's folder.
_WATCHDOG = 'cat >/dev/null; "$1" stop -D "$2" -m immediate -w >/dev/null 2>&1; rm -rf "$3"'


def require() -> Path:
    """The server's bindir; skips (fails under CI) without PostgreSQL and PostGIS."""
    if os.name != "posix":
        _missing(
            "the PostGIS tests start a PostgreSQL server of their own on Linux or macOS; "
            "on Windows they run in WSL"
        )
    bindir = server_bindir()
    if bindir is None:
        _missing(f"PostgreSQL server (initdb, pg_ctl) is not installed ({INSTALL})")
    assert bindir is not None
    if not _has_postgis(bindir):
        _missing(f"PostGIS is not installed for the PostgreSQL of {bindir} ({INSTALL})")
    return bindir


@contextlib.contextmanager
def cluster() -> Iterator[Cluster]:
    """Start a throw-away PostgreSQL + PostGIS cluster; stop and remove it on exit.

    Skips (fails under CI) when PostgreSQL or PostGIS is not installed.
    """
    bindir = require()
    as_server = _server_user()
    folder = Path(tempfile.mkdtemp(prefix="rsgeo-pg-"))
    data = folder / "data"
    watchdog: subprocess.Popen[bytes] | None = None
    try:
        if as_server:
            os.chown(folder, as_server["user"], as_server["group"])
        run_as = {**as_server, "cwd": str(folder)}
        watchdog = subprocess.Popen(
            ["sh", "-c", _WATCHDOG, "watchdog", str(bindir / "pg_ctl"), str(data), str(folder)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            **run_as,
        )
        init = subprocess.run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            **run_as,
        )
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stdout}{init.stderr}")
        with (data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(
                "\n# throw-away test cluster (tests/postgis.py)\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{folder}'\n"
                "fsync = off\n"
                "full_page_writes = off\n"
                "max_connections = 50\n"
            )
        port = _start(bindir, data, folder, run_as)
        for database, sql in (
            ("template1", "CREATE EXTENSION postgis"),
            ("postgres", f"CREATE DATABASE {DATABASE}"),
        ):
            done = _psql(bindir, port, database, sql)
            if done.returncode != 0:
                _missing(f"PostGIS could not be created ({INSTALL}): {done.stderr.strip()}")
        yield Cluster(
            url=f"postgresql://{SUPERUSER}@127.0.0.1:{port}/{DATABASE}",
            folder=folder,
            port=port,
            bindir=bindir,
        )
    finally:
        if data.exists():
            subprocess.run(
                [str(bindir / "pg_ctl"), "stop", "-D", str(data), "-m", "fast", "-w"],
                capture_output=True,
                timeout=60,
                check=False,
                **{**as_server, "cwd": "/"},
            )
        shutil.rmtree(folder, ignore_errors=True)
        if watchdog is not None:
            # its work is done; a forked child of the tests may still hold the
            # pipe open, so end the watchdog (its own process group) outright
            assert watchdog.stdin is not None
            watchdog.stdin.close()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(watchdog.pid, signal.SIGKILL)
            watchdog.wait(timeout=60)


def _start(bindir: Path, data: Path, folder: Path, run_as: dict[str, Any]) -> int:
    """Start the server on a free port of 127.0.0.1 and return the port."""
    log = folder / "server.log"
    for _ in range(5):
        port = _free_port()
        started = subprocess.run(
            [
                str(bindir / "pg_ctl"),
                "start",
                "-D",
                str(data),
                "-l",
                str(log),
                "-w",
                "-t",
                "60",
                "-o",
                f"-p {port}",
            ],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
            # its own session: Ctrl-C in the terminal does not stop the server
            # before the tests' teardown has used it
            start_new_session=True,
            **run_as,
        )
        if started.returncode == 0:
            return port
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        if "already in use" not in text:  # another port only helps a port taken meanwhile
            break
    raise RuntimeError(f"PostgreSQL did not start: {started.stdout}{started.stderr}\n{text}")


def new_database(url: str) -> str:
    """A new empty database (with PostGIS) on the cluster of ``url``; its URL."""
    pg = psycopg()
    name = "t_" + uuid.uuid4().hex[:12]
    with pg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + "/" + name


if __name__ == "__main__":  # pragma: no cover - by hand: start one and print its URL
    with cluster() as running:
        print(running.url, flush=True)
        sys.stdin.read()
