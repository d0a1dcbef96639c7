"""Tests of rsgeo.io.evidence: photos of a 国土调查云 evidence package (SQLite, table FJ)."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Transformer
from shapely.geometry import box

from rsgeo.errors import DataFileError, InputError
from rsgeo.io.evidence import match_photos, read_evidence
from rsgeo.options import EvidenceOptions
from rsgeo.schema.labels import EVIDENCE_PROBLEM_LABELS

PIL = pytest.importorskip("PIL")

X0, Y0 = 600_000.0, 2_780_000.0  # EPSG:4545
TO_LONLAT = Transformer.from_crs("EPSG:4545", "EPSG:4490", always_xy=True)


def jpeg(seed: int, size: tuple[int, int] = (64, 48)) -> bytes:
    from PIL import Image

    rng = np.random.default_rng(seed)
    arr = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG")
    return buf.getvalue()


def make_package(path: Path, rows: list[dict[str, object]]) -> Path:
    """An evidence package as the platform writes it: table FJ, and JCTB beside it."""
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE FJ (BSM TEXT, JCBH TEXT, FJMC TEXT, FJ BLOB, PSSJ TEXT, PSJD REAL, "
        "PSRY TEXT, Longitude REAL, Latitude REAL, JYM TEXT)"
    )
    con.execute("CREATE TABLE JCTB (JCBH TEXT, TBLX TEXT, XZQDM TEXT, JCMJ REAL, TBFW TEXT)")
    for r in rows:
        con.execute(
            "INSERT INTO FJ VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                r.get(k)
                for k in ("BSM", "JCBH", "FJMC", "FJ", "PSSJ", "PSJD", "PSRY", "lon", "lat", "JYM")
            ],
        )
    con.commit()
    con.close()
    return path


def at(x: float, y: float) -> dict[str, float]:
    lon, lat = TO_LONLAT.transform(x, y)
    return {"lon": lon, "lat": lat}


def patches() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "patch_id": ["P1", "P2", "JY-1"],
            "flag_military": [False, False, True],
        },
        geometry=[
            box(X0, Y0, X0 + 100, Y0 + 100),
            box(X0 + 300, Y0, X0 + 400, Y0 + 100),
            box(X0 + 600, Y0, X0 + 700, Y0 + 100),
        ],
        crs="EPSG:4545",
    ).set_index("patch_id")


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return make_package(
        tmp_path / "举证包.db",
        [
            {"BSM": "F1", "JCBH": "P1", "FJMC": "远景", "FJ": jpeg(1), "PSJD": 45.0,
             "PSSJ": "2020-11-02 10:15:00", "PSRY": "李四", "JYM": "ab12", **at(X0 - 5000, Y0)},
            {"BSM": "F2", "JCBH": "", "FJMC": "近景", "FJ": jpeg(2), "PSJD": 270.0,
             **at(X0 + 350, Y0 + 50)},
            {"BSM": "F3", "JCBH": None, "FJMC": "路口", "FJ": jpeg(3), **at(X0 + 50, Y0 + 130)},
            {"BSM": "F4", "JCBH": "P2", "FJMC": "坏照片", "FJ": jpeg(4)[:200], **at(X0, Y0)},
            {"BSM": "F5", "JCBH": "", "FJMC": "营区", "FJ": jpeg(5), **at(X0 + 650, Y0 + 50)},
            {"BSM": "F6", "JCBH": "", "FJMC": "无位置", "FJ": jpeg(6)},
        ],
    )  # fmt: skip


def test_read_keeps_every_photo_and_reports_a_corrupt_one(package: Path) -> None:
    photos = read_evidence(package)
    assert photos["photo_id"].tolist() == ["F1", "F2", "F3", "F4", "F5", "F6"]
    problems = dict(zip(photos["photo_id"], photos["problem"], strict=True))
    assert problems["F4"] == EVIDENCE_PROBLEM_LABELS["corrupt"]
    assert {k for k, v in problems.items() if v} == {"F4"}
    f1 = photos.set_index("photo_id").loc["F1"]
    assert f1["data"] == jpeg(1) and f1["format"] == "JPEG"
    assert f1["azimuth_deg"] == 45.0 and f1["photographer"] == "李四" and f1["check_code"] == "ab12"
    assert f1["lon"] == pytest.approx(at(X0 - 5000, Y0)["lon"], abs=1e-12)


def test_match_by_id_then_position(package: Path) -> None:
    m = match_photos(read_evidence(package), patches())
    placed = dict(zip(m.placed["photo_id"], m.placed["matched_patch"], strict=True))
    how = dict(zip(m.placed["photo_id"], m.placed["matched_by"], strict=True))
    # F1 carries P1 though it was taken 5 km away; F2 lies inside P2
    assert placed == {"F1": "P1", "F2": "P2"}
    assert how == {"F1": "id", "F2": "position"}
    reasons = dict(zip(m.unplaced["photo_id"], m.unplaced["reason"], strict=True))
    assert reasons == {
        "F3": EVIDENCE_PROBLEM_LABELS["outside"],
        "F4": EVIDENCE_PROBLEM_LABELS["corrupt"],
        "F6": EVIDENCE_PROBLEM_LABELS["no_position"],
    }
    # the photo inside the military patch is set aside, counted only
    assert m.n_sealed == 1 and "F5" not in set(m.placed["photo_id"]) | set(m.unplaced["photo_id"])


def test_modes_and_distance(package: Path) -> None:
    photos = read_evidence(package)
    by_pos = match_photos(photos, patches(), options=EvidenceOptions(match="position"))
    # by position only, F1 (5 km away) finds no patch
    assert dict(zip(by_pos.placed["photo_id"], by_pos.placed["matched_patch"], strict=True)) == {
        "F2": "P2"
    }
    by_id = match_photos(photos, patches(), options=EvidenceOptions(match="id"))
    assert set(by_id.placed["photo_id"]) == {"F1"}
    # the photo taken on the military patch is set aside in every mode, never listed
    for m in (by_pos, by_id):
        assert m.n_sealed == 1 and "F5" not in set(m.unplaced["photo_id"])
    # F3 stands 30 m north of P1: within 40 m it belongs to P1
    near = match_photos(photos, patches(), options=EvidenceOptions(max_distance_m=40))
    assert near.placed.set_index("photo_id").loc["F3", "matched_patch"] == "P1"
    # a geographic patch table gives the same answer
    geo = match_photos(photos, patches().to_crs("EPSG:4490"))
    assert set(geo.placed["photo_id"]) == {"F1", "F2"}


def test_bad_packages(tmp_path: Path) -> None:
    with pytest.raises(DataFileError):
        read_evidence(tmp_path / "none.db")
    not_db = tmp_path / "x.db"
    not_db.write_bytes(b"not a database at all" * 10)
    with pytest.raises(DataFileError):
        read_evidence(not_db)
    empty = tmp_path / "e.db"
    sqlite3.connect(empty).execute("CREATE TABLE JCTB (JCBH TEXT)").connection.commit()
    with pytest.raises(DataFileError, match="FJ"):
        read_evidence(empty)
    with pytest.raises(InputError, match="allowed"):
        read_evidence(empty, fields={"colour": "X"})
    with pytest.raises(InputError, match="match"):
        EvidenceOptions(match="nearest")  # type: ignore[arg-type]


def test_a_photo_naming_a_military_patch_is_never_listed(tmp_path: Path) -> None:
    path = make_package(
        tmp_path / "p.db",
        [{"BSM": "M", "JCBH": "JY-1", "FJMC": "x", "FJ": jpeg(1), **at(X0 - 9000, Y0)}],
    )
    for mode in ("id", "position", "id_then_position"):
        m = match_photos(read_evidence(path), patches(), options=EvidenceOptions(match=mode))
        assert m.n_sealed == 1 and m.placed.empty and m.unplaced.empty, mode


def test_other_column_names(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE FJ (ZPBH TEXT, TBBH TEXT, PHOTO BLOB, LONGITUDE REAL, LATITUDE REAL)")
    con.execute("INSERT INTO FJ VALUES ('Z1', 'P2', ?, NULL, NULL)", [jpeg(9)])
    con.commit()
    con.close()
    photos = read_evidence(path)
    assert photos.loc[0, "photo_id"] == "Z1" and photos.loc[0, "patch_id"] == "P2"
    assert match_photos(photos, patches()).placed["matched_patch"].tolist() == ["P2"]
