"""Tests of rsgeo.build_dossiers (one dossier per patch)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import office
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import Polygon, box

from rsgeo.audit.findings import review
from rsgeo.errors import InputError
from rsgeo.outputs.dossier.build import build_dossiers, folder_name

pytest.importorskip("PIL")
pytest.importorskip("fpdf")
rasterio = pytest.importorskip("rasterio")

X0, Y0 = 600_000.0, 2_780_000.0
MILITARY_ID = "JY-MIL-7731"
WEIRD_ID = "../P&<3>"
SECTION_IDS = [
    "identification",
    "maps",
    "overlay",
    "determination",
    "rectification",
    "attachments",
    "findings",
]


def make_result() -> gpd.GeoDataFrame:
    geoms = [
        box(X0, Y0, X0 + 120, Y0 + 80),  # P1
        box(X0 + 300, Y0, X0 + 420, Y0 + 80),  # P2
        box(X0 + 20_000, Y0, X0 + 20_120, Y0 + 80),  # weird id, outside the imagery
        box(X0 + 150, Y0, X0 + 250, Y0 + 80),  # military, next to P1
    ]
    data = {
        "patch_id": ["P1", "P2", WEIRD_ID, MILITARY_ID],
        "township_code": ["450225100", "450225100", "450225101", "450225100"],
        "township_name": ["融水镇", "融水镇", "和睦镇", "融水镇"],
        "change_type": ["20", "YH", "DT", "20"],
        "area_m2": [9600.0, 9600.0, 9600.0, 8000.0],
        "reported_area_m2": [9600.0, 9650.0, 9600.0, 8000.0],
        "farmland_m2": [0.0, 3000.0, 0.0, 0.0],
        "pbf_m2": [0.0, 1200.0, 0.0, 0.0],
        "approved_m2": [9600.0, 0.0, 0.0, 0.0],
        "approved_doc_number": ["桂政土批〔2019〕12号", None, None, None],
        "suggested_class": ["合法", "违法", "违法", "违法"],
        "suggested_reason": ["批准用地覆盖 100%", "未批先建", "未批先建", "—"],
        "determination": ["合法", "违法", "违法", "违法"],
        "final_class": ["合法", "违法", "违法", "违法"],
        "class_source": ["determination"] * 4,
        "illegal_type": [None, "未报即用", "未供即用", "未报即用"],
        "case_number": [None, None, "融案〔2020〕3号", "JY案1"],
        "responsible_party": [None, "某村民", "某公司", "某部"],
        "illegal_area_m2": [np.nan, 9600.0, 9600.0, 8000.0],
        "rectification_method": [None, "拆除复耕", None, None],
        "rectification_date": [None, "2020-11-30", None, None],
        "rectified_area_m2": [np.nan, 9600.0, np.nan, np.nan],
        "flag_pbf": [False, True, False, False],
        "flag_military": [False, False, False, True],
    }
    return gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:4545").set_index("patch_id")


def _write_raster(
    path: Path, crs: str, left: float, top: float, res: float, w: int, h: int
) -> None:
    cols = np.linspace(30, 220, w)
    rows = np.linspace(0, 30, h)[:, None]
    _write_gray_rgb(path, (cols[None, :] + rows).astype("uint8"), crs, left, top, res)


def _write_gray_rgb(
    path: Path, band: np.ndarray, crs: str, left: float, top: float, res: float
) -> None:
    """A GeoTIFF of three equal byte bands ``band``, its top left corner at ``left, top``."""
    from rasterio.transform import from_origin

    h, w = band.shape
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=w,
        height=h,
        count=3,
        dtype="uint8",
        crs=crs,
        transform=from_origin(left, top, res, res),
    ) as dst:
        for b in (1, 2, 3):
            dst.write(band, b)


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, object]:
    before = tmp_path / "before.tif"
    _write_raster(before, "EPSG:4545", X0 - 500, Y0 + 600, 2.0, 800, 600)
    # the after image is in geographic CGCS2000: chips must be cut through reprojection
    tr = Transformer.from_crs("EPSG:4545", "EPSG:4490", always_xy=True)
    lon0, lat1 = tr.transform(X0 - 500, Y0 + 600)
    after = tmp_path / "after.tif"
    _write_raster(after, "EPSG:4490", lon0, lat1, 2e-5, 800, 600)
    photo = tmp_path / "现场照片1.png"
    from PIL import Image

    Image.fromarray(np.linspace(0, 255, 64 * 48).reshape(48, 64).astype("uint8")).save(photo)
    note = tmp_path / "询问笔录.txt"
    note.write_text("询问笔录", encoding="utf-8")
    return {
        "imagery": {"before": before, "after": after},
        "attachments": {"P1": [photo, note], MILITARY_ID: [note]},
        "photo": photo,
    }


def _imgs(page: str) -> list[str]:
    return re.findall(r'<img src="([^"]*)"', page)


def _outlines(page: str) -> dict[str, list[list[tuple[float, float]]]]:
    """The outline drawn over each chip of a dossier page: rings in fractions of the picture."""
    found = {}
    chips = re.findall(
        r'<span class="chip"><img src="([^"]*)"[^>]*><svg[^>]*><path d="([^"]*)"', page
    )
    for src, d in chips:
        rings = [
            [tuple(float(v) for v in pt.split(",")) for pt in ring.replace("L", " ").split()]
            for ring in re.findall(r"M([^MZ]*)Z", d)
        ]
        found[src] = rings
    return found


def test_dossier_sections_images_and_values(tmp_path: Path, inputs: dict) -> None:
    out = tmp_path / "dossiers"
    result = make_result()
    built = build_dossiers(
        result,
        out,
        findings=review(result),  # the review stage's findings, handed to the writer
        imagery=inputs["imagery"],
        attachments=inputs["attachments"],
        progress=False,
    )
    assert sorted(built.index) == sorted(["P1", "P2", WEIRD_ID])
    assert set(built["status"]) == {"built"}
    assert built.attrs["n_military_excluded"] == 1
    p1 = (out / "P1" / "dossier.html").read_text(encoding="utf-8")
    for sid in SECTION_IDS:
        assert f'<section id="{sid}">' in p1
    # the location map drawn in the page; before + after chips + the photo linked beside it
    assert p1.count('<svg class="map"') == 1 and not (out / "P1" / "location_map.png").exists()
    images = _imgs(p1)
    assert images == [
        "imagery_before.jpg",
        "imagery_after.jpg",
        "attachments/现场照片1.png",
    ]
    assert all((out / "P1" / src).is_file() for src in images)
    from PIL import Image

    for name in ("imagery_before.jpg", "imagery_after.jpg"):  # photographs of the ground
        with Image.open(out / "P1" / name) as chip:
            # the raster's own pixels, never enlarged: the 2 m raster gives a chip of at
            # most (120 m + margins) / 2 m across, far under the 400 px bound
            assert chip.format == "JPEG" and max(chip.size) < 200
    # the outline is drawn over both chips as lines, also over the reprojected one
    assert len(_outlines(p1)) == 2
    # the PDF holds each chip as the file's bytes (not decoded and compressed again)
    pdf_bytes = (out / "P1" / "dossier.pdf").read_bytes()
    for name in ("imagery_before.jpg", "imagery_after.jpg"):
        assert (out / "P1" / name).read_bytes() in pdf_bytes
    # attachments copied, the text file linked
    assert (out / "P1" / "attachments" / "现场照片1.png").read_bytes() == inputs[
        "photo"
    ].read_bytes()
    assert 'href="attachments/询问笔录.txt"' in p1
    # values computed by hand: 9600 m² = 14.40 亩; approved covers 100 %
    assert "14.40" in p1 and "100.00%" in p1 and "桂政土批〔2019〕12号" in p1
    cx, cy = X0 + 60, Y0 + 40
    lon, lat = Transformer.from_crs("EPSG:4545", "EPSG:4490", always_xy=True).transform(cx, cy)
    assert f"{lon:.6f}°E, {lat:.6f}°N" in p1
    assert "数据审核未发现问题" in p1
    # P2 misses its case number: the finding appears in its own dossier only
    p2 = (out / "P2" / "dossier.html").read_text(encoding="utf-8")
    assert "违法图斑未填立案号" in p2 and "R03" in p2
    assert "违法图斑未填立案号" not in p1
    # the odd id gets a safe folder inside outdir; imagery does not cover it
    weird = out / folder_name(WEIRD_ID)
    assert weird.parent == out and (weird / "dossier.html").is_file()
    page = (weird / "dossier.html").read_text(encoding="utf-8")
    assert "../P&amp;&lt;3&gt;" in page and "<3>" not in page
    assert _imgs(page) == [] and page.count('<svg class="map"') == 1
    assert "前时相影像未覆盖本图斑" in page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("dossier.html") == 3 and "军用土地图斑 1 个" in index
    # nothing written next to outdir, no military folder
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["after.tif", "before.tif", "dossiers", "现场照片1.png", "询问笔录.txt"]
    )
    assert not (out / MILITARY_ID).exists()


def test_pdf_renders_chinese(tmp_path: Path, inputs: dict) -> None:
    out = tmp_path / "d"
    build_dossiers(make_result().loc[["P1"]], out, imagery=inputs["imagery"], progress=False)
    pdf = out / "P1" / "dossier.pdf"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and b"/FontFile2" in data
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        for words in ("图斑基本信息", "叠加分析", "批准用地", "合法性判定及依据", "融水镇"):
            assert words in text
    elif os.environ.get("CI") == "true":
        pytest.fail("pdftotext (poppler-utils) is needed in CI")


def test_rerun_rebuilds_only_changed_dossiers(tmp_path: Path, inputs: dict) -> None:
    out = tmp_path / "d"
    result = make_result()
    kwargs = {
        "imagery": inputs["imagery"],
        "attachments": inputs["attachments"],
        "pdf": False,
        "progress": False,
    }
    build_dossiers(result, out, **kwargs)
    stamp = {p: (out / folder_name(p) / "dossier.html").stat().st_mtime_ns for p in ["P1", "P2"]}
    again = build_dossiers(result, out, **kwargs)
    assert set(again["status"]) == {"unchanged"}
    changed = result.copy()
    changed.loc["P2", "case_number"] = "融案〔2020〕9号"
    third = build_dossiers(changed, out, **kwargs)
    assert third["status"].to_dict() == {"P1": "unchanged", "P2": "built", WEIRD_ID: "unchanged"}
    assert (out / "P1" / "dossier.html").stat().st_mtime_ns == stamp["P1"]
    assert "融案〔2020〕9号" in (out / "P2" / "dossier.html").read_text(encoding="utf-8")
    # a changed photo rebuilds the dossier that links it
    inputs["photo"].write_bytes(inputs["photo"].read_bytes() + b"\0")
    fourth = build_dossiers(changed, out, **kwargs)
    assert fourth.loc["P1", "status"] == "built" and fourth.loc["P2", "status"] == "unchanged"
    # a patch that left the table loses its folder
    build_dossiers(changed.drop(index="P2"), out, **kwargs)
    assert not (out / "P2").exists() and (out / "P1").is_dir()


def test_bad_arguments_listed_together(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        build_dossiers(
            make_result(),
            tmp_path / "o",
            imagery={"before": tmp_path / "none.tif", "during": tmp_path / "x.tif"},
            attachments={"P1": [tmp_path / "missing.jpg"]},
        )
    text = str(err.value)
    assert "none.tif" in text and "during" in text and "missing.jpg" in text
    assert not (tmp_path / "o").exists()


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


_PROBE = (
    '<script>window.addEventListener("load",function(){var ok=0,bad=0,w=[];'
    "for(const i of document.images){if(i.complete&&i.naturalWidth>0)ok++;else bad++;"
    "w.push(i.naturalWidth+'x'+i.naturalHeight);}"
    'document.body.setAttribute("data-ok",ok);document.body.setAttribute("data-bad",bad);'
    'document.body.setAttribute("data-sizes",w.join(" "));'
    # the location map: its box on the page, and its labels laid out inside it
    'var m=document.querySelector("svg.map");if(m){var r=m.getBoundingClientRect(),t=0;'
    "for(const x of m.querySelectorAll('text')){var b=x.getBoundingClientRect();"
    "if(b.width>0&&b.left>=r.left&&b.right<=r.right&&b.top>=r.top&&b.bottom<=r.bottom)t++;}"
    'document.body.setAttribute("data-map",Math.round(r.width)+"x"+Math.round(r.height)+" "+t+"/"'
    '+m.querySelectorAll("text").length);}});'
    "</script>"
)


@pytest.mark.browser
def test_dossier_opens_in_headless_chromium(tmp_path: Path, inputs: dict) -> None:
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI") == "true":
            pytest.fail("headless Chromium is required in CI (.ci/install_browser.sh)")
        pytest.skip("chromium not installed")
    out = tmp_path / "d"
    build_dossiers(
        make_result(),
        out,
        imagery=inputs["imagery"],
        attachments=inputs["attachments"],
        pdf=False,
        progress=False,
    )
    # the pictures are files beside the page: a folder copied elsewhere still shows them
    copied = tmp_path / "elsewhere" / "P1"
    shutil.copytree(out / "P1", copied)
    shutil.rmtree(out / "P1")
    for page, n_images in ((copied / "dossier.html", 3), (out / "index.html", 0)):
        probe = page.with_name("_probe.html")
        probe.write_text(
            page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"),
            encoding="utf-8",
        )
        run = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
                probe.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        probe.unlink()
        assert run.returncode == 0, run.stderr[-2000:]
        console = [ln for ln in run.stderr.splitlines() if "CONSOLE" in ln]
        assert not console, console
        body = re.search(r"<body[^>]*>", run.stdout)
        assert body is not None
        assert f'data-ok="{n_images}"' in body.group(0) and 'data-bad="0"' in body.group(0)
        if page.name == "dossier.html":
            for sid in SECTION_IDS:
                assert f'id="{sid}"' in run.stdout
            from PIL import Image

            # each picture shown at the size Pillow reads from its file
            expected = []
            for src in _imgs(page.read_text(encoding="utf-8")):
                with Image.open(copied / src) as im:
                    expected.append(f"{im.width}x{im.height}")
            assert f'data-sizes="{" ".join(expected)}"' in body.group(0)
            # the map is laid out at the figure's proportions (900 x 460), every label in it
            shown = re.search(r'data-map="(\d+)x(\d+) (\d+)/(\d+)"', body.group(0))
            assert shown is not None, body.group(0)
            w, h, inside, labels = map(int, shown.groups())
            assert w > 400 and abs(h / w - 460 / 900) < 0.01
            assert labels > 10 and inside == labels


def test_geographic_input_townships_and_missing_geometry(tmp_path: Path) -> None:
    from shapely.geometry import Polygon

    result = make_result().loc[["P1", "P2"]].to_crs("EPSG:4490")
    result.loc["P2", "geometry"] = Polygon()
    towns = gpd.GeoDataFrame(
        {"township_name": ["融水镇", "和睦镇"]},
        geometry=[
            box(X0 - 3000, Y0 - 3000, X0 + 1000, Y0 + 3000),
            box(X0 + 1000, Y0 - 3000, X0 + 5000, Y0 + 3000),
        ],
        crs="EPSG:4545",
    )
    built = build_dossiers(result, tmp_path / "d", townships=towns, pdf=False, progress=False)
    assert set(built["status"]) == {"built"}
    p1 = (tmp_path / "d" / "P1" / "dossier.html").read_text(encoding="utf-8")
    assert _imgs(p1) == [] and p1.count('<svg class="map"') == 1 and "14.40" in p1
    # the townships named on the overview
    assert {"融水镇", "和睦镇"} <= set(re.findall(r"<text[^>]*>([^<]*)</text>", p1))
    p2 = (tmp_path / "d" / "P2" / "dossier.html").read_text(encoding="utf-8")
    assert _imgs(p2) == [] and '<svg class="map"' not in p2 and "图斑没有图形" in p2


def test_per_patch_imagery_folder(tmp_path: Path) -> None:
    folder = tmp_path / "imagery"
    folder.mkdir()
    _write_raster(folder / "P1_before.tif", "EPSG:4545", X0 - 100, Y0 + 200, 1.0, 400, 300)
    _write_raster(folder / "P1_after.tif", "EPSG:4545", X0 - 100, Y0 + 200, 1.0, 400, 300)
    built = build_dossiers(
        make_result().loc[["P1", "P2"]], tmp_path / "d", imagery=folder, pdf=False, progress=False
    )
    assert set(built["status"]) == {"built"}
    p1 = (tmp_path / "d" / "P1" / "dossier.html").read_text(encoding="utf-8")
    assert len(_imgs(p1)) == 2
    assert set(_outlines(p1)) == {"imagery_before.jpg", "imagery_after.jpg"}
    p2 = (tmp_path / "d" / "P2" / "dossier.html").read_text(encoding="utf-8")
    assert _imgs(p2) == [] and "没有本图斑的前时相影像" in p2


def _pdf_without_dates(path: Path) -> bytes:
    data = path.read_bytes()
    data = re.sub(rb"/CreationDate \(D:[^)]*\)", b"", data)
    return re.sub(rb"/ID \[<[0-9A-Fa-f]*> ?<[0-9A-Fa-f]*>\]", b"", data)


def test_process_pool_writes_the_same_files_as_one_process(tmp_path: Path, inputs: dict) -> None:
    import json

    kwargs = {
        "imagery": inputs["imagery"],
        "attachments": inputs["attachments"],
        "progress": False,
    }
    serial = build_dossiers(make_result(), tmp_path / "one", n_jobs=1, **kwargs)
    pooled = build_dossiers(make_result(), tmp_path / "two", n_jobs=2, **kwargs)
    assert set(serial["status"]) == set(pooled["status"]) == {"built"}
    one = json.loads((tmp_path / "one" / "manifest.json").read_text(encoding="utf-8"))
    two = json.loads((tmp_path / "two" / "manifest.json").read_text(encoding="utf-8"))
    assert one == two and len(one["patches"]) == 3
    files_one = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*"))
    files_two = sorted(p.relative_to(tmp_path / "two") for p in (tmp_path / "two").rglob("*"))
    assert files_one == files_two
    for rel in files_one:
        a, b = tmp_path / "one" / rel, tmp_path / "two" / rel
        if a.is_dir():
            continue
        if a.suffix == ".pdf":  # only the creation time and the id derived from it differ
            assert _pdf_without_dates(a) == _pdf_without_dates(b), rel
        else:
            assert a.read_bytes() == b.read_bytes(), rel
    # a re-run with workers keeps what the serial run built
    again = build_dossiers(make_result(), tmp_path / "one", n_jobs=2, **kwargs)
    assert set(again["status"]) == {"unchanged"}


def test_bad_n_jobs(tmp_path: Path) -> None:
    for bad in (0, -1, 1.5, True):
        with pytest.raises(InputError, match="n_jobs"):
            build_dossiers(make_result(), tmp_path / "o", n_jobs=bad, progress=False)


@pytest.mark.parametrize("writer", ["rsgeo", "fpdf2"])
def test_location_map_centres_the_patch(tmp_path: Path, writer: str) -> None:
    """The close-up is centred on the patch; the overview marks it with a red star. The
    map is drawn alone on a PDF page, by rsgeo's writer and by fpdf2 (the writer of
    dossiers with a table row taller than a page), and read back as poppler draws it."""
    from PIL import Image

    from rsgeo.outputs.dossier.content import Section
    from rsgeo.outputs.dossier.fonts import find_cjk_font
    from rsgeo.outputs.dossier.location_map import location_map
    from rsgeo.outputs.dossier.render import _render_fpdf, render_pdf

    p1 = make_result().geometry.loc["P1"]
    drawn = location_map(p1, neighbours=[], townships=None, title="P1 位置图", margin_m=60.0)
    section = Section("maps", "二、位置图", "images", [], extra={"map": ("位置示意图", drawn)})
    pdf = tmp_path / "map.pdf"
    if writer == "rsgeo":
        render_pdf([section], "位置图", tmp_path, pdf)
        assert b"/Producer (rsgeo)" in pdf.read_bytes()
    else:
        _render_fpdf([section], "位置图", tmp_path, pdf, font=find_cjk_font())
        assert b"/Producer (rsgeo)" not in pdf.read_bytes()
    tool = office.need("pdftoppm", "poppler-utils")
    subprocess.run([tool, "-r", "100", "-png", str(pdf), str(tmp_path / "page")], check=True)
    rgb = np.asarray(Image.open(next(tmp_path.glob("page*.png"))).convert("RGB"))
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    red = (r > 180) & (g < 90) & (b < 90)
    half = rgb.shape[1] // 2
    # the close-up's frame: the longest dark columns of the page's right half (a panel is
    # 190 mm x 370 / 900 wide: about 300 pixels at 100 dpi), and the rows between their ends
    dark = (r < 150) & (g < 150) & (b < 150)
    cols = np.nonzero(dark[:, half:].sum(axis=0) > 250)[0] + half
    rows = np.nonzero(dark[:, cols.min()] & dark[:, cols.max()])[0]
    frame_w = cols.max() - cols.min()
    assert 250 < frame_w < 350 and abs((rows.max() - rows.min()) - frame_w) <= 2
    ys, xs = np.nonzero(red[:, cols.min() + 2 : cols.max() - 1])
    xs = xs + cols.min() + 2
    assert len(xs) > 100
    # 120 m x 80 m patch with 60 m margins: a 240 m window, the patch spans half its width
    centre_x, centre_y = (cols.min() + cols.max()) / 2, (rows.min() + rows.max()) / 2
    assert abs((xs.min() + xs.max()) / 2 - centre_x) < 3
    assert abs((ys.min() + ys.max()) / 2 - centre_y) < 3
    assert abs((xs.max() - xs.min()) / frame_w - 120 / 240) < 0.03
    assert abs((ys.max() - ys.min()) / frame_w - 80 / 240) < 0.03
    # the overview (no townships: a 10 km window) shows the patch as a star, left of it
    assert red[rows.min() : rows.max(), : half - 20].sum() > 30
    # its words are text in the PDF, not pictures
    words = "".join(office.pdf_pages(pdf)[0].split())
    assert "位置示意" in words and "图斑范围" in words and "P1位置图" in words


@pytest.mark.parametrize("writer", ["rsgeo", "fpdf2"])
def test_the_patch_lets_a_neighbour_under_it_show_through(tmp_path: Path, writer: str) -> None:
    """The close-up fills the patch a quarter red over what lies under it: where a
    neighbour overlaps it, poppler draws red over the neighbour's grey (rsgeo's writer
    declares the opacity; fpdf2's pages get the colour over white, the neighbour hidden)."""
    from PIL import Image

    from rsgeo.outputs.dossier.content import Section
    from rsgeo.outputs.dossier.fonts import find_cjk_font
    from rsgeo.outputs.dossier.location_map import location_map
    from rsgeo.outputs.dossier.map_render import map_svg
    from rsgeo.outputs.dossier.render import _render_fpdf, render_pdf

    patch = box(0, 0, 100, 100)
    under = box(50, -40, 150, 60)  # its lower right quarter lies under the patch
    drawn = location_map(patch, neighbours=[under], townships=None, title="T", margin_m=50.0)
    assert 'fill-opacity="0.25"' in map_svg(drawn)
    section = Section("maps", "二、位置图", "images", [], extra={"map": ("位置示意图", drawn)})
    pdf = tmp_path / "map.pdf"
    if writer == "rsgeo":
        render_pdf([section], "位置图", tmp_path, pdf)
    else:
        _render_fpdf([section], "位置图", tmp_path, pdf, font=find_cjk_font())
    tool = office.need("pdftoppm", "poppler-utils")
    subprocess.run([tool, "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True)
    rgb = np.asarray(Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")).astype(int)
    # the patch's outline (opaque red) gives its box on the page
    red = (rgb[..., 0] > 190) & (rgb[..., 1] < 70) & (rgb[..., 2] < 70)
    half = rgb.shape[1] // 2
    ys, xs = np.nonzero(red[:, half:])
    xs = xs + half
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()

    def at(fx: float, fy: float) -> np.ndarray:  # a pixel at fractions of the patch's box
        return rgb[round(y0 + fy * (y1 - y0)), round(x0 + fx * (x1 - x0))]

    alone, over = at(0.25, 0.25), at(0.75, 0.75)  # upper left: the patch alone
    assert np.abs(alone - (245, 201, 201)).max() <= 3  # a quarter red over white
    expected = (219, 176, 176) if writer == "rsgeo" else (245, 201, 201)
    assert np.abs(over - expected).max() <= 3, over  # over the neighbour's grey (221)


def test_long_tables_continue_on_new_pages_with_their_header(tmp_path: Path) -> None:
    from rsgeo.outputs.dossier.content import Section
    from rsgeo.outputs.dossier.render import render_pdf

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed")
    long_text = "违法占用永久基本农田" * 12 + " review message words " * 6
    rows = [[f"R{i:03d}", "规则", "严重", long_text if i == 5 else f"问题{i}"] for i in range(90)]
    sections = [
        Section(
            "findings",
            "七、数据审核意见",
            "table",
            (["规则编号", "规则名称", "严重程度", "问题说明"], rows),
        )
    ]
    out = tmp_path / "t.pdf"
    render_pdf(sections, "长表", tmp_path, out)
    pages = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    pages_text = pages.split("\f")
    used = [p for p in pages_text if p.strip()]
    assert len(used) >= 2
    assert all("规则编号" in p for p in used)  # the header is repeated on every page
    flat = re.sub(r"\s+", "", pages)
    for i in range(90):
        assert f"R{i:03d}" in flat
    assert re.sub(r"\s+", "", long_text) in flat  # wrapped, nothing lost


@pytest.mark.parametrize("width", [1.0, 2.5, 4.0, 7.0])
def test_wrap_text_lines_fit_and_keep_every_character(width: float) -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from rsgeo.outputs.dossier.render import wrap_text

    widths = {"i": 0.5, "W": 1.5}

    def char_width(c: str) -> float:
        return widths.get(c, 1.0)

    @settings(max_examples=150, deadline=None)
    @given(st.text(alphabet="ab iW图斑卷宗 \n", max_size=40))
    def check(text: str) -> None:
        lines = wrap_text(text, width, char_width)
        for line in lines:
            fits = sum(char_width(c) for c in line) <= width + 1e-9
            assert fits or len(line) == 1
        assert "".join(lines).replace(" ", "") == text.replace(" ", "").replace("\n", "")

    check()


def test_rebuild_keeps_files_put_in_a_dossier_folder(tmp_path: Path) -> None:
    out = tmp_path / "d"
    result = make_result()
    build_dossiers(result, out, pdf=False, progress=False, n_jobs=1)
    note = out / "P2" / "现场补充说明.txt"
    note.write_text("补充材料", encoding="utf-8")
    changed = result.copy()
    changed.loc["P2", "case_number"] = "融案〔2020〕11号"
    again = build_dossiers(changed, out, pdf=False, progress=False, n_jobs=1)
    assert again.loc["P2", "status"] == "built"
    assert "融案〔2020〕11号" in (out / "P2" / "dossier.html").read_text(encoding="utf-8")
    assert note.read_text(encoding="utf-8") == "补充材料"


def test_the_font_is_parsed_once_before_the_workers_start(tmp_path: Path) -> None:
    """The run parses the CJK font before it forks its workers, which share it."""
    from rsgeo.outputs.dossier.fonts import find_cjk_font
    from rsgeo.outputs.dossier.pdffont import pdf_font

    pdf_font.cache_clear()
    built = build_dossiers(make_result(), tmp_path / "d", n_jobs=2, progress=False)
    assert (built["status"] == "built").all()
    assert pdf_font.cache_info().currsize == 1  # parsed here, not only in the workers
    assert pdf_font(find_cjk_font()) is pdf_font(find_cjk_font())
    text = subprocess.run(
        [office.need("pdftotext", "poppler-utils"), str(built["pdf"].iloc[0]), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(built.index[0]) in text


def test_ids_unsafe_on_windows_get_folders_windows_accepts(tmp_path: Path) -> None:
    """Ids that differ only in case, and device names, never share or break a folder."""
    base = make_result().iloc[[0, 1, 2]].copy()
    base.index = pd.Index(["ab", "AB", "COM1"], name="patch_id")
    if "patch_id" in base.columns:
        base = base.drop(columns="patch_id")
    built = build_dossiers(base, tmp_path / "d", pdf=False, n_jobs=1, progress=False)
    folders = [Path(p).parent.name for p in built["html"]]
    assert len({f.casefold() for f in folders}) == 3  # distinct on a case-blind disk
    assert not any(f.split(".")[0].upper() in {"COM1", "CON", "NUL"} for f in folders)
    assert all((tmp_path / "d" / f / "dossier.html").is_file() for f in folders)


def test_raster_finder_finds_every_naming_form_as_the_disk_does(tmp_path: Path) -> None:
    from rsgeo.outputs.dossier.build import _RASTER_SUFFIXES, _RasterFinder

    folder = tmp_path / "imagery"
    (folder / "P2").mkdir(parents=True)
    for rel in ("P1_after.tif", "P2/before.jp2", "P3.img", "P4_before.vrt", "P5_after.txt"):
        (folder / rel).write_bytes(b"x")

    def on_disk(key: str, pid: str) -> Path | None:  # every candidate asked of the disk
        for suffix in _RASTER_SUFFIXES:
            for c in (folder / f"{pid}_{key}{suffix}", folder / pid / f"{key}{suffix}"):
                if c.is_file():
                    return c
            if (folder / f"{pid}{suffix}").is_file():
                return folder / f"{pid}{suffix}"
        return None

    find = _RasterFinder(folder)
    for pid in ("P1", "P2", "P3", "P4", "P5", "P6"):
        for key in ("before", "after"):
            assert find(key, pid) == on_disk(key, pid), (pid, key)
    assert find("after", "P1") == folder / "P1_after.tif"
    assert find("before", "P2") == folder / "P2" / "before.jp2"
    assert find("after", "P5") is None and find("before", "P6") is None
    single = folder / "P1_after.tif"
    assert _RasterFinder(single)("before", "anything") == single


_L_SHAPE = Polygon(
    [
        (X0, Y0),
        (X0 + 120, Y0),
        (X0 + 120, Y0 + 30),
        (X0 + 40, Y0 + 30),
        (X0 + 40, Y0 + 80),
        (X0, Y0 + 80),
    ]
)
"""A patch no flip or turn maps onto itself."""


def _write_marked(path: Path, crs: str, left: float, top: float, res: float, n: int) -> None:
    """A dark ``n`` × ``n`` raster whose pixels with their centre inside :data:`_L_SHAPE` are bright."""
    from shapely import contains_xy

    cols, rows = np.meshgrid(np.arange(n) + 0.5, np.arange(n) + 0.5)
    x, y = left + cols * res, top - rows * res
    if crs != "EPSG:4545":
        x, y = Transformer.from_crs(crs, "EPSG:4545", always_xy=True).transform(x, y)
    inside = contains_xy(_L_SHAPE, x, y)
    _write_gray_rgb(path, np.where(inside, 230, 25).astype("uint8"), crs, left, top, res)


def test_chip_outline_lies_on_the_patch(tmp_path: Path) -> None:
    """The outline drawn over a chip encloses exactly the chip's pixels of the patch: the
    rasters are bright where their pixel centres fall inside an L-shaped patch, dark
    elsewhere, one in the patches' CRS, one in geographic CGCS2000 (cut and outlined
    through reprojection)."""
    from PIL import Image
    from shapely import contains_xy

    before, after = tmp_path / "before.tif", tmp_path / "after.tif"
    _write_marked(before, "EPSG:4545", X0 - 300, Y0 + 380, 2.0, 400)
    lon0, lat1 = Transformer.from_crs("EPSG:4545", "EPSG:4490", always_xy=True).transform(
        X0 - 300, Y0 + 380
    )
    _write_marked(after, "EPSG:4490", lon0, lat1, 2e-5, 400)
    out = tmp_path / "d"
    result = make_result().loc[["P1"]].copy()
    result.geometry = gpd.GeoSeries([_L_SHAPE], index=result.index, crs=result.crs)
    build_dossiers(result, out, imagery={"before": before, "after": after}, progress=False)
    page = (out / "P1" / "dossier.html").read_text(encoding="utf-8")
    outlines = _outlines(page)
    assert set(outlines) == {"imagery_before.jpg", "imagery_after.jpg"}
    for name, rings in outlines.items():
        gray = np.asarray(Image.open(out / "P1" / name).convert("L"), dtype=float)
        h, w = gray.shape
        assert len(rings) == 1 and len(rings[0]) >= 7  # 6 corners and the first again
        shape = Polygon([(fx * w, fy * h) for fx, fy in rings[0]])
        cx, cy = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
        inner = contains_xy(shape.buffer(-1.5), cx, cy)  # a pixel and a half from the line
        outer = ~contains_xy(shape.buffer(1.5), cx, cy)
        assert inner.sum() > 100 and outer.sum() > 100
        assert gray[inner].mean() > 200, name
        assert gray[outer].mean() < 40, name
    # the PDF draws the outline (yellow) over both chips: read back by poppler
    pdftoppm = office.need("pdftoppm", "poppler-utils")
    subprocess.run(
        [pdftoppm, "-r", "50", "-png", str(out / "P1" / "dossier.pdf"), str(tmp_path / "page")],
        check=True,
    )
    yellow = 0
    for png in tmp_path.glob("page*.png"):
        rgb = np.asarray(Image.open(png).convert("RGB"), dtype=float) / 255.0
        yellow += int(((rgb[..., 0] > 0.8) & (rgb[..., 1] > 0.7) & (rgb[..., 2] < 0.3)).sum())
    assert yellow > 100
