"""The accountability criteria (约谈问责标准) of the work plan, §5(4).

A township enters the warning-interview range (警示约谈范围) when it meets any of
five criteria. Criteria 1, 3 and 4 are computed from the township statistics
(:func:`rsgeo.township_stats`); criteria 2 and 5 are judgements recorded by
people in a manual flags table and shown beside the computed ones.

1. After deductions, illegal farmland / farmland occupied by new construction
   land **≥ 15 %** and illegal farmland **> 100 亩** (note ``≥`` and strict
   ``>``), on unrounded values.
2. Chaotic management (管理秩序混乱, serious damage to basic farmland, nature
   reserves, the environment): manual flag with a note.
3. Illegal exploration or mining: the township ranks at the top of the county
   by the number of illegal mineral patches, or has illegal mineral patches
   that are not rectified, or illegal rare-earth (strategic mineral) patches.
4. Performance rate (履职率) or rectification rate (查处整改到位率) at the
   bottom of the county.
5. Data fraud, concealed or unpursued cases found in review: manual flag.

Every threshold is a field of :class:`CriteriaThresholds`; the formulas are in
``docs/statistics.md``. Every criterion comes with a readable reason (Chinese)
saying why it was or was not met.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rsgeo.errors import FieldError, InputError, format_problems
from rsgeo.fields import TOWNSHIP_FIELDS, canonical_name
from rsgeo.township_pieces import normalize_township_code
from rsgeo.units import M2_PER_MU

__all__ = [
    "CRITERION_NAMES",
    "MANUAL_CRITERIA",
    "CriteriaThresholds",
    "evaluate_criteria",
    "read_manual_flags",
]

MANUAL_CRITERIA: tuple[int, ...] = (2, 5)
"""Criteria decided by people and read from the manual flags table."""

CRITERION_NAMES: dict[int, str] = {
    1: "违法占用耕地比例及面积",
    2: "自然资源管理秩序混乱",
    3: "违法勘查开采矿产资源",
    4: "履职率、查处整改到位率排序靠后",
    5: "数据造假、瞒案不报、压案不查",
}
"""Short Chinese names of the five criteria."""

# Relative tolerance for comparisons with a threshold: only floating-point
# representation error is absorbed (100 亩 in m² times 0.0015 is
# 100.00000000000001), never rounding for display.
_REL_TOL = 1e-9

_CHINESE_NUMBERS = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五"}


@dataclass(frozen=True)
class CriteriaThresholds:
    """Thresholds of the computed criteria (1, 3 and 4).

    Parameters
    ----------
    ratio_min : float, default 0.15
        Criterion 1: the illegal farmland ratio (a fraction) must be ``>=``
        this.
    illegal_farmland_min_mu : float, default 100.0
        Criterion 1: illegal farmland after deductions must be strictly
        ``>`` this many 亩.
    mineral_top_n : int, default 3
        Criterion 3: townships whose number of illegal mineral patches (after
        deductions) is among the ``mineral_top_n`` highest of the county
        (ties included, townships with none never rank) meet the criterion.
        0 switches the ranking off.
    mineral_unrectified_min : int or None, default 1
        Criterion 3: this many illegal mineral patches not rectified
        (查处不力, 未有效制止) meet the criterion; None switches it off.
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

    ratio_min: float = 0.15
    illegal_farmland_min_mu: float = 100.0
    mineral_top_n: int = 3
    mineral_unrectified_min: int | None = 1
    rare_earth_triggers: bool = True
    rate_bottom_n: int = 3
    performance_rate_min: float | None = None
    rectification_rate_min: float | None = None

    def __post_init__(self) -> None:
        problems = []
        if not (0.0 <= self.ratio_min <= 1.0):
            problems.append(f"ratio_min must be a fraction in [0, 1], got {self.ratio_min!r}")
        if self.illegal_farmland_min_mu < 0:
            problems.append("illegal_farmland_min_mu must be >= 0")
        for name in ("mineral_top_n", "rate_bottom_n"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                problems.append(f"{name} must be an integer >= 0, got {value!r}")
        m = self.mineral_unrectified_min
        if m is not None and (isinstance(m, bool) or not isinstance(m, int) or m < 1):
            problems.append(
                f"mineral_unrectified_min must be a whole number >= 1 or None (off), got {m!r}"
            )
        for name in ("performance_rate_min", "rectification_rate_min"):
            value = getattr(self, name)
            if value is not None and not (0.0 <= value <= 1.0):
                problems.append(f"{name} must be a fraction in [0, 1] or None, got {value!r}")
        if problems:
            raise InputError(format_problems("Invalid CriteriaThresholds:", problems))


def _fmt_pct(value: float, threshold: float) -> str:
    """Percent with 2 decimals, more when 2 would look equal to the threshold."""
    for decimals in (2, 4, 6, 9):
        text = f"{value * 100:.{decimals}f}%"
        if not math.isclose(value, threshold, rel_tol=0, abs_tol=1e-15) and text == (
            f"{threshold * 100:.{decimals}f}%"
        ):
            continue
        return text
    return f"{value * 100!r}%"


def _fmt_mu(value_mu: float, threshold_mu: float) -> str:
    for decimals in (2, 4, 6, 9):
        text = f"{value_mu:.{decimals}f}"
        if abs(value_mu - threshold_mu) > _REL_TOL * max(1.0, threshold_mu) and text == (
            f"{threshold_mu:.{decimals}f}"
        ):
            continue
        return text
    return repr(value_mu)


def _num(x: float) -> str:
    return f"{x:g}"


def _criterion_1(row: pd.Series, t: CriteriaThresholds) -> tuple[bool, str]:
    ratio = float(row["illegal_farmland_ratio"])
    farmland_m2 = float(row["illegal_farmland_after_deductions_m2"])
    farmland_mu = farmland_m2 / M2_PER_MU
    limit_m2 = t.illegal_farmland_min_mu * M2_PER_MU
    area_ok = farmland_m2 > limit_m2 + _REL_TOL * max(limit_m2, 1.0)
    mu_text = _fmt_mu(farmland_mu, t.illegal_farmland_min_mu)
    thr_pct = f"{_num(t.ratio_min * 100)}%"
    thr_mu = f"{_num(t.illegal_farmland_min_mu)} 亩"
    if not np.isfinite(ratio):
        return False, (
            f"无新增建设用地占用耕地（比例分母为 0），比例无法计算；违法占用耕地 {mu_text} 亩"
        )
    ratio_ok = ratio >= t.ratio_min * (1 - _REL_TOL)
    ratio_text = _fmt_pct(ratio, t.ratio_min)
    part_ratio = f"违法占用耕地比例 {ratio_text} {'≥' if ratio_ok else '<'} {thr_pct}"
    part_area = f"违法占用耕地 {mu_text} 亩 {'>' if area_ok else '≤'} {thr_mu}"
    met = ratio_ok and area_ok
    return met, f"{part_ratio}，{part_area}"


def _rank_low(values: pd.Series, n: int) -> pd.Series:
    """Rows among the n lowest finite values below 1 (ties included)."""
    ok = values[np.isfinite(values.to_numpy(dtype="float64")) & (values < 1.0)]
    if n <= 0 or ok.empty:
        return pd.Series(False, index=values.index)
    cutoff = np.sort(ok.to_numpy(dtype="float64"))[min(n, len(ok)) - 1]
    return pd.Series(values.index.isin(ok.index[ok <= cutoff]), index=values.index)


def _rank_high(values: pd.Series, n: int) -> pd.Series:
    """Rows among the n highest positive values (ties included)."""
    ok = values[values > 0]
    if n <= 0 or ok.empty:
        return pd.Series(False, index=values.index)
    cutoff = np.sort(ok.to_numpy(dtype="float64"))[::-1][min(n, len(ok)) - 1]
    return pd.Series(values.index.isin(ok.index[ok >= cutoff]), index=values.index)


def _rate_text(value: float) -> str:
    return "无违法图斑" if not np.isfinite(value) else f"{value * 100:.2f}%"


def evaluate_criteria(
    stats: pd.DataFrame,
    manual_flags: pd.DataFrame | None = None,
    *,
    thresholds: CriteriaThresholds | None = None,
) -> pd.DataFrame:
    """Evaluate the five criteria for each township.

    Parameters
    ----------
    stats : pandas.DataFrame
        Township rows (no total row) with the columns of
        :func:`rsgeo.township_stats`: ``illegal_farmland_ratio``,
        ``illegal_farmland_after_deductions_m2``, ``n_mineral_illegal``,
        ``n_mineral_unrectified``, ``n_rare_earth_illegal``,
        ``performance_rate``, ``rectification_rate``.
    manual_flags : pandas.DataFrame, optional
        Criteria 2 and 5, see :func:`read_manual_flags`.
    thresholds : CriteriaThresholds, optional
        Defaults to ``CriteriaThresholds()``.

    Returns
    -------
    pandas.DataFrame
        Same index; ``criterion_1`` … ``criterion_5`` (bool) with
        ``criterion_1_reason`` … ``criterion_5_reason`` (str),
        ``n_criteria`` (int) and ``criteria_met`` (e.g. ``"一、三"``).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"illegal_farmland_ratio": [0.15, float("nan")],
    ...     "illegal_farmland_after_deductions_m2": [100000.0, 0.0],
    ...     "n_mineral_illegal": [0, 0], "n_mineral_unrectified": [0, 0],
    ...     "n_rare_earth_illegal": [0, 0],
    ...     "performance_rate": [1.0, float("nan")],
    ...     "rectification_rate": [1.0, float("nan")]}, index=["A", "B"])
    >>> evaluate_criteria(s)["criterion_1"].tolist()
    [True, False]
    """
    t = thresholds if thresholds is not None else CriteriaThresholds()
    needed = [
        "illegal_farmland_ratio",
        "illegal_farmland_after_deductions_m2",
        "n_mineral_illegal",
        "n_mineral_unrectified",
        "n_rare_earth_illegal",
        "performance_rate",
        "rectification_rate",
    ]
    missing = [c for c in needed if c not in stats.columns]
    if missing:
        raise FieldError(
            f"evaluate_criteria needs the columns of township_stats; missing: {missing}"
        )
    out = pd.DataFrame(index=stats.index)

    c1 = [_criterion_1(row, t) for _, row in stats.iterrows()]
    out["criterion_1"] = [m for m, _ in c1]
    out["criterion_1_reason"] = [r for _, r in c1]

    # criterion 3
    n_min = stats["n_mineral_illegal"].astype("float64")
    top = _rank_high(n_min, t.mineral_top_n)
    n_unrect_by_code = stats["n_mineral_unrectified"]
    n_re_by_code = stats["n_rare_earth_illegal"]
    c3, r3 = [], []
    for code in stats.index:
        reasons = []
        if top[code]:
            reasons.append(f"违法矿产图斑 {int(n_min[code])} 个，全县排序前 {t.mineral_top_n} 位")
        n_unrect = int(n_unrect_by_code[code])
        if t.mineral_unrectified_min is not None and n_unrect >= t.mineral_unrectified_min:
            reasons.append(f"违法矿产图斑未整改 {n_unrect} 个")
        n_re = int(n_re_by_code[code])
        if t.rare_earth_triggers and n_re > 0:
            reasons.append(f"违法开采稀土等重要矿种图斑 {n_re} 个")
        c3.append(bool(reasons))
        if reasons:
            r3.append("；".join(reasons))
        elif n_min[code] > 0:
            r3.append(
                f"违法矿产图斑 {int(n_min[code])} 个，均已整改，排序未进前 {t.mineral_top_n} 位"
            )
        else:
            r3.append("无违法矿产图斑")
    out["criterion_3"] = c3
    out["criterion_3_reason"] = r3

    # criterion 4
    perf = stats["performance_rate"].astype("float64")
    rect = stats["rectification_rate"].astype("float64")
    low_perf = _rank_low(perf, t.rate_bottom_n)
    low_rect = _rank_low(rect, t.rate_bottom_n)
    c4, r4 = [], []
    for code in stats.index:
        reasons = []
        if low_perf[code]:
            reasons.append(f"履职率 {_rate_text(perf[code])}，全县排序后 {t.rate_bottom_n} 位")
        elif t.performance_rate_min is not None and perf[code] < t.performance_rate_min:
            reasons.append(
                f"履职率 {_rate_text(perf[code])} 低于 {_num(t.performance_rate_min * 100)}%"
            )
        if low_rect[code]:
            reasons.append(
                f"查处整改到位率 {_rate_text(rect[code])}，全县排序后 {t.rate_bottom_n} 位"
            )
        elif t.rectification_rate_min is not None and rect[code] < t.rectification_rate_min:
            reasons.append(
                f"查处整改到位率 {_rate_text(rect[code])} 低于 "
                f"{_num(t.rectification_rate_min * 100)}%"
            )
        c4.append(bool(reasons))
        if reasons:
            r4.append("；".join(reasons))
        elif not np.isfinite(perf[code]):
            r4.append("无违法图斑，不参加排序")
        else:
            r4.append(
                f"履职率 {_rate_text(perf[code])}，查处整改到位率 {_rate_text(rect[code])}，"
                "排序未靠后"
            )
    out["criterion_4"] = c4
    out["criterion_4_reason"] = r4

    flags = _manual_by_township(manual_flags, stats.index)
    for k in MANUAL_CRITERIA:
        notes = flags.get(k, {})
        out[f"criterion_{k}"] = [code in notes for code in stats.index]
        out[f"criterion_{k}_reason"] = [
            f"人工认定：{notes[code]}" if code in notes else "未认定" for code in stats.index
        ]

    cols = []
    for k in range(1, 6):
        cols += [f"criterion_{k}", f"criterion_{k}_reason"]
    out = out[cols]
    met = out[[f"criterion_{k}" for k in range(1, 6)]].astype(bool)
    out["n_criteria"] = met.sum(axis=1).astype("int64")
    out["criteria_met"] = [
        "、".join(_CHINESE_NUMBERS[k] for k in range(1, 6) if met.at[code, f"criterion_{k}"])
        for code in out.index
    ]
    return out


_FLAG_ALIASES: dict[str, tuple[str, ...]] = {
    "criterion": ("criterion", "标准", "问责标准", "条件", "情形"),
    "note": ("note", "备注", "说明", "情况说明", "reason"),
}


def read_manual_flags(flags: pd.DataFrame | Mapping[str, object]) -> pd.DataFrame:
    """Normalise a manual flags table for criteria 2 and 5.

    One row per flag: ``township_code``, ``criterion`` (2 or 5; also "二",
    "五", "标准二") and ``note`` (why; required, the reason shown in the
    workbook). Chinese headers (乡镇代码, 标准, 备注/说明) are accepted.
    Several rows for one township and criterion are joined with "；".

    Returns
    -------
    pandas.DataFrame
        Columns ``township_code`` (str), ``criterion`` (int), ``note`` (str).

    Examples
    --------
    >>> import pandas as pd
    >>> t = read_manual_flags(pd.DataFrame({"乡镇代码": [450225101],
    ...     "标准": ["五"], "备注": ["抽查发现瞒案不报"]}))
    >>> t.to_dict("records")
    [{'township_code': '450225101', 'criterion': 5, 'note': '抽查发现瞒案不报'}]
    """
    frame = pd.DataFrame(flags).copy()
    renames: dict[str, str] = {}
    for col in frame.columns:
        name = str(col).strip()
        canon = canonical_name(name, TOWNSHIP_FIELDS)
        if canon is None:
            for key, aliases in _FLAG_ALIASES.items():
                if name.casefold() in {a.casefold() for a in aliases}:
                    canon = key
        if canon is not None:
            renames[col] = canon
    frame = frame.rename(columns=renames)
    missing = [c for c in ("township_code", "criterion", "note") if c not in frame.columns]
    if missing:
        raise FieldError(
            f"Manual flags table lacks columns {missing}; expected township_code (乡镇代码), "
            f"criterion (标准: 2 or 5) and note (备注), got {list(frame.columns)}"
        )
    problems = []
    crits = []
    words = {"二": 2, "五": 5, "2": 2, "5": 5}
    for i, value in enumerate(frame["criterion"].tolist()):
        text = str(value).strip()
        for prefix in ("criterion_", "criterion", "标准", "第"):
            text = text.removeprefix(prefix)
        text = text.removesuffix(".0").removesuffix("条").strip()
        k = words.get(text)
        if k is None:
            problems.append(
                f"row {i + 1}: criterion {value!r} is not a manual criterion (allowed: 2, 5)"
            )
        crits.append(k)
    notes = frame["note"].astype("string").fillna("").str.strip()
    for i, note in enumerate(notes.tolist()):
        if not note:
            problems.append(f"row {i + 1}: note is empty; a manual flag needs the reason")
    codes = [normalize_township_code(c) for c in frame["township_code"].tolist()]
    for i, code in enumerate(codes):
        if not code:
            problems.append(f"row {i + 1}: township_code is empty")
    if problems:
        raise InputError(format_problems(f"{len(problems)} problems in manual flags:", problems))
    return pd.DataFrame(
        {"township_code": codes, "criterion": crits, "note": notes.tolist()}
    ).astype({"criterion": "int64"})


def _manual_by_township(
    manual_flags: pd.DataFrame | None, townships: pd.Index
) -> dict[int, dict[str, str]]:
    if manual_flags is None or len(manual_flags) == 0:
        return {}
    table = read_manual_flags(manual_flags)
    unknown = sorted(set(table["township_code"]) - set(townships.astype(str)))
    if unknown:
        raise InputError(
            f"Manual flags name townships not in the township table: {unknown}; "
            "use the 9-digit township codes of the townships layer"
        )
    result: dict[int, dict[str, str]] = {}
    for township_code, criterion, note in zip(
        table["township_code"].tolist(),
        table["criterion"].tolist(),
        table["note"].tolist(),
        strict=True,
    ):
        crit = int(criterion)
        by_code = result.setdefault(crit, {})
        code = str(township_code)
        by_code[code] = f"{by_code[code]}；{note}" if code in by_code else str(note)
    return result
