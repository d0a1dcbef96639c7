"""WKB geometry from an Arrow column to shapely, polygons read as one-part MultiPolygons.

rsgeo hands every geometry on as a ``MultiPolygon``
(:func:`rsgeo.geo.repair.repair_geometry`). Wrapping a decoded ``Polygon``
copies it (``shapely.multipolygons``, about 0.7 µs for 20 vertices); here
the WKB of each 2-D little-endian ``Polygon`` gets the 9 bytes of a
one-part ``MultiPolygon`` header in front (byte order, type 6, one part)
before it is decoded, in numpy on the column's Arrow buffers: the same
coordinates, decoded once. Other rows (multipolygons, empty polygons, Z/M,
big-endian, anything else) are decoded as stored.

Examples
--------
>>> import pyarrow as pa, shapely
>>> from shapely.geometry import box
>>> col = pa.array([shapely.to_wkb(box(0, 0, 1, 1)), None], type=pa.binary())
>>> [None if g is None else g.geom_type for g in geometries_from_wkb(col, multipolygons=True)]
['MultiPolygon', None]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

__all__ = ["geometries_from_wkb"]

_MULTI_HEADER = np.frombuffer(b"\x01\x06\x00\x00\x00\x01\x00\x00\x00", dtype=np.uint8)
_POLYGON_LE = np.frombuffer(b"\x01\x03\x00\x00\x00", dtype=np.uint8)


def _as_large_binary(column: Any) -> Any:
    """One ``large_binary`` Arrow array (int64 offsets) of a binary column or chunked array."""
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if column.type != pa.large_binary():
        column = column.cast(pa.large_binary())
    return column


def _polygons_as_multipolygons(column: Any) -> Any:
    """The column with each 2-D little-endian, non-empty Polygon's WKB made a MultiPolygon's."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = _as_large_binary(column)
    n = len(arr)
    if n == 0:
        return arr
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset : arr.offset + n + 1]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    )
    starts, ends = offsets[:-1], offsets[1:]
    lengths = ends - starts
    convert = lengths >= 9  # byte order, type, ring count at least
    if convert.any():
        at = starts[convert]
        head = data[at[:, None] + np.arange(9)]
        poly = (head[:, :5] == _POLYGON_LE).all(axis=1)
        rings = head[:, 5:9].copy().view("<u4").ravel()
        ok = poly & (rings > 0)
        convert[np.flatnonzero(convert)[~ok]] = False
    if arr.null_count:
        convert &= np.asarray(arr.is_valid())
    if not convert.any():
        return arr
    # a column of the headers (9 bytes, or none), joined to the WKB row by row by Arrow
    header_offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(9 * convert, out=header_offsets[1:])
    headers = pa.Array.from_buffers(
        pa.large_binary(),
        n,
        [
            None,
            pa.py_buffer(header_offsets),
            pa.py_buffer(np.tile(_MULTI_HEADER, int(convert.sum()))),
        ],
    )
    return pc.binary_join_element_wise(headers, arr, pa.scalar(b"", type=pa.large_binary()))


def geometries_from_wkb(column: Any, *, multipolygons: bool = False) -> npt.NDArray[np.object_]:
    """Shapely geometries of an Arrow binary column of WKB (null: None).

    Parameters
    ----------
    column : pyarrow Array or ChunkedArray
        ``binary`` or ``large_binary`` WKB.
    multipolygons : bool
        Decode each 2-D, non-empty little-endian ``Polygon`` as a one-part
        ``MultiPolygon`` (its WKB given a MultiPolygon header first).

    Returns
    -------
    ndarray of object
    """
    arr = _polygons_as_multipolygons(column) if multipolygons else _as_large_binary(column)
    return np.asarray(shapely.from_wkb(arr.to_numpy(zero_copy_only=False)), dtype=object)
