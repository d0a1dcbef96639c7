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
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from rsgeo.determinations import parse_dates
from rsgeo.errors import FieldError, InputError, format_problems
from rsgeo.military import is_military
from rsgeo.rules import (
    ILLEGAL,
    LEGAL,
    OTHER,
    RULES,
    ClassificationRules,
    coerce_rules,
    normalize_code,
)

__all__ = ["OUTPUT_COLUMNS", "ClassificationRules", "ClassifyReport", "classify"]

FrameT = TypeVar("FrameT", bound=pd.DataFrame)
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

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

CHANGE_TYPE_NAMES: dict[str, str] = {
    "01": "耕地",
    "02": "园地",
    "03": "林地",
    "04": "草地",
    "KT": "坑塘",
    "20": "建筑",
    "YH": "硬化",
    "DL": "道路",
    "ND": "农村道路",
    "CK": "采矿",
    "GF": "光伏",
}

_LAYER_NAMES: dict[str, str] = {
    "approved": "批准用地",
    "facility": "设施农用地",
    "temporary": "临时用地",
    "mining": "采矿权",
    "pbf": "永久基本农田",
    "redline": "生态保护红线",
    "protected": "自然保护地",
    "urban": "城镇开发边界",
    "military": "军用土地",
}
_RULE_LABELS: dict[str, str] = {
    "pseudo": "伪变化",
    "approved": "批准用地",
    "facility": "设施农用地",
    "temporary": "临时用地",
    "mining": "采矿权",
    "agricultural": "农业结构调整",
    "construction": "建设类",
}
_NOTE = "为系统建议，以实地核查和技术人员判定为准"


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


def _fmt_pct(share: float, threshold: float | None = None) -> str:
    """Percent with one decimal, more when rounding would hide the comparison."""
    if not np.isfinite(share):
        return "—"
    decimals = 1
    text = f"{share * 100:.{decimals}f}%"
    if threshold is not None and abs(share - threshold) < 1e-3:
        while decimals < 6:
            shown = round(share * 100, decimals)
            if (shown >= threshold * 100) == (share >= threshold):
                break
            decimals += 1
            text = f"{share * 100:.{decimals}f}%"
    return text


def _fmt_thr(threshold: float) -> str:
    return f"{threshold * 100:g}%"


def _fmt_date(value: Any) -> str:
    return "—" if pd.isna(value) else str(np.datetime64(value, "D"))


def _fmt_type(code: str | None) -> str:
    if code is None:
        return "（缺失）"
    name = CHANGE_TYPE_NAMES.get(code)
    return f"{code}（{name}）" if name else code


def _text(frame: pd.DataFrame, column: str) -> list[str]:
    """A text column as a list of stripped strings ('' when missing)."""
    if column not in frame.columns:
        return [""] * len(frame)
    return ["" if _missing(v) else str(v).strip() for v in frame[column].tolist()]


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and value.strip().casefold() in {"", "nan", "none", "<na>"}


def _joined_dates(frame: pd.DataFrame, column: str, how: str) -> pd.Series:
    """Latest (how='max') or earliest ('min') date of a '; '-joined date column."""
    col = frame[column]
    if pd.api.types.is_datetime64_any_dtype(col.dtype) or not any(
        isinstance(v, str) and ";" in v for v in col.tolist()
    ):
        dates, _ = parse_dates(col)
        return dates
    parts = col.astype(object).map(
        lambda v: (
            []
            if _missing(v)
            else [p for p in str(v).split(";") if p.strip()]
            if isinstance(v, str)
            else [v]
        )
    )
    flat = parts.explode()
    parsed, _ = parse_dates(flat.astype(object))
    grouped = parsed.groupby(level=0, sort=False)
    result = grouped.max() if how == "max" else grouped.min()
    return result.reindex(range(len(frame)))


class _Ctx:
    """Columns prepared once for all rules (positional numpy arrays)."""

    def __init__(self, frame: pd.DataFrame, rules: ClassificationRules, report: ClassifyReport):
        self.frame = frame
        self.rules = rules
        self.n = len(frame)
        self.ids = [str(i) for i in frame.index]
        self.area: FloatArray = pd.to_numeric(frame["area_m2"]).to_numpy(dtype="float64")
        pos = frame.reset_index(drop=True)
        self.pos = pos

        if "change_type" in frame.columns:
            raw = pos["change_type"].astype(object).tolist()
            self.has_change_type = True
        else:
            raw = [None] * self.n
            self.has_change_type = False
        self.codes: list[str | None] = [normalize_code(v) for v in raw]
        codes = np.array([c if c is not None else "" for c in self.codes], dtype=object)
        self.code_missing: BoolArray = codes == ""
        self.agricultural: BoolArray = np.isin(codes, list(rules.agricultural_types))
        self.pseudo_code: BoolArray = np.isin(codes, list(rules.pseudo_change_types))
        self.pseudo_land: BoolArray = np.zeros(self.n, dtype=bool)
        self.land = _text(pos, "land_class_code")
        self.land_name = _text(pos, "land_class_name")
        if rules.pseudo_same_land_class and "land_class_code" in frame.columns:
            for i in np.flatnonzero(self.agricultural).tolist():
                prefixes = rules.agricultural_land_classes.get(self.codes[i] or "", ())
                if self.land[i] and any(self.land[i].startswith(p) for p in prefixes):
                    self.pseudo_land[i] = True
        self.pseudo: BoolArray = self.pseudo_code | self.pseudo_land
        self.is_construction: BoolArray = ~(self.agricultural | self.pseudo_code)
        self.flag_mineral: BoolArray = np.zeros(self.n, dtype=bool)  # set by classify
        self.active: BoolArray = np.ones(self.n, dtype=bool)  # rows no rule decided yet
        known = set(rules.agricultural_types) | set(rules.pseudo_change_types)
        known |= set(rules.construction_types)
        unknown = Counter(c for c in self.codes if c is not None and c not in known)
        report.unknown_change_types = dict(sorted(unknown.items()))
        report.missing_change_type = int(self.code_missing.sum()) if self.has_change_type else 0

        if "date_after" in frame.columns:
            dates, bad = parse_dates(pos["date_after"])
            self.date_after = dates
            report.bad_dates = [self.ids[i] for i in np.flatnonzero(bad.to_numpy())]
        else:
            self.date_after = pd.Series(pd.NaT, index=pos.index, dtype="datetime64[ns]")

    def col(self, name: str) -> bool:
        return name in self.frame.columns

    def overlap(self, role: str) -> FloatArray | None:
        name = f"{self.rules.key(role)}_m2"
        if name not in self.frame.columns:
            return None
        values = pd.to_numeric(self.pos[name]).to_numpy(dtype="float64")
        return np.nan_to_num(values, nan=0.0)

    def share(self, role: str) -> FloatArray | None:
        over = self.overlap(role)
        if over is None:
            return None
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(self.area > 0, over / self.area, 0.0)
        return np.clip(np.nan_to_num(share, nan=0.0), 0.0, 1.0)

    def touches(self, role: str) -> BoolArray | None:
        over = self.overlap(role)
        share = self.share(role)
        if over is None or share is None:
            return None
        r = self.rules
        return (over > 0) & (over >= r.touch_min_m2) & (share >= r.touch_min_share)

    def field(self, role: str, name: str) -> list[str]:
        return _text(self.pos, f"{self.rules.key(role)}_{name}")

    def validity(self, role: str) -> tuple[BoolArray, _Why]:
        """Whether the layer's permit is valid on date_after, and a reason maker."""
        key = self.rules.key(role)
        to_col, from_col = f"{key}_valid_to", f"{key}_valid_from"
        nat = np.full(self.n, np.datetime64("NaT"), dtype="datetime64[ns]")
        after = self.date_after.to_numpy(dtype="datetime64[ns]")
        if not self.col(to_col):
            return np.zeros(self.n, dtype=bool), _Why(role, None, after, nat, nat, to_col)
        valid_to = _joined_dates(self.pos, to_col, "max").to_numpy(dtype="datetime64[ns]")
        valid_from = (
            _joined_dates(self.pos, from_col, "min").to_numpy(dtype="datetime64[ns]")
            if self.col(from_col)
            else nat
        )
        with np.errstate(invalid="ignore"):
            valid = (
                ~np.isnat(after)
                & ~np.isnat(valid_to)
                & (valid_to >= after)
                & (np.isnat(valid_from) | (valid_from <= after))
            )
        return valid, _Why(role, True, after, valid_to, valid_from, to_col)


class _Why:
    """Reason text for a permit's validity on date_after, made only when needed."""

    def __init__(
        self,
        role: str,
        has_column: bool | None,
        after: npt.NDArray[np.datetime64],
        valid_to: npt.NDArray[np.datetime64],
        valid_from: npt.NDArray[np.datetime64],
        to_col: str,
    ) -> None:
        self.layer = _LAYER_NAMES[role]
        self.has_column = has_column
        self.after, self.valid_to, self.valid_from = after, valid_to, valid_from
        self.to_col = to_col

    def __getitem__(self, i: int) -> str:
        layer = self.layer
        if not self.has_column:
            return f"{layer}图层无有效期字段（缺少 {self.to_col}），无法确认有效"
        a, t, f = self.after[i], self.valid_to[i], self.valid_from[i]
        if np.isnat(a):
            return f"后时相缺失，无法核对{layer}有效期"
        if np.isnat(t):
            return f"{layer}无有效期止日期，无法确认有效"
        if t < a:
            return f"{layer}已过有效期（有效期至 {_fmt_date(t)}，早于后时相 {_fmt_date(a)}）"
        if not np.isnat(f) and f > a:
            return f"{layer}尚未生效（有效期自 {_fmt_date(f)}，晚于后时相 {_fmt_date(a)}）"
        return f"有效期至 {_fmt_date(t)}，后时相 {_fmt_date(a)} 在有效期内"


@dataclass
class _Outcome:
    mask: BoolArray
    classes: npt.NDArray[Any]
    subtypes: npt.NDArray[Any]
    reasons: list[str]
    notes: list[str]


def _outcome(ctx: _Ctx) -> _Outcome:
    n = ctx.n
    return _Outcome(
        np.zeros(n, dtype=bool),
        np.full(n, None, dtype=object),
        np.full(n, None, dtype=object),
        [""] * n,
        [""] * n,
    )


def _rule_pseudo(ctx: _Ctx) -> _Outcome:
    out = _outcome(ctx)
    if not ctx.has_change_type:
        return out
    out.mask = ctx.pseudo.copy()
    out.classes[out.mask] = OTHER
    out.subtypes[out.mask] = "伪变化"
    for i in np.flatnonzero(out.mask & ctx.active).tolist():
        code = ctx.codes[i]
        if ctx.pseudo_code[i]:
            out.reasons[i] = f"图斑类型 {code} 为伪变化，地类未发生实质变化"
        else:
            land = ctx.land[i] + (f"（{ctx.land_name[i]}）" if ctx.land_name[i] else "")
            out.reasons[i] = (
                f"原地类 {land} 与图斑类型 {_fmt_type(code)}同类，地类未发生实质变化，属伪变化"
            )
    return out


def _share_rule(
    ctx: _Ctx, role: str, threshold: float, cls: str, subtype: str, doc_label: str
) -> _Outcome:
    out = _outcome(ctx)
    share = ctx.share(role)
    if share is None:
        return out
    docs = ctx.field(role, "doc_number")
    name = _LAYER_NAMES[role]
    out.mask = share >= threshold
    out.classes[out.mask] = cls
    out.subtypes[out.mask] = subtype
    for i in np.flatnonzero(ctx.active).tolist():
        doc = f"，{doc_label}：{docs[i]}" if docs[i] else ""
        if out.mask[i]:
            out.reasons[i] = (
                f"{name}覆盖 {_fmt_pct(share[i], threshold)}（≥{_fmt_thr(threshold)}）{doc}"
            )
        elif share[i] > 0 or role == "approved":
            out.notes[i] = (
                f"{name}覆盖 {_fmt_pct(share[i], threshold)}（<{_fmt_thr(threshold)}）{doc}"
            )
    return out


def _rule_approved(ctx: _Ctx) -> _Outcome:
    return _share_rule(ctx, "approved", ctx.rules.approved_min_share, LEGAL, "批准用地", "批准文号")


def _rule_facility(ctx: _Ctx) -> _Outcome:
    return _share_rule(ctx, "facility", ctx.rules.facility_min_share, OTHER, "设施农用地", "备案号")


def _rule_temporary(ctx: _Ctx) -> _Outcome:
    out = _outcome(ctx)
    share = ctx.share("temporary")
    if share is None:
        return out
    threshold = ctx.rules.temporary_min_share
    covered = share >= threshold
    valid, why = ctx.validity("temporary")
    docs = ctx.field("temporary", "doc_number")
    out.mask = covered & valid
    out.classes[out.mask] = OTHER
    out.subtypes[out.mask] = "临时用地"
    for i in np.flatnonzero(ctx.active).tolist():
        doc = f"，批准文号：{docs[i]}" if docs[i] else ""
        pct = _fmt_pct(share[i], threshold)
        if out.mask[i]:
            out.reasons[i] = f"临时用地覆盖 {pct}（≥{_fmt_thr(threshold)}），{why[i]}{doc}"
        elif covered[i]:
            out.notes[i] = f"临时用地覆盖 {pct}，但{why[i]}{doc}"
        elif share[i] > 0:
            out.notes[i] = f"临时用地覆盖 {pct}（<{_fmt_thr(threshold)}）{doc}"
    return out


def _rule_mining(ctx: _Ctx) -> _Outcome:
    out = _outcome(ctx)
    share = ctx.share("mining")
    if share is None:
        return out
    threshold = ctx.rules.mining_min_share
    applies = ctx.flag_mineral & ctx.is_construction
    covered = share >= threshold
    valid, why = ctx.validity("mining")
    legal = applies & covered & valid
    minerals = ctx.field("mining", "mineral")
    licences = ctx.field("mining", "licence_number")
    out.mask = applies
    out.classes[applies] = ILLEGAL
    out.subtypes[applies] = "疑似违法采矿"
    out.classes[legal] = LEGAL
    out.subtypes[legal] = "持证采矿"
    for i in np.flatnonzero(applies & ctx.active).tolist():
        pct = _fmt_pct(share[i], threshold)
        extra = (f"，矿种：{minerals[i]}" if minerals[i] else "") + (
            f"，许可证号：{licences[i]}" if licences[i] else ""
        )
        head = f"矿产图斑（图斑类型 {_fmt_type(ctx.codes[i])}）"
        if legal[i]:
            out.reasons[i] = f"{head}，采矿权覆盖 {pct}（≥{_fmt_thr(threshold)}），{why[i]}{extra}"
        elif not covered[i]:
            out.reasons[i] = (
                f"{head}，采矿权覆盖 {pct}（<{_fmt_thr(threshold)}），疑似无证或越界开采{extra}，"
                f"建议判定为违法（疑似违法采矿），{_NOTE}"
            )
        else:
            out.reasons[i] = (
                f"{head}，采矿权覆盖 {pct}，但{why[i]}{extra}，"
                f"建议判定为违法（疑似违法采矿），{_NOTE}"
            )
    return out


def _rule_agricultural(ctx: _Ctx) -> _Outcome:
    out = _outcome(ctx)
    if not ctx.has_change_type:
        return out
    out.mask = ctx.agricultural.copy()
    out.classes[out.mask] = OTHER
    out.subtypes[out.mask] = "农业结构调整"
    for i in np.flatnonzero(out.mask & ctx.active).tolist():
        out.reasons[i] = f"农业类变化（图斑类型 {_fmt_type(ctx.codes[i])}），无建设，属农业结构调整"
    return out


def _rule_construction(ctx: _Ctx) -> _Outcome:
    out = _outcome(ctx)
    out.mask = ctx.is_construction.copy()
    out.classes[out.mask] = ILLEGAL
    out.subtypes[out.mask] = "疑似违法"
    known = set(ctx.rules.construction_types)
    for i in np.flatnonzero(out.mask & ctx.active).tolist():
        code = ctx.codes[i]
        if code is None:
            head = "图斑类型缺失，按建设类处理"
        elif code not in known:
            head = f"图斑类型 {code} 不在规则代码表中，按建设类处理"
        else:
            head = f"建设类图斑（图斑类型 {_fmt_type(code)}）"
        out.reasons[i] = (
            f"{head}，未见足以覆盖的批准用地、设施农用地或有效临时用地，"
            f"建议判定为违法（疑似违法），{_NOTE}"
        )
    return out


_RULE_FUNCS = {
    "pseudo": _rule_pseudo,
    "approved": _rule_approved,
    "facility": _rule_facility,
    "temporary": _rule_temporary,
    "mining": _rule_mining,
    "agricultural": _rule_agricultural,
    "construction": _rule_construction,
}


def _needed_columns(rule_name: str, rules: ClassificationRules) -> list[str]:
    spec = next(r for r in RULES if r.name == rule_name)
    keys = {role: rules.key(role) for role in rules.layer_keys}
    return [need.format(**keys) for need in spec.needs]


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
    ctx = _Ctx(base, rules, report)
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
                    f"涉及{_LAYER_NAMES[role]}{label} {over[i]:.2f} m²（{_fmt_pct(share[i])}）"
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
            pct = _fmt_pct(urban_share[i], thr)
            if flags["in_urban"][i]:
                text = f"位于城镇开发边界内（{pct}，≥{_fmt_thr(thr)}）"
            elif urban_share[i] > 0:
                text = f"位于城镇开发边界外（边界内仅 {pct}，<{_fmt_thr(thr)}）"
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
        names = _text(ctx.pos, column)
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

    military = is_military(base).to_numpy()
    military_touch = ctx.touches("military")
    if military_touch is not None:
        military = military | military_touch
    flags["flag_military"] = military.astype(bool)
    for i in range(n):
        if mineral[i]:
            flag_texts[i].append("涉及稀土矿产" if rare[i] else "矿产图斑")
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
        missing = [c for c in _needed_columns(name, rules) if c not in base.columns]
        if missing:
            report.skipped_rules[name] = missing
            note = (
                f"缺少 {', '.join(missing)}（未提供相应图层或字段），未执行{_RULE_LABELS[name]}规则"
            )
            for i in np.flatnonzero(~decided).tolist():
                skipped_before[i].append(note)
            continue
        ctx.active = ~decided
        outcome = _RULE_FUNCS[name](ctx)
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
    report.class_counts = dict(Counter(classes.tolist()))
    report.subtype_counts = dict(Counter(subtypes.tolist()))
    out.attrs = {**overlaid.attrs, "rsgeo_classify_report": report}
    return out
