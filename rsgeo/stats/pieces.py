"""Township codes, the townships table and the township pieces of the patches.

The inputs of :func:`rsgeo.stats.township.township_stats` brought to one form: codes
as 9-digit strings (:func:`normalize_township_code`), the townships table as
code → name, and the pieces crediting each township with the area of a patch
inside it (from :func:`rsgeo.overlay_pieces`, or each patch whole when no
pieces are given).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rsgeo._util import number_column
from rsgeo.errors import FieldError, InputError, format_problems
from rsgeo.schema.contract import normalize_township_code
from rsgeo.schema.fields import TOWNSHIP_FIELDS, canonical_name

__all__ = ["pieces_frame", "township_table"]


def township_table(townships: pd.DataFrame, *, reserved: tuple[str, ...]) -> pd.Series:
    """township_code -> township_name, codes normalised, order kept.

    ``reserved`` are the labels of the rows that are no township (total,
    outside), which no township may use.
    """
    frame = pd.DataFrame(townships)
    renames = {}
    for col in frame.columns:
        canon = canonical_name(str(col), TOWNSHIP_FIELDS)
        if canon is not None and canon not in frame.columns:
            renames[col] = canon
    frame = frame.rename(columns=renames)
    if "township_code" not in frame.columns:
        if frame.index.name in ("township_code", "XZQDM"):
            frame = frame.reset_index().rename(columns={frame.index.name: "township_code"})
        else:
            raise FieldError(
                "townships needs a township_code column (XZQDM, 行政区代码); "
                f"got {list(frame.columns)}"
            )
    codes = [normalize_township_code(c) for c in frame["township_code"].tolist()]
    names = (
        frame["township_name"].astype("string").fillna("").tolist()
        if "township_name" in frame.columns
        else [""] * len(codes)
    )
    problems = []
    if any(c == "" for c in codes):
        problems.append("townships has rows without township_code")
    dup = sorted({c for c in codes if codes.count(c) > 1 and c})
    if dup:
        problems.append(f"townships has duplicated township codes: {dup}")
    for label in reserved:
        if label in codes:
            problems.append(f"township code {label!r} is reserved for a row that is no township")
    if problems:
        raise InputError(format_problems("Invalid townships table:", problems))
    # township rows in code order, as county tables list them
    table = pd.Series(names, index=pd.Index(codes, name="township_code"), name="township_name")
    return table.sort_index()


def pieces_frame(
    result: pd.DataFrame,
    pieces: pd.DataFrame | None,
    farmland_col: str,
    problems: list[str],
) -> pd.DataFrame:
    """Columns patch_id, township_code, area_m2, farmland_m2, pbf_m2, redline_m2."""
    if pieces is None:
        src = pd.DataFrame(result)
        for col in ("township_code", "area_m2", farmland_col):
            if col not in src.columns:
                problems.append(f"patch table lacks column {col!r}")
        if "n_townships" in src.columns:
            multi = src.index[pd.to_numeric(src["n_townships"], errors="coerce").fillna(1) > 1]
            if len(multi):
                problems.append(
                    f"{len(multi)} patches lie in more than one township "
                    f"(n_townships > 1, e.g. {list(map(str, multi[:5]))}); pass the pieces "
                    "of rsgeo.overlay_pieces(...) as the second argument so each township "
                    "is credited by the area inside it"
                )
        patch_ids = src.index.astype(str)
    else:
        src = pd.DataFrame(pieces)
        if isinstance(src.index, pd.MultiIndex) and {"patch_id", "township_code"} <= set(
            src.index.names
        ):
            keys = src.index.to_frame(index=False)
            patch_ids = pd.Index(keys["patch_id"].astype(str))
            src = src.reset_index(drop=True)
            src["township_code"] = keys["township_code"].to_numpy()
        elif {"patch_id", "township_code"} <= set(src.columns):
            patch_ids = pd.Index(src["patch_id"].astype(str))
            src = src.reset_index(drop=True)
        else:
            problems.append(
                "pieces must be indexed by (patch_id, township_code), as returned by "
                "rsgeo.overlay_pieces, or have those two columns"
            )
            return pd.DataFrame()
        for col in ("area_m2", farmland_col):
            if col not in src.columns:
                problems.append(f"pieces lack column {col!r}")
    if problems:
        return pd.DataFrame()
    out = pd.DataFrame(
        {
            "patch_id": np.asarray(patch_ids, dtype=object),
            "township_code": [normalize_township_code(c) for c in src["township_code"].tolist()],
            "area_m2": number_column(src, "area_m2").to_numpy(),
            "farmland_m2": number_column(src, farmland_col).fillna(0.0).to_numpy(),
            "pbf_m2": number_column(src, "pbf_m2").to_numpy(),
            "redline_m2": number_column(src, "redline_m2").to_numpy(),
        }
    )
    for col in ("pbf_m2", "redline_m2"):
        if col not in src.columns:
            out.attrs.setdefault("missing", []).append(col)
    bad = out["area_m2"].isna() | (out["area_m2"] < 0)
    if bad.any():
        problems.append(
            f"{int(bad.sum())} pieces have a missing or negative area_m2 "
            f"(e.g. patch {out.loc[bad, 'patch_id'].iloc[0]!r})"
        )
    return out
