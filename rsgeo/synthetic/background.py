"""The ordinary mixture of patches in every batch of the Rongshui sample.

Approved construction, unapproved construction off farmland, agricultural
changes, false changes, roads, facility agriculture, temporary land, red-line
and mineral patches (one rare earth), solar farms, a little illegal farmland,
plus the special cases: boundary-crossing, invalid (bow-tie) and military
patches, a patch re-appearing in a later batch, and the review defects.

Patches in the crafted townships (see :mod:`rsgeo.synthetic.crafted`) never
touch cultivated land here, so the crafted numbers stay exactly as designed;
elsewhere illegal farmland stays far below the criterion-1 thresholds.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry.base import BaseGeometry

from rsgeo.synthetic.crafted import _USES_ILLEGAL, _USES_LEGAL, _person, case_number
from rsgeo.synthetic.landscape import CULTIVATED
from rsgeo.synthetic.placing import Determination, PatchSpec, Placer, bow_tie

__all__ = ["HSX_END", "background_patches"]

HSX_END: tuple[dt.date, ...] = (
    dt.date(2020, 3, 31),
    dt.date(2020, 6, 30),
    dt.date(2020, 9, 30),
    dt.date(2020, 12, 15),
)
"""Latest after-image date of each batch."""

NON_CULT = ("0201", "0204", "0301", "0302", "0305", "0404", "1207", "0702", "0601")
FOREST = ("0301", "0302", "0305")

KINDS: dict[str, float] = {
    "approved": 0.16,
    "illegal_build": 0.20,
    "agri": 0.16,
    "pond": 0.03,
    "pseudo": 0.05,
    "road": 0.06,
    "facility": 0.05,
    "temporary": 0.04,
    "redline": 0.04,
    "mineral": 0.05,
    "solar": 0.02,
    "illegal_farmland": 0.03,
}
# kinds that may sit on cultivated land: never in the crafted townships
ON_FARMLAND = {"approved", "pond", "facility", "temporary", "illegal_farmland"}


def _rect_date(rng: np.random.Generator, q: int, *, latest: dt.date | None = None) -> dt.date:
    d = HSX_END[q] + dt.timedelta(days=int(rng.integers(10, 150)))
    return min(d, latest) if latest else d


def _illegal_det(rng: np.random.Generator, q: int, use: str | None = None) -> Determination:
    u = rng.random()
    if u < 0.5:
        method, date = "未整改", None
    elif u < 0.75:
        method, date = "拆除复耕", _rect_date(rng, q)
    elif u < 0.9:
        method, date = "补办手续", _rect_date(rng, q)
    else:
        method, date = "没收", _rect_date(rng, q)
    return Determination(
        "违法",
        "违法用地",
        use or _USES_ILLEGAL[int(rng.integers(len(_USES_ILLEGAL)))],
        ("未报即用", "未批先建", "未供即用", "超占用地", "擅自改变用途")[int(rng.integers(5))],
        method,
        date,
        case_number=case_number(rng),
        responsible=_person(rng),
    )


class _Background:
    def __init__(
        self,
        placer: Placer,
        rng: np.random.Generator,
        refs: dict[str, list[dict[str, Any]]],
        crafted: tuple[int, ...],
    ) -> None:
        self.p = placer
        self.rng = rng
        self.crafted = crafted
        self.others = tuple(t for t in range(len(placer.land.codes)) if t not in crafted)
        self.redline = shapely.union_all([r["geometry"] for r in refs["redline"]][:-2])
        self.pbf_parcels = {int(r["_parcel"]) for r in refs["pbf"] if "_parcel" in r}
        self.licences = refs["mining_rights"]
        self.farm_count: Counter[int] = Counter()

    def township(self, kind: str) -> int:
        pool = self.others if kind in ON_FARMLAND else tuple(range(len(self.p.land.codes)))
        return int(pool[int(self.rng.integers(len(pool)))])

    def parcel(self, t: int | None, **kw: Any) -> int:
        cands = self.p.candidates(township=t, **kw)
        if len(cands) == 0:
            kw.pop("max_dist_m", None)
            kw.pop("min_dist_m", None)
            cands = self.p.candidates(township=t, **kw)
        if len(cands) == 0:
            cands = self.p.candidates(townships_excluded=self.crafted, **kw)
        return self.p.pick(cands)

    def make(self, kind: str, q: int) -> PatchSpec:
        rng, p = self.rng, self.p
        t = self.township(kind)
        ha = float(rng.uniform(0.03, 1.0))
        if kind == "approved":
            classes: tuple[str, ...] = NON_CULT + CULTIVATED
            i = self.parcel(t, classes=classes, max_dist_m=4000.0, min_area_m2=4000.0)
            ha = float(rng.uniform(0.2, 3.0))
            use = _USES_LEGAL[int(rng.integers(len(_USES_LEGAL)))]
            det = Determination("合法", "批准用地", use)
            tblx = "20" if rng.random() < 0.8 else "YH"
        elif kind == "illegal_build":
            i = self.parcel(t, classes=NON_CULT, max_dist_m=5000.0)
            det = _illegal_det(rng, q)
            tblx = ("20", "20", "20", "YH", "TD", "DT")[int(rng.integers(6))]
        elif kind == "agri":
            i = self.parcel(t, classes=("0301", "0305", "0404", "0201", "0204"))
            ha = float(rng.uniform(0.1, 3.0))
            tblx = ("01", "02", "03", "04")[int(rng.integers(4))]
            use = {"01": "种植水稻", "02": "种植果树", "03": "种植林木", "04": "草地"}[tblx]
            det = Determination("其他", "农业结构调整", use)
        elif kind == "pond":
            i = self.parcel(t, classes=CULTIVATED)
            ha = float(rng.uniform(0.1, 1.5))
            tblx = "KT"
            det = Determination("其他", "农业结构调整", "坑塘养殖")
        elif kind == "pseudo":
            i = self.parcel(t, classes=NON_CULT)
            tblx = "20"
            det = Determination("其他", "伪变化", "未发生变化", note="云影、季相差异")
        elif kind == "road":
            i = self.parcel(t, classes=FOREST, min_dist_m=2000.0, min_area_m2=200000.0)
            ha = float(rng.uniform(0.2, 1.2))
            tblx = "DL" if rng.random() < 0.5 else "ND"
            det = (
                Determination("合法", "批准用地", "公路")
                if tblx == "DL"
                else Determination("其他", "农村道路", "农村道路")
            )
            geom = p.rect_in_parcel(i, ha * 1e4, aspect=float(rng.uniform(15, 40)), irregular=False)
            return PatchSpec(q, geom, tblx, "approved" if tblx == "DL" else kind, det, t, parcel=i)
        elif kind == "facility":
            i = self.parcel(t, classes=(*CULTIVATED, "0201"), max_dist_m=5000.0)
            ha = float(rng.uniform(0.05, 0.8))
            tblx = "20" if rng.random() < 0.6 else "YH"
            det = Determination("其他", "设施农用地", ("养殖圈舍", "农机库房", "烘干晒场")[q % 3])
        elif kind == "temporary":
            i = self.parcel(t, classes=NON_CULT + CULTIVATED)
            ha = float(rng.uniform(0.1, 1.5))
            tblx = "DT" if rng.random() < 0.6 else "YH"
            det = Determination("其他", "临时用地", "施工场地")
        elif kind == "redline":
            i = self.parcel(None, classes=FOREST, within=self.redline)
            t = int(p.land.owner[i])
            tblx = ("20", "DL", "YH")[int(rng.integers(3))]
            det = _illegal_det(rng, q, "农家乐" if tblx == "20" else None)
        elif kind == "mineral":
            return self.mineral(q)
        elif kind == "solar":
            i = self.parcel(t, classes=("0404", "0305"), min_dist_m=1000.0, min_area_m2=40000.0)
            ha = float(rng.uniform(1.0, 4.5))
            tblx = "GF"
            det = Determination("合法", "批准用地", "光伏发电")
            kind = "approved"
        elif kind == "illegal_farmland":
            others = [u for u in self.others if self.farm_count[u] < 3]
            t = int(others[int(rng.integers(len(others)))])
            self.farm_count[t] += 1
            cands = p.candidates(township=t, classes=CULTIVATED)
            in_pbf = np.asarray([c for c in cands if int(c) in self.pbf_parcels], dtype=np.int64)
            i = p.pick(in_pbf if len(in_pbf) and rng.random() < 0.6 else cands)
            ha = float(rng.uniform(0.05, 0.6))
            tblx = "20"
            det = _illegal_det(rng, q)
        else:  # pragma: no cover
            raise ValueError(kind)
        geom = p.rect_in_parcel(i, ha * 1e4)
        return PatchSpec(q, geom, tblx, kind, det, int(p.land.owner[i]), parcel=i)

    def mineral(self, q: int, *, rare_earth: bool = False) -> PatchSpec:
        rng, p = self.rng, self.p
        lic = [r for r in self.licences if (r["KZ"] == "稀土") == rare_earth]
        if rare_earth or rng.random() < 0.7:
            r = lic[int(rng.integers(len(lic)))]
            geom = p.rect_in(r["geometry"], float(rng.uniform(0.3, 2.5)) * 1e4, irregular=True)
            i = int(r["_parcel"])
            valid = r["YXQZ"] >= HSX_END[q]
            if valid:
                det = Determination("合法", "采矿权范围内", "采石场")
            else:
                use = "稀土矿开采" if rare_earth else "采石场"
                det = Determination(
                    "违法",
                    "违法采矿",
                    use,
                    "无证开采",
                    "未整改" if rare_earth else "拆除复耕",
                    None if rare_earth else _rect_date(rng, q),
                    case_number=case_number(rng),
                    responsible=r["QLR"],
                    note="采矿许可证已过期",
                )
        else:
            i = self.parcel(
                None, classes=FOREST, min_dist_m=3000.0, townships_excluded=self.crafted
            )
            geom = p.rect_in_parcel(i, float(rng.uniform(0.2, 1.5)) * 1e4)
            det = Determination(
                "违法",
                "违法采矿",
                "采石场",
                "无证开采",
                "未整改",
                case_number=case_number(rng),
                responsible=_person(rng),
            )
        return PatchSpec(q, geom, "CK", "mineral", det, int(p.land.owner[i]), parcel=i)

    def crossing(self, q: int) -> PatchSpec:
        """A legal patch over a line between two ordinary townships."""
        land, rng = self.p.land, self.rng
        for _ in range(200):
            a, b = (int(x) for x in rng.choice(self.others, 2, replace=False))
            shared = shapely.intersection(land.townships[a].boundary, land.townships[b].boundary)
            lines = [g for g in shapely.get_parts(shared) if g.geom_type == "LineString"]
            if not lines:
                continue
            parts = list(shapely.get_parts(shapely.line_merge(shapely.multilinestrings(lines))))
            if not parts:
                continue
            line = max(parts, key=lambda g: g.length)
            if line.geom_type != "LineString" or line.length < 2000.0:
                continue
            pt = shapely.line_interpolate_point(line, float(rng.uniform(0.3, 0.7)), normalized=True)
            rect = affinity.rotate(shapely.box(pt.x - 40, pt.y - 60, pt.x + 40, pt.y + 60), 30.0)
            if not rect.within(land.county):
                continue
            under = self.p.parcels_under(rect)
            if any(int(i) in self.p.used for i in under):
                continue
            self.p.used.update(int(i) for i in under)
            det = Determination("合法", "批准用地", "乡镇道路", note="跨乡镇图斑")
            return PatchSpec(q, rect, "DL", "approved", det, a)
        raise RuntimeError("no place for a crossing patch")


def background_patches(
    placer: Placer,
    refs: dict[str, list[dict[str, Any]]],
    rng: np.random.Generator,
    *,
    crafted: tuple[int, ...],
    per_quarter: int = 170,
) -> list[PatchSpec]:
    """The ordinary patches of the four batches, with the special cases."""
    bg = _Background(placer, rng, refs, crafted)
    kinds = list(KINDS)
    w = np.asarray([KINDS[k] for k in kinds])
    w = w / w.sum()
    specs: list[PatchSpec] = []
    for q in range(4):
        for kind in rng.choice(kinds, per_quarter, p=w):
            specs.append(bg.make(str(kind), q))
        specs.append(bg.crossing(q))
        for _ in range(2):  # invalid geometry as delivered
            s = bg.make("illegal_build", q)
            s.geom = bow_tie(s.geom)
            s.kind = "invalid"
            specs.append(s)
    specs.append(bg.mineral(1, rare_earth=True))
    for q in (1, 2):  # military land, reported under seal
        i = bg.parcel(None, classes=FOREST, min_dist_m=2500.0, townships_excluded=crafted)
        det = Determination("其他", "军用土地", "军事设施", note="军用土地，单独报送")
        geom = placer.rect_in_parcel(i, float(rng.uniform(0.3, 1.2)) * 1e4)
        specs.append(
            PatchSpec(
                q, geom, "20", "military", det, int(placer.land.owner[i]), military=True, parcel=i
            )
        )
    # a Q1 patch seen again, larger, in Q3 (same JCBH)
    first = bg.make("illegal_build", 0)
    first.det = Determination(
        "违法",
        "违法用地",
        "厂房",
        "未报即用",
        "未整改",
        case_number=case_number(rng),
        responsible=_person(rng),
    )
    parcel: BaseGeometry = placer.land.parcels[first.parcel]
    again_geom = shapely.intersection(
        affinity.scale(first.geom, 1.4, 1.4, origin="centroid"),
        affinity.scale(parcel, 0.95, 0.95, origin="centroid"),
    )
    again = PatchSpec(
        2,
        again_geom,
        first.tblx,
        "reappeared",
        Determination(
            "违法",
            "违法用地",
            "厂房",
            "未报即用",
            "未整改",
            case_number=first.det.case_number,
            responsible=first.det.responsible,
            note="2020Q1已下发图斑，本期再次监测到，面积扩大",
        ),
        first.township,
        parcel=first.parcel,
    )
    first.crafted = "reappear_first"
    again.crafted = "reappear_again"
    specs += [first, again]
    # review defects in Q4
    q4 = [
        s
        for s in specs
        if s.quarter == 3 and not s.crafted and s.kind in ("illegal_build", "agri", "pseudo")
    ]
    for s in q4[:3]:
        s.det = None  # no row returned by the field crew
        s.note = "未反馈"
    bad = [
        s
        for s in specs
        if s.quarter == 3 and s.det is not None and s.det.result == "违法" and not s.crafted
    ]
    bad[0].det.case_number, bad[0].det.responsible = "", ""  # type: ignore[union-attr]
    d = bad[1].det
    assert d is not None
    d.method, d.date, d.rectified_share = "拆除复耕", dt.date(2021, 1, 20), 1.3
    bad[2].jcmj_factor = 1.6
    return specs
