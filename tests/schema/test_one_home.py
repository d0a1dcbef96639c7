"""Every label and domain word is written once, in rsgeo.schema.

A scan of every string literal of the package (docstrings aside): none outside
``rsgeo/schema/`` may spell a label or word that lives there, so a change of
wording in schema changes it in every output.
"""

from __future__ import annotations

import ast
import pathlib

import rsgeo
from rsgeo.schema import labels, vocabulary

PACKAGE = pathlib.Path(rsgeo.__file__).parent
HOMES = {PACKAGE / "schema", PACKAGE / "synthetic"}  # the generator writes sample data


def _words() -> dict[str, str]:
    words: dict[str, str] = {}
    for name in labels.__all__:
        table = getattr(labels, name)
        for value in [table] if isinstance(table, str) else table.values():
            words[value] = f"labels.{name}"
    for code in vocabulary.CULTIVATED_CLASSES:
        words[code] = "vocabulary.CULTIVATED_CLASSES"
    for method, spellings in vocabulary.RECTIFICATION_METHODS.items():
        for s in (method, *spellings):
            words[s] = "vocabulary.RECTIFICATION_METHODS"
    # the classes are written as the constants LEGAL / ILLEGAL / OTHER
    for value in vocabulary.CLASSES:
        words[value] = "vocabulary.CLASSES"
    return words


def _literals(path: pathlib.Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        (n.lineno, n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    ]


def test_labels_and_words_have_one_home() -> None:
    words = _words()
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if any(home in path.parents for home in HOMES):
            continue
        for line, text in _literals(path):
            if len(text) >= 2 and text in words:
                found.append(f"{path.relative_to(PACKAGE)}:{line} {text!r} ({words[text]})")
    assert found == [], "\n".join(found)
