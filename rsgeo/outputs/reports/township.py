"""A township's 卫片执法工作情况报告 (work plan §三(五)), as a draft to finish.

Five sections: the township's figures beside the county's (every one as the
workbook's 乡镇汇总 prints it), its patches and how each was judged (ordinary
patches only), investigation and rectification, the five accountability
criteria with the reason the statistics give for each, and problems and next
steps; each ends in a marked place (【待填写：…】) for the township to write.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rsgeo.outputs.reports.county import PATCH_FIELDS, fill
from rsgeo.outputs.reports.document import Document
from rsgeo.outputs.reports.figures import (
    ShownFigures,
    criteria_met,
    criterion_title,
    patch_rows,
    suggested_count,
)
from rsgeo.schema.labels import CRITERION_NAMES
from rsgeo.schema.reports import (
    CRITERION_TABLE_COLUMNS,
    DRAFT_MARK,
    DRAFT_NOTE,
    INDICATOR_COLUMNS,
    LIST_NAMES,
    MET_WORDS,
    NUMERALS,
    PATCH_COLUMNS,
    PATCH_TABLE_NOTE,
    SEALED_NOTE,
    SENTENCES,
    SIGNATURE,
    SUGGESTED_NOTE,
    TABLE_CAPTIONS,
    TOWNSHIP_HEADINGS,
    TOWNSHIP_PROMPTS,
    TOWNSHIP_TITLE,
)
from rsgeo.stats.township import TOTAL_LABEL

__all__ = ["INDICATORS_SKIPPED", "write_township_report"]

INDICATORS_SKIPPED: tuple[str, ...] = ("township_name", "criteria_met")
"""Statistics columns the indicator table leaves out (said elsewhere in the report)."""
_APART = ("n_non_grain", "non_grain_area_m2")


def write_township_report(
    path: Path,
    code: str,
    shown: ShownFigures,
    stats: pd.DataFrame,
    listed: pd.DataFrame,
    lists: pd.DataFrame | None,
    *,
    subtitle: str,
) -> Path:
    """Write one township's draft report.

    Parameters
    ----------
    path : Path
        The ``.docx`` to write (replaced if present; the caller checks).
    code : str
        The township's code (a row of ``stats``).
    shown : ShownFigures
        The township figures as the workbook prints them.
    stats : pandas.DataFrame
        The statistics (for the criteria and their reasons).
    listed : pandas.DataFrame
        The township's patches: its rows of
        :func:`rsgeo.outputs.reports.figures.listed_patches` (ordinary patches
        with their per-patch figures).
    lists : pandas.DataFrame, optional
        The red and black lists.
    subtitle : str
        The job's name, under the title.
    """
    name = shown.text(code, "township_name")
    doc = Document(TOWNSHIP_TITLE.format(township=name) + DRAFT_MARK, subtitle)
    doc.unit_and_date(TOWNSHIP_PROMPTS["unit"], TOWNSHIP_PROMPTS["date"])
    doc.note(DRAFT_NOTE)

    def section(i: int) -> None:
        doc.heading(f"{NUMERALS[i]}、{TOWNSHIP_HEADINGS[i]}")

    section(0)
    if all(shown.has(c) for c in PATCH_FIELDS.values()):
        doc.paragraph(fill(shown, code, SENTENCES["township_patches"], PATCH_FIELDS))
    doc.caption(TABLE_CAPTIONS["indicators"])
    rows = []
    for col, header in shown.headers.items():
        if col in INDICATORS_SKIPPED:
            continue
        if col in _APART and shown.values.at[TOTAL_LABEL, header] == 0:
            continue
        rows.append([header, shown.text(code, col), shown.text(TOTAL_LABEL, col)])
    doc.table(INDICATOR_COLUMNS, rows, numeric=[False, True, True])
    doc.placeholder(TOWNSHIP_PROMPTS["work"])

    section(1)
    patches = patch_rows(listed)
    if len(patches):
        doc.caption(TABLE_CAPTIONS["patches"])
        headers = list(patches.columns)
        numbers = {PATCH_COLUMNS["area_mu"], PATCH_COLUMNS["counted_farmland_mu"]}
        doc.table(
            headers,
            patches.to_numpy().tolist(),
            numeric=[h in numbers for h in headers],
        )
        doc.note(PATCH_TABLE_NOTE)
        n_suggested = suggested_count(listed)
        if n_suggested:
            doc.note(SUGGESTED_NOTE.format(n=n_suggested))
    else:
        doc.paragraph(SENTENCES["township_no_patches"])
    doc.placeholder(TOWNSHIP_PROMPTS["judgement"])

    section(2)
    doc.placeholder(TOWNSHIP_PROMPTS["handling"])

    section(3)
    met = criteria_met(stats, code)
    if met:
        words = "、".join(NUMERALS[k - 1] for k in met)
        doc.paragraph(SENTENCES["township_criteria_some"].format(met=words))
    else:
        doc.paragraph(SENTENCES["township_criteria_none"])
    if lists is not None and code in lists.index.astype(str):
        row = lists.loc[lists.index.astype(str) == code].iloc[0]
        doc.paragraph(
            SENTENCES["township_list"].format(
                list=LIST_NAMES[str(row["list"])], rank=int(row["rank"])
            )
        )
    doc.caption(TABLE_CAPTIONS["criteria"])
    crit_rows = [
        [criterion_title(k), MET_WORDS[k in met], str(stats.at[code, f"criterion_{k}_reason"])]
        for k in CRITERION_NAMES
        if f"criterion_{k}_reason" in stats.columns
    ]
    doc.table(CRITERION_TABLE_COLUMNS, crit_rows)
    doc.placeholder(TOWNSHIP_PROMPTS["criteria"])

    section(4)
    doc.placeholder(TOWNSHIP_PROMPTS["problems"])

    doc.note(SEALED_NOTE)
    doc.signature([SIGNATURE["township"].format(township=name), SIGNATURE["date"]])
    return doc.save(path)
