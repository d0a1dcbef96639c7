"""Names made from data are safe on Windows as well as Linux."""

from __future__ import annotations

import re

import pytest

from rsgeo.outputs.names import safe_file_name, safe_name

DEVICE = re.compile(r"^(CON|PRN|AUX|NUL|COM[1-9¹²³]|LPT[1-9¹²³])(\..*)?$", re.IGNORECASE)
WINDOWS_BAD = set('<>:"/\\|?*') | {chr(c) for c in range(32)}


@pytest.mark.parametrize(
    "name",
    [
        "CON",
        "con",
        "com1",
        "COM1.txt",
        "lpt9.tar.gz",
        "NUL.",
        "P1.",
        "P1 ",
        "a/b",
        "a:b",
        "..",
        ".hidden",
        "",
        "x" * 300,
        "CONIN$",
        "com¹",
    ],
)
def test_never_a_name_windows_refuses(name: str) -> None:
    for made in (safe_name(name), safe_file_name(name)):
        assert made and not DEVICE.match(made), made
        assert not made.endswith((".", " ")) and not set(made) & WINDOWS_BAD, made
        assert not made.startswith(".")
    assert len(safe_name(name)) <= 90


def test_ordinary_ids_are_kept_and_distinct_ids_stay_distinct() -> None:
    assert safe_name("450225202030001") == "450225202030001"
    assert safe_name("融水镇_450225100") == "融水镇_450225100"
    assert safe_file_name("现场照片1.png") == "现场照片1.png"
    assert safe_name("a/b") != safe_name("a_b")  # replaced characters never merge two ids
    assert safe_name("CON") != safe_name("_CON")
