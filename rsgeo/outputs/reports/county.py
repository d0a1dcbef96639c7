"""The county's annual 卫片执法工作报告 (work plan §四), as a draft to finish.

Eight sections as the work plan's tasks run: work done, patches checked and
judged, illegal land use, investigation and rectification, mineral patches,
data review and acceptance, 约谈问责, problems and next steps. Every figure is
one of the workbook's (:mod:`rsgeo.outputs.reports.figures`); each section
ends in a marked place (【待填写：…】) for the text a person writes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rsgeo.outputs.reports.accountability import add_accountability_table
from rsgeo.outputs.reports.document import Document
from rsgeo.outputs.reports.figures import ShownFigures
from rsgeo.schema.reports import (
    COUNTY_HEADINGS,
    COUNTY_PROMPTS,
    COUNTY_TITLE,
    DRAFT_MARK,
    DRAFT_NOTE,
    LIST_NAMES,
    LIST_TABLE_COLUMNS,
    NUMERALS,
    SEALED_COUNT,
    SEALED_NOTE,
    SENTENCES,
    SIGNATURE,
    SUGGESTED_NOTE,
    TABLE_CAPTIONS,
)
from rsgeo.stats.township import TOTAL_LABEL

__all__ = ["TABLE_1_COLUMNS", "TABLE_2_COLUMNS", "write_county_report"]

TABLE_1_COLUMNS: tuple[str, ...] = (
    "township_name",
    "n_patches",
    "n_legal",
    "n_illegal",
    "n_other",
    "area_m2",
    "illegal_area_m2",
    "deducted_area_m2",
    "illegal_area_after_deductions_m2",
)
"""The statistics columns of 表 1, in the workbook's headers."""

TABLE_2_COLUMNS: tuple[str, ...] = (
    "township_name",
    "illegal_farmland_after_deductions_m2",
    "illegal_farmland_ratio",
    "illegal_pbf_m2",
    "n_mineral_illegal",
    "rectification_rate",
    "performance_rate",
    "criteria_met",
)
"""The statistics columns of 表 2, in the workbook's headers."""


def township_table(doc: Document, shown: ShownFigures, columns: tuple[str, ...]) -> None:
    """Every township, the outside row (if any) and the 合计 row, as the workbook prints them."""
    cols = [c for c in columns if shown.has(c)]
    headers = [shown.header(c) for c in cols]
    rows = [[shown.text(code, c) for c in cols] for code in shown.values.index]
    numeric = [h in shown.decimals for h in headers]
    doc.table(headers, rows, bold_last=True, numeric=numeric)


def fill(shown: ShownFigures, code: str, template: str, fields: dict[str, str]) -> str:
    """A sentence with each ``{field}`` the printed figure of a statistics column."""
    return template.format(**{k: shown.text(code, col) for k, col in fields.items()})


PATCH_FIELDS = {
    "n_patches": "n_patches",
    "area": "area_m2",
    "n_legal": "n_legal",
    "n_illegal": "n_illegal",
    "n_other": "n_other",
}
ILLEGAL_FIELDS = {
    "illegal": "illegal_area_m2",
    "deducted": "deducted_area_m2",
    "illegal_after": "illegal_area_after_deductions_m2",
    "farmland": "illegal_farmland_after_deductions_m2",
    "ratio": "illegal_farmland_ratio",
    "n_pbf": "n_illegal_pbf",
    "pbf": "illegal_pbf_m2",
    "n_redline": "n_illegal_redline",
    "redline": "illegal_redline_m2",
}
HANDLING_FIELDS = {"performance": "performance_rate", "rectification": "rectification_rate"}
MINERAL_FIELDS = {
    "n_mineral": "n_mineral",
    "mineral_area": "mineral_area_m2",
    "n_mineral_illegal": "n_mineral_illegal",
    "n_mineral_unrectified": "n_mineral_unrectified",
}


def _sentence(shown: ShownFigures, code: str, key: str, fields: dict[str, str]) -> str | None:
    """The sentence, or None when the statistics lack one of its figures."""
    if not all(shown.has(col) for col in fields.values()):
        return None
    return fill(shown, code, SENTENCES[key], fields)


def write_county_report(
    path: Path,
    shown: ShownFigures,
    accountability: pd.DataFrame,
    lists: pd.DataFrame | None,
    *,
    subtitle: str,
    n_suggested: int = 0,
    n_sealed: int = 0,
) -> Path:
    """Write the county's draft annual report.

    Parameters
    ----------
    path : Path
        The ``.docx`` to write (replaced if present; the caller checks).
    shown : ShownFigures
        The township figures as the workbook prints them.
    accountability : pandas.DataFrame
        :func:`rsgeo.outputs.reports.figures.accountability_rows`.
    lists : pandas.DataFrame, optional
        The red and black lists (:func:`rsgeo.red_black_lists`).
    subtitle : str
        The job's name, under the title.
    n_suggested : int, default 0
        Ordinary patches whose class rests on a suggestion (a note says so).
    n_sealed : int, default 0
        Patches reported under seal: only their number is said, as in the workbook.
    """
    doc = Document(COUNTY_TITLE + DRAFT_MARK, subtitle)
    doc.unit_and_date(COUNTY_PROMPTS["unit"], COUNTY_PROMPTS["date"])
    doc.note(DRAFT_NOTE)

    def section(i: int) -> None:
        doc.heading(f"{NUMERALS[i]}、{COUNTY_HEADINGS[i]}")

    def figures_then_prompt(key: str, fields: dict[str, str]) -> None:
        """The county's sentence of ``key`` (when the statistics hold its figures), then
        the marked place for what a person writes about it."""
        text = _sentence(shown, TOTAL_LABEL, key, fields)
        if text:
            doc.paragraph(text)
        doc.placeholder(COUNTY_PROMPTS[key])

    section(0)
    doc.placeholder(COUNTY_PROMPTS["work"])

    section(1)
    text = _sentence(shown, TOTAL_LABEL, "county_patches", PATCH_FIELDS)
    if text:
        doc.paragraph(text)
    doc.caption(TABLE_CAPTIONS["patches_by_township"])
    township_table(doc, shown, TABLE_1_COLUMNS)
    if n_suggested:
        doc.note(SUGGESTED_NOTE.format(n=n_suggested))
    doc.caption(TABLE_CAPTIONS["farmland_by_township"])
    township_table(doc, shown, TABLE_2_COLUMNS)
    doc.placeholder(COUNTY_PROMPTS["judgement"])

    section(2)
    figures_then_prompt("illegal", ILLEGAL_FIELDS)

    section(3)
    figures_then_prompt("handling", HANDLING_FIELDS)

    section(4)
    figures_then_prompt("mineral", MINERAL_FIELDS)

    section(5)
    doc.placeholder(COUNTY_PROMPTS["review"])

    section(6)
    if len(accountability):
        doc.paragraph(SENTENCES["accountability_some"].format(n=len(accountability)))
        doc.caption(TABLE_CAPTIONS["accountability"])
        add_accountability_table(doc, accountability, decimals=shown.decimals)
    else:
        doc.paragraph(SENTENCES["accountability_none"])
    if lists is not None and len(lists):
        doc.paragraph(SENTENCES["lists"])
        doc.caption(TABLE_CAPTIONS["lists"])
        rows = [
            [LIST_NAMES[str(k)], str(int(r)), str(n), str(reason)]
            for k, r, n, reason in zip(
                lists["list"], lists["rank"], lists["township_name"], lists["reason"], strict=True
            )
        ]
        doc.table(LIST_TABLE_COLUMNS, rows, numeric=[False, True, False, False])
    doc.placeholder(COUNTY_PROMPTS["accountability"])

    section(7)
    doc.placeholder(COUNTY_PROMPTS["problems"])
    doc.placeholder(COUNTY_PROMPTS["next"])

    doc.note(SEALED_NOTE + (SEALED_COUNT.format(n=n_sealed) if n_sealed else ""))
    doc.signature([SIGNATURE["county"], SIGNATURE["date"]])
    return doc.save(path)
