"""The register's tables, versioned: each schema version is a list of statements.

A register records its schema version in ``meta`` (``schema_version``).
Opening a register applies the migrations it lacks, in one transaction;
a register written by a newer rsgeo (a version above
:data:`SCHEMA_VERSION`) is refused with :class:`~rsgeo.errors.RegisterVersionError`.

The tables (the same on GeoPackage and PostGIS; geometry is a GeoPackage
blob in one and a PostGIS ``geometry`` in the other):

``meta``
    key/value: ``schema_version``, ``crs`` (EPSG code), ``created_at``.
``batches``
    one row per ingested batch: name, delivery date, source file and its SHA-256,
    the column types of its patches.
``patches``
    feature table, one row per delivery of a patch (``patch_id``, ``batch``):
    geometry and the patch's attributes (JSON); ``earlier_id`` links a
    re-delivery to the patch it repeats.
``parts``
    feature table, one row per part of a split patch (``part_id``, ``patch_id``).
``events``
    append-only: what happened (``kind``), to which patch or part, the day it
    took effect (``effective_on``), when and by whom it was recorded, the
    source file and its SHA-256, and what (``payload``, JSON).

Rows of ``batches``, ``patches``, ``parts`` and ``events`` are never updated or
deleted: triggers refuse it. A correction is a new event.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["SCHEMA_VERSION", "migrations"]

SCHEMA_VERSION = 1
"""The schema version this rsgeo writes and reads."""

Dialect = Literal["sqlite", "postgresql"]

_APPEND_ONLY = ("batches", "patches", "parts", "events")


def _v1(dialect: Dialect, srid: int) -> list[str]:
    if dialect == "sqlite":  # GeoPackage column types (GDAL reads them as such)
        serial = "INTEGER PRIMARY KEY AUTOINCREMENT"
        geom = "GEOMETRY"
        big = "INTEGER"
        real = "DOUBLE"
    else:
        serial = "BIGSERIAL PRIMARY KEY"
        geom = f"geometry(Geometry, {srid})"
        big = "BIGINT"
        real = "DOUBLE PRECISION"
    sql = [
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        f"""CREATE TABLE batches (
            batch TEXT PRIMARY KEY, delivered_on TEXT NOT NULL, source TEXT,
            source_sha256 TEXT, columns TEXT NOT NULL, n_patches INTEGER NOT NULL,
            event_id {big} NOT NULL, seq {big})""",
        f"""CREATE TABLE patches (
            fid {serial}, geom {geom}, patch_id TEXT NOT NULL,
            batch TEXT NOT NULL REFERENCES batches(batch), delivered_on TEXT NOT NULL,
            earlier_id TEXT, attributes TEXT NOT NULL, UNIQUE (patch_id, batch))""",
        "CREATE INDEX patches_patch_id ON patches (patch_id)",
        f"""CREATE TABLE parts (
            fid {serial}, geom {geom}, part_id TEXT NOT NULL UNIQUE, patch_id TEXT NOT NULL,
            area_m2 {real}, event_id {big} NOT NULL)""",
        "CREATE INDEX parts_patch_id ON parts (patch_id)",
        f"""CREATE TABLE events (
            event_id {serial}, kind TEXT NOT NULL, patch_id TEXT,
            effective_on TEXT NOT NULL, recorded_at TEXT NOT NULL, recorded_by TEXT NOT NULL,
            source TEXT, source_sha256 TEXT, batch TEXT, payload TEXT NOT NULL)""",
        "CREATE INDEX events_patch ON events (patch_id, effective_on)",
        "CREATE INDEX events_kind ON events (kind, effective_on)",
    ]
    if dialect == "sqlite":
        for table in _APPEND_ONLY:
            for what in ("UPDATE", "DELETE"):
                sql.append(
                    f"CREATE TRIGGER {table}_no_{what.lower()} BEFORE {what} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'the register''s {table} are append-only'); END"
                )
    else:
        sql.append(
            """CREATE OR REPLACE FUNCTION rsgeo_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'the register''s % are append-only', TG_TABLE_NAME; END;
            $$ LANGUAGE plpgsql"""
        )
        for table in _APPEND_ONLY:
            sql.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION rsgeo_append_only()"
            )
    return sql


def migrations(dialect: Dialect, srid: int) -> dict[int, list[str]]:
    """The statements that bring a register from version ``v - 1`` to ``v``, by ``v``."""
    return {1: _v1(dialect, srid)}
