"""All emoji analyses of an event in one call: tables, networks, diffusion, files.

:func:`analyze_emojis` computes Tables 1, 4, 5, 6, the co-occurrence networks of
solidarity posts inside and outside the affected regions and the temporal
diffusion (overall, inside, outside); :func:`write_emoji_report` writes them as
CSV, one Markdown file, PNG/SVG figures and GEXF/GraphML networks;
:func:`run_emojis` does both from a corpus file and an event file (what
``crowdpulse emojis`` calls).

A corpus that lacks the enriched columns is completed on the fly by
:func:`prepare_corpus`, with the other stages' library functions:

- ``emojis``: ``crowdpulse.text.extract_emojis`` on ``text``, each emoji in its
  fully-qualified form (``crowdpulse.text.normalize_emoji``), as the features
  stage stores it;
- ``solidarity``: ``crowdpulse.label.label_corpus`` with the event's ``[labels]``
  (a hashtag sheet or a label column); posts with conflicting label hashtags are
  dropped, as in the paper;
- ``country``: ``crowdpulse.geo.geotag``.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pyarrow as pa

from crowdpulse.emoji.cooccurrence import (
    CooccurrenceSummary,
    Weighting,
    cooccurrence_graph,
    edges_to_arrow,
    nodes_to_arrow,
    prune,
    summarize,
    write_gexf,
    write_graphml,
)
from crowdpulse.emoji.diffusion import (
    Diffusion,
    Unscored,
    bucket_index,
    parse_bucket,
    temporal_diffusion,
)
from crowdpulse.emoji.figures import FigureResult, plot_cooccurrence, plot_diffusion
from crowdpulse.emoji.glyphs import GlyphFallbackWarning, glyph_renderer
from crowdpulse.emoji.groups import (
    SOLIDARITY,
    InRegionFn,
    class_masks,
    region_groups,
    require_columns,
)
from crowdpulse.emoji.lookup import (
    NameSource,
    SentimentSource,
    resolve_name_of,
    resolve_sentiment_of,
)
from crowdpulse.emoji.matrix import emoji_matrix
from crowdpulse.emoji.tables import (
    EmojiTotals,
    PostsPerClass,
    RankedEmoji,
    RegionEmojis,
    TopEmojis,
    emoji_totals,
    emojis_by_region,
    markdown_table,
    posts_per_class,
    top_emojis,
    write_csv,
)
from crowdpulse.event import Event, load_event
from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.progress import progress

__all__ = [
    "DIFFUSION_GROUPS",
    "NETWORK_GROUPS",
    "EmojiAnalysis",
    "EmojiReport",
    "analyze_emojis",
    "prepare_corpus",
    "run_emojis",
    "write_emoji_report",
]

logger = logging.getLogger(__name__)

NETWORK_GROUPS: tuple[str, ...] = ("inside", "outside")
DIFFUSION_GROUPS: tuple[str, ...] = ("all", "inside", "outside")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _emoji_column(texts: list[str | None], quiet: bool) -> pa.Array:
    try:
        from crowdpulse.text import extract_emojis, normalize_emoji
    except ImportError as exc:
        raise InputError(
            f"the corpus has no emojis column and crowdpulse.text cannot compute it ({exc})",
            field="emojis",
        ) from None
    out: list[list[str]] = []
    with progress("emojis", total=len(texts), quiet=quiet) as bar:
        for text in texts:
            out.append([normalize_emoji(e) for e in extract_emojis(text)] if text else [])
            bar.advance()
    return pa.array(out, type=pa.list_(pa.string()))


def prepare_corpus(
    table: pa.Table, event: Event, *, quiet: bool = True
) -> tuple[pa.Table, tuple[str, ...]]:
    """Add the columns the emoji analyses read, where the corpus lacks them.

    Args:
        table: A corpus, plain (as ingested) or enriched.
        event: The event (its ``labels`` are used when ``solidarity`` is missing).
        quiet: Show no progress bar.

    Returns:
        ``(table, computed)``: the completed table and the names of the columns
        computed here (empty when the corpus was already enriched).

    Raises:
        InputError: A column is missing and cannot be computed (no ``text`` column,
            or the stage's module is not available).
        ConfigError: ``solidarity`` is missing and the event has no ``[labels]``.
    """
    computed: list[str] = []
    if "emojis" not in table.column_names:
        require_columns(table, ["text"], purpose="computing the emojis column")
        column = _emoji_column(table.column("text").to_pylist(), quiet)
        table = table.append_column("emojis", column)
        computed.append("emojis")
    if "solidarity" not in table.column_names:
        if event.labels is None:
            raise ConfigError(
                "the corpus has no solidarity column and the event has no [labels] section",
                field="labels",
            )
        try:
            from crowdpulse.label import label_corpus
        except ImportError as exc:
            raise InputError(
                "the corpus has no solidarity column and crowdpulse.label is not available "
                f"({exc})",
                field="solidarity",
            ) from None
        table = label_corpus(table, event.labels, quiet=quiet).table
        computed.append("solidarity")
    if "country" not in table.column_names:
        try:
            from crowdpulse.geo import geotag
        except ImportError as exc:
            raise InputError(
                f"the corpus has no country column and crowdpulse.geo is not available ({exc})",
                field="country",
            ) from None
        result: Any = geotag(table)
        table = result if isinstance(result, pa.Table) else result.table
        computed.append("country")
    return table, tuple(computed)


@dataclass(frozen=True)
class EmojiAnalysis:
    """Every emoji result of one event.

    Attributes:
        event: The event's name.
        affected: Its affected countries (alpha-2).
        table1: Posts per class.
        table4: Emoji totals per class.
        table5: Top-k emojis per class.
        table6: Emojis of solidarity posts by region group.
        networks: The co-occurrence network of solidarity posts per region group
            (``inside``, ``outside``), pruned by ``min_weight`` / ``min_degree``.
        summaries: Top pairs, central emojis and components of each network.
        diffusion: Temporal diffusion of solidarity emojis: ``all``, ``inside``,
            ``outside`` (one shared time axis).
        weighting: Edge weighting used.
        min_weight: Smallest edge weight kept.
        min_degree: Smallest node degree kept.
        computed_columns: Enriched columns computed on the fly.
    """

    event: str
    affected: frozenset[str]
    table1: PostsPerClass
    table4: EmojiTotals
    table5: TopEmojis
    table6: RegionEmojis
    networks: Mapping[str, nx.Graph]
    summaries: Mapping[str, CooccurrenceSummary]
    diffusion: Mapping[str, Diffusion]
    weighting: Weighting = "posts"
    min_weight: float = 0.0
    min_degree: int = 1
    computed_columns: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The numbers of every table, JSON-ready (emojis as strings)."""

        def ranks(items: Sequence[RankedEmoji]) -> list[dict[str, Any]]:
            return [
                {
                    "rank": r.rank,
                    "emoji": r.emoji,
                    "count": r.count,
                    "name": r.name,
                    "sentiment": r.sentiment,
                }
                for r in items
            ]

        return {
            "event": self.event,
            "affected_countries": sorted(self.affected),
            "computed_columns": list(self.computed_columns),
            "table1": {
                "solidarity": self.table1.solidarity,
                "not solidarity": self.table1.not_solidarity,
                "unlabelled": self.table1.unlabelled,
            },
            "table4": {name: vars(c) for name, c in self.table4.by_class.items()},
            "table5": {name: ranks(items) for name, items in self.table5.by_class.items()},
            "table6": {
                group: {
                    **vars(c),
                    "share_of_geotagged": self.table6.share(group),
                    "share_of_all": self.table6.share(group, of="all"),
                    "top": ranks(self.table6.top[group]),
                }
                for group, c in self.table6.by_group.items()
            },
            "networks": {
                group: {
                    "weighting": self.weighting,
                    "nodes": s.nodes,
                    "edges": s.edges,
                    "components": [list(c.emojis) for c in s.components],
                    "top_pairs": [
                        {
                            "source": p.source,
                            "target": p.target,
                            "weight": p.weight,
                            "posts": p.posts,
                        }
                        for p in s.top_pairs
                    ],
                    "central": [{"emoji": e, "strength": w} for e, w in s.central],
                }
                for group, s in self.summaries.items()
            },
            "diffusion": {
                group: {
                    "bucket": d.bucket,
                    "min_count": d.min_count,
                    "buckets": len(d.buckets),
                    "emojis": list(d.order),
                    "cells": len(d.rows),
                    "undated_posts": d.undated_posts,
                }
                for group, d in self.diffusion.items()
            },
        }


def analyze_emojis(
    table: pa.Table,
    event: Event,
    *,
    top_k: int = 10,
    weighting: Weighting = "posts",
    min_weight: float = 0.0,
    min_degree: int = 1,
    bucket: str | None = None,
    min_count: int | None = None,
    unscored: Unscored = "band",
    name_of: NameSource = None,
    sentiment_of: SentimentSource = None,
    in_region: InRegionFn | None = None,
    quiet: bool = True,
) -> EmojiAnalysis:
    """Compute every emoji table, network and diffusion table of an event.

    Args:
        table: The corpus; missing enriched columns are computed
            (:func:`prepare_corpus`).
        event: The event: its name, ``affected_countries``, ``labels`` and
            ``emojis`` settings.
        top_k: Length of the top lists (paper: 10).
        weighting: Co-occurrence edge weight: ``"posts"`` or ``"inverse_length"``.
        min_weight: Smallest edge weight kept in the networks.
        min_degree: Smallest node degree kept in the networks.
        bucket: Diffusion bucket size (default: the event's ``emojis.bucket``).
        min_count: Smallest count per (bucket, emoji) (default: the event's
            ``emojis.min_count``).
        unscored: Emojis without a sentiment score in the diffusion: ``"band"`` or
            ``"drop"``.
        name_of: Name source (default ``crowdpulse.text.emoji_name``).
        sentiment_of: Sentiment source (default ``crowdpulse.text.emoji_sentiment``).
        in_region: Overrides the affected-region test.
        quiet: Show no progress bar.

    Returns:
        The :class:`EmojiAnalysis`.

    Raises:
        InputError: A column is missing or invalid.
        ConfigError: An option is invalid.
    """
    if top_k < 1:
        raise ConfigError("must be at least 1", field="top_k")
    bucket = bucket or event.emojis.bucket
    parse_bucket(bucket)
    min_count = event.emojis.min_count if min_count is None else min_count
    if not event.affected_countries:
        logger.warning("the event lists no affected countries: every geotagged post is 'outside'")
    table, computed = prepare_corpus(table, event, quiet=quiet)
    require_columns(
        table, ["emojis", "solidarity", "country", "created_at"], purpose="the emoji analyses"
    )
    names = resolve_name_of(name_of)
    scores = resolve_sentiment_of(sentiment_of)
    with progress("emoji analyses", total=4, quiet=quiet) as bar:
        matrix = emoji_matrix(table.column("emojis"))
        groups = region_groups(
            table.column("country"),
            event.affected_countries,
            states=table.column("us_state") if "us_state" in table.column_names else None,
            in_region=in_region,
        )
        t1 = posts_per_class(table)
        t4 = emoji_totals(table, matrix=matrix)
        t5 = top_emojis(table, top_k, matrix=matrix, name_of=names, sentiment_of=scores)
        t6 = emojis_by_region(
            table,
            event.affected_countries,
            top_k,
            matrix=matrix,
            groups=groups,
            name_of=names,
            sentiment_of=scores,
        )
        bar.advance()
        masks, _ = class_masks(table)
        solidarity = masks[SOLIDARITY]
        networks: dict[str, nx.Graph] = {}
        summaries: dict[str, CooccurrenceSummary] = {}
        for group in NETWORK_GROUPS:
            full = cooccurrence_graph(
                matrix.rows(solidarity & (groups == group)),
                weighting=weighting,
                name_of=names,
                sentiment_of=scores,
            )
            networks[group] = prune(full, min_weight=min_weight, min_degree=min_degree)
            summaries[group] = summarize(networks[group], top_k)
        bar.advance()
        created = table.column("created_at")
        step = parse_bucket(bucket)
        index, dated = bucket_index(created, step)
        solidarity_dated = solidarity & dated
        span = None
        if solidarity_dated.any():
            span = (
                _EPOCH + int(index[solidarity_dated].min()) * step,
                _EPOCH + int(index[solidarity_dated].max()) * step,
            )
        diffusion: dict[str, Diffusion] = {}
        for group in DIFFUSION_GROUPS:
            rows = solidarity if group == "all" else solidarity & (groups == group)
            selected = np.flatnonzero(rows)
            diffusion[group] = temporal_diffusion(
                created.take(pa.array(selected, pa.int64())),
                matrix.rows(selected),
                bucket=bucket,
                min_count=min_count,
                unscored=unscored,
                span=span,
                name_of=names,
                sentiment_of=scores,
            )
        bar.advance(2)
    return EmojiAnalysis(
        event=event.name,
        affected=event.affected_countries,
        table1=t1,
        table4=t4,
        table5=t5,
        table6=t6,
        networks=networks,
        summaries=summaries,
        diffusion=diffusion,
        weighting=weighting,
        min_weight=min_weight,
        min_degree=min_degree,
        computed_columns=computed,
    )


@dataclass(frozen=True)
class EmojiReport:
    """What :func:`write_emoji_report` wrote.

    Attributes:
        analysis: The analysis written.
        out_dir: The output folder.
        files: Every file written, in order.
        figures: The figure results by name (``cooccurrence_inside``,
            ``diffusion_all``...).
    """

    analysis: EmojiAnalysis
    out_dir: Path
    files: tuple[Path, ...]
    figures: Mapping[str, FigureResult] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The analysis numbers and the file list, JSON-ready."""
        out = self.analysis.to_dict()
        out["files"] = [str(p) for p in self.files]
        out["glyphs"] = sorted({f.glyphs for f in self.figures.values()})
        return out


def _concat(tables: Sequence[pa.Table]) -> pa.Table:
    return pa.concat_tables(tables) if len(tables) > 1 else tables[0]


def _components_table(summaries: Mapping[str, CooccurrenceSummary]) -> pa.Table:
    rows: dict[str, list[Any]] = {
        "group": [],
        "component": [],
        "size": [],
        "strength": [],
        "emojis": [],
    }
    for group, summary in summaries.items():
        for comp in summary.components:
            rows["group"].append(group)
            rows["component"].append(comp.index)
            rows["size"].append(comp.size)
            rows["strength"].append(comp.strength)
            rows["emojis"].append(" ".join(comp.emojis))
    schema = pa.schema(
        [
            ("group", pa.string()),
            ("component", pa.int64()),
            ("size", pa.int64()),
            ("strength", pa.float64()),
            ("emojis", pa.string()),
        ]
    )
    return pa.table(rows, schema=schema)


def _markdown(analysis: EmojiAnalysis) -> str:
    a = analysis
    affected = ", ".join(sorted(a.affected)) or "none listed"
    parts = [f"# Emojis of solidarity: {a.event}\n"]
    if a.computed_columns:
        parts.append(f"Columns computed on the fly: {', '.join(a.computed_columns)}.\n")
    parts.append("## Table 1. Posts per class\n")
    parts.append(markdown_table(a.table1.to_arrow()))
    parts.append(f"\nPosts without a label (not counted above): {a.table1.unlabelled}.\n")
    parts.append("## Table 4. Emojis per class\n")
    parts.append("`emojis` counts every occurrence (repeats included).\n")
    parts.append(markdown_table(a.table4.to_arrow()))
    parts.append(f"\n## Table 5. Top {a.table5.k} emojis per class\n")
    parts.append("Ties: count descending, then code point ascending.\n")
    parts.append(markdown_table(a.table5.to_arrow()))
    parts.append("\n## Table 6. Emojis in solidarity posts, affected regions vs others\n")
    parts.append(
        f"Affected regions: {affected}. `unknown`: posts without a country. "
        "`share_of_geotagged`: % of the inside + outside emojis.\n"
    )
    parts.append(markdown_table(a.table6.to_arrow(), digits=2))
    parts.append(f"\n### Top {a.table6.k} emojis per region group\n")
    parts.append(markdown_table(a.table6.top_to_arrow()))
    parts.append("\n## Co-occurrence networks of solidarity posts (Figures 1-4)\n")
    pruned = (
        f"edges lighter than {a.min_weight:g} left out" if a.min_weight > 0 else "all edges kept"
    )
    parts.append(
        f"Edge weight: `{a.weighting}`; {pruned}; emojis with fewer than {a.min_degree} "
        "edge(s) left out. Central emojis: largest strength (weighted degree).\n"
    )
    for group, summary in a.summaries.items():
        parts.append(f"\n### {group} (nodes {summary.nodes}, edges {summary.edges})\n")
        if summary.top_pairs:
            pairs = pa.table(
                {
                    "rank": list(range(1, len(summary.top_pairs) + 1)),
                    "pair": [f"{p.source} {p.target}" for p in summary.top_pairs],
                    "weight": [p.weight for p in summary.top_pairs],
                    "posts": [p.posts for p in summary.top_pairs],
                }
            )
            parts.append(markdown_table(pairs, digits=2))
            central = " ".join(f"{e} ({w:g})" for e, w in summary.central)
            parts.append(f"\nCentral emojis (strength): {central}\n")
            sizes = [c.size for c in summary.components]
            parts.append(f"\nComponents: {len(sizes)} (sizes {', '.join(map(str, sizes))})\n")
            if len(summary.components) > 1:
                parts.append(
                    "".join(
                        f"- component {c.index}: {' '.join(c.emojis)}\n"
                        for c in summary.components[1:]
                    )
                )
        else:
            parts.append("No co-occurring emojis.\n")
    parts.append("\n## Temporal diffusion of solidarity emojis (Figures 5-8)\n")
    rows: dict[str, list[Any]] = {
        "group": [],
        "buckets": [],
        "emojis": [],
        "cells": [],
        "unscored_emojis": [],
        "undated_posts": [],
    }
    first = next(iter(a.diffusion.values()))
    for group, d in a.diffusion.items():
        rows["group"].append(group)
        rows["buckets"].append(len(d.buckets))
        rows["emojis"].append(len(d.order))
        rows["cells"].append(len(d.rows))
        rows["unscored_emojis"].append(len(d.band))
        rows["undated_posts"].append(d.undated_posts)
    parts.append(
        f"Bucket `{first.bucket}`, cells under {first.min_count} left out; emojis without a "
        f"sentiment score: `{first.unscored}`. The cells are in `diffusion.csv`.\n"
    )
    parts.append(markdown_table(pa.table(rows)))
    return "\n".join(parts)


def write_emoji_report(
    analysis: EmojiAnalysis,
    out_dir: str | Path,
    *,
    formats: Sequence[str] = ("png", "svg"),
    seed: int = 0,
    font_path: str | Path | None = None,
    max_nodes: int | None = 60,
    dpi: int = 100,
    quiet: bool = True,
) -> EmojiReport:
    """Write every table, figure and network of an analysis into a folder.

    Files: ``table1_posts_per_class.csv``, ``table4_emoji_totals.csv``,
    ``table5_top_emojis.csv``, ``table6_regions.csv``, ``table6_top_emojis.csv``,
    ``cooccurrence_edges.csv``, ``cooccurrence_nodes.csv``,
    ``cooccurrence_components.csv``, ``diffusion.csv``, ``emoji_tables.md``;
    per group ``cooccurrence_<group>.gexf`` / ``.graphml`` and the figures
    ``cooccurrence_<group>.<fmt>``; ``diffusion_<all|inside|outside>.<fmt>``.

    Args:
        analysis: The result of :func:`analyze_emojis`.
        out_dir: The folder (created if needed).
        formats: Figure formats (``png``, ``svg``, ``pdf``).
        seed: Seed of the network layouts.
        font_path: Colour emoji font (default: Noto Color Emoji).
        max_nodes: Most nodes drawn in a network figure (the strongest); the GEXF,
            GraphML and CSV files hold the whole pruned network. None: all.
        dpi: Resolution of PNG figures.
        quiet: Show no progress bar.

    Returns:
        The :class:`EmojiReport`.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for fmt in formats:
        if fmt not in ("png", "svg", "pdf"):
            raise ConfigError(
                f"unknown figure format {fmt!r}; choose png, svg or pdf", field="formats"
            )
    a = analysis
    files: list[Path] = []
    files.append(write_csv(a.table1.to_arrow(), out / "table1_posts_per_class.csv"))
    files.append(write_csv(a.table4.to_arrow(), out / "table4_emoji_totals.csv"))
    files.append(write_csv(a.table5.to_arrow(), out / "table5_top_emojis.csv"))
    files.append(write_csv(a.table6.to_arrow(), out / "table6_regions.csv"))
    files.append(write_csv(a.table6.top_to_arrow(), out / "table6_top_emojis.csv"))
    groups = list(a.networks)
    files.append(
        write_csv(
            _concat([edges_to_arrow(a.networks[g], group=g) for g in groups]),
            out / "cooccurrence_edges.csv",
        )
    )
    files.append(
        write_csv(
            _concat([nodes_to_arrow(a.networks[g], group=g) for g in groups]),
            out / "cooccurrence_nodes.csv",
        )
    )
    files.append(write_csv(_components_table(a.summaries), out / "cooccurrence_components.csv"))
    files.append(
        write_csv(
            _concat([d.to_arrow(group=g) for g, d in a.diffusion.items()]), out / "diffusion.csv"
        )
    )
    markdown = out / "emoji_tables.md"
    markdown.write_text(_markdown(a), encoding="utf-8")
    files.append(markdown)
    figures: dict[str, FigureResult] = {}
    glyph_renderer(font_path).warn_if_unavailable(stacklevel=2)  # once, not per figure
    label = {"inside": "inside the affected regions", "outside": "outside the affected regions"}
    with (
        progress("emoji figures", total=len(groups) + len(a.diffusion), quiet=quiet) as bar,
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", GlyphFallbackWarning)
        for group in groups:
            graph = a.networks[group]
            files.append(write_gexf(graph, out / f"cooccurrence_{group}.gexf"))
            files.append(write_graphml(graph, out / f"cooccurrence_{group}.graphml"))
            drawn = (
                prune(graph, min_degree=a.min_degree, max_nodes=max_nodes) if max_nodes else graph
            )
            result = plot_cooccurrence(
                drawn,
                [out / f"cooccurrence_{group}.{fmt}" for fmt in formats],
                title=f"{a.event}\nemoji co-occurrence in solidarity posts {label[group]}",
                seed=seed,
                font_path=font_path,
                dpi=dpi,
            )
            figures[f"cooccurrence_{group}"] = result
            files.extend(result.paths)
            bar.advance()
        for group, diffusion in a.diffusion.items():
            where = "" if group == "all" else f", {label[group]}"
            result = plot_diffusion(
                diffusion,
                [out / f"diffusion_{group}.{fmt}" for fmt in formats],
                title=f"{a.event}\nemojis of solidarity posts over time{where}",
                font_path=font_path,
                dpi=dpi,
            )
            figures[f"diffusion_{group}"] = result
            files.extend(result.paths)
            bar.advance()
    return EmojiReport(analysis=a, out_dir=out, files=tuple(files), figures=figures)


def run_emojis(
    corpus: str | Path | pa.Table,
    event: str | Path | Event,
    out_dir: str | Path,
    *,
    formats: Sequence[str] = ("png", "svg"),
    seed: int = 0,
    font_path: str | Path | None = None,
    max_nodes: int | None = 60,
    quiet: bool = True,
    **options: Any,
) -> EmojiReport:
    """Read a corpus and an event, analyse the emojis and write every output.

    Args:
        corpus: A corpus Parquet file (or a table already read).
        event: An event TOML file (or an :class:`~crowdpulse.event.Event`).
        out_dir: The output folder.
        formats: Figure formats.
        seed: Seed of the network layouts.
        font_path: Colour emoji font.
        max_nodes: Most nodes drawn in a network figure.
        quiet: Show no progress bar.
        **options: Passed to :func:`analyze_emojis` (``top_k``, ``weighting``,
            ``min_weight``, ``min_degree``, ``bucket``, ``min_count``, ``unscored``...).

    Returns:
        The :class:`EmojiReport`.

    Raises:
        InputError: The corpus cannot be read or lacks a column.
        ConfigError: The event or an option is invalid.
    """
    if not isinstance(event, Event):
        event = load_event(event)
    if not isinstance(corpus, pa.Table):
        from crowdpulse.io.corpus import read_corpus

        corpus = read_corpus(corpus)
    analysis = analyze_emojis(corpus, event, quiet=quiet, **options)
    return write_emoji_report(
        analysis,
        out_dir,
        formats=formats,
        seed=seed,
        font_path=font_path,
        max_nodes=max_nodes,
        quiet=quiet,
    )
