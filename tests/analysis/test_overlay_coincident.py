"""Near-coincident boundaries: a layer overlaid with its own copy after a CRS round trip.

Sending EPSG:4545 coordinates to CGCS2000 lon/lat and back moves every
vertex by about 1e-9 m, so each parcel's credited area inside the union of
the copies is the parcel's own area to far below a square millimetre; the
parcel's own area bounds it. The overlay is run through ``rsgeo.overlay``,
the entry point the library uses.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from rsgeo.analysis.layer_overlay import overlay
from rsgeo.io.sample import sample_path
from rsgeo.synthetic import province as pv

TOLERANCE_M2 = 0.005
CULTIVATED = ["0101", "0102", "0103"]  # DLBM


def _round_trip(geoms: np.ndarray) -> np.ndarray:
    """The geometries sent EPSG:4545 -> EPSG:4490 -> EPSG:4545 with pyproj."""
    fwd = pyproj.Transformer.from_crs(4545, 4490, always_xy=True)
    back = pyproj.Transformer.from_crs(4490, 4545, always_xy=True)

    def move(xy: np.ndarray) -> np.ndarray:
        lon, lat = fwd.transform(xy[:, 0], xy[:, 1])
        x, y = back.transform(lon, lat)
        return np.column_stack([x, y])

    return shapely.transform(geoms, move)


def _credited_minus_own(geoms: np.ndarray) -> np.ndarray:
    """Per parcel: area credited inside the union of the copies minus its own area."""
    copy = _round_trip(geoms)
    moved = np.abs(shapely.get_coordinates(copy) - shapely.get_coordinates(geoms))
    assert 0 < moved.max() < 1e-8  # the copy does differ, by nanometres
    ids = pd.Index([f"P{i}" for i in range(len(geoms))], name="patch_id", dtype="str")
    parcels = gpd.GeoDataFrame(geometry=list(geoms), index=ids, crs=4545)
    layer = gpd.GeoDataFrame(geometry=list(copy), crs=4545)
    res = overlay(parcels, {"copy": layer}, min_piece_m2=0.0)
    return (res["copy_m2"] - res["area_m2"]).to_numpy()


def test_sample_parcels_against_their_round_trip_copy():
    dltb = gpd.read_file(sample_path("landuse", "dltb.gpkg"))
    assert dltb.crs.to_epsg() == 4545
    cultivated = dltb[dltb["DLBM"].astype(str).str.strip().isin(CULTIVATED)]
    geoms = np.asarray(cultivated.geometry.array, dtype=object)
    assert len(geoms) > 4000 and shapely.is_valid(geoms).all()
    diff = _credited_minus_own(geoms)
    assert np.abs(diff).max() <= TOLERANCE_M2, np.sort(np.abs(diff))[-5:]


def test_synthetic_province_against_its_round_trip_copy():
    # 20,000 parcels of 10 ha on average, with duplicates and overlapping copies:
    # 2,000 km² spread over 45 km of the zone
    farm = pv.make_farmland(20_000, mean_area_m2=100_000.0, seed=21)
    geoms = np.asarray(farm.geometry.array, dtype=object)
    diff = _credited_minus_own(geoms)
    assert np.abs(diff).max() <= TOLERANCE_M2, np.sort(np.abs(diff))[-5:]
