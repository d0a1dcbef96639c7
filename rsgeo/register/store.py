"""Where a register lives: one GeoPackage file, or a PostGIS database.

:class:`Store` hides the few differences between the two: the parameter
style, how geometry is written and read, and how a writer takes the register
for itself. Every change is one transaction (:meth:`Store.writing`):

- GeoPackage (SQLite): ``BEGIN IMMEDIATE`` takes the write lock at the start,
  a second writer waits (busy timeout) and then sees the first one's rows;
  the journal makes a killed process's half-done ingest vanish.
- PostGIS: the transaction locks the ``events`` table in ``SHARE ROW
  EXCLUSIVE`` mode first, so writers queue one after the other the same way.

Readers see the last committed state (on SQLite they wait, up to the busy
timeout, while a writer commits).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from rsgeo.errors import DataFileError, RegisterError, RegisterVersionError
from rsgeo.register import gpkg
from rsgeo.register.migrations import SCHEMA_VERSION, Dialect, migrations

__all__ = ["Store", "is_url"]

BUSY_TIMEOUT_S = 600.0
"""How long a writer waits for another writer (seconds)."""


def is_url(target: str | Path) -> bool:
    """Whether ``target`` names a PostgreSQL database rather than a file."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


class Store:
    """A connection to a register's database (GeoPackage file or PostGIS URL)."""

    def __init__(self, target: str | Path, *, create: bool = False, crs: Any = None) -> None:
        self.target = str(target)
        self.dialect: Dialect = "postgresql" if is_url(target) else "sqlite"
        if self.dialect == "sqlite":
            path = Path(target)
            if create and path.exists():
                raise RegisterError(f"{path} exists already: a register is created only once")
            if not create and not path.exists():
                raise DataFileError(
                    f"no register at {path} (create one with `rsgeo register create` or Register.create)"
                )
            self._con: Any = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            self._con.execute("PRAGMA foreign_keys = ON")
        else:
            try:
                import psycopg
            except ImportError as exc:  # pragma: no cover - depends on the extra
                raise RegisterError(
                    "a PostGIS register needs psycopg: pip install 'rsgeo[postgis]'"
                ) from exc
            self._con = psycopg.connect(self.target, autocommit=True)
        self.srid = 0
        if create:
            self._create(crs)
        self._open()

    # ------------------------------------------------------------------ schema

    def _create(self, crs: Any) -> None:
        from pyproj import CRS

        if crs is None:
            raise RegisterError("a new register needs its CRS (crs=4524, a Gauss-Krüger zone)")
        code = CRS.from_user_input(crs).to_epsg()
        if code is None:
            raise RegisterError(f"the register's CRS needs an EPSG code, got {crs!r}")
        with self.writing() as cur:
            if self.dialect == "postgresql":
                cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                cur.execute("SELECT to_regclass('meta')")
                if cur.fetchone()[0] is not None:
                    raise RegisterError(f"{self.safe_target} holds a register already")
            else:
                gpkg.init_gpkg(self._con)
                gpkg.add_srs(self._con, code)
            self._migrate(cur, 0, code)
            self._execute(
                cur,
                "INSERT INTO meta (key, value) VALUES (?, ?), (?, ?)",
                ("crs", str(code), "created_at", now_text()),
            )
            if self.dialect == "sqlite":
                gpkg.add_feature_table(
                    self._con, "patches", "geom", code, "监测图斑: one row per delivery"
                )
                gpkg.add_feature_table(self._con, "parts", "geom", code, "拆分后的子图斑")
                for table in ("meta", "batches", "events"):
                    gpkg.add_attribute_table(self._con, table, table)

    def _migrate(self, cur: Any, version: int, srid: int) -> None:
        steps = migrations(self.dialect, srid)
        for v in range(version + 1, SCHEMA_VERSION + 1):
            for sql in steps[v]:
                cur.execute(sql)
        self._execute(cur, "DELETE FROM meta WHERE key = ?", ("schema_version",))
        self._execute(
            cur,
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            ("schema_version", str(SCHEMA_VERSION)),
        )

    def _open(self) -> None:
        try:
            meta = dict(self.rows("SELECT key, value FROM meta"))
        except Exception as exc:
            raise RegisterError(f"{self.safe_target} is not an rsgeo register ({exc})") from exc
        version = int(meta.get("schema_version", 0))
        if version > SCHEMA_VERSION:
            raise RegisterVersionError(
                f"{self.safe_target} has register schema version {version}; this rsgeo "
                f"reads versions up to {SCHEMA_VERSION}: update rsgeo to open it"
            )
        self.srid = int(meta["crs"])
        if version < SCHEMA_VERSION:
            with self.writing() as cur:
                self._migrate(cur, version, self.srid)

    @property
    def safe_target(self) -> str:
        """The target without a password, for messages."""
        if self.dialect == "sqlite":
            return self.target
        from urllib.parse import urlsplit

        parts = urlsplit(self.target)
        host = parts.hostname or ""
        return f"postgresql://{parts.username or ''}@{host}:{parts.port or ''}{parts.path}"

    # ------------------------------------------------------------------ SQL

    def _sql(self, sql: str) -> str:
        return sql if self.dialect == "sqlite" else sql.replace("?", "%s")

    def _execute(self, cur: Any, sql: str, params: Sequence[Any] = ()) -> Any:
        return cur.execute(self._sql(sql), tuple(params))

    def execute(self, cur: Any, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement (``?`` placeholders) inside a transaction's cursor."""
        return self._execute(cur, sql, params)

    def executemany(self, cur: Any, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each row, inside a transaction's cursor."""
        cur.executemany(self._sql(sql), rows)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of a query, read outside any write transaction."""
        cur = self._con.cursor()
        try:
            self._execute(cur, sql, params)
            return [tuple(r) for r in cur.fetchall()]
        finally:
            cur.close()

    @contextmanager
    def writing(self) -> Iterator[Any]:
        """One write transaction: committed at the end, rolled back on any error."""
        cur = self._con.cursor()
        try:
            if self.dialect == "sqlite":
                cur.execute("BEGIN IMMEDIATE")
            else:
                cur.execute("BEGIN")
                cur.execute("SELECT to_regclass('events')")
                if cur.fetchone()[0] is not None:
                    cur.execute("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE")
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        else:
            cur.execute("COMMIT")
        finally:
            cur.close()

    def close(self) -> None:
        """Close the connection."""
        self._con.close()

    # ------------------------------------------------------------------ geometry

    def geom_param(self) -> str:
        """The placeholder of a geometry value in an INSERT."""
        return "?" if self.dialect == "sqlite" else f"ST_GeomFromWKB(?, {self.srid})"

    def geom_column(self, column: str = "geom") -> str:
        """A geometry column as selected for :meth:`decode`."""
        return column if self.dialect == "sqlite" else f"ST_AsBinary({column})"

    def encode(self, geoms: Sequence[Any] | np.ndarray) -> list[bytes | None]:
        """Geometries as this store writes them."""
        if self.dialect == "sqlite":
            return gpkg.encode_geometries(geoms, srs_id=self.srid)
        import shapely

        arr = np.asarray(geoms, dtype=object)
        return list(shapely.to_wkb(arr, flavor="iso"))

    def decode(self, values: Sequence[Any]) -> np.ndarray:
        """Geometries of the selected geometry column."""
        if self.dialect == "sqlite":
            return gpkg.decode_geometries(values)
        import shapely

        return shapely.from_wkb(
            np.asarray([None if v is None else bytes(v) for v in values], dtype=object)
        )


def now_text() -> str:
    """The current UTC time, ISO 8601 to the microsecond."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def dumps(value: Any) -> str:
    """JSON text of a payload (non-ASCII kept readable)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
