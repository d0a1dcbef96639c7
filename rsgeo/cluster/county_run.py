"""The county maps and dossiers of a cluster run, drawn by the workers.

Once the client has the province's tables (classes, statistics, review) and
before it writes its own outputs (workbooks, result layers, reports),
:meth:`CountyRun.start` hands each county's maps and dossiers to the Dask
workers as one task per county (:func:`rsgeo.cluster.county_outputs.write_county`);
:meth:`CountyRun.wait` collects them after the client's writers. The workers
write straight into the run's staging folder, so they must see it at the same
path (a LocalCluster always does; on a running scheduler, an output folder on
a drive the workers share). Where a worker does not, the client writes the
counties itself after its other outputs, and says so.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from rsgeo.cluster.counties import county_stats
from rsgeo.cluster.county_outputs import (
    CountyWork,
    county_work,
    merge_outputs,
    write_county,
    write_province_unplaced_photos,
)
from rsgeo.cluster.partition import COUNTY_CODE_DIGITS, Partition
from rsgeo.cluster.task import process_peak_mb
from rsgeo.pipeline import JobResult, evidence_photos
from rsgeo.schema.messages import STEPS

__all__ = ["CountyRun", "county_of", "quiet_graph_size", "timed_write_county"]


@contextlib.contextmanager
def quiet_graph_size() -> Iterator[None]:
    """Submit tasks that carry their data without dask's note on large task graphs.

    A partition's patches and a county's tables travel inside their task, not
    scattered to one worker beforehand: the scheduler keeps them, so a task
    whose worker dies runs again elsewhere (scattered data would die with it).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
        yield


def county_of(parts: list[Partition], result: pd.DataFrame) -> pd.Series:
    """Patch id → county code: the county of its main township (the one the workbook
    and the field maps file it under), else, outside every township, its partition's."""
    pairs = [(i, p.county_code) for p in parts if p.county_code for i in p.patch_ids]
    known = pd.Series(dict(pairs), dtype=object)
    code = result["township_code"].astype(str)
    out = code.str[:COUNTY_CODE_DIGITS].astype(object)
    lost = ~code.str.fullmatch(r"\d{6}.*").fillna(False).astype(bool).to_numpy()
    out[lost] = known.reindex(out.index[lost]).fillna("").to_numpy()
    return out


def timed_write_county(work: CountyWork, folder: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """:func:`write_county`, and its record: ``county_code``, ``wall_s``, ``cpu_s``,
    ``peak_rss_mb`` of the worker process so far and its ``pid`` (for benchmarks)."""
    cpu0, t0 = time.process_time(), time.perf_counter()
    outputs = write_county(work, folder)
    record = {
        "county_code": work.code,
        "wall_s": round(time.perf_counter() - t0, 3),
        "cpu_s": round(time.process_time() - cpu0, 3),
        "peak_rss_mb": process_peak_mb(),
        "pid": os.getpid(),
    }
    return outputs, record


class CountyRun:
    """Each county's maps and dossiers: started on the workers, collected at the end.

    Parameters
    ----------
    client : distributed.Client
    parts : list of Partition
        The run's partitions (each patch outside every township goes to its
        partition's county).
    folder : Path
        The staging folder the outputs are written into.
    dossier_counties : tuple of str or None
        Counties whose dossiers are written (None: all).
    want : dict
        The job's ``[outputs]`` switches.
    overwrite, progress
        As for the run.
    """

    def __init__(
        self,
        client: Any,
        parts: list[Partition],
        folder: Path,
        *,
        dossier_counties: tuple[str, ...] | None,
        want: dict[str, bool],
        overwrite: bool,
        progress: bool,
    ) -> None:
        self.client = client
        self.parts = parts
        self.folder = Path(folder)
        self.dossier_counties = dossier_counties
        self.want = dict(want)
        self.overwrite = overwrite
        self.progress = progress
        self.stats: pd.DataFrame | None = None
        self.works: list[CountyWork] = []
        self.futures: list[Any] = []
        self.on_workers = False
        self.records: list[dict[str, Any]] = []
        self._photos: Any = None

    def start(self, jr: JobResult) -> None:
        """The statistics by county, and each county's maps and dossiers handed to the workers."""
        self.stats = county_stats(
            jr.result,
            jr.pieces,
            townships=jr.townships,
            options=jr.job.statistics,
            thresholds=jr.job.criteria,
            figures=jr.figures,
        )
        if not any(self.want.get(k) for k in ("county_map", "field_maps", "dossiers")):
            return
        if self.want.get("dossiers"):
            self._photos = evidence_photos(jr, progress=False)
            n = 0 if self._photos is None else len(self._photos.unplaced)
            if n and self.progress:  # listed once for the province, not in a county's index
                print(f"rsgeo: {STEPS['unplaced_photos_province'].format(n=n)}", file=sys.stderr)
        self.works = county_work(
            jr,
            county_of=county_of(self.parts, jr.result),
            county_stats=self.stats,
            want=self.want,
            dossier_counties=self.dossier_counties,
            photos=self._photos,
            overwrite=self.overwrite,
        )
        seen = self.client.run(os.path.isdir, str(self.folder))
        self.on_workers = bool(seen) and all(seen.values())
        if not self.on_workers:
            if self.progress:
                print(f"rsgeo: {STEPS['county_on_client']}", file=sys.stderr)
            return
        run_id = uuid.uuid4().hex[:8]
        with quiet_graph_size():
            for work in self.works:
                self.futures.append(
                    self.client.submit(
                        timed_write_county,
                        work,
                        str(self.folder),
                        key=f"rsgeo-county-{run_id}-{work.code}",
                        pure=False,
                    )
                )

    def wait(self) -> dict[str, Any]:
        """The counties' outputs (as :func:`write_county` returns them, merged).

        A county whose task failed raises here: drawing a county is no input of
        the run, so a failure is a fault of the run, never reported and skipped.
        """
        if not self.on_workers:
            done = [write_county(w, self.folder, progress=self.progress) for w in self.works]
        else:
            import distributed

            done = []
            labels = {f.key: w for f, w in zip(self.futures, self.works, strict=True)}
            try:
                completed = distributed.as_completed(self.futures)
                for n, fut in enumerate(completed, start=1):
                    outputs, record = fut.result()
                    done.append(outputs)
                    self.records.append(record)
                    if self.progress:
                        work = labels[fut.key]
                        line = STEPS["county_done"].format(
                            done=n, total=len(self.futures), label=f"{work.code} {work.name}"
                        )
                        print(f"rsgeo: {line}", file=sys.stderr)
            finally:
                for fut in self.futures:
                    fut.release()
        write_province_unplaced_photos(self._photos, self.folder)
        return merge_outputs(done)

    def cancel(self) -> None:
        """Cancel the counties still running (the run failed)."""
        if self.futures:
            self.client.cancel(self.futures)
