"""The per-patch table: overlay, classification and determinations.

Reads GeoDataFrames, returns the patch table (one row per ``patch_id``) and
the township pieces. Meets :mod:`rsgeo.stats` and :mod:`rsgeo.audit` only in
tables, never by import.

May import: :mod:`rsgeo.io`, :mod:`rsgeo.geo`, :mod:`rsgeo.options`,
:mod:`rsgeo.schema`, :mod:`rsgeo.errors`, :mod:`rsgeo._util`.
"""
