"""Figures 1, 5, 6 and 7 of the firestorm paper and the alert timeline (matplotlib, Agg).

Figure 3 (maximum in-degree over time) is :func:`crowdpulse.network.plot_max_in_degree`.
Every function writes the figure as PNG and SVG (``path`` with its suffix replaced)
and returns both paths. The PNG is ``width * dpi`` by ``height * dpi`` pixels; SVG
output is reproducible (fixed ids, no date).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.figures import FigureResult, date_axis, new_figure, save_figure
from crowdpulse.firestorm.truth import GroundTruth

__all__ = [
    "plot_alert_timeline",
    "plot_category_changepoints",
    "plot_category_counts",
    "plot_event_changepoints",
    "plot_posts_share",
]

_POSTS = "#9e9e9e"
_TARGET = "#e66101"
_SERIES = "#1f4e79"
_CHANGE = "#5e3c99"
_START = "#d7301f"


def _axis_x(truth: GroundTruth, relative: bool) -> np.ndarray:
    """Bucket starts: hours since the firestorm start, or datetime64 times."""
    n = truth.n_buckets
    if relative and truth.start_bucket is not None:
        return (np.arange(n) - truth.start_bucket) * truth.bucket_hours
    origin = np.datetime64(truth.origin.replace(tzinfo=None), "us")
    return origin + np.arange(n) * np.timedelta64(truth.bucket_minutes, "m")


def _bucket_x(truth: GroundTruth, relative: bool, buckets: Sequence[int]) -> np.ndarray:
    x = _axis_x(truth, relative)
    idx = np.asarray([b for b in buckets if 0 <= b < truth.n_buckets], dtype=np.int64)
    return x[idx]


def _style(axis: Any) -> None:
    axis.tick_params(labelsize=8)
    axis.grid(alpha=0.3, linewidth=0.5)


def _posts_bars(figure: Any, events: Mapping[str, GroundTruth]) -> None:
    axis = figure.subplots()
    names = list(events)
    y = np.arange(len(names), dtype=float)
    totals = np.asarray([int(events[n].posts.sum()) for n in names], dtype=np.float64)
    target = np.asarray([int(events[n].target_posts.sum()) for n in names], dtype=np.float64)
    axis.barh(y, totals - target, color=_POSTS, height=0.7, label="other posts")
    axis.barh(y, target, left=totals - target, color=_TARGET, height=0.7, label="firestorm posts")
    for k, name in enumerate(names):
        share = 100.0 * events[name].firestorm_share()
        axis.text(totals[k], y[k], f" {share:.1f} %", va="center", fontsize=8)
    axis.set_yticks(y, names, fontsize=8)
    axis.invert_yaxis()
    axis.set_xlabel("posts")
    axis.set_xlim(0, float(totals.max()) * 1.15 if totals.size and totals.max() > 0 else 1.0)
    axis.grid(axis="x", alpha=0.3, linewidth=0.5)
    axis.legend(fontsize=8, ncols=2, loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False)


def plot_posts_share(
    events: Mapping[str, GroundTruth],
    path: str | Path,
    *,
    kind: Literal["auto", "series", "bars"] = "auto",
    relative: bool | None = None,
    title: str | None = "Posts per event and firestorm posts",
    width: float = 10.0,
    height: float | None = None,
    dpi: int = 100,
) -> FigureResult:
    """Draw all posts and the share that are firestorm posts, per event (Figure 1).

    Two layouts: ``"series"``, one panel per event with all posts and the target's
    posts per bucket; ``"bars"``, one bar per event (all posts, the firestorm posts
    stacked at its end, the share written beside it), like the paper's figure.

    Args:
        events: Event name -> its ground truth (posts and target posts per bucket).
        path: Output file; ``.png`` and ``.svg`` are written beside each other.
        kind: ``"series"``, ``"bars"`` or ``"auto"`` (series for up to 3 events).
        relative: For series: x axis in hours since each firestorm's start
            (default: when there is more than one event and each has a start).
        title: Title of the figure.
        width: Width in inches.
        height: Height in inches (default: series 1 + 2 per event; bars 1.5 + 0.35
            per event).
        dpi: Pixels per inch of the PNG.

    Returns:
        The PNG and SVG files written, with the raster size.

    Raises:
        ConfigError: No events, an unknown kind, or a bad size.
    """
    if not events:
        raise ConfigError("give at least one event", field="events")
    if kind == "auto":
        kind = "series" if len(events) <= 3 else "bars"
    if kind not in ("series", "bars"):
        raise ConfigError(f"unknown kind {kind!r}; expected 'series' or 'bars'", field="kind")
    if kind == "bars":
        figure = new_figure(
            width,
            height if height is not None else 1.5 + 0.35 * len(events),
            dpi,
            constrained=True,
        )
        _posts_bars(figure, events)
        if title:
            figure.suptitle(title)
        return FigureResult.written(figure, save_figure(figure, path))
    if relative is None:
        relative = len(events) > 1 and all(t.start_bucket is not None for t in events.values())
    height = height if height is not None else 1.0 + 2.0 * len(events)
    figure = new_figure(width, height, dpi, constrained=True)
    axes = figure.subplots(len(events), 1, sharex=relative, squeeze=False)[:, 0]
    for axis, (name, truth) in zip(axes, events.items(), strict=True):
        x = _axis_x(truth, relative)
        posts = truth.posts.astype(np.float64)
        target = truth.target_posts.astype(np.float64)
        axis.fill_between(x, posts, step="post", color=_POSTS, alpha=0.6, label="all posts")
        axis.fill_between(
            x, target, step="post", color=_TARGET, alpha=0.9, label=f"posts with {truth.target}"
        )
        share = 100.0 * truth.firestorm_share()
        axis.set_title(
            f"{name}: {int(posts.sum()):,} posts, {share:.1f} % firestorm posts",
            fontsize=9,
            loc="left",
        )
        axis.set_ylabel("posts / bucket", fontsize=8)
        _style(axis)
        if not relative:
            date_axis(axis, maxticks=8)
    axes[0].legend(fontsize=8, loc="upper left")
    if relative:
        axes[-1].set_xlabel("hours since the firestorm start", fontsize=8)
    if title:
        figure.suptitle(title)
    return FigureResult.written(figure, save_figure(figure, path))


def _series_values(table: pa.Table, column: str) -> np.ndarray:
    if column not in table.column_names:
        raise InputError("not a series table: column is missing", field=column)
    return np.asarray(
        table.column(column).cast(pa.float64()).fill_null(np.nan).to_numpy(), dtype=np.float64
    )


def plot_category_changepoints(
    series: pa.Table,
    column: str,
    path: str | Path,
    *,
    changepoints: Sequence[int] = (),
    alerts: Sequence[int] = (),
    start_bucket: int | None = None,
    counts_column: str = "target_posts",
    span: tuple[int, int] | None = None,
    title: str | None = None,
    width: float = 12.0,
    height: float = 4.5,
    dpi: int = 100,
) -> FigureResult:
    """Draw a category series with its change points over the firestorm post counts (Fig. 5).

    The counts are bars in the background (right axis); the series is the line; the
    offline change points are dashed lines with the segment means as a step line; the
    streaming alerts are triangles at the top; the firestorm start is a red line.

    Args:
        series: A table from :func:`~crowdpulse.firestorm.series.detection_series`.
        column: The series to draw (e.g. ``"lex_netspeak:all"``).
        path: Output file; ``.png`` and ``.svg`` are written beside each other.
        changepoints: Buckets of the offline change points of that series.
        alerts: Change-point buckets of its streaming alerts.
        start_bucket: The firestorm's start, if known.
        counts_column: The background counts (default ``target_posts``).
        span: Only draw buckets ``span[0] <= b < span[1]``.
        title: Title (default: the series name).
        width: Width in inches.
        height: Height in inches.
        dpi: Pixels per inch of the PNG.

    Returns:
        The PNG and SVG files written, with the raster size.

    Raises:
        InputError: A column is missing.
        ConfigError: A bad size or span.
    """
    values = _series_values(series, column)
    counts = _series_values(series, counts_column)
    times = series.column("start").cast(pa.int64()).to_numpy().astype("datetime64[us]")
    n = values.size
    lo, hi = (0, n) if span is None else (max(0, span[0]), min(n, span[1]))
    if hi <= lo:
        raise ConfigError("the span holds no bucket", field="span")
    figure = new_figure(width, height, dpi, constrained=True)
    axis = figure.subplots()
    back = axis.twinx()
    x = times[lo:hi]
    step = times[1] - times[0] if n > 1 else np.timedelta64(30, "m")
    back.bar(x, counts[lo:hi], width=step, align="edge", color=_TARGET, alpha=0.25, linewidth=0)
    back.set_ylabel(f"{counts_column} per bucket", fontsize=8, color=_TARGET)
    back.tick_params(labelsize=8)
    axis.set_zorder(back.get_zorder() + 1)
    axis.patch.set_visible(False)
    axis.plot(x, values[lo:hi], color=_SERIES, linewidth=0.9, label=column)
    cps = sorted(int(c) for c in changepoints)
    bounds = [0, *cps, n]
    filled = values.copy()
    for k in range(1, n):  # segment means over carried-forward values, as detected
        if np.isnan(filled[k]):
            filled[k] = filled[k - 1]
    for a, b in itertools.pairwise(bounds):
        seg = filled[a:b]
        seg = seg[~np.isnan(seg)]
        if seg.size == 0 or b <= lo or a >= hi:
            continue
        xa, xb = times[max(a, lo)], times[min(b, hi) - 1] + step
        axis.hlines(seg.mean(), xa, xb, color=_CHANGE, linewidth=1.4)
    for c in cps:
        if lo <= c < hi:
            axis.axvline(times[c], color=_CHANGE, linewidth=0.8, linestyle="--")
    marks = [times[a] for a in alerts if lo <= a < hi]
    if marks:
        top = np.nanmax(values[lo:hi]) if np.isfinite(values[lo:hi]).any() else 1.0
        axis.plot(marks, [top] * len(marks), "v", color=_CHANGE, markersize=5, label="alerts")
    if start_bucket is not None and lo <= start_bucket < hi:
        axis.axvline(times[start_bucket], color=_START, linewidth=1.2, label="start")
    axis.set_ylabel(column, fontsize=8)
    _style(axis)
    date_axis(axis, maxticks=8)
    axis.legend(fontsize=8, loc="upper left")
    axis.set_title(title or f"{column}: change points over the firestorm posts", fontsize=10)
    return FigureResult.written(figure, save_figure(figure, path))


def plot_event_changepoints(
    events: Mapping[str, tuple[GroundTruth, Sequence[int]]],
    path: str | Path,
    *,
    relative: bool | None = None,
    title: str | None = "Change points against the firestorm",
    width: float | None = None,
    height: float = 7.0,
    dpi: int = 100,
) -> FigureResult:
    """Draw per event the change points against the target, in-degree and volume (Fig. 6).

    One column per event; rows: cumulative target posts, maximum in-degree of the
    mention network, posts per bucket. Change points are thin vertical lines in
    every row, the start a red line.

    Args:
        events: Event name -> (ground truth, change-point buckets).
        path: Output file; ``.png`` and ``.svg`` are written beside each other.
        relative: x axis in hours since the start (default: more than one event).
        title: Title of the figure.
        width: Width in inches (default: 3 + 4 per event).
        height: Height in inches.
        dpi: Pixels per inch of the PNG.

    Returns:
        The PNG and SVG files written, with the raster size.

    Raises:
        ConfigError: No events, or a bad size.
    """
    if not events:
        raise ConfigError("give at least one event", field="events")
    if relative is None:
        relative = len(events) > 1 and all(t.start_bucket is not None for t, _ in events.values())
    width = width if width is not None else 3.0 + 4.0 * len(events)
    figure = new_figure(width, height, dpi, constrained=True)
    axes = figure.subplots(3, len(events), sharex="col", squeeze=False)
    labels = (
        "accumulated target posts",
        "max in-degree",
        "posts per bucket",
    )
    for col, (name, (truth, buckets)) in enumerate(events.items()):
        x = _axis_x(truth, relative)
        rows = (
            np.cumsum(truth.target_posts),
            truth.max_in_degree,
            truth.posts,
        )
        colours = (_TARGET, _SERIES, _POSTS)
        cps = _bucket_x(truth, relative, sorted(set(int(b) for b in buckets)))
        start: Sequence[Any] = []
        if truth.start_bucket is not None:
            start = list(_bucket_x(truth, relative, [truth.start_bucket]))
        for row in range(3):
            axis = axes[row, col]
            for c in cps:
                axis.axvline(c, color=_CHANGE, linewidth=0.7, alpha=0.6, linestyle="--")
            for s in start:
                axis.axvline(s, color=_START, linewidth=1.1)
            axis.plot(x, rows[row], color=colours[row], linewidth=1.0)
            _style(axis)
            if col == 0:
                axis.set_ylabel(labels[row], fontsize=8)
            if not relative:
                date_axis(axis, maxticks=8)
        axes[0, col].set_title(f"{name} ({truth.target})", fontsize=9)
        if relative:
            axes[2, col].set_xlabel("hours since the start", fontsize=8)
    if title:
        figure.suptitle(title)
    return FigureResult.written(figure, save_figure(figure, path))


def plot_category_counts(
    counts: pa.Table,
    path: str | Path,
    *,
    top: int | None = None,
    events: int | None = None,
    title: str | None = "Which category gave the change point closest to the start",
    width: float = 8.0,
    height: float | None = None,
    dpi: int = 100,
) -> FigureResult:
    """Draw how often each category gave the relevant change point (Figure 7).

    Args:
        counts: A table from :func:`~crowdpulse.firestorm.category_counts`.
        path: Output file; ``.png`` and ``.svg`` are written beside each other.
        top: Only the ``top`` most frequent categories.
        events: Number of events (drawn as the axis limit and in the label).
        title: Title of the figure.
        width: Width in inches.
        height: Height in inches (default: 1.5 + 0.3 per category).
        dpi: Pixels per inch of the PNG.

    Returns:
        The PNG and SVG files written, with the raster size.

    Raises:
        InputError: A column is missing.
        ConfigError: No rows, or a bad size.
    """
    for name in ("category", "events"):
        if name not in counts.column_names:
            raise InputError("not a category-count table: column is missing", field=name)
    rows = counts.to_pylist()
    if top is not None:
        rows = rows[:top]
    if not rows:
        raise ConfigError("nothing to draw: the table has no rows", field="counts")
    height = height if height is not None else 1.5 + 0.3 * len(rows)
    figure = new_figure(width, height, dpi, constrained=True)
    axis = figure.subplots()
    y = np.arange(len(rows), dtype=float)
    axis.barh(y, [r["events"] for r in rows], color=_SERIES, height=0.7)
    axis.set_yticks(y, [r["category"] for r in rows], fontsize=9)
    axis.invert_yaxis()
    label = "events" if events is None else f"events (of {events})"
    axis.set_xlabel(label)
    if events is not None:
        axis.set_xlim(0, events)
    axis.xaxis.get_major_locator().set_params(integer=True)
    axis.grid(axis="x", alpha=0.3, linewidth=0.5)
    if title:
        axis.set_title(title, fontsize=10)
    return FigureResult.written(figure, save_figure(figure, path))


_KIND_STYLE: dict[str, tuple[str, str, str]] = {
    "open": ("#d7301f", "^", "open"),
    "escalate": ("#e66101", "D", "escalate"),
    "close": ("#1a9850", "v", "close"),
}


def plot_alert_timeline(
    times: Sequence[Any],
    target_posts: Sequence[float],
    episodes: Sequence[Any],
    path: str | Path,
    *,
    posts: Sequence[float] | None = None,
    start: Any = None,
    title: str | None = None,
    width: float = 10.0,
    height: float = 4.0,
    dpi: int = 100,
) -> FigureResult:
    """Draw the target's posts per bucket with the early-warning alerts marked.

    Target posts per bucket as a line (all posts of the collection in grey on a
    second axis when given); each ``open`` (red triangle up), ``escalate`` (orange
    diamond) and ``close`` (green triangle down) at the end of the bucket that
    raised it, at the alert's level; each episode shaded from its change point to
    its close; the ground-truth start, when given, a dashed line. Every marker
    carries an SVG id ``alert-<kind>-<episode>-<bucket>``.

    Args:
        times: Start of every bucket (datetimes).
        target_posts: Target posts per bucket.
        episodes: :class:`~crowdpulse.firestorm.monitor.EpisodeAlert` objects.
        path: Output file; ``.png`` and ``.svg`` are written beside each other.
        posts: All posts per bucket (drawn on a second axis).
        start: The ground-truth start (a datetime), or None.
        title: Title of the figure.
        width: Width in inches.
        height: Height in inches.
        dpi: Pixels per inch of the PNG.

    Returns:
        The PNG and SVG files written, with the raster size.

    Raises:
        ConfigError: No buckets, lengths that differ, or a bad size.
    """
    n = len(times)
    if n == 0:
        raise ConfigError("nothing to draw: no bucket", field="times")
    if len(target_posts) != n or (posts is not None and len(posts) != n):
        raise ConfigError("times and counts differ in length", field="target_posts")
    x = np.asarray([np.datetime64(t.replace(tzinfo=None), "us") for t in times])
    step = x[1] - x[0] if n > 1 else np.timedelta64(30, "m")
    y = np.asarray(target_posts, dtype=np.float64)
    figure = new_figure(width, height, dpi)
    top = 1.0 - (0.5 if title else 0.25) / height
    figure.subplots_adjust(left=0.08, right=0.92 if posts is not None else 0.97, top=top,
                           bottom=0.75 / height)  # fmt: skip
    axis = figure.subplots()
    if posts is not None:
        other = axis.twinx()
        other.plot(x + step, np.asarray(posts, float), color=_POSTS, linewidth=0.8,
                   label="all posts", gid="series-posts")  # fmt: skip
        other.set_ylabel("all posts per bucket", fontsize=8, color="#616161")
        other.tick_params(labelsize=8, colors="#616161")
        other.set_ylim(bottom=0)
        axis.set_zorder(other.get_zorder() + 1)
        axis.patch.set_visible(False)
    axis.plot(x + step, y, color=_SERIES, linewidth=1.1, label="target posts",
              gid="series-target")  # fmt: skip
    opened: dict[int, Any] = {}
    for alert in episodes:
        if alert.kind == "open":
            opened[alert.episode] = x[min(max(alert.bucket, 0), n - 1)]
        elif alert.kind == "close" and alert.episode in opened:
            end = x[min(alert.detected_bucket, n - 1)] + step
            axis.axvspan(opened.pop(alert.episode), end, color="#fdd49e", alpha=0.45, lw=0,
                         gid=f"episode-{alert.episode}")  # fmt: skip
    for episode, begin in opened.items():  # still open at the end
        axis.axvspan(begin, x[-1] + step, color="#fdd49e", alpha=0.45, lw=0,
                     gid=f"episode-{episode}")  # fmt: skip
    seen: set[str] = set()
    for alert in episodes:
        colour, marker, label = _KIND_STYLE[alert.kind]
        at = x[min(max(alert.detected_bucket, 0), n - 1)] + step
        axis.plot([at], [alert.level], linestyle="none", marker=marker, markersize=8,
                  color=colour, markeredgecolor="black", markeredgewidth=0.5,
                  label=label if label not in seen else None,
                  gid=f"alert-{alert.kind}-{alert.episode}-{alert.detected_bucket}")  # fmt: skip
        seen.add(label)
    if start is not None:
        axis.axvline(np.datetime64(start.replace(tzinfo=None), "us"), color=_START,
                     linestyle="--", linewidth=1.0, label="start (ground truth)")  # fmt: skip
    axis.set_ylabel("target posts per bucket", fontsize=8)
    axis.set_ylim(bottom=0)
    axis.set_xlim(x[0], x[-1] + step)
    axis.set_xlabel("time (UTC, end of bucket)", fontsize=8)
    date_axis(axis, maxticks=10)
    _style(axis)
    handles, labels = axis.get_legend_handles_labels()
    if posts is not None:
        extra, names = other.get_legend_handles_labels()
        handles, labels = handles + extra, labels + names
    axis.legend(handles, labels, fontsize=8, loc="upper left", frameon=False, ncols=3)
    if title:
        figure.suptitle(title, fontsize=11)
    return FigureResult.written(figure, save_figure(figure, path))
