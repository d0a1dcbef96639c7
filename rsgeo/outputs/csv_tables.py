"""CSV tables with English snake_case columns, full precision, for scripts.

:func:`write_csv` writes any rsgeo table (township statistics, patch table,
pieces, lists) as UTF-8 with a byte-order mark, so Excel reads the Chinese
text. Military-land rows are removed first. Text cells that a spreadsheet
would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) are written with a leading ``'`` (:func:`escape_cell`), so a
value from the input never runs as code when the file is opened in Excel.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from rsgeo.outputs.excel import atomic_save, check_outputs
from rsgeo.schema.military import is_military

__all__ = ["CSV_CHUNK_ROWS", "FORMULA_STARTS", "escape_cell", "patch_csv_table", "write_csv"]


def patch_csv_table(result: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """The patch table with the per-patch figures of the statistics beside it."""
    extra = figures[
        ["counted_illegal_area_m2", "counted_illegal_farmland_m2", "deducted_share", "is_deducted"]
    ].reindex(result.index)
    return pd.concat(
        [pd.DataFrame(result).drop(columns="geometry", errors="ignore"), extra], axis=1
    )


def write_csv(
    path: str | os.PathLike[str],
    frame: pd.DataFrame,
    *,
    patches: pd.DataFrame | None = None,
    overwrite: bool = False,
    encoding: str = "utf-8-sig",
) -> Path:
    """Write an rsgeo table as CSV with its English snake_case columns.

    Values are written at full precision (no rounding) for scripts; the
    index (``township_code`` or ``patch_id``) becomes the first column(s) and
    geometry is left out. Military-land rows are removed
    (:func:`rsgeo.schema.military.ordinary`); for a table without military columns
    whose index (or index level ``patch_id``) holds patch ids, pass the patch
    table as ``patches`` so they can be recognised.

    Parameters
    ----------
    path : str or path-like
        The CSV file to write.
    frame : pandas.DataFrame
        Any rsgeo table: township statistics, patch table, pieces, lists.
    patches : pandas.DataFrame, optional
        Patch table used to find military patches by id.
    overwrite : bool, default False
        Replace an existing file; otherwise
        :class:`rsgeo.errors.OutputExistsError`.
    encoding : str, default "utf-8-sig"
        UTF-8 with a byte-order mark, so Excel reads the Chinese text.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> df = pd.DataFrame({"area_m2": [1.5, 2.0], "flag_military": [False, True]},
    ...                   index=pd.Index(["p1", "p2"], name="patch_id"))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = write_csv(pathlib.Path(d) / "t.csv", df)
    ...     print(p.read_text(encoding="utf-8-sig").strip())
    patch_id,area_m2,flag_military
    p1,1.5,False
    """
    out = Path(path)
    check_outputs([out], overwrite)
    table = pd.DataFrame(frame)
    keep = ~is_military(table).to_numpy()  # the rows of ordinary(table), without a copy
    if patches is not None:
        military_ids = set(patches.index[is_military(patches).to_numpy()].astype(str))
        if military_ids:
            if isinstance(table.index, pd.MultiIndex) and "patch_id" in table.index.names:
                ids = table.index.get_level_values("patch_id").astype(str)
            else:
                ids = table.index.astype(str)
            keep &= ~np.asarray(ids.isin(military_ids))
    rows = np.flatnonzero(keep)
    columns = [
        j
        for j, col in enumerate(table.columns)
        if col != "geometry" and not _holds_shapes(table.iloc[rows[:1], j])
    ]

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding=encoding, newline="") as fh:
            for start in range(0, max(len(rows), 1), CSV_CHUNK_ROWS):
                part = table.iloc[rows[start : start + CSV_CHUNK_ROWS], columns]
                _never_formulas(part).to_csv(fh, header=start == 0, index=True)

    atomic_save(out, write)
    return out


CSV_CHUNK_ROWS = 50_000
"""Rows escaped and written at a time: a large table is never copied whole."""


def _holds_shapes(first: pd.Series) -> bool:
    """Whether a column holds geometries (judged by its first written row)."""
    return first.dtype == object and len(first) > 0 and hasattr(first.iloc[0], "wkt")


FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""Text starting with one of these runs as a formula when a spreadsheet opens a CSV."""


def escape_cell(value: object) -> object:
    """A text cell that cannot run as a formula: a leading ``'`` when it needs one.

    Numbers are left alone (``-3.5`` is a number, not text); text such as
    ``=HYPERLINK(...)``, ``+1``, ``-cmd``, ``@SUM`` or one starting with a tab
    gets a ``'`` in front, which spreadsheets show as text and do not run.

    >>> [escape_cell(v) for v in ("=1+1", "融水镇", "-cmd|' /C calc'!A0", -3.5, "@SUM(A1)")]
    ["'=1+1", '融水镇', "'-cmd|' /C calc'!A0", -3.5, "'@SUM(A1)"]
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _never_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """Every text cell, column name and index label escaped (:func:`escape_cell`)."""
    out = table.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(escape_cell)
    out.columns = pd.Index([escape_cell(c) for c in out.columns])
    if isinstance(out.index, pd.MultiIndex):
        out.index = pd.MultiIndex.from_tuples(
            [tuple(escape_cell(v) for v in key) for key in out.index], names=out.index.names
        )
    else:
        out.index = pd.Index([escape_cell(v) for v in out.index], name=out.index.name)
    return out
