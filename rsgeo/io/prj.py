"""Recognising the CGCS2000 coordinate systems of ``.prj`` files.

ArcGIS writes China's Gauss-Krüger systems as ESRI WKT with
``PROJECTION["Gauss_Kruger"]``, named for example
``CGCS2000_3_Degree_GK_Zone_36`` (zone-prefixed eastings, false easting
36 500 000 m) or ``CGCS2000_3_Degree_GK_CM_108E`` (false easting 500 000 m).
Files from other software carry the same parameters under other names
(``Transverse_Mercator``, ``GCS_CGCS2000``, a custom PROJCS name, ...).
rsgeo identifies them **by their parameters** — ellipsoid, projection,
central meridian, false easting/northing, scale factor, latitude of origin —
and returns the EPSG CRS:

* geographic CGCS2000 → EPSG:4490;
* 3-degree zones 25–45 (CM = 3 × zone): prefixed EPSG:4488+zone
  (4513–4533), plain EPSG:4509+zone (4534–4554);
* 6-degree zones 13–23 (CM = 6 × zone − 3): prefixed EPSG:4478+zone
  (4491–4501), plain EPSG:4489+zone (4502–4512).

:func:`check_coordinates` catches the usual mismatch between a declared CRS
and the numbers in the file (degrees declared but metres stored, zone
prefix present but not declared, or the other way round).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyproj
from pyproj.exceptions import CRSError as PyprojCRSError

from rsgeo.errors import CRSError
from rsgeo.geo.crs import CGCS2000, crs_label, gk_crs_for_zone, gk_zone_of_crs

__all__ = ["check_coordinates", "crs_code", "crs_from_prj", "identify_cgcs2000"]

_A = 6378137.0
_RF = 298.257222101  # CGCS2000 (GRS80: 298.257222100882...)
_TM_METHODS = {"transverse mercator", "gauss kruger", "gauss-kruger", "gauss_kruger"}


def crs_code(crs: pyproj.CRS | None) -> str | None:
    """``'EPSG:4524'`` when the CRS has an EPSG code, else its name (None for None).

    >>> crs_code(pyproj.CRS.from_epsg(4524))
    'EPSG:4524'
    """
    if crs is None:
        return None
    code = crs.to_epsg()
    return f"EPSG:{code}" if code else crs.name


def _is_cgcs2000_ellipsoid(crs: pyproj.CRS) -> bool:
    ell = crs.ellipsoid
    if ell is None:
        return False
    datum = (crs.datum.name if crs.datum is not None else "").upper()
    if "WGS" in datum or "XIAN" in datum or "BEIJING" in datum:
        return False
    return bool(abs(ell.semi_major_metre - _A) < 1e-3 and abs(ell.inverse_flattening - _RF) < 1e-6)


def _tm_params(crs: pyproj.CRS) -> dict[str, float] | None:
    op = crs.coordinate_operation
    if op is None or op.method_name.strip().lower() not in _TM_METHODS:
        return None
    by_code = {p.code: float(p.value) for p in op.params}
    names = {p.name.lower(): float(p.value) for p in op.params}
    try:
        return {
            "lat0": by_code.get("8801", names.get("latitude of natural origin", 0.0)),
            "lon0": by_code["8802"] if "8802" in by_code else names["longitude of natural origin"],
            "k": by_code.get("8805", names.get("scale factor at natural origin", 1.0)),
            "fe": by_code["8806"] if "8806" in by_code else names["false easting"],
            "fn": by_code.get("8807", names.get("false northing", 0.0)),
        }
    except KeyError:
        return None


def _metre_axes(crs: pyproj.CRS) -> bool:
    return all(abs(float(ax.unit_conversion_factor) - 1.0) < 1e-12 for ax in crs.axis_info[:2])


def identify_cgcs2000(crs: pyproj.CRS) -> tuple[pyproj.CRS, str | None]:
    """The EPSG CRS a CGCS2000 CRS stands for, matched by its parameters.

    Returns ``(crs, how)``: the EPSG CRS and a description of the match, or
    the input unchanged and None when it is not a recognised CGCS2000
    geographic or Gauss-Krüger system.

    Examples
    --------
    >>> wkt = (
    ...     'PROJCS["my_gk",GEOGCS["GCS_CGCS2000",DATUM["D_CGCS2000",'
    ...     'SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
    ...     'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    ...     'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    ...     'PARAMETER["Central_Meridian",108.0],PARAMETER["Scale_Factor",1.0],'
    ...     'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]')
    >>> crs, how = identify_cgcs2000(pyproj.CRS(wkt))
    >>> crs.to_epsg(), how
    (4545, 'Gauss-Krüger parameters: CM 108°E, false easting 500000 m')
    """
    if not _is_cgcs2000_ellipsoid(crs):
        return crs, None
    if crs.is_geographic:
        pm = crs.prime_meridian
        if pm is not None and abs(pm.longitude) > 1e-12:
            return crs, None
        return CGCS2000, "geographic CGCS2000 parameters"
    if not crs.is_projected or not _metre_axes(crs):
        return crs, None
    p = _tm_params(crs)
    if p is None or abs(p["lat0"]) > 1e-9 or abs(p["k"] - 1.0) > 1e-12 or abs(p["fn"]) > 1e-6:
        return crs, None
    lon0, fe = p["lon0"], p["fe"]
    how = f"Gauss-Krüger parameters: CM {lon0:g}°E, false easting {fe:.0f} m"
    if abs(lon0 / 3.0 - round(lon0 / 3.0)) < 1e-9 and 25 <= round(lon0 / 3.0) <= 45:
        zone = round(lon0 / 3.0)
        if abs(fe - 500000.0) < 1e-6:
            return gk_crs_for_zone(zone), how
        if abs(fe - (zone * 1e6 + 500000.0)) < 1e-6:
            return gk_crs_for_zone(zone, prefixed=True), how
    six = (lon0 + 3.0) / 6.0
    if abs(six - round(six)) < 1e-9 and 13 <= round(six) <= 23:
        zone = round(six)
        if abs(fe - 500000.0) < 1e-6:
            return pyproj.CRS.from_epsg(4489 + zone), how + " (6-degree zone)"
        if abs(fe - (zone * 1e6 + 500000.0)) < 1e-6:
            return pyproj.CRS.from_epsg(4478 + zone), how + " (6-degree zone)"
    return crs, None


def crs_from_prj(text: str, *, where: str = "the .prj file") -> tuple[pyproj.CRS, str]:
    """Parse ``.prj`` text (ESRI or OGC WKT) to a CRS, with how it was found.

    CGCS2000 systems come back as their EPSG CRS, matched by parameters
    (see the module text).

    Raises
    ------
    CRSError
        The text is empty or not a CRS PROJ can read.

    Examples
    --------
    >>> wkt = pyproj.CRS.from_epsg(4524).to_wkt("WKT1_ESRI")
    >>> wkt[:38]
    'PROJCS["CGCS2000_3_Degree_GK_Zone_36",'
    >>> crs, how = crs_from_prj(wkt)
    >>> crs.to_epsg(), how
    (4524, '.prj Gauss-Krüger parameters: CM 108°E, false easting 36500000 m')
    """
    body = text.strip().lstrip("\ufeff")
    if not body:
        raise CRSError(
            f"{where} is empty, so the coordinate system is unknown; pass crs=... "
            "(e.g. crs='EPSG:4545' for CGCS2000 3-degree GK CM 108°E)"
        )
    try:
        parsed = pyproj.CRS.from_user_input(body)
    except PyprojCRSError as err:
        shown = body if len(body) <= 200 else body[:200] + "…"
        raise CRSError(
            f"{where} cannot be read as a coordinate system ({err}); it says: {shown!r}. "
            "Fix the .prj file, or delete it and pass crs=... (e.g. crs='EPSG:4545')"
        ) from err
    crs, how = identify_cgcs2000(parsed)
    if how is not None:
        return crs, f".prj {how}"
    return parsed, ".prj file" + ("" if parsed.to_epsg() else " (no EPSG code)")


def suggest_from_eastings(minx: float, maxx: float) -> str:
    """A crs=... suggestion for metre coordinates, from the eastings."""
    if minx >= 1e7 and maxx < 1e8 and int(minx // 1e6) == int(maxx // 1e6):
        zone = int(minx // 1e6)
        if 25 <= zone <= 45:
            code = gk_crs_for_zone(zone, prefixed=True).to_epsg()
            return (
                f"the eastings start with zone number {zone}: they look like CGCS2000 "
                f"3-degree Gauss-Krüger zone {zone} with the zone prefix; pass crs='EPSG:{code}'"
            )
    if minx >= 1e5 and maxx < 1e6:
        return (
            "the eastings have 6 digits (no zone prefix): pass the plain CGCS2000 3-degree "
            "Gauss-Krüger CRS of the central meridian, e.g. crs='EPSG:4545' for CM 108°E "
            "(EPSG:4509 + zone, zone = CM / 3)"
        )
    return "pass the right crs=... (EPSG:4490 for longitude/latitude)"


_CHINA_LAT: tuple[float, float] = (3.0, 54.0)
"""Latitudes of China, the Nansha islands to Mohe (degrees north)."""
_CHINA_NORTHING: tuple[float, float] = (330_000.0, 5_990_000.0)
"""Gauss-Krüger northings of those latitudes on CGCS2000 (metres)."""


def check_coordinates(crs: pyproj.CRS, bounds: Any, *, where: str) -> None:
    """Raise :class:`CRSError` when the coordinates cannot be in ``crs``.

    Checks: degrees in a geographic CRS (|x| ≤ 180, |y| ≤ 90), latitudes in
    China (3°–54°N); for CGCS2000 Gauss-Krüger, eastings with the zone prefix
    exactly when the CRS has one, in its zone, not in degrees, and northings
    in China (330 000–5 990 000 m).

    Parameters
    ----------
    crs : pyproj.CRS
        The declared CRS.
    bounds : sequence of 4 floats
        ``(minx, miny, maxx, maxy)`` of the data (NaN when empty).
    where : str
        The file, for the message.

    Examples
    --------
    >>> check_coordinates(pyproj.CRS.from_epsg(4490), (108.6, 25.0, 109.4, 25.8), where="a.shp")
    >>> check_coordinates(pyproj.CRS.from_epsg(4490), (36_600_000.0, 2.8e6, 36_650_000.0, 2.9e6),
    ...                   where="a.shp")
    Traceback (most recent call last):
    ...
    rsgeo.errors.CRSError: a.shp: the file declares EPSG:4490 ...
    """
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        return
    found = f"x from {minx:.3f} to {maxx:.3f}, y from {miny:.3f} to {maxy:.3f}"
    declared = f"the file declares {crs_label(crs)}"
    if crs.is_geographic:
        if max(abs(minx), abs(maxx)) <= 90.0 < max(abs(miny), abs(maxy)) <= 180.0:
            raise CRSError(
                f"{where}: {declared} (degrees), but x looks like latitude and y like "
                f"longitude ({found}): the columns are swapped. Swap them in the source "
                "data (x = longitude, y = latitude) and read it again"
            )
        if (
            max(abs(minx), abs(maxx)) <= 180.0
            and max(abs(miny), abs(maxy)) <= 90.0
            and not (_CHINA_LAT[0] <= miny and maxy <= _CHINA_LAT[1])
        ):
            raise CRSError(
                f"{where}: {declared}, but the latitudes are outside China "
                f"({_CHINA_LAT[0]:g}°–{_CHINA_LAT[1]:g}°N; {found}): the data are not where "
                "the file says; check the CRS and the coordinates of the delivery"
            )
        if max(abs(minx), abs(maxx)) > 180.0 or max(abs(miny), abs(maxy)) > 90.0:
            raise CRSError(
                f"{where}: {declared} (degrees), but the coordinates are metres ({found}); "
                f"{suggest_from_eastings(minx, maxx)}"
            )
        return
    zone_info = gk_zone_of_crs(crs)
    if zone_info is None:
        return
    zone, prefixed = zone_info
    if max(abs(minx), abs(maxx)) <= 180.0 and max(abs(miny), abs(maxy)) <= 90.0:
        raise CRSError(
            f"{where}: {declared} (metres), but the coordinates look like degrees ({found}); "
            "pass crs='EPSG:4490' if they are CGCS2000 longitude/latitude"
        )
    if prefixed:
        ok = int(minx // 1e6) == zone and int(maxx // 1e6) == zone
    else:
        ok = minx > 0.0 and maxx < 1e6
    if not ok:
        raise CRSError(
            f"{where}: {declared}, which "
            + (
                f"expects eastings {zone} 000 000–{zone} 999 999 (zone prefix {zone})"
                if prefixed
                else "expects eastings without a zone prefix (6 digits)"
            )
            + f", but the coordinates have {found}; {suggest_from_eastings(minx, maxx)}"
        )
    if not (_CHINA_NORTHING[0] <= miny and maxy <= _CHINA_NORTHING[1]):
        raise CRSError(
            f"{where}: {declared}, but the northings are outside China "
            f"({_CHINA_NORTHING[0]:,.0f}–{_CHINA_NORTHING[1]:,.0f} m, latitudes "
            f"{_CHINA_LAT[0]:g}°–{_CHINA_LAT[1]:g}°N; {found}): the data are not where the "
            "file says; check the CRS and the coordinates of the delivery"
        )
