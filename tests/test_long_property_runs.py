"""The long property-test run (``RSGEO_LONG_TESTS=N``) really draws N times more.

A test's own ``@settings(max_examples=...)`` wins over any hypothesis profile,
so ``tests/conftest.py`` scales each test's settings; this checks it does, on
a plain and a parametrised property test, in a separate pytest run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

PROBE = """
import pytest
from hypothesis import given, settings, strategies as st

CALLS = []

@settings(max_examples=7, deadline=None, database=None)
@given(st.integers())
def test_plain(x):
    CALLS.append("plain")

@pytest.mark.parametrize("k", [1, 2])
@settings(max_examples=5, deadline=None, database=None)
@given(st.integers())
def test_parametrised(k, x):
    CALLS.append("param")

def test_zz_report():
    print("CALLS", CALLS.count("plain"), CALLS.count("param"))
"""


def _calls(tmp_path: Path, factor: str | None) -> tuple[int, int]:
    shutil.copy(Path(__file__).with_name("conftest.py"), tmp_path / "conftest.py")
    (tmp_path / "test_probe.py").write_text(PROBE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("RSGEO_LONG_TESTS", "CI")}
    if factor is not None:
        env["RSGEO_LONG_TESTS"] = factor
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    line = next(x for x in run.stdout.splitlines() if "CALLS" in x)
    plain, param = line.split("CALLS", 1)[1].split()[:2]
    return int(plain), int(param)


def test_long_run_multiplies_every_property_tests_examples(tmp_path: Path) -> None:
    assert _calls(tmp_path, None) == (7, 10)
    assert _calls(tmp_path, "12") == (7 * 12, 5 * 12 * 2)
