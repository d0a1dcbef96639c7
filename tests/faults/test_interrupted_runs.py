"""Runs of ``rsgeo run`` stopped by a signal: Ctrl-C, and ``kill -9`` at several points.

Whatever the moment, the output folder keeps the previous complete outputs
byte for byte (or, killed at the very end, holds the new complete ones);
nothing incomplete looks complete, no worker process outlives the run, and
the next run cleans up what a killed run left.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

import rsgeo
from rsgeo.job import load_job
from rsgeo.pipeline import run_job

MANIFEST = ".rsgeo-manifest.json"
USER_FILES = ("note.txt", "maps/note.txt", "csv/note.txt")
_RSGEO = "import sys; from rsgeo.cli import main; sys.exit(main())"


def hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def staging_folders(out: Path) -> list[Path]:
    """rsgeo's staging folders beside ``out`` (those with its marker file)."""
    found = out.parent.glob(f".{out.name}.rsgeo-tmp-*")
    return sorted(p for p in found if (p / ".rsgeo-staging.json").is_file())


def manifest(out: Path) -> dict | None:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if data.get("complete") is True else None


class Run:
    """``rsgeo run`` in a process group of its own; its standard error read as it comes."""

    def __init__(self, *args: str) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(Path(rsgeo.__file__).parents[1]), env.get("PYTHONPATH", "")]
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _RSGEO, *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        self.err = b""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        while chunk := os.read(self.proc.stderr.fileno(), 4096):
            self.err += chunk

    def wait_for(self, line: str, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while line.encode() not in self.err:
            assert self.proc.poll() is None, f"ended before {line!r}:\n{self.text}"
            assert time.monotonic() < end, f"no {line!r} in:\n{self.text}"
            time.sleep(0.02)

    def workers(self, timeout: float = 30) -> list[psutil.Process]:
        """The worker processes, once there are some."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = psutil.Process(self.proc.pid).children(recursive=True)
            if found:
                return found
            time.sleep(0.02)
        raise AssertionError(f"no worker process appeared:\n{self.text}")

    def end(self, timeout: float = 60) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code

    @property
    def text(self) -> str:
        return self.err.decode("utf-8", "replace")

    def kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


@pytest.fixture
def run() -> Iterator[list[Run]]:
    runs: list[Run] = []
    yield runs
    for r in runs:  # whatever a failed test left
        r.kill_group()


def gone(processes: list[psutil.Process], timeout: float) -> list[int]:
    """The processes still running after ``timeout`` seconds (zombies count as ended)."""
    end = time.monotonic() + timeout
    while True:
        alive = []
        for p in processes:
            try:
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(p.pid)
            except psutil.NoSuchProcess:
                pass
        if not alive or time.monotonic() > end:
            return alive
        time.sleep(0.05)


@pytest.fixture(scope="module")
def previous(small_job: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The outputs of an earlier run without dossiers: the runs here build every dossier."""
    job = load_job(small_job)
    out = tmp_path_factory.mktemp("previous") / "out"
    run_job(
        dataclasses.replace(job, outputs={**job.outputs, "dossiers": False}), out, progress=False
    )
    return out


@pytest.fixture
def out(previous: Path, tmp_path: Path) -> Path:
    """The previous complete outputs, with the user's files among them."""
    copy = tmp_path / "out"
    shutil.copytree(previous, copy)
    for rel in USER_FILES:
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        (copy / rel).write_text("the user's own", encoding="utf-8")
    return copy


def check_after_kill(out: Path, before: dict[str, str], small_job: Path | None) -> None:
    """The previous outputs, whole; or the new ones, complete; never something between.

    Then the next run's check puts back what a run killed while moving left aside,
    and removes its staging folder; and the next run (given ``small_job``) goes ahead.
    """
    from rsgeo.outputs.folder import check_out_dir

    now = manifest(out)
    if now is None:  # killed while moving the outputs in: the folder is not complete
        assert staging_folders(out)
    elif hashes(out) != before:  # killed after the last move: the new outputs, complete
        files = hashes(out)
        assert all(files[rel] == entry["sha256"] for rel, entry in now["files"].items())
        assert set(files) == {*now["files"], *USER_FILES, MANIFEST}
        before = files
    check_out_dir(out, overwrite=True, own_names=("run.json",))
    assert hashes(out) == before
    assert staging_folders(out) == []
    if small_job is not None:
        run_job(load_job(small_job), out, overwrite=True, progress=False)
        assert manifest(out) is not None
        for rel in USER_FILES:
            assert (out / rel).read_text(encoding="utf-8") == "the user's own"


def test_ctrl_c_during_the_dossiers(out: Path, small_job: Path, run: list[Run]) -> None:
    """Ctrl-C: exit 130 with a message, the previous outputs whole, no staging, no worker."""
    before = hashes(out)
    r = Run("run", str(small_job), "--out", str(out), "--overwrite")
    run.append(r)
    r.wait_for("/ dossiers")
    workers = r.workers()
    os.killpg(r.proc.pid, signal.SIGINT)  # the terminal sends it to the whole group
    assert r.end(timeout=30) == 130
    assert "rsgeo: 已中断" in r.text
    assert "/ interrupted; nothing half-written is left in" in r.text
    assert "Traceback" not in r.text
    assert gone(workers, timeout=5) == []
    assert hashes(out) == before
    assert staging_folders(out) == []


def test_kill_during_the_dossiers_takes_the_workers_along(
    out: Path, small_job: Path, run: list[Run]
) -> None:
    """Before: the workers (about 240 MB each) went on for minutes after ``kill -9``."""
    before = hashes(out)
    r = Run("run", str(small_job), "--out", str(out), "--overwrite")
    run.append(r)
    r.wait_for("/ dossiers")
    workers = r.workers()
    r.proc.send_signal(signal.SIGKILL)  # the run alone, as the out-of-memory killer does
    r.end()
    assert gone(workers, timeout=5) == []
    assert hashes(out) == before
    (left,) = staging_folders(out)
    # a folder like rsgeo's but not rsgeo's (no marker) is never touched
    foreign = out.parent / f".{out.name}.rsgeo-tmp-7"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("keep", encoding="utf-8")
    check_after_kill(out, before, small_job)
    assert not left.exists() and (foreign / "keep.txt").is_file()


def _kill_points() -> list[tuple[str, float]]:
    rng = random.Random(2020)  # the same points on every run
    return [
        ("/ overlay:", 0.0),  # the stage lines: "rsgeo: 叠加分析 / overlay: …"
        ("/ workbook", 0.0),
        ("/ moving the outputs", 0.0),
        ("/ reading inputs", round(rng.uniform(0.5, 3.0), 2)),
    ]


@pytest.mark.parametrize(("line", "delay"), _kill_points())
def test_kill_at_any_point_keeps_the_previous_outputs(
    out: Path, small_job: Path, run: list[Run], line: str, delay: float
) -> None:
    before = hashes(out)
    r = Run("run", str(small_job), "--out", str(out), "--overwrite")
    run.append(r)
    r.wait_for(line)
    time.sleep(delay)
    r.kill_group()
    check_after_kill(out, before, None)


_KILLED_WHILE_MOVING = """
import os, signal, sys
from pathlib import Path
import rsgeo.outputs.folder as folder

k, moves, done = int(sys.argv[2]), folder._move, []
def move(src, dst):
    if len(done) == k:
        os.kill(os.getpid(), signal.SIGKILL)
    done.append(1)
    moves(src, dst)
folder._move = move
with folder.stage_outputs(Path(sys.argv[1]), overwrite=True) as staging:
    for rel in ("run.json", "csv/patches.csv", "fresh/new.txt"):
        (staging.path / rel).parent.mkdir(parents=True, exist_ok=True)
        (staging.path / rel).write_text("new", encoding="utf-8")
"""


@pytest.mark.parametrize("at", ["first", "middle", "new", "manifest"])
def test_kill_while_moving_the_outputs_in(out: Path, at: str) -> None:
    """``kill -9`` between two moves: the next run puts every previous file back."""
    before = hashes(out)
    n_old = len(json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"])
    # the moves: the old manifest, the old files aside, the three new files in, the manifest
    k = {"first": 1, "middle": n_old // 2, "new": n_old + 2, "manifest": n_old + 4}[at]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(rsgeo.__file__).parents[1]), env.get("PYTHONPATH", "")]
    )
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_WHILE_MOVING, str(out), str(k)],
        env=env,
        capture_output=True,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    assert manifest(out) is None  # not complete, and says so
    check_after_kill(out, before, None)
