"""A batch's results from the register, in the 2020 export's or the 2026 clue table's layout.

The fields and their order are :data:`rsgeo.schema.register_words.EXPORT_LAYOUTS`.
One row per patch of the batch as of a day; in the 2026 layout a split
clue is written as its parts (原线索编号 names the clue). Patches on military
land are left out (docs/sealed.md). Written as a GeoPackage layer named after
the batch, in the register's CRS.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd

from rsgeo.errors import OutputExistsError, RegisterError
from rsgeo.register.asof import determinations_as_of, patches_as_of, sealed_ids
from rsgeo.register.store import Store
from rsgeo.register.values import plain
from rsgeo.schema.military import is_military
from rsgeo.schema.register_words import EXPORT_LAYOUTS

__all__ = ["ExportLayout", "export_batch"]

ExportLayout = Literal["2020", "2026"]


def export_batch(
    store: Store,
    batch: str,
    path: str | Path,
    *,
    layout: ExportLayout,
    as_of: dt.date | None,
    overwrite: bool = False,
) -> Path:
    """Write ``batch`` as of ``as_of`` in ``layout`` to the GeoPackage ``path``."""
    if layout not in EXPORT_LAYOUTS:
        raise RegisterError(
            f"layout={layout!r} is not allowed; choose one of {list(EXPORT_LAYOUTS)}"
        )
    out = Path(path)
    if out.exists() and not overwrite:
        raise OutputExistsError(f"Output exists already: {out}; pass overwrite=True to replace it")
    known = dict(store.rows("SELECT batch, delivered_on FROM batches"))
    if batch not in known:
        raise RegisterError(f"no batch {batch!r} in the register; batches: {sorted(known)}")
    verified = layout == "2026"  # the 2020 export knows no parts: patches as delivered
    patches = patches_as_of(store, as_of, verified=verified)
    parents = dict(store.rows("SELECT part_id, patch_id FROM parts"))
    earlier = dict(
        store.rows(
            "SELECT patch_id, earlier_id FROM patches WHERE batch = ? AND earlier_id IS NOT NULL "
            "AND earlier_id <> patch_id",
            (batch,),
        )
    )
    rows = patches[patches["batch"].astype(str) == batch]
    rows = rows[~is_military(rows).to_numpy() & ~rows.index.isin(sealed_ids(store, as_of))]
    dets = determinations_as_of(store, as_of, verified=verified)
    delivered = dt.date.fromisoformat(str(known[batch]))
    data: dict[str, list[object]] = {}
    for field, column in EXPORT_LAYOUTS[layout]:
        if column == "patch_id":
            values = list(rows.index.astype(str))
        elif column == "year":
            values = [delivered.year] * len(rows)
        elif column == "delivered_on":
            values = [delivered.isoformat()] * len(rows)
        elif column == "earlier_id":
            values = [earlier.get(str(i)) for i in rows.index]
        elif column == "parent_id":
            values = [parents.get(str(i)) for i in rows.index]
        elif column in rows.columns:
            values = rows[column].tolist()
        elif column in dets.columns:
            values = dets[column].reindex(rows.index).tolist()
        else:
            values = [None] * len(rows)
        data[field] = [_cell(v) for v in values]
    table = gpd.GeoDataFrame(pd.DataFrame(data), geometry=list(rows.geometry), crs=patches.crs)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_file(out, layer=batch, driver="GPKG", mode="w")
    return out


def _cell(value: object) -> object:
    v = plain(value)
    return v[:10] if isinstance(v, str) and len(v) >= 19 and v[10] == "T" else v
