"""Geometry: coordinate systems, official areas, repair and the clip kernel.

May import: :mod:`rsgeo.schema`, :mod:`rsgeo.errors`, :mod:`rsgeo._util`.
"""
