"""The output folder: a manifest written last, outputs moved in whole, user files kept.

The runs here are in-process; killed processes are in ``tests/faults/``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import rsgeo.outputs.folder as folder
from rsgeo.errors import OutputExistsError
from rsgeo.job import load_job
from rsgeo.outputs.folder import (
    MANIFEST_NAME,
    STAGING_MARKER,
    check_out_dir,
    is_complete,
    read_manifest,
    stage_outputs,
)
from rsgeo.outputs.processes import ctrl_c_waits
from rsgeo.pipeline import MANAGED_OUTPUTS, run_job

OWN = (*MANAGED_OUTPUTS, "dossiers")


def hashes(root: Path) -> dict[str, str]:
    """Every file under ``root`` (hidden ones too) by relative path: its SHA-256."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def staging_folders(out: Path) -> list[Path]:
    """rsgeo's staging folders beside ``out`` (those with its marker file)."""
    found = out.parent.glob(f".{out.name}.rsgeo-tmp-*")
    return sorted(p for p in found if (p / ".rsgeo-staging.json").is_file())


def dead_pid() -> int:
    """The id of a process that has ended (for a staging folder left by a killed run)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


USER_FILES = ("note.txt", "maps/note.txt", "csv/note.txt", "dossiers/my_list.txt")


def add_user_files(out: Path) -> None:
    for rel in USER_FILES:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(f"the user's own {rel}", encoding="utf-8")


@pytest.fixture
def previous(small_run: Path) -> Path:
    """The complete outputs of a run of the small job."""
    return small_run


def quick(small_job: Path, **outputs: bool):  # type: ignore[no-untyped-def]
    """The small job, writing only the CSV tables (and what ``outputs`` turns on)."""
    job = load_job(small_job)
    return dataclasses.replace(
        job, outputs=dict.fromkeys(job.outputs, False) | {"csv": True} | outputs
    )


@pytest.fixture
def out(previous: Path, tmp_path: Path) -> Path:
    """A copy of the previous outputs, with the user's own files among them."""
    copy = tmp_path / "out"
    shutil.copytree(previous, copy)
    add_user_files(copy)
    return copy


def test_the_manifest_lists_every_file_the_run_wrote(previous: Path) -> None:
    manifest = read_manifest(previous)
    assert manifest is not None and is_complete(previous)
    on_disk = hashes(previous)
    assert set(manifest.files) == set(on_disk) - {MANIFEST_NAME}
    for rel, entry in manifest.files.items():
        assert entry["sha256"] == on_disk[rel]
        assert entry["size"] == (previous / rel).stat().st_size
    assert {"csv", "maps", "dossiers", "review"} <= set(manifest.folders)
    text = (previous / MANIFEST_NAME).read_text(encoding="utf-8")
    assert text.rstrip().endswith('"complete": true\n}')  # written last, inside the file too
    run = json.loads((previous / "run.json").read_text(encoding="utf-8"))
    paths = [p for p in run["outputs"].values() if "/" in p]
    assert paths and all(p.startswith(str(previous)) for p in paths)  # not the staging folder
    assert staging_folders(previous) == []


@pytest.mark.parametrize(
    ("module", "name", "error"),
    [
        ("rsgeo.outputs.workbook", "write_workbook", OSError("disk full")),
        # the dossiers fail as they start, or Ctrl-C while waiting for their workers
        ("rsgeo.outputs.dossier.build", "start_dossiers", KeyboardInterrupt()),
        ("rsgeo.outputs.dossier.build", "DossierRun.wait", KeyboardInterrupt()),
    ],
)
def test_a_failing_writer_leaves_the_previous_outputs_as_they_were(
    out: Path, small_job: Path, monkeypatch: pytest.MonkeyPatch, module: str, name: str, error: Any
) -> None:
    """Before: the previous outputs were removed first, then the run failed: nothing left."""
    before = hashes(out)

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(f"{module}.{name}", fail)
    with pytest.raises(type(error)):
        run_job(load_job(small_job), out, overwrite=True, progress=False)
    assert hashes(out) == before
    assert staging_folders(out) == []


def test_overwrite_keeps_the_users_files(out: Path, small_job: Path) -> None:
    """Before: ``csv/``, ``maps/`` and ``dossiers/`` were removed whole, with the user's files."""
    old = read_manifest(out)
    ran = run_job(load_job(small_job), out, overwrite=True, progress=False)
    new = read_manifest(out)
    assert old is not None and new is not None and new.run_id != old.run_id
    for rel in USER_FILES:
        assert (out / rel).read_text(encoding="utf-8") == f"the user's own {rel}"
    assert set(hashes(out)) == {*new.files, *USER_FILES, MANIFEST_NAME}
    assert ran.out_dir == out and ran.outputs["run"] == out / "run.json"
    # a run without dossiers or maps removes rsgeo's, and their folders only when emptied
    job = load_job(small_job)
    outputs = {**job.outputs, "dossiers": False, "field_maps": False}
    run_job(dataclasses.replace(job, outputs=outputs), out, overwrite=True, progress=False)
    assert sorted(p.name for p in (out / "dossiers").rglob("*")) == ["my_list.txt"]
    assert [p.name for p in (out / "maps").iterdir()] == ["note.txt"]
    assert (out / "note.txt").is_file() and (out / "csv" / "note.txt").is_file()


def test_outputs_without_a_manifest_are_not_removed(out: Path, small_job: Path) -> None:
    """An older rsgeo's folder: refused, naming what is there. Before: removed."""
    (out / MANIFEST_NAME).unlink()
    before = hashes(out)
    with pytest.raises(OutputExistsError, match="without rsgeo's manifest") as err:
        run_job(load_job(small_job), out, overwrite=True, progress=False)
    for name in ("run.json", "统计报表.xlsx", "csv/", "dossiers/"):
        assert name in str(err.value)
    assert hashes(out) == before
    # only the user's files, no rsgeo output: the run goes ahead and leaves them
    for name in OWN:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    (out / "csv").mkdir()
    (out / "csv" / "note.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputExistsError, match="without rsgeo's manifest"):
        run_job(load_job(small_job), out, overwrite=True, progress=False)  # csv/ is rsgeo's name
    shutil.rmtree(out / "csv")
    run_job(quick(small_job), out, overwrite=True, progress=False)
    assert is_complete(out) and (out / "note.txt").is_file()


def test_a_file_rsgeo_did_not_write_is_never_replaced(out: Path, small_job: Path) -> None:
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    del manifest["files"]["csv/patches.csv"]  # as if the user had put it there
    (out / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    before = hashes(out)
    with pytest.raises(OutputExistsError, match=r"csv/patches\.csv"):
        run_job(quick(small_job), out, overwrite=True, progress=False)
    assert hashes(out) == before and staging_folders(out) == []


def test_a_run_going_on_stops_a_second_run_into_the_same_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with stage_outputs(out, overwrite=False) as staging:
        (staging.path / "a.txt").write_text("a", encoding="utf-8")
        with pytest.raises(OutputExistsError, match=f"process {os.getpid()}"):
            check_out_dir(out, overwrite=True, own_names=OWN)
    assert (out / "a.txt").is_file() and is_complete(out)


# --------------------------------------------------------------------------- the move


class Crash(BaseException):
    """A process killed at this point: nothing after it runs."""


def write_tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


OLD = {"run.json": "old", "csv/a.csv": "old a", "csv/b.csv": "old b", "gone/c.txt": "old c"}
NEW = {"run.json": "new", "csv/a.csv": "new a", "fresh/d.txt": "new d", "fresh/e/f.txt": "f"}


def two_runs(out: Path) -> tuple[dict[str, str], int]:
    """The old outputs and the user's files in ``out``; their hashes and the moves a run makes."""
    with stage_outputs(out, overwrite=False) as staging:
        write_tree(staging.path, OLD)
    write_tree(out, {"mine.txt": "u", "csv/mine.csv": "u", "gone/mine.txt": "u"})
    calls: list[int] = []
    count = folder._move

    def counting(src: Path, dst: Path) -> None:
        calls.append(1)
        count(src, dst)

    trial = out.parent / "trial"
    shutil.copytree(out, trial)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(folder, "_move", counting)
        with stage_outputs(trial, overwrite=True) as staging:
            write_tree(staging.path, NEW)
    assert hashes(trial) == {
        **{k: hashes(out)[k] for k in ("mine.txt", "csv/mine.csv", "gone/mine.txt")},
        **{k: hashlib.sha256(v.encode()).hexdigest() for k, v in NEW.items()},
        MANIFEST_NAME: hashes(trial)[MANIFEST_NAME],
    }
    return hashes(out), len(calls)


def crash_at(k: int) -> Callable[[Path, Path], None]:
    moves = folder._move
    done: list[int] = []

    def move(src: Path, dst: Path) -> None:
        done.append(1)
        if len(done) == k + 1:  # the k-th move after the first: once
            raise Crash
        moves(src, dst)

    return move


def test_killed_at_any_move_the_next_run_puts_the_previous_outputs_back(tmp_path: Path) -> None:
    before, n_moves = two_runs(tmp_path / "template")
    assert n_moves > 6
    for k in range(n_moves):
        out = tmp_path / f"out{k}"
        shutil.copytree(tmp_path / "template", out)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(folder, "_move", crash_at(k))
            mp.setattr(folder, "_roll_back", lambda root, out: False)  # killed: no clean-up
            mp.setattr(folder, "_discard", lambda root: None)
            with pytest.raises(Crash), stage_outputs(out, overwrite=True) as staging:
                write_tree(staging.path, NEW)
        # nothing that looks complete, unless it is the previous outputs untouched
        assert not is_complete(out) or hashes(out) == before, k
        (left,) = staging_folders(out)
        marker = json.loads((left / STAGING_MARKER).read_text(encoding="utf-8"))
        (left / STAGING_MARKER).write_text(
            json.dumps({**marker, "pid": dead_pid()}), encoding="utf-8"
        )
        notes = check_out_dir(out, overwrite=True, own_names=OWN)
        assert hashes(out) == before, k
        assert staging_folders(out) == [] and len(notes) == 1


def test_an_error_while_moving_puts_the_previous_outputs_back_at_once(tmp_path: Path) -> None:
    before, n_moves = two_runs(tmp_path / "template")
    for k in (0, n_moves // 2, n_moves - 1):
        out = tmp_path / f"out{k}"
        shutil.copytree(tmp_path / "template", out)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(folder, "_move", crash_at(k))
            with pytest.raises(Crash), stage_outputs(out, overwrite=True) as staging:
                write_tree(staging.path, NEW)
        assert hashes(out) == before and staging_folders(out) == [], k


def test_only_rsgeos_own_staging_folders_are_cleaned(tmp_path: Path) -> None:
    out = tmp_path / "out"
    foreign = {
        ".out.rsgeo-tmp-1": None,  # no marker
        ".out.rsgeo-tmp-2": {"rsgeo_staging": 1, "out": "other", "pid": 1, "state": "building"},
        ".out.rsgeo-tmp-3": {"not": "ours"},
    }
    for name, marker in foreign.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "keep.txt").write_text("keep", encoding="utf-8")
        if marker is not None:
            (tmp_path / name / STAGING_MARKER).write_text(json.dumps(marker), encoding="utf-8")
    (tmp_path / ".out.rsgeo-tmp-4").write_text("a file", encoding="utf-8")
    stale = tmp_path / ".out.rsgeo-tmp-5"
    (stale / "build").mkdir(parents=True)
    (stale / STAGING_MARKER).write_text(
        json.dumps({"rsgeo_staging": 1, "out": "out", "pid": dead_pid(), "state": "building"}),
        encoding="utf-8",
    )
    before = hashes(tmp_path)
    notes = check_out_dir(out, overwrite=False, own_names=OWN)
    assert not stale.exists() and len(notes) == 1
    assert hashes(tmp_path) == {k: v for k, v in before.items() if not k.startswith(stale.name)}


def test_ctrl_c_waits_for_the_move_to_end() -> None:
    went_on = False
    with pytest.raises(KeyboardInterrupt), ctrl_c_waits():
        os.kill(os.getpid(), signal.SIGINT)
        went_on = True
    assert went_on
