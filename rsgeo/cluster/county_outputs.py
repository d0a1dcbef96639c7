"""Maps and dossiers of a province, one folder per county.

A province's patches never share one page: each county gets its overview map
and its field maps (one per township) under ``maps/<县代码>_<县名称>/``, and,
for the counties in ``[cluster] dossier_counties`` (all by default), its
dossiers under ``dossiers/<县代码>_<县名称>/``. The writers are those of a
single run (:func:`rsgeo.outputs.maps.county_map`,
:func:`rsgeo.outputs.maps.field_maps`,
:func:`rsgeo.outputs.dossier.build.build_dossiers`), handed the county's
patches, townships and statistics rows; they leave sealed (military) patches
out as they do in a single run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from rsgeo.cluster.partition import COUNTY_CODE_DIGITS
from rsgeo.options import MAP_LAYER_KEYS
from rsgeo.outputs.names import safe_file_name
from rsgeo.pipeline import JobResult
from rsgeo.stats.township import TOTAL_LABEL, township_rows

__all__ = ["county_folder_name", "write_county_maps_and_dossiers"]


def county_folder_name(code: str, name: str) -> str:
    """``"450225_融水苗族自治县"``: a county's folder (a safe file name).

    >>> county_folder_name("450225", "融水苗族自治县")
    '450225_融水苗族自治县'
    """
    return safe_file_name(f"{code}_{name}" if name and name != code else code, fallback=code)


def write_county_maps_and_dossiers(
    jr: JobResult,
    folder: Path,
    *,
    county_of: pd.Series,
    county_stats: pd.DataFrame,
    want: dict[str, bool],
    dossier_counties: tuple[str, ...] | None,
    overwrite: bool,
    progress: bool,
) -> dict[str, Any]:
    """Write each county's maps and dossiers into ``folder`` (the staging folder).

    Parameters
    ----------
    jr : JobResult
        The run (its per-patch table, townships, statistics, layers, findings).
    folder : Path
        The output folder being written.
    county_of : Series
        Patch id → county code (the partition each patch was run in).
    county_stats : DataFrame
        :func:`rsgeo.cluster.counties.county_stats`: the names, and each
        county's row as the total of its overview map.
    want : dict
        The job's ``[outputs]`` switches (``county_map``, ``field_maps``, ``dossiers``).
    dossier_counties : tuple of str or None
        Counties whose dossiers are written (None: all).
    overwrite, progress
        As for the writers.

    Returns
    -------
    dict
        Output name → path or count (``county_maps``, ``field_maps``, ``dossiers``).
    """
    from rsgeo.outputs.dossier.build import build_dossiers
    from rsgeo.outputs.maps import county_map, field_maps

    job = jr.job
    names = township_rows(county_stats)["township_name"].astype(str).to_dict()
    show = [k for k in MAP_LAYER_KEYS if k in jr.layers]
    town_county = jr.townships["township_code"].astype(str).str[:COUNTY_CODE_DIGITS]
    town_rows = township_rows(jr.stats)
    row_county = town_rows.index.astype(str).str[:COUNTY_CODE_DIGITS]
    imagery = {
        k: v
        for k, v in (("before", job.imagery_before), ("after", job.imagery_after))
        if v is not None
    }
    outputs: dict[str, Any] = {}
    n_pages = 0
    for code in sorted(set(county_of.astype(str)) & set(names)):
        name = str(names[code])
        sub = county_folder_name(code, name)
        ids = county_of.index[county_of.astype(str).to_numpy() == code]
        result = jr.result.loc[jr.result.index.isin(ids)]
        towns = jr.townships.loc[(town_county == code).to_numpy()]
        if want.get("county_map"):
            # the county's township rows, and its county row as the total
            rows = town_rows.loc[row_county == code]
            total = county_stats.loc[[code]].rename(index={code: TOTAL_LABEL})
            (folder / "maps" / sub).mkdir(parents=True, exist_ok=True)
            county_map(
                result,
                townships=towns,
                stats=pd.concat([rows, total]),
                thresholds=job.criteria,
                layers=jr.layers,
                show_layers=show,
                title=f"{job.name} {name}",
                path=folder / "maps" / sub / "county_map.html",
                overwrite=overwrite,
            )
            outputs["county_maps"] = folder / "maps"
        if want.get("field_maps"):
            pages = field_maps(
                result,
                folder / "maps" / sub / "field",
                townships=towns,
                layers=jr.layers,
                show_layers=show,
                options=job.maps,
                overwrite=overwrite,
                progress=progress,
            )
            n_pages += len(pages)
            outputs["field_maps"] = folder / "maps"
        if want.get("dossiers") and (dossier_counties is None or code in dossier_counties):
            build_dossiers(
                result,
                folder / "dossiers" / sub,
                imagery=imagery or None,
                findings=None if jr.review is None else jr.review.findings,
                townships=towns,
                progress=progress,
            )
            outputs["dossiers"] = folder / "dossiers"
    if n_pages:
        outputs["n_field_maps"] = n_pages
    return outputs
