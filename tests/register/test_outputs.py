"""What the register gives out: blacklist, reconciliation, exports, the file GDAL opens, the CLI.

The references are computed another way: the blacklist from the raw
determination tables with pandas, the reconciliation by hand on crafted
patches, the export and the register file read back by GDAL (pyogrio).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import box

from rsgeo.cli import main
from rsgeo.errors import RegisterError
from rsgeo.register import Register
from rsgeo.schema.register_words import BLACKLIST_HEADERS, EXPORT_LAYOUTS

from .year import BATCHES, DATA, SPLIT_PATCH, TABLES, batch_patches, fill_register, parts_table

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
DAY = "2021-06-30"


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("outputs") / "台账.gpkg"
    with Register.create(path, crs=4524) as reg:
        fill_register(reg)
    return path


def _raw_year() -> pd.DataFrame:
    """The year's determinations from the raw tables: the later table wins, the split
    patch replaced by its parts, patches on military land left out."""
    frames = []
    for path, _ in TABLES:
        raw = pd.read_excel(DATA / path, header=None, dtype=object)
        body = raw.iloc[1:].set_axis(raw.iloc[0].tolist(), axis=1)
        frames.append(body)
    allrows = pd.concat(frames)
    allrows["监测编号"] = allrows["监测编号"].astype(str)
    allrows = allrows.drop_duplicates("监测编号", keep="last")
    allrows = allrows[allrows["监测编号"] != SPLIT_PATCH]
    allrows = pd.concat([allrows, parts_table()])
    military = set()
    for _, path, _ in BATCHES:
        g = gpd.read_file(DATA / path, encoding="gbk" if path.endswith(".shp") else None)
        military |= set(g.loc[g["SFJY"].astype(str) == "是", "JCBH"].astype(str))
    return allrows[~allrows["监测编号"].isin(military)]


def test_blacklist_counts_match_the_raw_tables(year: Path, tmp_path: Path) -> None:
    raw = _raw_year()
    illegal = raw[(raw["判定结果"] == "违法") & raw["责任主体"].notna()]
    expected_n = illegal.groupby("责任主体").size()
    area = pd.to_numeric(illegal["违法面积（平方米）"], errors="coerce").fillna(0.0)
    expected_mu = area.groupby(illegal["责任主体"]).sum() * 15 / 10000
    with Register(year) as reg:
        table = reg.blacklist(DAY, min_patches=20, min_area_mu=None, min_batches=None)
        path = reg.write_blacklist(tmp_path / "黑名单.xlsx", DAY)
    assert table["n_patches"].sort_index().to_dict() == expected_n.sort_index().to_dict()
    pd.testing.assert_series_equal(
        table["illegal_area_mu"].sort_index(),
        expected_mu.sort_index().rename("illegal_area_mu"),
        check_names=False,
        check_index_type=False,
        rtol=1e-12,
    )
    assert set(table.index[table["listed"]]) == set(expected_n.index[expected_n >= 20])
    # the workbook: Chinese headers, one row per listed party (default criteria)
    ws = openpyxl.load_workbook(path).worksheets[0]
    rows = [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]
    header_row = next(
        i for i, r in enumerate(rows) if r[0] == BLACKLIST_HEADERS["responsible_party"]
    )
    assert list(rows[header_row][: len(BLACKLIST_HEADERS)]) == list(BLACKLIST_HEADERS.values())
    with Register(year) as reg:
        listed = reg.blacklist(DAY)
    names = [r[0] for r in rows[header_row + 1 :] if r[0] in set(listed.index)]
    assert sorted(names) == sorted(listed.index[listed["listed"]])


def _crafted(target: str) -> Register:
    x, y = 36_500_000, 2_770_000
    ids = ["a", "b", "c", "d", "e"]
    gdf = gpd.GeoDataFrame(
        {"change_type": ["20"] * 5},
        geometry=[box(x + 100 * i, y, x + 100 * i + 50, y + 40) for i in range(5)],
        index=pd.Index(ids, name="patch_id"),
        crs=4524,
    )
    reg = Register.create(target, crs=4524)
    reg.ingest(gdf, batch="2026M01", delivered_on="2026-01-10")
    reg.split(
        "e",
        {"e-1": box(x + 400, y, x + 420, y + 40), "e-2": box(x + 420, y, x + 450, y + 40)},
        on="2026-01-20",
    )
    reg.determine(
        pd.DataFrame(
            {
                "监测编号": ["a", "b", "c", "d", "e-1", "e-2"],
                "判定结果": ["违法", "违法", "违法", "违法", "违法", "合法"],
                "整改方式": ["拆除复耕", "补办手续", "没收", "未整改", "未整改", None],
                "整改日期": ["2026-02-01", "2026-02-01", "2026-02-01", None, "2026-02-03", None],
                "整改面积（平方米）": [2000, 2000, 2000, None, 600, None],
            }
        ),
        on="2026-01-25",
    )
    return reg


def test_reconciliation_names_every_break(tmp_path: Path) -> None:
    with _crafted(str(tmp_path / "r.gpkg")) as reg:
        rec = reg.reconcile("2026-03-01").loc["2026M01"]
        before = reg.reconcile("2026-01-31").loc["2026M01"]
    # by hand: a, b, c, d, e delivered; e split in two; 违法 a, b, c, d, e-1
    assert (rec["delivered"], rec["split"], rec["parts"], rec["verified"]) == (5, 1, 2, 6)
    assert rec["illegal"] == 5
    # e-1 says 未整改 but has a rectification date: in both 已整改 and 未整改, and its
    # "method" is neither 拆除 nor 补办, like c's 没收
    assert (rec["demolished"], rec["permits"], rec["other_rectified"]) == (1, 1, 2)
    assert (rec["rectified"], rec["unrectified"]) == (4, 2)
    assert "总 ≠ 已整改 + 未整改" in rec["breaks"] and "e-1" in rec["breaks"]
    assert "已整改 ≠ 拆除 + 补办" in rec["breaks"] and "c" in rec["breaks"]
    assert "核实后" not in rec["breaks"]
    # before the rectifications, every illegal patch is unrectified and nothing breaks
    assert (before["rectified"], before["unrectified"], before["breaks"]) == (0, 5, "")


def test_export_in_both_layouts_read_back_by_gdal(year: Path, tmp_path: Path) -> None:
    with Register(year) as reg:
        p2020 = reg.export("2020Q2", tmp_path / "q2_2020.gpkg", layout="2020", as_of=DAY)
        p2026 = reg.export("2020Q2", tmp_path / "q2_2026.gpkg", layout="2026", as_of=DAY)
    raw = gpd.read_file(DATA / BATCHES[1][1])
    plain_ids = set(raw.loc[raw["SFJY"].astype(str) != "是", "JCBH"].astype(str))
    a = pyogrio.read_dataframe(p2020)
    assert list(a.columns[:-1]) == [f for f, _ in EXPORT_LAYOUTS["2020"]]
    assert set(a["JCBH"]) == plain_ids
    t2 = pd.read_excel(DATA / TABLES[1][0], header=None, dtype=object)
    t2 = t2.iloc[1:].set_axis(t2.iloc[0].tolist(), axis=1).set_index("监测编号")
    t2.index = t2.index.astype(str)
    got = a.set_index("JCBH")["PDJG"]
    keep = [i for i in got.index if i != SPLIT_PATCH]
    assert got[keep].tolist() == t2.loc[keep, "判定结果"].tolist()
    b = pyogrio.read_dataframe(p2026)
    assert list(b.columns[:-1]) == [f for f, _ in EXPORT_LAYOUTS["2026"]]
    assert set(b["线索编号"]) == (plain_ids - {SPLIT_PATCH}) | {
        f"{SPLIT_PATCH}-1",
        f"{SPLIT_PATCH}-2",
    }
    assert set(b.loc[b["原线索编号"].notna(), "原线索编号"]) == {SPLIT_PATCH}


def test_gdal_opens_the_register_as_a_geopackage(year: Path) -> None:
    layers = dict(pyogrio.list_layers(year))
    assert {"patches", "parts", "events", "batches"} <= set(layers)
    info = pyogrio.read_info(year, layer="patches")
    assert info["crs"] == "EPSG:4524"
    assert info["features"] == sum(len(gpd.read_file(DATA / p)) for _, p, _ in BATCHES)
    q2 = pyogrio.read_dataframe(year, layer="patches", where="batch = '2020Q2'")
    # what the reader gave (repairs included) is what GDAL reads back, to the last bit
    read = batch_patches(BATCHES[1][1])
    got = q2.set_index("patch_id").geometry
    assert got.geom_equals_exact(read.geometry.reindex(got.index), 0).all()
    parts = pyogrio.read_dataframe(year, layer="parts")
    assert sorted(parts["part_id"]) == [f"{SPLIT_PATCH}-1", f"{SPLIT_PATCH}-2"]


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reg = str(tmp_path / "台账.gpkg")
    q1 = str(DATA / BATCHES[0][1])
    assert main(["register", "create", reg, "--crs", "4524", "--user", "张三"]) == 0
    ingest = ["register", "ingest", reg, q1, "--batch", "2020Q1", "--delivered", "2020-04-05"]
    assert main([*ingest, "--user", "李四"]) == 0
    # the same file again: refused, exit code 3, nothing written
    assert (
        main(["register", "ingest", reg, q1, "--batch", "again", "--delivered", "2020-04-06"]) == 3
    )
    table = str(DATA / TABLES[0][0])
    assert main(["register", "determine", reg, table, "--on", "2020-03-01"]) == 3  # before delivery
    assert main(["register", "determine", reg, table, "--on", "2020-06-30"]) == 0
    assert main(["register", "close", reg, "450225202010001", "--on", "2020-07-01"]) == 0
    out = tmp_path / "state.csv"
    assert main(["register", "state", reg, "--as-of", "2020-12-31", "--out", str(out)]) == 0
    state = pd.read_csv(out, dtype=str, encoding="utf-8-sig").set_index("patch_id")
    assert state.loc["450225202010001", "closed_on"] == "2020-07-01"
    assert len(state) == len(gpd.read_file(q1, encoding="gbk"))
    capsys.readouterr()
    assert main(["register", "history", reg, "450225202010001"]) == 0
    shown = capsys.readouterr().out
    assert "deliver" in shown and "determine" in shown and "close" in shown
    with Register(reg) as r:
        events = r.events()
    assert set(events.loc[events["kind"] == "deliver", "recorded_by"]) == {"李四"}


def test_patches_on_military_land_stay_sealed(year: Path) -> None:
    military = set()
    for _, path, _ in BATCHES:
        g = gpd.read_file(DATA / path, encoding="gbk" if path.endswith(".shp") else None)
        military |= set(g.loc[g["SFJY"].astype(str) == "是", "JCBH"].astype(str))
    assert military  # the sample has some (marked in SFJY; other markings are not counted here)
    some = sorted(military)[0]
    with Register(year) as reg:
        state = reg.state(DAY)
        assert not military & set(state.index)
        assert military <= set(reg.state(DAY, sealed=True).index)
        with pytest.raises(RegisterError, match="sealed"):
            reg.history(some)
        assert len(reg.history(some, sealed=True))
        rec = reg.reconcile(DAY)
        every = set()
        for _, path, _ in BATCHES:
            every |= set(gpd.read_file(DATA / path)["JCBH"].astype(str))
        assert int(rec["delivered"].sum()) == len(every - military)
        assert not military & set(reg.blacklist(DAY)["patch_ids"].str.split("; ").explode())


def test_command_line_stats_as_of_a_day(year: Path, tmp_path: Path) -> None:
    from rsgeo.job import load_job
    from rsgeo.pipeline import run_job

    from .year import register_job

    day = pd.Timestamp("2020-09-30").date()
    job = register_job(tmp_path, str(year), pd.Timestamp("2021-06-30").date())
    out = tmp_path / "stats.csv"
    assert (
        main(["register", "stats", str(job), "--as-of", "2020-09-30", "--quiet", "--out", str(out)])
        == 0
    )
    got = pd.read_csv(out, encoding="utf-8-sig", dtype={"township_code": str})
    expected = run_job(load_job(register_job(tmp_path, str(year), day)), tmp_path / "o").stats
    assert got["township_code"].tolist() == [str(i) for i in expected.index]
    assert got["n_patches"].tolist() == expected["n_patches"].tolist()
