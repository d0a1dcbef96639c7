"""The declarative rule table behind :func:`rsgeo.classify`.

A patch's *suggested* class comes from an ordered list of rules; the first rule
that applies decides. :data:`RULES` describes each rule (what it proposes, which
overlay columns it needs, what it checks); :class:`ClassificationRules` holds
every threshold and code list, with the defaults of DOMAIN.md §3. Both are
documented in ``docs/classification.md``.

Examples
--------
>>> rules = ClassificationRules(approved_min_share=0.9)
>>> rules.approved_min_share
0.9
>>> ClassificationRules.from_mapping({"urban_min_share": 0.6}).urban_min_share
0.6
>>> [r.name for r in RULES][:3]
['pseudo', 'approved', 'facility']
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from rsgeo.errors import InputError, format_problems

__all__ = [
    "CLASSES",
    "ILLEGAL",
    "LEGAL",
    "OTHER",
    "RULES",
    "RULE_NAMES",
    "ClassificationRules",
    "Rule",
    "normalize_code",
]

LEGAL = "合法"
ILLEGAL = "违法"
OTHER = "其他"
CLASSES: tuple[str, ...] = (LEGAL, ILLEGAL, OTHER)


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
        configured in :attr:`ClassificationRules.layer_keys`. When one is
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

_LAYER_ROLES: tuple[str, ...] = (
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
    if not text or text.casefold() in {"nan", "none", "<na>"}:
        return None
    if text.isdigit() and len(text) == 1:
        text = text.zfill(2)
    return text.upper()


def _default_land_classes() -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType(
        {"01": ("01",), "02": ("02",), "03": ("03",), "04": ("04",), "KT": ("1104",)}
    )


def _default_layer_keys() -> Mapping[str, str]:
    return MappingProxyType(
        {
            "approved": "approved",
            "facility": "facility",
            "temporary": "temporary",
            "mining": "mining_rights",
            "pbf": "pbf",
            "redline": "redline",
            "protected": "protected",
            "urban": "urban",
            "military": "military",
        }
    )


_SHARES = (
    "approved_min_share",
    "facility_min_share",
    "temporary_min_share",
    "mining_min_share",
    "urban_min_share",
    "touch_min_share",
)
_CODE_LISTS = (
    "agricultural_types",
    "pseudo_change_types",
    "construction_types",
    "mineral_change_types",
)
_TEXT_LISTS = ("rare_earth_words", "mineral_columns")


@dataclass(frozen=True)
class ClassificationRules:
    """Thresholds and code lists of the classification rules.

    Every field has the default of DOMAIN.md §3; change any of them with
    keywords, :meth:`from_mapping` or :meth:`replace`. Invalid values raise
    one :class:`~rsgeo.errors.InputError` listing every problem.

    Attributes
    ----------
    order : tuple of str
        Rules in the order they are tried (names from :data:`RULE_NAMES`);
        leave a rule out to switch it off. The first rule that applies decides.
    approved_min_share : float, default 0.95
        Share of the patch inside approved land (批准用地) for 合法.
    facility_min_share, temporary_min_share : float, default 0.95
        Share inside registered facility land / temporary land for 其他.
    mining_min_share : float, default 0.95
        Share inside a mining licence area for legal mining (less is treated
        as mining outside the licence, 越界).
    urban_min_share : float, default 0.5
        ``in_urban`` is true when at least this share of the patch lies inside
        the urban development boundary.
    touch_min_m2 : float, default 1.0
        A patch *touches* a layer (pbf, red line, nature reserve, mining
        licence, military land) when its overlap is at least this many m²
        **and** at least ``touch_min_share`` of the patch. Smaller overlaps are
        digitising noise.
    touch_min_share : float, default 0.0
        See ``touch_min_m2``.
    agricultural_types : tuple of str
        Agricultural change types (01 耕地, 02 园地, 03 林地, 04 草地, KT 坑塘).
    pseudo_change_types : tuple of str
        Change types that mark a pseudo change (伪变化).
    pseudo_same_land_class : bool, default True
        Also treat an agricultural change type as 伪变化 when the original land
        class (``land_class_code``, DLBM) starts with a prefix listed for it in
        ``agricultural_land_classes``.
    agricultural_land_classes : mapping of str to tuple of str
        Agricultural change type → DLBM prefixes of the same kind.
    construction_types : tuple of str
        The known construction change types (20 building, YH hardened, DT
        earthwork, TD piled soil, DL road, ND rural road, CK mining, GF
        photovoltaic). ``is_construction`` is true for every change type that
        is neither agricultural nor pseudo; codes outside all lists are
        treated as construction and counted in the report.
    mineral_change_types : tuple of str
        Change types of mineral patches (CK).
    rare_earth_words : tuple of str
        Words marking rare earth in mineral names.
    mineral_columns : tuple of str
        Columns searched for mineral names (patch field and the joined mining
        licence field).
    layer_keys : mapping of str to str
        Overlay key used for each role: approved, facility, temporary, mining,
        pbf, redline, protected, urban, military.
    """

    order: tuple[str, ...] = RULE_NAMES
    approved_min_share: float = 0.95
    facility_min_share: float = 0.95
    temporary_min_share: float = 0.95
    mining_min_share: float = 0.95
    urban_min_share: float = 0.5
    touch_min_m2: float = 1.0
    touch_min_share: float = 0.0
    agricultural_types: tuple[str, ...] = ("01", "02", "03", "04", "KT")
    pseudo_change_types: tuple[str, ...] = ("WBH", "伪变化")
    pseudo_same_land_class: bool = True
    agricultural_land_classes: Mapping[str, tuple[str, ...]] = field(
        default_factory=_default_land_classes
    )
    construction_types: tuple[str, ...] = ("20", "YH", "DT", "TD", "DL", "ND", "CK", "GF")
    mineral_change_types: tuple[str, ...] = ("CK",)
    rare_earth_words: tuple[str, ...] = ("稀土",)
    mineral_columns: tuple[str, ...] = ("mineral", "mining_rights_mineral")
    layer_keys: Mapping[str, str] = field(default_factory=_default_layer_keys)

    def __post_init__(self) -> None:
        problems = self._normalize()
        if problems:
            raise InputError(
                format_problems(
                    f"{len(problems)} problem(s) in the classification rules:", problems
                )
            )

    def _normalize(self) -> list[str]:
        """Check and normalise every field in place; return the problems."""
        problems: list[str] = []
        set_ = object.__setattr__

        order = self._as_tuple("order", self.order, problems)
        unknown = [n for n in order if n not in RULE_NAMES]
        if unknown:
            problems.append(f"order: unknown rules {unknown}; known: {list(RULE_NAMES)}")
        if len(set(order)) != len(order):
            problems.append(f"order: a rule is listed twice: {list(order)}")
        set_(self, "order", order)

        for name in _SHARES:
            value = getattr(self, name)
            if not _is_number(value) or not 0.0 <= float(value) <= 1.0:
                problems.append(f"{name}: must be a number from 0 to 1 (a share), got {value!r}")
            else:
                set_(self, name, float(value))
        for name in ("approved_min_share", "facility_min_share", "temporary_min_share"):
            value = getattr(self, name)
            if _is_number(value) and float(value) == 0.0:
                problems.append(f"{name}: 0 would cover every patch; use a share above 0")
        if not _is_number(self.touch_min_m2) or float(self.touch_min_m2) < 0:
            problems.append(f"touch_min_m2: must be a number >= 0 (m²), got {self.touch_min_m2!r}")
        else:
            set_(self, "touch_min_m2", float(self.touch_min_m2))
        if not isinstance(self.pseudo_same_land_class, bool):
            problems.append(
                f"pseudo_same_land_class: must be True or False, got {self.pseudo_same_land_class!r}"
            )

        for name in _CODE_LISTS:
            values = self._as_tuple(name, getattr(self, name), problems)
            codes = tuple(c for c in (normalize_code(v) for v in values) if c is not None)
            if len(codes) != len(values):
                problems.append(f"{name}: empty codes in {list(values)}")
            set_(self, name, codes)
        for name in _TEXT_LISTS:
            values = self._as_tuple(name, getattr(self, name), problems)
            if any(not isinstance(v, str) or not v.strip() for v in values):
                problems.append(
                    f"{name}: every item must be a non-empty string, got {list(values)}"
                )
            set_(self, name, tuple(str(v).strip() for v in values))

        overlap = set(self.agricultural_types) & set(self.construction_types)
        if overlap:
            problems.append(
                f"agricultural_types and construction_types share codes {sorted(overlap)}"
            )

        land = self.agricultural_land_classes
        if not isinstance(land, Mapping):
            problems.append(f"agricultural_land_classes: must be a mapping, got {land!r}")
        else:
            fixed: dict[str, tuple[str, ...]] = {}
            for code, prefixes in land.items():
                norm = normalize_code(code)
                if norm is None:
                    problems.append(f"agricultural_land_classes: empty change type {code!r}")
                    continue
                pre = self._as_tuple(f"agricultural_land_classes[{code!r}]", prefixes, problems)
                fixed[norm] = tuple(str(p).strip() for p in pre)
            set_(self, "agricultural_land_classes", MappingProxyType(fixed))

        keys = self.layer_keys
        if not isinstance(keys, Mapping):
            problems.append(f"layer_keys: must be a mapping, got {keys!r}")
        else:
            unknown_roles = sorted(set(keys) - set(_LAYER_ROLES))
            if unknown_roles:
                problems.append(
                    f"layer_keys: unknown roles {unknown_roles}; known: {list(_LAYER_ROLES)}"
                )
            merged = dict(_default_layer_keys())
            for role, key in keys.items():
                if not isinstance(key, str) or not key.strip():
                    problems.append(f"layer_keys[{role!r}]: must be a non-empty string")
                elif role in merged:
                    merged[role] = key.strip()
            set_(self, "layer_keys", MappingProxyType(merged))
        return problems

    @staticmethod
    def _as_tuple(name: str, value: Any, problems: list[str]) -> tuple[Any, ...]:
        if isinstance(value, str) or not isinstance(value, Iterable):
            problems.append(f"{name}: must be a list of values, got {value!r}")
            return ()
        return tuple(value)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> ClassificationRules:
        """Rules from a mapping of field names to values (e.g. read from YAML/JSON).

        Unknown keys and invalid values are all listed in one
        :class:`~rsgeo.errors.InputError`.

        Examples
        --------
        >>> ClassificationRules.from_mapping({"approved_min_share": 0.9}).approved_min_share
        0.9
        >>> ClassificationRules.from_mapping({"aproved_min_share": 0.9})
        Traceback (most recent call last):
        ...
        rsgeo.errors.InputError: 1 problem(s) in the classification rules:
          - unknown key 'aproved_min_share'; known keys: ...
        """
        if not isinstance(mapping, Mapping):
            raise InputError(f"rules must be a ClassificationRules or a mapping, got {mapping!r}")
        known = [f.name for f in dataclasses.fields(cls)]
        unknown = [k for k in mapping if k not in known]
        problems = [f"unknown key {k!r}; known keys: {', '.join(known)}" for k in unknown]
        rules = object.__new__(cls)
        for f in dataclasses.fields(cls):
            if f.name in mapping:
                value = mapping[f.name]
            elif f.default_factory is not dataclasses.MISSING:
                value = f.default_factory()
            else:
                value = f.default
            object.__setattr__(rules, f.name, value)
        problems += rules._normalize()
        if problems:
            raise InputError(
                format_problems(
                    f"{len(problems)} problem(s) in the classification rules:", problems
                )
            )
        return rules

    def replace(self, **changes: Any) -> ClassificationRules:
        """A copy with some fields changed (validated).

        >>> ClassificationRules().replace(touch_min_m2=5).touch_min_m2
        5.0
        """
        current = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        current.update(changes)
        return type(self).from_mapping(current)

    def key(self, role: str) -> str:
        """The overlay key used for a role (``"approved"``, ``"mining"``, ...).

        >>> ClassificationRules().key("mining")
        'mining_rights'
        """
        return self.layer_keys[role]


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(number)


def coerce_rules(rules: ClassificationRules | Mapping[str, Any] | None) -> ClassificationRules:
    """Rules from ``None`` (defaults), a mapping, or a :class:`ClassificationRules`.

    >>> coerce_rules(None) == ClassificationRules()
    True
    """
    if rules is None:
        return ClassificationRules()
    if isinstance(rules, ClassificationRules):
        return rules
    return ClassificationRules.from_mapping(rules)
