"""CGCS2000 coordinate reference systems: Gauss-Krüger zones and CRS checks.

China's land data use the CGCS2000 datum: geographic EPSG:4490 and the
3-degree Gauss-Krüger zones 25–45, either with the zone number prefixed to the
easting (EPSG:4513–4533, 8-digit eastings) or without (EPSG:4534–4554). The
zone of a longitude is ``round(lon / 3)`` and its central meridian ``3 × zone``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pyproj

from rsgeo.errors import CRSError, CRSMismatchError, format_problems

__all__ = [
    "CGCS2000",
    "ZoneSpanWarning",
    "check_same_crs",
    "check_transformation",
    "choose_gk_crs",
    "crs_label",
    "datum_note",
    "gk_crs",
    "gk_crs_for_zone",
    "gk_zone",
    "gk_zone_of_crs",
    "same_crs",
]

CGCS2000 = pyproj.CRS.from_epsg(4490)
"""Geographic CGCS2000 (EPSG:4490)."""

_MIN_ZONE, _MAX_ZONE = 25, 45


class ZoneSpanWarning(UserWarning):
    """The data span more than one 3-degree Gauss-Krüger zone."""


def gk_zone(lon: float) -> int:
    """The 3-degree Gauss-Krüger zone of a longitude (``round(lon / 3)``).

    Examples
    --------
    >>> gk_zone(109.0)  # Rongshui
    36
    >>> gk_zone(109.6)
    37
    """
    if not np.isfinite(lon) or not -180.0 <= lon <= 180.0:
        raise CRSError(f"longitude {lon!r} is not a longitude in degrees")
    # round half away from zero: 1.5 -> 2 (np.round would give banker's rounding)
    return int(np.floor(lon / 3.0 + 0.5))


def gk_crs_for_zone(zone: int, *, prefixed: bool = False) -> pyproj.CRS:
    """The CGCS2000 3-degree Gauss-Krüger CRS of a zone (25–45).

    Examples
    --------
    >>> gk_crs_for_zone(36).to_epsg()
    4545
    >>> gk_crs_for_zone(36, prefixed=True).to_epsg()
    4524
    """
    if not _MIN_ZONE <= int(zone) <= _MAX_ZONE:
        raise CRSError(
            f"zone {zone} is outside the CGCS2000 3-degree zones {_MIN_ZONE}–{_MAX_ZONE} "
            "(longitudes 73.5–136.5 °E)"
        )
    base = 4488 if prefixed else 4509
    return pyproj.CRS.from_epsg(base + int(zone))


def gk_crs(lon: float, *, prefixed: bool = False) -> pyproj.CRS:
    """The CGCS2000 3-degree Gauss-Krüger CRS for a longitude.

    Parameters
    ----------
    lon : float
        Longitude in degrees east.
    prefixed : bool, default False
        True for the zone-prefixed eastings (EPSG:4513–4533, e.g. 36 500 000 m
        on the central meridian), False for plain eastings (EPSG:4534–4554).

    Examples
    --------
    >>> gk_crs(109.0).to_epsg()
    4545
    >>> gk_crs(109.0, prefixed=True).name
    'CGCS2000 / 3-degree Gauss-Kruger zone 36'
    """
    return gk_crs_for_zone(gk_zone(lon), prefixed=prefixed)


def gk_zone_of_crs(crs: Any) -> tuple[int, bool] | None:
    """``(zone, prefixed)`` when ``crs`` is a CGCS2000 3-degree GK CRS, else None.

    >>> gk_zone_of_crs("EPSG:4524")
    (36, True)
    >>> gk_zone_of_crs("EPSG:4545")
    (36, False)
    >>> gk_zone_of_crs("EPSG:4490") is None
    True
    """
    code = pyproj.CRS.from_user_input(crs).to_epsg()
    if code is None:
        return None
    if 4513 <= code <= 4533:
        return code - 4488, True
    if 4534 <= code <= 4554:
        return code - 4509, False
    return None


def crs_label(crs: Any) -> str:
    """A short label for messages: ``'EPSG:4545 (CGCS2000 / 3-degree ...)'``.

    >>> crs_label("EPSG:4490")
    'EPSG:4490 (China Geodetic Coordinate System 2000)'
    >>> crs_label(None)
    'no CRS'

    A local grid is called one, even when its name is a standard zone's:

    >>> crs_label("+proj=tmerc +lon_0=114 +x_0=400000 +ellps=GRS80 +units=m")[:42]
    "local grid 'unknown' (transverse Mercator,"
    """
    if crs is None:
        return "no CRS"
    c = pyproj.CRS.from_user_input(crs)
    code = c.to_epsg()
    if code:
        return f"EPSG:{code} ({c.name})"
    if c.is_projected:  # a local grid, whatever its name says: show what it is
        params = _parameters(c)
        if params.get("proj") == "tmerc":
            return (
                f"local grid {c.name!r} (transverse Mercator, CM {params.get('lon_0', 0):g}°E, "
                f"false easting {params.get('x_0', 0):.0f} m, scale {params.get('k', 1):g}; "
                "not a standard zone)"
            )
    return c.name


def _lon_range(gdf: Any) -> tuple[float, float]:
    crs = pyproj.CRS.from_user_input(gdf.crs)
    if crs.is_geographic:
        minx, _, maxx, _ = gdf.total_bounds
        return float(minx), float(maxx)
    geo = gdf.geometry if hasattr(gdf, "geometry") else gdf
    xmin, ymin, xmax, ymax = geo.total_bounds
    t = pyproj.Transformer.from_crs(crs, CGCS2000, always_xy=True)
    xs = np.array([xmin, xmin, xmax, xmax])
    ys = np.array([ymin, ymax, ymin, ymax])
    lons, _ = t.transform(xs, ys)
    return float(np.min(lons)), float(np.max(lons))


def choose_gk_crs(data: Any, *, prefixed: bool = False, warn: bool = True) -> pyproj.CRS:
    """Choose the Gauss-Krüger zone for a dataset (its longitude centre).

    Warns with :class:`ZoneSpanWarning` when the data span two or more zones;
    areas stay exact (rsgeo reports ellipsoidal areas), but planar lengths far
    from the central meridian are stretched.

    Parameters
    ----------
    data : GeoDataFrame or GeoSeries
        Data with a CRS.
    prefixed : bool, default False
        Return the zone-prefixed CRS (EPSG:4513–4533).
    warn : bool, default True
        Warn when the data span more than one zone.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoSeries([box(108.6, 25.0, 109.4, 25.8)], crs=4490)
    >>> choose_gk_crs(g).to_epsg()
    4545
    """
    if getattr(data, "crs", None) is None:
        raise CRSError("the data have no CRS: set one first, e.g. gdf.set_crs(4490)")
    if len(data) == 0 or data.geometry.is_empty.all() if hasattr(data, "geometry") else False:
        raise CRSError("cannot choose a zone for empty data")
    lo, hi = _lon_range(data)
    zones = {gk_zone(lo), gk_zone(hi)}
    if warn and len(zones) > 1:
        warnings.warn(
            f"the data span Gauss-Krüger zones {sorted(zones)} (longitude {lo:.3f}–{hi:.3f} °E); "
            f"using the zone of the centre. Areas are ellipsoidal and unaffected.",
            ZoneSpanWarning,
            stacklevel=2,
        )
    return gk_crs((lo + hi) / 2.0, prefixed=prefixed)


def _parameters(crs: pyproj.CRS) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PROJ strings drop names, which is the point here
        params = crs.to_dict()
    return {k: v for k, v in params.items() if k not in ("type", "no_defs")}


def same_crs(a: Any, b: Any) -> bool:
    """Whether two CRSs are the same grid: equal, or equal in every parameter.

    An ArcGIS ``.prj`` and the EPSG definition of one CRS differ in names
    (``D_Xian_1980`` against ``Xian 1980``) but not in ellipsoid, projection,
    central meridian, scale, false easting and northing: they are the same.

    >>> same_crs(4545, "EPSG:4545"), same_crs(4545, 4544)
    (True, False)
    """
    ca, cb = pyproj.CRS.from_user_input(a), pyproj.CRS.from_user_input(b)
    if ca.equals(cb, ignore_axis_order=True):
        return True
    if ca.is_projected != cb.is_projected:
        return False
    return _parameters(ca) == _parameters(cb)


_CGCS2000_A = 6378137.0


def datum_note(crs: Any) -> str | None:
    """What to say about a CRS that is not on CGCS2000; None when it is.

    Xian 1980 and Beijing 1954 (other ellipsoids) cannot be taken to CGCS2000
    without the official transformation parameters; WGS 84 agrees with it to
    a few centimetres.

    >>> datum_note(4545) is None, datum_note(4326) is not None, "Xian" in datum_note(2379)
    (True, True, True)
    """
    c = pyproj.CRS.from_user_input(crs)
    geodetic = c.geodetic_crs
    if geodetic is None or c.ellipsoid is None:
        return None
    name = geodetic.datum.name if geodetic.datum is not None else geodetic.name
    if "2000" in name and abs(c.ellipsoid.semi_major_metre - _CGCS2000_A) < 1.0:
        return None
    if abs(c.ellipsoid.semi_major_metre - _CGCS2000_A) < 1.0:
        return f"the data are on the {name} datum, not CGCS2000 (they agree to a few centimetres)"
    return (
        f"the data are on the {name} datum ({c.ellipsoid.name} ellipsoid), not CGCS2000: "
        "rsgeo will not move them without the official transformation parameters; convert "
        "the delivery to CGCS2000 with them (7-parameter transformation) first"
    )


def check_transformation(source: Any, target: Any, *, where: str) -> None:
    """Refuse a reprojection that would move data between datums without parameters.

    PROJ falls back to a "ballpark" transformation (no datum shift, errors of
    tens to hundreds of metres) between, say, Xian 1980 and CGCS2000; a figure
    computed from such data would be wrong without a sign. Raises
    :class:`~rsgeo.errors.CRSError` naming both CRSs and the fix. Datums on the
    CGCS2000 / WGS 84 ellipsoid agree to a few centimetres and pass.

    >>> check_transformation(4490, 4545, where="a.shp")  # CGCS2000 to CGCS2000: fine
    >>> check_transformation(2379, 4545, where="a.shp")
    Traceback (most recent call last):
    ...
    rsgeo.errors.CRSError: a.shp: moving the data from EPSG:2379 ...
    """
    src, dst = pyproj.CRS.from_user_input(source), pyproj.CRS.from_user_input(target)
    if same_crs(src, dst):
        return
    ellipsoids = [c.ellipsoid for c in (src, dst)]
    if all(e is not None and abs(e.semi_major_metre - _CGCS2000_A) < 1.0 for e in ellipsoids):
        return  # CGCS2000, WGS 84, GRS 80: the same to a few centimetres
    transformer = pyproj.Transformer.from_crs(src, dst, always_xy=True)
    if "ballpark" in (transformer.description or "").casefold():
        note = datum_note(src) or datum_note(dst) or "the datums differ"
        raise CRSError(
            f"{where}: moving the data from {crs_label(src)} to {crs_label(dst)} needs a datum "
            f"transformation PROJ does not have (only a ballpark one, off by tens of metres); "
            f"{note}"
        )


def check_same_crs(layers: Mapping[str, Any]) -> pyproj.CRS:
    """Check that named layers share one CRS and return it.

    Raises :class:`~rsgeo.errors.CRSMismatchError` naming every layer whose
    CRS differs from the first, both CRSs and the fix; a layer without a CRS
    is an error too.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> a = gpd.GeoSeries([box(0, 0, 1, 1)], crs=4545)
    >>> check_same_crs({"patches": a, "farmland": a}).to_epsg()
    4545
    >>> check_same_crs({"patches": a, "farmland": a.to_crs(4490)})
    Traceback (most recent call last):
    ...
    rsgeo.errors.CRSMismatchError: layers are in different CRSs:
      - 'farmland' is in EPSG:4490 (China Geodetic Coordinate System 2000) but 'patches' is in EPSG:4545 (CGCS2000 / 3-degree Gauss-Kruger CM 108E); fix: farmland = farmland.to_crs(patches.crs)
    """
    problems: list[str] = []
    first_name: str | None = None
    first_crs: pyproj.CRS | None = None
    for name, layer in layers.items():
        crs = getattr(layer, "crs", None)
        if crs is None:
            problems.append(f"{name!r} has no CRS; fix: {name} = {name}.set_crs(...) (e.g. 4490)")
            continue
        crs = pyproj.CRS.from_user_input(crs)
        if first_crs is None:
            first_name, first_crs = name, crs
        elif not same_crs(crs, first_crs):
            problems.append(
                f"{name!r} is in {crs_label(crs)} but {first_name!r} is in {crs_label(first_crs)}; "
                f"fix: {name} = {name}.to_crs({first_name}.crs)"
            )
    if problems:
        raise CRSMismatchError(format_problems("layers are in different CRSs:", problems))
    if first_crs is None:
        raise CRSError("no layer given")
    return first_crs
