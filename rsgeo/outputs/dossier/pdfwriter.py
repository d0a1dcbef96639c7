"""A small PDF writer for dossiers: one CJK font parsed once, pictures passed through.

fpdf2 parses the TrueType font for every document and subsets it again with
fontTools when it writes the file; at a province's tens of thousands of
dossiers that is most of the time spent. Here the font is parsed once per
process (:mod:`rsgeo.outputs.dossier.pdffont`), and each document embeds only
the glyphs it prints, with a ``ToUnicode`` map so the text can be searched
and copied, and the font name tagged as a subset. PNG pictures with 8-bit grey, RGB or palette colours are embedded as their
compressed data (no decoding, no re-encoding); JPEG photos as they are.

:class:`Canvas` has the few drawing calls of :func:`rsgeo.outputs.dossier.render.render_pdf`
with fpdf2's meaning (millimetres, y down, A4, margins of 10 mm), so the
dossier layout is written once for both.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rsgeo.outputs.dossier.deflate import DEFLATE_LEVEL, TAIL_DEFLATE_LEVEL, compress
from rsgeo.outputs.dossier.pdffont import PdfFont

__all__ = ["Canvas", "NeedsFpdf"]

_K = 72 / 25.4  # points per millimetre


class NeedsFpdf(Exception):
    """Raised when the dossier needs a feature only fpdf2 has (a row taller than a page)."""


# ---------------------------------------------------------------------------
# pictures


@dataclass(frozen=True)
class _Image:
    width: int
    height: int
    dictionary: str
    data: bytes
    palette: bytes = b""  # an indexed image's colours, written as their own stream


def _png(data: bytes) -> _Image | None:
    """A PNG's compressed data as a PDF image, or None when it must be decoded."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    pos = 8
    idat = bytearray()
    palette = b""
    width = height = depth = colour = interlace = -1
    while pos + 8 <= len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = body
        elif kind == b"IDAT":
            idat += body
        elif kind == b"tRNS":
            return None
        elif kind == b"IEND":
            break
        pos += 12 + length
    if depth != 8 or interlace != 0 or colour not in (0, 2, 3) or not idat:
        return None
    colours = {0: 1, 2: 3, 3: 1}[colour]
    if colour == 3:
        if not palette:
            return None
        space = f"[/Indexed /DeviceRGB {len(palette) // 3 - 1} {{palette}}]"  # its stream
    else:
        space = "/DeviceGray" if colour == 0 else "/DeviceRGB"
    parms = f"/DecodeParms <</Predictor 15 /Colors {colours} /BitsPerComponent 8 /Columns {width}>>"
    return _Image(
        width,
        height,
        f"/ColorSpace {space} /BitsPerComponent 8 /Filter /FlateDecode {parms}",
        bytes(idat),
        palette if colour == 3 else b"",
    )


def _jpeg(data: bytes) -> _Image | None:
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        if im.format != "JPEG" or im.mode not in ("RGB", "L"):
            return None
        w, h = im.size
        space = "/DeviceRGB" if im.mode == "RGB" else "/DeviceGray"
    return _Image(w, h, f"/ColorSpace {space} /BitsPerComponent 8 /Filter /DCTDecode", data)


def _decoded(path: Path) -> _Image:
    from PIL import Image

    with Image.open(path) as im:
        rgb = im.convert("RGB")
    return _Image(
        rgb.width,
        rgb.height,
        "/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode",
        compress(rgb.tobytes(), DEFLATE_LEVEL),
    )


def _load_image(path: Path) -> _Image:
    data = path.read_bytes()
    found = _png(data)
    if found is None and data[:2] == b"\xff\xd8":
        found = _jpeg(data)
    return found if found is not None else _decoded(path)


# ---------------------------------------------------------------------------
# the canvas


def _num(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".") or "0"


@functools.lru_cache(maxsize=64)
def _rgb(c: tuple[int, int, int]) -> str:
    """A colour's three PDF components (0–1), worked out once per colour."""
    return " ".join(_num(v / 255) for v in c)


_PAINT = {"D": "S", "F": "f", "DF": "B", "FD": "B"}


@dataclass
class _Page:
    ops: list[str] = field(default_factory=list)


class Canvas:
    """An A4 portrait page stack drawn in millimetres, y down (fpdf2's conventions)."""

    def __init__(self, font: PdfFont) -> None:
        self.font = font
        self.w, self.h, self.k = 210.0, 297.0, _K
        self.l_margin = self.t_margin = self.r_margin = 10.0
        self.c_margin = 1.0
        self.b_margin = 15.0
        self.page_break_trigger = self.h - self.b_margin
        self.x, self.y = self.l_margin, self.t_margin
        self.font_size_pt = 12.0
        self.font_size = 12.0 / _K
        self.pages: list[_Page] = []
        self._draw = (0, 0, 0)
        self._fill = (0, 0, 0)
        self._text = (0, 0, 0)
        self._line_width = 0.2
        self._glyphs: set[int] = set()
        self._alphas: dict[str, float] = {}  # graphics states of fill opacity, by name
        self._images: dict[str, tuple[int, _Image]] = {}
        self._runs: list[tuple[int, int, str]] = []  # (page, op index, text) to encode at the end
        self.title = ""
        self.creator = ""
        self.common_chars: frozenset[str] = frozenset()
        """Characters every document of a kind prints (labels): their glyphs are prepared once."""

    # -- state
    @property
    def epw(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def set_auto_page_break(self, auto: bool = True, margin: float = 15.0) -> None:
        self.b_margin = margin
        self.page_break_trigger = self.h - margin

    def set_title(self, title: str) -> None:
        self.title = title

    def set_creator(self, creator: str) -> None:
        self.creator = creator

    def add_page(self) -> None:
        self.pages.append(_Page())
        self.x, self.y = self.l_margin, self.t_margin
        self._op(f"{_num(self._line_width * _K)} w")

    def set_font(self, family: str, style: str = "", size: float = 12) -> None:
        self.font_size_pt = float(size)
        self.font_size = float(size) / _K

    def set_draw_color(self, r: int, g: int | None = None, b: int | None = None) -> None:
        self._draw = (r, r if g is None else g, r if b is None else b)

    def set_fill_color(self, r: int, g: int | None = None, b: int | None = None) -> None:
        self._fill = (r, r if g is None else g, r if b is None else b)

    def set_text_color(self, r: int, g: int | None = None, b: int | None = None) -> None:
        self._text = (r, r if g is None else g, r if b is None else b)

    def set_line_width(self, width: float) -> None:
        self._line_width = width
        if self.pages:
            self._op(f"{_num(width * _K)} w")

    def set_xy(self, x: float, y: float) -> None:
        self.x, self.y = x, y

    def set_y(self, y: float) -> None:
        self.x, self.y = self.l_margin, y

    def ln(self, h: float) -> None:
        self.x, self.y = self.l_margin, self.y + h

    def get_string_width(self, text: str) -> float:
        return sum(self.font.width(c) for c in text) * self.font_size / 1000

    # -- drawing
    def _op(self, op: str) -> None:
        self.pages[-1].ops.append(op)

    def fill_alpha(self, opacity: float) -> str:
        """The name of the pages' graphics state that fills with ``opacity`` (``/ca``)."""
        name = f"A{round(opacity * 1000)}"
        self._alphas[name] = opacity
        return name

    def raw(self, ops: str) -> None:
        """Page operators drawn as they are (in points, y up), e.g. a map's paths; the
        caller leaves the graphics state as it found it (``q`` … ``Q``)."""
        self._op(ops)

    def _paint(self, style: str | None) -> tuple[str, str]:
        style = (style or "D").upper()
        ops = []
        if "F" in style:
            ops.append(f"{_rgb(self._fill)} rg")
        if "D" in style:
            ops.append(f"{_rgb(self._draw)} RG")
        return " ".join(ops), _PAINT[style]

    def _pt(self, x: float, y: float) -> str:
        return f"{x * _K:.2f} {(self.h - y) * _K:.2f}"

    def rect(self, x: float, y: float, w: float, h: float, style: str | None = None) -> None:
        colours, paint = self._paint(style)
        self.pages[-1].ops.append(
            f"{colours} {x * _K:.2f} {(self.h - y) * _K:.2f} {w * _K:.2f} {-h * _K:.2f} re {paint}"
        )

    @contextlib.contextmanager
    def rect_clip(self, x: float, y: float, w: float, h: float) -> Iterator[None]:
        """What is drawn inside the block is clipped to the rectangle (as fpdf2's)."""
        self._op(f"q {x * _K:.2f} {(self.h - y) * _K:.2f} {w * _K:.2f} {-h * _K:.2f} re W n")
        try:
            yield
        finally:
            # the line width set inside is undone by Q: set it again
            self._op(f"Q {_num(self._line_width * _K)} w")

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self._op(f"{_rgb(self._draw)} RG {self._pt(x1, y1)} m {self._pt(x2, y2)} l S")

    def polygon(self, points: list[tuple[float, float]], style: str | None = None) -> None:
        colours, paint = self._paint(style)
        path = " ".join(
            f"{self._pt(x, y)} {'m' if i == 0 else 'l'}" for i, (x, y) in enumerate(points)
        )
        self._op(f"{colours} {path} h {paint}")

    def circle(self, x: float, y: float, radius: float, style: str | None = None) -> None:
        colours, paint = self._paint(style)
        c = 0.5523 * radius
        pts = [
            (x + radius, y),
            (x + radius, y - c, x + c, y - radius, x, y - radius),
            (x - c, y - radius, x - radius, y - c, x - radius, y),
            (x - radius, y + c, x - c, y + radius, x, y + radius),
            (x + c, y + radius, x + radius, y + c, x + radius, y),
        ]
        path = [f"{self._pt(*pts[0])} m"]
        for seg in pts[1:]:
            path.append(
                f"{self._pt(seg[0], seg[1])} {self._pt(seg[2], seg[3])} {self._pt(seg[4], seg[5])} c"
            )
        self._op(f"{colours} {' '.join(path)} h {paint}")

    def text(self, x: float, y: float, text: str) -> None:
        """``text`` with its baseline at ``y``."""
        if not text:
            return
        ops = self.pages[-1].ops
        # the glyphs are encoded at the end, when the document's subset is known
        self._runs.append((len(self.pages) - 1, len(ops), text))
        ops.append(
            f"BT {_rgb(self._text)} rg /F1 {_num(self.font_size_pt)} Tf "
            f"{x * _K:.2f} {(self.h - y) * _K:.2f} Td"
        )

    def multi_cell(
        self,
        w: float,
        h: float,
        text: str,
        align: str = "L",
        new_x: str = "RIGHT",
        new_y: str = "NEXT",
    ) -> None:
        """Lines of ``text`` wrapped to ``w`` (0: to the right margin), each ``h`` high."""
        from rsgeo.outputs.dossier.render import wrap_text

        x0 = self.x
        if w == 0:
            w = self.w - self.r_margin - x0
        size = self.font_size / 1000
        lines = wrap_text(text, w - 2 * self.c_margin, lambda c: self.font.width(c) * size)
        for line in lines:
            if self.y + h > self.page_break_trigger:
                self.add_page()
                self.x = x0
            if line:
                if align == "C":
                    dx = (w - self.get_string_width(line)) / 2
                elif align == "R":
                    dx = w - self.c_margin - self.get_string_width(line)
                else:
                    dx = self.c_margin
                self.text(x0 + dx, self.y + 0.5 * h + 0.3 * self.font_size, line)
            self.y += h
        if new_x == "LMARGIN":
            self.x = self.l_margin
        elif new_x == "LEFT":
            self.x = x0
        else:
            self.x = x0 + w
        if new_y != "NEXT":
            raise ValueError(f"new_y {new_y!r} not supported; allowed: 'NEXT'")

    def image(self, source: str | Path, x: float, y: float, w: float, h: float) -> None:
        key = str(source)
        if key not in self._images:
            self._images[key] = (len(self._images), _load_image(Path(source)))
        n = self._images[key][0]
        self._op(f"q {_num(w * _K)} 0 0 {_num(h * _K)} {self._pt(x, y + h)} cm /I{n} Do Q")

    # -- the file
    def output(self, path: str | Path) -> None:
        """Write the PDF: pages, the pictures once each, the font with the glyphs used."""
        font = self.font
        chars = set("".join(text for _, _, text in self._runs))
        glyph_of = {c: font.cmap.get(ord(c), 0) for c in chars}
        common = frozenset(glyph_of[c] for c in self.common_chars & chars)
        font_stream, font_length, font_crc, new = font.font_file(set(glyph_of.values()), common)
        code = {c: f"{new[g]:04X}" for c, g in glyph_of.items()}
        for page_no, at, text in self._runs:
            ops = self.pages[page_no].ops
            ops[at] = f"{ops[at]} <{''.join(map(code.__getitem__, text))}> Tj ET"
        objs: list[bytes] = []

        def add(body: bytes | str) -> int:
            objs.append(body.encode("latin-1") if isinstance(body, str) else body)
            return len(objs)

        def stream(dictionary: str, data: bytes) -> bytes:
            return (
                f"<<{dictionary} /Length {len(data)}>>\nstream\n".encode() + data + b"\nendstream"
            )

        catalog = add("")
        pages_id = add("")
        info = add(
            f"<</Title {_pdf_text(self.title)} /Creator {_pdf_text(self.creator)} /Producer (rsgeo)>>"
        )
        font_file = add(stream(f"/Filter /FlateDecode /Length1 {font_length}", font_stream))
        tag = _subset_tag(font_crc)
        name = f"{tag}+{_base_name(font.path)}"
        scale = 1000 / font.upem
        descriptor = add(
            f"<</Type /FontDescriptor /FontName /{name} /Flags 4 "
            f"/FontBBox [{' '.join(str(round(v * scale)) for v in font.bbox)}] /ItalicAngle 0 "
            f"/Ascent {round(font.ascent * scale)} /Descent {round(font.descent * scale)} "
            f"/CapHeight {round(font.ascent * scale)} /StemV 80 /FontFile2 {font_file} 0 R>>"
        )
        by_new = {n: old for old, n in new.items()}
        default, widths = _widths([round(font.advance[by_new[n]] * scale) for n in range(len(new))])
        cid = add(
            f"<</Type /Font /Subtype /CIDFontType2 /BaseFont /{name} "
            "/CIDSystemInfo <</Registry (Adobe) /Ordering (Identity) /Supplement 0>> "
            f"/FontDescriptor {descriptor} 0 R /CIDToGIDMap /Identity /DW {default} "
            f"/W [{widths}]>>"
        )
        unicode_of: dict[int, str] = {}
        for c in sorted(chars):  # a glyph shared by several characters reads as the first
            g = font.cmap.get(ord(c))
            if g is not None:
                unicode_of.setdefault(new[g], c)
        to_unicode = add(
            stream("/Filter /FlateDecode", compress(_to_unicode(unicode_of), TAIL_DEFLATE_LEVEL))
        )
        type0 = add(
            f"<</Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H "
            f"/DescendantFonts [{cid} 0 R] /ToUnicode {to_unicode} 0 R>>"
        )
        image_ids = {}
        for n, img in self._images.values():
            dictionary = img.dictionary
            if img.palette:  # the colours' bytes as they are (half the size of hex)
                dictionary = dictionary.replace("{palette}", f"{add(stream('', img.palette))} 0 R")
            image_ids[n] = add(
                stream(
                    f"/Type /XObject /Subtype /Image /Width {img.width} /Height {img.height} "
                    f"{dictionary}",
                    img.data,
                )
            )
        xobjects = " ".join(f"/I{n} {i} 0 R" for n, i in sorted(image_ids.items()))
        # one resource dictionary for every page, the page size given once in the page tree
        states = "".join(f" /{n} <</ca {_num(a)}>>" for n, a in sorted(self._alphas.items()))
        gs = f" /ExtGState <<{states.strip()}>>" if states else ""
        resources = add(f"<</Font <</F1 {type0} 0 R>> /XObject <<{xobjects}>>{gs}>>")
        kids = []
        for page in self.pages:
            content = compress(
                "\n".join(op for op in page.ops if op).encode("latin-1"), TAIL_DEFLATE_LEVEL
            )
            contents = add(stream("/Filter /FlateDecode", content))
            kids.append(
                add(
                    f"<</Type /Page /Parent {pages_id} 0 R /Resources {resources} 0 R "
                    f"/Contents {contents} 0 R>>"
                )
            )
        objs[catalog - 1] = f"<</Type /Catalog /Pages {pages_id} 0 R>>".encode()
        objs[pages_id - 1] = (
            f"<</Type /Pages /MediaBox [0 0 {_num(self.w * _K)} {_num(self.h * _K)}] "
            f"/Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)}>>"
        ).encode()
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for i, body in enumerate(objs, start=1):
            offsets.append(len(out))
            out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
        out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
        out += (
            f"trailer\n<</Size {len(objs) + 1} /Root {catalog} 0 R /Info {info} 0 R>>\n"
            f"startxref\n{xref}\n%%EOF\n"
        ).encode()
        Path(path).write_bytes(bytes(out))


def _widths(widths: list[int]) -> tuple[int, str]:
    """A CID font's default width (the commonest) and its ``/W`` array for the others.

    Runs of glyphs of one width are written ``first last width``.

    >>> _widths([500, 1000, 1000, 1000, 300, 300, 1000])
    (1000, '0 [500] 4 5 300')
    """
    if not widths:
        return 1000, ""
    default = collections.Counter(widths).most_common(1)[0][0]
    parts: list[str] = []
    i = 0
    while i < len(widths):
        w = widths[i]
        j = i
        while j + 1 < len(widths) and widths[j + 1] == w:
            j += 1
        if w != default:
            parts.append(f"{i} [{w}]" if i == j else f"{i} {j} {w}")
        i = j + 1
    return default, " ".join(parts)


def _pdf_text(text: str) -> str:
    """A PDF text string (UTF-16 with a byte-order mark) as hex."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def _subset_tag(crc: int) -> str:
    """Six capital letters from the CRC-32 of the font's bytes, marking the font as a subset."""
    n = crc
    letters = []
    for _ in range(6):
        letters.append(chr(ord("A") + n % 26))
        n //= 26
    return "".join(letters)


def _base_name(path: Path) -> str:
    return "".join(c for c in path.stem if c.isalnum() or c == "-") or "CJK"


def _to_unicode(unicode_of: dict[int, str]) -> bytes:
    lines = []
    items = sorted(unicode_of.items())
    for i in range(0, len(items), 100):
        chunk = items[i : i + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{g:04X}> <{c.encode('utf-16-be').hex().upper()}>" for g, c in chunk]
        lines.append("endbfchar")
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(lines)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
    ).encode("ascii")
