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
