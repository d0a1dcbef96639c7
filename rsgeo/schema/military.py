"""Military-land patches (军用土地图斑): the one predicate, and redaction.

The work plan requires military-land patches to be reported separately under
seal (以机要件单独上报). Ordinary outputs — statistics, totals, lists,
criteria, maps, dossiers, the review record, CSV — are computed from ordinary
patches only; the sealed folder holds the rest. Every stage decides with
:func:`military_status`, and nothing else.

The forms seen in deliveries and county tables, and how each is read:

===============================================  ===========================
where                                            read as
===============================================  ===========================
``flag_military`` true (the patch touches the     sealed
military layer, :func:`rsgeo.classify`)
field ``military`` (SFJY, 是否军用): 是, Y, 1,    sealed
true, 军用, 军事, 军用土地, 军事用地, 是(军用),
是（军用）, any text with 军用 or 军事
field ``military``: empty, 否, N, 0, false,       ordinary
非军用, 非军事用地, 无, /, -
field ``military``: anything else (待定, 不详,     **ambiguous**: sealed, and
疑似, ?)                                          listed in the sealed folder
                                                  for a person to decide
``determination_subtype``, ``actual_use``,        sealed
``land_class_name`` with 军用 or 军事
``land_class_code`` 0901 (军事设施用地)           sealed
===============================================  ===========================

An ambiguous marking is never published: it is sealed until a person
decides, which is the safe side of a mistake.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Literal, TypeVar

import numpy as np
import pandas as pd

from rsgeo.schema.vocabulary import (
    MILITARY_LAND_CLASSES,
    MILITARY_NO,
    MILITARY_WORDS,
    MILITARY_YES,
)

__all__ = [
    "MILITARY_WORDS",
    "MilitaryStatus",
    "ambiguous_military",
    "is_military",
    "military_status",
    "ordinary",
    "redact_ids",
    "redacting",
    "split_military",
]

MilitaryStatus = Literal["ordinary", "sealed", "ambiguous"]

FrameT = TypeVar("FrameT", bound=pd.DataFrame)

PLACEHOLDER = "〔军用土地图斑，略〕"
"""What a sealed patch id becomes in a message."""

_WORDS_RE = "|".join(MILITARY_WORDS)
_WORDS = re.compile(_WORDS_RE)


def _texts(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """A column as text (missing: ``""``): codes into its distinct texts, and those texts.

    Every rule reads a text on its own, so each distinct text is read once:
    a county's columns hold a few distinct words in hundreds of thousands of rows.
    """
    text = values.astype("string").fillna("")
    codes, uniques = pd.factorize(text)
    return np.asarray(codes), [str(u) for u in uniques]


def _field_status(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(sealed, ambiguous) masks of a military field."""
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        sealed = values.fillna(0).astype(bool).to_numpy(dtype=bool)
        return sealed, np.zeros(len(values), dtype=bool)
    codes, texts = _texts(values)
    yes_of, unsure_of = [], []
    for text in texts:
        text = text.strip()
        folded = text.casefold()
        no = folded in MILITARY_NO
        yes = not no and (folded in MILITARY_YES or _WORDS.search(text) is not None)
        yes_of.append(yes)
        unsure_of.append(not no and not yes)
    return _spread(yes_of, codes), _spread(unsure_of, codes)


def _spread(per_text: list[bool], codes: np.ndarray) -> np.ndarray:
    """A mask of the rows from the answers for each distinct text."""
    return np.asarray(per_text, dtype=bool)[codes] if per_text else np.zeros(len(codes), bool)


def _masks(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(sealed, ambiguous) masks of the rows; a sealed row is never also ambiguous."""
    sealed = np.zeros(len(frame), dtype=bool)
    ambiguous = np.zeros(len(frame), dtype=bool)
    for name in ("flag_military", "military"):
        if name in frame.columns:
            yes, unsure = _field_status(frame[name])
            sealed |= yes
            ambiguous |= unsure
    for name in ("determination_subtype", "actual_use", "land_class_name"):
        if name in frame.columns:
            codes, texts = _texts(frame[name])
            sealed |= _spread([_WORDS.search(t) is not None for t in texts], codes)
    if "land_class_code" in frame.columns:
        codes, texts = _texts(frame["land_class_code"])
        sealed |= _spread([t.strip() in MILITARY_LAND_CLASSES for t in texts], codes)
    return sealed, ambiguous & ~sealed


def military_status(frame: pd.DataFrame) -> pd.Series:
    """For each row: ``"sealed"``, ``"ambiguous"`` (also sealed) or ``"ordinary"``.

    See the module notes for every form read.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"military": ["是(军用)", "军事用地", "否", "待定", None]})
    >>> military_status(df).tolist()
    ['sealed', 'sealed', 'ordinary', 'ambiguous', 'ordinary']
    >>> military_status(pd.DataFrame({"land_class_code": ["0901", "0103"]})).tolist()
    ['sealed', 'ordinary']
    """
    sealed, ambiguous = _masks(frame)
    status = np.where(sealed, "sealed", np.where(ambiguous, "ambiguous", "ordinary"))
    return pd.Series(status.astype(object), index=frame.index, dtype=object)


def is_military(frame: pd.DataFrame) -> pd.Series:
    """Boolean Series: which rows are sealed (military land, or an ambiguous marking).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"military": ["是", "", None, "不详"]}, index=["a", "b", "c", "d"])
    >>> is_military(df).tolist()
    [True, False, False, True]
    >>> df = pd.DataFrame({"determination_subtype": ["军用土地", "农村宅基地"]})
    >>> is_military(df).tolist()
    [True, False]
    >>> df = pd.DataFrame({"flag_military": ["否", "False", "0", "是", "True"]})
    >>> is_military(df).tolist()
    [False, False, False, True, True]
    """
    sealed, ambiguous = _masks(frame)
    return pd.Series(sealed | ambiguous, index=frame.index, dtype=bool)


def ambiguous_military(frame: pd.DataFrame) -> pd.Series:
    """Boolean Series: rows sealed only because their marking is ambiguous."""
    return pd.Series(_masks(frame)[1], index=frame.index, dtype=bool)


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


def redact_ids(text: str, ids: Iterable[str], *, placeholder: str = PLACEHOLDER) -> str:
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


@contextmanager
def redacting(ids: Iterable[str]) -> Iterator[None]:
    """Sealed ids never leave this block in a warning or an error message.

    Warnings raised inside are re-issued with the ids replaced; an exception
    is re-raised as the same class with its message redacted (its traceback
    chain is cut, since the original message names the ids). Pass a ``set``
    to add ids while the block runs.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     with redacting(["M1"]):
    ...         warnings.warn("ids not in the batch: M1, P2")
    >>> str(seen[0].message)
    'ids not in the batch: 〔军用土地图斑，略〕, P2'
    """
    # a set is read when a message is redacted: ids found sealed later count too
    sealed = ids if isinstance(ids, set) else {str(i) for i in ids}
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as recorded:
            warnings.simplefilter("always")
            try:
                yield
            finally:
                caught = list(recorded)
    except Exception as err:
        text = str(err)
        clean = redact_ids(text, sealed)
        if clean == text:
            raise
        try:
            again = type(err)(clean)
        except Exception:  # an exception class with another signature
            again = RuntimeError(clean)
        raise again from None
    finally:  # re-issued outside the recording block, ids replaced
        for w in caught:
            warnings.warn_explicit(
                redact_ids(str(w.message), sealed), w.category, w.filename, w.lineno
            )
