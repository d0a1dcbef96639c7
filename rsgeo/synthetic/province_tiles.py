"""A province too large to make at once: farmland made tile by tile, written as GeoParquet.

:func:`rsgeo.synthetic.province.make_farmland` holds every polygon of a
layer in memory while it makes it (about 1 GB per million polygons). Here
the land-use layer is made in tiles of ``tile_features`` polygons, each a
:func:`~rsgeo.synthetic.province.make_farmland` tessellation of its own seed,
stacked northwards (a strip inside the Gauss-Krüger zone of EPSG:4545), and
each tile is written to the GeoParquet dataset before the next is made
(:func:`rsgeo.io.geoparquet_write.write_geoparquet` with an iterable: each tile
sorted in Hilbert order, parts never spanning two tiles). Feature ids run
on across tiles (``F00000000`` ...). Where two tiles meet, their jittered
edges overlap or leave slivers of a few metres, like two survey deliveries.

Everything is synthetic (EPSG:4545, made up from a seed).

Examples
--------
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> made = write_tiled_province(out, n_patches=50, n_farmland=900, tile_features=300, seed=1)
>>> sorted(made.paths), made.n_farmland
(['farmland', 'patches', 'townships'], 900)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from rsgeo.io.geoparquet_write import write_geoparquet
from rsgeo.options import PARQUET_COMPRESSIONS, ROW_GROUP_ROWS, ROWS_PER_PART
from rsgeo.synthetic.province import (
    ORIGIN,
    make_counties,
    make_farmland,
    make_patches,
    make_townships,
)

__all__ = [
    "TILE_FEATURES",
    "TiledProvince",
    "farmland_tiles",
    "province_counties",
    "write_province_townships",
    "write_tiled_province",
]

TILE_FEATURES = 1_000_000
"""Farmland polygons made at once (about 1 GB while being made)."""


def farmland_tiles(
    n_features: int,
    *,
    tile_features: int = TILE_FEATURES,
    seed: int = 0,
    bounds_out: list[np.ndarray] | None = None,
) -> Iterator[gpd.GeoDataFrame]:
    """Farmland in tiles of at most ``tile_features`` polygons, stacked northwards.

    Parameters
    ----------
    n_features : int
        Polygons in all.
    tile_features : int
        Polygons per tile (the last may have fewer).
    seed : int
        Seed of the first tile; tile ``k`` uses ``seed + 1000 * k``.
    bounds_out : list, optional
        Each tile's ``total_bounds`` is appended to it as it is made.

    Yields
    ------
    GeoDataFrame
        ``feature_id`` (running on across tiles), ``land_class_code``,
        ``ridge_coef``, ``geometry``; EPSG:4545.
    """
    x0, y = ORIGIN
    done = 0
    k = 0
    while done < n_features:
        n = min(tile_features, n_features - done)
        tile = make_farmland(n, origin=(x0, y), seed=seed + 1000 * k)
        tile["feature_id"] = pd.array([f"F{done + i:08d}" for i in range(len(tile))], dtype="str")
        b = tile.total_bounds
        if bounds_out is not None:
            bounds_out.append(b)
        y = float(b[3])  # the next tile starts where this one's top row lies
        done += len(tile)
        k += 1
        yield tile


@dataclass
class TiledProvince:
    """What :func:`write_tiled_province` wrote, and how long it took.

    Attributes
    ----------
    paths : dict of str to Path
        ``farmland``, ``patches``, ``townships`` datasets (``.parquet`` folders).
    n_farmland, n_patches : int
    bounds : ndarray
        Extent of the farmland (EPSG:4545).
    seconds : dict of str to float
        Wall seconds to make and write each layer.
    bytes : dict of str to int
        Size on disk of each dataset.
    """

    paths: dict[str, Path] = field(default_factory=dict)
    n_farmland: int = 0
    n_patches: int = 0
    bounds: np.ndarray = field(default_factory=lambda: np.zeros(4))
    seconds: dict[str, float] = field(default_factory=dict)
    bytes: dict[str, int] = field(default_factory=dict)


def write_tiled_province(
    folder: str | Path,
    *,
    n_patches: int,
    n_farmland: int,
    tile_features: int = TILE_FEATURES,
    rows_per_part: int = ROWS_PER_PART,
    row_group_rows: int = ROW_GROUP_ROWS,
    compression: str = PARQUET_COMPRESSIONS[0],
    n_counties: int | None = None,
    seed: int = 0,
    overwrite: bool = False,
    progress: Callable[[str], None] | None = None,
) -> TiledProvince:
    """Make a province tile by tile and write it as GeoParquet datasets in ``folder``.

    Writes ``farmland.parquet`` (made in tiles, never all in memory),
    ``patches.parquet`` (:func:`~rsgeo.synthetic.province.make_patches` over
    the farmland's extent, indexed by ``patch_id``) and ``townships.parquet``
    (:func:`write_province_townships`: ``n_counties`` counties of 10
    townships, by default one per 25,000 patches). ``rows_per_part``,
    ``row_group_rows`` and ``compression`` are those of
    :func:`rsgeo.io.geoparquet_write.write_geoparquet` (each part records the
    geometry check made while writing it).

    Returns
    -------
    TiledProvince
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    made = TiledProvince()
    tiles: list[np.ndarray] = []
    t = time.perf_counter()
    written = write_geoparquet(
        farmland_tiles(n_farmland, tile_features=tile_features, seed=seed, bounds_out=tiles),
        out / "farmland.parquet",
        rows_per_part=rows_per_part,
        row_group_rows=row_group_rows,
        overwrite=overwrite,
        compression=compression,
        progress=progress,
    )
    made.seconds["farmland"] = time.perf_counter() - t
    made.paths["farmland"], made.n_farmland = written.path, written.rows
    made.bytes["farmland"] = written.bytes
    b = np.array(tiles)
    made.bounds = np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])
    t = time.perf_counter()
    patches = make_patches(n_patches, bounds=made.bounds, seed=seed + 1)
    written = write_geoparquet(
        patches,
        out / "patches.parquet",
        rows_per_part=rows_per_part,
        row_group_rows=row_group_rows,
        overwrite=overwrite,
        compression=compression,
    )
    made.seconds["patches"] = time.perf_counter() - t
    made.paths["patches"], made.n_patches = written.path, written.rows
    made.bytes["patches"] = written.bytes
    del patches
    write_province_townships(made, out, n_counties=n_counties, seed=seed, overwrite=overwrite)
    return made


def province_counties(n_patches: int) -> int:
    """How many counties a synthetic province of ``n_patches`` patches has: one per
    25,000 patches (a county's yearly batch at the most), 1 to 100.

    >>> province_counties(20_000), province_counties(500_000), province_counties(10**7)
    (1, 20, 100)
    """
    return int(min(100, max(1, round(n_patches / 25_000))))


def write_province_townships(
    made: TiledProvince,
    folder: str | Path,
    *,
    n_counties: int | None = None,
    seed: int = 0,
    overwrite: bool = False,
) -> None:
    """The townships of ``made`` (its extent), written as ``townships.parquet``; in place.

    One county (:func:`~rsgeo.synthetic.province.make_townships`, 20
    townships) or several of 10 townships each
    (:func:`~rsgeo.synthetic.province.make_counties`); ``n_counties`` None:
    :func:`province_counties` of the patches.
    """
    t = time.perf_counter()
    counties = province_counties(made.n_patches) if n_counties is None else n_counties
    if counties > 1:
        towns = make_counties(
            bounds=made.bounds, n_counties=counties, townships_per_county=10, seed=seed + 3
        )
    else:
        towns = make_townships(bounds=made.bounds, seed=seed + 3)
    written = write_geoparquet(towns, Path(folder) / "townships.parquet", overwrite=overwrite)
    made.seconds["townships"] = time.perf_counter() - t
    made.paths["townships"] = written.path
    made.bytes["townships"] = written.bytes
