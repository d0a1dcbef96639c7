"""Bad input is refused with a clear error, and nothing is written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from rsgeo.errors import RegisterError, RegisterVersionError
from rsgeo.register import Register


def _patches(ids: list[str], x0: float = 0.0) -> gpd.GeoDataFrame:
    geoms = [
        box(36_500_000 + x0 + 100 * i, 2_770_000, 36_500_050 + x0 + 100 * i, 2_770_040)
        for i in range(len(ids))
    ]
    return gpd.GeoDataFrame(
        {"change_type": ["20"] * len(ids)},
        geometry=geoms,
        index=pd.Index(ids, name="patch_id"),
        crs=4524,
    )


def _snapshot(reg: Register) -> tuple[int, int, int]:
    return len(reg.events()), len(reg.batches()), len(reg.patches())


@pytest.fixture
def reg(target: str) -> Register:
    r = Register.create(target, crs=4524, user="审核员")
    r.ingest(_patches(["p1", "p2"]), batch="2020Q1", delivered_on="2020-04-05")
    return r


def test_a_batch_ingested_twice(reg: Register, tmp_path: Path) -> None:
    before = _snapshot(reg)
    with pytest.raises(RegisterError, match="ingested already"):
        reg.ingest(_patches(["p3"]), batch="2020Q1", delivered_on="2020-07-05")
    path = tmp_path / "q2.gpkg"
    _patches(["p3"]).reset_index().rename(columns={"patch_id": "JCBH"}).to_file(path)
    reg.ingest(path, batch="2020Q2", delivered_on="2020-07-05")
    after_q2 = _snapshot(reg)
    with pytest.raises(RegisterError, match="same file"):
        reg.ingest(path, batch="2020Q2 again", delivered_on="2020-07-06")
    assert before != after_q2 == _snapshot(reg)


def test_a_determination_for_an_unknown_patch(reg: Register) -> None:
    before = _snapshot(reg)
    table = pd.DataFrame({"监测编号": ["p1", "nope"], "判定结果": ["违法", "合法"]})
    with pytest.raises(RegisterError, match=r"does not know.*nope"):
        reg.determine(table, on="2020-05-01")
    assert _snapshot(reg) == before
    assert reg.determinations().empty  # not even p1's row


def test_an_event_dated_before_the_patch_was_delivered(reg: Register) -> None:
    before = _snapshot(reg)
    table = pd.DataFrame({"监测编号": ["p1"], "判定结果": ["违法"]})
    with pytest.raises(RegisterError, match=r"dated 2020-03-01, before .*2020-04-05"):
        reg.determine(table, on="2020-03-01")
    rect = pd.DataFrame(
        {
            "监测编号": ["p1"],
            "判定结果": ["违法"],
            "整改方式": ["拆除复耕"],
            "整改日期": ["2020-01-02"],
        }
    )
    with pytest.raises(RegisterError, match="rectification for p1 is dated 2020-01-02"):
        reg.determine(rect, on="2020-05-01")
    with pytest.raises(RegisterError, match="before the patch was delivered"):
        reg.close_patch("p2", on="2020-04-04")
    assert _snapshot(reg) == before


def test_a_split_whose_parts_do_not_cover_the_patch(reg: Register) -> None:
    before = _snapshot(reg)
    x, y = 36_500_000, 2_770_000
    gap = {"p1-1": box(x, y, x + 20, y + 40), "p1-2": box(x + 25, y, x + 50, y + 40)}
    with pytest.raises(RegisterError, match="do not cover"):
        reg.split("p1", gap, on="2020-05-01")
    overlap = {"p1-1": box(x, y, x + 30, y + 40), "p1-2": box(x + 20, y, x + 50, y + 40)}
    with pytest.raises(RegisterError, match="in two parts at once"):
        reg.split("p1", overlap, on="2020-05-01")
    with pytest.raises(RegisterError, match="add up to"):
        reg.split("p1", {"p1-1": 1000.0, "p1-2": 900.0}, on="2020-05-01")
    assert _snapshot(reg) == before
    good = {"p1-1": box(x, y, x + 20, y + 40), "p1-2": box(x + 20, y, x + 50, y + 40)}
    reg.split("p1", good, on="2020-05-01")
    assert sorted(reg.patches().index) == ["p1-1", "p1-2", "p2"]
    assert sorted(reg.patches(as_of="2020-04-30").index) == ["p1", "p2"]


def test_a_patch_closed_twice(reg: Register) -> None:
    reg.close_patch("p1", on="2020-06-01", note="拆除到位")
    before = _snapshot(reg)
    with pytest.raises(RegisterError, match=r"closed .* already on 2020-06-01"):
        reg.close_patch("p1", on="2020-07-01")
    assert _snapshot(reg) == before
    assert reg.state().loc["p1", "closed_on"] == "2020-06-01"


def test_a_register_from_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "新版.gpkg"
    Register.create(path, crs=4524).close()
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    with pytest.raises(RegisterVersionError, match=r"schema version 99.*update rsgeo"):
        Register(path)


def test_history_is_append_only(tmp_path: Path) -> None:
    path = tmp_path / "台账.gpkg"
    reg = Register.create(path, crs=4524)
    reg.ingest(_patches(["p1"]), batch="2020Q1", delivered_on="2020-04-05")
    reg.close()
    con = sqlite3.connect(path)
    for sql in ("UPDATE events SET kind = 'x'", "DELETE FROM patches", "DELETE FROM events"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute(sql)
    con.close()
