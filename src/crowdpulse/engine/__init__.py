"""Where the work runs: this process, a local Dask cluster, or a running cluster.

The analyses that scale (``features``, ``geotag``, ``emojis`` and the report stages
that call them) split a corpus file into partitions of Parquet row groups and map
one function over them with an :class:`Engine`:

- :class:`LocalEngine` (the default, no extra needed): one partition after the
  other in this process;
- :class:`~crowdpulse.engine.dask.DaskEngine` (``pip install crowdpulse[dask]``):
  the partitions are tasks of a ``dask.distributed`` cluster: a local cluster of
  ``--workers N`` processes, a running scheduler (``--scheduler ADDRESS`` or the
  ``CROWDPULSE_SCHEDULER`` environment variable) or a SLURM (PBS, SGE, LSF)
  deployment through ``dask-jobqueue``, described by the ``[cluster]`` section of
  the event TOML (:func:`~crowdpulse.engine.config.cluster_config`).

Results come back in partition order and are combined by the caller in that
order, with exact (integer) sums where results are added, so every output is the
same with one process or a cluster of any size. At most ``2 x workers``
partitions are in flight, so memory stays bounded on the client too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

from crowdpulse.engine.config import ClusterConfig, cluster_config, open_engine
from crowdpulse.io.corpus import open_parquet

__all__ = [
    "ClusterConfig",
    "Engine",
    "LocalEngine",
    "cluster_config",
    "local_engine",
    "open_engine",
    "partitions",
]

J = TypeVar("J")
R = TypeVar("R")


class Engine(Protocol):
    """Maps a function over partitions; results come back in partition order."""

    @property
    def workers(self) -> int:
        """Number of workers (1 for this process)."""
        ...

    def map(
        self, fn: Callable[[J, Sequence[int]], R], parts: Sequence[Sequence[int]], job: J
    ) -> Iterator[R]:
        """Yield ``fn(job, part)`` for every partition, in order.

        Args:
            fn: A module-level (picklable) function.
            parts: The partitions (row-group indices of a Parquet file).
            job: What every task needs (picklable).
        """
        ...


class LocalEngine:
    """Runs every partition in this process, one after the other."""

    @property
    def workers(self) -> int:
        """Always 1."""
        return 1

    def map(
        self, fn: Callable[[J, Sequence[int]], R], parts: Sequence[Sequence[int]], job: J
    ) -> Iterator[R]:
        """Yield ``fn(job, part)`` for every partition, in order."""
        for part in parts:
            yield fn(job, part)

    def __repr__(self) -> str:
        return "LocalEngine()"


def local_engine() -> LocalEngine:
    """The default engine: this process."""
    return LocalEngine()


def partitions(path: str | Path, min_rows: int = 65_536) -> list[tuple[int, ...]]:
    """Split a Parquet file into partitions of consecutive whole row groups.

    Consecutive row groups are put together until a partition holds at least
    ``min_rows`` rows (the last may hold fewer), so that a file written in small
    row groups still makes tasks worth sending. The split depends only on the file
    and ``min_rows``, never on the number of workers, and results combined in
    partition order are the same on any cluster.

    Args:
        path: The Parquet file.
        min_rows: Fewest rows per partition (1: one partition per row group).

    Returns:
        The row-group indices of each partition (an empty file has none).

    Raises:
        InputError: The file is missing or is not Parquet.
    """
    meta = open_parquet(path).metadata
    out: list[tuple[int, ...]] = []
    current: list[int] = []
    rows = 0
    for i in range(meta.num_row_groups):
        n = meta.row_group(i).num_rows
        if n == 0:
            continue
        current.append(i)
        rows += n
        if rows >= min_rows:
            out.append(tuple(current))
            current, rows = [], 0
    if current:
        out.append(tuple(current))
    return out
