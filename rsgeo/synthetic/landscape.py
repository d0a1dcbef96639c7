"""Synthetic townships, land use (DLTB-like) and protection layers on a real outline.

Everything here is reproducible from ``seed``: each layer draws from its own
random stream ``numpy.random.default_rng([seed, k])``, so one layer can be
regenerated without the others. Geometry is built in EPSG:4545 (CGCS2000
3-degree Gauss-Krüger zone 36, central meridian 108°E, no zone prefix).

Examples
--------
>>> import shapely
>>> county = shapely.box(500000, 2780000, 520000, 2800000)
>>> seats = [(505000, 2785000), (515000, 2795000)]
>>> t = township_partition(county, seats)
>>> round(float(shapely.union_all(t).area) / county.area, 9)
1.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry

__all__ = [
    "CULTIVATED",
    "KCXS_CHOICES",
    "LAND_CLASSES",
    "WORK_EPSG",
    "Landscape",
    "assign_land_classes",
    "blob",
    "land_use_cells",
    "random_points_in",
    "township_partition",
    "township_seats",
]

WORK_EPSG = 4545
"""CRS of every reference layer of the sample (CGCS2000 GK zone 36, CM 108°E)."""

# DLBM -> DLMC (third national land survey classification, 三调工作分类)
LAND_CLASSES: dict[str, str] = {
    "0101": "水田",
    "0102": "水浇地",
    "0103": "旱地",
    "0201": "果园",
    "0204": "其他园地",
    "0301": "乔木林地",
    "0302": "竹林地",
    "0305": "灌木林地",
    "0404": "其他草地",
    "0601": "工业用地",
    "0602": "采矿用地",
    "0701": "城镇住宅用地",
    "0702": "农村宅基地",
    "1003": "公路用地",
    "1006": "农村道路",
    "1101": "河流水面",
    "1104": "坑塘水面",
    "1202": "设施农用地",
    "1207": "裸岩石砾地",
}
CULTIVATED: tuple[str, ...] = ("0101", "0102", "0103")

# Plausible ridge (田坎) deduction coefficients by cultivated class.
KCXS_CHOICES: dict[str, tuple[float, ...]] = {
    "0101": (0.0, 0.032, 0.058, 0.087),
    "0102": (0.032, 0.058, 0.087),
    "0103": (0.058, 0.121, 0.163, 0.215),
}


def random_points_in(
    poly: BaseGeometry, n: int, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    """``n`` uniform random points inside ``poly`` (rejection sampling), shape (n, 2)."""
    minx, miny, maxx, maxy = poly.bounds
    shapely.prepare(poly)
    out: list[npt.NDArray[np.float64]] = []
    got = 0
    while got < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(max(2 * n, 64), 2))
        keep = xy[shapely.contains_xy(poly, xy[:, 0], xy[:, 1])]
        out.append(keep)
        got += len(keep)
    return np.concatenate(out)[:n]


def township_seats(
    county: BaseGeometry, n: int, *, seed: int, iterations: int = 25
) -> npt.NDArray[np.float64]:
    """Seat positions for ``n`` townships of similar size (k-means of uniform points)."""
    rng = np.random.default_rng([seed, 1])
    pts = random_points_in(county, 20000, rng)
    centres = pts[:n].copy()
    for _ in range(iterations):
        d2 = ((pts[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        label = d2.argmin(axis=1)
        for k in range(n):
            members = pts[label == k]
            if len(members):
                centres[k] = members.mean(axis=0)
    # a seat must lie in the county: move it to the nearest member point if not
    for k in range(n):
        if not county.contains(Point(centres[k])):
            d2 = ((pts - centres[k]) ** 2).sum(axis=1)
            centres[k] = pts[d2.argmin()]
    return centres


def township_partition(county: BaseGeometry, seats: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Voronoi cells of the seats clipped to the county: an exact partition.

    Neighbouring cells share their edges vertex for vertex, so the union is
    the county and pairwise overlaps have zero area.
    """
    xy = np.asarray(seats, dtype=float)
    frame = shapely.box(*county.bounds).buffer(10000.0)
    cells = shapely.voronoi_polygons(MultiPoint(xy), extend_to=frame, ordered=True)
    parts = np.asarray(shapely.get_parts(cells))
    return np.asarray(shapely.intersection(parts, county))


def land_use_cells(
    townships: npt.NDArray[np.object_],
    seats: npt.NDArray[np.float64],
    county: BaseGeometry,
    *,
    seed: int,
    per_seat: int = 700,
    sigma_m: float = 1800.0,
    background: int = 6000,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.int64]]:
    """Land-use parcels: Voronoi cells, dense around seats, cut by township lines.

    Returns the single-part parcel polygons and the index of the township
    holding each.
    """
    rng = np.random.default_rng([seed, 2])
    clouds = [rng.normal(seat, sigma_m, size=(per_seat, 2)) for seat in seats]
    pts = np.concatenate([*clouds, random_points_in(county, background, rng)])
    pts = pts[shapely.contains_xy(county, pts[:, 0], pts[:, 1])]
    frame = shapely.box(*county.bounds).buffer(10000.0)
    cells = np.asarray(
        shapely.get_parts(shapely.voronoi_polygons(MultiPoint(pts), extend_to=frame, ordered=True))
    )
    tree = shapely.STRtree(townships)
    cell_idx, town_idx = tree.query(cells, predicate="intersects")
    pieces = shapely.intersection(cells[cell_idx], townships[town_idx])
    parts, which = shapely.get_parts(pieces, return_index=True)
    parts = np.asarray(parts)
    owner = town_idx[which]
    keep = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0.0)
    return parts[keep], owner[keep].astype(np.int64)


def assign_land_classes(
    parcels: npt.NDArray[np.object_],
    owner: npt.NDArray[np.int64],
    seats: npt.NDArray[np.float64],
    *,
    seed: int,
) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.float64]]:
    """Land class (DLBM) and ridge coefficient (KCXS) of each parcel.

    Built-up land near the township seat, cultivated land in the valley around
    it, forest in the hills (Rongshui is mostly forest).
    """
    rng = np.random.default_rng([seed, 3])
    cxy = shapely.get_coordinates(shapely.centroid(parcels))
    d_km = np.hypot(*(cxy - seats[owner]).T) / 1000.0
    weights = {
        "built": 0.5 * np.exp(-((d_km / 0.7) ** 2)) + 0.04 * np.exp(-((d_km / 3.0) ** 2)),
        "cultivated": 0.55 * np.exp(-((d_km / 3.0) ** 2)) + 0.02,
        "orchard": 0.08 * np.exp(-((d_km / 4.0) ** 2)) + 0.01,
        "water": 0.03 * np.exp(-((d_km / 3.0) ** 2)) + 0.005,
        "grass": np.full_like(d_km, 0.02),
        "forest": 0.30 + 0.5 * (1.0 - np.exp(-((d_km / 4.0) ** 2))),
    }
    names = list(weights)
    w = np.column_stack([weights[k] for k in names])
    cum = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
    group = (rng.random(len(parcels))[:, None] > cum).sum(axis=1)
    sub = {
        "built": (("0702", 0.55), ("0701", 0.2), ("0601", 0.1), ("1003", 0.1), ("1006", 0.05)),
        "cultivated": (("0101", 0.7), ("0103", 0.25), ("0102", 0.05)),
        "orchard": (("0201", 0.7), ("0204", 0.3)),
        "water": (("1101", 0.6), ("1104", 0.4)),
        "grass": (("0404", 0.8), ("1207", 0.2)),
        "forest": (("0301", 0.6), ("0302", 0.15), ("0305", 0.25)),
    }
    dlbm = np.empty(len(parcels), dtype="<U4")
    u = rng.random(len(parcels))
    for g, name in enumerate(names):
        codes = [c for c, _ in sub[name]]
        p = np.cumsum([q for _, q in sub[name]])
        sel = group == g
        dlbm[sel] = np.asarray(codes)[np.minimum(np.searchsorted(p, u[sel]), len(codes) - 1)]
    kcxs = np.zeros(len(parcels))
    v = rng.integers(0, 1 << 30, len(parcels))
    for code, choices in KCXS_CHOICES.items():
        sel = dlbm == code
        kcxs[sel] = np.asarray(choices)[v[sel] % len(choices)]
    return dlbm, kcxs


def blob(
    centre: tuple[float, float],
    radius_m: float,
    rng: np.random.Generator,
    *,
    n_vertices: int = 360,
    roughness: float = 0.25,
) -> Polygon:
    """A star-shaped polygon with a smooth random outline (many vertices)."""
    t = np.linspace(0.0, 2.0 * np.pi, n_vertices, endpoint=False)
    r = np.ones_like(t)
    for k in range(2, 9):
        r += roughness / k * rng.normal() * np.cos(k * t + rng.uniform(0, 2 * np.pi))
    r += 0.01 * rng.normal(size=len(t))
    r = radius_m * np.clip(r, 0.35, None)
    ring = np.column_stack([centre[0] + r * np.cos(t), centre[1] + r * np.sin(t)])
    return Polygon(ring)


@dataclass
class Landscape:
    """The synthetic county: townships, parcels and seats (all in EPSG:4545)."""

    county: BaseGeometry
    codes: list[str]
    names: list[str]
    seats: npt.NDArray[np.float64]
    townships: npt.NDArray[np.object_]
    parcels: npt.NDArray[np.object_]
    owner: npt.NDArray[np.int64]
    dlbm: npt.NDArray[np.str_]
    kcxs: npt.NDArray[np.float64]
