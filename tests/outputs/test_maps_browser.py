"""The maps in headless Chromium, offline: no errors, every patch drawn.

Skipped (with the reason) only when Chromium is missing outside CI; with
``CI=true`` a missing browser fails. ``.ci/install_browser.sh`` installs it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_maps_helpers as h

from rsgeo.outputs.maps import county_map, field_maps
from rsgeo.outputs.maps.gcj02 import wgs84_to_gcj02

pytest.importorskip("folium")
pytestmark = pytest.mark.browser

EVIL = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'


@pytest.fixture(scope="module")
def data() -> dict:
    d = h.county(per_township=10, n_townships=6, military=2)
    d["patches"].loc[d["patches"].index[1], "note"] = EVIL
    return d


def test_county_map_loads_without_errors(data, tmp_path):
    h.need_browser()
    page = tmp_path / "county.html"
    county_map(
        data["patches"],
        townships=data["townships"],
        stats=data["stats"],
        layers=data["layers"],
        path=page,
    )
    r = h.probe_page(page)
    assert r["errors"] == []
    assert r["leaflet"] is True
    shown = data["patches"][~data["patches"]["flag_military"]]
    assert r["patchFeatures"] == len(shown)
    assert r["patchPaths"] == len(shown)  # all drawn on the page
    assert sorted(r["ids"]) == sorted(shown.index)
    assert r["townshipPaths"] == len(data["townships"])
    assert r["refPaths"] > 0
    assert r["controls"]["scale"] == 1 and r["controls"]["legend"] == 1
    assert r["controls"]["tools"] == 1 and r["controls"]["layers"] == 1
    # the note with a script is shown as text, and nothing ran
    pid = data["patches"].index[1]
    assert EVIL in r["popups"][pid]
    assert r["injected"] is None
    assert r["popupMarkup"] == 0
    assert "占永久基本农田（亩）" in r["popups"][pid]


def test_field_map_300_patches_loads_offline(tmp_path):
    h.need_browser()
    d = h.county(per_township=300, n_townships=1, military=0, seed=3)
    (page,) = field_maps(
        d["patches"], tmp_path, townships=d["townships"], layers=d["layers"], progress=False
    ).values()
    r = h.probe_page(page, popups=20)
    assert r["errors"] == []
    assert r["patchFeatures"] == 300
    assert r["patchPaths"] == 300
    assert r["labels"] == 300
    assert r["controls"]["tools"] == 2  # measuring and GPS locate-me
    assert r["controls"]["list"] == 1
    assert r["townshipPaths"] == 1


def test_page_gcj02_matches_python(tmp_path):
    h.need_browser()
    d = h.county(per_township=3, n_townships=1, military=0)
    (page,) = field_maps(d["patches"], tmp_path, basemap_datum="gcj02", progress=False).values()
    r = h.probe_page(page, gcj_point=(109.2, 25.1))
    assert r["errors"] == []
    lon, lat = wgs84_to_gcj02(109.2, 25.1)
    assert r["gcj"][0] == pytest.approx(float(lon), abs=1e-12)
    assert r["gcj"][1] == pytest.approx(float(lat), abs=1e-12)


def test_layer_names_are_text_in_the_layer_switcher(data, tmp_path):
    """Leaflet's switcher renders names as HTML; a layer key with markup must stay text."""
    h.need_browser()
    page = tmp_path / "county.html"
    layers = {EVIL: next(iter(data["layers"].values()))}
    county_map(data["patches"], townships=data["townships"], layers=layers, path=page)
    r = h.probe_page(page)
    assert r["errors"] == []
    assert r["injected"] is None
    assert "__xss" in page.read_text(encoding="utf-8")  # the key is on the page, as data


def _sheet_rows(path: Path, title: str) -> list[dict]:
    """Rows of a workbook sheet as header → value, below the row that holds 乡镇代码."""
    import openpyxl

    ws = openpyxl.load_workbook(path, read_only=True)[title]
    rows = list(ws.iter_rows(values_only=True))
    at = next(i for i, row in enumerate(rows) if "乡镇代码" in row)
    head = rows[at]
    body = [dict(zip(head, row, strict=True)) for row in rows[at + 1 :]]
    return [r for r in body if str(r["乡镇代码"] or "").isdigit()]  # notes below are no rows


def test_county_map_agrees_with_the_workbook(small_job, tmp_path):
    """Shading, criteria and figures of the county map are those of 问责预警 and 乡镇汇总."""
    import dataclasses

    from rsgeo.job import OUTPUT_KINDS, load_job
    from rsgeo.pipeline import WORKBOOK_NAME, run_job

    h.need_browser()
    job = load_job(small_job)
    job = dataclasses.replace(
        job,
        criteria=job.criteria.replace(ratio_min=0.05, illegal_farmland_min_mu=1.0),
        outputs={k: k in ("workbook", "county_map") for k in OUTPUT_KINDS},
    )
    out = tmp_path / "out"
    run_job(job, out, progress=False)
    page = out / "maps" / "county_map.html"
    cfg = h.page_config(page)
    props = {f["properties"]["code"]: f["properties"] for f in cfg["townships"]["features"]}
    warning = {r["乡镇代码"]: r for r in _sheet_rows(out / WORKBOOK_NAME, "问责预警")}
    numbers = "一二三四五"
    kinds = set()
    for code, row in warning.items():
        met = [
            k
            for k in range(1, 6)
            if any(row[h_] == "是" for h_ in row if str(h_).startswith(f"标准{numbers[k - 1]}："))
        ]
        assert props[code]["criteria"] == met, code
        kinds.add(1 in met)
        ratio = row["违法占用耕地比例（%）"]
        area = next(v for k, v in row.items() if str(k).startswith("违法占用耕地面积（扣减后"))
        text = " ".join(re.sub(r"<[^>]+>", " ", props[code]["popup"]).split())
        if ratio is None:  # no denominator: no ratio, in the workbook and on the map
            assert "违法占用耕地比例（扣减后） —" in props[code]["tip"]
        else:
            assert f"{ratio:.2f} %" in props[code]["tip"] and f"{ratio:.2f} %" in text
        assert f"{area:.2f}" in props[code]["tip"] and f"{area:.2f}" in text
        assert "问责线" not in props[code]["tip"]
    assert kinds == {True, False}  # the run has townships on both sides of criterion 1
    # the colours drawn in the browser: one per kind, as the legend says
    r = h.probe_page(page)
    assert r["errors"] == []
    legend = next(s for s in cfg["legend"] if s.get("note", "").startswith("问责标准一"))
    assert "≥ 5%" in legend["note"] and "> 1 亩" in legend["note"]
    colour = {item["label"].split("（")[0]: item["color"] for item in legend["items"]}
    for code in warning:
        met = props[code]["criteria"]
        key = "触发问责标准一" if 1 in met else "触发其他问责标准" if met else "未触发问责标准"
        assert r["townshipFills"][code] == colour[key], code
