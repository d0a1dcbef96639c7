"""Render dossier sections as an HTML page (its pictures beside it) and as a PDF."""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path
from typing import Any

from rsgeo.outputs.dossier.chips import CHIP_OUTLINE_RGB
from rsgeo.outputs.dossier.content import Section
from rsgeo.outputs.dossier.fonts import CJKFont, find_cjk_font
from rsgeo.outputs.dossier.location_map import LocationMap
from rsgeo.outputs.dossier.map_render import draw_map_pdf, map_svg

__all__ = ["IMAGE_SUFFIXES", "render_html", "render_pdf", "wrap_text"]

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif"}

_CSS = """
body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif;
       margin: 2em auto; max-width: 60em; color: #111; }
h1 { text-align: center; font-size: 1.5em; }
h2 { font-size: 1.1em; border-bottom: 1px solid #444; margin-top: 1.4em; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { border: 1px solid #777; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eee; }
.kv th { width: 12em; }
figure { display: inline-block; margin: 0.4em 0.5%; vertical-align: top; width: 48%;
         position: relative; }
figure.wide { width: 98%; }
figure img { max-width: 100%; border: 1px solid #ccc; }
svg.map { display: block; width: 100%; height: auto; border: 1px solid #ccc; }
figure .dial { position: absolute; top: 6px; right: 6px; }
.chip { display: block; position: relative; border: 1px solid #000; }
.chip img { display: block; width: 100%; max-width: none; border: 0; image-rendering: pixelated; }
.chip svg { position: absolute; left: 0; top: 0; width: 100%; height: 100%; }
.sign td { height: 3em; }
figcaption { text-align: center; font-size: 0.85em; }
.note { color: #555; font-size: 0.9em; }
@media print { @page { size: A4; margin: 15mm; } body { margin: 0; }
  section { page-break-inside: avoid; }
  figure img { max-height: 125mm; } figure { page-break-inside: avoid; } }
"""


_CSS_SMALL = re.sub(r"\s*\n\s*", " ", _CSS).strip()
"""The style sheet on one line (it is in every page)."""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _img_src(rel: str) -> str:
    """A picture's address relative to the page: the dossier folder keeps its pictures
    beside the page, so a copied folder still shows them, and no picture is stored twice."""
    return "/".join(_e(p) for p in Path(rel).parts)


def _dial_svg(degrees: float) -> str:
    """A compass dial pointing along ``degrees`` (clockwise from north), drawn over a photo."""
    return (
        '<svg class="dial" viewBox="-12 -14 24 26" width="36" height="39">'
        '<circle r="10" fill="white" stroke="#c00"/>'
        '<text y="-10.5" text-anchor="middle" font-size="5">N</text>'
        f'<g transform="rotate({degrees:.1f})"><line y2="-8" stroke="#c00" stroke-width="1.5"/>'
        '<path d="M0,-9 L-3,-4 L3,-4 Z" fill="#c00"/></g></svg>'
    )


_OUTLINE_HEX = "#{:02x}{:02x}{:02x}".format(*CHIP_OUTLINE_RGB)


def _outline_svg(rings: list[list[tuple[float, float]]]) -> str:
    """The patch's outline over a chip: rings in fractions of the picture, drawn as lines
    of constant width whatever the size the picture is shown at."""
    d = " ".join("M" + " L".join(f"{x:g},{y:g}" for x, y in ring) + " Z" for ring in rings if ring)
    return (
        '<svg viewBox="0 0 1 1" preserveAspectRatio="none" aria-hidden="true">'
        f'<path d="{d}" fill="none" stroke="{_OUTLINE_HEX}" stroke-width="2.5" '
        'stroke-linejoin="round" vector-effect="non-scaling-stroke"/></svg>'
    )


def _section_html(section: Section, folder: Path) -> str:
    parts = [f'<section id="{_e(section.key)}"><h2>{_e(section.title)}</h2>']
    if section.kind == "kv":
        body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in section.payload)
        parts.append(f'<table class="kv"><tbody>{body}</tbody></table>')
    elif section.kind == "table":
        headers, rows = section.payload
        if rows:
            head = "".join(f"<th>{_e(h)}</th>" for h in headers)
            body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in rows)
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    elif section.kind == "images":
        azimuths = section.extra.get("azimuths", {})
        outlines = section.extra.get("outlines", {})
        shown_map = section.extra.get("map")
        if shown_map is not None:
            caption, location = shown_map
            parts.append(
                f'<figure class="pic wide">{map_svg(location)}'
                f"<figcaption>{_e(caption)}</figcaption></figure>"
            )
        for caption, rel in section.payload:
            dial = _dial_svg(azimuths[rel]) if rel in azimuths else ""
            text = "<br>".join(_e(line) for line in str(caption).split("\n"))
            img = f'<img src="{_img_src(rel)}" alt="{_e(caption)}">'
            if rel in outlines:
                img = f'<span class="chip">{img}{_outline_svg(outlines[rel])}</span>'
            parts.append(f'<figure class="pic">{img}{dial}<figcaption>{text}</figcaption></figure>')
    elif section.kind == "sign":
        body = "".join(f"<tr><th>{_e(k)}</th><td></td></tr>" for k in section.payload)
        parts.append(f'<table class="kv sign"><tbody>{body}</tbody></table>')
    files = section.extra.get("files", [])
    if files:
        items = "".join(
            f'<li><a href="{"/".join(_e(p) for p in Path(rel).parts)}">{_e(name)}</a></li>'
            for name, rel in files
        )
        parts.append(f"<h3>附件</h3><ul>{items}</ul>")
    if section.note:
        parts.append(f'<p class="note">{_e(section.note)}</p>')
    parts.append("</section>")
    return "".join(parts)


def render_html(sections: list[Section], title: str, folder: Path, *, footer: str = "") -> str:
    """The dossier as one HTML page; its pictures, under ``folder``, are linked by relative paths."""
    body = "".join(_section_html(s, folder) for s in sections)
    foot = f'<p class="note">{_e(footer)}</p>' if footer else ""
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{_CSS_SMALL}</style></head><body>"
        f"<h1>{_e(title)}</h1>{body}{foot}</body></html>"
    )


_FIGURES = "0123456789.,-%()°—：；。，EN"
"""Characters of the numbers, dates and coordinates nearly every dossier prints."""


def label_chars(sections: list[Section]) -> frozenset[str]:
    """The characters of what nearly every dossier of a run prints alike: section titles,
    row labels, table headers, the layer names, notes, and the figures of numbers (those a
    dossier does not print are left out by the writer); their glyphs are prepared once."""
    texts: list[str] = [_FIGURES]
    for s in sections:
        texts += [s.title, s.note]
        if s.kind == "kv":
            texts += [str(k) for k, _ in s.payload]
        elif s.kind == "table" and s.payload[1]:
            texts += [str(h) for h in s.payload[0]]
            if s.key == "overlay":  # the layers' names
                texts += [str(r[0]) for r in s.payload[1]]
        elif s.kind == "sign":
            texts += [str(c) for c in s.payload]
        elif s.kind == "images" and s.key == "maps":  # the figures' captions, the map's words
            texts += [str(c) for c, _ in s.payload]
            if s.extra.get("map") is not None:
                caption, location = s.extra["map"]
                texts += [caption, *location.words()]
    return _label_set("".join(texts))


@functools.lru_cache(maxsize=64)
def _label_set(text: str) -> frozenset[str]:
    return frozenset(text) - {" ", "\n"}


_CJK_BREAK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def wrap_text(text: str, width: float, char_width: Any) -> list[str]:
    """Break ``text`` into lines no wider than ``width``.

    Lines break at spaces in Latin text and between any two characters of
    Chinese text; a word longer than a line is cut. ``char_width(c)`` is the
    width of one character.

    >>> wrap_text("ab cd", 3, lambda c: 1.0)
    ['ab', 'cd']
    >>> wrap_text("图斑卷宗", 2, lambda c: 1.0)
    ['图斑', '卷宗']
    """
    lines: list[str] = []
    for para in str(text).split("\n"):
        line: list[str] = []
        used = 0.0
        for ch in para:
            w = char_width(ch)
            if line and used + w > width:
                if ch == " ":
                    lines.append("".join(line).rstrip(" "))
                    line, used = [], 0.0
                    continue
                head, rest = line, []
                if not (_CJK_BREAK.match(ch) or _CJK_BREAK.match(line[-1])):
                    # inside a Latin word: go back to the last space or Chinese character
                    for i in range(len(line) - 1, 0, -1):
                        if line[i] == " ":
                            head, rest = line[:i], line[i + 1 :]
                            break
                        if _CJK_BREAK.match(line[i]):
                            head, rest = line[: i + 1], line[i + 1 :]
                            break
                lines.append("".join(head).rstrip(" "))
                line, used = rest, sum(char_width(c) for c in rest)
            if ch == " " and not line:
                continue
            line.append(ch)
            used += w
        lines.append("".join(line).rstrip(" "))
    return lines


_WRAPPED: dict[tuple[str, float, float, str], list[str]] = {}
"""Table cells already wrapped, by font file, size, width and text."""


class _Tables:
    """Bordered tables drawn with plain text and rectangles (fast for many short cells)."""

    def __init__(self, pdf: Any, font_size_pt: float, line_h: float) -> None:
        self.pdf, self.line_h, self.pad = pdf, line_h, 1.0
        self.font_size = font_size_pt / pdf.k
        self._widths: dict[str, float] = {}

    def char_width(self, ch: str) -> float:
        w = self._widths.get(ch)
        if w is None:
            w = self._widths[ch] = self.pdf.get_string_width(ch)
        return w

    def _lines(self, text: str, width: float) -> list[str]:
        """``text`` wrapped to ``width``; remembered per font, size and width (labels repeat)."""
        font = getattr(self.pdf, "font", None)  # rsgeo's writer: one parsed font per file
        path = getattr(font, "path", None)
        key = None if path is None else (str(path), self.font_size, width, text)
        found = _WRAPPED.get(key) if key is not None else None
        if found is not None:
            return found
        if "\n" not in text and sum(map(self.char_width, text)) <= width:
            lines = [text.strip(" ")]  # what wrap_text gives a line that fits
        else:
            lines = wrap_text(text, width, self.char_width)
        if key is not None:
            if len(_WRAPPED) > 50_000:
                _WRAPPED.clear()
            _WRAPPED[key] = lines
        return lines

    def _layout(self, cells: list[str], widths: list[float]) -> tuple[list[list[str]], float]:
        wrapped = [self._lines(c, w - 2 * self.pad) for c, w in zip(cells, widths, strict=True)]
        height = max(len(lines) for lines in wrapped) * self.line_h + 2 * self.pad
        return wrapped, height

    def _draw_row(
        self, wrapped: list[list[str]], widths: list[float], height: float, fills: list[bool]
    ) -> None:
        pdf = self.pdf
        x, y = pdf.l_margin, pdf.y
        baseline = self.line_h / 2 + 0.35 * self.font_size
        for lines, w, fill in zip(wrapped, widths, fills, strict=True):
            pdf.rect(x, y, w, height, style="DF" if fill else "D")
            for i, line in enumerate(lines):
                if line:
                    pdf.text(x + self.pad, y + self.pad + i * self.line_h + baseline, line)
            x += w
        pdf.set_y(y + height)

    def fits(self, height: float) -> bool:
        pdf = self.pdf
        return height <= pdf.page_break_trigger - pdf.t_margin

    def draw(
        self,
        rows: list[list[str]],
        col_fractions: list[float],
        *,
        header: list[str] | None = None,
        first_col_filled: bool = False,
    ) -> bool:
        """Draw the table; False (nothing drawn) when a row is taller than a page."""
        pdf = self.pdf
        total = sum(col_fractions)
        widths = [pdf.epw * f / total for f in col_fractions]
        head = self._layout(header, widths) if header is not None else None
        laid = [self._layout(r, widths) for r in rows]
        if any(not self.fits(h) for _, h in laid) or (head and not self.fits(head[1])):
            return False
        pdf.set_draw_color(0, 0, 0)
        pdf.set_fill_color(235, 235, 235)
        pdf.set_line_width(0.2)
        head_fills = [True] * len(widths)
        body_fills = [first_col_filled] + [False] * (len(widths) - 1)

        def page_for(height: float, first: bool) -> None:
            if pdf.y + height > pdf.page_break_trigger:
                pdf.add_page()
                if head is not None and not first:
                    self._draw_row(head[0], widths, head[1], head_fills)

        if head is not None:
            page_for(head[1] + (laid[0][1] if laid else 0.0), True)
            self._draw_row(head[0], widths, head[1], head_fills)
        for wrapped, height in laid:
            page_for(height, False)
            self._draw_row(wrapped, widths, height, body_fills)
        return True


HALF_PAGE_MM = 297.0 / 2
"""Half an A4 page: the most a picture (with its caption) takes in a dossier PDF."""

_GAP_MM = 4.0


def _image_size(path: Path) -> tuple[float, float]:
    """Width and height of an image file in pixels (its header only is read)."""
    from PIL import Image

    with Image.open(path) as im:
        w, h = im.size
    return float(w), float(h)


def _image_rows(section: Section) -> list[list[tuple[str, str]]]:
    """Pictures (chips, photos) in rows of two side by side."""
    items = list(section.payload)
    return [items[i : i + 2] for i in range(0, len(items), 2)]


def _draw_location_map(pdf: Any, caption: str, location: LocationMap) -> None:
    """The location map the page's width, its caption under it, on a new page when the
    rest of this one is too short."""
    line_h = 4.5
    w = pdf.epw
    h = w * location.height_px / location.width_px
    if pdf.y + h + line_h + 1 > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.y
    h = draw_map_pdf(pdf, location, pdf.l_margin, top, w)
    pdf.set_draw_color(204, 204, 204)
    pdf.set_line_width(0.2)
    pdf.rect(pdf.l_margin, top, w, h, style="D")
    pdf.set_draw_color(0, 0, 0)
    pdf.set_font("cjk", "", 9)
    pdf.set_xy(pdf.l_margin, top + h + 0.5)
    pdf.multi_cell(w, line_h, caption, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_xy(pdf.l_margin, top + h + line_h + 1)


def _draw_arrow(pdf: Any, cx: float, cy: float, r: float, degrees: float) -> None:
    """A compass dial: a circle with north marked and an arrow along ``degrees`` (from north)."""
    import math

    pdf.set_draw_color(200, 0, 0)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_line_width(0.3)
    pdf.circle(x=cx, y=cy, radius=r, style="DF")
    a = math.radians(degrees)
    tip = (cx + 0.85 * r * math.sin(a), cy - 0.85 * r * math.cos(a))
    pdf.line(cx, cy, *tip)
    left = (tip[0] - 0.35 * r * math.sin(a - 0.5), tip[1] + 0.35 * r * math.cos(a - 0.5))
    right = (tip[0] - 0.35 * r * math.sin(a + 0.5), tip[1] + 0.35 * r * math.cos(a + 0.5))
    pdf.set_fill_color(200, 0, 0)
    pdf.polygon([tip, left, right], style="DF")
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    pdf.text(cx - 1.2, cy - r - 0.8, "N")


def _draw_outline(
    pdf: Any, rings: list[list[tuple[float, float]]], x: float, y: float, w: float, h: float
) -> None:
    """The patch's outline over a chip drawn at ``x, y`` (``w`` by ``h`` mm), clipped to it,
    and a black frame round the chip."""
    pdf.set_line_width(0.6)
    pdf.set_draw_color(*CHIP_OUTLINE_RGB)
    with pdf.rect_clip(x=x, y=y, w=w, h=h):
        for ring in rings:
            if len(ring) >= 3:
                pdf.polygon([(x + fx * w, y + fy * h) for fx, fy in ring], style="D")
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    pdf.rect(x, y, w, h, style="D")


def _draw_images(pdf: Any, section: Section, folder: Path) -> None:
    """The section's pictures, none taller than half a page with its caption."""
    azimuths: dict[str, float] = section.extra.get("azimuths", {})
    outlines: dict[str, list[list[tuple[float, float]]]] = section.extra.get("outlines", {})
    line_h = 4.5
    shown_map = section.extra.get("map")
    if shown_map is not None:
        _draw_location_map(pdf, *shown_map)
    for row in _image_rows(section):
        row = [
            (c, r)
            for c, r in row
            if (folder / r).is_file() and (folder / r).suffix.lower() in IMAGE_SUFFIXES
        ]
        if not row:
            continue
        cell_w = (pdf.epw - _GAP_MM) / 2
        # a picture left alone in a row of two stands in the middle
        first_x = pdf.l_margin + (0.0 if len(row) == 2 else (pdf.epw - cell_w) / 2)
        n_lines = max(len(c.split("\n")) for c, _ in row)
        caption_h = n_lines * line_h + 1
        box_h = HALF_PAGE_MM - caption_h - 2
        sized = []
        for caption, rel in row:
            iw, ih = _image_size(folder / rel)
            scale = min(cell_w / iw, box_h / ih)
            sized.append((caption, rel, iw * scale, ih * scale))
        row_h = max(h for *_, h in sized) + caption_h
        if pdf.y + row_h > pdf.page_break_trigger:
            pdf.add_page()
        top = pdf.y
        for k, (caption, rel, w, h) in enumerate(sized):
            x0 = first_x + k * (cell_w + _GAP_MM)
            x = x0 + (cell_w - w) / 2
            pdf.image(str(folder / rel), x=x, y=top, w=w, h=h)
            if rel in outlines:
                _draw_outline(pdf, outlines[rel], x, top, w, h)
            if rel in azimuths:
                r = min(6.0, w / 8)
                _draw_arrow(pdf, x + w - r - 1.5, top + r + 3.0, r, azimuths[rel])
            pdf.set_xy(x0, top + h + 0.5)
            pdf.multi_cell(cell_w, line_h, caption, align="C", new_x="LEFT", new_y="NEXT")
        pdf.set_xy(pdf.l_margin, top + row_h)


_SIGN_ROW_MM = 14.0
"""Height of a signature box."""


def _draw_signatures(pdf: Any, rows: list[list[str]]) -> None:
    """Boxes to sign in, each tall enough for a signature, kept together on one page."""
    height = _SIGN_ROW_MM
    if pdf.y + height * len(rows) > pdf.page_break_trigger:
        pdf.add_page()
    pdf.set_draw_color(0, 0, 0)
    pdf.set_fill_color(235, 235, 235)
    pdf.set_line_width(0.3)
    label_w = 40.0
    for label, _ in rows:
        y = pdf.y
        pdf.rect(pdf.l_margin, y, label_w, height, style="DF")
        pdf.rect(pdf.l_margin + label_w, y, pdf.epw - label_w, height, style="D")
        pdf.text(pdf.l_margin + 2, y + height / 2 + 1.2, label)
        pdf.set_y(y + height)


def render_pdf(
    sections: list[Section],
    title: str,
    folder: Path,
    out_path: Path,
    *,
    font: CJKFont | None = None,
) -> None:
    """The dossier as an A4 PDF with a CJK font (default :func:`find_cjk_font`).

    Written by :class:`~rsgeo.outputs.dossier.pdfwriter.Canvas` (the font
    parsed once per process, only the glyphs used embedded, pictures passed
    through); a dossier with a table row taller than a page is written by
    fpdf2, which splits the row.
    """
    from rsgeo.outputs.dossier.pdffont import pdf_font
    from rsgeo.outputs.dossier.pdfwriter import Canvas, NeedsFpdf

    if font is None:
        font = find_cjk_font()
    canvas = Canvas(pdf_font(font))
    # with the title's words (not the patch id's letters, which differ from patch to patch)
    canvas.common_chars = label_chars(sections) | _label_set(
        "".join(c for c in title if _CJK_BREAK.match(c))
    )
    try:
        _draw_document(canvas, sections, title, folder)
    except NeedsFpdf:  # a table row taller than a page: fpdf2 splits it
        _render_fpdf(sections, title, folder, out_path, font=font)
        return
    canvas.output(out_path)


def _render_fpdf(
    sections: list[Section], title: str, folder: Path, out_path: Path, *, font: CJKFont
) -> None:
    try:
        from fpdf import FPDF
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError('dossier PDFs need fpdf2: pip install "rsgeo[dossier]"') from exc
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font("cjk", "", str(font.path), collection_font_number=font.index)
    _draw_document(pdf, sections, title, folder)
    pdf.output(str(out_path))


def _fpdf_table(
    pdf: Any, rows: list[list[str]], col_widths: tuple[float, ...] | None, *, header: bool
) -> None:
    """A table drawn by fpdf2 itself, which splits a row taller than a page."""
    if not hasattr(pdf, "table"):
        from rsgeo.outputs.dossier.pdfwriter import NeedsFpdf

        raise NeedsFpdf
    from fpdf.fonts import FontFace

    head = FontFace(fill_color=(235, 235, 235))
    if header:
        with pdf.table(headings_style=head, line_height=5.5, text_align="LEFT") as table:
            for row in rows:
                table.row(row)
        return
    with pdf.table(
        col_widths=col_widths, first_row_as_headings=False, line_height=5.5, text_align="LEFT"
    ) as table:
        for key, value in rows:
            r = table.row()
            r.cell(key, style=head)
            r.cell(value)


def _draw_document(pdf: Any, sections: list[Section], title: str, folder: Path) -> None:
    """The dossier drawn on ``pdf`` (an fpdf2 ``FPDF`` or a :class:`~rsgeo.outputs.dossier.pdfwriter.Canvas`)."""
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(title)
    pdf.set_creator("rsgeo")
    pdf.add_page()
    pdf.set_font("cjk", "", 16)
    pdf.multi_cell(0, 10, title, align="C", new_x="LMARGIN", new_y="NEXT")
    tables = _Tables(pdf, 9, 5.5)
    for section in sections:
        if (
            section.kind == "sign"
            and pdf.y + 11 + _SIGN_ROW_MM * len(section.payload) > pdf.page_break_trigger
        ):
            pdf.add_page()  # the signature boxes stay with their heading
        pdf.ln(3)
        pdf.set_font("cjk", "", 12)
        pdf.multi_cell(0, 8, section.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", "", 9)
        if section.kind == "kv":
            rows = [[str(k), str(v)] for k, v in section.payload]
            if not tables.draw(rows, [35, 100], first_col_filled=True):
                _fpdf_table(pdf, rows, (35, 100), header=False)
        elif section.kind == "table":
            headers, rows = section.payload
            if rows:
                cells = [[str(c) for c in row] for row in rows]
                names = list(map(str, headers))
                if not tables.draw(cells, [1.0] * len(names), header=names):
                    _fpdf_table(pdf, [names, *cells], None, header=True)
        elif section.kind == "images":
            _draw_images(pdf, section, folder)
        elif section.kind == "sign":
            rows = [[str(label), ""] for label in section.payload]
            _draw_signatures(pdf, rows)
        files = section.extra.get("files", [])
        for name, _rel in files:
            pdf.multi_cell(0, 5.5, f"附件：{name}", new_x="LMARGIN", new_y="NEXT")
        if section.note:
            pdf.set_text_color(90, 90, 90)
            pdf.multi_cell(0, 5.5, section.note, new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0, 0, 0)
