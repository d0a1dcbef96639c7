"""Data review (数据审核): find incomplete or contradictory patch records.

:func:`review` runs every rule of :mod:`rsgeo.schema.review_rules` over the
patch-level result table (overlay + classification + determinations, see
``docs/columns.md``) and returns one row per finding.
:func:`rsgeo.write_review_record` writes the signed review record (Excel and a
printable HTML page). Military-land patches are never listed; the record only
states how many were set aside for the sealed report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rsgeo._util import number_column as number_values
from rsgeo._util import text_column as text_values
from rsgeo.audit.platform_check import compare_platform_figures
from rsgeo.errors import CRSMismatchError, InputError, format_problems
from rsgeo.geo.units import format_half_up
from rsgeo.options import ReviewOptions
from rsgeo.schema.labels import COLUMN_LABELS, GEOMETRY_STATUS_LABELS, OUTSIDE_TOWNSHIPS_NAME
from rsgeo.schema.military import is_military
from rsgeo.schema.profiles import PROFILES
from rsgeo.schema.review_rules import RULES
from rsgeo.schema.vocabulary import (
    DEDUCTIBLE_METHODS,
    LEGAL,
    UNRECTIFIED_METHODS,
    normalize_word,
)

__all__ = ["FINDING_COLUMNS", "ReviewCoverage", "ReviewResult", "review", "run_review"]

FINDING_COLUMNS: list[str] = [
    "rule_id",
    "severity",
    "patch_id",
    "township_code",
    "township_name",
    "message",
]
"""Columns of the findings table, in order."""


def _as_table(result: Any) -> pd.DataFrame:
    """A flat copy with a ``patch_id`` column (from the column or the index)."""
    frame = result.copy()
    if "patch_id" in frame.columns:
        frame = frame.reset_index(drop=True)
    else:
        frame = frame.reset_index()
        first = frame.columns[0]
        if first != "patch_id":
            frame = frame.rename(columns={first: "patch_id"})
    return frame


def _county_geometry(county: Any, crs: Any, problems: list[str]) -> Any:
    """One shapely geometry for the county, in ``crs`` (problems appended)."""
    import geopandas as gpd
    import shapely

    if isinstance(county, gpd.GeoDataFrame | gpd.GeoSeries):
        if county.crs is not None and crs is not None and not county.crs.equals(crs):
            problems.append(
                f"CRS mismatch: county is {county.crs.to_string()}, patches are "
                f"{crs.to_string()}; reproject with county.to_crs(result.crs)"
            )
            return None
        geoms = county.geometry if isinstance(county, gpd.GeoDataFrame) else county
        return shapely.union_all(np.asarray(geoms.values))
    if isinstance(county, shapely.Geometry):
        return county
    problems.append(
        f"county must be a GeoDataFrame, GeoSeries or shapely geometry, not {type(county).__name__}"
    )
    return None


def _validate(
    result: Any, county: Any, rules: Iterable[str] | None
) -> tuple[pd.DataFrame, Any, list[str]]:
    problems: list[str] = []
    crs_problem = False
    if not isinstance(result, pd.DataFrame):
        raise InputError(f"result must be a DataFrame, not {type(result).__name__}")
    selected = list(RULES) if rules is None else list(rules)
    unknown = [r for r in selected if r not in RULES]
    if unknown:
        problems.append(f"unknown rule ids {unknown}; allowed: {', '.join(RULES)}")
    county_geom = None
    if county is not None:
        crs = getattr(result, "crs", None)
        if "geometry" not in result.columns or not hasattr(result, "crs"):
            problems.append("county given but result has no geometry (pass a GeoDataFrame)")
        else:
            n_before = len(problems)
            county_geom = _county_geometry(county, crs, problems)
            crs_problem = len(problems) > n_before and "CRS mismatch" in problems[-1]
    if problems:
        header = f"review(): {len(problems)} problem(s) with the arguments:"
        cls = CRSMismatchError if crs_problem else InputError
        raise cls(format_problems(header, problems))
    return _as_table(result), county_geom, selected


def _outside_shares(result: Any, county_geom: Any) -> np.ndarray:
    """Share of each patch's area outside the county (planar, for a ratio only)."""
    import geopandas as gpd
    import shapely

    geoms = gpd.GeoSeries(np.asarray(result.geometry.values), crs=result.crs)
    county = gpd.GeoSeries([county_geom], crs=result.crs)
    if result.crs is not None and result.crs.is_geographic:
        local = geoms.estimate_utm_crs()
        geoms, county = geoms.to_crs(local), county.to_crs(local)
    g = np.asarray(geoms.values)
    c = county.values[0]
    shapely.prepare(c)
    total = shapely.area(g)
    # only the patches across the boundary are cut: one wholly inside has all its area
    # inside, one that does not touch the county none
    touches = shapely.intersects(c, g)
    across = touches & ~shapely.contains_properly(c, g)
    inside = np.where(touches, total, 0.0)
    inside[across] = shapely.area(shapely.intersection(g[across], c))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, 1.0 - inside / total, np.nan)
    # a point patch: outside when it does not touch the county at all; a patch
    # without a shape is no patch outside the county (R17 names it)
    share = np.where(np.isnan(share), np.where(touches, 0.0, 1.0), share)
    share[shapely.is_missing(g) | shapely.is_empty(g)] = 0.0
    return np.clip(share, 0.0, 1.0)


@dataclass(frozen=True)
class ReviewCoverage:
    """What a review looked at: the scope the review record prints.

    Attributes
    ----------
    n_checked : int
        Ordinary patches checked.
    n_military_excluded : int
        Military-land patches set aside (count only).
    patches_per_township : mapping of code to (name, patches checked)
    rules_run : tuple of str
        Rule ids that ran.
    rules_skipped : mapping of rule id to reason
        Rules that could not run (missing columns, no county).
    options : ReviewOptions
        The tolerances and rules used.
    county_given : bool
        Whether a county boundary was given (rules R12, R13).
    """

    n_checked: int
    n_military_excluded: int
    patches_per_township: Mapping[str, tuple[str, int]]
    rules_run: tuple[str, ...]
    rules_skipped: Mapping[str, str]
    options: ReviewOptions
    county_given: bool


@dataclass(frozen=True)
class ReviewResult:
    """The findings of :func:`review` and what the review covered."""

    findings: pd.DataFrame
    coverage: ReviewCoverage


VIOLATIONS: tuple[str, ...] = tuple(
    dict.fromkeys(c for p in PROFILES.values() for c in (*p.illegal_classes, *p.non_grain_classes))
)
"""Determinations that are violations in some vocabulary profile (R02–R04, R15)."""


def _geometry_rules(
    table: pd.DataFrame,
    need: Callable[..., bool],
    add: Callable[[str, Any, Any], None],
) -> None:
    """R16–R18: parts outside every township, patches without a shape, repaired shapes."""
    if need("R16", "outside_townships_m2", "area_m2"):
        outside = number_values(table, "outside_townships_m2").fillna(0.0).to_numpy()
        area = number_values(table, "area_m2").fillna(0.0).to_numpy()
        add(
            "R16",
            outside > 0.0,  # pieces under min_piece_m2 were never kept
            lambda p: (
                f"图斑有 {format_half_up(float(outside[p]))} 平方米（共 {format_half_up(float(area[p]))} 平方米）"
                f"落在各乡镇边界之外，计入“{OUTSIDE_TOWNSHIPS_NAME}”"
            ),
        )
    for rule_id, codes in (
        ("R17", ("empty", "collapsed")),
        ("R18", ("nonfinite_vertices", "repaired", "parts_dropped")),
    ):
        if need(rule_id, "geometry_status"):
            status = text_values(table, "geometry_status")
            values = status.tolist()
            add(
                rule_id,
                status.isin(codes).to_numpy(),
                lambda p, v=values: GEOMETRY_STATUS_LABELS.get(v[p], v[p]),  # type: ignore[misc]
            )


def review(
    result: pd.DataFrame,
    *,
    county: Any = None,
    options: ReviewOptions | None = None,
    platform: pd.DataFrame | None = None,
    **overrides: Any,
) -> pd.DataFrame:
    """Check the patch records and list every finding.

    Parameters
    ----------
    result : DataFrame or GeoDataFrame
        The patch-level table (``docs/columns.md``), indexed by ``patch_id``
        or with a ``patch_id`` column. Pass the raw table (before any
        ``set_index``/deduplication) so duplicate ids can be found.
    county : GeoDataFrame, GeoSeries or shapely geometry, optional
        The county boundary (all features are unioned). Needed for rules
        R12/R13; a GeoDataFrame/GeoSeries must be in ``result.crs``.
    options : ReviewOptions, optional
        Tolerances and the rules to run (:class:`rsgeo.options.ReviewOptions`;
        its defaults when None).
    platform : DataFrame, optional
        The platform's overlay figures per patch
        (:func:`rsgeo.io.platform_table.read_platform_table`), for rule R19;
        without it R19 is skipped.
    **overrides
        Fields of :class:`~rsgeo.options.ReviewOptions` to change, e.g.
        ``area_rel_tolerance=0.04``.

    Returns
    -------
    DataFrame
        Columns :data:`FINDING_COLUMNS`, one row per finding, sorted by
        township, patch and rule. :func:`run_review` returns them together
        with what the review covered (:class:`ReviewCoverage`).

    Raises
    ------
    InputError
        Bad options or an unusable ``county``.
    CRSMismatchError
        ``county`` and ``result`` are in different CRSs.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"determination": ["合法", None]},
    ...                  index=pd.Index(["a", "b"], name="patch_id"))
    >>> f = review(t)
    >>> f[["rule_id", "patch_id"]].values.tolist()
    [['R01', 'b']]
    >>> run_review(t).coverage.n_checked
    2
    """
    return run_review(
        result, county=county, options=options, platform=platform, **overrides
    ).findings


def run_review(
    result: pd.DataFrame,
    *,
    county: Any = None,
    options: ReviewOptions | None = None,
    platform: pd.DataFrame | None = None,
    **overrides: Any,
) -> ReviewResult:
    """:func:`review`, with what the review covered (:class:`ReviewCoverage`).

    ``platform``, the platform's overlay figures per patch
    (:func:`rsgeo.io.platform_table.read_platform_table`), runs rule R19
    (:func:`rsgeo.audit.platform_check.compare_platform_figures`); without it R19 is skipped.
    """
    opts, problems = ReviewOptions.collect({**ReviewOptions.coerce(options).as_dict(), **overrides})
    if problems:
        raise InputError(format_problems(f"review(): {len(problems)} problem(s):", problems))
    area_rel_tolerance = opts.area_rel_tolerance
    outside_max_share = opts.outside_max_share
    min_overlap_m2 = opts.min_overlap_m2
    table, county_geom, selected = _validate(result, county, opts.rules)
    military = is_military(table).to_numpy()
    n_military = int(military.sum())
    ids = table["patch_id"].astype("string").str.strip().fillna("").astype(object)
    town_code = text_values(table, "township_code")
    town_name = text_values(table, "township_name")
    rows: list[tuple[str, int, str]] = []  # (rule_id, row position, message)
    skipped: dict[str, str] = {}

    def add(rule_id: str, mask: Any, messages: str | Callable[[int], str]) -> None:
        """Findings of ``rule_id`` where ``mask``; ``messages`` is one text or one per row."""
        mask = np.asarray(mask, dtype=bool) & ~military
        for pos in np.flatnonzero(mask).tolist():  # a message only for a row found
            rows.append((rule_id, pos, messages if isinstance(messages, str) else messages(pos)))

    def need(rule_id: str, *columns: str) -> bool:
        if rule_id not in selected:
            return False
        missing = [c for c in columns if c not in table.columns]
        if missing:
            skipped[rule_id] = "缺少字段 " + "、".join(missing)
            return False
        return True

    det = text_values(table, "determination")
    # a violation in either vocabulary (2020 违法; 2026 非农违法, 非粮违法) needs its case data
    illegal = det.str.startswith(VIOLATIONS).to_numpy()
    legal = det.str.startswith(LEGAL).to_numpy()

    if "R01" in selected:
        add("R01", det.eq("").to_numpy(), "没有合法性判定结果")
    for rule_id, column, label in (
        ("R02", "illegal_type", COLUMN_LABELS["illegal_type"]),
        ("R03", "case_number", COLUMN_LABELS["case_number"]),
        ("R04", "responsible_party", COLUMN_LABELS["responsible_party"]),
    ):
        if rule_id in selected:
            add(
                rule_id,
                illegal & text_values(table, column).eq("").to_numpy(),
                f"违法图斑未填{label}",
            )

    method = text_values(table, "rectification_method")
    date = text_values(table, "rectification_date")
    rect_m2 = number_values(table, "rectified_area_m2")
    not_done = {normalize_word(w) for w in UNRECTIFIED_METHODS}
    has_method = (method.ne("") & ~method.map(normalize_word).isin(not_done)).to_numpy()
    has_date = date.ne("").to_numpy()
    has_area = (rect_m2.fillna(0) > 0).to_numpy()
    if "R05" in selected:
        add("R05", ~has_method & (has_date | has_area), "已填整改日期或整改面积，未填整改方式")
    if "R06" in selected:
        add("R06", ~has_date & (has_method | has_area), "已填整改方式或整改面积，未填整改日期")
    if "R07" in selected:
        add("R07", ~has_area & (has_method | has_date), "已填整改方式或整改日期，未填整改面积")
    if need("R08", "rectified_area_m2", "illegal_area_m2"):
        ill_m2 = number_values(table, "illegal_area_m2")
        over = (rect_m2 > ill_m2 + 0.005).fillna(False).to_numpy()
        r08 = rect_m2.tolist(), ill_m2.tolist()
        add(
            "R08",
            over,
            lambda p: (
                f"整改面积 {format_half_up(r08[0][p])} 平方米大于违法面积 "
                f"{format_half_up(r08[1][p])} 平方米"
            ),
        )
    if "R20" in selected:  # reconciliation (勾稽): 已整改 = 拆除 + 补办
        other = ~method.map(normalize_word).isin(set(DEDUCTIBLE_METHODS)).to_numpy()
        methods = method.tolist()
        add(
            "R20",
            illegal & has_method & other,
            lambda p: f"整改方式为{methods[p]}，不计入拆除或补办",
        )
    if need("R09", "reported_area_m2", "area_m2"):
        rep = number_values(table, "reported_area_m2")
        calc = number_values(table, "area_m2")
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = ((rep - calc).abs() / calc).to_numpy()
        rel = np.where((calc.to_numpy() == 0) & (rep.to_numpy() > 0), np.inf, rel)
        far = np.nan_to_num(rel, nan=0.0) > area_rel_tolerance
        r09 = rep.tolist(), calc.tolist()
        add(
            "R09",
            far,
            lambda p: (
                f"监测面积 {format_half_up(r09[0][p])} 平方米，计算面积 "
                f"{format_half_up(r09[1][p])} 平方米，相差 {format_half_up(rel[p] * 100)}%"
                f"（允许 {format_half_up(area_rel_tolerance * 100)}%）"
            ),
        )
    if "R10" in selected:
        present = ids.ne("").to_numpy() & ~military
        counts = pd.Series(ids[present]).value_counts()
        dup = ids.isin(counts.index[counts > 1]).to_numpy() & present
        count_of = counts.to_dict()
        id_list = ids.tolist()
        add("R10", dup, lambda p: f"监测编号 {id_list[p]} 出现 {count_of.get(id_list[p], 0)} 次")
    if "R11" in selected:
        add("R11", ids.eq("").to_numpy(), lambda p: f"第 {p + 1} 行没有监测编号")
    if county_geom is not None and ("R12" in selected or "R13" in selected):
        share = _outside_shares(result, county_geom)
        if "R12" in selected:
            add("R12", share >= 1.0, "图斑与本县行政区域没有重叠")
        if "R13" in selected:
            part = (share > outside_max_share) & (share < 1.0)
            add(
                "R13",
                part,
                lambda p: (
                    f"图斑 {format_half_up(share[p] * 100)}% 的面积在县域外"
                    f"（允许 {format_half_up(outside_max_share * 100)}%）"
                ),
            )
    else:
        for rule_id in ("R12", "R13"):
            if rule_id in selected:
                skipped[rule_id] = "未提供县域边界"
    approved = number_values(table, "approved_m2").fillna(0.0).to_numpy()
    if "R14" in selected:
        if "approved_m2" not in table.columns or not (
            "pbf_m2" in table.columns or "flag_pbf" in table.columns
        ):
            skipped["R14"] = "缺少字段 approved_m2 或 pbf_m2/flag_pbf"
        else:
            if "flag_pbf" in table.columns:
                pbf = table["flag_pbf"].fillna(False).astype(bool).to_numpy()
            else:
                pbf = number_values(table, "pbf_m2").fillna(0.0).to_numpy() > min_overlap_m2
            pbf_list = number_values(table, "pbf_m2").tolist()
            add(
                "R14",
                legal & pbf & (approved <= min_overlap_m2),
                lambda p: (
                    "判定为合法，但占用永久基本农田"
                    + ("" if np.isnan(pbf_list[p]) else f" {format_half_up(pbf_list[p])} 平方米")
                    + "，且与批准用地无重叠"
                ),
            )
    if need("R15", "approved_m2", "suggested_class"):
        facility = number_values(table, "facility_m2").fillna(0.0).to_numpy()
        temporary = number_values(table, "temporary_m2").fillna(0.0).to_numpy()
        suggested = text_values(table, "suggested_class").str.startswith(VIOLATIONS).to_numpy()
        no_basis = (
            (approved <= min_overlap_m2)
            & (facility <= min_overlap_m2)
            & (temporary <= min_overlap_m2)
        )
        add(
            "R15",
            legal & no_basis & suggested,
            "判定为合法，但与批准用地、设施农用地、临时用地均无重叠，系统建议为违法",
        )

    _geometry_rules(table, need, add)
    if "R19" in selected:
        if platform is None:
            skipped["R19"] = "未提供平台套合结果表"
        else:
            check = compare_platform_figures(ids, table, platform, options=opts)
            if not check.compared:
                skipped["R19"] = "平台套合结果中没有可与本次计算比较的面积"
            for pos, message in check.rows:
                if not military[pos]:
                    rows.append(("R19", pos, message))

    order = {r: i for i, r in enumerate(RULES)}
    codes, names, id_list = town_code.tolist(), town_name.tolist(), ids.tolist()
    rows.sort(key=lambda t: (codes[t[1]], id_list[t[1]], t[1], order[t[0]]))
    findings = pd.DataFrame(
        {
            "rule_id": [r for r, _, _ in rows],
            "severity": [RULES[r].severity for r, _, _ in rows],
            "patch_id": [id_list[p] for _, p, _ in rows],
            "township_code": [codes[p] for _, p, _ in rows],
            "township_name": [names[p] for _, p, _ in rows],
            "message": [m for _, _, m in rows],
        },
        columns=FINDING_COLUMNS,
    ).astype(object)
    ordinary_rows = ~military
    per_town = (
        pd.DataFrame({"code": town_code[ordinary_rows], "name": town_name[ordinary_rows]})
        .groupby("code", sort=True)["name"]
        .agg(["first", "size"])
    )
    coverage = ReviewCoverage(
        n_checked=int(ordinary_rows.sum()),
        n_military_excluded=n_military,
        patches_per_township={
            str(code): (str(r["first"]), int(r["size"])) for code, r in per_town.iterrows()
        },
        rules_run=tuple(r for r in selected if r not in skipped),
        rules_skipped=dict(skipped),
        options=opts,
        county_given=county_geom is not None,
    )
    return ReviewResult(findings=findings, coverage=coverage)
