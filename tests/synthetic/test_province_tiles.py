"""The province made tile by tile: counts, ids, and tiles that meet (rsgeo.synthetic.province_tiles)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np

from rsgeo.io.geoparquet import read_geoparquet
from rsgeo.synthetic.province_tiles import farmland_tiles, write_tiled_province


def test_tiles_stack_northwards_and_meet() -> None:
    bounds: list[np.ndarray] = []
    tiles = list(farmland_tiles(2_500, tile_features=1_000, seed=3, bounds_out=bounds))
    assert [len(t) for t in tiles] == [1_000, 1_000, 500]
    step = float(np.sqrt(3400))
    for below, above in itertools.pairwise(bounds):
        # the next tile starts at this one's top, give or take the jitter of a row
        assert abs(above[1] - below[3]) < 0.5 * step
        assert abs(above[0] - below[0]) < 0.5 * step
    ids = np.concatenate([t["feature_id"].to_numpy() for t in tiles])
    assert len(set(ids)) == len(ids) == 2_500


def test_written_province_reads_back(tmp_path: Path) -> None:
    made = write_tiled_province(
        tmp_path, n_patches=200, n_farmland=2_000, tile_features=700, rows_per_part=500, seed=1
    )
    farm = read_geoparquet(made.paths["farmland"])
    patches = read_geoparquet(made.paths["patches"])
    assert len(farm) == made.n_farmland == 2_000
    assert len(patches) == made.n_patches == 200
    assert list(farm["feature_id"]) == [f"F{i:08d}" for i in range(2_000)]  # the source order
    b = patches.total_bounds
    assert (b[:2] >= made.bounds[:2]).all() and (b[2:] <= made.bounds[2:]).all()
    assert made.bytes["farmland"] == sum(p.stat().st_size for p in made.paths["farmland"].iterdir())


def test_written_province_records_its_geometry_check(tmp_path: Path) -> None:
    import pyarrow.parquet as pq
    import shapely

    from rsgeo.io.geoparquet import CHECK_KEY, geoparquet_parts, read_geoparquet_info

    made = write_tiled_province(
        tmp_path,
        n_patches=100,
        n_farmland=1_500,
        tile_features=700,
        rows_per_part=600,
        seed=2,
        compression="lz4",
    )
    farm = read_geoparquet(made.paths["farmland"])
    n_invalid = int((~shapely.is_valid(farm.geometry.array)).sum())  # the reference
    parts = geoparquet_parts(made.paths["farmland"])
    records = [json.loads(pq.read_metadata(p).metadata[CHECK_KEY.encode()]) for p in parts]
    assert sum(r["geometry_check"]["rows"] for r in records) == 1_500
    assert sum(r["geometry_check"]["invalid"] for r in records) == n_invalid
    assert read_geoparquet_info(made.paths["farmland"])["geometry_checked"] is (n_invalid == 0)
    assert pq.read_metadata(parts[0]).row_group(0).column(0).compression == "LZ4"


def test_a_province_of_several_counties_tiles_its_extent(tmp_path: Path) -> None:
    import shapely

    made = write_tiled_province(
        tmp_path, n_patches=150, n_farmland=1_200, tile_features=600, n_counties=3, seed=4
    )
    towns = read_geoparquet(made.paths["townships"])
    assert towns["county_code"].nunique() == 3 and len(towns) == 30
    # every township code starts with its county's 6 digits (how a run finds the county)
    assert (towns["township_code"].str[:6] == towns["county_code"]).all()
    # the townships cover the farmland's extent, without overlapping
    extent = shapely.box(*made.bounds)
    union = shapely.union_all(towns.geometry.to_numpy())
    assert abs(union.area - extent.area) < 1e-6 * extent.area
    assert abs(towns.geometry.area.sum() - extent.area) < 1e-6 * extent.area
