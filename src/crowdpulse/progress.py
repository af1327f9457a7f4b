"""Progress bars on stderr, silent with ``quiet=True`` (the CLI's ``--quiet``).

Every long-running library function takes ``quiet: bool = True`` and wraps its loop
in :func:`progress`; the CLI passes ``quiet=False`` unless ``--quiet`` is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

__all__ = ["Progress", "progress", "track"]

T = TypeVar("T")


class Progress:
    """A handle to advance a progress bar; does nothing when quiet."""

    def __init__(self, bar: object | None, task: object | None) -> None:
        self._bar = bar
        self._task = task

    def advance(self, amount: float = 1) -> None:
        """Move the bar forward by ``amount`` units."""
        if self._bar is not None:
            self._bar.advance(self._task, amount)  # type: ignore[attr-defined]

    def update(self, *, total: float | None = None, description: str | None = None) -> None:
        """Change the bar's total or description."""
        if self._bar is not None:
            kwargs: dict[str, object] = {}
            if total is not None:
                kwargs["total"] = total
            if description is not None:
                kwargs["description"] = description
            self._bar.update(self._task, **kwargs)  # type: ignore[attr-defined]


@contextmanager
def progress(
    description: str, *, total: float | None = None, quiet: bool = True
) -> Iterator[Progress]:
    """Show a progress bar on stderr for the duration of a ``with`` block.

    Args:
        description: What is being done, e.g. ``"ingest"``.
        total: Units of work in all, if known (else the bar only counts).
        quiet: Show nothing.

    Yields:
        A :class:`Progress` whose ``advance`` moves the bar.
    """
    if quiet:
        yield Progress(None, None)
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.progress import (
        Progress as RichProgress,
    )

    console = Console(stderr=True)
    bar = RichProgress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )
    with bar:
        task = bar.add_task(description, total=total)
        yield Progress(bar, task)


def track(
    items: Iterable[T], description: str, *, total: float | None = None, quiet: bool = True
) -> Iterator[T]:
    """Iterate over ``items`` with a progress bar advancing one unit per item.

    Args:
        items: The iterable.
        description: What is being done.
        total: Number of items, if known (defaults to ``len(items)`` where it exists).
        quiet: Show nothing.

    Yields:
        The items, unchanged.
    """
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with progress(description, total=total, quiet=quiet) as bar:
        for item in items:
            yield item
            bar.advance()
