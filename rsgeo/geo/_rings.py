"""Flat ring arrays of polygons: one offset per ring into ``shapely.get_coordinates``."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

__all__ = ["ring_layout"]


def ring_layout(
    polys: npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Ring offsets into ``get_coordinates(polys)``, ring signs and ring owners.

    Exterior rings get sign +1 and holes -1; owners index ``polys``.
    """
    n_int = shapely.get_num_interior_rings(polys).astype(np.int64)
    rings_per_poly = n_int + 1
    first_ring = np.concatenate(([0], np.cumsum(rings_per_poly)[:-1]))
    n_rings = int(rings_per_poly.sum())
    counts = np.empty(n_rings, dtype=np.int64)
    counts[first_ring] = shapely.get_num_coordinates(polys)
    holed = np.flatnonzero(n_int > 0)
    if len(holed):
        rings, owner = shapely.get_rings(polys[holed], return_index=True)
        # position of each ring inside its polygon: 0 for the exterior, 1.. for holes
        group_start = np.concatenate(([0], np.cumsum(rings_per_poly[holed])[:-1]))
        within = np.arange(len(rings)) - np.repeat(group_start, rings_per_poly[holed])
        counts[first_ring[holed][owner] + within] = shapely.get_num_coordinates(rings)
    offsets = np.concatenate(([0], np.cumsum(counts)))
    sign = -np.ones(n_rings)
    sign[first_ring] = 1.0
    ring_owner = np.repeat(np.arange(len(polys)), rings_per_poly)
    return offsets, sign, ring_owner
