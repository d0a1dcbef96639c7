"""Offline imagery basemaps for the field maps: Web Mercator tiles of one map's area.

A crew's phone has no signal in the field, so the imagery under the patches
must travel with the page. The user gives one imagery file for the county
(``[maps] basemap``); each field map gets only the tiles of its own area:

* a **GeoTIFF** (any CRS) is warped to EPSG:3857 tile by tile, bilinear (a
  byte image without nodata by Pillow, :mod:`.warp`, within a few grey levels
  of GDAL's warper; any other image by GDAL's warper through
  :class:`rasterio.vrt.WarpedVRT`) and written as JPEG, or as PNG with
  transparency where the image does not cover the whole tile;
* an **MBTiles** file (SQLite, tiles in the TMS scheme: row 0 at the south,
  so ``row = 2**z - 1 - y``) gives its stored tiles as they are.

Zooms run from the zoom at which the area fills a phone screen (less one) up
to ``basemap_max_zoom`` or the imagery's own resolution. At a zoom where the
whole area takes more than :data:`FULL_AREA_TILES` tiles, only the tiles within
``basemap_margin_m`` of a patch are cut; if the map still needs more than
``basemap_max_tiles`` tiles, the highest zooms are dropped (with a warning).
"""

from __future__ import annotations

import contextlib
import functools
import math
import sqlite3
import warnings
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rsgeo.errors import DataFileError, InputError
from rsgeo.options import MapOptions
from rsgeo.outputs.maps.warp import image_transformer, pillow_warpable, warp_tile

__all__ = [
    "FULL_AREA_TILES",
    "TileSet",
    "basemap_open",
    "basemap_tiles",
    "embedded_index",
    "lonlat_to_tile",
    "tile_bounds_3857",
    "tile_range",
    "tiles_from_geotiff",
    "tiles_from_mbtiles",
    "write_tiles",
]

FULL_AREA_TILES = 64
"""Up to this many tiles a zoom covers the whole area; above, only near patches."""

TILE_PX = 256
_ORIGIN = 20037508.342789244  # half the Web Mercator world, metres
_MAX_LAT = 85.0511287798066

Box = tuple[float, float, float, float]
"""(west, south, east, north) in degrees."""


@dataclass(frozen=True)
class TileSet:
    """The basemap tiles of one map: ``(z, x, y)`` (XYZ scheme) to image bytes and type."""

    tiles: dict[tuple[int, int, int], tuple[bytes, str]] = field(default_factory=dict)
    min_zoom: int = 0
    max_zoom: int = 0
    name: str = ""

    def index(self) -> dict[str, str]:
        """``"z/x/y"`` to the file extension of each tile (the page looks tiles up here)."""
        return {f"{z}/{x}/{y}": ext for (z, x, y), (_, ext) in sorted(self.tiles.items())}

    def n_bytes(self) -> int:
        """Total size of the tile images."""
        return sum(len(data) for data, _ in self.tiles.values())


def lonlat_to_tile(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    """The XYZ tile holding a point (Web Mercator, as Leaflet and OSM count).

    Examples
    --------
    >>> lonlat_to_tile(0.0, 0.0, 1), lonlat_to_tile(-180.0, 85.0, 3)
    ((1, 1), (0, 0))
    """
    n = 2**zoom
    lat = max(-_MAX_LAT, min(_MAX_LAT, lat))
    x = (lon + 180.0) / 360.0 * n
    y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n
    return min(n - 1, max(0, math.floor(x))), min(n - 1, max(0, math.floor(y)))


def tile_range(box: Box, zoom: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1), inclusive, of the tiles that cover ``box`` at ``zoom``."""
    west, south, east, north = box
    x0, y0 = lonlat_to_tile(west, north, zoom)
    x1, y1 = lonlat_to_tile(east, south, zoom)
    return x0, y0, x1, y1


def tile_bounds_3857(z: int, x: int, y: int) -> Box:
    """(minx, miny, maxx, maxy) of a tile in EPSG:3857 metres."""
    size = 2 * _ORIGIN / 2**z
    return (
        -_ORIGIN + x * size,
        _ORIGIN - (y + 1) * size,
        -_ORIGIN + (x + 1) * size,
        _ORIGIN - y * size,
    )


def _fit_zoom(box: Box, screen_px: int = 360) -> int:
    """The zoom at which ``box`` fits in a phone screen ``screen_px`` wide and tall."""
    west, south, east, north = box
    width = max(east - west, 1e-9) / 360.0
    height = max(_merc_y(south) - _merc_y(north), 1e-12)
    span = max(width, height)
    return max(0, min(22, math.floor(math.log2(screen_px / (TILE_PX * span)))))


def _merc_y(lat: float) -> float:
    """Web Mercator y of a latitude, as a fraction of the world (0 north, 1 south)."""
    lat = max(-_MAX_LAT, min(_MAX_LAT, lat))
    return (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0


def _wanted(
    area: Box,
    near: Sequence[Box],
    zooms: Sequence[int],
    *,
    max_tiles: int,
    what: str,
) -> list[tuple[int, int, int]]:
    """The tiles to cut, zoom by zoom, within ``max_tiles`` (dropping the top zooms)."""
    out: list[tuple[int, int, int]] = []
    for z in zooms:
        x0, y0, x1, y1 = tile_range(area, z)
        if (x1 - x0 + 1) * (y1 - y0 + 1) <= FULL_AREA_TILES:
            level = {(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)}
        else:
            level = set()
            for box in near:
                a0, b0, a1, b1 = tile_range(box, z)
                level.update((z, x, y) for x in range(a0, a1 + 1) for y in range(b0, b1 + 1))
        if len(out) + len(level) > max_tiles:
            warnings.warn(
                f"{what}: the basemap is tiled up to zoom {z - 1} only; zoom {z} would pass "
                f"basemap_max_tiles={max_tiles} (raise it or lower basemap_max_zoom)",
                stacklevel=3,
            )
            break
        out.extend(sorted(level))
    return out


def _zooms(area: Box, options: MapOptions, native: int) -> list[int]:
    top = min(options.basemap_max_zoom, native)
    low = options.basemap_min_zoom
    if low is None:
        low = max(0, _fit_zoom(area) - 1)
    low = min(low, top)
    return list(range(low, top + 1))


def _need(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise DataFileError(f"basemap file not found: {p}")
    return p


# ------------------------------------------------------------------ MBTiles


def _image_type(data: bytes) -> str | None:
    if data[:3] == b"\xff\xd8\xff":
        return "jpg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def tiles_from_mbtiles(
    source: str | Path,
    area: Box,
    near: Sequence[Box],
    *,
    options: MapOptions,
    what: str = "field map",
) -> TileSet:
    """The stored tiles of an MBTiles file that the map's area needs.

    Parameters
    ----------
    source : str or Path
        The ``.mbtiles`` file (SQLite with a ``tiles`` table, TMS rows).
    area : tuple of float
        (west, south, east, north) of the map, in the basemap's datum.
    near : sequence of tuple of float
        Boxes around the patches (same datum): the tiles cut at zooms where
        the whole area would take more than :data:`FULL_AREA_TILES` tiles.
    options : MapOptions
        Zooms and the tile budget.
    what : str
        Name of the map, for warnings.

    Returns
    -------
    TileSet
        Tiles by XYZ ``(z, x, y)``; missing tiles are simply absent, and a
        file that does not cover the area gives an empty set.
    """
    path = _need(source)
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as err:  # pragma: no cover - sqlite opens lazily
        raise DataFileError(f"cannot open the MBTiles file {path}: {err}") from err
    try:
        try:
            levels = [int(r[0]) for r in con.execute("SELECT DISTINCT zoom_level FROM tiles")]
        except sqlite3.DatabaseError as err:
            raise DataFileError(
                f"{path} is not an MBTiles file (no readable tiles table): {err}"
            ) from err
        if not levels:
            raise InputError(f"the MBTiles file {path} holds no tiles")
        zooms = [z for z in _zooms(area, options, max(levels)) if z in levels]
        wanted = _wanted(area, near, zooms, max_tiles=options.basemap_max_tiles, what=what)
        tiles: dict[tuple[int, int, int], tuple[bytes, str]] = {}
        by_zoom: dict[int, list[tuple[int, int]]] = {}
        for z, x, y in wanted:
            by_zoom.setdefault(z, []).append((x, y))
        for z, cells in by_zoom.items():
            xs = [c[0] for c in cells]
            ys = [c[1] for c in cells]
            flip = 2**z - 1
            keep = set(cells)
            rows = con.execute(
                "SELECT tile_column, tile_row, tile_data FROM tiles WHERE zoom_level = ? "
                "AND tile_column BETWEEN ? AND ? AND tile_row BETWEEN ? AND ?",
                (z, min(xs), max(xs), flip - max(ys), flip - min(ys)),
            )
            for col, row, data in rows:
                x, y = int(col), flip - int(row)
                blob = bytes(data)
                kind = _image_type(blob)
                if (x, y) in keep and kind is not None:
                    tiles[(z, x, y)] = (blob, kind)
    finally:
        con.close()
    if not tiles:
        return TileSet(name=path.name)
    present = sorted({z for z, _, _ in tiles})
    return TileSet(tiles, min_zoom=present[0], max_zoom=present[-1], name=path.name)


# ------------------------------------------------------------------ GeoTIFF


def _native_zoom(src: Any) -> int:
    """The lowest zoom whose pixels are as fine as the image's."""
    from rasterio.warp import calculate_default_transform

    transform, _, _ = calculate_default_transform(
        src.crs, "EPSG:3857", src.width, src.height, *src.bounds
    )
    res = max(abs(transform.a), 1e-6)  # metres of Web Mercator per pixel
    return max(0, min(22, math.ceil(math.log2(2 * _ORIGIN / (TILE_PX * res)))))


def _stretch(src: Any, bands: list[int]) -> tuple[float, float] | None:
    """2–98 % stretch of a non-byte image, from a reduced read of the whole image."""
    if src.dtypes[0] == "uint8":
        return None
    scale = max(1, math.ceil(max(src.width, src.height) / 1024))
    shape = (len(bands), max(1, src.height // scale), max(1, src.width // scale))
    data = src.read(bands, out_shape=shape, masked=True)
    valid = np.asarray(data.compressed(), dtype="float64")
    valid = valid[np.isfinite(valid)]
    if not valid.size:
        return (0.0, 1.0)
    lo, hi = np.percentile(valid, [2, 98])
    return float(lo), float(max(hi, lo + 1e-9))


def _encode(image: Any, alpha: np.ndarray | None) -> tuple[bytes, str]:
    """A tile as JPEG (quality 85), or as PNG with ``alpha`` where the image covers part of it.

    ``image`` is an RGB :class:`PIL.Image.Image` or a (3, 256, 256) byte array.
    """
    import io

    from PIL import Image

    if isinstance(image, np.ndarray):
        image = Image.merge("RGB", [Image.fromarray(np.ascontiguousarray(b), "L") for b in image])
    out = io.BytesIO()
    if alpha is None:
        image.save(out, "JPEG", quality=85)
        return out.getvalue(), "jpg"
    rgba = image.copy()
    rgba.putalpha(Image.fromarray(alpha, "L"))
    rgba.save(out, "PNG")
    return out.getvalue(), "png"


@functools.lru_cache(maxsize=8)
def _image_facts(
    path: Path, mtime_ns: int, size: int
) -> tuple[Box, int, list[int], tuple[float, float] | None]:
    """A GeoTIFF's extent in degrees, native zoom, bands and stretch, worked out once.

    Keyed by the file's path, modification time and size, so every map of a
    run shares them and a changed file is read again.
    """
    import rasterio
    from rasterio.warp import transform_bounds

    with rasterio.open(path) as src:
        if src.crs is None:
            raise InputError(f"basemap {path} has no CRS (georeference it first)")
        extent = transform_bounds(src.crs, "EPSG:4326", *src.bounds)
        bands = [1, 2, 3] if src.count >= 3 else [1]
        return extent, _native_zoom(src), bands, _stretch(src, bands)


_TILE_CACHE_MAX = 4096
"""Tiles of GeoTIFF basemaps kept in a run (a few KB each): the maps of a
county share their low-zoom tiles and the tiles along their borders."""

_tile_cache: OrderedDict[tuple[Any, ...], tuple[bytes, str] | None] = OrderedDict()


def _geotiff_tile(
    src: Any,
    key: tuple[Any, ...],
    bands: list[int],
    stretch: tuple[float, float] | None,
    *,
    pillow: bool,
    to_image: Any = None,
) -> tuple[bytes, str] | None:
    """One Web Mercator tile of an open GeoTIFF (None where the image is absent), kept in a run.

    ``key`` is (path, mtime, size, z, x, y): a changed file is warped again.
    ``pillow``: a byte image without nodata, warped by :func:`.warp.warp_tile`;
    else GDAL's warper cuts the tile.
    """
    if key in _tile_cache:
        _tile_cache.move_to_end(key)
        return _tile_cache[key]
    z, x, y = key[-3:]
    tile: tuple[bytes, str] | None = None
    try:
        warped = warp_tile(src, z, x, y, bands, to_image=to_image) if pillow else None
    except ValueError:  # a tile corner the image's CRS cannot hold: GDAL's warper decides
        pillow = False
    if not pillow:
        tile = _gdal_tile(src, z, x, y, bands, stretch)
    elif warped is not None:
        tile = _encode(warped[0], warped[1])
    _tile_cache[key] = tile
    if len(_tile_cache) > _TILE_CACHE_MAX:
        _tile_cache.popitem(last=False)
    return tile


def _gdal_tile(
    src: Any, z: int, x: int, y: int, bands: list[int], stretch: tuple[float, float] | None
) -> tuple[bytes, str] | None:
    """One tile warped by GDAL (:class:`rasterio.vrt.WarpedVRT`, bilinear), stretched."""
    from rasterio.enums import Resampling
    from rasterio.transform import from_bounds
    from rasterio.vrt import WarpedVRT

    minx, miny, maxx, maxy = tile_bounds_3857(z, x, y)
    transform = from_bounds(minx, miny, maxx, maxy, TILE_PX, TILE_PX)
    with WarpedVRT(
        src,
        crs="EPSG:3857",
        transform=transform,
        width=TILE_PX,
        height=TILE_PX,
        resampling=Resampling.bilinear,
        add_alpha=True,
    ) as vrt:
        mask = vrt.read(vrt.count)
        if not mask.any():
            return None
        data = vrt.read(bands)
    if stretch is not None:
        lo, hi = stretch
        data = np.clip((data.astype("float64") - lo) * (255.0 / (hi - lo)), 0, 255)
        data = np.nan_to_num(data)
    image = data.astype("uint8")
    if image.shape[0] == 1:
        image = np.repeat(image, 3, axis=0)
    alpha = None if mask.all() else np.where(mask > 0, 255, 0).astype("uint8")
    return _encode(image, alpha)


_open_images: dict[tuple[str, int, int], Any] = {}
"""GeoTIFF basemaps held open by :func:`basemap_open`, by (path, mtime, size)."""


def _image_key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return (str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@contextlib.contextmanager
def basemap_open(source: str | Path | None) -> Iterator[None]:
    """Keep a GeoTIFF basemap open while the maps of a run are cut from it.

    Each map's :func:`tiles_from_geotiff` then reads the open image instead
    of opening the file again. Anything that is not a readable GeoTIFF is
    left to :func:`basemap_tiles` (and its errors) as it is.
    """
    path = None if source is None else Path(source)
    if path is None or path.suffix.lower() == ".mbtiles" or not path.is_file():
        yield
        return
    key = _image_key(path)
    try:
        import rasterio

        src = None if key in _open_images else rasterio.open(path)
    except Exception:  # basemap_tiles reports the file's problem
        src = None
    if src is None:
        yield
        return
    _open_images[key] = src
    try:
        yield
    finally:
        del _open_images[key]
        src.close()


def tiles_from_geotiff(
    source: str | Path,
    area: Box,
    near: Sequence[Box],
    *,
    options: MapOptions,
    what: str = "field map",
) -> TileSet:
    """Web Mercator tiles of a GeoTIFF over the map's area (needs rasterio).

    Parameters are those of :func:`tiles_from_mbtiles` (boxes in WGS84 /
    CGCS2000 degrees). Tiles the image does not touch are not written;
    tiles it covers in part are PNG with the rest transparent. The image's
    extent, zoom and stretch are worked out once per file, and a tile once
    per run (the maps of a county share many): each tile is warped on its
    own, so it is the same whichever map asks first.
    """
    try:
        import PIL  # noqa: F401 - the tiles are encoded (and most warped) with Pillow
        import rasterio
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            'a GeoTIFF basemap needs rasterio and Pillow: pip install "rsgeo[raster]"'
        ) from exc
    path = _need(source)
    image_key = _image_key(path)
    (w, s, e, n), native, bands, stretch = _image_facts(path, *image_key[1:])
    clip = (max(area[0], w), max(area[1], s), min(area[2], e), min(area[3], n))
    if clip[0] >= clip[2] or clip[1] >= clip[3]:
        return TileSet(name=path.name)
    zooms = _zooms(clip, options, native)
    near_in = [b for b in near if b[0] < e and b[2] > w and b[1] < n and b[3] > s]
    wanted = _wanted(clip, near_in, zooms, max_tiles=options.basemap_max_tiles, what=what)
    tiles: dict[tuple[int, int, int], tuple[bytes, str]] = {}
    held = _open_images.get(image_key)
    with contextlib.nullcontext(held) if held is not None else rasterio.open(path) as src:
        pillow = pillow_warpable(src)
        to_image = image_transformer(src) if pillow else None
        for z, x, y in wanted:
            key = (*image_key, z, x, y)
            tile = _geotiff_tile(src, key, bands, stretch, pillow=pillow, to_image=to_image)
            if tile is not None:
                tiles[(z, x, y)] = tile
    if not tiles:
        return TileSet(name=path.name)
    present = sorted({z for z, _, _ in tiles})
    return TileSet(tiles, min_zoom=present[0], max_zoom=present[-1], name=path.name)


def basemap_tiles(
    source: str | Path,
    area: Box,
    near: Sequence[Box],
    *,
    options: MapOptions,
    what: str = "field map",
) -> TileSet:
    """Tiles of a GeoTIFF or MBTiles basemap over one map's area (by file suffix)."""
    if str(source).lower().endswith(".mbtiles"):
        return tiles_from_mbtiles(source, area, near, options=options, what=what)
    return tiles_from_geotiff(source, area, near, options=options, what=what)


def write_tiles(tileset: TileSet, folder: Path) -> None:
    """Write the tiles as ``folder/z/x/y.ext`` (replacing the folder's tiles)."""
    made: set[tuple[int, int]] = set()
    for (z, x, y), (data, ext) in tileset.tiles.items():
        column = folder / str(z) / str(x)
        if (z, x) not in made:  # a folder per column of tiles, made once
            column.mkdir(parents=True, exist_ok=True)
            made.add((z, x))
        with open(column / f"{y}.{ext}", "wb") as out:
            out.write(data)


def embedded_index(tileset: TileSet) -> dict[str, str]:
    """``"z/x/y"`` to a ``data:`` URI of each tile, to inline in the page."""
    import base64

    mime = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
    return {
        f"{z}/{x}/{y}": f"data:{mime[ext]};base64,{base64.b64encode(data).decode('ascii')}"
        for (z, x, y), (data, ext) in sorted(tileset.tiles.items())
    }
