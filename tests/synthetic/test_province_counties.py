"""A synthetic province holds several counties, each a group of townships."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from rsgeo.synthetic.province import (
    TOWNSHIPS,
    make_counties,
    make_province,
    make_townships,
)

BOUNDS = (560_000.0, 2_740_000.0, 590_000.0, 2_760_000.0)


def test_counties_tile_the_extent_with_their_townships() -> None:
    towns = make_counties(bounds=BOUNDS, n_counties=5, townships_per_county=6, seed=2)
    assert len(towns) == 30
    # the county code is the first 6 digits of the township code (XZQDM)
    assert (towns["township_code"].str[:6] == towns["county_code"]).all()
    assert towns["township_code"].str.fullmatch(r"\d{9}").all()
    assert towns["township_code"].is_unique
    assert towns.groupby("county_code").size().tolist() == [6] * 5
    # the townships tile the box: no gap (their union is the box), no overlap (areas add up)
    box_area = (BOUNDS[2] - BOUNDS[0]) * (BOUNDS[3] - BOUNDS[1])
    union = shapely.union_all(towns.geometry.to_numpy())
    assert union.area == pytest.approx(box_area, rel=1e-9)
    assert float(towns.area.sum()) == pytest.approx(box_area, rel=1e-9)
    # each county is one piece of land: its townships' union is a single polygon
    for _, group in towns.groupby("county_code"):
        assert shapely.union_all(group.geometry.to_numpy()).geom_type == "Polygon"
    # the first county is Rongshui, with its real township codes
    first = towns.loc[towns["county_code"] == "450225"]
    assert list(first["township_code"]) == [c for c, _ in TOWNSHIPS[:6]]


def test_the_county_count_follows_the_size_and_one_county_stays_reachable() -> None:
    small = make_province(30, 300, n_redline=2, redline_vertices=60, seed=1)
    assert small["townships"]["township_code"].str[:6].nunique() == 4
    many = make_province(30, 300, n_redline=2, redline_vertices=60, n_counties=7, seed=1)
    assert many["townships"]["county_code"].nunique() == 7
    one = make_province(30, 300, n_redline=2, redline_vertices=60, n_counties=1, seed=1)
    bounds = one["farmland"].total_bounds
    alone = make_townships(bounds=bounds, seed=4)
    assert list(one["townships"]["township_code"]) == list(alone["township_code"])
    assert np.all(shapely.equals(one["townships"].geometry.values, alone.geometry.values))
    # the patches do not depend on the county layout
    assert many["patches"].geometry.geom_equals_exact(small["patches"].geometry, 0).all()
