"""numba when it is installed and not switched off: ``HAVE_NUMBA`` and :func:`jit`.

The compiled kernels of :mod:`rsgeo.geo` (the overlay's clip kernel, its
exact orientation test, the validity check of simple rings) use numba when
it is installed (``pip install numba``, the ``fast`` extra); without it the
overlay computes every pair with GEOS. Setting the environment variable
``RSGEO_NO_NUMBA=1`` before rsgeo is imported makes ``HAVE_NUMBA`` False even
where numba is installed, so the path without numba can be tested on any
machine (CI runs the overlay tests a second time that way).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

__all__ = ["HAVE_NUMBA", "NO_NUMBA_ENV", "jit", "kernels_cached", "numba"]

NO_NUMBA_ENV = "RSGEO_NO_NUMBA"
"""Environment variable: set to 1 to run without numba even where it is installed."""

F = TypeVar("F", bound=Callable[..., Any])

try:  # pragma: no cover - import guard
    if os.environ.get(NO_NUMBA_ENV, "").strip() not in ("", "0"):
        raise ImportError(f"{NO_NUMBA_ENV} is set")
    import numba

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    numba = None  # type: ignore[assignment]
    HAVE_NUMBA = False


def jit(fn: F, *, inline: bool = False, error_model: Literal["python", "numpy"] = "python") -> F:
    """``fn`` compiled with numba (cached, without the GIL), or ``fn`` itself without numba.

    ``error_model="numpy"``: a float division by zero gives inf or NaN instead
    of raising, which lets LLVM run a loop with divisions in SIMD lanes.
    """
    if not HAVE_NUMBA:
        return fn
    compiled = numba.njit(
        cache=True,
        nogil=True,
        inline="always" if inline else "never",
        error_model=error_model,
    )(fn)
    return compiled  # type: ignore[return-value]  # a Dispatcher is called like fn


KERNEL_MODULES: tuple[str, ...] = (
    "_clip_kernel",
    "_exact_orient",
    "_ragged",
    "_ring_check",
    "_survey_kernel",
)
"""The modules of rsgeo.geo whose kernels numba compiles and caches."""

_HERE = Path(__file__).resolve().parent


def kernels_cached() -> bool:
    """Whether numba's cache holds compiled kernels of rsgeo (False: the run compiles them).

    numba caches under ``NUMBA_CACHE_DIR`` when it is set, else beside the
    source (``__pycache__``); without numba there is nothing to compile
    (True).
    """
    if not HAVE_NUMBA:
        return True
    cache_dir = getattr(numba.config, "CACHE_DIR", "") if numba is not None else ""
    # numba writes to NUMBA_CACHE_DIR when it is set, and beside the source only when not
    folders = [Path(cache_dir)] if cache_dir else [_HERE / "__pycache__"]
    for folder in folders:
        if not folder.is_dir():
            continue
        for name in KERNEL_MODULES:
            if next(folder.rglob(f"{name}.*.nbi"), None) is not None:
                return True
    return False
