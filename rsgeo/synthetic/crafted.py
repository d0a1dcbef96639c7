"""The crafted accountability cases (criterion 1) of the Rongshui sample.

Three townships get construction patches placed inside chosen cultivated
parcels, sized so that — over the four batches of 2020, with the default
definitions of DOMAIN.md §3 (net farmland, every construction patch in the
denominator, deductions for 补办手续 / 拆除复耕 on or before 2020-12-21) —

* 和睦镇 (450225101) trips criterion 1: ratio ≈ 26 %, illegal farmland ≈ 132 亩;
* 永乐镇 (450225106) sits just under the ratio: ≈ 14.8 %, ≈ 118 亩;
* 四荣乡 (450225202) sits just under the area: ≈ 97 亩 at ≈ 31 %; a patch of
  ≈ 6 亩 rectified on the cutoff date itself keeps it under 100 亩.

Each patch lies inside one parcel, so its net farmland is its ellipsoidal
area × (1 − KCXS) exactly; the last patch of each group is sized to the
remainder so the totals land on the targets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import affinity

from rsgeo.geo.units import M2_PER_MU
from rsgeo.synthetic.landscape import CULTIVATED
from rsgeo.synthetic.placing import Determination, PatchSpec, Placer, ell_area

__all__ = ["CRAFTED_CASES", "CUTOFF", "CraftedCase", "craft_township", "split_total"]

CUTOFF = dt.date(2020, 12, 21)


@dataclass(frozen=True)
class CraftedCase:
    """Targets for one township (net farmland, 亩)."""

    code: str
    label: str  # trips / under_ratio / under_area
    counted_mu: float  # illegal farmland after deductions
    ratio: float  # target ratio
    deducted: tuple[tuple[float, str, dt.date], ...]  # (net 亩, method, date) deducted
    late: tuple[tuple[float, str, dt.date], ...]  # rectified after the cutoff: still counted


CRAFTED_CASES: tuple[CraftedCase, ...] = (
    CraftedCase(
        "450225101",
        "trips",
        132.0,
        0.26,
        deducted=((8.0, "补办手续", dt.date(2020, 11, 30)), (6.0, "拆除复耕", CUTOFF)),
        late=((7.0, "拆除复耕", dt.date(2020, 12, 22)), (9.0, "补办手续", dt.date(2021, 1, 15))),
    ),
    CraftedCase(
        "450225106",
        "under_ratio",
        118.0,
        0.148,
        deducted=((5.0, "拆除复耕", dt.date(2020, 10, 12)),),
        late=(),
    ),
    CraftedCase(
        "450225202",
        "under_area",
        97.0,
        0.31,
        deducted=((6.0, "补办手续", CUTOFF),),
        late=((4.0, "拆除复耕", dt.date(2021, 3, 2)),),
    ),
)

_USES_LEGAL = ("安置小区", "学校", "卫生院", "工业厂房", "乡镇道路", "农贸市场", "物流仓储")
_USES_ILLEGAL = ("农村住宅", "厂房", "商铺", "仓库", "养殖场", "停车场")
_SURNAMES = ("韦", "梁", "石", "贾", "吴", "杨", "龙", "潘", "覃", "蓝")


def split_total(total: float, lo: float, hi: float, rng: np.random.Generator) -> list[float]:
    """Random sizes in [lo, hi] that add up to ``total`` exactly (total ≥ lo)."""
    sizes: list[float] = []
    left = total
    while left > hi:
        s = float(rng.uniform(lo, hi))
        if left - s < lo:
            s = left / 2.0
        sizes.append(s)
        left -= s
    sizes.append(left)
    sizes[-1] = total - sum(sizes[:-1])
    return sizes


def _person(rng: np.random.Generator) -> str:
    if rng.random() < 0.25:
        return "融水某某建材有限公司" if rng.random() < 0.5 else "融水某某养殖专业合作社"
    return f"{_SURNAMES[int(rng.integers(len(_SURNAMES)))]}某某"


class _Counter:
    def __init__(self) -> None:
        self.n = 0

    def next(self) -> int:
        self.n += 1
        return self.n


CASE_NUMBERS = _Counter()


def case_number(rng: np.random.Generator) -> str:
    """A synthetic case number (立案号)."""
    return f"融自然资罚〔2020〕{CASE_NUMBERS.next():03d}号"


def _place(
    placer: Placer, t: int, net_m2: float, *, exclude: set[int]
) -> tuple[int, shapely.Geometry]:
    """A patch with net farmland ``net_m2`` inside a (made) cultivated parcel of township t."""
    land = placer.land
    need = net_m2 / 0.5  # the patch covers at most half of the parcel
    cands = placer.candidates(township=t, min_area_m2=need / 0.9, max_dist_m=5000.0)
    cands = np.asarray([c for c in cands if c not in exclude], dtype=np.int64)
    good = cands[np.isin(land.dlbm[cands], CULTIVATED)]
    pool = good if len(good) else cands
    if len(pool) == 0:
        pool = placer.candidates(township=t, min_area_m2=need / 0.9)
    i = placer.pick(pool)
    code = "0101" if placer.rng.random() < 0.75 else "0103"
    placer.make_cultivated(i, code)
    return i, placer.scaled_parcel(i, net_m2)


def crossing_patch(
    placer: Placer, t: int, other: int, *, quarter: int, rng: np.random.Generator
) -> PatchSpec:
    """An illegal patch over the line between townships t and other, on farmland both sides."""
    land = placer.land
    shared = land.townships[t].boundary.intersection(land.townships[other].boundary)
    lines = [g for g in shapely.get_parts(shared) if g.geom_type == "LineString"]
    merged = shapely.line_merge(shapely.multilinestrings(lines))
    seg = max(shapely.get_parts(merged), key=lambda g: g.length)
    for frac in np.linspace(0.3, 0.7, 9):
        p = seg.interpolate(float(frac), normalized=True)
        near = placer.parcels_under(p.buffer(80.0))
        under = [int(i) for i in near if land.owner[i] in (t, other) and placer.interior[i]]
        mine = [i for i in under if land.owner[i] == t and i not in placer.used]
        theirs = [i for i in under if land.owner[i] == other and i not in placer.used]
        if not mine or not theirs:
            continue
        a = min(mine, key=lambda i: float(shapely.distance(land.parcels[i], p)))
        b = min(theirs, key=lambda i: float(shapely.distance(land.parcels[i], p)))
        both = shapely.union(land.parcels[a], land.parcels[b])
        x0, y0 = seg.coords[0]
        x1, y1 = seg.coords[-1]
        angle = float(np.degrees(np.arctan2(y1 - y0, x1 - x0)))
        rect = shapely.box(p.x - 45, p.y - 35, p.x + 45, p.y + 35)
        rect = affinity.rotate(rect, angle, origin=p)
        if not rect.within(both):
            continue
        placer.used.update((a, b))
        placer.make_cultivated(a, "0101")
        placer.make_cultivated(b, "0103")
        det = Determination(
            "违法",
            "违法用地",
            "厂房",
            "未报即用",
            "未整改",
            case_number=case_number(rng),
            responsible="融水某某建材有限公司",
            note="跨乡镇图斑",
        )
        return PatchSpec(quarter, rect, "20", "crossing", det, township=t, crafted="crossing")
    raise RuntimeError("no place found for the crossing patch")


def craft_township(
    placer: Placer,
    case: CraftedCase,
    *,
    rng: np.random.Generator,
    first: list[PatchSpec] | None = None,
) -> list[PatchSpec]:
    """Patches of one crafted township; ``first`` are patches already placed there."""
    land = placer.land
    t = land.codes.index(case.code)
    specs: list[PatchSpec] = list(first or [])
    counted_done = 0.0
    for s in specs:  # the part of already-placed illegal patches inside this township
        inside = shapely.intersection(s.geom, land.townships[t])
        for i in placer.parcels_under(inside):
            piece = shapely.intersection(inside, land.parcels[i])
            if land.dlbm[i] in CULTIVATED and not piece.is_empty:
                counted_done += float(ell_area(piece)[0]) * (1.0 - float(land.kcxs[i]))
    counted_m2 = case.counted_mu * M2_PER_MU
    total_m2 = counted_m2 / case.ratio
    deducted_m2 = sum(mu for mu, _, _ in case.deducted) * M2_PER_MU
    exclude: set[int] = set()

    def illegal(net_m2: float, method: str, date: dt.date | None, tag: str) -> None:
        i, geom = _place(placer, t, net_m2, exclude=exclude)
        latest_q = (
            3 if date is None else min(3, (date.month - 1) // 3 - 1 if date.year == 2020 else 3)
        )
        q = int(rng.integers(0, max(latest_q, 0) + 1))
        det = Determination(
            "违法",
            "违法用地",
            _USES_ILLEGAL[int(rng.integers(len(_USES_ILLEGAL)))],
            "未报即用" if rng.random() < 0.7 else "未批先建",
            method,
            date,
            case_number=case_number(rng),
            responsible=_person(rng),
        )
        specs.append(PatchSpec(q, geom, "20", "illegal_farmland", det, t, parcel=i, crafted=tag))

    for mu, method, date in case.deducted:
        illegal(mu * M2_PER_MU, method, date, "deducted")
    late_m2 = 0.0
    for mu, method, date in case.late:
        illegal(mu * M2_PER_MU, method, date, "late")
        late_m2 += mu * M2_PER_MU
    rest = counted_m2 - counted_done - late_m2
    for net in split_total(rest, 2500.0, 9000.0, rng):
        illegal(net, "未整改", None, "counted")

    legal_m2 = total_m2 - counted_m2 - deducted_m2
    for net in split_total(legal_m2, 12000.0, 30000.0, rng):
        i, geom = _place(placer, t, net, exclude=exclude)
        q = int(rng.integers(0, 4))
        det = Determination("合法", "批准用地", _USES_LEGAL[int(rng.integers(len(_USES_LEGAL)))])
        specs.append(PatchSpec(q, geom, "20", "approved", det, t, parcel=i, crafted="legal"))
    return specs
