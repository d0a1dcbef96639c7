"""Cut a job's patches into partitions: by county, or by spatial tiles.

A patch belongs to the county of the township its inside point lies in: the
county code is the first 6 digits of the township code (XZQDM, e.g.
``450225`` of ``450225100``). A point outside every township takes the
nearest township's county. A county holding more than
:attr:`~rsgeo.options.ClusterOptions.max_patches` patches is cut into tiles:
runs of its patches ordered along a Hilbert curve, so each tile is compact
and reads few layer features.

A township whose code is missing or does not start with 6 digits names no
county: its patches are not run but reported (:class:`BadPartition`), by the
township's name, so that patches in = patches out + patches reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from rsgeo.options import ClusterOptions

__all__ = ["COUNTY_CODE_DIGITS", "BadPartition", "Partition", "county_codes", "plan_partitions"]

COUNTY_CODE_DIGITS = 6
"""A county code is the first 6 digits of a township code (XZQDM)."""

NO_SHAPE_KEY = "no-shape"
"""The partition of the patches without a shape (they overlay nothing, and stay in the run)."""


@dataclass(frozen=True)
class Partition:
    """One Dask task's share of the patches.

    Attributes
    ----------
    key : str
        ``"450225"`` (a county), ``"450225-t02"`` (a tile of a county),
        ``"tile-0003"`` (``partition_by="tile"``).
    county_code, county_name : str
        The county (``""`` for tiles cut regardless of counties).
    patch_ids : tuple of str
        The patches, in the order of the job's patch table.
    """

    key: str
    county_code: str
    county_name: str
    patch_ids: tuple[str, ...]

    @property
    def label(self) -> str:
        """The key with the county's name, for progress lines and reports."""
        return f"{self.key} {self.county_name}".strip()


@dataclass(frozen=True)
class BadPartition:
    """Patches that were not run, and why (reported by name in the run's report)."""

    key: str
    name: str
    n_patches: int
    reason: str
    patch_ids: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def as_dict(self) -> dict[str, object]:
        """For ``run.json``."""
        return {
            "key": self.key,
            "name": self.name,
            "patches": self.n_patches,
            "reason": self.reason,
        }


def county_codes(townships: gpd.GeoDataFrame) -> pd.Series:
    """The county code of each township (its code's first 6 digits), ``""`` when it has none.

    >>> t = gpd.GeoDataFrame({"township_code": ["450225100", None, "4502"]},
    ...                      geometry=[None, None, None])
    >>> county_codes(t).tolist()
    ['450225', '', '']
    """
    codes = townships["township_code"].astype(object).where(townships["township_code"].notna(), "")
    head = codes.astype(str).str.strip().str[:COUNTY_CODE_DIGITS]
    ok = head.str.fullmatch(rf"\d{{{COUNTY_CODE_DIGITS}}}").fillna(False).astype(bool)
    return head.where(ok, "")


def _township_of(patches: gpd.GeoDataFrame, townships: gpd.GeoDataFrame) -> np.ndarray:
    """Row of the township each patch's inside point lies in (nearest if none); -1 without shape."""
    geoms = patches.geometry.to_numpy()
    has_shape = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    out = np.full(len(patches), -1, dtype=np.int64)
    if not has_shape.any() or not len(townships):
        return out
    points = shapely.point_on_surface(geoms[has_shape])
    rows = np.flatnonzero(has_shape)
    hit_point, hit_town = townships.sindex.query(points, predicate="within")
    found = np.full(len(points), -1, dtype=np.int64)
    # a point on a shared border: the first township in the layer's order
    first = pd.Series(hit_town).groupby(hit_point).min()
    found[first.index.to_numpy()] = first.to_numpy()
    lost = np.flatnonzero(found < 0)
    if len(lost):
        near_point, near_town = townships.sindex.nearest(points[lost], return_all=False)
        found[lost[near_point]] = near_town
    out[rows] = found
    return out


def _tiles(patches: gpd.GeoDataFrame, rows: np.ndarray, max_patches: int) -> list[np.ndarray]:
    """Rows ``rows`` cut into runs of at most ``max_patches`` along a Hilbert curve.

    Each run is returned in table order.
    """
    if len(rows) <= max_patches:
        return [rows]
    sub = patches.geometry.to_numpy()[rows]
    points = gpd.GeoSeries(shapely.point_on_surface(sub), crs=patches.crs)
    order = np.argsort(points.hilbert_distance(total_bounds=patches.total_bounds), kind="stable")
    n_tiles = math.ceil(len(rows) / max_patches)
    return [np.sort(rows[run]) for run in np.array_split(order, n_tiles)]


def plan_partitions(
    patches: gpd.GeoDataFrame,
    townships: gpd.GeoDataFrame,
    *,
    options: ClusterOptions | None = None,
) -> tuple[list[Partition], list[BadPartition]]:
    """The partitions of a job's patches, and the patches that cannot be run.

    Parameters
    ----------
    patches : GeoDataFrame
        The job's patches (indexed by ``patch_id``), in the working CRS.
    townships : GeoDataFrame
        ``township_code``, ``township_name`` (and ``county_name`` when the
        layer has it), in the same CRS.
    options : ClusterOptions, optional
        ``partition_by`` and ``max_patches``.

    Returns
    -------
    partitions, bad
        Every patch is in exactly one partition or one :class:`BadPartition`.
    """
    opts = options or ClusterOptions()
    town_row = _township_of(patches, townships)
    ids = np.asarray(patches.index, dtype=object)
    positions = np.arange(len(patches))
    parts: list[Partition] = []
    bad: list[BadPartition] = []

    def add(key: str, code: str, name: str, rows: np.ndarray) -> None:
        for i, run in enumerate(_tiles(patches, rows, opts.max_patches)):
            part_key = key if len(run) == len(rows) else f"{key}-t{i + 1:02d}"
            parts.append(Partition(part_key, code, name, tuple(map(str, ids[run]))))

    no_shape = positions[town_row < 0]
    if opts.partition_by == "tile":
        rows = positions[town_row >= 0]
        for i, run in enumerate(_tiles(patches, rows, opts.max_patches)):
            parts.append(Partition(f"tile-{i + 1:04d}", "", "", tuple(map(str, ids[run]))))
    else:
        county = county_codes(townships).to_numpy()
        names = (
            townships["county_name"].astype(str).to_numpy()
            if "county_name" in townships.columns
            else np.full(len(townships), "", dtype=object)
        )
        placed = town_row >= 0
        code_of = np.full(len(patches), "", dtype=object)
        code_of[placed] = county[town_row[placed]]
        # townships that name no county: their patches are reported, by township
        for t in np.unique(town_row[placed & (code_of == "")]):
            rows = positions[town_row == t]
            tname = str(townships["township_name"].iloc[t])
            raw = townships["township_code"].iloc[t]
            code = "is missing" if pd.isna(raw) or not str(raw).strip() else f"{raw!r} does not"
            if code.endswith("does not"):
                code += f" start with {COUNTY_CODE_DIGITS} digits"
            bad.append(
                BadPartition(
                    f"township:{tname}",
                    tname,
                    len(rows),
                    f"the township's code {code}: its county is unknown",
                    tuple(map(str, ids[rows])),
                )
            )
        for code in sorted(set(code_of[placed]) - {""}):
            rows = positions[placed & (code_of == code)]
            first = int(np.flatnonzero(county == code)[0])
            add(code, code, str(names[first]) if names[first] != "nan" else "", rows)
    if len(no_shape):
        parts.append(Partition(NO_SHAPE_KEY, "", "", tuple(map(str, ids[no_shape]))))
    return parts, bad
