"""Geometry repair and the reports that say what reading changed.

Delivered patch files and reference layers often hold invalid polygons
(self-crossing "bow-ties", rings touching themselves, duplicated vertices),
empty or null shapes, and now and then a stray line or point.
:func:`repair_geometry` turns every feature into a valid ``MultiPolygon``
without dropping a row, and returns a :class:`GeometryReport` listing, by id,
every feature that was repaired, lost its non-polygon parts, collapsed to
nothing, or was empty on input. :class:`ReadReport` is what
``rsgeo.read_patches`` and ``rsgeo.read_layer`` attach to their result as
``gdf.attrs["rsgeo_read_report"]``.

Conventions
-----------
* Every output geometry is a 2-D ``MultiPolygon`` (a one-part patch becomes a
  one-part ``MultiPolygon``), so code downstream never has to branch on the
  type. Rows whose geometry is null, empty, or left with no polygonal part
  keep an empty ``MultiPolygon``: no patch disappears from a table because of
  its geometry, and the report names it.
* Repair uses ``shapely.make_valid(method="structure")``: a self-crossing
  ring keeps the area of both lobes (the bow-tie ``(0 0, 2 2, 2 0, 0 2)``
  becomes two triangles of 1 m² each), holes are subtracted from shells.
* Z and M values are dropped (areas are 2-D on the ellipsoid).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from rsgeo.errors import GeometryError, InputError

__all__ = ["GeometryReport", "ReadReport", "repair_geometry"]


_POLYGON = 3  # shapely type ids
_MULTIPOLYGON = 6
_MULTI_OR_COLLECTION = (4, 5, 6, 7)
_MAX_IDS_SHOWN = 20


def _show_ids(ids: list[Hashable], limit: int = _MAX_IDS_SHOWN) -> str:
    text = ", ".join(str(i) for i in ids[:limit])
    if len(ids) > limit:
        text += f", … (+{len(ids) - limit})"
    return text


@dataclass
class GeometryReport:
    """What :func:`repair_geometry` changed, feature by feature.

    Ids are the index values of the input (``patch_id`` for patches).

    Attributes
    ----------
    label : str
        Name of the layer, used in messages.
    n_features : int
        Number of input rows (all of them are kept).
    repaired : list
        Ids of invalid geometries repaired with ``make_valid``; they still
        have polygonal area.
    collapsed : list
        Ids whose geometry had no polygonal part left after repair (a
        zero-area sliver, a line or a point): their geometry is now empty.
    parts_dropped : list
        Ids that kept their polygons but lost line or point parts.
    empty_input : list
        Ids whose geometry was null or empty in the input.
    nonfinite_vertices : dict
        Id -> number of vertices with NaN or infinite coordinates removed
        (the ring is closed again without them, so the area changes; a ring
        left with fewer than 3 vertices is dropped).
    reasons : dict
        Id -> GEOS validity reason (e.g. ``"Self-intersection[1 1]"``) for
        every invalid input geometry.
    n_had_z : int
        Number of features whose Z/M values were dropped.
    """

    label: str
    n_features: int
    repaired: list[Hashable] = field(default_factory=list)
    collapsed: list[Hashable] = field(default_factory=list)
    parts_dropped: list[Hashable] = field(default_factory=list)
    empty_input: list[Hashable] = field(default_factory=list)
    nonfinite_vertices: dict[Hashable, int] = field(default_factory=dict)
    reasons: dict[Hashable, str] = field(default_factory=dict)
    n_had_z: int = 0

    @property
    def emptied(self) -> list[Hashable]:
        """Ids whose geometry is empty in the output (empty input or collapsed)."""
        return [*self.empty_input, *self.collapsed]

    @property
    def has_problems(self) -> bool:
        """True when any feature was repaired, emptied or changed in type."""
        return bool(
            self.repaired
            or self.collapsed
            or self.parts_dropped
            or self.empty_input
            or self.nonfinite_vertices
        )

    def status(self, ids: Any) -> pd.Series:
        """One status code per id, ``""`` when unchanged.

        The codes are the keys of :data:`rsgeo.schema.labels.GEOMETRY_STATUS_LABELS`.

        The most serious change wins: ``empty`` (null or empty on input),
        ``collapsed``, ``nonfinite_vertices``, ``repaired``, ``parts_dropped``.

        >>> r = GeometryReport("p", 3, repaired=["A1"], empty_input=["A3"])
        >>> r.status(["A1", "A2", "A3"]).tolist()
        ['repaired', '', 'empty']
        """
        index = pd.Index(ids)
        out = pd.Series("", index=index, dtype=object)
        for code, hit in reversed(
            (
                ("empty", self.empty_input),
                ("collapsed", self.collapsed),
                ("nonfinite_vertices", list(self.nonfinite_vertices)),
                ("repaired", self.repaired),
                ("parts_dropped", self.parts_dropped),
            )
        ):
            out[index.isin(hit)] = code
        return out.astype("str")

    def __bool__(self) -> bool:
        return self.has_problems

    def summary(self) -> str:
        """Readable text (Chinese and English) of what was changed.

        Examples
        --------
        >>> r = GeometryReport("patches", 3, repaired=["A1"], empty_input=["A3"])
        >>> print(r.summary())
        patches: 3 features / 3 个要素
          - 1 repaired (invalid geometry made valid) / 修复无效几何 1 个: A1
          - 1 empty or null on input / 输入为空几何 1 个: A3
        """
        lines = [f"{self.label}: {self.n_features} features / {self.n_features} 个要素"]
        items = [
            (self.repaired, "repaired (invalid geometry made valid)", "修复无效几何"),
            (self.collapsed, "collapsed to no area after repair", "修复后无面积（已置空）"),
            (self.parts_dropped, "lost line/point parts", "删除了线/点部分"),
            (self.empty_input, "empty or null on input", "输入为空几何"),
        ]
        for ids, en, zh in items:
            if ids:
                lines.append(f"  - {len(ids)} {en} / {zh} {len(ids)} 个: {_show_ids(ids)}")
        if self.nonfinite_vertices:
            bad = list(self.nonfinite_vertices)
            n = sum(self.nonfinite_vertices.values())
            lines.append(
                f"  - {len(bad)} had {n} vertices with NaN/infinite coordinates, removed "
                f"(area changed) / 含无效坐标（NaN/无穷）的顶点已删除（面积随之改变）"
                f"{len(bad)} 个: {_show_ids(bad)}"
            )
        if self.n_had_z:
            lines.append(
                f"  - Z/M values dropped on {self.n_had_z} / 去除 Z/M 值 {self.n_had_z} 个"
            )
        if len(lines) == 1:
            lines.append("  - all geometries valid / 几何全部有效")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __deepcopy__(self, memo: dict[int, Any]) -> GeometryReport:
        # finished when attached to a table: pandas deep-copies ``attrs`` on
        # every operation, and the copies share this one report
        return self


@dataclass
class ReadReport:
    """How a file was read: encoding, CRS, field names and geometry repairs.

    Attached to every GeoDataFrame returned by ``rsgeo.read_patches`` and
    ``rsgeo.read_layer`` as ``gdf.attrs["rsgeo_read_report"]``.

    Attributes
    ----------
    path : str
        The file (or folder, for FileGDB) that was read.
    layer : str or None
        The layer read (GeoPackage / FileGDB / zipped layers).
    driver : str
        GDAL driver name (``"ESRI Shapefile"``, ``"GPKG"``, ...).
    encoding : str or None
        Encoding used for text attributes (None when the format defines it,
        e.g. GeoPackage and GeoJSON are always UTF-8).
    encoding_source : str
        How the encoding was decided (``"argument"``, ``".cpg file"``,
        ``"DBF language driver byte 0x4D"``, ``"detected ..."``, ``"format"``).
    crs : str or None
        The CRS of the result, as ``"EPSG:4524"`` when it has an EPSG code.
    crs_source : str
        How the CRS was decided (``"file"``, ``"argument"``,
        ``".prj Gauss_Kruger parameters"``, ...).
    field_mapping : dict
        Source field name -> canonical name, for every renamed field.
    geometry : GeometryReport or None
        What geometry repair changed.
    shapes_cut_off : int
        Shapes of a Shapefile that lie past the end of its ``.shp`` (a file
        cut short): they read as empty geometries.
    warnings : list of str
        Anything else the user should know.
    window : str
        For a reference layer read for given patches: whether only the
        features meeting the patches' boxes were read, or the whole layer,
        and why (:class:`rsgeo.io.windowed.WindowedRead`); ``""`` otherwise.

    Notes
    -----
    A report is finished when it is attached to a table: copies of the
    table (pandas deep-copies ``attrs`` on every operation) share it.
    """

    path: str
    layer: str | None = None
    driver: str = ""
    encoding: str | None = None
    encoding_source: str = ""
    crs: str | None = None
    crs_source: str = ""
    field_mapping: dict[str, str] = field(default_factory=dict)
    geometry: GeometryReport | None = None
    shapes_cut_off: int = 0
    warnings: list[str] = field(default_factory=list)
    window: str = ""

    @property
    def has_problems(self) -> bool:
        """True when geometry was changed or there are warnings."""
        return bool(self.warnings) or bool(self.geometry)

    def summary(self) -> str:
        """Readable text (Chinese and English) of how the file was read.

        Examples
        --------
        >>> r = ReadReport("a.shp", driver="ESRI Shapefile", encoding="gb18030",
        ...                encoding_source=".cpg file", crs="EPSG:4545",
        ...                crs_source="file", field_mapping={"JCBH": "patch_id"})
        >>> print(r.summary())
        a.shp (ESRI Shapefile)
          encoding / 编码: gb18030 (.cpg file)
          CRS / 坐标系: EPSG:4545 (file)
          fields / 字段: JCBH→patch_id
        """
        where = self.path if self.layer is None else f"{self.path} [layer {self.layer}]"
        lines = [f"{where} ({self.driver})"]
        if self.encoding is not None:
            lines.append(f"  encoding / 编码: {self.encoding} ({self.encoding_source})")
        lines.append(f"  CRS / 坐标系: {self.crs} ({self.crs_source})")
        if self.field_mapping:
            pairs = ", ".join(f"{k}→{v}" for k, v in self.field_mapping.items())
            lines.append(f"  fields / 字段: {pairs}")
        if self.window:
            lines.append(f"  features / 要素: {self.window}")
        if self.geometry is not None and self.geometry.has_problems:
            lines += ["  " + line for line in self.geometry.summary().splitlines()]
        lines += [f"  warning / 警告: {w}" for w in self.warnings]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __deepcopy__(self, memo: dict[int, Any]) -> ReadReport:
        return self  # shared by the copies of its table, see the notes


def _flatten(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All non-collection parts of ``geoms`` with the row each came from."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    while True:
        nested = np.isin(shapely.get_type_id(parts), _MULTI_OR_COLLECTION)
        if not nested.any():
            return parts, index
        sub, sub_index = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], sub])
        index = np.concatenate([index[~nested], index[nested][sub_index]])
        order = np.argsort(index, kind="stable")
        parts, index = parts[order], index[order]


_EMPTY = shapely.MultiPolygon()


def _empty_multipolygons(n: int) -> np.ndarray:
    out = np.empty(n, dtype=object)
    out[:] = _EMPTY  # geometries are immutable: one shared empty is safe
    return out


def _to_multipolygons(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MultiPolygons of the polygonal parts; flags for rows that lost parts.

    Returns (multipolygons, had_polygon, lost_other_parts).
    """
    n = len(geoms)
    parts, index = _flatten(geoms)
    is_poly = (shapely.get_type_id(parts) == _POLYGON) & ~shapely.is_empty(parts)
    had_polygon = np.zeros(n, dtype=bool)
    had_polygon[index[is_poly]] = True
    lost = np.zeros(n, dtype=bool)
    lost[index[~is_poly & ~shapely.is_empty(parts)]] = True
    out = _empty_multipolygons(n)
    if is_poly.any():
        shapely.multipolygons(parts[is_poly], indices=index[is_poly], out=out)
    return out, had_polygon, lost


def _has_nonfinite(geoms: np.ndarray) -> np.ndarray:
    """Rows with a NaN or infinite coordinate."""
    out = np.zeros(len(geoms), dtype=bool)
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    bad = ~np.isfinite(coords).all(axis=1)
    out[index[bad]] = True
    return out


def _finite_ring(ring: Any) -> tuple[np.ndarray | None, int]:
    coords = shapely.get_coordinates(ring)
    keep = np.isfinite(coords).all(axis=1)
    coords = coords[keep]
    if len(coords) and not np.array_equal(coords[0], coords[-1]):
        coords = np.vstack([coords, coords[:1]])
    usable = len(coords) >= 4 and len(np.unique(coords[:-1], axis=0)) >= 3
    return (coords if usable else None), int((~keep).sum())


def _without_nonfinite(geom: Any) -> tuple[Any, int]:
    """``geom``'s polygons without their NaN/infinite vertices; vertices removed."""
    polygons = []
    dropped = 0
    for part in shapely.get_parts(_flatten(np.array([geom], dtype=object))[0]):
        if shapely.get_type_id(part) != _POLYGON:
            dropped += int((~np.isfinite(shapely.get_coordinates(part)).all(axis=1)).sum())
            continue  # lines and points are dropped by the repair anyway
        shell, n = _finite_ring(part.exterior)
        dropped += n
        holes = []
        for interior in part.interiors:
            hole, n = _finite_ring(interior)
            dropped += n
            if hole is not None:
                holes.append(hole)
        if shell is not None:
            polygons.append(shapely.Polygon(shell, holes))
    return shapely.MultiPolygon(polygons) if polygons else _EMPTY, dropped


def repair_geometry(
    gdf: gpd.GeoDataFrame,
    *,
    make_valid: bool = True,
    label: str = "layer",
    known_valid: bool = False,
) -> tuple[gpd.GeoDataFrame, GeometryReport]:
    """Make every geometry a valid MultiPolygon and report what changed.

    Parameters
    ----------
    gdf : GeoDataFrame
        Polygons (any mix of Polygon, MultiPolygon, GeometryCollection; null
        and empty allowed). Not modified.
    make_valid : bool, default True
        Repair invalid geometries with ``shapely.make_valid`` (method
        ``"structure"``). With False, any invalid geometry raises
        :class:`~rsgeo.errors.GeometryError` naming how many and which.
    label : str, default "layer"
        Name of the layer for the report and messages.
    known_valid : bool, default False
        Every non-empty geometry is known to be valid (GEOS ``is_valid``, so
        with finite coordinates): checked when the file was written, as a
        GeoParquet's record says (:func:`rsgeo.io.geoparquet.read_geoparquet_checked`).
        The per-feature validity and coordinate checks are skipped; nulls,
        empties, Z values and the MultiPolygon conversion are handled as always.

    Returns
    -------
    GeoDataFrame
        A copy with the same index, columns and CRS; every geometry a 2-D
        ``MultiPolygon`` (empty for null, empty or collapsed input).
    GeometryReport
        Ids of repaired, collapsed, part-dropped and empty features.

    Raises
    ------
    GeometryError
        With ``make_valid=False`` and at least one invalid geometry.

    Examples
    --------
    The self-crossing bow-tie keeps both triangles (1 m² each):

    >>> import geopandas as gpd
    >>> from shapely import Polygon
    >>> bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    >>> gdf = gpd.GeoDataFrame(geometry=[bowtie, None], index=["A1", "A2"])
    >>> fixed, report = repair_geometry(gdf, label="patches")
    >>> fixed.geometry.area.tolist()
    [2.0, 0.0]
    >>> report.repaired, report.empty_input
    (['A1'], ['A2'])
    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(
            f"{label}: repair_geometry expects a GeoDataFrame, got {type(gdf).__name__}."
        )
    ids = np.asarray(gdf.index, dtype=object)
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    report = GeometryReport(label=label, n_features=len(gdf))

    missing = shapely.is_missing(geoms)
    empty = missing | shapely.is_empty(geoms)
    report.empty_input = ids[empty].tolist()

    has_z = ~empty & shapely.has_z(geoms)
    report.n_had_z = int(has_z.sum())
    if has_z.any():
        geoms = geoms.copy()
        geoms[has_z] = shapely.force_2d(geoms[has_z])

    nonfinite = np.zeros(len(geoms), dtype=bool) if known_valid else ~empty & _has_nonfinite(geoms)
    if nonfinite.any() and make_valid:  # without make_valid they are invalid, and refused
        geoms = geoms.copy()
        for row in np.flatnonzero(nonfinite):
            geoms[row], dropped = _without_nonfinite(geoms[row])
            report.nonfinite_vertices[ids[row]] = dropped

    invalid = np.zeros(len(geoms), dtype=bool) if known_valid else ~empty & ~shapely.is_valid(geoms)
    if invalid.any():
        reasons = shapely.is_valid_reason(geoms[invalid])
        report.reasons = dict(zip(ids[invalid].tolist(), reasons.tolist(), strict=True))
        if not make_valid:
            bad = ids[invalid].tolist()
            shown = "; ".join(f"{i}: {report.reasons[i]}" for i in bad[:_MAX_IDS_SHOWN])
            more = f" (+{len(bad) - _MAX_IDS_SHOWN} more)" if len(bad) > _MAX_IDS_SHOWN else ""
            raise GeometryError(
                f"{label}: {len(bad)} invalid geometr{'y' if len(bad) == 1 else 'ies'} "
                f"/ 无效几何 {len(bad)} 个: {shown}{more}. "
                "Repair them in GIS software, or pass make_valid=True to repair them "
                "automatically (the repairs are listed in the report)."
            )
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid], method="structure")

    # valid polygons and multipolygons need no flattening: a polygon is
    # wrapped, a multipolygon kept; only the rest is taken apart
    types = shapely.get_type_id(geoms)
    simple = ~empty & ~invalid & ~nonfinite & ((types == _POLYGON) | (types == _MULTIPOLYGON))
    rest = np.flatnonzero(~simple)
    out = _empty_multipolygons(len(geoms))
    had_polygon = simple.copy()
    lost = np.zeros(len(geoms), dtype=bool)
    multi = simple & (types == _MULTIPOLYGON)
    out[multi] = geoms[multi]
    single = np.flatnonzero(simple & (types == _POLYGON))
    if len(single):
        out[single] = shapely.multipolygons(geoms[single][:, None])
    if len(rest):
        work = geoms[rest].copy()
        work[empty[rest]] = None
        out[rest], had_polygon[rest], lost[rest] = _to_multipolygons(work)

    # Polygon parts taken out of a collection may touch along an edge, which
    # makes the MultiPolygon invalid: merge those (rare) rows.
    fix_again = had_polygon & (invalid | lost)
    if fix_again.any():
        rows = np.flatnonzero(fix_again)
        bad = rows[~shapely.is_valid(out[rows])]
        for row in bad:
            merged = shapely.union_all(shapely.get_parts(out[row]))
            fixed, _, _ = _to_multipolygons(np.array([merged], dtype=object))
            out[row] = fixed[0]

    collapsed = ~empty & ~had_polygon
    report.collapsed = ids[collapsed].tolist()
    report.repaired = ids[invalid & had_polygon].tolist()
    report.parts_dropped = ids[~invalid & lost & had_polygon].tolist()

    result = gdf.copy(deep=False)  # copy-on-write: the input is never changed
    geom_name = result.geometry.name
    result[geom_name] = gpd.GeoSeries(out, index=result.index, crs=gdf.crs)
    return result, report
