"""Engine of :mod:`rsgeo.overlay`: pairs, piece areas, union semantics.

Work units are "work pieces": patches, or patch × township pieces. For one
reference layer the engine

1. splits features with many vertices (red-line polygons) into grid cells
   (``shapely.clip_by_rect``), so no pair handles thousands of vertices;
2. takes candidate (work piece, feature) pairs from the caller's box query
   or from a vectorised STRtree query, and processes them in chunks of work
   pieces in spatial order on a thread pool (GEOS and the numba kernels
   release the GIL);
3. computes the plane area and first moments of every pair's intersection
   with :func:`rsgeo.geo._clip_kernel.pair_moments` on flat vertex arrays built
   once per layer (GEOS ``intersection`` for the pairs it flags, or for all
   pairs without numba, of the polygonal parts: a patch cut by a township
   may be a collection holding a line, a trimmed feature may be empty). A patch inside a large feature costs one pass over
   the feature's edges: only edges meeting the patch's box are tested;
4. applies union semantics, first listed wins: feature pairs met by one work
   piece whose boxes overlap are tested once for a common area (same
   kernel). Each feature overlapping features listed before it is replaced
   by itself minus those (vectorised GEOS ``difference``, once per layer),
   and only its pairs are recomputed: the part of a work piece credited to
   feature f is ``W ∩ (f − ∪ earlier overlapping g)``, the same trimmed
   feature for every work piece, so the credited pieces never overlap.

Areas are returned in the plane together with moments; the caller turns
them into ellipsoidal areas with the patch's ellipsoidal/plane ratio and the
local gradient of the projection's areal scale (exact to about 1e-8 of the
patch area; see ``tests/geo/test_overlay_engine.py``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from rsgeo.geo._clip_kernel import HAVE_NUMBA, group_pairs, pair_moments
from rsgeo.geo._ragged import RaggedPolygons

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ObjArray = npt.NDArray[np.object_]

MAX_VERTICES = 400  # features with more vertices are split into grid cells
OVERLAP_EPS_M2 = 1e-6  # plane m²: features sharing less than this do not overlap
CHUNK = 4000  # work pieces per task
PARALLEL_MIN = 2000  # set operations on more geometries than this go to the thread pool


@dataclass
class LayerResult:
    """Per (work piece, feature) results of one layer, effective areas."""

    work: IntArray
    feature: IntArray
    raw_area: FloatArray  # plane area of work ∩ feature
    eff_area: FloatArray  # plane area credited to the feature (union rule)
    eff_sx: FloatArray  # first moments of the credited part (about the origin)
    eff_sy: FloatArray
    stats: dict[str, int] = field(default_factory=dict)


def split_large(geoms: ObjArray, max_vertices: int = MAX_VERTICES) -> tuple[ObjArray, IntArray]:
    """Cut features with more than ``max_vertices`` into grid cells.

    Returns the pieces and, for each, the row of the feature it came from.
    Cells tile the plane, so the pieces of a feature never overlap.
    """
    n_coords = shapely.get_num_coordinates(geoms)
    big = np.flatnonzero(n_coords > max_vertices)
    if len(big) == 0:
        return geoms, np.arange(len(geoms), dtype=np.int64)
    keep = np.ones(len(geoms), dtype=bool)
    keep[big] = False
    out = [geoms[keep]]
    src = [np.flatnonzero(keep)]
    bounds = shapely.bounds(geoms[big])
    for row, g, (x0, y0, x1, y1), nc in zip(big, geoms[big], bounds, n_coords[big], strict=True):
        k = int(np.ceil(np.sqrt(nc / (max_vertices / 2.0))))
        xs = np.linspace(x0, x1, k + 1)
        ys = np.linspace(y0, y1, k + 1)
        cells = [
            shapely.clip_by_rect(g, xs[i], ys[j], xs[i + 1], ys[j + 1])
            for i in range(k)
            for j in range(k)
        ]
        arr = np.asarray(cells, dtype=object)
        arr = arr[~shapely.is_empty(arr) & (shapely.area(arr) > 0)]
        out.append(arr)
        src.append(np.full(len(arr), row, dtype=np.int64))
    return np.concatenate(out), np.concatenate(src)


def _unique(a: IntArray) -> IntArray:
    """Sorted distinct values (sorting: numpy's hash-based ``unique`` is slow here)."""
    a = np.sort(a)
    return a[np.r_[True, a[1:] != a[:-1]]] if len(a) else a


def _intersection(a: ObjArray, b: ObjArray) -> ObjArray:
    """GEOS ``a ∩ b`` of the polygonal parts: lines and points dropped, empties skipped.

    A patch cut by a township can be a collection holding a line, and a
    trimmed feature can be ``POLYGON EMPTY``; GEOS refuses some of those
    pairs ("Unable to determine overlay result geometry dimension").
    """
    a, b = _polygonal(a), _polygonal(b)
    out = np.full(len(a), shapely.Polygon(), dtype=object)
    both = ~(shapely.is_empty(a) | shapely.is_empty(b))
    if both.all():
        return np.asarray(shapely.intersection(a, b), dtype=object)
    out[both] = shapely.intersection(a[both], b[both])
    return out


def _geos_moments(a: ObjArray, b: ObjArray, origin: FloatArray) -> tuple[FloatArray, ...]:
    """Area and first moments (about ``origin``) of ``a ∩ b`` with GEOS."""
    inter = _intersection(a, b)
    area = np.nan_to_num(np.asarray(shapely.area(inter), dtype=np.float64))
    cent = np.zeros((len(a), 2))
    nonempty = ~shapely.is_empty(inter) & (area > 0)
    if nonempty.any():
        cent[nonempty] = shapely.get_coordinates(shapely.centroid(inter[nonempty]))
    sx = np.where(nonempty, area * (cent[:, 0] - origin[:, 0]), 0.0)
    sy = np.where(nonempty, area * (cent[:, 1] - origin[:, 1]), 0.0)
    return area, sx, sy


def _moments(
    work: ObjArray,
    work_r: RaggedPolygons | None,
    feats: ObjArray,
    feat_r: RaggedPolygons | None,
    wi: IntArray,
    fi: IntArray,
    origin: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, int]:
    """Area and moments of work[wi] ∩ feats[fi]; returns the count of GEOS pairs.

    With flat arrays of both sides (numba), the kernel computes every pair
    and GEOS only the pairs it flags; without them, GEOS computes all.
    """
    if work_r is not None and feat_r is not None and len(wi):
        area, sx, sy, bad = pair_moments(work_r, feat_r, wi, fi, origin)
        if bad.any():
            ga, gx, gy = _geos_moments(work[wi[bad]], feats[fi[bad]], origin[bad])
            area[bad], sx[bad], sy[bad] = ga, gx, gy
        return area, sx, sy, int(bad.sum())
    area, sx, sy = _geos_moments(work[wi], feats[fi], origin)
    return area, sx, sy, len(wi)


def _spatial_order(points: FloatArray) -> IntArray:
    """Order of points along rows of 2 km (boustrophedon), NaN points last."""
    if len(points) == 0:
        return np.zeros(0, dtype=np.int64)
    x = np.nan_to_num(points[:, 0], nan=np.inf)
    y = np.nan_to_num(points[:, 1], nan=np.inf)
    row = np.floor((y - np.min(y)) / 2000.0) if np.isfinite(y).any() else y
    row = np.nan_to_num(row, nan=0.0, posinf=0.0)
    xs = np.where(row % 2 == 0, x, -x)
    return np.lexsort((xs, row)).astype(np.int64)


def _overlapping(keys: IntArray, feats: ObjArray, feat_r: RaggedPolygons | None) -> IntArray:
    """The feature pairs of ``keys`` that share an area (> OVERLAP_EPS_M2)."""
    if len(keys) == 0:
        return keys
    if feat_r is not None:
        origin = feat_r.bounds[keys[:, 0], :2]
        area, _, _, bad = pair_moments(feat_r, feat_r, keys[:, 0], keys[:, 1], origin)
        if bad.any():
            area[bad] = shapely.area(_intersection(feats[keys[bad, 0]], feats[keys[bad, 1]]))
    else:
        area = shapely.area(_intersection(feats[keys[:, 0]], feats[keys[:, 1]]))
    return keys[area > OVERLAP_EPS_M2]


def _polygonal(geoms: ObjArray) -> ObjArray:
    """Keep the polygonal parts of set-operation results (lines and points dropped)."""
    types = shapely.get_type_id(geoms)
    odd = np.flatnonzero((types != 3) & (types != 6) & ~shapely.is_empty(geoms))
    if len(odd):
        geoms = geoms.copy()
        for k in odd:
            parts = shapely.get_parts(geoms[k])
            polys = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
            geoms[k] = shapely.union_all(polys) if len(polys) else shapely.Polygon()
    return geoms


def _trim_later(
    hit: IntArray,
    feats: ObjArray,
    src: IntArray,
    pmap: Callable[[Callable[[Any], Any], list[Any]], list[Any]] | None = None,
) -> tuple[IntArray, ObjArray]:
    """For each feature overlapping a feature listed before it: itself minus those.

    Union semantics with "first listed wins": the part of a work piece credited
    to feature f is ``W ∩ (f − ∪ g)`` over the features g listed before f that
    overlap f. Features overlapping f only outside W do not change that area,
    so the trimmed feature is the same for every work piece.
    """
    a, b = hit[:, 0], hit[:, 1]
    later = np.where(src[a] > src[b], a, b)
    earlier = np.where(src[a] > src[b], b, a)
    order = np.argsort(later, kind="stable")
    later, earlier = later[order], earlier[order]
    first = np.flatnonzero(np.r_[True, later[1:] != later[:-1]])
    counts = np.diff(np.r_[first, len(later)])
    ids = later[first]
    trimmed = feats[ids].copy()
    # subtract the earlier features in rounds: round r takes the r-th earlier
    # feature of every group that has one (vectorised GEOS difference; this
    # measured faster than a union of the earlier features then one difference)
    for r in range(int(counts.max())):
        has = np.flatnonzero(counts > r)
        if pmap is not None and len(has) > PARALLEL_MIN:  # GEOS releases the GIL
            nth = np.zeros(len(first), dtype=np.int64)
            nth[has] = earlier[first[has] + r]

            def cut(h: IntArray, nth: IntArray = nth) -> ObjArray:
                return np.asarray(shapely.difference(trimmed[h], feats[nth[h]]), dtype=object)

            trimmed[has] = np.concatenate(pmap(cut, np.array_split(has, 8)))
        else:
            trimmed[has] = shapely.difference(trimmed[has], feats[earlier[first[has] + r]])
    return ids.astype(np.int64), _polygonal(trimmed)


def overlay_layer(
    work: ObjArray,
    origin: FloatArray,
    feats: ObjArray,
    *,
    n_jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
    use_kernel: bool | None = None,
    chunk: int = CHUNK,
    work_flat: RaggedPolygons | None = None,
    feat_flat: RaggedPolygons | None = None,
    pairs: tuple[IntArray, IntArray] | None = None,
) -> LayerResult:
    """Overlay work pieces with one layer (union semantics, first listed wins).

    ``origin[i]`` is the point about which moments of work piece i are taken.
    Geometry must be valid and polygonal. ``chunk`` work pieces make one task
    of the thread pool. ``work_flat`` and ``feat_flat``: flat vertex arrays of
    ``work`` and ``feats`` when the caller already built them. ``pairs``:
    (work, feature) candidate pairs when the caller already has them, a
    superset of the pairs whose boxes meet (saves the tree and its queries).
    """
    if use_kernel is None:
        use_kernel = HAVE_NUMBA
    parts, src = split_large(feats)
    split = len(parts) != len(feats)
    work_r = feat_r = None
    if use_kernel:
        work_r = work_flat if work_flat is not None else RaggedPolygons(work)
        feat_r = feat_flat if feat_flat is not None and not split else RaggedPolygons(parts)
    bounds = feat_r.bounds if feat_r is not None else shapely.bounds(parts)
    n = len(work)
    order = _spatial_order(origin)  # neighbouring pieces share features: cache hits
    chunks = [order[s : s + chunk] for s in range(0, n, chunk)]
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    tree = None
    if pairs is not None and not split:
        by = np.argsort(rank[pairs[0]], kind="stable")
        pw, pf = pairs[0][by].astype(np.int64), pairs[1][by].astype(np.int64)
        cut = np.searchsorted(rank[pw], np.arange(0, n + chunk, chunk))
    else:
        tree = shapely.STRtree(parts)

    def run(k: int) -> tuple[Any, ...]:
        idx = chunks[k]
        if tree is None:
            wi, fi = pw[cut[k] : cut[k + 1]], pf[cut[k] : cut[k + 1]]
        else:
            qi, fi = tree.query(work[idx])
            wi, fi = idx[qi], fi.astype(np.int64)
        area, sx, sy, n_geos = _moments(work, work_r, parts, feat_r, wi, fi, origin[wi])
        keep = area > 0
        wi, fi = wi[keep], fi[keep]
        grp = rank[wi]  # sorted: pairs come grouped by work piece, in chunk order
        keys = group_pairs(grp, fi, src, bounds)
        if progress is not None:
            progress(len(idx))
        return wi, fi, area[keep], sx[keep], sy[keep], keys, n_geos

    workers = max(1, n_jobs or min(os.cpu_count() or 1, 8))
    pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 else None
    try:
        steps = list(range(len(chunks)))
        return _finish(pool, run, steps, work, work_r, origin, parts, feat_r, src, len(feats))
    finally:
        if pool is not None:
            pool.shutdown()


def _finish(
    pool: ThreadPoolExecutor | None,
    run: Callable[[int], tuple[Any, ...]],
    chunks: list[int],
    work: ObjArray,
    work_r: RaggedPolygons | None,
    origin: FloatArray,
    parts: ObjArray,
    feat_r: RaggedPolygons | None,
    src: IntArray,
    n_feats: int,
) -> LayerResult:
    """Run the chunks, then apply union semantics to the pairs found."""

    def pmap(fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
        if pool is None or len(items) <= 1:
            return [fn(it) for it in items]
        return list(pool.map(fn, items))

    results = pmap(run, chunks)
    if not results:
        empty_i = np.zeros(0, dtype=np.int64)
        empty_f = np.zeros(0)
        return LayerResult(empty_i, empty_i, empty_f, empty_f, empty_f, empty_f)
    wi, fi, raw, raw_x, raw_y = (np.concatenate([r[k] for r in results]) for k in range(5))
    codes = np.concatenate([r[5] for r in results])
    if len(results) > 1:
        codes = _unique(codes)
    keys = np.stack([codes // len(parts), codes % len(parts)], axis=1)
    eff_a, eff_x, eff_y = raw.copy(), raw_x.copy(), raw_y.copy()
    n_split = max(1, min(len(keys) // 20_000, 64))
    hits = pmap(lambda k: _overlapping(k, parts, feat_r), np.array_split(keys, n_split))
    hit = np.concatenate(hits) if hits else keys
    n_trimmed = n_fixed = 0
    if len(hit):
        ids, trimmed = _trim_later(hit, parts, src, pmap)
        slot = np.full(len(parts), -1, dtype=np.int64)
        slot[ids] = np.arange(len(ids))
        redo = np.flatnonzero(slot[fi] >= 0)
        trim_r = RaggedPolygons(trimmed) if feat_r is not None else None
        ea, ex, ey, _ = _moments(
            work, work_r, trimmed, trim_r, wi[redo], slot[fi[redo]], origin[wi[redo]]
        )
        eff_a[redo], eff_x[redo], eff_y[redo] = ea, ex, ey
        n_trimmed, n_fixed = len(ids), int(np.count_nonzero(np.bincount(wi[redo])))
    stats = {
        "n_features_split": int(len(parts) - n_feats),
        "n_pairs": len(wi),
        "n_pairs_geos": int(sum(r[6] for r in results)),
        "n_overlapping_feature_pairs": len(hit),
        "n_features_trimmed": n_trimmed,
        "n_pieces_union_fixed": n_fixed,
    }
    return LayerResult(wi, src[fi], raw, eff_a, eff_x, eff_y, stats)
