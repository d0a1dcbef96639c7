"""Small helpers shared by the table modules: column readers and option checks.

Private to rsgeo: the statistics, the workbook, the determination reader and
the option objects read columns and check choices the same way through these
functions (cells themselves are read by :mod:`rsgeo.schema.cells`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rsgeo.schema.vocabulary import MISSING_WORDS, YES_WORDS


def number_column(frame: pd.DataFrame, col: str) -> pd.Series:
    """A column as float64 (unreadable values NaN; all NaN when the column is absent).

    >>> number_column(pd.DataFrame({"a": ["1.5", "x"]}), "a").tolist()
    [1.5, nan]
    """
    if col not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[col], errors="coerce").astype("float64")


def text_column(frame: pd.DataFrame, col: str) -> pd.Series:
    """A column as stripped text ("" for missing, also "nan", "None" … from a spreadsheet).

    >>> df = pd.DataFrame({"a": [" x ", None, float("nan"), "None"]})
    >>> text_column(df, "a").tolist(), text_column(df, "b").tolist()
    (['x', '', '', ''], ['', '', '', ''])
    """
    if col not in frame.columns:
        return pd.Series("", index=frame.index, dtype="object")
    out = frame[col].astype("string").str.strip().fillna("")
    out = out.mask(out.str.casefold().isin(MISSING_WORDS), "")
    return out.astype("object")


def flag_column(frame: pd.DataFrame, col: str) -> pd.Series:
    """A yes/no column as bool (1/true/yes/是 are true; all False when absent).

    >>> flag_column(pd.DataFrame({"f": ["是", "否", None]}), "f").tolist()
    [True, False, False]
    """
    if col not in frame.columns:
        return pd.Series(False, index=frame.index)
    values = frame[col]
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return values.fillna(0).astype(bool)
    text = values.astype("string").str.strip().str.casefold()
    return text.isin(sorted(YES_WORDS)).fillna(False).astype(bool)


def choice_problem(name: str, value: object, allowed: tuple[str, ...]) -> str | None:
    """The error line for an option outside ``allowed``; None when it is allowed.

    >>> choice_problem("rate_basis", "mean", ("count", "area"))
    "rate_basis='mean' is not allowed; choose one of ['count', 'area']"
    >>> choice_problem("rate_basis", "area", ("count", "area")) is None
    True
    """
    if value not in allowed:
        return f"{name}={value!r} is not allowed; choose one of {list(allowed)}"
    return None
