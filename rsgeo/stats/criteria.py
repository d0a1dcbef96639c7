"""The accountability criteria (约谈问责标准) of the work plan, §5(4).

A township enters the warning-interview range (警示约谈范围) when it meets any of
five criteria. Criteria 1, 3 and 4 are computed from the township statistics
(:func:`rsgeo.township_stats`); criteria 2 and 5 are judgements recorded by
people in a manual flags table and shown beside the computed ones.

1. After deductions, illegal farmland / farmland occupied by new construction
   land **≥ 15 %** and illegal farmland **> 100 亩** (note ``≥`` and strict
   ``>``; both comparators configurable), on unrounded values.
2. Chaotic management (管理秩序混乱, serious damage to basic farmland, nature
   reserves, the environment): manual flag with a note.
3. Illegal exploration or mining (违法勘查、开采矿产资源的图斑数在全区排序靠前
   或查处不力 … 违法开采重要矿种问题突出): the township ranks at the top of the
   county by the number of illegal mineral patches; or mining goes unchecked
   (查处不力: at least ``mineral_unrectified_min`` illegal mineral patches
   unrectified, and at least ``mineral_unrectified_share_min`` of them); or
   it has illegal rare-earth (strategic mineral) patches.
4. Performance rate (履职率) or rectification rate (查处整改到位率) at the
   bottom of the county.
5. Data fraud, concealed or unpursued cases found in review: manual flag.

Every threshold is a field of :class:`CriteriaThresholds`; the formulas are in
``docs/statistics.md``. Every criterion comes with a readable reason (Chinese)
saying why it was or was not met.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from rsgeo.errors import FieldError, InputError
from rsgeo.geo.units import M2_PER_MU, format_half_up
from rsgeo.io.tables import read_manual_flags
from rsgeo.options import CriteriaThresholds
from rsgeo.schema.labels import CRITERION_NAMES

__all__ = [
    "CRITERION_NAMES",
    "MANUAL_CRITERIA",
    "evaluate_criteria",
]

MANUAL_CRITERIA: tuple[int, ...] = (2, 5)
"""Criteria decided by people and read from the manual flags table."""

# Relative tolerance for comparisons with a threshold: only floating-point
# representation error is absorbed (100 亩 in m² times 0.0015 is
# 100.00000000000001), never rounding for display.
_REL_TOL = 1e-9

_CHINESE_NUMBERS = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五"}


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
    slack_m2 = _REL_TOL * max(limit_m2, 1.0)
    if t.illegal_farmland_comparator == ">":
        area_ok = farmland_m2 > limit_m2 + slack_m2
    else:
        area_ok = farmland_m2 >= limit_m2 - slack_m2
    above, below = (">", "≤") if t.illegal_farmland_comparator == ">" else ("≥", "<")
    mu_text = _fmt_mu(farmland_mu, t.illegal_farmland_min_mu)
    thr_pct = f"{_num(t.ratio_min * 100)}%"
    thr_mu = f"{_num(t.illegal_farmland_min_mu)} 亩"
    if not np.isfinite(ratio):
        return False, (
            f"无新增建设用地占用耕地（比例分母为 0），比例无法计算；违法占用耕地 {mu_text} 亩"
        )
    if t.ratio_comparator == ">=":
        ratio_ok = ratio >= t.ratio_min * (1 - _REL_TOL)
        r_above, r_below = "≥", "<"
    else:
        ratio_ok = ratio > t.ratio_min * (1 + _REL_TOL)
        r_above, r_below = ">", "≤"
    ratio_text = _fmt_pct(ratio, t.ratio_min)
    part_ratio = f"违法占用耕地比例 {ratio_text} {r_above if ratio_ok else r_below} {thr_pct}"
    part_area = f"违法占用耕地 {mu_text} 亩 {above if area_ok else below} {thr_mu}"
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
    return "无违法图斑" if not np.isfinite(value) else f"{format_half_up(value * 100)}%"


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
        share = n_unrect / n_min[code] if n_min[code] > 0 else 0.0
        if (
            t.mineral_unrectified_min is not None
            and n_unrect >= t.mineral_unrectified_min
            and share >= t.mineral_unrectified_share_min * (1 - _REL_TOL)
        ):
            total = int(n_min[code])
            pct = (200 * n_unrect + total) // (2 * total)  # whole percent, half up
            reasons.append(f"查处不力：违法矿产图斑 {total} 个，未整改 {n_unrect} 个（{pct}%）")
        n_re = int(n_re_by_code[code])
        if t.rare_earth_triggers and n_re > 0:
            reasons.append(f"违法开采稀土等重要矿种图斑 {n_re} 个")
        c3.append(bool(reasons))
        if reasons:
            r3.append("；".join(reasons))
        elif n_min[code] > 0:
            rectified = "均已整改" if n_unrect == 0 else f"未整改 {n_unrect} 个"
            r3.append(
                f"违法矿产图斑 {int(n_min[code])} 个，{rectified}，排序未进前 {t.mineral_top_n} 位"
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
