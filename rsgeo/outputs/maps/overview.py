"""County overview map (全县总览图) for the office.

One self-contained HTML page (and a folium map that shows itself inline in
Jupyter): townships shaded by their illegal cultivated-land ratio with the
accountability line (the ``ratio_min`` of the thresholds handed in) marked in the legend, patches coloured
by class with a popup of their overlay table in Chinese, toggleable reference
layers, legend, scale bar and a measuring tool.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from rsgeo.errors import OutputExistsError
from rsgeo.geo.units import format_half_up
from rsgeo.options import CriteriaThresholds
from rsgeo.outputs.maps._build import (
    BasemapDatum,
    bounds_latlon,
    build_map,
    check_inputs,
    class_legend,
    datum_note,
    display_geometry,
    feature_collection,
    not_drawn_note,
    ordinary_patches,
    patch_features,
    reference_entries,
    reference_legend,
    repaired,
    with_area,
)
from rsgeo.schema.labels import LAYER_LABELS

__all__ = ["county_map", "ratio_bins"]

_RATIO_COLORS = ("#fee5d9", "#fcae91", "#fb6a4a", "#a50f15")
_NO_DATA_COLOR = "#e0e0e0"


def _pct(value: float) -> str:
    return f"{value * 100:g} %"


def ratio_bins(threshold: float) -> list[tuple[float, float, str, str]]:
    """Shading classes of the illegal farmland ratio: (low, high, colour, label).

    The last class starts at the accountability threshold (≥, as in the
    work plan's criterion 1), so the line is a class boundary.

    Examples
    --------
    >>> [b[3] for b in ratio_bins(0.15)]
    ['< 5 %', '5 % – 10 %', '10 % – 15 %', '≥ 15 %（问责线）']
    """
    cuts = [0.0, threshold / 3, 2 * threshold / 3, threshold, math.inf]
    labels = [
        f"< {_pct(cuts[1])}",
        f"{_pct(cuts[1])} – {_pct(cuts[2])}",
        f"{_pct(cuts[2])} – {_pct(cuts[3])}",
        f"≥ {_pct(threshold)}（问责线）",
    ]
    return [(cuts[i], cuts[i + 1], _RATIO_COLORS[i], labels[i]) for i in range(4)]


def _ratio_color(value: Any, bins: Sequence[tuple[float, float, str, str]]) -> str:
    try:
        ratio = float(value)
    except (TypeError, ValueError):
        return _NO_DATA_COLOR
    if not math.isfinite(ratio):
        return _NO_DATA_COLOR
    for low, high, color, _ in bins:
        if low <= ratio < high:
            return color
    return bins[0][2] if ratio < 0 else bins[-1][2]


def township_layer(
    townships: gpd.GeoDataFrame,
    stats: pd.DataFrame | None,
    *,
    threshold: float,
    tolerance_m: float,
    datum: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Township polygons with their fill colour and tooltip; and the legend."""
    tw = townships.copy()
    if tw.index.name == "township_code" and "township_code" not in tw.columns:
        tw = tw.reset_index()
    tw["township_code"] = tw["township_code"].astype(str)
    if stats is not None:
        st = stats.copy()
        if "township_code" in st.columns:
            st = st.set_index("township_code")
        st.index = st.index.astype(str)
        tw["illegal_farmland_ratio"] = tw["township_code"].map(st["illegal_farmland_ratio"])
        if "township_name" in st.columns and "township_name" not in tw.columns:
            tw["township_name"] = tw["township_code"].map(st["township_name"])
    bins = ratio_bins(threshold)
    has_ratio = "illegal_farmland_ratio" in tw.columns
    geoms = repaired(tw.geometry, what="township")
    shown = display_geometry(geoms, tolerance_m=tolerance_m, datum=datum)
    props = []
    for _, row in tw.iterrows():
        name = str(row.get("township_name") or row["township_code"])
        ratio = row.get("illegal_farmland_ratio") if has_ratio else None
        try:
            ratio_f = float(ratio) if ratio is not None else math.nan
        except (TypeError, ValueError):
            ratio_f = math.nan
        if has_ratio:
            text = f"{format_half_up(ratio_f * 100)} %" if math.isfinite(ratio_f) else "无数据"
            tip = f"{name}：违法占用耕地比例 {text}"
            if math.isfinite(ratio_f) and ratio_f >= threshold:
                tip += f"（达到 {_pct(threshold)} 问责线）"
            fill = _ratio_color(ratio_f, bins)
        else:
            tip, fill = name, "#ffffff"
        props.append({"code": str(row["township_code"]), "tip": tip, "fill": fill})
    legend: dict[str, Any] = {"title": "乡镇违法占用耕地比例", "items": []}
    if has_ratio:
        legend["items"] = [
            {"label": label, "color": color, "mark": low == threshold}
            for low, _, color, label in bins
        ] + [{"label": "无数据", "color": _NO_DATA_COLOR}]
        legend["note"] = (
            f"问责条件一：比例 ≥ {_pct(threshold)} 且违法占用耕地面积超过阈值（见统计表）"
        )
    else:
        legend["items"] = [{"label": LAYER_LABELS["townships"], "color": "#444444", "line": True}]
    return feature_collection(shown, props), legend


def county_map(
    patches: gpd.GeoDataFrame,
    *,
    townships: gpd.GeoDataFrame | None = None,
    stats: pd.DataFrame | None = None,
    layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    show_layers: Sequence[str] | None = None,
    path: str | Path | None = None,
    overwrite: bool = False,
    thresholds: CriteriaThresholds | None = None,
    title: str = "卫片执法图斑总览",
    tiles: str | None = None,
    tiles_attr: str | None = None,
    tiles_subdomains: str | Sequence[str] | None = None,
    basemap_datum: BasemapDatum = "cgcs2000",
    simplify_tolerance_m: float = 1.0,
    labels: bool = True,
    label_min_zoom: int = 15,
) -> Any:
    """County overview map: townships, patches by class, reference layers.

    Military-land patches are removed first (:func:`rsgeo.schema.military.ordinary`).
    Every attribute is HTML-escaped. The page needs no network: Leaflet is
    inlined, and there is no tile server unless ``tiles`` names one.

    Parameters
    ----------
    patches : geopandas.GeoDataFrame
        Patch table (after :func:`rsgeo.overlay` / :func:`rsgeo.classify`),
        indexed by ``patch_id``; any CRS (shown in EPSG:4490). Uses
        ``area_m2``, ``{key}_m2``, ``final_class`` / ``suggested_class``,
        ``suggested_reason``, ``determination`` … when present.
    townships : geopandas.GeoDataFrame, optional
        Township boundaries with ``township_code`` (and ``township_name``).
    stats : pandas.DataFrame, optional
        Township statistics (:func:`rsgeo.township_stats`) indexed by
        ``township_code`` with ``illegal_farmland_ratio`` (a fraction, 0–1).
    layers : mapping of str to GeoDataFrame, optional
        Reference layers to draw, by key (``pbf``, ``redline``, ``urban``,
        ``approved`` …); each can be switched on and off.
    show_layers : sequence of str, optional
        Keys of the layers shown when the page opens (default: all).
    path : str or Path, optional
        Write the page there (``.html``).
    overwrite : bool, default False
        Replace an existing file at ``path``.
    thresholds : CriteriaThresholds, optional
        The criteria thresholds the statistics used (the job's
        ``[criteria]``); its ``ratio_min`` is the accountability line marked
        in the legend. Defaults when None.
    title : str
        Page and map title.
    tiles, tiles_attr, tiles_subdomains : str, optional
        A tile URL template the user configures (for example Tianditu with a
        key). None (default): no basemap, nothing is fetched.
    basemap_datum : {"cgcs2000", "wgs84", "gcj02"}, default "cgcs2000"
        Datum of the basemap tiles. ``"gcj02"`` converts every overlay to
        GCJ-02 so it lines up with Gaode/Tencent tiles.
    simplify_tolerance_m : float, default 1.0
        Display simplification in metres (areas in popups come from the table).
    labels : bool, default True
        Label patches with their monitoring number (from ``label_min_zoom``).
    label_min_zoom : int, default 15
        Zoom level from which labels show.

    Returns
    -------
    folium.Map
        The map; ``m.save(path)`` and Jupyter display produce offline pages.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> p = gpd.GeoDataFrame({"final_class": ["违法"], "area_m2": [400.0]},
    ...     geometry=[box(36500000, 2790000, 36500020, 2790020)],
    ...     index=pd.Index(["P1"], name="patch_id"), crs="EPSG:4524")
    >>> m = county_map(p)
    >>> html = m.get_root().render()
    >>> "P1" in html and "cdn.jsdelivr" not in html
    True
    """
    check_inputs(
        patches,
        townships=townships,
        layers=layers,
        stats=stats,
        basemap_datum=basemap_datum,
        tiles=tiles,
    )
    ratio_threshold = CriteriaThresholds.coerce(thresholds).ratio_min
    if path is not None and Path(path).exists() and not overwrite:
        raise OutputExistsError(f"{path} exists; pass overwrite=True to replace it")
    drawable, n_blank = ordinary_patches(patches)
    shown = with_area(drawable)
    fc, counts = patch_features(
        shown, tolerance_m=simplify_tolerance_m, datum=basemap_datum, layers=layers
    )
    legend = [class_legend(counts)]
    township_fc = None
    if townships is not None:
        township_fc, tw_legend = township_layer(
            townships,
            stats,
            threshold=ratio_threshold,
            tolerance_m=max(simplify_tolerance_m, 5.0),
            datum=basemap_datum,
        )
        legend.append(tw_legend)
    refs = reference_entries(
        layers, tolerance_m=simplify_tolerance_m, datum=basemap_datum, show=show_layers
    )
    ref_legend = reference_legend(refs)
    if ref_legend:
        legend.append(ref_legend)
    fit = bounds_latlon([c for c in (township_fc, fc) if c is not None])
    cfg = {
        "patches": fc,
        "patchesLabel": "变化图斑",
        "townships": township_fc,
        "townshipsLabel": "乡镇（违法占用耕地比例）",
        "townshipFillOpacity": 0.45 if stats is not None else 0.0,
        "reference": refs,
        "legend": legend,
        "labels": labels,
        "labelMinZoom": label_min_zoom,
        "collapseLayers": False,
        "info": [
            title,
            f"图斑 {len(fc['features'])} 个",
            *not_drawn_note(n_blank),
            datum_note(basemap_datum),
        ],
        "list": False,
        "locate": False,
        "datum": basemap_datum,
        "fit": fit,
    }
    fmap = build_map(
        cfg,
        title=title,
        tiles=tiles,
        tiles_attr=tiles_attr,
        tiles_subdomains=tiles_subdomains,
    )
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fmap.save(str(path))
    return fmap
