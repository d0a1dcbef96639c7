"""County overview map (全县总览图) for the office.

One self-contained HTML page (and a folium map that shows itself inline in
Jupyter): townships shaded by the accountability criteria they meet (the
statistics' own ``criterion_1`` … ``criterion_5``; the legend prints criterion
1 with the job's thresholds), each with a tooltip and a popup of the figures
the workbook's 乡镇汇总 and 问责预警 print, rounded the same way; patches coloured
by class with a popup of their overlay table in Chinese, toggleable reference
layers, legend, scale bar and a measuring tool.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import pandas as pd

from rsgeo.errors import InputError, OutputExistsError
from rsgeo.geo.units import M2_PER_MU, format_half_up, round_half_up
from rsgeo.options import CriteriaThresholds, MapOptions
from rsgeo.outputs.maps._build import (
    BasemapDatum,
    Features,
    bounds_latlon,
    build_map,
    check_choice,
    check_inputs,
    class_legend,
    datum_note,
    display_geometry,
    feature_collection,
    lean_points,
    not_drawn_note,
    ordinary_patches,
    patch_features,
    repaired,
    with_area,
)
from rsgeo.outputs.maps.popup import table_html
from rsgeo.outputs.maps.reference import reference_entries, reference_legend, shown_area
from rsgeo.outputs.workbook import shown_areas
from rsgeo.schema.labels import COLUMN_LABELS, CRITERION_NAMES, LAYER_LABELS, MAP_LABELS
from rsgeo.stats.township import TOTAL_LABEL, summed_rows

__all__ = ["CRITERIA_COLORS", "county_map", "township_layer"]

CRITERIA_COLORS: dict[str, str] = {
    "criterion_1_met": "#a50f15",
    "other_criteria_met": "#fd8d3c",
    "no_criteria_met": "#fff5eb",
    "no_data": "#d9d9d9",
}
"""Fill of a township by the accountability criteria it meets (keys of ``MAP_LABELS``)."""

PatchShapes = Literal["auto", "polygons", "points"]
PATCH_SHAPES: tuple[str, ...] = ("auto", "polygons", "points")

_CMP = {">=": "≥", ">": ">"}
_CHINESE_NUMBERS = "一二三四五"


def _pct(value: float) -> str:
    return f"{value * 100:g}%"


def criteria_note(thresholds: CriteriaThresholds) -> str:
    """The legend's line on criterion 1, with the job's thresholds and comparators.

    Examples
    --------
    >>> criteria_note(CriteriaThresholds(ratio_min=0.2, illegal_farmland_comparator=">="))
    '问责标准一：违法占用耕地比例 ≥ 20% 且违法占用耕地面积 ≥ 100 亩（扣减后）'
    """
    t = thresholds
    return (
        f"问责标准一：违法占用耕地比例 {_CMP[t.ratio_comparator]} {_pct(t.ratio_min)} 且违法占用"
        f"耕地面积 {_CMP[t.illegal_farmland_comparator]} {t.illegal_farmland_min_mu:g} 亩（扣减后）"
    )


def _flag(value: Any) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return bool(value)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _shown_mu(stats: pd.DataFrame, column: str) -> dict[str, float]:
    """亩 of ``column`` per row as the workbook prints them: half-up, township rows
    adjusted by largest remainders (平差) to add up to the total row."""
    if column not in stats.columns:
        return {}
    rows = summed_rows(stats)
    if TOTAL_LABEL not in set(stats.index.astype(str)):  # no total to adjust to
        rounded = [float(v) for v in round_half_up(rows[column].to_numpy() / M2_PER_MU, 2)]
    else:
        shown = shown_areas(stats, column)
        if shown is None:
            return {}
        rounded = shown[0]
    return dict(zip(rows.index.astype(str), rounded, strict=True))


def _criterion_rows(row: pd.Series) -> list[tuple[str, str]]:
    out = []
    for k in range(1, 6):
        col = f"criterion_{k}"
        if col not in row.index:
            continue
        met = "是" if _flag(row[col]) else "否"
        reason = row.get(f"{col}_reason")
        text = f"{met}：{reason}" if isinstance(reason, str) and reason else met
        out.append((f"标准{_CHINESE_NUMBERS[k - 1]}：{CRITERION_NAMES[k]}", text))
    return out


def township_layer(
    townships: gpd.GeoDataFrame,
    stats: pd.DataFrame | None,
    *,
    thresholds: CriteriaThresholds,
    tolerance_m: float,
    datum: str,
) -> tuple[Features, dict[str, Any]]:
    """Township polygons shaded by the criteria they meet, with tooltip and popup; the legend.

    The criteria, ratios and areas are the statistics' own (``criterion_1`` …
    ``criterion_5``, ``criteria_met``, ``illegal_farmland_ratio``,
    ``illegal_farmland_after_deductions_m2``); nothing is recomputed. Figures
    are rounded as the workbook prints them (percent half-up to 2 decimals; 亩
    half-up, township rows adjusted to the total).
    """
    tw = townships.copy()
    if tw.index.name == "township_code" and "township_code" not in tw.columns:
        tw = tw.reset_index()
    tw["township_code"] = tw["township_code"].astype(str)
    st = None
    if stats is not None:
        st = stats.copy()
        if "township_code" in st.columns:
            st = st.set_index("township_code")
        st.index = st.index.astype(str)
    geoms = repaired(tw.geometry, what="township")
    shown = display_geometry(geoms, tolerance_m=tolerance_m, datum=datum)
    farmland = _shown_mu(st, "illegal_farmland_after_deductions_m2") if st is not None else {}
    props: list[dict[str, Any]] = []
    counts: dict[str, int] = dict.fromkeys(CRITERIA_COLORS, 0)
    for _, tw_row in tw.iterrows():
        code = str(tw_row["township_code"])
        name = str(tw_row.get("township_name") or "")
        if st is None or code not in st.index:
            props.append({"code": code, "tip": name or code, "fill": "#ffffff", "criteria": []})
            if st is not None:
                props[-1]["fill"] = CRITERIA_COLORS["no_data"]
                props[-1]["tip"] = f"{name or code}：{MAP_LABELS['no_data']}"
                counts["no_data"] += 1
            continue
        row: pd.Series = st.loc[code]  # type: ignore[assignment]
        name = name or str(row.get("township_name") or code)
        met = [k for k in range(1, 6) if _flag(row.get(f"criterion_{k}"))]
        kind = "criterion_1_met" if 1 in met else "other_criteria_met" if met else "no_criteria_met"
        counts[kind] += 1
        met_text = "、".join(_CHINESE_NUMBERS[k - 1] for k in met) or MAP_LABELS["criteria_none"]
        ratio = _number(row.get("illegal_farmland_ratio"))
        ratio_text = format_half_up(ratio * 100, missing="")
        ratio_text = f"{ratio_text} %" if ratio_text else ""
        area_text = format_half_up(farmland.get(code, math.nan), missing="")
        tip = (
            f"{name}：{MAP_LABELS['criteria_met']} {met_text}；"
            f"{MAP_LABELS['ratio']} {ratio_text or '—'}；{MAP_LABELS['illegal_farmland']} "
            f"{area_text or '—'}"
        )
        rows = [
            (COLUMN_LABELS["township_code"], code),
            (MAP_LABELS["ratio"], ratio_text),
            (MAP_LABELS["illegal_farmland"], area_text),
            *_criterion_rows(row),
            (MAP_LABELS["criteria_met"], met_text),
        ]
        props.append(
            {
                "code": code,
                "tip": tip,
                "fill": CRITERIA_COLORS[kind],
                "criteria": met,
                "popup": table_html(rows, title=name),
            }
        )
    legend: dict[str, Any]
    if st is not None:
        legend = {
            "title": MAP_LABELS["criteria_legend"],
            "items": [
                {
                    "label": f"{MAP_LABELS[kind]}（{counts[kind]}）",
                    "color": color,
                    "mark": kind == "criterion_1_met",
                }
                for kind, color in CRITERIA_COLORS.items()
                if kind != "no_data" or counts[kind]
            ],
            "note": criteria_note(thresholds),
        }
    else:
        legend = {
            "title": "界线",
            "items": [{"label": LAYER_LABELS["townships"], "color": "#444444", "line": True}],
        }
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
    reference_margin_m: float = 0.0,
    reference_tolerance_m: float = 2.0,
    patch_shapes: PatchShapes = "auto",
    max_shapes: int = 5_000,
    options: MapOptions | None = None,
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
        ``township_code``: ``criterion_1`` … ``criterion_5`` (and their
        ``_reason``), ``illegal_farmland_ratio`` (a fraction, 0–1) and
        ``illegal_farmland_after_deductions_m2``. Townships are shaded by the
        criteria they meet; a township without a row is grey.
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
        ``[criteria]``); the legend prints criterion 1 with them (the
        shading itself comes from the statistics' criteria). Defaults when
        None.
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
    reference_margin_m : float, default 0
        Reference layers are drawn only where they meet a patch's bounding
        box grown by this margin, cut there (the county's whole farmland layer
        would make a page of hundreds of megabytes); ``math.inf`` draws them
        whole.
    reference_tolerance_m : float, default 2.0
        Display simplification of the reference layers in metres (under a
        pixel from zoom 16 down, where the patches are told apart).
    patch_shapes : {"auto", "polygons", "points"}, default "auto"
        Draw each patch as its (simplified) shape, or as the point inside it
        that the popup gives (a circle, drawn on a canvas). ``"auto"``: shapes
        up to ``max_shapes`` patches, points above. A page of points carries
        no reference layers (at the zoom that shows a province's patches they
        would be noise, and they are the bulk of the page): the field maps
        carry them, township by township.
    max_shapes : int, default 5000
        The most patches ``"auto"`` draws as shapes.
    options : MapOptions, optional
        The job's ``[maps]``: above ``county_popup_max_patches`` patches drawn
        as points, each point carries only its monitoring number, class and
        township, and its popup is made from them in the browser (the field
        maps carry the full popups); no labels are drawn then.

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
    criteria = CriteriaThresholds.coerce(thresholds)
    if path is not None and Path(path).exists() and not overwrite:
        raise OutputExistsError(f"{path} exists; pass overwrite=True to replace it")
    drawable, n_blank = ordinary_patches(patches)
    shown = with_area(drawable)
    problem = check_choice("patch_shapes", patch_shapes, PATCH_SHAPES)
    if problem:
        raise InputError(problem)
    points = patch_shapes == "points" or (patch_shapes == "auto" and len(shown) > max_shapes)
    opts = MapOptions.coerce(options)
    lean = None
    if points and len(shown) > opts.county_popup_max_patches:
        fc, counts, lean = lean_points(shown, datum=basemap_datum)
        parts: list[str] = []
        labels = False  # half a million labels would be noise and weigh the page down
    else:
        fc, counts, parts = patch_features(
            shown,
            tolerance_m=simplify_tolerance_m,
            datum=basemap_datum,
            layers=layers,
            points=points,
        )
    legend = [class_legend(counts)]
    township_fc = None
    if townships is not None:
        township_fc, tw_legend = township_layer(
            townships,
            stats,
            thresholds=criteria,
            tolerance_m=max(simplify_tolerance_m, 5.0),
            datum=basemap_datum,
        )
        legend.append(tw_legend)
    if reference_margin_m < 0 or reference_tolerance_m < 0:
        raise InputError(
            f"reference_margin_m and reference_tolerance_m must be ≥ 0, got "
            f"{reference_margin_m!r} and {reference_tolerance_m!r}"
        )
    area = area_crs = None
    if points:
        layers = None
    if layers and math.isfinite(reference_margin_m):
        work = shown.geometry
        if work.crs is not None and work.crs.is_geographic:
            work = work.to_crs(work.estimate_utm_crs())
        area, area_crs = shown_area(work, margin_m=reference_margin_m), work.crs
    refs = reference_entries(
        layers,
        tolerance_m=reference_tolerance_m,
        datum=basemap_datum,
        show=show_layers,
        area=area,
        area_crs=area_crs,
    )
    ref_legend = reference_legend(refs)
    if ref_legend:
        legend.append(ref_legend)
    fit = bounds_latlon([c for c in (township_fc, fc) if c is not None])
    cfg = {
        "patches": fc,
        "popupParts": parts,
        "patchPoints": points,
        "lean": lean,
        "patchesLabel": "变化图斑",
        "townships": township_fc,
        "townshipsLabel": MAP_LABELS["townships_layer"],
        "townshipFillOpacity": 0.45 if stats is not None else 0.0,
        "reference": refs,
        "legend": legend,
        "labels": labels,
        "labelMinZoom": label_min_zoom,
        "collapseLayers": False,
        "info": [
            title,
            f"图斑 {fc.count} 个",
            *([MAP_LABELS["patch_points_lean" if lean else "patch_points"]] if points else []),
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
