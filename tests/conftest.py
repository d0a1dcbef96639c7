"""Shared pytest fixtures and settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]

# CI draws the same examples on every run (no flaky failures from new draws);
# locally hypothesis explores new examples each time.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def small_job(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A job file of 24 patches of the sample's 2020Q3 (one military), for quick whole runs.

    Writes the workbook, CSV tables, field maps, review record, dossiers and
    the sealed folder (no county map); a few seconds, most of it dossiers.
    """
    import geopandas as gpd

    from rsgeo.io.sample import sample_path

    data = sample_path("rongshui_2020.toml").parent
    folder = tmp_path_factory.mktemp("small_job")
    patches = gpd.read_file(data / "patches" / "2020Q3_jctb.gpkg").iloc[:24]
    patches.to_file(folder / "patches.gpkg", driver="GPKG")
    text = f"""
[job]
name = "small job"
cutoff = 2020-12-21
[[patches]]
path = "patches.gpkg"
batch = "2020Q3"
[layers.farmland]
path = "{(data / "landuse" / "dltb.gpkg").as_posix()}"
attributes = ["land_class_code"]
[townships]
path = "{(data / "boundaries" / "townships.gpkg").as_posix()}"
[outputs]
county_map = false
"""
    (folder / "small.toml").write_text(text, encoding="utf-8")
    return folder / "small.toml"


@pytest.fixture(scope="session")
def small_run(small_job: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The complete outputs of a run of :func:`small_job` (copy them before changing them)."""
    from rsgeo.job import load_job
    from rsgeo.pipeline import run_job

    out = tmp_path_factory.mktemp("small_run") / "out"
    run_job(load_job(small_job), out, progress=False)
    return out
