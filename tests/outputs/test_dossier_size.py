"""The size of a dossier folder: the location map's PNG is bounded, and a worst-case
dossier (the most neighbours, a patch of many parts, long texts, every review rule)
stays within 80 KB. Sizes are read from the files; the maps are decoded with Pillow
and compared pixel by pixel, the neighbours kept checked against shapely's distances."""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon, box
from shapely.ops import unary_union

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rsgeo.outputs.dossier.build import build_dossiers, own_bytes
from rsgeo.outputs.dossier.neighbours import MAX_NEIGHBOURS
from rsgeo.schema.review_rules import RULES

Image = pytest.importorskip("PIL.Image")
pytest.importorskip("fpdf")

X0, Y0 = 500_000.0, 2_780_000.0
LIMIT = 80_000  # bytes: the folder's bound, photos, attachments and imagery chips aside

# a long note as a county's technician writes one: natural text, 127 characters (the
# most a shapefile's text field holds in GBK)
NOTE = (
    "该图斑位于村委会东侧约三百米处，经外业核查，现状为新建厂房及硬化场地，"
    "建设单位称已于二零一九年向县自然资源局申请办理用地手续，但未能提供批准文件。"
    "现场拍摄照片四张，询问笔录一份，责任人签字确认。建议按违法用地立案查处，"
    "并督促其限期整改，恢复耕地种植条件。"
)


def _blob(cx: float, cy: float, r: float, seed: int, n: int = 32) -> Polygon:
    rng = np.random.default_rng(seed)
    a = np.linspace(0, 2 * np.pi, n, endpoint=False)
    rad = r * (0.6 + 0.4 * rng.random(n))
    return Polygon(np.c_[cx + rad * np.cos(a), cy + rad * np.sin(a)])


def _worst_case(n_neighbours: int = 3 * MAX_NEIGHBOURS) -> gpd.GeoDataFrame:
    """A patch of 60 ragged parts among many ragged neighbours, every text long."""
    rng = np.random.default_rng(7)
    parts = [
        _blob(X0 + rng.uniform(0, 400), Y0 + rng.uniform(0, 400), rng.uniform(4, 12), i)
        for i in range(60)
    ]
    patch = unary_union(parts)
    geoms = [patch] + [
        _blob(X0 + rng.uniform(-300, 700), Y0 + rng.uniform(-300, 700), rng.uniform(5, 25), 99 + i)
        for i in range(n_neighbours)
    ]
    n = len(geoms)
    first = {
        "county_name": "融水苗族自治县",
        "township_name": "安太乡",
        "batch": "2020年第四季度卫片执法",
        "change_type": "新增建设用地",
        "land_class_code": "0103",
        "land_class_name": "旱地",
        "suggested_reason": "未取得批准文件，占用永久基本农田及一般耕地建设厂房",
        "actual_use": "工业厂房及附属硬化场地",
        "determination_subtype": "未批先建",
        "illegal_type": "未报即用",
        "case_number": "融自然资罚〔2020〕第一百二十三号",
        "responsible_party": "广西融水某某木材加工有限责任公司（法定代表人：某某某）",
        "rectification_method": "拆除复耕并恢复种植条件",
        "approved_doc_number": "桂政土批〔2019〕第四百五十六号",
        "note": NOTE,
    }
    data: dict[str, list[object]] = {
        "patch_id": ["W1"] + [f"N{i:04d}" for i in range(n - 1)],
        "township_code": ["450225207"] * n,
        "area_m2": [patch.area] + [500.0] * (n - 1),
        "reported_area_m2": [patch.area * 1.01] + [500.0] * (n - 1),
        "farmland_m2": [patch.area / 2] + [0.0] * (n - 1),
        "pbf_m2": [patch.area / 3] + [0.0] * (n - 1),
        "approved_m2": [patch.area / 5] + [0.0] * (n - 1),
        "illegal_area_m2": [patch.area] + [0.0] * (n - 1),
        "final_class": ["违法"] * n,
        "determination": ["违法"] * n,
    }
    for column, value in first.items():
        data[column] = [value] + ["—"] * (n - 1)
    return gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:4545").set_index("patch_id")


def _findings(long: bool) -> pd.DataFrame:
    """Every review rule found on the patch, each with a message as long as rsgeo's (or
    with 60 characters of the note besides)."""
    tail = NOTE[:60] if long else "请核实后补正（见外业核查记录）。"
    return pd.DataFrame(
        {
            "patch_id": ["W1"] * len(RULES),
            "rule_id": list(RULES),
            "severity": ["error"] * len(RULES),
            "message": [f"{rule.name_zh}，{tail}" for rule in RULES.values()],
        }
    )


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    ("townships", "long"),
    [(False, False), (True, False), (False, True)],
    ids=["dots", "townships", "longer-messages"],
)
def test_worst_case_dossier_folder_is_at_most_80_kb(
    tmp_path: Path, townships: bool, long: bool
) -> None:
    result = _worst_case()
    towns = None
    if townships:
        towns = gpd.GeoDataFrame(
            {"township_name": ["安太乡", "洞头镇"]},
            geometry=[box(X0 - 30_000, Y0 - 20_000, X0 + 5_000, Y0 + 20_000),
                      box(X0 + 5_000, Y0 - 20_000, X0 + 40_000, Y0 + 20_000)],
            crs="EPSG:4545",
        )  # fmt: skip
    out = tmp_path / "d"
    frame = build_dossiers(
        result.iloc[:1].pipe(lambda first: pd.concat([first, result.iloc[1:201]])),
        out,
        findings=_findings(long),
        townships=towns,
        n_jobs=1,
        progress=False,
    )
    folder = Path(frame.loc["W1", "folder"])
    sizes = {p.name: p.stat().st_size for p in folder.iterdir()}
    assert set(sizes) == {"dossier.html", "dossier.pdf", "location_map.png"}
    assert _folder_bytes(folder) <= LIMIT, sizes
    assert own_bytes(folder) == _folder_bytes(folder)  # nothing set aside in this one
    # the texts are all there: the PDF's words and the page's
    page = (folder / "dossier.html").read_text(encoding="utf-8")
    assert NOTE in page and all(rule.name_zh in page for rule in RULES.values())


def _dense_map(tmp_path: Path, max_bytes: int | None, n: int = MAX_NEIGHBOURS) -> tuple:
    from rsgeo.outputs.dossier.media import location_map_png

    result = _worst_case(n)
    geom, neighbours = result.geometry.iloc[0], list(result.geometry.iloc[1:])
    path = tmp_path / f"map_{max_bytes}_{n}.png"
    img = location_map_png(
        geom, path, neighbours=neighbours, townships=None, title="W1 位置图", margin_m=50.0,
        max_bytes=max_bytes,
    )  # fmt: skip
    return path, img, geom, neighbours


def test_a_dense_map_is_bounded_by_drawing_the_nearest_neighbours(tmp_path: Path) -> None:
    from rsgeo.outputs.dossier.media import MAP_PNG_MAX_BYTES

    many = 3 * MAX_NEIGHBOURS  # more than a map shows, to be sure the bound bites
    free, _, geom, neighbours = _dense_map(tmp_path, None, n=many)
    assert free.stat().st_size > MAP_PNG_MAX_BYTES  # the case the bound is for
    bounded, _, _, _ = _dense_map(tmp_path, MAP_PNG_MAX_BYTES, n=many)
    assert bounded.stat().st_size <= MAP_PNG_MAX_BYTES
    # the bounded map shows fewer neighbours: grey neighbour fill (221) on fewer pixels,
    # the patch (red) the same
    a = np.asarray(Image.open(free).convert("RGB")).astype(int)
    b = np.asarray(Image.open(bounded).convert("RGB")).astype(int)

    def grey(x: np.ndarray) -> int:
        return int(((x[..., 0] == 221) & (x[..., 1] == 221) & (x[..., 2] == 221)).sum())

    def red(x: np.ndarray) -> np.ndarray:
        return (x[..., 0] > 180) & (x[..., 1] < 90) & (x[..., 2] < 90)

    assert 0 < grey(b) < grey(a)
    assert (red(a) == red(b)).mean() > 0.99
    # the neighbours kept are the nearest: drawing only the nearest ones that fit
    # gives the same pixels as the bounded map
    import shapely

    order = np.argsort(shapely.distance(geom, np.asarray(neighbours, dtype=object)), kind="stable")
    from rsgeo.outputs.dossier.media import location_map_png

    found = False
    keep = len(neighbours)
    while keep and not found:
        keep //= 2
        path = tmp_path / f"nearest_{keep}.png"
        location_map_png(
            geom, path, neighbours=[neighbours[i] for i in order[:keep]], townships=None,
            title="W1 位置图", margin_m=50.0, max_bytes=None,
        )  # fmt: skip
        c = np.asarray(Image.open(path).convert("RGB")).astype(int)
        found = bool((c == b).all())
    assert found


def test_a_map_over_the_bound_is_first_compressed_harder(tmp_path: Path) -> None:
    """The nearest neighbours are all kept when level 9 is enough: the same pixels."""
    free, _, _, _ = _dense_map(tmp_path, None)
    size = free.stat().st_size
    harder, _, _, _ = _dense_map(tmp_path, size - 1)
    assert harder.stat().st_size < size
    a = np.asarray(Image.open(free).convert("RGB"))
    b = np.asarray(Image.open(harder).convert("RGB"))
    assert (a == b).all()


def test_a_map_within_the_bound_is_written_as_before(tmp_path: Path) -> None:
    """Under the bound nothing changes: the same pixels, zlib level 6, unfiltered rows."""
    from rsgeo.outputs.dossier.media import PNG_COMPRESS_LEVEL

    free, img, _, _ = _dense_map(tmp_path, None, n=20)
    bounded, _, _, _ = _dense_map(tmp_path, 10**9, n=20)
    assert free.read_bytes() == bounded.read_bytes()
    # an independent decoding: Pillow reads the same palette indices the writer was given
    decoded = Image.open(bounded)
    assert decoded.mode == "P" and decoded.size == (900, 460)
    assert (np.asarray(decoded) == np.asarray(img)).all()
    data = bounded.read_bytes()
    at = data.index(b"IDAT")
    length = int.from_bytes(data[at - 4 : at], "big")
    rows = zlib.decompress(data[at + 4 : at + 4 + length])
    assert len(rows) == 460 * 901 and set(rows[::901]) == {0}
    assert data[at + 4 : at + 6] == zlib.compress(b"", PNG_COMPRESS_LEVEL)[:2]
