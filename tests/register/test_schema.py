"""The register's schema versions: an older register is migrated, a newer one refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from rsgeo.errors import RegisterError, RegisterVersionError
from rsgeo.register import Register, migrations, store


def _set_version(target: str, version: int) -> None:
    if target.startswith("postgresql"):
        import psycopg

        with psycopg.connect(target, autocommit=True) as con:
            con.execute("UPDATE meta SET value = %s WHERE key = 'schema_version'", (str(version),))
    else:
        con = sqlite3.connect(target)
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
        con.commit()
        con.close()


def test_a_newer_register_is_refused(target: str) -> None:
    Register.create(target, crs=4524).close()
    _set_version(target, migrations.SCHEMA_VERSION + 1)
    with pytest.raises(RegisterVersionError, match="update rsgeo"):
        Register(target)


def test_an_older_register_is_migrated_when_opened(
    target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    Register.create(target, crs=4524).close()
    v1 = migrations.migrations

    def with_v2(dialect: migrations.Dialect, srid: int) -> dict[int, list[str]]:
        return {**v1(dialect, srid), 2: ["CREATE TABLE notes (note TEXT)"]}

    monkeypatch.setattr(store, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(store, "migrations", with_v2)
    with Register(target) as reg:
        rows = reg._store.rows("SELECT value FROM meta WHERE key = 'schema_version'")
        assert rows == [("2",)]
        assert reg._store.rows("SELECT COUNT(*) FROM notes") == [(0,)]


def test_a_file_that_is_no_register(tmp_path: Path) -> None:
    path = tmp_path / "other.gpkg"
    sqlite3.connect(path).execute("CREATE TABLE x (a)").connection.commit()
    with pytest.raises(RegisterError, match="not an rsgeo register"):
        Register(path)
