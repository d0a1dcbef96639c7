"""Field photos from a 国土调查云 evidence package (举证包, a SQLite ``.db``).

The package's table ``FJ`` holds one row per photo: the picture itself
(BLOB), when it was taken (``PSSJ``), the shooting direction in degrees from
north (``PSJD``), the photographer (``PSRY``), where it was taken (longitude
and latitude, CGCS2000), a check code (``JYM``) and, in most packages, the
id of the patch it proves (``JCBH`` or ``TBBH``). :func:`read_evidence` reads
it into a table (a picture that cannot be decoded is kept, with its problem);
:func:`match_photos` gives each photo its patch, by the id it carries or by
where it was taken, and lists the photos that find none, so none is lost.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rsgeo.errors import DataFileError, InputError
from rsgeo.options import EvidenceOptions
from rsgeo.schema.labels import EVIDENCE_PROBLEM_LABELS
from rsgeo.schema.military import is_military

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "EVIDENCE_FIELDS",
    "PHOTO_COLUMNS",
    "PhotoMatches",
    "evidence_tables",
    "match_photos",
    "read_evidence",
]

EVIDENCE_FIELDS: Mapping[str, tuple[str, ...]] = {
    "photo": ("FJ", "ZP", "ZPNR", "PHOTO"),
    "photo_id": ("BSM", "FJBH", "ZPBH", "ID"),
    "name": ("FJMC", "ZPMC", "NAME"),
    "patch_id": ("JCBH", "TBBH", "TBBSM"),
    "taken": ("PSSJ",),
    "azimuth_deg": ("PSJD", "PSFWJ"),
    "photographer": ("PSRY",),
    "lon": ("LONGITUDE", "JD", "X", "LON"),
    "lat": ("LATITUDE", "WD", "Y", "LAT"),
    "check_code": ("JYM",),
}
"""Columns of the table FJ (any case), first match wins; ``fields`` of
:func:`read_evidence` names others."""

PHOTO_COLUMNS = (
    "photo_id",
    "name",
    "patch_id",
    "taken",
    "azimuth_deg",
    "photographer",
    "lon",
    "lat",
    "check_code",
    "format",
    "data",
    "problem",
)
"""The columns of :func:`read_evidence`'s table, in order."""


def _column_for(columns: list[str], key: str, fields: Mapping[str, str]) -> str | None:
    upper = {c.upper(): c for c in columns}
    if key in fields:
        return upper.get(fields[key].upper())
    for alias in EVIDENCE_FIELDS[key]:
        if alias in upper:
            return upper[alias]
    return None


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return np.nan
    return number if np.isfinite(number) else np.nan


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip()


def _image_format(data: Any) -> tuple[str, str]:
    """The picture's format (JPEG, PNG …) and a problem ("" when it decodes)."""
    if not isinstance(data, bytes | bytearray | memoryview) or len(data) == 0:
        return "", EVIDENCE_PROBLEM_LABELS["no_picture"]
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError('evidence photos need Pillow: pip install "rsgeo[dossier]"') from exc
    try:
        with Image.open(io.BytesIO(bytes(data))) as im:
            fmt = str(im.format or "")
            im.load()  # decodes every byte: a cut or garbled picture fails here
    except Exception:
        return "", EVIDENCE_PROBLEM_LABELS["corrupt"]
    if fmt not in ("JPEG", "PNG", "GIF"):
        return fmt, EVIDENCE_PROBLEM_LABELS["format"]
    return fmt, ""


def _connect(p: Path) -> sqlite3.Connection:
    try:
        return sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DataFileError(f"cannot open the evidence package {p}: {exc}") from exc


def _tables(con: sqlite3.Connection, p: Path) -> list[str]:
    try:
        rows = con.execute("SELECT name FROM sqlite_master WHERE type IN ('table','view')")
        return [r[0] for r in rows]
    except sqlite3.DatabaseError as exc:
        raise DataFileError(f"{p} is not an evidence package (SQLite): {exc}") from exc


def evidence_tables(path: str | Path) -> list[str]:
    """The tables (and views) of a SQLite file; :class:`DataFileError` when it is none."""
    p = Path(path)
    con = _connect(p)
    try:
        return _tables(con, p)
    finally:
        con.close()


def read_evidence(
    path: str | Path, *, table: str = "FJ", fields: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Read the photos of an evidence package.

    Parameters
    ----------
    path : path
        The package (SQLite ``.db``).
    table : str, default "FJ"
        The photo table.
    fields : mapping, optional
        ``{key: column}`` for columns named otherwise than
        :data:`EVIDENCE_FIELDS` expects (keys: photo, photo_id, name,
        patch_id, taken, azimuth_deg, photographer, lon, lat, check_code).

    Returns
    -------
    DataFrame
        One row per photo, columns :data:`PHOTO_COLUMNS`; ``data`` holds
        the picture's bytes, ``problem`` is empty for a picture that decodes
        and says why otherwise (the row is kept).

    Raises
    ------
    DataFileError
        When the file is not a SQLite database or has no such table or no
        picture column.
    """
    p = Path(path)
    fields = dict(fields or {})
    unknown = sorted(set(fields) - set(EVIDENCE_FIELDS))
    if unknown:
        raise InputError(
            f"read_evidence(): unknown field keys {unknown}; allowed: {', '.join(EVIDENCE_FIELDS)}"
        )
    if not p.is_file():
        raise DataFileError(f"evidence package not found: {p}")
    con = _connect(p)
    try:
        names = _tables(con, p)
        found = {n.upper(): n for n in names}
        if table.upper() not in found:
            raise DataFileError(
                f"{p} has no table {table} (photos); its tables: {', '.join(sorted(names)) or 'none'}"
            )
        real = found[table.upper()]
        cursor = con.execute(f'SELECT rowid AS "__rowid", * FROM "{real}"')
        columns = [d[0] for d in cursor.description][1:]
        cols = {k: _column_for(columns, k, fields) for k in EVIDENCE_FIELDS}
        if cols["photo"] is None:
            raise DataFileError(
                f"{p}: table {real} has no picture column (looked for "
                f"{', '.join(EVIDENCE_FIELDS['photo'])}; name it with fields={{'photo': ...}})"
            )
        index = {c: i + 1 for i, c in enumerate(columns)}
        rows = []
        for raw in cursor:

            def get(key: str, raw: tuple[Any, ...] = raw) -> Any:
                col = cols[key]
                return raw[index[col]] if col is not None else None

            data = get("photo")
            fmt, problem = _image_format(data)
            photo_id = _text(get("photo_id")) or f"{real}#{raw[0]}"
            rows.append(
                {
                    "photo_id": photo_id,
                    "name": _text(get("name")) or photo_id,
                    "patch_id": _text(get("patch_id")),
                    "taken": _text(get("taken")),
                    "azimuth_deg": _number(get("azimuth_deg")),
                    "photographer": _text(get("photographer")),
                    "lon": _number(get("lon")),
                    "lat": _number(get("lat")),
                    "check_code": _text(get("check_code")),
                    "format": fmt,
                    "data": bytes(data)
                    if isinstance(data, bytes | bytearray | memoryview)
                    else b"",
                    "problem": problem,
                }
            )
    except sqlite3.DatabaseError as exc:
        raise DataFileError(f"cannot read the evidence package {p}: {exc}") from exc
    finally:
        con.close()
    return pd.DataFrame(rows, columns=list(PHOTO_COLUMNS))


@dataclass(frozen=True)
class PhotoMatches:
    """Photos with their patches (:func:`match_photos`).

    Attributes
    ----------
    placed : DataFrame
        The photos that found an ordinary patch: :data:`PHOTO_COLUMNS` plus
        ``matched_patch`` and ``matched_by`` ("id" or "position").
    unplaced : DataFrame
        The photos that found none or cannot be shown, with ``reason`` (Chinese).
    n_sealed : int
        Photos of military-land patches: set aside, counted only.
    """

    placed: pd.DataFrame
    unplaced: pd.DataFrame
    n_sealed: int

    def for_patch(self, patch_id: str) -> pd.DataFrame:
        """The photos of one patch, in the package's order."""
        return self.placed[self.placed["matched_patch"] == patch_id]


def match_photos(
    photos: pd.DataFrame,
    patches: gpd.GeoDataFrame,
    *,
    options: EvidenceOptions | None = None,
) -> PhotoMatches:
    """Give each photo its patch (see :class:`rsgeo.options.EvidenceOptions`).

    Parameters
    ----------
    photos : DataFrame
        From :func:`read_evidence`.
    patches : GeoDataFrame
        The patch table, indexed by patch id (or with a ``patch_id`` column),
        in any CRS; military-land patches take their photos out of the
        ordinary outputs (counted in ``n_sealed``).
    options : EvidenceOptions, optional

    Returns
    -------
    PhotoMatches
    """
    import geopandas as gpd

    opts = options if options is not None else EvidenceOptions()
    missing = [c for c in PHOTO_COLUMNS if c not in photos.columns]
    if missing:
        raise InputError(f"match_photos(): photos lack columns {missing} (use read_evidence)")
    table = patches
    if "patch_id" in table.columns:
        table = table.set_index("patch_id")
    ids = table.index.astype(str)
    sealed = set(ids[is_military(table).to_numpy()])
    known = set(ids)
    out = photos.copy()
    out["matched_patch"] = ""
    out["matched_by"] = ""
    if opts.match in ("id", "id_then_position"):
        by_id = out["patch_id"].isin(known)
        out.loc[by_id, "matched_patch"] = out.loc[by_id, "patch_id"]
        out.loc[by_id, "matched_by"] = "id"
    todo = (out["matched_patch"] == "") & out["lon"].notna() & out["lat"].notna()
    if opts.match in ("position", "id_then_position") and todo.any() and len(table):
        points = gpd.GeoSeries(
            gpd.points_from_xy(out.loc[todo, "lon"], out.loc[todo, "lat"]), crs="EPSG:4490"
        )
        work = table.geometry
        if work.crs is None:
            raise InputError("match_photos(): the patches have no CRS")
        if work.crs.is_geographic:
            from rsgeo.geo.crs import choose_gk_crs

            work = work.to_crs(choose_gk_crs(gpd.GeoDataFrame(geometry=work), warn=False))
        pts = points.to_crs(work.crs)
        geoms = work.to_numpy()
        tree = work.sindex
        for label, pt in zip(out.index[todo.to_numpy()], pts, strict=True):
            if opts.max_distance_m > 0:
                near = tree.query(pt.buffer(opts.max_distance_m), predicate="intersects")
            else:
                near = tree.query(pt, predicate="intersects")
            if len(near) == 0:
                continue
            # inside beats near; then the nearest; then the first in the table
            best = min(near, key=lambda i: (geoms[i].distance(pt), i))
            out.loc[label, "matched_patch"] = ids[best]
            out.loc[label, "matched_by"] = "position"
    # a photo that names a military patch or was taken on one is set aside whatever
    # the mode: listed as unplaced, its id or position would tell where the patch is
    in_sealed = out["matched_patch"].isin(sealed) | out["patch_id"].isin(sealed)
    if sealed:
        in_sealed |= _on_sealed(out, table, sealed, opts.max_distance_m)
    n_sealed = int(in_sealed.sum())
    out = out[~in_sealed]
    bad = out["problem"] != ""
    nowhere = out["matched_patch"] == ""
    reasons = pd.Series("", index=out.index, dtype=object)
    reasons[nowhere & out["lon"].isna()] = EVIDENCE_PROBLEM_LABELS["no_position"]
    reasons[nowhere & out["lon"].notna()] = EVIDENCE_PROBLEM_LABELS["outside"]
    reasons[bad] = out.loc[bad, "problem"]
    unplaced = out[bad | nowhere].assign(reason=reasons[bad | nowhere])
    placed = out[~(bad | nowhere)]
    return PhotoMatches(
        placed=placed.reset_index(drop=True),
        unplaced=unplaced.reset_index(drop=True),
        n_sealed=n_sealed,
    )


def _on_sealed(
    photos: pd.DataFrame, table: gpd.GeoDataFrame, sealed: set[str], reach_m: float
) -> pd.Series:
    """Whether each photo was taken on (or within ``reach_m`` of) a military patch."""
    import geopandas as gpd

    flags = pd.Series(False, index=photos.index)
    where = photos["lon"].notna() & photos["lat"].notna()
    if not where.any():
        return flags
    mine = table[table.index.astype(str).isin(sealed)].geometry
    if mine.crs is None:
        return flags
    if mine.crs.is_geographic:
        from rsgeo.geo.crs import choose_gk_crs

        mine = mine.to_crs(choose_gk_crs(gpd.GeoDataFrame(geometry=mine), warn=False))
    pts = gpd.GeoSeries(
        gpd.points_from_xy(photos.loc[where, "lon"], photos.loc[where, "lat"]), crs="EPSG:4490"
    ).to_crs(mine.crs)
    area = mine.union_all()
    if reach_m > 0:
        area = area.buffer(reach_m)
    flags.loc[where] = np.asarray(pts.intersects(area))
    return flags
