"""Mutation testing of rsgeo's rules: do the tests catch a wrong rule?

Each *mutant* is a copy of one module with one small change (``<`` for
``<=``, ``and`` for ``or``, a constant off by one, a word emptied, a ``not``
dropped, ...). The tests that exercise the changed line run against it; the
mutant is *killed* when one of them fails (or errors, or runs past the
timeout), and *survives* when they all pass. The score is killed / (mutants −
documented equivalent mutants); equivalents are listed in
``tools/mutation_equivalents.toml`` (and ``docs/testing.md``).

How it runs (``docs/testing.md``, "Mutation run"):

1. The repository (``rsgeo``, ``tests``, ``data`` and the project files) is
   copied to a scratch folder per worker; mutants are written there, never
   into the working tree.
2. A baseline run of each module's tests, traced, maps every line of the
   mutated modules to the tests that execute it (a line run by a shared
   fixture maps to every test using that fixture; a line run at import, e.g.
   a module constant, maps to all the module's tests).
3. Per mutant, a forked child (numpy, pandas, geopandas and pytest already
   imported) imports rsgeo from the copy and runs only the tests of the
   mutated lines, fastest first, with ``-x``.

Usage::

    python tools/mutation.py                      # every module of MODULES
    python tools/mutation.py rsgeo/geo/units.py   # some of them
    python tools/mutation.py --jobs 2 --report out/mutation.json
    python tools/mutation.py rsgeo/stats/criteria.py --lines 120-140 --show

Not part of the test suite (tens of minutes): a step before a release.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import dataclasses
import fnmatch
import itertools
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import tomllib
import warnings
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

MODULES: dict[str, tuple[str, ...]] = {
    # module mutated (``path::name`` for some functions or constants only)
    # -> the test files or folders that exercise it
    "rsgeo/geo/units.py": ("tests/geo/test_units_crs.py", "tests/geo/test_unit_helpers.py"),
    "rsgeo/stats/deductions.py": ("tests/stats",),
    "rsgeo/stats/township.py": (
        "tests/stats",
        "tests/schema/test_profiles.py",
        "tests/synthetic/test_crafted_townships.py",
    ),
    "rsgeo/stats/criteria.py": ("tests/stats", "tests/synthetic/test_crafted_townships.py"),
    "rsgeo/stats/ranking.py": ("tests/stats",),
    "rsgeo/analysis/classification.py": ("tests/analysis/test_classify.py",),
    "rsgeo/analysis/classification_rules.py": ("tests/analysis/test_classify.py",),
    "rsgeo/schema/military.py": (
        "tests/schema/test_military.py",
        "tests/stats/test_stats.py",
        "tests/analysis/test_classify.py",
    ),
    "rsgeo/schema/vocabulary.py::MILITARY_*": ("tests/schema/test_military.py",),
    "rsgeo/schema/deduction_classes.py": ("tests/stats",),
    # the areas: run with RSGEO_NO_NUMBA=1 (docs/testing.md), so that every mutant of a
    # formula runs as Python instead of being compiled again
    "rsgeo/geo/area.py": ("tests/geo/test_area.py", "tests/geo/test_survey_area.py"),
    "rsgeo/geo/survey_area.py": ("tests/geo/test_survey_area.py", "tests/geo/test_area.py"),
    "rsgeo/geo/gauss_kruger.py": (
        "tests/geo/test_gauss_kruger.py",
        "tests/geo/test_survey_area.py",
        "tests/geo/test_area.py",
    ),
    "rsgeo/geo/geodesic_area.py": (
        "tests/geo/test_geodesic_area.py",
        "tests/geo/test_area.py",
        "tests/geo/test_survey_area.py",
    ),
}
"""Modules under mutation and their tests; a module's doctests always run too."""

PROBE_REASON = "same outputs, bit for bit, on the module's probe (tools/mutation_probes.py)"
"""Why a survivor is equivalent on its probe (``_probe_survivors``)."""

MESSAGE_KEYWORDS = ("source", "where")
"""Keyword arguments that only name a thing in an error message: not mutated."""

EQUIVALENTS = REPO / "tools" / "mutation_equivalents.toml"
COPIED = ("rsgeo", "tests", "data", "pyproject.toml", "README.md")
PRELOAD = (
    "numpy",
    "pandas",
    "shapely",
    "pyproj",
    "pyogrio",
    "geopandas",
    "openpyxl",
    "pytest",
    "_pytest.doctest",
    "_pytest.python",
    "hypothesis",
    "hypothesis.extra.numpy",
    "hypothesis.extra.pandas",
)


# ---------------------------------------------------------------- mutants


@dataclasses.dataclass
class Mutant:
    module: str
    qualname: str
    line: int
    end_line: int
    operator: str
    original: str
    mutated: str
    start: int  # character offsets of the replaced text in the source
    end: int
    statement: tuple[int, int] = (0, 0)  # lines of the enclosing statement
    status: str = "pending"
    seconds: float = 0.0
    n_tests: int = 0
    killer: str = ""
    equivalent_reason: str = ""

    occurrence: int = 1  # the n-th mutant with this text in this function

    @property
    def key(self) -> str:
        n = f" #{self.occurrence}" if self.occurrence > 1 else ""
        return f"{self.module}::{self.qualname}::{self.original} => {self.mutated}{n}"

    def apply(self, source: str) -> str:
        return source[: self.start] + self.mutated + source[self.end :]


_CMP_SWAP: dict[type, type] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_BIN_SWAP: dict[type, type] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Pow: ast.Mult,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
    ast.Mod: ast.FloorDiv,
}


class _Sites(ast.NodeVisitor):
    """Walks a module and yields (node, replacement-node, operator) for each mutant."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.scope: list[str] = []
        # node, new text, operator, qualname, lines of the enclosing statement
        self.found: list[tuple[ast.AST, str, str, str, tuple[int, int]]] = []
        self.statement = (0, 0)
        self.skip_lines = {
            i + 1 for i, line in enumerate(source.splitlines()) if "pragma: no mutate" in line
        }

    def visit(self, node: ast.AST) -> None:
        if not isinstance(node, ast.stmt):
            return super().visit(node)
        # a mutant is run by the tests that run its statement (the header of a
        # compound statement): a line inside a multi-line expression may never
        # be traced by itself
        body = getattr(node, "body", None)
        last = node.end_lineno or node.lineno
        if isinstance(body, list) and body:
            last = max(node.lineno, body[0].lineno - 1)
        outer, self.statement = self.statement, (node.lineno, last)
        try:
            return super().visit(node)
        finally:
            self.statement = outer

    # -- what is never mutated
    def _body(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            if _is_docstring(stmt):  # docstrings, and the notes under constants
                continue
            names = []
            if not self.scope and isinstance(stmt, ast.Assign | ast.AnnAssign):
                if isinstance(stmt, ast.Assign) and _is_type_expr(stmt.value):
                    continue  # a type alias
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                names = [ast.unparse(t) for t in targets]
            self.scope.extend(names[:1])  # a module constant is its own scope
            self.visit(stmt)
            del self.scope[len(self.scope) - len(names[:1]) :]

    def visit_Module(self, node: ast.Module) -> None:
        self._body(node.body)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.visit(default)
        self.scope.append(node.name)
        self._body(node.body)
        self.scope.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.scope.append(node.name)
        self._body(node.body)
        self.scope.pop()

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)

    def visit_Assign(self, node: ast.Assign) -> None:
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if ast.unparse(node.value) in ("Literal", "typing.Literal"):
            return
        self.generic_visit(node)

    def visit_If(self, node: ast.If) -> None:
        if isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            return
        self.generic_visit(node)

    def _skip(self, node: ast.AST) -> None:
        return None

    visit_Import = visit_ImportFrom = visit_Raise = visit_Assert = _skip  # type: ignore[assignment]
    visit_JoinedStr = _skip  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:
        name = ast.unparse(node.func)
        if name in ("warnings.warn", "TypeVar", "cast", "typing.cast", "problems.append"):
            return  # messages (an input problem, a warning) and type hints
        self.visit(node.func)
        for arg in node.args:
            self.visit(arg)
        for keyword in node.keywords:
            if keyword.arg not in MESSAGE_KEYWORDS:
                self.visit(keyword.value)

    # -- the mutations
    def _add(self, node: ast.AST, new: ast.AST | str, op: str) -> None:
        if getattr(node, "lineno", None) in self.skip_lines:
            return
        text = new if isinstance(new, str) else ast.unparse(new)
        qual = ".".join(self.scope) or "<module>"
        self.found.append((node, text, op, qual, self.statement))

    def visit_Compare(self, node: ast.Compare) -> None:
        for i, cmp in enumerate(node.ops):
            swap = _CMP_SWAP.get(type(cmp))
            if swap is not None:
                new = copy.deepcopy(node)
                new.ops[i] = swap()
                self._add(node, f"({ast.unparse(new)})", f"{_op(cmp)} -> {_op(swap())}")
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        new = copy.deepcopy(node)
        new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        self._add(node, f"({ast.unparse(new)})", f"{_op(node.op)} -> {_op(new.op)}")
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        swap = _BIN_SWAP.get(type(node.op))
        if swap is not None and not _is_str(node.left):
            new = copy.deepcopy(node)
            new.op = swap()
            self._add(node, f"({ast.unparse(new)})", f"{_op(node.op)} -> {_op(new.op)}")
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        swap = _BIN_SWAP.get(type(node.op))
        if swap is not None:
            new = copy.deepcopy(node)
            new.op = swap()
            self._add(node, ast.unparse(new), f"{_op(node.op)}= -> {_op(new.op)}=")
        self.visit(node.value)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not | ast.Invert | ast.USub):
            self._add(node, f"({ast.unparse(node.operand)})", f"drop {_op(node.op)}")
        self.generic_visit(node)

    def visit_Slice(self, node: ast.Slice) -> None:
        for part in ("lower", "upper"):
            bound = getattr(node, part)
            if bound is not None and not isinstance(bound, ast.Constant | ast.UnaryOp):
                self._add(bound, f"({ast.unparse(bound)} + 1)", f"slice {part} + 1")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool):
            self._add(node, repr(not value), f"{value} -> {not value}")
        elif isinstance(value, int):
            self._add(node, repr(value + 1), "number + 1")
            self._add(node, f"({value - 1!r})", "number - 1")
        elif isinstance(value, float):
            self._add(node, f"({value + 1.0!r})", "number + 1")
            if value != 0.0:
                self._add(node, "0.0", "number -> 0")
        elif isinstance(value, str):
            self._add(node, '""' if value else '"XX"', "string emptied" if value else "string 'XX'")


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _is_type_expr(node: ast.AST) -> bool:
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, ast.BitOr) and all(
            _is_type_expr(n) for n in (node.left, node.right)
        )
    if isinstance(node, ast.Subscript):
        return _is_type_expr(node.value)
    return (isinstance(node, ast.Name | ast.Attribute) and ast.unparse(node)[:1].isupper()) or (
        isinstance(node, ast.Name | ast.Attribute)
        and ast.unparse(node) in ("float", "int", "str", "bool", "None")
    )


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


_OP_TEXT = {
    "Lt": "<",
    "LtE": "<=",
    "Gt": ">",
    "GtE": ">=",
    "Eq": "==",
    "NotEq": "!=",
    "In": "in",
    "NotIn": "not in",
    "Is": "is",
    "IsNot": "is not",
    "And": "and",
    "Or": "or",
    "Add": "+",
    "Sub": "-",
    "Mult": "*",
    "Div": "/",
    "FloorDiv": "//",
    "Pow": "**",
    "Mod": "%",
    "BitAnd": "&",
    "BitOr": "|",
    "Not": "not",
    "Invert": "~",
    "USub": "-",
}


def _op(op: ast.AST) -> str:
    return _OP_TEXT.get(type(op).__name__, type(op).__name__)


def _offsets(source: str) -> list[int]:
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line.encode("utf-8")))
    return starts


def mutants_of(module: str, source: str) -> list[Mutant]:
    """Every mutant of a module's source, in source order."""
    tree = ast.parse(source)
    sites = _Sites(source)
    sites.visit(tree)
    data = source.encode("utf-8")
    starts = _offsets(source)
    out: list[Mutant] = []
    for node, text, op, qual, statement in sites.found:
        b0 = starts[node.lineno - 1] + node.col_offset  # type: ignore[attr-defined]
        b1 = starts[node.end_lineno - 1] + node.end_col_offset  # type: ignore[attr-defined]
        start = len(data[:b0].decode("utf-8"))
        end = len(data[:b1].decode("utf-8"))
        original = source[start:end]
        m = Mutant(
            module=module,
            qualname=qual,
            line=node.lineno,  # type: ignore[attr-defined]
            end_line=node.end_lineno,  # type: ignore[attr-defined]
            statement=statement,
            operator=op,
            original=" ".join(original.split()),
            mutated=text,
            start=start,
            end=end,
        )
        out.append(m)
    # the same text twice (e.g. a swap that unparses alike) is one mutant
    seen: set[tuple[int, int, str]] = set()
    unique = []
    for m in sorted(out, key=lambda m: (m.start, m.end, m.mutated)):
        sig = (m.start, m.end, m.mutated)
        if sig in seen or " ".join(m.mutated.strip("()").split()) == m.original:
            continue
        seen.add(sig)
        unique.append(m)
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for m in unique:
        counts[m.qualname, m.original, m.mutated] += 1
        m.occurrence = counts[m.qualname, m.original, m.mutated]
    return unique


# ---------------------------------------------------------------- running


def _write(path: Path, text: str, *, mtime: int) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(mtime, mtime))


def _copy_repo(dest: Path) -> None:
    for name in COPIED:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(
                src,
                dest / name,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis"),
            )
        else:
            shutil.copy2(src, dest / name)


def _preload() -> None:
    import importlib

    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    if any(m == "rsgeo" or m.startswith("rsgeo.") for m in sys.modules):
        raise SystemExit("rsgeo was imported before the mutants: the run would test the original")


def _pytest_args(root: Path, tests: list[str], *, stop: bool) -> list[str]:
    args = ["-q", "-p", "no:cacheprovider", "--no-header", "-o", "console_output_style=classic"]
    args += ["--rootdir", str(root), "-W", "ignore::DeprecationWarning"]
    if stop:
        args.append("-x")
    return [*args, *tests]


def _in_child(root: Path, run: Any) -> int:
    """Fork; the child imports rsgeo from ``root`` and returns ``run()``'s exit code."""
    pid = os.fork()
    if pid == 0:  # child
        code = 3
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.setpgid(0, 0)
            os.chdir(root)
            sys.path.insert(0, str(root))
            os.environ["PYTHONPATH"] = str(root)
            os.environ["CI"] = "true"
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            code = int(run())
        except BaseException:
            code = 3
        finally:
            os._exit(code)
    return pid


def _wait(pid: int, timeout: float) -> int | None:
    """Exit code of the child, or None after a timeout (the child is killed)."""
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None
        time.sleep(0.02)


class _Tracer:
    """pytest plugin: lines of the target files run by each test (and at import)."""

    def __init__(self, targets: dict[str, str]) -> None:
        self.targets = targets  # absolute path in the copy -> module (repo-relative)
        self.current = "<import>"
        self.lines: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        self.setup_lines: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        self.phase = "call"
        self.durations: dict[str, float] = defaultdict(float)
        self.shared: dict[str, list[str]] = {}
        self.failed: list[str] = []
        self.order: list[str] = []

    def _global(self, frame: Any, event: str, arg: Any) -> Any:
        module = self.targets.get(frame.f_code.co_filename)
        if module is None:
            return None
        store = self.setup_lines if self.phase == "setup" else self.lines
        bucket = store[self.current][module]
        bucket.add(frame.f_lineno)

        def local(frame: Any, event: str, arg: Any) -> Any:
            if event == "line":
                bucket.add(frame.f_lineno)
            return local

        return local

    def start(self) -> None:
        import threading

        sys.settrace(self._global)
        threading.settrace(self._global)

    def pytest_collection_modifyitems(self, items: list[Any]) -> None:
        for item in items:
            self.order.append(item.nodeid)
            info = getattr(item, "_fixtureinfo", None)
            shared = []
            for name, defs in info.name2fixturedefs.items() if info else []:
                scope = getattr(defs[-1], "scope", "function")
                scope = getattr(scope, "value", scope)
                func = getattr(defs[-1], "func", None)
                where = getattr(getattr(func, "__code__", None), "co_filename", "")
                if scope == "function" or "/tests/" not in where:
                    continue
                base = item.nodeid.split("::")[0] if scope == "module" else ""
                shared.append(f"{scope}:{where}:{name}:{base}")
            self.shared[item.nodeid] = shared

    def _phase(self, item: Any, phase: str) -> Iterator[None]:
        self.current, self.phase = item.nodeid, phase
        t0 = time.perf_counter()
        yield
        self.durations[item.nodeid] += time.perf_counter() - t0
        self.current, self.phase = "<between>", "call"

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.failed:
            self.failed.append(report.nodeid)


def _hook(phase: str) -> Any:
    import pytest

    @pytest.hookimpl(wrapper=True)
    def hook(self: _Tracer, item: Any) -> Any:
        gen = self._phase(item, phase)
        next(gen)
        try:
            return (yield)
        finally:
            next(gen, None)

    return hook


def _baseline(root: Path, tests: list[str], targets: dict[str, str], out: Path) -> None:
    """Traced run of ``tests`` in a child; the coverage map lands in ``out`` (JSON)."""

    def run() -> int:
        import pytest

        for phase in ("setup", "call", "teardown"):
            setattr(_Tracer, f"pytest_runtest_{phase}", _hook(phase))
        tracer = _Tracer(targets)
        tracer.start()
        code = pytest.main(_pytest_args(root, tests, stop=False), plugins=[tracer])
        sys.settrace(None)
        data = {
            "exit": int(code),
            "failed": tracer.failed,
            "order": tracer.order,
            "durations": tracer.durations,
            "shared": tracer.shared,
            "lines": {t: {m: sorted(v) for m, v in d.items()} for t, d in tracer.lines.items()},
            "setup": {
                t: {m: sorted(v) for m, v in d.items()} for t, d in tracer.setup_lines.items()
            },
        }
        out.write_text(json.dumps(data), encoding="utf-8")
        return int(code)

    pid = _in_child(root, run)
    code = _wait(pid, 3600)
    if code != 0:
        detail = out.read_text(encoding="utf-8") if out.exists() else ""
        failed = json.loads(detail)["failed"] if detail else []
        raise SystemExit(f"the baseline run fails (exit {code}): {failed or 'see pytest'}")


@dataclasses.dataclass
class _Map:
    """Which tests run a given line of a module."""

    module: str
    order: list[str]
    durations: dict[str, float]
    by_line: dict[int, set[str]]
    import_lines: set[int]

    def tests_for(self, first: int, last: int) -> list[str]:
        chosen: set[str] = set()
        hit_import = False
        for line in range(first, last + 1):
            chosen |= self.by_line.get(line, set())
            hit_import |= line in self.import_lines
        if hit_import:  # run at import (a constant, a default): every test of the module
            chosen = set(self.order)
        return sorted(chosen, key=lambda t: (self.durations.get(t, 0.0), self.order.index(t)))


def _maps(data: dict[str, Any], module: str, own_tests: list[str]) -> _Map:
    order = [t for t in data["order"] if any(_under(t, p) for p in own_tests)]
    keep = set(order)
    by_line: dict[int, set[str]] = defaultdict(set)
    users: dict[str, set[str]] = defaultdict(set)
    for test in order:
        for fixture in data["shared"].get(test, []):
            users[fixture].add(test)
    for test, mods in data["lines"].items():
        if test in keep:
            for line in mods.get(module, []):
                by_line[line].add(test)
    for test, mods in data["setup"].items():
        if test not in keep:
            continue
        sharing = {test}
        for fixture in data["shared"].get(test, []):
            sharing |= users[fixture]
        for line in mods.get(module, []):
            by_line[line] |= sharing
    imports = set(data["lines"].get("<import>", {}).get(module, []))
    imports |= set(data["lines"].get("<between>", {}).get(module, []))
    return _Map(module, order, data["durations"], by_line, imports)


def _module_values(path: str, source: str) -> dict[str, Any] | None:
    """The module's top-level numbers and strings after running ``source``, or None."""
    import numpy as np

    try:
        namespace = _exec_module(path, source).__dict__
    except Exception:  # a mutant that breaks the module is not equivalent
        return None
    out: dict[str, Any] = {}
    for name, value in namespace.items():
        if isinstance(value, bool | int | float | complex | str | bytes):
            out[name] = value
        elif isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
            out[name] = value.copy()
    return out


ULPS = 4
"""A constant moved by at most this many units in the last place counts as unchanged."""


def _compare_values(base: dict[str, Any], other: dict[str, Any]) -> str:
    """ "same" (bit for bit), "ulps" (floats within ULPS units in the last place) or "changed"."""
    import math

    import numpy as np

    if base.keys() != other.keys():
        return "changed"
    verdict = "same"
    for name, a in base.items():
        b = other[name]
        if type(a) is not type(b):
            return "changed"
        if isinstance(a, np.ndarray):
            if a.dtype != b.dtype or a.shape != b.shape:
                return "changed"
            if a.tobytes() == b.tobytes():
                continue
            if a.dtype.kind != "f" or not np.all(np.abs(a - b) <= ULPS * np.spacing(np.abs(a))):
                return "changed"
            verdict = "ulps"
        elif isinstance(a, float):
            if a == b and math.copysign(1.0, a) == math.copysign(1.0, b):
                continue
            if not (math.isfinite(a) and abs(a - b) <= ULPS * math.ulp(a)):
                return "changed"
            verdict = "ulps"
        elif a != b:
            return "changed"
    return verdict


def _same_value_constants(mutants: list[Mutant]) -> int:
    """Mark the mutants of module constants that leave every constant bit for bit the same.

    A high-order term of a series (``7891.0 * _N6 / 37800.0`` for
    ``7892.0 * …``) can change a constant by less than its last bit: the
    mutated module is the same program, and no test can tell. Such a mutant
    is equivalent; so is one that moves no constant by more than ``ULPS``
    units in the last place, the rounding of the constant's own evaluation
    (the tests check the series' coefficients against exact arithmetic to
    that bound). The check runs the module's top level, original and
    mutated, and compares every number and string it defines.
    """
    by_module: dict[str, list[Mutant]] = defaultdict(list)
    for x in mutants:
        if x.status == "pending":
            by_module[x.module].append(x)
    n = 0
    for module, xs in by_module.items():
        source = (REPO / module).read_text(encoding="utf-8")
        top = {
            (stmt.lineno, stmt.end_lineno)
            for stmt in ast.parse(source).body
            if isinstance(stmt, ast.Assign | ast.AnnAssign)
        }
        candidates = [x for x in xs if x.statement in top]
        if not candidates:
            continue
        base = _module_values(module, source)
        if base is None:
            continue
        for x in candidates:
            mutated = _module_values(module, x.apply(source))
            verdict = "changed" if mutated is None else _compare_values(base, mutated)
            if verdict == "changed":
                continue
            x.status = "equivalent"
            x.equivalent_reason = (
                "every constant of the module is the same to the last bit"
                if verdict == "same"
                else f"no constant of the module moves by more than {ULPS} units in the last "
                "place: the rounding of its own evaluation in double precision"
            )
            n += 1
    for name in [m for m in sys.modules if m == "rsgeo" or m.startswith("rsgeo.")]:
        del sys.modules[name]  # the mutants import rsgeo from their copies
    return n


def _exec_module(path: str, source: str) -> Any:
    """``source`` run as a fresh module (registered while it runs: dataclasses look it up)."""
    import types

    name = "_rsgeo_mutation_probe"
    module = types.ModuleType(name)
    module.__file__ = str(REPO / path)
    sys.modules[name] = module
    try:
        exec(compile(source, str(REPO / path), "exec"), module.__dict__)
    finally:
        del sys.modules[name]
    return module


def _probe_survivors(mutants: list[Mutant], timeout: float = 300.0) -> int:
    """Mark the survivors whose module computes the same probe outputs, bit for bit.

    The probes (``tools/mutation_probes.py``) run the mutated module on a
    fixed sample of its domain; a mutant that changes none of the outputs is
    equivalent on the probe. Runs in this process after the tests, so rsgeo
    is imported here only now (and forgotten again at the end).
    """
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from mutation_probes import PROBES, fingerprint

    def alarm(*_: Any) -> None:
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, alarm)
    n = 0
    try:
        for module, probe in PROBES.items():
            xs = [x for x in mutants if x.module == module and x.status == "survived"]
            if not xs:
                continue
            source = (REPO / module).read_text(encoding="utf-8")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                base = fingerprint(probe(_exec_module(module, source)))
            for x in xs:
                try:
                    signal.alarm(int(timeout))
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        same = fingerprint(probe(_exec_module(module, x.apply(source)))) == base
                except Exception:  # a crash or a timeout: the mutant changed something
                    same = False
                finally:
                    signal.alarm(0)
                if same:
                    x.status = "equivalent"
                    x.equivalent_reason = PROBE_REASON
                    n += 1
                print(f"probe {'same   ' if same else 'differs'} {x.module}:{x.line} {x.key}")
    finally:
        signal.signal(signal.SIGALRM, previous)
        for name in [m for m in sys.modules if m == "rsgeo" or m.startswith("rsgeo.")]:
            del sys.modules[name]
    return n


def _under(nodeid: str, path: str) -> bool:
    file = nodeid.split("::")[0]
    return file == path or file.startswith(path.rstrip("/") + "/")


def _load_equivalents() -> dict[str, str]:
    if not EQUIVALENTS.exists():
        return {}
    table = tomllib.loads(EQUIVALENTS.read_text(encoding="utf-8"))
    out = {}
    for entry in table.get("equivalent", []):
        n = entry.get("occurrence", 1)
        key = f"{entry['module']}::{entry['function']}::{entry['original']} => {entry['mutated']}"
        out[key + (f" #{n}" if n > 1 else "")] = entry["why"]
    return out


class _Runner:
    """Runs mutants in forked children, ``len(roots)`` at a time."""

    def __init__(
        self, mutants: list[Mutant], maps: dict[str, _Map], roots: list[Path], factor: float
    ) -> None:
        modules = {x.module for x in mutants}
        self.sources = {m: (REPO / m).read_text(encoding="utf-8") for m in modules}
        self.todo = [x for x in mutants if x.status == "pending"]
        self.maps, self.factor = maps, factor
        self.free = list(roots)
        self.running: dict[int, tuple[Mutant, Path, float, float]] = {}
        self.total, self.done = len(self.todo), 0
        self.t0 = time.monotonic()
        # a unique modification time (whole seconds) per mutant: a cached .pyc of
        # another mutant, or of the original, never passes for this one
        self.stamps = itertools.count(1_000_000)
        self.mtime = {root / m: (root / m).stat().st_mtime_ns for root in roots for m in modules}

    def run(self) -> None:
        try:
            while self.todo or self.running:
                while self.todo and self.free:
                    self._start(self.todo.pop(0))
                for pid, (_, _, t0, limit) in list(self.running.items()):
                    done, status = os.waitpid(pid, os.WNOHANG)
                    if done:
                        self._finish(pid, os.waitstatus_to_exitcode(status))
                    elif time.monotonic() - t0 > limit:
                        self._kill(pid)
                        self._finish(pid, None)
                time.sleep(0.01)
        finally:  # interrupted: the mutants running stay "pending"
            for pid in list(self.running):
                self._kill(pid)
                self._finish(pid, None, interrupted=True)

    def _start(self, m: Mutant) -> None:
        first, last = m.statement
        tests = self.maps[m.module].tests_for(min(first, m.line), max(last, m.end_line))
        m.n_tests = len(tests)
        if not tests:
            m.status, m.killer = "survived", "(no test runs this line)"
            self._log(m)
            return
        root = self.free.pop()
        _write(root / m.module, m.apply(self.sources[m.module]), mtime=next(self.stamps) * 10**9)
        expected = sum(self.maps[m.module].durations.get(t, 1.0) for t in tests)

        def run() -> int:
            import pytest

            return int(pytest.main(_pytest_args(root, tests, stop=True)))

        self.running[_in_child(root, run)] = (
            m,
            root,
            time.monotonic(),
            20.0 + self.factor * expected,
        )

    def _kill(self, pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        os.waitpid(pid, 0)

    def _finish(self, pid: int, code: int | None, *, interrupted: bool = False) -> None:
        m, root, t0, _ = self.running.pop(pid)
        _write(root / m.module, self.sources[m.module], mtime=self.mtime[root / m.module])
        self.free.append(root)
        if interrupted:
            return
        m.seconds = round(time.monotonic() - t0, 2)
        if code is None:
            m.status = "timeout"
        elif code == 0:
            m.status = "survived"
        elif code == 4:  # pytest refused its arguments: a fault of this tool, not a kill
            m.status = "error"
        else:  # 1 tests failed, 2 collection errors (the mutant breaks an import), 3
            m.status = "killed"
        self._log(m)

    def _log(self, m: Mutant) -> None:
        self.done += 1
        left = (time.monotonic() - self.t0) / self.done * (self.total - self.done) / 60
        print(
            f"[{self.done}/{self.total} ~{left:.0f} min left] {m.status:8} "
            f"{m.module}:{m.line} {m.operator}: {m.original[:60]}",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="modules to mutate (default: all of MODULES)")
    parser.add_argument("--tests", nargs="*", help="test paths (default: those of MODULES)")
    parser.add_argument("--lines", help="only mutants starting in this line range, e.g. 120-140")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (default 1)")
    parser.add_argument("--timeout-factor", type=float, default=4.0)
    parser.add_argument("--report", type=Path, help="write every mutant and its fate (JSON)")
    parser.add_argument("--show", action="store_true", help="print each surviving mutant")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument(
        "--probe-only",
        action="store_true",
        help="with --rerun: run no test, only the probes on the report's survivors",
    )
    parser.add_argument(
        "--rerun",
        type=Path,
        help="a report of an earlier run: run only its survivors again, keep its other fates",
    )
    args = parser.parse_args(argv)

    specs = args.modules or list(MODULES)
    for spec in specs:
        if not (REPO / spec.split("::")[0]).is_file():
            parser.error(f"no such module: {spec}")
        if spec not in MODULES and not args.tests:
            parser.error(f"{spec} is not in MODULES: name its tests with --tests")
    mutants: list[Mutant] = []
    for spec in specs:
        path, _, pattern = spec.partition("::")
        mutants += [
            x
            for x in mutants_of(path, (REPO / path).read_text(encoding="utf-8"))
            if not pattern or fnmatch.fnmatchcase(x.qualname, pattern)
        ]
    if args.lines:
        lo, _, hi = args.lines.partition("-")
        mutants = [x for x in mutants if int(lo) <= x.line <= int(hi or lo)]
    if args.rerun:  # tests are only ever added: what was killed stays killed
        earlier = {x["key"]: x for x in json.loads(args.rerun.read_text(encoding="utf-8"))}
        for x in mutants:
            old = earlier.get(x.key)
            if old is not None and old["status"] in ("killed", "timeout"):
                x.status, x.seconds, x.n_tests = old["status"], old["seconds"], old["n_tests"]
            elif old is not None and old["equivalent_reason"].startswith(PROBE_REASON[:20]):
                x.status = "survived"  # no test run: the probe, run again at the end, decides
    equivalents = _load_equivalents()
    matched = set()
    for x in mutants:
        if x.key in equivalents:
            x.status, x.equivalent_reason = "equivalent", equivalents[x.key]
            matched.add(x.key)
    n_same = _same_value_constants(mutants)
    if n_same:
        print(
            f"{n_same} mutants of constants move no constant by more than {ULPS} ulps: equivalent"
        )
    if args.list:
        for x in mutants:
            print(f"{x.module}:{x.line} {x.operator}: {x.key}")
        print(f"{len(mutants)} mutants")
        return 0

    t0 = time.monotonic()
    if args.probe_only:
        if not args.rerun:
            parser.error("--probe-only needs --rerun REPORT")
        for x in mutants:  # the report's fates, survivors included
            old = earlier.get(x.key)
            if old is not None and x.status == "pending":
                x.status, x.seconds, x.n_tests = old["status"], old["seconds"], old["n_tests"]
        n_probe = _probe_survivors(mutants)
        print(f"{n_probe} survivors compute the same outputs on their probe: equivalent")
        return _summary(mutants, time.monotonic() - t0, args, equivalents, matched)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    _preload()
    scratch = Path(tempfile.mkdtemp(prefix="rsgeo-mutation-"))
    try:
        roots = []
        for i in range(max(1, args.jobs)):
            root = scratch / f"w{i}"
            root.mkdir()
            _copy_repo(root)
            roots.append(root)
        own: dict[str, list[str]] = defaultdict(list)
        for spec in specs:  # a module's doctests run with its tests
            path = spec.split("::")[0]
            own[path] += [t for t in [*(args.tests or MODULES[spec]), path] if t not in own[path]]
        modules = list(own)
        all_tests = sorted({t for ts in own.values() for t in ts})
        all_tests = [t for t in all_tests if (REPO / t).exists()]
        targets = {str(roots[0] / m): m for m in modules}
        base = scratch / "baseline.json"
        print(f"baseline: {len(all_tests)} test paths, traced ...", flush=True)
        _baseline(roots[0], all_tests, targets, base)
        data = json.loads(base.read_text(encoding="utf-8"))
        print(f"baseline: {len(data['order'])} tests in {time.monotonic() - t0:.0f} s", flush=True)
        maps = {m: _maps(data, m, own[m]) for m in modules}
        for m in modules:  # the unmutated module passes its tests as the mutants run them
            tests = maps[m].order

            def control(root: Path = roots[0], tests: list[str] = tests) -> int:
                import pytest

                return int(pytest.main(_pytest_args(root, tests, stop=True)))

            code = _wait(_in_child(roots[0], control), 3600)
            if code != 0:
                raise SystemExit(f"control run of {m}'s tests fails (exit {code})")
        _Runner(mutants, maps, roots, args.timeout_factor).run()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    n_probe = _probe_survivors(mutants)
    if n_probe:
        print(f"{n_probe} survivors compute the same outputs on their probe: equivalent")
    elapsed = time.monotonic() - t0
    return _summary(mutants, elapsed, args, equivalents, matched)


def _summary(
    mutants: list[Mutant],
    elapsed: float,
    args: argparse.Namespace,
    equivalents: dict[str, str],
    matched: set[str],
) -> int:
    rows = defaultdict(lambda: defaultdict(int))
    for x in mutants:
        rows[x.module][x.status] += 1
        rows["total"][x.status] += 1
    if args.show:
        for x in mutants:
            if x.status == "survived":
                print(
                    f"SURVIVED {x.module}:{x.line} [{x.qualname}] {x.operator}: "
                    f"{x.original!r} => {x.mutated!r} {x.killer}"
                )
    print(
        f"\n{'module':42} {'mutants':>7} {'killed':>6} {'timeout':>7} {'survived':>8} "
        f"{'equiv.':>6} {'score':>7}"
    )
    for module, r in sorted(rows.items(), key=lambda kv: kv[0] == "total"):
        n = sum(r.values())
        caught = r["killed"] + r["timeout"]
        scored = n - r["equivalent"]
        score = 100.0 * caught / scored if scored else 100.0
        print(
            f"{module:42} {n:7} {r['killed']:6} {r['timeout']:7} {r['survived']:8} "
            f"{r['equivalent']:6} {score:6.1f}%"
        )
    print(f"run time {elapsed / 60:.1f} min")
    stale = sorted(
        k for k in set(equivalents) - matched if k.split("::")[0] in {x.module for x in mutants}
    )
    if stale and not args.lines:
        print("equivalent mutants listed but not found (stale entries):")
        for k in stale:
            print("  ", k)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(
            json.dumps(
                [{"key": x.key, **dataclasses.asdict(x)} for x in mutants],
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
    total = rows["total"]
    scored = sum(total.values()) - total["equivalent"]
    score = 100.0 * (total["killed"] + total["timeout"]) / scored if scored else 100.0
    print(f"MUTATION SCORE {score:.1f}% (equivalent mutants excluded)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
