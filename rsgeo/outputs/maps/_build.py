"""Shared pieces of the county overview and the field maps.

Input checks, display geometry (simplified for display only, in EPSG:4490
longitude/latitude, optionally shifted to GCJ-02), GeoJSON for the page, and
the folium map that carries rsgeo's layers and controls.
"""

from __future__ import annotations

import functools
import html
import itertools
import json
import math
import re
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from rsgeo.errors import CRSError, InputError, format_problems
from rsgeo.outputs.maps.gcj02 import geometry_to_gcj02, wgs84_to_gcj02
from rsgeo.outputs.maps.offline import offline_figure_class, static_text
from rsgeo.outputs.maps.payload import encode_features, encode_index_lists, payload_json
from rsgeo.outputs.maps.popup import LAYER_LABELS, patch_popup_html, popup_columns
from rsgeo.schema.contract import patch_id_problems
from rsgeo.schema.labels import COLUMN_LABELS, MAP_LABELS, RULE_LABELS
from rsgeo.schema.military import ordinary
from rsgeo.schema.reports import PATCH_COLUMNS
from rsgeo.schema.vocabulary import ILLEGAL, LEGAL, OTHER

BasemapDatum = Literal["cgcs2000", "wgs84", "gcj02"]
BASEMAP_DATUMS: tuple[str, ...] = ("cgcs2000", "wgs84", "gcj02")

DISPLAY_CRS = "EPSG:4490"
COORD_DECIMALS = 6  # about 0.1 m: display only

CLASS_COLORS: dict[str, str] = {
    ILLEGAL: "#d7191c",
    "疑似违法": "#d7191c",
    LEGAL: "#1a9641",
    OTHER: "#2b83ba",
    RULE_LABELS["pseudo"]: "#7f7f7f",
}
UNCLASSIFIED = "未分类"
UNCLASSIFIED_COLOR = "#ff9f1c"

# Tile servers whose tiles are drawn in GCJ-02 (or BD-09) rather than WGS84.
_GCJ_HOSTS = re.compile(r"autonavi|amap\.com|gaode|gtimg|map\.qq\.com|google\.cn|googleapis\.cn")
_BD09_HOSTS = re.compile(r"baidu|bdimg|bdstatic")


def import_folium() -> Any:
    """Import folium or explain how to install it."""
    try:
        import folium
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            'rsgeo maps need folium: pip install "rsgeo[maps]" (or pip install folium)'
        ) from exc
    return folium


# ---------------------------------------------------------------- checks


def check_choice(name: str, value: str, allowed: Sequence[str]) -> str | None:
    if value not in allowed:
        return f"{name}={value!r} is not one of {', '.join(map(repr, allowed))}"
    return None


def check_inputs(
    patches: Any,
    *,
    townships: Any = None,
    layers: Mapping[str, Any] | None = None,
    stats: Any = None,
    basemap_datum: str,
    tiles: str | None,
    imagery: Any = None,
) -> None:
    """Collect every problem with the map inputs and raise one error."""
    problems: list[str] = []
    crs_only = True

    def add(text: str, *, crs: bool = False) -> None:
        nonlocal crs_only
        problems.append(text)
        crs_only = crs_only and crs

    if not isinstance(patches, gpd.GeoDataFrame):
        add(f"patches must be a GeoDataFrame, got {type(patches).__name__}")
    else:
        if patches.crs is None:
            add("patches have no CRS: set it with patches.set_crs(...)", crs=True)
        for problem in patch_id_problems(patches.index):
            add(f"the patch-id contract (ids present and unique): {problem}")
    if townships is not None:
        if not isinstance(townships, gpd.GeoDataFrame):
            add(f"townships must be a GeoDataFrame, got {type(townships).__name__}")
        else:
            if townships.crs is None:
                add("townships have no CRS", crs=True)
            if "township_code" not in townships.columns and townships.index.name != "township_code":
                add("townships need a township_code column (or index)")
    for key, layer in (layers or {}).items():
        if not isinstance(layer, gpd.GeoDataFrame):
            add(f"layer {key!r} must be a GeoDataFrame, got {type(layer).__name__}")
        elif layer.crs is None:
            add(f"layer {key!r} has no CRS", crs=True)
    if stats is not None:
        if not isinstance(stats, pd.DataFrame):
            add(f"stats must be a DataFrame, got {type(stats).__name__}")
        else:
            need = ["illegal_farmland_ratio", "criterion_1"]
            lacking = [c for c in need if c not in stats.columns]
            if lacking:
                add(
                    f"stats need the columns {', '.join(lacking)} (the table of "
                    "rsgeo.township_stats, criteria included)"
                )
        if townships is None:
            add("stats are shaded on township boundaries: pass townships=... as well")
    choice = check_choice("basemap_datum", basemap_datum, BASEMAP_DATUMS)
    if choice:
        add(choice)
    if tiles is not None:
        if not isinstance(tiles, str) or "{x}" not in tiles or "{y}" not in tiles:
            add(f"tiles must be a tile URL template with {{x}}, {{y}} and {{z}}, got {tiles!r}")
        else:
            low = tiles.lower()
            if _BD09_HOSTS.search(low):
                add(
                    "Baidu tiles use the BD-09 datum and their own tiling, which rsgeo does not "
                    "convert to: the patches would be drawn hundreds of metres off. Use Tianditu "
                    "(CGCS2000) or local imagery instead"
                )
            elif _GCJ_HOSTS.search(low) and basemap_datum != "gcj02":
                add(
                    f"the tile server in {tiles!r} draws its tiles in GCJ-02; CGCS2000 patches "
                    "would land about 500 m off. Pass basemap_datum='gcj02' so rsgeo converts "
                    "the overlay, or use Tianditu / local imagery"
                )
    if imagery is not None and basemap_datum == "gcj02":
        add(
            "local imagery is georeferenced in CGCS2000 and cannot be shown aligned with a "
            "GCJ-02 basemap: drop imagery=... or use basemap_datum='cgcs2000'"
        )
    if problems:
        header = f"Cannot draw the map ({len(problems)} problem(s)):"
        error = CRSError if crs_only else InputError
        raise error(format_problems(header, problems))


# ---------------------------------------------------------------- geometry


def _working(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """The geometries in a projected CRS (metres) for simplification."""
    if geoms.crs is not None and geoms.crs.is_geographic:
        return geoms.to_crs(geoms.estimate_utm_crs())
    return geoms


def _polygonal(geom: Any) -> Any:
    if geom is None or geom.is_empty:
        return geom
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def repaired(geoms: gpd.GeoSeries, *, what: str) -> gpd.GeoSeries:
    """Repair invalid geometry for display (polygon parts only) and say so."""
    invalid = ~geoms.is_valid & geoms.notna()
    if not invalid.any():
        return geoms
    fixed = geoms.copy()
    fixed[invalid] = [_polygonal(g) for g in shapely.make_valid(geoms[invalid].to_numpy())]
    ids = invalid[invalid].index.tolist()
    warnings.warn(
        f"repaired {len(ids)} invalid {what} geometr{'y' if len(ids) == 1 else 'ies'} "
        f"for display: {ids[:10]}",
        stacklevel=3,
    )
    return fixed


def _round(coords: np.ndarray) -> np.ndarray:
    return np.round(coords, COORD_DECIMALS)


def display_geometry(geoms: gpd.GeoSeries, *, tolerance_m: float, datum: str) -> gpd.GeoSeries:
    """Simplified (display only) lon/lat geometry, shifted to GCJ-02 when asked."""
    work = _working(geoms)
    if tolerance_m > 0:
        work = work.simplify(tolerance_m, preserve_topology=True)
    out = work.to_crs(DISPLAY_CRS)
    out = gpd.GeoSeries(shapely.transform(out.to_numpy(), _round), index=out.index, crs=out.crs)
    if datum == "gcj02":
        out = geometry_to_gcj02(out)
    return out


def centre_points(geoms: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat (EPSG:4490) of a point inside each polygon, to navigate by.

    The centroid when it lies inside the patch, else a point on its surface.
    """
    work = _working(geoms)
    values = work.to_numpy()
    cent = shapely.centroid(values)
    inside = shapely.contains(values, cent)
    rep = shapely.point_on_surface(values)
    pts = np.where(inside, cent, rep)
    lonlat = gpd.GeoSeries(pts, crs=work.crs).to_crs(DISPLAY_CRS)
    return lonlat.x.to_numpy(), lonlat.y.to_numpy()


@dataclass(frozen=True)
class Features:
    """A GeoJSON FeatureCollection, already written as JSON text for the page.

    Written once with :func:`shapely.to_geojson` (in C) instead of a Python
    dictionary per vertex; :func:`safe_json` splices the text into the page's
    configuration as it is.
    """

    text: str
    count: int
    bounds: tuple[float, float, float, float] | None  # west, south, east, north


_RAW = re.compile(r'"\\u0000(\d+)\\u0000"')


def safe_json(obj: Any) -> str:
    """JSON for inlining in a <script>: no '<', '>' or '&' left raw.

    :class:`Features` values are spliced in as their (already safe) text.
    """
    raws: list[str] = []

    def raw(value: Any) -> str:
        if isinstance(value, Features):
            raws.append(value.text)
            return f"\x00{len(raws) - 1}\x00"
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=raw)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    if raws:
        text = _RAW.sub(lambda m: raws[int(m.group(1))], text)
    return text


def feature_collection(
    geoms: gpd.GeoSeries | np.ndarray, properties: Sequence[Mapping[str, Any]] | None = None
) -> Features:
    """The drawable geometries (none or empty left out) with their properties, for the page.

    Written as the compact payload of :mod:`.payload` (delta-encoded integer
    coordinates, properties by column), which the page's script decodes to
    GeoJSON; a collection of mixed geometry kinds is written as GeoJSON text.
    """
    values = np.asarray(geoms if isinstance(geoms, np.ndarray) else geoms.to_numpy(), dtype=object)
    keep = np.flatnonzero(~(shapely.is_missing(values) | shapely.is_empty(values)))
    shapes = values[keep]
    props = [dict(properties[int(i)]) for i in keep] if properties is not None else None
    bounds = None
    if len(keep):
        west, south, east, north = (float(v) for v in shapely.total_bounds(shapes))
        if all(math.isfinite(v) for v in (west, south, east, north)):
            bounds = (west, south, east, north)
    payload = encode_features(shapes, props)
    if payload is not None:
        return Features(payload_json(payload, safe_json(payload["p"])), len(keep), bounds)
    texts = shapely.to_geojson(shapes) if len(keep) else []
    parts = [
        '{"type":"Feature","geometry":'
        + text
        + ',"properties":'
        + (safe_json(props[k]) if props is not None else "{}")
        + "}"
        for k, text in enumerate(texts)
    ]
    return Features(
        '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}", len(keep), bounds
    )


# ---------------------------------------------------------------- patches


def class_values(patches: pd.DataFrame) -> pd.Series:
    """final_class, else suggested_class, else 未分类."""
    out = np.full(len(patches), UNCLASSIFIED, dtype=object)
    for name in ("suggested_class", "final_class"):
        if name in patches.columns:
            col = patches[name].astype("string").str.strip()
            ok = (col.notna() & (col != "")).to_numpy(dtype=bool)
            out[ok] = col.to_numpy(dtype=object)[ok]
    return pd.Series(out, index=patches.index, dtype="object")


def class_color(value: str) -> str:
    return CLASS_COLORS.get(value, UNCLASSIFIED_COLOR)


def layer_keys(patches: pd.DataFrame, layers: Mapping[str, Any] | None) -> list[str]:
    """Reference keys whose ``{key}_m2`` overlap columns the popup shows."""
    keys = [k for k in LAYER_LABELS if f"{k}_m2" in patches.columns]
    for key in layers or {}:
        if key not in keys and f"{key}_m2" in patches.columns:
            keys.append(key)
    return keys


def feature_columns(
    patches: pd.DataFrame, layers: Mapping[str, Any] | None, *, also: Sequence[str] = ()
) -> list[str]:
    """The columns :func:`patch_features` reads (popup, class, geometry), and ``also``.

    A map that draws its patches page by page selects these once: each page's
    share of the table is then a copy of a few columns, not of all 80.
    """
    keys = layer_keys(patches, layers)
    wanted = {
        *popup_columns(list(patches.columns), layer_keys=keys),
        "suggested_class",
        "final_class",
        *also,
    }
    if isinstance(patches, gpd.GeoDataFrame):
        wanted.add(patches.geometry.name)
    return [c for c in patches.columns if c in wanted]


def with_area(patches: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add ``area_m2`` (ellipsoidal) when the table lacks it."""
    if "area_m2" in patches.columns:
        return patches
    try:
        from rsgeo.geo.area import ellipsoidal_area
    except ImportError:  # pragma: no cover - area module is part of rsgeo
        return patches
    out = patches.copy()
    out["area_m2"] = ellipsoidal_area(out.geometry)
    return out


def ordinary_patches(patches: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Patches that may be shown and can be drawn, and how many cannot be drawn.

    Military land is removed, ids become strings; ordinary patches without a
    shape (null or empty geometry, kept in every table with zero area) are
    counted, not drawn, and the map says so (:func:`not_drawn_note`).
    """
    shown = ordinary(patches)
    shown.index = shown.index.astype(str)
    # the maps read no attrs; pandas would deep-copy them into every row and slice
    shown.attrs = {}
    blank = (shown.geometry.isna() | shown.geometry.is_empty).to_numpy()
    return shown.loc[~blank], int(blank.sum())


def not_drawn_note(n: int) -> list[str]:
    """The map's info line for patches that have no shape to draw (none when 0)."""
    return [f"另有 {n} 个图斑没有图形，未在图上绘出（见数据审核记录）"] if n else []


def short_labels(ids: Sequence[str], *, min_chars: int = 4) -> list[str]:
    """The shortest ending (at least ``min_chars``) of each id that no other id shares.

    A 15-digit monitoring number is too long to label a small patch; within
    one map the last few digits tell the patches apart. An id that is the
    ending of another keeps its full text.

    Examples
    --------
    >>> short_labels(["450225202010000012", "450225202010000013", "450225202010010012"])
    ['00012', '0013', '10012']
    """
    texts = [str(i) for i in ids]
    counts: dict[int, Counter[str]] = {}

    def shared(suffix: str) -> bool:
        n = len(suffix)
        if n not in counts:
            counts[n] = Counter(t[-n:] for t in texts if len(t) >= n)
        return counts[n][suffix] > 1

    out = []
    for text in texts:
        n = min(min_chars, len(text))
        while n < len(text) and shared(text[-n:]):
            n += 1
        out.append(text[-n:])
    return out


_POPUP_CUTS = re.compile(
    r"(?<=</tr>)|(?<=<td>)|(?=</td>)|(?<=；)"  # table rows, values, clauses
    r'|(?<=href=")|(?=">)|(?<=rsgeo-geo-xy">)|(?=</span>)'  # the geo: link's URI and text
)
"""Where :func:`popup_parts` cuts a popup (the rule; :func:`_popup_pieces` applies it)."""

_POPUP_TOKENS = re.compile(r'</tr>|<td>|</td>|；|href="|">|</span>')
_CUT_AFTER = frozenset(("</tr>", "<td>", "；", 'href="'))
_GEO_XY = 'rsgeo-geo-xy">'


def _popup_pieces(text: str) -> list[str]:
    """``_POPUP_CUTS.split(text)`` without its empty pieces, found token by token.

    The pattern's look-arounds are tried at every character of the popup;
    the tokens they look for are found here in one pass instead (the
    ``href="">`` of an empty link, whose quote two tokens would share, never
    occurs: a ``geo:`` URI is never empty).
    """
    cuts = [0]
    for match in _POPUP_TOKENS.finditer(text):
        token = match.group()
        if token in _CUT_AFTER:
            cuts.append(match.end())
            continue
        cuts.append(match.start())
        if token == '">' and text.endswith(_GEO_XY, 0, match.end()):
            cuts.append(match.end())
    cuts.append(len(text))
    return [text[a:b] for a, b in itertools.pairwise(cuts) if b > a]


def popup_parts(popups: Sequence[str]) -> tuple[list[list[int]], list[str]]:
    """Each popup as indices into one list of the distinct pieces of all popups.

    A popup is cut after each ``</tr>`` and ``<td>``, before each ``</td>``
    (a value stands alone, its closing tags shared), after each ``；`` of
    a long reason and around the ``geo:`` link's URI and coordinates, so the labels, the class words and the reasons' repeated
    clauses are written once per page instead of once per patch; the page
    joins the pieces back (``cfg.popupParts``). Joining gives the popup back
    exactly. The pieces are numbered most used first, so the labels that
    every popup shares get the shortest indices.

    Examples
    --------
    >>> popup_parts(["<tr><td>a</td></tr>", "<tr><td>b</td></tr>"])
    ([[0, 2, 1], [0, 3, 1]], ['<tr><td>', '</td></tr>', 'a', 'b'])
    """
    cut = [_popup_pieces(text) for text in popups]
    uses = Counter(piece for pieces in cut for piece in pieces)
    order = sorted(uses, key=lambda piece: -uses[piece])  # stable: first seen first among ties
    index = {piece: i for i, piece in enumerate(order)}
    return [[index[piece] for piece in pieces] for pieces in cut], order


def _records(frame: pd.DataFrame, columns: Sequence[str]) -> dict[Any, dict[str, Any]]:
    """Row label -> {column: value} of some columns (``to_dict(orient="index")``
    without copying the frame first)."""
    values = [frame[c].tolist() for c in columns]
    rows = list(zip(*values, strict=True)) if values else [()] * len(frame)
    return {
        label: dict(zip(columns, row, strict=True))
        for label, row in zip(frame.index, rows, strict=True)
    }


def patch_features(
    patches: gpd.GeoDataFrame,
    *,
    tolerance_m: float,
    datum: str,
    layers: Mapping[str, Any] | None,
    geo_links: bool = False,
    points: bool = False,
) -> tuple[Features, dict[str, int], list[str]]:
    """GeoJSON of the patches with popup, colour, label text and position.

    Each popup is a list of indices into the returned pieces
    (:func:`popup_parts`; the page's ``popupParts``). With ``geo_links`` each
    popup ends with a ``geo:`` link to the patch's centre in WGS84
    (EPSG:4326), which phones' map apps expect. With ``points`` each patch is
    drawn as the point inside it it is navigated by, not as its shape.
    """
    geoms = repaired(patches.geometry, what="patch")
    lon, lat = centre_points(geoms)
    geo = None
    if geo_links:
        # WGS84 degrees: PROJ joins CGCS2000 to WGS84 by a null ("ballpark") step, so
        # they are the CGCS2000 degrees (tests/outputs/test_maps_warp.py holds PROJ to it)
        geo = (np.asarray(lat), np.asarray(lon))
    if datum == "gcj02":
        label_lon, label_lat = wgs84_to_gcj02(lon, lat)
    else:
        label_lon, label_lat = lon, lat
    label_lon, label_lat = _round(np.asarray(label_lon)), _round(np.asarray(label_lat))
    if points:
        shown = gpd.GeoSeries(
            shapely.points(label_lon, label_lat), index=patches.index, crs=DISPLAY_CRS
        )
    else:
        shown = display_geometry(geoms, tolerance_m=tolerance_m, datum=datum)
    classes = class_values(patches).tolist()
    keys = layer_keys(patches, layers)
    records = _records(patches, popup_columns(list(patches.columns), layer_keys=keys))
    shorts = short_labels([str(pid) for pid in records])
    popups = [
        patch_popup_html(
            str(pid),
            row,
            layer_keys=keys,
            lon=float(lon[i]),
            lat=float(lat[i]),
            geo=None if geo is None else (float(geo[0][i]), float(geo[1][i])),
        )
        for i, (pid, row) in enumerate(records.items())
    ]
    indices, parts = popup_parts(popups)
    popup_codes = encode_index_lists(indices)
    props = []
    for i, (pid, row) in enumerate(records.items()):
        prop = {
            "id": str(pid),
            "cls": classes[i],
            "popup": popup_codes[i],
            "short": shorts[i],
            "size": _size(row.get("area_m2")),
        }
        if classes[i] not in CLASS_COLORS:  # else the page's classColors give it
            prop["color"] = class_color(classes[i])
        if not points or datum == "gcj02":  # else the point is at lon/lat
            prop["lon"] = round(float(lon[i]), COORD_DECIMALS)
            prop["lat"] = round(float(lat[i]), COORD_DECIMALS)
        if datum == "gcj02":  # else the label stands at lon/lat
            prop["label_lon"] = float(label_lon[i])
            prop["label_lat"] = float(label_lat[i])
        props.append(prop)
    counts = Counter(classes)
    return feature_collection(shown, props), {str(k): int(v) for k, v in counts.items()}, parts


def lean_points(
    patches: gpd.GeoDataFrame, *, datum: str
) -> tuple[Features, dict[str, int], dict[str, Any]]:
    """Patches as bare points: the point inside each, its id, class and township only.

    For a county map of more patches than full popups can carry: each point's
    properties are its id, the index of its class (``c``) and of its township
    (``t``) in the returned ``lean`` lists, from which the page makes the
    popup. The points are written row by row of 0.01° (about 1 km), west to
    east, so that each differs little from the one before it.
    """
    geoms = repaired(patches.geometry, what="patch")
    lon, lat = centre_points(geoms)
    if datum == "gcj02":
        lon, lat = wgs84_to_gcj02(lon, lat)
    lon, lat = _round(np.asarray(lon)), _round(np.asarray(lat))
    order = np.lexsort((lon, np.floor(lat * 100)))
    classes = class_values(patches)
    class_codes, class_names = pd.factorize(classes.to_numpy()[order])
    if "township_name" in patches.columns:
        towns = patches["township_name"].astype("string").fillna("").to_numpy()[order]
    else:
        towns = np.full(len(order), "", dtype=object)
    town_codes, town_names = pd.factorize(towns)
    ids = patches.index.astype(str).to_numpy()[order]
    shown = gpd.GeoSeries(shapely.points(lon[order], lat[order]), crs=DISPLAY_CRS)
    props = [
        {"id": str(i), "c": int(c), "t": int(t)}
        for i, c, t in zip(ids, class_codes, town_codes, strict=True)
    ]
    lean = {
        "classes": [str(c) for c in class_names],
        "colors": [class_color(str(c)) for c in class_names],
        "townships": [str(t) for t in town_names],
        "labels": [
            PATCH_COLUMNS["patch_id"],
            MAP_LABELS["lean_class"],
            COLUMN_LABELS["township_name"],
        ],
        "more": MAP_LABELS["lean_more"],
    }
    counts = Counter(classes.tolist())
    return feature_collection(shown, props), {str(k): int(v) for k, v in counts.items()}, lean


def _size(value: Any) -> float:
    """A patch's area for ordering its label (larger first); 0 when unknown."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return round(number, 1) if math.isfinite(number) else 0.0


def class_legend(counts: Mapping[str, int]) -> dict[str, Any]:
    order = [c for c in CLASS_COLORS if c in counts] + [c for c in counts if c not in CLASS_COLORS]
    items = [{"label": f"{c}（{counts[c]}）", "color": class_color(c)} for c in order]
    return {"title": "图斑分类（个数）", "items": items}


def bounds_latlon(collections: Sequence[Features]) -> list[list[float]] | None:
    """[[south, west], [north, east]] of some feature collections."""
    boxes = [fc.bounds for fc in collections if fc.bounds is not None]
    if not boxes:
        return None
    return [
        [min(b[1] for b in boxes), min(b[0] for b in boxes)],
        [max(b[3] for b in boxes), max(b[2] for b in boxes)],
    ]


def datum_note(datum: str) -> str:
    if datum == "gcj02":
        return "图形已转换到 GCJ-02 以配合底图；弹窗与列表中的坐标为 CGCS2000（EPSG:4490）"
    return "坐标系 CGCS2000（EPSG:4490，与 WGS84 相差厘米级）"


# ---------------------------------------------------------------- folium


@functools.cache
def _rsgeo_layers_class() -> Any:
    """The element that draws the page's configuration with rsgeo's script (made once)."""
    from branca.element import MacroElement
    from jinja2 import Template

    class RsgeoLayers(MacroElement):  # type: ignore[misc]
        _template = Template(
            "{% macro header(this, kwargs) %}"
            "<style>rsgeoStyle_{{ this.token }}</style>"
            "<script>rsgeoScript_{{ this.token }}</script>"
            "{% endmacro %}"
            "{% macro script(this, kwargs) %}"
            "rsgeoBuild({{ this._parent.get_name() }}, rsgeoData_{{ this.token }});"
            "{% endmacro %}"
        )

        def __init__(self, token: str) -> None:
            super().__init__()
            self._name = "RsgeoLayers"
            self.token = token

    return RsgeoLayers


def build_map(
    cfg: dict[str, Any],
    *,
    title: str,
    tiles: str | None,
    tiles_attr: str | None,
    tiles_subdomains: str | Sequence[str] | None = None,
    max_zoom: int = 20,
    imagery: tuple[str, list[list[float]], str] | None = None,
) -> Any:
    """A folium Map (in an offline figure) that draws ``cfg`` with rsgeo's script."""
    folium = import_folium()
    figure = offline_figure_class()(title=html.escape(title))
    fit = cfg.get("fit") or [[25.0, 109.0], [25.1, 109.1]]
    centre = [(fit[0][0] + fit[1][0]) / 2, (fit[0][1] + fit[1][1]) / 2]
    fmap = folium.Map(
        location=centre,
        zoom_start=12,
        tiles=None,
        control_scale=False,
        max_zoom=max_zoom,
        attribution_control=bool(tiles),
    )
    figure.add_child(fmap)
    if tiles:
        options: dict[str, Any] = {}
        if tiles_subdomains:
            options["subdomains"] = tiles_subdomains
        folium.TileLayer(
            tiles=tiles,
            attr=html.escape(tiles_attr or "用户配置的底图"),
            name="底图",
            max_zoom=max_zoom,
            max_native_zoom=18,
            overlay=False,
            control=False,
            **options,
        ).add_to(fmap)
    if imagery is not None:
        data_uri, bounds, name = imagery
        folium.raster_layers.ImageOverlay(
            image=data_uri, bounds=bounds, name=name, opacity=1.0, interactive=False
        ).add_to(fmap)

    # The data, rsgeo's script and its style sheet bypass the template engine
    # (slow on tens of megabytes, and branca compiles every rendered piece of
    # the page again as a template): the page carries tokens, replaced once
    # the page is rendered (the data last, so nothing is replaced inside it).
    cfg = {**cfg, "classColors": CLASS_COLORS, "otherColor": UNCLASSIFIED_COLOR}
    name = fmap.get_name()
    figure.rsgeo_payloads = {
        f"rsgeoStyle_{name}": static_text("rsgeo-map.css").replace("</", "<\\/"),
        f"rsgeoScript_{name}": static_text("rsgeo-map.js").replace("</script", "<\\/script"),
        f"rsgeoData_{name}": safe_json(cfg),
    }
    fmap.add_child(_rsgeo_layers_class()(name))
    return fmap
