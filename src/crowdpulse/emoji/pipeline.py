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
from datetime import timedelta
from pathlib import Path
from typing import Any

import networkx as nx
import pyarrow as pa

from crowdpulse.emoji.cooccurrence import (
    CooccurrenceSummary,
    Weighting,
    edges_to_arrow,
    nodes_to_arrow,
    prune,
    write_gexf,
    write_graphml,
)
from crowdpulse.emoji.diffusion import Diffusion, Unscored, parse_bucket
from crowdpulse.emoji.figures import EmojiFigureResult, plot_cooccurrence, plot_diffusion
from crowdpulse.emoji.glyphs import GlyphFallbackWarning, glyph_renderer
from crowdpulse.emoji.groups import InRegionFn, require_columns
from crowdpulse.emoji.lookup import (
    NameSource,
    SentimentSource,
    resolve_name_of,
    resolve_sentiment_of,
)
from crowdpulse.emoji.partial import (
    DIFFUSION_GROUPS,
    NETWORK_GROUPS,
    EmojiPartial,
    count_batch,
    finish,
)
from crowdpulse.emoji.tables import (
    EmojiTotals,
    PostsPerClass,
    RankedEmoji,
    RegionEmojis,
    TopEmojis,
    markdown_table,
)
from crowdpulse.engine import Engine
from crowdpulse.event import Event, load_event
from crowdpulse.exceptions import ConfigError
from crowdpulse.io.atomic import write_text_atomic
from crowdpulse.io.corpus import iter_row_groups, write_csv
from crowdpulse.progress import progress

__all__ = [
    "DIFFUSION_GROUPS",
    "NETWORK_GROUPS",
    "EmojiAnalysis",
    "EmojiReport",
    "analyze_emojis",
    "analyze_emojis_file",
    "prepare_corpus",
    "run_emojis",
    "write_emoji_report",
]

logger = logging.getLogger(__name__)


def _emoji_column(texts: list[str | None], quiet: bool) -> pa.Array:
    from crowdpulse.text import extract_emojis, normalize_emoji

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
        InputError: A column is missing and cannot be computed (no ``text`` column).
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
        from crowdpulse.label import label_corpus

        table = label_corpus(table, event.labels, quiet=quiet).table
        computed.append("solidarity")
    if "country" not in table.column_names:
        from crowdpulse.geo import geotag

        table = geotag(table)
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
    bucket, width, min_count = _settings(event, top_k, bucket, min_count)
    table, computed = prepare_corpus(table, event, quiet=quiet)
    require_columns(table, _ANALYSED, purpose="the emoji analyses")
    with progress("emoji analyses", total=2, quiet=quiet) as bar:
        part = count_batch(
            table,
            event.affected_countries,
            weighting=weighting,
            width=width,
            in_region=in_region,
        )
        part.computed = computed
        bar.advance()
        analysis = _finish(
            part,
            event,
            top_k=top_k,
            min_weight=min_weight,
            min_degree=min_degree,
            bucket=bucket,
            min_count=min_count,
            unscored=unscored,
            name_of=name_of,
            sentiment_of=sentiment_of,
        )
        bar.advance()
    return analysis


_ANALYSED = ("emojis", "solidarity", "country", "created_at")


def _settings(
    event: Event, top_k: int, bucket: str | None, min_count: int | None
) -> tuple[str, timedelta, int]:
    """Check the options; the bucket, its length and min_count (the event's by default)."""
    if top_k < 1:
        raise ConfigError("must be at least 1", field="top_k")
    bucket = bucket or event.emojis.bucket
    width = parse_bucket(bucket)
    min_count = event.emojis.min_count if min_count is None else min_count
    if not event.affected_countries:
        logger.warning("the event lists no affected countries: every geotagged post is 'outside'")
    return bucket, width, min_count


def _finish(
    part: EmojiPartial,
    event: Event,
    *,
    top_k: int,
    min_weight: float,
    min_degree: int,
    bucket: str,
    min_count: int,
    unscored: Unscored,
    name_of: NameSource,
    sentiment_of: SentimentSource,
) -> EmojiAnalysis:
    done = finish(
        part,
        event.affected_countries,
        top_k=top_k,
        min_weight=min_weight,
        min_degree=min_degree,
        bucket=bucket,
        min_count=min_count,
        unscored=unscored,
        name_of=resolve_name_of(name_of),
        sentiment_of=resolve_sentiment_of(sentiment_of),
    )
    return EmojiAnalysis(
        event=event.name,
        affected=event.affected_countries,
        table1=done.table1,
        table4=done.table4,
        table5=done.table5,
        table6=done.table6,
        networks=done.networks,
        summaries=done.summaries,
        diffusion=done.diffusion,
        weighting=part.weighting,
        min_weight=min_weight,
        min_degree=min_degree,
        computed_columns=part.computed,
    )


@dataclass(frozen=True)
class _BatchJob:
    """What a worker needs to count one partition of a corpus file (picklable)."""

    path: str
    event: Event
    weighting: Weighting
    width: timedelta
    batch_size: int
    in_region: InRegionFn | None = None


def _count_partition(job: _BatchJob, row_groups: Sequence[int]) -> EmojiPartial:
    """Count the posts of some row groups of a corpus file (one engine task)."""
    part = EmojiPartial(weighting=job.weighting, width=job.width)
    for batch in iter_row_groups(job.path, row_groups, batch_size=job.batch_size):
        table, computed = prepare_corpus(pa.Table.from_batches([batch]), job.event)
        require_columns(table, _ANALYSED, purpose="the emoji analyses")
        counted = count_batch(
            table,
            job.event.affected_countries,
            weighting=job.weighting,
            width=job.width,
            in_region=job.in_region,
        )
        counted.computed = computed
        part.merge(counted)
    return part


def analyze_emojis_file(
    source: str | Path,
    event: Event,
    *,
    engine: Engine | None = None,
    batch_size: int = 65_536,
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
    """Compute every emoji analysis of a corpus file in bounded memory.

    The file is read in row groups (batches of at most ``batch_size`` posts); each
    batch is completed (:func:`prepare_corpus`) and reduced to integer counts
    (:func:`~crowdpulse.emoji.partial.count_batch`), and the counts are added. Peak
    memory depends on the batch size and on the distinct emojis, pairs and time
    buckets, not on the number of posts. With an ``engine`` (see
    :mod:`crowdpulse.engine`) the partitions are counted on its workers; the sums
    are exact, so the result is the same with one process or a cluster of any size,
    and the same as :func:`analyze_emojis` on the whole table.

    Args:
        source: A corpus Parquet file (plain or enriched).
        event: The event.
        engine: Where to run (default: this process).
        batch_size: Posts per batch.
        top_k: Length of the top lists.
        weighting: Co-occurrence edge weight.
        min_weight: Smallest edge weight kept.
        min_degree: Smallest node degree kept.
        bucket: Diffusion bucket size (default: the event's).
        min_count: Smallest count per (bucket, emoji) (default: the event's).
        unscored: ``"band"`` or ``"drop"``.
        name_of: Name source.
        sentiment_of: Sentiment source.
        in_region: Overrides the affected-region test (must be picklable for a
            cluster of processes).
        quiet: Show no progress bar.

    Returns:
        The :class:`EmojiAnalysis`.

    Raises:
        InputError: The file cannot be read or a column is missing.
        ConfigError: An option is invalid.
    """
    from crowdpulse.engine import local_engine, partitions

    bucket, width, min_count = _settings(event, top_k, bucket, min_count)
    engine = engine or local_engine()
    job = _BatchJob(str(source), event, weighting, width, batch_size, in_region)
    parts = partitions(source, batch_size)
    total = EmojiPartial(weighting=weighting, width=width)
    with progress("emoji analyses", total=len(parts), quiet=quiet) as bar:
        for part in engine.map(_count_partition, parts, job):
            total.merge(part)
            bar.advance()
    return _finish(
        total,
        event,
        top_k=top_k,
        min_weight=min_weight,
        min_degree=min_degree,
        bucket=bucket,
        min_count=min_count,
        unscored=unscored,
        name_of=name_of,
        sentiment_of=sentiment_of,
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
    figures: Mapping[str, EmojiFigureResult] = field(default_factory=dict)

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
    write_text_atomic(markdown, _markdown(a))
    files.append(markdown)
    figures: dict[str, EmojiFigureResult] = {}
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
    engine: Engine | None = None,
    **options: Any,
) -> EmojiReport:
    """Read a corpus and an event, analyse the emojis and write every output.

    A corpus file is read batch by batch (:func:`analyze_emojis_file`: bounded
    memory, on ``engine`` when given); a table is analysed as it is.

    Args:
        corpus: A corpus Parquet file (or a table already read).
        event: An event TOML file (or an :class:`~crowdpulse.event.Event`).
        out_dir: The output folder.
        formats: Figure formats.
        seed: Seed of the network layouts.
        font_path: Colour emoji font.
        max_nodes: Most nodes drawn in a network figure.
        quiet: Show no progress bar.
        engine: Where a corpus file is analysed (default: this process).
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
    if isinstance(corpus, pa.Table):
        analysis = analyze_emojis(corpus, event, quiet=quiet, **options)
    else:
        analysis = analyze_emojis_file(corpus, event, engine=engine, quiet=quiet, **options)
    return write_emoji_report(
        analysis,
        out_dir,
        formats=formats,
        seed=seed,
        font_path=font_path,
        max_nodes=max_nodes,
        quiet=quiet,
    )
