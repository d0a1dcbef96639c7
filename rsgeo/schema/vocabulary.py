"""The domain's words: classes, cultivated-land codes, rectification and empty words.

Every word rsgeo matches in a delivery or a county table, and every default
list built from them, is defined here once; ``docs/classification.md`` and
``docs/statistics.md`` describe how each is used.

Examples
--------
>>> CLASSES
('合法', '违法', '其他')
>>> CLASSES_2026
('合法', '其他', '非农违法', '农村道路', '设施农用地', '非粮违法')
>>> "0102" in CULTIVATED_CLASSES
True
>>> RECTIFICATION_WORDS["拆除"], RECTIFICATION_WORDS["整改中"]
('拆除复耕', '未整改')
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "CLASSES",
    "CLASSES_2026",
    "CULTIVATED_CLASSES",
    "DEDUCTIBLE_METHODS",
    "DETERMINATION_VALUES",
    "DETERMINATION_WORDS",
    "EMPTY_WORDS",
    "FACILITY_FARMLAND",
    "FARMLAND_KEY",
    "ILLEGAL",
    "LEGAL",
    "MILITARY_LAND_CLASSES",
    "MILITARY_NO",
    "MILITARY_WORDS",
    "MILITARY_YES",
    "MISSING_WORDS",
    "NON_AGRICULTURAL_ILLEGAL",
    "NON_GRAIN_ILLEGAL",
    "NOT_RECTIFIED",
    "OTHER",
    "RECTIFICATION_METHODS",
    "RECTIFICATION_WORDS",
    "RURAL_ROAD",
    "SUBTYPES_2026",
    "UNRECTIFIED_METHODS",
    "YES_WORDS",
    "normalize_word",
]

# --------------------------------------------------------------------------- classes

LEGAL = "合法"
ILLEGAL = "违法"
OTHER = "其他"
CLASSES: tuple[str, ...] = (LEGAL, ILLEGAL, OTHER)
"""The three classes of a patch (2020 vocabulary)."""

NON_AGRICULTURAL_ILLEGAL = "非农违法"
RURAL_ROAD = "农村道路"
FACILITY_FARMLAND = "设施农用地"
NON_GRAIN_ILLEGAL = "非粮违法"
CLASSES_2026: tuple[str, ...] = (
    LEGAL,
    OTHER,
    NON_AGRICULTURAL_ILLEGAL,
    RURAL_ROAD,
    FACILITY_FARMLAND,
    NON_GRAIN_ILLEGAL,
)
"""The classes of a clue in the 2026 vocabulary (核实认定意见, DOMAIN.md §5);
非粮违法 is counted apart (:mod:`rsgeo.schema.profiles`)."""

SUBTYPES_2026: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        LEGAL: ("批文", "供地手续", "登记发证", OTHER),
        OTHER: ("边角细缝", "农村宅基地", "农村土坟", "电力设施"),
        NON_AGRICULTURAL_ILLEGAL: ("工矿商服", "民生公益", "道路交通", OTHER),
    }
)
"""Known sub-types of the 2026 classes, for documentation and the synthetic
sample. The lists are open: 其他 has about 18 sub-types in practice and each
非农违法 group has its own; a sub-type outside these lists is kept as written."""

# --------------------------------------------------------------------------- land

FARMLAND_KEY = "farmland"
"""The layer key of the cultivated-land (耕地) role in the overlay."""

CULTIVATED_CLASSES: tuple[str, ...] = ("0101", "0102", "0103")
"""Land classes (三调 DLBM) that are cultivated land: 水田, 水浇地, 旱地.

A ``farmland`` layer with a land-class field counts only these features as
farmland (:func:`rsgeo.overlay`); every road to the figures applies it there.
"""

# --------------------------------------------------------------------------- cells

MISSING_WORDS: frozenset[str] = frozenset({"", "nan", "nat", "none", "null", "<na>"})
"""How software writes a missing value into a cell (compared case-folded)."""

EMPTY_WORDS: frozenset[str] = MISSING_WORDS | {"/", "-", "—", "——", "无"}
"""What a person writes into a cell for "nothing": the missing words and dashes, 无."""

YES_WORDS: frozenset[str] = frozenset({"1", "true", "t", "y", "yes", "是"})
"""Text read as true in a yes/no column (case-folded)."""


def normalize_word(value: str) -> str:
    """A word as matched against the tables here: white space removed, case-folded.

    >>> normalize_word(" 拆除 复耕 ")
    '拆除复耕'
    """
    return "".join(str(value).split()).casefold()


# --------------------------------------------------------------------------- determinations

DETERMINATION_VALUES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        LEGAL: (LEGAL, "合法用地", "legal"),
        ILLEGAL: (ILLEGAL, "违法用地", "违法违规", "illegal"),
        OTHER: (OTHER, "其它", "other"),
        NON_AGRICULTURAL_ILLEGAL: (NON_AGRICULTURAL_ILLEGAL, "非农化违法", "非农违法用地"),
        RURAL_ROAD: (RURAL_ROAD,),
        FACILITY_FARMLAND: (FACILITY_FARMLAND, "设施农业用地"),
        NON_GRAIN_ILLEGAL: (NON_GRAIN_ILLEGAL, "非粮化违法", "非粮化"),
    }
)
"""Allowed determinations of both vocabularies and the spellings read as each
(which profile knows which class: :data:`rsgeo.schema.profiles.PROFILES`)."""

NOT_RECTIFIED = "未整改"
"""The rectification method meaning nothing was done yet."""

RECTIFICATION_METHODS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "拆除复耕": (
            "拆除复耕",
            "拆除复垦",
            "拆除",
            "已拆除",
            "复耕",
            "复垦",
            "拆除到位",
            "拆除恢复",
            "恢复原状",
        ),
        "补办手续": ("补办手续", "补办用地手续", "完善手续", "完善用地手续", "补办", "已补办手续"),
        "没收": ("没收", "依法没收", "没收建筑物", "没收地上建筑物"),
        NOT_RECTIFIED: (NOT_RECTIFIED, "整改中", "正在整改", "未处理", "未", "否"),
    }
)
"""Known rectification methods and the spellings read as each."""


def _lookup(table: Mapping[str, tuple[str, ...]]) -> Mapping[str, str]:
    return MappingProxyType(
        {normalize_word(alias): canon for canon, aliases in table.items() for alias in aliases}
    )


DETERMINATION_WORDS: Mapping[str, str] = _lookup(DETERMINATION_VALUES)
"""Spelling (:func:`normalize_word`) → determination."""

RECTIFICATION_WORDS: Mapping[str, str] = _lookup(RECTIFICATION_METHODS)
"""Spelling (:func:`normalize_word`) → rectification method."""

DEDUCTIBLE_METHODS: tuple[str, ...] = ("补办手续", "拆除复耕")
"""Rectification methods that eliminate the illegal state (扣减) by default."""

UNRECTIFIED_METHODS: tuple[str, ...] = (
    *RECTIFICATION_METHODS[NOT_RECTIFIED],
    *sorted(EMPTY_WORDS - MISSING_WORDS),
)
"""Rectification-method values that mean "nothing done yet": every spelling of
未整改 and the empty words a person writes (an empty cell means the same)."""


# --------------------------------------------------------------------------- military land

MILITARY_WORDS: tuple[str, ...] = ("军用", "军事")
"""Words that mark military land in any text field (sub-type, use, land class name)."""

MILITARY_YES: frozenset[str] = YES_WORDS | {
    "是(军用)",
    "是（军用）",
    "军用",
    "军事",
    "军用土地",
    "军事用地",
    "军事设施用地",
}
"""Values of a military field (SFJY, 是否军用) read as military land (case-folded)."""

MILITARY_NO: frozenset[str] = EMPTY_WORDS | {
    "0",
    "false",
    "f",
    "n",
    "no",
    "否",
    "不是",
    "非军用",
    "非军事",
    "非军用土地",
    "非军事用地",
}
"""Values of a military field read as ordinary land; every other value is ambiguous."""

MILITARY_LAND_CLASSES: tuple[str, ...] = ("0901",)
"""Land classes (三调 DLBM) of military land: 0901 军事设施用地."""
