"""The package's public names and the rules of its layout."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import rsgeo

PACKAGE = pathlib.Path(rsgeo.__file__).parent


def _modules() -> list[pathlib.Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_export_resolves() -> None:
    for name in rsgeo.__all__:
        assert getattr(rsgeo, name) is not None, name


def test_no_module_shares_its_name_with_a_public_function() -> None:
    stems = {p.stem for p in _modules()} | {p.name for p in PACKAGE.rglob("*") if p.is_dir()}
    clashes = sorted(stems & set(rsgeo.__all__))
    assert clashes == [], f"modules named like public functions: {clashes}"


def test_nothing_inside_rsgeo_imports_the_facade() -> None:
    offenders = []
    for path in _modules():
        if path == PACKAGE / "__init__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import) and any(a.name == "rsgeo" for a in node.names):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
            if isinstance(node, ast.ImportFrom) and node.module == "rsgeo" and node.level == 0:
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == [], f"modules importing the rsgeo facade: {offenders}"


def test_public_functions_stay_callable_after_importing_every_stage() -> None:
    code = (
        "import importlib, pkgutil, rsgeo\n"
        "for m in pkgutil.walk_packages(rsgeo.__path__, 'rsgeo.'):\n"
        "    if '.synthetic' not in m.name:\n"
        "        importlib.import_module(m.name)\n"
        "assert all(callable(getattr(rsgeo, f)) for f in"
        " ('classify', 'overlay', 'review', 'spot_check', 'township_stats')), 'shadowed'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_ships_py_typed() -> None:
    assert (PACKAGE / "py.typed").is_file()


def test_version() -> None:
    assert rsgeo.__version__.count(".") == 2
