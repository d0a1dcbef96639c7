"""The size of a dossier folder: a worst-case dossier (the most neighbours, a patch of
many parts, long texts, every review rule) stays within 80 KB. The location map drawn in
its page and PDF is bounded: its close-up keeps the nearest neighbours within a vertex
budget, and what it draws lies within half a pixel of the shapes. Sizes are read from the
files, the neighbours kept checked against shapely's distances, the shapes against
shapely's overlay of the patch grown and shrunk by the tolerance."""

from __future__ import annotations

import functools
import re
import sys
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
    assert set(sizes) == {"dossier.html", "dossier.pdf"}  # the map is drawn in both
    assert _folder_bytes(folder) <= LIMIT, sizes
    assert own_bytes(folder) == _folder_bytes(folder)  # nothing set aside in this one
    # the texts are all there: the PDF's words and the page's
    page = (folder / "dossier.html").read_text(encoding="utf-8")
    assert NOTE in page and all(rule.name_zh in page for rule in RULES.values())


def _close_up(n: int = 3 * MAX_NEIGHBOURS, **kw: object) -> tuple:
    from rsgeo.outputs.dossier.location_map import location_map

    result = _worst_case(n)
    geom, neighbours = result.geometry.iloc[0], list(result.geometry.iloc[1:])
    margin = 50.0
    drawn = location_map(
        geom, neighbours=neighbours, townships=None, title="W1 位置图", margin_m=margin, **kw
    )
    # the close-up's layer: the one clipped to the right half
    layer = next(x for x in drawn.layers if x.clip_px is not None and x.clip_px[0] > 450)
    return geom, neighbours, margin, drawn, layer


def _to_world(units: np.ndarray, geom: object, margin: float) -> np.ndarray:
    """Figure units of the close-up back to metres, from the figure's layout: a 370 px
    square at (515, 62) showing the patch's centre +- (half its larger side + margin)."""
    minx, miny, maxx, maxy = geom.bounds  # type: ignore[attr-defined]
    c = geom.centroid  # type: ignore[attr-defined]
    half = max(maxx - minx, maxy - miny) / 2 + margin
    k = 370 / (2 * half)
    px = units / 2.0
    return np.column_stack([c.x - half + (px[:, 0] - 515) / k, c.y + half - (px[:, 1] - 62) / k])


def test_the_close_up_keeps_the_nearest_neighbours_within_its_vertex_budget() -> None:
    import shapely

    from rsgeo.outputs.dossier.location_map import MAP_MAX_VERTICES

    geom, neighbours, margin, _, layer = _close_up()
    *others, _own = layer.shapes
    used = sum(len(r) for s in others for r in s.rings)
    assert 0 < len(others) < len(neighbours) and used <= MAP_MAX_VERTICES
    # which neighbour each drawn shape is: the one its outline lies closest to
    arr = np.asarray(neighbours, dtype=object)
    found = []
    for shape in others:
        ring = shapely.LinearRing(_to_world(shape.rings[0], geom, margin))
        found.append(int(np.argmin(shapely.hausdorff_distance(ring, shapely.boundary(arr)))))
    # the nearest to the map's centre, in order, among those in its window
    minx, miny, maxx, maxy = geom.bounds
    half = max(maxx - minx, maxy - miny) / 2 + margin
    c = geom.centroid
    window = shapely.box(c.x - half, c.y - half, c.x + half, c.y + half)
    seen = [
        i for i in np.argsort(shapely.distance(c, arr), kind="stable") if arr[i].intersects(window)
    ]
    assert found == seen[: len(found)]
    # no budget: every neighbour in the window is drawn
    *every, _ = _close_up(max_vertices=None)[4].shapes
    assert len(every) >= len(seen) - 5  # (a sliver just inside the window may vanish)


def test_the_map_draws_the_patch_within_half_a_pixel_of_its_shape() -> None:
    import shapely

    from rsgeo.outputs.dossier.location_map import SIMPLIFY_PX, UNITS_PER_PX

    geom, _, margin, _, layer = _close_up(n=10)
    own = layer.shapes[-1]
    rings = [_to_world(r, geom, margin) for r in own.rings]
    # the rings back as polygons (even-odd: a ring inside another is its hole)
    drawn = functools.reduce(shapely.symmetric_difference, [shapely.Polygon(r) for r in rings])
    minx, miny, maxx, maxy = geom.bounds
    half = max(maxx - minx, maxy - miny) / 2 + margin
    metres_per_px = 2 * half / 370
    tolerance = (SIMPLIFY_PX + 0.5 / UNITS_PER_PX * 2**0.5 + 0.01) * metres_per_px
    # nothing drawn farther than that from the patch, and nothing of the patch missed but
    # what is thinner than a pixel (slivers between its parts, which simplify away)
    assert drawn.difference(geom.buffer(tolerance)).area < 1e-6 * geom.area
    assert geom.buffer(-metres_per_px).difference(drawn.buffer(tolerance)).area < 1e-6 * geom.area
    assert abs(drawn.area - geom.area) / geom.area < 0.05
    # and far fewer vertices than the patch has
    assert sum(len(r) for r in own.rings) < 0.8 * shapely.get_num_coordinates(geom)


def test_a_folder_over_the_bound_gets_a_map_with_fewer_neighbours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rsgeo.outputs.dossier import folder as folder_module

    result = _worst_case(MAX_NEIGHBOURS)
    paths = {}
    for name, bound in (("free", 10**9), ("tight", 1)):
        monkeypatch.setattr(folder_module, "FOLDER_MAX_BYTES", bound)
        frame = build_dossiers(result, tmp_path / name, n_jobs=1, progress=False)
        paths[name] = Path(frame.loc["W1", "folder"]) / "dossier.html"
    free, tight = (paths[k].read_text(encoding="utf-8") for k in ("free", "tight"))

    def grey_paths(page: str) -> int:  # the neighbours' group of the close-up
        groups = re.findall(r'<g fill="#dddddd"[^>]*>(.*?)</g>', page)
        return sum(g.count("<path") for g in groups)

    assert grey_paths(free) > 0 and grey_paths(tight) == 0
    # the patch is drawn whole either way
    red = re.compile(r'<g fill="#d62728" fill-opacity="0.25"[^>]*>(.*?)</g>')
    assert red.findall(free) == red.findall(tight) != []
