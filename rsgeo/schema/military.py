"""Military-land patches (军用土地图斑).

The work plan requires military-land patches to be reported separately under
seal (以机要件单独上报). They are kept in the analysis tables so that counts
and totals stay right, but every ordinary output (workbook detail, CSV, maps,
dossiers, review listings) must pass its table through :func:`ordinary`
first. The sealed output is written only by the functions of this module.

A patch is military land when any of these is true:

* ``flag_military`` (set by :func:`rsgeo.classify`) is true;
* the patch field ``military`` (aliases SFJY, 是否军用) is truthy;
* the determination sub-type or actual use names military land (军用/军事).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar

import pandas as pd

__all__ = ["MILITARY_WORDS", "is_military", "ordinary", "redact_ids", "split_military"]

MILITARY_WORDS: tuple[str, ...] = ("军用", "军事")
_TRUTHY = {"1", "true", "t", "y", "yes", "是", "军用", "军用土地"}

FrameT = TypeVar("FrameT", bound=pd.DataFrame)


def _truthy(values: pd.Series) -> pd.Series:
    as_text = values.astype("string").str.strip().str.casefold()
    return as_text.isin(_TRUTHY).fillna(False).astype(bool)


def is_military(frame: pd.DataFrame) -> pd.Series:
    """Boolean Series: which rows are military-land patches.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"military": ["是", "", None]}, index=["a", "b", "c"])
    >>> is_military(df).tolist()
    [True, False, False]
    >>> df = pd.DataFrame({"determination_subtype": ["军用土地", "农村宅基地"]})
    >>> is_military(df).tolist()
    [True, False]
    >>> df = pd.DataFrame({"flag_military": ["否", "False", "0", "是", "True"]})
    >>> is_military(df).tolist()
    [False, False, False, True, True]
    """
    mask = pd.Series(False, index=frame.index)
    for name in ("flag_military", "military"):
        if name in frame.columns:
            col = frame[name]
            if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
                mask |= col.fillna(0).astype(bool)
            else:  # text, e.g. a table read back from Excel: 是/否, True/False
                mask |= _truthy(col)
    for name in ("determination_subtype", "actual_use"):
        if name in frame.columns:
            text = frame[name].astype("string").fillna("")
            for word in MILITARY_WORDS:
                mask |= text.str.contains(word, regex=False).astype(bool)
    return mask.astype(bool)


def ordinary(frame: FrameT) -> FrameT:
    """The rows that may appear in ordinary outputs (military land removed).

    Works for patch tables and for township pieces (index level ``patch_id``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"flag_military": [False, True]}, index=["p1", "p2"])
    >>> ordinary(df).index.tolist()
    ['p1']
    """
    return frame.loc[~is_military(frame).to_numpy()].copy()


def split_military(frame: FrameT) -> tuple[FrameT, FrameT]:
    """Split a table into (ordinary, sealed military) rows.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"military": [0, 1]}, index=["p1", "p2"])
    >>> ok, sealed = split_military(df)
    >>> ok.index.tolist(), sealed.index.tolist()
    (['p1'], ['p2'])
    """
    mask = is_military(frame).to_numpy()
    return frame.loc[~mask].copy(), frame.loc[mask].copy()


def redact_ids(text: str, ids: Iterable[str], *, placeholder: str = "〔军用土地图斑，略〕") -> str:
    """Replace every military patch id in a text (a report, a warning) by a placeholder.

    An id matches only as a whole token, so ``P1`` does not touch ``P10``.

    Examples
    --------
    >>> redact_ids("修复无效几何 2 个: P1, P10", ["P1"])
    '修复无效几何 2 个: 〔军用土地图斑，略〕, P10'
    """
    wanted = sorted({str(i) for i in ids if str(i)}, key=len, reverse=True)
    if not wanted:
        return text
    pattern = "|".join(re.escape(i) for i in wanted)
    return re.sub(rf"(?<![0-9A-Za-z_-])(?:{pattern})(?![0-9A-Za-z_-])", placeholder, text)
