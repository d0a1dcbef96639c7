"""What the overlay reads: its arguments checked, its layers made ready.

:func:`check_overlay_inputs` collects every problem of the arguments of
:func:`rsgeo.analysis.layer_overlay.overlay` and raises them as one error.
:func:`prepare_overlay_inputs` reads layers given as paths (only the
features the patches can touch: :func:`read_layer_for`), reprojects when
asked, checks that all inputs share one projected CRS, keeps of each layer
the features whose boxes meet a patch's (with the (patch, feature) box pairs
for the engine), keeps cultivated land only in ``farmland``
(:func:`cultivated_only`), and repairs what is invalid: a compiled check
decides most simple polygons (:mod:`rsgeo.geo._ring_check`), GEOS the rest,
and layers rsgeo's readers already checked (``checked``) are not checked
again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from rsgeo.errors import CRSError, FieldError, InputError, format_problems
from rsgeo.geo.crs import check_same_crs, check_transformation, choose_gk_crs, crs_label
from rsgeo.geo.repair import GeometryReport, repair_geometry
from rsgeo.schema.contract import check_patch_table
from rsgeo.schema.vocabulary import CULTIVATED_CLASSES, FARMLAND_KEY

__all__ = [
    "check_overlay_inputs",
    "cultivated_only",
    "prepare_overlay_inputs",
    "read_layer_for",
]


def read_layer_for(
    patches: gpd.GeoDataFrame,
    path: str | Path,
    *,
    layer: str | None = None,
    columns: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """Read only the features of a layer file that the patches can touch.

    Uses the GeoPackage R-tree (the patches' boxes joined to it in SQLite) and reads those
    features by id; other formats are read with a bounding-box filter.
    Fields are renamed to the canonical names of ``rsgeo.schema.fields.LAYER_FIELDS``.
    """
    from rsgeo.io.windowed import read_features_for

    return read_features_for(patches, path, layer=layer, columns=columns)


def check_overlay_inputs(
    patches: Any,
    layers: Any,
    townships: Any,
    min_piece_m2: float,
    attributes: Mapping[str, Sequence[str]] | None,
    checked: Collection[str] = (),
) -> None:
    """Every problem of the overlay's arguments, raised as one error (nothing is read)."""
    problems: list[str] = []
    if not isinstance(patches, gpd.GeoDataFrame):
        problems.append(f"patches must be a GeoDataFrame, got {type(patches).__name__}")
    else:
        check_patch_table(patches, where="overlay")
    if not isinstance(layers, Mapping):
        problems.append("layers must map a key (e.g. 'farmland') to a GeoDataFrame")
    else:
        for key, lay in layers.items():
            if not isinstance(key, str) or not key.isidentifier():
                problems.append(f"layer key {key!r} must be a snake_case name")
            if not isinstance(lay, gpd.GeoDataFrame | str | Path):
                problems.append(f"layer {key!r} must be a GeoDataFrame or a file path")
    if townships is not None:
        if not isinstance(townships, gpd.GeoDataFrame):
            problems.append("townships must be a GeoDataFrame")
        else:
            missing = {"township_code", "township_name"} - set(townships.columns)
            if missing:
                problems.append(
                    f"townships lacks {sorted(missing)} (see rsgeo.schema.fields.TOWNSHIP_FIELDS)"
                )
    if isinstance(checked, str) or not isinstance(checked, Collection):
        problems.append(f"checked must be a collection of layer keys, got {checked!r}")
    elif isinstance(layers, Mapping):
        unknown = sorted(str(k) for k in checked if k not in layers)
        if unknown:
            problems.append(
                f"checked names {unknown}, not in layers; the layers are {sorted(layers)}"
            )
        for key in checked:
            if isinstance(layers.get(key), str | Path):
                problems.append(f"checked names {key!r}, a path: a path is read and checked here")
    if not (np.isfinite(min_piece_m2) and min_piece_m2 >= 0):
        problems.append(f"min_piece_m2 must be a number ≥ 0, got {min_piece_m2!r}")
    if attributes is not None and isinstance(layers, Mapping):
        for key, cols in attributes.items():
            lay = layers.get(key)
            if lay is None:
                problems.append(f"attributes given for {key!r}, which is not in layers")
            elif isinstance(lay, gpd.GeoDataFrame):
                absent = [c for c in cols if c not in lay.columns]
                if absent:
                    problems.append(f"layer {key!r} has no field(s) {absent}")
    if problems:
        exc = FieldError if any("field" in p or "lacks" in p for p in problems) else InputError
        raise exc(format_problems(f"overlay: {len(problems)} problem(s):", problems))


def prepare_overlay_inputs(
    patches: gpd.GeoDataFrame,
    layers: Mapping[str, Any],
    townships: gpd.GeoDataFrame | None,
    to_crs: Any,
    make_valid: bool,
    checked: Collection[str] = (),
) -> tuple[
    gpd.GeoDataFrame,
    dict[str, gpd.GeoDataFrame],
    gpd.GeoDataFrame | None,
    tuple[str, dict[str, GeometryReport]],
    dict[str, Any],
]:
    """The overlay's inputs made ready: read, reprojected, in one CRS, cut to what the
    patches touch (cultivated land only in ``farmland``), valid.

    Returns the patches, the layers, the townships, (the CRS's label, each
    input's geometry report) and the engine's flat arrays and box pairs.
    """
    loaded = {
        k: (read_layer_for(patches, v) if isinstance(v, str | Path) else v)
        for k, v in layers.items()
    }
    named: dict[str, Any] = {"patches": patches, **loaded}
    if townships is not None:
        named["townships"] = townships
    if to_crs is not None:
        target = choose_gk_crs(patches) if to_crs == "auto" else pyproj.CRS.from_user_input(to_crs)
        for k, v in named.items():
            check_transformation(v.crs, target, where=f"layer {k!r}")
        named = {k: v.to_crs(target) for k, v in named.items()}
        checked = ()  # reprojected: checked again
    crs = check_same_crs(named)
    # keep only the features the patches can touch (boxes), before any other
    # work on them (cultivated-land filter, validity, repair), and keep the
    # (patch, feature) box pairs for the engine. The tree is over the patches,
    # the smaller side: a tree over a province layer costs more than the
    # whole overlay of a county batch.
    pgeoms = np.asarray(named["patches"].geometry.array, dtype=object)
    ptree = shapely.STRtree(pgeoms)
    pairs: dict[str, Any] = {}
    for k in list(named):
        if k == "patches":
            continue
        lay = named[k]
        idx, pi = ptree.query(np.asarray(lay.geometry.array, dtype=object))
        rows = np.flatnonzero(np.bincount(idx, minlength=len(lay)))
        if k == FARMLAND_KEY:  # cultivated land only, decided on the touched features
            keep = np.zeros(len(lay), dtype=bool)
            keep[rows] = _cultivated(lay.iloc[rows])
            rows = np.flatnonzero(keep)
            hit = keep[idx]
            idx, pi = idx[hit], pi[hit]
        named[k] = lay.iloc[rows]
        pos = np.zeros(len(lay), dtype=np.int64)
        pos[rows] = np.arange(len(rows))
        order = np.lexsort((idx, pi))  # by patch, then by feature in layer order
        pairs[k] = (pi[order].astype(np.int64), pos[idx[order]])
    if not crs.is_projected:
        raise CRSError(
            f"overlay computes geometry in a projected CRS, but the inputs are in {crs_label(crs)}; "
            "fix: pass to_crs='auto' (the Gauss-Krüger zone of the patches) or to_crs=4545"
        )
    reports: dict[str, GeometryReport] = {}
    fixed: dict[str, gpd.GeoDataFrame] = {}
    flats: dict[str, Any] = {}
    for k, v in named.items():
        fixed[k], reports[k], flats[k] = _repair_invalid(
            v, make_valid=make_valid, label=k, checked=k in checked and k in layers
        )
    tw = fixed.pop("townships", None)
    pt = fixed.pop("patches")
    flats["pairs"] = pairs
    return pt, fixed, tw, (crs_label(crs), reports), flats


def cultivated_only(farmland: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The cultivated-land features of a ``farmland`` layer (DLBM 0101/0102/0103).

    A layer with a ``land_class_code`` field (DLBM) keeps only the classes of
    :data:`rsgeo.schema.vocabulary.CULTIVATED_CLASSES`; a layer without it is
    taken to hold cultivated land only. The overlay applies this to the
    ``farmland`` key, so every road to the figures counts the same farmland.

    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> f = gpd.GeoDataFrame({"land_class_code": ["0103", "0301", " 0101"]},
    ...                      geometry=[box(0, 0, 1, 1)] * 3, crs=4545)
    >>> cultivated_only(f)["land_class_code"].tolist()
    ['0103', ' 0101']
    """
    return farmland.loc[_cultivated(farmland)]


def _cultivated(farmland: gpd.GeoDataFrame) -> np.ndarray:
    """Row mask of :func:`cultivated_only`."""
    if "land_class_code" not in farmland.columns:
        return np.ones(len(farmland), dtype=bool)
    # a layer holds a handful of distinct codes: decide each once
    codes, uniques = pd.factorize(farmland["land_class_code"], use_na_sentinel=True)
    ok = np.array([str(u).strip() in CULTIVATED_CLASSES for u in uniques] + [False], dtype=bool)
    return ok[codes]  # the sentinel -1 (null) takes the appended False


def _is_valid(geoms: np.ndarray, flat: Any = None) -> np.ndarray:
    """``shapely.is_valid``, with a compiled check deciding most simple polygons first."""
    from rsgeo.geo._ring_check import surely_valid

    ok = surely_valid(geoms, flat)
    rest = np.flatnonzero(~ok)
    if len(rest):
        ok[rest] = shapely.is_valid(geoms[rest])
    return ok


def _repair_invalid(
    layer: gpd.GeoDataFrame, *, make_valid: bool, label: str, checked: bool = False
) -> tuple[gpd.GeoDataFrame, GeometryReport, Any]:
    """:func:`repair_geometry` on the features that need it, others as they are.

    Valid 2-D polygons and multipolygons are used unchanged (the engine reads
    either; making a million of them MultiPolygons costs seconds); invalid,
    non-polygonal, null, empty or 3-D features go through ``repair_geometry``
    and its report, which then counts every feature. Validity is decided by
    a compiled check for simple rings and by GEOS for the rest. The third
    value is the engine's flat vertex arrays of the layer when nothing needed
    repair (numba installed), else None. With ``checked`` (a layer rsgeo's
    reader has checked and repaired, unchanged since) the 2-D polygons are
    taken as valid, not checked again; null, empty, 3-D and other features
    still go through ``repair_geometry``.
    """
    from rsgeo.geo._clip_kernel import HAVE_NUMBA
    from rsgeo.geo._ragged import RaggedPolygons

    geoms = np.asarray(layer.geometry.array, dtype=object)
    types = shapely.get_type_id(geoms)
    ok = ((types == 3) | (types == 6)) & ~shapely.is_empty(geoms) & ~shapely.has_z(geoms)
    flat = RaggedPolygons(geoms) if HAVE_NUMBA and len(geoms) and ok.all() else None
    if not checked:
        ok[ok] = _is_valid(geoms[ok], flat)
    if ok.all():
        return layer, GeometryReport(label=label, n_features=len(layer)), flat
    part, report = repair_geometry(layer.iloc[~ok], make_valid=make_valid, label=label)
    out = layer.copy()
    col = out.geometry.name
    fixed = geoms.copy()
    fixed[~ok] = np.asarray(part.geometry.array, dtype=object)
    out[col] = gpd.GeoSeries(fixed, index=out.index, crs=layer.crs)
    report.n_features = len(layer)
    return out, report, None
