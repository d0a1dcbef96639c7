"""Processes: worker processes that end with their parent, Ctrl-C held back.

The dossiers are built in worker processes (:mod:`rsgeo.outputs.dossier.build`).
A worker must never outlive the run that started it: killed (``kill -9``, an
out-of-memory kill, a closed terminal), the run takes its workers with it
within a second or two; interrupted (Ctrl-C), the run stops its workers
itself and only the run reports the interruption.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "ctrl_c_waits",
    "die_with_parent",
    "process_alive",
    "process_start",
    "stop_workers",
]

_PR_SET_PDEATHSIG = 1
_POLL_S = 0.5


def process_start(pid: int) -> str | None:
    """When process ``pid`` started (Linux: clock ticks since boot), else None.

    Tells a reused process id from the process that first had it; None also
    for a process that has ended (a zombie).
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    if len(fields) < 20 or fields[0] in ("Z", "X"):
        return None
    return fields[19]


def process_alive(pid: int, started: str | None = None) -> bool:
    """Whether process ``pid`` is running (and, given ``started``, is the same process)."""
    if pid == os.getpid():  # this process, unless an earlier one had its id (a container)
        return started is None or started == process_start(pid)
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would end the process there
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    if Path("/proc/self/stat").is_file():
        now = process_start(pid)
        return now is not None and (started is None or now == started)
    return True


@contextlib.contextmanager
def ctrl_c_waits() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back until the block is done, then interrupt as usual.

    For a block that must not be cut in two (moving the outputs in), and for
    starting worker processes: a Ctrl-C that comes while the run forks is
    raised inside an at-fork hook, where Python prints and drops it, and the
    run would go on as if none had come. Only in the main thread (elsewhere
    signals cannot be handled, and the block runs as it is).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    old = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
        if caught:
            if callable(old):
                old(signal.SIGINT, None)
            elif old == signal.SIG_DFL:
                raise KeyboardInterrupt


def die_with_parent(parent: int) -> None:
    """Make this worker process end when ``parent`` (the run) ends.

    Called first in a worker. On Linux the kernel kills the worker when its
    parent dies (``prctl(PR_SET_PDEATHSIG)``); everywhere a daemon thread
    also watches the parent and ends the worker within about half a second.
    Ctrl-C is left to the parent, which stops its workers itself.

    Parameters
    ----------
    parent : int
        The process id of the run that started the worker.
    """
    with contextlib.suppress(ValueError):  # not the main thread: nothing to change
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    ppid = os.getppid()
    if ppid != parent and not process_alive(parent):  # gone before the line above
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(parent, ppid), name="rsgeo-parent-watch", daemon=True
    ).start()


def _watch_parent(parent: int, ppid: int) -> None:
    while True:
        time.sleep(_POLL_S)
        if os.name == "posix" and os.getppid() != ppid:  # re-parented: the parent died
            os._exit(1)
        if not process_alive(parent):
            os._exit(1)


def stop_workers(pool: Any) -> None:
    """Stop a :class:`~concurrent.futures.ProcessPoolExecutor` now: no task waits, no worker lives.

    ``shutdown()`` alone waits for every task already handed to a worker; a
    run that stops (an error, Ctrl-C) must not keep building for minutes.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.terminate()
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
