"""County overview and field maps: offline pages, content, safety, size."""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_maps_helpers as h

import rsgeo
from rsgeo.errors import CRSError, InputError, OutputExistsError
from rsgeo.options import CriteriaThresholds
from rsgeo.outputs.maps import county_map, field_maps
from rsgeo.outputs.maps.gcj02 import wgs84_to_gcj02
from rsgeo.outputs.maps.offline import OfflineError, external_references

pytest.importorskip("folium")

TO_LONLAT = Transformer.from_crs(h.CRS, "EPSG:4490", always_xy=True)


def assert_offline(text: str) -> None:
    """Independent check: no script or style sheet comes from http(s) or //."""
    for tag in re.findall(r"<script\b[^>]*>", text, re.IGNORECASE):
        assert "src" not in tag.lower(), tag
    for tag in re.findall(r"<link\b[^>]*>", text, re.IGNORECASE):
        assert not re.search(r"href\s*=\s*[\"']?(https?:)?//", tag, re.IGNORECASE), tag
    assert not re.search(r"@import", text, re.IGNORECASE)
    assert not re.search(r"url\(\s*[\"']?(https?:)?//", text, re.IGNORECASE)
    assert external_references(text) == []


@pytest.fixture(scope="module")
def small() -> dict:
    return h.county(per_township=6, n_townships=2, military=2)


def test_exported_from_package():
    assert rsgeo.county_map is county_map
    assert rsgeo.field_maps is field_maps


def test_field_maps_one_offline_page_per_township(small, tmp_path):
    patches = small["patches"]
    pages = field_maps(
        patches, tmp_path, townships=small["townships"], layers=small["layers"], progress=False
    )
    shown = patches[~patches["flag_military"]]
    expected = shown.groupby("township_code").size().to_dict()
    assert set(pages) == set(expected)
    names = dict(
        zip(small["townships"]["township_code"], small["townships"]["township_name"], strict=True)
    )
    for code, page in pages.items():
        assert page.name == f"{code}_{names[code]}.html"
        text = page.read_text(encoding="utf-8")
        assert_offline(text)
        assert "Leaflet 1.9.4" in text  # inlined, not linked
        cfg = h.page_config(page)
        ids = [f["properties"]["id"] for f in cfg["patches"]["features"]]
        assert sorted(ids) == sorted(shown.index[shown["township_code"] == code])
        assert len(ids) == expected[code]
        assert cfg["locate"] is True and cfg["labels"] is True


def test_military_patches_never_appear(small, tmp_path):
    patches = small["patches"].copy()
    # a second way to mark military land: the technician's sub-type
    patches.loc[patches.index[1], "determination_subtype"] = "军用土地"
    patches.loc[patches.index[1], "note"] = "MILITARY-BY-SUBTYPE"
    secret = [*patches.index[patches["flag_military"]].tolist(), patches.index[1]]
    pages = field_maps(patches, tmp_path / "f", progress=False)
    county = county_map(patches, path=tmp_path / "c.html")
    texts = [p.read_text(encoding="utf-8") for p in pages.values()]
    texts.append(county.get_root().render())
    for text in texts:
        for pid in secret:
            assert f'"id":"{pid}"' not in text
        assert "MILITARY-" not in text
    total = sum(len(h.page_config(p)["patches"]["features"]) for p in pages.values())
    assert total == len(patches) - len(secret)


def test_attribute_values_are_escaped(small, tmp_path):
    patches = small["patches"].copy()
    evil = "<script>window.__xss=1</script><img src=x onerror=alert(1)>"
    patches.loc[patches.index[2], "note"] = evil
    patches.loc[patches.index[3], "township_name"] = "</script><b>x</b>"
    page = next(iter(field_maps(patches, tmp_path, progress=False).values()))
    text = page.read_text(encoding="utf-8")
    assert "<script>window.__xss" not in text
    assert "<img src=x" not in text
    assert "</script><b>" not in text
    cfg = h.page_config(page)
    popups = {f["properties"]["id"]: f["properties"]["popup"] for f in cfg["patches"]["features"]}
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in popups[patches.index[2]]


def test_popup_areas_in_mu_and_chinese_labels(tmp_path):
    patch = gpd.GeoDataFrame(
        {
            "township_code": ["450225100"],
            "area_m2": [6666.67],  # 10.00 亩
            "pbf_m2": [1000.0],  # 1.50 亩
            "redline_m2": [0.0],
            "final_class": ["违法"],
            "suggested_reason": ["未批先建"],
            "determination": ["违法"],
        },
        geometry=[shapely.box(620000, 2770000, 620080, 2770080)],
        index=pd.Index(["P-1"], name="patch_id"),
        crs=h.CRS,
    )
    page = field_maps(patch, tmp_path, progress=False)["450225100"]
    popup = h.page_config(page)["patches"]["features"][0]["properties"]["popup"]
    assert "<th>图斑面积（亩）</th><td>10.00</td>" in popup
    assert "<th>占永久基本农田（亩）</th><td>1.50</td>" in popup
    assert "<th>占生态保护红线（亩）</th><td>0.00</td>" in popup
    assert "<th>判定结果</th><td>违法</td>" in popup
    assert "<th>分类依据</th><td>未批先建</td>" in popup


def test_centre_coordinates_are_cgcs2000_lonlat(tmp_path):
    # a square: its centre is the centre of the box, transformed independently
    patch = gpd.GeoDataFrame(
        {"township_code": ["450225100"]},
        geometry=[shapely.box(620000, 2770000, 620100, 2770100)],
        index=pd.Index(["SQ"], name="patch_id"),
        crs=h.CRS,
    )
    props = h.page_config(field_maps(patch, tmp_path, progress=False)["450225100"])
    feat = props["patches"]["features"][0]["properties"]
    lon, lat = TO_LONLAT.transform(620050.0, 2770050.0)
    assert feat["lon"] == pytest.approx(lon, abs=2e-6)
    assert feat["lat"] == pytest.approx(lat, abs=2e-6)
    assert f"{lon:.6f}°E, {lat:.6f}°N" in feat["popup"]


def test_centre_of_a_c_shaped_patch_lies_inside(tmp_path):
    c_shape = shapely.Polygon(
        [(0, 0), (100, 0), (100, 20), (20, 20), (20, 80), (100, 80), (100, 100), (0, 100)]
    )
    geom = shapely.affinity.translate(c_shape, 620000, 2770000)
    assert not geom.contains(geom.centroid)  # the reason for the rule
    patch = gpd.GeoDataFrame(
        {"township_code": ["1"]}, geometry=[geom], index=pd.Index(["C"], name="patch_id"), crs=h.CRS
    )
    feat = h.page_config(field_maps(patch, tmp_path, progress=False)["1"])["patches"]["features"][0]
    x, y = Transformer.from_crs("EPSG:4490", h.CRS, always_xy=True).transform(
        feat["properties"]["lon"], feat["properties"]["lat"]
    )
    assert geom.buffer(0.2).contains(shapely.Point(x, y))


def test_display_geometry_simplified_only_for_display(tmp_path):
    circle = shapely.Point(620000, 2770000).buffer(50, quad_segs=256)  # 1025 vertices
    patch = gpd.GeoDataFrame(
        {"township_code": ["1"], "area_m2": [7853.98]},
        geometry=[circle],
        index=pd.Index(["O"], name="patch_id"),
        crs=h.CRS,
    )
    before = patch.copy()
    feat = h.page_config(field_maps(patch, tmp_path, progress=False, simplify_tolerance_m=0.5)["1"])
    geom = shapely.geometry.shape(feat["patches"]["features"][0]["geometry"])
    back = shapely.transform(
        geom,
        lambda xy: np.c_[
            Transformer.from_crs("EPSG:4490", h.CRS, always_xy=True).transform(xy[:, 0], xy[:, 1])
        ],
    )
    assert len(shapely.get_coordinates(geom)) < 200
    assert back.hausdorff_distance(circle) < 0.5 + 0.2  # tolerance + coordinate rounding
    assert "<td>11.78</td>" in feat["patches"]["features"][0]["properties"]["popup"]  # table area
    pd.testing.assert_frame_equal(
        pd.DataFrame(patch.drop(columns="geometry")), pd.DataFrame(before.drop(columns="geometry"))
    )
    assert patch.geometry.iloc[0].equals(before.geometry.iloc[0])


def test_field_map_for_300_patches_is_under_5_mb(tmp_path):
    data = h.county(per_township=300, n_townships=1, military=0, seed=3)
    pages = field_maps(
        data["patches"],
        tmp_path,
        townships=data["townships"],
        layers=data["layers"],
        progress=False,
    )
    (page,) = pages.values()
    size = page.stat().st_size
    assert size < 5 * 1024 * 1024, size
    assert len(h.page_config(page)["patches"]["features"]) == 300


def test_gcj02_basemap_shifts_the_overlay(tmp_path):
    geom = shapely.box(620000, 2770000, 620100, 2770100)
    patch = gpd.GeoDataFrame(
        {"township_code": ["1"]}, geometry=[geom], index=pd.Index(["G"], name="patch_id"), crs=h.CRS
    )
    plain = h.page_config(field_maps(patch, tmp_path / "a", progress=False)["1"])
    gcj = h.page_config(
        field_maps(
            patch,
            tmp_path / "b",
            progress=False,
            basemap_datum="gcj02",
            tiles="https://webrd0{s}.is.autonavi.com/x={x}&y={y}&z={z}",
            tiles_subdomains="1234",
        )["1"]
    )
    p_xy = np.array(plain["patches"]["features"][0]["geometry"]["coordinates"][0][0])
    g_xy = np.array(gcj["patches"]["features"][0]["geometry"]["coordinates"][0][0])
    exp_lon, exp_lat = wgs84_to_gcj02(p_xy[:, 0], p_xy[:, 1])
    np.testing.assert_allclose(g_xy[:, 0], exp_lon, atol=5.1e-7)  # the page keeps 1e-6°
    np.testing.assert_allclose(g_xy[:, 1], exp_lat, atol=5.1e-7)
    assert np.abs(g_xy - p_xy).max() > 1e-3  # really moved (hundreds of metres)
    # the popup still gives the true CGCS2000 coordinates to navigate by
    assert (
        gcj["patches"]["features"][0]["properties"]["lon"]
        == plain["patches"]["features"][0]["properties"]["lon"]
    )
    assert gcj["datum"] == "gcj02"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tiles": "https://webrd01.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}"}, "GCJ-02"),
        ({"tiles": "https://maponline0.bdimg.com/tile/?x={x}&y={y}&z={z}"}, "BD-09"),
        ({"basemap_datum": "bd09"}, "'gcj02'"),
        ({"tiles": "not a url"}, "{x}"),
    ],
)
def test_misaligning_basemaps_are_refused(small, tmp_path, kwargs, message):
    with pytest.raises(InputError, match=re.escape(message)):
        field_maps(small["patches"], tmp_path, progress=False, **kwargs)
    with pytest.raises(InputError, match=re.escape(message)):
        county_map(small["patches"], **kwargs)


def test_imagery_with_gcj02_is_refused(small, tmp_path):
    with pytest.raises(InputError, match="GCJ-02"):
        field_maps(
            small["patches"],
            tmp_path,
            basemap_datum="gcj02",
            imagery=tmp_path / "x.tif",
            progress=False,
        )


def test_tianditu_tiles_are_allowed_and_not_a_script(small, tmp_path):
    url = "https://t{s}.tianditu.gov.cn/img_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY"
    page = next(
        iter(
            field_maps(
                small["patches"],
                tmp_path,
                tiles=url,
                tiles_subdomains="01234567",
                tiles_attr="天地图",
                progress=False,
            ).values()
        )
    )
    text = page.read_text(encoding="utf-8")
    assert "tianditu.gov.cn" in text
    assert_offline(text)


def test_all_problems_reported_at_once(small):
    no_crs = small["patches"].set_crs(None, allow_override=True)
    with pytest.raises(InputError) as err:
        county_map(no_crs, basemap_datum="mars", stats=small["stats"])
    text = str(err.value)
    assert "no CRS" in text and "'mars'" in text and "townships=" in text


def test_missing_crs_is_a_crs_error(small):
    with pytest.raises(CRSError, match="no CRS"):
        county_map(small["patches"].set_crs(None, allow_override=True))


def test_existing_output_not_overwritten(small, tmp_path):
    field_maps(small["patches"], tmp_path, progress=False)
    with pytest.raises(OutputExistsError):
        field_maps(small["patches"], tmp_path, progress=False)
    assert field_maps(small["patches"], tmp_path, progress=False, overwrite=True)
    county_map(small["patches"], path=tmp_path / "c.html")
    with pytest.raises(OutputExistsError):
        county_map(small["patches"], path=tmp_path / "c.html")


def test_townships_are_shaded_by_the_criteria_they_meet(tmp_path):
    data = h.county(per_township=2, n_townships=6, military=0)
    thresholds = CriteriaThresholds(ratio_min=0.15, illegal_farmland_comparator=">=")
    m = county_map(
        data["patches"], townships=data["townships"], stats=data["stats"], thresholds=thresholds
    )
    cfg = h.page_config(m.get_root().render())
    props = {f["properties"]["code"]: f["properties"] for f in cfg["townships"]["features"]}
    stats = data["stats"]
    for code, row in stats.iterrows():
        met = [k for k in range(1, 6) if row[f"criterion_{k}"]]
        assert props[code]["criteria"] == met
        assert "问责线" not in props[code]["tip"]
    fills = {code: p["fill"] for code, p in props.items()}
    c1 = stats.index[stats["criterion_1"]]
    others = stats.index[~stats["criterion_1"] & (stats["n_criteria"] > 0)]
    none = stats.index[stats["n_criteria"] == 0]
    assert len({fills[c] for c in c1}) == 1 and len({fills[c] for c in others}) == 1
    assert len({fills[c] for c in none}) == 1
    assert len({fills[c1[0]], fills[others[0]], fills[none[0]]}) == 3
    # the 15 % township with 9.10 亩 is not shaded as meeting criterion 1
    on_line = stats.index[stats["illegal_farmland_ratio"] == 0.15][0]
    assert fills[on_line] == fills[none[0]]
    assert "15.00 %" in props[on_line]["tip"] and "9.10" in props[on_line]["tip"]
    section = next(sec for sec in cfg["legend"] if sec.get("note", "").startswith("问责标准一"))
    assert "≥ 15%" in section["note"] and "≥ 100 亩" in section["note"]
    counts = [int(i["label"].rsplit("（", 1)[1].rstrip("）")) for i in section["items"]]
    assert counts == [len(c1), len(others), len(none)]


def test_county_map_jupyter_display_is_offline(small):
    m = county_map(
        small["patches"], townships=small["townships"], stats=small["stats"], layers=small["layers"]
    )
    shown = m._repr_html_()
    assert "<iframe" in shown and "srcdoc" in shown
    assert "cdn.jsdelivr" not in shown and "code.jquery" not in shown
    import html

    inner = html.unescape(re.search(r'srcdoc="(.*?)"', shown, re.DOTALL).group(1))
    assert_offline(inner)
    cfg = h.page_config(inner)
    assert [r["key"] for r in cfg["reference"]] == ["pbf", "redline", "urban", "approved"]


def test_cdn_plugin_is_refused_not_silently_linked(small):
    folium_plugins = pytest.importorskip("folium.plugins")
    m = county_map(small["patches"])
    folium_plugins.MeasureControl().add_to(m)
    with pytest.raises(OfflineError, match="leaflet-measure"):
        m.get_root().render()


def test_invalid_geometry_repaired_with_a_warning(tmp_path):
    bowtie = shapely.Polygon([(0, 0), (100, 100), (100, 0), (0, 100)])
    geom = shapely.affinity.translate(bowtie, 620000, 2770000)
    patch = gpd.GeoDataFrame(
        {"township_code": ["1"]}, geometry=[geom], index=pd.Index(["B"], name="patch_id"), crs=h.CRS
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        page = field_maps(patch, tmp_path, progress=False)["1"]
    assert any("repaired 1 invalid patch" in str(w.message) for w in caught)
    assert len(h.page_config(page)["patches"]["features"]) == 1


def test_local_imagery_is_embedded(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import from_origin

    tif = tmp_path / "img.tif"
    data = (np.arange(3 * 200 * 200) % 251).reshape(3, 200, 200).astype("uint8")
    with rasterio.open(
        tif,
        "w",
        driver="GTiff",
        width=200,
        height=200,
        count=3,
        dtype="uint8",
        crs=h.CRS,
        transform=from_origin(619500, 2770500, 5, 5),
    ) as dst:
        dst.write(data)
    patch = gpd.GeoDataFrame(
        {"township_code": ["1"]},
        geometry=[shapely.box(620000, 2770000, 620050, 2770050)],
        index=pd.Index(["I"], name="patch_id"),
        crs=h.CRS,
    )
    page = field_maps(patch, tmp_path / "out", imagery=tif, layer_margin_m=100, progress=False)["1"]
    text = page.read_text(encoding="utf-8")
    assert_offline(text)
    assert "data:image/jpeg;base64," in text
    bounds = re.search(r"L\.imageOverlay\(\s*\"data:[^\"]+\",\s*(\[\[.*?\]\])", text, re.DOTALL)
    (south, west), (north, east) = __import__("json").loads(bounds.group(1))
    # the overlay covers the patch plus the 100 m margin, and not more than the image
    lon0, lat0 = TO_LONLAT.transform(619900, 2769900)
    lon1, lat1 = TO_LONLAT.transform(620150, 2770150)
    assert west == pytest.approx(lon0, abs=2e-5) and south == pytest.approx(lat0, abs=2e-5)
    assert east == pytest.approx(lon1, abs=2e-5) and north == pytest.approx(lat1, abs=2e-5)
