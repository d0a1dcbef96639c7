"""Several deliveries (batches) of patches as one patch table.

A patch delivered again in a later batch (the same JCBH) is kept once: the row
of the latest batch wins, ``batch`` names it and ``batches`` lists every batch
the patch was delivered in. ``rsgeo run`` combines the job's batches with
:func:`combine_batches`, in the order of the job file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import pandas as pd

from rsgeo.errors import CRSMismatchError, InputError

__all__ = ["combine_batches"]


def combine_batches(batches: Mapping[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """One row per patch id from several batches, the latest batch winning.

    Parameters
    ----------
    batches : mapping of str to GeoDataFrame
        Batch name → patches (from :func:`rsgeo.read_patches`), oldest first,
        all in one CRS. Not modified.

    Returns
    -------
    GeoDataFrame
        Indexed by ``patch_id``, with ``batch`` and ``batches`` (``"; "``-joined).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> a = gpd.GeoDataFrame({"x": [1, 2]}, geometry=[box(0, 0, 1, 1)] * 2,
    ...                      index=pd.Index(["p1", "p2"], name="patch_id"), crs=4545)
    >>> b = gpd.GeoDataFrame({"x": [3]}, geometry=[box(0, 0, 1, 1)],
    ...                      index=pd.Index(["p2"], name="patch_id"), crs=4545)
    >>> combine_batches({"Q1": a, "Q2": b})[["x", "batch", "batches"]].to_dict("index")
    {'p1': {'x': 1, 'batch': 'Q1', 'batches': 'Q1'}, 'p2': {'x': 3, 'batch': 'Q2', 'batches': 'Q1; Q2'}}
    """
    if not batches:
        raise InputError("combine_batches needs at least one batch")
    crss = {name: gdf.crs for name, gdf in batches.items()}
    first = next(iter(crss.values()))
    odd = [name for name, crs in crss.items() if crs != first]
    if odd:
        raise CRSMismatchError(
            f"batches {odd} are not in the CRS of the first batch ({first}); "
            "reproject them first (gdf.to_crs(...))"
        )
    tagged = []
    for name, gdf in batches.items():
        g = gdf.copy()
        g["batch"] = name
        tagged.append(g)
    allp = pd.concat(tagged)
    # the batches of each id delivered more than once, in the order of the job file
    again = allp.index.duplicated(keep=False)
    seen: dict[Any, dict[str, None]] = {}
    for pid, name in zip(allp.index[again].tolist(), allp["batch"][again].tolist(), strict=True):
        seen.setdefault(pid, {})[name] = None
    latest = allp[~allp.index.duplicated(keep="last")].copy()
    latest["batches"] = pd.Series(
        [
            "; ".join(seen[pid]) if pid in seen else name
            for pid, name in zip(latest.index.tolist(), latest["batch"].tolist(), strict=True)
        ],
        index=latest.index,
    )
    latest.index.name = "patch_id"
    return gpd.GeoDataFrame(latest, geometry=allp.geometry.name, crs=allp.crs)
