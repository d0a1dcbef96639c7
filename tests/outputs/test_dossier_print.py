"""Dossiers on A4: pictures at most half a page, signature boxes, field photos with their
metadata, one combined PDF per township. Read back with poppler (pdftotext, pdfinfo,
pdftohtml -xml for where each picture lies on its page)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import office
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "io"))
import test_dossier as td
import test_evidence as ev

from rsgeo.io.evidence import match_photos, read_evidence
from rsgeo.outputs.dossier.build import build_dossiers
from rsgeo.schema.labels import CHANGE_TYPE_NAMES, SIGNATURE_LABELS

pytest.importorskip("fpdf")
pytest.importorskip("pypdf")

A4_PT = (595.3, 841.9)
X0, Y0 = td.X0, td.Y0


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("dossier_print")
    before = tmp / "before.tif"
    td._write_raster(before, "EPSG:4545", X0 - 500, Y0 + 600, 2.0, 800, 600)
    # P1: X0..X0+120, P2: X0+300..X0+420 (融水镇); the weird id in 和睦镇; military at X0+150
    package = ev.make_package(
        tmp / "举证包.db",
        [
            {"BSM": "F1", "JCBH": "P1", "FJMC": "东侧远景", "FJ": ev.jpeg(1, (400, 300)),
             "PSJD": 45.0, "PSSJ": "2020-11-02 10:15:00", "PSRY": "李四", "JYM": "ab12",
             **ev.at(X0 + 60, Y0 + 40)},
            {"BSM": "F2", "JCBH": "", "FJMC": "西侧近景", "FJ": ev.jpeg(2, (300, 400)),
             "PSJD": 270.0, "PSSJ": "2020-11-03 09:00:00", **ev.at(X0 + 350, Y0 + 50)},
            {"BSM": "F3", "JCBH": "", "FJMC": "村口路边", "FJ": ev.jpeg(3), **ev.at(X0 + 9000, Y0)},
            {"BSM": "F4", "JCBH": "P2", "FJMC": "坏照片", "FJ": ev.jpeg(4)[:300]},
            {"BSM": "F7", "JCBH": "P1", "FJMC": "电杆竖拍", "FJ": ev.jpeg(7, (150, 600)),
             "PSJD": 180.0, **ev.at(X0 + 10, Y0 + 10)},
            {"BSM": "F5", "JCBH": "", "FJMC": "营区照片", "FJ": ev.jpeg(5),
             **ev.at(X0 + 200, Y0 + 40)},
        ],
    )  # fmt: skip
    result = td.make_result()
    result["outside_townships_m2"] = [0.0, 12.5, 0.0, 0.0]
    matches = match_photos(read_evidence(package), result)
    out = tmp / "dossiers"
    frame = build_dossiers(
        result,
        out,
        imagery=(before, before),
        photos=matches,
        progress=False,
        n_jobs=1,
    )
    return {"out": out, "frame": frame, "package": package}


def _text(pdf: Path) -> str:
    return "\n".join(office.pdf_pages(pdf))


def _images(pdf: Path, tmp: Path) -> list[tuple[int, float, float, float]]:
    """(page, image height, image width, page height) of each picture (pdftohtml -xml)."""
    tool = office.need("pdftohtml", "poppler-utils")
    xml = subprocess.run(
        [tool, "-xml", "-stdout", str(pdf), str(tmp / "img")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = []
    for page in re.split(r"<page ", xml)[1:]:
        number = int(re.search(r'number="(\d+)"', page).group(1))  # type: ignore[union-attr]
        height = float(re.search(r'height="([\d.]+)"', page).group(1))  # type: ignore[union-attr]
        for w, h in re.findall(r'<image [^>]*width="([\d.]+)" height="([\d.]+)"', page):
            found.append((number, float(h), float(w), height))
    return found


def test_pages_are_a4_and_pictures_take_at_most_half_a_page(built: dict, tmp_path: Path) -> None:
    pdf = built["out"] / "P1" / "dossier.pdf"
    for w, h in office.pdf_page_sizes_pt(pdf):
        assert (w, h) == pytest.approx(A4_PT, abs=1.5)
    images = _images(pdf, tmp_path)
    # two chips and the two photos of P1 (one four times taller than wide); the location
    # map is drawn as lines and words, no picture
    assert len(images) == 4
    assert "位置示意" in _text(pdf) and "图斑范围" in _text(pdf)
    for page, img_h, _img_w, page_h in images:
        assert img_h <= page_h / 2, f"a picture on page {page} is taller than half the page"
    # the two chips lie side by side: two pictures of one height on one page
    by_page: dict[int, list[float]] = {}
    for page, img_h, _w, _ph in images:
        by_page.setdefault(page, []).append(img_h)
    assert any(len(hs) >= 2 for hs in by_page.values())


def test_each_dossier_has_its_photos_with_their_metadata(built: dict) -> None:
    out = built["out"]
    p1, p2 = _text(out / "P1" / "dossier.pdf"), _text(out / "P2" / "dossier.pdf")
    lon, lat = ev.at(X0 + 60, Y0 + 40).values()
    flat1 = "".join(p1.split())
    assert "东侧远景" in p1 and "西侧近景" not in p1
    assert "2020-11-0210:15:00" in flat1 and "李四" in p1
    assert "45°（东北）" in flat1 and f"{lon:.6f}°E,{lat:.6f}°N" in flat1
    flat2 = "".join(p2.split())
    assert "西侧近景" in p2 and "东侧远景" not in p2 and "270°（西）" in flat2
    # the picture itself, byte for byte, in the patch's folder
    saved = list((out / "P1" / "photos").iterdir())
    assert sorted(p.read_bytes() for p in saved) == sorted(
        [ev.jpeg(1, (400, 300)), ev.jpeg(7, (150, 600))]
    )
    page = (out / "P1" / "dossier.html").read_text(encoding="utf-8")
    assert "东侧远景" in page and "rotate(45.0)" in page


def test_unplaced_photos_are_listed_not_lost(built: dict) -> None:
    out = built["out"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "村口路边" in index and "拍摄位置不在任何图斑内" in index
    assert "坏照片" in index and "照片数据损坏" in index
    kept = {p.name for p in (out / "未归属照片").iterdir()}
    assert any("村口路边" in n for n in kept) and any("坏照片" in n for n in kept)
    frame = built["frame"]
    assert set(frame.attrs["unplaced_photos"]["photo_id"]) == {"F3", "F4"}
    # the photo taken inside the military patch appears nowhere, only counted
    assert frame.attrs["n_sealed_photos"] == 1
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json"):
            assert "营区照片" not in path.read_text(encoding="utf-8"), path
        if path.suffix == ".pdf":
            assert "营区照片" not in _text(path), path


def test_signature_boxes_on_the_page_of_their_heading(built: dict) -> None:
    for pid in ("P1", "P2", td.WEIRD_ID):
        pages = office.pdf_pages(built["out"] / td.folder_name(pid) / "dossier.pdf")
        with_heading = [i for i, p in enumerate(pages) if "八、签字" in p]
        assert len(with_heading) == 1, pid
        page = pages[with_heading[0]]
        for key in ("surveyor", "reviewer", "date"):
            assert SIGNATURE_LABELS[key] in page, (pid, key)


def test_one_combined_pdf_per_township_in_patch_order(built: dict) -> None:
    out = built["out"]
    town = out / "卷宗_融水镇.pdf"
    other = sorted(out.glob("卷宗_*.pdf"))
    assert [p.name for p in other] == ["卷宗_和睦镇.pdf", "卷宗_融水镇.pdf"]
    pages = office.pdf_pages(town)
    n1 = len(office.pdf_pages(out / "P1" / "dossier.pdf"))
    n2 = len(office.pdf_pages(out / "P2" / "dossier.pdf"))
    assert len(pages) == n1 + n2
    assert "（P1）" in pages[0] and "（P2）" in pages[n1]
    assert td.MILITARY_ID not in "".join(pages)
    from pypdf import PdfReader

    outline = [item.title for item in PdfReader(town).outline]
    assert outline == ["P1", "P2"]


def test_combined_pdf_follows_its_dossiers(built: dict, tmp_path: Path) -> None:
    """A second run keeps an unchanged township's file; a township gone loses its file."""
    out = tmp_path / "d"
    result = td.make_result()
    build_dossiers(result, out, progress=False, n_jobs=1)
    town = out / "卷宗_融水镇.pdf"
    stamp = town.stat().st_mtime_ns
    build_dossiers(result, out, progress=False, n_jobs=1)
    assert town.stat().st_mtime_ns == stamp
    build_dossiers(result.drop(index=[td.WEIRD_ID]), out, progress=False, n_jobs=1)
    assert not (out / "卷宗_和睦镇.pdf").exists() and town.is_file()


def test_the_dossier_text_is_chinese(built: dict) -> None:
    """Only ids, codes and coordinates are Latin: no column names (outside_townships,
    doc_number) in the overlay table or elsewhere."""
    for pid in ("P1", "P2"):
        text = _text(built["out"] / pid / "dossier.pdf")
        tokens = re.findall(r"[A-Za-z][A-Za-z0-9_]*", text)
        # codes hold digits (P1, the check code ab12); N and E mark coordinates
        words = {t for t in tokens if len(t) > 1 and not any(c.isdigit() for c in t)}
        assert words <= {"JCMJ"} | set(CHANGE_TYPE_NAMES), (pid, words)  # TBLX codes: YH …
    p1 = "".join(_text(built["out"] / "P1" / "dossier.pdf").split())
    assert "批准文号：桂政土批〔2019〕12号" in p1
    p2 = "".join(_text(built["out"] / "P2" / "dossier.pdf").split())
    assert "县外/未落入乡镇（平方米）12.50" in p2


def test_a_cut_picture_keeps_its_suffix(built: dict) -> None:
    kept = {p.suffix for p in (built["out"] / "未归属照片").iterdir()}
    assert kept == {".jpg"}


def test_the_html_dossier_prints_pictures_at_most_half_a_page(built: dict, tmp_path: Path) -> None:
    """The HTML page printed by Chromium: A4, no picture taller than half a page."""
    pdf = office.browser_pdf(built["out"] / "P1" / "dossier.html", tmp_path / "p1.pdf")
    for w, h in office.pdf_page_sizes_pt(pdf):
        assert sorted((w, h)) == pytest.approx(sorted(A4_PT), abs=1.5)
    images = _images(pdf, tmp_path)
    assert len(images) == 4  # the chips and photos (the map is drawn: no picture)
    assert "图斑范围" in _text(pdf)
    for page, img_h, _img_w, page_h in images:
        assert img_h <= page_h / 2, f"a picture on page {page} is taller than half the page"


def test_signature_heading_never_left_alone_at_a_page_foot(tmp_path: Path) -> None:
    """Whatever fills the page before it, the heading and its boxes share a page."""
    from rsgeo.outputs.dossier.content import Section
    from rsgeo.outputs.dossier.render import render_pdf

    sign = Section("signatures", "八、签字", "sign", list(SIGNATURE_LABELS.values())[1:4])
    for n in range(30, 46, 3):  # rows of 5.5 mm: the heading lands near the foot
        rows = [(f"项目{i}", "内容") for i in range(n)]
        pdf = tmp_path / f"s{n}.pdf"
        render_pdf([Section("kv", "一、表", "kv", rows), sign], "标题", tmp_path, pdf)
        pages = office.pdf_pages(pdf)
        where = [i for i, p in enumerate(pages) if "八、签字" in p]
        assert len(where) == 1
        assert all(label in pages[where[0]] for label in sign.payload), n


def test_a_townships_pdf_is_joined_as_soon_as_its_dossiers_are_built(tmp_path: Path) -> None:
    from rsgeo.outputs.dossier.combined import CombinedPdfs
    from rsgeo.outputs.dossier.content import Section
    from rsgeo.outputs.dossier.render import render_pdf

    records = []
    for pid, town in (("A1", "甲镇"), ("A2", "甲镇"), ("B1", "乙乡")):
        pdf = tmp_path / f"{pid}.pdf"
        render_pdf([Section("kv", "一、图斑", "kv", [("监测编号", pid)])], pid, tmp_path, pdf)
        records.append(
            {"patch_id": pid, "township_code": town, "township_name": town, "pdf": pdf, "hash": pid}
        )
    out = tmp_path / "out"
    out.mkdir()
    (out / "卷宗_丙镇.pdf").write_bytes(b"%PDF-1.4 of a township no longer in the run")
    joined = CombinedPdfs(records, out, {"卷宗_丙镇.pdf": "x"}, ["A2", "A1", "B1"])
    joined.done("A2")
    assert not (out / "卷宗_甲镇.pdf").exists()  # A1 is still being built
    joined.done("A1")
    assert (out / "卷宗_甲镇.pdf").is_file() and not (out / "卷宗_乙乡.pdf").exists()
    joined.done("B1")
    assert (out / "卷宗_乙乡.pdf").is_file()
    written = joined.finish()
    assert set(written) == {"卷宗_甲镇.pdf", "卷宗_乙乡.pdf"}
    assert not (out / "卷宗_丙镇.pdf").exists()  # the run's own file of a township gone
    pages = office.pdf_pages(out / "卷宗_甲镇.pdf")
    assert len(pages) == 2 and "A1" in pages[0] and "A2" in pages[1]
