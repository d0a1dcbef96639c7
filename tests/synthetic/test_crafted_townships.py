"""rsgeo's own figures for the sample's three crafted townships, against the manifest.

``data/manifest.json`` (``criterion_1.townships``) holds the figures the
generator built into 和睦镇 (criterion 1 met), 永乐镇 (ratio just under 15 %)
and 四荣乡 (illegal farmland just under 100 亩 after the cutoff-day
deductions); ``tests/synthetic/test_sample.py`` recomputes them with plain
geopandas. Here the library road of the README — read the four batches,
overlay, classify, apply the determinations, the township statistics, every
option at its default — must give the same figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import rsgeo
from rsgeo.schema.labels import DENOMINATOR_SOURCE_LABELS
from rsgeo.stats.township import township_rows

DATA = Path(__file__).resolve().parents[2] / "data"
MU = 10000.0 / 15.0
QUARTERS = ("2020Q1", "2020Q2", "2020Q3", "2020Q4")
CRITERION_1 = {"trips": True, "under_ratio": False, "under_area": False}


@pytest.fixture(scope="module")
def crafted() -> dict:
    manifest = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))
    return manifest["criterion_1"]["townships"]


@pytest.fixture(scope="module")
def stats() -> pd.DataFrame:
    s = rsgeo.load_sample(quarters=list(QUARTERS))
    working = rsgeo.choose_gk_crs(s.patches[QUARTERS[0]])
    patches = rsgeo.combine_batches({q: s.patches[q].to_crs(working) for q in QUARTERS})
    layers = {k: v.to_crs(working) for k, v in s.layers.items()}
    townships = s.townships.to_crs(working)
    pieces = rsgeo.overlay_pieces(patches, layers, townships=townships)
    result = rsgeo.classify(rsgeo.patches_from_pieces(pieces, patches))
    determinations = pd.concat([s.determinations[q] for q in QUARTERS])
    determinations = determinations[~determinations.index.duplicated(keep="last")]
    result = rsgeo.apply_determinations(result, determinations)
    return rsgeo.township_stats(result, pieces, townships=townships, cutoff="2020-12-21")


@pytest.mark.slow
def test_the_three_crafted_townships(crafted: dict, stats: pd.DataFrame) -> None:
    assert set(crafted) == {"450225101", "450225106", "450225202"}
    for code, want in crafted.items():
        row = stats.loc[code]
        assert row["township_name"] == want["name"]
        # the manifest rounds areas to 4 decimals of 亩; rsgeo's areas agree within 0.5 m²
        assert row["construction_farmland_m2"] / MU == pytest.approx(
            want["construction_farmland_net_mu"], abs=5e-4
        )
        assert row["denominator_m2"] == row["construction_farmland_m2"]
        assert row["denominator_source"] == DENOMINATOR_SOURCE_LABELS["patches"]
        assert row["illegal_farmland_m2"] / MU == pytest.approx(
            want["illegal_farmland_net_mu_before_deductions"], abs=5e-4
        )
        assert row["illegal_farmland_after_deductions_m2"] / MU == pytest.approx(
            want["illegal_farmland_net_mu"], abs=5e-4
        )
        assert row["deducted_farmland_m2"] / MU == pytest.approx(
            want["illegal_farmland_net_mu_before_deductions"] - want["illegal_farmland_net_mu"],
            abs=5e-4,
        )
        assert row["illegal_farmland_ratio"] == pytest.approx(want["ratio"], abs=1e-6)
        assert bool(row["criterion_1"]) is CRITERION_1[want["case"]], row["criterion_1_reason"]


@pytest.mark.slow
def test_only_the_crafted_township_meets_criterion_1(stats: pd.DataFrame) -> None:
    towns = township_rows(stats)
    assert towns.index[towns["criterion_1"].astype(bool)].tolist() == ["450225101"]
