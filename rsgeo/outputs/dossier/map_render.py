"""The location map written into a dossier: inline SVG for the page, paths and text for the PDF.

Both take a :class:`~rsgeo.outputs.dossier.location_map.LocationMap` and
place its labels alike: a label's baseline is its point moved by a share of
its size (:data:`_BASELINE`), and its width is the font's own (the PDF's
embedded font; the page's SVG lets the browser's font centre it).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from rsgeo.outputs.dossier.location_map import UNITS_PER_PX, Label, LocationMap, Shape

__all__ = ["draw_map_pdf", "map_svg"]

_BASELINE = {"t": 0.86, "m": 0.35, "d": -0.18}
"""Where a label's baseline lies from its point, in font sizes, by its vertical anchor."""

_SVG_ANCHOR = {"m": "middle", "r": "end", "l": "start"}


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _svg_path(shape: Shape) -> str:
    if shape.kind == "dots":
        return "".join(f"M{ring[0, 0]} {ring[0, 1]}h0" for ring in shape.rings)
    parts = []
    for ring in shape.rings:
        steps = np.diff(ring, axis=0).ravel().tolist()
        moves = " ".join(map(str, steps)).replace(" -", "-")
        parts.append(
            f"M{ring[0, 0]} {ring[0, 1]}l{moves}" + ("z" if shape.kind == "polygon" else "")
        )
    return "".join(parts)


def _svg_style(shape: Shape) -> str:
    fill = _hex(shape.fill) if shape.fill is not None and shape.kind == "polygon" else "none"
    attrs = [f'fill="{fill}"']
    if fill != "none" and shape.fill_opacity < 1:
        attrs.append(f'fill-opacity="{shape.fill_opacity:g}"')
    if shape.stroke is None:
        attrs.append('stroke="none"')
    else:
        attrs.append(f'stroke="{_hex(shape.stroke)}"')
        attrs.append(f'stroke-width="{shape.width_px * UNITS_PER_PX:g}"')
        if shape.kind == "dots":
            attrs.append('stroke-linecap="round"')
    return " ".join(attrs)


def map_svg(m: LocationMap) -> str:
    """The map as an SVG element to put in an HTML page (one per page: its clip paths'
    ids are fixed); its size follows the page's width.

    >>> from shapely.geometry import box
    >>> from rsgeo.outputs.dossier.location_map import location_map
    >>> svg = map_svg(location_map(box(0, 0, 100, 50), neighbours=[], townships=None,
    ...                            title="P1 位置图", margin_m=50.0))
    >>> svg.startswith('<svg class="map" viewBox="0 0 1800 920"'), "P1 位置图" in svg
    (True, True)
    """
    u = UNITS_PER_PX
    out = [
        f'<svg class="map" viewBox="0 0 {m.width_px * u} {m.height_px * u}" role="img" '
        f'aria-label="{html.escape(m.title, quote=True)}" stroke-linejoin="round" '
        f'fill-rule="evenodd"><rect width="100%" height="100%" fill="#fff"/>'
    ]
    for i, layer in enumerate(m.layers):
        clip = ""
        if layer.clip_px is not None:
            x, y, w, h = (round(v * u) for v in layer.clip_px)
            out.append(
                f'<clipPath id="rsgeo-map-{i}"><rect x="{x}" y="{y}" width="{w}" height="{h}"/>'
                "</clipPath>"
            )
            clip = f' clip-path="url(#rsgeo-map-{i})"'
        out.append(f"<g{clip}>")
        style, paths = "", list[str]()
        for shape in layer.shapes:  # shapes of one style in a row share a group
            s = _svg_style(shape)
            if s != style and paths:
                out.append(f"<g {style}>" + "".join(f'<path d="{p}"/>' for p in paths) + "</g>")
                paths = []
            style = s
            paths.append(_svg_path(shape))
        if paths:
            out.append(f"<g {style}>" + "".join(f'<path d="{p}"/>' for p in paths) + "</g>")
        out.append("</g>")
    groups: dict[tuple[float, str, tuple[int, int, int]], list[Label]] = {}
    for label in m.labels:
        groups.setdefault((label.size_px, label.anchor[0], label.rgb), []).append(label)
    for (size, h_anchor, rgb), labels in groups.items():
        out.append(
            f'<g font-size="{size * u:g}" text-anchor="{_SVG_ANCHOR[h_anchor]}" fill="{_hex(rgb)}">'
        )
        for label in labels:
            base = label.y_px + _BASELINE[label.anchor[1]] * label.size_px
            out.append(
                f'<text x="{round(label.x_px * u)}" y="{round(base * u)}">'
                f"{html.escape(label.text, quote=False)}</text>"
            )
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def _pdf_path(shape: Shape) -> str:
    if shape.kind == "dots":  # a line of no length with round caps is a dot
        dots = " ".join(f"{x} {y} m {x} {y} l" for x, y in (r[0].tolist() for r in shape.rings))
        return f"1 J {dots} S 0 J"
    ops = []
    for ring in shape.rings:
        pts = ring.tolist()
        ops.append(f"{pts[0][0]} {pts[0][1]} m")
        ops.extend(f"{x} {y} l" for x, y in pts[1:])
        if shape.kind == "polygon":
            ops.append("h")
    if shape.kind == "line" or shape.fill is None:
        paint = "S"
    else:
        paint = "B*" if shape.stroke is not None else "f*"
    return " ".join(ops) + " " + paint


def _rg(rgb: tuple[int, int, int]) -> str:
    return " ".join(f"{c / 255:.3g}" for c in rgb)


def _over_white(rgb: tuple[int, int, int], opacity: float) -> tuple[int, int, int]:
    r, g, b = (round(c * opacity + 255 * (1 - opacity)) for c in rgb)
    return r, g, b


def map_pdf_ops(
    m: LocationMap,
    x_pt: float,
    top_pt: float,
    scale: float,
    *,
    fill_alpha: Callable[[float], str] | None = None,
) -> str:
    """The map's shapes as PDF page operators: its corner at (``x_pt``, ``top_pt``) in
    points from the page's bottom left, ``scale`` points to a figure unit.

    ``fill_alpha(opacity)`` names the page's graphics state of that fill opacity
    (``/ca``), for a shape laid over others; without it the shape is filled with its
    colour laid over white."""
    ops = [f"q {scale:.6g} 0 0 {-scale:.6g} {x_pt:.2f} {top_pt:.2f} cm 1 j"]
    u = UNITS_PER_PX
    ops.append(f"1 1 1 rg 0 0 {m.width_px * u} {m.height_px * u} re f")
    for layer in m.layers:
        if layer.clip_px is not None:
            x, y, w, h = (round(v * u) for v in layer.clip_px)
            ops.append(f"q {x} {y} {w} {h} re W n")
        state = ("", "", "")
        for shape in layer.shapes:
            see_through = shape.fill is not None and shape.fill_opacity < 1
            if see_through and fill_alpha is not None:
                ops.append(f"q /{fill_alpha(shape.fill_opacity)} gs")
                state = ("", "", "")  # what is set inside is undone by Q
            elif see_through and shape.fill is not None:
                shape = replace(shape, fill=_over_white(shape.fill, shape.fill_opacity))
            fill = f"{_rg(shape.fill)} rg" if shape.fill is not None else ""
            stroke = f"{_rg(shape.stroke)} RG" if shape.stroke is not None else ""
            width = f"{shape.width_px * u:g} w" if shape.stroke is not None else ""
            new = (fill or state[0], stroke or state[1], width or state[2])
            ops.extend(op for op, old in zip(new, state, strict=True) if op and op != old)
            state = new
            ops.append(_pdf_path(shape))
            if see_through and fill_alpha is not None:
                ops.append("Q")
                state = ("", "", "")
        if layer.clip_px is not None:
            ops.append("Q")
    ops.append("Q")
    return "\n".join(ops)


def draw_map_pdf(pdf: Any, m: LocationMap, x: float, y: float, w: float) -> float:
    """Draw the map on ``pdf`` (a :class:`~rsgeo.outputs.dossier.pdfwriter.Canvas` or an
    fpdf2 ``FPDF``, millimetres, y down) with its corner at ``x, y`` and ``w`` wide;
    returns its height in millimetres."""
    k = pdf.k  # points a millimetre
    mm_per_px = w / m.width_px
    # rsgeo's writer declares fill opacities; fpdf2's pages get the colours over white
    ops = map_pdf_ops(
        m,
        x * k,
        (pdf.h - y) * k,
        mm_per_px * k / UNITS_PER_PX,
        fill_alpha=getattr(pdf, "fill_alpha", None),
    )
    raw = getattr(pdf, "raw", None)
    if raw is not None:
        raw(ops)
    else:  # fpdf2: its page content, as its own drawing methods write it
        pdf._out(ops)
    for label in m.labels:
        size_mm = label.size_px * mm_per_px
        pdf.set_font("cjk", "", size_mm * k)
        pdf.set_text_color(*label.rgb)
        width = pdf.get_string_width(label.text)
        lx = x + label.x_px * mm_per_px
        lx -= {"m": width / 2, "r": width, "l": 0.0}[label.anchor[0]]
        ly = y + label.y_px * mm_per_px + _BASELINE[label.anchor[1]] * size_mm
        pdf.text(lx, ly, label.text)
    pdf.set_text_color(0, 0, 0)
    return m.height_px * mm_per_px
