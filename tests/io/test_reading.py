"""Tests for rsgeo.read_patches / rsgeo.read_layer on files the tests write.

Coordinates are around Rongshui county (DOMAIN.md §4): CGCS2000 3-degree
Gauss-Krüger CM 108°E (EPSG:4545), eastings ~600 000 m, northings ~2 800 000 m.
"""

from __future__ import annotations

import os
import re
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon, box

import rsgeo
from rsgeo.errors import CRSError, DataFileError, DuplicateIdError, FieldError, InputError
from rsgeo.geo.repair import ReadReport
from rsgeo.schema import fields as F

X0, Y0 = 600_000.0, 2_800_000.0
TOWNS = ["融水镇", "和睦镇", "三防镇", "同练瑶族乡"]

GCS = (
    'GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
    'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
)


def arcgis_gk_prj(zone: int, *, prefixed: bool) -> str:
    """The .prj text ArcGIS writes for CGCS2000 3-degree GK (typed out here)."""
    cm = 3 * zone
    name = f"CGCS2000_3_Degree_GK_Zone_{zone}" if prefixed else f"CGCS2000_3_Degree_GK_CM_{cm}E"
    fe = zone * 1_000_000 + 500_000 if prefixed else 500_000
    return (
        f'PROJCS["{name}",{GCS},PROJECTION["Gauss_Kruger"],'
        f'PARAMETER["False_Easting",{fe:.1f}],PARAMETER["False_Northing",0.0],'
        f'PARAMETER["Central_Meridian",{cm:.1f}],PARAMETER["Scale_Factor",1.0],'
        f'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
    )


def patches_gdf(n: int = 4, *, x0: float = X0, crs: int | None = 4545) -> gpd.GeoDataFrame:
    """n square patches of 10 m x 10 m with Chinese attribute text."""
    return gpd.GeoDataFrame(
        {
            "JCBH": [f"4502252020{i:04d}" for i in range(n)],
            "XZQDM": ["450225100"] * n,
            "XZMC": [TOWNS[i % len(TOWNS)] for i in range(n)],
            "TBLX": ["20"] * n,
            "JCMJ": [100.0] * n,
        },
        geometry=[box(x0 + 20 * i, Y0, x0 + 20 * i + 10, Y0 + 10) for i in range(n)],
        crs=crs,
    )


def write_shp(
    gdf: gpd.GeoDataFrame,
    path: Path,
    *,
    encoding: str = "GBK",
    cpg: bool = True,
    ldid: int | None = None,
    prj: str | bool | None = True,
) -> Path:
    """Write a shapefile; optionally drop the .cpg, set the DBF language
    driver byte, and replace (str) or drop (None) the .prj."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="'crs' was not provided")
        pyogrio.write_dataframe(gdf, path, encoding=encoding)
    if not cpg:
        path.with_suffix(".cpg").unlink()
    if ldid is not None:
        with open(path.with_suffix(".dbf"), "r+b") as f:
            f.seek(29)
            f.write(bytes([ldid]))
    if prj is None:
        path.with_suffix(".prj").unlink(missing_ok=True)
    elif isinstance(prj, str):
        path.with_suffix(".prj").write_text(prj, encoding="ascii")
    return path


def report_of(gdf: gpd.GeoDataFrame) -> ReadReport:
    report = gdf.attrs["rsgeo_read_report"]
    assert isinstance(report, ReadReport)
    return report


# ---------------------------------------------------------------- encodings
def test_gbk_with_cpg(tmp_path: Path) -> None:
    shp = write_shp(patches_gdf(), tmp_path / "gbk.shp")
    assert shp.with_suffix(".cpg").read_text().strip().upper() == "GBK"
    got = rsgeo.read_patches(shp)
    assert got["XZMC"].tolist() == TOWNS
    rep = report_of(got)
    assert rep.encoding == "gb18030" and ".cpg" in rep.encoding_source


def test_gbk_without_cpg_is_detected(tmp_path: Path) -> None:
    shp = write_shp(patches_gdf(), tmp_path / "gbk.shp", cpg=False)
    # GDAL alone would read this as Latin-1 mojibake:
    raw = pyogrio.read_dataframe(shp)
    assert raw["XZMC"].tolist() != TOWNS
    got = rsgeo.read_patches(shp)
    assert got["XZMC"].tolist() == TOWNS
    assert report_of(got).encoding_source.startswith("detected")


def test_gbk_chinese_field_names_without_cpg(tmp_path: Path) -> None:
    src = patches_gdf().rename(columns={"JCBH": "监测编号", "XZMC": "乡镇名称"})
    shp = write_shp(src, tmp_path / "cn.shp", cpg=False)
    got = rsgeo.read_patches(shp)
    assert got.index.tolist() == src["监测编号"].tolist()
    assert got["township_name"].tolist() == TOWNS
    assert report_of(got).field_mapping["监测编号"] == "patch_id"


@pytest.mark.parametrize("ldid", [0x4D, 0x7A])
def test_gbk_ldid_byte(tmp_path: Path, ldid: int) -> None:
    shp = write_shp(patches_gdf(), tmp_path / "ldid.shp", cpg=False, ldid=ldid)
    got = rsgeo.read_patches(shp)
    assert got["XZMC"].tolist() == TOWNS
    assert f"0x{ldid:02X}" in report_of(got).encoding_source


def test_gbk_with_ansi_ldid_detected(tmp_path: Path) -> None:
    # 0x57 = "ANSI": GDAL decodes it as ISO-8859-1; rsgeo detects GBK
    shp = write_shp(patches_gdf(), tmp_path / "ansi.shp", cpg=False, ldid=0x57)
    got = rsgeo.read_patches(shp)
    assert got["XZMC"].tolist() == TOWNS


def test_utf8_without_cpg(tmp_path: Path) -> None:
    shp = write_shp(patches_gdf(), tmp_path / "u.shp", encoding="UTF-8", cpg=False)
    got = rsgeo.read_patches(shp)
    assert got["XZMC"].tolist() == TOWNS
    assert report_of(got).encoding == "utf-8"


def test_wrong_cpg_is_overruled_with_warning(tmp_path: Path) -> None:
    shp = write_shp(patches_gdf(), tmp_path / "w.shp")
    shp.with_suffix(".cpg").write_text("UTF-8")
    with pytest.warns(UserWarning, match="not valid utf-8"):
        got = rsgeo.read_patches(shp)
    assert got["XZMC"].tolist() == TOWNS
    assert any("not valid utf-8" in w for w in report_of(got).warnings)


def test_encoding_argument_overrides(tmp_path: Path) -> None:
    src = patches_gdf()
    src["XZMC"] = ["Bézier", "café", "naïve", "über"]
    shp = write_shp(src, tmp_path / "latin.shp", encoding="ISO-8859-1", cpg=False)
    with pytest.raises(InputError, match="encoding=") as info:
        rsgeo.read_patches(shp)
    assert "latin.shp" in str(info.value)
    got = rsgeo.read_patches(shp, encoding="latin-1")
    assert got["XZMC"].tolist() == src["XZMC"].tolist()
    assert report_of(got).encoding_source == "argument encoding="


def test_unknown_encoding_name(tmp_path: Path) -> None:
    shp = write_shp(patches_gdf(), tmp_path / "g.shp")
    with pytest.raises(InputError, match="not an encoding"):
        rsgeo.read_patches(shp, encoding="gbk-ish")


# ---------------------------------------------------------------- formats
def test_zipped_shapefile(tmp_path: Path) -> None:
    # Chinese file names, as deliveries have them
    shp = write_shp(patches_gdf(), tmp_path / "融水县监测图斑.shp", cpg=False)
    archive = tmp_path / "2020年第一季度.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in tmp_path.glob("融水县监测图斑.*"):
            zf.write(f, f"data/{f.name}")
    got = rsgeo.read_patches(archive)
    assert got["XZMC"].tolist() == TOWNS
    assert got.crs.to_epsg() == 4545
    assert report_of(got).encoding == "gb18030"
    assert shp.exists()


def test_zip_with_gbk_member_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Zips made on Chinese Windows store member names in GBK with no flag."""
    write_shp(patches_gdf(), tmp_path / "图斑.shp")
    write_shp(patches_gdf(2), tmp_path / "other.shp")

    def gbk_names(self: zipfile.ZipInfo) -> tuple[bytes, int]:
        return self.filename.encode("gbk"), self.flag_bits  # no UTF-8 flag

    archive = tmp_path / "win.zip"
    with monkeypatch.context() as m:
        m.setattr(zipfile.ZipInfo, "_encodeFilenameFlags", gbk_names)
        with zipfile.ZipFile(archive, "w") as zf:
            for f in [*tmp_path.glob("图斑.*"), *tmp_path.glob("other.*")]:
                zf.write(f, f.name)
    assert "图斑.shp" not in zipfile.ZipFile(archive).namelist()  # read as cp437
    with pytest.raises(InputError, match="'图斑'"):
        rsgeo.read_patches(archive)
    got = rsgeo.read_patches(archive, layer="图斑")
    assert got["XZMC"].tolist() == TOWNS


def test_zip_with_two_shapefiles_needs_layer(tmp_path: Path) -> None:
    write_shp(patches_gdf(), tmp_path / "a.shp")
    write_shp(patches_gdf(2), tmp_path / "b.shp")
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in [*tmp_path.glob("a.*"), *tmp_path.glob("b.*")]:
            zf.write(f, f.name)
    with pytest.raises(InputError, match="layer=") as info:
        rsgeo.read_patches(archive)
    assert "'a'" in str(info.value) and "'b'" in str(info.value)
    assert len(rsgeo.read_patches(archive, layer="b")) == 2


def test_zip_without_data(tmp_path: Path) -> None:
    archive = tmp_path / "empty.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.txt", "nothing")
    with pytest.raises(DataFileError, match=r"readme\.txt"):
        rsgeo.read_patches(archive)


def test_geopackage_multi_layer(tmp_path: Path) -> None:
    gpkg = tmp_path / "m.gpkg"
    pyogrio.write_dataframe(patches_gdf(3), gpkg, layer="patches_2020q1")
    pyogrio.write_dataframe(patches_gdf(2), gpkg, layer="patches_2020q2")
    with pytest.raises(InputError) as info:
        rsgeo.read_patches(gpkg)
    msg = str(info.value)
    assert "m.gpkg" in msg and "patches_2020q1" in msg and "patches_2020q2" in msg
    got = rsgeo.read_patches(gpkg, layer="patches_2020q2")
    assert len(got) == 2 and got["XZMC"].tolist() == TOWNS[:2]
    assert report_of(got).layer == "patches_2020q2"
    with pytest.raises(InputError, match="no layer 'zzz'") as info:
        rsgeo.read_patches(gpkg, layer="zzz")
    assert "patches_2020q1" in str(info.value)


def test_geojson(tmp_path: Path) -> None:
    path = tmp_path / "p.geojson"
    patches_gdf().to_crs(4490).to_file(path, driver="GeoJSON")
    got = rsgeo.read_patches(path)
    assert got.crs.to_epsg() == 4490
    assert got["XZMC"].tolist() == TOWNS


def test_geojson_without_crs_member(tmp_path: Path) -> None:
    path = tmp_path / "rfc.geojson"
    patches_gdf().to_crs(4490).set_crs(4326, allow_override=True).to_file(
        path, driver="GeoJSON", RFC7946="YES"
    )
    assert '"crs"' not in path.read_text(encoding="utf-8")
    with pytest.warns(UserWarning, match="EPSG:4490"):
        default = rsgeo.read_patches(path)
    assert default.crs.to_epsg() == 4326
    got = rsgeo.read_patches(path, crs=4490)
    assert got.crs.to_epsg() == 4490


def test_filegdb(tmp_path: Path) -> None:
    gdb = tmp_path / "delivery.gdb"
    src = patches_gdf()
    src["JCBH"] = [450225001.0, 450225002.0, 450225003.0, 450225004.0]  # numbers
    pyogrio.write_dataframe(src, gdb, layer="JCTB", driver="OpenFileGDB")
    pyogrio.write_dataframe(patches_gdf(1), gdb, layer="other", driver="OpenFileGDB")
    got = rsgeo.read_patches(gdb, layer="JCTB")
    # numeric ids read as text, without ".0"
    assert got.index.tolist() == ["450225001", "450225002", "450225003", "450225004"]
    assert got["XZMC"].tolist() == TOWNS
    assert got.crs.to_epsg() == 4545
    assert report_of(got).driver == "OpenFileGDB"
    with pytest.raises(InputError, match="JCTB"):
        rsgeo.read_patches(gdb)


def test_zipped_filegdb(tmp_path: Path) -> None:
    gdb = tmp_path / "jctb.gdb"
    pyogrio.write_dataframe(patches_gdf(), gdb, layer="JCTB", driver="OpenFileGDB")
    archive = tmp_path / "jctb.gdb.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in gdb.iterdir():
            zf.write(f, f"jctb.gdb/{f.name}")
    got = rsgeo.read_patches(archive)
    assert got["XZMC"].tolist() == TOWNS
    assert report_of(got).layer == "JCTB"


def test_empty_layer(tmp_path: Path) -> None:
    gpkg = tmp_path / "empty.gpkg"
    patches_gdf().iloc[:0].to_file(gpkg, layer="none_yet")
    got = rsgeo.read_patches(gpkg)
    assert len(got) == 0 and got.index.name == "patch_id"
    assert got.index.dtype == pd.Index(["x"]).dtype  # text, as when not empty
    assert got.crs.to_epsg() == 4545


def test_folder_of_shapefiles(tmp_path: Path) -> None:
    write_shp(patches_gdf(), tmp_path / "only.shp")
    got = rsgeo.read_patches(tmp_path)
    assert len(got) == 4


def test_read_layer_renames_layer_fields(tmp_path: Path) -> None:
    farmland = gpd.GeoDataFrame(
        {"BSM": [1, 2], "DLBM": ["0101", "0103"], "KCXS": [0.08, 0.12], "TBMJ": [100.0, 300.0]},
        geometry=[box(X0, Y0, X0 + 10, Y0 + 10), box(X0, Y0 + 20, X0 + 10, Y0 + 50)],
        crs=4545,
    )
    gpkg = tmp_path / "dltb.gpkg"
    farmland.to_file(gpkg, layer="DLTB")
    got = rsgeo.read_layer(gpkg)
    assert list(got.columns) == [
        "feature_id",
        "land_class_code",
        "ridge_coef",
        "parcel_area_m2",
        "geometry",
    ]
    assert got["ridge_coef"].tolist() == [0.08, 0.12]
    assert got.index.tolist() == [0, 1]
    assert (got.geom_type == "MultiPolygon").all()


# ---------------------------------------------------------------- fields
def test_fields_override_and_alias_priority(tmp_path: Path) -> None:
    src = patches_gdf()
    src["TBBH"] = [f"T{i}" for i in range(4)]
    gpkg = tmp_path / "both.gpkg"
    src.to_file(gpkg)
    with pytest.warns(UserWarning, match="both mean 'patch_id'"):
        default = rsgeo.read_patches(gpkg)
    assert default.index.tolist() == src["JCBH"].tolist()  # JCBH first in the table
    assert default["TBBH"].tolist() == src["TBBH"].tolist()  # kept under its own name
    chosen = rsgeo.read_patches(gpkg, fields={"TBBH": "patch_id"})
    assert chosen.index.tolist() == ["T0", "T1", "T2", "T3"]
    assert "JCBH" in chosen.columns
    by_id_field = rsgeo.read_patches(gpkg, id_field="TBBH")
    assert by_id_field.index.tolist() == ["T0", "T1", "T2", "T3"]
    with pytest.warns(UserWarning, match="both mean"):
        renamed = rsgeo.read_patches(gpkg, fields={"xzmc": "township_name"})  # any case
    assert renamed["township_name"].tolist() == TOWNS


def test_fields_naming_missing_field(tmp_path: Path) -> None:
    gpkg = tmp_path / "p.gpkg"
    patches_gdf().to_file(gpkg)
    with pytest.raises(FieldError) as info:
        rsgeo.read_patches(gpkg, fields={"NOPE": "township_code", "NADA": "note"})
    msg = str(info.value)
    assert "p.gpkg" in msg and "'NOPE'" in msg and "'NADA'" in msg
    assert "available fields: JCBH, XZQDM, XZMC, TBLX, JCMJ" in msg
    with pytest.raises(FieldError, match="NOPE"):
        rsgeo.read_patches(gpkg, id_field="NOPE")


def test_fields_colliding(tmp_path: Path) -> None:
    gpkg = tmp_path / "p.gpkg"
    patches_gdf().to_file(gpkg)
    with pytest.raises(FieldError, match="'township_code'"):
        rsgeo.read_patches(gpkg, fields={"XZMC": "township_code", "TBLX": "township_code"})


def test_no_id_field(tmp_path: Path) -> None:
    gpkg = tmp_path / "noid.gpkg"
    patches_gdf().drop(columns="JCBH").to_file(gpkg)
    with pytest.raises(FieldError, match="id_field=") as info:
        rsgeo.read_patches(gpkg)
    assert "JCBH" in str(info.value) and "XZQDM" in str(info.value)


ALIAS_SECTIONS = [
    ("Change patches (`read_patches`)", "PATCH_FIELDS"),
    ("Reference layers (`read_layer`)", "LAYER_FIELDS"),
    ("Township boundaries", "TOWNSHIP_FIELDS"),
    ("Determinations (Excel/CSV from field verification)", "DETERMINATION_FIELDS"),
    ("Manual flags of criteria 2 and 5", "MANUAL_FLAG_FIELDS"),
]


def render_alias_tables() -> str:
    out = []
    for title, name in ALIAS_SECTIONS:
        out += [
            f"## {title}",
            "",
            f"`rsgeo.schema.fields.{name}`, aliases in order of preference.",
            "",
        ]
        out += ["| canonical name | aliases |", "|---|---|"]
        for canonical, aliases in getattr(F, name).items():
            listed = ", ".join(f"`{a}`" for a in aliases if a != canonical)
            out.append(f"| `{canonical}` | {listed} |")
        out.append("")
    return "\n".join(out)


def test_docs_list_every_alias(repo_root: Path) -> None:
    """docs/fields.md shows the alias tables of rsgeo/schema/fields.py, every alias
    under its canonical name (rewrite with RSGEO_UPDATE_DOCS=1)."""
    path = repo_root / "docs" / "fields.md"
    doc = path.read_text(encoding="utf-8")
    begin = doc.index("-->", doc.index("<!-- BEGIN ALIAS TABLES")) + len("-->\n")
    end = doc.index("<!-- END ALIAS TABLES -->")
    if os.environ.get("RSGEO_UPDATE_DOCS") == "1":
        doc = doc[:begin] + render_alias_tables() + doc[end:]
        path.write_text(doc, encoding="utf-8")
        end = doc.index("<!-- END ALIAS TABLES -->")
    rows: dict[str, str] = {}
    for line in doc[begin:end].splitlines():
        m = re.match(r"\| `([a-z0-9_]+)` \| (.*) \|$", line)
        if m:
            rows[m.group(1)] = rows.get(m.group(1), "") + " " + m.group(2)
    missing = []
    for _, name in ALIAS_SECTIONS:
        for canonical, aliases in getattr(F, name).items():
            missing += [
                f"{canonical}: {a}"
                for a in aliases
                if a != canonical and f"`{a}`" not in rows.get(canonical, "")
            ]
            if canonical not in rows:
                missing.append(canonical)
    assert not missing, (
        f"docs/fields.md lacks {missing}; rewrite its tables with "
        "RSGEO_UPDATE_DOCS=1 python -m pytest tests/io/test_reading.py -k docs"
    )
    assert doc[begin:end] == render_alias_tables(), (
        "docs/fields.md differs from rsgeo/schema/fields.py"
    )


# ---------------------------------------------------------------- ids
def test_duplicate_and_missing_ids_in_one_error(tmp_path: Path) -> None:
    src = patches_gdf(6)
    src["JCBH"] = ["A1", "A2", "A1", None, "A2", " "]
    gpkg = tmp_path / "dup.gpkg"
    src.to_file(gpkg)
    with pytest.raises(DuplicateIdError) as info:
        rsgeo.read_patches(gpkg)
    msg = str(info.value)
    assert "dup.gpkg" in msg
    assert "2 features without an id, at rows 4, 6" in msg
    assert "'A1' appears 2 times, at rows 1, 3" in msg
    assert "'A2' appears 2 times, at rows 2, 5" in msg
    assert isinstance(info.value, ValueError)


def test_integer_ids_are_text(tmp_path: Path) -> None:
    src = patches_gdf(3)
    src["JCBH"] = np.array([7, 8, 450225000123], dtype="int64")
    gpkg = tmp_path / "int.gpkg"
    src.to_file(gpkg)
    got = rsgeo.read_patches(gpkg)
    assert got.index.tolist() == ["7", "8", "450225000123"]
    assert got.index.name == "patch_id"
    assert all(isinstance(i, str) for i in got.index)


def test_ids_are_stripped_text(tmp_path: Path) -> None:
    src = patches_gdf(2)
    src["JCBH"] = [" 0012 ", "0013"]  # leading zeros kept, blanks stripped
    gpkg = tmp_path / "s.gpkg"
    src.to_file(gpkg)
    assert rsgeo.read_patches(gpkg).index.tolist() == ["0012", "0013"]


# ---------------------------------------------------------------- CRS
def test_arcgis_gauss_kruger_prj_plain(tmp_path: Path) -> None:
    shp = write_shp(
        patches_gdf(crs=None), tmp_path / "cm.shp", prj=arcgis_gk_prj(36, prefixed=False)
    )
    got = rsgeo.read_patches(shp)
    assert got.crs.to_epsg() == 4545
    assert "Gauss-Krüger parameters" in report_of(got).crs_source


def test_arcgis_gauss_kruger_prj_zone_prefixed(tmp_path: Path) -> None:
    src = patches_gdf(crs=None, x0=36_000_000 + X0)  # 8-digit eastings
    shp = write_shp(src, tmp_path / "zone.shp", prj=arcgis_gk_prj(36, prefixed=True))
    got = rsgeo.read_patches(shp)
    assert got.crs.to_epsg() == 4524
    assert report_of(got).crs == "EPSG:4524"
    # the same ground as the plain-easting patches: reprojecting agrees
    back = got.to_crs(4545).geometry.iloc[0]
    assert back.bounds == pytest.approx((X0, Y0, X0 + 10, Y0 + 10), abs=1e-6)


def test_prefixed_eastings_with_plain_prj_is_an_error(tmp_path: Path) -> None:
    src = patches_gdf(crs=None, x0=36_000_000 + X0)
    shp = write_shp(src, tmp_path / "bad.shp", prj=arcgis_gk_prj(36, prefixed=False))
    with pytest.raises(CRSError) as info:
        rsgeo.read_patches(shp)
    msg = str(info.value)
    assert "bad.shp" in msg and "EPSG:4545" in msg and "crs='EPSG:4524'" in msg
    # the fix the message gives works: crs= wins over a .prj that does not fit
    with pytest.warns(UserWarning, match="does not fit"):
        fixed = rsgeo.read_patches(shp, crs="EPSG:4524")
    assert fixed.crs.to_epsg() == 4524


def test_geographic_declared_projected_found(tmp_path: Path) -> None:
    src = patches_gdf()
    gpkg = tmp_path / "geo.gpkg"
    src.set_crs(4490, allow_override=True).to_file(gpkg)
    with pytest.raises(CRSError) as info:
        rsgeo.read_patches(gpkg)
    msg = str(info.value)
    assert "geo.gpkg" in msg and "EPSG:4490" in msg and "6 digits" in msg


def test_missing_crs(tmp_path: Path) -> None:
    shp = write_shp(patches_gdf(crs=None), tmp_path / "noprj.shp", prj=None)
    assert not shp.with_suffix(".prj").exists()
    with pytest.raises(CRSError) as info:
        rsgeo.read_patches(shp)
    msg = str(info.value)
    assert "noprj.shp" in msg and "no .prj" in msg and "crs=" in msg
    got = rsgeo.read_patches(shp, crs="EPSG:4545")
    assert got.crs.to_epsg() == 4545
    assert report_of(got).crs_source.startswith("argument")
    with pytest.raises(CRSError, match="EPSG:4490"):  # degrees given for metres
        rsgeo.read_patches(shp, crs=4490)


def test_crs_argument_must_agree_with_file(tmp_path: Path) -> None:
    shp = write_shp(patches_gdf(), tmp_path / "p.shp")
    assert rsgeo.read_patches(shp, crs=4545).crs.to_epsg() == 4545
    with pytest.raises(CRSError) as info:
        rsgeo.read_patches(shp, crs=4546)
    msg = str(info.value)
    assert "EPSG:4545" in msg and "EPSG:4546" in msg and "to_crs" in msg


def test_unreadable_prj_and_bad_crs_argument(tmp_path: Path) -> None:
    shp = write_shp(patches_gdf(crs=None), tmp_path / "junk.shp", prj="PROJCS[nonsense")
    with pytest.raises(CRSError) as info:
        rsgeo.read_patches(shp)
    assert "junk.shp" in str(info.value) and "nonsense" in str(info.value)
    with pytest.raises(CRSError, match="not a coordinate system"):
        rsgeo.read_patches(shp, crs="EPSG:99999999")


# ---------------------------------------------------------------- geometry
def test_bowtie_repaired_and_reported(tmp_path: Path) -> None:
    src = patches_gdf(3)
    # a bow-tie crossing at its centre: two triangles of 10 x 5 / 2 = 25 m²
    src.loc[1, "geometry"] = Polygon([(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 10, Y0), (X0, Y0 + 10)])
    src.loc[2, "geometry"] = None
    shp = write_shp(src, tmp_path / "bt.shp")
    got = rsgeo.read_patches(shp)
    assert len(got) == 3
    bowtie_id, null_id = src["JCBH"][1], src["JCBH"][2]
    assert got.geometry[bowtie_id].area == pytest.approx(50.0)
    assert got.geometry[null_id].is_empty
    geo = report_of(got).geometry
    assert geo is not None
    assert geo.repaired == [bowtie_id]
    assert geo.empty_input == [null_id]
    assert bowtie_id in report_of(got).summary()
    with pytest.raises(rsgeo.GeometryError, match=bowtie_id):
        rsgeo.read_patches(shp, make_valid=False)


def test_point_layer_is_refused(tmp_path: Path) -> None:
    pts = gpd.GeoDataFrame({"JCBH": ["A"]}, geometry=[Point(X0, Y0)], crs=4545)
    gpkg = tmp_path / "pts.gpkg"
    pts.to_file(gpkg)
    with pytest.raises(InputError, match="Point"):
        rsgeo.read_patches(gpkg)


# ---------------------------------------------------------------- bad input
def test_missing_file(tmp_path: Path) -> None:
    write_shp(patches_gdf(), tmp_path / "real.shp")
    with pytest.raises(DataFileError) as info:
        rsgeo.read_patches(tmp_path / "typo.shp")
    msg = str(info.value)
    assert "typo.shp" in msg and "not found" in msg and "real.shp" in msg
    assert isinstance(info.value, OSError)


def test_unsupported_format(tmp_path: Path) -> None:
    csv = tmp_path / "table.csv"
    csv.write_text("a,b\n1,2\n")
    with pytest.raises(DataFileError) as info:
        rsgeo.read_patches(csv)
    msg = str(info.value)
    assert "table.csv" in msg and "'.csv'" in msg and ".gpkg" in msg


def test_incomplete_shapefile(tmp_path: Path) -> None:
    shp = write_shp(patches_gdf(), tmp_path / "inc.shp")
    shp.with_suffix(".dbf").unlink()
    with pytest.raises(DataFileError, match=r"\.dbf is missing"):
        rsgeo.read_patches(shp)


def test_corrupt_file_is_wrapped(tmp_path: Path) -> None:
    bad = tmp_path / "broken.gpkg"
    bad.write_bytes(b"this is not a geopackage")
    with pytest.raises(DataFileError) as info:
        rsgeo.read_patches(bad)
    assert "broken.gpkg" in str(info.value)
    assert info.value.__cause__ is not None


def test_shapefile_layer_name_checked(tmp_path: Path) -> None:
    shp = write_shp(patches_gdf(), tmp_path / "one.shp")
    assert len(rsgeo.read_patches(shp, layer="one")) == 4
    with pytest.raises(InputError, match="'one'"):
        rsgeo.read_patches(shp, layer="two")


def test_input_files_untouched_and_no_stray_warnings(tmp_path: Path) -> None:
    shp = write_shp(patches_gdf(), tmp_path / "clean.shp")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = rsgeo.read_patches(shp)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert not report_of(got).has_problems
    assert isinstance(got.index, pd.Index) and got.index.name == "patch_id"
    expected = pyproj.CRS.from_epsg(4545)
    assert got.crs.equals(expected)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    names=st.lists(
        st.text(
            alphabet="融水镇和睦三防怀宝洞头大浪永乐四荣香粉安太乡ABC12 ", min_size=1, max_size=12
        )
        .map(str.strip)
        .filter(bool),
        min_size=1,
        max_size=5,
    ),
    encoding=st.sampled_from(["GBK", "UTF-8"]),
    cpg=st.booleans(),
)
def test_text_round_trip(tmp_path: Path, names: list[str], encoding: str, cpg: bool) -> None:
    """Whatever Chinese text is written, in GBK or UTF-8, with or without a
    .cpg, it reads back unchanged."""
    src = patches_gdf(len(names))
    src["XZMC"] = names
    shp = write_shp(src, tmp_path / f"rt_{encoding}_{cpg}.shp", encoding=encoding, cpg=cpg)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = rsgeo.read_patches(shp)
    assert got["XZMC"].tolist() == names
    # a short GBK text may also be valid UTF-8: then, and only then, a warning
    assert all("decodes both" in str(w.message) for w in caught)


def test_a_township_layer_with_chinese_headers_is_read(tmp_path: Path) -> None:
    """Before, read_layer left 乡镇代码 as it was (only the patch table knew it)."""
    towns = gpd.GeoDataFrame(
        {"乡镇代码": ["450225101"], "乡镇名称": ["和睦镇"]},
        geometry=[box(109.0, 25.0, 109.1, 25.1)],
        crs=4490,
    )
    towns.to_file(tmp_path / "乡镇.gpkg", driver="GPKG")
    layer = rsgeo.read_layer(tmp_path / "乡镇.gpkg")
    assert layer[["township_code", "township_name"]].values.tolist() == [["450225101", "和睦镇"]]
