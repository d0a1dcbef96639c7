"""The sample's basemap, drawn from its land-use layer (rsgeo.synthetic.basemap)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from shapely.geometry import box

from rsgeo.io.reading import read_layer
from rsgeo.synthetic.basemap import BASEMAP_FILE, LAND_COLOURS, OTHER_COLOUR, land_use_basemap

DATA = Path(__file__).resolve().parents[2] / "data"


def _colour(prefix: str) -> tuple[int, int, int]:
    return dict(LAND_COLOURS)[prefix]


def test_parcels_are_drawn_in_the_colour_of_their_class(tmp_path: Path) -> None:
    """Three squares of cultivated land, forest and water, a pixel read back at the
    centre of each and one between them; the GeoTIFF carries the layer's CRS and
    its pixel size."""
    x0, y0 = 500000.0, 2800000.0
    land = gpd.GeoDataFrame(
        {"land_class_code": ["0101", "0301", "1101"]},
        geometry=[
            box(x0, y0, x0 + 200, y0 + 200),
            box(x0 + 400, y0, x0 + 600, y0 + 200),
            box(x0, y0 + 400, x0 + 200, y0 + 600),
        ],
        crs=4545,
    )
    tif = land_use_basemap(
        land, tmp_path / "b.tif", bounds=(x0, y0, x0 + 600, y0 + 600), pixel_m=10
    )
    with rasterio.open(tif) as src:
        assert src.crs.to_epsg() == 4545 and src.res == (10.0, 10.0) and src.count == 3
        rgb = src.read()
        for (x, y), want in (
            ((x0 + 100, y0 + 100), _colour("01")),
            ((x0 + 500, y0 + 100), _colour("03")),
            ((x0 + 100, y0 + 500), _colour("11")),
            ((x0 + 500, y0 + 500), OTHER_COLOUR),
        ):
            row, col = src.index(x, y)
            assert tuple(rgb[:, row, col]) == want, (x, y)
    with pytest.raises(ValueError, match="projected"):
        land_use_basemap(land.to_crs(4490), tmp_path / "c.tif")


def test_the_shipped_basemap_covers_the_land_use_and_is_listed() -> None:
    manifest = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"]["basemap"] == BASEMAP_FILE
    land = read_layer(DATA / "landuse" / "dltb.gpkg")
    with rasterio.open(DATA / BASEMAP_FILE) as src:
        assert src.crs.to_epsg() == land.crs.to_epsg()
        left, bottom, right, top = src.bounds
        minx, miny, maxx, maxy = land.total_bounds
        assert left <= minx and bottom <= miny and right >= maxx and top >= maxy
        # a parcel's centre has its class colour (a large parcel: its centre pixel lies inside)
        big = land.loc[land.geometry.area.idxmax()]
        point = big.geometry.representative_point()
        row, col = src.index(point.x, point.y)
        pixel = tuple(src.read(window=((row, row + 1), (col, col + 1)))[:, 0, 0])
        code = str(big["land_class_code"])
        assert pixel == dict(LAND_COLOURS).get(code[:2], OTHER_COLOUR)
    assert (DATA / BASEMAP_FILE).stat().st_size < 1_000_000
    assert np.isfinite(land.total_bounds).all()
