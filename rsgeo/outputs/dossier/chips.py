"""Imagery chips of a patch dossier: the before/after rasters cut around the patch.

Chips are cut from the county's before/after rasters with rasterio and keep
the rasters' own pixels (reduced only above :data:`CHIP_MAX_PIXELS`), are
contrast-stretched and written as JPEG. The patch's outline is not burnt in:
it is returned as rings in fractions of the picture (:data:`Outline`), and the
HTML and the PDF draw it over the picture as lines in :data:`CHIP_OUTLINE_RGB`.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["CHIP_JPEG_QUALITY", "CHIP_MAX_PIXELS", "CHIP_OUTLINE_RGB", "Outline", "imagery_chip"]

CHIP_JPEG_QUALITY = 80
"""JPEG quality of the imagery chips: photographs of the ground, about a sixth of the bytes
of a PNG (3–4 KB for the sample's chips of 87–96 px); the PDF embeds the file as it is."""

CHIP_OUTLINE_RGB = (255, 222, 0)
"""The colour of the patch's outline over the imagery chips (yellow: it stands out on
both bare soil and vegetation)."""


def _stretch(band: np.ndarray) -> np.ndarray:
    valid = band[np.isfinite(band)]
    if valid.size == 0:
        return np.zeros_like(band, dtype="float64")
    lo, hi = np.percentile(valid, [2, 98])
    if hi <= lo:
        hi = lo + 1
    return np.clip((band - lo) / (hi - lo), 0, 1)


Outline = list[list[tuple[float, float]]]
"""Rings of a patch's outline over a picture, in fractions of its width and height from
its top left corner (exterior and holes alike, each part of a multipolygon)."""

CHIP_MAX_PIXELS = 400
"""The most pixels on a chip's longer side: about what the dossier prints (two chips side
by side on A4, 88 mm each). A window of fewer raster pixels is kept as it is, never enlarged."""


def _outline_fractions(
    geom: Any, box: tuple[float, float, float, float], tolerance: float
) -> Outline:
    """The rings of ``geom`` (simplified to ``tolerance``) as fractions of ``box``."""
    import shapely

    left, bottom, right, top = box
    width, height = right - left, top - bottom
    rings: Outline = []
    simple = shapely.simplify(geom, tolerance, preserve_topology=True)
    for part in shapely.get_parts(simple):
        if part.geom_type != "Polygon" or part.is_empty:
            continue
        for ring in (part.exterior, *part.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            fx = np.round((xy[:, 0] - left) / width, 4)
            fy = np.round((top - xy[:, 1]) / height, 4)
            rings.append([(float(a), float(b)) for a, b in zip(fx, fy, strict=True)])
    return rings


def imagery_chip(
    raster: str | Path,
    geom: Any,
    crs: Any,
    out_path: Path,
    *,
    margin_m: float,
    max_pixels: int = CHIP_MAX_PIXELS,
) -> Outline | None:
    """Cut a chip around ``geom`` (in ``crs``) from ``raster``, contrast-stretched, and write
    it to ``out_path`` as a JPEG (:data:`CHIP_JPEG_QUALITY`).

    The chip keeps the raster's own pixels (at most ``max_pixels`` on its longer side:
    a larger window is reduced, a smaller one is never enlarged). The patch's outline is
    not burnt in: it is returned, for the HTML and the PDF to draw over the picture as
    lines that stay sharp at any size.

    Returns the outline's rings as fractions of the chip (:data:`Outline`), or None (and
    writes nothing) when the raster does not cover the patch.
    """
    try:
        import rasterio
        from PIL import Image
        from rasterio.enums import Resampling
        from rasterio.warp import transform_bounds
        from rasterio.windows import Window, from_bounds
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            'imagery chips need rasterio and Pillow: pip install "rsgeo[dossier]"'
        ) from exc
    import geopandas as gpd
    from pyproj import CRS

    minx, miny, maxx, maxy = geom.bounds
    bounds = (minx - margin_m, miny - margin_m, maxx + margin_m, maxy + margin_m)
    with warnings.catch_warnings(), rasterio.open(raster) as src:
        # rasterio's own use of affine's "*" operator warns; nothing to act on here
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        src_crs = CRS.from_wkt(src.crs.to_wkt()) if src.crs is not None else crs
        reproject = src_crs is not None and crs is not None and not CRS(src_crs).equals(crs)
        if reproject:
            bounds = transform_bounds(crs.to_wkt(), src.crs, *bounds, densify_pts=21)
        win = from_bounds(*bounds, transform=src.transform)
        full = Window(0, 0, src.width, src.height)
        try:
            win = win.intersection(full)
        except Exception:
            return None
        if win.width < 1 or win.height < 1:
            return None
        win = win.round_offsets().round_lengths()
        scale = max(win.width, win.height) / max_pixels
        out_w = max(1, round(win.width / max(scale, 1)))
        out_h = max(1, round(win.height / max(scale, 1)))
        bands = list(range(1, min(3, src.count) + 1))
        data = (
            src.read(
                bands,
                window=win,
                out_shape=(len(bands), out_h, out_w),
                resampling=Resampling.bilinear,
                masked=True,
            )
            .astype("float64")
            .filled(np.nan)
        )
        box = rasterio.windows.bounds(win, src.transform)
    outline = geom
    if reproject:
        outline = gpd.GeoSeries([geom], crs=crs).to_crs(src_crs).iloc[0]
    if len(bands) >= 3:
        rgb = np.dstack([_stretch(b) for b in data[:3]])
    else:
        rgb = np.dstack([_stretch(data[0])] * 3)
    pixels = np.nan_to_num(rgb * 255 + 0.5).astype("uint8")
    Image.fromarray(pixels, "RGB").save(
        out_path, format="JPEG", quality=CHIP_JPEG_QUALITY, optimize=True
    )
    pixel_size = (box[2] - box[0]) / out_w
    return _outline_fractions(outline, box, pixel_size / 4)
