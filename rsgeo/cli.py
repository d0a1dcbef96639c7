"""The ``rsgeo`` command line: a thin layer over the library.

Commands
--------
``rsgeo run JOB.toml --out DIR``
    Run a job file: read, overlay, classify, apply determinations,
    statistics, workbook, maps, review, dossiers, sealed military output.
``rsgeo demo --out DIR``
    The same on the bundled Rongshui sample (all four quarters of 2020).
``rsgeo check JOB.toml``
    Validate a job file and list every problem, without running it.
``rsgeo info FILE``
    What rsgeo reads from a file: driver, layer, encoding, CRS, field
    mapping, geometry repairs.

Exit codes: 0 done; 2 bad command line; 3 bad input (job file, data,
CRS, fields); 4 a file cannot be read or written; 5 the output exists and
``--overwrite`` was not given (or files rsgeo did not write are in the way);
130 interrupted (Ctrl-C); 1 an unexpected error (run with ``--debug`` and
report the traceback).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from rsgeo._version import __version__
from rsgeo.errors import DataFileError, InputError, OutputExistsError, RsgeoError

__all__ = ["EXIT_CODES", "main"]

EXIT_CODES = {
    "ok": 0,
    "unexpected": 1,
    "usage": 2,
    "input": 3,
    "file": 4,
    "exists": 5,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rsgeo",
        description="卫片执法 GIS work for county natural-resources bureaus.",
    )
    parser.add_argument("--version", action="version", version=f"rsgeo {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--debug", action="store_true", help="show the traceback of an error")
        p.add_argument("--quiet", action="store_true", help="no progress bars or summary")

    run = sub.add_parser("run", help="run a job file")
    run.add_argument("job", type=Path, help="the job file (TOML)")
    run.add_argument("--out", type=Path, required=True, help="output folder")
    run.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    common(run)

    demo = sub.add_parser("demo", help="run the job on the bundled Rongshui sample")
    demo.add_argument("--out", type=Path, required=True, help="output folder")
    demo.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    common(demo)

    check = sub.add_parser("check", help="validate a job file")
    check.add_argument("job", type=Path)
    common(check)

    info = sub.add_parser("info", help="what rsgeo reads from a file")
    info.add_argument("path", type=Path)
    info.add_argument("--layer", default=None)
    info.add_argument("--encoding", default=None)
    info.add_argument("--crs", default=None)
    info.add_argument("--patches", action="store_true", help="read as a patch file (ids)")
    common(info)
    return parser


def _cmd_run(job_path: Path, out: Path, *, overwrite: bool, quiet: bool) -> int:
    from rsgeo.job import load_job
    from rsgeo.pipeline import run_job

    job = load_job(job_path)
    result = run_job(job, out, overwrite=overwrite, progress=not quiet)
    if not quiet:
        print(result.summary())
    return 0


def _cmd_demo(out: Path, *, overwrite: bool, quiet: bool) -> int:
    from rsgeo.io.sample import sample_path

    return _cmd_run(sample_path("rongshui_2020.toml"), out, overwrite=overwrite, quiet=quiet)


def _cmd_check(job_path: Path, *, quiet: bool) -> int:
    from rsgeo.job import load_job
    from rsgeo.preflight import check_inputs

    job = load_job(job_path)
    problems = check_inputs(job)
    if problems:
        n = len(problems)
        print(
            f"rsgeo: {job_path}: {n} problem{'s' if n > 1 else ''} with the inputs:",
            file=sys.stderr,
        )
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_CODES["input"]
    if not quiet:
        print(
            f"{job_path}: OK — every input opened: {len(job.patches)} patch file(s), "
            f"layers: {', '.join(sorted(job.layers))}; cutoff {job.cutoff.isoformat()}"
        )
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from rsgeo.io.reading import read_layer, read_patches

    reader = read_patches if args.patches else read_layer
    gdf = reader(args.path, layer=args.layer, encoding=args.encoding, crs=args.crs)
    from rsgeo.schema.military import is_military, redact_ids

    report = gdf.attrs.get("rsgeo_read_report")
    print(f"{args.path}: {len(gdf)} features, CRS {gdf.crs}")
    if report is not None and hasattr(report, "summary"):
        military = gdf.index[is_military(gdf).to_numpy()] if args.patches else []
        print(redact_ids(report.summary(), military))
    print("fields:", ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rsgeo`` command; returns the exit code."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as done:  # --help, --version, or a bad command line (2)
        return done.code if isinstance(done.code, int) else EXIT_CODES["usage"]
    try:
        if args.command == "run":
            return _cmd_run(args.job, args.out, overwrite=args.overwrite, quiet=args.quiet)
        if args.command == "demo":
            return _cmd_demo(args.out, overwrite=args.overwrite, quiet=args.quiet)
        if args.command == "check":
            return _cmd_check(args.job, quiet=args.quiet)
        if args.command == "info":
            return _cmd_info(args)
    except KeyboardInterrupt:
        kept = ""
        if args.command in ("run", "demo"):
            kept = f"; nothing half-written is left in {args.out}: it keeps the outputs of the "
            kept += "last run that finished, if any"
        print(f"rsgeo: interrupted{kept}", file=sys.stderr)
        return 130
    except Exception as err:  # one readable message; the traceback with --debug
        if args.debug:
            traceback.print_exc()
        code = _exit_code(err)
        kind = (
            "error" if isinstance(err, RsgeoError) else f"unexpected error ({type(err).__name__})"
        )
        print(f"rsgeo: {kind}: {err}", file=sys.stderr)
        if code == EXIT_CODES["unexpected"] and not args.debug:
            print("rsgeo: run again with --debug to see the traceback", file=sys.stderr)
        return code
    return EXIT_CODES["usage"]  # pragma: no cover - argparse requires a command


def _exit_code(err: BaseException) -> int:
    if isinstance(err, OutputExistsError):
        return EXIT_CODES["exists"]
    if isinstance(err, DataFileError):
        return EXIT_CODES["file"]
    if isinstance(err, InputError):
        return EXIT_CODES["input"]
    if isinstance(err, RsgeoError):
        return EXIT_CODES["input"]
    if isinstance(err, OSError):
        return EXIT_CODES["file"]
    return EXIT_CODES["unexpected"]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
