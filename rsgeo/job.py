"""The job file (TOML): what a quarterly or annual run reads, decides and writes.

A job file names the inputs and their layer keys, field mappings, encodings,
CRS overrides, rules and thresholds, the cutoff date and which outputs to
write. ``rsgeo run JOB.toml --out DIR`` runs it; ``docs/job.md`` documents
every key. Relative paths are relative to the job file's folder.

:func:`load_job` checks the whole file at once and raises one
:class:`JobFileError` that lists every problem with its key path
(``layers.pbf.path: file not found: ...``), so a technician fixes them in one
go.

Examples
--------
>>> from rsgeo.job import load_job
>>> from rsgeo.io.sample import sample_path
>>> job = load_job(sample_path("rongshui_2020.toml"))
>>> job.name
'融水苗族自治县 2020 年卫片执法（示例数据）'
>>> sorted(job.layers)[:3]
['approved', 'facility', 'farmland']
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rsgeo.errors import InputError, format_problems
from rsgeo.options import (
    ClassificationRules,
    ClusterOptions,
    CriteriaThresholds,
    DeterminationOptions,
    EvidenceOptions,
    ListOptions,
    MapOptions,
    ReviewOptions,
    SpotCheckOptions,
    StatsOptions,
)
from rsgeo.schema.deduction_classes import DEFAULT_DEDUCTION_CLASSES
from rsgeo.schema.fields import PLATFORM_UNITS

__all__ = [
    "OUTPUT_KINDS",
    "Job",
    "JobFileError",
    "JobFileWarning",
    "LayerSource",
    "load_job",
    "parse_job",
]

OUTPUT_KINDS: tuple[str, ...] = (
    "workbook",
    "csv",
    "county_map",
    "field_maps",
    "review",
    "dossiers",
    "sealed",
    "gis_layers",
    "reports",
)
"""Outputs a job can write (all on by default)."""


class JobFileError(InputError):
    """A job file with problems; the message lists each with its key path."""


@dataclass(frozen=True)
class LayerSource:
    """One file to read: path plus the reading options of :func:`rsgeo.read_layer`."""

    path: Path
    layer: str | None = None
    encoding: str | None = None
    crs: str | int | None = None
    fields: dict[str, str] = field(default_factory=dict)
    id_field: str | None = None
    batch: str | None = None
    attributes: tuple[str, ...] = ()

    def read_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``read_layer``/``read_patches``."""
        kw: dict[str, Any] = {
            "layer": self.layer,
            "encoding": self.encoding,
            "crs": self.crs,
            "fields": dict(self.fields) or None,
        }
        return kw


@dataclass(frozen=True)
class Job:
    """A validated job file: its inputs, and one validated option object per stage.

    ``rules`` comes from ``[rules]``; ``statistics`` from ``[job] cutoff`` and
    the statistics keys of ``[criteria]``; ``criteria`` from the threshold keys
    of ``[criteria]``; ``lists`` from ``[lists]``; ``review`` from
    ``[review]``; ``spot_check`` from ``[spot_check]``;
    ``determination_checks`` from ``[determination_checks]``; ``maps`` from
    ``[maps]``; ``cluster`` from ``[cluster]`` (read only by
    ``rsgeo run --workers/--cluster``). Every stage and every
    writer of a run is handed these same objects.
    """

    path: Path | None
    name: str
    patches: tuple[LayerSource, ...]
    layers: dict[str, LayerSource]
    townships: LayerSource
    county: LayerSource | None = None
    determinations: tuple[LayerSource, ...] = ()
    manual_flags: LayerSource | None = None
    denominator: LayerSource | None = None
    denominator_label: str | None = None
    platform_figures: LayerSource | None = None
    platform_unit: str | None = None
    imagery_before: Path | None = None
    imagery_after: Path | None = None
    reviewer: str = ""
    filing_unit: str = ""
    working_crs: str | int | None = None
    rules: ClassificationRules = field(default_factory=ClassificationRules)
    statistics: StatsOptions = field(default_factory=StatsOptions)
    criteria: CriteriaThresholds = field(default_factory=CriteriaThresholds)
    lists: ListOptions = field(default_factory=ListOptions)
    outputs: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(OUTPUT_KINDS, True))
    review: ReviewOptions = field(default_factory=ReviewOptions)
    spot_check: SpotCheckOptions = field(default_factory=SpotCheckOptions)
    determination_checks: DeterminationOptions = field(default_factory=DeterminationOptions)
    maps: MapOptions = field(default_factory=MapOptions)
    evidence: LayerSource | None = None
    evidence_options: EvidenceOptions = field(default_factory=EvidenceOptions)
    register: str | None = None
    register_as_of: dt.date | None = None
    cluster: ClusterOptions = field(default_factory=ClusterOptions)

    @property
    def as_of(self) -> dt.date:
        """The day the register is read as of (``[register] as_of``, else the cutoff)."""
        return self.register_as_of or self.cutoff

    @property
    def cutoff(self) -> dt.date:
        """The deduction cutoff day (``[job] cutoff``), as held by :attr:`statistics`."""
        return self.statistics.cutoff

    @property
    def profile(self) -> str:
        """The vocabulary profile (``[job] profile``: "auto", "2020" or "2026"), as
        held by :attr:`determination_checks` and :attr:`statistics`."""
        return self.determination_checks.profile

    def with_profile(self, profile: str) -> Job:
        """This job with ``profile`` in both option objects that hold it."""
        return dataclasses.replace(
            self,
            statistics=self.statistics.replace(profile=profile),
            determination_checks=self.determination_checks.replace(profile=profile),
        )


# --------------------------------------------------------------------------- checks


class _Checker:
    """Collects problems with their key paths."""

    def __init__(self, base: Path | None) -> None:
        self.base = base
        self.problems: list[str] = []

    def add(self, key: str, message: str) -> None:
        self.problems.append(f"{key}: {message}")

    def table(self, data: Any, key: str) -> dict[str, Any] | None:
        if not isinstance(data, dict):
            self.add(key, f"must be a table, got {type(data).__name__}")
            return None
        return data

    def unknown(self, data: Mapping[str, Any], key: str, allowed: set[str]) -> None:
        for k in sorted(set(data) - allowed):
            where = f"{key}.{k}" if key else k
            self.add(where, f"unknown key; allowed here: {', '.join(sorted(allowed))}")

    def typed(
        self, data: Mapping[str, Any], key: str, name: str, kinds: tuple[type, ...], default: Any
    ) -> Any:
        if name not in data:
            return default
        value = data[name]
        # TOML true/false are bools, and bool is an int in Python: keep them apart
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            wanted = " or ".join(k.__name__ for k in kinds)
            self.add(f"{key}.{name}" if key else name, f"must be {wanted}, got {value!r}")
            return default
        return value

    def path(self, data: Mapping[str, Any], key: str, *, must_exist: bool = True) -> Path | None:
        raw = data.get("path")
        if raw is None:
            self.add(f"{key}.path", "missing (the file to read)")
            return None
        if not isinstance(raw, str) or not raw.strip():
            self.add(f"{key}.path", f"must be a file path, got {raw!r}")
            return None
        p = Path(raw).expanduser()
        if not p.is_absolute() and self.base is not None:
            p = self.base / p
        if must_exist and not p.exists():
            self.add(f"{key}.path", f"file not found: {p}")
        return p


_SOURCE_KEYS = {"path", "layer", "encoding", "crs", "fields"}


_TABLE_KEYS = frozenset({"path", "layer", "encoding", "fields"})
"""Keys of a table input (determinations, manual flags): ``layer`` is the sheet."""


_PLATFORM_KEYS = frozenset({"path", "layer", "encoding", "unit"})
"""Keys of ``[platform_figures]``: ``layer`` is the sheet (Excel) or layer (GeoPackage)."""


def _source(
    chk: _Checker,
    data: Any,
    key: str,
    *,
    extra: frozenset[str] = frozenset(),
    keys: frozenset[str] | set[str] = _SOURCE_KEYS,
) -> LayerSource | None:
    table = chk.table(data, key)
    if table is None:
        return None
    chk.unknown(table, key, set(keys) | set(extra))
    path = chk.path(table, key)
    fields = chk.typed(table, key, "fields", (dict,), {})
    for src, dst in fields.items():
        if not isinstance(dst, str):
            chk.add(f"{key}.fields.{src}", f"must name a canonical field (text), got {dst!r}")
    crs = chk.typed(table, key, "crs", (str, int), None)
    attributes = chk.typed(table, key, "attributes", (list,), [])
    if any(not isinstance(a, str) for a in attributes):
        chk.add(f"{key}.attributes", "must be a list of field names")
    if path is None:
        return None
    return LayerSource(
        path=path,
        layer=chk.typed(table, key, "layer", (str,), None),
        encoding=chk.typed(table, key, "encoding", (str,), None),
        crs=crs,
        fields={str(k): str(v) for k, v in fields.items()},
        id_field=chk.typed(table, key, "id_field", (str,), None),
        batch=chk.typed(table, key, "batch", (str,), None),
        attributes=tuple(str(a) for a in attributes),
    )


def _date(chk: _Checker, value: Any, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    chk.add(key, f"must be a date like 2020-12-21, got {value!r}")
    return dt.date(2020, 12, 21)


def _plain_table(chk: _Checker, data: Mapping[str, Any], key: str) -> dict[str, Any]:
    if key not in data:
        return {}
    table = chk.table(data[key], key)
    return dict(table) if table else {}


def parse_job(data: Mapping[str, Any], *, base: Path | None = None) -> Job:
    """Validate a parsed job mapping (what ``tomllib`` returns) into a :class:`Job`.

    Every problem is collected first; one :class:`JobFileError` lists them all.

    Examples
    --------
    >>> parse_job({"job": {"name": "x", "cutoff": "2020-13-01"}, "colour": 1})
    Traceback (most recent call last):
    ...
    rsgeo.job.JobFileError: the job file has 5 problems:
      - colour: unknown key; allowed here: cluster, county, denominator, deductions, determination_checks, determinations, evidence, imagery, job, layers, lists, manual_flags, maps, outputs, patches, platform_figures, register, review, rules, spot_check, townships, criteria
      - job.cutoff: must be a date like 2020-12-21, got '2020-13-01'
      - patches: missing: at least one [[patches]] table with a path
      - layers: missing: at least one [layers.KEY] table (e.g. [layers.farmland])
      - townships: missing: the township boundaries ([townships] with a path)
    """
    chk = _Checker(base)
    top = {
        "job",
        "patches",
        "layers",
        "townships",
        "county",
        "determinations",
        "manual_flags",
        "denominator",
        "deductions",
        "imagery",
        "rules",
        "criteria",
        "lists",
        "outputs",
        "spot_check",
        "review",
        "determination_checks",
        "maps",
        "platform_figures",
        "evidence",
        "register",
        "cluster",
    }
    # keep the documented order in the message
    order = [
        "cluster",
        "county",
        "denominator",
        "deductions",
        "determination_checks",
        "determinations",
        "evidence",
        "imagery",
        "job",
        "layers",
        "lists",
        "manual_flags",
        "maps",
        "outputs",
        "patches",
        "platform_figures",
        "register",
        "review",
        "rules",
        "spot_check",
        "townships",
        "criteria",
    ]
    for k in sorted(set(data) - top):
        chk.add(k, f"unknown key; allowed here: {', '.join(order)}")

    meta = chk.table(data.get("job", {}), "job") or {}
    chk.unknown(
        meta, "job", {"name", "cutoff", "reviewer", "working_crs", "profile", "filing_unit"}
    )
    name = chk.typed(meta, "job", "name", (str,), "rsgeo job")
    cutoff = _date(chk, meta.get("cutoff", StatsOptions().cutoff), "job.cutoff")
    reviewer = chk.typed(meta, "job", "reviewer", (str,), "")
    filing_unit = chk.typed(meta, "job", "filing_unit", (str,), "")
    working_crs = chk.typed(meta, "job", "working_crs", (str, int), None)
    profile = chk.typed(meta, "job", "profile", (str, int), "auto")

    # [register]: patches and determinations come from a patch register, as of a day
    register, register_as_of = _register(chk, data)
    patches: list[LayerSource] = []
    raw_patches = data.get("patches")
    if register is not None and (raw_patches is not None or data.get("determinations")):
        chk.add(
            "register",
            "with a register, patches and determinations come from it: "
            "leave out [[patches]] and [[determinations]]",
        )
    elif raw_patches is None and register is None:
        chk.add("patches", "missing: at least one [[patches]] table with a path")
    elif raw_patches is not None:
        items = raw_patches if isinstance(raw_patches, list) else [raw_patches]
        for i, item in enumerate(items):
            src = _source(chk, item, f"patches[{i}]", extra=frozenset({"id_field", "batch"}))
            if src is not None:
                patches.append(src)

    layers: dict[str, LayerSource] = {}
    raw_layers = data.get("layers")
    if raw_layers is None:
        chk.add("layers", "missing: at least one [layers.KEY] table (e.g. [layers.farmland])")
    else:
        table = chk.table(raw_layers, "layers") or {}
        for key, item in table.items():
            if not key.isidentifier():
                chk.add(f"layers.{key}", "layer keys must be simple names like farmland or pbf")
            src = _source(chk, item, f"layers.{key}", extra=frozenset({"attributes"}))
            if src is not None:
                layers[key] = src

    townships = None
    if "townships" not in data:
        chk.add("townships", "missing: the township boundaries ([townships] with a path)")
    else:
        townships = _source(chk, data["townships"], "townships")
    county = _source(chk, data["county"], "county") if "county" in data else None
    manual = None
    if "manual_flags" in data:
        manual = _source(chk, data["manual_flags"], "manual_flags", keys=_TABLE_KEYS - {"fields"})

    denominator = None
    denominator_label = None
    if "denominator" in data:
        den_keys = _TABLE_KEYS - {"fields"} | {"source"}
        denominator = _source(chk, data["denominator"], "denominator", keys=den_keys)
        if isinstance(data["denominator"], dict):
            denominator_label = chk.typed(
                data["denominator"], "denominator", "source", (str,), None
            )

    platform_figures = platform_unit = None
    if "platform_figures" in data:  # the platform's overlay figures (套合结果), rule R19
        platform_figures = _source(
            chk, data["platform_figures"], "platform_figures", keys=_PLATFORM_KEYS
        )
        if isinstance(data["platform_figures"], dict):
            platform_unit = chk.typed(
                data["platform_figures"], "platform_figures", "unit", (str,), None
            )
            if platform_unit not in (None, *PLATFORM_UNITS):
                chk.add(
                    "platform_figures.unit",
                    f"must be one of {list(PLATFORM_UNITS)}, got {platform_unit!r}",
                )

    dets: list[LayerSource] = []
    raw_dets = data.get("determinations", [])
    for i, item in enumerate(raw_dets if isinstance(raw_dets, list) else [raw_dets]):
        src = _source(chk, item, f"determinations[{i}]", keys=_TABLE_KEYS)
        if src is not None:
            dets.append(src)

    imagery = _plain_table(chk, data, "imagery")
    chk.unknown(imagery, "imagery", {"before", "after"})
    images: dict[str, Path | None] = {"before": None, "after": None}
    for k in ("before", "after"):
        if k in imagery:
            images[k] = chk.path({"path": imagery[k]}, f"imagery.{k}")

    # [evidence]: a 国土调查云 evidence package (SQLite) whose photos go into the dossiers
    evidence = None
    evidence_options = EvidenceOptions()
    if "evidence" in data:
        ev_table = chk.table(data["evidence"], "evidence") or {}
        option_keys = {"match", "max_distance_m"}
        ev_keys = frozenset({"path", "table", "fields"} | option_keys)
        chk.unknown(ev_table, "evidence", set(ev_keys))
        src_table = {k: v for k, v in ev_table.items() if k in ("path", "fields")}
        if "table" in ev_table:
            src_table["layer"] = ev_table["table"]
        evidence = _source(chk, src_table, "evidence", keys=_TABLE_KEYS)
        ev_values = {k: v for k, v in ev_table.items() if k in option_keys}
        ev_problems = EvidenceOptions.problems_of(ev_values)
        for key, message in ev_problems:
            chk.add(f"evidence.{key}" if key else "evidence", message)
        if not ev_problems:
            evidence_options = EvidenceOptions.from_mapping(ev_values)

    outputs_raw = _plain_table(chk, data, "outputs")
    chk.unknown(outputs_raw, "outputs", set(OUTPUT_KINDS))
    outputs = dict.fromkeys(OUTPUT_KINDS, True)
    for k in OUTPUT_KINDS:
        outputs[k] = bool(chk.typed(outputs_raw, "outputs", k, (bool,), True))

    spot = _plain_table(chk, data, "spot_check")
    review_table = _plain_table(chk, data, "review")

    criteria_table = _plain_table(chk, data, "criteria")
    if "deductions" in data:  # [deductions]: classes on/off, each with its own cutoff
        if "deduction_classes" in criteria_table:
            chk.add("criteria.deduction_classes", "give the deduction classes in [deductions]")
        chosen = dict.fromkeys(DEFAULT_DEDUCTION_CLASSES, True)
        chosen.update(_plain_table(chk, data, "deductions"))
        criteria_table = {**criteria_table, "deduction_classes": chosen}
    options = _options(
        chk,
        cutoff,
        profile,
        _plain_table(chk, data, "rules"),
        criteria_table,
        _plain_table(chk, data, "lists"),
        review_table,
        spot,
        _plain_table(chk, data, "determination_checks"),
    )

    maps = _maps(chk, _plain_table(chk, data, "maps"))
    cluster = _cluster(chk, _plain_table(chk, data, "cluster"))

    if chk.problems:
        n = len(chk.problems)
        raise JobFileError(
            format_problems(f"the job file has {n} problem{'s' if n > 1 else ''}:", chk.problems)
        )
    assert townships is not None and options is not None
    rules, statistics, criteria, lists, review, spot_check, checks = options
    return Job(
        path=None,
        name=name,
        patches=tuple(patches),
        layers=layers,
        townships=townships,
        county=county,
        determinations=tuple(dets),
        manual_flags=manual,
        denominator=denominator,
        denominator_label=denominator_label,
        platform_figures=platform_figures,
        platform_unit=platform_unit,
        imagery_before=images["before"],
        imagery_after=images["after"],
        reviewer=reviewer,
        filing_unit=filing_unit,
        working_crs=working_crs,
        rules=rules,
        statistics=statistics,
        criteria=criteria,
        lists=lists,
        outputs=outputs,
        review=review,
        spot_check=spot_check,
        determination_checks=checks,
        maps=maps,
        evidence=evidence,
        evidence_options=evidence_options,
        register=register,
        register_as_of=register_as_of,
        cluster=cluster,
    )


def _register(chk: _Checker, data: Mapping[str, Any]) -> tuple[str | None, dt.date | None]:
    """``[register]``: ``path`` (a .gpkg, or a postgresql:// URL) and ``as_of``."""
    if "register" not in data:
        return None, None
    table = chk.table(data["register"], "register") or {}
    chk.unknown(table, "register", {"path", "as_of"})
    raw = table.get("path")
    target: str | None = None
    if isinstance(raw, str) and raw.startswith(("postgresql://", "postgres://")):
        target = raw
    else:
        path = chk.path(table, "register")
        target = None if path is None else str(path)
    as_of = _date(chk, table["as_of"], "register.as_of") if "as_of" in table else None
    return target, as_of


def _maps(chk: _Checker, table: dict[str, Any]) -> MapOptions:
    """``[maps]``: the field maps' basemap, its path relative to the job file."""
    values = dict(table)
    raw = values.get("basemap")
    if isinstance(raw, str) and raw.strip():
        found = Path(raw).expanduser()
        if not found.is_absolute() and chk.base is not None:
            found = chk.base / found
        if not found.exists():
            chk.add("maps.basemap", f"file not found: {found}")
        values["basemap"] = str(found)
    problems = MapOptions.problems_of(values)
    for key, message in problems:
        chk.add(f"maps.{key}" if key else "maps", message)
    return MapOptions() if problems else MapOptions.from_mapping(values)


def _cluster(chk: _Checker, table: dict[str, Any]) -> ClusterOptions:
    """``[cluster]``: how ``rsgeo run --workers/--cluster`` cuts the job into partitions."""
    problems = ClusterOptions.problems_of(table)
    for key, message in problems:
        chk.add(f"cluster.{key}" if key else "cluster", message)
    return ClusterOptions() if problems else ClusterOptions(**table)


def _options(
    chk: _Checker,
    cutoff: dt.date,
    profile: str | int,
    rules: dict[str, Any],
    criteria: dict[str, Any],
    lists: dict[str, Any],
    review: dict[str, Any],
    spot_check: dict[str, Any],
    determination_checks: dict[str, Any],
) -> (
    tuple[
        ClassificationRules,
        StatsOptions,
        CriteriaThresholds,
        ListOptions,
        ReviewOptions,
        SpotCheckOptions,
        DeterminationOptions,
    ]
    | None
):
    """Build the option objects of [rules], [criteria] and [lists]; problems go to ``chk``.

    ``[criteria]`` holds the thresholds (:class:`CriteriaThresholds`) and the
    statistics options (:class:`StatsOptions`) side by side; the cutoff and
    the profile live in ``[job]`` (the profile goes to :class:`StatsOptions`
    and :class:`DeterminationOptions` alike).
    """
    threshold_keys = {f.name for f in dataclasses.fields(CriteriaThresholds)}
    stats_keys = {f.name for f in dataclasses.fields(StatsOptions)} - {"cutoff", "profile"}
    chk.unknown(criteria, "criteria", threshold_keys | stats_keys)
    if "profile" in determination_checks:
        chk.add("determination_checks.profile", "set the profile in [job] (profile = ...)")
    determination_checks = {
        **{k: v for k, v in determination_checks.items() if k != "profile"},
        "profile": profile,
    }

    stats_table = {
        "cutoff": cutoff,
        "profile": profile,
        **{k: v for k, v in criteria.items() if k in stats_keys},
    }
    threshold_table = {k: v for k, v in criteria.items() if k in threshold_keys}
    tables: list[tuple[str, Any, dict[str, Any]]] = [
        ("rules", ClassificationRules, rules),
        ("criteria", StatsOptions, stats_table),
        ("criteria", CriteriaThresholds, threshold_table),
        ("lists", ListOptions, lists),
        ("review", ReviewOptions, review),
        ("spot_check", SpotCheckOptions, spot_check),
        ("determination_checks", DeterminationOptions, determination_checks),
    ]
    built: list[Any] = []
    for table, kind, values in tables:
        problems = kind.problems_of(values)
        for key, message in problems:
            if table == "determination_checks" and key == "profile":
                continue  # [job] profile: said once, with the statistics options
            where = _CRITERIA_KEY_FOR.get(key, f"{table}.{key}" if key else table)
            chk.add(where, message)
        built.append(None if problems else kind.from_mapping(values))
    if any(b is None for b in built):
        return None
    return tuple(built)  # type: ignore[return-value]


_CRITERIA_KEY_FOR = {
    "cutoff": "job.cutoff",
    "deduction_classes": "deductions",
    "profile": "job.profile",
}
"""Option keys that a job file holds elsewhere than in their table."""


class JobFileWarning(UserWarning):
    """The job file was read, with a note (for example: saved in GBK)."""


def _job_text(raw: bytes, path: Path) -> str:
    """The job file's text: UTF-8 (with or without BOM), else GB18030 with a note."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError as err:
        raise JobFileError(
            f"{path} is neither UTF-8 nor GBK text; save it as UTF-8 (记事本: 另存为 UTF-8)"
        ) from err
    warnings.warn(
        f"{path} is saved in GBK; it was read as GBK. Save it as UTF-8 to share it safely",
        JobFileWarning,
        stacklevel=3,
    )
    return text


def load_job(path: str | Path) -> Job:
    """Read and validate a job file.

    Parameters
    ----------
    path : str or Path
        The TOML job file; relative paths inside it are relative to its folder.

    Raises
    ------
    JobFileError
        Listing every problem with its key path (also for TOML syntax errors,
        with the line).
    rsgeo.errors.DataFileError
        When the job file itself cannot be read.
    """
    from rsgeo.errors import DataFileError

    p = Path(path).expanduser()
    try:
        raw = p.read_bytes()
    except FileNotFoundError as err:
        raise DataFileError(f"job file not found: {p}") from err
    except OSError as err:
        raise DataFileError(f"cannot read the job file {p}: {err}") from err
    text = _job_text(raw, p)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise JobFileError(f"{p} is not valid TOML: {err}") from err
    job = parse_job(data, base=p.resolve().parent)
    return Job(**{**job.__dict__, "path": p.resolve()})
