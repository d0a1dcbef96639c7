"""The result layers (成果图层): every ordinary patch with its figures, for QGIS and ArcGIS.

:func:`write_result_layers` writes, into one folder (``gis/`` of a run):

* ``成果图层.gpkg``: layer ``图斑成果`` (one feature per ordinary patch, every
  column of the patches CSV with its full name, and each area also in 亩) and
  layer ``图斑乡镇分块`` (one feature per patch × township piece of the
  statistics: patch id, township code and name, areas);
* the same two layers as ESRI shapefiles in GBK with a ``.cpg`` file
  (``GBK``) and an ESRI ``.prj``, for ArcGIS: field names of at most 10 bytes
  (:mod:`rsgeo.schema.layer_fields`), text cut to the DBF's 254 bytes,
  dates as ``YYYY-MM-DD`` text;
* ``字段对照.csv`` (UTF-8 with a byte-order mark) beside the shapefiles: for
  every field its layer, short name, full name, Chinese label and unit.

The writer prints what it is handed: the attributes are those of
:func:`rsgeo.outputs.csv_tables.patch_csv_table` (the patches CSV), the pieces
those of the statistics; the only thing it adds is each area in 亩
(m² ÷ 666.67). Military-land patches and their pieces are never written
(``docs/sealed.md``). Geometry stays in the CRS it is handed (a run's working
CRS, CGCS2000 Gauss-Krüger).
"""

from __future__ import annotations

import csv
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from rsgeo.errors import InputError
from rsgeo.geo.units import M2_PER_MU
from rsgeo.outputs.csv_tables import escape_cell, patch_csv_table
from rsgeo.outputs.excel import check_outputs
from rsgeo.schema.layer_fields import (
    FIELD_TABLE_HEADER,
    LAYER_FILE_NAMES,
    TRUNCATED_NOTE,
    field_entry,
)
from rsgeo.schema.military import is_military

__all__ = [
    "DBF_ENCODING",
    "DBF_NAME_BYTES",
    "DBF_TEXT_BYTES",
    "pieces_layer",
    "result_layer",
    "shapefile_names",
    "write_result_layers",
]

DBF_ENCODING = "GBK"
"""Encoding of the shapefiles' DBF, written into their ``.cpg``."""
DBF_NAME_BYTES = 10
"""Longest DBF field name, in bytes of :data:`DBF_ENCODING`."""
DBF_TEXT_BYTES = 254
"""Longest DBF text value, in bytes of :data:`DBF_ENCODING`."""

_ELLIPSIS = "…"
_NAME_CHARS = re.compile(r"[^0-9A-Za-z_\u4e00-\u9fff]")


def _name_chars(text: str) -> str:
    """``text`` with what a DBF field name may not hold as ``_``: characters other than
    letters, digits, ``_`` and Chinese, and Chinese characters GBK lacks (``龦``)."""
    text = _NAME_CHARS.sub("_", text)
    try:
        text.encode(DBF_ENCODING)
    except UnicodeEncodeError:
        return "".join(
            ch if ch.encode(DBF_ENCODING, errors="replace") != b"?" else "_" for ch in text
        )
    return text


def _with_mu(frame: pd.DataFrame) -> pd.DataFrame:
    """Each ``*_m2`` column followed by the same area in 亩 (``*_mu``)."""
    columns: dict[str, Any] = {}
    for col in frame.columns:
        columns[col] = frame[col]
        mu = col[: -len("_m2")] + "_mu" if isinstance(col, str) and col.endswith("_m2") else None
        if mu is not None and mu not in frame.columns:
            columns[mu] = pd.to_numeric(frame[col], errors="coerce") / M2_PER_MU
    return pd.DataFrame(columns, index=frame.index)


def _sealed_ids(result: pd.DataFrame) -> set[str]:
    return set(result.index[is_military(result).to_numpy()].astype(str))


def result_layer(result: gpd.GeoDataFrame, figures: pd.DataFrame) -> gpd.GeoDataFrame:
    """The patch layer: the patches CSV's columns, areas also in 亩, geometry; sealed rows out.

    Parameters
    ----------
    result : GeoDataFrame
        The patch table of a run (index ``patch_id``).
    figures : DataFrame
        The per-patch figures of the statistics (``rsgeo.stats.deductions.patch_figures``).

    Returns
    -------
    GeoDataFrame
        One row per ordinary patch, ``patch_id`` as the first column.
    """
    if not isinstance(result, gpd.GeoDataFrame):
        raise InputError(f"result must be a GeoDataFrame, not {type(result).__name__}")
    keep = ~is_military(result).to_numpy()
    table = _with_mu(patch_csv_table(result, figures).loc[keep])
    index_name = result.index.name or "patch_id"
    table = table.rename_axis(index_name).reset_index()
    return gpd.GeoDataFrame(
        table, geometry=np.asarray(result.geometry.to_numpy()[keep]), crs=result.crs
    )


def pieces_layer(pieces: gpd.GeoDataFrame, result: pd.DataFrame) -> gpd.GeoDataFrame:
    """The patch × township pieces, areas also in 亩; pieces of sealed patches out.

    Parameters
    ----------
    pieces : GeoDataFrame
        The pieces of the statistics (``rsgeo.overlay_pieces``), index
        ``(patch_id, township_code)``.
    result : DataFrame
        The patch table, whose military marks say which patches are sealed.
    """
    if not isinstance(pieces, gpd.GeoDataFrame):
        raise InputError(f"pieces must be a GeoDataFrame, not {type(pieces).__name__}")
    sealed = _sealed_ids(result)
    flat = pd.DataFrame(pieces.drop(columns=pieces.geometry.name)).reset_index()
    if "patch_id" not in flat.columns:
        raise InputError(f"pieces need the index level patch_id, got {list(pieces.index.names)}")
    keep = ~flat["patch_id"].astype(str).isin(sealed).to_numpy()
    table = _with_mu(flat.loc[keep].reset_index(drop=True))
    return gpd.GeoDataFrame(
        table, geometry=np.asarray(pieces.geometry.to_numpy()[keep]), crs=pieces.crs
    )


def _gbk_bytes(text: str) -> int:
    return len(text.encode(DBF_ENCODING, errors="replace"))


def _cut(text: str, limit: int) -> str:
    """``text`` cut at a character boundary to at most ``limit`` bytes in GBK."""
    try:
        data = text.encode(DBF_ENCODING)
    except UnicodeEncodeError:  # a character GBK lacks counts as its "?": one at a time
        pass
    else:  # cut the bytes; a character cut in two is dropped
        return data[:limit].decode(DBF_ENCODING, errors="ignore")
    used = 0
    for k, ch in enumerate(text):
        used += _gbk_bytes(ch)  # GBK has no state: a text's bytes are its characters'
        if used > limit:
            return text[:k]
    return text


def shapefile_names(columns: Iterable[str]) -> dict[str, str]:
    """Full column name → DBF field name: at most 10 GBK bytes, unique (case aside).

    Known columns take their name from :func:`rsgeo.schema.layer_fields.field_entry`;
    any other keeps its own name when it fits, else is cut to 10 bytes
    (characters other than letters, digits, ``_`` and the Chinese of GBK become ``_``);
    a clash gets a number at the end.

    >>> shapefile_names(["patch_id", "area_m2", "权属单位名称", "clue_refinement"])
    {'patch_id': 'JCBH', 'area_m2': 'area_m2', '权属单位名称': '权属单位名', 'clue_refinement': 'clue_refin'}
    """
    columns = list(columns)
    taken: set[str] = set()
    names: dict[str, str] = {}
    known = {c: field_entry(c)[0] for c in columns}
    # the known names first, so a field of the delivery never takes one of them
    for col in sorted(columns, key=lambda c: known[c] is None):
        short = known[col]
        if short is None:
            short = _cut(_name_chars(col.strip()) or "field", DBF_NAME_BYTES)
            if short[:1].isdigit() or short[:1] == "_":
                short = _cut("F" + short, DBF_NAME_BYTES)
        base, n = short, 1
        while short.casefold() in taken:
            n += 1
            suffix = f"_{n}"
            short = _cut(base, DBF_NAME_BYTES - len(suffix)) + suffix
        taken.add(short.casefold())
        names[col] = short
    return {c: names[c] for c in columns}


def _gbk_text(value: Any) -> tuple[Any, bool]:
    """A DBF text value: GBK-safe, at most 254 bytes (cut with "…"); whether it was cut."""
    if not isinstance(value, str):
        return value, False
    text = value.encode(DBF_ENCODING, errors="replace").decode(DBF_ENCODING)
    if _gbk_bytes(text) <= DBF_TEXT_BYTES:
        return text, False
    return _cut(text, DBF_TEXT_BYTES - _gbk_bytes(_ELLIPSIS)) + _ELLIPSIS, True


def _plain_gbk(cells: list[Any]) -> bool:
    """Whether :func:`_gbk_text` would keep every cell as it is (one encode for the column).

    True when the cells are texts or None, all of them encode in GBK, and none
    is longer than half the DBF limit in characters (a GBK character is at
    most 2 bytes), so no text needs replacing or cutting.
    """
    texts = [c for c in cells if c is not None]
    if pd.api.types.infer_dtype(texts, skipna=False) not in ("string", "empty"):
        return False
    if max(map(len, texts), default=0) > DBF_TEXT_BYTES // 2:
        return False
    try:
        "".join(texts).encode(DBF_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def _for_dbf(out: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, set[str]]:
    """The layer's attributes as a DBF holds them, in place; the text columns that were cut.

    Only for a layer this module made (:func:`_text_columns` of
    :func:`result_layer` or :func:`pieces_layer`): its columns are replaced.
    """
    cut: set[str] = set()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        values = out[col]
        if pd.api.types.is_datetime64_any_dtype(values):
            out[col] = values.dt.strftime("%Y-%m-%d").astype(object).where(values.notna(), None)
        elif values.dtype == object or pd.api.types.is_string_dtype(values):
            cells = values.astype(object).where(values.notna(), None).tolist()
            if _plain_gbk(cells):  # every text already GBK and short: kept as it is
                out[col] = pd.Series(cells, index=out.index, dtype=object)
                continue
            pairs = [_gbk_text(v) for v in cells]
            out[col] = pd.Series([v for v, _ in pairs], index=out.index, dtype=object)
            if any(c for _, c in pairs):
                cut.add(col)
    return out, cut


def _text_columns(out: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Object columns as text (mixed cells written as their text), in place; geometry kept.

    Only for a layer this module made (:func:`result_layer`, :func:`pieces_layer`).
    """
    for col in out.columns:
        if col != out.geometry.name and out[col].dtype == object:
            missing = out[col].isna()
            text = out[col].map(lambda v: None if v is None or v is pd.NA else str(v))
            out[col] = text.where(~missing, None)
    return out


def _arrow() -> bool:
    """Whether pyarrow is importable (pyogrio then writes through Arrow)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the install
        return False
    return True


def _write(frame: gpd.GeoDataFrame, path: Path, **kwargs: Any) -> None:
    """One layer through pyogrio; the GeoPackage's through Arrow where pyarrow is installed.

    The Arrow path hands GDAL whole columns in batches, in one transaction:
    for the GeoPackage it takes about half the CPU of the row-by-row path at
    the same memory. The shapefiles are written row by row: there Arrow
    saved nothing (GDAL's DBF writing and its field resizing are the cost)
    and held a copy of the table (measured on the 50,000-patch province set:
    patches GeoPackage 1.38 → 0.75 CPU-s, +51 → +66 MB; patches shapefile
    8.86 → 8.69 CPU-s, +5 → +149 MB). Either way the files are the same
    (``tests/outputs/test_gis_layers.py`` reads both back with GDAL).
    """
    import pyogrio

    arrow = kwargs.get("driver") == "GPKG" and _arrow()
    with warnings.catch_warnings():
        # an empty table or all-missing column: GDAL's notes on field types, not faults
        warnings.filterwarnings("ignore", message=".*(created as|truncated).*")
        pyogrio.write_dataframe(frame, path, use_arrow=arrow, **kwargs)


_MASKED_ARRAYS = (pd.arrays.IntegerArray, pd.arrays.FloatingArray, pd.arrays.BooleanArray)


def _dbf_text(values: pd.Series) -> tuple[np.ndarray, np.ndarray | None]:
    """A text column as fixed-width text as wide as its longest value in DBF bytes.

    pyogrio creates a field as wide as the array's width (a field of free
    width would be 80 bytes wide, and shrinking it afterwards, GDAL's
    ``RESIZE=YES``, rewrites the whole DBF once per field). Missing cells are
    masked (written as null). The values are already GBK-safe (:func:`_for_dbf`).
    """
    cells = values.astype(object)
    missing = cells.isna().to_numpy()
    texts = [v if isinstance(v, str) else "" for v in cells.where(~missing, "").tolist()]
    width = max((_gbk_bytes(t) for t in set(texts)), default=0)  # each distinct text once
    # a field needs a width of 1 at least; an all-empty column stays 1 byte wide
    arr = np.asarray(texts, dtype=f"<U{max(width, 1)}")
    return arr, (missing if missing.any() else None)


def _write_shapefile(frame: gpd.GeoDataFrame, path: Path) -> None:
    """A layer as an ESRI shapefile in :data:`DBF_ENCODING`, each text field as wide as its
    longest value (what ``RESIZE=YES`` makes, without rewriting the DBF per field).

    The columns are handed to GDAL as :func:`pyogrio.write_dataframe` hands them
    (numbers as arrays with their masks), the text columns as fixed-width text
    (:func:`_dbf_text`). ``tests/outputs/test_gis_layers.py`` reads the files
    back with GDAL and checks the field widths against the longest values.
    """
    import pyogrio.raw
    import shapely

    fields, data, masks = [], [], []
    for col in frame.columns:
        if col == frame.geometry.name:
            continue
        values = frame[col]
        fields.append(str(col))
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            arr, mask = _dbf_text(values)
        elif isinstance(values.array, _MASKED_ARRAYS):  # numbers with missing cells
            kind = values.dtype.numpy_dtype  # type: ignore[union-attr]
            arr, mask = values.to_numpy(dtype=kind, na_value=0), values.isna().to_numpy()
        else:
            arr, mask = values.to_numpy(), None
        data.append(arr)
        masks.append(mask)
    geoms = frame.geometry.to_numpy()
    kinds = set(shapely.get_type_id(geoms[~shapely.is_missing(geoms)]).tolist())
    # a shapefile's polygon layer holds polygons and multipolygons alike
    geometry_type = "Polygon" if kinds <= {3} else "MultiPolygon" if kinds <= {3, 6} else "Unknown"
    crs = frame.crs
    epsg = crs.to_epsg() if crs is not None else None
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(created as|truncated).*")
        pyogrio.raw.write(
            path,
            shapely.to_wkb(geoms),
            data,
            fields,
            field_mask=masks,
            driver="ESRI Shapefile",
            encoding=DBF_ENCODING,
            geometry_type=geometry_type,
            promote_to_multi=False,
            crs=None if crs is None else f"EPSG:{epsg}" if epsg else crs.to_wkt("WKT1_GDAL"),
        )


def write_result_layers(
    result: gpd.GeoDataFrame,
    pieces: gpd.GeoDataFrame,
    folder: str | os.PathLike[str],
    *,
    figures: pd.DataFrame,
    shapefile: bool = True,
    overwrite: bool = False,
) -> dict[str, Path]:
    """Write the result layers (GeoPackage, GBK shapefiles and their field table).

    Parameters
    ----------
    result : GeoDataFrame
        The patch table of a run (index ``patch_id``).
    pieces : GeoDataFrame
        The patch × township pieces of the statistics.
    folder : path
        Folder to write into (created).
    figures : DataFrame
        The per-patch figures of the statistics, as the patches CSV has them.
    shapefile : bool, default True
        Also write the shapefiles and the field table.
    overwrite : bool, default False
        Replace existing files; otherwise :class:`rsgeo.errors.OutputExistsError`.

    Returns
    -------
    dict of str to Path
        ``gpkg``; with ``shapefile`` also ``patches_shp``, ``pieces_shp`` and
        ``field_table``.
    """
    out = Path(folder)
    layers = {
        LAYER_FILE_NAMES["patches"]: result_layer(result, figures),
        LAYER_FILE_NAMES["pieces"]: pieces_layer(pieces, result),
    }
    gpkg = out / LAYER_FILE_NAMES["gpkg"]
    shps = {name: out / f"{name}.shp" for name in layers}
    table = out / LAYER_FILE_NAMES["field_table"]
    paths = [gpkg, *shps.values(), table] if shapefile else [gpkg]
    check_outputs(paths, overwrite)
    out.mkdir(parents=True, exist_ok=True)
    for shp in shps.values():  # a shapefile is five files: none left from an earlier run
        for part in (shp.with_suffix(s) for s in (".shp", ".shx", ".dbf", ".prj", ".cpg")):
            part.unlink(missing_ok=True)
    gpkg.unlink(missing_ok=True)
    for layer in layers.values():  # one table a layer: the files are written from it
        _text_columns(layer)
    for name, layer in layers.items():
        _write(layer, gpkg, layer=name, driver="GPKG")
    written = {"gpkg": gpkg}
    if not shapefile:
        return written
    rows: list[tuple[str, ...]] = []
    for (name, layer), key in zip(layers.items(), ("patches_shp", "pieces_shp"), strict=True):
        dbf, cut = _for_dbf(layer)  # after the GeoPackage: the DBF's cut text, in place
        names = shapefile_names(c for c in dbf.columns if c != dbf.geometry.name)
        _write_shapefile(dbf.rename(columns=names), shps[name])
        shps[name].with_suffix(".cpg").write_text(DBF_ENCODING, encoding="ascii")
        rows += _field_rows(name, names, cut)
        written[key] = shps[name]
    _write_field_table(table, rows)
    written["field_table"] = table
    return written


def _field_rows(layer: str, names: Mapping[str, str], cut: set[str]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for full, short in names.items():
        _, label, unit = field_entry(full)
        rows.append((layer, short, full, label, unit, TRUNCATED_NOTE if full in cut else ""))
    return rows


def _write_field_table(path: Path, rows: list[tuple[str, ...]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(FIELD_TABLE_HEADER)
        for row in rows:
            writer.writerow([escape_cell(v) for v in row])
