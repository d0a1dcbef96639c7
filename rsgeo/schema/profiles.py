"""Vocabulary profiles: the 2020 classes and the 2026 classes of a patch.

A run speaks one vocabulary (DOMAIN.md §5):

* ``"2020"``: 合法 / 违法 / 其他, with a sub-type and a 违法类型 (the 2020
  quarterly 卫片执法; the default);
* ``"2026"``: 合法 (批文 / 供地手续 / 登记发证 / 其他), 其他 (边角细缝,
  农村宅基地 …), 非农违法 (工矿商服 / 民生公益 / 道路交通 / 其他), 农村道路 and
  设施农用地, each with its sub-types; 非粮违法 is counted apart.

:data:`PROFILES` says which classes each profile knows and what each class
means for the statistics; :func:`resolve_profile` takes the profile from the
determination values seen (``"auto"``) or checks the values against the
profile that was set; :func:`split_determination` reads a class written
together with its sub-type (``非农违法-工矿商服``, ``合法（批文）``).

Examples
--------
>>> PROFILES["2026"].illegal_classes, PROFILES["2026"].non_grain_classes
(('非农违法',), ('非粮违法',))
>>> resolve_profile(["合法", "非农违法", None]).profile
'2026'
>>> split_determination("合法（批文）")
('合法', '批文')
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from rsgeo.errors import ProfileError
from rsgeo.schema.vocabulary import (
    CLASSES,
    CLASSES_2026,
    DETERMINATION_WORDS,
    FACILITY_FARMLAND,
    ILLEGAL,
    LEGAL,
    NON_AGRICULTURAL_ILLEGAL,
    NON_GRAIN_ILLEGAL,
    OTHER,
    SUBTYPES_2026,
    normalize_word,
)

__all__ = [
    "DEFAULT_PROFILE",
    "PROFILES",
    "PROFILE_CHOICES",
    "PROFILE_NAMES",
    "Profile",
    "ProfileChoice",
    "ProfileDetection",
    "ProfileName",
    "merge_subtype",
    "resolve_profile",
    "restate_suggestion",
    "split_determination",
]

ProfileName = Literal["2020", "2026"]
ProfileChoice = Literal["auto", "2020", "2026"]
PROFILE_NAMES: tuple[str, ...] = ("2020", "2026")
PROFILE_CHOICES: tuple[str, ...] = ("auto", *PROFILE_NAMES)
"""What a profile option accepts: ``"auto"`` (detect from the values) or a profile."""
DEFAULT_PROFILE: ProfileName = "2020"
"""The profile of a run whose values do not tell (no determination, or only
合法 / 其他, which both profiles know)."""


@dataclass(frozen=True)
class Profile:
    """One vocabulary: its classes and what each means for the statistics.

    Attributes
    ----------
    name : str
        ``"2020"`` or ``"2026"``.
    classes : tuple of str
        The determinations (``final_class`` values) the profile knows.
    illegal_classes, legal_classes : tuple of str
        Classes counted as illegal (the ratio, the criteria) and as legal by
        default (:class:`rsgeo.options.StatsOptions` can change both).
    non_grain_classes : tuple of str
        Classes counted apart: their own count and area columns, never in the
        ratio nor the criteria.
    subtypes : mapping of str to tuple of str
        Known sub-types per class (open lists: other sub-types are kept).
    """

    name: str
    classes: tuple[str, ...]
    illegal_classes: tuple[str, ...]
    legal_classes: tuple[str, ...]
    non_grain_classes: tuple[str, ...]
    subtypes: Mapping[str, tuple[str, ...]]


PROFILES: Mapping[str, Profile] = MappingProxyType(
    {
        "2020": Profile("2020", CLASSES, (ILLEGAL,), (LEGAL,), (), MappingProxyType({})),
        "2026": Profile(
            "2026",
            CLASSES_2026,
            (NON_AGRICULTURAL_ILLEGAL,),
            (LEGAL,),
            (NON_GRAIN_ILLEGAL,),
            SUBTYPES_2026,
        ),
    }
)
"""The profiles by name.

In 2026 only 非农违法 is illegal for the ratio and the criteria. 农村道路 and
设施农用地 are not illegal by themselves: both are agricultural land in the
law's sense (rural roads serve farming; facility agricultural land is filed,
not approved, as land for farming), so a clue verified as either is a use
that needs no conversion approval; when one is built wrongly (too wide, in
permanent basic farmland, without filing) the crew records it as 非农违法.
非粮违法 (farmland turned to non-grain crops) breaks the farmland-use rules,
not the construction-land rules the ratio measures: it has its own columns.
Count 农村道路 as illegal with ``illegal_classes = ["非农违法", "农村道路"]``.
"""


@dataclass(frozen=True)
class ProfileDetection:
    """Which profile a run speaks, and why.

    Attributes
    ----------
    profile : str
        ``"2020"`` or ``"2026"``.
    how : {"set", "detected", "default"}
        Set explicitly, detected from the values, or the default because the
        values did not tell.
    reason : str
        One readable sentence.
    counts : mapping of str to int
        Rows per class seen.
    """

    profile: str
    how: str
    reason: str
    counts: Mapping[str, int]


def _listing(values: Iterable[str], counts: Mapping[str, int]) -> str:
    return ", ".join(f"{v} ({counts[v]})" for v in values)


def resolve_profile(
    values: Iterable[object], choice: str = "auto", *, source: str = "the determinations"
) -> ProfileDetection:
    """The profile of a set of determination values (canonical classes).

    Parameters
    ----------
    values : iterable
        Determinations as read (:data:`rsgeo.schema.vocabulary.DETERMINATION_VALUES`
        keys); missing values and words of no profile are not counted.
    choice : {"auto", "2020", "2026"}
        ``"auto"`` detects; a profile name is checked against the values.
    source : str
        What the values come from, for the messages.

    Raises
    ------
    ProfileError
        ``"auto"`` and values only 2020 knows beside values only 2026 knows
        (every value listed with its count); or a profile was set and some
        values are not in it (those values listed).

    Examples
    --------
    >>> resolve_profile(["违法", "合法"]).reason
    'detected from the determinations: 违法 (1) belong only to the 2020 profile'
    >>> resolve_profile(["合法"]).how
    'default'
    >>> resolve_profile(["违法", "非农违法"])
    Traceback (most recent call last):
    ...
    rsgeo.errors.ProfileError: the determinations mix the vocabularies of two profiles: only 2020 knows 违法 (1); only 2026 knows 非农违法 (1). A run speaks one vocabulary: give tables of one profile, or correct the values
    >>> resolve_profile(["非农违法"], "2020")
    Traceback (most recent call last):
    ...
    rsgeo.errors.ProfileError: profile "2020" was set, but the determinations hold values not in it: 非农违法 (1); the 2020 profile knows 合法, 违法, 其他. Set profile = "2026", or "auto" to detect it
    """
    if choice not in PROFILE_CHOICES:
        raise ProfileError(
            f"profile={choice!r} is not allowed; choose one of {list(PROFILE_CHOICES)}"
        )
    known = {c for p in PROFILES.values() for c in p.classes}
    counts = Counter(v for v in values if isinstance(v, str) and v in known)
    order = [c for p in PROFILES.values() for c in p.classes]
    seen = sorted(counts, key=order.index)
    if choice != "auto":
        profile = PROFILES[choice]
        foreign = [v for v in seen if v not in profile.classes]
        if foreign:
            fits = [p.name for p in PROFILES.values() if set(seen) <= set(p.classes)]
            hint = (
                f'Set profile = "{fits[0]}", or "auto" to detect it'
                if fits
                else ("Correct the values: no profile knows them all")
            )
            raise ProfileError(
                f'profile "{choice}" was set, but {source} hold values not in it: '
                f"{_listing(foreign, counts)}; the {choice} profile knows "
                f"{', '.join(profile.classes)}. {hint}"
            )
        return ProfileDetection(
            choice, "set", f'set explicitly (profile = "{choice}")', dict(counts)
        )
    only = {
        name: [
            v for v in seen if all(v not in o.classes for o in PROFILES.values() if o.name != name)
        ]
        for name in PROFILE_NAMES
    }
    telling = [name for name in PROFILE_NAMES if only[name]]
    if len(telling) > 1:
        parts = [f"only {name} knows {_listing(only[name], counts)}" for name in telling]
        shared = [v for v in seen if not any(v in only[n] for n in telling)]
        if shared:
            parts.append(f"both know {_listing(shared, counts)}")
        raise ProfileError(
            f"{source} mix the vocabularies of two profiles: {'; '.join(parts)}. "
            "A run speaks one vocabulary: give tables of one profile, or correct the values"
        )
    if telling:
        name = telling[0]
        reason = (
            f"detected from {source}: {_listing(only[name], counts)} "
            f"belong only to the {name} profile"
        )
        return ProfileDetection(name, "detected", reason, dict(counts))
    if seen:
        reason = (
            f"{source} hold only values both profiles know ({_listing(seen, counts)}): "
            f"the default, {DEFAULT_PROFILE}"
        )
    else:
        reason = f"{source} hold no determination: the default, {DEFAULT_PROFILE}"
    return ProfileDetection(DEFAULT_PROFILE, "default", reason, dict(counts))


_OPENERS = {"(": ")", "（": "）", "[": "]", "【": "】"}
_SEPARATORS = ("-", "—", "－", "–", "/", "／", "、", ":", "：", "|", "·", *_OPENERS)


def split_determination(text: str) -> tuple[str | None, str]:
    """A determination written with its sub-type, as (class, sub-type).

    The class is matched like a plain determination (spellings of
    :data:`rsgeo.schema.vocabulary.DETERMINATION_VALUES`); the sub-type is the
    rest after the first separator (``-``, ``—``, ``/``, ``、``, ``：``, or in
    brackets). ``(None, "")`` when the text names no class.

    Examples
    --------
    >>> split_determination("非农违法-工矿商服-厂房")
    ('非农违法', '工矿商服-厂房')
    >>> split_determination("合法用地")
    ('合法', '')
    >>> split_determination("其他（农村宅基地）")
    ('其他', '农村宅基地')
    >>> split_determination("拆除")
    (None, '')
    """
    text = str(text).strip()
    whole = DETERMINATION_WORDS.get(normalize_word(text))
    if whole is not None:
        return whole, ""
    cuts = [i for i in (text.find(s) for s in _SEPARATORS) if i > 0]
    if not cuts:
        return None, ""
    cut = min(cuts)
    head, sep, rest = text[:cut], text[cut], text[cut + 1 :].strip()
    found = DETERMINATION_WORDS.get(normalize_word(head))
    if found is None:
        return None, ""
    closer = _OPENERS.get(sep)
    if closer and rest.endswith(closer):
        rest = rest[:-1].strip()
    return found, rest


def merge_subtype(parsed: str, given: str) -> str:
    """The sub-type of a row from the determination cell and the sub-type cell.

    >>> merge_subtype("工矿商服", ""), merge_subtype("", "批文")
    ('工矿商服', '批文')
    >>> merge_subtype("工矿商服", "工矿商服-厂房"), merge_subtype("工矿商服", "厂房")
    ('工矿商服-厂房', '工矿商服-厂房')
    """
    if not parsed or given.startswith(parsed):
        return given
    if not given:
        return parsed
    return f"{parsed}-{given}"


def restate_suggestion(cls: str, subtype: str, profile: str) -> tuple[str, str]:
    """A suggestion of the rules (2020 words) restated in a profile's words.

    The rules of :mod:`rsgeo.schema.classes` propose 合法 / 违法 / 其他; in
    the 2026 profile 违法 becomes 非农违法 (the sub-type kept, e.g. 疑似违法)
    and 其他 / 设施农用地 becomes the class 设施农用地.

    >>> restate_suggestion("违法", "疑似违法", "2026")
    ('非农违法', '疑似违法')
    >>> restate_suggestion("其他", "设施农用地", "2026")
    ('设施农用地', '')
    >>> restate_suggestion("违法", "疑似违法", "2020")
    ('违法', '疑似违法')
    """
    if profile == "2026":
        if cls == ILLEGAL:
            return NON_AGRICULTURAL_ILLEGAL, subtype
        if cls == OTHER and subtype == FACILITY_FARMLAND:
            return FACILITY_FARMLAND, ""
    return cls, subtype
