"""Suggested classification of overlaid patches (合法 / 违法 / 其他) and flags.

:func:`classify` reads the patch-level overlay table (``docs/columns.md``,
"Overlay") and proposes a class for every patch from the ordered rules of
:mod:`rsgeo.rules`; the first rule that applies decides. It also sets the flags
every report needs (permanent basic farmland, red line, nature reserve, urban
boundary, mineral, rare earth, military land) and ``is_construction``, the
township statistics' denominator filter. Every patch gets a readable Chinese
reason naming the numbers behind the suggestion. The technician's
determination, merged later by :func:`rsgeo.apply_determinations`, overrides
the suggestion. ``docs/classification.md`` documents every rule.
The rule functions and the reason texts are in :mod:`rsgeo.analysis.classification_rules`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from rsgeo.analysis.classification_rules import (
    RULE_FUNCS,
    BoolArray,
    RuleContext,
    fmt_pct,
    fmt_thr,
    needed_columns,
    text_values,
)
from rsgeo.errors import FieldError, InputError, format_problems
from rsgeo.geo.units import format_half_up
from rsgeo.options import ClassificationRules, coerce_rules
from rsgeo.schema.classes import ILLEGAL, OTHER
from rsgeo.schema.labels import FLAG_LABELS, ROLE_LABELS, RULE_LABELS
from rsgeo.schema.military import is_military, military_status

__all__ = ["OUTPUT_COLUMNS", "ClassifyReport", "classify"]

FrameT = TypeVar("FrameT", bound=pd.DataFrame)

OUTPUT_COLUMNS: tuple[str, ...] = (
    "suggested_class",
    "suggested_subtype",
    "suggested_reason",
    "suggested_rule",
    "is_construction",
    "flag_pbf",
    "flag_redline",
    "flag_protected",
    "in_urban",
    "flag_mineral",
    "flag_rare_earth",
    "flag_military",
)
"""Columns :func:`classify` adds (replaced when the input has them already)."""


@dataclass
class ClassifyReport:
    """What :func:`classify` did, in ``result.attrs["rsgeo_classify_report"]``.

    Attributes
    ----------
    n_patches : int
    class_counts, subtype_counts : dict
        Patches per suggested class / sub-type.
    skipped_rules : dict
        Rule name → missing columns, for rules that could not run.
    missing_flag_columns : dict
        Flag → missing column; such a flag is False for every patch.
    unknown_change_types : dict
        Change types in no code list (treated as construction) → count.
    missing_change_type : int
        Patches without a change type (treated as construction).
    bad_dates : list of str
        Patches whose ``date_after`` is not a readable date (treated as missing).
    """

    n_patches: int = 0
    class_counts: dict[str, int] = field(default_factory=dict)
    subtype_counts: dict[str, int] = field(default_factory=dict)
    skipped_rules: dict[str, list[str]] = field(default_factory=dict)
    missing_flag_columns: dict[str, str] = field(default_factory=dict)
    unknown_change_types: dict[str, int] = field(default_factory=dict)
    missing_change_type: int = 0
    bad_dates: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """A few readable lines."""
        lines = [f"{self.n_patches} patches classified: {self.class_counts}"]
        for rule, cols in self.skipped_rules.items():
            lines.append(f"rule {rule!r} skipped: missing {', '.join(cols)}")
        for flag, col in self.missing_flag_columns.items():
            lines.append(f"{flag} is False everywhere: missing {col}")
        if self.unknown_change_types:
            lines.append(f"change types treated as construction: {self.unknown_change_types}")
        if self.missing_change_type:
            lines.append(f"{self.missing_change_type} patches without change_type")
        if self.bad_dates:
            lines.append(f"{len(self.bad_dates)} patches with unreadable date_after")
        return "\n".join(lines)

    def __deepcopy__(self, memo: dict[int, Any]) -> ClassifyReport:
        # finished when attached: pandas deep-copies ``attrs`` on every
        # operation on the table, and the copies share this one report
        return self


def _validate(frame: Any, rules: ClassificationRules) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"classify expects a (Geo)DataFrame, got {type(frame).__name__}")
    if "area_m2" not in frame.columns:
        raise FieldError(
            "classify needs the overlay table (column 'area_m2' is missing); "
            "run rsgeo.overlay(patches, layers) first"
        )
    problems: list[str] = []
    columns = ["area_m2"] + [
        f"{rules.key(role)}_m2"
        for role in rules.layer_keys
        if f"{rules.key(role)}_m2" in frame.columns
    ]
    for name in columns:
        values = pd.to_numeric(frame[name], errors="coerce")
        bad = values.isna() & frame[name].notna()
        if bad.any():
            ids = [str(i) for i in frame.index[bad.to_numpy()][:5]]
            problems.append(f"{name}: {int(bad.sum())} values are not numbers (patches {ids})")
        negative = values < 0
        if negative.any():
            ids = [str(i) for i in frame.index[negative.to_numpy()][:5]]
            problems.append(f"{name}: {int(negative.sum())} negative areas (patches {ids})")
    if problems:
        raise InputError(
            format_problems(f"{len(problems)} problem(s) in the overlay table:", problems)
        )


def classify(
    overlaid: FrameT,
    *,
    rules: ClassificationRules | Mapping[str, Any] | None = None,
) -> FrameT:
    """Suggest a class for every patch and set the flags.

    Parameters
    ----------
    overlaid : GeoDataFrame or DataFrame
        The patch-level overlay table (index ``patch_id``; ``area_m2``,
        ``{key}_m2``, ``{key}_{field}``, and patch fields ``change_type``,
        ``date_after``, ``land_class_code``, ``military``). Layers that were not
        overlaid simply have no column: the rules needing them are skipped and
        each affected reason says so.
    rules : ClassificationRules or mapping, optional
        Thresholds and code lists; a mapping overrides the defaults by name
        (unknown names and bad values raise one :class:`~rsgeo.errors.InputError`).

    Returns
    -------
    same type as ``overlaid``
        A copy with ``suggested_class`` (合法 / 违法 / 其他),
        ``suggested_subtype``, ``suggested_reason``, ``suggested_rule``,
        ``is_construction`` and the boolean flags ``flag_pbf``,
        ``flag_redline``, ``flag_protected``, ``in_urban``, ``flag_mineral``,
        ``flag_rare_earth``, ``flag_military``. ``attrs["rsgeo_classify_report"]``
        holds a :class:`ClassifyReport`.

    Raises
    ------
    FieldError
        ``area_m2`` is missing (not an overlay table).
    InputError
        Area columns that are not numbers or negative; invalid rules.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame(
    ...     {"area_m2": [1000.0, 1000.0, 1000.0], "approved_m2": [973.0, 0.0, 0.0],
    ...      "approved_doc_number": ["桂政土批〔2019〕12号", None, None],
    ...      "change_type": ["20", "20", "01"]},
    ...     index=pd.Index(["p1", "p2", "p3"], name="patch_id"))
    >>> out = classify(t)
    >>> out["suggested_class"].tolist()
    ['合法', '违法', '其他']
    >>> out.loc["p1", "suggested_reason"]
    '批准用地覆盖 97.3%（≥95%），批准文号：桂政土批〔2019〕12号'
    >>> out["is_construction"].tolist()
    [True, True, False]
    """
    rules = coerce_rules(rules)
    _validate(overlaid, rules)
    report = ClassifyReport(n_patches=len(overlaid))
    base = overlaid.drop(columns=[c for c in OUTPUT_COLUMNS if c in overlaid.columns])
    ctx = RuleContext(base, rules, report)
    n = ctx.n

    flags: dict[str, BoolArray] = {}
    flag_texts: list[list[str]] = [[] for _ in range(n)]
    for flag, role in (
        ("flag_pbf", "pbf"),
        ("flag_redline", "redline"),
        ("flag_protected", "protected"),
    ):
        touched = ctx.touches(role)
        if touched is None:
            report.missing_flag_columns[flag] = f"{rules.key(role)}_m2"
            touched = np.zeros(n, dtype=bool)
        else:
            over = ctx.overlap(role)
            share = ctx.share(role)
            names = ctx.field(role, "name")
            assert over is not None and share is not None
            for i in np.flatnonzero(touched).tolist():
                label = f"（{names[i]}）" if names[i] else ""
                flag_texts[i].append(
                    f"涉及{ROLE_LABELS[role]}{label} {format_half_up(over[i])} m²（{fmt_pct(share[i])}）"
                )
        flags[flag] = touched

    urban_share = ctx.share("urban")
    if urban_share is None:
        report.missing_flag_columns["in_urban"] = f"{rules.key('urban')}_m2"
        flags["in_urban"] = np.zeros(n, dtype=bool)
    else:
        thr = rules.urban_min_share
        flags["in_urban"] = urban_share >= thr
        for i in range(n):
            pct = fmt_pct(urban_share[i], thr)
            if flags["in_urban"][i]:
                text = f"位于城镇开发边界内（{pct}，≥{fmt_thr(thr)}）"
            elif urban_share[i] > 0:
                text = f"位于城镇开发边界外（边界内仅 {pct}，<{fmt_thr(thr)}）"
            else:
                text = "位于城镇开发边界外"
            flag_texts[i].append(text)

    codes = np.array([c or "" for c in ctx.codes], dtype=object)
    mineral = np.isin(codes, list(rules.mineral_change_types))
    mining_touch = ctx.touches("mining")
    if mining_touch is not None:
        mineral |= mining_touch
    rare = np.zeros(n, dtype=bool)
    mining_prefix = f"{rules.key('mining')}_"
    for column in rules.mineral_columns:
        if column not in base.columns:
            continue
        names = text_values(ctx.pos, column)
        hit = np.array([any(w in t for w in rules.rare_earth_words) for t in names], dtype=bool)
        if column.startswith(mining_prefix):
            hit &= mining_touch if mining_touch is not None else np.zeros(n, dtype=bool)
        else:
            mineral |= np.array([bool(t) for t in names], dtype=bool)
        rare |= hit
    mineral |= rare
    flags["flag_mineral"] = mineral
    flags["flag_rare_earth"] = rare
    ctx.flag_mineral = mineral

    # flag_military: military land for certain (an ambiguous marking stays
    # ambiguous, and sealed, through its own field: rsgeo.schema.military)
    military = (military_status(base) == "sealed").to_numpy()
    military_touch = ctx.touches("military")
    if military_touch is not None:
        military = military | military_touch
    flags["flag_military"] = military.astype(bool)
    for i in range(n):
        if mineral[i]:
            flag_texts[i].append("涉及稀土矿产" if rare[i] else FLAG_LABELS["flag_mineral"])
        if military[i]:
            flag_texts[i].insert(0, "军用土地图斑（单独上报，不列入普通成果）")

    # rules, first match decides
    decided = np.zeros(n, dtype=bool)
    classes = np.full(n, OTHER, dtype=object)
    subtypes = np.full(n, "未判定", dtype=object)
    rule_of = np.full(n, "", dtype=object)
    reasons: list[str] = ["没有适用的规则（见 rules.order）"] * n
    notes: list[list[str]] = [[] for _ in range(n)]
    skipped_before: list[list[str]] = [[] for _ in range(n)]
    for name in rules.order:
        missing = [c for c in needed_columns(name, rules) if c not in base.columns]
        if missing:
            report.skipped_rules[name] = missing
            note = (
                f"缺少 {', '.join(missing)}（未提供相应图层或字段），未执行{RULE_LABELS[name]}规则"
            )
            for i in np.flatnonzero(~decided).tolist():
                skipped_before[i].append(note)
            continue
        ctx.active = ~decided
        outcome = RULE_FUNCS[name](ctx)
        new = outcome.mask & ~decided
        classes[new] = outcome.classes[new]
        subtypes[new] = outcome.subtypes[new]
        rule_of[new] = name
        for i in np.flatnonzero(new).tolist():
            reasons[i] = outcome.reasons[i]
        for i in np.flatnonzero(~decided & ~outcome.mask).tolist():
            if outcome.notes[i]:
                notes[i].append(outcome.notes[i])
        decided |= new

    full: list[str] = []
    for i in range(n):
        parts = [reasons[i]]
        if classes[i] == ILLEGAL:
            parts += notes[i]
        parts += flag_texts[i]
        parts += skipped_before[i]
        full.append("；".join(p for p in parts if p))

    columns: dict[str, Any] = {
        "suggested_class": classes,
        "suggested_subtype": subtypes,
        "suggested_reason": np.array(full, dtype=object),
        "suggested_rule": rule_of,
        "is_construction": ctx.is_construction.astype(bool),
        **{k: v.astype(bool) for k, v in flags.items()},
    }
    out = base.copy()
    for name in OUTPUT_COLUMNS:
        out[name] = columns[name]
    if "final_class" in out.columns and "class_source" in out.columns:
        # re-classifying a table that already carries determinations: the
        # patches that had no determination follow the new suggestion
        follow = (out["class_source"].astype(object) != "determination").to_numpy()
        final = out["final_class"].to_numpy(dtype=object).copy()
        final[follow] = classes[follow]
        out["final_class"] = final
    # the military layer's attributes stay with the sealed patches: an ordinary
    # patch that touches it below the threshold shows none of them
    layer_columns = [c for c in out.columns if c.startswith(f"{rules.key('military')}_")]
    if layer_columns:
        out.loc[~is_military(out).to_numpy(), layer_columns] = np.nan
    report.class_counts = dict(Counter(classes.tolist()))
    report.subtype_counts = dict(Counter(subtypes.tolist()))
    out.attrs = {**overlaid.attrs, "rsgeo_classify_report": report}
    return out
