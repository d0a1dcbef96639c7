"""A small synthetic 2026 clue batch for the bundled Rongshui sample.

Monthly clues (线索) as the 2026 provincial platforms issue them: ids such as
``450225SJBG26030001``, the 2026 change types (``1`` for 01, DL2, …) and a
determination table in the 2026 vocabulary (核实认定意见: 合法, 其他, 非农违法,
农村道路, 设施农用地, 非粮违法, with sub-types, some written in the same cell).
The clues lie inside parcels of the committed land-use layer
(``data/landuse/dltb.gpkg``), so their farmland is known exactly. Everything
here is synthetic. Run::

    python -m rsgeo.synthetic.clues2026 --out data

Examples
--------
>>> [k.determination for k in CLUE_KINDS][:3]
['非农违法-工矿商服', '非农违法', '非农违法-道路交通']
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from rsgeo.synthetic.landscape import CULTIVATED, WORK_EPSG
from rsgeo.synthetic.placing import ell_area
from rsgeo.synthetic.writing import _write, _write_workbook

__all__ = [
    "CLUE_KINDS",
    "CUTOFF",
    "TOWNSHIPS",
    "ClueKind",
    "build_clues",
    "main",
    "write_clues",
]

SEED = 2026
BATCH = "2026M03"
CUTOFF = dt.date(2026, 3, 31)
"""The cutoff of the 2026 sample job (data/rongshui_2026.toml)."""
TOWNSHIPS: tuple[str, ...] = ("450225101", "450225106", "450225202")
"""和睦镇, 永乐镇, 四荣乡: the townships the clues fall in."""
PATCHES_PATH = "clues/2026M03_clues.gpkg"
TABLE_PATH = "determinations/2026M03_determinations.xlsx"

HEADERS: tuple[str, ...] = (
    "线索编号",
    "乡镇名称",
    "核实认定意见",
    "认定子类",
    "违法类型",
    "违法面积（平方米）",
    "违法占用耕地面积（平方米）",
    "整改方式",
    "整改日期",
    "整改面积（平方米）",
    "立案号",
    "责任主体",
    "备注",
)


@dataclass(frozen=True)
class ClueKind:
    """One clue of each township: what it is and how the crew wrote it down."""

    determination: str  # the 核实认定意见 cell, the sub-type sometimes in it
    subtype: str  # the 认定子类 cell
    tblx: str
    farmland: bool  # placed on cultivated land
    farmland_in_table: bool = False  # 违法占用耕地面积 filled in (else left to the overlay)
    method: str = ""
    date: dt.date | None = None
    planting: tuple[str, str] = ("", "")  # ZZSXDM, ZZSXMC


CLUE_KINDS: tuple[ClueKind, ...] = (
    ClueKind("非农违法-工矿商服", "厂房", "20", True, True, "未整改"),
    ClueKind("非农违法", "民生公益", "YH", True, True, "拆除", dt.date(2026, 3, 20)),
    ClueKind("非农违法-道路交通", "", "DL2", True, False, "补办", dt.date(2026, 4, 15)),
    ClueKind("农村道路", "", "ND", True),
    ClueKind("设施农用地", "", "20", True),
    ClueKind("非粮违法", "", "02", True, planting=("FLS", "非粮作物")),
    ClueKind("合法（批文）", "", "20", True),
    ClueKind("其他-农村宅基地", "", "1", False),
)


def _clue_geometry(parcel: shapely.Geometry, rng: np.random.Generator) -> shapely.Geometry:
    centre = parcel.representative_point()
    half = float(rng.uniform(15.0, 35.0))
    square = shapely.box(centre.x - half, centre.y - half, centre.x + half, centre.y + half)
    return shapely.intersection(square, parcel.buffer(-1.0))


def build_clues(dltb: gpd.GeoDataFrame, seed: int = SEED) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The clue layer (raw 2026 field names) and its determination table."""
    rng = np.random.default_rng(seed)
    names = dict(zip(dltb["XZQDM"], dltb["XZQMC"], strict=False))
    clues: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    serial = 0
    for code in TOWNSHIPS:
        town = dltb.loc[(dltb["XZQDM"] == code) & (dltb["TBMJ"] > 6000.0)]
        cultivated = town.loc[town["DLBM"].isin(CULTIVATED)]
        other = town.loc[~town["DLBM"].isin(CULTIVATED)]
        order = {
            True: list(rng.permutation(len(cultivated))),
            False: list(rng.permutation(len(other))),
        }
        for kind in CLUE_KINDS:
            pool = cultivated if kind.farmland else other
            geom = _clue_geometry(pool.geometry.iloc[order[kind.farmland].pop()], rng)
            while geom.is_empty or float(ell_area(geom)[0]) < 300.0:
                geom = _clue_geometry(pool.geometry.iloc[order[kind.farmland].pop()], rng)
            serial += 1
            clue_id = f"450225SJBG2603{serial:04d}"
            area = round(float(ell_area(geom)[0]), 2)
            after = dt.date(2026, 2, 1) + dt.timedelta(days=int(rng.integers(0, 25)))
            clues.append(
                {
                    "线索编号": clue_id,
                    "XZQDM": code,
                    "TBLX": kind.tblx,
                    "MJ": area,
                    "QSX": (after - dt.timedelta(days=90)).isoformat(),
                    "HSX": after.isoformat(),
                    "ZZSXDM": kind.planting[0],
                    "ZZSXMC": kind.planting[1],
                    "geometry": geom,
                }
            )
            row: dict[str, Any] = dict.fromkeys(HEADERS)
            row.update(
                {
                    "线索编号": clue_id,
                    "乡镇名称": names[code],
                    "核实认定意见": kind.determination,
                    "认定子类": kind.subtype or None,
                }
            )
            if kind.determination.startswith("非农违法"):
                row.update(
                    {
                        "违法类型": "未批先建",
                        "违法面积（平方米）": area,
                        "整改方式": kind.method,
                        "立案号": f"融自然资罚〔2026〕{serial}号",
                        "责任主体": "融水某某建材有限公司",
                    }
                )
                if kind.farmland_in_table:
                    row["违法占用耕地面积（平方米）"] = round(_net_farmland(geom, dltb), 2)
                if kind.date is not None:
                    row["整改日期"] = kind.date
                    row["整改面积（平方米）"] = area
            rows.append(row)
    layer = gpd.GeoDataFrame(clues, geometry="geometry", crs=WORK_EPSG)
    table = pd.DataFrame(rows, columns=list(HEADERS))
    table["整改日期"] = pd.to_datetime(table["整改日期"])
    return layer, table


def _net_farmland(geom: shapely.Geometry, dltb: gpd.GeoDataFrame) -> float:
    """Net farmland under ``geom``: Σ piece area × (1 − KCXS) over cultivated parcels."""
    under = dltb.iloc[dltb.sindex.query(geom, predicate="intersects")]
    under = under.loc[under["DLBM"].isin(CULTIVATED)]
    total = 0.0
    for parcel, coef in zip(under.geometry, under["KCXS"], strict=True):
        piece = shapely.intersection(geom, parcel)
        if not piece.is_empty:
            total += float(ell_area(piece)[0]) * (1.0 - float(coef))
    return total


def write_clues(out: Path, seed: int = SEED) -> dict[str, str]:
    """Write the clue layer and its determination table below ``out`` (the sample root)."""
    dltb = gpd.read_file(out / "landuse" / "dltb.gpkg")
    layer, table = build_clues(dltb, seed)
    _write(layer, out / PATCHES_PATH, "XSTB")
    _write_workbook(table, out / TABLE_PATH, f"融水苗族自治县 {BATCH} 线索核实表（示例数据）")
    return {"patches": PATCHES_PATH, "determinations": TABLE_PATH}


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m rsgeo.synthetic.clues2026 --out data``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("data"))
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    written = write_clues(args.out, args.seed)
    for role, path in written.items():
        print(f"{role}: {args.out / path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
