"""Shared pytest fixtures and settings."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]

# helpers shared by the tests (``import office``: LibreOffice and poppler;
# ``import postgis``: a throw-away PostgreSQL + PostGIS)
sys.path.insert(0, str(Path(__file__).resolve().parent))

# CI draws the same examples on every run (no flaky failures from new draws);
# locally hypothesis explores new examples each time.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")

LONG_FACTOR = int(os.environ.get("RSGEO_LONG_TESTS", "0") or 0)
"""``RSGEO_LONG_TESTS=N`` runs every property test with N times its examples, on
new random draws (the long run before a release, see README "Before a release")."""


def long_settings(current: settings, factor: int) -> settings:
    """``current`` with ``factor`` times the examples and fresh random draws."""
    return settings(current, max_examples=current.max_examples * factor, derandomize=False)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A test's own @settings(max_examples=...) wins over any profile, so the long
    # run scales each test's settings where hypothesis keeps them.
    if LONG_FACTOR <= 1:
        return
    seen: set[int] = set()
    for item in items:
        test = getattr(getattr(item, "obj", None), "hypothesis", None)
        inner = getattr(item, "obj", None)
        current = getattr(inner, "_hypothesis_internal_use_settings", None)
        if test is None or current is None or id(inner) in seen:
            continue
        seen.add(id(inner))
        inner._hypothesis_internal_use_settings = long_settings(current, LONG_FACTOR)  # type: ignore[union-attr]


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


@pytest.fixture(scope="session")
def postgis_url() -> Iterator[str]:
    """``postgresql://…`` of a throw-away PostgreSQL + PostGIS cluster for the session.

    Started on first use, stopped and removed when the session ends
    (``tests/postgis.py``); skips when PostgreSQL or PostGIS is missing, fails
    under CI. Tests share its database ``rsgeo``: take :func:`postgis_db` for
    a database of one's own.
    """
    import postgis

    with postgis.cluster() as running:
        yield running.url


@pytest.fixture
def postgis_db(postgis_url: str) -> str:
    """``postgresql://…`` of a new empty database with PostGIS, for one test."""
    import postgis

    return postgis.new_database(postgis_url)
