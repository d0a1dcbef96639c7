"""Benchmark of the one Excel writer: rows written as XML text against openpyxl's cells.

Both writers run in the same process on the same tables: the writer of this
tree (``rsgeo.outputs.excel``, rows written as text) and the one of an
earlier commit (``--old``, default ``59a28b0``: openpyxl write-only cells),
read from git and loaded beside it. Figures are CPU seconds
(``time.process_time``) and their ratio; the load average is printed, since
the machine is shared.

* micro: a table of ``--rows`` rows (text, names, figures, counts, dates,
  flags, long notes) through ``write_sheet``: cells per CPU second, old and new;
* ``--job FILE``: ``rsgeo run`` on the job with only the workbook and the
  review record, then both writers called again on the tables the run handed
  them (统计报表.xlsx via ``write_workbook``, the review record via
  ``write_review_record``), old and new. The old writer is put in place of the
  new one's names in ``rsgeo.outputs.workbook`` and ``review_record``; the
  sheets' content is built by this tree's code in both::

    python benchmarks/bench_excel.py                       # 50,000 rows x 20 columns
    python benchmarks/bench_excel.py --rows 200000 --no-old
    python benchmarks/bench_excel.py --job /tmp/bench-data/runs/job-50k.toml
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rsgeo.outputs import excel as new_excel  # noqa: E402


def old_excel(ref: str) -> types.ModuleType:
    """``rsgeo/outputs/excel.py`` as of git ``ref``, loaded as a module of its own."""
    source = subprocess.run(
        ["git", "show", f"{ref}:rsgeo/outputs/excel.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    spec = importlib.util.spec_from_loader("rsgeo_excel_old", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"excel.py@{ref}", "exec"), module.__dict__)
    return module


def table(excel: types.ModuleType, n: int) -> Any:
    """A patch listing of ``n`` rows and 20 columns, as a Sheet of ``excel``."""
    sheet = excel.Sheet("图斑明细", units="单位：亩", print_columns=8)
    towns = [f"{name}镇" for name in ("融水", "和睦", "三防", "怀宝", "洞头", "大浪", "永乐")]
    classes = ("违法用地", "合法用地", "其他用地", "非粮化")
    day = dt.datetime(2020, 1, 1)
    sheet.add("监测编号", [f"4502251{i:07d}" for i in range(n)])
    sheet.add("乡镇名称", [towns[i % len(towns)] for i in range(n)])
    sheet.add("最终分类", [classes[i % len(classes)] for i in range(n)])
    for k in range(10):
        sheet.add(
            f"面积{k}（平方米）", [round((i * 37 + k) % 9973 * 1.37, 2) for i in range(n)], "0.00"
        )
    for k in range(3):
        sheet.add(f"个数{k}", [(i * 7 + k) % 50 for i in range(n)], "0")
    sheet.add("变化后日期", [day + dt.timedelta(days=i % 700) for i in range(n)], "yyyy-mm-dd")
    sheet.add("是否涉及永久基本农田", ["是" if i % 3 else "否" for i in range(n)])
    sheet.flag_columns.add(len(sheet.headers) - 1)
    sheet.add("备注", ["=公式样文字" if i % 97 == 0 else f"整改说明{i % 13}" for i in range(n)])
    return sheet


def write(excel: types.ModuleType, n: int, path: Path) -> float:
    """CPU seconds to lay out and save a table of ``n`` rows with ``excel``."""
    sheet = table(excel, n)
    start = time.process_time()
    wb = excel.new_workbook()
    heading = excel.PrintHeading(title="基准", lines=("填报单位：某县",), footer="第 &P 页")
    excel.write_sheet(wb.create_sheet(sheet.title), sheet, heading)
    excel.save_workbook(wb, path)
    return time.process_time() - start


@contextlib.contextmanager
def writer(excel: types.ModuleType) -> Iterator[None]:
    """The writers of ``rsgeo.outputs`` with ``excel``'s names in place of the new ones."""
    from rsgeo.outputs import review_record, workbook

    saved: list[tuple[Any, str, Any]] = []
    for module in (workbook, review_record):
        for name in dir(module):
            if getattr(new_excel, name, None) is getattr(module, name) and hasattr(excel, name):
                saved.append((module, name, getattr(module, name)))
                setattr(module, name, getattr(excel, name))
    try:
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


def cpu(call: Callable[[], Any]) -> float:
    start = time.process_time()
    call()
    return time.process_time() - start


def job_tables(
    job_file: Path, out: Path
) -> tuple[tuple[Any, ...], dict[str, Any], tuple[Any, ...], dict[str, Any]]:
    """Run the job (only the workbook and the review record); the writers' arguments."""
    from rsgeo.job import load_job
    from rsgeo.outputs import review_record, workbook
    from rsgeo.pipeline import run_job

    job = load_job(job_file)
    for kind in job.outputs:
        job.outputs[kind] = kind in ("workbook", "review")
    calls: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {}
    originals = (workbook.write_workbook, review_record.write_review_record)

    def keep(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def kept(*args: Any, **kwargs: Any) -> Any:
            calls[name] = (args, dict(kwargs))
            return call(*args, **kwargs)

        return kept

    workbook.write_workbook = keep("workbook", originals[0])  # type: ignore[assignment]
    review_record.write_review_record = keep("review", originals[1])  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        jr = run_job(job, out, overwrite=True, progress=False)
        print(f"\njob run in {time.perf_counter() - start:.1f} s wall; its writers' stages:")
        for record in jr.timings.as_records() if jr.timings is not None else []:
            if record["stage"] in ("workbook", "review_record"):
                print(
                    f"  {record['stage']}: {record['cpu_s']:.2f} s CPU, {record['wall_s']:.2f} s wall"
                )
    finally:
        workbook.write_workbook, review_record.write_review_record = originals
    return (*calls["workbook"], *calls["review"])  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--old", default="59a28b0", help="git commit of the old writer")
    parser.add_argument("--no-old", action="store_true", help="the new writer only")
    parser.add_argument("--job", type=Path, help="a job file: time the workbook and review record")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average at start: {os.getloadavg()}")
    old = None if args.no_old else old_excel(args.old)
    with tempfile.TemporaryDirectory(prefix="bench-excel-") as tmp:
        folder = Path(tmp)
        n_cells = args.rows * len(table(new_excel, 1).headers)
        new_s = write(new_excel, args.rows, folder / "new.xlsx")
        size = (folder / "new.xlsx").stat().st_size / 1e6
        print(f"\nwrite_sheet, {args.rows:,} rows, {n_cells:,} cells (CPU s):")
        print(
            f"  new (rows as XML text): {new_s:.2f} s, {n_cells / new_s:,.0f} cells/s, {size:.1f} MB"
        )
        if old is not None:
            old_s = write(old, args.rows, folder / "old.xlsx")
            size = (folder / "old.xlsx").stat().st_size / 1e6
            print(
                f"  old ({args.old}, openpyxl cells): {old_s:.2f} s, {n_cells / old_s:,.0f} cells/s, {size:.1f} MB"
            )
            print(f"  ratio old / new: {old_s / new_s:.1f}x")
        if args.job is not None:
            from rsgeo.outputs.review_record import write_review_record
            from rsgeo.outputs.workbook import write_workbook

            wb_args, wb_kw, rr_args, rr_kw = job_tables(args.job, folder / "run")
            wb_kw["overwrite"] = rr_kw["overwrite"] = True

            def both(excel: types.ModuleType, tag: str) -> tuple[float, float]:
                with writer(excel):
                    from rsgeo.outputs import review_record, workbook

                    a = cpu(
                        lambda: workbook.write_workbook(
                            folder / f"{tag}.xlsx", *wb_args[1:], **wb_kw
                        )
                    )
                    b = cpu(
                        lambda: review_record.write_review_record(
                            rr_args[0], folder / f"review-{tag}", *rr_args[2:], **rr_kw
                        )
                    )
                return a, b

            assert write_workbook is not None and write_review_record is not None
            new_wb, new_rr = both(new_excel, "new")
            print(f"\n{args.job.name}: workbook / review record (CPU s, the same tables):")
            print(f"  new: {new_wb:.2f} / {new_rr:.2f}")
            if old is not None:
                old_wb, old_rr = both(old, "old")
                print(f"  old ({args.old}): {old_wb:.2f} / {old_rr:.2f}")
                print(f"  ratio old / new: {old_wb / new_wb:.1f}x / {old_rr / new_rr:.1f}x")
    print(f"\nload average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
