"""Render dossier sections as a self-contained HTML page and as a PDF (fpdf2)."""

from __future__ import annotations

import base64
import html
import mimetypes
from pathlib import Path
from typing import Any

from rsgeo.dossier_content import Section
from rsgeo.dossier_fonts import CJKFont, find_cjk_font

__all__ = ["IMAGE_SUFFIXES", "INLINE_MAX_BYTES", "render_html", "render_pdf"]

INLINE_MAX_BYTES = 3 * 1024 * 1024
"""Images up to this size are embedded in the HTML (base64); larger ones are linked."""

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
figure { display: inline-block; margin: 0.4em; vertical-align: top; }
figure img { max-width: 100%; border: 1px solid #ccc; }
figcaption { text-align: center; font-size: 0.85em; }
.note { color: #555; font-size: 0.9em; }
@media print { @page { size: A4; margin: 15mm; } body { margin: 0; }
  section { page-break-inside: avoid; } }
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _img_src(folder: Path, rel: str) -> str:
    path = folder / rel
    if path.is_file() and path.stat().st_size <= INLINE_MAX_BYTES:
        mime = mimetypes.guess_type(path.name)[0] or "image/png"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"data:{mime};base64,{data}"
    return "/".join(_e(p) for p in Path(rel).parts)


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
        for caption, rel in section.payload:
            parts.append(
                f'<figure><img src="{_img_src(folder, rel)}" alt="{_e(caption)}">'
                f"<figcaption>{_e(caption)}</figcaption></figure>"
            )
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
    """The dossier as one HTML page; images under ``folder`` are embedded."""
    body = "".join(_section_html(s, folder) for s in sections)
    foot = f'<p class="note">{_e(footer)}</p>' if footer else ""
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{_e(title)}</h1>{body}{foot}</body></html>"
    )


def section_chars(sections: list[Section], title: str) -> set[str]:
    """Every character the dossier's text uses."""
    texts: list[str] = [title]
    for s in sections:
        texts += [s.title, s.note]
        if s.kind == "kv":
            texts += [f"{k}{v}" for k, v in s.payload]
        elif s.kind == "table":
            headers, rows = s.payload
            texts += [str(h) for h in headers] + [str(c) for r in rows for c in r]
        elif s.kind == "images":
            texts += [str(c) for c, _ in s.payload]
        texts += [f"附件：{n}" for n, _ in s.extra.get("files", [])]
    return set("".join(texts))


def render_pdf(
    sections: list[Section],
    title: str,
    folder: Path,
    out_path: Path,
    *,
    font: CJKFont | None = None,
    font_chars: frozenset[str] | None = None,
) -> None:
    """The dossier as a PDF with a CJK font (fpdf2).

    ``font``/``font_chars``: a subset font and the characters it holds; used
    when it covers the dossier's text, else the full font is used.
    """
    try:
        from fpdf import FPDF
        from fpdf.fonts import FontFace
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError('dossier PDFs need fpdf2: pip install "rsgeo[dossier]"') from exc
    if font is None or font_chars is None or not section_chars(sections, title) <= font_chars:
        font = find_cjk_font()
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("cjk", "", str(font.path), collection_font_number=font.index)
    pdf.set_title(title)
    pdf.set_creator("rsgeo")
    pdf.add_page()
    pdf.set_font("cjk", "", 16)
    pdf.multi_cell(0, 10, title, align="C", new_x="LMARGIN", new_y="NEXT")
    # one face only: parsing a CJK font is the slow part of a PDF
    head = FontFace(fill_color=(235, 235, 235))
    width = pdf.epw
    for section in sections:
        pdf.ln(3)
        pdf.set_font("cjk", "", 12)
        pdf.multi_cell(0, 8, section.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", "", 9)
        if section.kind == "kv":
            with pdf.table(
                col_widths=(35, 100),
                first_row_as_headings=False,
                line_height=5.5,
                text_align="LEFT",
            ) as table:
                for key, value in section.payload:
                    r = table.row()
                    r.cell(str(key), style=head)
                    r.cell(str(value))
        elif section.kind == "table":
            headers, rows = section.payload
            if rows:
                with pdf.table(headings_style=head, line_height=5.5, text_align="LEFT") as table:
                    table.row(list(map(str, headers)))
                    for row in rows:
                        table.row([str(c) for c in row])
        elif section.kind == "images":
            for caption, rel in section.payload:
                path = folder / rel
                if not path.is_file() or path.suffix.lower() not in IMAGE_SUFFIXES:
                    continue
                img_w = min(width, 170.0)
                info = pdf.image(str(path), w=img_w, x=pdf.l_margin + (width - img_w) / 2)
                del info
                pdf.multi_cell(0, 6, caption, align="C", new_x="LMARGIN", new_y="NEXT")
        files = section.extra.get("files", [])
        for name, _rel in files:
            pdf.multi_cell(0, 5.5, f"附件：{name}", new_x="LMARGIN", new_y="NEXT")
        if section.note:
            pdf.set_text_color(90, 90, 90)
            pdf.multi_cell(0, 5.5, section.note, new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0, 0, 0)
    pdf.output(str(out_path))
