"""Probes of the mutation run: a module's outputs on a fixed sample of its domain.

A mutant that survives the tests is run once more on its module's probe: the
mutated module (executed afresh, without numba) computes the probe's outputs
and they are compared, bit for bit, with the original module's. A mutant
whose outputs are all the same to the last bit on the whole sample is listed
as *equivalent on the probe* (a term below double precision, a choice
between two computations of the same value, a chunk size); any difference,
an exception where the original has none, or a different exception, leaves
it a survivor. The samples cover the domain the modules are used on: China's
latitudes (3°–54° N), up to 3.5° from a central meridian, patches of 10 m to
counties of 60 km, holes, multipolygons, lon/lat near zone edges, the
Gauss-Krüger, UTM and Web Mercator planes.

Used by ``tools/mutation.py`` (``PROBES``); see docs/testing.md.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pyproj
import shapely

Outputs = list[Any]


def _stars(n: int, seed: int, *, x0: float, y0: float, radii: tuple[float, float]) -> np.ndarray:
    """``n`` star-shaped polygons around (x0, y0) in a plane, radius drawn log-uniformly."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        k = int(rng.integers(4, 24))
        ang = np.sort(rng.uniform(0, 2 * np.pi, k))
        radius = float(np.exp(rng.uniform(np.log(radii[0]), np.log(radii[1]))))
        r = radius * rng.uniform(0.4, 1.0, k)
        cx = x0 + rng.uniform(-150_000, 150_000)
        cy = y0 + rng.uniform(-1_500_000, 2_500_000)
        out.append(shapely.Polygon(np.column_stack([cx + r * np.cos(ang), cy + r * np.sin(ang)])))
    return np.array(out, dtype=object)


def _holed() -> np.ndarray:
    outer = shapely.box(530000, 2770000, 530400, 2770250)
    hole = shapely.Polygon([(530050, 2770050), (530150, 2770060), (530120, 2770180)])
    holed = shapely.Polygon(outer.exterior.coords, [hole.exterior.coords])
    multi = shapely.MultiPolygon([holed, shapely.box(530500, 2770000, 530560, 2770040)])
    return np.array([holed, *multi.geoms], dtype=object)


_PLANE = np.concatenate([_stars(160, 1, x0=500000, y0=2800000, radii=(10.0, 30_000.0)), _holed()])
_TO_LONLAT = pyproj.Transformer.from_crs(4545, 4490, always_xy=True)
_LONLAT = shapely.transform(_PLANE, lambda xy: np.column_stack(_TO_LONLAT.transform(*xy.T)))
_ZONE_EDGES = np.array(
    [
        shapely.Polygon([(109.30, 25.0), (109.60, 25.01), (109.65, 25.2), (109.62, 25.22)]),
        shapely.Polygon([(106.55, 25.0), (106.65, 25.0), (106.66, 25.1), (106.56, 25.1)]),
        shapely.Polygon([(110.9, 40.0), (111.2, 40.0), (111.1, 40.3)]),
    ],
    dtype=object,
)
_CRSS = [
    pyproj.CRS.from_epsg(4545),
    pyproj.CRS.from_epsg(4524),
    pyproj.CRS.from_epsg(32649),
    pyproj.CRS.from_epsg(4490),
    pyproj.CRS.from_epsg(3857),
    pyproj.CRS.from_epsg(2383),
    pyproj.CRS.from_proj4("+proj=tmerc +lon_0=108 +k=1 +x_0=500000 +ellps=GRS80 +units=ft"),
    pyproj.CRS.from_proj4(
        "+proj=tmerc +lat_0=20 +lon_0=108 +k=0.9996 +x_0=500000 +y_0=-10000 +ellps=GRS80"
    ),
    pyproj.CRS.from_proj4(
        "+proj=tmerc +lat_0=0 +lon_0=108 +k=0.9996 +x_0=500000 +y_0=-10000 +ellps=GRS80"
    ),
]


def _points(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(-3.5, 3.5, n), rng.uniform(3.0, 54.0, n)


def gauss_kruger(m: ModuleType) -> Outputs:
    dlon, lat = _points(3000, 2)
    lon0 = 108.0
    out: Outputs = []
    x, y = m.gk_forward(lon0 + dlon, lat, np.full(len(lat), lon0))
    out += [x, y]
    out += list(m._forward(np.radians(dlon), np.radians(lat)))
    order = np.argsort(lat)[:600]
    out += list(m._forward_loop((lon0 + dlon)[order], lat[order], np.full(600, lon0)))
    for gk in (m.GaussKruger(), m.GaussKruger(0.9996, 36500000.0, -10000.0)):
        out += list(m.gk_inverse(x * gk.k0 + gk.false_easting - 500000.0, y, gk))
    rng = np.random.default_rng(3)
    near = []
    for spread in (0.04, 0.3):
        for _ in range(300):
            xip0, etap0 = rng.uniform(0.05, 0.95), rng.uniform(-0.03, 0.03)
            xip = xip0 + rng.uniform(-spread, spread)
            etap = etap0 + rng.uniform(-spread / 2, spread / 2)
            near.append(
                m._inverse_near(
                    xip,
                    etap,
                    xip0,
                    etap0,
                    np.sin(xip0),
                    np.cos(xip0),
                    np.sinh(etap0),
                    np.cosh(etap0),
                )
            )
    out.append(np.array(near))
    d = np.linspace(-0.05, 0.05, 401)
    out.append(np.array([m._sin_cos_small(float(v)) + m._sinh_cosh_small(float(v)) for v in d]))
    out += [(m.transverse_mercator(c), m.gauss_kruger_plane(c)) for c in _CRSS]
    out.append(m.transverse_mercator(None))
    return out


def survey_area(m: ModuleType) -> Outputs:
    to_geo = pyproj.Transformer.from_crs(4545, 4490, always_xy=True)
    out: Outputs = []
    for step in (0.0, 55.0, 70.0):
        out.append(m.survey_polygon_areas(_PLANE, to_geo, step))
    out.append(m.survey_polygon_areas(_LONLAT, None, 70.0))
    out.append(m.survey_polygon_areas(_ZONE_EDGES, None, 70.0))
    merc = pyproj.Transformer.from_crs(3857, 4326, always_xy=True)
    web = shapely.transform(
        _LONLAT[:40],
        lambda xy: np.column_stack(
            pyproj.Transformer.from_crs(4326, 3857, always_xy=True).transform(*xy.T)
        ),
    )
    out.append(m.survey_polygon_areas(web, merc, 70.0))
    custom = pyproj.CRS.from_proj4(
        "+proj=tmerc +lat_0=0 +lon_0=108 +k=0.9996 +x_0=500000 +y_0=-10000 +ellps=GRS80"
    )
    out.append(
        m.survey_polygon_areas(
            _PLANE[:40], pyproj.Transformer.from_crs(custom, 4490, always_xy=True), 70.0
        )
    )
    out.append(m.survey_polygon_areas(np.array([], dtype=object), None, 70.0))
    lengths = np.array([0.0, 35.0, 70.0, 70.0 + 1e-9, 139.99, 140.0, 300.0, 1e7, np.inf, np.nan])
    out += [m._n_cuts(lengths, s) for s in (0.0, 0.5, 55.0, 70.0)]
    out.append(
        m._grid(np.array([n + k / 32 for n in (0.0, 512345.0, 2801234.0) for k in range(32)]))
    )
    rng = np.random.default_rng(7)
    terms = []
    for spread in (0.04, 0.3):
        for _ in range(300):
            b0 = rng.uniform(0.05, 0.95)
            b1 = b0 + rng.uniform(-spread, spread)
            b2 = b1 + rng.uniform(-spread, spread) / 10
            lm = rng.uniform(-0.05, 0.05)
            terms.append(m._trapezoid_near(b1, b2, lm, b0, np.sin(b0), np.cos(b0)))
    out.append(np.array(terms))
    xy = np.array([[500000.0, 2800000.0], [500000.0, 2800000.0]])
    out.append(m.survey_ring_sums(xy[:, 0], xy[:, 1], np.array([0, 2])))
    out.append(m.survey_ring_sums(np.zeros(0), np.zeros(0), np.array([0])))
    out.append(dict(m.SERIES))
    return out


def geodesic_area(m: ModuleType) -> Outputs:
    out: Outputs = []
    t4545 = pyproj.Transformer.from_crs(4545, 4490, always_xy=True)
    tm = m.transverse_mercator(pyproj.CRS.from_epsg(4545))
    out.append(m.geodesic_polygon_areas(_PLANE, t4545))
    out.append(m.geodesic_polygon_areas(_LONLAT, None))
    out.append(m.vertex_polygon_areas(_PLANE, t4545))
    out.append(m.projected_polygon_areas(_PLANE, t4545, tm))
    utm = pyproj.Transformer.from_crs(32649, 4326, always_xy=True)
    to_utm = pyproj.Transformer.from_crs(4490, 32649, always_xy=True)
    in_utm = shapely.transform(_LONLAT[:60], lambda xy: np.column_stack(to_utm.transform(*xy.T)))
    out.append(m.geodesic_polygon_areas(in_utm, utm))
    far = shapely.transform(
        _LONLAT[:30], lambda xy: np.column_stack([xy[:, 0] + 4.2, xy[:, 1]])
    )  # beyond 3.5° from the CM of 4545
    to_far = pyproj.Transformer.from_crs(4490, 4545, always_xy=True)
    far_plane = shapely.transform(far, lambda xy: np.column_stack(to_far.transform(*xy.T)))
    out.append(m.geodesic_polygon_areas(far_plane, t4545))
    big = np.array(
        [
            shapely.Polygon([(100.0, 20.0), (110.0, 20.0), (105.0, 30.0)]),
            shapely.Polygon([(179.0, 10.0), (-179.0, 10.0), (-179.0, 12.0), (179.0, 12.0)]),
        ],
        dtype=object,
    )
    out.append(m.vertex_polygon_areas(big, None))
    x = np.array([400000.0, 500000.0, 620000.0, np.nan])
    y = np.array([2500000.0, 2800000.0, 4500000.0, 1.0])
    for crs in (4545, 32649, 3857):
        out.append(m.areal_scale_gradient(x, y, crs))
    lon = np.array([108.0, 109.2, 106.9])
    lat = np.array([25.0, 40.0, 18.0])
    out += list(m._tm_scale(tm, lon, lat))
    return out


def area(m: ModuleType) -> Outputs:
    out: Outputs = []
    mixed = np.array(
        [
            None,
            shapely.Polygon(),
            shapely.Point(500000, 2800000),
            shapely.LineString([(500000, 2800000), (500100, 2800100)]),
            shapely.GeometryCollection(
                [
                    shapely.MultiPolygon(
                        [shapely.box(500000, 2800000, 500100, 2800100), shapely.box(0, 0, 1, 1)]
                    ),
                    shapely.Point(0, 0),
                ]
            ),
            *_PLANE[:20],
        ],
        dtype=object,
    )
    for method in ("survey", "geodesic", "auto", "vertex"):
        out.append(m.ellipsoidal_area(mixed, crs=4545, method=method))
    out.append(m.ellipsoidal_area(list(_LONLAT[:30]), crs=4490))
    out.append(m.ellipsoidal_area(_PLANE[0], crs=4545))
    out.append(m.ellipsoidal_area(np.array([], dtype=object), crs=4545))
    many = shapely.buffer(
        shapely.points(
            np.column_stack(
                [
                    np.random.default_rng(5).uniform(450000, 550000, 26_000),
                    np.random.default_rng(6).uniform(2.7e6, 2.9e6, 26_000),
                ]
            )
        ),
        30.0,
        quad_segs=2,
    )
    out.append(m.ellipsoidal_area(many, crs=4545, n_jobs=2))
    web = shapely.transform(
        many[:26_000],
        lambda xy: np.column_stack(
            pyproj.Transformer.from_crs(4545, 3857, always_xy=True).transform(*xy.T)
        ),
    )
    out.append(m.ellipsoidal_area(web, crs=3857))
    out.append(m.planar_area(_PLANE[:10]))
    for kwargs in (
        {"crs": None},
        {"crs": 4214},
        {"crs": 2383},
        {"crs": 4545, "method": "fast"},
        {"crs": 4545, "step_m": -1.0},
    ):
        try:
            m.ellipsoidal_area(_PLANE[:2], **kwargs)
        except Exception as err:  # the outputs of a refusal: its class and message
            out.append((type(err).__name__, str(err)))
        else:
            out.append("no error")
    return out


PROBES: dict[str, Callable[[ModuleType], Outputs]] = {
    "rsgeo/geo/gauss_kruger.py": gauss_kruger,
    "rsgeo/geo/survey_area.py": survey_area,
    "rsgeo/geo/geodesic_area.py": geodesic_area,
    "rsgeo/geo/area.py": area,
}
"""The modules with a probe, and the probe of each."""


def fingerprint(outputs: Outputs) -> bytes:
    """The outputs as bytes, to compare bit for bit (arrays by dtype, shape and data)."""

    def norm(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            return ("ndarray", value.dtype.str, value.shape, value.tobytes())
        if isinstance(value, tuple | list):
            return (type(value).__name__, [norm(v) for v in value])
        if isinstance(value, dict):
            return ("dict", sorted((k, norm(v)) for k, v in value.items()))
        if isinstance(value, float | np.floating):
            return ("float", np.float64(value).tobytes())
        if hasattr(value, "__dataclass_fields__"):
            return (type(value).__name__, repr(value))
        return ("value", repr(value))

    return pickle.dumps([norm(v) for v in outputs])
