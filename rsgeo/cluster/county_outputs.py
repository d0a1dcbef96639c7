"""Maps and dossiers of a province, one folder per county.

A province's patches never share one page: each county gets its overview map
and its field maps (one per township) under ``maps/<县代码>_<县名称>/``, and,
for the counties in ``[cluster] dossier_counties`` (all by default), its
dossiers under ``dossiers/<县代码>_<县名称>/``. The writers are those of a
single run (:func:`rsgeo.outputs.maps.county_map`,
:func:`rsgeo.outputs.maps.field_maps`,
:func:`rsgeo.outputs.dossier.build.build_dossiers`), handed the county's
patches, townships, statistics rows, evidence photos and the reference
features near them; they leave sealed (military) patches out as they do in a
single run.

:func:`county_work` cuts a run into one :class:`CountyWork` per county (plain
data: it pickles, so a Dask worker can write it); :func:`write_county`
writes one. A cluster run hands them to its workers while the client writes
the province's tables; :func:`write_county_maps_and_dossiers` writes them
all in this process.
"""

from __future__ import annotations

import html
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from rsgeo.cluster.partition import COUNTY_CODE_DIGITS
from rsgeo.io.evidence import PhotoMatches
from rsgeo.options import MAP_LAYER_KEYS, CriteriaThresholds, MapOptions
from rsgeo.outputs.names import safe_file_name
from rsgeo.pipeline import JobResult
from rsgeo.schema.labels import COUNTY_LABELS
from rsgeo.stats.township import TOTAL_LABEL, township_rows

__all__ = [
    "CountyWork",
    "county_folder_name",
    "county_work",
    "write_county",
    "write_county_maps_and_dossiers",
    "write_province_unplaced_photos",
]


def county_folder_name(code: str, name: str) -> str:
    """``"450225_融水苗族自治县"``: a county's folder (a safe file name).

    >>> county_folder_name("450225", "融水苗族自治县")
    '450225_融水苗族自治县'
    """
    return safe_file_name(f"{code}_{name}" if name and name != code else code, fallback=code)


@dataclass(frozen=True)
class CountyWork:
    """One county's maps and dossiers, as plain data (it pickles for a Dask worker).

    Attributes
    ----------
    code, name : str
        County code (6 digits) and name.
    folder : str
        The county's folder name (:func:`county_folder_name`).
    result : GeoDataFrame
        The county's rows of the run's per-patch table.
    townships : GeoDataFrame
        The county's townships.
    stats : DataFrame or None
        Its township rows and its county row as the total (the overview map's
        table); None when no overview is written.
    layers : dict of str to GeoDataFrame
        The reference features the maps draw, those whose boxes meet the
        county's patches and townships (every page shows only these parts).
    show_layers : list of str
        Keys of ``layers`` to draw.
    county_map, field_maps, dossiers : bool
        What to write.
    title : str
        The overview map's title.
    map_options : MapOptions
    criteria : CriteriaThresholds
    imagery : dict of str to str
        ``before``/``after`` imagery for the dossiers.
    findings : DataFrame or None
        The review's findings of the county's patches.
    photos : PhotoMatches or None
        The evidence photos placed in the county's patches (none unplaced:
        those are listed once for the province).
    overwrite : bool
    """

    code: str
    name: str
    folder: str
    result: gpd.GeoDataFrame
    townships: gpd.GeoDataFrame
    stats: pd.DataFrame | None
    layers: dict[str, gpd.GeoDataFrame]
    show_layers: list[str]
    county_map: bool
    field_maps: bool
    dossiers: bool
    title: str
    map_options: MapOptions
    criteria: CriteriaThresholds
    imagery: dict[str, str] = field(default_factory=dict)
    findings: pd.DataFrame | None = None
    photos: PhotoMatches | None = None
    overwrite: bool = False


def _near(
    layer: gpd.GeoDataFrame, b: np.ndarray, bounds: tuple[float, float, float, float]
) -> gpd.GeoDataFrame:
    """The features of ``layer`` (their boxes ``b``) whose boxes meet ``bounds``, in order."""
    if layer.empty:
        return layer
    hit = (b[:, 0] <= bounds[2]) & (b[:, 2] >= bounds[0]) & (b[:, 1] <= bounds[3])
    hit &= b[:, 3] >= bounds[1]
    return layer.iloc[np.flatnonzero(hit)]


def county_work(
    jr: JobResult,
    *,
    county_of: pd.Series,
    county_stats: pd.DataFrame,
    want: dict[str, bool],
    dossier_counties: tuple[str, ...] | None,
    photos: PhotoMatches | None = None,
    overwrite: bool,
) -> list[CountyWork]:
    """One :class:`CountyWork` per county holding patches, in code order.

    Parameters
    ----------
    jr : JobResult
        The run (its per-patch table, townships, statistics, layers, findings).
    county_of : Series
        Patch id → county code.
    county_stats : DataFrame
        :func:`rsgeo.cluster.counties.county_stats`: the names, and each
        county's row as the total of its overview map.
    want : dict
        The job's ``[outputs]`` switches (``county_map``, ``field_maps``, ``dossiers``).
    dossier_counties : tuple of str or None
        Counties whose dossiers are written (None: all).
    photos : PhotoMatches, optional
        The province's evidence photos with their patches.
    overwrite : bool
        As for the writers.
    """
    job = jr.job
    names = township_rows(county_stats)["township_name"].astype(str).to_dict()
    show = [k for k in MAP_LAYER_KEYS if k in jr.layers]
    town_county = jr.townships["township_code"].astype(str).str[:COUNTY_CODE_DIGITS]
    town_rows = township_rows(jr.stats)
    row_county = town_rows.index.astype(str).str[:COUNTY_CODE_DIGITS]
    imagery = {
        k: str(v)
        for k, v in (("before", job.imagery_before), ("after", job.imagery_after))
        if v is not None
    }
    # each patch's county, in the order of the per-patch table (one pass, not one per county)
    codes = county_of.reindex(jr.result.index).astype(str).to_numpy()
    findings = None if jr.review is None else jr.review.findings
    boxes = {k: v.geometry.bounds.to_numpy() for k, v in jr.layers.items()}  # once, not by county
    works = []
    for code in sorted(set(codes) & set(names)):
        result = jr.result.iloc[np.flatnonzero(codes == code)]
        towns = jr.townships.loc[(town_county == code).to_numpy()]
        stats = None
        if want.get("county_map"):
            # the county's township rows, and its county row as the total
            total = county_stats.loc[[code]].rename(index={code: TOTAL_LABEL})
            stats = pd.concat([town_rows.loc[row_county == code], total])
        drawn = bool(want.get("county_map") or want.get("field_maps"))
        layers: dict[str, gpd.GeoDataFrame] = {}
        if drawn and len(result):
            parts = [result.total_bounds] + ([towns.total_bounds] if len(towns) else [])
            box = np.asarray(parts, dtype=float)
            extent = (box[:, 0].min(), box[:, 1].min(), box[:, 2].max(), box[:, 3].max())
            layers = {k: _near(v, boxes[k], extent) for k, v in jr.layers.items()}
        dossiers = bool(want.get("dossiers")) and (
            dossier_counties is None or code in dossier_counties
        )
        mine = set(map(str, result.index))
        works.append(
            CountyWork(
                code=code,
                name=str(names[code]),
                folder=county_folder_name(code, str(names[code])),
                result=result,
                townships=towns,
                stats=stats,
                layers=layers,
                show_layers=show,
                county_map=bool(want.get("county_map")),
                field_maps=bool(want.get("field_maps")),
                dossiers=dossiers,
                title=f"{job.name} {names[code]}",
                map_options=job.maps,
                criteria=job.criteria,
                imagery=imagery,
                findings=None
                if findings is None or not dossiers
                else findings[findings["patch_id"].astype(str).isin(mine)],
                photos=None
                if photos is None or not dossiers
                else PhotoMatches(
                    placed=photos.placed[photos.placed["matched_patch"].astype(str).isin(mine)],
                    unplaced=photos.unplaced.iloc[:0],
                    n_sealed=0,
                ),
                overwrite=overwrite,
            )
        )
    return works


def write_county(work: CountyWork, folder: str | Path, *, progress: bool = False) -> dict[str, Any]:
    """Write one county's maps and dossiers under ``folder`` (the output folder).

    Runs in a Dask worker as well as in this process: the dossiers are built
    in this process (``n_jobs=1``; the cluster's workers are the parallelism).
    A second try (the scheduler runs a county again when its worker died)
    draws the county's maps afresh and brings its dossiers up to date.

    Returns
    -------
    dict
        Output name → path or count: ``county_maps``, ``field_maps`` (the
        ``maps`` folder), ``n_field_maps``, ``dossiers`` (the ``dossiers`` folder).
    """
    from rsgeo.outputs.dossier.build import build_dossiers
    from rsgeo.outputs.maps import county_map, field_maps

    root = Path(folder)
    maps = root / "maps" / work.folder
    if maps.is_dir():
        # left by an earlier try of this county (its worker died): the staging folder
        # is this run's own, so the county's maps are this run's to draw again
        shutil.rmtree(maps)
    outputs: dict[str, Any] = {}
    if work.county_map:
        maps.mkdir(parents=True, exist_ok=True)
        county_map(
            work.result,
            townships=work.townships,
            stats=work.stats,
            thresholds=work.criteria,
            layers=work.layers,
            show_layers=work.show_layers,
            title=work.title,
            path=maps / "county_map.html",
            overwrite=work.overwrite,
            options=work.map_options,
        )
        outputs["county_maps"] = root / "maps"
    if work.field_maps:
        pages = field_maps(
            work.result,
            maps / "field",
            townships=work.townships,
            layers=work.layers,
            show_layers=work.show_layers,
            options=work.map_options,
            overwrite=work.overwrite,
            progress=progress,
        )
        outputs["field_maps"] = root / "maps"
        outputs["n_field_maps"] = len(pages)
    if work.dossiers:
        build_dossiers(
            work.result,
            root / "dossiers" / work.folder,
            imagery=work.imagery or None,
            photos=work.photos,
            findings=work.findings,
            townships=work.townships,
            n_jobs=1,
            progress=progress,
        )
        outputs["dossiers"] = root / "dossiers"
    return outputs


def merge_outputs(done: list[dict[str, Any]]) -> dict[str, Any]:
    """The counties' outputs as one: the folders, and the field maps counted."""
    outputs: dict[str, Any] = {}
    n_pages = 0
    for out in done:
        n_pages += int(out.get("n_field_maps", 0))
        outputs.update({k: v for k, v in out.items() if k != "n_field_maps"})
    if n_pages:
        outputs["n_field_maps"] = n_pages
    return outputs


def write_province_unplaced_photos(photos: PhotoMatches | None, folder: Path) -> Path | None:
    """The evidence photos that found no patch, once for the province.

    Saved as a single run saves them (:func:`rsgeo.outputs.dossier.photos.write_unplaced`)
    under ``dossiers/``, with a page listing them; None when there are none.
    """
    from rsgeo.outputs.dossier.photos import UNPLACED_DIR, write_unplaced

    if photos is None or photos.unplaced.empty:
        return None
    out = folder / "dossiers"
    out.mkdir(parents=True, exist_ok=True)
    listing = write_unplaced(photos, out)
    title = html.escape(COUNTY_LABELS["unplaced_photos"])
    # the listing links its photos as UNPLACED_DIR/<name>: the page sits beside the folder
    page = out / f"{UNPLACED_DIR}.html"
    page.write_text(
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body>{listing}</body></html>",
        encoding="utf-8",
    )
    return page


def write_county_maps_and_dossiers(
    jr: JobResult,
    folder: Path,
    *,
    county_of: pd.Series,
    county_stats: pd.DataFrame,
    want: dict[str, bool],
    dossier_counties: tuple[str, ...] | None,
    photos: PhotoMatches | None = None,
    overwrite: bool,
    progress: bool,
) -> dict[str, Any]:
    """Write each county's maps and dossiers into ``folder``, in this process.

    The arguments are those of :func:`county_work`; ``progress`` shows the
    writers' bars. Returns the outputs as :func:`write_county` does, for all
    counties (``n_field_maps`` summed).
    """
    works = county_work(
        jr,
        county_of=county_of,
        county_stats=county_stats,
        want=want,
        dossier_counties=dossier_counties,
        photos=photos,
        overwrite=overwrite,
    )
    done = [write_county(w, folder, progress=progress) for w in works]
    write_province_unplaced_photos(photos, folder)
    return merge_outputs(done)
