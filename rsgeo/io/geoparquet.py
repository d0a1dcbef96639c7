"""Reading layers written as spatially sorted, partitioned GeoParquet.

The files are those of :func:`rsgeo.io.geoparquet_write.write_geoparquet` (or
any GeoParquet 1.x with WKB geometry): a folder of Parquet part files, rows in
Hilbert order, a ``bbox`` covering column, each row's source row in
:data:`SOURCE_ROW`, and the record of a geometry check under
:data:`CHECK_KEY`.

:func:`read_geoparquet` reads it back, whole or only the features whose
bbox meets given boxes: the row groups are kept or skipped by the
statistics of their bbox columns (in the file footers, tested against every
box, not a coarser union: a filter expression of many boxes cost more than
the reading it saved), and the rows of the row groups kept are tested
exactly, on the bbox columns (:class:`rsgeo.io.box_grid.BoxGrid`) before
the other columns are decoded. The footers are read once per process.
:func:`read_geoparquet_checked` also says whether every part read records a
passed geometry check, which lets :func:`rsgeo.io.reading.read_layer` skip
the per-feature validity check. :func:`touched_rows` is the GeoParquet side of
:func:`rsgeo.io.windowed.touched_fids`. These return the file's table as
stored; :func:`rsgeo.io.reading.read_layer` reads a GeoParquet like any
other layer (field names, CRS, geometry repair, read report).

Needs ``pyarrow`` (``pip install "rsgeo[cluster]"``).

Examples
--------
>>> import tempfile, os, geopandas as gpd
>>> from shapely.geometry import box
>>> from rsgeo.io.geoparquet_write import write_geoparquet
>>> layer = gpd.GeoDataFrame({"DLBM": ["0101", "0103"]},
...                          geometry=[box(0, 0, 1, 1), box(5, 5, 6, 6)], crs=4545)
>>> dest = os.path.join(tempfile.mkdtemp(), "dltb.parquet")
>>> written = write_geoparquet(layer, dest)
>>> back = read_geoparquet(dest, boxes=[(4, 4, 10, 10)])
>>> list(back["DLBM"]), back.crs.to_epsg()
(['0103'], 4545)
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from rsgeo.errors import DataFileError, InputError
from rsgeo.io.box_grid import BoxGrid
from rsgeo.io.wkb import geometries_from_wkb

__all__ = [
    "CHECK_KEY",
    "SOURCE_ROW",
    "GeoParquetRead",
    "geoparquet_parts",
    "is_geoparquet",
    "read_geoparquet",
    "read_geoparquet_checked",
    "read_geoparquet_info",
    "require_pyarrow",
    "touched_rows",
]

SOURCE_ROW = "rsgeo_source_row"
"""Column holding each feature's row in the source (0-based): the sort changes the
order of the rows, and the overlay counts the feature listed first where
features overlap, so rsgeo reads the rows back in the source's order."""
CHECK_KEY = "rsgeo"
"""Parquet metadata key of the record of the geometry check made when the part was written:
``{"geometry_check": {"column", "rows", "empty", "invalid", "with_z", "not_polygonal",
"checked_with"}}`` (see :func:`read_geoparquet_checked`)."""
_GROUPS_PER_READ = 16  # row groups read in one call (fewer calls; memory stays bounded)
_INSTALL = 'GeoParquet needs pyarrow: pip install "rsgeo[cluster]" (or pip install pyarrow)'


def require_pyarrow() -> Any:
    """The ``pyarrow`` module with ``pyarrow.parquet`` loaded, or an error that says how
    to install it."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as err:  # pragma: no cover - depends on the installation
        raise InputError(_INSTALL) from err
    return pyarrow


def is_geoparquet(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a ``.parquet`` file or a folder holding ``.parquet`` part files.

    >>> is_geoparquet("farmland.gpkg")
    False
    """
    p = Path(path)
    if p.is_file():
        return p.suffix.lower() in (".parquet", ".geoparquet")
    if p.is_dir() and p.suffix.lower() != ".gdb":
        return any(q.suffix.lower() == ".parquet" for q in p.iterdir())
    return False


def geoparquet_parts(path: str | os.PathLike[str]) -> list[Path]:
    """The part files of a dataset in row order (a single file: itself).

    Raises
    ------
    DataFileError
        No such file, or a folder without ``.parquet`` files.
    """
    p = Path(path)
    if p.is_file():
        return [p]
    if p.is_dir():
        parts = sorted(
            q for q in p.iterdir() if q.suffix.lower() == ".parquet" and not q.name.startswith(".")
        )
        if parts:
            return parts
        raise DataFileError(f"{p}: a folder without .parquet part files")
    raise DataFileError(f"{p}: file not found")


@dataclass(frozen=True)
class _Info:
    geometry: str
    bbox: tuple[str, str, str, str, str] | None  # struct column, then its four fields
    crs: pyproj.CRS | None
    columns: list[str]  # attribute columns, as stored (no geometry, no bbox)
    rows_per_group: list[list[int]]  # per part, rows of each row group
    types: list[str]  # geometry types declared
    names: list[str]  # every stored column, in order


@dataclass(frozen=True)
class _Part:
    """One part file, from its footer: what a read needs without opening it again."""

    path: Path
    meta: Any  # pyarrow FileMetaData (handed to ParquetFile: the footer is not read again)
    starts: npt.NDArray[np.int64]  # first row of each row group, then the row count
    extents: npt.NDArray[np.float64] | None  # each row group's bbox extent (NaN: unknown)
    checked: bool  # every geometry valid, 2-D and polygonal when written (CHECK_KEY)


@dataclass(frozen=True)
class _Dataset:
    info: _Info
    parts: tuple[_Part, ...]


def _info(parts: list[Path], where: str) -> _Info:
    return _dataset(parts, where).info


def _dataset(parts: list[Path], where: str) -> _Dataset:
    """The dataset's metadata, read once per process while its files stay the same.

    Keyed by each part's path, size, modification time and inode: a dataset
    rewritten in place (``overwrite=True`` renames a new folder in) is read again.
    """
    try:
        key = tuple(
            (str(p), st.st_size, st.st_mtime_ns, st.st_ino) for p in parts for st in [p.stat()]
        )
    except OSError as err:
        raise DataFileError(f"{where}: cannot be read ({err})") from err
    return _dataset_of(key, where)


@functools.lru_cache(maxsize=32)
def _dataset_of(key: tuple[tuple[str, int, int, int], ...], where: str) -> _Dataset:
    pa = require_pyarrow()
    parts = [Path(k[0]) for k in key]
    try:
        metas = [pa.parquet.read_metadata(p) for p in parts]
        schema = metas[0].schema.to_arrow_schema()
    except (OSError, pa.ArrowException) as err:
        raise DataFileError(f"{where}: cannot be read as Parquet ({err})") from err
    raw = (schema.metadata or {}).get(b"geo")
    if raw is None:
        raise DataFileError(f"{where}: a Parquet file without GeoParquet 'geo' metadata")
    geo = json.loads(raw)
    geom = geo["primary_column"]
    col = geo["columns"][geom]
    if col.get("encoding", "WKB").upper() != "WKB":
        raise DataFileError(f"{where}: geometry encoding {col['encoding']!r}; rsgeo reads WKB")
    crs: pyproj.CRS | None
    if "crs" not in col:
        crs = pyproj.CRS.from_user_input("OGC:CRS84")  # the GeoParquet default
    elif col["crs"] is None:
        crs = None
    else:
        crs = pyproj.CRS.from_user_input(col["crs"])
    bbox = None
    cover = col.get("covering", {}).get("bbox")
    if cover:
        struct = cover["xmin"][0]
        bbox = (struct, cover["xmin"][1], cover["ymin"][1], cover["xmax"][1], cover["ymax"][1])
    skip = {geom, SOURCE_ROW} | ({bbox[0]} if bbox else set())
    columns = [n for n in schema.names if n not in skip]
    groups = [[m.row_group(i).num_rows for i in range(m.num_row_groups)] for m in metas]
    types = list(col.get("geometry_types", []))
    info = _Info(geom, bbox, crs, columns, groups, types, list(schema.names))
    out = []
    for path, meta, rows in zip(parts, metas, groups, strict=True):
        starts = np.concatenate([[0], np.cumsum(rows)]).astype(np.int64)
        extents = None if bbox is None else _group_extents(meta, info)
        out.append(_Part(path, meta, starts, extents, _checked(meta, geom, int(starts[-1]))))
    return _Dataset(info, tuple(out))


def _checked(meta: Any, geometry: str, rows: int) -> bool:
    """Whether a part's record says every geometry was valid, 2-D and polygonal when written.

    Trusted only for the column read, with the part's row count, and when
    checked with the GEOS (major.minor) reading it: validity is GEOS's word.
    """
    raw = (meta.metadata or {}).get(CHECK_KEY.encode())
    if raw is None:
        return False
    try:
        rec = json.loads(raw)["geometry_check"]
        geos = rec["checked_with"].split()[-1].split(".")[:2]
        return bool(
            rec["column"] == geometry
            and int(rec["rows"]) == rows
            and int(rec["invalid"]) == 0
            and int(rec["with_z"]) == 0
            and int(rec["not_polygonal"]) == 0
            and [int(v) for v in geos] == list(shapely.geos_version[:2])
        )
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return False


def read_geoparquet_info(path: str | os.PathLike[str]) -> dict[str, Any]:
    """What a GeoParquet dataset holds, from its metadata only.

    Returns
    -------
    dict
        ``parts``, ``rows``, ``row_groups``, ``crs`` (pyproj CRS or None),
        ``geometry`` (column name), ``geometry_types`` (as declared),
        ``bbox`` (the covering column or None), ``columns`` (attribute columns),
        ``geometry_checked`` (every part's record says its geometries were
        valid, 2-D and polygonal when written; see :func:`read_geoparquet_checked`).
    """
    parts = geoparquet_parts(path)
    data = _dataset(parts, str(path))
    info = data.info
    return {
        "parts": len(parts),
        "rows": sum(sum(g) for g in info.rows_per_group),
        "row_groups": sum(len(g) for g in info.rows_per_group),
        "crs": info.crs,
        "geometry": info.geometry,
        "geometry_types": info.types,
        "bbox": None if info.bbox is None else info.bbox[0],
        "columns": info.columns,
        "geometry_checked": all(p.checked for p in data.parts),
    }


def _as_boxes(boxes: Any) -> npt.NDArray[np.float64]:
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return b[np.isfinite(b).all(axis=1)]


def _group_extents(meta: Any, info: _Info) -> npt.NDArray[np.float64]:
    """Each row group's extent from the statistics of its bbox columns (NaN where none)."""
    assert info.bbox is not None
    struct = info.bbox[0]
    paths = [meta.schema.column(i).path for i in range(meta.num_columns)]
    try:
        cols = [paths.index(f"{struct}.{name}") for name in info.bbox[1:]]
    except ValueError:
        return np.full((meta.num_row_groups, 4), np.nan)
    out = np.full((meta.num_row_groups, 4), np.nan)
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for k, (col, low) in enumerate(zip(cols, (True, True, False, False), strict=True)):
            stats = group.column(col).statistics
            if stats is not None and stats.has_min_max:
                out[g, k] = float(stats.min if low else stats.max)
    return out


def _groups_meeting(grid: BoxGrid, extents: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
    """Row groups whose extent meets a box of ``grid``; those without statistics always."""
    known = np.isfinite(extents).all(axis=1)
    keep: npt.NDArray[np.bool_] = np.logical_not(known)
    keep[known] = grid.meets(*extents[known].T)
    return np.flatnonzero(keep)


def _bbox_arrays(table: Any, info: _Info) -> tuple[np.ndarray, ...]:
    assert info.bbox is not None
    struct = table.column(info.bbox[0]).combine_chunks()
    valid = None if struct.null_count == 0 else np.asarray(struct.is_valid())
    out = []
    for name in info.bbox[1:]:
        arr = struct.field(name).to_numpy(zero_copy_only=False).astype(np.float64)
        if valid is not None:
            arr[~valid] = np.nan
        out.append(arr)
    return tuple(out)


@dataclass(frozen=True)
class _Selection:
    table: Any  # the rows read, an Arrow table
    positions: npt.NDArray[np.int64]  # their positions in the dataset
    checked: bool  # every part rows came from has the record of a passed geometry check


def _selected(data: _Dataset, boxes: npt.NDArray[np.float64], columns: list[str]) -> _Selection:
    """The rows whose bbox meets ``boxes``: an Arrow table of ``columns`` and their positions.

    The table holds the bbox column only where ``columns`` holds nothing else.

    Row groups are kept or skipped by the statistics of their bbox columns
    (read once from the file footers, tested against every box); the rows of
    those kept are tested exactly, on the bbox columns before anything else
    is decoded.
    """
    pa = require_pyarrow()
    info = data.info
    assert info.bbox is not None
    rest = [c for c in columns if c != info.bbox[0]] or [info.bbox[0]]  # read after the test
    tables = []
    positions = []
    checked = True
    if len(boxes):
        grid = BoxGrid(boxes)
        offset = 0
        for part in data.parts:
            assert part.extents is not None
            kept = _groups_meeting(grid, part.extents)
            if len(kept):
                with pa.parquet.ParquetFile(part.path, metadata=part.meta) as pf:
                    for start in range(0, len(kept), _GROUPS_PER_READ):
                        batch = [int(g) for g in kept[start : start + _GROUPS_PER_READ]]
                        # the bbox columns first: the other columns only of groups with a hit
                        boxes_read = pf.read_row_groups(
                            batch, columns=[info.bbox[0]], use_threads=False
                        )
                        meets = grid.meets(*_bbox_arrays(boxes_read, info))
                        sizes = [int(part.starts[g + 1] - part.starts[g]) for g in batch]
                        per_group = np.split(meets, np.cumsum(sizes)[:-1])
                        hit_groups = [g for g, m in zip(batch, per_group, strict=True) if m.any()]
                        if not hit_groups:
                            continue
                        meets = np.concatenate([m for m in per_group if m.any()])
                        table = pf.read_row_groups(hit_groups, columns=rest, use_threads=False)
                        rows = np.concatenate(
                            [np.arange(part.starts[g], part.starts[g + 1]) for g in hit_groups]
                        )
                        hit = np.flatnonzero(meets)
                        tables.append(table.take(pa.array(hit)))
                        positions.append(offset + rows[hit])
                        checked = checked and part.checked
            offset += int(part.starts[-1])
    if not tables:
        pf = pa.parquet.ParquetFile(data.parts[0].path, metadata=data.parts[0].meta)
        empty = pf.schema_arrow.empty_table().select(rest)
        return _Selection(empty, np.zeros(0, dtype=np.int64), True)
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
    return _Selection(table, np.concatenate(positions).astype(np.int64), checked)


def touched_rows(
    path: str | os.PathLike[str], boxes: npt.ArrayLike
) -> tuple[npt.NDArray[np.int64], int]:
    """Positions of the rows whose bbox meets any of ``boxes``, and the number of rows.

    The GeoParquet side of :func:`rsgeo.io.windowed.touched_fids`: reads
    only the bbox columns of the row groups whose statistics meet the boxes.

    Parameters
    ----------
    path : path
        A GeoParquet file or dataset folder with a bbox covering column.
    boxes : array of shape (n, 4)
        ``minx, miny, maxx, maxy`` in the layer's CRS.

    Returns
    -------
    (ndarray of int64, int)
        Sorted ids of the rows, as :func:`read_geoparquet` indexes them (the
        rows in the source), and the dataset's row count.
    """
    parts = geoparquet_parts(path)
    data = _dataset(parts, str(path))
    info = data.info
    n_total = sum(sum(g) for g in info.rows_per_group)
    if info.bbox is None:
        raise DataFileError(f"{path}: no bbox covering column; write it with rsgeo convert")
    extra = [SOURCE_ROW] if SOURCE_ROW in info.names else []
    sel = _selected(data, _as_boxes(boxes), [info.bbox[0], *extra])
    return np.sort(_ids(sel.table, sel.positions)), n_total


def _ids(table: Any, positions: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Each row's id: its row in the source where the dataset says, else its position."""
    if SOURCE_ROW in table.column_names:
        return np.asarray(table.column(SOURCE_ROW).to_numpy(zero_copy_only=False), dtype=np.int64)
    return positions


@dataclass(frozen=True)
class GeoParquetRead:
    """What :func:`read_geoparquet_checked` read.

    Attributes
    ----------
    frame : GeoDataFrame
        As :func:`read_geoparquet` returns it.
    geometry_checked : bool
        Every part the rows came from records that all its geometries were
        valid (GEOS ``is_valid``, with the GEOS major.minor version reading
        them), 2-D and Polygon or MultiPolygon when written (the ``rsgeo``
        key of its metadata, :data:`CHECK_KEY`, written by
        :func:`rsgeo.io.geoparquet_write.write_geoparquet`); a file without the
        record, from another tool, is never taken as checked.
    """

    frame: gpd.GeoDataFrame
    geometry_checked: bool


def read_geoparquet(
    path: str | os.PathLike[str],
    *,
    boxes: npt.ArrayLike | None = None,
    columns: Sequence[str] | None = None,
    multipolygons: bool = False,
) -> gpd.GeoDataFrame:
    """Read a GeoParquet file or dataset folder, whole or the features meeting ``boxes``.

    Parameters
    ----------
    path : path
        A ``.parquet`` file or a folder of part files (as written by
        :func:`rsgeo.io.geoparquet_write.write_geoparquet`, or any GeoParquet
        1.x with WKB geometry).
    boxes : array of shape (n, 4), optional
        ``minx, miny, maxx, maxy`` in the layer's CRS: read only the features
        whose bbox meets one of them (edges touching count). Needs the bbox
        covering column; row groups whose statistics miss every box are not
        read, and only the rows kept are decoded.
    columns : sequence of str, optional
        Attribute columns to read (default: all; the others are not decoded).
    multipolygons : bool, default False
        Decode each 2-D Polygon as a one-part MultiPolygon
        (:func:`rsgeo.io.wkb.geometries_from_wkb`); other geometries as stored.

    Returns
    -------
    GeoDataFrame
        The stored columns (without the bbox column) and geometry, the CRS
        of the metadata, in the source's row order: the index is each row's
        row in the source (column ``rsgeo_source_row``; 0, 1, 2, ... for a
        whole read), or its position in the dataset where that column is
        absent (GeoParquet written by other tools).

    Raises
    ------
    DataFileError
        Missing or unreadable file, no ``geo`` metadata, or ``boxes`` given
        for a file without a bbox column.
    """
    return read_geoparquet_checked(
        path, boxes=boxes, columns=columns, multipolygons=multipolygons
    ).frame


def read_geoparquet_checked(
    path: str | os.PathLike[str],
    *,
    boxes: npt.ArrayLike | None = None,
    columns: Sequence[str] | None = None,
    multipolygons: bool = False,
) -> GeoParquetRead:
    """:func:`read_geoparquet`, and whether the parts read record a passed geometry check.

    :func:`rsgeo.io.reading.read_layer` skips the per-feature validity check
    (GEOS ``is_valid``, the largest cost of reading) when
    ``geometry_checked`` is True. Parameters and errors as for
    :func:`read_geoparquet`.
    """
    pa = require_pyarrow()
    parts = geoparquet_parts(path)
    where = str(path)
    data = _dataset(parts, where)
    info = data.info
    attrs = info.columns if columns is None else [c for c in info.columns if c in set(columns)]
    if columns is not None and (unknown := sorted(set(columns) - set(info.columns))):
        raise InputError(f"{where}: no column(s) {', '.join(unknown)}; it has {info.columns}")
    wanted = [c for c in info.names if c in {*attrs, info.geometry, SOURCE_ROW}]  # stored order
    try:
        if boxes is None:
            table = pa.concat_tables(
                [
                    pa.parquet.ParquetFile(p.path, metadata=p.meta).read(
                        columns=wanted, use_threads=False
                    )
                    for p in data.parts
                ]
            )
            positions = np.arange(table.num_rows, dtype=np.int64)
            checked = all(p.checked for p in data.parts)
        else:
            if info.bbox is None:
                raise DataFileError(
                    f"{where}: no bbox covering column to filter by; write it with rsgeo convert"
                )
            sel = _selected(data, _as_boxes(boxes), wanted)
            table, positions, checked = sel.table, sel.positions, sel.checked
    except pa.ArrowException as err:
        raise DataFileError(f"{where}: cannot be read as Parquet ({err})") from err
    ids = _ids(table, positions)
    if (np.diff(ids) < 0).any():  # the source's order (the overlay's "listed first")
        # the WKB is put in order before it is decoded: geometries decoded in the stored
        # order and then moved lie out of order in memory, and every later pass over them
        # (areas, coordinates, the overlay) took up to 8x longer
        order = np.argsort(ids, kind="stable")
        table = table.take(pa.array(order))
        ids = ids[order]
    geoms = geometries_from_wkb(table.column(info.geometry), multipolygons=multipolygons)
    keep = [c for c in table.column_names if c in set(wanted) and c != SOURCE_ROW]
    frame = table.select(keep).to_pandas()
    frame.index = pd.Index(ids)
    frame[info.geometry] = gpd.GeoSeries(geoms, index=frame.index)  # WKB → shapely, in place
    return GeoParquetRead(gpd.GeoDataFrame(frame, geometry=info.geometry, crs=info.crs), checked)
