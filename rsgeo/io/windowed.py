"""Read only the features of a layer file that given patches can touch.

A county job overlays a few thousand patches with a province-wide layer of a
million polygons. Reading the whole file costs seconds; the GeoPackage's
R-tree (``rtree_<table>_<geom>``) answers the boxes of all patches in one
SQL join run inside SQLite (a temporary table of patch boxes joined to the
R-tree virtual table, each box an indexed lookup), and pyogrio reads the
features found by id.

:func:`touched_fids` gives those ids and the layer's feature count, both
cheap; :func:`read_layer_near` reads a reference layer for the pipeline and
chooses by the measured share: only the touched features when they are at
most :data:`TOUCHED_MAX_SHARE` of the layer, else the whole layer (through
Arrow where ``pyarrow`` is installed). The set read is always a superset of the features whose boxes meet
a patch's box (the R-tree stores boxes rounded outward), so every feature
that meets a patch, and every feature a map shows over a patch, is in it.
Other formats are read whole.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import pyproj

from rsgeo.errors import DataFileError
from rsgeo.io.geoparquet import is_geoparquet, read_geoparquet, read_geoparquet_info
from rsgeo.io.reading import READ_REPORT_KEY, read_layer, read_layer_boxes, read_layer_ids
from rsgeo.schema.fields import LAYER_FIELDS, canonical_name

__all__ = ["TOUCHED_MAX_SHARE", "WindowedRead", "read_layer_near", "touched_fids"]

# Reading features by id (SQL ``fid IN``) costs about 1.6x a sequential read
# per feature, and every feature read is then validated, repaired where
# needed and reprojected (about as much again): by id is faster up to about
# 80 % of the layer (GeoPackage, 100,000 features, measured); 60 % leaves room.
TOUCHED_MAX_SHARE = 0.6
_ROWS_PER_FETCH = 100_000


@dataclass(frozen=True)
class WindowedRead:
    """How a reference layer was read: the touched features only, or whole.

    Attributes
    ----------
    mode : {"touched", "whole"}
        ``"touched"``: only the features whose boxes meet a patch's box
        (GeoPackage R-tree); ``"whole"``: every feature.
    n_features : int or None
        Features in the file (None when the format does not say cheaply).
    n_read : int
        Features read.
    reason : str
        Why this way (share measured, no R-tree, format).
    """

    mode: str
    n_features: int | None
    n_read: int
    reason: str

    def summary(self) -> str:
        """One line for the read report.

        >>> print(WindowedRead("touched", 1000, 120, "12.0 % of the layer").summary())
        read 120 of 1,000 features, those meeting the patches' boxes (12.0 % of the layer)
        """
        if self.mode == "touched":
            return (
                f"read {self.n_read:,} of {self.n_features or 0:,} features, those meeting "
                f"the patches' boxes ({self.reason})"
            )
        return f"read whole, {self.n_read:,} features ({self.reason})"

    def as_dict(self) -> dict[str, Any]:
        """The fields, for ``run.json``."""
        return {
            "mode": self.mode,
            "features_in_file": self.n_features,
            "features_read": self.n_read,
            "reason": self.reason,
        }


def _rtree_name(con: sqlite3.Connection, layer: str) -> str | None:
    row = con.execute(
        "SELECT column_name FROM gpkg_extensions WHERE table_name=? "
        "AND extension_name='gpkg_rtree_index'",
        (layer,),
    ).fetchone()
    return None if row is None else f'"rtree_{layer}_{row[0]}"'


def touched_fids(
    path: str | Path, layer: str, boxes: np.ndarray, *, stop_above: int | None = None
) -> tuple[np.ndarray, int] | None:
    """Ids of the features whose R-tree box meets any of ``boxes``, and the feature count.

    Parameters
    ----------
    path : path
        A GeoPackage.
    layer : str
        The table.
    boxes : ndarray of shape (n, 4)
        ``minx, miny, maxx, maxy`` in the layer's CRS.
    stop_above : int, optional
        Stop as soon as more than this many distinct features are found (the
        boxes are then looked up in a shuffled order, so that a large share
        shows early): the ids returned are then only some of those touched,
        more than ``stop_above`` of them. Reading whole is decided by this
        count, and the rest of the lookups (most of the cost when nearly
        every feature is touched) are not made.

    Returns
    -------
    (ndarray of int64, int) or None
        Sorted distinct feature ids, and the number of features in the
        R-tree; None when the file has no R-tree for the layer.
    """
    con = sqlite3.connect(f"file:{Path(path).resolve().as_posix()}?mode=ro", uri=True)
    try:
        rtree = _rtree_name(con, layer)
        if rtree is None:
            return None
        n_total = int(con.execute(f"SELECT count(*) FROM {rtree}").fetchone()[0])
        con.execute("CREATE TEMP TABLE rsgeo_boxes(minx REAL, miny REAL, maxx REAL, maxy REAL)")
        finite = boxes[np.isfinite(boxes).all(axis=1)]
        seen = None
        if stop_above is not None:
            finite = finite[np.random.default_rng(0).permutation(len(finite))]
            top = con.execute(f"SELECT max(id) FROM {rtree}").fetchone()[0]
            seen = np.zeros(int(top or 0) + 1, dtype=bool)
        con.executemany("INSERT INTO rsgeo_boxes VALUES (?,?,?,?)", finite.tolist())
        # CROSS JOIN keeps the boxes outside: one indexed R-tree lookup per box, in SQLite
        sql = (
            f"SELECT r.id FROM rsgeo_boxes b CROSS JOIN {rtree} r "
            "WHERE r.maxx >= b.minx AND r.minx <= b.maxx AND r.maxy >= b.miny AND r.miny <= b.maxy"
        )
        cursor = con.execute(sql)
        chunks = []
        while rows := cursor.fetchmany(_ROWS_PER_FETCH):
            chunks.append(np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows)))
            if seen is not None and stop_above is not None:
                seen[chunks[-1]] = True
                if np.count_nonzero(seen) > stop_above:
                    return np.flatnonzero(seen).astype(np.int64), n_total
        hits = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
    except sqlite3.DatabaseError:
        return None
    finally:
        con.close()
    return np.unique(hits), n_total


def _feature_count(path: Path, layer: str) -> int | None:
    """The features of a GeoPackage layer as GDAL counts them cheaply (None when it cannot)."""
    try:
        n = pyogrio.read_info(path, layer=layer).get("features")
    except Exception:  # unreadable: read_layer says why
        return None
    return int(n) if n is not None and n >= 0 else None


def _boxes_in(patches: gpd.GeoDataFrame, crs: Any) -> np.ndarray:
    """Patch boxes in ``crs``; a box reprojected is padded so it still covers its patch."""
    geoms = patches.geometry
    geoms = geoms[~(geoms.isna() | geoms.is_empty)]
    if crs is None or geoms.crs is None or pyproj.CRS.from_user_input(crs).equals(geoms.crs):
        return np.asarray(geoms.bounds.to_numpy(), dtype=np.float64)
    target = pyproj.CRS.from_user_input(crs)
    boxes = np.array(geoms.to_crs(target).bounds.to_numpy(), dtype=np.float64)
    pad = 1e-6 if target.is_geographic else 0.1  # edges bend between vertices: ~0.1 m
    boxes[:, :2] -= pad
    boxes[:, 2:] += pad
    return boxes


def read_layer_near(
    patches: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    encoding: str | None = None,
    fields: Mapping[str, str] | None = None,
    crs: Any = None,
    make_valid: bool = True,
    max_share: float = TOUCHED_MAX_SHARE,
) -> tuple[gpd.GeoDataFrame, WindowedRead]:
    """Read a reference layer for ``patches``: the touched features, or whole.

    For a GeoPackage with an R-tree, counts the features whose boxes meet a
    patch's box; when they are at most ``max_share`` of the layer, reads only
    those (index: the file's feature ids), else reads the whole layer
    (through Arrow where ``pyarrow`` is installed; index: row order). Other formats are read whole. Either way the
    result goes through :func:`rsgeo.io.reading.read_layer` (encoding,
    fields, CRS, repair) and its read report says which way it went.

    Parameters
    ----------
    patches : GeoDataFrame
        The patches (any CRS; their boxes are reprojected to the layer's).
    path : path
        The layer file.
    layer, encoding, fields, crs, make_valid
        As for :func:`rsgeo.io.reading.read_layer`.
    max_share : float
        Largest share of the layer read by id.

    Returns
    -------
    GeoDataFrame, WindowedRead
    """

    kw: dict[str, Any] = {"layer": layer, "encoding": encoding, "fields": fields, "crs": crs}
    p = Path(path)
    if is_geoparquet(p):  # GeoParquet: row groups kept by their bbox statistics
        return _read_parquet_near(patches, p, make_valid=make_valid, **kw)
    window: WindowedRead | None = None
    if p.suffix.lower() == ".gpkg" and p.is_file():
        try:
            names = [str(n) for n, g in pyogrio.list_layers(p) if g is not None]
            name = layer if layer in names else (names[0] if len(names) == 1 else None)
            file_crs = pyogrio.read_info(p, layer=name).get("crs") if name else None
        except Exception:  # unreadable: read_layer says why, in rsgeo's words
            name = file_crs = None
        if name is not None and (file_crs or crs) is not None:
            boxes = _boxes_in(patches, file_crs or crs)
            n_features = _feature_count(p, name)
            stop = None if n_features is None else int(max_share * n_features)
            found = touched_fids(p, name, boxes, stop_above=stop)
            if found is None:
                window = WindowedRead("whole", None, 0, "no R-tree index in the GeoPackage")
            else:
                ids, n_total = found
                share = len(ids) / n_total if n_total else 1.0
                more = stop is not None and len(ids) > stop  # the lookups stopped there
                text = f"{'over ' if more else ''}{share:.1%} of the layer"
                if share <= max_share and len(ids) < n_total:
                    gdf = read_layer_ids(p, ids, make_valid=make_valid, **kw)
                    window = WindowedRead("touched", n_total, len(gdf), text)
                else:
                    window = WindowedRead("whole", n_total, 0, f"{text} > {max_share:.0%}")
    if window is None:
        window = WindowedRead("whole", None, 0, "format without a spatial index")
    if window.mode == "whole":
        gdf = read_layer(p, make_valid=make_valid, use_arrow=True, **kw)
        n_total = window.n_features if window.n_features is not None else len(gdf)
        window = WindowedRead("whole", n_total, len(gdf), window.reason)
    report = gdf.attrs.get(READ_REPORT_KEY)
    if report is not None:
        report.window = window.summary()
    return gdf, window


def _read_parquet_near(
    patches: gpd.GeoDataFrame, path: Path, *, make_valid: bool, **kw: Any
) -> tuple[gpd.GeoDataFrame, WindowedRead]:
    """:func:`read_layer_near` of a GeoParquet: the features whose bbox meets a patch's box.

    Row groups whose bbox statistics meet no patch box are not read; a
    dataset without a bbox column is read whole.
    """
    try:
        info = read_geoparquet_info(path)
    except Exception:  # unreadable: read_layer says why, in rsgeo's words
        info = {"crs": None, "bbox": None, "rows": None}
    layer_crs = info["crs"] or kw.get("crs")
    if info["bbox"] is None or layer_crs is None:
        gdf = read_layer(path, make_valid=make_valid, **kw)
        window = WindowedRead("whole", len(gdf), len(gdf), "GeoParquet without a bbox column")
    else:
        gdf = read_layer_boxes(path, _boxes_in(patches, layer_crs), make_valid=make_valid, **kw)
        n_total = int(info["rows"])
        share = len(gdf) / n_total if n_total else 1.0
        window = WindowedRead(
            "touched", n_total, len(gdf), f"{share:.1%} of the layer, GeoParquet bbox filter"
        )
    report = gdf.attrs.get(READ_REPORT_KEY)
    if report is not None:
        report.window = window.summary()
    return gdf, window


def _parquet_features_for(
    patches: gpd.GeoDataFrame, path: Path, *, columns: Sequence[str] | None
) -> gpd.GeoDataFrame:
    """:func:`read_features_for` of a GeoParquet: the features whose bbox meets a patch's box."""
    crs = read_geoparquet_info(path)["crs"]
    gdf = read_geoparquet(path, boxes=_boxes_in(patches, crs), columns=columns)
    rename = {}
    for c in gdf.columns:
        canon = canonical_name(str(c), LAYER_FIELDS)
        if c != gdf.geometry.name and canon is not None and canon != c and canon not in gdf:
            rename[c] = canon
    gdf = gdf.rename(columns=rename)
    gdf.attrs["rsgeo_read_fids"] = gdf.index.to_numpy()
    return gdf


def read_features_for(
    patches: gpd.GeoDataFrame,
    path: str | Path,
    *,
    layer: str | None = None,
    columns: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """See :func:`rsgeo.analysis.overlay_inputs.read_layer_for`."""
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"layer file not found: {path}")
    if is_geoparquet(path):  # GeoParquet: by the bbox column
        return _parquet_features_for(patches, path, columns=columns)
    info = pyogrio.read_info(path, layer=layer)
    layer_name = layer or pyogrio.list_layers(path)[0][0]
    file_crs = info.get("crs")
    boxes = _boxes_in(patches, file_crs)
    found = None
    if info.get("driver") == "GPKG" and len(boxes):
        found = touched_fids(path, layer_name, boxes)
    fids = None if found is None else found[0]
    cols = list(columns) if columns is not None else None
    if fids is not None:
        if len(fids) == 0:
            gdf = pyogrio.read_dataframe(path, layer=layer_name, columns=cols, where="1=0")
        else:
            gdf = pyogrio.read_dataframe(path, layer=layer_name, columns=cols, fids=fids)
    else:
        bbox = (
            tuple(boxes[:, :2].min(axis=0)) + tuple(boxes[:, 2:].max(axis=0))
            if len(boxes)
            else None
        )
        gdf = pyogrio.read_dataframe(path, layer=layer_name, columns=cols, bbox=bbox)
    rename = {}
    for c in gdf.columns:
        if c == gdf.geometry.name:
            continue
        canon = canonical_name(str(c), LAYER_FIELDS)
        if canon is not None and canon != c and canon not in gdf.columns:
            rename[c] = canon
    gdf = gdf.rename(columns=rename)
    gdf.attrs["rsgeo_read_fids"] = fids
    return gdf
