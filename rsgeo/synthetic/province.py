"""Province-sized synthetic layers for benchmarks (EPSG:4545, synthetic data).

Everything here is made up from a seed: nothing is real survey data. The
layers imitate the shapes a county works with, at any scale:

* :func:`make_farmland` — a cultivated-land tessellation (耕地, like 三调 DLTB):
  jittered quadrilateral cells whose sides are broken into 5 segments shared
  exactly with the neighbour (about 20 vertices, 0.34 ha on average by
  default), with land class ``land_class_code`` and ridge coefficient
  ``ridge_coef``; a small share of the features are exact duplicates or
  shifted copies that overlap their neighbours, as in real deliveries.
* :func:`make_patches` — change patches (监测图斑): irregular star-shaped blobs
  of 0.03–5 ha (log-uniform), 32 vertices each, indexed by ``patch_id``.
* :func:`make_redline` — ecological red-line polygons of about 4,000 vertices.
* :func:`make_townships` — township polygons (Voronoi cells) carrying the
  Rongshui township codes and names.
* :func:`make_counties` — a province's townships: counties (Voronoi cells of
  the extent), each tiled by its own townships. A township code (XZQDM) is
  its county's 6-digit code followed by 3 digits, as in the real codes; the
  first county is Rongshui (450225) with its real township codes, the others
  carry made-up codes (450226, 450227, ...) and names.

All coordinates are CGCS2000 / 3-degree Gauss-Krüger CM 108°E (EPSG:4545),
placed east of the central meridian around Rongshui. Generation is vectorised:
a million farmland polygons and half a million patches take well under a
minute.

Examples
--------
>>> farmland = make_farmland(400, seed=1)
>>> len(farmland), farmland.crs.to_epsg()
(400, 4545)
>>> patches = make_patches(50, bounds=farmland.total_bounds, seed=2)
>>> bool(patches.geometry.is_valid.all()), patches.index[0]
(True, 'P0000000')
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

__all__ = [
    "CRS",
    "ORIGIN",
    "TOWNSHIPS",
    "county_count",
    "make_counties",
    "make_farmland",
    "make_patches",
    "make_province",
    "make_redline",
    "make_townships",
]

CRS = "EPSG:4545"
"""The CRS of every generated layer."""
ORIGIN = (560_000.0, 2_740_000.0)
"""South-west corner of generated data (easting, northing in EPSG:4545)."""

TOWNSHIPS: tuple[tuple[str, str], ...] = (
    ("450225100", "融水镇"),
    ("450225101", "和睦镇"),
    ("450225102", "三防镇"),
    ("450225103", "怀宝镇"),
    ("450225104", "洞头镇"),
    ("450225105", "大浪镇"),
    ("450225106", "永乐镇"),
    ("450225202", "四荣乡"),
    ("450225203", "香粉乡"),
    ("450225204", "安太乡"),
    ("450225206", "汪洞乡"),
    ("450225207", "同练瑶族乡"),
    ("450225208", "滚贝侗族乡"),
    ("450225209", "杆洞乡"),
    ("450225210", "安陲乡"),
    ("450225212", "白云乡"),
    ("450225213", "红水乡"),
    ("450225214", "拱洞乡"),
    ("450225215", "良寨乡"),
    ("450225216", "大年乡"),
)
"""Rongshui township codes and names (real codes; the polygons are synthetic)."""

_SEGMENTS = 5  # segments per cell side: 4 sides x 5 = 20 vertices


def _grid_shape(n: int) -> tuple[int, int]:
    nx = max(1, int(np.ceil(np.sqrt(n))))
    ny = max(1, int(np.ceil(n / nx)))
    return nx, ny


def make_farmland(
    n_features: int,
    *,
    mean_area_m2: float = 3400.0,
    overlap_share: float = 0.005,
    duplicate_share: float = 0.005,
    origin: tuple[float, float] = ORIGIN,
    seed: int = 0,
) -> gpd.GeoDataFrame:
    """A cultivated-land tessellation with a few overlaps and duplicates.

    Parameters
    ----------
    n_features : int
        Number of features returned (tessellation cells plus the duplicates
        and overlapping copies).
    mean_area_m2 : float, default 3400
        Mean cell area (0.34 ha).
    overlap_share, duplicate_share : float, default 0.005
        Share of features that are copies of a cell shifted by a third of a
        cell (they overlap their neighbours) and exact duplicates of a cell.
    origin : (float, float)
        South-west corner in EPSG:4545.
    seed : int
        Random seed.

    Returns
    -------
    GeoDataFrame
        Columns ``feature_id``, ``land_class_code`` (0101/0102/0103),
        ``ridge_coef`` and ``geometry`` (Polygon), CRS EPSG:4545, a
        RangeIndex. ``attrs["rsgeo_synthetic"]`` is True.

    Examples
    --------
    >>> f = make_farmland(1000, overlap_share=0.0, duplicate_share=0.0, seed=3)
    >>> abs(float(f.area.mean()) - 3400) < 5  # a tessellation of the requested mean size
    True
    """
    rng = np.random.default_rng(seed)
    n_extra = round(n_features * (overlap_share + duplicate_share))
    n_cells = max(1, n_features - n_extra)
    nx, ny = _grid_shape(n_cells)
    step = float(np.sqrt(mean_area_m2))
    x0, y0 = origin
    # jittered grid vertices
    gx, gy = np.meshgrid(np.arange(nx + 1, dtype=float), np.arange(ny + 1, dtype=float))
    vx = (gx + rng.uniform(-0.22, 0.22, gx.shape)) * step + x0  # (ny+1, nx+1)
    vy = (gy + rng.uniform(-0.22, 0.22, gy.shape)) * step + y0
    t = np.arange(1, _SEGMENTS) / _SEGMENTS  # interior points along a side

    def side_points(
        ax: npt.NDArray[np.float64],
        ay: npt.NDArray[np.float64],
        bx: npt.NDArray[np.float64],
        by: npt.NDArray[np.float64],
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        # interior points of each side, bent sideways; shared by both cells
        dx, dy = bx - ax, by - ay
        off = rng.uniform(-0.06, 0.06, (*ax.shape, len(t)))
        px = ax[..., None] + dx[..., None] * t - dy[..., None] * off
        py = ay[..., None] + dy[..., None] * t + dx[..., None] * off
        return px, py

    # horizontal sides: vertex (j, i) -> (j, i+1); vertical: (j, i) -> (j+1, i)
    hx, hy = side_points(vx[:, :-1], vy[:, :-1], vx[:, 1:], vy[:, 1:])  # (ny+1, nx, k)
    wx, wy = side_points(vx[:-1, :], vy[:-1, :], vx[1:, :], vy[1:, :])  # (ny, nx+1, k)
    k = _SEGMENTS
    n_all = nx * ny
    coords = np.empty((ny, nx, 4 * k + 1, 2))
    # bottom side, left to right
    coords[:, :, 0, 0], coords[:, :, 0, 1] = vx[:-1, :-1], vy[:-1, :-1]
    coords[:, :, 1:k, 0], coords[:, :, 1:k, 1] = hx[:-1], hy[:-1]
    # right side, upwards
    coords[:, :, k, 0], coords[:, :, k, 1] = vx[:-1, 1:], vy[:-1, 1:]
    coords[:, :, k + 1 : 2 * k, 0], coords[:, :, k + 1 : 2 * k, 1] = wx[:, 1:], wy[:, 1:]
    # top side, right to left
    coords[:, :, 2 * k, 0], coords[:, :, 2 * k, 1] = vx[1:, 1:], vy[1:, 1:]
    coords[:, :, 2 * k + 1 : 3 * k, 0] = hx[1:, :, ::-1]
    coords[:, :, 2 * k + 1 : 3 * k, 1] = hy[1:, :, ::-1]
    # left side, downwards
    coords[:, :, 3 * k, 0], coords[:, :, 3 * k, 1] = vx[1:, :-1], vy[1:, :-1]
    coords[:, :, 3 * k + 1 : 4 * k, 0] = wx[:, :-1, ::-1]
    coords[:, :, 3 * k + 1 : 4 * k, 1] = wy[:, :-1, ::-1]
    coords[:, :, 4 * k] = coords[:, :, 0]
    coords = coords.reshape(n_all, 4 * k + 1, 2)[:n_cells]
    geoms = shapely.polygons(coords)
    del coords

    n_dup = round(n_features * duplicate_share)
    n_shift = n_extra - n_dup
    dup_src = rng.choice(n_cells, size=n_dup, replace=n_dup > n_cells)
    shift_src = rng.choice(n_cells, size=n_shift, replace=n_shift > n_cells)
    shifted = shapely.transform(geoms[shift_src], lambda c: c + np.array([step / 3, step / 4]))
    all_geoms = np.concatenate([geoms, geoms[dup_src], shifted])
    n = len(all_geoms)
    classes = rng.choice(np.array(["0101", "0102", "0103"], dtype=object), n, p=[0.5, 0.2, 0.3])
    coef = rng.choice(np.array([0.0, 0.021, 0.043, 0.057, 0.082, 0.119]), n)
    out = gpd.GeoDataFrame(
        {
            "feature_id": pd.array([f"F{i:08d}" for i in range(n)], dtype="str"),
            "land_class_code": pd.array(classes, dtype="str"),
            "ridge_coef": coef,
        },
        geometry=all_geoms,
        crs=CRS,
    )
    out.attrs["rsgeo_synthetic"] = True
    return out


def _blobs(
    centers: npt.NDArray[np.float64],
    areas: npt.NDArray[np.float64],
    n_vertices: int,
    n_harmonics: int,
    rng: np.random.Generator,
    roughness: float,
) -> npt.NDArray[np.object_]:
    """Star-shaped polygons of roughly the given areas (always valid)."""
    n = len(centers)
    theta = np.linspace(0.0, 2.0 * np.pi, n_vertices, endpoint=False)
    r = np.ones((n, n_vertices))
    amp_total = np.zeros(n)
    for h in range(2, n_harmonics + 2):
        amp = rng.uniform(0.0, roughness, n) / np.sqrt(h - 1)
        phase = rng.uniform(0.0, 2.0 * np.pi, n)
        r += amp[:, None] * np.cos(h * theta[None, :] + phase[:, None])
        amp_total += amp
    r /= np.maximum(1.0, amp_total * 1.05)[:, None]  # keep r > 0 (star-shaped)
    r = np.maximum(r, 0.05)
    # polygon area of the unit blob, to hit the target area
    unit = 0.5 * np.sin(2.0 * np.pi / n_vertices) * np.sum(r * np.roll(r, -1, axis=1), axis=1)
    scale = np.sqrt(areas / unit)
    xs = centers[:, 0:1] + (scale[:, None] * r) * np.cos(theta)[None, :]
    ys = centers[:, 1:2] + (scale[:, None] * r) * np.sin(theta)[None, :]
    coords = np.stack([xs, ys], axis=-1)
    coords = np.concatenate([coords, coords[:, :1]], axis=1)
    return np.asarray(shapely.polygons(coords))


def make_patches(
    n_patches: int,
    *,
    bounds: tuple[float, float, float, float] | npt.ArrayLike,
    min_area_m2: float = 300.0,
    max_area_m2: float = 50_000.0,
    seed: int = 0,
) -> gpd.GeoDataFrame:
    """Change patches: irregular blobs of 0.03–5 ha (log-uniform areas).

    Parameters
    ----------
    n_patches : int
        Number of patches.
    bounds : (minx, miny, maxx, maxy)
        Where the patch centres are drawn (uniformly), in EPSG:4545.
    min_area_m2, max_area_m2 : float
        Area range (planar m²).
    seed : int
        Random seed.

    Returns
    -------
    GeoDataFrame
        Indexed by ``patch_id`` (``"P0000000"``, ...), with ``change_type``
        and ``reported_area_m2`` (planar, like a ministry JCMJ), CRS EPSG:4545.
    """
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = (float(v) for v in np.asarray(bounds, dtype=float))
    pad = np.sqrt(max_area_m2 / np.pi)
    cx = rng.uniform(minx + pad, max(minx + pad, maxx - pad), n_patches)
    cy = rng.uniform(miny + pad, max(miny + pad, maxy - pad), n_patches)
    areas = np.exp(rng.uniform(np.log(min_area_m2), np.log(max_area_m2), n_patches))
    geoms = _blobs(np.column_stack([cx, cy]), areas, 32, 4, rng, 0.25)
    types = rng.choice(
        np.array(["20", "YH", "DT", "DL", "CK", "GF", "01", "KT"], dtype=object),
        n_patches,
        p=[0.35, 0.15, 0.15, 0.1, 0.05, 0.05, 0.1, 0.05],
    )
    index = pd.Index([f"P{i:07d}" for i in range(n_patches)], name="patch_id", dtype="str")
    out = gpd.GeoDataFrame(
        {
            "change_type": pd.array(types, dtype="str"),
            "reported_area_m2": shapely.area(geoms),
        },
        geometry=geoms,
        index=index,
        crs=CRS,
    )
    out.attrs["rsgeo_synthetic"] = True
    return out


def make_redline(
    n_polygons: int = 300,
    *,
    bounds: tuple[float, float, float, float] | npt.ArrayLike,
    n_vertices: int = 4000,
    min_area_m2: float = 2e5,
    max_area_m2: float = 2e7,
    seed: int = 0,
) -> gpd.GeoDataFrame:
    """Ecological red-line polygons with many vertices (some overlap each other).

    Returns a GeoDataFrame with ``name`` (``"生态保护红线 001"``, ...) and
    ``geometry``, CRS EPSG:4545.

    Examples
    --------
    >>> r = make_redline(3, bounds=(560000, 2740000, 570000, 2750000), n_vertices=500)
    >>> len(r), len(r.geometry.iloc[0].exterior.coords)
    (3, 501)
    """
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = (float(v) for v in np.asarray(bounds, dtype=float))
    cx = rng.uniform(minx, maxx, n_polygons)
    cy = rng.uniform(miny, maxy, n_polygons)
    areas = np.exp(rng.uniform(np.log(min_area_m2), np.log(max_area_m2), n_polygons))
    geoms = _blobs(np.column_stack([cx, cy]), areas, n_vertices, 40, rng, 0.35)
    names = [f"生态保护红线 {i + 1:03d}" for i in range(n_polygons)]
    out = gpd.GeoDataFrame({"name": pd.array(names, dtype="str")}, geometry=geoms, crs=CRS)
    out.attrs["rsgeo_synthetic"] = True
    return out


def make_townships(
    *,
    bounds: tuple[float, float, float, float] | npt.ArrayLike,
    n_townships: int = 20,
    seed: int = 0,
) -> gpd.GeoDataFrame:
    """Township polygons tiling ``bounds`` (Voronoi cells), with Rongshui codes.

    Returns ``township_code``, ``township_name`` and ``geometry``.

    Examples
    --------
    >>> t = make_townships(bounds=(0, 0, 1000, 1000), n_townships=5, seed=1)
    >>> round(float(t.area.sum()))
    1000000
    """
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = (float(v) for v in np.asarray(bounds, dtype=float))
    n = min(n_townships, len(TOWNSHIPS))
    pts = shapely.multipoints(
        np.column_stack([rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)])
    )
    frame = shapely.box(minx, miny, maxx, maxy)
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=frame))
    cells = shapely.intersection(cells, frame)
    # order cells by their seed so codes are reproducible
    seeds = shapely.get_parts(pts)
    order = [int(np.flatnonzero(shapely.contains(cells, s))[0]) for s in seeds]
    cells = cells[order]
    codes, names = zip(*TOWNSHIPS[:n], strict=True)
    out = gpd.GeoDataFrame(
        {
            "township_code": pd.array(codes, dtype="str"),
            "township_name": pd.array(names, dtype="str"),
        },
        geometry=cells,
        crs=CRS,
    )
    out.attrs["rsgeo_synthetic"] = True
    return out


RONGSHUI_COUNTY = ("450225", "融水苗族自治县")
"""The first county of a generated province: Rongshui, with its real code."""

FARMLAND_PER_COUNTY = 250_000
"""Farmland polygons per county when the count is chosen by size (:func:`county_count`)."""


def county_count(n_farmland: int) -> int:
    """How many counties a province of ``n_farmland`` polygons has: 4 to 20, by size.

    One county per :data:`FARMLAND_PER_COUNTY` polygons, at least 4 and at
    most 20.

    >>> county_count(30_000), county_count(1_000_000), county_count(5_000_000)
    (4, 4, 20)
    """
    return int(min(20, max(4, round(n_farmland / FARMLAND_PER_COUNTY))))


def _voronoi_cells(
    frame: shapely.Geometry, n: int, rng: np.random.Generator
) -> npt.NDArray[np.object_]:
    """``n`` Voronoi cells tiling ``frame``, ordered by their seeds (seeds drawn in the frame)."""
    minx, miny, maxx, maxy = frame.bounds
    seeds: list[shapely.Point] = []
    while len(seeds) < n:  # seeds inside the frame (a county cell is not a box)
        xs = rng.uniform(minx, maxx, 4 * n)
        ys = rng.uniform(miny, maxy, 4 * n)
        pts = shapely.points(xs, ys)
        seeds += list(pts[shapely.contains(frame, pts)])
    pts = shapely.multipoints(seeds[:n])
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=frame))
    cells = shapely.intersection(cells, frame)
    order = [int(np.flatnonzero(shapely.contains(cells, s))[0]) for s in seeds[:n]]
    return np.asarray(cells[order])


def make_counties(
    *,
    bounds: tuple[float, float, float, float] | npt.ArrayLike,
    n_counties: int = 4,
    townships_per_county: int = 10,
    seed: int = 0,
) -> gpd.GeoDataFrame:
    """The townships of a province of several counties (Voronoi cells in Voronoi cells).

    Parameters
    ----------
    bounds : (minx, miny, maxx, maxy)
        The province's extent, tiled by the counties.
    n_counties : int, default 4
        Counties (Voronoi cells of the extent).
    townships_per_county : int, default 10
        Townships tiling each county (at most 20 in the first, Rongshui).
    seed : int
        Random seed.

    Returns
    -------
    GeoDataFrame
        ``township_code`` (XZQDM: the county's 6 digits and 3 more),
        ``township_name``, ``county_code``, ``county_name`` and ``geometry``,
        CRS EPSG:4545; the townships of one county are consecutive rows.

    Examples
    --------
    >>> t = make_counties(bounds=(0, 0, 9000, 9000), n_counties=3, townships_per_county=4)
    >>> sorted(set(t["township_code"].str[:6])), len(t), round(float(t.area.sum()))
    (['450225', '450226', '450227'], 12, 81000000)
    """
    if n_counties < 1 or townships_per_county < 1:
        raise ValueError(
            f"n_counties and townships_per_county must be at least 1, "
            f"got {n_counties} and {townships_per_county}"
        )
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = (float(v) for v in np.asarray(bounds, dtype=float))
    counties = _voronoi_cells(shapely.box(minx, miny, maxx, maxy), n_counties, rng)
    rows: list[tuple[str, str, str, str]] = []
    cells: list[shapely.Geometry] = []
    for i, county in enumerate(counties):
        if i == 0:
            ccode, cname = RONGSHUI_COUNTY
            n_town = min(townships_per_county, len(TOWNSHIPS))
            towns = list(TOWNSHIPS[:n_town])
        else:
            ccode, cname = f"{int(RONGSHUI_COUNTY[0]) + i}", f"合成{i:02d}县"
            n_town = townships_per_county
            towns = [(f"{ccode}{100 + j:03d}", f"{cname}{j + 1:02d}镇") for j in range(n_town)]
        parts = _voronoi_cells(county, n_town, rng)
        cells += list(parts)
        rows += [(code, name, ccode, cname) for code, name in towns]
    codes, names, ccodes, cnames = zip(*rows, strict=True)
    out = gpd.GeoDataFrame(
        {
            "township_code": pd.array(codes, dtype="str"),
            "township_name": pd.array(names, dtype="str"),
            "county_code": pd.array(ccodes, dtype="str"),
            "county_name": pd.array(cnames, dtype="str"),
        },
        geometry=cells,
        crs=CRS,
    )
    out.attrs["rsgeo_synthetic"] = True
    return out


def make_province(
    n_patches: int = 50_000,
    n_farmland: int = 1_000_000,
    *,
    n_redline: int = 300,
    redline_vertices: int = 4000,
    n_counties: int | None = None,
    townships_per_county: int = 10,
    seed: int = 0,
) -> dict[str, gpd.GeoDataFrame]:
    """All benchmark layers at once: patches, farmland, redline, townships.

    The patches, red line and townships cover the farmland's extent.

    Parameters
    ----------
    n_patches, n_farmland : int
        Patches and farmland polygons.
    n_redline, redline_vertices : int
        Red-line polygons and their vertices.
    n_counties : int or None, default None
        Counties of the province (:func:`make_counties`); None chooses by
        size (:func:`county_count`: 4 to 20). ``1`` gives the one-county
        layout of :func:`make_townships` (the 20 Rongshui townships).
    townships_per_county : int, default 10
        Townships per county when there are several.
    seed : int
        Random seed.

    Examples
    --------
    >>> layers = make_province(20, 200, n_redline=2, redline_vertices=100, seed=4)
    >>> sorted(layers), layers["townships"]["township_code"].str[:6].nunique()
    (['farmland', 'patches', 'redline', 'townships'], 4)
    >>> one = make_province(20, 200, n_redline=2, redline_vertices=100, n_counties=1, seed=4)
    >>> len(one["townships"])
    20
    """
    farmland = make_farmland(n_farmland, seed=seed)
    bounds = tuple(float(v) for v in farmland.total_bounds)
    n = county_count(n_farmland) if n_counties is None else n_counties
    if n == 1:
        townships = make_townships(bounds=bounds, seed=seed + 3)
    else:
        townships = make_counties(
            bounds=bounds,
            n_counties=n,
            townships_per_county=townships_per_county,
            seed=seed + 3,
        )
    return {
        "patches": make_patches(n_patches, bounds=bounds, seed=seed + 1),
        "farmland": farmland,
        "redline": make_redline(
            n_redline, bounds=bounds, n_vertices=redline_vertices, seed=seed + 2
        ),
        "townships": townships,
    }
