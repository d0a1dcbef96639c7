"""The red and black lists of townships (红黑榜).

The work plan puts the townships that did the enforcement work well on the
red list (红榜) and those with outstanding problems on the black list (黑榜),
published county-wide. rsgeo ranks townships on the statistics of
:func:`rsgeo.township_stats`; the ranking is documented in
``docs/statistics.md`` and configurable.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rsgeo.errors import FieldError
from rsgeo.geo.units import format_half_up
from rsgeo.options import ListOptions
from rsgeo.stats.township import township_rows

__all__ = ["red_black_lists"]


def _pct(value: float) -> str:
    return "—" if not np.isfinite(value) else f"{format_half_up(value * 100)}%"


def _summary(row: pd.Series) -> str:
    parts = []
    if "illegal_farmland_ratio" in row.index:
        ratio = float(row["illegal_farmland_ratio"])
        parts.append(
            "违法占用耕地比例 " + ("无（分母为 0）" if not np.isfinite(ratio) else _pct(ratio))
        )
    if "rectification_rate" in row.index:
        rate = float(row["rectification_rate"])
        parts.append("查处整改到位率 " + ("无违法图斑" if not np.isfinite(rate) else _pct(rate)))
    if "performance_rate" in row.index:
        rate = float(row["performance_rate"])
        parts.append("履职率 " + ("无违法图斑" if not np.isfinite(rate) else _pct(rate)))
    return "，".join(parts)


def red_black_lists(
    stats: pd.DataFrame, *, options: ListOptions | None = None, **overrides: Any
) -> pd.DataFrame:
    """Red list and black list of townships.

    Townships are ranked best first on ``ranking`` (see
    :data:`rsgeo.options.DEFAULT_RANKING`), ties broken by township code.

    * **Black list**: the worst ``black_size`` townships that meet an
      accountability criterion (``n_criteria > 0``), worst first (every
      township meeting one stays in the accountability table); with
      ``black_includes_all_met=True`` all of them. When fewer than ``black_size``
      meet a criterion and ``fill_black`` is true, the list is filled with the
      lowest-ranked remaining townships that still have illegal patches after
      deductions (a township without any is never blacklisted for its rank).
    * **Red list**: the ``red_size`` best-ranked townships that meet no
      criterion and are not on the black list.

    Parameters
    ----------
    stats : pandas.DataFrame
        Output of :func:`rsgeo.township_stats` (the total row is ignored).
    options : ListOptions, optional
        Sizes, ranking and fill rules (:class:`rsgeo.options.ListOptions`;
        its defaults when None).
    **overrides
        Fields of :class:`~rsgeo.options.ListOptions` to change, e.g.
        ``red_size=5``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``township_code``, red list first then black list, with
        ``list`` ("red" / "black"), ``rank`` (1 = first of its list),
        ``township_name``, the ranking columns, ``criteria_met`` and
        ``reason`` (Chinese).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"township_name": ["甲", "乙", "丙"], "n_criteria": [0, 1, 0],
    ...     "criteria_met": ["", "一", ""],
    ...     "illegal_farmland_ratio": [0.05, 0.3, 0.01],
    ...     "rectification_rate": [1.0, 0.2, 0.9], "performance_rate": [1.0, 0.5, 1.0],
    ...     "illegal_farmland_after_deductions_m2": [10.0, 9e4, 1.0],
    ...     "illegal_area_after_deductions_m2": [20.0, 1e5, 2.0],
    ...     "n_illegal_after_deductions": [1, 5, 1]}, index=["101", "102", "103"])
    >>> lists = red_black_lists(s, red_size=1, black_size=1)
    >>> lists[["list", "rank"]].to_dict("index")
    {'103': {'list': 'red', 'rank': 1}, '102': {'list': 'black', 'rank': 1}}
    """
    opts = ListOptions.resolve(options, overrides)
    ranking = list(opts.ranking)
    missing = [c for c, _ in ranking if c not in stats.columns]
    for col in ("n_criteria", "township_name"):
        if col not in stats.columns and col not in missing:
            missing.append(col)
    if missing:
        raise FieldError(f"red_black_lists needs columns of township_stats; missing: {missing}")
    fills = dict(opts.nan_as)
    red_size, black_size = opts.red_size, opts.black_size

    towns = township_rows(stats)
    keys = pd.DataFrame(index=towns.index)
    for col, smaller_better in ranking:
        values = pd.to_numeric(towns[col], errors="coerce").astype("float64")
        worst = np.inf if smaller_better else -np.inf
        values = values.fillna(fills.get(col, worst))
        # one key where smaller is always better
        keys[col] = values if smaller_better else -values
    keys["_code"] = towns.index.astype(str)
    cols = [c for c, _ in ranking]
    best_first = keys.sort_values([*cols, "_code"], kind="stable").index
    worst_first = keys.sort_values(
        [*cols, "_code"], ascending=[False] * len(cols) + [True], kind="stable"
    ).index

    met = towns["n_criteria"].astype("int64") > 0
    black = [c for c in worst_first if met[c]]
    if not opts.black_includes_all_met:
        black = black[:black_size]
    if opts.fill_black and len(black) < black_size:
        if "n_illegal_after_deductions" in towns.columns:
            has_illegal = towns["n_illegal_after_deductions"].astype("int64") > 0
        else:
            has_illegal = pd.Series(True, index=towns.index)
        extra = [c for c in worst_first if c not in black and has_illegal[c]]
        black += extra[: black_size - len(black)]
    red = [c for c in best_first if not met[c] and c not in black][:red_size]

    show = ["township_name", *cols]
    for extra_col in ("criteria_met",):
        if extra_col in towns.columns and extra_col not in show:
            show.append(extra_col)
    rows = []
    for name, members in (("red", red), ("black", black)):
        for rank, code in enumerate(members, start=1):
            row = towns.loc[code]
            if name == "red":
                reason = "未触发问责标准；" + _summary(row)
            elif met[code]:
                crit = str(row.get("criteria_met", "")) or str(int(row["n_criteria"]))
                reason = f"触发问责标准{crit}；" + _summary(row)
            else:
                reason = "综合排序靠后；" + _summary(row)
            record = {"township_code": code, "list": name, "rank": rank}
            record.update({c: row[c] for c in show})
            record["reason"] = reason
            rows.append(record)
    columns = ["township_code", "list", "rank", *show, "reason"]
    out = pd.DataFrame(rows, columns=columns).set_index("township_code")
    out["rank"] = out["rank"].astype("int64")
    return out
