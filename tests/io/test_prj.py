"""Tests for rsgeo.io.prj: .prj files as ArcGIS and other software write them."""

from __future__ import annotations

import pyproj
import pytest

from rsgeo.errors import CRSError
from rsgeo.io.prj import check_coordinates, crs_from_prj, identify_cgcs2000

GCS = (
    'GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
    'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
)

# As ArcGIS writes it (ArcGIS 10.x "CGCS2000 3 Degree GK Zone 36.prj")
ARCGIS_ZONE_36 = (
    'PROJCS["CGCS2000_3_Degree_GK_Zone_36",' + GCS + ',PROJECTION["Gauss_Kruger"],'
    'PARAMETER["False_Easting",36500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",108.0],PARAMETER["Scale_Factor",1.0],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)
ARCGIS_CM_108 = (
    'PROJCS["CGCS2000_3_Degree_GK_CM_108E",' + GCS + ',PROJECTION["Gauss_Kruger"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",108.0],PARAMETER["Scale_Factor",1.0],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)


def gk_prj(name: str, cm: float, fe: float, projection: str = "Gauss_Kruger") -> str:
    gcs = GCS.replace("GCS_China_Geodetic_Coordinate_System_2000", "GCS_CGCS2000")
    return (
        f'PROJCS["{name}",{gcs},PROJECTION["{projection}"],'
        f'PARAMETER["False_Easting",{fe}],PARAMETER["False_Northing",0.0],'
        f'PARAMETER["Central_Meridian",{cm}],PARAMETER["Scale_Factor",1.0],'
        f'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
    )


def test_arcgis_zone_prefixed() -> None:
    crs, how = crs_from_prj(ARCGIS_ZONE_36)
    assert crs.to_epsg() == 4524  # DOMAIN.md: Rongshui, zone 36 prefixed
    assert "36500000" in how


def test_arcgis_central_meridian_style() -> None:
    crs, how = crs_from_prj(ARCGIS_CM_108)
    assert crs.to_epsg() == 4545
    assert "108" in how


def test_parameters_win_over_name() -> None:
    # named like zone 36 (prefixed) but with false easting 500 000: plain CM 108
    text = gk_prj("CGCS2000_3_Degree_GK_Zone_36", 108.0, 500000.0)
    assert crs_from_prj(text)[0].to_epsg() == 4545


@pytest.mark.parametrize("zone", range(25, 46))
@pytest.mark.parametrize("projection", ["Gauss_Kruger", "Transverse_Mercator"])
def test_every_3_degree_zone_by_parameters(zone: int, projection: str) -> None:
    cm = 3.0 * zone
    # DOMAIN.md: EPSG 4513-4533 prefixed zones 25-45, 4534-4554 plain
    plain = crs_from_prj(gk_prj("custom", cm, 500000.0, projection))[0]
    prefixed = crs_from_prj(gk_prj("custom", cm, zone * 1e6 + 500000.0, projection))[0]
    assert plain.to_epsg() == 4534 + (zone - 25)
    assert prefixed.to_epsg() == 4513 + (zone - 25)


def test_6_degree_zone() -> None:
    # 6-degree zone 18: central meridian 6*18-3 = 105, false easting 18 500 000
    prefixed = crs_from_prj(gk_prj("x", 105.0, 18_500_000.0))[0]
    assert prefixed.name == "CGCS2000 / Gauss-Kruger zone 18"
    # without the prefix the projection is the same as the 3-degree CM 105E
    # one (every 6-degree CM is a multiple of 3): the 3-degree code is used
    plain = crs_from_prj(gk_prj("x", 105.0, 500000.0))[0]
    assert plain.name == "CGCS2000 / 3-degree Gauss-Kruger CM 105E"
    assert plain.to_epsg() == 4509 + 35  # zone 35 = 105 / 3


def test_geographic() -> None:
    crs, _ = crs_from_prj(GCS)
    assert crs.to_epsg() == 4490
    custom = GCS.replace("GCS_China_Geodetic_Coordinate_System_2000", "GCS_CGCS_2000_custom")
    assert crs_from_prj(custom)[0].to_epsg() == 4490


def test_other_datums_are_not_taken_for_cgcs2000() -> None:
    xian80 = (
        gk_prj("Xian_1980_3_Degree_GK_CM_108E", 108.0, 500000.0)
        .replace(
            'SPHEROID["CGCS2000",6378137.0,298.257222101]',
            'SPHEROID["Xian_1980",6378140.0,298.257]',
        )
        .replace("GCS_CGCS2000", "GCS_Xian_1980")
        .replace('"D_China_2000"', '"D_Xian_1980"')
    )
    crs, _ = crs_from_prj(xian80)
    assert crs.to_epsg() != 4545
    assert crs.ellipsoid is not None and crs.ellipsoid.semi_major_metre == 6378140.0
    utm = pyproj.CRS.from_epsg(32649)
    assert identify_cgcs2000(utm) == (utm, None)


def test_scale_factor_not_one_is_not_gk() -> None:
    text = gk_prj("x", 108.0, 500000.0).replace(
        'PARAMETER["Scale_Factor",1.0]', 'PARAMETER["Scale_Factor",0.9996]'
    )
    assert crs_from_prj(text)[0].to_epsg() != 4545


def test_unreadable_and_empty_prj() -> None:
    with pytest.raises(CRSError, match="cannot be read") as info:
        crs_from_prj("PROJCS[garbage", where="roads.prj")
    assert "roads.prj" in str(info.value) and "crs=" in str(info.value)
    with pytest.raises(CRSError, match="empty"):
        crs_from_prj("  \n")


GK36 = pyproj.CRS.from_epsg(4524)
CM108 = pyproj.CRS.from_epsg(4545)
GEO = pyproj.CRS.from_epsg(4490)


def test_check_coordinates_accepts_consistent_data() -> None:
    check_coordinates(GEO, (108.6, 25.0, 109.4, 25.8), where="a")
    check_coordinates(CM108, (560000.0, 2.77e6, 650000.0, 2.85e6), where="a")
    check_coordinates(GK36, (36_560_000.0, 2.77e6, 36_650_000.0, 2.85e6), where="a")
    nan = float("nan")
    check_coordinates(GEO, (nan, nan, nan, nan), where="empty layer")


def test_degrees_declared_metres_found() -> None:
    with pytest.raises(CRSError) as info:
        check_coordinates(GEO, (36_560_000.0, 2.77e6, 36_650_000.0, 2.85e6), where="p.shp")
    msg = str(info.value)
    assert "p.shp" in msg and "EPSG:4490" in msg and "crs='EPSG:4524'" in msg


def test_prefixed_eastings_in_plain_crs() -> None:
    with pytest.raises(CRSError) as info:
        check_coordinates(CM108, (36_560_000.0, 2.77e6, 36_650_000.0, 2.85e6), where="p.shp")
    msg = str(info.value)
    assert "EPSG:4545" in msg and "zone number 36" in msg and "crs='EPSG:4524'" in msg


def test_plain_eastings_in_prefixed_crs() -> None:
    with pytest.raises(CRSError, match="6 digits") as info:
        check_coordinates(GK36, (560000.0, 2.77e6, 650000.0, 2.85e6), where="p.shp")
    assert "zone prefix 36" in str(info.value)


def test_wrong_zone_prefix() -> None:
    with pytest.raises(CRSError, match="zone 37"):
        check_coordinates(GK36, (37_400_000.0, 2.77e6, 37_450_000.0, 2.85e6), where="p.shp")


def test_degrees_in_projected_crs() -> None:
    with pytest.raises(CRSError, match="EPSG:4490"):
        check_coordinates(CM108, (108.6, 25.0, 109.4, 25.8), where="p.shp")


def test_swapped_lat_lon() -> None:
    with pytest.raises(CRSError, match="swapped"):
        check_coordinates(GEO, (25.0, 108.6, 25.8, 109.4), where="p.shp")


@pytest.mark.parametrize(
    ("epsg", "bounds", "words"),
    [
        (4545, (500_100.0, 10_000.0, 500_900.0, 10_800.0), "northings are outside China"),
        (4524, (36_500_100.0, 6_500_000.0, 36_500_900.0, 6_500_800.0), "northings are outside"),
        (4490, (109.0, 0.1, 109.1, 0.2), "latitudes are outside China"),
    ],
    ids=["latitude-0-gk", "north-of-china-prefixed", "latitude-0-degrees"],
)
def test_coordinates_outside_china_are_refused(epsg: int, bounds: tuple, words: str) -> None:
    """Before, data at latitude 0 were read without a word."""
    with pytest.raises(CRSError, match=words):
        check_coordinates(pyproj.CRS.from_epsg(epsg), bounds, where="x.shp")
    # the same eastings at a northing in China pass
    north = (bounds[0], 2_800_000.0, bounds[2], 2_800_800.0) if epsg != 4490 else (109, 25, 110, 26)
    check_coordinates(pyproj.CRS.from_epsg(epsg), north, where="x.shp")


def test_a_local_grid_named_like_a_standard_zone_is_called_a_local_grid() -> None:
    """Before, a .prj named CGCS2000_3_Degree_GK_CM_114E with its own false
    easting (400 km) was labelled with that name, as if it were the zone."""
    from rsgeo.geo.crs import crs_label

    wkt = (
        'PROJCS["CGCS2000_3_Degree_GK_CM_114E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
        'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],'
        'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],'
        'PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",400000.0],'
        'PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",114.0],'
        'PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
    )
    crs, how = identify_cgcs2000(pyproj.CRS(wkt))
    assert how is None  # not EPSG:4547, whatever the name says
    label = crs_label(crs)
    assert label.startswith("local grid 'CGCS2000") and "CM 114" in label
    assert "false easting 400000 m" in label and "not a standard zone" in label
