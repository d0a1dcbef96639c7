"""The option objects: frozen, validated at once, the same from keywords and mappings."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

import rsgeo
from rsgeo.errors import InputError
from rsgeo.options import (
    ClassificationRules,
    CriteriaThresholds,
    DeterminationOptions,
    ListOptions,
    ReviewOptions,
    SpotCheckOptions,
    StatsOptions,
)

KINDS = [
    ClassificationRules,
    StatsOptions,
    CriteriaThresholds,
    ListOptions,
    ReviewOptions,
    SpotCheckOptions,
    DeterminationOptions,
]


@pytest.mark.parametrize("kind", KINDS)
def test_frozen_and_round_trips_through_a_mapping(kind: type) -> None:
    obj = kind()
    with pytest.raises(dataclasses.FrozenInstanceError):
        obj.__setattr__(dataclasses.fields(obj)[0].name, None)
    again = kind.from_mapping(obj.as_dict())
    assert again == obj
    assert kind.coerce(None) == obj and kind.coerce(obj) is obj


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_keys_are_listed_with_the_known_ones(kind: type) -> None:
    with pytest.raises(InputError, match="unknown key 'colour'; known keys: ") as err:
        kind.from_mapping({"colour": 1, "size": 2})
    assert "'size'" in str(err.value)


def test_every_problem_at_once() -> None:
    with pytest.raises(InputError) as err:
        StatsOptions.from_mapping(
            {"cutoff": "2020-13-45", "rate_basis": "mean", "farmland_basis": "wet"}
        )
    text = str(err.value)
    assert text.startswith("3 problem(s) in the statistics options:")
    for part in ("cutoff: cannot read", "rate_basis='mean'", "farmland_basis='wet'"):
        assert part in text


def test_keyword_overrides_are_validated_like_the_object() -> None:
    opts = StatsOptions(cutoff="2021/06/30")
    assert opts.cutoff == dt.date(2021, 6, 30)
    assert opts.replace(rate_basis="area").rate_basis == "area"
    with pytest.raises(InputError, match="choose one of"):
        opts.replace(rate_basis="mean")
    with pytest.raises(InputError, match="must be a fraction"):
        CriteriaThresholds(ratio_min=15)


def test_the_facade_names_the_same_objects() -> None:
    assert rsgeo.StatsOptions is StatsOptions
    assert rsgeo.ClassificationRules is ClassificationRules
    assert rsgeo.CriteriaThresholds is CriteriaThresholds
