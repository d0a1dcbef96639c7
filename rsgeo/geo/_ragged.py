"""Flat vertex arrays of polygonal geometries, the input of the compiled kernels.

:class:`RaggedPolygons` holds the rings of a layer's (multi)polygons in two
coordinate arrays with offsets, shells counter-clockwise and holes
clockwise, their boxes and plane areas. Single-ring polygons (nearly every
feature of a land-use layer) are told from their coordinates and made
counter-clockwise in one pass, compiled with numba when it is installed
(:mod:`rsgeo.geo._numba`), else vectorised with numpy; the others go through
shapely's parts and rings. :mod:`rsgeo.geo._clip_kernel` and
:mod:`rsgeo.geo._ring_check` read them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from rsgeo.geo._numba import HAVE_NUMBA, numba

__all__ = ["RaggedPolygons", "ragged"]


class RaggedPolygons:
    """Flat vertex arrays of (multi)polygons: rings CCW shells, CW holes.

    ``x, y``: vertices (each ring closed); ``ring_off``: ring r spans vertices
    ``ring_off[r]:ring_off[r+1]``; ``geom_off``: geometry g spans rings
    ``geom_off[g]:geom_off[g+1]``; ``bounds``: (n, 4) boxes; ``area``: plane
    areas. Built once per layer: single-ring polygons (nearly all features)
    take a vectorised path that makes no Python object per geometry.
    """

    __slots__ = ("area", "bounds", "geom_off", "max_vertices", "ring_off", "x", "y")

    def __init__(self, geoms: npt.NDArray[np.object_]) -> None:
        geoms = np.asarray(geoms, dtype=object)
        n = len(geoms)
        b = shapely.bounds(geoms)
        self.bounds = np.where(np.isnan(b), 0.0, b)
        self.area = np.nan_to_num(np.asarray(shapely.area(geoms), dtype=np.float64))
        types = shapely.get_type_id(geoms)
        n_coords = shapely.get_num_coordinates(geoms).astype(np.int64)
        # one ring (a polygon without holes, or a multipolygon of one such part):
        # told from the coordinates, without a Python object per part
        polygonal = np.flatnonzero(((types == 3) | (types == 6)) & (n_coords > 0))
        all_xy = shapely.get_coordinates(geoms[polygonal])
        all_x = np.ascontiguousarray(all_xy[:, 0])
        all_y = np.ascontiguousarray(all_xy[:, 1])
        del all_xy
        simple = np.zeros(n, dtype=bool)
        simple[polygonal] = _one_ring(all_x, all_y, n_coords[polygonal])
        other = np.flatnonzero(~simple & (n_coords > 0))
        # rings per geometry and ring lengths of the complex geometries
        rings_per = simple.astype(np.int64)
        o_len = np.zeros(0, dtype=np.int64)
        o_xy = np.zeros((0, 2))
        if len(other):
            oriented = shapely.orient_polygons(geoms[other], exterior_cw=False)
            parts, part_geom = shapely.get_parts(oriented, return_index=True)
            rings, ring_part = shapely.get_rings(parts, return_index=True)
            o_xy = shapely.get_coordinates(rings)
            o_len = shapely.get_num_coordinates(rings).astype(np.int64)
            rings_per[other] = np.bincount(part_geom[ring_part], minlength=len(other))
        self.geom_off = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(rings_per, out=self.geom_off[1:])
        ring_len = np.zeros(int(self.geom_off[-1]), dtype=np.int64)
        s_idx = np.flatnonzero(simple)
        ring_len[self.geom_off[s_idx]] = n_coords[s_idx]
        if len(other):
            first_ring = np.repeat(self.geom_off[other], rings_per[other])
            within = np.arange(len(o_len)) - np.repeat(
                np.cumsum(rings_per[other]) - rings_per[other], rings_per[other]
            )
            ring_len[first_ring + within] = o_len
        self.ring_off = np.zeros(len(ring_len) + 1, dtype=np.int64)
        np.cumsum(ring_len, out=self.ring_off[1:])
        total = int(self.ring_off[-1])
        if len(other) == 0:  # all single rings, already in order
            self.x, self.y = _ccw(all_x, all_y, n_coords[s_idx])
        else:
            self.x = np.zeros(total)
            self.y = np.zeros(total)
        if len(s_idx) and len(other):
            s_len = n_coords[s_idx]
            at = _spans(_starts_of(n_coords, polygonal, s_idx), s_len)
            s_x, s_y = _ccw(all_x[at], all_y[at], s_len)
            dest = _spans(self.ring_off[self.geom_off[s_idx]], s_len)
            self.x[dest] = s_x
            self.y[dest] = s_y
        if len(other):
            o_rings = self.geom_off[other]
            start = np.repeat(o_rings, rings_per[other]) + within
            dest = _spans(self.ring_off[start], o_len)
            self.x[dest] = o_xy[:, 0]
            self.y[dest] = o_xy[:, 1]
        per_geom = np.diff(self.ring_off[self.geom_off])
        self.max_vertices = int(per_geom.max()) if n else 0


def _one_ring_py(x: Any, y: Any, starts: Any, lengths: Any, out: Any) -> None:
    """``out[g]``: the closed vertices ``starts[g] : starts[g] + lengths[g]`` are one ring
    (the first vertex comes back at the last only; 4 vertices at least)."""
    for g in range(len(starts)):
        s = starts[g]
        e = s + lengths[g]
        if e - s < 4 or x[e - 1] != x[s] or y[e - 1] != y[s]:
            out[g] = False
            continue
        one = True
        for k in range(s + 1, e - 1):
            if x[k] == x[s] and y[k] == y[s]:
                one = False
                break
        out[g] = one


_one_ring_jit = numba.njit(cache=True, nogil=True)(_one_ring_py) if HAVE_NUMBA else None


def _one_ring(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], lengths: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    """For geometries whose vertices are ``x, y`` in turn (``lengths`` each): whether each
    is one closed ring. Several rings (parts or holes) bring the first vertex back before
    the last: the first ring closes there."""
    starts = np.cumsum(lengths) - lengths
    out = np.zeros(len(lengths), dtype=bool)
    if _one_ring_jit is not None:
        _one_ring_jit(x, y, starts, lengths, out)
        return out
    if len(lengths) == 0:
        return out
    geom_of = np.repeat(np.arange(len(lengths)), lengths)
    same = (x == x[starts][geom_of]) & (y == y[starts][geom_of])
    ends = starts + lengths - 1
    return (lengths >= 4) & same[ends] & (np.add.reduceat(same.astype(np.int64), starts) == 2)


def _starts_of(
    n_coords: npt.NDArray[np.int64], listed: npt.NDArray[np.int64], wanted: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Where the vertices of geometries ``wanted`` (a subset of ``listed``, both sorted)
    start among those of ``listed`` taken in turn."""
    lengths = n_coords[listed]
    starts = np.cumsum(lengths) - lengths
    return starts[np.searchsorted(listed, wanted)]


def _spans(starts: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Concatenated ranges ``starts[i] : starts[i] + lengths[i]``."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offs = np.cumsum(lengths) - lengths
    return np.repeat(starts - offs, lengths) + np.arange(total)


def _ccw_py(x: Any, y: Any, starts: Any, lengths: Any) -> None:
    """Reverse, in place, the closed rings (spans of ``x, y``) that run clockwise."""
    for r in range(len(starts)):
        s = starts[r]
        e = s + lengths[r]
        x0 = x[s]
        y0 = y[s]
        twice = 0.0
        for k in range(s, e - 1):
            twice += (x[k] - x0) * (y[k + 1] - y0) - (x[k + 1] - x0) * (y[k] - y0)
        if twice < 0.0:
            i = s
            j = e - 1
            while i < j:
                x[i], x[j] = x[j], x[i]
                y[i], y[j] = y[j], y[i]
                i += 1
                j -= 1


def _ccw(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], lengths: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``x, y`` (contiguous, consecutive closed rings), every ring made counter-clockwise
    in place."""
    starts = np.cumsum(lengths) - lengths
    if _ccw_jit is not None:
        _ccw_jit(x, y, starts, lengths)
        return x, y
    ring_of = np.repeat(np.arange(len(lengths)), lengths)
    rx = x - x[starts][ring_of]
    ry = y - y[starts][ring_of]
    cross = np.zeros(len(x))
    cross[:-1] = rx[:-1] * ry[1:] - rx[1:] * ry[:-1]
    cross[starts + lengths - 1] = 0.0  # the last vertex of a ring starts no edge
    flip = np.add.reduceat(cross, starts) < 0
    if flip.any():
        k = np.flatnonzero(flip[ring_of])
        r = ring_of[k]
        src = starts[r] + (starts[r] + lengths[r] - 1) - k
        x[k] = x[src]
        y[k] = y[src]
    return x, y


_ccw_jit = numba.njit(cache=True, nogil=True)(_ccw_py) if HAVE_NUMBA else None


def ragged(geoms: npt.NDArray[np.object_]) -> RaggedPolygons:
    """Flatten polygonal geometries for :func:`rsgeo.geo._clip_kernel.pair_moments`."""
    return RaggedPolygons(geoms)
