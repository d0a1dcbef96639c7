"""GeoPackage geometry blobs and system tables, written with the standard library.

A register file is a GeoPackage (OGC 12-128r18): its patch and part tables
are feature tables that QGIS, ArcGIS and GDAL open. The whole register is
written through one SQLite connection so that an ingest is one transaction;
this module holds what that needs: the geometry blob (a small header, the
envelope and ISO WKB) and the ``gpkg_*`` system tables.

Examples
--------
>>> from shapely.geometry import box
>>> blob = encode_geometries([box(0, 0, 2, 1)], srs_id=4545)[0]
>>> blob[:2]
b'GP'
>>> decode_geometries([blob])[0].bounds
(0.0, 0.0, 2.0, 1.0)
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

__all__ = [
    "APPLICATION_ID",
    "add_feature_table",
    "add_srs",
    "decode_geometries",
    "encode_geometries",
    "init_gpkg",
]

APPLICATION_ID = 0x47504B47
"""``PRAGMA application_id`` of a GeoPackage ("GPKG")."""

_USER_VERSION = 10400  # GeoPackage 1.4

_HEADER = struct.Struct("<2sBBi4d")  # magic, version, flags, srs_id, envelope (x, x, y, y)
_EMPTY_HEADER = struct.Struct("<2sBBi")

_SYSTEM_SQL = (
    """CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
        srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
        organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,
        description TEXT)""",
    """CREATE TABLE IF NOT EXISTS gpkg_contents (
        table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
        description TEXT DEFAULT '', last_change DATETIME NOT NULL
            DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
        srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id)
            REFERENCES gpkg_spatial_ref_sys(srs_id))""",
    """CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
        table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
        srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
        CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
        CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
        CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))""",
)

_UNDEFINED_SRS = (
    ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic"),
)


def init_gpkg(con: sqlite3.Connection) -> None:
    """Make the (empty) database a GeoPackage: pragmas and system tables."""
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.execute(f"PRAGMA user_version = {_USER_VERSION}")
    for sql in _SYSTEM_SQL:
        con.execute(sql)
    con.executemany(
        "INSERT OR IGNORE INTO gpkg_spatial_ref_sys "
        "(srs_name, srs_id, organization, organization_coordsys_id, definition, description) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        _UNDEFINED_SRS,
    )


def add_srs(con: sqlite3.Connection, crs: Any) -> int:
    """Register ``crs`` (anything pyproj reads, with an EPSG code) and return its srs_id."""
    from pyproj import CRS

    c = CRS.from_user_input(crs)
    code = c.to_epsg()
    if code is None:
        raise ValueError(f"the register's CRS needs an EPSG code, got {c.name!r}")
    con.execute(
        "INSERT OR IGNORE INTO gpkg_spatial_ref_sys "
        "(srs_name, srs_id, organization, organization_coordsys_id, definition, description) "
        "VALUES (?, ?, 'EPSG', ?, ?, ?)",
        (c.name, code, code, c.to_wkt("WKT1_GDAL"), c.name),
    )
    return int(code)


def add_feature_table(
    con: sqlite3.Connection, table: str, column: str, srs_id: int, description: str
) -> None:
    """Declare an existing table as a feature table with one geometry column."""
    con.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) "
        "VALUES (?, 'features', ?, ?, ?)",
        (table, table, description, srs_id),
    )
    con.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?, ?, 'GEOMETRY', ?, 0, 0)",
        (table, column, srs_id),
    )


def add_attribute_table(con: sqlite3.Connection, table: str, description: str) -> None:
    """Declare an existing table as a GeoPackage attribute (non-spatial) table."""
    con.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
        "VALUES (?, 'attributes', ?, ?)",
        (table, table, description),
    )


def encode_geometries(geoms: Sequence[Any] | np.ndarray, *, srs_id: int) -> list[bytes | None]:
    """GeoPackage geometry blobs (little-endian, xy envelope) of shapely geometries.

    ``None`` stays ``None``; an empty geometry gets the empty flag and no envelope.
    """
    arr = np.asarray(geoms, dtype=object)
    missing = shapely.is_missing(arr)
    empty = ~missing & shapely.is_empty(arr)  # a missing geometry is not empty
    wkb = shapely.to_wkb(arr, flavor="iso", byte_order=1)
    bounds = shapely.bounds(arr)
    out: list[bytes | None] = []
    pack, pack_empty = _HEADER.pack, _EMPTY_HEADER.pack
    for i in range(len(arr)):
        if missing[i]:
            out.append(None)
        elif empty[i]:
            out.append(pack_empty(b"GP", 0, 0b10001, srs_id) + wkb[i])
        else:
            x0, y0, x1, y1 = bounds[i]
            out.append(pack(b"GP", 0, 0b11, srs_id, x0, x1, y0, y1) + wkb[i])
    return out


_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def decode_geometries(blobs: Sequence[bytes | None]) -> np.ndarray:
    """Shapely geometries of GeoPackage geometry blobs (``None`` stays missing)."""
    wkb: list[bytes | None] = []
    for blob in blobs:
        if blob is None:
            wkb.append(None)
            continue
        raw = bytes(blob)
        if raw[:2] != b"GP":
            raise ValueError("not a GeoPackage geometry blob")
        flags = raw[3]
        start = 8 + _ENVELOPE_BYTES[(flags >> 1) & 0b111]
        wkb.append(raw[start:])
    return shapely.from_wkb(np.asarray(wkb, dtype=object))
