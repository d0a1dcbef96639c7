"""Reading change patches and reference layers from the files counties receive.

:func:`read_patches` and :func:`read_layer` read Shapefiles (also zipped, or a
folder of them), GeoPackages, GeoJSON and FileGDB with pyogrio, and return a
GeoDataFrame with

* text decoded in the right encoding (see :mod:`rsgeo.io.encoding`),
* canonical field names (see :mod:`rsgeo.schema.fields` and ``docs/fields.md``),
* the CGCS2000 CRS recognised by its parameters (see :mod:`rsgeo.io.prj`) and
  checked against the coordinates,
* every geometry a valid ``MultiPolygon`` (see :mod:`rsgeo.geo.repair`),
* for patches, the index ``patch_id`` (text),

and ``gdf.attrs["rsgeo_read_report"]``, a :class:`~rsgeo.geo.repair.ReadReport`
saying how each of these was decided and what was repaired. Problems with
the input raise one rsgeo error naming the file, what is wrong and the fix.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj

from rsgeo.errors import CRSError, DataFileError, DuplicateIdError, FieldError, InputError
from rsgeo.geo.crs import datum_note
from rsgeo.geo.repair import ReadReport, repair_geometry
from rsgeo.io.geoparquet import read_geoparquet_checked
from rsgeo.io.prj import (
    check_coordinates,
    crs_code,
    crs_from_prj,
    identify_cgcs2000,
    suggest_from_eastings,
)
from rsgeo.io.sources import Source, decide_encoding, locate
from rsgeo.schema.fields import LAYER_FIELDS, PATCH_FIELDS

__all__ = [
    "READ_REPORT_KEY",
    "read_layer",
    "read_layer_boxes",
    "read_layer_ids",
    "read_patches",
]

READ_REPORT_KEY = "rsgeo_read_report"
_NOT_POLYGONAL = {"Point", "MultiPoint", "LineString", "MultiLineString", "CircularString"}
_EXAMPLE_CRS = "e.g. crs='EPSG:4545' (CGCS2000 3-degree GK CM 108°E) or crs='EPSG:4490'"
try:  # Arrow reads whole layers faster; optional
    import pyarrow  # noqa: F401

    _HAVE_ARROW = True
except ImportError:  # pragma: no cover - depends on the installation
    _HAVE_ARROW = False


# --------------------------------------------------------------------------
# fields, CRS
# --------------------------------------------------------------------------
def _field_mapping(
    columns: list[str],
    table: Mapping[str, tuple[str, ...]],
    fields: Mapping[str, str] | None,
    where: str,
) -> tuple[dict[str, str], list[str]]:
    """Source -> canonical renames, and notes about aliases not used.

    Explicit ``fields`` win. Otherwise, for each canonical name, a column
    already carrying that name wins, then the aliases in table order; other
    columns matching the same canonical name keep their own names.
    """
    mapping: dict[str, str] = {}
    notes: list[str] = []
    problems: list[str] = []
    for source, target in (fields or {}).items():
        if source in columns:
            mapping[source] = target
            continue
        folded = [c for c in columns if c.casefold() == str(source).casefold()]
        if len(folded) == 1:
            mapping[folded[0]] = target
        else:
            problems.append(f"fields={{{source!r}: {target!r}}}: no field {source!r} in the file")
    if problems:
        raise FieldError(
            f"{where}: field mapping names fields that are not there:\n"
            + "\n".join(f"  - {p}" for p in problems)
            + f"\n  available fields: {', '.join(columns)}"
        )
    taken = set(mapping.values())
    keyed = {c.strip().casefold(): c for c in columns if c not in mapping}
    for canonical, aliases in table.items():
        if canonical in taken:
            continue
        candidates = [canonical, *aliases]
        hits: list[str] = []
        for alias in candidates:
            col = keyed.get(alias.strip().casefold())
            if col is not None and col not in hits:
                hits.append(col)
        if not hits:
            continue
        winner = hits[0]
        if winner != canonical:
            mapping[winner] = canonical
        taken.add(canonical)
        for loser in hits[1:]:
            notes.append(
                f"fields {winner!r} and {loser!r} both mean {canonical!r}; used {winner!r}, "
                f"kept {loser!r} under its own name (fields={{{loser!r}: {canonical!r}}} "
                "chooses the other)"
            )
    renamed = [mapping.get(c, c) for c in columns]
    dupes = sorted({n for n in renamed if renamed.count(n) > 1})
    if dupes:
        raise FieldError(
            f"{where}: after renaming, several fields would be called "
            f"{', '.join(repr(d) for d in dupes)}; fix the fields= mapping "
            f"(fields in the file: {', '.join(columns)})"
        )
    return mapping, notes


def _parse_crs_arg(crs: Any, where: str) -> pyproj.CRS | None:
    if crs is None:
        return None
    try:
        return pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as err:
        raise CRSError(
            f"{where}: crs={crs!r} is not a coordinate system rsgeo can read ({err}); "
            f"{_EXAMPLE_CRS}"
        ) from err


def _file_crs(src: Source, gdf: gpd.GeoDataFrame) -> tuple[pyproj.CRS | None, str, bool]:
    """The CRS the file declares, how it was found, and whether it is only
    implied by the format (GeoJSON without a "crs" member)."""
    if src.kind == "shp":
        prj = src.sidecar(".prj")
        if prj is None:
            return None, "no .prj file", False
        text = prj.decode("utf-8", errors="replace")
        crs, how = crs_from_prj(text, where=f"{src.where}: the .prj file")
        return crs, how, False
    if gdf.crs is None:
        return None, "the layer declares none", False
    if src.kind == "geojson" and not _geojson_declares_crs(src.path):
        return pyproj.CRS.from_epsg(4326), "GeoJSON default (RFC 7946: WGS 84)", True
    found, matched = identify_cgcs2000(pyproj.CRS.from_user_input(gdf.crs))
    return found, ("file" if matched is None else f"file, {matched}"), False


def _geojson_declares_crs(path: Path) -> bool:
    with open(path, "rb") as f:
        head = f.read(65536)
    return b'"crs"' in head


def _fits(crs: pyproj.CRS, bounds: Any, where: str) -> bool:
    try:
        check_coordinates(crs, bounds, where=where)
    except CRSError:
        return False
    return True


def _decide_crs(
    src: Source, gdf: gpd.GeoDataFrame, crs_arg: pyproj.CRS | None, report: ReadReport
) -> pyproj.CRS:
    where = src.where
    file_crs, how, implied = _file_crs(src, gdf)
    valid = ~(gdf.geometry.isna() | gdf.geometry.is_empty)
    bounds = gdf.geometry[valid].total_bounds if valid.any() else [np.nan] * 4
    if crs_arg is None:
        if file_crs is None:
            hint = ""
            if np.all(np.isfinite(bounds)):
                if abs(bounds[0]) <= 180 and abs(bounds[2]) <= 180:
                    hint = " The coordinates look like degrees: crs='EPSG:4490'."
                else:
                    hint = " " + suggest_from_eastings(float(bounds[0]), float(bounds[2])) + "."
            raise CRSError(
                f"{where}: no coordinate system ({how}); pass crs=... ({_EXAMPLE_CRS}).{hint}"
            )
        check_coordinates(file_crs, bounds, where=where)
        if implied:
            report.warnings.append(
                "the GeoJSON declares no CRS, so it is WGS 84 (EPSG:4326) by the standard; "
                "if the coordinates are CGCS2000, read it again with crs='EPSG:4490'"
            )
        report.crs_source = how
        return file_crs
    if file_crs is None or implied:
        check_coordinates(crs_arg, bounds, where=where)
        report.crs_source = f"argument crs= ({how})"
        return crs_arg
    if file_crs.equals(crs_arg, ignore_axis_order=True):
        report.crs_source = f"{how}; matches crs="
        return file_crs
    if not _fits(file_crs, bounds, where) and _fits(crs_arg, bounds, where):
        report.warnings.append(
            f"the file declares {crs_code(file_crs)}, which does not fit its coordinates; "
            f"used crs={crs_code(crs_arg)} as given"
        )
        report.crs_source = "argument crs= (the file's CRS does not fit the coordinates)"
        return crs_arg
    raise CRSError(
        f"{where}: the file declares {crs_code(file_crs)} ({how}) but crs={crs_code(crs_arg)} "
        "was given, and rsgeo does not reproject silently. Leave out crs= to read it in "
        f"{crs_code(file_crs)} (and reproject afterwards with gdf.to_crs(...) if needed); "
        "if the file's CRS is wrong, fix or delete its .prj and pass crs=..."
    )


# --------------------------------------------------------------------------
# ids
# --------------------------------------------------------------------------
def _ids_as_text(values: pd.Series) -> pd.Series:
    """Ids as text; numbers without '.0'; blanks and nulls as <NA>."""
    if pd.api.types.is_bool_dtype(values):
        out = values.astype(str)
    elif pd.api.types.is_integer_dtype(values):
        out = values.astype("Int64").astype("string")
    elif pd.api.types.is_float_dtype(values):
        arr = values.to_numpy(dtype=float, na_value=np.nan)
        ok = np.isfinite(arr)
        integral = ok & (arr == np.round(arr)) & (np.abs(arr) < 2**63)
        text = np.array([None] * len(arr), dtype=object)
        text[integral] = [str(int(v)) for v in arr[integral]]
        other = ok & ~integral
        text[other] = [repr(float(v)) for v in arr[other]]
        out = pd.Series(text, index=values.index, dtype="string")
    else:
        out = values.astype("string").str.strip()
    out = out.astype("string")
    return out.mask(out.isna() | (out == ""), pd.NA)


def _set_patch_index(gdf: gpd.GeoDataFrame, where: str, id_source: str) -> gpd.GeoDataFrame:
    ids = _ids_as_text(gdf["patch_id"])
    rows = np.arange(1, len(gdf) + 1)
    problems: list[str] = []
    missing = ids.isna().to_numpy()
    if missing.any():
        shown = ", ".join(str(r) for r in rows[missing][:30])
        more = f" (+{int(missing.sum()) - 30})" if missing.sum() > 30 else ""
        problems.append(f"{int(missing.sum())} features without an id, at rows {shown}{more}")
    present = ids[~missing]
    dup_mask = present.duplicated(keep=False)
    if dup_mask.any():
        dup_rows = pd.Series(
            rows[~missing][dup_mask.to_numpy()], index=present[dup_mask].to_numpy()
        )
        groups = dup_rows.groupby(level=0, sort=True)
        for value, r in groups:
            problems.append(
                f"id {value!r} appears {len(r)} times, at rows {', '.join(map(str, r))}"
            )
    if problems:
        raise DuplicateIdError(
            f"{where}: patch ids (field {id_source!r}) must be present and unique; "
            f"{len(problems)} problem(s) (rows counted from 1 in file order):\n"
            + "\n".join(f"  - {p}" for p in problems[:200])
            + ("\n  ..." if len(problems) > 200 else "")
            + "\nFix the ids in the file, or pass id_field=... to use another field."
        )
    out = gdf.drop(columns="patch_id")
    out.index = pd.Index(ids.astype(str).tolist(), name="patch_id", dtype=str)
    return out


# --------------------------------------------------------------------------
# the readers
# --------------------------------------------------------------------------
def _parquet_info(src: Source) -> dict[str, Any]:
    """A GeoParquet's geometry type as pyogrio's ``read_info`` gives it (from the metadata)."""
    from rsgeo.io.geoparquet import read_geoparquet_info

    types = read_geoparquet_info(src.path)["geometry_types"]
    return {"geometry_type": types[0] if len(types) == 1 else None}


_FIDS_PER_QUERY = 20_000  # ~140 KB of SQL, well inside SQLite's statement limit


def _read_fids(src: Source, fids: np.ndarray) -> gpd.GeoDataFrame:
    """The features of a GeoPackage layer with the given ids, indexed by id.

    An SQL ``fid IN (...)`` read, in blocks: without Arrow it costs about a
    third of reading feature by feature (``fids=``), and per feature about
    1.6x a sequential read of the whole layer (measured at 100,000 features).
    """
    ids = np.unique(np.asarray(fids, dtype=np.int64))
    table = '"' + str(src.layer).replace('"', '""') + '"'
    if len(ids) == 0:
        gdf = pyogrio.read_dataframe(src.gdal_path, layer=src.layer, where="1=0")
        gdf.index = pd.Index([], dtype=np.int64, name="fid")
        return gdf
    frames = []
    for start in range(0, len(ids), _FIDS_PER_QUERY):
        block = ids[start : start + _FIDS_PER_QUERY]
        sql = f"SELECT * FROM {table} WHERE fid IN ({','.join(map(str, block.tolist()))})"
        frames.append(
            pyogrio.read_dataframe(src.gdal_path, sql=sql, fid_as_index=True, use_arrow=_HAVE_ARROW)
        )
    gdf = frames[0] if len(frames) == 1 else pd.concat(frames)
    gdf.index.name = "fid"
    return gdf


def _read(
    path: str | os.PathLike[str],
    *,
    layer: str | None,
    encoding: str | None,
    fields: Mapping[str, str] | None,
    crs: Any,
    table: Mapping[str, tuple[str, ...]],
    id_field: str | None,
    patches: bool,
    make_valid: bool,
    fids: np.ndarray | None = None,
    use_arrow: bool = False,
    boxes: np.ndarray | None = None,
) -> gpd.GeoDataFrame:
    src = locate(path, layer)
    crs_arg = _parse_crs_arg(crs, src.where)
    known_valid = False  # a GeoParquet whose parts record a passed geometry check
    drivers = {"shp": "ESRI Shapefile", "gpkg": "GPKG", "geojson": "GeoJSON", "gdb": "OpenFileGDB"}
    drivers["parquet"] = "GeoParquet"
    report = ReadReport(path=str(src.path), layer=src.layer, driver=drivers[src.kind])
    enc = decide_encoding(src, encoding, report)
    if src.kind == "shp" and (prj := src.sidecar(".prj")) is not None:
        # an unreadable .prj stops GDAL too: say so first, in rsgeo's words
        crs_from_prj(prj.decode("utf-8", errors="replace"), where=f"{src.where}: the .prj file")
    try:
        info = _parquet_info(src) if src.kind == "parquet" else None
        info = info or pyogrio.read_info(src.gdal_path, layer=src.layer, encoding=enc)
        gtype = info.get("geometry_type")
        if gtype is not None and str(gtype).split()[0] in _NOT_POLYGONAL:
            raise InputError(
                f"{src.where}: holds {gtype} geometries; rsgeo needs polygons"
                + ("" if src.layer is None else " (is this the right layer?)")
            )
        if src.kind == "parquet":  # polygons decoded as MultiPolygons, checked ones trusted
            got = read_geoparquet_checked(src.path, boxes=boxes, multipolygons=True)
            gdf, known_valid = got.frame, got.geometry_checked
        elif fids is not None:
            gdf = _read_fids(src, fids)
        else:
            gdf = pyogrio.read_dataframe(
                src.gdal_path, layer=src.layer, encoding=enc, use_arrow=use_arrow and _HAVE_ARROW
            )
    except InputError:
        raise
    except Exception as err:  # pyogrio/GDAL errors carry no rsgeo type
        raise DataFileError(f"{src.where}: cannot be read ({type(err).__name__}: {err})") from err
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise InputError(f"{src.where}: has no geometry; rsgeo needs a polygon layer")

    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    explicit = dict(fields or {})
    if id_field is not None:
        for source, target in explicit.items():
            if target == "patch_id" and source != id_field:
                raise FieldError(
                    f"{src.where}: id_field={id_field!r} and fields={{{source!r}: 'patch_id'}} "
                    "disagree; give only one of them"
                )
        explicit[id_field] = "patch_id"
    mapping, notes = _field_mapping(columns, table, explicit, src.where)
    report.field_mapping = mapping
    report.warnings.extend(notes)
    gdf = gdf.rename(columns=mapping)

    final_crs = _decide_crs(src, gdf, crs_arg, report)
    gdf = gdf.set_crs(final_crs, allow_override=True)
    report.crs = crs_code(final_crs)
    datum = datum_note(final_crs)
    if datum and not any("WGS 84" in w for w in report.warnings):  # one note per fact
        report.warnings.append(datum)

    if patches:
        if "patch_id" not in gdf.columns:
            raise FieldError(
                f"{src.where}: no patch id field; looked for "
                f"{', '.join(PATCH_FIELDS['patch_id'])}. Fields in the file: "
                f"{', '.join(columns)}. Pass id_field='...' to name the id field"
            )
        id_source = next((s for s, t in mapping.items() if t == "patch_id"), "patch_id")
        gdf = _set_patch_index(gdf, src.where, id_source)

    label = src.where if src.layer is None else f"{src.where} [layer {src.layer}]"
    gdf, geom_report = repair_geometry(
        gdf, make_valid=make_valid, label=label, known_valid=known_valid
    )
    report.geometry = geom_report
    if patches:  # what reading did to each patch's shape travels with the patch
        gdf["geometry_status"] = geom_report.status(gdf.index).to_numpy()
    gdf.attrs[READ_REPORT_KEY] = report
    for message in report.warnings:
        warnings.warn(message, UserWarning, stacklevel=3)
    return gdf


def read_patches(
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    id_field: str | None = None,
    encoding: str | None = None,
    fields: Mapping[str, str] | None = None,
    crs: Any = None,
    make_valid: bool = True,
) -> gpd.GeoDataFrame:
    """Read change patches (监测图斑), indexed by ``patch_id``.

    Parameters
    ----------
    path : str or path
        A Shapefile (``.shp``, or a ``.zip`` holding one), GeoPackage,
        GeoJSON, FileGDB folder (``.gdb``, or a zip holding one), or a folder of
        Shapefiles.
    layer : str, optional
        Layer to read; needed when the file holds several (the message lists
        them). For Shapefiles the layer is the file name without ``.shp``.
    id_field : str, optional
        Source field holding the patch id; default: the first of the
        ``patch_id`` aliases found (JCBH, TBBH, 监测编号, ...).
    encoding : str, optional
        Text encoding of a Shapefile's DBF; default: from the ``.cpg``, the
        DBF language driver byte, or detected (UTF-8, else GBK/GB18030).
    fields : mapping, optional
        ``{source field: canonical name}``; wins over the built-in aliases
        (``rsgeo.schema.fields.PATCH_FIELDS``, listed in ``docs/fields.md``).
    crs : CRS, optional
        Coordinate system (``"EPSG:4545"``, 4490, pyproj CRS, WKT) for data
        without one. When the file has a CRS, ``crs=`` must match it (or the
        file's CRS must be clearly wrong for its coordinates).
    make_valid : bool, default True
        Repair invalid geometry; with False, invalid geometry raises.

    Returns
    -------
    GeoDataFrame
        Index ``patch_id`` (text; numeric ids without ``.0``), canonical
        field names, valid ``MultiPolygon`` geometry (empty for a patch
        without a shape: every row is kept), ``geometry_status`` (what the
        repair did to each patch, ``""`` when nothing; see
        :meth:`~rsgeo.geo.repair.GeometryReport.status`), and
        ``attrs["rsgeo_read_report"]`` (a :class:`~rsgeo.geo.repair.ReadReport`).

    Raises
    ------
    DataFileError
        Missing, incomplete or unreadable file; unsupported format.
    InputError
        Missing layer / several layers and no ``layer=``; undecodable text;
        non-polygon geometry.
    FieldError
        ``fields=`` or ``id_field=`` naming a missing field; no id field.
    DuplicateIdError
        Duplicated or missing ids (all listed in one message).
    CRSError
        No CRS and no ``crs=``; unreadable ``.prj``; a CRS that does not fit
        the coordinates; ``crs=`` contradicting the file.
    GeometryError
        Invalid geometry with ``make_valid=False``.

    Examples
    --------
    >>> import rsgeo, geopandas as gpd, tempfile, os
    >>> from shapely.geometry import box
    >>> tmp = tempfile.mkdtemp()
    >>> src = gpd.GeoDataFrame({"JCBH": ["A1", "A2"], "XZQDM": ["450225100"] * 2},
    ...                        geometry=[box(5e5, 2.8e6, 5e5 + 10, 2.8e6 + 10),
    ...                                  box(5e5 + 20, 2.8e6, 5e5 + 30, 2.8e6 + 10)], crs=4545)
    >>> src.to_file(os.path.join(tmp, "p.gpkg"))
    >>> patches = rsgeo.read_patches(os.path.join(tmp, "p.gpkg"))
    >>> list(patches.index), list(patches.columns)
    (['A1', 'A2'], ['township_code', 'geometry', 'geometry_status'])
    >>> patches.attrs["rsgeo_read_report"].crs
    'EPSG:4545'
    """
    return _read(
        path,
        layer=layer,
        encoding=encoding,
        fields=fields,
        crs=crs,
        table=PATCH_FIELDS,
        id_field=id_field,
        patches=True,
        make_valid=make_valid,
    )


def read_layer(
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    encoding: str | None = None,
    fields: Mapping[str, str] | None = None,
    crs: Any = None,
    make_valid: bool = True,
    use_arrow: bool = False,
) -> gpd.GeoDataFrame:
    """Read a reference layer (farmland, red line, approvals, townships, ...).

    Same as :func:`read_patches` (formats, encoding, CRS, geometry repair,
    errors), with the field aliases of ``rsgeo.schema.fields.LAYER_FIELDS`` and the
    file's row order as index (0, 1, 2, ...; the ids in the geometry report
    are these row numbers). ``use_arrow=True`` reads through Arrow (faster
    for large layers; needs ``pyarrow``, else it is ignored).

    Examples
    --------
    >>> import rsgeo, geopandas as gpd, tempfile, os
    >>> from shapely.geometry import box
    >>> tmp = tempfile.mkdtemp()
    >>> src = gpd.GeoDataFrame({"DLBM": ["0101"], "KCXS": [0.08]},
    ...                        geometry=[box(108.9, 25.0, 109.0, 25.1)], crs=4490)
    >>> src.to_file(os.path.join(tmp, "farmland.gpkg"))
    >>> layer = rsgeo.read_layer(os.path.join(tmp, "farmland.gpkg"))
    >>> list(layer.columns)
    ['land_class_code', 'ridge_coef', 'geometry']
    """
    return _read(
        path,
        layer=layer,
        encoding=encoding,
        fields=fields,
        crs=crs,
        table=LAYER_FIELDS,
        id_field=None,
        patches=False,
        make_valid=make_valid,
        use_arrow=use_arrow,
    )


def read_layer_ids(
    path: str | os.PathLike[str],
    fids: np.ndarray,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    fields: Mapping[str, str] | None = None,
    crs: Any = None,
    make_valid: bool = True,
) -> gpd.GeoDataFrame:
    """:func:`read_layer` of the features with the given feature ids (fid) only.

    The index is the feature id, and the ids in the geometry report are
    these fids. Used by :func:`rsgeo.io.windowed.read_layer_near`.
    """
    return _read(
        path,
        layer=layer,
        encoding=encoding,
        fields=fields,
        crs=crs,
        table=LAYER_FIELDS,
        id_field=None,
        patches=False,
        make_valid=make_valid,
        fids=np.asarray(fids, dtype=np.int64),
        use_arrow=True,
    )


def read_layer_boxes(
    path: str | os.PathLike[str],
    boxes: np.ndarray,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    fields: Mapping[str, str] | None = None,
    crs: Any = None,
    make_valid: bool = True,
) -> gpd.GeoDataFrame:
    """:func:`read_layer` of the features of a GeoParquet whose bbox meets ``boxes``.

    ``boxes`` (``minx, miny, maxx, maxy`` rows) are in the file's CRS; the
    index is each feature's row position in the dataset, and the ids in the
    geometry report are these positions (:mod:`rsgeo.io.geoparquet`). Used
    by :func:`rsgeo.io.windowed.read_layer_near`.
    """
    return _read(
        path,
        layer=layer,
        encoding=encoding,
        fields=fields,
        crs=crs,
        table=LAYER_FIELDS,
        id_field=None,
        patches=False,
        make_valid=make_valid,
        boxes=np.asarray(boxes, dtype=np.float64).reshape(-1, 4),
    )
