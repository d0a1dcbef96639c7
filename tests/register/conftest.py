"""Fixtures of the register tests: a fresh register target on each backend."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(params=["gpkg", "postgis"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a new register goes: a GeoPackage file, or a new PostGIS database."""
    if request.param == "gpkg":
        return str(tmp_path / "台账.gpkg")
    return str(request.getfixturevalue("postgis_db"))
