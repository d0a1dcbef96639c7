"""The field maps' Pillow warp of a GeoTIFF basemap against GDAL's per-tile warp.

The reference is GDAL's own warper (rasterio's WarpedVRT, bilinear, with a
destination alpha), one 256 px tile at a time, as the tiles were cut before.
GDAL itself places each pixel within 0.125 px (its approximate transformer),
so on the sharp colour edges of a land-use map a few grey levels of
difference are GDAL's own slack; on a smooth image the two agree within 2.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

rasterio = pytest.importorskip("rasterio")
pytest.importorskip("PIL")

from rasterio.enums import Resampling  # noqa: E402
from rasterio.transform import from_bounds  # noqa: E402
from rasterio.vrt import WarpedVRT  # noqa: E402
from rasterio.warp import transform_bounds  # noqa: E402

from rsgeo.io.sample import sample_path  # noqa: E402
from rsgeo.outputs.maps.basemap import tile_bounds_3857, tile_range  # noqa: E402
from rsgeo.outputs.maps.warp import pillow_warpable, warp_tile  # noqa: E402


def _gdal(src, z, x, y):
    transform = from_bounds(*tile_bounds_3857(z, x, y), 256, 256)
    with WarpedVRT(
        src,
        crs="EPSG:3857",
        transform=transform,
        width=256,
        height=256,
        resampling=Resampling.bilinear,
        add_alpha=True,
    ) as vrt:
        return vrt.read([1, 2, 3]).astype(int), vrt.read(vrt.count) > 0


def _compare(src, tiles):
    """Absolute differences on pixels both cover, and pixels covered by one only."""
    diffs, one_only, n = [], 0, 0
    for z, x, y in tiles:
        ref, covered = _gdal(src, z, x, y)
        mine = warp_tile(src, z, x, y, [1, 2, 3])
        if mine is None:
            assert not covered.any(), (z, x, y)
            continue
        image, alpha = mine
        rgb = np.moveaxis(np.asarray(image), -1, 0).astype(int)
        ours = np.ones((256, 256), bool) if alpha is None else alpha > 0
        one_only += int((ours != covered).sum())
        both = ours & covered
        n += int(covered.sum())
        diffs.append(np.abs(rgb - ref)[:, both].ravel())
    assert n > 0
    return np.concatenate(diffs), one_only, n


def _tiles(src, z, *, every=1):
    """Tiles of zoom ``z`` over the image (its border tiles included)."""
    box = transform_bounds(src.crs, "EPSG:4326", *src.bounds)
    x0, y0, x1, y1 = tile_range(box, z)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)][::every]


@pytest.fixture(scope="module")
def landuse():
    with rasterio.open(sample_path("basemap", "土地利用底图_示例.tif")) as src:
        assert pillow_warpable(src)
        yield src


@pytest.fixture(scope="module")
def smooth(tmp_path_factory):
    """A smooth byte image (gradients and long waves) in a Gauss-Krüger CRS, 20 m pixels."""
    width, height = 700, 600
    cols, rows = np.meshgrid(np.arange(width), np.arange(height))
    data = np.stack(
        [
            30 + 190 * cols / width,
            128 + 90 * np.sin(rows / 45.0) * np.cos(cols / 60.0),
            40 + 170 * rows / height,
        ]
    ).astype("uint8")
    path = tmp_path_factory.mktemp("warp") / "smooth.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=width,
        height=height,
        count=3,
        dtype="uint8",
        crs="EPSG:4524",
        transform=from_bounds(36_500_000, 2_790_000, 36_514_000, 2_802_000, width, height),
    ) as dst:
        dst.write(data)
    with rasterio.open(path) as src:
        yield src


def test_native_zoom_gives_gdal_pixels_on_a_smooth_image(smooth):
    diff, one_only, n = _compare(smooth, _tiles(smooth, 13))
    assert diff.max() <= 2 and diff.mean() < 0.3
    assert one_only <= 1e-3 * n  # pixels whose centre lies on the image's edge


def test_native_zoom_gives_gdal_pixels_on_the_landuse_basemap(landuse):
    # zoom 12 is the sample's own resolution (40 m pixels); border tiles included
    diff, one_only, n = _compare(landuse, _tiles(landuse, 12, every=5))
    assert diff.mean() < 0.1
    assert np.percentile(diff, 99.9) <= 2 and diff.max() <= 8
    assert one_only <= 1e-3 * n


def test_coarser_zooms_stay_close_to_gdal(smooth, landuse):
    """Where a tile pixel spans several image pixels GDAL widens its bilinear kernel; the
    Pillow warp samples the image (averaged over 2^k blocks from 1.5 pixels a tile
    pixel) bilinearly: the same on smooth imagery, a little different on sharp edges."""
    diff, _, _ = _compare(smooth, _tiles(smooth, 11))
    assert diff.max() <= 3 and diff.mean() < 0.5
    for z in (10, 11):
        diff, one_only, n = _compare(landuse, _tiles(landuse, z, every=2))
        assert diff.mean() < 1.5, z
        assert np.percentile(diff, 99) <= 25, z
        assert one_only <= 2e-3 * n, z


def test_a_tile_off_the_image_is_none_and_a_border_tile_is_partly_covered(smooth):
    (z, x, y), *_ = _tiles(smooth, 13)
    assert warp_tile(smooth, z, x - 3, y, [1, 2, 3]) is None
    image, alpha = warp_tile(smooth, z, x, y, [1, 2, 3])
    assert image.size == (256, 256) and alpha is not None
    _, covered = _gdal(smooth, z, x, y)
    assert math.isclose((alpha > 0).mean(), covered.mean(), abs_tol=1e-3)


def test_other_images_are_warped_by_gdal(smooth, tmp_path):
    """A 16-bit image and a byte image with nodata take GDAL's warper (stretched, masked)."""
    import io

    from PIL import Image

    from rsgeo.options import MapOptions
    from rsgeo.outputs.maps.basemap import tiles_from_geotiff

    data = smooth.read()
    profile = smooth.profile
    kinds = {
        "deep.tif": (data.astype("uint16") * 200, {"dtype": "uint16"}),
        "nodata.tif": (data, {"nodata": 0}),
    }
    box = transform_bounds(smooth.crs, "EPSG:4326", *smooth.bounds)
    for name, (values, extra) in kinds.items():
        path = tmp_path / name
        with rasterio.open(path, "w", **{**profile, **extra}) as dst:
            dst.write(values)
        with rasterio.open(path) as src:
            assert not pillow_warpable(src)
        tiles = tiles_from_geotiff(
            path, box, [box], options=MapOptions(basemap=str(path), basemap_max_zoom=13)
        )
        assert tiles.max_zoom == 13 and len(tiles.tiles) > 4
        for blob, ext in tiles.tiles.values():
            image = Image.open(io.BytesIO(blob))
            assert image.size == (256, 256) and image.format == {"jpg": "JPEG"}.get(ext, "PNG")


def test_a_basemap_held_open_gives_the_same_tiles_and_is_closed_after(smooth):
    from rsgeo.options import MapOptions
    from rsgeo.outputs.maps import basemap

    path = smooth.name
    box = transform_bounds(smooth.crs, "EPSG:4326", *smooth.bounds)
    opts = MapOptions(basemap=path, basemap_max_zoom=13)
    alone = basemap.tiles_from_geotiff(path, box, [box], options=opts)
    basemap._tile_cache.clear()  # warp again, from the image held open
    with basemap.basemap_open(path):
        (held,) = basemap._open_images.values()
        with basemap.basemap_open(path):  # nested: the same image, not opened twice
            assert list(basemap._open_images.values()) == [held]
        together = basemap.tiles_from_geotiff(path, box, [box], options=opts)
        assert not held.closed
    assert basemap._open_images == {} and held.closed
    assert together.tiles == alone.tiles and len(alone.tiles) > 4
    with basemap.basemap_open(str(path) + ".missing"), basemap.basemap_open(None):
        assert basemap._open_images == {}


def test_the_maps_take_cgcs2000_degrees_for_wgs84_and_web_mercator_by_its_formula(smooth):
    """PROJ joins CGCS2000 and WGS84 by a null step: the field maps' geo: links and the
    Pillow warp rely on it. Both are held here to PROJ's own transformations."""
    from pyproj import Transformer

    from rsgeo.outputs.maps.warp import _mercator_degrees, image_transformer

    lon, lat = np.meshgrid(np.linspace(97.5, 125.0, 12), np.linspace(18.0, 53.0, 12))
    wlon, wlat = Transformer.from_crs("EPSG:4490", "EPSG:4326", always_xy=True).transform(lon, lat)
    assert np.array_equal(wlon, lon) and np.array_equal(wlat, lat)
    # Web Mercator metres over the smooth image, to its CRS: the formula and the
    # CGCS2000 step against PROJ's EPSG:3857 transformation
    west, south, east, north = transform_bounds(smooth.crs, "EPSG:3857", *smooth.bounds)
    x, y = np.meshgrid(np.linspace(west, east, 9), np.linspace(south, north, 9))
    ours = image_transformer(smooth).transform(*_mercator_degrees(x, y))
    proj = Transformer.from_crs("EPSG:3857", smooth.crs.to_wkt(), always_xy=True).transform(x, y)
    assert np.abs(np.asarray(ours) - np.asarray(proj)).max() < 1e-6  # metres
