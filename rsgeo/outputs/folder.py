"""The output folder of a run: built aside, moved in whole, listed in a manifest.

A run never writes into its output folder while it works. It builds every
output in a staging folder beside it (``.OUT.rsgeo-tmp-PID``, on the same
file system, so moving a file in is a rename) and moves them in only when
all are written; the last file moved in is the manifest,
``OUT/.rsgeo-manifest.json``, which lists every file the run wrote (relative
path, size, SHA-256) and ends with ``"complete": true``. An output folder
without it is not a complete rsgeo output, whatever else it holds.

The manifest is also what ``--overwrite`` may remove: the files it lists
(and then the folders rsgeo made, when they are empty), never a file rsgeo
did not write, wherever in the folder it lies. A folder holding rsgeo's
outputs but no manifest (written by an earlier version, or by hand) is
refused, naming what is there: rsgeo cannot prove those files are its own.

Interrupted at any point, a run leaves the previous outputs as they were:

* before the move, the output folder is untouched; the staging folder is
  removed (Ctrl-C, an error) or left for the next run to remove (a killed
  process);
* during the move (well under a second; Ctrl-C waits for it), the output
  folder has no manifest; the previous outputs lie in the staging folder,
  and the next run puts them back, byte for byte, before it starts.

Only folders holding rsgeo's marker file (``.rsgeo-staging.json``), named for
this output folder and left by a process that is gone, are cleaned up; a
staging folder of a run still going stops a second run into the same folder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import stat
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from rsgeo._version import __version__
from rsgeo.errors import DataFileError, OutputExistsError, format_problems
from rsgeo.outputs.processes import ctrl_c_waits, process_alive, process_start

__all__ = [
    "MANIFEST_NAME",
    "STAGING_MARKER",
    "Manifest",
    "Staging",
    "check_out_dir",
    "is_complete",
    "read_manifest",
    "stage_outputs",
]

MANIFEST_NAME = ".rsgeo-manifest.json"
"""The manifest of a complete output folder, written last."""

STAGING_MARKER = ".rsgeo-staging.json"
"""The marker inside rsgeo's own staging folders (nothing else is ever cleaned)."""

_INFIX = ".rsgeo-tmp-"
_BUILD, _PREVIOUS, _PREVIOUS_LIST = "build", "previous", "previous.json"
_MOVING = ("swapping", "moving-in")


@dataclass(frozen=True)
class Manifest:
    """What one complete run wrote into its output folder."""

    run_id: str
    files: dict[str, dict[str, Any]]
    """Relative POSIX path → ``{"size": bytes, "sha256": hex}``."""
    folders: tuple[str, ...] = ()
    """The folders holding those files, relative; parents before children."""
    extra: dict[str, Any] = field(default_factory=dict)


def read_manifest(out: str | os.PathLike[str]) -> Manifest | None:
    """The manifest of a complete output folder, or None.

    None for a folder without a manifest, with one that cannot be read, that
    is not marked complete or that names a path outside the folder: such a
    folder is not a complete rsgeo output.
    """
    return _read_manifest_file(Path(out) / MANIFEST_NAME)


def is_complete(out: str | os.PathLike[str]) -> bool:
    """Whether ``out`` holds the complete outputs of an rsgeo run (its manifest)."""
    return read_manifest(out) is not None


def _read_manifest_file(path: Path) -> Manifest | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("complete") is not True:
        return None
    files, folders = data.get("files"), data.get("folders", [])
    if not isinstance(files, dict) or not isinstance(folders, list):
        return None
    if not all(_safe_relative(p) for p in [*files, *folders]):
        return None
    return Manifest(
        run_id=str(data.get("run_id", "")),
        files={str(k): dict(v) if isinstance(v, dict) else {} for k, v in files.items()},
        folders=tuple(str(f) for f in folders),
        extra={k: v for k, v in data.items() if k not in ("run_id", "files", "folders")},
    )


def _safe_relative(rel: Any) -> bool:
    if not isinstance(rel, str) or not rel or "\\" in rel:
        return False
    p = PurePosixPath(rel)
    return not p.is_absolute() and ".." not in p.parts and "." not in rel.split("/")


def _sha256(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` to ``path`` whole or not at all (a new file, renamed into place)."""
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


# --------------------------------------------------------------------------- checking


def _staging_folders(out: Path) -> list[tuple[Path, dict[str, Any]]]:
    """rsgeo's staging folders of ``out``: the name and a marker naming ``out``."""
    found: list[tuple[Path, dict[str, Any]]] = []
    parent = out.parent
    if not parent.is_dir():
        return found
    for entry in parent.glob(f".{out.name}{_INFIX}*"):
        marker = entry / STAGING_MARKER
        if entry.is_symlink() or not entry.is_dir() or not marker.is_file():
            continue
        try:
            info = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if (
            isinstance(info, dict)
            and info.get("rsgeo_staging") == 1
            and info.get("out") == out.name
        ):
            found.append((entry, info))
    return found


def check_out_dir(out: Path, *, overwrite: bool, own_names: Iterable[str]) -> list[str]:
    """Check an output folder before a run; finish what an interrupted run left.

    A staging folder left by a run that was killed is removed first (and the
    previous outputs put back, when it was killed while moving them).

    Parameters
    ----------
    out : Path
        The output folder.
    overwrite : bool
        Whether the run may replace earlier outputs.
    own_names : iterable of str
        The names rsgeo writes at the top of an output folder: a folder holding
        any of them without a manifest is refused with ``overwrite``.

    Returns
    -------
    list of str
        What was cleaned up, one line each, for the progress output.

    Raises
    ------
    OutputExistsError
        ``out`` is not a folder; it is not empty and ``overwrite`` is not
        given; it holds outputs without a manifest; or another run is writing it.
    """
    out = _real(out)
    notes = []
    for staging, info in _staging_folders(out):
        pid = int(info.get("pid", -1))
        if process_alive(pid, info.get("started")):
            raise OutputExistsError(
                f"another rsgeo run (process {pid}) is writing the outputs of {out} "
                f"(in {staging}); wait for it to finish, or, if no such run is going on, "
                f"remove {staging}"
            )
        restored = _recover(staging, out, info)
        notes.append(
            f"removed the unfinished outputs of an interrupted run (process {pid}): {staging.name}"
            + ("; the previous outputs were put back" if restored else "")
        )
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"{out} exists and is not a folder")
    entries = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    if entries and not overwrite:
        raise OutputExistsError(
            f"the output folder {out} is not empty ({', '.join(entries[:8])}); "
            "choose another folder or pass --overwrite (overwrite=True) to replace the outputs"
        )
    if entries and read_manifest(out) is None:
        found = [n for n in own_names if (out / n).exists() or (out / n).is_symlink()]
        if found:
            listing = ", ".join(f"{n}/" if (out / n).is_dir() else n for n in found)
            raise OutputExistsError(
                f"the output folder {out} holds outputs without rsgeo's manifest "
                f"({MANIFEST_NAME}): {listing}. They were written by an older rsgeo or an "
                "unfinished run, or are not rsgeo's, so --overwrite will not remove them; "
                "move or delete them yourself, or choose another folder"
            )
    return notes


def _real(out: Path) -> Path:
    """``out`` with its parent folders resolved (the staging folder lies beside it)."""
    return out.parent.resolve() / out.name if out.name else out.resolve()


# --------------------------------------------------------------------------- staging


@dataclass
class Staging:
    """The folder a run writes its outputs into before they are moved in."""

    out: Path
    """The output folder, as given."""
    root: Path
    """The staging folder beside it (marker, build, previous outputs while moving)."""
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def path(self) -> Path:
        """Where the outputs are written."""
        return self.root / _BUILD

    def final(self, value: Any) -> Any:
        """Where a path in :attr:`path` will lie once moved in (other values as given)."""
        if isinstance(value, Path | str):
            p = Path(value)
            try:
                return self.out / p.relative_to(self.path)
            except ValueError:
                return value
        return value


@contextlib.contextmanager
def stage_outputs(
    out: str | os.PathLike[str], *, overwrite: bool, reuse: Iterable[str] = ()
) -> Iterator[Staging]:
    """Write a run's outputs aside; move them into ``out`` when the block ends without error.

    Parameters
    ----------
    out : path
        The output folder (checked before with :func:`check_out_dir`).
    overwrite : bool
        Replace the files listed in the manifest of ``out``; without it, any
        rsgeo output in ``out`` is refused.
    reuse : iterable of str
        Folders (relative) of the previous outputs to start from: their listed
        files are hard-linked (copied where links are not possible) into the
        staging folder, for a writer that updates them (the dossiers). A
        writer must replace such a file, never write into it.

    Yields
    ------
    Staging
        Write into ``staging.path``.

    Raises
    ------
    OutputExistsError
        A file rsgeo did not write (not listed in the manifest) lies where an
        output goes; nothing is changed then.
    """
    given = Path(out)
    real = _real(given)
    root = real.parent / f".{real.name}{_INFIX}{os.getpid()}"
    staging = Staging(out=given, root=root)
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        root.mkdir()
    except OSError as err:
        raise DataFileError(
            f"cannot make the staging folder {root} beside the output folder ({err}); "
            "rsgeo writes the outputs there and moves them in when all are written"
        ) from err
    try:
        _write_json(
            root / STAGING_MARKER,
            {
                "rsgeo_staging": 1,
                "out": real.name,
                "pid": os.getpid(),
                "started": process_start(os.getpid()),
                "run_id": staging.run_id,
                "state": "building",
            },
        )
        staging.path.mkdir()
        previous = read_manifest(real) if overwrite else None
        if previous is not None:
            _link_previous(real, staging.path, previous, tuple(reuse))
        yield staging
        _commit(staging, real, overwrite=overwrite)
    except BaseException:
        _discard(root)
        raise
    _discard(root)


def _link_previous(out: Path, build: Path, previous: Manifest, folders: tuple[str, ...]) -> None:
    for rel in previous.files:
        if not any(rel.startswith(f"{f}/") for f in folders) or not _plain(out, rel):
            continue
        src, dst = out / rel, build / rel
        if not src.is_file():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)


def _plain(root: Path, rel: str) -> bool:
    """Whether no part of ``rel`` below ``root`` is a symbolic link."""
    p = root
    for part in PurePosixPath(rel).parts:
        p = p / part
        if p.is_symlink():
            return False
    return True


def _listing(build: Path) -> tuple[dict[str, dict[str, Any]], list[str]]:
    files: dict[str, dict[str, Any]] = {}
    folders: list[str] = []
    top = os.fspath(build)
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, top).replace(os.sep, "/")
        if rel_dir != ".":
            folders.append(rel_dir)
        prefix = "" if rel_dir == "." else rel_dir + "/"
        for name in sorted(filenames):
            rel = prefix + name
            if rel == MANIFEST_NAME:
                continue
            path = os.path.join(dirpath, name)
            files[rel] = {"size": os.stat(path).st_size, "sha256": _sha256(path)}
    return files, folders


def _conflicts(out: Path, files: Iterable[str], previous: Manifest | None) -> list[str]:
    """Paths where an output goes but a file rsgeo did not write lies.

    Each folder on the way is looked at once (a run writes thousands of files
    into a few folders).
    """
    own = {*previous.files, MANIFEST_NAME} if previous is not None else set()
    found: set[str] = set()
    folder_state: dict[str, str] = {}  # "folder", "missing" or "blocked"
    top = os.fspath(out)
    for rel in files:
        parts = PurePosixPath(rel).parts
        for n in range(1, len(parts)):
            sub = "/".join(parts[:n])
            state = folder_state.get(sub)
            if state is None:
                state = folder_state[sub] = _folder_state(os.path.join(top, sub))
            if state == "blocked":
                found.add(sub)
                break
            if state == "missing":  # nothing lies below a missing folder
                break
        else:
            sub = "/".join(parts)
            if os.path.lexists(os.path.join(top, sub)) and sub not in own:
                found.add(sub)
    return sorted(found)


def _folder_state(path: str) -> str:
    """``"folder"``, ``"missing"``, or ``"blocked"`` (a file or a link lies there)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "missing"
    except NotADirectoryError:  # a file above it: found there already
        return "missing"
    return "folder" if stat.S_ISDIR(mode) else "blocked"


def _commit(staging: Staging, out: Path, *, overwrite: bool) -> None:
    """Write the manifest and move the outputs in (see the module notes)."""
    root, build = staging.root, staging.path
    files, folders = _listing(build)
    _write_json(
        build / MANIFEST_NAME,
        {
            "rsgeo_manifest": 1,
            "rsgeo": __version__,
            "run_id": staging.run_id,
            "written_at": dt.datetime.now().isoformat(timespec="seconds"),
            "files": files,
            "folders": folders,
            "complete": True,
        },
    )
    previous = read_manifest(out)
    if previous is not None and not overwrite:
        raise OutputExistsError(
            f"the outputs of another run appeared in {out} during this run; "
            "pass --overwrite (overwrite=True) to replace them"
        )
    clash = _conflicts(out, [*files, MANIFEST_NAME], previous)
    if clash:
        raise OutputExistsError(
            format_problems(
                f"files that rsgeo did not write (not in {out / MANIFEST_NAME}) lie where "
                f"this run's outputs go; rsgeo leaves them alone, so nothing was replaced. "
                f"Move them away and run again:",
                [str(out / c) for c in clash],
                limit=20,
            )
        )
    existed = [f for f in folders if (out / f).is_dir()]
    _write_json(
        root / _PREVIOUS_LIST,
        {
            "files": sorted(previous.files) if previous is not None else [],
            "folders": list(previous.folders) if previous is not None else [],
            "existed": existed,
            "out_existed": out.exists(),
        },
    )
    with ctrl_c_waits():
        _set_state(root, "swapping")
        try:
            _move_in(root, out)
        except BaseException:
            _roll_back(root, out)
            raise
        _set_state(root, "discard")


def _set_state(root: Path, state: str) -> None:
    marker = root / STAGING_MARKER
    info = json.loads(marker.read_text(encoding="utf-8"))
    info["state"] = state
    _write_json(marker, info)


def _move(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst``; never over an existing file."""
    if dst.exists() or dst.is_symlink():
        raise OutputExistsError(f"{dst} exists; rsgeo will not replace it")
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.rename(src, dst)


def _move_in(root: Path, out: Path) -> None:
    build, aside = root / _BUILD, root / _PREVIOUS
    before = json.loads((root / _PREVIOUS_LIST).read_text(encoding="utf-8"))
    if not before["out_existed"]:  # a new folder: one rename, manifest and all
        _move(build, out)
        return
    manifest = _read_manifest_file(build / MANIFEST_NAME)
    assert manifest is not None
    # 1. the previous outputs aside: from here the folder has no manifest
    if (out / MANIFEST_NAME).is_file():
        _move(out / MANIFEST_NAME, aside / MANIFEST_NAME)
    for rel in before["files"]:
        if _plain(out, rel) and (out / rel).is_file():
            _move(out / rel, aside / rel)
    _set_state(root, "moving-in")
    # 2. the new outputs in, the manifest last
    for rel in manifest.files:
        _move(build / rel, out / rel)
    new_folders = set(manifest.folders)
    _remove_empty(out, [f for f in before["folders"] if f not in new_folders])
    _move(build / MANIFEST_NAME, out / MANIFEST_NAME)


def _remove_empty(out: Path, folders: Iterable[str]) -> None:
    """Remove folders rsgeo made, deepest first, when nothing is left in them."""
    for rel in sorted(folders, key=lambda f: f.count("/"), reverse=True):
        p = out / rel
        if _plain(out, rel) and p.is_dir():
            with contextlib.suppress(OSError):
                p.rmdir()  # only when empty: someone else's files keep it


def _roll_back(root: Path, out: Path) -> bool:
    """Put the previous outputs back where the run took them from.

    Returns True when anything was put back.
    """
    build, aside = root / _BUILD, root / _PREVIOUS
    listing = root / _PREVIOUS_LIST
    before = json.loads(listing.read_text(encoding="utf-8"))
    manifest = _read_manifest_file(build / MANIFEST_NAME)
    if not before["out_existed"]:  # a new folder is moved in by one rename: nothing half done
        _set_state(root, "discard")
        return False
    if manifest is None:  # not this run's to undo: the staging folder stays as it is
        return False
    # the new outputs that were moved in (their staging copy is gone) go back out
    for rel in manifest.files:
        if not (build / rel).exists() and (out / rel).is_file() and _plain(out, rel):
            _move(out / rel, build / rel)
    restored = False
    for rel in before["files"]:
        if (aside / rel).is_file():
            _move(aside / rel, out / rel)
            restored = True
    if (aside / MANIFEST_NAME).is_file():
        _move(aside / MANIFEST_NAME, out / MANIFEST_NAME)
        restored = True
    existed = set(before["existed"])
    _remove_empty(out, [f for f in manifest.folders if f not in existed])
    _set_state(root, "discard")
    return restored


def _recover(staging: Path, out: Path, info: Mapping[str, Any]) -> bool:
    """Finish with the staging folder of a run that is gone; True if outputs were put back."""
    restored = False
    if info.get("state") in _MOVING:
        done = read_manifest(out)
        if done is not None and done.run_id == info.get("run_id"):
            _set_state(staging, "discard")  # it had moved everything in
        else:
            restored = _roll_back(staging, out)
    _discard(staging)
    return restored


def _discard(root: Path) -> None:
    """Remove a staging folder, its marker last (so a half-removed one is still known)."""
    marker = root / STAGING_MARKER
    if not root.is_dir():
        return
    with contextlib.suppress(OSError, ValueError):
        if json.loads(marker.read_text(encoding="utf-8")).get("state") in _MOVING:
            return  # the previous outputs may lie in it: the next run puts them back
    for entry in root.iterdir():
        if entry.name == STAGING_MARKER:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    (root / STAGING_MARKER).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        root.rmdir()
