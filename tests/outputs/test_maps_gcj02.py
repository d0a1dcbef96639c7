"""WGS84 → GCJ-02 conversion: published pairs, round trip, the JS twin."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from rsgeo.outputs.maps.gcj02 import gcj02_to_wgs84, geometry_to_gcj02, out_of_china, wgs84_to_gcj02

# (wgs lat, wgs lon, gcj lat, gcj lon): the test pairs published with the
# eviltransform reference implementations (github.com/googollee/eviltransform).
PUBLISHED = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), PUBLISHED)
def test_forward_matches_published_pairs(wlat, wlon, glat, glon):
    lon, lat = wgs84_to_gcj02(wlon, wlat)
    assert float(lon) == pytest.approx(glon, abs=1e-9)
    assert float(lat) == pytest.approx(glat, abs=1e-9)


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), PUBLISHED)
def test_inverse_recovers_published_wgs84(wlat, wlon, glat, glon):
    lon, lat = gcj02_to_wgs84(glon, glat)
    assert float(lon) == pytest.approx(wlon, abs=1e-9)
    assert float(lat) == pytest.approx(wlat, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(st.floats(73.0, 135.0), st.floats(18.0, 53.0))
def test_round_trip_inside_china(lon, lat):
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    back_lon, back_lat = gcj02_to_wgs84(g_lon, g_lat)
    assert abs(float(back_lon) - lon) < 1e-8
    assert abs(float(back_lat) - lat) < 1e-8


def test_shift_near_rongshui_is_hundreds_of_metres():
    # the reason the conversion matters: ~100-700 m across China
    lon, lat = 109.2, 25.1
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    _, _, dist = Geod(ellps="GRS80").inv(lon, lat, float(g_lon), float(g_lat))
    assert 100 < dist < 800


def test_outside_china_unchanged():
    lon, lat = wgs84_to_gcj02([2.35, 139.7], [48.85, 35.7])
    assert lon.tolist() == [2.35, 139.7]
    assert lat.tolist() == [48.85, 35.7]
    assert out_of_china([2.35, 109.0], [48.85, 25.0]).tolist() == [True, False]


def test_vectorised_equals_scalar():
    lons = np.array([108.6, 109.0, 109.4])
    lats = np.array([24.9, 25.2, 25.5])
    v_lon, v_lat = wgs84_to_gcj02(lons, lats)
    for i in range(3):
        s_lon, s_lat = wgs84_to_gcj02(float(lons[i]), float(lats[i]))
        assert v_lon[i] == float(s_lon)
        assert v_lat[i] == float(s_lat)


def test_geometry_conversion_moves_every_vertex():
    poly = shapely.Polygon([(109.0, 25.0), (109.01, 25.0), (109.01, 25.01), (109.0, 25.0)])
    out = geometry_to_gcj02(poly)
    got = shapely.get_coordinates(out)
    src = shapely.get_coordinates(poly)
    exp_lon, exp_lat = wgs84_to_gcj02(src[:, 0], src[:, 1])
    np.testing.assert_allclose(got[:, 0], exp_lon, atol=1e-12)
    np.testing.assert_allclose(got[:, 1], exp_lat, atol=1e-12)
