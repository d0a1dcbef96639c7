"""Redraw docs/img/gis_layer.png and docs/img/field_map_phone.png from the demo's outputs.

Runs the bundled Rongshui job (synthetic layers) twice through the library:

- with the GIS layers as its only output, reads ``gis/成果图层.gpkg`` (layer
  图斑成果) and the GBK shapefile ``gis/图斑成果.shp`` with ``字段对照.csv``
  back with GDAL (pyogrio), and draws them on one page: the patches of the
  township with the most patches as SVG polygons coloured by final class over
  its outline, beside the shapefile's attribute table (short field names,
  the full Chinese labels of the field table under them);
- with the field maps as its only output and an offline basemap built here:
  the sample has no imagery of the county, so the basemap is a GeoTIFF
  rasterised from the sample's synthetic land-use layer (DLTB, coloured by
  地类编码) over that township. Its field map is shown in a 360×740 frame (a
  phone screen) with one patch's popup open, ``geo:`` link included.

Run from the repository root (needs rasterio, folium and headless Chromium)::

    python docs/img/make_gis_and_phone_images.py
"""

from __future__ import annotations

import dataclasses
import html
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "outputs"))

import test_maps_helpers as h  # noqa: E402

from rsgeo.io.reading import read_layer  # noqa: E402
from rsgeo.io.sample import sample_path  # noqa: E402
from rsgeo.job import load_job  # noqa: E402
from rsgeo.pipeline import run_job  # noqa: E402
from rsgeo.synthetic.basemap import land_use_basemap as draw_land_use  # noqa: E402

IMG = ROOT / "docs" / "img"
CLASS_COLOURS = {"违法": "#d7301f", "合法": "#1a9850", "其他": "#7f7f7f"}
TABLE_FIELDS = ["JCBH", "XZQMC", "TBLX", "DLMC", "area_mu", "fl_net_mu", "det", "final_cls"]
TABLE_ROWS = 12
PHONE = (360, 740)
PIXEL_M = 3.0  # basemap resolution
MARGIN_M = 400.0


def _run(job, outputs: list[str], out: Path, **changes) -> Path:
    wanted = dict.fromkeys(job.outputs, False) | dict.fromkeys(outputs, True)
    run_job(dataclasses.replace(job, outputs=wanted, **changes), out, progress=False)
    return out


def _townships(job):
    """The job's township layer, in the CRS of the result layers."""
    src = job.townships
    return read_layer(src.path, **src.read_kwargs()).to_crs(4545)


# ------------------------------------------------------------------ GIS layer page


def _svg(patches, outline, size: tuple[int, int]) -> str:
    minx, miny, maxx, maxy = outline.total_bounds
    pad = 0.02 * max(maxx - minx, maxy - miny)
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    scale = min(size[0] / (maxx - minx), size[1] / (maxy - miny))

    def path(geom) -> str:
        parts = []
        for poly in getattr(geom, "geoms", [geom]):
            for ring in [poly.exterior, *poly.interiors]:
                xy = np.asarray(ring.coords)
                pts = " ".join(f"{(x - minx) * scale:.1f},{(maxy - y) * scale:.1f}" for x, y in xy)
                parts.append(f"M{pts}Z")
        return " ".join(parts)

    shapes = [
        f'<path d="{path(g)}" fill="#f7f5ee" stroke="#555" stroke-width="1.2"/>'
        for g in outline.geometry
    ]
    for cls, geom in zip(patches["final_class"], patches.geometry, strict=True):
        colour = CLASS_COLOURS.get(cls, "#333")
        shapes.append(
            f'<path d="{path(geom)}" fill="{colour}" stroke="{colour}" stroke-width="2.5" '
            'fill-opacity="0.85"/>'
        )
    width, height = (maxx - minx) * scale, (maxy - miny) * scale
    bar = 5000 * scale  # a 5 km scale bar, bottom left
    shapes.append(
        f'<path d="M12,{height - 18:.1f} v6 h{bar:.1f} v-6" fill="none" stroke="#333" '
        f'stroke-width="1.5"/><text x="{12 + bar / 2:.1f}" y="{height - 22:.1f}" '
        'font-size="12" text-anchor="middle">5 km</text>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}">{"".join(shapes)}</svg>'
    )


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return html.escape(str(value))


def gis_page(gis: Path, code: str, towns, page: Path) -> None:
    gpkg = gis / "成果图层.gpkg"
    shp = gis / "图斑成果.shp"
    layer = pyogrio.read_dataframe(gpkg, layer="图斑成果")
    table = pyogrio.read_dataframe(shp, encoding="GBK")
    labels = pd.read_csv(gis / "字段对照.csv", encoding="utf-8-sig", dtype=str)
    labels = labels[labels["图层"] == "图斑成果"].set_index("短字段名")
    name = layer.loc[layer["township_code"] == code, "township_name"].iloc[0]
    patches = layer[layer["township_code"] == code]
    outline = towns[towns["township_code"] == code]
    counts = patches["final_class"].value_counts()
    legend = "".join(
        f'<div><i style="background:{colour}"></i>{html.escape(cls)}'
        f" {int(counts.get(cls, 0))}</div>"
        for cls, colour in CLASS_COLOURS.items()
    )
    rows = table[table["XZQDM"] == code].head(TABLE_ROWS)
    head = "".join(
        f"<th>{html.escape(f)}<br><span>{html.escape(str(labels.loc[f, '中文名称']))}"
        + (
            f"（{html.escape(str(labels.loc[f, '单位']))}）"
            if isinstance(labels.loc[f, "单位"], str)
            else ""
        )
        + "</span></th>"
        for f in TABLE_FIELDS
    )
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(r[f])}</td>" for f in TABLE_FIELDS) + "</tr>"
        for _, r in rows.iterrows()
    )
    n_fields = len(table.columns) - 1
    page.write_text(
        f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>
body {{ margin: 0; padding: 14px 18px; font: 13px "Noto Sans CJK SC", "WenQuanYi Micro Hei",
  sans-serif; color: #222; background: #fff; }}
h1 {{ font-size: 16px; margin: 0 0 4px; }}
.cap {{ color: #555; margin-bottom: 10px; }}
.wrap {{ display: flex; gap: 16px; align-items: flex-start; }}
.map {{ position: relative; border: 1px solid #ccc; padding: 6px; }}
.legend {{ position: absolute; right: 10px; bottom: 10px; background: #fffe;
  border: 1px solid #bbb; padding: 6px 8px; line-height: 20px; }}
.legend i {{ display: inline-block; width: 14px; height: 10px; margin-right: 6px; }}
table {{ border-collapse: collapse; font-size: 12px; }}
th, td {{ border: 1px solid #c8c8c8; padding: 3px 6px; white-space: nowrap; }}
th {{ background: #eef1f5; text-align: left; font-family: monospace; font-size: 12px; }}
th span {{ font-family: "Noto Sans CJK SC", sans-serif; font-weight: normal; color: #555;
  display: inline-block; max-width: 7.5em; white-space: normal; }}
td {{ text-align: right; }} td:nth-child(-n+4) {{ text-align: left; }}
.note {{ color: #666; margin-top: 6px; }}
</style></head><body>
<h1>{html.escape(gpkg.name)} · 图层 {html.escape("图斑成果")} — {html.escape(name)}
{len(patches)} 个图斑（最终分类）</h1>
<div class="cap">左：GeoPackage 读回的图斑与乡镇界（EPSG:{layer.crs.to_epsg()}）；
右：{html.escape(shp.name)}（GBK，{n_fields} 个字段）属性表前 {len(rows)} 行，
字段名下为 {html.escape("字段对照.csv")} 的中文名称。示例数据（合成）。</div>
<div class="wrap"><div class="map">{_svg(patches, outline, (520, 640))}
<div class="legend"><b>{html.escape("final_class")}</b>{legend}</div></div>
<div><table><tr>{head}</tr>{body}</table>
<div class="note">面积为全精度浮点数，此处显示两位小数。</div></div></div>
</body></html>""",
        encoding="utf-8",
    )


# ------------------------------------------------------------------ phone field map


def land_use_basemap(job, outline, tif: Path) -> None:
    """The sample's land use over ``outline`` (+ margin) as a GeoTIFF (rsgeo.synthetic.basemap)."""
    src = job.layers["farmland"]
    minx, miny, maxx, maxy = outline.total_bounds
    land = read_layer(src.path, **src.read_kwargs()).to_crs(outline.crs)
    bounds = (minx - MARGIN_M, miny - MARGIN_M, maxx + MARGIN_M, maxy + MARGIN_M)
    draw_land_use(land, tif, bounds=bounds, pixel_m=PIXEL_M)


_POPUP = """<script>
window.addEventListener('load', function () {
  setTimeout(function () {
    var st = window.rsgeo, map = st.map, h = map.getSize().y, pick = null;
    st.layers.patches.eachLayer(function (l) {
      if (l.feature.properties.id === __PATCH__) { pick = l; }
    });
    var ll = pick.getBounds().getCenter();
    map.setView(ll, 16, {animate: false});
    map.panBy([0, map.latLngToContainerPoint(ll).y - 0.8 * h], {animate: false});
    pick.openPopup(ll);
    setTimeout(function () {  // the popup's end, with its geo: link, in view
      var box = map.getContainer().querySelector('.leaflet-popup-content');
      box.scrollTop = box.scrollHeight;
    }, 300);
  }, 800);
});
</script>"""


def phone_shot(page: Path, patch: str, png: Path) -> None:
    """``page`` in a frame of the size of a phone screen, ``patch``'s popup open."""
    text = page.read_text(encoding="utf-8").replace(
        "</html>", _POPUP.replace("__PATCH__", repr(patch)) + "</html>"
    )
    shown = page.with_name("phone-" + page.name)  # beside the page: its tiles resolve
    shown.write_text(text, encoding="utf-8")
    outer = page.with_name("phone-frame.html")
    outer.write_text(
        "<!DOCTYPE html><html><head><style>body{margin:0}iframe{border:0;display:block}"
        "</style></head><body>"
        f'<iframe src="{shown.name}" width="{PHONE[0]}" height="{PHONE[1]}"></iframe>'
        "</body></html>",
        encoding="utf-8",
    )
    full = png.with_name("phone-full.png")
    with tempfile.TemporaryDirectory(prefix="rsgeo-shot-") as tmp:
        cmd = [
            h.need_browser(),
            *h.browser_args(str(Path(tmp) / "profile")),
            "--hide-scrollbars",
            f"--window-size=800,{PHONE[1] + 100}",
            "--virtual-time-budget=15000",
            f"--screenshot={full}",
            outer.as_uri(),
        ]
        subprocess.run(
            cmd, capture_output=True, timeout=180, check=True, env=dict(os.environ, HOME=tmp)
        )
    Image.open(full).convert("RGB").crop((0, 0, *PHONE)).save(png)


def _small(png: Path, out: Path, *, trim: bool = False) -> None:
    """Quantised to 256 colours; ``trim``: the white below the content cut off."""
    image = Image.open(png).convert("RGB")
    if trim:
        ink = Image.eval(image.convert("L"), lambda v: 255 if v < 250 else 0).getbbox()
        if ink is not None:
            image = image.crop((0, 0, image.width, min(ink[3] + 16, image.height)))
    image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        out, optimize=True
    )


def main() -> None:
    job = load_job(sample_path("rongshui_2020.toml"))
    towns = _townships(job)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        gis = _run(job, ["gis_layers"], work / "gis_out") / "gis"
        layer = pyogrio.read_dataframe(gis / "成果图层.gpkg", layer="图斑成果")
        code = str(layer["township_code"].value_counts().index[0])  # the most patches
        page = work / "gis_layer.html"
        gis_page(gis, code, towns, page)
        h.screenshot(page, work / "gis_layer.png", size=(1280, 800))
        _small(work / "gis_layer.png", IMG / "gis_layer.png", trim=True)

        tif = work / "土地利用底图.tif"
        land_use_basemap(job, towns[towns["township_code"] == code], tif)
        maps = dataclasses.replace(job.maps, basemap=str(tif))
        out = _run(job, ["field_maps"], work / "map_out", maps=maps)
        (field,) = (out / "maps" / "field").glob(f"{code}_*.html")
        ours = layer[(layer["township_code"] == code) & (layer["final_class"] == "违法")]
        centre = ours.geometry.union_all().centroid
        patch = str(ours["patch_id"].iloc[int(ours.geometry.distance(centre).argmin())])
        phone_shot(field, patch, work / "field_map_phone.png")
        _small(work / "field_map_phone.png", IMG / "field_map_phone.png")
    for name in ("gis_layer.png", "field_map_phone.png"):
        print(IMG / name, (IMG / name).stat().st_size // 1024, "KB")


if __name__ == "__main__":
    main()
