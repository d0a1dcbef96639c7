"""Tests for rsgeo.geo.repair: repair_geometry, GeometryReport, ReadReport."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, Polygon, box

from rsgeo.errors import GeometryError, InputError
from rsgeo.geo.repair import GeometryReport, ReadReport, repair_geometry

BOWTIE = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])


def _gdf(geoms: list, ids: list[str], crs: str | None = "EPSG:4545") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": [f"n{i}" for i in range(len(ids))]},
        geometry=geoms,
        index=gpd.pd.Index(ids, name="patch_id"),
        crs=crs,
    )


def test_bowtie_keeps_both_lobes() -> None:
    # The bow-tie crosses itself at (1, 1): two triangles with base 2 and
    # height 1, area 2*1/2 = 1 each.
    fixed, report = repair_geometry(_gdf([BOWTIE], ["B1"]), label="patches")
    geom = fixed.geometry.iloc[0]
    assert geom.geom_type == "MultiPolygon"
    assert geom.is_valid
    assert len(geom.geoms) == 2
    assert sorted(p.area for p in geom.geoms) == [1.0, 1.0]
    assert geom.area == pytest.approx(2.0)
    # both lobes are where the input ring put them
    assert geom.contains(Point(0.3, 1.0)) and geom.contains(Point(1.7, 1.0))
    assert report.repaired == ["B1"]
    assert "Self-intersection" in report.reasons["B1"]
    assert report.collapsed == [] and report.empty_input == []
    assert report.has_problems and bool(report)


def test_null_and_empty_rows_kept_and_listed() -> None:
    gdf = _gdf([box(0, 0, 1, 1), None, Polygon(), box(5, 5, 7, 6)], ["a", "b", "c", "d"])
    fixed, report = repair_geometry(gdf)
    assert list(fixed.index) == ["a", "b", "c", "d"]
    assert report.empty_input == ["b", "c"]
    assert fixed.geometry.is_empty.tolist() == [False, True, True, False]
    # empty rows hold an empty MultiPolygon, not None
    assert all(g is not None and g.geom_type == "MultiPolygon" for g in fixed.geometry)
    assert fixed.geometry.area.tolist() == [1.0, 0.0, 0.0, 2.0]
    assert report.emptied == ["b", "c"]
    assert "b, c" in report.summary()


def test_nan_vertex_is_removed_and_reported_not_just_made_valid() -> None:
    """Before: the NaN vertex vanished and the area changed, reported only as
    "made valid". The 2 × 1 rectangle with a NaN vertex between two corners
    keeps its four finite corners: area 2 (hand-computed)."""
    nan = float("nan")
    with_nan = Polygon([(0, 0), (2, 0), (nan, nan), (2, 1), (0, 1)])
    # a hole with an infinite vertex keeps its three finite vertices (area 0.5 × 0.5 / 2)
    holed = Polygon(
        [(10, 0), (14, 0), (14, 4), (10, 4)],
        [[(11, 1), (11.5, 1), (float("inf"), 3), (11, 1.5)]],
    )
    fixed, report = repair_geometry(_gdf([with_nan, holed, box(0, 0, 1, 1)], ["n", "h", "ok"]))
    assert report.nonfinite_vertices == {"n": 1, "h": 1}
    assert fixed.geometry.area.tolist() == pytest.approx([2.0, 16.0 - 0.125, 1.0])
    assert report.status(fixed.index).tolist() == [
        "nonfinite_vertices",
        "nonfinite_vertices",
        "",
    ]
    assert "NaN" in report.summary() and "n, h" in report.summary()
    with pytest.raises(GeometryError, match="Invalid Coordinate"):
        repair_geometry(_gdf([with_nan], ["n"]), make_valid=False)


def test_a_ring_left_with_two_vertices_is_dropped() -> None:
    nan = float("nan")
    fixed, report = repair_geometry(_gdf([Polygon([(0, 0), (1, 0), (nan, 1), (nan, nan)])], ["x"]))
    assert fixed.geometry.iloc[0].is_empty
    assert report.nonfinite_vertices == {"x": 2}
    assert report.collapsed == ["x"]  # nothing polygonal left: the more serious status
    assert report.status(fixed.index).tolist() == ["collapsed"]


def test_input_not_modified_and_metadata_kept() -> None:
    gdf = _gdf([BOWTIE, box(0, 0, 1, 1)], ["x", "y"])
    before = gdf.geometry.to_wkb().tolist()
    fixed, _ = repair_geometry(gdf)
    assert gdf.geometry.to_wkb().tolist() == before
    assert gdf.geometry.iloc[0].geom_type == "Polygon"
    assert fixed is not gdf
    assert fixed.crs == gdf.crs
    assert fixed.index.name == "patch_id"
    assert fixed["name"].tolist() == ["n0", "n1"]


def test_make_valid_false_raises_with_count_and_ids() -> None:
    gdf = _gdf([BOWTIE, box(0, 0, 1, 1), BOWTIE], ["P1", "P2", "P3"])
    with pytest.raises(GeometryError) as info:
        repair_geometry(gdf, make_valid=False, label="patches")
    msg = str(info.value)
    assert "patches" in msg and "2 invalid" in msg
    assert "P1" in msg and "P3" in msg and "P2" not in msg
    assert "make_valid=True" in msg
    assert isinstance(info.value, ValueError)


def test_make_valid_false_passes_valid_data() -> None:
    gdf = _gdf([box(0, 0, 1, 1), None], ["P1", "P2"])
    fixed, report = repair_geometry(gdf, make_valid=False)
    assert fixed.geometry.iloc[0].area == 1.0
    assert report.empty_input == ["P2"] and report.repaired == []


def test_collapsed_and_wrong_type_reported() -> None:
    flat = Polygon([(0, 0), (1, 1), (2, 2), (0, 0)])  # zero area, invalid
    gdf = _gdf([flat, Point(1, 1), LineString([(0, 0), (1, 0)]), box(0, 0, 1, 1)], list("abcd"))
    fixed, report = repair_geometry(gdf)
    assert report.collapsed == ["a", "b", "c"]
    assert report.repaired == []
    assert fixed.geometry.is_empty.tolist() == [True, True, True, False]
    assert len(fixed) == 4


def test_collection_loses_lines_keeps_polygons() -> None:
    coll = GeometryCollection([box(0, 0, 2, 2), LineString([(5, 5), (6, 6)]), Point(9, 9)])
    fixed, report = repair_geometry(_gdf([coll], ["g"]))
    assert report.parts_dropped == ["g"]
    assert fixed.geometry.iloc[0].equals(MultiPolygon([box(0, 0, 2, 2)]))


def test_collection_of_touching_polygons_becomes_valid() -> None:
    # two squares sharing an edge: a valid collection, but not a valid
    # MultiPolygon; they must be merged into one 2x1 rectangle
    coll = GeometryCollection([box(0, 0, 1, 1), box(1, 0, 2, 1), LineString([(0, 0), (3, 3)])])
    fixed, _ = repair_geometry(_gdf([coll], ["t"]))
    geom = fixed.geometry.iloc[0]
    assert geom.is_valid
    assert geom.area == pytest.approx(2.0)
    assert geom.equals(box(0, 0, 2, 1))


def test_hole_kept_and_multipolygon_unchanged() -> None:
    with_hole = Polygon(box(0, 0, 10, 10).exterior.coords, [box(2, 2, 4, 4).exterior.coords])
    multi = MultiPolygon([box(20, 0, 21, 1), box(30, 0, 33, 1)])
    fixed, report = repair_geometry(_gdf([with_hole, multi], ["h", "m"]))
    assert fixed.geometry.area.tolist() == [100.0 - 4.0, 1.0 + 3.0]
    assert not report.has_problems
    assert "all geometries valid" in report.summary()


def test_z_values_dropped() -> None:
    poly_z = Polygon([(0, 0, 5), (1, 0, 5), (1, 1, 5), (0, 1, 5)])
    fixed, report = repair_geometry(_gdf([poly_z], ["z"]))
    assert not fixed.geometry.iloc[0].has_z
    assert report.n_had_z == 1


def test_not_a_geodataframe() -> None:
    with pytest.raises(InputError, match="GeoDataFrame"):
        repair_geometry(gpd.GeoSeries([box(0, 0, 1, 1)]))  # type: ignore[arg-type]


def test_summary_and_read_report_text() -> None:
    report = GeometryReport("patches", 5, repaired=["A"], collapsed=["B"], empty_input=["C"])
    text = report.summary()
    assert "修复无效几何 1 个: A" in text
    assert "collapsed" in text and "B" in text
    assert "输入为空几何 1 个: C" in text
    read = ReadReport("x.shp", driver="ESRI Shapefile", geometry=report, warnings=["w1"])
    rtext = read.summary()
    assert "x.shp" in rtext and "w1" in rtext and "修复无效几何" in rtext
    assert read.has_problems
    assert not ReadReport("y.gpkg").has_problems


def test_many_ids_are_shortened_in_summary() -> None:
    ids = [f"id{i}" for i in range(30)]
    text = GeometryReport("big", 30, repaired=ids).summary()
    assert "id19" in text and "id20" not in text and "+10" in text


coord = st.integers(min_value=-50, max_value=50).map(float)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(coord, coord), min_size=4, max_size=4, unique=True))
def test_quadrilateral_area_matches_polygonized_faces(points: list[tuple[float, float]]) -> None:
    """Any four-vertex ring: the repaired area equals the total area of the
    faces its noded linework encloses (an independent computation through
    shapely.polygonize), and the result is a valid MultiPolygon."""
    ring = Polygon(points)
    fixed, report = repair_geometry(_gdf([ring], ["q"]))
    geom = fixed.geometry.iloc[0]
    assert geom.geom_type == "MultiPolygon" and geom.is_valid
    noded = shapely.union_all([LineString([*points, points[0]])])
    faces = shapely.get_parts(shapely.polygonize([noded]))
    expected = float(sum(f.area for f in faces))
    assert geom.area == pytest.approx(expected, abs=1e-9)
    if expected == 0:
        assert report.collapsed == ["q"]
    else:
        assert report.collapsed == []
        assert report.repaired == ([] if ring.is_valid else ["q"])


def test_repair_counts_and_input_untouched_on_a_mixed_layer() -> None:
    """Valid polygons are wrapped, valid multipolygons kept, only the invalid repaired."""
    rng = np.random.default_rng(7)
    geoms: list[object] = []
    for k in range(400):
        x, y = rng.uniform(0, 1000, 2)
        kind = k % 5
        if kind == 0:
            geoms.append(box(x, y, x + 5, y + 5))
        elif kind == 1:
            geoms.append(MultiPolygon([box(x, y, x + 2, y + 2), box(x + 3, y, x + 5, y + 2)]))
        elif kind == 2:
            geoms.append(Polygon([(x, y), (x + 2, y + 2), (x + 2, y), (x, y + 2)]))  # bow-tie
        elif kind == 3:
            geoms.append(None)
        else:
            geoms.append(Polygon([(x, y), (x + 4, y), (x + 4, y + 4), (x, y + 4)]))
    gdf = gpd.GeoDataFrame({"v": np.arange(400)}, geometry=geoms, crs=4545)
    before = gdf.copy()
    fixed, report = repair_geometry(gdf, label="mixed")
    arr = np.asarray(gdf.geometry.array, dtype=object)
    present = ~shapely.is_missing(arr)
    n_invalid = int((present & ~shapely.is_valid(arr)).sum())  # independent count
    assert len(report.repaired) == n_invalid == 80
    assert len(report.empty_input) == int((~present).sum()) == 80
    out = np.asarray(fixed.geometry.array, dtype=object)
    assert (shapely.get_type_id(out) == 6).all() and shapely.is_valid(out).all()
    # areas: unchanged where valid, both lobes of each bow-tie
    area_in = np.where(present, shapely.area(arr), 0.0)
    valid = present & shapely.is_valid(arr)
    assert np.allclose(shapely.area(out)[valid], area_in[valid])
    assert np.allclose(shapely.area(out)[2::5], 2.0)
    # the input is untouched
    assert gdf.equals(before) and gdf.geometry.geom_type.iloc[0] == "Polygon"
