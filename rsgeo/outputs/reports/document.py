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
from collections.abc import Sequence
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

        para = self._doc.add_heading(level=level)
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
    ) -> Any:
        """A grid table at 9 pt: header row repeated on each page, rows never split.

        Column widths follow the longest text of each column (header words
        may wrap, figures never do); ``numeric`` columns are right-aligned.
        """
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.shared import Mm

        n = len(headers)
        numeric = list(numeric) if numeric is not None else [False] * n
        table = self._doc.add_table(rows=1, cols=n)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        widths = _column_widths_mm(headers, rows, self.width_mm)
        tbl = table._tbl
        blank = copy.deepcopy(tbl.tr_lst[0])
        _fill_row(table, tbl.tr_lst[0], list(headers), widths, numeric, header=True, bold=True)
        # the body rows are copies of a row of their look (bold or not) made once
        # with python-docx, with their text put in: python-docx is slow per cell
        looks: dict[bool, Any] = {}
        for i, row in enumerate(rows, start=1):
            bold = bold_last and i == len(rows)
            texts = [str(text) for text in row]
            if any("\n" in t or "\t" in t for t in texts):  # python-docx writes breaks and tabs
                tr = copy.deepcopy(blank)
                tbl.append(tr)
                _fill_row(table, tr, texts, widths, numeric, header=False, bold=bold)
                continue
            if bold not in looks:
                looks[bold] = copy.deepcopy(blank)
                _fill_row(table, looks[bold], ["x"] * n, widths, numeric, header=False, bold=bold)
            tr = copy.deepcopy(looks[bold])
            for tc, text in zip(tr.tc_lst, texts, strict=True):
                _put_text(tc, text)
            tbl.append(tr)
        for j, column in enumerate(table.columns):
            column.width = Mm(widths[j])
        return table

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
        """Write the document to ``path`` atomically."""
        atomic_save(path, self._doc.save)
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
    for j, (cell, text) in enumerate(zip(_Row(tr, table).cells, texts, strict=True)):
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


def _put_text(tc: Any, text: str) -> None:
    """Replace the text of a copied cell (one paragraph, one run), as python-docx writes it."""
    from docx.oxml.ns import qn

    t = tc.find(f"{qn('w:p')}/{qn('w:r')}/{qn('w:t')}")
    if not text:  # python-docx writes no text element for an empty run
        t.getparent().remove(t)
        return
    t.text = text
    if len(text.strip()) < len(text):
        t.set(qn("xml:space"), "preserve")


def _text_mm(text: str, size_pt: float = TABLE_PT) -> float:
    """Printed width of a text: CJK characters a full em, others 0.6 em (mm)."""
    em_mm = size_pt * 25.4 / 72
    return sum(em_mm if ord(ch) > 0x2E7F else em_mm * 0.6 for ch in text)


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
        fixed = max((_text_mm(c) for c in cells if _one_line(c)), default=0.0)
        longest = max((_text_mm(c) for c in cells), default=0.0)
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
