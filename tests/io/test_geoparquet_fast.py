"""The fast GeoParquet read: the geometry check recorded when written, the box grid, WKB decoding.

References: shapely's own ``is_valid`` counted in the test, the full
geometry check (``repair_geometry`` without the record) on the same rows,
a brute-force box test written here with numpy broadcasting, shapely's
``multipolygons`` of the decoded polygons, and pyarrow's reading of the
written footers (pyarrow is a core dependency).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box

from rsgeo.geo.repair import repair_geometry
from rsgeo.io.box_grid import BoxGrid
from rsgeo.io.geoparquet import (
    CHECK_KEY,
    geoparquet_parts,
    read_geoparquet,
    read_geoparquet_checked,
    read_geoparquet_info,
)
from rsgeo.io.geoparquet_write import write_geoparquet
from rsgeo.io.reading import read_layer, read_layer_boxes
from rsgeo.io.wkb import geometries_from_wkb
from rsgeo.synthetic.province import make_farmland

BOWTIE = Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])


def _with_bowtie(farm: gpd.GeoDataFrame, row: int) -> gpd.GeoDataFrame:
    geoms = np.asarray(farm.geometry.array, dtype=object).copy()
    x0, y0 = farm.total_bounds[:2]
    geoms[row] = shapely.affinity.translate(BOWTIE, x0 + 5, y0 + 5)
    return farm.set_geometry(gpd.GeoSeries(geoms, crs=farm.crs))


def _records(path: Path) -> list[dict[str, Any]]:
    return [
        json.loads(pq.read_metadata(p).metadata[CHECK_KEY.encode()])["geometry_check"]
        for p in geoparquet_parts(path)
    ]


def test_the_record_says_what_shapely_finds(tmp_path: Path) -> None:
    farm = make_farmland(1_200, seed=5)
    assert bool(shapely.is_valid(farm.geometry.array).all())  # the reference
    good = write_geoparquet(farm, tmp_path / "good.parquet", rows_per_part=500)
    recs = _records(good.path)
    assert [r["rows"] for r in recs] == [500, 500, 200]
    assert all(r["invalid"] == 0 and r["column"] == "geometry" for r in recs)
    assert all(r["checked_with"] == f"GEOS {shapely.geos_version_string}" for r in recs)
    assert read_geoparquet_info(good.path)["geometry_checked"] is True

    bad = _with_bowtie(farm, 700)  # in the second part
    n_invalid = int((~shapely.is_valid(bad.geometry.array)).sum())
    assert n_invalid == 1
    written = write_geoparquet(bad, tmp_path / "bad.parquet", rows_per_part=500)
    recs = _records(written.path)
    assert sum(r["invalid"] for r in recs) == n_invalid
    assert read_geoparquet_info(written.path)["geometry_checked"] is False
    # a box read is checked when every part its rows come from passed
    bad_part = [r["invalid"] for r in recs].index(1)
    part_of = {
        int(row): k
        for k, p in enumerate(written.parts)
        for row in pq.read_table(p, columns=["rsgeo_source_row"])[0].to_numpy()
    }
    good = [row for row, k in part_of.items() if k != bad_part][:5]
    got = read_geoparquet_checked(written.path, boxes=bad.geometry.loc[good].bounds)
    came_from = {part_of[int(i)] for i in got.frame.index}
    assert set(good) <= set(got.frame.index)
    assert got.geometry_checked is (bad_part not in came_from)
    bow = read_geoparquet_checked(written.path, boxes=[bad.geometry.iloc[700].bounds])
    assert 700 in bow.frame.index and bow.geometry_checked is False


def test_an_invalid_geometry_is_still_repaired(tmp_path: Path) -> None:
    farm = _with_bowtie(make_farmland(800, seed=6), 7)
    write_geoparquet(farm, tmp_path / "f.parquet")
    report = read_layer(tmp_path / "f.parquet").attrs["rsgeo_read_report"].geometry
    assert report.repaired == [7]
    # a GeoParquet from another tool (geopandas, no rsgeo record) is checked as well
    farm.to_parquet(tmp_path / "other.parquet", write_covering_bbox=True)
    assert read_geoparquet_info(tmp_path / "other.parquet")["geometry_checked"] is False
    other = read_layer(tmp_path / "other.parquet")
    assert other.attrs["rsgeo_read_report"].geometry.repaired == [7]
    near = read_layer_boxes(tmp_path / "other.parquet", [farm.geometry.iloc[7].bounds])
    assert near.attrs["rsgeo_read_report"].geometry.repaired == [7]
    assert near.geometry.loc[7].area == pytest.approx(50.0)  # both lobes, 25 m² each


def _forge(path: Path, **change: Any) -> None:
    """Rewrite each part with its record changed."""
    for part in geoparquet_parts(path):
        table = pq.read_table(part)
        meta = dict(table.schema.metadata)
        rec = json.loads(meta[CHECK_KEY.encode()])
        rec["geometry_check"].update(change)
        meta[CHECK_KEY.encode()] = json.dumps(rec).encode()
        pq.write_table(table.replace_schema_metadata(meta), part)


def test_a_record_is_trusted_only_as_it_says(tmp_path: Path) -> None:
    farm = make_farmland(600, seed=8)
    for name, change in (
        ("geos", {"checked_with": "GEOS 2.0.0"}),
        ("rows", {"rows": 599}),
        ("column", {"column": "geom"}),
        ("z", {"with_z": 1}),
    ):
        dest = tmp_path / f"{name}.parquet"
        write_geoparquet(farm, dest)
        assert read_geoparquet_info(dest)["geometry_checked"] is True
        _forge(dest, **change)
        assert read_geoparquet_info(dest)["geometry_checked"] is False, name


def test_the_checked_read_equals_the_full_check(tmp_path: Path) -> None:
    """Same rows, geometries (as MultiPolygons) and report as the check of every feature."""
    farm = make_farmland(3_000, seed=9)
    geoms = np.asarray(farm.geometry.array, dtype=object).copy()
    geoms[3] = None
    geoms[4] = Polygon()
    geoms[5] = MultiPolygon([geoms[6], shapely.affinity.translate(geoms[6], 5e3, 0)])
    farm = farm.set_geometry(gpd.GeoSeries(geoms, crs=farm.crs))
    dest = write_geoparquet(farm, tmp_path / "f.parquet", row_group_rows=300).path
    boxes = farm.geometry.bounds.dropna().to_numpy()[::50] + np.array([-20, -20, 20, 20])
    assert read_geoparquet_checked(dest, boxes=boxes).geometry_checked is True
    for fast, plain in (
        (read_layer_boxes(dest, boxes), read_geoparquet(dest, boxes=boxes)),
        (read_layer(dest), read_geoparquet(dest)),  # a whole read has the null and the empty
    ):
        slow, slow_report = repair_geometry(plain, label="x")  # every feature checked
        assert list(fast.index) == list(slow.index) and len(fast) > 100
        assert set(fast.geometry.geom_type) == {"MultiPolygon"}
        assert bool(shapely.equals_exact(fast.geometry.array, slow.geometry.array, 0).all())
        report = fast.attrs["rsgeo_read_report"].geometry
        assert report.empty_input == slow_report.empty_input
        assert report.repaired == slow_report.repaired == []
    assert report.empty_input == [3, 4]


def _brute(q: np.ndarray, r: np.ndarray) -> np.ndarray:
    hit = (
        (r[:, None, 2] >= q[None, :, 0])
        & (r[:, None, 0] <= q[None, :, 2])
        & (r[:, None, 3] >= q[None, :, 1])
        & (r[:, None, 1] <= q[None, :, 3])
    )
    return hit.any(axis=1)


@pytest.mark.parametrize(
    ("n_query", "q_size", "n_rows", "r_size"),
    [(400, 4, 20_000, 3), (3, 300, 5_000, 30), (1, 0, 2_000, 10), (200, 1, 3_000, 200)],
)
def test_box_grid_equals_brute_force(
    n_query: int, q_size: float, n_rows: int, r_size: float
) -> None:
    rng = np.random.default_rng(n_query)

    def boxes(n: int, size: float) -> np.ndarray:
        c = rng.uniform(0, 1000, (n, 2))
        s = rng.exponential(size, (n, 2)) if size else np.zeros((n, 2))
        return np.round(np.column_stack([c - s, c + s]))  # rounded: edges touch

    q = np.vstack([boxes(n_query, q_size), [[-10, 400, 2000, 401]]])  # and one wide box
    r = np.vstack([boxes(n_rows, r_size), [[np.nan] * 4, [-50, -50, 5000, -40]]])
    got = BoxGrid(q).meets(*r.T)
    assert np.array_equal(got, _brute(q, r))
    assert 0 < got.sum() < len(r)


def test_polygons_decode_as_multipolygons() -> None:
    geoms = [
        box(0, 0, 1, 1),
        None,
        Polygon(),
        MultiPolygon([box(0, 0, 1, 1), box(2, 2, 3, 3)]),
        Polygon([(0, 0, 1), (1, 0, 1), (1, 1, 1)]),
        Point(1, 2),
        box(0, 0, 9, 9).difference(box(2, 2, 5, 5)),
    ]
    wkb = [None if g is None else shapely.to_wkb(g, flavor="iso") for g in geoms]
    col = pa.array(wkb, type=pa.binary())
    for arr, ref in (
        (col, geoms),
        (col.slice(1), geoms[1:]),
        (pa.chunked_array([col.slice(0, 3), col.slice(3)]), geoms),
    ):
        got = geometries_from_wkb(arr, multipolygons=True)
        plain = geometries_from_wkb(arr)
        assert len(got) == len(ref)
        for a, p, g in zip(got, plain, ref, strict=True):
            if g is None:
                assert a is None and p is None
            elif g.geom_type == "Polygon" and not g.is_empty and not g.has_z:
                assert a.geom_type == "MultiPolygon"
                assert a.equals_exact(shapely.multipolygons([g]), 0)
                assert p.equals_exact(g, 0) and p.geom_type == "Polygon"
            else:
                assert a.geom_type == g.geom_type and (a.equals_exact(g, 0) or a.is_empty)


def test_footer_holds_no_geometry_statistics_and_no_geometry_dictionary(tmp_path: Path) -> None:
    written = write_geoparquet(make_farmland(500, seed=1), tmp_path / "f.parquet")
    meta = pq.read_metadata(written.parts[0])
    columns = {
        meta.row_group(0).column(i).path_in_schema: meta.row_group(0).column(i)
        for i in range(meta.num_columns)
    }
    assert not columns["geometry"].is_stats_set
    assert "RLE_DICTIONARY" not in columns["geometry"].encodings
    assert all(columns[f"bbox.{k}"].is_stats_set for k in ("xmin", "ymin", "xmax", "ymax"))


def test_a_dataset_replaced_in_place_is_read_again(tmp_path: Path) -> None:
    dest = tmp_path / "f.parquet"
    write_geoparquet(make_farmland(300, seed=1), dest)
    assert len(read_geoparquet(dest)) == 300
    second = make_farmland(500, seed=2)
    write_geoparquet(second, dest, overwrite=True)
    back = read_geoparquet(dest, boxes=[second.total_bounds])
    assert len(back) == 500
    assert list(back["feature_id"]) == list(second["feature_id"])


def test_convert_records_the_check(tmp_path: Path) -> None:
    from rsgeo.io.convert import convert_to_geoparquet

    farm = make_farmland(700, seed=4)
    farm.to_file(tmp_path / "good.gpkg", layer="dltb", engine="pyogrio")
    _with_bowtie(farm, 9).to_file(tmp_path / "bad.gpkg", layer="dltb", engine="pyogrio")
    good = convert_to_geoparquet(
        tmp_path / "good.gpkg", tmp_path / "good.parquet", compression="lz4"
    )
    bad = convert_to_geoparquet(tmp_path / "bad.gpkg", tmp_path / "bad.parquet")
    assert read_geoparquet_info(good.path)["geometry_checked"] is True
    assert read_geoparquet_info(bad.path)["geometry_checked"] is False
    assert [r["invalid"] for r in _records(bad.path)] == [1]
    assert pq.read_metadata(good.parts[0]).row_group(0).column(0).compression == "LZ4"
    assert read_layer(bad.path).attrs["rsgeo_read_report"].geometry.repaired == [9]
