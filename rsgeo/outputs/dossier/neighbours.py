"""The neighbouring patches a dossier's location map shows, found with one spatial index.

The close-up panel of the location map shows the patches that cross its
window (the patch's bounds around its centre, plus the margin and 2 %);
the overview panel, when there are no township boundaries to draw, shows a
dot at the centre of the patches within 5 km. Both are bounded: at most
``limit`` of each, the nearest to the patch, so a dossier never gathers the
thousand patches of a dense province around it. The trees are built once
for all the patches.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["MAX_NEIGHBOURS", "OVERVIEW_HALF_M", "detail_window", "shown_neighbours"]

MAX_NEIGHBOURS = 200
"""The most neighbours a panel of the location map shows (the nearest)."""

OVERVIEW_HALF_M = 5000.0
"""Half the side of the overview panel when no township boundaries are given."""


def detail_window(geom: Any, margin_m: float) -> tuple[float, float, float, float]:
    """The close-up panel's window around ``geom``, with 2 % of its side drawn beyond its frame.

    >>> from shapely.geometry import box
    >>> detail_window(box(0, 0, 100, 50), 50.0)
    (-54.0, -79.0, 154.0, 129.0)
    """
    minx, miny, maxx, maxy = geom.bounds
    cx, cy = geom.centroid.x, geom.centroid.y
    half = max(maxx - minx, maxy - miny) / 2 + margin_m
    pad = 0.02 * 2 * half
    return (cx - half - pad, cy - half - pad, cx + half + pad, cy + half + pad)


def _nearest(candidates: np.ndarray, distances: np.ndarray, limit: int) -> np.ndarray:
    if len(candidates) <= limit:
        return candidates
    # the nearest ``limit``; ties at the cut broken by position, so the choice is stable
    order = np.lexsort((candidates, distances))[:limit]
    return candidates[order]


def shown_neighbours(
    geoms: Any,
    margins_m: Any,
    *,
    overview: bool,
    limit: int = MAX_NEIGHBOURS,
) -> list[np.ndarray]:
    """For each patch, the positions of the other patches its location map shows.

    Parameters
    ----------
    geoms : array of shapely geometries
        The patches, in a projected CRS (metres); None or empty ones show nothing.
    margins_m : array of float
        Each patch's map margin (:func:`rsgeo.outputs.dossier.location_map.margin_for`).
    overview : bool
        Also the patches whose centre lies in the 5 km overview panel (drawn
        as dots when no township boundaries are given).
    limit : int, default MAX_NEIGHBOURS
        The most patches each panel shows: those nearest to the patch.

    Returns
    -------
    list of numpy int arrays
        Sorted positions into ``geoms``, never the patch itself.
    """
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    has = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    shown: list[np.ndarray] = [np.zeros(0, dtype=np.intp) for _ in range(n)]
    if not has.any():
        return shown
    where = np.flatnonzero(has)
    tree = shapely.STRtree(np.where(has, geoms, None))
    windows = shapely.box(*np.array([detail_window(geoms[i], margins_m[i]) for i in where]).T)
    pairs = tree.query(windows, predicate="intersects")
    src, dst = where[pairs[0]], pairs[1]
    keep = src != dst
    src, dst = src[keep], dst[keep]
    order = np.argsort(src, kind="stable")
    src, dst = src[order], dst[order]
    bounds = np.searchsorted(src, np.arange(n + 1))
    centres = shapely.centroid(np.where(has, geoms, None))
    cxy = shapely.get_coordinates(centres[where])
    xy = np.full((n, 2), np.nan)
    xy[where] = cxy
    points = shapely.STRtree(centres) if overview else None
    for i in where:
        near = dst[bounds[i] : bounds[i + 1]]
        if len(near) > limit:
            near = _nearest(near, shapely.distance(geoms[i], geoms[near]), limit)
        if points is not None:
            x, y = xy[i]
            h = OVERVIEW_HALF_M
            dots = points.query(shapely.box(x - h, y - h, x + h, y + h), predicate="intersects")
            dots = dots[dots != i]
            if len(dots) > limit:
                d = np.hypot(xy[dots, 0] - x, xy[dots, 1] - y)
                dots = _nearest(dots, d, limit)
            near = np.union1d(near, dots)
        shown[i] = np.unique(near).astype(np.intp)
    return shown
