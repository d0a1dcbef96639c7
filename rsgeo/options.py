"""Options of every stage as frozen, validated objects: one home for every default.

* :class:`ClassificationRules`: thresholds and code lists of :func:`rsgeo.classify`;
* :class:`StatsOptions`: cutoff, deductions, classes and bases of
  :func:`rsgeo.township_stats`;
* :class:`CriteriaThresholds`: thresholds of the accountability criteria;
* :class:`ListOptions`: sizes and ranking of :func:`rsgeo.red_black_lists`;
* :class:`ReviewOptions`, :class:`SpotCheckOptions`: tolerances and rules of
  :func:`rsgeo.review`, quota and seed of :func:`rsgeo.spot_check`;
* :class:`DeterminationOptions`: how determination tables are read and applied;
* :class:`MapOptions`: the field maps' offline basemap.

Each is built from keywords, from a mapping (:meth:`~_Options.from_mapping`,
what a job file's table gives) or from an existing object with changes
(:meth:`~_Options.replace`); every invalid value is listed in one
:class:`~rsgeo.errors.InputError`. A :class:`rsgeo.job.Job` holds one of
each, and every stage and writer is handed the same objects, so a threshold
printed in the workbook is the one the statistics used.

Examples
--------
>>> StatsOptions(cutoff="2020-12-21").cutoff
datetime.date(2020, 12, 21)
>>> CriteriaThresholds.from_mapping({"ratio_min": 0.2}).ratio_min
0.2
>>> StatsOptions.from_mapping({"rate_basis": "mean", "cutof": "x"})
Traceback (most recent call last):
...
rsgeo.errors.InputError: 2 problem(s) in the statistics options:
  - unknown key 'cutof'; known keys: ...
  - rate_basis='mean' is not allowed; choose one of ['count', 'area']
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Literal, TypeVar, get_args

from rsgeo._util import choice_problem
from rsgeo.errors import InputError, format_problems
from rsgeo.schema.cells import parse_date
from rsgeo.schema.classes import (
    AGRICULTURAL_CHANGE_TYPES,
    CONSTRUCTION_CHANGE_TYPES,
    LAYER_ROLES,
    MINERAL_CHANGE_TYPES,
    RULE_NAMES,
    normalize_code,
)
from rsgeo.schema.deduction_classes import (
    DEDUCTION_CLASSES,
    DEFAULT_DEDUCTION_CLASSES,
    deduction_class,
)
from rsgeo.schema.labels import RULE_LABELS
from rsgeo.schema.profiles import PROFILE_CHOICES, PROFILES, ProfileChoice
from rsgeo.schema.review_rules import RULES
from rsgeo.schema.vocabulary import DEDUCTIBLE_METHODS, UNRECTIFIED_METHODS

__all__ = [
    "DEFAULT_NAN_AS",
    "DEFAULT_RANKING",
    "MAP_LAYER_KEYS",
    "BlacklistOptions",
    "ClassificationRules",
    "ClusterOptions",
    "CriteriaThresholds",
    "DeterminationOptions",
    "FarmlandBasis",
    "IllegalFarmland",
    "ListOptions",
    "MapOptions",
    "OnInvalid",
    "RateBasis",
    "ReviewOptions",
    "SpotCheckOptions",
    "StatsOptions",
    "UnknownIds",
    "coerce_rules",
]

IllegalFarmland = Literal["auto", "overlay", "determination"]
FarmlandBasis = Literal["net", "gross"]
RateBasis = Literal["count", "area"]
RatioComparator = Literal[">=", ">"]
"""How criterion 1 compares the ratio with ``ratio_min`` (the work plan: ≥, 达到 … 以上)."""
AreaComparator = Literal[">", ">="]
"""How criterion 1 compares illegal farmland with ``illegal_farmland_min_mu`` (the plan: >, 大于)."""

OptionsT = TypeVar("OptionsT", bound="_Options")


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(number)


def _as_tuple(name: str, value: Any, problems: list[str]) -> tuple[Any, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        problems.append(f"{name}: must be a list of values, got {value!r}")
        return ()
    return tuple(value)


def _text_tuple(name: str, value: Any, problems: list[str]) -> tuple[str, ...]:
    """A list of words; one word alone is a list of one (never split into characters)."""
    if isinstance(value, str):
        return (value.strip(),)
    items = _as_tuple(name, value, problems)
    if any(not isinstance(v, str) for v in items):
        problems.append(f"{name}: must be a list of text values, got {list(items)!r}")
    return tuple(str(v).strip() for v in items)


def _whole_numbers(
    obj: Any, names: tuple[str, ...], minimum: int, problems: list[str], *, optional: bool = False
) -> None:
    """Check that the fields ``names`` of ``obj`` are whole numbers >= ``minimum`` (or None)."""
    for name in names:
        value = getattr(obj, name)
        if optional and value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            off = " or None (off)" if optional else ""
            problems.append(f"{name} must be a whole number >= {minimum}{off}, got {value!r}")


def _deduction_classes(value: Any, problems: list[str]) -> Mapping[str, dt.date | None]:
    """Enabled deduction classes in their documented order, each with its cutoff or None."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Mapping):
        try:
            value = dict.fromkeys(value, True)
        except TypeError:
            problems.append(f"deduction_classes: a list of class names or a table, got {value!r}")
            return MappingProxyType({})
    chosen: dict[str, dt.date | None] = {}
    for name, setting in value.items():
        canon = deduction_class(name)
        if not canon:
            problems.append(
                f"deduction_classes: unknown class {name!r}; allowed: {', '.join(DEDUCTION_CLASSES)}"
            )
            continue
        if setting is False:
            continue
        if setting is True or setting is None:  # on, on the statistics' cutoff
            chosen[canon] = None
            continue
        try:
            chosen[canon] = parse_date(setting)
        except (ValueError, TypeError):
            problems.append(
                f"deduction_classes: {name} = true, false or a cutoff date such as 2020-12-21, "
                f"got {setting!r}"
            )
    return MappingProxyType({k: chosen[k] for k in DEDUCTION_CLASSES if k in chosen})


def _flags(obj: Any, names: tuple[str, ...], problems: list[str]) -> None:
    """Check that the fields ``names`` of ``obj`` are true or false."""
    for name in names:
        value = getattr(obj, name)
        if not isinstance(value, bool):
            problems.append(f"{name} must be true or false, got {value!r}")


def _choice(name: str, value: Any, allowed: tuple[str, ...], problems: list[str]) -> None:
    problem = choice_problem(name, value, allowed)
    if problem:
        problems.append(problem)


def _profile(obj: Any, problems: list[str]) -> None:
    """Check (and normalise) the ``profile`` field: a TOML ``2026`` is the text "2026"."""
    value = obj.profile
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
        object.__setattr__(obj, "profile", value)
    _choice("profile", value, PROFILE_CHOICES, problems)


class _Options:
    """Shared construction and validation of the option objects."""

    _title: ClassVar[str] = "options"

    def _normalize(self) -> list[str]:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def __post_init__(self) -> None:
        problems = self._normalize()
        if problems:
            raise InputError(
                format_problems(f"{len(problems)} problem(s) in the {self._title}:", problems)
            )

    @classmethod
    def collect(cls: type[OptionsT], mapping: Mapping[str, Any]) -> tuple[OptionsT, list[str]]:
        """The object and every problem of ``mapping`` (unknown keys, invalid values)."""
        if not isinstance(mapping, Mapping):
            raise InputError(f"{cls._title} must be a {cls.__name__} or a mapping, got {mapping!r}")
        known = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        problems = [
            f"unknown key {k!r}; known keys: {', '.join(known)}" for k in mapping if k not in known
        ]
        obj = object.__new__(cls)
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name in mapping:
                value = mapping[f.name]
            elif f.default_factory is not dataclasses.MISSING:
                value = f.default_factory()
            else:
                value = f.default
            object.__setattr__(obj, f.name, value)
        return obj, problems + obj._normalize()

    @classmethod
    def problems_of(cls, mapping: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Every problem of ``mapping`` as (key, message), for a job file's key paths.

        >>> StatsOptions.problems_of({"rate_basis": "mean"})
        [('rate_basis', "'mean' is not allowed; choose one of ['count', 'area']")]
        """
        out = []
        for problem in cls.collect(mapping)[1]:
            unknown = re.match(r"unknown key '([^']*)'; (.*)", problem)
            if unknown:
                out.append((unknown.group(1), "unknown key; " + unknown.group(2)))
                continue
            m = re.match(r"(\w+)(?:\[[^\]]*\])?\s*(?::\s*|=|\s)(.*)", problem, re.S)
            out.append((m.group(1), m.group(2)) if m else ("", problem))
        return out

    @classmethod
    def from_mapping(cls: type[OptionsT], mapping: Mapping[str, Any]) -> OptionsT:
        """Options from a mapping of field names to values (a job file's table).

        Unknown keys and invalid values are all listed in one
        :class:`~rsgeo.errors.InputError`.
        """
        obj, problems = cls.collect(mapping)
        if problems:
            raise InputError(
                format_problems(f"{len(problems)} problem(s) in the {cls._title}:", problems)
            )
        return obj

    @classmethod
    def coerce(cls: type[OptionsT], value: OptionsT | Mapping[str, Any] | None) -> OptionsT:
        """``value`` itself, the defaults for None, or :meth:`from_mapping` of a mapping."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        return cls.from_mapping(value)  # type: ignore[arg-type]

    @classmethod
    def resolve(
        cls: type[OptionsT],
        options: OptionsT | Mapping[str, Any] | None,
        overrides: Mapping[str, Any],
    ) -> OptionsT:
        """:meth:`coerce` ``options``, then apply keyword ``overrides`` (validated)."""
        base = cls.coerce(options)
        return base.replace(**overrides) if overrides else base

    def replace(self: OptionsT, **changes: Any) -> OptionsT:
        """A copy with some fields changed, validated like a new object."""
        current = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        current.update(changes)
        return type(self).from_mapping(current)

    def as_dict(self) -> dict[str, Any]:
        """Field values as plain JSON-ready data (for run.json)."""

        def plain(v: Any) -> Any:
            if isinstance(v, dt.date):
                return v.isoformat()
            if isinstance(v, Mapping):
                return {str(k): plain(x) for k, x in v.items()}
            if isinstance(v, tuple | list):
                return [plain(x) for x in v]
            return v

        return {f.name: plain(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]


# --------------------------------------------------------------------------- classification


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
class ClassificationRules(_Options):
    """Thresholds and code lists of the classification rules.

    Every field has the default of DOMAIN.md §3; change any of them with
    keywords, :meth:`from_mapping` or :meth:`replace`. Invalid values raise
    one :class:`~rsgeo.errors.InputError` listing every problem.

    Examples
    --------
    >>> ClassificationRules(approved_min_share=0.9).approved_min_share
    0.9
    >>> ClassificationRules.from_mapping({"urban_min_share": 0.6}).urban_min_share
    0.6
    >>> ClassificationRules().replace(touch_min_m2=5).touch_min_m2
    5.0
    >>> ClassificationRules.from_mapping({"aproved_min_share": 0.9})
    Traceback (most recent call last):
    ...
    rsgeo.errors.InputError: 1 problem(s) in the classification rules:
      - unknown key 'aproved_min_share'; known keys: ...

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
        The known construction change types: every code of
        :data:`rsgeo.schema.classes.CHANGE_TYPE_KINDS` that is not agricultural
        (20 building, YH hardened, DT earthwork, TD piled soil, TP levelled,
        DL/DL1–DL3 roads, TL railway, ND rural road, CK mining, GF
        photovoltaic, water works, bare ground, …). ``is_construction`` is true
        for every change type that is neither agricultural nor pseudo; codes
        outside all lists are treated as construction and counted in the report.
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

    _title: ClassVar[str] = "classification rules"

    order: tuple[str, ...] = RULE_NAMES
    approved_min_share: float = 0.95
    facility_min_share: float = 0.95
    temporary_min_share: float = 0.95
    mining_min_share: float = 0.95
    urban_min_share: float = 0.5
    touch_min_m2: float = 1.0
    touch_min_share: float = 0.0
    agricultural_types: tuple[str, ...] = AGRICULTURAL_CHANGE_TYPES
    pseudo_change_types: tuple[str, ...] = ("WBH", RULE_LABELS["pseudo"])
    pseudo_same_land_class: bool = True
    agricultural_land_classes: Mapping[str, tuple[str, ...]] = field(
        default_factory=_default_land_classes
    )
    construction_types: tuple[str, ...] = CONSTRUCTION_CHANGE_TYPES
    mineral_change_types: tuple[str, ...] = MINERAL_CHANGE_TYPES
    rare_earth_words: tuple[str, ...] = ("稀土",)
    mineral_columns: tuple[str, ...] = ("mineral", "mining_rights_mineral")
    layer_keys: Mapping[str, str] = field(default_factory=_default_layer_keys)

    def _normalize(self) -> list[str]:
        """Check and normalise every field in place; return the problems."""
        problems: list[str] = []
        set_ = object.__setattr__

        order = _as_tuple("order", self.order, problems)
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
                f"pseudo_same_land_class: must be true or false, got {self.pseudo_same_land_class!r}"
            )

        for name in _CODE_LISTS:
            values = _as_tuple(name, getattr(self, name), problems)
            codes = tuple(c for c in (normalize_code(v) for v in values) if c is not None)
            if len(codes) != len(values):
                problems.append(f"{name}: empty codes in {list(values)}")
            set_(self, name, codes)
        for name in _TEXT_LISTS:
            values = _as_tuple(name, getattr(self, name), problems)
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
                pre = _as_tuple(f"agricultural_land_classes[{code!r}]", prefixes, problems)
                fixed[norm] = tuple(str(p).strip() for p in pre)
            set_(self, "agricultural_land_classes", MappingProxyType(fixed))

        keys = self.layer_keys
        if not isinstance(keys, Mapping):
            problems.append(f"layer_keys: must be a mapping, got {keys!r}")
        else:
            unknown_roles = sorted(set(keys) - set(LAYER_ROLES))
            if unknown_roles:
                problems.append(
                    f"layer_keys: unknown roles {unknown_roles}; known: {list(LAYER_ROLES)}"
                )
            merged = dict(_default_layer_keys())
            for role, key in keys.items():
                if not isinstance(key, str) or not key.strip():
                    problems.append(f"layer_keys[{role!r}]: must be a non-empty string")
                elif role in merged:
                    merged[role] = key.strip()
            set_(self, "layer_keys", MappingProxyType(merged))
        return problems

    def key(self, role: str) -> str:
        """The overlay key used for a role (``"approved"``, ``"mining"``, ...).

        >>> ClassificationRules().key("mining")
        'mining_rights'
        """
        return self.layer_keys[role]


def coerce_rules(rules: ClassificationRules | Mapping[str, Any] | None) -> ClassificationRules:
    """Rules from ``None`` (defaults), a mapping, or a :class:`ClassificationRules`.

    >>> coerce_rules(None) == ClassificationRules()
    True
    """
    return ClassificationRules.coerce(rules)


# --------------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class StatsOptions(_Options):
    """Options of :func:`rsgeo.township_stats` and the per-patch figures behind it.

    Attributes
    ----------
    cutoff : date, default 2020-12-21
        Illegal patches rectified by a deductible method **on or before**
        this day are deducted (text is read with :func:`rsgeo.schema.cells.parse_date`).
    deductible_methods : tuple of str, default ("补办手续", "拆除复耕")
        Rectification methods that eliminate the illegal state (exact match
        after stripping white space).
    unrectified_methods : tuple of str
        Method values meaning nothing was done (as does an empty value):
        every spelling of 未整改 and the empty words (``rsgeo.schema.vocabulary``).
    profile : {"auto", "2020", "2026"}, default "auto"
        The vocabulary of ``final_class`` (:mod:`rsgeo.schema.profiles`):
        "auto" takes it from the values (违法 → 2020; 非农违法, 农村道路,
        设施农用地, 非粮违法 → 2026; both → an error); a profile name checks the
        values against it. It gives the defaults of the three class lists.
    illegal_classes, legal_classes : tuple of str or None, default None
        ``final_class`` values counted as illegal and legal; None: the
        profile's (2020: 违法 and 合法; 2026: 非农违法 and 合法). Every other
        value counts as other.
    non_grain_classes : tuple of str or None, default None
        ``final_class`` values counted apart (``n_non_grain``,
        ``non_grain_area_m2``), never illegal for the ratio or the criteria;
        None: the profile's (2026: 非粮违法; 2020: none).
    illegal_farmland : {"auto", "overlay", "determination"}, default "auto"
        Illegal farmland of an illegal patch. "auto": the technician's
        ``illegal_farmland_m2`` when given, else the overlay farmland times the
        illegal share of the patch (``illegal_area_m2 / area_m2``, 1 without
        ``illegal_area_m2``); "overlay": always the latter; "determination":
        only the technician's value (missing counts 0). Spread over pieces in
        proportion to their farmland.
    farmland_basis : {"net", "gross"}, default "net"
        Farmland net of ridges (``farmland_net_m2``) or gross
        (``farmland_m2``), for numerator and denominator alike.
    denominator_includes_illegal : bool, default True
        The ratio's denominator is the farmland of all construction patches
        (``is_construction``); with True, illegal patches not marked as
        construction are added too.
    rate_basis : {"count", "area"}, default "count"
        Performance and rectification rates by number of illegal patches or
        by illegal area.
    deduction_classes : mapping of class to date or None
        The deduction classes that deduct (``[deductions]`` in a job), each
        with its own cutoff day (None: ``cutoff``); names from
        :data:`rsgeo.schema.deduction_classes.DEDUCTION_CLASSES`. Default:
        已补办(农转用) and 已拆除复耕到位, on ``cutoff``. A list of names, or a
        mapping to True/False/a date, is accepted.

    Examples
    --------
    >>> StatsOptions(deductible_methods="拆除复耕").deductible_methods
    ('拆除复耕',)
    >>> StatsOptions().farmland_column
    'farmland_net_m2'
    >>> StatsOptions(profile="2026").classes()
    (('非农违法',), ('合法',), ('非粮违法',))
    """

    _title: ClassVar[str] = "statistics options"

    cutoff: dt.date = dt.date(2020, 12, 21)
    deductible_methods: tuple[str, ...] = DEDUCTIBLE_METHODS
    unrectified_methods: tuple[str, ...] = UNRECTIFIED_METHODS
    profile: ProfileChoice = "auto"
    illegal_classes: tuple[str, ...] | None = None
    legal_classes: tuple[str, ...] | None = None
    non_grain_classes: tuple[str, ...] | None = None
    illegal_farmland: IllegalFarmland = "auto"
    farmland_basis: FarmlandBasis = "net"
    denominator_includes_illegal: bool = True
    rate_basis: RateBasis = "count"
    deduction_classes: Mapping[str, dt.date | None] = field(
        default_factory=lambda: MappingProxyType(dict.fromkeys(DEFAULT_DEDUCTION_CLASSES)),
        hash=False,
    )

    def _normalize(self) -> list[str]:
        problems: list[str] = []
        set_ = object.__setattr__
        set_(self, "deduction_classes", _deduction_classes(self.deduction_classes, problems))
        try:
            day = parse_date(self.cutoff)
        except ValueError as err:
            problems.append(f"cutoff: {err}")
            day = None
        if day is None and not problems:
            problems.append("cutoff: must be a date such as '2020-12-21'")
        set_(self, "cutoff", day)
        for name in ("deductible_methods", "unrectified_methods"):
            set_(self, name, _text_tuple(name, getattr(self, name), problems))
        _profile(self, problems)
        for name in ("illegal_classes", "legal_classes", "non_grain_classes"):
            if getattr(self, name) is not None:
                set_(self, name, _text_tuple(name, getattr(self, name), problems))
        _choice("illegal_farmland", self.illegal_farmland, get_args(IllegalFarmland), problems)
        _choice("farmland_basis", self.farmland_basis, get_args(FarmlandBasis), problems)
        _choice("rate_basis", self.rate_basis, get_args(RateBasis), problems)
        _flags(self, ("denominator_includes_illegal",), problems)
        return problems

    def class_cutoff(self, name: str) -> dt.date | None:
        """The cutoff day of a deduction class; None when the class does not deduct."""
        if name not in self.deduction_classes:
            return None
        return self.deduction_classes[name] or self.cutoff

    @property
    def farmland_column(self) -> str:
        """The patch-table column of the farmland basis."""
        return "farmland_net_m2" if self.farmland_basis == "net" else "farmland_m2"

    def classes(
        self, profile: str | None = None
    ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """(illegal, legal, non-grain) classes: those set, else the profile's.

        ``profile`` is the resolved profile (default: :attr:`profile`, or
        2020 when that is "auto").

        >>> StatsOptions(illegal_classes=["非农违法", "农村道路"]).classes("2026")[0]
        ('非农违法', '农村道路')
        """
        name = profile or (self.profile if self.profile != "auto" else "2020")
        p = PROFILES[name]
        return (
            p.illegal_classes if self.illegal_classes is None else self.illegal_classes,
            p.legal_classes if self.legal_classes is None else self.legal_classes,
            p.non_grain_classes if self.non_grain_classes is None else self.non_grain_classes,
        )


# --------------------------------------------------------------------------- criteria


@dataclass(frozen=True)
class CriteriaThresholds(_Options):
    """Thresholds of the computed criteria (1, 3 and 4).

    Parameters
    ----------
    ratio_min : float, default 0.15
        Criterion 1: the illegal farmland ratio (a fraction) compared with
        this by ``ratio_comparator``.
    ratio_comparator : {">=", ">"}, default ">="
        Criterion 1's comparison of the ratio (the work plan: 达到 15% 以上).
    illegal_farmland_min_mu : float, default 100.0
        Criterion 1: illegal farmland after deductions, in 亩, compared with
        this by ``illegal_farmland_comparator``.
    illegal_farmland_comparator : {">", ">="}, default ">"
        Criterion 1's comparison of the area (the work plan: 大于 100 亩).
    mineral_top_n : int, default 3
        Criterion 3 (排序靠前): townships whose number of illegal mineral
        patches (after deductions) is among the ``mineral_top_n`` highest of
        the county (ties included, townships with none never rank) meet the
        criterion. 0 switches the ranking off.
    mineral_unrectified_min : int or None, default 3
        Criterion 3 (查处不力, 得不到有效制止): at least this many illegal
        mineral patches not rectified, **and** at least
        ``mineral_unrectified_share_min`` of the township's illegal mineral
        patches unrectified. One unrectified patch is a case to pursue, not
        a township where mining goes unchecked; None switches it off.
    mineral_unrectified_share_min : float, default 0.5
        Criterion 3: the share (0–1) of the township's illegal mineral
        patches left unrectified that, with ``mineral_unrectified_min``,
        means 查处不力.
    rare_earth_triggers : bool, default True
        Criterion 3: any illegal rare-earth patch after deductions (违法开采
        重要矿种) meets the criterion.
    rate_bottom_n : int, default 3
        Criterion 4: townships whose performance rate or rectification rate
        is among the ``rate_bottom_n`` lowest of the county (ties included)
        meet the criterion. Townships without illegal patches have no rate
        and never rank; a rate of 100 % never meets it. 0 switches it off.
    performance_rate_min, rectification_rate_min : float or None
        Criterion 4, optional absolute floors (fractions): a rate below the
        floor meets the criterion whatever the ranking. None (default): no
        floor.

    Examples
    --------
    >>> CriteriaThresholds().ratio_min
    0.15
    >>> CriteriaThresholds(illegal_farmland_min_mu=50).illegal_farmland_min_mu
    50
    """

    _title: ClassVar[str] = "criteria thresholds"

    ratio_min: float = 0.15
    ratio_comparator: RatioComparator = ">="
    illegal_farmland_min_mu: float = 100.0
    illegal_farmland_comparator: AreaComparator = ">"
    mineral_top_n: int = 3
    mineral_unrectified_min: int | None = 3
    mineral_unrectified_share_min: float = 0.5
    rare_earth_triggers: bool = True
    rate_bottom_n: int = 3
    performance_rate_min: float | None = None
    rectification_rate_min: float | None = None

    def _normalize(self) -> list[str]:
        problems = []
        if not _is_number(self.ratio_min) or not (0.0 <= self.ratio_min <= 1.0):
            problems.append(f"ratio_min must be a fraction in [0, 1], got {self.ratio_min!r}")
        if not _is_number(self.illegal_farmland_min_mu) or self.illegal_farmland_min_mu < 0:
            problems.append(
                f"illegal_farmland_min_mu must be a number >= 0, got {self.illegal_farmland_min_mu!r}"
            )
        _choice("ratio_comparator", self.ratio_comparator, get_args(RatioComparator), problems)
        _choice(
            "illegal_farmland_comparator",
            self.illegal_farmland_comparator,
            get_args(AreaComparator),
            problems,
        )
        share = self.mineral_unrectified_share_min
        if not _is_number(share) or not (0.0 <= share <= 1.0):
            problems.append(
                f"mineral_unrectified_share_min must be a fraction in [0, 1], got {share!r}"
            )
        _whole_numbers(self, ("mineral_top_n", "rate_bottom_n"), 0, problems)
        _whole_numbers(self, ("mineral_unrectified_min",), 1, problems, optional=True)
        _flags(self, ("rare_earth_triggers",), problems)
        for name in ("performance_rate_min", "rectification_rate_min"):
            value = getattr(self, name)
            if value is not None and (not _is_number(value) or not (0.0 <= value <= 1.0)):
                problems.append(f"{name} must be a fraction in [0, 1] or None, got {value!r}")
        return problems


# --------------------------------------------------------------------------- lists

DEFAULT_RANKING: tuple[tuple[str, bool], ...] = (
    ("n_criteria", True),
    ("illegal_farmland_ratio", True),
    ("rectification_rate", False),
    ("performance_rate", False),
    ("illegal_farmland_after_deductions_m2", True),
    ("illegal_area_after_deductions_m2", True),
)
"""Ranking keys, best first: (column, True when a smaller value is better).

Fewer criteria met; lower illegal farmland ratio; higher rectification rate;
higher performance rate; less illegal farmland; less illegal area. Remaining
ties go to the smaller township code.
"""

DEFAULT_NAN_AS: Mapping[str, float] = MappingProxyType(
    {"illegal_farmland_ratio": 0.0, "performance_rate": 1.0, "rectification_rate": 1.0}
)
"""How missing values rank: no ratio ranks as 0 %, no rate (no illegal patch) as 100 %."""


@dataclass(frozen=True)
class ListOptions(_Options):
    """Options of the red and black lists (:func:`rsgeo.red_black_lists`).

    Attributes
    ----------
    red_size, black_size : int, default 3
        Sizes of the lists.
    ranking : tuple of (column, smaller_is_better)
        Ranking keys in order of precedence (:data:`DEFAULT_RANKING`).
    nan_as : mapping of column to float
        Value used for NaN in ranking columns (:data:`DEFAULT_NAN_AS`); other
        NaN rank last.
    black_includes_all_met : bool, default False
        Put every township meeting a criterion on the black list, even beyond
        ``black_size``. By default the black list holds the worst
        ``black_size`` of them (the published list); all of them are in the
        accountability table (问责预警) either way.
    fill_black : bool, default True
        Fill the black list up to ``black_size`` by rank.

    Examples
    --------
    >>> ListOptions(red_size=5).red_size
    5
    """

    _title: ClassVar[str] = "list options"

    red_size: int = 3
    black_size: int = 3
    ranking: tuple[tuple[str, bool], ...] = DEFAULT_RANKING
    nan_as: Mapping[str, float] = field(default_factory=lambda: DEFAULT_NAN_AS)
    black_includes_all_met: bool = False
    fill_black: bool = True

    def _normalize(self) -> list[str]:
        problems: list[str] = []
        _whole_numbers(self, ("red_size", "black_size"), 0, problems)
        keys = []
        for item in _as_tuple("ranking", self.ranking, problems):
            if (
                not isinstance(item, tuple | list)
                or len(item) != 2
                or not isinstance(item[0], str)
                or not isinstance(item[1], bool)
            ):
                problems.append(
                    f"ranking: each key must be (column, smaller_is_better), got {item!r}"
                )
            else:
                keys.append((item[0], item[1]))
        object.__setattr__(self, "ranking", tuple(keys))
        if not isinstance(self.nan_as, Mapping):
            problems.append(f"nan_as must be a mapping of column to number, got {self.nan_as!r}")
        else:
            object.__setattr__(
                self, "nan_as", MappingProxyType({str(k): float(v) for k, v in self.nan_as.items()})
            )
        _flags(self, ("black_includes_all_met", "fill_black"), problems)
        return problems


# --------------------------------------------------------------------------- review


@dataclass(frozen=True)
class ReviewOptions(_Options):
    """Options of the data review (:func:`rsgeo.review`).

    Attributes
    ----------
    area_rel_tolerance : float, default 0.05
        R09 fires when ``|reported_area_m2 - area_m2| / area_m2`` exceeds it.
    outside_max_share : float, default 0.01
        R13 fires when more than this share of a patch lies outside the county.
    min_overlap_m2 : float, default 0.0
        Overlaps of at most this many m² count as no overlap (R14, R15).
    rules : tuple of str or None, default None
        Rule ids to run (``rsgeo.schema.review_rules.RULES``); None runs every rule.
    platform_tolerance_mu : float, default 0.01
        R19 (the platform check) fires when a figure of the platform's overlay
        table differs from rsgeo's by more than this many 亩.
    platform_farmland_basis : {"net", "gross"}, default "net"
        What R19 compares the platform's farmland figures (GDMJ, JCGDMJ) with:
        farmland net of ridges (``farmland_net_m2``) or the gross overlap.

    Examples
    --------
    >>> ReviewOptions(area_rel_tolerance=0.04).area_rel_tolerance
    0.04
    """

    _title: ClassVar[str] = "review options"

    area_rel_tolerance: float = 0.05
    outside_max_share: float = 0.01
    min_overlap_m2: float = 0.0
    rules: tuple[str, ...] | None = None
    platform_tolerance_mu: float = 0.01
    platform_farmland_basis: FarmlandBasis = "net"

    def _normalize(self) -> list[str]:
        problems: list[str] = []
        if not _is_number(self.platform_tolerance_mu) or self.platform_tolerance_mu < 0:
            problems.append(
                f"platform_tolerance_mu must be >= 0 (亩), got {self.platform_tolerance_mu!r}"
            )
        _choice(
            "platform_farmland_basis",
            self.platform_farmland_basis,
            get_args(FarmlandBasis),
            problems,
        )
        if not _is_number(self.area_rel_tolerance) or self.area_rel_tolerance < 0:
            problems.append(f"area_rel_tolerance must be >= 0, got {self.area_rel_tolerance!r}")
        if not _is_number(self.outside_max_share) or not 0 <= self.outside_max_share < 1:
            problems.append(f"outside_max_share must be in [0, 1), got {self.outside_max_share!r}")
        if not _is_number(self.min_overlap_m2) or self.min_overlap_m2 < 0:
            problems.append(f"min_overlap_m2 must be >= 0, got {self.min_overlap_m2!r}")
        if self.rules is not None:
            rules = _text_tuple("rules", self.rules, problems)
            unknown = [r for r in rules if r not in RULES]
            if unknown:
                problems.append(f"rules: unknown rule ids {unknown}; allowed: {', '.join(RULES)}")
            object.__setattr__(self, "rules", rules)
        return problems


@dataclass(frozen=True)
class SpotCheckOptions(_Options):
    """Options of the spot check (:func:`rsgeo.spot_check`), the job's ``[spot_check]``.

    Attributes
    ----------
    per_township : int, default 2
        Patches drawn per township (all of them when it has fewer).
    seed : int, default 2020
        Non-negative random seed; it is printed in the review record so the
        same sample can be drawn again.
    by : str, default "determination"
        Column that defines the strata; missing values form the stratum 未判定.

    Examples
    --------
    >>> SpotCheckOptions(per_township=5, seed=7).per_township
    5
    """

    _title: ClassVar[str] = "spot-check options"

    per_township: int = 2
    seed: int = 2020
    by: str = "determination"

    def _normalize(self) -> list[str]:
        problems: list[str] = []
        _whole_numbers(self, ("per_township",), 1, problems)
        _whole_numbers(self, ("seed",), 0, problems)
        if not isinstance(self.by, str) or not self.by.strip():
            problems.append(f"by must name a column, got {self.by!r}")
        return problems


# --------------------------------------------------------------------------- determinations

UnknownIds = Literal["raise", "warn", "ignore"]
OnInvalid = Literal["raise", "warn"]


@dataclass(frozen=True)
class DeterminationOptions(_Options):
    """How determination tables are read and applied (the job's ``[determination_checks]``).

    Attributes
    ----------
    unknown_ids : {"warn", "raise", "ignore"}, default "warn"
        Patch ids of a table that are not in the batch.
    on_invalid : {"raise", "warn"}, default "raise"
        Invalid values and disagreeing duplicate rows.
    min_matched_share : float, default 0.5
        A table must name patches of the batch in at least this share of its
        rows; below it the table is refused, as another batch's table would
        leave almost every patch on its suggestion. 0 accepts any table.
    profile : {"auto", "2020", "2026"}, default "auto"
        The vocabulary of the determinations (:mod:`rsgeo.schema.profiles`):
        "auto" detects it from the values of the determination column (and
        says why in the report); a profile name refuses values not in it. A
        job sets it with ``[job] profile``.

    Examples
    --------
    >>> DeterminationOptions(min_matched_share=0.8).min_matched_share
    0.8
    >>> DeterminationOptions(profile=2026).profile
    '2026'
    """

    _title: ClassVar[str] = "determination options"

    unknown_ids: UnknownIds = "warn"
    on_invalid: OnInvalid = "raise"
    min_matched_share: float = 0.5
    profile: ProfileChoice = "auto"

    def _normalize(self) -> list[str]:
        problems: list[str] = []
        _profile(self, problems)
        _choice("unknown_ids", self.unknown_ids, get_args(UnknownIds), problems)
        _choice("on_invalid", self.on_invalid, get_args(OnInvalid), problems)
        share = self.min_matched_share
        if not _is_number(share) or not 0.0 <= float(share) <= 1.0:
            problems.append(f"min_matched_share must be a share from 0 to 1, got {share!r}")
        return problems


# --------------------------------------------------------------------------- maps

BasemapDatum = Literal["cgcs2000", "wgs84", "gcj02"]
"""Datum of a basemap: its tiles are drawn in CGCS2000/WGS84 or in GCJ-02."""

BASEMAP_SUFFIXES: tuple[str, ...] = (".tif", ".tiff", ".mbtiles")
"""File kinds a field map's offline basemap may be: a GeoTIFF or an MBTiles file."""

MAP_LAYER_KEYS: tuple[str, ...] = ("pbf", "redline", "urban", "approved")
"""The reference layers (``[layers.KEY]``) the county and field maps draw, when the job has them."""


@dataclass(frozen=True)
class MapOptions(_Options):
    """Options of the field maps' offline basemap (``[maps]`` of a job file).

    Parameters
    ----------
    basemap : str or None, default None
        A GeoTIFF (``.tif``/``.tiff``, any CRS) or an MBTiles file
        (``.mbtiles``) of imagery. Each field map gets the Web Mercator tiles
        of its own area only, cut from it; None: no basemap.
    basemap_datum : {"cgcs2000", "wgs84", "gcj02"}, default "cgcs2000"
        Datum the basemap is drawn in. An MBTiles file saved from Gaode or
        Tencent tiles is in ``"gcj02"``: the patches are then shifted to
        GCJ-02 to lie on it. A GeoTIFF carries its own CRS and must not be
        ``"gcj02"``.
    basemap_min_zoom : int or None, default None
        Lowest zoom tiled; None: the zoom at which the map's area fills a
        phone screen, less one.
    basemap_max_zoom : int, default 18
        Highest zoom tiled (about 0.5 m a pixel); never above the imagery's
        own resolution (Leaflet enlarges the last level beyond it).
    basemap_max_tiles : int, default 1500
        Most tiles per field map; the highest zooms are dropped (with a
        warning) until the map's tiles fit.
    basemap_margin_m : float, default 300
        At the zooms where the whole area would need more than 64 tiles,
        only the tiles within this distance of a patch are cut.
    basemap_embed : bool, default False
        False: the tiles lie in a folder beside each page
        (``{code}_tiles/``), to be copied with it. True: inside the page
        itself (one file to send to a phone; larger).
    page_max_mb : float, default 12
        The largest field map, in megabytes (10^6 bytes) of HTML: a
        township whose page would be larger is drawn in parts, each a
        compact group of its patches under this size, and its page becomes
        an index of the parts (find a patch by its monitoring number there).
        An embedded basemap counts towards it. 12 keeps every page well
        under the 15 MB a phone's browser opens comfortably. (Leaflet and
        rsgeo's script and style are about 0.25 MB of every page.)
    county_popup_max_patches : int, default 100000
        Above this many patches the county map's points carry only their
        monitoring number, class and township (the popup is made from them
        in the browser, pointing to the field map): the full popups of a
        province's patches would make a page of hundreds of megabytes.

    Examples
    --------
    >>> MapOptions().basemap is None
    True
    >>> MapOptions(basemap="img.jpg")
    Traceback (most recent call last):
    ...
    rsgeo.errors.InputError: 1 problem(s) in the map options:
      - basemap must be a GeoTIFF (.tif, .tiff) or an MBTiles file (.mbtiles), got 'img.jpg'
    """

    _title: ClassVar[str] = "map options"

    basemap: str | None = None
    basemap_datum: BasemapDatum = "cgcs2000"
    basemap_min_zoom: int | None = None
    basemap_max_zoom: int = 18
    basemap_max_tiles: int = 1500
    basemap_margin_m: float = 300.0
    basemap_embed: bool = False
    page_max_mb: float = 12.0
    county_popup_max_patches: int = 100_000

    def _normalize(self) -> list[str]:
        problems: list[str] = []
        if not _is_number(self.page_max_mb) or not float(self.page_max_mb) > 0:
            problems.append(f"page_max_mb must be a number > 0, got {self.page_max_mb!r}")
        _whole_numbers(self, ("county_popup_max_patches",), 0, problems)
        value = self.basemap
        if value is not None:
            if hasattr(value, "__fspath__"):
                value = str(value)
                object.__setattr__(self, "basemap", value)
            if not isinstance(value, str) or not value.lower().endswith(BASEMAP_SUFFIXES):
                problems.append(
                    "basemap must be a GeoTIFF (.tif, .tiff) or an MBTiles file (.mbtiles), "
                    f"got {value!r}"
                )
        _choice("basemap_datum", self.basemap_datum, get_args(BasemapDatum), problems)
        if (
            isinstance(value, str)
            and not value.lower().endswith(".mbtiles")
            and self.basemap_datum == "gcj02"
        ):
            problems.append(
                "basemap_datum='gcj02' is for MBTiles saved from GCJ-02 tiles; a GeoTIFF "
                "carries its own CRS"
            )
        _whole_numbers(self, ("basemap_max_zoom",), 0, problems)
        _whole_numbers(self, ("basemap_min_zoom",), 0, problems, optional=True)
        _whole_numbers(self, ("basemap_max_tiles",), 1, problems)
        for name in ("basemap_min_zoom", "basemap_max_zoom"):
            zoom = getattr(self, name)
            if isinstance(zoom, int) and zoom > 22:
                problems.append(f"{name} must be at most 22, got {zoom!r}")
        low, high = self.basemap_min_zoom, self.basemap_max_zoom
        if isinstance(low, int) and isinstance(high, int) and low > high:
            problems.append(f"basemap_min_zoom ({low}) must not exceed basemap_max_zoom ({high})")
        if not _is_number(self.basemap_margin_m) or self.basemap_margin_m < 0:
            problems.append(
                f"basemap_margin_m must be a number >= 0, got {self.basemap_margin_m!r}"
            )
        _flags(self, ("basemap_embed",), problems)
        return problems


ROWS_PER_PART = 1_000_000
"""Most rows in one part file."""
ROW_GROUP_ROWS = 2_500
"""Rows in one row group: the unit a bbox filter keeps or skips (about 0.8 MB of
20-vertex polygons). Smaller groups prune better and cost more metadata: a tile of
the province in ``benchmarks/bench_cluster.py`` decodes about a third of the rows
it would with 10,000 (its land use read in 17.0 CPU-s against 20.9 over 64 tiles;
1,000 rows: no better)."""
PARQUET_COMPRESSIONS = ("lz4", "zstd", "snappy", "gzip", "none")
"""The Parquet compressions a GeoParquet dataset is written with (``rsgeo convert
--compression``); the first is the default. lz4: files about a quarter larger than
zstd, read about a sixth faster, and a province is read many times (docs/geoparquet.md)."""


# --------------------------------------------------------------------------- evidence photos

PhotoMatch = Literal["id_then_position", "id", "position"]
"""How a field photo finds its patch: by the patch id it carries, by where it was taken, or
by its id first and its position when the id names no patch."""


@dataclass(frozen=True)
class EvidenceOptions(_Options):
    """How the photos of a 国土调查云 evidence package are placed in the dossiers
    (the job's ``[evidence]``; :func:`rsgeo.io.evidence.match_photos`).

    Attributes
    ----------
    match : {"id_then_position", "id", "position"}, default "id_then_position"
        "id": a photo goes to the patch whose id it carries (JCBH/TBBH);
        "position": to the patch its shooting position lies in;
        "id_then_position": by id, else by position.
    max_distance_m : float, default 0.0
        A photo taken at most this far outside a patch (crews often stand at
        its edge) still goes to it by position; the nearest patch wins.

    Examples
    --------
    >>> EvidenceOptions(match="position", max_distance_m=30).max_distance_m
    30
    """

    _title: ClassVar[str] = "evidence options"

    match: PhotoMatch = "id_then_position"
    max_distance_m: float = 0.0

    def _normalize(self) -> list[str]:
        problems: list[str] = []
        _choice("match", self.match, get_args(PhotoMatch), problems)
        if not _is_number(self.max_distance_m) or self.max_distance_m < 0:
            problems.append(
                f"max_distance_m must be a distance >= 0 in metres, got {self.max_distance_m!r}"
            )
        return problems


__all__ += ["EvidenceOptions", "PhotoMatch"]


# --------------------------------------------------------------------------- register


BlacklistMatch = Literal["any", "all"]


@dataclass(frozen=True)
class BlacklistOptions(_Options):
    """Who goes on the blacklist of violators (黑名单), from the patch register.

    A responsible party (责任主体) of illegal patches across all batches is
    listed when it meets ``match`` of the criteria that are switched on
    (a criterion set to None is off). The defaults are rsgeo's working
    definition; the work plan leaves the thresholds to the county.

    Attributes
    ----------
    min_patches : int or None, default 3
        Illegal patches (cases) of the party at least this many.
    min_area_mu : float or None, default 5.0
        Illegal area of the party at least this many 亩.
    min_batches : int or None, default 2
        Repeat offence (屡查屡犯): illegal patches in at least this many batches.
    min_unrectified : int or None, default None
        Unrectified illegal patches at least this many.
    match : {"any", "all"}, default "any"
        Listed when any of the criteria switched on is met, or only when all are.

    Examples
    --------
    >>> BlacklistOptions(min_area_mu=10).min_area_mu
    10.0
    >>> BlacklistOptions(match="some")
    Traceback (most recent call last):
    ...
    rsgeo.errors.InputError: 1 problem(s) in the blacklist options:
      - match='some' is not allowed; choose one of ['any', 'all']
    """

    _title: ClassVar[str] = "blacklist options"

    min_patches: int | None = 3
    min_area_mu: float | None = 5.0
    min_batches: int | None = 2
    min_unrectified: int | None = None
    match: BlacklistMatch = "any"

    def _normalize(self) -> list[str]:
        problems: list[str] = []
        _whole_numbers(
            self, ("min_patches", "min_batches", "min_unrectified"), 1, problems, optional=True
        )
        if self.min_area_mu is not None:
            if not _is_number(self.min_area_mu) or float(self.min_area_mu) < 0:
                problems.append(
                    f"min_area_mu must be a number >= 0 or None (off), got {self.min_area_mu!r}"
                )
            else:
                object.__setattr__(self, "min_area_mu", float(self.min_area_mu))
        _choice("match", self.match, get_args(BlacklistMatch), problems)
        return problems


# --------------------------------------------------------------------------- cluster

PartitionBy = Literal["county", "tile"]

LOCAL_CLUSTER_DASK_CONFIG: Mapping[str, Any] = MappingProxyType(
    {
        "distributed.worker.profile.enabled": False,
        "distributed.admin.tick.interval": "1s",
    }
)
"""Dask settings of a LocalCluster that rsgeo starts (its scheduler, nannies and workers).

- ``distributed.worker.profile.enabled``: off. Dask's workers sample the
  stack of every running task every 10 ms for the dashboard's profile page. A
  batch job never reads that profile, and on the province benchmark the
  sampling took about 6 % of each task's CPU (benchmarks/README.md).
- ``distributed.admin.tick.interval``: 1 s instead of 20 ms. Each event loop
  wakes at this interval only to measure how late it woke, and warns when
  that is over ``distributed.admin.tick.limit`` (3 s): the warning still
  comes. The client process (scheduler and nannies) then took about half the
  CPU during the benchmark's overlay stage (0.6–0.75 against 1.1–1.2 s).

Workers started by someone else (``rsgeo run --cluster ADDRESS``) keep their
own settings; to gain the same there, start them with
``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False`` and
``DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL=1s`` in their environment."""


@dataclass(frozen=True)
class ClusterOptions(_Options):
    """How a job is cut into partitions on a Dask cluster (:mod:`rsgeo.cluster`), ``[cluster]``.

    Attributes
    ----------
    partition_by : {"county", "tile"}, default "county"
        ``"county"``: one partition per county (the first 6 digits of the
        township code, XZQDM), cut into spatial tiles only where a county holds
        more than ``max_patches`` patches; ``"tile"``: spatial tiles of at most
        ``max_patches`` patches regardless of counties.
    max_patches : int, default 25000
        The patch budget of one partition (one Dask task): a county above it
        is cut into compact tiles (runs of the patches ordered along a Hilbert
        curve). Its memory grows with the patches and the layer features they
        touch; 25,000 patches against a farmland layer of 0.34 ha cells stay
        well under 1 GB.
    allowed_failures : int, default 3
        How many times a partition is run again after the worker running it
        died (the scheduler's retries); a partition that raised an error is
        reported, not run again.
    dossier_counties : tuple of str or None, default None
        The counties (6-digit codes) whose dossiers are written, each in its
        own folder, when ``[outputs] dossiers`` is on; None: every county.

    Examples
    --------
    >>> ClusterOptions(max_patches=1000).partition_by
    'county'
    >>> ClusterOptions(partition_by="grid")
    Traceback (most recent call last):
    ...
    rsgeo.errors.InputError: 1 problem(s) in the cluster options:
      - partition_by='grid' is not allowed; choose one of ['county', 'tile']
    """

    _title: ClassVar[str] = "cluster options"

    partition_by: PartitionBy = "county"
    max_patches: int = 25_000
    allowed_failures: int = 3
    dossier_counties: tuple[str, ...] | None = None

    def _normalize(self) -> list[str]:
        problems: list[str] = []
        _choice("partition_by", self.partition_by, ("county", "tile"), problems)
        _whole_numbers(self, ("max_patches",), 1, problems)
        _whole_numbers(self, ("allowed_failures",), 0, problems)
        if self.dossier_counties is not None:
            codes = _text_tuple("dossier_counties", self.dossier_counties, problems)
            bad = [c for c in codes if not re.fullmatch(r"\d{6}", c)]
            if bad:
                problems.append(f"dossier_counties must be 6-digit county codes, got {bad}")
            object.__setattr__(self, "dossier_counties", codes)
        return problems


__all__ += ["LOCAL_CLUSTER_DASK_CONFIG", "ClusterOptions", "PartitionBy"]
