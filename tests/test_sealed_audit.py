"""The auditor's suite: sealed means sealed, and nothing rsgeo writes runs as code.

One batch of the bundled sample is run through ``rsgeo run`` twice: with
patches sealed in every form of the military table (``rsgeo.schema.military``)
and formula and script payloads in every text field that reaches an output,
and once more without the sealed patches. Every ordinary output is then
scanned as an auditor would: the XML inside each workbook, the text of each
PDF, every HTML, CSV and JSON file, the PNG chunks, the run's log and
warnings, and every file and folder name.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import re
import shutil
import subprocess
import warnings
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely

import rsgeo
from rsgeo.io.sample import sample_path
from rsgeo.job import LayerSource, load_job
from rsgeo.outputs.sealed import SEALED_FOLDER
from rsgeo.pipeline import SEALED_DIR, run_job

# how a patch can be marked as military land (rsgeo.schema.military), one patch each
FIELD_FORMS = ["是", "Y", "1", "军事用地", "是(军用)", "军用土地"]
AMBIGUOUS = "待定"
PAYLOADS = {
    "responsible_party": '=HYPERLINK("http://example.invalid","点击")',
    "case_number": "@SUM(1+1)*cmd|' /C calc'!A0",
    "illegal_type": "-2+3+cmd|' /C calc'!A0",
    "actual_use": "+1+1",
    "determination_note": "<script>alert('rsgeo')</script>",
}
TOWN_PAYLOAD = "=1+1<img src=x onerror=alert(1)>镇"
SCRIPT = "<script>alert('rsgeo')</script>"  # in the patch's own note (BZ), shown in pages


def _inputs(tmp: Path, *, with_sealed: bool) -> tuple[Any, dict[str, Any]]:
    s = rsgeo.load_sample(quarters="2020Q3")
    patches = s.patches["2020Q3"].copy()
    dets = s.determinations["2020Q3"].copy()
    already = rsgeo.schema.military.is_military(patches)
    free = [p for p in patches.index[~already.to_numpy()] if p in dets.index]
    by_field = dict(zip(free[: len(FIELD_FORMS)], FIELD_FORMS, strict=True))
    ambiguous, by_class, by_subtype = free[len(FIELD_FORMS) : len(FIELD_FORMS) + 3]
    payload_ids = free[-len(PAYLOADS) :]
    patches["military"] = patches["military"].astype(object)
    for pid, form in by_field.items():
        patches.loc[pid, "military"] = form
    patches.loc[ambiguous, "military"] = AMBIGUOUS
    patches["land_class_code"] = patches["land_class_code"].astype(object)
    patches.loc[by_class, "land_class_code"] = "0901"
    dets["determination_subtype"] = dets["determination_subtype"].astype(object)
    dets.loc[by_subtype, "determination_subtype"] = "军用土地"
    for col in ("note", "land_class_name", "county_name"):  # shown in popups and dossiers
        patches[col] = patches[col].astype(object)
        patches.loc[payload_ids[0], col] = SCRIPT
    for pid, (col, text) in zip(payload_ids, PAYLOADS.items(), strict=True):
        dets[col] = dets[col].astype(object)
        dets.loc[pid, col] = text
    sealed = [*already.index[already.to_numpy()], *by_field, ambiguous, by_class, by_subtype]
    if not with_sealed:
        patches = patches.drop(index=sealed)
        dets = dets.drop(index=[i for i in sealed if i in dets.index])
    tmp.mkdir(parents=True, exist_ok=True)
    patches.reset_index().to_file(tmp / "patches.gpkg", driver="GPKG")
    table = dets.rename(columns={"determination_note": "备注"})
    table.rename_axis("监测编号").to_csv(tmp / "determinations.csv", encoding="utf-8-sig")
    towns = s.townships.copy()
    towns.loc[towns.index[0], "township_name"] = TOWN_PAYLOAD
    towns.to_file(tmp / "townships.gpkg", driver="GPKG")
    job = load_job(sample_path("rongshui_2020.toml"))
    layers = dict(job.layers)
    for key, col in (("redline", "name"), ("approved", "doc_number")):  # shown in tooltips
        layer = rsgeo.read_layer(job.layers[key].path)
        layer[col] = SCRIPT
        layer.to_file(tmp / f"{key}.gpkg", driver="GPKG")
        layers[key] = dataclasses.replace(job.layers[key], path=tmp / f"{key}.gpkg", layer=None)
    job = dataclasses.replace(
        job,
        layers=layers,
        patches=(LayerSource(path=tmp / "patches.gpkg", batch="2020Q3"),),
        determinations=(LayerSource(path=tmp / "determinations.csv"),),
        townships=dataclasses.replace(job.townships, path=tmp / "townships.gpkg", layer=None),
    )
    geoms = s.patches["2020Q3"].to_crs(4490).geometry
    facts = {
        "sealed": [str(i) for i in sealed],
        "ambiguous": str(ambiguous),
        "payload_ids": [str(i) for i in payload_ids],
        "sealed_geoms": geoms.loc[sealed],
        "ordinary_geoms": geoms.drop(index=sealed),
    }
    return job, facts


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("audit")
    job, facts = _inputs(base / "in", with_sealed=True)
    log = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(log):
        warnings.simplefilter("always")
        ran = run_job(job, base / "out", progress=True)
    clean_job, _ = _inputs(base / "in_clean", with_sealed=False)
    clean_job = dataclasses.replace(
        clean_job, outputs={**clean_job.outputs, "dossiers": False, "field_maps": False}
    )
    clean = run_job(clean_job, base / "clean", progress=False)
    messages = log.getvalue() + "\n".join(str(w.message) for w in caught)
    return {"out": base / "out", "ran": ran, "clean": clean, "log": messages, **facts}


def _texts(out: Path) -> dict[Path, str]:
    """Every ordinary output as text an auditor can search (the sealed folder aside)."""
    texts: dict[Path, str] = {}
    for path in sorted(out.rglob("*")):
        if path.is_relative_to(out / SEALED_DIR):
            continue
        texts[Path(f"{path}#name")] = str(path.relative_to(out))
        if not path.is_file():
            continue
        if path.suffix in (".xlsx", ".docx"):  # workbooks and the draft reports: zipped XML
            with zipfile.ZipFile(path) as z:
                texts[path] = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        elif path.suffix == ".dbf":  # the result layers' shapefiles hold GBK text
            texts[path] = path.read_bytes().decode("gbk", "replace")
        elif path.suffix == ".pdf":
            done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
            texts[path] = done.stdout.decode("utf-8", "replace")
        else:  # HTML, CSV, JSON, and PNG files with their text chunks
            texts[path] = path.read_bytes().decode("utf-8", "replace")
    return texts


@pytest.fixture(scope="module")
def texts(audited: dict[str, Any]) -> dict[Path, str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is needed to read the dossiers' PDF text")
    return _texts(audited["out"])


def test_every_form_of_the_table_is_sealed(audited: dict[str, Any]) -> None:
    ran = audited["ran"]
    assert ran.n_military == len(audited["sealed"])
    sealed_dir = audited["out"] / SEALED_DIR / SEALED_FOLDER
    wb = openpyxl.load_workbook(next(sealed_dir.glob("*.xlsx")))
    register = {r[1] for r in wb.worksheets[0].iter_rows(values_only=True)}
    assert set(audited["sealed"]) <= register
    # the ambiguous marking waits for a person, in the sealed folder only
    unsure = [r[0] for r in wb["待认定"].iter_rows(min_row=3, values_only=True)]
    assert unsure == [audited["ambiguous"]]
    # the sealed patches' own statistics are there: their count adds up
    rows = list(wb["乡镇统计（机要）"].iter_rows(min_row=3, values_only=True))
    assert sum(r[2] for r in rows if r[0] != "合计") == len(audited["sealed"])
    assert [r[2] for r in rows if r[0] == "合计"] == [len(audited["sealed"])]


def test_no_sealed_id_in_any_ordinary_output_log_or_name(
    audited: dict[str, Any], texts: dict[Path, str]
) -> None:
    ordinary_id = audited["payload_ids"][0]
    assert any(ordinary_id in t for t in texts.values())  # the scan can see ids
    leaks = [(str(p), i) for p, t in texts.items() for i in audited["sealed"] if i in t]
    assert leaks == []
    assert not any(i in audited["log"] for i in audited["sealed"])
    run = json.loads((audited["out"] / "run.json").read_text(encoding="utf-8"))
    assert run["military_sealed"] == len(audited["sealed"])


def test_no_sealed_coordinates_or_areas_in_ordinary_outputs(
    audited: dict[str, Any], texts: dict[Path, str]
) -> None:
    def vertices(geoms: gpd.GeoSeries) -> set[tuple[str, str]]:
        xy = shapely.get_coordinates(geoms.to_numpy())
        return {(f"{x:.6f}", f"{y:.6f}") for x, y in xy}

    # every coordinate pair a page or table draws or lists: [lon, lat] or lon,lat
    pages = "".join(t for p, t in texts.items() if p.suffix in (".html", ".json", ".csv"))
    pages += audited["log"]  # and every warning and progress line of the run
    drawn = set(re.findall(r"(\d+\.\d{6})\d*\s*,\s*(\d+\.\d{6})", pages))
    assert vertices(audited["ordinary_geoms"]) & drawn  # the scan sees the maps' vertices
    assert not vertices(audited["sealed_geoms"]) & drawn
    result = audited["ran"].result
    areas = result.loc[audited["sealed"], "area_m2"]
    shown = {f"{a:.2f}" for a in areas} | {f"{a / (10000 / 15):.2f}" for a in areas}
    everything = set(_numbers("".join(texts.values())))
    ordinary_area = f"{result.loc[audited['payload_ids'][0], 'area_m2']:.2f}"
    assert ordinary_area in everything
    assert not {a for a in shown if float(a) >= 10} & everything


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+\.\d+", text)


def test_ordinary_statistics_are_identical_without_the_sealed_patches(
    audited: dict[str, Any],
) -> None:
    pd.testing.assert_frame_equal(audited["ran"].stats, audited["clean"].stats)
    pd.testing.assert_frame_equal(audited["ran"].lists, audited["clean"].lists)
    for name in ("township_stats.csv", "patches.csv"):
        with_sealed = (audited["out"] / "csv" / name).read_text(encoding="utf-8-sig")
        without = (audited["clean"].out_dir / "csv" / name).read_text(encoding="utf-8-sig")
        assert with_sealed == without, name


def test_no_cell_of_any_workbook_is_a_formula(audited: dict[str, Any]) -> None:
    books = [p for p in audited["out"].rglob("*.xlsx")]
    assert len(books) >= 3  # 统计报表, the review record, the sealed register
    seen = set()
    for path in books:
        wb = openpyxl.load_workbook(path)
        for ws in wb:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (path.name, ws.title, cell.coordinate)
                    seen.add(cell.value)
    assert PAYLOADS["responsible_party"] in seen and TOWN_PAYLOAD in seen  # reached, as text


def test_csv_text_never_starts_like_a_formula(audited: dict[str, Any]) -> None:
    cells = []
    for path in (audited["out"] / "csv").glob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            cells += [c for row in csv.reader(fh) for c in row]
    risky = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(c)]
    assert risky == []
    assert "'" + PAYLOADS["responsible_party"] in cells  # escaped, not dropped
    assert "'" + TOWN_PAYLOAD in cells


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_script_payloads_are_escaped_in_every_page(
    audited: dict[str, Any], texts: dict[Path, str]
) -> None:
    pages = {p: t for p, t in texts.items() if p.suffix == ".html"}
    assert pages
    for path, text in pages.items():
        assert "<script>alert('rsgeo')</script>" not in text, path
        assert "<img src=x onerror" not in text, path
    joined = "".join(pages.values())
    assert "&lt;script&gt;alert(" in joined or "\\u003cscript\\u003ealert" in joined
    assert "onerror=alert(1)" in joined  # the town name reached the pages, escaped
