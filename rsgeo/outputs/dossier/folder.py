"""One dossier folder: what rsgeo writes in it, how large it may be, and building it.

:func:`build_one` writes a patch's folder (``dossier.html`` and ``dossier.pdf``,
both with the location map drawn in, the imagery chips, its photos and attachments) into a
hidden folder beside it and renames it into place when whole, keeping the
files someone else put in the old folder (:data:`OWN_FILES` are rsgeo's).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rsgeo.errors import DataFileError, OutputExistsError
from rsgeo.outputs.dossier.content import dossier_sections
from rsgeo.outputs.dossier.photos import save_photos
from rsgeo.outputs.dossier.render import IMAGE_SUFFIXES, render_html, render_pdf
from rsgeo.outputs.names import safe_file_name

__all__ = [
    "FOLDER_MAX_BYTES",
    "OWN_FILES",
    "Shared",
    "build_one",
    "inside",
    "own_bytes",
    "remove_tree",
]


def inside(child: Path, root: Path) -> bool:
    """Whether ``child`` lies inside ``root`` (links resolved)."""
    try:
        child.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def remove_tree(path: Path, root: Path) -> None:
    """Remove the folder ``path``, refusing a link or anything not inside ``root``."""
    if path.is_symlink():
        raise OutputExistsError(f"{path} is a symbolic link; rsgeo will not replace it")
    if path.exists():
        if not inside(path, root) or path.resolve() == root.resolve():
            raise OutputExistsError(f"refusing to remove {path}: it is not inside {root}")
        shutil.rmtree(path)


OWN_FILES: frozenset[str] = frozenset(
    {
        "dossier.html",
        "dossier.pdf",
        "location_map.png",  # the map's picture before FORMAT_VERSION 8: removed on rebuild
        "imagery_before.jpg",
        "imagery_after.jpg",
        "imagery_before.png",  # the chips' names before FORMAT_VERSION 6: removed on rebuild
        "imagery_after.png",
        "attachments",
        "photos",
    }
)
"""What rsgeo writes in a dossier folder; anything else there is left alone."""


FOLDER_MAX_BYTES = 80_000
"""The most bytes of a dossier folder, its photos, attachments and imagery chips aside
(pictures of the inputs, whose bytes follow the imagery's and the camera's resolution).

A folder over it gets a location map with fewer neighbouring patches
(:func:`rsgeo.outputs.dossier.location_map.location_map`), which both the
page and the PDF draw."""

_OUTSIDE_PICTURES = ("photos", "attachments")


def own_bytes(folder: Path) -> int:
    """The bytes of a dossier folder that :data:`FOLDER_MAX_BYTES` bounds: its files but
    the photos, attachments and imagery chips, and the PDF less those pictures (it holds
    each as it is, or as the PNG's compressed data)."""
    total = 0
    pictures = 0
    for entry in folder.iterdir():
        if entry.is_dir():
            if entry.name in _OUTSIDE_PICTURES:
                pictures += sum(
                    _embedded_bytes(p)
                    for p in entry.rglob("*")
                    if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                )
            continue
        if entry.name.startswith("imagery_"):
            pictures += _embedded_bytes(entry)
            continue
        total += entry.stat().st_size
    if (folder / "dossier.pdf").is_file():
        total -= pictures
    return total


def _embedded_bytes(picture: Path) -> int:
    """About what a picture takes in the PDF: a PNG's compressed data, else the file."""
    data = picture.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return len(data)
    size, pos = 0, 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        if data[pos + 4 : pos + 8] == b"IDAT":
            size += length
        pos += 12 + length
    return size


def _keep_foreign_files(target: Path, tmp: Path) -> None:
    """Move files someone else put in a dossier folder into its rebuilt version."""
    if not target.is_dir():
        return
    for entry in target.iterdir():
        if entry.name not in OWN_FILES and not (tmp / entry.name).exists():
            shutil.move(str(entry), str(tmp / entry.name))


def _copy_attachments(
    files: list[Path], target: Path
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    photos: list[tuple[str, str]] = []
    others: list[tuple[str, str]] = []
    if not files:
        return photos, others
    dest_dir = target / "attachments"
    dest_dir.mkdir()
    used: set[str] = set()
    for i, src in enumerate(files, start=1):
        name = safe_file_name(src.name, fallback=f"file{i}")
        if name.casefold() in used:
            name = f"{i}_{name}"
        used.add(name.casefold())
        shutil.copyfile(src, dest_dir / name)
        rel = f"attachments/{name}"
        if src.suffix.lower() in IMAGE_SUFFIXES:
            photos.append((src.name, rel))
        else:
            others.append((src.name, rel))
    return photos, others


@dataclass(frozen=True)
class Shared:
    """What every dossier of a run shares (sent once to each worker process)."""

    crs: Any
    out: Path
    town_shapes: list[tuple[str, Any]] | None
    imagery_given: list[str]
    title: str
    pdf: bool


def build_one(
    row: dict[str, Any],
    patch_id: str,
    geom: Any,
    target: Path,
    *,
    neighbours: list[Any],
    rasters: dict[str, Path],
    files: list[Path],
    photos: list[Any],
    findings: list[tuple[str, str, str]],
    lonlat: tuple[float, float] | None,
    margin: float,
    shared: Shared,
) -> None:
    """Write the dossier folder ``target`` of one patch (in a hidden folder beside it,
    renamed into place when whole)."""
    from rsgeo.outputs.dossier.chips import Outline, imagery_chip
    from rsgeo.outputs.dossier.location_map import MAP_MAX_VERTICES, location_map

    crs, out, title = shared.crs, shared.out, shared.title
    if not inside(target, out):
        raise OutputExistsError(f"dossier folder {target} would lie outside {out}")
    tmp = out / f".{target.name}.tmp"
    remove_tree(tmp, out)
    tmp.mkdir()
    has_shape = geom is not None and not geom.is_empty
    try:

        def draw_map(max_vertices: int) -> Any:
            return location_map(
                geom,
                neighbours=neighbours,
                townships=shared.town_shapes,
                title=f"{patch_id} 位置图",
                margin_m=margin,
                max_vertices=max_vertices,
            )

        shown_map = draw_map(MAP_MAX_VERTICES) if has_shape else None
        chips: list[tuple[str, str]] = []
        outlines: dict[str, Outline] = {}
        notes: list[str] = [] if has_shape else ["图斑没有图形，无法制作位置图和影像截图"]
        for key, label in (("before", "前时相影像"), ("after", "后时相影像")):
            if key not in shared.imagery_given or not has_shape:
                continue
            if key not in rasters:
                notes.append(f"没有本图斑的{label}")
                continue
            name = f"imagery_{key}.jpg"
            try:
                outline = imagery_chip(rasters[key], geom, crs, tmp / name, margin_m=margin)
            except (OSError, ValueError) as exc:
                raise DataFileError(f"cannot read {key} imagery {rasters[key]}: {exc}") from exc
            if outline is not None:
                chips.append((label, name))
                outlines[name] = outline
            else:
                notes.append(f"{label}未覆盖本图斑")
        shown, others = _copy_attachments(files, tmp)
        field, azimuths = save_photos(photos, tmp)
        sections = dossier_sections(
            row,
            patch_id,
            lonlat=lonlat if has_shape else None,
            location_map=shown_map,
            chips=chips,
            chip_notes=notes,
            outlines=outlines,
            photos=field + shown,
            files=others,
            findings=findings,
            azimuths=azimuths,
        )
        doc_title = f"{title}（{patch_id}）"
        footer = f"坐标系：{crs.name}"
        budget = MAP_MAX_VERTICES
        while True:
            (tmp / "dossier.html").write_text(
                render_html(sections, doc_title, tmp, footer=footer), encoding="utf-8"
            )
            if shared.pdf:
                render_pdf(sections, doc_title, tmp, tmp / "dossier.pdf")
            # over the bound: the map drawn again with half the neighbours' vertices
            if shown_map is None or budget == 0 or own_bytes(tmp) <= FOLDER_MAX_BYTES:
                break
            budget //= 2
            shown_map = draw_map(budget)
            maps = next(s for s in sections if s.key == "maps")
            maps.extra["map"] = (maps.extra["map"][0], shown_map)
        _keep_foreign_files(target, tmp)
        remove_tree(target, out)
        tmp.rename(target)
    except BaseException:
        remove_tree(tmp, out)
        raise
