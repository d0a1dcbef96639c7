"""The intersection kernel and the ellipsoidal scaling, against GEOS and rsgeo.geo.area."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from rsgeo.analysis.layer_overlay import overlay_pieces
from rsgeo.geo._clip_kernel import HAVE_NUMBA, pair_moments
from rsgeo.geo._overlay_engine import overlay_layer
from rsgeo.geo._ragged import ragged
from rsgeo.geo.area import ellipsoidal_area
from rsgeo.synthetic import province as pv


def _pairs(seed):
    farm = pv.make_farmland(2000, seed=seed)
    pts = pv.make_patches(150, bounds=farm.total_bounds, seed=seed + 1)
    f = np.asarray(farm.geometry.array, dtype=object)
    p = np.asarray(pts.geometry.array, dtype=object)
    pi, fi = shapely.STRtree(f).query(p)
    return p, f, pi, fi


@pytest.mark.parametrize("compiled", [True, False] if HAVE_NUMBA else [False])
def test_kernel_matches_geos(compiled):
    p, f, pi, fi = _pairs(3)
    if not compiled:
        pi, fi = pi[:300], fi[:300]
    origin = shapely.get_coordinates(shapely.centroid(p))[pi]
    area, sx, sy, bad = pair_moments(ragged(p), ragged(f), pi, fi, origin, compiled=compiled)
    inter = shapely.intersection(p[pi], f[fi])
    ref = shapely.area(inter)
    ok = ~bad
    np.testing.assert_allclose(area[ok], ref[ok], atol=1e-7)
    big = ok & (ref > 1.0)
    c = shapely.get_coordinates(shapely.centroid(inter[big]))
    np.testing.assert_allclose(sx[big] / area[big] + origin[big, 0], c[:, 0], atol=1e-6)
    np.testing.assert_allclose(sy[big] / area[big] + origin[big, 1], c[:, 1], atol=1e-6)


def test_kernel_degenerate_contacts():
    sq = box(0, 0, 2, 2)
    cases = [
        (box(0, 0, 2, 2), 4.0),  # identical
        (box(2, 0, 4, 2), 0.0),  # shared edge
        (box(1, 0, 3, 2), 2.0),  # collinear overlapping edges
        (box(2, 2, 3, 3), 0.0),  # shared corner
        (Polygon([(0, 0), (2, 0), (1, 1)]), 1.0),  # vertices on the boundary
        (box(0.5, 0.5, 1.5, 1.5), 1.0),  # inside
    ]
    others = np.array([g for g, _ in cases], dtype=object)
    a = ragged(np.array([sq], dtype=object))
    b = ragged(others)
    n = len(cases)
    area, _, _, bad = pair_moments(a, b, np.zeros(n, int), np.arange(n), np.zeros((n, 2)))
    assert not bad.any()
    np.testing.assert_allclose(area, [v for _, v in cases], atol=1e-12)


def test_geos_path_equals_kernel_path():
    p, f, _, _ = _pairs(5)
    origin = shapely.get_coordinates(shapely.centroid(p))
    fast = overlay_layer(p, origin, f, use_kernel=True, n_jobs=1)
    slow = overlay_layer(p, origin, f, use_kernel=False, n_jobs=1)
    a = np.bincount(fast.work, weights=fast.eff_area, minlength=len(p))
    b = np.bincount(slow.work, weights=slow.eff_area, minlength=len(p))
    np.testing.assert_allclose(a, b, atol=1e-6)
    union = shapely.union_all(f)
    np.testing.assert_allclose(a, shapely.area(shapely.intersection(p, union)), atol=1e-6)


def test_scaled_piece_areas_agree_with_ellipsoidal_area():
    """Plane area x patch ratio x areal-scale gradient is within 1e-7 of the crediting rule.

    A piece is credited its geodesic area scaled by its patch's survey/geodesic
    ratio (the ratio is taken against the plane, which comes to the same to
    ~1e-8), so the pieces of a patch add up to the patch's survey area. The
    survey procedure applied to a piece itself differs from that by the edge
    effects of the piece's own edges (docs/areas.md): up to ~0.009 m² on these
    2–5 ha pieces. Worst case: patches 140-200 km east of the central meridian
    (the edge of a 3-degree zone), cut by township boundaries into pieces.
    """
    bounds = (640_000.0, 2_740_000.0, 700_000.0, 2_800_000.0)
    pts = pv.make_patches(300, bounds=bounds, min_area_m2=20_000, max_area_m2=50_000, seed=2)
    towns = pv.make_townships(bounds=bounds, n_townships=20, seed=3)
    pieces = overlay_pieces(pts, {}, townships=towns, min_piece_m2=0.0)
    geodesic = ellipsoidal_area(pieces.geometry.values, crs=4545, method="geodesic")
    survey = ellipsoidal_area(pieces.geometry.values, crs=4545)
    ids = pieces.index.get_level_values("patch_id")
    patch_area = pd.Series(ellipsoidal_area(pts), index=pts.index).reindex(ids).to_numpy()
    patch_geodesic = pd.Series(ellipsoidal_area(pts, method="geodesic"), index=pts.index)
    ratio = patch_area / patch_geodesic.reindex(ids).to_numpy()
    got = pieces["area_m2"].to_numpy()
    err = np.abs(got - geodesic * ratio) / patch_area
    split = ids.duplicated(keep=False)
    assert split.sum() > 10  # the test does cut patches
    assert err.max() < 1e-7
    # the pieces of a patch add up to its survey area
    sums = pieces.groupby(level="patch_id")["area_m2"].sum()
    np.testing.assert_allclose(
        sums.to_numpy(), ellipsoidal_area(pts.loc[sums.index]), rtol=1e-12, atol=1e-9
    )
    # the survey procedure applied to a piece itself: the piece's own edge effects
    assert np.abs(got - survey)[split].max() < 0.02
    assert np.abs(got - survey)[~split].max() < 1e-9  # a whole patch is its survey area
    # plain planar area would be off by about 4e-4 here
    plane = shapely.area(pieces.geometry.values)
    assert np.abs(plane - survey).max() / survey.max() > 1e-5


def test_huge_polygons_are_split_and_exact():
    bounds = (560_000.0, 2_740_000.0, 570_000.0, 2_750_000.0)
    red = pv.make_redline(4, bounds=bounds, n_vertices=3000, seed=4)
    pts = pv.make_patches(200, bounds=bounds, seed=5)
    p = np.asarray(pts.geometry.array, dtype=object)
    r = np.asarray(red.geometry.array, dtype=object)
    origin = shapely.get_coordinates(shapely.centroid(p))
    res = overlay_layer(p, origin, r, n_jobs=1)
    assert res.stats["n_features_split"] > 0
    got = np.bincount(res.work, weights=res.eff_area, minlength=len(p))
    ref = shapely.area(shapely.intersection(p, shapely.union_all(r)))
    np.testing.assert_allclose(got, ref, atol=1e-6)


def test_input_layers_not_mutated():
    farm = pv.make_farmland(500, seed=6)
    pts = pv.make_patches(30, bounds=farm.total_bounds, seed=7)
    f0, p0 = farm.copy(), pts.copy()
    overlay_pieces(pts, {"farmland": farm}, townships=None)
    pd.testing.assert_frame_equal(pd.DataFrame(farm), pd.DataFrame(f0))
    pd.testing.assert_frame_equal(pd.DataFrame(pts), pd.DataFrame(p0))
    assert isinstance(farm, gpd.GeoDataFrame)


def _mixed_geometries():
    """Holes, several parts, clockwise shells, an empty polygon, single rings."""
    shell = [(0, 0), (10, 0), (10, 10), (0, 10)]
    hole = [(2, 2), (2, 5), (5, 5), (5, 2)]
    return np.array(
        [
            Polygon(shell, [hole]),
            shapely.MultiPolygon([box(20, 0, 25, 5), box(30, 0, 32, 9)]),
            Polygon(shell[::-1]),  # clockwise shell
            Polygon(),
            box(3, 3, 12, 12),
            shapely.MultiPolygon([Polygon(shell, [hole])]),  # one part with a hole
            shapely.MultiPolygon([box(4, 4, 6, 6)]),  # one part, no hole
        ],
        dtype=object,
    )


@pytest.mark.skipif(not HAVE_NUMBA, reason="needs numba")
def test_flat_arrays_of_mixed_geometries_give_geos_areas():
    g = _mixed_geometries()
    probes = np.array(
        [box(1, 1, 8, 8), box(-1, -1, 40, 11), box(21, 1, 31, 3), box(4.5, 4.5, 9, 9)],
        dtype=object,
    )
    ia, ib = np.meshgrid(np.arange(len(g)), np.arange(len(probes)), indexing="ij")
    ia, ib = ia.ravel(), ib.ravel()
    area, sx, _, bad = pair_moments(ragged(g), ragged(probes), ia, ib, np.zeros((len(ia), 2)))
    inter = shapely.intersection(g[ia], probes[ib])
    ref = shapely.area(inter)
    assert not bad.any()
    np.testing.assert_allclose(area, ref, atol=1e-9)
    big = ref > 0
    cx = shapely.get_coordinates(shapely.centroid(inter[big]))[:, 0]
    np.testing.assert_allclose(sx[big] / area[big], cx, atol=1e-9)


def _flat_one_by_one(geoms):
    """Vertices, ring and geometry offsets of ``geoms`` flattened one geometry at a time
    (parts, then each part's shell and holes; shells counter-clockwise, holes clockwise)."""
    xs, ring_len, rings_per = [], [], []
    for g in geoms:
        rings = []
        for part in shapely.get_parts(g):
            for k, ring in enumerate([part.exterior, *part.interiors]):
                xy = np.asarray(ring.coords)[:, :2]
                if len(xy) == 0:
                    continue
                x0, y0 = xy[0]
                twice = np.sum(
                    (xy[:-1, 0] - x0) * (xy[1:, 1] - y0) - (xy[1:, 0] - x0) * (xy[:-1, 1] - y0)
                )
                if (twice < 0) == (k == 0):  # a clockwise shell or a counter-clockwise hole
                    xy = xy[::-1]
                rings.append(xy)
        rings_per.append(len(rings))
        ring_len += [len(r) for r in rings]
        xs += rings
    xy = np.concatenate(xs) if xs else np.zeros((0, 2))
    return xy, np.r_[0, np.cumsum(ring_len)], np.r_[0, np.cumsum(rings_per)]


@pytest.mark.parametrize("compiled", [True, False] if HAVE_NUMBA else [False])
def test_flat_arrays_hold_every_ring_of_every_geometry(compiled, monkeypatch):
    """The flat arrays against a flattening one geometry at a time, on single rings (told
    from the coordinates), one-part multipolygons with and without holes, several parts,
    a repeated first vertex, a ring touching itself where it starts, empty geometries."""
    from rsgeo.geo import _ragged

    if not compiled:
        monkeypatch.setattr(_ragged, "_one_ring_jit", None)
    s = [(0, 0), (0, 0), (5, 0), (5, 5), (0, 0)]  # the first vertex repeated
    touching = [(0, 0), (4, 0), (4, 4), (0, 0), (-4, 0), (-4, -4), (0, 0)]
    extra = np.array(
        [
            Polygon(s),
            Polygon(touching),
            shapely.MultiPolygon(),
            shapely.MultiPolygon([Polygon(touching)]),
            Polygon([(0, 0), (5, 5), (5, 0), (0, 0)]),  # clockwise
            # the last ring starts where the first does: only the first ring's close tells
            shapely.MultiPolygon(
                [Polygon([(0, 0), (1, 0), (1, 1), (0, 0)]), Polygon([(0, 0), (-1, 0), (-1, -1)])]
            ),
            Polygon([(0, 0), (9, 0), (9, 9), (0, 9)], [[(0, 0), (3, 1), (1, 3)]]),
        ],
        dtype=object,
    )
    rng = np.random.default_rng(7)
    boxes = shapely.box(*rng.uniform(0, 100, (4, 200)))
    geoms = np.concatenate([_mixed_geometries(), extra, boxes, _mixed_geometries()])
    for sample in (geoms, boxes, geoms[::-1]):
        flat = ragged(sample)
        xy, ring_off, geom_off = _flat_one_by_one(sample)
        np.testing.assert_array_equal(np.c_[flat.x, flat.y], xy)
        np.testing.assert_array_equal(flat.ring_off, ring_off)
        np.testing.assert_array_equal(flat.geom_off, geom_off)
        np.testing.assert_array_equal(flat.area, shapely.area(sample))


def test_surely_valid_never_accepts_invalid_rings():
    from rsgeo.geo._ring_check import surely_valid

    rng = np.random.default_rng(1)
    # small integer grids make collinear edges, touching vertices and repeats
    pts = rng.integers(0, 5, size=(3000, 6, 2)).astype(float)
    rings = np.concatenate([pts, pts[:, :1]], axis=1)
    polys = shapely.polygons(rings)
    sure = surely_valid(polys)
    valid = shapely.is_valid(polys)
    assert not (sure & ~valid).any()
    from_flat = surely_valid(polys, ragged(polys))  # rings may be reversed there
    assert not (from_flat & ~valid).any()
    assert from_flat.sum() >= 0.9 * sure.sum()
    if HAVE_NUMBA:
        assert sure.sum() > 100  # decides most of the valid ones itself
        assert surely_valid(
            np.array([box(0, 0, 1, 1), Polygon(box(0, 0, 1, 1).exterior.coords[::-1])])
        ).all()
    # holes, several parts and big rings are left to GEOS
    assert not surely_valid(_mixed_geometries()[[0, 1, 3]]).any()


def test_group_pairs_matches_brute_force():
    from rsgeo.geo._clip_kernel import group_pairs

    rng = np.random.default_rng(2)
    n_feats = 60
    lo = rng.uniform(0, 100, size=(n_feats, 2))
    bounds = np.concatenate([lo, lo + rng.uniform(1, 30, size=(n_feats, 2))], axis=1)
    src = np.arange(n_feats) // 2  # pairs of cells of one feature
    grp = np.sort(rng.integers(0, 40, size=300))
    fi = rng.integers(0, n_feats, size=300)
    expected = set()
    for g in np.unique(grp):
        members = fi[grp == g]
        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                a, b = members[i], members[j]
                boxes = (min(bounds[a, 2], bounds[b, 2]) > max(bounds[a, 0], bounds[b, 0])) and (
                    min(bounds[a, 3], bounds[b, 3]) > max(bounds[a, 1], bounds[b, 1])
                )
                if src[a] != src[b] and boxes:
                    expected.add(min(a, b) * n_feats + max(a, b))
    got = group_pairs(grp, fi, src, bounds)
    assert sorted(expected) == got.tolist()


def _credited_reference(p, f):
    """Brute force "first listed wins": each part of p goes to the first feature holding it."""
    out = []
    for patch in p:
        covered = Polygon()
        per = []
        for feat in f:
            part = shapely.difference(shapely.intersection(patch, feat), covered)
            covered = shapely.union(covered, feat)
            per.append(shapely.area(part))
        out.append(per)
    return np.array(out)


@pytest.mark.parametrize("use_kernel", [True, False] if HAVE_NUMBA else [False])
def test_overlapping_features_credited_to_first_listed(use_kernel, monkeypatch):
    monkeypatch.setattr("rsgeo.geo._overlay_engine.PARALLEL_MIN", 1)  # thread pool paths too
    rng = np.random.default_rng(4)
    base = [box(x, y, x + 10, y + 10) for x in range(0, 40, 10) for y in range(0, 40, 10)]
    extra = [
        shapely.affinity.translate(base[5], 4, 3),  # shifted copy over four cells
        base[6],  # exact duplicate
        box(12, 12, 27, 27),  # overlaps the copy and several cells: three-way overlaps
        shapely.affinity.translate(base[5], 4, 3),  # duplicate of the shifted copy
    ]
    f = np.array(extra[:2] + base + extra[2:], dtype=object)  # some extras listed first
    p = np.array(
        [box(*(rng.uniform(0, 30, 2)), *(rng.uniform(0, 30, 2) + 12)) for _ in range(40)]
        + [box(1, 1, 39, 39)],
        dtype=object,
    )
    p = shapely.normalize(shapely.make_valid(p))  # boxes given with swapped corners are fine
    origin = shapely.get_coordinates(shapely.centroid(p))
    res = overlay_layer(p, origin, f, use_kernel=use_kernel, n_jobs=2, chunk=7)
    assert res.stats["n_features_trimmed"] > 0
    got = np.zeros((len(p), len(f)))
    np.add.at(got, (res.work, res.feature), res.eff_area)
    np.testing.assert_allclose(got, _credited_reference(p, f), atol=1e-7)
    union = shapely.union_all(f)
    np.testing.assert_allclose(
        got.sum(axis=1), shapely.area(shapely.intersection(p, union)), atol=1e-7
    )


def test_patches_inside_a_large_feature_take_the_whole_patch():
    """Patches well inside a 3,000-vertex polygon: the piece is the whole patch."""
    bounds = (560_000.0, 2_740_000.0, 562_000.0, 2_742_000.0)
    red = pv.make_redline(1, bounds=bounds, n_vertices=3000, seed=11)
    r = np.asarray(red.geometry.array, dtype=object)
    inner = shapely.buffer(r[0], -30.0)
    pts = pv.make_patches(300, bounds=bounds, max_area_m2=2_000, seed=12)
    p = np.asarray(pts.geometry.array, dtype=object)
    within = shapely.contains_properly(inner, p)
    assert within.sum() > 20 and (~within).sum() > 20
    origin = shapely.get_coordinates(shapely.centroid(p))
    fast = overlay_layer(p, origin, r, n_jobs=1)
    got = np.bincount(fast.work, weights=fast.eff_area, minlength=len(p))
    np.testing.assert_allclose(got[within], shapely.area(p[within]), rtol=1e-9)
    # the general path (GEOS intersection of every pair) agrees everywhere
    slow = overlay_layer(p, origin, r, n_jobs=1, use_kernel=False)
    ref = np.bincount(slow.work, weights=slow.eff_area, minlength=len(p))
    np.testing.assert_allclose(got, ref, atol=1e-6)
    np.testing.assert_allclose(got, shapely.area(shapely.intersection(p, r[0])), atol=1e-6)


X0, Y0 = 560_000.0, 2_760_000.0  # EPSG:4545


@st.composite
def star_polygons(draw):
    """Star-shaped polygons up to 600 m across, edges at any angle."""
    n = draw(st.integers(3, 12))
    cx, cy = draw(st.integers(0, 400)), draw(st.integers(0, 400))
    turns = np.cumsum(draw(st.lists(st.integers(1, 50), min_size=n, max_size=n)))
    angle = 2.0 * np.pi * turns / (turns[-1] + draw(st.integers(1, 50)))
    radius = np.asarray(draw(st.lists(st.integers(10, 300), min_size=n, max_size=n)), float)
    return Polygon(
        np.column_stack([X0 + cx + radius * np.cos(angle), Y0 + cy + radius * np.sin(angle)])
    )


def shifted(geoms):
    """``geoms`` moved by (-X0, -Y0), exactly."""
    return shapely.transform(np.asarray(geoms, dtype=object), lambda xy: xy - [X0, Y0])


@st.composite
def near_copies(draw, geoms):
    """Copies of some of ``geoms`` whose vertices moved by up to 1e-9 ... 1e-3 m."""
    size_m = draw(st.sampled_from([1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    out = []
    for k in draw(st.lists(st.integers(0, len(geoms) - 1), min_size=1, unique=True)):
        xy = np.asarray(geoms[k].exterior.coords)[:-1]
        # about a third of the coordinates stay exactly where they were
        move = rng.uniform(-size_m, size_m, xy.shape) * (rng.random(xy.shape) < 0.7)
        copy = Polygon(xy + move)
        if copy.is_valid:
            out.append(copy)
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_kernel_matches_geos_on_near_coincident_copies(data):
    """Patches against a layer holding copies of them moved by 1e-9 to 1e-3 m.

    Near-coincident edges cross at tiny angles; the kernel must either get the
    area right or hand the pair to GEOS. Plane areas, compared with GEOS's
    union-then-intersect computed near the origin.
    """
    valid = star_polygons().filter(lambda g: g.is_valid)  # a turn over 180° can cross
    p = np.array(data.draw(st.lists(valid, min_size=1, max_size=5)), dtype=object)
    others = data.draw(st.lists(valid, max_size=3))
    f = np.array(data.draw(near_copies(list(p))) + others, dtype=object)
    origin = shapely.get_coordinates(shapely.centroid(p))
    # the kernel even without numba (then run as Python): GEOS alone loses the
    # slivers of a feature trimmed by its near-duplicate (p ∩ (p − copy) is empty)
    res = overlay_layer(p, origin, f, n_jobs=1, use_kernel=True)
    got = np.bincount(res.work, weights=res.eff_area, minlength=len(p))
    # GEOS as the reference, on the same shapes shifted near 0 (an exact shift, the
    # coordinates are within a factor 2 of X0, Y0): there it works about 1e4 times
    # finer. At the true coordinates GEOS's own union is off by up to 5e-4 m² on
    # these near-coincident copies; near 0 the two agree to a few 1e-6 m² (floating
    # error of either on 600-m shapes), 1000 times below a cent of a square metre.
    ref = shapely.area(shapely.intersection(shifted(p), shapely.union_all(shifted(f))))
    np.testing.assert_allclose(got, ref, rtol=1e-7, atol=1e-5)


@pytest.fixture
def no_numba(monkeypatch):
    """The overlay as installed without numba: GEOS for every pair, no flat arrays."""
    monkeypatch.setattr("rsgeo.geo._clip_kernel.HAVE_NUMBA", False)
    monkeypatch.setattr("rsgeo.geo._ring_check.HAVE_NUMBA", False)
    monkeypatch.setattr("rsgeo.geo._overlay_engine.HAVE_NUMBA", False)


def _town_cut_case():
    """A patch, two townships (one touching the patch along its right edge), a layer.

    patch ∩ township "1" is a collection of the strip x < 30 and the line
    x = 100; feature 1 lies inside feature 0, so "first listed wins" trims it
    to POLYGON EMPTY; feature 2 crosses the line.
    """
    patch = box(X0, Y0, X0 + 100, Y0 + 100)
    town1 = shapely.MultiPolygon(
        [box(X0 - 50, Y0 - 50, X0 + 30, Y0 + 150), box(X0 + 100, Y0, X0 + 150, Y0 + 100)]
    )
    town2 = box(X0 + 30, Y0 - 50, X0 + 100, Y0 + 150)
    feats = [
        box(X0 + 10, Y0 + 10, X0 + 60, Y0 + 60),
        box(X0 + 20, Y0 + 20, X0 + 25, Y0 + 40),
        box(X0 + 90, Y0 + 80, X0 + 120, Y0 + 90),
    ]
    return patch, town1, town2, feats


def test_geos_path_takes_collections_and_empty_features():
    patch, town1, _, feats = _town_cut_case()
    cut = shapely.intersection(patch, town1)
    assert cut.geom_type == "GeometryCollection"  # polygon and line
    strip = box(X0, Y0, X0 + 30, Y0 + 100)  # its polygon part, by hand
    work = np.array([cut, patch, Polygon()], dtype=object)
    f = np.array([Polygon(), *feats], dtype=object)
    origin = np.array([[X0 + 50, Y0 + 50]] * len(work))
    res = overlay_layer(work, origin, f, use_kernel=False, n_jobs=1)
    got = np.bincount(res.work, weights=res.eff_area, minlength=len(work))
    union = shapely.union_all(feats)
    ref = [shapely.intersection(strip, union).area, shapely.intersection(patch, union).area, 0.0]
    np.testing.assert_allclose(got, ref, atol=1e-9)
    assert res.stats["n_features_trimmed"] == 1


def test_without_numba_township_cut_with_a_line_and_a_trimmed_empty_feature(no_numba):
    from rsgeo.analysis.layer_overlay import overlay

    patch, town1, town2, feats = _town_cut_case()
    crs = 4545
    ids = pd.Index(["A0"], name="patch_id", dtype="str")
    pts = gpd.GeoDataFrame(geometry=[patch], index=ids, crs=crs)
    towns = gpd.GeoDataFrame(
        {"township_code": ["1", "2"], "township_name": ["东", "西"]},
        geometry=[town1, town2],
        crs=crs,
    )
    farm = gpd.GeoDataFrame({"ridge_coef": [0.0, 0.5, 0.0]}, geometry=feats, crs=crs)
    pieces = overlay_pieces(pts, {"farmland": farm}, townships=towns, min_piece_m2=0.0)
    assert pieces.attrs["rsgeo_overlay_report"].engine == "GEOS"
    union = shapely.union_all(feats)
    strip = box(X0, Y0, X0 + 30, Y0 + 100)
    rest = box(X0 + 30, Y0, X0 + 100, Y0 + 100)
    for code, part in [("1", strip), ("2", rest)]:
        row = pieces.loc[("A0", code)]
        want = ellipsoidal_area([part, shapely.intersection(part, union)], crs=crs)
        assert row["area_m2"] == pytest.approx(want[0], rel=1e-8)
        assert row["farmland_m2"] == pytest.approx(want[1], rel=1e-8)
    res = overlay(pts, {"farmland": farm}, townships=towns, min_piece_m2=0.0)
    assert res.loc["A0", "township_code"] == "2"
    expected = ellipsoidal_area([shapely.intersection(patch, union)], crs=crs)[0]
    assert res.loc["A0", "farmland_m2"] == pytest.approx(expected, rel=1e-8)
