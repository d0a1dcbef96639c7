"""What the dossiers' location maps show, and the maps drawn early, while the run works.

A location map depends only on the patches, their neighbours and the
townships: not on the classes, determinations or figures the run computes
after reading its inputs. :func:`start_early_maps` draws maps in one
process of lower priority from the moment the inputs are read, on the core
the run leaves idle until its tables are made; the dossier workers take the
maps drawn by then (:func:`rsgeo.outputs.dossier.build.start_dossiers` stops
the process first) and draw the others themselves.

A map drawn early is used only when everything it shows is what the dossier
would show (the patch, its neighbours, the townships, the margin and the
title: :func:`map_key`); else it is drawn again. The maps are kept in a
hidden folder of the run's own output folder and removed with it
(:meth:`EarlyMaps.close`), whatever happens.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rsgeo.outputs.dossier.neighbours import shown_neighbours
from rsgeo.schema.military import split_military

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "EarlyMaps",
    "MapInputs",
    "map_inputs",
    "map_key",
    "neighbours_digest",
    "start_early_maps",
    "take_map",
]

EARLY_MAPS_FOLDER = ".location_maps.tmp"
"""The hidden folder the early maps are kept in until the dossiers take them."""


@dataclass(frozen=True)
class MapInputs:
    """What the location maps of a table's patches show.

    Attributes
    ----------
    table : GeoDataFrame
        The patches, in a projected CRS (a geographic table is brought into
        the Gauss-Krüger zone of its patches).
    geoms : array of shapely geometries
    margins : list of float
        Each patch's margin (:func:`rsgeo.outputs.dossier.media.margin_for`).
    near : list of arrays
        Each patch's neighbours shown (positions in ``geoms``).
    town_shapes : list of (name, geometry), optional
    town_digest : str
        A hash of the townships drawn ("" without them).
    """

    table: Any
    geoms: np.ndarray
    margins: list[float]
    near: list[np.ndarray]
    town_shapes: list[tuple[str, Any]] | None
    town_digest: str


def map_inputs(table: gpd.GeoDataFrame, townships: Any, min_margin_m: float) -> MapInputs:
    """The :class:`MapInputs` of ``table`` (its sealed patches already set aside)."""
    import geopandas as gpd

    from rsgeo.outputs.dossier.media import margin_for

    crs = table.crs
    if crs is not None and crs.is_geographic and len(table):
        from rsgeo.geo.crs import choose_gk_crs

        table = table.to_crs(choose_gk_crs(table, warn=False))
        crs = table.crs
    town_shapes: list[tuple[str, Any]] | None = None
    town_digest = ""
    if townships is not None:
        towns = gpd.GeoDataFrame(townships).to_crs(crs)
        names = towns["township_name"] if "township_name" in towns.columns else [""] * len(towns)
        town_shapes = [
            (str(n) if n is not None else "", g) for n, g in zip(names, towns.geometry, strict=True)
        ]
        town_digest = hashlib.sha256(
            b"".join(g.wkb for _, g in town_shapes) + "|".join(n for n, _ in town_shapes).encode()
        ).hexdigest()
    geoms = np.asarray(table.geometry.values)
    margins = [
        margin_for(g, min_margin_m=min_margin_m)
        if g is not None and not g.is_empty
        else min_margin_m
        for g in geoms
    ]
    dots = not (town_shapes and any(not g.is_empty for _, g in town_shapes))
    near = shown_neighbours(geoms, margins, overview=dots)
    return MapInputs(table, geoms, margins, near, town_shapes, town_digest)


def map_key(
    patch_id: str, geometry_hex: str, neighbours: str, townships: str, margin_m: float, crs: str
) -> str:
    """What a location map shows, as a hash: the patch (its id is the map's title, its
    geometry as WKB hex), its neighbours' and the townships' hashes, the margin, the CRS."""
    text = "\n".join((patch_id, geometry_hex, neighbours, townships, repr(margin_m), crs))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def neighbours_digest(neighbours: list[Any]) -> str:
    """A hash of the neighbours a map shows (their WKB, in order)."""
    return hashlib.sha256(b"".join(g.wkb for g in neighbours)).hexdigest()


class EarlyMaps:
    """The process drawing maps early and the folder it draws them in."""

    def __init__(self, folder: Path, process: Any) -> None:
        self.folder = folder
        self._process = process

    def wait(self, timeout: float | None = None) -> None:
        """Wait until every map is drawn (or ``timeout`` seconds have passed)."""
        if self._process is not None:
            self._process.join(timeout)

    def stop(self) -> None:
        """No more maps: the process is ended (a map half written is never taken)."""
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._process = None

    def close(self) -> None:
        """Stop the process and remove the folder with every map left in it."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def take_map(folder: Path, key: str, target: Path) -> bool:
    """Move the map of ``key`` drawn early in ``folder`` to ``target``; False when it
    was not drawn (the folder is :attr:`EarlyMaps.folder`)."""
    try:
        os.replace(folder / f"{key}.png", target)
    except OSError:
        return False
    return True


def _jobs(
    patches: gpd.GeoDataFrame, townships: Any, min_margin_m: float
) -> tuple[list[tuple[str, Any, list[Any], str, float]], Any]:
    """Each map to draw, with its key, and the townships they show."""
    table, _ = split_military(patches)
    inputs = map_inputs(table, townships, min_margin_m)
    crs = inputs.table.crs.to_string()
    jobs = []
    for pos, patch_id in enumerate(inputs.table.index):
        geom = inputs.geoms[pos]
        if geom is None or geom.is_empty:
            continue
        neighbours = [inputs.geoms[i] for i in inputs.near[pos]]
        margin = inputs.margins[pos]
        key = map_key(
            str(patch_id),
            geom.wkb_hex,
            neighbours_digest(neighbours),
            inputs.town_digest,
            margin,
            crs,
        )
        jobs.append((key, geom, neighbours, str(patch_id), margin))
    return jobs, inputs.town_shapes


def _draw(
    patches: gpd.GeoDataFrame, townships: Any, min_margin_m: float, folder: Path, parent: int
) -> None:
    """In the process: what the maps show worked out here (not in the run), then each map
    drawn and renamed into place when whole."""
    import gc

    from rsgeo.outputs.dossier.media import location_map_png
    from rsgeo.outputs.dossier.workers import WORKER_NICENESS, lower_priority
    from rsgeo.outputs.processes import die_with_parent

    die_with_parent(parent)
    gc.freeze()  # the run's tables, inherited, are never garbage here
    lower_priority(WORKER_NICENESS)
    jobs, towns = _jobs(patches, townships, min_margin_m)
    for key, geom, neighbours, patch_id, margin in jobs:
        part = folder / f"{key}.part"
        try:
            location_map_png(
                geom,
                part,
                neighbours=neighbours,
                townships=towns,
                title=f"{patch_id} 位置图",
                margin_m=margin,
            )
            os.replace(part, folder / f"{key}.png")
        except Exception:  # the dossier draws its map itself
            with contextlib.suppress(OSError):
                part.unlink()


def start_early_maps(
    patches: gpd.GeoDataFrame, out: Path, *, townships: Any, min_margin_m: float = 50.0
) -> EarlyMaps | None:
    """Start drawing the location maps of ``patches`` into a hidden folder of ``out``.

    Returns None except on Linux (the process is forked from the run, which
    Windows cannot do and macOS does not do safely): the dossiers then draw
    every map themselves. Sealed patches are neither drawn nor shown.
    """
    import multiprocessing

    if not sys.platform.startswith("linux") or not len(patches):
        return None
    folder = Path(out) / EARLY_MAPS_FOLDER
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    context = multiprocessing.get_context("fork")
    process = context.Process(
        target=_draw,
        args=(patches, townships, min_margin_m, folder, os.getpid()),
        name="rsgeo-early-maps",
        daemon=True,
    )
    with warnings.catch_warnings():  # Python ≥ 3.12 warns of fork beside threads
        warnings.simplefilter("ignore", DeprecationWarning)
        process.start()
    return EarlyMaps(folder, process)
