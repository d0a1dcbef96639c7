"""Open every input of a job, compute nothing, list every problem: ``rsgeo check``.

:func:`check_inputs` reads each file a job names with the same readers
``rsgeo run`` uses: encodings, CRS, field mappings and geometry repair of the
patches and layers; the headers, values and vocabulary of the determination
tables; the manual flags. It then checks what a run would need later: the
ridge coefficient (KCXS) of the farmland layer for net farmland, the fields a
layer's ``attributes`` list, the township fields, and that each determination
table names patches of the batches. Every problem comes back with its key path
in the job file, so a technician fixes them in one go before a long run.

Examples
--------
>>> from rsgeo.io.sample import sample_path
>>> from rsgeo.job import load_job
>>> check_inputs(load_job(sample_path("rongshui_2020.toml")))
[]
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from rsgeo.analysis.determination import check_matches
from rsgeo.errors import RsgeoError
from rsgeo.io.denominator import read_denominator_table
from rsgeo.io.determination_table import read_determinations
from rsgeo.io.reading import READ_REPORT_KEY, read_layer, read_patches
from rsgeo.io.tables import read_manual_flags
from rsgeo.job import Job
from rsgeo.schema.contract import normalize_township_code
from rsgeo.schema.military import is_military, redact_ids, redacting

__all__ = ["check_inputs"]


def _attempt(
    problems: list[str], key: str, read: Callable[..., Any], *args: Any, **kwargs: Any
) -> Any:
    """``read(*args, **kwargs)``, or None with the problem added under ``key``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a check reports problems, not notes
            return read(*args, **kwargs)
    except RsgeoError as err:
        problems.append(f"{key}: {str(err).replace(chr(10), chr(10) + '    ')}")
        return None


def _fields(frame: Any) -> list[str]:
    return [str(c) for c in frame.columns if c != "geometry"]


def check_inputs(job: Job) -> list[str]:
    """Every problem of the job's inputs, each with its key path; [] when all read.

    Parameters
    ----------
    job : Job
        From :func:`rsgeo.job.load_job` (the job file itself is checked there).

    Returns
    -------
    list of str
        ``"layers.farmland: ..."``, ``"determinations[1]: ..."`` and so on.
        Sealed patch ids never appear in them.
    """
    problems: list[str] = []
    ids: list[str] = []
    sealed: set[str] = set()
    for i, src in enumerate(job.patches):
        kw = src.read_kwargs()
        gdf = _attempt(
            problems, f"patches[{i}]", read_patches, src.path, id_field=src.id_field, **kw
        )
        if gdf is not None:
            cut = getattr(gdf.attrs.get(READ_REPORT_KEY), "shapes_cut_off", 0)
            if cut:
                problems.append(
                    f"patches[{i}]: {src.path}: the .shp is cut short: {cut} shapes lie "
                    "past its end and would read as empty geometries; fetch the delivery again"
                )
            ids += list(gdf.index.astype(str))
            sealed |= set(gdf.index[is_military(gdf).to_numpy()].astype(str))
    with redacting(sealed):
        for key, src in job.layers.items():
            layer = _attempt(problems, f"layers.{key}", read_layer, src.path, **src.read_kwargs())
            if layer is None:
                continue
            missing = [a for a in src.attributes if a not in layer.columns]
            if missing:
                problems.append(
                    f"layers.{key}.attributes: {missing} not in the layer (fields: {_fields(layer)})"
                )
            net = key == "farmland" and job.statistics.farmland_basis == "net"
            if net and "ridge_coef" not in layer.columns:
                problems.append(
                    "layers.farmland: no ridge coefficient field (KCXS, 扣除系数), so net "
                    "farmland cannot be computed; map it with fields, or set "
                    '[criteria] farmland_basis = "gross"'
                )
        towns = None
        for key, source in (("townships", job.townships), ("county", job.county)):
            if source is None:
                continue
            table = _attempt(problems, key, read_layer, source.path, **source.read_kwargs())
            if key == "townships":
                towns = table
            wanted = {"township_code", "township_name"} if key == "townships" else set()
            if table is not None and wanted - set(table.columns):
                problems.append(
                    f"{key}: no {sorted(wanted - set(table.columns))} field (XZQDM/XZQMC, "
                    f"乡镇代码/乡镇名称); fields: {_fields(table)}"
                )
        if job.denominator is not None:
            src = job.denominator
            den = _attempt(
                problems,
                "denominator",
                read_denominator_table,
                src.path,
                sheet=src.layer or 0,
                encoding=src.encoding,
            )
            if den is not None and towns is not None and "township_code" in towns.columns:
                codes = {normalize_township_code(c) for c in towns["township_code"]}
                missing = sorted(codes - set(den.index.astype(str)))
                if missing:
                    problems.append(f"denominator: townships not in the table: {missing}")
        for i, src in enumerate(job.determinations):
            where = f"determinations[{i}]"
            det = _attempt(
                problems,
                where,
                read_determinations,
                src.path,
                sheet=src.layer or 0,
                encoding=src.encoding,
                fields=src.fields or None,
                options=job.determination_checks,
            )
            if det is not None and ids:
                opts = job.determination_checks
                _attempt(
                    problems, where, check_matches, det, ids, options=opts, source=str(src.path)
                )
        flags = job.manual_flags
        if flags is not None:
            _attempt(
                problems,
                "manual_flags",
                read_manual_flags,
                flags.path,
                sheet=flags.layer or 0,
                encoding=flags.encoding,
            )
    return [redact_ids(p, sealed) for p in problems]
