"""Overlay change patches with reference layers: official areas, by township.

:func:`overlay` gives one row per patch with its ellipsoidal area and, for
each reference layer, the area of the patch inside the **union** of that
layer (overlapping or duplicated features never count twice), the net
farmland area, the attributes of the features it touches and the township
holding the largest share. :func:`overlay_pieces` gives the same columns per
patch × township piece, for statistics; :func:`patches_from_pieces` folds
pieces back into patches. Column names are in ``docs/columns.md``.

Rules
-----
* Geometry is computed in the (projected) CRS shared by all inputs; areas are
  ellipsoidal m² on CGCS2000 by the land-survey procedure
  (``rsgeo.ellipsoidal_area``'s default): a patch's ``area_m2`` is its survey
  area, and a piece's plane area is scaled by its patch's survey/plane ratio,
  corrected for the gradient of the projection's areal scale across the
  patch, so the pieces of a patch add up to its survey area. That is the
  piece's geodesic area times the patch's survey/geodesic ratio (to about
  1e-7 of the patch area); the survey procedure applied to the piece itself
  differs by the edge effects of the piece's own edges, up to ~0.01 m² on
  hectare-sized pieces (``docs/areas.md``).
* Where features of one layer overlap, each part of a patch is credited to
  the feature listed first in the layer (lowest row): ``{key}_m2`` is the
  area inside the union and ``farmland_net_m2`` uses the ridge coefficient
  of the feature credited.
* A (piece, feature) intersection smaller than ``min_piece_m2`` (default
  0.01 m²) is a sliver: it adds no area, no net area and no attribute.
  Township pieces smaller than it are dropped too (unless they are the
  whole patch), so pieces add up to the patch up to those slivers.
* The ``farmland`` layer counts cultivated land only: features whose land
  class (``land_class_code``, DLBM) is not 0101/0102/0103 are left out
  (:func:`rsgeo.analysis.overlay_inputs.cultivated_only`), whatever road
  leads here.
* Invalid geometry is repaired (``rsgeo.repair_geometry``, applied to the
  invalid, non-polygonal, empty or 3-D features only; valid polygons and
  multipolygons are used as given); empty patches are kept with zero areas. The repairs, timings and counts are in
  ``result.attrs["rsgeo_overlay_report"]`` (:class:`OverlayReport`).
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from rsgeo.analysis.overlay_inputs import check_overlay_inputs, prepare_overlay_inputs
from rsgeo.errors import InputError
from rsgeo.geo._overlay_engine import overlay_layer
from rsgeo.geo.area import areal_scale_gradient, ellipsoidal_area
from rsgeo.geo.repair import GeometryReport
from rsgeo.schema.fields import OUTSIDE_TOWNSHIP_CODE
from rsgeo.schema.labels import OUTSIDE_TOWNSHIPS_NAME

__all__ = ["OverlayReport", "overlay", "overlay_pieces", "patches_from_pieces"]

DEFAULT_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "approved": ("doc_number", "approval_date"),
    "farmland": ("land_class_code",),
    "redline": ("name",),
    "protected": ("name",),
    "facility": ("doc_number",),
    "temporary": ("doc_number", "valid_from", "valid_to"),
    "mining_rights": ("licence_number", "mineral", "valid_from", "valid_to"),
}
"""Attributes reported by default, per layer key, when the layer has them: every
field the classification rules read (a licence is checked on both its dates)."""

OUTSIDE = OUTSIDE_TOWNSHIP_CODE
"""``township_code`` of the part of a patch outside every township (its
``township_name`` is :data:`rsgeo.schema.labels.OUTSIDE_TOWNSHIPS_NAME`)."""


@dataclass
class OverlayReport:
    """What :func:`overlay` did: repairs, timings (s), counts per layer."""

    crs: str
    engine: str
    min_piece_m2: float
    by_township: bool = True
    geometry: dict[str, GeometryReport] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    layer_stats: dict[str, dict[str, int]] = field(default_factory=dict)

    def summary(self) -> str:
        """Readable text of the report."""
        lines = [f"overlay in {self.crs} ({self.engine}), slivers < {self.min_piece_m2} m²"]
        lines += [f"  {k}: {v:.3f} s" for k, v in self.timings.items()]
        lines += [f"  {k}: {v}" for k, v in self.layer_stats.items()]
        lines += [r.summary() for r in self.geometry.values() if r.has_problems]
        return "\n".join(lines)

    def __deepcopy__(self, memo: dict[int, Any]) -> OverlayReport:
        # finished when attached: pandas deep-copies ``attrs`` on every
        # operation on the table, and the copies share this one report
        return self


def _text(value: Any) -> str:
    return value.isoformat()[:10] if hasattr(value, "isoformat") else str(value)


def _join_codes(groups: np.ndarray, codes: np.ndarray, texts: Sequence[str], n: int) -> np.ndarray:
    """Per group ``0..n-1``: the distinct non-empty ``texts[code]``, sorted, ``"; "``-joined.

    ``codes`` of -1 are missing values. Vectorised: with up to 63 distinct
    texts each group's set is a bit mask, and only distinct masks are joined
    in Python.
    """
    out = np.full(n, "", dtype=object)
    tcode, tuniq = pd.factorize(np.asarray(list(texts), dtype=object))  # equal texts merge
    tuniq = np.asarray(tuniq, dtype=object)
    order = np.argsort(tuniq.astype(str), kind="stable")
    rank = np.empty(len(tuniq), dtype=np.int64)
    rank[order] = np.arange(len(tuniq))
    names = tuniq[order]
    ok = codes >= 0
    r = rank[tcode[codes[ok]]] if ok.any() else np.zeros(0, dtype=np.int64)
    g = np.asarray(groups)[ok]
    nonblank = names[r] != ""
    g, r = g[nonblank], r[nonblank]
    if len(g) == 0:
        return out
    if len(names) <= 63:
        mask = np.zeros(n, dtype=np.uint64)
        np.bitwise_or.at(mask, g, np.left_shift(np.uint64(1), r.astype(np.uint64)))
        has = np.flatnonzero(mask)
        m = mask[has]
        srt = np.sort(m)
        distinct = srt[np.r_[True, srt[1:] != srt[:-1]]]
        strings = np.empty(len(distinct), dtype=object)
        strings[:] = [
            "; ".join(names[k] for k in range(len(names)) if (int(d) >> k) & 1) for d in distinct
        ]
        out[has] = strings[np.searchsorted(distinct, m)]
        return out
    key = np.sort(g * len(names) + r)
    key = key[np.r_[True, key[1:] != key[:-1]]]
    g2, r2 = key // len(names), key % len(names)
    starts = np.flatnonzero(np.r_[True, g2[1:] != g2[:-1]])
    ends = np.r_[starts[1:], len(g2)]
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        out[g2[s]] = "; ".join(names[r2[s:e]])
    return out


def _joined(work: np.ndarray, values: pd.Series, n: int) -> np.ndarray:
    """Per work piece: distinct attribute values of its features, sorted, joined."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    return _join_codes(work, codes, [_text(u) for u in uniques], n)


def _work_pieces(
    geoms: np.ndarray, townships: gpd.GeoDataFrame | None, min_plane_m2: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(work geometries, owning patch row, township row or -1)."""
    n = len(geoms)
    if townships is None:
        return geoms, np.arange(n), np.full(n, -1)
    tg = np.asarray(townships.geometry.array, dtype=object)
    tree = shapely.STRtree(tg)
    pi, ti = tree.query(geoms, predicate="intersects")
    shapely.prepare(tg)
    whole = shapely.covers(tg[ti], geoms[pi])
    pieces = geoms[pi].copy()
    cut = ~whole
    pieces[cut] = shapely.intersection(geoms[pi[cut]], tg[ti[cut]])
    owner, town = pi.astype(np.int64), ti.astype(np.int64)
    # the part outside every township
    inside_sum = np.bincount(owner, weights=shapely.area(pieces), minlength=n)
    gap = shapely.area(geoms) - inside_sum > min_plane_m2
    if gap.any():
        rows = np.flatnonzero(gap)
        rest = np.array(
            [shapely.difference(geoms[r], shapely.union_all(pieces[owner == r])) for r in rows],
            dtype=object,
        )
        pieces = np.concatenate([pieces, rest])
        owner = np.concatenate([owner, rows])
        town = np.concatenate([town, np.full(len(rows), -1)])
    area = shapely.area(pieces)
    n_pieces = np.bincount(owner, minlength=n)
    keep = (area >= min_plane_m2[owner]) | (n_pieces[owner] == 1)
    pieces, owner, town = pieces[keep], owner[keep], town[keep]
    missing = np.flatnonzero(np.bincount(owner, minlength=n) == 0)  # empty patches keep one piece
    if len(missing):
        pieces = np.concatenate([pieces, geoms[missing]])
        owner = np.concatenate([owner, missing])
        town = np.concatenate([town, np.full(len(missing), -1)])
    order = np.lexsort((town, owner))
    return pieces[order], owner[order], town[order]


def overlay_pieces(
    patches: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame | str | Path],
    *,
    townships: gpd.GeoDataFrame | None,
    attributes: Mapping[str, Sequence[str]] | None = None,
    min_piece_m2: float = 0.01,
    to_crs: Any = None,
    make_valid: bool = True,
    checked: Collection[str] = (),
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> gpd.GeoDataFrame:
    """Areas of every patch × township piece inside every reference layer.

    Parameters
    ----------
    patches : GeoDataFrame
        Change patches indexed by ``patch_id``. Not modified.
    layers : mapping of str to GeoDataFrame or path
        Reference layers by key (``"farmland"``, ``"pbf"``, ``"redline"``,
        ``"urban"``, ``"approved"``, ... any snake_case name). A path is read
        with :func:`rsgeo.analysis.overlay_inputs.read_layer_for` (only features the
        patches can touch).
    townships : GeoDataFrame or None
        Township polygons with ``township_code`` and ``township_name``; None
        gives one piece per patch with ``township_code`` ``""``.
    attributes : mapping of str to list of str, optional
        Fields to report per layer (``{key}_{field}``); by default
        :data:`DEFAULT_ATTRIBUTES` where the layer has the field.
    min_piece_m2 : float, default 0.01
        Sliver tolerance (ellipsoidal m²), see the module notes.
    to_crs : CRS-like or "auto", optional
        Reproject every input to this CRS first (``"auto"``: the Gauss-Krüger
        zone of the patches). By default all inputs must share one projected
        CRS (:class:`~rsgeo.errors.CRSMismatchError` otherwise).
    make_valid : bool, default True
        Repair invalid geometry; False raises on invalid geometry.
    checked : collection of str, default ()
        Keys of ``layers`` (GeoDataFrames) that rsgeo's readers have read,
        checked and repaired (:func:`rsgeo.read_layer`,
        :func:`rsgeo.io.windowed.read_layer_near`, ...) and that are unchanged
        since: their polygons are taken as valid, not checked again (about a
        twentieth of the overlay of a county batch). A layer edited or built
        another way must not be named: an invalid polygon taken as valid gives
        wrong areas, or a GEOS error where GEOS cuts it. Ignored with
        ``to_crs`` (reprojected layers are checked).
    n_jobs : int, optional
        Threads (default: all cores, at most 8).
    progress : bool, optional
        Progress bar; by default shown when stderr is a terminal.

    Returns
    -------
    GeoDataFrame
        MultiIndex ``(patch_id, township_code)``; ``township_name``,
        ``area_m2``, ``{key}_m2``, ``farmland_net_m2``, ``{key}_{field}`` and
        the piece geometry.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> p = gpd.GeoDataFrame(geometry=[box(500000, 2800000, 500100, 2800100)],
    ...                      index=pd.Index(["A"], name="patch_id"), crs=4545)
    >>> t = gpd.GeoDataFrame({"township_code": ["1", "2"], "township_name": ["东", "西"]},
    ...                      geometry=[box(499000, 2799000, 500030, 2801000),
    ...                                box(500030, 2799000, 501000, 2801000)], crs=4545)
    >>> pieces = overlay_pieces(p, {}, townships=t)
    >>> (pieces["area_m2"] / p.area.sum()).round(3).tolist()
    [0.3, 0.7]
    """
    return _overlay_core(
        patches,
        layers,
        townships=townships,
        attributes=attributes,
        min_piece_m2=min_piece_m2,
        to_crs=to_crs,
        make_valid=make_valid,
        checked=checked,
        n_jobs=n_jobs,
        progress=progress,
    )[0]


def _overlay_core(
    patches: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame | str | Path],
    *,
    townships: gpd.GeoDataFrame | None,
    attributes: Mapping[str, Sequence[str]] | None,
    min_piece_m2: float,
    to_crs: Any,
    make_valid: bool,
    n_jobs: int | None,
    progress: bool | None,
    checked: Collection[str] = (),
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    check_overlay_inputs(patches, layers, townships, min_piece_m2, attributes, checked)
    t0 = time.perf_counter()
    pt, lays, tw, (crs_text, repairs), flats = prepare_overlay_inputs(
        patches, layers, townships, to_crs, make_valid, frozenset(checked)
    )
    report = OverlayReport(crs=crs_text, engine="", min_piece_m2=float(min_piece_m2))
    report.geometry.update(repairs)
    from rsgeo.geo._clip_kernel import HAVE_NUMBA

    report.engine = "numba kernel + GEOS" if HAVE_NUMBA else "GEOS"
    report.timings["prepare"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    crs = pyproj.CRS.from_user_input(pt.crs)
    geoms = np.asarray(pt.geometry.array, dtype=object)
    patch_ell = ellipsoidal_area(geoms, crs=crs)
    patch_plane = np.asarray(shapely.area(geoms), dtype=np.float64)
    ratio = np.divide(patch_ell, patch_plane, out=np.zeros_like(patch_ell), where=patch_plane > 0)
    cent = shapely.get_coordinates(shapely.centroid(geoms))
    centroid = np.zeros((len(geoms), 2))
    centroid[~shapely.is_empty(geoms)] = cent
    grad = areal_scale_gradient(centroid[:, 0], centroid[:, 1], crs)
    min_plane = min_piece_m2 / np.where(ratio > 0, ratio, 1.0)
    work, owner, town = _work_pieces(geoms, tw, min_plane)
    origin = centroid[owner]
    report.timings["patch areas and township pieces"] = time.perf_counter() - t1

    def ell(plane: np.ndarray, sx: np.ndarray, sy: np.ndarray, own: np.ndarray) -> np.ndarray:
        return ratio[own] * (plane - grad[own, 0] * sx - grad[own, 1] * sy)

    whole = (town < 0) & (np.bincount(owner, minlength=len(geoms))[owner] == 1)
    if whole.all():  # no township cut: every piece is its patch
        w_ell = np.nan_to_num(patch_ell[owner])
    else:
        w_area = np.asarray(shapely.area(work), dtype=np.float64)
        wc = np.zeros((len(work), 2))
        ne = ~shapely.is_empty(work)
        wc[ne] = shapely.get_coordinates(shapely.centroid(work[ne]))
        w_ell = ell(
            w_area, w_area * (wc[:, 0] - origin[:, 0]), w_area * (wc[:, 1] - origin[:, 1]), owner
        )
        w_ell = np.where(whole, patch_ell[owner], np.where(ne, w_ell, 0.0))
        w_ell = np.nan_to_num(w_ell)
    cols: dict[str, Any] = {"area_m2": w_ell}

    bar = _progress_bar(progress, len(work) * max(1, len(lays)))
    for key, lay in lays.items():
        t2 = time.perf_counter()
        feats = np.asarray(lay.geometry.array, dtype=object)
        res = overlay_layer(
            work,
            origin,
            feats,
            n_jobs=n_jobs,
            progress=None if bar is None else bar.update,
            work_flat=flats["patches"] if tw is None else None,
            feat_flat=flats[key],
            pairs=flats["pairs"][key] if tw is None else None,
        )
        own = owner[res.work]
        raw_ell = res.raw_area * ratio[own]
        eff_ell = np.nan_to_num(ell(res.eff_area, res.eff_sx, res.eff_sy, own))
        df = pd.DataFrame({"w": res.work, "f": res.feature, "raw": raw_ell, "eff": eff_ell})
        # summed in (piece, feature) order, not in the order the tree found the pairs:
        # a piece's figures do not depend on which other features were read
        # (a partition of a province reads fewer than the whole run)
        df = df.groupby(["w", "f"], sort=True, as_index=False).sum()
        df = df[df["raw"] >= min_piece_m2]
        w_idx = df["w"].to_numpy()
        f_idx = df["f"].to_numpy()
        total = np.bincount(w_idx, weights=df["eff"].to_numpy(), minlength=len(work))
        cols[f"{key}_m2"] = np.clip(total, 0.0, w_ell)
        if key == "farmland" and "ridge_coef" in lay.columns:
            coef = pd.to_numeric(lay["ridge_coef"], errors="coerce").fillna(0.0).to_numpy()
            net = df["eff"].to_numpy() * (1.0 - coef[f_idx])
            # net of ridges never exceeds gross, by construction (the sums of the
            # same pieces may differ in their last bits)
            cols[f"{key}_net_m2"] = np.clip(
                np.bincount(w_idx, weights=net, minlength=len(work)), 0.0, cols[f"{key}_m2"]
            )
        wanted = (attributes or {}).get(key)
        if wanted is None:
            wanted = [c for c in DEFAULT_ATTRIBUTES.get(key, ()) if c in lay.columns]
        for fld in wanted:
            cols[f"{key}_{fld}"] = _joined(w_idx, lay[fld].iloc[f_idx], len(work))
        report.timings[f"layer {key}"] = time.perf_counter() - t2
        report.layer_stats[key] = res.stats
    if bar is not None:
        bar.close()

    ids = pt.index.to_numpy()[owner]
    if tw is not None:
        codes = tw["township_code"].astype("str").to_numpy(dtype=object)
        names = tw["township_name"].astype("str").to_numpy(dtype=object)
        code = np.where(town >= 0, codes[np.maximum(town, 0)], OUTSIDE)
        name = np.where(town >= 0, names[np.maximum(town, 0)], OUTSIDE_TOWNSHIPS_NAME)
    else:
        report.by_township = False
        code = np.full(len(work), OUTSIDE, dtype=object)
        name = code.copy()
    index = pd.MultiIndex.from_arrays(
        [pd.array(ids, dtype="str"), pd.array(code, dtype="str")],
        names=["patch_id", "township_code"],
    )
    out = pd.DataFrame(cols, index=index)
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].astype("str")
    # pandas-stubs leave ExtensionArray out of DataFrame.insert; pandas accepts it
    out.insert(0, "township_name", pd.array(name, dtype="str"))  # type: ignore[arg-type]
    result = gpd.GeoDataFrame(
        out, geometry=gpd.GeoSeries(work, index=index, crs=pt.crs), crs=pt.crs
    )
    report.timings["total"] = time.perf_counter() - t0
    result.attrs["rsgeo_overlay_report"] = report
    return result, pt


def _progress_bar(progress: bool | None, total: int) -> Any:
    import sys

    show = sys.stderr.isatty() if progress is None else progress
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="overlay", unit="piece")


_POINT_COLUMNS = ("point_x_m", "point_y_m", "point_lon", "point_lat")


def inner_points(
    geoms: gpd.GeoSeries,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A point inside each polygon: x, y in its CRS, and lon/lat in EPSG:4490.

    The centroid when it lies inside the polygon, else a point on its
    surface; NaN for an empty or missing geometry (and lon/lat NaN without a CRS).
    """
    values = np.asarray(geoms.to_numpy(), dtype=object)
    empty = shapely.is_missing(values) | shapely.is_empty(values)
    pts = shapely.centroid(values)
    outside = np.flatnonzero(~empty & ~shapely.contains(values, pts))
    if len(outside):  # a point on the surface only where the centroid is not inside
        pts[outside] = shapely.point_on_surface(values[outside])
    pts[empty] = None
    x = shapely.get_x(pts)
    y = shapely.get_y(pts)
    lon = lat = np.full(len(values), np.nan)
    if geoms.crs is not None:
        to_lonlat = pyproj.Transformer.from_crs(geoms.crs, 4490, always_xy=True)
        lon, lat = (np.asarray(v, dtype="float64") for v in to_lonlat.transform(x, y))
    return x.astype("float64"), y.astype("float64"), lon, lat


def patches_from_pieces(
    pieces: gpd.GeoDataFrame, patches: gpd.GeoDataFrame, *, townships: bool = True
) -> gpd.GeoDataFrame:
    """Fold :func:`overlay_pieces` output back into one row per patch.

    Area columns are summed; ``{key}_{field}`` values are merged (distinct,
    sorted, ``"; "``); ``township_code``/``township_name`` are those of the
    largest piece inside a township and ``n_townships`` counts townships
    (with ``townships=False`` the patches' own township columns are kept).
    ``outside_townships_m2`` is the area outside every township polygon; a
    patch with no piece inside a township has ``township_code`` ``""`` and
    ``township_name`` :data:`~rsgeo.schema.labels.OUTSIDE_TOWNSHIPS_NAME`.
    The patch geometry and columns come from ``patches``; patches without
    pieces get zero areas. ``point_x_m``/``point_y_m`` (the patches' CRS)
    and ``point_lon``/``point_lat`` (EPSG:4490) are a point inside each
    patch (:func:`inner_points`), NaN without a shape.
    """
    if not isinstance(pieces, gpd.GeoDataFrame) or not isinstance(patches, gpd.GeoDataFrame):
        raise InputError("patches_from_pieces expects two GeoDataFrames (pieces, patches)")
    area_cols = [c for c in pieces.columns if c.endswith("_m2")]
    text_cols = [
        c
        for c in pieces.columns
        if c not in area_cols and c not in ("township_name", pieces.geometry.name)
    ]
    flat = pd.DataFrame(pieces.drop(columns=pieces.geometry.name)).reset_index()
    ids = patches.index.astype("str")
    sums = flat.groupby("patch_id", sort=False)[area_cols].sum().reindex(ids, fill_value=0.0)
    out = patches.copy()
    out.index = ids.rename("patch_id")
    for c, values in zip(_POINT_COLUMNS, inner_points(out.geometry), strict=True):
        out[c] = values
    for c in area_cols:
        out[c] = sums[c].to_numpy(dtype=np.float64)
    row = pd.Index(ids).get_indexer(pd.Index(flat["patch_id"].astype("str")))
    one_each = (
        (row >= 0).all() and len(row) == len(ids) and (np.sort(row) == np.arange(len(ids))).all()
    )
    for c in text_cols:
        col = flat[c].fillna("").astype("str").to_numpy(dtype=object)
        if one_each:  # one piece per patch: its values are already distinct and sorted
            merged = np.empty(len(ids), dtype=object)
            merged[row] = col
        else:
            split = pd.Series(col).str.split("; ").explode()
            codes, uniques = pd.factorize(split.to_numpy(dtype=object))
            keep = row[split.index.to_numpy()] >= 0
            merged = _join_codes(
                row[split.index.to_numpy()][keep], codes[keep], list(uniques), len(ids)
            )
        out[c] = pd.array(merged, dtype="str")
    report = pieces.attrs.get("rsgeo_overlay_report")
    if townships and not getattr(report, "by_township", True):
        townships = False  # the pieces were cut by no township table
    if townships:
        outside = flat["township_code"] == OUTSIDE
        out["outside_townships_m2"] = (
            flat.loc[outside.to_numpy()]
            .groupby("patch_id")["area_m2"]
            .sum()
            .reindex(ids, fill_value=0.0)
            .to_numpy(dtype=np.float64)
        )
        inside = flat[~outside.to_numpy()]
        if "reported_township_code" not in out.columns and "township_code" in out.columns:
            out["reported_township_code"] = out["township_code"]
        best = inside.sort_values("area_m2", ascending=False, kind="stable").drop_duplicates(
            "patch_id"
        )
        best = best.set_index("patch_id").reindex(ids)
        out["township_code"] = pd.array(
            best["township_code"].fillna(OUTSIDE).to_numpy(), dtype="str"
        )
        out["township_name"] = pd.array(
            best["township_name"].fillna(OUTSIDE_TOWNSHIPS_NAME).to_numpy(), dtype="str"
        )
        out["n_townships"] = inside.groupby("patch_id").size().reindex(ids, fill_value=0).to_numpy()
    if report is not None:
        out.attrs["rsgeo_overlay_report"] = report
    return out


def overlay(
    patches: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame | str | Path],
    *,
    townships: gpd.GeoDataFrame | None = None,
    attributes: Mapping[str, Sequence[str]] | None = None,
    min_piece_m2: float = 0.01,
    to_crs: Any = None,
    make_valid: bool = True,
    checked: Collection[str] = (),
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> gpd.GeoDataFrame:
    """Every patch's ellipsoidal area inside every reference layer.

    Parameters are those of :func:`overlay_pieces` (``townships`` optional).

    Returns
    -------
    GeoDataFrame
        One row per input patch, index ``patch_id``, the input columns, the
        repaired geometry in the working CRS, ``area_m2``, ``{key}_m2``,
        ``farmland_net_m2`` (when the farmland layer has ``ridge_coef``),
        ``{key}_{field}``; with townships also ``township_code``,
        ``township_name``, ``n_townships`` (the delivered ``township_code``
        is kept as ``reported_township_code``).

    Examples
    --------
    Two duplicated farmland squares cover half of a 100 m × 100 m patch; the
    overlap counts once:

    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> p = gpd.GeoDataFrame(geometry=[box(500000, 2800000, 500100, 2800100)],
    ...                      index=pd.Index(["A"], name="patch_id"), crs=4545)
    >>> half = box(500000, 2800000, 500050, 2800100)
    >>> f = gpd.GeoDataFrame({"ridge_coef": [0.1, 0.3]}, geometry=[half, half], crs=4545)
    >>> r = overlay(p, {"farmland": f})
    >>> round(float(r["farmland_m2"].iloc[0] / r["area_m2"].iloc[0]), 6)
    0.5
    >>> round(float(r["farmland_net_m2"].iloc[0] / r["farmland_m2"].iloc[0]), 6)  # first listed
    0.9
    """
    pieces, repaired = _overlay_core(
        patches,
        layers,
        townships=townships,
        attributes=attributes,
        min_piece_m2=min_piece_m2,
        to_crs=to_crs,
        make_valid=make_valid,
        checked=checked,
        n_jobs=n_jobs,
        progress=progress,
    )
    return patches_from_pieces(pieces, repaired, townships=townships is not None)
