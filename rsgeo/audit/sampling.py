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
from typing import Any

import numpy as np
import pandas as pd

from rsgeo.errors import InputError, format_problems
from rsgeo.schema.military import is_military

__all__ = ["allocate", "spot_check"]

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


def spot_check(
    result: pd.DataFrame,
    *,
    per_township: int = 5,
    seed: int,
    by: str = "determination",
) -> pd.DataFrame:
    """Draw a stratified random sample of patches in every township.

    Parameters
    ----------
    result : DataFrame
        Patch-level table indexed by ``patch_id`` (or with a ``patch_id``
        column) with ``township_code`` (and optionally ``township_name``).
        Military-land patches are left out of the population.
    per_township : int, default 5
        Patches drawn per township (all of them when it has fewer).
    seed : int
        Non-negative random seed; record it to redraw the same sample.
    by : str, default "determination"
        Column that defines the strata; missing values form the stratum 未判定.

    Returns
    -------
    DataFrame
        Indexed by ``patch_id``: ``township_code``, ``township_name``,
        ``stratum``, ``stratum_size``, ``stratum_drawn``, ``draw_rank`` (1 =
        smallest key in its stratum) and ``random_key`` (hex). ``attrs
        ["rsgeo_spot_check"]`` records how the sample was drawn (seed, quota,
        generator, method text in Chinese, and the allocation per stratum).

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
    problems = []
    if not isinstance(result, pd.DataFrame):
        raise InputError(f"result must be a DataFrame, not {type(result).__name__}")
    if isinstance(per_township, bool) or not isinstance(per_township, int | np.integer):
        problems.append(f"per_township must be an int, got {per_township!r}")
    elif per_township < 1:
        problems.append(f"per_township must be >= 1, got {per_township}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        problems.append(f"seed must be a non-negative int, got {seed!r}")
    if "township_code" not in result.columns:
        problems.append("result has no township_code column (run rsgeo.overlay with townships)")
    if problems:
        raise InputError(format_problems("spot_check():", problems))
    table = _ids_and_table(result)
    if table.index.duplicated().any():
        dups = sorted(set(table.index[table.index.duplicated()]))
        raise InputError(
            format_problems("spot_check(): duplicate patch ids (run rsgeo.review):", dups)
        )
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
        f"在每个乡镇内按“{by}”分层，每乡镇抽取 {per_township} 个图斑（不足时全取），"
        "按各层图斑数比例分配（最大余数法），名额允许时每层至少 1 个；"
        "层内按监测编号排序后依次取随机数，取随机数最小者。"
        f"随机数：numpy PCG64，种子 SeedSequence([{seed}, CRC32(乡镇代码)])。"
        "军用土地图斑不参加抽样。"
    )
    sample.attrs["rsgeo_spot_check"] = {
        "seed": int(seed),
        "per_township": int(per_township),
        "by": by,
        "generator": "numpy.random.Generator(PCG64(SeedSequence([seed, crc32(township_code)])))"
        ".bit_generator.random_raw",
        "method_zh": method,
        "n_population": len(pop),
        "n_military_excluded": int(military.sum()),
        "allocation": allocation,
    }
    return sample
