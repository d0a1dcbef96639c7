"""Placing synthetic patches on the land-use parcels, and the records they become.

A patch is placed inside one parcel (so its land class and farmland share are
known exactly) or, for the few that cross a township line, over two parcels.
Every patch is a :class:`PatchSpec`; the determination the field crew will
return for it is a :class:`Determination`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import shapely
from shapely import affinity
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from rsgeo.geo.area import ellipsoidal_area
from rsgeo.synthetic.landscape import CULTIVATED, KCXS_CHOICES, WORK_EPSG, Landscape

__all__ = ["Determination", "PatchSpec", "Placer", "bow_tie", "ell_area"]


def ell_area(geoms: BaseGeometry | list[BaseGeometry] | npt.NDArray[np.object_]) -> npt.NDArray:
    """Ellipsoidal areas (m²) of geometries in the working CRS."""
    arr = np.atleast_1d(np.asarray(geoms, dtype=object))
    return ellipsoidal_area(arr, crs=WORK_EPSG)


def bow_tie(poly: BaseGeometry) -> Polygon:
    """A self-intersecting (invalid) version of a polygon: two vertices swapped."""
    xy = shapely.get_coordinates(shapely.oriented_envelope(poly))[:4]
    return Polygon([xy[0], xy[2], xy[1], xy[3]])


@dataclass
class Determination:
    """What the field crew returns for one patch (None: no row in the workbook)."""

    result: str  # 合法 / 违法 / 其他
    subtype: str = ""
    actual_use: str = ""
    illegal_type: str = ""
    method: str = ""  # 拆除复耕 / 补办手续 / 没收 / 未整改
    date: dt.date | None = None
    rectified_share: float = 1.0  # rectified area / illegal area
    case_number: str = ""
    responsible: str = ""
    note: str = ""


@dataclass
class PatchSpec:
    """One patch of one batch, in the working CRS."""

    quarter: int  # 0..3 for 2020Q1..Q4
    geom: BaseGeometry
    tblx: str
    kind: str
    det: Determination | None
    township: int = -1  # index of the township crediting most of the patch
    jcbh: str = ""
    military: bool = False
    note: str = ""
    jcmj_factor: float = 1.0  # reported area / true area (a review defect when != 1)
    parcel: int = -1
    crafted: str = ""
    qsx: dt.date | None = None
    hsx: dt.date | None = None


@dataclass
class Placer:
    """Finds room for patches in the parcels and keeps track of what is used."""

    land: Landscape
    rng: np.random.Generator
    used: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        land = self.land
        self.area_m2 = ell_area(land.parcels)
        self.centroid = shapely.get_coordinates(shapely.centroid(land.parcels))
        self.dist_m = np.hypot(*(self.centroid - land.seats[land.owner]).T)
        boundary = land.county.boundary
        self.interior = ~shapely.intersects(land.parcels, boundary)
        self.tree = shapely.STRtree(land.parcels)

    # ----------------------------------------------------------------- choices
    def candidates(
        self,
        *,
        township: int | None = None,
        classes: tuple[str, ...] | None = None,
        exclude_classes: tuple[str, ...] = (),
        townships_excluded: tuple[int, ...] = (),
        max_dist_m: float | None = None,
        min_dist_m: float | None = None,
        min_area_m2: float = 0.0,
        within: BaseGeometry | None = None,
    ) -> npt.NDArray[np.int64]:
        land = self.land
        ok = self.interior & (self.area_m2 >= min_area_m2)
        if township is not None:
            ok &= land.owner == township
        if townships_excluded:
            ok &= ~np.isin(land.owner, townships_excluded)
        if classes is not None:
            ok &= np.isin(land.dlbm, classes)
        if exclude_classes:
            ok &= ~np.isin(land.dlbm, exclude_classes)
        if max_dist_m is not None:
            ok &= self.dist_m <= max_dist_m
        if min_dist_m is not None:
            ok &= self.dist_m >= min_dist_m
        if within is not None:
            ok &= shapely.within(land.parcels, within)
        if self.used:
            ok[list(self.used)] = False
        return np.flatnonzero(ok)

    def pick(self, cands: npt.NDArray[np.int64]) -> int:
        if len(cands) == 0:
            raise RuntimeError("no free parcel left for a synthetic patch")
        i = int(cands[self.rng.integers(len(cands))])
        self.used.add(i)
        return i

    def make_cultivated(self, i: int, code: str = "0101") -> None:
        land = self.land
        if land.dlbm[i] not in CULTIVATED:
            land.dlbm[i] = code
            choices = KCXS_CHOICES[code]
            land.kcxs[i] = choices[int(self.rng.integers(len(choices)))]

    # ---------------------------------------------------------------- shapes
    def scaled_parcel(self, i: int, net_m2: float) -> BaseGeometry:
        """The parcel shrunk about its centroid so its net farmland is ``net_m2``."""
        parcel = self.land.parcels[i]
        keep = 1.0 - float(self.land.kcxs[i])
        s = float(np.sqrt(net_m2 / (self.area_m2[i] * keep)))
        geom = parcel
        for _ in range(4):
            geom = affinity.scale(parcel, s, s, origin="centroid")
            got = float(ell_area(geom)[0]) * keep
            s *= float(np.sqrt(net_m2 / got))
        if not geom.within(parcel):
            raise RuntimeError("scaled patch left its parcel")
        return geom

    def rect_in_parcel(
        self, i: int, area_m2: float, *, aspect: float | None = None, irregular: bool = True
    ) -> BaseGeometry:
        """A rotated rectangle (or irregular polygon) of about ``area_m2`` inside parcel ``i``."""
        return self.rect_in(self.land.parcels[i], area_m2, aspect=aspect, irregular=irregular)

    def rect_in(
        self,
        parcel: BaseGeometry,
        area_m2: float,
        *,
        aspect: float | None = None,
        irregular: bool = True,
    ) -> BaseGeometry:
        """A rotated rectangle (or irregular polygon) of about ``area_m2`` inside ``parcel``."""
        inner = affinity.scale(parcel, 0.9, 0.9, origin="centroid")
        core = affinity.scale(parcel, 0.4, 0.4, origin="centroid")
        area_m2 = min(area_m2, 0.5 * float(parcel.area))
        rng = self.rng
        if aspect is None:
            aspect = float(rng.uniform(1.0, 3.0))
        w = float(np.sqrt(area_m2 / aspect))
        h = w * aspect
        minx, miny, maxx, maxy = core.bounds
        geom: BaseGeometry = Polygon()
        for _ in range(30):
            cx, cy = rng.uniform((minx, miny), (maxx, maxy))
            if not core.contains(shapely.Point(cx, cy)):
                continue
            if irregular and aspect < 4:
                t = np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(5, 9))))
                r = np.sqrt(area_m2 / np.pi) * rng.uniform(0.75, 1.25, len(t))
                ring = np.column_stack([cx + r * np.cos(t) * 1.2, cy + r * np.sin(t) / 1.2])
                shape: BaseGeometry = Polygon(ring)
            else:
                shape = shapely.box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            shape = affinity.rotate(shape, float(rng.uniform(0, 180)), origin=(cx, cy))
            if not shape.is_valid:
                continue
            geom = shape.intersection(inner)
            if geom.geom_type == "Polygon" and geom.area >= max(0.5 * area_m2, 320.0):
                return shapely.set_precision(geom, 0.001)
        s = min(0.6, float(np.sqrt(max(area_m2, 320.0) / parcel.area)))
        geom = affinity.scale(parcel, s, s, origin="centroid")
        return shapely.set_precision(geom, 0.001)

    def parcels_under(self, geom: BaseGeometry) -> npt.NDArray[np.int64]:
        idx = self.tree.query(geom, predicate="intersects")
        return np.asarray(idx, dtype=np.int64)
