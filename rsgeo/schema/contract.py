"""The patch-table contract, checked the same way at every stage.

Every stage takes and returns tables indexed by ``patch_id``: text, present
and unique. :func:`check_patch_table` is the one check of that contract (and
of the columns a stage needs); it raises :class:`~rsgeo.errors.DuplicateIdError`
for ids and :class:`~rsgeo.errors.FieldError` for columns, each listing every
offending value at once.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"area_m2": [1.0, 2.0]}, index=pd.Index([1, 2], name="patch_id"))
>>> check_patch_table(t, where="township_stats").index.tolist()
['1', '2']
>>> check_patch_table(pd.DataFrame(index=["a", "a", None]), where="classify")
Traceback (most recent call last):
...
rsgeo.errors.DuplicateIdError: classify: the patch table breaks the patch-id contract (ids present and unique):
  - 1 patch id(s) missing
  - 1 patch id(s) appear more than once: a
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

import numpy as np
import pandas as pd

from rsgeo.errors import DuplicateIdError, FieldError, format_problems

__all__ = ["check_patch_table", "normalize_township_code", "patch_id_problems"]

FrameT = TypeVar("FrameT", bound=pd.DataFrame)


def _text_id(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _clean_texts(ids: Iterable[object]) -> pd.Index | None:
    """``ids`` as a text index when each is already a present, stripped, non-empty text
    (what every stage after reading hands on), found without a Python call per id;
    None otherwise (:func:`_text_id` then decides each)."""
    if not isinstance(ids, pd.Index) or pd.api.types.infer_dtype(ids, skipna=False) != "string":
        return None
    texts = ids.astype(str)
    if len(texts) == 0:
        return texts
    # an id is clean when its first and last characters are not space (Python's own
    # str.isspace, as _text_id strips), asked once per distinct character
    ends = pd.unique(pd.Index(np.concatenate([texts.str[0], texts.str[-1]]), dtype=object))
    if any(not isinstance(c, str) or not c or c.isspace() for c in ends):
        return None
    return texts


def patch_id_problems(ids: Iterable[object]) -> list[str]:
    """The ways ``ids`` break the contract (missing, duplicated), in words; [] when none."""
    problems = []
    clean = _clean_texts(ids)
    if clean is not None:
        present = clean
    else:
        texts = [_text_id(v) for v in ids]
        n_missing = sum(t is None for t in texts)
        if n_missing:
            problems.append(f"{n_missing} patch id(s) missing")
        present = pd.Index([t for t in texts if t is not None])
    dups = sorted(set(present[present.duplicated()]))
    if dups:
        shown = ", ".join(dups[:20]) + (" ..." if len(dups) > 20 else "")
        problems.append(f"{len(dups)} patch id(s) appear more than once: {shown}")
    return problems


def check_patch_table(frame: FrameT, *, where: str, require: Iterable[str] = ()) -> FrameT:
    """``frame`` indexed by text patch ids, after checking the contract.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        Indexed by patch id, or with a ``patch_id`` column (which becomes the
        index). Not modified.
    where : str
        The stage, named in the error.
    require : iterable of str
        Columns the stage needs.

    Raises
    ------
    DuplicateIdError
        Ids missing or duplicated (all listed).
    FieldError
        Required columns missing (all listed).
    """
    table = frame.set_index("patch_id") if "patch_id" in frame.columns else frame
    problems = patch_id_problems(table.index)
    if problems:
        raise DuplicateIdError(
            format_problems(
                f"{where}: the patch table breaks the patch-id contract (ids present and unique):",
                problems,
            )
        )
    missing = [c for c in require if c not in table.columns]
    if missing:
        raise FieldError(f"{where}: the patch table lacks the column(s) {', '.join(missing)}")
    clean = _clean_texts(table.index)
    texts = clean if clean is not None else [_text_id(v) for v in table.index]
    ids = pd.Index(texts, name="patch_id", dtype=str)
    out = table.set_axis(ids, axis=0)
    return out


def normalize_township_code(value: object) -> str:
    """A township code as a string: 9 digits, or as given when not numeric.

    Numbers lose a trailing ``.0``; a 12-digit code ending in ``000`` (the
    village-level form) is cut to its 9 digits. Missing values give ``""``.

    Examples
    --------
    >>> normalize_township_code(450225101.0)
    '450225101'
    >>> normalize_township_code("450225101000")
    '450225101'
    >>> normalize_township_code(None)
    ''
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if len(text) == 12 and text.isdigit() and text.endswith("000"):
        text = text[:9]
    return text
