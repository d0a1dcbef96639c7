"""County tables: one reader for Excel and CSV, and the manual flags table.

:func:`read_table` is the one way rsgeo opens a table a county prepares
(determinations, manual flags, thresholds tables): ``.xlsx``/``.xlsm`` sheets
and CSV text in UTF-8 (with or without a byte-order mark) or GBK/GB18030.
Every fault is one :class:`~rsgeo.errors.DataFileError` naming the file and
the fix. Cells stay as written (text, or Excel's own numbers and dates);
:mod:`rsgeo.schema.cells` reads dates and numbers out of them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from rsgeo.errors import DataFileError, FieldError, InputError, format_problems
from rsgeo.schema.contract import normalize_township_code
from rsgeo.schema.fields import MANUAL_FLAG_FIELDS, TOWNSHIP_FIELDS, canonical_name

__all__ = ["TABLE_SUFFIXES", "read_manual_flags", "read_table"]

TABLE_SUFFIXES: tuple[str, ...] = (".xlsx", ".xlsm", ".csv", ".txt")
"""File types :func:`read_table` reads."""

TEXT_ENCODINGS: tuple[str, ...] = ("utf-8-sig", "gb18030")
"""Encodings tried, in order, for a CSV file without a given encoding."""


def read_table(
    path: str | os.PathLike[str],
    *,
    sheet: str | int = 0,
    encoding: str | None = None,
    header: bool = True,
    what: str = "table",
) -> pd.DataFrame:
    r"""Read one county table (an Excel sheet or a CSV file) as written.

    Parameters
    ----------
    path : str or path-like
        ``.xlsx``, ``.xlsm``, ``.csv`` or ``.txt``.
    sheet : str or int, default 0
        Sheet name or position (Excel only).
    encoding : str, optional
        Text encoding of a CSV file; by default UTF-8, else GB18030 (GBK).
    header : bool, default True
        The first row holds the column names; False keeps every row as data
        (for tables whose header row must be found first).
    what : str, default "table"
        What the table is, for the messages ("determinations table").

    Returns
    -------
    pandas.DataFrame
        Text cells (CSV: empty cells are ``""``); Excel cells as stored.

    Raises
    ------
    rsgeo.errors.DataFileError
        Missing file, unsupported type, old ``.xls``, unknown sheet, a text
        encoding that does not fit, or a file that is not a table.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "t.csv"
    ...     _ = p.write_bytes("乡镇代码,标准\n450225101,5\n".encode("gbk"))
    ...     read_table(p).to_dict("records")
    [{'乡镇代码': '450225101', '标准': '5'}]
    """
    p = Path(path)
    suffix = p.suffix.casefold()
    if not p.exists():
        raise DataFileError(f"{what} not found: {p}")
    if suffix == ".xls":
        raise DataFileError(f"{what} {p}: old .xls files are not read; save it as .xlsx")
    if suffix not in TABLE_SUFFIXES:
        raise DataFileError(
            f"{what} {p}: unsupported file type {suffix!r}; use one of {', '.join(TABLE_SUFFIXES)}"
        )
    head = 0 if header else None
    try:
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(p, sheet_name=sheet, header=head, dtype=object)
        tried = [encoding] if encoding else list(TEXT_ENCODINGS)
        for enc in tried:
            try:
                return pd.read_csv(p, header=head, dtype=str, keep_default_na=False, encoding=enc)
            except UnicodeDecodeError:
                continue
        raise DataFileError(
            f"{what} {p}: the text is not in {', '.join(tried)}; give its encoding "
            '(encoding = "gbk" in the job file)'
        )
    except DataFileError:
        raise
    except LookupError as err:
        raise DataFileError(f"{what} {p}: unknown encoding {encoding!r}") from err
    except (OSError, ValueError, KeyError) as err:
        raise DataFileError(f"cannot read the {what} {p}: {err}") from err


def read_manual_flags(
    flags: pd.DataFrame | Mapping[str, object] | str | os.PathLike[str],
    *,
    sheet: str | int = 0,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Normalise a manual flags table for criteria 2 and 5.

    One row per flag: ``township_code``, ``criterion`` (2 or 5; also "二",
    "五", "标准二") and ``note`` (why; required, the reason shown in the
    workbook). Chinese headers (乡镇代码, 标准, 备注/说明) are accepted.
    Several rows for one township and criterion are joined with "；".

    Returns
    -------
    pandas.DataFrame
        Columns ``township_code`` (str), ``criterion`` (int), ``note`` (str).

    Examples
    --------
    >>> import pandas as pd
    >>> t = read_manual_flags(pd.DataFrame({"乡镇代码": [450225101],
    ...     "标准": ["五"], "备注": ["抽查发现瞒案不报"]}))
    >>> t.to_dict("records")
    [{'township_code': '450225101', 'criterion': 5, 'note': '抽查发现瞒案不报'}]
    """
    if isinstance(flags, str | os.PathLike):
        flags = read_table(flags, sheet=sheet, encoding=encoding, what="manual flags table")
    frame = pd.DataFrame(flags).copy()
    renames: dict[str, str] = {}
    for col in frame.columns:
        name = str(col).strip()
        canon = canonical_name(name, TOWNSHIP_FIELDS)
        if canon is None:
            for key, aliases in MANUAL_FLAG_FIELDS.items():
                if name.casefold() in {a.casefold() for a in aliases}:
                    canon = key
        if canon is not None:
            renames[col] = canon
    frame = frame.rename(columns=renames)
    missing = [c for c in ("township_code", "criterion", "note") if c not in frame.columns]
    if missing:
        raise FieldError(
            f"Manual flags table lacks columns {missing}; expected township_code (乡镇代码), "
            f"criterion (标准: 2 or 5) and note (备注), got {list(frame.columns)}"
        )
    problems = []
    crits = []
    words = {"二": 2, "五": 5, "2": 2, "5": 5}
    for i, value in enumerate(frame["criterion"].tolist()):
        text = str(value).strip()
        for prefix in ("criterion_", "criterion", "标准", "第"):
            text = text.removeprefix(prefix)
        text = text.removesuffix(".0").removesuffix("条").strip()
        k = words.get(text)
        if k is None:
            problems.append(
                f"row {i + 1}: criterion {value!r} is not a manual criterion (allowed: 2, 5)"
            )
        crits.append(k)
    notes = frame["note"].astype("string").fillna("").str.strip()
    for i, note in enumerate(notes.tolist()):
        if not note:
            problems.append(f"row {i + 1}: note is empty; a manual flag needs the reason")
    codes = [normalize_township_code(c) for c in frame["township_code"].tolist()]
    for i, code in enumerate(codes):
        if not code:
            problems.append(f"row {i + 1}: township_code is empty")
    if problems:
        raise InputError(format_problems(f"{len(problems)} problems in manual flags:", problems))
    return pd.DataFrame(
        {"township_code": codes, "criterion": crits, "note": notes.tolist()}
    ).astype({"criterion": "int64"})
