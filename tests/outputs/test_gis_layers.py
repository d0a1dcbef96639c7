"""The result layers: read back with GDAL (pyogrio) and byte by byte from the DBF.

References: the patches CSV of the same run (what the layer must hold), GDAL
reading the GeoPackage and the shapefiles, a DBF reader written here from the
dBASE format (field names and GBK text as bytes), pyproj reading the .prj.
"""

from __future__ import annotations

import csv
import struct
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, box

from rsgeo.errors import OutputExistsError
from rsgeo.outputs.gis_layers import (
    DBF_NAME_BYTES,
    _cut,
    _for_dbf,
    shapefile_names,
    write_result_layers,
)
from rsgeo.schema.layer_fields import LAYER_FILE_NAMES

PATCHES, PIECES = LAYER_FILE_NAMES["patches"], LAYER_FILE_NAMES["pieces"]
MU = 10000.0 / 15.0  # m² per 亩, written here independently of rsgeo


def read_dbf(path: Path) -> tuple[list[bytes], list[list[bytes]]]:
    """Field names (raw bytes) and records (raw bytes per field) of a dBASE III file."""
    data = path.read_bytes()
    n_records, header_len, record_len = struct.unpack("<IHH", data[4:12])
    names, widths = [], []
    pos = 32
    while data[pos] != 0x0D:
        desc = data[pos : pos + 32]
        names.append(desc[:11].split(b"\x00")[0])
        widths.append(desc[16])
        pos += 32
    records = []
    for i in range(n_records):
        rec = data[header_len + i * record_len : header_len + (i + 1) * record_len]
        fields, at = [], 1  # byte 0 is the deletion flag
        for w in widths:
            fields.append(rec[at : at + w])
            at += w
        records.append(fields)
    return names, records


@pytest.fixture(scope="module")
def run(small_run: Path) -> dict[str, object]:
    gis = small_run / LAYER_FILE_NAMES["folder"]
    csv_patches = pd.read_csv(
        small_run / "csv" / "patches.csv", encoding="utf-8-sig", dtype={"patch_id": str}
    ).set_index("patch_id")
    with (gis / LAYER_FILE_NAMES["field_table"]).open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    return {"gis": gis, "csv": csv_patches, "table": table}


def test_every_ordinary_patch_once_with_the_csv_areas(run: dict[str, object]) -> None:
    gis, expected = run["gis"], run["csv"]
    assert isinstance(gis, Path) and isinstance(expected, pd.DataFrame)
    gpkg = pyogrio.read_dataframe(gis / LAYER_FILE_NAMES["gpkg"], layer=PATCHES)
    shp = pyogrio.read_dataframe(gis / f"{PATCHES}.shp")
    assert len(expected) == 23  # 24 patches, one of them military land
    for layer, id_col, area_col in ((gpkg, "patch_id", "area_m2"), (shp, "JCBH", "area_m2")):
        ids = layer[id_col].astype(str)
        assert ids.is_unique
        assert sorted(ids) == sorted(expected.index)
        areas = layer.set_index(ids)[area_col].reindex(expected.index)
        np.testing.assert_allclose(areas, expected["area_m2"], rtol=1e-12)
        mu = layer.set_index(ids)[area_col.replace("_m2", "_mu")].reindex(expected.index)
        np.testing.assert_allclose(mu, expected["area_m2"] / MU, rtol=1e-12)
    # the shapes are those of the run, in its Gauss-Krüger CRS
    assert gpkg.crs.to_epsg() == shp.crs.to_epsg() == 4545
    np.testing.assert_allclose(
        shp.set_index("JCBH").geometry.area.reindex(expected.index),
        gpkg.set_index("patch_id").geometry.area.reindex(expected.index),
    )


def test_chinese_text_intact_through_gdal_and_in_the_dbf_bytes(run: dict[str, object]) -> None:
    gis, expected = run["gis"], run["csv"]
    assert isinstance(gis, Path) and isinstance(expected, pd.DataFrame)
    assert (gis / f"{PATCHES}.cpg").read_text() == "GBK"
    assert (gis / f"{PIECES}.cpg").read_text() == "GBK"
    shp = pyogrio.read_dataframe(gis / f"{PATCHES}.shp").set_index("JCBH")
    gpkg = pyogrio.read_dataframe(gis / LAYER_FILE_NAMES["gpkg"], layer=PATCHES)
    gpkg = gpkg.set_index("patch_id")
    for full, short in (("township_name", "XZQMC"), ("suggested_class", "sug_class")):
        want = expected[full].reindex(shp.index)
        assert want.str.contains(r"[\u4e00-\u9fff]").all()
        assert shp[short].tolist() == want.tolist()
        assert gpkg[full].reindex(shp.index).tolist() == want.tolist()
    # the bytes in the DBF are GBK, read without GDAL
    names, records = read_dbf(gis / f"{PATCHES}.dbf")
    at = {n.decode("ascii"): i for i, n in enumerate(names)}
    towns = {
        r[at["JCBH"]].decode("gbk").strip(): r[at["XZQMC"]].decode("gbk").strip() for r in records
    }
    assert towns == expected["township_name"].to_dict()


def test_field_table_maps_every_short_name_to_its_column(run: dict[str, object]) -> None:
    gis, table = run["gis"], run["table"]
    assert isinstance(gis, Path) and isinstance(table, list)
    header, rows = table[0], table[1:]
    assert header == ["图层", "短字段名", "完整字段名", "中文名称", "单位", "说明"]
    notes = {(r[0], r[2]): r[5] for r in rows}
    for layer in (PATCHES, PIECES):
        mapping = {r[1]: r[2] for r in rows if r[0] == layer}
        names, _ = read_dbf(gis / f"{layer}.dbf")
        shorts = [n.decode("gbk") for n in names]
        assert shorts == list(mapping)  # the table lists the DBF's fields, in order
        assert all(len(n) <= DBF_NAME_BYTES for n in names)
        assert len({s.casefold() for s in shorts}) == len(shorts)
        shp = pyogrio.read_dataframe(gis / f"{layer}.shp", read_geometry=False)
        gpkg = pyogrio.read_dataframe(gis / LAYER_FILE_NAMES["gpkg"], layer=layer)
        assert list(mapping.values()) == [c for c in gpkg.columns if c != "geometry"]
        for short, full in mapping.items():  # same values under the short name
            a, b = shp[short], gpkg[full]
            if pd.api.types.is_float_dtype(b):
                np.testing.assert_allclose(a.astype(float), b, rtol=1e-12, equal_nan=True)
            elif pd.api.types.is_datetime64_any_dtype(b):  # dates as text in the DBF
                assert a.fillna("").tolist() == b.dt.strftime("%Y-%m-%d").fillna("").tolist()
            else:
                pairs = zip(a.fillna("").astype(str), b.fillna("").astype(str), strict=True)
                cut = [(x, y) for x, y in pairs if x != y]
                # only text cut to the DBF's 254 bytes differs, and the table says so
                assert all(x.endswith("…") and y.startswith(x[:-1]) for x, y in cut), full
                assert not cut or notes[(layer, full)], full
    units = {r[2]: r[4] for r in rows if r[0] == PATCHES}
    labels = {r[2]: r[3] for r in rows if r[0] == PATCHES}
    assert units["area_m2"] == "平方米" and units["area_mu"] == "亩"
    assert labels["patch_id"] == "监测编号" and labels["township_name"] == "乡镇"


def test_pieces_add_up_to_each_patch_and_carry_townships(run: dict[str, object]) -> None:
    gis, expected = run["gis"], run["csv"]
    assert isinstance(gis, Path) and isinstance(expected, pd.DataFrame)
    for pieces, id_col, town in (
        (
            pyogrio.read_dataframe(gis / LAYER_FILE_NAMES["gpkg"], layer=PIECES),
            "patch_id",
            "township_name",
        ),
        (pyogrio.read_dataframe(gis / f"{PIECES}.shp"), "JCBH", "XZQMC"),
    ):
        assert set(pieces[id_col].astype(str)) == set(expected.index)
        sums = pieces.groupby(pieces[id_col].astype(str))["area_m2"].sum()
        counts = pieces.groupby(pieces[id_col].astype(str)).size()
        # slivers under min_piece_m2 (0.01 m²) are the only area a piece may lose
        gap = (expected["area_m2"] - sums.reindex(expected.index)).abs()
        assert (gap <= 0.01 * counts.reindex(expected.index) + 1e-6).all()
        assert pieces[town].str.contains(r"[\u4e00-\u9fff]").all()
        # each piece's shape lies in its patch, its area is its own
        assert (pieces.geometry.area > 0).all()


def test_the_prj_is_the_esri_gauss_kruger_arcgis_reads(run: dict[str, object]) -> None:
    gis = run["gis"]
    assert isinstance(gis, Path)
    prj = (gis / f"{PATCHES}.prj").read_text()
    assert prj.startswith('PROJCS["CGCS2000_3_Degree_GK_CM_108E"')
    assert 'PROJECTION["Gauss_Kruger"]' in prj and 'DATUM["D_China_2000"' in prj
    read = pyproj.CRS.from_wkt(prj)
    assert read.to_epsg(min_confidence=70) == 4545
    lonlat = [(108.0, 25.1), (109.4, 25.3)]
    xy = [
        [pyproj.Transformer.from_crs(4490, crs, always_xy=True).transform(*p) for p in lonlat]
        for crs in (read, pyproj.CRS.from_epsg(4545))
    ]
    np.testing.assert_allclose(xy[0], xy[1], atol=1e-6)
    assert xy[0][0][0] == pytest.approx(500_000.0, abs=1e-6)  # the central meridian 108°E


def test_sealed_patches_are_in_no_layer(small_job: Path, small_run: Path) -> None:
    from rsgeo.io.reading import read_patches
    from rsgeo.schema.military import is_military

    patches = read_patches(small_job.parent / "patches.gpkg")
    sealed = patches.index[is_military(patches).to_numpy()]
    assert len(sealed) == 1
    sealed_id = str(sealed[0])
    gis = small_run / LAYER_FILE_NAMES["folder"]
    for path in gis.iterdir():
        raw = path.read_bytes()
        assert sealed_id.encode("gbk") not in raw and sealed_id.encode("utf-8") not in raw, path
    for layer in (PATCHES, PIECES):
        ids = pyogrio.read_dataframe(gis / LAYER_FILE_NAMES["gpkg"], layer=layer)["patch_id"]
        assert sealed_id not in set(ids.astype(str))


# --------------------------------------------------------------------------- crafted tables


def _crafted(n: int = 3) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame]:
    ids = [f"P{i}" for i in range(n)] + ["JY-1"]
    geoms = [MultiPolygon([box(i * 100, 0, i * 100 + 50, 40)]) for i in range(n + 1)]
    reason = "图斑位于批准用地范围外且占用永久基本农田，" * 12  # > 254 bytes in GBK
    result = gpd.GeoDataFrame(
        {
            "township_code": ["450225101"] * (n + 1),
            "township_name": ["融水镇"] * n + ["和睦镇"],
            "area_m2": [2000.0] * (n + 1),
            "suggested_reason": [reason] + ["短"] * n,
            "actual_use": ["𠮷祥村"] + [None] * n,  # 𠮷 is not in GBK
            "rectification_date": pd.to_datetime(["2020-11-03"] + [None] * n),
            "flag_military": [False] * n + [True],
        },
        geometry=geoms,
        index=pd.Index(ids, name="patch_id"),
        crs=4545,
    )
    pieces = gpd.GeoDataFrame(
        {"township_name": result["township_name"].to_numpy(), "area_m2": [2000.0] * (n + 1)},
        geometry=geoms,
        index=pd.MultiIndex.from_arrays(
            [ids, ["450225101"] * (n + 1)], names=["patch_id", "township_code"]
        ),
        crs=4545,
    )
    figures = pd.DataFrame(
        {
            "counted_illegal_area_m2": 0.0,
            "counted_illegal_farmland_m2": 0.0,
            "deducted_share": 0.0,
            "is_deducted": False,
        },
        index=result.index,
    )
    return result, pieces, figures


def test_long_text_dates_and_characters_outside_gbk(tmp_path: Path) -> None:
    result, pieces, figures = _crafted()
    paths = write_result_layers(result, pieces, tmp_path / "gis", figures=figures)
    shp = pyogrio.read_dataframe(paths["patches_shp"]).set_index("JCBH")
    assert list(shp.index) == ["P0", "P1", "P2"]  # JY-1 is military land
    cut = shp.loc["P0", "sug_reason"]
    assert cut.endswith("…") and len(cut.encode("gbk")) <= 254
    assert result.loc["P0", "suggested_reason"].startswith(cut[:-1])
    assert shp.loc["P0", "actual_use"] == "?祥村"
    assert shp.loc["P0", "rect_date"] == "2020-11-03"
    gpkg = pyogrio.read_dataframe(paths["gpkg"], layer=PATCHES).set_index("patch_id")
    assert gpkg.loc["P0", "suggested_reason"] == result.loc["P0", "suggested_reason"]
    assert gpkg.loc["P0", "actual_use"] == "𠮷祥村"
    with paths["field_table"].open(encoding="utf-8-sig") as fh:
        notes = {r[2]: r[5] for r in csv.reader(fh)}
    assert "254" in notes["suggested_reason"] and notes["actual_use"] == ""
    with pytest.raises(OutputExistsError):
        write_result_layers(result, pieces, tmp_path / "gis", figures=figures)
    again = write_result_layers(
        result.iloc[:2], pieces.iloc[:2], tmp_path / "gis", figures=figures, overwrite=True
    )
    assert len(pyogrio.read_dataframe(again["patches_shp"])) == 2


def test_empty_layers_are_written(tmp_path: Path) -> None:
    result, pieces, figures = _crafted()
    only_sealed = result.iloc[-1:]
    paths = write_result_layers(only_sealed, pieces.iloc[-1:], tmp_path, figures=figures)
    assert pyogrio.read_info(paths["patches_shp"])["features"] == 0
    assert pyogrio.read_info(paths["gpkg"], layer=PIECES)["features"] == 0


def test_short_names_of_fields_rsgeo_does_not_know() -> None:
    names = shapefile_names(
        ["patch_id", "JCBH", "jcbh", "123abc", "权属单位名称", "a权属单位名", "a b"]
    )
    assert names["patch_id"] == "JCBH"  # the known column keeps the ministry's code
    assert names["JCBH"] == "JCBH_2" and names["jcbh"] == "jcbh_3"
    assert names["123abc"] == "F123abc"
    assert names["权属单位名称"] == "权属单位名"  # 12 bytes in GBK cut to 10
    assert names["a权属单位名"] == "a权属单位"  # 11 bytes: 9, as half a character does not fit
    assert names["a b"] == "a_b"
    # a Chinese character GBK lacks cannot be a field name's: it becomes "_" like others
    assert shapefile_names(["龦", "长龦度"]) == {"龦": "F_", "长龦度": "长_度"}


@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=40, unique=True))
def test_short_names_fit_the_dbf_and_are_unique(columns: list[str]) -> None:
    names = shapefile_names(columns)
    assert list(names) == columns
    shorts = list(names.values())
    assert all(0 < len(s.encode("gbk")) <= DBF_NAME_BYTES for s in shorts)
    assert len({s.casefold() for s in shorts}) == len(shorts)


@given(
    st.text(alphabet="ab1 融水镇苗族自治县…—·𠮷é", max_size=40),
    st.integers(min_value=0, max_value=30),
)
def test_a_text_is_cut_at_a_character_within_its_gbk_bytes(text: str, limit: int) -> None:
    # the reference: characters taken one by one while the GBK bytes fit
    # (a character GBK lacks is written as "?", one byte)
    expected = ""
    for ch in text:
        if len((expected + ch).encode("gbk", errors="replace")) > limit:
            break
        expected += ch
    assert _cut(text, limit) == expected


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(alphabet="ab1 融水镇苗族自治县…—·𠮷é", max_size=140),
            st.integers(min_value=-5, max_value=5),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_a_dbf_text_column_is_what_each_cell_gives_alone(cells: list[object]) -> None:
    # the reference, cell by cell: replaced outside GBK ("?", one byte), cut with "…"
    # to 254 GBK bytes; the column's one-encode path must give the same cells
    def alone(value: object) -> object:
        if not isinstance(value, str):
            return value
        text = value.encode("gbk", errors="replace").decode("gbk")
        if len(text.encode("gbk")) <= 254:
            return text
        kept = ""
        for ch in text:
            if len((kept + ch).encode("gbk")) > 254 - len("…".encode("gbk")):
                break
            kept += ch
        return kept + "…"

    layer = gpd.GeoDataFrame(
        {"text": pd.Series(cells, dtype=object)}, geometry=[box(0, 0, 1, 1)] * len(cells)
    )
    out, _ = _for_dbf(layer.copy())
    assert out["text"].tolist() == [alone(c) for c in cells]


# --------------------------------------------------------------------------- Arrow


def _dbf_fields(path: Path) -> list[tuple[bytes, str, int, int]]:
    """Each DBF field descriptor: name, type, length, decimals (dBASE III header)."""
    data = path.read_bytes()
    fields, pos = [], 32
    while data[pos] != 0x0D:
        desc = data[pos : pos + 32]
        fields.append((desc[:11].split(b"\x00")[0], chr(desc[11]), desc[16], desc[17]))
        pos += 32
    return fields


def test_arrow_writes_the_layers_the_row_by_row_writer_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through Arrow (the GeoPackage) and without it, GDAL reads the same layers: fields,
    types, CRS, features, attributes, geometries; the DBF bytes are the same."""
    pytest.importorskip("pyarrow")
    import rsgeo.outputs.gis_layers as gis_layers

    result, pieces, figures = _crafted(40)
    arrow = write_result_layers(result, pieces, tmp_path / "arrow", figures=figures)
    monkeypatch.setattr(gis_layers, "_arrow", lambda: False)
    rows = write_result_layers(result, pieces, tmp_path / "rows", figures=figures)
    for key in ("gpkg", "patches_shp", "pieces_shp"):
        for layer in [n for n, _ in pyogrio.list_layers(arrow[key])]:
            a = pyogrio.read_info(arrow[key], layer=layer)
            b = pyogrio.read_info(rows[key], layer=layer)
            assert list(a["fields"]) == list(b["fields"]), (key, layer)
            assert list(a["dtypes"]) == list(b["dtypes"]), (key, layer)
            assert (a["crs"], a["features"], a["geometry_type"]) == (
                b["crs"],
                b["features"],
                b["geometry_type"],
            )
            da = pyogrio.read_dataframe(arrow[key], layer=layer)
            db = pyogrio.read_dataframe(rows[key], layer=layer)
            assert da.drop(columns="geometry").equals(db.drop(columns="geometry")), (key, layer)
            assert da.geometry.geom_equals_exact(db.geometry, tolerance=0).all()
    for key in ("patches_shp", "pieces_shp"):
        dbf = arrow[key].with_suffix(".dbf")
        assert _dbf_fields(dbf) == _dbf_fields(rows[key].with_suffix(".dbf"))
        assert dbf.read_bytes() == rows[key].with_suffix(".dbf").read_bytes()


def test_text_fields_sized_up_front_give_the_files_gdal_resizes_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each DBF text field made as wide as its longest value gives the files that GDAL's
    own ``RESIZE=YES`` (fields of 80 bytes shrunk at the end) writes: the same DBF
    fields, widths and records, the same .shp, .shx and .prj."""
    import rsgeo.outputs.gis_layers as gis_layers

    result, pieces, figures = _crafted(40)
    result.loc[result.index[3], "suggested_reason"] = None  # a missing text among texts
    sized = write_result_layers(result, pieces, tmp_path / "sized", figures=figures)

    def resized(frame: object, path: Path) -> None:
        pyogrio.write_dataframe(
            frame,
            path,
            driver="ESRI Shapefile",
            encoding=gis_layers.DBF_ENCODING,
            layer_options={"RESIZE": "YES"},
        )

    monkeypatch.setattr(gis_layers, "_write_shapefile", resized)
    ref = write_result_layers(result, pieces, tmp_path / "resized", figures=figures)
    for key in ("patches_shp", "pieces_shp"):
        dbf, ref_dbf = sized[key].with_suffix(".dbf"), ref[key].with_suffix(".dbf")
        fields = _dbf_fields(dbf)
        assert fields == _dbf_fields(ref_dbf)
        # text fields narrower than GDAL's free width of 80: the sizes were set
        assert any(kind == "C" and width < 80 for _, kind, width, _ in fields)
        a, b = dbf.read_bytes(), ref_dbf.read_bytes()
        assert a[0] == b[0] and a[4:] == b[4:]  # bytes 1-3: the date of writing
        for suffix in (".shp", ".shx", ".prj"):
            assert sized[key].with_suffix(suffix).read_bytes() == (
                ref[key].with_suffix(suffix).read_bytes()
            ), (key, suffix)
