"""The overlay's preparation: only the features the patches can touch are worked on.

References are independent of the preparation: pandas string operations
for the cultivated-land filter, and GEOS intersection areas of every patch
with every feature for the figures.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

from rsgeo.analysis.layer_overlay import overlay
from rsgeo.analysis.overlay_inputs import _cultivated
from rsgeo.schema.vocabulary import CULTIVATED_CLASSES

X0, Y0 = 600_000.0, 2_800_000.0


def test_cultivated_mask_equals_string_filter() -> None:
    vals = ["0103", "0301", " 0101", None, np.nan, "0102 ", "01", 101, "0101", "", "0103"]
    layer = gpd.GeoDataFrame({"land_class_code": vals}, geometry=[box(0, 0, 1, 1)] * len(vals))
    codes = layer["land_class_code"].astype("string").str.strip()
    ref = codes.isin(CULTIVATED_CLASSES).fillna(False).to_numpy(dtype=bool)
    assert _cultivated(layer).tolist() == ref.tolist()
    assert _cultivated(layer.drop(columns="land_class_code")).all()


def test_far_features_change_nothing() -> None:
    """A layer of many far features and a few near ones: figures as GEOS gives them."""
    rng = np.random.default_rng(3)
    near = [box(X0 + x, Y0 + y, X0 + x + 40, Y0 + y + 40) for x, y in rng.uniform(0, 300, (30, 2))]
    far = [
        box(X0 + x, Y0 + y, X0 + x + 40, Y0 + y + 40)
        for x, y in rng.uniform(5_000, 60_000, (3_000, 2))
    ]
    codes = ["0101", "0301"] * 15 + ["0103"] * 3_000
    layer = gpd.GeoDataFrame({"land_class_code": codes}, geometry=near + far, crs=4545)
    layer = layer.sample(frac=1.0, random_state=1).reset_index(drop=True)  # mixed order
    patches = gpd.GeoDataFrame(
        geometry=[box(X0 + 50 * k, Y0 + 20, X0 + 50 * k + 60, Y0 + 90) for k in range(6)],
        index=pd.Index([f"P{k}" for k in range(6)], name="patch_id"),
        crs=4545,
    )
    got = overlay(patches, {"farmland": layer}, min_piece_m2=0.0, progress=False)
    # reference: GEOS, the union of the cultivated features inside each patch (plane areas
    # scaled by the patch's own ellipsoidal/plane ratio, which the overlay reports as area_m2)
    cult = layer.loc[layer["land_class_code"].isin(CULTIVATED_CLASSES)]
    union = shapely.union_all(np.asarray(cult.geometry.array))
    for pid, geom in patches.geometry.items():
        ratio = got.loc[pid, "area_m2"] / geom.area
        expect = shapely.intersection(geom, union).area * ratio
        assert abs(got.loc[pid, "farmland_m2"] - expect) <= 1e-6 * max(expect, 1.0)
