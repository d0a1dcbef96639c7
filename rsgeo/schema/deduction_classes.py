"""Deduction classes (扣减类型) and the age of an illegal case (新增 / 存量).

Provinces switch deduction classes on and off, each with its own cutoff day
(``docs/statistics.md``); a patch's class is the one written in its
determination (扣减类型), else the one its rectification method implies
(补办手续 → 已补办(农转用), 拆除复耕 → 已拆除复耕到位). Only 新增 (new this year)
illegal cases enter the year's ratio; 存量 (older) cases are reported apart.

Examples
--------
>>> deduction_class("已拆除复耕"), deduction_class("重点工程"), deduction_class("x")
('已拆除复耕到位', '省级及以上重点工程', None)
>>> case_age("存量违法"), case_age(""), case_age("旧")
('存量', '', None)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

from rsgeo.schema.vocabulary import EMPTY_WORDS, normalize_word

__all__ = [
    "CASE_AGES",
    "DEDUCTION_CLASSES",
    "DEFAULT_DEDUCTION_CLASSES",
    "METHOD_DEDUCTION_CLASS",
    "NEW_CASE",
    "STOCK_CASE",
    "case_age",
    "deduction_class",
]

DEDUCTION_CLASSES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "未供即用": ("未供即用", "先用后供", "未批先用已供地"),
        "已补办(农转用)": ("已补办(农转用)", "已补办农转用", "补办农转用", "已补办（农转用）"),
        "已补办(设施农用地/临时用地)": (
            "已补办(设施农用地/临时用地)",
            "已补办（设施农用地/临时用地）",
            "已补办设施农用地",
            "已补办临时用地",
            "补办设施农用地",
            "补办临时用地",
        ),
        "省级及以上重点工程": ("省级及以上重点工程", "重点工程", "国家重点工程", "省级重点工程"),
        "保障性安居工程": ("保障性安居工程", "安居工程", "保障房"),
        "已拆除复耕到位": ("已拆除复耕到位", "拆除复耕到位", "已拆除复耕", "已复耕到位"),
    }
)
"""The deduction classes of provincial practice and the spellings read as each."""

METHOD_DEDUCTION_CLASS: Mapping[str, str] = MappingProxyType(
    {"补办手续": "已补办(农转用)", "拆除复耕": "已拆除复耕到位"}
)
"""The class a rectification method implies when the determination names none."""

DEFAULT_DEDUCTION_CLASSES: tuple[str, ...] = ("已补办(农转用)", "已拆除复耕到位")
"""Classes that deduct by default (the work plan: 补办手续 and 拆除复耕 by the cutoff)."""

NEW_CASE = "新增"
STOCK_CASE = "存量"
CASE_AGES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        NEW_CASE: (NEW_CASE, "新增违法", "本年新增", "新增建设用地违法"),
        STOCK_CASE: (STOCK_CASE, "存量违法", "历史存量", "往年", "存量建设用地违法"),
    }
)
"""新增 (new this year) and 存量 (older) cases, with the spellings read as each."""


def _word(value: object) -> str:
    """A cell as matched here: full-width forms folded (（ → (), spaces removed, case-folded.

    The words of an empty cell (``/``, ``无``, ``-`` …, ``EMPTY_WORDS``) give ``""``.
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    word = normalize_word(unicodedata.normalize("NFKC", str(value)))
    return "" if word in EMPTY_WORDS else word


def _lookup(table: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    return {_word(alias): canon for canon, aliases in table.items() for alias in aliases}


_CLASS_WORDS = _lookup(DEDUCTION_CLASSES)
_AGE_WORDS = _lookup(CASE_AGES)


def deduction_class(value: object) -> str | None:
    """The deduction class a cell names; ``""`` for an empty cell, None when unknown."""
    word = _word(value)
    return "" if not word else _CLASS_WORDS.get(word)


def case_age(value: object) -> str | None:
    """新增 or 存量 for a cell; ``""`` for an empty cell, None when unknown."""
    word = _word(value)
    return "" if not word else _AGE_WORDS.get(word)
