"""Recording what happens to a patch: determinations, rectifications, splits, closing.

Each call checks everything first and writes its events in one transaction,
or raises :class:`~rsgeo.errors.RegisterError` and writes nothing:

- an id the register does not know (no patch delivered, no part split off);
- an event dated before the patch (or its part) was delivered;
- a split whose parts do not cover the patch, or overlap each other;
- closing (销号) a patch twice.

A determination row becomes a ``determine`` event dated the day the table was
recorded (``on``); when the row has a rectification date, its rectification
(method, date, area) becomes a ``rectify`` event of its own, dated that day,
so that the state as of an earlier day does not know it yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import shapely

from rsgeo.errors import RegisterError, format_problems
from rsgeo.geo.area import ellipsoidal_area
from rsgeo.register.store import Store, dumps, now_text
from rsgeo.register.values import plain

__all__ = [
    "RECTIFICATION_COLUMNS",
    "close_patch",
    "record_determinations",
    "record_rectification",
    "split_patch",
]

RECTIFICATION_COLUMNS: tuple[str, ...] = (
    "rectification_method",
    "rectification_date",
    "rectified_area_m2",
)
"""The columns of a determination row that a ``rectify`` event carries."""

COVER_TOLERANCE_M2 = 0.01
"""How far the parts of a split may miss or overlap the patch, per part (m²)."""

_EVENT_SQL = (
    "INSERT INTO events (kind, patch_id, effective_on, recorded_at, recorded_by, source, "
    "source_sha256, batch, payload) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?) RETURNING event_id"
)


def _known(store: Store, cur: Any) -> dict[str, str]:
    """Every patch and part id → the day it was first delivered (or split off)."""
    rows = store.execute(
        cur, "SELECT patch_id, MIN(delivered_on) FROM patches GROUP BY patch_id"
    ).fetchall()
    known = {str(r[0]): str(r[1]) for r in rows}
    parts = store.execute(
        cur,
        "SELECT p.part_id, e.effective_on FROM parts p JOIN events e ON e.event_id = p.event_id",
    ).fetchall()
    known.update({str(r[0]): str(r[1]) for r in parts})
    return known


def _check_dates(ids: list[str], days: list[str], known: Mapping[str, str], what: str) -> list[str]:
    problems = []
    unknown = [i for i in ids if i not in known]
    if unknown:
        shown = ", ".join(unknown[:10]) + (" …" if len(unknown) > 10 else "")
        problems.append(
            f"{len(unknown)} {what} for patch ids the register does not know "
            f"(no batch delivered them, no split made them): {shown}"
        )
    early = [(i, d) for i, d in zip(ids, days, strict=True) if i in known and d < known[i]]
    for pid, day in early[:10]:
        problems.append(
            f"{what} for {pid} is dated {day}, before the patch was delivered ({known[pid]})"
        )
    if len(early) > 10:
        problems.append(f"… and {len(early) - 10} more events dated before their patch")
    return problems


def record_determinations(
    store: Store,
    table: pd.DataFrame,
    *,
    on: dt.date,
    source: str | None,
    sha256: str | None,
    by: str,
) -> dict[str, int]:
    """Record a determinations table (from ``read_determinations``) as events of day ``on``."""
    ids = [str(i) for i in table.index]
    day = on.isoformat()
    rect_dates: list[str | None] = []
    if "rectification_date" in table.columns:
        for v in table["rectification_date"].tolist():
            p = plain(v)
            rect_dates.append(None if p is None else str(p)[:10])
    else:
        rect_dates = [None] * len(ids)
    recorded = now_text()
    columns = [str(c) for c in table.columns]
    values = [table[c].tolist() for c in table.columns]
    with store.writing() as cur:
        known = _known(store, cur)
        problems = _check_dates(ids, [day] * len(ids), known, "determinations")
        with_rect = [(i, d) for i, d in zip(ids, rect_dates, strict=True) if d is not None]
        problems += _check_dates(
            [i for i, _ in with_rect if i in known],
            [d for i, d in with_rect if i in known],
            known,
            "a rectification",
        )
        if problems:
            raise RegisterError(
                format_problems(
                    f"the determinations {source or 'table'} cannot be recorded "
                    "(nothing was written):",
                    problems,
                )
            )
        rows, rects = [], []
        for i, pid in enumerate(ids):
            row = {c: plain(values[j][i]) for j, c in enumerate(columns)}
            if rect_dates[i] is not None:
                rects.append((i, {c: row.pop(c) for c in RECTIFICATION_COLUMNS if c in row}))
            rows.append(("determine", pid, day, recorded, by, source, sha256, dumps(row)))
        # the writer holds the register: the events it adds now get the next ids, in order
        last = store.execute(cur, "SELECT COALESCE(MAX(event_id), 0) FROM events").fetchone()[0]
        store.executemany(cur, _EVENT_SQL.removesuffix(" RETURNING event_id"), rows)
        det_ids = [
            r[0]
            for r in store.execute(
                cur,
                "SELECT event_id FROM events WHERE event_id > ? ORDER BY event_id",
                (last,),
            ).fetchall()
        ]
        if len(det_ids) != len(rows):  # pragma: no cover - another writer inside the lock
            raise RegisterError("the register changed while the table was recorded; try again")
        follow = []
        for i, rect in rects:
            rect["of_event"] = det_ids[i]
            follow.append(
                ("rectify", ids[i], rect_dates[i], recorded, by, source, sha256, dumps(rect))
            )
        store.executemany(cur, _EVENT_SQL.removesuffix(" RETURNING event_id"), follow)
        n_rect = len(follow)
    return {"determinations": len(ids), "rectifications": n_rect}


def record_rectification(
    store: Store,
    patch_id: str,
    *,
    on: dt.date,
    method: str,
    area_m2: float | None,
    by: str,
    source: str | None = None,
) -> int:
    """One ``rectify`` event: the patch (or part) rectified by ``method`` on ``on``."""
    day = on.isoformat()
    payload = {
        "rectification_method": method,
        "rectification_date": day,
        "rectified_area_m2": area_m2,
    }
    with store.writing() as cur:
        problems = _check_dates([patch_id], [day], _known(store, cur), "a rectification")
        if problems:
            raise RegisterError(format_problems("nothing was written:", problems))
        return int(
            store.execute(
                cur,
                _EVENT_SQL,
                ("rectify", patch_id, day, now_text(), by, source, None, dumps(payload)),
            ).fetchone()[0]
        )


def close_patch(store: Store, patch_id: str, *, on: dt.date, note: str, by: str) -> int:
    """A ``close`` event (销号): the patch's case is closed on ``on``."""
    day = on.isoformat()
    with store.writing() as cur:
        problems = _check_dates([patch_id], [day], _known(store, cur), "closing (销号)")
        done = store.execute(
            cur,
            "SELECT effective_on FROM events WHERE kind = 'close' AND patch_id = ?",
            (patch_id,),
        ).fetchall()
        if done:
            problems.append(f"{patch_id} was closed (销号) already on {done[0][0]}")
        if problems:
            raise RegisterError(format_problems("nothing was written:", problems))
        return int(
            store.execute(
                cur,
                _EVENT_SQL,
                ("close", patch_id, day, now_text(), by, None, None, dumps({"note": note})),
            ).fetchone()[0]
        )


def split_patch(
    store: Store,
    patch_id: str,
    parts: Mapping[str, Any],
    *,
    on: dt.date,
    by: str,
) -> int:
    """Split a patch into parts (拆分): part id → geometry (register CRS) or area in m².

    Geometries must cover the patch and not overlap (within
    :data:`COVER_TOLERANCE_M2` per part); areas must add up to the patch's
    ellipsoidal area within the same tolerance.
    """
    if len(parts) < 2:
        raise RegisterError(f"a split of {patch_id} needs at least two parts")
    day = on.isoformat()
    part_ids = [str(p) for p in parts]
    values = list(parts.values())
    by_area = all(isinstance(v, int | float | np.number) for v in values)
    with store.writing() as cur:
        known = _known(store, cur)
        problems = _check_dates([patch_id], [day], known, "a split")
        clash = [p for p in part_ids if p in known]
        if clash:
            problems.append(f"part ids already used by a patch or part: {clash}")
        done = store.execute(
            cur, "SELECT COUNT(*) FROM events WHERE kind = 'split' AND patch_id = ?", (patch_id,)
        ).fetchone()[0]
        if done:
            problems.append(f"{patch_id} was split already; record a correction as new events")
        if problems:
            raise RegisterError(format_problems("the split was not written:", problems))
        row = store.execute(
            cur,
            f"SELECT {store.geom_column()} FROM patches WHERE patch_id = ? AND delivered_on <= ? "
            "ORDER BY delivered_on DESC, fid DESC LIMIT 1",
            (patch_id, day),
        ).fetchone()
        whole = store.decode([row[0]])[0]
        whole_m2 = float(ellipsoidal_area([whole], crs=store.srid)[0])
        tol = COVER_TOLERANCE_M2 * len(part_ids)
        if by_area:
            geoms = np.asarray([None] * len(values), dtype=object)
            areas = np.asarray(values, dtype=float)
            if abs(areas.sum() - whole_m2) > tol or (areas <= 0).any():
                raise RegisterError(
                    f"the parts of {patch_id} add up to {areas.sum():.2f} m², the patch has "
                    f"{whole_m2:.2f} m²: parts must cover the patch; the split was not written"
                )
        else:
            geoms = np.asarray([shapely.make_valid(g) for g in values], dtype=object)
            areas = ellipsoidal_area(geoms, crs=store.srid)
            union = shapely.union_all(geoms)
            union_m2 = float(ellipsoidal_area([union], crs=store.srid)[0])
            missed = shapely.difference(whole, union)
            outside = shapely.difference(union, whole)
            missed_m2, outside_m2 = (
                float(ellipsoidal_area([g], crs=store.srid)[0]) if not g.is_empty else 0.0
                for g in (missed, outside)
            )
            overlap_m2 = float(areas.sum()) - union_m2
            if missed_m2 > tol or outside_m2 > tol or overlap_m2 > tol:
                raise RegisterError(
                    f"the parts of {patch_id} do not cover the patch exactly: "
                    f"{missed_m2:.2f} m² of the patch in no part, {outside_m2:.2f} m² of the "
                    f"parts outside it, {max(overlap_m2, 0):.2f} m² in two parts at once; "
                    "the split was not written"
                )
        payload = {
            "parts": part_ids,
            "by": "area" if by_area else "geometry",
            "areas_m2": [float(a) for a in areas],
            "patch_area_m2": whole_m2,
        }
        event_id = store.execute(
            cur, _EVENT_SQL, ("split", patch_id, day, now_text(), by, None, None, dumps(payload))
        ).fetchone()[0]
        store.executemany(
            cur,
            "INSERT INTO parts (geom, part_id, patch_id, area_m2, event_id) "
            f"VALUES ({store.geom_param()}, ?, ?, ?, ?)",
            [
                (blob, pid, patch_id, float(a), event_id)
                for blob, pid, a in zip(store.encode(geoms), part_ids, areas, strict=True)
            ],
        )
        return int(event_id)
