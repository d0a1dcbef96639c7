"""Reference layers on a map page: cut to what the page shows and simplified for display.

A page shows its reference layers (permanent basic farmland, the red line,
approvals, …) only around its patches (:func:`shown_area`): each feature is
cut to the boxes it meets (:func:`clipped`), then drawn like the patches
(:func:`rsgeo.outputs.maps._build.display_geometry`), in its layer's colour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from rsgeo.outputs.maps._build import _polygonal, display_geometry, feature_collection, repaired
from rsgeo.outputs.maps.popup import LAYER_LABELS

__all__ = [
    "REFERENCE_STYLES",
    "clipped",
    "clipped_layers",
    "reference_entries",
    "reference_legend",
    "shown_area",
]

REFERENCE_STYLES: dict[str, tuple[str, str | None]] = {
    # key: (colour, dash pattern)
    "pbf": ("#e6ab02", None),
    "redline": ("#c51b7d", None),
    "urban": ("#6a3d9a", "6 4"),
    "approved": ("#33a02c", None),
    "farmland": ("#b2df8a", None),
    "protected": ("#1b9e77", "2 4"),
    "facility": ("#a6761d", None),
    "temporary": ("#999999", "4 2"),
    "mining_rights": ("#8c510a", "6 2"),
}
_OTHER_REF_COLORS = ("#e7298a", "#66a61e", "#666666", "#1f78b4")


def shown_area(geoms: gpd.GeoSeries, *, margin_m: float) -> Any:
    """The area a map shows reference layers in: each patch's box grown by ``margin_m``.

    A GeometryCollection of the boxes (in the CRS of ``geoms``, metres), not
    their union: :func:`clipped` cuts a feature by the few boxes it meets, so
    the cost stays with the feature however many patches the page holds.
    """
    values = geoms.to_numpy()
    values = values[~(shapely.is_missing(values) | shapely.is_empty(values))]
    if not len(values):
        return shapely.GeometryCollection()
    b = shapely.bounds(values)
    boxes = shapely.box(
        b[:, 0] - margin_m, b[:, 1] - margin_m, b[:, 2] + margin_m, b[:, 3] + margin_m
    )
    return shapely.GeometryCollection(list(boxes))


_CLIP_CHUNK = 100_000
"""Features cut per step by :func:`clipped`: the (feature, polygon) pairs of
a step are held at once, so memory stays bounded on a province's layer."""


def clipped(geoms: gpd.GeoSeries, area: Any) -> gpd.GeoSeries:
    """The features of ``geoms`` that meet ``area`` in more than a boundary, cut to it.

    ``area`` is a polygon or a collection of (possibly overlapping) polygons,
    such as :func:`shown_area`'s boxes; what is kept is each feature's part
    inside their union. The pairs are found with one query of the layer's
    spatial index, or, above :data:`_CLIP_CHUNK` polygons (a province's
    patches), through an index over the polygons, :data:`_CLIP_CHUNK`
    features at a time, so memory stays bounded; a feature inside one of
    the polygons is kept whole, one that meets a single polygon is cut by it
    in one vectorised call, and only a feature across several is cut by the
    union of those few. Index and CRS are those of ``geoms``.
    """
    return clipped_layers({"": geoms}, area)[""]


def clipped_layers(layers: Mapping[str, gpd.GeoSeries], area: Any) -> dict[str, gpd.GeoSeries]:
    """:func:`clipped` of several layers by one area (its polygons taken apart once)."""
    pieces = _area_pieces(area)
    out = {}
    for key, geoms in layers.items():
        if pieces is None:
            out[key] = geoms.iloc[:0]
            continue
        values, feats = _clipped_values(geoms, pieces)
        out[key] = gpd.GeoSeries(values, index=geoms.index[feats], crs=geoms.crs)
    return out


_Pieces = tuple[np.ndarray, np.ndarray, bool]
"""The polygons of an area, their bounds, and whether all are axis-parallel rectangles."""


def _area_pieces(area: Any) -> _Pieces | None:
    """:func:`clipped`'s view of ``area`` (None when it is empty), worked out once a page."""
    parts = shapely.get_parts(area)
    parts = parts[~shapely.is_empty(parts)] if len(parts) else parts
    if not len(parts):
        return None
    pb = shapely.bounds(parts)
    boxes = bool(
        np.allclose(
            shapely.area(parts), (pb[:, 2] - pb[:, 0]) * (pb[:, 3] - pb[:, 1]), rtol=1e-12, atol=0.0
        )
    )  # axis-parallel rectangles (shown_area's): box tests are exact, no predicates needed
    return parts, pb, boxes


def _clipped_values(geoms: gpd.GeoSeries, pieces: _Pieces) -> tuple[np.ndarray, np.ndarray]:
    """:func:`clipped` as arrays: the cut features and their positions in ``geoms``."""
    parts, pb, boxes = pieces
    values = geoms.to_numpy()
    predicate = None if boxes else "intersects"
    if len(parts) <= _CLIP_CHUNK:  # a page's area: the layer's own index, queried once
        part_i, feat_i = geoms.sindex.query(parts, predicate=predicate)
        return _clip_chunk(values, feat_i, part_i, parts, pb, boxes=boxes)
    tree = shapely.STRtree(parts)  # a province's patches: the features a step at a time
    kept: list[np.ndarray] = []
    cut: list[np.ndarray] = []
    for start in range(0, len(values), _CLIP_CHUNK):
        chunk = values[start : start + _CLIP_CHUNK]
        feat_i, part_i = tree.query(chunk, predicate=predicate)
        out, feats = _clip_chunk(chunk, feat_i, part_i, parts, pb, boxes=boxes)
        kept.append(feats + start)
        cut.append(out)
    feats = np.concatenate(kept) if kept else np.empty(0, dtype=np.intp)
    out = np.concatenate(cut) if cut else np.empty(0, dtype=object)
    return out, feats


def _clip_chunk(
    values: np.ndarray,
    feat_i: np.ndarray,
    part_i: np.ndarray,
    parts: np.ndarray,
    pb: np.ndarray,
    *,
    boxes: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`clipped` for some features and their (feature, polygon) pairs: (cut, feature)."""
    order = np.lexsort((part_i, feat_i))
    part_i, feat_i = part_i[order], feat_i[order]
    if boxes:  # a rectangle covers a feature when it holds the feature's box
        fb, rb = shapely.bounds(values[feat_i]), pb[part_i]
        inside = (fb[:, :2] >= rb[:, :2]).all(axis=1) & (fb[:, 2:] <= rb[:, 2:]).all(axis=1)
    else:
        inside = shapely.covers(parts[part_i], values[feat_i])
    feats, first, counts = np.unique(feat_i, return_index=True, return_counts=True)
    whole = np.logical_or.reduceat(inside, first) if len(first) else inside[:0]
    out = np.empty(len(feats), dtype=object)
    out[whole] = values[feats[whole]]
    one = (counts == 1) & ~whole  # most features meet one polygon: cut them all at once
    out[one] = shapely.intersection(values[feats[one]], parts[part_i[first[one]]])
    for k in np.flatnonzero(~one & ~whole):  # the union of the few polygons it meets
        near = parts[part_i[first[k] : first[k] + counts[k]]]
        out[k] = shapely.intersection(values[feats[k]], shapely.union_all(near))
    mixed = np.flatnonzero(shapely.get_type_id(out) == 7)  # GeometryCollection
    polygonal = shapely.get_dimensions(values[feats]) == 2
    for k in mixed[polygonal[mixed]]:
        out[k] = _polygonal(out[k])
    solid = ~shapely.is_empty(out)
    solid &= shapely.get_dimensions(out) >= shapely.get_dimensions(values[feats])
    return out[solid], feats[solid]


_Layer = tuple[str, np.ndarray, pd.Index, Any]
"""A reference layer cut to a page: key, geometries, their labels, CRS."""


def _display_layers(cut: Sequence[_Layer], *, tolerance_m: float, datum: str) -> list[np.ndarray]:
    """:func:`display_geometry` of each layer's (repaired) features.

    Layers in one projected CRS (a page's cut layers) are drawn in one call:
    the same geometry, feature by feature, without a page's fixed costs once
    per layer.
    """

    def series(layer: _Layer) -> gpd.GeoSeries:
        key, values, index, crs = layer
        return repaired(gpd.GeoSeries(values, index=index, crs=crs), what=f"{key} layer")

    crs = cut[0][3] if cut else None
    if len(cut) < 2 or crs is None or crs.is_geographic or any(c[3] != crs for c in cut):
        return [
            display_geometry(series(c), tolerance_m=tolerance_m, datum=datum).to_numpy()
            for c in cut
        ]
    parts = []
    for c in cut:
        values = c[1]
        if not (shapely.is_valid(values) | shapely.is_missing(values)).all():
            values = series(c).to_numpy()
        parts.append(values)
    drawn = display_geometry(
        gpd.GeoSeries(np.concatenate(parts), crs=crs), tolerance_m=tolerance_m, datum=datum
    ).to_numpy()
    ends = np.cumsum([len(v) for v in parts])
    return [drawn[end - len(v) : end] for v, end in zip(parts, ends, strict=True)]


def reference_entries(
    layers: Mapping[str, gpd.GeoDataFrame | gpd.GeoSeries] | None,
    *,
    tolerance_m: float,
    datum: str,
    show: Sequence[str] | None,
    area: Any = None,
    area_crs: Any = None,
) -> list[dict[str, Any]]:
    """Reference layers for the page (geometry only), cut to ``area`` and simplified.

    ``area`` (in ``area_crs``) is what the page shows (:func:`shown_area`);
    None draws each layer whole, which only suits small layers.
    """
    pieces = None if area is None else _area_pieces(area)
    cut: list[_Layer] = []
    for key, layer in (layers or {}).items():
        geoms = layer if isinstance(layer, gpd.GeoSeries) else layer.geometry
        if area is not None and geoms.crs is not None and area_crs is not None:
            geoms = geoms if geoms.crs == area_crs else geoms.to_crs(area_crs)
        if area is None:
            cut.append((key, geoms.to_numpy(), geoms.index, geoms.crs))
        elif pieces is None:
            cut.append((key, np.empty(0, dtype=object), geoms.index[:0], geoms.crs))
        else:
            values, feats = _clipped_values(geoms, pieces)
            cut.append((key, values, geoms.index[feats], geoms.crs))
    out: list[dict[str, Any]] = []
    for i, ((key, *_), shown) in enumerate(
        zip(cut, _display_layers(cut, tolerance_m=tolerance_m, datum=datum), strict=True)
    ):
        color, dash = REFERENCE_STYLES.get(key, (_OTHER_REF_COLORS[i % 4], None))
        out.append(
            {
                "key": key,
                "label": LAYER_LABELS.get(key, key),
                "color": color,
                "dash": dash,
                "show": show is None or key in show,
                "geojson": feature_collection(shown),
            }
        )
    return out


def reference_legend(entries: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    if not entries:
        return None
    items = [{"label": e["label"], "color": e["color"]} for e in entries]
    return {"title": "参考图层（可在右上角开关）", "items": items}
