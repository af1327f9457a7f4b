"""The Dask engine: partitions as tasks of a ``dask.distributed`` cluster.

Needs the ``dask`` extra (``pip install crowdpulse[dask]``); importing this module
without it raises :class:`~crowdpulse.exceptions.MissingExtraError`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from crowdpulse.exceptions import MissingExtraError

try:
    from distributed import Client, Future, LocalCluster
except ImportError:  # pragma: no cover - exercised only without the extra
    raise MissingExtraError("dask[distributed]", "dask") from None

__all__ = ["DaskEngine", "client_for"]

J = TypeVar("J")
R = TypeVar("R")


class DaskEngine:
    """Runs partitions on a Dask cluster; at most ``2 x workers`` in flight.

    Args:
        client: A connected :class:`distributed.Client`.
    """

    def __init__(self, client: Client) -> None:
        self.client = client

    @property
    def workers(self) -> int:
        """Worker processes (threads for an in-process cluster) known to the scheduler."""
        return max(1, len(self.client.scheduler_info(n_workers=-1).get("workers", {})))

    def map(
        self, fn: Callable[[J, Sequence[int]], R], parts: Sequence[Sequence[int]], job: J
    ) -> Iterator[R]:
        """Yield ``fn(job, part)`` for every partition, in partition order.

        Args:
            fn: A module-level (picklable) function.
            parts: The partitions.
            job: What every task needs (sent to the workers once).

        Yields:
            The results, in the order of ``parts``.
        """
        limit = 2 * self.workers
        shared = self.client.scatter(job, broadcast=True) if parts else job
        window: deque[Future] = deque()
        for part in parts:
            window.append(self.client.submit(fn, shared, tuple(part), pure=False))
            if len(window) >= limit:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()

    def __repr__(self) -> str:
        return f"DaskEngine({self.address!r}, workers={self.workers})"

    @property
    def address(self) -> str:
        """The scheduler's address (to hand to other processes)."""
        return str(self.client.scheduler_info().get("address", ""))


@contextmanager
def client_for(
    kind: str, jobs: int, options: dict[str, Any], *, processes: bool = True
) -> Iterator[Client]:
    """Connect to (or start) the cluster and close what was started.

    Args:
        kind: ``scheduler`` (connect to ``options["address"]``), ``local`` (start a
            local cluster of ``jobs`` single-threaded workers) or a batch system
            (start ``options["cluster_class"]`` and submit ``jobs`` jobs).
        jobs: Workers or jobs.
        options: The address or the dask-jobqueue options.
        processes: Local clusters: worker processes (False: threads).

    Yields:
        The client.
    """
    if kind == "scheduler":
        with Client(options["address"]) as client:
            yield client
        return
    if kind == "local":
        cluster: Any = LocalCluster(
            n_workers=jobs,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=":0",
        )
    else:
        options = dict(options)
        cluster = options.pop("cluster_class")(**options)
        cluster.scale(jobs=jobs)
    try:
        with Client(cluster) as client:
            if kind == "local":
                client.wait_for_workers(jobs)
            yield client
    finally:
        cluster.close()
