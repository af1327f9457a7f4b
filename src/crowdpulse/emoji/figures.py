"""Figures 1-8 of "I Stand With You": co-occurrence networks and diffusion plots.

Both figures draw emojis as colour images (see :mod:`crowdpulse.emoji.glyphs`):

- :func:`plot_cooccurrence` (Figures 1-4): a force-directed layout
  (``networkx.spring_layout`` with a seed, edge weights as attraction); each node
  is the emoji's glyph, its area proportional to the node's strength (weighted
  degree; side = ``max_node_px * sqrt(strength / max strength)``, at least
  ``min_node_px``); edge widths grow linearly with weight (0.5 to 6 points).
- :func:`plot_diffusion` (Figures 5-8): x = time bucket, y = emojis ordered by
  sentiment (negative at the bottom), marker area proportional to the count,
  marker colour = sentiment (red negative, green positive, grey unscored),
  glyphs as y tick labels and the score printed at the right.

Figures have a fixed pixel size: ``size * dpi`` for the network,
:func:`diffusion_figure_size` for the diffusion plot (its height grows with the
number of emojis). Without a colour emoji font both draw emoji names as text and
warn (:class:`~crowdpulse.emoji.glyphs.GlyphFallbackWarning`).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import networkx as nx
import numpy as np

from crowdpulse.emoji.diffusion import Diffusion
from crowdpulse.emoji.glyphs import GlyphRenderer, glyph_renderer
from crowdpulse.figures import FigureResult, new_figure, save_figure_as

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.offsetbox import OffsetImage

__all__ = [
    "EmojiFigureResult",
    "FigureResult",
    "diffusion_figure_size",
    "packed_layout",
    "plot_cooccurrence",
    "plot_diffusion",
]

_ROW_IN = 0.4
_TOP_IN = 0.95
_BOTTOM_IN = 0.9


@dataclass(frozen=True)
class EmojiFigureResult(FigureResult):
    """What an emoji figure function wrote: the common result plus the glyph details.

    Attributes:
        paths: The files written (one per requested format).
        width_px: Width of the raster figure at its dpi.
        height_px: Height of the raster figure.
        glyphs: ``"colour"`` when emoji glyphs were drawn as images, ``"text"``
            when names were drawn instead (no font).
        sizes: Network: the side of each node's glyph in pixels. Diffusion: the
            largest marker area (points squared) of each emoji.
        text_labels: Emojis drawn as names although a font was loaded (the font
            has no glyph for them).
    """

    glyphs: Literal["colour", "text"]
    sizes: Mapping[str, float] = field(default_factory=dict)
    text_labels: tuple[str, ...] = ()


def _image_box(image: np.ndarray, side_px: float, dpi: int) -> OffsetImage:
    from matplotlib.offsetbox import OffsetImage

    # OffsetImage scales by dpi/72: zoom so that the image is side_px pixels at `dpi`.
    zoom = side_px * 72.0 / (image.shape[1] * dpi)
    return OffsetImage(image, zoom=zoom, interpolation="antialiased")


def _renderer(font_path: str | Path | None) -> GlyphRenderer:
    renderer = glyph_renderer(font_path)
    renderer.warn_if_unavailable(stacklevel=3)  # the line calling plot_*
    return renderer


def _equal_limits(ax: Axes, xy: np.ndarray, *, box: tuple[float, float]) -> None:
    """Set limits holding every point, with equal scales on x and y in a box of inches."""
    low, high = xy.min(axis=0), xy.max(axis=0)
    span = np.maximum(high - low, 1.0) * 1.16
    centre = (low + high) / 2
    units_per_inch = max(span[0] / box[0], span[1] / box[1])
    half = np.array(box) * units_per_inch / 2
    ax.set_xlim(centre[0] - half[0], centre[0] + half[0])
    ax.set_ylim(centre[1] - half[1], centre[1] + half[1])


def _unit_layout(graph: nx.Graph, seed: int) -> dict[str, np.ndarray]:
    """Spring layout of one connected component, centred, fitting in [-1, 1]^2."""
    nodes = list(graph.nodes)
    if len(nodes) == 1:
        return {nodes[0]: np.zeros(2)}
    if len(nodes) == 2:
        return {nodes[0]: np.array([-1.0, 0.0]), nodes[1]: np.array([1.0, 0.0])}
    wmax = max((float(w) for _, _, w in graph.edges(data="weight")), default=1.0) or 1.0
    work = nx.Graph()
    work.add_nodes_from(nodes)
    # attraction between 0.5 and 1, growing with the square root of the weight: heavy
    # pairs sit closer, without pulling the component into one point or letting
    # weak leaves drift away
    work.add_edges_from(
        (u, v, {"w": 0.5 + 0.5 * math.sqrt(float(w) / wmax)})
        for u, v, w in graph.edges(data="weight")
    )
    raw = nx.spring_layout(work, weight="w", seed=seed, iterations=200)
    # a leaf (one edge) drifts far from a dense core and squeezes the rest of the
    # drawing: bring it back to the median edge length from its neighbour
    lengths = [float(np.linalg.norm(raw[u] - raw[v])) for u, v in work.edges]
    median = float(np.median(lengths))
    for node in nodes:
        if work.degree(node) == 1:
            (other,) = work.neighbors(node)
            offset = raw[node] - raw[other]
            norm = float(np.linalg.norm(offset))
            if norm > median > 0:
                raw[node] = raw[other] + offset * (median / norm)
    xy = np.array([raw[n] for n in nodes], dtype=float)
    # a dense core and a sparse rim: spread the core with a radial power law
    # (distance from the centroid r -> r ** 0.6, order of distances kept)
    xy -= xy.mean(axis=0)
    radius = np.linalg.norm(xy, axis=1)
    rmax = float(radius.max()) or 1.0
    factor = np.divide(
        (radius / rmax) ** 0.6, radius / rmax, out=np.ones_like(radius), where=radius > 0
    )
    xy *= factor[:, None]
    xy -= (xy.max(axis=0) + xy.min(axis=0)) / 2
    scale = float(np.abs(xy).max()) or 1.0
    return {n: xy[i] / scale for i, n in enumerate(nodes)}


def packed_layout(graph: nx.Graph, *, seed: int = 0) -> dict[str, np.ndarray]:
    """Force-directed layout with the connected components packed side by side.

    ``networkx.spring_layout`` on a disconnected graph pushes the small components
    far away and squeezes the main one into a corner. Here each component gets its
    own seeded spring layout, in a square cell whose side grows with the square
    root of its number of emojis: the largest component on top, the others (the
    "disconnected components" of the paper) in rows below it, largest first.

    Args:
        graph: A co-occurrence network.
        seed: Seed of the spring layouts.

    Returns:
        Position of every node.
    """
    from crowdpulse.emoji.cooccurrence import components

    comps = components(graph)
    pos: dict[str, np.ndarray] = {}
    if not comps:
        return pos
    main_side = max(2.0, math.sqrt(comps[0].size))
    gap = 0.35
    for node, xy in _unit_layout(graph.subgraph(comps[0].emojis), seed).items():
        pos[node] = xy * main_side * 0.45 + main_side / 2
    x, top, row_height = 0.0, -gap, 0.0
    for comp in comps[1:]:
        side = max(1.0, math.sqrt(comp.size))
        if x > 0 and x + side > main_side:
            top -= row_height + gap
            x, row_height = 0.0, 0.0
        centre = np.array([x + side / 2, top - side / 2])
        for node, xy in _unit_layout(graph.subgraph(comp.emojis), seed).items():
            pos[node] = xy * side * 0.35 + centre
        x += side + gap
        row_height = max(row_height, side)
    return pos


def plot_cooccurrence(
    graph: nx.Graph,
    paths: Sequence[str | Path],
    *,
    title: str | None = None,
    seed: int = 0,
    font_path: str | Path | None = None,
    size: tuple[float, float] = (10.0, 10.0),
    dpi: int = 100,
    min_node_px: float = 18.0,
    max_node_px: float = 84.0,
) -> EmojiFigureResult:
    """Draw a co-occurrence network with a seeded force-directed layout.

    Args:
        graph: A (pruned) network from :func:`~crowdpulse.emoji.cooccurrence.cooccurrence_graph`.
        paths: Files to write; the suffix picks the format (``.png``, ``.svg``, ``.pdf``).
        title: Figure title.
        seed: Seed of the layout.
        font_path: Colour emoji font (default:
            :func:`~crowdpulse.emoji.glyphs.find_emoji_font`).
        size: Figure size in inches.
        dpi: Resolution of raster formats.
        min_node_px: Smallest glyph side, in pixels.
        max_node_px: Glyph side of the strongest node, in pixels.

    Returns:
        The :class:`EmojiFigureResult`.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.offsetbox import AnnotationBbox

    renderer = _renderer(font_path)
    fig = new_figure(size[0], size[1], dpi)
    ax = fig.add_axes((0.02, 0.05, 0.96, 0.85))
    ax.set_axis_off()
    if title:
        lines = [textwrap.fill(line, 90) for line in title.splitlines()]
        fig.suptitle("\n".join(lines), fontsize=13)
    fig.text(
        0.5,
        0.015,
        "node area: strength (weighted degree); edge width: co-occurrence weight",
        ha="center",
        fontsize=9,
        color="0.35",
    )
    sizes: dict[str, float] = {}
    text_labels: list[str] = []
    if graph.number_of_nodes() == 0:
        ax.text(0.5, 0.5, "no co-occurring emojis", ha="center", va="center", fontsize=14)
    else:
        pos = packed_layout(graph, seed=seed)
        xy = np.array([pos[n] for n in graph.nodes])
        _equal_limits(ax, xy, box=(size[0] * 0.96, size[1] * 0.85))
        edges = list(graph.edges(data="weight"))
        if edges:
            wmax = max(float(w) for _, _, w in edges) or 1.0
            segments = [(pos[u], pos[v]) for u, v, _ in edges]
            widths = [0.5 + 5.5 * float(w) / wmax for _, _, w in edges]
            ax.add_collection(
                LineCollection(segments, linewidths=widths, colors="#8a8a8a", alpha=0.55, zorder=1)
            )
        strength = {n: float(graph.degree(n, weight="weight")) for n in graph.nodes}
        smax = max(strength.values()) or 1.0
        # strongest last, so that it is drawn on top
        for node in sorted(graph.nodes, key=lambda n: (strength[n], n)):
            side = max(min_node_px, max_node_px * math.sqrt(strength[node] / smax))
            sizes[node] = side
            image = renderer.render(node) if renderer.available else None
            x, y = pos[node]
            if image is None:
                if renderer.available:
                    text_labels.append(node)
                name = str(graph.nodes[node].get("name") or node)
                ax.text(
                    x,
                    y,
                    name,
                    ha="center",
                    va="center",
                    fontsize=max(6.0, side * 72.0 / dpi / 3.2),
                    zorder=3,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "0.6", "alpha": 0.85},
                )
                continue
            box = AnnotationBbox(_image_box(image, side, dpi), (x, y), frameon=False, pad=0.0)
            box.set_zorder(3)
            ax.add_artist(box)
    written = save_figure_as(fig, paths, dpi=dpi)
    return EmojiFigureResult(
        paths=written,
        width_px=round(size[0] * dpi),
        height_px=round(size[1] * dpi),
        glyphs="colour" if renderer.available else "text",
        sizes=sizes,
        text_labels=tuple(text_labels),
    )


def diffusion_figure_size(n_rows: int, *, width: float = 10.0) -> tuple[float, float]:
    """Size in inches of a diffusion figure with ``n_rows`` emojis.

    Args:
        n_rows: Emojis on the y axis (at least one row is always drawn).
        width: Figure width in inches.

    Returns:
        ``(width, 0.95 + 0.9 + 0.4 * max(n_rows, 1))``.
    """
    return width, _TOP_IN + _BOTTOM_IN + _ROW_IN * max(n_rows, 1)


def _bucket_label(moment: datetime, sub_day: bool) -> str:
    return moment.strftime("%b %d\n%H:%M" if sub_day else "%b %d")


def plot_diffusion(
    diffusion: Diffusion,
    paths: Sequence[str | Path],
    *,
    title: str | None = None,
    font_path: str | Path | None = None,
    width: float = 10.0,
    dpi: int = 100,
) -> EmojiFigureResult:
    """Draw emojis per time bucket, ordered by sentiment (Figures 5-8).

    Args:
        diffusion: The table from :func:`~crowdpulse.emoji.diffusion.temporal_diffusion`.
        paths: Files to write; the suffix picks the format.
        title: Figure title.
        font_path: Colour emoji font.
        width: Figure width in inches (the height follows from the number of emojis,
            see :func:`diffusion_figure_size`).
        dpi: Resolution of raster formats.

    Returns:
        The :class:`EmojiFigureResult`.
    """
    from matplotlib import colormaps
    from matplotlib.colors import Normalize
    from matplotlib.offsetbox import AnnotationBbox
    from matplotlib.transforms import blended_transform_factory

    renderer = _renderer(font_path)
    order = diffusion.order
    n_rows = len(order)
    fig_w, fig_h = diffusion_figure_size(n_rows, width=width)
    fig = new_figure(fig_w, fig_h, dpi)
    left_in = 1.0 if renderer.available else 2.2
    right_in = 0.8
    ax = fig.add_axes(
        (
            left_in / fig_w,
            _BOTTOM_IN / fig_h,
            1 - (left_in + right_in) / fig_w,
            1 - (_TOP_IN + _BOTTOM_IN) / fig_h,
        )
    )
    if title:
        lines = [textwrap.shorten(line, 110) for line in title.splitlines()[:2]]
        fig.text(0.5, 1 - 0.34 / fig_h, "\n".join(lines), ha="center", va="center", fontsize=11)
    n_buckets = len(diffusion.buckets)
    ax.set_xlim(-0.6, max(n_buckets, 1) - 0.4)
    ax.set_ylim(-0.6, max(n_rows, 1) - 0.4)
    sub_day = diffusion.width.total_seconds() < 86400
    step = max(1, math.ceil(n_buckets / 14))
    ticks = list(range(0, n_buckets, step))
    ax.set_xticks(ticks)
    ax.set_xticklabels([_bucket_label(diffusion.buckets[i], sub_day) for i in ticks], fontsize=8)
    ax.set_xlabel(f"time bucket ({diffusion.bucket}, UTC)", fontsize=9)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    sizes: dict[str, float] = {}
    text_labels: list[str] = []
    if not diffusion.rows:
        ax.set_yticks([])
        ax.text(
            0.5,
            0.5,
            f"no emoji reaches {diffusion.min_count} in a bucket",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=11,
        )
    else:
        position = {e: i for i, e in enumerate(order)}
        index_of = {b: i for i, b in enumerate(diffusion.buckets)}
        counts = np.array([r.count for r in diffusion.rows], dtype=float)
        max_area = (_ROW_IN * 72.0 * 0.95) ** 2
        areas = np.maximum(max_area * counts / counts.max(), 6.0)
        cmap = colormaps["RdYlGn"]
        norm = Normalize(-1.0, 1.0)
        colours = [
            cmap(norm(r.sentiment)) if r.sentiment is not None else (0.6, 0.6, 0.6, 1.0)
            for r in diffusion.rows
        ]
        xs = [index_of[r.bucket] for r in diffusion.rows]
        ys = [position[r.emoji] for r in diffusion.rows]
        ax.scatter(xs, ys, s=areas, c=colours, edgecolors="0.25", linewidths=0.4, zorder=3)
        for row, area in zip(diffusion.rows, areas, strict=True):
            sizes[row.emoji] = max(sizes.get(row.emoji, 0.0), float(area))
        for i in range(n_rows):
            ax.axhline(i, color="0.92", linewidth=0.6, zorder=0)
        if diffusion.band:
            ax.axhline(len(diffusion.band) - 0.5, color="0.4", linestyle="--", linewidth=0.8)
        ax.set_yticks(range(n_rows))
        trans = blended_transform_factory(ax.transAxes, ax.transData)
        score_of = {r.emoji: r.sentiment for r in diffusion.rows}
        name_of = {r.emoji: r.name for r in diffusion.rows}
        labels = []
        glyph_px = _ROW_IN * 0.85 * dpi
        for i, emoji in enumerate(order):
            image = renderer.render(emoji) if renderer.available else None
            if image is None:
                if renderer.available:
                    text_labels.append(emoji)
                labels.append(_short(name_of[emoji]))
            else:
                labels.append("")
                box = AnnotationBbox(
                    _image_box(image, glyph_px, dpi),
                    (0.0, i),
                    xycoords=trans,
                    xybox=(-5.0, 0.0),
                    boxcoords="offset points",
                    box_alignment=(1.0, 0.5),
                    frameon=False,
                    pad=0.0,
                    annotation_clip=False,
                )
                ax.add_artist(box)
            score = score_of[emoji]
            ax.text(
                1.01,
                i,
                f"{score:+.2f}" if score is not None else "n/a",
                transform=trans,
                va="center",
                fontsize=8,
                color="0.3",
            )
        ax.set_yticklabels(labels, fontsize=8)
        ax.tick_params(axis="y", length=0)
        ax.text(
            1.01,
            1.0,
            "sentiment",
            transform=ax.transAxes,
            va="bottom",
            fontsize=8,
            color="0.3",
        )
        fig.text(
            0.5,
            1 - 0.77 / fig_h,
            f"marker area: count (largest {int(counts.max())}); cells under "
            f"{diffusion.min_count} left out"
            + ("; below the dashed line: no sentiment score" if diffusion.band else ""),
            ha="center",
            va="center",
            fontsize=8,
            color="0.35",
        )
    written = save_figure_as(fig, paths, dpi=dpi)
    return EmojiFigureResult(
        paths=written,
        width_px=round(fig_w * dpi),
        height_px=round(fig_h * dpi),
        glyphs="colour" if renderer.available else "text",
        sizes=sizes,
        text_labels=tuple(text_labels),
    )


def _short(name: str, limit: int = 26) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
