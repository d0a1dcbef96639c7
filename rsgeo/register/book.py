""":class:`Register`: the county's patch register, across batches (图斑台账).

One register remembers every batch, every patch and part, every
determination, rectification, split and 销号, who recorded it and when, and
rebuilds the state as of any day. It lives in one GeoPackage file (the
default) or in a PostGIS database shared by an office
(``Register("postgresql://user@host/db")``); the API is the same.

Examples
--------
>>> import tempfile, pathlib, datetime as dt
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> reg = Register.create(d / "台账.gpkg", crs=4545)
>>> q1 = gpd.GeoDataFrame({"change_type": ["20"]}, geometry=[box(0, 0, 50, 40)],
...                       index=pd.Index(["p1"], name="patch_id"), crs=4545)
>>> reg.ingest(q1, batch="2020Q1", delivered_on="2020-04-05")["patches"]
1
>>> reg.determine(pd.DataFrame({"监测编号": ["p1"], "判定结果": ["违法"]}), on="2020-05-01")
{'determinations': 1, 'rectifications': 0}
>>> reg.determinations(as_of="2020-04-30").empty, reg.determinations()["determination"].tolist()
(True, ['违法'])
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from rsgeo.errors import RegisterError
from rsgeo.io.determination_table import read_determinations
from rsgeo.io.reading import read_patches
from rsgeo.options import BlacklistOptions, DeterminationOptions
from rsgeo.register import asof, blacklist, export, ingest, reconcile, record
from rsgeo.register.store import Store
from rsgeo.schema.cells import parse_date

__all__ = ["Register", "file_sha256"]


def file_sha256(path: str | PathLike[str]) -> str | None:
    """SHA-256 of a file (``None`` for a folder such as a FileGDB)."""
    p = Path(path)
    if p.is_dir():
        return None
    h = hashlib.sha256()
    with p.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    parsed = parse_date(value)
    if parsed is None:
        raise RegisterError(f"{what} must be a date like 2020-12-21, got {value!r}")
    return parsed


def _maybe_date(value: Any, what: str) -> dt.date | None:
    return None if value is None else _date(value, what)


class Register:
    """The patch register in a GeoPackage file or a PostGIS database.

    Parameters
    ----------
    target : str or path
        A ``.gpkg`` file, or a ``postgresql://`` URL.
    user : str, optional
        Who records the changes (the ``recorded_by`` of every event);
        by default the login name.

    Raises
    ------
    RegisterVersionError
        The register was written by a newer rsgeo.
    """

    def __init__(self, target: str | PathLike[str], *, user: str | None = None) -> None:
        self._store = Store(target if isinstance(target, str) else Path(target))
        self.user = user or getpass.getuser()

    @classmethod
    def create(cls, target: str | PathLike[str], *, crs: Any, user: str | None = None) -> Register:
        """Create a new, empty register (its patches kept in ``crs``, e.g. 4524)."""
        store = Store(target if isinstance(target, str) else Path(target), create=True, crs=crs)
        store.close()
        return cls(target, user=user)

    @property
    def target(self) -> str:
        """Where the register lives (a file path or a URL without password)."""
        return self._store.safe_target

    @property
    def crs(self) -> int:
        """The EPSG code the register keeps geometry in."""
        return self._store.srid

    def close(self) -> None:
        """Close the connection."""
        self._store.close()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ writing

    def ingest(
        self,
        patches: str | PathLike[str] | gpd.GeoDataFrame,
        *,
        batch: str,
        delivered_on: Any,
        link_overlap: float | None = None,
        **read_kwargs: Any,
    ) -> dict[str, Any]:
        """Ingest a batch in one transaction (see :mod:`rsgeo.register.ingest`).

        Parameters
        ----------
        patches : path or GeoDataFrame
            Anything :func:`rsgeo.read_patches` reads (``read_kwargs`` go to it).
        batch : str
            The batch's name (2020Q1, 2026M03).
        delivered_on : date or str
            The day the batch was delivered (下发).
        link_overlap : float, optional
            Link a new patch to an earlier one it overlaps by this share (0–1).

        Raises
        ------
        RegisterError
            The batch name or file was ingested already; nothing is written.
        """
        if link_overlap is not None and not 0 < link_overlap <= 1:
            raise RegisterError(f"link_overlap must be in (0, 1], got {link_overlap!r}")
        if isinstance(patches, gpd.GeoDataFrame):
            gdf, source, sha = patches, None, None
        else:
            gdf = read_patches(patches, **read_kwargs)
            source, sha = str(patches), file_sha256(patches)
        return ingest.ingest_batch(
            self._store,
            gdf,
            batch=batch,
            delivered_on=_date(delivered_on, "delivered_on"),
            source=source,
            sha256=sha,
            by=self.user,
            link_overlap=link_overlap,
        )

    def determine(
        self,
        table: str | PathLike[str] | pd.DataFrame,
        *,
        on: Any,
        sheet: str | int = 0,
        encoding: str | None = None,
        fields: Mapping[str, str] | None = None,
        options: DeterminationOptions | None = None,
    ) -> dict[str, int]:
        """Record a determinations table (county table, 2020 export, 2026 clue table).

        The table is read by :func:`rsgeo.io.determination_table.read_determinations`
        (profiles 2020 and 2026); every row becomes a ``determine`` event of day
        ``on``, its rectification a ``rectify`` event of its own date.

        Raises
        ------
        RegisterError
            An id the register does not know, or an event dated before its
            patch was delivered; nothing is written.
        """
        parsed = read_determinations(
            table, sheet=sheet, encoding=encoding, fields=fields, options=options
        )
        is_file = not isinstance(table, pd.DataFrame)
        return record.record_determinations(
            self._store,
            parsed,
            on=_date(on, "on"),
            source=str(table) if is_file else None,
            sha256=file_sha256(table) if is_file else None,  # type: ignore[arg-type]
            by=self.user,
        )

    def rectify(self, patch_id: str, *, on: Any, method: str, area_m2: float | None = None) -> int:
        """Record a rectification (整改) of a patch or part on day ``on``; its event id."""
        return record.record_rectification(
            self._store, patch_id, on=_date(on, "on"), method=method, area_m2=area_m2, by=self.user
        )

    def split(self, patch_id: str, parts: Mapping[str, Any], *, on: Any) -> int:
        """Split a patch (拆分) into parts: part id → geometry (register CRS) or area (m²)."""
        return record.split_patch(self._store, patch_id, parts, on=_date(on, "on"), by=self.user)

    def close_patch(self, patch_id: str, *, on: Any, note: str = "") -> int:
        """Close a patch's case (销号) on day ``on``; its event id."""
        return record.close_patch(
            self._store, patch_id, on=_date(on, "on"), note=note, by=self.user
        )

    # ------------------------------------------------------------------ reading

    def patches(self, as_of: Any = None) -> gpd.GeoDataFrame:
        """The patch table as of a day (核实后: split patches as their parts)."""
        return asof.patches_as_of(self._store, _maybe_date(as_of, "as_of"))

    def determinations(self, as_of: Any = None) -> pd.DataFrame:
        """The determinations table as of a day."""
        return asof.determinations_as_of(self._store, _maybe_date(as_of, "as_of"))

    def state(self, as_of: Any = None, *, sealed: bool = False) -> pd.DataFrame:
        """One row per patch and part as of a day: batches, link, determination, 销号.

        Patches on military land are left out unless ``sealed`` (docs/sealed.md).
        """
        day = _maybe_date(as_of, "as_of")
        table = asof.state_as_of(self._store, day)
        if sealed:
            return table
        return table.drop(index=sorted(asof.sealed_ids(self._store, day) & set(table.index)))

    def history(self, patch_id: str, *, sealed: bool = False) -> pd.DataFrame:
        """Every event of a patch, its parts and linked patches, oldest first.

        The history of a patch on military land is given only with ``sealed``.
        """
        table = asof.history(self._store, patch_id)
        if not sealed:
            hidden = asof.sealed_ids(self._store, None)
            if patch_id in hidden:
                raise RegisterError(
                    "this patch is on military land: its history is sealed "
                    "(sealed=True, for the sealed channel only)"
                )
            table = table[~table["patch_id"].isin(hidden)]
        return table

    def reconcile(self, as_of: Any = None) -> pd.DataFrame:
        """The reconciliation (勾稽) of every batch as of a day; breaks named per batch.

        Patches on military land are left out (their figures go to the sealed channel).

        See :mod:`rsgeo.register.reconcile`: 总 = 已整改 + 未整改, 已整改 = 拆除 + 补办,
        核实后 = 原始下发 − 拆分 + 子图斑.
        """
        day = _maybe_date(as_of, "as_of")
        return reconcile.reconcile(self._store, day, leave_out=asof.sealed_ids(self._store, day))

    def blacklist(
        self, as_of: Any = None, *, options: BlacklistOptions | None = None, **overrides: Any
    ) -> pd.DataFrame:
        """The violators across all batches as of a day (黑名单), ``listed`` by the criteria.

        ``options`` (:class:`rsgeo.options.BlacklistOptions`) or its fields as keywords.
        """
        opts = BlacklistOptions.resolve(options, overrides)
        day = _maybe_date(as_of, "as_of")
        patches = asof.patches_as_of(self._store, day)
        hidden = asof.sealed_ids(self._store, day)
        return blacklist.blacklist_table(
            patches[~patches.index.isin(hidden)],
            asof.determinations_as_of(self._store, day),
            options=opts,
        )

    def write_blacklist(
        self,
        path: str | PathLike[str],
        as_of: Any = None,
        *,
        options: BlacklistOptions | None = None,
        overwrite: bool = False,
    ) -> Path:
        """Write the listed violators to an Excel file with Chinese headers."""
        table = self.blacklist(as_of, options=options)
        return blacklist.write_blacklist(table, Path(path), overwrite=overwrite)

    def export(
        self,
        batch: str,
        path: str | PathLike[str],
        *,
        layout: export.ExportLayout = "2020",
        as_of: Any = None,
        overwrite: bool = False,
    ) -> Path:
        """Write a batch's results in the 2020 export's or the 2026 clue layout (GeoPackage)."""
        return export.export_batch(
            self._store,
            batch,
            Path(path),
            layout=layout,
            as_of=_maybe_date(as_of, "as_of"),
            overwrite=overwrite,
        )

    def batches(self) -> pd.DataFrame:
        """The ingested batches: delivery day, source file, SHA-256, patch count."""
        rows = self._store.rows(
            "SELECT batch, delivered_on, source, source_sha256, n_patches FROM batches "
            "ORDER BY delivered_on, seq"
        )
        cols = ["batch", "delivered_on", "source", "source_sha256", "n_patches"]
        return pd.DataFrame(rows, columns=cols).set_index("batch")

    def events(self, as_of: Any = None) -> pd.DataFrame:
        """Every event (the append-only log) up to a day, payloads parsed, by event id."""
        day = asof.day_key(None if as_of is None else _date(as_of, "as_of"))
        return asof.events_table(self._store, "effective_on <= ?", (day,), order="event_id")
