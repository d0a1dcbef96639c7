"""The one grammar of dates and numbers in county tables."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rsgeo.schema.cells import parse_date, parse_dates, parse_number, parse_numbers


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2020-12-21", dt.date(2020, 12, 21)),
        ("2020/12/21", dt.date(2020, 12, 21)),
        ("2020.12.21", dt.date(2020, 12, 21)),
        ("2020年12月21日", dt.date(2020, 12, 21)),
        ("20201221", dt.date(2020, 12, 21)),
        ("2020-12-21 08:30:00", dt.date(2020, 12, 21)),
        (44186, dt.date(2020, 12, 21)),  # Excel serial: 1899-12-30 + 44186 days
        (dt.datetime(2020, 12, 21, 9), dt.date(2020, 12, 21)),
        ("/", None),
        ("无", None),
        ("", None),
        (None, None),
    ],
)
def test_dates_written_the_ways_counties_write_them(text: object, day: dt.date | None) -> None:
    assert parse_date(text) == day


@pytest.mark.parametrize("text", ["2020-02-30", "21/12/2020", "明天", "12"])
def test_no_date_is_an_error_naming_the_value(text: str) -> None:
    with pytest.raises(ValueError, match=repr(text).replace("[", r"\[")):
        parse_date(text)


@given(
    st.dates(min_value=dt.date(1955, 1, 1), max_value=dt.date(2100, 12, 31)),
    st.sampled_from(["{y}-{m:02d}-{d:02d}", "{y}/{m}/{d}", "{y}年{m}月{d}日", "{y}{m:02d}{d:02d}"]),
)
def test_the_scalar_and_the_column_readers_are_one_grammar(day: dt.date, form: str) -> None:
    text = form.format(y=day.year, m=day.month, d=day.day)
    dates, bad = parse_dates(pd.Series([text]))
    assert parse_date(text) == day == dates.iloc[0].date()
    assert not bad.iloc[0]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1,5", 1.5),  # a decimal comma
        ("12,75", 12.75),
        ("1,234", 1234.0),  # digits grouped by three: thousands
        ("1,234,567.25", 1234567.25),
        ("1.234,5", 1234.5),  # European: the last mark is the decimal one
        ("１２３", 123.0),  # full-width digits
        (" 7 ", 7.0),
        ("-0,5", -0.5),
    ],
)
def test_numbers_with_separators_and_decimal_commas(text: str, number: float) -> None:
    assert parse_number(text) == number
    values, bad = parse_numbers(pd.Series([text]))
    assert values.iloc[0] == number and not bad.iloc[0]


def test_unreadable_numbers_are_marked_not_guessed() -> None:
    values, bad = parse_numbers(pd.Series(["约10", "1,2,3", "", None, "inf"]))
    assert bad.tolist() == [True, True, False, False, True]
    assert values.isna().all()
