"""The location map of a patch dossier: county overview and the patch close up.

Drawn offline with Pillow (no tiles, no downloads), with the CJK font of
:mod:`rsgeo.outputs.dossier.fonts` for labels. Maps are drawn at twice their
size and reduced, which smooths the edges; the township background of the
overview map is drawn once and reused for every patch. The imagery chips are
in :mod:`rsgeo.outputs.dossier.chips`.
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np

from rsgeo.outputs.dossier.fonts import find_cjk_font
from rsgeo.outputs.dossier.neighbours import OVERVIEW_HALF_M

__all__ = [
    "MAP_PNG_MAX_BYTES",
    "PNG_COMPRESS_LEVEL",
    "location_map_png",
    "margin_for",
    "write_palette_png",
]

PNG_COMPRESS_LEVEL = 6
"""zlib level of the figures' PNG files (flat colours compress well even at low levels)."""

_MAP_INKS = (
    (255, 255, 255),
    (0, 0, 0),
    (244, 241, 232),  # township fill
    (119, 119, 119),  # township outline
    (85, 85, 85),  # township names
    (221, 221, 221),  # neighbour fill
    (136, 136, 136),  # neighbour outline
    (214, 39, 40),  # the patch (_RED)
    (245, 201, 201),  # its fill, a quarter red over white
    (219, 176, 176),  # and over a neighbour
)


@functools.cache
def _palette() -> Any:
    """The location map's palette: its inks and their blends at 1/4, 1/2, 3/4 (one per 5-bit cell)."""
    image, _, _ = _pil()
    colours: list[tuple[int, ...]] = list(_MAP_INKS)
    for a, b in itertools.combinations(_MAP_INKS, 2):
        for t in (0.25, 0.5, 0.75):
            colours.append(tuple(round(x * (1 - t) + y * t) for x, y in zip(a, b, strict=True)))
    cells: dict[tuple[int, ...], tuple[int, ...]] = {}
    for c in colours:  # Pillow finds the nearest colour within 5 bits a channel
        cells.setdefault(tuple(v >> 3 for v in c), c)
    flat = [v for c in cells.values() for v in c]
    pal = image.new("P", (1, 1))
    pal.putpalette(flat)  # only these: the PNG and the PDF carry no unused entries
    return pal


_S = 2  # supersampling factor
_MAP_W, _MAP_H = 900, 460  # final size of the location map, pixels
_BOX = 370  # side of a map panel's square area, final pixels
_RED = (214, 39, 40)


def _pil() -> Any:
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError('dossier figures need Pillow: pip install "rsgeo[dossier]"') from exc
    return Image, ImageDraw, ImageFont


@functools.lru_cache(maxsize=16)
def _font(size_px: int) -> Any:
    _, _, image_font = _pil()
    font = find_cjk_font()
    # the basic layout (no shaping: none is needed for Chinese and digits) is 3x faster
    return image_font.truetype(
        str(font.path), size_px, index=font.index, layout_engine=image_font.Layout.BASIC
    )


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


def _polygons(geom: Any) -> list[Any]:
    from shapely.geometry import MultiPolygon, Polygon

    if isinstance(geom, Polygon):
        return [] if geom.is_empty else [geom]
    if isinstance(geom, MultiPolygon) or hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _polygons(g)]
    return []


class _Panel:
    """World coordinates (metres) to pixels of a panel image, y up.

    The panel is drawn at ``_S`` times its printed size; :meth:`cropped`
    gives the same mapping for a piece of it whose corner is at ``(x0, y0)``.
    """

    def __init__(self, bounds: tuple[float, float, float, float], box_px: int) -> None:
        minx, miny, maxx, maxy = bounds
        span = max(maxx - minx, maxy - miny, 1e-9)
        self.k = box_px / span
        self.w = max(1, round((maxx - minx) * self.k))
        self.h = max(1, round((maxy - miny) * self.k))
        self.bounds = bounds
        self.dx = self.dy = 0

    def printed(self) -> _Panel:
        """The same panel at its printed size (``1/_S`` of the pixels)."""
        view = copy.copy(self)
        view.k, view.w, view.h = self.k / _S, _printed(self.w), _printed(self.h)
        view.dx, view.dy = self.dx // _S, self.dy // _S
        return view

    def cropped(self, x0: int, y0: int) -> _Panel:
        piece = copy.copy(self)
        piece.dx, piece.dy = self.dx + x0, self.dy + y0
        return piece

    def xy(self, coords: Any) -> list[float]:
        a = np.asarray(coords, dtype="float64")[:, :2]
        px = (a[:, 0] - self.bounds[0]) * self.k - self.dx
        py = (self.bounds[3] - a[:, 1]) * self.k - self.dy
        return np.column_stack([px, py]).ravel().tolist()

    def point(self, x: float, y: float) -> tuple[float, float]:
        return (
            (x - self.bounds[0]) * self.k - self.dx,
            (self.bounds[3] - y) * self.k - self.dy,
        )


def _draw_geom(
    img: Any,
    panel: _Panel,
    geom: Any,
    *,
    fill: tuple[int, ...] | None,
    outline: tuple[int, ...] | None,
    width: int,
    draw: Any = None,
) -> None:
    """Fill (holes left open) and outline the polygon parts of ``geom`` on ``img``
    (``draw``: an RGBA ``ImageDraw`` of ``img`` to reuse)."""
    image, image_draw, _ = _pil()
    if draw is None:
        draw = image_draw.Draw(img, "RGBA")
    for poly in _polygons(geom):
        if fill is not None:
            if len(poly.interiors):
                mask = image.new("L", img.size, 0)
                mdraw = image_draw.Draw(mask)
                mdraw.polygon(panel.xy(poly.exterior.coords), fill=255)
                for ring in poly.interiors:
                    mdraw.polygon(panel.xy(ring.coords), fill=0)
                if len(fill) == 4:
                    mask = mask.point(lambda v, a=fill[3]: v * a // 255)
                img.paste(fill[:3], mask=mask)
            else:
                draw.polygon(panel.xy(poly.exterior.coords), fill=fill)
        if outline is not None:
            for ring in (poly.exterior, *poly.interiors):
                draw.line(panel.xy(ring.coords), fill=outline, width=width, joint="curve")


@functools.lru_cache(maxsize=2048)
def _text_mask(text: str, size_px: int, anchor: str) -> tuple[Any, int, int]:
    """``text`` drawn once as a mask, and where its corner lies from the anchor point."""
    image, image_draw, _ = _pil()
    font = _font(size_px)
    left, top, right, bottom = font.getbbox(text, anchor=anchor)
    mask = image.new("L", (right - left + 2, bottom - top + 2), 0)
    image_draw.Draw(mask).text((1 - left, 1 - top), text, font=font, fill=255, anchor=anchor)
    return mask, left - 1, top - 1


def _label(
    img: Any, draw: Any, xy: tuple[float, float], text: str, size_px: int, anchor: str
) -> None:
    """Black ``text`` at ``xy`` on ``img`` (``draw`` draws on it), as ``draw.text`` draws it;
    a text at whole pixels is pasted from a mask drawn once (coordinates repeat from map to map)."""
    x, y = xy
    if x != int(x) or y != int(y) or x < 1 or y < 1:
        draw.text(xy, text, font=_font(size_px), fill=(0, 0, 0), anchor=anchor)
        return
    mask, dx, dy = _text_mask(text, size_px, anchor)
    img.paste((0, 0, 0), (int(x) + dx, int(y) + dy), mask)


def _nice(target: float) -> float:
    """The largest 1, 2, 5 × 10^k not above ``target`` (10^k when none is)."""
    exp = 10 ** math.floor(math.log10(max(target, 1e-9)))
    return max((n * exp for n in (1, 2, 5) if n * exp <= target), default=exp)


def _ticks(lo: float, hi: float) -> list[float]:
    step = _nice((hi - lo) / 3)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step) + 1)]


def _printed(px: int) -> int:
    """The printed size of ``px`` supersampled pixels (what ``reduce(_S)`` gives)."""
    return -(-px // _S)


def _frame(img: Any, draw: Any, panel: _Panel, origin: tuple[int, int], title: str) -> None:
    """Frame, tick marks with coordinates and the title of a panel pasted at ``origin``.

    Drawn on the printed figure (text is smoothed by the font renderer, lines
    are one pixel), not supersampled.
    """
    ox, oy = origin
    k = panel.k / _S
    w, h = _printed(panel.w), _printed(panel.h)
    minx, miny, maxx, maxy = panel.bounds
    draw.rectangle((ox, oy, ox + w, oy + h), outline=(0, 0, 0), width=1)
    for x in _ticks(minx, maxx):
        px = round(ox + (x - minx) * k)
        draw.line((px, oy + h, px, oy + h + 4), fill=(0, 0, 0), width=1)
        _label(img, draw, (px, oy + h + 6), f"{x:.0f}", 9, "mt")
    for y in _ticks(miny, maxy):
        py = round(oy + (maxy - y) * k)
        draw.line((ox - 4, py, ox, py), fill=(0, 0, 0), width=1)
        _label(img, draw, (ox - 6, py), f"{y:.0f}", 9, "rm")
    _label(img, draw, (ox + w / 2, oy - 6), title, 13, "md")


def _scale_bar(img: Any, draw: Any, panel: _Panel, origin: tuple[int, int]) -> None:
    """The scale bar and its label in the lower left of a panel pasted at ``origin``."""
    ox, oy = origin
    k = panel.k / _S
    length = _nice((panel.bounds[2] - panel.bounds[0]) / 4)
    xs, ys = ox + 0.05 * _printed(panel.w), oy + 0.94 * _printed(panel.h)
    draw.line((xs, ys, xs + length * k, ys), fill=(0, 0, 0), width=4)
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    _label(img, draw, (xs + length * k / 2, ys - 5), label, 11, "md")


@functools.cache
def _north_arrow() -> tuple[Any, tuple[int, int, int, int]]:
    """The north arrow with its "N" as a mask, and its box in the close-up (printed pixels)."""
    image, image_draw, _ = _pil()
    x, top = 0.93 * _BOX, 0.05 * _BOX
    box = (math.floor(x - 9), math.floor(top - 1), math.ceil(x + 9), math.ceil(top + 52))
    big = image.new("L", ((box[2] - box[0]) * _S, (box[3] - box[1]) * _S), 0)
    draw = image_draw.Draw(big)
    ax, at = (x - box[0]) * _S, (top - box[1]) * _S
    draw.polygon([(ax, at), (ax - 6 * _S, at + 14 * _S), (ax + 6 * _S, at + 14 * _S)], fill=255)
    draw.line((ax, at + 12 * _S, ax, at + 34 * _S), fill=255, width=_S)
    mask = big.reduce(_S)
    image_draw.Draw(mask).text(
        (x - box[0], top + 36 - box[1]), "N", font=_font(13), fill=255, anchor="mt"
    )
    return mask, box


_STAR_R = 10 * _S
"""Radius of the star marking the patch on the overview, supersampled pixels."""


def _star(draw: Any, x: float, y: float, r: float) -> None:
    pts = []
    for i in range(10):
        a = math.pi / 2 + i * math.pi / 5
        rr = r if i % 2 == 0 else r * 0.45
        pts.append((x + rr * math.cos(a), y - rr * math.sin(a)))
    draw.polygon(pts, fill=_RED, outline=(255, 255, 255), width=_S)


_BACKGROUNDS: dict[int, tuple[Any, Any, _Panel]] = {}


def _township_background(townships: list[tuple[str, Any]]) -> tuple[Any, _Panel]:
    """The overview panel with every township drawn and labelled (made once per list).

    Drawn at its printed size: the thin township lines need no smoothing,
    and the map's PNG is a fifth smaller without it. Returns the image and
    the (supersampled) panel the patch is drawn on.
    """
    cached = _BACKGROUNDS.get(id(townships))
    if cached is not None and cached[0] is townships:
        return cached[1], cached[2]
    image, image_draw, _ = _pil()
    bounds = [t.bounds for _, t in townships if not t.is_empty]
    panel = _Panel(
        (
            min(b[0] for b in bounds),
            min(b[1] for b in bounds),
            max(b[2] for b in bounds),
            max(b[3] for b in bounds),
        ),
        _BOX * _S,
    )
    view = panel.printed()
    img = image.new("RGB", (view.w, view.h), (255, 255, 255))
    for _, town in townships:
        _draw_geom(img, view, town, fill=(244, 241, 232), outline=(119, 119, 119), width=1)
    draw = image_draw.Draw(img)
    for name, town in townships:
        if name and not town.is_empty:
            c = town.representative_point()
            draw.text(view.point(c.x, c.y), name, font=_font(9), fill=(85, 85, 85), anchor="mm")
    if len(_BACKGROUNDS) > 4:
        _BACKGROUNDS.clear()
    _BACKGROUNDS[id(townships)] = (townships, img, panel)
    return img, panel


_OVERVIEW_LABEL = "位置示意"


def _origin(i: int, panel: _Panel) -> tuple[int, int]:
    """Where panel ``i`` (0: overview, 1: close-up) lies in the printed figure, in pixels."""
    left = i * _MAP_W // 2 + 65 + (_BOX - _printed(panel.w)) // 2
    return left, 62 + (_BOX - _printed(panel.h)) // 2


_BASES: dict[int, tuple[Any, Any, Any, Any, _Panel]] = {}


def _base_figure(townships: list[tuple[str, Any]]) -> tuple[Any, Any, Any, _Panel]:
    """The printed figure with the township overview framed and labelled (made once per list).

    Returns the figure, the same in the map's palette (to copy), the overview
    (to cut the patch's corner from) and its supersampled panel.
    """
    cached = _BASES.get(id(townships))
    if cached is None or cached[0] is not townships:
        image, image_draw, _ = _pil()
        over, op = _township_background(townships)
        fig = image.new("RGB", (_MAP_W, _MAP_H), (255, 255, 255))
        ox, oy = _origin(0, op)
        fig.paste(over, (ox, oy))
        _frame(fig, image_draw.Draw(fig), op, (ox, oy), _OVERVIEW_LABEL)
        if len(_BASES) > 4:
            _BASES.clear()
        cached = _BASES[id(townships)] = (townships, fig, _quantized(fig), over, op)
    return cached[1], cached[2].copy(), cached[3], cached[4]


def _quantized(rgb: Any) -> Any:
    """``rgb`` in the map's palette: each pixel the nearest ink or blend, on its own
    (no dithering), so a piece quantized alone equals the same piece of the whole."""
    image, _, _ = _pil()
    return rgb.quantize(palette=_palette(), dither=image.Dither.NONE)


_TITLE_STRIP = (0, 0, _MAP_W, 40)
"""The part of the figure the title is drawn in (nothing else of a patch is drawn there)."""

_DETAIL_PART = (_MAP_W // 2, 40, _MAP_W, _MAP_H)
"""The part of the figure the close-up lies in, with its coordinates, scale bar and title."""


def _clip(geom: Any, bounds: tuple[float, float, float, float]) -> Any:
    import shapely

    gminx, gminy, gmaxx, gmaxy = geom.bounds
    if gmaxx < bounds[0] or gminx > bounds[2] or gmaxy < bounds[1] or gminy > bounds[3]:
        return None
    if bounds[0] <= gminx and gmaxx <= bounds[2] and bounds[1] <= gminy and gmaxy <= bounds[3]:
        return geom
    return shapely.clip_by_rect(geom, *bounds)


def _mark_on_overview(
    fig: Any, over: Any, op: _Panel, origin: tuple[int, int], geom: Any, centre: Any
) -> None:
    """The patch and its star drawn on the piece of the overview around them, pasted in
    ``fig`` (RGB, or a palette image: the piece is then put in the map's palette)."""
    image, image_draw, _ = _pil()
    sx, sy = op.point(*centre)
    minx, miny, maxx, maxy = geom.bounds
    (gx0, gy0), (gx1, gy1) = op.point(minx, maxy), op.point(maxx, miny)
    r = _STAR_R + 2 * _S
    x0 = max(0, math.floor(min(sx - r, gx0 - _S)))
    y0 = max(0, math.floor(min(sy - r, gy0 - _S)))
    x1 = min(op.w, math.ceil(max(sx + r, gx1 + _S)))
    y1 = min(op.h, math.ceil(max(sy + r, gy1 + _S)))
    x0, y0 = x0 - x0 % _S, y0 - y0 % _S  # on whole printed pixels
    if x1 <= x0 or y1 <= y0:
        return
    box = (x0 // _S, y0 // _S, _printed(x1), _printed(y1))
    size = ((box[2] - box[0]) * _S, (box[3] - box[1]) * _S)
    piece = over.crop(box).resize(size, image.Resampling.NEAREST)
    _draw_geom(piece, op.cropped(x0, y0), geom, fill=_RED, outline=_RED, width=_S)
    _star(image_draw.Draw(piece, "RGBA"), sx - x0, sy - y0, _STAR_R)
    piece = piece.reduce(_S)
    if fig.mode == "P":
        piece = _quantized(piece)
    fig.paste(piece, (origin[0] + x0 // _S, origin[1] + y0 // _S))


MAP_PNG_MAX_BYTES = 18_000
"""The most bytes of a location map's PNG file (the PDF holds the same bytes again).

Nearly every map is smaller at zlib level 6 (the bundled sample: 14.8 KB
median, 18.3 KB the largest). A larger one is compressed again at level 9
and, when still larger, drawn again with the nearest half of its
neighbouring patches, until it fits (or shows the patch alone)."""


def location_map_png(
    geom: Any,
    out_path: Path,
    *,
    neighbours: list[Any],
    townships: list[tuple[str, Any]] | None,
    title: str,
    margin_m: float,
    max_bytes: int | None = MAP_PNG_MAX_BYTES,
) -> Any:
    """Write the location map: county overview (left) and the patch close up (right).

    ``geom``, ``neighbours`` and ``townships`` (name, geometry) are in one
    projected CRS (metres). Returns the image (a Pillow palette image).

    The file is at most ``max_bytes`` (:data:`MAP_PNG_MAX_BYTES`; None: no
    bound): a larger map is compressed harder, then drawn with the nearest
    half of ``neighbours`` until it fits or shows the patch alone.
    """
    small = _draw_location_map(geom, neighbours, townships, title, margin_m)
    size = write_palette_png(small, out_path)
    if max_bytes is None or size <= max_bytes:
        return small
    size = write_palette_png(small, out_path, level=9)
    if size > max_bytes and neighbours:
        import shapely

        order = np.argsort(
            shapely.distance(geom, np.asarray(neighbours, dtype=object)), kind="stable"
        )
        nearest = [neighbours[i] for i in order]
        keep = len(nearest)
        while size > max_bytes and keep > 0:
            keep //= 2
            small = _draw_location_map(geom, nearest[:keep], townships, title, margin_m)
            size = write_palette_png(small, out_path, level=9)
    return small


def _draw_location_map(
    geom: Any,
    neighbours: list[Any],
    townships: list[tuple[str, Any]] | None,
    title: str,
    margin_m: float,
) -> Any:
    """The location map (:func:`location_map_png`) as a palette image.

    Shapes are drawn at twice their size and reduced (smooth edges), only
    where they are: the piece of the close-up the patch and its neighbours
    cover and, on the township overview (drawn once per run), the patch's
    corner of it; frames and text are drawn on the printed figure, the north
    arrow pasted from a mask made once. With township boundaries, the figure
    starts from the overview put in the map's palette once per run, and only
    the parts drawn for the patch (the title, the overview's corner, the
    close-up) are put in the palette for each patch.
    """
    image, image_draw, _ = _pil()
    centroid = geom.centroid
    cx, cy = centroid.x, centroid.y
    # overview: townships (or a 5 km window) with the patch as a star
    if townships and any(not t.is_empty for _, t in townships):
        base, small, over, op = _base_figure(townships)
        _mark_on_overview(small, over, op, _origin(0, op), geom, (cx, cy))
        strip, part = base.crop(_TITLE_STRIP), base.crop(_DETAIL_PART)
        strip_at, part_at = _TITLE_STRIP[:2], _DETAIL_PART[:2]
    else:
        h = OVERVIEW_HALF_M
        op = _Panel((cx - h, cy - h, cx + h, cy + h), _BOX * _S)
        over = image.new("RGB", (op.w, op.h), (255, 255, 255))
        odraw = image_draw.Draw(over, "RGBA")
        r = 2 * _S
        for g in neighbours:
            c = g.centroid
            px, py = op.point(c.x, c.y)
            odraw.ellipse((px - r, py - r, px + r, py + r), fill=(136, 136, 136))
        _draw_geom(over, op, geom, fill=_RED, outline=_RED, width=_S)
        _star(odraw, *op.point(cx, cy), _STAR_R)
        fig = image.new("RGB", (_MAP_W, _MAP_H), (255, 255, 255))
        fig.paste(over.reduce(_S), _origin(0, op))
        _frame(fig, image_draw.Draw(fig), op, _origin(0, op), _OVERVIEW_LABEL)
        small = None
        strip = part = fig
        strip_at = part_at = (0, 0)
    _detail(part, part_at, geom, neighbours, margin_m, (cx, cy))
    image_draw.Draw(strip).text(
        (_MAP_W / 2 - strip_at[0], 8 - strip_at[1]),
        title,
        font=_font(15),
        fill=(0, 0, 0),
        anchor="mt",
    )
    # flat colours and their smoothed edges: a fixed palette of them keeps the
    # map at a third of the bytes, and the PDF embeds the file's data as it is
    if small is None:
        small = _quantized(strip)
    else:
        small.paste(_quantized(part), part_at)
        small.paste(_quantized(strip), strip_at)
    return small


def write_palette_png(img: Any, out_path: Path, *, level: int = PNG_COMPRESS_LEVEL) -> int:
    """Write a palette image as a PNG file (8 bits a pixel, no filter, zlib ``level``);
    returns its size in bytes.

    Each row is stored unfiltered (filters do not help flat palette colours) and
    compressed in one call (:mod:`rsgeo.outputs.dossier.deflate`); this is faster
    than Pillow's encoder and a little smaller at the same level.
    """
    import struct
    import zlib

    from rsgeo.outputs.dossier.deflate import compressobj

    pixels = np.asarray(img, dtype=np.uint8)
    height, width = pixels.shape
    rows = np.zeros((height, width + 1), dtype=np.uint8)  # filter byte 0: none
    rows[:, 1:] = pixels
    packer = compressobj(level, 15)
    idat = packer.compress(rows.data) + packer.flush()
    palette = bytes(img.getpalette() or [])

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(body, zlib.crc32(kind))
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    data = b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)),
            chunk(b"PLTE", palette),
            chunk(b"IDAT", idat),
            chunk(b"IEND", b""),
        )
    )
    Path(out_path).write_bytes(data)
    return len(data)


def _detail(
    fig: Any,
    at: tuple[int, int],
    geom: Any,
    neighbours: list[Any],
    margin_m: float,
    centre: tuple[float, float],
) -> None:
    """The close-up drawn on ``fig``, the part of the figure whose corner is at ``at``:
    the patch and its neighbours, north arrow, scale bar, frame with coordinates."""
    image, image_draw, _ = _pil()
    cx, cy = centre
    minx, miny, maxx, maxy = geom.bounds
    half = max(maxx - minx, maxy - miny) / 2 + margin_m
    window = (cx - half, cy - half, cx + half, cy + half)
    dp = _Panel(window, _BOX * _S)
    pad = 0.02 * 2 * half
    padded = (window[0] - pad, window[1] - pad, window[2] + pad, window[3] + pad)
    parts = [p for p in (_clip(other, padded) for other in neighbours) if p is not None]
    own = _clip(geom, padded)
    left, top = _origin(1, dp)
    left, top = left - at[0], top - at[1]
    shown = [g for g in (*parts, own) if g is not None and not g.is_empty]
    if shown:
        bounds = np.array([g.bounds for g in shown])
        (x0, y0), (x1, y1) = (
            dp.point(bounds[:, 0].min(), bounds[:, 3].max()),
            dp.point(bounds[:, 2].max(), bounds[:, 1].min()),
        )
        reach = 3 * _S  # the widest outline
        x0, y0 = max(0, math.floor(x0 - reach)), max(0, math.floor(y0 - reach))
        x1, y1 = min(dp.w, math.ceil(x1 + reach)), min(dp.h, math.ceil(y1 + reach))
        x0, y0 = x0 - x0 % _S, y0 - y0 % _S  # on whole printed pixels
        if x1 > x0 and y1 > y0:
            piece = image.new("RGB", (x1 - x0, y1 - y0), (255, 255, 255))
            view = dp.cropped(x0, y0)
            pdraw = image_draw.Draw(piece, "RGBA")
            for part in parts:
                _draw_geom(
                    piece,
                    view,
                    part,
                    fill=(221, 221, 221),
                    outline=(136, 136, 136),
                    width=_S,
                    draw=pdraw,
                )
            _draw_geom(piece, view, own, fill=(*_RED, 64), outline=_RED, width=3 * _S, draw=pdraw)
            fig.paste(piece.reduce(_S), (left + x0 // _S, top + y0 // _S))
    # over it: north arrow, scale bar, frame with coordinates
    mask, (ax0, ay0, ax1, ay1) = _north_arrow()
    fig.paste((0, 0, 0), (left + ax0, top + ay0, left + ax1, top + ay1), mask)
    fdraw = image_draw.Draw(fig)
    _scale_bar(fig, fdraw, dp, (left, top))
    _frame(fig, fdraw, dp, (left, top), "图斑范围")
