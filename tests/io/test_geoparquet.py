"""GeoParquet inputs (rsgeo.io.geoparquet, rsgeo convert) against independent references.

References: the source GeoDataFrame itself (geometry, attributes, CRS,
count), shapely's bounds of the WKB read back by pyarrow, a hand-drawn
Hilbert curve of a 4 x 4 grid, a brute-force box test over the whole layer,
DuckDB reading the part files, and the township statistics of the same job on GeoPackages.

Without pyarrow or DuckDB a test skips and says why; under ``CI=true`` it
fails (as ``tests/office.py`` does for the office tools).
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import MultiPolygon, box

from rsgeo.errors import OutputExistsError
from rsgeo.synthetic.province import make_farmland, make_patches, make_province

IN_CI = os.environ.get("CI", "").lower() == "true"


def _need(module: str, package: str) -> Any:
    """The module; skips (fails under CI) when it is not installed."""
    try:
        return importlib.import_module(module)
    except ImportError:
        why = f"{module} is not installed (pip install {package})"
        if IN_CI:
            pytest.fail(f"{why}: CI must run this test")
        pytest.skip(why)


pa = _need("pyarrow", "pyarrow")
pq = _need("pyarrow.parquet", "pyarrow")

from rsgeo.io.geoparquet import (  # noqa: E402
    geoparquet_parts,
    read_geoparquet,
    read_geoparquet_info,
    touched_rows,
)
from rsgeo.io.geoparquet_write import write_geoparquet  # noqa: E402


@pytest.fixture(scope="module")
def layer() -> gpd.GeoDataFrame:
    """3,000 farmland polygons with text, float, integer and missing values, one MultiPolygon."""
    f = make_farmland(3_000, seed=11)
    f["n_int"] = np.arange(len(f), dtype=np.int64) * 7
    f["note"] = pd.array([None if i % 97 == 0 else f"地块{i}" for i in range(len(f))], dtype="str")
    geoms = np.asarray(f.geometry.array, dtype=object)
    a = geoms[5]
    geoms[5] = MultiPolygon([a, shapely.affinity.translate(a, 1e5, 0)])
    f = f.set_geometry(gpd.GeoSeries(geoms, crs=f.crs))
    return f.sample(frac=1.0, random_state=3).reset_index(drop=True)  # shuffled


@pytest.fixture(scope="module")
def written(layer: gpd.GeoDataFrame, tmp_path_factory: pytest.TempPathFactory) -> Any:
    dest = tmp_path_factory.mktemp("gp") / "farmland.parquet"
    return write_geoparquet(layer, dest, rows_per_part=1_000, row_group_rows=250)


def test_round_trip_equals_the_source(layer: gpd.GeoDataFrame, written: Any) -> None:
    back = read_geoparquet(written.path)
    assert len(back) == len(layer) == written.rows
    assert [p.name for p in written.parts] == [f"part-0000{i}.parquet" for i in range(3)]
    assert list(back.columns) == list(layer.columns)
    assert back.crs == layer.crs
    # the source's rows in the source's order (the overlay counts the first of overlapping ones)
    assert list(back.index) == list(range(len(back)))
    assert bool(shapely.equals_exact(back.geometry.array, layer.geometry.array, tolerance=0).all())
    pd.testing.assert_frame_equal(
        pd.DataFrame(back.drop(columns="geometry")),
        pd.DataFrame(layer.drop(columns="geometry")),
        check_dtype=False,
    )


def test_bbox_columns_are_the_shapely_bounds_and_declared(written: Any) -> None:
    import json

    for part in written.parts:
        table = pq.read_table(part)
        geoms = shapely.from_wkb(table.column("geometry").to_numpy(zero_copy_only=False))
        bbox = table.column("bbox").combine_chunks()
        got = np.column_stack([bbox.field(k).to_numpy() for k in ("xmin", "ymin", "xmax", "ymax")])
        np.testing.assert_array_equal(got, shapely.bounds(geoms))
        meta = json.loads(table.schema.metadata[b"geo"])
        col = meta["columns"]["geometry"]
        assert meta["version"] == "1.1.0" and col["encoding"] == "WKB"
        assert col["covering"]["bbox"]["xmin"] == ["bbox", "xmin"]
        assert col["crs"]["id"] == {"authority": "EPSG", "code": 4545}
        assert set(col["geometry_types"]) == {"Polygon", "MultiPolygon"} or set(
            col["geometry_types"]
        ) == {"Polygon"}
        np.testing.assert_array_equal(
            col["bbox"], [*got[:, :2].min(axis=0), *got[:, 2:].max(axis=0)]
        )


# The Hilbert curve of order 2, drawn by hand: HAND[y][x] is the distance of cell (x, y).
HAND = [
    [0, 1, 14, 15],
    [3, 2, 13, 12],
    [4, 7, 8, 11],
    [5, 6, 9, 10],
]


def test_rows_are_written_in_hilbert_order(tmp_path: Path) -> None:
    cells = [(x, y) for x in range(4) for y in range(4)]
    rng = np.random.default_rng(1)
    rng.shuffle(cells)
    gdf = gpd.GeoDataFrame(
        {"cell": [f"{x},{y}" for x, y in cells]},
        geometry=[box(x * 100 - 10, y * 100 - 10, x * 100 + 10, y * 100 + 10) for x, y in cells],
        crs=4545,
    )
    stored = pq.read_table(write_geoparquet(gdf, tmp_path / "g.parquet").parts[0])
    expected = sorted((f"{x},{y}" for x, y in cells), key=lambda c: HAND[int(c[2])][int(c[0])])
    assert stored.column("cell").to_pylist() == expected
    # and each row says where it was in the source
    rows = stored.column("rsgeo_source_row").to_pylist()
    assert [gdf["cell"][r] for r in rows] == expected


def test_sorting_brings_neighbours_together(layer: gpd.GeoDataFrame, written: Any) -> None:
    def mean_step(gdf: gpd.GeoDataFrame) -> float:
        c = gdf.geometry.centroid
        return float(np.hypot(np.diff(c.x), np.diff(c.y)).mean())

    stored = pa.concat_tables([pq.read_table(p) for p in written.parts])
    back = gpd.GeoDataFrame(
        geometry=shapely.from_wkb(stored.column("geometry").to_numpy(zero_copy_only=False))
    )
    cell = float(np.sqrt(3400))
    assert mean_step(back) < 3 * cell < mean_step(layer)  # the source is shuffled


def _brute(layer: gpd.GeoDataFrame, boxes: np.ndarray) -> set[str]:
    b = shapely.bounds(np.asarray(layer.geometry.array))
    hit = np.zeros(len(layer), dtype=bool)
    for x0, y0, x1, y1 in boxes:
        hit |= (b[:, 2] >= x0) & (b[:, 0] <= x1) & (b[:, 3] >= y0) & (b[:, 1] <= y1)
    return set(layer["feature_id"][hit])


def test_box_read_equals_a_brute_force_filter(layer: gpd.GeoDataFrame, written: Any) -> None:
    x0, y0, x1, y1 = layer.total_bounds
    rng = np.random.default_rng(5)
    for n in (1, 3, 40):
        lo = np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
        boxes = np.column_stack([lo, lo + rng.uniform(10, 400, (n, 2))])
        got = read_geoparquet(written.path, boxes=boxes)
        assert set(got["feature_id"]) == _brute(layer, boxes)
        assert len(got) == len(set(got["feature_id"]))
        whole = read_geoparquet(written.path)
        rows, total = touched_rows(written.path, boxes)
        assert total == len(layer)
        assert list(rows) == list(got.index)
        assert list(whole.loc[rows, "feature_id"]) == list(got["feature_id"])
    # a box meeting a feature's box only at its edge counts (as in an R-tree)
    b = layer.geometry.iloc[0].bounds
    edge = np.array([[b[2], b[3], b[2] + 1, b[3] + 1]])
    assert layer["feature_id"].iloc[0] in set(
        read_geoparquet(written.path, boxes=edge)["feature_id"]
    )
    assert len(read_geoparquet(written.path, boxes=np.array([[0.0, 0.0, 1.0, 1.0]]))) == 0


def test_row_groups_missing_the_boxes_are_not_read(layer: gpd.GeoDataFrame, written: Any) -> None:
    from rsgeo.io import geoparquet as gp

    parts = geoparquet_parts(written.path)
    info = gp._info(parts, "t")
    b = layer.geometry.iloc[0].bounds
    grid = gp.BoxGrid(np.array([b]))
    kept, brute = 0, 0
    for part in parts:
        table = pq.read_table(part)
        bounds = shapely.bounds(
            shapely.from_wkb(table.column("geometry").to_numpy(zero_copy_only=False))
        )
        for g, n in enumerate(info.rows_per_group[parts.index(part)]):
            start = sum(info.rows_per_group[parts.index(part)][:g])
            x = bounds[start : start + n]  # the group's extent, computed from its geometry
            brute += bool(
                x[:, 2].max() >= b[0]
                and x[:, 0].min() <= b[2]
                and x[:, 3].max() >= b[1]
                and x[:, 1].min() <= b[3]
            )
        kept += len(gp._groups_meeting(grid, gp._group_extents(pq.read_metadata(part), info)))
    assert kept == brute
    assert 1 <= kept <= 3 < sum(len(g) for g in info.rows_per_group) == 12


def test_existing_dataset_is_kept_without_overwrite(
    layer: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    dest = tmp_path / "f.parquet"
    write_geoparquet(layer.iloc[:10], dest)
    with pytest.raises(OutputExistsError):
        write_geoparquet(layer.iloc[:20], dest)
    assert len(read_geoparquet(dest)) == 10
    write_geoparquet(layer.iloc[:20], dest, overwrite=True)
    assert len(read_geoparquet(dest)) == 20

    def chunks() -> Any:
        yield layer.iloc[:30]
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_geoparquet(chunks(), dest, overwrite=True, rows_per_part=10)
    assert len(read_geoparquet(dest)) == 20  # the old dataset, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.parquet"]  # no staging left


def test_duckdb_reads_the_parts(layer: gpd.GeoDataFrame, written: Any) -> None:
    duckdb = _need("duckdb", '"rsgeo[bench]"')
    con = duckdb.connect()
    glob = (written.path / "*.parquet").as_posix()
    n = con.execute(f"SELECT count(*) FROM read_parquet('{glob}')").fetchone()[0]
    assert n == len(layer)
    for part in written.parts:
        got = con.execute(f"SELECT count(*) FROM read_parquet('{part.as_posix()}')").fetchone()[0]
        assert got == pq.read_metadata(part).num_rows
    x0, y0 = layer.total_bounds[:2]
    q = (x0 + 500, y0 + 500, x0 + 1500, y0 + 1200)
    sql = (
        f"SELECT feature_id FROM read_parquet('{glob}') WHERE bbox.xmax >= {q[0]} "
        f"AND bbox.xmin <= {q[2]} AND bbox.ymax >= {q[1]} AND bbox.ymin <= {q[3]}"
    )
    ids = {r[0] for r in con.execute(sql).fetchall()}
    assert ids == _brute(layer, np.array([q])) and ids


def test_read_layer_and_read_patches_take_geoparquet(tmp_path: Path) -> None:
    from rsgeo.io.reading import read_layer, read_patches
    from rsgeo.io.windowed import read_layer_near

    farm = make_farmland(2_000, seed=2)
    invalid = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])  # a bow tie
    geoms = np.asarray(farm.geometry.array, dtype=object)
    x0, y0 = farm.total_bounds[:2]
    geoms[7] = shapely.affinity.translate(invalid, x0 + 5, y0 + 5)
    farm = farm.set_geometry(gpd.GeoSeries(geoms, crs=farm.crs))
    farm = farm.rename(columns={"land_class_code": "DLBM"})
    write_geoparquet(farm, tmp_path / "f.parquet")
    farm.to_file(tmp_path / "f.gpkg", layer="f", engine="pyogrio")
    via_parquet = read_layer(tmp_path / "f.parquet")
    via_gpkg = read_layer(tmp_path / "f.gpkg")
    assert "land_class_code" in via_parquet.columns  # the aliases apply
    assert via_parquet.attrs["rsgeo_read_report"].geometry.repaired == [7]
    a = via_parquet.set_index("feature_id").sort_index()
    b = via_gpkg.set_index("feature_id").sort_index()
    assert bool(shapely.equals(a.geometry.array, b.geometry.array).all())
    patches = make_patches(30, bounds=farm.total_bounds, seed=4)
    near, window = read_layer_near(patches, tmp_path / "f.parquet")
    near_g, _ = read_layer_near(patches, tmp_path / "f.gpkg", max_share=1.0)
    assert window.mode == "touched" and window.n_features == len(farm)
    assert set(near["feature_id"]) == set(near_g["feature_id"])
    # overlay(patches, {key: path}) reads a GeoParquet by its bbox column too
    from rsgeo.analysis.layer_overlay import overlay

    by_path = {
        suffix: overlay(patches, {"farmland": tmp_path / f"f.{suffix}"}, progress=False)
        for suffix in ("parquet", "gpkg")
    }
    assert by_path["gpkg"]["farmland_m2"].sum() > 0
    pd.testing.assert_series_equal(
        by_path["parquet"]["farmland_m2"], by_path["gpkg"]["farmland_m2"], rtol=1e-9
    )
    write_geoparquet(patches, tmp_path / "p.parquet")
    got = read_patches(tmp_path / "p.parquet")
    assert sorted(got.index) == sorted(patches.index)
    assert read_geoparquet_info(tmp_path / "p.parquet")["rows"] == len(patches)


def test_a_job_on_geoparquet_gives_the_geopackage_figures(tmp_path: Path) -> None:
    from rsgeo.job import OUTPUT_KINDS, load_job
    from rsgeo.pipeline import run_job
    from rsgeo.synthetic.county import province_job

    layers = make_province(300, 8_000, n_redline=4, redline_vertices=200, seed=9)
    gpkg, parquet = tmp_path / "gpkg", tmp_path / "parquet"
    gpkg.mkdir()
    for key, gdf in layers.items():
        gdf.to_file(gpkg / f"{key}.gpkg", layer=key, engine="pyogrio")
        write_geoparquet(gdf, parquet / f"{key}.parquet", row_group_rows=500)
    stats = {}
    for folder in (gpkg, parquet):
        text = province_job(gpkg, name="t")
        if folder is parquet:
            text = text.replace(str(gpkg), str(parquet)).replace(".gpkg", ".parquet")
        (folder / "job.toml").write_text(text, encoding="utf-8")
        job = load_job(folder / "job.toml")
        job = dataclasses.replace(job, outputs=dict.fromkeys(OUTPUT_KINDS, False))
        stats[folder.name] = run_job(job, folder / "out", progress=False).stats
    assert len(stats["gpkg"]) > 1
    pd.testing.assert_frame_equal(stats["parquet"], stats["gpkg"], check_exact=False, rtol=1e-9)


def test_convert_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rsgeo.cli import EXIT_CODES, main

    farm = make_farmland(1_500, seed=6)
    farm.to_file(tmp_path / "f.gpkg", layer="dltb", engine="pyogrio")
    dest = tmp_path / "f.parquet"
    args = ["convert", str(tmp_path / "f.gpkg"), str(dest), "--rows-per-part", "600"]
    assert main(args) == 0
    assert "1,500" in capsys.readouterr().out
    assert len(geoparquet_parts(dest)) == 3
    back = read_geoparquet(dest).set_index("feature_id").sort_index()
    src = pyogrio.read_dataframe(tmp_path / "f.gpkg").set_index("feature_id").sort_index()
    assert bool(shapely.equals_exact(back.geometry.array, src.geometry.array, 0).all())
    assert list(back["land_class_code"]) == list(src["land_class_code"])
    assert main(args) == EXIT_CODES["exists"]
    assert main([*args, "--overwrite", "--quiet"]) == 0


def test_convert_command_compression(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rsgeo.cli import EXIT_CODES, main
    from rsgeo.options import PARQUET_COMPRESSIONS

    farm = make_farmland(300, seed=7)
    farm.to_file(tmp_path / "f.gpkg", layer="dltb", engine="pyogrio")
    written = {}
    for codec in ("zstd", None):
        dest = tmp_path / f"{codec}.parquet"
        extra = [] if codec is None else ["--compression", codec]
        assert main(["convert", str(tmp_path / "f.gpkg"), str(dest), "--quiet", *extra]) == 0
        # what the Parquet footer of each part says, read by pyarrow
        meta = pq.ParquetFile(geoparquet_parts(dest)[0]).metadata
        written[codec] = {
            meta.row_group(g).column(c).compression
            for g in range(meta.num_row_groups)
            for c in range(meta.num_columns)
        }
        back = read_geoparquet(dest).set_index("feature_id").sort_index()
        assert len(back) == 300
    assert written["zstd"] == {"ZSTD"}
    assert written[None] == {PARQUET_COMPRESSIONS[0].upper()} != written["zstd"]
    code = main(
        [
            "convert",
            str(tmp_path / "f.gpkg"),
            str(tmp_path / "x.parquet"),
            "--compression",
            "brotli",
        ]
    )
    assert code == EXIT_CODES["input"]
    err = capsys.readouterr().err
    assert "brotli" in err and all(c in err for c in PARQUET_COMPRESSIONS)
    assert not (tmp_path / "x.parquet").exists()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
