"""Ingesting a batch of patches into the register: one transaction.

A batch is what :func:`rsgeo.read_patches` reads (or a GeoDataFrame like it),
with its name and delivery date. The whole batch is written in one
transaction: the ``ingest`` event, the batch row, one ``patches`` row and one
``deliver`` event per patch. A process killed in the middle leaves the
register as it was.

Re-deliveries are linked (``earlier_id``):

1. the same JCBH delivered again: ``earlier_id`` is the patch itself;
2. TYWZJCTBWQBH (``earlier_patch_id``, the earlier patch at the same place)
   or YSTBBH (``original_patch_number``) naming a patch of the register;
3. optionally (``link_overlap``), a new patch covering at least that share
   of an earlier patch's area, or of its own (whichever is smaller), is linked
   to the earlier patch it overlaps most.

Linked patches keep their own ids in the statistics, as the ministry counts
each delivery; the link is shown by :meth:`rsgeo.Register.history` and
:meth:`rsgeo.Register.state`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from rsgeo.errors import RegisterError
from rsgeo.geo.crs import check_transformation
from rsgeo.register.store import Store, dumps, now_text
from rsgeo.register.values import frame_to_rows

__all__ = ["ingest_batch"]


def ingest_batch(
    store: Store,
    patches: gpd.GeoDataFrame,
    *,
    batch: str,
    delivered_on: dt.date,
    source: str | None,
    sha256: str | None,
    by: str,
    link_overlap: float | None = None,
) -> dict[str, Any]:
    """Write one batch in one transaction; see the module text. Returns a summary."""
    if not batch or not str(batch).strip():
        raise RegisterError("a batch needs a name (batch='2020Q1')")
    if patches.index.has_duplicates:
        dup = sorted(set(patches.index[patches.index.duplicated()].astype(str)))[:5]
        raise RegisterError(f"batch {batch}: duplicated patch ids {dup}; nothing was written")
    gdf = patches
    if gdf.crs is None:
        raise RegisterError(f"batch {batch}: the patches have no CRS; nothing was written")
    check_transformation(gdf.crs, store.srid, where=f"batch {batch}")
    gdf = gdf.to_crs(store.srid)
    ids = [str(i) for i in gdf.index]
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    attrs = attrs.drop(columns=[c for c in ("batch", "batches") if c in attrs.columns])
    columns, rows = frame_to_rows(attrs)
    blobs = store.encode(gdf.geometry.to_numpy())
    day = delivered_on.isoformat()
    recorded = now_text()
    with store.writing() as cur:
        same = store.execute(
            cur,
            "SELECT batch FROM batches WHERE batch = ? OR (source_sha256 IS NOT NULL "
            "AND source_sha256 = ?)",
            (batch, sha256),
        ).fetchall()
        if same:
            raise RegisterError(
                f"batch {batch} ({source or 'a table'}) was ingested already as batch "
                f"{same[0][0]!r} (same name or the same file, SHA-256 {sha256}); "
                "nothing was written"
            )
        earlier = _links(store, cur, gdf, ids, link_overlap)
        event_id = store.execute(
            cur,
            "INSERT INTO events (kind, patch_id, effective_on, recorded_at, recorded_by, source, "
            "source_sha256, batch, payload) VALUES ('ingest', NULL, ?, ?, ?, ?, ?, ?, ?) "
            "RETURNING event_id",
            (day, recorded, by, source, sha256, batch, dumps({"n_patches": len(ids)})),
        ).fetchone()[0]
        seq = store.execute(cur, "SELECT COUNT(*) FROM batches").fetchone()[0]
        store.execute(
            cur,
            "INSERT INTO batches (batch, delivered_on, source, source_sha256, columns, "
            "n_patches, event_id, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (batch, day, source, sha256, json.dumps(columns), len(ids), event_id, seq + 1),
        )
        store.executemany(
            cur,
            "INSERT INTO patches (geom, patch_id, batch, delivered_on, earlier_id, attributes) "
            f"VALUES ({store.geom_param()}, ?, ?, ?, ?, ?)",
            [(blobs[i], ids[i], batch, day, earlier.get(ids[i]), rows[i]) for i in range(len(ids))],
        )
        store.executemany(
            cur,
            "INSERT INTO events (kind, patch_id, effective_on, recorded_at, recorded_by, source, "
            "source_sha256, batch, payload) VALUES ('deliver', ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    pid,
                    day,
                    recorded,
                    by,
                    source,
                    sha256,
                    batch,
                    dumps({"earlier_id": earlier[pid]}) if pid in earlier else "{}",
                )
                for pid in ids
            ],
        )
    return {"batch": batch, "patches": len(ids), "linked": len(earlier), "event_id": event_id}


def _links(
    store: Store, cur: Any, gdf: gpd.GeoDataFrame, ids: list[str], link_overlap: float | None
) -> dict[str, str]:
    """New patch id → the earlier patch it repeats (rules 1–3 of the module text)."""
    known = {r[0] for r in store.execute(cur, "SELECT DISTINCT patch_id FROM patches").fetchall()}
    links = {pid: pid for pid in ids if pid in known}
    for column in ("earlier_patch_id", "original_patch_number"):
        if column not in gdf.columns:
            continue
        for pid, ref in zip(ids, gdf[column].tolist(), strict=True):
            ref_text = None if ref is None or pd.isna(ref) else str(ref).strip()
            if pid not in links and ref_text and ref_text in known:
                links[pid] = ref_text
    if link_overlap is not None and known:
        rest = [i for i, pid in enumerate(ids) if pid not in links]
        if rest:
            old = store.execute(
                cur, f"SELECT patch_id, {store.geom_column()} FROM patches ORDER BY fid"
            ).fetchall()
            old_ids = np.asarray([r[0] for r in old], dtype=object)
            old_geoms = store.decode([r[1] for r in old])
            tree = shapely.STRtree(old_geoms)
            new_geoms = gdf.geometry.to_numpy()[rest]
            pairs = tree.query(new_geoms, predicate="intersects")
            best: dict[str, tuple[float, str]] = {}
            for a, b in zip(*pairs, strict=True):
                g_new, g_old = new_geoms[a], old_geoms[b]
                shared = shapely.area(shapely.intersection(g_new, g_old))
                smaller = min(shapely.area(g_new), shapely.area(g_old))
                if smaller > 0 and shared / smaller >= link_overlap:
                    pid = ids[rest[a]]
                    if shared > best.get(pid, (-1.0, ""))[0]:
                        best[pid] = (shared, str(old_ids[b]))
            links.update({pid: ref for pid, (_, ref) in best.items()})
    return links
