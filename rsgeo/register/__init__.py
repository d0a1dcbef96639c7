"""The patch register (图斑台账): every batch, patch, part and event, in GeoPackage or PostGIS.

:class:`Register` is the entry point (``rsgeo.Register``); docs/register.md
shows the work from a county's point of view. Modules, one topic each:
``gpkg`` (GeoPackage blobs and system tables), ``migrations`` (the versioned
schema), ``store`` (the database: GeoPackage or PostGIS, transactions),
``values`` (rows as JSON), ``ingest`` (batches), ``record`` (determinations,
rectifications, splits, 销号), ``asof`` (the state on a day), ``book``
(:class:`Register`).
"""

from __future__ import annotations

from rsgeo.register.book import Register

__all__ = ["Register"]
