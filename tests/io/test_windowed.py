"""Reading a reference layer for given patches: the touched features, or whole.

The reference for "touched" is independent of the GeoPackage R-tree: a
geopandas spatial join of the patches' boxes with the features' boxes, and
of the patches with the features themselves, on the whole layer read by
pyogrio.
"""

from __future__ import annotations

import copy
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Polygon, box

from rsgeo.io.reading import READ_REPORT_KEY, read_layer
from rsgeo.io.windowed import read_layer_near, touched_fids

X0, Y0 = 600_000.0, 2_800_000.0


def _grid(n: int, size: float = 10.0, step: float = 25.0) -> gpd.GeoDataFrame:
    """n×n squares with gaps between them, and a code per square."""
    xs, ys = np.meshgrid(np.arange(n) * step, np.arange(n) * step)
    geoms = [
        box(X0 + x, Y0 + y, X0 + x + size, Y0 + y + size)
        for x, y in zip(xs.ravel(), ys.ravel(), strict=True)
    ]
    codes = [f"{k:05d}" for k in range(len(geoms))]
    return gpd.GeoDataFrame({"DLBM": codes}, geometry=geoms, crs=4545)


def _patches(points: list[tuple[float, float, float]]) -> gpd.GeoDataFrame:
    geoms = [box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + w) for x, y, w in points]
    idx = pd.Index([f"P{k}" for k in range(len(geoms))], name="patch_id")
    return gpd.GeoDataFrame(geometry=geoms, index=idx, crs=4545)


def _box_reference(layer: gpd.GeoDataFrame, patches: gpd.GeoDataFrame) -> set[str]:
    """Codes of the features whose box meets a patch's box (geopandas sjoin)."""
    lb = layer.set_geometry(layer.envelope)
    pb = patches.set_geometry(patches.envelope)
    hit = gpd.sjoin(lb, pb, predicate="intersects", how="inner")
    return set(hit["land_class_code"])


@pytest.fixture
def layer_file(tmp_path: Path) -> Path:
    path = tmp_path / "farmland.gpkg"
    _grid(40).to_file(path, layer="farmland", engine="pyogrio")
    return path


def test_touched_read_equals_whole_read_filtered(layer_file: Path) -> None:
    patches = _patches([(5, 5, 30), (512, 300, 5), (990, 990, 3), (-50, -50, 10)])
    got, window = read_layer_near(patches, layer_file)
    whole = read_layer(layer_file)
    assert window.mode == "touched"
    assert window.n_features == len(whole) == 1600
    assert window.n_read == len(got)
    # the same features as the independent box join, with the same attributes and shapes
    assert set(got["land_class_code"]) == _box_reference(whole, patches)
    ref = whole.set_index("land_class_code").loc[sorted(got["land_class_code"])]
    mine = got.set_index("land_class_code").sort_index()
    assert mine.geometry.geom_equals_exact(ref.geometry, tolerance=0).all()
    # every feature meeting a patch is there
    meet = gpd.sjoin(whole, patches, predicate="intersects", how="inner")
    assert set(meet["land_class_code"]) <= set(got["land_class_code"])
    # the read report says so
    report = got.attrs[READ_REPORT_KEY]
    assert report.window == window.summary()
    assert f"read {len(got):,} of 1,600 features" in report.summary()


def test_large_share_reads_whole(layer_file: Path) -> None:
    patches = _patches([(0, 0, 1000)])  # covers the whole grid
    got, window = read_layer_near(patches, layer_file)
    assert window.mode == "whole"
    assert window.n_read == window.n_features == len(got) == 1600
    assert "> 60%" in window.reason
    assert list(got.index) == list(range(1600))  # row order, as read_layer


def test_share_threshold_is_measured_share(layer_file: Path) -> None:
    patches = _patches([(0, 0, 490)])  # 20 x 20 of 40 x 40 squares: 25 %
    _, low = read_layer_near(patches, layer_file, max_share=0.2)
    _, high = read_layer_near(patches, layer_file, max_share=0.3)
    assert (low.mode, high.mode) == ("whole", "touched")
    assert high.n_read == 400


def test_no_feature_touched(layer_file: Path) -> None:
    got, window = read_layer_near(_patches([(-500, -500, 10)]), layer_file)
    assert (window.mode, len(got)) == ("touched", 0)
    assert list(got.columns) == ["land_class_code", "geometry"]


def test_patches_in_another_crs(tmp_path: Path) -> None:
    """A layer in degrees (EPSG:4490) read for patches in Gauss-Krüger metres."""
    layer = _grid(30).to_crs(4490)
    path = tmp_path / "f.gpkg"
    layer.to_file(path, engine="pyogrio")
    patches = _patches([(100, 100, 60), (700, 20, 4)])
    got, window = read_layer_near(patches, path)
    assert window.mode == "touched"
    whole = read_layer(path).to_crs(4545)
    meet = gpd.sjoin(whole, patches, predicate="intersects", how="inner")
    assert set(meet["land_class_code"]) <= set(got["land_class_code"])
    assert len(got) < len(whole)


def test_repair_counts_only_the_features_read(tmp_path: Path) -> None:
    layer = _grid(10)
    bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    for k in (0, 1, 99):  # two near the patch, one far away
        x, y = layer.geometry.iloc[k].bounds[:2]
        layer.loc[k, "geometry"] = Polygon([(x + a, y + b) for a, b in bowtie.exterior.coords])
    path = tmp_path / "f.gpkg"
    layer.to_file(path, engine="pyogrio")
    got, window = read_layer_near(_patches([(0, 0, 30)]), path)
    geo = got.attrs[READ_REPORT_KEY].geometry
    assert window.mode == "touched"
    assert len(geo.repaired) == 2
    assert set(geo.repaired) <= set(got.index)  # fids
    assert got.loc[geo.repaired].geometry.is_valid.all()
    # the same repairs as the whole read, by feature
    whole = read_layer(path)
    assert len(whole.attrs[READ_REPORT_KEY].geometry.repaired) == 3


def test_touched_fids_matches_box_join(layer_file: Path) -> None:
    whole = pyogrio.read_dataframe(layer_file, fid_as_index=True)
    patches = _patches([(30, 30, 60), (600, 610, 1)])
    found = touched_fids(layer_file, "farmland", patches.bounds.to_numpy())
    assert found is not None
    fids, n = found
    assert n == len(whole)
    lb = whole.set_geometry(whole.envelope)
    ref = gpd.sjoin(lb, patches.set_geometry(patches.envelope), predicate="intersects")
    assert list(fids) == sorted(set(ref.index))


def test_reports_are_shared_by_copies(layer_file: Path) -> None:
    """pandas deep-copies attrs on every operation; a report is not copied."""
    gdf = read_layer(layer_file)
    report = gdf.attrs[READ_REPORT_KEY]
    assert copy.deepcopy(report) is report
    assert gdf.copy().attrs[READ_REPORT_KEY] is report
    assert gdf.iloc[:3].attrs[READ_REPORT_KEY] is report


def test_read_layer_for_far_patches_reads_nothing(layer_file: Path) -> None:
    from rsgeo.analysis.overlay_inputs import read_layer_for

    got = read_layer_for(_patches([(-5000, -5000, 10)]), layer_file)
    assert len(got) == 0
    near = read_layer_for(_patches([(5, 5, 30)]), layer_file)
    assert len(near) == len(read_layer_near(_patches([(5, 5, 30)]), layer_file)[0]) == 4


def test_pipeline_reads_the_touched_features_and_says_so() -> None:
    """rsgeo run on the bundled sample: each layer holds every feature meeting a patch."""
    import dataclasses

    from rsgeo.io.sample import sample_path
    from rsgeo.job import load_job
    from rsgeo.pipeline import prepare_inputs

    job = load_job(sample_path("rongshui_2020.toml"))
    job = dataclasses.replace(job, patches=job.patches[:1])
    patches, layers, _, _, provenance = prepare_inputs(job)
    inputs = {i["role"]: i for i in provenance["inputs"]}
    modes = set()
    for key, src in job.layers.items():
        info = inputs[f"layers.{key}"]
        read = info["read"]
        modes.add(read["mode"])
        assert read["features_read"] == info["features"] == len(layers[key])
        whole = read_layer(src.path, **src.read_kwargs()).to_crs(patches.crs)
        assert read["features_in_file"] == len(whole)
        if read["mode"] == "touched":
            assert len(layers[key]) < len(whole)
            assert "features / 要素: read" in info["report"]
        meet = gpd.sjoin(whole, patches[["geometry"]], predicate="intersects", how="inner")
        mine = {g.wkb for g in layers[key].geometry}
        assert {g.wkb for g in whole.geometry.loc[meet.index.unique()]} <= mine, key
    assert "touched" in modes


def test_touched_fids_stops_once_the_share_is_passed(
    layer_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``stop_above`` the lookups end once more features than that are found: the ids
    found are real hits (a subset of the full answer), more than the limit, fewer than all."""
    import rsgeo.io.windowed as windowed

    monkeypatch.setattr(windowed, "_ROWS_PER_FETCH", 5)
    patches = _patches([(x, y, 20) for x in range(0, 1000, 50) for y in (0, 300, 600)])
    full = touched_fids(layer_file, "farmland", patches.bounds.to_numpy())
    some = touched_fids(layer_file, "farmland", patches.bounds.to_numpy(), stop_above=20)
    assert full is not None and some is not None
    assert full[1] == some[1] == 1600
    assert 20 < len(some[0]) < len(full[0])
    assert set(some[0]) <= set(full[0])
    assert list(some[0]) == sorted(set(some[0]))
