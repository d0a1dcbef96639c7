"""The worker processes that build dossiers while the run writes its other outputs."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import Any

from rsgeo.outputs.dossier.folder import Shared, build_one, remove_tree
from rsgeo.outputs.processes import ctrl_c_waits, die_with_parent, stop_workers

__all__ = ["WORKER_NICENESS", "lower_priority", "start_pool", "stop_pool", "wait_all"]


_WORKER: dict[str, Shared] = {}

WORKER_NICENESS = 10
"""How much lower the dossier workers' scheduling priority is than the run's: the run
writes its other outputs meanwhile and keeps its core; the workers take what is left."""


def _init_worker(shared: Shared, parent: int) -> None:
    import gc

    die_with_parent(parent)
    lower_priority(WORKER_NICENESS)
    # what the worker inherited from the run (its tables, a forked copy) is never garbage:
    # kept out of the collector, which would walk it again and again (and copy its pages)
    gc.freeze()
    _WORKER["shared"] = shared


def lower_priority(step: int) -> None:
    """This process's scheduling priority lowered by ``step`` (``nice``; on Windows, the
    below-normal class); nothing happens where that cannot be done."""
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(step)
    elif sys.platform == "win32":  # pragma: no cover - Windows only
        import ctypes

        below_normal = 0x00004000
        kernel = ctypes.windll.kernel32  # type: ignore[attr-defined]
        kernel.SetPriorityClass(kernel.GetCurrentProcess(), below_normal)


def _build_in_worker(job: dict[str, Any]) -> str:
    build_one(**job, shared=_WORKER["shared"])
    return str(job["patch_id"])


def start_pool(
    todo: list[dict[str, Any]], shared: Shared, *, n_jobs: int | None
) -> tuple[Any, list[Any]]:
    """Hand ``todo`` to worker processes when there are several (else built in :func:`wait_all`)."""
    workers = min(int(n_jobs or os.cpu_count() or 1), len(todo))
    if workers <= 1:
        return None, []
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(
        max_workers=workers, initializer=_init_worker, initargs=(shared, os.getpid())
    )
    try:
        with ctrl_c_waits():  # the workers are forked by the first submit
            pending = [pool.submit(_build_in_worker, job) for job in todo]
    except BaseException:
        stop_pool(pool, todo, shared)
        raise
    return pool, pending


def stop_pool(pool: Any, todo: list[dict[str, Any]], shared: Shared) -> None:
    """No worker goes on building; the half-built folders of the workers stopped are removed."""
    if pool is None:
        return
    stop_workers(pool)
    for job in todo:
        target = job["target"]
        remove_tree(target.parent / f".{target.name}.tmp", shared.out)


def wait_all(
    todo: list[dict[str, Any]],
    shared: Shared,
    pool: Any,
    pending: list[Any],
    *,
    total: int,
    show: bool,
    done: Callable[[str], None],
) -> None:
    """The dossiers of ``todo`` done: built here, or waited for from the workers;
    ``done(patch_id)`` is called as each is built."""
    from tqdm.auto import tqdm

    with tqdm(total=total, initial=total - len(todo), desc="卷宗", disable=not show) as bar:
        if pool is None:
            for job in todo:
                build_one(**job, shared=shared)
                done(job["patch_id"])
                bar.update()
            return
        from concurrent.futures import as_completed

        try:
            for fut in as_completed(pending):  # the bar moves with each dossier done
                error = fut.exception()
                if error is not None:
                    raise error
                done(fut.result())
                bar.update()
        except BaseException:  # an error or Ctrl-C: no worker goes on building
            stop_pool(pool, todo, shared)
            raise
        pool.shutdown()
