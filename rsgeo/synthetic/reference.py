"""Synthetic protection and licence layers of the Rongshui sample.

Urban development boundaries around township seats, ecological red-line zones
(large, many-vertex polygons in the hills), a nature reserve inside the largest
zone, permanent basic farmland drawn from cultivated parcels, mining licences.
Each returns a list of records (raw delivery field names + ``geometry``) in
EPSG:4545, with the defects real layers have where noted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry.base import BaseGeometry

from rsgeo.synthetic.landscape import CULTIVATED, LAND_CLASSES, blob, random_points_in
from rsgeo.synthetic.placing import Placer, bow_tie, ell_area

__all__ = [
    "basic_farmland",
    "mining_rights",
    "nature_reserve",
    "redline_zones",
    "urban_boundaries",
]

Record = dict[str, Any]


def urban_boundaries(placer: Placer, rng: np.random.Generator) -> list[Record]:
    """One urban development boundary (城镇开发边界) around each township seat."""
    land = placer.land
    out: list[Record] = []
    for t, (code, name) in enumerate(zip(land.codes, land.names, strict=True)):
        radius = 2600.0 if name == "融水镇" else float(rng.uniform(700.0, 1300.0))
        shape = blob(tuple(land.seats[t]), radius, rng, n_vertices=120, roughness=0.3)
        geom = shapely.intersection(shape, land.townships[t])
        out.append(
            {
                "BSM": 100 + t,
                "MC": f"{name}城镇开发边界",
                "XZQDM": code,
                "GHFW": "城镇开发边界",
                "geometry": geom,
            }
        )
    return out


def redline_zones(placer: Placer, rng: np.random.Generator, n: int = 10) -> list[Record]:
    """Ecological red-line zones (生态保护红线) away from the seats.

    Defects: zones overlap each other; one zone is delivered twice; one small
    bow-tie (self-intersecting) polygon.
    """
    land = placer.land
    seats = shapely.points(land.seats)
    keep_out = shapely.union_all(shapely.buffer(seats, 4500.0))
    hills = shapely.difference(land.county, shapely.buffer(keep_out, 2500.0))
    centres = random_points_in(hills, n, rng)
    kinds = ("水源涵养", "生物多样性维护", "水土保持")
    out: list[Record] = []
    for k, c in enumerate(centres):
        shape = blob(tuple(c), float(rng.uniform(3000.0, 7000.0)), rng, n_vertices=720)
        geom = shapely.difference(shapely.intersection(shape, land.county), keep_out)
        if geom.is_empty:
            continue
        kind = kinds[k % len(kinds)]
        out.append(
            {
                "BSM": 2000 + k,
                "MC": f"桂北{kind}生态保护红线（融水片区{k + 1}）",
                "HXLX": kind,
                "geometry": geom,
            }
        )
    smallest = min(out, key=lambda r: r["geometry"].area)
    out.append(dict(smallest))  # duplicated feature
    far = out[0]["geometry"].representative_point()
    out.append(
        {
            "BSM": 2999,
            "MC": "桂北水源涵养生态保护红线（融水片区补充）",
            "HXLX": "水源涵养",
            "geometry": bow_tie(far.buffer(150.0)),
        }
    )
    return out


def nature_reserve(redlines: list[Record], rng: np.random.Generator) -> list[Record]:
    """One nature reserve (自然保护地), mostly inside the largest red-line zone."""
    big = max(redlines, key=lambda r: r["geometry"].area)["geometry"]
    c = big.representative_point()
    shape = blob((c.x, c.y), float(np.sqrt(big.area / np.pi)) * 0.6, rng, n_vertices=360)
    geom = shapely.intersection(shape, shapely.buffer(big, 300.0))
    return [
        {
            "BSM": 3001,
            "MC": "元宝山自然保护区（模拟范围）",
            "BHDLX": "自然保护区",
            "JB": "国家级",
            "geometry": geom,
        }
    ]


def basic_farmland(
    placer: Placer,
    urban: BaseGeometry,
    rng: np.random.Generator,
    *,
    share: float = 0.6,
) -> list[Record]:
    """Permanent basic farmland (永久基本农田): most cultivated parcels outside urban boundaries.

    A few features lie on orchard land; defects: two duplicated features, two
    features overlapping their neighbours (buffered 15 m), two bow-ties.
    """
    land = placer.land
    outside = ~shapely.within(shapely.centroid(land.parcels), urban)
    cult = np.flatnonzero(np.isin(land.dlbm, CULTIVATED) & outside)
    chosen = cult[rng.random(len(cult)) < share]
    orchard = np.flatnonzero(np.isin(land.dlbm, ("0201",)) & outside & (placer.dist_m < 3000))
    chosen = np.concatenate([chosen, orchard[rng.random(len(orchard)) < 0.05]])
    chosen.sort()
    out: list[Record] = []
    for k, i in enumerate(chosen):
        out.append(
            {
                "BSM": 400000 + k,
                "XZQDM": land.codes[land.owner[i]],
                "DLBM": str(land.dlbm[i]),
                "DLMC": LAND_CLASSES[str(land.dlbm[i])],
                "TBMJ": round(float(placer.area_m2[i]), 2),
                "geometry": land.parcels[i],
                "_parcel": int(i),
            }
        )
    n = len(out)
    for j in rng.choice(n, 2, replace=False):
        out.append(dict(out[int(j)]))
    for j in rng.choice(n, 2, replace=False):
        rec = dict(out[int(j)])
        rec["BSM"] = 490000 + int(j)
        rec["geometry"] = shapely.buffer(rec["geometry"], 15.0, join_style="mitre")
        out.append(rec)
    for j in rng.choice(n, 2, replace=False):
        rec = dict(out[int(j)])
        rec["BSM"] = 495000 + int(j)
        rec["geometry"] = bow_tie(affinity.scale(rec["geometry"], 0.5, 0.5, origin="centroid"))
        out.append(rec)
    return out


MINERALS: tuple[tuple[str, str], ...] = (
    ("建筑用灰岩", "露天开采"),
    ("建筑用砂岩", "露天开采"),
    ("砖瓦用页岩", "露天开采"),
    ("建筑用花岗岩", "露天开采"),
    ("金矿", "地下开采"),
    ("稀土", "露天开采"),
    ("建筑用灰岩", "露天开采"),
    ("建筑用砂岩", "露天开采"),
)


def mining_rights(
    placer: Placer, rng: np.random.Generator, *, excluded: tuple[int, ...]
) -> list[Record]:
    """Mining licences (采矿权) in the hills; the rare-earth one expired in 2019,
    one sandstone licence expired on 2020-03-31."""
    land = placer.land
    out: list[Record] = []
    cands = placer.candidates(
        classes=("0301", "0305", "0302"),
        townships_excluded=excluded,
        min_dist_m=3500.0,
        min_area_m2=300000.0,
    )
    for k, (mineral, method) in enumerate(MINERALS):
        i = placer.pick(cands)
        c = land.parcels[i].centroid
        geom = shapely.intersection(
            blob((c.x, c.y), float(rng.uniform(250.0, 450.0)), rng, n_vertices=48, roughness=0.2),
            affinity.scale(land.parcels[i], 0.95, 0.95, origin="centroid"),
        )
        start = dt.date(2014 + k % 4, 1 + k, 1)
        end = dt.date(2019, 6, 30) if mineral == "稀土" else dt.date(2024 + k % 3, 12, 31)
        if k == 1:
            end = dt.date(2020, 3, 31)
        out.append(
            {
                "BSM": 5000 + k,
                "XKZH": f"C45022520{14 + k % 4}0{k + 1}71300{12345 + 97 * k}",
                "KZ": mineral,
                "KCFS": method,
                "QLR": f"融水某某矿业有限公司{k + 1}",
                "YXQQ": start,
                "YXQZ": end,
                "MJ": round(float(ell_area(geom)[0]), 2),
                "geometry": geom,
                "_parcel": i,
            }
        )
    return out
