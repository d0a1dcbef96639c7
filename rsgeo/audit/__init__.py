"""Review of the data: the review rules and reproducible spot checks.

Takes the patch table and returns findings and the spot-check sample. Meets
:mod:`rsgeo.analysis` and :mod:`rsgeo.stats` only in tables.

May import: :mod:`rsgeo.io`, :mod:`rsgeo.geo`, :mod:`rsgeo.options`,
:mod:`rsgeo.schema`, :mod:`rsgeo.errors`, :mod:`rsgeo._util`.
"""
