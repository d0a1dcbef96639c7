"""The platform check (review rule R19): the platform's overlay figures against rsgeo's.

:func:`compare_platform_figures` compares, patch by patch, the figures of the
platform's overlay table (:func:`rsgeo.io.platform_table.read_platform_table`:
GDMJ 耕地面积, JCGDMJ 监测耕地面积, YJJBNTMJ 永久基本农田面积, JSYDMJ 建设用地面积,
in m²) with rsgeo's own overlay figures of the same patches
(:data:`rsgeo.schema.fields.PLATFORM_FIGURES` names the column for each) and
returns one finding per figure that differs by more than
:attr:`rsgeo.options.ReviewOptions.platform_tolerance_mu` (0.01 亩 by
default). :func:`rsgeo.audit.findings.run_review` runs it as rule R19 when it
is handed the table, so the review record lists the differences with the
other findings.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rsgeo._util import number_column
from rsgeo.errors import InputError, format_problems
from rsgeo.geo.units import M2_PER_MU, format_half_up
from rsgeo.options import ReviewOptions
from rsgeo.schema.fields import PLATFORM_FIGURES

__all__ = ["PlatformCheck", "PlatformCheckWarning", "compare_platform_figures"]

_LISTED = 20
_EPS_MU = 1e-9  # a difference of exactly the tolerance is within it, despite binary floats


class PlatformCheckWarning(UserWarning):
    """A figure of the platform table that rsgeo has no figure to compare with."""


@dataclass(frozen=True)
class PlatformCheck:
    """What the platform check found.

    Attributes
    ----------
    rows : list of (position, message)
        One per figure beyond the tolerance: the row position in the patch
        table and the message for the review record.
    compared : tuple of str
        The platform figures compared (``farmland_m2`` …).
    not_compared : tuple of str
        Platform figures rsgeo has no column for (no such reference layer).
    n_patches : int
        Patches in both the platform table and the patch table.
    n_missing : int
        Patches of the patch table the platform table does not list.
    """

    rows: list[tuple[int, str]]
    compared: tuple[str, ...]
    not_compared: tuple[str, ...]
    n_patches: int
    n_missing: int


def _rsgeo_column(figure: str, options: ReviewOptions) -> str:
    column = PLATFORM_FIGURES[figure.removesuffix("_m2")][0]
    if column == "farmland":
        return "farmland_net_m2" if options.platform_farmland_basis == "net" else "farmland_m2"
    return column


def compare_platform_figures(
    ids: pd.Series,
    table: pd.DataFrame,
    platform: pd.DataFrame,
    *,
    options: ReviewOptions | None = None,
) -> PlatformCheck:
    """Compare the platform's figures with rsgeo's, patch by patch.

    Parameters
    ----------
    ids : Series of str
        The patch id of each row of ``table`` (positions as in ``table``).
    table : DataFrame
        The patch table (``docs/columns.md``), one row per patch.
    platform : DataFrame
        From :func:`rsgeo.io.platform_table.read_platform_table`: index
        ``patch_id``, figures in m².
    options : ReviewOptions, optional
        ``platform_tolerance_mu`` and ``platform_farmland_basis``.

    Returns
    -------
    PlatformCheck

    Raises
    ------
    InputError
        The platform table lists patch ids the patch table does not have
        (each listed, up to 20): it belongs to another county or batch.

    Examples
    --------
    >>> t = pd.DataFrame({"farmland_net_m2": [1000.0, 2000.0]})
    >>> p = pd.DataFrame({"farmland_m2": [1000.0, 2013.4]}, index=pd.Index(["a", "b"]))
    >>> compare_platform_figures(pd.Series(["a", "b"]), t, p).rows
    [(1, '耕地面积（GDMJ）：平台 3.0201 亩，计算 3.0000 亩，相差 0.0201 亩（允许 0.01 亩）')]
    """
    opts = ReviewOptions.coerce(options)
    known = set(ids.astype(str))
    unknown = [str(i) for i in platform.index if str(i) not in known]
    if unknown:
        more = f" (and {len(unknown) - _LISTED} more)" if len(unknown) > _LISTED else ""
        raise InputError(
            format_problems(
                f"the platform table lists {len(unknown)} patch id(s) that are not among "
                "the patches of this job (another county or batch?):",
                [", ".join(unknown[:_LISTED]) + more],
            )
        )
    figures = [c for c in platform.columns if c.removesuffix("_m2") in PLATFORM_FIGURES]
    compared = tuple(f for f in figures if _rsgeo_column(f, opts) in table.columns)
    not_compared = tuple(f for f in figures if f not in compared)
    if not_compared:
        names = [
            f"{PLATFORM_FIGURES[f.removesuffix('_m2')][1]} (needs {_rsgeo_column(f, opts)})"
            for f in not_compared
        ]
        warnings.warn(
            f"platform check: no figure of rsgeo to compare with {', '.join(names)}; "
            "add the reference layer that gives it to the job",
            PlatformCheckWarning,
            stacklevel=2,
        )
    listed = platform.reindex(ids.astype(str).to_numpy())
    present = ids.astype(str).isin(platform.index.astype(str)).to_numpy()
    tol = opts.platform_tolerance_mu
    rows: list[tuple[int, str]] = []
    for figure in compared:
        label = PLATFORM_FIGURES[figure.removesuffix("_m2")][1]
        theirs = listed[figure].to_numpy(dtype="float64") / M2_PER_MU
        ours = number_column(table, _rsgeo_column(figure, opts)).fillna(0.0).to_numpy() / M2_PER_MU
        with np.errstate(invalid="ignore"):
            far = present & ~np.isnan(theirs) & (np.abs(theirs - ours) > tol + _EPS_MU)
        for pos in np.flatnonzero(far):
            rows.append(
                (
                    int(pos),
                    f"{label}：平台 {format_half_up(theirs[pos], 4)} 亩，"
                    f"计算 {format_half_up(ours[pos], 4)} 亩，"
                    f"相差 {format_half_up(abs(theirs[pos] - ours[pos]), 4)} 亩"
                    f"（允许 {tol:g} 亩）",
                )
            )
    rows.sort()
    return PlatformCheck(
        rows=rows,
        compared=compared,
        not_compared=not_compared,
        n_patches=int(present.sum()),
        n_missing=int((~present).sum()),
    )
