"""Tests of rsgeo.spot_check: reproducible, stratified samples per township."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rsgeo.audit.findings import run_review
from rsgeo.audit.sampling import allocate, run_spot_check, spot_check
from rsgeo.errors import InputError
from rsgeo.outputs.review_record import write_review_record

REPO = Path(__file__).resolve().parents[2]


def population() -> pd.DataFrame:
    strata = {
        "450225100": {"合法": 12, "违法": 6, "其他": 2, None: 4},
        "450225101": {"违法": 3},
        "450225102": {"合法": 1, "其他": 1},
    }
    rows = []
    for town, sizes in strata.items():
        for det, n in sizes.items():
            for i in range(n):
                rows.append(
                    {
                        "patch_id": f"{town[-3:]}-{det or 'none'}-{i:02d}",
                        "township_code": town,
                        "township_name": {"100": "融水镇", "101": "和睦镇", "102": "三防镇"}[
                            town[-3:]
                        ],
                        "determination": det,
                        "flag_military": False,
                    }
                )
    for i in range(3):  # military patches: never in the population
        rows.append(
            {
                "patch_id": f"JY-{i}",
                "township_code": "450225100",
                "township_name": "融水镇",
                "determination": "违法",
                "flag_military": True,
            }
        )
    return pd.DataFrame(rows).set_index("patch_id")


def test_same_seed_same_sample_any_row_order() -> None:
    pop = population()
    a = spot_check(pop, per_township=8, seed=2020)
    b = spot_check(pop.sample(frac=1.0, random_state=3), per_township=8, seed=2020)
    c = spot_check(pop.reset_index(), per_township=8, seed=2020)
    assert a.index.tolist() == b.index.tolist() == c.index.tolist()
    pd.testing.assert_frame_equal(a, b)


def test_different_seed_different_sample() -> None:
    pop = population()
    a = set(spot_check(pop, per_township=8, seed=1).index)
    b = set(spot_check(pop, per_township=8, seed=2).index)
    assert a != b


def test_same_sample_in_another_process_with_other_hash_seed() -> None:
    pop = population()
    here = spot_check(pop, per_township=8, seed=99).index.tolist()
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]);"
        "import pandas as pd; from rsgeo.audit.sampling import spot_check;"
        "pop = pd.read_json(sys.stdin, orient='split', dtype=False);"
        "pop.index = pop.index.astype(str); pop.index.name = 'patch_id';"
        "print(json.dumps(spot_check(pop, per_township=8, seed=99).index.tolist()))"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run(
        [sys.executable, "-c", code, str(REPO)],
        input=pop.iloc[::-1].to_json(orient="split", force_ascii=False),
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert json.loads(out.stdout) == here


def test_stratified_allocation_matches_hand_computation() -> None:
    sample = spot_check(population(), per_township=8, seed=7)
    town = sample[sample["township_code"] == "450225100"]
    # sizes 合法 12, 违法 6, 其他 2, 未判定 4: one each, then the other 4 shared
    # in proportion to what is left (11, 5, 1, 3 of 20): 2.2, 1.0, 0.2, 0.6 ->
    # floors 2, 1, 0, 0 and the last one to the largest remainder (未判定)
    assert town["stratum"].value_counts().to_dict() == {
        "合法": 3,
        "违法": 2,
        "其他": 1,
        "未判定": 2,
    }
    # townships smaller than the quota are taken whole
    assert (sample["township_code"] == "450225101").sum() == 3
    assert (sample["township_code"] == "450225102").sum() == 2
    # every drawn patch belongs to the stratum and township it is listed under
    pop = population()
    for pid, row in sample.iterrows():
        det = pop.loc[pid, "determination"]
        assert row["stratum"] == (det if isinstance(det, str) else "未判定")
        assert row["township_code"] == pop.loc[pid, "township_code"]
    assert not any(pid.startswith("JY-") for pid in sample.index)
    assert sample.index.is_unique


def test_draws_are_uniform_within_a_stratum() -> None:
    pop = pd.DataFrame(
        {"township_code": ["1"] * 10, "determination": ["合法"] * 10},
        index=pd.Index([f"p{i}" for i in range(10)], name="patch_id"),
    )
    counts = pd.Series(0, index=pop.index)
    for seed in range(500):
        counts[spot_check(pop, per_township=2, seed=seed).index] += 1
    # each patch expected 500 * 2 / 10 = 100 times; binomial sd ~ 9
    assert counts.between(65, 135).all(), counts.to_dict()


@settings(max_examples=200, deadline=None)
@given(
    sizes=st.dictionaries(
        st.sampled_from(["合法", "违法", "其他", "未判定"]), st.integers(0, 30), min_size=1
    ),
    quota=st.integers(1, 40),
)
def test_allocation_invariants(sizes: dict[str, int], quota: int) -> None:
    alloc = allocate(sizes, quota)
    nonempty = {k: v for k, v in sizes.items() if v > 0}
    assert sum(alloc.values()) == min(quota, sum(nonempty.values()))
    assert all(0 <= alloc[k] <= nonempty[k] for k in alloc)
    assert set(alloc) == set(nonempty)
    if quota >= len(nonempty):
        assert all(alloc[k] >= 1 for k in nonempty)


def test_record_lists_how_it_was_drawn(tmp_path: Path) -> None:
    pop = population()
    drawn = run_spot_check(pop, per_township=4, seed=31)
    sample, how = drawn.sample, drawn.method
    assert sample.equals(spot_check(pop, per_township=4, seed=31))
    assert how.options.seed == 31 and how.options.per_township == 4
    assert how.n_population == len(pop) - 3
    assert sum(a["drawn"] for a in how.allocation) == len(sample)
    paths = write_review_record(run_review(pop), tmp_path, reviewer="王五", spot_check=drawn)
    wb = openpyxl.load_workbook(paths["xlsx"], read_only=True)
    method = dict(r[:2] for r in wb["抽查方法"].iter_rows(values_only=True))
    assert method["随机数种子"] == "31"
    listed = [r[0] for r in list(wb["抽查样本"].iter_rows(values_only=True))[1:]]
    assert listed == sample.index.tolist()
    page = paths["html"].read_text(encoding="utf-8")
    assert "PCG64" in page and "抽查" in page


def test_bad_arguments() -> None:
    with pytest.raises(InputError) as err:
        spot_check(population(), per_township=0, seed=-1)
    assert "per_township" in str(err.value) and "seed" in str(err.value)
    with pytest.raises(InputError):
        spot_check(population().drop(columns="township_code"), seed=1)


def test_rsgeo_spot_check_callable_after_submodule_import() -> None:
    import rsgeo
    import rsgeo.audit.sampling  # binds the submodule on the package

    pop = population()
    assert rsgeo.spot_check(pop, per_township=3, seed=4).equals(
        spot_check(pop, per_township=3, seed=4)
    )
