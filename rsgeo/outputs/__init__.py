"""Writers: the workbook, CSV tables, review record, sealed output, maps, dossiers.

A writer prints what it is handed (figures, lists, findings, thresholds) and
never recomputes a stage.

May import every stage below it: :mod:`rsgeo.analysis`, :mod:`rsgeo.stats`,
:mod:`rsgeo.audit`, :mod:`rsgeo.io`, :mod:`rsgeo.geo`, :mod:`rsgeo.options`,
:mod:`rsgeo.schema`, :mod:`rsgeo.errors`, :mod:`rsgeo._util`.
"""
