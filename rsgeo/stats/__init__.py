"""The per-township table: pieces, deductions, criteria and lists.

Takes the patch table and the pieces of :mod:`rsgeo.analysis` and returns the
township statistics, the per-patch figures behind them and the red/black
lists. Meets :mod:`rsgeo.analysis` and :mod:`rsgeo.audit` only in tables.

May import: :mod:`rsgeo.io`, :mod:`rsgeo.geo`, :mod:`rsgeo.options`,
:mod:`rsgeo.schema`, :mod:`rsgeo.errors`, :mod:`rsgeo._util`.
"""
