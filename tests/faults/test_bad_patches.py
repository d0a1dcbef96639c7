"""A delivery with bad patches: the job runs, and nothing is lost.

Before, one patch outside every township (over the county line, far away, or
without a shape) stopped ``rsgeo run`` with exit 3, no outputs and a message
naming no patch ("township codes not in the townships table: ['']").

The delivery here is the sample's 2020Q3 batch with five patches damaged: one
moved 150 km east, one moved onto the county line, one null, one empty, one
with a NaN vertex. The references are computed here, independently of the
overlay: areas on the ellipsoid with ``pyproj.Geod`` from the damaged shapes.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import openpyxl
import pyproj
import pytest
import shapely
import sheet_tables
from shapely.affinity import translate

from rsgeo.io.reading import read_patches
from rsgeo.io.sample import sample_path
from rsgeo.job import OUTPUT_KINDS, load_job
from rsgeo.pipeline import WORKBOOK_NAME, run_job
from rsgeo.schema.labels import OUTSIDE_TOWNSHIPS_NAME
from rsgeo.schema.military import is_military
from rsgeo.stats.township import OUTSIDE_LABEL, TOTAL_LABEL, summed_rows, township_rows

GEOD = pyproj.Geod(ellps="GRS80")  # CGCS2000's ellipsoid, to well below a mm²


def _geod_area_m2(geom: Any, crs: Any) -> float:
    lonlat = gpd.GeoSeries([geom], crs=crs).to_crs(4490).iloc[0]
    return abs(GEOD.geometry_area_perimeter(lonlat)[0])


@pytest.fixture(scope="module")
def bad_delivery(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("bad")
    raw = gpd.read_file(sample_path("patches/2020Q3_jctb.gpkg"))
    read = read_patches(sample_path("patches/2020Q3_jctb.gpkg"))
    ordinary_ids = [str(i) for i in read.index[~is_military(read).to_numpy()]]
    towns = gpd.read_file(sample_path("boundaries/townships.gpkg")).to_crs(raw.crs)
    county_line = towns.union_all().boundary
    far, edge, null, empty, nan = ordinary_ids[:5]
    pos = {pid: int(np.flatnonzero(raw["JCBH"].astype(str) == pid)[0]) for pid in ordinary_ids[:5]}
    geoms = raw.geometry.copy()
    geoms.iloc[pos[far]] = translate(geoms.iloc[pos[far]], 150_000.0)
    corner = county_line.interpolate(0.37, normalized=True)  # a point on the county line
    geoms.iloc[pos[edge]] = shapely.box(corner.x - 60, corner.y - 40, corner.x + 60, corner.y + 40)
    geoms.iloc[pos[null]] = None
    geoms.iloc[pos[empty]] = shapely.Polygon()
    ring = shapely.get_coordinates(
        shapely.get_exterior_ring(shapely.get_geometry(geoms.iloc[pos[nan]], 0))
    )
    ring = np.insert(ring, 2, [np.nan, np.nan], axis=0)  # a vertex with no coordinates
    with np.errstate(invalid="ignore"):
        geoms.iloc[pos[nan]] = shapely.Polygon(ring)
    bad = raw.set_geometry(geoms)
    path = folder / "2020Q3_bad.gpkg"
    bad.to_file(path, driver="GPKG")

    job = load_job(sample_path("rongshui_2020.toml"))
    job = dataclasses.replace(
        job,
        patches=(dataclasses.replace(job.patches[2], path=path),),
        determinations=job.determinations[2:3],
        outputs={
            k: k in ("workbook", "csv", "review", "county_map", "field_maps") for k in OUTPUT_KINDS
        },
    )
    jr = run_job(job, folder / "out", progress=False)
    return {
        "jr": jr,
        "out": folder / "out",
        "n_in": len(raw),
        "ids": {"far": far, "edge": edge, "null": null, "empty": empty, "nan": nan},
        "far_m2": _geod_area_m2(geoms.iloc[pos[far]], raw.crs),
        "edge_out_m2": _geod_area_m2(geoms.iloc[pos[edge]].difference(towns.union_all()), raw.crs),
        "edge_m2": _geod_area_m2(geoms.iloc[pos[edge]], raw.crs),
        "nan_m2": _geod_area_m2(shapely.Polygon(ring[np.isfinite(ring).all(axis=1)]), raw.crs),
    }


def test_the_job_runs_and_no_patch_is_lost(bad_delivery: dict[str, Any]) -> None:
    jr, out = bad_delivery["jr"], bad_delivery["out"]
    wb = openpyxl.load_workbook(out / WORKBOOK_NAME)
    detail = sheet_tables.table_rows(wb["图斑明细"])
    listed = {str(r[0]) for r in detail[1:]}
    # patches in = patches out (ordinary listing) + patches reported (sealed, by count)
    assert bad_delivery["n_in"] == len(listed) + jr.n_military
    assert set(bad_delivery["ids"].values()) <= listed
    stats = jr.stats
    assert stats.loc[TOTAL_LABEL, "n_patches"] == len(listed)


def test_area_outside_every_township_has_its_own_row(bad_delivery: dict[str, Any]) -> None:
    stats = bad_delivery["jr"].stats
    assert OUTSIDE_LABEL in stats.index
    row = stats.loc[OUTSIDE_LABEL]
    assert row["township_name"] == OUTSIDE_TOWNSHIPS_NAME
    expected = bad_delivery["far_m2"] + bad_delivery["edge_out_m2"]
    assert bad_delivery["edge_out_m2"] > 100.0  # the edge patch really crosses the line
    assert row["area_m2"] == pytest.approx(expected, abs=0.05)
    # the rows add up to the total; no criterion, no list for a row that is no township
    body = summed_rows(stats)
    for col in ("n_patches", "area_m2", "illegal_area_m2"):
        assert body[col].sum() == pytest.approx(stats.loc[TOTAL_LABEL, col], abs=1e-6)
    assert not row[[c for c in stats.columns if c.startswith("criterion_")]].astype(bool).any()
    assert OUTSIDE_LABEL not in township_rows(stats).index
    assert OUTSIDE_LABEL not in bad_delivery["jr"].lists.index


def test_patches_without_a_shape_are_kept_with_zero_area(bad_delivery: dict[str, Any]) -> None:
    result, ids = bad_delivery["jr"].result, bad_delivery["ids"]
    for key in ("null", "empty"):
        assert result.loc[ids[key], "area_m2"] == 0.0
        assert result.loc[ids[key], "geometry_status"] == "empty"
    assert result.loc[ids["nan"], "geometry_status"] == "nonfinite_vertices"
    # the NaN vertex is removed and the ring closed without it
    assert result.loc[ids["nan"], "area_m2"] == pytest.approx(bad_delivery["nan_m2"], abs=0.05)


def test_the_review_record_names_every_bad_patch(bad_delivery: dict[str, Any]) -> None:
    ids = bad_delivery["ids"]
    findings = bad_delivery["jr"].review.findings
    fired = set(zip(findings["rule_id"], findings["patch_id"], strict=True))
    assert {("R16", ids["far"]), ("R16", ids["edge"])} <= fired
    assert {("R17", ids["null"]), ("R17", ids["empty"]), ("R18", ids["nan"])} <= fired
    assert ("R12", ids["far"]) in fired
    assert ("R12", ids["null"]) not in fired  # no shape: R17 says so, not "outside the county"
    wb = openpyxl.load_workbook(bad_delivery["out"] / "review" / "review_record.xlsx")
    listed = {r[4] for r in wb["问题清单"].iter_rows(values_only=True)}
    assert set(ids.values()) <= listed
    summary = bad_delivery["jr"].summary()
    assert "patches with area outside every township: 2" in summary
    assert "patches without a shape, kept with zero area: 2 (review rule R17)" in summary


def test_the_workbook_shows_the_outside_row_and_adds_up(bad_delivery: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(bad_delivery["out"] / WORKBOOK_NAME)
    rows = sheet_tables.table_rows(wb["乡镇汇总"])
    header = rows[0]
    name_col, area_col = header.index("乡镇名称"), header.index("图斑总面积（亩）")
    body = [r for r in rows[1:] if r[area_col] is not None]
    assert [(r[0], r[name_col]) for r in body[-2:]] == [
        (None, OUTSIDE_TOWNSHIPS_NAME),  # no township code: it is no township
        ("合计", None),
    ]
    total = body[-1][area_col]
    assert sum(r[area_col] for r in body[:-1]) == pytest.approx(total, abs=1e-6)
    notes = sheet_tables.notes(wb["乡镇汇总"])
    assert any(OUTSIDE_TOWNSHIPS_NAME in n for n in notes)
    # the accountability sheet lists townships only
    criteria = [r[1] for r in sheet_tables.table_rows(wb["问责预警"])]
    assert OUTSIDE_TOWNSHIPS_NAME not in criteria


def test_maps_draw_what_has_a_shape_and_say_what_has_not(
    bad_delivery: dict[str, Any],
) -> None:
    html = (bad_delivery["out"] / "maps" / "county_map.html").read_text(encoding="utf-8")
    assert "另有 2 个图斑没有图形，未在图上绘出" in html
    # the patches outside every township get their own field map, under that name
    outside = (bad_delivery["out"] / "maps" / "field" / "unassigned.html").read_text(
        encoding="utf-8"
    )
    assert f"{OUTSIDE_TOWNSHIPS_NAME} 外业核查图" in outside
    assert bad_delivery["ids"]["far"] in outside


def test_nothing_is_lost_without_townships_either(tmp_path: Path) -> None:
    """The library road: overlay_pieces without townships gives no outside column."""
    import rsgeo

    p = gpd.GeoDataFrame(
        {"patch_id": ["a", "b"]},
        geometry=[shapely.box(500000, 2780000, 500100, 2780100), None],
        crs=4545,
    ).set_index("patch_id")
    pieces = rsgeo.overlay_pieces(p, {}, townships=None)
    result = rsgeo.patches_from_pieces(pieces, p)
    assert list(result.index) == ["a", "b"]
    assert "outside_townships_m2" not in result.columns
    assert result.loc["b", "area_m2"] == 0.0
