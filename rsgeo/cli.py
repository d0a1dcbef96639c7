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
``rsgeo convert SRC DEST.parquet``
    Write a layer as spatially sorted, partitioned GeoParquet
    (:func:`rsgeo.io.convert.convert_to_geoparquet`, docs/geoparquet.md).
``rsgeo init FOLDER``
    Write ``FOLDER/job.toml``, a commented job-file template for the files
    found in the folder (:mod:`rsgeo.scaffold`).
``rsgeo register ACTION REGISTER …``
    The patch register (:class:`rsgeo.Register`): create, ingest,
    determine, split, close, state, history, stats, reconcile, blacklist, export.

Help texts and messages are in Chinese with English beside
(:mod:`rsgeo.schema.messages`); library errors keep their English text, after
the Chinese explanation of their class. Printing never fails on a console
that cannot show every character (GBK/cp936, ASCII): such characters are
replaced.

Exit codes: 0 done; 2 bad command line; 3 bad input (job file, data,
CRS, fields); 4 a file cannot be read or written; 5 the output exists and
``--overwrite`` was not given (or files rsgeo did not write are in the way);
130 interrupted (Ctrl-C); 1 an unexpected error (run with ``--debug`` and
report the traceback).
"""

from __future__ import annotations

import argparse
import gc
import sys
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from rsgeo._version import __version__
from rsgeo.errors import DataFileError, InputError, OutputExistsError, RsgeoError
from rsgeo.schema.messages import ERROR_EXPLANATIONS, HELP, say

__all__ = ["EXIT_CODES", "main"]

EXIT_CODES = {
    "ok": 0,
    "unexpected": 1,
    "usage": 2,
    "input": 3,
    "file": 4,
    "exists": 5,
}


class _Parser(argparse.ArgumentParser):
    """argparse, with the Chinese and English hint after a bad command line."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        print(say("usage_hint"), file=sys.stderr)
        raise SystemExit(EXIT_CODES["usage"])


class _ConvertHelp(argparse.HelpFormatter):
    """The help of ``rsgeo convert``, with the writing defaults of :mod:`rsgeo.options`
    filled in only when it is shown (the options import pandas: 0.3 s at every start)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = super()._get_help_string(action)
        if text is None or "{default" not in text:
            return text
        from rsgeo.options import PARQUET_COMPRESSIONS, ROW_GROUP_ROWS, ROWS_PER_PART

        defaults = {
            "rows_per_part": ROWS_PER_PART,
            "row_group_rows": ROW_GROUP_ROWS,
            "compression": PARQUET_COMPRESSIONS[0],
        }
        return text.format(default=defaults[action.dest], choices=", ".join(PARQUET_COMPRESSIONS))


def _parser() -> argparse.ArgumentParser:
    def helps(p: argparse.ArgumentParser) -> None:
        p._positionals.title = HELP["positionals"]
        p._optionals.title = HELP["optionals"]
        p.add_argument("-h", "--help", action="help", help=HELP["help"])

    def new(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        text = HELP[name]
        p = sub.add_parser(
            name, help=text, description=text, epilog=HELP["epilog"], add_help=False, **kwargs
        )
        helps(p)
        return p

    parser = _Parser(
        prog="rsgeo", description=HELP["description"], epilog=HELP["epilog"], add_help=False
    )
    helps(parser)
    parser.add_argument(
        "--version", action="version", version=f"rsgeo {__version__}", help=HELP["version"]
    )
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", title=HELP["commands"]
    )

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--debug", action="store_true", help=HELP["debug"])
        p.add_argument("--quiet", action="store_true", help=HELP["quiet"])

    run = new("run")
    run.add_argument("job", type=Path, help=HELP["run_job"])
    run.add_argument("--out", type=Path, required=True, help=HELP["out"])
    run.add_argument("--overwrite", action="store_true", help=HELP["overwrite"])
    run.add_argument("--timings", action="store_true", help=HELP["timings"])
    where = run.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, metavar="N", help=HELP["workers"])
    where.add_argument("--cluster", default=None, metavar="ADDRESS", help=HELP["cluster"])
    run.add_argument("--memory-limit", default=None, metavar="SIZE", help=HELP["memory_limit"])
    common(run)

    demo = new("demo")
    demo.add_argument("--out", type=Path, required=True, help=HELP["out"])
    demo.add_argument("--overwrite", action="store_true", help=HELP["overwrite"])
    demo.add_argument("--timings", action="store_true", help=HELP["timings"])
    common(demo)

    check = new("check")
    check.add_argument("job", type=Path, help=HELP["check_job"])
    common(check)

    info = new("info")
    info.add_argument("path", type=Path, help=HELP["info_path"])
    info.add_argument("--layer", default=None, help=HELP["layer"])
    info.add_argument("--encoding", default=None, help=HELP["encoding"])
    info.add_argument("--crs", default=None, help=HELP["crs"])
    info.add_argument("--patches", action="store_true", help=HELP["patches"])
    common(info)

    convert = new("convert", formatter_class=_ConvertHelp)
    convert.add_argument("src", type=Path, help=HELP["convert_src"])
    convert.add_argument("dest", type=Path, help=HELP["convert_dest"])
    convert.add_argument("--layer", default=None, help=HELP["layer"])
    convert.add_argument("--encoding", default=None, help=HELP["encoding"])
    convert.add_argument("--rows-per-part", type=int, default=None, help=HELP["rows_per_part"])
    convert.add_argument("--row-group-rows", type=int, default=None, help=HELP["row_group_rows"])
    # checked by the writer, whose error lists the choices
    convert.add_argument("--compression", default=None, help=HELP["compression"])
    convert.add_argument("--overwrite", action="store_true", help=HELP["convert_overwrite"])
    common(convert)

    init = new("init")
    init.add_argument("folder", type=Path, help=HELP["init_folder"])
    init.add_argument("--year", default=None, help=HELP["init_year"])
    init.add_argument("--overwrite", action="store_true", help=HELP["init_overwrite"])
    common(init)
    _register_parser(new("register"), helps, common)
    return parser


def _register_parser(reg: argparse.ArgumentParser, helps: Any, common: Any) -> None:
    """``rsgeo register ACTION REGISTER …``: the patch register (:class:`rsgeo.Register`)."""
    actions = reg.add_subparsers(
        dest="action", required=True, metavar="ACTION", title=HELP["register_actions"]
    )

    def action(name: str, *, target: bool = True) -> argparse.ArgumentParser:
        text = HELP[f"register_{name}"]
        p = actions.add_parser(name, help=text, description=text, add_help=False)
        helps(p)
        if target:
            p.add_argument("register", help=HELP["register_target"])
            p.add_argument("--user", default=None, help=HELP["register_user"])
        common(p)
        return p

    p = action("create")
    p.add_argument("--crs", required=True, help=HELP["register_crs"])
    p = action("ingest")
    p.add_argument("file", type=Path, help=HELP["register_file"])
    p.add_argument("--batch", required=True, help=HELP["register_batch"])
    p.add_argument("--delivered", required=True, help=HELP["register_delivered"])
    p.add_argument("--layer", default=None, help=HELP["layer"])
    p.add_argument("--encoding", default=None, help=HELP["encoding"])
    p.add_argument("--link-overlap", type=float, default=None, help=HELP["register_link_overlap"])
    p = action("determine")
    p.add_argument("table", type=Path, help=HELP["register_table"])
    p.add_argument("--on", required=True, help=HELP["register_on"])
    p.add_argument("--sheet", default=0, help=HELP["layer"])
    p = action("split")
    p.add_argument("patch", help=HELP["register_patch"])
    p.add_argument("--on", required=True, help=HELP["register_on"])
    p.add_argument("--parts", type=Path, default=None, help=HELP["register_parts"])
    p.add_argument("--areas", nargs="+", default=None, help=HELP["register_areas"])
    p = action("close")
    p.add_argument("patch", help=HELP["register_patch"])
    p.add_argument("--on", required=True, help=HELP["register_on"])
    p.add_argument("--note", default="", help=HELP["register_note"])
    for name in ("state", "reconcile"):
        p = action(name)
        p.add_argument("--as-of", default=None, help=HELP["register_as_of"])
        p.add_argument("--out", type=Path, default=None, help=HELP["register_out"])
    p = action("history")
    p.add_argument("patch", help=HELP["register_patch"])
    p = action("stats", target=False)
    p.add_argument("job", type=Path, help=HELP["register_job"])
    p.add_argument("--as-of", default=None, help=HELP["register_as_of"])
    p.add_argument("--out", type=Path, default=None, help=HELP["register_out"])
    p = action("blacklist")
    p.add_argument("--as-of", default=None, help=HELP["register_as_of"])
    p.add_argument("--out", type=Path, required=True, help=HELP["register_out"])
    p.add_argument("--overwrite", action="store_true", help=HELP["overwrite"])
    p = action("export")
    p.add_argument("batch", help=HELP["register_batch"])
    p.add_argument("--out", type=Path, required=True, help=HELP["register_out"])
    p.add_argument(
        "--layout", choices=("2020", "2026"), default="2020", help=HELP["register_layout"]
    )
    p.add_argument("--as-of", default=None, help=HELP["register_as_of"])
    p.add_argument("--overwrite", action="store_true", help=HELP["overwrite"])


def _cmd_run(
    job_path: Path,
    out: Path,
    *,
    overwrite: bool,
    quiet: bool,
    timings: bool = False,
    workers: int | None = None,
    cluster: str | None = None,
    memory_limit: str | None = None,
) -> int:
    from rsgeo.job import load_job
    from rsgeo.pipeline import run_job

    job = load_job(job_path)
    if workers is None and cluster is None:
        result = run_job(job, out, overwrite=overwrite, progress=not quiet)
        summary = result.summary()
    else:  # the overlay by partition on dask.distributed (docs/cluster.md)
        from rsgeo.cluster import run_job_on_cluster

        ran = run_job_on_cluster(
            job,
            out,
            workers=workers,
            address=cluster,
            memory_limit=memory_limit,
            overwrite=overwrite,
            progress=not quiet,
        )
        result, summary = ran.job_result, ran.summary()
    if not quiet:
        print(say("run_done"))
        print(summary)
    if timings and result.timings is not None:
        print(result.timings.table(say("timings_header")))
    return 0


def _cmd_demo(out: Path, *, overwrite: bool, quiet: bool, timings: bool = False) -> int:
    from rsgeo.io.sample import sample_path

    return _cmd_run(
        sample_path("rongshui_2020.toml"), out, overwrite=overwrite, quiet=quiet, timings=timings
    )


def _cmd_check(job_path: Path, *, quiet: bool) -> int:
    from rsgeo.job import load_job
    from rsgeo.preflight import check_inputs

    job = load_job(job_path)
    problems = check_inputs(job)
    if problems:
        print(say("check_problems", job=job_path, n=len(problems)), file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_CODES["input"]
    if not quiet:
        layers = ", ".join(sorted(job.layers))
        print(say("check_ok", job=job_path, n=len(job.patches), layers=layers, cutoff=job.cutoff))
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from rsgeo.io.reading import read_layer, read_patches

    reader = read_patches if args.patches else read_layer
    gdf = reader(args.path, layer=args.layer, encoding=args.encoding, crs=args.crs)
    from rsgeo.schema.military import is_military, redact_ids

    report = gdf.attrs.get("rsgeo_read_report")
    print(say("info_features", path=args.path, n=len(gdf), crs=gdf.crs))
    if report is not None and hasattr(report, "summary"):
        military = gdf.index[is_military(gdf).to_numpy()] if args.patches else []
        print(redact_ids(report.summary(), military))
    names = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
    print(say("info_fields", fields=names))
    return 0


def _cmd_convert(args: argparse.Namespace) -> int:
    from rsgeo.io.convert import convert_to_geoparquet
    from rsgeo.options import PARQUET_COMPRESSIONS, ROW_GROUP_ROWS, ROWS_PER_PART

    def progress(line: str) -> None:
        print(say("convert_progress", line=line), file=sys.stderr, flush=True)

    written = convert_to_geoparquet(
        args.src,
        args.dest,
        layer=args.layer,
        encoding=args.encoding,
        rows_per_part=args.rows_per_part or ROWS_PER_PART,
        row_group_rows=args.row_group_rows or ROW_GROUP_ROWS,
        overwrite=args.overwrite,
        compression=args.compression or PARQUET_COMPRESSIONS[0],
        progress=None if args.quiet else progress,
    )
    if not args.quiet:
        print(
            say(
                "convert_done",
                path=written.path,
                rows=f"{written.rows:,}",
                parts=len(written.parts),
                mb=written.bytes / 1e6,
            )
        )
    return 0


def _cmd_init(folder: Path, *, year: str | None, overwrite: bool, quiet: bool) -> int:
    from rsgeo.scaffold import write_job_template

    target, found = write_job_template(folder, year=year, overwrite=overwrite)
    if not quiet:
        for line in found.describe():
            print(say("init_found", what=line))
        print(say("init_written", path=target))
        print(say("init_check", path=target))
    return 0


def _cmd_register(args: argparse.Namespace) -> int:
    """The actions of ``rsgeo register``: each one library call."""
    from rsgeo.register import Register

    if args.action == "create":
        with Register.create(args.register, crs=args.crs, user=args.user) as reg:
            if not args.quiet:
                print(say("register_created", target=reg.target, crs=reg.crs))
        return 0
    if args.action == "stats":
        return _register_stats(args)
    with Register(args.register, user=args.user) as reg:
        done: Any = None
        if args.action == "ingest":
            done = reg.ingest(
                args.file,
                batch=args.batch,
                delivered_on=args.delivered,
                link_overlap=args.link_overlap,
                layer=args.layer,
                encoding=args.encoding,
            )
        elif args.action == "determine":
            sheet = int(args.sheet) if str(args.sheet).isdigit() else args.sheet
            done = reg.determine(args.table, on=args.on, sheet=sheet)
        elif args.action == "split":
            done = {"split": reg.split(args.patch, _parts(args, reg.crs), on=args.on)}
        elif args.action == "close":
            done = {"close": reg.close_patch(args.patch, on=args.on, note=args.note)}
        elif args.action in ("state", "reconcile"):
            table = getattr(reg, args.action)(as_of=args.as_of)
            return _show_table(table, args.out)
        elif args.action == "history":
            return _show_table(reg.history(args.patch), None)
        elif args.action == "blacklist":
            path = reg.write_blacklist(args.out, args.as_of, overwrite=args.overwrite)
            print(say("register_written", path=path))
            return 0
        elif args.action == "export":
            path = reg.export(
                args.batch, args.out, layout=args.layout, as_of=args.as_of, overwrite=args.overwrite
            )
            print(say("register_written", path=path))
            return 0
        if not args.quiet:
            print(say("register_done", target=reg.target, what=done))
    return 0


def _parts(args: argparse.Namespace, crs: int) -> dict[str, Any]:
    """The parts of ``rsgeo register split``: a layer (first column the id) or PART=M2 pairs."""
    if args.areas:
        pairs = [a.split("=", 1) for a in args.areas]
        if any(len(p) != 2 for p in pairs):
            raise InputError(f"--areas takes PART=M2 pairs, got {args.areas}")
        return {k: float(v) for k, v in pairs}
    if args.parts is None:
        raise InputError("give the parts: --parts LAYER or --areas PART=M2 …")
    from rsgeo.io.reading import read_layer

    layer = read_layer(args.parts).to_crs(crs)
    ids = layer[layer.columns[0]].astype(str)
    return dict(zip(ids, layer.geometry, strict=True))


def _show_table(table: Any, out: Path | None) -> int:
    if out is None:
        print(table.to_string())
        return 0
    from rsgeo.outputs.csv_tables import write_csv

    write_csv(out, table, overwrite=True)
    print(say("register_written", path=out))
    return 0


def _register_stats(args: argparse.Namespace) -> int:
    """Township statistics of a job with ``[register]`` as of a day (the run's own road)."""
    import dataclasses
    import tempfile

    from rsgeo.job import OUTPUT_KINDS, load_job
    from rsgeo.pipeline import run_job

    job = load_job(args.job)
    if job.register is None:
        raise InputError(f"{args.job} names no register ([register] path = …)")
    as_of = job.register_as_of if args.as_of is None else _as_of(args.as_of)
    job = dataclasses.replace(job, register_as_of=as_of, outputs=dict.fromkeys(OUTPUT_KINDS, False))
    with tempfile.TemporaryDirectory(prefix="rsgeo-stats-") as tmp:
        stats = run_job(job, Path(tmp) / "out", progress=not args.quiet).stats
    return _show_table(stats, args.out)


def _as_of(text: str) -> Any:
    from rsgeo.schema.cells import parse_date

    day = parse_date(text)
    if day is None:
        raise InputError(f"--as-of must be a date like 2020-12-21, got {text!r}")
    return day


def _console_safe(*streams: Any) -> None:
    """Printing Chinese never raises on a console that cannot show every character.

    A stream whose encoding cannot write Chinese (ASCII, Latin-1) is switched
    to UTF-8; any stream (GBK/cp936 writes Chinese but not every symbol) has
    characters it cannot write replaced instead of raising UnicodeEncodeError.
    """
    for stream in streams:
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:  # a replaced stream (a test's capture): left alone
            continue
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "卫片执法".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            encoding = "utf-8"
        try:
            reconfigure(encoding=encoding, errors="replace")
        except (ValueError, OSError):  # pragma: no cover - a closed or odd stream
            continue


def _explain(err: BaseException) -> str:
    """The Chinese / English explanation of an error's class."""
    for cls in type(err).__mro__:
        if cls.__name__ in ERROR_EXPLANATIONS:
            return ERROR_EXPLANATIONS[cls.__name__]
    return say("unexpected", name=type(err).__name__)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """A warning of the library as one line for the user, without Python's file and line."""
    print(say("note", message=message), file=file if file is not None else sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rsgeo`` command; returns the exit code.

    The library's warnings print as one line each ("rsgeo: 注意 / note: …");
    with ``--debug`` in Python's format, with the file and line.
    """
    _console_safe(sys.stdout, sys.stderr)
    shown = warnings.showwarning
    if "--debug" not in (sys.argv[1:] if argv is None else argv):
        warnings.showwarning = _show_warning
    command = argv is None  # the rsgeo command itself; tests and notebooks pass argv
    try:
        return _main(argv, command=command)
    finally:
        warnings.showwarning = shown
        if command:
            # the process ends next: Python's last collection would search every
            # object of the run for cycles (3 s wall in the demo at load 12, 0.5 s
            # frozen); what is left is freed with the process
            gc.freeze()


def _freeze_imports() -> None:
    """Leave the modules a run imports out of the garbage collector's full searches.

    A run imports pandas, geopandas, numba, pyproj and rsgeo: about 100,000
    objects that live as long as the process, searched again by every full
    collection during the run (the demo: 0.49 → 0.30 CPU-s of collections).
    Only for the command: a notebook's collector is left as it is.
    """
    import rsgeo.pipeline  # noqa: F401  (what a run imports before it starts)

    gc.freeze()


def _main(argv: Sequence[str] | None, *, command: bool = False) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as done:  # --help, --version, or a bad command line (2)
        return done.code if isinstance(done.code, int) else EXIT_CODES["usage"]
    if command and args.command in ("run", "demo"):
        _freeze_imports()
    try:
        if args.command == "run":
            return _cmd_run(
                args.job,
                args.out,
                overwrite=args.overwrite,
                quiet=args.quiet,
                timings=args.timings,
                workers=args.workers,
                cluster=args.cluster,
                memory_limit=args.memory_limit,
            )
        if args.command == "demo":
            return _cmd_demo(
                args.out, overwrite=args.overwrite, quiet=args.quiet, timings=args.timings
            )
        if args.command == "check":
            return _cmd_check(args.job, quiet=args.quiet)
        if args.command == "info":
            return _cmd_info(args)
        if args.command == "register":
            return _cmd_register(args)
        if args.command == "convert":
            return _cmd_convert(args)
        if args.command == "init":
            return _cmd_init(
                args.folder, year=args.year, overwrite=args.overwrite, quiet=args.quiet
            )
    except KeyboardInterrupt:
        if args.command in ("run", "demo"):
            print(say("interrupted_kept", out=args.out), file=sys.stderr)
        else:
            print(say("interrupted"), file=sys.stderr)
        return 130
    except Exception as err:  # one readable message; the traceback with --debug
        if args.debug:
            traceback.print_exc()
        code = _exit_code(err)
        if isinstance(err, RsgeoError) or code != EXIT_CODES["unexpected"]:
            kind = f"{say('error')}: {_explain(err)}"
        else:
            kind = _explain(err)
        print(say("prog_error", kind=kind, message=err), file=sys.stderr)
        if code == EXIT_CODES["unexpected"] and not args.debug:
            print(say("debug_hint"), file=sys.stderr)
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
