"""Field maps on a phone and a desktop, with an offline basemap, in headless Chromium.

The basemaps are built here: a GeoTIFF (rasterio) in the Gauss-Krüger CRS of
the patches, west half red and east half blue; and an MBTiles file (sqlite3)
whose every tile is coloured by its own XYZ address. Tile addresses in the
tests come from the textbook Web Mercator formula written out below, not from
rsgeo. Pages are loaded with every host name unresolvable, so anything not
on disk fails. Skipped only when Chromium is missing outside CI.
"""

from __future__ import annotations

import math
import re
import sqlite3
import sys
import urllib.parse
import warnings
from pathlib import Path

import numpy as np
import pytest
from pyproj import Transformer

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_maps_helpers as h

from rsgeo.options import MapOptions
from rsgeo.outputs.maps import field_maps
from rsgeo.outputs.maps.gcj02 import wgs84_to_gcj02

pytest.importorskip("folium")
rasterio = pytest.importorskip("rasterio")
pytestmark = pytest.mark.browser

from rasterio.io import MemoryFile  # noqa: E402
from rasterio.transform import from_bounds  # noqa: E402

DESKTOP = (1280, 800)
PHONE = (360, 640)


def xyz(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The XYZ tile of a point (OSM wiki: Slippy map tilenames)."""
    n = 2**z
    rad = math.radians(lat)
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.log(math.tan(rad) + 1.0 / math.cos(rad)) / math.pi) / 2.0 * n)
    return x, y


def tile_lonlat(x: int, y: int, z: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of an XYZ tile (OSM wiki, inverse)."""
    n = 2**z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)


def decode(data: bytes) -> np.ndarray:
    with MemoryFile(data) as mem, mem.open() as src, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return src.read()


@pytest.fixture(scope="module")
def county() -> dict:
    return h.county(per_township=40, n_townships=1, military=0, seed=3)


@pytest.fixture(scope="module")
def geotiff(county, tmp_path_factory) -> tuple[Path, float]:
    """A GeoTIFF in the patches' GK CRS over the township: red west, blue east of ``split``."""
    minx, miny, maxx, maxy = county["townships"].total_bounds
    minx, miny, maxx, maxy = minx - 800, miny - 800, maxx + 800, maxy + 800
    width, height = 1000, 1000  # about 10 m a pixel
    split = (minx + maxx) / 2
    data = np.zeros((3, height, width), dtype="uint8")
    data[0, :, : width // 2] = 220
    data[2, :, width // 2 :] = 220
    path = tmp_path_factory.mktemp("basemap") / "影像.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=width,
        height=height,
        count=3,
        dtype="uint8",
        crs=h.CRS,
        transform=from_bounds(minx, miny, maxx, maxy, width, height),
    ) as dst:
        dst.write(data)
    return path, split


def _png(rgb: tuple[int, int, int]) -> bytes:
    data = np.zeros((3, 256, 256), dtype="uint8")
    for band, value in enumerate(rgb):
        data[band] = value
    with warnings.catch_warnings(), MemoryFile() as mem:
        warnings.simplefilter("ignore")
        with mem.open(driver="PNG", width=256, height=256, count=3, dtype="uint8") as dst:
            dst.write(data)
        return bytes(mem.read())


@pytest.fixture(scope="module")
def mbtiles(county, tmp_path_factory) -> Path:
    """MBTiles (TMS rows) over the township, zooms 12–15; each tile coloured (x, y, z) mod 256."""
    west, south, east, north = county["townships"].to_crs("EPSG:4326").total_bounds
    path = tmp_path_factory.mktemp("mbtiles") / "tiles.mbtiles"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE metadata (name text, value text)")
    con.execute(
        "CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, "
        "tile_data blob)"
    )
    con.executemany("INSERT INTO metadata VALUES (?, ?)", [("name", "test"), ("format", "png")])
    for z in range(12, 16):
        x0, y0 = xyz(west, north, z)
        x1, y1 = xyz(east, south, z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                tms_row = 2**z - 1 - y
                con.execute(
                    "INSERT INTO tiles VALUES (?, ?, ?, ?)",
                    (z, x, tms_row, _png((x % 256, y % 256, z))),
                )
    con.commit()
    con.close()
    return path


def _check_layout(r: dict, size: tuple[int, int]) -> None:
    """What a crew needs on every screen: see the tiles, the legend, the popup."""
    assert r["errors"] == []
    assert r["screen"] == list(size)
    assert r["tiles"] > 0 and r["tilesLoaded"] == r["tiles"]
    screen = size[0] * size[1]
    lg = r["legend"]
    narrow = size[0] < 600
    assert lg["foldedAtStart"] is narrow
    assert lg["openFolded"] is not narrow and lg["closedFolded"] is narrow
    folded = lg["start"] if narrow else lg["open"]
    unfolded = lg["open"] if narrow else lg["start"]

    def area(b: list[float]) -> float:
        return (b[2] - b[0]) * (b[3] - b[1])

    assert area(folded) < 0.15 * screen
    assert area(folded) < area(unfolded)
    # a popup opened on a patch at the very top edge is whole and under no control
    assert r["anchorBefore"] == pytest.approx(12, abs=1)
    popup, frame = r["popup"], r["map"]
    assert popup is not None
    assert popup[0] >= frame[0] and popup[1] >= frame[1]
    assert popup[2] <= frame[2] and popup[3] <= frame[3]
    for c in r["controls"]:
        overlap = c[0] < popup[2] and c[2] > popup[0] and c[1] < popup[3] and c[3] > popup[1]
        assert not overlap, (c, popup)
    # labels: some shown at the first labelled zoom, never overlapping
    assert r["labels"][0]["shown"] > 0
    assert all(level["overlaps"] == 0 for level in r["labels"])
    assert r["popupGeo"] and r["popupGeo"].startswith("geo:")


def _check_geo_links(r: dict, patches) -> None:
    """Each patch's geo: link is its centre in WGS84 (pyproj, independent of the page)."""
    to_wgs = Transformer.from_crs(h.CRS, "EPSG:4326", always_xy=True)
    assert set(r["geo"]) == set(patches.index)
    for pid, href in r["geo"].items():
        m = re.fullmatch(r"geo:(-?[\d.]+),(-?[\d.]+)\?q=(-?[\d.]+),(-?[\d.]+)\((.*)\)", href)
        assert m is not None, href
        geom = patches.geometry[pid]
        centre = geom.centroid if geom.contains(geom.centroid) else geom.representative_point()
        lon, lat = to_wgs.transform(centre.x, centre.y)
        assert float(m.group(1)) == pytest.approx(lat, abs=1e-6)
        assert float(m.group(2)) == pytest.approx(lon, abs=1e-6)
        assert m.group(1, 2) == m.group(3, 4)
        assert urllib.parse.unquote(m.group(5)) == pid


def test_geotiff_basemap_on_desktop_and_phone(county, geotiff, tmp_path):
    h.need_browser()
    tif, _ = geotiff
    (page,) = field_maps(
        county["patches"],
        tmp_path,
        townships=county["townships"],
        layers=county["layers"],
        options=MapOptions(basemap=str(tif), basemap_max_zoom=16),
        progress=False,
    ).values()
    folder = page.with_name(page.stem + "_tiles")
    assert folder.is_dir() and any(folder.rglob("*.jpg"))
    for size in (DESKTOP, PHONE):
        r = h.probe_layout(page, size=size)
        _check_layout(r, size)
        assert not r["tileSrc"].startswith("data:")  # read from the folder beside the page
    _check_geo_links(r, county["patches"])


def test_embedded_basemap_needs_no_folder(county, geotiff, tmp_path):
    h.need_browser()
    tif, _ = geotiff
    (page,) = field_maps(
        county["patches"],
        tmp_path,
        options=MapOptions(basemap=str(tif), basemap_max_zoom=15, basemap_embed=True),
        progress=False,
    ).values()
    assert sorted(p.name for p in tmp_path.iterdir()) == [page.name]
    r = h.probe_layout(page, size=PHONE)
    _check_layout(r, PHONE)
    assert r["tileSrc"].startswith("data:image/")


def test_mbtiles_basemap_on_a_phone(county, mbtiles, tmp_path):
    h.need_browser()
    (page,) = field_maps(
        county["patches"], tmp_path, options=MapOptions(basemap=str(mbtiles)), progress=False
    ).values()
    r = h.probe_layout(page, size=PHONE)
    _check_layout(r, PHONE)


def test_geotiff_tiles_lie_where_the_image_is(county, geotiff, tmp_path):
    """Tiles wholly west of the red/blue line are red, wholly east are blue."""
    tif, split = geotiff
    (page,) = field_maps(
        county["patches"], tmp_path, options=MapOptions(basemap=str(tif)), progress=False
    ).values()
    to_gk = Transformer.from_crs("EPSG:4326", h.CRS, always_xy=True)
    checked = {"red": 0, "blue": 0}
    for tile in page.with_name(page.stem + "_tiles").rglob("*.*"):
        z, x = int(tile.parent.parent.name), int(tile.parent.name)
        y = int(tile.stem)
        west, south, east, north = tile_lonlat(x, y, z)
        xs = [to_gk.transform(lon, lat)[0] for lon in (west, east) for lat in (south, north)]
        pixels = decode(tile.read_bytes())
        if tile.suffix == ".png":  # partly covered: look at the covered pixels only
            covered = pixels[3] > 0
            rgb = pixels[:3][:, covered]
        else:
            rgb = pixels[:3].reshape(3, -1)
        if max(xs) < split - 30:
            assert rgb[0].mean() > 180 and rgb[2].mean() < 40, tile
            checked["red"] += 1
        elif min(xs) > split + 30:
            assert rgb[2].mean() > 180 and rgb[0].mean() < 40, tile
            checked["blue"] += 1
    assert checked["red"] > 0 and checked["blue"] > 0


def test_mbtiles_rows_are_flipped_and_only_the_area_is_taken(county, mbtiles, tmp_path):
    (page,) = field_maps(
        county["patches"],
        tmp_path,
        options=MapOptions(basemap=str(mbtiles), basemap_min_zoom=12),
        progress=False,
    ).values()
    folder = page.with_name(page.stem + "_tiles")
    tiles = list(folder.rglob("*.png"))
    assert tiles
    for tile in tiles:
        z, x, y = int(tile.parent.parent.name), int(tile.parent.name), int(tile.stem)
        rgb = decode(tile.read_bytes())[:, 128, 128]
        assert tuple(int(v) for v in rgb) == (x % 256, y % 256, z), tile
    # the page's area: the patches plus 500 m, never the whole file beyond it
    west, south, east, north = county["patches"].to_crs("EPSG:4326").total_bounds + np.array(
        [-0.01, -0.01, 0.01, 0.01]
    )
    for tile in tiles:
        z, x, y = int(tile.parent.parent.name), int(tile.parent.name), int(tile.stem)
        w, s, e, n = tile_lonlat(x, y, z)
        assert e > west and w < east and n > south and s < north


def _zooms(folder: Path) -> list[int]:
    return sorted({int(p.parent.parent.name) for p in folder.rglob("*.*")})


def test_tiles_stop_at_the_image_resolution_and_the_budget(county, geotiff, tmp_path):
    tif, _ = geotiff
    with rasterio.open(tif) as src:
        pixel_m = src.res[0]
    lat = float(county["townships"].geometry.centroid.to_crs("EPSG:4326").y.iloc[0])
    # the first zoom whose Web Mercator pixel (156543.03 m / 2**z at the equator,
    # times cos(lat) on the ground) is at least as fine as the image's
    native = math.ceil(math.log2(156543.03392804097 * math.cos(math.radians(lat)) / pixel_m))
    (page,) = field_maps(
        county["patches"],
        tmp_path / "all",
        options=MapOptions(basemap=str(tif), basemap_max_zoom=18),
        progress=False,
    ).values()
    zooms = _zooms(page.with_name(page.stem + "_tiles"))
    assert zooms[-1] == native
    n_all = len(list(page.with_name(page.stem + "_tiles").rglob("*.*")))
    with pytest.warns(UserWarning, match=f"basemap_max_tiles={n_all - 1}"):
        (page,) = field_maps(
            county["patches"],
            tmp_path / "budget",
            options=MapOptions(basemap=str(tif), basemap_max_tiles=n_all - 1),
            progress=False,
        ).values()
    folder = page.with_name(page.stem + "_tiles")
    assert 0 < len(list(folder.rglob("*.*"))) < n_all
    assert _zooms(folder) == zooms[:-1]


def test_a_map_the_basemap_does_not_cover_is_drawn_without_it(county, geotiff, tmp_path):
    tif, _ = geotiff
    far = county["patches"].copy()
    far["geometry"] = far.geometry.translate(60_000, 0)  # 60 km east of the image
    with pytest.warns(UserWarning, match="does not cover the field map"):
        (page,) = field_maps(
            far, tmp_path, options=MapOptions(basemap=str(tif)), progress=False
        ).values()
    assert h.page_config(page)["basemap"] is None
    assert not page.with_name(page.stem + "_tiles").exists()


def test_a_gcj02_mbtiles_basemap_moves_the_patches_onto_it(county, mbtiles, tmp_path):
    """MBTiles saved from GCJ-02 tiles (Gaode, Tencent): the patches are drawn shifted to
    GCJ-02 (rsgeo.outputs.maps.gcj02, tested against published pairs) so they lie on
    the tiles, the tiles are taken around the shifted area, and the geo: links keep
    the true coordinates a phone navigates by."""
    plain_page = field_maps(
        county["patches"], tmp_path / "a", options=MapOptions(basemap=str(mbtiles)), progress=False
    )
    (plain_page,) = plain_page.values()
    (page,) = field_maps(
        county["patches"],
        tmp_path / "b",
        options=MapOptions(basemap=str(mbtiles), basemap_datum="gcj02"),
        progress=False,
    ).values()
    plain, gcj = h.page_config(plain_page), h.page_config(page)
    assert gcj["datum"] == "gcj02"
    for f_plain, f_gcj in zip(
        plain["patches"]["features"], gcj["patches"]["features"], strict=True
    ):
        p_xy = np.array(f_plain["geometry"]["coordinates"][0][0])
        g_xy = np.array(f_gcj["geometry"]["coordinates"][0][0])
        want_lon, want_lat = wgs84_to_gcj02(p_xy[:, 0], p_xy[:, 1])
        np.testing.assert_allclose(g_xy[:, 0], want_lon, atol=5.1e-7)  # the page keeps 1e-6°
        np.testing.assert_allclose(g_xy[:, 1], want_lat, atol=5.1e-7)
        assert f_gcj["properties"]["lon"] == f_plain["properties"]["lon"]

    # the tiles copied are those around the shifted patches: some differ from the plain map's
    def tiles(p: Path) -> set[str]:
        folder = p.with_name(p.stem + "_tiles")
        return {str(t.relative_to(folder)) for t in folder.rglob("*.*")}

    assert tiles(page) and tiles(page) != tiles(plain_page)


def test_parts_each_get_their_own_tiles(county, geotiff, tmp_path):
    """A township drawn in parts: each part's tiles beside it, none for the index page."""
    h.need_browser()
    tif, _ = geotiff
    (page,) = field_maps(
        county["patches"],
        tmp_path,
        townships=county["townships"],
        layers=county["layers"],
        options=MapOptions(
            basemap=str(tif), basemap_max_zoom=15, basemap_max_tiles=40, page_max_mb=0.215
        ),
        progress=False,
    ).values()
    parts = sorted(tmp_path.glob(page.stem + "_[0-9][0-9].html"))
    assert len(parts) >= 2
    assert not page.with_name(page.stem + "_tiles").exists()  # the index page shows no map
    drawn = []
    for part in parts:
        assert part.stat().st_size <= 215_000
        folder = part.with_name(part.stem + "_tiles")
        cfg = h.page_config(part)
        assert cfg["basemap"]["folder"] == folder.name
        listed = {f"{key}.{ext}" for key, ext in cfg["basemap"]["index"].items()}
        assert listed == {str(t.relative_to(folder)) for t in folder.rglob("*.*")}
        drawn += [f["properties"]["id"] for f in cfg["patches"]["features"]]
    assert sorted(drawn) == sorted(county["patches"].index)
    r = h.probe_layout(parts[0], size=PHONE)
    _check_layout(r, PHONE)


def test_parts_with_embedded_tiles_count_them_in_the_budget(county, geotiff, tmp_path):
    tif, _ = geotiff
    budget_mb = 0.23
    (page,) = field_maps(
        county["patches"],
        tmp_path,
        options=MapOptions(
            basemap=str(tif), basemap_max_zoom=15, basemap_embed=True, page_max_mb=budget_mb
        ),
        progress=False,
    ).values()
    parts = sorted(tmp_path.glob(page.stem + "_[0-9][0-9].html"))
    assert len(parts) >= 2
    assert not [p for p in tmp_path.iterdir() if p.is_dir()]  # no tile folder anywhere
    drawn = []
    for part in parts:
        cfg = h.page_config(part)
        tiles = cfg["basemap"]["tiles"]
        assert tiles and all(src.startswith("data:image/") for src in tiles.values())
        assert cfg["basemap"]["maxNativeZoom"] == max(int(k.split("/")[0]) for k in tiles)
        # the page holds its tiles and still fits (a single patch may not)
        n = len(cfg["patches"]["features"])
        assert part.stat().st_size <= budget_mb * 1e6 or n == 1
        drawn += [f["properties"]["id"] for f in cfg["patches"]["features"]]
    assert sorted(drawn) == sorted(county["patches"].index)
