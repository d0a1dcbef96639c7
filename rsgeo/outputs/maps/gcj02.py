"""WGS84 / CGCS2000 ↔ GCJ-02 conversion for web basemaps.

Several Chinese web maps (AutoNavi/Gaode, Tencent, Google's China tiles) draw
their tiles in GCJ-02 ("Mars coordinates"), an obfuscated datum shifted by
roughly 100–700 m from WGS84. CGCS2000 data drawn on such a basemap without
conversion lands in the wrong field. rsgeo converts the overlay to GCJ-02
when a map is told its basemap is GCJ-02 (``basemap_datum="gcj02"``).

The forward conversion is the public algorithm (Krasovsky-ellipsoid
constants, the well-known trigonometric series); points outside China are
left as they are, like every implementation of it. The inverse has no closed
form; :func:`gcj02_to_wgs84` inverts the forward function by fixed-point
iteration to better than 1e-9 degree (about 0.1 mm).

CGCS2000 and WGS84 differ by a few centimetres, far below what a web basemap
shows, so CGCS2000 longitudes/latitudes go in as WGS84 ones.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["gcj02_to_wgs84", "geometry_to_gcj02", "out_of_china", "wgs84_to_gcj02"]

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as used by GCJ-02
_EE = 0.00669342162296594323  # Krasovsky first eccentricity squared

FloatArray = npt.NDArray[np.float64]


def out_of_china(lon: Any, lat: Any) -> npt.NDArray[np.bool_]:
    """Whether points lie outside the rough box where GCJ-02 applies.

    Examples
    --------
    >>> out_of_china([109.0, 2.35], [25.0, 48.85]).tolist()
    [False, True]
    """
    lon_a = np.asarray(lon, dtype="float64")
    lat_a = np.asarray(lat, dtype="float64")
    return ~((lon_a >= 72.004) & (lon_a <= 137.8347) & (lat_a >= 0.8293) & (lat_a <= 55.8271))


def _delta(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 minus WGS84, in degrees of longitude and latitude."""
    x = lon - 105.0
    y = lat - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += common
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    inside = ~out_of_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon: Any, lat: Any) -> tuple[FloatArray, FloatArray]:
    """Convert WGS84 (or CGCS2000) longitude/latitude to GCJ-02.

    Parameters
    ----------
    lon, lat : float or array-like
        Degrees.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        GCJ-02 longitude and latitude (points outside China unchanged).

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(121.5272106, 31.1774276)
    >>> round(float(lon), 6), round(float(lat), 6)
    (121.531542, 31.175304)
    """
    lon_a = np.asarray(lon, dtype="float64")
    lat_a = np.asarray(lat, dtype="float64")
    dlon, dlat = _delta(lon_a, lat_a)
    return lon_a + dlon, lat_a + dlat


def gcj02_to_wgs84(
    lon: Any, lat: Any, *, tolerance_deg: float = 1e-10, max_iter: int = 30
) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 longitude/latitude back to WGS84 (iterative, exact).

    Solves ``wgs84_to_gcj02(w) == g`` for ``w`` by fixed-point iteration
    (the shift changes by under 1e-5 per degree, so it converges in a few
    steps).

    Examples
    --------
    >>> lon, lat = gcj02_to_wgs84(*wgs84_to_gcj02(108.9, 25.1))
    >>> abs(float(lon) - 108.9) < 1e-9, abs(float(lat) - 25.1) < 1e-9
    (True, True)
    """
    g_lon = np.asarray(lon, dtype="float64")
    g_lat = np.asarray(lat, dtype="float64")
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(max_iter):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = f_lon - g_lon, f_lat - g_lat
        w_lon = w_lon - e_lon
        w_lat = w_lat - e_lat
        if np.all(np.abs(e_lon) < tolerance_deg) and np.all(np.abs(e_lat) < tolerance_deg):
            break
    return w_lon, w_lat


def _xy_to_gcj02(coords: FloatArray) -> FloatArray:
    out = np.array(coords, dtype="float64", copy=True)
    if out.size:
        out[:, 0], out[:, 1] = wgs84_to_gcj02(out[:, 0], out[:, 1])
    return out


def geometry_to_gcj02(geoms: Any) -> Any:
    """Convert shapely geometries in longitude/latitude to GCJ-02.

    Accepts one geometry, an array of them or a GeoSeries (returned as a
    GeoSeries with the same index and CRS).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> p = geometry_to_gcj02(Point(121.5272106, 31.1774276))
    >>> round(p.x, 6), round(p.y, 6)
    (121.531542, 31.175304)
    """
    import shapely

    try:
        import geopandas as gpd
    except ImportError:  # pragma: no cover - geopandas is a core dependency
        gpd = None
    if gpd is not None and isinstance(geoms, gpd.GeoSeries):
        values = shapely.transform(geoms.to_numpy(), _xy_to_gcj02)
        return gpd.GeoSeries(values, index=geoms.index, crs=geoms.crs)
    return shapely.transform(geoms, _xy_to_gcj02)
