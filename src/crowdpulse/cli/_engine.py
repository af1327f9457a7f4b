"""``--workers`` and ``--scheduler``: the options that choose where a command runs."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from crowdpulse.engine import Engine

__all__ = ["engine_for", "engine_options"]

F = TypeVar("F", bound=Callable[..., Any])


def engine_options(func: F) -> F:
    """Add ``--workers N`` and ``--scheduler ADDRESS`` to a command."""
    func = click.option(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        envvar="CROWDPULSE_SCHEDULER",
        help="Run on a running Dask scheduler, e.g. tcp://10.0.0.5:8786 "
        "(env CROWDPULSE_SCHEDULER; extra 'dask').",
    )(func)
    func = click.option(
        "--workers",
        type=click.IntRange(min=0),
        default=0,
        show_default=True,
        help="Start a local Dask cluster of N worker processes (0: this process; "
        "extra 'dask': pip install crowdpulse[dask]).",
    )(func)
    return func


def engine_for(
    workers: int, scheduler: str | None, event: str | Path | None = None
) -> AbstractContextManager[Engine]:
    """The engine the options ask for (the event TOML's ``[cluster]`` last).

    Args:
        workers: ``--workers``.
        scheduler: ``--scheduler`` (or the environment variable).
        event: An event TOML whose ``[cluster]`` section is used when neither
            option is given.

    Returns:
        A context manager yielding the engine.
    """
    from crowdpulse.engine import cluster_config, open_engine

    cluster = None
    if event is not None and not (workers or scheduler) and Path(event).is_file():
        cluster = cluster_config(event)
    return open_engine(workers or None, scheduler, cluster)
