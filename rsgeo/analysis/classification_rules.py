"""The classification rules at work: what each rule of :mod:`rsgeo.rules` decides.

:class:`RuleContext` prepares the overlay table once (codes, shares of each
layer, permit validity on ``date_after``); each rule function returns its
classes, sub-types and the Chinese reason of every patch it decides, plus a
note for the patches it looked at but did not decide. :func:`rsgeo.classify`
runs them in ``rules.order``, the first rule that applies deciding.
Private to rsgeo.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rsgeo.geo.units import format_half_up, round_half_up
from rsgeo.options import ClassificationRules
from rsgeo.schema.cells import is_missing, parse_dates
from rsgeo.schema.classes import ILLEGAL, LEGAL, OTHER, RULES, normalize_code
from rsgeo.schema.labels import CHANGE_TYPE_NAMES, COLUMN_LABELS, ROLE_LABELS, RULE_LABELS

if TYPE_CHECKING:
    from rsgeo.analysis.classification import ClassifyReport

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

_NOTE = "为系统建议，以实地核查和技术人员判定为准"


def fmt_pct(share: float, threshold: float | None = None) -> str:
    """Percent with one decimal (half-up), more when rounding would hide the comparison."""
    if not np.isfinite(share):
        return "—"
    decimals = 1
    text = f"{format_half_up(share * 100, decimals)}%"
    if threshold is not None and abs(share - threshold) < 1e-3:
        while decimals < 6:
            shown = round_half_up(share * 100, decimals)
            if (shown >= threshold * 100) == (share >= threshold):
                break
            decimals += 1
            text = f"{format_half_up(share * 100, decimals)}%"
    return text


def fmt_thr(threshold: float) -> str:
    return f"{threshold * 100:g}%"


def _fmt_date(value: Any) -> str:
    return "—" if pd.isna(value) else str(np.datetime64(value, "D"))


def _fmt_type(code: str | None) -> str:
    if code is None:
        return "（缺失）"
    name = CHANGE_TYPE_NAMES.get(code)
    return f"{code}（{name}）" if name else code


def text_values(frame: pd.DataFrame, column: str) -> list[str]:
    """A text column as a list of stripped strings ('' when missing)."""
    if column not in frame.columns:
        return [""] * len(frame)
    return ["" if is_missing(v) else str(v).strip() for v in frame[column].tolist()]


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
            if is_missing(v)
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


class RuleContext:
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
        self.land = text_values(pos, "land_class_code")
        self.land_name = text_values(pos, "land_class_name")
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
        return text_values(self.pos, f"{self.rules.key(role)}_{name}")

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
        self.layer = ROLE_LABELS[role]
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


def _outcome(ctx: RuleContext) -> _Outcome:
    n = ctx.n
    return _Outcome(
        np.zeros(n, dtype=bool),
        np.full(n, None, dtype=object),
        np.full(n, None, dtype=object),
        [""] * n,
        [""] * n,
    )


def _rule_pseudo(ctx: RuleContext) -> _Outcome:
    out = _outcome(ctx)
    if not ctx.has_change_type:
        return out
    out.mask = ctx.pseudo.copy()
    out.classes[out.mask] = OTHER
    out.subtypes[out.mask] = RULE_LABELS["pseudo"]
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
    ctx: RuleContext, role: str, threshold: float, cls: str, subtype: str, doc_label: str
) -> _Outcome:
    out = _outcome(ctx)
    share = ctx.share(role)
    if share is None:
        return out
    docs = ctx.field(role, "doc_number")
    name = ROLE_LABELS[role]
    out.mask = share >= threshold
    out.classes[out.mask] = cls
    out.subtypes[out.mask] = subtype
    for i in np.flatnonzero(ctx.active).tolist():
        doc = f"，{doc_label}：{docs[i]}" if docs[i] else ""
        if out.mask[i]:
            out.reasons[i] = (
                f"{name}覆盖 {fmt_pct(share[i], threshold)}（≥{fmt_thr(threshold)}）{doc}"
            )
        elif share[i] > 0 or role == "approved":
            out.notes[i] = (
                f"{name}覆盖 {fmt_pct(share[i], threshold)}（<{fmt_thr(threshold)}）{doc}"
            )
    return out


def _rule_approved(ctx: RuleContext) -> _Outcome:
    return _share_rule(
        ctx,
        "approved",
        ctx.rules.approved_min_share,
        LEGAL,
        RULE_LABELS["approved"],
        COLUMN_LABELS["approved_doc_number"],
    )


def _rule_facility(ctx: RuleContext) -> _Outcome:
    return _share_rule(
        ctx, "facility", ctx.rules.facility_min_share, OTHER, RULE_LABELS["facility"], "备案号"
    )


def _rule_temporary(ctx: RuleContext) -> _Outcome:
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
    out.subtypes[out.mask] = RULE_LABELS["temporary"]
    for i in np.flatnonzero(ctx.active).tolist():
        doc = f"，批准文号：{docs[i]}" if docs[i] else ""
        pct = fmt_pct(share[i], threshold)
        if out.mask[i]:
            out.reasons[i] = f"临时用地覆盖 {pct}（≥{fmt_thr(threshold)}），{why[i]}{doc}"
        elif covered[i]:
            out.notes[i] = f"临时用地覆盖 {pct}，但{why[i]}{doc}"
        elif share[i] > 0:
            out.notes[i] = f"临时用地覆盖 {pct}（<{fmt_thr(threshold)}）{doc}"
    return out


def _rule_mining(ctx: RuleContext) -> _Outcome:
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
        pct = fmt_pct(share[i], threshold)
        extra = (f"，矿种：{minerals[i]}" if minerals[i] else "") + (
            f"，许可证号：{licences[i]}" if licences[i] else ""
        )
        head = f"矿产图斑（图斑类型 {_fmt_type(ctx.codes[i])}）"
        if legal[i]:
            out.reasons[i] = (
                f"{head}，{ROLE_LABELS['mining']}覆盖 {pct}（≥{fmt_thr(threshold)}），{why[i]}{extra}"
            )
        elif not covered[i]:
            out.reasons[i] = (
                f"{head}，{ROLE_LABELS['mining']}覆盖 {pct}（<{fmt_thr(threshold)}），疑似无证或越界开采{extra}，"
                f"建议判定为违法（疑似违法采矿），{_NOTE}"
            )
        else:
            out.reasons[i] = (
                f"{head}，{ROLE_LABELS['mining']}覆盖 {pct}，但{why[i]}{extra}，"
                f"建议判定为违法（疑似违法采矿），{_NOTE}"
            )
    return out


def _rule_agricultural(ctx: RuleContext) -> _Outcome:
    out = _outcome(ctx)
    if not ctx.has_change_type:
        return out
    out.mask = ctx.agricultural.copy()
    out.classes[out.mask] = OTHER
    out.subtypes[out.mask] = RULE_LABELS["agricultural"]
    for i in np.flatnonzero(out.mask & ctx.active).tolist():
        out.reasons[i] = f"农业类变化（图斑类型 {_fmt_type(ctx.codes[i])}），无建设，属农业结构调整"
    return out


def _rule_construction(ctx: RuleContext) -> _Outcome:
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


RULE_FUNCS = {
    "pseudo": _rule_pseudo,
    "approved": _rule_approved,
    "facility": _rule_facility,
    "temporary": _rule_temporary,
    "mining": _rule_mining,
    "agricultural": _rule_agricultural,
    "construction": _rule_construction,
}


def needed_columns(rule_name: str, rules: ClassificationRules) -> list[str]:
    spec = next(r for r in RULES if r.name == rule_name)
    keys = {role: rules.key(role) for role in rules.layer_keys}
    return [need.format(**keys) for need in spec.needs]
