"""Helpers for the map tests: a small synthetic county and a headless-Chromium probe.

Not a test module itself (it holds no tests); the map tests import it by path.
The synthetic county is labelled as such and generated reproducibly (seeded).
"""

from __future__ import annotations

import html as _html
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

CRS = "EPSG:4545"  # CGCS2000 3-degree GK, CM 108°E, no zone prefix (Rongshui)
X0, Y0 = 620_000.0, 2_780_000.0
TOWNSHIPS = [
    ("450225100", "融水镇"),
    ("450225101", "和睦镇"),
    ("450225102", "三防镇"),
    ("450225103", "怀宝镇"),
    ("450225202", "四荣乡"),
    ("450225203", "香粉乡"),
]
CLASSES = ("违法", "合法", "其他")
_GEOD = Geod(ellps="GRS80")  # CGCS2000 and GRS80 share a and differ in f by 1e-10


def geod_area_m2(geoms: gpd.GeoSeries) -> np.ndarray:
    lonlat = geoms.to_crs("EPSG:4490")
    return np.array([abs(_GEOD.geometry_area_perimeter(g)[0]) for g in lonlat])


def blob(rng: np.random.Generator, x: float, y: float, radius: float, n: int = 12) -> Any:
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radii = radius * rng.uniform(0.6, 1.0, n)
    return shapely.Polygon(np.c_[x + radii * np.cos(angles), y + radii * np.sin(angles)])


def county(
    *, per_township: int = 12, seed: int = 7, military: int = 2, n_townships: int = 6
) -> dict[str, Any]:
    """Synthetic county (SYNTHETIC data): patches, townships, stats and layers."""
    rng = np.random.default_rng(seed)
    cols, size = 3, 8000.0
    tw_rows = []
    for i, (code, name) in enumerate(TOWNSHIPS[:n_townships]):
        r, c = divmod(i, cols)
        cell = shapely.box(X0 + c * size, Y0 - (r + 1) * size, X0 + (c + 1) * size, Y0 - r * size)
        tw_rows.append({"township_code": code, "township_name": name, "geometry": cell})
    townships = gpd.GeoDataFrame(tw_rows, crs=CRS)
    rows = []
    for code, name, cell in townships[["township_code", "township_name", "geometry"]].itertuples(
        index=False
    ):
        minx, miny, maxx, maxy = cell.bounds
        for k in range(per_township):
            x = rng.uniform(minx + 300, maxx - 300)
            y = rng.uniform(miny + 300, maxy - 300)
            rows.append(
                {
                    "patch_id": f"4502252020{code[-3:]}{k:04d}",
                    "township_code": code,
                    "township_name": name,
                    "change_type": str(rng.choice(["20", "YH", "DT", "01"])),
                    "final_class": str(rng.choice(CLASSES)),
                    "suggested_class": str(rng.choice(CLASSES)),
                    "suggested_reason": "未查到批准用地，占用耕地",
                    "determination": str(rng.choice(["违法", "合法", ""])),
                    "note": "",
                    "flag_military": False,
                    "geometry": blob(rng, x, y, rng.uniform(20, 90), int(rng.integers(6, 30))),
                }
            )
    patches = gpd.GeoDataFrame(rows, crs=CRS).set_index("patch_id")
    for k in range(military):
        patches.iloc[k * 5, patches.columns.get_loc("flag_military")] = True
        patches.iloc[k * 5, patches.columns.get_loc("note")] = f"MILITARY-SECRET-{k}"
    patches["area_m2"] = geod_area_m2(patches.geometry)
    pbf = gpd.GeoDataFrame(
        geometry=[
            blob(rng, X0 + rng.uniform(0, 3 * size), Y0 - rng.uniform(0, 2 * size), 900)
            for _ in range(10)
        ],
        crs=CRS,
    )
    redline = gpd.GeoDataFrame(
        geometry=[shapely.box(X0 + 2.2 * size, Y0 - 2 * size, X0 + 3 * size, Y0 - 0.9 * size)],
        crs=CRS,
    )
    urban = gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 4000, Y0 - 4000).buffer(1800)], crs=CRS)
    legal = patches[patches["final_class"] == "合法"].geometry
    approved = gpd.GeoDataFrame(geometry=legal.buffer(10).to_numpy()[:20], crs=CRS)
    layers = {"pbf": pbf, "redline": redline, "urban": urban, "approved": approved}
    for key, layer in layers.items():
        inter = patches.geometry.intersection(layer.union_all())
        patches[f"{key}_m2"] = np.where(inter.is_empty, 0.0, geod_area_m2(inter.buffer(0)))
    ratios = [0.03, 0.08, 0.1499, 0.15, 0.4, np.nan][:n_townships]
    # criteria as the statistics would give them: the 15 % township has too
    # little illegal farmland for criterion 1; others meet criteria 3 and 4
    farmland_mu = [2.0, 30.0, 150.0, 9.1, 120.0, 0.0][:n_townships]
    c1 = [False, False, False, False, True, False][:n_townships]
    c3 = [False, True, False, False, False, False][:n_townships]
    c4 = [False, False, False, False, True, False][:n_townships]
    stats = pd.DataFrame(
        {
            "township_name": townships["township_name"].to_numpy(),
            "illegal_farmland_ratio": ratios,
            "illegal_farmland_after_deductions_m2": np.array(farmland_mu) * 10000 / 15,
            "criterion_1": c1,
            "criterion_1_reason": [f"reason 1 of {c}" for c in townships["township_code"]],
            "criterion_2": [False] * n_townships,
            "criterion_3": c3,
            "criterion_4": c4,
            "criterion_5": [False] * n_townships,
        },
        index=pd.Index(townships["township_code"].to_numpy(), name="township_code"),
    )
    met = stats[[f"criterion_{k}" for k in range(1, 6)]]
    stats["n_criteria"] = met.sum(axis=1)
    return {"patches": patches, "townships": townships, "stats": stats, "layers": layers}


def page_config(page: str | Path) -> dict[str, Any]:
    """The data rsgeo put into a page (the argument of ``rsgeoBuild``)."""
    text = Path(page).read_text(encoding="utf-8") if isinstance(page, Path) else page
    match = re.search(r"rsgeoBuild\(map_\w+, (\{.*?\})\);", text, re.DOTALL)
    assert match is not None, "no rsgeoBuild(...) call in the page"
    cfg: dict[str, Any] = json.loads(match.group(1))
    # geometry is written compactly (rsgeo.outputs.maps.payload): decode it here,
    # independently of rsgeo, into the GeoJSON the page's script hands Leaflet
    for key in ("patches", "townships"):
        if cfg.get(key) is not None:
            cfg[key] = decode_payload(cfg[key])
    for ref in cfg.get("reference") or []:
        ref["geojson"] = decode_payload(ref["geojson"])
    # a patch's popup is a list of indices into the page's popupParts: join it
    # back as the page's script does, so tests read the popup's HTML
    parts = cfg.get("popupParts", [])
    for feat in (cfg.get("patches") or {}).get("features", []):
        popup = feat["properties"].get("popup")
        if isinstance(popup, str) and parts:  # piece numbers as 5-bit groups
            numbers = [
                sum(
                    (ord(c) - 63 - (32 if k < len(t) - 1 else 0)) << (5 * k)
                    for k, c in enumerate(t)
                )
                for t in _POLYLINE_VALUE.findall(popup)
            ]
            feat["properties"]["popup"] = "".join(parts[i] for i in numbers)
    return cfg


# ------------------------------------------------------------------ browser

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome")


def find_browser() -> str | None:
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def need_browser() -> str:
    """Path of Chromium; skip when absent outside CI, fail when absent in CI."""
    found = find_browser()
    if found is None:
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail("CI=true but chromium is missing: run .ci/install_browser.sh")
        pytest.skip("headless Chromium is not installed (run .ci/install_browser.sh); CI runs this")
    return found


_HEAD_PROBE = """<script>
window.__rsgeoErrors = [];
window.addEventListener('error', function (e) {
  var what = e.message || (e.target && (e.target.src || e.target.href)) || String(e);
  window.__rsgeoErrors.push('error: ' + what);
}, true);
window.addEventListener('unhandledrejection', function (e) {
  window.__rsgeoErrors.push('rejection: ' + e.reason);
});
(function () {
  var original = console.error;
  console.error = function () {
    window.__rsgeoErrors.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
    return original.apply(console, arguments);
  };
}());
</script>"""

_TAIL_PROBE = """<script>
window.addEventListener('load', function () {
  setTimeout(function () {
    var r = {errors: window.__rsgeoErrors, leaflet: typeof L !== 'undefined',
             patchFeatures: 0, ids: [], popups: {}, popupMarkup: 0, injected: null, gcj: null,
             patchPaths: document.querySelectorAll('path.rsgeo-patch').length,
             townshipPaths: document.querySelectorAll('path.rsgeo-township').length,
             refPaths: document.querySelectorAll('path.rsgeo-ref').length,
             labels: document.querySelectorAll('.rsgeo-label').length,
             controls: {tools: document.querySelectorAll('.rsgeo-tool').length,
                        scale: document.querySelectorAll('.leaflet-control-scale').length,
                        legend: document.querySelectorAll('.rsgeo-legend').length,
                        layers: document.querySelectorAll('.leaflet-control-layers').length,
                        list: document.querySelectorAll('.rsgeo-list').length}};
    try {
      if (window.rsgeo) {
        r.gcj = window.rsgeo.wgsToGcj(__PROBE_LON__, __PROBE_LAT__);
        r.townshipFills = {};
        if (window.rsgeo.layers.townships) {
          window.rsgeo.layers.townships.eachLayer(function (layer) {
            var path = layer.getElement ? layer.getElement() : null;
            r.townshipFills[layer.feature.properties.code] = path ? path.getAttribute('fill') : null;
          });
        }
        r.shapes = {};
        window.rsgeo.layers.patches.eachLayer(function (layer) {
          var id = layer.feature.properties.id;
          r.patchFeatures += 1;
          r.ids.push(id);
          if (__SHAPES__) { r.shapes[id] = layer.feature.geometry; }
          if (r.ids.length <= __POPUPS__) {
            layer.openPopup();
            var pel = layer.getPopup().getElement();
            var box = pel ? pel.querySelector('.leaflet-popup-content') : null;
            r.popups[id] = box ? box.textContent : null;
            r.popupMarkup += box ? box.querySelectorAll('script,img,iframe,b').length : 0;
            layer.closePopup();
          }
        });
      }
    } catch (err) { r.errors.push('probe: ' + err); }
    r.injected = window.__xss === undefined ? null : String(window.__xss);
    var pre = document.createElement('pre');
    pre.id = 'rsgeo-probe';
    pre.textContent = JSON.stringify(r);
    document.body.appendChild(pre);
  }, 300);
});
</script>"""


def browser_args(user_dir: str) -> list[str]:
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--no-default-browser-check",
        # Offline: no host name resolves, so any fetch from a CDN would fail.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={user_dir}",
    ]


def _probe_result(
    done: subprocess.CompletedProcess[str], *, network: bool = False
) -> dict[str, Any]:
    """What the probe script printed into the dumped page, with the browser log's script
    errors (and, with ``network``, its failed requests) added to ``errors``."""
    match = re.search(r'<pre id="rsgeo-probe">(.*?)</pre>', done.stdout, re.DOTALL)
    if match is None:
        raise AssertionError(
            f"the page did not finish loading (exit {done.returncode}); stderr:\n"
            + done.stderr[-3000:]
        )
    result: dict[str, Any] = json.loads(_html.unescape(match.group(1)))
    for line in done.stderr.splitlines():
        if "CONSOLE" in line and ("Uncaught" in line or "Error" in line):
            result["errors"].append("log: " + line.strip())
        if network and ("ERR_FILE_NOT_FOUND" in line or "net::ERR" in line):
            result["errors"].append("net: " + line.strip())
    return result


def probe_page(
    page: Path,
    *,
    popups: int = 1000,
    gcj_point: tuple[float, float] = (109.2, 25.1),
    shapes: bool = False,
) -> dict[str, Any]:
    """Load ``page`` in headless Chromium and return what Leaflet drew.

    ``errors`` holds script errors, failed resources, console.error calls and
    "Uncaught" lines of the browser log; ``patchFeatures`` the features of the
    Leaflet patch layer; ``patchPaths`` the SVG paths drawn; ``popups`` the
    text of each patch popup (after opening it); with ``shapes``, ``shapes``
    holds each patch's GeoJSON geometry as the page's script decoded it.
    """
    browser = need_browser()
    text = page.read_text(encoding="utf-8")
    tail = (
        _TAIL_PROBE.replace("__POPUPS__", str(popups))
        .replace("__PROBE_LON__", repr(gcj_point[0]))
        .replace("__PROBE_LAT__", repr(gcj_point[1]))
        .replace("__SHAPES__", "true" if shapes else "false")
    )
    text = re.sub(r"<head[^>]*>", lambda m: m.group(0) + _HEAD_PROBE, text, count=1)
    text = text.replace("</html>", tail + "</html>")
    with tempfile.TemporaryDirectory(prefix="rsgeo-browser-") as tmp:
        probed = Path(tmp) / "page.html"
        probed.write_text(text, encoding="utf-8")
        cmd = [
            browser,
            *browser_args(str(Path(tmp) / "profile")),
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=15000",
            "--dump-dom",
            probed.as_uri(),
        ]
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=120, env=dict(os.environ, HOME=tmp)
        )
    return _probe_result(done)


def screenshot(page: Path, png: Path, *, size: tuple[int, int] = (1280, 860)) -> None:
    """Save a PNG of ``page`` as headless Chromium draws it."""
    browser = need_browser()
    with tempfile.TemporaryDirectory(prefix="rsgeo-shot-") as tmp:
        cmd = [
            browser,
            *browser_args(str(Path(tmp) / "profile")),
            "--hide-scrollbars",
            f"--window-size={size[0]},{size[1]}",
            "--virtual-time-budget=10000",
            f"--screenshot={png}",
            page.resolve().as_uri(),
        ]
        subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            env=dict(os.environ, HOME=tmp),
        )


# ------------------------------------------------------------------ phone and desktop probe

_LAYOUT_PROBE = """<script>
window.addEventListener('load', function () {
  var r = {errors: window.__rsgeoErrors, screen: [window.innerWidth, window.innerHeight]};
  var st = window.rsgeo, map = st.map, c = map.getContainer();
  function rect(el) { var b = el.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; }
  function visible(el) { var b = el.getBoundingClientRect(); return b.width > 0 && b.height > 0; }
  var steps = [
    function () {  // the legend as the page opens, unfolded, folded again
      var lg = c.querySelector('.rsgeo-legend'), head = lg.querySelector('.rsgeo-legend-head');
      r.legend = {foldedAtStart: lg.classList.contains('rsgeo-folded'), start: rect(lg)};
      head.click();
      r.legend.open = rect(lg);
      r.legend.openFolded = lg.classList.contains('rsgeo-folded');
      head.click();
      r.legend.closed = rect(lg);
      r.legend.closedFolded = lg.classList.contains('rsgeo-folded');
    },
    function () {  // basemap tiles drawn
      var imgs = c.querySelectorAll('img.rsgeo-basetile');
      r.tiles = imgs.length;
      r.tilesLoaded = 0;
      imgs.forEach(function (i) { if (i.complete && i.naturalWidth > 0) { r.tilesLoaded += 1; } });
      r.tileSrc = imgs.length ? imgs[0].getAttribute('src').slice(0, 30) : null;
    },
    function () {  // labels: at several zooms, none of the shown ones overlap
      r.labels = [];
      var centre = map.getCenter(), z0 = st.cfg.labelMinZoom;
      for (var z = z0; z <= z0 + 4; z++) {
        map.setView(centre, z, {animate: false});
        var boxes = [];
        c.querySelectorAll('.rsgeo-label:not(.rsgeo-label-off) span').forEach(function (s) {
          if (visible(s)) { boxes.push(rect(s)); }
        });
        var overlaps = 0;
        for (var i = 0; i < boxes.length; i++) {
          for (var j = i + 1; j < boxes.length; j++) {
            var a = boxes[i], b = boxes[j];
            if (a[0] < b[2] && a[2] > b[0] && a[1] < b[3] && a[3] > b[1]) { overlaps += 1; }
          }
        }
        r.labels.push({zoom: z, shown: boxes.length, overlaps: overlaps,
                       texts: Array.prototype.map.call(
                         c.querySelectorAll('.rsgeo-label:not(.rsgeo-label-off) span'),
                         function (s) { return s.textContent; }).slice(0, 5)});
      }
    },
    function () {  // a patch right at the top edge of the screen, then its popup
      var best = null;
      st.layers.patches.eachLayer(function (l) {
        var ll = l.getBounds().getCenter();
        if (!best || ll.lat > best.ll.lat) { best = {layer: l, ll: ll}; }
      });
      map.setView(best.ll, 16, {animate: false});
      var p = map.latLngToContainerPoint(best.ll);
      map.panBy([0, p.y - 12], {animate: false});
      r.anchorBefore = map.latLngToContainerPoint(best.ll).y;
      best.layer.openPopup(best.ll);
      r.popupId = best.layer.feature.properties.id;
    },
    function () {
      var pop = c.querySelector('.leaflet-popup');
      r.popup = pop ? rect(pop) : null;
      r.map = rect(c);
      r.controls = [];
      c.querySelectorAll('.leaflet-top .leaflet-control').forEach(function (el) {
        if (visible(el)) { r.controls.push(rect(el)); }
      });
      var link = pop ? pop.querySelector('a.rsgeo-geo') : null;
      r.popupGeo = link ? link.getAttribute('href') : null;
      map.closePopup();
    },
    function () {  // every patch's geo: link
      r.geo = {};
      st.layers.patches.eachLayer(function (l) {
        var div = document.createElement('div');
        div.innerHTML = l.getPopup().getContent();  // the popup as bound on the map
        var a = div.querySelector('a.rsgeo-geo');
        r.geo[l.feature.properties.id] = a ? a.getAttribute('href') : null;
      });
    }
  ];
  function next(i) {
    if (i < steps.length) {
      try { steps[i](); } catch (err) { r.errors.push('probe step ' + i + ': ' + err); }
      setTimeout(function () { next(i + 1); }, 400);
      return;
    }
    window.parent.postMessage(JSON.stringify(r), '*');
  }
  setTimeout(function () { next(0); }, 600);
});
</script>"""


def probe_layout(page: Path, *, size: tuple[int, int]) -> dict[str, Any]:
    """Load ``page`` at a window ``size`` (offline) and measure its layout.

    The probed copy is written beside the page, so that a basemap tile folder
    beside it resolves as it does for the page itself. Returns the legend's
    rectangles (at start, unfolded, folded), the basemap tiles drawn, label
    overlaps at five zooms, the rectangle of a popup opened at the top edge
    with those of the map and of the top controls, and each patch's ``geo:``
    link.
    """
    browser = need_browser()
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"<head[^>]*>", lambda m: m.group(0) + _HEAD_PROBE, text, count=1)
    text = text.replace("</html>", _LAYOUT_PROBE + "</html>")
    probed = page.with_name(f"probe-{size[0]}x{size[1]}-{page.name}")
    probed.write_text(text, encoding="utf-8")
    # The page runs in a frame of exactly ``size`` (a headless window is at
    # least 500 px wide); it posts its measures to the outer page.
    outer = page.with_name(f"probe-frame-{size[0]}x{size[1]}.html")
    outer.write_text(
        "<!DOCTYPE html><html><head><style>body{margin:0}iframe{border:0;display:block}"
        "</style></head><body>"
        f'<iframe src="{probed.name}" width="{size[0]}" height="{size[1]}"></iframe>'
        "<script>window.addEventListener('message', function (e) {"
        "var pre = document.createElement('pre'); pre.id = 'rsgeo-probe';"
        "pre.textContent = e.data; document.body.appendChild(pre); });</script>"
        "</body></html>",
        encoding="utf-8",
    )
    try:
        with tempfile.TemporaryDirectory(prefix="rsgeo-browser-") as tmp:
            cmd = [
                browser,
                *browser_args(str(Path(tmp) / "profile")),
                "--hide-scrollbars",
                f"--window-size={max(size[0], 800) + 40},{size[1] + 100}",
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=20000",
                "--dump-dom",
                outer.as_uri(),
            ]
            done = subprocess.run(
                cmd, capture_output=True, text=True, timeout=120, env=dict(os.environ, HOME=tmp)
            )
    finally:
        probed.unlink()
        outer.unlink()
    return _probe_result(done, network=True)


_POLYLINE_VALUE = re.compile(r"[_-~]*[?-^]")  # 5-bit groups: continued (95–126), then last (63–94)


def polyline_ints(text: str) -> list[int]:
    """The integers of a polyline string, each group read on its own, then summed per axis.

    Written from the algorithm's description (Google's encoded polyline:
    value << 1, inverted when negative, 5-bit groups from the low end, 0x20
    on every group but the last, plus 63), not from rsgeo's encoder.
    """
    deltas = []
    for token in _POLYLINE_VALUE.findall(text):
        value = sum(
            (ord(c) - 63 - (32 if k < len(token) - 1 else 0)) << (5 * k)
            for k, c in enumerate(token)
        )
        deltas.append(-((value + 1) // 2) if value % 2 else value // 2)
    assert "".join(_POLYLINE_VALUE.findall(text)) == text, "stray characters in the coordinates"
    lon = np.cumsum(deltas[0::2], dtype=np.int64)
    lat = np.cumsum(deltas[1::2], dtype=np.int64)
    return np.column_stack([lon, lat]).ravel().tolist()


def decode_payload(data: dict[str, Any]) -> dict[str, Any]:
    """GeoJSON FeatureCollection of a page's compact payload (GeoJSON passes through)."""
    if "c" not in data:
        return data
    ints = np.array(polyline_ints(data["c"]), dtype=np.int64).reshape(-1, 2)
    xy = (ints / 1e6).tolist()
    kind, counts = data["g"], data["n"]
    pos = 0

    def take(k: int, closed: bool) -> list[list[float]]:
        nonlocal pos
        ring = xy[pos : pos + k]
        pos += k
        return ring + ring[:1] if closed else ring

    geoms: list[dict[str, Any]] = []
    if kind == "Point":
        geoms = [{"type": "Point", "coordinates": p} for p in xy]
        pos = len(xy)
    elif kind == "MultiLineString":
        sizes = iter(counts[1])
        for n_lines in counts[0]:
            geoms.append(
                {"type": kind, "coordinates": [take(next(sizes), False) for _ in range(n_lines)]}
            )
    else:
        n_rings, sizes = iter(counts[1]), iter(counts[2])
        for n_polys in counts[0]:
            polys = []
            for _ in range(n_polys):
                polys.append([take(next(sizes), True) for _ in range(next(n_rings))])
            geoms.append({"type": kind, "coordinates": polys})
    assert pos == len(xy), "the counts do not account for every coordinate"
    columns = data["p"]
    features = [
        {
            "type": "Feature",
            "geometry": g,
            "properties": {k: col[i] for k, col in columns.items() if col[i] is not None},
        }
        for i, g in enumerate(geoms)
    ]
    return {"type": "FeatureCollection", "features": features}
