"""Bounded pages at province scale, scaled down: field maps in parts, compact coordinates.

A synthetic province (``make_province``: 2,000 patches over 20,000 farmland
polygons) drawn with a small page budget, so that townships are split into
parts. Each page is read back with the test helpers' own decoder of the
compact payload (written from the polyline algorithm, not from rsgeo) and
compared with the input: every ordinary patch exactly once across a
township's parts, every page under the budget, coordinates equal to the
input's to 1e-6°, sealed patches nowhere; one part is opened in headless
Chromium offline and the shapes its script decoded are compared too.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_maps_helpers as h

from rsgeo.options import MapOptions
from rsgeo.outputs.maps import county_map, field_maps
from rsgeo.synthetic.province import make_province

pytest.importorskip("folium")

BUDGET_MB = 0.32  # Leaflet and rsgeo's code are about 0.25 MB: a few dozen patches a page
SECRET = "MILITARY-SECRET-NOTE"


@pytest.fixture(scope="module")
def province() -> dict[str, gpd.GeoDataFrame]:
    d = make_province(2_000, 20_000, n_redline=20, redline_vertices=500, seed=5)
    towns = d["townships"]
    centres = d["patches"].representative_point()
    hit_point, hit_town = towns.sindex.query(centres, predicate="within")
    code = np.full(len(centres), "", dtype=object)
    code[hit_point] = towns["township_code"].to_numpy()[hit_town]
    patches = d["patches"].assign(
        township_code=code, area_m2=d["patches"].area, flag_military=False, note=""
    )
    sealed = patches.index[::97]  # sealed (military) patches spread over the province
    patches.loc[sealed, "flag_military"] = True
    patches.loc[sealed, "note"] = SECRET
    d["patches"] = patches
    d["sealed"] = sealed
    return d


@pytest.fixture(scope="module")
def pages(province, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("parts")
    return field_maps(
        province["patches"],
        out,
        townships=province["townships"],
        layers={"farmland": province["farmland"], "redline": province["redline"]},
        options=MapOptions(page_max_mb=BUDGET_MB),
        progress=False,
    )


def _index_lookup(page: Path) -> dict:
    text = page.read_text(encoding="utf-8")
    match = re.search(r"var d=(\{.*?\});", text, re.DOTALL)
    assert match is not None, f"{page.name} is not an index of parts"
    return json.loads(match.group(1))


def test_every_patch_once_across_the_parts_and_every_page_under_the_budget(province, pages):
    patches = province["patches"]
    shown = patches[~patches["flag_military"]]
    n_split = 0
    for code, page in pages.items():
        want = sorted(shown.index[shown["township_code"] == code].astype(str))
        parts = sorted(page.parent.glob(page.stem + "_[0-9][0-9].html"))
        if not parts:  # a township that fits one page
            ids = [f["properties"]["id"] for f in h.page_config(page)["patches"]["features"]]
            assert sorted(ids) == want
            continue
        n_split += 1
        lookup = _index_lookup(page)
        assert lookup["files"] == [p.name for p in parts]
        drawn: Counter[str] = Counter()
        for part, listed in zip(parts, lookup["ids"], strict=True):
            ids = [f["properties"]["id"] for f in h.page_config(part)["patches"]["features"]]
            assert sorted(ids) == sorted(listed)  # the index lists what the part draws
            drawn.update(ids)
        assert sorted(drawn) == want
        assert max(drawn.values()) == 1  # no patch in two parts
        # the index page names every monitoring number (the browser's find works too)
        text = page.read_text(encoding="utf-8")
        assert all(pid in text for pid in want)
    assert n_split >= 10  # the budget really split the townships
    for page in pages.values():
        for p in page.parent.glob("*.html"):
            assert p.stat().st_size <= BUDGET_MB * 1e6, p.name


def test_sealed_patches_are_in_no_page(province, pages):
    folder = next(iter(pages.values())).parent
    sealed = [str(pid) for pid in province["sealed"]]
    for p in folder.glob("*.html"):
        text = p.read_text(encoding="utf-8")
        assert SECRET not in text
        assert not [pid for pid in sealed if pid in text], p.name


def test_part_pages_are_compact_and_link_back_to_the_index(pages):
    page = max(pages.values(), key=lambda p: len(list(p.parent.glob(p.stem + "_*.html"))))
    parts = sorted(page.parent.glob(page.stem + "_[0-9][0-9].html"))
    areas = []
    for part in parts:
        cfg = h.page_config(part)
        assert cfg["indexLink"]["href"] == page.name
        assert f"（共 {len(parts)} 幅）" in cfg["info"][0]
        shapes = [shapely.geometry.shape(f["geometry"]) for f in cfg["patches"]["features"]]
        areas.append(shapely.box(*shapely.total_bounds(shapes)).area)
    whole = [
        shapely.geometry.shape(f["geometry"])
        for part in parts
        for f in h.page_config(part)["patches"]["features"]
    ]
    # parts are compact: together their extents cover about the township's extent once,
    # not each of them the whole of it
    assert sum(areas) < 0.8 * len(parts) * shapely.box(*shapely.total_bounds(whole)).area


def test_decoded_coordinates_equal_the_input_to_a_millionth_of_a_degree(province, tmp_path):
    patches = province["patches"]
    code = patches.loc[~patches["flag_military"], "township_code"].value_counts().index[0]
    one = patches[(patches["township_code"] == code) & ~patches["flag_military"]]
    (page,) = field_maps(one, tmp_path, simplify_tolerance_m=0.0, progress=False).values()
    cfg = h.page_config(page)
    want = one.geometry.to_crs("EPSG:4490")
    features = cfg["patches"]["features"]
    assert len(features) == len(one)
    for f in features:
        geom = shapely.geometry.shape(f["geometry"])
        expect = want.loc[f["properties"]["id"]]
        got_xy = shapely.get_coordinates(geom)
        want_xy = shapely.get_coordinates(shapely.geometry.MultiPolygon([expect]))
        assert got_xy.shape == want_xy.shape
        np.testing.assert_allclose(got_xy, want_xy, atol=5.0001e-7, rtol=0)


def test_a_part_opens_offline_in_chromium_and_decodes_as_python_does(pages):
    page = next(p for p in pages.values() if list(p.parent.glob(p.stem + "_01.html")))
    part = page.with_name(page.stem + "_01.html")
    cfg = h.page_config(part)
    r = h.probe_page(part, popups=3, shapes=True)
    assert r["errors"] == []
    want = {f["properties"]["id"]: f["geometry"] for f in cfg["patches"]["features"]}
    assert sorted(r["ids"]) == sorted(want)
    assert r["patchPaths"] == len(want)
    for pid, geom in want.items():
        np.testing.assert_array_equal(
            shapely.get_coordinates(shapely.geometry.shape(r["shapes"][pid])),
            shapely.get_coordinates(shapely.geometry.shape(geom)),
        )
    assert r["refPaths"] > 0
    assert all(pid in text for pid, text in r["popups"].items())


def test_county_map_of_bare_points_is_small_and_opens(province, tmp_path):
    patches = province["patches"]
    page = tmp_path / "county.html"
    county_map(
        patches,
        townships=province["townships"],
        path=page,
        options=MapOptions(county_popup_max_patches=100),
        patch_shapes="points",
    )
    cfg = h.page_config(page)
    shown = patches[~patches["flag_military"]]
    feats = cfg["patches"]["features"]
    assert sorted(f["properties"]["id"] for f in feats) == sorted(shown.index.astype(str))
    assert "popupParts" not in cfg or cfg["popupParts"] == []
    # each point inside its patch, and its class the patch's
    classes = cfg["lean"]["classes"]
    for f in feats:
        pid = f["properties"]["id"]
        pt = gpd.GeoSeries([shapely.Point(f["geometry"]["coordinates"])], crs="EPSG:4490")
        assert shown.geometry.loc[pid].buffer(0.2).contains(pt.to_crs(shown.crs).iloc[0])
        assert classes[f["properties"]["c"]] == "未分类"  # the province set has no class
    text = page.read_text(encoding="utf-8")
    assert SECRET not in text
    assert not [pid for pid in province["sealed"].astype(str) if pid in text]
    # about 45 bytes a point, the fixed part aside
    assert page.stat().st_size < 300_000 + 45 * len(shown)
    r = h.probe_page(page, popups=5)
    assert r["errors"] == []
    assert r["patchFeatures"] == len(shown)
    for pid, text in r["popups"].items():
        assert pid in text and "外业核查图" in text
    assert pd.Index(r["ids"]).is_unique


_SEARCH_PROBE = """<script>
window.addEventListener('load', function () {
  var box = document.getElementById('q');
  box.value = '__QUERY__';
  box.dispatchEvent(new Event('input'));
  var pre = document.createElement('pre');
  pre.id = 'rsgeo-probe';
  pre.textContent = JSON.stringify(Array.prototype.map.call(
    document.querySelectorAll('#hits a'), function (a) { return [a.textContent, a.getAttribute('href')]; }));
  document.body.appendChild(pre);
});
</script>"""


def test_the_index_page_finds_a_patch_by_the_end_of_its_number(pages, tmp_path):
    browser = h.need_browser()
    page = next(p for p in pages.values() if list(p.parent.glob(p.stem + "_01.html")))
    lookup = _index_lookup(page)
    last_part = len(lookup["files"])
    pid = lookup["ids"][-1][0]
    query = next(  # the shortest ending of the number that no other number of the page shares
        pid[-n:]
        for n in range(4, len(pid) + 1)
        if sum(i.endswith(pid[-n:]) or pid[-n:] in i for ids in lookup["ids"] for i in ids) == 1
    )
    probed = tmp_path / page.name
    probed.write_text(
        page.read_text(encoding="utf-8").replace(
            "</html>", _SEARCH_PROBE.replace("__QUERY__", query) + "</html>"
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        [browser, *h.browser_args(str(tmp_path / "profile")), "--dump-dom", probed.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, HOME=str(tmp_path)),
    )
    match = re.search(r'<pre id="rsgeo-probe">(.*?)</pre>', done.stdout, re.DOTALL)
    assert match is not None, done.stderr[-2000:]
    hits = json.loads(html.unescape(match.group(1)))
    assert hits == [[f"{pid} → 在第 {last_part} 幅", lookup["files"][-1]]]
