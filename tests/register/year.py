"""A year of the bundled sample through the register, and the same year as plain files.

Four quarterly batches of ``data/rongshui_2020.toml`` delivered on the days
of :data:`BATCHES`, the four determination tables recorded on the days of
:data:`TABLES`, the patch re-delivered in 2020Q3 (the sample's own), one
2020Q2 patch split in two on :data:`SPLIT_ON` with a determination table of
its parts, and rectifications after the cutoff (the sample's tables have them
up to 2021-05).

:func:`file_job` writes, for a day D, the job a county would have run from
files on that day without a register: the batches delivered by D, the tables
recorded by D in the order recorded, every rectification dated after D left
blank, the split patch replaced by its parts (核实后). It shares no code with
the register: patches are cut with shapely and tables edited with pandas.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import box

from rsgeo.io.sample import sample_path
from rsgeo.job import OUTPUT_KINDS

DATA = sample_path("rongshui_2020.toml").parent
CRS = 4524

BATCHES = (
    ("2020Q1", "patches/2020Q1/2020Q1_jctb.shp", dt.date(2020, 4, 5)),
    ("2020Q2", "patches/2020Q2_jctb.gpkg", dt.date(2020, 7, 5)),
    ("2020Q3", "patches/2020Q3_jctb.gpkg", dt.date(2020, 10, 5)),
    ("2020Q4", "patches/2020Q4/2020Q4_jctb.shp", dt.date(2020, 12, 25)),
)
TABLES = (
    ("determinations/2020Q1_determinations.xlsx", dt.date(2020, 6, 30)),
    ("determinations/2020Q2_determinations.xlsx", dt.date(2020, 9, 30)),
    ("determinations/2020Q3_determinations.xlsx", dt.date(2020, 12, 15)),
    ("determinations/2020Q4_determinations.xlsx", dt.date(2021, 1, 20)),
)
SPLIT_PATCH = "450225202020004"
SPLIT_ON = dt.date(2020, 8, 15)
PARTS_ON = dt.date(2020, 9, 10)
DATES = (dt.date(2020, 9, 30), dt.date(2021, 1, 10), dt.date(2021, 6, 30))
RECT_HEADERS = ("整改方式", "整改日期", "整改面积（平方米）")


def split_parts(patch: shapely.Geometry) -> dict[str, shapely.Geometry]:
    """The two halves (west, east) of a patch, cut at the middle of its bounds."""
    x0, y0, x1, y1 = patch.bounds
    mid = (x0 + x1) / 2
    west = shapely.intersection(patch, box(x0 - 1, y0 - 1, mid, y1 + 1))
    east = shapely.difference(patch, west)
    return {f"{SPLIT_PATCH}-1": west, f"{SPLIT_PATCH}-2": east}


def parts_table() -> pd.DataFrame:
    """The determinations of the two parts: one demolished after the cutoff, one legal."""
    return pd.DataFrame(
        {
            "监测编号": [f"{SPLIT_PATCH}-1", f"{SPLIT_PATCH}-2"],
            "判定结果": ["违法", "合法"],
            "违法类型": ["未批先建", None],
            "整改方式": ["拆除复耕", None],
            "整改日期": ["2021-02-10", None],
            "立案号": ["融自然资罚〔2020〕901号", None],
            "责任主体": ["某某村民", None],
        }
    )


def batch_patches(path: str) -> gpd.GeoDataFrame:
    """A batch as read, in the register's CRS."""
    from rsgeo.io.reading import read_patches

    return read_patches(DATA / path).to_crs(CRS)


def fill_register(reg: object) -> None:
    """Put the year into a new register (``rsgeo.Register``)."""
    events = [(day, "batch", (name, path)) for name, path, day in BATCHES]
    events += [(day, "table", path) for path, day in TABLES]
    events += [(SPLIT_ON, "split", None), (PARTS_ON, "parts", None)]
    for day, kind, what in sorted(events, key=lambda e: (e[0], e[1])):
        if kind == "batch":
            name, path = what  # type: ignore[misc]
            reg.ingest(DATA / path, batch=name, delivered_on=day)  # type: ignore[attr-defined]
        elif kind == "table":
            reg.determine(DATA / str(what), on=day)  # type: ignore[attr-defined]
        elif kind == "split":
            whole = batch_patches(BATCHES[1][1]).geometry[SPLIT_PATCH]
            reg.split(SPLIT_PATCH, split_parts(whole), on=day)  # type: ignore[attr-defined]
        else:
            reg.determine(parts_table(), on=day)  # type: ignore[attr-defined]


def _job_text(patch_files: list[tuple[str, Path]], tables: list[Path]) -> str:
    lines = ["[job]", 'name = "year"', "cutoff = 2020-12-21", ""]
    for name, path in patch_files:
        lines += ["[[patches]]", f'path = "{path.as_posix()}"', f'batch = "{name}"', ""]
    for path in tables:
        lines += ["[[determinations]]", f'path = "{path.as_posix()}"', ""]
    return "\n".join(lines) + _common()


def _common() -> str:
    layers = {
        "farmland": ("landuse/dltb.gpkg", '["land_class_code"]'),
        "pbf": ("redlines/yjjbnt.gpkg", None),
        "approved": ("approvals/pzyd.gpkg", '["doc_number", "approval_date"]'),
        "facility": ("approvals/ssnyd.gpkg", None),
    }
    lines = [""]
    for key, (path, attrs) in layers.items():
        lines += [f"[layers.{key}]", f'path = "{(DATA / path).as_posix()}"']
        if attrs:
            lines.append(f"attributes = {attrs}")
    lines += ["[townships]", f'path = "{(DATA / "boundaries/townships.gpkg").as_posix()}"']
    lines += ["[outputs]"] + [f"{k} = false" for k in OUTPUT_KINDS]
    return "\n".join(lines) + "\n"


def register_job(folder: Path, target: str, day: dt.date) -> Path:
    """A job file reading ``target`` as of ``day``."""
    text = "\n".join(
        [
            "[job]",
            'name = "year"',
            "cutoff = 2020-12-21",
            "",
            "[register]",
            f'path = "{target}"',
            f"as_of = {day.isoformat()}",
        ]
    )
    path = folder / f"register_{day.isoformat()}.toml"
    path.write_text(text + _common(), encoding="utf-8")
    return path


def file_job(folder: Path, day: dt.date) -> Path:
    """The job of the same year from plain files, as known on ``day`` (module text)."""
    out = folder / f"files_{day.isoformat()}"
    out.mkdir()
    patch_files = []
    for name, path, delivered in BATCHES:
        if delivered > day:
            continue
        if name == "2020Q2" and day >= SPLIT_ON:
            target = out / f"{name}.gpkg"
            _with_parts(gpd.read_file(DATA / path)).to_file(target, driver="GPKG")
            patch_files.append((name, target))
        else:
            patch_files.append((name, DATA / path))
    recorded = [(DATA / p, d) for p, d in TABLES if d <= day]
    tables = []
    parts_file = out / "parts.xlsx"
    if day >= PARTS_ON:
        _blank_after(parts_table(), day, header=True).to_excel(parts_file, index=False)
        recorded.append((parts_file, PARTS_ON))
    for path, _ in sorted(recorded, key=lambda t: t[1]):
        if path == parts_file:
            tables.append(path)
            continue
        raw = pd.read_excel(path, header=None, dtype=object)
        header = raw.iloc[0].tolist()
        body = raw.iloc[1:].copy()
        body.columns = header
        if day >= SPLIT_ON:  # the split patch's own row is replaced by its parts' table
            body = body[body["监测编号"].astype(str) != SPLIT_PATCH]
        body = _blank_after(body, day, header=True)
        target = out / path.name
        body.to_excel(target, index=False)
        tables.append(target)
    job = folder / f"files_{day.isoformat()}.toml"
    job.write_text(_job_text(patch_files, tables), encoding="utf-8")
    return job


def _blank_after(table: pd.DataFrame, day: dt.date, *, header: bool) -> pd.DataFrame:
    """The table with rectifications dated after ``day`` left blank."""
    t = table.copy()
    dates = pd.to_datetime(t["整改日期"], errors="coerce")
    later = dates.dt.date > day
    for col in RECT_HEADERS:
        if col in t.columns:
            t[col] = t[col].astype(object)
            t.loc[later.to_numpy(), col] = None
    return t


def _with_parts(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    from rsgeo.geo.area import ellipsoidal_area

    gk = gdf.to_crs(CRS)
    row = gk[gk["JCBH"].astype(str) == SPLIT_PATCH] if "JCBH" in gk.columns else None
    assert row is not None and len(row) == 1, "the split patch must be in 2020Q2"
    parts = split_parts(row.geometry.iloc[0])
    rows = pd.concat([row] * len(parts), ignore_index=True)
    rows["JCBH"] = list(parts)
    rows = gpd.GeoDataFrame(rows, geometry=list(parts.values()), crs=CRS)
    rows["JCMJ"] = ellipsoidal_area(rows.geometry, crs=CRS)
    rest = gk[gk["JCBH"].astype(str) != SPLIT_PATCH]
    return gpd.GeoDataFrame(pd.concat([rest, rows.to_crs(gk.crs)], ignore_index=True), crs=gk.crs)
