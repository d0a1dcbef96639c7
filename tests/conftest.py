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
