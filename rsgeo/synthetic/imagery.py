"""Tiny synthetic before/after image chips (GeoTIFF) for a handful of patches.

Not satellite imagery: a textured green background and, in the "after" chip,
the patch drawn as bare/built ground, so dossiers and change detection have
something to show. 96 × 96 pixels, three bands, EPSG:4545, DEFLATE.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from rsgeo.synthetic.county import SampleBuild

__all__ = ["write_chips"]

SIZE = 96


def _texture(rng: np.random.Generator) -> np.ndarray:
    base: np.ndarray = np.array([70.0, 110.0, 60.0])
    noise: np.ndarray = rng.normal(0.0, 1.0, size=(SIZE // 8, SIZE // 8, 3))
    noise = np.kron(noise, np.ones((8, 8, 1)))
    img = base + 18.0 * noise + rng.normal(0.0, 6.0, size=(SIZE, SIZE, 3))
    return np.asarray(np.clip(img, 0, 255).transpose(2, 0, 1), dtype=np.uint8)


def write_chips(build: SampleBuild, folder: Path) -> list[str]:
    """Write before/after chips for a few patches; returns paths relative to the sample root."""
    try:
        import rasterio
        from rasterio.features import rasterize
        from rasterio.transform import from_bounds
    except ImportError as exc:  # pragma: no cover
        raise ImportError('image chips need rasterio: pip install "rsgeo[raster]"') from exc
    import shapely

    wanted = ("counted", "reappear_again", "legal")
    chosen = []
    for tag in wanted:
        for s in build.specs:
            if s.crafted == tag:
                chosen.append(s)
                break
    chosen += [s for s in build.specs if s.det is not None and "稀土" in s.det.actual_use][:1]
    folder.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    for k, s in enumerate(chosen):
        rng = np.random.default_rng([build.seed, 20, k])
        geom = shapely.make_valid(s.geom)
        minx, miny, maxx, maxy = geom.buffer(60.0).bounds
        side = max(maxx - minx, maxy - miny)
        cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
        transform = from_bounds(
            cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2, SIZE, SIZE
        )
        before = _texture(rng)
        mask = rasterize([(geom, 1)], out_shape=(SIZE, SIZE), transform=transform).astype(bool)
        after = before.copy()
        ground = np.array([185, 178, 165])[:, None] + rng.normal(0, 8, size=(3, int(mask.sum())))
        after[:, mask] = np.clip(ground, 0, 255).astype(np.uint8)
        for label, img, date in (("before", before, s.qsx), ("after", after, s.hsx)):
            name = f"{s.jcbh}_{label}.tif"
            profile = {
                "driver": "GTiff",
                "width": SIZE,
                "height": SIZE,
                "count": 3,
                "dtype": "uint8",
                "crs": "EPSG:4545",
                "transform": transform,
                "compress": "deflate",
                "photometric": "RGB",
            }
            with rasterio.open(folder / name, "w", **profile) as dst:
                dst.write(img)
                dst.update_tags(
                    JCBH=s.jcbh, ACQUISITION_DATE=str(date), NOTE="synthetic chip, not imagery"
                )
            written.append(f"imagery/{name}")
    return written
