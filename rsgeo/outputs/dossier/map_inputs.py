"""What the dossiers' location maps show: the patches in a projected CRS, each one's
margin and neighbours (found with one spatial index for all), and the townships."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from rsgeo.outputs.dossier.neighbours import shown_neighbours

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["MapInputs", "map_inputs", "neighbours_digest"]


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
        Each patch's margin (:func:`rsgeo.outputs.dossier.location_map.margin_for`).
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

    from rsgeo.outputs.dossier.location_map import margin_for

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


def neighbours_digest(neighbours: list[Any]) -> str:
    """A hash of the neighbours a map shows (their WKB, in order)."""
    return hashlib.sha256(b"".join(g.wkb for g in neighbours)).hexdigest()
