"""Dossiers at province size: bounded neighbours, one small font subset per PDF, pictures
embedded once, township PDFs joined without re-encoding. Checked against brute-force
searches with shapely, fontTools reading the original font, and poppler reading the files."""

from __future__ import annotations

import re
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import office
import pytest
from shapely.geometry import box

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_dossier as td

from rsgeo.outputs.dossier.build import build_dossiers
from rsgeo.outputs.dossier.content import Section
from rsgeo.outputs.dossier.neighbours import OVERVIEW_HALF_M, detail_window, shown_neighbours

pytest.importorskip("PIL")
pytest.importorskip("fpdf")
pytest.importorskip("pypdf")
fonttools = pytest.importorskip("fontTools.ttLib")


def _patches(n: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 12_000, n)
    y = rng.uniform(0, 12_000, n)
    w = rng.uniform(5, 400, n)
    h = rng.uniform(5, 400, n)
    geoms = np.array([box(a, b, a + c, b + d) for a, b, c, d in zip(x, y, w, h, strict=True)])
    geoms[7] = None  # a patch without a shape shows nothing and is shown nowhere
    return geoms


def _brute(geoms: np.ndarray, margins: list[float], limit: int, overview: bool) -> list[set[int]]:
    """Every pair tested with shapely, one patch at a time, nearest kept by sorting."""
    out: list[set[int]] = []
    for i, g in enumerate(geoms):
        if g is None:
            out.append(set())
            continue
        window = box(*detail_window(g, margins[i]))
        hits = [j for j, o in enumerate(geoms) if j != i and o is not None and o.intersects(window)]
        hits.sort(key=lambda j: (g.distance(geoms[j]), j))
        chosen = set(hits[:limit])
        if overview:
            c = g.centroid
            dots = []
            for j, o in enumerate(geoms):
                if j == i or o is None:
                    continue
                oc = o.centroid
                if abs(oc.x - c.x) <= OVERVIEW_HALF_M and abs(oc.y - c.y) <= OVERVIEW_HALF_M:
                    dots.append((float(np.hypot(oc.x - c.x, oc.y - c.y)), j))
            chosen |= {j for _, j in sorted(dots)[:limit]}
        out.append(chosen)
    return out


@pytest.mark.parametrize("overview", [False, True])
def test_neighbours_are_bounded_and_the_nearest_in_view(overview: bool) -> None:
    geoms = _patches(300)
    margins = [50.0 if g is None else max(50.0, 0.5 * max(g.bounds[2] - g.bounds[0], g.bounds[3] - g.bounds[1])) for g in geoms]  # fmt: skip
    limit = 4
    found = shown_neighbours(geoms, margins, overview=overview, limit=limit)
    expected = _brute(geoms, margins, limit, overview)
    assert [set(map(int, f)) for f in found] == expected
    bound = 2 * limit if overview else limit
    assert max(len(f) for f in found) <= bound
    # the cap bites: some patches have more than ``limit`` patches in view
    unlimited = shown_neighbours(geoms, margins, overview=overview, limit=10_000)
    assert max(len(f) for f in unlimited) > bound
    assert all(set(f) <= set(u) for f, u in zip(found, unlimited, strict=True))


def _pdf_objects(pdf: Path) -> dict[int, bytes]:
    data = pdf.read_bytes()
    return {
        int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) 0 obj\n(.*?)\nendobj", data, re.S)
    }


def _stream(body: bytes) -> bytes:
    raw = body.split(b"stream\n", 1)[1].rsplit(b"\nendstream", 1)[0]
    return zlib.decompress(raw) if b"/FlateDecode" in body.split(b"stream\n", 1)[0] else raw


def _hinting_bytes(glyph: object) -> int:
    program = getattr(glyph, "program", None)
    return 0 if program is None else len(program.getBytecode())


def test_pdf_embeds_one_subset_font_with_the_original_glyphs(tmp_path: Path) -> None:
    from rsgeo.outputs.dossier.fonts import find_cjk_font
    from rsgeo.outputs.dossier.render import render_pdf

    font = find_cjk_font()
    original = fonttools.TTFont(str(font.path), fontNumber=font.index)
    # a character drawn from parts (a composite glyph, such as À) with hinting code
    cmap = original.getBestCmap()
    hinted_composite = next(
        chr(cp)
        for cp in sorted(cmap)
        if original["glyf"][cmap[cp]].isComposite()
        and _hinting_bytes(original["glyf"][cmap[cp]]) > 0
    )
    rows = [
        ("监测编号", "450225-2020-001"),
        ("所在乡镇", "融水镇"),
        ("地类", "水田 旱地"),
        ("字", hinted_composite),
    ]
    sections = [Section("kv", "一、图斑基本信息", "kv", rows)]
    title = "卫片执法图斑卷宗"
    chars = set(title + "一、图斑基本信息" + "".join(k + v for k, v in rows))
    out = tmp_path / "d.pdf"
    render_pdf(sections, title, tmp_path, out)
    # poppler: one font, embedded, a subset, with a Unicode map; the text reads back
    listing = subprocess.run(
        [office.need("pdffonts", "poppler-utils"), str(out)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[2:]
    assert len(listing) == 1, listing
    name, *_rest = listing[0].split()
    assert re.fullmatch(r"[A-Z]{6}\+\S+", name)
    assert listing[0].split()[-5:-2] == ["yes", "yes", "yes"]  # emb sub uni
    text = "".join(office.pdf_pages(out)[0].split())
    for expected in (title, "监测编号", "450225-2020-001", "融水镇", "水田旱地"):
        assert expected in text
    # the embedded font holds only the glyphs printed, each the original font's outline
    objs = _pdf_objects(out)
    file_ref = re.search(rb"/FontFile2 (\d+) 0 R", b"".join(objs.values()))
    assert file_ref is not None
    file_id = int(file_ref.group(1))
    import io

    embedded = fonttools.TTFont(io.BytesIO(_stream(objs[file_id])))
    cmap_body = next(b for b in objs.values() if b"stream\n" in b and b"beginbfchar" in _stream(b))
    blocks = re.findall(rb"beginbfchar(.*?)endbfchar", _stream(cmap_body), re.S)
    pairs = re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]+)>", b"".join(blocks))
    by_glyph = {int(g, 16): bytes.fromhex(u.decode()).decode("utf-16-be") for g, u in pairs}
    printed = set(chars)
    assert set(by_glyph.values()) == printed
    # only the glyphs printed, the parts they are drawn from, and .notdef
    needed = {".notdef"}
    todo = [cmap[ord(c)] for c in printed]
    while todo:
        name = todo.pop()
        if name not in needed:
            needed.add(name)
            glyph = original["glyf"][name]
            todo += [part.glyphName for part in glyph.components] if glyph.isComposite() else []
    assert embedded["maxp"].numGlyphs == len(needed)
    order = embedded.getGlyphOrder()
    hinted = 0
    for gid, ch in by_glyph.items():
        old_name = cmap[ord(ch)]
        old = original["glyf"][old_name]
        new = embedded["glyf"][order[gid]]
        old_c, _, _ = old.getCoordinates(original["glyf"])
        new_c, _, _ = new.getCoordinates(embedded["glyf"])
        assert list(old_c) == list(new_c), ch
        assert original["hmtx"][old_name][0] == embedded["hmtx"][order[gid]][0]
        # the hinting code is left out: it calls the font programs the PDF does not carry
        hinted += _hinting_bytes(old) > 0
        assert _hinting_bytes(new) == 0, ch
    assert hinted >= 2  # digits and the composite character were hinted in the font
    # the widths the PDF gives each glyph (/DW, and /W as "c [w ...]" or "first last w")
    # are the original font's advances in thousandths of the size
    cid_font = next(b for b in objs.values() if b"/CIDFontType2" in b)
    default = int(re.search(rb"/DW (\d+)", cid_font).group(1))
    tokens = re.findall(rb"\[|\]|-?\d+", re.search(rb"/W \[(.*)\]>>", cid_font, re.S).group(1))
    given: dict[int, int] = {}
    i = 0
    while i < len(tokens):
        first = int(tokens[i])
        if tokens[i + 1] == b"[":
            j = i + 2
            while tokens[j] != b"]":
                given[first + j - i - 2] = int(tokens[j])
                j += 1
            i = j + 1
        else:
            for c in range(first, int(tokens[i + 1]) + 1):
                given[c] = int(tokens[i + 2])
            i += 3
    upem = original["head"].unitsPerEm
    for gid, ch in by_glyph.items():
        advance = original["hmtx"][original.getBestCmap()[ord(ch)]][0]
        assert given.get(gid, default) == round(advance * 1000 / upem), ch
    assert len(given) < len(by_glyph)  # the common width is the default, not listed


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("dossier_scale")
    before = tmp / "before.tif"
    td._write_raster(before, "EPSG:4545", td.X0 - 500, td.Y0 + 600, 2.0, 800, 600)
    out = tmp / "d"
    frame = build_dossiers(
        td.make_result(), out, imagery=(before, before), progress=False, n_jobs=1
    )
    return {"out": out, "frame": frame}


def test_each_dossier_pdf_is_small_and_embeds_each_picture_once(sample: dict) -> None:
    for pdf in sample["frame"]["pdf"]:
        pdf = Path(pdf)
        assert pdf.stat().st_size <= 80 * 1024, (pdf, pdf.stat().st_size)
        objs = _pdf_objects(pdf)
        images = [b for b in objs.values() if b"/Subtype /Image" in b]
        shown = sorted(pdf.parent.glob("*.png")) + sorted(pdf.parent.glob("*.jpg"))
        assert len(images) == len(shown)
        # the PNG files' compressed data and the JPEG files, passed through as they are
        for picture in shown:
            data = picture.read_bytes()
            if picture.suffix == ".jpg":
                assert any(_stream_raw(b) == data for b in images), picture.name
                continue
            idat = b"".join(
                data[m.end() : m.end() + int.from_bytes(data[m.start() - 4 : m.start()], "big")]
                for m in re.finditer(rb"IDAT", data)
            )
            assert any(_stream_raw(b) == idat for b in images), picture.name


def _stream_raw(body: bytes) -> bytes:
    return body.split(b"stream\n", 1)[1].rsplit(b"\nendstream", 1)[0]


def test_township_pdf_joins_parts_from_both_writers(tmp_path: Path) -> None:
    """A part written by fpdf2 (its fallback) and one by the small writer."""
    from pypdf import PdfReader

    from rsgeo.outputs.dossier.fonts import find_cjk_font
    from rsgeo.outputs.dossier.pdfmerge import join_pdfs
    from rsgeo.outputs.dossier.render import _render_fpdf, render_pdf

    long = [(f"说明{i}", "很长的说明文字。" * 20) for i in range(40)]
    short = [("监测编号", "P2")]
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    sections = [Section("kv", "一、长", "kv", long)]
    _render_fpdf(sections, "甲", tmp_path, first, font=find_cjk_font())
    render_pdf([Section("kv", "一、短", "kv", short)], "乙", tmp_path, second)
    assert b"/Producer (rsgeo)" in second.read_bytes()
    assert b"/Producer (rsgeo)" not in first.read_bytes()
    target = tmp_path / "卷宗.pdf"
    assert join_pdfs([("P1", first), ("P2", second)], target)
    pages = office.pdf_pages(target)
    n1 = len(office.pdf_pages(first))
    assert n1 > 1 and len(pages) == n1 + 1
    assert "甲" in pages[0] and "乙" in pages[n1] and "P2" in pages[n1]
    reader = PdfReader(target)
    marks = [o for o in reader.outline if not isinstance(o, list)]
    assert [o.title for o in marks] == ["P1", "P2"] and len(marks) == len(reader.outline)
    assert [reader.get_destination_page_number(o) for o in marks] == [0, n1]


def test_progress_moves_with_each_dossier_from_worker_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tqdm.auto

    steps: list[int] = []

    class Bar:
        def __init__(self, *args: object, total: int = 0, initial: int = 0, **kw: object) -> None:
            steps.append(initial)

        def __enter__(self) -> Bar:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def update(self, n: int = 1) -> None:
            steps.append(n)

    monkeypatch.setattr(tqdm.auto, "tqdm", Bar)
    frame = build_dossiers(td.make_result(), tmp_path / "d", pdf=False, progress=True, n_jobs=2)
    built = int((frame["status"] == "built").sum())
    assert built >= 2
    assert steps == [0] + [1] * built  # one step per dossier, not all at the end


def test_started_dossiers_build_while_the_caller_works(tmp_path: Path) -> None:
    """``start_dossiers`` returns with the workers building; ``wait`` gives what
    ``build_dossiers`` gives; ``cancel`` stops them and leaves no half-built folder."""
    import time

    from rsgeo.outputs.dossier.build import start_dossiers

    started = start_dossiers(td.make_result(), tmp_path / "a", pdf=False, n_jobs=2, progress=False)
    deadline = time.monotonic() + 60  # the caller's own work meanwhile: the files appear
    while not any((tmp_path / "a").glob("*/dossier.html")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any((tmp_path / "a").glob("*/dossier.html"))
    assert not (tmp_path / "a" / "index.html").exists()  # written by wait
    frame = started.wait()
    with pytest.raises(RuntimeError):
        started.wait()
    alone = build_dossiers(td.make_result(), tmp_path / "b", pdf=False, n_jobs=1, progress=False)
    assert frame["status"].to_dict() == alone["status"].to_dict()
    for rel in ("index.html", "manifest.json", *(f"{p}/dossier.html" for p in ("P1", "P2"))):
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    cancelled = start_dossiers(
        td.make_result(), tmp_path / "c", pdf=False, n_jobs=2, progress=False
    )
    cancelled.cancel()
    assert not list((tmp_path / "c").glob(".*.tmp"))
    assert not (tmp_path / "c" / "manifest.json").exists()
    with pytest.raises(RuntimeError):
        cancelled.wait()


def _nice_of(pid: int) -> int:
    """A process's nice value as the kernel reports it (``/proc/<pid>/stat``, field 19)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[16])


def test_dossier_workers_run_at_a_lower_priority_than_the_run(tmp_path: Path) -> None:
    """The run keeps its core for its other outputs: its dossier workers are niced."""
    import os

    from rsgeo.outputs.dossier.build import start_dossiers
    from rsgeo.outputs.dossier.workers import WORKER_NICENESS

    if not Path("/proc/self/stat").is_file():
        pytest.skip("reads the workers' priority from /proc (Linux)")
    own = _nice_of(os.getpid())
    if own >= 19:
        pytest.skip("this process already runs at the lowest priority")

    def children_now() -> set[int]:
        me, found = os.getpid(), set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == me:
                found.add(int(stat.parent.name))
        return found

    # other children of this process (a test session's cluster or database) are not the pool's
    before = children_now()
    started = start_dossiers(td.make_result(), tmp_path / "a", pdf=False, n_jobs=2, progress=False)
    try:
        children = sorted(children_now() - before)
        assert len(children) >= 2, children  # the pool's workers are alive until wait()
        import time

        deadline = time.monotonic() + 30  # each worker lowers its priority as it starts
        while time.monotonic() < deadline and any(
            _nice_of(pid) == own for pid in children if Path(f"/proc/{pid}").exists()
        ):
            time.sleep(0.05)
        nices = [_nice_of(pid) for pid in children if Path(f"/proc/{pid}").exists()]
        assert nices and all(n == min(19, own + WORKER_NICENESS) for n in nices), (own, nices)
    finally:
        started.wait()
    assert _nice_of(os.getpid()) == own  # the run's own priority is left as it was
