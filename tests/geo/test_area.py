"""Ellipsoidal area against independent references: the geodesic method.

The survey method (the default) has its own tests in ``test_survey_area.py``;
the references here are geodesic polygons by construction, so these tests
name ``method="geodesic"``.

Reference values marked "PostGIS" were computed with PostGIS 3.3.2
(GEOS 3.11.1, PROJ 9.1.1) as ``ST_Area(ST_GeogFromText('SRID=4490;<wkt>'))``,
i.e. the geodesic polygon area on the CGCS2000 spheroid (GeographicLib).
"""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import wkt
from shapely.geometry import MultiPolygon, Point, Polygon, box

from rsgeo.errors import CRSError
from rsgeo.geo.area import ellipsoidal_area, planar_area

# (wkt in EPSG:4490, ST_Area(geography) from PostGIS 3.3.2 in m²)
POSTGIS_REFERENCES = {
    "patch_small": (
        "POLYGON((109.2001 25.2201,109.2009 25.22025,109.20115 25.2208,"
        "109.2004 25.2211,109.1999 25.2206,109.2001 25.2201))",
        8888.394376792014,  # PostGIS
    ),
    "patch_ha": (
        "POLYGON((108.75 24.9,108.7531 24.9002,108.7535 24.9024,108.751 24.9031,"
        "108.7496 24.9015,108.75 24.9))",
        100329.87320022285,  # PostGIS
    ),
    "patch_hole": (
        "POLYGON((109 25.5,109.004 25.5,109.004 25.503,109 25.503,109 25.5),"
        "(109.001 25.501,109.001 25.502,109.0025 25.502,109.0025 25.501,109.001 25.501))",
        116943.45364582539,  # PostGIS
    ),
    "multi": (
        "MULTIPOLYGON(((108.9 25.1,108.902 25.1,108.902 25.1015,108.9 25.1)),"
        "((108.91 25.11,108.913 25.11,108.913 25.112,108.91 25.112,108.91 25.11)))",
        83796.2189360857,  # PostGIS
    ),
}

GEOD = pyproj.Geod(a=6378137.0, f=1 / 298.257222101)  # GeographicLib, CGCS2000


@pytest.mark.parametrize("name", sorted(POSTGIS_REFERENCES))
def test_matches_postgis_geography(name: str) -> None:
    text, expected_m2 = POSTGIS_REFERENCES[name]
    got = ellipsoidal_area([wkt.loads(text)], crs=4490, method="geodesic")[0]
    assert got == pytest.approx(expected_m2, rel=1e-7)


@pytest.mark.parametrize("name", sorted(POSTGIS_REFERENCES))
def test_same_area_from_gauss_kruger(name: str) -> None:
    """The same polygon given in EPSG:4545 or the zone-prefixed EPSG:4524."""
    text, expected_m2 = POSTGIS_REFERENCES[name]
    geom = wkt.loads(text)
    for epsg in (4545, 4524):
        t = pyproj.Transformer.from_crs(4490, epsg, always_xy=True)
        projected = shapely.transform(geom, lambda xy, t=t: np.column_stack(t.transform(*xy.T)))
        got = ellipsoidal_area([projected], crs=epsg, method="geodesic")[0]
        assert got == pytest.approx(expected_m2, rel=1e-7), epsg


def _blob(lon: float, lat: float, radius_deg: float, stretch: float) -> Polygon:
    p = Point(lon, lat).buffer(radius_deg, quad_segs=5)
    return shapely.affinity.scale(p, 1.0, stretch)


@settings(max_examples=60, deadline=None)
@given(
    lon=st.floats(108.5, 109.5),
    lat=st.floats(24.7, 25.9),
    radius=st.floats(3e-4, 2e-2),  # about 0.03 ha to 400 ha
    stretch=st.floats(0.3, 2.0),
)
def test_matches_geographiclib_for_patch_sized_polygons(
    lon: float, lat: float, radius: float, stretch: float
) -> None:
    poly = _blob(lon, lat, radius, stretch)
    expected = abs(GEOD.geometry_area_perimeter(poly)[0])
    got = ellipsoidal_area([poly], crs=4490, method="geodesic")[0]
    # GeographicLib's polygon area has an absolute floor of ~1e-4 m² (seen at 1,131 m²)
    assert got == pytest.approx(expected, rel=1e-7, abs=3e-4)
    # a second reference without that floor: the plane area in a Lambert azimuthal
    # equal-area projection centred on the polygon
    laea = pyproj.CRS.from_proj4(
        f"+proj=laea +lat_0={lat} +lon_0={lon} +a=6378137 +rf=298.257222101 +units=m"
    )
    t = pyproj.Transformer.from_crs(4490, laea, always_xy=True)
    centred = shapely.transform(poly, lambda xy: np.column_stack(t.transform(*xy.T))).area
    assert got == pytest.approx(centred, rel=1e-7)


def test_orientation_holes_and_multipart() -> None:
    outer = box(109.0, 25.0, 109.01, 25.01)
    hole = box(109.002, 25.002, 109.004, 25.004)
    with_hole = outer.difference(hole)
    reversed_rings = Polygon(
        list(with_hole.exterior.coords)[::-1], [list(r.coords)[::-1] for r in with_hole.interiors]
    )
    a_outer, a_hole, a_with, a_rev = ellipsoidal_area(
        [outer, hole, with_hole, reversed_rings], crs=4490
    )
    assert a_with == pytest.approx(a_outer - a_hole, rel=1e-12)
    assert a_rev == pytest.approx(a_with, rel=1e-12)
    far = box(109.1, 25.1, 109.11, 25.11)
    multi = MultiPolygon([with_hole, far])
    a_multi, a_far = ellipsoidal_area([multi, far], crs=4490)
    assert a_multi == pytest.approx(a_with + a_far, rel=1e-12)


def test_missing_empty_and_non_polygonal() -> None:
    line = shapely.LineString([(109, 25), (109.1, 25.1)])
    coll = shapely.GeometryCollection([box(109, 25, 109.01, 25.01), line])
    out = ellipsoidal_area(
        np.array([None, Polygon(), line, coll, box(109, 25, 109.01, 25.01)], dtype=object),
        crs=4490,
    )
    assert np.isnan(out[0])
    assert out[1] == 0.0
    assert out[2] == 0.0
    assert out[3] == pytest.approx(out[4], rel=1e-12)


def test_county_outline_matches_documented_area(repo_root) -> None:
    """The outline's source notes give ≈ 4,656.03 km² ellipsoidal, 4,657.36 km² planar."""
    import geopandas as gpd

    path = repo_root / "data" / "boundaries" / "rongshui_county.geojson"
    if not path.exists():
        pytest.skip("sample data not generated")
    county = gpd.read_file(path)
    geo = county.set_crs(4490, allow_override=True)
    area_km2 = ellipsoidal_area(geo, method="geodesic")[0] / 1e6
    assert area_km2 == pytest.approx(4656.03, abs=0.01)
    assert abs(GEOD.geometry_area_perimeter(geo.geometry.iloc[0])[0]) / 1e6 == pytest.approx(
        area_km2, rel=1e-8
    )
    # plane area in the GK zone is larger by ~0.03 %; official area is not the planar one
    planar_km2 = planar_area(geo.to_crs(4545))[0] / 1e6
    assert planar_km2 == pytest.approx(4657.36, abs=0.01)


def test_many_polygons_threaded_equals_single_thread() -> None:
    rng = np.random.default_rng(7)
    centres = rng.uniform([400000, 2.7e6], [600000, 2.9e6], size=(450_000, 2))
    geoms = shapely.buffer(shapely.points(centres), 30.0, quad_segs=2)
    many = ellipsoidal_area(geoms, crs=4545, n_jobs=2)
    single = ellipsoidal_area(geoms[:1000], crs=4545, n_jobs=1)
    np.testing.assert_allclose(many[:1000], single, rtol=1e-15)
    assert np.isfinite(many).all()


def test_crs_is_required_and_checked() -> None:
    import geopandas as gpd

    with pytest.raises(CRSError, match="needs to know the CRS"):
        ellipsoidal_area([box(0, 0, 1, 1)])
    gs = gpd.GeoSeries([box(500000, 2.8e6, 500100, 2.8e6 + 100)], crs=4545)
    with pytest.raises(CRSError, match="was given but"):
        ellipsoidal_area(gs, crs=4490)
    with pytest.raises(CRSError, match="ellipsoid"):
        ellipsoidal_area([box(0, 0, 1, 1)], crs="+proj=longlat +ellps=intl +no_defs")
    with pytest.raises(ValueError):  # CRSError is a ValueError too
        ellipsoidal_area([box(0, 0, 1, 1)])


@settings(max_examples=40, deadline=None)
@given(
    lon=st.floats(106.6, 109.4),  # across the whole zone 36, to its edges
    lat=st.floats(22.0, 26.0),
    radius_m=st.floats(10.0, 3000.0),  # below and above the plane-moment limit
    stretch=st.floats(0.2, 1.0),
    angle=st.floats(0.0, 180.0),
)
def test_gauss_kruger_input_matches_geographiclib(
    lon: float, lat: float, radius_m: float, stretch: float, angle: float
) -> None:
    """Projected input takes the plane-moment path (small) or the vertex path (large)."""
    t = pyproj.Transformer.from_crs(4490, 4545, always_xy=True)
    x, y = t.transform(lon, lat)
    blob = shapely.affinity.rotate(
        shapely.affinity.scale(Point(x, y).buffer(radius_m, quad_segs=6), 1.0, stretch), angle
    )
    back = pyproj.Transformer.from_crs(4545, 4490, always_xy=True)
    lonlat = shapely.transform(blob, lambda xy: np.column_stack(back.transform(*xy.T)))
    expected = abs(GEOD.geometry_area_perimeter(lonlat)[0])
    got = ellipsoidal_area([blob], crs=4545, method="geodesic")[0]
    # GeographicLib's absolute floor (~1e-4 m²) dominates below ~1,000 m²
    assert got == pytest.approx(expected, rel=1e-7, abs=3e-4)


def test_plane_area_is_not_the_official_area() -> None:
    """150 km east of the central meridian the plane area is ~0.055 % too large."""
    square = box(650000, 2800000, 650100, 2800100)  # EPSG:4545, 100 m × 100 m plane
    official = ellipsoidal_area([square], crs=4545)[0]
    assert official < 10000.0
    # Gauss-Krüger areal scale ≈ 1 + (E / R)², E = 150 km, R ≈ 6.37e6 m
    assert 10000.0 / official - 1 == pytest.approx((150e3 / 6.372e6) ** 2, rel=0.02)


def test_plane_moment_method_agrees_with_vertex_method() -> None:
    """Both methods on 2,000 irregular patches across the zone (up to 160 km from the CM)."""
    rng = np.random.default_rng(11)
    n = 2000
    centres = rng.uniform([340000, 2.65e6], [660000, 2.95e6], size=(n, 2))
    radii = rng.uniform(10.0, 900.0, n)
    blobs = shapely.buffer(shapely.points(centres), radii, quad_segs=4)
    blobs = np.array(
        [
            shapely.affinity.scale(b, 1.0, s)
            for b, s in zip(blobs, rng.uniform(0.3, 1.0, n), strict=True)
        ]
    )
    auto = ellipsoidal_area(blobs, crs=4545, method="geodesic")
    vertex = ellipsoidal_area(blobs, crs=4545, method="vertex")
    np.testing.assert_allclose(auto, vertex, rtol=3e-8)
    with pytest.raises(ValueError, match="choose one of"):
        ellipsoidal_area(blobs[:1], crs=4545, method="planar")  # type: ignore[arg-type]


def test_plane_moment_method_follows_geodesic_edges() -> None:
    """Long straight Gauss-Krüger edges: the bulge term brings the area onto the
    geodesic polygon of GeographicLib (without it the error is ~1e-7)."""
    rng = np.random.default_rng(5)
    polys, refs = [], []
    back = pyproj.Transformer.from_crs(4545, 4490, always_xy=True)
    for _ in range(60):
        cx, cy = rng.uniform(360000, 640000), rng.uniform(2.70e6, 2.90e6)
        ang = np.sort(rng.uniform(0, 2 * np.pi, 7))  # few vertices: edges of 100-400 m
        r = rng.uniform(150, 300, 7)
        ring = np.column_stack([cx + r * np.cos(ang), cy + r * np.sin(ang)])
        poly = Polygon(ring)
        lonlat = shapely.transform(poly, lambda xy: np.column_stack(back.transform(*xy.T)))
        polys.append(poly)
        refs.append(abs(GEOD.geometry_area_perimeter(lonlat)[0]))
    got = ellipsoidal_area(np.array(polys), crs=4545, method="geodesic")
    np.testing.assert_allclose(got, refs, rtol=8e-9)


def test_projected_path_with_holes_multiparts_and_empties() -> None:
    outer = box(500000, 2800000, 500300, 2800200)
    holed = outer.difference(box(500050, 2800050, 500100, 2800100))
    multi = MultiPolygon([holed, box(500400, 2800000, 500450, 2800080)])
    geoms = np.array([Polygon(), multi, None, holed, Polygon(), outer], dtype=object)
    auto = ellipsoidal_area(geoms, crs=4545, method="geodesic")
    vertex = ellipsoidal_area(geoms, crs=4545, method="vertex")
    assert auto[0] == 0.0 and auto[4] == 0.0 and np.isnan(auto[2])
    np.testing.assert_allclose(auto[[1, 3, 5]], vertex[[1, 3, 5]], rtol=1e-9)
    # holes subtract: outer − hole, by hand on the same scale (plane 60000 − 2500)
    assert auto[3] / auto[5] == pytest.approx(57500 / 60000, rel=1e-9)


def test_areal_scale_gradient_against_finite_differences() -> None:
    from rsgeo.geo.area import areal_scale_gradient

    rng = np.random.default_rng(3)
    x = rng.uniform(350000, 650000, 200)
    y = rng.uniform(2.65e6, 2.95e6, 200)
    got = areal_scale_gradient(x, y, 4545)
    # independent: central differences of PROJ's areal scale over ±50 m
    proj = pyproj.Proj(pyproj.CRS.from_epsg(4545))
    back = pyproj.Transformer.from_crs(4545, 4490, always_xy=True)

    def ln_m(px: np.ndarray, py: np.ndarray) -> np.ndarray:
        lon, lat = back.transform(px, py)
        return np.log(np.asarray(proj.get_factors(lon, lat).areal_scale))

    fd_x = (ln_m(x + 50, y) - ln_m(x - 50, y)) / 100
    fd_y = (ln_m(x, y + 50) - ln_m(x, y - 50)) / 100
    np.testing.assert_allclose(got[:, 0], fd_x, rtol=2e-3, atol=1e-13)
    assert np.abs(got[:, 1] - fd_y).max() < 1e-12
    # an equal-area projection has no gradient (finite-difference path)
    albers = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +ellps=GRS80 +units=m"
    flat = areal_scale_gradient(x - 500000, y - 2.8e6, albers)
    assert np.abs(flat).max() < 1e-11


@pytest.mark.parametrize("epsg", [4214, 4610, 2383, 2433])  # Beijing 1954, Xi'an 1980, GK zones
def test_other_ellipsoids_are_refused(epsg: int) -> None:
    """Krassovsky (a = 6378245 m) and IAG-75 (a = 6378140 m) are not CGCS2000."""
    crs = pyproj.CRS.from_epsg(epsg)
    centre = (108.5, 25.0) if crs.is_geographic else (500000.0, 2800000.0)
    square = box(centre[0], centre[1], centre[0] + 0.001, centre[1] + 0.001)
    with pytest.raises(CRSError, match="CGCS2000"):
        ellipsoidal_area([square], crs=epsg)


def test_wgs84_and_utm_are_taken_as_cgcs2000() -> None:
    """WGS 84 shares CGCS2000's semi-major axis (its flattening differs by 1.5e-6 in
    1/f): lon/lat and UTM input give the figure of the same polygon on CGCS2000."""
    square = box(108.5, 25.0, 108.51, 25.01)
    want = float(ellipsoidal_area([square], crs=4490)[0])
    assert float(ellipsoidal_area([square], crs=4326)[0]) == pytest.approx(want, rel=1e-9)
    utm = pyproj.Transformer.from_crs(4326, 32649, always_xy=True)
    in_utm = shapely.transform(square, lambda xy: np.column_stack(utm.transform(*xy.T)))
    got = float(ellipsoidal_area([in_utm], crs=32649, method="geodesic")[0])
    assert got == pytest.approx(
        float(ellipsoidal_area([square], crs=4490, method="geodesic")[0]), rel=1e-8
    )


def test_geometry_collections_count_their_nested_polygons() -> None:
    """A GeometryCollection holding a MultiPolygon and a line: the two squares count."""
    a, b = box(109, 25, 109.01, 25.01), box(109.02, 25, 109.03, 25.01)
    coll = shapely.GeometryCollection([MultiPolygon([a, b]), shapely.LineString([(0, 0), (1, 1)])])
    lines = shapely.MultiLineString([[(109, 25), (109.1, 25.1)], [(109, 25.1), (109.1, 25)]])
    got = ellipsoidal_area(np.array([coll, a, b, lines, Point(109, 25)], dtype=object), crs=4490)
    assert got[0] == pytest.approx(got[1] + got[2], rel=1e-12)
    assert got[3] == 0.0 and got[4] == 0.0


def test_polygonal_input_is_used_as_it_is() -> None:
    """Polygons, multipolygons and missing values pass through untouched (the same
    objects); every other type becomes polygonal: its polygon parts, else empty."""
    from rsgeo.geo.area import _polygonal_only

    poly, multi = box(0, 0, 1, 1), MultiPolygon([box(0, 0, 1, 1), box(2, 2, 3, 3)])
    kept = _polygonal_only(np.array([poly, multi, None], dtype=object))
    assert kept[0] is poly and kept[1] is multi and kept[2] is None
    point, line = Point(0, 0), shapely.LineString([(0, 0), (1, 1)])
    mixed = _polygonal_only(np.array([poly, point, line, multi, None], dtype=object))
    assert mixed[0] is poly and mixed[3] is multi and mixed[4] is None
    for converted in mixed[1:3]:
        assert converted.geom_type == "Polygon" and converted.is_empty


def test_vertex_method_is_the_lonlat_figure_of_the_vertices() -> None:
    """``method="vertex"`` takes every vertex to lon/lat: the figure of the same vertices
    given in lon/lat, while the plane-moment method (the geodesic default for small
    polygons in a plane) differs from it by ~1e-8 at 1 km."""
    tri = Polygon([(500000, 2800000), (501000, 2800333.3), (500500, 2801000)])
    to_lonlat = pyproj.Transformer.from_crs(4545, 4490, always_xy=True)
    lonlat = shapely.transform(tri, lambda xy: np.column_stack(to_lonlat.transform(*xy.T)))
    vertex = float(ellipsoidal_area([tri], crs=4545, method="vertex")[0])
    want = float(ellipsoidal_area([lonlat], crs=4490, method="geodesic")[0])
    assert vertex == pytest.approx(want, rel=1e-13)
    plane_moment = float(ellipsoidal_area([tri], crs=4545, method="geodesic")[0])
    assert plane_moment == pytest.approx(want, rel=1e-7)
    assert abs(plane_moment - want) > 1e-12 * want  # the two paths are told apart here


def test_threads_in_a_crs_taken_through_lonlat() -> None:
    """More polygons than one task holds, in Web Mercator (taken to lon/lat by PROJ in
    each thread): every figure equals the one computed alone."""
    rng = np.random.default_rng(11)
    centres = np.column_stack(
        [rng.uniform(1.207e7, 1.212e7, 30_000), rng.uniform(2.87e6, 2.92e6, 30_000)]
    )
    geoms = shapely.buffer(shapely.points(centres), 40.0, quad_segs=2)
    many = ellipsoidal_area(geoms, crs=3857, n_jobs=2)
    alone = [float(ellipsoidal_area([g], crs=3857)[0]) for g in geoms[-50:]]
    np.testing.assert_allclose(many[-50:], alone, rtol=1e-12)
