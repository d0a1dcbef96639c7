"""One Web Mercator tile of a byte GeoTIFF, resampled with Pillow.

GDAL's warper (:class:`rasterio.vrt.WarpedVRT`) spends 3–14 ms on a 256 px
tile (the coordinate transform of every pixel and a general bilinear kernel);
a county's field maps cut a few hundred tiles. Here a tile is drawn in about
1 ms with the same rules:

* **where each tile pixel samples the image**: the centre of the pixel, taken
  to the image's CRS with PROJ exactly at the corners of 64 px cells and
  bilinearly between them (Pillow's ``MESH`` transform; the mapping is smooth,
  so within a cell it is off by far less than GDAL's own approximation of
  0.125 px);
* **the value there**: bilinear between the four nearest image pixels, the
  edge pixels repeated at the image's border (what GDAL's renormalised
  weights give there);
* **which tile pixels are covered**: those whose centre falls inside the
  image, as GDAL's destination alpha;
* **at zooms coarser than the image**, where one tile pixel spans ``r`` > 1.5
  image pixels, the image is first averaged over 2ᵏ × 2ᵏ blocks (2ᵏ ≤ r, as
  GDAL's average overviews) and sampled bilinearly there.

``tests/outputs/test_maps_warp.py`` compares the tiles with GDAL's per-tile
warp: at the image's own resolution they agree within a few grey levels
(mean under 0.1); at the coarser zooms the block average smooths edges a
little differently (the tolerances are stated in the test).

Only a byte image without nodata or mask takes this road
(:func:`pillow_warpable`); others are warped by GDAL tile by tile.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

__all__ = ["CELL_PX", "image_transformer", "pillow_warpable", "warp_tile"]

CELL_PX = 64
"""Side of the mesh cells whose corners are projected exactly."""

_TILE_PX = 256
_ORIGIN = 20037508.342789244
_DEGREES_CRS = "EPSG:4490"
"""CGCS2000 longitude/latitude, the maps' display CRS."""
_REDUCE_FROM = 1.5
"""Image pixels per tile pixel from which the image is averaged first."""


def pillow_warpable(src: Any) -> bool:
    """Whether an open image can be warped here: byte bands, no nodata, no mask."""
    from rasterio.enums import MaskFlags

    return (
        all(dtype == "uint8" for dtype in src.dtypes)
        and src.nodata is None
        and all(flags == [MaskFlags.all_valid] for flags in src.mask_flag_enums)
    )


@functools.lru_cache(maxsize=8)
def _to_image_crs(crs_wkt: str) -> Any:
    from pyproj import Transformer

    return Transformer.from_crs(_DEGREES_CRS, crs_wkt, always_xy=True)


def image_transformer(src: Any) -> Any:
    """The transformation from CGCS2000 degrees to an open image's CRS (made once per CRS).

    Web Mercator is taken to degrees by its formula (:func:`_mercator_degrees`);
    PROJ joins its WGS84 to CGCS2000 by a null ("ballpark") step, so this is
    PROJ's own EPSG:3857 transformation, without the search for a datum
    transformation that its set-up costs (about 0.08 s a run).
    """
    return _to_image_crs(src.crs.to_wkt())


def _mercator_degrees(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of Web Mercator metres (the spherical formula of EPSG:3857)."""
    radius = _ORIGIN / math.pi
    return np.degrees(x / radius), np.degrees(np.arctan(np.sinh(y / radius)))


def _grid(src: Any, z: int, x: int, y: int, to_image: Any) -> tuple[np.ndarray, np.ndarray]:
    """Image pixel coordinates (column, row; 0 at the image's edge) of the cell corners."""
    size = 2 * _ORIGIN / 2**z
    minx, maxy = -_ORIGIN + x * size, _ORIGIN - y * size
    n = _TILE_PX // CELL_PX
    steps = np.arange(n + 1) * (size / n)
    gx, gy = np.meshgrid(minx + steps, maxy - steps)
    sx, sy = to_image.transform(*_mercator_degrees(gx, gy))
    inv = ~src.transform
    col = inv.a * sx + inv.b * sy + inv.c
    row = inv.d * sx + inv.e * sy + inv.f
    return np.asarray(col, dtype="float64"), np.asarray(row, dtype="float64")


def _pixel_coords(grid: np.ndarray) -> np.ndarray:
    """Coordinates at every pixel centre, bilinear between the cell corners (as ``MESH``)."""
    n = grid.shape[0] - 1
    t = (np.arange(_TILE_PX) + 0.5) / CELL_PX  # pixel centre, in cells
    k = np.minimum(np.floor(t).astype(int), n - 1)
    f = (t - k)[:, None]
    rows = grid[k] * (1 - f) + grid[k + 1] * f  # (pixel row, corner column)
    out: np.ndarray = rows[:, k] * (1 - f.T) + rows[:, k + 1] * f.T
    return out


def warp_tile(
    src: Any, z: int, x: int, y: int, bands: list[int], *, to_image: Any = None
) -> tuple[Any, np.ndarray | None] | None:
    """Tile ``(z, x, y)`` of an open byte image: an RGB :class:`PIL.Image.Image` and the
    alpha (256, 256) of the pixels the image covers (None when it covers the whole
    tile), or None where it covers none of it.

    Parameters
    ----------
    src : rasterio.DatasetReader
        The image (:func:`pillow_warpable`), in any projected or geographic CRS.
    z, x, y : int
        The tile (XYZ scheme).
    bands : list of int
        Three bands (red, green, blue) or one (grey, repeated).
    to_image : pyproj.Transformer, optional
        :func:`image_transformer` of ``src``, when the caller cuts many tiles.
    """
    from PIL import Image
    from rasterio.windows import Window

    col, row = _grid(src, z, x, y, to_image or image_transformer(src))
    if not (np.isfinite(col).all() and np.isfinite(row).all()):
        raise ValueError(f"tile {z}/{x}/{y} is outside the image CRS's domain")
    if col.max() <= 0 or row.max() <= 0 or col.min() >= src.width or row.min() >= src.height:
        return None
    # image pixels per tile pixel, along the tile's rows and columns
    ratio = (
        max(
            float(np.hypot(np.diff(col, axis=1), np.diff(row, axis=1)).max()),
            float(np.hypot(np.diff(col, axis=0), np.diff(row, axis=0)).max()),
        )
        / CELL_PX
    )
    f = 2 ** max(0, math.floor(math.log2(ratio))) if ratio >= _REDUCE_FROM else 1
    # the window: every pixel a bilinear tap may touch, aligned to the blocks
    c0 = max(0, (math.floor(col.min()) - 2 * f) // f * f)
    r0 = max(0, (math.floor(row.min()) - 2 * f) // f * f)
    c1 = min(src.width, math.ceil(col.max()) + 2 * f)
    r1 = min(src.height, math.ceil(row.max()) + 2 * f)
    data = src.read(bands, window=Window(c0, r0, c1 - c0, r1 - r0))
    planes = [Image.fromarray(band, "L") for band in data]
    image = planes[0] if len(planes) == 1 else Image.merge("RGB", planes)
    if f > 1:
        image = image.reduce(f)
    u, v = (col - c0) / f, (row - r0) / f
    n = _TILE_PX // CELL_PX
    mesh = [
        (
            (j * CELL_PX, i * CELL_PX, (j + 1) * CELL_PX, (i + 1) * CELL_PX),
            (
                float(u[i, j]),
                float(v[i, j]),
                float(u[i + 1, j]),
                float(v[i + 1, j]),
                float(u[i + 1, j + 1]),
                float(v[i + 1, j + 1]),
                float(u[i, j + 1]),
                float(v[i, j + 1]),
            ),
        )
        for i in range(n)
        for j in range(n)
    ]
    out = image.transform(
        (_TILE_PX, _TILE_PX),
        Image.Transform.MESH,
        mesh,
        resample=Image.Resampling.BILINEAR,
    )
    rgb = out if out.mode == "RGB" else out.convert("RGB")
    # a margin of a pixel for the mesh's bilinear corners: inside it, every centre is covered
    inside = (col.min() >= 1, row.min() >= 1, col.max() <= src.width - 1)
    if all(inside) and row.max() <= src.height - 1:
        return rgb, None
    pc, pr = _pixel_coords(col), _pixel_coords(row)
    covered = (pc >= 0) & (pc < src.width) & (pr >= 0) & (pr < src.height)
    if not covered.any():
        return None
    if covered.all():
        return rgb, None
    return rgb, np.where(covered, 255, 0).astype("uint8")
