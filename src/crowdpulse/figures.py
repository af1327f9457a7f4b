"""What every figure of crowdpulse shares: a headless Agg figure, reproducible PNG/SVG files.

Figures are drawn on :class:`matplotlib.figure.Figure` objects directly (no pyplot, no
global state, safe in threads and servers) and saved without time stamps, so the same
data gives byte-identical files run to run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crowdpulse.exceptions import ConfigError
from crowdpulse.io.atomic import atomic_path

__all__ = [
    "FigureResult",
    "date_axis",
    "figure_paths",
    "new_figure",
    "save_figure",
    "save_figure_as",
]


@dataclass(frozen=True)
class FigureResult:
    """What a figure function wrote: every figure function of crowdpulse returns one.

    Attributes:
        paths: The files written, in order (PNG then SVG for the paper figures; one
            per requested format for the emoji figures).
        width_px: Width of the raster figure at its dpi.
        height_px: Height of the raster figure at its dpi.
    """

    paths: tuple[Path, ...]
    width_px: int
    height_px: int

    @classmethod
    def written(cls, figure: Any, paths: Sequence[Path]) -> FigureResult:
        """The result of saving ``figure`` to ``paths`` (size from the figure and its dpi)."""
        width, height = figure.get_size_inches()
        return cls(tuple(paths), round(width * figure.dpi), round(height * figure.dpi))

    def path(self, suffix: str) -> Path:
        """The first file written with this suffix (``".png"``, ``".svg"``...).

        Raises:
            ConfigError: No file with that suffix was written.
        """
        for item in self.paths:
            if item.suffix.lower() == suffix.lower():
                return item
        raise ConfigError(f"no {suffix} file was written", field="formats")

    @property
    def png(self) -> Path:
        """The PNG file."""
        return self.path(".png")

    @property
    def svg(self) -> Path:
        """The SVG file."""
        return self.path(".svg")


def new_figure(width: float, height: float, dpi: int, *, constrained: bool = False) -> Any:
    """A new headless figure.

    Args:
        width: Width in inches.
        height: Height in inches.
        dpi: Dots per inch of the PNG.
        constrained: Use matplotlib's constrained layout (slower on many panels).

    Returns:
        A :class:`matplotlib.figure.Figure` with an Agg canvas.

    Raises:
        ConfigError: A size or the dpi is not positive.
    """
    if width <= 0 or height <= 0 or dpi <= 0:
        raise ConfigError("the figure size and dpi must be positive", field="width")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=dpi, layout="constrained" if constrained else None)
    FigureCanvasAgg(figure)
    return figure


def figure_paths(path: str | Path) -> tuple[Path, Path]:
    """The PNG and SVG files for a figure named ``path`` (with or without a suffix).

    The parent folder is created.
    """
    target = Path(path)
    stem = target.with_suffix("") if target.suffix.lower() in (".png", ".svg") else target
    stem.parent.mkdir(parents=True, exist_ok=True)
    return Path(f"{stem}.png"), Path(f"{stem}.svg")


def save_figure_as(
    figure: Any, paths: Sequence[str | Path], *, dpi: int | None = None
) -> tuple[Path, ...]:
    """Save a figure to each path, in the format its suffix names, without time stamps.

    Args:
        figure: The figure.
        paths: Files to write (``.png``, ``.svg``, ``.pdf``...); folders are created.
        dpi: Resolution of raster files (default: the figure's).

    Returns:
        The files written.
    """
    import matplotlib

    written = []
    with matplotlib.rc_context({"svg.hashsalt": "crowdpulse", "svg.fonttype": "path"}):
        for item in paths:
            path = Path(item)
            path.parent.mkdir(parents=True, exist_ok=True)
            fmt = path.suffix.lstrip(".").lower() or "png"
            metadata = {"Date": None} if fmt in ("svg", "pdf") else {"Software": None}
            with atomic_path(path) as temp:  # never a half image, even when killed
                figure.savefig(temp, format=fmt, dpi=dpi or figure.dpi, metadata=metadata)
            written.append(path)
    return tuple(written)


def save_figure(figure: Any, path: str | Path) -> tuple[Path, Path]:
    """Save a figure as PNG and SVG beside each other (see :func:`figure_paths`).

    Returns:
        The PNG and the SVG file.
    """
    png, svg = figure_paths(path)
    save_figure_as(figure, (png, svg))
    return png, svg


def date_axis(axis: Any, *, maxticks: int = 6) -> None:
    """Concise date ticks on an axis whose x values are datetimes."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=3, maxticks=maxticks)
    axis.xaxis.set_major_locator(locator)
    axis.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
