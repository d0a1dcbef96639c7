"""The dossiers' deflate: zlib-ng where installed, streams any zlib reader reads."""

from __future__ import annotations

import os
import zlib

import numpy as np
import pytest

from rsgeo.outputs.dossier import deflate


def test_streams_read_back_with_pythons_zlib() -> None:
    rng = np.random.default_rng(1)
    data = bytes(rng.integers(0, 6, 200_000, dtype=np.uint8)) + b"\0" * 50_000
    for level in (1, 6, 9):
        assert zlib.decompress(deflate.compress(data, level)) == data
        packer = deflate.compressobj(level, -15)  # raw deflate, as in the PDF fonts
        raw = packer.compress(data) + packer.flush()
        assert zlib.decompress(raw, -15) == data
    # a sync-flushed piece joined to another stream's pieces, as the font streams are
    first = deflate.compressobj(1, -15)
    head = first.compress(data[:1000]) + first.flush(zlib.Z_SYNC_FLUSH)
    rest = zlib.compressobj(9, zlib.DEFLATED, -15)
    tail = rest.compress(data[1000:]) + rest.flush()
    assert zlib.decompress(head + tail, -15) == data


def test_zlib_ng_is_used_where_installed() -> None:
    try:
        from zlib_ng import zlib_ng
    except ImportError:
        if os.environ.get("CI"):  # the test install has rsgeo[dossier], which brings it
            raise
        pytest.skip("zlib-ng not installed (pip install 'rsgeo[dossier]')")
    assert deflate._impl is zlib_ng
