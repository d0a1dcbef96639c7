"""Military land: only in the sealed output, never in an ordinary one."""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import subprocess
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
from shapely.geometry import box

from rsgeo.audit.findings import run_review
from rsgeo.audit.sampling import run_spot_check
from rsgeo.errors import OutputExistsError
from rsgeo.outputs.review_record import write_review_record
from rsgeo.outputs.sealed import SEALED_FOLDER, military_count, sealed_notice, write_sealed

X0, Y0 = 600_000.0, 2_780_000.0
MILITARY_IDS = ["JY-45022-0001", "军A-7788"]
ORDINARY_IDS = ["P-0001", "P-0002", "P-0003", "P-0004"]


def make_result() -> gpd.GeoDataFrame:
    ids = ORDINARY_IDS + MILITARY_IDS
    n = len(ids)
    geoms = [box(X0 + i * 200, Y0, X0 + i * 200 + 100, Y0 + 100) for i in range(n)]
    data = {
        "patch_id": ids,
        "township_code": [
            "450225100",
            "450225100",
            "450225101",
            "450225101",
            "450225100",
            "450225101",
        ],
        "township_name": ["融水镇", "融水镇", "和睦镇", "和睦镇", "融水镇", "和睦镇"],
        "change_type": ["20"] * n,
        "area_m2": [10000.0] * n,
        "reported_area_m2": [10000.0, 10000.0, 10000.0, 10000.0, 20000.0, 10000.0],
        "pbf_m2": [0.0, 500.0, 0.0, 0.0, 500.0, 0.0],
        "approved_m2": [10000.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        "suggested_class": ["合法", "违法", "违法", "其他", "违法", "违法"],
        # the military patches carry every kind of problem, so a leak would show
        "determination": ["合法", "违法", None, "其他", "合法", None],
        "final_class": ["合法", "违法", "违法", "其他", "合法", "违法"],
        "illegal_type": [None, "未报即用", None, None, None, None],
        "case_number": [None, "融案1", None, None, None, None],
        "responsible_party": [None, "某人", None, None, None, None],
        "flag_military": [False] * 4 + [True, False],
        # the second military patch is known only from the determination sub-type
        "determination_subtype": [None] * 5 + ["军用土地"],
    }
    return gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:4545").set_index("patch_id")


def _blobs(path: Path) -> Iterator[bytes]:
    """Every readable form of a file's content: raw, zip members, PDF text, embedded images."""
    data = path.read_bytes()
    yield data
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                yield name.encode("utf-8")
                yield zf.read(name)
    if data.startswith(b"%PDF"):
        for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, flags=re.S):
            with contextlib.suppress(zlib.error):
                yield zlib.decompress(stream)
        if shutil.which("pdftotext"):
            yield subprocess.run(
                ["pdftotext", str(path), "-"], capture_output=True, check=True
            ).stdout
        elif os.environ.get("CI") == "true":
            pytest.fail("pdftotext (poppler-utils) is needed in CI to read PDF text")
    for b64 in re.findall(rb"base64,([A-Za-z0-9+/=]+)", data):
        yield base64.b64decode(b64)


def _contains(path: Path, patch_id: str) -> bool:
    needles = [patch_id.encode("utf-8"), patch_id.encode("utf-16-le")]
    return path.name.find(patch_id) >= 0 or any(n in blob for blob in _blobs(path) for n in needles)


def _ordinary_outputs(tmp_path: Path, result: gpd.GeoDataFrame) -> Path:
    pytest.importorskip("fpdf")
    from rsgeo.outputs.dossier.build import build_dossiers

    out = tmp_path / "ordinary"
    attachment = tmp_path / "photo_note.txt"
    attachment.write_text("现场", encoding="utf-8")
    reviewed = run_review(result)
    findings = reviewed.findings
    drawn = run_spot_check(result, per_township=10, seed=5)
    write_review_record(reviewed, out / "review", reviewer="审核员", spot_check=drawn)
    build_dossiers(
        result,
        out / "dossiers",
        findings=findings,
        progress=False,
        attachments={pid: [attachment] for pid in ORDINARY_IDS + MILITARY_IDS},
    )
    return out


def test_no_military_id_in_any_ordinary_output(tmp_path: Path) -> None:
    result = make_result()
    out = _ordinary_outputs(tmp_path, result)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.suffix == ".pdf" for p in files) and any(p.suffix == ".xlsx" for p in files)
    leaks = [(str(p), pid) for p in files for pid in MILITARY_IDS if _contains(p, pid)]
    assert leaks == []
    # the scanner does find ids that are there: every ordinary patch shows up in
    # the review workbook and in its own dossier PDF
    xlsx = out / "review" / "review_record.xlsx"
    assert _contains(xlsx, "P-0002")
    for pid in ORDINARY_IDS:
        assert _contains(out / "dossiers" / pid / "dossier.pdf", pid)
    # the ordinary record carries the count only
    page = (out / "review" / "review_record.html").read_text(encoding="utf-8")
    assert "2 个（按机要件另行报送" in page
    assert "军用土地图斑 2 个" in (out / "dossiers" / "index.html").read_text(encoding="utf-8")


def test_sealed_output_holds_the_military_patches_only(tmp_path: Path) -> None:
    result = make_result()
    report = write_sealed(result, tmp_path)
    assert report["n_military"] == 2 == military_count(result)
    folder = report["folder"]
    assert folder == tmp_path / SEALED_FOLDER and "机要" in folder.name
    wb = openpyxl.load_workbook(report["workbook"], read_only=True)
    sheet = [r for r in wb["军用土地登记表"].iter_rows(values_only=True)]
    assert sheet[0][0] == "机要"
    header = list(sheet[2])
    ids = [r[header.index("监测编号")] for r in sheet[3:] if r and isinstance(r[0], int)]
    assert ids == MILITARY_IDS
    area_mu = [r[header.index("计算面积（亩）")] for r in sheet[3:] if r and isinstance(r[0], int)]
    assert area_mu == [15.0, 15.0]  # 10000 m² × 0.0015
    for pid in ORDINARY_IDS:
        assert not any(_contains(p, pid) for p in folder.rglob("*") if p.is_file())
    geo = gpd.read_file(report["gpkg"])
    assert sorted(geo["patch_id"]) == sorted(MILITARY_IDS)
    assert np.allclose(geo.to_crs("EPSG:4545").area, 10000.0)
    assert "机要" in (folder / "机要说明.txt").read_text(encoding="utf-8")
    with pytest.raises(OutputExistsError):
        write_sealed(result, tmp_path)
    assert write_sealed(result, tmp_path, overwrite=True)["n_military"] == 2


def test_no_military_patch_writes_nothing(tmp_path: Path) -> None:
    result = make_result().drop(index=MILITARY_IDS)
    report = write_sealed(result, tmp_path)
    assert report == {"n_military": 0, "folder": None, "workbook": None, "gpkg": None}
    assert list(tmp_path.iterdir()) == []
    assert sealed_notice(0) == "" and "3 个" in sealed_notice(3)
