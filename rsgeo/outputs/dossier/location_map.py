"""The location map of a patch dossier, as vectors: the county overview and the patch close up.

The map is a list of shapes and labels in the units of a figure of
:data:`MAP_W_PX` by :data:`MAP_H_PX` pixels (y down), which the dossier's
page writes as inline SVG and its PDF as paths and text
(:mod:`rsgeo.outputs.dossier.map_render`). No picture file is written: the
map is sharp at any zoom and in print, and takes a few kilobytes in each.

Shapes are simplified to :data:`SIMPLIFY_PX` of a figure pixel and their
vertices kept on half pixels (:data:`UNITS_PER_PX`). The close-up shows the
patch whole and its nearest neighbours up to :data:`MAP_MAX_VERTICES`
vertices; the township overview is made once per list of townships.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from rsgeo.outputs.dossier.neighbours import OVERVIEW_HALF_M

__all__ = [
    "MAP_H_PX",
    "MAP_MAX_VERTICES",
    "MAP_W_PX",
    "SIMPLIFY_PX",
    "UNITS_PER_PX",
    "Label",
    "Layer",
    "LocationMap",
    "Shape",
    "location_map",
    "margin_for",
]

MAP_W_PX, MAP_H_PX = 900, 460
"""The figure's size in pixels (the units its shapes and labels are placed in)."""

UNITS_PER_PX = 2
"""Vertices are kept on a grid of ``1 / UNITS_PER_PX`` figure pixels (written as integers)."""

SIMPLIFY_PX = 0.5
"""Shapes are simplified to this much of a figure pixel before they are drawn."""

MAP_MAX_VERTICES = 800
"""The most vertices of the close-up's neighbouring patches (the nearest are kept);
the patch itself is always drawn whole."""

_BOX = 370  # side of a panel's square area, pixels
RGB = tuple[int, int, int]

BLACK: RGB = (0, 0, 0)
WHITE: RGB = (255, 255, 255)
TOWNSHIP_FILL: RGB = (244, 241, 232)
TOWNSHIP_LINE: RGB = (119, 119, 119)
TOWNSHIP_NAME: RGB = (85, 85, 85)
NEIGHBOUR_FILL: RGB = (221, 221, 221)
NEIGHBOUR_LINE: RGB = (136, 136, 136)
PATCH_RED: RGB = (214, 39, 40)
PATCH_FILL_OPACITY = 0.25
"""The close-up's patch is filled a quarter red: the patches under it show through."""

Anchor = Literal["mt", "md", "mm", "rm"]
"""Where a label's point is: middle top, middle bottom (descender), middle middle, right middle."""


ShapeKind = Literal["polygon", "line", "dots"]
"""A shape's rings are a polygon's (filled even-odd and/or outlined), lines, or points
drawn as round dots ``width_px`` across."""


@dataclass(frozen=True)
class Shape:
    """One geometry drawn: its rings as integer vertices (``1 / UNITS_PER_PX`` pixels);
    its fill laid over what is under it with ``fill_opacity``."""

    rings: tuple[np.ndarray, ...]
    fill: RGB | None
    stroke: RGB | None
    width_px: float
    kind: ShapeKind = "polygon"
    fill_opacity: float = 1.0


@dataclass(frozen=True)
class Layer:
    """Shapes drawn in order, clipped to ``clip_px`` (x, y, width, height) when given."""

    shapes: tuple[Shape, ...]
    clip_px: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class Label:
    """A text at (``x_px``, ``y_px``) of the figure, placed by ``anchor``."""

    x_px: float
    y_px: float
    text: str
    size_px: float
    anchor: Anchor
    rgb: RGB = BLACK


@dataclass(frozen=True)
class LocationMap:
    """The location map of one patch: layers of shapes, then labels over them."""

    title: str
    layers: tuple[Layer, ...]
    labels: tuple[Label, ...]
    width_px: int = MAP_W_PX
    height_px: int = MAP_H_PX

    def words(self) -> list[str]:
        """The labels' texts but the title (those every map of a run shares, mostly)."""
        return [label.text for label in self.labels if label.text != self.title]

    def vertices(self) -> int:
        """The number of vertices drawn."""
        return sum(len(r) for layer in self.layers for s in layer.shapes for r in s.rings)


def margin_for(geom: Any, *, min_margin_m: float = 50.0) -> float:
    """Margin around a patch for maps and chips: half its larger side, at least ``min_margin_m``.

    >>> from shapely.geometry import box
    >>> margin_for(box(0, 0, 400, 100))
    200.0
    >>> margin_for(box(0, 0, 10, 10))
    50.0
    """
    minx, miny, maxx, maxy = geom.bounds
    return float(max(min_margin_m, 0.5 * max(maxx - minx, maxy - miny)))


def _grid(points_px: Any) -> np.ndarray:
    """Figure pixels to the integer units vertices are kept in."""
    return np.rint(np.asarray(points_px, dtype="float64") * UNITS_PER_PX).astype(np.int64)


def _moves(units: np.ndarray, of_ring: np.ndarray | None = None) -> np.ndarray:
    """Which vertices are not a repeat of the one before (in the same ring)."""
    keep = np.ones(len(units), dtype=bool)
    keep[1:] = (units[1:] != units[:-1]).any(axis=1)
    if of_ring is not None:
        keep[1:] |= of_ring[1:] != of_ring[:-1]
    return keep


class _Panel:
    """World coordinates (metres) to figure pixels of a panel, y down."""

    def __init__(self, bounds: tuple[float, float, float, float], column: int) -> None:
        minx, miny, maxx, maxy = bounds
        span = max(maxx - minx, maxy - miny, 1e-9)
        self.k = _BOX / span
        self.w = max(1, round((maxx - minx) * self.k))
        self.h = max(1, round((maxy - miny) * self.k))
        self.bounds = bounds
        self.ox = column * MAP_W_PX // 2 + 65 + (_BOX - self.w) // 2
        self.oy = 62 + (_BOX - self.h) // 2

    def point(self, x: float, y: float) -> tuple[float, float]:
        return (
            self.ox + (x - self.bounds[0]) * self.k,
            self.oy + (self.bounds[3] - y) * self.k,
        )

    def units(self, coords: np.ndarray) -> np.ndarray:
        """World coordinates to integer units of the figure."""
        px = self.ox + (coords[:, 0] - self.bounds[0]) * self.k
        py = self.oy + (self.bounds[3] - coords[:, 1]) * self.k
        return _grid(np.column_stack([px, py]))

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.ox, self.oy, self.w, self.h)


def _rings_of(
    geoms: Any, panel: _Panel, tolerance_px: float = SIMPLIFY_PX
) -> list[tuple[np.ndarray, ...]]:
    """The polygon rings of each of ``geoms`` simplified for ``panel``, in figure units
    (consecutive repeats dropped, the closing vertex not repeated; rings left with fewer
    than three vertices are left out). One array pass for all the geometries."""
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    out: list[list[np.ndarray]] = [[] for _ in range(len(geoms))]
    if not len(geoms):
        return []
    simple = shapely.simplify(geoms, tolerance_px / panel.k, preserve_topology=False)
    parts, of_geom = shapely.get_parts(simple, return_index=True)
    polygons = shapely.get_type_id(parts) == 3
    parts, of_geom = parts[polygons], of_geom[polygons]
    rings, of_part = shapely.get_rings(parts, return_index=True)
    coords, of_ring = shapely.get_coordinates(rings, return_index=True)
    last = np.ones(len(of_ring), dtype=bool)  # the closing vertex of each ring
    last[:-1] = of_ring[1:] != of_ring[:-1]
    coords, of_ring = coords[~last], of_ring[~last]
    units = panel.units(coords)
    keep = _moves(units, of_ring)
    units, of_ring = units[keep], of_ring[keep]
    counts = np.bincount(of_ring, minlength=len(rings))
    pieces = np.split(units, np.cumsum(counts)[:-1])
    for r, piece in enumerate(pieces):
        if len(piece) >= 3:
            out[of_geom[of_part[r]]].append(piece)
    return [tuple(x) for x in out]


def _rings(geom: Any, panel: _Panel) -> tuple[np.ndarray, ...]:
    """The polygon rings of one geometry (:func:`_rings_of`)."""
    if geom is None or geom.is_empty:
        return ()
    return _rings_of([geom], panel)[0]


def _line(points: list[tuple[float, float]], rgb: RGB, width_px: float) -> Shape:
    return Shape((_grid(points),), None, rgb, width_px, "line")


def _poly(
    points: list[tuple[float, float]], fill: RGB | None, stroke: RGB | None, w: float
) -> Shape:
    return Shape((_grid(points),), fill, stroke, w)


def _nice(target: float) -> float:
    """The largest 1, 2, 5 × 10^k not above ``target`` (10^k when none is)."""
    exp = 10 ** math.floor(math.log10(max(target, 1e-9)))
    return max((n * exp for n in (1, 2, 5) if n * exp <= target), default=exp)


def _ticks(lo: float, hi: float) -> list[float]:
    step = _nice((hi - lo) / 3)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step) + 1)]


def _frame(panel: _Panel, title: str) -> tuple[list[Shape], list[Label]]:
    """Frame, tick marks with coordinates and the title of a panel."""
    ox, oy, w, h = panel.box
    minx, miny, maxx, maxy = panel.bounds
    shapes = [_poly([(ox, oy), (ox + w, oy), (ox + w, oy + h), (ox, oy + h)], None, BLACK, 1)]
    labels = []
    for x in _ticks(minx, maxx):
        px = ox + (x - minx) * panel.k
        shapes.append(_line([(px, oy + h), (px, oy + h + 4)], BLACK, 1))
        labels.append(Label(px, oy + h + 6, f"{x:.0f}", 9, "mt"))
    for y in _ticks(miny, maxy):
        py = oy + (maxy - y) * panel.k
        shapes.append(_line([(ox - 4, py), (ox, py)], BLACK, 1))
        labels.append(Label(ox - 6, py, f"{y:.0f}", 9, "rm"))
    labels.append(Label(ox + w / 2, oy - 6, title, 13, "md"))
    return shapes, labels


def _scale_bar(panel: _Panel) -> tuple[Shape, Label]:
    """The scale bar and its label in the lower left of a panel."""
    ox, oy, w, h = panel.box
    length = _nice((panel.bounds[2] - panel.bounds[0]) / 4)
    xs, ys = ox + 0.05 * w, oy + 0.94 * h
    text = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    return (
        _line([(xs, ys), (xs + length * panel.k, ys)], BLACK, 4),
        Label(xs + length * panel.k / 2, ys - 5, text, 11, "md"),
    )


def _north_arrow(panel: _Panel) -> tuple[list[Shape], Label]:
    x = panel.ox - (_BOX - panel.w) // 2 + 0.93 * _BOX
    top = panel.oy - (_BOX - panel.h) // 2 + 0.05 * _BOX
    arrow = _poly([(x, top), (x - 6, top + 14), (x + 6, top + 14)], BLACK, None, 0)
    return [arrow, _line([(x, top + 12), (x, top + 34)], BLACK, 1)], Label(
        x, top + 36, "N", 13, "mt"
    )


_STAR_R = 10.0
"""Radius of the star marking the patch on the overview, pixels."""


def _star(x: float, y: float) -> Shape:
    pts = []
    for i in range(10):
        a = math.pi / 2 + i * math.pi / 5
        r = _STAR_R if i % 2 == 0 else _STAR_R * 0.45
        pts.append((x + r * math.cos(a), y - r * math.sin(a)))
    return _poly(pts, PATCH_RED, WHITE, 1)


_OVERVIEWS: dict[int, tuple[Any, _Panel, Layer, tuple[Label, ...]]] = {}


def _township_overview(townships: list[tuple[str, Any]]) -> tuple[_Panel, Layer, tuple[Label, ...]]:
    """The overview panel with every township drawn, named and framed (made once per list)."""
    cached = _OVERVIEWS.get(id(townships))
    if cached is not None and cached[0] is townships:
        return cached[1], cached[2], cached[3]
    bounds = np.array([t.bounds for _, t in townships if not t.is_empty])
    panel = _Panel(
        (bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max()), 0
    )
    import shapely

    towns = np.array([t for _, t in townships], dtype=object)
    whole = shapely.union_all(towns)
    county = Shape(_rings(whole, panel), TOWNSHIP_FILL, TOWNSHIP_LINE, 1)
    # the boundaries between townships, each once (the county's own with its fill)
    inner = shapely.difference(shapely.union_all(shapely.boundary(towns)), shapely.boundary(whole))
    inner = shapely.simplify(shapely.line_merge(inner), SIMPLIFY_PX / panel.k)
    lines = []
    for line in shapely.get_parts(inner):
        units = panel.units(shapely.get_coordinates(line))
        keep = _moves(units)
        if keep.sum() >= 2:
            lines.append(units[keep])
    shapes = [county, Shape(tuple(lines), None, TOWNSHIP_LINE, 1, "line")]
    labels = []
    for name, town in townships:
        if name and not town.is_empty:
            c = town.representative_point()
            labels.append(Label(*panel.point(c.x, c.y), name, 9, "mm", TOWNSHIP_NAME))
    frame, frame_labels = _frame(panel, _OVERVIEW_LABEL)
    layer = Layer(tuple(s for s in shapes if s.rings) + tuple(frame))
    if len(_OVERVIEWS) > 4:
        _OVERVIEWS.clear()
    _OVERVIEWS[id(townships)] = (townships, panel, layer, (*labels, *frame_labels))
    return panel, layer, (*labels, *frame_labels)


_OVERVIEW_LABEL = "位置示意"
_DETAIL_LABEL = "图斑范围"


def _dots(points: list[tuple[float, float]], rgb: RGB, diameter_px: float) -> Shape:
    """Round dots at ``points`` (one where several fall on the same half pixel)."""
    if not points:
        return Shape((), None, rgb, diameter_px, "dots")
    units = np.unique(_grid(points), axis=0)
    return Shape(tuple(units[:, None, :]), None, rgb, diameter_px, "dots")


def location_map(
    geom: Any,
    *,
    neighbours: list[Any],
    townships: list[tuple[str, Any]] | None,
    title: str,
    margin_m: float,
    max_vertices: int | None = MAP_MAX_VERTICES,
) -> LocationMap:
    """The location map of ``geom``: the county overview (left) and the patch close up (right).

    ``geom``, ``neighbours`` and ``townships`` (name, geometry) are in one
    projected CRS (metres). The overview shows the townships with the patch
    starred (without townships: a 5 km window with a dot for each neighbour);
    the close-up the patch and its neighbours, a north arrow, a scale bar and
    coordinates. Its neighbours take at most ``max_vertices`` vertices (None:
    no bound): the nearest are kept.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> m = location_map(box(0, 0, 100, 50), neighbours=[box(120, 0, 160, 40)],
    ...                  townships=None, title="P1 位置图", margin_m=50.0)
    >>> m.width_px, m.height_px, m.labels[-1].text
    (900, 460, 'P1 位置图')
    """
    import shapely

    centre = geom.centroid
    cx, cy = centre.x, centre.y
    layers: list[Layer] = []
    labels: list[Label] = []
    if townships and any(not t.is_empty for _, t in townships):
        op, base, base_labels = _township_overview(townships)
        layers.append(base)
        labels.extend(base_labels)
        marks = [Shape(_rings(geom, op), PATCH_RED, PATCH_RED, 1)]
    else:
        h = OVERVIEW_HALF_M
        op = _Panel((cx - h, cy - h, cx + h, cy + h), 0)
        marks = [
            _dots([op.point(c.x, c.y) for c in (g.centroid for g in neighbours)], NEIGHBOUR_LINE, 4)
        ]
        marks.append(Shape(_rings(geom, op), PATCH_RED, PATCH_RED, 1))
        frame, frame_labels = _frame(op, _OVERVIEW_LABEL)
        marks.extend(frame)
        labels.extend(frame_labels)
    marks.append(_star(*op.point(cx, cy)))
    layers.append(Layer(tuple(s for s in marks if s.rings), clip_px=op.box))
    # the close-up: the patch in its window, with 2 % drawn beyond the frame (clipped)
    minx, miny, maxx, maxy = geom.bounds
    half = max(maxx - minx, maxy - miny) / 2 + margin_m
    dp = _Panel((cx - half, cy - half, cx + half, cy + half), 1)
    pad = 0.04 * half
    padded = (cx - half - pad, cy - half - pad, cx + half + pad, cy + half + pad)
    others = np.asarray(neighbours, dtype=object)
    if len(others) and max_vertices is not None:  # the nearest the map's centre first
        others = others[np.argsort(shapely.distance(centre, others), kind="stable")]
    drawn = _rings_of(shapely.clip_by_rect(others, *padded), dp) if len(others) else []
    sizes = np.cumsum([sum(len(r) for r in rings) for rings in drawn])
    if max_vertices is not None:
        drawn = drawn[: int(np.searchsorted(sizes, max_vertices, side="right"))]
    shown = [Shape(rings, NEIGHBOUR_FILL, NEIGHBOUR_LINE, 1) for rings in drawn if rings]
    own = Shape(
        _rings(shapely.clip_by_rect(geom, *padded), dp),
        PATCH_RED,
        PATCH_RED,
        3,
        fill_opacity=PATCH_FILL_OPACITY,
    )
    layers.append(Layer((*shown, *([own] if own.rings else [])), clip_px=dp.box))
    arrow, north = _north_arrow(dp)
    bar, bar_label = _scale_bar(dp)
    frame, frame_labels = _frame(dp, _DETAIL_LABEL)
    layers.append(Layer((*arrow, bar, *frame)))
    labels.extend((north, bar_label, *frame_labels))
    labels.append(Label(MAP_W_PX / 2, 8, title, 15, "mt"))
    return LocationMap(title, tuple(layers), tuple(labels))
