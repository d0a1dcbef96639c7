"""Deflate for the dossiers' pictures and PDF streams.

zlib-ng (``pip install "rsgeo[dossier]"`` brings it) where it is installed:
at the same level it compresses a location map in half the time of
Python's zlib and a little smaller; else Python's :mod:`zlib`. Both write
standard zlib and raw deflate streams, which every PNG and PDF reader reads.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEFLATE_LEVEL", "TAIL_DEFLATE_LEVEL", "compress", "compressobj"]

DEFLATE_LEVEL = 1
"""zlib level of the dossier PDFs' streams: level 6 saves ~5 % of a dossier for twice the
time."""

TAIL_DEFLATE_LEVEL = 6
"""zlib level of what is compressed for each PDF alone: the glyphs it prints beside the
common ones, its pages and its Unicode map (small: level 6 costs little over level 1)."""

try:
    from zlib_ng import zlib_ng as _impl
except ImportError:  # pragma: no cover - depends on the install
    import zlib as _impl  # type: ignore[no-redef]


def compressobj(level: int, wbits: int, mem_level: int = 8) -> Any:
    """A compressor of ``level`` (deflate; ``wbits`` as for :func:`zlib.compressobj`)."""
    return _impl.compressobj(level, _impl.DEFLATED, wbits, mem_level)


def compress(data: bytes, level: int) -> bytes:
    """``data`` as one zlib stream of ``level``."""
    return _impl.compress(data, level)
