"""The compact payload of a map page: geometry as delta-encoded integers, attributes by column.

A page's data used to be GeoJSON text: every vertex two decimal numbers of up
to 11 characters, every feature its property names again. Here a collection
of features is written as

* ``"g"``: the geometry type shared by the collection (``Point``,
  ``MultiLineString`` or ``MultiPolygon``; polygons and lines are promoted
  to their multi type, as :func:`shapely.to_ragged_array` does);
* ``"c"``: every coordinate of the collection, in order, as integers of
  ``1e-6`` degree (:data:`COORD_SCALE`, about 0.1 m), each longitude and
  latitude the difference from the one before it, written with the
  polyline algorithm (zig-zag sign, 5-bit groups, ASCII 63–126): a vertex
  a few metres from the one before costs 4–6 characters instead of 22;
* ``"n"``: the counts of the ragged structure, outermost first (polygons per
  feature, rings per polygon, vertices per ring; a ring's closing vertex is
  not written, the decoder closes it);
* ``"p"``: the features' properties by column (``{"id": [...], ...}``;
  ``null`` where a feature lacks one).

The page's script turns this back into GeoJSON (``decodeFeatures`` in
``rsgeo-map.js``) before Leaflet draws it.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import shapely

__all__ = [
    "COORD_SCALE",
    "encode_coords",
    "encode_features",
    "encode_index_lists",
    "payload_json",
]

COORD_SCALE = 1_000_000
"""Integer units per degree of the encoded coordinates (1e-6°, about 0.1 m)."""

_MULTI = {
    shapely.GeometryType.POINT: "Point",
    shapely.GeometryType.LINESTRING: "MultiLineString",
    shapely.GeometryType.POLYGON: "MultiPolygon",
    shapely.GeometryType.MULTILINESTRING: "MultiLineString",
    shapely.GeometryType.MULTIPOLYGON: "MultiPolygon",
}


def encode_coords(values: np.ndarray) -> str:
    """Integers as one polyline string: each the difference from the one before it.

    ``values`` is a flat sequence (longitude, latitude, longitude, ...) of
    integers; the differences are taken per axis, so a pair ``(x, y)``
    follows the pair before it.

    Examples
    --------
    >>> encode_coords(np.array([0, 0, 1, -1, 33, 0]))
    '??A@_AA'
    """
    ints = np.asarray(values, dtype=np.int64).reshape(-1, 2)
    if not len(ints):
        return ""
    delta = np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    return _groups(((delta << 1) ^ (delta >> 63)).astype(np.uint64))


def _groups(values: np.ndarray) -> str:
    """Non-negative integers as 5-bit groups (0x20 on all but the last, plus 63), no sign."""
    z = np.asarray(values, dtype=np.uint64)
    if not len(z):
        return ""
    groups = np.ones(len(z), dtype=np.int64)
    for j in range(1, 13):
        groups += z >= np.uint64(32**j)
    owner = np.repeat(np.arange(len(z)), groups)
    start = np.repeat(np.cumsum(groups) - groups, groups)
    pos = (np.arange(len(owner)) - start).astype(np.uint64)
    chunk = (z[owner] >> (np.uint64(5) * pos)) & np.uint64(31)
    more = pos < (groups[owner] - 1).astype(np.uint64)
    chars = (chunk | (more.astype(np.uint64) << np.uint64(5))) + np.uint64(63)
    return chars.astype(np.uint8).tobytes().decode("ascii")


def encode_index_lists(lists: Sequence[Sequence[int]]) -> list[str]:
    """Lists of small non-negative integers, each as a string of 5-bit groups.

    A popup's piece numbers (most used first, so mostly under 32: one
    character each) as ``"?@A"`` instead of ``[0,1,2]``.

    Examples
    --------
    >>> encode_index_lists([[0, 1, 2], [31, 32]])
    ['?@A', '^_@']
    """
    sizes = [len(x) for x in lists]
    flat = np.fromiter((v for x in lists for v in x), dtype=np.uint64, count=sum(sizes))
    text = _groups(flat)
    widths = np.ones(len(flat), dtype=np.int64)
    for j in range(1, 13):
        widths += flat >= np.uint64(32**j)
    ends = np.cumsum(widths)
    bounds = np.concatenate([[0], ends])[np.cumsum([0, *sizes])]
    return [text[int(a) : int(b)] for a, b in itertools.pairwise(bounds)]


def _columns(properties: Sequence[Mapping[str, Any]], n: int) -> dict[str, list[Any]]:
    keys: dict[str, None] = {}
    for prop in properties:
        keys.update(dict.fromkeys(prop))
    return {k: [prop.get(k) for prop in properties] for k in keys} if n else {}


def encode_features(
    shapes: np.ndarray, properties: Sequence[Mapping[str, Any]] | None
) -> dict[str, Any] | None:
    """The compact payload of drawable geometries (lon/lat) and their properties.

    Returns None when the geometries are of mixed kinds (points with
    polygons, say), which the ragged layout cannot hold: the caller writes
    GeoJSON then.
    """
    kinds = set(shapely.get_type_id(shapes).tolist())
    names = {_MULTI.get(shapely.GeometryType(k)) for k in kinds}
    if len(names) > 1 or None in names:
        return None
    props = list(properties) if properties is not None else [{}] * len(shapes)
    if not len(shapes):
        return {"g": "Point", "c": "", "n": [], "p": {}}
    kind, coords, offsets = shapely.to_ragged_array(shapes)
    name = _MULTI[kind]
    ints = np.round(coords[:, :2] * COORD_SCALE).astype(np.int64)
    counts: list[list[int]] = []
    if name == "Point":
        keep = np.ones(len(ints), dtype=bool)
    else:
        ends = offsets[0]  # vertex offsets of each ring / line
        keep = np.ones(len(ints), dtype=bool)
        sizes = np.diff(ends)
        if name == "MultiPolygon":
            keep[ends[1:] - 1] = False  # the closing vertex
            sizes = sizes - 1
        counts = [np.diff(o).tolist() for o in reversed(offsets[1:])] + [sizes.tolist()]
        if kind in (shapely.GeometryType.POLYGON, shapely.GeometryType.LINESTRING):
            counts.insert(0, [1] * len(shapes))  # one part each, as its multi type
    return {
        "g": name,
        "c": encode_coords(ints[keep].ravel()),
        "n": counts,
        "p": _columns(props, len(shapes)),
    }


def payload_json(payload: Mapping[str, Any], props_json: str) -> str:
    """The payload as JSON text, the properties already written (``props_json``)."""
    head = json.dumps(
        {"g": payload["g"], "n": payload["n"]}, separators=(",", ":"), allow_nan=False
    )
    coords = payload["c"].replace("\\", "\\\\")
    return head[:-1] + ',"c":"' + coords + '","p":' + props_json + "}"
