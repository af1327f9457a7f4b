"""Choosing the engine: ``--workers``, ``--scheduler``, ``CROWDPULSE_SCHEDULER``, ``[cluster]``.

The ``[cluster]`` section of an event TOML describes where the work runs::

    [cluster]
    kind = "slurm"            # "local", "scheduler", "slurm", "pbs", "sge" or "lsf"
    jobs = 4                  # batch jobs to submit (local: worker processes)
    queue = "normal"          # -p / -q
    account = "proj123"       # -A
    cores = 8                 # cores per job
    processes = 2             # Dask worker processes per job
    memory = "32GB"           # memory per job
    walltime = "02:00:00"
    job_extra_directives = ["--exclusive"]
    # address = "tcp://10.0.0.5:8786"   # kind = "scheduler": a running scheduler

Precedence, highest first: ``--scheduler`` (then ``CROWDPULSE_SCHEDULER``), then
``--workers N`` (a local cluster of N processes), then ``[cluster]``; with none of
them the work runs in this process and Dask is not imported.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crowdpulse.exceptions import ConfigError, InputError, MissingExtraError

if TYPE_CHECKING:
    from crowdpulse.engine import Engine

__all__ = ["JOBQUEUE_KINDS", "SCHEDULER_ENV", "ClusterConfig", "cluster_config", "open_engine"]

SCHEDULER_ENV = "CROWDPULSE_SCHEDULER"
"""Environment variable naming a running Dask scheduler (``tcp://host:8786``)."""

JOBQUEUE_KINDS = ("slurm", "pbs", "sge", "lsf")
"""Batch systems reached through dask-jobqueue."""

_KINDS = ("local", "scheduler", *JOBQUEUE_KINDS)
_JOB_KEYS = {
    "queue", "account", "cores", "processes", "memory", "walltime", "job_extra_directives",
    "local_directory", "interface", "python", "job_script_prologue", "worker_extra_args",
}  # fmt: skip
_KEYS = {"kind", "jobs", "address", *_JOB_KEYS}


@dataclass(frozen=True)
class ClusterConfig:
    """A ``[cluster]`` section.

    Attributes:
        kind: ``local``, ``scheduler``, ``slurm``, ``pbs``, ``sge`` or ``lsf``.
        jobs: Batch jobs to submit (``local``: worker processes).
        address: Scheduler address (``kind = "scheduler"``).
        options: The dask-jobqueue options (``queue``, ``cores``, ``memory``...).
    """

    kind: str = "local"
    jobs: int = 1
    address: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ConfigError(
                f"unknown kind {self.kind!r}; choose {', '.join(_KINDS)}", field="cluster.kind"
            )
        if self.jobs < 1:
            raise ConfigError("must be at least 1", field="cluster.jobs")
        if self.kind == "scheduler" and not self.address:
            raise ConfigError("kind 'scheduler' needs an address", field="cluster.address")
        if self.kind in JOBQUEUE_KINDS:
            for key in ("cores", "memory"):
                if key not in self.options:
                    raise ConfigError(f"a {self.kind} cluster needs {key}", field=f"cluster.{key}")

    def job_script(self, scheduler: str = "tcp://scheduler:8786") -> str:
        """The batch script dask-jobqueue submits for one job (no scheduler needed).

        Args:
            scheduler: The scheduler address written into the script.

        Returns:
            The script text.

        Raises:
            ConfigError: The kind is not a batch system.
            MissingExtraError: dask-jobqueue is not installed.
        """
        return _job_class(self.kind)(
            scheduler=scheduler, name="crowdpulse", **self.options
        ).job_script()


def _job_class(kind: str) -> Any:
    if kind not in JOBQUEUE_KINDS:
        raise ConfigError(f"kind {kind!r} submits no batch jobs", field="cluster.kind")
    try:
        import dask_jobqueue
    except ImportError:
        raise MissingExtraError("dask-jobqueue", "dask") from None
    module = {"slurm": "slurm", "pbs": "pbs", "sge": "sge", "lsf": "lsf"}[kind]
    return getattr(getattr(dask_jobqueue, module), f"{kind.upper()}Job")


def _cluster_class(kind: str) -> Any:
    try:
        import dask_jobqueue
    except ImportError:
        raise MissingExtraError("dask-jobqueue", "dask") from None
    return getattr(dask_jobqueue, f"{kind.upper()}Cluster")


def cluster_config(source: str | Path | dict[str, Any] | None) -> ClusterConfig | None:
    """Read the ``[cluster]`` section of an event TOML file (or of a parsed dict).

    Args:
        source: The TOML file, its parsed content, or None.

    Returns:
        The :class:`ClusterConfig`, or None when there is no ``[cluster]`` section.

    Raises:
        InputError: The file cannot be read or is not TOML.
        ConfigError: A field is unknown or invalid.
    """
    if source is None:
        return None
    path = None
    if isinstance(source, dict):
        raw = source
    else:
        path = str(source)
        try:
            raw = tomllib.loads(Path(source).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError("no such file", path=path) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"not a TOML file ({exc})", path=path) from None
    section = raw.get("cluster")
    if section is None:
        return None
    if not isinstance(section, dict):
        raise ConfigError("expected a table", field="cluster", path=path)
    for key in section:
        if key not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(
                f"unknown field; known fields: {known}", field=f"cluster.{key}", path=path
            )
    jobs = section.get("jobs", 1)
    if not isinstance(jobs, int) or isinstance(jobs, bool):
        raise ConfigError("expected a whole number", field="cluster.jobs", path=path)
    try:
        return ClusterConfig(
            kind=str(section.get("kind", "local")),
            jobs=jobs,
            address=section.get("address"),
            options={k: v for k, v in section.items() if k in _JOB_KEYS},
        )
    except ConfigError as exc:
        if path is None:
            raise
        message = str(exc).split("': ", 1)[-1]
        raise ConfigError(message, field=exc.field, path=path) from None


@contextmanager
def open_engine(
    workers: int | None = None,
    scheduler: str | None = None,
    cluster: ClusterConfig | None = None,
    *,
    processes: bool = True,
) -> Iterator[Engine]:
    """Open the engine the options ask for, and close it (and any cluster it started).

    Args:
        workers: Start a local cluster of this many workers (0 or None: no).
        scheduler: Address of a running scheduler (default: ``CROWDPULSE_SCHEDULER``).
        cluster: A ``[cluster]`` section (used when neither of the above is given).
        processes: Local clusters: one process per worker (False: threads, for tests).

    Yields:
        The engine.

    Raises:
        ConfigError: ``workers`` is negative.
        MissingExtraError: A cluster is asked for and Dask is not installed.
    """
    from crowdpulse.engine import LocalEngine

    if workers is not None and workers < 0:
        raise ConfigError("must be 0 or more", field="workers")
    scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if not scheduler and not workers and cluster is None:
        yield LocalEngine()
        return
    from crowdpulse.engine.dask import DaskEngine, client_for

    options: dict[str, Any]
    if scheduler:
        kind, jobs, options = "scheduler", 0, {"address": scheduler}
    elif workers:
        kind, jobs, options = "local", workers, {}
    else:
        assert cluster is not None
        kind, jobs, options = cluster.kind, cluster.jobs, dict(cluster.options)
        if cluster.kind == "scheduler":
            options = {"address": cluster.address}
    if kind in JOBQUEUE_KINDS:
        options["cluster_class"] = _cluster_class(kind)
    with client_for(kind, jobs, options, processes=processes) as client:
        yield DaskEngine(client)
