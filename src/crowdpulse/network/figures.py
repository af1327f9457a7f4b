"""Figures 2, 3 and 4 of the firestorm paper, drawn with matplotlib (Agg, no pyplot).

Every function writes the same figure as PNG and SVG (``path`` with its suffix
replaced) and returns both paths. The PNG is ``width * dpi`` by ``height * dpi``
pixels. SVG output is reproducible (fixed ids, no date).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa

from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.figures import FigureResult, date_axis, new_figure, save_figure
from crowdpulse.network.buckets import TimeLike, to_micros
from crowdpulse.network.lexical import CLASSES

__all__ = [
    "FIGURE2_COLUMNS",
    "METRIC_LABELS",
    "plot_class_counts",
    "plot_max_in_degree",
    "plot_window_metrics",
]

FIGURE2_COLUMNS: tuple[str, ...] = (
    "nodes",
    "edges",
    "density",
    "avg_out_degree",
    "max_out_degree",
    "max_in_degree",
    "lwcc_size",
    "lwcc_fraction",
    "posts",
    "mention_posts",
    "mention_post_ratio",
    "edges_per_post",
    "edges_per_node",
    "posts_per_node",
)
"""The window metrics of the paper's Figure 2, in the order drawn."""

METRIC_LABELS: dict[str, str] = {
    "nodes": "nodes N",
    "edges": "edges E",
    "density": "density",
    "avg_out_degree": "average out-degree",
    "max_out_degree": "max out-degree",
    "max_in_degree": "max in-degree",
    "lwcc_size": "largest WCC (nodes)",
    "lwcc_fraction": "largest WCC / N",
    "posts": "posts",
    "mention_posts": "mention posts",
    "retweet_posts": "retweets",
    "mention_post_ratio": "mention posts / posts",
    "retweet_post_ratio": "retweets / posts",
    "edges_per_post": "E / posts",
    "edges_per_node": "E / N",
    "posts_per_node": "posts / N",
}
"""Axis titles of the window metrics."""

_CLASS_COLOURS = {
    "significantly more": "#4d4d4d",
    "more": "#bdbdbd",
    "less": "#fdc086",
    "significantly less": "#e66101",
}
_HOUR_US = 3_600_000_000


def _times(table: pa.Table, column: str) -> np.ndarray:
    if column not in table.column_names:
        raise InputError("not a window-metrics table: column is missing", field=column)
    micros = table.column(column).cast(pa.int64()).to_numpy()
    return np.asarray(micros, dtype="datetime64[us]")


def _series(table: pa.Table, column: str) -> np.ndarray:
    if column not in table.column_names:
        raise InputError("not a window-metrics table: column is missing", field=column)
    return np.asarray(
        table.column(column).cast(pa.float64()).fill_null(np.nan).to_numpy(), dtype=np.float64
    )


def plot_window_metrics(
    metrics: pa.Table,
    path: str | Path,
    *,
    firestorm_start: TimeLike | None = None,
    columns: Sequence[str] = FIGURE2_COLUMNS,
    title: str | None = None,
    width: float = 14.0,
    height: float = 10.0,
    dpi: int = 100,
) -> FigureResult:
    """Draw every window metric as a small time series (the paper's Figure 2).

    Args:
        metrics: A table from :func:`~crowdpulse.network.window_metrics`.
        path: Output file; ``.png`` and ``.svg`` are written beside each other.
        firestorm_start: Draw a vertical line at this time.
        columns: The metrics to draw, one panel each (4 columns of panels).
        title: Title of the figure.
        width: Width in inches.
        height: Height in inches.
        dpi: Pixels per inch of the PNG.

    Returns:
        The PNG and SVG files written, with the raster size.

    Raises:
        InputError: A column is missing.
        ConfigError: No column to draw, or a bad size.
    """
    if not columns:
        raise ConfigError("give at least one metric to draw", field="columns")
    x = _times(metrics, "end")
    line = None
    if firestorm_start is not None:
        line = np.datetime64(to_micros(firestorm_start, "firestorm_start"), "us")
    figure = new_figure(width, height, dpi)
    n_cols = min(4, len(columns))
    n_rows = -(-len(columns) // n_cols)
    axes = figure.subplots(
        n_rows,
        n_cols,
        sharex=True,
        squeeze=False,
        gridspec_kw={
            "left": 0.05, "right": 0.98, "bottom": 0.07, "top": 0.9 if title else 0.95,
            "wspace": 0.28, "hspace": 0.45,
        },
    )  # fmt: skip
    for k, axis in enumerate(axes.flat):
        if k >= len(columns):
            axis.set_visible(False)
            continue
        column = columns[k]
        axis.plot(x, _series(metrics, column), color="#1f4e79", linewidth=0.9)
        axis.set_title(METRIC_LABELS.get(column, column), fontsize=10)
        axis.tick_params(labelsize=8)
        axis.grid(alpha=0.3, linewidth=0.5)
        if line is not None:
            axis.axvline(line, color="#d7301f", linewidth=1.0, linestyle="--")
        date_axis(axis)
        if k + n_cols >= len(columns):  # no panel below: show the time labels here
            axis.xaxis.set_tick_params(labelbottom=True)
    if title:
        figure.suptitle(title)
    return FigureResult.written(figure, save_figure(figure, path))


def plot_max_in_degree(
    events: Mapping[str, pa.Table],
    path: str | Path,
    *,
    starts: Mapping[str, TimeLike] | None = None,
    title: str | None = "Maximum in-degree of the mention network",
    width: float = 10.0,
    height: float = 8.0,
    dpi: int = 100,
) -> FigureResult:
    """Draw the maximum in-degree over time for several events (the paper's Figure 3).

    Args:
        events: Event name -> its :func:`~crowdpulse.network.window_metrics` table.
        path: Output file; ``.png`` and ``.svg`` are written beside each other.
        starts: Event name -> firestorm start. Given for every event, the x axis is
            hours since the start (shared by all panels); otherwise the time, with a
            line at the start where one is given.
        title: Title of the figure.
        width: Width in inches.
        height: Height in inches.
        dpi: Pixels per inch of the PNG.

    Returns:
        The PNG and SVG files written, with the raster size.

    Raises:
        InputError: A table lacks ``end`` or ``max_in_degree``.
        ConfigError: No events, or a bad size.
    """
    if not events:
        raise ConfigError("give at least one event", field="events")
    starts = dict(starts or {})
    relative = all(name in starts for name in events)
    figure = new_figure(width, height, dpi)
    # Margins in inches, so a short figure keeps room for the title above the first
    # panel's own title and for the x-axis label below the last panel.
    top = 1.0 - (0.8 if title else 0.45) / height
    bottom = 0.65 / height
    axes = figure.subplots(
        len(events),
        1,
        sharex=relative,
        squeeze=False,
        gridspec_kw={
            "left": 0.09, "right": 0.97, "bottom": bottom, "top": top,
            "hspace": min(0.9, 0.55 * 8.0 / height),
        },
    )[:, 0]  # fmt: skip
    for axis, (name, table) in zip(axes, events.items(), strict=True):
        x = _times(table, "end")
        y = _series(table, "max_in_degree")
        start = to_micros(starts[name], f"starts.{name}") if name in starts else None
        if relative and start is not None:
            hours = (x.astype(np.int64) - start) / _HOUR_US
            axis.plot(hours, y, color="#1f4e79", linewidth=0.9, gid=f"in-degree-{name}")
            axis.axvline(0.0, color="#d7301f", linewidth=1.0, linestyle="--")
        else:
            axis.plot(x, y, color="#1f4e79", linewidth=0.9, gid=f"in-degree-{name}")
            if start is not None:
                axis.axvline(
                    np.datetime64(start, "us"), color="#d7301f", linewidth=1.0, linestyle="--"
                )
            date_axis(axis)
        axis.set_title(name, fontsize=10, loc="left")
        axis.set_ylabel("max in-degree", fontsize=8)
        axis.tick_params(labelsize=8)
        axis.grid(alpha=0.3, linewidth=0.5)
    if relative:
        axes[-1].set_xlabel("hours since the firestorm start", fontsize=9)
    if title:
        figure.suptitle(title, y=1.0 - 0.12 / height, va="top")
    return FigureResult.written(figure, save_figure(figure, path))


def plot_class_counts(
    counts: pa.Table,
    path: str | Path,
    *,
    subsets: Sequence[str] | None = None,
    subset_titles: Mapping[str, str] | None = None,
    title: str | None = None,
    width: float = 12.0,
    height: float = 8.0,
    dpi: int = 100,
) -> FigureResult:
    """Draw how many events show more / less use of each category (the paper's Figure 4).

    One panel per subset (e.g. (a) all posts, (b) mention posts); per category four
    horizontal bars: significantly more, more (not significant), less (not
    significant), significantly less.

    Args:
        counts: A table from :func:`~crowdpulse.network.count_classes`.
        path: Output file; ``.png`` and ``.svg`` are written beside each other.
        subsets: The subsets to draw, one panel each (default: all, in order).
        subset_titles: Panel titles (default: ``"all posts"``, ``"mention posts"``,
            ``"inside vs outside the largest component"``, else the subset name).
        title: Title of the figure.
        width: Width in inches.
        height: Height in inches.
        dpi: Pixels per inch of the PNG.

    Returns:
        The PNG and SVG files written, with the raster size.

    Raises:
        InputError: A column is missing.
        ConfigError: Nothing to draw, or a bad size.
    """
    for name in ("subset", "category", *(k.replace(" ", "_") for k in _CLASS_COLOURS)):
        if name not in counts.column_names:
            raise InputError("not a class-count table: column is missing", field=name)
    rows = counts.to_pylist()
    order = list(dict.fromkeys(row["subset"] for row in rows))
    chosen = list(subsets) if subsets is not None else order
    if not chosen:
        raise ConfigError("nothing to draw: the table has no rows", field="counts")
    titles = {
        "all": "all posts",
        "mention": "mention posts",
        "lwcc": "inside vs outside the largest component",
        **(subset_titles or {}),
    }
    kinds = [k for k in CLASSES if k in _CLASS_COLOURS]
    events = max((sum(int(row[k.replace(" ", "_")]) for k in kinds) for row in rows), default=0)
    if events <= 1:
        return _plot_one_event_classes(rows, chosen, titles, path, title, width, height, dpi)
    figure = new_figure(width, height, dpi)
    axes = figure.subplots(
        1,
        len(chosen),
        sharey=True,
        squeeze=False,
        gridspec_kw={
            "left": 0.12, "right": 0.98, "bottom": 0.09, "top": 0.88 if title else 0.93,
            "wspace": 0.08,
        },
    )[0]  # fmt: skip
    bar = 0.2
    for axis, subset in zip(axes, chosen, strict=True):
        part = [row for row in rows if row["subset"] == subset]
        if not part:
            raise ConfigError(f"no rows for subset {subset!r}", field="subsets")
        categories = [row["category"] for row in part]
        y = np.arange(len(categories), dtype=float)
        for k, kind in enumerate(kinds):
            values = [row[kind.replace(" ", "_")] for row in part]
            bars = axis.barh(
                y + (k - 1.5) * bar, values, height=bar, color=_CLASS_COLOURS[kind], label=kind
            )
            for patch, category in zip(bars.patches, categories, strict=True):
                patch.set_gid(f"bar-{subset}-{category}-{kind.replace(' ', '_')}")
        axis.set_yticks(y, categories, fontsize=9)
        axis.set_xlabel("events")
        axis.set_title(titles.get(subset, subset), fontsize=10)
        axis.grid(axis="x", alpha=0.3, linewidth=0.5)
        axis.xaxis.get_major_locator().set_params(integer=True)
    axes[0].invert_yaxis()  # shared: first category and "significantly more" on top
    axes[0].legend(fontsize=8, loc="lower right")
    if title:
        figure.suptitle(title)
    return FigureResult.written(figure, save_figure(figure, path))


def _plot_one_event_classes(
    rows: list[dict[str, object]],
    chosen: Sequence[str],
    titles: Mapping[str, str],
    path: str | Path,
    title: str | None,
    width: float,
    height: float,
    dpi: int,
) -> FigureResult:
    """Figure 4 for a single event: per category one dot in the column of its class.

    Counting events makes no sense for one event (every bar would span the whole
    axis), so the classes are columns (significantly less ... significantly more)
    and each category gets one dot; each dot's SVG id is
    ``class-<subset>-<category>-<class>``.
    """
    order = ["significantly less", "less", "more", "significantly more"]
    figure = new_figure(width, height, dpi)
    axes = figure.subplots(
        1,
        len(chosen),
        sharey=True,
        squeeze=False,
        gridspec_kw={
            "left": 0.12, "right": 0.98, "bottom": 1.1 / height,
            "top": 1.0 - (0.9 if title else 0.5) / height, "wspace": 0.08,
        },
    )[0]  # fmt: skip
    for axis, subset in zip(axes, chosen, strict=True):
        part = [row for row in rows if row["subset"] == subset]
        if not part:
            raise ConfigError(f"no rows for subset {subset!r}", field="subsets")
        categories = [str(row["category"]) for row in part]
        y = np.arange(len(categories), dtype=float)
        for i, row in enumerate(part):
            for k, kind in enumerate(order):
                key = kind.replace(" ", "_")
                if int(row[key]):  # type: ignore[call-overload]
                    gid = f"class-{subset}-{categories[i]}-{key}"
                    axis.plot([k], [y[i]], marker="o", markersize=8, linestyle="none",
                              color=_CLASS_COLOURS[kind], markeredgecolor="black",
                              markeredgewidth=0.4, gid=gid)  # fmt: skip
        axis.set_yticks(y, categories, fontsize=9)
        axis.set_xticks(range(len(order)), [k.replace("significantly ", "sig. ") for k in order],
                        fontsize=8, rotation=30, ha="right")  # fmt: skip
        axis.set_xlim(-0.5, len(order) - 0.5)
        axis.set_title(titles.get(subset, subset), fontsize=10)
        axis.grid(alpha=0.3, linewidth=0.5)
    axes[0].set_ylim(len(part) - 0.5, -0.5)  # first category on top
    figure.supxlabel("use by the firestorm posts (one event)", fontsize=9, y=0.1 / height,
                     va="bottom")  # fmt: skip
    if title:
        figure.suptitle(title, y=1.0 - 0.12 / height, va="top")
    return FigureResult.written(figure, save_figure(figure, path))
