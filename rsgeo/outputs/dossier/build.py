"""One dossier per patch (一图斑一卷宗).

:func:`build_dossiers` writes one folder per patch under ``outdir`` with
``dossier.html`` (its figures linked beside it, so the folder can be copied
whole), ``dossier.pdf``, the location map (PNG), the imagery chips (JPEG) and
the patch's photos and attachments; plus ``index.html`` listing every dossier and ``manifest.json``
with a content hash of each dossier's inputs, so a second run rebuilds only
the dossiers whose inputs changed. Military-land patches get no dossier here
(only their count appears on the index page); see :mod:`rsgeo.outputs.sealed`.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import sys
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rsgeo.errors import CRSError, InputError, format_problems
from rsgeo.geo.units import M2_PER_MU, format_half_up
from rsgeo.outputs.dossier.combined import CombinedPdfs
from rsgeo.outputs.dossier.content import fmt
from rsgeo.outputs.dossier.folder import FOLDER_MAX_BYTES, Shared, inside, own_bytes, remove_tree
from rsgeo.outputs.dossier.fonts import find_cjk_font
from rsgeo.outputs.dossier.map_inputs import map_inputs, neighbours_digest
from rsgeo.outputs.dossier.pdffont import pdf_font
from rsgeo.outputs.dossier.photos import photo_caption, write_unplaced
from rsgeo.outputs.dossier.workers import start_pool, stop_pool, wait_all
from rsgeo.outputs.names import safe_name
from rsgeo.schema.contract import patch_id_problems
from rsgeo.schema.military import split_military

if TYPE_CHECKING:
    import geopandas as gpd

    from rsgeo.io.evidence import PhotoMatches

__all__ = [
    "FOLDER_MAX_BYTES",
    "FORMAT_VERSION",
    "DossierRun",
    "build_dossiers",
    "folder_name",
    "own_bytes",
    "start_dossiers",
]

FORMAT_VERSION = "8"
"""Bumped when the dossier layout changes, so every dossier is rebuilt."""

MANIFEST = "manifest.json"


def folder_name(patch_id: str) -> str:
    """The dossier folder of a patch: :func:`rsgeo.outputs.names.safe_name` of its id.

    >>> folder_name("450225-2020-001")
    '450225-2020-001'
    """
    return safe_name(patch_id)


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _stat_key(path: Path) -> str:
    st = path.stat()
    return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"


def _replace_text(path: Path, text: str) -> None:
    """Write a new file in place of ``path`` (never into it: it may be a hard link)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _json_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else repr(float(value))
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _rows(frame: pd.DataFrame) -> list[Any]:
    """The rows of ``frame`` as plain objects with one attribute per column (they pickle)."""
    return [SimpleNamespace(**{str(k): v for k, v in r.items()}) for r in frame.to_dict("records")]


def _attachments_for(attachments: Any, patch_id: str) -> list[Path]:
    if attachments is None:
        return []
    if isinstance(attachments, Mapping):
        items = attachments.get(patch_id, [])
        if isinstance(items, str | os.PathLike):
            items = [items]
        return [Path(p) for p in items]
    folder = Path(attachments) / folder_name(patch_id)
    if not folder.is_dir():
        folder = Path(attachments) / patch_id
    if folder.is_dir() and Path(attachments).resolve() in folder.resolve().parents:
        return sorted(p for p in folder.iterdir() if p.is_file())
    return []


_RASTER_SUFFIXES = (".tif", ".tiff", ".img", ".jp2", ".vrt")


class _RasterFinder:
    """The raster of each patch in one imagery source: the file itself, or a file
    named after the patch in the folder (listed once: most patches have none)."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.single = source.is_file()
        try:
            entries = [] if self.single else os.listdir(source)
        except OSError:
            entries = []
        self._names = {_name_key(e) for e in entries}

    def __call__(self, key: str, patch_id: str) -> Path | None:
        """``source`` itself, or the first of the file names the patch's raster may have."""
        source = self.source
        if self.single:
            return source
        for name in dict.fromkeys((patch_id, folder_name(patch_id))):
            for suffix in _RASTER_SUFFIXES:
                for first, rest in (
                    (f"{name}_{key}{suffix}", ""),
                    (name, f"{key}{suffix}"),
                    (f"{name}{suffix}", ""),
                ):
                    if not self._may_hold(first):
                        continue
                    candidate = source / first / rest if rest else source / first
                    if candidate.is_file() and inside(candidate, source):
                        return candidate
        return None

    def _may_hold(self, entry: str) -> bool:
        """Whether the folder may hold ``entry`` (ignoring case: as Windows finds files)."""
        if "/" in entry or "\\" in entry or entry in (".", ".."):
            return True  # not one name of the listing: looked at on the disk
        return _name_key(entry) in self._names


def _name_key(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def _validate(
    result: Any, outdir: Any, imagery: Any, attachments: Any, n_jobs: Any = None
) -> tuple[gpd.GeoDataFrame, Path, dict[str, Path]]:
    import geopandas as gpd

    problems: list[str] = []
    if not isinstance(result, gpd.GeoDataFrame):
        raise InputError(
            f"result must be a GeoDataFrame (the overlay result), not {type(result).__name__}"
        )
    if result.crs is None:
        raise CRSError("result has no CRS; set it with result.set_crs(...)")
    table = result.copy()
    if "patch_id" in table.columns:
        table = table.set_index("patch_id")
    table.index = table.index.astype(str)
    table.index.name = "patch_id"
    table.attrs = {}  # pandas deep-copies attrs on every row taken; none are needed here
    problems += [
        f"the patch-id contract (ids present and unique; run rsgeo.review): {p}"
        for p in patch_id_problems(table.index)
    ]
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        problems.append(f"outdir {out} exists and is not a folder")
    rasters: dict[str, Path] = {}
    if imagery is not None:
        if isinstance(imagery, str | os.PathLike):
            pairs = [("before", imagery), ("after", imagery)]
        elif isinstance(imagery, Mapping):
            pairs = list(imagery.items())
        elif isinstance(imagery, Sequence) and len(imagery) == 2:
            pairs = [("before", imagery[0]), ("after", imagery[1])]
        else:
            pairs = []
            problems.append(
                'imagery must be a folder, {"before": path, "after": path} or (before, after)'
            )
        for key, path in pairs:
            if key not in ("before", "after"):
                problems.append(f"imagery key {key!r} not allowed; allowed: 'before', 'after'")
            elif path is not None and not Path(path).exists():
                problems.append(f"imagery {key} raster or folder {path} not found")
            elif path is not None:
                rasters[key] = Path(path)
    if attachments is not None and not isinstance(attachments, Mapping):
        if not Path(attachments).is_dir():
            problems.append(f"attachments folder {attachments} not found")
    elif isinstance(attachments, Mapping):
        for pid, paths in attachments.items():
            items = [paths] if isinstance(paths, str | os.PathLike) else paths
            for p in items:
                if not Path(p).is_file():
                    problems.append(f"attachment of {pid}: {p} not found")
    if n_jobs is not None and (
        isinstance(n_jobs, bool) or not isinstance(n_jobs, int | np.integer) or n_jobs < 1
    ):
        problems.append(f"n_jobs must be a positive integer or None, not {n_jobs!r}")
    if problems:
        raise InputError(format_problems("build_dossiers():", problems))
    return table, out, rasters


def _lonlats(geoms: np.ndarray, crs: Any) -> list[tuple[float, float] | None]:
    """Longitude and latitude (CGCS2000) of a point inside each patch, all in one transform."""
    import shapely
    from pyproj import Transformer

    found: list[tuple[float, float] | None] = [None] * len(geoms)
    where = [i for i, g in enumerate(geoms) if g is not None and not g.is_empty]
    if not where:
        return found
    try:
        points = shapely.point_on_surface(geoms[where])
        tr = Transformer.from_crs(crs, "EPSG:4490", always_xy=True)
        lon, lat = tr.transform(shapely.get_x(points), shapely.get_y(points))
    except Exception:
        return found
    for i, x, y in zip(where, np.atleast_1d(lon), np.atleast_1d(lat), strict=True):
        if np.isfinite(x) and np.isfinite(y):
            found[i] = (float(x), float(y))
    return found


def build_dossiers(
    result: Any,
    outdir: str | Path,
    *,
    imagery: str | Path | Mapping[str, str | Path] | Sequence[str | Path] | None = None,
    attachments: Mapping[str, Sequence[str | Path] | str | Path] | str | Path | None = None,
    photos: PhotoMatches | None = None,
    findings: pd.DataFrame | None = None,
    townships: Any = None,
    pdf: bool = True,
    title: str = "卫片执法图斑卷宗",
    min_margin_m: float = 50.0,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Build one dossier folder per patch, an index page and a manifest.

    Parameters
    ----------
    result : GeoDataFrame
        Patch-level result (``docs/columns.md``) indexed by ``patch_id`` (or
        with a ``patch_id`` column), in a projected CRS. Military-land
        patches are skipped (counted on the index page only).
    outdir : path
        Output folder; nothing is written outside it.
    imagery : folder, {"before": path, "after": path} or (before, after), optional
        Rasters to cut before/after chips from. Each path is a county-wide
        raster, or a folder of per-patch rasters named
        ``<patch_id>_before.tif`` / ``<patch_id>_after.tif`` (also
        ``<patch_id>/before.tif``; .tif, .tiff, .img, .jp2, .vrt). A folder
        alone stands for both.
    attachments : mapping or folder, optional
        ``{patch_id: [file, ...]}``, or a folder holding one sub-folder per
        patch (named by the patch id or :func:`folder_name`). Files are
        copied into the dossier; images are shown, other files linked.
    photos : PhotoMatches, optional
        Field photos of an evidence package with their patches
        (:func:`rsgeo.io.evidence.match_photos`): each patch's photos are
        saved in its ``attachments`` folder and shown with when, in which
        direction and where they were taken; the photos that found no patch
        or cannot be shown are saved in ``未归属照片`` and listed on the
        index page with the reason.
    findings : DataFrame, optional
        Review findings (:func:`rsgeo.review`), shown in each patch's
        dossier; without them the dossiers have no findings section entries.
    townships : GeoDataFrame, optional
        Township boundaries for the overview map (``township_name`` used for
        labels), reprojected to ``result.crs``.
    pdf : bool, default True
        Also write ``dossier.pdf``.
    title : str
        Title of each dossier.
    min_margin_m : float, default 50
        Smallest margin around the patch on the map and chips.
    n_jobs : int, optional
        Worker processes building dossiers at the same time (default: the
        number of CPUs; 1 builds them in this process). The files written
        do not depend on it.
    progress : bool, optional
        Show a progress bar (default: when stderr is a terminal).

    Returns
    -------
    DataFrame
        Indexed by ``patch_id``: ``folder``, ``html``, ``pdf`` (paths) and
        ``status`` (``"built"`` or ``"unchanged"``); ``attrs`` hold the index
        page path and the number of military patches set aside.
    """
    return start_dossiers(
        result,
        outdir,
        imagery=imagery,
        attachments=attachments,
        photos=photos,
        findings=findings,
        townships=townships,
        pdf=pdf,
        title=title,
        min_margin_m=min_margin_m,
        n_jobs=n_jobs,
        progress=progress,
    ).wait()


class DossierRun:
    """Dossiers handed to worker processes: :meth:`wait` for them, or :meth:`cancel` them.

    Made by :func:`start_dossiers`; the caller may do other work while the
    workers build (``rsgeo run`` writes its other outputs meanwhile).
    """

    def __init__(self, finish: Any, stop: Any) -> None:
        self._finish, self._stop = finish, stop
        self._done = False

    def wait(self) -> pd.DataFrame:
        """Wait for every dossier (the progress bar moves with each), then write the
        township PDFs, the manifest and the index; what :func:`build_dossiers` returns."""
        if self._done:
            raise RuntimeError("this dossier run has already ended")
        self._done = True
        frame: pd.DataFrame = self._finish()
        return frame

    def cancel(self) -> None:
        """Stop the workers now and remove their half-built folders (nothing else changes)."""
        if not self._done:
            self._done = True
            self._stop()


def start_dossiers(
    result: Any,
    outdir: str | Path,
    *,
    imagery: str | Path | Mapping[str, str | Path] | Sequence[str | Path] | None = None,
    attachments: Mapping[str, Sequence[str | Path] | str | Path] | str | Path | None = None,
    photos: PhotoMatches | None = None,
    findings: pd.DataFrame | None = None,
    townships: Any = None,
    pdf: bool = True,
    title: str = "卫片执法图斑卷宗",
    min_margin_m: float = 50.0,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> DossierRun:
    """Start :func:`build_dossiers` (same arguments): the dossiers are handed to
    worker processes and this returns at once; :meth:`DossierRun.wait` ends it.

    With ``n_jobs=1`` (or one dossier to build) nothing runs until ``wait``.

    Returns
    -------
    DossierRun
    """

    table, out, rasters = _validate(result, outdir, imagery, attachments, n_jobs)
    table, military = split_military(table)
    if findings is None:
        findings = pd.DataFrame(
            {c: pd.Series([], dtype=str) for c in ("patch_id", "rule_id", "severity", "message")}
        )
    shown = map_inputs(table, townships, min_margin_m)
    table, crs = shown.table, shown.table.crs
    town_shapes, town_digest = shown.town_shapes, shown.town_digest
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / MANIFEST
    old: dict[str, Any] = {}
    old_combined: dict[str, str] = {}
    if manifest_path.is_file():
        try:
            last = json.loads(manifest_path.read_text(encoding="utf-8"))
            old = dict(last.get("patches", {}))
            old_combined = dict(last.get("combined", {}))
        except (ValueError, OSError, TypeError, AttributeError):
            old, old_combined = {}, {}
    # what each location map shows: bounded, found with one index for all patches
    geoms, margins, near = shown.geoms, shown.margins, shown.near
    geom_name = table.geometry.name
    used_folders: set[str] = set()
    findings = findings.copy()
    findings.attrs = {}
    finding_ids = findings["patch_id"].astype(str)
    # what the hashes and the dossiers are made of, taken from whole columns once
    finding_keys: dict[str, list[list[str]]] = {}
    for pid, key in zip(
        finding_ids,
        findings[["rule_id", "severity", "message"]].astype(str).values.tolist(),
        strict=True,
    ):
        finding_keys.setdefault(pid, []).append(key)
    photo_rows: dict[str, list[Any]] = {}
    if photos is not None and len(photos.placed):
        placed = photos.placed
        groups = placed.groupby("matched_patch", sort=False).indices
        for matched, at in groups.items():
            photo_rows[str(matched)] = _rows(placed.iloc[np.sort(at)])
    lonlats = _lonlats(geoms, crs)
    crs_key = crs.to_string()
    columns = list(table.columns)
    values = table.to_numpy(dtype=object)
    plain = [i for i, c in enumerate(columns) if c != geom_name]
    plain_names = [str(columns[i]) for i in plain]
    records: list[dict[str, Any]] = []
    todo: list[dict[str, Any]] = []
    finders = {k: _RasterFinder(src) for k, src in rasters.items()}
    show = sys.stderr.isatty() if progress is None else progress
    for pos, patch_id in enumerate(table.index):
        row = dict(zip(columns, values[pos], strict=True))
        geom = geoms[pos]
        folder = folder_name(patch_id)
        if folder.casefold() in used_folders:
            folder = f"{folder}_{hashlib.sha1(patch_id.encode()).hexdigest()[:8]}"
        used_folders.add(folder.casefold())
        has_shape = geom is not None and not geom.is_empty
        margin = margins[pos]
        neighbours = [geoms[i] for i in near[pos]]
        own = finding_keys.get(patch_id, [])
        patch_rasters = {
            k: found for k, find in finders.items() if (found := find(k, patch_id)) is not None
        }
        files = _attachments_for(attachments, patch_id)
        own_photos = photo_rows.get(patch_id, [])
        photo_key = [
            [hashlib.sha256(r.data).hexdigest(), *photo_caption(r).split("\n")] for r in own_photos
        ]
        payload = {
            "format": FORMAT_VERSION,
            "patch_id": patch_id,
            "row": {
                k: _json_value(values[pos, i]) for k, i in zip(plain_names, plain, strict=True)
            },
            "geometry": geom.wkb_hex if has_shape else "",
            "crs": crs_key,
            "neighbours": neighbours_digest(neighbours),
            "townships": town_digest,
            "findings": own,
            "imagery": {k: _stat_key(p) for k, p in patch_rasters.items()},
            "attachments": [[p.name, _file_digest(p)] for p in files],
            "photos": photo_key,
            "options": [pdf, title, min_margin_m],
        }
        digest = hashlib.sha256(
            json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
        ).hexdigest()
        target = out / folder
        html_path, pdf_path = target / "dossier.html", target / "dossier.pdf"
        prev = old.get(patch_id, {})
        unchanged = (
            prev.get("hash") == digest
            and prev.get("folder") == folder
            and html_path.is_file()
            and (pdf_path.is_file() or not pdf)
        )
        if not unchanged:
            todo.append(
                {
                    "row": row,
                    "patch_id": patch_id,
                    "geom": geom,
                    "target": target,
                    "neighbours": neighbours,
                    "rasters": patch_rasters,
                    "files": files,
                    "photos": own_photos,
                    "findings": [tuple(f) for f in own],
                    "lonlat": lonlats[pos],
                    "margin": margin,
                }
            )
        records.append(
            {
                "patch_id": patch_id,
                "folder": target,
                "html": html_path,
                "pdf": pdf_path if pdf else None,
                "status": "unchanged" if unchanged else "built",
                "hash": digest,
                "township_code": fmt(row.get("township_code")),
                "township_name": fmt(row.get("township_name")),
                "final_class": fmt(row.get("final_class")),
                "area_mu": float(row["area_m2"]) / M2_PER_MU if "area_m2" in row else np.nan,
                "n_findings": len(own),
            }
        )
    if pdf and todo:  # parsed here once: the workers forked below share it
        pdf_font(find_cjk_font())
    shared = Shared(
        crs=crs,
        out=out,
        town_shapes=town_shapes,
        imagery_given=sorted(rasters),
        title=title,
        pdf=pdf,
    )
    # a township at a time, so that each township's PDF is joined while the others are built
    town_of = {r["patch_id"]: (r["township_code"], r["township_name"]) for r in records}
    todo.sort(key=lambda job: town_of[job["patch_id"]])
    combined = CombinedPdfs(records, out, old_combined, [job["patch_id"] for job in todo])
    pool, pending = start_pool(todo, shared, n_jobs=n_jobs)

    def stop() -> None:
        stop_pool(pool, todo, shared)

    def finish() -> pd.DataFrame:
        wait_all(todo, shared, pool, pending, total=len(records), show=show, done=combined.done)
        return _finish(records, out, old, combined, photos, len(military), pdf, title)

    return DossierRun(finish, stop)


def _finish(
    records: list[dict[str, Any]],
    out: Path,
    old: dict[str, Any],
    combined: CombinedPdfs,
    photos: PhotoMatches | None,
    n_military: int,
    pdf: bool,
    title: str,
) -> pd.DataFrame:
    """After the dossiers: stale folders removed, township PDFs, manifest, index, the table."""
    # folders of patches no longer in the table (only those this function made)
    keep = {r["patch_id"] for r in records}
    for pid, entry in old.items():
        if pid not in keep and isinstance(entry, dict) and entry.get("folder"):
            stale = out / str(entry["folder"])
            if stale.name == str(entry["folder"]) and inside(stale, out):
                remove_tree(stale, out)
    written = combined.finish()
    manifest = {
        "format": FORMAT_VERSION,
        "patches": {
            r["patch_id"]: {"folder": r["folder"].name, "hash": r["hash"]} for r in records
        },
        "combined": written,
    }
    _replace_text(out / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    unplaced = write_unplaced(photos, out)
    index_path = out / "index.html"
    links = "".join(
        f'<li><a href="{html.escape(name)}">{html.escape(name)}</a></li>' for name in written
    )
    extra = (f"<h2>按乡镇合并的卷宗（PDF）</h2><ul>{links}</ul>" if links else "") + unplaced
    _replace_text(index_path, _index_html(records, n_military, title, extra))
    frame = pd.DataFrame(records, columns=["patch_id", "folder", "html", "pdf", "status"])
    frame = frame.set_index("patch_id")
    frame.attrs["index"] = index_path
    frame.attrs["n_military_excluded"] = n_military
    frame.attrs["unplaced_photos"] = (
        photos.unplaced.drop(columns="data") if photos is not None else pd.DataFrame()
    )
    frame.attrs["n_sealed_photos"] = photos.n_sealed if photos is not None else 0
    frame.attrs["combined"] = {name: out / name for name in written}
    return frame


def _index_html(
    records: list[dict[str, Any]], n_military: int, title: str, unplaced: str = ""
) -> str:
    e = html.escape
    rows = []
    for r in records:
        folder = e(r["folder"].name)
        pdf_link = f'<a href="{folder}/dossier.pdf">PDF</a>' if r["pdf"] is not None else ""
        area = format_half_up(r["area_mu"])
        rows.append(
            f'<tr><td><a href="{folder}/dossier.html">{e(r["patch_id"])}</a></td>'
            f"<td>{e(r['township_code'])}</td><td>{e(r['township_name'])}</td>"
            f"<td>{e(r['final_class'])}</td><td>{area}</td><td>{r['n_findings']}</td>"
            f"<td>{pdf_link}</td></tr>"
        )
    military = (
        f"<p>另有军用土地图斑 {n_military} 个，按机要件单独报送，不在此建立卷宗。</p>"
        if n_military
        else ""
    )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{e(title)} 目录</title><style>body{{font-family:sans-serif;margin:2em}}"
        "table{border-collapse:collapse}td,th{border:1px solid #777;padding:3px 8px}</style>"
        f"</head><body><h1>{e(title)} 目录</h1><p>共 {len(records)} 个图斑卷宗。</p>{military}"
        "<table><thead><tr><th>监测编号</th><th>乡镇代码</th><th>乡镇名称</th><th>最终分类</th>"
        "<th>面积（亩）</th><th>审核问题数</th><th>PDF</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        + unplaced
        + "</body></html>"
    )
