"""Tables 1, 4, 5 and 6 of "I Stand With You" (Santhanam et al. 2018), per event.

- **Table 1** (:func:`posts_per_class`): posts per class. The corpus is already
  filtered on ingest (original posts, no retweets, no duplicate texts), so this
  counts rows; posts without a label are reported apart as *unlabelled*.
- **Table 4** (:func:`emoji_totals`): per class, the total number of emoji
  occurrences (a post with 🙏🙏🇫🇷 counts 3), with the number of posts, the posts
  with at least one emoji and the distinct emojis.
- **Table 5** (:func:`top_emojis`): per class, the ten most frequent emojis with
  rank, count (occurrences), name and Emoji Sentiment Ranking score. Ties are
  broken deterministically: by count descending, then by the emoji's code points
  ascending (Python string order), so ranks are always 1..k without gaps.
- **Table 6** (:func:`emojis_by_region`): emojis in *solidarity* posts inside vs
  outside the affected regions, plus the ``unknown`` group (posts without a
  country); per group the totals, the share of the geotagged emojis (the
  paper's "6.52% from affected regions") and the top-k.

Every table is a frozen dataclass with ``to_arrow()``; :func:`markdown_table`
writes any Arrow table as Markdown, and :func:`write_csv` (the project's one CSV
writer, :func:`crowdpulse.io.corpus.write_csv`: ISO 8601 UTC times, integers as
integers, every float digit) as CSV.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from crowdpulse.emoji.groups import (
    CLASSES,
    GROUPS,
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
from crowdpulse.emoji.matrix import EmojiMatrix, emoji_matrix
from crowdpulse.io.corpus import write_csv

__all__ = [
    "EmojiCounts",
    "EmojiTotals",
    "PostsPerClass",
    "RankedEmoji",
    "RegionEmojis",
    "TopEmojis",
    "emoji_totals",
    "emojis_by_region",
    "markdown_table",
    "posts_per_class",
    "rank_emojis",
    "top_emojis",
    "write_csv",
]

_RANK_SCHEMA = [
    ("rank", pa.int64()),
    ("emoji", pa.string()),
    ("count", pa.int64()),
    ("name", pa.string()),
    ("sentiment", pa.float64()),
]


@dataclass(frozen=True)
class RankedEmoji:
    """One line of a top-k list.

    Attributes:
        rank: 1 for the most frequent emoji; ranks have no gaps (ties are broken by
            code point).
        emoji: The emoji (a full sequence).
        count: Occurrences in the posts of the set (repeats counted).
        name: Its name.
        sentiment: Its Emoji Sentiment Ranking score, or None when it has none.
    """

    rank: int
    emoji: str
    count: int
    name: str
    sentiment: float | None


def rank_emojis(
    counts: Mapping[str, int],
    k: int | None = 10,
    *,
    name_of: NameSource = None,
    sentiment_of: SentimentSource = None,
) -> tuple[RankedEmoji, ...]:
    """Rank emojis by count: descending count, ties by code point ascending.

    Args:
        counts: Occurrences per emoji.
        k: How many to keep (None: all). Emojis with a zero count are never ranked.
        name_of: Name source (see :mod:`crowdpulse.emoji.lookup`).
        sentiment_of: Sentiment source.

    Returns:
        The ranked emojis, rank 1 first.
    """
    names = resolve_name_of(name_of)
    scores = resolve_sentiment_of(sentiment_of)
    order = sorted(((-c, e) for e, c in counts.items() if c > 0))
    if k is not None:
        order = order[: max(k, 0)]
    return tuple(
        RankedEmoji(rank=i + 1, emoji=e, count=-neg, name=names(e), sentiment=scores(e))
        for i, (neg, e) in enumerate(order)
    )


def _ranks_to_arrow(key: str, ranks: Mapping[str, tuple[RankedEmoji, ...]]) -> pa.Table:
    columns: dict[str, list[object]] = {key: []}
    columns.update({name: [] for name, _ in _RANK_SCHEMA})
    for group, items in ranks.items():
        for item in items:
            columns[key].append(group)
            for name, _ in _RANK_SCHEMA:
                columns[name].append(getattr(item, name))
    schema = pa.schema([(key, pa.string()), *_RANK_SCHEMA])
    return pa.table(columns, schema=schema)


@dataclass(frozen=True)
class PostsPerClass:
    """Table 1: posts per class.

    Attributes:
        solidarity: Posts labelled solidarity.
        not_solidarity: Posts labelled not solidarity.
        unlabelled: Posts without a label (not part of Table 1, reported beside it).
    """

    solidarity: int
    not_solidarity: int
    unlabelled: int

    def to_arrow(self) -> pa.Table:
        """Columns ``class``, ``posts``; one row per class."""
        return pa.table(
            {"class": list(CLASSES), "posts": [self.solidarity, self.not_solidarity]},
            schema=pa.schema([("class", pa.string()), ("posts", pa.int64())]),
        )


@dataclass(frozen=True)
class EmojiCounts:
    """Emoji totals of one set of posts (a class or a region group).

    Attributes:
        posts: Posts in the set.
        posts_with_emojis: Posts with at least one emoji.
        emojis: Emoji occurrences (repeats counted): the number in Tables 4 and 6.
        distinct_emojis: Different emojis used.
    """

    posts: int
    posts_with_emojis: int
    emojis: int
    distinct_emojis: int

    @classmethod
    def of(cls, matrix: EmojiMatrix) -> EmojiCounts:
        """Count the posts and emojis of a matrix."""
        totals = matrix.totals()
        return cls(
            posts=matrix.n_posts,
            posts_with_emojis=int(np.count_nonzero(matrix.lengths())),
            emojis=int(totals.sum()),
            distinct_emojis=int(np.count_nonzero(totals)),
        )


_COUNT_SCHEMA = [
    ("posts", pa.int64()),
    ("posts_with_emojis", pa.int64()),
    ("emojis", pa.int64()),
    ("distinct_emojis", pa.int64()),
]


@dataclass(frozen=True)
class EmojiTotals:
    """Table 4: emoji totals per class.

    Attributes:
        by_class: ``{"solidarity": EmojiCounts, "not solidarity": EmojiCounts}``.
    """

    by_class: Mapping[str, EmojiCounts]

    def __getitem__(self, name: str) -> EmojiCounts:
        """The counts of one class."""
        return self.by_class[name]

    def to_arrow(self) -> pa.Table:
        """Columns ``class``, ``posts``, ``posts_with_emojis``, ``emojis``, ``distinct_emojis``."""
        columns: dict[str, list[object]] = {"class": list(self.by_class)}
        for name, _ in _COUNT_SCHEMA:
            columns[name] = [getattr(c, name) for c in self.by_class.values()]
        return pa.table(columns, schema=pa.schema([("class", pa.string()), *_COUNT_SCHEMA]))


@dataclass(frozen=True)
class TopEmojis:
    """Table 5: the k most frequent emojis per class.

    Attributes:
        k: How many were asked for (a class may have fewer emojis).
        by_class: Ranked emojis per class name.
    """

    k: int
    by_class: Mapping[str, tuple[RankedEmoji, ...]]

    def __getitem__(self, name: str) -> tuple[RankedEmoji, ...]:
        """The ranked emojis of one class."""
        return self.by_class[name]

    def to_arrow(self) -> pa.Table:
        """Columns ``class``, ``rank``, ``emoji``, ``count``, ``name``, ``sentiment``."""
        return _ranks_to_arrow("class", self.by_class)


@dataclass(frozen=True)
class RegionEmojis:
    """Table 6: emojis of solidarity posts inside vs outside the affected regions.

    Attributes:
        affected: The affected countries (alpha-2).
        k: Length of the top lists.
        by_group: Totals for ``inside``, ``outside`` and ``unknown``.
        top: The top-k emojis per group.
    """

    affected: frozenset[str]
    k: int
    by_group: Mapping[str, EmojiCounts]
    top: Mapping[str, tuple[RankedEmoji, ...]]

    def __getitem__(self, name: str) -> EmojiCounts:
        """The totals of one group."""
        return self.by_group[name]

    def share(self, group: str, *, of: str = "geotagged") -> float | None:
        """Percentage of emojis in ``group``.

        Args:
            group: ``inside``, ``outside`` or ``unknown``.
            of: ``"geotagged"`` (inside + outside, as in the paper) or ``"all"``
                (including unknown).

        Returns:
            The percentage, or None when the denominator is zero (or ``group`` is
            ``unknown`` with ``of="geotagged"``).
        """
        if of == "geotagged":
            if group == "unknown":
                return None
            total = self.by_group["inside"].emojis + self.by_group["outside"].emojis
        else:
            total = sum(c.emojis for c in self.by_group.values())
        if total == 0:
            return None
        return 100.0 * self.by_group[group].emojis / total

    def to_arrow(self) -> pa.Table:
        """Columns ``group``, the totals, ``share_of_geotagged`` and ``share_of_all`` (%)."""
        columns: dict[str, list[object]] = {"group": list(self.by_group)}
        for name, _ in _COUNT_SCHEMA:
            columns[name] = [getattr(c, name) for c in self.by_group.values()]
        columns["share_of_geotagged"] = [self.share(g) for g in self.by_group]
        columns["share_of_all"] = [self.share(g, of="all") for g in self.by_group]
        schema = pa.schema(
            [
                ("group", pa.string()),
                *_COUNT_SCHEMA,
                ("share_of_geotagged", pa.float64()),
                ("share_of_all", pa.float64()),
            ]
        )
        return pa.table(columns, schema=schema)

    def top_to_arrow(self) -> pa.Table:
        """Columns ``group``, ``rank``, ``emoji``, ``count``, ``name``, ``sentiment``."""
        return _ranks_to_arrow("group", self.top)


def _matrix_of(table: pa.Table, matrix: EmojiMatrix | None) -> EmojiMatrix:
    if matrix is not None:
        if matrix.n_posts != table.num_rows:
            raise ValueError("the emoji matrix does not match the table's rows")
        return matrix
    require_columns(table, ["emojis"], purpose="the emoji tables")
    return emoji_matrix(table.column("emojis"))


def posts_per_class(table: pa.Table) -> PostsPerClass:
    """Table 1: count the posts of each class.

    Args:
        table: A corpus with a ``solidarity`` column.

    Returns:
        The counts.

    Raises:
        InputError: The ``solidarity`` column is missing or invalid.
    """
    masks, unlabelled = class_masks(table)
    return PostsPerClass(
        solidarity=int(masks[CLASSES[0]].sum()),
        not_solidarity=int(masks[CLASSES[1]].sum()),
        unlabelled=int(unlabelled.sum()),
    )


def emoji_totals(table: pa.Table, *, matrix: EmojiMatrix | None = None) -> EmojiTotals:
    """Table 4: the emoji totals of each class.

    Args:
        table: A corpus with ``emojis`` and ``solidarity`` columns.
        matrix: The table's emoji matrix, if already built.

    Returns:
        The totals per class.
    """
    masks, _ = class_masks(table)
    m = _matrix_of(table, matrix)
    return EmojiTotals({name: EmojiCounts.of(m.rows(masks[name])) for name in CLASSES})


def top_emojis(
    table: pa.Table,
    k: int = 10,
    *,
    matrix: EmojiMatrix | None = None,
    name_of: NameSource = None,
    sentiment_of: SentimentSource = None,
) -> TopEmojis:
    """Table 5: the k most frequent emojis of each class.

    Args:
        table: A corpus with ``emojis`` and ``solidarity`` columns.
        k: List length (paper: 10).
        matrix: The table's emoji matrix, if already built.
        name_of: Name source (default ``crowdpulse.text.emoji_name``).
        sentiment_of: Sentiment source (default ``crowdpulse.text.emoji_sentiment``).

    Returns:
        The ranked emojis per class.
    """
    masks, _ = class_masks(table)
    m = _matrix_of(table, matrix)
    names = resolve_name_of(name_of)
    scores = resolve_sentiment_of(sentiment_of)
    return TopEmojis(
        k=k,
        by_class={
            name: rank_emojis(m.rows(masks[name]).counter(), k, name_of=names, sentiment_of=scores)
            for name in CLASSES
        },
    )


def emojis_by_region(
    table: pa.Table,
    affected: Collection[str],
    k: int = 10,
    *,
    matrix: EmojiMatrix | None = None,
    groups: np.ndarray | None = None,
    in_region: InRegionFn | None = None,
    name_of: NameSource = None,
    sentiment_of: SentimentSource = None,
) -> RegionEmojis:
    """Table 6: emojis of solidarity posts inside, outside and of unknown region.

    Args:
        table: A corpus with ``emojis``, ``solidarity`` and ``country`` columns.
        affected: The affected countries (alpha-2), e.g. ``event.affected_countries``.
        k: Length of the top list per group.
        matrix: The table's emoji matrix, if already built.
        groups: The region group of every row, if already computed
            (:func:`~crowdpulse.emoji.groups.region_groups`).
        in_region: Overrides the affected-region test.
        name_of: Name source.
        sentiment_of: Sentiment source.

    Returns:
        Totals, shares and top-k per group.
    """
    masks, _ = class_masks(table)
    m = _matrix_of(table, matrix)
    if groups is None:
        require_columns(table, ["country"], purpose="Table 6")
        states = table.column("us_state") if "us_state" in table.column_names else None
        groups = region_groups(
            table.column("country"), affected, states=states, in_region=in_region
        )
    names = resolve_name_of(name_of)
    scores = resolve_sentiment_of(sentiment_of)
    solidarity = masks[SOLIDARITY]
    by_group: dict[str, EmojiCounts] = {}
    top: dict[str, tuple[RankedEmoji, ...]] = {}
    for group in GROUPS:
        sub = m.rows(solidarity & (groups == group))
        by_group[group] = EmojiCounts.of(sub)
        top[group] = rank_emojis(sub.counter(), k, name_of=names, sentiment_of=scores)
    return RegionEmojis(
        affected=frozenset(c.upper() for c in affected), k=k, by_group=by_group, top=top
    )


def _cell(value: object, digits: int) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.{digits}f}"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(table: pa.Table, *, digits: int = 3) -> str:
    """Render an Arrow table as a GitHub-flavoured Markdown table.

    Args:
        table: The table.
        digits: Decimals of float cells.

    Returns:
        The Markdown text, one line per row, ending with a newline. Numeric
        columns are right-aligned; nulls are empty cells.
    """
    header = "| " + " | ".join(table.column_names) + " |"
    align = []
    for field in table.schema:
        numeric = pa.types.is_integer(field.type) or pa.types.is_floating(field.type)
        align.append("---:" if numeric else "---")
    lines = [header, "| " + " | ".join(align) + " |"]
    for row in table.to_pylist():
        lines.append("| " + " | ".join(_cell(v, digits) for v in row.values()) + " |")
    return "\n".join(lines) + "\n"
