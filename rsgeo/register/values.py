"""Table rows as JSON and back: how the register keeps attributes and payloads.

A batch's patch attributes are kept as one JSON list per patch, in the
column order recorded with the batch together with each column's dtype, so
that the rebuilt table has the dtypes :func:`rsgeo.read_patches` gave.
Determination rows are kept as JSON objects of the canonical columns of
:func:`rsgeo.io.determination_table.read_determinations`.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"a": [1.5, None], "d": pd.to_datetime(["2020-12-21", None])})
>>> cols, rows = frame_to_rows(df)
>>> rows
['[1.5, "2020-12-21T00:00:00"]', '[null, null]']
>>> rows_to_frame(cols, rows, index=["x", "y"])["d"].dt.date.tolist()[0]
datetime.date(2020, 12, 21)
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["frame_to_rows", "plain", "records_to_frame", "rows_to_frame"]


def plain(value: Any) -> Any:
    """A JSON-ready value: missing → None, dates → ISO text, numpy → Python."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).isoformat()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def frame_to_rows(frame: pd.DataFrame) -> tuple[list[tuple[str, str]], list[str]]:
    """(column names with dtypes, one JSON list per row) of a table without geometry."""
    columns = [(str(c), str(frame[c].dtype)) for c in frame.columns]
    data = [frame[c].tolist() for c in frame.columns]
    dumps = json.dumps
    rows = [dumps([plain(col[i]) for col in data], ensure_ascii=False) for i in range(len(frame))]
    return columns, rows


def _cast(values: list[Any], dtype: Any) -> pd.Series:
    s = pd.Series(values, dtype=object)
    if dtype.startswith("datetime64"):
        return pd.to_datetime(s).astype(dtype)
    if dtype.startswith(("float", "int", "bool")):
        if s.isna().any() and not dtype.startswith("float"):
            return pd.to_numeric(s)
        return s.astype(dtype)
    if dtype in ("str", "string"):
        return s.astype(dtype)
    return s


def rows_to_frame(
    columns: Sequence[Sequence[str]], rows: Sequence[str], *, index: Sequence[Any]
) -> pd.DataFrame:
    """The table :func:`frame_to_rows` wrote, with its dtypes."""
    parsed = [json.loads(r) for r in rows]
    data = {}
    for j, (name, dtype) in enumerate(columns):
        data[name] = _cast([r[j] for r in parsed], dtype).to_numpy()
    return pd.DataFrame(data, index=pd.Index(list(index)))


def records_to_frame(
    records: Sequence[dict[str, Any]],
    *,
    index: Sequence[Any],
    date_columns: Sequence[str] = (),
) -> pd.DataFrame:
    """A determinations-like table of JSON objects: dates parsed, ``*_m2`` as floats."""
    frame = pd.DataFrame.from_records(list(records), index=pd.Index(list(index)))
    for col in frame.columns:
        if col in date_columns:
            frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
        elif col.endswith("_m2"):
            frame[col] = pd.to_numeric(frame[col]).astype(float)
        else:
            frame[col] = frame[col].astype(object)
    return frame
