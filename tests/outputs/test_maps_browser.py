"""The maps in headless Chromium, offline: no errors, every patch drawn.

Skipped (with the reason) only when Chromium is missing outside CI; with
``CI=true`` a missing browser fails. ``.ci/install_browser.sh`` installs it.
"""

from __future__ import annotations

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
