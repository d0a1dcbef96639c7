"""Dates and numbers as county tables write them.

:func:`parse_dates` reads ``2020-12-21``, ``2020/12/21``, ``2020.12.21``,
``2020年12月21日``, ``20201221`` and Excel serial day numbers;
:func:`parse_numbers` reads numbers with thousands separators. Both mark the
non-empty values they could not read instead of raising, so a caller can list
every bad cell at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from typing import Any

import numpy as np
import pandas as pd

from rsgeo._util import is_missing

__all__ = ["parse_dates", "parse_numbers"]

_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def _parse_date(value: Any) -> pd.Timestamp | None:
    """One value to a Timestamp; None when it cannot be read as a date."""
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None) if value.tzinfo is not None else value
    if isinstance(value, dt.datetime):
        return pd.Timestamp(value.replace(tzinfo=None))
    if isinstance(value, dt.date):
        return pd.Timestamp(value)
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer() and 19000101 <= number <= 29991231:
            return _parse_date(str(int(number)))
        if 20000 <= number < 80000:  # Excel serial day (1954-2119)
            return pd.Timestamp(_EXCEL_EPOCH + dt.timedelta(days=number))
        return None
    if isinstance(value, str):
        text = value.strip()
        match = _DATE_RE.match(text) or _COMPACT_RE.match(text)
        if match is None:
            if re.fullmatch(r"\d+(\.\d+)?", text):
                return _parse_date(float(text))
            return None
        year, month, day = (int(g) for g in match.groups())
        try:
            return pd.Timestamp(year=year, month=month, day=day)
        except ValueError:
            return None
    return None


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse dates written the ways county tables write them.

    Accepts datetimes, ``2020-12-21``, ``2020/12/21``, ``2020.12.21``,
    ``2020年12月21日``, ``20201221`` and Excel serial day numbers.

    Returns
    -------
    (dates, bad) : (Series of datetime64, Series of bool)
        ``bad`` marks non-empty values that are not dates (they become NaT).

    Examples
    --------
    >>> d, bad = parse_dates(pd.Series(["2020年12月21日", "20201221", "", "2020-02-30"]))
    >>> [str(x.date()) if pd.notna(x) else None for x in d]
    ['2020-12-21', '2020-12-21', None, None]
    >>> bad.tolist()
    [False, False, False, True]
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        dates = values
        if getattr(values.dt, "tz", None) is not None:
            dates = values.dt.tz_localize(None)
        return dates.astype("datetime64[ns]"), pd.Series(False, index=values.index)
    cache: dict[Any, pd.Timestamp | None] = {}
    parsed: list[Any] = []
    bad: list[bool] = []
    for value in values.tolist():
        if is_missing(value):
            parsed.append(pd.NaT)
            bad.append(False)
            continue
        try:
            stamp = cache[value]
        except (KeyError, TypeError):
            stamp = _parse_date(value)
            with contextlib.suppress(TypeError):
                cache[value] = stamp
        parsed.append(pd.NaT if stamp is None else stamp)
        bad.append(stamp is None)
    dates = pd.to_datetime(pd.Series(parsed, dtype=object))
    dates.index = values.index
    return dates.astype("datetime64[ns]"), pd.Series(bad, index=values.index, dtype=bool)


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse numbers (thousands separators and spaces allowed).

    Returns ``(numbers, bad)`` where ``bad`` marks non-empty values that are
    not numbers.

    >>> n, bad = parse_numbers(pd.Series(["1,234.5", 7, None, "约10"]))
    >>> n.tolist()[:2], bad.tolist()
    ([1234.5, 7.0], [False, False, False, True])
    """
    out: list[float] = []
    bad: list[bool] = []
    for value in values.tolist():
        if is_missing(value):
            out.append(np.nan)
            bad.append(False)
            continue
        if isinstance(value, bool):
            out.append(np.nan)
            bad.append(True)
            continue
        if isinstance(value, (int, float, np.integer, np.floating)):
            out.append(float(value))
            bad.append(not np.isfinite(float(value)))
            continue
        text = re.sub(r"[\s,，]", "", str(value))
        try:
            number = float(text)
        except ValueError:
            out.append(np.nan)
            bad.append(True)
            continue
        out.append(number)
        bad.append(not np.isfinite(number))
    return (
        pd.Series(out, index=values.index, dtype="float64"),
        pd.Series(bad, index=values.index, dtype=bool),
    )
