"""Read only the features of a layer file that given patches can touch.

A county job overlays a few thousand patches with a province-wide layer of a
million polygons. Reading the whole file costs seconds; the GeoPackage's
R-tree (``rtree_<table>_<geom>``) answers one box query per patch in
microseconds, and pyogrio reads the features found by id. Other formats fall
back to a ``bbox=`` read of the patches' extent.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio

from rsgeo.errors import DataFileError
from rsgeo.schema.fields import LAYER_FIELDS, canonical_name


def _gpkg_fids(path: Path, layer: str, boxes: np.ndarray) -> np.ndarray | None:
    """Feature ids whose box meets any of ``boxes``, from the R-tree; None if absent."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = con.execute(
            "SELECT column_name FROM gpkg_extensions WHERE table_name=? "
            "AND extension_name='gpkg_rtree_index'",
            (layer,),
        ).fetchone()
        if row is None:
            return None
        rtree = f'"rtree_{layer}_{row[0]}"'
        sql = f"SELECT id FROM {rtree} WHERE maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ?"
        found: set[int] = set()
        for x0, y0, x1, y1 in boxes.tolist():  # one indexed R-tree lookup per patch
            found.update(r[0] for r in con.execute(sql, (x0, x1, y0, y1)))
        ids = sorted(found)
    except sqlite3.DatabaseError:
        return None
    finally:
        con.close()
    return np.asarray(ids, dtype=np.int64)


def read_features_for(
    patches: gpd.GeoDataFrame,
    path: str | Path,
    *,
    layer: str | None = None,
    columns: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """See :func:`rsgeo.analysis.layer_overlay.read_layer_for`."""
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"layer file not found: {path}")
    info = pyogrio.read_info(path, layer=layer)
    layer_name = layer or pyogrio.list_layers(path)[0][0]
    file_crs = info.get("crs")
    pts = patches
    if file_crs is not None and patches.crs is not None and not patches.crs.equals(file_crs):
        pts = patches.to_crs(file_crs)
    boxes = np.asarray(pts.geometry.bounds.dropna().to_numpy(), dtype=np.float64)
    fids = None
    if info.get("driver") == "GPKG" and len(boxes):
        fids = _gpkg_fids(path, layer_name, boxes)
    cols = list(columns) if columns is not None else None
    if fids is not None:
        if len(fids) == 0:
            gdf = pyogrio.read_dataframe(path, layer=layer_name, columns=cols, max_features=0)
        else:
            gdf = pyogrio.read_dataframe(path, layer=layer_name, columns=cols, fids=fids)
    else:
        bbox = tuple(pts.total_bounds) if len(boxes) else None
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
