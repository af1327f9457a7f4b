"""The emoji analyses as sums of per-batch counts, for corpora of any size.

Every number of Tables 1, 4, 5, 6, of the co-occurrence networks and of the
temporal diffusion is a sum over posts: posts per class, emoji occurrences per
set of posts, posts per emoji pair (per post length for the ``inverse_length``
weighting), occurrences per (time bucket, emoji). :func:`count_batch` reduces a
batch of posts to these integer counts (an :class:`EmojiPartial`, whose size
depends on the distinct emojis, pairs and buckets, not on the number of posts);
:meth:`EmojiPartial.merge` adds two partials; the sums are exact, so any split
of the corpus into batches (row groups, days, Dask partitions) and any order of
merging give the same result. :func:`finish` turns the total into an
:class:`~crowdpulse.emoji.pipeline.EmojiAnalysis`-ready set of tables.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import networkx as nx
import numpy as np
import pyarrow as pa

from crowdpulse.emoji.cooccurrence import (
    CooccurrenceSummary,
    Weighting,
    graph_from_counts,
    pair_counts,
    prune,
    summarize,
)
from crowdpulse.emoji.diffusion import Diffusion, bucket_cells, bucket_index, diffusion_from_cells
from crowdpulse.emoji.groups import (
    CLASSES,
    GROUPS,
    SOLIDARITY,
    InRegionFn,
    class_masks,
    region_groups,
)
from crowdpulse.emoji.lookup import NameSource, SentimentSource
from crowdpulse.emoji.matrix import EmojiMatrix, emoji_matrix
from crowdpulse.emoji.tables import (
    EmojiCounts,
    EmojiTotals,
    PostsPerClass,
    RankedEmoji,
    RegionEmojis,
    TopEmojis,
    rank_emojis,
)

__all__ = [
    "DIFFUSION_GROUPS",
    "NETWORK_GROUPS",
    "EmojiPartial",
    "SetCounts",
    "count_batch",
    "finish",
]

NETWORK_GROUPS: tuple[str, ...] = ("inside", "outside")
DIFFUSION_GROUPS: tuple[str, ...] = ("all", "inside", "outside")
_REGIONS: tuple[str, ...] = tuple(GROUPS)


@dataclass
class SetCounts:
    """Posts and emoji occurrences of one set of posts (a class or a region group).

    Attributes:
        posts: Posts in the set.
        posts_with_emojis: Posts with at least one emoji.
        totals: Occurrences per emoji (repeats counted).
        post_counts: Posts using each emoji.
    """

    posts: int = 0
    posts_with_emojis: int = 0
    totals: Counter[str] = field(default_factory=Counter)
    post_counts: Counter[str] = field(default_factory=Counter)

    def add_matrix(self, matrix: EmojiMatrix) -> None:
        """Add the posts of an emoji matrix."""
        totals = matrix.totals()
        posts = matrix.post_counts()
        self.posts += matrix.n_posts
        self.posts_with_emojis += int(np.count_nonzero(matrix.lengths()))
        for i in np.flatnonzero(totals).tolist():
            self.totals[matrix.vocabulary[i]] += int(totals[i])
            self.post_counts[matrix.vocabulary[i]] += int(posts[i])

    def merge(self, other: SetCounts) -> None:
        """Add another set's counts to this one."""
        self.posts += other.posts
        self.posts_with_emojis += other.posts_with_emojis
        self.totals.update(other.totals)
        self.post_counts.update(other.post_counts)

    def counts(self) -> EmojiCounts:
        """The totals as one line of Table 4 or 6."""
        return EmojiCounts(
            posts=self.posts,
            posts_with_emojis=self.posts_with_emojis,
            emojis=int(sum(self.totals.values())),
            distinct_emojis=sum(1 for n in self.totals.values() if n > 0),
        )


@dataclass
class EmojiPartial:
    """The integer counts of a batch of posts (or of the sum of several batches).

    Attributes:
        weighting: The co-occurrence weighting the pairs were counted for.
        width: The diffusion bucket length.
        classes: Counts per class (``solidarity``, ``not solidarity``).
        unlabelled: Posts without a label.
        regions: Counts of the solidarity posts per region group.
        pairs: Co-occurring pairs per network group (:func:`pair_counts`).
        cells: Occurrences per (bucket number, emoji) per diffusion group.
        undated: Undated posts per diffusion group.
        span: First and last bucket number of the dated solidarity posts (None: none).
        computed: Enriched columns computed on the fly.
    """

    weighting: Weighting
    width: timedelta
    classes: dict[str, SetCounts] = field(default_factory=dict)
    unlabelled: int = 0
    regions: dict[str, SetCounts] = field(default_factory=dict)
    pairs: dict[str, Counter[tuple[str, str, int]]] = field(default_factory=dict)
    cells: dict[str, Counter[tuple[int, str]]] = field(default_factory=dict)
    undated: dict[str, int] = field(default_factory=dict)
    span: tuple[int, int] | None = None
    computed: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in CLASSES:
            self.classes.setdefault(name, SetCounts())
        for group in _REGIONS:
            self.regions.setdefault(group, SetCounts())
        for group in NETWORK_GROUPS:
            self.pairs.setdefault(group, Counter())
        for group in DIFFUSION_GROUPS:
            self.cells.setdefault(group, Counter())
            self.undated.setdefault(group, 0)

    def merge(self, other: EmojiPartial) -> EmojiPartial:
        """Add ``other`` into this partial and return it (sums are exact)."""
        if (other.weighting, other.width) != (self.weighting, self.width):
            raise ValueError("partials counted with different settings")
        for name in CLASSES:
            self.classes[name].merge(other.classes[name])
        self.unlabelled += other.unlabelled
        for group in _REGIONS:
            self.regions[group].merge(other.regions[group])
        for group in NETWORK_GROUPS:
            self.pairs[group].update(other.pairs[group])
        for group in DIFFUSION_GROUPS:
            self.cells[group].update(other.cells[group])
            self.undated[group] += other.undated[group]
        if other.span is not None:
            self.span = (
                other.span
                if self.span is None
                else (min(self.span[0], other.span[0]), max(self.span[1], other.span[1]))
            )
        self.computed = self.computed or other.computed
        return self


def count_batch(
    table: pa.Table,
    affected: frozenset[str],
    *,
    weighting: Weighting,
    width: timedelta,
    in_region: InRegionFn | None = None,
) -> EmojiPartial:
    """Reduce a batch of enriched posts to the counts of every emoji analysis.

    Args:
        table: Posts with ``emojis``, ``solidarity``, ``country``, ``created_at``
            (and optionally ``us_state``).
        affected: The event's affected regions.
        weighting: Co-occurrence weighting.
        width: Diffusion bucket length.
        in_region: Overrides the affected-region test.

    Returns:
        The batch's :class:`EmojiPartial`.
    """
    part = EmojiPartial(weighting=weighting, width=width)
    matrix = emoji_matrix(table.column("emojis"))
    masks, unlabelled = class_masks(table)
    groups = region_groups(
        table.column("country"),
        affected,
        states=table.column("us_state") if "us_state" in table.column_names else None,
        in_region=in_region,
    )
    for name in CLASSES:
        part.classes[name].add_matrix(matrix.rows(masks[name]))
    part.unlabelled = int(unlabelled.sum())
    solidarity = masks[SOLIDARITY]
    for group in _REGIONS:
        part.regions[group].add_matrix(matrix.rows(solidarity & (groups == group)))
    for group in NETWORK_GROUPS:
        part.pairs[group] = pair_counts(matrix.rows(solidarity & (groups == group)), weighting)
    index, dated = bucket_index(table.column("created_at"), width)
    solidarity_dated = solidarity & dated
    if solidarity_dated.any():
        part.span = (int(index[solidarity_dated].min()), int(index[solidarity_dated].max()))
    for group in DIFFUSION_GROUPS:
        rows = solidarity if group == "all" else solidarity & (groups == group)
        part.cells[group] = bucket_cells(index, rows & dated, matrix)
        part.undated[group] = int((rows & ~dated).sum())
    return part


@dataclass(frozen=True)
class Finished:
    """The tables, networks and diffusion computed from a total :class:`EmojiPartial`.

    Attributes:
        table1: Posts per class.
        table4: Emoji totals per class.
        table5: Top-k emojis per class.
        table6: Emojis of solidarity posts by region group.
        networks: Pruned co-occurrence networks per group.
        summaries: Their summaries.
        diffusion: Temporal diffusion per group.
    """

    table1: PostsPerClass
    table4: EmojiTotals
    table5: TopEmojis
    table6: RegionEmojis
    networks: Mapping[str, nx.Graph]
    summaries: Mapping[str, CooccurrenceSummary]
    diffusion: Mapping[str, Diffusion]


def finish(
    part: EmojiPartial,
    affected: frozenset[str],
    *,
    top_k: int,
    min_weight: float,
    min_degree: int,
    bucket: str,
    min_count: int,
    unscored: Any,
    name_of: NameSource,
    sentiment_of: SentimentSource,
) -> Finished:
    """Turn the counts of the whole corpus into the tables, networks and diffusion.

    Args:
        part: The sum of the partials of every batch.
        affected: The event's affected regions.
        top_k: Length of the top lists.
        min_weight: Smallest edge weight kept.
        min_degree: Smallest node degree kept.
        bucket: The bucket size as given (e.g. ``1D``).
        min_count: Smallest count per (bucket, emoji).
        unscored: ``"band"`` or ``"drop"``.
        name_of: Name function.
        sentiment_of: Sentiment function.

    Returns:
        The :class:`Finished` results.
    """
    cls = part.classes
    table1 = PostsPerClass(
        solidarity=cls[CLASSES[0]].posts,
        not_solidarity=cls[CLASSES[1]].posts,
        unlabelled=part.unlabelled,
    )
    table4 = EmojiTotals({name: cls[name].counts() for name in CLASSES})

    def ranked(counts: SetCounts) -> tuple[RankedEmoji, ...]:
        return rank_emojis(counts.totals, top_k, name_of=name_of, sentiment_of=sentiment_of)

    table5 = TopEmojis(k=top_k, by_class={name: ranked(cls[name]) for name in CLASSES})
    table6 = RegionEmojis(
        affected=frozenset(c.upper() for c in affected),
        k=top_k,
        by_group={g: part.regions[g].counts() for g in _REGIONS},
        top={g: ranked(part.regions[g]) for g in _REGIONS},
    )
    networks: dict[str, nx.Graph] = {}
    summaries: dict[str, CooccurrenceSummary] = {}
    for group in NETWORK_GROUPS:
        full = graph_from_counts(
            part.regions[group].totals,
            part.regions[group].post_counts,
            part.pairs[group],
            weighting=part.weighting,
            name_of=name_of,
            sentiment_of=sentiment_of,
        )
        networks[group] = prune(full, min_weight=min_weight, min_degree=min_degree)
        summaries[group] = summarize(networks[group], top_k)
    span = part.span if part.span is not None else (0, -1)
    diffusion: dict[str, Diffusion] = {}
    for group in DIFFUSION_GROUPS:
        posts = cls[SOLIDARITY].posts if group == "all" else part.regions[group].posts
        diffusion[group] = diffusion_from_cells(
            part.cells[group],
            span,
            posts=posts,
            undated_posts=part.undated[group],
            bucket=bucket,
            min_count=min_count,
            unscored=unscored,
            name_of=name_of,
            sentiment_of=sentiment_of,
        )
    return Finished(table1, table4, table5, table6, networks, summaries, diffusion)
