"""A basemap for the bundled sample's field maps, drawn from its land-use layer.

The sample has no county imagery. So that its field maps show something
under the patches, as they do with a county's own GeoTIFF (``[maps]
basemap``), the sample ships a GeoTIFF **drawn from its synthetic land-use
layer** (DLTB), each parcel coloured by its 地类编码 (GB/T 21010): a map, not
imagery, and synthetic like the layer it comes from. Rebuild it with::

    python -m rsgeo.synthetic.basemap --out data

Examples
--------
>>> import numpy as np
>>> land_class_index(np.array(["0101", "0301", "1101", "2030", "9999"])).tolist()
[0, 2, 9, 7, 10]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt

__all__ = [
    "BASEMAP_FILE",
    "LAND_COLOURS",
    "land_class_index",
    "land_use_basemap",
    "write_sample_basemap",
]

BASEMAP_FILE = "basemap/土地利用底图_示例.tif"
"""Where the sample's basemap lies under ``data/``."""

LAND_COLOURS: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("01", (238, 226, 140)),  # 耕地
    ("02", (196, 232, 150)),  # 园地
    ("03", (96, 158, 92)),  # 林地
    ("04", (170, 206, 112)),  # 草地
    ("05", (206, 150, 140)),  # 商服
    ("06", (196, 140, 132)),  # 工矿
    ("07", (214, 156, 146)),  # 住宅
    ("20", (206, 150, 140)),  # 城镇村及工矿
    ("10", (172, 172, 172)),  # 交通
    ("11", (122, 172, 226)),  # 水域
)
"""Colour of each 地类编码 prefix; other codes and the space between parcels are pale."""

OTHER_COLOUR = (236, 234, 222)


def land_class_index(codes: Sequence[str] | npt.NDArray[np.str_]) -> npt.NDArray[np.uint8]:
    """Index into ``LAND_COLOURS`` of each code (``len(LAND_COLOURS)``: another class)."""
    text = np.asarray(codes, dtype=str)
    index = np.full(len(text), len(LAND_COLOURS), dtype="uint8")
    for k, (prefix, _) in enumerate(LAND_COLOURS):
        index[np.char.startswith(text, prefix)] = k
    return index


def land_use_basemap(
    land: gpd.GeoDataFrame,
    path: str | Path,
    *,
    bounds: tuple[float, float, float, float] | None = None,
    pixel_m: float = 25.0,
    code_column: str = "land_class_code",
) -> Path:
    """Write an RGB GeoTIFF of ``land`` coloured by 地类编码, in the layer's (projected) CRS.

    Parameters
    ----------
    land : GeoDataFrame
        Land-use parcels in a projected CRS in metres, with their codes in
        ``code_column``.
    path : str or Path
        The GeoTIFF to write (DEFLATE-compressed).
    bounds : (minx, miny, maxx, maxy), optional
        The area drawn; the layer's extent by default.
    pixel_m : float, default 25.0
        Pixel size in metres.
    code_column : str, default "land_class_code"

    Returns
    -------
    Path
    """
    import rasterio
    from rasterio.features import rasterize
    from rasterio.transform import from_origin

    if land.crs is None or not land.crs.is_projected:
        raise ValueError("land_use_basemap needs a layer in a projected CRS in metres")
    minx, miny, maxx, maxy = bounds if bounds is not None else tuple(land.total_bounds)
    width = max(1, int(np.ceil((maxx - minx) / pixel_m)))
    height = max(1, int(np.ceil((maxy - miny) / pixel_m)))
    transform = from_origin(minx, maxy, pixel_m, pixel_m)
    inside = land.cx[minx:maxx, miny:maxy]
    index = land_class_index(inside[code_column].astype(str).to_numpy())
    drawn = rasterize(
        zip(inside.geometry, index, strict=True),
        out_shape=(height, width),
        transform=transform,
        fill=len(LAND_COLOURS),
        dtype="uint8",
    )
    palette = np.array([c for _, c in LAND_COLOURS] + [OTHER_COLOUR], dtype="uint8")
    rgb = np.moveaxis(palette[drawn], -1, 0)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 3,
        "dtype": "uint8",
        "crs": land.crs,
        "transform": transform,
        "compress": "deflate",
        "tiled": True,
    }
    with rasterio.open(out, "w", **profile) as dst:
        dst.write(rgb)
    return out


def write_sample_basemap(data_dir: str | Path, *, pixel_m: float = 40.0) -> Path:
    """The sample's basemap: its land-use layer over the county (with 500 m around it)."""
    from rsgeo.io.reading import read_layer

    data = Path(data_dir)
    land = read_layer(data / "landuse" / "dltb.gpkg")
    minx, miny, maxx, maxy = land.total_bounds
    margin = 500.0
    return land_use_basemap(
        land,
        data / BASEMAP_FILE,
        bounds=(minx - margin, miny - margin, maxx + margin, maxy + margin),
        pixel_m=pixel_m,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("data"), help="the sample's data folder")
    parser.add_argument("--pixel-m", type=float, default=40.0)
    args = parser.parse_args(argv)
    print(write_sample_basemap(args.out, pixel_m=args.pixel_m))


if __name__ == "__main__":  # pragma: no cover
    main()
