"""The blacklist of violators (黑名单): responsible parties across all batches.

From the register as of a day: every illegal patch (or part) with a
responsible party (责任主体), grouped by party: patches, cases (立案号),
illegal area and farmland, unrectified patches, the batches they were
delivered in and whether that is a repeat offence. A party is listed by the
criteria of :class:`rsgeo.options.BlacklistOptions`. Patches on military
land are never counted (sealed, docs/sealed.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rsgeo.geo.units import m2_to_mu
from rsgeo.options import BlacklistOptions, StatsOptions
from rsgeo.outputs.excel import Sheet, check_outputs, new_workbook, save_workbook, write_sheet
from rsgeo.schema.military import is_military
from rsgeo.schema.profiles import PROFILE_NAMES
from rsgeo.schema.register_words import (
    BLACKLIST_HEADERS,
    BLACKLIST_REASONS,
    BLACKLIST_TITLE,
    BLACKLIST_UNITS,
    REPEAT_YES,
)
from rsgeo.schema.vocabulary import UNRECTIFIED_METHODS

__all__ = ["blacklist_table", "write_blacklist"]


def _illegal_classes() -> set[str]:
    stats = StatsOptions()
    return {c for p in PROFILE_NAMES for c in stats.classes(p)[0]}


def blacklist_table(
    patches: pd.DataFrame, determinations: pd.DataFrame, *, options: BlacklistOptions
) -> pd.DataFrame:
    """One row per responsible party of illegal patches, with ``listed`` and ``reasons``.

    Parameters
    ----------
    patches : DataFrame
        The register's patches as of a day (``batches`` column), indexed by patch id.
    determinations : DataFrame
        Its determinations as of the same day.
    options : BlacklistOptions
        The listing criteria.

    Returns
    -------
    DataFrame
        Indexed by ``responsible_party``; the columns of
        :data:`rsgeo.schema.register_words.BLACKLIST_HEADERS` and ``listed``;
        listed parties first, by illegal area.
    """
    sealed = set(patches.index[is_military(patches).to_numpy()].astype(str))
    dets = determinations[~determinations.index.astype(str).isin(sealed)]
    dets = dets[dets.index.isin(patches.index)]
    party = dets.get("responsible_party", pd.Series(index=dets.index, dtype=object))
    illegal = dets.get("determination", pd.Series(index=dets.index, dtype=object)).isin(
        _illegal_classes()
    )
    party = party.astype(object).where(party.notna(), "").astype(str).str.strip()
    rows = dets[illegal.to_numpy() & (party != "").to_numpy()].copy()
    rows["party"] = party[rows.index]
    rows["batches"] = patches.loc[rows.index, "batches"].astype(str)
    method = rows.get("rectification_method", pd.Series(index=rows.index, dtype=object))
    method = method.astype(object).where(method.notna(), "").astype(str)
    rows["unrectified"] = method.isin(UNRECTIFIED_METHODS) | (method == "")
    for col in ("illegal_area_m2", "illegal_farmland_m2", "case_number"):
        if col not in rows.columns:
            rows[col] = np.nan
    out = []
    for name, group in rows.groupby("party", sort=True):
        batches = sorted({b for text in group["batches"] for b in text.split("; ") if b})
        cases = sorted({str(c) for c in group["case_number"].dropna() if str(c).strip()})
        out.append(
            {
                "responsible_party": name,
                "n_patches": len(group),
                "n_cases": len(cases),
                "illegal_area_mu": float(m2_to_mu(group["illegal_area_m2"].fillna(0.0).sum())),
                "illegal_farmland_mu": float(
                    m2_to_mu(group["illegal_farmland_m2"].fillna(0.0).sum())
                ),
                "n_unrectified": int(group["unrectified"].sum()),
                "n_batches": len(batches),
                "batches": "; ".join(batches),
                "case_numbers": "; ".join(cases),
                "patch_ids": "; ".join(map(str, group.index)),
            }
        )
    table = pd.DataFrame(out, columns=[c for c in BLACKLIST_HEADERS if c not in _LATER])
    checks = {
        "min_patches": table["n_patches"],
        "min_area_mu": table["illegal_area_mu"],
        "min_batches": table["n_batches"],
        "min_unrectified": table["n_unrectified"],
    }
    met = []
    for key, values in checks.items():
        limit = getattr(options, key)
        if limit is not None:
            met.append((key, limit, values >= limit))
    reasons = [
        "；".join(
            BLACKLIST_REASONS[key].format(value=values.iloc[i], limit=limit)
            for key, limit, hit in met
            for values in [checks[key]]
            if hit.iloc[i]
        )
        for i in range(len(table))
    ]
    if met:
        hits = np.column_stack([hit.to_numpy() for _, _, hit in met])
        listed: Any = hits.any(axis=1) if options.match == "any" else hits.all(axis=1)
    else:
        listed = np.zeros(len(table), dtype=bool)
    table["repeat_offence"] = np.where(
        table["n_batches"] >= (options.min_batches or 2), REPEAT_YES, ""
    )
    table["reasons"] = np.where(listed, reasons, "")
    table["listed"] = np.asarray(listed, dtype=bool)
    table = table.sort_values(["listed", "illegal_area_mu"], ascending=[False, False])
    return table.set_index("responsible_party")


_LATER = ("repeat_offence", "reasons")


def write_blacklist(table: pd.DataFrame, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write the listed parties of :func:`blacklist_table` to an Excel sheet (Chinese headers)."""
    out = Path(path)
    check_outputs([out], overwrite)
    listed = table[table["listed"]].reset_index()
    sheet = Sheet(BLACKLIST_TITLE, units=BLACKLIST_UNITS)
    for col, header in BLACKLIST_HEADERS.items():
        fmt = "0.00" if col.endswith("_mu") else None
        sheet.add(header, listed[col].tolist(), fmt)
    wb = new_workbook()
    write_sheet(wb.create_sheet(sheet.title), sheet)
    return save_workbook(wb, out)
