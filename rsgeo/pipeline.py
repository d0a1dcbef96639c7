"""The whole quarterly/annual job, step by step: what ``rsgeo run`` does.

:func:`run_job` reads every input of a :class:`~rsgeo.job.Job`, overlays,
classifies, applies the determinations, computes township statistics and
lists, and writes the outputs the job asks for into one folder::

    OUT/
      统计报表.xlsx                 workbook (乡镇汇总, 图斑明细, 问责预警, 红黑榜, 矿产图斑, 说明)
      csv/township_stats.csv      English snake_case columns, for scripts
      csv/patches.csv
      gis/                        result layers: 成果图层.gpkg, GBK shapefiles, 字段对照.csv
      maps/county_map.html        county overview
      maps/field/*.html           one offline field map per township
      maps/field/*_tiles/         its offline basemap tiles (with [maps] basemap)
      review/review_record.*      written review record (Excel, HTML), spot-check sample
      dossiers/                   one dossier per patch, index.html
      reports/                    draft reports (.docx): county, townships, 约谈问责建议
      机要_军用土地/               sealed military-land output (only when there is any)
      run.json                    what was read (with SHA-256), versions, settings
      .rsgeo-manifest.json        every file the run wrote, written last: the folder is complete

The outputs are written into a staging folder beside ``OUT`` and moved in
when all are written (:mod:`rsgeo.outputs.folder`): an interrupted run leaves
the previous outputs as they were.

Every step is also a library call; :class:`JobResult` keeps the tables so a
notebook can continue from them. Military-land patches are in no ordinary
figure, list or listing: they go to the sealed folder, with their own statistics.

Patches that appear in more than one batch (the same JCBH delivered again in
a later quarter) are kept once (:func:`rsgeo.combine_batches`): the row of the
latest batch (in the order of the job file) wins, ``batches`` lists every
batch it was delivered in.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import sys
import warnings
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyproj

from rsgeo._version import __version__
from rsgeo.analysis.classification import classify
from rsgeo.analysis.determination import apply_determinations, check_matches
from rsgeo.analysis.layer_overlay import overlay_pieces, patches_from_pieces
from rsgeo.audit.findings import ReviewResult, run_review
from rsgeo.audit.sampling import SpotCheckResult, run_spot_check
from rsgeo.errors import InputError
from rsgeo.geo._numba import HAVE_NUMBA, kernels_cached
from rsgeo.geo.crs import check_transformation, choose_gk_crs, crs_label
from rsgeo.io.batches import combine_batches
from rsgeo.io.denominator import read_denominator_table
from rsgeo.io.determination_table import read_determinations
from rsgeo.io.reading import read_layer, read_patches
from rsgeo.io.tables import read_manual_flags
from rsgeo.io.windowed import read_layer_near
from rsgeo.job import Job, LayerSource
from rsgeo.options import MAP_LAYER_KEYS
from rsgeo.outputs.folder import Staging, check_out_dir, stage_outputs
from rsgeo.schema.labels import OUTSIDE_TOWNSHIPS_NAME
from rsgeo.schema.layer_fields import LAYER_FILE_NAMES
from rsgeo.schema.messages import STEPS
from rsgeo.schema.military import is_military, redact_ids, redacting
from rsgeo.schema.reports import TOWNSHIP_DIR
from rsgeo.stage_clock import StageClock
from rsgeo.stats.deductions import patch_figures
from rsgeo.stats.ranking import red_black_lists
from rsgeo.stats.township import township_pieces, township_rows, township_stats

__all__ = [
    "MANAGED_OUTPUTS",
    "JobResult",
    "Overlaid",
    "finish_run",
    "layer_attributes",
    "overlay_stage",
    "prepare_inputs",
    "run_job",
    "stage_steps",
]

WORKBOOK_NAME = "统计报表.xlsx"
SEALED_DIR = "机要_军用土地"
REPORTS_DIR = "reports"


@dataclass
class JobResult:
    """Tables and output paths of a job run."""

    job: Job
    out_dir: Path
    patches: gpd.GeoDataFrame
    layers: dict[str, gpd.GeoDataFrame]
    townships: gpd.GeoDataFrame
    county: gpd.GeoDataFrame | None
    pieces: pd.DataFrame
    result: gpd.GeoDataFrame
    stats: pd.DataFrame
    lists: pd.DataFrame
    figures: pd.DataFrame
    review: ReviewResult | None = None
    spot_check: SpotCheckResult | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    n_military: int = 0
    sealed_stats: pd.DataFrame | None = None
    profile_reason: str = ""
    piece_figures: pd.DataFrame | None = None
    timings: StageClock | None = None

    def summary(self) -> str:
        """A short text for the end of a command-line run."""
        rows = township_rows(self.stats)
        lines = [
            f"{self.job.name}",
            f"  patches: {len(self.result)} (military land, sealed: {self.n_military}); "
            f"townships: {len(rows)}",
            f"  vocabulary profile: {self.job.profile}"
            + (f" ({self.profile_reason})" if self.profile_reason else ""),
        ]
        plain = self.result.loc[~is_military(self.result).to_numpy()]
        if "class_source" in plain.columns:
            n_suggested = int((plain["class_source"].astype(str) == "suggested").sum())
            lines.append(
                f"  classes resting on a suggestion (no determination yet): {n_suggested}"
                f" of {len(plain)}"
            )
        if "outside_townships_m2" in plain.columns:
            n_out = int((pd.to_numeric(plain["outside_townships_m2"]) > 0).sum())
            if n_out:
                lines.append(
                    f"  patches with area outside every township: {n_out} "
                    f"(counted in the {OUTSIDE_TOWNSHIPS_NAME} row; review rule R16)"
                )
        if "geometry_status" in plain.columns:
            status = plain["geometry_status"].astype(str)
            for codes, text, rule_id in (
                (("empty", "collapsed"), "patches without a shape, kept with zero area", "R17"),
                (("nonfinite_vertices", "repaired", "parts_dropped"), "shapes repaired", "R18"),
            ):
                n_bad = int(status.isin(codes).sum())
                if n_bad:
                    lines.append(f"  {text}: {n_bad} (review rule {rule_id})")
        for n in (1, 2, 3, 4, 5):
            col = f"criterion_{n}"
            if col in rows.columns:
                hit = rows.index[rows[col].fillna(False).astype(bool)]
                names = [str(rows.loc[c, "township_name"]) for c in hit]
                lines.append(f"  criterion {n}: {len(names)} — {', '.join(names) or '无'}")
        if len(self.lists):
            for kind, label in (("red", "red list"), ("black", "black list")):
                listed = self.lists.loc[self.lists["list"] == kind, "township_name"]
                lines.append(f"  {label}: {', '.join(map(str, listed)) or '—'}")
        lines.append(f"  outputs in {self.out_dir}:")
        for name, path in self.outputs.items():
            if isinstance(path, Path | str):
                lines.append(f"    {name}: {path}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- reading


def file_sha256(path: Path) -> str | None:
    if path.is_dir():  # FileGDB folders
        return None
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read(source: LayerSource, *, patches: bool = False) -> gpd.GeoDataFrame:
    """Read one input; for patches, military ids are kept out of warnings and reports."""
    kw = source.read_kwargs()
    if not patches:
        return read_layer(source.path, **kw)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gdf = read_patches(source.path, id_field=source.id_field, **kw)
    military = list(gdf.index[is_military(gdf).to_numpy()])
    for w in caught:
        warnings.warn_explicit(
            redact_ids(str(w.message), military), w.category, w.filename, w.lineno
        )
    gdf.attrs["rsgeo_military_ids"] = military
    return gdf


def _report_text(gdf: gpd.GeoDataFrame) -> str | None:
    """The read report's summary, with military patch ids replaced by a placeholder."""
    report = gdf.attrs.get("rsgeo_read_report")
    if not hasattr(report, "summary"):
        return None
    return redact_ids(report.summary(), gdf.attrs.get("rsgeo_military_ids", []))


def prepare_inputs(
    job: Job, *, progress: bool = False, layers: bool = True
) -> tuple[
    gpd.GeoDataFrame,
    dict[str, gpd.GeoDataFrame],
    gpd.GeoDataFrame,
    gpd.GeoDataFrame | None,
    dict[str, Any],
]:
    """Read patches, layers, townships and county; bring them into one CRS.

    A reference layer is read for the patches
    (:func:`rsgeo.io.windowed.read_layer_near`): from a GeoPackage, only the
    features whose boxes meet a patch's box when they are a small share of
    the layer, else whole; ``provenance["inputs"][i]["read"]`` says which.

    The working CRS is ``job.working_crs`` or the Gauss-Krüger zone of the
    patches (:func:`rsgeo.choose_gk_crs`); every input is reprojected to it
    explicitly (inputs arrive in EPSG:4490, zone-prefixed and plain GK CRSs).

    With ``layers=False`` the reference layers are not read (the returned
    mapping is empty): :mod:`rsgeo.cluster` reads them partition by partition.

    Returns
    -------
    patches, layers, townships, county, provenance
    """
    provenance: dict[str, Any] = {"inputs": []}

    def note(role: str, src: LayerSource, gdf: gpd.GeoDataFrame) -> None:
        provenance["inputs"].append(
            {
                "role": role,
                "path": str(src.path),
                "sha256": file_sha256(src.path),
                "features": len(gdf),
                "crs": crs_label(gdf.crs),
                "report": _report_text(gdf),
            }
        )

    frames = []
    for src in _steps(job.patches, "reading patches", progress):
        gdf = _read(src, patches=True)
        note("patches", src, gdf)
        gdf.attrs.pop("rsgeo_military_ids", None)
        frames.append((src.batch or src.path.stem, gdf, src))
    registered = None if job.register is None else _register_patches(job, provenance)
    shapes = [g for _, g, _ in frames] + ([] if registered is None else [registered])
    with_shapes = [g for g in shapes if len(g) and not g.geometry.is_empty.all()]
    if job.working_crs is None and not with_shapes:
        files = ", ".join(str(src.path) for src in job.patches)
        raise InputError(
            f"no patch with a geometry in {files}: the file(s) are empty, or every geometry is "
            "missing; check the delivery (a truncated .shp reads as empty geometries)"
        )
    working = job.working_crs or choose_gk_crs(with_shapes[0])
    if registered is not None:  # [register]: the patches as of the job's day
        check_transformation(registered.crs, working, where=str(job.register))
        patches = registered.to_crs(working)
    else:
        patches = combine_batches({b: to_working_crs(g, working, s) for b, g, s in frames})

    reference: dict[str, gpd.GeoDataFrame] = {}
    sources = list(job.layers.items()) if layers else []
    for key, src in _steps(sources, "reading layers", progress):
        # only the features the patches' boxes meet, when they are a small share
        gdf, window = read_layer_near(patches, src.path, **src.read_kwargs())
        note(f"layers.{key}", src, gdf)
        provenance["inputs"][-1]["read"] = window.as_dict()
        reference[key] = to_working_crs(gdf, working, src)
        if kept_as_read(gdf, working):  # the overlay need not check its geometry again
            provenance.setdefault("layers_as_read", []).append(key)
    townships = _read(job.townships)
    note("townships", job.townships, townships)
    townships = to_working_crs(townships, working, job.townships)
    county = None
    if job.county is not None:
        county = _read(job.county)
        note("county", job.county, county)
        county = to_working_crs(county, working, job.county)
    provenance["working_crs"] = crs_label(working)
    return patches, reference, townships, county, provenance


def _register_patches(job: Job, provenance: dict[str, Any]) -> gpd.GeoDataFrame:
    """The patch table of ``job.register`` as of ``job.as_of``, noted in the provenance."""
    from rsgeo.register.book import Register

    assert job.register is not None
    with Register(job.register) as reg:
        patches = reg.patches(as_of=job.as_of)
        provenance["register"] = {
            "target": reg.target,
            "as_of": job.as_of.isoformat(),
            "batches": reg.batches().reset_index().to_dict("records"),
        }
    return patches


def _register_determinations(job: Job) -> pd.DataFrame:
    """The determinations of ``job.register`` as of ``job.as_of``."""
    from rsgeo.register.book import Register

    assert job.register is not None
    with Register(job.register) as reg:
        return reg.determinations(as_of=job.as_of)


def to_working_crs(gdf: gpd.GeoDataFrame, working: Any, src: LayerSource) -> gpd.GeoDataFrame:
    """``gdf`` in the working CRS; never through a transformation without a datum shift."""
    check_transformation(gdf.crs, working, where=str(src.path))
    return gdf.to_crs(working)


def kept_as_read(gdf: gpd.GeoDataFrame, working: Any) -> bool:
    """Whether :func:`to_working_crs` hands ``gdf``'s geometries on as they were read
    (its CRS is the working CRS exactly): what the reader checked still holds."""
    return gdf.crs is not None and gdf.crs.is_exact_same(pyproj.CRS.from_user_input(working))


def _steps(items: Any, label: str, progress: bool) -> Iterator[Any]:
    from tqdm.auto import tqdm

    yield from tqdm(list(items), desc=label, disable=not progress, file=sys.stderr, leave=False)


# --------------------------------------------------------------------------- running


def _check_out_dir(out_dir: Path, overwrite: bool) -> list[str]:
    """Refuse an output folder the run may not write; clean up after an interrupted run."""
    return check_out_dir(out_dir, overwrite=overwrite, own_names=(*MANAGED_OUTPUTS, "dossiers"))


MANAGED_OUTPUTS: tuple[str, ...] = (
    "run.json",
    WORKBOOK_NAME,
    "csv",
    "maps",
    "review",
    SEALED_DIR,
    LAYER_FILE_NAMES["folder"],
    REPORTS_DIR,
)
"""The names rsgeo writes at the top of its output folder (besides ``dossiers``).

Which files a run wrote is listed in the folder's manifest
(:data:`rsgeo.outputs.folder.MANIFEST_NAME`); ``--overwrite`` removes only
those. A folder holding any of these names without a manifest is refused.
"""


def run_job(
    job: Job, out_dir: str | Path, *, overwrite: bool = False, progress: bool = True
) -> JobResult:
    """Run a job and write its outputs into ``out_dir``.

    Parameters
    ----------
    job : Job
        From :func:`rsgeo.job.load_job`.
    out_dir : str or Path
        Output folder; it must be empty or new unless ``overwrite``.
    overwrite : bool, default False
        Replace the outputs of an earlier run: the files listed in the
        folder's manifest (:mod:`rsgeo.outputs.folder`), and only those, are
        replaced by this run's once all of them are written, so nothing stale
        is left looking current and an interrupted run changes nothing; other
        files are left alone. Dossiers whose inputs did not change are kept.
    progress : bool, default True
        Progress bars and step names on standard error.

    Returns
    -------
    JobResult
    """
    out = Path(out_dir)
    cleaned = _check_out_dir(out, overwrite)
    reuse = ("dossiers",) if job.outputs["dossiers"] else ()
    with stage_outputs(out, overwrite=overwrite, reuse=reuse) as staging:
        jr = _run(job, out, staging, cleaned, overwrite=overwrite, progress=progress)
    jr.out_dir = out
    jr.outputs = {k: staging.final(v) for k, v in jr.outputs.items()}
    return jr


def stage_steps(progress: bool) -> tuple[StageClock, Callable[..., None]]:
    """A run's stage clock and its ``step(key, **values)``: start a stage, name it on stderr."""
    clock = StageClock()

    def step(key: str, **values: Any) -> None:
        label = STEPS[key].format(**values)
        clock.start(key, label)
        if progress:  # "rsgeo: 统计报表 / workbook": the stages in schema.messages.STEPS
            print(f"rsgeo: {label}", file=sys.stderr)

    return clock, step


def layer_attributes(job: Job) -> dict[str, list[str]]:
    """The fields each reference layer reports (``[layers.KEY] attributes``)."""
    return {k: list(s.attributes) for k, s in job.layers.items() if s.attributes}


def overlay_stage(
    patches: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
    townships: gpd.GeoDataFrame,
    *,
    attributes: dict[str, list[str]] | None = None,
    checked: Collection[str] = (),
    progress: bool = False,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The overlay of a job's patches: its pieces, and the per-patch table folded from them.

    The stage ``rsgeo run`` runs after reading, and :mod:`rsgeo.cluster` runs
    on each partition of a province's patches; ``attributes`` is
    :func:`layer_attributes` of the job; ``checked`` the layers read by rsgeo's
    reader and not reprojected since (:func:`kept_as_read`), not checked again.

    Returns
    -------
    pieces, result
        :func:`rsgeo.analysis.layer_overlay.overlay_pieces` and
        :func:`rsgeo.analysis.layer_overlay.patches_from_pieces`.
    """
    pieces = overlay_pieces(
        patches,
        layers,
        townships=townships,
        attributes=attributes or None,
        checked=checked,
        progress=progress,
    )
    return pieces, patches_from_pieces(pieces, patches)


@dataclass
class Overlaid:
    """What a run holds after the overlay: its inputs, the pieces and the per-patch table."""

    patches: gpd.GeoDataFrame
    layers: dict[str, gpd.GeoDataFrame]
    townships: gpd.GeoDataFrame
    county: gpd.GeoDataFrame | None
    provenance: dict[str, Any]
    pieces: gpd.GeoDataFrame
    result: gpd.GeoDataFrame


def _run(
    job: Job, out: Path, staging: Staging, notes: list[str], *, overwrite: bool, progress: bool
) -> JobResult:
    """The run: its outputs are written into ``staging.path``, to be moved into ``out``."""
    clock, step = stage_steps(progress)
    for note in notes:  # what was cleaned up before the run (outputs/folder.py)
        if progress:
            print(f"rsgeo: {note}", file=sys.stderr)
    step("reading")
    patches, layers, townships, county, provenance = prepare_inputs(job, progress=progress)
    step("overlay", patches=len(patches), layers=len(layers))
    if progress and HAVE_NUMBA and not kernels_cached():
        print(f"rsgeo: {STEPS['compiling']}", file=sys.stderr)
    pieces, result = overlay_stage(
        patches,
        layers,
        townships,
        attributes=layer_attributes(job),
        checked=provenance.get("layers_as_read", ()),
        progress=progress,
    )
    overlaid = Overlaid(patches, layers, townships, county, provenance, pieces, result)
    return finish_run(
        job,
        overlaid,
        staging,
        out=out,
        clock=clock,
        step=step,
        overwrite=overwrite,
        progress=progress,
    )


def finish_run(
    job: Job,
    overlaid: Overlaid,
    staging: Staging,
    *,
    out: Path,
    clock: StageClock,
    step: Callable[..., None],
    overwrite: bool,
    progress: bool,
    announce_move: bool = True,
    before_writers: Callable[[JobResult], None] | None = None,
) -> JobResult:
    """The stages after the overlay: classes, determinations, statistics, review, outputs.

    ``rsgeo run`` and :mod:`rsgeo.cluster` (on the combined partitions) both
    end a run here, so every figure comes from the same code. The outputs are
    written into ``staging.path`` and ``run.json`` last; ``announce_move=False``
    leaves the last step (moving the outputs in) to a caller that writes more.
    ``before_writers`` is called with the finished tables before the first
    output is written (the cluster run hands its county maps to the workers
    there, so that they are drawn while this process writes the rest).
    """
    patches, layers, townships = overlaid.patches, overlaid.layers, overlaid.townships
    county, provenance = overlaid.county, overlaid.provenance
    pieces, result = overlaid.pieces, overlaid.result
    step("classifying")
    result = classify(result, rules=job.rules)
    sealed_ids: set[str] = set(result.index[is_military(result).to_numpy()].astype(str))
    with redacting(sealed_ids):  # no sealed id in any warning or error from here on
        # without determinations every patch keeps its suggested class (final_class)
        tables = [pd.DataFrame({"patch_id": pd.Series([], dtype="string")})]
        for src in job.determinations:
            t = read_determinations(
                src.path,
                sheet=src.layer or 0,
                encoding=src.encoding,
                fields=src.fields or None,
                options=job.determination_checks,
            )
            # each table on its own: another batch's table is refused, never merged silently
            check_matches(t, result.index, options=job.determination_checks, source=str(src.path))
            provenance["inputs"].append(
                {"role": "determinations", "path": str(src.path), "sha256": file_sha256(src.path)}
            )
            tables.append(t)
        if job.register is not None:
            tables.append(_register_determinations(job))
        if len(tables) > 1:
            dets = pd.concat(tables[1:])
            dets = dets[~dets.index.duplicated(keep="last")]  # a later table revises an earlier one
        else:
            dets = tables[0]
        result = apply_determinations(result, dets, options=job.determination_checks)
        sealed_ids |= set(result.index[is_military(result).to_numpy()].astype(str))
        # the vocabulary, set or detected from the tables: every later stage speaks it
        applied = result.attrs["rsgeo_determinations_report"]
        job = job.with_profile(applied.profile)
        names = ", ".join(src.path.name for src in job.determinations)
        reason = applied.profile_reason.replace(
            f"the determinations {applied.source}", f"the determination tables ({names})"
        )
        provenance["profile"] = {
            "profile": applied.profile,
            "how": applied.profile_how,
            "reason": reason,
        }

        step("stats")
        manual = None
        if job.manual_flags is not None:
            src = job.manual_flags
            manual = read_manual_flags(src.path, sheet=src.layer or 0, encoding=src.encoding)
        denominator = None
        if job.denominator is not None:
            src = job.denominator
            denominator = read_denominator_table(
                src.path, sheet=src.layer or 0, encoding=src.encoding, source=job.denominator_label
            )
            provenance["inputs"].append(
                {"role": "denominator", "path": str(src.path), "sha256": file_sha256(src.path)}
            )
        if job.evidence is not None:
            provenance["inputs"].append(
                {
                    "role": "evidence",
                    "path": str(job.evidence.path),
                    "sha256": file_sha256(job.evidence.path),
                }
            )
        figures = patch_figures(result, pieces, options=job.statistics)
        statistics = functools.partial(
            township_stats,
            result,
            pieces,
            townships=townships,
            options=job.statistics,
            thresholds=job.criteria,
            figures=figures,
            denominator=denominator,
        )
        stats = statistics(manual_flags=manual)
        # the same figures piece by piece (patch × township), for the workbook
        piece_figures = township_pieces(
            result, pieces, townships=townships, options=job.statistics, figures=figures
        )
        lists = red_black_lists(stats, options=job.lists)
        n_military = len(sealed_ids)
        # the sealed patches' own figures, for the sealed folder only
        sealed_stats = statistics(sealed=True) if n_military else None
        reviewed = spot = None
        if job.outputs["review"] or job.outputs["dossiers"]:
            step("review")
            platform = None
            if job.platform_figures is not None:  # the platform's overlay figures: rule R19
                from rsgeo.io.platform_table import read_platform_table

                src = job.platform_figures
                platform = read_platform_table(
                    src.path,
                    sheet=src.layer or 0,
                    encoding=src.encoding,
                    unit=job.platform_unit,  # type: ignore[arg-type]  # checked by the job
                )
                provenance["inputs"].append(
                    {
                        "role": "platform_figures",
                        "path": str(src.path),
                        "sha256": file_sha256(src.path),
                    }
                )
            reviewed = run_review(result, county=county, options=job.review, platform=platform)
            spot = run_spot_check(result, options=job.spot_check)
        jr = JobResult(
            job=job,
            out_dir=staging.path,
            patches=patches,
            layers=layers,
            townships=townships,
            county=county,
            pieces=pieces,
            result=result,
            stats=stats,
            lists=lists,
            figures=figures,
            review=reviewed,
            spot_check=spot,
            n_military=n_military,
            sealed_stats=sealed_stats,
            profile_reason=reason,
            piece_figures=piece_figures,
        )
        if before_writers is not None:
            before_writers(jr)
        _write_outputs(jr, overwrite=overwrite, progress=progress, step=step)
        provenance.update(
            {
                "rsgeo": __version__,
                "job": str(job.path) if job.path else None,
                "job_sha256": file_sha256(job.path) if job.path else None,
                "run_at": dt.datetime.now().isoformat(timespec="seconds"),
                "options": {
                    "rules": job.rules.as_dict(),
                    "statistics": job.statistics.as_dict(),
                    "criteria": job.criteria.as_dict(),
                    "lists": job.lists.as_dict(),
                    "review": job.review.as_dict(),
                    "spot_check": job.spot_check.as_dict(),
                    "determination_checks": job.determination_checks.as_dict(),
                    "maps": job.maps.as_dict(),
                },
                "patches": len(result),
                "military_sealed": n_military,
                "outputs": {k: str(staging.final(v)) for k, v in jr.outputs.items()},
            }
        )
        clock.stop()  # the stages up to here; moving the outputs in comes after
        jr.timings = clock
        provenance["timings"] = clock.as_records()
        (staging.path / "run.json").write_text(
            json.dumps(provenance, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        jr.outputs["run"] = staging.path / "run.json"
        if announce_move:
            step("moving", out=out)
        return jr


def _write_outputs(jr: JobResult, *, overwrite: bool, progress: bool, step: Any) -> None:
    dossiers = None
    if jr.job.outputs["dossiers"]:
        # handed to worker processes first: they build while this process writes the rest
        step("dossiers")
        dossiers = _start_dossiers(jr, progress=progress)
    try:
        _write_others(jr, overwrite=overwrite, progress=progress, step=step, dossiers=dossiers)
    except BaseException:
        if dossiers is not None:
            dossiers.cancel()
        raise


def _write_others(
    jr: JobResult, *, overwrite: bool, progress: bool, step: Any, dossiers: Any
) -> None:
    from rsgeo.outputs.csv_tables import patch_csv_table, write_csv
    from rsgeo.outputs.maps import county_map, field_maps
    from rsgeo.outputs.review_record import write_review_record
    from rsgeo.outputs.sealed import write_sealed
    from rsgeo.outputs.workbook import write_workbook

    job, out, outputs = jr.job, jr.out_dir, jr.outputs
    want = job.outputs
    if want["workbook"]:
        step("workbook")
        outputs["workbook"] = write_workbook(
            out / WORKBOOK_NAME,
            jr.stats,
            jr.result,
            jr.lists,
            figures=jr.figures,
            options=job.statistics,
            thresholds=job.criteria,
            n_sealed=jr.n_military,
            pieces=jr.piece_figures,
            title=job.name,
            filing_unit=job.filing_unit,
            overwrite=overwrite,
        )
    if want["csv"]:
        (out / "csv").mkdir(exist_ok=True)
        outputs["csv_stats"] = write_csv(
            out / "csv" / "township_stats.csv", jr.stats, overwrite=overwrite
        )
        outputs["csv_patches"] = write_csv(
            out / "csv" / "patches.csv",
            patch_csv_table(jr.result, jr.figures),
            overwrite=overwrite,
        )
    show = [k for k in MAP_LAYER_KEYS if k in jr.layers]
    if want["county_map"]:
        step("county_map")
        (out / "maps").mkdir(exist_ok=True)
        county_map(
            jr.result,
            townships=jr.townships,
            stats=jr.stats,
            thresholds=job.criteria,
            layers=jr.layers,
            show_layers=show,
            title=f"{job.name} 图斑总览",
            path=out / "maps" / "county_map.html",
            overwrite=overwrite,
            options=job.maps,
        )
        outputs["county_map"] = out / "maps" / "county_map.html"
    if want["field_maps"]:
        step("field_maps")
        pages = field_maps(
            jr.result,
            out / "maps" / "field",
            townships=jr.townships,
            layers=jr.layers,
            show_layers=show,
            options=job.maps,
            overwrite=overwrite,
            progress=progress,
        )
        outputs["field_maps"] = out / "maps" / "field"
        outputs["n_field_maps"] = len(pages)
    if want["review"] and jr.review is not None:
        step("review_record")
        paths = write_review_record(
            jr.review,
            out / "review",
            reviewer=job.reviewer or "（未填写）",
            scope=job.name,
            spot_check=jr.spot_check,
            overwrite=overwrite,
        )
        outputs["review_record"] = paths["html"]
        outputs["review_workbook"] = paths["xlsx"]
    if want["gis_layers"]:
        from rsgeo.outputs.gis_layers import write_result_layers

        step("gis_layers")
        layers = write_result_layers(
            jr.result,
            jr.pieces,
            out / LAYER_FILE_NAMES["folder"],
            figures=jr.figures,
            overwrite=overwrite,
        )
        outputs["gis_layers"] = layers["gpkg"]
    if want["reports"]:
        step("reports")
        from rsgeo.outputs.reports import write_reports

        reports = write_reports(
            out / REPORTS_DIR,
            jr.stats,
            jr.result,
            jr.lists,
            figures=jr.figures,
            subtitle=job.name,
            n_sealed=jr.n_military,
            overwrite=overwrite,
        )
        outputs["report"] = reports["county"]
        outputs["accountability"] = reports["accountability_xlsx"]
        outputs["township_reports"] = out / REPORTS_DIR / TOWNSHIP_DIR
    if want["sealed"] and jr.n_military:
        step("sealed")
        sealed = write_sealed(
            jr.result, out / SEALED_DIR, stats=jr.sealed_stats, overwrite=overwrite
        )
        outputs["sealed"] = sealed.get("folder")
    if dossiers is not None:  # started before the other outputs (_write_outputs)
        step("dossiers_wait")
        dossiers.wait()
        outputs["dossiers"] = out / "dossiers" / "index.html"


def evidence_photos(jr: JobResult, *, progress: bool) -> Any:
    """The field photos of the job's evidence package with their patches, or None.

    :func:`rsgeo.io.evidence.match_photos` on the run's per-patch table; the
    count of photos that found no patch goes into ``jr.outputs``
    (``n_unplaced_photos``) and, with ``progress``, a note.
    """
    job = jr.job
    if job.evidence is None:
        return None
    from rsgeo.io.evidence import match_photos, read_evidence

    src = job.evidence  # field photos of a 国土调查云 evidence package
    fields = {key: column for column, key in src.fields.items()}
    photos = match_photos(
        read_evidence(src.path, table=src.layer or "FJ", fields=fields),
        jr.result,
        options=job.evidence_options,
    )
    jr.outputs["n_unplaced_photos"] = len(photos.unplaced)
    if len(photos.unplaced) and progress:  # a note inside the stage, not a stage
        print(f"rsgeo: {STEPS['unplaced_photos'].format(n=len(photos.unplaced))}", file=sys.stderr)
    return photos


def _start_dossiers(jr: JobResult, *, progress: bool) -> Any:
    """The dossiers handed to worker processes (:func:`rsgeo.outputs.dossier.build.start_dossiers`)."""
    from rsgeo.outputs.dossier.build import start_dossiers

    job, out = jr.job, jr.out_dir
    imagery = None
    if job.imagery_before is not None or job.imagery_after is not None:
        imagery = {
            k: v
            for k, v in (("before", job.imagery_before), ("after", job.imagery_after))
            if v is not None
        }
    return start_dossiers(
        jr.result,
        out / "dossiers",
        imagery=imagery,
        photos=evidence_photos(jr, progress=progress),
        findings=None if jr.review is None else jr.review.findings,
        townships=jr.townships,
        progress=progress,
    )
