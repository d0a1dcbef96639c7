"""Fault injection: random bad patches in a real batch, and the invariants.

Hypothesis damages a random set of the sample's 2020Q3 patches with the
faults real deliveries carry (moved far away, across the county line, null,
empty, a NaN vertex, a self-crossing ring, a stray line in a collection,
Z values, a zero-area sliver), writes the batch to a GeoPackage as a county
would receive it, and runs the library road: read, overlay, classify,
determinations, statistics, review. Whatever the draw:

* nothing is lost: every patch read is in the result, and ordinary plus
  sealed statistics count every patch once;
* township rows (and the outside row) add up to the total;
* net farmland ≤ gross ≤ patch area, pieces add up to their patch;
* every damaged ordinary patch is named in the review by the rule for its fault.

``RSGEO_LONG_TESTS=N`` runs N times more draws (README, "Before a release").
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.affinity import translate

import rsgeo
from rsgeo.schema.military import is_military
from rsgeo.stats.township import ADDITIVE_COLUMNS, OUTSIDE_LABEL, TOTAL_LABEL, summed_rows

FAULTS = ("far", "edge", "null", "empty", "nan", "bowtie", "line", "z", "sliver")
# the review rule that must name an ordinary patch with this fault
RULE_FOR = {
    "far": "R16",
    "edge": "R16",
    "null": "R17",
    "empty": "R17",
    "sliver": "R17",
    "nan": "R18",
    "bowtie": "R18",
    "line": "R18",
}


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = rsgeo.load_sample(quarters=["2020Q3"], determinations=False)
    raw = gpd.read_file(rsgeo.sample_path("patches/2020Q3_jctb.gpkg"))
    crs = raw.crs
    towns = s.townships.to_crs(crs)
    return {
        "raw": raw,
        "layers": {k: v.to_crs(crs) for k, v in s.layers.items()},
        "townships": towns,
        "county": s.county.to_crs(crs),
        "line": towns.union_all().boundary,
    }


def _damage(geom: Any, fault: str, line: Any, where: float) -> Any:
    if fault == "far":
        return translate(geom, 150_000.0, 0.0)
    if fault == "edge":
        p = line.interpolate(where, normalized=True)
        return shapely.box(p.x - 50, p.y - 50, p.x + 50, p.y + 50)
    if fault == "null":
        return None
    if fault == "empty":
        return shapely.Polygon()
    c = shapely.get_coordinates(geom)
    x0, y0 = c[:, 0].min(), c[:, 1].min()
    if fault == "nan":
        ring = shapely.get_coordinates(shapely.get_exterior_ring(shapely.get_geometry(geom, 0)))
        with np.errstate(invalid="ignore"):
            return shapely.Polygon(np.insert(ring, 1, [np.nan, np.nan], axis=0))
    if fault == "bowtie":
        return shapely.Polygon([(x0, y0), (x0 + 40, y0 + 40), (x0 + 40, y0), (x0, y0 + 40)])
    if fault == "line":
        return shapely.GeometryCollection(
            [geom, shapely.LineString([(x0, y0), (x0 - 30, y0 - 30)])]
        )
    if fault == "z":
        return shapely.force_3d(geom, 123.0)
    if fault == "sliver":
        return shapely.Polygon([(x0, y0), (x0 + 30, y0), (x0 + 60, y0)])
    raise AssertionError(fault)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    faults=st.lists(
        st.tuples(st.integers(0, 196), st.sampled_from(FAULTS), st.floats(0.0, 1.0)),
        min_size=1,
        max_size=12,
        unique_by=lambda t: t[0],
    )
)
def test_invariants_hold_whatever_the_faults(
    sample: dict[str, Any], tmp_path_factory: pytest.TempPathFactory, faults: list[Any]
) -> None:
    raw = sample["raw"].copy()
    geoms = list(raw.geometry)
    for pos, fault, where in faults:
        geoms[pos] = _damage(geoms[pos], fault, sample["line"], where)
    damaged = gpd.GeoDataFrame(
        raw.drop(columns="geometry"),
        geometry=gpd.GeoSeries(geoms, crs=raw.crs),
        crs=raw.crs,
    )
    path: Path = tmp_path_factory.mktemp("faults") / "batch.gpkg"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        damaged.to_file(path, driver="GPKG")
        patches = rsgeo.read_patches(path)
        pieces = rsgeo.overlay_pieces(patches, sample["layers"], townships=sample["townships"])
        result = rsgeo.classify(rsgeo.patches_from_pieces(pieces, patches))
        result = rsgeo.apply_determinations(
            result, pd.DataFrame(index=pd.Index([], name="patch_id", dtype="string"))
        )
    ids = raw["JCBH"].astype(str)

    # nothing lost
    assert sorted(result.index) == sorted(ids)
    stats = rsgeo.township_stats(result, pieces, townships=sample["townships"])
    sealed = rsgeo.township_stats(result, pieces, townships=sample["townships"], sealed=True)
    military = is_military(result).to_numpy()
    assert stats.loc[TOTAL_LABEL, "n_patches"] == (~military).sum()
    assert stats.loc[TOTAL_LABEL, "n_patches"] + sealed.loc[TOTAL_LABEL, "n_patches"] == len(ids)

    # sums equal totals, for every additive column
    body = summed_rows(stats)
    for col in ADDITIVE_COLUMNS:
        assert body[col].sum() == pytest.approx(stats.loc[TOTAL_LABEL, col], rel=1e-9, abs=1e-6)
    plain = result.loc[~military]
    has_outside = bool((plain["outside_townships_m2"] > 0).any()) or bool(
        (plain["township_code"] == "").any()
    )
    assert (OUTSIDE_LABEL in stats.index) == has_outside

    # net ≤ gross ≤ patch, and pieces add up to their patch
    assert (result["farmland_net_m2"] <= result["farmland_m2"]).all()
    assert (result["farmland_m2"] <= result["area_m2"] + 1e-6).all()
    assert (result["area_m2"] >= 0).all()
    by_patch = pieces["area_m2"].groupby(level="patch_id").sum()
    np.testing.assert_allclose(by_patch.reindex(result.index), result["area_m2"], atol=1e-6)

    # every damaged ordinary patch is named by the rule of its fault
    findings = rsgeo.run_review(result, county=sample["county"]).findings
    fired = set(zip(findings["rule_id"], findings["patch_id"], strict=True))
    sealed_ids = set(result.index[military])
    assert not sealed_ids & set(findings["patch_id"])
    for pos, fault, _ in faults:
        pid = ids.iat[pos]
        rule_id = RULE_FOR.get(fault)
        if pid in sealed_ids or rule_id is None:
            continue
        if fault == "edge" and result.loc[pid, "outside_townships_m2"] == 0:
            continue  # this square happened to lie inside (a bend of the county line)
        assert (rule_id, pid) in fired, (fault, pid, findings[findings["patch_id"] == pid])
