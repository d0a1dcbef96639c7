"""Fixtures of the cluster tests: the province, its single run, and a LocalCluster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cluster_province import write_job, write_province

from rsgeo.job import load_job
from rsgeo.pipeline import JobResult, run_job

pytest.importorskip("distributed")


@pytest.fixture(scope="session")
def province_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The layers of a 4-county province as GeoPackages."""
    return write_province(tmp_path_factory.mktemp("cluster_province"))


@pytest.fixture(scope="session")
def single_run(province_folder: Path) -> JobResult:
    """The reference: the same job in one process (rsgeo.pipeline.run_job)."""
    job = load_job(write_job(province_folder, name="single"))
    return run_job(job, province_folder / "out_single", progress=False)


@pytest.fixture(scope="session")
def client() -> Iterator[Any]:
    """A LocalCluster of 2 worker processes (one thread, 1 GB each)."""
    from rsgeo.cluster import cluster_client

    with cluster_client(workers=2, memory_limit="1GB") as c:
        yield c
