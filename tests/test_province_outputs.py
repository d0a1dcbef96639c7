"""A province-shaped job, scaled down for CI, opens in the tools users open it with.

``rsgeo.synthetic.province`` makes the layers the whole-job benchmark
(``benchmarks/bench_job.py``) runs at 50,000 × 1,000,000; here 1,500 patches ×
30,000 farmland polygons, written to GeoPackages and run as a job file with the
dossiers off. The references are independent of rsgeo's writers: the patch ids
read back from the input GeoPackage by pyogrio, the workbook read by openpyxl
and printed by LibreOffice (read back by poppler), the maps loaded by headless
Chromium, and the manifest checked against SHA-256 of the files on disk.

Without LibreOffice or Chromium a test skips and says why; under ``CI=true`` it
fails (``tests/office.py``, ``tests/outputs/test_maps_helpers.py``).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pyogrio
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "outputs"))
import office
import test_maps_helpers as h
from sheet_tables import table_rows

from rsgeo.job import load_job
from rsgeo.outputs.folder import MANIFEST_NAME
from rsgeo.pipeline import WORKBOOK_NAME, run_job
from rsgeo.synthetic.county import province_job
from rsgeo.synthetic.province import make_province

pytest.importorskip("folium")

N_PATCHES = 1_500
N_FARMLAND = 30_000


@pytest.fixture(scope="module")
def province_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The job run once for the module: its input folder, output folder and result."""
    folder = tmp_path_factory.mktemp("province")
    layers = make_province(N_PATCHES, N_FARMLAND, n_redline=20, redline_vertices=400, seed=7)
    for key, gdf in layers.items():
        gdf.to_file(folder / f"{key}.gpkg", layer=key, driver="GPKG", engine="pyogrio")
    job = province_job(
        folder, name="省级合成数据（缩小）", outputs={"dossiers": False, "reports": False}
    )
    (folder / "job.toml").write_text(job, encoding="utf-8")
    out = folder / "out"
    jr = run_job(load_job(folder / "job.toml"), out, progress=False)
    # the reference: the ids as the input file holds them, read back by GDAL
    ids = pyogrio.read_dataframe(folder / "patches.gpkg", read_geometry=False)["patch_id"]
    return {"folder": folder, "out": out, "result": jr, "ids": sorted(map(str, ids))}


def test_the_run_folder_is_complete(province_run: dict[str, Any]) -> None:
    out: Path = province_run["out"]
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["complete"] is True
    on_disk = {
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and p.name != MANIFEST_NAME
    }
    assert set(manifest["files"]) == on_disk
    for rel, entry in manifest["files"].items():
        data = (out / rel).read_bytes()
        assert entry["size"] == len(data), rel
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), rel
    # no staging folder left beside it
    assert [p.name for p in out.parent.iterdir() if "rsgeo-tmp" in p.name] == []
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["patches"] == N_PATCHES
    assert [t["stage"] for t in run["timings"]][:2] == ["reading", "overlay"]


def _detail_ids(book: Path) -> list[str]:
    wb = openpyxl.load_workbook(book, read_only=False)
    rows = table_rows(wb["图斑明细"])
    col = rows[0].index("监测编号")
    return [str(r[col]) for r in rows[1:]]


def test_every_patch_is_in_the_workbook(province_run: dict[str, Any]) -> None:
    ids = _detail_ids(province_run["out"] / WORKBOOK_NAME)
    assert sorted(ids) == province_run["ids"]


def test_the_workbook_prints_in_libreoffice(province_run: dict[str, Any], tmp_path: Path) -> None:
    book = province_run["out"] / WORKBOOK_NAME
    pdf = office.to_pdf(book, tmp_path)
    pages = office.pdf_pages(pdf)
    text = re.sub(r"\s", "", "".join(pages))
    missing = [pid for pid in province_run["ids"] if pid not in text]
    assert missing == [], f"{len(missing)} patch ids not printed, e.g. {missing[:5]}"
    assert len(pages) >= N_PATCHES // 60  # the detail sheet alone runs to dozens of pages


def _map_ids(page: Path) -> list[str]:
    return [str(f["properties"]["id"]) for f in h.page_config(page)["patches"]["features"]]


def test_every_patch_is_in_the_maps_data(province_run: dict[str, Any]) -> None:
    maps = province_run["out"] / "maps"
    assert sorted(_map_ids(maps / "county_map.html")) == province_run["ids"]
    field = sorted((maps / "field").glob("*.html"))
    assert field
    per_map = [_map_ids(p) for p in field]
    # each patch on the field map of exactly one township
    assert sorted(pid for ids in per_map for pid in ids) == province_run["ids"]


def test_the_county_map_opens_in_chromium(province_run: dict[str, Any]) -> None:
    h.need_browser()
    r = h.probe_page(province_run["out"] / "maps" / "county_map.html", popups=3)
    assert r["errors"] == []
    assert r["leaflet"] is True
    assert sorted(r["ids"]) == province_run["ids"]


def test_a_field_map_opens_in_chromium(province_run: dict[str, Any]) -> None:
    h.need_browser()
    page = max(
        (province_run["out"] / "maps" / "field").glob("*.html"), key=lambda p: len(_map_ids(p))
    )
    r = h.probe_page(page, popups=3)
    assert r["errors"] == []
    assert r["leaflet"] is True
    assert r["patchFeatures"] == len(_map_ids(page)) > 0
    assert r["patchPaths"] == r["patchFeatures"]
