"""Word documents (.docx) for the draft reports: A4 pages, headings, tables, marked places.

A thin layer over python-docx (the ``reports`` extra: ``pip install
"rsgeo[reports]"``), imported only when a report is written. Every document is
A4 portrait with page numbers in the footer; body text 12 pt, tables 9 pt with
the header row repeated on every page and rows kept whole; a place the
author writes (:func:`rsgeo.schema.reports.placeholder`) is highlighted yellow.
Documents are saved atomically (a temporary file beside, then a rename).
"""

from __future__ import annotations

import copy
import io
import re
import time
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rsgeo.outputs.excel import atomic_save
from rsgeo.schema.reports import FONT_BODY, FONT_HEADING, placeholder

__all__ = [
    "BODY_PT",
    "TABLE_PT",
    "Document",
    "load_docx",
]

BODY_PT = 12.0
"""Body text size (小四)."""
TABLE_PT = 9.0
"""Table text size: the smallest size of any printed text (小五 is 9 pt)."""
_TITLE_PT = 18.0
_HEADING_PT = 14.0
_PAGE_MM = (210.0, 297.0)
_MARGIN_MM = (25.0, 20.0)  # left/right, top/bottom
_LATIN_FONT = "Times New Roman"
_STYLE_IDS: dict[tuple[str, str], str | None] = {}
"""Style name and type → id in python-docx's template (:meth:`Document._style_id`)."""


def load_docx() -> Any:
    """The python-docx module; an ImportError that says how to install it."""
    try:
        import docx
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            'the draft reports need python-docx: pip install "rsgeo[reports]"'
        ) from exc
    return docx


def _fonts(run_or_style: Any, east_asian: str, size_pt: float | None = None) -> None:
    """Latin and East Asian fonts of a run or style (Word reads w:eastAsia for Chinese)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font = run_or_style.font
    font.name = _LATIN_FONT
    if size_pt is not None:
        font.size = Pt(size_pt)
    r_pr = run_or_style.element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asian)


def _chinese(doc: Any, normal: Any) -> None:
    """Chinese (zh-CN) as the East Asian language, so Word picks Chinese glyphs, not Japanese."""
    from docx.oxml.ns import qn

    r_pr = normal.element.get_or_add_rPr()
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = r_pr.makeelement(qn("w:lang"), {})
        r_pr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")
    theme = doc.settings.element.find(qn("w:themeFontLang"))
    if theme is not None:
        theme.set(qn("w:eastAsia"), "zh-CN")


class Document:
    """One report being written: paragraphs, headings, tables, then :meth:`save`.

    Parameters
    ----------
    title : str
        The title, centred on the first page (and the document's core title).
    subtitle : str, optional
        A line under the title (the job's name).
    landscape : bool, default False
        A4 landscape (for wide tables) instead of portrait.
    """

    def __init__(self, title: str, subtitle: str | None = None, *, landscape: bool = False) -> None:
        docx = load_docx()
        from docx.enum.section import WD_ORIENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Mm, Pt

        self._doc = docx.Document()
        self._doc.core_properties.title = title
        section = self._doc.sections[0]
        width, height = _PAGE_MM[::-1] if landscape else _PAGE_MM
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(width), Mm(height)
        section.left_margin = section.right_margin = Mm(_MARGIN_MM[0])
        section.top_margin = section.bottom_margin = Mm(_MARGIN_MM[1])
        self.width_mm = width - 2 * _MARGIN_MM[0]
        self._bodies: list[_Body] = []
        normal = self._doc.styles["Normal"]
        _fonts(normal, FONT_BODY, BODY_PT)
        _chinese(self._doc, normal)
        normal.paragraph_format.space_after = Pt(4)
        normal.paragraph_format.line_spacing = 1.25
        self._page_numbers(section)
        head = self._doc.add_paragraph()
        head.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = head.add_run(title)
        run.bold = True
        _fonts(run, FONT_HEADING, _TITLE_PT)
        if subtitle:
            sub = self._doc.add_paragraph()
            sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _fonts(sub.add_run(subtitle), FONT_BODY, BODY_PT)

    def _style_id(self, name: str, kind: str) -> str | None:
        """The id of a named style, as python-docx gives it, looked up once.

        python-docx reads every style of the document at each lookup by name;
        every document here starts from python-docx's own template, so a
        name's id is the same in all of them.
        """
        from docx.enum.style import WD_STYLE_TYPE

        key = (name, kind)
        if key not in _STYLE_IDS:
            _STYLE_IDS[key] = self._doc.part.get_style_id(name, WD_STYLE_TYPE[kind])
        return _STYLE_IDS[key]

    def _page_numbers(self, section: Any) -> None:
        """A centred PAGE field in the footer (Word and LibreOffice fill it in)."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml.ns import qn

        para = section.footer.paragraphs[0]
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = para.add_run()
        for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), ("end", None)):
            if kind is not None:
                el = run.element.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): kind})
            else:
                el = run.element.makeelement(qn("w:instrText"), {qn("xml:space"): "preserve"})
                el.text = text
            run.element.append(el)
            if kind == "separate":
                num = run.element.makeelement(qn("w:t"), {})
                num.text = "1"
                run.element.append(num)

    def heading(self, text: str, *, level: int = 1) -> None:
        """A section heading (Word's Heading 1/2, so it appears in the navigation pane)."""
        from docx.shared import Pt, RGBColor

        para = self._doc.add_paragraph()  # what add_heading makes, its style looked up once
        para._p.style = self._style_id(f"Heading {level}", "PARAGRAPH")
        para.paragraph_format.space_before = Pt(10)
        para.paragraph_format.keep_with_next = True
        run = para.add_run(text)
        _fonts(run, FONT_HEADING, _HEADING_PT if level == 1 else BODY_PT)
        run.font.color.rgb = RGBColor(0, 0, 0)
        run.bold = level == 1

    def paragraph(self, text: str = "", *, indent: bool = True, bold: bool = False) -> Any:
        """A body paragraph, first line indented by two characters."""
        from docx.shared import Pt

        para = self._doc.add_paragraph()
        if indent:
            para.paragraph_format.first_line_indent = Pt(2 * BODY_PT)
        if text:
            run = para.add_run(text)
            run.bold = bold
        return para

    def placeholder(self, prompt: str) -> None:
        """A marked place the author writes: 【待填写：prompt】 on a yellow highlight."""
        para = self.paragraph()
        self.mark(para, prompt)

    @staticmethod
    def mark(para: Any, prompt: str) -> None:
        """Append a highlighted 【待填写：prompt】 to a paragraph."""
        from docx.enum.text import WD_COLOR_INDEX

        run = para.add_run(placeholder(prompt))
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW

    def unit_and_date(self, unit_prompt: str, date_prompt: str) -> None:
        """The line under the title: the marked places of the reporting unit and the date."""
        head = self.paragraph(indent=False)
        self.mark(head, unit_prompt)
        head.add_run("    ")
        self.mark(head, date_prompt)

    def note(self, text: str) -> None:
        """A small note under a table (the table's size, not indented)."""
        para = self._doc.add_paragraph()
        _fonts(para.add_run(text), FONT_BODY, TABLE_PT)

    def caption(self, text: str) -> None:
        """A table caption, centred and bold, kept with its table."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        para = self._doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        para.paragraph_format.keep_with_next = True
        run = para.add_run(text)
        run.bold = True
        _fonts(run, FONT_HEADING, BODY_PT)

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        bold_last: bool = False,
        numeric: Sequence[bool] | None = None,
    ) -> None:
        """A grid table at 9 pt: header row repeated on each page, rows never split.

        Column widths follow the longest text of each column (header words
        may wrap, figures never do); ``numeric`` columns are right-aligned.

        Only the header row and one row of each look (bold or not) are made
        with python-docx; the body rows are written as text into the
        document's XML when it is saved (:meth:`save`), row after row, so a
        table of any length holds no more memory than its texts.
        """
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.shared import Mm

        n = len(headers)
        numeric = list(numeric) if numeric is not None else [False] * n
        table = self._doc.add_table(rows=1, cols=n)
        table._tbl.tblStyle_val = self._style_id("Table Grid", "TABLE")
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        widths = _column_widths_mm(headers, rows, self.width_mm)
        tbl = table._tbl
        blank = copy.deepcopy(tbl.tr_lst[0])
        _fill_row(table, tbl.tr_lst[0], list(headers), widths, numeric, header=True, bold=True)
        for j, column in enumerate(table.columns):
            column.width = Mm(widths[j])
        if not len(rows):
            return
        key = f"rsgeo{uuid.uuid4().hex}t{len(self._bodies)}"
        looks = (False, True) if bold_last else (False,)
        for bold in looks:  # one row of each look, its cells holding marks: the template
            tr = copy.deepcopy(blank)
            marks = [_mark(key, bold, j) for j in range(n)]
            _fill_row(table, tr, marks, widths, numeric, header=False, bold=bold)
            tbl.append(tr)
        self._bodies.append(_Body(key, rows, bold_last, n))

    def signature(self, lines: Sequence[str]) -> None:
        """Right-aligned signature lines (the unit's seal, the date)."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        first = True
        for line in lines:
            para = self._doc.add_paragraph()
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if first:
                para.paragraph_format.space_before = Pt(3 * BODY_PT)
                first = False
            para.add_run(line)

    def save(self, path: Path) -> Path:
        """Write the document to ``path`` atomically, the tables' body rows streamed in."""
        if not self._bodies:
            atomic_save(path, self._doc.save)
            return path
        if _can_write_parts():  # one pass: each part compressed once
            atomic_save(path, lambda tmp: _write_parts_with_bodies(self._doc, tmp, self._bodies))
            return path
        small = io.BytesIO()  # the document without its body rows: small
        self._doc.save(small)
        atomic_save(path, lambda tmp: _write_with_bodies(small, tmp, self._bodies))
        return path


def _fill_row(
    table: Any,
    tr: Any,
    texts: Sequence[str],
    widths: Sequence[float],
    numeric: Sequence[bool],
    *,
    header: bool,
    bold: bool,
) -> None:
    """Fill the row element ``tr`` of ``table``: widths, 9 pt text, alignment, kept whole."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm
    from docx.table import _Row

    tr_pr = tr.get_or_add_trPr()
    tr_pr.append(tr_pr.makeelement(qn("w:cantSplit"), {}))
    if header:
        tr_pr.append(tr_pr.makeelement(qn("w:tblHeader"), {}))
    # a cell of plain text is a copy of the row's first cell of its alignment, its width
    # and text changed: the same XML as python-docx makes, in a tenth of the time
    models: dict[str, Any] = {}
    for j, (cell, text) in enumerate(zip(_Row(tr, table).cells, texts, strict=True)):
        look = "header" if header else "right" if numeric[j] else "left"
        plain = _PLAIN.fullmatch(text) is not None
        if plain and look in models:
            tc = copy.deepcopy(models[look])
            tc.width = Mm(widths[j])
            tc.find(_T_PATH).text = text
            cell._tc.getparent().replace(cell._tc, tc)
            continue
        cell.width = Mm(widths[j])
        para = cell.paragraphs[0]
        para.paragraph_format.space_after = 0
        para.paragraph_format.line_spacing = 1.0
        if header:
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif numeric[j]:
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = para.add_run(text)
        if bold:
            run.bold = True
        _fonts(run, FONT_BODY, TABLE_PT)
        if plain:
            models.setdefault(look, cell._tc)


@dataclass(frozen=True)
class _Body:
    """The body rows of one table, written into the XML on saving."""

    key: str
    rows: Sequence[Sequence[str]]
    bold_last: bool
    n_columns: int


def _mark(key: str, bold: bool, column: int) -> str:
    """The text standing for a cell in a table's template row."""
    return f"{key}{'b' if bold else 'r'}{column}x"


_PARTS = "word/document.xml"
_ROWS_PER_WRITE = 2000
# characters XML 1.0 cannot hold (C0 controls other than tab, newline, carriage return)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# a text written as it is: no character to escape or drop, no space at either end
_PLAIN = re.compile(
    "[^\\s&<>\x00-\x1f\ufffe\uffff]([^&<>\x00-\x1f\ufffe\uffff]*[^\\s&<>\x00-\x1f\ufffe\uffff])?"
)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_T_PATH = f"{_W}p/{_W}r/{_W}t"
"""A cell's text element: its paragraph's run's ``w:t``."""
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_BREAK = '</w:t><w:br/><w:t xml:space="preserve">'
_TAB = '</w:t><w:tab/><w:t xml:space="preserve">'


def _cell_xml(text: str) -> str:
    """A cell's text as its run's ``w:t``: escaped, breaks and tabs as Word's elements.

    As python-docx writes a run: no ``w:t`` for an empty text, spaces at
    either end kept (``xml:space="preserve"``).

    >>> _cell_xml("a<b & c"), _cell_xml("")
    ('<w:t>a&lt;b &amp; c</w:t>', '')
    >>> _cell_xml(" 1\\n2")
    '<w:t xml:space="preserve"> 1</w:t><w:br/><w:t xml:space="preserve">2</w:t>'
    """
    text = str(text)
    if _PLAIN.fullmatch(text):  # most cells: figures, ids, names
        return "<w:t>" + text + "</w:t>"
    text = _NOT_XML.sub("", text)
    if not text:
        return ""
    keep = len(text.strip()) < len(text)
    text = text.translate(_ESCAPES)
    if "\n" in text or "\r" in text or "\t" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = text.replace("\n", _BREAK).replace("\t", _TAB)
    return ('<w:t xml:space="preserve">' if keep else "<w:t>") + text + "</w:t>"


def _template(xml: str, key: str, bold: bool, n: int) -> tuple[int, int, list[str]]:
    """Where a template row lies in ``xml`` and its text around the cells' texts.

    Returns the row's start and end offsets and the ``n + 1`` pieces between
    which the ``n`` cells' ``w:t`` elements go (:func:`_cell_xml`).
    """
    marks = [_mark(key, bold, j) for j in range(n)]
    first = xml.index(marks[0])
    start = xml.rindex("<w:tr>", 0, first) if "<w:tr>" in xml[:first] else -1
    start = max(start, xml.rindex("<w:tr ", 0, first) if "<w:tr " in xml[:first] else -1)
    end = xml.index("</w:tr>", xml.index(marks[-1])) + len("</w:tr>")
    row = xml[start:end]
    pieces = []
    for mark in marks:
        before, row = row.split(mark, 1)
        pieces.append(before)
    pieces.append(row)
    opened = all(p.endswith("<w:t>") for p in pieces[:-1])
    if not opened or not all(p.startswith("</w:t>") for p in pieces[1:]):
        raise RuntimeError("unexpected XML of a table's template row")  # not python-docx's
    pieces = [
        p[len("</w:t>") if k else 0 : -len("<w:t>") if k < n else None]
        for k, p in enumerate(pieces)
    ]
    return start, end, pieces


def _rows_xml(body: _Body, pieces: dict[bool, list[str]]) -> Iterator[str]:
    """The XML of a table's body rows, a few thousand rows a piece."""
    out: list[str] = []
    last = len(body.rows) - 1
    for i, row in enumerate(body.rows):
        parts = pieces[body.bold_last and i == last]
        texts = [_cell_xml(t) for t in row]
        if len(texts) != body.n_columns:
            raise ValueError(f"a row of {len(texts)} cells in a table of {body.n_columns} columns")
        out.append(parts[0])
        for text, after in zip(texts, parts[1:], strict=True):
            out.append(text)
            out.append(after)
        if len(out) > _ROWS_PER_WRITE * (2 * body.n_columns + 1):
            yield "".join(out)
            out = []
    if out:
        yield "".join(out)


def _write_with_bodies(small: io.BytesIO, path: str, bodies: Sequence[_Body]) -> None:
    """Copy the saved document ``small`` to ``path``, each table's template rows replaced
    by its body rows, streamed into the zip entry of the document's XML."""
    with zipfile.ZipFile(small) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != _PARTS:
                zout.writestr(info, zin.read(info.filename), zipfile.ZIP_DEFLATED)
                continue
            xml = zin.read(info.filename).decode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with zout.open(entry, "w", force_zip64=True) as fh:
                _write_xml_with_bodies(xml, fh, bodies)


def _write_xml_with_bodies(xml: str, fh: Any, bodies: Sequence[_Body]) -> None:
    """The document's XML into ``fh``, each table's template rows replaced by its body rows."""
    at = 0
    for body in bodies:
        looks = (False, True) if body.bold_last else (False,)
        spans = {bold: _template(xml, body.key, bold, body.n_columns) for bold in looks}
        start = min(s for s, _, _ in spans.values())
        end = max(e for _, e, _ in spans.values())
        fh.write(xml[at:start].encode("utf-8"))
        for chunk in _rows_xml(body, {b: p for b, (_, _, p) in spans.items()}):
            fh.write(chunk.encode("utf-8"))
        at = end
    fh.write(xml[at:].encode("utf-8"))


def _can_write_parts() -> bool:
    """Whether python-docx's package writer has the steps :func:`_write_parts_with_bodies`
    calls (python-docx 1.x); otherwise the document is saved and then copied."""
    from docx.opc.pkgwriter import PackageWriter

    steps = ("_write_content_types_stream", "_write_pkg_rels", "_write_parts")
    return all(callable(getattr(PackageWriter, s, None)) for s in steps)


class _PartsIntoZip:
    """python-docx's physical package writer, writing into ``zout``: each part as
    python-docx writes it, ``word/document.xml`` with the tables' body rows streamed in."""

    def __init__(self, zout: zipfile.ZipFile, bodies: Sequence[_Body]) -> None:
        self._zout, self._bodies = zout, bodies

    def write(self, pack_uri: Any, blob: bytes) -> None:
        name = pack_uri.membername
        if name != _PARTS:
            self._zout.writestr(name, blob)
            return
        entry = zipfile.ZipInfo(name, date_time=time.localtime(time.time())[:6])
        entry.compress_type = zipfile.ZIP_DEFLATED
        with self._zout.open(entry, "w", force_zip64=True) as fh:
            _write_xml_with_bodies(blob.decode("utf-8"), fh, self._bodies)


def _write_parts_with_bodies(doc: Any, path: str, bodies: Sequence[_Body]) -> None:
    """Write ``doc`` to ``path`` as python-docx saves it, the tables' body rows streamed
    into its XML (:meth:`Document.save`), compressing each part once."""
    from docx.opc.pkgwriter import PackageWriter

    package = doc.part.package
    parts = list(package.parts)
    for part in parts:  # as python-docx's OpcPackage.save
        part.before_marshal()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        writer = _PartsIntoZip(zout, bodies)
        PackageWriter._write_content_types_stream(writer, parts)
        PackageWriter._write_pkg_rels(writer, package.rels)
        PackageWriter._write_parts(writer, parts)  # type: ignore[arg-type]  # its one method


def _text_mm(text: str, size_pt: float = TABLE_PT) -> float:
    """Printed width of a text: CJK characters a full em, others 0.6 em (mm).

    >>> round(_text_mm("ab"), 3), round(_text_mm("乡a"), 3)
    (3.81, 5.08)
    """
    em_mm = size_pt * 25.4 / 72
    if text.isascii():
        return len(text) * em_mm * 0.6
    wide = sum(1 for ch in text if ord(ch) > 0x2E7F)
    return (wide + (len(text) - wide) * 0.6) * em_mm


_PAD_MM = 4.5
"""Cell margins (left and right) and a little air."""
_BOLD = 1.12
"""How much wider a bold figure prints than a regular one, with some air."""
_NAME_CHARS = 5
"""A Chinese text up to this many characters (a township's name) is kept on one line."""
_WRAP_EMS = 5
"""The narrowest a column of wrapping text gets, in characters."""


def _one_line(text: str) -> bool:
    """Figures, ids, codes and short names stay on one line; Chinese sentences wrap."""
    return len(text) <= _NAME_CHARS or not any(ord(ch) > 0x2E7F for ch in text)


def _column_widths_mm(
    headers: Sequence[str], rows: Sequence[Sequence[str]], width_mm: float
) -> list[float]:
    """Widths that keep figures, ids and names on one line and share the rest.

    Each column needs its longest one-line cell (:func:`_one_line`), a fifth
    of its header (headers wrap onto up to five lines) and two characters, or
    five characters for wrapping text; it wants its longest cell and half its
    header. What the page has beyond the needs is shared in proportion to what
    each column still wants; when even the needs do not fit, all shrink alike.
    """
    em_mm = TABLE_PT * 25.4 / 72
    need, want = [], []
    for j, header in enumerate(headers):
        cells = [str(r[j]) for r in rows]
        sizes = [_text_mm(c) for c in cells]
        fixed = max((w for c, w in zip(cells, sizes, strict=True) if _one_line(c)), default=0.0)
        longest = max(sizes, default=0.0)
        wraps = min(longest, _WRAP_EMS * em_mm)
        head = _text_mm(str(header))
        # bold (the header, the 合计 row) is about a tenth wider
        need.append(max(fixed * _BOLD, wraps, head / 5, 2 * em_mm) + _PAD_MM)
        want.append(max(longest, head / 2, 2 * em_mm) + _PAD_MM)
    if sum(need) >= width_mm:
        return [n * width_mm / sum(need) for n in need]
    if sum(want) <= width_mm:
        spare = (width_mm - sum(want)) / len(want)
        return [w + spare for w in want]
    room = width_mm - sum(need)
    extra = [w - n for w, n in zip(want, need, strict=True)]
    total = sum(extra) or 1.0
    return [n + room * e / total for n, e in zip(need, extra, strict=True)]
