"""Writing layers as spatially sorted, partitioned GeoParquet.

A province's land-use layer (三调地类图斑, ~10⁷ polygons) is too large for one
GeoPackage read per task. :func:`write_geoparquet` writes a layer as a
folder of Parquet part files (``part-00000.parquet``, ...; at most
``rows_per_part`` rows each, row groups of ``row_group_rows`` rows):

* rows in the Hilbert order of their bounding-box centres
  (:func:`rsgeo.geo.hilbert.hilbert_sort`), so a row group covers a compact piece of ground
  and its column statistics say where it lies;
* geometry as WKB, with a GeoParquet 1.1 ``bbox`` covering column (a struct
  of ``xmin, ymin, xmax, ymax``, float64, the exact shapely bounds) declared
  in the ``geo`` metadata, the CRS as PROJJSON;
* each row's row in the source in a column ``rsgeo_source_row``
  (:data:`rsgeo.io.geoparquet.SOURCE_ROW`): rsgeo
  reads the rows back in the source's order, which the overlay needs (where
  features overlap, the one listed first counts);
* the record of a geometry check made while writing (GEOS ``is_valid``,
  2-D, polygonal; counts and the GEOS version) in each part's metadata
  under :data:`rsgeo.io.geoparquet.CHECK_KEY`;
* written into a temporary folder next to the target, then renamed: a
  reader never sees half a dataset, and an existing one is replaced only
  with ``overwrite=True``.

:mod:`rsgeo.io.geoparquet` reads them back. Needs ``pyarrow`` (``pip install
"rsgeo[cluster]"``).

Examples
--------
>>> import tempfile, os, geopandas as gpd
>>> from shapely.geometry import box
>>> layer = gpd.GeoDataFrame({"DLBM": ["0101", "0103"]},
...                          geometry=[box(0, 0, 1, 1), box(5, 5, 6, 6)], crs=4545)
>>> written = write_geoparquet(layer, os.path.join(tempfile.mkdtemp(), "dltb.parquet"))
>>> written.rows, [p.name for p in written.parts]
(2, ['part-00000.parquet'])
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from rsgeo.errors import InputError, OutputExistsError
from rsgeo.geo.hilbert import hilbert_sort
from rsgeo.io.geoparquet import CHECK_KEY, SOURCE_ROW, require_pyarrow
from rsgeo.options import PARQUET_COMPRESSIONS, ROW_GROUP_ROWS, ROWS_PER_PART

__all__ = ["GeoParquetWritten", "write_geoparquet"]


@dataclass(frozen=True)
class GeoParquetWritten:
    """What :func:`write_geoparquet` wrote.

    Attributes
    ----------
    path : Path
        The dataset folder.
    parts : list of Path
        Its part files, in row order.
    rows : int
        Features written.
    bytes : int
        Size of the part files.
    """

    path: Path
    parts: list[Path] = field(default_factory=list)
    rows: int = 0
    bytes: int = 0


def _bbox_name(columns: Iterable[str], geometry: str) -> str:
    names = set(columns)
    return "bbox" if "bbox" not in names else f"{geometry}_bbox"


def _geo_metadata(
    geometry: str, bbox_col: str, crs: Any, types: list[str], extent: list[float]
) -> bytes:
    crs_json = None if crs is None else pyproj.CRS.from_user_input(crs).to_json_dict()
    meta = {
        "version": "1.1.0",
        "primary_column": geometry,
        "columns": {
            geometry: {
                "encoding": "WKB",
                "geometry_types": types,
                "crs": crs_json,
                "bbox": extent,
                "covering": {
                    "bbox": {
                        "xmin": [bbox_col, "xmin"],
                        "ymin": [bbox_col, "ymin"],
                        "xmax": [bbox_col, "xmax"],
                        "ymax": [bbox_col, "ymax"],
                    }
                },
            }
        },
    }
    return json.dumps(meta).encode("utf-8")


def _to_table(gdf: gpd.GeoDataFrame, bbox_col: str) -> Any:
    """The Arrow table of one part: attributes, WKB geometry, bbox struct, ``geo`` metadata."""
    pa = require_pyarrow()
    geom_name = gdf.geometry.name
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    missing = shapely.is_missing(geoms)
    empty = missing | shapely.is_empty(np.where(missing, shapely.Point(), geoms))
    wkb = shapely.to_wkb(geoms, flavor="iso")
    frame = pd.DataFrame(gdf.drop(columns=geom_name))
    table = pa.Table.from_pandas(frame, preserve_index=False)
    at = list(gdf.columns).index(geom_name)  # the geometry keeps its place among the columns
    table = table.add_column(at, geom_name, pa.array(wkb, type=pa.binary(), mask=missing))
    b = shapely.bounds(geoms)
    children = [pa.array(b[:, i], type=pa.float64()) for i in range(4)]
    struct = pa.StructArray.from_arrays(
        children, names=["xmin", "ymin", "xmax", "ymax"], mask=pa.array(empty)
    )
    table = table.append_column(bbox_col, struct)
    kept = geoms[~empty]
    types = sorted({str(t) for t in shapely.get_type_id(kept)}) if len(kept) else []
    names = {
        "0": "Point",
        "1": "LineString",
        "3": "Polygon",
        "4": "MultiPoint",
        "5": "MultiLineString",
        "6": "MultiPolygon",
        "7": "GeometryCollection",
    }
    extent = (
        [float(b[~empty, i].min()) for i in (0, 1)] + [float(b[~empty, i].max()) for i in (2, 3)]
        if len(kept)
        else []
    )
    meta = dict(table.schema.metadata or {})
    meta[b"geo"] = _geo_metadata(
        geom_name, bbox_col, gdf.crs, [names.get(t, t) for t in types], extent
    )
    meta[CHECK_KEY.encode()] = json.dumps(_geometry_check(geom_name, geoms, empty)).encode()
    return table.replace_schema_metadata(meta)


def _geometry_check(geometry: str, geoms: np.ndarray, empty: np.ndarray) -> dict[str, Any]:
    """The record of the geometry check made while writing (``rsgeo`` metadata key)."""
    kept = geoms[~empty]
    invalid = int((~shapely.is_valid(kept)).sum()) if len(kept) else 0
    types = shapely.get_type_id(kept)
    return {
        "geometry_check": {
            "column": geometry,
            "rows": len(geoms),
            "empty": int(empty.sum()),
            "invalid": invalid,
            "with_z": int(shapely.has_z(kept).sum()) if len(kept) else 0,
            "not_polygonal": int(((types != 3) & (types != 6)).sum()),
            "checked_with": f"GEOS {shapely.geos_version_string}",
        }
    }


def _column_options(table: Any, geometry: str) -> dict[str, Any]:
    """Statistics and dictionaries for every column but the geometry.

    A WKB's min/max statistics say nothing a reader uses and fill the footer
    (two geometries per row group), and dictionary encoding of geometries,
    which are all different, only costs decoding time.
    """
    pa = require_pyarrow()
    paths: list[str] = []
    for f in table.schema:
        if f.name == geometry or (pa.types.is_nested(f.type) and not pa.types.is_struct(f.type)):
            continue
        if pa.types.is_struct(f.type):
            paths += [f"{f.name}.{c.name}" for c in f.type]
        else:
            paths.append(f.name)
    top = [f.name for f in table.schema if f.name != geometry]
    return {"write_statistics": paths, "use_dictionary": top}


def _prepared(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A named, non-default index becomes a column (a patch file keeps its ``patch_id``)."""
    if isinstance(gdf.index, pd.RangeIndex) or gdf.index.name is None:
        return gdf.reset_index(drop=True)
    return gdf.reset_index()


def write_geoparquet(
    layer: gpd.GeoDataFrame | Iterable[gpd.GeoDataFrame],
    dest: str | os.PathLike[str],
    *,
    rows_per_part: int = ROWS_PER_PART,
    row_group_rows: int = ROW_GROUP_ROWS,
    overwrite: bool = False,
    compression: str = PARQUET_COMPRESSIONS[0],
    progress: Callable[[str], None] | None = None,
) -> GeoParquetWritten:
    """Write a layer as a folder of spatially sorted GeoParquet part files.

    Parameters
    ----------
    layer : GeoDataFrame or iterable of GeoDataFrames
        The features. An iterable (tiles of a layer too large for memory,
        all in one CRS and with the same columns) is written chunk by chunk:
        each chunk sorted in Hilbert order on its own, parts never spanning
        two chunks. A named index (``patch_id``) is written as a column.
    dest : path
        The dataset folder to write (by convention ``NAME.parquet``).
    rows_per_part : int
        Most rows in one part file.
    row_group_rows : int
        Rows in one row group.
    overwrite : bool
        Replace an existing ``dest``.
    compression : str
        Parquet compression, one of :data:`rsgeo.options.PARQUET_COMPRESSIONS`.
    progress : callable, optional
        Called with one line after each part file.

    Returns
    -------
    GeoParquetWritten

    Raises
    ------
    OutputExistsError
        ``dest`` exists and ``overwrite`` is False.
    InputError
        Bad sizes; chunks in different CRSs; pyarrow missing.
    """
    if rows_per_part < 1 or row_group_rows < 1:
        raise InputError(
            f"rows_per_part and row_group_rows must be at least 1, got {rows_per_part}, "
            f"{row_group_rows}"
        )
    if compression not in PARQUET_COMPRESSIONS:
        raise InputError(
            f"compression must be one of {', '.join(PARQUET_COMPRESSIONS)}, got {compression!r}"
        )
    pa = require_pyarrow()
    target = Path(dest)
    if target.exists() and not overwrite:
        raise OutputExistsError(f"{target} exists; pass overwrite=True to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    chunks: Iterator[gpd.GeoDataFrame] = (
        iter([layer]) if isinstance(layer, gpd.GeoDataFrame) else iter(layer)
    )
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    staging.chmod(0o755)  # mkdtemp's 0700 would keep the dataset from other users
    parts: list[Path] = []
    rows = 0
    n_read = 0
    crs: Any = None
    try:
        for i_chunk, chunk in enumerate(chunks):
            if i_chunk == 0:
                crs = chunk.crs
            elif not (crs is None and chunk.crs is None) and (
                crs is None or chunk.crs is None or not pyproj.CRS(crs).equals(chunk.crs)
            ):
                raise InputError(f"chunk {i_chunk} is in {chunk.crs}, the first one in {crs}")
            gdf = _prepared(chunk)
            if SOURCE_ROW in gdf.columns:
                raise InputError(
                    f"the layer has a column {SOURCE_ROW!r}, which rsgeo writes itself"
                )
            gdf[SOURCE_ROW] = np.arange(n_read, n_read + len(gdf), dtype=np.int64)
            n_read += len(gdf)
            gdf = gdf.iloc[hilbert_sort(gdf.geometry.bounds.to_numpy())]
            bbox_col = _bbox_name(gdf.columns, gdf.geometry.name)
            for start in range(0, max(len(gdf), 1 if i_chunk == 0 else 0), rows_per_part):
                table = _to_table(gdf.iloc[start : start + rows_per_part], bbox_col)
                part = staging / f"part-{len(parts):05d}.parquet"
                pa.parquet.write_table(
                    table,
                    part,
                    row_group_size=row_group_rows,
                    compression=compression,
                    **_column_options(table, gdf.geometry.name),
                )
                parts.append(part)
                rows += table.num_rows
                if progress is not None:
                    progress(f"{part.name}: {table.num_rows:,} rows ({rows:,} written)")
        if not parts:  # an empty iterable: an empty dataset is still a dataset
            raise InputError("nothing to write: the layer has no chunk")
        _move_into_place(staging, target, overwrite=overwrite)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    final = [target / p.name for p in parts]
    return GeoParquetWritten(target, final, rows, sum(p.stat().st_size for p in final))


def _move_into_place(staging: Path, target: Path, *, overwrite: bool) -> None:
    """Rename ``staging`` to ``target``; an old ``target`` is moved aside first, then removed."""
    old: Path | None = None
    if target.exists():
        if not overwrite:
            raise OutputExistsError(f"{target} exists; pass overwrite=True to replace it")
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        if old.exists():
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        target.rename(old)
    try:
        staging.rename(target)
    except BaseException:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old) if old.is_dir() else old.unlink()


# --------------------------------------------------------------------------- reading
