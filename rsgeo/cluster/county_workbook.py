"""The province workbook by county: a county sheet and the township rows by county.

Written through the one Excel writer (:mod:`rsgeo.outputs.excel`), with the
headers of the township summary (:data:`rsgeo.outputs.workbook.SUMMARY_COLUMNS`).
It prints what it is handed: the county rows of
:func:`rsgeo.cluster.counties.county_stats` (the province total row
included) and the township rows of the run's statistics. Areas are in m²
(two decimals shown, the unrounded value stored), ratios and rates in %.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rsgeo.cluster.partition import COUNTY_CODE_DIGITS
from rsgeo.errors import OutputExistsError
from rsgeo.outputs.excel import Sheet, new_workbook, save_workbook, write_sheet
from rsgeo.outputs.workbook import SUMMARY_COLUMNS
from rsgeo.schema.fields import PATCH_FIELDS
from rsgeo.schema.labels import COUNTY_LABELS, TOTAL_ROW_NAME
from rsgeo.schema.layer_fields import UNIT_WORDS
from rsgeo.stats.township import TOTAL_LABEL, township_rows

__all__ = ["write_county_workbook"]

_FORMATS = {"count": "0", "area": "0.00", "pct": "0.00"}
COUNTY_NAME = PATCH_FIELDS["county_name"][1]
"""The county-name header: the Chinese name of the field (县名称)."""


def _unit(header: str, unit: str) -> str:
    return f"{header[:-1]}，{unit}）" if header.endswith("）") else f"{header}（{unit}）"


def _figures(sheet: Sheet, rows: pd.DataFrame) -> None:
    """The summary columns of ``rows`` (counts, areas in m², ratios in %)."""
    for col, header, kind in SUMMARY_COLUMNS:
        if col not in rows.columns or kind == "text":
            continue
        values = pd.to_numeric(rows[col], errors="coerce").astype("float64").to_numpy()
        if kind == "count":
            sheet.add(header, [int(v) for v in values], _FORMATS["count"])
        elif kind == "area":
            sheet.add(_unit(header, UNIT_WORDS["_m2"]), list(values), _FORMATS["area"])
        else:
            pct = [None if not np.isfinite(v) else v * 100.0 for v in values]
            sheet.add(_unit(header, COUNTY_LABELS["pct_unit"]), pct, _FORMATS["pct"])


def write_county_workbook(
    path: str | Path,
    county_stats: pd.DataFrame,
    township_stats: pd.DataFrame,
    *,
    county_names: dict[str, str] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write 分县统计.xlsx: sheet 分县汇总 (county rows, 合计) and the township rows by county.

    Parameters
    ----------
    path : str or Path
        The workbook.
    county_stats : DataFrame
        :func:`rsgeo.cluster.counties.county_stats` (with its total row).
    township_stats : DataFrame
        The run's township statistics.
    county_names : dict, optional
        County code → name for the township sheet (default: the county rows' names).
    overwrite : bool, default False
        Replace an existing file.

    Returns
    -------
    Path
    """
    out = Path(path)
    if out.exists() and not overwrite:
        raise OutputExistsError(f"{out} exists; pass overwrite=True to replace it")
    counties = county_stats.loc[county_stats.index.astype(str) != TOTAL_LABEL]
    total = county_stats.loc[[TOTAL_LABEL]]
    rows = pd.concat([counties, total])
    codes = [*counties.index.astype(str), TOTAL_ROW_NAME]
    sheet = Sheet(COUNTY_LABELS["county_sheet"], key_columns=2)
    sheet.add(COUNTY_LABELS["county_code"], codes)
    sheet.add(COUNTY_NAME, [*counties["township_name"].astype(str), ""])
    _figures(sheet, rows)
    sheet.bold_rows.add(len(counties))

    names: dict[str, Any] = dict(
        county_names
        or zip(counties.index.astype(str), counties["township_name"].astype(str), strict=True)
    )
    towns = township_rows(township_stats)
    towns = towns.iloc[np.argsort(towns.index.astype(str).str[:COUNTY_CODE_DIGITS], kind="stable")]
    town_codes = towns.index.astype(str)
    by_county = Sheet(COUNTY_LABELS["township_sheet"], key_columns=4)
    by_county.add(COUNTY_LABELS["county_code"], list(town_codes.str[:COUNTY_CODE_DIGITS]))
    by_county.add(
        COUNTY_NAME,
        [str(names.get(c[:COUNTY_CODE_DIGITS], "")) for c in town_codes],
    )
    by_county.add(COUNTY_LABELS["township_code"], list(town_codes))
    by_county.add(SUMMARY_COLUMNS[0][1], towns["township_name"].astype(str).tolist())
    _figures(by_county, towns)

    wb = new_workbook()
    for sh in (sheet, by_county):
        write_sheet(wb.create_sheet(sh.title), sh)
    return save_workbook(wb, out)
