"""Field photos of an evidence package in the dossiers: saved, captioned, or listed as unplaced."""

from __future__ import annotations

import html
import math
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from rsgeo.outputs.names import safe_file_name
from rsgeo.schema.labels import COMPASS_NAMES, PHOTO_LABELS

if TYPE_CHECKING:
    from rsgeo.io.evidence import PhotoMatches

__all__ = [
    "UNPLACED_DIR",
    "compass",
    "photo_caption",
    "save_photos",
    "write_unplaced",
]

UNPLACED_DIR = "未归属照片"
"""Folder (beside the dossiers) of the photos that found no patch or cannot be shown."""

_SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif"}


def compass(degrees: float) -> str:
    """The compass point nearest to an azimuth.

    >>> compass(0), compass(44), compass(46), compass(350), compass(-90)
    ('北', '东北', '东北', '北', '西')
    """
    points = sorted(COMPASS_NAMES)
    step = 360 / len(points)
    return COMPASS_NAMES[points[round((degrees % 360) / step) % len(points)]]


def photo_caption(row: Any) -> str:
    """The lines under a photo: its name, when, in which direction and where it was taken."""
    lines = [str(row.name)]
    if row.taken:
        lines.append(f"{PHOTO_LABELS['time']}：{row.taken}")
    az = row.azimuth_deg
    if az is not None and not (isinstance(az, float) and math.isnan(az)):
        lines.append(f"{PHOTO_LABELS['azimuth']}：{az % 360:.0f}°（{compass(az)}）")
    if not (pd.isna(row.lon) or pd.isna(row.lat)):
        lines.append(f"{PHOTO_LABELS['position']}：{row.lon:.6f}°E, {row.lat:.6f}°N")
    if row.photographer:
        lines.append(f"{PHOTO_LABELS['photographer']}：{row.photographer}")
    if row.check_code:
        lines.append(f"{PHOTO_LABELS['check_code']}：{row.check_code}")
    return "\n".join(lines)


_MAGIC = ((b"\xff\xd8", ".jpg"), (b"\x89PNG", ".png"), (b"GIF8", ".gif"))


def _file_name(row: Any, used: set[str], i: int) -> str:
    # a picture that does not decode keeps the suffix its first bytes say
    sniffed = next((suffix for magic, suffix in _MAGIC if bytes(row.data).startswith(magic)), "")
    suffix = _SUFFIX.get(str(row.format), sniffed or ".bin")
    stem = safe_file_name(str(row.name), fallback=f"photo{i}")
    stem = stem[: -len(Path(stem).suffix)] if Path(stem).suffix else stem
    name = f"{stem}{suffix}"
    if name.casefold() in used:
        name = f"{i}_{name}"
    used.add(name.casefold())
    return name


def save_photos(
    photos: pd.DataFrame | Sequence[Any] | None, folder: Path
) -> tuple[list[tuple[str, str]], dict[str, float]]:
    """Save a patch's photos in ``folder/photos``; their captions and shooting directions.

    ``photos``: the patch's rows of :attr:`rsgeo.io.evidence.PhotoMatches.placed`,
    as a frame or as objects with one attribute per column.
    """
    if photos is None or len(photos) == 0:
        return [], {}
    dest = folder / "photos"
    dest.mkdir(exist_ok=True)
    shown: list[tuple[str, str]] = []
    azimuths: dict[str, float] = {}
    used: set[str] = set()
    rows_: list[Any] = (
        list(photos.itertuples(index=False)) if isinstance(photos, pd.DataFrame) else list(photos)
    )
    for i, row in enumerate(rows_, start=1):
        name = _file_name(row, used, i)
        (dest / name).write_bytes(row.data)
        rel = f"photos/{name}"
        shown.append((photo_caption(row), rel))
        if not pd.isna(row.azimuth_deg):
            azimuths[rel] = float(row.azimuth_deg) % 360
    return shown, azimuths


def write_unplaced(matches: PhotoMatches | None, out: Path) -> str:
    """Save the unplaced photos in ``out/未归属照片``; their list for the index page."""
    folder = out / UNPLACED_DIR
    if folder.is_dir() and not folder.is_symlink():
        shutil.rmtree(folder)
    if matches is None or matches.unplaced.empty:
        return ""
    folder.mkdir()
    e = html.escape
    used: set[str] = set()
    rows = []
    unplaced: list[Any] = list(matches.unplaced.itertuples(index=False))
    for i, row in enumerate(unplaced, start=1):
        name = _file_name(row, used, i)
        if row.data:
            (folder / name).write_bytes(row.data)
        caption = "<br>".join(e(line) for line in photo_caption(row).split("\n"))
        rows.append(
            f"<tr><td>{e(str(row.photo_id))}</td><td>{e(str(row.patch_id))}</td>"
            f'<td><a href="{e(UNPLACED_DIR)}/{e(name)}">{caption}</a></td>'
            f"<td>{e(str(row.reason))}</td></tr>"
        )
    return (
        f"<h2>{e(UNPLACED_DIR)}</h2><p>{len(rows)} 张照片未放入任何卷宗，"
        f"已另存于 {e(UNPLACED_DIR)} 文件夹，请核实。</p>"
        "<table><thead><tr><th>照片编号</th><th>所注监测编号</th><th>照片</th><th>原因</th>"
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
