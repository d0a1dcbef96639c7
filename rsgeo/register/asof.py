"""The register as it stood on a day: patches, determinations, state and history.

Everything here is rebuilt from the append-only tables, so any past day can
be asked for. ``as_of`` counts an event when its day (``effective_on``) is on
or before it:

- the patches are those of the batches delivered by then, a patch delivered
  again represented by its latest delivery (:func:`rsgeo.combine_batches`,
  the road ``rsgeo run`` takes); a patch split by geometry by then is
  replaced by its parts (核实后), each part carrying the patch's attributes;
- a patch's (or part's) determination is its latest ``determine`` event; its
  rectification is the latest ``rectify`` event of that determination or
  recorded after it, dated by then. A patch split by geometry is left out of
  the determinations once split (its parts carry them);
  :meth:`rsgeo.Register.state` and :meth:`~rsgeo.Register.history` keep its own.

The two tables are what :func:`rsgeo.io.determination_table.read_determinations`
and :func:`rsgeo.combine_batches` give for the equivalent files, so every
later stage of a run is the same.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from rsgeo.io.batches import combine_batches
from rsgeo.io.determination_table import DATE_COLUMNS
from rsgeo.register.record import RECTIFICATION_COLUMNS
from rsgeo.register.store import Store
from rsgeo.register.values import records_to_frame, rows_to_frame
from rsgeo.schema.military import is_military

__all__ = [
    "EVENT_COLUMNS",
    "day_key",
    "determinations_as_of",
    "events_table",
    "history",
    "patches_as_of",
    "sealed_ids",
    "state_as_of",
]


def day_key(as_of: dt.date | None) -> str:
    """The day an ``effective_on <= ?`` query compares with (``None``: every day)."""
    return "9999-12-31" if as_of is None else as_of.isoformat()


EVENT_COLUMNS = (
    "event_id",
    "kind",
    "patch_id",
    "effective_on",
    "recorded_at",
    "recorded_by",
    "source",
    "source_sha256",
    "batch",
    "payload",
)
"""The columns of the events log, as :func:`events_table` gives them."""


def events_table(store: Store, where: str, params: tuple[Any, ...], *, order: str) -> pd.DataFrame:
    """Events matching ``where`` (SQL), ordered by ``order``; payloads parsed, by event id."""
    rows = store.rows(
        f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE {where} ORDER BY {order}", params
    )
    table = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    table["payload"] = table["payload"].map(json.loads)
    return table.set_index("event_id")


def patches_as_of(
    store: Store, as_of: dt.date | None, *, verified: bool = True
) -> gpd.GeoDataFrame:
    """The patch table on ``as_of`` (``None``: today's).

    ``verified`` (核实后): split patches as their parts; else (原始下发) as delivered.
    """
    day = day_key(as_of)
    batches = store.rows(
        "SELECT batch, columns FROM batches WHERE delivered_on <= ? ORDER BY delivered_on, seq",
        (day,),
    )
    rows = store.rows(
        f"SELECT batch, patch_id, attributes, {store.geom_column()} FROM patches "
        "WHERE delivered_on <= ? ORDER BY fid",
        (day,),
    )
    by_batch: dict[str, list[tuple[Any, ...]]] = {}
    for r in rows:
        by_batch.setdefault(str(r[0]), []).append(r)
    frames: dict[str, gpd.GeoDataFrame] = {}
    for name, columns in batches:
        got = by_batch.get(str(name), [])
        attrs = rows_to_frame(
            json.loads(columns), [r[2] for r in got], index=[str(r[1]) for r in got]
        )
        attrs.index.name = "patch_id"
        frames[str(name)] = gpd.GeoDataFrame(
            attrs, geometry=store.decode([r[3] for r in got]), crs=store.srid
        )
    if not frames:
        empty = gpd.GeoDataFrame(
            {"batch": [], "batches": []}, geometry=[], crs=store.srid, index=pd.Index([])
        )
        empty.index.name = "patch_id"
        return empty
    combined = combine_batches(frames)
    return _with_parts(store, combined, day) if verified else combined


def _with_parts(store: Store, patches: gpd.GeoDataFrame, day: str) -> gpd.GeoDataFrame:
    parts = store.rows(
        f"SELECT p.part_id, p.patch_id, p.area_m2, {store.geom_column('p.geom')} FROM parts p "
        "JOIN events e ON e.event_id = p.event_id WHERE e.effective_on <= ? ORDER BY p.fid",
        (day,),
    )
    geoms = store.decode([r[3] for r in parts])
    keep = [i for i, r in enumerate(parts) if geoms[i] is not None and str(r[1]) in patches.index]
    if not keep:
        return patches
    parents = [str(parts[i][1]) for i in keep]
    rows = patches.loc[parents].copy()
    rows.index = pd.Index([str(parts[i][0]) for i in keep], name="patch_id")
    rows = rows.set_geometry(gpd.GeoSeries(geoms[keep], index=rows.index, crs=patches.crs))
    if "reported_area_m2" in rows.columns:
        rows["reported_area_m2"] = np.asarray([parts[i][2] for i in keep], dtype=float)
    whole = patches.drop(index=sorted(set(parents)))
    out = pd.concat([whole, rows])
    out.index.name = "patch_id"
    return gpd.GeoDataFrame(out, geometry=patches.geometry.name, crs=patches.crs)


def _latest(store: Store, kind: str, day: str) -> list[tuple[Any, ...]]:
    return store.rows(
        "SELECT patch_id, event_id, effective_on, payload FROM ("
        "SELECT patch_id, event_id, effective_on, payload, ROW_NUMBER() OVER ("
        "PARTITION BY patch_id ORDER BY effective_on DESC, event_id DESC) AS n "
        "FROM events WHERE kind = ? AND effective_on <= ?) latest WHERE n = 1 ORDER BY event_id",
        (kind, day),
    )


def determinations_as_of(
    store: Store, as_of: dt.date | None, *, verified: bool = True
) -> pd.DataFrame:
    """The determinations table on ``as_of``, as ``read_determinations`` gives it.

    ``verified`` (核实后): a patch split by geometry is left out (its parts carry
    the determinations); else its own determination is kept too.
    """
    day = day_key(as_of)
    dets = _latest(store, "determine", day)
    chosen = {str(r[0]): int(r[1]) for r in dets}
    records = {str(r[0]): json.loads(r[3]) for r in dets}
    rects = store.rows(
        "SELECT patch_id, event_id, effective_on, payload FROM events "
        "WHERE kind = 'rectify' AND effective_on <= ? ORDER BY effective_on, event_id",
        (day,),
    )
    for pid, event_id, _, payload in rects:
        pid = str(pid)
        if pid not in records:
            continue
        rect = json.loads(payload)
        of = rect.pop("of_event", None)
        if of == chosen[pid] or (of is None and int(event_id) > chosen[pid]):
            records[pid].update(rect)
    split = store.rows(  # a patch split by geometry is represented by its parts
        "SELECT DISTINCT p.patch_id FROM parts p JOIN events e ON e.event_id = p.event_id "
        "WHERE e.effective_on <= ? AND p.geom IS NOT NULL",
        (day,),
    )
    for (pid,) in split if verified else []:
        records.pop(str(pid), None)
    for rec in records.values():
        for col in RECTIFICATION_COLUMNS:
            rec.setdefault(col, None)
    ids = list(records)
    frame = records_to_frame([records[i] for i in ids], index=ids, date_columns=DATE_COLUMNS)
    frame.index.name = "patch_id"
    return frame


def sealed_ids(store: Store, as_of: dt.date | None) -> set[str]:
    """Ids of the patches and parts on military land (docs/sealed.md), as of a day.

    A patch is sealed when its attributes or its determination say so
    (:func:`rsgeo.schema.military.is_military`); its parts with it, and a
    patch with it when one of its parts is.
    """
    patches = patches_as_of(store, as_of, verified=False)
    dets = determinations_as_of(store, as_of, verified=False)
    ids = set(patches.index[is_military(patches).to_numpy()].astype(str))
    ids |= set(dets.index[is_military(dets).to_numpy()].astype(str))
    parts = store.rows("SELECT part_id, patch_id FROM parts")
    for part, parent in parts:
        if str(part) in ids or str(parent) in ids:
            ids |= {str(part), str(parent)}
    return ids


def state_as_of(store: Store, as_of: dt.date | None) -> pd.DataFrame:
    """One row per patch and part: batches, link, determination, rectification, split, 销号."""
    day = day_key(as_of)
    deliveries = store.rows(
        "SELECT patch_id, batch, delivered_on, earlier_id FROM patches WHERE delivered_on <= ? "
        "ORDER BY delivered_on, fid",
        (day,),
    )
    rows: dict[str, dict[str, Any]] = {}
    for pid, batch, delivered, earlier in deliveries:
        row = rows.setdefault(
            str(pid), {"first_delivered": delivered, "batches": [], "earlier_id": None}
        )
        row["batches"].append(str(batch))
        row["batch"] = str(batch)
        if earlier and earlier != pid:
            row["earlier_id"] = earlier
    parts = store.rows(
        "SELECT p.part_id, p.patch_id, e.effective_on FROM parts p JOIN events e "
        "ON e.event_id = p.event_id WHERE e.effective_on <= ? ORDER BY p.fid",
        (day,),
    )
    for part_id, parent, split_on in parts:
        rows[str(part_id)] = {"parent_id": str(parent), "first_delivered": split_on}
        rows.setdefault(str(parent), {}).setdefault("parts", []).append(str(part_id))
    dets = determinations_as_of(store, as_of)
    for pid, kind in (("closed_on", "close"), ("split_on", "split")):
        for r in _latest(store, kind, day):
            rows.setdefault(str(r[0]), {})[pid] = str(r[2])
    table = pd.DataFrame.from_dict(rows, orient="index")
    for col in ("batches", "parts"):
        if col in table.columns:
            table[col] = table[col].map(lambda v: "; ".join(v) if isinstance(v, list) else None)
    show = [
        c
        for c in ("determination", "determination_subtype", *RECTIFICATION_COLUMNS)
        if c in dets.columns
    ]
    table = table.join(dets[show], how="left")
    table.index.name = "patch_id"
    return table


def history(store: Store, patch_id: str) -> pd.DataFrame:
    """Every event of a patch, its parts and the patches it is linked with, oldest first."""
    ids = {patch_id}
    for _ in range(10):  # follow links both ways, a few steps
        marks = ",".join("?" * len(ids))
        linked = store.rows(
            f"SELECT patch_id, earlier_id FROM patches WHERE patch_id IN ({marks}) "
            f"OR earlier_id IN ({marks})",
            (*ids, *ids),
        )
        more = {str(v) for r in linked for v in r if v is not None} - ids
        if not more:
            break
        ids |= more
    marks = ",".join("?" * len(ids))
    part_ids = [
        str(r[0])
        for r in store.rows(f"SELECT part_id FROM parts WHERE patch_id IN ({marks})", tuple(ids))
    ]
    every = sorted(ids | set(part_ids))
    marks = ",".join("?" * len(every))
    return events_table(
        store, f"patch_id IN ({marks})", tuple(every), order="effective_on, event_id"
    )
