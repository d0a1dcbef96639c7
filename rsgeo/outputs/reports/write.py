"""Writing every draft report into one folder (see :mod:`rsgeo.outputs.reports`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rsgeo.errors import InputError
from rsgeo.outputs.excel import check_outputs
from rsgeo.outputs.names import safe_name
from rsgeo.outputs.reports.accountability import write_accountability
from rsgeo.outputs.reports.county import write_county_report
from rsgeo.outputs.reports.document import load_docx
from rsgeo.outputs.reports.figures import (
    accountability_rows,
    listed_patches,
    shown_figures,
    suggested_count,
    township_positions,
)
from rsgeo.outputs.reports.township import write_township_report
from rsgeo.schema.reports import FILE_NAMES, TOWNSHIP_DIR
from rsgeo.stats.township import TOTAL_LABEL

__all__ = ["write_reports"]


def write_reports(
    out_dir: str | os.PathLike[str],
    stats: pd.DataFrame,
    result: pd.DataFrame,
    lists: pd.DataFrame | None = None,
    *,
    figures: pd.DataFrame,
    subtitle: str,
    n_sealed: int = 0,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Write the county report, one report per township and the 约谈/问责建议 list.

    Parameters
    ----------
    out_dir : str or path-like
        The reports folder (created if missing).
    stats : pandas.DataFrame
        Output of :func:`rsgeo.township_stats` with its total row: the same
        table the workbook is given.
    result : pandas.DataFrame
        The patch table the statistics were computed from (military-land
        patches are left out of every listing here).
    lists : pandas.DataFrame, optional
        Output of :func:`rsgeo.red_black_lists`.
    figures : pandas.DataFrame
        The per-patch figures of :func:`rsgeo.patch_figures`, as given to the workbook.
    subtitle : str
        The job's name, printed under each title.
    n_sealed : int, default 0
        Patches reported under seal; the county report gives their number
        only, as the workbook's 说明 does.
    overwrite : bool, default False
        Replace existing files; otherwise :class:`rsgeo.errors.OutputExistsError`.

    Returns
    -------
    dict
        ``county``, ``accountability_docx``, ``accountability_xlsx`` (paths)
        and ``townships`` (township code → path).
    """
    problems = []
    if "township_name" not in stats.columns or "n_patches" not in stats.columns:
        problems.append("stats must be the output of rsgeo.township_stats")
    elif TOTAL_LABEL not in stats.index.astype(str):
        problems.append("stats lacks the county total row (call township_stats with total=True)")
    if figures is None:
        problems.append("figures must be rsgeo.patch_figures(result, pieces, options=options)")
    if problems:
        raise InputError("write_reports: " + "; ".join(problems))
    load_docx()  # say how to install python-docx before anything is written

    out = Path(out_dir)
    stats = stats.set_axis(stats.index.astype(str))
    shown = shown_figures(stats)
    paths: dict[str, Any] = {
        "county": out / FILE_NAMES["county"],
        "accountability_docx": out / FILE_NAMES["accountability_docx"],
        "accountability_xlsx": out / FILE_NAMES["accountability_xlsx"],
    }
    towns = {  # the township's name is data: made safe; the rest of the name is ours
        code: out
        / TOWNSHIP_DIR
        / FILE_NAMES["township"].format(
            township=safe_name(f"{code}_{shown.text(code, 'township_name')}")
        )
        for code in shown.townships
    }
    check_outputs([*paths.values(), *towns.values()], overwrite)
    (out / TOWNSHIP_DIR).mkdir(parents=True, exist_ok=True)

    rows = accountability_rows(stats, shown)
    listed = listed_patches(result, figures)  # the patch listings never hold military land
    write_county_report(
        paths["county"],
        shown,
        rows,
        lists,
        subtitle=subtitle,
        n_suggested=suggested_count(listed),
        n_sealed=n_sealed,
    )
    write_accountability(
        rows,
        paths["accountability_docx"],
        paths["accountability_xlsx"],
        decimals=shown.decimals,
        subtitle=subtitle,
    )
    positions = township_positions(listed)  # one pass over the patches for all townships
    none = np.zeros(0, dtype=np.int64)
    for code, path in towns.items():
        own = listed.iloc[positions.get(code, none)]
        write_township_report(path, code, shown, stats, own, lists, subtitle=subtitle)
    paths["townships"] = towns
    return paths
