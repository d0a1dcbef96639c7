"""Province statistics by county, from the township statistics' own code.

A province evaluates its counties as a county evaluates its townships. The
county rows come from :func:`rsgeo.stats.township.township_stats` itself,
handed the pieces of each patch regrouped by county (the first 6 digits of
the township code): every sum, count, ratio, rate and criterion of a county
row is the formula of a township row, applied to the county's pieces, and the
total row is the province's. No figure is summed from township rows here.

Sealed (military) patches are left out of every county figure exactly as
:func:`township_stats` leaves them out of township figures (``sealed=False``).
"""

from __future__ import annotations

import pandas as pd

from rsgeo.cluster.partition import COUNTY_CODE_DIGITS
from rsgeo.options import CriteriaThresholds, StatsOptions
from rsgeo.stats.township import OUTSIDE_LABEL, township_stats

__all__ = ["county_pieces", "county_stats", "county_table"]


def county_table(townships: pd.DataFrame) -> pd.DataFrame:
    """One row per county of a township table: ``township_code`` = the county code,
    ``township_name`` = the county's name (``county_name`` when the table has it, else the
    code), in the order the counties first appear.

    >>> t = pd.DataFrame({"township_code": ["450225100", "450226100", "450225101"],
    ...                   "township_name": ["a", "b", "c"], "county_name": ["融水", "X", "融水"]})
    >>> county_table(t).to_dict("list")
    {'township_code': ['450225', '450226'], 'township_name': ['融水', 'X']}
    """
    codes = townships["township_code"].astype(str).str[:COUNTY_CODE_DIGITS]
    names = townships["county_name"].astype(str) if "county_name" in townships.columns else codes
    frame = pd.DataFrame({"township_code": codes.to_numpy(), "township_name": names.to_numpy()})
    return frame.drop_duplicates("township_code").reset_index(drop=True)


def county_pieces(pieces: pd.DataFrame) -> pd.DataFrame:
    """The township pieces regrouped by county: one piece per (patch, county), areas summed.

    The part of a patch outside every township stays its own piece.
    """
    flat = pd.DataFrame(pieces.drop(columns=[c for c in ("geometry",) if c in pieces.columns]))
    flat = flat.reset_index()
    code = flat["township_code"].astype(str)
    outside = code.eq(OUTSIDE_LABEL) | code.eq("")
    flat["township_code"] = code.where(outside, code.str[:COUNTY_CODE_DIGITS])
    areas = [c for c in flat.columns if c.endswith("_m2")]
    grouped = flat.groupby(["patch_id", "township_code"], sort=False)[areas].sum()
    return grouped


def county_stats(
    result: pd.DataFrame,
    pieces: pd.DataFrame,
    *,
    townships: pd.DataFrame,
    options: StatsOptions,
    thresholds: CriteriaThresholds,
    figures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Statistics by county: :func:`township_stats` on the pieces regrouped by county.

    Parameters
    ----------
    result, pieces, figures
        The run's per-patch table, township pieces and per-patch figures.
    townships : DataFrame
        The township table (``county_name`` used for the names when present).
    options, thresholds
        The run's statistics options and criteria thresholds.

    Returns
    -------
    DataFrame
        The columns of :func:`township_stats`, indexed by county code, with
        the province total row (``"total"``). Criteria 2 and 5 (manual flags)
        and a change-survey denominator are township inputs: county rows use
        neither (the denominator is the farmland of the construction patches).
    """
    return township_stats(
        result,
        county_pieces(pieces),
        townships=county_table(townships),
        options=options,
        thresholds=thresholds,
        figures=figures,
    )
