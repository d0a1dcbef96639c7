"""The reports' Word tables: body rows streamed into the XML, read back by python-docx and LibreOffice.

:class:`rsgeo.outputs.reports.document.Document` makes a table's header and one
row of each look with python-docx and writes the body rows as text into the
document's XML on saving. These tests read the saved file with python-docx
(cell texts, bold, sizes) and print it with LibreOffice (poppler reads the
PDF back), and bound the memory the writing takes for a long table.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import office
import pytest

try:
    import docx
except ImportError:  # under CI a missing python-docx fails the run instead
    if office.IN_CI:
        raise
    pytest.skip("python-docx is needed: pip install 'rsgeo[reports]'", allow_module_level=True)

from rsgeo.outputs.reports.document import Document

HEADERS = ["编号", "名称", "面积（亩）", "说明"]
ODD = [
    ["a&b", "<x>", " 12.50", "line one\nline two"],
    ["tab\there", "", "0.00", "trailing "],
    ["ctrl\x01char", "融水镇", "3.14", "quote \" and ' and ]]>"],
    ["crlf\r\nend", "—", "—", "\u3000全角空格"],
]


def _rows(n: int) -> list[list[str]]:
    return [[f"P{i:06d}", f"乡镇{i % 7}", f"{i / 3:.2f}", "说明" * (i % 3)] for i in range(n)]


def _read(path: Path) -> list[list[str]]:
    table = docx.Document(str(path)).tables[0]
    return [[c.text for c in row.cells] for row in table.rows]


def test_every_row_reads_back_as_given(tmp_path: Path) -> None:
    rows = ODD + _rows(3000)
    doc = Document("表", "副标题")
    doc.paragraph("前")
    doc.table(HEADERS, rows, bold_last=True, numeric=[False, False, True, False])
    doc.paragraph("后")
    doc.table(["a", "b"], [["1", "2"]])
    path = doc.save(tmp_path / "t.docx")

    got = _read(path)
    want = [[c.replace("\x01", "").replace("\r\n", "\n") for c in r] for r in rows]
    assert got[0] == HEADERS
    assert got[1:] == want
    document = docx.Document(str(path))
    assert [[c.text for c in r.cells] for r in document.tables[1].rows] == [["a", "b"], ["1", "2"]]
    assert [p.text for p in document.paragraphs if p.text in ("前", "后")] == ["前", "后"]
    body = document.tables[0].rows
    last_runs = [r for c in body[-1].cells for p in c.paragraphs for r in p.runs]
    other_runs = [r for c in body[-2].cells for p in c.paragraphs for r in p.runs]
    assert last_runs and all(r.bold for r in last_runs), "the last row is bold"
    assert other_runs and not any(r.bold for r in other_runs)
    sizes = {r.font.size.pt for r in other_runs if r.font.size is not None}
    assert sizes == {9.0}
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        xml = z.read("word/document.xml").decode("utf-8")
    assert "rsgeo" not in xml, "no template mark is left in the document"


def _parts(path: Path) -> dict[str, bytes]:
    stamp = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    with zipfile.ZipFile(path) as z:
        return {i.filename: stamp.sub(b"", z.read(i)) for i in z.infolist()}


def test_copied_cells_and_one_pass_save_write_what_python_docx_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rsgeo.outputs.reports.document as document

    def make(path: Path) -> Path:
        doc = Document("表", "副标题")
        doc.heading("一、总体情况")
        doc.heading("（一）图斑", level=2)
        doc.table(HEADERS, ODD + _rows(5), bold_last=True, numeric=[False, False, True, False])
        doc.table(["a", " b ", "c&d"], [])  # the header row alone
        doc.table(["x", "y"], [["1", "2"]])
        return doc.save(path)

    fast = _parts(make(tmp_path / "fast.docx"))
    # every cell filled through python-docx, the document saved by python-docx and copied
    monkeypatch.setattr(document, "_PLAIN", re.compile("(?!)"))
    monkeypatch.setattr(document, "_can_write_parts", lambda: False)
    slow = _parts(make(tmp_path / "slow.docx"))
    assert list(fast) == list(slow)
    assert fast == slow


_MEASURE = """
import resource, sys
from rsgeo.outputs.reports.document import Document
rows = [[f"P{i:06d}", f"乡镇{i % 7}", f"{i / 3:.2f}", "说明" * (i % 3)] for i in range(20_000)]
doc = Document("表")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
doc.table(["编号", "名称", "面积（亩）", "说明"], rows)
doc.save(__import__("pathlib").Path(sys.argv[1]))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def test_long_table_memory_does_not_grow_with_rows(tmp_path: Path) -> None:
    """Writing 20,000 rows raises the peak RSS by a few MB (an element tree per row: ~100 MB).

    Measured in a fresh process (``ru_maxrss``, which counts libxml2's memory
    too) after the rows are made.
    """
    path = tmp_path / "long.docx"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    grown_mb = int(done.stdout.split()[-1]) / 1024  # ru_maxrss is in KiB on Linux
    assert grown_mb < 25, f"{grown_mb:.0f} MB"
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert xml.count("<w:tr>") + xml.count("<w:tr ") == 20_001
    want = [f"P{i:06d}" for i in range(20_000)]
    assert re.findall(r">(P\d{6})<", xml) == want, "every row, in order"


def test_printed_by_libreoffice_with_every_row(tmp_path: Path) -> None:
    rows = ODD + _rows(400)
    doc = Document("表")
    doc.table(HEADERS, rows, numeric=[False, False, True, False])
    pdf = office.to_pdf(doc.save(tmp_path / "printed.docx"), tmp_path)
    pages = office.pdf_pages(pdf)
    assert len(pages) > 3
    text = "\n".join(pages)
    for row in rows[len(ODD) :]:
        assert row[0] in text
    assert "a&b" in text and "<x>" in text and "line two" in text
    # the header row is repeated on every page
    assert all("面积（亩）" in page for page in pages)
