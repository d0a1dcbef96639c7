"""``rsgeo init FOLDER``: a commented job-file template for the files in a folder.

:func:`find_inputs` looks at every file of a folder (and its sub-folders) and
recognises, by file and layer names (:data:`rsgeo.schema.job_notes.NAME_HINTS`)
and by fields (the alias tables of :mod:`rsgeo.schema.fields`), the patch
batches, the township and county boundaries, the reference layers, the
determination tables, the change survey's denominator table, the manual flags
and the before/after imagery. :func:`job_template` writes the job file: the
paths it is sure of filled in, the others as commented suggestions, a comment
in Chinese and English above every key, and the defaults of
:mod:`rsgeo.options` shown commented. :func:`write_job_template` writes it to
``FOLDER/job.toml`` and never replaces one without ``overwrite=True``.

Examples
--------
>>> from rsgeo.io.sample import sample_path
>>> found = find_inputs(sample_path(), year="2020")
>>> [f.batch for f in found.chosen["patches"]]
['2020Q1', '2020Q2', '2020Q3', '2020Q4']
>>> found.chosen["townships"][0].path.name
'townships.gpkg'
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio

from rsgeo.analysis.layer_overlay import DEFAULT_ATTRIBUTES
from rsgeo.errors import DataFileError, OutputExistsError, RsgeoError
from rsgeo.io.evidence import evidence_tables
from rsgeo.io.sources import SUPPORTED_SUFFIXES
from rsgeo.io.tables import TABLE_SUFFIXES, read_table
from rsgeo.job import OUTPUT_KINDS
from rsgeo.options import (
    CriteriaThresholds,
    EvidenceOptions,
    ListOptions,
    SpotCheckOptions,
    StatsOptions,
)
from rsgeo.schema.fields import (
    DENOMINATOR_FIELDS,
    DETERMINATION_FIELDS,
    LAYER_FIELDS,
    MANUAL_FLAG_FIELDS,
    PATCH_FIELDS,
    TOWNSHIP_FIELDS,
    canonical_name,
)
from rsgeo.schema.job_notes import KEY_NOTES, NAME_HINTS, SECTION_NOTES, TEMPLATE_NOTES
from rsgeo.schema.labels import LAYER_NAMES
from rsgeo.schema.messages import say

__all__ = ["FoundFile", "FoundInputs", "find_inputs", "job_template", "write_job_template"]

JOB_FILE_NAME = "job.toml"
"""The name of the template ``rsgeo init`` writes into the folder."""

LAYER_KEYS: tuple[str, ...] = (*LAYER_NAMES, "military")
"""Reference-layer keys the template may fill, in the order it writes them."""

_SINGLE = ("townships", "county", *LAYER_KEYS, "denominator", "manual_flags")
"""Inputs a job holds once: filled only when exactly one file is found."""

# county before townships ("xjxzq" holds "xzq"), specific layers before farmland
_NAME_ORDER = ("county", *LAYER_KEYS[1:], "farmland", "townships", "patches")
_BATCH = re.compile(r"(?<!\d)((?:19|20)\d{2}(?:[QqMm]\d{1,2})?)(?!\d)")
_UNIT = re.compile(r"\s*[（(][^（()）]*[)）]\s*$")
_IMAGE_SUFFIXES = (".tif", ".tiff")
_MAX_TOWNSHIPS = 200


@dataclass(frozen=True)
class FoundFile:
    """One recognised input: its path, what it is, and how it was told."""

    path: Path
    kind: str
    layer: str | None = None
    batch: str | None = None
    year: str | None = None
    no_crs: bool = False
    reason: str = ""


@dataclass
class FoundInputs:
    """What :func:`find_inputs` recognised in a folder."""

    folder: Path
    year: str | None
    chosen: dict[str, list[FoundFile]] = field(default_factory=dict)
    other_years: list[FoundFile] = field(default_factory=list)
    unused: list[Path] = field(default_factory=list)

    def describe(self) -> list[str]:
        """One line per kind found (for the command's output)."""
        lines = []
        for kind, items in self.chosen.items():
            names = ", ".join(self._rel(f.path) for f in items)
            lines.append(f"{kind} ({len(items)}): {names}")
        return lines

    def _rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.folder).as_posix()
        except ValueError:
            return path.as_posix()


# --------------------------------------------------------------------------- recognising


def _hinted(text: str) -> list[str]:
    low = text.casefold()
    return [k for k in _NAME_ORDER if any(h.casefold() in low for h in NAME_HINTS[k])]


def _batch(*names: str) -> str | None:
    for name in names:
        match = _BATCH.search(name)
        if match:
            return match.group(1).upper()
    return None


def _canon(names: Iterable[str], table: Any) -> set[str]:
    out = set()
    for name in names:
        text = str(name).strip()
        canon = canonical_name(text, table) or canonical_name(_UNIT.sub("", text), table)
        if canon is not None:
            out.add(canon)
    return out


def _spatial_kind(path: Path, layer: str, info: dict[str, Any]) -> tuple[str | None, str]:
    """The job-file key of one layer of a spatial file, and why."""
    names = [str(f) for f in info.get("fields", [])]
    patch = _canon(names, PATCH_FIELDS)
    if "patch_id" in patch and patch & {"change_type", "date_before", "date_after"}:
        return "patches", "fields " + ", ".join(sorted(patch & {"patch_id", "change_type"}))
    hinted = [k for k in _hinted(f"{path.stem} {layer}") if k != "patches"]
    if hinted:
        return hinted[0], f"name {path.stem}/{layer}"
    lay = _canon(names, LAYER_FIELDS)
    if {"land_class_code", "ridge_coef"} <= lay:
        return "farmland", "fields DLBM, KCXS"
    n = int(info.get("features") or 0)
    if _canon(names, TOWNSHIP_FIELDS) >= {"township_code", "township_name"} and (
        "land_class_code" not in lay and 1 < n <= _MAX_TOWNSHIPS
    ):
        return "townships", "fields XZQDM, XZQMC"
    if n == 1:
        return "county", "one polygon"
    return None, ""


def _spatial(path: Path) -> tuple[list[FoundFile], bool]:
    """The recognised layers of one spatial file; False when it could not be read."""
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception:  # a broken or foreign file: listed as not recognised
        return [], False
    found = []
    for layer in layers:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                info = pyogrio.read_info(path, layer=layer)
        except Exception:
            continue
        if not info.get("geometry_type"):
            continue  # a table inside a GeoPackage
        kind, reason = _spatial_kind(path, layer, info)
        if kind is None:
            continue
        batch = _batch(path.stem, layer) if kind == "patches" else None
        found.append(
            FoundFile(
                path=path,
                kind=kind,
                layer=layer if len(layers) > 1 else None,
                batch=batch or (path.stem if kind == "patches" else None),
                year=(batch or "")[:4] or None,
                no_crs=info.get("crs") is None,
                reason=reason,
            )
        )
    return found, True


def _table_kind(rows: pd.DataFrame) -> str | None:
    header = [str(v) for v in rows.iloc[0].tolist()] if len(rows) else []
    first = _canon(header, {**TOWNSHIP_FIELDS, **DENOMINATOR_FIELDS, **MANUAL_FLAG_FIELDS})
    for i in range(min(len(rows), 20)):
        row = _canon([str(v) for v in rows.iloc[i].tolist()], DETERMINATION_FIELDS)
        if {"patch_id", "determination"} <= row:
            return "determinations"
    if "township_code" in first and "area" in first:
        return "denominator"
    if "township_code" in first and "criterion" in first:
        return "manual_flags"
    return None


def _table(path: Path) -> list[FoundFile]:
    """The recognised sheets of one table file (the first that fits)."""
    try:
        sheets: list[str | int] = (
            list(pd.ExcelFile(path).sheet_names) if path.suffix.casefold() != ".csv" else [0]
        )
    except Exception:
        return []
    for i, sheet in enumerate(sheets):
        try:
            rows = read_table(path, sheet=sheet, header=False).head(20)
        except RsgeoError:
            continue
        kind = _table_kind(rows)
        if kind is not None:
            batch = _batch(path.stem)
            return [
                FoundFile(
                    path=path,
                    kind=kind,
                    layer=str(sheet) if i else None,
                    batch=batch,
                    year=(batch or "")[:4] or None,
                    reason="headers",
                )
            ]
    return []


_EVIDENCE_SUFFIXES = (".db", ".sqlite")


def _is_evidence(path: Path) -> bool:
    """A SQLite file holding a photo table FJ: a 国土调查云 evidence package."""
    try:
        return any(name.casefold() == "fj" for name in evidence_tables(path))
    except DataFileError:
        return False


def _walk(folder: Path) -> Iterable[Path]:
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        if (here / ".rsgeo-manifest.json").exists():  # an output folder of rsgeo
            dirs[:] = []
            continue
        keep = []
        for d in sorted(dirs):
            if d.startswith("."):
                continue
            if d.casefold().endswith(".gdb"):
                yield here / d
            else:
                keep.append(d)
        dirs[:] = keep
        for name in sorted(files):
            if not name.startswith((".", "~$")):
                yield here / name


def find_inputs(folder: str | os.PathLike[str], *, year: str | int | None = None) -> FoundInputs:
    """Recognise the inputs of a job among the files of ``folder``.

    Parameters
    ----------
    folder : str or path-like
        The folder holding the county's data (searched with its sub-folders;
        rsgeo's own output folders are skipped).
    year : str or int, optional
        Use only the patch batches and determination tables of this year
        (by the year in their names); the others are listed as not used.
        By default the latest year among the patch batches.

    Returns
    -------
    FoundInputs

    Raises
    ------
    rsgeo.errors.DataFileError
        ``folder`` is not a folder.
    """
    root = Path(folder).expanduser().resolve()
    if not root.is_dir():
        raise DataFileError(say("init_not_folder", path=root))
    everything: list[FoundFile] = []
    unused: list[Path] = []
    images: dict[str, set[Path]] = {"imagery_before": set(), "imagery_after": set()}
    for path in _walk(root):
        suffix = path.suffix.casefold()
        if suffix in _IMAGE_SUFFIXES:
            kinds = [k for k in images if any(h in path.stem.casefold() for h in NAME_HINTS[k])]
            for k in kinds[:1]:
                images[k].add(path.parent)
            continue
        if suffix in _EVIDENCE_SUFFIXES:
            if _is_evidence(path):
                everything.append(FoundFile(path=path, kind="evidence", reason="FJ"))
            else:
                unused.append(path)
            continue
        if suffix == ".mbtiles":
            everything.append(FoundFile(path=path, kind="basemap", reason="MBTiles"))
            continue
        if suffix in (".shp", ".gpkg", ".geojson", ".gdb") and suffix in SUPPORTED_SUFFIXES:
            found, readable = _spatial(path)
        elif suffix in TABLE_SUFFIXES and suffix != ".txt":
            found, readable = _table(path), True
        else:
            continue
        everything += found
        if not found or not readable:
            unused.append(path)
    years = sorted({f.year for f in everything if f.kind == "patches" and f.year})
    chosen_year = str(year) if year is not None else (years[-1] if years else None)
    result = FoundInputs(folder=root, year=chosen_year, unused=unused)
    for f in everything:
        dated = f.kind in ("patches", "determinations")
        if dated and chosen_year and f.year and f.year != chosen_year:
            result.other_years.append(f)
        else:
            result.chosen.setdefault(f.kind, []).append(f)
    for kind in ("patches", "determinations"):  # batch order: the later one wins
        if kind in result.chosen:
            result.chosen[kind].sort(key=lambda f: (f.batch or "", str(f.path)))
    for k, dirs in images.items():
        if dirs:
            result.chosen[k] = [FoundFile(path=d, kind=k, reason="images") for d in sorted(dirs)]
    return result


# --------------------------------------------------------------------------- writing


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


class _Writer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lines: list[str] = []

    def comment(self, text: str) -> None:
        for line in text.splitlines():
            self.lines.append(f"# {line}".rstrip())

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def key(self, name: str, value: Any, *, on: bool = True, note: str = "") -> None:
        tail = f"  # {note}" if note else ""
        self.lines.append(f"{'' if on else '# '}{name} = {_toml(value)}{tail}")

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.folder).as_posix() or "."
        except ValueError:
            return path.as_posix()

    def source(
        self, header: str, f: FoundFile, *, on: bool, note: str = "", batch: bool = False
    ) -> None:
        self.lines.append(f"{'' if on else '# '}{header}{f'  # {note}' if note else ''}")
        self.key("path", self.rel(f.path), on=on)
        if batch and f.batch:
            self.key("batch", f.batch, on=on)
        if f.layer is not None:
            self.key("layer", f.layer, on=on)
        if f.no_crs:
            self.comment(TEMPLATE_NOTES["no_crs"])
            self.key("crs", "EPSG:4490", on=False)


def _defaults(w: _Writer, section: str, obj: Any, names: Sequence[str]) -> None:
    w.blank()
    w.comment(SECTION_NOTES[section])
    w.comment(f"[{section}]")
    for name in names:
        note = KEY_NOTES.get(f"{section}.{name}")
        if note:
            w.comment(note)
        value = getattr(obj, name)
        if value is not None:
            w.key(name, value, on=False)


def job_template(found: FoundInputs, *, name: str | None = None) -> str:
    """The text of a commented job file for what :func:`find_inputs` found.

    Parameters
    ----------
    found : FoundInputs
        What was recognised; paths are written relative to ``found.folder``
        (where the job file goes).
    name : str, optional
        ``[job] name``; by default the folder's name and the year.

    Returns
    -------
    str
        TOML text that :func:`rsgeo.job.load_job` reads once the inputs the
        template could not decide (commented out) are filled in.
    """
    w = _Writer(found.folder)
    chosen = found.chosen
    w.comment(SECTION_NOTES["head"])
    w.blank()
    w.comment(SECTION_NOTES["job"])
    w.lines.append("[job]")
    w.comment(KEY_NOTES["job.name"])
    title = name or TEMPLATE_NOTES["title"].format(folder=found.folder.name, year=found.year or "")
    w.key("name", title)
    cutoff = StatsOptions().cutoff
    w.comment(KEY_NOTES["job.cutoff"])
    if found.year and found.year != str(cutoff.year):
        w.comment(TEMPLATE_NOTES["year_cutoff"].format(year=found.year, cutoff=cutoff))
    w.key("cutoff", cutoff, on=False)
    for key, value in (
        ("reviewer", ""),
        ("filing_unit", ""),
        ("working_crs", "EPSG:4545"),
        ("profile", "auto"),
    ):
        w.comment(KEY_NOTES[f"job.{key}"])
        w.key(key, value, on=False)

    w.blank()
    w.comment(SECTION_NOTES["patches"])
    for key in ("patches.path", "patches.batch", "source.layer", "source.encoding"):
        w.comment(KEY_NOTES[key])
    w.comment(KEY_NOTES["source.fields"])
    for f in chosen.get("patches", []):
        w.source("[[patches]]", f, on=True, note=f"{SECTION_NOTES['sure']}: {f.reason}", batch=True)
    if not chosen.get("patches"):
        w.comment(TEMPLATE_NOTES["none_found"])
        w.lines += ["# [[patches]]", '# path = ""']

    w.blank()
    w.comment(SECTION_NOTES["layers"])
    w.comment(KEY_NOTES["source.crs"])
    for key in LAYER_KEYS:
        _single(w, found, key, f"[layers.{key}]", LAYER_NAMES.get(key, key))

    for key in ("townships", "county"):
        w.blank()
        w.comment(SECTION_NOTES[key])
        _single(w, found, key, f"[{key}]", "")

    w.blank()
    w.comment(SECTION_NOTES["imagery"])
    images = {k: chosen.get(f"imagery_{k}", []) for k in ("before", "after")}
    if any(images.values()):
        w.lines.append("[imagery]")
    for k, dirs in images.items():
        w.comment(KEY_NOTES[f"imagery.{k}"])
        for i, d in enumerate(dirs or [FoundFile(path=found.folder / "imagery", kind=k)]):
            w.key(k, w.rel(d.path), on=bool(dirs) and i == 0)

    for key, header in (("evidence", "[evidence]"), ("basemap", "[maps]")):
        w.blank()
        w.comment(SECTION_NOTES["evidence" if key == "evidence" else "maps"])
        items = chosen.get(key, [])
        for f in items:  # one package is taken; a basemap is a choice a person makes
            on = key == "evidence" and len(items) == 1
            note = SECTION_NOTES["sure"] if on else SECTION_NOTES["check"]
            w.lines.append(f"{'' if on else '# '}{header}  # {note}")
            w.key("path" if key == "evidence" else "basemap", w.rel(f.path), on=on)
        if not items:
            w.comment(TEMPLATE_NOTES["none_found"])
            w.comment(header)
        if key == "evidence":
            w.comment(KEY_NOTES["evidence.match"])
            w.key("match", EvidenceOptions().match, on=False)
        else:
            w.comment(KEY_NOTES["maps.basemap"])
            if not items:
                w.key("basemap", "", on=False)
    w.blank()
    w.comment(SECTION_NOTES["platform_figures"])
    w.comment("[platform_figures]")
    w.key("path", "", on=False)
    w.comment(KEY_NOTES["platform_figures.unit"])
    w.key("unit", "mu", on=False)

    w.blank()
    w.comment(SECTION_NOTES["determinations"])
    w.comment(KEY_NOTES["determinations.layer"])
    for f in chosen.get("determinations", []):
        w.source("[[determinations]]", f, on=True, note=SECTION_NOTES["sure"])
    if not chosen.get("determinations"):
        w.comment(TEMPLATE_NOTES["none_found"])

    for key in ("denominator", "manual_flags"):
        w.blank()
        w.comment(SECTION_NOTES[key])
        for f in chosen.get(key, []):  # a choice a person makes: suggested, never filled
            w.source(f"[{key}]", f, on=key == "manual_flags" and len(chosen[key]) == 1)
        if key == "denominator":
            w.comment(KEY_NOTES["denominator.source"])
            w.key("source", "", on=False)

    thresholds = CriteriaThresholds()
    _defaults(w, "criteria", thresholds, ("ratio_min", "illegal_farmland_min_mu"))
    _defaults(w, "lists", ListOptions(), ("red_size", "black_size"))
    w.blank()
    w.comment(SECTION_NOTES["outputs"])
    w.comment(KEY_NOTES["outputs"])
    w.comment("[outputs]")
    for kind in OUTPUT_KINDS:
        w.key(kind, True, on=False)
    spot = SpotCheckOptions()
    _defaults(w, "spot_check", spot, [f.name for f in fields(spot)][:2])

    if found.other_years:
        w.blank()
        w.comment(SECTION_NOTES["other_years"])
        for f in found.other_years:
            header = "[[patches]]" if f.kind == "patches" else "[[determinations]]"
            w.source(header, f, on=False, batch=f.kind == "patches")
    if found.unused:
        w.blank()
        w.comment(SECTION_NOTES["unused"])
        for p in found.unused:
            w.comment(f"  {w.rel(p)}")
    return "\n".join(w.lines).rstrip() + "\n"


def _single(w: _Writer, found: FoundInputs, key: str, header: str, label: str) -> None:
    items = found.chosen.get(key, [])
    sure = len(items) == 1
    if key in LAYER_KEYS:
        if not items:
            return
        w.blank()
        default = ", ".join(DEFAULT_ATTRIBUTES.get(key, ())) or "-"
        w.comment(f"{label} / {key}: " + KEY_NOTES["layers.attributes"].format(default=default))
    if not items:
        w.comment(TEMPLATE_NOTES["none_found"])
        w.lines += [f"# {header}", '# path = ""']
        return
    for f in items:
        note = SECTION_NOTES["sure"] if sure else TEMPLATE_NOTES["several"]
        w.source(header, f, on=sure, note=f"{note}: {f.reason}" if f.reason else note)


def write_job_template(
    folder: str | os.PathLike[str], *, year: str | int | None = None, overwrite: bool = False
) -> tuple[Path, FoundInputs]:
    """Write ``FOLDER/job.toml``, a commented job file for the files found there.

    Parameters
    ----------
    folder : str or path-like
        The folder holding the data; the job file is written into it.
    year : str or int, optional
        As in :func:`find_inputs`.
    overwrite : bool, default False
        Replace an existing ``job.toml``.

    Returns
    -------
    (Path, FoundInputs)
        The job file written and what was found.

    Raises
    ------
    rsgeo.errors.OutputExistsError
        ``job.toml`` exists and ``overwrite`` is False (it is left as it was).
    """
    found = find_inputs(folder, year=year)
    target = found.folder / JOB_FILE_NAME
    if target.exists() and not overwrite:
        raise OutputExistsError(say("init_exists", path=target))
    text = job_template(found)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    os.replace(tmp, target)
    return target, found
