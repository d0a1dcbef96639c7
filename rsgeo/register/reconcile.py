"""Reconciliation (勾稽核对) of the register as of a day, batch by batch.

For each batch: 原始下发 (patches delivered), 拆分 (patches split) and their
parts, 核实后 (the patches as verified: unsplit patches and parts), and among
those the illegal ones: 已整改, 未整改, 拆除, 补办 and other methods. Every
break of

- 总 = 已整改 + 未整改 (a patch recorded 未整改 with a rectification date or
  area counts in both: review rule R05),
- 已整改 = 拆除 + 补办 (another method such as 没收: review rule R20),
- 核实后 = 原始下发 − 拆分 + 子图斑, with the parts' areas adding up to the
  patch's,

is named in the ``breaks`` column, with the patch ids.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection

import numpy as np
import pandas as pd

from rsgeo.options import StatsOptions
from rsgeo.register.asof import day_key, state_as_of
from rsgeo.register.record import COVER_TOLERANCE_M2
from rsgeo.register.store import Store
from rsgeo.schema.profiles import PROFILE_NAMES
from rsgeo.schema.register_words import RECONCILE_BREAKS, RECONCILE_HEADERS
from rsgeo.schema.vocabulary import DEDUCTIBLE_METHODS, UNRECTIFIED_METHODS, normalize_word

__all__ = ["reconcile"]

_PERMITS, _DEMOLISHED = DEDUCTIBLE_METHODS  # 补办手续, 拆除复耕


def reconcile(
    store: Store, as_of: dt.date | None, *, leave_out: Collection[str] = ()
) -> pd.DataFrame:
    """The reconciliation table of the register as of ``as_of`` (module text).

    ``leave_out``: patch and part ids not counted (the sealed ones).
    """
    state = state_as_of(store, as_of)
    state = state.drop(index=sorted(set(leave_out) & set(state.index)))
    if state.empty:
        return pd.DataFrame(columns=list(RECONCILE_HEADERS)).set_index("batch")
    parent = state.get("parent_id", pd.Series(index=state.index, dtype=object))
    is_part = parent.notna()
    batch = state.get("batch", pd.Series(index=state.index, dtype=object)).astype(object)
    batch = batch.where(~is_part, parent.map(batch))
    has_parts = state.get("parts", pd.Series(index=state.index, dtype=object)).notna()
    det = state.get("determination", pd.Series(index=state.index, dtype=object))
    illegal_classes = {c for p in PROFILE_NAMES for c in StatsOptions().classes(p)[0]}
    illegal = det.isin(illegal_classes) & ~has_parts
    method = state.get("rectification_method", pd.Series(index=state.index, dtype=object))
    method = method.astype(object).where(method.notna(), "").astype(str).map(normalize_word)
    not_done = {normalize_word(w) for w in UNRECTIFIED_METHODS}
    date = state.get("rectification_date", pd.Series(index=state.index, dtype=object))
    area = pd.to_numeric(
        state.get("rectified_area_m2", pd.Series(index=state.index, dtype=float)), errors="coerce"
    )
    evidence = date.notna() | (area.fillna(0) > 0)
    says_done = (method != "") & ~method.isin(not_done)
    rectified = illegal & (says_done | evidence)
    unrectified = illegal & ~says_done
    demolished = rectified & (method == _DEMOLISHED)
    permits = rectified & (method == _PERMITS)
    split_areas = _split_areas(store, as_of)
    rows = []
    for name in sorted({b for b in batch.dropna()}):
        in_b = (batch == name).to_numpy()
        whole = in_b & ~is_part.to_numpy()
        counts = {
            "batch": name,
            "delivered": int(whole.sum()),
            "split": int((whole & has_parts.to_numpy()).sum()),
            "parts": int((in_b & is_part.to_numpy()).sum()),
            "verified": int((in_b & ~has_parts.to_numpy()).sum()),
            "illegal": int((in_b & illegal.to_numpy()).sum()),
            "rectified": int((in_b & rectified.to_numpy()).sum()),
            "unrectified": int((in_b & unrectified.to_numpy()).sum()),
            "demolished": int((in_b & demolished.to_numpy()).sum()),
            "permits": int((in_b & permits.to_numpy()).sum()),
        }
        counts["other_rectified"] = counts["rectified"] - counts["demolished"] - counts["permits"]
        breaks = []
        if counts["illegal"] != counts["rectified"] + counts["unrectified"]:
            ids = state.index[in_b & (rectified & unrectified).to_numpy()]
            breaks.append(RECONCILE_BREAKS["total"].format(ids="、".join(ids)))
        if counts["other_rectified"]:
            ids = state.index[in_b & (rectified & ~demolished & ~permits).to_numpy()]
            breaks.append(RECONCILE_BREAKS["rectified"].format(ids="、".join(ids)))
        expected = counts["delivered"] - counts["split"] + counts["parts"]
        off = [
            pid
            for pid in state.index[whole & has_parts.to_numpy()]
            if abs(split_areas.get(pid, (0.0, 0.0))[0] - split_areas.get(pid, (0.0, 0.0))[1])
            > COVER_TOLERANCE_M2 * max(1, len(str(state.loc[pid, "parts"]).split("; ")))
        ]
        if counts["verified"] != expected or off:
            breaks.append(RECONCILE_BREAKS["verified"].format(ids="、".join(off)))
        counts["breaks"] = "；".join(breaks)
        rows.append(counts)
    table = pd.DataFrame(rows, columns=list(RECONCILE_HEADERS))
    return table.set_index("batch")


def _split_areas(store: Store, as_of: dt.date | None) -> dict[str, tuple[float, float]]:
    """Split patch id → (its area, the sum of its parts' areas), both m²."""
    day = day_key(as_of)
    out = {}
    for pid, payload in store.rows(
        "SELECT patch_id, payload FROM events WHERE kind = 'split' AND effective_on <= ?", (day,)
    ):
        p = json.loads(payload)
        out[str(pid)] = (float(p["patch_area_m2"]), float(np.sum(p["areas_m2"])))
    return out
