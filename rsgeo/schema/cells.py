"""Dates and numbers as county tables write them: the one grammar of a cell.

:func:`parse_date` reads one value, :func:`parse_dates` and
:func:`parse_numbers` read columns. Dates: ``2020-12-21``, ``2020/12/21``,
``2020.12.21``, ``2020年12月21日``, ``20201221`` (a time part is dropped) and
Excel serial day numbers (1954–2119). Numbers: thousands separators
(``1,234.5``, ``1 234``), a decimal comma (``1,5`` is 1.5, ``1.234,5`` is
1234.5) and full-width digits. The column readers mark the non-empty values
they could not read instead of raising, so a caller can list every bad cell
at once; every other module reads dates and numbers through here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from rsgeo.schema.vocabulary import EMPTY_WORDS, MISSING_WORDS

__all__ = ["is_missing", "parse_date", "parse_dates", "parse_number", "parse_numbers"]

_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_THOUSANDS_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")


def is_missing(value: Any) -> bool:
    """Whether a cell is blank: None, NA, NaT, NaN, or text such as ``""``, ``nan``, ``None``.

    >>> [is_missing(v) for v in (None, float("nan"), " NaN ", "<NA>", "0", 0)]
    [True, True, True, True, False, False]
    """
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float | np.floating) and np.isnan(value):
        return True
    return isinstance(value, str) and value.strip().casefold() in MISSING_WORDS


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


def _is_empty(value: Any) -> bool:
    return is_missing(value) or (isinstance(value, str) and value.strip().casefold() in EMPTY_WORDS)


def parse_date(value: Any) -> dt.date | None:
    """One cell as a date; None when empty; :class:`ValueError` when it is no date.

    Examples
    --------
    >>> parse_date("2020年12月21日")
    datetime.date(2020, 12, 21)
    >>> parse_date(44186)
    datetime.date(2020, 12, 21)
    >>> parse_date("/") is None
    True
    >>> parse_date("2020-02-30")
    Traceback (most recent call last):
    ...
    ValueError: cannot read '2020-02-30' as a date
    """
    if _is_empty(value):
        return None
    stamp = _parse_date(value)
    if stamp is None or pd.isna(stamp):
        raise ValueError(f"cannot read {value!r} as a date")
    return stamp.date()


def parse_number(text: str) -> float:
    """One text cell as a number; :class:`ValueError` when it is none.

    A comma is a thousands separator when it groups digits by three
    (``1,234``, ``12,345,678``) and a decimal comma otherwise (``1,5``); with
    both a comma and a point, the last one is the decimal mark.

    >>> [parse_number(s) for s in ("1,234.5", "1,5", "1.234,5", "12,345", "１２", " 7 ")]
    [1234.5, 1.5, 1234.5, 12345.0, 12.0, 7.0]
    """
    s = unicodedata.normalize("NFKC", str(text)).strip()
    s = re.sub(r"[\s_']", "", s).replace("，", ",")
    if "," in s and "." in s:
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif "," in s:
        s = s.replace(",", "") if _THOUSANDS_RE.match(s) else s.replace(",", ".", 1)
    number = float(s)  # ValueError for anything else
    if not np.isfinite(number):
        raise ValueError(f"{text!r} is not a finite number")
    return number


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
        if _is_empty(value):
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
    """Parse numbers (thousands separators, a decimal comma, spaces; see :func:`parse_number`).

    Returns ``(numbers, bad)`` where ``bad`` marks non-empty values that are
    not numbers.

    >>> n, bad = parse_numbers(pd.Series(["1,234.5", 7, None, "约10", "1,5"]))
    >>> n.tolist()[:2], n.tolist()[4], bad.tolist()
    ([1234.5, 7.0], 1.5, [False, False, False, True, False])
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
        try:
            number = parse_number(str(value))
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
