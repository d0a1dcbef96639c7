"""Maps at province scale, scaled down: bounded pages, every patch, only what is shown.

A synthetic province (``rsgeo.synthetic.province.make_province``: 1,000
patches over 20,000 farmland polygons) drawn as a county map and as field
maps. The pages' data are read back from the HTML and compared with shapely
queries made here, and the county map is opened in headless Chromium.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_maps_helpers as h

from rsgeo.outputs.maps import county_map, field_maps
from rsgeo.synthetic.province import make_province

pytest.importorskip("folium")

N_PATCHES = 1_000
# Page budgets, from the targets at 50,000 patches (county map < 30 MB, so
# 600 bytes a patch drawn as a point) and from the fixed part of every page
# (Leaflet and rsgeo's script and style, about 0.2 MB).
FIXED_BYTES = 400_000
POINT_BYTES = 600
SHAPE_BYTES = 4_000  # a patch as a shape, with the reference pieces it meets
# a field map: each patch with the reference within its margin (15 MB for the
# 2,500 patches of a township at 50,000)
FIELD_BYTES = 6_000


@pytest.fixture(scope="module")
def province() -> dict[str, gpd.GeoDataFrame]:
    d = make_province(N_PATCHES, 20_000, n_redline=20, redline_vertices=500, seed=3)
    towns = d["townships"]
    centres = d["patches"].representative_point()
    # each patch's township: the one its inside point lies in
    hit_point, hit_town = towns.sindex.query(centres, predicate="within")
    code = np.full(len(centres), "", dtype=object)
    code[hit_point] = towns["township_code"].to_numpy()[hit_town]
    d["patches"] = d["patches"].assign(township_code=code, area_m2=d["patches"].area)
    return d


def _shown_area(patches: gpd.GeoDataFrame, margin_m: float) -> shapely.Geometry:
    """Each patch's bounding box grown by the margin, united (computed here)."""
    boxes = [shapely.box(*g.bounds).buffer(margin_m, join_style="mitre") for g in patches.geometry]
    return shapely.union_all(boxes)


def _meeting(layer: gpd.GeoDataFrame, area: shapely.Geometry) -> int:
    """How many features of a polygon layer share more than a boundary with the area."""
    hits = layer.geometry.to_numpy()[shapely.intersects(layer.geometry.to_numpy(), area)]
    return int((shapely.area(shapely.intersection(hits, area)) > 0).sum())


def _reference_counts(cfg: dict) -> dict[str, int]:
    return {ref["key"]: len(ref["geojson"]["features"]) for ref in cfg["reference"]}


def test_county_map_of_shapes_draws_every_patch_and_only_the_reference_they_meet(
    province, tmp_path
):
    page = tmp_path / "county.html"
    layers = {"farmland": province["farmland"], "redline": province["redline"]}
    county_map(
        province["patches"],
        townships=province["townships"],
        layers=layers,
        patch_shapes="polygons",
        path=page,
    )
    cfg = h.page_config(page)
    ids = [f["properties"]["id"] for f in cfg["patches"]["features"]]
    assert sorted(ids) == sorted(province["patches"].index.astype(str))
    assert {f["geometry"]["type"] for f in cfg["patches"]["features"]} <= {
        "Polygon",
        "MultiPolygon",
    }
    area = _shown_area(province["patches"], 0.0)
    expected = {key: _meeting(layer, area) for key, layer in layers.items()}
    assert _reference_counts(cfg) == expected
    assert 0 < expected["farmland"] < len(province["farmland"])  # cut, not whole
    assert page.stat().st_size < FIXED_BYTES + SHAPE_BYTES * N_PATCHES


def test_county_map_of_points_is_bounded_and_opens_in_chromium(province, tmp_path):
    page = tmp_path / "county.html"
    county_map(
        province["patches"],
        townships=province["townships"],
        layers={"farmland": province["farmland"]},
        max_shapes=N_PATCHES - 1,  # "auto" switches to points above it
        path=page,
    )
    cfg = h.page_config(page)
    feats = cfg["patches"]["features"]
    assert {f["geometry"]["type"] for f in feats} == {"Point"}
    assert sorted(f["properties"]["id"] for f in feats) == sorted(
        province["patches"].index.astype(str)
    )
    # each point lies inside its patch (shapely, in the patches' own CRS)
    pts = gpd.GeoSeries(
        [shapely.Point(f["geometry"]["coordinates"]) for f in feats],
        index=[f["properties"]["id"] for f in feats],
        crs="EPSG:4490",
    ).to_crs(province["patches"].crs)
    shapes = province["patches"].geometry.loc[pts.index]
    assert (shapes.buffer(0.5).contains(pts)).all()
    assert cfg["reference"] == []  # the field maps carry the reference layers
    assert page.stat().st_size < FIXED_BYTES + POINT_BYTES * N_PATCHES
    h.need_browser()
    r = h.probe_page(page, popups=20)
    assert r["errors"] == []
    assert r["patchFeatures"] == N_PATCHES
    assert sorted(r["ids"]) == sorted(province["patches"].index.astype(str))
    some = str(province["patches"].index[0])
    assert some in r["popups"][some]  # the popup, joined from its pieces, names the patch


def test_field_maps_carry_only_the_reference_near_their_patches(province, tmp_path):
    margin = 50.0
    layers = {"farmland": province["farmland"], "redline": province["redline"]}
    pages = field_maps(
        province["patches"],
        tmp_path,
        townships=province["townships"],
        layers=layers,
        layer_margin_m=margin,
        progress=False,
    )
    patches = province["patches"]
    codes = patches["township_code"].replace("", "unassigned")
    assert set(pages) == set(codes)
    for code, page in pages.items():
        mine = patches[codes == code]
        cfg = h.page_config(page)
        assert sorted(f["properties"]["id"] for f in cfg["patches"]["features"]) == sorted(
            mine.index.astype(str)
        )
        area = _shown_area(mine, margin)
        expected = {key: _meeting(layer, area) for key, layer in layers.items()}
        assert _reference_counts(cfg) == expected, code
        assert page.stat().st_size < FIXED_BYTES + FIELD_BYTES * len(mine), code


@pytest.mark.parametrize("chunk", [100_000, 7])  # one index query; a few features a step
def test_features_cut_by_overlapping_boxes_are_cut_by_their_union(
    province, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rsgeo.outputs.maps import reference
    from rsgeo.outputs.maps.reference import clipped, shown_area

    monkeypatch.setattr(reference, "_CLIP_CHUNK", chunk)

    farmland = province["farmland"].geometry.iloc[:4000]
    patches = province["patches"].geometry.iloc[:60]
    boxes = shown_area(patches, margin_m=30.0)  # overlapping boxes, not united
    union = shapely.union_all(shapely.get_parts(boxes))
    # the reference: every feature cut by the union of the boxes, kept where an area is left
    cut = shapely.intersection(farmland.to_numpy(), union)
    keep = shapely.area(cut) > 0
    for area in (boxes, union):  # the boxes' path, and the general polygon path
        got = clipped(farmland, area)
        assert list(got.index) == list(farmland.index[keep])
        np.testing.assert_allclose(
            shapely.area(got.to_numpy()), shapely.area(cut[keep]), rtol=1e-9, atol=1e-6
        )
