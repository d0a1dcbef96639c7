"""The job on a Dask cluster: partitions of a province's patches, one run's figures.

See docs/cluster.md. ``dask[distributed]`` is the optional extra ``cluster``
(``pip install 'rsgeo[cluster]'``); it is imported only when a cluster runs.
"""

from __future__ import annotations

from rsgeo.cluster.partition import BadPartition, Partition, plan_partitions
from rsgeo.cluster.run import ClusterJobResult, cluster_client, run_job_on_cluster
from rsgeo.cluster.timing import projected_wall_s, time_job_on_local_cluster

__all__ = [
    "BadPartition",
    "ClusterJobResult",
    "Partition",
    "cluster_client",
    "plan_partitions",
    "projected_wall_s",
    "run_job_on_cluster",
    "time_job_on_local_cluster",
]
