"""The package's public names."""

from __future__ import annotations

import importlib
import subprocess
import sys

import rsgeo


def test_every_export_resolves() -> None:
    for name in rsgeo.__all__:
        assert getattr(rsgeo, name) is not None, name


def test_functions_named_like_their_modules_stay_callable() -> None:
    # importing the submodules (as user code does) must not shadow the functions
    for module in ("rsgeo.classify", "rsgeo.overlay", "rsgeo.review", "rsgeo.spot_check"):
        importlib.import_module(module)
    code = (
        "import rsgeo\n"
        "from rsgeo.classify import ClassificationRules\n"
        "from rsgeo.overlay import patches_from_pieces\n"
        "from rsgeo.review import FINDING_COLUMNS\n"
        "from rsgeo.spot_check import allocate\n"
        "assert all(callable(f) for f in (rsgeo.classify, rsgeo.overlay, rsgeo.review,"
        " rsgeo.spot_check)), 'shadowed'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_version() -> None:
    assert rsgeo.__version__.count(".") == 2
