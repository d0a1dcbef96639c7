"""The draft reports of the work plan, as Word documents a person finishes.

:func:`write_reports` writes, from the same statistics, lists and per-patch
figures the workbook prints (nothing is recomputed):

- ``卫片执法工作报告（草稿）.docx``: the county's annual report (§四);
- ``乡镇工作情况报告/<code>_<乡镇>卫片执法工作情况报告（草稿）.docx``: one per
  township (§三(五));
- ``约谈问责建议名单（草稿）.docx`` and ``约谈问责建议名单.xlsx``: the townships
  meeting an accountability criterion, with the figures and reasons behind
  each (§三(六), §五(四)).

Figures are printed as the workbook's 乡镇汇总 prints them (亩 to 2 decimals
with 平差, percentages to 2 decimals, half-up); the places the author writes
are marked 【待填写：…】 on a yellow highlight. Military-land patches are in
no figure, table or list. Needs python-docx (``pip install "rsgeo[reports]"``).
"""

from rsgeo.outputs.reports.write import write_reports

__all__ = ["write_reports"]
