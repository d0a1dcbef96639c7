"""Township statistics, deductions (扣减) and the accountability ratio.

:func:`township_stats` turns the patch table (overlay + classification +
determinations, see ``docs/columns.md``) into one row per township, with a
county total row, and evaluates the accountability criteria
(:mod:`rsgeo.stats.criteria`). Every formula and default is in
``docs/statistics.md``.

The per-patch figures and deductions are computed in :mod:`rsgeo.stats.deductions`,
the township table and pieces are read in :mod:`rsgeo.stats.pieces`; their
public names are importable from here too.

Areas are credited by *piece*: a patch crossing a township boundary adds to
each township the area inside it (pass the pieces of
:func:`rsgeo.overlay_pieces`). Counts credit each patch once, to the township
holding the largest share of its area, so township counts add up to the county.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from rsgeo._util import flag_column
from rsgeo.errors import InputError, format_problems
from rsgeo.io.denominator import read_denominator_table
from rsgeo.options import CriteriaThresholds, StatsOptions
from rsgeo.schema.contract import check_patch_table
from rsgeo.schema.fields import OUTSIDE_TOWNSHIP_CODE
from rsgeo.schema.labels import DENOMINATOR_SOURCE_LABELS, OUTSIDE_TOWNSHIPS_NAME, TOTAL_ROW_NAME
from rsgeo.schema.military import is_military
from rsgeo.stats.criteria import evaluate_criteria
from rsgeo.stats.deductions import patch_figures
from rsgeo.stats.pieces import pieces_frame, township_table

__all__ = [
    "ADDITIVE_COLUMNS",
    "OUTSIDE_LABEL",
    "TOTAL_LABEL",
    "add_total_row",
    "summed_rows",
    "township_pieces",
    "township_rows",
    "township_stats",
]

TOTAL_LABEL = "total"
"""Index label of the county total row (township codes are digits, never this)."""

OUTSIDE_LABEL = "outside"
"""Index label of the row crediting the parts of patches outside every township
(named :data:`rsgeo.schema.labels.OUTSIDE_TOWNSHIPS_NAME`). It is present only
when some piece lies outside every township; it adds to the total, and no
accountability criterion or list ever applies to it."""

# Columns that add up from townships to the county (the others are ratios,
# names, criteria).
ADDITIVE_COLUMNS: tuple[str, ...] = (
    "n_patches",
    "n_legal",
    "n_illegal",
    "n_other",
    "n_non_grain",
    "n_construction",
    "area_m2",
    "non_grain_area_m2",
    "construction_area_m2",
    "construction_farmland_m2",
    "denominator_m2",
    "n_illegal_after_deductions",
    "n_deducted",
    "illegal_area_m2",
    "illegal_area_after_deductions_m2",
    "deducted_area_m2",
    "illegal_farmland_m2",
    "illegal_farmland_after_deductions_m2",
    "deducted_farmland_m2",
    "n_illegal_pbf",
    "illegal_pbf_m2",
    "n_illegal_redline",
    "illegal_redline_m2",
    "n_mineral",
    "mineral_area_m2",
    "n_mineral_illegal",
    "mineral_illegal_area_m2",
    "n_mineral_unrectified",
    "n_rare_earth",
    "n_rare_earth_illegal",
    "n_handled",
    "n_rectified",
    "handled_area_m2",
    "rectified_area_m2",
    "n_illegal_stock",
    "illegal_stock_area_m2",
    "illegal_stock_farmland_m2",
)
_RATE_COLUMNS = ("illegal_farmland_ratio", "performance_rate", "rectification_rate")


def township_rows(stats: pd.DataFrame) -> pd.DataFrame:
    """The township rows of a statistics table (total and outside rows removed).

    >>> import pandas as pd
    >>> s = pd.DataFrame({"n": [1, 2, 3]}, index=["450225101", "outside", "total"])
    >>> township_rows(s).index.tolist()
    ['450225101']
    """
    labels = stats.index.astype(str)
    return stats.loc[(labels != TOTAL_LABEL) & (labels != OUTSIDE_LABEL)]


def summed_rows(stats: pd.DataFrame) -> pd.DataFrame:
    """The rows that add up to the total: townships, then the outside row if any.

    >>> import pandas as pd
    >>> s = pd.DataFrame({"n": [1, 2, 3]}, index=["450225101", "outside", "total"])
    >>> summed_rows(s)["n"].sum() == s.loc["total", "n"]
    np.True_
    """
    return stats.loc[stats.index.astype(str) != TOTAL_LABEL]


def row_name(code: Any, name: Any = "") -> str:
    """The name printed for a row: the township's, 合计, or the outside row's.

    >>> row_name("total"), row_name("outside"), row_name("450225100", "融水镇")
    ('合计', '县外/未落入乡镇', '融水镇')
    """
    if str(code) == TOTAL_LABEL:
        return TOTAL_ROW_NAME
    if str(code) == OUTSIDE_LABEL:
        return OUTSIDE_TOWNSHIPS_NAME
    return "" if name is None or pd.isna(name) else str(name)


def township_stats(
    result: pd.DataFrame,
    pieces: pd.DataFrame | None = None,
    *,
    townships: pd.DataFrame,
    options: StatsOptions | None = None,
    thresholds: CriteriaThresholds | None = None,
    manual_flags: pd.DataFrame | Mapping[str, Any] | None = None,
    figures: pd.DataFrame | None = None,
    denominator: pd.DataFrame | str | PathLike[str] | None = None,
    total: bool = True,
    sealed: bool = False,
    **overrides: Any,
) -> pd.DataFrame:
    """Per-township figures, deductions and accountability criteria.

    Parameters
    ----------
    result : pandas.DataFrame
        Patch table indexed by ``patch_id``: ``final_class``,
        ``is_construction``, the flags (``flag_pbf``, ``flag_mineral``,
        ``flag_rare_earth``, ``flag_military``), the determination columns
        and, without ``pieces``, ``township_code``, ``area_m2`` and
        ``farmland_net_m2``.
    pieces : pandas.DataFrame, optional
        Township pieces from :func:`rsgeo.overlay_pieces`, MultiIndex
        ``(patch_id, township_code)`` with ``area_m2``, ``farmland_net_m2``,
        ``pbf_m2``, ``redline_m2``. Without it each patch is credited whole
        to its ``township_code``; a patch with ``n_townships > 1`` is then
        an error.
    townships : pandas.DataFrame
        Township table (or GeoDataFrame) with ``township_code`` and
        ``township_name`` (aliases XZQDM/XZQMC); every township gets a row,
        also those without patches, in this order.
    options : StatsOptions, optional
        Cutoff, deductible and unrectified methods, the classes counted as
        illegal and legal, the illegal-farmland rule, the farmland basis, the
        denominator and the rate basis (:class:`rsgeo.options.StatsOptions`;
        its defaults when None). A job's ``[criteria]`` table fills it.
    thresholds : CriteriaThresholds, optional
        Thresholds of criteria 1, 3, 4 (:class:`rsgeo.options.CriteriaThresholds`).
    manual_flags : pandas.DataFrame, optional
        Criteria 2 and 5 (``township_code``, ``criterion``, ``note``), see
        :func:`rsgeo.io.tables.read_manual_flags`.
    figures : pandas.DataFrame, optional
        The per-patch figures of :func:`rsgeo.patch_figures` computed with
        the same ``options`` and pieces; computed here when not given.
    denominator : DataFrame or path, optional
        The ratio's denominator from the annual change survey (年度国土变更调查),
        per township: a table for :func:`rsgeo.io.denominator.read_denominator_table`
        (乡镇代码 and 新增建设用地占用耕地面积 with its unit in the header) or
        its result. Every township must be in it (one error lists those
        missing). Without it the denominator is the farmland of the
        construction patches (``construction_farmland_m2``), the labelled
        fallback. ``denominator_m2`` and ``denominator_source`` say which.
    total : bool, default True
        Append the county total row, index label ``"total"``
        (:data:`TOTAL_LABEL`), ``township_name`` "合计". Use
        :func:`township_rows` to drop it before summing columns.
    sealed : bool, default False
        False: the figures of ordinary patches only — military-land patches
        (:func:`rsgeo.schema.military.is_military`) and their pieces are left
        out of every figure, count and total, so no ordinary table can reveal
        them. True: the figures of the military-land patches only, for the
        sealed folder.
    **overrides
        Fields of :class:`~rsgeo.options.StatsOptions` to change, e.g.
        ``cutoff="2021-06-30"``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``township_code``; columns in ``docs/statistics.md``.
        ``illegal_farmland_ratio`` and the rates are fractions (0–1), NaN when
        their denominator is 0.

    Examples
    --------
    >>> import pandas as pd
    >>> towns = pd.DataFrame({"township_code": ["450225100", "450225101"],
    ...                       "township_name": ["融水镇", "和睦镇"]})
    >>> patches = pd.DataFrame({"township_code": ["450225100"], "area_m2": [1000.0],
    ...     "farmland_net_m2": [600.0], "final_class": ["违法"],
    ...     "is_construction": [True]}, index=pd.Index(["p1"], name="patch_id"))
    >>> s = township_stats(patches, townships=towns)
    >>> s[["n_illegal", "illegal_farmland_ratio"]]
                   n_illegal  illegal_farmland_ratio
    township_code
    450225100              1                     1.0
    450225101              0                     NaN
    total                  1                     1.0
    """
    opts = StatsOptions.resolve(options, overrides)
    thresholds = CriteriaThresholds.coerce(thresholds)
    towns = township_table(townships, reserved=(TOTAL_LABEL, OUTSIDE_LABEL))
    prep = _by_piece(result, pieces, towns, opts, figures, sealed=sealed)
    result, frame, towns, fig, flags, stock = (
        prep.result,
        prep.frame,
        prep.towns,
        prep.fig,
        prep.flags,
        prep.stock,
    )
    codes = towns.index
    outside = frame["township_code"].eq(OUTSIDE_LABEL).to_numpy()
    # one grouping for all the columns (the township codes are factorised once)
    summed = prep.values.groupby(frame["township_code"].to_numpy()).sum()
    sums = {c: summed[c].reindex(codes, fill_value=0.0) for c in prep.values.columns}

    # ---- counts, each patch once in its main township ----
    main = prep.main
    pbf_any = flags["pbf"] | (
        frame.groupby("patch_id")["pbf_m2"].sum().reindex(result.index).fillna(0) > 0
    )
    red_any = flags["redline"] | (
        frame.groupby("patch_id")["redline_m2"].sum().reindex(result.index).fillna(0) > 0
    )
    counted = fig["is_illegal"] & (fig["deducted_share"] < 1.0)
    unrectified_mineral = counted & flags["mineral"] & ~fig["is_rectified"]
    count_masks = {
        "n_patches": pd.Series(True, index=result.index),
        "n_legal": fig["is_legal"],
        "n_illegal": fig["is_illegal"],
        "n_other": ~(fig["is_legal"] | fig["is_illegal"]),
        "n_non_grain": _non_grain(fig),
        "n_construction": fig["is_construction"],
        "n_illegal_after_deductions": counted,
        "n_deducted": fig["is_deducted"],
        "n_illegal_pbf": counted & pbf_any,
        "n_illegal_redline": counted & red_any,
        "n_mineral": flags["mineral"],
        "n_mineral_illegal": counted & flags["mineral"],
        "n_mineral_unrectified": unrectified_mineral,
        "n_rare_earth": flags["rare_earth"],
        "n_rare_earth_illegal": counted & flags["rare_earth"],
        "n_handled": fig["is_handled"],
        "n_rectified": fig["is_rectified"] & fig["is_illegal"],
        "n_illegal_stock": stock,
    }
    counted_by = (
        pd.DataFrame({c: m.astype("int64").to_numpy() for c, m in count_masks.items()})
        .groupby(main.to_numpy())
        .sum()
    )
    counts = {c: counted_by[c].reindex(codes, fill_value=0) for c in count_masks}

    data: dict[str, Any] = {"township_name": towns}
    for col in ADDITIVE_COLUMNS:
        if col in counts:
            data[col] = counts[col].astype("int64")
        elif col in sums:
            data[col] = sums[col].astype("float64")
        # denominator_m2 comes from the change survey or the patches (_set_denominator)
    stats = pd.DataFrame(data, index=codes)
    missing = frame.attrs.get("missing", [])
    if "pbf_m2" in missing:
        stats["illegal_pbf_m2"] = np.nan
    if "redline_m2" in missing:
        stats["illegal_redline_m2"] = np.nan
    _set_denominator(stats, denominator)
    _add_rates(stats, opts.rate_basis)
    # the criteria judge townships; the outside row is no township
    criteria = evaluate_criteria(
        township_rows(stats),
        None if manual_flags is None else pd.DataFrame(manual_flags),
        thresholds=thresholds,
    )
    stats = pd.concat([stats, criteria], axis=1)
    if outside.any():
        for col, value in _no_criteria(criteria.columns).items():
            stats.loc[OUTSIDE_LABEL, col] = value
        stats = stats.astype(criteria.dtypes.to_dict())
    stats.index.name = "township_code"
    if total:
        stats = add_total_row(stats, options=opts)
    return stats


def township_pieces(
    result: pd.DataFrame,
    pieces: pd.DataFrame | None = None,
    *,
    townships: pd.DataFrame,
    options: StatsOptions | None = None,
    figures: pd.DataFrame | None = None,
    sealed: bool = False,
) -> pd.DataFrame:
    """The figures of :func:`township_stats` piece by piece (patch × township).

    One row per piece of an ordinary patch (``sealed=False``): ``patch_id``,
    ``township_code``, ``township_name``, every area column that
    :func:`township_stats` sums over the pieces (``area_m2``,
    ``illegal_farmland_after_deductions_m2``, …) and ``is_counted`` (the
    township the patch is counted in: its largest piece). Summed by
    ``township_code`` the area columns give the township rows of
    :func:`township_stats` called with the same arguments; pieces outside
    every township have the code :data:`OUTSIDE_LABEL`.

    Examples
    --------
    >>> import pandas as pd
    >>> towns = pd.DataFrame({"township_code": ["450225100"], "township_name": ["融水镇"]})
    >>> patches = pd.DataFrame({"township_code": ["450225100"], "area_m2": [1000.0],
    ...     "farmland_net_m2": [600.0], "final_class": ["违法"],
    ...     "is_construction": [True]}, index=pd.Index(["p1"], name="patch_id"))
    >>> township_pieces(patches, townships=towns)[["patch_id", "illegal_farmland_m2"]]
      patch_id  illegal_farmland_m2
    0       p1                600.0
    """
    opts = StatsOptions.resolve(options, {})
    towns = township_table(townships, reserved=(TOTAL_LABEL, OUTSIDE_LABEL))
    prep = _by_piece(result, pieces, towns, opts, figures, sealed=sealed)
    codes = prep.frame["township_code"]
    out = pd.DataFrame(
        {
            "patch_id": prep.frame["patch_id"].to_numpy(),
            "township_code": codes.to_numpy(),
            "township_name": prep.towns.reindex(codes.to_numpy()).to_numpy(),
        }
    )
    for col in prep.values.columns:
        out[col] = prep.values[col].to_numpy(dtype="float64")
    counted_in = prep.main.reindex(out["patch_id"].to_numpy()).to_numpy()
    out["is_counted"] = counted_in == codes.to_numpy()
    return out


@dataclass
class _Pieces:
    """The ordinary (or sealed) patches, their pieces and each piece's figures."""

    result: pd.DataFrame
    frame: pd.DataFrame
    towns: pd.Series
    fig: pd.DataFrame
    flags: pd.DataFrame
    stock: pd.Series
    values: pd.DataFrame
    main: pd.Series


def _by_piece(
    result: pd.DataFrame,
    pieces: pd.DataFrame | None,
    towns: pd.Series,
    opts: StatsOptions,
    figures: pd.DataFrame | None,
    *,
    sealed: bool,
) -> _Pieces:
    """Check the inputs and credit every figure to the pieces (the areas of :func:`township_stats`)."""
    result = check_patch_table(pd.DataFrame(result), where="township_stats")
    # ordinary figures from ordinary patches only; sealed ones only for the sealed folder
    keep = is_military(result).to_numpy() == sealed
    others = set(result.index[~keep])
    result = result.loc[keep]
    problems: list[str] = []

    frame = pieces_frame(result, pieces, opts.farmland_column, problems)
    if not problems and others:
        frame = frame.loc[~frame["patch_id"].isin(others).to_numpy()]
    if not problems:
        unknown_patches = sorted(set(frame["patch_id"]) - set(result.index))
        if unknown_patches:
            problems.append(
                f"{len(unknown_patches)} pieces name patches not in the patch table, "
                f"e.g. {unknown_patches[:5]}"
            )
        no_piece = sorted(set(result.index) - set(frame["patch_id"]))
        if no_piece:
            problems.append(
                f"{len(no_piece)} patches have no township piece (outside every township?), "
                f"e.g. {no_piece[:5]}"
            )
        known = set(towns.index) | {OUTSIDE_TOWNSHIP_CODE}
        unknown_codes = sorted(set(frame["township_code"]) - known)
        if unknown_codes:
            problems.append(
                f"township codes not in the townships table: {unknown_codes[:10]} "
                f"(known: {list(towns.index[:5])}...)"
            )
    if problems:
        raise InputError(format_problems("Cannot compute township statistics:", problems))
    # pieces outside every township are credited to their own row, never dropped
    outside = frame["township_code"].eq(OUTSIDE_TOWNSHIP_CODE).to_numpy()
    if outside.any():
        frame = frame.assign(
            township_code=np.where(outside, OUTSIDE_LABEL, frame["township_code"].to_numpy())
        )
        towns = pd.concat(
            [towns, pd.Series([OUTSIDE_TOWNSHIPS_NAME], index=[OUTSIDE_LABEL], name=towns.name)]
        )
        towns.index.name = "township_code"

    patch_area = frame.groupby("patch_id")["area_m2"].sum()
    patch_farm = frame.groupby("patch_id")["farmland_m2"].sum()
    if figures is None:
        fig = patch_figures(
            result, options=opts, patch_area_m2=patch_area, patch_farmland_m2=patch_farm
        )
    else:
        fig = check_patch_table(pd.DataFrame(figures), where="township_stats (figures)")
        if not result.index.isin(fig.index).all():
            raise InputError(
                "township_stats: figures must be indexed like the patch table "
                "(compute them with rsgeo.patch_figures on the same table)"
            )
        fig = fig.loc[result.index]
    flags = pd.DataFrame(
        {
            "mineral": flag_column(result, "flag_mineral"),
            "rare_earth": flag_column(result, "flag_rare_earth"),
            "pbf": flag_column(result, "flag_pbf"),
            "redline": flag_column(result, "flag_redline"),
        },
        index=result.index,
    )

    # 存量 (older) illegal cases are reported apart: the year's figures hold 新增 only
    stock = fig["is_stock"].astype(bool) if "is_stock" in fig.columns else fig["is_illegal"] & False
    stock_area = fig["counted_illegal_area_m2"].where(stock, 0.0)
    stock_farm = fig["counted_illegal_farmland_m2"].where(stock, 0.0)
    year = ~stock
    fig = fig.assign(
        is_illegal=fig["is_illegal"] & year,
        counted_illegal_area_m2=fig["counted_illegal_area_m2"].where(year, 0.0),
        counted_illegal_farmland_m2=fig["counted_illegal_farmland_m2"].where(year, 0.0),
        deducted_share=fig["deducted_share"].where(year, 0.0),
        is_deducted=fig["is_deducted"] & year,
        is_handled=fig["is_handled"] & year,
        rectified_share=fig["rectified_share"].where(year, 0.0),
        is_rectified=fig["is_rectified"] & year,
    )

    # ---- areas, by piece ----
    pid = frame["patch_id"]
    p = fig.reindex(pid.to_numpy())
    f = flags.reindex(pid.to_numpy())
    a_tot = patch_area.reindex(pid.to_numpy()).to_numpy()
    fa_tot = patch_farm.reindex(pid.to_numpy()).to_numpy()
    area = frame["area_m2"].to_numpy()
    farm = frame["farmland_m2"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        n_pieces = frame.groupby("patch_id")["area_m2"].transform("size").to_numpy()
        area_share = np.where(a_tot > 0, area / a_tot, 1.0 / n_pieces)
        farm_share = np.where(fa_tot > 0, farm / fa_tot, area_share)
    illegal = p["is_illegal"].to_numpy(dtype=bool)
    keep = 1.0 - p["deducted_share"].to_numpy(dtype="float64")
    frac = p["illegal_fraction"].to_numpy(dtype="float64")
    construction = p["is_construction"].to_numpy(dtype=bool)
    # an older (存量) case is no new construction land of the year
    older = stock.reindex(pid.to_numpy()).to_numpy(dtype=bool)
    in_denominator = (construction & ~older) | (illegal & opts.denominator_includes_illegal)
    ill_area = p["counted_illegal_area_m2"].to_numpy(dtype="float64") * area_share
    ill_farm = p["counted_illegal_farmland_m2"].to_numpy(dtype="float64") * farm_share
    mineral = f["mineral"].to_numpy(dtype=bool)
    # counted apart (非粮违法 in 2026): never in the ratio nor the criteria
    non_grain = _non_grain(p).to_numpy(dtype=bool)
    piece_values = pd.DataFrame(
        {
            "area_m2": area,
            "non_grain_area_m2": area * non_grain,
            "construction_area_m2": area * construction,
            "construction_farmland_m2": farm * in_denominator,
            "illegal_area_m2": ill_area,
            "illegal_area_after_deductions_m2": ill_area * keep,
            "deducted_area_m2": ill_area * (1 - keep),
            "illegal_farmland_m2": ill_farm,
            "illegal_farmland_after_deductions_m2": ill_farm * keep,
            "deducted_farmland_m2": ill_farm * (1 - keep),
            "illegal_pbf_m2": frame["pbf_m2"].fillna(0.0).to_numpy() * frac * illegal * keep,
            "illegal_redline_m2": frame["redline_m2"].fillna(0.0).to_numpy()
            * frac
            * illegal
            * keep,
            "mineral_area_m2": area * mineral,
            "mineral_illegal_area_m2": ill_area * keep * mineral,
            "handled_area_m2": ill_area * p["is_handled"].to_numpy(dtype=bool),
            "rectified_area_m2": ill_area * p["rectified_share"].to_numpy(dtype="float64"),
            "illegal_stock_area_m2": stock_area.reindex(pid.to_numpy()).to_numpy() * area_share,
            "illegal_stock_farmland_m2": stock_farm.reindex(pid.to_numpy()).to_numpy() * farm_share,
        }
    )
    # counts credit each patch once, to its main township (the largest piece)
    order = frame.assign(_neg=-frame["area_m2"]).sort_values(
        ["patch_id", "_neg", "township_code"], kind="stable"
    )
    main = order.drop_duplicates("patch_id").set_index("patch_id")["township_code"]
    main = main.reindex(result.index)
    return _Pieces(result, frame, towns, fig, flags, stock, piece_values, main)


def _set_denominator(
    stats: pd.DataFrame, denominator: pd.DataFrame | str | PathLike[str] | None
) -> None:
    """``denominator_m2`` and ``denominator_source``: the change survey's, or the patches'."""
    if denominator is None:
        stats["denominator_m2"] = stats["construction_farmland_m2"]
        stats["denominator_source"] = DENOMINATOR_SOURCE_LABELS["patches"]
        return
    table = (
        denominator
        if isinstance(denominator, pd.DataFrame) and "denominator_m2" in denominator.columns
        else read_denominator_table(denominator)
    )
    table = table.set_axis(table.index.astype(str))
    towns = township_rows(stats).index.astype(str)
    problems = []
    missing = sorted(set(towns) - set(table.index))
    if missing:
        problems.append(
            f"{len(missing)} township(s) of the townships table are not in it: {missing}"
        )
    unknown = sorted(set(table.index) - set(towns))
    if unknown:
        problems.append(f"township codes not in the townships table: {unknown}")
    if problems:
        raise InputError(format_problems("The denominator table (年度变更调查):", problems))
    codes = stats.index.astype(str)
    stats["denominator_m2"] = table["denominator_m2"].reindex(codes).fillna(0.0).to_numpy()
    source = table["denominator_source"].reindex(codes).fillna("").to_numpy(dtype=object)
    stats["denominator_source"] = source


def _non_grain(fig: pd.DataFrame) -> pd.Series:
    """``is_non_grain`` of the figures (False for figures computed without it)."""
    if "is_non_grain" not in fig.columns:
        return pd.Series(False, index=fig.index)
    return fig["is_non_grain"].fillna(False).astype(bool)


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    den = den.astype("float64")
    return (num.astype("float64") / den.where(den > 0)).astype("float64")


def _add_rates(stats: pd.DataFrame, rate_basis: str) -> None:
    den = "denominator_m2" if "denominator_m2" in stats.columns else "construction_farmland_m2"
    stats["illegal_farmland_ratio"] = _ratio(
        stats["illegal_farmland_after_deductions_m2"], stats[den]
    )
    if rate_basis == "count":
        stats["performance_rate"] = _ratio(stats["n_handled"], stats["n_illegal"])
        stats["rectification_rate"] = _ratio(stats["n_rectified"], stats["n_illegal"])
    else:
        stats["performance_rate"] = _ratio(stats["handled_area_m2"], stats["illegal_area_m2"])
        stats["rectification_rate"] = _ratio(stats["rectified_area_m2"], stats["illegal_area_m2"])


def _no_criteria(columns: Any) -> dict[str, Any]:
    """Criteria values of a row no criterion applies to (total, outside)."""
    row: dict[str, Any] = {}
    for col in columns:
        if col.startswith("criterion_") and col.endswith("_reason"):
            row[col] = ""
        elif col.startswith("criterion_"):
            row[col] = False
        elif col == "n_criteria":
            row[col] = 0
        elif col == "criteria_met":
            row[col] = ""
    return row


def add_total_row(stats: pd.DataFrame, *, options: StatsOptions | None = None) -> pd.DataFrame:
    """Append the county total row (index :data:`TOTAL_LABEL`) to township rows.

    The total sums the township rows and the outside row (:data:`OUTSIDE_LABEL`).

    Additive columns are summed; the ratio and the rates are recomputed from
    the sums (never summed or averaged); criteria are False with empty
    reasons. A total row already present is replaced. The rates follow the
    ``rate_basis`` of ``options`` (:class:`rsgeo.options.StatsOptions`).

    >>> import pandas as pd
    >>> s = pd.DataFrame({"township_name": ["甲", "乙"], "n_illegal": [1, 2],
    ...     "n_handled": [1, 0], "n_rectified": [0, 0],
    ...     "construction_farmland_m2": [10.0, 0.0],
    ...     "illegal_farmland_after_deductions_m2": [5.0, 0.0]}, index=["1", "2"])
    >>> t = add_total_row(s).loc["total"]
    >>> int(t["n_illegal"]), float(t["illegal_farmland_ratio"]), round(float(t["performance_rate"]), 4)
    (3, 0.5, 0.3333)
    """
    rate_basis = StatsOptions.coerce(options).rate_basis
    stats = summed_rows(stats).copy()
    if any(c not in stats.columns for c in _RATE_COLUMNS):
        _add_rates(stats, rate_basis)
    row: dict[str, Any] = _no_criteria(stats.columns)
    for col in stats.columns:
        if col in ADDITIVE_COLUMNS:
            row[col] = stats[col].sum(min_count=1) if stats[col].isna().all() else stats[col].sum()
        elif col == "township_name":
            row[col] = TOTAL_ROW_NAME
        elif col == "denominator_source":
            row[col] = "；".join(dict.fromkeys(s for s in stats[col].astype(str) if s))
        elif col not in row:
            row[col] = np.nan
    total = pd.DataFrame([row], index=pd.Index([TOTAL_LABEL], name=stats.index.name))
    _add_rates(total, rate_basis)
    total = total[stats.columns].astype(stats.dtypes.to_dict())
    return pd.concat([stats, total])
