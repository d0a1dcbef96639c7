"""Units, rounding with largest-remainder adjustment, and CGCS2000 CRS helpers."""

from __future__ import annotations

import warnings
from decimal import ROUND_HALF_UP, Decimal

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from rsgeo.errors import CRSError, CRSMismatchError
from rsgeo.geo.crs import ZoneSpanWarning, check_same_crs, choose_gk_crs, gk_crs, gk_zone
from rsgeo.geo.units import M2_PER_MU, m2_to_ha, m2_to_mu, mu_to_m2, round_preserving_total


def test_mu_definition() -> None:
    # 1 亩 = 10000/15 m² exactly; 1 公顷 = 15 亩
    assert M2_PER_MU * 15 == pytest.approx(10000.0, abs=1e-9)
    assert m2_to_mu(66666.66666666667) == pytest.approx(100.0, abs=1e-9)
    assert mu_to_m2(100.0) == pytest.approx(66666.666666667, abs=1e-6)
    assert m2_to_ha(10000.0) == 1.0
    np.testing.assert_allclose(m2_to_mu(np.array([1000.0, 2000.0])), [1.5, 3.0])


def _half_up(x: float, decimals: int) -> float:
    q = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=40),
    st.integers(0, 4),
)
def test_rounded_rows_add_up_to_rounded_total(values: list[float], decimals: int) -> None:
    rounded = round_preserving_total(values, decimals=decimals)
    total = _half_up(sum(values), decimals)
    # compare in whole units of the last decimal, free of float noise
    scale = 10.0**decimals
    assert round(float(np.sum(rounded)) * scale) == round(total * scale)
    # every row moves by less than one unit of the last decimal
    unit = 10.0**-decimals
    assert np.all(np.abs(rounded - np.asarray(values)) < unit + 1e-9)


def test_largest_remainders_get_the_missing_units() -> None:
    # 3 × 33.333… = 100: floors give 99, the largest remainder (third) gets +1
    out = round_preserving_total([33.333, 33.333, 33.334], decimals=0)
    assert out.tolist() == [33.0, 33.0, 34.0]
    assert np.isnan(round_preserving_total([np.nan, 1.0], decimals=1)[0])


def test_gk_zones() -> None:
    # DOMAIN.md: Rongshui (108.58–109.47 °E) is zone 36, CM 108 °E: EPSG:4524 / 4545
    assert gk_zone(108.58) == 36
    assert gk_zone(109.47) == 36
    assert gk_crs(108.9).to_epsg() == 4545
    assert gk_crs(108.9, prefixed=True).to_epsg() == 4524
    assert gk_crs(75.0).to_epsg() == 4534  # zone 25, the first
    assert gk_crs(135.0, prefixed=True).to_epsg() == 4533  # zone 45, the last
    cm = gk_crs(114.0).to_json_dict()["conversion"]["parameters"][1]
    assert cm["name"] == "Longitude of natural origin" and cm["value"] == 114
    with pytest.raises(CRSError):
        gk_crs(10.0)


def test_choose_gk_crs_warns_across_zones() -> None:
    inside = gpd.GeoSeries([box(108.6, 25.0, 109.4, 25.8)], crs=4490)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert choose_gk_crs(inside).to_epsg() == 4545
    across = gpd.GeoSeries([box(108.0, 25.0, 110.0, 25.8)], crs=4490)
    with pytest.warns(ZoneSpanWarning, match="36, 37"):
        choose_gk_crs(across)
    projected = inside.to_crs(4524)
    assert choose_gk_crs(projected, prefixed=True).to_epsg() == 4524


def test_check_same_crs_lists_every_mismatch() -> None:
    a = gpd.GeoSeries([box(0, 0, 1, 1)], crs=4545)
    b = gpd.GeoSeries([box(0, 0, 1, 1)], crs=4524)
    c = gpd.GeoSeries([box(0, 0, 1, 1)])
    with pytest.raises(CRSMismatchError) as err:
        check_same_crs({"patches": a, "pbf": b, "redline": c})
    text = str(err.value)
    assert "EPSG:4524" in text and "EPSG:4545" in text and "pbf.to_crs(patches.crs)" in text
    assert "'redline' has no CRS" in text


def test_an_arcgis_prj_and_its_epsg_code_are_one_crs() -> None:
    """Before: "'farmland' is in EPSG:2379 ... but 'patches' is in EPSG:2379"."""
    import geopandas as gpd
    import pyproj
    from shapely.geometry import box

    from rsgeo.geo.crs import check_same_crs, same_crs

    esri = (
        'PROJCS["Xian_1980_3_Degree_GK_CM_102E",GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",'
        'SPHEROID["Xian_1980",6378140.0,298.257]],PRIMEM["Greenwich",0.0],'
        'UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],'
        'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
        'PARAMETER["Central_Meridian",102.0],PARAMETER["Scale_Factor",1.0],'
        'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
    )
    arcgis = pyproj.CRS.from_wkt(esri)
    assert not arcgis.equals(pyproj.CRS(2379), ignore_axis_order=True)  # names differ
    assert same_crs(arcgis, 2379)
    a = gpd.GeoSeries([box(500_000, 2_800_000, 500_100, 2_800_100)], crs=arcgis)
    b = gpd.GeoSeries([box(500_000, 2_800_000, 500_100, 2_800_100)], crs=2379)
    assert check_same_crs({"patches": a, "farmland": b}).to_epsg() == 2379
    # one parameter apart is another CRS: CM 105E, and the CGCS2000 ellipsoid
    assert not same_crs(arcgis, 2380) and not same_crs(2379, 4543)


def test_xian_1980_data_are_noted_and_never_moved_or_measured_silently(tmp_path) -> None:
    """Before: read without a word, reprojected with PROJ's ballpark (no datum
    shift), and measured on the Xian ellipsoid."""
    import warnings

    import geopandas as gpd
    import pytest
    from shapely.geometry import box

    import rsgeo
    from rsgeo.errors import CRSError
    from rsgeo.geo.crs import check_transformation

    xian = gpd.GeoDataFrame(
        {"JCBH": ["450225202030001"]},
        geometry=[box(500_000, 2_800_000, 500_100, 2_800_100)],
        crs=2379,
    )
    xian.to_file(tmp_path / "xian.gpkg", driver="GPKG")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        patches = rsgeo.read_patches(tmp_path / "xian.gpkg")
    assert any("Xian 1980" in str(w.message) and "not CGCS2000" in str(w.message) for w in seen)
    with pytest.raises(CRSError, match="ballpark") as err:
        check_transformation(patches.crs, 4543, where="xian.gpkg")
    assert "EPSG:2379" in str(err.value) and "7-parameter" in str(err.value)
    with pytest.raises(CRSError, match="ellipsoid"):
        rsgeo.ellipsoidal_area(patches)
    with pytest.raises(CRSError, match="ballpark"):
        rsgeo.overlay(patches, {}, to_crs=4543)
    # WGS 84 agrees with CGCS2000 to centimetres: it passes
    check_transformation(4326, 4545, where="gps.geojson")
