"""The intersection kernel and the ellipsoidal scaling, against GEOS and rsgeo.area."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon, box

from rsgeo._clip_kernel import HAVE_NUMBA, pair_moments, ragged
from rsgeo._overlay_engine import overlay_layer
from rsgeo.area import ellipsoidal_area
from rsgeo.overlay import overlay_pieces
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
    """Plane area x patch ratio x areal-scale gradient is within 1e-7 of ellipsoidal_area.

    Worst case: 5 ha patches 140-200 km east of the central meridian (the edge
    of a 3-degree zone), cut by township boundaries into pieces.
    """
    bounds = (640_000.0, 2_740_000.0, 700_000.0, 2_800_000.0)
    pts = pv.make_patches(300, bounds=bounds, min_area_m2=20_000, max_area_m2=50_000, seed=2)
    towns = pv.make_townships(bounds=bounds, n_townships=20, seed=3)
    pieces = overlay_pieces(pts, {}, townships=towns, min_piece_m2=0.0)
    ref = ellipsoidal_area(pieces.geometry.values, crs=4545)
    patch_area = pd.Series(ellipsoidal_area(pts), index=pts.index)
    owner_area = patch_area.reindex(pieces.index.get_level_values("patch_id")).to_numpy()
    err = np.abs(pieces["area_m2"].to_numpy() - ref) / owner_area
    split = pieces.index.get_level_values("patch_id").duplicated(keep=False)
    assert split.sum() > 10  # the test does cut patches
    assert err.max() < 1e-7
    # plain planar area would be off by about 4e-4 here
    plane = shapely.area(pieces.geometry.values)
    assert np.abs(plane - ref).max() / ref.max() > 1e-5


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
