"""The rule table behind :func:`rsgeo.classify`: what each rule proposes and needs.

A patch's *suggested* class comes from an ordered list of rules; the first rule
that applies decides. :data:`RULES` describes each rule; the thresholds and
code lists they use are the options of
:class:`rsgeo.options.ClassificationRules`. Both are documented in
``docs/classification.md``.

Examples
--------
>>> [r.name for r in RULES][:3]
['pseudo', 'approved', 'facility']
>>> normalize_code(1.0)
'01'
>>> CHANGE_TYPE_KINDS[normalize_code("1")], CHANGE_TYPE_KINDS["CK"], CHANGE_TYPE_KINDS["DL2"]
('agricultural', 'mining', 'construction')
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from rsgeo.schema.vocabulary import CLASSES, ILLEGAL, LEGAL, MISSING_WORDS, OTHER

__all__ = [
    "AGRICULTURAL_CHANGE_TYPES",
    "CHANGE_TYPE_KINDS",
    "CLASSES",
    "CONSTRUCTION_CHANGE_TYPES",
    "ILLEGAL",
    "LAYER_ROLES",
    "LEGAL",
    "MINERAL_CHANGE_TYPES",
    "OTHER",
    "RULES",
    "RULE_NAMES",
    "ChangeKind",
    "Rule",
    "normalize_code",
]


@dataclass(frozen=True)
class Rule:
    """One classification rule, as documented.

    Attributes
    ----------
    name : str
        Name used in :attr:`ClassificationRules.order`.
    outcomes : tuple of (class, subtype)
        What the rule can propose.
    needs : tuple of str
        Columns the rule needs; ``{approved}`` etc. stand for the layer key
        configured in :attr:`rsgeo.options.ClassificationRules.layer_keys`. When one is
        missing the rule is skipped and the reason says so.
    description : str
        What the rule checks.
    """

    name: str
    outcomes: tuple[tuple[str, str], ...]
    needs: tuple[str, ...]
    description: str


RULES: tuple[Rule, ...] = (
    Rule(
        "pseudo",
        ((OTHER, "伪变化"),),
        ("change_type",),
        "change_type is a pseudo-change code (pseudo_change_types), or, with "
        "pseudo_same_land_class, an agricultural change type whose original land "
        "class (land_class_code) is already of that kind (e.g. TBLX 01 on DLBM 0103)",
    ),
    Rule(
        "approved",
        ((LEGAL, "批准用地"),),
        ("{approved}_m2",),
        "{approved}_m2 / area_m2 >= approved_min_share",
    ),
    Rule(
        "facility",
        ((OTHER, "设施农用地"),),
        ("{facility}_m2",),
        "{facility}_m2 / area_m2 >= facility_min_share",
    ),
    Rule(
        "temporary",
        ((OTHER, "临时用地"),),
        ("{temporary}_m2",),
        "{temporary}_m2 / area_m2 >= temporary_min_share and the temporary-land "
        "approval is valid on the patch's date_after ({temporary}_valid_from <= "
        "date_after <= {temporary}_valid_to)",
    ),
    Rule(
        "mining",
        ((LEGAL, "持证采矿"), (ILLEGAL, "疑似违法采矿")),
        ("{mining}_m2",),
        "mineral construction patch (flag_mineral and is_construction): legal when "
        "{mining}_m2 / area_m2 >= mining_min_share and the licence is valid on "
        "date_after, otherwise suspected illegal mining",
    ),
    Rule(
        "agricultural",
        ((OTHER, "农业结构调整"),),
        ("change_type",),
        "change_type in agricultural_types (no building: a building is a construction type)",
    ),
    Rule(
        "construction",
        ((ILLEGAL, "疑似违法"),),
        (),
        "every remaining construction patch (is_construction): a construction change "
        "without approval is suspected illegal; a suggestion for the technician",
    ),
)
RULE_NAMES: tuple[str, ...] = tuple(r.name for r in RULES)

LAYER_ROLES: tuple[str, ...] = (
    "approved",
    "facility",
    "temporary",
    "mining",
    "pbf",
    "redline",
    "protected",
    "urban",
    "military",
)


ChangeKind = Literal["agricultural", "construction", "mining", "water", "bare", "other"]
"""What a change type (TBLX) is for the classification rules."""

CHANGE_TYPE_KINDS: Mapping[str, ChangeKind] = MappingProxyType(
    {
        # farming: the after image shows a field, an orchard, a forest, grass or a pond
        **dict.fromkeys(("01", "02", "03", "04", "KT"), "agricultural"),
        # building, hardening, earth works, roads, rails, hydraulic works, solar,
        # salt pans, parks, sports grounds, airports, sea enclosure and fill
        **dict.fromkeys(
            (
                *("20", "YH", "DT", "TD", "TP"),
                *("DL", "DL1", "DL2", "DL3", "TL", "ND"),
                *("SJ", "GF", "YT", "LD", "GEF", "ZQC", "JC", "WH", "TH"),
            ),
            "construction",
        ),
        "CK": "mining",
        **dict.fromkeys(("SM", "SK", "HL", "GQ"), "water"),
        **dict.fromkeys(("WL", "LT", "LY"), "bare"),
        "QT": "other",
    }
)
"""The kind of every change type (TBLX) of DOMAIN.md §5, by normalised code.

``agricultural`` codes are the default ``agricultural_types`` of
:class:`rsgeo.options.ClassificationRules`; ``mining`` (CK) the default
``mineral_change_types``; every other kind is a known construction type
(``construction_types``): water works (SM water surface, SK reservoir, HL river,
GQ ditch), bare ground (WL rubble, LT bare soil, LY bare rock) and QT other
count as construction until a person looks, the conservative reading. The
Chinese names are :data:`rsgeo.schema.labels.CHANGE_TYPE_NAMES`.
"""

AGRICULTURAL_CHANGE_TYPES: tuple[str, ...] = tuple(
    code for code, kind in CHANGE_TYPE_KINDS.items() if kind == "agricultural"
)
"""Change types of kind ``agricultural`` (01 耕地, 02 园地, 03 林地, 04 草地, KT 坑塘)."""

CONSTRUCTION_CHANGE_TYPES: tuple[str, ...] = tuple(
    code for code, kind in CHANGE_TYPE_KINDS.items() if kind != "agricultural"
)
"""Every known change type that is not agricultural: construction, mining, water,
bare ground and other (see :data:`CHANGE_TYPE_KINDS`)."""

MINERAL_CHANGE_TYPES: tuple[str, ...] = tuple(
    code for code, kind in CHANGE_TYPE_KINDS.items() if kind == "mining"
)
"""Change types of mineral patches (CK 采矿)."""


def normalize_code(value: Any) -> str | None:
    """Canonical form of a change-type (TBLX) code.

    Strips white space, upper-cases letters, turns numbers read from Excel
    back into text (``1.0`` → ``"01"``) and pads one-digit codes to two.

    Examples
    --------
    >>> normalize_code(" kt ")
    'KT'
    >>> normalize_code(1.0)
    '01'
    >>> normalize_code(20)
    '20'
    >>> normalize_code(None) is None
    True
    """
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            value = int(value)
    text = str(value).strip()
    if text.casefold() in MISSING_WORDS:
        return None
    if text.isdigit() and len(text) == 1:
        text = text.zfill(2)
    return text.upper()
