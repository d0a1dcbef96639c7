"""Spot checks (抽查): a reproducible random sample of patches per township.

Within each township the patches are split into strata by determination
(合法 / 违法 / 其他 / 未判定 …); the township's quota is shared among the
strata in proportion to their size (largest remainders, ties to the larger
stratum, then the stratum name), with at least one patch from every stratum
when the quota allows. Inside a stratum every patch gets a random 64-bit key
and the patches with the smallest keys are drawn.

The keys come from ``numpy.random.Generator(PCG64(SeedSequence([seed,
crc32(township_code)])))``, taken as the raw 64-bit outputs of the bit
generator in the sorted order of patch ids (strata in sorted order too). PCG64,
SeedSequence and CRC-32 are fixed algorithms, so the same seed gives the same
sample on every machine, Python version and row order. Each township has its
own stream: adding a township does not change another township's sample.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rsgeo.errors import InputError, format_problems
from rsgeo.options import SpotCheckOptions
from rsgeo.schema.contract import check_patch_table
from rsgeo.schema.labels import COLUMN_LABELS
from rsgeo.schema.military import is_military

__all__ = ["SpotCheckMethod", "SpotCheckResult", "allocate", "run_spot_check", "spot_check"]

_UNDETERMINED = "未判定"


def allocate(sizes: dict[str, int], quota: int) -> dict[str, int]:
    """Share ``quota`` draws among strata of the given sizes.

    Proportional with largest remainders; every non-empty stratum gets at
    least one draw when ``quota`` is at least the number of strata; never more
    than a stratum holds.

    Examples
    --------
    >>> allocate({"合法": 6, "违法": 3, "其他": 1}, 5)
    {'其他': 1, '合法': 2, '违法': 2}
    >>> allocate({"a": 2, "b": 1}, 10)
    {'a': 2, 'b': 1}
    """
    names = sorted(k for k, v in sizes.items() if v > 0)
    total = sum(sizes[k] for k in names)
    if quota >= total:
        return {k: sizes[k] for k in names}
    alloc = {k: 0 for k in names}
    if quota >= len(names):
        for k in names:
            alloc[k] = 1
    remaining = quota - sum(alloc.values())
    # proportional share of the rest, against what each stratum still holds
    spare = {k: sizes[k] - alloc[k] for k in names}
    spare_total = sum(spare.values())
    exact = {k: remaining * spare[k] / spare_total if spare_total else 0.0 for k in names}
    for k in names:
        alloc[k] += int(np.floor(exact[k]))
    left = quota - sum(alloc.values())
    order = sorted(names, key=lambda k: (-(exact[k] - np.floor(exact[k])), -sizes[k], k))
    while left > 0:
        progressed = False
        for k in order:
            if left and alloc[k] < sizes[k]:
                alloc[k] += 1
                left -= 1
                progressed = True
        if not progressed:
            break
    return alloc


def _ids_and_table(result: pd.DataFrame) -> pd.DataFrame:
    frame = result.copy()
    if "patch_id" in frame.columns:
        frame = frame.set_index("patch_id")
    frame.index = frame.index.astype(str)
    frame.index.name = "patch_id"
    return frame


@dataclass(frozen=True)
class SpotCheckMethod:
    """How a spot-check sample was drawn, as the review record prints it."""

    options: SpotCheckOptions
    generator: str
    method_zh: str
    n_population: int
    n_military_excluded: int
    allocation: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class SpotCheckResult:
    """The sample (:func:`spot_check`) and how it was drawn."""

    sample: pd.DataFrame
    method: SpotCheckMethod


def spot_check(
    result: pd.DataFrame, *, options: SpotCheckOptions | None = None, **overrides: Any
) -> pd.DataFrame:
    """Draw a stratified random sample of patches in every township.

    The sample of :func:`run_spot_check`, which also says how it was drawn
    (what :func:`rsgeo.write_review_record` prints).

    Parameters
    ----------
    result : DataFrame
        Patch-level table indexed by ``patch_id`` (or with a ``patch_id``
        column) with ``township_code`` (and optionally ``township_name``).
        Military-land patches are left out of the population.
    options : SpotCheckOptions, optional
        Quota per township, seed and strata column
        (:class:`rsgeo.options.SpotCheckOptions`; its defaults when None).
    **overrides
        Fields of :class:`~rsgeo.options.SpotCheckOptions` to change, e.g.
        ``per_township=5, seed=7``.

    Returns
    -------
    DataFrame
        Indexed by ``patch_id``: ``township_code``, ``township_name``,
        ``stratum``, ``stratum_size``, ``stratum_drawn``, ``draw_rank`` (1 =
        smallest key in its stratum) and ``random_key`` (hex).

    Examples
    --------
    >>> t = pd.DataFrame({"township_code": ["1"] * 4 + ["2"] * 2,
    ...                   "determination": ["合法", "合法", "违法", "违法", "合法", None]},
    ...                  index=pd.Index(list("abcdef"), name="patch_id"))
    >>> s = spot_check(t, per_township=2, seed=7)
    >>> sorted(s.loc[s.township_code == "1", "stratum"])
    ['合法', '违法']
    >>> s.equals(spot_check(t.iloc[::-1], per_township=2, seed=7))
    True
    """
    return run_spot_check(result, options=options, **overrides).sample


def run_spot_check(
    result: pd.DataFrame, *, options: SpotCheckOptions | None = None, **overrides: Any
) -> SpotCheckResult:
    """:func:`spot_check`, with how the sample was drawn (:class:`SpotCheckMethod`).

    >>> t = pd.DataFrame({"township_code": ["1"] * 3, "determination": ["合法"] * 3},
    ...                  index=pd.Index(list("abc"), name="patch_id"))
    >>> r = run_spot_check(t, per_township=2, seed=7)
    >>> len(r.sample), r.method.options.seed, r.method.n_population
    (2, 7, 3)
    """
    opts = SpotCheckOptions.resolve(options, overrides)
    per_township, seed, by = opts.per_township, opts.seed, opts.by
    problems = []
    if not isinstance(result, pd.DataFrame):
        raise InputError(f"result must be a DataFrame, not {type(result).__name__}")
    if "township_code" not in result.columns:
        problems.append("result has no township_code column (run rsgeo.overlay with townships)")
    if problems:
        raise InputError(format_problems("spot_check():", problems))
    table = _ids_and_table(result)
    check_patch_table(table, where="spot_check (run rsgeo.review to list the ids)")
    military = is_military(table).to_numpy()
    pop = table.loc[~military]
    code = pop["township_code"].astype("string").str.strip().fillna("").astype(str)
    name = (
        pop["township_name"].astype("string").fillna("").astype(str)
        if "township_name" in pop.columns
        else pd.Series("", index=pop.index)
    )
    if by in pop.columns:
        stratum = pop[by].astype("string").str.strip().fillna("").astype(str)
        stratum = stratum.where(stratum != "", _UNDETERMINED)
    else:
        stratum = pd.Series(_UNDETERMINED, index=pop.index)
    frame = pd.DataFrame({"code": code, "name": name, "stratum": stratum})
    rows: list[dict[str, Any]] = []
    allocation: list[dict[str, Any]] = []
    for town in sorted(frame["code"].unique()):
        sub = frame[frame["code"] == town]
        town_name = next((n for n in sub["name"] if n), "")
        sizes = sub["stratum"].value_counts().to_dict()
        quota = allocate({str(k): int(v) for k, v in sizes.items()}, int(per_township))
        crc = zlib.crc32(town.encode("utf-8"))
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), crc])))
        for stratum_name in sorted(sizes):
            ids = sorted(sub.index[sub["stratum"] == stratum_name])
            keys = rng.bit_generator.random_raw(len(ids))
            k = quota.get(stratum_name, 0)
            allocation.append(
                {
                    "township_code": town,
                    "township_name": town_name,
                    "stratum": stratum_name,
                    "size": len(ids),
                    "drawn": k,
                }
            )
            order = sorted(range(len(ids)), key=lambda i: (int(keys[i]), ids[i]))
            for rank, i in enumerate(order[:k], start=1):
                rows.append(
                    {
                        "patch_id": ids[i],
                        "township_code": town,
                        "township_name": town_name,
                        "stratum": stratum_name,
                        "stratum_size": len(ids),
                        "stratum_drawn": k,
                        "draw_rank": rank,
                        "random_key": f"{int(keys[i]):016x}",
                    }
                )
    columns = [
        "patch_id",
        "township_code",
        "township_name",
        "stratum",
        "stratum_size",
        "stratum_drawn",
        "draw_rank",
        "random_key",
    ]
    sample = pd.DataFrame(rows, columns=columns).set_index("patch_id")
    sample["township_code"] = sample["township_code"].astype(object)
    method = (
        f"在每个乡镇内按“{COLUMN_LABELS.get(by, by)}”分层，每乡镇抽取 {per_township} 个图斑（不足时全取），"
        "按各层图斑数比例分配（最大余数法），名额允许时每层至少 1 个；"
        "层内按监测编号排序后依次取随机数，取随机数最小者。"
        f"随机数：numpy PCG64，种子 SeedSequence([{seed}, CRC32(乡镇代码)])。"
        "军用土地图斑不参加抽样。"
    )
    drawn = SpotCheckMethod(
        options=opts,
        generator="numpy.random.Generator(PCG64(SeedSequence([seed, crc32(township_code)])))"
        ".bit_generator.random_raw",
        method_zh=method,
        n_population=len(pop),
        n_military_excluded=int(military.sum()),
        allocation=tuple(allocation),
    )
    return SpotCheckResult(sample=sample, method=drawn)
