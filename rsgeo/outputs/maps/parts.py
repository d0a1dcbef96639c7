"""A township's field map in parts: compact groups of patches, and the index page of the parts.

A page is bounded (``MapOptions.page_max_mb``): a township whose page would be
larger is drawn as several pages, each a compact group of its patches
(:func:`spatial_groups`: the patches cut in two across the longer side of
their extent, again and again), and the township's own page becomes an index
of the parts (:func:`index_page`) where a crew finds a patch by its
monitoring number.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rsgeo.outputs.maps._build import safe_json
from rsgeo.schema.labels import MAP_LABELS

__all__ = ["Part", "index_page", "spatial_groups"]


def spatial_groups(x: np.ndarray, y: np.ndarray, k: int) -> list[np.ndarray]:
    """Positions of the points in ``k`` compact groups of (nearly) equal size.

    The points are cut across the longer side of their extent at the share
    of the groups on each side (k//2 of k), and each side again, so each
    group covers a small area and no point is in two groups.

    Examples
    --------
    >>> groups = spatial_groups(np.array([0.0, 1, 10, 11]), np.array([0.0, 0, 0, 0]), 2)
    >>> [g.tolist() for g in groups]
    [[0, 1], [2, 3]]
    """
    out: list[np.ndarray] = []

    def cut(idx: np.ndarray, n: int) -> None:
        if n <= 1 or len(idx) <= 1:
            out.append(np.sort(idx))
            return
        xs, ys = x[idx], y[idx]
        along = xs if np.ptp(xs) >= np.ptp(ys) else ys
        order = idx[np.argsort(along, kind="stable")]
        left = n // 2
        at = round(len(idx) * left / n)
        cut(order[:at], left)
        cut(order[at:], n - left)

    cut(np.arange(len(x)), max(1, min(k, len(x))))
    return [g for g in out if len(g)]


@dataclass(frozen=True)
class Part:
    """One page of a township drawn in parts."""

    file_name: str
    patch_ids: Sequence[str]
    bounds: tuple[float, float, float, float]  # west, south, east, north (lon/lat)


def index_page(title: str, parts: Sequence[Part], *, date: str) -> str:
    """The township's index page: each part with its extent and its monitoring numbers.

    A self-contained page (no script from anywhere, nothing fetched): a box
    to type a monitoring number (or its ending) into, which lists the part
    holding it; every number is also written in the page, so the browser's
    own find works too. Every text is HTML-escaped.
    """
    n_patches = sum(len(p.patch_ids) for p in parts)
    rows = []
    for i, part in enumerate(parts, start=1):
        w, s, e, n = part.bounds
        label = MAP_LABELS["part_title"].format(i=i, n=len(parts))
        ids = " ".join(html.escape(str(pid)) for pid in part.patch_ids)
        rows.append(
            f'<section class="part" id="part{i}"><h2><a href="{html.escape(part.file_name)}">'
            f"{html.escape(label)}</a></h2>"
            f"<p>{html.escape(MAP_LABELS['part_count'].format(n=len(part.patch_ids)))} · "
            f"{w:.4f}–{e:.4f}°E, {s:.4f}–{n:.4f}°N</p>"
            f"<details><summary>{html.escape(MAP_LABELS['part_ids'])}</summary>"
            f'<p class="ids">{ids}</p></details></section>'
        )
    lookup = {
        "files": [p.file_name for p in parts],
        "ids": [list(map(str, p.patch_ids)) for p in parts],
        "found": MAP_LABELS["part_found"],
        "none": MAP_LABELS["part_none"],
    }
    script = (
        "(function(){var d=" + safe_json(lookup) + ";"
        "var box=document.getElementById('q'),out=document.getElementById('hits');"
        "box.addEventListener('input',function(){var q=box.value.trim();out.textContent='';"
        "if(!q){return;}var n=0;"
        "for(var i=0;i<d.ids.length&&n<50;i++){for(var j=0;j<d.ids[i].length&&n<50;j++){"
        "var id=d.ids[i][j];if(id.slice(-q.length)===q||id.indexOf(q)>=0){n++;"
        "var li=document.createElement('li'),a=document.createElement('a');"
        "a.href=d.files[i];a.textContent=id+' → '+d.found.replace('{i}',i+1);"
        "li.appendChild(a);out.appendChild(li);}}}"
        "if(!n){var li=document.createElement('li');li.textContent=d.none;out.appendChild(li);}"
        "});}());"
    )
    style = (
        "body{font-family:sans-serif;margin:12px;max-width:60em}"
        "h1{font-size:1.3em}h2{font-size:1.1em;margin:.2em 0}"
        ".part{border-top:1px solid #ccc;padding:.4em 0}"
        ".ids{font-family:monospace;font-size:.9em;word-spacing:.5em}"
        "#q{font-size:1.2em;width:100%;box-sizing:border-box;padding:.3em}"
        "#hits a{font-size:1.1em}"
    )
    head = html.escape(title)
    summary = MAP_LABELS["parts_summary"].format(n_patches=n_patches, n=len(parts), date=date)
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{head}</title><style>{style}</style></head><body>"
        f"<h1>{head}</h1><p>{html.escape(summary)}</p>"
        f'<label for="q">{html.escape(MAP_LABELS["part_search"])}</label>'
        '<input id="q" type="search" inputmode="numeric" autocomplete="off">'
        f'<ul id="hits"></ul>{"".join(rows)}'
        f"<script>{script.replace('</', '<' + chr(92) + '/')}</script></body></html>"
    )
