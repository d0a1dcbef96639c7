"""Reading: deliveries, encodings, ``.prj`` files and county tables.

Patches and reference layers (:mod:`~rsgeo.io.reading`), windowed reads of
what the patches touch (:mod:`~rsgeo.io.windowed`), text encodings, ESRI
``.prj`` files, the one table reader and the one cell grammar for county
tables (:mod:`~rsgeo.io.tables`, :mod:`~rsgeo.schema.cells`), determinations and
manual flags, the townships table and the bundled sample.

May import: :mod:`rsgeo.geo`, :mod:`rsgeo.options`, :mod:`rsgeo.schema`,
:mod:`rsgeo.errors`, :mod:`rsgeo._util`.
"""
